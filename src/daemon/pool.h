/*
 * pool: the worker threads.
 *
 * The event loop submits jobs; N threads run them; each finished job goes to
 * a done queue and the loop is woken (the notify callback, an ev_async in the
 * daemon) to collect it with pool_take_done(). A job is owned by the pool
 * from pool_submit() until pool_take_done() hands it back.
 *
 * Each thread keeps a state of its own (an AWS connection, a matcher, ...)
 * made by the init callback in that thread and released by fini.
 */
#ifndef CT_DAEMON_POOL_H
#define CT_DAEMON_POOL_H

#include <stddef.h>

struct pool_job {
	struct pool_job *next; /* queue link, the pool's */
};

struct pool_ops {
	void *(*init)(void *arg, int index);            /* per-thread state, NULL on failure */
	void (*run)(void *state, struct pool_job *job); /* does the job */
	void (*fini)(void *state);
	void (*notify)(void *arg); /* a job is done: wake the loop */
};

struct pool;

/* Starts n threads; returns NULL if none could start (init failing counts). */
struct pool *pool_new(int n, const struct pool_ops *ops, void *arg);
void pool_submit(struct pool *p, struct pool_job *job);
struct pool_job *pool_take_done(struct pool *p);
size_t pool_busy(struct pool *p);    /* jobs queued or running */
size_t pool_running(struct pool *p); /* jobs running now (busy workers) */
int pool_size(const struct pool *p);
/* Waits for queued and running jobs to finish, stops the threads, frees the
 * pool. Jobs still in the done queue are handed to done_cb (may be NULL). */
void pool_free(struct pool *p, void (*done_cb)(struct pool_job *job, void *arg), void *arg);

#endif
