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

/* ---- listings that page with NextToken ---- */

static int
pages_malformed(const struct ctaws_json_pages *p, struct ctaws_error *err, const char *what)
{
	return ctaws_error_set(err, p->service, p->operation, 0, CTAWS_ERR_MALFORMED, 0,
	    "%s answer: %s", p->operation, what);
}

int
ctaws_json_next_token(yajl_val root, const char *service, const char *operation,
    char next[CTAWS_JSON_TOKEN_MAX], struct ctaws_error *err)
{
	const char *token = json_string(root, "NextToken");

	next[0] = '\0';
	if (token == NULL || *token == '\0')
		return 0;
	if (strlen(token) >= CTAWS_JSON_TOKEN_MAX)
		return ctaws_error_set(err, service, operation, 0, CTAWS_ERR_MALFORMED, 0,
		    "%s answer: NextToken is too long", operation);
	snprintf(next, CTAWS_JSON_TOKEN_MAX, "%s", token);
	return 0;
}

/* One page: token in, the next one out. */
static int
one_page(
    struct ctaws_conn *conn, const struct ctaws_json_pages *p, char *token, struct ctaws_error *err)
{
	struct ctaws_json_request jr;
	struct ctaws_response resp;
	struct buf body = BUF_INIT;
	int rc;

	if (p->body(p->arg, token, &body, err) == -1) {
		buf_free(&body);
		return -1;
	}
	ctaws_json11_request_init(&jr, p->service, p->target_prefix, p->operation);
	jr.req.region = p->region;
	jr.req.body = body.data;
	jr.req.body_len = body.len;
	ctaws_response_init(&resp);
	rc = ctaws_call(conn, &jr.req, &resp, err);
	if (rc == 0 && (rc = p->parse(p->arg, &resp.body, token, err)) == -1)
		ctaws_response_keep_request_id(&resp, err);
	ctaws_response_free(&resp);
	buf_free(&body);
	return rc;
}

int
ctaws_json_list_pages(
    struct ctaws_conn *conn, const struct ctaws_json_pages *p, struct ctaws_error *err)
{
	char token[CTAWS_JSON_TOKEN_MAX] = "";

	/* A service that hands back the same token forever must not hold us. */
	for (int page = 0; page < CTAWS_JSON_PAGES_MAX; page++) {
		char previous[CTAWS_JSON_TOKEN_MAX];

		snprintf(previous, sizeof(previous), "%s", token);
		if (one_page(conn, p, token, err) == -1)
			return -1;
		if (token[0] == '\0')
			return 0;
		if (strcmp(token, previous) == 0)
			return pages_malformed(p, err, "NextToken repeats");
	}
	return pages_malformed(p, err, "more than 1000 pages");
}
