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
#include "util/json.h"

struct config_setting_t;

/* A rule's group_by, window, threshold and distinct as a loader found
 * them (strings borrowed); group.c checks them into a struct rule_group. */
struct rule_group_spec {
	const char *by[RULE_GROUP_BY_MAX]; /* the fields of group_by */
	size_t nby;
	int by_too_many;       /* group_by named more than RULE_GROUP_BY_MAX */
	const char *window;    /* a duration ("10m", "600"); NULL: none */
	const char *threshold; /* a count as written; NULL: none */
	const char *distinct;  /* NULL: none */
	int distinct_rule;     /* count the distinct rules that matched */
};

/* Checks s into out (owned strings): a window in range, group_by, threshold
 * and distinct only with a window, distinct only with a threshold, field
 * paths as Sigma and EventBridge write them. Messages name the setting. */
int rule_group_make(const struct rule_group_spec *s, struct rule_group *out, struct ct_error *err);
void rule_group_free(struct rule_group *g);

/* One rule as a loader found it. All strings are borrowed. */
struct rule_spec {
	const char *name;                  /* required */
	const char *description;           /* NULL: none */
	const char *severity;              /* NULL: "medium"; any letter case */
	const char *extra[RULE_EXTRA_MAX]; /* the list's declared settings, NULL: not set */
	const char *pattern;               /* EventBridge JSON text, syntax already checked;
	                                      NULL: parts */
	const struct match_part *parts;    /* named patterns, each checked like pattern */
	size_t nparts;
	const char *condition;         /* NULL: none written */
	const char *const *exceptions; /* patterns, each checked like pattern */
	size_t nexceptions;
	const char *origin; /* where it was defined */
	enum rule_kind kind;
	struct rule_test *tests; /* borrowed; copied into the rule */
	size_t ntests;
	const struct rule_meta *meta; /* borrowed; copied into the rule; NULL: none */
	struct rule_group_spec group; /* grouping and thresholds, as written */
	const char *const *of;        /* a correlation: the rules it counts; NULL: none */
	size_t nof;
	int generate; /* with of: the rules it counts alert on their own too */
};

/* Frees what m holds and empties it. */
void rule_meta_free(struct rule_meta *m);

/* Checks s and appends a copy of it. Fails (CT_ERR_CONFIG) on a bad name,
 * severity or declared setting, or a name already in the list. */
int rule_list_add(struct rule_list *l, const struct rule_spec *s, struct ct_error *err);

/* The checks of rule_list_add but the duplicate name (for disabled rules). */
int rule_spec_check(const struct rule_list *l, const struct rule_spec *s, struct ct_error *err);

/* The index of the declared setting called name, or -1. */
int rule_extra_find(const struct rule_list *l, const char *name);
/* What a message about an unknown setting called name ends with: "(did you
 * mean 'X'? expected name, description, ..., enabled or tests)", X the
 * nearest of the loader's own settings (table of n entries of stride bytes,
 * each starting with its name) and the list's declared ones, quoted with q;
 * without a near one, "(expected ...)". Written into out. */
const char *rule_unknown_hint(const struct rule_list *l, const char *name, const void *own,
    size_t n, size_t stride, char q, char *out, size_t len);

/* Checks what a rule's patterns, condition and exceptions are together:
 * one pattern or named ones, valid and distinct names, a condition that
 * refers to every named pattern and only to them. Messages name no place. */
int rule_condition_check(const struct rule_spec *s, struct ct_error *err);

/* The texts a loader made of a rule's named patterns and exceptions, for
 * its rule_spec: the strings are owned here. */
struct spec_texts {
	struct match_part *parts; /* owned; names borrowed, patterns owned */
	size_t nparts;
	char **exceptions; /* owned, each owned */
	size_t nexceptions;
};

/* Room for n parts and nx exceptions; -1 when out of memory. */
int spec_texts_init(struct spec_texts *t, size_t n, size_t nx);
void spec_texts_free(struct spec_texts *t);
/* Points s at t's parts and exceptions. */
void spec_texts_use(const struct spec_texts *t, struct rule_spec *s);

/* Checks a rule name alone (for messages before the rest is known). */
int rule_name_check(const char *name, struct ct_error *err);

/* Checks that text is JSON and an object: CT_ERR_JSON or CT_ERR_CONFIG;
 * what names it in the message ("pattern", "pattern 'root'", ...). */
int json_check_pattern(const char *text, const char *what, struct ct_error *err);

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
 * *.tests.json, which holds tests, or a Sigma rule, *.yml or *.yaml. */
int rules_file_name(const char *name);
/* Whether a file name is a Sigma rule file's: *.yml or *.yaml. */
int rules_sigma_name(const char *name);

/* The name of a rule named after its file: the file's name without its
 * directory and extension; NULL when out of memory. */
char *rules_file_stem(const char *path);

/* Reads a whole rule file (at most RULES_FILE_MAX bytes) into b,
 * NUL-terminated. */
int rules_read_file(const char *path, struct buf *b, struct ct_error *err);

/* Converts a pattern written natively in libconfig syntax to EventBridge JSON
 * (docs/rules.md). On failure err says what is wrong and *where names the
 * offending setting (for its line). */
int native_pattern(const struct config_setting_t *s, struct buf *out,
    const struct config_setting_t **where, struct ct_error *err);

#endif
