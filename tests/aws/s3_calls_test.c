/*
 * S3 GetObject, HeadObject, HeadBucket and ListObjectsV2 against the
 * scripted local server: the header callback before the body, user metadata, resuming a dropped
 * body with Range + If-Match without ever handing the sink a byte twice, an object that changed in
 * between, region redirects, and aborts.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/s3.h"
#include "core_httpd.h"
#include "tests/lib/check_main.h"

static struct httpd *srv;
static struct ctaws_client *cli;
static struct ctaws_conn *conn;

#define ETAG "\"0123456789abcdef0123456789abcdef\""

/* What the sink and the header callback saw. */
struct seen {
	struct buf body;
	int heads;         /* on_head calls */
	long long head_at; /* body bytes seen when on_head was called */
	struct s3_object_info info;
	int stop_after; /* > 0: the sink fails once it holds this many bytes */
	int stop_head;  /* on_head fails */
};

static int
on_head(void *arg, const struct s3_object_info *info)
{
	struct seen *s = arg;

	s->heads++;
	s->head_at = (long long)s->body.len;
	s->info = *info;
	return s->stop_head ? -1 : 0;
}

static int
sink(void *arg, const void *data, size_t len)
{
	struct seen *s = arg;

	if (buf_append(&s->body, data, len) == -1)
		return -1;
	return s->stop_after > 0 && s->body.len >= (size_t)s->stop_after ? -1 : 0;
}

static char object[1000];

static void
setup(void)
{
	struct ctaws_client_config cfg = {0};
	struct ctaws_error err;
	size_t i;

	httpd_isolate_env();
	for (i = 0; i < sizeof(object); i++)
		object[i] = (char)('a' + i % 26);
	srv = httpd_start();
	ck_assert_ptr_nonnull(srv);
	cfg.region = "us-east-1";
	cfg.endpoint_url = httpd_url(srv, "");
	cfg.retry_seed = 7;
	cfg.retry_base_ms = 2;
	cli = ctaws_client_new(&cfg, ctaws_creds_static_new("AKIDEXAMPLE", "secret", NULL), &err);
	ck_assert_msg(cli != NULL, "%s", err.message);
	conn = ctaws_conn_new(cli);
}

static void
teardown(void)
{
	httpd_fixture_free(conn, cli, srv);
}

static struct s3_get_params
params(const char *bucket, const char *key, struct seen *s)
{
	struct s3_get_params p = {0};

	memset(s, 0, sizeof(*s));
	buf_init(&s->body);
	p.bucket = bucket;
	p.key = key;
	p.on_head = on_head;
	p.sink = sink;
	p.arg = s;
	return p;
}

START_TEST(whole_object_with_metadata_first)
{
	struct seen s;
	struct s3_get_params p = params("ct-logs", "AWSLogs/a b+c~d%e=f//g/é.json.gz", &s);
	struct s3_get_result res;
	struct ctaws_error err;

	p.expected_owner = "123456789012";
	httpd_push(srv, &(struct httpd_reply){.body = object,
	                    .body_len = sizeof(object),
	                    .headers = "ETag: " ETAG "\r\nContent-Encoding: gzip\r\n"});
	ck_assert_msg(s3_get_object(conn, &p, &res, &err) == 0, "%s", err.message);
	ck_assert_int_eq(s.heads, 1);
	ck_assert_int_eq(s.head_at, 0);
	ck_assert_int_eq(s.info.size, 1000);
	ck_assert_str_eq(s.info.etag, ETAG);
	ck_assert_str_eq(s.info.content_encoding, "gzip");
	ck_assert_int_eq(s.body.len, sizeof(object));
	ck_assert(memcmp(s.body.data, object, sizeof(object)) == 0);
	ck_assert_int_eq(res.bytes, 1000);
	ck_assert_int_eq(res.resumes, 0);
	ck_assert_int_eq(res.requests, 1);
	ck_assert_str_eq(httpd_request(srv, 0)->method, "GET");
	ck_assert_str_eq(httpd_request(srv, 0)->target,
	    "/ct-logs/AWSLogs/a%20b%2Bc~d%25e%3Df//g/%C3%A9.json.gz");
	ck_assert_str_eq(httpd_header(srv, 0, "x-amz-expected-bucket-owner"), "123456789012");
	ck_assert_ptr_null(httpd_header(srv, 0, "Range"));
	buf_free(&s.body);
}
END_TEST

START_TEST(drop_mid_body_resumes_with_range)
{
	struct seen s;
	struct s3_get_params p = params("b", "k", &s);
	struct s3_get_result res;
	struct ctaws_error err;

	httpd_push(srv, &(struct httpd_reply){.body = object,
	                    .body_len = sizeof(object),
	                    .headers = "ETag: " ETAG "\r\n",
	                    .drop_at = 400});
	httpd_push(srv, &(struct httpd_reply){.status = 206,
	                    .body = object + 400,
	                    .body_len = 600,
	                    .headers = "ETag: " ETAG "\r\nContent-Range: bytes 400-999/1000\r\n"});
	ck_assert_msg(s3_get_object(conn, &p, &res, &err) == 0, "%s", err.message);
	ck_assert_int_eq(httpd_nrequests(srv), 2);
	ck_assert_str_eq(httpd_header(srv, 1, "Range"), "bytes=400-");
	ck_assert_str_eq(httpd_header(srv, 1, "If-Match"), ETAG);
	ck_assert_int_eq(s.body.len, sizeof(object));
	ck_assert(memcmp(s.body.data, object, sizeof(object)) == 0);
	ck_assert_int_eq(s.heads, 1);
	ck_assert_int_eq(res.resumes, 1);
	ck_assert_int_eq(res.requests, 2);
	buf_free(&s.body);
}
END_TEST

START_TEST(object_changed_while_resuming)
{
	struct seen s;
	struct s3_get_params p = params("b", "k", &s);
	struct s3_get_result res;
	struct ctaws_error err;

	httpd_push(srv, &(struct httpd_reply){.body = object,
	                    .body_len = sizeof(object),
	                    .headers = "ETag: " ETAG "\r\n",
	                    .drop_at = 300});
	httpd_push(
	    srv, &(struct httpd_reply){.status = 412,
	             .headers = "x-amz-request-id: REQ412\r\n",
	             .body = "<Error><Code>PreconditionFailed</Code><Message>At least one of "
	                     "the pre-conditions you specified did not hold</Message></Error>"});
	ck_assert_int_eq(s3_get_object(conn, &p, &res, &err), -1);
	ck_assert_str_eq(err.code, S3_ERR_OBJECT_CHANGED);
	ck_assert_int_eq(err.http_status, 412);
	ck_assert_int_eq(err.retryable, 0);
	ck_assert_str_eq(err.request_id, "REQ412");
	ck_assert_msg(
	    strstr(err.message, "s3://b/k: changed while being read") != NULL, "%s", err.message);
	ck_assert_int_eq(s.body.len, 300);
	ck_assert_int_eq(httpd_nrequests(srv), 2);
	buf_free(&s.body);
}
END_TEST

START_TEST(resume_answer_must_continue_where_it_stopped)
{
	struct seen s;
	struct s3_get_params p = params("b", "k", &s);
	struct s3_get_result res;
	struct ctaws_error err;

	httpd_push(srv, &(struct httpd_reply){.body = object,
	                    .body_len = sizeof(object),
	                    .headers = "ETag: " ETAG "\r\n",
	                    .drop_at = 250});
	/* A server that ignores Range and sends everything again. */
	httpd_push(
	    srv, &(struct httpd_reply){
	             .body = object, .body_len = sizeof(object), .headers = "ETag: " ETAG "\r\n"});
	ck_assert_int_eq(s3_get_object(conn, &p, &res, &err), -1);
	ck_assert_str_eq(err.code, S3_ERR_RESUME_MISMATCH);
	ck_assert_int_eq(s.body.len, 250);
	ck_assert(memcmp(s.body.data, object, 250) == 0);
	buf_free(&s.body);
}
END_TEST

START_TEST(resumes_are_bounded)
{
	struct seen s;
	struct s3_get_params p = params("b", "k", &s);
	struct s3_get_result res;
	struct ctaws_error err;

	p.max_resumes = 1;
	httpd_push(srv, &(struct httpd_reply){.body = object,
	                    .body_len = sizeof(object),
	                    .headers = "ETag: " ETAG "\r\n",
	                    .drop_at = 100});
	httpd_push(srv, &(struct httpd_reply){.status = 206,
	                    .body = object + 100,
	                    .body_len = 900,
	                    .headers = "ETag: " ETAG "\r\nContent-Range: bytes 100-999/1000\r\n",
	                    .drop_at = 100});
	ck_assert_int_eq(s3_get_object(conn, &p, &res, &err), -1);
	ck_assert_str_eq(err.code, "NetworkError");
	ck_assert_int_eq(res.resumes, 1);
	ck_assert_int_eq(s.body.len, 200);
	ck_assert(memcmp(s.body.data, object, 200) == 0);
	ck_assert_int_eq(httpd_nrequests(srv), 2);
	buf_free(&s.body);
}
END_TEST

START_TEST(no_etag_no_resume)
{
	struct seen s;
	struct s3_get_params p = params("b", "k", &s);
	struct s3_get_result res;
	struct ctaws_error err;

	httpd_push(
	    srv, &(struct httpd_reply){.body = object, .body_len = sizeof(object), .drop_at = 100});
	ck_assert_int_eq(s3_get_object(conn, &p, &res, &err), -1);
	ck_assert_int_eq(httpd_nrequests(srv), 1);
	ck_assert_int_eq(s.body.len, 100);
	buf_free(&s.body);
}
END_TEST

START_TEST(errors_before_the_body_are_retried)
{
	struct seen s;
	struct s3_get_params p = params("b", "k", &s);
	struct s3_get_result res;
	struct ctaws_error err;

	httpd_push(
	    srv, &(struct httpd_reply){.status = 503,
	             .body = "<Error><Code>SlowDown</Code><Message>Please reduce your request "
	                     "rate.</Message></Error>"});
	httpd_push(
	    srv, &(struct httpd_reply){
	             .body = object, .body_len = sizeof(object), .headers = "ETag: " ETAG "\r\n"});
	ck_assert_msg(s3_get_object(conn, &p, &res, &err) == 0, "%s", err.message);
	ck_assert_int_eq(res.requests, 2);
	ck_assert_int_eq(s.heads, 1);
	ck_assert_int_eq(s.body.len, sizeof(object));
	buf_free(&s.body);
}
END_TEST

START_TEST(not_found_is_final_and_names_the_object)
{
	struct seen s;
	struct s3_get_params p = params("b", "missing/key", &s);
	struct s3_get_result res;
	struct ctaws_error err;

	httpd_push(srv, &(struct httpd_reply){.status = 404,
	                    .headers = "x-amz-request-id: R404\r\n",
	                    .body = "<Error><Code>NoSuchKey</Code><Message>The specified key does "
	                            "not exist.</Message></Error>"});
	ck_assert_int_eq(s3_get_object(conn, &p, &res, &err), -1);
	ck_assert_str_eq(err.code, "NoSuchKey");
	ck_assert_int_eq(err.http_status, 404);
	ck_assert_int_eq(err.retryable, 0);
	ck_assert_str_eq(err.request_id, "R404");
	ck_assert_str_eq(err.message, "s3://b/missing/key: The specified key does not exist.");
	ck_assert_int_eq(httpd_nrequests(srv), 1);
	ck_assert_int_eq(s.heads, 0);
	buf_free(&s.body);
}
END_TEST

static int
signed_for(int i, const char *region)
{
	char scope[64];

	snprintf(scope, sizeof(scope), "/%s/s3/aws4_request", region);
	return strstr(httpd_header(srv, i, "Authorization"), scope) != NULL;
}

START_TEST(redirect_to_the_bucket_region_is_followed_and_kept)
{
	struct seen s;
	struct s3_get_params p = params("moved-bucket", "k", &s);
	struct s3_get_result res;
	struct ctaws_error err;

	httpd_push(
	    srv, &(struct httpd_reply){.status = 301,
	             .headers = "x-amz-bucket-region: eu-west-2\r\n",
	             .body = "<Error><Code>PermanentRedirect</Code><Message>The bucket you are "
	                     "attempting to access must be addressed using the specified "
	                     "endpoint.</Message></Error>"});
	httpd_push(srv, &(struct httpd_reply){.body = "abc", .headers = "ETag: \"e\"\r\n"});
	ck_assert_msg(s3_get_object(conn, &p, &res, &err) == 0, "%s", err.message);
	ck_assert_str_eq(res.region, "eu-west-2");
	ck_assert(signed_for(0, "us-east-1"));
	ck_assert(signed_for(1, "eu-west-2"));
	buf_free(&s.body);

	/* The next call goes to the bucket's region directly. */
	p = params("moved-bucket", "k2", &s);
	httpd_push(srv, &(struct httpd_reply){.body = "def", .headers = "ETag: \"f\"\r\n"});
	ck_assert_msg(s3_get_object(conn, &p, &res, &err) == 0, "%s", err.message);
	ck_assert_int_eq(httpd_nrequests(srv), 3);
	ck_assert(signed_for(2, "eu-west-2"));
	buf_free(&s.body);
}
END_TEST

START_TEST(authorization_header_malformed_names_the_region)
{
	struct seen s;
	struct s3_get_params p = params("other-region-bucket", "k", &s);
	struct s3_get_result res;
	struct ctaws_error err;

	httpd_push(srv, &(struct httpd_reply){.status = 400,
	                    .body = "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the "
	                            "region 'us-east-1' is wrong; expecting 'ap-south-1'</Message>"
	                            "<Region>ap-south-1</Region></Error>"});
	httpd_push(srv, &(struct httpd_reply){.body = "abc", .headers = "ETag: \"e\"\r\n"});
	ck_assert_msg(s3_get_object(conn, &p, &res, &err) == 0, "%s", err.message);
	ck_assert(signed_for(1, "ap-south-1"));
	ck_assert_str_eq(s.body.data, "abc");
	buf_free(&s.body);
}
END_TEST

START_TEST(redirects_are_bounded)
{
	struct seen s;
	struct s3_get_params p = params("ping-pong", "k", &s);
	struct s3_get_result res;
	struct ctaws_error err;
	int i;

	for (i = 0; i < 4; i++)
		httpd_push(srv, &(struct httpd_reply){.status = 301,
		                    .headers = i % 2 ? "x-amz-bucket-region: us-east-1\r\n"
		                                     : "x-amz-bucket-region: eu-west-1\r\n"});
	ck_assert_int_eq(s3_get_object(conn, &p, &res, &err), -1);
	ck_assert_str_eq(err.code, "PermanentRedirect");
	ck_assert_int_eq(httpd_nrequests(srv), 3);
	buf_free(&s.body);
}
END_TEST

START_TEST(sink_abort_stops_without_retry)
{
	struct seen s;
	struct s3_get_params p = params("b", "k", &s);
	struct s3_get_result res;
	struct ctaws_error err;

	s.stop_after = 1;
	httpd_push(
	    srv, &(struct httpd_reply){
	             .body = object, .body_len = sizeof(object), .headers = "ETag: " ETAG "\r\n"});
	ck_assert_int_eq(s3_get_object(conn, &p, &res, &err), -1);
	ck_assert_str_eq(err.code, "Aborted");
	ck_assert_int_eq(httpd_nrequests(srv), 1);
	buf_free(&s.body);
}
END_TEST

START_TEST(head_abort_stops_before_the_body)
{
	struct seen s;
	struct s3_get_params p = params("b", "k", &s);
	struct s3_get_result res;
	struct ctaws_error err;

	s.stop_head = 1;
	httpd_push(
	    srv, &(struct httpd_reply){
	             .body = object, .body_len = sizeof(object), .headers = "ETag: " ETAG "\r\n"});
	ck_assert_int_eq(s3_get_object(conn, &p, &res, &err), -1);
	ck_assert_str_eq(err.code, "Aborted");
	ck_assert_int_eq(s.body.len, 0);
	ck_assert_int_eq(s.heads, 1);
	buf_free(&s.body);
}
END_TEST

START_TEST(empty_object_still_reports_metadata)
{
	struct seen s;
	struct s3_get_params p = params("b", "empty", &s);
	struct s3_get_result res;
	struct ctaws_error err;

	httpd_push(
	    srv, &(struct httpd_reply){.headers = "ETag: \"d41d8cd98f00b204e9800998ecf8427e\""
	                                          "\r\n"});
	ck_assert_msg(s3_get_object(conn, &p, &res, &err) == 0, "%s", err.message);
	ck_assert_int_eq(s.heads, 1);
	ck_assert_int_eq(s.info.size, 0);
	ck_assert_int_eq(res.bytes, 0);
	buf_free(&s.body);
}
END_TEST

START_TEST(get_needs_bucket_key_and_sink)
{
	struct seen s;
	struct s3_get_params p = params("b", "", &s);
	struct s3_get_result res;
	struct ctaws_error err;

	ck_assert_int_eq(s3_get_object(conn, &p, &res, &err), -1);
	ck_assert_str_eq(err.code, "InvalidArgument");
	ck_assert_int_eq(httpd_nrequests(srv), 0);
}
END_TEST

START_TEST(head_bucket_reports_region)
{
	struct ctaws_error err;
	char region[32];

	httpd_push(srv, &(struct httpd_reply){.headers = "x-amz-bucket-region: eu-north-1\r\n"});
	ck_assert_msg(
	    s3_head_bucket(conn, "ct-logs", "123456789012", region, sizeof(region), &err) == 0,
	    "%s", err.message);
	ck_assert_str_eq(region, "eu-north-1");
	ck_assert_str_eq(httpd_request(srv, 0)->method, "HEAD");
	ck_assert_str_eq(httpd_request(srv, 0)->target, "/ct-logs");
	ck_assert_str_eq(httpd_header(srv, 0, "x-amz-expected-bucket-owner"), "123456789012");
}
END_TEST

START_TEST(head_bucket_errors)
{
	struct ctaws_error err;
	char region[32];

	httpd_push(srv, &(struct httpd_reply){.status = 404});
	ck_assert_int_eq(s3_head_bucket(conn, "nope", NULL, region, sizeof(region), &err), -1);
	ck_assert_int_eq(err.http_status, 404);
	ck_assert_str_eq(err.operation, "HeadBucket");
	ck_assert_msg(strncmp(err.message, "bucket nope: ", 13) == 0, "%s", err.message);
	ck_assert_ptr_null(httpd_header(srv, 0, "x-amz-expected-bucket-owner"));

	httpd_push(srv,
	    &(struct httpd_reply){.status = 301, .headers = "x-amz-bucket-region: sa-east-1\r\n"});
	httpd_push(srv, &(struct httpd_reply){.headers = "x-amz-bucket-region: sa-east-1\r\n"});
	ck_assert_msg(s3_head_bucket(conn, "far-away", NULL, region, sizeof(region), &err) == 0,
	    "%s", err.message);
	ck_assert_str_eq(region, "sa-east-1");
	ck_assert(signed_for(2, "sa-east-1"));
}
END_TEST

START_TEST(object_user_metadata_is_kept)
{
	struct seen s;
	struct s3_get_params p = params("b", "k", &s);
	struct s3_get_result res;
	struct ctaws_error err;
	char longval[1400];

	memset(longval, 'f', sizeof(longval) - 1);
	longval[sizeof(longval) - 1] = '\0';
	{
		char hdrs[2000];
		snprintf(hdrs, sizeof(hdrs),
		    "ETag: \"e\"\r\nx-amz-meta-signature:  0a1b2c \r\n"
		    "X-Amz-Meta-Signature-Algorithm: SHA256withRSA\r\nx-amz-meta-huge: %s\r\n",
		    longval);
		httpd_push(srv, &(struct httpd_reply){.body = "abc", .headers = hdrs});
		ck_assert_msg(s3_get_object(conn, &p, &res, &err) == 0, "%s", err.message);
	}
	ck_assert_str_eq(s3_object_meta(&s.info, "signature"), "0a1b2c");
	ck_assert_str_eq(s3_object_meta(&s.info, "SIGNATURE-algorithm"), "SHA256withRSA");
	/* Too long to keep whole: left out, not cut. */
	ck_assert_ptr_null(s3_object_meta(&s.info, "huge"));
	ck_assert_ptr_null(s3_object_meta(&s.info, "etag"));
	ck_assert_int_eq(s.info.nmeta, 2);
	buf_free(&s.body);
}
END_TEST

START_TEST(head_object_reports_metadata_and_not_found)
{
	struct s3_object_info info;
	struct ctaws_error err;

	httpd_push(srv, &(struct httpd_reply){.headers = "Content-Length: 42\r\nETag: \"x\"\r\n"
	                                                 "x-amz-meta-signature: ff\r\n"});
	ck_assert_msg(s3_head_object(conn, "b", "a/k.json.gz", "123456789012", &info, &err) == 0,
	    "%s", err.message);
	ck_assert_str_eq(httpd_request(srv, 0)->method, "HEAD");
	ck_assert_str_eq(httpd_request(srv, 0)->target, "/b/a/k.json.gz");
	ck_assert_str_eq(httpd_header(srv, 0, "x-amz-expected-bucket-owner"), "123456789012");
	ck_assert_str_eq(info.etag, "\"x\"");
	ck_assert_str_eq(s3_object_meta(&info, "signature"), "ff");

	httpd_push(srv, &(struct httpd_reply){.status = 404});
	ck_assert_int_eq(s3_head_object(conn, "b", "gone", NULL, &info, &err), -1);
	ck_assert_int_eq(err.errc, CTAWS_ERRC_NOT_FOUND);
	ck_assert_msg(strncmp(err.message, "s3://b/gone: ", 13) == 0, "%s", err.message);
}
END_TEST

/* What a listing's callbacks saw, one line per key or prefix. */
struct listed {
	struct buf lines;
	int stop_at; /* > 0: on_object returns stop_rc at this key (from 1) */
	int stop_rc;
	int n;
};

static int
listed_object(void *arg, const struct s3_list_object *o)
{
	struct listed *l = arg;

	buf_printf(&l->lines, "K %s %lld %s %s\n", o->key, o->size, o->etag, o->last_modified);
	return ++l->n == l->stop_at ? l->stop_rc : 0;
}

static int
listed_prefix(void *arg, const char *prefix)
{
	struct listed *l = arg;

	buf_printf(&l->lines, "P %s\n", prefix);
	return 0;
}

static struct s3_list_params
list_params(struct listed *l)
{
	struct s3_list_params p = {
	    .bucket = "trail", .on_object = listed_object, .on_prefix = listed_prefix, .arg = l};

	memset(l, 0, sizeof(*l));
	buf_init(&l->lines);
	return p;
}

#define LIST_HEAD                                                                                  \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                             \
	"<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
#define CONTENTS(k, n)                                                                             \
	"<Contents><Key>" k "</Key><Size>" #n "</Size>"                                            \
	"<ETag>&quot;e" #n "&quot;</ETag><LastModified>2026-01-02T03:04:05.000Z</LastModified>"    \
	"<StorageClass>STANDARD</StorageClass></Contents>"

START_TEST(list_follows_pages_and_decodes_keys)
{
	struct listed l;
	struct s3_list_params p = list_params(&l);
	struct s3_list_result res;
	struct ctaws_error err;

	p.prefix = "AWSLogs/111122223333/CloudTrail/";
	p.delimiter = "/";
	p.start_after = "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/01/01/x";
	p.page_size = 2;
	httpd_push(srv,
	    &(struct httpd_reply){
	        .body = LIST_HEAD
	        "<EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
	        "<NextContinuationToken>tok+1/=</NextContinuationToken>" CONTENTS(
	            "a%20b+c%2Bd", 10) "<CommonPrefixes><Prefix>p%2F1/</Prefix></CommonPrefixes>"
	                               "</ListBucketResult>"});
	httpd_push(srv,
	    &(struct httpd_reply){.body = LIST_HEAD "<IsTruncated>false</IsTruncated>" CONTENTS(
	                              "plain%key", 7) "</ListBucketResult>"});
	ck_assert_msg(s3_list_objects(conn, &p, &res, &err) == 0, "%s", err.message);
	ck_assert_str_eq(l.lines.data, "K a b c+d 10 \"e10\" 2026-01-02T03:04:05.000Z\n"
	                               "P p/1/\n"
	                               "K plain%key 7 \"e7\" 2026-01-02T03:04:05.000Z\n");
	ck_assert_int_eq(res.objects, 2);
	ck_assert_int_eq(res.prefixes, 1);
	ck_assert_int_eq(res.pages, 2);
	ck_assert_int_eq(res.stopped, 0);
	ck_assert_str_eq(httpd_request(srv, 0)->target,
	    "/trail?delimiter=%2F&encoding-type=url&list-type=2&max-keys=2"
	    "&prefix=AWSLogs%2F111122223333%2FCloudTrail%2F"
	    "&start-after=AWSLogs%2F111122223333%2FCloudTrail%2Feu-west-1%2F2026%2F01%2F01%2Fx");
	/* The second page continues from the token and drops start-after. */
	ck_assert_str_eq(httpd_request(srv, 1)->target,
	    "/trail?continuation-token=tok%2B1%2F%3D&delimiter=%2F&encoding-type=url"
	    "&list-type=2&max-keys=2&prefix=AWSLogs%2F111122223333%2FCloudTrail%2F");
	buf_free(&l.lines);
}
END_TEST

START_TEST(list_stops_when_the_caller_says)
{
	struct listed l;
	struct s3_list_params p = list_params(&l);
	struct s3_list_result res;
	struct ctaws_error err;

	l.stop_at = 1;
	l.stop_rc = 1;
	httpd_push(srv, &(struct httpd_reply){
	                    .body = LIST_HEAD
	                    "<IsTruncated>true</IsTruncated>"
	                    "<NextContinuationToken>t</NextContinuationToken>" CONTENTS("a", 1)
	                        CONTENTS("b", 2) "</ListBucketResult>"});
	ck_assert_msg(s3_list_objects(conn, &p, &res, &err) == 0, "%s", err.message);
	ck_assert_int_eq(res.stopped, 1);
	ck_assert_int_eq(res.objects, 1);
	ck_assert_int_eq(httpd_nrequests(srv), 1);
	buf_free(&l.lines);

	p = list_params(&l);
	l.stop_at = 2;
	l.stop_rc = -1;
	httpd_push(srv, &(struct httpd_reply){.body = LIST_HEAD
	                                      "<IsTruncated>false</IsTruncated>" CONTENTS("a", 1)
	                                          CONTENTS("b", 2) "</ListBucketResult>"});
	ck_assert_int_eq(s3_list_objects(conn, &p, &res, &err), -1);
	ck_assert_str_eq(err.code, "Aborted");
	ck_assert_msg(strncmp(err.message, "bucket trail: ", 14) == 0, "%s", err.message);
	buf_free(&l.lines);
}
END_TEST

START_TEST(list_refuses_pages_it_cannot_trust)
{
	static const char *bad[] = {
	    /* truncated without a token: following it would loop */
	    LIST_HEAD "<IsTruncated>true</IsTruncated>" CONTENTS("a", 1) "</ListBucketResult>",
	    /* a size that is not a number */
	    LIST_HEAD "<Contents><Key>a</Key><Size>12x</Size></Contents></ListBucketResult>",
	    /* an entry without a key */
	    LIST_HEAD "<Contents><Size>1</Size></Contents></ListBucketResult>",
	    /* an escape that does not decode */
	    LIST_HEAD "<EncodingType>url</EncodingType>" CONTENTS("a%zz", 1) "</ListBucketResult>",
	    /* not XML */
	    "<ListBucketResult><Contents>",
	};
	struct listed l;
	struct s3_list_params p;
	struct s3_list_result res;
	struct ctaws_error err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = list_params(&l);
		httpd_push(srv, &(struct httpd_reply){.body = bad[i]});
		ck_assert_msg(s3_list_objects(conn, &p, &res, &err) == -1, "case %zu listed", i);
		ck_assert_msg(
		    strstr(err.message, "bucket trail: ") == err.message, "%s", err.message);
		ck_assert_msg(i == 4 ? strcmp(err.code, "XmlParseError") == 0
		                     : strcmp(err.code, "InvalidListing") == 0,
		    "case %zu: %s", i, err.code);
		buf_free(&l.lines);
	}
}
END_TEST

START_TEST(list_follows_the_bucket_region)
{
	struct listed l;
	struct s3_list_params p = list_params(&l);
	struct s3_list_result res;
	struct ctaws_error err;

	p.bucket = "listed-elsewhere";
	httpd_push(srv, &(struct httpd_reply){
	                    .status = 301, .headers = "x-amz-bucket-region: ca-central-1\r\n"});
	httpd_push(srv, &(struct httpd_reply){.body = LIST_HEAD "<IsTruncated>false</IsTruncated>"
	                                                        "</ListBucketResult>"});
	ck_assert_msg(s3_list_objects(conn, &p, &res, &err) == 0, "%s", err.message);
	ck_assert(signed_for(1, "ca-central-1"));
	ck_assert_int_eq(res.objects, 0);
	buf_free(&l.lines);
}
END_TEST

CT_CHECK_PROGRAM(.name = "aws services: s3 calls", .timeout = 30, .fixture_setup = setup,
    .fixture_teardown = teardown,
    .once = CT_TESTS(whole_object_with_metadata_first, drop_mid_body_resumes_with_range,
        object_changed_while_resuming, resume_answer_must_continue_where_it_stopped,
        resumes_are_bounded, no_etag_no_resume, errors_before_the_body_are_retried,
        not_found_is_final_and_names_the_object, redirect_to_the_bucket_region_is_followed_and_kept,
        authorization_header_malformed_names_the_region, redirects_are_bounded,
        sink_abort_stops_without_retry, head_abort_stops_before_the_body,
        empty_object_still_reports_metadata, get_needs_bucket_key_and_sink,
        head_bucket_reports_region, head_bucket_errors, object_user_metadata_is_kept,
        head_object_reports_metadata_and_not_found, list_follows_pages_and_decodes_keys,
        list_stops_when_the_caller_says, list_refuses_pages_it_cannot_trust,
        list_follows_the_bucket_region))
