/*
 * The SQS operations of the service case files (see svc_case.h).
 *
 * Inputs: the first input line describes the queue ("url=... override=URL
 * region=R fips=1": an SQS endpoint override of the client, its configured
 * region, FIPS endpoints); the lines after it are the operation's own.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sqs.h"
#include "svc_case.h"
#include "util/json.h"

static void
put_request(struct svc_ctx *ctx, const struct sqs_request *r)
{
	const struct ctaws_request *q = &r->req;
	size_t i;

	buf_printf(&ctx->out, "%s %s %s path=%s region=%s\n", q->operation, q->method,
	    q->url ? q->url : "(client)", q->path ? q->path : "-",
	    q->region ? q->region : "(client)");
	for (i = 0; i < q->nheaders; i++)
		buf_printf(&ctx->out, "header %s: %s\n", q->headers[i].key, q->headers[i].value);
	buf_printf(&ctx->out, "body %.*s\n", (int)q->body_len, (const char *)q->body);
}

/* The queue of the first input line; 0, or -1 after printing the error. */
static int
open_queue(struct svc_ctx *ctx, struct sqs_queue *q)
{
	struct ctaws_client_config cfg = {0};
	struct ctaws_client *c;
	struct ctaws_error err;
	struct svc_kvs kv;
	char line[4096];
	int rc;

	svc_line(svc_case_get(ctx->c, "input"), 0, line, sizeof(line));
	svc_kvs_parse(line, &kv);
	cfg.region = svc_kvs_get(&kv, "region") ? svc_kvs_get(&kv, "region") : "us-east-1";
	cfg.endpoint_url_sqs = svc_kvs_get(&kv, "override");
	cfg.use_fips = (int)svc_kvs_int(&kv, "fips", 0);
	if ((c = ctaws_client_new(&cfg, NULL, &err)) == NULL) {
		svc_put_error(ctx, &err);
		svc_kvs_free(&kv);
		return -1;
	}
	if ((rc = sqs_queue_init(q, c, svc_kvs_get(&kv, "url"), &err)) == -1)
		svc_put_error(ctx, &err);
	ctaws_client_free(c);
	svc_kvs_free(&kv);
	return rc;
}

static void
op_queue(struct svc_ctx *ctx)
{
	struct sqs_queue q;

	if (open_queue(ctx, &q) == -1)
		return;
	buf_printf(&ctx->out, "url %s\nendpoint %s\nregion %s\n", q.url,
	    q.endpoint ? q.endpoint : "(client)", q.region[0] ? q.region : "(client)");
	sqs_queue_free(&q);
}

static void
op_receive_request(struct svc_ctx *ctx)
{
	struct sqs_receive_params p;
	struct sqs_request r;
	struct sqs_queue q;
	struct ctaws_error err;
	struct svc_kvs kv;
	char line[1024] = "";

	if (open_queue(ctx, &q) == -1)
		return;
	svc_line(svc_case_get(ctx->c, "input"), 1, line, sizeof(line));
	svc_kvs_parse(line, &kv);
	p.max_messages = (int)svc_kvs_int(&kv, "max", 0);
	p.wait_time_s = (int)svc_kvs_int(&kv, "wait", -1);
	p.visibility_timeout_s = (int)svc_kvs_int(&kv, "visibility", -1);
	if (sqs_receive_request(&r, &q, &p, &err) == -1)
		svc_put_error(ctx, &err);
	else {
		put_request(ctx, &r);
		sqs_request_free(&r);
	}
	svc_kvs_free(&kv);
	sqs_queue_free(&q);
}

static void
op_receive_parse(struct svc_ctx *ctx)
{
	struct buf body = svc_section_buf(ctx->c, "response");
	struct sqs_messages m;
	struct ctaws_error err;
	size_t i;

	if (sqs_receive_parse(&body, &m, &err) == -1) {
		svc_put_error(ctx, &err);
		ck_assert_msg(m.n == 0 && m.v == NULL, "messages left after an error");
		return;
	}
	buf_printf(&ctx->out, "messages %zu\n", m.n);
	for (i = 0; i < m.n; i++) {
		const struct sqs_message *s = &m.v[i];

		buf_printf(&ctx->out,
		    "id=%s receipt=%s md5=%s count=%ld sent=%lld first=%lld len=%zu\n",
		    s->message_id, s->receipt_handle, s->md5_of_body, s->receive_count,
		    s->sent_timestamp_ms, s->first_receive_ms, s->body_len);
		buf_puts(&ctx->out, "body ");
		json_put_string(&ctx->out, s->body, s->body_len);
		buf_putc(&ctx->out, '\n');
	}
	sqs_messages_free(&m);
}

/* Entries from the input lines after `first`: "id=.. receipt=.. visibility=..". */
static size_t
read_entries(
    struct svc_ctx *ctx, size_t first, struct svc_kvs *kv, struct sqs_batch_entry *e, size_t max)
{
	char line[1024];
	size_t n = 0;

	while (n < max &&
	       svc_line(svc_case_get(ctx->c, "input"), first + n, line, sizeof(line)) == 0) {
		svc_kvs_parse(line, &kv[n]);
		e[n].id = svc_kvs_get(&kv[n], "id");
		e[n].receipt_handle = svc_kvs_get(&kv[n], "receipt");
		e[n].visibility_timeout_s = (int)svc_kvs_int(&kv[n], "visibility", 0);
		n++;
	}
	return n;
}

static void
free_entries(struct svc_kvs *kv, size_t n)
{
	while (n-- > 0)
		svc_kvs_free(&kv[n]);
}

static void
op_batch_request(struct svc_ctx *ctx)
{
	struct sqs_batch_entry e[16];
	struct svc_kvs kv[16], opkv;
	struct sqs_request r;
	struct sqs_queue q;
	struct ctaws_error err;
	char line[256] = "";
	size_t n;

	if (open_queue(ctx, &q) == -1)
		return;
	svc_line(svc_case_get(ctx->c, "input"), 1, line, sizeof(line));
	svc_kvs_parse(line, &opkv);
	n = read_entries(ctx, 2, kv, e, 16);
	if (sqs_batch_request(&r, &q, svc_kvs_get(&opkv, "op"), e, n, &err) == -1)
		svc_put_error(ctx, &err);
	else {
		put_request(ctx, &r);
		sqs_request_free(&r);
	}
	free_entries(kv, n);
	svc_kvs_free(&opkv);
	sqs_queue_free(&q);
}

static const char *const status_names[] = {"ok", "failed", "unreported"};

static void
op_batch_parse(struct svc_ctx *ctx)
{
	struct buf body = svc_section_buf(ctx->c, "response");
	struct sqs_batch_entry e[16];
	struct sqs_batch_result res;
	struct svc_kvs kv[16], opkv;
	struct ctaws_error err;
	char line[256] = "";
	size_t i, n;

	svc_line(svc_case_get(ctx->c, "input"), 0, line, sizeof(line));
	svc_kvs_parse(line, &opkv);
	n = read_entries(ctx, 1, kv, e, 16);
	if (sqs_batch_parse(svc_kvs_get(&opkv, "op"), &body, e, n, &res, &err) == -1)
		svc_put_error(ctx, &err);
	else {
		buf_printf(&ctx->out, "entries %zu failed %zu\n", res.n, res.nfailed);
		for (i = 0; i < res.n; i++) {
			const struct sqs_entry_result *r = &res.entry[i];

			buf_printf(&ctx->out, "%s %s", e[i].id, status_names[r->status]);
			if (r->status != CTAWS_ENTRY_OK)
				buf_printf(&ctx->out, " code=%s sender=%d retryable=%d message=%s",
				    r->code, r->sender_fault, r->retryable, r->message);
			buf_putc(&ctx->out, '\n');
		}
	}
	free_entries(kv, n);
	svc_kvs_free(&opkv);
}

static void
op_attributes_request(struct svc_ctx *ctx)
{
	const char *names[16];
	struct sqs_request r;
	struct sqs_queue q;
	struct ctaws_error err;
	char line[1024] = "", *p, *save = NULL;
	size_t n = 0;

	if (open_queue(ctx, &q) == -1)
		return;
	svc_line(svc_case_get(ctx->c, "input"), 1, line, sizeof(line));
	for (p = strtok_r(line, " ", &save); p && n < 16; p = strtok_r(NULL, " ", &save))
		names[n++] = p;
	if (sqs_attributes_request(&r, &q, n ? names : NULL, n, &err) == -1)
		svc_put_error(ctx, &err);
	else {
		put_request(ctx, &r);
		sqs_request_free(&r);
	}
	sqs_queue_free(&q);
}

static void
op_attributes_parse(struct svc_ctx *ctx)
{
	struct buf body = svc_section_buf(ctx->c, "response");
	struct ctaws_attrs a;
	struct ctaws_error err;
	size_t i;

	if (sqs_attributes_parse(&body, &a, &err) == -1) {
		svc_put_error(ctx, &err);
		return;
	}
	buf_printf(&ctx->out, "attributes %zu\n", a.n);
	for (i = 0; i < a.n; i++)
		buf_printf(&ctx->out, "%s=%s\n", a.v[i].name, a.v[i].value);
	if (a.n > 0)
		buf_printf(
		    &ctx->out, "lookup %s=%s\n", a.v[0].name, ctaws_attrs_get(&a, a.v[0].name));
	ctaws_attrs_free(&a);
}

const struct svc_op sqs_ops[] = {
    {"sqs-queue", op_queue},
    {"sqs-receive-request", op_receive_request},
    {"sqs-receive-parse", op_receive_parse},
    {"sqs-batch-request", op_batch_request},
    {"sqs-batch-parse", op_batch_parse},
    {"sqs-attributes-request", op_attributes_request},
    {"sqs-attributes-parse", op_attributes_parse},
    {NULL, NULL},
};
