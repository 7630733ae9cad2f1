/*
 * check_main: the one main() of every Check test program.
 *
 * A test program defines a function that builds its suite and ends with
 *
 *   static Suite *
 *   notify_suite(void)
 *   {
 *           Suite *s = suite_create("notify");
 *           ...
 *           return s;
 *   }
 *
 *   CT_CHECK_MAIN(notify_suite)
 *
 * The function may do the program's setup (load case files, set the
 * environment) and return NULL, having said why on stderr, when the program
 * cannot run at all: the program then exits 99, a hard error to automake's
 * test driver. Otherwise every test runs (CK_VERBOSITY and CK_FORK are
 * honoured) and the program exits 1 when any failed, else 0.
 */
#ifndef CT_TESTS_LIB_CHECK_MAIN_H
#define CT_TESTS_LIB_CHECK_MAIN_H

#include <check.h>

/* Runs every test of s (NULL: exit code 99) and frees it; fork is CK_FORK,
 * CK_NOFORK or CK_FORK_GETENV (the default of CT_CHECK_MAIN). Returns the
 * exit code. */
int ct_check_run(Suite *s, enum fork_status fork);

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
