/*
 * check_main: running a test program's Check suite, and comparing a result
 * with its case (see check_main.h).
 */
#include "config.h"

#include "check_main.h"
#include "case.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char **case_paths;
static size_t case_count;

const char *
ct_case_path(int i)
{
	return i >= 0 && (size_t)i < case_count ? case_paths[i] : NULL;
}

size_t
ct_case_count(void)
{
	return case_count;
}

static void
add_tests(TCase *tc, const TTest *const *tests, int loop_end)
{
	for (; tests && *tests; tests++)
		if (loop_end < 0)
			tcase_add_test(tc, *tests);
		else
			tcase_add_loop_test(tc, *tests, 0, loop_end);
}

/* The program's case files; -1 when there are too few. */
static int
find_cases(const struct ct_check_program *p)
{
	size_t want = p->min_cases ? p->min_cases : 1;

	case_count = ct_case_list(p->cases, "*.case", &case_paths);
	if (case_count >= want)
		return 0;
	fprintf(stderr, "%s: %zu case files in %s/%s, want at least %zu (is top_srcdir set?)\n",
	    p->name, case_count, ct_top_srcdir(), p->cases, want);
	return -1;
}

int
ct_check_program(const struct ct_check_program *p)
{
	Suite *s;
	TCase *tc;

	if ((p->setup && p->setup() == -1) || (p->cases && find_cases(p) == -1))
		return 99;
	s = suite_create(p->name);
	tc = tcase_create(p->name);
	if (p->timeout > 0)
		tcase_set_timeout(tc, p->timeout);
	if (p->fixture_setup || p->fixture_teardown)
		tcase_add_checked_fixture(tc, p->fixture_setup, p->fixture_teardown);
	add_tests(tc, p->each_case, (int)case_count);
	for (const struct ct_check_loop *l = p->loops; l && l->test; l++)
		tcase_add_loop_test(tc, l->test, 0, l->n);
	add_tests(tc, p->once, -1);
	suite_add_tcase(s, tc);
	return ct_check_run(s, p->fork);
}

int
ct_check_run(Suite *s, enum fork_status fork)
{
	SRunner *sr;
	int failed;

	if (s == NULL)
		return 99;
	sr = srunner_create(s);
	if (fork != CK_FORK_GETENV)
		srunner_set_fork_status(sr, fork);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

static size_t
trimmed_len(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '\n')
		n--;
	return n;
}

void
ct_case_compare(const char *path, const char *want, const char *got)
{
	size_t wn = trimmed_len(want), gn = trimmed_len(got);

	if (wn == gn && memcmp(want, got, wn) == 0)
		return;
	/* Check carries at most a few KiB of message: the texts go to stderr. */
	fprintf(stderr, "%s:\n--- want\n%.*s\n--- got\n%.*s\n", path, (int)wn, want, (int)gn, got);
	ck_abort_msg("%s: result differs from the case (both printed above)", path);
}

void
ct_case_need(const struct ct_case *c, const char *name, struct buf *out)
{
	const struct buf *b = ct_case_buf(c, name);

	ck_assert_msg(b != NULL, "%s: no %s section", c->path, name);
	ct_case_expand(b, out);
}
