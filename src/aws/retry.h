/*
 * aws/retry: ctalertd's one retry and backoff policy, and the AWS SDKs'
 * "standard" retry mode built on it.
 *
 * Every delay that grows after failures is a struct ctaws_backoff (base,
 * cap, jitter) configured by its caller: a request's retries (below), the
 * long poll after a failed receive, a failed message given back to the
 * queue, a failed credentials refresh, and batch entries sent again.
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
#include <stddef.h>
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

enum ctaws_jitter {
	CTAWS_JITTER_NONE,  /* exactly min(cap, base * 2^(n-1)): for delays AWS spreads
	                       itself (a message's receive count) and for tests */
	CTAWS_JITTER_FULL,  /* uniform in [0, that): the SDKs' choice for requests */
	CTAWS_JITTER_EQUAL, /* uniform in [that/2, that]: never retries at once, yet
	                       instances failing together spread out */
};

/* A backoff policy. */
struct ctaws_backoff {
	long base_ms;             /* the delay before the second attempt, before jitter */
	long cap_ms;              /* no delay is longer */
	enum ctaws_jitter jitter; /* how it is spread */
};

/* The delay after failure number `failures` (>= 1; the first failure waits
 * about base_ms), drawing jitter from *rng (may be NULL with
 * CTAWS_JITTER_NONE). Not thread-safe on *rng: each caller has its own. */
long ctaws_backoff_ms(const struct ctaws_backoff *b, int failures, uint64_t *rng);
/* A jitter generator state; seed 0: seeded from the clock, the process id and
 * where the state lives, so that two generators seeded at once differ. */
uint64_t ctaws_rng_seed(unsigned seed, const void *where);
/* The next value, uniform in [0, 1). */
double ctaws_rng_unit(uint64_t *rng);

/* Shared by every request of a client; thread-safe. */
struct ctaws_retry {
	pthread_mutex_t mu;
	int tokens;                   /* retry quota left */
	int max_attempts;             /* attempts per request, >= 1 */
	struct ctaws_backoff backoff; /* full jitter, CTAWS_RETRY_BASE_MS to _CAP_MS */
	uint64_t rng;                 /* jitter generator state, under mu */
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

/*
 * Batch calls (PublishBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch)
 * can succeed while some of their entries fail. The entries failed for a
 * passing reason are sent again in later rounds, after r's backoff, each
 * round paid from r's quota and counted against r's attempt limit exactly
 * like a retried request.
 *
 * send() sends the entries whose indexes are idx[0..n), compacts idx to the
 * ones worth sending again and returns how many (with err saying why), 0 when
 * all are settled, or -1 when the batch must stop (err says why).
 * n is at most CTAWS_BATCH_MAX.
 * ctaws_batch_resend returns what the last send() returned: 0, -1, or the
 * number of entries still failing when retries ran out; *resent (may be NULL)
 * counts the entries sent again.
 */
/* One entry's fate in a batch call's answer. */
enum ctaws_entry_status {
	CTAWS_ENTRY_OK,         /* listed under Successful */
	CTAWS_ENTRY_FAILED,     /* listed under Failed with a code */
	CTAWS_ENTRY_UNREPORTED, /* in neither list: assume it did not happen */
};
/* Whether an entry listed under Failed is worth sending again: it was not
 * the sender's fault, or its code says throttled or unavailable. */
int ctaws_entry_retryable(int sender_fault, const char *code);

#define CTAWS_BATCH_MAX 10 /* entries per batch call: SQS and SNS both take ten */
typedef long (*ctaws_batch_send)(void *arg, size_t *idx, size_t n, struct ctaws_error *err);
long ctaws_batch_resend(struct ctaws_retry *r, size_t n, ctaws_batch_send send, void *arg,
    struct ctaws_error *err, uint64_t *resent);

/* Clock skew: 1 and the correction (server minus local, seconds) in *skew
 * when err is a clock-skew error and date_header (an HTTP Date) is more than
 * CTAWS_CLOCK_SKEW_MIN_S away from local_now; 0 otherwise. */
int ctaws_retry_clock_skew(
    const struct ctaws_error *err, const char *date_header, time_t local_now, long *skew);

#endif
