/*
 * backfill: the daemon's alert path for a scan (backfill.h).
 *
 * The counting store's clock is the eventTime of the record being decided,
 * set per thread before each decision: the window and threshold keys the
 * aggregate writes expire by eventTime, so each record finds them as the
 * daemon would have found them when it happened. At the end the clock is
 * moved past every expiry and the sweep closes all windows.
 */
#include "config.h"

#include "scan/backfill.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/client.h"
#include "daemon/aggregate.h"
#include "daemon/alerter.h"
#include "daemon/awsconf.h"
#include "daemon/dedup.h"
#include "daemon/publish.h"
#include "daemon/store.h"
#include "daemon/summary.h"
#include "state/state.h"
#include "util/clock.h"
#include "util/log.h"

#define END_OF_TIME (INT64_MAX / 4) /* the clock of the final sweep: past every expiry */

struct backfill {
	const struct ct_config *cfg;   /* borrowed */
	const struct rule_list *rules; /* borrowed */
	struct alert_options opts;     /* cfg's, as alert_build() takes them */
	FILE *dry_run;                 /* borrowed; NULL: publish */
	struct ctaws_client *client;   /* owned: SNS, and DynamoDB for the store */
	struct state *store;           /* owned: the configured store, shared with the daemon */
	struct dedup *published;       /* owned: published alerts, in store */
	struct state *counting;        /* owned: windows and thresholds, by eventTime */
	struct dedup *counted;         /* owned: matches counted, in counting */
	struct aggregate *agg;         /* owned, over counting */
	pthread_mutex_t lock;          /* guards the totals */
	struct publish_stats pub;      /* of the workers freed */
	struct alerter_stats al;
};

struct backfill_worker {
	struct backfill *b;      /* borrowed */
	struct ctaws_conn *conn; /* owned; NULL in a dry run */
	struct publisher pub;
	struct alerter al;
};

static _Thread_local int64_t event_clock;

static int64_t
event_now(void)
{
	return event_clock;
}

/* The store windows are counted in: memory, on the event clock. */
static struct state *
open_counting(const struct ct_config *c, struct ct_error *err)
{
	struct state_options o;

	memset(&o, 0, sizeof(o));
	o.backend = STATE_MEMORY;
	o.max_keys = c->state.max_keys;
	o.now = event_now;
	return state_open(&o, err);
}

struct backfill *
backfill_new(
    const struct ct_config *c, const struct rule_list *rules, FILE *dry_run, struct ct_error *err)
{
	struct backfill *b = calloc(1, sizeof(*b));
	int64_t remember = (int64_t)c->alerts.remember;

	if (b == NULL) {
		ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&b->lock, NULL);
	b->cfg = c;
	b->rules = rules;
	b->dry_run = dry_run;
	alert_options_init(&b->opts, &c->alerts);
	if ((b->client = conf_aws_client(c, err)) == NULL ||
	    (b->store = store_open(c, b->client, dry_run != NULL, err)) == NULL ||
	    (b->counting = open_counting(c, err)) == NULL)
		goto fail;
	if ((b->published = dedup_new(b->store, remember, NULL)) == NULL ||
	    (b->counted = dedup_new(b->counting, remember, NULL)) == NULL ||
	    (b->agg = aggregate_new(b->counting, b->counted, (int64_t)c->alerts.lateness, NULL)) ==
	        NULL) {
		ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		goto fail;
	}
	aggregate_read_suppressions(b->agg, b->store);
	if (dry_run == NULL && state_backend_of(b->store) == STATE_MEMORY)
		log_warnx("the state store is memory: scan --publish cannot know what the daemon "
		          "or an earlier scan published, and running it again publishes again "
		          "(set state.path, or state.backend = \"dynamodb\", as the daemon's)");
	if (remember == 0)
		log_warnx("alerts.remember is 0: published alerts are not remembered, and the "
		          "next scan --publish publishes them again");
	if (c->alerts.organization_names)
		log_notice("alerts.organization_names is the daemon's: scan --publish names "
		           "accounts from alerts.accounts only");
	return b;
fail:
	backfill_free(b);
	return NULL;
}

void
backfill_free(struct backfill *b)
{
	if (b == NULL)
		return;
	aggregate_free(b->agg);
	dedup_free(b->counted);
	dedup_free(b->published);
	state_close(b->counting);
	state_close(b->store);
	ctaws_client_free(b->client);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

struct backfill_worker *
backfill_worker_new(struct backfill *b)
{
	struct backfill_worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->b = b;
	if (b->dry_run == NULL && (w->conn = ctaws_conn_new(b->client)) == NULL) {
		free(w);
		return NULL;
	}
	publisher_init(&w->pub, w->conn, b->published, b->dry_run);
	w->al.rules = b->rules;
	w->al.links = &b->cfg->links;
	w->al.opts = &b->opts;
	w->al.agg = b->agg;
	w->al.pub = &w->pub;
	return w;
}

static void
add_stats(struct backfill *b, const struct publish_stats *p, const struct alerter_stats *a)
{
	pthread_mutex_lock(&b->lock);
	b->pub.published += p->published;
	b->pub.duplicates += p->duplicates;
	b->pub.failed += p->failed;
	b->al.grouped += a->grouped;
	b->al.suppressed += a->suppressed;
	b->al.duplicates += a->duplicates;
	pthread_mutex_unlock(&b->lock);
}

void
backfill_worker_free(struct backfill_worker *w)
{
	if (w == NULL)
		return;
	publisher_discard(&w->pub);
	add_stats(w->b, &w->pub.stats, &w->al.stats);
	ctaws_conn_free(w->conn);
	free(w);
}

/* "s3://BUCKET/KEY" into its parts, for the alert's "log"; a file has none. */
static int
split_s3(const char *source, char *bucket, size_t len, const char **key)
{
	const char *slash;

	if (strncmp(source, "s3://", 5) != 0 || (slash = strchr(source + 5, '/')) == NULL ||
	    (size_t)(slash - source - 5) >= len)
		return -1;
	snprintf(bucket, len, "%.*s", (int)(slash - source - 5), source + 5);
	*key = slash + 1;
	return 0;
}

/* A failed publish, in words: the source and what SNS (or the network) said. */
static int
publish_error(struct backfill_worker *w, const char *source, struct ct_error *err)
{
	char why[1024];

	w->al.publish_failed = 0;
	return ct_error_set(err, CT_ERR_AWS, "%s: publishing alerts: %s", source,
	    ctaws_error_str(&w->al.pub_err, why, sizeof(why)));
}

int
backfill_match(struct backfill_worker *w, const struct record_ref *rec, const char *event_time,
    const size_t *rules, size_t n, struct ct_error *err)
{
	char bucket[256];
	const char *key = NULL;
	time_t t;

	event_clock =
	    event_time && clock_parse_time(event_time, &t) == 0 ? (int64_t)t : (int64_t)time(NULL);
	if (split_s3(rec->source, bucket, sizeof(bucket), &key) == -1)
		key = NULL;
	if (alerter_match(&w->al, rec, rules, n, key ? bucket : NULL, key, err) == 0)
		return 0;
	return w->al.publish_failed ? publish_error(w, rec->source, err) : -1;
}

int
backfill_object_done(struct backfill_worker *w, const char *source, struct ct_error *err)
{
	if (publisher_flush(&w->pub, &w->al.pub_err) == 0)
		return 0;
	w->al.publish_failed = 1;
	return publish_error(w, source, err);
}

/* Every window closed, its summary out. 0, or -1 (told). */
static int
close_windows(struct backfill *b)
{
	struct backfill_worker *w = backfill_worker_new(b);
	uint64_t failed;
	long n;

	if (w == NULL) {
		log_err("out of memory closing the windows");
		return -1;
	}
	event_clock = END_OF_TIME;
	n = summary_sweep(b->agg, &w->pub, b->rules, &b->opts);
	failed = w->pub.stats.failed;
	backfill_worker_free(w);
	/* What was counted is handled, now that its windows are told (or not:
	 * the next run counts it again in any case, see backfill.h). */
	if (dedup_hand_over(b->counted, b->published) < 0)
		n = -1;
	if (n < 0 || failed > 0) {
		log_err("window summaries not published: %llu (told above); running the same scan "
		        "again sends them",
		    (unsigned long long)failed);
		return -1;
	}
	return 0;
}

int
backfill_finish(struct backfill *b)
{
	int r = close_windows(b);
	const struct publish_stats *p = &b->pub;
	const struct alerter_stats *a = &b->al;

	fprintf(stderr,
	    "ctalertd scan: %s %llu alert%s, %llu already published, %llu counted into "
	    "windows or thresholds, %llu suppressed%s",
	    b->dry_run ? "wrote (dry run)" : "published", (unsigned long long)p->published,
	    log_plural(p->published, "", "s"), (unsigned long long)(p->duplicates + a->duplicates),
	    (unsigned long long)a->grouped, (unsigned long long)a->suppressed,
	    p->failed ? "" : "\n");
	if (p->failed)
		fprintf(stderr,
		    ", %llu not published (SNS did not accept them: run the same scan "
		    "again to send them)\n",
		    (unsigned long long)p->failed);
	return r == -1 || p->failed ? -1 : 0;
}
