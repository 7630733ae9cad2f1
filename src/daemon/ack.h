/*
 * ack: the last step of a message: deleted, or given back to the queue.
 *
 * The loop queues what it decided (ack_enqueue) and, once per loop turn,
 * when no call is under way, ack_flush() packs the queue into batches of up to ten entries of one
 * kind (DeleteMessageBatch, ChangeMessageVisibilityBatch) run on a thread of their own, so a slow
 * SQS never stalls the loop and the visibility heartbeat is never queued behind object work. Each
 * entry comes back with its own outcome through ack_take_done(); entries SQS failed for a passing
 * reason are sent once more before they are reported as failed.
 */
#ifndef CT_DAEMON_ACK_H
#define CT_DAEMON_ACK_H

#include <stddef.h>

struct ctaws_client;

enum ack_op {
	ACK_OP_DELETE,     /* DeleteMessageBatch */
	ACK_OP_VISIBILITY, /* ChangeMessageVisibilityBatch */
};

struct ack_entry {
	enum ack_op op;
	char *message_id;     /* owned */
	char *receipt_handle; /* owned */
	int visibility;       /* seconds, ACK_OP_VISIBILITY */
	void *owner;          /* the caller's (its message), borrowed */
	int ok;               /* result: SQS accepted it */
	char error[256];      /* result: why not */
	char code[96];        /* result: AWS error code, "" when ok */
	struct ack_entry *next;
};

struct acker;

/* queue_url is copied; client is borrowed and must outlive the acker. */
struct acker *acker_new(
    struct ctaws_client *client, const char *queue_url, void (*notify)(void *arg), void *arg);
/* Waits for batches under way; entries never flushed are freed unsent. */
void acker_free(struct acker *a);

/* Queues one entry (copies the strings). -1 when out of memory. */
int ack_enqueue(struct acker *a, enum ack_op op, const char *message_id, const char *receipt_handle,
    int visibility, void *owner);
/* Sends what is queued, unless a call is under way: then it waits for the
 * next flush after that call's end (the notify callback says when). */
void ack_flush(struct acker *a);
/* Seconds until what is queued should go out, so that entries decided
 * within window seconds of the oldest share a call: 0 now (a full batch, or
 * the window is over), -1 when nothing is queued. */
double ack_wait(struct acker *a, double window);
/* Finished entries, one at a time; the caller frees each with ack_entry_free. */
struct ack_entry *ack_take_done(struct acker *a);
void ack_entry_free(struct ack_entry *e);
/* Entries queued or under way. */
size_t ack_pending(struct acker *a);

#endif
