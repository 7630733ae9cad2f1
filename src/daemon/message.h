/*
 * message: the life of one SQS message, from receive to delete, in one file.
 *
 *   1. received   message_received(): into the in-flight table (inflight.c)
 *                 with its receipt handle, hidden for the visibility timeout
 *   2. decoded    notify.c turns the body into the objects it announces, or
 *                 into one CloudTrail event (the EventBridge real-time path)
 *   3. checked    source.c: each object is fetched, skipped or refused
 *   4. scanned    each object to fetch is a job for a worker (fetch.c: S3,
 *                 inflate, records, match, alerts published by publish.c
 *                 and accepted by SNS); an event is one job whose record
 *                 is matched directly, nothing fetched
 *   5. ended      message_object_done(): the object's outcome
 *   6. decided    after its last object: inflight_decide() says delete,
 *                 give back after a backoff, or poison; one line logs the
 *                 fate with the failure that decided it
 *   7. acked      ack.c deletes it or gives it back; message_ack_done()
 *                 lets it go
 * While a message is in hand, messages_heartbeat() extends its visibility
 * before the timeout comes. A dry run deletes nothing: decided messages are
 * held and given back at once (visibility 0) by messages_give_back() when
 * the run ends. daemon.c only wires these calls to the loop, the poller,
 * the workers and the acker.
 *
 * Everything here runs on the event-loop thread.
 */
#ifndef CT_DAEMON_MESSAGE_H
#define CT_DAEMON_MESSAGE_H

#include <stddef.h>

#include "aws/sqs.h"
#include "daemon/ack.h"
#include "daemon/daemon.h"
#include "daemon/inflight.h"
#include "daemon/pool.h"

struct messages {
	struct inflight inflight;     /* in hand: received, not yet let go */
	struct inflight held;         /* dry run: decided, given back when the run ends */
	struct snapshot *const *snap; /* borrowed: the daemon's slot (a reload replaces it) */
	struct pool *pool;            /* borrowed: the workers that scan objects */
	struct acker *acker;          /* borrowed: deletes and visibility changes */
	struct counters *counters;    /* borrowed */
	int dry_run;                  /* delete nothing, give back at the end */
	int failed;                   /* messages that failed, or whose ack did */
};

void messages_init(struct messages *ms, struct snapshot *const *snap, struct pool *pool,
    struct acker *acker, struct counters *counters, int dry_run);
void messages_clear(struct messages *ms); /* frees what is still in hand or held */

/* 1-4: a message from ReceiveMessage (borrowed; the ids are copied). */
void message_received(struct messages *ms, const struct sqs_message *sm);
/* 5-6: a worker's finished job; takes j. */
void message_object_done(struct messages *ms, struct object_job *j);
/* 7: an ack entry back from the acker (the caller frees e). */
void message_ack_done(struct messages *ms, struct ack_entry *e);

/* Queues visibility extensions for messages whose timeout comes near. */
void messages_heartbeat(struct messages *ms);
/* Dry run over: queues every held message's give-back; returns how many. */
size_t messages_give_back(struct messages *ms);

#endif
