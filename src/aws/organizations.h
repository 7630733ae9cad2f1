/*
 * aws/organizations: ListAccounts, the one AWS Organizations call ctalertd
 * makes, over the AWS JSON 1.1 protocol.
 *
 * Organizations is a global service: the call goes to the partition's one
 * endpoint (organizations.us-east-1.amazonaws.com in the aws partition)
 * and is signed for its home region, whatever the client's region
 * (endpoint.h, ctaws_service_region); AWS_ENDPOINT_URL_ORGANIZATIONS and the
 * other overrides apply. X-Amz-Target
 * "AWSOrganizationsV20161128.ListAccounts". Every page is read
 * (NextToken); throttling (TooManyRequestsException) is retried by the one
 * retry policy. Only the organization's management account, or a member
 * delegated to administer it, may call it.
 */
#ifndef CT_AWS_ORGANIZATIONS_H
#define CT_AWS_ORGANIZATIONS_H

#include "aws/client.h"
#include "aws/error.h"
#include "aws/jsonproto.h"
#include "util/buf.h"

#define ORGANIZATIONS_TOKEN_MAX CTAWS_JSON_TOKEN_MAX /* bytes of a NextToken we carry */

/* One account of the answer; every pointer borrowed for the callback's call. */
struct organizations_account {
	const char *id;     /* Id: 12 digits */
	const char *name;   /* Name */
	const char *status; /* Status: ACTIVE, SUSPENDED, PENDING_CLOSURE; "" if absent */
	const char *email;  /* Email; "" if absent */
};

/* Called once per account; return 0 to go on, -1 to fail the call ("Aborted"). */
typedef int (*organizations_account_cb)(void *arg, const struct organizations_account *a);

/* ListAccounts, every page. 0, or -1 with err filled. */
int organizations_list_accounts(struct ctaws_conn *conn, organizations_account_cb on_account,
    void *arg, struct ctaws_error *err);

/* The pieces, for tests: one page's answer, calling on_account for each
 * account; the NextToken into next ("" on the last page). 0, or -1 with err
 * (CTAWS_ERR_MALFORMED for an answer of the wrong shape). */
int organizations_accounts_parse(const struct buf *body, organizations_account_cb on_account,
    void *arg, char next[ORGANIZATIONS_TOKEN_MAX], struct ctaws_error *err);

#endif
