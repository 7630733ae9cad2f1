/*
 * aws/sqs: ReceiveMessage, DeleteMessageBatch, ChangeMessageVisibilityBatch
 * and GetQueueAttributes over the AWS JSON 1.0 protocol.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "aws/jsonproto.h"
#include "aws/sqs.h"
#include "util/json.h"

static const char *const sqs_system_attrs[] = {
    "ApproximateReceiveCount",
    "SentTimestamp",
    "ApproximateFirstReceiveTimestamp",
};

int
sqs_queue_init(struct sqs_queue *q, const struct ctaws_client *c, const char *queue_url,
    struct ctaws_error *err)
{
	const struct ctaws_endpoint_settings *ep = c ? ctaws_client_endpoints(c) : NULL;
	struct ctaws_endpoint e;
	char path[1024];

	memset(q, 0, sizeof(*q));
	if (queue_url == NULL ||
	    ctaws_endpoint_parse_url(queue_url, &e, path, sizeof(path), NULL, 0, err) == -1)
		return ctaws_error_set(err, "sqs", "QueueUrl", 0, "InvalidAddress", 0,
		    "queue URL \"%.300s\" is not an http(s) URL with a host",
		    queue_url ? queue_url : "(none)");
	if (strcmp(path, "/") == 0)
		return ctaws_error_set(err, "sqs", "QueueUrl", 0, "InvalidAddress", 0,
		    "queue URL \"%.300s\" names no queue (its path is empty)", queue_url);
	if (ctaws_endpoint_region_from_url(queue_url, q->region, sizeof(q->region)) == -1)
		q->region[0] = '\0';
	if ((q->url = strdup(queue_url)) == NULL)
		goto nomem;
	/* The client resolves the endpoint when an override applies, and for FIPS
	 * (the queue URL names the regular endpoint); else the URL's host. */
	if (ep != NULL && (ep->url[CTAWS_SVC_SQS] != NULL || (ep->use_fips && q->region[0])))
		return 0;
	if (asprintf(&q->endpoint, "%s://%s/", e.scheme, e.authority) == -1) {
		q->endpoint = NULL;
		goto nomem;
	}
	return 0;
nomem:
	sqs_queue_free(q);
	return ctaws_error_set(err, "sqs", "QueueUrl", 0, "OutOfMemory", 0,
	    "out of memory for queue %.300s", queue_url);
}

void
sqs_queue_free(struct sqs_queue *q)
{
	free(q->url);
	free(q->endpoint);
	memset(q, 0, sizeof(*q));
}

void
sqs_request_free(struct sqs_request *r)
{
	buf_free(&r->body);
}

/* Fills everything but the operation's own members; the body is left open
 * after "QueueUrl" for them. operation must be a static string. */
static int
sqs_request_init(struct sqs_request *r, const char *operation, const struct sqs_queue *q,
    struct ctaws_error *err)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body);
	if (q == NULL || q->url == NULL)
		return ctaws_error_set(
		    err, "sqs", operation, 0, "InvalidAddress", 0, "no queue given");
	ctaws_json_request_init(&r->json, "sqs", "AmazonSQS", operation);
	r->req = r->json.req;
	r->req.region = q->region[0] ? q->region : NULL;
	r->req.url = q->endpoint;
	r->req.path = q->endpoint ? NULL : "/";
	r->req.headers = r->json.headers;
	if (buf_putc(&r->body, '{') == -1 ||
	    json_put_member_string(&r->body, "QueueUrl", q->url) == -1) {
		sqs_request_free(r);
		return ctaws_error_set(err, "sqs", operation, 0, "OutOfMemory", 0,
		    "out of memory building a request for %s", q->url);
	}
	return 0;
}

/* Closes the JSON body and points the request at it. */
static int
sqs_request_finish(struct sqs_request *r, struct ctaws_error *err)
{
	if (buf_putc(&r->body, '}') == -1) {
		sqs_request_free(r);
		return ctaws_error_set(err, "sqs", r->req.operation, 0, "OutOfMemory", 0,
		    "out of memory building a request");
	}
	r->req.body = r->body.data;
	r->req.body_len = r->body.len;
	return 0;
}

static int
sqs_receive_check(const struct sqs_receive_params *p, struct ctaws_error *err)
{
	if (p->max_messages < 0 || p->max_messages > SQS_MAX_MESSAGES)
		return ctaws_error_set(err, "sqs", "ReceiveMessage", 0, "InvalidParameterValue", 0,
		    "MaxNumberOfMessages %d is not between 1 and %d", p->max_messages,
		    SQS_MAX_MESSAGES);
	if (p->wait_time_s < -1 || p->wait_time_s > SQS_MAX_WAIT_S)
		return ctaws_error_set(err, "sqs", "ReceiveMessage", 0, "InvalidParameterValue", 0,
		    "WaitTimeSeconds %d is not between 0 and %d", p->wait_time_s, SQS_MAX_WAIT_S);
	if (p->visibility_timeout_s < -1 || p->visibility_timeout_s > SQS_MAX_VISIBILITY_S)
		return ctaws_error_set(err, "sqs", "ReceiveMessage", 0, "InvalidParameterValue", 0,
		    "VisibilityTimeout %d is not between 0 and %d", p->visibility_timeout_s,
		    SQS_MAX_VISIBILITY_S);
	return 0;
}

int
sqs_receive_request(struct sqs_request *r, const struct sqs_queue *q,
    const struct sqs_receive_params *p, struct ctaws_error *err)
{
	struct buf *b = &r->body;
	int rc = 0;

	if (sqs_receive_check(p, err) == -1) {
		memset(r, 0, sizeof(*r));
		return -1;
	}
	if (sqs_request_init(r, "ReceiveMessage", q, err) == -1)
		return -1;
	rc |= json_put_member_int(
	    b, "MaxNumberOfMessages", p->max_messages ? p->max_messages : SQS_MAX_MESSAGES);
	if (p->wait_time_s >= 0)
		rc |= json_put_member_int(b, "WaitTimeSeconds", p->wait_time_s);
	if (p->visibility_timeout_s >= 0)
		rc |= json_put_member_int(b, "VisibilityTimeout", p->visibility_timeout_s);
	rc |= json_put_member_strings(b, "MessageSystemAttributeNames", sqs_system_attrs,
	    sizeof(sqs_system_attrs) / sizeof(sqs_system_attrs[0]));
	if (rc != 0) {
		sqs_request_free(r);
		return ctaws_error_set(err, "sqs", "ReceiveMessage", 0, "OutOfMemory", 0,
		    "out of memory building a request for %s", q->url);
	}
	return sqs_request_finish(r, err);
}

void
sqs_messages_free(struct sqs_messages *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->v[i].message_id);
		free(m->v[i].receipt_handle);
		free(m->v[i].body);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* Lower-case hex MD5 of data into out[33]; -1 if the digest is unavailable. */
static int
md5_hex(const void *data, size_t len, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (EVP_Digest(data, len, md, &mdlen, EVP_md5(), NULL) != 1 || mdlen != 16)
		return -1;
	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = '\0';
	return 0;
}

/* A decimal attribute value; 0 when absent or not a number (they only inform). */
static long long
attr_number(yajl_val attrs, const char *name)
{
	const char *s = json_string(attrs, name);
	char *end;
	long long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' ? v : 0;
}

static int
malformed(struct ctaws_error *err, const char *operation, const char *what, size_t i)
{
	return ctaws_error_set(
	    err, "sqs", operation, 0, CTAWS_ERR_MALFORMED, 0, "response entry %zu: %s", i, what);
}

static int
sqs_message_parse(yajl_val v, size_t i, struct sqs_message *m, struct ctaws_error *err)
{
	const char *id, *rh, *body, *md5;
	yajl_val attrs;
	char calc[33];

	if (!YAJL_IS_OBJECT(v))
		return malformed(err, "ReceiveMessage", "message is not an object", i);
	id = json_string(v, "MessageId");
	rh = json_string(v, "ReceiptHandle");
	body = json_string(v, "Body");
	md5 = json_string(v, "MD5OfBody");
	if (id == NULL || rh == NULL || body == NULL || md5 == NULL)
		return malformed(err, "ReceiveMessage",
		    "message lacks a MessageId, ReceiptHandle, Body or MD5OfBody string", i);
	m->body_len = strlen(body);
	if (md5_hex(body, m->body_len, calc) == -1)
		return ctaws_error_set(err, "sqs", "ReceiveMessage", 0, "InternalError", 0,
		    "MD5 is not available to check message %s", id);
	if (strlen(md5) != 32 || strcasecmp(md5, calc) != 0)
		return ctaws_error_set(err, "sqs", "ReceiveMessage", 0, SQS_ERR_MD5_MISMATCH, 1,
		    "message %s: body of %zu bytes has MD5 %s but SQS sent MD5OfBody %.40s", id,
		    m->body_len, calc, md5);
	memcpy(m->md5_of_body, calc, sizeof(calc));
	m->message_id = strdup(id);
	m->receipt_handle = strdup(rh);
	m->body = strdup(body);
	if (m->message_id == NULL || m->receipt_handle == NULL || m->body == NULL)
		return ctaws_error_set(err, "sqs", "ReceiveMessage", 0, "OutOfMemory", 0,
		    "out of memory copying message %s", id);
	attrs = json_member(v, "Attributes");
	m->receive_count = (long)attr_number(attrs, "ApproximateReceiveCount");
	m->sent_timestamp_ms = attr_number(attrs, "SentTimestamp");
	m->first_receive_ms = attr_number(attrs, "ApproximateFirstReceiveTimestamp");
	return 0;
}

int
sqs_receive_parse(const struct buf *body, struct sqs_messages *out, struct ctaws_error *err)
{
	yajl_val root, msgs;
	size_t i, n;
	int rc = 0;

	out->v = NULL;
	out->n = 0;
	if ((root = ctaws_json_answer(body, "sqs", "ReceiveMessage", err)) == NULL)
		return -1;
	msgs = json_member(root, "Messages");
	if (msgs != NULL && YAJL_IS_NULL(msgs))
		msgs = NULL;
	if (msgs != NULL && !YAJL_IS_ARRAY(msgs)) {
		yajl_tree_free(root);
		return malformed(err, "ReceiveMessage", "Messages is not an array", 0);
	}
	n = msgs ? msgs->u.array.len : 0;
	if (n > 0 && (out->v = calloc(n, sizeof(*out->v))) == NULL) {
		yajl_tree_free(root);
		return ctaws_error_set(err, "sqs", "ReceiveMessage", 0, "OutOfMemory", 0,
		    "out of memory for %zu messages", n);
	}
	for (i = 0; i < n && rc == 0; i++) {
		out->n = i + 1;
		rc = sqs_message_parse(msgs->u.array.values[i], i, &out->v[i], err);
	}
	yajl_tree_free(root);
	if (rc == -1)
		sqs_messages_free(out);
	return rc;
}

int
sqs_receive(struct ctaws_conn *conn, const struct sqs_queue *q, const struct sqs_receive_params *p,
    struct sqs_messages *out, struct ctaws_error *err)
{
	struct sqs_request r;
	struct ctaws_response resp;
	int rc;

	out->v = NULL;
	out->n = 0;
	if (sqs_receive_request(&r, q, p, err) == -1)
		return -1;
	ctaws_response_init(&resp);
	rc = ctaws_call(conn, &r.req, &resp, err);
	if (rc == 0)
		rc = sqs_receive_parse(&resp.body, out, err);
	if (rc == -1)
		ctaws_response_keep_request_id(&resp, err);
	ctaws_response_free(&resp);
	sqs_request_free(&r);
	return rc;
}

static const char *
batch_operation(const char *operation)
{
	if (operation != NULL && strcmp(operation, "DeleteMessageBatch") == 0)
		return "DeleteMessageBatch";
	if (operation != NULL && strcmp(operation, "ChangeMessageVisibilityBatch") == 0)
		return "ChangeMessageVisibilityBatch";
	return NULL;
}

int
sqs_batch_validate(
    const char *operation, const struct sqs_batch_entry *e, size_t n, struct ctaws_error *err)
{
	const char *op = batch_operation(operation);
	size_t i, j;

	if (op == NULL)
		return ctaws_error_set(err, "sqs", "Batch", 0, "InvalidAction", 0,
		    "\"%s\" is not an SQS batch operation", operation ? operation : "(none)");
	if (n == 0)
		return ctaws_error_set(
		    err, "sqs", op, 0, "EmptyBatchRequest", 0, "the batch holds no entries");
	if (n > SQS_BATCH_MAX)
		return ctaws_error_set(err, "sqs", op, 0, "TooManyEntriesInBatchRequest", 0,
		    "the batch holds %zu entries, at most %d are allowed", n, SQS_BATCH_MAX);
	for (i = 0; i < n; i++) {
		if (e[i].id == NULL || !ctaws_batch_id_ok(e[i].id, SQS_BATCH_ID_MAX))
			return ctaws_error_set(err, "sqs", op, 0, "InvalidBatchEntryId", 0,
			    "entry %zu: id \"%.100s\" is not 1-%d letters, digits, '-' or '_'", i,
			    e[i].id ? e[i].id : "", SQS_BATCH_ID_MAX);
		if (e[i].receipt_handle == NULL || e[i].receipt_handle[0] == '\0')
			return ctaws_error_set(err, "sqs", op, 0, "MissingParameter", 0,
			    "entry %s has no receipt handle", e[i].id);
		if (op[0] == 'C' && (e[i].visibility_timeout_s < 0 ||
		                        e[i].visibility_timeout_s > SQS_MAX_VISIBILITY_S))
			return ctaws_error_set(err, "sqs", op, 0, "InvalidParameterValue", 0,
			    "entry %s: VisibilityTimeout %d is not between 0 and %d", e[i].id,
			    e[i].visibility_timeout_s, SQS_MAX_VISIBILITY_S);
		for (j = 0; j < i; j++)
			if (strcmp(e[i].id, e[j].id) == 0)
				return ctaws_error_set(err, "sqs", op, 0,
				    "BatchEntryIdsNotDistinct", 0,
				    "entries %zu and %zu share the id \"%s\"", j, i, e[i].id);
	}
	return 0;
}

static int
batch_entries_put(struct buf *b, const char *op, const struct sqs_batch_entry *e, size_t n)
{
	size_t i;

	if (json_put_key(b, "Entries") == -1 || buf_putc(b, '[') == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((i > 0 && buf_putc(b, ',') == -1) || buf_putc(b, '{') == -1 ||
		    json_put_member_string(b, "Id", e[i].id) == -1 ||
		    json_put_member_string(b, "ReceiptHandle", e[i].receipt_handle) == -1)
			return -1;
		if (op[0] == 'C' &&
		    json_put_member_int(b, "VisibilityTimeout", e[i].visibility_timeout_s) == -1)
			return -1;
		if (buf_putc(b, '}') == -1)
			return -1;
	}
	return buf_putc(b, ']');
}

int
sqs_batch_request(struct sqs_request *r, const struct sqs_queue *q, const char *operation,
    const struct sqs_batch_entry *e, size_t n, struct ctaws_error *err)
{
	const char *op = batch_operation(operation);

	memset(r, 0, sizeof(*r));
	if (sqs_batch_validate(operation, e, n, err) == -1)
		return -1;
	if (sqs_request_init(r, op, q, err) == -1)
		return -1;
	if (batch_entries_put(&r->body, op, e, n) == -1) {
		sqs_request_free(r);
		return ctaws_error_set(err, "sqs", op, 0, "OutOfMemory", 0,
		    "out of memory building a request for %s", q->url);
	}
	return sqs_request_finish(r, err);
}

static void
batch_result_init(struct sqs_batch_result *res, size_t n)
{
	size_t i;

	memset(res, 0, sizeof(*res));
	res->n = n;
	for (i = 0; i < n; i++) {
		res->entry[i].status = CTAWS_ENTRY_UNREPORTED;
		res->entry[i].retryable = 1;
		snprintf(res->entry[i].code, sizeof(res->entry[i].code), "EntryNotReported");
		snprintf(res->entry[i].message, sizeof(res->entry[i].message),
		    "SQS reported no outcome for this entry");
	}
}

/* The request entry an answer's Id names; -1 if none. */
static long
batch_index(yajl_val item, const struct sqs_batch_entry *e, size_t n)
{
	const char *id = json_string(item, "Id");
	size_t i;

	for (i = 0; id != NULL && i < n; i++)
		if (strcmp(e[i].id, id) == 0)
			return (long)i;
	return -1;
}

/* A list member of root that may be absent or null, else must be an array. */
static int
batch_list(yajl_val root, const char *key, yajl_val *out)
{
	yajl_val v = json_member(root, key);

	*out = NULL;
	if (v == NULL || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return -1;
	*out = v;
	return 0;
}

static void
batch_failed(struct sqs_entry_result *r, yajl_val item)
{
	const char *code = json_string(item, "Code");
	const char *msg = json_string(item, "Message");

	r->status = CTAWS_ENTRY_FAILED;
	r->sender_fault = json_bool(item, "SenderFault", 0);
	snprintf(r->code, sizeof(r->code), "%s", code ? code : "UnknownError");
	snprintf(r->message, sizeof(r->message), "%s", msg ? msg : "");
	r->retryable = ctaws_entry_retryable(r->sender_fault, r->code);
}

int
sqs_batch_parse(const char *operation, const struct buf *body, const struct sqs_batch_entry *e,
    size_t n, struct sqs_batch_result *res, struct ctaws_error *err)
{
	const char *op = batch_operation(operation);
	yajl_val root, ok, failed;
	size_t i;
	long k;

	batch_result_init(res, n > SQS_BATCH_MAX ? SQS_BATCH_MAX : n);
	n = res->n;
	if (op == NULL)
		return ctaws_error_set(err, "sqs", "Batch", 0, "InvalidAction", 0,
		    "\"%s\" is not an SQS batch operation", operation ? operation : "(none)");
	if ((root = ctaws_json_answer(body, "sqs", op, err)) == NULL)
		return -1;
	if (batch_list(root, "Successful", &ok) == -1 ||
	    batch_list(root, "Failed", &failed) == -1) {
		yajl_tree_free(root);
		return malformed(err, op, "Successful or Failed is not an array", 0);
	}
	for (i = 0; ok != NULL && i < ok->u.array.len; i++)
		if ((k = batch_index(ok->u.array.values[i], e, n)) >= 0)
			memset(&res->entry[k], 0, sizeof(res->entry[k]));
	for (i = 0; failed != NULL && i < failed->u.array.len; i++)
		if ((k = batch_index(failed->u.array.values[i], e, n)) >= 0)
			batch_failed(&res->entry[k], failed->u.array.values[i]);
	yajl_tree_free(root);
	for (i = 0; i < n; i++)
		if (res->entry[i].status != CTAWS_ENTRY_OK)
			res->nfailed++;
	return 0;
}

static int
sqs_batch_call(struct ctaws_conn *conn, const char *operation, const struct sqs_queue *q,
    const struct sqs_batch_entry *e, size_t n, struct sqs_batch_result *res,
    struct ctaws_error *err)
{
	struct sqs_request r;
	struct ctaws_response resp;
	int rc;

	batch_result_init(res, n > SQS_BATCH_MAX ? SQS_BATCH_MAX : n);
	if (sqs_batch_request(&r, q, operation, e, n, err) == -1)
		return -1;
	ctaws_response_init(&resp);
	rc = ctaws_call(conn, &r.req, &resp, err);
	if (rc == 0)
		rc = sqs_batch_parse(operation, &resp.body, e, n, res, err);
	if (rc == -1)
		ctaws_response_keep_request_id(&resp, err);
	ctaws_response_free(&resp);
	sqs_request_free(&r);
	return rc;
}

int
sqs_delete_batch(struct ctaws_conn *conn, const struct sqs_queue *q,
    const struct sqs_batch_entry *e, size_t n, struct sqs_batch_result *res,
    struct ctaws_error *err)
{
	return sqs_batch_call(conn, "DeleteMessageBatch", q, e, n, res, err);
}

int
sqs_change_visibility_batch(struct ctaws_conn *conn, const struct sqs_queue *q,
    const struct sqs_batch_entry *e, size_t n, struct sqs_batch_result *res,
    struct ctaws_error *err)
{
	return sqs_batch_call(conn, "ChangeMessageVisibilityBatch", q, e, n, res, err);
}

int
sqs_attributes_request(struct sqs_request *r, const struct sqs_queue *q, const char *const *names,
    size_t n, struct ctaws_error *err)
{
	static const char *const all[] = {"All"};

	if (sqs_request_init(r, "GetQueueAttributes", q, err) == -1)
		return -1;
	if (names == NULL || n == 0) {
		names = all;
		n = 1;
	}
	if (json_put_member_strings(&r->body, "AttributeNames", names, n) == -1) {
		sqs_request_free(r);
		return ctaws_error_set(err, "sqs", "GetQueueAttributes", 0, "OutOfMemory", 0,
		    "out of memory building a request for %s", q->url);
	}
	return sqs_request_finish(r, err);
}

static int
attrs_copy(yajl_val obj, struct ctaws_attrs *out, struct ctaws_error *err)
{
	size_t i, n = obj->u.object.len;

	for (i = 0; i < n; i++) {
		yajl_val v = obj->u.object.values[i];

		if (!YAJL_IS_STRING(v))
			return malformed(err, "GetQueueAttributes", "attribute is not a string", i);
		if (ctaws_attrs_add(out, obj->u.object.keys[i], v->u.string) == -1)
			return ctaws_error_set(err, "sqs", "GetQueueAttributes", 0, "OutOfMemory",
			    0, "out of memory copying %zu queue attributes", n);
	}
	return 0;
}

int
sqs_attributes_parse(const struct buf *body, struct ctaws_attrs *out, struct ctaws_error *err)
{
	yajl_val root, attrs;
	int rc = 0;

	out->v = NULL;
	out->n = 0;
	if ((root = ctaws_json_answer(body, "sqs", "GetQueueAttributes", err)) == NULL)
		return -1;
	attrs = json_member(root, "Attributes");
	if (attrs != NULL && !YAJL_IS_NULL(attrs)) {
		if (!YAJL_IS_OBJECT(attrs))
			rc = malformed(err, "GetQueueAttributes", "Attributes is not an object", 0);
		else
			rc = attrs_copy(attrs, out, err);
	}
	yajl_tree_free(root);
	if (rc == -1)
		ctaws_attrs_free(out);
	return rc;
}

int
sqs_get_queue_attributes(struct ctaws_conn *conn, const struct sqs_queue *q,
    const char *const *names, size_t n, struct ctaws_attrs *out, struct ctaws_error *err)
{
	struct sqs_request r;
	struct ctaws_response resp;
	int rc;

	out->v = NULL;
	out->n = 0;
	if (sqs_attributes_request(&r, q, names, n, err) == -1)
		return -1;
	ctaws_response_init(&resp);
	rc = ctaws_call(conn, &r.req, &resp, err);
	if (rc == 0)
		rc = sqs_attributes_parse(&resp.body, out, err);
	if (rc == -1)
		ctaws_response_keep_request_id(&resp, err);
	ctaws_response_free(&resp);
	sqs_request_free(&r);
	return rc;
}
