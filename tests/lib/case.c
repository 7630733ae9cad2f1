/*
 * case: reading the "--- section" case files and listing folders of them
 * (see case.h).
 */
#include "config.h"

#include "case.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
ct_top_srcdir(void)
{
	const char *d = getenv("top_srcdir");

	return d && *d ? d : ".";
}

static int
slurp(const char *path, struct buf *b)
{
	char chunk[8192];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, n);
	fclose(f);
	return 0;
}

/* Opens a section from its header line (without "--- " and newline). */
static int
add_section(struct ct_case *c, const char *h, size_t len, unsigned flags)
{
	const char *sp = memchr(h, ' ', len);
	struct ct_section *s;

	if (flags & CT_CASE_UNIQUE)
		for (size_t i = 0; i < c->n; i++) {
			size_t nl = strlen(c->v[i].name), al = strlen(c->v[i].args);
			size_t whole = al ? nl + 1 + al : nl;

			if (whole == len && strncmp(h, c->v[i].name, nl) == 0 &&
			    (!al || strncmp(h + nl + 1, c->v[i].args, al) == 0))
				return -1;
		}
	if ((s = realloc(c->v, (c->n + 1) * sizeof(*s))) == NULL)
		abort();
	c->v = s;
	s = &c->v[c->n++];
	s->name = strndup(h, sp ? (size_t)(sp - h) : len);
	s->args = sp ? strndup(sp + 1, len - (size_t)(sp + 1 - h)) : strdup("");
	buf_init(&s->text);
	buf_reserve(&s->text, 0);
	return 0;
}

static int
preamble_line_ok(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && strchr(" \t\r\n", p[i]) != NULL)
		i++;
	return i == len || p[0] == '#';
}

static void
trim_sections(struct ct_case *c, unsigned flags)
{
	for (size_t i = 0; i < c->n; i++) {
		struct buf *t = &c->v[i].text;

		while (t->len > 0 && t->data[t->len - 1] == '\n' &&
		       (flags & (CT_CASE_TRIM_ONE | CT_CASE_TRIM_ALL))) {
			t->data[--t->len] = '\0';
			if (!(flags & CT_CASE_TRIM_ALL))
				break;
		}
	}
}

/* Splits text into c's sections; -1 with why set on a broken file. */
static int
split(struct ct_case *c, const struct buf *text, unsigned flags, char *why, size_t whylen)
{
	const char *p = text->data, *end = text->data + text->len;

	for (int lineno = 1; p < end; lineno++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl + 1 - p) : (size_t)(end - p);
		size_t bare = nl ? len - 1 : len;

		if (bare >= 4 && strncmp(p, "--- ", 4) == 0) {
			if (add_section(c, p + 4, bare - 4, flags) == -1) {
				snprintf(why, whylen, "%s:%d: the section \"%.*s\" appears twice",
				    c->path, lineno, (int)(bare - 4), p + 4);
				return -1;
			}
		} else if (c->n > 0) {
			buf_append(&c->v[c->n - 1].text, p, len);
		} else if ((flags & CT_CASE_COMMENTS) && !preamble_line_ok(p, bare)) {
			snprintf(why, whylen,
			    "%s:%d: text before the first section that is not a # comment", c->path,
			    lineno);
			return -1;
		}
		p += len;
	}
	trim_sections(c, flags);
	return 0;
}

int
ct_case_read(const char *path, unsigned flags, struct ct_case *c, char *why, size_t whylen)
{
	struct buf text = BUF_INIT;
	int rc;

	memset(c, 0, sizeof(*c));
	c->path = strdup(path);
	if (slurp(path, &text) == -1) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf_reserve(&text, 0);
	rc = split(c, &text, flags, why, whylen);
	buf_free(&text);
	return rc;
}

void
ct_case_load(const char *path, unsigned flags, struct ct_case *c)
{
	char why[4400];

	if (ct_case_read(path, flags, c, why, sizeof(why)) == -1) {
		fprintf(stderr, "%s\n", why);
		exit(99);
	}
}

void
ct_case_free(struct ct_case *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].args);
		buf_free(&c->v[i].text);
	}
	free(c->v);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

const struct ct_section *
ct_case_find(const struct ct_case *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].name, name) == 0)
			return &c->v[i];
	return NULL;
}

const struct buf *
ct_case_buf(const struct ct_case *c, const char *name)
{
	const struct ct_section *s = ct_case_find(c, name);

	return s ? &s->text : NULL;
}

const char *
ct_case_get(const struct ct_case *c, const char *name)
{
	const struct ct_section *s = ct_case_find(c, name);

	return s ? s->text.data : NULL;
}

char *
ct_section_text(const struct ct_section *s)
{
	size_t n = s->text.len;

	while (n && s->text.data[n - 1] == '\n')
		n--;
	return strndup(s->text.data, n);
}

/* A broken macro is a broken case: names the macro and exits 99. */
static void
macro_error(const char *p, const char *end, const char *what)
{
	int n = end - p > 40 ? 40 : (int)(end - p);

	fprintf(stderr, "case file: \"%.*s\": %s\n", n, p, what);
	exit(99);
}

/* Expands one macro starting at p ("%{"); returns the bytes consumed. */
static size_t
expand_macro(const char *p, const char *end, struct buf *out)
{
	const char *close = memchr(p, '}', (size_t)(end - p));
	unsigned long n;
	char *colon;

	if (close == NULL)
		macro_error(p, end, "a %{ macro without its }");
	if (strncmp(p, "%{x:", 4) == 0 && close - p == 6) {
		char hex[3] = {p[4], p[5], 0};

		buf_putc(out, (char)strtoul(hex, NULL, 16));
	} else if (strncmp(p, "%{repeat:", 9) == 0) {
		n = strtoul(p + 9, &colon, 10);
		if (*colon != ':' || colon > close)
			macro_error(p, end, "bad %{repeat:N:text}");
		buf_reserve(out, n * (size_t)(close - colon - 1));
		for (unsigned long i = 0; i < n; i++)
			buf_append(out, colon + 1, (size_t)(close - colon - 1));
	} else {
		macro_error(p, end, "unknown macro (want %{x:HH} or %{repeat:N:text})");
	}
	return (size_t)(close - p) + 1;
}

void
ct_case_expand(const struct buf *in, struct buf *out)
{
	const char *p = in->data, *end = in->data + in->len;

	buf_reset(out);
	buf_reserve(out, in->len);
	while (p < end) {
		if (end - p >= 2 && p[0] == '%' && p[1] == '{')
			p += expand_macro(p, end, out);
		else
			buf_putc(out, *p++);
	}
}

static int
path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t
ct_case_list(const char *dir, const char *pattern, char ***paths)
{
	struct buf base = BUF_INIT;
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	*paths = NULL;
	if (dir[0] == '/')
		buf_puts(&base, dir);
	else
		buf_printf(&base, "%s/%s", ct_top_srcdir(), dir);
	if ((d = opendir(base.data)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.' || fnmatch(pattern, e->d_name, 0) != 0)
				continue;
			if ((*paths = realloc(*paths, (n + 1) * sizeof(**paths))) == NULL ||
			    asprintf(&(*paths)[n], "%s/%s", base.data, e->d_name) == -1)
				abort();
			n++;
		}
		closedir(d);
	}
	if (n)
		qsort(*paths, n, sizeof(**paths), path_cmp);
	buf_free(&base);
	return n;
}

void
ct_case_list_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}
