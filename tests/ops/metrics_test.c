/*
 * The metrics registry and its text exposition. Each case in
 * tests/ops/cases/metrics/ *.case has an "ops" section, one recording a
 * line, run on a fresh registry:
 *   counter FIELD N          sets a field of the daemon's struct counters
 *   rule_match RULE N        metrics_rule_match
 *   rule_alert RULE ok|failed
 *   ctaws_error SERVICE OPERATION CODE   ("-" for a missing field)
 *   object SECONDS           metrics_observe_object
 *   lag SECONDS              metrics_lag
 *   gauges INFLIGHT BUSY WORKERS
 *   many N rule_match PREFIX  rule_match PREFIX-0 .. PREFIX-(N-1), once each
 * Tokens take the case files' %{x:HH} escapes (a quote, a newline in a rule
 * name). The "expect" section holds whole families (from "# HELP" on): the
 * rendering of exactly those families must equal it.
 * Then what no case shows: every family's shape in a full rendering, and
 * exact totals when threads record at once.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/metrics.h"
#include "tests/lib/case.h"
#include "tests/lib/check_main.h"

static const struct {
	const char *name;
	size_t offset;
} fields[] = {
#define F(x)                                                                                       \
	{                                                                                          \
#x, offsetof(struct counters, x)                                                   \
	}
    F(messages_received),
    F(messages_deleted),
    F(messages_returned),
    F(messages_poisoned),
    F(visibility_extended),
    F(receive_errors),
    F(events_received),
    F(objects_done),
    F(objects_skipped),
    F(objects_failed),
    F(bytes_fetched),
    F(records),
    F(record_errors),
    F(matches),
    F(alerts_published),
    F(alerts_duplicate),
    F(alerts_grouped),
    F(alerts_suppressed),
    F(alerts_failed),
    F(state_errors),
    F(digests_verified),
    F(logs_verified),
    F(logs_backfilled),
    F(logs_modified),
    F(logs_deleted),
    F(logs_injected),
    F(digests_invalid),
    F(chains_broken),
    F(deliveries_stopped),
#undef F
};

static void
set_counter(struct counters *k, const char *name, unsigned long long v)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(fields[i].name, name) == 0) {
			atomic_store((atomic_uint_fast64_t *)((char *)k + fields[i].offset), v);
			return;
		}
	ck_abort_msg("no counter %s", name);
}

/* Splits line into at most max tokens, each with its escapes expanded. */
static size_t
tokens(const char *line, struct buf *tok, size_t max)
{
	char *copy = strdup(line), *save = NULL, *t;
	size_t n = 0;

	ck_assert_ptr_nonnull(copy);
	for (t = strtok_r(copy, " ", &save); t && n < max; t = strtok_r(NULL, " ", &save)) {
		struct buf raw = BUF_INIT;

		buf_puts(&raw, t);
		ct_case_expand(&raw, &tok[n++]);
		buf_free(&raw);
	}
	free(copy);
	return n;
}

static const char *
dash(const struct buf *b)
{
	return strcmp(b->data, "-") == 0 ? NULL : b->data;
}

static void
run_op(struct counters *k, const char *path, const char *line)
{
	struct buf t[5] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT};
	size_t n = tokens(line, t, 5);
	const char *op = n ? t[0].data : "";

	if (strcmp(op, "counter") == 0 && n == 3)
		set_counter(k, t[1].data, strtoull(t[2].data, NULL, 10));
	else if (strcmp(op, "rule_match") == 0 && n == 3)
		metrics_rule_match(t[1].data, strtoul(t[2].data, NULL, 10));
	else if (strcmp(op, "rule_alert") == 0 && n == 3)
		metrics_rule_alert(t[1].data, strcmp(t[2].data, "ok") == 0);
	else if (strcmp(op, "aws_error") == 0 && n == 4)
		metrics_aws_error(dash(&t[1]), dash(&t[2]), dash(&t[3]));
	else if (strcmp(op, "object") == 0 && n == 2)
		metrics_observe_object(strtod(t[1].data, NULL));
	else if (strcmp(op, "lag") == 0 && n == 2)
		metrics_lag(strtod(t[1].data, NULL));
	else if (strcmp(op, "gauges") == 0 && n == 4)
		metrics_gauges(strtoul(t[1].data, NULL, 10), strtoul(t[2].data, NULL, 10),
		    strtoul(t[3].data, NULL, 10));
	else if (strcmp(op, "many") == 0 && n == 4 && strcmp(t[2].data, "rule_match") == 0) {
		unsigned long count = strtoul(t[1].data, NULL, 10);
		char name[256];

		for (unsigned long i = 0; i < count; i++) {
			snprintf(name, sizeof(name), "%s-%lu", t[3].data, i);
			metrics_rule_match(name, 1);
		}
	} else
		ck_abort_msg("%s: bad operation: %s", path, line);
	for (size_t i = 0; i < 5; i++)
		buf_free(&t[i]);
}

/* The block of family name in a rendering: its "# HELP" line up to the next. */
static void
family_block(const char *all, const char *name, struct buf *out)
{
	char head[256];
	const char *start, *end;

	snprintf(head, sizeof(head), "# HELP %s ", name);
	start = strstr(all, head);
	ck_assert_msg(start != NULL, "no family %s in the rendering", name);
	end = strstr(start + 1, "\n# HELP ");
	buf_append(out, start, end ? (size_t)(end - start) + 1 : strlen(start));
}

/* The expectation with @PACKAGE_VERSION@ replaced by the version built. */
static void
expand_version(const char *want, struct buf *out)
{
	const char *mark = "@PACKAGE_VERSION@", *p;

	while ((p = strstr(want, mark)) != NULL) {
		buf_append(out, want, (size_t)(p - want));
		buf_puts(out, PACKAGE_VERSION);
		want = p + strlen(mark);
	}
	buf_puts(out, want);
}

START_TEST(test_case)
{
	struct buf ops = BUF_INIT, all = BUF_INIT, got = BUF_INIT, wanted = BUF_INIT;
	struct counters k;
	struct ct_case cf;
	const struct buf *want;
	char *line, *save = NULL, *copy;

	memset(&k, 0, sizeof(k));
	metrics_reset();
	metrics_attach_counters(&k);
	ct_case_load(ct_case_path(_i), CT_CASE_COMMENTS | CT_CASE_UNIQUE | CT_CASE_TRIM_ONE, &cf);
	ck_assert_msg(ct_case_buf(&cf, "ops") && (want = ct_case_buf(&cf, "expect")),
	    "%s: needs ops and expect", cf.path);
	buf_append(&ops, ct_case_buf(&cf, "ops")->data, ct_case_buf(&cf, "ops")->len);
	for (line = ops.data ? strtok_r(ops.data, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		run_op(&k, cf.path, line);
	ck_assert_int_eq(metrics_render(&all), 0);
	/* The families the expectation names, in its order. */
	copy = strdup(want->data);
	save = NULL;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[200];

		if (sscanf(line, "# HELP %199s", name) == 1)
			family_block(all.data, name, &got);
	}
	free(copy);
	expand_version(want->data, &wanted);
	ct_case_compare(cf.path, wanted.data, got.data ? got.data : "");
	metrics_reset();
	buf_free(&ops);
	buf_free(&all);
	buf_free(&got);
	buf_free(&wanted);
	ct_case_free(&cf);
}
END_TEST

/* Every line of a full rendering: HELP then TYPE, then samples of that
 * family only; counters end in _total; the output ends with a newline. */
START_TEST(test_shape)
{
	struct buf all = BUF_INIT;
	struct counters k;
	char family[200] = "", type[32] = "", *line, *save = NULL;
	int families = 0, expect_type = 0;

	memset(&k, 0, sizeof(k));
	metrics_reset();
	metrics_attach_counters(&k);
	metrics_rule_match("r", 1);
	metrics_aws_error("sqs", "ReceiveMessage", "ThrottlingException");
	ck_assert_int_eq(metrics_render(&all), 0);
	ck_assert(all.len > 0 && all.data[all.len - 1] == '\n');
	for (line = strtok_r(all.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[200];

		if (sscanf(line, "# HELP %199s", name) == 1) {
			ck_assert_msg(!expect_type, "HELP without TYPE before: %s", line);
			snprintf(family, sizeof(family), "%s", name);
			expect_type = 1;
			families++;
			continue;
		}
		if (sscanf(line, "# TYPE %199s %31s", name, type) == 2) {
			ck_assert_msg(
			    expect_type && strcmp(name, family) == 0, "stray TYPE: %s", line);
			expect_type = 0;
			if (strcmp(type, "counter") == 0)
				ck_assert_msg(strlen(name) > 6 &&
				                  strcmp(name + strlen(name) - 6, "_total") == 0,
				    "counter %s", name);
			continue;
		}
		ck_assert_msg(!expect_type && family[0], "sample before its TYPE: %s", line);
		ck_assert_msg(
		    strncmp(line, family, strlen(family)) == 0, "%s outside %s", line, family);
		ck_assert_msg(strncmp(line, "ctalertd_", 9) == 0, "unprefixed: %s", line);
	}
	ck_assert_int_ge(families, 20);
	metrics_reset();
	buf_free(&all);
}
END_TEST

#define THREADS 4
#define ROUNDS  20000

static void *
recorder(void *arg)
{
	char rule[16];

	snprintf(rule, sizeof(rule), "rule-%d", (int)(intptr_t)arg % 2);
	for (int i = 0; i < ROUNDS; i++) {
		metrics_rule_match(rule, 1);
		metrics_rule_alert(rule, i % 3 != 0);
		metrics_observe_object(0.01);
		metrics_aws_error("s3", "GetObject", i % 2 ? "SlowDown" : "InternalError");
	}
	return NULL;
}

/* Threads recording at once lose nothing. */
START_TEST(test_threads)
{
	pthread_t t[THREADS];
	struct buf all = BUF_INIT;
	char want[256];

	metrics_reset();
	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, recorder, (void *)(intptr_t)i), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(metrics_render(&all), 0);
	snprintf(want, sizeof(want), "ctalertd_matches_total{rule=\"rule-1\"} %d\n",
	    ROUNDS * THREADS / 2);
	ck_assert_msg(strstr(all.data, want), "missing %s", want);
	snprintf(want, sizeof(want), "ctalertd_alerts_failed_total{rule=\"rule-0\"} %d\n",
	    (ROUNDS + 2) / 3 * THREADS / 2);
	ck_assert_msg(strstr(all.data, want), "missing %s", want);
	snprintf(
	    want, sizeof(want), "ctalertd_object_processing_seconds_count %d\n", ROUNDS * THREADS);
	ck_assert_msg(strstr(all.data, want), "missing %s", want);
	snprintf(want, sizeof(want),
	    "ctalertd_aws_errors_total{service=\"s3\",operation=\"GetObject\",code=\"SlowDown\"} "
	    "%d\n",
	    ROUNDS * THREADS / 2);
	ck_assert_msg(strstr(all.data, want), "missing %s", want);
	metrics_reset();
	buf_free(&all);
}
END_TEST

/* Past METRICS_MAX_SERIES label sets, new ones add up under "_other". */
START_TEST(test_cap)
{
	struct buf all = BUF_INIT;
	char name[64], want[128];
	size_t lines = 0;

	metrics_reset();
	for (int i = 0; i < METRICS_MAX_SERIES + 88; i++) {
		snprintf(name, sizeof(name), "rule-%d", i);
		metrics_rule_match(name, 2);
	}
	metrics_rule_match("rule-0", 1); /* known ones still count as themselves */
	ck_assert_int_eq(metrics_render(&all), 0);
	for (const char *p = all.data; (p = strstr(p, "\nctalertd_matches_total{")) != NULL; p++)
		lines++;
	ck_assert_uint_eq(lines, METRICS_MAX_SERIES + 1);
	ck_assert(strstr(all.data, "ctalertd_matches_total{rule=\"rule-0\"} 3\n") != NULL);
	snprintf(want, sizeof(want), "ctalertd_matches_total{rule=\"_other\"} %d\n", 88 * 2);
	ck_assert_msg(strstr(all.data, want) != NULL, "missing %s", want);
	snprintf(name, sizeof(name), "rule-%d", METRICS_MAX_SERIES);
	ck_assert(strstr(all.data, name) == NULL);
	metrics_reset();
	buf_free(&all);
}
END_TEST

/* Without libmicrohttpd the endpoint refuses to start, saying why; with it,
 * an address that cannot be bound is named in the error. */
START_TEST(test_serve_errors)
{
	struct ct_error err;

	ct_error_clear(&err);
	ck_assert_int_eq(metrics_serve("192.0.2.1:9464", &err), -1);
	ck_assert_msg(strstr(err.msg, "192.0.2.1:9464") != NULL, "%s", err.msg);
#ifndef HAVE_MICROHTTPD
	ck_assert_msg(strstr(err.msg, "libmicrohttpd") != NULL, "%s", err.msg);
#endif
	metrics_stop();
}
END_TEST

CT_CHECK_PROGRAM(.name = "metrics", .cases = "tests/ops/cases/metrics", .timeout = 60,
    .each_case = CT_TESTS(test_case),
    .once = CT_TESTS(test_shape, test_threads, test_cap, test_serve_errors))
