/*
 * aws/sigv4: AWS Signature Version 4, a pure function of (request,
 * credentials, time).
 *
 * The signer adds the headers SigV4 needs (X-Amz-Date, X-Amz-Security-Token
 * when the credentials have a session token, X-Amz-Content-Sha256 for S3) and
 * computes the Authorization header. The intermediate steps (canonical
 * request, string to sign) are exposed so tests can compare them with another
 * signer's.
 *
 * Paths: the signer takes the path exactly as sent on the wire, that is
 * URI-encoded once. S3 signs it as is; every other service normalises it
 * (empty, "." and ".." segments) and encodes it a second time, as AWS defines.
 * Queries are given unencoded, in any order; the signer encodes and sorts them
 * (sigv4_canonical_query also builds the query string to send, so the wire and
 * the signature always agree).
 *
 * Derived signing keys are cached per (secret, date, region, service) in a
 * struct sigv4_key_cache, which is thread-safe and keeps only a hash of the
 * secret.
 */
#ifndef CT_AWS_SIGV4_H
#define CT_AWS_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "aws/client.h"
#include "aws/creds.h"
#include "util/buf.h"

#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define SIGV4_EMPTY_SHA256     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SIGV4_AUTH_MAX         2048

struct sigv4_request {
	const char *method;           /* "GET", "POST", ... */
	const char *path;             /* as sent: URI-encoded once, starting with '/' */
	const struct ctaws_kv *query; /* unencoded, any order */
	size_t nquery;
	const struct ctaws_kv
	    *headers; /* headers to sign, "Host" included; hop-by-hop ones are skipped */
	size_t nheaders;
	const char *payload_hash; /* lowercase hex SHA-256 of the body, or UNSIGNED-PAYLOAD */
	const char *region;       /* signing region */
	const char *service;      /* signing name: "sqs", "s3", "sns", "sts" */
	time_t time;              /* signing time, already corrected for clock skew */
	int s3;                   /* S3 rules: path signed as is, X-Amz-Content-Sha256 added */
};

struct sigv4_result {
	char amz_date[17];                  /* send as X-Amz-Date: "20240102T030405Z" */
	char content_sha256[65];            /* S3: send as X-Amz-Content-Sha256; "" otherwise */
	const char *security_token;         /* borrowed from the credentials: send as
	                                       X-Amz-Security-Token; NULL when none */
	char authorization[SIGV4_AUTH_MAX]; /* the Authorization header's value */
};

struct sigv4_key_cache;

struct sigv4_key_cache *sigv4_key_cache_new(void);
void sigv4_key_cache_free(struct sigv4_key_cache *kc);

/* Signs r. cache may be NULL. Returns 0, or -1 with err filled. */
int sigv4_sign(const struct sigv4_request *r, const struct ctaws_credentials *cr,
    struct sigv4_key_cache *cache, struct sigv4_result *out, struct ctaws_error *err);

/* The canonical request of r as signed with cr's session token (if any);
 * signed_headers (may be NULL) receives the "a;b;c" list. Appends to out. */
int sigv4_canonical_request(const struct sigv4_request *r, const struct ctaws_credentials *cr,
    struct buf *out, struct buf *signed_headers);
/* The string to sign for a canonical request. Appends to out. */
int sigv4_string_to_sign(
    const struct sigv4_request *r, const char *canonical_request, struct buf *out);

/* Appends s percent-encoded (everything but A-Z a-z 0-9 - _ . ~, and '/' when
 * keep_slash). */
int sigv4_uri_encode(struct buf *b, const char *s, size_t n, int keep_slash);
/* Appends the canonical query string "a=1&b=x%20y": encoded, sorted by name
 * then value. Also the query string to send. */
int sigv4_canonical_query(struct buf *b, const struct ctaws_kv *q, size_t n);
/* Lowercase hex SHA-256 of data into out[65]. */
void sigv4_sha256_hex(const void *data, size_t len, char out[65]);
/* "YYYYMMDDTHHMMSSZ" of t (UTC) into out[17]. */
void sigv4_amz_date(time_t t, char out[17]);

#endif
