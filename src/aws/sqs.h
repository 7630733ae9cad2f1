/*
 * aws/sqs: the SQS calls ctalertd makes, over the AWS JSON 1.0 protocol.
 *
 * Every call is a POST of a JSON body naming the queue by its URL
 * ("QueueUrl"), with X-Amz-Target "AmazonSQS.<Operation>". The request goes
 * to the queue URL's own host unless an SQS endpoint override applies
 * (AWS_ENDPOINT_URL_SQS, ...) or FIPS endpoints are asked for, and is signed
 * for the region named in the queue URL's host (the client's region when the
 * host names none, as for a local queue).
 *
 * ReceiveMessage is split into a request builder and a response parser so the
 * daemon can run the long poll on its own libcurl multi loop (aws_xfer_*);
 * sqs_receive() is the same thing through ctaws_call(). Each received body's
 * MD5 is checked against MD5OfBody.
 *
 * The batch calls take up to SQS_BATCH_MAX entries with unique ids and report
 * every entry's outcome in the order of the request, so the caller retries
 * exactly the entries that failed and are worth retrying.
 */
#ifndef CT_AWS_SQS_H
#define CT_AWS_SQS_H

#include <stddef.h>

#include "aws/attrs.h"
#include "aws/client.h"
#include "aws/error.h"
#include "aws/jsonproto.h"
#include "aws/retry.h"
#include "util/buf.h"

#define SQS_BATCH_MAX        10    /* entries per batch request */
#define SQS_BATCH_ID_MAX     80    /* length of a batch entry id: [A-Za-z0-9_-] */
#define SQS_MAX_MESSAGES     10    /* MaxNumberOfMessages upper bound */
#define SQS_MAX_WAIT_S       20    /* WaitTimeSeconds upper bound */
#define SQS_MAX_VISIBILITY_S 43200 /* VisibilityTimeout upper bound (12 hours) */

/* Error code when a received body does not hash to its MD5OfBody. */
#define SQS_ERR_MD5_MISMATCH "MessageMD5Mismatch"

/* A queue, resolved once: where its requests go and how they are signed. */
struct sqs_queue {
	char *url;       /* owned; the queue URL, sent as QueueUrl */
	char *endpoint;  /* owned; the URL's origin and "/", where requests go; NULL when
	                    the client resolves the endpoint (an override, FIPS) */
	char region[32]; /* the region the URL's host names; "" for the client's */
};

/* One SQS request, ready for ctaws_call() or ctaws_xfer_new(). req points into the
 * other fields and into the queue: keep both where they are until the
 * transfer is over (ctaws_xfer_new copies the body, not the rest). */
struct sqs_request {
	struct ctaws_request req;       /* what to send */
	struct ctaws_json_request json; /* the headers req points to: X-Amz-Target
	                                   "AmazonSQS.<Operation>" */
	struct buf body;                /* owned JSON body */
};

struct sqs_receive_params {
	int max_messages;         /* 1..10; 0 means 10 */
	int wait_time_s;          /* 0..20 long-poll seconds; -1: the queue's default */
	int visibility_timeout_s; /* 0..43200; -1: the queue's default */
};

/* One received message; every string is owned and NUL-terminated. */
struct sqs_message {
	char *message_id;            /* MessageId */
	char *receipt_handle;        /* ReceiptHandle: what delete and visibility take */
	char *body;                  /* Body, as UTF-8 */
	size_t body_len;             /* bytes in body */
	char md5_of_body[33];        /* MD5OfBody (checked), lower-case hex */
	long receive_count;          /* ApproximateReceiveCount; 0 when not returned */
	long long sent_timestamp_ms; /* SentTimestamp, epoch ms; 0 when not returned */
	long long first_receive_ms;  /* ApproximateFirstReceiveTimestamp; 0 when absent */
};

struct sqs_messages {
	struct sqs_message *v; /* owned array */
	size_t n;
};

/* One entry of DeleteMessageBatch or ChangeMessageVisibilityBatch. */
struct sqs_batch_entry {
	const char *id;             /* borrowed; unique in the batch, 1-80 of [A-Za-z0-9_-] */
	const char *receipt_handle; /* borrowed */
	int visibility_timeout_s;   /* ChangeMessageVisibilityBatch only: 0..43200 */
};

struct sqs_entry_result {
	enum ctaws_entry_status status;
	int sender_fault;  /* SenderFault: the request was wrong, resending will not help */
	int retryable;     /* worth resending: not the sender's fault, or unreported */
	char code[96];     /* AWS error code ("ReceiptHandleIsInvalid"), "" when OK */
	char message[256]; /* AWS's message, "" when OK */
};

struct sqs_batch_result {
	struct sqs_entry_result entry[SQS_BATCH_MAX]; /* in the order of the request's entries */
	size_t n;                                     /* entries in the request */
	size_t nfailed; /* entries whose status is not CTAWS_ENTRY_OK */
};

/* Checks queue_url and decides where its requests go: to the URL's own host,
 * unless client c (may be NULL) has an SQS endpoint override or uses FIPS. */
int sqs_queue_init(struct sqs_queue *q, const struct ctaws_client *c, const char *queue_url,
    struct ctaws_error *err);
void sqs_queue_free(struct sqs_queue *q);

void sqs_request_free(struct sqs_request *r);

/* ReceiveMessage, asking for the ApproximateReceiveCount, SentTimestamp and
 * ApproximateFirstReceiveTimestamp system attributes. */
int sqs_receive_request(struct sqs_request *r, const struct sqs_queue *q,
    const struct sqs_receive_params *p, struct ctaws_error *err);
/* Parses a 2xx ReceiveMessage body into out (emptied first). On error out is
 * empty and err says which message was wrong (code SQS_ERR_MD5_MISMATCH or
 * CTAWS_ERR_MALFORMED). */
int sqs_receive_parse(const struct buf *body, struct sqs_messages *out, struct ctaws_error *err);
int sqs_receive(struct ctaws_conn *conn, const struct sqs_queue *q,
    const struct sqs_receive_params *p, struct sqs_messages *out, struct ctaws_error *err);
void sqs_messages_free(struct sqs_messages *m);

/* The batch calls: 0 when SQS answered (look at res for each entry), -1 with
 * err when the whole call failed or the entries are invalid (too many, none,
 * duplicate or malformed ids: AWS's own codes, nothing sent). */
int sqs_delete_batch(struct ctaws_conn *conn, const struct sqs_queue *q,
    const struct sqs_batch_entry *e, size_t n, struct sqs_batch_result *res,
    struct ctaws_error *err);
int sqs_change_visibility_batch(struct ctaws_conn *conn, const struct sqs_queue *q,
    const struct sqs_batch_entry *e, size_t n, struct sqs_batch_result *res,
    struct ctaws_error *err);

/* The pieces of the batch calls, for tests and event loops. operation is
 * "DeleteMessageBatch" or "ChangeMessageVisibilityBatch". */
int sqs_batch_validate(
    const char *operation, const struct sqs_batch_entry *e, size_t n, struct ctaws_error *err);
int sqs_batch_request(struct sqs_request *r, const struct sqs_queue *q, const char *operation,
    const struct sqs_batch_entry *e, size_t n, struct ctaws_error *err);
int sqs_batch_parse(const char *operation, const struct buf *body, const struct sqs_batch_entry *e,
    size_t n, struct sqs_batch_result *res, struct ctaws_error *err);

/* GetQueueAttributes for names (NULL/0: "All"); all values are strings in
 * SQS. out is freed with ctaws_attrs_free. */
int sqs_get_queue_attributes(struct ctaws_conn *conn, const struct sqs_queue *q,
    const char *const *names, size_t n, struct ctaws_attrs *out, struct ctaws_error *err);
int sqs_attributes_request(struct sqs_request *r, const struct sqs_queue *q,
    const char *const *names, size_t n, struct ctaws_error *err);
int sqs_attributes_parse(const struct buf *body, struct ctaws_attrs *out, struct ctaws_error *err);

#endif
