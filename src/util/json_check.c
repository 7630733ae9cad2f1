/*
 * json_check: a strict syntax check of JSON that people write (rule files,
 * patterns), saying at which byte and line it goes wrong, and where each
 * element of a top-level array starts (so later messages can name its line).
 */
#include "util/json.h"

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
	c->depth++;
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
too_deep(const char *text, size_t len, size_t off, struct ct_error *err)
{
	return ct_error_set(err, CT_ERR_JSON,
	    "invalid JSON at byte %zu (line %u): nested deeper than %d levels", off,
	    json_line(text, len, off), JSON_TREE_MAX_DEPTH);
}

static int
check_error(struct check_ctx *c, const char *text, size_t len, size_t off, struct ct_error *err)
{
	unsigned char *why;
	size_t wlen;
	int r;

	if (c->nomem)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
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
	/* Only the text before a too deep bracket is parsed: a syntax error
	 * there is reported first, as it comes first. */
	size_t deep = json_too_deep_at(text, len, JSON_TREE_MAX_DEPTH);
	size_t n = deep == JSON_DEPTH_OK ? len : deep;
	yajl_status st;
	size_t off;
	int r = 0;

	if ((c.h = yajl_alloc(&check_callbacks, NULL, &c)) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	st = yajl_parse(c.h, (const unsigned char *)text, n);
	/* The lexer has consumed the byte it stopped at. */
	off = yajl_get_bytes_consumed(c.h);
	off = off ? off - 1 : 0;
	if (st == yajl_status_ok && deep != JSON_DEPTH_OK) {
		yajl_free(c.h);
		return too_deep(text, len, deep, err);
	}
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
