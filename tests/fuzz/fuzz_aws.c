/*
 * libFuzzer target for what AWS answers (src/aws): the SQS JSON responses,
 * the SNS and STS XML responses, S3's headers and redirects, and the error
 * answers of every service (JSON, XML, bodiless), through the XML reader.
 *
 * Input: a parser's name on the first line (see select.h), then the body the
 * parser gets. For "s3-object-info" the body is the raw header lines; for
 * "s3-redirect-region" and the "error-SERVICE" parsers, header lines, an empty line,
 * then the body.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aws/attrs.h"
#include "aws/client.h"
#include "aws/creds.h"
#include "aws/error.h"
#include "aws/s3.h"
#include "aws/sns.h"
#include "aws/sqs.h"
#include "aws/sts.h"
#include "select.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum parser {
	SQS_RECEIVE,
	SQS_BATCH,
	SQS_ATTRIBUTES,
	SNS_PUBLISH,
	SNS_BATCH,
	SNS_ATTRIBUTES,
	STS_CREDENTIALS,
	S3_OBJECT_INFO,
	S3_CONTENT_RANGE,
	S3_REDIRECT,
	ERROR_SQS,
	ERROR_SNS,
	ERROR_S3,
	ERROR_STS,
	NPARSERS
};

static const char *const parsers[NPARSERS] = {"sqs-receive-parse", "sqs-batch-parse",
    "sqs-attributes-parse", "sns-publish-parse", "sns-batch-parse", "sns-attributes-parse",
    "sts-credentials", "s3-object-info", "s3-content-range", "s3-redirect-region", "error-sqs",
    "error-sns", "error-s3", "error-sts"};

static const struct sqs_batch_entry sqs_entries[] = {
    {"0", "handle-0", 30}, {"1", "handle-1", 30}, {"m-2", "handle-2", 0}};
static const struct sns_message sns_entries[] = {
    {"0", "a", NULL, 0, NULL, NULL, NULL, 0}, {"1", "b", NULL, 0, NULL, NULL, NULL, 0}};

/* A failure must carry a code (a bodiless answer may have no message). */
static void
check_error(int rc, const struct ctaws_error *err)
{
	if (rc != 0 && err->code[0] == '\0')
		abort();
}

/* The SQS (JSON) and SNS (XML) response parsers. */
static void
parse_body(enum parser p, const struct buf *body)
{
	struct ctaws_error err;
	struct sqs_messages m = {NULL, 0};
	struct sqs_batch_result sqs_res;
	struct sns_batch_result sns_res;
	struct sns_publish_result one;
	struct ctaws_attrs attrs = {NULL, 0};
	int rc;

	memset(&err, 0, sizeof(err));
	switch (p) {
	case SQS_RECEIVE:
		rc = sqs_receive_parse(body, &m, &err);
		break;
	case SQS_BATCH:
		rc = sqs_batch_parse("DeleteMessageBatch", body, sqs_entries, 3, &sqs_res, &err);
		if (rc == 0 && (sqs_res.n != 3 || sqs_res.nfailed > 3))
			abort();
		break;
	case SQS_ATTRIBUTES:
		rc = sqs_attributes_parse(body, &attrs, &err);
		break;
	case SNS_PUBLISH:
		rc = sns_publish_parse(body, &one, &err);
		break;
	case SNS_BATCH:
		rc = sns_publish_batch_parse(body, sns_entries, 2, &sns_res, &err);
		if (rc == 0 && (sns_res.n != 2 || sns_res.nfailed > 2))
			abort();
		break;
	default:
		rc = sns_topic_attributes_parse(body, &attrs, &err);
	}
	sqs_messages_free(&m);
	ctaws_attrs_free(&attrs);
	check_error(rc, &err);
}

/* Splits "headers\n\nbody" into resp (header lines end in \r\n there). */
static void
split_response(const uint8_t *p, size_t len, long status, struct ctaws_response *resp)
{
	size_t i = 0;

	ctaws_response_init(resp);
	resp->status = status;
	for (; i < len && !(p[i] == '\n' && (i == 0 || p[i - 1] == '\n')); i++) {
		if (p[i] == '\n')
			buf_puts(&resp->headers, "\r\n");
		else
			buf_putc(&resp->headers, (char)p[i]);
	}
	if (i < len)
		buf_append(&resp->body, p + i + 1, len - i - 1);
	buf_reserve(&resp->headers, 0);
	buf_reserve(&resp->body, 0);
}

static void
parse_s3(enum parser p, const uint8_t *data, size_t len)
{
	struct ctaws_response resp;
	struct ctaws_error err;
	struct s3_object_info info;
	long long a, b, c;
	char region[64], *text;

	memset(&err, 0, sizeof(err));
	if (p == S3_CONTENT_RANGE) {
		text = fuzz_strndup(data, len);
		if (s3_content_range(text, &a, &b, &c) == 0 &&
		    (a < 0 || b < a || (c != -1 && c <= b)))
			abort();
		free(text);
		return;
	}
	split_response(data, len, p == S3_REDIRECT ? 301 : 200, &resp);
	if (p == S3_OBJECT_INFO) {
		buf_reset(&resp.headers);
		buf_append(&resp.headers, data, len);
		s3_object_info_from(&resp, &info);
	} else {
		ctaws_error_from_response(&err, "s3", "GetObject", resp.status, resp.headers.data,
		    resp.headers.len, resp.body.data, resp.body.len);
		if (s3_redirect_region(&resp, &err, region, sizeof(region)) == 0 &&
		    strlen(region) >= sizeof(region))
			abort();
	}
	ctaws_response_free(&resp);
}

static void
parse_error(enum parser p, const uint8_t *data, size_t len)
{
	static const char *const service[] = {"sqs", "sns", "s3", "sts"};
	static const long status[] = {400, 403, 404, 429, 500, 503, 301, 302};
	const char *svc = service[p - ERROR_SQS];
	struct ctaws_response resp;
	struct ctaws_error err;

	memset(&err, 0, sizeof(err));
	split_response(data, len, status[len % 8], &resp);
	if (ctaws_error_from_response(&err, svc, "Operation", resp.status, resp.headers.data,
	        resp.headers.len, resp.body.data, resp.body.len) != -1)
		abort();
	check_error(-1, &err);
	ctaws_response_free(&resp);
}

static void
parse_sts(const uint8_t *data, size_t len)
{
	struct ctaws_response resp;
	struct ctaws_error err;
	struct ctaws_credentials *c = NULL;

	memset(&err, 0, sizeof(err));
	split_response(data, len, 200, &resp);
	buf_reset(&resp.body);
	buf_append(&resp.body, data, len);
	if (sts_credentials_parse(&resp, "AssumeRole", "fuzz", &c, &err) == 0)
		ctaws_credentials_release(c);
	else
		check_error(-1, &err);
	ctaws_response_free(&resp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p;
	size_t len;
	enum parser which = (enum parser)fuzz_select(data, size, parsers, NPARSERS, &p, &len);
	struct buf body = BUF_INIT;

	if (which <= SNS_ATTRIBUTES) {
		buf_append(&body, p, len);
		buf_reserve(&body, 0);
		parse_body(which, &body);
		buf_free(&body);
	} else if (which == STS_CREDENTIALS) {
		parse_sts(p, len);
	} else if (which <= S3_REDIRECT) {
		parse_s3(which, p, len);
	} else {
		parse_error(which, p, len);
	}
	return 0;
}
