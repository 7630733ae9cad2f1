/*
 * dedup: the (eventID, rule) pairs SNS accepted, remembered in the state
 * store so that no instance alerts for them again.
 *
 * SQS delivers at least once: a message whose visibility lapsed, that a
 * worker gave back, that a crashed process left behind or that another
 * instance took, comes back, and CloudTrail can write one event into two
 * log files. Before publishing an alert the worker asks dedup_seen(); once
 * SNS accepted it, dedup_remember(). An alert that failed to publish is never
 * remembered, and a store that fails answers "not seen", so the store can
 * only turn a duplicate into silence, never a loss into one. What is left is
 * the moment between SNS accepting an alert and the store recording it: a
 * crash there repeats that alert once. With a FIFO topic the fingerprint is
 * also the MessageDeduplicationId, which closes that window too.
 *
 * A pair is a 128-bit fingerprint (the first half of SHA-256 over eventID, a
 * NUL, the rule name), kept in the store as "alert/" and its hex form until
 * `remember` seconds after it was published (alerts.remember).
 * Thread-safe as the store is.
 */
#ifndef CT_DAEMON_DEDUP_H
#define CT_DAEMON_DEDUP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define DEDUP_HEX_LEN 32 /* characters of dedup_key_hex() */

struct dedup_key {
	uint64_t hi, lo;
};

struct dedup;
struct state;

/* Remembers in st (borrowed, outliving the result) for remember_s seconds;
 * remember_s 0 turns remembering off (nothing is ever seen). Each store call
 * that fails is counted into *errors (borrowed; may be NULL). NULL when
 * memory is short. */
struct dedup *dedup_new(struct state *st, int64_t remember_s, atomic_uint_fast64_t *errors);
void dedup_free(struct dedup *d);

/* The fingerprint of (event_id, rule); event_id NULL counts as "".
 * -1 only when OpenSSL cannot hash (out of memory). */
int dedup_key_make(struct dedup_key *k, const char *event_id, const char *rule);

/* Its 32 lower-case hex digits and a NUL into out[DEDUP_HEX_LEN + 1]. */
void dedup_key_hex(const struct dedup_key *k, char *out);

/* 1 when k was published within the last remember_s seconds; 0 when not, or
 * when the store cannot tell (then logged). */
int dedup_seen(struct dedup *d, const struct dedup_key *k);

/* Records that k was published now (a failing store is logged). */
void dedup_remember(struct dedup *d, const struct dedup_key *k);

/* Remembers in d, from now, every pair src holds that has expired by src's
 * clock, and forgets them in src: a backfill counts in a store of its own
 * on a clock of eventTimes and, at its end, with that clock past every
 * expiry, hands over what it counted. Returns how many, or -1 when a store
 * failed (logged). */
long dedup_hand_over(struct dedup *src, struct dedup *d);

#endif
