#include "casefile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "../match/walk.h"

const char *
top_srcdir(void)
{
	const char *d = getenv("top_srcdir");

	return d && *d ? d : ".";
}

static char *
slurp(const char *path, size_t *len)
{
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	if (len)
		*len = b.len;
	return buf_detach(&b);
}

static int
add_section(struct casefile *c, const char *header, size_t hlen)
{
	struct section *v = realloc(c->v, (c->n + 1) * sizeof(*v));
	const char *sp;

	if (v == NULL)
		return -1;
	c->v = v;
	header += 4; /* "--- " */
	hlen -= 4;
	sp = memchr(header, ' ', hlen);
	v[c->n].name = strndup(header, sp ? (size_t)(sp - header) : hlen);
	v[c->n].args = sp ? strndup(sp + 1, hlen - (size_t)(sp + 1 - header)) : strdup("");
	v[c->n].body = strdup("");
	c->n++;
	return 0;
}

static void
append_body(struct section *s, const char *line, size_t len)
{
	size_t old = strlen(s->body);

	s->body = realloc(s->body, old + len + 1);
	memcpy(s->body + old, line, len);
	s->body[old + len] = '\0';
}

int
casefile_read(const char *path, struct casefile *c)
{
	size_t len;
	char *text = slurp(path, &len), *p, *end;

	memset(c, 0, sizeof(*c));
	if (text == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	c->path = strdup(path);
	for (p = text, end = text + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t llen = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		if (llen >= 4 && strncmp(p, "--- ", 4) == 0)
			add_section(c, p, nl ? llen - 1 : llen);
		else if (c->n > 0)
			append_body(&c->v[c->n - 1], p, llen);
		p += llen;
	}
	free(text);
	return 0;
}

void
casefile_free(struct casefile *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].args);
		free(c->v[i].body);
	}
	free(c->v);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

const struct section *
casefile_find(const struct casefile *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].name, name) == 0)
			return &c->v[i];
	return NULL;
}

char *
section_text(const struct section *s)
{
	size_t n = strlen(s->body);

	while (n && s->body[n - 1] == '\n')
		n--;
	return strndup(s->body, n);
}

static int
path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t
list_files(const char *dir, const char *suffix, char ***paths)
{
	size_t n = 0, slen = strlen(suffix);
	struct dirent *e;
	DIR *d;

	*paths = NULL;
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || len < slen ||
		    strcmp(e->d_name + len - slen, suffix) != 0)
			continue;
		*paths = realloc(*paths, (n + 1) * sizeof(**paths));
		if (asprintf(&(*paths)[n], "%s/%s", dir, e->d_name) == -1)
			abort();
		n++;
	}
	closedir(d);
	if (n)
		qsort(*paths, n, sizeof(**paths), path_cmp);
	return n;
}

void
free_list(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int
scratch_enter(char *dir, size_t size, int *oldcwd)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, size, "%s/ctrules.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	if ((*oldcwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	return chdir(dir);
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

void
scratch_leave(const char *dir, int oldcwd)
{
	if (fchdir(oldcwd) == 0)
		nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	close(oldcwd);
}

/* mkdir -p of the directories leading to path. */
static void
make_parents(const char *path)
{
	char *p = strdup(path);

	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	free(p);
}

int
casefile_materialize(const struct casefile *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct section *s = &c->v[i];
		FILE *f;

		if (strcmp(s->name, "mkdir") == 0) {
			make_parents(s->args);
			if (mkdir(s->args, 0755) == -1)
				return -1;
		} else if (strcmp(s->name, "symlink") == 0) {
			char *link = strdup(s->args), *target = strchr(link, ' ');
			int r;

			if (target == NULL) {
				free(link);
				return -1;
			}
			*target++ = '\0';
			make_parents(link);
			r = symlink(target, link);
			free(link);
			if (r == -1)
				return -1;
		} else if (strcmp(s->name, "file") == 0) {
			make_parents(s->args);
			if ((f = fopen(s->args, "wb")) == NULL)
				return -1;
			fputs(s->body, f);
			if (fclose(f) != 0)
				return -1;
		}
	}
	return 0;
}

void
rule_dump(const struct rule_list *l, struct buf *out)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct rule *r = &l->v[i];

		buf_printf(out, "rule %s %s %s\n", r->name, r->severity, r->origin);
		if (r->description)
			buf_printf(out, "  description %s\n", r->description);
		for (size_t x = 0; x < l->n_extras; x++)
			if (r->extra[x])
				buf_printf(out, "  %s %s\n", l->extras[x].name, r->extra[x]);
		buf_printf(out, "  pattern %s\n", r->pattern);
		for (size_t t = 0; t < r->ntests; t++)
			buf_printf(out, "  test %s %s %s\n", r->tests[t].name,
			    r->tests[t].match ? "match" : "no-match", r->tests[t].record);
	}
}

int
error_code(const char *name)
{
	static const struct {
		const char *name;
		enum ct_err code;
	} codes[] = {
	    {"CONFIG", CT_ERR_CONFIG},
	    {"JSON", CT_ERR_JSON},
	    {"IO", CT_ERR_IO},
	    {"LIMIT", CT_ERR_LIMIT},
	    {"PATTERN", CT_ERR_PATTERN},
	    {"NOMEM", CT_ERR_NOMEM},
	};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(codes[i].name, name) == 0)
			return (int)codes[i].code;
	return -1;
}

static int
word_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *
sorted_words(const char *s)
{
	char *copy = strdup(s), *save = NULL, *w, **v = NULL;
	struct buf out = BUF_INIT;
	size_t n = 0;

	for (w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
		v = realloc(v, (n + 1) * sizeof(*v));
		v[n++] = w;
	}
	if (n)
		qsort(v, n, sizeof(*v), word_cmp);
	for (size_t i = 0; i < n; i++)
		buf_printf(&out, "%s%s", i ? " " : "", v[i]);
	free(v);
	free(copy);
	return buf_detach(&out);
}

int
match_record(const struct ruleset *rs, const char *record, struct buf *out)
{
	char why[256];
	yajl_val v = yajl_tree_parse(record, why, sizeof(why));
	struct matcher *m;
	struct buf names = BUF_INIT;
	const size_t *hits;
	size_t n;
	char *sorted;

	if (v == NULL)
		return -1;
	m = matcher_new(rs);
	matcher_begin(m);
	walk_value(m, match_root(rs), v);
	n = matcher_end(m, &hits);
	for (size_t i = 0; i < n; i++)
		buf_printf(&names, "%s ", ruleset_rule_name(rs, hits[i]));
	sorted = sorted_words(names.data ? names.data : "");
	buf_puts(out, sorted);
	free(sorted);
	buf_free(&names);
	matcher_free(m);
	yajl_tree_free(v);
	return 0;
}
