/*
 * json: nesting check, tree parsing, member accessors and writers for the
 * small JSON documents of every layer (see json.h).
 */
#include "util/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

/* One pass over text outside strings: the offset of the bracket that opens
 * level limit + 1 (JSON_DEPTH_OK if none), and whether a '/' appears
 * (yajl's tree parser accepts comments, which JSON has not). */
static size_t
walk(const char *text, size_t len, size_t limit, int *comment)
{
	size_t depth = 0;
	int in_string = 0;

	*comment = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
			continue;
		}
		if (c == '"')
			in_string = 1;
		else if ((c == '[' || c == '{') && ++depth > limit)
			return i;
		else if ((c == ']' || c == '}') && depth > 0)
			depth--;
		else if (c == '/')
			*comment = 1;
	}
	return JSON_DEPTH_OK;
}

size_t
json_too_deep_at(const char *text, size_t len, size_t limit)
{
	int comment;

	return walk(text, len, limit, &comment);
}

int
json_has_nul_escape(const char *text, size_t len)
{
	int in_string = 0;

	for (size_t i = 0; i < len; i++) {
		if (!in_string) {
			in_string = text[i] == '"';
			continue;
		}
		if (text[i] == '"') {
			in_string = 0;
		} else if (text[i] == '\\') {
			if (len - i >= 6 && memcmp(text + i + 1, "u0000", 5) == 0)
				return 1;
			i++;
		}
	}
	return 0;
}

/* yajl's message spans several lines (the text around the error and an
 * arrow); the first line says what is wrong without quoting the text. */
static void
first_line(char *why, size_t whylen, const char *msg)
{
	size_t n = strcspn(msg, "\n");

	if (whylen == 0)
		return;
	if (n >= whylen)
		n = whylen - 1;
	memcpy(why, msg, n);
	why[n] = '\0';
	while (n > 0 && (why[n - 1] == ' ' || why[n - 1] == '.'))
		why[--n] = '\0';
}

yajl_val
json_parse(const char *text, size_t len, size_t max_depth, char *why, size_t whylen)
{
	char errbuf[512];
	yajl_val v;
	char *copy;
	int comment;

	if (max_depth > JSON_TREE_MAX_DEPTH)
		max_depth = JSON_TREE_MAX_DEPTH;
	if (memchr(text, '\0', len) != NULL) {
		first_line(why, whylen, "contains a NUL byte");
		return NULL;
	}
	if (walk(text, len, max_depth, &comment) != JSON_DEPTH_OK) {
		snprintf(why, whylen, "nested deeper than %zu levels", max_depth);
		return NULL;
	}
	if (comment) {
		first_line(why, whylen, "a '/' outside strings (comments are not JSON)");
		return NULL;
	}
	if ((copy = malloc(len + 1)) == NULL) {
		first_line(why, whylen, "out of memory");
		return NULL;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	errbuf[0] = '\0';
	v = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
	free(copy);
	if (v == NULL)
		first_line(why, whylen, errbuf[0] ? errbuf : "invalid JSON");
	return v;
}

yajl_val
json_member(yajl_val v, const char *key)
{
	yajl_val found = NULL;

	if (v == NULL || !YAJL_IS_OBJECT(v))
		return NULL;
	for (size_t i = 0; i < v->u.object.len; i++)
		if (strcmp(v->u.object.keys[i], key) == 0)
			found = v->u.object.values[i];
	return found;
}

const char *
json_string(yajl_val v, const char *key)
{
	yajl_val m = json_member(v, key);

	return m && YAJL_IS_STRING(m) ? m->u.string : NULL;
}

int
json_bool(yajl_val v, const char *key, int dflt)
{
	yajl_val m = json_member(v, key);

	if (m == NULL || !(YAJL_IS_TRUE(m) || YAJL_IS_FALSE(m)))
		return dflt;
	return YAJL_IS_TRUE(m);
}

const char *
json_kind(yajl_val v)
{
	if (v == NULL)
		return "nothing";
	if (YAJL_IS_STRING(v))
		return "a string";
	if (YAJL_IS_NUMBER(v))
		return "a number";
	if (YAJL_IS_OBJECT(v))
		return "an object";
	if (YAJL_IS_ARRAY(v))
		return "an array";
	if (YAJL_IS_TRUE(v))
		return "true";
	if (YAJL_IS_FALSE(v))
		return "false";
	return "null";
}

/* Appends s[0..n), which is well-formed UTF-8, with the characters JSON
 * strings cannot hold as they are escaped. */
static int
escape_run(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7] = "\\";
		size_t elen = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (buf_append(b, s + run, i - run) == -1)
			return -1;
		run = i + 1;
		switch (c) {
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		}
		if (buf_append(b, esc, elen) == -1)
			return -1;
	}
	return buf_append(b, s + run, n - run);
}

int
json_put_string(struct buf *b, const char *s, size_t n)
{
	size_t i = 0, k;

	if (buf_reserve(b, n + 2) == -1 || buf_putc(b, '"') == -1)
		return -1;
	while (i < n) {
		/* a well-formed run, escaped, then a byte that is not: U+FFFD */
		k = utf8_valid_prefix((const unsigned char *)s + i, n - i);
		if (escape_run(b, s + i, k) == -1)
			return -1;
		if ((i += k) < n) {
			if (buf_puts(b, "\\ufffd") == -1)
				return -1;
			i++;
		}
	}
	return buf_putc(b, '"');
}

int
json_put_key(struct buf *b, const char *key)
{
	if (b->len > 0 && b->data[b->len - 1] != '{' && buf_putc(b, ',') == -1)
		return -1;
	if (json_put_string(b, key, strlen(key)) == -1)
		return -1;
	return buf_putc(b, ':');
}

int
json_put_member_string(struct buf *b, const char *key, const char *value)
{
	if (json_put_key(b, key) == -1)
		return -1;
	return json_put_string(b, value, strlen(value));
}

int
json_put_member_int(struct buf *b, const char *key, long long value)
{
	if (json_put_key(b, key) == -1)
		return -1;
	return buf_printf(b, "%lld", value);
}

int
json_put_member_strings(struct buf *b, const char *key, const char *const *v, size_t n)
{
	if (json_put_key(b, key) == -1 || buf_putc(b, '[') == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && buf_putc(b, ',') == -1)
			return -1;
		if (json_put_string(b, v[i], strlen(v[i])) == -1)
			return -1;
	}
	return buf_putc(b, ']');
}

/* The members of object v, compact. */
static int
write_object(struct buf *b, yajl_val v)
{
	if (buf_putc(b, '{') == -1)
		return -1;
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *k = v->u.object.keys[i];

		if ((i && buf_putc(b, ',') == -1) || json_put_string(b, k, strlen(k)) == -1 ||
		    buf_putc(b, ':') == -1 || json_write(b, v->u.object.values[i]) == -1)
			return -1;
	}
	return buf_putc(b, '}');
}

int
json_write(struct buf *b, yajl_val v)
{
	switch (v->type) {
	case yajl_t_string:
		return json_put_string(b, v->u.string, strlen(v->u.string));
	case yajl_t_number:
		return buf_puts(b, v->u.number.r);
	case yajl_t_true:
		return buf_puts(b, "true");
	case yajl_t_false:
		return buf_puts(b, "false");
	case yajl_t_null:
		return buf_puts(b, "null");
	case yajl_t_object:
		return write_object(b, v);
	case yajl_t_array:
		if (buf_putc(b, '[') == -1)
			return -1;
		for (size_t i = 0; i < v->u.array.len; i++)
			if ((i && buf_putc(b, ',') == -1) ||
			    json_write(b, v->u.array.values[i]) == -1)
				return -1;
		return buf_putc(b, ']');
	default:
		return -1;
	}
}
