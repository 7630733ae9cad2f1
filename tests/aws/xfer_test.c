/*
 * aws_xfer_*: signed requests driven by a libcurl multi handle, as the
 * daemon's event loop drives its long polls.
 */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "core_httpd.h"
#include "tests/lib/check_main.h"

static struct httpd *srv;
static struct ctaws_client *cli;

static void
setup(void)
{
	char url[64];
	struct ctaws_client_config cfg = {.region = "us-west-2", .endpoint_url = url};
	struct ctaws_error err;

	httpd_isolate_env();
	srv = httpd_start();
	snprintf(url, sizeof(url), "%s", httpd_url(srv, ""));
	cli = ctaws_client_new(&cfg, ctaws_creds_static_new("AKIDX", "sx", NULL), &err);
	ck_assert_msg(cli != NULL, "%s", err.message);
}

static void
teardown(void)
{
	httpd_fixture_free(NULL, cli, srv);
}

/* Runs the transfers to completion; their curl codes in codes[]. */
static void
run(struct ctaws_xfer **x, int n, int *codes)
{
	CURLM *m = curl_multi_init();
	int running = 1, done = 0;

	for (int i = 0; i < n; i++)
		curl_multi_add_handle(m, ctaws_xfer_easy(x[i]));
	for (int rounds = 0; done < n && rounds < 1000; rounds++) {
		CURLMsg *msg;
		int left;

		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			for (int i = 0; i < n; i++)
				if (ctaws_xfer_easy(x[i]) == msg->easy_handle)
					codes[i] = msg->data.result;
			curl_multi_remove_handle(m, msg->easy_handle);
			done++;
		}
		if (done < n)
			curl_multi_poll(m, NULL, 0, 20, NULL);
	}
	ck_assert_int_eq(done, n);
	curl_multi_cleanup(m);
}

static struct ctaws_request
receive(char *body)
{
	static const struct ctaws_kv h[] = {{"Content-Type", "application/x-amz-json-1.0"},
	    {"X-Amz-Target", "AmazonSQS.ReceiveMessage"}};
	struct ctaws_request r = {.service = "sqs",
	    .operation = "ReceiveMessage",
	    .method = "POST",
	    .headers = h,
	    .nheaders = 2,
	    .body = body,
	    .body_len = strlen(body)};

	return r;
}

START_TEST(long_poll_success)
{
	char body[] = "{\"QueueUrl\":\"q\",\"WaitTimeSeconds\":20}";
	struct ctaws_request req = receive(body);
	struct ctaws_response resp;
	struct ctaws_error err;
	struct ctaws_xfer *x;
	int code = -1;

	httpd_push(srv, &(struct httpd_reply){.delay_ms = 200,
	                    .body = "{\"Messages\":[]}",
	                    .headers = "x-amzn-RequestId: lp-1\r\n"});
	x = ctaws_xfer_new(cli, &req, &err);
	ck_assert_msg(x != NULL, "%s", err.message);
	memset(body, 'X', strlen(body)); /* the xfer keeps its own copy */
	run(&x, 1, &code);
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_xfer_finish(x, code, &resp, &err), 0);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body.data, "{\"Messages\":[]}");
	ck_assert_str_eq(resp.request_id, "lp-1");
	ck_assert_str_eq(
	    httpd_request(srv, 0)->body.data, "{\"QueueUrl\":\"q\",\"WaitTimeSeconds\":20}");
	ck_assert_ptr_nonnull(strstr(httpd_header(srv, 0, "Authorization"), "/us-west-2/sqs/"));
	ctaws_response_free(&resp);
	ctaws_xfer_free(x);
}
END_TEST

START_TEST(concurrent_transfers)
{
	char b1[] = "{\"n\":1}", b2[] = "{\"n\":2}";
	struct ctaws_request r1 = receive(b1), r2 = receive(b2);
	struct ctaws_xfer *x[2];
	struct ctaws_response resp;
	struct ctaws_error err;
	int codes[2] = {-1, -1};

	httpd_push(srv, &(struct httpd_reply){.body = "{}"});
	httpd_push(srv, &(struct httpd_reply){.body = "{}"});
	x[0] = ctaws_xfer_new(cli, &r1, &err);
	x[1] = ctaws_xfer_new(cli, &r2, &err);
	run(x, 2, codes);
	ctaws_response_init(&resp);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(ctaws_xfer_finish(x[i], codes[i], &resp, &err), 0);
		ctaws_xfer_free(x[i]);
	}
	ck_assert_int_eq(httpd_nrequests(srv), 2);
	ctaws_response_free(&resp);
}
END_TEST

START_TEST(error_and_clock_skew)
{
	char body[] = "{}";
	struct ctaws_request req = receive(body);
	struct ctaws_response resp;
	struct ctaws_error err;
	struct ctaws_xfer *x;
	int code = -1;
	char first[32];

	httpd_push(srv, &(struct httpd_reply){.status = 400,
	                    .date_offset_s = -1800,
	                    .body = "{\"__type\":\"com.amazonaws.sqs#InvalidSignatureException\","
	                            "\"message\":\"Signature expired\"}"});
	x = ctaws_xfer_new(cli, &req, &err);
	run(&x, 1, &code);
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_xfer_finish(x, code, &resp, &err), -1);
	ck_assert_str_eq(err.code, "InvalidSignatureException");
	/* The clock was corrected, so trying again is worth it. */
	ck_assert_int_eq(err.retryable, 1);
	ck_assert_int_le(ctaws_client_clock_skew(cli), -1790);
	ctaws_xfer_free(x);
	snprintf(first, sizeof(first), "%s", httpd_header(srv, 0, "X-Amz-Date"));
	x = ctaws_xfer_new(cli, &req, &err);
	run(&x, 1, &code);
	ck_assert_int_eq(ctaws_xfer_finish(x, code, &resp, &err), 0);
	ck_assert_str_lt(httpd_header(srv, 1, "X-Amz-Date"), first);
	ctaws_xfer_free(x);
	ctaws_response_free(&resp);
}
END_TEST

START_TEST(timeout_and_network_errors)
{
	char body[] = "{}";
	struct ctaws_request req = receive(body);
	struct ctaws_response resp;
	struct ctaws_error err;
	struct ctaws_xfer *x;
	int code = -1;

	req.timeout_ms = 200;
	httpd_push(srv, &(struct httpd_reply){.delay_ms = 2000});
	x = ctaws_xfer_new(cli, &req, &err);
	run(&x, 1, &code);
	ctaws_response_init(&resp);
	ck_assert_int_eq(ctaws_xfer_finish(x, code, &resp, &err), -1);
	ck_assert_str_eq(err.code, "Timeout");
	ck_assert_int_eq(err.retryable, 1);
	ck_assert_int_eq(resp.attempts, 1);
	ctaws_xfer_free(x);
	ctaws_response_free(&resp);
}
END_TEST

START_TEST(setup_errors)
{
	struct ctaws_request req = {0};
	struct ctaws_error err;

	req.service = "sqs";
	req.operation = "ReceiveMessage";
	req.method = "POST";
	req.region = "not a region";
	ck_assert_ptr_null(ctaws_xfer_new(cli, &req, &err));
	ck_assert_str_eq(err.code, "InvalidRegion");
	req.region = NULL;
	req.url = "ftp://x/";
	ck_assert_ptr_null(ctaws_xfer_new(cli, &req, &err));
	ck_assert_str_eq(err.code, "InvalidEndpoint");
	ctaws_xfer_free(NULL);
}
END_TEST

CT_CHECK_PROGRAM(.name = "xfer", .timeout = 20, .fixture_setup = setup,
    .fixture_teardown = teardown,
    .once = CT_TESTS(long_poll_success, concurrent_transfers, error_and_clock_skew,
        timeout_and_network_errors, setup_errors))
