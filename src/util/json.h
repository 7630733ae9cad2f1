/*
 * json: the one set of JSON helpers every layer uses for small documents
 * (AWS answers and request bodies, queue messages, single records, rule
 * files), never for whole log objects, which stream through stream/records.
 *
 * Reading: a tree (yajl_tree) is only built from text whose nesting was
 * checked first, because yajl builds and frees trees recursively and a
 * message of a million '[' would exhaust the stack. Accessors accept a NULL
 * value and answer "absent", so a document of the wrong shape never crashes.
 *
 * Writing: json_put_string is the one string escaper. Whatever bytes it is
 * given, it writes valid JSON and valid UTF-8 (a byte that is not part of
 * well-formed UTF-8 becomes U+FFFD).
 *
 * Checking: json_check is a strict syntax check that says at which byte and
 * line the text goes wrong, for files people write (rules).
 */
#ifndef CT_UTIL_JSON_H
#define CT_UTIL_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_tree.h>

#include "util/buf.h"
#include "util/error.h"

/* Deepest nesting any caller may allow: far more than any document here
 * needs, far less than would exhaust the stack in yajl's recursive trees. */
#define JSON_TREE_MAX_DEPTH 256

/* json_too_deep_at's answer when text stays within the limit. */
#define JSON_DEPTH_OK SIZE_MAX

/* Offsets of the elements of a top-level array, found by json_check. */
struct json_marks {
	size_t *elem; /* owned; byte offset of each top-level array element */
	size_t n;     /* elements found */
	size_t cap;   /* room in elem */
};

/* Where json_line_at got to, lines counted on from there; {0, 1} at first. */
struct json_cursor {
	size_t off;    /* a byte offset */
	unsigned line; /* its 1-based line */
};

/* --- nesting and parsing --- */

/* The offset of the '[' or '{' of text[0..len) that opens level limit + 1
 * (strings skipped, without parsing), or JSON_DEPTH_OK when none does. This
 * is the one nesting check: every tree below is built after it. */
size_t json_too_deep_at(const char *text, size_t len, size_t limit);

/* 1 when a string in text holds the escape \u0000: yajl would cut the
 * decoded string there without a word, so callers that use strings as names
 * (bucket, key) refuse such text. */
int json_has_nul_escape(const char *text, size_t len);

/* Parses text (need not be NUL-terminated; a NUL byte inside is an error)
 * into a tree owned by the caller (yajl_tree_free). Nesting beyond max_depth
 * (at most JSON_TREE_MAX_DEPTH) and comments are refused. On failure returns
 * NULL and writes one line saying why into why (without quoting the text). */
yajl_val json_parse(const char *text, size_t len, size_t max_depth, char *why, size_t whylen);

/* --- reading a tree (every value borrowed from it) --- */

/* The member named key of an object (the last one if repeated), NULL when v
 * is not an object or has no such member. */
yajl_val json_member(yajl_val v, const char *key);

/* The member as a string, NULL when absent or of another type. */
const char *json_string(yajl_val v, const char *key);

/* The boolean member: 1 or 0; dflt when absent or not a boolean. */
int json_bool(yajl_val v, const char *key, int dflt);

/* "a string", "a number", "an object", "an array", "true", "false", "null"
 * ("nothing" for NULL): for messages that say what was found. */
const char *json_kind(yajl_val v);

/* --- writing (each returns 0, or -1 when memory ran out) --- */

/* Appends s[0..n) as a quoted JSON string: '"', '\\' and control characters
 * escaped, and every byte that does not belong to well-formed UTF-8 replaced
 * by \ufffd. */
int json_put_string(struct buf *b, const char *s, size_t n);

/* Appends ,"key": (or "key": when b is empty or ends with '{') so the caller
 * can write a value after it. */
int json_put_key(struct buf *b, const char *key);

/* Members: ,"key":value as json_put_key places them. */
int json_put_member_string(struct buf *b, const char *key, const char *value);
int json_put_member_int(struct buf *b, const char *key, long long value);
int json_put_member_strings(struct buf *b, const char *key, const char *const *v, size_t n);

/* Appends v as compact JSON; numbers keep their text as written. */
int json_write(struct buf *b, yajl_val v);

/* --- checking text people write --- */

/* Strict JSON syntax check of text[0..len) (no comments, one value, valid
 * UTF-8, at most JSON_TREE_MAX_DEPTH deep). On failure: CT_ERR_JSON
 * "invalid JSON at byte N (line L): why" (or CT_ERR_NOMEM), and -1.
 * When marks is not NULL it receives the offsets of the elements of a
 * top-level array (release with json_marks_free). */
int json_check(const char *text, size_t len, struct json_marks *marks, struct ct_error *err);
void json_marks_free(struct json_marks *m);

/* 1-based line of byte offset off in text. */
unsigned json_line(const char *text, size_t len, size_t off);

/* The same, counting on from *at, which it moves to off (it starts over when
 * off is before it): increasing offsets cost one pass over text in all. */
unsigned json_line_at(const char *text, size_t len, size_t off, struct json_cursor *at);

#endif
