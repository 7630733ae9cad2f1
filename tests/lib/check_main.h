/*
 * check_main: the one main() of every Check test program.
 *
 * Most programs declare what they run and nothing else:
 *
 *   CT_CHECK_PROGRAM(.name = "notify", .cases = "tests/daemon/cases/notify",
 *       .timeout = 60, .each_case = CT_TESTS(test_case, test_mutations),
 *       .once = CT_TESTS(test_key_decode_all_escapes))
 *
 * The tests in .each_case run once per case file (ct_case_path(_i) is the
 * file), those in .once once; .loops adds loop tests over tables. A program
 * whose suite is more than that builds it in a function and ends with
 * CT_CHECK_MAIN(suite_fn); the function may return NULL, having said why on
 * stderr, when the program cannot run at all.
 *
 * A program that cannot run (no case files, a failed setup) exits 99, a hard
 * error to automake's test driver. Otherwise every test runs (CK_VERBOSITY
 * and CK_FORK are honoured) and the program exits 1 when any failed, else 0.
 */
#ifndef CT_TESTS_LIB_CHECK_MAIN_H
#define CT_TESTS_LIB_CHECK_MAIN_H

#include <check.h>

#include "tests/lib/case.h"

/* Runs every test of s (NULL: exit code 99) and frees it; fork is CK_FORK,
 * CK_NOFORK or CK_FORK_GETENV (the default of CT_CHECK_MAIN). Returns the
 * exit code. */
int ct_check_run(Suite *s, enum fork_status fork);

/* A loop test run for _i in [0, n). */
struct ct_check_loop {
	const TTest *test;
	int n;
};

/* What a test program runs; every member may be left out. */
struct ct_check_program {
	const char *name;                  /* the suite's name */
	const char *cases;                 /* a folder of *.case files below top_srcdir */
	size_t min_cases;                  /* fewer is a hard error; 0: at least 1 */
	const TTest *const *each_case;     /* CT_TESTS(...): run once per case file */
	const TTest *const *once;          /* CT_TESTS(...): run once */
	const struct ct_check_loop *loops; /* CT_LOOPS({test, n}, ...) */
	double timeout;                    /* seconds per test; 0: Check's default */
	void (*fixture_setup)(void);       /* run around each test (checked fixture) */
	void (*fixture_teardown)(void);
	int (*setup)(void);    /* run first (environment, logging); -1: exit 99 */
	enum fork_status fork; /* CK_NOFORK for threads shared with the process */
};

#define CT_TESTS(...) ((const TTest *const[]){__VA_ARGS__, NULL})
#define CT_LOOPS(...) ((const struct ct_check_loop[]){__VA_ARGS__, {NULL, 0}})

/* A setup for programs whose code logs: ctalertd's log lines go to stderr,
 * from debug level up (.setup = ct_log_debug). */
int ct_log_debug(void);

/* Builds and runs p's suite; returns the exit code. */
int ct_check_program(const struct ct_check_program *p);

/* The i-th case file of the running program (sorted by name), and how many. */
const char *ct_case_path(int i);
size_t ct_case_count(void);

#define CT_CHECK_PROGRAM(...)                                                                      \
	int main(void)                                                                             \
	{                                                                                          \
		struct ct_check_program program = {__VA_ARGS__};                                   \
		return ct_check_program(&program);                                                 \
	}

/* The section called name of c, its macros expanded, into out (reset first);
 * fails the running test when c has no such section. */
void ct_case_need(const struct ct_case *c, const char *name, struct buf *out);

/* Fails the running test unless got equals want (trailing newlines ignored),
 * printing both under the case file's path. */
void ct_case_compare(const char *path, const char *want, const char *got);

#define CT_CHECK_MAIN(suite_fn)                                                                    \
	int main(void)                                                                             \
	{                                                                                          \
		return ct_check_run(suite_fn(), CK_FORK_GETENV);                                   \
	}

/* For programs whose tests share threads or an event loop with the process. */
#define CT_CHECK_MAIN_NOFORK(suite_fn)                                                             \
	int main(void)                                                                             \
	{                                                                                          \
		return ct_check_run(suite_fn(), CK_NOFORK);                                        \
	}

#endif
