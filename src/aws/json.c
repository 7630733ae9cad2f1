/*
 * aws/json: parse AWS JSON 1.0 responses and build request bodies.
 */
#include <stdio.h>
#include <string.h>

#include "aws/json.h"

/*
 * yajl_tree builds and frees recursively, so a hostile body of a million '['
 * would exhaust the stack. Count the nesting first (outside strings); AWS
 * answers never come near the limit.
 */
int
ctaws_json_depth_ok(const char *s, size_t n)
{
	size_t i;
	int depth = 0, in_str = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '{' || c == '[') {
			if (++depth > CTAWS_JSON_MAX_DEPTH)
				return 0;
		} else if ((c == '}' || c == ']') && depth > 0)
			depth--;
	}
	return 1;
}

yajl_val
ctaws_json_parse(
    const struct buf *body, const char *service, const char *operation, struct ctaws_error *err)
{
	char ebuf[256];
	yajl_val v;
	char *nl;

	if (body->data == NULL || body->len == 0) {
		ctaws_error_set(err, service, operation, 0, CTAWS_ERR_MALFORMED, 0,
		    "empty response body where a JSON object was expected");
		return NULL;
	}
	if (strlen(body->data) != body->len) {
		ctaws_error_set(err, service, operation, 0, CTAWS_ERR_MALFORMED, 0,
		    "response body holds a NUL byte at offset %zu", strlen(body->data));
		return NULL;
	}
	if (!ctaws_json_depth_ok(body->data, body->len)) {
		ctaws_error_set(err, service, operation, 0, CTAWS_ERR_MALFORMED, 0,
		    "response body nests deeper than %d levels", CTAWS_JSON_MAX_DEPTH);
		return NULL;
	}
	ebuf[0] = '\0';
	if ((v = yajl_tree_parse(body->data, ebuf, sizeof(ebuf))) == NULL) {
		if ((nl = strchr(ebuf, '\n')) != NULL)
			*nl = '\0';
		ctaws_error_set(err, service, operation, 0, CTAWS_ERR_MALFORMED, 0,
		    "response body is not valid JSON: %s", ebuf[0] ? ebuf : "parse error");
		return NULL;
	}
	if (!YAJL_IS_OBJECT(v)) {
		yajl_tree_free(v);
		ctaws_error_set(err, service, operation, 0, CTAWS_ERR_MALFORMED, 0,
		    "response body is JSON but not an object");
		return NULL;
	}
	return v;
}

yajl_val
ctaws_json_member(yajl_val obj, const char *key, yajl_type t)
{
	size_t i;

	if (obj == NULL || !YAJL_IS_OBJECT(obj))
		return NULL;
	for (i = 0; i < obj->u.object.len; i++) {
		yajl_val v = obj->u.object.values[i];

		if (strcmp(obj->u.object.keys[i], key) != 0)
			continue;
		if (v == NULL)
			return NULL;
		if (t == yajl_t_any || v->type == t ||
		    (t == yajl_t_true && v->type == yajl_t_false))
			return v;
		return NULL;
	}
	return NULL;
}

const char *
ctaws_json_string(yajl_val obj, const char *key)
{
	yajl_val v = ctaws_json_member(obj, key, yajl_t_string);

	return v ? v->u.string : NULL;
}

int
ctaws_json_bool(yajl_val obj, const char *key, int dflt)
{
	yajl_val v = ctaws_json_member(obj, key, yajl_t_true);

	if (v == NULL)
		return dflt;
	return v->type == yajl_t_true;
}

int
ctaws_json_put_key(struct buf *b, const char *key)
{
	if (b->len > 0 && b->data[b->len - 1] != '{' && buf_putc(b, ',') == -1)
		return -1;
	if (buf_json_string(b, key, strlen(key)) == -1)
		return -1;
	return buf_putc(b, ':');
}

int
ctaws_json_put_string(struct buf *b, const char *key, const char *value)
{
	if (ctaws_json_put_key(b, key) == -1)
		return -1;
	return buf_json_string(b, value, strlen(value));
}

int
ctaws_json_put_int(struct buf *b, const char *key, long long value)
{
	if (ctaws_json_put_key(b, key) == -1)
		return -1;
	return buf_printf(b, "%lld", value);
}

int
ctaws_json_put_strings(struct buf *b, const char *key, const char *const *v, size_t n)
{
	size_t i;

	if (ctaws_json_put_key(b, key) == -1 || buf_putc(b, '[') == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (i > 0 && buf_putc(b, ',') == -1)
			return -1;
		if (buf_json_string(b, v[i], strlen(v[i])) == -1)
			return -1;
	}
	return buf_putc(b, ']');
}
