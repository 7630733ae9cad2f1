/*
 * The SNS operations of the service case files (see svc_case.h).
 *
 * A message is one input line: "id=.. message=.. subject=.. json=1 group=..
 * dedup=.. attr=Name:Type:Value attr=..." (every word optional).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sns.h"
#include "svc_case.h"

#define MSG_MAX  16
#define ATTR_MAX 12

struct msgs {
	struct sns_message m[MSG_MAX];
	struct sns_attr attrs[MSG_MAX][ATTR_MAX];
	char *attr_text[MSG_MAX][ATTR_MAX]; /* owned copies split at ':' */
	struct svc_kvs kv[MSG_MAX];
	size_t n;
};

static void
read_attr(struct msgs *ms, size_t i, const char *spec)
{
	struct sns_message *m = &ms->m[i];
	size_t k = m->nattrs;
	char *t, *c1, *c2;

	if (k == ATTR_MAX)
		return;
	t = ms->attr_text[i][k] = strdup(spec);
	c1 = strchr(t, ':');
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (c1)
		*c1 = '\0';
	if (c2)
		*c2 = '\0';
	ms->attrs[i][k] = (struct sns_attr){t, c1 ? c1 + 1 : NULL, c2 ? c2 + 1 : NULL};
	m->attrs = ms->attrs[i];
	m->nattrs = k + 1;
}

/* Messages from the input lines starting at `first`. */
static void
read_msgs(struct svc_ctx *ctx, size_t first, struct msgs *ms)
{
	char line[8192];
	size_t j;

	memset(ms, 0, sizeof(*ms));
	while (ms->n < MSG_MAX &&
	       svc_line(svc_case_get(ctx->c, "input"), first + ms->n, line, sizeof(line)) == 0) {
		struct svc_kvs *kv = &ms->kv[ms->n];
		struct sns_message *m = &ms->m[ms->n];

		svc_kvs_parse(line, kv);
		m->id = svc_kvs_get(kv, "id");
		m->message = svc_kvs_get(kv, "message");
		m->subject = svc_kvs_get(kv, "subject");
		m->structure_json = (int)svc_kvs_int(kv, "json", 0);
		m->group_id = svc_kvs_get(kv, "group");
		m->dedup_id = svc_kvs_get(kv, "dedup");
		for (j = 0; j < kv->n; j++)
			if (strcmp(kv->v[j].key, "attr") == 0)
				read_attr(ms, ms->n, kv->v[j].value);
		ms->n++;
	}
}

static void
free_msgs(struct msgs *ms)
{
	size_t i, k;

	for (i = 0; i < ms->n; i++) {
		for (k = 0; k < ms->m[i].nattrs; k++)
			free(ms->attr_text[i][k]);
		svc_kvs_free(&ms->kv[i]);
	}
}

static char *
topic_of(struct svc_ctx *ctx, struct svc_kvs *kv)
{
	char line[1024] = "";

	svc_line(svc_case_get(ctx->c, "input"), 0, line, sizeof(line));
	svc_kvs_parse(line, kv);
	return (char *)svc_kvs_get(kv, "topic");
}

/* A form body, one "key=value" per line for readable cases. */
static void
put_form(struct svc_ctx *ctx, const struct buf *form)
{
	size_t i;

	for (i = 0; i < form->len; i++)
		buf_putc(&ctx->out, form->data[i] == '&' ? '\n' : form->data[i]);
	buf_putc(&ctx->out, '\n');
}

static void
op_publish_body(struct svc_ctx *ctx)
{
	struct buf form = BUF_INIT;
	struct svc_kvs kv;
	struct msgs *ms = calloc(1, sizeof(*ms));
	const char *topic = topic_of(ctx, &kv);

	read_msgs(ctx, 1, ms);
	ck_assert_int_eq(sns_publish_body(&form, topic, &ms->m[0]), 0);
	put_form(ctx, &form);
	buf_free(&form);
	free_msgs(ms);
	free(ms);
	svc_kvs_free(&kv);
}

static void
op_batch_body(struct svc_ctx *ctx)
{
	struct buf form = BUF_INIT;
	struct svc_kvs kv;
	struct msgs *ms = calloc(1, sizeof(*ms));
	const char *topic = topic_of(ctx, &kv);

	read_msgs(ctx, 1, ms);
	ck_assert_int_eq(sns_publish_batch_body(&form, topic, ms->m, ms->n), 0);
	put_form(ctx, &form);
	buf_free(&form);
	free_msgs(ms);
	free(ms);
	svc_kvs_free(&kv);
}

/* First line "mode=publish" or "mode=batch", then the messages. */
static void
op_validate(struct svc_ctx *ctx)
{
	struct msgs *ms = calloc(1, sizeof(*ms));
	struct ctaws_error err;
	struct svc_kvs kv;
	char line[256] = "";
	int rc;
	size_t i;

	svc_line(svc_case_get(ctx->c, "input"), 0, line, sizeof(line));
	svc_kvs_parse(line, &kv);
	read_msgs(ctx, 1, ms);
	if (strcmp(svc_kvs_get(&kv, "mode"), "batch") == 0)
		rc = sns_batch_validate(ms->m, ms->n, &err);
	else
		rc = sns_message_validate("Publish", &ms->m[0], 0, &err);
	if (rc == -1)
		svc_put_error(ctx, &err);
	else
		buf_puts(&ctx->out, "ok\n");
	for (i = 0; i < ms->n; i++)
		buf_printf(&ctx->out, "size %zu\n", sns_message_size(&ms->m[i]));
	free_msgs(ms);
	free(ms);
	svc_kvs_free(&kv);
}

static void
op_publish_parse(struct svc_ctx *ctx)
{
	struct buf body = svc_section_buf(ctx->c, "response");
	struct sns_publish_result r;
	struct ctaws_error err;

	if (sns_publish_parse(&body, &r, &err) == -1)
		svc_put_error(ctx, &err);
	else
		buf_printf(&ctx->out, "message-id %s\nsequence %s\n", r.message_id,
		    r.sequence_number[0] ? r.sequence_number : "-");
}

static const char *const status_names[] = {"ok", "failed", "unreported"};

static void
op_batch_parse(struct svc_ctx *ctx)
{
	struct buf body = svc_section_buf(ctx->c, "response");
	struct msgs *ms = calloc(1, sizeof(*ms));
	struct sns_batch_result res;
	struct ctaws_error err;
	size_t i;

	read_msgs(ctx, 0, ms);
	if (sns_publish_batch_parse(&body, ms->m, ms->n, &res, &err) == -1)
		svc_put_error(ctx, &err);
	else {
		buf_printf(&ctx->out, "entries %zu failed %zu\n", res.n, res.nfailed);
		for (i = 0; i < res.n; i++) {
			const struct sns_entry_result *r = &res.entry[i];

			buf_printf(&ctx->out, "%s %s", ms->m[i].id, status_names[r->status]);
			if (r->status == CTAWS_ENTRY_OK)
				buf_printf(&ctx->out, " message-id=%s sequence=%s", r->message_id,
				    r->sequence_number[0] ? r->sequence_number : "-");
			else
				buf_printf(&ctx->out, " code=%s sender=%d retryable=%d message=%s",
				    r->code, r->sender_fault, r->retryable, r->message);
			buf_putc(&ctx->out, '\n');
		}
	}
	free_msgs(ms);
	free(ms);
}

static void
op_attributes_parse(struct svc_ctx *ctx)
{
	struct buf body = svc_section_buf(ctx->c, "response");
	struct ctaws_attrs a;
	struct ctaws_error err;
	size_t i;

	if (sns_topic_attributes_parse(&body, &a, &err) == -1) {
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

static void
op_topic_region(struct svc_ctx *ctx)
{
	char region[32];
	char line[1024] = "";
	size_t i;

	for (i = 0; svc_line(svc_case_get(ctx->c, "input"), i, line, sizeof(line)) == 0; i++) {
		if (sns_topic_region(line, region, sizeof(region)) == 0)
			buf_printf(&ctx->out, "%s\n", region);
		else
			buf_puts(&ctx->out, "none\n");
	}
}

const struct svc_op sns_ops[] = {
    {"sns-publish-body", op_publish_body},
    {"sns-batch-body", op_batch_body},
    {"sns-validate", op_validate},
    {"sns-publish-parse", op_publish_parse},
    {"sns-batch-parse", op_batch_parse},
    {"sns-attributes-parse", op_attributes_parse},
    {"sns-topic-region", op_topic_region},
    {NULL, NULL},
};
