/*
 * Windows, thresholds and suppressions in the state store. Cases in
 * tests/daemon/cases/aggregate/ *.case hold the rules (a JSON rule file
 * "rules", or Sigma rules "sigma", loaded from r.json or r.yml) and
 * a script, one operation a line; the harness prints each line with its
 * result and the output must equal the script:
 *   new memory|sqlite LATENESS  a fresh store and aggregate
 *   reopen                      the same sqlite file again (a restart)
 *   now TIME                    the store's clock (an RFC 3339 time)
 *   match RULE [via BASE] RECORD => VERDICT [NOTE]
 *                               (via: a correlation counting BASE's match)
 *                               alert (with the note, if any), counted,
 *                               suppressed or duplicate
 *   sweep => N                  windows told, each then printed on its own
 *                               line as "summary RULE count=... group=...
 *                               first=... last=... ids=... fingerprint=yes"
 *   suppress RULE [VALUE...] until TIME
 * RECORD is one JSON object on the line, without spaces.
 */
#include "config.h"

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caselib.h"
#include "daemon/aggregate.h"
#include "daemon/dedup.h"
#include "rules/rules.h"
#include "state/state.h"
#include "tests/lib/check_main.h"
#include "util/clock.h"

static int64_t fake_now;

static int64_t
clock_fake(void)
{
	return fake_now;
}

struct world {
	char dir[64];
	char file[128];
	struct state_options o;
	struct state *st;
	struct dedup *d;
	struct aggregate *ag;
	int64_t lateness;
	struct rule_list rules;
	atomic_uint_fast64_t errors;
};

static void
world_close(struct world *w)
{
	aggregate_free(w->ag);
	dedup_free(w->d);
	state_close(w->st);
	w->ag = NULL;
	w->d = NULL;
	w->st = NULL;
}

static void
world_open(struct world *w)
{
	struct ct_error err;

	ck_assert_msg((w->st = state_open(&w->o, &err)) != NULL, "%s", err.msg);
	ck_assert_ptr_nonnull(w->d = dedup_new(w->st, 86400, &w->errors));
	ck_assert_ptr_nonnull(w->ag = aggregate_new(w->st, w->d, w->lateness, &w->errors));
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(path);
}

static void
world_free(struct world *w)
{
	world_close(w);
	if (w->dir[0])
		nftw(w->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	w->dir[0] = '\0';
}

static void
world_new(struct world *w, const char *backend, int64_t lateness)
{
	world_close(w);
	memset(&w->o, 0, sizeof(w->o));
	w->o.now = clock_fake;
	w->lateness = lateness;
	if (strcmp(backend, "sqlite") == 0) {
		if (w->dir[0] == '\0') {
			snprintf(w->dir, sizeof(w->dir), "/tmp/ctalertd-agg-XXXXXX");
			ck_assert_ptr_nonnull(mkdtemp(w->dir));
		}
		snprintf(w->file, sizeof(w->file), "%s/state.db", w->dir);
		unlink(w->file);
		w->o.backend = STATE_SQLITE;
		w->o.path = w->file;
	} else {
		ck_assert_str_eq(backend, "memory");
		w->o.backend = STATE_MEMORY;
	}
	world_open(w);
}

/* The case's rules: a JSON rule file ("rules") or Sigma rules ("sigma"),
 * written to a file of the kind and loaded as ctalertd loads them. */
static void
load_rules(struct world *w, const struct ct_case *cf)
{
	const char *json = ct_case_get(cf, "rules"), *sigma = ct_case_get(cf, "sigma");
	char dir[] = "/tmp/ctalertd-agg-rules-XXXXXX", file[64];
	struct ct_error err;
	FILE *f;

	ck_assert_msg(json || sigma, "%s: no rules or sigma section", cf->path);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/r.%s", dir, json ? "json" : "yml");
	ck_assert_ptr_nonnull(f = fopen(file, "w"));
	fputs(json ? json : sigma, f);
	fclose(f);
	rule_list_init(&w->rules);
	ck_assert_msg((json ? rules_load_json_file(&w->rules, file, &err)
	                    : rules_load_sigma_file(&w->rules, file, 0, &err)) == 0,
	    "%s", err.msg);
	unlink(file);
	rmdir(dir);
}

static int64_t
parse_when(const char *path, const char *s)
{
	time_t t;

	ck_assert_msg(clock_parse_time(s, &t) == 0, "%s: not a time: %s", path, s);
	return (int64_t)t;
}

static const char *
verdict_name(enum agg_verdict v)
{
	switch (v) {
	case AGG_ALERT:
		return "alert";
	case AGG_COUNTED:
		return "counted";
	case AGG_SUPPRESSED:
		return "suppressed";
	case AGG_DUPLICATE:
		return "duplicate";
	}
	return "?";
}

static const struct rule *
rule_named(struct world *w, const char *path, const char *name)
{
	const struct rule *r = rule_list_find(&w->rules, name);

	ck_assert_msg(r != NULL, "%s: no rule %s", path, name);
	return r;
}

static int
print_summary(void *arg, const struct agg_summary *s)
{
	struct buf *out = arg;
	char first[21] = "-", last[21] = "-";

	if (s->first)
		clock_format_time((time_t)s->first, first);
	if (s->last)
		clock_format_time((time_t)s->last, last);
	buf_printf(out, "summary %s count=%lld group=%s first=%s last=%s ids=", s->rule,
	    (long long)s->count, s->group, first, last);
	for (size_t i = 0; i < s->nids; i++)
		buf_printf(out, "%s%s", i ? "," : "", s->ids[i]);
	buf_printf(
	    out, " fingerprint=%s\n", strlen(s->fingerprint) == DEDUP_HEX_LEN ? "yes" : "no");
	return 0;
}

/* suppress RULE [VALUE...] until TIME */
static void
run_suppress(struct world *w, const char *path, char *args, struct buf *out)
{
	char *words[16], *save = NULL, *tok;
	const char *values[RULE_GROUP_BY_MAX];
	size_t n = 0;
	struct ct_error err;

	for (tok = strtok_r(args, " ", &save); tok && n < 16; tok = strtok_r(NULL, " ", &save))
		words[n++] = tok;
	ck_assert_msg(n >= 3 && strcmp(words[n - 2], "until") == 0, "%s: bad suppress", path);
	for (size_t i = 1; i + 2 < n && i - 1 < RULE_GROUP_BY_MAX; i++)
		values[i - 1] = words[i];
	ck_assert_msg(aggregate_suppress(w->st, rule_named(w, path, words[0]),
	                  n > 3 ? values : NULL, parse_when(path, words[n - 1]), &err) == 0,
	    "%s", err.msg);
	buf_puts(out, "suppress");
	for (size_t i = 0; i < n; i++)
		buf_printf(out, " %s", words[i]);
	buf_putc(out, '\n');
}

static void
run_line(struct world *w, const char *path, char *line, struct buf *out)
{
	char backend[16], rule[80], via[80], record[4096], when[40];
	long long n;

	if (sscanf(line, "new %15s %lld", backend, &n) == 2) {
		world_new(w, backend, n);
		buf_printf(out, "%s\n", line);
		return;
	}
	if (strcmp(line, "reopen") == 0) {
		world_close(w);
		world_open(w);
		buf_printf(out, "reopen\n");
		return;
	}
	if (sscanf(line, "now %39s", when) == 1) {
		fake_now = parse_when(path, when);
		buf_printf(out, "now %s\n", when);
		return;
	}
	ck_assert_msg(w->ag != NULL, "%s: no store yet: %s", path, line);
	via[0] = '\0';
	if (sscanf(line, "match %79s via %79s %4095s", rule, via, record) == 3 ||
	    sscanf(line, "match %79s %4095s", rule, record) == 2) {
		struct buf note = BUF_INIT;
		enum agg_verdict v = aggregate_match(w->ag, rule_named(w, path, rule),
		    via[0] ? via : NULL, record, strlen(record), &note);

		buf_printf(out, "match %s%s%s %s => %s%s%s\n", rule, via[0] ? " via " : "", via,
		    record, verdict_name(v), note.len ? " " : "", note.len ? note.data : "");
		buf_free(&note);
	} else if (strncmp(line, "sweep", 5) == 0) {
		struct buf lines = BUF_INIT;
		long told = aggregate_sweep(w->ag, 100, print_summary, &lines);

		buf_printf(out, "sweep => %ld\n", told);
		if (lines.len)
			buf_append(out, lines.data, lines.len);
		buf_free(&lines);
	} else if (strncmp(line, "suppress ", 9) == 0) {
		run_suppress(w, path, line + 9, out);
	} else if (strncmp(line, "summary ", 8) == 0) {
		return; /* printed by the sweep before it */
	} else {
		ck_abort_msg("%s: unknown operation: %s", path, line);
	}
	ck_assert_uint_eq(atomic_load(&w->errors), 0);
}

START_TEST(test_case)
{
	struct buf script = BUF_INIT, got = BUF_INIT;
	struct world w;
	struct ct_case cf;
	char *line, *save = NULL;

	memset(&w, 0, sizeof(w));
	fake_now = 1767225600; /* 2026-01-01T00:00:00Z */
	ct_case_load(ct_case_path(_i), DAEMON_CASE, &cf);
	load_rules(&w, &cf);
	ct_case_need(&cf, "script", &script);
	for (line = strtok_r(script.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		run_line(&w, cf.path, line, &got);
	ct_case_compare(cf.path, ct_case_buf(&cf, "script")->data, got.data ? got.data : "");
	world_free(&w);
	rule_list_free(&w.rules);
	buf_free(&script);
	buf_free(&got);
	ct_case_free(&cf);
}
END_TEST

CT_CHECK_PROGRAM(.name = "aggregate", .cases = "tests/daemon/cases/aggregate", .timeout = 60,
    .each_case = CT_TESTS(test_case))
