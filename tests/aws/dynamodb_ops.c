/*
 * The DynamoDB operations of the service case files (see svc_case.h).
 *
 * dynamodb-body: the first input line names the operation and its
 * expression members ("op=UpdateItem table=T update=... condition=...
 * return=ALL_NEW consistent=1 limit=N index=I select=COUNT ..."); each line
 * after it adds a Key/Item attribute ("key=NAME s=TEXT" or "key=NAME n=N"),
 * an expression value ("value=:v n=N") or an expression name
 * ("name=#u attr=until"). Prints the body, or the error.
 * dynamodb-parse: "op=Query" and then "s=NAME" / "n=NAME" lines read from
 * the answer's item; prints what the answer holds.
 * dynamodb-table-parse: a DescribeTable answer.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/dynamodb.h"
#include "svc_case.h"
#include "util/json.h"

#define LINES_MAX 16

/* The value of a line's s= or n= word. */
static void
read_value(const struct svc_kvs *kv, const char *name, struct dynamodb_value *v)
{
	v->name = name;
	v->type = svc_kvs_get(kv, "s") ? DYNAMODB_S : DYNAMODB_N;
	v->s = svc_kvs_get(kv, "s");
	v->n = svc_kvs_int(kv, "n", 0);
}

struct parts {
	struct svc_kvs kv[LINES_MAX];
	size_t nlines;
	struct dynamodb_value key[LINES_MAX], values[LINES_MAX];
	struct ctaws_kv names[LINES_MAX];
};

static void
read_parts(struct svc_ctx *ctx, struct parts *p, struct dynamodb_request *r)
{
	const char *input = svc_case_get(ctx->c, "input");
	char line[4096];

	while (p->nlines < LINES_MAX && svc_line(input, p->nlines + 1, line, sizeof(line)) == 0) {
		struct svc_kvs *kv = &p->kv[p->nlines++];

		svc_kvs_parse(line, kv);
		if (svc_kvs_get(kv, "key"))
			read_value(kv, svc_kvs_get(kv, "key"), &p->key[r->nkey++]);
		else if (svc_kvs_get(kv, "value"))
			read_value(kv, svc_kvs_get(kv, "value"), &p->values[r->nvalues++]);
		else if (svc_kvs_get(kv, "name"))
			p->names[r->nnames++] =
			    (struct ctaws_kv){svc_kvs_get(kv, "name"), svc_kvs_get(kv, "attr")};
	}
	r->key = r->nkey ? p->key : NULL;
	r->values = r->nvalues ? p->values : NULL;
	r->names = r->nnames ? p->names : NULL;
}

static void
op_body(struct svc_ctx *ctx)
{
	struct dynamodb_request r = {0};
	struct parts p = {0};
	struct ctaws_error err;
	struct buf body = BUF_INIT;
	struct svc_kvs kv;
	char line[4096];

	svc_line(svc_case_get(ctx->c, "input"), 0, line, sizeof(line));
	svc_kvs_parse(line, &kv);
	r.table = svc_kvs_get(&kv, "table");
	r.index = svc_kvs_get(&kv, "index");
	r.update = svc_kvs_get(&kv, "update");
	r.condition = svc_kvs_get(&kv, "condition");
	r.key_condition = svc_kvs_get(&kv, "key_condition");
	r.filter = svc_kvs_get(&kv, "filter");
	r.projection = svc_kvs_get(&kv, "projection");
	r.return_values = svc_kvs_get(&kv, "return");
	r.select = svc_kvs_get(&kv, "select");
	r.consistent_read = (int)svc_kvs_int(&kv, "consistent", 0);
	r.limit = svc_kvs_int(&kv, "limit", 0);
	read_parts(ctx, &p, &r);
	if (dynamodb_request_body(svc_kvs_get(&kv, "op"), &r, &body, &err) == -1)
		svc_put_error(ctx, &err);
	else
		buf_printf(&ctx->out, "body %s\n", body.data);
	buf_free(&body);
	for (size_t i = 0; i < p.nlines; i++)
		svc_kvs_free(&p.kv[i]);
	svc_kvs_free(&kv);
}

static void
put_json(struct svc_ctx *ctx, const char *what, yajl_val v)
{
	buf_printf(&ctx->out, "%s ", what);
	if (v == NULL)
		buf_puts(&ctx->out, "-");
	else
		json_write(&ctx->out, v);
	buf_putc(&ctx->out, '\n');
}

/* The "s=NAME" / "n=NAME" lines read from item. */
static void
put_reads(struct svc_ctx *ctx, yajl_val item)
{
	char line[1024];

	for (size_t i = 1; svc_line(svc_case_get(ctx->c, "input"), i, line, sizeof(line)) == 0;
	     i++) {
		struct svc_kvs kv;
		long long n;

		svc_kvs_parse(line, &kv);
		if (svc_kvs_get(&kv, "s")) {
			const char *s = dynamodb_item_s(item, svc_kvs_get(&kv, "s"));

			buf_printf(&ctx->out, "s %s %s\n", svc_kvs_get(&kv, "s"), s ? s : "(none)");
		} else if (svc_kvs_get(&kv, "n")) {
			if (dynamodb_item_n(item, svc_kvs_get(&kv, "n"), &n) == 0)
				buf_printf(&ctx->out, "n %s %lld\n", svc_kvs_get(&kv, "n"), n);
			else
				buf_printf(&ctx->out, "n %s (none)\n", svc_kvs_get(&kv, "n"));
		}
		svc_kvs_free(&kv);
	}
}

static void
op_parse(struct svc_ctx *ctx)
{
	struct buf body = svc_section_buf(ctx->c, "response");
	struct dynamodb_answer a;
	struct ctaws_error err;
	struct svc_kvs kv;
	char line[1024] = "";

	svc_line(svc_case_get(ctx->c, "input"), 0, line, sizeof(line));
	svc_kvs_parse(line, &kv);
	if (dynamodb_answer_parse(svc_kvs_get(&kv, "op"), &body, &a, &err) == -1) {
		svc_put_error(ctx, &err);
		ck_assert_msg(a.root == NULL, "an answer left after an error");
		svc_kvs_free(&kv);
		return;
	}
	put_json(ctx, "item", a.item);
	buf_printf(&ctx->out, "items %zu count %ld\n", a.items ? a.items->u.array.len : 0, a.count);
	put_json(ctx, "last_key", a.last_key);
	put_reads(ctx, a.item
	                   ? a.item
	                   : (a.items && a.items->u.array.len ? a.items->u.array.values[0] : NULL));
	dynamodb_answer_free(&a);
	svc_kvs_free(&kv);
}

static void
op_table_parse(struct svc_ctx *ctx)
{
	struct buf body = svc_section_buf(ctx->c, "response");
	struct dynamodb_table t;
	struct ctaws_error err;

	if (dynamodb_table_parse(&body, &t, &err) == -1) {
		svc_put_error(ctx, &err);
		return;
	}
	buf_printf(&ctx->out, "status %s key %s/%s\n", t.status, t.key.hash,
	    t.key.range[0] ? t.key.range : "-");
	for (size_t i = 0; i < t.nindex; i++)
		buf_printf(&ctx->out, "index %s %s key %s/%s\n", t.index[i].name,
		    t.index[i].status[0] ? t.index[i].status : "-", t.index[i].key.hash,
		    t.index[i].key.range[0] ? t.index[i].key.range : "-");
}

const struct svc_op dynamodb_ops[] = {
    {"dynamodb-body", op_body},
    {"dynamodb-parse", op_parse},
    {"dynamodb-table-parse", op_table_parse},
    {NULL, NULL},
};
