/*
 * casefile: running the rules cases: their scratch directory and files, the
 * rules as text and records through a matcher (see casefile.h).
 */
#include "casefile.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stream/prefilter.h"
#include "stream/records.h"

/* What one record matched, as the stream reports it. */
struct hits {
	const struct ruleset *rs;
	struct buf names;
	int failed; /* the record was not a JSON object, or not UTF-8 */
};

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
casefile_materialize(const struct ct_case *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct ct_section *s = &c->v[i];
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
			fwrite(s->text.data, 1, s->text.len, f);
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
		if (r->pattern)
			buf_printf(out, "  pattern %s\n", r->pattern);
		for (size_t k = 0; k < r->nparts; k++)
			buf_printf(out, "  pattern %s %s\n", r->parts[k].name, r->parts[k].pattern);
		if (r->condition)
			buf_printf(out, "  condition %s\n", r->condition);
		for (size_t k = 0; k < r->nexceptions; k++)
			buf_printf(out, "  exception %s\n", r->exceptions[k]);
		if (r->kind == RULE_SIGMA)
			buf_printf(out, "  kind Sigma\n");
		if (r->meta.id)
			buf_printf(out, "  id %s\n", r->meta.id);
		for (size_t k = 0; k < r->meta.ntags; k++)
			buf_printf(out, "  tag %s\n", r->meta.tags[k]);
		for (size_t k = 0; k < r->meta.nreferences; k++)
			buf_printf(out, "  reference %s\n", r->meta.references[k]);
		for (size_t k = 0; k < r->meta.nfalsepositives; k++)
			buf_printf(out, "  falsepositive %s\n", r->meta.falsepositives[k]);
		if (r->group.window) {
			buf_printf(out, "  window %ld", r->group.window);
			for (size_t k = 0; k < r->group.nby; k++)
				buf_printf(out, " by %s", r->group.by[k]);
			if (r->group.threshold)
				buf_printf(out, " threshold %ld", r->group.threshold);
			if (r->group.distinct)
				buf_printf(out, " distinct %s", r->group.distinct);
			if (r->group.distinct_rule)
				buf_printf(out, " distinct-rules");
			buf_putc(out, '\n');
		}
		if (r->corr.nof) {
			buf_puts(out, "  counts");
			for (size_t k = 0; k < r->corr.nof; k++)
				buf_printf(out, " %s", r->corr.of[k]);
			buf_puts(out, r->corr.generate ? " (they alert too)\n" : "\n");
		}
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

/* The names of the rules a record matched, space-separated. */
static int
on_match(
    void *arg, const struct record_ref *rec, const size_t *rules, size_t n, struct ct_error *err)
{
	struct hits *h = arg;

	for (size_t i = 0; i < n; i++)
		buf_printf(&h->names, "%s ", ruleset_rule_name(h->rs, rules[i]));
	return 0;
}

static void
on_record_error(void *arg, const struct record_ref *rec, const struct ct_error *err)
{
	((struct hits *)arg)->failed = 1;
}

/* The rules record matched, as the one record of a log after lead (its
 * own records, which match nothing), with the prefilter pf (may be NULL):
 * their names sorted, or NULL if the record was not a JSON object in UTF-8. */
static char *
stream_record(const struct ruleset *rs, const struct prefilter *pf, const char *lead,
    const char *record)
{
	struct records_opts o = {RECORDS_CLOUDTRAIL, 0, 0, pf};
	struct hits h = {rs, BUF_INIT, 0};
	struct records_cb cb = {on_match, on_record_error, &h};
	struct matcher *m = matcher_new(rs);
	struct records *r = m ? records_new(&o, rs, m, &cb, NULL) : NULL;
	char *sorted = NULL;

	/* the record as a log holds it, so that its text is the log's */
	if (r != NULL && records_feed(r, "{\"Records\": [", 13, NULL) == 0 &&
	    records_feed(r, lead, strlen(lead), NULL) == 0 &&
	    records_feed(r, record, strlen(record), NULL) == 0 &&
	    records_feed(r, "]}", 2, NULL) == 0 && records_finish(r, NULL) == 0 && !h.failed)
		sorted = sorted_words(h.names.data ? h.names.data : "");
	buf_free(&h.names);
	records_free(r);
	matcher_free(m);
	return sorted;
}

int
match_record(const struct ruleset *rs, const char *record, struct buf *out)
{
	struct ct_error err;
	struct prefilter *pf = prefilter_new(rs, &err);
	char *plain = stream_record(rs, NULL, "", record), *skimmed = NULL;

	/* Where the rules allow a prefilter, the record comes again after one
	 * the parser must see (the first of a log always is): the prefilter
	 * then decides whether the record is parsed, and may never change what
	 * it matches. {} matches no rule that needs a literal. */
	if (plain != NULL && pf != NULL &&
	    ((skimmed = stream_record(rs, pf, "{},", record)) == NULL ||
	        strcmp(plain, skimmed) != 0))
		buf_printf(out, "(with the prefilter: %s) ", skimmed ? skimmed : "an error");
	if (plain != NULL)
		buf_puts(out, plain);
	free(plain);
	free(skimmed);
	prefilter_free(pf);
	return plain != NULL ? 0 : -1;
}
