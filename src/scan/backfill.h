/*
 * backfill: `ctalertd scan --publish`, a scan's matches alerted as the
 * daemon alerts live traffic, through the daemon's own steps: the rules'
 * windows, thresholds and suppressions (daemon/aggregate.h), the alert and
 * its topic or route (daemon/alert.h), the publisher (daemon/publish.h)
 * and the configured state store that remembers what was published
 * (daemon/dedup.h), shared with the daemon. So an alert the daemon, or an
 * earlier backfill, published is not published again, and one SNS did not
 * accept is not remembered: the next run sends it.
 *
 * What a backfill cannot take from the daemon as it is, because it reads
 * the past in one go:
 *   - windows and thresholds are counted by eventTime, each record at its
 *     own time, in a store of the scan's own (memory): a window of last
 *     month groups as it would have live, whatever order the files come
 *     in. Every window closes when the scan ends, and the summaries go out
 *     then (backfill_finish): there is no later to wait for. Each scan
 *     counts its windows whole, from its own records: a window's first
 *     match alerts unless the configured store says it was published or
 *     handled, and its summary goes out unless the store says the daemon
 *     or an earlier scan sent it. The matches counted are handed to the
 *     configured store as handled at the end (dedup_hand_over), so the
 *     daemon and later scans take them as handled; a scan that failed to
 *     publish a summary or an alert sends it when run again, whatever
 *     order its files come in. Suppressions are read from the configured
 *     store.
 *   - account names come from alerts.accounts only
 *     (alerts.organization_names is the daemon's).
 *   - --dry-run, as the daemon's: alerts are written to a stream (one JSON
 *     line each) and the state store is memory, so a dry run never tells
 *     the daemon an alert was sent.
 *
 * Threads: one backfill_worker per scanning thread (its own publisher and
 * SNS connection); the backfill is shared.
 */
#ifndef CT_SCAN_BACKFILL_H
#define CT_SCAN_BACKFILL_H

#include <stdint.h>
#include <stdio.h>

#include "daemon/conf.h"
#include "rules/rules.h"
#include "stream/records.h"
#include "util/error.h"

struct backfill;
struct backfill_worker;

/* For the configuration c and its rules (both borrowed, outliving the
 * result; rules in the matcher's order, c->links computed over them);
 * dry_run non-NULL: alerts are written there. NULL with err naming what
 * could not be opened (the state store, the AWS client). */
struct backfill *backfill_new(
    const struct ct_config *c, const struct rule_list *rules, FILE *dry_run, struct ct_error *err);
void backfill_free(struct backfill *b);

/* One per scanning thread; NULL when memory is short. */
struct backfill_worker *backfill_worker_new(struct backfill *b);
/* Adds what it published to the backfill's totals; what still waits is
 * dropped (backfill_object_done publishes it). */
void backfill_worker_free(struct backfill_worker *w);

/* One record's matches (rules[0..n), indexes into the rules), its
 * eventTime as written (NULL: none). 0, or -1 with err naming the record
 * and what failed; the alerts of the batch that failed are not remembered. */
int backfill_match(struct backfill_worker *w, const struct record_ref *rec, const char *event_time,
    const size_t *rules, size_t n, struct ct_error *err);
/* At the end of each file or object: what waits is published. 0, or -1
 * with err naming source and the publish that failed. */
int backfill_object_done(struct backfill_worker *w, const char *source, struct ct_error *err);

/* At the end of the scan: every window closed and its summary published,
 * then the totals on standard error ("published N alerts, M already
 * published, ..."). 0, or -1 when a summary could not be published (told). */
int backfill_finish(struct backfill *b);

#endif
