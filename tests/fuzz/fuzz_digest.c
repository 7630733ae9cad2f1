/*
 * libFuzzer target for the CloudTrail digest parser (src/integrity/digest.c),
 * the outside input `ctalertd verify` and the daemon read from the trail
 * bucket, where anyone who can write to it may put anything.
 *
 * Input: the uncompressed digest text. What must hold:
 * - a failure says why, as CT_ERR_JSON, CT_ERR_SHAPE or CT_ERR_NOMEM;
 * - a digest parsed has every required field, lowercase 64-digit hashes
 *   (its own text's hash being that of the input), and a signing string
 *   that begins with its end time and ends with the previous signature;
 * - parsing is a function of the text: twice gives the same signing string;
 * - the checks refuse it with an empty keyring, never accept it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "integrity/digest.h"
#include "integrity/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_hash(const char *h)
{
	if (strlen(h) != 64 || strspn(h, "0123456789abcdef") != 64)
		abort();
}

static void
check_digest(const struct digest *d, const uint8_t *data, size_t size, const struct buf *sign)
{
	unsigned char md[32];
	char hex[65];

	if (!d->start_text || !d->end_text || !d->bucket || !d->object || !d->fingerprint ||
	    !d->account || !d->algorithm)
		abort();
	check_hash(d->text_hash);
	EVP_Digest(data, size, md, NULL, EVP_sha256(), NULL);
	for (size_t i = 0; i < 32; i++) {
		hex[2 * i] = "0123456789abcdef"[md[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[md[i] & 15];
	}
	hex[64] = '\0';
	if (strcmp(hex, d->text_hash) != 0)
		abort();
	if (d->prev_hash[0] != '\0')
		check_hash(d->prev_hash);
	for (size_t i = 0; i < d->nlogs; i++)
		check_hash(d->logs[i].hash);
	if ((d->prev_bucket == NULL) != (d->prev_object == NULL))
		abort();
	if (strncmp(sign->data, d->end_text, strlen(d->end_text)) != 0)
		abort();
	const char *tail = d->prev_signature ? d->prev_signature : "null";
	if (sign->len < strlen(tail) || strcmp(sign->data + sign->len - strlen(tail), tail) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_error err = {0};
	struct buf s1 = BUF_INIT, s2 = BUF_INIT;
	struct digest d, again;
	struct iv_keyring *ring;

	if (digest_parse((const char *)data, size, &d, &err) == -1) {
		if (err.msg[0] == '\0' || (err.code != CT_ERR_JSON && err.code != CT_ERR_SHAPE &&
		                              err.code != CT_ERR_NOMEM))
			abort();
		digest_free(&d);
		return 0;
	}
	if (digest_signing_string(&d, &s1) == -1)
		abort();
	check_digest(&d, data, size, &s1);
	if (digest_parse((const char *)data, size, &again, &err) == -1 ||
	    digest_signing_string(&again, &s2) == -1 || strcmp(s1.data, s2.data) != 0)
		abort();
	if ((ring = iv_keyring_new()) == NULL)
		abort();
	if (iv_check_digest(&d, d.bucket, d.object, "00", IV_SIGNATURE_ALGORITHM, ring) !=
	    IV_UNKNOWN_KEY)
		abort();
	iv_keyring_free(ring);
	digest_free(&again);
	digest_free(&d);
	buf_free(&s1);
	buf_free(&s2);
	return 0;
}
