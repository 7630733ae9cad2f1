#include "config.h"

#include "daemon/jsonutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t
json_depth(const char *text, size_t len, size_t limit)
{
	size_t depth = 0, max = 0;
	int in_string = 0;

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
		}
	}
	return max;
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

	if (memchr(text, '\0', len) != NULL) {
		first_line(why, whylen, "contains a NUL byte");
		return NULL;
	}
	if (json_depth(text, len, max_depth) > max_depth) {
		snprintf(why, whylen, "nested deeper than %zu levels", max_depth);
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

/* Length of the sequence starting with lead byte c, 0 if c cannot start one. */
static size_t
utf8_seqlen(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t k = utf8_seqlen(p[i]);

		if (k == 0 || k > n - i)
			return 0;
		for (size_t j = 1; j < k; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
		/* overlong 3- and 4-byte forms, surrogates, beyond U+10FFFF */
		if (k == 3 &&
		    ((p[i] == 0xe0 && p[i + 1] < 0xa0) || (p[i] == 0xed && p[i + 1] >= 0xa0)))
			return 0;
		if (k == 4 &&
		    ((p[i] == 0xf0 && p[i + 1] < 0x90) || (p[i] == 0xf4 && p[i + 1] >= 0x90)))
			return 0;
		i += k;
	}
	return 1;
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
