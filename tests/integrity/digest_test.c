/*
 * The integrity module (src/integrity): digests parsed, signatures,
 * locations and chain links checked, log file hashes.
 *
 * Cases in tests/integrity/cases/digest/ *.case hold a "digest" section (the
 * uncompressed text of a digest file) and an "expect" section: either
 * "error CODE-WORDS: MESSAGE" or the digest printed back field by field, its
 * signing string last (see print_digest). The signature checks run on a key
 * made here, so every verdict is reached with a real RSA signature.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "integrity/digest.h"
#include "integrity/verify.h"
#include "tests/lib/check_main.h"
#include "tests/stream/deflate.h"

#define CASE_FLAGS (CT_CASE_COMMENTS | CT_CASE_UNIQUE | CT_CASE_TRIM_ONE)

static void
print_digest(const struct digest *d, struct buf *out)
{
	buf_printf(out, "account %s\nstart %s %lld\nend %s %lld\nat %s/%s\nkey %s %s\n", d->account,
	    d->start_text, (long long)d->start, d->end_text, (long long)d->end, d->bucket,
	    d->object, d->fingerprint, d->algorithm);
	if (digest_starts_chain(d))
		buf_printf(out, "previous none\n");
	else
		buf_printf(out, "previous %s/%s %s %s\n", d->prev_bucket, d->prev_object,
		    d->prev_hash, d->prev_signature ? d->prev_signature : "(null)");
	for (size_t i = 0; i < d->nlogs; i++)
		buf_printf(
		    out, "log %s/%s %s\n", d->logs[i].bucket, d->logs[i].key, d->logs[i].hash);
	buf_printf(out, "signing ");
	digest_signing_string(d, out);
	buf_printf(out, "\n");
}

START_TEST(test_case)
{
	struct buf text = BUF_INIT, got = BUF_INIT;
	struct ct_error err = {0};
	struct digest d;
	struct ct_case cf;

	ct_case_load(ct_case_path(_i), CASE_FLAGS, &cf);
	ct_case_need(&cf, "digest", &text);
	if (digest_parse(text.data, text.len, &d, &err) == 0)
		print_digest(&d, &got);
	else
		buf_printf(&got, "error %s: %s\n", ct_strerror(err.code), err.msg);
	ct_case_compare(cf.path, ct_case_buf(&cf, "expect")->data, got.data);
	digest_free(&d);
	buf_free(&text);
	buf_free(&got);
	ct_case_free(&cf);
}
END_TEST

/* ---- signatures, on a key made here ---- */

static EVP_PKEY *key;      /* the signing key */
static unsigned char *der; /* its public half, PKCS#1 */
static int derlen;

static void
make_key(void)
{
	if (key == NULL) {
		key = EVP_RSA_gen(2048);
		ck_assert_ptr_nonnull(key);
		der = NULL;
		derlen = i2d_PublicKey(key, &der);
		ck_assert_int_gt(derlen, 0);
	}
}

static void
hex(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* The digest text for bucket/key with the given previous link. */
static void
digest_text(struct buf *b, const char *object, const char *prev_object, const char *prev_hash,
    const char *prev_sig)
{
	buf_reset(b);
	buf_printf(b,
	    "{\"awsAccountId\":\"111122223333\",\"digestStartTime\":\"2026-12-07T09:00:00Z\","
	    "\"digestEndTime\":\"2026-12-07T10:00:00Z\",\"digestS3Bucket\":\"trail\","
	    "\"digestS3Object\":\"%s\",\"digestPublicKeyFingerprint\":\"fp1\","
	    "\"digestSignatureAlgorithm\":\"SHA256withRSA\",",
	    object);
	if (prev_object)
		buf_printf(b,
		    "\"previousDigestS3Bucket\":\"trail\",\"previousDigestS3Object\":\"%s\","
		    "\"previousDigestHashValue\":\"%s\",\"previousDigestHashAlgorithm\":\"SHA-"
		    "256\","
		    "\"previousDigestSignature\":\"%s\",",
		    prev_object, prev_hash, prev_sig);
	else
		buf_printf(b, "\"previousDigestS3Bucket\":null,\"previousDigestS3Object\":null,"
		              "\"previousDigestHashValue\":null,\"previousDigestSignature\":null,");
	buf_printf(b, "\"logFiles\":[]}");
}

/* Parses text into d and signs it: the hex signature into sig. */
static void
parse_and_sign(const struct buf *text, struct digest *d, char *sig)
{
	struct ct_error err = {0};
	struct buf msg = BUF_INIT;
	unsigned char raw[512];
	size_t rawlen = sizeof(raw);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	ck_assert_msg(digest_parse(text->data, text->len, d, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(digest_signing_string(d, &msg), 0);
	ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
	ck_assert_int_eq(EVP_DigestSign(ctx, raw, &rawlen, (unsigned char *)msg.data, msg.len), 1);
	hex(raw, rawlen, sig);
	EVP_MD_CTX_free(ctx);
	buf_free(&msg);
}

static struct iv_keyring *
ring_with_key(void)
{
	struct ct_error err = {0};
	struct iv_keyring *r = iv_keyring_new();

	make_key();
	ck_assert_int_eq(iv_keyring_add(r, "fp1", der, (size_t)derlen, 0, 4000000000, &err), 0);
	return r;
}

START_TEST(test_signature_verdicts)
{
	struct iv_keyring *r = ring_with_key();
	struct buf text = BUF_INIT;
	struct digest d;
	char sig[1100];
	const char *k = "AWSLogs/1/CloudTrail-Digest/d.json.gz";

	digest_text(&text, k, NULL, NULL, NULL);
	parse_and_sign(&text, &d, sig);
	ck_assert_int_eq(iv_check_digest(&d, "trail", k, sig, "SHA256withRSA", r), IV_VALID);
	ck_assert_int_eq(iv_check_digest(&d, "other", k, sig, "SHA256withRSA", r), IV_MOVED);
	ck_assert_int_eq(
	    iv_check_digest(&d, "trail", "x.json.gz", sig, "SHA256withRSA", r), IV_MOVED);
	ck_assert_int_eq(
	    iv_check_digest(&d, "trail", k, NULL, "SHA256withRSA", r), IV_NO_SIGNATURE);
	ck_assert_int_eq(iv_check_digest(&d, "trail", k, sig, NULL, r), IV_NO_SIGNATURE);
	ck_assert_int_eq(iv_check_digest(&d, "trail", k, sig, "SHA1withRSA", r), IV_BAD_ALGORITHM);
	ck_assert_int_eq(
	    iv_check_digest(&d, "trail", k, "zz", "SHA256withRSA", r), IV_BAD_SIGNATURE);
	sig[10] = sig[10] == '0' ? '1' : '0';
	ck_assert_int_eq(
	    iv_check_digest(&d, "trail", k, sig, "SHA256withRSA", r), IV_BAD_SIGNATURE);
	free(d.fingerprint);
	d.fingerprint = strdup("fp2");
	ck_assert_int_eq(iv_check_digest(&d, "trail", k, sig, "SHA256withRSA", r), IV_UNKNOWN_KEY);
	digest_free(&d);
	/* The same signature on an edited text fails. */
	digest_text(&text, k, NULL, NULL, NULL);
	parse_and_sign(&text, &d, sig);
	digest_free(&d);
	buf_puts(&text, " ");
	ck_assert_int_eq(digest_parse(text.data, text.len, &d, &(struct ct_error){0}), 0);
	ck_assert_int_eq(
	    iv_check_digest(&d, "trail", k, sig, "SHA256withRSA", r), IV_BAD_SIGNATURE);
	digest_free(&d);
	buf_free(&text);
	iv_keyring_free(r);
}
END_TEST

START_TEST(test_chain_links)
{
	struct iv_keyring *r = ring_with_key();
	struct buf text = BUF_INIT;
	struct digest d0, d1;
	char sig0[1100], sig1[1100], other[1100];
	const char *k0 = "d0.json.gz", *k1 = "d1.json.gz";

	digest_text(&text, k0, NULL, NULL, NULL);
	parse_and_sign(&text, &d0, sig0);
	digest_text(&text, k1, k0, d0.text_hash, sig0);
	parse_and_sign(&text, &d1, sig1);
	ck_assert_int_eq(iv_check_link(&d0, NULL, "trail", k0, sig0), IV_LINK_START);
	ck_assert_int_eq(iv_check_link(&d1, &d0, "trail", k0, sig0), IV_LINK_OK);
	ck_assert_int_eq(iv_check_link(&d1, &d0, "trail", "d9.json.gz", sig0), IV_LINK_ELSEWHERE);
	ck_assert_int_eq(iv_check_link(&d1, &d0, "trail", k0, sig1), IV_LINK_SIGNATURE);
	/* A previous digest of other text, however well signed, breaks the link. */
	digest_free(&d0);
	digest_text(&text, k0, NULL, NULL, NULL);
	buf_puts(&text, " ");
	parse_and_sign(&text, &d0, other);
	ck_assert_int_eq(iv_check_link(&d1, &d0, "trail", k0, other), IV_LINK_HASH);
	digest_free(&d0);
	digest_free(&d1);
	buf_free(&text);
	iv_keyring_free(r);
}
END_TEST

START_TEST(test_keyring)
{
	struct ct_error err = {0};
	struct iv_keyring *r = iv_keyring_new();
	unsigned char *spki = NULL;
	int n;

	make_key();
	n = i2d_PUBKEY(key, &spki);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(iv_keyring_add(r, "pkcs1", der, (size_t)derlen, 0, 1, &err), 0);
	ck_assert_int_eq(iv_keyring_add(r, "spki", spki, (size_t)n, 0, 1, &err), 0);
	ck_assert_int_eq(iv_keyring_add(r, "pkcs1", (unsigned char *)"x", 1, 0, 1, &err), 0);
	ck_assert_int_eq(iv_keyring_count(r), 2);
	ck_assert_int_eq(iv_keyring_add(r, "junk", (unsigned char *)"junk", 4, 0, 1, &err), -1);
	ck_assert_int_eq(err.code, CT_ERR_SHAPE);
	ck_assert_int_eq(iv_keyring_add(r, "cut", der, (size_t)derlen - 1, 0, 1, &err), -1);
	ck_assert(iv_keyring_has(r, "spki") && !iv_keyring_has(r, "junk"));
	OPENSSL_free(spki);
	iv_keyring_free(r);
}
END_TEST

/* ---- log file hashes ---- */

static void
sha256_hex(const void *p, size_t n, char out[DIGEST_HASH_HEX])
{
	unsigned char md[32];

	EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL);
	hex(md, sizeof(md), out);
}

START_TEST(test_loghash)
{
	static const char log[] = "{\"Records\":[{\"eventName\":\"ListBuckets\"}]}";
	struct buf gz = BUF_INIT, big = BUF_INIT;
	struct ct_error err = {0};
	char want[DIGEST_HASH_HEX], got[DIGEST_HASH_HEX];
	struct iv_loghash *h = iv_loghash_new(NULL, &err);

	ck_assert_ptr_nonnull(h);
	/* gzip, fed a byte at a time */
	deflate_into(&gz, log, strlen(log), 31);
	sha256_hex(log, strlen(log), want);
	for (size_t i = 0; i < gz.len; i++)
		ck_assert_int_eq(iv_loghash_feed(h, gz.data + i, 1, &err), 0);
	ck_assert_int_eq(iv_loghash_finish(h, got, &err), 0);
	ck_assert_str_eq(got, want);
	ck_assert_int_eq(iv_loghash_bytes(h), strlen(log));
	/* 5 MB of output, in more than one chunk of the inflater */
	iv_loghash_reset(h);
	for (int i = 0; i < 100000; i++)
		buf_puts(&big, "{\"eventName\":\"GetObject\",\"n\":12345678901234567890},");
	buf_reset(&gz);
	deflate_into(&gz, big.data, big.len, 31);
	sha256_hex(big.data, big.len, want);
	ck_assert_int_eq(iv_loghash_feed(h, gz.data, gz.len, &err), 0);
	ck_assert_int_eq(iv_loghash_finish(h, got, &err), 0);
	ck_assert_str_eq(got, want);
	/* truncated: an error, not a hash */
	iv_loghash_reset(h);
	ck_assert_int_eq(iv_loghash_feed(h, gz.data, gz.len / 2, &err), 0);
	ck_assert_int_eq(iv_loghash_finish(h, got, &err), -1);
	ck_assert_int_eq(err.code, CT_ERR_INFLATE);
	/* the same object hashes the same after a failure and a reset */
	iv_loghash_reset(h);
	ck_assert_int_eq(iv_loghash_feed(h, gz.data, gz.len, &err), 0);
	ck_assert_int_eq(iv_loghash_finish(h, got, &err), 0);
	ck_assert_str_eq(got, want);
	iv_loghash_free(h);
	buf_free(&gz);
	buf_free(&big);
}
END_TEST

/* The hash the daemon taps from its scanner: pieces of any size hash as the
 * whole, a reset drops what was fed, a finish starts the next. */
START_TEST(test_sha256_pieces)
{
	static const char text[] = "{\"Records\":[{\"eventName\":\"PutObject\"}]}";
	char want[DIGEST_HASH_HEX], got[DIGEST_HASH_HEX], empty[DIGEST_HASH_HEX];
	struct iv_sha256 *h = iv_sha256_new();

	ck_assert_ptr_nonnull(h);
	sha256_hex(text, strlen(text), want);
	sha256_hex("", 0, empty);
	for (size_t i = 0; i < strlen(text); i += 3)
		ck_assert_int_eq(
		    iv_sha256_update(h, text + i, strlen(text) - i < 3 ? strlen(text) - i : 3), 0);
	ck_assert_int_eq(iv_sha256_finish(h, got), 0);
	ck_assert_str_eq(got, want);
	ck_assert_int_eq(iv_sha256_finish(h, got), 0);
	ck_assert_str_eq(got, empty);
	ck_assert_int_eq(iv_sha256_update(h, "junk", 4), 0);
	iv_sha256_reset(h);
	ck_assert_int_eq(iv_sha256_update(h, text, strlen(text)), 0);
	ck_assert_int_eq(iv_sha256_finish(h, got), 0);
	ck_assert_str_eq(got, want);
	iv_sha256_free(h);
}
END_TEST

CT_CHECK_PROGRAM(.name = "digest", .cases = "tests/integrity/cases/digest", .timeout = 60,
    .each_case = CT_TESTS(test_case),
    .once = CT_TESTS(
        test_signature_verdicts, test_chain_links, test_keyring, test_loghash, test_sha256_pieces))
