/*
 * SQS and SNS calls against the scripted local server: where requests go
 * (the queue URL's host, or an endpoint override), how they are signed (the
 * queue's or topic's region), typed errors surfaced once, retries of
 * throttling, and per-entry batch results.
 */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sns.h"
#include "aws/sqs.h"
#include "core_httpd.h"
#include "tests/lib/check_main.h"

static struct httpd *srv;
static struct ctaws_client *cli;   /* endpoint override: the scripted server */
static struct ctaws_client *plain; /* no override */
static struct ctaws_conn *conn, *plain_conn;

#define TOPIC     "arn:aws:sns:eu-west-1:123456789012:ct-alerts"
#define MD5_HELLO "5d41402abc4b2a76b9719d911017c592" /* "hello" */

static struct ctaws_client *
client(const char *endpoint)
{
	struct ctaws_client_config cfg = {0};
	struct ctaws_error err;
	struct ctaws_client *c;

	cfg.region = "us-east-1";
	cfg.endpoint_url = endpoint;
	cfg.retry_seed = 3;
	cfg.retry_base_ms = 2;
	c = ctaws_client_new(&cfg, ctaws_creds_static_new("AKIDEXAMPLE", "secret", NULL), &err);
	ck_assert_msg(c != NULL, "%s", err.message);
	return c;
}

static void
setup(void)
{
	static const char *const vars[] = {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS",
	    "AWS_ENDPOINT_URL_SNS", "AWS_REGION", "AWS_DEFAULT_REGION", NULL};

	for (const char *const *v = vars; *v; v++)
		unsetenv(*v);
	setenv("AWS_CONFIG_FILE", "/dev/null", 1);
	srv = httpd_start();
	ck_assert_ptr_nonnull(srv);
	cli = client(httpd_url(srv, ""));
	plain = client(NULL);
	conn = ctaws_conn_new(cli);
	plain_conn = ctaws_conn_new(plain);
}

static void
teardown(void)
{
	ctaws_conn_free(conn);
	ctaws_conn_free(plain_conn);
	ctaws_client_free(cli);
	ctaws_client_free(plain);
	httpd_stop(srv);
}

static int
signed_for(int i, const char *region, const char *service)
{
	char scope[64];

	snprintf(scope, sizeof(scope), "/%s/%s/aws4_request", region, service);
	return strstr(httpd_header(srv, i, "Authorization"), scope) != NULL;
}

static const struct sqs_receive_params poll = {10, 20, 300};

START_TEST(receive_goes_to_the_queue_host)
{
	struct sqs_queue q;
	struct sqs_messages m;
	struct ctaws_error err;

	ck_assert_int_eq(sqs_queue_init(&q, plain, httpd_url(srv, "/000000000000/ct"), &err), 0);
	httpd_push(srv,
	    &(struct httpd_reply){.body = "{\"Messages\":[{\"MessageId\":\"m1\","
	                                  "\"ReceiptHandle\":\"rh1\",\"MD5OfBody\":\"" MD5_HELLO
	                                  "\",\"Body\":\"hello\",\"Attributes\":{"
	                                  "\"ApproximateReceiveCount\":\"2\"}}]}"});
	ck_assert_msg(sqs_receive(plain_conn, &q, &poll, &m, &err) == 0, "%s", err.message);
	ck_assert_int_eq(m.n, 1);
	ck_assert_str_eq(m.v[0].body, "hello");
	ck_assert_int_eq(m.v[0].receive_count, 2);
	ck_assert_str_eq(httpd_request(srv, 0)->target, "/");
	ck_assert_str_eq(httpd_header(srv, 0, "X-Amz-Target"), "AmazonSQS.ReceiveMessage");
	ck_assert(signed_for(0, "us-east-1", "sqs"));
	sqs_messages_free(&m);
	sqs_queue_free(&q);
}
END_TEST

START_TEST(override_wins_and_region_comes_from_the_url)
{
	struct sqs_queue q;
	struct sqs_messages m;
	struct ctaws_error err;

	ck_assert_int_eq(sqs_queue_init(&q, cli,
	                     "https://sqs.ap-northeast-1.amazonaws.com/123456789012/ct", &err),
	    0);
	httpd_push(srv, &(struct httpd_reply){.body = "{}"});
	ck_assert_msg(sqs_receive(conn, &q, &poll, &m, &err) == 0, "%s", err.message);
	ck_assert_int_eq(m.n, 0);
	ck_assert_int_eq(httpd_nrequests(srv), 1);
	ck_assert(signed_for(0, "ap-northeast-1", "sqs"));
	ck_assert(
	    strstr(httpd_request(srv, 0)->body.data,
	        "\"QueueUrl\":\"https://sqs.ap-northeast-1.amazonaws.com/123456789012/ct\"") !=
	    NULL);
	sqs_queue_free(&q);
}
END_TEST

/* The daemon's way: build the request, run it on a libcurl multi handle,
 * parse the body. */
START_TEST(receive_through_a_multi_handle)
{
	struct sqs_receive_params p = {5, 0, 60};
	struct sqs_request r;
	struct sqs_messages m;
	struct sqs_queue q;
	struct ctaws_response resp;
	struct ctaws_error err;
	struct ctaws_xfer *x;
	CURLM *multi = curl_multi_init();
	CURLMsg *msg;
	int running = 1, left, code = -1;

	ck_assert_int_eq(sqs_queue_init(&q, cli, "http://127.0.0.1:1/000000000000/q", &err), 0);
	ck_assert_int_eq(sqs_receive_request(&r, &q, &p, &err), 0);
	x = ctaws_xfer_new(cli, &r.req, &err);
	ck_assert_msg(x != NULL, "%s", err.message);
	httpd_push(srv,
	    &(struct httpd_reply){.body = "{\"Messages\":[{\"MessageId\":\"m1\","
	                                  "\"ReceiptHandle\":\"rh1\",\"MD5OfBody\":\"" MD5_HELLO
	                                  "\",\"Body\":\"hello\"}]}"});
	curl_multi_add_handle(multi, ctaws_xfer_easy(x));
	while (running > 0) {
		ck_assert_int_eq(curl_multi_perform(multi, &running), CURLM_OK);
		if (running > 0)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
	while ((msg = curl_multi_info_read(multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			code = (int)msg->data.result;
	curl_multi_remove_handle(multi, ctaws_xfer_easy(x));
	ctaws_response_init(&resp);
	ck_assert_msg(ctaws_xfer_finish(x, code, &resp, &err) == 0, "%s", err.message);
	ck_assert_int_eq(sqs_receive_parse(&resp.body, &m, &err), 0);
	ck_assert_int_eq(m.n, 1);
	ck_assert_str_eq(m.v[0].receipt_handle, "rh1");
	ck_assert_str_eq(httpd_header(srv, 0, "X-Amz-Target"), "AmazonSQS.ReceiveMessage");
	ck_assert_msg(strstr(httpd_request(srv, 0)->body.data, "\"MaxNumberOfMessages\":5") != NULL,
	    "%s", httpd_request(srv, 0)->body.data);
	sqs_messages_free(&m);
	ctaws_response_free(&resp);
	ctaws_xfer_free(x);
	curl_multi_cleanup(multi);
	sqs_request_free(&r);
	sqs_queue_free(&q);
}
END_TEST

START_TEST(missing_queue_is_surfaced_once)
{
	struct sqs_queue q;
	struct sqs_messages m;
	struct ctaws_error err;

	ck_assert_int_eq(sqs_queue_init(&q, cli, "http://127.0.0.1:1/000000000000/gone", &err), 0);
	httpd_push(srv, &(struct httpd_reply){.status = 400,
	                    .headers = "x-amzn-RequestId: rid-9\r\n"
	                               "x-amzn-query-error: "
	                               "AWS.SimpleQueueService.NonExistentQueue;Sender\r\n",
	                    .body = "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\","
	                            "\"message\":\"The specified queue does not exist.\"}"});
	ck_assert_int_eq(sqs_receive(conn, &q, &poll, &m, &err), -1);
	ck_assert_str_eq(err.service, "sqs");
	ck_assert_str_eq(err.operation, "ReceiveMessage");
	ck_assert_str_eq(err.code, "QueueDoesNotExist");
	ck_assert_int_eq(err.http_status, 400);
	ck_assert_str_eq(err.request_id, "rid-9");
	ck_assert_int_eq(err.retryable, 0);
	ck_assert_int_eq(httpd_nrequests(srv), 1);
	ck_assert_ptr_null(m.v);
	sqs_queue_free(&q);
}
END_TEST

START_TEST(throttling_is_retried)
{
	struct sqs_queue q;
	struct ctaws_attrs a;
	struct ctaws_error err;

	ck_assert_int_eq(sqs_queue_init(&q, cli, "http://127.0.0.1:1/000000000000/q", &err), 0);
	httpd_push(
	    srv, &(struct httpd_reply){.status = 400,
	             .body = "{\"__type\":\"com.amazon.coral.availability#ThrottlingException\","
	                     "\"message\":\"Rate exceeded\"}"});
	httpd_push(
	    srv, &(struct httpd_reply){.body = "{\"Attributes\":{\"VisibilityTimeout\":\"30\"}}"});
	ck_assert_msg(
	    sqs_get_queue_attributes(conn, &q, NULL, 0, &a, &err) == 0, "%s", err.message);
	ck_assert_str_eq(ctaws_attrs_get(&a, "VisibilityTimeout"), "30");
	ck_assert_ptr_null(ctaws_attrs_get(&a, "DelaySeconds"));
	ck_assert_int_eq(httpd_nrequests(srv), 2);
	ctaws_attrs_free(&a);
	sqs_queue_free(&q);
}
END_TEST

START_TEST(md5_mismatch_keeps_the_request_id)
{
	struct sqs_queue q;
	struct sqs_messages m;
	struct ctaws_error err;

	ck_assert_int_eq(sqs_queue_init(&q, cli, "http://127.0.0.1:1/000000000000/q", &err), 0);
	httpd_push(srv, &(struct httpd_reply){.headers = "x-amzn-RequestId: rid-md5\r\n",
	                    .body = "{\"Messages\":[{\"MessageId\":\"m1\",\"ReceiptHandle\":\"r\","
	                            "\"MD5OfBody\":\"" MD5_HELLO "\",\"Body\":\"hellO\"}]}"});
	ck_assert_int_eq(sqs_receive(conn, &q, &poll, &m, &err), -1);
	ck_assert_str_eq(err.code, SQS_ERR_MD5_MISMATCH);
	ck_assert_str_eq(err.request_id, "rid-md5");
	ck_assert_int_eq(m.n, 0);
	sqs_queue_free(&q);
}
END_TEST

START_TEST(delete_batch_reports_each_entry)
{
	struct sqs_batch_entry e[3] = {{"a", "rh-a", 0}, {"b", "rh-b", 0}, {"c", "rh-c", 0}};
	struct sqs_batch_result res;
	struct sqs_queue q;
	struct ctaws_error err;

	ck_assert_int_eq(sqs_queue_init(&q, cli, "http://127.0.0.1:1/000000000000/q", &err), 0);
	httpd_push(
	    srv, &(struct httpd_reply){.body = "{\"Successful\":[{\"Id\":\"a\"},{\"Id\":\"c\"}],"
	                                       "\"Failed\":[{\"Id\":\"b\",\"SenderFault\":true,"
	                                       "\"Code\":\"ReceiptHandleIsInvalid\","
	                                       "\"Message\":\"bad\"}]}"});
	ck_assert_msg(sqs_delete_batch(conn, &q, e, 3, &res, &err) == 0, "%s", err.message);
	ck_assert_int_eq(res.nfailed, 1);
	ck_assert_int_eq(res.entry[0].status, CTAWS_ENTRY_OK);
	ck_assert_int_eq(res.entry[1].status, CTAWS_ENTRY_FAILED);
	ck_assert_str_eq(res.entry[1].code, "ReceiptHandleIsInvalid");
	ck_assert_int_eq(res.entry[2].status, CTAWS_ENTRY_OK);
	ck_assert_str_eq(httpd_header(srv, 0, "X-Amz-Target"), "AmazonSQS.DeleteMessageBatch");

	/* An invalid batch is refused before anything is sent. */
	e[2].id = "a";
	ck_assert_int_eq(sqs_change_visibility_batch(conn, &q, e, 3, &res, &err), -1);
	ck_assert_str_eq(err.code, "BatchEntryIdsNotDistinct");
	ck_assert_int_eq(httpd_nrequests(srv), 1);
	sqs_queue_free(&q);
}
END_TEST

START_TEST(publish_signs_for_the_topic_region)
{
	struct sns_attr attrs[] = {{"rule", "String", "root use"}};
	struct sns_message m = {
	    .message = "alert & more", .subject = "CT", .attrs = attrs, .nattrs = 1};
	struct sns_publish_result r;
	struct ctaws_error err;

	httpd_push(srv, &(struct httpd_reply){.body = "<PublishResponse><PublishResult><MessageId>"
	                                              "mid-1</MessageId></PublishResult>"
	                                              "</PublishResponse>"});
	ck_assert_msg(sns_publish(conn, TOPIC, &m, &r, &err) == 0, "%s", err.message);
	ck_assert_str_eq(r.message_id, "mid-1");
	ck_assert(signed_for(0, "eu-west-1", "sns"));
	ck_assert_str_eq(httpd_header(srv, 0, "Content-Type"),
	    "application/x-www-form-urlencoded; charset=utf-8");
	ck_assert_str_eq(httpd_request(srv, 0)->body.data,
	    "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aeu-west-1%3A123456789012%"
	    "3A"
	    "ct-alerts&Message=alert%20%26%20more&Subject=CT&MessageAttributes.entry.1.Name=rule&"
	    "MessageAttributes.entry.1.Value.DataType=String&"
	    "MessageAttributes.entry.1.Value.StringValue=root%20use");
}
END_TEST

START_TEST(publish_errors_are_typed)
{
	struct sns_message m = {.message = "x"};
	struct sns_publish_result r;
	struct ctaws_error err;

	httpd_push(srv, &(struct httpd_reply){.status = 404,
	                    .body = "<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code>"
	                            "<Message>Topic does not exist</Message></Error>"
	                            "<RequestId>rid-nf</RequestId></ErrorResponse>"});
	ck_assert_int_eq(sns_publish(conn, TOPIC, &m, &r, &err), -1);
	ck_assert_str_eq(err.code, "NotFound");
	ck_assert_str_eq(err.operation, "Publish");
	ck_assert_int_eq(err.retryable, 0);
	ck_assert_int_eq(httpd_nrequests(srv), 1);

	ck_assert_int_eq(sns_publish(conn, "ct-alerts", &m, &r, &err), -1);
	ck_assert_str_eq(err.code, "InvalidParameter");
	m.message = "";
	ck_assert_int_eq(sns_publish(conn, TOPIC, &m, &r, &err), -1);
	ck_assert_int_eq(httpd_nrequests(srv), 1);
}
END_TEST

START_TEST(publish_batch_reports_each_entry)
{
	struct sns_message m[2] = {{.id = "one", .message = "1"}, {.id = "two", .message = "2"}};
	struct sns_batch_result res;
	struct ctaws_error err;

	httpd_push(srv, &(struct httpd_reply){.status = 500,
	                    .body = "<ErrorResponse><Error><Code>InternalError</Code></Error>"
	                            "</ErrorResponse>"});
	httpd_push(srv,
	    &(struct httpd_reply){.body = "<PublishBatchResponse><PublishBatchResult><Successful>"
	                                  "<member><Id>one</Id><MessageId>m1</MessageId></member>"
	                                  "</Successful><Failed><member><Id>two</Id><Code>"
	                                  "InternalError</Code><SenderFault>false</SenderFault>"
	                                  "</member></Failed></PublishBatchResult>"
	                                  "</PublishBatchResponse>"});
	ck_assert_msg(sns_publish_batch(conn, TOPIC, m, 2, &res, &err) == 0, "%s", err.message);
	ck_assert_int_eq(httpd_nrequests(srv), 2);
	ck_assert_int_eq(res.nfailed, 1);
	ck_assert_str_eq(res.entry[0].message_id, "m1");
	ck_assert_int_eq(res.entry[1].status, CTAWS_ENTRY_FAILED);
	ck_assert_int_eq(res.entry[1].retryable, 1);
}
END_TEST

START_TEST(topic_attributes)
{
	struct ctaws_attrs a;
	struct ctaws_error err;

	httpd_push(
	    srv, &(struct httpd_reply){.body = "<GetTopicAttributesResponse>"
	                                       "<GetTopicAttributesResult><Attributes><entry>"
	                                       "<key>FifoTopic</key><value>true</value>"
	                                       "</entry></Attributes>"
	                                       "</GetTopicAttributesResult>"
	                                       "</GetTopicAttributesResponse>"});
	ck_assert_msg(sns_get_topic_attributes(conn, TOPIC, &a, &err) == 0, "%s", err.message);
	ck_assert_str_eq(ctaws_attrs_get(&a, "FifoTopic"), "true");
	ck_assert_str_eq(httpd_request(srv, 0)->body.data,
	    "Action=GetTopicAttributes&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aeu-west-1%3A"
	    "123456789012%3Act-alerts");
	ctaws_attrs_free(&a);
}
END_TEST

CT_CHECK_PROGRAM(.name = "aws services: sqs and sns calls", .timeout = 30, .fixture_setup = setup,
    .fixture_teardown = teardown,
    .once = CT_TESTS(receive_goes_to_the_queue_host, override_wins_and_region_comes_from_the_url,
        receive_through_a_multi_handle, missing_queue_is_surfaced_once, throttling_is_retried,
        md5_mismatch_keeps_the_request_id, delete_batch_reports_each_entry,
        publish_signs_for_the_topic_region, publish_errors_are_typed,
        publish_batch_reports_each_entry, topic_attributes))
