/*
 * daemon: the wiring. The event loop, its timers and signals, and the calls
 * that hand each event to its room (a message's life is message.c).
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
#include "daemon/aggregate.h"
#include "daemon/awsconf.h"
#include "daemon/curlev.h"
#include "daemon/daemon.h"
#include "daemon/attest.h"
#include "daemon/dedup.h"
#include "daemon/watch.h"
#include "daemon/ledger.h"
#include "daemon/store.h"
#include "daemon/emf.h"
#include "daemon/health.h"
#include "daemon/metrics.h"
#include "daemon/message.h"
#include "daemon/poll.h"
#include "daemon/service.h"
#include "daemon/orgnames.h"
#include "daemon/summary.h"
#include "util/clock.h"
#include "util/log.h"

struct daemon {
	struct ev_loop *loop;  /* owned */
	struct snapshot *snap; /* the configuration in force (a reference) */
	struct daemon_options opt;
	struct ctaws_client *client;  /* owned */
	struct curlev *cv;            /* owned: the loop's HTTP transfers */
	struct poller *poller;        /* owned */
	struct pool *pool;            /* owned: the workers */
	struct acker *acker;          /* owned */
	struct state *store;          /* owned: what ctalertd remembers (store.h) */
	struct dedup *dedup;          /* owned: published alerts, in store */
	struct ledger *ledger;        /* owned: scanned logs' hashes, in store */
	struct attest_keys *keys;     /* owned: CloudTrail's public keys */
	struct aggregate *agg;        /* owned: windows and thresholds, in store */
	struct summarizer *summaries; /* owned: closes windows */
	struct watch *watch;          /* owned: delivery stopped, logs no digest listed */
	struct orgnames *orgnames;    /* owned: account names from Organizations, or NULL */
	struct fetch_shared shared;   /* what workers share */
	struct messages messages;     /* the messages in hand, and their lives */
	struct counters counters;
	atomic_int abort_work; /* workers: drop what you are doing */
	int stopping;          /* SIGTERM/SIGINT seen: no more receives */
	int exit_status;
	int empty_polls;            /* --once: receives that came back empty in a row */
	int receive_failures;       /* receives failed in a row */
	char receive_error[1024];   /* the last one, without its request id: said once */
	ev_async wake;              /* a worker or the acker finished something */
	ev_prepare prepare;         /* pump before the loop sleeps */
	ev_timer heartbeat;         /* visibility extensions */
	ev_timer status;            /* STATUS= */
	ev_timer watchdog;          /* WATCHDOG=1 */
	ev_timer grace;             /* shutdown grace */
	ev_timer ack_window;        /* acks decided close together share a call */
	ev_timer emf;               /* CloudWatch EMF lines, when metrics.emf_interval is set */
	ev_timer prune;             /* the store forgets what expired */
	struct emf_state emf_state; /* the counters the last EMF line reported */
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
	s->source = (struct source_policy){cfg->source.buckets, cfg->source.n_buckets,
	    cfg->source.include, cfg->source.n_include, cfg->source.exclude, cfg->source.n_exclude,
	    cfg->source.skip_digest, cfg->source.max_object_size, cfg->integrity.verify};
	alert_options_init(&s->alerts, &cfg->alerts);
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

static void
on_received(void *arg, struct sqs_messages *msgs)
{
	struct daemon *d = arg;

	d->empty_polls = msgs->n == 0 ? d->empty_polls + 1 : 0;
	if (d->receive_failures > 0)
		log_notice("receiving from %s works again after %d failure%s", cfg(d)->queue_url,
		    d->receive_failures, d->receive_failures == 1 ? "" : "s");
	d->receive_failures = 0;
	d->receive_error[0] = '\0';
	health_received(clock_mono_s());
	for (size_t i = 0; i < msgs->n; i++)
		message_received(&d->messages, &msgs->v[i]);
}

static void
on_receive_failed(void *arg, const struct ctaws_error *err, double backoff_s)
{
	struct daemon *d = arg;
	struct ctaws_error same = *err;
	char why[sizeof(d->receive_error)];

	atomic_fetch_add(&d->counters.receive_errors, 1);
	d->receive_failures++;
	/* A failure that repeats (no credentials, a denied queue) is explained
	 * once; the retries after it say only that it goes on. */
	same.request_id[0] = '\0';
	ctaws_error_str(&same, why, sizeof(why));
	if (strcmp(why, d->receive_error) == 0) {
		log_warnx("receiving from %s failed, next try in %.1f s: %s again (%d in a row, "
		          "explained above)",
		    cfg(d)->queue_url, backoff_s, err->code, d->receive_failures);
		return;
	}
	memcpy(d->receive_error, why, sizeof(why));
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
	long room = (long)cfg(d)->max_inflight_messages - (long)d->messages.inflight.count;
	long idle = (long)pool_size(d->pool) - (long)pool_busy(d->pool);

	/* Ask only for what idle workers can start on now: a message received
	 * for a busy pool would wait, invisible, in our queue while another
	 * instance could have had it. */
	if (idle < room)
		room = idle;
	return room > 0 ? (int)room : 0;
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

/* The run ends when nothing is in hand (and, with --once, the queue stayed
 * empty for one long poll); a dry run first gives back what it held. */
static void
maybe_finish(struct daemon *d)
{
	int idle = d->messages.inflight.count == 0 && ack_pending(d->acker) == 0 &&
	           pool_busy(d->pool) == 0;
	int once_done = d->opt.once && d->empty_polls > 0 && !poller_outstanding(d->poller);

	if (!idle || !(d->stopping || once_done))
		return;
	if (messages_give_back(&d->messages) > 0) {
		flush_acks(d);
		return;
	}
	if (!d->stopping)
		log_info("queue empty for one long poll: done");
	ev_break(d->loop, EVBREAK_ALL);
}

static void
pump(struct daemon *d)
{
	const struct ct_config *c = cfg(d);
	struct pool_job *pj;
	struct ack_entry *e;
	int room = 0, due;

	while ((pj = pool_take_done(d->pool)) != NULL)
		message_object_done(&d->messages, (struct object_job *)pj);
	while ((e = ack_take_done(d->acker)) != NULL) {
		message_ack_done(&d->messages, e);
		ack_entry_free(e);
	}
	flush_acks(d);
	due = !d->stopping && !(d->opt.once && d->empty_polls > 0) &&
	      (room = room_for_messages(d)) > 0;
	if (due) {
		int max = room < c->receive.max_messages ? room : c->receive.max_messages;

		poller_start(d->poller, max, c->receive.wait_time_seconds,
		    (int)c->receive.visibility_timeout);
	}
	metrics_gauges(
	    d->messages.inflight.count, pool_running(d->pool), (size_t)pool_size(d->pool));
	health_turn(clock_mono_s(), due);
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

	(void)loop;
	(void)revents;
	messages_heartbeat(&d->messages);
}

static void
status_line(struct daemon *d, char *out, size_t len)
{
	struct counters *k = &d->counters;

	snprintf(out, len,
	    "messages %" PRIuFAST64 ", objects %" PRIuFAST64 ", records %" PRIuFAST64
	    ", alerts %" PRIuFAST64 ", in flight %zu",
	    atomic_load(&k->messages_received), atomic_load(&k->objects_done),
	    atomic_load(&k->records), atomic_load(&k->alerts_published),
	    d->messages.inflight.count);
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

/* One EMF line: the counters' growth since the last one. */
static void
emit_emf(struct daemon *d)
{
	struct buf b = BUF_INIT;
	const struct ct_config *c = cfg(d);

	if (emf_render(&b, &d->counters, &d->emf_state, c->metrics_emf_namespace, c->queue_url,
	        (long long)(clock_wall_s() * 1000.)) == 0 &&
	    b.data)
		log_json_members(
		    LOG_INFO, b.data, "metrics for CloudWatch (embedded metric format)");
	buf_free(&b);
}

static void
on_emf(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	emit_emf(w->data);
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
	log_warnx("shutdown grace period over: giving back %zu unfinished messages",
	    d->messages.inflight.count);
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
	health_stopping();
	log_info("%s: stopping; %zu %s in hand, up to %llu s to finish", strsignal(w->signum),
	    d->messages.inflight.count,
	    log_plural(d->messages.inflight.count, "message", "messages"),
	    (unsigned long long)cfg(d)->shutdown_grace);
	poller_cancel(d->poller);
	ev_timer_set(&d->grace, (double)cfg(d)->shutdown_grace, 0.);
	ev_timer_start(d->loop, &d->grace);
}

/* Two optional strings, equal (both NULL included). */
static int
same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
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
	if (!same(nc->metrics_listen, cfg(d)->metrics_listen))
		log_warnx(
		    "reload: metrics.listen changed; the new address is used after a restart only");
	if (nc->metrics_emf_interval != cfg(d)->metrics_emf_interval)
		log_warnx("reload: metrics.emf_interval changed; the new interval is used after a "
		          "restart only");
	if (nc->state.backend != cfg(d)->state.backend ||
	    !same(nc->state.path, cfg(d)->state.path) ||
	    !same(nc->state.table, cfg(d)->state.table) ||
	    nc->alerts.remember != cfg(d)->alerts.remember ||
	    nc->alerts.lateness != cfg(d)->alerts.lateness)
		log_warnx("reload: state, alerts.remember or alerts.lateness changed; the store in "
		          "use is kept until a restart");
	if (nc->alerts.organization_names != cfg(d)->alerts.organization_names)
		log_warnx("reload: alerts.organization_names changed; it takes effect after a "
		          "restart");
	if ((ns = snapshot_new(nc)) == NULL) {
		conf_free(nc);
		log_err("reload refused: out of memory");
		service_ready();
		return;
	}
	ns->alerts.org = d->orgnames;
	snapshot_unref(d->snap);
	d->snap = ns;
	summarizer_set_snapshot(d->summaries, ns);
	watch_set_snapshot(d->watch, ns);
	log_set_level(nc->log_level);
	health_limit((double)nc->metrics_max_receive_age);
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
	           "; events %" PRIuFAST64 "; objects done %" PRIuFAST64 ", skipped %" PRIuFAST64
	           ", failed %" PRIuFAST64 ", bytes %" PRIuFAST64 "; records %" PRIuFAST64
	           ", record errors %" PRIuFAST64 ", matches %" PRIuFAST64
	           "; alerts published %" PRIuFAST64 ", duplicates %" PRIuFAST64
	           ", failed %" PRIuFAST64 ", grouped %" PRIuFAST64 ", suppressed %" PRIuFAST64
	           "; in flight %zu, busy workers %zu",
	    atomic_load(&k->messages_received), atomic_load(&k->messages_deleted),
	    atomic_load(&k->messages_returned), atomic_load(&k->messages_poisoned),
	    atomic_load(&k->visibility_extended), atomic_load(&k->receive_errors),
	    atomic_load(&k->events_received), atomic_load(&k->objects_done),
	    atomic_load(&k->objects_skipped), atomic_load(&k->objects_failed),
	    atomic_load(&k->bytes_fetched), atomic_load(&k->records),
	    atomic_load(&k->record_errors), atomic_load(&k->matches),
	    atomic_load(&k->alerts_published), atomic_load(&k->alerts_duplicate),
	    atomic_load(&k->alerts_failed), atomic_load(&k->alerts_grouped),
	    atomic_load(&k->alerts_suppressed), d->messages.inflight.count, pool_running(d->pool));
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

/* The store forgets keys long expired and, above state.max_keys, those
 * expiring first: at start, then as often as its backend suits (never for
 * DynamoDB, whose TTL does it). On the loop: it is one SQLite statement or
 * a walk of a table held in memory. */
static void
on_prune(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;
	struct ct_error err;
	long n;

	(void)loop;
	(void)revents;
	if ((n = state_prune(d->store, &err)) == -1)
		log_warnx("%s", err.msg);
	else if (n > 0)
		log_debug("%s: forgot %ld keys", state_where(d->store), n);
}

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
	if (cfg(d)->metrics_emf_interval > 0) {
		double every = (double)cfg(d)->metrics_emf_interval;

		ev_timer_init(&d->emf, on_emf, every, every);
		d->emf.data = d;
		ev_timer_start(d->loop, &d->emf);
	}
	ev_timer_init(&d->prune, on_prune, 0., state_prune_every(d->store));
	d->prune.data = d;
	if (state_prune_every(d->store) > 0)
		ev_timer_start(d->loop, &d->prune);
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
	signal(SIGPIPE, SIG_IGN);
	if ((d->loop = ev_default_loop(EVFLAG_AUTO)) == NULL) {
		ct_error_set(err, CT_ERR_INTERNAL, "cannot start the event loop");
		goto fail;
	}
	if ((d->client = conf_aws_client(c, err)) == NULL)
		goto fail;
	if ((d->store = store_open(c, d->client, opt->dry_run != NULL, err)) == NULL)
		goto fail;
	if ((d->dedup = dedup_new(
	         d->store, (int64_t)c->alerts.remember, &d->counters.state_errors)) == NULL) {
		ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((d->ledger = ledger_new(d->store,
	         LEDGER_KEEP_DEFAULT + (int64_t)c->integrity.unlisted_timeout,
	         (int64_t)c->integrity.unlisted_timeout, &d->counters.state_errors)) == NULL) {
		ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((d->agg = aggregate_new(d->store, d->dedup, (int64_t)c->alerts.lateness,
	         &d->counters.state_errors)) == NULL ||
	    (d->summaries = summarizer_new(
	         d->agg, d->dedup, d->client, d->snap, &d->counters, opt->dry_run)) == NULL ||
	    (d->watch = watch_new(d->store, d->client, d->snap, &d->counters, opt->dry_run)) ==
	        NULL) {
		ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if (c->alerts.organization_names && (d->orgnames = orgnames_new(d->client)) == NULL) {
		ct_error_set(err, CT_ERR_NOMEM, "cannot start the Organizations names thread");
		goto fail;
	}
	d->snap->alerts.org = d->orgnames;
	d->shared.client = d->client;
	d->shared.dedup = d->dedup;
	d->shared.ledger = d->ledger;
	d->shared.store = d->store;
	if ((d->shared.keys = d->keys = attest_keys_new(d->client)) == NULL) {
		ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		goto fail;
	}
	d->shared.agg = d->agg;
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
	messages_init(
	    &d->messages, &d->snap, d->pool, d->acker, &d->counters, opt->dry_run != NULL);
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
	    cfg(d)->queue_url, pool_size(d->pool),
	    log_plural(pool_size(d->pool), "worker", "workers"), cfg(d)->rules.n,
	    log_plural(cfg(d)->rules.n, "rule", "rules"), d->opt.dry_run ? " (dry run)" : "");
	health_limit((double)cfg(d)->metrics_max_receive_age);
	health_started(clock_mono_s());
	if (cfg(d)->metrics_emf_interval > 0 && log_get_target() != LOG_TARGET_JSON)
		log_warnx("metrics.emf_interval is set, but the log is not JSON lines: "
		          "no embedded metric format lines are written (use --log-target=json)");
	service_ready();
	ev_run(d->loop, 0);
	health_reset();
	if (cfg(d)->metrics_emf_interval > 0)
		emit_emf(d); /* what grew since the last line */
	log_info("stopped: %" PRIuFAST64 " messages, %" PRIuFAST64 " objects, %" PRIuFAST64
	         " alerts",
	    atomic_load(&d->counters.messages_received), atomic_load(&d->counters.objects_done),
	    atomic_load(&d->counters.alerts_published));
	if (d->exit_status == 0 && d->opt.once && d->messages.failed > 0) {
		log_warnx(
		    "%d message%s failed", d->messages.failed, d->messages.failed == 1 ? "" : "s");
		return 3;
	}
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
	messages_clear(&d->messages);
	summarizer_free(d->summaries);
	watch_free(d->watch);
	orgnames_free(d->orgnames);
	aggregate_free(d->agg);
	dedup_free(d->dedup);
	ledger_free(d->ledger);
	attest_keys_free(d->keys);
	state_close(d->store);
	ctaws_client_free(d->client);
	if (d->snap)
		snapshot_unref(d->snap);
	free(d);
}
