/*
 * summary: the thread that closes windows (aggregate_sweep) and publishes
 * their summaries through a publisher of its own.
 *
 * It wakes every SUMMARY_EVERY_S seconds. Windows live in the state store,
 * so a summary is sent by whichever instance sweeps first once the window
 * and the allowed lateness passed, once; a window whose rule a reload
 * removed is dropped with a notice. The configuration it publishes under
 * is the loop's current snapshot, handed over with summary_set_snapshot.
 * A summary SNS accepted is remembered in the state store (dedup.h, by the
 * window's fingerprint), so a backfill over the same window (`ctalertd scan
 * --publish`) does not send it again.
 */
#ifndef CT_DAEMON_SUMMARY_H
#define CT_DAEMON_SUMMARY_H

#include <stdio.h>

#include "daemon/aggregate.h"
#include "daemon/daemon.h"

#define SUMMARY_EVERY_S 15
#define SUMMARY_BATCH   100 /* windows closed per sweep */

struct summarizer;
struct ctaws_client;

/* Closes the windows whose time and lateness passed and publishes their
 * summaries through pub, for the rules (by name) and opts in force: what
 * the thread does on each wake, and what a one-shot run does at its end. A
 * summary that could not be published is kept for another sweep (its
 * window comes back a minute later). Returns the windows told, or -1 when
 * the store failed. */
struct publisher;
long summary_sweep(struct aggregate *ag, struct publisher *pub, const struct rule_list *rules,
    const struct alert_options *opts);

/* Starts the thread. ag, dedup (may be NULL: summaries are not remembered),
 * client, counters and dry_run (NULL: publish) are borrowed and outlive it;
 * snap is referenced. NULL when it cannot start. */
struct summarizer *summarizer_new(struct aggregate *ag, struct dedup *dedup,
    struct ctaws_client *client, struct snapshot *snap, struct counters *counters, FILE *dry_run);
/* Publishes under snap from the next sweep on (a reload). */
void summarizer_set_snapshot(struct summarizer *s, struct snapshot *snap);
/* Sweeps once more, now (tests, --once and shutdown do not wait). */
void summarizer_sweep_now(struct summarizer *s);
/* Stops the thread and frees it. */
void summarizer_free(struct summarizer *s);

#endif
