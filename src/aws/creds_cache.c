/*
 * The refreshing cache: a provider around another provider.
 *
 * Invariants, all under the mutex:
 * - cur is the last good set (or NULL); it stays until replaced or expired.
 * - At most one caller refreshes (refreshing != 0) and it does so without the
 *   lock, so callers find a still-valid cur and go on with it meanwhile; only
 *   callers that have nothing valid wait on the condition.
 * - refresh_at is when cur should be replaced: its expiry minus the window
 *   and a random jitter (so a fleet does not refresh at once), at least a
 *   little in the future; credentials that never expire are asked for again
 *   every static_ttl so a rotated file is picked up.
 * - After a failed refresh, retry_at holds the next attempt (exponential
 *   backoff, on the monotonic clock: expiry is a date, a backoff a
 *   duration); a valid cur keeps being served until then, and without one the
 *   last error is returned at once instead of hammering the source.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/creds_provider.h"
#include "aws/retry.h"
#include "util/clock.h"
#include "util/log.h"

struct cache {
	struct ctaws_creds_provider base;
	struct ctaws_creds_provider *source; /* owned */
	struct ctaws_creds_cache_opts opt;   /* defaults filled in */
	pthread_mutex_t mu;
	pthread_cond_t cv;             /* signalled when a refresh ends */
	struct ctaws_credentials *cur; /* owned reference, NULL before the first success */
	long long refresh_at;          /* ms: replace cur from then on */
	long long retry_at;            /* monotonic ms: no new attempt before (after failures) */
	int failures;                  /* refreshes failed in a row */
	int refreshing;                /* a caller is asking the source right now */
	struct ctaws_error last_err;   /* the last failure, for callers in backoff */
	struct ctaws_backoff backoff;  /* after a failed refresh: equal jitter */
	uint64_t rng;                  /* jitter generator */
};

static long long
real_now_ms(void)
{
	return (long long)(clock_wall_s() * 1000.0);
}

static long long
real_mono_ms(void)
{
	return (long long)(clock_mono_s() * 1000.0);
}

static int
valid_at(const struct ctaws_credentials *c, long long now)
{
	return c != NULL && (c->expiration == 0 || now < (long long)c->expiration * 1000);
}

static long long
next_refresh(struct cache *k, const struct ctaws_credentials *c, long long now)
{
	long long exp, at, gap;
	long jitter = 0;

	if (c->expiration == 0)
		return now + (long long)k->opt.static_ttl_s * 1000;
	exp = (long long)c->expiration * 1000;
	if (k->opt.jitter_s > 0)
		jitter = (long)(ctaws_rng_unit(&k->rng) * (double)(k->opt.jitter_s * 1000L + 1));
	at = exp - (long long)k->opt.refresh_window_s * 1000 - jitter;
	/* Short-lived sets (IMDS's static stability hands out minutes) are not
	 * refreshed on every call: wait half their remaining life, up to a minute. */
	gap = (exp - now) / 2;
	if (gap > 60000)
		gap = 60000;
	return at < now + gap ? now + gap : at;
}

/* Stores the outcome of a refresh; called with the lock held. */
static void
settle(struct cache *k, int rc, struct ctaws_credentials *fresh, const struct ctaws_error *e)
{
	long long now = k->opt.now_ms();
	long delay;
	char when[48];

	if (rc == 0) {
		ctaws_credentials_release(k->cur);
		k->cur = fresh;
		k->refresh_at = next_refresh(k, fresh, now);
		k->failures = 0;
		k->retry_at = 0;
		return;
	}
	k->failures++;
	delay = ctaws_backoff_ms(&k->backoff, k->failures, &k->rng);
	k->retry_at = k->opt.mono_ms() + delay;
	k->last_err = *e;
	if (valid_at(k->cur, now)) {
		struct tm tm;
		time_t t = k->cur->expiration;
		if (t == 0)
			snprintf(when, sizeof(when), "they do not expire");
		else
			strftime(when, sizeof(when), "valid until %Y-%m-%dT%H:%M:%SZ",
			    gmtime_r(&t, &tm));
		log_warnx("credentials refresh from %s failed (%s: %s); keeping the current "
		          "credentials (%s); next try in %lld ms",
		    k->source->name, e->code, e->message, when, (long long)delay);
	}
}

/* The refresh itself, entered and left with the lock held. */
static void
refresh(struct cache *k)
{
	struct ctaws_credentials *fresh = NULL;
	struct ctaws_error e;
	long long now;
	int rc;

	k->refreshing = 1;
	pthread_mutex_unlock(&k->mu);
	ctaws_error_clear(&e);
	rc = ctaws_creds_get(k->source, &fresh, &e);
	pthread_mutex_lock(&k->mu);
	now = k->opt.now_ms();
	if (rc == 0 && !valid_at(fresh, now)) {
		ctaws_error_set(&e, "credentials", "refresh", 0, CTAWS_CREDS_ERROR, 1,
		    "%s returned credentials that have already expired", k->source->name);
		ctaws_credentials_release(fresh);
		fresh = NULL;
		rc = -1;
	}
	settle(k, rc, fresh, &e);
	k->refreshing = 0;
	pthread_cond_broadcast(&k->cv);
}

static int
cache_get(struct ctaws_creds_provider *p, struct ctaws_credentials **out, struct ctaws_error *err)
{
	struct cache *k = (struct cache *)p;
	int attempted = 0;

	pthread_mutex_lock(&k->mu);
	for (;;) {
		long long now = k->opt.now_ms();
		int backing_off = k->opt.mono_ms() < k->retry_at;
		int valid = valid_at(k->cur, now);

		if (valid && (now < k->refresh_at || k->refreshing || backing_off || attempted))
			break;
		if (!valid && k->refreshing) {
			pthread_cond_wait(&k->cv, &k->mu);
			continue;
		}
		if (!valid && (backing_off || attempted)) {
			*err = k->last_err;
			pthread_mutex_unlock(&k->mu);
			return -1;
		}
		refresh(k);
		attempted = 1;
	}
	*out = ctaws_credentials_ref(k->cur);
	pthread_mutex_unlock(&k->mu);
	return 0;
}

static void
cache_destroy(struct ctaws_creds_provider *p)
{
	struct cache *k = (struct cache *)p;

	ctaws_creds_provider_free(k->source);
	ctaws_credentials_release(k->cur);
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->cv);
	free(k);
}

static const struct ctaws_creds_provider_ops cache_ops = {cache_get, cache_destroy};

struct ctaws_creds_provider *
ctaws_creds_cache_new(struct ctaws_creds_provider *source, const struct ctaws_creds_cache_opts *opt)
{
	struct cache *k;

	if (source == NULL || (k = calloc(1, sizeof(*k))) == NULL) {
		ctaws_creds_provider_free(source);
		return NULL;
	}
	if (opt)
		k->opt = *opt;
	if (k->opt.refresh_window_s == 0)
		k->opt.refresh_window_s = 300;
	if (k->opt.jitter_s == 0)
		k->opt.jitter_s = 60;
	if (k->opt.static_ttl_s == 0)
		k->opt.static_ttl_s = 900;
	k->backoff.base_ms = k->opt.backoff_base_ms > 0 ? k->opt.backoff_base_ms : 1000;
	k->backoff.cap_ms = k->opt.backoff_max_ms > 0 ? k->opt.backoff_max_ms : 60000;
	k->backoff.jitter = CTAWS_JITTER_EQUAL;
	if (k->opt.now_ms == NULL)
		k->opt.now_ms = real_now_ms;
	if (k->opt.mono_ms == NULL)
		k->opt.mono_ms = real_mono_ms;
	k->rng = ctaws_rng_seed(k->opt.seed, k);
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	k->source = source;
	k->base.ops = &cache_ops;
	k->base.name = source->name;
	return &k->base;
}
