/*
 * summary: the thread that closes windows (aggregate_sweep) and publishes
 * their summaries through a publisher of its own.
 *
 * It wakes every SUMMARY_EVERY_S seconds. Windows live in the state store,
 * so a summary is sent by whichever instance sweeps first once the window
 * and the allowed lateness passed, once; a window whose rule a reload
 * removed is dropped with a notice. The configuration it publishes under
 * is the loop's current snapshot, handed over with summary_set_snapshot.
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

/* Starts the thread. ag, client, counters and dry_run (NULL: publish) are
 * borrowed and outlive it; snap is referenced. NULL when it cannot start. */
struct summarizer *summarizer_new(struct aggregate *ag, struct ctaws_client *client,
    struct snapshot *snap, struct counters *counters, FILE *dry_run);
/* Publishes under snap from the next sweep on (a reload). */
void summarizer_set_snapshot(struct summarizer *s, struct snapshot *snap);
/* Sweeps once more, now (tests, --once and shutdown do not wait). */
void summarizer_sweep_now(struct summarizer *s);
/* Stops the thread and frees it. */
void summarizer_free(struct summarizer *s);

#endif
