/*
 * ledger: what the daemon remembers of the log files it scanned, for the
 * CloudTrail digests that list them (docs/integrity.md).
 *
 * A log file scanned to the end is recorded under "log/BUCKET/KEY" with the
 * first 60 bits of the SHA-256 of its uncompressed bytes as the key's counter
 * (the store holds counters, not strings: 60 bits make a forged collision as
 * hard as 2^60 tries), kept `keep` seconds: long enough for the digest of
 * its hour, which CloudTrail delivers within about an hour of the hour's
 * end. A later scan of the same key (the object was written again) records
 * the later hash: what a digest is compared with is what ctalertd last read.
 *
 * Thread-safe as the store is; a failing store is counted and logged once,
 * and a log file it could not record is only checked again (fetched) at
 * digest time, never reported as changed.
 */
#ifndef CT_DAEMON_LEDGER_H
#define CT_DAEMON_LEDGER_H

#include <stdatomic.h>
#include <stdint.h>

#include "integrity/digest.h"

#define LEDGER_KEEP_DEFAULT (6 * 3600) /* seconds a log file's hash is kept */

struct ledger;
struct state;

/* st borrowed, outliving the ledger; errors (borrowed, may be NULL) counts
 * store calls that failed. A log scanned for the first time (or with a new
 * hash) also gets "unlisted/BUCKET/KEY", expiring unlisted_s after the scan,
 * that the digest listing it forgets (watch.h). NULL when memory is short. */
struct ledger *ledger_new(
    struct state *st, int64_t keep_s, int64_t unlisted_s, atomic_uint_fast64_t *errors);
void ledger_free(struct ledger *l);

/* The hash's first 60 bits, as the ledger keeps it (0 for text that is not
 * hex). */
int64_t ledger_hash_prefix(const char hash[DIGEST_HASH_HEX]);

/* Records that bucket/key was scanned with hash. */
void ledger_scanned(
    struct ledger *l, const char *bucket, const char *key, const char hash[DIGEST_HASH_HEX]);

/* What the ledger holds for bucket/key: 1 and *prefix when it was scanned,
 * 0 when not, -1 when the store cannot tell (logged). */
int ledger_lookup(struct ledger *l, const char *bucket, const char *key, int64_t *prefix);

#endif
