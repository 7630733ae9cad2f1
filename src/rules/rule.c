/*
 * The rule list and what every rule source has in common: the checks of a
 * rule's name, severity and declared settings, and duplicate names.
 */
#include "rules/internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/suggest.h"
#include <sys/stat.h>

#define RULE_NAME_MAX 64 /* as EventBridge rule names */

static const char *const severities[] = {"informational", "low", "medium", "high", "critical"};

void
rule_list_init(struct rule_list *l)
{
	l->v = NULL;
	l->n = l->cap = 0;
	l->byname = NULL;
	l->bymask = 0;
	l->extras = NULL;
	l->n_extras = 0;
	l->report = NULL;
	l->report_arg = NULL;
	l->refused = 0;
}

void
rule_list_report(struct rule_list *l, rule_report_fn fn, void *arg)
{
	l->report = fn;
	l->report_arg = arg;
}

int
rule_list_refuse(struct rule_list *l, const struct ct_error *e)
{
	if (l->report == NULL)
		return -1;
	l->refused++;
	l->report(l->report_arg, e);
	return 0;
}

void
rule_list_declare(struct rule_list *l, const struct rule_extra *extras, size_t n)
{
	l->extras = extras;
	l->n_extras = n < RULE_EXTRA_MAX ? n : RULE_EXTRA_MAX;
}

int
rule_extra_find(const struct rule_list *l, const char *name)
{
	for (size_t i = 0; i < l->n_extras; i++)
		if (strcmp(l->extras[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *
rule_unknown_hint(const struct rule_list *l, const char *name, const void *own, size_t n,
    size_t stride, char q, char *out, size_t len)
{
	const char *near = suggest_name(name, own, n, stride);
	size_t k;

	if (near == NULL)
		near = suggest_name(name, l->extras, l->n_extras, sizeof(l->extras[0]));
	if (near)
		k = (size_t)snprintf(out, len, "(did you mean %c%s%c? expected ", q, near, q);
	else
		k = (size_t)snprintf(out, len, "(expected ");
	if (k < len)
		k += (size_t)snprintf(out + k, len - k,
		    "name, description, severity, pattern, patterns, condition, exceptions, "
		    "group_by, window, threshold, distinct");
	for (size_t i = 0; i < l->n_extras && k < len; i++)
		k += (size_t)snprintf(out + k, len - k, ", %s", l->extras[i].name);
	if (k < len)
		snprintf(out + k, len - k, ", enabled or tests)");
	return out;
}

static void
strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
rule_meta_free(struct rule_meta *m)
{
	free(m->id);
	free(m->sigma_name);
	strings_free(m->tags, m->ntags);
	strings_free(m->references, m->nreferences);
	strings_free(m->falsepositives, m->nfalsepositives);
	memset(m, 0, sizeof(*m));
}

static char **
strings_copy(char *const *v, size_t n, int *failed)
{
	char **out;

	if (n == 0)
		return NULL;
	if ((out = calloc(n, sizeof(*out))) == NULL) {
		*failed = 1;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if ((out[i] = strdup(v[i])) == NULL)
			*failed = 1;
	return out;
}

/* A deep copy of m into out (zeroed when m is NULL); *failed set when out
 * of memory (out is then still rule_meta_free's to free). */
static void
meta_copy(const struct rule_meta *m, struct rule_meta *out, int *failed)
{
	memset(out, 0, sizeof(*out));
	if (m == NULL)
		return;
	if (m->id && (out->id = strdup(m->id)) == NULL)
		*failed = 1;
	if (m->sigma_name && (out->sigma_name = strdup(m->sigma_name)) == NULL)
		*failed = 1;
	if ((out->tags = strings_copy(m->tags, m->ntags, failed)) != NULL)
		out->ntags = m->ntags;
	if ((out->references = strings_copy(m->references, m->nreferences, failed)) != NULL)
		out->nreferences = m->nreferences;
	if ((out->falsepositives = strings_copy(m->falsepositives, m->nfalsepositives, failed)) !=
	    NULL)
		out->nfalsepositives = m->nfalsepositives;
}

static void
rule_free(struct rule *r)
{
	free(r->name);
	free(r->description);
	free(r->severity);
	free(r->pattern);
	for (size_t i = 0; i < r->nparts; i++) {
		free(r->parts[i].name);
		free(r->parts[i].pattern);
	}
	free(r->parts);
	free(r->condition);
	for (size_t i = 0; i < r->nexceptions; i++)
		free(r->exceptions[i]);
	free(r->exceptions);
	free(r->origin);
	for (size_t i = 0; i < RULE_EXTRA_MAX; i++)
		free(r->extra[i]);
	rule_tests_free(r->tests, r->ntests);
	rule_meta_free(&r->meta);
	rule_group_free(&r->group);
	strings_free(r->corr.of, r->corr.nof);
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

static const char *
spec_severity(const struct rule_spec *s)
{
	return s->severity ? severity_find(s->severity) : "medium";
}

/* A pattern's name: what conditions can refer to. */
static int
part_name_check(const char *name, struct ct_error *err)
{
	static const char *const words[] = {"and", "or", "not", "of", "them", "all"};
	size_t len = strlen(name);

	if (len == 0 || len > RULE_NAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
	        len ||
	    !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
	        name[0] == '_'))
		return ct_error_set(err, CT_ERR_CONFIG,
		    "invalid pattern name '%s' (1 to %d letters, digits, '.', '_', '-', "
		    "starting with a letter or '_')",
		    name, RULE_NAME_MAX);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(name, words[i]) == 0)
			return ct_error_set(err, CT_ERR_CONFIG,
			    "'%s' is a word of conditions, not a pattern name", name);
	return 0;
}

/* The condition over the parts' names, and whether it uses each. */
static int
condition_uses_all(const struct rule_spec *s, struct ct_error *err)
{
	const char **names = calloc(s->nparts, sizeof(*names));
	unsigned char *used = calloc(s->nparts, 1);
	int r = 0;

	if (names == NULL || used == NULL)
		r = ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; r == 0 && i < s->nparts; i++)
		names[i] = s->parts[i].name;
	if (r == 0)
		r = match_condition_check(s->condition, names, s->nparts, used, err);
	for (size_t i = 0; r == 0 && i < s->nparts; i++)
		if (!used[i])
			r = ct_error_set(err, CT_ERR_CONFIG,
			    "pattern '%s' is not used by the condition", s->parts[i].name);
	free(names);
	free(used);
	return r;
}

int
rule_condition_check(const struct rule_spec *s, struct ct_error *err)
{
	if (s->pattern != NULL && s->nparts > 0)
		return ct_error_set(err, CT_ERR_CONFIG,
		    "pattern and patterns: write one pattern, or named patterns and a condition");
	if (s->pattern == NULL && s->nparts == 0)
		return ct_error_set(err, CT_ERR_CONFIG, "missing pattern (or patterns)");
	if (s->pattern != NULL && s->condition != NULL)
		return ct_error_set(err, CT_ERR_CONFIG,
		    "a condition combines named patterns: write patterns instead of pattern");
	for (size_t i = 0; i < s->nparts; i++) {
		if (part_name_check(s->parts[i].name, err) == -1) {
			ct_error_prefix(err, "patterns");
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->parts[i].name, s->parts[j].name) == 0)
				return ct_error_set(err, CT_ERR_CONFIG,
				    "patterns: duplicate pattern name '%s'", s->parts[i].name);
	}
	if (s->nparts > 1 && s->condition == NULL)
		return ct_error_set(err, CT_ERR_CONFIG,
		    "missing condition (how the %zu patterns combine, as \"%s and %s\")", s->nparts,
		    s->parts[0].name, s->parts[1].name);
	if (s->condition != NULL)
		return condition_uses_all(s, err);
	return 0;
}

int
spec_texts_init(struct spec_texts *t, size_t n, size_t nx)
{
	t->nparts = t->nexceptions = 0;
	t->parts = n ? calloc(n, sizeof(*t->parts)) : NULL;
	t->exceptions = nx ? calloc(nx, sizeof(*t->exceptions)) : NULL;
	return (n && t->parts == NULL) || (nx && t->exceptions == NULL) ? -1 : 0;
}

void
spec_texts_free(struct spec_texts *t)
{
	for (size_t i = 0; i < t->nparts; i++)
		free((char *)t->parts[i].pattern);
	for (size_t i = 0; i < t->nexceptions; i++)
		free(t->exceptions[i]);
	free(t->parts);
	free(t->exceptions);
	t->parts = NULL;
	t->exceptions = NULL;
	t->nparts = t->nexceptions = 0;
}

void
spec_texts_use(const struct spec_texts *t, struct rule_spec *s)
{
	s->parts = t->parts;
	s->nparts = t->nparts;
	s->exceptions = (const char *const *)t->exceptions;
	s->nexceptions = t->nexceptions;
}

int
rule_spec_check(const struct rule_list *l, const struct rule_spec *s, struct ct_error *err)
{
	struct rule_group g;

	if (rule_name_check(s->name, err) == -1)
		return -1;
	if (s->nof == 0 && rule_condition_check(s, err) == -1)
		return -1;
	if (spec_severity(s) == NULL)
		return ct_error_set(err, CT_ERR_CONFIG,
		    "invalid severity '%s' (expected informational, low, medium, high or critical)",
		    s->severity);
	for (size_t i = 0; i < l->n_extras; i++)
		if (s->extra[i] && l->extras[i].check && l->extras[i].check(s->extra[i], err) == -1)
			return -1;
	if (rule_group_make(&s->group, &g, err) == -1)
		return -1;
	rule_group_free(&g);
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

	if (rule_spec_check(l, s, err) == -1)
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
	r.condition = dup_or_null(s->condition, &failed);
	r.nparts = r.nexceptions = 0;
	r.parts = s->nparts ? calloc(s->nparts, sizeof(*r.parts)) : NULL;
	r.exceptions = s->nexceptions ? calloc(s->nexceptions, sizeof(*r.exceptions)) : NULL;
	if ((s->nparts && r.parts == NULL) || (s->nexceptions && r.exceptions == NULL))
		failed = 1;
	for (size_t i = 0; r.parts && i < s->nparts; i++, r.nparts++) {
		r.parts[i].name = dup_or_null(s->parts[i].name, &failed);
		r.parts[i].pattern = dup_or_null(s->parts[i].pattern, &failed);
	}
	for (size_t i = 0; r.exceptions && i < s->nexceptions; i++, r.nexceptions++)
		r.exceptions[i] = dup_or_null(s->exceptions[i], &failed);
	r.origin = dup_or_null(s->origin ? s->origin : "", &failed);
	for (size_t i = 0; i < RULE_EXTRA_MAX; i++)
		r.extra[i] = i < l->n_extras ? dup_or_null(s->extra[i], &failed) : NULL;
	r.kind = s->kind;
	meta_copy(s->meta, &r.meta, &failed);
	r.ntests = s->ntests;
	r.tests = NULL;
	if (s->ntests > 0 && (r.tests = rule_tests_copy(s->tests, s->ntests)) == NULL)
		failed = 1;
	if (failed) {
		memset(&r.group, 0, sizeof(r.group));
		memset(&r.corr, 0, sizeof(r.corr));
		rule_free(&r);
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	}
	r.corr.nof = 0;
	r.corr.generate = s->generate;
	if ((r.corr.of = strings_copy((char *const *)s->of, s->nof, &failed)) != NULL)
		r.corr.nof = s->nof;
	if (failed || rule_group_make(&s->group, &r.group, err) == -1) {
		rule_free(&r);
		return failed ? ct_error_set(err, CT_ERR_NOMEM, "out of memory") : -1;
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

	if (json_check_pattern(pattern_json, "pattern", err) == -1 ||
	    rule_list_add(l, &s, err) == -1) {
		ct_error_prefix(err, "%s: rule '%s'", origin ? origin : "pattern", name);
		return -1;
	}
	return 0;
}

int
rule_meta_json(struct buf *b, const struct rule *r)
{
	const struct rule_meta *m = &r->meta;

	if (r->kind != RULE_SIGMA)
		return 0;
	/* json_put_key puts the commas between members */
	if (buf_puts(b, ",\"sigma\":{") == -1 ||
	    (m->id && json_put_member_string(b, "id", m->id) == -1) ||
	    (m->ntags &&
	        json_put_member_strings(b, "tags", (const char *const *)m->tags, m->ntags) == -1) ||
	    (m->nreferences && json_put_member_strings(b, "references",
	                           (const char *const *)m->references, m->nreferences) == -1) ||
	    (m->nfalsepositives &&
	        json_put_member_strings(b, "falsepositives", (const char *const *)m->falsepositives,
	            m->nfalsepositives) == -1))
		return -1;
	return buf_putc(b, '}');
}

const char *
rule_kind_name(enum rule_kind k)
{
	return k == RULE_NATIVE ? "native" : k == RULE_SIGMA ? "Sigma" : "EventBridge";
}

int
rules_load_path(struct rule_list *l, const char *path, struct ct_error *err)
{
	size_t n = strlen(path);
	struct stat st;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		if (n > 5 && strcmp(path + n - 5, ".conf") == 0)
			return rules_load_config_file(l, path, err);
		if (rules_sigma_name(path))
			return rules_load_sigma_file(l, path, 0, err);
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
json_check_pattern(const char *text, const char *what, struct ct_error *err)
{
	if (json_check(text, strlen(text), NULL, err) == -1) {
		ct_error_prefix(err, "%s", what);
		return -1;
	}
	if (json_first(text) != '{')
		return ct_error_set(err, CT_ERR_CONFIG, "%s must be a JSON object", what);
	return 0;
}
