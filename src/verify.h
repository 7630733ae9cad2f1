/*
 * verify: `ctalertd verify`, the pieces its files share (verify.c: options
 * and the run; verify_list.c: what the bucket holds; verify_fetch.c: digests
 * and logs fetched in parallel; verify_report.c: findings and output).
 *
 * The checks themselves are src/integrity's; this command finds the objects,
 * fetches them and says what the checks found.
 */
#ifndef CT_VERIFY_H
#define CT_VERIFY_H

#include <stddef.h>
#include <time.h>

#include "integrity/digest.h"
#include "integrity/verify.h"
#include "util/buf.h"
#include "util/error.h"

struct ctaws_client;

#define VERIFY_JOBS_DEFAULT 4 /* objects in flight */
/* CloudTrail lists a log in the digest of the hour it was delivered, which
 * is within about this long of the time in its name: a log must be listed
 * by the digest of that time's hour or of this much later. */
#define VERIFY_LISTING_GRACE (15 * 60)

/* CloudTrail delivers a digest a little after each hour: a trail whose
 * newest digest ends longer than this before --until has stopped, or its
 * newest digests were deleted (the end of a chain names nothing). */
#define VERIFY_DELIVERY_SLACK (2 * 3600)

/* A digest found in the bucket. */
struct vdigest {
	char *key;       /* owned */
	char *chain;     /* owned; "ACCOUNT REGION TRAIL HOME[ backfill]": digests of one chain */
	char *region;    /* owned; the region it covers, whose key signs it */
	time_t stamp;    /* the end time in its key */
	int fetched;     /* 1: text parsed into d; -1: not a digest (why in error) */
	struct digest d; /* when fetched == 1 */
	char *signature; /* owned; x-amz-meta-signature, NULL when absent */
	char *algorithm; /* owned; x-amz-meta-signature-algorithm, NULL when absent */
	char error[512]; /* why it could not be read */
	int missing;     /* gone between listing and fetching */
	int valid;       /* passed every check */
};

/* The hour a valid digest covers, for the logs no digest lists. */
struct vspan {
	const char *chain; /* borrowed from the digest */
	size_t prefix;     /* bytes of "ACCOUNT REGION" at the start of chain */
	time_t start, end;
};

/* A log file a valid digest lists. */
struct vlog {
	const char *bucket; /* borrowed from its digest */
	const char *key;    /* borrowed from its digest */
	const char *hash;   /* borrowed: the digest's hashValue */
	int state;          /* VLOG_* */
	char error[512];    /* VLOG_ERROR: why */
};

enum { VLOG_PENDING, VLOG_VALID, VLOG_MISMATCH, VLOG_MISSING, VLOG_FORMAT, VLOG_ERROR };

enum finding_kind { FIND_DIGEST, FIND_LOG, FIND_GAP };

struct finding {
	enum finding_kind kind;
	char *bucket;    /* owned; NULL for a gap */
	char *key;       /* owned; NULL for a gap */
	char *verdict;   /* owned; as validate-logs words it: "not found", ... */
	time_t from, to; /* a gap: no logs were delivered between */
};

struct verify_opts {
	const char *bucket; /* borrowed */
	const char *prefix; /* borrowed; "" for none */
	time_t since, until;
	const char *account; /* NULL: every account */
	const char *region;  /* NULL: every region */
	int json;            /* --json */
	int progress;        /* a progress line on the terminal */
	int jobs;            /* objects in flight */
};

/* One region's public keys, fetched once and refreshed at most once. */
struct vkeys {
	char region[32];
	struct iv_keyring *ring; /* owned */
	int refreshed;
};

struct verify {
	const struct verify_opts *o;
	struct ctaws_client *client; /* borrowed */
	struct vdigest *digests;     /* owned */
	size_t ndigests, capdigests;
	struct vlog *logs; /* owned */
	size_t nlogs, caplogs;
	char **bucket_logs; /* owned; log keys found in the bucket in range, sorted */
	time_t *bucket_log_stamps;
	char **bucket_log_chains; /* owned; "ACCOUNT REGION" of each */
	size_t nbucket_logs, capbucket_logs;
	struct vspan *spans; /* owned; sorted by account, region, start */
	size_t nspans;
	struct vkeys keys[64]; /* AWS has fewer regions */
	size_t nkeys;
	struct finding *findings; /* owned */
	size_t nfindings, capfindings;
	size_t digests_valid, digests_invalid, logs_valid, logs_invalid, unlisted;
	int errors; /* something could not be checked: exit 2 */
};

/* verify_list.c */
int verify_list(struct verify *v, struct ct_error *err);

/* verify_fetch.c: fetch and parse every digest; hash every log of v->logs. */
int verify_fetch_digests(struct verify *v, struct ct_error *err);
int verify_hash_logs(struct verify *v, struct ct_error *err);
int verify_load_keys(struct verify *v, const char *region, int refresh, struct vkeys **out);

/* verify_report.c */
int verify_find(struct verify *v, enum finding_kind kind, const char *bucket, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int verify_gap(struct verify *v, time_t from, time_t to);
void verify_progress(const struct verify *v, const char *what, size_t done, size_t total);
void verify_progress_clear(const struct verify *v);
void verify_print(const struct verify *v);
void verify_free(struct verify *v);

#endif
