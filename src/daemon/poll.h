/*
 * poll: the first step. Long-polls the queue from the event loop.
 *
 * At most one ReceiveMessage is outstanding. The daemon asks for only as many
 * messages as it has room for, so no message waits unseen in a local buffer
 * while its visibility timeout runs. A failed receive backs off
 * exponentially (1 s doubling to 60 s, with jitter) before the next one;
 * a good one resets the backoff.
 */
#ifndef CT_DAEMON_POLL_H
#define CT_DAEMON_POLL_H

#include <ev.h>

#include "aws/error.h"
#include "aws/sqs.h"

struct curlev;
struct ctaws_client;

struct poll_ops {
	/* Messages arrived (msgs may be empty). msgs is borrowed for the call: the
	 * poller frees it when the callback returns, so the callee copies what it
	 * keeps. */
	void (*received)(void *arg, struct sqs_messages *msgs);
	/* The receive failed; a backoff has started. */
	void (*failed)(void *arg, const struct ctaws_error *err, double backoff_s);
	/* The backoff is over: the loop may poll again. */
	void (*wake)(void *arg);
};

struct poller;

struct poller *poller_new(struct ev_loop *loop, struct curlev *cv, struct ctaws_client *client,
    const char *queue_url, const struct poll_ops *ops, void *arg);
void poller_free(struct poller *p); /* cancels an outstanding receive */

/* Starts a receive unless one is outstanding or a backoff runs: 1 started, 0 not, -1 error. */
int poller_start(struct poller *p, int max_messages, int wait_s, int visibility_s);
/* Drops the outstanding receive: SQS keeps its messages (it never handed them out). */
void poller_cancel(struct poller *p);
int poller_outstanding(const struct poller *p);
int poller_backing_off(const struct poller *p);
/* Consecutive failures so far. */
int poller_failures(const struct poller *p);

#endif
