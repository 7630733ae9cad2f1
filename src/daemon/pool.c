/*
 * pool: N threads around one mutex-guarded FIFO of jobs and one of finished
 * jobs; a thread makes its own state (init), runs jobs and wakes the loop
 * (notify) after each. See pool.h.
 */
#include "daemon/pool.h"

#include <pthread.h>
#include <stdlib.h>

struct pool {
	const struct pool_ops *ops;
	void *arg;
	pthread_mutex_t lock;
	pthread_cond_t work;        /* a job was queued, or stopping */
	struct pool_job *todo_head; /* FIFO of submitted jobs */
	struct pool_job *todo_tail;
	struct pool_job *done_head; /* FIFO of finished jobs */
	struct pool_job *done_tail;
	size_t queued;  /* in todo */
	size_t running; /* taken by a thread, not yet done */
	int stopping;
	int nthreads; /* started */
	pthread_t *threads;
};

struct worker_start {
	struct pool *pool;
	int index;
};

static void
push(struct pool_job **head, struct pool_job **tail, struct pool_job *j)
{
	j->next = NULL;
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

static struct pool_job *
pop(struct pool_job **head, struct pool_job **tail)
{
	struct pool_job *j = *head;

	if (j) {
		*head = j->next;
		if (*head == NULL)
			*tail = NULL;
		j->next = NULL;
	}
	return j;
}

static void *
worker_main(void *a)
{
	struct worker_start *ws = a;
	struct pool *p = ws->pool;
	void *state = p->ops->init ? p->ops->init(p->arg, ws->index) : NULL;
	struct pool_job *j;

	free(ws);
	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (p->todo_head == NULL && !p->stopping)
			pthread_cond_wait(&p->work, &p->lock);
		j = pop(&p->todo_head, &p->todo_tail);
		if (j == NULL) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		p->queued--;
		p->running++;
		pthread_mutex_unlock(&p->lock);

		p->ops->run(state, j);

		pthread_mutex_lock(&p->lock);
		p->running--;
		push(&p->done_head, &p->done_tail, j);
		pthread_mutex_unlock(&p->lock);
		if (p->ops->notify)
			p->ops->notify(p->arg);
	}
	if (p->ops->fini)
		p->ops->fini(state);
	return NULL;
}

struct pool *
pool_new(int n, const struct pool_ops *ops, void *arg)
{
	struct pool *p;

	if (n < 1 || (p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->threads = calloc((size_t)n, sizeof(*p->threads))) == NULL) {
		free(p);
		return NULL;
	}
	p->ops = ops;
	p->arg = arg;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	for (int i = 0; i < n; i++) {
		struct worker_start *ws = malloc(sizeof(*ws));

		if (ws == NULL)
			break;
		ws->pool = p;
		ws->index = i;
		if (pthread_create(&p->threads[i], NULL, worker_main, ws) != 0) {
			free(ws);
			break;
		}
		p->nthreads++;
	}
	if (p->nthreads == 0) {
		pool_free(p, NULL, NULL);
		return NULL;
	}
	return p;
}

void
pool_submit(struct pool *p, struct pool_job *job)
{
	pthread_mutex_lock(&p->lock);
	push(&p->todo_head, &p->todo_tail, job);
	p->queued++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}

struct pool_job *
pool_take_done(struct pool *p)
{
	struct pool_job *j;

	pthread_mutex_lock(&p->lock);
	j = pop(&p->done_head, &p->done_tail);
	pthread_mutex_unlock(&p->lock);
	return j;
}

size_t
pool_busy(struct pool *p)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->queued + p->running;
	pthread_mutex_unlock(&p->lock);
	return n;
}

size_t
pool_running(struct pool *p)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->running;
	pthread_mutex_unlock(&p->lock);
	return n;
}

int
pool_size(const struct pool *p)
{
	return p->nthreads;
}

void
pool_free(struct pool *p, void (*done_cb)(struct pool_job *job, void *arg), void *arg)
{
	struct pool_job *j;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	while ((j = pop(&p->done_head, &p->done_tail)) != NULL)
		if (done_cb)
			done_cb(j, arg);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work);
	free(p->threads);
	free(p);
}
