/*
 * A rule's own tests: records it must match and records it must not, read
 * from the rule's definition or from a file beside it.
 *
 *   JSON rule object  "tests": [{"name": "root console login", "record": {...}, "match": true}]
 *   native rule       tests = ( { name = "..."; record = "{...}"; match = false; } );
 *   beside the file   NAME.tests.json next to the file that defines rule NAME,
 *                     holding the same JSON array (for rules whose language
 *                     has no place for them, such as Sigma's)
 *
 * Each record is kept as compact JSON text, to be run through the record
 * stream exactly as a log's record would be.
 */
#include "rules/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#define TEST_MEMBERS "name, record or match"

void
rule_tests_free(struct rule_test *tests, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(tests[i].name);
		free(tests[i].record);
	}
	free(tests);
}

struct rule_test *
rule_tests_copy(const struct rule_test *tests, size_t n)
{
	struct rule_test *v = calloc(n + 1, sizeof(*v));

	for (size_t i = 0; v != NULL && i < n; i++) {
		v[i].match = tests[i].match;
		v[i].name = strdup(tests[i].name);
		v[i].record = strdup(tests[i].record);
		if (v[i].name == NULL || v[i].record == NULL) {
			rule_tests_free(v, i + 1);
			return NULL;
		}
	}
	return v;
}

/* The name a test goes by in messages: its own, or "#N". */
static char *
test_name(const char *given, size_t i)
{
	char *s;

	if (given != NULL)
		return strdup(given);
	return asprintf(&s, "#%zu", i + 1) == -1 ? NULL : s;
}

static int
test_fail(struct ct_error *err, const char *given, size_t i, const char *why)
{
	if (given != NULL)
		return ct_error_set(err, CT_ERR_CONFIG, "test '%s': %s", given, why);
	return ct_error_set(err, CT_ERR_CONFIG, "test #%zu: %s", i + 1, why);
}

static yajl_val
member(yajl_val obj, const char *key)
{
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return obj->u.object.values[i];
	return NULL;
}

/* One test object into t. */
static int
json_test(yajl_val v, size_t i, struct rule_test *t, struct ct_error *err)
{
	yajl_val name, record, match;
	const char *given;
	struct buf b = BUF_INIT;

	if (!YAJL_IS_OBJECT(v))
		return test_fail(
		    err, NULL, i, "not a test object {\"record\": ..., \"match\": ...}");
	name = member(v, "name");
	given = YAJL_IS_STRING(name) ? name->u.string : NULL;
	for (size_t k = 0; k < v->u.object.len; k++) {
		const char *key = v->u.object.keys[k];
		char why[160];
		if (strcmp(key, "name") && strcmp(key, "record") && strcmp(key, "match")) {
			snprintf(why, sizeof(why),
			    "unknown member \"%.64s\" (expected " TEST_MEMBERS ")", key);
			return test_fail(err, given, i, why);
		}
	}
	if (name != NULL && given == NULL)
		return test_fail(err, NULL, i, "\"name\" must be a string");
	if (!YAJL_IS_OBJECT(record = member(v, "record")))
		return test_fail(err, given, i, "\"record\" must be a JSON object");
	match = member(v, "match");
	if (!YAJL_IS_TRUE(match) && !YAJL_IS_FALSE(match))
		return test_fail(err, given, i, "\"match\" must be true or false");
	if (json_write(&b, record) == -1 || (t->name = test_name(given, i)) == NULL) {
		buf_free(&b);
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	}
	t->record = buf_detach(&b);
	t->match = YAJL_IS_TRUE(match);
	return 0;
}

int
rule_tests_from_json(yajl_val arr, struct rule_test **tests, size_t *n, struct ct_error *err)
{
	size_t len;

	*tests = NULL;
	*n = 0;
	if (!YAJL_IS_ARRAY(arr))
		return ct_error_set(err, CT_ERR_CONFIG, "\"tests\" must be an array of tests");
	len = arr->u.array.len;
	if ((*tests = calloc(len + 1, sizeof(**tests))) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		if (json_test(arr->u.array.values[i], i, &(*tests)[i], err) == -1) {
			rule_tests_free(*tests, i);
			*tests = NULL;
			return -1;
		}
	}
	*n = len;
	return 0;
}

/* A native test's record: JSON text of an object, kept compact. */
static int
setting_record(const char *text, const char *given, size_t i, char **out, struct ct_error *err)
{
	char why[128];
	struct buf b = BUF_INIT;
	yajl_val v;

	if (json_check(text, strlen(text), NULL, err) == -1) {
		snprintf(why, sizeof(why), "record: %s", err->msg);
		return test_fail(err, given, i, why);
	}
	if ((v = yajl_tree_parse(text, why, sizeof(why))) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	if (!YAJL_IS_OBJECT(v)) {
		yajl_tree_free(v);
		return test_fail(err, given, i, "record must be the JSON text of an object");
	}
	if (json_write(&b, v) == -1) {
		yajl_tree_free(v);
		buf_free(&b);
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	}
	yajl_tree_free(v);
	*out = buf_detach(&b);
	return 0;
}

static int
setting_test(const config_setting_t *g, size_t i, struct rule_test *t,
    const config_setting_t **where, struct ct_error *err)
{
	const config_setting_t *name, *record, *match;
	const char *given;

	*where = g;
	if (!config_setting_is_group(g))
		return test_fail(
		    err, NULL, i, "must be a group { record = \"{...}\"; match = ...; }");
	name = config_setting_get_member(g, "name");
	given = name && config_setting_type(name) == CONFIG_TYPE_STRING
	            ? config_setting_get_string(name)
	            : NULL;
	for (int k = 0; k < config_setting_length(g); k++) {
		const char *key = config_setting_name(config_setting_get_elem(g, k));
		if (strcmp(key, "name") && strcmp(key, "record") && strcmp(key, "match")) {
			*where = config_setting_get_elem(g, k);
			return test_fail(
			    err, given, i, "unknown setting (expected " TEST_MEMBERS ")");
		}
	}
	if (name != NULL && given == NULL)
		return test_fail(err, NULL, i, "name must be a string");
	record = config_setting_get_member(g, "record");
	if (record == NULL || config_setting_type(record) != CONFIG_TYPE_STRING)
		return test_fail(err, given, i, "record must be the JSON text of an object");
	match = config_setting_get_member(g, "match");
	if (match == NULL || config_setting_type(match) != CONFIG_TYPE_BOOL)
		return test_fail(err, given, i, "match must be true or false");
	*where = record;
	if (setting_record(config_setting_get_string(record), given, i, &t->record, err) == -1)
		return -1;
	if ((t->name = test_name(given, i)) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	t->match = config_setting_get_bool(match);
	return 0;
}

int
rule_tests_from_setting(const config_setting_t *list, struct rule_test **tests, size_t *n,
    const config_setting_t **where, struct ct_error *err)
{
	int len = config_setting_length(list);

	*tests = NULL;
	*n = 0;
	*where = list;
	if (!config_setting_is_list(list) && !(config_setting_is_array(list) && len == 0))
		return ct_error_set(err, CT_ERR_CONFIG, "tests must be a list ( { ... }, ... )");
	if ((*tests = calloc((size_t)len + 1, sizeof(**tests))) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	for (int i = 0; i < len; i++) {
		if (setting_test(config_setting_get_elem(list, i), (size_t)i, &(*tests)[i], where,
		        err) == -1) {
			rule_tests_free(*tests, (size_t)i + 1);
			*tests = NULL;
			return -1;
		}
	}
	*n = (size_t)len;
	return 0;
}

int
rules_sigma_name(const char *name)
{
	size_t n = strlen(name);

	return (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
	       (n > 5 && strcmp(name + n - 5, ".yaml") == 0);
}

int
rules_file_name(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && strcmp(name + n - 5, ".json") == 0 &&
	           !(n > 11 && strcmp(name + n - 11, ".tests.json") == 0)) ||
	       rules_sigma_name(name);
}

/* DIR/NAME.tests.json for a rule defined in DIR/FILE[:LINE]; NULL when its
 * origin is no file. */
static char *
beside_path(const struct rule *r)
{
	const char *o = r->origin, *colon = strrchr(o, ':'), *slash;
	size_t len = strlen(o);
	char *path;

	if (colon != NULL && colon[1] != '\0' &&
	    strspn(colon + 1, "0123456789") == strlen(colon + 1))
		len = (size_t)(colon - o);
	if (len == 0 || o[0] == '-')
		return NULL; /* --pattern, or no origin */
	for (slash = o + len; slash > o && slash[-1] != '/'; slash--)
		;
	if (asprintf(&path, "%.*s%s.tests.json", (int)(slash - o), o, r->name) == -1)
		return NULL;
	return path;
}

/* The whole of a small file, NUL-terminated; NULL with errno set. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len <= RULES_FILE_MAX)
		if (buf_append(&b, chunk, n) == -1)
			break;
	if (ferror(f) || b.len > RULES_FILE_MAX || buf_reserve(&b, 1) == -1) {
		errno = ferror(f) ? EIO : EFBIG;
		fclose(f);
		buf_free(&b);
		return NULL;
	}
	fclose(f);
	b.data[b.len] = '\0';
	*len = b.len;
	return buf_detach(&b);
}

int
rule_tests_beside(const struct rule *r, struct rule_test **tests, size_t *n, struct ct_error *err)
{
	char *path = beside_path(r), *text, why[128];
	size_t len = 0;
	yajl_val v;
	int rc = -1;

	*tests = NULL;
	*n = 0;
	if (path == NULL)
		return 0;
	if ((text = slurp(path, &len)) == NULL) {
		rc = errno == ENOENT
		         ? 0
		         : ct_error_set(err, CT_ERR_IO, "%s: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	if (json_check(text, len, NULL, err) == -1)
		ct_error_prefix(err, "%s", path);
	else if ((v = yajl_tree_parse(text, why, sizeof(why))) == NULL)
		ct_error_set(err, CT_ERR_NOMEM, "%s: %s", path, why);
	else {
		if ((rc = rule_tests_from_json(v, tests, n, err)) == -1)
			ct_error_prefix(err, "%s: rule '%s'", path, r->name);
		yajl_tree_free(v);
	}
	free(text);
	free(path);
	return rc;
}
