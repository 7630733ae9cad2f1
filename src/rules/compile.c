/*
 * From a rule list to the matcher's compiled ruleset. The matcher judges the
 * patterns; this adds where each rule was defined to what it says.
 */
#include "rules/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

static int
index_cmp(const void *a, const void *b, void *arg)
{
	const struct rule_list *l = arg;

	return strcmp(l->v[*(const size_t *)a].name, l->v[*(const size_t *)b].name);
}

/* Lists built by the loaders cannot hold two rules of one name; others might. */
static int
check_unique(const struct rule_list *l, struct ct_error *err)
{
	size_t *order;
	int r = 0;

	if (l->n < 2)
		return 0;
	if ((order = malloc(l->n * sizeof(*order))) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < l->n; i++)
		order[i] = i;
	qsort_r(order, l->n, sizeof(*order), index_cmp, (void *)l);
	for (size_t i = 1; i < l->n && r == 0; i++) {
		size_t x = order[i - 1], y = order[i];
		const struct rule *first = &l->v[x < y ? x : y], *again = &l->v[x < y ? y : x];

		if (strcmp(first->name, again->name) == 0)
			r = ct_error_set(err, CT_ERR_CONFIG,
			    "%s: rule '%s': duplicate rule name (first defined at %s)",
			    again->origin, again->name, first->origin);
	}
	free(order);
	return r;
}

/* What the matcher is told of r; d->parts is the caller's to free (NULL when
 * out of memory or the rule has one pattern). */
static void
rule_def_of(const struct rule *r, struct rule_def *d, const char *origin)
{
	struct match_part *parts = r->nparts ? calloc(r->nparts, sizeof(*parts)) : NULL;

	for (size_t i = 0; parts && i < r->nparts; i++) {
		parts[i].name = r->parts[i].name;
		parts[i].pattern = r->parts[i].pattern;
	}
	*d = (struct rule_def){.name = r->name,
	    .pattern = r->pattern,
	    .origin = origin,
	    .parts = parts,
	    .nparts = parts ? r->nparts : 0,
	    .condition = r->condition,
	    .exceptions = (const char *const *)r->exceptions,
	    .nexceptions = r->nexceptions,
	    .sigma = r->kind == RULE_SIGMA,
	    .derived = r->corr.nof > 0};
}

/* Whether the matcher accepts r's patterns, condition and exceptions on
 * their own; its complaint prefixed by r's origin. */
static int
rule_validate(const struct rule *r, struct ct_error *err)
{
	struct rule_def d;
	int ok;

	rule_def_of(r, &d, NULL);
	ok = match_rule_validate(&d, err);
	free((void *)d.parts);
	if (ok == -1)
		ct_error_prefix(err, "%s", r->origin);
	return ok;
}

/* The rules whose patterns the matcher refuses, each told to the list's
 * reporter if it has one, the first in err; 0 when every pattern is valid
 * alone. */
static int
find_invalid(const struct rule_list *l, struct ct_error *err)
{
	struct ct_error e;
	int r = 0;

	for (size_t i = 0; i < l->n && (r == 0 || l->report); i++) {
		if (rule_validate(&l->v[i], &e) == 0)
			continue;
		if (r == 0 && err)
			*err = e;
		if (l->report)
			l->report(l->report_arg, &e);
		r = -1;
	}
	return r;
}

/* A pattern whose top level names envelope fields and record fields is read
 * against the envelope, where the record fields never have a value: said,
 * naming a key of each side, since such a rule silently matches nothing. */
static void
warn_mixed(const struct rule *r, const char *what, const char *json)
{
	const char *env = NULL, *rec = NULL;
	char why[64];
	yajl_val v = json_parse(json, strlen(json), JSON_TREE_MAX_DEPTH, why, sizeof(why));

	for (size_t i = 0; YAJL_IS_OBJECT(v) && i < v->u.object.len; i++) {
		const char *k = v->u.object.keys[i];

		if (match_is_envelope_key(k))
			env = env ? env : k;
		else
			rec = rec ? rec : k;
	}
	if (env && rec)
		log_warnx(
		    "%s: rule '%s': %s mixes EventBridge envelope fields (\"%s\") with record "
		    "fields at its top level (\"%s\"): it is read against the envelope, where "
		    "\"%s\" never has a value; put record fields under \"detail\"",
		    r->origin, r->name, what, env, rec, rec);
	yajl_tree_free(v);
}

static void
warn_mixed_rules(const struct rule_list *l)
{
	char what[96];

	for (size_t i = 0; i < l->n; i++) {
		const struct rule *r = &l->v[i];

		if (r->pattern)
			warn_mixed(r, "its pattern", r->pattern);
		for (size_t j = 0; j < r->nparts; j++) {
			snprintf(what, sizeof(what), "pattern '%.64s'", r->parts[j].name);
			warn_mixed(r, what, r->parts[j].pattern);
		}
		for (size_t j = 0; j < r->nexceptions; j++) {
			snprintf(what, sizeof(what), "exception %zu", j + 1);
			warn_mixed(r, what, r->exceptions[j]);
		}
	}
}

struct ruleset *
rules_compile(const struct rule_list *l, enum match_envelope env, struct ct_error *err)
{
	struct rule_def *defs;
	struct rule_links links;
	struct ruleset *rs;
	struct ct_error why;

	if (check_unique(l, err) == -1 || rules_link(l, &links, err) == -1)
		return NULL;
	rule_links_free(&links);
	if ((defs = calloc(l->n ? l->n : 1, sizeof(*defs))) == NULL) {
		ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < l->n; i++)
		rule_def_of(&l->v[i], &defs[i], l->v[i].origin);
	rs = ruleset_compile(defs, l->n, env, &why);
	if (rs != NULL && env == MATCH_ENVELOPE_CLOUDTRAIL)
		warn_mixed_rules(l);
	for (size_t i = 0; i < l->n; i++)
		free((void *)defs[i].parts);
	free(defs);
	/* Each pattern is parsed once; only when one fails are they checked one
	 * by one, so that the complaint stands next to its rule's origin. */
	if (rs == NULL && find_invalid(l, err) == 0 && err != NULL)
		*err = why;
	return rs;
}
