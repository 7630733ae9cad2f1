/*
 * STS calls against the scripted local server: the form sent, signing (or
 * not, for web identity), the XML answers and STS errors.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sts.h"
#include "core_httpd.h"
#include "tests/lib/check_main.h"

static struct httpd *srv;
static struct ctaws_client *cli;
static struct ctaws_conn *conn;

static const char assume_ok[] =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <AssumeRoleResult>\n"
    "    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn>"
    "<AssumedRoleId>ARO:s</AssumedRoleId></AssumedRoleUser>\n"
    "    <Credentials>\n"
    "      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>\n"
    "      <SecretAccessKey>secret/with+chars</SecretAccessKey>\n"
    "      <SessionToken>token-abc</SessionToken>\n"
    "      <Expiration>2030-01-02T03:04:05Z</Expiration>\n"
    "    </Credentials>\n"
    "  </AssumeRoleResult>\n"
    "  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>\n"
    "</AssumeRoleResponse>\n";

static void
setup(void)
{
	struct ctaws_client_config cfg = {0};
	struct ctaws_error err;
	char url[64];

	httpd_isolate_env();
	srv = httpd_start();
	snprintf(url, sizeof(url), "%s", httpd_url(srv, ""));
	cfg.region = "eu-west-1";
	cfg.endpoint_url_sts = url;
	cfg.retry_seed = 3;
	cfg.retry_base_ms = 1;
	cli = ctaws_client_new(
	    &cfg, ctaws_creds_static_new("AKIDBASE", "base-secret", "base-token"), &err);
	ck_assert_msg(cli != NULL, "%s", err.message);
	conn = ctaws_conn_new(cli);
}

static void
teardown(void)
{
	httpd_fixture_free(conn, cli, srv);
}

START_TEST(assume_role)
{
	struct ctaws_credentials *cr = NULL;
	struct ctaws_error err;
	const char *auth;

	httpd_push(srv, &(struct httpd_reply){.body = assume_ok});
	ck_assert_int_eq(sts_assume_role(conn, "arn:aws:iam::123456789012:role/r",
	                     "ctalertd session", "ext id&1", 900, &cr, &err),
	    0);
	ck_assert_str_eq(cr->access_key_id, "ASIAEXAMPLE");
	ck_assert_str_eq(cr->secret_access_key, "secret/with+chars");
	ck_assert_str_eq(cr->session_token, "token-abc");
	ck_assert_int_eq(cr->expiration, 1893553445);
	ck_assert_str_eq(httpd_request(srv, 0)->body.data,
	    "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%"
	    "2Fr"
	    "&RoleSessionName=ctalertd%20session&DurationSeconds=900&ExternalId=ext%20id%261");
	ck_assert_str_eq(httpd_header(srv, 0, "Content-Type"),
	    "application/x-www-form-urlencoded; charset=utf-8");
	auth = httpd_header(srv, 0, "Authorization");
	ck_assert_ptr_nonnull(auth);
	ck_assert_ptr_nonnull(strstr(auth, "Credential=AKIDBASE/"));
	ck_assert_ptr_nonnull(strstr(auth, "/eu-west-1/sts/aws4_request"));
	ck_assert_str_eq(httpd_header(srv, 0, "X-Amz-Security-Token"), "base-token");
	ctaws_credentials_release(cr);
}
END_TEST

START_TEST(web_identity_is_unsigned)
{
	static const char ok[] =
	    "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
	    "<AccessKeyId>ASIAWEB</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
	    "<SessionToken>t</SessionToken><Expiration>2030-01-02T03:04:05.123Z</Expiration>"
	    "</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
	struct ctaws_credentials *cr = NULL;
	struct ctaws_error err;

	httpd_push(srv, &(struct httpd_reply){.body = ok});
	ck_assert_int_eq(sts_assume_role_with_web_identity(
	                     conn, "arn:aws:iam::1:role/w", "s", "eyJ.token.sig", 0, &cr, &err),
	    0);
	ck_assert_str_eq(cr->access_key_id, "ASIAWEB");
	ck_assert_int_eq(cr->expiration, 1893553445);
	ck_assert_ptr_null(httpd_header(srv, 0, "Authorization"));
	ck_assert_ptr_null(httpd_header(srv, 0, "X-Amz-Security-Token"));
	ck_assert_ptr_nonnull(strstr(httpd_request(srv, 0)->body.data,
	    "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&"));
	ck_assert_ptr_nonnull(
	    strstr(httpd_request(srv, 0)->body.data, "&WebIdentityToken=eyJ.token.sig"));
	ck_assert_ptr_null(strstr(httpd_request(srv, 0)->body.data, "DurationSeconds"));
	ctaws_credentials_release(cr);
}
END_TEST

START_TEST(caller_identity)
{
	static const char ok[] =
	    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
	    "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn>"
	    "<UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>"
	    "</GetCallerIdentityResult></GetCallerIdentityResponse>";
	struct sts_identity id;
	struct ctaws_error err;

	httpd_push(srv, &(struct httpd_reply){.body = ok});
	ck_assert_int_eq(sts_get_caller_identity(conn, &id, &err), 0);
	ck_assert_str_eq(id.account, "123456789012");
	ck_assert_str_eq(id.arn, "arn:aws:iam::123456789012:user/alice");
	ck_assert_str_eq(id.user_id, "AIDAEXAMPLE");
	ck_assert_str_eq(
	    httpd_request(srv, 0)->body.data, "Action=GetCallerIdentity&Version=2011-06-15");
}
END_TEST

START_TEST(sts_error_is_typed)
{
	static const char denied[] =
	    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
	    "<Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to "
	    "perform: "
	    "sts:AssumeRole</Message></Error><RequestId>deny-1</RequestId></ErrorResponse>";
	struct ctaws_credentials *cr = (struct ctaws_credentials *)1;
	struct ctaws_error err;

	httpd_push(srv, &(struct httpd_reply){.status = 403, .body = denied});
	ck_assert_int_eq(
	    sts_assume_role(conn, "arn:aws:iam::1:role/r", "s", NULL, 0, &cr, &err), -1);
	ck_assert_ptr_null(cr);
	ck_assert_str_eq(err.service, "sts");
	ck_assert_str_eq(err.operation, "AssumeRole");
	ck_assert_str_eq(err.code, "AccessDenied");
	ck_assert_str_eq(err.request_id, "deny-1");
	ck_assert_int_eq(err.http_status, 403);
}
END_TEST

START_TEST(incomplete_answer)
{
	struct ctaws_credentials *cr = NULL;
	struct ctaws_error err;
	struct sts_identity id;

	httpd_push(srv, &(struct httpd_reply){
	                    .body = "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
	                            "<AccessKeyId>A</AccessKeyId></Credentials></AssumeRoleResult>"
	                            "</AssumeRoleResponse>"});
	ck_assert_int_eq(sts_assume_role(conn, "arn", "s", NULL, 0, &cr, &err), -1);
	ck_assert_str_eq(err.code, "InvalidResponse");
	ck_assert_ptr_null(cr);
	httpd_push(srv, &(struct httpd_reply){.body = "<not xml"});
	ck_assert_int_eq(sts_get_caller_identity(conn, &id, &err), -1);
	ck_assert_str_eq(err.code, "XmlParseError");
	ck_assert_str_eq(err.operation, "GetCallerIdentity");
	httpd_push(
	    srv, &(struct httpd_reply){
	             .body = "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
	                     "<AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
	                     "<SessionToken>T</SessionToken><Expiration>soon</Expiration>"
	                     "</Credentials></AssumeRoleResult></AssumeRoleResponse>"});
	ck_assert_int_eq(sts_assume_role(conn, "arn", "s", NULL, 0, &cr, &err), -1);
	ck_assert_str_eq(err.code, "InvalidResponse");
}
END_TEST

CT_CHECK_PROGRAM(.name = "sts", .timeout = 20, .fixture_setup = setup, .fixture_teardown = teardown,
    .once = CT_TESTS(assume_role, web_identity_is_unsigned, caller_identity, sts_error_is_typed,
        incomplete_answer))
