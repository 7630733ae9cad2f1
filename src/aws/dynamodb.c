/*
 * aws/dynamodb: GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan and
 * DescribeTable over the AWS JSON 1.0 protocol. See dynamodb.h.
 */
#include "aws/dynamodb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/jsonproto.h"
#include "util/json.h"

#define TARGET_PREFIX "DynamoDB_20120810"

/* What each operation takes. */
enum {
	M_KEY = 1 << 0,        /* Key */
	M_ITEM = 1 << 1,       /* Item (the same member of the request struct) */
	M_UPDATE = 1 << 2,     /* UpdateExpression, required */
	M_CONDITION = 1 << 3,  /* ConditionExpression */
	M_KEY_COND = 1 << 4,   /* KeyConditionExpression, required */
	M_FILTER = 1 << 5,     /* FilterExpression */
	M_PROJECTION = 1 << 6, /* ProjectionExpression */
	M_RETURN = 1 << 7,     /* ReturnValues */
	M_PAGES = 1 << 8,      /* IndexName, Select, Limit, ExclusiveStartKey */
	M_CONSISTENT = 1 << 9, /* ConsistentRead */
};

static const struct operation {
	const char *name;
	unsigned members;
} operations[] = {
    {"GetItem", M_KEY | M_PROJECTION | M_CONSISTENT},
    {"PutItem", M_ITEM | M_CONDITION | M_RETURN},
    {"UpdateItem", M_KEY | M_UPDATE | M_CONDITION | M_RETURN},
    {"DeleteItem", M_KEY | M_CONDITION | M_RETURN},
    {"Query", M_KEY_COND | M_FILTER | M_PROJECTION | M_PAGES | M_CONSISTENT},
    {"Scan", M_FILTER | M_PROJECTION | M_PAGES | M_CONSISTENT},
    {"DescribeTable", 0},
};

static const struct operation *
operation_of(const char *name)
{
	for (size_t i = 0; i < sizeof(operations) / sizeof(operations[0]); i++)
		if (name && strcmp(operations[i].name, name) == 0)
			return &operations[i];
	return NULL;
}

static int
table_name_ok(const char *t)
{
	size_t n = t ? strlen(t) : 0;

	if (n < 3 || n > DYNAMODB_TABLE_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') ||
		        (t[i] >= '0' && t[i] <= '9') || t[i] == '_' || t[i] == '-' || t[i] == '.'))
			return 0;
	return 1;
}

/* "<op> <what>", refused before anything is sent. */
static int
invalid(struct ctaws_error *err, const char *op, const char *what)
{
	return ctaws_error_set(err, "dynamodb", op, 0, "ValidationException", 0, "%s %s", op, what);
}

/* The members r must and must not have for op. */
static int
check_request(const struct operation *op, const struct dynamodb_request *r, struct ctaws_error *err)
{
	const char *n = op->name;

	if (!table_name_ok(r->table))
		return ctaws_error_set(err, "dynamodb", n, 0, "ValidationException", 0,
		    "table name \"%.300s\" is not 3 to 255 of [A-Za-z0-9_.-]",
		    r->table ? r->table : "");
	if ((op->members & (M_KEY | M_ITEM)) && (r->nkey == 0 || r->key == NULL))
		return invalid(err, n, "needs a key or an item");
	if ((op->members & M_UPDATE) && (r->update == NULL || *r->update == '\0'))
		return invalid(err, n, "needs an update expression");
	if ((op->members & M_KEY_COND) && (r->key_condition == NULL || *r->key_condition == '\0'))
		return invalid(err, n, "needs a key condition expression");
	if ((r->nvalues > 0 && r->values == NULL) || (r->nnames > 0 && r->names == NULL))
		return invalid(err, n, "counts expression names or values it does not give");
	return 0;
}

/* {"S":"..."} or {"N":"123"} */
static int
put_value(struct buf *b, const struct dynamodb_value *v)
{
	if (buf_putc(b, '{') == -1)
		return -1;
	if (v->type == DYNAMODB_S)
		return json_put_member_string(b, "S", v->s ? v->s : "") == -1 ? -1
		                                                              : buf_putc(b, '}');
	return buf_printf(b, "\"N\":\"%lld\"}", v->n);
}

/* ,"member":{"name":VALUE,...} */
static int
put_values(struct buf *b, const char *member, const struct dynamodb_value *v, size_t n)
{
	if (n == 0)
		return 0;
	if (json_put_key(b, member) == -1 || buf_putc(b, '{') == -1)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (json_put_key(b, v[i].name ? v[i].name : "") == -1 || put_value(b, &v[i]) == -1)
			return -1;
	return buf_putc(b, '}');
}

static int
put_names(struct buf *b, const struct ctaws_kv *kv, size_t n)
{
	if (n == 0)
		return 0;
	if (json_put_key(b, "ExpressionAttributeNames") == -1 || buf_putc(b, '{') == -1)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (json_put_member_string(b, kv[i].key ? kv[i].key : "", kv[i].value) == -1)
			return -1;
	return buf_putc(b, '}');
}

static int
put_string(struct buf *b, unsigned members, unsigned which, const char *key, const char *value)
{
	if (!(members & which) || value == NULL)
		return 0;
	return json_put_member_string(b, key, value);
}

/* The paging members of Query and Scan. */
static int
put_pages(struct buf *b, const struct dynamodb_request *r)
{
	int rc = 0;

	if (r->index)
		rc |= json_put_member_string(b, "IndexName", r->index);
	if (r->select)
		rc |= json_put_member_string(b, "Select", r->select);
	if (r->limit > 0)
		rc |= json_put_member_int(b, "Limit", r->limit);
	if (r->start_key && rc == 0 && json_put_key(b, "ExclusiveStartKey") == 0)
		rc |= json_write(b, r->start_key);
	return rc ? -1 : 0;
}

static int
put_body(struct buf *b, const struct operation *op, const struct dynamodb_request *r)
{
	unsigned m = op->members;
	int rc = 0;

	rc |= buf_putc(b, '{');
	rc |= json_put_member_string(b, "TableName", r->table);
	if (m & (M_KEY | M_ITEM))
		rc |= put_values(b, (m & M_ITEM) ? "Item" : "Key", r->key, r->nkey);
	rc |= put_string(b, m, M_KEY_COND, "KeyConditionExpression", r->key_condition);
	rc |= put_string(b, m, M_UPDATE, "UpdateExpression", r->update);
	rc |= put_string(b, m, M_CONDITION, "ConditionExpression", r->condition);
	rc |= put_string(b, m, M_FILTER, "FilterExpression", r->filter);
	rc |= put_string(b, m, M_PROJECTION, "ProjectionExpression", r->projection);
	if (m != 0) {
		rc |= put_names(b, r->names, r->nnames);
		rc |= put_values(b, "ExpressionAttributeValues", r->values, r->nvalues);
	}
	rc |= put_string(b, m, M_RETURN, "ReturnValues", r->return_values);
	if ((m & M_CONSISTENT) && r->consistent_read && json_put_key(b, "ConsistentRead") == 0)
		rc |= buf_puts(b, "true");
	if (m & M_PAGES)
		rc |= put_pages(b, r);
	rc |= buf_putc(b, '}');
	return rc ? -1 : 0;
}

int
dynamodb_request_body(const char *operation, const struct dynamodb_request *r, struct buf *body,
    struct ctaws_error *err)
{
	const struct operation *op = operation_of(operation);

	if (op == NULL)
		return ctaws_error_set(err, "dynamodb", "Request", 0, "InvalidAction", 0,
		    "\"%.60s\" is not a DynamoDB operation ctalertd makes",
		    operation ? operation : "(none)");
	if (check_request(op, r, err) == -1)
		return -1;
	if (put_body(body, op, r) == -1)
		return ctaws_error_set(err, "dynamodb", op->name, 0, "OutOfMemory", 0,
		    "out of memory building a request for table %s", r->table);
	return 0;
}

static int
malformed(struct ctaws_error *err, const char *op, const char *what)
{
	return ctaws_error_set(err, "dynamodb", op, 0, CTAWS_ERR_MALFORMED, 0, "%s", what);
}

/* A member that must be an object or absent (null counts as absent). */
static int
object_member(yajl_val root, const char *key, yajl_val *out)
{
	yajl_val v = json_member(root, key);

	*out = v && !YAJL_IS_NULL(v) ? v : NULL;
	return *out == NULL || YAJL_IS_OBJECT(*out) ? 0 : -1;
}

int
dynamodb_answer_parse(const char *operation, const struct buf *body, struct dynamodb_answer *out,
    struct ctaws_error *err)
{
	const struct operation *op = operation_of(operation);
	const char *name = op ? op->name : "Request";
	yajl_val items, count;

	memset(out, 0, sizeof(*out));
	if ((out->root = ctaws_json_answer(body, "dynamodb", name, err)) == NULL)
		return -1;
	if (object_member(out->root, "Item", &out->item) == -1 ||
	    (out->item == NULL && object_member(out->root, "Attributes", &out->item) == -1) ||
	    object_member(out->root, "LastEvaluatedKey", &out->last_key) == -1) {
		dynamodb_answer_free(out);
		return malformed(
		    err, name, "Item, Attributes or LastEvaluatedKey is not an object");
	}
	items = json_member(out->root, "Items");
	if (items && !YAJL_IS_NULL(items) && !YAJL_IS_ARRAY(items)) {
		dynamodb_answer_free(out);
		return malformed(err, name, "Items is not an array");
	}
	out->items = items && YAJL_IS_ARRAY(items) ? items : NULL;
	count = json_member(out->root, "Count");
	if (count && YAJL_IS_INTEGER(count))
		out->count = (long)YAJL_GET_INTEGER(count);
	else if (out->items)
		out->count = (long)out->items->u.array.len;
	return 0;
}

void
dynamodb_answer_free(struct dynamodb_answer *a)
{
	if (a == NULL)
		return;
	yajl_tree_free(a->root);
	memset(a, 0, sizeof(*a));
}

/* The body of one call, sent; the 2xx body in resp. */
static int
send_call(struct ctaws_conn *conn, const char *operation, const struct dynamodb_request *r,
    struct ctaws_response *resp, struct ctaws_error *err)
{
	struct ctaws_json_request jr;
	struct buf body = BUF_INIT;
	int rc;

	if (dynamodb_request_body(operation, r, &body, err) == -1) {
		buf_free(&body);
		return -1;
	}
	ctaws_json_request_init(&jr, "dynamodb", TARGET_PREFIX, operation_of(operation)->name);
	jr.req.region = r->region;
	jr.req.body = body.data;
	jr.req.body_len = body.len;
	rc = ctaws_call(conn, &jr.req, resp, err);
	buf_free(&body);
	return rc;
}

int
dynamodb_call(struct ctaws_conn *conn, const char *operation, const struct dynamodb_request *r,
    struct dynamodb_answer *out, struct ctaws_error *err)
{
	struct ctaws_response resp;
	int rc;

	memset(out, 0, sizeof(*out));
	if (operation && strcmp(operation, "DescribeTable") == 0)
		return ctaws_error_set(err, "dynamodb", "DescribeTable", 0, "InvalidAction", 0,
		    "DescribeTable answers through dynamodb_describe_table");
	ctaws_response_init(&resp);
	rc = send_call(conn, operation, r, &resp, err);
	if (rc == 0)
		rc = dynamodb_answer_parse(operation, &resp.body, out, err);
	if (rc == -1 && resp.request_id[0])
		ctaws_response_keep_request_id(&resp, err);
	ctaws_response_free(&resp);
	return rc;
}

static void
copy(char *out, size_t outlen, const char *s)
{
	snprintf(out, outlen, "%s", s ? s : "");
}

/* [{"AttributeName": N, "KeyType": "HASH"|"RANGE"}, ...] */
static void
keys_parse(yajl_val schema, struct dynamodb_keys *k)
{
	memset(k, 0, sizeof(*k));
	if (schema == NULL || !YAJL_IS_ARRAY(schema))
		return;
	for (size_t i = 0; i < schema->u.array.len; i++) {
		yajl_val e = schema->u.array.values[i];
		const char *type = json_string(e, "KeyType");

		if (type && strcmp(type, "HASH") == 0)
			copy(k->hash, sizeof(k->hash), json_string(e, "AttributeName"));
		else if (type && strcmp(type, "RANGE") == 0)
			copy(k->range, sizeof(k->range), json_string(e, "AttributeName"));
	}
}

int
dynamodb_table_parse(const struct buf *body, struct dynamodb_table *out, struct ctaws_error *err)
{
	yajl_val root, t, gsi;

	memset(out, 0, sizeof(*out));
	if ((root = ctaws_json_answer(body, "dynamodb", "DescribeTable", err)) == NULL)
		return -1;
	t = json_member(root, "Table");
	if (t == NULL || !YAJL_IS_OBJECT(t) || json_string(t, "TableStatus") == NULL) {
		yajl_tree_free(root);
		return malformed(
		    err, "DescribeTable", "the answer has no Table with a TableStatus");
	}
	copy(out->status, sizeof(out->status), json_string(t, "TableStatus"));
	keys_parse(json_member(t, "KeySchema"), &out->key);
	gsi = json_member(t, "GlobalSecondaryIndexes");
	for (size_t i = 0;
	     gsi && YAJL_IS_ARRAY(gsi) && i < gsi->u.array.len && out->nindex < DYNAMODB_INDEX_MAX;
	     i++) {
		yajl_val x = gsi->u.array.values[i];

		copy(out->index[out->nindex].name, sizeof(out->index[0].name),
		    json_string(x, "IndexName"));
		copy(out->index[out->nindex].status, sizeof(out->index[0].status),
		    json_string(x, "IndexStatus"));
		keys_parse(json_member(x, "KeySchema"), &out->index[out->nindex].key);
		out->nindex++;
	}
	yajl_tree_free(root);
	return 0;
}

int
dynamodb_describe_table(struct ctaws_conn *conn, const struct dynamodb_request *r,
    struct dynamodb_table *out, struct ctaws_error *err)
{
	struct ctaws_response resp;
	int rc;

	memset(out, 0, sizeof(*out));
	ctaws_response_init(&resp);
	rc = send_call(conn, "DescribeTable", r, &resp, err);
	if (rc == 0)
		rc = dynamodb_table_parse(&resp.body, out, err);
	if (rc == -1 && resp.request_id[0])
		ctaws_response_keep_request_id(&resp, err);
	ctaws_response_free(&resp);
	return rc;
}

/* The {"S": ...} or {"N": ...} object of an item's attribute. */
static const char *
typed(yajl_val item, const char *name, const char *type)
{
	return json_string(json_member(item, name), type);
}

const char *
dynamodb_item_s(yajl_val item, const char *name)
{
	return typed(item, name, "S");
}

int
dynamodb_item_n(yajl_val item, const char *name, long long *out)
{
	const char *s = typed(item, name, "N");
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}
