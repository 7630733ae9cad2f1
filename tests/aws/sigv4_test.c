/*
 * SigV4 unit tests: AWS's documented example, and each canonicalisation rule
 * on its own (tables of input -> expected canonical piece).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4.h"
#include "tests/lib/check_main.h"

static const char *const doc_secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/* 2015-08-30T12:36:00Z, the time of AWS's documented example. */
#define DOC_TIME ((time_t)1440938160)

START_TEST(documented_example)
{
	static const struct ctaws_kv q[] = {{"Version", "2010-05-08"}, {"Action", "ListUsers"}};
	static const struct ctaws_kv h[] = {{"Host", "iam.amazonaws.com"},
	    {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
	struct ctaws_credentials *cr =
	    ctaws_credentials_new("AKIDEXAMPLE", doc_secret, NULL, 0, "t");
	struct sigv4_request r = {
	    "GET", "/", q, 2, h, 2, SIGV4_EMPTY_SHA256, "us-east-1", "iam", DOC_TIME, 0};
	struct sigv4_result res;
	struct ctaws_error err;
	struct buf creq = BUF_INIT, sts = BUF_INIT;
	struct sigv4_key_cache *kc = sigv4_key_cache_new();

	ck_assert_int_eq(sigv4_canonical_request(&r, cr, &creq, NULL), 0);
	ck_assert_str_eq(creq.data,
	    "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
	    "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
	    "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
	    "content-type;host;x-amz-date\n" SIGV4_EMPTY_SHA256);
	ck_assert_int_eq(sigv4_string_to_sign(&r, creq.data, &sts), 0);
	ck_assert_str_eq(sts.data,
	    "AWS4-HMAC-SHA256\n20150830T123600Z\n"
	    "20150830/us-east-1/iam/aws4_request\n"
	    "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
	/* Twice: derived, then from the key cache. */
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(sigv4_sign(&r, cr, kc, &res, &err), 0);
		ck_assert_str_eq(res.authorization,
		    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
		    "SignedHeaders=content-type;host;x-amz-date, "
		    "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
	}
	ck_assert_str_eq(res.amz_date, "20150830T123600Z");
	ck_assert_ptr_null(res.security_token);
	ck_assert_str_eq(res.content_sha256, "");
	buf_free(&creq);
	buf_free(&sts);
	sigv4_key_cache_free(kc);
	ctaws_credentials_release(cr);
}
END_TEST

START_TEST(key_cache_separates_secrets_regions_services)
{
	static const struct ctaws_kv h[] = {{"Host", "x"}};
	struct sigv4_key_cache *kc = sigv4_key_cache_new();
	struct ctaws_credentials *a = ctaws_credentials_new("AK", "secret-a", NULL, 0, "t");
	struct ctaws_credentials *b = ctaws_credentials_new("AK", "secret-b", NULL, 0, "t");
	struct sigv4_request r = {
	    "GET", "/", NULL, 0, h, 1, SIGV4_EMPTY_SHA256, "us-east-1", "s3", DOC_TIME, 1};
	struct sigv4_result cached, fresh;
	struct ctaws_error err;
	const char *regions[] = {"us-east-1", "eu-west-1"}, *services[] = {"s3", "sqs"};

	/* Fill the cache past its size with other combinations, then compare
	 * each cached signature with one computed without a cache. */
	for (int round = 0; round < 2; round++)
		for (int s = 0; s < 2; s++)
			for (int g = 0; g < 2; g++)
				for (int v = 0; v < 2; v++)
					for (int d = 0; d < 3; d++) {
						r.region = regions[g];
						r.service = services[v];
						r.time = DOC_TIME + d * 86400;
						ck_assert_int_eq(
						    sigv4_sign(&r, s ? b : a, kc, &cached, &err),
						    0);
						ck_assert_int_eq(
						    sigv4_sign(&r, s ? b : a, NULL, &fresh, &err),
						    0);
						ck_assert_str_eq(
						    cached.authorization, fresh.authorization);
					}
	sigv4_key_cache_free(kc);
	ctaws_credentials_release(a);
	ctaws_credentials_release(b);
}
END_TEST

static const struct {
	const char *in;
	int keep_slash;
	const char *out;
} encodings[] = {
    {"abcXYZ019-_.~", 0, "abcXYZ019-_.~"},
    {"a b+c", 0, "a%20b%2Bc"},
    {"/a//b/", 1, "/a//b/"},
    {"/a//b/", 0, "%2Fa%2F%2Fb%2F"},
    {"%=&?#", 1, "%25%3D%26%3F%23"},
    {"ü日", 1, "%C3%BC%E6%97%A5"},
    {"*'()!", 0, "%2A%27%28%29%21"},
    {"\t\n", 0, "%09%0A"},
    {"", 0, ""},
};

START_TEST(uri_encoding)
{
	struct buf b = BUF_INIT;

	sigv4_uri_encode(&b, encodings[_i].in, strlen(encodings[_i].in), encodings[_i].keep_slash);
	ck_assert_str_eq(b.data, encodings[_i].out);
	buf_free(&b);
}
END_TEST

START_TEST(query_sorted_by_encoded_name_then_value)
{
	static const struct ctaws_kv q[] = {{"b", "2"}, {"a", "z"}, {"a", ""}, {"A", "x y"},
	    {"[", "1"}, {"a-b", "1"}, {"~", "t"}, {"a", "a"}, {"ü", "+"}};
	struct buf b = BUF_INIT;

	ck_assert_int_eq(sigv4_canonical_query(&b, q, sizeof(q) / sizeof(q[0])), 0);
	/* "%5B" sorts before letters, "a" before "a-b", "~" last. */
	ck_assert_str_eq(b.data, "%5B=1&%C3%BC=%2B&A=x%20y&a=&a=a&a=z&a-b=1&b=2&~=t");
	buf_free(&b);
}
END_TEST

static const struct {
	const char *path;
	int s3;
	const char *canonical;
} paths[] = {
    {"/", 0, "/"},
    {"", 0, ""},
    {"/a/./b/../c", 0, "/a/c"},
    {"//a//b//", 0, "/a/b/"},
    {"/a/b/..", 0, "/a"},
    {"/..", 0, "/"},
    {"/a%20b", 0, "/a%2520b"},
    {"/123456789012/my-queue", 0, "/123456789012/my-queue"},
    {"/a%20b//c/./d/../", 1, "/a%20b//c/./d/../"},
    {"/bucket/key%2Bplus", 1, "/bucket/key%2Bplus"},
};

START_TEST(path_canonicalisation)
{
	static const struct ctaws_kv h[] = {{"Host", "h"}};
	struct sigv4_request r = {"GET", paths[_i].path, NULL, 0, h, 1, SIGV4_EMPTY_SHA256,
	    "us-east-1", paths[_i].s3 ? "s3" : "sqs", DOC_TIME, paths[_i].s3};
	struct buf b = BUF_INIT;
	char want[256];

	ck_assert_int_eq(sigv4_canonical_request(&r, NULL, &b, NULL), 0);
	snprintf(want, sizeof(want), "GET\n%s\n\n", paths[_i].canonical);
	ck_assert_msg(
	    strncmp(b.data, want, strlen(want)) == 0, "path %s: %s", paths[_i].path, b.data);
	buf_free(&b);
}
END_TEST

START_TEST(headers_folded_sorted_merged_and_filtered)
{
	static const struct ctaws_kv h[] = {
	    {"Host", "example.com"},
	    {"X-Amz-Meta-A", "  two   spaces\tand tab  "},
	    {"x-amz-meta-a", "second"},
	    {"User-Agent", "not signed"},
	    {"Expect", "100-continue"},
	    {"Proxy-Authorization", "no"},
	    {"Content-Type", "text/plain"},
	    {"X-Amz-Date", "ignored: the signer sets its own"},
	};
	struct ctaws_credentials *cr = ctaws_credentials_new("AK", "S", "TOKEN", 0, "t");
	struct sigv4_request r = {"PUT", "/k", NULL, 0, h, sizeof(h) / sizeof(h[0]), "abc",
	    "us-east-1", "s3", DOC_TIME, 1};
	struct buf b = BUF_INIT, sh = BUF_INIT;

	ck_assert_int_eq(sigv4_canonical_request(&r, cr, &b, &sh), 0);
	ck_assert_str_eq(b.data, "PUT\n/k\n\ncontent-type:text/plain\nhost:example.com\n"
	                         "x-amz-content-sha256:abc\nx-amz-date:20150830T123600Z\n"
	                         "x-amz-meta-a:two spaces and tab,second\n"
	                         "x-amz-security-token:TOKEN\n\n"
	                         "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-a;"
	                         "x-amz-security-token\nabc");
	ck_assert_str_eq(sh.data, "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-a;"
	                          "x-amz-security-token");
	buf_free(&b);
	buf_free(&sh);
	ctaws_credentials_release(cr);
}
END_TEST

START_TEST(s3_unsigned_payload_and_token)
{
	static const struct ctaws_kv h[] = {{"Host", "b.s3.eu-west-1.amazonaws.com"}};
	struct ctaws_credentials *cr = ctaws_credentials_new("AK", "S", "TOK", 0, "t");
	struct sigv4_request r = {
	    "GET", "/key", NULL, 0, h, 1, SIGV4_UNSIGNED_PAYLOAD, "eu-west-1", "s3", DOC_TIME, 1};
	struct sigv4_result res;
	struct ctaws_error err;

	ck_assert_int_eq(sigv4_sign(&r, cr, NULL, &res, &err), 0);
	ck_assert_str_eq(res.content_sha256, "UNSIGNED-PAYLOAD");
	ck_assert_str_eq(res.security_token, "TOK");
	ck_assert_ptr_nonnull(strstr(res.authorization,
	    "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, "));
	ctaws_credentials_release(cr);
}
END_TEST

START_TEST(no_credentials_is_an_error)
{
	static const struct ctaws_kv h[] = {{"Host", "h"}};
	struct sigv4_request r = {
	    "GET", "/", NULL, 0, h, 1, SIGV4_EMPTY_SHA256, "us-east-1", "s3", DOC_TIME, 1};
	struct sigv4_result res;
	struct ctaws_error err;

	ck_assert_int_eq(sigv4_sign(&r, NULL, NULL, &res, &err), -1);
	ck_assert_str_eq(err.code, "CredentialsError");
}
END_TEST

START_TEST(helpers)
{
	char d[17], h[65];

	sigv4_amz_date(0, d);
	ck_assert_str_eq(d, "19700101T000000Z");
	sigv4_sha256_hex("", 0, h);
	ck_assert_str_eq(h, SIGV4_EMPTY_SHA256);
	sigv4_sha256_hex("abc", 3, h);
	ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

CT_CHECK_PROGRAM(.name = "sigv4",
    .loops = CT_LOOPS({uri_encoding, (int)(sizeof(encodings) / sizeof(encodings[0]))},
        {path_canonicalisation, (int)(sizeof(paths) / sizeof(paths[0]))}),
    .once = CT_TESTS(documented_example, key_cache_separates_secrets_regions_services,
        query_sorted_by_encoded_name_then_value, headers_folded_sorted_merged_and_filtered,
        s3_unsigned_payload_and_token, no_credentials_is_an_error, helpers))
