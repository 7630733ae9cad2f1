/*
 * aws/sns: Publish, PublishBatch and GetTopicAttributes over the query
 * protocol, answers parsed with expat.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "aws/sns.h"
#include "aws/xml.h"

#define SNS_CONTENT_TYPE "application/x-www-form-urlencoded; charset=utf-8"

/* ---- validation ---------------------------------------------------------- */

static int invalid(struct ctaws_error *err, const char *op, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
invalid(struct ctaws_error *err, const char *op, const char *code, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ctaws_error_set(err, "sns", op, 0, code, 0, "%s", msg);
}

size_t
sns_message_size(const struct sns_message *m)
{
	size_t i, n = m->message ? strlen(m->message) : 0;

	for (i = 0; i < m->nattrs; i++) {
		n += m->attrs[i].name ? strlen(m->attrs[i].name) : 0;
		n += m->attrs[i].type ? strlen(m->attrs[i].type) : 0;
		n += m->attrs[i].value ? strlen(m->attrs[i].value) : 0;
	}
	return n;
}

/* Letters, digits and ASCII punctuation, as SNS allows in FIFO ids. */
static int
fifo_id_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isgraph((unsigned char)s[i]))
			return 0;
	return i > 0 && i <= SNS_DEDUP_ID_MAX;
}

/* Printable ASCII, no line breaks, starting with a letter, digit or punctuation. */
static int
subject_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isprint((unsigned char)s[i]))
			return 0;
	return i > 0 && i <= SNS_SUBJECT_MAX && s[0] != ' ';
}

static int
attr_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > SNS_ATTR_NAME_MAX || s[0] == '.' || s[n - 1] == '.')
		return 0;
	if (strncasecmp(s, "AWS.", 4) == 0 || strncasecmp(s, "Amazon.", 7) == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return 0;
		if (s[i] == '.' && s[i + 1] == '.')
			return 0;
	}
	return 1;
}

/* "String", "Number", "Binary", "String.Array", or one of them with a
 * ".custom" label. */
static int
attr_type_ok(const char *t)
{
	static const char *const base[] = {"String", "Number", "Binary"};
	size_t i, n;

	if (strlen(t) > SNS_ATTR_NAME_MAX)
		return 0;
	for (i = 0; i < 3; i++) {
		n = strlen(base[i]);
		if (strncmp(t, base[i], n) == 0 && (t[n] == '\0' || (t[n] == '.' && t[n + 1])))
			return 1;
	}
	return 0;
}

static int
attrs_validate(
    const char *op, const struct sns_message *m, const char *who, struct ctaws_error *err)
{
	size_t i, j;

	if (m->nattrs > 0 && m->attrs == NULL)
		return invalid(err, op, "InvalidParameter", "%s: attributes missing", who);
	for (i = 0; i < m->nattrs; i++) {
		const struct sns_attr *a = &m->attrs[i];

		if (a->name == NULL || !attr_name_ok(a->name))
			return invalid(err, op, "InvalidParameterValue",
			    "%s: message attribute name \"%.256s\" is invalid", who,
			    a->name ? a->name : "");
		if (a->type == NULL || !attr_type_ok(a->type))
			return invalid(err, op, "InvalidParameterValue",
			    "%s: message attribute %s has unknown type \"%.64s\"", who, a->name,
			    a->type ? a->type : "");
		if (a->value == NULL || a->value[0] == '\0')
			return invalid(err, op, "InvalidParameterValue",
			    "%s: message attribute %s has an empty value", who, a->name);
		for (j = 0; j < i; j++)
			if (strcmp(m->attrs[j].name, a->name) == 0)
				return invalid(err, op, "InvalidParameterValue",
				    "%s: message attribute %s is given twice", who, a->name);
	}
	return 0;
}

/* MessageStructure=json wants an object with a string "default" member. */
static int
structure_ok(const char *message)
{
	char why[8];
	yajl_val v;
	int ok;

	if ((v = json_parse(message, strlen(message), CTAWS_JSON_MAX_DEPTH, why, sizeof(why))) ==
	    NULL)
		return 0;
	ok = json_string(v, "default") != NULL;
	yajl_tree_free(v);
	return ok;
}

int
sns_message_validate(
    const char *op, const struct sns_message *m, int batch, struct ctaws_error *err)
{
	char who[128];
	size_t size;

	if (batch && (m->id == NULL || !ctaws_batch_id_ok(m->id, SNS_BATCH_ID_MAX)))
		return invalid(err, op, "InvalidBatchEntryId",
		    "entry id \"%.100s\" is not 1-%d letters, digits, '-' or '_'",
		    m->id ? m->id : "", SNS_BATCH_ID_MAX);
	snprintf(who, sizeof(who), batch ? "entry %s" : "message", batch ? m->id : "");
	if (m->message == NULL || m->message[0] == '\0')
		return invalid(err, op, "InvalidParameter", "%s: empty message", who);
	if ((size = sns_message_size(m)) > SNS_MESSAGE_MAX_BYTES)
		return invalid(err, op, "InvalidParameter",
		    "%s: message and attributes take %zu bytes, more than the %d allowed", who,
		    size, SNS_MESSAGE_MAX_BYTES);
	if (m->subject != NULL && !subject_ok(m->subject))
		return invalid(err, op, "InvalidParameter",
		    "%s: subject must be 1-%d printable ASCII characters without line breaks", who,
		    SNS_SUBJECT_MAX);
	if (m->structure_json && !structure_ok(m->message))
		return invalid(err, op, "InvalidParameter",
		    "%s: MessageStructure=json needs a JSON object with a \"default\" string", who);
	if (m->group_id != NULL && !fifo_id_ok(m->group_id))
		return invalid(err, op, "InvalidParameter",
		    "%s: MessageGroupId must be 1-%d printable ASCII characters", who,
		    SNS_DEDUP_ID_MAX);
	if (m->dedup_id != NULL && !fifo_id_ok(m->dedup_id))
		return invalid(err, op, "InvalidParameter",
		    "%s: MessageDeduplicationId must be 1-%d printable ASCII characters", who,
		    SNS_DEDUP_ID_MAX);
	return attrs_validate(op, m, who, err);
}

int
sns_batch_validate(const struct sns_message *m, size_t n, struct ctaws_error *err)
{
	const char *op = "PublishBatch";
	size_t i, j, total = 0;

	if (n == 0)
		return invalid(err, op, "EmptyBatchRequest", "the batch holds no entries");
	if (n > SNS_BATCH_MAX)
		return invalid(err, op, "TooManyEntriesInBatchRequest",
		    "the batch holds %zu entries, at most %d are allowed", n, SNS_BATCH_MAX);
	for (i = 0; i < n; i++) {
		if (sns_message_validate(op, &m[i], 1, err) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(m[i].id, m[j].id) == 0)
				return invalid(err, op, "BatchEntryIdsNotDistinct",
				    "entries %zu and %zu share the id \"%s\"", j, i, m[i].id);
		total += sns_message_size(&m[i]);
	}
	if (total > SNS_BATCH_MAX_BYTES)
		return invalid(err, op, "BatchRequestTooLong",
		    "the batch's messages take %zu bytes, more than the %d allowed", total,
		    SNS_BATCH_MAX_BYTES);
	return 0;
}

/* ---- request bodies ------------------------------------------------------ */

/* Appends &<prefix><name>=<value>, form-encoded as AWS wants; nothing when
 * value is NULL. */
static int
form_put(struct buf *b, const char *prefix, const char *name, const char *value)
{
	char key[192];

	if (value == NULL)
		return 0;
	snprintf(key, sizeof(key), "%.120s%.64s", prefix, name);
	return ctaws_form_add(b, key, value);
}

static int
form_attrs(struct buf *b, const char *prefix, const struct sns_message *m)
{
	char p[160];
	size_t i;
	int rc = 0;

	for (i = 0; i < m->nattrs && rc == 0; i++) {
		const struct sns_attr *a = &m->attrs[i];
		int binary = strncmp(a->type, "Binary", 6) == 0;

		snprintf(p, sizeof(p), "%sMessageAttributes.entry.%zu.", prefix, i + 1);
		rc |= form_put(b, p, "Name", a->name);
		rc |= form_put(b, p, "Value.DataType", a->type);
		rc |= form_put(b, p, binary ? "Value.BinaryValue" : "Value.StringValue", a->value);
	}
	return rc;
}

/* The members of one message, each name after prefix ("" for Publish). */
static int
form_message(struct buf *b, const char *prefix, const struct sns_message *m)
{
	int rc = 0;

	if (*prefix)
		rc |= form_put(b, prefix, "Id", m->id);
	rc |= form_put(b, prefix, "Message", m->message);
	rc |= form_put(b, prefix, "Subject", m->subject);
	if (m->structure_json)
		rc |= form_put(b, prefix, "MessageStructure", "json");
	rc |= form_put(b, prefix, "MessageGroupId", m->group_id);
	rc |= form_put(b, prefix, "MessageDeduplicationId", m->dedup_id);
	rc |= form_attrs(b, prefix, m);
	return rc;
}

static int
form_head(struct buf *b, const char *action, const char *topic_arn)
{
	buf_reset(b);
	if (form_put(b, "", "Action", action) == -1 ||
	    form_put(b, "", "Version", SNS_API_VERSION) == -1)
		return -1;
	return form_put(b, "", "TopicArn", topic_arn);
}

int
sns_publish_body(struct buf *b, const char *topic_arn, const struct sns_message *m)
{
	if (form_head(b, "Publish", topic_arn) == -1)
		return -1;
	return form_message(b, "", m);
}

int
sns_publish_batch_body(struct buf *b, const char *topic_arn, const struct sns_message *m, size_t n)
{
	char prefix[64];
	size_t i;

	if (form_head(b, "PublishBatch", topic_arn) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(prefix, sizeof(prefix), "PublishBatchRequestEntries.member.%zu.", i + 1);
		if (form_message(b, prefix, &m[i]) == -1)
			return -1;
	}
	return 0;
}

int
sns_topic_attributes_body(struct buf *b, const char *topic_arn)
{
	return form_head(b, "GetTopicAttributes", topic_arn);
}

/* ---- XML answers --------------------------------------------------------- */

struct walk {
	void (*end)(void *arg, const char *path, const char *text);
	void *arg;
};

static int
walk_cb(void *arg, enum ctaws_xml_event ev, const char *path, const char *text, size_t len)
{
	struct walk *w = arg;

	(void)len;
	if (ev == CTAWS_XML_END)
		w->end(w->arg, path, text);
	return 0;
}

/* Calls end() at each element's end with its path
 * ("PublishResponse/PublishResult/MessageId") and its own text. */
static int
xml_walk(const struct buf *body, const char *op, void (*end)(void *, const char *, const char *),
    void *arg, struct ctaws_error *err)
{
	struct walk w = {end, arg};
	struct ctaws_xml *x;
	char msg[sizeof(err->message)];
	int rc;

	if ((x = ctaws_xml_new(walk_cb, &w)) == NULL)
		return ctaws_error_set(
		    err, "sns", op, 0, "OutOfMemory", 0, "out of memory for XML");
	rc = ctaws_xml_feed(x, body->data ? body->data : "", body->len, 1, err);
	ctaws_xml_free(x);
	if (rc == -1) {
		memcpy(msg, err->message, sizeof(msg));
		ctaws_error_set(err, "sns", op, 0, CTAWS_ERR_MALFORMED, 0,
		    "response body is not the XML expected: %s", msg);
	}
	return rc;
}

#define PUBLISH_RESULT "PublishResponse/PublishResult/"

struct publish_state {
	struct sns_publish_result *out;
	int root_seen;
};

static void
publish_end(void *arg, const char *path, const char *text)
{
	struct publish_state *st = arg;

	if (strcmp(path, "PublishResponse") == 0)
		st->root_seen = 1;
	else if (strcmp(path, PUBLISH_RESULT "MessageId") == 0)
		snprintf(st->out->message_id, sizeof(st->out->message_id), "%s", text);
	else if (strcmp(path, PUBLISH_RESULT "SequenceNumber") == 0)
		snprintf(st->out->sequence_number, sizeof(st->out->sequence_number), "%s", text);
}

int
sns_publish_parse(const struct buf *body, struct sns_publish_result *out, struct ctaws_error *err)
{
	struct publish_state st = {out, 0};

	memset(out, 0, sizeof(*out));
	if (xml_walk(body, "Publish", publish_end, &st, err) == -1)
		return -1;
	if (!st.root_seen || out->message_id[0] == '\0')
		return ctaws_error_set(err, "sns", "Publish", 0, CTAWS_ERR_MALFORMED, 0,
		    "response is not a PublishResponse with a MessageId");
	return 0;
}

#define BATCH_RESULT "PublishBatchResponse/PublishBatchResult/"

struct batch_state {
	const struct sns_message *m;
	size_t n;
	struct sns_batch_result *res;
	struct sns_entry_result cur; /* the member being read */
	char id[SNS_BATCH_ID_MAX + 2];
	int root_seen;
};

static void
batch_commit(struct batch_state *st, int ok)
{
	struct sns_entry_result *r;
	size_t i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->m[i].id, st->id) == 0)
			break;
	if (i < st->n) {
		r = &st->res->entry[i];
		*r = st->cur;
		r->status = ok ? CTAWS_ENTRY_OK : CTAWS_ENTRY_FAILED;
		if (!ok && r->code[0] == '\0')
			snprintf(r->code, sizeof(r->code), "UnknownError");
		r->retryable = !ok && ctaws_entry_retryable(r->sender_fault, r->code);
	}
	memset(&st->cur, 0, sizeof(st->cur));
	st->id[0] = '\0';
}

#define COPY(field, text) snprintf(field, sizeof(field), "%s", text)

static void
batch_end(void *arg, const char *path, const char *text)
{
	struct batch_state *st = arg;
	const char *leaf;

	if (strcmp(path, "PublishBatchResponse") == 0) {
		st->root_seen = 1;
		return;
	}
	if (strncmp(path, BATCH_RESULT, sizeof(BATCH_RESULT) - 1) != 0)
		return;
	path += sizeof(BATCH_RESULT) - 1;
	if (strcmp(path, "Successful/member") == 0 || strcmp(path, "Failed/member") == 0) {
		batch_commit(st, path[0] == 'S');
		return;
	}
	if (strncmp(path, "Successful/member/", 18) == 0)
		leaf = path + 18;
	else if (strncmp(path, "Failed/member/", 14) == 0)
		leaf = path + 14;
	else
		return;
	if (strcmp(leaf, "Id") == 0)
		COPY(st->id, text);
	else if (strcmp(leaf, "MessageId") == 0)
		COPY(st->cur.message_id, text);
	else if (strcmp(leaf, "SequenceNumber") == 0)
		COPY(st->cur.sequence_number, text);
	else if (strcmp(leaf, "Code") == 0)
		COPY(st->cur.code, text);
	else if (strcmp(leaf, "Message") == 0)
		COPY(st->cur.message, text);
	else if (strcmp(leaf, "SenderFault") == 0)
		st->cur.sender_fault = strcmp(text, "true") == 0;
}

static void
batch_result_init(struct sns_batch_result *res, size_t n)
{
	size_t i;

	memset(res, 0, sizeof(*res));
	res->n = n > SNS_BATCH_MAX ? SNS_BATCH_MAX : n;
	for (i = 0; i < res->n; i++) {
		res->entry[i].status = CTAWS_ENTRY_UNREPORTED;
		res->entry[i].retryable = 1;
		COPY(res->entry[i].code, "EntryNotReported");
		COPY(res->entry[i].message, "SNS reported no outcome for this entry");
	}
}

int
sns_publish_batch_parse(const struct buf *body, const struct sns_message *m, size_t n,
    struct sns_batch_result *res, struct ctaws_error *err)
{
	struct batch_state st;
	size_t i;

	batch_result_init(res, n);
	memset(&st, 0, sizeof(st));
	st.m = m;
	st.n = res->n;
	st.res = res;
	if (xml_walk(body, "PublishBatch", batch_end, &st, err) == -1)
		return -1;
	if (!st.root_seen)
		return ctaws_error_set(err, "sns", "PublishBatch", 0, CTAWS_ERR_MALFORMED, 0,
		    "response is not a PublishBatchResponse");
	for (i = 0; i < res->n; i++)
		if (res->entry[i].status != CTAWS_ENTRY_OK)
			res->nfailed++;
	return 0;
}

#define ATTRS_ENTRY "GetTopicAttributesResponse/GetTopicAttributesResult/Attributes/entry"

struct attrs_state {
	struct ctaws_attrs *out;
	char *key, *value; /* owned, of the entry being read */
	int nomem, root_seen;
};

static void
attrs_commit(struct attrs_state *st)
{
	if (st->key != NULL && st->value != NULL && !st->nomem &&
	    ctaws_attrs_add(st->out, st->key, st->value) == -1)
		st->nomem = 1;
	free(st->key);
	free(st->value);
	st->key = st->value = NULL;
}

static void
attrs_end(void *arg, const char *path, const char *text)
{
	struct attrs_state *st = arg;
	char **slot = NULL;

	if (strcmp(path, "GetTopicAttributesResponse") == 0)
		st->root_seen = 1;
	else if (strcmp(path, ATTRS_ENTRY) == 0)
		attrs_commit(st);
	else if (strcmp(path, ATTRS_ENTRY "/key") == 0)
		slot = &st->key;
	else if (strcmp(path, ATTRS_ENTRY "/value") == 0)
		slot = &st->value;
	if (slot != NULL) {
		free(*slot);
		if ((*slot = strdup(text)) == NULL)
			st->nomem = 1;
	}
}

int
sns_topic_attributes_parse(const struct buf *body, struct ctaws_attrs *out, struct ctaws_error *err)
{
	struct attrs_state st;
	int rc;

	memset(&st, 0, sizeof(st));
	out->v = NULL;
	out->n = 0;
	st.out = out;
	rc = xml_walk(body, "GetTopicAttributes", attrs_end, &st, err);
	free(st.key);
	free(st.value);
	if (rc == 0 && st.nomem)
		rc = ctaws_error_set(err, "sns", "GetTopicAttributes", 0, "OutOfMemory", 0,
		    "out of memory copying topic attributes");
	else if (rc == 0 && !st.root_seen)
		rc = ctaws_error_set(err, "sns", "GetTopicAttributes", 0, CTAWS_ERR_MALFORMED, 0,
		    "response is not a GetTopicAttributesResponse");
	if (rc == -1)
		ctaws_attrs_free(out);
	return rc;
}

/* ---- calls --------------------------------------------------------------- */

int
sns_topic_region(const char *topic_arn, char *out, size_t outlen)
{
	const char *f[6];
	size_t i, n;

	/* arn:PARTITION:sns:REGION:ACCOUNT:NAME */
	if (topic_arn == NULL)
		return -1;
	f[0] = topic_arn;
	for (i = 1; i < 6; i++)
		if ((f[i] = strchr(f[i - 1], ':')) == NULL)
			return -1;
		else
			f[i]++;
	if (strncmp(f[0], "arn:", 4) != 0 || strncmp(f[2], "sns:", 4) != 0)
		return -1;
	n = (size_t)(f[4] - f[3]) - 1;
	if (n == 0 || n + 1 > outlen || f[5][0] == '\0')
		return -1;
	memcpy(out, f[3], n);
	out[n] = '\0';
	return 0;
}

/* Sends form (a finished body) for topic_arn; 0 with resp's body to parse. */
static int
sns_send(struct ctaws_conn *conn, const char *op, const char *topic_arn, const struct buf *form,
    struct ctaws_response *resp, struct ctaws_error *err)
{
	static const struct ctaws_kv headers[] = {{"Content-Type", SNS_CONTENT_TYPE}};
	char region[64];
	struct ctaws_request req = {
	    .service = "sns",
	    .operation = op,
	    .method = "POST",
	    .path = "/",
	    .headers = headers,
	    .nheaders = 1,
	    .body = form->data,
	    .body_len = form->len,
	};

	if (sns_topic_region(topic_arn, region, sizeof(region)) == -1)
		return ctaws_error_set(err, "sns", op, 0, "InvalidParameter", 0,
		    "\"%.200s\" is not an SNS topic ARN", topic_arn ? topic_arn : "(none)");
	req.region = region;
	return ctaws_call(conn, &req, resp, err);
}

static int
nomem(struct ctaws_error *err, const char *op, const char *topic_arn)
{
	return ctaws_error_set(err, "sns", op, 0, "OutOfMemory", 0,
	    "out of memory building a request for %.200s", topic_arn);
}

int
sns_publish(struct ctaws_conn *conn, const char *topic_arn, const struct sns_message *m,
    struct sns_publish_result *out, struct ctaws_error *err)
{
	struct ctaws_response resp;
	struct buf form = BUF_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sns_message_validate("Publish", m, 0, err) == -1)
		return -1;
	if (sns_publish_body(&form, topic_arn, m) == -1) {
		buf_free(&form);
		return nomem(err, "Publish", topic_arn);
	}
	ctaws_response_init(&resp);
	rc = sns_send(conn, "Publish", topic_arn, &form, &resp, err);
	if (rc == 0 && (rc = sns_publish_parse(&resp.body, out, err)) == -1)
		ctaws_response_keep_request_id(&resp, err);
	ctaws_response_free(&resp);
	buf_free(&form);
	return rc;
}

int
sns_publish_batch(struct ctaws_conn *conn, const char *topic_arn, const struct sns_message *m,
    size_t n, struct sns_batch_result *res, struct ctaws_error *err)
{
	struct ctaws_response resp;
	struct buf form = BUF_INIT;
	int rc;

	batch_result_init(res, n);
	if (sns_batch_validate(m, n, err) == -1)
		return -1;
	if (sns_publish_batch_body(&form, topic_arn, m, n) == -1) {
		buf_free(&form);
		return nomem(err, "PublishBatch", topic_arn);
	}
	ctaws_response_init(&resp);
	rc = sns_send(conn, "PublishBatch", topic_arn, &form, &resp, err);
	if (rc == 0 && (rc = sns_publish_batch_parse(&resp.body, m, n, res, err)) == -1)
		ctaws_response_keep_request_id(&resp, err);
	ctaws_response_free(&resp);
	buf_free(&form);
	return rc;
}

int
sns_get_topic_attributes(struct ctaws_conn *conn, const char *topic_arn, struct ctaws_attrs *out,
    struct ctaws_error *err)
{
	struct ctaws_response resp;
	struct buf form = BUF_INIT;
	int rc;

	out->v = NULL;
	out->n = 0;
	if (sns_topic_attributes_body(&form, topic_arn) == -1) {
		buf_free(&form);
		return nomem(err, "GetTopicAttributes", topic_arn);
	}
	ctaws_response_init(&resp);
	rc = sns_send(conn, "GetTopicAttributes", topic_arn, &form, &resp, err);
	if (rc == 0 && (rc = sns_topic_attributes_parse(&resp.body, out, err)) == -1)
		ctaws_response_keep_request_id(&resp, err);
	ctaws_response_free(&resp);
	buf_free(&form);
	return rc;
}
