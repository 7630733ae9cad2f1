/*
 * notify: queue message bodies to the objects they announce. See notify.h.
 *
 * The body is small (S3 caps its notifications at 64 KB, SQS messages at
 * 1 MiB), so it is parsed into a yajl tree after its size, nesting and
 * escapes were checked. Every field is looked up by name and checked for its
 * type; an error names the field by its path in the message.
 */
#include "config.h"

#include "daemon/notify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/envelope.h"
#include "util/json.h"
#include "util/utf8.h"

#define IGNORED_NAME_MAX 128 /* bytes of an ignored event's name kept for the log */

struct decoder {
	struct notification *n;
	struct ct_error *err;
	const char *ctx;  /* "" or "SNS Message: ", put before every error */
	const char *text; /* borrowed: the JSON text being decoded (body or SNS Message) */
	size_t text_len;
};

static int fail(struct decoder *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(struct decoder *d, const char *fmt, ...)
{
	char msg[CT_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ct_error_set(d->err, CT_ERR_NOTIFY, "%s%s", d->ctx, msg);
}

static int
nomem(struct decoder *d)
{
	return ct_error_set(d->err, CT_ERR_NOMEM, "out of memory decoding a notification");
}

const char *
notify_shape_name(enum notify_shape shape)
{
	switch (shape) {
	case NOTIFY_SHAPE_S3:
		return "S3 event";
	case NOTIFY_SHAPE_CLOUDTRAIL:
		return "CloudTrail notification";
	case NOTIFY_SHAPE_EVENTBRIDGE:
		return "EventBridge event";
	case NOTIFY_SHAPE_CLOUDTRAIL_EVENT:
		return "CloudTrail event";
	}
	return "notification";
}

static const char bucket_chars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";

int
notify_bucket_valid(const char *name)
{
	size_t n = strlen(name);

	if (n < 3 || n > 255)
		return 0;
	return strspn(name, bucket_chars) == n;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Checks a decoded key of n bytes; NULL when it is fine. */
static const char *
key_problem(const char *key, size_t n)
{
	if (n == 0)
		return "is empty";
	if (n > NOTIFY_MAX_KEY)
		return "is longer than 1024 bytes";
	if (memchr(key, '\0', n) != NULL)
		return "holds a NUL byte";
	if (!utf8_valid(key, n))
		return "is not valid UTF-8";
	return NULL;
}

char *
notify_key_decode(const char *in, size_t len, const char **why, size_t *at)
{
	char *out = malloc(len + 1);
	size_t o = 0;

	*at = (size_t)-1;
	if (out == NULL) {
		*why = "could not be decoded: out of memory";
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (in[i] == '+') {
			out[o++] = ' ';
		} else if (in[i] != '%') {
			out[o++] = in[i];
		} else if (len - i < 3 || (hi = hexval(in[i + 1])) < 0 ||
		           (lo = hexval(in[i + 2])) < 0) {
			*why = "has a bad %-escape";
			*at = i;
			free(out);
			return NULL;
		} else {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		}
	}
	out[o] = '\0';
	if ((*why = key_problem(out, o)) != NULL) {
		free(out);
		return NULL;
	}
	return out;
}

/* A string member, or an error naming path. */
static int
get_string(struct decoder *d, yajl_val obj, const char *key, const char *path, const char **out)
{
	yajl_val v = json_member(obj, key);

	if (v == NULL)
		return fail(d, "%s: missing", path);
	if (!YAJL_IS_STRING(v))
		return fail(d, "%s: expected a string, found %s", path, json_kind(v));
	*out = v->u.string;
	return 0;
}

/* An object member, or an error naming path. */
static int
get_object(struct decoder *d, yajl_val obj, const char *key, const char *path, yajl_val *out)
{
	yajl_val v = json_member(obj, key);

	if (v == NULL)
		return fail(d, "%s: missing", path);
	if (!YAJL_IS_OBJECT(v))
		return fail(d, "%s: expected an object, found %s", path, json_kind(v));
	*out = v;
	return 0;
}

/* An optional size: absent is -1, else a non-negative integer. */
static int
get_size(struct decoder *d, yajl_val obj, const char *path, int64_t *size)
{
	yajl_val v = json_member(obj, "size");

	*size = -1;
	if (v == NULL)
		return 0;
	if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0)
		return fail(d, "%s.size: expected a byte count, found %s", path,
		    YAJL_IS_NUMBER(v) ? "a number that is not one" : json_kind(v));
	*size = YAJL_GET_INTEGER(v);
	return 0;
}

static int
check_bucket(struct decoder *d, const char *bucket, const char *path)
{
	if (!notify_bucket_valid(bucket))
		return fail(d, "%s: \"%.64s\" is not a valid bucket name", path, bucket);
	return 0;
}

/* Takes ownership of key. */
static int
add_object(struct decoder *d, const char *bucket, char *key, int64_t size, const char *event)
{
	struct notification *n = d->n;
	struct notify_object *o;

	if (n->n_objects == NOTIFY_MAX_OBJECTS) {
		free(key);
		return fail(d, "names more than %d objects", NOTIFY_MAX_OBJECTS);
	}
	if ((o = realloc(n->objects, (n->n_objects + 1) * sizeof(*o))) == NULL) {
		free(key);
		return nomem(d);
	}
	n->objects = o;
	o += n->n_objects;
	o->key = key;
	o->size = size;
	o->bucket = strdup(bucket);
	o->event = strdup(event);
	n->n_objects++;
	if (o->bucket == NULL || o->event == NULL)
		return nomem(d);
	return 0;
}

static int
add_ignored(struct decoder *d, const char *event)
{
	d->n->n_ignored++;
	if (d->n->ignored_event == NULL &&
	    (d->n->ignored_event = strndup(event, IGNORED_NAME_MAX)) == NULL)
		return nomem(d);
	return 0;
}

/* Decodes an encoded key at path and adds the object. */
static int
add_encoded(struct decoder *d, const char *bucket, const char *key, const char *path, int64_t size,
    const char *event)
{
	const char *why;
	size_t at;
	char *decoded = notify_key_decode(key, strlen(key), &why, &at);

	if (decoded == NULL && at != (size_t)-1)
		return fail(d, "%s: %s at byte %zu", path, why, at);
	if (decoded == NULL)
		return fail(d, "%s: %s", path, why);
	return add_object(d, bucket, decoded, size, event);
}

static int
is_object_created(const char *event)
{
	if (strncmp(event, "s3:", 3) == 0)
		event += 3;
	return strncmp(event, "ObjectCreated:", 14) == 0;
}

/* One record of an S3 event notification. */
static int
decode_s3_record(struct decoder *d, yajl_val rec, size_t i)
{
	char path[96];
	const char *source, *event, *bucket, *key;
	yajl_val s3, b, o;
	int64_t size;

	if (!YAJL_IS_OBJECT(rec))
		return fail(d, "Records[%zu]: expected an object, found %s", i, json_kind(rec));
	snprintf(path, sizeof(path), "Records[%zu].eventSource", i);
	if (get_string(d, rec, "eventSource", path, &source) == -1)
		return -1;
	if (strcmp(source, "aws:s3") != 0)
		return fail(d, "%s: \"%.64s\" is not aws:s3", path, source);
	snprintf(path, sizeof(path), "Records[%zu].eventName", i);
	if (get_string(d, rec, "eventName", path, &event) == -1)
		return -1;
	if (!is_object_created(event))
		return add_ignored(d, event);
	snprintf(path, sizeof(path), "Records[%zu].s3", i);
	if (get_object(d, rec, "s3", path, &s3) == -1)
		return -1;
	snprintf(path, sizeof(path), "Records[%zu].s3.bucket", i);
	if (get_object(d, s3, "bucket", path, &b) == -1)
		return -1;
	snprintf(path, sizeof(path), "Records[%zu].s3.bucket.name", i);
	if (get_string(d, b, "name", path, &bucket) == -1 || check_bucket(d, bucket, path) == -1)
		return -1;
	snprintf(path, sizeof(path), "Records[%zu].s3.object", i);
	if (get_object(d, s3, "object", path, &o) == -1 || get_size(d, o, path, &size) == -1)
		return -1;
	snprintf(path, sizeof(path), "Records[%zu].s3.object.key", i);
	if (get_string(d, o, "key", path, &key) == -1)
		return -1;
	return add_encoded(d, bucket, key, path, size, event);
}

static int
decode_s3(struct decoder *d, yajl_val root)
{
	yajl_val recs = json_member(root, "Records");

	d->n->shape = NOTIFY_SHAPE_S3;
	if (!YAJL_IS_ARRAY(recs))
		return fail(d, "Records: expected an array, found %s", json_kind(recs));
	if (recs->u.array.len == 0)
		return fail(d, "Records: empty");
	for (size_t i = 0; i < recs->u.array.len; i++)
		if (decode_s3_record(d, recs->u.array.values[i], i) == -1)
			return -1;
	return 0;
}

static int
decode_test_event(struct decoder *d, yajl_val root)
{
	const char *event, *bucket;

	d->n->shape = NOTIFY_SHAPE_S3;
	if (get_string(d, root, "Event", "Event", &event) == -1)
		return -1;
	if (strcmp(event, "s3:TestEvent") != 0)
		return fail(d, "Event: \"%.64s\" is not s3:TestEvent", event);
	d->n->kind = NOTIFY_TEST_EVENT;
	if ((bucket = json_string(root, "Bucket")) != NULL &&
	    (d->n->test_bucket = strndup(bucket, 255)) == NULL)
		return nomem(d);
	return 0;
}

static int
decode_cloudtrail(struct decoder *d, yajl_val root)
{
	const char *bucket, *why;
	yajl_val keys;

	d->n->shape = NOTIFY_SHAPE_CLOUDTRAIL;
	if (get_string(d, root, "s3Bucket", "s3Bucket", &bucket) == -1 ||
	    check_bucket(d, bucket, "s3Bucket") == -1)
		return -1;
	keys = json_member(root, "s3ObjectKey");
	if (!YAJL_IS_ARRAY(keys))
		return fail(d, "s3ObjectKey: expected an array, found %s", json_kind(keys));
	if (keys->u.array.len == 0)
		return fail(d, "s3ObjectKey: empty");
	for (size_t i = 0; i < keys->u.array.len; i++) {
		yajl_val k = keys->u.array.values[i];
		char *key;

		if (!YAJL_IS_STRING(k))
			return fail(
			    d, "s3ObjectKey[%zu]: expected a string, found %s", i, json_kind(k));
		if ((why = key_problem(k->u.string, strlen(k->u.string))) != NULL)
			return fail(d, "s3ObjectKey[%zu]: %s", i, why);
		if ((key = strdup(k->u.string)) == NULL)
			return nomem(d);
		if (add_object(d, bucket, key, -1, "CloudTrail") == -1)
			return -1;
	}
	return 0;
}

/* The real-time path: the event is kept whole for the record stream. */
static int
decode_cloudtrail_event(struct decoder *d, yajl_val root, const char *type, const char *event_type)
{
	const char *id, *et;
	yajl_val detail;
	struct notification *n = d->n;

	n->shape = NOTIFY_SHAPE_CLOUDTRAIL_EVENT;
	if (get_object(d, root, "detail", "detail", &detail) == -1 ||
	    get_string(d, detail, "eventID", "detail.eventID", &id) == -1 ||
	    get_string(d, detail, "eventType", "detail.eventType", &et) == -1)
		return -1;
	if (strcmp(et, event_type) != 0)
		return fail(d,
		    "detail.eventType: \"%.64s\" is not what detail-type \"%s\" says (%s)", et,
		    type, event_type);
	n->kind = NOTIFY_EVENT;
	if ((n->event = malloc(d->text_len + 1)) == NULL ||
	    (n->event_id = strndup(id, 256)) == NULL || (n->detail_type = strdup(type)) == NULL)
		return nomem(d);
	memcpy(n->event, d->text, d->text_len);
	n->event[d->text_len] = '\0';
	n->event_len = d->text_len;
	return 0;
}

/* A CloudTrail event it matches, an S3 object event it fetches, or neither. */
static int
decode_eventbridge(struct decoder *d, yajl_val root)
{
	const char *source, *type, *bucket, *key, *event_type;
	yajl_val detail, b, o;
	int64_t size;

	if ((type = json_string(root, "detail-type")) != NULL &&
	    (event_type = envelope_event_type(type)) != NULL &&
	    strcmp(event_type, "AwsCloudTrailInsight") != 0)
		return decode_cloudtrail_event(d, root, type, event_type);
	d->n->shape = NOTIFY_SHAPE_EVENTBRIDGE;
	if (get_string(d, root, "source", "source", &source) == -1)
		return -1;
	if (strcmp(source, "aws.s3") != 0 && type != NULL)
		return fail(d,
		    "detail-type \"%.64s\" from source \"%.64s\" is neither a CloudTrail event "
		    "(AWS API Call, Console Sign In, Service Event or Console Action via "
		    "CloudTrail) nor an S3 object event",
		    type, source);
	if (strcmp(source, "aws.s3") != 0)
		return fail(d, "source: \"%.64s\" is not aws.s3", source);
	if (get_string(d, root, "detail-type", "detail-type", &type) == -1)
		return -1;
	if (strcmp(type, "Object Created") != 0)
		return add_ignored(d, type);
	if (get_object(d, root, "detail", "detail", &detail) == -1 ||
	    get_object(d, detail, "bucket", "detail.bucket", &b) == -1 ||
	    get_string(d, b, "name", "detail.bucket.name", &bucket) == -1 ||
	    check_bucket(d, bucket, "detail.bucket.name") == -1 ||
	    get_object(d, detail, "object", "detail.object", &o) == -1 ||
	    get_size(d, o, "detail.object", &size) == -1 ||
	    get_string(d, o, "key", "detail.object.key", &key) == -1)
		return -1;
	return add_encoded(d, bucket, key, "detail.object.key", size, type);
}

/* For the error about an object of no known shape: its first few keys. */
static void
list_keys(yajl_val root, char *out, size_t outlen)
{
	size_t n = root->u.object.len, used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && i < 5 && used < outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s\"%.40s\"", i ? ", " : "",
		    root->u.object.keys[i]);
	if (n > 5 && used < outlen)
		snprintf(out + used, outlen - used, ", ...");
}

static int dispatch(struct decoder *d, yajl_val root, int allow_sns);

static int
decode_sns(struct decoder *d, yajl_val root)
{
	const char *type, *message;
	char why[256];
	yajl_val inner;
	int r;

	if (get_string(d, root, "Type", "Type", &type) == -1)
		return -1;
	if (strcmp(type, "Notification") != 0)
		return fail(d, "SNS envelope of Type \"%.64s\" carries no notification", type);
	if (get_string(d, root, "Message", "Message", &message) == -1)
		return -1;
	d->n->via_sns = 1;
	d->ctx = "SNS Message: ";
	d->text = message;
	d->text_len = strlen(message);
	if (json_has_nul_escape(message, strlen(message)))
		return fail(d, "holds the escape \\u0000");
	if ((inner = json_parse(message, strlen(message), NOTIFY_MAX_DEPTH, why, sizeof(why))) ==
	    NULL)
		return fail(d, "not JSON: %s", why);
	r = dispatch(d, inner, 0);
	yajl_tree_free(inner);
	return r;
}

static int
dispatch(struct decoder *d, yajl_val root, int allow_sns)
{
	char keys[256];

	if (!YAJL_IS_OBJECT(root))
		return fail(d, "expected a JSON object, found %s", json_kind(root));
	if (json_member(root, "Records"))
		return decode_s3(d, root);
	if (json_member(root, "Event"))
		return decode_test_event(d, root);
	if (json_member(root, "Type") && json_member(root, "Message")) {
		if (!allow_sns)
			return fail(d, "an SNS envelope inside an SNS envelope");
		return decode_sns(d, root);
	}
	if (json_member(root, "s3Bucket") || json_member(root, "s3ObjectKey"))
		return decode_cloudtrail(d, root);
	if (json_member(root, "detail-type") || json_member(root, "detail"))
		return decode_eventbridge(d, root);
	list_keys(root, keys, sizeof(keys));
	return fail(d,
	    "not a known notification (an S3 event, SNS envelope, CloudTrail or "
	    "EventBridge notification); its keys: %s",
	    keys[0] ? keys : "none");
}

int
notify_decode(const char *body, size_t len, struct notification *n, struct ct_error *err)
{
	struct decoder d = {n, err, "", body, len};
	char why[256];
	yajl_val root;
	int r;

	memset(n, 0, sizeof(*n));
	if (len == 0)
		return fail(&d, "body is empty");
	if (len > NOTIFY_MAX_BODY)
		return fail(&d, "body of %zu bytes is larger than %d", len, NOTIFY_MAX_BODY);
	if (json_has_nul_escape(body, len))
		return fail(&d, "body holds the escape \\u0000");
	if ((root = json_parse(body, len, NOTIFY_MAX_DEPTH, why, sizeof(why))) == NULL)
		return fail(&d, "body is not JSON: %s", why);
	r = dispatch(&d, root, 1);
	yajl_tree_free(root);
	if (r == -1)
		notification_free(n);
	return r;
}

void
notification_free(struct notification *n)
{
	for (size_t i = 0; i < n->n_objects; i++) {
		free(n->objects[i].bucket);
		free(n->objects[i].key);
		free(n->objects[i].event);
	}
	free(n->objects);
	free(n->ignored_event);
	free(n->test_bucket);
	free(n->event);
	free(n->event_id);
	free(n->detail_type);
	memset(n, 0, sizeof(*n));
}
