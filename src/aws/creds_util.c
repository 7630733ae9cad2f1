/*
 * What the HTTP credential providers share: the credentials JSON document of
 * the instance metadata and container endpoints, AWS's timestamps, token
 * files. The documents hold secrets, so no error here ever quotes them.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <yajl/yajl_tree.h>

#include "aws/creds_provider.h"
#include "util/clock.h"
#include "util/json.h"
#include "util/buf.h"

#define TOKEN_FILE_MAX (64 * 1024)

static int
shape_error(struct ctaws_error *err, const char *service, const char *source, const char *what)
{
	return ctaws_error_set(err, service, "GetCredentials", 0, CTAWS_CREDS_ERROR, 0,
	    "%s: credentials response %s", source, what);
}

static int
build(yajl_val root, const char *service, const char *source, struct ctaws_credentials **out,
    struct ctaws_error *err)
{
	const char *code = json_string(root, "Code"), *akid, *secret, *token, *exp;
	time_t expiration = 0;

	if (code != NULL && strcmp(code, "Success") != 0)
		return ctaws_error_set(err, service, "GetCredentials", 0, CTAWS_CREDS_ERROR, 1,
		    "%s: credentials response has Code \"%.64s\"", source, code);
	/* the container endpoint's error shape */
	if ((code = json_string(root, "code")) != NULL) {
		const char *msg = json_string(root, "message");
		return ctaws_error_set(err, service, "GetCredentials", 0, CTAWS_CREDS_ERROR, 0,
		    "%s: %.64s: %.200s", source, code, msg ? msg : "(no message)");
	}
	akid = json_string(root, "AccessKeyId");
	secret = json_string(root, "SecretAccessKey");
	token = json_string(root, "Token");
	exp = json_string(root, "Expiration");
	if (akid == NULL || *akid == '\0')
		return shape_error(err, service, source, "has no AccessKeyId");
	if (secret == NULL || *secret == '\0')
		return shape_error(err, service, source, "has no SecretAccessKey");
	if (exp != NULL && clock_parse_time(exp, &expiration) == -1)
		return shape_error(
		    err, service, source, "has an Expiration that is not an ISO 8601 time");
	if ((*out = ctaws_credentials_new(
	         akid, secret, token && *token ? token : NULL, expiration, source)) == NULL)
		return ctaws_error_set(err, service, "GetCredentials", 0, "OutOfMemory", 0,
		    "%s: out of memory", source);
	return 0;
}

int
ctaws_creds_parse_json(const char *body, size_t len, const char *service, const char *source,
    struct ctaws_credentials **out, struct ctaws_error *err)
{
	const char *text = body ? body : "";
	size_t n = strnlen(text, len);
	char why[8];
	yajl_val root;
	int rc;

	if (json_too_deep_at(text, n, CTAWS_JSON_MAX_DEPTH) != JSON_DEPTH_OK)
		return shape_error(err, service, source, "nests too deeply");
	/* The reason is not shown: it could quote the document. */
	if ((root = json_parse(text, n, CTAWS_JSON_MAX_DEPTH, why, sizeof(why))) == NULL)
		return shape_error(err, service, source, "is not valid JSON");
	if (!YAJL_IS_OBJECT(root))
		rc = shape_error(err, service, source, "is not a JSON object");
	else
		rc = build(root, service, source, out, err);
	yajl_tree_free(root);
	return rc;
}

int
ctaws_creds_read_file(const char *path, const char *service, const char *what, struct buf *out,
    struct ctaws_error *err)
{
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "re");

	buf_init(out);
	if (f == NULL)
		return ctaws_error_set(err, service, "ReadToken", 0, CTAWS_CREDS_ERROR, 0,
		    "cannot read %s %s: %s", what, path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && out->len <= TOKEN_FILE_MAX)
		buf_append(out, chunk, n);
	if (ferror(f) || out->len > TOKEN_FILE_MAX) {
		ctaws_error_set(err, service, "ReadToken", 0, CTAWS_CREDS_ERROR, 0,
		    "cannot read %s %s: %s", what, path,
		    ferror(f) ? strerror(errno) : "file too large");
		fclose(f);
		if (out->data)
			explicit_bzero(out->data, out->cap);
		buf_free(out);
		return -1;
	}
	fclose(f);
	return 0;
}

char *
ctaws_creds_read_token_file(
    const char *path, const char *service, const char *what, struct ctaws_error *err)
{
	struct buf b;
	size_t start = 0, end;
	char *tok;

	if (ctaws_creds_read_file(path, service, what, &b, err) == -1)
		return NULL;
	end = b.len;
	while (start < end && isspace((unsigned char)b.data[start]))
		start++;
	while (end > start && isspace((unsigned char)b.data[end - 1]))
		end--;
	if (start == end || memchr(b.data + start, '\n', end - start) ||
	    memchr(b.data + start, '\r', end - start)) {
		ctaws_error_set(err, service, "ReadToken", 0, CTAWS_CREDS_ERROR, 0, "%s %s %s",
		    what, path, start == end ? "is empty" : "holds more than one line");
		buf_free(&b);
		return NULL;
	}
	tok = strndup(b.data + start, end - start);
	explicit_bzero(b.data, b.cap);
	buf_free(&b);
	if (tok == NULL)
		ctaws_error_set(err, service, "ReadToken", 0, "OutOfMemory", 0, "out of memory");
	return tok;
}

int
ctaws_creds_env_true(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && strcasecmp(v, "true") == 0;
}

int
ctaws_creds_http_call(
    const struct ctaws_creds_http *h, struct ctaws_response *resp, struct ctaws_error *err)
{
	struct ctaws_client_config cfg;
	struct ctaws_request req;
	struct ctaws_client *client;
	struct ctaws_conn *conn;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.region = "us-east-1"; /* unused: the URL is explicit and nothing is signed */
	cfg.connect_timeout_ms = h->connect_timeout_ms;
	cfg.request_timeout_ms = h->timeout_ms;
	cfg.max_attempts = h->max_attempts;
	if ((client = ctaws_client_new(&cfg, NULL, err)) == NULL)
		return -1;
	if ((conn = ctaws_conn_new(client)) == NULL) {
		ctaws_client_free(client);
		return ctaws_error_set(err, h->service, h->operation, 0, "OutOfMemory", 0,
		    "%s: cannot make a connection handle", h->service);
	}
	memset(&req, 0, sizeof(req));
	req.service = h->service;
	req.operation = h->operation;
	req.method = h->method;
	req.url = h->url;
	req.headers = h->headers;
	req.nheaders = h->nheaders;
	req.anonymous = 1;
	rc = ctaws_call(conn, &req, resp, err);
	ctaws_conn_free(conn);
	ctaws_client_free(client);
	return rc;
}

void
ctaws_creds_response_free(struct ctaws_response *resp)
{
	if (resp->body.data)
		explicit_bzero(resp->body.data, resp->body.cap);
	ctaws_response_free(resp);
}
