/*
 * summary: closed windows out as summary alerts (summary.h).
 */
#include "daemon/summary.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/client.h"
#include "daemon/metrics.h"
#include "daemon/publish.h"
#include "util/log.h"

struct summarizer {
	struct aggregate *ag;      /* borrowed */
	struct counters *counters; /* borrowed */
	struct ctaws_conn *conn;   /* owned; NULL in dry-run mode */
	struct publisher pub;
	pthread_mutex_t lock; /* guards snap, stop, now */
	pthread_cond_t wake;
	struct snapshot *snap; /* a reference */
	int stop, now;
	pthread_t thread;
};

static struct snapshot *
current(struct summarizer *s)
{
	struct snapshot *snap;

	pthread_mutex_lock(&s->lock);
	snap = snapshot_ref(s->snap);
	pthread_mutex_unlock(&s->lock);
	return snap;
}

struct sweep {
	struct publisher *pub;
	const struct rule_list *rules;
	const struct alert_options *opts;
};

static int
on_summary(void *arg, const struct agg_summary *sum)
{
	struct sweep *sw = arg;
	const struct rule *rule = rule_list_find(sw->rules, sum->rule);
	struct ctaws_error aerr;
	struct ct_error err;
	struct alert a;

	if (rule == NULL || rule->group.window == 0) {
		log_notice("window of rule %s closed with %lld more matches, but the rule is no "
		           "longer grouped: no summary",
		    sum->rule, (long long)sum->count);
		return 0;
	}
	if (alert_build_summary(&a, rule, sum, sw->opts, &err) == -1) {
		log_warnx("%s", err.msg);
		return err.code == CT_ERR_NOMEM ? -1 : 0;
	}
	if (publisher_add(sw->pub, &a, &aerr) == -1 || publisher_flush(sw->pub, &aerr) == -1) {
		char why[1024];

		log_warnx("summary of rule %s: %s; its window is kept for the next sweep",
		    sum->rule, ctaws_error_str(&aerr, why, sizeof(why)));
		return -1;
	}
	log_notice("summary of rule %s: %lld more matches of group %s", sum->rule,
	    (long long)sum->count, sum->group);
	return 0;
}

long
summary_sweep(struct aggregate *ag, struct publisher *pub, const struct rule_list *rules,
    const struct alert_options *opts)
{
	struct sweep sw = {pub, rules, opts};
	long n, told = 0;

	do {
		if ((n = aggregate_sweep(ag, SUMMARY_BATCH, on_summary, &sw)) < 0)
			return -1;
		told += n;
	} while (n == SUMMARY_BATCH);
	return told;
}

static void
sweep(struct summarizer *s)
{
	struct snapshot *snap = current(s);
	struct publish_stats before = s->pub.stats;

	summary_sweep(s->ag, &s->pub, &snap->cfg->rules, &snap->alerts);
	atomic_fetch_add(&s->counters->alerts_published, s->pub.stats.published - before.published);
	atomic_fetch_add(&s->counters->alerts_failed, s->pub.stats.failed - before.failed);
	snapshot_unref(snap);
}

static void *
run(void *arg)
{
	struct summarizer *s = arg;
	struct timespec until;

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += SUMMARY_EVERY_S;
		while (!s->stop && !s->now &&
		       pthread_cond_timedwait(&s->wake, &s->lock, &until) != ETIMEDOUT)
			;
		s->now = 0;
		pthread_mutex_unlock(&s->lock);
		sweep(s);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

struct summarizer *
summarizer_new(struct aggregate *ag, struct dedup *dedup, struct ctaws_client *client,
    struct snapshot *snap, struct counters *counters, FILE *dry_run)
{
	struct summarizer *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;

	if (s == NULL)
		return NULL;
	s->ag = ag;
	s->counters = counters;
	if (dry_run == NULL && (s->conn = ctaws_conn_new(client)) == NULL) {
		free(s);
		return NULL;
	}
	publisher_init(&s->pub, s->conn, dedup, dry_run);
	s->snap = snapshot_ref(snap);
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&s->thread, NULL, run, s) != 0) {
		snapshot_unref(s->snap);
		ctaws_conn_free(s->conn);
		free(s);
		return NULL;
	}
	return s;
}

void
summarizer_set_snapshot(struct summarizer *s, struct snapshot *snap)
{
	struct snapshot *old;

	pthread_mutex_lock(&s->lock);
	old = s->snap;
	s->snap = snapshot_ref(snap);
	pthread_mutex_unlock(&s->lock);
	snapshot_unref(old);
}

void
summarizer_sweep_now(struct summarizer *s)
{
	pthread_mutex_lock(&s->lock);
	s->now = 1;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

void
summarizer_free(struct summarizer *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = 1;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	publisher_discard(&s->pub);
	ctaws_conn_free(s->conn);
	snapshot_unref(s->snap);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
