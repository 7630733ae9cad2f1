/*
 * jsonutil: the daemon's small-JSON helpers: a depth check before any tree
 * is built, member and string lookups, and a JSON string writer. See
 * jsonutil.h.
 */
#include "config.h"

#include "daemon/jsonutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream/utf8.h"

/* Nesting depth of text, or limit + 1 once exceeded; *comment is set when
 * a '/' appears outside strings (yajl's tree parser accepts comments, which
 * JSON has not). */
static size_t
scan(const char *text, size_t len, size_t limit, int *comment)
{
	size_t depth = 0, max = 0;
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
		if (c == '"') {
			in_string = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > max && (max = depth) > limit)
				return limit + 1;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		} else if (c == '/') {
			*comment = 1;
		}
	}
	return max;
}

size_t
json_depth(const char *text, size_t len, size_t limit)
{
	int comment;

	return scan(text, len, limit, &comment);
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
 * arrow); the first line says what is wrong. */
static void
first_line(char *why, size_t whylen, const char *msg)
{
	size_t n = strcspn(msg, "\n");

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

	if (memchr(text, '\0', len) != NULL) {
		first_line(why, whylen, "contains a NUL byte");
		return NULL;
	}
	if (scan(text, len, max_depth, &comment) > max_depth) {
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

int
utf8_valid(const char *s, size_t n)
{
	return utf8_valid_prefix((const unsigned char *)s, n) == n;
}

void
text_scrub(char *s, size_t n, char repl)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = repl;
	for (size_t i = 0; i < n; i++) {
		i += utf8_valid_prefix((const unsigned char *)s + i, n - i);
		if (i < n)
			s[i] = repl;
	}
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
		if (buf_json_escape(b, s + i, k) == -1)
			return -1;
		if ((i += k) < n) {
			if (buf_puts(b, "\\ufffd") == -1)
				return -1;
			i++;
		}
	}
	return buf_putc(b, '"');
}

size_t
utf8_floor(const char *s, size_t len, size_t at)
{
	if (at >= len)
		return len;
	while (at > 0 && ((unsigned char)s[at] & 0xc0) == 0x80)
		at--;
	return at;
}
