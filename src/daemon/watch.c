/*
 * watch: delivery stopped, logs no digest listed (watch.h).
 */
#include "config.h"

#include "daemon/watch.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/client.h"
#include "daemon/attest.h"
#include "daemon/daemon.h"
#include "daemon/publish.h"
#include "state/state.h"
#include "util/log.h"

#define WATCH_BATCH   100
#define STOPPED_KEEP  (30 * 86400) /* a stopped trail is remembered this long */
#define WATCH_EVERY_S 60

struct watch {
	struct state *st;          /* borrowed */
	struct counters *counters; /* borrowed */
	struct ctaws_conn *conn;   /* owned; NULL in dry-run mode */
	struct publisher pub;
	pthread_mutex_t lock; /* guards snap, stop */
	pthread_cond_t wake;
	struct snapshot *snap; /* a reference */
	int stop;
	pthread_t thread;
};

struct round {
	struct watch *w;
	struct snapshot *snap;
	const char *prefix;
};

/* Publishes f; on failure the key comes back, expired, for the next round. */
static void
publish(struct round *r, const struct attest_finding *f, const char *key)
{
	struct ctaws_error aerr;
	struct ct_error err;
	struct alert a;

	if (attest_alert(&a, f, &r->snap->alerts, &err) == -1) {
		log_warnx("%s", err.msg);
		return;
	}
	ctaws_error_clear(&aerr);
	if (publisher_add(&r->w->pub, &a, &aerr) == -1 ||
	    publisher_flush(&r->w->pub, &aerr) == -1) {
		atomic_fetch_add(&r->w->counters->alerts_failed, 1);
		log_warnx("%s: %s; trying again", attest_rule(f->kind)->name, aerr.message);
		(void)state_put(r->w->st, key, state_now(r->w->st) - 1, &err);
		return;
	}
	atomic_fetch_add(&r->w->counters->alerts_published, 1);
}

/* "silent/ACCOUNT/REGION/TRAIL" expired. */
static void
on_silent(struct round *r, const char *key, int64_t until)
{
	char acct[64] = "", region[64] = "", trail[256] = "", id[512], stopped[STATE_KEY_MAX];
	char detail[160];
	struct ct_error err;
	struct attest_finding f = {.kind = ATTEST_DELIVERY_STOPPED,
	    .account = acct,
	    .region = region,
	    .trail = trail,
	    .id = id,
	    .detail = detail,
	    .bucket = "",
	    .key = ""};

	sscanf(key + strlen(r->prefix), "%63[^/]/%63[^/]/%255s", acct, region, trail);
	snprintf(id, sizeof(id), "%s/%s/%s/%lld", acct, region, trail, (long long)until);
	snprintf(detail, sizeof(detail), "no digest from trail %s in %s for %llu seconds", trail,
	    region, (unsigned long long)r->snap->cfg->integrity.delivery_timeout);
	atomic_fetch_add(&r->w->counters->deliveries_stopped, 1);
	log_warnx("integrity: CloudTrail delivery stopped: %s", detail);
	snprintf(stopped, sizeof(stopped), "stopped/%s", key + strlen(r->prefix));
	(void)state_put(r->w->st, stopped, state_now(r->w->st) + STOPPED_KEEP, &err);
	publish(r, &f, key);
}

/* "unlisted/BUCKET/KEY" expired. */
static void
on_unlisted(struct round *r, const char *key)
{
	const char *rest = key + strlen(r->prefix), *slash = strchr(rest, '/');
	char bucket[256], object[1100];
	struct attest_finding f = {.kind = ATTEST_LOG_INJECTED,
	    .bucket = bucket,
	    .object = object,
	    .detail = "no CloudTrail digest listed it"};

	if (slash == NULL || slash - rest >= (long)sizeof(bucket))
		return;
	snprintf(bucket, sizeof(bucket), "%.*s", (int)(slash - rest), rest);
	f.key = f.id = slash + 1;
	snprintf(object, sizeof(object), "s3://%s", rest);
	atomic_fetch_add(&r->w->counters->logs_injected, 1);
	log_warnx("integrity: %s: no CloudTrail digest lists it", object);
	publish(r, &f, key);
}

static void
on_expired(void *arg, const char *key, int64_t value, int64_t until)
{
	struct round *r = arg;

	(void)value;
	if (strcmp(r->prefix, "silent/") == 0)
		on_silent(r, key, until);
	else
		on_unlisted(r, key);
}

static void
round_of(struct watch *w)
{
	static const char *const prefixes[] = {"silent/", "unlisted/"};
	struct round r = {w, NULL, NULL};
	struct ct_error err;
	long n;

	pthread_mutex_lock(&w->lock);
	r.snap = snapshot_ref(w->snap);
	pthread_mutex_unlock(&w->lock);
	for (size_t i = 0; i < 2 && r.snap->cfg->integrity.verify; i++) {
		r.prefix = prefixes[i];
		do
			n = state_take_expired(w->st, r.prefix, WATCH_BATCH, on_expired, &r, &err);
		while (n == WATCH_BATCH);
		if (n == -1) {
			atomic_fetch_add(&w->counters->state_errors, 1);
			log_warnx("%s", err.msg);
		}
	}
	snapshot_unref(r.snap);
}

/* Often enough for the shortest deadline, at most every minute. */
static long
period(struct watch *w)
{
	uint64_t t;

	pthread_mutex_lock(&w->lock);
	t = w->snap->cfg->integrity.delivery_timeout;
	if (w->snap->cfg->integrity.unlisted_timeout < t)
		t = w->snap->cfg->integrity.unlisted_timeout;
	pthread_mutex_unlock(&w->lock);
	t /= 4;
	return t < 1 ? 1 : t > WATCH_EVERY_S ? WATCH_EVERY_S : (long)t;
}

static void *
run(void *arg)
{
	struct watch *w = arg;
	struct timespec until;
	long every = period(w);

	round_of(w); /* what expired while ctalertd was not running */
	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += every;
		while (!w->stop && pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
			;
		if (w->stop)
			break;
		pthread_mutex_unlock(&w->lock);
		round_of(w);
		every = period(w);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct watch *
watch_new(struct state *st, struct ctaws_client *client, struct snapshot *snap,
    struct counters *counters, FILE *dry_run)
{
	struct watch *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;

	if (w == NULL)
		return NULL;
	w->st = st;
	w->counters = counters;
	if (dry_run == NULL && (w->conn = ctaws_conn_new(client)) == NULL) {
		free(w);
		return NULL;
	}
	publisher_init(&w->pub, w->conn, NULL, dry_run);
	w->snap = snapshot_ref(snap);
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->thread, NULL, run, w) != 0) {
		snapshot_unref(w->snap);
		ctaws_conn_free(w->conn);
		free(w);
		return NULL;
	}
	return w;
}

void
watch_set_snapshot(struct watch *w, struct snapshot *snap)
{
	struct snapshot *old;

	pthread_mutex_lock(&w->lock);
	old = w->snap;
	w->snap = snapshot_ref(snap);
	pthread_mutex_unlock(&w->lock);
	snapshot_unref(old);
}

void
watch_free(struct watch *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	publisher_discard(&w->pub);
	ctaws_conn_free(w->conn);
	snapshot_unref(w->snap);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
