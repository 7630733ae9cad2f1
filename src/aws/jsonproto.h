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

#endif
