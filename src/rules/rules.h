/*
 * rules: where rules come from, before the matcher compiles them.
 *
 * A rule is a name, a description, a severity and an EventBridge pattern, or
 * several named patterns combined by a condition, and patterns of exceptions
 * (docs/rules.md).
 * Settings that belong to whoever uses the rules (the daemon's alert
 * routing: a rule's topic and FIFO group) are declared by the list's owner
 * (rule_list_declare) and carried as strings this layer does not interpret. Rules are read from the
 * libconfig configuration (`rules = ( ... );`, each pattern written natively in libconfig syntax or
 * as an EventBridge JSON string), from `*.json` files in a rules directory, or given on the command
 * line. Whatever the source, the pattern ends up as EventBridge JSON text and every rule remembers
 * where it was defined, so errors can name the file and line.
 *
 * Loading checks everything but the pattern's meaning: unknown or mistyped
 * settings, missing name or pattern, duplicate names, severities, JSON syntax.
 * rules_compile() then hands the patterns to the matcher, whose complaints are
 * prefixed with the rule's origin. docs/rules.md describes the formats.
 *
 * Every loader appends to a list; on failure it returns -1, fills err (code
 * CT_ERR_CONFIG, CT_ERR_JSON, CT_ERR_IO, CT_ERR_LIMIT or CT_ERR_NOMEM) and the
 * list keeps the rules added before the error: callers drop the whole list.
 */
#ifndef CT_RULES_RULES_H
#define CT_RULES_RULES_H

#include <stddef.h>

#include "match/match.h"
#include "util/error.h"

struct config_t;
struct config_setting_t;

/* A setting of a rule that belongs to the rules' user, not to this layer. */
struct rule_extra {
	const char *name;                                      /* as written in a rule */
	int (*check)(const char *value, struct ct_error *err); /* NULL: any string */
};

#define RULE_EXTRA_MAX 4 /* declared settings a list may have */

/* What a rule was written as. */
enum rule_kind {
	RULE_EVENTBRIDGE, /* an EventBridge pattern: a *.json rule file, --pattern */
	RULE_NATIVE,      /* a group of the configuration's rules list */
	RULE_SIGMA,       /* a Sigma rule: a *.yml or *.yaml file (sigma.c) */
};

/* What a Sigma rule says of itself beside its detection, carried into
 * alerts and scan output. All owned; empty for other rules. */
struct rule_meta {
	char *id;         /* its id (a UUID), or NULL */
	char *sigma_name; /* its `name`, which correlations may refer to it by, or NULL */
	char **tags;      /* ATT&CK and other tags */
	size_t ntags;
	char **references;
	size_t nreferences;
	char **falsepositives;
	size_t nfalsepositives;
};

/* One of a rule's own tests (docs/rules.md): a record, and whether the rule
 * must match it. */
struct rule_test {
	char *name;   /* owned; as written, or "#N" (its place in the list, from 1) */
	char *record; /* owned; the record as compact JSON text */
	int match;    /* 1: the rule must match the record; 0: it must not */
};

/* One of the patterns a rule names for its condition. */
struct rule_part {
	char *name;    /* owned; [A-Za-z_][A-Za-z0-9._-]{0,63}, not a word of conditions */
	char *pattern; /* owned; EventBridge JSON text */
};

/* How a rule's matches turn into alerts over time (docs/rules.md,
 * "Grouping and thresholds"); window 0: every match alerts on its own.
 *
 *   window alone        the first match of a group alerts at once; the
 *                       group's further matches in that window are counted
 *                       and sent as one summary when it closes
 *   window + threshold  one alert once threshold matches of a group fall
 *                       within window (sliding, by eventTime); with
 *                       distinct, once threshold distinct values of that
 *                       field do */
#define RULE_GROUP_BY_MAX  8           /* fields of group_by */
#define RULE_WINDOW_MAX    (7 * 86400) /* the longest window */
#define RULE_THRESHOLD_MAX 1000000

struct rule_group {
	char **by; /* owned; record fields (dotted paths) whose values make a
	              group; nby 0: the whole rule is one group */
	size_t nby;
	long window;       /* seconds; 0: no grouping */
	long threshold;    /* 0: none */
	char *distinct;    /* owned; with threshold: the field whose distinct values
	                      are counted; NULL: matches are counted */
	int distinct_rule; /* with threshold: count the distinct rules that matched
	                      (a Sigma temporal correlation) */
};

/* A Sigma correlation rule (docs/rules.md): it matches no record itself;
 * the matches of the rules it names are counted by its group (a window and
 * a threshold). */
struct rule_correlation {
	char **of; /* owned; the rules it counts, by rule name, Sigma name or id */
	size_t nof;
	int generate; /* the rules it counts alert on their own too */
};

struct rule {
	char *name;        /* owned; unique within a list; [A-Za-z0-9._-]{1,64} */
	char *description; /* owned; may be NULL */
	char *severity;    /* owned; "informational", "low", "medium", "high", "critical"; default
	                      "medium" */
	char *pattern;     /* owned; EventBridge JSON text; NULL when the rule names patterns */
	struct rule_part *parts; /* owned; the named patterns (nparts 0 when pattern is set) */
	size_t nparts;
	char *condition;   /* owned; combines the parts; NULL: the one part */
	char **exceptions; /* owned; EventBridge JSON texts: a record matching one is left out */
	size_t nexceptions;
	char *origin; /* owned; "ctalertd.conf:42", "rules.d/cis.json" or "rules.d/x.json:7" */
	char *extra[RULE_EXTRA_MAX]; /* owned; the declared settings' values by their
	                                index in the declaration, NULL: not set */
	enum rule_kind kind;
	struct rule_meta meta;
	struct rule_test *tests; /* owned; the rule's own tests, NULL when it has none */
	size_t ntests;
	struct rule_group group;      /* grouping and thresholds; all zero: none */
	struct rule_correlation corr; /* nof 0: an ordinary rule */
};

/* Told of one rule file or `rules` entry that was refused (e names it). */
typedef void (*rule_report_fn)(void *arg, const struct ct_error *e);

struct rule_list {
	struct rule *v; /* owned array */
	size_t n;
	size_t cap;
	size_t *byname; /* owned; v's indices + 1 by the hash of their names, 0 empty */
	size_t bymask;  /* slots of byname - 1 */
	const struct rule_extra *extras; /* borrowed; the settings the owner declared */
	size_t n_extras;
	rule_report_fn report; /* told of each refused file or entry, or NULL */
	void *report_arg;
	size_t refused; /* files and entries the reporter was told of */
};

/* A *.json rule file larger than this is refused (CT_ERR_LIMIT). */
#define RULES_FILE_MAX (16 * 1024 * 1024)
/* Rules directories nested deeper than this are refused (CT_ERR_LIMIT). */
#define RULES_DIR_DEPTH_MAX 16

void rule_list_init(struct rule_list *l);
/* Declares the settings (at most RULE_EXTRA_MAX, borrowed, outliving the
 * list) the loaders accept beside a rule's own, before anything is loaded:
 * each value is checked with its check, in the rule's name, and kept in
 * rule.extra[] at its index in extras. A setting not declared is an error. */
void rule_list_declare(struct rule_list *l, const struct rule_extra *extras, size_t n);
void rule_list_free(struct rule_list *l);
/* With a reporter, a refused rule file or `rules` entry is told to fn and
 * loading goes on to the next, so that every bad rule is found in one pass;
 * the loaders then fail only for what stops them (a folder that cannot be
 * read, a `rules` setting that is not a list). Without one (the default) the
 * first refused rule stops loading. */
void rule_list_report(struct rule_list *l, rule_report_fn fn, void *arg);
/* For the loaders: one file or entry was refused with e. 0 when it was
 * reported (go on), -1 when there is no reporter (stop). */
int rule_list_refuse(struct rule_list *l, const struct ct_error *e);
/* The rule called name, or NULL. (Rules are found by a hash of their names:
 * change a name only through the loaders.) */
const struct rule *rule_list_find(const struct rule_list *l, const char *name);

/* Adds one rule from a JSON pattern (--pattern); origin names it in errors. */
int rules_add_pattern(struct rule_list *l, const char *name, const char *pattern_json,
    const char *origin, struct ct_error *err);

/* Reads a `rules = ( ... )` list of a parsed configuration; file names it in
 * errors (a setting read from an @include file names that file instead).
 * rules may be NULL (no `rules` setting): nothing is added. */
int rules_load_setting(struct rule_list *l, const struct config_setting_t *rules, const char *file,
    struct ct_error *err);

/* Reads the rules of a parsed ctalertd.conf read from file: its `rules` list,
 * then the *.json files of its `rules_dir` (a relative rules_dir is taken
 * relative to file's directory). Other settings are left to their owners. */
int rules_load_config(
    struct rule_list *l, const struct config_t *cfg, const char *file, struct ct_error *err);

/* Reads every *.json, *.yml and *.yaml file below dir, in byte order of their paths (so
 * "a.json" < "a/b.json" < "b.json"). Hidden files and folders, other names,
 * special files and links to folders are left alone. A file holds one rule
 * object {"name","description","severity","pattern",...}, a list of them, or
 * a bare EventBridge pattern (then named after the file). */
int rules_load_dir(struct rule_list *l, const char *dir, struct ct_error *err);
int rules_load_json_file(struct rule_list *l, const char *path, struct ct_error *err);

/* Reads the rules of a ctalertd.conf: rules_load_config() on the parsed file.
 * For `ctalertd scan --config`. */
int rules_load_config_file(struct rule_list *l, const char *path, struct ct_error *err);

/* Reads a Sigma rule file (sigma.c; docs/rules.md). in_dir: it was found in
 * a rules directory, so that a rule for another log source or a deprecated
 * one is skipped with a notice instead of refused. */
int rules_load_sigma_file(struct rule_list *l, const char *path, int in_dir, struct ct_error *err);

/* Reads the rules PATH names: a directory of rule files, a *.json rule
 * file, a Sigma rule file (*.yml, *.yaml), or (*.conf) a ctalertd
 * configuration file. */
int rules_load_path(struct rule_list *l, const char *path, struct ct_error *err);

/* Writes ,"sigma":{"id":...,"tags":[...],"references":[...],
 * "falsepositives":[...]} for a Sigma rule (members it lacks left out),
 * nothing for others: what alerts and scan output carry of a Sigma rule
 * beyond its name, title and level. -1 when out of memory. */
struct buf;
int rule_meta_json(struct buf *b, const struct rule *r);

/* "EventBridge", "native", "Sigma". */
const char *rule_kind_name(enum rule_kind k);

/* Tests of a rule that carries none in its definition, from the file
 * NAME.tests.json beside the file that defined it (a JSON array of tests,
 * as the "tests" member of a rule object holds). *n is 0 when there is no
 * such file. The tests are the caller's: rule_tests_free(). */
int rule_tests_beside(
    const struct rule *r, struct rule_test **tests, size_t *n, struct ct_error *err);
void rule_tests_free(struct rule_test *tests, size_t n);

/* Which rules feed which correlations, by index in the list. */
struct rule_links {
	size_t n;       /* rules in the list */
	size_t **feeds; /* owned; per rule: the correlations counting its matches */
	size_t *nfeeds; /* owned */
	int *quiet;     /* owned; per rule: a correlation counts it without generate,
	                   so it does not alert on its own */
};

/* Resolves every correlation's rules (by rule name, Sigma name or id): a
 * name no rule has, or a correlation counting a correlation, fails naming
 * the correlation's origin. */
int rules_link(const struct rule_list *l, struct rule_links *out, struct ct_error *err);
void rule_links_free(struct rule_links *k);

/* Compiles the list; fails on duplicate names or invalid patterns (the
 * matcher's message, prefixed by the rule's origin, for the first invalid
 * rule; with the list's reporter, each invalid rule is also told to it). */
struct ruleset *rules_compile(
    const struct rule_list *l, enum match_envelope env, struct ct_error *err);

#endif
