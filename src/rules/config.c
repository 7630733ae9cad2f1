/*
 * Rules in the libconfig configuration:
 *
 *   rules = (
 *     { name = "root-account-use"; severity = "high";
 *       pattern = { userIdentity = { type = ["Root"]; }; }; },
 *     { name = "sns-create-topic";
 *       pattern = "{\"eventSource\": [\"sns.amazonaws.com\"]}"; }
 *   );
 *   rules_dir = "rules.d";
 *
 * Errors name the file and line of the offending setting and the rule.
 */
#include "rules/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libconfig.h>

/* The settings a rule group may have, and what each must be. */
enum field_kind {
	FIELD_STRING,
	FIELD_BOOL,
	FIELD_PATTERN,
	FIELD_PATTERNS,
	FIELD_EXCEPTIONS,
	FIELD_TESTS,
	FIELD_STRINGS,  /* a string or an array of strings */
	FIELD_DURATION, /* a string or an integer of seconds */
	FIELD_COUNT,    /* an integer */
};
enum field_id {
	F_NAME,
	F_DESCRIPTION,
	F_SEVERITY,
	F_PATTERN,
	F_PATTERNS,
	F_CONDITION,
	F_EXCEPTIONS,
	F_ENABLED,
	F_TESTS,
	F_GROUP_BY,
	F_WINDOW,
	F_THRESHOLD,
	F_DISTINCT,
	NFIELDS
};

static const struct field {
	const char *name;
	enum field_kind kind;
} fields[NFIELDS] = {
    [F_NAME] = {"name", FIELD_STRING},
    [F_DESCRIPTION] = {"description", FIELD_STRING},
    [F_SEVERITY] = {"severity", FIELD_STRING},
    [F_PATTERN] = {"pattern", FIELD_PATTERN},
    [F_PATTERNS] = {"patterns", FIELD_PATTERNS},
    [F_CONDITION] = {"condition", FIELD_STRING},
    [F_EXCEPTIONS] = {"exceptions", FIELD_EXCEPTIONS},
    [F_ENABLED] = {"enabled", FIELD_BOOL},
    [F_TESTS] = {"tests", FIELD_TESTS},
    [F_GROUP_BY] = {"group_by", FIELD_STRINGS},
    [F_WINDOW] = {"window", FIELD_DURATION},
    [F_THRESHOLD] = {"threshold", FIELD_COUNT},
    [F_DISTINCT] = {"distinct", FIELD_STRING},
};

/* Where errors about one rule point. */
struct place {
	const char *file; /* the configuration file, for settings libconfig knows no file of */
	const char *name; /* the rule's name, NULL while unknown */
	int index;        /* 1-based position in the list, when the name is unknown */
};

static const char *
setting_file(const config_setting_t *s, const char *file)
{
	const char *f = config_setting_source_file(s);

	return f ? f : file;
}

/* Puts "FILE:LINE: rule 'NAME': " before the message in err. */
static int
rule_error(struct ct_error *err, const struct place *p, const config_setting_t *at)
{
	const char *file = setting_file(at, p->file);
	unsigned line = config_setting_source_line(at);

	if (p->name)
		ct_error_prefix(err, "%s:%u: rule '%s'", file, line, p->name);
	else
		ct_error_prefix(err, "%s:%u: rule #%d", file, line, p->index);
	return -1;
}

static int rule_fail(struct ct_error *err, const struct place *p, const config_setting_t *at,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
rule_fail(
    struct ct_error *err, const struct place *p, const config_setting_t *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct_error_vset(err, CT_ERR_CONFIG, fmt, ap);
	va_end(ap);
	return rule_error(err, p, at);
}

static const char *
kind_words(enum field_kind kind)
{
	switch (kind) {
	case FIELD_STRING:
		return "a string";
	case FIELD_BOOL:
		return "true or false";
	case FIELD_TESTS:
		return "a list ( { record = \"{...}\"; match = true; }, ... )";
	case FIELD_PATTERNS:
		return "a group { NAME = { ... }; NAME = \"{...}\"; } of patterns";
	case FIELD_STRINGS:
		return "a string or an array [ \"...\", ... ] of strings";
	case FIELD_DURATION:
		return "a duration: \"10m\", \"1h\" or a number of seconds";
	case FIELD_COUNT:
		return "a whole number";
	case FIELD_EXCEPTIONS:
		return "a list ( { ... }, \"{...}\" ) of patterns";
	default:
		return "a group { ... } or a JSON string";
	}
}

static int
field_type_ok(enum field_kind kind, const config_setting_t *s)
{
	int type = config_setting_type(s);

	switch (kind) {
	case FIELD_STRING:
		return type == CONFIG_TYPE_STRING;
	case FIELD_BOOL:
		return type == CONFIG_TYPE_BOOL;
	case FIELD_TESTS:
	case FIELD_EXCEPTIONS:
		return type == CONFIG_TYPE_LIST ||
		       (type == CONFIG_TYPE_ARRAY && config_setting_length(s) == 0);
	case FIELD_PATTERNS:
		return type == CONFIG_TYPE_GROUP;
	case FIELD_STRINGS:
		if (type == CONFIG_TYPE_ARRAY)
			return config_setting_length(s) == 0 ||
			       config_setting_type(config_setting_get_elem(s, 0)) ==
			           CONFIG_TYPE_STRING;
		return type == CONFIG_TYPE_STRING;
	case FIELD_DURATION:
		return type == CONFIG_TYPE_STRING || type == CONFIG_TYPE_INT ||
		       type == CONFIG_TYPE_INT64;
	case FIELD_COUNT:
		return type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64;
	default:
		return type == CONFIG_TYPE_GROUP || type == CONFIG_TYPE_STRING;
	}
}

/* A declared setting (see rule_list_declare): a string, into extra[]. */
static int
rule_extra(const struct rule_list *l, const config_setting_t *m, const char **extra,
    const struct place *p, struct ct_error *err)
{
	const char *name = config_setting_name(m);
	int x = rule_extra_find(l, name);
	char hint[320];

	if (x == -1)
		return rule_fail(err, p, m, "unknown setting '%s' %s", name,
		    rule_unknown_hint(
		        l, name, fields, NFIELDS, sizeof(fields[0]), '\'', hint, sizeof(hint)));
	if (config_setting_type(m) != CONFIG_TYPE_STRING)
		return rule_fail(err, p, m, "%s must be a string", name);
	extra[x] = config_setting_get_string(m);
	return 0;
}

/* Sorts the settings of a rule group into found[], one per known field,
 * and extra[], one per declared setting. */
static int
rule_fields(const struct rule_list *l, const config_setting_t *g, const config_setting_t **found,
    const char **extra, const struct place *p, struct ct_error *err)
{
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, i);
		const char *name = config_setting_name(m);
		size_t f;

		for (f = 0; f < NFIELDS; f++)
			if (strcmp(name, fields[f].name) == 0)
				break;
		if (f == NFIELDS) {
			if (rule_extra(l, m, extra, p, err) == -1)
				return -1;
			continue;
		}
		if (!field_type_ok(fields[f].kind, m))
			return rule_fail(
			    err, p, m, "%s must be %s", name, kind_words(fields[f].kind));
		found[f] = m;
	}
	return 0;
}

static const char *
field_string(const config_setting_t **found, enum field_id f)
{
	return found[f] ? config_setting_get_string(found[f]) : NULL;
}

/* A pattern as JSON text into out: converted, or checked when it is one.
 * what names it in messages ("pattern", "pattern 'root'", "exception 2"). */
static int
rule_pattern(const config_setting_t *pat, const char *what, struct buf *out, const struct place *p,
    struct ct_error *err)
{
	const config_setting_t *where = pat;

	if (config_setting_type(pat) == CONFIG_TYPE_STRING) {
		if (json_check_pattern(config_setting_get_string(pat), what, err) == -1) {
			return rule_error(err, p, pat);
		}
		if (buf_puts(out, config_setting_get_string(pat)) == -1)
			return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		return 0;
	}
	if (config_setting_type(pat) != CONFIG_TYPE_GROUP)
		return rule_fail(err, p, pat, "%s must be a group { ... } or a JSON string", what);
	if (native_pattern(pat, out, &where, err) == -1) {
		if (err && err->code == CT_ERR_CONFIG)
			ct_error_prefix(err, "%s", what);
		return rule_error(err, p, where);
	}
	return 0;
}

/* The named patterns and exceptions of a rule into t, for s. */
static int
rule_parts(const config_setting_t **found, struct spec_texts *t, const struct place *p,
    struct ct_error *err)
{
	const config_setting_t *parts = found[F_PATTERNS], *exc = found[F_EXCEPTIONS];
	size_t n = parts ? (size_t)config_setting_length(parts) : 0;
	size_t nx = exc ? (size_t)config_setting_length(exc) : 0;
	char what[96];

	if (parts && n == 0)
		return rule_fail(err, p, parts, "patterns must name at least one pattern");
	if (spec_texts_init(t, n, nx) == -1)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++, t->nparts++) {
		const config_setting_t *e = config_setting_get_elem(parts, (unsigned)i);
		struct buf b = BUF_INIT;

		t->parts[i].name = config_setting_name(e);
		snprintf(what, sizeof(what), "pattern '%s'", t->parts[i].name);
		if (rule_pattern(e, what, &b, p, err) == -1) {
			buf_free(&b);
			return -1;
		}
		if ((t->parts[i].pattern = buf_detach(&b)) == NULL)
			return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < nx; i++, t->nexceptions++) {
		struct buf b = BUF_INIT;

		snprintf(what, sizeof(what), "exception %zu", i + 1);
		if (rule_pattern(config_setting_get_elem(exc, (unsigned)i), what, &b, p, err) ==
		    -1) {
			buf_free(&b);
			return -1;
		}
		if ((t->exceptions[i] = buf_detach(&b)) == NULL)
			return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	}
	return 0;
}

/* The rule's patterns, condition and exceptions as one: an error points at
 * the condition when there is one. */
static int
rule_shape(const config_setting_t **found, const struct rule_spec *s, const config_setting_t *g,
    const struct place *p, struct ct_error *err)
{
	if (rule_condition_check(s, err) == 0)
		return 0;
	return rule_error(err, p,
	    found[F_CONDITION]  ? found[F_CONDITION]
	    : found[F_PATTERNS] ? found[F_PATTERNS]
	                        : g);
}

/* Room for a window or threshold written as a number. */
struct group_texts {
	char window[24];
	char threshold[24];
};

static const char *
number_text(const config_setting_t *m, char *out, size_t outlen)
{
	if (m == NULL)
		return NULL;
	if (config_setting_type(m) == CONFIG_TYPE_STRING)
		return config_setting_get_string(m);
	snprintf(out, outlen, "%lld", config_setting_get_int64(m));
	return out;
}

/* group_by, window, threshold and distinct into gs; group_by's elements must
 * all be strings. */
static int
rule_group_fields(const config_setting_t **found, struct rule_group_spec *gs, struct group_texts *t,
    const struct place *p, struct ct_error *err)
{
	const config_setting_t *by = found[F_GROUP_BY];

	if (by && config_setting_type(by) == CONFIG_TYPE_STRING) {
		gs->by[gs->nby++] = config_setting_get_string(by);
	} else if (by) {
		for (int i = 0; i < config_setting_length(by); i++) {
			const char *f = config_setting_get_string_elem(by, i);

			if (f == NULL)
				return rule_fail(
				    err, p, by, "group_by must be %s", kind_words(FIELD_STRINGS));
			if (gs->nby == RULE_GROUP_BY_MAX)
				gs->by_too_many = 1;
			else
				gs->by[gs->nby++] = f;
		}
	}
	gs->window = number_text(found[F_WINDOW], t->window, sizeof(t->window));
	gs->threshold = number_text(found[F_THRESHOLD], t->threshold, sizeof(t->threshold));
	gs->distinct = field_string(found, F_DISTINCT);
	return 0;
}

static int
load_rule(struct rule_list *l, const config_setting_t *g, struct place *p, struct ct_error *err)
{
	struct group_texts gtexts;
	const config_setting_t *found[NFIELDS] = {NULL}, *name, *where;
	struct rule_spec s = {.kind = RULE_NATIVE};
	struct buf pattern = BUF_INIT, origin = BUF_INIT;
	struct spec_texts texts = {NULL, 0, NULL, 0};
	int r = -1;

	if (!config_setting_is_group(g))
		return rule_fail(err, p, g, "must be a group { name = ...; pattern = ...; }");
	/* Known first, so every message about the rule can name it. */
	if ((name = config_setting_get_member(g, "name")) &&
	    config_setting_type(name) == CONFIG_TYPE_STRING)
		p->name = config_setting_get_string(name);
	if (rule_fields(l, g, found, s.extra, p, err) == -1)
		return -1;
	if (found[F_NAME] == NULL)
		return rule_fail(err, p, g, "missing name = \"...\"");
	if (rule_name_check(p->name, err) == -1)
		return rule_error(err, p, found[F_NAME]);
	if (found[F_PATTERN] == NULL && found[F_PATTERNS] == NULL)
		return rule_fail(err, p, g, "missing pattern (or patterns)");
	if (found[F_PATTERN] && rule_pattern(found[F_PATTERN], "pattern", &pattern, p, err) == -1)
		goto out;
	if (rule_parts(found, &texts, p, err) == -1)
		goto out;
	s.pattern = found[F_PATTERN] ? pattern.data : NULL;
	s.condition = field_string(found, F_CONDITION);
	spec_texts_use(&texts, &s);
	if (rule_shape(found, &s, g, p, err) == -1 ||
	    rule_group_fields(found, &s.group, &gtexts, p, err) == -1)
		goto out;
	if (found[F_TESTS] &&
	    rule_tests_from_setting(found[F_TESTS], &s.tests, &s.ntests, &where, err) == -1) {
		rule_error(err, p, where);
		goto out;
	}
	if (buf_printf(&origin, "%s:%u", setting_file(g, p->file), config_setting_source_line(g)) ==
	    -1) {
		ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		goto out;
	}
	s.name = p->name;
	s.description = field_string(found, F_DESCRIPTION);
	s.severity = field_string(found, F_SEVERITY);
	s.origin = origin.data;
	if (found[F_ENABLED] && !config_setting_get_bool(found[F_ENABLED]))
		r = rule_spec_check(l, &s, err); /* disabled: checked, not added */
	else
		r = rule_list_add(l, &s, err);
	if (r == -1)
		rule_error(err, p, g);
out:
	rule_tests_free(s.tests, s.ntests);
	spec_texts_free(&texts);
	buf_free(&pattern);
	buf_free(&origin);
	return r;
}

int
rules_load_setting(
    struct rule_list *l, const config_setting_t *rules, const char *file, struct ct_error *err)
{
	if (rules == NULL)
		return 0;
	if (!config_setting_is_list(rules) &&
	    !(config_setting_is_array(rules) && config_setting_length(rules) == 0))
		return ct_error_set(err, CT_ERR_CONFIG,
		    "%s:%u: rules must be a list ( { ... }, ... )", setting_file(rules, file),
		    config_setting_source_line(rules));
	for (int i = 0; i < config_setting_length(rules); i++) {
		struct place p = {file, NULL, i + 1};

		if (load_rule(l, config_setting_get_elem(rules, i), &p, err) == -1 &&
		    rule_list_refuse(l, err) == -1)
			return -1;
	}
	return 0;
}

/* rules_dir as given, or joined to the directory of the configuration file. */
static char *
rules_dir_path(const char *dir, const char *file)
{
	const char *slash = strrchr(file, '/');
	struct buf b = BUF_INIT;

	if (dir[0] == '/' || slash == NULL)
		return strdup(dir);
	if (buf_printf(&b, "%.*s/%s", (int)(slash - file), file, dir) == -1)
		return NULL;
	return buf_detach(&b);
}

static int
load_rules_dir(
    struct rule_list *l, const config_setting_t *s, const char *file, struct ct_error *err)
{
	const char *at = setting_file(s, file);
	unsigned line = config_setting_source_line(s);
	struct stat st;
	char *dir;
	int r;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return ct_error_set(
		    err, CT_ERR_CONFIG, "%s:%u: rules_dir must be a string", at, line);
	if ((dir = rules_dir_path(config_setting_get_string(s), at)) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	if (stat(dir, &st) == -1)
		r = ct_error_set(err, CT_ERR_CONFIG, "%s:%u: rules_dir '%s': %s", at, line, dir,
		    strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		r = ct_error_set(
		    err, CT_ERR_CONFIG, "%s:%u: rules_dir '%s': not a directory", at, line, dir);
	else
		r = rules_load_dir(l, dir, err);
	free(dir);
	return r;
}

int
rules_load_config(struct rule_list *l, const config_t *cfg, const char *file, struct ct_error *err)
{
	const config_setting_t *dir;

	if (rules_load_setting(l, config_lookup(cfg, "rules"), file, err) == -1)
		return -1;
	if ((dir = config_lookup(cfg, "rules_dir")) != NULL)
		return load_rules_dir(l, dir, file, err);
	return 0;
}

int
rules_load_config_file(struct rule_list *l, const char *path, struct ct_error *err)
{
	config_t cfg;
	FILE *f;
	int r;

	/* libconfig says only "file I/O error"; say why. */
	if ((f = fopen(path, "r")) == NULL)
		return ct_error_set(err, CT_ERR_IO, "%s: %s", path, strerror(errno));
	fclose(f);
	config_init(&cfg);
	if (config_read_file(&cfg, path) == CONFIG_FALSE) {
		const char *at = config_error_file(&cfg);

		r = ct_error_set(err, CT_ERR_CONFIG, "%s:%d: %s", at ? at : path,
		    config_error_line(&cfg), config_error_text(&cfg));
	} else {
		r = rules_load_config(l, &cfg, path, err);
	}
	config_destroy(&cfg);
	return r;
}
