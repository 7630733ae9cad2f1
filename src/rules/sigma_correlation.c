/*
 * rules/sigma_correlation: Sigma correlation rules as ctalertd's windows and
 * thresholds (docs/rules.md, "Sigma correlation rules"):
 *
 *   event_count  condition gte N (or gt N-1): a threshold of N matches
 *   value_count  the same over the distinct values of condition.field
 *   temporal     every rule it names matched: a threshold of as many
 *                distinct rules
 *
 * over the matches of the rules it names, grouped by group-by, within
 * timespan. ctalertd alerts as a count rises, so conditions that ask for
 * fewer (lt, lte), exactly (eq) or ranges are refused, as is
 * temporal_ordered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/sigma.h"

/* What the correlation says, borrowed from the YAML document. */
struct corr {
	const char *type;
	const char *of[64];
	size_t nof;
	const char *timespan;
	char threshold[24];
	const char *field;
	int generate;
};

static int
read_rules(struct sload *s, const yaml_node_t *c, struct corr *k)
{
	const yaml_node_t *rules = sigma_member(s, c, "rules");

	if (rules && sigma_scalar(rules)) {
		k->of[k->nof++] = sigma_scalar(rules);
		return 0;
	}
	if (rules == NULL || rules->type != YAML_SEQUENCE_NODE ||
	    rules->data.sequence.items.top == rules->data.sequence.items.start)
		return sigma_fail(s, rules ? rules : c,
		    "correlation needs rules: the names or ids of the rules it counts");
	for (yaml_node_item_t *i = rules->data.sequence.items.start;
	     i < rules->data.sequence.items.top; i++) {
		const char *t = sigma_scalar(sigma_node(s, *i));

		if (t == NULL || *t == '\0')
			return sigma_fail(s, sigma_node(s, *i), "correlation rules must be names");
		if (k->nof == sizeof(k->of) / sizeof(k->of[0]))
			return sigma_fail(s, rules, "correlation counts more than 64 rules");
		k->of[k->nof++] = t;
	}
	return 0;
}

/* condition: gte N or gt N (and field for value_count) into k. */
static int
read_condition(struct sload *s, const yaml_node_t *c, struct corr *k, int temporal)
{
	const yaml_node_t *cond = sigma_member(s, c, "condition");
	const char *gte = cond ? sigma_member_scalar(s, cond, "gte") : NULL;
	const char *gt = cond ? sigma_member_scalar(s, cond, "gt") : NULL;
	static const char *const refused[] = {"lt", "lte", "eq", "neq", "range"};
	char *end;
	long n;

	if (temporal)
		return 0; /* every rule named, whatever a condition says */
	if (cond == NULL || cond->type != YAML_MAPPING_NODE)
		return sigma_fail(s, cond ? cond : c, "correlation needs a condition (gte: N)");
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (sigma_member(s, cond, refused[i]) != NULL)
			return sigma_fail(s, sigma_member(s, cond, refused[i]),
			    "condition %s: ctalertd alerts as a count rises, so a correlation "
			    "condition is gte or gt",
			    refused[i]);
	if ((gte == NULL) == (gt == NULL))
		return sigma_fail(s, cond, "condition needs one of gte or gt");
	n = strtol(gte ? gte : gt, &end, 10);
	if (*end != '\0' || n < (gte ? 1 : 0) || n >= RULE_THRESHOLD_MAX)
		return sigma_fail(s, cond, "condition %s must be a whole number above %d",
		    gte ? "gte" : "gt", gte ? 0 : -1);
	snprintf(k->threshold, sizeof(k->threshold), "%ld", gte ? n : n + 1);
	k->field = sigma_member_scalar(s, cond, "field");
	if (strcmp(k->type, "value_count") == 0 && k->field == NULL)
		return sigma_fail(s, cond,
		    "a value_count condition needs field: the field whose "
		    "distinct values are counted");
	if (strcmp(k->type, "event_count") == 0 && k->field != NULL)
		return sigma_fail(s, cond, "an event_count condition counts matches: no field");
	return 0;
}

static int
read_correlation(struct sload *s, const yaml_node_t *c, struct corr *k)
{
	const yaml_node_t *gen = sigma_member(s, c, "generate");
	int temporal;

	if (c->type != YAML_MAPPING_NODE)
		return sigma_fail(s, c, "correlation must be a map (type, rules, timespan, ...)");
	k->type = sigma_member_scalar(s, c, "type");
	if (k->type == NULL)
		return sigma_fail(
		    s, c, "correlation needs a type (event_count, value_count, temporal)");
	if (strcmp(k->type, "temporal_ordered") == 0)
		return sigma_fail(s, sigma_member(s, c, "type"),
		    "correlation type temporal_ordered is not supported (temporal is)");
	if (strcmp(k->type, "event_count") != 0 && strcmp(k->type, "value_count") != 0 &&
	    strcmp(k->type, "temporal") != 0)
		return sigma_fail(s, sigma_member(s, c, "type"),
		    "unknown correlation type '%s' (event_count, value_count or temporal)",
		    k->type);
	temporal = strcmp(k->type, "temporal") == 0;
	if ((k->timespan = sigma_member_scalar(s, c, "timespan")) == NULL &&
	    (k->timespan = sigma_member_scalar(s, c, "timeframe")) == NULL)
		return sigma_fail(s, c, "correlation needs a timespan (e.g. 10m)");
	if (gen && !sigma_is_bool(gen, &k->generate))
		return sigma_fail(s, gen, "generate must be true or false");
	if (read_rules(s, c, k) == -1 || read_condition(s, c, k, temporal) == -1)
		return -1;
	if (temporal)
		snprintf(k->threshold, sizeof(k->threshold), "%zu", k->nof);
	return 0;
}

/* group-by into the spec: a list of field names, or one. */
static int
read_group_by(struct sload *s, const yaml_node_t *c, struct rule_group_spec *g)
{
	const yaml_node_t *by = sigma_member(s, c, "group-by");

	if (by == NULL)
		return 0;
	if (sigma_scalar(by)) {
		g->by[g->nby++] = sigma_scalar(by);
		return 0;
	}
	if (by->type != YAML_SEQUENCE_NODE)
		return sigma_fail(s, by, "group-by must be a list of fields");
	for (yaml_node_item_t *i = by->data.sequence.items.start; i < by->data.sequence.items.top;
	     i++) {
		const char *f = sigma_scalar(sigma_node(s, *i));

		if (f == NULL)
			return sigma_fail(s, by, "group-by must be a list of fields");
		if (g->nby == RULE_GROUP_BY_MAX)
			g->by_too_many = 1;
		else
			g->by[g->nby++] = f;
	}
	return 0;
}

/* Where a refusal of the rule list points, in the correlation's words: the
 * group's checks speak of a window and group_by, Sigma of timespan and
 * group-by. */
static const yaml_node_t *
blame(struct sload *s, const yaml_node_t *root, const yaml_node_t *c)
{
	char *msg = s->err->msg;
	const yaml_node_t *at;

	if (strncmp(msg, "invalid severity", 16) == 0)
		return sigma_member(s, root, "level");
	if (strncmp(msg, "window ", 7) == 0 && strlen(msg) + 2 < sizeof(s->err->msg)) {
		memmove(msg + 9, msg + 7, strlen(msg + 7) + 1);
		memcpy(msg, "timespan ", 9);
		at = sigma_member(s, c, "timespan");
		return at ? at : sigma_member(s, c, "timeframe");
	}
	if (strncmp(msg, "group_by", 8) == 0) {
		msg[5] = '-';
		return sigma_member(s, c, "group-by");
	}
	if (strncmp(msg, "distinct", 8) == 0)
		return sigma_member(s, c, "condition");
	return c;
}

int
sigma_correlation_load(
    struct rule_list *l, struct sload *s, const yaml_node_t *root, struct rule_meta *meta)
{
	const yaml_node_t *c = sigma_member(s, root, "correlation");
	const yaml_node_t *lvl = sigma_member(s, root, "level");
	struct rule_spec spec = {.kind = RULE_SIGMA, .origin = s->path};
	struct corr k = {0};

	if (read_correlation(s, c, &k) == -1 || read_group_by(s, c, &spec.group) == -1)
		return -1;
	if (lvl && sigma_scalar(lvl) == NULL)
		return sigma_fail(s, lvl, "level must be a string");
	spec.group.window = k.timespan;
	spec.group.threshold = k.threshold;
	spec.group.distinct = k.field;
	spec.group.distinct_rule = strcmp(k.type, "temporal") == 0;
	spec.of = k.of;
	spec.nof = k.nof;
	spec.generate = k.generate;
	spec.name = s->name;
	spec.description = sigma_member_scalar(s, root, "title");
	spec.severity = sigma_scalar(lvl);
	spec.meta = meta;
	if (rule_list_add(l, &spec, s->err) == -1)
		return sigma_where(s, blame(s, root, c));
	return 0;
}
