/*
 * Notification decoding, driven by tests/daemon/cases/notify/ *.case:
 *   --- input    the message body (macros allowed)
 *   --- expect   the decoded result as printed by render() below, or
 *                "error: <message>"
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caselib.h"
#include "daemon/notify.h"
#include "tests/lib/check_main.h"

static void
render(const struct notification *n, struct buf *out)
{
	buf_printf(out, "kind %s\n",
	    n->kind == NOTIFY_TEST_EVENT ? "test-event"
	    : n->kind == NOTIFY_EVENT    ? "event"
	                                 : "objects");
	buf_printf(out, "shape %s%s\n", notify_shape_name(n->shape), n->via_sns ? " via SNS" : "");
	for (size_t i = 0; i < n->n_objects; i++) {
		const struct notify_object *o = &n->objects[i];

		buf_printf(out, "object %s %lld %s ", o->bucket, (long long)o->size, o->event);
		case_quote(out, o->key, strlen(o->key));
		buf_putc(out, '\n');
	}
	if (n->n_ignored)
		buf_printf(out, "ignored %zu first %s\n", n->n_ignored, n->ignored_event);
	if (n->test_bucket)
		buf_printf(out, "test-bucket %s\n", n->test_bucket);
	if (n->kind == NOTIFY_EVENT) {
		buf_printf(
		    out, "event %s \"%s\" %zu bytes\n", n->event_id, n->detail_type, n->event_len);
		ck_assert_uint_eq(strlen(n->event), n->event_len);
	}
}

START_TEST(test_case)
{
	struct buf input = BUF_INIT, expect = BUF_INIT, got = BUF_INIT;
	struct notification n;
	struct ct_error err;
	struct ct_case cf;

	ct_case_load(ct_case_path(_i), DAEMON_CASE, &cf);
	ct_case_need(&cf, "input", &input);
	ct_case_need(&cf, "expect", &expect);
	ct_error_clear(&err);
	if (notify_decode(input.data, input.len, &n, &err) == 0) {
		ck_assert_int_eq(err.code, CT_OK);
		render(&n, &got);
		notification_free(&n);
	} else {
		ck_assert_int_eq(err.code, CT_ERR_NOTIFY);
		ck_assert_int_eq(n.n_objects, 0);
		ck_assert_ptr_null(n.objects);
		buf_printf(&got, "error: %s\n", err.msg);
	}
	ct_case_compare(cf.path, expect.data, got.data ? got.data : "");
	buf_free(&input);
	buf_free(&expect);
	buf_free(&got);
	ct_case_free(&cf);
}
END_TEST

/* Every case's input, mutated many times: each result is a notification
 * that holds up, or a CT_ERR_NOTIFY; never a crash (ASan, valgrind). */
START_TEST(test_mutations)
{
	unsigned long long seed = 0x5eed0000ULL + (unsigned long long)_i;
	struct buf input = BUF_INIT, m = BUF_INIT;
	struct notification n;
	struct ct_error err;
	struct ct_case cf;

	ct_case_load(ct_case_path(_i), DAEMON_CASE, &cf);
	ct_case_expand(ct_case_buf(&cf, "input"), &input);
	for (int round = 0; round < 300 && input.len < 100000; round++) {
		buf_reset(&m);
		buf_append(&m, input.data, input.len);
		case_mutate(&m, &seed);
		if (notify_decode(m.data, m.len, &n, &err) == -1) {
			ck_assert_msg(
			    err.code == CT_ERR_NOTIFY, "%s: round %d: %s", cf.path, round, err.msg);
			continue;
		}
		for (size_t i = 0; i < n.n_objects; i++) {
			ck_assert(notify_bucket_valid(n.objects[i].bucket));
			ck_assert(*n.objects[i].key && strlen(n.objects[i].key) <= NOTIFY_MAX_KEY);
		}
		notification_free(&n);
	}
	buf_free(&input);
	buf_free(&m);
	ct_case_free(&cf);
}
END_TEST

/* The key decoder alone, on every byte after a '%'. */
START_TEST(test_key_decode_all_escapes)
{
	for (int c = 0; c < 256; c++) {
		char in[8];
		const char *why;
		size_t at;
		char *out;

		snprintf(in, sizeof(in), "a%%%02X", c);
		out = notify_key_decode(in, strlen(in), &why, &at);
		if (c == 0 || c >= 0x80) {
			ck_assert_ptr_null(out); /* NUL, or a lone byte that is not UTF-8 */
			continue;
		}
		ck_assert_ptr_nonnull(out);
		ck_assert_int_eq((unsigned char)out[1], c);
		ck_assert_int_eq(out[2], '\0');
		free(out);
	}
}
END_TEST

CT_CHECK_PROGRAM(.name = "notify", .cases = "tests/daemon/cases/notify", .timeout = 60,
    .each_case = CT_TESTS(test_case, test_mutations), .once = CT_TESTS(test_key_decode_all_escapes))
