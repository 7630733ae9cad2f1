/*
 * aws/sts: the STS calls credentials providers need (query protocol, XML).
 */
#ifndef CT_AWS_STS_H
#define CT_AWS_STS_H

#include "aws/client.h"
#include "aws/creds.h"

struct sts_identity {
	char account[32];
	char arn[512];
	char user_id[256];
};

/* AssumeRole signed with the conn's client credentials. */
int sts_assume_role(struct ctaws_conn *conn, const char *role_arn, const char *session_name,
    const char *external_id, int duration_s, struct ctaws_credentials **out,
    struct ctaws_error *err);

/* AssumeRoleWithWebIdentity: unsigned, the token is the proof. */
int sts_assume_role_with_web_identity(struct ctaws_conn *conn, const char *role_arn,
    const char *session_name, const char *token, int duration_s, struct ctaws_credentials **out,
    struct ctaws_error *err);

/* The <Credentials> of a 2xx AssumeRole* answer into *out (source names the
 * provider in messages): 0, or -1 with err filled (InvalidResponse when a
 * field is missing or malformed). */
int sts_credentials_parse(const struct ctaws_response *resp, const char *operation,
    const char *source, struct ctaws_credentials **out, struct ctaws_error *err);

int sts_get_caller_identity(
    struct ctaws_conn *conn, struct sts_identity *out, struct ctaws_error *err);

#endif
