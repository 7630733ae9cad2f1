/*
 * aws/jsonproto: what the AWS JSON protocol services (SQS and DynamoDB on
 * JSON 1.0, CloudTrail on JSON 1.1) share: the request's headers and the
 * reading of a 2xx answer.
 *
 * A request is a POST of a JSON object with Content-Type
 * CTAWS_JSON10_CONTENT_TYPE (or CTAWS_JSON11_CONTENT_TYPE) and X-Amz-Target
 * "<prefix>.<Operation>"; the two versions differ in nothing ctalertd
 * sends or reads. An
 * error answer is {"__type", "message"} and is read by ctaws_error_from_response.
 */
#ifndef CT_AWS_JSONPROTO_H
#define CT_AWS_JSONPROTO_H

#include <yajl/yajl_tree.h>

#include "aws/client.h"
#include "aws/error.h"
#include "util/buf.h"

#define CTAWS_JSON10_CONTENT_TYPE "application/x-amz-json-1.0"
#define CTAWS_JSON11_CONTENT_TYPE "application/x-amz-json-1.1"

/* One JSON 1.0 request's fixed parts. req points into the struct: keep it
 * where it is until the call is over. */
struct ctaws_json_request {
	struct ctaws_request req;   /* what to send; body and body_len set by the caller */
	struct ctaws_kv headers[2]; /* Content-Type and X-Amz-Target */
	char target[64];            /* "<prefix>.<Operation>" */
};

/* Fills r for service's operation (both static strings): POST to "/" of the
 * service's endpoint, the two headers; the caller adds url, region, body. */
void ctaws_json_request_init(struct ctaws_json_request *r, const char *service,
    const char *target_prefix, const char *operation);

/* The same for a JSON 1.1 service (CloudTrail). */
void ctaws_json11_request_init(struct ctaws_json_request *r, const char *service,
    const char *target_prefix, const char *operation);

/* Parses a 2xx answer's body into a tree (owned: yajl_tree_free). NULL with
 * err filled (code CTAWS_ERR_MALFORMED) when it is not a JSON object no
 * deeper than CTAWS_JSON_MAX_DEPTH. */
yajl_val ctaws_json_answer(
    const struct buf *body, const char *service, const char *operation, struct ctaws_error *err);

/* ---- listings that page with NextToken (CloudTrail, Organizations) ---- */

#define CTAWS_JSON_TOKEN_MAX 2048 /* bytes of a NextToken carried */
#define CTAWS_JSON_PAGES_MAX 1000 /* pages of one listing */

/* What differs between the JSON 1.1 listings that page with NextToken. */
struct ctaws_json_pages {
	const char *service;       /* static: "cloudtrail" */
	const char *target_prefix; /* static: "CloudTrail_20131101" */
	const char *operation;     /* static: "ListPublicKeys" */
	const char *region;        /* NULL: the client's */
	/* Appends one page's request body; next_token is "" for the first. */
	int (*body)(void *arg, const char *next_token, struct buf *body, struct ctaws_error *err);
	/* Reads one page's answer; its NextToken into next ("" on the last). */
	int (*parse)(void *arg, const struct buf *answer, char next[CTAWS_JSON_TOKEN_MAX],
	    struct ctaws_error *err);
	void *arg;
};

/* Every page, in order: 0, or -1 with err (the request id kept). A token
 * that repeats, or more than CTAWS_JSON_PAGES_MAX pages, is a malformed
 * answer rather than a loop. */
int ctaws_json_list_pages(
    struct ctaws_conn *conn, const struct ctaws_json_pages *p, struct ctaws_error *err);

/* The answer's NextToken into next ("" when there is none): 0, or -1 when it
 * is longer than CTAWS_JSON_TOKEN_MAX allows. */
int ctaws_json_next_token(yajl_val root, const char *service, const char *operation,
    char next[CTAWS_JSON_TOKEN_MAX], struct ctaws_error *err);

#endif
