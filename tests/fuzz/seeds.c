/*
 * seeds: writes seed inputs for a fuzz target from the suite's case files,
 * so the fuzzers start from every case a module has (tests/fuzz/run calls it
 * for the "seeds" lines of a .fuzz spec).
 *
 *   seeds OUTDIR PREFIX SECTION FILE...
 *
 * SECTION may be several names joined by '+' ("headers+body"): their texts
 * joined by a newline, a missing one counting as empty, as long as one is
 * there. For each case FILE that has SECTION, writes OUTDIR/<file>.<section>.<n>
 * (n: the first number not taken yet): the
 * section's text, its %{...} macros expanded, after a first line given by
 * PREFIX: "-" none, "=WORD" the word, "@NAME" the first line of the case's
 * section NAME (a case without it is left out).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/lib/case.h"

/* The first line of the seed, or NULL when the case has no such line. */
static char *
prefix_line(const struct ct_case *c, const char *prefix)
{
	const char *text;

	if (strcmp(prefix, "-") == 0)
		return strdup("");
	if (prefix[0] == '=')
		return strdup(prefix + 1);
	if (prefix[0] == '@' && (text = ct_case_get(c, prefix + 1)) != NULL)
		return strndup(text, strcspn(text, "\n"));
	return NULL;
}

/* A new file OUTDIR/<base>.<section>.<n>, its name left in path. */
static FILE *
create_seed(const char *outdir, const char *base, const char *section, struct buf *path)
{
	for (int n = 0;; n++) {
		int fd;

		buf_reset(path);
		buf_printf(path, "%s/%s.%s.%d", outdir, base, section, n);
		if ((fd = open(path->data, O_WRONLY | O_CREAT | O_EXCL, 0644)) >= 0)
			return fdopen(fd, "wb");
		if (errno != EEXIST)
			return NULL;
	}
}

/* The texts of the sections named in spec ("a+b"), joined by newlines, into
 * out; -1 when the case has none of them. */
static int
join_sections(const struct ct_case *c, const char *spec, struct buf *out)
{
	char *names = strdup(spec), *name, *save = NULL;
	int found = 0, i = 0;

	for (name = strtok_r(names, "+", &save); name; name = strtok_r(NULL, "+", &save)) {
		const struct buf *b = ct_case_buf(c, name);

		if (i++ > 0)
			buf_putc(out, '\n');
		if (b != NULL) {
			buf_append(out, b->data, b->len);
			found = 1;
		}
	}
	free(names);
	buf_reserve(out, 0);
	return found ? 0 : -1;
}

static int
write_seed(const char *outdir, const struct ct_case *c, const char *prefix, const char *section)
{
	struct buf joined = BUF_INIT;
	const struct buf *body = join_sections(c, section, &joined) == 0 ? &joined : NULL;
	const char *base = strrchr(c->path, '/');
	struct buf path = BUF_INIT, text = BUF_INIT;
	char *head;
	FILE *f;
	int rc = 0;

	if (body == NULL || (head = prefix_line(c, prefix)) == NULL) {
		buf_free(&joined);
		return 0;
	}
	ct_case_expand(body, &text);
	f = create_seed(outdir, base ? base + 1 : c->path, section, &path);
	if (f == NULL || (head[0] && fprintf(f, "%s\n", head) < 0) ||
	    fwrite(text.data, 1, text.len, f) != text.len || fclose(f) != 0) {
		perror(path.data);
		rc = -1;
	}
	free(head);
	buf_free(&path);
	buf_free(&text);
	buf_free(&joined);
	return rc;
}

int
main(int argc, char **argv)
{
	struct ct_case c;

	if (argc < 4) {
		fprintf(stderr, "usage: seeds OUTDIR PREFIX SECTION FILE...\n");
		return 2;
	}
	for (int i = 4; i < argc; i++) {
		ct_case_load(argv[i], 0, &c);
		if (write_seed(argv[1], &c, argv[2], argv[3]) == -1)
			return 1;
		ct_case_free(&c);
	}
	return 0;
}
