/*
 * Unit tests of src/stream/inflate: every test runs once per decompressor
 * built in (zlib, and ISA-L when present), so one build tests both paths.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "deflate.h"
#include "stream/inflate.h"
#include "util/buf.h"
#include "tests/lib/check_main.h"

static const enum inflate_backend backends[] = {INFLATE_BACKEND_ZLIB, INFLATE_BACKEND_ISAL};
static enum inflate_backend backend;    /* the one this loop iteration tests */
static enum inflate_format last_format; /* what the last run() detected */

/* What the sink received. */
struct out {
	struct buf b;
	size_t calls;
	int fail_at; /* return -1 on this call (from 1); 0: never */
};

static int
sink(void *arg, const char *p, size_t n, struct ct_error *err)
{
	struct out *o = arg;

	o->calls++;
	if (o->fail_at && (int)o->calls == o->fail_at)
		return ct_error_set(err, CT_ERR_JSON, "the sink says no");
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(buf_append(&o->b, p, n), 0);
	return 0;
}

/* Deterministic, compressible text of n bytes. */
static char *
text(size_t n)
{
	static const char *const w[] = {"{\"eventName\":", "\"GetObject\"", ",", "\"s3\"", " ",
	    "}\n", "[1,2,3]", "\"arn:aws:iam::123456789012:role/x\""};
	char *t = malloc(n + 1);
	uint32_t x = 12345;

	for (size_t i = 0; i < n;) {
		const char *s = w[(x = x * 1103515245 + 12345) >> 16 & 7];

		for (; *s && i < n; s++)
			t[i++] = *s;
	}
	t[n] = '\0';
	return t;
}

/* Runs the whole of in through an inflater in pieces of step bytes. */
static int
run(const struct inflate_opts *o0, const void *in, size_t n, size_t step, struct out *out,
    struct ct_error *err)
{
	struct inflate_opts o = *o0;
	struct inflater *z;
	const char *p = in;
	int r = 0;

	o.backend = backend;
	z = inflater_new(&o, sink, out, err);
	ck_assert_ptr_nonnull(z);
	ck_assert_int_eq(inflater_backend(z), backend);
	for (size_t i = 0; i < n && r == 0; i += step)
		r = inflater_feed(z, p + i, n - i < step ? n - i : step, err);
	if (r == 0)
		r = inflater_finish(z, err);
	if (r == 0) {
		ck_assert_uint_eq(inflater_bytes_out(z), out->b.len);
		ck_assert_uint_eq(inflater_bytes_in(z), n);
	}
	last_format = inflater_format(z);
	inflater_free(z);
	return r;
}

static const size_t steps[] = {1, 2, 3, 7, 100, 4096, 65536, (size_t)-1};

/* Every feed size, every chunk size: the output is the text. */
static void
roundtrip(const void *in, size_t n, const char *want, size_t wlen, enum inflate_format fmt)
{
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		for (size_t chunk = 0; chunk <= 1; chunk++) {
			struct inflate_opts o = {0, 0, 0, chunk ? 1000 : 0};
			struct out out = {BUF_INIT, 0, 0};
			struct ct_error err;

			if (steps[s] < 7 && n > 200000)
				continue; /* byte-at-a-time on big inputs only costs time */
			ck_assert_msg(run(&o, in, n, steps[s], &out, &err) == 0, "step %zu: %s",
			    steps[s], err.msg);
			ck_assert_uint_eq(out.b.len, wlen);
			ck_assert(wlen == 0 || memcmp(out.b.data, want, wlen) == 0);
			ck_assert_int_eq(last_format, fmt);
			buf_free(&out.b);
		}
	}
}

START_TEST(gzip_single)
{
	char *t = text(300000);
	struct buf gz = BUF_INIT;

	backend = backends[_i];
	deflate_into(&gz, t, 300000, 31);
	roundtrip(gz.data, gz.len, t, 300000, INFLATE_GZIP);
	buf_free(&gz);
	free(t);
}
END_TEST

START_TEST(gzip_multi_member)
{
	char *t = text(50000);
	struct buf gz = BUF_INIT, want = BUF_INIT;

	backend = backends[_i];
	deflate_into(&gz, t, 20000, 31);
	deflate_into(&gz, t, 0, 31); /* an empty member counts too */
	deflate_into(&gz, t + 20000, 30000, 31);
	deflate_into(&gz, "x", 1, 31);
	buf_append(&want, t, 50000);
	buf_append(&want, "x", 1);
	roundtrip(gz.data, gz.len, want.data, want.len, INFLATE_GZIP);
	buf_free(&gz);
	buf_free(&want);
	free(t);
}
END_TEST

START_TEST(zlib_stream)
{
	char *t = text(100000);
	struct buf z = BUF_INIT;

	backend = backends[_i];
	deflate_into(&z, t, 100000, 15);
	roundtrip(z.data, z.len, t, 100000, INFLATE_ZLIB);
	buf_free(&z);
	free(t);
}
END_TEST

START_TEST(plain_and_empty)
{
	static const char json[] = "{\"Records\":[]}";

	backend = backends[_i];
	roundtrip(json, strlen(json), json, strlen(json), INFLATE_PLAIN);
	roundtrip("{", 1, "{", 1, INFLATE_PLAIN);
	roundtrip("", 0, "", 0, INFLATE_PLAIN);
}
END_TEST

/* Feeds in, expects failure with code and a message containing want. */
static void
expect_error(
    const struct inflate_opts *o, const void *in, size_t n, enum ct_err code, const char *want)
{
	static const size_t some[] = {1, 13, 65536, (size_t)-1};

	for (size_t s = 0; s < sizeof(some) / sizeof(some[0]); s++) {
		struct out out = {BUF_INIT, 0, 0};
		struct ct_error err;

		if (some[s] == 1 && n > 100000)
			continue;
		ct_error_clear(&err);
		ck_assert_msg(
		    run(o, in, n, some[s], &out, &err) == -1, "step %zu: no error", some[s]);
		ck_assert_int_eq(err.code, code);
		ck_assert_msg(strstr(err.msg, want) != NULL, "step %zu: \"%s\" lacks \"%s\"",
		    some[s], err.msg, want);
		buf_free(&out.b);
	}
}

START_TEST(truncated)
{
	static const struct inflate_opts o;
	char *t = text(100000), want[128];
	struct buf gz = BUF_INIT;

	backend = backends[_i];
	deflate_into(&gz, t, 100000, 31);
	snprintf(want, sizeof(want),
	    "truncated gzip data: the input ends inside member 1 at "
	    "compressed byte %zu",
	    gz.len / 2);
	expect_error(&o, gz.data, gz.len / 2, CT_ERR_INFLATE, want);
	expect_error(
	    &o, gz.data, gz.len - 3, CT_ERR_INFLATE, "truncated gzip data"); /* trailer cut */
	expect_error(&o, gz.data, 5, CT_ERR_INFLATE, "truncated gzip data"); /* header cut */
	buf_reset(&gz);
	deflate_into(&gz, t, 100000, 15);
	expect_error(&o, gz.data, gz.len - 1, CT_ERR_INFLATE, "truncated zlib data");
	buf_free(&gz);
	free(t);
}
END_TEST

START_TEST(corrupt)
{
	static const struct inflate_opts o;
	char *t = text(100000);
	struct buf gz = BUF_INIT;

	backend = backends[_i];
	deflate_into(&gz, t, 100000, 31);
	gz.data[gz.len - 6] ^= 0x40; /* the CRC-32 */
	expect_error(&o, gz.data, gz.len, CT_ERR_INFLATE, "corrupt gzip data at compressed byte");
	expect_error(&o, gz.data, gz.len, CT_ERR_INFLATE, "checksum mismatch");
	gz.data[gz.len - 6] ^= 0x40;
	gz.data[2] = 7; /* compression method other than deflate */
	expect_error(&o, gz.data, gz.len, CT_ERR_INFLATE, "invalid header");
	gz.data[2] = 8;
	memset(gz.data + 10, 0xff, 16); /* the first deflate block header */
	expect_error(&o, gz.data, gz.len, CT_ERR_INFLATE, "invalid deflate data");
	buf_free(&gz);
	free(t);
}
END_TEST

START_TEST(trailing_data)
{
	static const struct inflate_opts o;
	struct buf gz = BUF_INIT;

	backend = backends[_i];
	deflate_into(&gz, "{\"Records\":[]}", 14, 31);
	buf_append(&gz, "garbage", 7);
	expect_error(
	    &o, gz.data, gz.len, CT_ERR_INFLATE, "data after member 1 is not a gzip member");
	buf_reset(&gz);
	deflate_into(&gz, "{\"Records\":[]}", 14, 31);
	buf_append(&gz, "\x1f\x8b\x09", 3); /* looks like a member, is not */
	expect_error(&o, gz.data, gz.len, CT_ERR_INFLATE, "member 2");
	buf_reset(&gz);
	deflate_into(&gz, "{}", 2, 15);
	buf_append(&gz, "xx", 2);
	expect_error(&o, gz.data, gz.len, CT_ERR_INFLATE, "data after the end of the stream");
	buf_free(&gz);
}
END_TEST

START_TEST(size_limit)
{
	struct inflate_opts o = {1000000, 0, 0, 0};
	char *t = text(1000001);
	struct buf gz = BUF_INIT;
	struct out out = {BUF_INIT, 0, 0};
	struct ct_error err;

	backend = backends[_i];
	deflate_into(&gz, t, 1000001, 31);
	expect_error(&o, gz.data, gz.len, CT_ERR_LIMIT,
	    "decompressed size over the limit of 1000000 bytes at compressed byte");
	expect_error(&o, t, 1000001, CT_ERR_LIMIT, "size over the limit of 1000000 bytes");
	/* exactly at the limit is fine */
	buf_reset(&gz);
	deflate_into(&gz, t, 1000000, 31);
	ck_assert_int_eq(run(&o, gz.data, gz.len, 65536, &out, &err), 0);
	ck_assert_uint_eq(out.b.len, 1000000);
	buf_free(&out.b);
	buf_free(&gz);
	free(t);
}
END_TEST

START_TEST(ratio_limit)
{
	struct inflate_opts o = {0, 100, 0, 0};
	size_t n = 8 * 1024 * 1024;
	char *zeros = calloc(1, n);
	struct buf gz = BUF_INIT;
	struct out out = {BUF_INIT, 0, 0};
	struct ct_error err;

	backend = backends[_i];
	deflate_into(&gz, zeros, n, 31);
	expect_error(
	    &o, gz.data, gz.len, CT_ERR_LIMIT, "decompression ratio over the limit of 100:1");
	/* a small object with a high ratio is no bomb: the floor spares it */
	buf_reset(&gz);
	deflate_into(&gz, zeros, 512 * 1024, 31);
	ck_assert_int_eq(run(&o, gz.data, gz.len, 65536, &out, &err), 0);
	ck_assert_uint_eq(out.b.len, 512 * 1024);
	buf_free(&out.b);
	buf_free(&gz);
	free(zeros);
}
END_TEST

START_TEST(sink_error_and_reset)
{
	struct inflate_opts o = {0, 0, 0, 1000};
	char *t = text(20000);
	struct buf gz = BUF_INIT;
	struct out out = {BUF_INIT, 0, 3};
	struct ct_error err;
	struct inflater *z;

	backend = backends[_i];
	o.backend = backend;
	deflate_into(&gz, t, 20000, 31);
	z = inflater_new(&o, sink, &out, &err);
	ck_assert_int_eq(inflater_feed(z, gz.data, gz.len, &err), -1);
	ck_assert_str_eq(err.msg, "the sink says no");
	ck_assert_int_eq(err.code, CT_ERR_JSON);
	/* the object is over: the same error again */
	ct_error_clear(&err);
	ck_assert_int_eq(inflater_feed(z, gz.data, 1, &err), -1);
	ck_assert_str_eq(err.msg, "the sink says no");
	ck_assert_int_eq(inflater_finish(z, &err), -1);
	/* a reset starts afresh, with another format even */
	inflater_reset(z);
	out.fail_at = 0;
	buf_reset(&out.b);
	ck_assert_int_eq(inflater_feed(z, "{}", 2, &err), 0);
	ck_assert_int_eq(inflater_finish(z, &err), 0);
	ck_assert_int_eq(inflater_format(z), INFLATE_PLAIN);
	ck_assert_str_eq(out.b.data, "{}");
	inflater_reset(z);
	buf_reset(&out.b);
	ck_assert_int_eq(inflater_feed(z, gz.data, gz.len, &err), 0);
	ck_assert_int_eq(inflater_finish(z, &err), 0);
	ck_assert_int_eq(inflater_format(z), INFLATE_GZIP);
	ck_assert_uint_eq(out.b.len, 20000);
	inflater_free(z);
	buf_free(&out.b);
	buf_free(&gz);
	free(t);
}
END_TEST

START_TEST(backend_choice)
{
	struct inflate_opts o = {0};
	struct out out = {BUF_INIT, 0, 0};
	struct ct_error err;
	struct inflater *z;
	enum inflate_backend b;

	setenv("CTALERTD_INFLATE", "zlib", 1);
	z = inflater_new(&o, sink, &out, &err);
	ck_assert_int_eq(inflater_backend(z), INFLATE_BACKEND_ZLIB);
	inflater_free(z);
	setenv("CTALERTD_INFLATE", "isal", 1);
	z = inflater_new(&o, sink, &out, &err);
	ck_assert_int_eq(inflater_backend(z), inflate_backend_available(INFLATE_BACKEND_ISAL)
	                                          ? INFLATE_BACKEND_ISAL
	                                          : INFLATE_BACKEND_ZLIB);
	inflater_free(z);
	unsetenv("CTALERTD_INFLATE");
	o.backend = INFLATE_BACKEND_ISAL;
	z = inflater_new(&o, sink, &out, &err);
#ifdef HAVE_ISAL
	ck_assert_ptr_nonnull(z);
	inflater_free(z);
#else
	ck_assert_ptr_null(z);
	ck_assert_ptr_nonnull(strstr(err.msg, "not built in"));
#endif
	ck_assert_int_eq(inflate_backend_parse("zlib", &b), 0);
	ck_assert_int_eq(b, INFLATE_BACKEND_ZLIB);
	ck_assert_int_eq(inflate_backend_parse("gzip", &b), -1);
	ck_assert_str_eq(inflate_format_name(INFLATE_ZLIB), "zlib");
}
END_TEST

static Suite *
inflate_suite(void)
{
	Suite *s = suite_create("inflate");
	TCase *tc = tcase_create("backends");
	int nb = inflate_backend_available(INFLATE_BACKEND_ISAL) ? 2 : 1;

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, gzip_single, 0, nb);
	tcase_add_loop_test(tc, gzip_multi_member, 0, nb);
	tcase_add_loop_test(tc, zlib_stream, 0, nb);
	tcase_add_loop_test(tc, plain_and_empty, 0, nb);
	tcase_add_loop_test(tc, truncated, 0, nb);
	tcase_add_loop_test(tc, corrupt, 0, nb);
	tcase_add_loop_test(tc, trailing_data, 0, nb);
	tcase_add_loop_test(tc, size_limit, 0, nb);
	tcase_add_loop_test(tc, ratio_limit, 0, nb);
	tcase_add_loop_test(tc, sink_error_and_reset, 0, nb);
	tcase_add_test(tc, backend_choice);
	suite_add_tcase(s, tc);
	return s;
}

CT_CHECK_MAIN(inflate_suite)
