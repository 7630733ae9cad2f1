/*
 * JSON helpers of the rule loaders: a strict syntax check that says where the
 * text goes wrong, and a compact writer for parsed values.
 */
#include "rules/internal.h"

#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

/* Walk state of json_check: depth and where each top-level element starts. */
struct check_ctx {
	yajl_handle h;
	struct json_marks *marks;
	int depth;     /* containers open */
	int top_array; /* the outermost value is an array */
	int nomem;
	int too_deep; /* stopped at RULES_JSON_MAX_DEPTH */
};

static int
mark(struct check_ctx *c)
{
	struct json_marks *m = c->marks;
	size_t off;

	if (m == NULL || !c->top_array || c->depth != 1)
		return 1;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		size_t *v = realloc(m->elem, cap * sizeof(*v));

		if (v == NULL) {
			c->nomem = 1;
			return 0;
		}
		m->elem = v;
		m->cap = cap;
	}
	/* The lexer stands after the token that opened the element. */
	off = yajl_get_bytes_consumed(c->h);
	m->elem[m->n++] = off ? off - 1 : 0;
	return 1;
}

static int
on_scalar(void *ctx)
{
	return mark(ctx);
}

static int
on_null(void *ctx)
{
	return on_scalar(ctx);
}

static int
on_bool(void *ctx, int b)
{
	return on_scalar(ctx);
}

static int
on_number(void *ctx, const char *s, size_t n)
{
	return on_scalar(ctx);
}

static int
on_string(void *ctx, const unsigned char *s, size_t n)
{
	return on_scalar(ctx);
}

static int
on_key(void *ctx, const unsigned char *s, size_t n)
{
	return 1;
}

static int
on_open(struct check_ctx *c, int is_array)
{
	if (c->depth == 0)
		c->top_array = is_array;
	if (!mark(c))
		return 0;
	if (++c->depth > RULES_JSON_MAX_DEPTH) {
		c->too_deep = 1;
		return 0;
	}
	return 1;
}

static int
on_start_map(void *ctx)
{
	return on_open(ctx, 0);
}

static int
on_start_array(void *ctx)
{
	return on_open(ctx, 1);
}

static int
on_close(void *ctx)
{
	((struct check_ctx *)ctx)->depth--;
	return 1;
}

static const yajl_callbacks check_callbacks = {
    on_null,
    on_bool,
    NULL,
    NULL,
    on_number,
    on_string,
    on_start_map,
    on_key,
    on_close,
    on_start_array,
    on_close,
};

unsigned
json_line_at(const char *text, size_t len, size_t off, struct json_cursor *at)
{
	const char *p, *end;

	if (off > len)
		off = len;
	if (off < at->off) {
		at->off = 0;
		at->line = 1;
	}
	p = text + at->off;
	end = text + off;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		at->line++;
		p++;
	}
	at->off = off;
	return at->line;
}

unsigned
json_line(const char *text, size_t len, size_t off)
{
	struct json_cursor at = {0, 1};

	return json_line_at(text, len, off, &at);
}

static int
check_error(struct check_ctx *c, const char *text, size_t len, size_t off, struct ct_error *err)
{
	unsigned char *why;
	size_t wlen;
	int r;

	if (c->nomem)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	if (c->too_deep)
		return ct_error_set(err, CT_ERR_JSON,
		    "invalid JSON at byte %zu (line %u): nested deeper than %d levels", off,
		    json_line(text, len, off), RULES_JSON_MAX_DEPTH);
	if ((why = yajl_get_error(c->h, 0, NULL, 0)) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	wlen = strlen((char *)why);
	while (wlen && (why[wlen - 1] == '\n' || why[wlen - 1] == ' '))
		wlen--;
	r = ct_error_set(err, CT_ERR_JSON, "invalid JSON at byte %zu (line %u): %.*s", off,
	    json_line(text, len, off), (int)wlen, (char *)why);
	yajl_free_error(c->h, why);
	return r;
}

int
json_check(const char *text, size_t len, struct json_marks *marks, struct ct_error *err)
{
	struct check_ctx c = {.marks = marks};
	yajl_status st;
	size_t off;
	int r = 0;

	if ((c.h = yajl_alloc(&check_callbacks, NULL, &c)) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	st = yajl_parse(c.h, (const unsigned char *)text, len);
	/* The lexer has consumed the byte it stopped at. */
	off = yajl_get_bytes_consumed(c.h);
	off = off ? off - 1 : 0;
	if (st == yajl_status_ok) {
		st = yajl_complete_parse(c.h);
		off = len; /* only "premature EOF" is left to find */
	}
	if (st != yajl_status_ok)
		r = check_error(&c, text, len, off, err);
	yajl_free(c.h);
	return r;
}

void
json_marks_free(struct json_marks *m)
{
	free(m->elem);
	m->elem = NULL;
	m->n = m->cap = 0;
}

int
json_write(struct buf *b, yajl_val v)
{
	size_t i;

	switch (v->type) {
	case yajl_t_string:
		return buf_json_string(b, v->u.string, strlen(v->u.string));
	case yajl_t_number:
		return buf_puts(b, v->u.number.r);
	case yajl_t_true:
		return buf_puts(b, "true");
	case yajl_t_false:
		return buf_puts(b, "false");
	case yajl_t_null:
		return buf_puts(b, "null");
	case yajl_t_object:
		if (buf_putc(b, '{') == -1)
			return -1;
		for (i = 0; i < v->u.object.len; i++) {
			const char *k = v->u.object.keys[i];

			if ((i && buf_putc(b, ',') == -1) ||
			    buf_json_string(b, k, strlen(k)) == -1 || buf_putc(b, ':') == -1 ||
			    json_write(b, v->u.object.values[i]) == -1)
				return -1;
		}
		return buf_putc(b, '}');
	case yajl_t_array:
		if (buf_putc(b, '[') == -1)
			return -1;
		for (i = 0; i < v->u.array.len; i++)
			if ((i && buf_putc(b, ',') == -1) ||
			    json_write(b, v->u.array.values[i]) == -1)
				return -1;
		return buf_putc(b, ']');
	default:
		return -1;
	}
}

/* The first byte of text that is not JSON white space. */
static char
json_first(const char *text)
{
	text += strspn(text, " \t\r\n");
	return *text;
}

int
json_check_pattern(const char *text, struct ct_error *err)
{
	if (json_check(text, strlen(text), NULL, err) == -1) {
		ct_error_prefix(err, "pattern");
		return -1;
	}
	if (json_first(text) != '{')
		return ct_error_set(err, CT_ERR_CONFIG, "pattern must be a JSON object");
	return 0;
}
