/*
 * rules: where rules come from, before the matcher compiles them.
 *
 * A rule is a name, a description, a severity, an EventBridge pattern, and
 * (for the daemon) where its alerts go. Rules are read from the libconfig
 * configuration (`rules = ( ... );`, each pattern written natively in
 * libconfig syntax or as an EventBridge JSON string), from `*.json` files in a
 * rules directory, or given on the command line. Whatever the source, the
 * pattern ends up as EventBridge JSON text and every rule remembers where it
 * was defined, so errors can name the file and line.
 */
#ifndef CT_RULES_RULES_H
#define CT_RULES_RULES_H

#include <stddef.h>

#include "match/match.h"
#include "util/error.h"

struct config_setting_t;

struct rule {
	char *name;         /* owned; unique within a list */
	char *description;  /* owned; may be NULL */
	char *severity;     /* owned; "low", "medium", "high", "critical"; default "medium" */
	char *pattern;      /* owned; EventBridge JSON text */
	char *origin;       /* owned; "ctalertd.conf:42" or "rules.d/cis.json" */
	char *topic_arn;    /* owned; per-rule SNS topic, NULL: the default topic */
	char *group_id;     /* owned; FIFO MessageGroupId, NULL: the rule name */
};

struct rule_list {
	struct rule *v;     /* owned array */
	size_t n;
	size_t cap;
};

void rule_list_init(struct rule_list *l);
void rule_list_free(struct rule_list *l);

/* Adds one rule from a JSON pattern (--pattern). */
int rules_add_pattern(struct rule_list *l, const char *name, const char *pattern_json,
    const char *origin, struct ct_error *err);

/* Reads a `rules = ( ... )` list of a parsed configuration; file names it in errors. */
int rules_load_setting(struct rule_list *l, const struct config_setting_t *rules, const char *file,
    struct ct_error *err);

/* Reads every *.json file below dir (sorted by name). A file holds one rule
 * object {"name","description","severity","pattern"}, a list of them, or a bare
 * EventBridge pattern (then named after the file). */
int rules_load_dir(struct rule_list *l, const char *dir, struct ct_error *err);
int rules_load_json_file(struct rule_list *l, const char *path, struct ct_error *err);

/* Reads the rules of a ctalertd.conf: its `rules` list and its `rules_dir`
 * (relative to the file's directory). For `ctalertd scan --config`. */
int rules_load_config_file(struct rule_list *l, const char *path, struct ct_error *err);

/* Compiles the list; fails on duplicate names or invalid patterns. */
struct ruleset *rules_compile(const struct rule_list *l, enum match_envelope env, struct ct_error *err);

#endif
