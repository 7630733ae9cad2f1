/*
 * digest: parsing a CloudTrail digest and its signing string (see digest.h).
 */
#include "integrity/digest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/clock.h"
#include "util/json.h"

/* Nesting a digest never needs more of: {"logFiles": [{...}]}. */
#define DIGEST_MAX_DEPTH 8

void
digest_free(struct digest *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->nlogs; i++) {
		free(d->logs[i].bucket);
		free(d->logs[i].key);
	}
	free(d->logs);
	free(d->account);
	free(d->start_text);
	free(d->end_text);
	free(d->bucket);
	free(d->object);
	free(d->fingerprint);
	free(d->algorithm);
	free(d->prev_bucket);
	free(d->prev_object);
	free(d->prev_signature);
	memset(d, 0, sizeof(*d));
}

void
digest_format_time(time_t t, char out[21])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
hex_of(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* A 64-digit hex SHA-256, copied lowercased; -1 for anything else. */
static int
copy_hash(const char *s, char out[DIGEST_HASH_HEX])
{
	if (s == NULL || strlen(s) != DIGEST_HASH_HEX - 1)
		return -1;
	for (size_t i = 0; i < DIGEST_HASH_HEX - 1; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[DIGEST_HASH_HEX - 1] = '\0';
	return 0;
}

/* A string member copied into *out (left NULL when an optional member is
 * absent or null). -1 when a required one is absent, the member is not a
 * string, or memory ran out (*nomem set). */
static int
take_string(yajl_val doc, const char *name, int optional, char **out, int *nomem)
{
	yajl_val v = json_member(doc, name);

	if (v == NULL || YAJL_IS_NULL(v))
		return optional ? 0 : -1;
	if (!YAJL_IS_STRING(v))
		return -1;
	if ((*out = strdup(v->u.string)) == NULL) {
		*nomem = 1;
		return -1;
	}
	return 0;
}

/* "FIELD PROBLEM", the digest's field named. */
static int
shape(struct ct_error *err, const char *field, const char *problem)
{
	return ct_error_set(err, CT_ERR_SHAPE, "%s %s", field, problem);
}

static int
parse_log(yajl_val v, size_t i, struct digest_log *l, struct ct_error *err)
{
	int nomem = 0;
	const char *bucket = json_string(v, "s3Bucket"), *key = json_string(v, "s3Object");

	if (bucket == NULL || key == NULL || *bucket == '\0' || *key == '\0')
		return ct_error_set(
		    err, CT_ERR_SHAPE, "logFiles[%zu] has no s3Bucket or s3Object", i);
	if (copy_hash(json_string(v, "hashValue"), l->hash) == -1)
		return ct_error_set(
		    err, CT_ERR_SHAPE, "logFiles[%zu] has no hashValue of 64 hex digits", i);
	if (take_string(v, "s3Bucket", 0, &l->bucket, &nomem) == -1 ||
	    take_string(v, "s3Object", 0, &l->key, &nomem) == -1)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	return 0;
}

static int
parse_logs(yajl_val doc, struct digest *d, struct ct_error *err)
{
	yajl_val files = json_member(doc, "logFiles");

	if (!YAJL_IS_ARRAY(files))
		return shape(err, "logFiles", "is missing or not an array");
	if (files->u.array.len == 0)
		return 0;
	if ((d->logs = calloc(files->u.array.len, sizeof(*d->logs))) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < files->u.array.len; i++) {
		if (parse_log(files->u.array.values[i], i, &d->logs[i], err) == -1)
			return -1;
		d->nlogs = i + 1;
	}
	return 0;
}

/* The fields that must be there, and the optional ones. */
static int
parse_fields(yajl_val doc, struct digest *d, struct ct_error *err)
{
	static const struct {
		const char *name;
		size_t off;
		int optional;
	} fields[] = {
	    {"digestStartTime", offsetof(struct digest, start_text), 0},
	    {"digestEndTime", offsetof(struct digest, end_text), 0},
	    {"digestS3Bucket", offsetof(struct digest, bucket), 0},
	    {"digestS3Object", offsetof(struct digest, object), 0},
	    {"digestPublicKeyFingerprint", offsetof(struct digest, fingerprint), 0},
	    {"awsAccountId", offsetof(struct digest, account), 1},
	    {"digestSignatureAlgorithm", offsetof(struct digest, algorithm), 1},
	    {"previousDigestS3Bucket", offsetof(struct digest, prev_bucket), 1},
	    {"previousDigestS3Object", offsetof(struct digest, prev_object), 1},
	    {"previousDigestSignature", offsetof(struct digest, prev_signature), 1},
	};
	int nomem = 0;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char **slot = (char **)((char *)d + fields[i].off);

		if (take_string(doc, fields[i].name, fields[i].optional, slot, &nomem) == -1)
			return nomem ? ct_error_set(err, CT_ERR_NOMEM, "out of memory")
			             : shape(err, fields[i].name, "is missing or not a string");
	}
	if (json_member(doc, "previousDigestSignature") == NULL)
		return shape(err, "previousDigestSignature", "is missing");
	return 0;
}

static int
parse_doc(yajl_val doc, struct digest *d, struct ct_error *err)
{
	const char *prev_hash = json_string(doc, "previousDigestHashValue");

	if (!YAJL_IS_OBJECT(doc))
		return ct_error_set(
		    err, CT_ERR_SHAPE, "a digest is a JSON object, not %s", json_kind(doc));
	if (parse_fields(doc, d, err) == -1)
		return -1;
	if (clock_parse_time(d->start_text, &d->start) == -1)
		return shape(err, "digestStartTime", "is not a time like 2026-12-07T10:00:00Z");
	if (clock_parse_time(d->end_text, &d->end) == -1)
		return shape(err, "digestEndTime", "is not a time like 2026-12-07T10:00:00Z");
	if (prev_hash != NULL && copy_hash(prev_hash, d->prev_hash) == -1)
		return shape(err, "previousDigestHashValue", "is not 64 hex digits");
	if ((d->prev_bucket == NULL) != (d->prev_object == NULL))
		return ct_error_set(err, CT_ERR_SHAPE,
		    "previousDigestS3Bucket and previousDigestS3Object must both be given, or "
		    "neither");
	if (d->account == NULL && (d->account = strdup("")) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	if (d->algorithm == NULL && (d->algorithm = strdup("")) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	return parse_logs(doc, d, err);
}

int
digest_parse(const char *text, size_t len, struct digest *d, struct ct_error *err)
{
	unsigned char md[32];
	char why[256];
	yajl_val doc;
	int rc;

	memset(d, 0, sizeof(*d));
	if (EVP_Digest(text, len, md, NULL, EVP_sha256(), NULL) != 1)
		return ct_error_set(err, CT_ERR_INTERNAL, "SHA-256 failed");
	hex_of(md, sizeof(md), d->text_hash);
	if (json_has_nul_escape(text, len))
		return ct_error_set(err, CT_ERR_JSON, "the digest is not JSON: a string holds \\u0000");
	if ((doc = json_parse(text, len, DIGEST_MAX_DEPTH, why, sizeof(why))) == NULL)
		return ct_error_set(err, CT_ERR_JSON, "the digest is not JSON: %s", why);
	rc = parse_doc(doc, d, err);
	yajl_tree_free(doc);
	return rc;
}

int
digest_starts_chain(const struct digest *d)
{
	return d->prev_object == NULL;
}

int
digest_signing_string(const struct digest *d, struct buf *out)
{
	return buf_printf(out, "%s\n%s/%s\n%s\n%s", d->end_text, d->bucket, d->object, d->text_hash,
	    d->prev_signature ? d->prev_signature : "null");
}
