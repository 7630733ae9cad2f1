/*
 * aws/sns: Publish, PublishBatch and GetTopicAttributes.
 *
 * SNS speaks the query protocol: a form-encoded POST ("Action=Publish&
 * Version=2010-03-31&TopicArn=...") answered in XML, parsed here with expat.
 * Requests are signed for the region named in the topic ARN.
 *
 * PublishBatch takes at most SNS_BATCH_MAX entries whose messages add up to
 * at most SNS_BATCH_MAX_BYTES; splitting a longer list is the caller's job,
 * helped by sns_message_size(). The answer reports each entry on its own, so
 * the caller resends exactly the entries that failed and are retryable.
 */
#ifndef CT_AWS_SNS_H
#define CT_AWS_SNS_H

#include <stddef.h>

#include "aws/attrs.h"
#include "aws/client.h"
#include "aws/error.h"
#include "aws/retry.h"
#include "util/buf.h"

#define SNS_API_VERSION       "2010-03-31"
#define SNS_BATCH_MAX         10     /* entries per PublishBatch */
#define SNS_BATCH_MAX_BYTES   262144 /* 256 KiB: all of a batch's messages and attributes */
#define SNS_MESSAGE_MAX_BYTES 262144 /* 256 KiB: one message and its attributes */
#define SNS_BATCH_ID_MAX      80     /* batch entry id: 1-80 of [A-Za-z0-9_-] */
#define SNS_SUBJECT_MAX       100    /* Subject: printable ASCII, no line breaks */
#define SNS_ATTR_NAME_MAX     256    /* message attribute name and type length */
#define SNS_DEDUP_ID_MAX      128    /* MessageGroupId and MessageDeduplicationId length */

/* One message attribute (MessageAttributes.entry.N). */
struct sns_attr {
	const char *name;  /* borrowed */
	const char *type;  /* "String", "Number", "String.Array", or "Binary" */
	const char *value; /* borrowed; StringValue, or base64 for "Binary" */
};

/* One message to publish; every pointer is borrowed. */
struct sns_message {
	const char *id;       /* PublishBatch only: unique in the batch */
	const char *message;  /* the body (UTF-8), required */
	const char *subject;  /* NULL: none (email subscribers' subject) */
	int structure_json;   /* MessageStructure=json: message is a JSON object of
	                         per-protocol bodies with a "default" key */
	const char *group_id; /* MessageGroupId (FIFO topics), NULL: none */
	const char *dedup_id; /* MessageDeduplicationId (FIFO topics), NULL: none */
	const struct sns_attr *attrs;
	size_t nattrs;
};

struct sns_publish_result {
	char message_id[128];      /* MessageId */
	char sequence_number[128]; /* SequenceNumber (FIFO topics), "" otherwise */
};

struct sns_entry_result {
	enum ctaws_entry_status status;
	char message_id[128];      /* when OK */
	char sequence_number[128]; /* when OK on a FIFO topic */
	int sender_fault;          /* SenderFault: the entry itself is wrong */
	int retryable;             /* worth resending: not the sender's fault, or unreported */
	char code[96];             /* AWS error code, "" when OK */
	char message[256];         /* AWS's message, "" when OK */
};

struct sns_batch_result {
	struct sns_entry_result entry[SNS_BATCH_MAX]; /* in the order of the request's entries */
	size_t n;                                     /* entries in the request */
	size_t nfailed; /* entries whose status is not CTAWS_ENTRY_OK */
};

/* Bytes m counts against the payload limits: the message plus each
 * attribute's name, type and value. */
size_t sns_message_size(const struct sns_message *m);

/* Checks one message (batch: also its id) against SNS's rules; nothing is sent. */
int sns_message_validate(
    const char *operation, const struct sns_message *m, int batch, struct ctaws_error *err);
/* Checks a whole batch: count, distinct ids, total size, every entry. */
int sns_batch_validate(const struct sns_message *m, size_t n, struct ctaws_error *err);

/* Publish one message to topic_arn. */
int sns_publish(struct ctaws_conn *conn, const char *topic_arn, const struct sns_message *m,
    struct sns_publish_result *out, struct ctaws_error *err);
/* PublishBatch: 0 when SNS answered (see res for every entry), -1 with err
 * when the call failed or the batch is invalid (AWS's codes: nothing sent). */
int sns_publish_batch(struct ctaws_conn *conn, const char *topic_arn, const struct sns_message *m,
    size_t n, struct sns_batch_result *res, struct ctaws_error *err);
/* GetTopicAttributes; out is freed with ctaws_attrs_free. */
int sns_get_topic_attributes(struct ctaws_conn *conn, const char *topic_arn,
    struct ctaws_attrs *out, struct ctaws_error *err);

/* The pieces, for tests: form bodies and response parsers. */
int sns_publish_body(struct buf *b, const char *topic_arn, const struct sns_message *m);
int sns_publish_batch_body(
    struct buf *b, const char *topic_arn, const struct sns_message *m, size_t n);
int sns_topic_attributes_body(struct buf *b, const char *topic_arn);
int sns_publish_parse(
    const struct buf *body, struct sns_publish_result *out, struct ctaws_error *err);
int sns_publish_batch_parse(const struct buf *body, const struct sns_message *m, size_t n,
    struct sns_batch_result *res, struct ctaws_error *err);
int sns_topic_attributes_parse(
    const struct buf *body, struct ctaws_attrs *out, struct ctaws_error *err);

/* The region of an SNS topic ARN (arn:PARTITION:sns:REGION:ACCOUNT:NAME):
 * 0 and the region in out, or -1 when topic_arn is not one. */
int sns_topic_region(const char *topic_arn, char *out, size_t outlen);

#endif
