/*
 * The standard retry mode: seeded jitter, backoff bounds, the retry quota,
 * which errors retry, and clock-skew detection.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http.h"
#include "aws/retry.h"
#include "tests/lib/check_main.h"

static struct ctaws_error
error_of(const char *code, long status)
{
	struct ctaws_error e;

	ctaws_error_set(&e, "sqs", "ReceiveMessage", status, code, 0, "m");
	ctaws_error_classify(&e);
	return e;
}

START_TEST(same_seed_same_delays)
{
	struct ctaws_retry a, b, c;
	int differ = 0;

	ctaws_retry_init(&a, 3, 0, 1234);
	ctaws_retry_init(&b, 3, 0, 1234);
	ctaws_retry_init(&c, 3, 0, 4321);
	for (int i = 1; i <= 50; i++) {
		long x = ctaws_retry_backoff_ms(&a, 1 + i % 8);

		ck_assert_int_eq(x, ctaws_retry_backoff_ms(&b, 1 + i % 8));
		differ += x != ctaws_retry_backoff_ms(&c, 1 + i % 8);
	}
	ck_assert_int_gt(differ, 40);
	ctaws_retry_destroy(&a);
	ctaws_retry_destroy(&b);
	ctaws_retry_destroy(&c);
}
END_TEST

START_TEST(full_jitter_bounds)
{
	struct ctaws_retry r;

	ctaws_retry_init(&r, 3, 0, 99);
	ck_assert_int_eq(r.backoff.base_ms, CTAWS_RETRY_BASE_MS);
	ck_assert_int_eq(r.backoff.cap_ms, CTAWS_RETRY_CAP_MS);
	for (int attempt = 1; attempt <= 16; attempt++) {
		long ceiling = 100L << (attempt - 1), max = 0;
		double sum = 0;

		if (ceiling > 20000)
			ceiling = 20000;
		for (int i = 0; i < 400; i++) {
			long d = ctaws_retry_backoff_ms(&r, attempt);

			ck_assert_int_ge(d, 0);
			ck_assert_int_lt(d, ceiling);
			sum += (double)d;
			if (d > max)
				max = d;
		}
		/* Uniform over [0, ceiling): the mean is near the middle. */
		ck_assert_msg(
		    sum / 400 > 0.4 * (double)ceiling && sum / 400 < 0.6 * (double)ceiling,
		    "attempt %d: mean %.1f of ceiling %ld", attempt, sum / 400, ceiling);
		ck_assert_int_gt(max, ceiling * 9 / 10);
	}
	ctaws_retry_destroy(&r);
}
END_TEST

START_TEST(attempt_limit)
{
	struct ctaws_retry r;
	struct ctaws_retry_state st;
	struct ctaws_error e = error_of("InternalError", 500);
	long delay;

	ctaws_retry_init(&r, 3, 0, 1);
	ctaws_retry_state_init(&st);
	st.attempt = 1;
	ck_assert_int_eq(ctaws_retry_next(&r, &st, &e, &delay), 1);
	ck_assert_int_lt(delay, 100);
	st.attempt = 2;
	ck_assert_int_eq(ctaws_retry_next(&r, &st, &e, &delay), 1);
	ck_assert_int_lt(delay, 200);
	st.attempt = 3;
	ck_assert_int_eq(ctaws_retry_next(&r, &st, &e, &delay), 0);
	ck_assert_int_eq(ctaws_retry_tokens(&r), 490);
	ctaws_retry_destroy(&r);
	/* max_attempts 0 means the default, 3; 1 means never retry. */
	ctaws_retry_init(&r, 1, 0, 1);
	st.attempt = 1;
	ck_assert_int_eq(ctaws_retry_next(&r, &st, &e, &delay), 0);
	ctaws_retry_destroy(&r);
	ctaws_retry_init(&r, 0, 0, 1);
	ck_assert_int_eq(r.max_attempts, 3);
	ctaws_retry_destroy(&r);
}
END_TEST

static const struct {
	const char *code;
	long status;
	int retry;
	int cost;
} verdicts[] = {
    {"ThrottlingException", 400, 1, 5},
    {"Throttling", 400, 1, 5},
    {"SlowDown", 503, 1, 5},
    {"RequestLimitExceeded", 400, 1, 5},
    {"TooManyRequests", 429, 1, 5},
    {"InternalError", 500, 1, 5},
    {"BadGateway", 502, 1, 5},
    {"ServiceUnavailable", 503, 1, 5},
    {"GatewayTimeout", 504, 1, 5},
    {"RequestTimeout", 400, 1, 5},
    {"NetworkError", 0, 1, 10},
    {"Timeout", 0, 1, 10},
    {"AccessDenied", 403, 0, 0},
    {"NoSuchKey", 404, 0, 0},
    {"QueueDoesNotExist", 400, 0, 0},
    {"SignatureDoesNotMatch", 403, 0, 0},
    {"HTTP501", 501, 0, 0},
};

START_TEST(which_errors_retry_and_their_cost)
{
	struct ctaws_retry r;
	struct ctaws_retry_state st;
	struct ctaws_error e = error_of(verdicts[_i].code, verdicts[_i].status);
	long delay;

	if (verdicts[_i].status == 0) /* no answer: classified by the HTTP layer */
		ctaws_error_set(&e, "s3", "GetObject", 0, verdicts[_i].code, 1, "no answer");
	ctaws_retry_init(&r, 3, 0, 5);
	ctaws_retry_state_init(&st);
	st.attempt = 1;
	ck_assert_int_eq(ctaws_retry_next(&r, &st, &e, &delay), verdicts[_i].retry);
	ck_assert_int_eq(ctaws_retry_tokens(&r), 500 - verdicts[_i].cost);
	ck_assert_int_eq(st.last_cost, verdicts[_i].cost);
	ctaws_retry_destroy(&r);
}
END_TEST

START_TEST(quota_runs_dry_and_refills)
{
	struct ctaws_retry r;
	struct ctaws_retry_state st;
	struct ctaws_error e = error_of("ServiceUnavailable", 503);
	struct ctaws_error t;
	long delay;
	int granted = 0;

	ctaws_error_set(&t, "sqs", "ReceiveMessage", 0, "Timeout", 1, "slow");
	ctaws_retry_init(&r, 3, 0, 5);
	/* An outage: every first attempt fails; retries stop when the quota is gone. */
	for (int i = 0; i < 200; i++) {
		ctaws_retry_state_init(&st);
		st.attempt = 1;
		granted += ctaws_retry_next(&r, &st, &e, &delay);
	}
	ck_assert_int_eq(granted, 100);
	ck_assert_int_eq(ctaws_retry_tokens(&r), 0);
	/* Successes without retries refill one token each... */
	ctaws_retry_state_init(&st);
	for (int i = 0; i < 12; i++)
		ctaws_retry_success(&r, &st);
	ck_assert_int_eq(ctaws_retry_tokens(&r), 12);
	/* ...a timeout retry needs 10... */
	st.attempt = 1;
	ck_assert_int_eq(ctaws_retry_next(&r, &st, &t, &delay), 1);
	ck_assert_int_eq(ctaws_retry_tokens(&r), 2);
	ck_assert_int_eq(ctaws_retry_next(&r, &st, &e, &delay), 0);
	/* ...and a request that succeeded after a retry gives its cost back. */
	ctaws_retry_success(&r, &st);
	ck_assert_int_eq(ctaws_retry_tokens(&r), 12);
	/* Never above the maximum. */
	ctaws_retry_state_init(&st);
	for (int i = 0; i < 1000; i++)
		ctaws_retry_success(&r, &st);
	ck_assert_int_eq(ctaws_retry_tokens(&r), CTAWS_RETRY_QUOTA_MAX);
	ctaws_retry_destroy(&r);
}
END_TEST

/* The three jitters of the one policy, after 1..12 failures. */
START_TEST(backoff_policies)
{
	struct ctaws_backoff none = {1000, 60000, CTAWS_JITTER_NONE};
	struct ctaws_backoff equal = {1000, 60000, CTAWS_JITTER_EQUAL};
	struct ctaws_backoff full = {1000, 60000, CTAWS_JITTER_FULL};
	uint64_t rng = ctaws_rng_seed(7, NULL), other = ctaws_rng_seed(0, &rng);

	ck_assert_int_eq(ctaws_backoff_ms(&none, 1, NULL), 1000);
	ck_assert_int_eq(ctaws_backoff_ms(&none, 2, NULL), 2000);
	ck_assert_int_eq(ctaws_backoff_ms(&none, 6, NULL), 32000);
	ck_assert_int_eq(ctaws_backoff_ms(&none, 7, NULL), 60000);
	ck_assert_int_eq(ctaws_backoff_ms(&none, 1000, NULL), 60000);
	for (int failures = 1; failures <= 12; failures++) {
		long ceiling = ctaws_backoff_ms(&none, failures, NULL), lo = ceiling, hi = 0;

		for (int i = 0; i < 300; i++) {
			long e = ctaws_backoff_ms(&equal, failures, &rng);
			long f = ctaws_backoff_ms(&full, failures, &rng);

			ck_assert_int_ge(e, ceiling / 2);
			ck_assert_int_le(e, ceiling);
			ck_assert_int_ge(f, 0);
			ck_assert_int_lt(f, ceiling);
			lo = e < lo ? e : lo;
			hi = e > hi ? e : hi;
		}
		/* Spread over the whole half, not stuck at one end. */
		ck_assert_int_lt(lo, ceiling / 2 + ceiling / 10);
		ck_assert_int_gt(hi, ceiling - ceiling / 10);
	}
	ck_assert(ctaws_rng_unit(&other) < 1.0);
}
END_TEST

/* A scripted batch: entry i fails fails[i] times (a passing reason), or
 * forever when fails[i] is -1 (a reason that never passes). */
struct script {
	int fails[CTAWS_BATCH_MAX];
	int sent[CTAWS_BATCH_MAX]; /* times each entry was sent */
	int rounds;
	int call_fails; /* the whole call fails (retryably) this many times first */
};

static long
script_send(void *arg, size_t *idx, size_t n, struct ctaws_error *err)
{
	struct script *s = arg;
	size_t again = 0;

	s->rounds++;
	if (s->call_fails > 0) {
		s->call_fails--;
		ctaws_error_set(err, "sns", "PublishBatch", 0, "Timeout", 1, "no answer");
		return (long)n;
	}
	for (size_t i = 0; i < n; i++) {
		size_t e = idx[i];

		s->sent[e]++;
		if (s->fails[e] == -1) {
			ctaws_error_set(
			    err, "sns", "PublishBatch", 200, "InvalidParameter", 0, "bad");
			return -1;
		}
		if (s->fails[e] > 0) {
			s->fails[e]--;
			ctaws_error_set(
			    err, "sns", "PublishBatch", 200, "InternalError", 1, "later");
			idx[again++] = e;
		}
	}
	return (long)again;
}

START_TEST(batch_resend)
{
	struct ctaws_retry r;
	struct ctaws_error err;
	struct script s;
	uint64_t resent = 0;

	ctaws_retry_init(&r, 3, 1, 3); /* 1 ms base: the test does not wait */
	/* Entries 2 and 5 fail once, 7 twice: three rounds, the second sending
	 * three entries again, the third one... */
	memset(&s, 0, sizeof(s));
	s.fails[2] = s.fails[5] = 1;
	s.fails[7] = 2;
	ck_assert_int_eq(ctaws_batch_resend(&r, 8, script_send, &s, &err, &resent), 0);
	ck_assert_int_eq(s.rounds, 3);
	ck_assert_int_eq(resent, 3 + 1);
	ck_assert_int_eq(s.sent[0], 1);
	ck_assert_int_eq(s.sent[2], 2);
	ck_assert_int_eq(s.sent[7], 3);
	/* ...each round paid from the quota (490 left), the last one refunded
	 * once all were accepted. */
	ck_assert_int_eq(ctaws_retry_tokens(&r), 500 - 5);
	/* The attempt limit: an entry failing three times is left over. */
	memset(&s, 0, sizeof(s));
	s.fails[0] = 5;
	resent = 0;
	ck_assert_int_eq(ctaws_batch_resend(&r, 3, script_send, &s, &err, &resent), 1);
	ck_assert_int_eq(s.rounds, 3);
	ck_assert_int_eq(s.sent[0], 3);
	ck_assert_str_eq(err.code, "InternalError");
	/* An entry that can never succeed stops the batch at once. */
	memset(&s, 0, sizeof(s));
	s.fails[1] = -1;
	ck_assert_int_eq(ctaws_batch_resend(&r, 2, script_send, &s, &err, NULL), -1);
	ck_assert_int_eq(s.rounds, 1);
	ck_assert_int_eq(err.errc, CTAWS_ERRC_INVALID);
	/* A call that failed without an answer costs a timeout's retry. */
	ctaws_retry_destroy(&r);
	ctaws_retry_init(&r, 3, 1, 3);
	memset(&s, 0, sizeof(s));
	s.call_fails = 1;
	ck_assert_int_eq(ctaws_batch_resend(&r, 2, script_send, &s, &err, NULL), 0);
	ck_assert_int_eq(s.rounds, 2);
	ck_assert_int_eq(ctaws_retry_tokens(&r), 500);
	/* During an outage the quota runs dry: no more rounds, however many
	 * batches fail. */
	for (int i = 0; i < 60; i++) {
		memset(&s, 0, sizeof(s));
		s.fails[0] = 99;
		(void)ctaws_batch_resend(&r, 1, script_send, &s, &err, NULL);
	}
	memset(&s, 0, sizeof(s));
	s.fails[0] = 99;
	ck_assert_int_eq(ctaws_batch_resend(&r, 1, script_send, &s, &err, NULL), 1);
	ck_assert_int_eq(s.rounds, 1);
	ck_assert_int_lt(ctaws_retry_tokens(&r), CTAWS_RETRY_COST);
	/* More entries than a batch call takes is a caller's error. */
	ck_assert_int_eq(
	    ctaws_batch_resend(&r, CTAWS_BATCH_MAX + 1, script_send, &s, &err, NULL), -1);
	ctaws_retry_destroy(&r);
}
END_TEST

static time_t
at(const char *iso)
{
	time_t t;

	ck_assert_int_eq(ctaws_parse_time(iso, &t), 0);
	return t;
}

START_TEST(clock_skew_detection)
{
	struct ctaws_error skew = error_of("RequestTimeTooSkewed", 403);
	struct ctaws_error sig = error_of("InvalidSignatureException", 400);
	struct ctaws_error other = error_of("AccessDenied", 403);
	time_t now = at("2024-03-10T12:00:00Z");
	long d;

	ck_assert_int_eq(
	    ctaws_retry_clock_skew(&skew, "Sun, 10 Mar 2024 12:20:00 GMT", now, &d), 1);
	ck_assert_int_eq(d, 1200);
	ck_assert_int_eq(ctaws_retry_clock_skew(&sig, "Sun, 10 Mar 2024 11:00:00 GMT", now, &d), 1);
	ck_assert_int_eq(d, -3600);
	/* Within 4 minutes: our clock is fine, the error is something else. */
	ck_assert_int_eq(
	    ctaws_retry_clock_skew(&skew, "Sun, 10 Mar 2024 12:03:59 GMT", now, &d), 0);
	ck_assert_int_eq(d, 0);
	ck_assert_int_eq(
	    ctaws_retry_clock_skew(&other, "Sun, 10 Mar 2024 13:00:00 GMT", now, &d), 0);
	ck_assert_int_eq(ctaws_retry_clock_skew(&skew, "yesterday", now, &d), 0);
	ck_assert_int_eq(ctaws_retry_clock_skew(&skew, NULL, now, &d), 0);
}
END_TEST

START_TEST(time_parsing)
{
	time_t t;

	ck_assert_int_eq(at("1970-01-01T00:00:00Z"), 0);
	ck_assert_int_eq(at("2015-08-30T12:36:00Z"), 1440938160);
	ck_assert_int_eq(at("2015-08-30T12:36:00.123Z"), 1440938160);
	ck_assert_int_eq(at("2015-08-30T12:36:00+00:00"), 1440938160);
	ck_assert_int_eq(ctaws_parse_time("Sun, 30 Aug 2015 12:36:00 GMT", &t), 0);
	ck_assert_int_eq(t, 1440938160);
	ck_assert_int_eq(ctaws_parse_time("2015-08-30T12:36:00+02:00", &t), -1);
	ck_assert_int_eq(ctaws_parse_time("2015-13-30T12:36:00Z", &t), -1);
	ck_assert_int_eq(ctaws_parse_time("Sun, 30 Foo 2015 12:36:00 GMT", &t), -1);
	ck_assert_int_eq(ctaws_parse_time("Sun, 30 Aug 2015 12:36:00 GMT trailing", &t), -1);
	ck_assert_int_eq(ctaws_parse_time("", &t), -1);
}
END_TEST

CT_CHECK_PROGRAM(.name = "retry",
    .loops = CT_LOOPS(
        {which_errors_retry_and_their_cost, (int)(sizeof(verdicts) / sizeof(verdicts[0]))}),
    .once = CT_TESTS(same_seed_same_delays, full_jitter_bounds, attempt_limit,
        quota_runs_dry_and_refills, backoff_policies, batch_resend, clock_skew_detection,
        time_parsing))
