/*
 * check_main: running a test program's Check suite, and comparing a result
 * with its case (see check_main.h).
 */
#include "config.h"

#include "check_main.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
