/*
 * Shared by the rule loaders of src/rules; not part of the module's interface.
 *
 * Each loader (libconfig, JSON files, command line) collects a rule's settings
 * into a struct rule_spec and hands it to rule_list_add(), which checks what
 * every source has in common (name, severity, declared settings, duplicates). Its
 * messages name no place: the loader puts "FILE:LINE: rule 'NAME': " before.
 */
#ifndef CT_RULES_INTERNAL_H
#define CT_RULES_INTERNAL_H

#include <stddef.h>

#include <yajl/yajl_tree.h>

#include "rules/rules.h"
#include "util/buf.h"
#include "util/error.h"

struct config_setting_t;

/* One rule as a loader found it. All strings are borrowed. */
struct rule_spec {
	const char *name;                  /* required */
	const char *description;           /* NULL: none */
	const char *severity;              /* NULL: "medium"; any letter case */
	const char *extra[RULE_EXTRA_MAX]; /* the list's declared settings, NULL: not set */
	const char *pattern;               /* EventBridge JSON text, syntax already checked */
	const char *origin;                /* where it was defined */
	enum rule_kind kind;
	struct rule_test *tests; /* borrowed; copied into the rule */
	size_t ntests;
};

/* Checks s and appends a copy of it. Fails (CT_ERR_CONFIG) on a bad name,
 * severity or declared setting, or a name already in the list. */
int rule_list_add(struct rule_list *l, const struct rule_spec *s, struct ct_error *err);

/* The checks of rule_list_add but the duplicate name (for disabled rules). */
int rule_spec_check(const struct rule_list *l, const struct rule_spec *s, struct ct_error *err);

/* The index of the declared setting called name, or -1. */
int rule_extra_find(const struct rule_list *l, const char *name);
/* "name, description, severity, pattern, <declared>, ..., enabled or tests", for
 * a message about an unknown setting. */
const char *rule_settings_words(const struct rule_list *l, char *out, size_t len);

/* Checks a rule name alone (for messages before the rest is known). */
int rule_name_check(const char *name, struct ct_error *err);

/* Offsets of the values found by json_check (see there). */
struct json_marks {
	size_t *elem; /* owned; byte offset of each top-level array element */
	size_t n;
	size_t cap;
};

/* Nesting json_check accepts: far more than a rule needs (patterns nest at
 * most 64 objects), far less than would exhaust the stack in yajl's
 * recursive trees. */
#define RULES_JSON_MAX_DEPTH 256

/* Strict JSON syntax check of text[0..len) (no comments, one value, valid
 * UTF-8, at most RULES_JSON_MAX_DEPTH deep). On failure: CT_ERR_JSON
 * "invalid JSON at byte N (line L): why".
 * When marks is not NULL it receives the offsets of the elements of a
 * top-level array. */
int json_check(const char *text, size_t len, struct json_marks *marks, struct ct_error *err);
void json_marks_free(struct json_marks *m);
/* Where json_line_at got to, lines counted on from there; {0, 1} at first. */
struct json_cursor {
	size_t off;    /* a byte offset */
	unsigned line; /* its 1-based line */
};
/* 1-based line of byte offset off in text. */
unsigned json_line(const char *text, size_t len, size_t off);
/* The same, counting on from *at, which it moves to off (it starts over when
 * off is before it): increasing offsets cost one pass over text in all. */
unsigned json_line_at(const char *text, size_t len, size_t off, struct json_cursor *at);
/* Appends v as compact JSON; numbers keep their text as written. */
int json_write(struct buf *b, yajl_val v);
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
