/*
 * aws/organizations: ListAccounts (see organizations.h).
 */
#include "aws/organizations.h"

#include <stdio.h>
#include <string.h>

#include "aws/jsonproto.h"
#include "util/json.h"

#define SERVICE       "organizations"
#define OPERATION     "ListAccounts"
#define TARGET_PREFIX "AWSOrganizationsV20161128"
#define PAGES_MAX     1000 /* 20 accounts a page: far beyond Organizations' quotas */

static int
malformed(struct ctaws_error *err, const char *what)
{
	return ctaws_error_set(
	    err, SERVICE, OPERATION, 0, CTAWS_ERR_MALFORMED, 0, "ListAccounts answer: %s", what);
}

static int
one_account(yajl_val v, organizations_account_cb on_account, void *arg, struct ctaws_error *err)
{
	struct organizations_account a = {json_string(v, "Id"), json_string(v, "Name"),
	    json_string(v, "Status"), json_string(v, "Email")};

	if (a.id == NULL || a.name == NULL)
		return malformed(err, "an account without Id or Name");
	if (a.status == NULL)
		a.status = "";
	if (a.email == NULL)
		a.email = "";
	if (on_account(arg, &a) == -1)
		return ctaws_error_set(
		    err, SERVICE, OPERATION, 0, "Aborted", 0, "account %s refused", a.id);
	return 0;
}

int
organizations_accounts_parse(const struct buf *body, organizations_account_cb on_account, void *arg,
    char next[ORGANIZATIONS_TOKEN_MAX], struct ctaws_error *err)
{
	yajl_val root, list;
	const char *token;
	int rc = 0;

	next[0] = '\0';
	if ((root = ctaws_json_answer(body, SERVICE, OPERATION, err)) == NULL)
		return -1;
	list = json_member(root, "Accounts");
	if (list != NULL && !YAJL_IS_ARRAY(list))
		rc = malformed(err, "Accounts is not an array");
	for (size_t i = 0; rc == 0 && list && i < list->u.array.len; i++)
		rc = one_account(list->u.array.values[i], on_account, arg, err);
	if (rc == 0 && (token = json_string(root, "NextToken")) != NULL && *token) {
		if (strlen(token) >= ORGANIZATIONS_TOKEN_MAX)
			rc = malformed(err, "NextToken is too long");
		else
			snprintf(next, ORGANIZATIONS_TOKEN_MAX, "%s", token);
	}
	yajl_tree_free(root);
	return rc;
}

static int
one_page(struct ctaws_conn *conn, organizations_account_cb on_account, void *arg, char *token,
    struct ctaws_error *err)
{
	struct ctaws_json_request jr;
	struct ctaws_response resp;
	struct buf body = BUF_INIT;
	int rc;

	if (buf_putc(&body, '{') == -1 ||
	    (*token && json_put_member_string(&body, "NextToken", token) == -1) ||
	    buf_putc(&body, '}') == -1) {
		buf_free(&body);
		return ctaws_error_set(
		    err, SERVICE, OPERATION, 0, "OutOfMemory", 0, "out of memory");
	}
	ctaws_json11_request_init(&jr, SERVICE, TARGET_PREFIX, OPERATION);
	jr.req.body = body.data;
	jr.req.body_len = body.len;
	ctaws_response_init(&resp);
	rc = ctaws_call(conn, &jr.req, &resp, err);
	if (rc == 0 &&
	    (rc = organizations_accounts_parse(&resp.body, on_account, arg, token, err)) == -1)
		ctaws_response_keep_request_id(&resp, err);
	ctaws_response_free(&resp);
	buf_free(&body);
	return rc;
}

int
organizations_list_accounts(struct ctaws_conn *conn, organizations_account_cb on_account, void *arg,
    struct ctaws_error *err)
{
	char token[ORGANIZATIONS_TOKEN_MAX] = "";

	for (int page = 0; page < PAGES_MAX; page++) {
		char previous[ORGANIZATIONS_TOKEN_MAX];

		snprintf(previous, sizeof(previous), "%s", token);
		if (one_page(conn, on_account, arg, token, err) == -1)
			return -1;
		if (token[0] == '\0')
			return 0;
		if (strcmp(token, previous) == 0)
			return malformed(err, "NextToken repeats");
	}
	return malformed(err, "more than 1000 pages");
}
