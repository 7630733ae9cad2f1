/*
 * The refreshing credentials cache, driven by a fake clock and a scripted
 * source: refresh ahead of expiry (with and without jitter), failures that
 * keep valid credentials and back off, expiry with a failing source, and
 * threads that must not wait for a slow refresh while valid credentials exist.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/creds_provider.h"
#include "creds_case.h"
#include "util/log.h"
#include "tests/lib/check_main.h"

#define T0 1700000000LL /* seconds: the fake clock starts here */

static long long fake_ms;

static long long
fake_now(void)
{
	return __atomic_load_n(&fake_ms, __ATOMIC_SEQ_CST);
}

static void
set_now(long long s)
{
	__atomic_store_n(&fake_ms, s * 1000, __ATOMIC_SEQ_CST);
}

static void
advance_ms(long long ms)
{
	__atomic_add_fetch(&fake_ms, ms, __ATOMIC_SEQ_CST);
}

/* The scripted source. */
struct source {
	struct ctaws_creds_provider base;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int calls;        /* how often get was called */
	int fail;         /* the next calls fail with "ServiceUnavailable" */
	long long life_s; /* credentials expire this long after "now"; 0: never */
	int hold;         /* get blocks until hold is cleared */
	int inside;       /* a get is blocked right now */
};

static struct source src;
static unsigned seed = 41;

static int
source_get(struct ctaws_creds_provider *p, struct ctaws_credentials **out, struct ctaws_error *err)
{
	struct source *s = (struct source *)p;
	char akid[32];
	int n, fail;

	pthread_mutex_lock(&s->mu);
	n = ++s->calls;
	s->inside = 1;
	pthread_cond_broadcast(&s->cv);
	while (s->hold)
		pthread_cond_wait(&s->cv, &s->mu);
	s->inside = 0;
	fail = s->fail;
	pthread_mutex_unlock(&s->mu);
	if (fail)
		return ctaws_error_set(err, "imds", "GetCredentials", 503, "ServiceUnavailable", 1,
		    "metadata service busy");
	snprintf(akid, sizeof(akid), "AKIA%d", n);
	*out = ctaws_credentials_new(akid, "cachesecret", "cachetoken",
	    s->life_s ? (time_t)(fake_now() / 1000 + s->life_s) : 0, "test");
	return 0;
}

static void
source_destroy(struct ctaws_creds_provider *p)
{
	(void)p;
}

static const struct ctaws_creds_provider_ops source_ops = {source_get, source_destroy};

static struct ctaws_creds_provider *
cache_new(long long life_s, int jitter_s)
{
	struct ctaws_creds_cache_opts o;

	memset(&src, 0, sizeof(src));
	src.base.ops = &source_ops;
	src.base.name = "scripted";
	pthread_mutex_init(&src.mu, NULL);
	pthread_cond_init(&src.cv, NULL);
	src.life_s = life_s;
	memset(&o, 0, sizeof(o));
	o.now_ms = fake_now;
	o.mono_ms = fake_now; /* one fake clock: the test moves both */
	o.jitter_s = jitter_s;
	o.seed = ++seed; /* deterministic, but a new draw per cache */
	set_now(T0);
	return ctaws_creds_cache_new(&src.base, &o);
}

static int
calls(void)
{
	int n;

	pthread_mutex_lock(&src.mu);
	n = src.calls;
	pthread_mutex_unlock(&src.mu);
	return n;
}

static void
set_fail(int f)
{
	pthread_mutex_lock(&src.mu);
	src.fail = f;
	pthread_mutex_unlock(&src.mu);
}

/* Gets credentials and returns their access key id's number (AKIA<n>). */
static int
get_n(struct ctaws_creds_provider *k)
{
	struct ctaws_credentials *c = NULL;
	struct ctaws_error err;
	int n;

	ck_assert_msg(ctaws_creds_get(k, &c, &err) == 0, "get failed: %s", err.message);
	n = atoi(c->access_key_id + 4);
	ctaws_credentials_release(c);
	return n;
}

START_TEST(cache_reuses_until_the_window)
{
	struct ctaws_creds_provider *k = cache_new(3600, -1);

	ck_assert_int_eq(get_n(k), 1);
	ck_assert_int_eq(get_n(k), 1);
	set_now(T0 + 3600 - 301); /* just outside the 5 minute window */
	ck_assert_int_eq(get_n(k), 1);
	ck_assert_int_eq(calls(), 1);
	set_now(T0 + 3600 - 299); /* inside it */
	ck_assert_int_eq(get_n(k), 2);
	ck_assert_int_eq(calls(), 2);
	ck_assert_int_eq(get_n(k), 2);
	ck_assert_int_eq(calls(), 2);
	ctaws_creds_provider_free(k);
}
END_TEST

/* With jitter the refresh comes up to a minute earlier, never later. */
START_TEST(cache_jitter_refreshes_earlier)
{
	int earliest = 0, latest = 0;

	for (int round = 0; round < 20; round++) {
		struct ctaws_creds_provider *k = cache_new(3600, 60);
		int s;
		ck_assert_int_eq(get_n(k), 1);
		for (s = 3600 - 370; s <= 3600 - 299; s++) {
			set_now(T0 + s);
			if (get_n(k) == 2)
				break;
		}
		ck_assert_int_ge(s, 3600 - 360);
		ck_assert_int_le(s, 3600 - 300);
		if (s < 3600 - 330)
			earliest++;
		else
			latest++;
		ctaws_creds_provider_free(k);
	}
	/* 20 draws from a minute of jitter land on both halves of it. */
	ck_assert_int_gt(earliest, 0);
	ck_assert_int_gt(latest, 0);
}
END_TEST

/* A failed refresh keeps the valid set, warns (without the secret) and does
 * not ask again before the backoff delay. */
START_TEST(cache_failure_keeps_valid_creds)
{
	static const char *const secrets[] = {"cachesecret", "cachetoken", NULL};
	struct ctaws_creds_provider *k = cache_new(3600, -1);
	char *logs;

	ck_assert_int_eq(get_n(k), 1);
	set_fail(1);
	set_now(T0 + 3500);
	capture_start();
	ck_assert_int_eq(get_n(k), 1);
	logs = capture_end();
	ck_assert_int_eq(calls(), 2);
	ck_assert_ptr_nonnull(strstr(logs, "credentials refresh from scripted failed"));
	ck_assert_ptr_nonnull(strstr(logs, "ServiceUnavailable"));
	assert_no_secret("cache warning", logs, secrets);
	free(logs);
	ck_assert_int_eq(get_n(k), 1); /* in backoff: not asked */
	ck_assert_int_eq(calls(), 2);
	advance_ms(1000); /* the first delay is at most one second */
	ck_assert_int_eq(get_n(k), 1);
	ck_assert_int_eq(calls(), 3);
	set_fail(0);
	advance_ms(2000);
	ck_assert_int_eq(get_n(k), 4);
	ctaws_creds_provider_free(k);
	tmp_cleanup();
}
END_TEST

/* The delay doubles with each failure (equal jitter: between d/2 and d) up to
 * the cap. */
START_TEST(cache_backoff_grows_to_the_cap)
{
	struct ctaws_creds_provider *k = cache_new(7200, -1);
	long long d = 1000;

	ck_assert_int_eq(get_n(k), 1);
	set_fail(1);
	set_now(T0 + 7200 - 299);
	capture_start();
	ck_assert_int_eq(get_n(k), 1); /* the first failure starts the first delay */
	ck_assert_int_eq(calls(), 2);
	for (int i = 0; i < 8; i++) { /* 1+2+4+...+60+60 s stay inside the 299 s left */
		int before = calls(), waited = 0;
		while (calls() == before) {
			advance_ms(100);
			waited += 100;
			ck_assert_int_le(waited, d);
			ck_assert_int_eq(get_n(k), 1);
		}
		ck_assert_int_ge(waited, d / 2);
		d = d * 2 > 60000 ? 60000 : d * 2;
	}
	free(capture_end());
	ctaws_creds_provider_free(k);
	tmp_cleanup();
}
END_TEST

/* Expired and the source failing: the caller gets the source's error, and
 * while backing off it gets it again without the source being asked. */
START_TEST(cache_expired_and_failing_is_an_error)
{
	struct ctaws_creds_provider *k = cache_new(600, -1);
	struct ctaws_credentials *c = NULL;
	struct ctaws_error err;

	ck_assert_int_eq(get_n(k), 1);
	set_fail(1);
	set_now(T0 + 601);
	ck_assert_int_eq(ctaws_creds_get(k, &c, &err), -1);
	ck_assert_str_eq(err.code, "ServiceUnavailable");
	ck_assert_int_eq(err.http_status, 503);
	ck_assert_int_eq(calls(), 2);
	ck_assert_int_eq(ctaws_creds_get(k, &c, &err), -1);
	ck_assert_str_eq(err.code, "ServiceUnavailable");
	ck_assert_int_eq(calls(), 2);
	advance_ms(1001);
	set_fail(0);
	ck_assert_int_eq(get_n(k), 3);
	ctaws_creds_provider_free(k);
}
END_TEST

/* The first call with a failing source is an error too. */
START_TEST(cache_first_failure)
{
	struct ctaws_creds_provider *k = cache_new(3600, -1);
	struct ctaws_credentials *c = NULL;
	struct ctaws_error err;

	set_fail(1);
	ck_assert_int_eq(ctaws_creds_get(k, &c, &err), -1);
	ck_assert_str_eq(err.code, "ServiceUnavailable");
	ctaws_creds_provider_free(k);
}
END_TEST

/* Credentials that never expire are asked for again every 15 minutes. */
START_TEST(cache_static_creds_reread)
{
	struct ctaws_creds_provider *k = cache_new(0, -1);

	ck_assert_int_eq(get_n(k), 1);
	set_now(T0 + 899);
	ck_assert_int_eq(get_n(k), 1);
	set_now(T0 + 900);
	ck_assert_int_eq(get_n(k), 2);
	/* and a failure then keeps them: they do not expire */
	set_fail(1);
	set_now(T0 + 1800);
	capture_start();
	ck_assert_int_eq(get_n(k), 2);
	free(capture_end());
	ctaws_creds_provider_free(k);
	tmp_cleanup();
}
END_TEST

/* A source handing out expired credentials is a failure. */
START_TEST(cache_refuses_expired_creds)
{
	struct ctaws_creds_provider *k = cache_new(-10, -1);
	struct ctaws_credentials *c = NULL;
	struct ctaws_error err;

	ck_assert_int_eq(ctaws_creds_get(k, &c, &err), -1);
	ck_assert_str_eq(err.code, "CredentialsError");
	ck_assert_ptr_nonnull(strstr(err.message, "already expired"));
	ctaws_creds_provider_free(k);
}
END_TEST

/* Short-lived credentials are not refreshed on every call. */
START_TEST(cache_short_lived_creds)
{
	struct ctaws_creds_provider *k = cache_new(240, -1); /* already inside the window */

	ck_assert_int_eq(get_n(k), 1);
	set_now(T0 + 59);
	ck_assert_int_eq(get_n(k), 1);
	ck_assert_int_eq(calls(), 1);
	set_now(T0 + 60);
	ck_assert_int_eq(get_n(k), 2);
	ctaws_creds_provider_free(k);
}
END_TEST

struct getter {
	struct ctaws_creds_provider *k;
	int n;        /* the AKIA number it got */
	long long ms; /* how long the call took, real time */
	int rc;
};

static long long
real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *
getter_run(void *arg)
{
	struct getter *g = arg;
	struct ctaws_credentials *c = NULL;
	struct ctaws_error err;
	long long t = real_ms();

	g->rc = ctaws_creds_get(g->k, &c, &err);
	g->ms = real_ms() - t;
	if (g->rc == 0) {
		g->n = atoi(c->access_key_id + 4);
		ctaws_credentials_release(c);
	}
	return NULL;
}

static void
wait_inside(void)
{
	pthread_mutex_lock(&src.mu);
	while (!src.inside)
		pthread_cond_wait(&src.cv, &src.mu);
	pthread_mutex_unlock(&src.mu);
}

static void
release_hold(void)
{
	pthread_mutex_lock(&src.mu);
	src.hold = 0;
	pthread_cond_broadcast(&src.cv);
	pthread_mutex_unlock(&src.mu);
}

/* One thread refreshes (and is stuck in the source); the others keep getting
 * the still-valid set at once, and nobody else asks the source. */
START_TEST(cache_others_do_not_wait_for_a_slow_refresh)
{
	struct ctaws_creds_provider *k = cache_new(3600, -1);
	struct getter refresher = {k, 0, 0, 0}, others[6];
	pthread_t rt, ot[6];

	ck_assert_int_eq(get_n(k), 1);
	set_now(T0 + 3400);
	src.hold = 1;
	pthread_create(&rt, NULL, getter_run, &refresher);
	wait_inside();
	for (int i = 0; i < 6; i++) {
		others[i] = (struct getter){k, 0, 0, 0};
		pthread_create(&ot[i], NULL, getter_run, &others[i]);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(ot[i], NULL);
		ck_assert_int_eq(others[i].rc, 0);
		ck_assert_int_eq(others[i].n, 1);
		ck_assert_int_lt(others[i].ms, 1000);
	}
	ck_assert_int_eq(calls(), 2);
	release_hold();
	pthread_join(rt, NULL);
	ck_assert_int_eq(refresher.n, 2);
	ck_assert_int_eq(get_n(k), 2);
	ck_assert_int_eq(calls(), 2);
	ctaws_creds_provider_free(k);
}
END_TEST

/* Without valid credentials, callers wait for the one refresh in progress
 * and all get its result: the source is asked once. */
START_TEST(cache_waiters_share_one_refresh)
{
	struct ctaws_creds_provider *k = cache_new(3600, -1);
	struct getter g[6];
	pthread_t t[6];

	src.hold = 1;
	for (int i = 0; i < 6; i++) {
		g[i] = (struct getter){k, 0, 0, 0};
		pthread_create(&t[i], NULL, getter_run, &g[i]);
	}
	wait_inside();
	usleep(100 * 1000); /* let the others reach the wait */
	release_hold();
	for (int i = 0; i < 6; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(g[i].rc, 0);
		ck_assert_int_eq(g[i].n, 1);
	}
	ck_assert_int_eq(calls(), 1);
	ctaws_creds_provider_free(k);
}
END_TEST

CT_CHECK_PROGRAM(.name = "creds_cache", .timeout = 20, .setup = ct_log_debug,
    .once = CT_TESTS(cache_reuses_until_the_window, cache_jitter_refreshes_earlier,
        cache_failure_keeps_valid_creds, cache_backoff_grows_to_the_cap,
        cache_expired_and_failing_is_an_error, cache_first_failure, cache_static_creds_reread,
        cache_refuses_expired_creds, cache_short_lived_creds,
        cache_others_do_not_wait_for_a_slow_refresh, cache_waiters_share_one_refresh))
