/*
 * message: one SQS message's life, top to bottom in the order it is lived
 * (see message.h): received and decoded, its objects checked and handed to
 * the workers, each object's end, the decision and its one log line, the
 * ack. The heartbeat and the dry run's give-back close the file.
 */
#include "config.h"

#include "daemon/message.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/metrics.h"
#include "daemon/notify.h"
#include "daemon/source.h"
#include "util/clock.h"
#include "util/log.h"

/* A failed message's backoff (see decide()). */
#define MESSAGE_BACKOFF_BASE_S 30L
#define MESSAGE_BACKOFF_CAP_S  900L

/* What an ack entry is for (its owner tag). */
enum { PURPOSE_FINAL = 1, PURPOSE_HEARTBEAT = 2, PURPOSE_DRY_RUN = 3 };

/* A failure the line telling a message's fate carries: the one whose end
 * decided it. Failures of its other objects were logged as they ended, so
 * each failure is logged once. */
struct failure {
	const char *bucket; /* borrowed; NULL when not an object's */
	const char *key;    /* borrowed */
	const char *text;   /* borrowed */
};

static const struct ct_config *
cfg(const struct messages *ms)
{
	return (*ms->snap)->cfg;
}

void
messages_init(struct messages *ms, struct snapshot *const *snap, struct pool *pool,
    struct acker *acker, struct counters *counters, int dry_run)
{
	memset(ms, 0, sizeof(*ms));
	inflight_init(&ms->inflight);
	inflight_init(&ms->held);
	ms->snap = snap;
	ms->pool = pool;
	ms->acker = acker;
	ms->counters = counters;
	ms->dry_run = dry_run;
}

void
messages_clear(struct messages *ms)
{
	inflight_clear(&ms->inflight);
	inflight_clear(&ms->held);
}

/* Steps further down, in the order a message meets them. */
static void start_objects(struct messages *ms, struct inflight_msg *m, const struct notification *n,
    struct failure *last, char *buf, size_t buflen);
static void submit_object(
    struct messages *ms, struct inflight_msg *m, const struct notify_object *o, int digest);
static void submit_event(struct messages *ms, struct inflight_msg *m, struct notification *n);
static void log_object_failure(const char *message_id, enum outcome o, const struct failure *why);
static void decide(struct messages *ms, struct inflight_msg *m, const struct failure *why);

/* ---- 1-2. received, decoded -------------------------------------------- */

void
message_received(struct messages *ms, const struct sqs_message *sm)
{
	const struct ct_config *c = cfg(ms);
	struct log_field f[] = {{"MESSAGE_ID", sm->message_id}, {NULL, NULL}};
	struct failure refused = {NULL, NULL, NULL};
	char refused_text[1500];
	struct notification n;
	struct inflight_msg *m;
	struct ct_error err;
	int dup;

	atomic_fetch_add(&ms->counters->messages_received, 1);
	if (sm->sent_timestamp_ms > 0)
		metrics_lag(clock_wall_s() - (double)sm->sent_timestamp_ms / 1000.);
	m = inflight_add(&ms->inflight, sm->message_id, sm->receipt_handle, (int)sm->receive_count,
	    sm->sent_timestamp_ms, clock_mono_s(), (int)c->receive.visibility_timeout, &dup);
	if (m == NULL) {
		if (dup)
			log_fields(LOG_INFO, f,
			    "message %s shown again while still in hand; kept its"
			    " newest receipt handle",
			    sm->message_id);
		else
			log_fields(LOG_ERR, f, "message %s: out of memory", sm->message_id);
		return;
	}
	memset(&n, 0, sizeof(n));
	if (notify_decode(sm->body, sm->body_len, &n, &err) == -1) {
		m->decode_failed = 1;
		snprintf(m->first_error, sizeof(m->first_error),
		    "not a notification ctalertd understands: %.440s", err.msg);
		decide(ms, m, NULL);
		return;
	}
	if (n.kind == NOTIFY_TEST_EVENT)
		log_fields(LOG_DEBUG, f, "message %s: s3:TestEvent for bucket %s, deleting it",
		    sm->message_id, n.test_bucket ? n.test_bucket : "?");
	else if (n.kind == NOTIFY_EVENT)
		submit_event(ms, m, &n);
	else
		start_objects(ms, m, &n, &refused, refused_text, sizeof(refused_text));
	if (m->objects_done < m->objects_total) {
		/* Objects still run: a refusal is not the end of the message. */
		if (refused.text)
			log_object_failure(m->message_id, OUTCOME_PERMANENT, &refused);
	} else {
		decide(ms, m, refused.text ? &refused : NULL);
	}
	notification_free(&n); /* refused points into it */
}

/* ---- 3-4. objects checked, handed to the workers ----------------------- */

/* Objects refused before any fetch end at once; the last such failure is
 * kept in *last (text in buf) for the message's fate line, earlier ones
 * are logged as they happen. */
static void
start_objects(struct messages *ms, struct inflight_msg *m, const struct notification *n,
    struct failure *last, char *buf, size_t buflen)
{
	char why[SOURCE_REASON_MAX];

	m->objects_total = (int)n->n_objects;
	for (size_t i = 0; i < n->n_objects; i++) {
		const struct notify_object *o = &n->objects[i];
		struct log_field f[] = {{"MESSAGE_ID", m->message_id}, {"BUCKET", o->bucket},
		    {"KEY", o->key}, {NULL, NULL}};

		switch (source_check(&(*ms->snap)->source, o->bucket, o->key, o->size, why)) {
		case SOURCE_FETCH:
			submit_object(ms, m, o, 0);
			break;
		case SOURCE_DIGEST:
			submit_object(ms, m, o, 1);
			break;
		case SOURCE_SKIP:
			atomic_fetch_add(&ms->counters->objects_skipped, 1);
			log_fields(LOG_DEBUG, f, "s3://%s/%s skipped: %s", o->bucket, o->key, why);
			inflight_object_done(m, OUTCOME_SKIPPED, NULL);
			break;
		case SOURCE_REFUSE:
			if (last->text)
				log_object_failure(m->message_id, OUTCOME_PERMANENT, last);
			snprintf(buf, buflen, "s3://%s/%s refused: %s", o->bucket, o->key, why);
			inflight_object_done(m, OUTCOME_PERMANENT, buf);
			*last = (struct failure){o->bucket, o->key, buf};
			break;
		}
	}
}

static void
submit_object(
    struct messages *ms, struct inflight_msg *m, const struct notify_object *o, int digest)
{
	struct object_job *j = calloc(1, sizeof(*j));

	if (j == NULL || (j->message_id = strdup(m->message_id)) == NULL ||
	    (j->bucket = strdup(o->bucket)) == NULL || (j->key = strdup(o->key)) == NULL) {
		object_job_free(j);
		inflight_object_done(m, OUTCOME_TRANSIENT, "out of memory");
		return;
	}
	j->size = o->size;
	j->digest = digest;
	j->snap = snapshot_ref((*ms->snap));
	pool_submit(ms->pool, &j->link);
}

/* The real-time path: a CloudTrail event from EventBridge is the message's
 * one job, matched by a worker like a log object's records, nothing fetched.
 * Its text is taken from n. */
static void
submit_event(struct messages *ms, struct inflight_msg *m, struct notification *n)
{
	struct log_field f[] = {
	    {"MESSAGE_ID", m->message_id}, {"EVENT_ID", n->event_id}, {NULL, NULL}};
	struct object_job *j = calloc(1, sizeof(*j));

	atomic_fetch_add(&ms->counters->events_received, 1);
	m->objects_total = 1;
	if (j == NULL || (j->message_id = strdup(m->message_id)) == NULL) {
		object_job_free(j);
		inflight_object_done(m, OUTCOME_TRANSIENT, "out of memory");
		return;
	}
	log_fields(
	    LOG_DEBUG, f, "message %s: %s, event %s", m->message_id, n->detail_type, n->event_id);
	j->event = n->event;
	j->event_len = n->event_len;
	j->event_id = n->event_id;
	n->event = n->event_id = NULL;
	j->size = (int64_t)j->event_len;
	j->snap = snapshot_ref((*ms->snap));
	pool_submit(ms->pool, &j->link);
}

/* ---- 5. an object ended ------------------------------------------------ */

/* An object failed and its message still waits for others: the failure's
 * own line (the message's fate line comes when the last one ends). */
static void
log_object_failure(const char *message_id, enum outcome o, const struct failure *why)
{
	struct log_field f[] = {
	    {"MESSAGE_ID", message_id}, {"BUCKET", why->bucket}, {"KEY", why->key}, {NULL, NULL}};

	if (o == OUTCOME_ABANDONED) /* the shutdown line says it */
		return;
	log_fields(o == OUTCOME_PERMANENT ? LOG_ERR : LOG_WARNING, f, "message %s: %s%s",
	    message_id, o == OUTCOME_PERMANENT ? "" : "will retry: ", why->text);
}

void
message_object_done(struct messages *ms, struct object_job *j)
{
	struct inflight_msg *m = inflight_find(&ms->inflight, j->message_id);
	struct log_field f[] = {{"MESSAGE_ID", j->message_id}, {"BUCKET", j->bucket},
	    {"KEY", j->key}, {"EVENT_ID", j->event_id}, {NULL, NULL}};
	struct failure why = {j->bucket, j->key, j->error};
	int failed = j->outcome != OUTCOME_DONE && j->outcome != OUTCOME_SKIPPED;

	if (j->event != NULL) { /* not an object: a failure is the message's */
		if (j->outcome == OUTCOME_DONE)
			log_fields(LOG_DEBUG, f, "message %s: event %s matched in %.3f s",
			    j->message_id, j->event_id, j->seconds);
	} else if (j->outcome == OUTCOME_DONE) {
		atomic_fetch_add(&ms->counters->objects_done, 1);
		log_fields(
		    LOG_INFO, f, "s3://%s/%s scanned in %.2f s", j->bucket, j->key, j->seconds);
	} else if (j->outcome != OUTCOME_ABANDONED) {
		atomic_fetch_add(&ms->counters->objects_failed, 1);
	}
	if (m == NULL || !inflight_object_done(m, j->outcome, j->error[0] ? j->error : NULL)) {
		if (failed)
			log_object_failure(j->message_id, j->outcome, &why);
	} else {
		decide(ms, m, failed ? &why : NULL);
	}
	object_job_free(j);
}

/* ---- 6. decided -------------------------------------------------------- */

/* The message's fate, in one line, with the failure that decided it. */
static void
log_fate(struct messages *ms, const struct inflight_msg *m, const struct ack_decision *dec,
    const struct failure *why)
{
	const struct ct_config *c = cfg(ms);
	struct log_field f[] = {{"MESSAGE_ID", m->message_id}, {"BUCKET", why ? why->bucket : NULL},
	    {"KEY", why ? why->key : NULL}, {NULL, NULL}};
	int failed = m->n_transient + m->n_permanent + m->n_abandoned;
	const char *text = why ? why->text : m->decode_failed ? m->first_error : NULL;
	char summary[96];

	if (text == NULL && failed > 0) {
		snprintf(summary, sizeof(summary),
		    "%d of %d objects failed (each logged as it ended)", failed, m->objects_total);
		text = summary;
	}
	if (text == NULL)
		return;
	if (!dec->poisoned)
		log_fields(LOG_WARNING, f, "message %s given back for %d s: %s", m->message_id,
		    dec->visibility, text);
	else if (dec->kind == ACK_RETURN)
		log_fields(LOG_ERR, f, "message %s failed (receive %d of %d), back in %d s: %s",
		    m->message_id, m->receive_count, c->poison.max_receive_count, dec->visibility,
		    text);
	else
		log_fields(LOG_ERR, f, "message %s is poison after %d receives, %s: %s",
		    m->message_id, m->receive_count,
		    dec->kind == ACK_DELETE ? "deleting it"
		                            : "leaving it for the dead-letter queue",
		    text);
}

/* Dry run: nothing is deleted; the message is held until the run ends,
 * then given back at once (see messages_give_back). */
static void
hold(struct messages *ms, struct inflight_msg *m)
{
	int dup;

	inflight_add(&ms->held, m->message_id, m->receipt_handle, m->receive_count, m->sent_ms,
	    clock_mono_s(), 0, &dup);
	inflight_remove(&ms->inflight, m);
}

static void
decide(struct messages *ms, struct inflight_msg *m, const struct failure *why)
{
	const struct ct_config *c = cfg(ms);
	/* A failed message waits no longer the first time than one whose
	 * consumer died would: min(30 s, visibility timeout), doubling per
	 * receive up to 15 minutes; the receive count already differs from
	 * message to message, so no jitter. */
	long base_s = c->receive.visibility_timeout < MESSAGE_BACKOFF_BASE_S
	                  ? (long)c->receive.visibility_timeout
	                  : MESSAGE_BACKOFF_BASE_S;
	struct inflight_policy pol = {c->poison.max_receive_count,
	    c->poison.action == POISON_DELETE,
	    {base_s * 1000, MESSAGE_BACKOFF_CAP_S * 1000, CTAWS_JITTER_NONE}};
	struct ack_decision dec = inflight_decide(m, &pol);
	struct log_field f[] = {{"MESSAGE_ID", m->message_id}, {NULL, NULL}};
	enum ack_op op = dec.kind == ACK_DELETE ? ACK_OP_DELETE : ACK_OP_VISIBILITY;

	if (dec.kind == ACK_NONE)
		return;
	if (dec.poisoned && dec.kind != ACK_RETURN)
		atomic_fetch_add(&ms->counters->messages_poisoned, 1);
	if (m->n_transient > 0 || m->n_permanent > 0 || m->decode_failed)
		ms->failed++;
	log_fate(ms, m, &dec, why);
	if (ms->dry_run) {
		hold(ms, m);
		return;
	}
	if (ack_enqueue(ms->acker, op, m->message_id, m->receipt_handle, dec.visibility,
	        (void *)(intptr_t)PURPOSE_FINAL) == -1) {
		log_fields(LOG_ERR, f, "message %s: out of memory queueing its ack", m->message_id);
		ms->failed++;
		inflight_remove(&ms->inflight, m);
		return;
	}
	m->acking = true;
}

/* ---- 7. acked ---------------------------------------------------------- */

static void
heartbeat_done(struct messages *ms, struct ack_entry *e)
{
	struct inflight_msg *m = inflight_find(&ms->inflight, e->message_id);
	struct log_field f[] = {{"MESSAGE_ID", e->message_id}, {NULL, NULL}};

	if (e->ok && m) {
		m->visible_until = clock_mono_s() + e->visibility;
		m->extended_s += e->visibility;
		atomic_fetch_add(&ms->counters->visibility_extended, 1);
	} else if (!e->ok) {
		log_fields(LOG_WARNING, f, "message %s: extending visibility failed: %s",
		    e->message_id, e->error);
	}
}

void
message_ack_done(struct messages *ms, struct ack_entry *e)
{
	int purpose = (int)(intptr_t)e->owner;
	struct inflight *table = purpose == PURPOSE_DRY_RUN ? &ms->held : &ms->inflight;
	struct inflight_msg *m = inflight_find(table, e->message_id);
	struct log_field f[] = {{"MESSAGE_ID", e->message_id}, {NULL, NULL}};

	if (purpose == PURPOSE_HEARTBEAT) {
		heartbeat_done(ms, e);
		return;
	}
	if (e->ok) {
		if (e->op == ACK_OP_DELETE)
			atomic_fetch_add(&ms->counters->messages_deleted, 1);
		else
			atomic_fetch_add(&ms->counters->messages_returned, 1);
		log_fields(LOG_DEBUG, f, "message %s %s", e->message_id,
		    e->op == ACK_OP_DELETE ? "deleted" : "given back");
	} else {
		/* It shows again when its visibility lapses and is processed again;
		 * the state store keeps its alerts from going out twice. */
		ms->failed++;
		log_fields(LOG_WARNING, f, "message %s: %s failed: %s", e->message_id,
		    e->op == ACK_OP_DELETE ? "delete" : "giving back", e->error);
	}
	if (m)
		inflight_remove(table, m);
}

/* ---- while in hand: the heartbeat -------------------------------------- */

void
messages_heartbeat(struct messages *ms)
{
	const struct ct_config *c = cfg(ms);
	struct inflight_msg *due[64];
	int margin = (int)c->receive.heartbeat * 2;
	size_t n;

	if (ms->dry_run)
		return;
	n = inflight_due_for_extension(&ms->inflight, clock_mono_s(), margin,
	    (int)c->receive.max_visibility_extension, due, 64);
	for (size_t i = 0; i < n; i++) {
		struct inflight_msg *m = due[i];
		long left = (long)c->receive.max_visibility_extension -
		            (long)(clock_mono_s() - m->received_at);
		int vis = (int)c->receive.visibility_timeout;

		if (vis > left)
			vis = (int)left;
		if (vis <= 0)
			continue;
		ack_enqueue(ms->acker, ACK_OP_VISIBILITY, m->message_id, m->receipt_handle, vis,
		    (void *)(intptr_t)PURPOSE_HEARTBEAT);
		/* Not again until this one is answered or the margin comes round. */
		m->visible_until = clock_mono_s() + margin + 1;
	}
}

/* ---- a dry run ends ---------------------------------------------------- */

/* Dry run over: every message it received goes back to the queue at once
 * (visibility 0), so the real daemon need not wait out their timeouts. */
size_t
messages_give_back(struct messages *ms)
{
	struct inflight_msg *m, *next;
	size_t n = ms->held.count;

	if (n == 0)
		return 0;
	log_notice("dry run over: giving %zu message%s back to the queue", ms->held.count,
	    ms->held.count == 1 ? "" : "s");
	for (m = ms->held.head; m; m = next) {
		next = m->next;
		if (ack_enqueue(ms->acker, ACK_OP_VISIBILITY, m->message_id, m->receipt_handle, 0,
		        (void *)(intptr_t)PURPOSE_DRY_RUN) == -1) {
			log_err("message %s: out of memory giving it back", m->message_id);
			inflight_remove(&ms->held, m);
			n--;
		}
	}
	return n;
}
