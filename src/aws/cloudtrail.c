/*
 * aws/cloudtrail: ListPublicKeys (see cloudtrail.h).
 */
#include "aws/cloudtrail.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "aws/jsonproto.h"
#include "util/json.h"

#define SERVICE       "cloudtrail"
#define OPERATION     "ListPublicKeys"
#define TARGET_PREFIX "CloudTrail_20131101"
/* Bytes of a decoded key we accept: an RSA key of up to 16384 bits. */
#define KEY_DER_MAX 4096

static int
malformed(struct ctaws_error *err, const char *what)
{
	return ctaws_error_set(
	    err, SERVICE, OPERATION, 0, CTAWS_ERR_MALFORMED, 0, "ListPublicKeys answer: %s", what);
}

int
cloudtrail_keys_body(const struct cloudtrail_keys_params *p, const char *next_token,
    struct buf *body, struct ctaws_error *err)
{
	int rc = buf_putc(body, '{');

	if (rc == 0 && p->start)
		rc = json_put_member_int(body, "StartTime", (long long)p->start);
	if (rc == 0 && p->end)
		rc = json_put_member_int(body, "EndTime", (long long)p->end);
	if (rc == 0 && next_token && *next_token)
		rc = json_put_member_string(body, "NextToken", next_token);
	if (rc == 0)
		rc = buf_putc(body, '}');
	if (rc == -1)
		return ctaws_error_set(
		    err, SERVICE, OPERATION, 0, "OutOfMemory", 0, "out of memory");
	return 0;
}

/* A timestamp member (epoch seconds, fractions allowed): 0 when absent, -1
 * when not a number. */
static int
epoch_member(yajl_val key, const char *name, time_t *out)
{
	yajl_val v = json_member(key, name);

	*out = 0;
	if (v == NULL || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_NUMBER(v) || !isfinite(YAJL_GET_DOUBLE(v)))
		return -1;
	*out = (time_t)YAJL_GET_DOUBLE(v);
	return 0;
}

/* Base64 to bytes; the length, or -1 for text that is not base64. */
static long
unbase64(const char *s, unsigned char *out, size_t max)
{
	size_t n = strlen(s), pad = 0;
	int len;

	if (n == 0 || n % 4 != 0 || n / 4 * 3 > max)
		return -1;
	pad = (s[n - 1] == '=') + (n > 1 && s[n - 2] == '=');
	if ((len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n)) < 0)
		return -1;
	return (long)len - (long)pad;
}

static int
one_key(yajl_val v, const struct cloudtrail_keys_params *p, struct ctaws_error *err)
{
	unsigned char der[KEY_DER_MAX];
	struct cloudtrail_public_key k = {0};
	const char *value = json_string(v, "Value");
	long n;

	if ((k.fingerprint = json_string(v, "Fingerprint")) == NULL || value == NULL)
		return malformed(err, "a key without Fingerprint or Value");
	if ((n = unbase64(value, der, sizeof(der))) <= 0)
		return malformed(err, "a key whose Value is not base64");
	if (epoch_member(v, "ValidityStartTime", &k.valid_from) == -1 ||
	    epoch_member(v, "ValidityEndTime", &k.valid_to) == -1)
		return malformed(err, "a key whose validity is not a timestamp");
	k.der = der;
	k.der_len = (size_t)n;
	if (p->on_key(p->arg, &k) == -1)
		return ctaws_error_set(
		    err, SERVICE, OPERATION, 0, "Aborted", 0, "key %s refused", k.fingerprint);
	return 0;
}

int
cloudtrail_keys_parse(const struct buf *body, const struct cloudtrail_keys_params *p,
    char next[CLOUDTRAIL_TOKEN_MAX], struct ctaws_error *err)
{
	yajl_val root, list;
	int rc = 0;

	next[0] = '\0';
	if ((root = ctaws_json_answer(body, SERVICE, OPERATION, err)) == NULL)
		return -1;
	list = json_member(root, "PublicKeyList");
	if (list != NULL && !YAJL_IS_ARRAY(list))
		rc = malformed(err, "PublicKeyList is not an array");
	for (size_t i = 0; rc == 0 && list && i < list->u.array.len; i++)
		rc = one_key(list->u.array.values[i], p, err);
	if (rc == 0)
		rc = ctaws_json_next_token(root, SERVICE, OPERATION, next, err);
	yajl_tree_free(root);
	return rc;
}

static int
page_body(void *arg, const char *next_token, struct buf *body, struct ctaws_error *err)
{
	return cloudtrail_keys_body(arg, next_token, body, err);
}

static int
page_parse(
    void *arg, const struct buf *answer, char next[CTAWS_JSON_TOKEN_MAX], struct ctaws_error *err)
{
	return cloudtrail_keys_parse(answer, arg, next, err);
}

int
cloudtrail_list_public_keys(
    struct ctaws_conn *conn, const struct cloudtrail_keys_params *p, struct ctaws_error *err)
{
	struct ctaws_json_pages pages = {
	    SERVICE, TARGET_PREFIX, OPERATION, p->region, page_body, page_parse, (void *)p};

	return ctaws_json_list_pages(conn, &pages, err);
}
