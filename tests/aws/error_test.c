/*
 * Error parsing, data-driven: each tests/aws/cases/error/NAME.case holds a
 * response and the typed error expected from it. New error shape, new case
 * file:
 *
 *   # What the case is about.
 *   --- response
 *   service s3
 *   operation HeadObject
 *   status 404
 *   --- headers            (optional: raw header lines)
 *   x-amz-request-id: H404
 *   --- expect             (FIELD VALUE lines: code, errc, message,
 *   code NotFound           request_id, retryable, throttling, transient)
 *   --- body               (verbatim, to the end of the file)
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "tests/lib/case.h"
#include "util/buf.h"
#include "tests/lib/check_main.h"

struct error_case {
	char service[16], operation[64];
	long status;
	struct buf headers, body, expect;
};

/* Reads one case file (see the top of this file). */
static void
read_case(const char *path, struct error_case *c)
{
	struct ct_case cf;
	const char *resp, *headers, *expect, *body;
	char *copy, *line, *save = NULL;

	memset(c, 0, sizeof(*c));
	ct_case_load(path, CT_CASE_COMMENTS | CT_CASE_UNIQUE | CT_CASE_TRIM_ONE, &cf);
	resp = ct_case_get(&cf, "response");
	expect = ct_case_get(&cf, "expect");
	body = ct_case_get(&cf, "body");
	ck_assert_msg(resp && expect && body, "%s: needs response, expect and body", path);
	copy = strdup(resp);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "service ", 8) == 0)
			snprintf(c->service, sizeof(c->service), "%.15s", line + 8);
		else if (strncmp(line, "operation ", 10) == 0)
			snprintf(c->operation, sizeof(c->operation), "%.63s", line + 10);
		else if (strncmp(line, "status ", 7) == 0)
			c->status = strtol(line + 7, NULL, 10);
		else
			ck_abort_msg("%s: unknown response line \"%s\"", path, line);
	}
	free(copy);
	if ((headers = ct_case_get(&cf, "headers")) != NULL) {
		copy = strdup(headers);
		save = NULL;
		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			buf_printf(&c->headers, "%s\r\n", line);
		free(copy);
	}
	buf_printf(&c->expect, "%s\n", expect);
	buf_append(&c->body, body, ct_case_buf(&cf, "body")->len);
	ct_case_free(&cf);
}

static void
check_field(const char *path, const struct ctaws_error *e, const char *key, const char *want)
{
	char got[1024];

	if (strcmp(key, "code") == 0)
		snprintf(got, sizeof(got), "%s", e->code);
	else if (strcmp(key, "message") == 0)
		snprintf(got, sizeof(got), "%s", e->message);
	else if (strcmp(key, "request_id") == 0)
		snprintf(got, sizeof(got), "%s", e->request_id);
	else if (strcmp(key, "retryable") == 0)
		snprintf(got, sizeof(got), "%d", e->retryable);
	else if (strcmp(key, "throttling") == 0)
		snprintf(got, sizeof(got), "%d", e->throttling);
	else if (strcmp(key, "transient") == 0)
		snprintf(got, sizeof(got), "%d", e->transient);
	else if (strcmp(key, "errc") == 0)
		snprintf(got, sizeof(got), "%s", ctaws_errc_name(e->errc));
	else
		ck_abort_msg("%s: unknown expectation %s", path, key);
	ck_assert_msg(
	    strcmp(got, want) == 0, "%s: %s is \"%s\", want \"%s\"", path, key, got, want);
}

START_TEST(error_case)
{
	const char *path = ct_case_path(_i);
	struct error_case c;
	struct ctaws_error e;
	char *line, *save = NULL;
	int checked = 0;

	read_case(path, &c);
	ck_assert_int_eq(ctaws_error_from_response(&e, c.service, c.operation, c.status,
	                     c.headers.data, c.headers.len, c.body.data, c.body.len),
	    -1);
	ck_assert_str_eq(e.service, c.service);
	ck_assert_str_eq(e.operation, c.operation);
	ck_assert_int_eq(e.http_status, c.status);
	for (line = strtok_r(c.expect.data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (sp)
			*sp = '\0';
		check_field(path, &e, line, sp ? sp + 1 : "");
		checked++;
	}
	ck_assert_msg(checked > 0, "%s: expects nothing", path);
	buf_free(&c.headers);
	buf_free(&c.body);
	buf_free(&c.expect);
}
END_TEST

START_TEST(error_str_and_set)
{
	struct ctaws_error e;
	char s[256];

	ck_assert_int_eq(
	    ctaws_error_set(&e, "s3", "GetObject", 0, "Timeout", 1, "took %d s", 30), -1);
	ck_assert_str_eq(ctaws_error_str(&e, s, sizeof(s)), "s3 GetObject: Timeout: took 30 s");
	ck_assert_int_eq(e.retryable, 1);
	ck_assert_int_eq(e.transient, 1);
	ck_assert_int_eq(ctaws_error_set(&e, NULL, NULL, 0, "OutOfMemory", 0, "x"), -1);
	ck_assert_str_eq(ctaws_error_str(&e, s, sizeof(s)), "OutOfMemory: x");
	ctaws_error_str(&e, s, 4);
	ck_assert_str_eq(s, "Out");
	ctaws_error_clear(&e);
	ck_assert_str_eq(e.code, "");
	ck_assert_int_eq(ctaws_error_set(NULL, "x", "y", 1, "c", 0, "m"), -1);
}
END_TEST

START_TEST(code_classes)
{
	static const char *const throttling[] = {"Throttling", "ThrottlingException",
	    "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
	    "ProvisionedThroughputExceededException", "RequestLimitExceeded",
	    "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
	    "EC2ThrottledException", NULL};
	static const char *const skew[] = {"RequestTimeTooSkewed", "SignatureExpired",
	    "InvalidSignatureException", "RequestExpired", "RequestInTheFuture", NULL};

	for (const char *const *c = throttling; *c; c++)
		ck_assert_msg(ctaws_error_code_is_throttling(*c), "%s", *c);
	for (const char *const *c = skew; *c; c++)
		ck_assert_msg(ctaws_error_code_is_clock_skew(*c), "%s", *c);
	ck_assert(ctaws_error_code_is_transient("RequestTimeout"));
	ck_assert(ctaws_error_code_is_transient("RequestTimeoutException"));
	ck_assert(!ctaws_error_code_is_throttling("AccessDenied"));
	ck_assert(!ctaws_error_code_is_transient("NoSuchKey"));
	ck_assert(!ctaws_error_code_is_clock_skew(NULL));
}
END_TEST

/* Errors made without an answer carry the errc callers decide by. */
START_TEST(local_errc)
{
	static const struct {
		const char *code;
		long status;
		enum ctaws_errc want;
	} cases[] = {
	    {"NetworkError", 0, CTAWS_ERRC_NETWORK},
	    {"Timeout", 0, CTAWS_ERRC_TIMEOUT},
	    {"TLSError", 0, CTAWS_ERRC_TLS},
	    {"Aborted", 0, CTAWS_ERRC_ABORTED},
	    {CTAWS_ERR_MALFORMED, 200, CTAWS_ERRC_MALFORMED},
	    {"CredentialsNotFound", 0, CTAWS_ERRC_CREDS_NOT_FOUND},
	    {"CredentialsError", 0, CTAWS_ERRC_CREDS},
	    {"SomethingNew", 0, CTAWS_ERRC_SERVICE},
	    {"SomethingNew", 503, CTAWS_ERRC_UNAVAILABLE},
	};
	struct ctaws_error e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ctaws_error_set(&e, "s3", "GetObject", cases[i].status, cases[i].code, 0, "x");
		ck_assert_msg(e.errc == cases[i].want, "%s: errc %s, want %s", cases[i].code,
		    ctaws_errc_name(e.errc), ctaws_errc_name(cases[i].want));
	}
	ctaws_error_clear(&e);
	ck_assert_str_eq(ctaws_errc_name(e.errc), "none");
	ck_assert_str_eq(ctaws_errc_name((enum ctaws_errc)999), "unknown");
}
END_TEST

/* Garbage of every shape gives a well-formed error, never a crash. */
START_TEST(random_bodies)
{
	static const char *const starts[] = {"{", "<", "<Error><Code>", "{\"__type\":", " ", ""};
	static const char alphabet[] = "{}[]<>/\"\\:,#;=&x \n\t\x01\xc3\xa9\xff"
	                               "0";
	uint64_t r = 42;
	char body[300], headers[128];

	for (int i = 0; i < 3000; i++) {
		size_t n = 0, len;
		struct ctaws_error e;

		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		n = (size_t)snprintf(body, sizeof(body), "%s", starts[(r >> 33) % 6]);
		len = n + (r >> 40) % 200;
		while (n < len) {
			r = r * 6364136223846793005ULL + 1442695040888963407ULL;
			body[n++] = alphabet[(r >> 35) % (sizeof(alphabet) - 1)];
		}
		body[n] = '\0';
		snprintf(
		    headers, sizeof(headers), "x-amzn-query-error: %.*s\r\n", (int)(n % 40), body);
		ctaws_error_from_response(&e, "sqs", "ReceiveMessage", 400 + (long)(r % 200),
		    headers, strlen(headers), body, n);
		ck_assert_int_ne(e.code[0], '\0');
		ck_assert_uint_lt(strlen(e.code), sizeof(e.code));
		ck_assert_uint_lt(strlen(e.message), sizeof(e.message));
	}
}
END_TEST

CT_CHECK_PROGRAM(.name = "error", .cases = "tests/aws/cases/error", .min_cases = 20,
    .each_case = CT_TESTS(error_case),
    .once = CT_TESTS(error_str_and_set, code_classes, local_errc, random_bodies))
