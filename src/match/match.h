/*
 * match: EventBridge event patterns, compiled together, matched per record.
 *
 * This module knows nothing of AWS, files or JSON parsers. The record stream
 * walks each record's JSON and tells the matcher only about the values it
 * asked for; the matcher answers which rules matched.
 *
 * The field tree. All rules are compiled into one tree of the field paths any
 * rule refers to (the envelope mapping is already applied: a pattern on
 * "detail.eventName" asks for the record's "eventName", one on "account" for
 * "recipientAccountId", ...). The stream starts at match_root() for each
 * record, follows match_child() for each object key, and skips without any
 * work a subtree whose key returns NULL. At a node where match_wants_value()
 * is true it reports every scalar found there, including each element of
 * arrays (arrays of arrays flatten). An object or an empty array at a wanted
 * node reports nothing: for patterns that is the same as absent. Where a
 * Sigma rule looks in the JSON text of objects and arrays (MATCH_JSON_KEY),
 * match_wants_json() is true, and the stream gives the text of each object
 * and array found there to matcher_json() when it ends.
 *
 * Array elements. Where a rule names several fields inside the objects at
 * a node (resources.type and resources.ARN), they must all hold in one
 * element when that node holds an array of objects, as in EventBridge. At
 * such a node match_is_scope() is true, and the stream reports each object
 * that is an element of an array there (directly or in arrays of arrays)
 * with matcher_element_begin() before its contents and
 * matcher_element_end() after them. Elsewhere it reports none: a record
 * without such arrays costs nothing more.
 *
 * Semantics are EventBridge's (event-ruler where its documentation is
 * silent): strings compare decoded; numbers compare as written and, within
 * +-5e9, by value to six decimals; an event array matches when an element
 * does; anything-but needs a value but matches null and values of other
 * types; the fields a pattern names inside an array of objects must be met
 * by one element of it ("array consistency"), exists: false included.
 *
 * Cost: match_child is one hash probe. A value costs a probe of its node's
 * keys, a binary search of the field's prefixes and of its suffixes, and
 * tries only the wildcards whose literal start, end or rarest gram it has,
 * plus the field's numeric ranges; exists and most anything-but cost
 * nothing per value. A string value that did more than a lookup is
 * remembered, and replayed when it comes again. matcher_end only looks at
 * rules whose least likely clause held, after sifting them by the key their
 * next check needs. No allocation happens per record once the matcher has
 * seen its longest case-insensitive value. An array element at a node
 * some rule's fields must share costs a check of those rules' clauses below
 * it when the element ends; other elements and records cost nothing more.
 *
 * Threading: a struct ruleset is immutable after compilation and shared by
 * every thread; each thread owns its struct matcher.
 */
#ifndef CT_MATCH_MATCH_H
#define CT_MATCH_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* The field a Sigma rule's pattern names to look in the record's whole
 * JSON text, as Sigma's keyword searches do (only Sigma rules' patterns
 * may name it). */
#define MATCH_TEXT_FIELD "\x01record-text"

/* The key a Sigma rule's pattern names below a field to look in the JSON
 * text of each object or array the field holds, as it appears in the log
 * ({"requestParameters": {"\u0001json": [...]}}); only Sigma rules'
 * patterns may name it, and no record's key reaches it. */
#define MATCH_JSON_KEY "\x01json"

/* A pattern a rule names, for its condition. Strings are borrowed. */
struct match_part {
	const char *name;    /* unique in the rule; not a word of conditions */
	const char *pattern; /* EventBridge event pattern as JSON text */
};

/* One rule as handed to the compiler. All strings are borrowed for the call.
 * A rule has one pattern, or names several parts and combines them with a
 * condition (and, or, not, parentheses, "1 of X*", "all of them"; see
 * condition.c); either way a record that matches any of its exceptions
 * does not match it. Every pattern is compiled into the one field index;
 * a rule's condition is evaluated once per record, over its patterns that
 * matched. */
struct rule_def {
	const char *name;    /* unique; names the rule in errors and output */
	const char *pattern; /* EventBridge event pattern as JSON text; NULL: parts */
	const char
	    *origin; /* where it was defined ("rules.d/x.json", "ctalertd.conf:42"); may be NULL */
	const struct match_part *parts; /* when pattern is NULL: the named patterns */
	size_t nparts;
	const char *condition;         /* over the parts' names; NULL with one part */
	const char *const *exceptions; /* event patterns as JSON text */
	size_t nexceptions;
	int sigma;   /* a Sigma rule's: its patterns may use Sigma's value tests */
	int derived; /* no pattern: its matches are made by the caller from other
	                rules' (a Sigma correlation); it never matches a record */
};

enum match_envelope {
	MATCH_ENVELOPE_CLOUDTRAIL, /* patterns with source/detail-type/account/region/detail/... see
	                              the EventBridge "AWS API Call via CloudTrail" event built from
	                              the record */
	MATCH_ENVELOPE_NONE,       /* every pattern matches the record itself */
};

enum match_type {
	MATCH_STRING, /* text is the decoded string (UTF-8, not NUL-terminated) */
	MATCH_NUMBER, /* text is the JSON number literal as written */
	MATCH_TRUE,
	MATCH_FALSE,
	MATCH_NULL,
};

struct ruleset;
struct matcher;
struct match_node;

/* Compiles every rule at once. On an invalid pattern returns NULL and err
 * names the rule and what is wrong, the way EventBridge would reject it. */
struct ruleset *ruleset_compile(
    const struct rule_def *defs, size_t n, enum match_envelope env, struct ct_error *err);
void ruleset_free(struct ruleset *rs);
size_t ruleset_size(const struct ruleset *rs);
const char *ruleset_rule_name(const struct ruleset *rs, size_t rule);

/* Validates one pattern alone (load-time checks, `ctalertd check`). */
int match_pattern_validate(const char *name, const char *pattern, struct ct_error *err);
/* Validates a rule alone: its patterns, exceptions and condition. Messages
 * about a part or exception name it ("rule "x" pattern "root": ..."). */
int match_rule_validate(const struct rule_def *d, struct ct_error *err);

/* Checks a condition over n pattern names: CT_ERR_CONFIG "condition: ... at
 * column N". used (may be NULL) gets, per name, whether it refers to it. */
int match_condition_check(const char *condition, const char *const *names, size_t n,
    unsigned char *used, struct ct_error *err);
/* The condition rewritten with each name replaced by its expression
 * exprs[i] (itself a condition over other names), "1 of X*" and "all of X*"
 * spelled out: what a Sigma rule's condition over its selections is over
 * their fields. *out is the caller's to free. */
int match_condition_expand(const char *condition, const char *const *names, size_t n,
    const char *const *exprs, unsigned char *used, char **out, struct ct_error *err);
/* Validates one pattern of a Sigma rule (which may use Sigma's value tests). */
int match_sigma_pattern_validate(const char *name, const char *pattern, struct ct_error *err);

/* The record fields a pattern reads, as dotted paths with the envelope
 * mapped the way matching maps it ("detail.eventName" reads eventName,
 * "source" eventSource), sorted, each once; fields.c. *fields is the
 * caller's: match_fields_free(). */
int match_pattern_fields(const char *name, const char *pattern, enum match_envelope env,
    char ***fields, size_t *n, struct ct_error *err);
void match_fields_free(char **fields, size_t n);
/* Whether key, a pattern's top-level key, is a field of the EventBridge
 * CloudTrail envelope (source, detail-type, detail, account, ...). */
int match_is_envelope_key(const char *key);

/* Whether path names a field as Sigma rules write them: names joined by
 * dots, none empty; with wildcards 0, none holding '*' or '?' either (a
 * field reference names one field). fields.c. */
int match_field_path(const char *path, int wildcards);

/* The field tree (see above). */
const struct match_node *match_root(const struct ruleset *rs);
const struct match_node *match_child(const struct match_node *n, const char *key, size_t len);
int match_wants_value(const struct match_node *n);
int match_is_scope(const struct match_node *n);

struct matcher *matcher_new(const struct ruleset *rs);
void matcher_free(struct matcher *m);

/* Per record: begin, any number of values, then end. */
void matcher_begin(struct matcher *m);
void matcher_value(struct matcher *m, const struct match_node *n, enum match_type type,
    const char *text, size_t len);
/* An object that is an element of an array at n (match_is_scope(n)) begins;
 * the token goes to matcher_element_end when it ends. Elements nest. */
uint32_t matcher_element_begin(struct matcher *m, const struct match_node *n);
void matcher_element_end(struct matcher *m, const struct match_node *n, uint32_t token);
/* Whether a Sigma rule looks in the JSON text of the objects and arrays at
 * n: then the stream gives each to matcher_json, as the log has it (valid
 * UTF-8), when it ends. */
int match_wants_json(const struct match_node *n);
void matcher_json(struct matcher *m, const struct match_node *n, const char *text, size_t len);
/* Whether some rule looks in a record's whole text (MATCH_TEXT_FIELD): then
 * the stream gives it to matcher_record_text before matcher_end. */
int match_wants_text(const struct ruleset *rs);
/* The record's JSON text as it appeared in the log (valid UTF-8). */
void matcher_record_text(struct matcher *m, const char *text, size_t len);
/* Evaluates the record. Returns the number of rules that matched and points
 * *rules at their indices (ascending; valid until the next matcher_begin). */
size_t matcher_end(struct matcher *m, const size_t **rules);

/*
 * Prefilter. Most records match no rule, and a record can match a rule only
 * if its JSON text holds some literals the rule's values spell (needs.c):
 * "CreateTopic" between quotes, a prefix after a quote, the longest piece
 * of a wildcard, in either case where the rule compares without case. A
 * stream that finds none of them in a record's bytes may skip its parse.
 * What holds only for text without escapes: a record with an escape other
 * than \" and \\ (\u, \/, \n, ...) must be treated as holding every
 * literal.
 *
 * match_literals gives the literals (borrowed from the ruleset, by id), or
 * -1 when some rule can match a record that holds none (exists: false,
 * anything-but, numbers, regular expressions alone): then every record
 * must be parsed. match_needs_met says whether a record whose text holds
 * the literals seen[0..nseen) (distinct ids; stamp[id] == gen exactly for
 * them) may match some rule.
 */
struct match_literal {
	const char *text; /* NUL-terminated */
	uint32_t len;
	uint8_t caseless; /* ASCII letters match in either case */
};

int match_literals(const struct ruleset *rs, const struct match_literal **lits, size_t *n);
int match_needs_met(const struct ruleset *rs, const uint32_t *seen, size_t nseen,
    const uint32_t *stamp, uint32_t gen);

#endif
