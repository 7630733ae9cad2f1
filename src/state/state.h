/*
 * state: what ctalertd remembers between records, messages, restarts and
 * instances. One small interface, several backends:
 *
 *   memory  in this process only (scan, --dry-run, tests); gone at exit
 *   sqlite  one file in the unit's StateDirectory=, WAL mode: survives
 *           kill -9 and reboots, shared by the processes of one machine
 *   dynamodb  one on-demand DynamoDB table, shared by every instance that
 *           reads the same queue: conditional writes and atomic counters,
 *           through the AWS layer (signing, retries, endpoints); how each
 *           call keeps this contract and what it costs is in
 *           src/state/dynamodb.c, the table's schema in deploy/
 *
 * The store knows nothing of rules or alerts. A key is a short string its
 * caller chooses, with a prefix of the caller's own ("alert/", ...); a key
 * holds a counter (0 unless added to) and lives until its expiry. Expiries
 * are wall-clock seconds since the epoch, because a key must mean the same
 * after a reboot and to every instance sharing a store; a key past its
 * expiry is absent for every call, whether or not it was pruned yet.
 *
 * Every call is thread-safe. Every call that can fail returns -1 with err
 * naming the store (its file, or its table) and what failed; callers treat a failed store
 * as "not known", so a failure can only cause a duplicate, never a loss.
 */
#ifndef CT_STATE_STATE_H
#define CT_STATE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define STATE_KEY_MAX 512 /* bytes of a key */

enum state_backend {
	STATE_MEMORY,
	STATE_SQLITE,
	STATE_DYNAMODB,
};

struct ctaws_client;

struct state_options {
	enum state_backend backend;
	const char *path;         /* sqlite: the database file (created if missing) */
	int64_t max_keys;         /* above this, prune forgets the keys expiring first;
	                             0: STATE_MAX_KEYS_DEFAULT */
	int64_t (*now)(void);     /* wall clock, seconds; NULL: the real one (tests) */
	const char *table;        /* dynamodb: the table's name (it must exist: the store
	                             checks it once at open, never creates it) */
	const char *region;       /* dynamodb: the table's region; NULL: the client's */
	struct ctaws_client *aws; /* dynamodb: borrowed, outlives the store; the
	                             daemon's client (credentials, endpoints,
	                             retries) shared with its other AWS calls */
};

#define STATE_MAX_KEYS_DEFAULT 1000000
/* An expired key is kept this long for state_take_expired before pruning
 * forgets it anyway. */
#define STATE_EXPIRED_KEEP_S 86400

struct state;

struct state *state_open(const struct state_options *o, struct ct_error *err);
void state_close(struct state *s);
/* "memory", "sqlite", "dynamodb". */
const char *state_backend_name(enum state_backend b);
/* The backend s was opened with. */
enum state_backend state_backend_of(const struct state *s);
/* Where it lives, for messages: the file, "memory", or "dynamodb table T in
 * REGION". */
const char *state_where(const struct state *s);
/* The store's clock (options.now): the wall-clock seconds its calls compare
 * expiries with, for callers computing an `until`. */
int64_t state_now(const struct state *s);

/* Records key until `until` (a later expiry wins; an expired key starts
 * afresh with counter 0). */
int state_put(struct state *s, const char *key, int64_t until, struct ct_error *err);
/* 1 when key is present and unexpired, 0 when not. */
int state_has(struct state *s, const char *key, struct ct_error *err);
/* Test-and-set: records key until `until` only when it is absent or
 * expired. 1 when this call set it, 0 when it was there already. Of several
 * callers racing for one key, exactly one gets 1. */
int state_claim(struct state *s, const char *key, int64_t until, struct ct_error *err);
/* Adds delta to key's counter, creating it (at 0, expiring at until) when
 * absent or expired; an existing key keeps its expiry. The new value in
 * *value. */
int state_add(struct state *s, const char *key, int64_t delta, int64_t until, int64_t *value,
    struct ct_error *err);

/* Reads key's counter: 1 and *value when key is present and unexpired, 0
 * (and *value 0) when not. Nothing is written. */
int state_get(struct state *s, const char *key, int64_t *value, struct ct_error *err);
/* Raises key's counter to value: when key is absent or expired, or its
 * counter is below value, the counter becomes value and the key expires
 * at until (callers raise by time, so a later value comes with a later
 * expiry). *before (may be NULL) is the counter it had, INT64_MIN when it
 * was absent or expired. 1 when this call raised it, 0 when the counter
 * already held value or more. Of racing callers, each sees the counter
 * the one before it left: a latest-seen time needs no lock. */
int state_raise(struct state *s, const char *key, int64_t value, int64_t until, int64_t *before,
    struct ct_error *err);

/* Forgets key at once, live or not (an operator lifting what a key held).
 * 1 when it was there, 0 when not. */
int state_forget(struct state *s, const char *key, struct ct_error *err);

/* The keys with prefix that have expired, oldest expiry first, at most max:
 * each is forgotten and handed to fn with its counter (a window that
 * closed). Of several callers, each expired key reaches exactly one.
 * Returns how many, or -1. */
typedef void (*state_expired_fn)(void *arg, const char *key, int64_t value, int64_t until);
long state_take_expired(struct state *s, const char *prefix, size_t max, state_expired_fn fn,
    void *arg, struct ct_error *err);

/* Forgets keys expired more than STATE_EXPIRED_KEEP_S ago and, above
 * max_keys, the keys expiring first. Returns how many were forgotten. */
long state_prune(struct state *s, struct ct_error *err);
/* Seconds between prunes that suit the backend: a walk of a table in memory
 * or one SQLite statement is cheap. 0 for DynamoDB, whose TTL deletes what
 * expired and whose prune would scan the whole table. */
double state_prune_every(const struct state *s);
/* Keys held, expired ones not yet pruned included. */
long state_count(struct state *s, struct ct_error *err);

#endif
