/*
 * ctaws_call end to end against the scripted local server: signing headers on
 * the wire, error parsing, standard-mode retries, clock-skew correction,
 * streaming sinks, keep-alive and timeouts.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/client.h"
#include "aws/retry.h"
#include "core_httpd.h"
#include "tests/lib/check_main.h"

static struct httpd *srv;
static struct ctaws_client *cli;
static struct ctaws_conn *conn;

static struct ctaws_client *
make_client(const char *token, long low_speed_s, long timeout_ms)
{
	struct ctaws_client_config cfg = {0};
	struct ctaws_error err;
	struct ctaws_client *c;
	char url[256];

	snprintf(url, sizeof(url), "%s", httpd_url(srv, ""));
	cfg.region = "eu-west-1";
	cfg.endpoint_url = url;
	cfg.retry_seed = 42;
	cfg.retry_base_ms = 2;
	cfg.low_speed_time_s = low_speed_s;
	cfg.request_timeout_ms = timeout_ms;
	c = ctaws_client_new(&cfg, ctaws_creds_static_new("AKIDEXAMPLE", "secret", token), &err);
	ck_assert_msg(c != NULL, "client: %s", err.message);
	return c;
}

static void
setup(void)
{
	httpd_isolate_env();
	srv = httpd_start();
	ck_assert_ptr_nonnull(srv);
	cli = make_client(NULL, 0, 0);
	conn = ctaws_conn_new(cli);
}

static void
teardown(void)
{
	httpd_fixture_free(conn, cli, srv);
}

static const struct ctaws_kv sqs_headers[] = {
    {"Content-Type", "application/x-amz-json-1.0"},
    {"X-Amz-Target", "AmazonSQS.ReceiveMessage"},
};

static struct ctaws_request
sqs_req(void)
{
	static const char body[] = "{\"QueueUrl\":\"q\"}";
	struct ctaws_request r = {0};

	r.service = "sqs";
	r.operation = "ReceiveMessage";
	r.method = "POST";
	r.headers = sqs_headers;
	r.nheaders = 2;
	r.body = body;
	r.body_len = sizeof(body) - 1;
	return r;
}

START_TEST(signed_post_reaches_server)
{
	struct ctaws_request req = sqs_req();
	struct ctaws_response resp;
	struct ctaws_error err;
	const char *auth;

	httpd_push(srv, &(struct httpd_reply){
	                    .body = "{\"Messages\":[]}", .headers = "x-amzn-RequestId: rid-1\r\n"});
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(conn, &req, &resp, &err), 0);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body.data, "{\"Messages\":[]}");
	ck_assert_str_eq(resp.request_id, "rid-1");
	ck_assert_int_eq(resp.attempts, 1);
	ck_assert_int_eq(httpd_nrequests(srv), 1);
	ck_assert_str_eq(httpd_request(srv, 0)->method, "POST");
	ck_assert_str_eq(httpd_request(srv, 0)->target, "/");
	ck_assert_str_eq(httpd_request(srv, 0)->body.data, "{\"QueueUrl\":\"q\"}");
	auth = httpd_header(srv, 0, "Authorization");
	ck_assert_ptr_nonnull(auth);
	ck_assert_msg(
	    strncmp(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 40) == 0, "%s", auth);
	ck_assert_msg(strstr(auth, "/eu-west-1/sqs/aws4_request, SignedHeaders="
	                           "content-type;host;x-amz-date;x-amz-target, Signature=") != NULL,
	    "%s", auth);
	ck_assert_ptr_nonnull(httpd_header(srv, 0, "X-Amz-Date"));
	ck_assert_ptr_null(httpd_header(srv, 0, "X-Amz-Security-Token"));
	ck_assert_ptr_null(httpd_header(srv, 0, "Expect"));
	ctaws_response_free(&resp);
}
END_TEST

START_TEST(json_error_is_typed_and_not_retried)
{
	struct ctaws_request req = sqs_req();
	struct ctaws_response resp;
	struct ctaws_error err;
	char s[1024];

	httpd_push(srv,
	    &(struct httpd_reply){.status = 400,
	        .headers = "x-amzn-RequestId: rid-2\r\n"
	                   "x-amzn-query-error: AWS.SimpleQueueService.NonExistentQueue;Sender\r\n",
	        .body = "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\","
	                "\"message\":\"The specified queue does not exist.\"}"});
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(conn, &req, &resp, &err), -1);
	ck_assert_str_eq(err.code, "QueueDoesNotExist");
	ck_assert_str_eq(err.message, "The specified queue does not exist.");
	ck_assert_str_eq(err.request_id, "rid-2");
	ck_assert_str_eq(err.service, "sqs");
	ck_assert_str_eq(err.operation, "ReceiveMessage");
	ck_assert_int_eq(err.http_status, 400);
	ck_assert_int_eq(err.retryable, 0);
	ck_assert_int_eq(resp.attempts, 1);
	ck_assert_int_eq(httpd_nrequests(srv), 1);
	ctaws_error_str(&err, s, sizeof(s));
	ck_assert_str_eq(s, "sqs ReceiveMessage: HTTP 400 QueueDoesNotExist: The specified queue "
	                    "does not exist. (request id rid-2)");
	ctaws_response_free(&resp);
}
END_TEST

START_TEST(throttling_then_success_refunds_quota)
{
	struct ctaws_request req = sqs_req();
	struct ctaws_response resp;
	struct ctaws_error err;

	httpd_push(srv, &(struct httpd_reply){.status = 400,
	                    .body = "{\"__type\":\"com.amazonaws.sqs#ThrottlingException\","
	                            "\"message\":\"Rate exceeded\"}"});
	httpd_push(srv, &(struct httpd_reply){.status = 503, .body = ""});
	httpd_push(srv, &(struct httpd_reply){.body = "{}"});
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(conn, &req, &resp, &err), 0);
	ck_assert_int_eq(resp.attempts, 3);
	ck_assert_int_eq(httpd_nrequests(srv), 3);
	/* Two retries took 5 each; success refunded the last one's 5. */
	ck_assert_int_eq(ctaws_retry_tokens(ctaws_client_retry(cli)), 495);
	/* Keep-alive: one connection for all three. */
	ck_assert_int_eq(httpd_connections(srv), 1);
	ctaws_response_free(&resp);
}
END_TEST

START_TEST(attempts_run_out)
{
	struct ctaws_request req = sqs_req();
	struct ctaws_response resp;
	struct ctaws_error err;

	for (int i = 0; i < 4; i++)
		httpd_push(srv, &(struct httpd_reply){.status = 500,
		                    .body = "{\"__type\":\"InternalError\",\"message\":\"boom\"}"});
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(conn, &req, &resp, &err), -1);
	ck_assert_int_eq(resp.attempts, 3);
	ck_assert_str_eq(err.code, "InternalError");
	ck_assert_int_eq(err.retryable, 1);
	ck_assert_int_eq(err.transient, 1);
	ck_assert_int_eq(httpd_nrequests(srv), 3);
	ctaws_response_free(&resp);
}
END_TEST

START_TEST(no_retry_flag)
{
	struct ctaws_request req = sqs_req();
	struct ctaws_response resp;
	struct ctaws_error err;

	req.no_retry = 1;
	httpd_push(srv, &(struct httpd_reply){.status = 503});
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(conn, &req, &resp, &err), -1);
	ck_assert_int_eq(resp.attempts, 1);
	ck_assert_str_eq(err.code, "ServiceUnavailable");
	ctaws_response_free(&resp);
}
END_TEST

START_TEST(clock_skew_corrected_once)
{
	struct ctaws_request req = sqs_req();
	struct ctaws_response resp;
	struct ctaws_error err;
	const char *d1, *d2;
	char first[32];

	httpd_push(srv, &(struct httpd_reply){.status = 400,
	                    .date_offset_s = 3600,
	                    .body = "{\"__type\":\"com.amazonaws.sqs#InvalidSignatureException\","
	                            "\"message\":\"Signature expired\"}"});
	httpd_push(srv, &(struct httpd_reply){.body = "{}"});
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(conn, &req, &resp, &err), 0);
	ck_assert_int_eq(resp.attempts, 2);
	ck_assert_int_ge(ctaws_client_clock_skew(cli), 3590);
	ck_assert_int_le(ctaws_client_clock_skew(cli), 3610);
	d1 = httpd_header(srv, 0, "X-Amz-Date");
	snprintf(first, sizeof(first), "%s", d1);
	d2 = httpd_header(srv, 1, "X-Amz-Date");
	ck_assert_str_ne(first, d2);
	/* No quota was spent on the correction. */
	ck_assert_int_eq(ctaws_retry_tokens(ctaws_client_retry(cli)), 500);
	ctaws_response_free(&resp);
}
END_TEST

START_TEST(skew_error_without_skewed_date_is_final)
{
	struct ctaws_request req = sqs_req();
	struct ctaws_response resp;
	struct ctaws_error err;

	httpd_push(
	    srv, &(struct httpd_reply){.status = 403,
	             .body = "{\"__type\":\"InvalidSignatureException\",\"message\":\"no\"}"});
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(conn, &req, &resp, &err), -1);
	ck_assert_int_eq(resp.attempts, 1);
	ck_assert_int_eq(ctaws_client_clock_skew(cli), 0);
	ctaws_response_free(&resp);
}
END_TEST

START_TEST(region_precedence)
{
	struct ctaws_profile_settings file = {0};
	struct ctaws_client_config cfg = {0};
	struct ctaws_error err;
	struct ctaws_client *c;

	httpd_isolate_env();
	file.region = "ap-south-1";
	cfg.file = &file;
	c = ctaws_client_new(&cfg, NULL, &err);
	ck_assert_str_eq(ctaws_client_region(c), "ap-south-1");
	ctaws_client_free(c);
	setenv("AWS_DEFAULT_REGION", "eu-north-1", 1);
	c = ctaws_client_new(&cfg, NULL, &err);
	ck_assert_str_eq(ctaws_client_region(c), "eu-north-1");
	ctaws_client_free(c);
	setenv("AWS_REGION", "us-west-1", 1);
	c = ctaws_client_new(&cfg, NULL, &err);
	ck_assert_str_eq(ctaws_client_region(c), "us-west-1");
	ctaws_client_free(c);
	cfg.region = "ca-central-1";
	c = ctaws_client_new(&cfg, NULL, &err);
	ck_assert_str_eq(ctaws_client_region(c), "ca-central-1");
	ctaws_client_free(c);
	cfg.region = "Bad Region";
	ck_assert_ptr_null(ctaws_client_new(&cfg, ctaws_creds_static_new("a", "b", NULL), &err));
	ck_assert_str_eq(err.code, "InvalidRegion");
	httpd_isolate_env();
	c = ctaws_client_new(NULL, NULL, &err);
	ck_assert_ptr_null(ctaws_client_region(c));
	ctaws_client_free(c);
}
END_TEST

START_TEST(max_attempts_settings)
{
	struct ctaws_profile_settings file = {0};
	struct ctaws_client_config cfg = {0};
	struct ctaws_error err;
	struct ctaws_client *c;

	httpd_isolate_env();
	file.max_attempts = "7";
	cfg.file = &file;
	c = ctaws_client_new(&cfg, NULL, &err);
	ck_assert_int_eq(ctaws_client_retry(c)->max_attempts, 7);
	ctaws_client_free(c);
	setenv("AWS_MAX_ATTEMPTS", "5", 1);
	c = ctaws_client_new(&cfg, NULL, &err);
	ck_assert_int_eq(ctaws_client_retry(c)->max_attempts, 5);
	ctaws_client_free(c);
	cfg.max_attempts = 2;
	c = ctaws_client_new(&cfg, NULL, &err);
	ck_assert_int_eq(ctaws_client_retry(c)->max_attempts, 2);
	ctaws_client_free(c);
	cfg.max_attempts = 0;
	setenv("AWS_MAX_ATTEMPTS", "many", 1);
	ck_assert_ptr_null(ctaws_client_new(&cfg, NULL, &err));
	ck_assert_str_eq(err.code, "InvalidConfiguration");
	ck_assert_ptr_nonnull(strstr(err.message, "many"));
	httpd_isolate_env();
}
END_TEST

START_TEST(queue_url_names_the_region)
{
	struct ctaws_client_config cfg = {0};
	struct ctaws_request req = sqs_req();
	struct ctaws_response resp;
	struct ctaws_error err;
	struct ctaws_client *c;
	struct ctaws_conn *cn;
	char proxy[64];

	httpd_isolate_env();
	cfg.retry_base_ms = 1;
	c = ctaws_client_new(&cfg, ctaws_creds_static_new("AK", "SK", NULL), &err);
	cn = ctaws_conn_new(c);
	ctaws_response_init(&resp);
	/* No region anywhere: a custom URL names none. */
	req.url = httpd_url(srv, "/000000000000/q");
	ck_assert_int_eq(ctaws_call(cn, &req, &resp, &err), -1);
	ck_assert_str_eq(err.code, "NoRegion");
	/* A real queue URL does (sent through our server as a proxy). */
	snprintf(proxy, sizeof(proxy), "%s", httpd_url(srv, ""));
	setenv("http_proxy", proxy, 1);
	req.url = "http://sqs.eu-north-1.amazonaws.com/123456789012/alerts";
	ck_assert_int_eq(ctaws_call(cn, &req, &resp, &err), 0);
	ck_assert_str_eq(httpd_request(srv, 0)->target, req.url);
	ck_assert_ptr_nonnull(strstr(httpd_header(srv, 0, "Authorization"), "/eu-north-1/sqs/"));
	ck_assert_str_eq(httpd_header(srv, 0, "Host"), "sqs.eu-north-1.amazonaws.com");
	/* An unsigned request to an explicit URL (a metadata service) needs no region. */
	unsetenv("http_proxy");
	req.url = httpd_url(srv, "/latest/api/token");
	req.anonymous = 1;
	ck_assert_int_eq(ctaws_call(cn, &req, &resp, &err), 0);
	ck_assert_ptr_null(httpd_header(srv, 1, "Authorization"));
	req.anonymous = 0;
	/* A URL with a path and a path of its own is a mistake. */
	req.url = "http://sqs.eu-north-1.amazonaws.com/123456789012/alerts";
	req.path = "/x";
	ck_assert_int_eq(ctaws_call(cn, &req, &resp, &err), -1);
	ck_assert_str_eq(err.code, "InvalidRequest");
	unsetenv("http_proxy");
	ctaws_response_free(&resp);
	ctaws_conn_free(cn);
	ctaws_client_free(c);
}
END_TEST

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(shared_config_file_settings)
{
	struct ctaws_client_config cfg = {0};
	struct ctaws_request req = sqs_req();
	struct ctaws_response resp;
	struct ctaws_error err;
	struct ctaws_client *c;
	struct ctaws_conn *cn;
	char dir[] = "/tmp/ctalertd-core-XXXXXX", path[64], text[512];

	httpd_isolate_env();
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config", dir);
	snprintf(text, sizeof(text),
	    "[default]\nregion = eu-west-3\n\n"
	    "[profile ops]\nregion = sa-east-1\nmax_attempts = 4\nservices = local\n"
	    "endpoint_url = http://global.invalid\ns3 =\n  addressing_style = path\n\n"
	    "[services local]\nsqs =\n  endpoint_url = %s\n",
	    httpd_url(srv, ""));
	write_file(path, text);
	setenv("AWS_CONFIG_FILE", path, 1);
	cfg.profile = "ops";
	c = ctaws_client_new(&cfg, ctaws_creds_static_new("AK", "SK", NULL), &err);
	ck_assert_msg(c != NULL, "%s", err.message);
	ck_assert_str_eq(ctaws_client_region(c), "sa-east-1");
	ck_assert_int_eq(ctaws_client_retry(c)->max_attempts, 4);
	ck_assert_str_eq(ctaws_client_endpoints(c)->url[CTAWS_SVC_SNS], "http://global.invalid");
	ck_assert_int_eq(ctaws_client_endpoints(c)->s3_path_style, 1);
	cn = ctaws_conn_new(c);
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(cn, &req, &resp, &err), 0);
	ck_assert_ptr_nonnull(strstr(httpd_header(srv, 0, "Authorization"), "/sa-east-1/sqs/"));
	ctaws_response_free(&resp);
	ctaws_conn_free(cn);
	ctaws_client_free(c);
	/* AWS_PROFILE picks the profile when the configuration does not. */
	setenv("AWS_PROFILE", "default", 1);
	c = ctaws_client_new(NULL, NULL, &err);
	ck_assert_str_eq(ctaws_client_region(c), "eu-west-3");
	ctaws_client_free(c);
	/* A broken file stops the client, naming file and line. */
	write_file(path, "[default]\nregion\n");
	ck_assert_ptr_null(ctaws_client_new(NULL, NULL, &err));
	ck_assert_str_eq(err.code, "InvalidProfileFile");
	ck_assert_ptr_nonnull(strstr(err.message, path));
	unlink(path);
	rmdir(dir);
	httpd_isolate_env();
}
END_TEST

static int
failing_get(struct ctaws_creds_provider *p, struct ctaws_credentials **out, struct ctaws_error *err)
{
	(void)p, (void)out;
	return ctaws_error_set(err, "imds", NULL, 0, "CredentialsNotFound", 0, "no instance role");
}

static void
failing_destroy(struct ctaws_creds_provider *p)
{
	(void)p;
}

START_TEST(credentials_and_providers)
{
	static const struct ctaws_creds_provider_ops ops = {failing_get, failing_destroy};
	static struct ctaws_creds_provider failing = {&ops, "failing"};
	struct ctaws_creds_provider *p = ctaws_creds_static_new("AK", "SK", "TK");
	struct ctaws_request req = sqs_req();
	struct ctaws_credentials *a, *b;
	struct ctaws_response resp;
	struct ctaws_error err;

	ck_assert_int_eq(ctaws_creds_get(p, &a, &err), 0);
	ck_assert_int_eq(ctaws_creds_get(p, &b, &err), 0);
	ck_assert_ptr_eq(a, b);
	ck_assert_str_eq(a->session_token, "TK");
	ck_assert_int_eq(a->refs, 3);
	ctaws_credentials_release(a);
	ctaws_credentials_release(ctaws_credentials_ref(b));
	ctaws_credentials_release(b);
	ctaws_creds_provider_free(p);
	ctaws_creds_provider_free(NULL);
	a = ctaws_credentials_new("AK", "SK", "", 0, NULL);
	ck_assert_ptr_null(a->session_token);
	ck_assert_str_eq(a->source, "static");
	ctaws_credentials_release(a);
	ck_assert_ptr_null(ctaws_credentials_new(NULL, "SK", NULL, 0, "x"));
	/* A provider's failure ends the call, typed and named. */
	ctaws_client_set_creds(cli, &failing);
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_call(conn, &req, &resp, &err), -1);
	ck_assert_str_eq(err.code, "CredentialsNotFound");
	ck_assert_str_eq(err.service, "imds");
	ck_assert_str_eq(err.operation, "ReceiveMessage");
	ck_assert_int_eq(httpd_nrequests(srv), 0);
	/* No provider at all. */
	ctaws_client_set_creds(cli, NULL);
	ck_assert_int_eq(ctaws_call(conn, &req, &resp, &err), -1);
	ck_assert_str_eq(err.code, "CredentialsNotFound");
	/* Session tokens go on the wire. */
	ctaws_client_set_creds(cli, ctaws_creds_static_new("AK2", "SK2", "TOKEN2"));
	ck_assert_int_eq(ctaws_call(conn, &req, &resp, &err), 0);
	ck_assert_str_eq(httpd_header(srv, 0, "X-Amz-Security-Token"), "TOKEN2");
	ck_assert_ptr_nonnull(strstr(
	    httpd_header(srv, 0, "Authorization"), "x-amz-date;x-amz-security-token;x-amz-target"));
	ctaws_response_free(&resp);
}
END_TEST

CT_CHECK_PROGRAM(.name = "aws_call", .timeout = 20, .fixture_setup = setup,
    .fixture_teardown = teardown,
    .once = CT_TESTS(signed_post_reaches_server, json_error_is_typed_and_not_retried,
        throttling_then_success_refunds_quota, attempts_run_out, no_retry_flag,
        clock_skew_corrected_once, skew_error_without_skewed_date_is_final, region_precedence,
        max_attempts_settings, queue_url_names_the_region, credentials_and_providers,
        shared_config_file_settings))
