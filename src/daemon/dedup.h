/*
 * dedup: the (eventID, rule) pairs this process published lately.
 *
 * SQS delivers at least once: a message whose visibility lapsed, or that a
 * worker gave back after a transient failure, comes back, and its records
 * match again. Before publishing an alert the worker asks dedup_seen(); once
 * SNS accepted it, dedup_remember(). An alert that failed to publish is never
 * remembered, so a retry is never suppressed: the cache can only turn a
 * duplicate into silence, never a loss into one.
 *
 * A pair is kept as a 128-bit fingerprint (the first half of SHA-256 over
 * eventID, a NUL, the rule name); its hex form is also the FIFO
 * MessageDeduplicationId, so SNS drops the same duplicates across processes.
 *
 * Memory is fixed at creation: capacity fingerprints in a ring (the oldest
 * is forgotten first) and a chained hash index over the ring, about 28 bytes
 * per entry. Capacity 0 disables the cache (nothing is ever seen).
 * Thread-safe: one mutex, held for a hash lookup.
 */
#ifndef CT_DAEMON_DEDUP_H
#define CT_DAEMON_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#define DEDUP_MAX_CAPACITY (1u << 26) /* 64 Mi pairs, ~1.8 GB: beyond any sane setting */
#define DEDUP_HEX_LEN      32         /* characters of dedup_key_hex() */

struct dedup_key {
	uint64_t hi, lo;
};

struct dedup;

/* NULL when capacity > DEDUP_MAX_CAPACITY or memory is short. */
struct dedup *dedup_new(size_t capacity);
void dedup_free(struct dedup *d);

/* The fingerprint of (event_id, rule); event_id NULL counts as "".
 * -1 only when OpenSSL cannot hash (out of memory). */
int dedup_key_make(struct dedup_key *k, const char *event_id, const char *rule);

/* Its 32 lower-case hex digits and a NUL into out[DEDUP_HEX_LEN + 1]. */
void dedup_key_hex(const struct dedup_key *k, char *out);

/* 1 when k was remembered and not yet forgotten. */
int dedup_seen(struct dedup *d, const struct dedup_key *k);

/* Remembers k (no-op if it is there), forgetting the oldest when full. */
void dedup_remember(struct dedup *d, const struct dedup_key *k);

size_t dedup_count(struct dedup *d);
size_t dedup_capacity(const struct dedup *d);

/* For tests: 0 when the index and the ring agree, -1 otherwise. */
int dedup_selfcheck(struct dedup *d);

#endif
