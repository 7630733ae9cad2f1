/*
 * poll: the one outstanding ReceiveMessage, driven by curlev on the loop;
 * its answer is parsed and handed to the received callback, a failure
 * starts the backoff timer. See poll.h.
 */
#include "daemon/poll.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/retry.h"
#include "daemon/curlev.h"
#include "util/log.h"

struct poller {
	struct ev_loop *loop;        /* borrowed */
	struct curlev *cv;           /* borrowed */
	struct ctaws_client *client; /* borrowed */
	struct sqs_queue queue;      /* owned: the queue, resolved once */
	const struct poll_ops *ops;
	void *arg;
	struct sqs_request req;  /* the outstanding request's storage */
	struct ctaws_xfer *xfer; /* the outstanding receive, NULL when none */
	ev_timer backoff;        /* runs after a failure */
	int failures;            /* consecutive */
	uint64_t rng;            /* jitter */
};

/* After a failed receive: 1 s doubling to 60 s, equal jitter, so a fleet
 * that failed together does not come back together. */
static const struct ctaws_backoff receive_backoff = {1000, 60000, CTAWS_JITTER_EQUAL};

static void
on_backoff(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct poller *p = w->data;

	(void)loop;
	(void)revents;
	p->ops->wake(p->arg);
}

struct poller *
poller_new(struct ev_loop *loop, struct curlev *cv, struct ctaws_client *client,
    const char *queue_url, const struct poll_ops *ops, void *arg)
{
	struct poller *p = calloc(1, sizeof(*p));
	struct ctaws_error err;

	if (p == NULL)
		return NULL;
	if (sqs_queue_init(&p->queue, client, queue_url, &err) == -1) {
		log_err("queue %s: %s", queue_url, err.message);
		free(p);
		return NULL;
	}
	p->loop = loop;
	p->cv = cv;
	p->client = client;
	p->ops = ops;
	p->arg = arg;
	p->rng = ctaws_rng_seed(0, p);
	ev_timer_init(&p->backoff, on_backoff, 0., 0.);
	p->backoff.data = p;
	return p;
}

static void
end_xfer(struct poller *p)
{
	ctaws_xfer_free(p->xfer);
	p->xfer = NULL;
	sqs_request_free(&p->req);
}

void
poller_cancel(struct poller *p)
{
	if (p->xfer == NULL)
		return;
	curlev_cancel(p->cv, ctaws_xfer_easy(p->xfer));
	end_xfer(p);
}

void
poller_free(struct poller *p)
{
	if (p == NULL)
		return;
	poller_cancel(p);
	ev_timer_stop(p->loop, &p->backoff);
	sqs_queue_free(&p->queue);
	free(p);
}

static void
fail(struct poller *p, const struct ctaws_error *err)
{
	double wait;

	p->failures++;
	wait = (double)ctaws_backoff_ms(&receive_backoff, p->failures, &p->rng) / 1000.0;
	ev_timer_set(&p->backoff, wait, 0.);
	ev_timer_start(p->loop, &p->backoff);
	p->ops->failed(p->arg, err, wait);
}

static void
on_done(void *arg, CURL *easy, CURLcode result)
{
	struct poller *p = arg;
	struct ctaws_response resp;
	struct sqs_messages msgs = {NULL, 0};
	struct ctaws_error err;
	int r;

	(void)easy;
	ctaws_error_clear(&err);
	ctaws_response_init(&resp);
	r = ctaws_xfer_finish(p->xfer, (int)result, &resp, &err);
	if (r == 0)
		r = sqs_receive_parse(&resp.body, &msgs, &err);
	ctaws_response_free(&resp);
	end_xfer(p);
	if (r == -1) {
		fail(p, &err);
		return;
	}
	p->failures = 0;
	p->ops->received(p->arg, &msgs);
	sqs_messages_free(&msgs);
}

int
poller_start(struct poller *p, int max_messages, int wait_s, int visibility_s)
{
	struct sqs_receive_params rp = {max_messages, wait_s, visibility_s};
	struct ctaws_error err;

	if (p->xfer || ev_is_active(&p->backoff))
		return 0;
	ctaws_error_clear(&err);
	if (sqs_receive_request(&p->req, &p->queue, &rp, &err) == -1) {
		fail(p, &err);
		return -1;
	}
	if ((p->xfer = ctaws_xfer_new(p->client, &p->req.req, &err)) == NULL) {
		sqs_request_free(&p->req);
		fail(p, &err);
		return -1;
	}
	if (curlev_add(p->cv, ctaws_xfer_easy(p->xfer), on_done, p) == -1) {
		end_xfer(p);
		ctaws_error_set(&err, "sqs", "ReceiveMessage", 0, "InternalError", 1,
		    "libcurl refused the transfer");
		fail(p, &err);
		return -1;
	}
	return 1;
}

int
poller_outstanding(const struct poller *p)
{
	return p->xfer != NULL;
}

int
poller_backing_off(const struct poller *p)
{
	return ev_is_active(&p->backoff);
}

int
poller_failures(const struct poller *p)
{
	return p->failures;
}
