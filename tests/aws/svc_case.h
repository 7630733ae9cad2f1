/*
 * Data-driven tests of the SQS, S3, SNS and DynamoDB request builders and response
 * parsers: each case file in tests/aws/svc_cases/ names an operation, gives
 * its input and the expected output, in sections:
 *
 *   # comments (only before the first section)
 *   --- op
 *   sqs-receive-parse
 *   --- input        (key=value words per line; values %XX-encoded)
 *   --- response     (a response body, verbatim)
 *   --- headers      (raw response header lines, one per line)
 *   --- expect       (what the operation prints, verbatim)
 *   --- message      (optional: text the error message must contain)
 *
 * The cases are read by tests/lib/case.h. Blank lines at the end of a section
 * are dropped, and the output is compared
 * with "expect" without its last newline. A value "@repeat:C:N" stands for
 * the character C repeated N times.
 */
#ifndef CT_TESTS_SVC_CASE_H
#define CT_TESTS_SVC_CASE_H

#include <stddef.h>

#include "aws/error.h"
#include "tests/lib/case.h"
#include "util/buf.h"

#define SVC_KV_MAX 48

/* How ct_case_load() reads the service cases. */
#define SVC_CASE (CT_CASE_COMMENTS | CT_CASE_TRIM_ALL)

/* key=value words of one line, values decoded (owned). */
struct svc_kv {
	char *key;
	char *value;
};

struct svc_kvs {
	struct svc_kv v[SVC_KV_MAX];
	size_t n;
};

/* What an operation produced. */
struct svc_ctx {
	const struct ct_case *c; /* the case being run */
	struct buf out;          /* the operation's output, compared with "expect" */
	char message[1024];      /* the last error's message, for "message" */
};

typedef void (*svc_op_fn)(struct svc_ctx *ctx);

struct svc_op {
	const char *name;
	svc_op_fn fn;
};

/* The section's text, or NULL when the case has none. */
#define svc_case_get ct_case_get

/* Line number lineno (from 0) of text into out; -1 past the end. */
int svc_line(const char *text, size_t lineno, char *out, size_t outlen);
/* Parses one line of key=value words into kv (freed with svc_kvs_free). */
void svc_kvs_parse(const char *line, struct svc_kvs *kv);
void svc_kvs_free(struct svc_kvs *kv);
const char *svc_kvs_get(const struct svc_kvs *kv, const char *key);
/* Integer value of key, or dflt when absent. */
long svc_kvs_int(const struct svc_kvs *kv, const char *key, long dflt);

/* Prints "error CODE retryable=R status=S" and keeps the message. */
void svc_put_error(struct svc_ctx *ctx, const struct ctaws_error *err);
/* A section's text as a struct buf (borrowed, not to be freed). */
struct buf svc_section_buf(const struct ct_case *c, const char *name);

/* The operations of each service (sqs_ops.c, sns_ops.c, s3_ops.c,
 * dynamodb_ops.c, cloudtrail_ops.c), each
 * list ended by {NULL, NULL}. */
extern const struct svc_op sqs_ops[];
extern const struct svc_op sns_ops[];
extern const struct svc_op s3_ops[];
extern const struct svc_op dynamodb_ops[];
extern const struct svc_op cloudtrail_ops[];

#endif
