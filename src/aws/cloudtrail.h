/*
 * aws/cloudtrail: the CloudTrail call ctalertd makes, ListPublicKeys, over
 * the AWS JSON 1.1 protocol.
 *
 * The call is a POST to cloudtrail.REGION.amazonaws.com (or
 * AWS_ENDPOINT_URL_CLOUDTRAIL and the other overrides of endpoint.h) with
 * X-Amz-Target "CloudTrail_20131101.ListPublicKeys", signed for
 * "cloudtrail". It answers the public keys CloudTrail signed with in a time
 * range in the region asked, each with its validity and fingerprint; the
 * Value is the key's DER bytes, base64 in the answer and decoded here. Every
 * page is read (NextToken). Errors are struct ctaws_error as for every call,
 * retried by the one retry policy of retry.h.
 *
 * This layer knows nothing of what the keys are for.
 */
#ifndef CT_AWS_CLOUDTRAIL_H
#define CT_AWS_CLOUDTRAIL_H

#include <stddef.h>
#include <time.h>

#include "aws/client.h"
#include "aws/error.h"
#include "aws/jsonproto.h"
#include "util/buf.h"

#define CLOUDTRAIL_TOKEN_MAX CTAWS_JSON_TOKEN_MAX /* bytes of a NextToken we carry */

/* One key of the answer; every pointer borrowed for the callback's call. */
struct cloudtrail_public_key {
	const char *fingerprint;  /* Fingerprint */
	const unsigned char *der; /* Value, base64-decoded */
	size_t der_len;
	time_t valid_from; /* ValidityStartTime; 0 when absent */
	time_t valid_to;   /* ValidityEndTime; 0 when absent */
};

/* Called once per key; return 0 to go on, -1 to fail the call ("Aborted"). */
typedef int (*cloudtrail_key_cb)(void *arg, const struct cloudtrail_public_key *k);

struct cloudtrail_keys_params {
	const char *region;       /* the keys' region; NULL: the client's */
	time_t start;             /* StartTime; 0: not sent (CloudTrail: now) */
	time_t end;               /* EndTime; 0: not sent (CloudTrail: now) */
	cloudtrail_key_cb on_key; /* required */
	void *arg;
};

/* ListPublicKeys, every page. 0, or -1 with err filled. */
int cloudtrail_list_public_keys(
    struct ctaws_conn *conn, const struct cloudtrail_keys_params *p, struct ctaws_error *err);

/* The pieces, for tests. */

/* The request body for one page (next_token NULL for the first). */
int cloudtrail_keys_body(const struct cloudtrail_keys_params *p, const char *next_token,
    struct buf *body, struct ctaws_error *err);

/* Reads one page's answer, calling p->on_key for each key; the NextToken
 * into next (""when it was the last page). 0, or -1 with err filled
 * (CTAWS_ERR_MALFORMED for an answer of the wrong shape). */
int cloudtrail_keys_parse(const struct buf *body, const struct cloudtrail_keys_params *p,
    char next[CLOUDTRAIL_TOKEN_MAX], struct ctaws_error *err);

#endif
