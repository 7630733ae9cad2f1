/*
 * Unit tests of src/stream/records: the walk over Records and NDJSON with the
 * real matcher, record text across chunk boundaries, and every guard; the
 * documents of every input format in tests/stream/records_cases. Each
 * document is fed in pieces of many sizes and must give the same result.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match.h"
#include "stream/prefilter.h"
#include "stream/records.h"
#include "util/utf8.h"
#include "util/buf.h"
#include "tests/lib/check_main.h"

/* What a run saw, as text: one line per match or record error. */
struct seen {
	struct buf log;
	int abort_at; /* on_match returns -1 at this match (from 1); 0: never */
	int matches;
};

static int
on_match(
    void *arg, const struct record_ref *rec, const size_t *rules, size_t n, struct ct_error *err)
{
	struct seen *s = arg;

	buf_printf(&s->log, "match %llu@%llu [", (unsigned long long)rec->index,
	    (unsigned long long)rec->offset);
	for (size_t i = 0; i < n; i++)
		buf_printf(&s->log, "%s%zu", i ? "," : "", rules[i]);
	buf_printf(&s->log, "] %.*s\n", (int)rec->len, rec->text);
	if (++s->matches == s->abort_at)
		return ct_error_set(err, CT_ERR_IO, "output failed");
	return 0;
}

static void
on_record_error(void *arg, const struct record_ref *rec, const struct ct_error *err)
{
	struct seen *s = arg;

	ck_assert_ptr_null(rec->text);
	buf_printf(&s->log, "error %llu@%llu %s\n", (unsigned long long)rec->index,
	    (unsigned long long)rec->offset, err->msg);
}

/* The rules of patterns, r0, r1, ...; Sigma rules' patterns when sigma. */
static struct ruleset *
compile_as(const char *const *patterns, int sigma)
{
	struct rule_def defs[8];
	char names[8][16];
	struct ct_error err;
	struct ruleset *rs;
	size_t n = 0;

	for (; patterns[n]; n++) {
		snprintf(names[n], sizeof(names[n]), "r%zu", n);
		defs[n] =
		    (struct rule_def){.name = names[n], .pattern = patterns[n], .sigma = sigma};
	}
	rs = ruleset_compile(defs, n, MATCH_ENVELOPE_NONE, &err);
	ck_assert_msg(rs != NULL, "%s", err.msg);
	return rs;
}

static struct ruleset *
compile(const char *const *patterns)
{
	return compile_as(patterns, 0);
}

/* Parses doc in pieces of step bytes. Returns the log, with "fatal: MSG" at
 * the end when the object failed. Caller frees. */
static char *
scan(const struct ruleset *rs, const struct records_opts *o, const char *doc, size_t len,
    size_t step, int abort_at)
{
	struct seen s = {BUF_INIT, abort_at, 0};
	struct records_cb cb = {on_match, on_record_error, &s};
	struct matcher *m = matcher_new(rs);
	struct ct_error err;
	struct records *r = records_new(o, rs, m, &cb, &err);
	int rc = 0;

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(records_reset(r, "obj", &err), 0);
	for (size_t i = 0; i < len && rc == 0; i += step)
		rc = records_feed(r, doc + i, len - i < step ? len - i : step, &err);
	if (rc == 0)
		rc = records_finish(r, &err);
	if (rc == -1)
		buf_printf(&s.log, "fatal: %s\n", err.msg);
	else
		ck_assert_uint_eq(records_stats(r)->json_bytes, len);
	buf_putc(&s.log, '\0');
	records_free(r);
	matcher_free(m);
	return buf_detach(&s.log);
}

static const size_t steps[] = {1, 2, 3, 5, 8, 13, 64, 1000, (size_t)-1};

/* got equals want, where a '#' in want stands for any number: yajl places
 * the offset of a syntax error one byte earlier or later depending on where
 * the pieces were cut. */
static int
like(const char *got, const char *want)
{
	for (; *want; want++) {
		if (*want == '#') {
			if (*got < '0' || *got > '9')
				return 0;
			while (*got >= '0' && *got <= '9')
				got++;
		} else if (*got++ != *want)
			return 0;
	}
	return *got == '\0';
}

/* The log of doc must be want whatever the piece size, and the same with
 * the prefilter passing over records as without (when the rules allow one);
 * name says which document failed. */
static void
expect_log(const struct ruleset *rs, const struct records_opts *o, const char *doc, size_t len,
    const char *want, const char *name)
{
	struct records_opts po = *o;
	struct ct_error err;

	po.prefilter = prefilter_new(rs, &err);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		for (int with = 0; with <= (po.prefilter != NULL); with++) {
			char *got = scan(rs, with ? &po : o, doc, len, steps[i], 0);

			ck_assert_msg(like(got, want), "%s, step %zu%s:\n got: %s\nwant: %s", name,
			    steps[i], with ? ", prefilter" : "", got, want);
			free(got);
		}
	}
	prefilter_free((struct prefilter *)po.prefilter);
}

static void
expect_as(const char *const *patterns, int sigma, const struct records_opts *o, const char *doc,
    const char *want)
{
	struct ruleset *rs = compile_as(patterns, sigma);

	expect_log(rs, o, doc, strlen(doc), want, "doc");
	ruleset_free(rs);
}

static void
expect(const char *const *patterns, const struct records_opts *o, const char *doc, const char *want)
{
	expect_as(patterns, 0, o, doc, want);
}

static const struct records_opts cloudtrail = {RECORDS_CLOUDTRAIL, 0, 0, NULL};
static const struct records_opts ndjson = {RECORDS_NDJSON, 0, 0, NULL};

static const char *const sns[] = {
    "{\"eventSource\":[\"sns.amazonaws.com\"],\"eventName\":[\"CreateTopic\"]}", NULL};

START_TEST(walk_records)
{
	expect(sns, &cloudtrail,
	    "{\"Records\":[{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"},"
	    "{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"Publish\"},\n"
	    "  {\"eventName\": \"CreateTopic\" , \"eventSource\" : \"sns.amazonaws.com\"}  ]}",
	    "match 0@12 [0] {\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"}\n"
	    "match 2@135 [0] {\"eventName\": \"CreateTopic\" , \"eventSource\" : "
	    "\"sns.amazonaws.com\"}\n");
}
END_TEST

/* Keys of the same name deeper down, in skipped subtrees, never count. */
START_TEST(skipped_subtrees)
{
	expect(sns, &cloudtrail,
	    "{\"Records\":[{\"requestParameters\":{\"eventSource\":\"sns.amazonaws.com\","
	    "\"eventName\":\"CreateTopic\",\"deep\":[[{\"a\":[1,{\"b\":null}]}]]},\"eventName\":"
	    "\"X\"}]}",
	    "");
}
END_TEST

START_TEST(nested_fields_and_arrays)
{
	static const char *const p[] = {"{\"userIdentity\":{\"type\":[\"Root\"]}}",
	    "{\"resources\":{\"type\":[\"AWS::KMS::Key\"]}}", "{\"tags\":[\"b\"]}",
	    "{\"n\":[{\"numeric\":[\">\",100]}]}", NULL};

	expect(p, &cloudtrail,
	    "{\"other\":{\"Records\":[{\"tags\":\"b\"}]},\"Records\":["
	    "{\"userIdentity\":{\"type\":\"Root\",\"x\":{\"type\":\"Root\"}},\"tags\":[\"a\",["
	    "\"b\"]]},"
	    "{\"resources\":[{\"ARN\":\"k\",\"type\":\"AWS::S3::Bucket\"},{\"type\":\"AWS::KMS::"
	    "Key\"}]},"
	    "{\"n\":100.5,\"tags\":[]}],\"after\":[1,2]}",
	    "match 0@47 [0,2] {\"userIdentity\":{\"type\":\"Root\",\"x\":{\"type\":\"Root\"}},"
	    "\"tags\":[\"a\",[\"b\"]]}\n"
	    "match 1@119 [1] {\"resources\":[{\"ARN\":\"k\",\"type\":\"AWS::S3::Bucket\"},"
	    "{\"type\":\"AWS::KMS::Key\"}]}\n"
	    "match 2@197 [3] {\"n\":100.5,\"tags\":[]}\n");
}
END_TEST

/* Fields a rule names inside an array of objects hold in one element: the
 * stream tells the matcher where each element begins and ends, in arrays
 * of arrays and nested arrays too, and in skipped or spanning text. */
START_TEST(array_elements)
{
	static const char *const p[] = {
	    "{\"resources\":{\"type\":[\"AWS::KMS::Key\"],\"ARN\":[\"k\"]}}",
	    "{\"a\":{\"x\":[1],\"b\":{\"c\":[2],\"d\":[{\"exists\":false}]}}}", NULL};

	expect(p, &cloudtrail,
	    "{\"Records\":["
	    "{\"resources\":[{\"ARN\":\"k\",\"type\":\"AWS::S3::Bucket\"},{\"type\":\"AWS::KMS::"
	    "Key\",\"ARN\":\"j\"}]},"
	    "{\"resources\":[{\"ARN\":\"j\",\"skip\":[{\"type\":1}]},[{\"ARN\":\"k\",\"type\":"
	    "\"AWS::"
	    "KMS::Key\"}]]},"
	    "{\"a\":[{\"x\":1,\"b\":[{\"c\":2,\"d\":0}]},{\"x\":0,\"b\":[{\"c\":2}]}]},"
	    "{\"a\":[{\"x\":1,\"b\":[{\"c\":2,\"d\":0},{\"c\":2,\"e\":0}]}]}]}",
	    "match 1@100 [0] "
	    "{\"resources\":[{\"ARN\":\"j\",\"skip\":[{\"type\":1}]},[{\"ARN\":\"k\","
	    "\"type\":\"AWS::KMS::Key\"}]]}\n"
	    "match 3@243 [1] {\"a\":[{\"x\":1,\"b\":[{\"c\":2,\"d\":0},{\"c\":2,\"e\":0}]}]}\n");
}
END_TEST

/* Escapes are decoded before matching; the record text stays as written. */
START_TEST(escapes_and_unicode)
{
	static const char *const p[] = {"{\"k\":[\"a\\\"b\\u00e9\"]}", NULL};

	expect(p, &cloudtrail,
	    "{\"Records\":[{\"k\":\"a\\\"b\\u00e9\"},{\"k\":\"a\\\"b\xc3\xa9\"}]}",
	    "match 0@12 [0] {\"k\":\"a\\\"b\\u00e9\"}\n"
	    "match 1@31 [0] {\"k\":\"a\\\"b\xc3\xa9\"}\n");
}
END_TEST

/* Sigma rules may look in the JSON text of a field's objects and arrays:
 * each one's text is handed over as the log has it, spaces and escapes
 * kept, whatever pieces it was cut into; a scalar there has none, and a
 * rule on the field itself sees no object. */
START_TEST(json_text)
{
	static const char *const p[] = {
	    "{\"rp\":{\"\\u0001json\":[{\"sigma-glob\":\"*\\\"bucketname\\\": \\\"secret*\"}]}}",
	    "{\"tags\":{\"\\u0001json\":[{\"sigma-glob-cased\":\"[\\\"a\\\", \\\"b\\\"]\"}]}}",
	    "{\"k\":{\"\\u0001json\":[{\"sigma-glob\":\"*caf\\\\u00e9*\"}]}}",
	    "{\"rp\":[{\"exists\":true}]}", NULL};

	expect_as(p, 1, &cloudtrail,
	    "{\"Records\":["
	    "{\"rp\": {\"bucketName\": \"Secret-1\", \"x\": [1, 2]}, \"tags\": [\"a\", \"b\"]},"
	    "{\"rp\": {\"bucketName\":\"secret\"}, \"tags\": [\"a\",\"b\"]},"
	    "{\"k\": {\"name\": \"caf\\u00e9\"}},"
	    "{\"k\": \"caf\\u00e9\", \"rp\": [{\"bucketName\": \"secret\"}]}]}",
	    "match 0@12 [0,1] {\"rp\": {\"bucketName\": \"Secret-1\", \"x\": [1, 2]}, "
	    "\"tags\": [\"a\", \"b\"]}\n"
	    "match 2@131 [2] {\"k\": {\"name\": \"caf\\u00e9\"}}\n"
	    "match 3@160 [0] {\"k\": \"caf\\u00e9\", \"rp\": [{\"bucketName\": \"secret\"}]}\n");
}
END_TEST

START_TEST(records_not_objects)
{
	expect(sns, &cloudtrail,
	    "{\"Records\":[1,\"x\",[{\"eventName\":\"CreateTopic\"}],null,"
	    "{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"}]}",
	    "error 0@12 obj: record 0 at byte 12 is not a JSON object (found a number)\n"
	    "error 1@14 obj: record 1 at byte 14 is not a JSON object (found a string)\n"
	    "error 2@18 obj: record 2 at byte 18 is not a JSON object (found an array)\n"
	    "error 3@48 obj: record 3 at byte 48 is not a JSON object (found null)\n"
	    "match 4@53 [0] "
	    "{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"}\n");
}
END_TEST

START_TEST(record_too_large)
{
	struct records_opts o = {RECORDS_CLOUDTRAIL, 64, 0, NULL};

	expect(sns, &o,
	    "{\"Records\":[{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\","
	    "\"p\":1},"
	    "{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"}]}",
	    "error 0@12 obj: record 0 at byte 12 is larger than the maximum record size (67 > 64 "
	    "bytes)\n"
	    "match 1@80 [0] "
	    "{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"}\n");
}
END_TEST

START_TEST(shape_errors)
{
	expect(sns, &cloudtrail, "[{\"Records\":[]}]",
	    "fatal: obj: not a CloudTrail log: the document is an array, not {\"Records\": "
	    "[...]}\n");
	expect(sns, &cloudtrail, "\"Records\"",
	    "fatal: obj: not a CloudTrail log: the document is a string, not {\"Records\": "
	    "[...]}\n");
	expect(sns, &cloudtrail, "{\"records\":[]}",
	    "fatal: obj: not a CloudTrail log: no \"Records\" array in the document\n");
	expect(sns, &cloudtrail, "{\"a\":1,\"Records\":{\"b\":[]}}",
	    "fatal: obj: \"Records\" is not an array (found an object) at byte 17\n");
	expect(sns, &cloudtrail, "{\"Records\":12}",
	    "fatal: obj: \"Records\" is not an array (found a number) at byte 11\n");
	expect(sns, &cloudtrail, "{\"Records\":[]}", "");
}
END_TEST

START_TEST(json_errors)
{
	expect(sns, &cloudtrail, "", "fatal: obj: empty input: no JSON text\n");
	expect(sns, &cloudtrail, "   \n",
	    "fatal: obj: truncated JSON: the text ends at byte 4 inside a value\n");
	expect(sns, &cloudtrail, "{\"Records\":[{\"a\":1},{\"a\"",
	    "fatal: obj: truncated JSON: the text ends at byte 24 inside a value\n");
	expect(sns, &cloudtrail, "{\"Records\":[{\"a\":1}]} x",
	    "fatal: obj: invalid JSON at byte 22: parse error: trailing garbage\n");
	expect(sns, &cloudtrail, "{\"Records\":[{\"a\":1:}]}",
	    "fatal: obj: invalid JSON at byte #: parse error: after key and value, inside map, I "
	    "expect ',' or '}'\n");
	expect(sns, &cloudtrail, "{\"Records\":[{\"a\":\"\xc3\x28\"}]}",
	    "fatal: obj: invalid UTF-8 in a JSON string at byte #\n");
}
END_TEST

/* yajl checks only the shape of UTF-8 sequences; a matched record is checked
 * strictly before it is handed on. */
START_TEST(strict_utf8)
{
	static const char *const p[] = {"{\"a\":[{\"exists\":true}]}", NULL};

	expect(p, &cloudtrail,
	    "{\"Records\":[{\"a\":\"\xed\xa0\x80\"},{\"a\":\"\xc0\x80\"},{\"a\":1,\"b\":"
	    "\"\xf4\x90\x80\x80\"},"
	    "{\"a\":\"\xf0\x9f\x98\x80 \xe2\x82\xac \xc3\xa9\"},{\"b\":\"\xed\xa0\x80\"}]}",
	    "error 0@12 obj: invalid UTF-8 at byte 18 in record 0\n"
	    "error 1@24 obj: invalid UTF-8 at byte 30 in record 1\n"
	    "error 2@35 obj: invalid UTF-8 at byte 47 in record 2\n"
	    "match 3@54 [0] {\"a\":\"\xf0\x9f\x98\x80 \xe2\x82\xac \xc3\xa9\"}\n");
}
END_TEST

START_TEST(too_deep)
{
	struct records_opts o = {RECORDS_CLOUDTRAIL, 0, 6, NULL};

	expect(sns, &o, "{\"Records\":[{\"a\":{\"b\":{\"c\":[1]}}}]}", "");
	expect(sns, &o, "{\"Records\":[{\"a\":{\"b\":{\"c\":[[1]]}}}]}",
	    "fatal: obj: JSON nested deeper than 6 levels at byte 28\n");
	/* also in a subtree no rule refers to, and outside the records */
	expect(sns, &o, "{\"x\":[[[[[[]]]]]],\"Records\":[]}",
	    "fatal: obj: JSON nested deeper than 6 levels at byte 10\n");
}
END_TEST

/* A string longer than the cap would make the parser hold it whole. */
START_TEST(huge_token)
{
	struct records_opts o = {RECORDS_CLOUDTRAIL, 100, 0, NULL};
	struct ruleset *rs = compile(sns);
	struct buf doc = BUF_INIT;
	char *got;

	buf_puts(&doc, "{\"Records\":[{\"a\":\"");
	for (int i = 0; i < 2000; i++)
		buf_putc(&doc, 'x');
	buf_puts(&doc, "\"}]}");
	got = scan(rs, &o, doc.data, doc.len, 64, 0);
	ck_assert_msg(
	    strstr(got, "fatal: obj: a JSON string or number longer than the maximum record "
	                "size (100 bytes) at byte ") == got,
	    "%s", got);
	free(got);
	/* in one piece the parser never holds a partial token: the record is just too large */
	got = scan(rs, &o, doc.data, doc.len, doc.len, 0);
	ck_assert_msg(
	    strstr(got, "error 0@12 obj: record 0 at byte 12 is larger than the maximum") == got,
	    "%s", got);
	free(got);
	buf_free(&doc);
	ruleset_free(rs);
}
END_TEST

START_TEST(ndjson_lines)
{
	expect(sns, &ndjson,
	    "{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"}\n"
	    "\n"
	    "{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"Publish\"}\r\n"
	    "42\n"
	    "{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":bad}\n"
	    "{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"\n"
	    "{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"}"
	    "{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"}",
	    "match 0@0 [0] {\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"}\n"
	    "error 2@122 obj: line 4: record 2 at byte 122 is not a JSON object (found a number)\n"
	    "error 3@125 obj: line 5: invalid JSON at byte 172: lexical error: invalid char in "
	    "json "
	    "text\n"
	    "error 4@177 obj: line 6: the line ends at byte 237 inside a JSON value\n"
	    "match 5@238 [0] "
	    "{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"}\n"
	    "match 6@299 [0] "
	    "{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"}\n");
	expect(sns, &ndjson, "", "");
	expect(sns, &ndjson, "\n\n  \n", "");
	expect(sns, &ndjson, "{\"a\":[1,2",
	    "error 0@0 obj: line 1: truncated JSON: the text ends at byte 9 inside a value\n");
	expect(sns, &ndjson,
	    "{\"a\":\"\xff\"} and more\n{\"eventName\":\"CreateTopic\","
	    "\"eventSource\":\"sns.amazonaws.com\"}",
	    "error 0@0 obj: line 1: invalid UTF-8 in a JSON string at byte 6\n"
	    "match 1@19 [0] "
	    "{\"eventName\":\"CreateTopic\",\"eventSource\":\"sns.amazonaws.com\"}\n");
}
END_TEST

START_TEST(ndjson_deep_line_recovers)
{
	struct records_opts o = {RECORDS_NDJSON, 0, 3, NULL};

	expect(sns, &o,
	    "{\"a\":[[[1]]]}\n{\"eventName\":\"CreateTopic\",\"eventSource\":\"sns.amazonaws.com\"}"
	    "\n",
	    "error 0@0 obj: line 1: JSON nested deeper than 3 levels at byte 7\n"
	    "match 1@14 [0] "
	    "{\"eventName\":\"CreateTopic\",\"eventSource\":\"sns.amazonaws.com\"}\n");
}
END_TEST

/* Records spanning many pieces are gathered whole, and the cap still holds. */
START_TEST(spanning_records)
{
	static const char *const any[] = {"{\"k\":[{\"exists\":true}]}", NULL};
	struct ruleset *rs = compile(any);
	struct records_opts o = {RECORDS_CLOUDTRAIL, 5000, 0, NULL};
	struct buf doc = BUF_INIT, want = BUF_INIT;
	size_t off;

	buf_puts(&doc, "{\"Records\":[");
	for (int i = 0; i < 50; i++) {
		off = doc.len;
		buf_printf(&doc, "%s{\"k\":%d,\"pad\":\"", i ? "," : "", i);
		for (int j = 0; j < i * 97; j++)
			buf_putc(&doc, (char)('a' + j % 26));
		buf_puts(&doc, "\"}");
		if (doc.len - off - (i ? 1 : 0) > 5000)
			buf_printf(&want,
			    "error %d@%zu obj: record %d at byte %zu is larger than the maximum "
			    "record size (%zu > 5000 bytes)\n",
			    i, off + (i ? 1 : 0), i, off + (i ? 1 : 0),
			    doc.len - off - (i ? 1 : 0));
		else
			buf_printf(&want, "match %d@%zu [0] %s\n", i, off + (i ? 1 : 0),
			    doc.data + off + (i ? 1 : 0));
	}
	buf_puts(&doc, "]}");
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		char *got = scan(rs, &o, doc.data, doc.len, steps[s], 0);

		ck_assert_msg(
		    strcmp(got, want.data) == 0, "step %zu:\n got: %.300s", steps[s], got);
		free(got);
	}
	buf_free(&doc);
	buf_free(&want);
	ruleset_free(rs);
}
END_TEST

START_TEST(match_callback_stops)
{
	struct ruleset *rs = compile(sns);
	const char *doc =
	    "{\"Records\":[{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"},"
	    "{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"}]}";
	char *got = scan(rs, &cloudtrail, doc, strlen(doc), 7, 1);

	ck_assert_msg(strstr(got, "fatal: output failed\n") != NULL, "%s", got);
	ck_assert_msg(strstr(got, "match 1@") == NULL, "%s", got);
	free(got);
	ruleset_free(rs);
}
END_TEST

START_TEST(stats_and_reuse)
{
	struct ruleset *rs = compile(sns);
	struct matcher *m = matcher_new(rs);
	struct ct_error err;
	struct records *r = records_new(&cloudtrail, rs, m, NULL, &err);
	const char *a =
	    "{\"Records\":[{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"},"
	    "{},7]}";

	for (int round = 0; round < 3; round++) {
		const struct records_stats *st;

		ck_assert_int_eq(records_reset(r, "again", &err), 0);
		ck_assert_int_eq(records_feed(r, a, strlen(a), &err), 0);
		ck_assert_int_eq(records_finish(r, &err), 0);
		st = records_stats(r);
		ck_assert_uint_eq(st->json_bytes, strlen(a));
		ck_assert_uint_eq(st->records, 2);
		ck_assert_uint_eq(st->matched, 1);
		ck_assert_uint_eq(st->matches, 1);
		ck_assert_uint_eq(st->record_errors, 1);
	}
	/* a failed object stays failed until the next reset */
	ck_assert_int_eq(records_reset(r, "bad", &err), 0);
	ck_assert_int_eq(records_feed(r, "]", 1, &err), -1);
	ck_assert_int_eq(records_feed(r, "{", 1, &err), -1);
	ck_assert_int_eq(records_finish(r, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "bad: invalid JSON at byte 0"));
	records_free(r);
	matcher_free(m);
	ruleset_free(rs);
}
END_TEST

/* A lookup-events record is matched by a parser inside the parser: its
 * figures are the object's, and a failing output ends the object. */
START_TEST(lookup_stats_and_stop)
{
	static const struct records_opts lookup = {RECORDS_LOOKUP, 0, 0, NULL};
	struct ruleset *rs = compile(sns);
	struct matcher *m = matcher_new(rs);
	struct ct_error err;
	struct records *r = records_new(&lookup, rs, m, NULL, &err);
	const char *a = "{\"Events\":[{\"CloudTrailEvent\":"
	                "\"{\\\"eventSource\\\":\\\"sns.amazonaws.com\\\",\\\"eventName\\\":"
	                "\\\"CreateTopic\\\"}\"},"
	                "{\"CloudTrailEvent\":\"{}\"},{\"CloudTrailEvent\":\"[]\"},"
	                "{\"CloudTrailEvent\":\"{\"}]}";
	const struct records_stats *st;
	char *got;

	ck_assert_int_eq(records_reset(r, "lookup", &err), 0);
	ck_assert_int_eq(records_feed(r, a, strlen(a), &err), 0);
	ck_assert_int_eq(records_finish(r, &err), 0);
	st = records_stats(r);
	ck_assert_uint_eq(st->json_bytes, strlen(a));
	ck_assert_uint_eq(st->records, 2);
	ck_assert_uint_eq(st->matched, 1);
	ck_assert_uint_eq(st->matches, 1);
	ck_assert_uint_eq(st->record_errors, 2);
	records_free(r);
	matcher_free(m);

	got = scan(rs, &lookup, a, strlen(a), 5, 1);
	ck_assert_msg(strstr(got, "match 0@11 [0] ") == got, "%s", got);
	ck_assert_msg(strstr(got, "\nfatal: output failed\n") != NULL, "%s", got);
	ck_assert_msg(strstr(got, "error") == NULL, "%s", got);
	free(got);
	ruleset_free(rs);
}
END_TEST

START_TEST(utf8_table)
{
	static const struct {
		const char *s;
		size_t valid; /* length of the valid prefix */
	} t[] = {
	    {"plain ascii", 11},
	    {"\xc2\x80", 2},
	    {"\xc1\xbf", 0},
	    {"a\x80", 1},
	    {"\xe0\xa0\x80", 3},
	    {"\xe0\x9f\x80", 0},
	    {"\xed\x9f\xbf", 3},
	    {"\xed\xa0\x80", 0},
	    {"\xef\xbf\xbf", 3},
	    {"\xf0\x90\x80\x80", 4},
	    {"\xf0\x8f\xbf\xbf", 0},
	    {"\xf4\x8f\xbf\xbf", 4},
	    {"\xf4\x90\x80\x80", 0},
	    {"\xf5\x80\x80\x80", 0},
	    {"ok\xe2\x82", 2},
	    {"ok\xe2\x82\xac!", 6},
	    {"\xe2\x28\xa1", 0},
	    {"\xff", 0},
	    /* past eight ASCII bytes, read a word at a time */
	    {"0123456789abcdefghij", 20},
	    {"01234567\xc2\x80xyz", 13},
	    {"0123456\xe2\x82\xac"
	     "89abcdefgh",
	        20},
	    {"0123456789abcd\xff", 14},
	    {"0123456789abcdef\xed\xa0\x80", 16},
	    {"0123456789abcdef\xf0\x90\x80", 16},
	    /* past 32, read four words at a time */
	    {"0123456789abcdef0123456789abcdef0123456789", 42},
	    {"0123456789abcdef0123456789abcd\xc3\xa9"
	     "0123456789",
	        42},
	    {"0123456789abcdef0123456789abcdef0123\xff", 36},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(
		    utf8_valid_prefix((const unsigned char *)t[i].s, strlen(t[i].s)) == t[i].valid,
		    "case %zu", i);
}
END_TEST

/* With a prefilter, the records no rule can match are passed over unparsed:
 * the log is the same as without (expect checks both) and the figures say
 * how many were passed over. */
static uint64_t
passed_over(const struct ruleset *rs, const char *doc, size_t step)
{
	struct ct_error err;
	struct records_opts o = cloudtrail;
	struct matcher *m = matcher_new(rs);
	struct records *r;
	uint64_t n;

	o.prefilter = prefilter_new(rs, &err);
	ck_assert_ptr_nonnull(o.prefilter);
	ck_assert_ptr_nonnull(r = records_new(&o, rs, m, NULL, &err));
	ck_assert_int_eq(records_reset(r, "obj", &err), 0);
	for (size_t i = 0; i < strlen(doc); i += step)
		ck_assert_int_eq(
		    records_feed(r, doc + i, strlen(doc) - i < step ? strlen(doc) - i : step, &err),
		    0);
	ck_assert_int_eq(records_finish(r, &err), 0);
	n = records_stats(r)->passed;
	ck_assert_uint_eq(records_stats(r)->records, 5);
	records_free(r);
	matcher_free(m);
	prefilter_free((struct prefilter *)o.prefilter);
	return n;
}

/* Brackets and quotes inside strings, escaped quotes and backslashes, and
 * records the prefilter must not pass over: one whose value is written with
 * an escape (\u0054), one holding the literals in another field. */
static const char prefilter_doc[] =
    "{\"Records\":[{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\"},\n"
    "{\"eventName\":\"Put\",\"x\":\"}]},{\\\"\\\\\",\"y\":[\"\\\\\",{\"z\":\"]\"}]},\n"
    " {\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"Create\\u0054opic\"} ,"
    "{\"eventSource\":\"ec2.amazonaws.com\",\"note\":[\"sns.amazonaws.com\",\"CreateTopic\"]},"
    "{\"eventName\":\"CreateTopic\",\"eventSource\":\"sns.amazonaws.com\"}]}";

START_TEST(prefilter_passes_over)
{
	struct ruleset *rs = compile(sns);

	expect(sns, &cloudtrail, prefilter_doc,
	    "match 2@131 [0] "
	    "{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"Create\\u0054opic\"}\n"
	    "match 4@278 [0] "
	    "{\"eventName\":\"CreateTopic\",\"eventSource\":\"sns.amazonaws.com\"}\n");
	/* the first record is parsed (the parser must see one end), the escaped
	 * one and the one with both literals too: only record 1 is passed over */
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		ck_assert_uint_eq(passed_over(rs, prefilter_doc, steps[i]), 1);
	ruleset_free(rs);
}
END_TEST

/* What lies between records goes back to the parser, which reports it as
 * it always has: a value that is not an object, a record over the limit, the
 * text ending inside a record passed over. */
START_TEST(prefilter_hands_back)
{
	struct records_opts o = {RECORDS_CLOUDTRAIL, 64, 0, NULL};
	static const char big[] =
	    "{\"Records\":[{\"a\":1},{\"padding\":"
	    "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"},"
	    "7,[1],{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"}]}";

	expect(sns, &o, big,
	    "error 1@20 obj: record 1 at byte 20 is larger than the maximum record size (68 > 64 "
	    "bytes)\n"
	    "error 2@89 obj: record 2 at byte 89 is not a JSON object (found a number)\n"
	    "error 3@91 obj: record 3 at byte 91 is not a JSON object (found an array)\n"
	    "match 4@95 [0] "
	    "{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"CreateTopic\"}\n");
	expect(sns, &cloudtrail, "{\"Records\":[{\"a\":1},{\"b\":\"}\\\"\",\"c\":[",
	    "fatal: obj: truncated JSON: the text ends at byte 36 inside a value\n");
	expect(sns, &cloudtrail, "{\"Records\":[{\"a\":1},{\"b\":2}",
	    "fatal: obj: truncated JSON: the text ends at byte 27 inside a value\n");
}
END_TEST

/* Case-insensitive tests need their literals in any case; rules that need
 * no literal (exists: false, anything-but alone) leave every record to
 * the parser; CTALERTD_PREFILTER=off turns the prefilter off. */
START_TEST(prefilter_when)
{
	static const char *const sigma[] = {
	    "{\"eventName\":[{\"sigma-glob\":\"*createtopic\"}]}", NULL};
	static const char *const absent[] = {
	    "{\"eventName\":[\"CreateTopic\"]}", "{\"errorCode\":[{\"exists\":false}]}", NULL};
	struct ruleset *rs = compile(absent);
	struct ct_error err;

	expect_as(sigma, 1, &cloudtrail,
	    "{\"Records\":[{},{\"eventName\":\"GetTopic\"},{\"eventName\":\"CREATETOPIC\"}]}",
	    "match 2@40 [0] {\"eventName\":\"CREATETOPIC\"}\n");
	ck_assert_ptr_null(prefilter_new(rs, &err));
	ck_assert_int_eq(err.code, CT_OK);
	ruleset_free(rs);
	rs = compile(sns);
	setenv("CTALERTD_PREFILTER", "off", 1);
	ck_assert_ptr_null(prefilter_new(rs, &err));
	ck_assert_int_eq(err.code, CT_OK);
	unsetenv("CTALERTD_PREFILTER");
	ruleset_free(rs);
}
END_TEST

/* Where most records match, skimming does not pay: after SK_SAMPLE
 * records with too few passed over, the rest of the object is parsed. The
 * result is the same either way. */
START_TEST(prefilter_gives_up)
{
	struct ruleset *rs = compile(sns);
	struct records_opts o = cloudtrail;
	struct ct_error err;
	struct buf doc = BUF_INIT;
	struct matcher *m = matcher_new(rs);
	struct records *r;
	char *plain, *skimmed;

	buf_puts(&doc, "{\"Records\":[");
	for (int i = 0; i < 1100; i++)
		buf_printf(&doc, "%s{\"eventSource\":\"sns.amazonaws.com\",\"eventName\":\"%s\"}",
		    i ? "," : "", i % 10 == 0 ? "Publish" : "CreateTopic");
	buf_puts(&doc, "]}");
	o.prefilter = prefilter_new(rs, &err);
	plain = scan(rs, &cloudtrail, doc.data, doc.len, 100, 0);
	skimmed = scan(rs, &o, doc.data, doc.len, 100, 0);
	ck_assert_str_eq(plain, skimmed);
	ck_assert_ptr_nonnull(r = records_new(&o, rs, m, NULL, &err));
	ck_assert_int_eq(records_reset(r, "obj", &err), 0);
	ck_assert_int_eq(records_feed(r, doc.data, doc.len, &err), 0);
	ck_assert_int_eq(records_finish(r, &err), 0);
	ck_assert_uint_eq(records_stats(r)->records, 1100);
	ck_assert_uint_eq(records_stats(r)->matched, 990);
	/* 51 of the first 512 decided (after the first, always parsed) */
	ck_assert_uint_eq(records_stats(r)->passed, 51);
	records_free(r);
	matcher_free(m);
	prefilter_free((struct prefilter *)o.prefilter);
	free(plain);
	free(skimmed);
	buf_free(&doc);
	ruleset_free(rs);
}
END_TEST

/*
 * The document cases, tests/stream/records_cases/ *.case, each fed in pieces
 * of every size of steps[]:
 *   --- patterns               the rules r0, r1, ..., one per line (default:
 *                              the CreateTopic pattern, sns)
 *   --- input FORMAT [MAX]     the text (macros allowed), read as FORMAT
 *                              (records_format_parse), MAX the record cap
 *   --- expect                 the log, as expect() wants it ('#': a number)
 */
#define RECORDS_CASE (CT_CASE_COMMENTS | CT_CASE_UNIQUE | CT_CASE_TRIM_ONE)

START_TEST(doc_case)
{
	struct buf input = BUF_INIT, want = BUF_INIT, pats = BUF_INIT;
	const char *patterns[8] = {sns[0], NULL};
	const struct ct_section *in;
	struct records_opts o = {RECORDS_AUTO, 0, 0, NULL};
	char format[32];
	struct ruleset *rs;
	struct ct_case cf;

	ct_case_load(ct_case_path(_i), RECORDS_CASE, &cf);
	ck_assert_msg((in = ct_case_find(&cf, "input")) != NULL, "%s: no input", cf.path);
	ck_assert_msg(sscanf(in->args, "%31s %zu", format, &o.max_record) >= 1 &&
	                  records_format_parse(format, &o.format) == 0,
	    "%s: input '%s': FORMAT [MAX]", cf.path, in->args);
	ct_case_need(&cf, "input", &input);
	ct_case_need(&cf, "expect", &want);
	if (want.len > 0)
		buf_putc(&want, '\n');
	if (ct_case_find(&cf, "patterns")) {
		size_t n = 0;

		ct_case_need(&cf, "patterns", &pats);
		for (char *p = pats.data, *nl; p && *p && n < 7; p = nl ? nl + 1 : NULL) {
			if ((nl = strchr(p, '\n')) != NULL)
				*nl = '\0';
			patterns[n++] = p;
		}
		patterns[n] = NULL;
	}
	rs = compile(patterns);
	expect_log(
	    rs, &o, input.data ? input.data : "", input.len, want.data ? want.data : "", cf.path);
	ruleset_free(rs);
	buf_free(&input);
	buf_free(&want);
	buf_free(&pats);
	ct_case_free(&cf);
}
END_TEST

START_TEST(format_names)
{
	enum records_format f;

	ck_assert_int_eq(records_format_parse("ndjson", &f), 0);
	ck_assert_int_eq(f, RECORDS_NDJSON);
	ck_assert_int_eq(records_format_parse("records", &f), 0);
	ck_assert_int_eq(f, RECORDS_CLOUDTRAIL);
	ck_assert_int_eq(records_format_parse("xml", &f), -1);
	ck_assert_str_eq(records_format_name(RECORDS_NDJSON), "ndjson");
	ck_assert_int_eq(records_format_parse("lookup-events", &f), 0);
	ck_assert_int_eq(f, RECORDS_LOOKUP);
	ck_assert_int_eq(records_format_parse("array", &f), 0);
	ck_assert_int_eq(f, RECORDS_ARRAY);
	ck_assert_int_eq(records_format_parse("auto", &f), 0);
	ck_assert_int_eq(f, RECORDS_AUTO);
	for (f = RECORDS_CLOUDTRAIL; f <= RECORDS_AUTO; f++) {
		enum records_format back;

		ck_assert_int_eq(records_format_parse(records_format_name(f), &back), 0);
		ck_assert_int_eq(back, f);
	}
}
END_TEST

CT_CHECK_PROGRAM(.name = "records", .timeout = 60, .cases = "tests/stream/records_cases",
    .each_case = CT_TESTS(doc_case),
    .once = CT_TESTS(walk_records, skipped_subtrees, nested_fields_and_arrays, array_elements,
        escapes_and_unicode, json_text, records_not_objects, record_too_large, shape_errors,
        json_errors, strict_utf8, too_deep, huge_token, ndjson_lines, ndjson_deep_line_recovers,
        spanning_records, match_callback_stops, stats_and_reuse, lookup_stats_and_stop, utf8_table,
        format_names, prefilter_passes_over, prefilter_hands_back, prefilter_when,
        prefilter_gives_up))
