/*
 * The rule list and what every rule source has in common: the checks of a
 * rule's name, severity, SNS topic and FIFO group, and duplicate names.
 */
#include "rules/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define RULE_NAME_MAX 64  /* as EventBridge rule names */
#define GROUP_ID_MAX  128 /* SNS MessageGroupId */

static const char *const severities[] = {"low", "medium", "high", "critical"};

void
rule_list_init(struct rule_list *l)
{
	l->v = NULL;
	l->n = l->cap = 0;
	l->byname = NULL;
	l->bymask = 0;
}

static void
rule_free(struct rule *r)
{
	free(r->name);
	free(r->description);
	free(r->severity);
	free(r->pattern);
	free(r->origin);
	free(r->topic_arn);
	free(r->group_id);
	rule_tests_free(r->tests, r->ntests);
}

void
rule_list_free(struct rule_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		rule_free(&l->v[i]);
	free(l->v);
	free(l->byname);
	rule_list_init(l);
}

/* FNV-1a: names are short. */
static size_t
name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (size_t)(h ^ (h >> 32));
}

/* The slot of name in l->byname: its rule's, or the empty one it would take. */
static size_t
name_slot(const struct rule_list *l, const char *name)
{
	size_t i = name_hash(name) & l->bymask;

	while (l->byname[i] != 0 && strcmp(l->v[l->byname[i] - 1].name, name) != 0)
		i = (i + 1) & l->bymask;
	return i;
}

/* Room in the index for one more rule: at most half the slots are used, so
 * that loading many rules does not compare each name with all the others. */
static int
index_reserve(struct rule_list *l)
{
	size_t size = l->byname ? l->bymask + 1 : 64, *old = l->byname;

	if (old != NULL && 2 * (l->n + 1) <= size)
		return 0;
	while (2 * (l->n + 1) > size)
		size *= 2;
	if ((l->byname = calloc(size, sizeof(*l->byname))) == NULL) {
		l->byname = old;
		return -1;
	}
	free(old);
	l->bymask = size - 1;
	for (size_t i = 0; i < l->n; i++)
		l->byname[name_slot(l, l->v[i].name)] = i + 1;
	return 0;
}

const struct rule *
rule_list_find(const struct rule_list *l, const char *name)
{
	size_t i;

	if (l->byname == NULL)
		return NULL;
	i = name_slot(l, name);
	return l->byname[i] != 0 ? &l->v[l->byname[i] - 1] : NULL;
}

int
rule_name_check(const char *name, struct ct_error *err)
{
	size_t len = strlen(name);

	if (len == 0)
		return ct_error_set(err, CT_ERR_CONFIG, "empty rule name");
	if (len > RULE_NAME_MAX)
		return ct_error_set(
		    err, CT_ERR_CONFIG, "rule name longer than %d characters", RULE_NAME_MAX);
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
	    len)
		return ct_error_set(err, CT_ERR_CONFIG,
		    "invalid rule name (allowed: letters, digits, '.', '_', '-')");
	return 0;
}

static const char *
severity_find(const char *s)
{
	for (size_t i = 0; i < sizeof(severities) / sizeof(severities[0]); i++)
		if (strcasecmp(s, severities[i]) == 0)
			return severities[i];
	return NULL;
}

/* arn:PARTITION:sns:REGION:ACCOUNT:TOPIC, every part present. */
static int
topic_arn_check(const char *arn, struct ct_error *err)
{
	const char *part[6], *p = arn;
	size_t n = 0, len[6];

	for (;;) {
		const char *end = strchr(p, ':');

		if (n == 6)
			break;
		part[n] = p;
		len[n] = end ? (size_t)(end - p) : strlen(p);
		if (len[n] == 0)
			break;
		n++;
		if (end == NULL)
			break;
		p = end + 1;
	}
	if (n != 6 || strchr(part[5], ':') || len[0] != 3 || strncmp(part[0], "arn", 3) != 0 ||
	    len[2] != 3 || strncmp(part[2], "sns", 3) != 0)
		return ct_error_set(err, CT_ERR_CONFIG,
		    "topic_arn '%s' is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:TOPIC)",
		    arn);
	return 0;
}

/* SNS accepts 1 to 128 letters, digits and punctuation. */
static int
group_id_check(const char *id, struct ct_error *err)
{
	size_t len = strlen(id);

	if (len == 0 || len > GROUP_ID_MAX)
		return ct_error_set(
		    err, CT_ERR_CONFIG, "group_id must have 1 to %d characters", GROUP_ID_MAX);
	for (const char *p = id; *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			return ct_error_set(err, CT_ERR_CONFIG,
			    "group_id may hold only letters, digits and punctuation");
	return 0;
}

static const char *
spec_severity(const struct rule_spec *s)
{
	return s->severity ? severity_find(s->severity) : "medium";
}

int
rule_spec_check(const struct rule_spec *s, struct ct_error *err)
{
	if (rule_name_check(s->name, err) == -1)
		return -1;
	if (spec_severity(s) == NULL)
		return ct_error_set(err, CT_ERR_CONFIG,
		    "invalid severity '%s' (expected low, medium, high or critical)", s->severity);
	if (s->topic_arn && topic_arn_check(s->topic_arn, err) == -1)
		return -1;
	if (s->group_id && group_id_check(s->group_id, err) == -1)
		return -1;
	return 0;
}

static char *
dup_or_null(const char *s, int *failed)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*failed = 1;
	return d;
}

int
rule_list_add(struct rule_list *l, const struct rule_spec *s, struct ct_error *err)
{
	const struct rule *dup;
	struct rule r;
	int failed = 0;

	if (rule_spec_check(s, err) == -1)
		return -1;
	if ((dup = rule_list_find(l, s->name)) != NULL)
		return ct_error_set(
		    err, CT_ERR_CONFIG, "duplicate rule name (first defined at %s)", dup->origin);
	if (index_reserve(l) == -1)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct rule *v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	r.name = dup_or_null(s->name, &failed);
	r.description = dup_or_null(s->description, &failed);
	r.severity = dup_or_null(spec_severity(s), &failed);
	r.pattern = dup_or_null(s->pattern, &failed);
	r.origin = dup_or_null(s->origin ? s->origin : "", &failed);
	r.topic_arn = dup_or_null(s->topic_arn, &failed);
	r.group_id = dup_or_null(s->group_id, &failed);
	r.kind = s->kind;
	r.ntests = s->ntests;
	r.tests = NULL;
	if (s->ntests > 0 && (r.tests = rule_tests_copy(s->tests, s->ntests)) == NULL)
		failed = 1;
	if (failed) {
		rule_free(&r);
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	}
	l->byname[name_slot(l, r.name)] = l->n + 1;
	l->v[l->n++] = r;
	return 0;
}

int
rules_add_pattern(struct rule_list *l, const char *name, const char *pattern_json,
    const char *origin, struct ct_error *err)
{
	struct rule_spec s = {.name = name, .pattern = pattern_json, .origin = origin};

	if (json_check_pattern(pattern_json, err) == -1 || rule_list_add(l, &s, err) == -1) {
		ct_error_prefix(err, "%s: rule '%s'", origin ? origin : "pattern", name);
		return -1;
	}
	return 0;
}

const char *
rule_kind_name(enum rule_kind k)
{
	return k == RULE_NATIVE ? "native" : "EventBridge";
}

int
rules_load_path(struct rule_list *l, const char *path, struct ct_error *err)
{
	size_t n = strlen(path);
	struct stat st;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		if (n > 5 && strcmp(path + n - 5, ".conf") == 0)
			return rules_load_config_file(l, path, err);
		return rules_load_json_file(l, path, err);
	}
	return rules_load_dir(l, path, err);
}

/* The first byte of text that is not JSON white space. */
static char
json_first(const char *text)
{
	text += strspn(text, " \t\r\n");
	return *text;
}

int
json_check_pattern(const char *text, struct ct_error *err)
{
	if (json_check(text, strlen(text), NULL, err) == -1) {
		ct_error_prefix(err, "pattern");
		return -1;
	}
	if (json_first(text) != '{')
		return ct_error_set(err, CT_ERR_CONFIG, "pattern must be a JSON object");
	return 0;
}
