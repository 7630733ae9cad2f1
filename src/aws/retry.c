/*
 * aws/retry: standard-mode retry decisions, backoff and the retry quota.
 */
#include "aws/retry.h"

#include "aws/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* splitmix64: small, fast, good enough for jitter, trivially seedable. */
static uint64_t
next_u64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t
ctaws_rng_seed(unsigned seed, const void *where)
{
	struct timespec ts;

	if (seed != 0)
		return seed;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid() ^
	       ((uint64_t)(uintptr_t)where << 32);
}

double
ctaws_rng_unit(uint64_t *rng)
{
	/* The top 53 bits as a fraction. */
	return (double)(next_u64(rng) >> 11) / 9007199254740992.0;
}

long
ctaws_backoff_ms(const struct ctaws_backoff *b, int failures, uint64_t *rng)
{
	long ceiling = b->base_ms > 0 ? b->base_ms : 1;

	for (int i = 1; i < failures && ceiling < b->cap_ms; i++)
		ceiling *= 2;
	if (b->cap_ms > 0 && ceiling > b->cap_ms)
		ceiling = b->cap_ms;
	switch (b->jitter) {
	case CTAWS_JITTER_FULL:
		return (long)(ctaws_rng_unit(rng) * (double)ceiling);
	case CTAWS_JITTER_EQUAL:
		return ceiling / 2 +
		       (long)(ctaws_rng_unit(rng) * (double)(ceiling - ceiling / 2 + 1));
	default:
		return ceiling;
	}
}

void
ctaws_retry_init(struct ctaws_retry *r, int max_attempts, long base_ms, unsigned seed)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	r->tokens = CTAWS_RETRY_QUOTA_MAX;
	r->max_attempts = max_attempts > 0 ? max_attempts : CTAWS_RETRY_MAX_ATTEMPTS;
	r->backoff.base_ms = base_ms > 0 ? base_ms : CTAWS_RETRY_BASE_MS;
	r->backoff.cap_ms = CTAWS_RETRY_CAP_MS;
	r->backoff.jitter = CTAWS_JITTER_FULL;
	r->rng = ctaws_rng_seed(seed, r);
}

void
ctaws_retry_destroy(struct ctaws_retry *r)
{
	pthread_mutex_destroy(&r->mu);
}

int
ctaws_retry_tokens(struct ctaws_retry *r)
{
	int t;

	pthread_mutex_lock(&r->mu);
	t = r->tokens;
	pthread_mutex_unlock(&r->mu);
	return t;
}

void
ctaws_retry_state_init(struct ctaws_retry_state *st)
{
	memset(st, 0, sizeof(*st));
}

long
ctaws_retry_backoff_ms(struct ctaws_retry *r, int attempt)
{
	long d;

	pthread_mutex_lock(&r->mu);
	d = ctaws_backoff_ms(&r->backoff, attempt, &r->rng);
	pthread_mutex_unlock(&r->mu);
	return d;
}

static int
no_response_failure(const struct ctaws_error *err)
{
	return err->errc == CTAWS_ERRC_TIMEOUT || err->errc == CTAWS_ERRC_NETWORK;
}

int
ctaws_retry_next(struct ctaws_retry *r, struct ctaws_retry_state *st, const struct ctaws_error *err,
    long *delay_ms)
{
	int cost = no_response_failure(err) ? CTAWS_RETRY_TIMEOUT_COST : CTAWS_RETRY_COST;

	*delay_ms = 0;
	if (!err->retryable || st->attempt >= r->max_attempts)
		return 0;
	pthread_mutex_lock(&r->mu);
	if (r->tokens < cost) {
		pthread_mutex_unlock(&r->mu);
		return 0;
	}
	r->tokens -= cost;
	pthread_mutex_unlock(&r->mu);
	st->last_cost = cost;
	*delay_ms = ctaws_retry_backoff_ms(r, st->attempt);
	return 1;
}

void
ctaws_retry_success(struct ctaws_retry *r, const struct ctaws_retry_state *st)
{
	pthread_mutex_lock(&r->mu);
	r->tokens += st->last_cost ? st->last_cost : CTAWS_RETRY_NO_RETRY_INCREMENT;
	if (r->tokens > CTAWS_RETRY_QUOTA_MAX)
		r->tokens = CTAWS_RETRY_QUOTA_MAX;
	pthread_mutex_unlock(&r->mu);
}

int
ctaws_retry_clock_skew(
    const struct ctaws_error *err, const char *date_header, time_t local_now, long *skew)
{
	time_t server;
	long d;

	*skew = 0;
	if (err->errc != CTAWS_ERRC_SIGNATURE || date_header == NULL ||
	    ctaws_parse_time(date_header, &server) == -1)
		return 0;
	d = (long)(server - local_now);
	if (labs(d) < CTAWS_CLOCK_SKEW_MIN_S)
		return 0;
	*skew = d;
	return 1;
}

int
ctaws_entry_retryable(int sender_fault, const char *code)
{
	return !sender_fault || ctaws_error_code_is_throttling(code) ||
	       ctaws_error_code_is_transient(code);
}

long
ctaws_batch_resend(struct ctaws_retry *r, size_t n, ctaws_batch_send send, void *arg,
    struct ctaws_error *err, uint64_t *resent)
{
	struct ctaws_retry_state st;
	size_t idx[CTAWS_BATCH_MAX];
	long left;

	if (n > CTAWS_BATCH_MAX)
		return ctaws_error_set(err, NULL, NULL, 0, "InvalidRequest", 0,
		    "%zu entries in one batch (at most %d)", n, CTAWS_BATCH_MAX);
	ctaws_retry_state_init(&st);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	for (;;) {
		struct ctaws_error again;
		long delay;

		st.attempt++;
		ctaws_error_clear(err);
		if ((left = send(arg, idx, n, err)) <= 0) {
			if (left == 0)
				ctaws_retry_success(r, &st);
			return left;
		}
		/* send() only hands back entries worth another round. */
		again = *err;
		again.retryable = 1;
		if (!ctaws_retry_next(r, &st, &again, &delay))
			return left;
		n = (size_t)left;
		if (resent)
			*resent += n;
		if (delay > 0)
			usleep((useconds_t)delay * 1000);
	}
}
