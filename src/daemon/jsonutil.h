/*
 * jsonutil: small helpers over yajl trees for the daemon's own JSON (queue
 * messages, single records), never for whole log objects.
 *
 * A tree is only built from text whose nesting was checked first: yajl frees
 * trees recursively, so a message of a million '[' must be refused before it
 * becomes a tree. Every helper accepts a NULL value and answers "absent".
 */
#ifndef CT_DAEMON_JSONUTIL_H
#define CT_DAEMON_JSONUTIL_H

#include <stddef.h>

#include <yajl/yajl_tree.h>

#include "util/buf.h"

/* Parses text (need not be NUL-terminated; a NUL byte inside is an error)
 * into a tree owned by the caller (yajl_tree_free). On failure returns NULL
 * and writes one line saying why into why. */
yajl_val json_parse(const char *text, size_t len, size_t max_depth, char *why, size_t whylen);

/* The deepest nesting of arrays and objects in text, without parsing it;
 * counting stops once limit is exceeded (returns limit + 1). */
size_t json_depth(const char *text, size_t len, size_t limit);

/* 1 when a string in text holds the escape \u0000: yajl would cut the
 * decoded string there without a word, so callers that use strings as names
 * (bucket, key) refuse such text. */
int json_has_nul_escape(const char *text, size_t len);

/* The member named key of an object (the last one if repeated), NULL when v
 * is not an object or has no such member. */
yajl_val json_member(yajl_val v, const char *key);

/* The member as a string, NULL when absent or of another type. */
const char *json_string(yajl_val v, const char *key);

/* "a string", "a number", "an object", "an array", "true", "false", "null". */
const char *json_kind(yajl_val v);

/* Appends s[0..n) as a quoted JSON string: '"', '\\' and control characters
 * escaped, and every byte that does not belong to well-formed UTF-8 replaced
 * by \ufffd, so the output is valid JSON and valid UTF-8 whatever s holds.
 * 0, or -1 when memory is short. */
int json_put_string(struct buf *b, const char *s, size_t n);

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int utf8_valid(const char *s, size_t n);

/* Replaces every control character (below 0x20, and DEL) of s[0..n) and
 * every byte that is not part of well-formed UTF-8 by repl (an ASCII byte),
 * in place: text fit to quote in a message or an SNS attribute. */
void text_scrub(char *s, size_t n, char repl);

/* The largest cut <= at (at <= len) that does not split a UTF-8 sequence of
 * s[0..len) in two. */
size_t utf8_floor(const char *s, size_t len, size_t at);

#endif
