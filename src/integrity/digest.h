/*
 * digest: a CloudTrail digest file read into a struct, and the string its
 * signature is computed over.
 *
 * A digest is the JSON document CloudTrail delivers every hour beside the
 * logs of a region (AWS's "CloudTrail digest file structure"): the hour it
 * covers, where it was put, the key it was signed with, the previous digest
 * of its chain, and every log file delivered in the hour with the SHA-256 of
 * its uncompressed bytes. digest_parse takes the uncompressed text; nothing
 * here fetches or decompresses anything.
 *
 * What must be there is what AWS's own validator requires: digestStartTime,
 * digestEndTime, digestS3Bucket, digestS3Object, digestPublicKeyFingerprint,
 * previousDigestSignature (null in the first digest of a chain) and a
 * logFiles array (empty for an hour without logs). A digest without them, or
 * with a listed file lacking its bucket, key or a 64-digit hex hash, is
 * refused with CT_ERR_SHAPE.
 */
#ifndef CT_INTEGRITY_DIGEST_H
#define CT_INTEGRITY_DIGEST_H

#include <stddef.h>
#include <time.h>

#include "util/buf.h"
#include "util/error.h"

/* Hex SHA-256 and its NUL. */
#define DIGEST_HASH_HEX 65

/* One log file a digest lists. */
struct digest_log {
	char *bucket;               /* owned; s3Bucket */
	char *key;                  /* owned; s3Object */
	char hash[DIGEST_HASH_HEX]; /* hashValue: SHA-256 of the uncompressed log, lowercase hex */
};

struct digest {
	char *account;     /* owned; awsAccountId ("" when absent) */
	char *start_text;  /* owned; digestStartTime as written */
	char *end_text;    /* owned; digestEndTime as written (it is signed) */
	time_t start, end; /* the same, as times */
	char *bucket;      /* owned; digestS3Bucket: where CloudTrail put it */
	char *object;      /* owned; digestS3Object */
	char *fingerprint; /* owned; digestPublicKeyFingerprint */
	char *algorithm;   /* owned; digestSignatureAlgorithm ("" when absent) */
	char *prev_bucket; /* owned; previousDigestS3Bucket, NULL at a chain's start */
	char *prev_object; /* owned; previousDigestS3Object, NULL at a chain's start */
	char prev_hash[DIGEST_HASH_HEX]; /* previousDigestHashValue, "" when none */
	char *prev_signature;            /* owned; previousDigestSignature, NULL when null */
	struct digest_log *logs;         /* owned; logFiles in their order */
	size_t nlogs;
	char text_hash[DIGEST_HASH_HEX]; /* SHA-256 of the text parsed, lowercase hex */
};

/* Parses the uncompressed digest text[0..len) into *d (which the caller
 * releases with digest_free, also after a failure). CT_ERR_JSON for text
 * that is not JSON, CT_ERR_SHAPE for JSON that is not a digest, saying which
 * field; CT_ERR_NOMEM. */
int digest_parse(const char *text, size_t len, struct digest *d, struct ct_error *err);

void digest_free(struct digest *d);

/* Whether the digest starts a chain (no previous digest named). */
int digest_starts_chain(const struct digest *d);

/* Appends the string CloudTrail signs (AWS's "Custom implementations of
 * CloudTrail log file integrity validation"):
 *     digestEndTime \n digestS3Bucket/digestS3Object \n text_hash \n previousDigestSignature
 * with "null" for a missing previous signature. 0, or -1 when out of memory. */
int digest_signing_string(const struct digest *d, struct buf *out);

/* Formats t as a digest writes times, into out[21]. */
void digest_format_time(time_t t, char out[21]);

#endif
