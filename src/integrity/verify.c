/*
 * verify: public keys, digest signatures, locations and chain links (see
 * verify.h). Log file hashes are in loghash.c.
 */
#include "integrity/verify.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "util/buf.h"

/* Fingerprints are 32 hex digits; room for longer ones. */
#define IV_FINGERPRINT_MAX 128
/* RSA signatures up to 8192 bits. */
#define IV_SIGNATURE_MAX 1024

struct iv_key {
	char fingerprint[IV_FINGERPRINT_MAX]; /* ListPublicKeys' Fingerprint */
	EVP_PKEY *pkey;                       /* owned */
	time_t from, to;                      /* validity */
};

struct iv_keyring {
	struct iv_key *keys; /* owned */
	size_t n, cap;
};

const char *
iv_verdict_text(enum iv_verdict v)
{
	switch (v) {
	case IV_VALID:
		return "valid";
	case IV_MOVED:
		return "has been moved from its original location";
	case IV_UNKNOWN_KEY:
		return "public key not found for its fingerprint";
	case IV_NO_SIGNATURE:
		return "has no signature metadata";
	case IV_BAD_ALGORITHM:
		return "is signed with an unknown algorithm";
	case IV_BAD_SIGNATURE:
		return "signature verification failed";
	}
	return "unknown verdict";
}

const char *
iv_link_text(enum iv_link l)
{
	switch (l) {
	case IV_LINK_OK:
		return "linked";
	case IV_LINK_START:
		return "starts a chain";
	case IV_LINK_ELSEWHERE:
		return "names another previous digest";
	case IV_LINK_HASH:
		return "previous digest's hash does not match previousDigestHashValue";
	case IV_LINK_SIGNATURE:
		return "previous digest's signature does not match previousDigestSignature";
	}
	return "unknown link";
}

struct iv_keyring *
iv_keyring_new(void)
{
	return calloc(1, sizeof(struct iv_keyring));
}

void
iv_keyring_free(struct iv_keyring *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		EVP_PKEY_free(r->keys[i].pkey);
	free(r->keys);
	free(r);
}

size_t
iv_keyring_count(const struct iv_keyring *r)
{
	return r->n;
}

static const struct iv_key *
find_key(const struct iv_keyring *r, const char *fingerprint)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->keys[i].fingerprint, fingerprint) == 0)
			return &r->keys[i];
	return NULL;
}

int
iv_keyring_has(const struct iv_keyring *r, const char *fingerprint)
{
	return find_key(r, fingerprint) != NULL;
}

/* PKCS#1 RSAPublicKey (what CloudTrail serves), else SubjectPublicKeyInfo. */
static EVP_PKEY *
decode_key(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	EVP_PKEY *k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);

	if (k != NULL && p == der + len)
		return k;
	EVP_PKEY_free(k);
	p = der;
	k = d2i_PUBKEY(NULL, &p, (long)len);
	if (k != NULL && (p != der + len || EVP_PKEY_base_id(k) != EVP_PKEY_RSA)) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

int
iv_keyring_add(struct iv_keyring *r, const char *fingerprint, const unsigned char *der, size_t len,
    time_t from, time_t to, struct ct_error *err)
{
	EVP_PKEY *k;

	if (strlen(fingerprint) >= IV_FINGERPRINT_MAX || *fingerprint == '\0')
		return ct_error_set(
		    err, CT_ERR_SHAPE, "public key fingerprint '%.40s' is not one", fingerprint);
	if (find_key(r, fingerprint) != NULL)
		return 0;
	if ((k = decode_key(der, len)) == NULL)
		return ct_error_set(err, CT_ERR_SHAPE,
		    "public key %s is not an RSA public key in DER", fingerprint);
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 8;
		struct iv_key *keys = realloc(r->keys, cap * sizeof(*keys));

		if (keys == NULL) {
			EVP_PKEY_free(k);
			return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		}
		r->keys = keys;
		r->cap = cap;
	}
	snprintf(r->keys[r->n].fingerprint, IV_FINGERPRINT_MAX, "%s", fingerprint);
	r->keys[r->n].pkey = k;
	r->keys[r->n].from = from;
	r->keys[r->n].to = to;
	r->n++;
	return 0;
}

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes hex into out (at most max bytes); the length, or -1. */
static long
unhex(const char *hex, unsigned char *out, size_t max)
{
	size_t n = strlen(hex);

	if (n == 0 || n % 2 != 0 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_value((unsigned char)hex[2 * i]),
		    lo = hex_value((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

static int
signature_verifies(EVP_PKEY *k, const unsigned char *sig, size_t siglen, const struct buf *msg)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (ctx == NULL)
		return 0;
	ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) == 1 &&
	     EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)msg->data, msg->len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

enum iv_verdict
iv_check_digest(const struct digest *d, const char *bucket, const char *key, const char *sig_hex,
    const char *sig_alg, const struct iv_keyring *r)
{
	unsigned char sig[IV_SIGNATURE_MAX];
	struct buf msg = BUF_INIT;
	const struct iv_key *k;
	long siglen;
	int ok;

	if (strcmp(d->bucket, bucket) != 0 || strcmp(d->object, key) != 0)
		return IV_MOVED;
	if ((k = find_key(r, d->fingerprint)) == NULL)
		return IV_UNKNOWN_KEY;
	if (sig_hex == NULL || sig_alg == NULL)
		return IV_NO_SIGNATURE;
	if (strcmp(sig_alg, IV_SIGNATURE_ALGORITHM) != 0)
		return IV_BAD_ALGORITHM;
	if ((siglen = unhex(sig_hex, sig, sizeof(sig))) < 0)
		return IV_BAD_SIGNATURE;
	if (digest_signing_string(d, &msg) == -1)
		return IV_BAD_SIGNATURE;
	ok = signature_verifies(k->pkey, sig, (size_t)siglen, &msg);
	buf_free(&msg);
	return ok ? IV_VALID : IV_BAD_SIGNATURE;
}

enum iv_link
iv_check_link(const struct digest *d, const struct digest *prev, const char *prev_bucket,
    const char *prev_key, const char *prev_sig_hex)
{
	if (digest_starts_chain(d))
		return IV_LINK_START;
	if (strcmp(d->prev_bucket, prev_bucket) != 0 || strcmp(d->prev_object, prev_key) != 0)
		return IV_LINK_ELSEWHERE;
	if (strcmp(d->prev_hash, prev->text_hash) != 0)
		return IV_LINK_HASH;
	if (d->prev_signature == NULL || prev_sig_hex == NULL ||
	    strcasecmp(d->prev_signature, prev_sig_hex) != 0)
		return IV_LINK_SIGNATURE;
	return IV_LINK_OK;
}
