/*
 * alerter: what one record's matches become, the step between the matcher
 * and the publisher. The daemon's workers and `ctalertd scan --publish`
 * both go through it, so a backfill pages exactly as live traffic does.
 *
 * For each rule the record matched, in the matcher's order:
 *   - a rule a Sigma correlation counts without generate does not alert on
 *     its own (rule_links.quiet), and the correlations it feeds count it;
 *   - a rule with a window or threshold, or one an operator suppressed,
 *     asks aggregate_match() whether to alert now (aggregate.h);
 *   - the alert is built (alert.h) and handed to the publisher, which
 *     leaves out what the state store says was published already and sends
 *     the rest in batches (publish.h).
 * Single-threaded: one alerter per worker, as its publisher is.
 */
#ifndef CT_DAEMON_ALERTER_H
#define CT_DAEMON_ALERTER_H

#include <stddef.h>
#include <stdint.h>

#include "aws/error.h"
#include "daemon/aggregate.h"
#include "daemon/alert.h"
#include "daemon/publish.h"
#include "rules/rules.h"
#include "stream/records.h"
#include "util/error.h"

/* What became of the matches beside the alerts (the publisher counts those). */
struct alerter_stats {
	uint64_t matches;    /* (record, rule) matches seen */
	uint64_t grouped;    /* counted into a window or threshold: no alert now */
	uint64_t suppressed; /* silenced by an operator's suppression */
	uint64_t duplicates; /* a window's or threshold's match handled already */
};

/* Told of each alert built, before the publisher takes it (the daemon logs it). */
typedef void (*alerter_built_fn)(void *arg, const struct rule *rule, const struct alert *a);

struct alerter {
	const struct rule_list *rules;    /* borrowed; the matcher's rules, in its order */
	const struct rule_links *links;   /* borrowed; computed over rules */
	const struct alert_options *opts; /* borrowed */
	struct aggregate *agg;            /* borrowed; thread-safe */
	struct publisher *pub;            /* borrowed; this thread's */
	alerter_built_fn built;           /* NULL: none */
	void *arg;                        /* built's */
	struct alerter_stats stats;
	int publish_failed;         /* a batch could not be published entirely */
	struct ctaws_error pub_err; /* why, when publish_failed */
};

/* The matches of rec (rules[0..n), indexes into al->rules), from the log
 * s3://bucket/key (both NULL: none). 0, or -1 with err when an alert could
 * not be built (err names the record and the rule) or publishing failed
 * (publish_failed set, pub_err says why). */
int alerter_match(struct alerter *al, const struct record_ref *rec, const size_t *rules, size_t n,
    const char *bucket, const char *key, struct ct_error *err);

#endif
