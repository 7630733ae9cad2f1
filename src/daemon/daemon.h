/*
 * daemon: the running ctalertd, one struct for the whole process.
 *
 * The data path, one room per step; message.c tells one message's life
 * through them, top to bottom:
 *   poll.c      long-polls SQS from the event loop (libev + libcurl multi)
 *   message.c   a message's life: received, decoded, objects handed out,
 *               each object's end, its fate decided and logged, acked
 *   notify.c    decodes each message body into the objects it announces
 *   source.c    decides per object: fetch, skip or refuse
 *   fetch.c     a worker streams the object from S3 into the scanner
 *   (stream/)   inflate and the record stream; (match/) the rules
 *   alerter.c   a record's matches into alerts (also `scan --publish`'s)
 *   aggregate.c a match of a rule with a window: alert now, or count it
 *   alert.c     builds an alert per (record, rule)
 *   publish.c   publishes alerts to SNS in batches
 *   ack.c       deletes the message, or gives it back
 *   summary.c   a thread of its own: closed windows out as summaries
 *   inflight.c  the messages in hand and the pure decision of their fate
 * daemon.c is the wiring: the loop, timers, signals, reload, start and stop.
 *
 * Threads: the event loop owns everything below except what is marked
 * "workers"; workers see only their job, their own state and the shared,
 * immutable configuration snapshot the job carries.
 */
#ifndef CT_DAEMON_DAEMON_H
#define CT_DAEMON_DAEMON_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/alert.h"
#include "daemon/conf.h"
#include "daemon/inflight.h"
#include "daemon/pool.h"
#include "daemon/source.h"

/* A configuration in force, shared by the loop and the jobs started under it;
 * a reload makes a new one, and the old one goes when its last job ends. */
struct snapshot {
	atomic_int refs;
	struct ct_config *cfg;       /* owned */
	struct source_policy source; /* cfg's source settings, as source_check() takes them */
	struct alert_options alerts; /* cfg's alert settings, as alert_build() takes them */
};

struct snapshot *snapshot_new(struct ct_config *cfg); /* takes cfg; one reference */
struct snapshot *snapshot_ref(struct snapshot *s);
void snapshot_unref(struct snapshot *s);

/* What happened so far; written by the loop and by workers (atomics). */
struct counters {
	atomic_uint_fast64_t messages_received;   /* messages received (redeliveries too) */
	atomic_uint_fast64_t messages_deleted;    /* deleted after success (or poison delete) */
	atomic_uint_fast64_t messages_returned;   /* given back to the queue */
	atomic_uint_fast64_t messages_poisoned;   /* failed permanently on their last receive */
	atomic_uint_fast64_t visibility_extended; /* heartbeat extensions */
	atomic_uint_fast64_t receive_errors;      /* failed ReceiveMessage calls */
	atomic_uint_fast64_t events_received;     /* CloudTrail events from EventBridge */
	atomic_uint_fast64_t objects_done;        /* objects scanned to the end */
	atomic_uint_fast64_t objects_skipped;     /* digest files, filtered keys */
	atomic_uint_fast64_t objects_failed;      /* objects that failed */
	atomic_uint_fast64_t bytes_fetched;       /* compressed bytes from S3 */
	atomic_uint_fast64_t records;             /* records scanned */
	atomic_uint_fast64_t record_errors;       /* records skipped with an error */
	atomic_uint_fast64_t matches;             /* (record, rule) matches */
	atomic_uint_fast64_t alerts_published;    /* accepted by SNS */
	atomic_uint_fast64_t alerts_duplicate;    /* not sent again (published already) */
	atomic_uint_fast64_t alerts_failed;       /* could not be published (object retried) */
	atomic_uint_fast64_t alerts_grouped;      /* counted into a window or threshold */
	atomic_uint_fast64_t alerts_suppressed;   /* silenced by an operator's suppression */
	atomic_uint_fast64_t state_errors;        /* state store calls that failed */
	/* CloudTrail digests (attest.h, docs/integrity.md) */
	atomic_uint_fast64_t digests_verified; /* signature, location and chain checked */
	atomic_uint_fast64_t logs_verified;    /* listed logs whose hash matched */
	atomic_uint_fast64_t logs_backfilled;  /* listed logs never announced, scanned then */
	atomic_uint_fast64_t logs_modified;    /* failures, one counter per alert */
	atomic_uint_fast64_t logs_deleted;
	atomic_uint_fast64_t logs_injected;
	atomic_uint_fast64_t digests_invalid;
	atomic_uint_fast64_t chains_broken;
	atomic_uint_fast64_t deliveries_stopped;
};

/* One object to scan, or one CloudTrail event to match (the real-time
 * path): made by the loop, run by a worker, handed back. */
struct object_job {
	struct pool_job link;  /* first: the pool hands back this pointer */
	struct snapshot *snap; /* a reference: the configuration it runs under */
	char *message_id;      /* owned */
	char *bucket;          /* owned; NULL for an event */
	char *key;             /* owned; NULL for an event */
	char *event;           /* owned; an EventBridge event's JSON text, else NULL */
	size_t event_len;      /* bytes of event */
	char *event_id;        /* owned; the event's detail.eventID, else NULL */
	int64_t size;          /* from the notification, -1 if unknown; an event: its bytes */
	int digest;            /* a CloudTrail digest to verify, not a log to scan */
	enum outcome outcome;  /* set by the worker */
	char error[768];       /* set by the worker when not done */
	double seconds;        /* time the worker spent on it */
};

struct daemon_options {
	const char *config_path; /* NULL: the default file, or the environment alone */
	int once;                /* exit once the queue stays empty for one long poll */
	FILE *dry_run;           /* non-NULL: print alerts there, publish and delete nothing */
};

struct daemon;

/* Loads nothing itself: cfg is taken (it becomes the first snapshot). */
struct daemon *daemon_new(
    struct ct_config *cfg, const struct daemon_options *opt, struct ct_error *err);
/* Checks the queue, signals READY and runs until stopped; returns the exit status. */
int daemon_run(struct daemon *d);
void daemon_free(struct daemon *d);

/* fetch.c: the worker side. */
struct fetch_shared {
	struct ctaws_client *client; /* borrowed; thread-safe */
	struct dedup *dedup;         /* borrowed; thread-safe: published alerts */
	struct aggregate *agg;       /* borrowed; thread-safe: windows and thresholds */
	struct ledger *ledger;       /* borrowed; thread-safe: scanned logs' hashes */
	struct state *store;         /* borrowed; thread-safe: the state store */
	struct attest_keys *keys;    /* borrowed; thread-safe: CloudTrail's public keys */
	struct counters *counters;   /* borrowed */
	atomic_int *abort_work;      /* set when the shutdown grace is over */
	FILE *dry_run;               /* non-NULL: print alerts */
};
void *fetch_worker_new(void *shared, int index);
void fetch_worker_run(void *worker, struct pool_job *job);
void fetch_worker_free(void *worker);
void object_job_free(struct object_job *j);

#endif
