/*
 * records: the SAX walk over the records of a document (a log's "Records",
 * NDJSON lines, an EventBridge event's "detail", ...: records_doc.c finds
 * them), driving the matcher.
 *
 * The callbacks are the hot path: every token of a 250 MB object comes
 * through one of them. Each first asks "am I skipping?" (one branch, then a
 * depth counter), then "am I inside a record?" (a field-tree step), and only
 * then looks at the document around the records, which is rare.
 */
#include "config.h"

#include "stream/records.h"
#include "stream/records_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "util/utf8.h"
#include "util/buf.h"

#define RECORDS_WITH(ctx) struct records *r = (struct records *)(ctx)

/* Sets r->err to "SOURCE[: line N]: <fmt>" and returns 0 (yajl's "stop"). */
int
records_stop(struct records *r, enum ct_err code, int fatal, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct_error_vset(&r->err, code, fmt, ap);
	va_end(ap);
	if (r->o.format == RECORDS_NDJSON)
		ct_error_prefix(
		    &r->err, "%s: line %llu", r->source, (unsigned long long)r->line + 1);
	else
		ct_error_prefix(&r->err, "%s", r->source);
	r->fatal = r->fatal || fatal;
	return 0;
}

/* Reports one bad record; the stream goes on. */
static void record_error(struct records *r, const struct record_ref *ref, enum ct_err code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
record_error(
    struct records *r, const struct record_ref *ref, enum ct_err code, const char *fmt, ...)
{
	struct ct_error e;
	va_list ap;

	va_start(ap, fmt);
	ct_error_vset(&e, code, fmt, ap);
	va_end(ap);
	if (r->o.format == RECORDS_NDJSON)
		ct_error_prefix(&e, "%s: line %llu", r->source, (unsigned long long)ref->line);
	else
		ct_error_prefix(&e, "%s", r->source);
	r->st.record_errors++;
	if (r->cb.on_record_error)
		r->cb.on_record_error(r->cb.arg, ref, &e);
}

static struct record_ref
new_ref(struct records *r, uint64_t offset)
{
	struct record_ref ref = {r->source, NULL, 0, r->next_index++, offset, 0};

	if (r->o.format == RECORDS_NDJSON)
		ref.line = r->line + 1;
	return ref;
}

static int
too_deep(struct records *r)
{
	return records_stop(r, CT_ERR_LIMIT, 0, "JSON nested deeper than %u levels at byte %llu",
	    r->o.max_depth, (unsigned long long)(here(r) - 1));
}

void
records_bad_record(struct records *r, uint64_t offset, enum ct_err code, const char *fmt, ...)
{
	struct record_ref ref = new_ref(r, offset);
	struct ct_error e;
	va_list ap;

	va_start(ap, fmt);
	ct_error_vset(&e, code, fmt, ap);
	va_end(ap);
	record_error(r, &ref, code, "%s", e.msg);
}

/* A record position held something other than an object. */
void
records_not_an_object(struct records *r, const char *what, uint64_t offset)
{
	records_bad_record(r, offset, CT_ERR_SHAPE,
	    "record %llu at byte %llu is not a JSON object (found %s)",
	    (unsigned long long)r->next_index, (unsigned long long)offset, what);
}

void
records_skip_container(struct records *r)
{
	r->skipping = 1;
	r->skip_depth = r->depth;
}

void
records_mark_text(struct records *r)
{
	r->rec_start = yajl_get_bytes_consumed(r->h) - 1;
	r->rec_spans = 0;
	r->rec_over = 0;
}

int
records_begin_record(struct records *r)
{
	records_mark_text(r);
	return records_open_record(r, r->base + r->rec_start);
}

int
records_open_record(struct records *r, uint64_t offset)
{
	const struct match_node *root = match_root(r->rs);

	r->ref = new_ref(r, offset);
	r->in_record = 1;
	r->rec_depth = r->depth;
	if (root == NULL) {
		records_skip_container(r); /* no rule refers to any field */
		r->next = NULL;
	} else
		r->stack[r->depth] = (struct frame){root, match_wants_value(root), 0, 0, 0, 0};
	matcher_begin(r->m);
	return 1;
}

/* Points r->ref at the record's text, the bytes up to end of the chunk;
 * -1 (and stopped) when out of memory, 0 when it is not UTF-8 (reported). */
static int
record_text(struct records *r, size_t end, uint64_t len)
{
	size_t ok;

	if (r->rec_spans) {
		if (buf_append(&r->rec, r->chunk, end) == -1) {
			records_stop(r, CT_ERR_NOMEM, 1, "out of memory keeping record %llu",
			    (unsigned long long)r->ref.index);
			return -1;
		}
		r->ref.text = r->rec.data;
	} else
		r->ref.text = r->chunk + r->rec_start;
	r->ref.len = (size_t)len;
	if ((ok = utf8_valid_prefix((const unsigned char *)r->ref.text, r->ref.len)) < r->ref.len) {
		r->ref.text = NULL;
		record_error(r, &r->ref, CT_ERR_JSON, "invalid UTF-8 at byte %llu in record %llu",
		    (unsigned long long)(r->ref.offset + ok), (unsigned long long)r->ref.index);
		return 0;
	}
	return 1;
}

static int
record_end(struct records *r)
{
	size_t end = yajl_get_bytes_consumed(r->h);
	uint64_t len = r->base + end - r->ref.offset;
	int wants_text = match_wants_text(r->rs), t = 1;
	const size_t *rules;
	size_t n;

	r->in_record = 0;
	if (r->rec_over || len > r->o.max_record) {
		record_error(r, &r->ref, CT_ERR_LIMIT,
		    "record %llu at byte %llu is larger than the maximum record size (%llu > %zu "
		    "bytes)",
		    (unsigned long long)r->ref.index, (unsigned long long)r->ref.offset,
		    (unsigned long long)len, r->o.max_record);
		return 1;
	}
	r->st.records++;
	/* the text is gathered for a match, or before one for rules that look in it */
	if (wants_text && (t = record_text(r, end, len)) == 1)
		matcher_record_text(r->m, r->ref.text, r->ref.len);
	if (t == -1)
		return 0;
	if ((n = matcher_end(r->m, &rules)) == 0)
		return 1;
	if (!wants_text)
		t = record_text(r, end, len);
	if (t <= 0)
		return t == 0;
	r->st.matched++;
	r->st.matches += n;
	if (r->cb.on_match && r->cb.on_match(r->cb.arg, &r->ref, rules, n, &r->err) == -1) {
		r->fatal = 1;
		return 0;
	}
	return 1;
}

static inline int
on_scalar(struct records *r, enum match_type t, const char *s, size_t n, size_t raw)
{
	r->tick = 1;
	if (r->skipping)
		return 1;
	if (r->in_record) {
		if (r->next_wants)
			matcher_value(r->m, r->next, t, s, n);
		return 1;
	}
	return records_outer_scalar(r, t, s, n, raw);
}

/* An object or array whose JSON text a rule looks in has ended: its text,
 * as the log has it, goes to the matcher. The text lies in the chunk, or
 * began in an earlier one and is put together from the record's kept
 * bytes; a record over the cap is dropped anyway. -1 (and stopped) when
 * out of memory. */
static int
value_text(struct records *r, const struct frame *f)
{
	uint64_t end = here(r);
	const char *p;
	size_t len = (size_t)(end - f->json_at);

	if (r->rec_over)
		return 0;
	if (f->json_at >= r->base) {
		p = r->chunk + (f->json_at - r->base);
	} else {
		size_t kept = (size_t)(r->base - f->json_at);
		buf_reset(&r->span);
		if (buf_append(&r->span, r->rec.data + (r->rec.len - kept), kept) == -1 ||
		    buf_append(&r->span, r->chunk, (size_t)(end - r->base)) == -1) {
			records_stop(r, CT_ERR_NOMEM, 1, "out of memory keeping record %llu",
			    (unsigned long long)r->ref.index);
			return -1;
		}
		p = r->span.data;
	}
	/* yajl checks UTF-8 only by the shape of its sequences */
	if (utf8_valid_prefix((const unsigned char *)p, len) == len)
		matcher_json(r->m, f->node, p, len);
	return 0;
}

static inline int
on_open(struct records *r, int is_map)
{
	r->tick = 1;
	if (++r->depth > r->o.max_depth)
		return too_deep(r);
	if (r->skipping)
		return 1;
	if (r->in_record) {
		if (r->next == NULL) {
			records_skip_container(r);
			return 1;
		}
		r->stack[r->depth] = (struct frame){r->next, r->next_wants, !is_map, 0, 0, 0};
		if (match_wants_json(r->next)) {
			r->stack[r->depth].json = 1;
			r->stack[r->depth].json_at = here(r) - 1;
		}
		/* an object in an array, where a rule needs its fields to hold together */
		if (is_map && r->stack[r->depth - 1].array && match_is_scope(r->next))
			r->stack[r->depth].element = matcher_element_begin(r->m, r->next);
		return 1;
	}
	return records_outer_open(r, is_map);
}

static inline int
on_close(struct records *r)
{
	r->tick = 1;
	if (r->skipping) {
		if (r->depth-- != r->skip_depth)
			return 1;
		r->skipping = 0;
		if (r->in_record && r->depth < r->rec_depth)
			return record_end(
			    r); /* a record skipped whole: no rule refers to anything */
		return 1;
	}
	r->depth--;
	if (r->in_record) {
		if (r->depth < r->rec_depth)
			return record_end(r);
		if (r->stack[r->depth + 1].element != 0)
			matcher_element_end(
			    r->m, r->stack[r->depth + 1].node, r->stack[r->depth + 1].element);
		if (r->stack[r->depth + 1].json && value_text(r, &r->stack[r->depth + 1]) == -1)
			return 0;
		/* Back in an array, the next element goes where the array went. */
		r->next = r->stack[r->depth].node;
		r->next_wants = r->stack[r->depth].wants;
		return 1;
	}
	return records_outer_close(r);
}

static int
cb_null(void *ctx)
{
	RECORDS_WITH(ctx);
	return on_scalar(r, MATCH_NULL, "null", 4, 4);
}

static int
cb_boolean(void *ctx, int b)
{
	RECORDS_WITH(ctx);
	return on_scalar(
	    r, b ? MATCH_TRUE : MATCH_FALSE, b ? "true" : "false", b ? 4 : 5, b ? 4 : 5);
}

static int
cb_number(void *ctx, const char *s, size_t n)
{
	RECORDS_WITH(ctx);
	return on_scalar(r, MATCH_NUMBER, s, n, n);
}

static int
cb_string(void *ctx, const unsigned char *s, size_t n)
{
	RECORDS_WITH(ctx);
	return on_scalar(r, MATCH_STRING, (const char *)s, n, n + 2);
}

static int
cb_map_key(void *ctx, const unsigned char *k, size_t n)
{
	RECORDS_WITH(ctx);
	r->tick = 1;
	if (r->skipping)
		return 1;
	if (r->in_record) {
		r->next = match_child(r->stack[r->depth].node, (const char *)k, n);
		r->next_wants = r->next && match_wants_value(r->next);
		return 1;
	}
	return records_outer_key(r, k, n);
}

static int
cb_start_map(void *ctx)
{
	RECORDS_WITH(ctx);
	return on_open(r, 1);
}

static int
cb_start_array(void *ctx)
{
	RECORDS_WITH(ctx);
	return on_open(r, 0);
}

static int
cb_end(void *ctx)
{
	RECORDS_WITH(ctx);
	return on_close(r);
}

static const yajl_callbacks callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_boolean,
    .yajl_number = cb_number, /* the literal as written: no conversion */
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_map_key,
    .yajl_end_map = cb_end,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end,
};

static int
new_parser(struct records *r)
{
	if (r->h)
		yajl_free(r->h);
	if ((r->h = yajl_alloc(&callbacks, NULL, r)) == NULL)
		return -1;
	r->depth = 0;
	r->skipping = 0;
	r->in_record = 0;
	records_doc_start(r);
	r->tick = 0;
	r->quiet = 0;
	return 0;
}

/* Turns yajl's complaint into ours. */
static void
yajl_failed(struct records *r)
{
	unsigned char *msg = yajl_get_error(r->h, 0, NULL, 0);
	const char *text = msg ? (const char *)msg : "parse error";
	/* yajl stops just past the byte it did not like */
	unsigned long long at = here(r) > r->base ? here(r) - 1 : r->base;
	size_t len = strlen(text);

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' ' || text[len - 1] == '.'))
		len--;
	if (strstr(text, "UTF8"))
		records_stop(r, CT_ERR_JSON, 0, "invalid UTF-8 in a JSON string at byte %llu", at);
	else if (strstr(text, "premature EOF") && r->st.json_bytes == 0)
		records_stop(r, CT_ERR_JSON, 0, "empty input: no JSON text");
	else if (strstr(text, "premature EOF"))
		records_stop(r, CT_ERR_JSON, 0,
		    "truncated JSON: the text ends at byte %llu inside a value",
		    (unsigned long long)r->base);
	else
		records_stop(
		    r, CT_ERR_JSON, 0, "invalid JSON at byte %llu: %.*s", at, (int)len, text);
	if (msg)
		yajl_free_error(r->h, msg);
}

/* yajl took a whole chunk: keep the open record's text, and make sure no
 * single token grows past the record cap (yajl would hold it whole). */
static int
chunk_end(struct records *r, size_t n)
{
	if ((r->in_record || r->probing) && !r->rec_over) {
		size_t have = r->rec_spans ? r->rec.len : 0;
		size_t add = n - r->rec_start;

		if (!r->rec_spans)
			buf_reset(&r->rec);
		if (have + add > r->o.max_record) {
			r->rec_over = 1;
			buf_reset(&r->rec);
		} else if (buf_append(&r->rec, r->chunk + r->rec_start, add) == -1) {
			records_stop(r, CT_ERR_NOMEM, 1, "out of memory keeping record %llu",
			    (unsigned long long)r->ref.index);
			return -1;
		}
	}
	if (r->in_record || r->probing) {
		r->rec_spans = 1;
		r->rec_start = 0;
	}
	r->base += n;
	r->st.json_bytes += n;
	if (r->tick) {
		r->tick = 0;
		r->quiet = 0;
	} else if ((r->quiet += n) > r->o.max_record) {
		records_stop(r, CT_ERR_LIMIT, 0,
		    "a JSON string or number longer than the maximum record size (%zu bytes) at "
		    "byte %llu",
		    r->o.max_record, (unsigned long long)r->base);
		return -1;
	}
	return 0;
}

int
records_parse(struct records *r, const char *p, size_t n)
{
	yajl_status st;

	r->chunk = p;
	st = yajl_parse(r->h, (const unsigned char *)p, n);
	if (st == yajl_status_ok)
		return chunk_end(r, n);
	if (st == yajl_status_error)
		yajl_failed(r);
	return -1;
}

void
records_pass(struct records *r, size_t n)
{
	r->next_index++;
	r->st.records++;
	r->st.passed++;
	r->base += n;
	r->st.json_bytes += n;
	r->quiet = 0;
}

static void
report(struct records *r, const struct record_ref *ref, const struct ct_error *e)
{
	r->st.record_errors++;
	if (r->cb.on_record_error)
		r->cb.on_record_error(r->cb.arg, ref, e);
}

/* NDJSON: a line failed. Report it as a bad record, start a fresh parser and,
 * unless the line already ended, skip what is left of it. */
static int
line_failed(struct records *r, const char *p, size_t len, int at_eol)
{
	struct record_ref ref = r->in_record ? r->ref : new_ref(r, here(r));

	report(r, &ref, &r->err);
	ct_error_clear(&r->err);
	r->base += len;
	r->st.json_bytes += len;
	r->resync = !at_eol;
	if (new_parser(r) == -1)
		return records_stop(r, CT_ERR_NOMEM, 1, "out of memory"), -1;
	return 0;
}

static int
feed_lines(struct records *r, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) + 1 : n;

		if (r->resync) {
			r->resync = nl == NULL;
			r->base += len;
			r->st.json_bytes += len;
		} else if (records_parse(r, p, len) == -1) {
			if (r->fatal || line_failed(r, p, len, nl != NULL) == -1)
				return -1;
		} else if (nl && r->depth > 0) {
			records_stop(r, CT_ERR_JSON, 0,
			    "the line ends at byte %llu inside a JSON value",
			    (unsigned long long)(r->base - 1));
			r->base -= len; /* line_failed counts the line again */
			r->st.json_bytes -= len;
			if (line_failed(r, p, len, 1) == -1)
				return -1;
		}
		if (nl)
			r->line++;
		p += len;
		n -= len;
	}
	return 0;
}

int
records_feed(struct records *r, const char *p, size_t n, struct ct_error *err)
{
	int rc;

	if (!r->failed) {
		if (r->o.format == RECORDS_NDJSON)
			rc = feed_lines(r, p, n);
		else if (r->sk != NULL)
			rc = records_skim_feed(r, p, n);
		else
			rc = records_parse(r, p, n);
		if (rc == 0)
			return 0;
		r->failed = 1;
	}
	if (err)
		*err = r->err;
	return -1;
}

static int
finish(struct records *r)
{
	r->chunk = "";
	if (r->o.format == RECORDS_NDJSON) {
		if (r->resync ||
		    (r->depth == 0 && !r->in_record && yajl_complete_parse(r->h) == yajl_status_ok))
			return 0;
		/* yajl also says "premature EOF" for a last line that is only blank. */
		if (r->depth == 0 && !r->in_record && !r->fatal && r->err.code == CT_OK)
			return 0;
		if (r->depth > 0 || r->in_record)
			records_stop(r, CT_ERR_JSON, 0,
			    "truncated JSON: the text ends at byte %llu inside a value",
			    (unsigned long long)r->base);
		if (r->fatal)
			return -1;
		return line_failed(r, "", 0, 1);
	}
	if (records_skim_finish(r) < 0)
		return -1;
	if (yajl_complete_parse(r->h) != yajl_status_ok) {
		if (r->err.code == CT_OK)
			yajl_failed(r);
		return -1;
	}
	return records_doc_finish(r);
}

int
records_finish(struct records *r, struct ct_error *err)
{
	if (!r->failed && finish(r) == 0)
		return 0;
	r->failed = 1;
	if (err)
		*err = r->err;
	return -1;
}

int
records_reset(struct records *r, const char *source, struct ct_error *err)
{
	r->source = source ? source : "-";
	r->base = 0;
	r->next_index = 0;
	r->line = 0;
	r->resync = 0;
	r->seen_records = 0;
	r->fatal = 0;
	r->failed = 0;
	ct_error_clear(&r->err);
	memset(&r->st, 0, sizeof(r->st));
	records_skim_reset(r);
	if (new_parser(r) == -1)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	return 0;
}

struct records *
records_new(const struct records_opts *o, const struct ruleset *rs, struct matcher *m,
    const struct records_cb *cb, struct ct_error *err)
{
	struct records *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto nomem;
	r->o = *o;
	if (r->o.max_record == 0)
		r->o.max_record = RECORDS_MAX_RECORD_DEFAULT;
	if (r->o.max_depth == 0)
		r->o.max_depth = RECORDS_MAX_DEPTH_DEFAULT;
	r->rs = rs;
	r->m = m;
	if (cb)
		r->cb = *cb;
	buf_init(&r->rec);
	buf_init(&r->span);
	buf_init(&r->inner_name);
	if ((r->stack = calloc((size_t)r->o.max_depth + 1, sizeof(*r->stack))) == NULL ||
	    records_skim_new(r) == -1)
		goto nomem;
	if (records_reset(r, NULL, err) == -1) {
		records_free(r);
		return NULL;
	}
	return r;
nomem:
	records_free(r);
	ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	return NULL;
}

void
records_free(struct records *r)
{
	if (r == NULL)
		return;
	if (r->h)
		yajl_free(r->h);
	buf_free(&r->rec);
	buf_free(&r->span);
	buf_free(&r->inner_name);
	records_free(r->inner);
	free(r->stack);
	records_skim_free(r);
	free(r);
}

const struct records_stats *
records_stats(const struct records *r)
{
	return &r->st;
}
