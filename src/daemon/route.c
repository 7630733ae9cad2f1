/*
 * route: the declaration of a rule's topic_arn and group_id, with the
 * checks the configuration applies to alerts.topic_arn and alerts.group_id;
 * alerts.routes and alerts.accounts, read and consulted. See route.h.
 */
#include "daemon/route.h"

#include <fnmatch.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/conf_int.h"

static int
routed_check(const char *setting, const char *value, const char *why, struct ct_error *err)
{
	if (why == NULL)
		return 0;
	return ct_error_set(err, CT_ERR_CONFIG, "%s '%s' %s", setting, value, why);
}

static int
check_topic(const char *value, struct ct_error *err)
{
	return routed_check("topic_arn", value, conf_check_topic_arn(value), err);
}

static int
check_group(const char *value, struct ct_error *err)
{
	return routed_check("group_id", value, conf_check_group_id(value), err);
}

static const struct rule_extra settings[ROUTE__COUNT] = {
    [ROUTE_TOPIC_ARN] = {"topic_arn", check_topic},
    [ROUTE_GROUP_ID] = {"group_id", check_group},
};

void
route_declare(struct rule_list *l)
{
	rule_list_declare(l, settings, ROUTE__COUNT);
}

const char *
route_topic(const struct rule *r)
{
	return r->extra[ROUTE_TOPIC_ARN];
}

const char *
route_group(const struct rule *r)
{
	return r->extra[ROUTE_GROUP_ID];
}

/* ---- alerts.routes ---- */

static const char *const severities[] = {
    "informational", "low", "medium", "high", "critical", NULL};

static int
in_words(const char *const *words, const char *w)
{
	for (; *words; words++)
		if (strcasecmp(*words, w) == 0)
			return 1;
	return 0;
}

/* A route condition: one string or a list or array of strings, each
 * non-empty (and a severity, for "severity"). */
static const char *
read_words(struct route_words *w, const config_setting_t *s, const char *key)
{
	int one = config_setting_type(s) == CONFIG_TYPE_STRING;
	int n = one ? 1 : config_setting_length(s);

	if (!one && config_setting_type(s) != CONFIG_TYPE_LIST &&
	    config_setting_type(s) != CONFIG_TYPE_ARRAY)
		return "must be a string or a list of strings";
	if (n == 0)
		return "is an empty list (leave the condition out to accept any)";
	if ((w->v = calloc((size_t)n, sizeof(*w->v))) == NULL)
		return "out of memory";
	for (int i = 0; i < n; i++) {
		const char *v =
		    one ? config_setting_get_string(s) : config_setting_get_string_elem(s, i);
		if (v == NULL || *v == '\0')
			return "must hold non-empty strings";
		if (strcmp(key, "severity") == 0 && !in_words(severities, v))
			return "holds a severity other than informational, low, medium, high, "
			       "critical";
		if ((w->v[w->n++] = strdup(v)) == NULL)
			return "out of memory";
	}
	return NULL;
}

static void
words_free(struct route_words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

/* The condition called key of route, or NULL for another key. */
static struct route_words *
condition(struct route *route, const char *key)
{
	if (strcmp(key, "severity") == 0)
		return &route->severity;
	if (strcmp(key, "rule") == 0)
		return &route->rule;
	if (strcmp(key, "tag") == 0)
		return &route->tag;
	if (strcmp(key, "account") == 0)
		return &route->account;
	return NULL;
}

/* One member of a route group; NULL if fine, else why not. */
static const char *
read_member(struct route *route, const config_setting_t *m)
{
	const char *key = config_setting_name(m), *why;
	struct route_words *w = condition(route, key);

	if (w != NULL)
		return read_words(w, m, key);
	if (strcmp(key, "topic_arn") != 0)
		return "is not a route setting (severity, rule, tag, account, topic_arn)";
	if (config_setting_type(m) != CONFIG_TYPE_STRING)
		return "must be a string";
	if ((why = conf_check_topic_arn(config_setting_get_string(m))) != NULL)
		return why;
	if ((route->topic_arn = strdup(config_setting_get_string(m))) == NULL)
		return "out of memory";
	return NULL;
}

/* One group of alerts.routes, into route; NULL if fine, else why not (which member). */
static const char *
read_route(struct route *route, const config_setting_t *g, char *buf, size_t len)
{
	const char *why;

	route->line = config_setting_source_line(g);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return "must be a group { ... }";
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		if ((why = read_member(route, m)) != NULL) {
			snprintf(buf, len, "%s %s", config_setting_name(m), why);
			return buf;
		}
	}
	if (route->topic_arn == NULL)
		return "has no topic_arn";
	return NULL;
}

static void
route_free(struct route *route)
{
	words_free(&route->severity);
	words_free(&route->rule);
	words_free(&route->tag);
	words_free(&route->account);
	free(route->topic_arn);
}

/* why set to "entry N (line L): what", returns -1. */
static int
entry_fail(char *why, size_t whylen, int i, unsigned line, const char *what)
{
	snprintf(why, whylen, "entry %d (line %u): %s", i + 1, line, what);
	return -1;
}

int
routes_read(struct routes *r, const config_setting_t *list, char *why, size_t whylen)
{
	int n = config_setting_length(list);
	char buf[256];

	memset(r, 0, sizeof(*r));
	if (config_setting_type(list) != CONFIG_TYPE_LIST)
		return snprintf(why, whylen, "must be a list ( { ... }, ... )"), -1;
	if (n > 0 && (r->v = calloc((size_t)n, sizeof(*r->v))) == NULL)
		return snprintf(why, whylen, "out of memory"), -1;
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		const char *what = read_route(&r->v[r->n++], g, buf, sizeof(buf));

		if (what != NULL) {
			entry_fail(why, whylen, i, config_setting_source_line(g), what);
			routes_free(r);
			return -1;
		}
	}
	return 0;
}

void
routes_free(struct routes *r)
{
	for (size_t i = 0; i < r->n; i++)
		route_free(&r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

int
route_catches_all(const struct route *route)
{
	return route->severity.n == 0 && route->rule.n == 0 && route->tag.n == 0 &&
	       route->account.n == 0;
}

/* Whether condition w holds of value (or of value2): any word equal
 * ignoring case, or matching as a wildcard pattern when glob. */
static int
holds(const struct route_words *w, const char *value, const char *value2, int glob)
{
	if (w->n == 0)
		return 1;
	for (size_t i = 0; i < w->n; i++) {
		for (int k = 0; k < 2; k++) {
			const char *v = k ? value2 : value;
			if (v != NULL &&
			    (glob ? fnmatch(w->v[i], v, 0) == 0 : strcasecmp(w->v[i], v) == 0))
				return 1;
		}
	}
	return 0;
}

static int
holds_tag(const struct route_words *w, const struct rule *rule)
{
	if (w->n == 0)
		return 1;
	for (size_t i = 0; i < rule->meta.ntags; i++)
		if (holds(w, rule->meta.tags[i], NULL, 0))
			return 1;
	return 0;
}

const char *
routes_pick(
    const struct routes *r, const struct rule *rule, const char *account, const char *account_name)
{
	for (size_t i = 0; r != NULL && i < r->n; i++) {
		const struct route *x = &r->v[i];
		if (holds(&x->severity, rule->severity, NULL, 0) &&
		    holds(&x->rule, rule->name, NULL, 1) && holds_tag(&x->tag, rule) &&
		    holds(&x->account, account, account_name, 0))
			return x->topic_arn;
	}
	return NULL;
}

/* ---- alerts.accounts ---- */

static int
by_id(const void *a, const void *b)
{
	return strcmp(((const struct account_name *)a)->id, ((const struct account_name *)b)->id);
}

/* A name SNS and a subject line take as they are: printable ASCII, a few
 * characters. */
static const char *
check_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > ROUTE_ACCOUNT_NAME_MAX)
		return "name must be 1 to 64 characters long";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || (unsigned char)name[i] >= 0x7f)
			return "name must be printable ASCII";
	return NULL;
}

static const char *
read_account(struct account_name *a, const config_setting_t *g)
{
	const char *id = NULL, *name = NULL, *why;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return "must be a group { id = \"...\"; name = \"...\"; }";
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *key = config_setting_name(m);
		if (strcmp(key, "id") != 0 && strcmp(key, "name") != 0)
			return "holds a setting other than id and name";
		if (config_setting_type(m) != CONFIG_TYPE_STRING)
			return "id and name must be strings";
		*(strcmp(key, "id") == 0 ? &id : &name) = config_setting_get_string(m);
	}
	if (id == NULL || name == NULL)
		return "needs both id and name";
	if (strlen(id) != 12 || strspn(id, "0123456789") != 12)
		return "id is not a 12-digit account id";
	if ((why = check_name(name)) != NULL)
		return why;
	if ((a->id = strdup(id)) == NULL || (a->name = strdup(name)) == NULL)
		return "out of memory";
	return NULL;
}

int
account_names_read(struct account_names *a, const config_setting_t *list, char *why, size_t whylen)
{
	int n = config_setting_length(list);

	memset(a, 0, sizeof(*a));
	if (config_setting_type(list) != CONFIG_TYPE_LIST)
		return snprintf(why, whylen, "must be a list ( { id = ...; name = ...; }, ... )"),
		       -1;
	if (n > 0 && (a->v = calloc((size_t)n, sizeof(*a->v))) == NULL)
		return snprintf(why, whylen, "out of memory"), -1;
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		const char *what = read_account(&a->v[a->n++], g);

		for (size_t k = 0; what == NULL && k + 1 < a->n; k++)
			if (strcmp(a->v[k].id, a->v[a->n - 1].id) == 0)
				what = "id is named twice";
		if (what != NULL) {
			entry_fail(why, whylen, i, config_setting_source_line(g), what);
			account_names_free(a);
			return -1;
		}
	}
	qsort(a->v, a->n, sizeof(*a->v), by_id);
	return 0;
}

void
account_names_free(struct account_names *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].id);
		free(a->v[i].name);
	}
	free(a->v);
	memset(a, 0, sizeof(*a));
}

const char *
account_name(const struct account_names *a, const char *id)
{
	struct account_name k = {(char *)id, NULL}, *hit;

	if (a == NULL || a->n == 0 || id == NULL)
		return NULL;
	hit = bsearch(&k, a->v, a->n, sizeof(*a->v), by_id);
	return hit ? hit->name : NULL;
}
