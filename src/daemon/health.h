/*
 * health: is the daemon alive, and ready for work? What GET /healthz and
 * /readyz on the metrics listener answer, and `ctalertd check --health`
 * reports (for a container HEALTHCHECK, ECS and load balancers).
 *
 * Alive (healthy) means both:
 *   - the event loop turned within HEALTH_MAX_TURN_AGE seconds (it turns at
 *     least every 5 s, for the STATUS timer, however idle);
 *   - a receive succeeded within metrics.max_receive_age (2 minutes by
 *     default) of the last time one was due. A receive is due while the
 *     daemon has room for messages and is not stopping; while every worker
 *     is busy or max_inflight_messages are in hand it asks for nothing, and
 *     the age counts from when it last had room. So a daemon whose
 *     ReceiveMessage calls keep failing (credentials gone, the queue
 *     deleted, SQS unreachable) turns unhealthy, and a busy one does not.
 * Ready means alive, started (the queue checked, READY=1 sent) and not
 * stopping: a load balancer stops sending to a draining task.
 *
 * The event loop records with one atomic store per call; any thread
 * judges. health_judge() is a pure function of a snapshot and the time, so
 * the rules above are tested without a loop. Times are clock_mono_s().
 */
#ifndef CT_DAEMON_HEALTH_H
#define CT_DAEMON_HEALTH_H

#include <stddef.h>

#define HEALTH_MAX_TURN_AGE 30. /* seconds the event loop may go without a turn */

struct health_snap {
	double started;         /* when the daemon became ready; 0: not yet */
	double last_turn;       /* the event loop's last turn */
	double receive_ok;      /* last receive that succeeded, or last turn none was due */
	int stopping;           /* SIGTERM or SIGINT seen */
	double max_receive_age; /* metrics.max_receive_age, seconds */
};

struct health_verdict {
	int alive;     /* /healthz: 200 when set, else 503 */
	int ready;     /* /readyz: 200 when set, else 503 */
	char why[200]; /* what is wrong with the first that fails; "" when ready */
};

/* The daemon started (queue checked). */
void health_started(double now);
/* metrics.max_receive_age in seconds: at start, and on each reload. */
void health_limit(double max_receive_age);
/* One loop turn; receive_due: the daemon has room and wants messages. */
void health_turn(double now, int receive_due);
/* A ReceiveMessage call succeeded (whether or not it brought messages). */
void health_received(double now);
/* The daemon is stopping: not ready any more, still alive. */
void health_stopping(void);
/* Forgets everything (tests, and a daemon's end). */
void health_reset(void);

/* What the daemon recorded so far. */
void health_snapshot(struct health_snap *s);
/* Judges s at now. */
void health_judge(const struct health_snap *s, double now, struct health_verdict *v);

#endif
