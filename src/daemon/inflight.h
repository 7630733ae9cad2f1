/*
 * inflight: the messages this daemon holds, and what becomes of each.
 *
 * A received SQS message stays here from ReceiveMessage until it is deleted
 * or given back. It names one or more objects; each object's processing ends
 * in one outcome. The message's fate is decided only when every object has
 * ended, by inflight_decide(), a pure function of the message and the policy:
 *
 *   every object done (or skipped)      -> delete
 *   any transient failure               -> give back after a backoff
 *   a permanent failure, receives left  -> give back after a (longer) backoff
 *   a permanent failure, last receive   -> leave for the dead-letter queue
 *                                          (back at once), or delete, as
 *                                          configured
 *   received again past the last one    -> no dead-letter queue took it:
 *                                          back after the (longer) backoff
 *
 * Transient wins over permanent: a message that also failed for a passing
 * reason is tried again rather than judged poison.
 *
 * The table is owned and used by the event-loop thread only.
 */
#ifndef CT_DAEMON_INFLIGHT_H
#define CT_DAEMON_INFLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/retry.h"

enum outcome {
	OUTCOME_DONE,      /* processed to the end, every alert accepted */
	OUTCOME_SKIPPED,   /* deliberately not fetched (digest file, filter); counts as done */
	OUTCOME_TRANSIENT, /* throttling, 5xx, network, credentials: try again later */
	OUTCOME_PERMANENT, /* will fail the same way again: NoSuchKey, corrupt gzip, foreign bucket
	                    */
	OUTCOME_ABANDONED, /* interrupted by shutdown: give back at once */
};

enum ack_kind {
	ACK_NONE,   /* not decided yet: objects still running */
	ACK_DELETE, /* DeleteMessage */
	ACK_RETURN, /* ChangeMessageVisibility to ack_decision.visibility */
	ACK_DLQ,    /* give back (visibility 0 on the last receive): the next receive
	               moves it to the DLQ */
};

struct ack_decision {
	enum ack_kind kind;
	int visibility; /* seconds, for ACK_RETURN / ACK_DLQ */
	int poisoned;   /* it failed permanently (logged as poison) */
};

struct inflight_policy {
	int max_receive_count;        /* receives before a permanent failure is final */
	int poison_delete;            /* then delete it; else leave it for the dead-letter queue */
	struct ctaws_backoff backoff; /* by receive count; ms, capped at SQS's 12 hours */
};

struct inflight_msg {
	char *message_id;          /* owned */
	char *receipt_handle;      /* owned; replaced by each receive */
	int receive_count;         /* ApproximateReceiveCount */
	int64_t sent_ms;           /* SentTimestamp, epoch ms; 0 if unknown */
	double received_at;        /* clock_mono_s() at receive */
	double visible_until;      /* clock_mono_s() when SQS would show it again */
	int extended_s;            /* visibility granted so far, seconds since receive */
	int objects_total;         /* objects named by the message */
	int objects_done;          /* ended, whatever the outcome */
	int n_transient;           /* objects that ended transient */
	int n_permanent;           /* objects that ended permanent */
	int n_abandoned;           /* objects abandoned by shutdown */
	int decode_failed;         /* the body itself was not a notification */
	bool acking;               /* its final delete or visibility change is under way:
	                              no heartbeat extends it any more */
	char first_error[512];     /* the first failure, for the log line */
	struct inflight_msg *next; /* table list */
};

struct inflight {
	struct inflight_msg *head; /* owned list */
	size_t count;
};

void inflight_init(struct inflight *t);
void inflight_clear(struct inflight *t); /* frees every message */

/* Adds a message (copies ids); returns it, or NULL when out of memory. A
 * message id already present (SQS redelivered it while we hold it) replaces
 * the receipt handle of the one we have and returns NULL with *dup set. */
struct inflight_msg *inflight_add(struct inflight *t, const char *message_id,
    const char *receipt_handle, int receive_count, int64_t sent_ms, double now, int visibility_s,
    int *dup);
struct inflight_msg *inflight_find(struct inflight *t, const char *message_id);
void inflight_remove(struct inflight *t, struct inflight_msg *m); /* unlinks and frees */

/* Records one object's end; error may be NULL. Returns 1 when this was the
 * message's last object (time to decide), else 0. */
int inflight_object_done(struct inflight_msg *m, enum outcome o, const char *error);

/* The pure decision (see top of file). */
struct ack_decision inflight_decide(const struct inflight_msg *m, const struct inflight_policy *p);

/* The visibility, in seconds, a failed message is given back with on its
 * receive_count-th receive: p->backoff, never above SQS's 43200 s. */
int inflight_backoff(const struct inflight_policy *p, int receive_count);

/* Heartbeat: fills out[] (up to max) with messages whose visibility ends
 * within margin_s of now and that may still be extended without passing
 * max_total_s since receive. Returns the count. */
size_t inflight_due_for_extension(struct inflight *t, double now, int margin_s, int max_total_s,
    struct inflight_msg **out, size_t max);

#endif
