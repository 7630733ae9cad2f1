/*
 * fetch: a worker's job. One object, from S3 to published alerts; or one
 * CloudTrail event from EventBridge (the real-time path), whose record goes
 * through the same record stream, matcher and publisher, nothing fetched.
 *
 * The body streams from GetObject's write callback straight into the
 * scanner (stream/objfetch: inflate, record stream, matcher); each match
 * becomes an alert handed to the publisher at once, so memory holds one
 * record and one batch of alerts, whatever the size of the object. The object ends in one
 * outcome for the message it came from:
 *   done       every record scanned, every alert accepted by SNS
 *   permanent  it will fail the same way again (NoSuchKey, AccessDenied,
 *              corrupt gzip, not CloudTrail JSON, over a size limit)
 *   transient  worth another try later (throttling, 5xx, network, SNS)
 *   abandoned  the shutdown grace ran out while it was being read
 * An event ends the same way: permanent when its record is unusable (the
 * record stream's errors), transient when publishing failed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/s3.h"
#include "daemon/aggregate.h"
#include "daemon/alerter.h"
#include "daemon/attest.h"
#include "daemon/daemon.h"
#include "daemon/ledger.h"
#include "daemon/metrics.h"
#include "daemon/publish.h"
#include "integrity/verify.h"
#include "stream/objfetch.h"
#include "stream/objscan.h"
#include "util/clock.h"
#include "util/log.h"

struct fetch_worker {
	struct fetch_shared *shared; /* borrowed */
	int index;
	struct ctaws_conn *conn;     /* owned: this thread's connection to S3 */
	struct ctaws_conn *pub_conn; /* owned: to SNS, used while conn is inside GetObject */
	struct snapshot *snap;       /* the configuration scan was built for (a reference) */
	struct objscan *scan;        /* owned */
	struct matcher *ev_match;    /* owned: for events, with ev_records */
	struct records *ev_records;  /* owned: RECORDS_EVENTBRIDGE */
	struct iv_sha256 *sha;       /* owned: the log's hash, tapped from scan's inflater */
	struct publisher pub;
	struct alerter al; /* matches into alerts for pub, under snap */
	/* The current job, for the callbacks. */
	struct object_job *job;
	char source[1100]; /* "s3://bucket/key", "EventBridge event in message ID" */
	int refused;       /* on_head refused the object */
	char refuse_why[SOURCE_REASON_MAX];
	int aborted;       /* the shutdown grace ran out */
	int record_failed; /* an event's record was unusable (error in job->error) */
	int not_found;     /* GetObject said the object does not exist */
	char *hash_out;    /* non-NULL: the scanned log's hash goes here too (a backfill) */
};

static void on_built(void *arg, const struct rule *rule, const struct alert *a);

void
object_job_free(struct object_job *j)
{
	if (j == NULL)
		return;
	if (j->snap)
		snapshot_unref(j->snap);
	free(j->message_id);
	free(j->bucket);
	free(j->key);
	free(j->event);
	free(j->event_id);
	free(j);
}

void *
fetch_worker_new(void *shared, int index)
{
	struct fetch_worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->shared = shared;
	w->index = index;
	/* A dry run reads objects too: only publishing is left out. Alerts are
	 * published from GetObject's body callback, when a batch fills: a
	 * connection cannot start a call while its own transfer runs, so SNS
	 * gets a connection of its own. */
	if ((w->conn = ctaws_conn_new(w->shared->client)) == NULL ||
	    (w->pub_conn = ctaws_conn_new(w->shared->client)) == NULL) {
		ctaws_conn_free(w->conn);
		free(w);
		return NULL;
	}
	/* When the shutdown grace is over, a stalled GetObject or PublishBatch
	 * must not hold the exit up: the object is abandoned and given back. */
	ctaws_conn_set_cancel(w->conn, w->shared->abort_work);
	ctaws_conn_set_cancel(w->pub_conn, w->shared->abort_work);
	publisher_init(&w->pub, w->pub_conn, w->shared->dedup, w->shared->dry_run);
	w->al.agg = w->shared->agg;
	w->al.pub = &w->pub;
	w->al.built = on_built;
	w->al.arg = w;
	if ((w->sha = iv_sha256_new()) == NULL) {
		fetch_worker_free(w);
		return NULL;
	}
	return w;
}

void
fetch_worker_free(void *p)
{
	struct fetch_worker *w = p;

	if (w == NULL)
		return;
	publisher_discard(&w->pub);
	objscan_free(w->scan);
	iv_sha256_free(w->sha);
	records_free(w->ev_records);
	matcher_free(w->ev_match);
	if (w->snap)
		snapshot_unref(w->snap);
	ctaws_conn_free(w->conn);
	ctaws_conn_free(w->pub_conn);
	free(w);
}

static void
log_record_error(void *arg, const struct record_ref *rec, const struct ct_error *err)
{
	struct fetch_worker *w = arg;
	struct log_field f[] = {{"MESSAGE_ID", w->job->message_id}, {"BUCKET", w->job->bucket},
	    {"KEY", w->job->key}, {NULL, NULL}};

	(void)rec;
	atomic_fetch_add(&w->shared->counters->record_errors, 1);
	if (w->job->event) { /* the event's one record: the message's failure */
		w->record_failed = 1;
		snprintf(w->job->error, sizeof(w->job->error), "%s", err->msg);
		return;
	}
	log_fields(LOG_WARNING, f, "%s", err->msg);
}

/* One short line per match: the rule, what was called and by whom (whole),
 * and the log object, each once; the same facts as structured fields. */
static void
log_match(struct fetch_worker *w, const struct rule *rule, const struct alert *a)
{
	const char *event = a->event_name ? a->event_name : "a record";
	const char *who = a->principal ? a->principal : "an unknown principal";
	struct log_field f[] = {{"RULE", rule->name}, {"EVENT_NAME", a->event_name},
	    {"PRINCIPAL", a->principal}, {"BUCKET", w->job->bucket}, {"KEY", w->job->key},
	    {"EVENT_ID", a->event_id}, {"MESSAGE_ID", w->job->message_id}, {NULL, NULL}};

	log_fields(
	    LOG_NOTICE, f, "matched rule %s: %s by %s in %s", rule->name, event, who, w->source);
}

/* An alert built for the current job: logged. */
static void
on_built(void *arg, const struct rule *rule, const struct alert *a)
{
	log_match(arg, rule, a);
}

static int
on_match(
    void *arg, const struct record_ref *rec, const size_t *rules, size_t n, struct ct_error *err)
{
	struct fetch_worker *w = arg;

	return alerter_match(&w->al, rec, rules, n, w->job->bucket, w->job->key, err);
}

/* The log's SHA-256, on the uncompressed bytes as the scanner reads them. */
static int
tap_hash(void *arg, const char *p, size_t n, struct ct_error *err)
{
	struct fetch_worker *w = arg;

	if (iv_sha256_update(w->sha, p, n) == -1)
		return ct_error_set(err, CT_ERR_NOMEM, "SHA-256 failed");
	return 0;
}

/* The log was read to the end: its hash goes to the ledger, for the digest
 * that will list it. */
static void
record_hash(struct fetch_worker *w)
{
	char hash[DIGEST_HASH_HEX];

	if (!w->snap->cfg->integrity.verify || iv_sha256_finish(w->sha, hash) == -1)
		return;
	if (w->hash_out)
		memcpy(w->hash_out, hash, DIGEST_HASH_HEX);
	ledger_scanned(w->shared->ledger, w->job->bucket, w->job->key, hash);
}

/* The record stream for events, with the limits of log records. */
static int
prepare_events(struct fetch_worker *w, const struct ruleset *rs, const struct conf_limits *l,
    struct ct_error *err)
{
	struct records_opts ro = {
	    RECORDS_EVENTBRIDGE, l->max_record_size, (unsigned)l->max_depth, NULL};
	struct records_cb cb = {on_match, log_record_error, w};

	if ((w->ev_match = matcher_new(rs)) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	if ((w->ev_records = records_new(&ro, rs, w->ev_match, &cb, err)) == NULL)
		return -1;
	return 0;
}

/* Builds the scanners for the job's configuration when it is not the one
 * the worker has (first job, or after a reload). */
static int
prepare_scan(struct fetch_worker *w, struct snapshot *snap, struct ct_error *err)
{
	struct objscan_opts o;
	struct records_cb cb = {on_match, log_record_error, w};
	const struct conf_limits *l = &snap->cfg->limits;

	if (w->scan && w->ev_records && w->snap == snap)
		return 0;
	objscan_free(w->scan);
	records_free(w->ev_records);
	matcher_free(w->ev_match);
	w->scan = NULL;
	w->ev_records = NULL;
	w->ev_match = NULL;
	if (w->snap)
		snapshot_unref(w->snap);
	w->snap = snapshot_ref(snap);
	w->al.rules = &snap->cfg->rules;
	w->al.links = &snap->cfg->links;
	w->al.opts = &snap->alerts;
	objscan_opts_default(&o);
	o.max_record = l->max_record_size;
	o.max_depth = (unsigned)l->max_depth;
	o.max_inflated = l->max_inflated_size;
	o.max_ratio = (unsigned)l->max_ratio;
	o.prefilter = snap->cfg->prefilter;
	if ((w->scan = objscan_new(snap->cfg->ruleset, &o, &cb, err)) == NULL)
		return -1;
	if (snap->cfg->integrity.verify)
		objscan_set_tap(w->scan, tap_hash, w);
	return prepare_events(w, snap->cfg->ruleset, l, err);
}

static int
on_head(void *arg, const struct s3_object_info *info)
{
	struct fetch_worker *w = arg;
	const struct source_policy *p = &w->snap->source;

	if (info->size >= 0 && source_size_check(p, (uint64_t)info->size, w->refuse_why) != 0) {
		w->refused = 1;
		return -1;
	}
	return 0;
}

/* Before each piece of the body is scanned: stops when the shutdown grace
 * ran out. */
static int
on_bytes(void *arg, size_t len)
{
	struct fetch_worker *w = arg;

	if (atomic_load(w->shared->abort_work)) {
		w->aborted = 1;
		return -1;
	}
	atomic_fetch_add(&w->shared->counters->bytes_fetched, len);
	return 0;
}

/* A failed GetObject, in the words of the message's fate. */
static enum outcome
classify_s3(const struct ctaws_error *e)
{
	if (e->retryable || e->transient)
		return OUTCOME_TRANSIENT;
	switch (e->errc) {
	case CTAWS_ERRC_NOT_FOUND:     /* NoSuchKey, NoSuchBucket, 404 */
	case CTAWS_ERRC_ACCESS_DENIED: /* AccessDenied, 403 */
	case CTAWS_ERRC_INVALID:       /* InvalidObjectState (Glacier), a bad key */
		return OUTCOME_PERMANENT;
	default:
		/* The object changed under us, or anything unknown: try again
		 * later rather than judge the message poison. */
		return e->http_status == 403 || e->http_status == 404 ? OUTCOME_PERMANENT
		                                                      : OUTCOME_TRANSIENT;
	}
}

static void
fail_job(struct fetch_worker *w, enum outcome o, const char *what, const char *detail)
{
	struct object_job *j = w->job;

	j->outcome = o;
	if (what)
		snprintf(j->error, sizeof(j->error), "%s: %s%s", w->source, what, detail);
	else
		snprintf(j->error, sizeof(j->error), "%s", detail);
}

/* The alerts still in the batch go to SNS; the job is done when they are in. */
static void
flush_alerts(struct fetch_worker *w)
{
	char why[1024];

	if (publisher_flush(&w->pub, &w->al.pub_err) == -1) {
		if (atomic_load(w->shared->abort_work))
			fail_job(w, OUTCOME_ABANDONED, "", "shutdown grace period over");
		else
			fail_job(w, OUTCOME_TRANSIENT, "publishing alerts: ",
			    ctaws_error_str(&w->al.pub_err, why, sizeof(why)));
		return;
	}
	w->job->outcome = OUTCOME_DONE;
}

/* The object could not be read whole, or the scanner refused its bytes. */
static void
fetch_failed(struct fetch_worker *w, const struct objfetch_result *r)
{
	char why[1024];

	if (w->aborted || atomic_load(w->shared->abort_work))
		fail_job(w, OUTCOME_ABANDONED, "", "shutdown grace period over");
	else if (w->refused)
		fail_job(w, OUTCOME_PERMANENT, "", w->refuse_why);
	else if (w->al.publish_failed)
		fail_job(w, OUTCOME_TRANSIENT,
		    "publishing alerts: ", ctaws_error_str(&w->al.pub_err, why, sizeof(why)));
	else if (r->status == OBJFETCH_REFUSED)
		fail_job(w, OUTCOME_PERMANENT, NULL, r->content.msg);
	else
		fail_job(w, classify_s3(&r->aws), "", ctaws_error_str(&r->aws, why, sizeof(why)));
}

/* The body was read whole, and the scanner found the object incomplete. */
static void
finish_failed(struct fetch_worker *w, const struct objfetch_result *r)
{
	char why[1024];

	if (w->al.publish_failed && atomic_load(w->shared->abort_work))
		fail_job(w, OUTCOME_ABANDONED, "", "shutdown grace period over");
	else if (w->al.publish_failed)
		fail_job(w, OUTCOME_TRANSIENT,
		    "publishing alerts: ", ctaws_error_str(&w->al.pub_err, why, sizeof(why)));
	else
		fail_job(w, OUTCOME_PERMANENT, NULL, r->content.msg);
}

static void
scan_object(struct fetch_worker *w)
{
	struct object_job *j = w->job;
	struct objfetch_params p = {0};
	struct objfetch_result r;

	p.bucket = j->bucket;
	p.key = j->key;
	p.expected_owner = w->snap->cfg->source.expected_bucket_owner;
	p.on_head = on_head;
	p.on_bytes = on_bytes;
	p.arg = w;
	if (objfetch_run(w->conn, w->scan, &p, &r) == -1) {
		w->not_found = r.status == OBJFETCH_S3_FAILED && r.aws.errc == CTAWS_ERRC_NOT_FOUND;
		if (r.status == OBJFETCH_REFUSED && !r.in_body)
			finish_failed(w, &r);
		else
			fetch_failed(w, &r);
		return;
	}
	record_hash(w);
	flush_alerts(w);
}

/* The real-time path: the event's record, matched and published. */
static void
scan_event(struct fetch_worker *w)
{
	struct object_job *j = w->job;
	struct ct_error err;
	char why[1024];

	if (records_reset(w->ev_records, w->source, &err) == -1 ||
	    records_feed(w->ev_records, j->event, j->event_len, &err) == -1 ||
	    records_finish(w->ev_records, &err) == -1) {
		if (w->al.publish_failed)
			fail_job(w, OUTCOME_TRANSIENT, "publishing alerts: ",
			    ctaws_error_str(&w->al.pub_err, why, sizeof(why)));
		else
			fail_job(w,
			    err.code == CT_ERR_NOMEM ? OUTCOME_TRANSIENT : OUTCOME_PERMANENT, NULL,
			    err.msg);
		return;
	}
	if (w->record_failed) {
		j->outcome = OUTCOME_PERMANENT; /* job->error says why */
		return;
	}
	flush_alerts(w);
}

/* A log a digest lists and no notification announced: scanned as if it had
 * been, in the middle of the digest's job (attest.h). */
static int
backfill(void *arg, const char *bucket, const char *key, char hash[DIGEST_HASH_HEX], char *why,
    size_t whylen)
{
	struct fetch_worker *w = arg;
	struct object_job *digest = w->job;
	struct object_job log = {
	    .snap = digest->snap, .message_id = digest->message_id, .size = -1};
	struct ct_error err;
	int r;

	log.bucket = (char *)bucket;
	log.key = (char *)key;
	w->job = &log;
	snprintf(w->source, sizeof(w->source), "s3://%s/%s", bucket, key);
	w->al.publish_failed = w->refused = w->aborted = w->not_found = 0;
	hash[0] = '\0';
	w->hash_out = hash;
	iv_sha256_reset(w->sha);
	if (objscan_reset(w->scan, w->source, &err) == -1) {
		snprintf(log.error, sizeof(log.error), "%s", err.msg);
		log.outcome = OUTCOME_TRANSIENT;
	} else {
		scan_object(w);
	}
	w->hash_out = NULL;
	r = log.outcome == OUTCOME_DONE && hash[0] ? 0 : w->not_found ? 1 : -1;
	if (r == -1)
		snprintf(why, whylen, "%s", log.error[0] ? log.error : "no hash");
	w->job = digest;
	snprintf(w->source, sizeof(w->source), "s3://%s/%s", digest->bucket, digest->key);
	return r;
}

static void
run_digest(struct fetch_worker *w)
{
	struct attest_worker aw = {w->conn, &w->pub, w->snap, w->shared, backfill, w};

	w->job->outcome =
	    attest_digest(&aw, w->job->bucket, w->job->key, w->job->error, sizeof(w->job->error));
}

/* What errors and log lines call the job: "s3://bucket/key", or the event. */
static void
job_source(const struct object_job *j, char *out, size_t len)
{
	if (j->event)
		snprintf(out, len, "EventBridge event in message %s", j->message_id);
	else
		snprintf(out, len, "s3://%s/%s", j->bucket, j->key);
}

/* What the job's matches became, beside the alerts the publisher counts. */
static void
add_alerter_stats(
    struct counters *k, const struct alerter_stats *now, const struct alerter_stats *before)
{
	atomic_fetch_add(&k->matches, now->matches - before->matches);
	atomic_fetch_add(&k->alerts_grouped, now->grouped - before->grouped);
	atomic_fetch_add(&k->alerts_suppressed, now->suppressed - before->suppressed);
	atomic_fetch_add(&k->alerts_duplicate, now->duplicates - before->duplicates);
}

void
fetch_worker_run(void *state, struct pool_job *pj)
{
	struct fetch_worker *w = state;
	struct object_job *j = (struct object_job *)pj;
	struct objscan_stats st;
	struct ct_error err;
	uint64_t before_pub, before_dup, before_fail;
	struct alerter_stats before_al;
	double t0 = clock_mono_s();
	char source[sizeof(w->source)];

	j->error[0] = '\0';
	job_source(j, source, sizeof(source));
	if (w == NULL) {
		j->outcome = OUTCOME_TRANSIENT;
		snprintf(j->error, sizeof(j->error), "%s: no worker state (out of memory)", source);
		return;
	}
	if (atomic_load(w->shared->abort_work)) {
		j->outcome = OUTCOME_ABANDONED;
		snprintf(j->error, sizeof(j->error), "%s: not started before shutdown", source);
		return;
	}
	w->job = j;
	memcpy(w->source, source, sizeof(source));
	w->al.publish_failed = w->refused = w->aborted = w->record_failed = 0;
	ctaws_error_clear(&w->al.pub_err);
	if (prepare_scan(w, j->snap, &err) == -1 || objscan_reset(w->scan, w->source, &err) == -1) {
		j->outcome = OUTCOME_TRANSIENT;
		snprintf(j->error, sizeof(j->error), "%s: %s", w->source, err.msg);
		w->job = NULL;
		return;
	}
	iv_sha256_reset(w->sha);
	before_pub = w->pub.stats.published;
	before_dup = w->pub.stats.duplicates;
	before_fail = w->pub.stats.failed;
	before_al = w->al.stats;
	if (j->event) {
		scan_event(w);
		st.records = records_stats(w->ev_records)->records;
	} else {
		if (j->digest)
			run_digest(w);
		else
			scan_object(w);
		objscan_stats(w->scan, &st);
	}
	publisher_discard(&w->pub);
	atomic_fetch_add(&w->shared->counters->records, st.records);
	atomic_fetch_add(
	    &w->shared->counters->alerts_published, w->pub.stats.published - before_pub);
	atomic_fetch_add(
	    &w->shared->counters->alerts_duplicate, w->pub.stats.duplicates - before_dup);
	atomic_fetch_add(&w->shared->counters->alerts_failed, w->pub.stats.failed - before_fail);
	add_alerter_stats(w->shared->counters, &w->al.stats, &before_al);
	j->seconds = clock_mono_s() - t0;
	if (!j->event)
		metrics_observe_object(j->seconds);
	w->job = NULL;
}
