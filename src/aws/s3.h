/*
 * aws/s3: GetObject streamed to a sink, and HeadBucket.
 *
 * GetObject never holds an object in memory: the body goes to the caller's
 * sink as it arrives. Failures before the body are retried by ctaws_call in the
 * standard mode. When the connection drops in the middle of the body, the
 * rest is asked for with "Range: bytes=N-" and "If-Match: <ETag>" instead of
 * starting over, so the sink sees every byte exactly once, in order. If
 * the object changed in between, S3 answers 412 and the call fails with
 * S3_ERR_OBJECT_CHANGED: the bytes already delivered belong to the old
 * version, and only the caller can decide to start again.
 *
 * A bucket in another region answers 301 PermanentRedirect (or 400
 * AuthorizationHeaderMalformed) naming its region in x-amz-bucket-region;
 * the request is then sent again to that region, which is remembered for the
 * bucket so later calls go there directly.
 */
#ifndef CT_AWS_S3_H
#define CT_AWS_S3_H

#include <stddef.h>

#include "aws/client.h"
#include "aws/error.h"

#define S3_RESUMES_DEFAULT 5 /* resumes of one GetObject after mid-body drops */

/* A 412 on a resumed GetObject: the object changed while it was read. */
#define S3_ERR_OBJECT_CHANGED "PreconditionFailed"
/* A resumed GetObject whose answer did not continue where the body stopped. */
#define S3_ERR_RESUME_MISMATCH "ResumeMismatch"

/* What the first response said about the object, before its body. */
struct s3_object_info {
	long long size;            /* the whole object's size in bytes, -1 if not said */
	char etag[128];            /* ETag as sent (quotes included), "" if none */
	char content_encoding[64]; /* Content-Encoding ("gzip"), "" if none */
	char content_type[128];    /* Content-Type, "" if none */
};

/* Called once per GetObject with the object's metadata, before the first
 * body byte reaches the sink. Return 0 to go on, -1 to abort (code "Aborted"). */
typedef int (*s3_head_cb)(void *arg, const struct s3_object_info *info);

struct s3_get_params {
	const char *bucket;         /* borrowed */
	const char *key;            /* borrowed; the object key, unencoded */
	const char *expected_owner; /* account id sent as x-amz-expected-bucket-owner; NULL: none */
	const char *region;         /* NULL: the bucket's known region, else the client's */
	int max_resumes;            /* Range resumes after drops; 0: S3_RESUMES_DEFAULT, -1: none */
	s3_head_cb on_head;         /* NULL: not told */
	ctaws_body_sink sink;       /* receives the body */
	void *arg;                  /* for on_head and sink */
};

struct s3_get_result {
	struct s3_object_info info; /* as given to on_head */
	long long bytes;            /* body bytes given to the sink */
	int resumes;                /* Range requests that continued the body */
	int requests;               /* HTTP requests made in all */
	char region[32];            /* the region that served it; "" for the client's */
};

/* 0 when the whole body went to the sink; -1 with err otherwise (res says
 * how far it got). */
int s3_get_object(struct ctaws_conn *conn, const struct s3_get_params *p, struct s3_get_result *res,
    struct ctaws_error *err);

/* HeadBucket: 0 when the bucket exists and is reachable with these
 * credentials (and belongs to expected_owner, if given); region (may be NULL)
 * receives the bucket's region from x-amz-bucket-region. */
int s3_head_bucket(struct ctaws_conn *conn, const char *bucket, const char *expected_owner,
    char *region, size_t regionlen, struct ctaws_error *err);

/* The pieces, for tests. */

/* The region a failed answer redirects to: 0 and out filled when resp/err is
 * a 301, PermanentRedirect, AuthorizationHeaderMalformed or
 * IllegalLocationConstraintException naming a region (x-amz-bucket-region
 * header, else <Region> in the error body); -1 otherwise. */
int s3_redirect_region(
    const struct ctaws_response *resp, const struct ctaws_error *err, char *out, size_t outlen);

/* Parses "bytes START-END/TOTAL" (TOTAL may be "*": -1). 0 or -1. */
int s3_content_range(const char *value, long long *start, long long *end, long long *total);

/* Reads the object's metadata from a 200 or 206 answer's headers. */
void s3_object_info_from(const struct ctaws_response *resp, struct s3_object_info *info);

/* The region remembered for bucket (from an earlier redirect): 0 or -1. */
int s3_bucket_region(const char *bucket, char *out, size_t outlen);
/* Remembers region for bucket (thread-safe; a small cache). */
void s3_bucket_region_set(const char *bucket, const char *region);

#endif
