/*
 * notify: what a queue message asks for, decoded from its body.
 *
 * A message body is one of these shapes (checked against the AWS
 * documentation of each):
 *   - an S3 event notification: {"Records": [{"eventSource": "aws:s3",
 *     "eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": ...},
 *     "object": {"key": ..., "size": ...}}}, ...]}, one or more records;
 *     keys are URL-encoded the form way ('+' is a space, %XX a byte);
 *   - the s3:TestEvent S3 sends when a notification is configured:
 *     {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": ...};
 *   - CloudTrail's own notification: {"s3Bucket": ..., "s3ObjectKey":
 *     [keys...]}, keys not encoded;
 *   - an EventBridge event from S3: {"source": "aws.s3", "detail-type":
 *     "Object Created", "detail": {"bucket": {"name": ...}, "object":
 *     {"key": ..., "size": ...}}}; keys decoded like S3 event keys;
 *   - an EventBridge event from CloudTrail, the real-time path: {"detail-type":
 *     "AWS API Call via CloudTrail" (or "AWS Console Sign In via CloudTrail",
 *     "AWS Service Event via CloudTrail", "AWS Console Action via CloudTrail"),
 *     "source": "aws.<service>", "detail": <one CloudTrail record>}. Nothing is
 *     fetched: the event's text is kept whole (NOTIFY_EVENT) for the record
 *     stream (RECORDS_EVENTBRIDGE), which checks the record as strictly as one
 *     in a log. Here only what the message must say is checked: detail is an
 *     object with a string eventID (the alert's key in the state store) and an
 *     eventType that detail-type names (so a pattern on detail-type sees what
 *     the event says). Any other detail-type from a source other than aws.s3
 *     (an EC2 state change, "AWS Insight via CloudTrail", ...) is an error;
 *   - any of these as the Message string of an SNS envelope ({"Type":
 *     "Notification", "Message": "..."}); with raw message delivery the body
 *     is the message itself.
 * Anything else is an error (CT_ERR_NOTIFY) that names what is wrong and
 * where ("Records[1].s3.object.key: bad %-escape at byte 7"): the caller
 * treats it as a poison message.
 *
 * Only new objects are fetched. Events that announce no new object (S3
 * ObjectRemoved:*, ObjectRestore:*, ..., EventBridge "Object Deleted", ...)
 * are counted in n_ignored, not fetched and not errors: CloudTrail never
 * deletes or rewrites a log, so such an event means the bucket notification
 * is wider than needed, and there is nothing to scan.
 */
#ifndef CT_DAEMON_NOTIFY_H
#define CT_DAEMON_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/json.h"

#define NOTIFY_MAX_BODY (1024 * 1024) /* bytes: SQS's largest message */
/* Nesting of arrays and objects: a CloudTrail event carries a whole record,
 * which nests as deep as the record stream allows (limits.max_depth); the
 * tree parser's own cap. */
#define NOTIFY_MAX_DEPTH   JSON_TREE_MAX_DEPTH
#define NOTIFY_MAX_OBJECTS 1000 /* objects named by one message */
#define NOTIFY_MAX_KEY     1024 /* bytes of a decoded key (S3's limit) */

enum notify_kind {
	NOTIFY_OBJECTS,    /* objects[] says what to fetch (empty if every event was ignored) */
	NOTIFY_TEST_EVENT, /* s3:TestEvent: nothing to do, delete the message */
	NOTIFY_EVENT,      /* a CloudTrail event: event holds its text, matched directly */
};

enum notify_shape {
	NOTIFY_SHAPE_S3,               /* S3 event notification (or its s3:TestEvent) */
	NOTIFY_SHAPE_CLOUDTRAIL,       /* CloudTrail's {"s3Bucket", "s3ObjectKey"} */
	NOTIFY_SHAPE_EVENTBRIDGE,      /* EventBridge event from aws.s3 */
	NOTIFY_SHAPE_CLOUDTRAIL_EVENT, /* EventBridge event from CloudTrail */
};

struct notify_object {
	char *bucket; /* owned; a valid bucket name */
	char *key;    /* owned; decoded, valid UTF-8, 1..NOTIFY_MAX_KEY bytes */
	int64_t size; /* bytes as the notification says, -1 when it does not */
	char *event;  /* owned; "ObjectCreated:Put", "Object Created" or "CloudTrail" */
};

struct notification {
	enum notify_kind kind;
	enum notify_shape shape;
	int via_sns;                   /* 1 when it came in an SNS envelope */
	struct notify_object *objects; /* owned array */
	size_t n_objects;
	size_t n_ignored;    /* events naming no new object */
	char *ignored_event; /* owned; the first ignored event's name, or NULL */
	char *test_bucket;   /* owned; the bucket of an s3:TestEvent, or NULL */
	char *event;         /* owned; NOTIFY_EVENT: the event's JSON text (the SNS
	                        Message when it came in an envelope), else NULL */
	size_t event_len;    /* bytes of event */
	char *event_id;      /* owned; NOTIFY_EVENT: detail.eventID, else NULL */
	char *detail_type;   /* owned; NOTIFY_EVENT: detail-type, else NULL */
};

/* Decodes a message body. On success fills *n (release with
 * notification_free) and returns 0; otherwise returns -1, leaves *n empty and
 * sets err (CT_ERR_NOTIFY, or CT_ERR_NOMEM). */
int notify_decode(const char *body, size_t len, struct notification *n, struct ct_error *err);
void notification_free(struct notification *n);

/* "S3 event", "CloudTrail notification", "EventBridge event", "CloudTrail
 * event". */
const char *notify_shape_name(enum notify_shape shape);

/* Decodes a form-URL-encoded S3 event key into a NUL-terminated string owned
 * by the caller. Fails (NULL, *why set) on a bad %-escape (*at is then its
 * byte offset, else (size_t)-1), a NUL byte, invalid UTF-8, an empty key or
 * one over NOTIFY_MAX_KEY bytes. */
char *notify_key_decode(const char *in, size_t len, const char **why, size_t *at);

/* 1 when name is acceptable as an S3 bucket name: 3 to 255 of [A-Za-z0-9._-]
 * (today's rules are stricter; older us-east-1 buckets may have upper case
 * and underscores, so those are let through and S3 itself has the last word). */
int notify_bucket_valid(const char *name);

#endif
