/*
 * Web identity: STS AssumeRoleWithWebIdentity with an OIDC token read from a
 * file (EKS IAM roles for service accounts). The call is not signed: the
 * token is the proof. The file is read again on every call because the
 * kubelet rotates it. Configured either by AWS_WEB_IDENTITY_TOKEN_FILE,
 * AWS_ROLE_ARN and AWS_ROLE_SESSION_NAME, or by a profile's role_arn and
 * web_identity_token_file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/creds_provider.h"
#include "aws/sts.h"

struct web_identity {
	struct ctaws_creds_provider base;
	struct ctaws_client *http; /* borrowed */
	char *role_arn;            /* owned; NULL: from the environment */
	char *token_file;          /* owned */
	char *session_name;        /* owned; NULL: generated per call */
};

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static int
wi_get(struct ctaws_creds_provider *p, struct ctaws_credentials **out, struct ctaws_error *err)
{
	struct web_identity *w = (struct web_identity *)p;
	const char *role = w->role_arn, *file = w->token_file, *session = w->session_name;
	char gen[64], *token;
	struct ctaws_conn *conn;
	int rc;

	if (role == NULL) {
		file = env("AWS_WEB_IDENTITY_TOKEN_FILE");
		role = env("AWS_ROLE_ARN");
		session = env("AWS_ROLE_SESSION_NAME");
		if (file == NULL)
			return ctaws_error_set(err, "sts", "AssumeRoleWithWebIdentity", 0,
			    CTAWS_CREDS_NOT_FOUND, 0,
			    "web identity: AWS_WEB_IDENTITY_TOKEN_FILE is not set");
		if (role == NULL)
			return ctaws_error_set(err, "sts", "AssumeRoleWithWebIdentity", 0,
			    CTAWS_CREDS_ERROR, 0,
			    "web identity: AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is "
			    "not");
	}
	if (file == NULL)
		return ctaws_error_set(err, "sts", "AssumeRoleWithWebIdentity", 0,
		    CTAWS_CREDS_ERROR, 0, "web identity: role %s has no token file", role);
	if (session == NULL) {
		snprintf(gen, sizeof(gen), "ctalertd-%lld", (long long)time(NULL));
		session = gen;
	}
	if (w->http == NULL)
		return ctaws_error_set(err, "sts", "AssumeRoleWithWebIdentity", 0,
		    CTAWS_CREDS_ERROR, 0,
		    "web identity: role %s needs STS, but no HTTP client was given", role);
	if ((token = ctaws_creds_read_token_file(file, "sts", "web identity token file", err)) ==
	    NULL)
		return -1;
	if ((conn = ctaws_conn_new(w->http)) == NULL) {
		rc = ctaws_error_set(err, "sts", "AssumeRoleWithWebIdentity", 0, "OutOfMemory", 0,
		    "web identity: cannot make a connection handle");
	} else {
		rc = sts_assume_role_with_web_identity(conn, role, session, token, 0, out, err);
		ctaws_conn_free(conn);
	}
	explicit_bzero(token, strlen(token));
	free(token);
	return rc;
}

static void
wi_destroy(struct ctaws_creds_provider *p)
{
	struct web_identity *w = (struct web_identity *)p;

	free(w->role_arn);
	free(w->token_file);
	free(w->session_name);
	free(w);
}

static const struct ctaws_creds_provider_ops wi_ops = {wi_get, wi_destroy};

static int
dup_opt(char **dst, const char *src)
{
	if (src == NULL)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -1;
}

struct ctaws_creds_provider *
ctaws_creds_web_identity_new(struct ctaws_client *http_client, const char *role_arn,
    const char *token_file, const char *session_name)
{
	struct web_identity *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->http = http_client;
	if (role_arn != NULL &&
	    (dup_opt(&w->role_arn, role_arn) == -1 || dup_opt(&w->token_file, token_file) == -1 ||
	        dup_opt(&w->session_name, session_name) == -1)) {
		wi_destroy(&w->base);
		return NULL;
	}
	w->base.ops = &wi_ops;
	w->base.name = "web identity";
	return &w->base;
}
