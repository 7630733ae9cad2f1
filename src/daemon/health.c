/*
 * health: the daemon's liveness and readiness. See health.h.
 */
#include "daemon/health.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* Seconds as doubles, stored as their bits: C11 has no portable atomic
 * double that is lock-free everywhere, a 64-bit integer is. */
static _Atomic unsigned long long started_bits, turn_bits, receive_ok_bits, max_age_bits;
static atomic_int stopping;

static unsigned long long
bits(double v)
{
	unsigned long long b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

static double
value(unsigned long long b)
{
	double v;

	memcpy(&v, &b, sizeof(v));
	return v;
}

void
health_limit(double max_receive_age)
{
	atomic_store(&max_age_bits, bits(max_receive_age));
}

void
health_started(double now)
{
	atomic_store(&turn_bits, bits(now));
	atomic_store(&receive_ok_bits, bits(now));
	atomic_store(&stopping, 0);
	atomic_store(&started_bits, bits(now));
}

void
health_turn(double now, int receive_due)
{
	atomic_store(&turn_bits, bits(now));
	if (!receive_due)
		atomic_store(&receive_ok_bits, bits(now));
}

void
health_received(double now)
{
	atomic_store(&receive_ok_bits, bits(now));
}

void
health_stopping(void)
{
	atomic_store(&stopping, 1);
}

void
health_reset(void)
{
	atomic_store(&started_bits, bits(0.));
	atomic_store(&turn_bits, bits(0.));
	atomic_store(&receive_ok_bits, bits(0.));
	atomic_store(&max_age_bits, bits(0.));
	atomic_store(&stopping, 0);
}

void
health_snapshot(struct health_snap *s)
{
	s->started = value(atomic_load(&started_bits));
	s->last_turn = value(atomic_load(&turn_bits));
	s->receive_ok = value(atomic_load(&receive_ok_bits));
	s->stopping = atomic_load(&stopping);
	s->max_receive_age = value(atomic_load(&max_age_bits));
}

void
health_judge(const struct health_snap *s, double now, struct health_verdict *v)
{
	v->alive = v->ready = 0;
	v->why[0] = '\0';
	if (s->started <= 0.) {
		snprintf(v->why, sizeof(v->why), "starting: the queue has not been checked yet");
		return;
	}
	if (now - s->last_turn > HEALTH_MAX_TURN_AGE) {
		snprintf(v->why, sizeof(v->why),
		    "the event loop has not turned for %.0f s (at most %.0f s)", now - s->last_turn,
		    HEALTH_MAX_TURN_AGE);
		return;
	}
	if (now - s->receive_ok > s->max_receive_age) {
		snprintf(v->why, sizeof(v->why),
		    "no receive from the queue has succeeded for %.0f s while one was due "
		    "(metrics.max_receive_age %.0f s)",
		    now - s->receive_ok, s->max_receive_age);
		return;
	}
	v->alive = 1;
	if (s->stopping) {
		snprintf(v->why, sizeof(v->why), "stopping: finishing the work in hand");
		return;
	}
	v->ready = 1;
}
