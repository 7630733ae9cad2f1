/*
 * daemon: the event loop that ties the rooms together.
 *
 * One turn of the loop (pump) collects finished objects and acks, sends
 * what was decided, and starts a long poll when there is room for more
 * messages. Signals, the visibility heartbeat, STATUS and the watchdog are
 * timers and watchers on the same loop; nothing here blocks except the
 * start-up check of the queue.
 */
#include "config.h"

#include <curl/curl.h>
#include <ev.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/sqs.h"
#include "daemon/ack.h"
#include "daemon/awsconf.h"
#include "daemon/curlev.h"
#include "daemon/daemon.h"
#include "daemon/dedup.h"
#include "daemon/metrics.h"
#include "daemon/notify.h"
#include "daemon/poll.h"
#include "daemon/service.h"
#include "daemon/source.h"
#include "util/log.h"

/* What an ack entry is for. */
enum { PURPOSE_FINAL = 1, PURPOSE_HEARTBEAT = 2 };

struct daemon {
	struct ev_loop *loop;  /* owned */
	struct snapshot *snap; /* the configuration in force (a reference) */
	struct daemon_options opt;
	struct ctaws_client *client; /* owned */
	struct curlev *cv;           /* owned: the loop's HTTP transfers */
	struct poller *poller;       /* owned */
	struct pool *pool;           /* owned: the workers */
	struct acker *acker;         /* owned */
	struct dedup *dedup;         /* owned; NULL when the cache is off */
	struct fetch_shared shared;  /* what workers share */
	struct inflight inflight;    /* messages held */
	struct counters counters;
	atomic_int abort_work; /* workers: drop what you are doing */
	int stopping;          /* SIGTERM/SIGINT seen: no more receives */
	int exit_status;
	int empty_polls;     /* --once: receives that came back empty in a row */
	ev_async wake;       /* a worker or the acker finished something */
	ev_prepare prepare;  /* pump before the loop sleeps */
	ev_timer heartbeat;  /* visibility extensions */
	ev_timer status;     /* STATUS= */
	ev_timer watchdog;   /* WATCHDOG=1 */
	ev_timer grace;      /* shutdown grace */
	ev_timer ack_window; /* acks decided close together share a call */
	ev_signal sigterm, sigint, sighup, sigusr1;
};

struct snapshot *
snapshot_new(struct ct_config *cfg)
{
	struct snapshot *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	atomic_init(&s->refs, 1);
	s->cfg = cfg;
	return s;
}

struct snapshot *
snapshot_ref(struct snapshot *s)
{
	atomic_fetch_add(&s->refs, 1);
	return s;
}

void
snapshot_unref(struct snapshot *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
		conf_free(s->cfg);
		free(s);
	}
}

static const struct ct_config *
cfg(const struct daemon *d)
{
	return d->snap->cfg;
}

static double
mono_now(struct daemon *d)
{
	return ev_now(d->loop);
}

/* ---- ack ------------------------------------------------------------- */

static void
decide(struct daemon *d, struct inflight_msg *m)
{
	const struct ct_config *c = cfg(d);
	/* A failed message waits no longer the first time than one whose
	 * consumer died would: min(30 s, visibility timeout), doubling. */
	int base = c->receive.visibility_timeout < 30 ? (int)c->receive.visibility_timeout : 30;
	struct inflight_policy pol = {
	    c->poison.max_receive_count, c->poison.action == POISON_DELETE, base, 900};
	struct ack_decision dec = inflight_decide(m, &pol);
	struct log_field f[] = {{"MESSAGE_ID", m->message_id}, {NULL, NULL}};
	enum ack_op op = dec.kind == ACK_DELETE ? ACK_OP_DELETE : ACK_OP_VISIBILITY;

	if (dec.kind == ACK_NONE)
		return;
	if (dec.poisoned) {
		if (dec.kind == ACK_RETURN)
			log_fields(LOG_WARNING, f,
			    "message %s failed (receive %d of %d), back in %d s: %s", m->message_id,
			    m->receive_count, c->poison.max_receive_count, dec.visibility,
			    m->first_error);
		else {
			atomic_fetch_add(&d->counters.messages_poisoned, 1);
			log_fields(LOG_ERR, f, "message %s is poison after %d receives, %s: %s",
			    m->message_id, m->receive_count,
			    dec.kind == ACK_DELETE ? "deleting it"
			                           : "leaving it for the dead-letter queue",
			    m->first_error);
		}
	} else if (dec.kind == ACK_RETURN && m->first_error[0]) {
		log_fields(LOG_WARNING, f, "message %s given back for %d s: %s", m->message_id,
		    dec.visibility, m->first_error);
	}
	if (d->opt.dry_run) {
		/* Dry run: nothing is deleted; the message shows again after its timeout. */
		inflight_remove(&d->inflight, m);
		return;
	}
	if (ack_enqueue(d->acker, op, m->message_id, m->receipt_handle, dec.visibility,
	        (void *)(intptr_t)PURPOSE_FINAL) == -1) {
		log_fields(LOG_ERR, f, "message %s: out of memory queueing its ack", m->message_id);
		inflight_remove(&d->inflight, m);
		return;
	}
	m->acking = op == ACK_OP_DELETE ? 2 : 1;
}

static void
ack_done(struct daemon *d, struct ack_entry *e)
{
	struct inflight_msg *m = inflight_find(&d->inflight, e->message_id);
	struct log_field f[] = {{"MESSAGE_ID", e->message_id}, {NULL, NULL}};
	int purpose = (int)(intptr_t)e->owner;

	if (purpose == PURPOSE_HEARTBEAT) {
		if (e->ok && m) {
			m->visible_until = mono_now(d) + e->visibility;
			m->extended_s += e->visibility;
			atomic_fetch_add(&d->counters.visibility_extended, 1);
		} else if (!e->ok) {
			log_fields(LOG_WARNING, f, "message %s: extending visibility failed: %s",
			    e->message_id, e->error);
		}
		return;
	}
	if (e->ok) {
		if (e->op == ACK_OP_DELETE)
			atomic_fetch_add(&d->counters.messages_deleted, 1);
		else
			atomic_fetch_add(&d->counters.messages_returned, 1);
		log_fields(LOG_DEBUG, f, "message %s %s", e->message_id,
		    e->op == ACK_OP_DELETE ? "deleted" : "given back");
	} else {
		/* It shows again when its visibility lapses and is processed again;
		 * the duplicate cache keeps its alerts from going out twice. */
		log_fields(LOG_WARNING, f, "message %s: %s failed: %s", e->message_id,
		    e->op == ACK_OP_DELETE ? "delete" : "giving back", e->error);
	}
	if (m)
		inflight_remove(&d->inflight, m);
}

/* ---- objects ----------------------------------------------------------- */

static void
submit_object(struct daemon *d, struct inflight_msg *m, const struct notify_object *o)
{
	struct object_job *j = calloc(1, sizeof(*j));

	if (j == NULL || (j->message_id = strdup(m->message_id)) == NULL ||
	    (j->bucket = strdup(o->bucket)) == NULL || (j->key = strdup(o->key)) == NULL) {
		object_job_free(j);
		inflight_object_done(m, OUTCOME_TRANSIENT, "out of memory");
		return;
	}
	j->size = o->size;
	j->snap = snapshot_ref(d->snap);
	pool_submit(d->pool, &j->link);
}

static void
object_done(struct daemon *d, struct object_job *j)
{
	struct inflight_msg *m = inflight_find(&d->inflight, j->message_id);
	struct log_field f[] = {
	    {"MESSAGE_ID", j->message_id}, {"BUCKET", j->bucket}, {"KEY", j->key}, {NULL, NULL}};

	if (j->outcome == OUTCOME_DONE) {
		atomic_fetch_add(&d->counters.objects_done, 1);
		log_fields(
		    LOG_INFO, f, "s3://%s/%s scanned in %.2f s", j->bucket, j->key, j->seconds);
	} else if (j->outcome != OUTCOME_ABANDONED) {
		atomic_fetch_add(&d->counters.objects_failed, 1);
		log_fields(j->outcome == OUTCOME_PERMANENT ? LOG_ERR : LOG_WARNING, f, "%s%s",
		    j->outcome == OUTCOME_PERMANENT ? "" : "will retry: ", j->error);
	}
	if (m && inflight_object_done(m, j->outcome, j->error[0] ? j->error : NULL))
		decide(d, m);
	object_job_free(j);
}

/* ---- receiving ------------------------------------------------------- */

static void
start_objects(struct daemon *d, struct inflight_msg *m, const struct notification *n)
{
	const struct ct_config *c = cfg(d);
	char why[SOURCE_REASON_MAX];

	m->objects_total = (int)n->n_objects;
	for (size_t i = 0; i < n->n_objects; i++) {
		const struct notify_object *o = &n->objects[i];
		struct log_field f[] = {{"MESSAGE_ID", m->message_id}, {"BUCKET", o->bucket},
		    {"KEY", o->key}, {NULL, NULL}};

		switch (source_check(&c->source.policy, o->bucket, o->key, o->size, why)) {
		case SOURCE_FETCH:
			submit_object(d, m, o);
			break;
		case SOURCE_SKIP:
			atomic_fetch_add(&d->counters.objects_skipped, 1);
			log_fields(LOG_DEBUG, f, "s3://%s/%s skipped: %s", o->bucket, o->key, why);
			inflight_object_done(m, OUTCOME_SKIPPED, NULL);
			break;
		case SOURCE_REFUSE: {
			char msg[1500];

			snprintf(
			    msg, sizeof(msg), "s3://%s/%s refused: %s", o->bucket, o->key, why);
			log_fields(LOG_ERR, f, "message %s: %s", m->message_id, msg);
			inflight_object_done(m, OUTCOME_PERMANENT, msg);
			break;
		}
		}
	}
}

static void
take_message(struct daemon *d, const struct sqs_message *sm)
{
	const struct ct_config *c = cfg(d);
	struct log_field f[] = {{"MESSAGE_ID", sm->message_id}, {NULL, NULL}};
	struct notification n;
	struct inflight_msg *m;
	struct ct_error err;
	int dup;

	atomic_fetch_add(&d->counters.messages_received, 1);
	if (sm->sent_timestamp_ms > 0)
		metrics_lag(ev_time() - (double)sm->sent_timestamp_ms / 1000.);
	m = inflight_add(&d->inflight, sm->message_id, sm->receipt_handle, (int)sm->receive_count,
	    sm->sent_timestamp_ms, mono_now(d), (int)c->receive.visibility_timeout, &dup);
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
		snprintf(m->first_error, sizeof(m->first_error), "%.500s", err.msg);
		log_fields(LOG_ERR, f, "message %s is not a notification ctalertd understands: %s",
		    sm->message_id, err.msg);
		decide(d, m);
		return;
	}
	if (n.kind == NOTIFY_TEST_EVENT)
		log_fields(LOG_DEBUG, f, "message %s: s3:TestEvent for bucket %s, deleting it",
		    sm->message_id, n.test_bucket ? n.test_bucket : "?");
	else
		start_objects(d, m, &n);
	notification_free(&n);
	decide(d, m); /* decides only when no object is still running */
}

static void
on_received(void *arg, struct sqs_messages *msgs)
{
	struct daemon *d = arg;

	d->empty_polls = msgs->n == 0 ? d->empty_polls + 1 : 0;
	for (size_t i = 0; i < msgs->n; i++)
		take_message(d, &msgs->v[i]);
}

static void
on_receive_failed(void *arg, const struct ctaws_error *err, double backoff_s)
{
	struct daemon *d = arg;
	char why[1024];

	atomic_fetch_add(&d->counters.receive_errors, 1);
	log_warnx("receiving from %s failed, next try in %.1f s: %s", cfg(d)->queue_url, backoff_s,
	    ctaws_error_str(err, why, sizeof(why)));
}

static void
on_receive_wake(void *arg)
{
	(void)arg; /* the prepare watcher polls again on this loop turn */
}

static const struct poll_ops poll_ops = {on_received, on_receive_failed, on_receive_wake};

/* ---- the loop turn -------------------------------------------------- */

static int
room_for_messages(struct daemon *d)
{
	long room = (long)cfg(d)->max_inflight_messages - (long)d->inflight.count;
	long idle = (long)pool_size(d->pool) - (long)pool_busy(d->pool);

	/* Ask only for what idle workers can start on now: a message received
	 * for a busy pool would wait, invisible, in our queue while another
	 * instance could have had it. */
	if (idle < room)
		room = idle;
	return room > 0 ? (int)room : 0;
}

static void
maybe_finish(struct daemon *d)
{
	int idle = d->inflight.count == 0 && ack_pending(d->acker) == 0 && pool_busy(d->pool) == 0;

	if (d->stopping && idle) {
		ev_break(d->loop, EVBREAK_ALL);
		return;
	}
	if (d->opt.once && idle && d->empty_polls > 0 && !poller_outstanding(d->poller)) {
		log_info("queue empty for one long poll: done");
		ev_break(d->loop, EVBREAK_ALL);
	}
}

/* Deletes and visibility changes decided within ACK_WINDOW_S of each other
 * go out in one batch call: SQS bills per request, and messages of one
 * receive usually end within milliseconds of each other. */
#define ACK_WINDOW_S 0.1

static void
on_ack_window(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents; /* on_prepare flushes before the loop sleeps again */
}

static void
flush_acks(struct daemon *d)
{
	double wait = ack_wait(d->acker, ACK_WINDOW_S);

	if (wait < 0)
		return;
	if (wait == 0 || d->stopping || atomic_load(&d->abort_work)) {
		ev_timer_stop(d->loop, &d->ack_window);
		ack_flush(d->acker);
		return;
	}
	if (!ev_is_active(&d->ack_window)) {
		ev_timer_set(&d->ack_window, wait, 0.);
		ev_timer_start(d->loop, &d->ack_window);
	}
}

static void
pump(struct daemon *d)
{
	const struct ct_config *c = cfg(d);
	struct pool_job *pj;
	struct ack_entry *e;
	int room;

	while ((pj = pool_take_done(d->pool)) != NULL)
		object_done(d, (struct object_job *)pj);
	while ((e = ack_take_done(d->acker)) != NULL) {
		ack_done(d, e);
		ack_entry_free(e);
	}
	flush_acks(d);
	if (!d->stopping && !(d->opt.once && d->empty_polls > 0) &&
	    (room = room_for_messages(d)) > 0) {
		int max = room < c->receive.max_messages ? room : c->receive.max_messages;

		poller_start(d->poller, max, c->receive.wait_time_seconds,
		    (int)c->receive.visibility_timeout);
	}
	metrics_gauges(d->inflight.count, pool_running(d->pool), (size_t)pool_size(d->pool));
	maybe_finish(d);
}

static void
on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
	(void)loop;
	(void)revents;
	pump(w->data);
}

static void
on_wake(struct ev_loop *loop, ev_async *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents; /* on_prepare pumps before the loop sleeps again */
}

static void
notify_loop(void *arg)
{
	struct daemon *d = arg;

	ev_async_send(d->loop, &d->wake);
}

/* ---- timers ---------------------------------------------------------- */

static void
on_heartbeat(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;
	const struct ct_config *c = cfg(d);
	struct inflight_msg *due[64];
	int margin = (int)c->receive.heartbeat * 2;
	size_t n;

	(void)loop;
	(void)revents;
	if (d->opt.dry_run)
		return;
	n = inflight_due_for_extension(
	    &d->inflight, mono_now(d), margin, (int)c->receive.max_visibility_extension, due, 64);
	for (size_t i = 0; i < n; i++) {
		struct inflight_msg *m = due[i];
		long left = (long)c->receive.max_visibility_extension -
		            (long)(mono_now(d) - m->received_at);
		int vis = (int)c->receive.visibility_timeout;

		if (vis > left)
			vis = (int)left;
		if (vis <= 0)
			continue;
		ack_enqueue(d->acker, ACK_OP_VISIBILITY, m->message_id, m->receipt_handle, vis,
		    (void *)(intptr_t)PURPOSE_HEARTBEAT);
		/* Not again until this one is answered or the margin comes round. */
		m->visible_until = mono_now(d) + margin + 1;
	}
}

static void
status_line(struct daemon *d, char *out, size_t len)
{
	struct counters *k = &d->counters;

	snprintf(out, len,
	    "messages %" PRIuFAST64 ", objects %" PRIuFAST64 ", records %" PRIuFAST64
	    ", alerts %" PRIuFAST64 ", in flight %zu",
	    atomic_load(&k->messages_received), atomic_load(&k->objects_done),
	    atomic_load(&k->records), atomic_load(&k->alerts_published), d->inflight.count);
}

static void
on_status(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;
	char line[256];

	(void)loop;
	(void)revents;
	status_line(d, line, sizeof(line));
	service_status("%s", line);
}

static void
on_watchdog(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	service_watchdog();
}

/* ---- signals --------------------------------------------------------- */

static void
on_grace(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	log_warnx(
	    "shutdown grace period over: giving back %zu unfinished messages", d->inflight.count);
	atomic_store(&d->abort_work, 1);
}

static void
on_stop(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	if (d->stopping) {
		/* A second signal: stop waiting. */
		atomic_store(&d->abort_work, 1);
		return;
	}
	d->stopping = 1;
	service_stopping();
	log_info("%s: stopping; %zu %s in hand, up to %llu s to finish", strsignal(w->signum),
	    d->inflight.count, log_plural(d->inflight.count, "message", "messages"),
	    (unsigned long long)cfg(d)->shutdown_grace);
	poller_cancel(d->poller);
	ev_timer_set(&d->grace, (double)cfg(d)->shutdown_grace, 0.);
	ev_timer_start(d->loop, &d->grace);
}

static void
on_reload(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;
	struct ct_config *nc;
	struct snapshot *ns;
	struct ct_error err;

	(void)loop;
	(void)revents;
	service_reloading();
	nc = conf_load(cfg(d)->file ? cfg(d)->file : d->opt.config_path, NULL, &err);
	if (nc == NULL) {
		log_err("reload refused, keeping the configuration in force: %s", err.msg);
		service_ready();
		return;
	}
	if (strcmp(nc->queue_url, cfg(d)->queue_url) != 0)
		log_warnx("reload: queue_url changed; the new queue is used after a restart only");
	if ((nc->metrics_listen == NULL) != (cfg(d)->metrics_listen == NULL) ||
	    (nc->metrics_listen && strcmp(nc->metrics_listen, cfg(d)->metrics_listen) != 0))
		log_warnx(
		    "reload: metrics.listen changed; the new address is used after a restart only");
	if ((ns = snapshot_new(nc)) == NULL) {
		conf_free(nc);
		log_err("reload refused: out of memory");
		service_ready();
		return;
	}
	snapshot_unref(d->snap);
	d->snap = ns;
	log_set_level(nc->log_level);
	log_info("configuration reloaded: %zu %s", nc->rules.n,
	    log_plural(nc->rules.n, "rule", "rules"));
	service_ready();
}

static void
on_usr1(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;
	struct counters *k = &d->counters;

	(void)loop;
	(void)revents;
	log_notice("counters: messages received %" PRIuFAST64 ", deleted %" PRIuFAST64
	           ", returned %" PRIuFAST64 ", poisoned %" PRIuFAST64
	           ", visibility extended %" PRIuFAST64 ", receive errors %" PRIuFAST64
	           "; objects done %" PRIuFAST64 ", skipped %" PRIuFAST64 ", failed %" PRIuFAST64
	           ", bytes %" PRIuFAST64 "; records %" PRIuFAST64 ", record errors %" PRIuFAST64
	           ", matches %" PRIuFAST64 "; alerts published %" PRIuFAST64
	           ", duplicates %" PRIuFAST64 ", failed %" PRIuFAST64
	           "; in flight %zu, busy workers %zu",
	    atomic_load(&k->messages_received), atomic_load(&k->messages_deleted),
	    atomic_load(&k->messages_returned), atomic_load(&k->messages_poisoned),
	    atomic_load(&k->visibility_extended), atomic_load(&k->receive_errors),
	    atomic_load(&k->objects_done), atomic_load(&k->objects_skipped),
	    atomic_load(&k->objects_failed), atomic_load(&k->bytes_fetched),
	    atomic_load(&k->records), atomic_load(&k->record_errors), atomic_load(&k->matches),
	    atomic_load(&k->alerts_published), atomic_load(&k->alerts_duplicate),
	    atomic_load(&k->alerts_failed), d->inflight.count, pool_running(d->pool));
}

/* ---- life ------------------------------------------------------------ */

/* The pool hands every callback its one argument, the workers' shared
 * state; the loop to wake is in the daemon around it. */
static void
notify_loop_from_worker(void *arg)
{
	struct fetch_shared *s = arg;

	notify_loop((char *)s - offsetof(struct daemon, shared));
}

static const struct pool_ops worker_ops = {
    fetch_worker_new,
    fetch_worker_run,
    fetch_worker_free,
    notify_loop_from_worker,
};

static void
watchers_init(struct daemon *d)
{
	uint64_t wd = service_watchdog_usec();

	ev_async_init(&d->wake, on_wake);
	ev_async_start(d->loop, &d->wake);
	ev_prepare_init(&d->prepare, on_prepare);
	d->prepare.data = d;
	ev_prepare_start(d->loop, &d->prepare);
	ev_timer_init(&d->heartbeat, on_heartbeat, 1., (double)cfg(d)->receive.heartbeat);
	d->heartbeat.data = d;
	ev_timer_start(d->loop, &d->heartbeat);
	ev_timer_init(&d->status, on_status, 0., 5.);
	d->status.data = d;
	ev_timer_start(d->loop, &d->status);
	ev_timer_init(&d->ack_window, on_ack_window, 0., 0.);
	ev_timer_init(&d->grace, on_grace, 0., 0.);
	d->grace.data = d;
	if (wd > 0) {
		ev_timer_init(&d->watchdog, on_watchdog, 0., (double)wd / 2e6);
		d->watchdog.data = d;
		ev_timer_start(d->loop, &d->watchdog);
	}
	ev_signal_init(&d->sigterm, on_stop, SIGTERM);
	ev_signal_init(&d->sigint, on_stop, SIGINT);
	ev_signal_init(&d->sighup, on_reload, SIGHUP);
	ev_signal_init(&d->sigusr1, on_usr1, SIGUSR1);
	d->sigterm.data = d->sigint.data = d->sighup.data = d->sigusr1.data = d;
	ev_signal_start(d->loop, &d->sigterm);
	ev_signal_start(d->loop, &d->sigint);
	ev_signal_start(d->loop, &d->sighup);
	ev_signal_start(d->loop, &d->sigusr1);
}

struct daemon *
daemon_new(struct ct_config *c, const struct daemon_options *opt, struct ct_error *err)
{
	struct daemon *d = calloc(1, sizeof(*d));

	if (d == NULL || (d->snap = snapshot_new(c)) == NULL) {
		free(d);
		conf_free(c);
		ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	d->opt = *opt;
	inflight_init(&d->inflight);
	signal(SIGPIPE, SIG_IGN);
	if ((d->loop = ev_default_loop(EVFLAG_AUTO)) == NULL) {
		ct_error_set(err, CT_ERR_INTERNAL, "cannot start the event loop");
		goto fail;
	}
	if ((d->client = conf_aws_client(c, err)) == NULL)
		goto fail;
	if (c->alerts.dedup_cache_size > 0 &&
	    (d->dedup = dedup_new(c->alerts.dedup_cache_size)) == NULL) {
		ct_error_set(err, CT_ERR_NOMEM, "alerts.dedup_cache_size %zu: out of memory",
		    (size_t)c->alerts.dedup_cache_size);
		goto fail;
	}
	d->shared.client = d->client;
	d->shared.dedup = d->dedup;
	d->shared.counters = &d->counters;
	d->shared.abort_work = &d->abort_work;
	d->shared.dry_run = opt->dry_run;
	d->cv = curlev_new(d->loop);
	d->poller =
	    d->cv ? poller_new(d->loop, d->cv, d->client, c->queue_url, &poll_ops, d) : NULL;
	d->acker = acker_new(d->client, c->queue_url, notify_loop, d);
	d->pool = pool_new(c->workers, &worker_ops, &d->shared);
	if (d->poller == NULL || d->acker == NULL || d->pool == NULL) {
		ct_error_set(err, CT_ERR_NOMEM, "cannot start %d workers", c->workers);
		goto fail;
	}
	watchers_init(d);
	metrics_attach_counters(&d->counters);
	metrics_gauges(0, 0, (size_t)pool_size(d->pool)); /* right from the first scrape */
	if (c->metrics_listen && metrics_serve(c->metrics_listen, err) == -1)
		goto fail;
	return d;
fail:
	daemon_free(d);
	return NULL;
}

/* The queue must answer before the daemon says it is ready. */
static int
check_queue(struct daemon *d)
{
	static const char *const names[] = {"VisibilityTimeout", "RedrivePolicy"};
	struct ctaws_conn *conn = ctaws_conn_new(d->client);
	struct ctaws_attrs attrs = {NULL, 0};
	struct sqs_queue q;
	struct ctaws_error err;
	const char *rp;
	char why[1024];
	int r;

	if (conn == NULL)
		return -1;
	ctaws_error_clear(&err);
	r = sqs_queue_init(&q, d->client, cfg(d)->queue_url, &err);
	if (r == 0) {
		r = sqs_get_queue_attributes(conn, &q, names, 2, &attrs, &err);
		sqs_queue_free(&q);
	}
	ctaws_conn_free(conn);
	if (r == -1) {
		log_err("queue %s: %s", cfg(d)->queue_url, ctaws_error_str(&err, why, sizeof(why)));
		return -1;
	}
	if ((rp = ctaws_attrs_get(&attrs, "RedrivePolicy")) == NULL)
		log_warnx("queue %s " CONF_NO_DLQ_WARNING, cfg(d)->queue_url);
	else
		log_info("queue %s redrive policy: %s", cfg(d)->queue_url, rp);
	ctaws_attrs_free(&attrs);
	return 0;
}

int
daemon_run(struct daemon *d)
{
	if (check_queue(d) == -1)
		return 1;
	log_info("ctalertd %s started: queue %s, %d %s, %zu %s%s", PACKAGE_VERSION,
	    cfg(d)->queue_url, pool_size(d->pool), log_plural(pool_size(d->pool), "worker", "workers"),
	    cfg(d)->rules.n, log_plural(cfg(d)->rules.n, "rule", "rules"),
	    d->opt.dry_run ? " (dry run)" : "");
	service_ready();
	ev_run(d->loop, 0);
	log_info("stopped: %" PRIuFAST64 " messages, %" PRIuFAST64 " objects, %" PRIuFAST64
	         " alerts",
	    atomic_load(&d->counters.messages_received), atomic_load(&d->counters.objects_done),
	    atomic_load(&d->counters.alerts_published));
	return d->exit_status;
}

static void
free_job(struct pool_job *pj, void *arg)
{
	(void)arg;
	object_job_free((struct object_job *)pj);
}

void
daemon_free(struct daemon *d)
{
	if (d == NULL)
		return;
	metrics_stop();
	metrics_attach_counters(NULL);
	poller_free(d->poller);
	if (d->pool) {
		atomic_store(&d->abort_work, 1);
		pool_free(d->pool, free_job, NULL);
	}
	acker_free(d->acker);
	curlev_free(d->cv);
	inflight_clear(&d->inflight);
	dedup_free(d->dedup);
	ctaws_client_free(d->client);
	if (d->snap)
		snapshot_unref(d->snap);
	free(d);
}
