/*
 * aggregate: what a match of a rule with a window (rules.h, struct
 * rule_group) becomes: an alert now, or a count kept for later, and the
 * summaries of windows that closed. Also operators' suppressions.
 *
 * Everything lives in the state store, so every instance sharing a
 * DynamoDB table, and a daemon restarted on its SQLite file, agree:
 *
 *   windows     A group is the rule and the values of its group_by fields.
 *               Windows are aligned by eventTime to multiples of the
 *               window's length (so every instance names the same window
 *               without talking to the others). The first match of a
 *               group in a window alerts at once; the rest are counted,
 *               with their first and last eventTime and a few eventIDs,
 *               and a summary goes out once the window closed and the
 *               allowed lateness (alerts.lateness) passed, since CloudTrail
 *               delivers late and out of order.
 *   thresholds  The window slides in tenths of its length: each tenth is a
 *               counter, and a match alerts when the tenths covering the
 *               window before its eventTime hold threshold matches (or
 *               threshold distinct values of the distinct field, each
 *               counted in the tenth it was last seen in). One alert per
 *               group per window.
 *   suppress    An operator's `ctalertd suppress` silences a rule, or one
 *               group of it, until a time; matches are then counted as
 *               handled and not alerted.
 *
 * A match that is counted instead of alerted is remembered in the dedup
 * store as handled, so a redelivered message neither alerts nor counts it
 * again. The store failing errs on the side of alerting: a match the store
 * cannot place alerts on its own. Thread-safe as the store is.
 */
#ifndef CT_DAEMON_AGGREGATE_H
#define CT_DAEMON_AGGREGATE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/dedup.h"
#include "rules/rules.h"
#include "util/buf.h"

#define AGG_IDS_MAX      5   /* eventIDs a summary lists */
#define AGG_VALUE_MAX    200 /* bytes of one group_by value kept */
#define AGG_LATENESS_DEF (15 * 60)

struct state;
struct aggregate;

enum agg_verdict {
	AGG_ALERT,      /* publish the alert (with the note, if any) */
	AGG_COUNTED,    /* counted into its window or threshold: no alert now */
	AGG_SUPPRESSED, /* an operator silenced it */
	AGG_DUPLICATE,  /* handled already (a redelivery) */
};

/* st and dedup borrowed, outliving the result; lateness_s: how long after
 * its end a window still takes matches; errors (may be NULL) counts store
 * calls that failed. NULL when memory is short. */
struct aggregate *aggregate_new(
    struct state *st, struct dedup *dedup, int64_t lateness_s, atomic_uint_fast64_t *errors);
void aggregate_free(struct aggregate *ag);
/* Reads suppressions from st (borrowed, outliving ag) instead of the store
 * the windows are counted in: a backfill counts in a store of its own, by
 * eventTime, and still honours the operators' suppressions. */
void aggregate_read_suppressions(struct aggregate *ag, struct state *st);

/* One match of rule on record (JSON text). For a rule with a window, note
 * receives the "aggregate" object the alert carries (docs/alerts.md) when
 * the verdict is AGG_ALERT; for others it stays empty and only suppression
 * applies. via: for a Sigma correlation, the name of the rule it counts
 * that matched (a temporal correlation counts distinct ones); else NULL. */
enum agg_verdict aggregate_match(struct aggregate *ag, const struct rule *rule, const char *via,
    const char *record, size_t len, struct buf *note);

/* A window that closed with matches beyond its first. */
struct agg_summary {
	const char *rule;             /* the rule's name, borrowed */
	const char *group;            /* its group_by values as a JSON object, borrowed */
	int64_t count;                /* matches after the one that alerted */
	int64_t window_index;         /* the window spans [index, index + 1) x the rule's
	                                 window, in eventTime seconds */
	int64_t first, last;          /* eventTime of the first and last counted, 0 unknown */
	const char *ids[AGG_IDS_MAX]; /* a few of their eventIDs, borrowed */
	size_t nids;
	char fingerprint[DEDUP_HEX_LEN + 1]; /* the same for every instance: a FIFO
	                                        MessageDeduplicationId */
};

/* Told of each closed window; 0 when its summary was published (or cannot
 * ever be: its rule is gone), -1 when it could not be (the window is then
 * kept a minute longer and told again, without its eventIDs). */
typedef int (*agg_summary_fn)(void *arg, const struct agg_summary *s);

/* Closes the windows whose time (and lateness) passed, at most max, each
 * reaching exactly one caller of all the instances. Returns how many were
 * told, or -1 when the store failed. */
long aggregate_sweep(struct aggregate *ag, size_t max, agg_summary_fn fn, void *arg);

/* Suppressions: the rule as a whole (values NULL) or the group of the
 * values of its group_by fields, in their order, until epoch second until
 * (a time already past lifts it). */
int aggregate_suppress(struct state *st, const struct rule *rule, const char *const *values,
    int64_t until, struct ct_error *err);

/* The pieces, for tests. */

/* The group's key part: 16 hex digits of SHA-256 over the values, each
 * followed by a NUL, into out[17]. */
void aggregate_group_hash(const char *const *values, size_t n, char out[17]);

#endif
