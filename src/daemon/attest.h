/*
 * attest: a CloudTrail digest read by a worker, checked, and every log file
 * it lists compared with what ctalertd scanned (docs/integrity.md).
 *
 * For one digest: GetObject with its metadata (the signature), inflated
 * whole (a digest is small); its signature with the region's public keys
 * (ListPublicKeys, cached for every worker, fetched again once when a
 * fingerprint is unknown); its location; its link to the previous digest
 * (through the store: "digest/BUCKET/KEY" holds the first 60 bits of
 * SHA-256(hash "\n" signature) of each digest verified, and a previous
 * digest the store does not know is read from S3). Then each listed log:
 *   scanned with the same hash      verified
 *   scanned with another hash       alert ctalertd-integrity-log-modified
 *   not scanned                     fetched and scanned now (its rules'
 *                                   alerts too), then compared: backfilled
 *   not in S3                       alert ctalertd-integrity-log-deleted
 * A digest that is not valid (moved, unknown key, bad signature, not a
 * digest) raises ctalertd-integrity-digest-invalid and its list is not
 * trusted; a broken link ctalertd-integrity-chain-broken.
 *
 * Without s3:GetObject on digests or cloudtrail:ListPublicKeys, ctalertd
 * says so once and goes on: the digest's message is done, never retried.
 *
 * Integrity alerts are built by alert.c like a rule's (attest_alert): the
 * "record" is the finding (docs/alerts.md, "Integrity alerts"), its eventID
 * stable per finding, so effectively-once holds for them too.
 */
#ifndef CT_DAEMON_ATTEST_H
#define CT_DAEMON_ATTEST_H

#include <stddef.h>

#include "daemon/alert.h"
#include "daemon/inflight.h"
#include "integrity/digest.h"

struct ctaws_client;
struct ctaws_conn;
struct publisher;
struct snapshot;
struct fetch_shared;

/* The public keys of every region, shared by the workers. */
struct attest_keys;
struct attest_keys *attest_keys_new(struct ctaws_client *client); /* NULL: no memory */
void attest_keys_free(struct attest_keys *k);

/* What a digest job needs of its worker (all borrowed). backfill scans
 * bucket/key as an announced log, its alerts published: 0 with the hash of
 * its uncompressed bytes in hash, 1 when the object does not exist, -1 when
 * it could not be read (why says). */
struct attest_worker {
	struct ctaws_conn *conn;
	struct publisher *pub;
	struct snapshot *snap;
	struct fetch_shared *shared;
	int (*backfill)(void *arg, const char *bucket, const char *key, char hash[DIGEST_HASH_HEX],
	    char *why, size_t whylen);
	void *arg;
};

/* Verifies the digest at bucket/key; the outcome of its message's object
 * (error set when not done). */
enum outcome attest_digest(
    struct attest_worker *w, const char *bucket, const char *key, char *error, size_t errlen);

/* The kinds of integrity alert, for attest_alert. */
enum attest_kind {
	ATTEST_LOG_MODIFIED,
	ATTEST_LOG_DELETED,
	ATTEST_LOG_INJECTED,
	ATTEST_DIGEST_INVALID,
	ATTEST_CHAIN_BROKEN,
	ATTEST_DELIVERY_STOPPED,
	ATTEST_DELIVERY_RESUMED,
};

/* The rule an integrity alert carries (static). */
const struct rule *attest_rule(enum attest_kind k);

/* One finding, as the alert's record says it. Every field may be NULL. */
struct attest_finding {
	enum attest_kind kind;
	const char *bucket; /* the object's bucket and key: the alert's "log" */
	const char *key;
	const char *object;   /* the log file or digest, s3://bucket/key */
	const char *digest;   /* the digest that said so, s3://bucket/key */
	const char *account;  /* the trail's account */
	const char *region;   /* the digest's region */
	const char *trail;    /* the trail's name */
	const char *expected; /* what the digest (or chain) says: a hash */
	const char *found;    /* what ctalertd found */
	const char *detail;   /* words */
	const char *id;       /* what makes the finding unique (with kind) */
};

/* Builds the alert for f into *a (alert_free). */
int attest_alert(struct alert *a, const struct attest_finding *f, const struct alert_options *o,
    struct ct_error *err);

#endif
