/*
 * Patterns written natively in libconfig syntax, converted to EventBridge JSON.
 *
 *   group { a = ...; }   -> object {"a": ...}
 *   list ( ... )         -> array (any values, groups too)
 *   array [ ... ]        -> array (scalars of one type)
 *   "text", 12, 12L, 1.5, true
 *                        -> string, number, number, number, boolean
 *
 * What libconfig cannot spell is written with setting names that begin with
 * '*' (a name no CloudTrail field has):
 *
 *   *or = ( {...}, {...} );                        -> "$or": [{...}, {...}]
 *   *fields = ( { key = "aws:SourceIp"; value = [...]; } );
 *                                                  -> "aws:SourceIp": [...]
 *   { *null = true; }                              -> null
 *
 * docs/rules.md has the whole table.
 */
#include "rules/internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "util/utf8.h"
#include "util/json.h"

/* The keys written so far into one object, to refuse duplicates. */
struct keys {
	const char **v; /* borrowed from the settings */
	size_t n, cap;
};

struct conv {
	struct buf *out;
	const config_setting_t **where; /* set to the offending setting */
	struct ct_error *err;
};

static int convert(struct conv *c, const config_setting_t *s);

static int fail(struct conv *c, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct conv *c, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	*c->where = s;
	va_start(ap, fmt);
	ct_error_vset(c->err, CT_ERR_CONFIG, fmt, ap);
	va_end(ap);
	return -1;
}

static int
nomem(struct conv *c)
{
	return ct_error_set(c->err, CT_ERR_NOMEM, "out of memory");
}

/* Whether the NUL-terminated s is UTF-8 (JSON text must be). */
static int
utf8_string(const char *s)
{
	return utf8_valid(s, strlen(s));
}

/* The shortest text that reads back as d, and still reads as a float:
 * 300.0, 1.5, 1e+21. */
static int
put_float(struct conv *c, const config_setting_t *s, double d)
{
	char text[40];

	if (!isfinite(d))
		return fail(c, s, "a number must be finite");
	if (d == floor(d) && fabs(d) < 1e15) {
		snprintf(text, sizeof(text), "%.1f", d);
	} else {
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(text, sizeof(text), "%.*g", prec, d);
			if (strtod(text, NULL) == d)
				break;
		}
		if (strpbrk(text, ".e") == NULL)
			strcat(text, ".0");
	}
	return buf_puts(c->out, text) == -1 ? nomem(c) : 0;
}

static int
put_scalar(struct conv *c, const config_setting_t *s)
{
	const char *str;
	int r;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		r = buf_printf(c->out, "%d", config_setting_get_int(s));
		break;
	case CONFIG_TYPE_INT64:
		r = buf_printf(c->out, "%lld", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		return put_float(c, s, config_setting_get_float(s));
	case CONFIG_TYPE_BOOL:
		r = buf_puts(c->out, config_setting_get_bool(s) ? "true" : "false");
		break;
	case CONFIG_TYPE_STRING:
		str = config_setting_get_string(s);
		if (!utf8_string(str))
			return fail(c, s, "a string is not valid UTF-8");
		r = json_put_string(c->out, str, strlen(str));
		break;
	default:
		return fail(c, s, "unexpected setting type");
	}
	return r == -1 ? nomem(c) : 0;
}

static int
put_key(struct conv *c, struct keys *k, const config_setting_t *s, const char *key)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->v[i], key) == 0)
			return fail(c, s, "duplicate key '%s'", key);
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 8;
		const char **v = realloc(k->v, cap * sizeof(*v));

		if (v == NULL)
			return nomem(c);
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n++] = key;
	if ((k->n > 1 && buf_putc(c->out, ',') == -1) ||
	    json_put_string(c->out, key, strlen(key)) == -1 || buf_putc(c->out, ':') == -1)
		return nomem(c);
	return 0;
}

/* One { key = "..."; value = ...; } of a *fields list. */
static int
put_field(struct conv *c, struct keys *k, const config_setting_t *f)
{
	const config_setting_t *key = NULL, *value = NULL;

	if (!config_setting_is_group(f))
		return fail(
		    c, f, "*fields: each element must be a group { key = \"...\"; value = ...; }");
	for (int i = 0; i < config_setting_length(f); i++) {
		const config_setting_t *m = config_setting_get_elem(f, i);
		const char *name = config_setting_name(m);

		if (strcmp(name, "key") == 0)
			key = m;
		else if (strcmp(name, "value") == 0)
			value = m;
		else
			return fail(
			    c, m, "*fields: unknown setting '%s' (expected key and value)", name);
	}
	if (key == NULL || config_setting_type(key) != CONFIG_TYPE_STRING)
		return fail(
		    c, key ? key : f, "*fields: each element needs key = \"...\" (a string)");
	if (value == NULL)
		return fail(c, f, "*fields: key '%s' has no value", config_setting_get_string(key));
	if (!utf8_string(config_setting_get_string(key)))
		return fail(c, key, "*fields: key is not valid UTF-8");
	if (put_key(c, k, key, config_setting_get_string(key)) == -1)
		return -1;
	return convert(c, value);
}

static int
put_member(struct conv *c, struct keys *k, const config_setting_t *m)
{
	const char *name = config_setting_name(m);

	if (name[0] != '*') {
		if (put_key(c, k, m, name) == -1)
			return -1;
		return convert(c, m);
	}
	if (strcmp(name, "*or") == 0) {
		if (!config_setting_is_list(m))
			return fail(c, m, "*or must be a list ( {...}, {...} ) of groups");
		if (put_key(c, k, m, "$or") == -1)
			return -1;
		return convert(c, m);
	}
	if (strcmp(name, "*fields") == 0) {
		if (!config_setting_is_list(m))
			return fail(
			    c, m, "*fields must be a list ( { key = \"...\"; value = ...; } )");
		for (int i = 0; i < config_setting_length(m); i++)
			if (put_field(c, k, config_setting_get_elem(m, i)) == -1)
				return -1;
		return 0;
	}
	if (strcmp(name, "*null") == 0)
		return fail(c, m, "*null must be alone in its group: { *null = true; }");
	return fail(c, m, "unknown special setting '%s' (expected *or, *fields or *null)", name);
}

static int
put_group(struct conv *c, const config_setting_t *s)
{
	struct keys k = {NULL, 0, 0};
	int n = config_setting_length(s), r = 0;

	if (n == 1 && strcmp(config_setting_name(config_setting_get_elem(s, 0)), "*null") == 0) {
		const config_setting_t *m = config_setting_get_elem(s, 0);

		if (config_setting_type(m) != CONFIG_TYPE_BOOL || !config_setting_get_bool(m))
			return fail(c, m, "*null must be written { *null = true; }");
		return buf_puts(c->out, "null") == -1 ? nomem(c) : 0;
	}
	if (buf_putc(c->out, '{') == -1)
		return nomem(c);
	for (int i = 0; i < n && r == 0; i++)
		r = put_member(c, &k, config_setting_get_elem(s, i));
	free(k.v);
	if (r == 0 && buf_putc(c->out, '}') == -1)
		return nomem(c);
	return r;
}

static int
convert(struct conv *c, const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return put_group(c, s);
	case CONFIG_TYPE_LIST:
	case CONFIG_TYPE_ARRAY:
		if (buf_putc(c->out, '[') == -1)
			return nomem(c);
		for (int i = 0; i < config_setting_length(s); i++) {
			if (i && buf_putc(c->out, ',') == -1)
				return nomem(c);
			if (convert(c, config_setting_get_elem(s, i)) == -1)
				return -1;
		}
		return buf_putc(c->out, ']') == -1 ? nomem(c) : 0;
	default:
		return put_scalar(c, s);
	}
}

int
native_pattern(const config_setting_t *s, struct buf *out, const config_setting_t **where,
    struct ct_error *err)
{
	struct conv c = {out, where, err};

	*where = s;
	return convert(&c, s);
}
