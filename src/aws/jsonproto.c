/*
 * aws/jsonproto: the AWS JSON 1.0 and 1.1 protocols' request headers and answers.
 */
#include "aws/jsonproto.h"

#include <stdio.h>
#include <string.h>

#include "util/json.h"

void
ctaws_json_request_init(struct ctaws_json_request *r, const char *service,
    const char *target_prefix, const char *operation)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->target, sizeof(r->target), "%s.%s", target_prefix, operation);
	r->headers[0] = (struct ctaws_kv){"Content-Type", CTAWS_JSON10_CONTENT_TYPE};
	r->headers[1] = (struct ctaws_kv){"X-Amz-Target", r->target};
	r->req = (struct ctaws_request){
	    .service = service,
	    .operation = operation,
	    .method = "POST",
	    .path = "/",
	    .headers = r->headers,
	    .nheaders = 2,
	};
}

void
ctaws_json11_request_init(struct ctaws_json_request *r, const char *service,
    const char *target_prefix, const char *operation)
{
	ctaws_json_request_init(r, service, target_prefix, operation);
	r->headers[0].value = CTAWS_JSON11_CONTENT_TYPE;
}

yajl_val
ctaws_json_answer(
    const struct buf *body, const char *service, const char *operation, struct ctaws_error *err)
{
	char why[256];
	yajl_val v;

	if (body->data == NULL || body->len == 0) {
		ctaws_error_set(err, service, operation, 0, CTAWS_ERR_MALFORMED, 0,
		    "empty response body where a JSON object was expected");
		return NULL;
	}
	if (json_too_deep_at(body->data, body->len, CTAWS_JSON_MAX_DEPTH) != JSON_DEPTH_OK) {
		ctaws_error_set(err, service, operation, 0, CTAWS_ERR_MALFORMED, 0,
		    "response body nests deeper than %d levels", CTAWS_JSON_MAX_DEPTH);
		return NULL;
	}
	if ((v = json_parse(body->data, body->len, CTAWS_JSON_MAX_DEPTH, why, sizeof(why))) ==
	    NULL) {
		ctaws_error_set(err, service, operation, 0, CTAWS_ERR_MALFORMED, 0,
		    "response body is not valid JSON: %s", why);
		return NULL;
	}
	if (!YAJL_IS_OBJECT(v)) {
		yajl_tree_free(v);
		ctaws_error_set(err, service, operation, 0, CTAWS_ERR_MALFORMED, 0,
		    "response body is JSON but not an object");
		return NULL;
	}
	return v;
}
