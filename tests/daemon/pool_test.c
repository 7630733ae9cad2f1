/* The worker pool: every job runs once, in some thread with its own state,
 * comes back through the done queue, and pool_free waits for the rest. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon/pool.h"
#include "tests/lib/check_main.h"

struct job {
	struct pool_job link; /* first: the pool hands back this pointer */
	int value;
	int ran_by; /* thread index that ran it */
	int runs;
};

static atomic_int notified;
static atomic_int inits, finis;

static void *
t_init(void *arg, int index)
{
	int *st = malloc(sizeof(*st));

	(void)arg;
	*st = index;
	atomic_fetch_add(&inits, 1);
	return st;
}

static void
t_run(void *state, struct pool_job *pj)
{
	struct job *j = (struct job *)pj;

	j->ran_by = *(int *)state;
	j->runs++;
	if (j->value % 7 == 0)
		usleep(2000);
}

static void
t_fini(void *state)
{
	free(state);
	atomic_fetch_add(&finis, 1);
}

static void
t_notify(void *arg)
{
	(void)arg;
	atomic_fetch_add(&notified, 1);
}

static const struct pool_ops ops = {t_init, t_run, t_fini, t_notify};

START_TEST(test_all_jobs_once)
{
	enum { N = 500 };
	struct job *jobs = calloc(N, sizeof(*jobs));
	struct pool *p = pool_new(4, &ops, NULL);
	struct pool_job *pj;
	int back = 0;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pool_size(p), 4);
	for (int i = 0; i < N; i++) {
		jobs[i].value = i;
		pool_submit(p, &jobs[i].link);
	}
	for (int spins = 0; back < N && spins < 5000; spins++) {
		while ((pj = pool_take_done(p)) != NULL)
			back++;
		if (back < N)
			usleep(1000);
	}
	ck_assert_int_eq(back, N);
	ck_assert_uint_eq(pool_busy(p), 0);
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(jobs[i].runs, 1);
		ck_assert(jobs[i].ran_by >= 0 && jobs[i].ran_by < 4);
	}
	ck_assert_int_eq(atomic_load(&notified), N);
	pool_free(p, NULL, NULL);
	ck_assert_int_eq(atomic_load(&inits), 4);
	ck_assert_int_eq(atomic_load(&finis), 4);
	free(jobs);
}
END_TEST

static void
count_done(struct pool_job *pj, void *arg)
{
	(void)pj;
	(*(int *)arg)++;
}

START_TEST(test_free_drains)
{
	enum { N = 50 };
	struct job jobs[N] = {0};
	struct pool *p = pool_new(2, &ops, NULL);
	int handed = 0;

	for (int i = 0; i < N; i++) {
		jobs[i].value = 7; /* each sleeps */
		pool_submit(p, &jobs[i].link);
	}
	pool_free(p, count_done, &handed);
	ck_assert_int_eq(handed, N);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(jobs[i].runs, 1);
}
END_TEST

CT_CHECK_PROGRAM(.name = "pool", .timeout = 30,
    .once = CT_TESTS(test_all_jobs_once, test_free_drains), .fork = CK_NOFORK)
