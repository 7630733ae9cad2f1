/*
 * Liveness and readiness. Cases in tests/daemon/cases/health/ *.case hold a
 * script, one call a line, times in seconds of the monotonic clock; the
 * harness prints each line with its result and the output must equal the
 * script:
 *   limit SECONDS           health_limit() (metrics.max_receive_age)
 *   started T               health_started()
 *   turn T due|idle         a loop turn, a receive wanted or not
 *   received T              a receive succeeded
 *   stopping                health_stopping()
 *   judge T => VERDICT      VERDICT: "ready", "alive, not ready: WHY" or
 *                           "down: WHY", as /readyz and /healthz see it
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "caselib.h"
#include "daemon/health.h"
#include "tests/lib/check_main.h"

static void
run_line(const char *path, const char *line, struct buf *out)
{
	struct health_snap s;
	struct health_verdict v;
	char how[8];
	double t;

	if (sscanf(line, "limit %lf", &t) == 1) {
		health_limit(t);
	} else if (sscanf(line, "started %lf", &t) == 1) {
		health_started(t);
	} else if (sscanf(line, "turn %lf %7s", &t, how) == 2) {
		ck_assert_msg(
		    strcmp(how, "due") == 0 || strcmp(how, "idle") == 0, "%s: %s", path, line);
		health_turn(t, strcmp(how, "due") == 0);
	} else if (sscanf(line, "received %lf", &t) == 1) {
		health_received(t);
	} else if (strcmp(line, "stopping") == 0) {
		health_stopping();
	} else if (sscanf(line, "judge %lf", &t) == 1) {
		health_snapshot(&s);
		health_judge(&s, t, &v);
		ck_assert_msg(!v.ready || v.alive, "%s: ready but not alive", path);
		ck_assert_msg((v.why[0] == '\0') == (v.ready != 0), "%s: why \"%s\"", path, v.why);
		buf_printf(out, "judge %g => %s%s\n", t,
		    v.ready   ? "ready"
		    : v.alive ? "alive, not ready: "
		              : "down: ",
		    v.why);
		return;
	} else {
		ck_abort_msg("%s: unknown line %s", path, line);
	}
	buf_printf(out, "%s\n", line);
}

START_TEST(test_case)
{
	struct buf script = BUF_INIT, got = BUF_INIT;
	struct ct_case cf;
	char *line, *save = NULL;

	health_reset();
	ct_case_load(ct_case_path(_i), DAEMON_CASE, &cf);
	ct_case_need(&cf, "script", &script);
	for (line = strtok_r(script.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		run_line(cf.path, line, &got);
	ct_case_compare(cf.path, ct_case_buf(&cf, "script")->data, got.data ? got.data : "");
	buf_free(&script);
	buf_free(&got);
	ct_case_free(&cf);
}
END_TEST

CT_CHECK_PROGRAM(.name = "health", .cases = "tests/daemon/cases/health", .timeout = 60,
    .each_case = CT_TESTS(test_case))
