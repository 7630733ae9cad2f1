/*
 * aws/sts: AssumeRole, AssumeRoleWithWebIdentity and GetCallerIdentity over
 * the query protocol (form POST, Version=2011-06-15, XML answers).
 */
#include "aws/sts.h"

#include <stdio.h>
#include <string.h>

#include "aws/http.h"
#include "aws/xml.h"

#define STS_VERSION "2011-06-15"

static const struct ctaws_kv form_type[] = {
    {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
};

static int
sts_post(struct ctaws_conn *conn, const char *operation, const struct buf *form, int anonymous,
    struct ctaws_response *resp, struct ctaws_error *err)
{
	struct ctaws_request req = {
	    .service = "sts",
	    .operation = operation,
	    .method = "POST",
	    .headers = form_type,
	    .nheaders = 1,
	    .body = form->data,
	    .body_len = form->len,
	    .anonymous = anonymous,
	};

	return ctaws_call(conn, &req, resp, err);
}

static int
form_start(struct buf *b, const char *action)
{
	return ctaws_form_add(b, "Action", action) == -1 ||
	       ctaws_form_add(b, "Version", STS_VERSION);
}

int
sts_credentials_parse(const struct ctaws_response *resp, const char *operation, const char *source,
    struct ctaws_credentials **out, struct ctaws_error *err)
{
	char akid[256], secret[256], token[4096], exp[64];
	struct ctaws_xml_field f[] = {
	    {"Credentials/AccessKeyId", akid, sizeof(akid), 0},
	    {"Credentials/SecretAccessKey", secret, sizeof(secret), 0},
	    {"Credentials/SessionToken", token, sizeof(token), 0},
	    {"Credentials/Expiration", exp, sizeof(exp), 0},
	};
	time_t expiration = 0;
	int rc = -1;

	if (ctaws_xml_extract(resp->body.data, resp->body.len, f, 4, err) == -1) {
		err->service = "sts";
		err->operation = operation;
	} else if (!f[0].found || !f[1].found || !f[2].found || !f[3].found ||
	           ctaws_parse_time(exp, &expiration) == -1) {
		ctaws_error_set(err, "sts", operation, resp->status, "InvalidResponse", 0,
		    "answer without complete credentials (request id %s)", resp->request_id);
	} else if ((*out = ctaws_credentials_new(akid, secret, token, expiration, source)) ==
	           NULL) {
		ctaws_error_set(err, "sts", operation, 0, "OutOfMemory", 0, "out of memory");
	} else {
		rc = 0;
	}
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(token, sizeof(token));
	return rc;
}

static int
assume(struct ctaws_conn *conn, const char *operation, const char *source, struct buf *form,
    int anonymous, struct ctaws_credentials **out, struct ctaws_error *err)
{
	struct ctaws_response resp;
	int rc;

	*out = NULL;
	ctaws_response_init(&resp);
	rc = sts_post(conn, operation, form, anonymous, &resp, err);
	if (rc == 0)
		rc = sts_credentials_parse(&resp, operation, source, out, err);
	if (resp.body.data)
		explicit_bzero(resp.body.data, resp.body.len);
	ctaws_response_free(&resp);
	if (form->data)
		explicit_bzero(form->data, form->len);
	buf_free(form);
	return rc;
}

static int
nomem(struct buf *form, const char *operation, struct ctaws_error *err)
{
	buf_free(form);
	return ctaws_error_set(err, "sts", operation, 0, "OutOfMemory", 0, "out of memory");
}

int
sts_assume_role(struct ctaws_conn *conn, const char *role_arn, const char *session_name,
    const char *external_id, int duration_s, struct ctaws_credentials **out,
    struct ctaws_error *err)
{
	struct buf form = BUF_INIT;
	char dur[16];

	snprintf(dur, sizeof(dur), "%d", duration_s);
	if (form_start(&form, "AssumeRole") == -1 ||
	    ctaws_form_add(&form, "RoleArn", role_arn) == -1 ||
	    ctaws_form_add(&form, "RoleSessionName", session_name) == -1 ||
	    (duration_s > 0 && ctaws_form_add(&form, "DurationSeconds", dur) == -1) ||
	    (external_id && *external_id && ctaws_form_add(&form, "ExternalId", external_id) == -1))
		return nomem(&form, "AssumeRole", err);
	return assume(conn, "AssumeRole", "sts AssumeRole", &form, 0, out, err);
}

int
sts_assume_role_with_web_identity(struct ctaws_conn *conn, const char *role_arn,
    const char *session_name, const char *token, int duration_s, struct ctaws_credentials **out,
    struct ctaws_error *err)
{
	static const char op[] = "AssumeRoleWithWebIdentity";
	struct buf form = BUF_INIT;
	char dur[16];

	snprintf(dur, sizeof(dur), "%d", duration_s);
	if (form_start(&form, op) == -1 || ctaws_form_add(&form, "RoleArn", role_arn) == -1 ||
	    ctaws_form_add(&form, "RoleSessionName", session_name) == -1 ||
	    ctaws_form_add(&form, "WebIdentityToken", token) == -1 ||
	    (duration_s > 0 && ctaws_form_add(&form, "DurationSeconds", dur) == -1))
		return nomem(&form, op, err);
	return assume(conn, op, "sts AssumeRoleWithWebIdentity", &form, 1, out, err);
}

int
sts_get_caller_identity(struct ctaws_conn *conn, struct sts_identity *out, struct ctaws_error *err)
{
	static const char op[] = "GetCallerIdentity";
	struct ctaws_xml_field f[] = {
	    {"GetCallerIdentityResult/Account", out->account, sizeof(out->account), 0},
	    {"GetCallerIdentityResult/Arn", out->arn, sizeof(out->arn), 0},
	    {"GetCallerIdentityResult/UserId", out->user_id, sizeof(out->user_id), 0},
	};
	struct buf form = BUF_INIT;
	struct ctaws_response resp;
	int rc;

	memset(out, 0, sizeof(*out));
	if (form_start(&form, op) == -1)
		return nomem(&form, op, err);
	ctaws_response_init(&resp);
	rc = sts_post(conn, op, &form, 0, &resp, err);
	buf_free(&form);
	if (rc == 0 && ctaws_xml_extract(resp.body.data, resp.body.len, f, 3, err) == -1) {
		err->service = "sts";
		err->operation = op;
		rc = -1;
	} else if (rc == 0 && (!f[0].found || !f[1].found)) {
		rc = ctaws_error_set(err, "sts", op, resp.status, "InvalidResponse", 0,
		    "answer without Account or Arn (request id %s)", resp.request_id);
	}
	ctaws_response_free(&resp);
	return rc;
}
