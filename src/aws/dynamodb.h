/*
 * aws/dynamodb: the DynamoDB calls ctalertd makes, over the AWS JSON 1.0
 * protocol.
 *
 * Every call is a POST to the service's endpoint (dynamodb.REGION.amazonaws.com,
 * or AWS_ENDPOINT_URL_DYNAMODB and the other overrides of endpoint.h) with
 * X-Amz-Target "DynamoDB_20120810.<Operation>", signed for "dynamodb". The
 * calls are GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan and
 * DescribeTable; one struct dynamodb_request carries the members any of
 * them takes, and dynamodb_call sends the ones the operation accepts.
 *
 * Errors come back as struct ctaws_error like every AWS call's: a condition
 * that was false is CTAWS_ERRC_CONDITION_FAILED (never retried: it is an
 * answer), ProvisionedThroughputExceededException, ThrottlingException and
 * RequestLimitExceeded are CTAWS_ERRC_THROTTLED and InternalServerError is
 * CTAWS_ERRC_UNAVAILABLE, so the one retry policy of retry.h retries them.
 *
 * Attribute values are strings (S) and integers (N): all ctalertd stores.
 * This layer knows nothing of what the items mean.
 */
#ifndef CT_AWS_DYNAMODB_H
#define CT_AWS_DYNAMODB_H

#include <stddef.h>

#include <yajl/yajl_tree.h>

#include "aws/client.h"
#include "aws/error.h"
#include "util/buf.h"

#define DYNAMODB_TABLE_NAME_MAX 255 /* bytes of a table name: [A-Za-z0-9_.-], at least 3 */
#define DYNAMODB_NAME_MAX       255 /* bytes of an attribute or index name we read back */
#define DYNAMODB_INDEX_MAX      8   /* global secondary indexes DescribeTable reports here */

enum dynamodb_type {
	DYNAMODB_S, /* a string */
	DYNAMODB_N, /* a number; here always an integer */
};

/* One attribute of a Key or Item, or one ExpressionAttributeValues entry. */
struct dynamodb_value {
	const char *name;        /* borrowed: the attribute's name, or ":placeholder" */
	enum dynamodb_type type; /* which of s and n is the value */
	const char *s;           /* DYNAMODB_S: borrowed UTF-8 */
	long long n;             /* DYNAMODB_N */
};

/* The members of a request; each operation sends those it takes and
 * refuses to start without the ones it needs. Everything is borrowed. */
struct dynamodb_request {
	const char *region;                  /* the table's region; NULL: the client's */
	const char *table;                   /* TableName (every operation) */
	const char *index;                   /* IndexName (Query, Scan); NULL: the table */
	const struct dynamodb_value *key;    /* Key (Get, Update, DeleteItem), Item (PutItem) */
	size_t nkey;                         /* entries in key */
	const char *key_condition;           /* KeyConditionExpression (Query, required) */
	const char *update;                  /* UpdateExpression (UpdateItem, required) */
	const char *condition;               /* ConditionExpression (Put, Update, DeleteItem) */
	const char *filter;                  /* FilterExpression (Query, Scan) */
	const char *projection;              /* ProjectionExpression (GetItem, Query, Scan) */
	const struct ctaws_kv *names;        /* ExpressionAttributeNames: "#u" -> "until" */
	size_t nnames;                       /* entries in names */
	const struct dynamodb_value *values; /* ExpressionAttributeValues: ":now" -> 1000 */
	size_t nvalues;                      /* entries in values */
	const char *return_values;           /* ReturnValues ("ALL_OLD", "ALL_NEW", ...); NULL */
	const char *select;                  /* Select (Query, Scan): "COUNT"; NULL: the items */
	int consistent_read; /* ConsistentRead (GetItem, Scan, Query of the table) */
	long limit;          /* Limit (Query, Scan): items read per page; 0: none */
	yajl_val start_key;  /* ExclusiveStartKey: a previous page's last_key */
};

/* What an operation answered. Every yajl_val points into root. */
struct dynamodb_answer {
	yajl_val root;     /* owned (dynamodb_answer_free): the whole answer */
	yajl_val item;     /* Item (GetItem) or Attributes (ReturnValues); NULL when none */
	yajl_val items;    /* Items (Query, Scan): an array; NULL when none */
	long count;        /* Count (Query, Scan): items after the filter, this page */
	yajl_val last_key; /* LastEvaluatedKey: start_key of the next page; NULL on the last */
};

/* The key schema of a table or an index. */
struct dynamodb_keys {
	char hash[DYNAMODB_NAME_MAX + 1];  /* the partition key's attribute */
	char range[DYNAMODB_NAME_MAX + 1]; /* the sort key's attribute; "" when none */
};

/* What DescribeTable says of a table, as far as ctalertd checks it. */
struct dynamodb_table {
	char status[24];          /* TableStatus: "ACTIVE", "CREATING", ... */
	struct dynamodb_keys key; /* the table's key */
	struct {
		char name[DYNAMODB_NAME_MAX + 1]; /* IndexName */
		char status[24];                  /* IndexStatus */
		struct dynamodb_keys key;         /* its key */
	} index[DYNAMODB_INDEX_MAX];              /* the global secondary indexes, first ones */
	size_t nindex;                            /* entries in index */
};

/* Runs operation ("GetItem", "PutItem", "UpdateItem", "DeleteItem",
 * "Query", "Scan"): 0 with out filled (release it), or -1 with err (out
 * empty). */
int dynamodb_call(struct ctaws_conn *conn, const char *operation, const struct dynamodb_request *r,
    struct dynamodb_answer *out, struct ctaws_error *err);
void dynamodb_answer_free(struct dynamodb_answer *a);

/* DescribeTable of r->table (in r->region): 0 with out filled, or -1. */
int dynamodb_describe_table(struct ctaws_conn *conn, const struct dynamodb_request *r,
    struct dynamodb_table *out, struct ctaws_error *err);

/* The pieces of the calls, for tests: the request body an operation sends
 * (appended to body; -1 with err, nothing sent, when r lacks a member the
 * operation needs or the operation is not one of the above), and the
 * parsing of a 2xx answer. */
int dynamodb_request_body(const char *operation, const struct dynamodb_request *r, struct buf *body,
    struct ctaws_error *err);
int dynamodb_answer_parse(const char *operation, const struct buf *body,
    struct dynamodb_answer *out, struct ctaws_error *err);
int dynamodb_table_parse(
    const struct buf *body, struct dynamodb_table *out, struct ctaws_error *err);

/* An attribute of an item (an answer's item, or an element of its items):
 * the string, or NULL when absent or not a string. */
const char *dynamodb_item_s(yajl_val item, const char *name);
/* The integer in *out: 0, or -1 when absent, not a number or not an
 * integer that fits. */
int dynamodb_item_n(yajl_val item, const char *name, long long *out);

#endif
