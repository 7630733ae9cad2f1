/*
 * loghash: SHA-256 of bytes fed in pieces, and of a log file's uncompressed
 * bytes fed compressed (see verify.h): the inflater's sink is the hash.
 */
#include "integrity/verify.h"

#include <stdlib.h>

#include <openssl/evp.h>

struct iv_sha256 {
	EVP_MD_CTX *md; /* owned */
	int started;    /* md initialised for the current piece of work */
};

struct iv_sha256 *
iv_sha256_new(void)
{
	struct iv_sha256 *h = calloc(1, sizeof(*h));

	if (h == NULL || (h->md = EVP_MD_CTX_new()) == NULL) {
		free(h);
		return NULL;
	}
	return h;
}

void
iv_sha256_free(struct iv_sha256 *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->md);
	free(h);
}

void
iv_sha256_reset(struct iv_sha256 *h)
{
	h->started = 0;
}

static int
sha_start(struct iv_sha256 *h)
{
	if (h->started)
		return 0;
	if (EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1)
		return -1;
	h->started = 1;
	return 0;
}

int
iv_sha256_update(struct iv_sha256 *h, const void *p, size_t n)
{
	if (sha_start(h) == -1 || EVP_DigestUpdate(h->md, p, n) != 1)
		return -1;
	return 0;
}

int
iv_sha256_finish(struct iv_sha256 *h, char out[DIGEST_HASH_HEX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[32];

	if (sha_start(h) == -1 || EVP_DigestFinal_ex(h->md, md, NULL) != 1)
		return -1;
	h->started = 0;
	for (size_t i = 0; i < sizeof(md); i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[DIGEST_HASH_HEX - 1] = '\0';
	return 0;
}

struct iv_loghash {
	struct inflater *z;    /* owned */
	struct iv_sha256 *sha; /* owned */
	unsigned long long bytes;
};

static int
sink(void *arg, const char *p, size_t n, struct ct_error *err)
{
	struct iv_loghash *h = arg;

	if (iv_sha256_update(h->sha, p, n) == -1)
		return ct_error_set(err, CT_ERR_INTERNAL, "SHA-256 failed");
	h->bytes += n;
	return 0;
}

struct iv_loghash *
iv_loghash_new(const struct inflate_opts *o, struct ct_error *err)
{
	static const struct inflate_opts defaults = {0};
	struct iv_loghash *h = calloc(1, sizeof(*h));

	if (h == NULL || (h->sha = iv_sha256_new()) == NULL) {
		free(h);
		ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if ((h->z = inflater_new(o ? o : &defaults, sink, h, err)) == NULL) {
		iv_sha256_free(h->sha);
		free(h);
		return NULL;
	}
	return h;
}

void
iv_loghash_free(struct iv_loghash *h)
{
	if (h == NULL)
		return;
	inflater_free(h->z);
	iv_sha256_free(h->sha);
	free(h);
}

void
iv_loghash_reset(struct iv_loghash *h)
{
	inflater_reset(h->z);
	iv_sha256_reset(h->sha);
	h->bytes = 0;
}

int
iv_loghash_feed(struct iv_loghash *h, const void *p, size_t n, struct ct_error *err)
{
	return inflater_feed(h->z, p, n, err);
}

int
iv_loghash_finish(struct iv_loghash *h, char out[DIGEST_HASH_HEX], struct ct_error *err)
{
	if (inflater_finish(h->z, err) == -1)
		return -1;
	if (iv_sha256_finish(h->sha, out) == -1)
		return ct_error_set(err, CT_ERR_INTERNAL, "SHA-256 failed");
	return 0;
}

unsigned long long
iv_loghash_bytes(const struct iv_loghash *h)
{
	return h->bytes;
}
