/*
 * ack: the loop's queue of deletes and visibility changes, packed into
 * batch calls run on one thread of their own; each entry comes back with
 * its own result. See ack.h.
 */
#include "daemon/ack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/retry.h"
#include "aws/sqs.h"
#include "daemon/pool.h"
#include "util/clock.h"
#include "util/log.h"

/* One batch call: up to SQS_BATCH_MAX entries of one kind. */
struct ack_batch {
	struct pool_job link; /* first: the pool hands this pointer back */
	enum ack_op op;
	struct ack_entry *entry[SQS_BATCH_MAX];
	size_t n;
};

struct acker {
	struct pool *pool;           /* one thread: the batches */
	struct sqs_queue queue;      /* owned: the queue, resolved once */
	struct ctaws_client *client; /* borrowed */
	struct ack_entry *queued;    /* waiting for ack_flush, newest first */
	size_t nqueued;              /* entries in queued */
	double queued_since;         /* monotonic seconds when the oldest was queued */
	struct ack_entry *done;      /* finished, not yet taken */
	size_t pending;              /* queued + under way */
	void (*notify)(void *arg);
	void *notify_arg;
};

struct ack_thread {
	struct acker *a;
	struct ctaws_conn *conn;
};

static void *
ack_thread_init(void *arg, int index)
{
	struct ack_thread *t = calloc(1, sizeof(*t));

	(void)index;
	if (t == NULL)
		return NULL;
	t->a = arg;
	t->conn = ctaws_conn_new(t->a->client);
	return t;
}

static void
ack_thread_fini(void *state)
{
	struct ack_thread *t = state;

	if (t) {
		ctaws_conn_free(t->conn);
		free(t);
	}
}

/* One round of a batch for ctaws_batch_resend: the entries of b whose index
 * is in idx[0..n); each entry gets its result, and the ones SQS failed for
 * a passing reason are left in idx for the next round. */
struct ack_round {
	struct ack_thread *t;
	struct ack_batch *b;
};

static long
ack_send(void *arg, size_t *idx, size_t n, struct ctaws_error *err)
{
	struct ack_round *r = arg;
	struct ack_batch *b = r->b;
	struct sqs_batch_entry e[SQS_BATCH_MAX];
	struct sqs_batch_result res;
	const char *op =
	    b->op == ACK_OP_DELETE ? "DeleteMessageBatch" : "ChangeMessageVisibilityBatch";
	char ids[SQS_BATCH_MAX][8], why[512];
	size_t again = 0;
	int rc;

	for (size_t i = 0; i < n; i++) {
		struct ack_entry *ae = b->entry[idx[i]];

		snprintf(ids[i], sizeof(ids[i]), "e%zu", idx[i]);
		e[i].id = ids[i];
		e[i].receipt_handle = ae->receipt_handle;
		e[i].visibility_timeout_s = ae->visibility;
	}
	memset(&res, 0, sizeof(res));
	if (b->op == ACK_OP_DELETE)
		rc = sqs_delete_batch(r->t->conn, &r->t->a->queue, e, n, &res, err);
	else
		rc = sqs_change_visibility_batch(r->t->conn, &r->t->a->queue, e, n, &res, err);
	if (rc == -1) {
		ctaws_error_str(err, why, sizeof(why));
		for (size_t i = 0; i < n; i++) {
			struct ack_entry *ae = b->entry[idx[i]];

			snprintf(ae->error, sizeof(ae->error), "%s", why);
			snprintf(ae->code, sizeof(ae->code), "%s", err->code);
		}
		return err->retryable || err->transient ? (long)n : -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct ack_entry *ae = b->entry[idx[i]];
		const struct sqs_entry_result *er = &res.entry[i];

		if (er->status == CTAWS_ENTRY_OK) {
			ae->ok = 1;
			ae->error[0] = ae->code[0] = '\0';
			continue;
		}
		snprintf(ae->code, sizeof(ae->code), "%s", er->code);
		snprintf(ae->error, sizeof(ae->error), "%s: %s", er->code, er->message);
		if (er->retryable) {
			ctaws_error_set(err, "sqs", op, 200, er->code, 1, "%s", er->message);
			idx[again++] = idx[i];
		}
	}
	return (long)again;
}

static void
ack_run(void *state, struct pool_job *job)
{
	struct ack_thread *t = state;
	struct ack_batch *b = (struct ack_batch *)job;
	struct ack_round r = {t, b};
	struct ctaws_error err;

	if (t == NULL || t->conn == NULL) {
		for (size_t i = 0; i < b->n; i++)
			snprintf(
			    b->entry[i]->error, sizeof(b->entry[0]->error), "no connection to SQS");
		return;
	}
	/* Entries that still fail keep their error; the loop gives their
	 * messages back or tries again later. */
	(void)ctaws_batch_resend(ctaws_client_retry(t->a->client), b->n, ack_send, &r, &err, NULL);
}

static void
ack_notify(void *arg)
{
	struct acker *a = arg;

	if (a->notify)
		a->notify(a->notify_arg);
}

static const struct pool_ops ack_ops = {ack_thread_init, ack_run, ack_thread_fini, ack_notify};

struct acker *
acker_new(struct ctaws_client *client, const char *queue_url, void (*notify)(void *arg), void *arg)
{
	struct acker *a = calloc(1, sizeof(*a));
	struct ctaws_error err;

	if (a == NULL)
		return NULL;
	a->client = client;
	a->notify = notify;
	a->notify_arg = arg;
	if (sqs_queue_init(&a->queue, client, queue_url, &err) == -1) {
		log_err("queue %s: %s", queue_url, err.message);
		free(a);
		return NULL;
	}
	if ((a->pool = pool_new(1, &ack_ops, a)) == NULL) {
		sqs_queue_free(&a->queue);
		free(a);
		return NULL;
	}
	return a;
}

void
ack_entry_free(struct ack_entry *e)
{
	if (e) {
		free(e->message_id);
		free(e->receipt_handle);
		free(e);
	}
}

static void
free_list(struct ack_entry *e)
{
	while (e) {
		struct ack_entry *next = e->next;

		ack_entry_free(e);
		e = next;
	}
}

static void
free_batch(struct pool_job *job, void *arg)
{
	struct ack_batch *b = (struct ack_batch *)job;

	(void)arg;
	for (size_t i = 0; i < b->n; i++)
		ack_entry_free(b->entry[i]);
	free(b);
}

void
acker_free(struct acker *a)
{
	if (a == NULL)
		return;
	pool_free(a->pool, free_batch, NULL);
	free_list(a->queued);
	free_list(a->done);
	sqs_queue_free(&a->queue);
	free(a);
}

int
ack_enqueue(struct acker *a, enum ack_op op, const char *message_id, const char *receipt_handle,
    int visibility, void *owner)
{
	struct ack_entry *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return -1;
	e->op = op;
	e->visibility = visibility;
	e->owner = owner;
	e->message_id = strdup(message_id);
	e->receipt_handle = strdup(receipt_handle);
	if (e->message_id == NULL || e->receipt_handle == NULL) {
		ack_entry_free(e);
		return -1;
	}
	if (a->queued == NULL)
		a->queued_since = clock_mono_s();
	e->next = a->queued;
	a->queued = e;
	a->nqueued++;
	a->pending++;
	return 0;
}

void
ack_flush(struct acker *a)
{
	struct ack_batch *open[2] = {NULL, NULL};
	struct ack_entry *e, *next, *rev = NULL;

	/* While a call is under way, entries gather for the next one: that is
	 * what batches deletes across messages finished one by one. The call's
	 * end wakes the loop, which flushes again. */
	if (a->queued == NULL || pool_busy(a->pool) > 0)
		return;
	/* Oldest first, so entries go out in the order they were decided. */
	for (e = a->queued; e; e = next) {
		next = e->next;
		e->next = rev;
		rev = e;
	}
	a->queued = NULL;
	a->nqueued = 0;
	for (e = rev; e; e = next) {
		struct ack_batch **bp = &open[e->op];

		next = e->next;
		e->next = NULL;
		if (*bp == NULL) {
			if ((*bp = calloc(1, sizeof(**bp))) == NULL) {
				/* Keep it for the next flush. */
				e->next = a->queued;
				a->queued = e;
				continue;
			}
			(*bp)->op = e->op;
		}
		(*bp)->entry[(*bp)->n++] = e;
		if ((*bp)->n == SQS_BATCH_MAX) {
			pool_submit(a->pool, &(*bp)->link);
			*bp = NULL;
		}
	}
	for (int i = 0; i < 2; i++)
		if (open[i])
			pool_submit(a->pool, &open[i]->link);
}

struct ack_entry *
ack_take_done(struct acker *a)
{
	struct pool_job *job;
	struct ack_entry *e;

	while (a->done == NULL && (job = pool_take_done(a->pool)) != NULL) {
		struct ack_batch *b = (struct ack_batch *)job;

		for (size_t i = b->n; i-- > 0;) {
			b->entry[i]->next = a->done;
			a->done = b->entry[i];
		}
		free(b);
	}
	if ((e = a->done) != NULL) {
		a->done = e->next;
		e->next = NULL;
		a->pending--;
	}
	return e;
}

double
ack_wait(struct acker *a, double window)
{
	double now;

	if (a->queued == NULL)
		return -1;
	if (a->nqueued >= SQS_BATCH_MAX)
		return 0;
	now = clock_mono_s();
	return window - (now - a->queued_since) > 0 ? window - (now - a->queued_since) : 0;
}

size_t
ack_pending(struct acker *a)
{
	return a->pending;
}
