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
	int rc = 0;

	next[0] = '\0';
	if ((root = ctaws_json_answer(body, SERVICE, OPERATION, err)) == NULL)
		return -1;
	list = json_member(root, "Accounts");
	if (list != NULL && !YAJL_IS_ARRAY(list))
		rc = malformed(err, "Accounts is not an array");
	for (size_t i = 0; rc == 0 && list && i < list->u.array.len; i++)
		rc = one_account(list->u.array.values[i], on_account, arg, err);
	if (rc == 0)
		rc = ctaws_json_next_token(root, SERVICE, OPERATION, next, err);
	yajl_tree_free(root);
	return rc;
}

/* The page loop's callbacks: the listing takes only NextToken. */
struct listing {
	organizations_account_cb on_account;
	void *arg;
};

static int
page_body(void *arg, const char *next_token, struct buf *body, struct ctaws_error *err)
{
	(void)arg;
	if (buf_putc(body, '{') == -1 ||
	    (*next_token && json_put_member_string(body, "NextToken", next_token) == -1) ||
	    buf_putc(body, '}') == -1)
		return ctaws_error_set(
		    err, SERVICE, OPERATION, 0, "OutOfMemory", 0, "out of memory");
	return 0;
}

static int
page_parse(
    void *arg, const struct buf *answer, char next[CTAWS_JSON_TOKEN_MAX], struct ctaws_error *err)
{
	const struct listing *l = arg;

	return organizations_accounts_parse(answer, l->on_account, l->arg, next, err);
}

int
organizations_list_accounts(struct ctaws_conn *conn, organizations_account_cb on_account, void *arg,
    struct ctaws_error *err)
{
	struct listing l = {on_account, arg};
	struct ctaws_json_pages pages = {
	    SERVICE, TARGET_PREFIX, OPERATION, NULL, page_body, page_parse, &l};

	return ctaws_json_list_pages(conn, &pages, err);
}
