/*
 * publish: alerts out to SNS, ten at a time.
 *
 * A worker hands each alert to its publisher as soon as it is built; the
 * publisher sends a PublishBatch whenever ten alerts for one topic wait (or
 * the next would pass SNS's 256 KiB per batch), and at the end of an object.
 * So memory holds at most one batch, whatever the number of matches.
 *
 * Entries SNS fails for a passing reason are sent again, alone, by the AWS
 * layer's batch re-send (the client's backoff and retry quota); an alert is "accepted" only when
 * SNS listed it under Successful, and only then is it remembered (dedup.h, in the state store).
 * Anything that could not be published makes the object fail as transient: the queue message comes
 * back later and no alert is ever dropped.
 *
 * In dry-run mode alerts are written to a stream instead (one JSON line each).
 */
#ifndef CT_DAEMON_PUBLISH_H
#define CT_DAEMON_PUBLISH_H

#include <stdint.h>
#include <stdio.h>

#include "aws/error.h"
#include "aws/sns.h"
#include "daemon/alert.h"
#include "daemon/dedup.h"

struct ctaws_conn;

struct publish_stats {
	uint64_t published;  /* accepted by SNS (or written, in dry-run mode) */
	uint64_t duplicates; /* skipped: published already (the state store says) */
	uint64_t failed;     /* given up on (the object fails) */
	uint64_t retried;    /* entries sent again */
	uint64_t batches;    /* PublishBatch calls */
};

struct publisher {
	struct ctaws_conn *conn;           /* borrowed; NULL in dry-run mode */
	struct dedup *dedup;               /* borrowed, shared by every worker; may be NULL */
	FILE *dry_run;                     /* borrowed; non-NULL: print instead of publishing */
	struct alert batch[SNS_BATCH_MAX]; /* owned: waiting alerts, all for one topic */
	size_t n;                          /* alerts in batch */
	size_t bytes;                      /* their SNS size */
	struct publish_stats stats;
};

void publisher_init(
    struct publisher *p, struct ctaws_conn *conn, struct dedup *dedup, FILE *dry_run);
/* Drops alerts still waiting (after a failure, the object is retried whole). */
void publisher_discard(struct publisher *p);

/* Takes the alert (*a is emptied). May publish a batch first; -1 with err when
 * that batch could not be published entirely. */
int publisher_add(struct publisher *p, struct alert *a, struct ctaws_error *err);
/* Publishes whatever waits. */
int publisher_flush(struct publisher *p, struct ctaws_error *err);

#endif
