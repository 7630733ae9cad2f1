/*
 * verify: the checks that prove a CloudTrail digest and the logs it lists
 * are what CloudTrail wrote, on bytes the caller fetched. Nothing here talks
 * to AWS or knows where the bytes came from, so `ctalertd verify` and the
 * daemon share it.
 *
 * A digest is valid when it is where it says it was put (digestS3Bucket and
 * digestS3Object are the bucket and key it was read from: a copy moved over
 * another digest is caught here), its public key is known (matched by
 * digestPublicKeyFingerprint among the keys CloudTrail's ListPublicKeys
 * gave), and its signature (hex, from the object's x-amz-meta-signature,
 * algorithm SHA256withRSA from x-amz-meta-signature-algorithm) verifies with
 * RSA PKCS#1 v1.5 over SHA-256 of digest_signing_string. The order of the
 * checks is AWS's validator's: location, key, signature.
 *
 * A chain link is sound when the previous digest the digest names is the one
 * read, its SHA-256 (of the uncompressed text) is previousDigestHashValue and
 * its signature is previousDigestSignature. AWS's validator follows the
 * links without comparing the hash; checking it too catches a previous
 * digest replaced by another that is validly signed.
 *
 * A log file is intact when the SHA-256 of its uncompressed bytes is the
 * digest's hashValue; iv_loghash computes it while the bytes stream in.
 */
#ifndef CT_INTEGRITY_VERIFY_H
#define CT_INTEGRITY_VERIFY_H

#include <stddef.h>
#include <time.h>

#include "integrity/digest.h"
#include "stream/inflate.h"
#include "util/error.h"

/* The algorithm CloudTrail signs with, as its metadata and digests name it. */
#define IV_SIGNATURE_ALGORITHM "SHA256withRSA"

enum iv_verdict {
	IV_VALID = 0,
	IV_MOVED,         /* digestS3Bucket/digestS3Object is not where it was read */
	IV_UNKNOWN_KEY,   /* no public key has the digest's fingerprint */
	IV_NO_SIGNATURE,  /* the object has no signature or algorithm metadata */
	IV_BAD_ALGORITHM, /* an algorithm other than SHA256withRSA */
	IV_BAD_SIGNATURE, /* the signature does not verify */
};

/* Words for a verdict as validate-logs words it, e.g. "has been moved from
 * its original location", "signature verification failed". */
const char *iv_verdict_text(enum iv_verdict v);

enum iv_link {
	IV_LINK_OK = 0,
	IV_LINK_START,     /* the digest names no previous one: a chain starts here */
	IV_LINK_ELSEWHERE, /* it names another previous digest than the one given */
	IV_LINK_HASH,      /* the previous digest's SHA-256 is not previousDigestHashValue */
	IV_LINK_SIGNATURE, /* its signature is not previousDigestSignature */
};

const char *iv_link_text(enum iv_link l);

/* --- public keys --- */

struct iv_keyring;

struct iv_keyring *iv_keyring_new(void); /* NULL when out of memory */
void iv_keyring_free(struct iv_keyring *r);

/* Adds a key as ListPublicKeys gives it: der (the decoded Value: a PKCS#1
 * RSAPublicKey, or a SubjectPublicKeyInfo), its fingerprint and validity.
 * A fingerprint already there is kept as it was. CT_ERR_SHAPE for bytes
 * that are not an RSA public key. */
int iv_keyring_add(struct iv_keyring *r, const char *fingerprint, const unsigned char *der,
    size_t len, time_t from, time_t to, struct ct_error *err);

size_t iv_keyring_count(const struct iv_keyring *r);
int iv_keyring_has(const struct iv_keyring *r, const char *fingerprint);

/* --- the checks --- */

/* Checks digest d, read from bucket/key, against the signature metadata of
 * the object (sig_hex and sig_alg may be NULL when absent). */
enum iv_verdict iv_check_digest(const struct digest *d, const char *bucket, const char *key,
    const char *sig_hex, const char *sig_alg, const struct iv_keyring *r);

/* Checks the link from d to prev, the digest read from prev_bucket/prev_key
 * with signature prev_sig_hex. */
enum iv_link iv_check_link(const struct digest *d, const struct digest *prev,
    const char *prev_bucket, const char *prev_key, const char *prev_sig_hex);

/* --- log file hashes --- */

/* SHA-256 of bytes fed in pieces, for a caller that has the uncompressed
 * bytes already (the daemon taps the inflater its scanner owns, so a log is
 * read and inflated once). Per log: iv_sha256_update any number of times,
 * then iv_sha256_finish, which also starts the next one. */
struct iv_sha256;

struct iv_sha256 *iv_sha256_new(void); /* NULL when out of memory */
void iv_sha256_free(struct iv_sha256 *h);
/* Drops what was fed since the last finish. */
void iv_sha256_reset(struct iv_sha256 *h);
/* -1 only when OpenSSL fails (out of memory). */
int iv_sha256_update(struct iv_sha256 *h, const void *p, size_t n);
/* The hash of what was fed since the last finish or reset, lowercase hex,
 * into out. -1 only when OpenSSL fails. */
int iv_sha256_finish(struct iv_sha256 *h, char out[DIGEST_HASH_HEX]);

/* SHA-256 of a log's uncompressed bytes, computed as its compressed bytes
 * are fed: memory is the inflater's, whatever the size of the log. */
struct iv_loghash;

/* o may be NULL for the defaults. NULL when out of memory (err says). */
struct iv_loghash *iv_loghash_new(const struct inflate_opts *o, struct ct_error *err);
void iv_loghash_free(struct iv_loghash *h);

/* Starts a new log. */
void iv_loghash_reset(struct iv_loghash *h);

int iv_loghash_feed(struct iv_loghash *h, const void *p, size_t n, struct ct_error *err);

/* The log ended: its hash, lowercase hex, into out. -1 for corrupt or
 * truncated data (err names the byte offset). */
int iv_loghash_finish(struct iv_loghash *h, char out[DIGEST_HASH_HEX], struct ct_error *err);

/* Decompressed bytes hashed so far. */
unsigned long long iv_loghash_bytes(const struct iv_loghash *h);

#endif
