/*
 * Unit tests of src/stream/objscan: the object-level API the daemon pushes an
 * S3 body into: figures, reuse across objects, and errors naming the object.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "deflate.h"
#include "stream/objscan.h"
#include "util/buf.h"
#include "tests/lib/check_main.h"

static const char doc[] =
    "{\"Records\":[{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"},"
    "{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\"},7,"
    "{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\",\"x\":[1]}]}";

struct seen {
	int matches, errors;
	char last_error[CT_ERROR_MSG_MAX];
};

static int
on_match(
    void *arg, const struct record_ref *rec, const size_t *rules, size_t n, struct ct_error *err)
{
	struct seen *s = arg;

	s->matches += (int)n;
	return 0;
}

static void
on_error(void *arg, const struct record_ref *rec, const struct ct_error *err)
{
	struct seen *s = arg;

	s->errors++;
	snprintf(s->last_error, sizeof(s->last_error), "%s", err->msg);
}

static struct ruleset *
compile(void)
{
	static const struct rule_def defs[] = {
	    {.name = "sns",
	        .pattern =
	            "{\"eventSource\":[\"sns.amazonaws.com\"],\"eventName\":[\"CreateTopic\"]}"},
	    {.name = "any-sns", .pattern = "{\"eventSource\":[\"sns.amazonaws.com\"]}"},
	};
	struct ct_error err;
	struct ruleset *rs = ruleset_compile(defs, 2, MATCH_ENVELOPE_NONE, &err);

	ck_assert_msg(rs != NULL, "%s", err.msg);
	return rs;
}

START_TEST(figures_and_reuse)
{
	struct ruleset *rs = compile();
	struct seen seen = {0};
	struct records_cb cb = {on_match, on_error, &seen};
	struct objscan_opts o;
	struct objscan_stats st;
	struct ct_error err;
	struct objscan *s;
	struct buf gz = BUF_INIT;

	deflate_into(&gz, doc, strlen(doc), 31);
	objscan_opts_default(&o);
	o.backend = INFLATE_BACKEND_ZLIB;
	ck_assert_ptr_nonnull(s = objscan_new(rs, &o, &cb, &err));
	for (int round = 0; round < 3; round++) {
		memset(&seen, 0, sizeof(seen));
		ck_assert_int_eq(objscan_reset(s, "s3://trail/AWSLogs/x.json.gz", &err), 0);
		for (size_t i = 0; i < gz.len; i += 10) /* as an HTTP body arrives */
			ck_assert_int_eq(
			    objscan_feed(s, gz.data + i, gz.len - i < 10 ? gz.len - i : 10, &err),
			    0);
		ck_assert_int_eq(objscan_finish(s, &err), 0);
		objscan_stats(s, &st);
		ck_assert_uint_eq(st.compressed_bytes, gz.len);
		ck_assert_uint_eq(st.json_bytes, strlen(doc));
		ck_assert_uint_eq(st.records, 3);
		ck_assert_uint_eq(st.matched, 2);
		ck_assert_uint_eq(st.matches, 4);
		ck_assert_uint_eq(st.record_errors, 1);
		ck_assert_int_eq(seen.matches, 4);
		ck_assert_str_eq(seen.last_error,
		    "s3://trail/AWSLogs/x.json.gz: record 2 at byte 133 is not "
		    "a JSON object (found a number)");
		ck_assert_int_eq(objscan_format(s), INFLATE_GZIP);
		ck_assert_int_eq(objscan_backend(s), INFLATE_BACKEND_ZLIB);
	}
	/* plain JSON next, in one piece */
	ck_assert_int_eq(objscan_reset(s, "plain", &err), 0);
	ck_assert_int_eq(objscan_feed(s, doc, strlen(doc), &err), 0);
	ck_assert_int_eq(objscan_finish(s, &err), 0);
	ck_assert_int_eq(objscan_format(s), INFLATE_PLAIN);
	objscan_free(s);
	buf_free(&gz);
	ruleset_free(rs);
}
END_TEST

/* Every error names the object once, whichever layer found it. */
START_TEST(errors_name_the_object)
{
	struct ruleset *rs = compile();
	struct objscan_opts o;
	struct ct_error err;
	struct objscan *s;
	struct buf gz = BUF_INIT;

	objscan_opts_default(&o);
	ck_assert_ptr_nonnull(s = objscan_new(rs, &o, NULL, &err));
	deflate_into(&gz, doc, strlen(doc), 31);

	ck_assert_int_eq(objscan_reset(s, "cut.gz", &err), 0);
	ck_assert_int_eq(objscan_feed(s, gz.data, gz.len - 5, &err), 0);
	ck_assert_int_eq(objscan_finish(s, &err), -1);
	ck_assert_int_eq(err.code, CT_ERR_INFLATE);
	ck_assert_msg(strncmp(err.msg, "cut.gz: truncated gzip data:", 28) == 0, "%s", err.msg);

	ck_assert_int_eq(objscan_reset(s, "notjson", &err), 0);
	ck_assert_int_eq(objscan_feed(s, "{\"Records\":[}", 13, &err), -1);
	ck_assert_int_eq(err.code, CT_ERR_JSON);
	ck_assert_msg(strncmp(err.msg, "notjson: invalid JSON at byte", 29) == 0, "%s", err.msg);

	buf_reset(&gz);
	deflate_into(&gz, "{\"Records\":[}", 13, 31);
	ck_assert_int_eq(objscan_reset(s, "gz-notjson", &err), 0);
	ck_assert_int_eq(objscan_feed(s, gz.data, gz.len, &err), 0); /* inflated text is held */
	ck_assert_int_eq(objscan_finish(s, &err), -1);
	ck_assert_msg(strncmp(err.msg, "gz-notjson: invalid JSON at byte", 32) == 0, "%s", err.msg);

	ck_assert_int_eq(objscan_reset(s, "digest", &err), 0);
	ck_assert_int_eq(objscan_feed(s, "{\"logFiles\":[]}", 15, &err), 0);
	ck_assert_int_eq(objscan_finish(s, &err), -1);
	ck_assert_int_eq(err.code, CT_ERR_SHAPE);
	ck_assert_str_eq(
	    err.msg, "digest: not a CloudTrail log: no \"Records\" array in the document");
	objscan_free(s);
	buf_free(&gz);
	ruleset_free(rs);
}
END_TEST

/* The tap sees the uncompressed bytes, all and in order, before the records
 * do; a tap that fails ends the object with its error. */
struct tapped {
	struct buf bytes;
	int fail;
};

static int
tap(void *arg, const char *p, size_t n, struct ct_error *err)
{
	struct tapped *t = arg;

	if (t->fail)
		return ct_error_set(err, CT_ERR_NOMEM, "tap refused");
	buf_append(&t->bytes, p, n);
	return 0;
}

START_TEST(tap_sees_the_inflated_bytes)
{
	struct ruleset *rs = compile();
	struct seen seen = {0};
	struct records_cb cb = {on_match, on_error, &seen};
	struct tapped t = {BUF_INIT, 0};
	struct objscan_opts o;
	int r;
	struct ct_error err;
	struct objscan *s;
	struct buf gz = BUF_INIT;

	objscan_opts_default(&o);
	ck_assert_ptr_nonnull(s = objscan_new(rs, &o, &cb, &err));
	objscan_set_tap(s, tap, &t);
	deflate_into(&gz, doc, strlen(doc), 31);
	ck_assert_int_eq(objscan_reset(s, "tapped.gz", &err), 0);
	for (size_t i = 0; i < gz.len; i += 7)
		ck_assert_int_eq(
		    objscan_feed(s, gz.data + i, gz.len - i < 7 ? gz.len - i : 7, &err), 0);
	ck_assert_int_eq(objscan_finish(s, &err), 0);
	ck_assert_uint_eq(t.bytes.len, strlen(doc));
	ck_assert(memcmp(t.bytes.data, doc, strlen(doc)) == 0);
	ck_assert_int_eq(seen.matches, 4); /* the records were matched as without a tap */

	t.fail = 1;
	ck_assert_int_eq(objscan_reset(s, "refused.gz", &err), 0);
	/* small objects reach the sink at finish */
	r = objscan_feed(s, gz.data, gz.len, &err);
	if (r == 0)
		r = objscan_finish(s, &err);
	ck_assert_int_eq(r, -1);
	ck_assert_str_eq(err.msg, "tap refused");

	objscan_set_tap(s, NULL, NULL);
	buf_reset(&t.bytes);
	ck_assert_int_eq(objscan_reset(s, "untapped.gz", &err), 0);
	ck_assert_int_eq(objscan_feed(s, gz.data, gz.len, &err), 0);
	ck_assert_int_eq(objscan_finish(s, &err), 0);
	ck_assert_uint_eq(t.bytes.len, 0);
	objscan_free(s);
	buf_free(&gz);
	buf_free(&t.bytes);
	ruleset_free(rs);
}
END_TEST

CT_CHECK_PROGRAM(.name = "objscan",
    .once = CT_TESTS(figures_and_reuse, errors_name_the_object, tap_sees_the_inflated_bytes))
