/*
 * aws/retry: the AWS SDKs' "standard" retry mode.
 *
 * - An attempt is retried when its error is retryable (throttling codes, 429,
 *   500/502/503/504, transient codes, timeouts and connection failures), the
 *   attempt limit is not reached and the retry quota has tokens.
 * - Backoff with full jitter: a uniform random delay in [0, min(cap,
 *   base * 2^(attempt-1))) before attempt+1; base 100 ms, cap 20 s.
 * - The retry quota is a token bucket shared by every request of a client:
 *   500 tokens; a retry costs 5 (10 after a timeout or connection failure);
 *   a request that succeeds returns what its last retry took, or 1 token when
 *   it needed no retry; never above 500. During an outage the quota runs dry
 *   and requests fail after their first attempt instead of multiplying load.
 * - Clock skew: when AWS refuses a signature's time and its Date header is
 *   more than 4 minutes from ours, the signing clock is corrected and the
 *   request retried once, at no quota cost.
 *
 * The jitter generator is seedable so tests see the same delays every run.
 */
#ifndef CT_AWS_RETRY_H
#define CT_AWS_RETRY_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "aws/error.h"

#define CTAWS_RETRY_QUOTA_MAX          500
#define CTAWS_RETRY_COST               5
#define CTAWS_RETRY_TIMEOUT_COST       10
#define CTAWS_RETRY_NO_RETRY_INCREMENT 1
#define CTAWS_RETRY_BASE_MS            100
#define CTAWS_RETRY_CAP_MS             20000
#define CTAWS_RETRY_MAX_ATTEMPTS       3
#define CTAWS_CLOCK_SKEW_MIN_S         240

/* Shared by every request of a client; thread-safe. */
struct ctaws_retry {
	pthread_mutex_t mu;
	int tokens;       /* retry quota left */
	int max_attempts; /* attempts per request, >= 1 */
	long base_ms;     /* backoff base */
	long cap_ms;      /* backoff cap */
	uint64_t rng;     /* jitter generator state */
};

/* Per request. */
struct ctaws_retry_state {
	int attempt;      /* attempts made so far */
	int last_cost;    /* tokens the last retry took; 0 when none */
	int skew_retried; /* the clock-skew retry was used */
};

/* seed 0: seeded from the clock and the process id. */
void ctaws_retry_init(struct ctaws_retry *r, int max_attempts, long base_ms, unsigned seed);
void ctaws_retry_destroy(struct ctaws_retry *r);
int ctaws_retry_tokens(struct ctaws_retry *r); /* quota left, for tests and metrics */

void ctaws_retry_state_init(struct ctaws_retry_state *st);

/* After a failed attempt (st->attempt already counts it): 1 and the delay
 * before the next attempt in *delay_ms, or 0 when the request must fail now. */
int ctaws_retry_next(struct ctaws_retry *r, struct ctaws_retry_state *st,
    const struct ctaws_error *err, long *delay_ms);
/* After a successful attempt: refunds the quota. */
void ctaws_retry_success(struct ctaws_retry *r, const struct ctaws_retry_state *st);

/* The backoff before attempt+1 (attempt >= 1), drawing from r's generator. */
long ctaws_retry_backoff_ms(struct ctaws_retry *r, int attempt);

/* Clock skew: 1 and the correction (server minus local, seconds) in *skew
 * when err is a clock-skew error and date_header (an HTTP Date) is more than
 * CTAWS_CLOCK_SKEW_MIN_S away from local_now; 0 otherwise. */
int ctaws_retry_clock_skew(
    const struct ctaws_error *err, const char *date_header, time_t local_now, long *skew);

#endif
