/*
 * aws/json: the little JSON that the AWS JSON 1.0 protocol (SQS) needs.
 *
 * Request bodies are written with buf_json_string (util/buf.h) and the
 * builders below. Response bodies are parsed into a yajl tree and read with
 * accessors that never crash on a body of the wrong shape: a member that is
 * missing or of another type reads as NULL, and the caller turns that into a
 * typed error naming what was missing.
 */
#ifndef CT_AWS_JSON_H
#define CT_AWS_JSON_H

#include <stddef.h>

#include <yajl/yajl_tree.h>

#include "aws/error.h"
#include "util/buf.h"

/* Deepest nesting accepted in a response; AWS answers are a few levels deep. */
#define CTAWS_JSON_MAX_DEPTH 32

/* Error code for a 2xx answer whose body is not what the API defines. */
#define CTAWS_ERR_MALFORMED "MalformedResponse"

/* Parses a response body into a tree (owned: yajl_tree_free). NULL with err
 * filled (code CTAWS_ERR_MALFORMED) when it is not a JSON object. */
yajl_val ctaws_json_parse(
    const struct buf *body, const char *service, const char *operation, struct ctaws_error *err);

/* 1 when text nests arrays and objects at most CTAWS_JSON_MAX_DEPTH deep
 * (outside strings), else 0. Any text is checked before yajl_tree_parse,
 * whose trees are built and freed recursively. */
int ctaws_json_depth_ok(const char *text, size_t len);

/* The member key of object obj when it has type t (yajl_t_true matches both
 * booleans, yajl_t_any every type); NULL if obj is not an object, key is absent or of another type.
 */
yajl_val ctaws_json_member(yajl_val obj, const char *key, yajl_type t);

/* The string member key of obj, or NULL. Borrowed from the tree. */
const char *ctaws_json_string(yajl_val obj, const char *key);

/* The boolean member key of obj: 1 or 0; dflt when absent or not a boolean. */
int ctaws_json_bool(yajl_val obj, const char *key, int dflt);

/* Builders: append ,"key":value (or "key":value when b ends with '{').
 * All return 0, or -1 when memory ran out. */
int ctaws_json_put_string(struct buf *b, const char *key, const char *value);
int ctaws_json_put_int(struct buf *b, const char *key, long long value);
int ctaws_json_put_strings(struct buf *b, const char *key, const char *const *v, size_t n);
/* Appends ,"key": (or "key":) so the caller can write a value after it. */
int ctaws_json_put_key(struct buf *b, const char *key);

#endif
