/*
 * rules/group: a rule's group_by, window, threshold and distinct, checked
 * the same whichever file they were written in.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/internal.h"
#include "util/units.h"

static int
field_ok(const char *setting, const char *path, struct ct_error *err)
{
	if (path == NULL || !match_field_path(path, 0))
		return ct_error_set(err, CT_ERR_CONFIG,
		    "%s '%s' is not a field path (names joined by dots, e.g. userIdentity.arn)",
		    setting, path ? path : "");
	return 0;
}

static int
read_window(const struct rule_group_spec *s, long *window, struct ct_error *err)
{
	const char *why = NULL;
	uint64_t v;

	if (units_duration(s->window, &v, &why) == -1)
		return ct_error_set(err, CT_ERR_CONFIG, "window '%s': %s", s->window, why);
	if (v == 0 || v > RULE_WINDOW_MAX)
		return ct_error_set(
		    err, CT_ERR_CONFIG, "window '%s' is out of range (1s to 7d)", s->window);
	*window = (long)v;
	return 0;
}

static int
read_threshold(const struct rule_group_spec *s, long *threshold, struct ct_error *err)
{
	const char *why = NULL;
	uint64_t v;

	if (units_count(s->threshold, &v, &why) == -1)
		return ct_error_set(err, CT_ERR_CONFIG, "threshold '%s': %s", s->threshold, why);
	if (v < 1 || v > RULE_THRESHOLD_MAX)
		return ct_error_set(err, CT_ERR_CONFIG, "threshold %s is out of range (1 to %d)",
		    s->threshold, RULE_THRESHOLD_MAX);
	*threshold = (long)v;
	return 0;
}

/* What needs what: a window for the rest, a threshold for distinct. */
static int
needs(const struct rule_group_spec *s, struct ct_error *err)
{
	const char *without = s->nby ? "group_by" : s->threshold ? "threshold" : "distinct";

	if (s->window == NULL && (s->nby || s->threshold || s->distinct))
		return ct_error_set(
		    err, CT_ERR_CONFIG, "%s needs a window (e.g. window = \"10m\")", without);
	if (s->distinct && s->threshold == NULL)
		return ct_error_set(err, CT_ERR_CONFIG,
		    "distinct needs a threshold: how many distinct values alert");
	if (s->by_too_many)
		return ct_error_set(
		    err, CT_ERR_CONFIG, "group_by names more than %d fields", RULE_GROUP_BY_MAX);
	return 0;
}

static int
copy_fields(const struct rule_group_spec *s, struct rule_group *g, struct ct_error *err)
{
	if (s->nby && (g->by = calloc(s->nby, sizeof(*g->by))) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < s->nby; i++, g->nby++) {
		if (field_ok("group_by field", s->by[i], err) == -1)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->by[j], s->by[i]) == 0)
				return ct_error_set(
				    err, CT_ERR_CONFIG, "group_by names '%s' twice", s->by[i]);
		if ((g->by[i] = strdup(s->by[i])) == NULL)
			return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	}
	g->distinct_rule = s->distinct_rule;
	if (s->distinct == NULL)
		return 0;
	if (field_ok("distinct", s->distinct, err) == -1)
		return -1;
	if ((g->distinct = strdup(s->distinct)) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	return 0;
}

int
rule_group_make(const struct rule_group_spec *s, struct rule_group *out, struct ct_error *err)
{
	memset(out, 0, sizeof(*out));
	if (needs(s, err) == -1)
		return -1;
	if (s->window == NULL)
		return 0;
	if (read_window(s, &out->window, err) == -1 ||
	    (s->threshold && read_threshold(s, &out->threshold, err) == -1) ||
	    copy_fields(s, out, err) == -1) {
		rule_group_free(out);
		return -1;
	}
	return 0;
}

void
rule_group_free(struct rule_group *g)
{
	for (size_t i = 0; i < g->nby; i++)
		free(g->by[i]);
	free(g->by);
	free(g->distinct);
	memset(g, 0, sizeof(*g));
}
