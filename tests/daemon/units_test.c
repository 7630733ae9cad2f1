/*
 * Durations and sizes. Cases in tests/daemon/cases/units/ *.case hold a
 * "checks" section of lines the harness prints back with their results:
 *   duration TEXT => SECONDS | error: WHY
 *   size TEXT => BYTES | error: WHY
 *   count TEXT => N | error: WHY
 *   show-duration SECONDS => TEXT
 *   show-size BYTES => TEXT
 * TEXT is the rest of the line up to " =>". Then a property: every value
 * printed parses back to itself.
 */
#include "config.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caselib.h"
#include "tests/lib/check_main.h"
#include "util/units.h"

static void
run_line(const char *path, char *line, struct buf *out)
{
	char *arrow = strstr(line, " =>"), *arg = strchr(line, ' '), text[128];
	const char *why;
	uint64_t v;
	int r;

	ck_assert_msg(arrow && arg && arg < arrow, "%s: bad line: %s", path, line);
	*arrow = '\0';
	*arg++ = '\0';
	if (strcmp(line, "duration") == 0 || strcmp(line, "size") == 0 ||
	    strcmp(line, "count") == 0) {
		r = line[0] == 'd'   ? units_duration(arg, &v, &why)
		    : line[0] == 's' ? units_size(arg, &v, &why)
		                     : units_count(arg, &v, &why);
		if (r == 0)
			buf_printf(out, "%s %s => %" PRIu64 "\n", line, arg, v);
		else
			buf_printf(out, "%s %s => error: %s\n", line, arg, why);
	} else if (strcmp(line, "show-duration") == 0 || strcmp(line, "show-size") == 0) {
		v = strtoull(arg, NULL, 10);
		if (line[5] == 'd')
			units_format_duration(v, text, sizeof(text));
		else
			units_format_size(v, text, sizeof(text));
		buf_printf(out, "%s %s => %s\n", line, arg, text);
	} else {
		ck_abort_msg("%s: unknown check %s", path, line);
	}
}

START_TEST(test_case)
{
	struct buf checks = BUF_INIT, got = BUF_INIT;
	struct ct_case cf;
	char *line, *save = NULL;

	ct_case_load(ct_case_path(_i), DAEMON_CASE, &cf);
	ct_case_need(&cf, "checks", &checks);
	for (line = strtok_r(checks.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		run_line(cf.path, line, &got);
	ct_case_compare(cf.path, ct_case_buf(&cf, "checks")->data, got.data ? got.data : "");
	buf_free(&checks);
	buf_free(&got);
	ct_case_free(&cf);
}
END_TEST

/* Printing then parsing gives the value back, over a spread of values. */
START_TEST(test_round_trip)
{
	char text[64];
	const char *why;
	uint64_t back, v = 0;

	for (int i = 0; i < 4000; i++) {
		v = v * 3 + (uint64_t)i; /* grows past 2^60, hits many factors on the way */
		v %= UINT64_MAX / 4;
		units_format_duration(v, text, sizeof(text));
		ck_assert_msg(
		    units_duration(text, &back, &why) == 0 && back == v, "duration %s", text);
		units_format_size(v, text, sizeof(text));
		ck_assert_msg(units_size(text, &back, &why) == 0 && back == v, "size %s", text);
		units_format_size(v << 10 >> 10, text, sizeof(text));
		ck_assert_msg(
		    units_size(text, &back, &why) == 0 && back == v << 10 >> 10, "size %s", text);
	}
}
END_TEST

CT_CHECK_PROGRAM(.name = "units", .cases = "tests/daemon/cases/units",
    .each_case = CT_TESTS(test_case), .once = CT_TESTS(test_round_trip))
