/*
 * resume: the earlier runs' lines are read into a sorted array and looked up
 * by binary search; new lines only go to the file (see resume.h).
 */
#include "config.h"

#include "scan/resume.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"

#define RESUME_HEADER "# ctalertd scan --resume: ETAG<TAB>OBJECT, one finished object a line\n"

struct resume {
	FILE *f;          /* owned; appended to */
	const char *path; /* borrowed */
	char **lines;     /* owned; sorted "ETAG\tNAME" of earlier runs */
	size_t n, cap;
	pthread_mutex_t mutex; /* one writer at a time */
};

/* "ETAG\tNAME" with NAME escaped, into b. */
static int
line_of(struct buf *b, const char *source, const char *etag)
{
	if (buf_printf(b, "%s\t", etag ? etag : "") == -1)
		return -1;
	for (const unsigned char *p = (const unsigned char *)source; *p; p++)
		if ((*p < 0x20 || *p == '%' ? buf_printf(b, "%%%02X", *p)
		                            : buf_putc(b, (char)*p)) == -1)
			return -1;
	return 0;
}

static int
compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
keep_line(struct resume *r, const char *line, size_t len)
{
	char **v;

	if (len == 0 || line[0] == '#' || memchr(line, '\t', len) == NULL)
		return 0;
	if (r->n == r->cap) {
		if ((v = realloc(r->lines, (r->cap ? r->cap * 2 : 64) * sizeof(*v))) == NULL)
			return -1;
		r->lines = v;
		r->cap = r->cap ? r->cap * 2 : 64;
	}
	if ((r->lines[r->n] = strndup(line, len)) == NULL)
		return -1;
	r->n++;
	return 0;
}

/* Every complete line of the file; *complete: the bytes they take, where
 * a line cut short begins. */
static int
load(struct resume *r, FILE *f, off_t *complete, struct ct_error *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	*complete = 0;
	while (rc == 0 && (len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] != '\n')
			break;
		*complete += len;
		if (keep_line(r, line, (size_t)len - 1) == -1)
			rc = ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", r->path);
	}
	if (rc == 0 && ferror(f))
		rc = ct_error_set(err, CT_ERR_IO, "%s: %s", r->path, strerror(errno));
	free(line);
	if (r->n > 0)
		qsort(r->lines, r->n, sizeof(*r->lines), compare);
	return rc;
}

struct resume *
resume_open(const char *path, struct ct_error *err)
{
	struct resume *r = calloc(1, sizeof(*r));
	FILE *old;
	off_t complete = 0;
	int fresh;

	if (r == NULL) {
		ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", path);
		return NULL;
	}
	r->path = path;
	pthread_mutex_init(&r->mutex, NULL);
	fresh = (old = fopen(path, "r")) == NULL;
	if (old && load(r, old, &complete, err) == -1) {
		fclose(old);
		resume_close(r);
		return NULL;
	}
	if (old)
		fclose(old);
	/* A line cut short goes: the next line starts where it did. */
	if (!fresh && truncate(path, complete) == -1) {
		ct_error_set(err, CT_ERR_IO, "%s: %s", path, strerror(errno));
		resume_close(r);
		return NULL;
	}
	if ((r->f = fopen(path, "a")) == NULL) {
		ct_error_set(err, CT_ERR_IO, "%s: %s", path, strerror(errno));
		resume_close(r);
		return NULL;
	}
	if ((fresh && fputs(RESUME_HEADER, r->f) == EOF) || fflush(r->f) == EOF) {
		ct_error_set(err, CT_ERR_IO, "%s: %s", path, strerror(errno));
		resume_close(r);
		return NULL;
	}
	return r;
}

void
resume_close(struct resume *r)
{
	if (r == NULL)
		return;
	if (r->f)
		fclose(r->f);
	for (size_t i = 0; i < r->n; i++)
		free(r->lines[i]);
	free(r->lines);
	pthread_mutex_destroy(&r->mutex);
	free(r);
}

size_t
resume_count(const struct resume *r)
{
	return r->n;
}

int
resume_finished(const struct resume *r, const char *source, const char *etag)
{
	struct buf b = BUF_INIT;
	int found = 0;

	if (r->n > 0 && line_of(&b, source, etag) == 0) {
		const char *key = b.data;

		found = bsearch(&key, r->lines, r->n, sizeof(*r->lines), compare) != NULL;
	}
	buf_free(&b);
	return found;
}

int
resume_mark(struct resume *r, const char *source, const char *etag, struct ct_error *err)
{
	struct buf b = BUF_INIT;
	int rc = 0;

	if (line_of(&b, source, etag) == -1 || buf_putc(&b, '\n') == -1) {
		buf_free(&b);
		return ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", r->path);
	}
	pthread_mutex_lock(&r->mutex);
	if (fwrite(b.data, 1, b.len, r->f) != b.len || fflush(r->f) == EOF)
		rc = ct_error_set(err, CT_ERR_IO, "%s: %s", r->path, strerror(errno));
	pthread_mutex_unlock(&r->mutex);
	buf_free(&b);
	return rc;
}
