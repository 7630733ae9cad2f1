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

#define NOTIFY_MAX_BODY    (1024 * 1024) /* bytes: SQS's largest message */
#define NOTIFY_MAX_DEPTH   32            /* nesting of arrays and objects */
#define NOTIFY_MAX_OBJECTS 1000          /* objects named by one message */
#define NOTIFY_MAX_KEY     1024          /* bytes of a decoded key (S3's limit) */

enum notify_kind {
	NOTIFY_OBJECTS,    /* objects[] says what to fetch (empty if every event was ignored) */
	NOTIFY_TEST_EVENT, /* s3:TestEvent: nothing to do, delete the message */
};

enum notify_shape {
	NOTIFY_SHAPE_S3,          /* S3 event notification (or its s3:TestEvent) */
	NOTIFY_SHAPE_CLOUDTRAIL,  /* CloudTrail's {"s3Bucket", "s3ObjectKey"} */
	NOTIFY_SHAPE_EVENTBRIDGE, /* EventBridge event from aws.s3 */
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
};

/* Decodes a message body. On success fills *n (release with
 * notification_free) and returns 0; otherwise returns -1, leaves *n empty and
 * sets err (CT_ERR_NOTIFY, or CT_ERR_NOMEM). */
int notify_decode(const char *body, size_t len, struct notification *n, struct ct_error *err);
void notification_free(struct notification *n);

/* "S3 event", "CloudTrail notification", "EventBridge event". */
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
