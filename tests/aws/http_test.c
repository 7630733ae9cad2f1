/*
 * HTTP behaviour through ctaws_call against the scripted local server:
 * keep-alive, timeouts, low-speed aborts, refused connections, bodies cut
 * short, sinks, HEAD, error-body caps, proxies, TLS settings and what goes on
 * the wire (paths, queries, bodies).
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "aws/client.h"
#include "aws/retry.h"
#include "core_httpd.h"
#include "tests/lib/check_main.h"

static struct httpd *srv;

struct fixture {
	struct ctaws_client *c;
	struct ctaws_conn *conn;
};

static void
open_client(struct fixture *f, const char *endpoint, long low_speed_s, const char *ca)
{
	char url[256];
	struct ctaws_client_config cfg = {.region = "us-east-1",
	    .endpoint_url = url,
	    .retry_seed = 7,
	    .retry_base_ms = 1,
	    .low_speed_time_s = low_speed_s,
	    .ca_bundle = ca};
	struct ctaws_error err;

	snprintf(url, sizeof(url), "%s", endpoint ? endpoint : httpd_url(srv, ""));
	f->c = ctaws_client_new(&cfg, NULL, &err);
	ck_assert_msg(f->c != NULL, "%s", err.message);
	f->conn = ctaws_conn_new(f->c);
}

static void
close_client(struct fixture *f)
{
	httpd_fixture_free(f->conn, f->c, NULL);
}

static void
setup(void)
{
	httpd_isolate_env();
	srv = httpd_start();
	ck_assert_ptr_nonnull(srv);
}

static void
teardown(void)
{
	httpd_stop(srv);
	httpd_isolate_env();
}

static struct ctaws_request
get_req(const char *service)
{
	struct ctaws_request r = {0};

	r.service = service;
	r.operation = "Test";
	r.method = "GET";
	r.anonymous = 1;
	return r;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct sink {
	struct buf got;
	int refuse;
};

static int
sink_cb(void *arg, const void *data, size_t len)
{
	struct sink *s = arg;

	if (s->refuse)
		return -1;
	return buf_append(&s->got, data, len);
}

START_TEST(keep_alive_reuses_one_connection)
{
	struct fixture f;
	struct ctaws_request req = get_req("sqs");
	struct ctaws_response resp;
	struct ctaws_error err;

	open_client(&f, NULL, 0, NULL);
	ctaws_response_init(&resp);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), 0);
	ck_assert_int_eq(httpd_connections(srv), 1);
	/* The server closing the connection forces a new one. */
	httpd_push(srv, &(struct httpd_reply){.close = 1});
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), 0);
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), 0);
	ck_assert_int_eq(httpd_connections(srv), 2);
	ck_assert_int_eq(httpd_nrequests(srv), 5);
	ctaws_response_free(&resp);
	close_client(&f);
}
END_TEST

START_TEST(request_timeout)
{
	struct fixture f;
	struct ctaws_request req = get_req("sqs");
	struct ctaws_response resp;
	struct ctaws_error err;
	double t0;

	open_client(&f, NULL, 0, NULL);
	req.timeout_ms = 300;
	req.no_retry = 1;
	httpd_push(srv, &(struct httpd_reply){.delay_ms = 3000});
	ctaws_response_init(&resp);
	t0 = now_s();
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), -1);
	ck_assert_double_lt(now_s() - t0, 2.0);
	ck_assert_str_eq(err.code, "Timeout");
	ck_assert_int_eq(err.retryable, 1);
	ck_assert_int_eq(err.http_status, 0);
	ck_assert_ptr_nonnull(strstr(err.message, "127.0.0.1"));
	ctaws_response_free(&resp);
	close_client(&f);
}
END_TEST

START_TEST(low_speed_abort_keeps_delivered_bytes)
{
	static const char body[] = "0123456789abcdefghij";
	struct fixture f;
	struct ctaws_request req = get_req("s3");
	struct ctaws_response resp;
	struct ctaws_error err;
	struct sink s = {BUF_INIT, 0};
	double t0;

	open_client(&f, NULL, 1, NULL);
	req.bucket = "bkt";
	req.path = "big.json.gz";
	req.sink = sink_cb;
	req.sink_arg = &s;
	/* libcurl averages the speed over a few seconds: one byte, then silence. */
	httpd_push(
	    srv, &(struct httpd_reply){
	             .body = body, .stall_at = 1, .stall_ms = 8000, .headers = "ETag: \"e1\"\r\n"});
	ctaws_response_init(&resp);
	t0 = now_s();
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), -1);
	ck_assert_double_lt(now_s() - t0, 6.0);
	ck_assert_str_eq(err.code, "Timeout");
	/* Bytes were delivered: no retry, and the caller can resume at 1. */
	ck_assert_int_eq(resp.attempts, 1);
	ck_assert_uint_eq(resp.delivered, 1);
	ck_assert_uint_eq(s.got.len, 1);
	ck_assert_int_eq(s.got.data[0], '0');
	ck_assert_int_eq(resp.status, 200);
	ck_assert_int_eq(ctaws_response_header(&resp, "etag", (char[16]){0}, 16), 0);
	buf_free(&s.got);
	ctaws_response_free(&resp);
	close_client(&f);
}
END_TEST

START_TEST(dropped_body_with_sink_is_not_retried)
{
	struct fixture f;
	struct ctaws_request req = get_req("s3");
	struct ctaws_response resp;
	struct ctaws_error err;
	struct sink s = {BUF_INIT, 0};

	open_client(&f, NULL, 0, NULL);
	req.bucket = "bkt";
	req.path = "k";
	req.sink = sink_cb;
	req.sink_arg = &s;
	httpd_push(srv, &(struct httpd_reply){.body = "abcdefghijklmnopqrst", .drop_at = 5});
	httpd_push(srv, &(struct httpd_reply){.body = "never"});
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), -1);
	ck_assert_str_eq(err.code, "NetworkError");
	ck_assert_int_eq(err.retryable, 1);
	ck_assert_int_eq(resp.attempts, 1);
	ck_assert_uint_eq(resp.delivered, 5);
	ck_assert_str_eq(s.got.data, "abcde");
	ck_assert_int_eq(httpd_nrequests(srv), 1);
	buf_free(&s.got);
	ctaws_response_free(&resp);
	close_client(&f);
}
END_TEST

START_TEST(dropped_collected_body_is_retried)
{
	struct fixture f;
	struct ctaws_request req = get_req("sqs");
	struct ctaws_response resp;
	struct ctaws_error err;

	open_client(&f, NULL, 0, NULL);
	httpd_push(srv, &(struct httpd_reply){.body = "{\"partial\":true}", .drop_at = 4});
	httpd_push(srv, &(struct httpd_reply){.body = "{\"whole\":true}"});
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), 0);
	ck_assert_int_eq(resp.attempts, 2);
	ck_assert_str_eq(resp.body.data, "{\"whole\":true}");
	ck_assert_int_eq(httpd_connections(srv), 2);
	ctaws_response_free(&resp);
	close_client(&f);
}
END_TEST

START_TEST(refused_connection)
{
	struct fixture f;
	struct ctaws_request req = get_req("sqs");
	struct ctaws_response resp;
	struct ctaws_error err;
	struct sockaddr_in sa = {0};
	socklen_t len = sizeof(sa);
	char url[64];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* A port that was just free and has no listener. */
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(sa.sin_port));
	open_client(&f, url, 0, NULL);
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), -1);
	ck_assert_str_eq(err.code, "NetworkError");
	ck_assert_int_eq(err.retryable, 1);
	ck_assert_int_eq(err.http_status, 0);
	ck_assert_int_eq(resp.attempts, 3);
	/* Two connection-failure retries at 10 tokens each. */
	ck_assert_int_eq(ctaws_retry_tokens(ctaws_client_retry(f.c)), 480);
	ctaws_response_free(&resp);
	close_client(&f);
}
END_TEST

START_TEST(sink_refusal_aborts)
{
	struct fixture f;
	struct ctaws_request req = get_req("s3");
	struct ctaws_response resp;
	struct ctaws_error err;
	struct sink s = {BUF_INIT, 1};

	open_client(&f, NULL, 0, NULL);
	req.bucket = "bkt";
	req.path = "k";
	req.sink = sink_cb;
	req.sink_arg = &s;
	httpd_push(srv, &(struct httpd_reply){.body = "data"});
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), -1);
	ck_assert_str_eq(err.code, "Aborted");
	ck_assert_int_eq(err.retryable, 0);
	ck_assert_int_eq(resp.attempts, 1);
	ctaws_response_free(&resp);
	close_client(&f);
}
END_TEST

START_TEST(error_body_never_reaches_the_sink)
{
	struct fixture f;
	struct ctaws_request req = get_req("s3");
	struct ctaws_response resp;
	struct ctaws_error err;
	struct sink s = {BUF_INIT, 0};

	open_client(&f, NULL, 0, NULL);
	req.bucket = "bkt";
	req.path = "missing";
	req.sink = sink_cb;
	req.sink_arg = &s;
	httpd_push(
	    srv, &(struct httpd_reply){.status = 404,
	             .body = "<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>"});
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), -1);
	ck_assert_str_eq(err.code, "NoSuchKey");
	ck_assert_uint_eq(s.got.len, 0);
	ck_assert_uint_eq(resp.delivered, 0);
	ck_assert_ptr_nonnull(strstr(resp.body.data, "NoSuchKey"));
	ctaws_response_free(&resp);
	close_client(&f);
}
END_TEST

START_TEST(head_and_headers)
{
	struct fixture f;
	struct ctaws_request req = get_req("s3");
	struct ctaws_response resp;
	struct ctaws_error err;
	char etag[32], region[32];

	open_client(&f, NULL, 0, NULL);
	req.method = "HEAD";
	req.bucket = "bkt";
	httpd_push(srv, &(struct httpd_reply){.body = "ignored for HEAD",
	                    .headers = "ETag:   \"abc\"  \r\nx-amz-bucket-region: eu-west-1\r\n"});
	httpd_push(srv, &(struct httpd_reply){.status = 404});
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), 0);
	ck_assert_str_eq(httpd_request(srv, 0)->method, "HEAD");
	ck_assert_str_eq(httpd_request(srv, 0)->target, "/bkt");
	ck_assert_int_eq(ctaws_response_header(&resp, "ETAG", etag, sizeof(etag)), 0);
	ck_assert_str_eq(etag, "\"abc\"");
	ck_assert_int_eq(
	    ctaws_response_header(&resp, "x-amz-bucket-region", region, sizeof(region)), 0);
	ck_assert_str_eq(region, "eu-west-1");
	ck_assert_int_eq(ctaws_response_header(&resp, "x-missing", region, sizeof(region)), -1);
	ck_assert_uint_eq(resp.body.len, 0);
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), -1);
	ck_assert_str_eq(err.code, "NotFound");
	ctaws_response_free(&resp);
	close_client(&f);
}
END_TEST

START_TEST(error_body_is_capped)
{
	struct fixture f;
	struct ctaws_request req = get_req("sqs");
	struct ctaws_response resp;
	struct ctaws_error err;
	size_t n = 100 * 1024;
	char *big = malloc(n + 1);

	memset(big, 'x', n);
	big[n] = '\0';
	open_client(&f, NULL, 0, NULL);
	req.no_retry = 1;
	httpd_push(srv, &(struct httpd_reply){.status = 400, .body = big});
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), -1);
	ck_assert_uint_eq(resp.body.len, 64 * 1024);
	ck_assert_str_eq(err.code, "BadRequest");
	/* The connection survived: the rest of the body was read and dropped. */
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), 0);
	ck_assert_int_eq(httpd_connections(srv), 1);
	ctaws_response_free(&resp);
	close_client(&f);
	free(big);
}
END_TEST

START_TEST(wire_path_query_and_body)
{
	static const struct ctaws_kv q[] = {{"prefix", "a b/c"}, {"list-type", "2"}, {"e", ""}};
	static const struct ctaws_kv h[] = {{"Content-Type", "application/octet-stream"}};
	struct fixture f;
	struct ctaws_request req = get_req("s3");
	struct ctaws_response resp;
	struct ctaws_error err;
	size_t n = 1 << 20;
	char *body = malloc(n);

	for (size_t i = 0; i < n; i++)
		body[i] = (char)('a' + i % 26);
	open_client(&f, NULL, 0, NULL);
	ctaws_response_init(&resp);
	/* An S3 key with every awkward character, path style on a custom endpoint. */
	req.bucket = "my.bucket";
	req.path = "dir//a b+c~%d=e/ü";
	req.query = q;
	req.nquery = 3;
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), 0);
	ck_assert_str_eq(httpd_request(srv, 0)->target,
	    "/my.bucket/dir//a%20b%2Bc~%25d%3De/%C3%BC?e=&list-type=2&prefix=a%20b%2Fc");
	/* Dot segments are part of S3 keys, not to be resolved. */
	req.path = "a/./b/../c";
	req.nquery = 0;
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), 0);
	ck_assert_str_eq(httpd_request(srv, 1)->target, "/my.bucket/a/./b/../c");
	/* A 1 MiB PUT: exact body, no 100-continue round trip. */
	req.method = "PUT";
	req.query = NULL;
	req.nquery = 0;
	req.path = "up";
	req.headers = h;
	req.nheaders = 1;
	req.body = body;
	req.body_len = n;
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), 0);
	ck_assert_str_eq(httpd_request(srv, 2)->method, "PUT");
	ck_assert_uint_eq(httpd_request(srv, 2)->body.len, n);
	ck_assert_int_eq(memcmp(httpd_request(srv, 2)->body.data, body, n), 0);
	ck_assert_ptr_null(httpd_header(srv, 2, "Expect"));
	ck_assert_str_eq(httpd_header(srv, 2, "Content-Type"), "application/octet-stream");
	ctaws_response_free(&resp);
	close_client(&f);
	free(body);
}
END_TEST

START_TEST(bad_headers_are_refused)
{
	static const struct ctaws_kv h[] = {{"X-Evil", "a\r\nInjected: yes"}};
	struct fixture f;
	struct ctaws_request req = get_req("sqs");
	struct ctaws_response resp;
	struct ctaws_error err;

	open_client(&f, NULL, 0, NULL);
	req.headers = h;
	req.nheaders = 1;
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), -1);
	ck_assert_str_eq(err.code, "InvalidRequest");
	ck_assert_int_eq(httpd_nrequests(srv), 0);
	ctaws_response_free(&resp);
	close_client(&f);
}
END_TEST

START_TEST(proxy_variables)
{
	struct fixture f;
	struct ctaws_request req = get_req("sqs");
	struct ctaws_response resp;
	struct ctaws_error err;
	char proxy[64];

	snprintf(proxy, sizeof(proxy), "%s", httpd_url(srv, ""));
	open_client(&f, "http://sqs.proxied.invalid", 0, NULL);
	req.no_retry = 1;
	ctaws_response_init(&resp);
	setenv("http_proxy", proxy, 1);
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), 0);
	/* A proxy gets the absolute URL. */
	ck_assert_str_eq(httpd_request(srv, 0)->target, "http://sqs.proxied.invalid/");
	setenv("NO_PROXY", "proxied.invalid", 1);
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), -1);
	ck_assert_str_eq(err.code, "NetworkError");
	ck_assert_int_eq(httpd_nrequests(srv), 1);
	ctaws_response_free(&resp);
	close_client(&f);
}
END_TEST

START_TEST(ca_bundle_is_used)
{
	struct fixture f;
	struct ctaws_request req = get_req("sqs");
	struct ctaws_response resp;
	struct ctaws_error err;
	char url[64];

	snprintf(url, sizeof(url), "https://127.0.0.1:%d", httpd_port(srv));
	open_client(&f, url, 0, "/nonexistent/ca-bundle.pem");
	req.no_retry = 1;
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), -1);
	ck_assert_str_eq(err.code, "TLSError");
	ck_assert_int_eq(err.retryable, 0);
	ctaws_response_free(&resp);
	close_client(&f);
	/* AWS_CA_BUNDLE is honoured the same way. */
	setenv("AWS_CA_BUNDLE", "/nonexistent/other.pem", 1);
	open_client(&f, url, 0, NULL);
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(f.conn, &req, &resp, &err), -1);
	ck_assert_str_eq(err.code, "TLSError");
	ctaws_response_free(&resp);
	close_client(&f);
}
END_TEST

CT_CHECK_PROGRAM(.name = "http", .timeout = 20, .fixture_setup = setup,
    .fixture_teardown = teardown,
    .once = CT_TESTS(keep_alive_reuses_one_connection, request_timeout,
        low_speed_abort_keeps_delivered_bytes, dropped_body_with_sink_is_not_retried,
        dropped_collected_body_is_retried, refused_connection, sink_refusal_aborts,
        error_body_never_reaches_the_sink, head_and_headers, error_body_is_capped,
        wire_path_query_and_body, bad_headers_are_refused, proxy_variables, ca_bundle_is_used))
