/*
 * The S3 operations of the service case files (see svc_case.h): the pieces
 * of GetObject and the redirect logic that need no server.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "aws/s3.h"
#include "svc_case.h"

/* A response from the case: input "status=N code=C", headers, response. */
static void
make_response(struct svc_ctx *ctx, struct ctaws_response *r, struct ctaws_error *err)
{
	const char *h = svc_case_get(ctx->c, "headers");
	const char *body = svc_case_get(ctx->c, "response");
	char line[1024] = "";
	struct svc_kvs kv;
	size_t i;

	ctaws_response_init(r);
	ctaws_error_clear(err);
	svc_line(svc_case_get(ctx->c, "input"), 0, line, sizeof(line));
	svc_kvs_parse(line, &kv);
	r->status = svc_kvs_int(&kv, "status", 200);
	if (svc_kvs_get(&kv, "code"))
		ctaws_error_set(
		    err, "s3", "GetObject", r->status, svc_kvs_get(&kv, "code"), 0, "x");
	for (i = 0; h && svc_line(h, i, line, sizeof(line)) == 0; i++)
		buf_printf(&r->headers, "%s\r\n", line);
	if (body)
		buf_puts(&r->body, body);
	svc_kvs_free(&kv);
}

static void
op_redirect_region(struct svc_ctx *ctx)
{
	struct ctaws_response r;
	struct ctaws_error err;
	char region[32];

	make_response(ctx, &r, &err);
	if (s3_redirect_region(&r, &err, region, sizeof(region)) == 0)
		buf_printf(&ctx->out, "%s\n", region);
	else
		buf_puts(&ctx->out, "none\n");
	ctaws_response_free(&r);
}

static void
op_object_info(struct svc_ctx *ctx)
{
	struct s3_object_info info;
	struct ctaws_response r;
	struct ctaws_error err;

	make_response(ctx, &r, &err);
	s3_object_info_from(&r, &info);
	buf_printf(&ctx->out, "size=%lld etag=%s encoding=%s type=%s\n", info.size, info.etag,
	    info.content_encoding, info.content_type);
	ctaws_response_free(&r);
}

static void
op_content_range(struct svc_ctx *ctx)
{
	long long start, end, total;
	char line[256];
	size_t i;

	for (i = 0; svc_line(svc_case_get(ctx->c, "input"), i, line, sizeof(line)) == 0; i++) {
		if (s3_content_range(line, &start, &end, &total) == 0)
			buf_printf(&ctx->out, "%lld %lld %lld\n", start, end, total);
		else
			buf_puts(&ctx->out, "invalid\n");
	}
}

const struct svc_op s3_ops[] = {
    {"s3-redirect-region", op_redirect_region},
    {"s3-object-info", op_object_info},
    {"s3-content-range", op_content_range},
    {NULL, NULL},
};
