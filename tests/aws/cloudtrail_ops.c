/*
 * The CloudTrail operations of the service case files (see svc_case.h).
 *
 * cloudtrail-keys-body: input "start=EPOCH end=EPOCH token=T" (each
 * optional); prints the request body.
 * cloudtrail-keys-parse: a ListPublicKeys answer; prints one line per key
 * ("key FINGERPRINT bytes=N from=EPOCH to=EPOCH der=FIRST-BYTES-HEX") and
 * "next TOKEN" when there is one, or the error.
 * organizations-accounts-parse: a ListAccounts answer; prints one line per
 * account ("account ID NAME status=S") and "next TOKEN", or the error.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/cloudtrail.h"
#include "aws/organizations.h"
#include "svc_case.h"

static void
op_keys_body(struct svc_ctx *ctx)
{
	struct cloudtrail_keys_params p = {0};
	struct buf body = BUF_INIT;
	struct ctaws_error err;
	struct svc_kvs kv;
	char line[1024] = "";

	svc_line(svc_case_get(ctx->c, "input") ? svc_case_get(ctx->c, "input") : "", 0, line,
	    sizeof(line));
	svc_kvs_parse(line, &kv);
	p.start = (time_t)svc_kvs_int(&kv, "start", 0);
	p.end = (time_t)svc_kvs_int(&kv, "end", 0);
	if (cloudtrail_keys_body(&p, svc_kvs_get(&kv, "token"), &body, &err) == -1)
		svc_put_error(ctx, &err);
	else
		buf_printf(&ctx->out, "%s\n", body.data);
	buf_free(&body);
	svc_kvs_free(&kv);
}

static int
print_key(void *arg, const struct cloudtrail_public_key *k)
{
	struct svc_ctx *ctx = arg;

	buf_printf(&ctx->out, "key %s bytes=%zu from=%lld to=%lld der=", k->fingerprint, k->der_len,
	    (long long)k->valid_from, (long long)k->valid_to);
	for (size_t i = 0; i < k->der_len && i < 4; i++)
		buf_printf(&ctx->out, "%02x", k->der[i]);
	buf_printf(&ctx->out, "\n");
	return 0;
}

static void
op_keys_parse(struct svc_ctx *ctx)
{
	struct buf body = svc_section_buf(ctx->c, "response");
	struct cloudtrail_keys_params p = {.on_key = print_key, .arg = ctx};
	char next[CLOUDTRAIL_TOKEN_MAX];
	struct ctaws_error err;

	if (cloudtrail_keys_parse(&body, &p, next, &err) == -1) {
		svc_put_error(ctx, &err);
		return;
	}
	if (next[0])
		buf_printf(&ctx->out, "next %s\n", next);
}

static int
print_account(void *arg, const struct organizations_account *a)
{
	struct svc_ctx *ctx = arg;

	buf_printf(&ctx->out, "account %s %s status=%s\n", a->id, a->name, a->status);
	return 0;
}

static void
op_accounts_parse(struct svc_ctx *ctx)
{
	struct buf body = svc_section_buf(ctx->c, "response");
	char next[ORGANIZATIONS_TOKEN_MAX];
	struct ctaws_error err;

	if (organizations_accounts_parse(&body, print_account, ctx, next, &err) == -1) {
		svc_put_error(ctx, &err);
		return;
	}
	if (next[0])
		buf_printf(&ctx->out, "next %s\n", next);
}

const struct svc_op cloudtrail_ops[] = {
    {"cloudtrail-keys-body", op_keys_body},
    {"cloudtrail-keys-parse", op_keys_parse},
    {"organizations-accounts-parse", op_accounts_parse},
    {NULL, NULL},
};
