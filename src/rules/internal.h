/*
 * Shared by the rule loaders of src/rules; not part of the module's interface.
 *
 * Each loader (libconfig, JSON files, command line) collects a rule's settings
 * into a struct rule_spec and hands it to rule_list_add(), which checks what
 * every source has in common (name, severity, topic, group, duplicates). Its
 * messages name no place: the loader puts "FILE:LINE: rule 'NAME': " before.
 */
#ifndef CT_RULES_INTERNAL_H
#define CT_RULES_INTERNAL_H

#include <stddef.h>

#include <yajl/yajl_tree.h>

#include "rules/rules.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/json.h"

struct config_setting_t;

/* One rule as a loader found it. All strings are borrowed. */
struct rule_spec {
	const char *name;        /* required */
	const char *description; /* NULL: none */
	const char *severity;    /* NULL: "medium"; any letter case */
	const char *topic_arn;   /* NULL: the default topic */
	const char *group_id;    /* NULL: the rule name */
	const char *pattern;     /* EventBridge JSON text, syntax already checked */
	const char *origin;      /* where it was defined */
	enum rule_kind kind;
	struct rule_test *tests; /* borrowed; copied into the rule */
	size_t ntests;
};

/* Checks s and appends a copy of it. Fails (CT_ERR_CONFIG) on a bad name,
 * severity, topic ARN or group id, or a name already in the list. */
int rule_list_add(struct rule_list *l, const struct rule_spec *s, struct ct_error *err);

/* The checks of rule_list_add but the duplicate name (for disabled rules). */
int rule_spec_check(const struct rule_spec *s, struct ct_error *err);

/* Checks a rule name alone (for messages before the rest is known). */
int rule_name_check(const char *name, struct ct_error *err);

/* Checks that text is JSON and an object: CT_ERR_JSON or CT_ERR_CONFIG. */
int json_check_pattern(const char *text, struct ct_error *err);

/* A rule's tests (tests.c). From a JSON array of test objects {"name",
 * "record", "match"}; from a libconfig list of groups { name; record (JSON
 * text); match; }, *where then naming the offending setting. Messages name
 * the test; the caller names the rule and place. */
int rule_tests_from_json(yajl_val arr, struct rule_test **tests, size_t *n, struct ct_error *err);
int rule_tests_from_setting(const struct config_setting_t *list, struct rule_test **tests,
    size_t *n, const struct config_setting_t **where, struct ct_error *err);
/* A copy of tests[0..n); NULL when out of memory (n > 0). */
struct rule_test *rule_tests_copy(const struct rule_test *tests, size_t n);

/* Whether a file name in a rules directory is a rule file: *.json, but not
 * *.tests.json, which holds tests. */
int rules_file_name(const char *name);

/* Converts a pattern written natively in libconfig syntax to EventBridge JSON
 * (docs/rules.md). On failure err says what is wrong and *where names the
 * offending setting (for its line). */
int native_pattern(const struct config_setting_t *s, struct buf *out,
    const struct config_setting_t **where, struct ct_error *err);

#endif
