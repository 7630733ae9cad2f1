/*
 * aws/s3: GetObject streamed to a sink, HeadObject, HeadBucket and
 * ListObjectsV2.
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

#define S3_META_MAX 8 /* x-amz-meta-* headers kept per object */

/* One piece of user metadata: header "x-amz-meta-NAME: VALUE". */
struct s3_meta {
	char name[64];    /* NAME as sent, without "x-amz-meta-" */
	char value[1280]; /* room for a hex RSA-4096 signature */
};

/* What the first response said about the object, before its body. */
struct s3_object_info {
	long long size;                   /* the whole object's size in bytes, -1 if not said */
	char etag[128];                   /* ETag as sent (quotes included), "" if none */
	char content_encoding[64];        /* Content-Encoding ("gzip"), "" if none */
	char content_type[128];           /* Content-Type, "" if none */
	struct s3_meta meta[S3_META_MAX]; /* user metadata in header order; longer
	                                     names or values are left out */
	int nmeta;
};

/* The value of user metadata NAME (case-insensitive, without "x-amz-meta-"),
 * borrowed from info; NULL when the object has none by that name. */
const char *s3_object_meta(const struct s3_object_info *info, const char *name);

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

/* HeadObject: 0 and info filled (size, ETag, user metadata) when the object
 * exists; -1 with err otherwise (err->errc CTAWS_ERRC_NOT_FOUND for a
 * missing key). */
int s3_head_object(struct ctaws_conn *conn, const char *bucket, const char *key,
    const char *expected_owner, struct s3_object_info *info, struct ctaws_error *err);

/* ---- ListObjectsV2 (s3_list.c) ---- */

/* One key of a listing; every pointer is borrowed for the callback's call. */
struct s3_list_object {
	const char *key;           /* unencoded */
	long long size;            /* bytes */
	const char *etag;          /* as sent, quotes included; "" if none */
	const char *last_modified; /* ISO 8601 as S3 sent it; "" if none */
};

/* Called for each key, and (with a delimiter) each common prefix, in S3's
 * order (ascending by UTF-8 bytes) page by page; return 0 to go on, 1 to
 * stop the listing there (success), -1 to fail it (code "Aborted"). */
typedef int (*s3_list_object_cb)(void *arg, const struct s3_list_object *o);
typedef int (*s3_list_prefix_cb)(void *arg, const char *prefix);

struct s3_list_params {
	const char *bucket;         /* borrowed */
	const char *prefix;         /* NULL or "": the whole bucket */
	const char *delimiter;      /* NULL: none; "/" groups keys into common prefixes */
	const char *start_after;    /* NULL: from the first key; else only keys after it */
	const char *expected_owner; /* account id sent as x-amz-expected-bucket-owner; NULL: none */
	int page_size;              /* max-keys per request; 0: 1000 (S3's most) */
	s3_list_object_cb on_object; /* NULL: keys are not reported */
	s3_list_prefix_cb on_prefix; /* NULL: common prefixes are not reported */
	void *arg;
};

struct s3_list_result {
	long long objects;  /* keys reported */
	long long prefixes; /* common prefixes reported */
	int pages;          /* ListObjectsV2 answers read */
	int stopped;        /* a callback returned 1 */
};

/* Lists every page (following NextContinuationToken) with encoding-type=url,
 * decoding keys when S3 says it encoded them. Follows the bucket's region
 * like GetObject. 0 when the listing ended (or a callback stopped it); -1
 * with err, naming the bucket, otherwise. */
int s3_list_objects(struct ctaws_conn *conn, const struct s3_list_params *p,
    struct s3_list_result *res, struct ctaws_error *err);

/* The pieces, for tests and for s3_list.c. */

/* ctaws_call for a request on req->bucket, sent to the bucket's remembered
 * region and following redirects to another (bounded); resp is initialised
 * here and holds the last answer. req->region is overwritten. */
int s3_call_in_bucket_region(struct ctaws_conn *conn, struct ctaws_request *req,
    struct ctaws_response *resp, struct ctaws_error *err);

/* Puts "s3://bucket/key: " (or "bucket B: " when key is NULL) before err's
 * message, so every error names its object. */
void s3_error_name_object(struct ctaws_error *err, const char *bucket, const char *key);

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
