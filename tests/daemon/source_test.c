/*
 * Source checks, driven by tests/daemon/cases/source/ *.case:
 *   --- policy   one setting a line: "bucket NAME", "include PATTERN",
 *                "exclude PATTERN", "skip_digest 0|1", "max_object_size N"
 *   --- checks   pairs of lines: "BUCKET SIZE KEY" (KEY is the rest of the
 *                line; SIZE -1 is unknown), then "=> VERDICT[: REASON]"
 * The harness prints each query with its verdict; the result must equal the
 * checks section.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caselib.h"
#include "daemon/source.h"
#include "tests/lib/check_main.h"

struct strv {
	char **v;
	size_t n;
};

static void
strv_add(struct strv *sv, const char *s)
{
	sv->v = realloc(sv->v, (sv->n + 1) * sizeof(*sv->v));
	ck_assert_ptr_nonnull(sv->v);
	sv->v[sv->n++] = strdup(s);
}

static void
strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
}

struct policy {
	struct strv buckets, include, exclude;
	struct source_policy p;
};

static void
parse_policy(const char *path, char *text, struct policy *pol)
{
	memset(pol, 0, sizeof(*pol));
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *arg = strchr(line, ' ');

		ck_assert_msg(arg != NULL, "%s: policy line without a value: %s", path, line);
		*arg++ = '\0';
		if (strcmp(line, "bucket") == 0)
			strv_add(&pol->buckets, arg);
		else if (strcmp(line, "include") == 0)
			strv_add(&pol->include, arg);
		else if (strcmp(line, "exclude") == 0)
			strv_add(&pol->exclude, arg);
		else if (strcmp(line, "skip_digest") == 0)
			pol->p.skip_digest = atoi(arg);
		else if (strcmp(line, "verify_digest") == 0)
			pol->p.verify_digest = atoi(arg);
		else if (strcmp(line, "max_object_size") == 0)
			pol->p.max_object_size = strtoull(arg, NULL, 10);
		else
			ck_abort_msg("%s: unknown policy line %s", path, line);
	}
	pol->p.buckets = pol->buckets.v;
	pol->p.n_buckets = pol->buckets.n;
	pol->p.include = pol->include.v;
	pol->p.n_include = pol->include.n;
	pol->p.exclude = pol->exclude.v;
	pol->p.n_exclude = pol->exclude.n;
}

/* One "BUCKET SIZE KEY" query, printed back with its verdict. */
static void
run_query(const struct source_policy *p, const char *path, const char *line, struct buf *out)
{
	char bucket[256], reason[SOURCE_REASON_MAX];
	long long size;
	int used = 0;
	enum source_verdict v;

	ck_assert_msg(sscanf(line, "%255s %lld %n", bucket, &size, &used) == 2 && used > 0,
	    "%s: bad query line: %s", path, line);
	v = source_check(p, bucket, line + used, size, reason);
	ck_assert_msg((v == SOURCE_FETCH || v == SOURCE_DIGEST) == (reason[0] == '\0'),
	    "%s: reason iff not fetched", path);
	buf_printf(
	    out, "%s\n=> %s%s%s\n", line, source_verdict_name(v), reason[0] ? ": " : "", reason);
}

START_TEST(test_case)
{
	struct buf policy = BUF_INIT, checks = BUF_INIT, got = BUF_INIT;
	struct ct_case cf;
	struct policy pol;
	char *line, *save = NULL;

	ct_case_load(ct_case_path(_i), DAEMON_CASE, &cf);
	ck_assert_msg(ct_case_buf(&cf, "policy") && ct_case_buf(&cf, "checks"),
	    "%s: needs policy and checks", cf.path);
	ct_case_expand(ct_case_buf(&cf, "policy"), &policy);
	ct_case_expand(ct_case_buf(&cf, "checks"), &checks);
	parse_policy(cf.path, policy.data, &pol);
	for (line = strtok_r(checks.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "=> ", 3) != 0)
			run_query(&pol.p, cf.path, line, &got);
	ct_case_expand(ct_case_buf(&cf, "checks"), &checks);
	ct_case_compare(cf.path, checks.data, got.data ? got.data : "");
	strv_free(&pol.buckets);
	strv_free(&pol.include);
	strv_free(&pol.exclude);
	buf_free(&policy);
	buf_free(&checks);
	buf_free(&got);
	ct_case_free(&cf);
}
END_TEST

START_TEST(test_pattern_problems)
{
	char longpat[SOURCE_PATTERN_MAX + 2];

	ck_assert_ptr_null(source_pattern_problem("AWSLogs/*/CloudTrail/*"));
	ck_assert_ptr_null(source_pattern_problem("a\\\\"));
	ck_assert_str_eq(source_pattern_problem(""), "is empty");
	ck_assert_str_eq(source_pattern_problem("a\\"), "ends in a '\\' that quotes nothing");
	ck_assert_str_eq(source_pattern_problem("a\\\\\\"), "ends in a '\\' that quotes nothing");
	memset(longpat, 'a', sizeof(longpat) - 1);
	longpat[sizeof(longpat) - 1] = '\0';
	ck_assert_str_eq(source_pattern_problem(longpat), "is longer than 1024 bytes");
	longpat[SOURCE_PATTERN_MAX] = '\0';
	ck_assert_ptr_null(source_pattern_problem(longpat));
}
END_TEST

START_TEST(test_size_check_at_fetch)
{
	struct source_policy p = {.max_object_size = 100};
	char reason[SOURCE_REASON_MAX];

	ck_assert_int_eq(source_size_check(&p, 100, reason), 0);
	ck_assert_int_eq(source_size_check(&p, 101, reason), -1);
	ck_assert_str_eq(reason, "object of 101 bytes is larger than source.max_object_size (100)");
	p.max_object_size = 0;
	ck_assert_int_eq(source_size_check(&p, UINT64_MAX, reason), 0);
}
END_TEST

CT_CHECK_PROGRAM(.name = "source", .cases = "tests/daemon/cases/source",
    .each_case = CT_TESTS(test_case),
    .once = CT_TESTS(test_pattern_problems, test_size_check_at_fetch))
