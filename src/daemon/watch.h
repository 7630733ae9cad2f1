/*
 * watch: a thread of its own for what the integrity checks find by the
 * clock rather than by a notification (docs/integrity.md):
 *   - the dead-man's switch: each verified digest pushes its trail's
 *     "silent/ACCOUNT/REGION/TRAIL" key integrity.delivery_timeout ahead;
 *     a key that expires is a trail that stopped delivering:
 *     ctalertd-integrity-delivery-stopped, and "stopped/..." remembers it
 *     until the next digest clears it with ctalertd-integrity-delivery-resumed;
 *   - logs CloudTrail did not write: each scanned log gets an
 *     "unlisted/BUCKET/KEY" key that the digest listing it forgets; one that
 *     expires (integrity.unlisted_timeout after its scan) alerts
 *     ctalertd-integrity-log-injected.
 * Both are the store's take_expired: of several instances sharing a store,
 * exactly one alerts. An alert that cannot be published puts its key back,
 * expired, for the next round.
 */
#ifndef CT_DAEMON_WATCH_H
#define CT_DAEMON_WATCH_H

#include <stdio.h>

struct ctaws_client;
struct counters;
struct snapshot;
struct state;
struct watch;

/* Starts the thread; every pointer borrowed and outliving it. NULL when it
 * cannot start. */
struct watch *watch_new(struct state *st, struct ctaws_client *client, struct snapshot *snap,
    struct counters *counters, FILE *dry_run);
/* The configuration in force after a reload. */
void watch_set_snapshot(struct watch *w, struct snapshot *snap);
void watch_free(struct watch *w); /* stops and joins the thread */

#endif
