/*
 * aws/client: one signed AWS request, from endpoint to typed result.
 *
 * A struct ctaws_client holds what is shared by every thread: region, endpoint
 * overrides, TLS and timeout settings, the credentials provider, the retry
 * quota and the signing clock offset. It is thread-safe.
 *
 * A struct ctaws_conn is one thread's connection (a reused libcurl easy handle,
 * so keep-alive works). Never share a conn between threads.
 *
 * ctaws_call() runs the whole pipeline: resolve the endpoint (endpoint.c), get
 * credentials, sign (sigv4.c), send (http.c), parse an error (error.c) and
 * retry in the standard mode (retry.c). Bodies stream: the request body from
 * memory, the response body into the caller's sink, never needing an S3
 * object in memory.
 *
 * For the event loop's long polls, aws_xfer_* splits the same pipeline so the
 * caller can drive the transfer with libcurl's multi interface: no retries are
 * done there; the caller backs off itself.
 */
#ifndef CT_AWS_CLIENT_H
#define CT_AWS_CLIENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include "aws/creds.h"
#include "aws/endpoint.h"
#include "aws/error.h"
#include "util/buf.h"

struct ctaws_kv {
	const char *key;   /* borrowed */
	const char *value; /* borrowed, unencoded */
};

struct ctaws_client_config {
	const char *region;      /* NULL: AWS_REGION, AWS_DEFAULT_REGION, the profile's region */
	const char *profile;     /* NULL: AWS_PROFILE or "default" (for region and endpoint keys) */
	int use_fips;            /* FIPS endpoints (also AWS_USE_FIPS_ENDPOINT=true) */
	int s3_force_path_style; /* path-style S3 addressing even on AWS endpoints */
	const char *endpoint_url;     /* like AWS_ENDPOINT_URL: every service */
	const char *endpoint_url_sqs; /* like AWS_ENDPOINT_URL_SQS, ... per service overrides */
	const char *endpoint_url_s3;
	const char *endpoint_url_sns;
	const char *endpoint_url_sts;
	const char *endpoint_url_dynamodb;
	const char *endpoint_url_cloudtrail;
	const char *endpoint_url_organizations;
	const char *ca_bundle;   /* NULL: the system's (AWS_CA_BUNDLE honoured) */
	long connect_timeout_ms; /* 0: 5000 */
	long low_speed_time_s;   /* abort when < 1 byte/s for this long; 0: 30 */
	long request_timeout_ms; /* whole-request cap for non-streaming calls; 0: none */
	int max_attempts;        /* standard retry mode attempts; 0: 3 (AWS_MAX_ATTEMPTS) */
	unsigned retry_seed;     /* 0: random; tests fix it for deterministic jitter */
	long retry_base_ms;      /* backoff base; 0: 100 */
	void (*on_error)(
	    void *arg, const struct ctaws_error *e); /* each failed attempt; may be NULL */
	void *on_error_arg;
	const struct ctaws_profile_settings *file; /* the shared config file's values for
	                                            the profile; NULL: read them from
	                                            AWS_CONFIG_FILE or ~/.aws/config */
};

struct ctaws_client;
struct ctaws_conn;

/* Takes ownership of creds (may be NULL for unsigned use). */
struct ctaws_client *ctaws_client_new(const struct ctaws_client_config *cfg,
    struct ctaws_creds_provider *creds, struct ctaws_error *err);
void ctaws_client_free(struct ctaws_client *c);
const char *ctaws_client_region(const struct ctaws_client *c);
/* Replaces the credentials provider (the chain needs a client to exist first).
 * Not while requests run: set it before the client is shared. */
void ctaws_client_set_creds(struct ctaws_client *c, struct ctaws_creds_provider *creds);

struct ctaws_conn *ctaws_conn_new(struct ctaws_client *c);
void ctaws_conn_free(struct ctaws_conn *conn);
/* The client conn belongs to; borrowed. */
struct ctaws_client *ctaws_conn_client(struct ctaws_conn *conn);
/* Makes the conn's calls stoppable: once *flag (borrowed, NULL: never) is
 * non-zero, a transfer under way stops within about a second, even when no
 * byte arrives, and the call fails with code "Aborted", without retrying. */
void ctaws_conn_set_cancel(struct ctaws_conn *conn, const atomic_int *flag);

/* Called with each piece of a response body; return 0 to go on, -1 to abort
 * (the call then fails with code "Aborted"). */
typedef int (*ctaws_body_sink)(void *arg, const void *data, size_t len);

struct ctaws_request {
	const char *service;   /* "sqs", "s3", "sns", "sts", "dynamodb", "cloudtrail", "sso", "organizations": endpoint and
	                          signing name */
	const char *operation; /* "GetObject", ... for errors and logs */
	const char *method;    /* "GET", "POST", "HEAD", "PUT" */
	const char *region;    /* NULL: the client's (S3 redirects set it) */
	const char *url; /* NULL: resolved from service/region; else used as is (SQS queue URL) */
	const char *bucket; /* S3: addressed virtual-host or path style by the client */
	const char *path;   /* unencoded path below the endpoint ("/" if NULL; S3: the key) */
	const struct ctaws_kv *query; /* unencoded; the signer sorts and encodes */
	size_t nquery;
	const struct ctaws_kv *headers; /* extra headers (Content-Type, X-Amz-Target, Range, ...) */
	size_t nheaders;
	const void *body; /* request body, borrowed; NULL for none */
	size_t body_len;
	int unsigned_payload; /* S3: sign with UNSIGNED-PAYLOAD */
	ctaws_body_sink sink; /* NULL: collect the body into resp->body */
	void *sink_arg;
	int no_retry;    /* one attempt only (the caller retries) */
	int anonymous;   /* do not sign (IMDS, ECS endpoint, AssumeRoleWithWebIdentity) */
	long timeout_ms; /* whole-exchange cap for this request; 0: the client's */
};

struct ctaws_response {
	long status;        /* HTTP status */
	struct buf body;    /* owned; collected body when no sink, else the error body */
	struct buf headers; /* owned; raw "name: value\r\n" lines of the final response */
	char request_id[96];
	int attempts;     /* how many attempts were made */
	size_t delivered; /* body bytes given to the sink by the last attempt; when
	                     non-zero after a failure, ctaws_call did not retry (it
	                     never re-delivers): resume with Range from here */
};

void ctaws_response_init(struct ctaws_response *r);
void ctaws_response_free(struct ctaws_response *r);
/* Case-insensitive header lookup; copies the trimmed value into out. */
int ctaws_response_header(
    const struct ctaws_response *r, const char *name, char *out, size_t outlen);
/* Gives err the request id of r unless it has one: a 2xx answer that did not
 * parse still names the request. */
void ctaws_response_keep_request_id(const struct ctaws_response *r, struct ctaws_error *err);

/* Runs the request with retries. 0 on a 2xx answer, -1 with err filled otherwise
 * (resp still holds status and headers of the last attempt).
 *
 * Paths: with url, its path is used as is (already encoded); otherwise path is
 * encoded here. For S3, path is the object key exactly ("a/b" addresses key
 * "a/b"; "/a" the key "/a") or NULL for the bucket itself. */
int ctaws_call(struct ctaws_conn *conn, const struct ctaws_request *req,
    struct ctaws_response *resp, struct ctaws_error *err);

/* The same request for a libcurl multi handle: ctaws_xfer_new signs it and
 * returns an easy handle ready for curl_multi_add_handle (ctaws_xfer_easy);
 * after CURLMSG_DONE, ctaws_xfer_finish classifies the outcome like ctaws_call. */
struct ctaws_xfer;
struct ctaws_xfer *ctaws_xfer_new(
    struct ctaws_client *c, const struct ctaws_request *req, struct ctaws_error *err);
void *ctaws_xfer_easy(struct ctaws_xfer *x); /* a CURL *, owned by the xfer */
int ctaws_xfer_finish(
    struct ctaws_xfer *x, int curl_code, struct ctaws_response *resp, struct ctaws_error *err);
void ctaws_xfer_free(struct ctaws_xfer *x);

/* The signing clock's correction in seconds (server time minus ours). */
long ctaws_client_clock_skew(const struct ctaws_client *c);
/* The endpoint settings in use (for `check` and tests); borrowed. */
const struct ctaws_endpoint_settings *ctaws_client_endpoints(const struct ctaws_client *c);
/* The retry state shared by the client's requests; borrowed. */
struct ctaws_retry *ctaws_client_retry(struct ctaws_client *c);

/* A batch entry id as SQS and SNS take them: 1 to max letters, digits, '-'
 * or '_'. */
int ctaws_batch_id_ok(const char *id, size_t max);

/* Appends "key=value" form-encoded (after a '&' unless b is empty) for
 * query-protocol bodies (SNS, STS): AWS's strict encoding, space as %20. */
int ctaws_form_add(struct buf *b, const char *key, const char *value);

#endif
