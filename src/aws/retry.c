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

void
aws_retry_init(struct aws_retry *r, int max_attempts, long base_ms, unsigned seed)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	r->tokens = AWS_RETRY_QUOTA_MAX;
	r->max_attempts = max_attempts > 0 ? max_attempts : AWS_RETRY_MAX_ATTEMPTS;
	r->base_ms = base_ms > 0 ? base_ms : AWS_RETRY_BASE_MS;
	r->cap_ms = AWS_RETRY_CAP_MS;
	if (seed == 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		r->rng = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
	} else {
		r->rng = seed;
	}
}

void
aws_retry_destroy(struct aws_retry *r)
{
	pthread_mutex_destroy(&r->mu);
}

int
aws_retry_tokens(struct aws_retry *r)
{
	int t;

	pthread_mutex_lock(&r->mu);
	t = r->tokens;
	pthread_mutex_unlock(&r->mu);
	return t;
}

void
aws_retry_state_init(struct aws_retry_state *st)
{
	memset(st, 0, sizeof(*st));
}

long
aws_retry_backoff_ms(struct aws_retry *r, int attempt)
{
	long ceiling = r->base_ms;
	uint64_t x;

	for (int i = 1; i < attempt && ceiling < r->cap_ms; i++)
		ceiling *= 2;
	if (ceiling > r->cap_ms)
		ceiling = r->cap_ms;
	pthread_mutex_lock(&r->mu);
	x = next_u64(&r->rng);
	pthread_mutex_unlock(&r->mu);
	/* Uniform in [0, ceiling): the top 53 bits as a fraction. */
	return (long)((double)(x >> 11) / 9007199254740992.0 * (double)ceiling);
}

static int
no_response_failure(const struct aws_error *err)
{
	return strcmp(err->code, "Timeout") == 0 || strcmp(err->code, "NetworkError") == 0;
}

int
aws_retry_next(
    struct aws_retry *r, struct aws_retry_state *st, const struct aws_error *err, long *delay_ms)
{
	int cost = no_response_failure(err) ? AWS_RETRY_TIMEOUT_COST : AWS_RETRY_COST;

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
	*delay_ms = aws_retry_backoff_ms(r, st->attempt);
	return 1;
}

void
aws_retry_success(struct aws_retry *r, const struct aws_retry_state *st)
{
	pthread_mutex_lock(&r->mu);
	r->tokens += st->last_cost ? st->last_cost : AWS_RETRY_NO_RETRY_INCREMENT;
	if (r->tokens > AWS_RETRY_QUOTA_MAX)
		r->tokens = AWS_RETRY_QUOTA_MAX;
	pthread_mutex_unlock(&r->mu);
}

int
aws_retry_clock_skew(
    const struct aws_error *err, const char *date_header, time_t local_now, long *skew)
{
	time_t server;
	long d;

	*skew = 0;
	if (!aws_error_code_is_clock_skew(err->code) || date_header == NULL ||
	    aws_parse_time(date_header, &server) == -1)
		return 0;
	d = (long)(server - local_now);
	if (labs(d) < AWS_CLOCK_SKEW_MIN_S)
		return 0;
	*skew = d;
	return 1;
}
