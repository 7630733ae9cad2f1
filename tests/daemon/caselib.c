#include "config.h"

#include "caselib.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
die(const char *what, const char *path)
{
	fprintf(stderr, "caselib: %s: %s\n", path, what);
	exit(99);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
case_list(const char *module, size_t *n)
{
	const char *top = getenv("top_srcdir");
	char dir[4096];
	char **v = NULL;
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tests/daemon/cases/%s", top ? top : ".", module);
	if ((d = opendir(dir)) == NULL)
		die("cannot open the case folder (is top_srcdir set?)", dir);
	*n = 0;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		struct buf p = BUF_INIT;

		if (len < 6 || strcmp(de->d_name + len - 5, ".case") != 0)
			continue;
		if ((v = realloc(v, (*n + 1) * sizeof(*v))) == NULL)
			die("out of memory", dir);
		buf_printf(&p, "%s/%s", dir, de->d_name);
		v[(*n)++] = buf_detach(&p);
	}
	closedir(d);
	if (*n == 0)
		die("no *.case files", dir);
	qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

void
case_list_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

static struct case_section *
add_section(struct case_file *cf, const char *name)
{
	struct case_section *s;

	for (size_t i = 0; i < cf->n; i++)
		if (strcmp(cf->v[i].name, name) == 0)
			die("a section appears twice", cf->path);
	if ((cf->v = realloc(cf->v, (cf->n + 1) * sizeof(*cf->v))) == NULL)
		die("out of memory", cf->path);
	s = &cf->v[cf->n++];
	s->name = strdup(name);
	buf_init(&s->text);
	buf_reserve(&s->text, 0);
	return s;
}

void
case_load(const char *path, struct case_file *cf)
{
	struct case_section *cur = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;

	memset(cf, 0, sizeof(*cf));
	cf->path = strdup(path);
	if ((f = fopen(path, "r")) == NULL)
		die("cannot open", path);
	while ((len = getline(&line, &cap, f)) != -1) {
		if (strncmp(line, "--- ", 4) == 0) {
			line[strcspn(line, "\r\n")] = '\0';
			cur = add_section(cf, line + 4);
		} else if (cur != NULL) {
			buf_append(&cur->text, line, (size_t)len);
		} else if (line[0] != '#' && line[strspn(line, " \t\r\n")] != '\0') {
			die("text before the first section that is not a # comment", path);
		}
	}
	free(line);
	fclose(f);
	for (size_t i = 0; i < cf->n; i++) {
		struct buf *t = &cf->v[i].text;

		if (t->len > 0 && t->data[t->len - 1] == '\n')
			t->data[--t->len] = '\0';
	}
}

void
case_free(struct case_file *cf)
{
	for (size_t i = 0; i < cf->n; i++) {
		free(cf->v[i].name);
		buf_free(&cf->v[i].text);
	}
	free(cf->v);
	free(cf->path);
	memset(cf, 0, sizeof(*cf));
}

const struct buf *
case_section(const struct case_file *cf, const char *name)
{
	for (size_t i = 0; i < cf->n; i++)
		if (strcmp(cf->v[i].name, name) == 0)
			return &cf->v[i].text;
	return NULL;
}

/* Expands one macro starting at p ("%{"); returns the bytes consumed. */
static size_t
expand_macro(const char *p, const char *end, struct buf *out)
{
	const char *close = memchr(p, '}', (size_t)(end - p));
	unsigned long n;
	char *colon;

	if (close == NULL)
		die("a %{ macro without its }", "case");
	if (strncmp(p, "%{x:", 4) == 0 && close - p == 6) {
		char hex[3] = {p[4], p[5], 0};

		buf_putc(out, (char)strtoul(hex, NULL, 16));
	} else if (strncmp(p, "%{repeat:", 9) == 0) {
		n = strtoul(p + 9, &colon, 10);
		if (*colon != ':' || colon > close)
			die("bad %{repeat:N:text}", "case");
		buf_reserve(out, n * (size_t)(close - colon - 1));
		for (unsigned long i = 0; i < n; i++)
			buf_append(out, colon + 1, (size_t)(close - colon - 1));
	} else {
		die("unknown macro (want %{x:HH} or %{repeat:N:text})", "case");
	}
	return (size_t)(close - p) + 1;
}

void
case_expand(const struct buf *in, struct buf *out)
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

static size_t
trimmed_len(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '\n')
		n--;
	return n;
}

void
case_compare(const struct case_file *cf, const char *want, const char *got)
{
	size_t wn = trimmed_len(want), gn = trimmed_len(got);

	if (wn == gn && memcmp(want, got, wn) == 0)
		return;
	/* Check carries at most a few KiB of message: the texts go to stderr. */
	fprintf(
	    stderr, "%s:\n--- want\n%.*s\n--- got\n%.*s\n", cf->path, (int)wn, want, (int)gn, got);
	ck_abort_msg("%s: result differs from the case (both printed above)", cf->path);
}

void
case_quote(struct buf *out, const char *s, size_t n)
{
	buf_putc(out, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			buf_printf(out, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			buf_putc(out, (char)c);
		else
			buf_printf(out, "\\x%02x", c);
	}
	buf_putc(out, '"');
}

static unsigned long long
next_random(unsigned long long *s)
{
	/* xorshift64*: plenty for picking mutations */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

void
case_mutate(struct buf *b, unsigned long long *seed)
{
	static const char special[] = "\"\\{}[]:,%+0-9eE.\x00\xff\xc3\x80 tfn";
	int edits = 1 + (int)(next_random(seed) % 4);

	for (int e = 0; e < edits && b->len > 0; e++) {
		size_t at = (size_t)(next_random(seed) % b->len);
		char c = special[next_random(seed) % (sizeof(special) - 1)];

		switch (next_random(seed) % 4) {
		case 0: /* flip a bit */
			b->data[at] ^= (char)(1 << (next_random(seed) % 8));
			break;
		case 1: /* drop a byte */
			memmove(b->data + at, b->data + at + 1, b->len - at - 1);
			b->data[--b->len] = '\0';
			break;
		case 2: /* insert a special character */
			buf_putc(b, '\0');
			memmove(b->data + at + 1, b->data + at, b->len - at - 1);
			b->data[at] = c;
			break;
		default: /* overwrite with one */
			b->data[at] = c;
		}
	}
}
