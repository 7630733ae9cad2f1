/*
 * The pure parts of `ctalertd scan s3://...`: where a folder is in
 * CloudTrail's layout, which folders the listing walks into, the StartAfter
 * key of --since, which keys are fetched for a time range, the times people
 * write, the progress line and the resume file.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scan/progress.h"
#include "scan/resume.h"
#include "scan/trail.h"
#include "tests/lib/check_main.h"
#include "util/clock.h"
#include "util/timestamp.h"

#define ACCT "123456789012"
#define RF   "AWSLogs/" ACCT "/CloudTrail/eu-west-1/"

static time_t
at(const char *iso)
{
	time_t t;

	ck_assert_msg(clock_parse_time(iso, &t) == 0, "%s", iso);
	return t;
}

static const struct trail_filter everything = {NULL, 0, NULL, 0, TRAIL_NO_TIME, TRAIL_NO_TIME};

START_TEST(test_place)
{
	static const struct {
		const char *folder;
		enum trail_level level;
		const char *account, *region;
	} c[] = {
	    {"", TRAIL_ABOVE, "", ""},
	    {"mytrail/", TRAIL_ABOVE, "", ""},
	    {"AWSLogs/", TRAIL_AWSLOGS, "", ""},
	    {"a/b/AWSLogs/", TRAIL_AWSLOGS, "", ""},
	    {"AWSLogs/o-abc123def4/", TRAIL_ORG, "", ""},
	    {"AWSLogs/o-abc123def4/" ACCT "/", TRAIL_ACCOUNT, ACCT, ""},
	    {"AWSLogs/" ACCT "/", TRAIL_ACCOUNT, ACCT, ""},
	    {"AWSLogs/" ACCT "/CloudTrail/", TRAIL_CLOUDTRAIL, ACCT, ""},
	    {"AWSLogs/" ACCT "/CloudTrail-Digest/", TRAIL_OTHER, ACCT, ""},
	    {"AWSLogs/" ACCT "/CloudTrail-Insight/", TRAIL_OTHER, ACCT, ""},
	    {RF, TRAIL_REGION, ACCT, "eu-west-1"},
	    {RF "2026/12/", TRAIL_REGION, ACCT, "eu-west-1"},
	    {"t/AWSLogs/o-x1/" ACCT "/CloudTrail/us-east-1/", TRAIL_REGION, ACCT, "us-east-1"},
	    {"AWSLogs/12345/", TRAIL_OTHER, "", ""},
	    {"AWSLogs/README/", TRAIL_OTHER, "", ""},
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct trail_place p;

		trail_place_of(c[i].folder, &p);
		ck_assert_msg(p.level == c[i].level, "%s: level %d, want %d", c[i].folder, p.level,
		    c[i].level);
		ck_assert_str_eq(p.account, c[i].account);
		ck_assert_str_eq(p.region, c[i].region);
	}
}
END_TEST

START_TEST(test_region_len)
{
	struct trail_place p;

	trail_place_of("x/" RF "2026/12/07/", &p);
	ck_assert_uint_eq(p.region_len, strlen("x/" RF));
}
END_TEST

/* Which child folders a listing walks into. */
START_TEST(test_walk_into)
{
	static const char *const accounts[] = {ACCT};
	static const char *const regions[] = {"eu-west-1", "us-east-1"};
	struct trail_filter f = {accounts, 1, regions, 2, TRAIL_NO_TIME, TRAIL_NO_TIME};
	static const struct {
		const char *parent, *child;
		int all, filtered; /* without and with the filter */
	} c[] = {
	    {"", "AWSLogs/", 1, 1},
	    {"", "mytrail/", 1, 1},
	    {"a/b/", "a/b/c/", 1, 1},
	    {"a/b/c/", "a/b/c/d/", 0, 0}, /* custom prefixes are at most 3 deep */
	    {"AWSLogs/", "AWSLogs/o-abc123def4/", 1, 1},
	    {"AWSLogs/", "AWSLogs/" ACCT "/", 1, 1},
	    {"AWSLogs/", "AWSLogs/210987654321/", 1, 0},
	    {"AWSLogs/", "AWSLogs/notanaccount/", 0, 0},
	    {"AWSLogs/o-abc123def4/", "AWSLogs/o-abc123def4/210987654321/", 1, 0},
	    {"AWSLogs/" ACCT "/", "AWSLogs/" ACCT "/CloudTrail/", 1, 1},
	    {"AWSLogs/" ACCT "/", "AWSLogs/" ACCT "/CloudTrail-Digest/", 0, 0},
	    {"AWSLogs/" ACCT "/", "AWSLogs/" ACCT "/CloudTrail-Insight/", 0, 0},
	    {"AWSLogs/" ACCT "/CloudTrail/", RF, 1, 1},
	    {"AWSLogs/" ACCT "/CloudTrail/", "AWSLogs/" ACCT "/CloudTrail/ap-south-1/", 1, 0},
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct trail_place p;

		trail_place_of(c[i].parent, &p);
		ck_assert_msg(trail_walk_into(&p, c[i].child, &everything) == c[i].all,
		    "%s into %s", c[i].parent, c[i].child);
		ck_assert_msg(trail_walk_into(&p, c[i].child, &f) == c[i].filtered,
		    "%s into %s, filtered", c[i].parent, c[i].child);
	}
}
END_TEST

START_TEST(test_start_after)
{
	char out[256];

	ck_assert_int_eq(
	    trail_start_after(RF, ACCT, "eu-west-1", at("2026-12-07T10:05:31Z"), out, sizeof(out)),
	    0);
	ck_assert_str_eq(out, RF "2026/12/07/" ACCT "_CloudTrail_eu-west-1_20261207T1005Z");
	/* Objects delivered in that minute or later follow it; earlier ones do not. */
	ck_assert_int_gt(
	    strcmp(RF "2026/12/07/" ACCT "_CloudTrail_eu-west-1_20261207T1005Z_a.json.gz", out), 0);
	ck_assert_int_lt(
	    strcmp(RF "2026/12/07/" ACCT "_CloudTrail_eu-west-1_20261207T1000Z_z.json.gz", out), 0);
	ck_assert_int_lt(
	    strcmp(RF "2026/12/06/" ACCT "_CloudTrail_eu-west-1_20261206T2355Z_z.json.gz", out), 0);
	ck_assert_int_gt(
	    strcmp(RF "2026/12/08/" ACCT "_CloudTrail_eu-west-1_20261208T0000Z_a.json.gz", out), 0);
	ck_assert_int_eq(trail_start_after(RF, ACCT, "eu-west-1", 0, out, 20), -1);
}
END_TEST

#define KEY(day, stamp) RF day "/" ACCT "_CloudTrail_eu-west-1_" stamp "_Ab1.json.gz"

START_TEST(test_key_time)
{
	ck_assert_int_eq(
	    trail_key_time(KEY("2026/12/07", "20261207T1005Z")), at("2026-12-07T10:05:00Z"));
	ck_assert_int_eq(trail_key_time(RF "2026/12/07/notes.txt"), TRAIL_NO_TIME);
	ck_assert_int_eq(trail_key_time(RF "2026/12/07/x_2026120T1005Z_y.json.gz"), TRAIL_NO_TIME);
}
END_TEST

START_TEST(test_verdict)
{
	struct trail_filter f = everything;
	static const struct {
		const char *key;
		enum trail_verdict v;
	} c[] = {
	    {KEY("2026/12/07", "20261207T0958Z"), TRAIL_SKIP},  /* delivered before since */
	    {KEY("2026/12/07", "20261207T0959Z"), TRAIL_SKIP},  /* 09:59:59 at the latest */
	    {KEY("2026/12/07", "20261207T1000Z"), TRAIL_FETCH}, /* since's own minute */
	    {KEY("2026/12/07", "20261207T1200Z"), TRAIL_FETCH},
	    {KEY("2026/12/07", "20261207T1300Z"), TRAIL_FETCH}, /* until + the slack */
	    {KEY("2026/12/07", "20261207T1301Z"), TRAIL_PAST},
	    {RF "2026/12/07/" ACCT "_CloudTrail_eu-west-1_20261207T1100Z_x.json.sig", TRAIL_SKIP},
	    {RF "2026/12/07/README.json", TRAIL_FETCH}, /* a log name without a time: read */
	};

	f.since = at("2026-12-07T10:00:00Z");
	f.until = at("2026-12-07T12:00:00Z");
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		ck_assert_msg(trail_key_verdict(c[i].key, &f) == c[i].v, "%s: %d, want %d",
		    c[i].key, trail_key_verdict(c[i].key, &f), c[i].v);
	ck_assert_int_eq(
	    trail_key_verdict(KEY("2020/01/01", "20200101T0000Z"), &everything), TRAIL_FETCH);
}
END_TEST

START_TEST(test_event_range)
{
	struct trail_filter f = everything;

	ck_assert_int_eq(trail_event_in_range(NULL, &f), 1);
	f.since = at("2026-12-07T10:00:00Z");
	f.until = at("2026-12-07T12:00:00Z");
	ck_assert_int_eq(trail_event_in_range("2026-12-07T09:59:59Z", &f), 0);
	ck_assert_int_eq(trail_event_in_range("2026-12-07T10:00:00Z", &f), 1);
	ck_assert_int_eq(trail_event_in_range("2026-12-07T12:00:00Z", &f), 1);
	ck_assert_int_eq(trail_event_in_range("2026-12-07T12:00:01Z", &f), 0);
	ck_assert_int_eq(trail_event_in_range("yesterday", &f), 0);
	ck_assert_int_eq(trail_event_in_range(NULL, &f), 0);
}
END_TEST

START_TEST(test_when)
{
	time_t now = at("2026-12-08T00:00:00Z"), t;
	const char *why;

	ck_assert_int_eq(timestamp_parse_when("7d", now, &t, &why), 0);
	ck_assert_int_eq(t, at("2026-12-01T00:00:00Z"));
	ck_assert_int_eq(timestamp_parse_when("1h30m", now, &t, &why), 0);
	ck_assert_int_eq(t, at("2026-12-07T22:30:00Z"));
	ck_assert_int_eq(timestamp_parse_when("2026-11-30", now, &t, &why), 0);
	ck_assert_int_eq(t, at("2026-11-30T00:00:00Z"));
	ck_assert_int_eq(timestamp_parse_when("2026-11-30T10:00:00+01:00", now, &t, &why), 0);
	ck_assert_int_eq(t, at("2026-11-30T09:00:00Z"));
	ck_assert_int_eq(timestamp_parse_when("2026-13-30", now, &t, &why), -1);
	ck_assert_int_eq(timestamp_parse_when("last week", now, &t, &why), -1);
	ck_assert_int_eq(timestamp_parse_when("", now, &t, &why), -1);
}
END_TEST

START_TEST(test_progress_line)
{
	struct progress_figures f = {"object", 25, 100, 50000000, 200000000, 12340, 3, 0};
	char line[256];

	progress_format(&f, 10.0, line, sizeof(line));
	ck_assert_str_eq(line, "ctalertd scan: 25/100 objects, 50.0/200.0 MB, 12340 records, 1234 "
	                       "records/s, 3 matches, ETA 30s");
	f = (struct progress_figures){"file", 1, 0, 1000000, 0, 10, 1, 2};
	progress_format(&f, 2.0, line, sizeof(line));
	ck_assert_str_eq(
	    line, "ctalertd scan: 1 file, 1.0 MB, 10 records, 5 records/s, 1 match, 2 errors");
}
END_TEST

START_TEST(test_resume)
{
	char path[] = "/tmp/ctalertd-resume-XXXXXX";
	struct resume *r;
	struct ct_error err;
	FILE *f;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
	ck_assert_ptr_nonnull(r = resume_open(path, &err));
	ck_assert_int_eq(resume_count(r), 0);
	ck_assert_int_eq(resume_mark(r, "s3://b/k1", "\"e1\"", &err), 0);
	ck_assert_int_eq(resume_mark(r, "s3://b/odd\tkey\n%", "\"e2\"", &err), 0);
	resume_close(r);
	/* A crash in the middle of a line leaves half a line. */
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fputs("\"e3\"\ts3://b/k", f);
	fclose(f);
	ck_assert_ptr_nonnull(r = resume_open(path, &err));
	ck_assert_int_eq(resume_count(r), 2);
	ck_assert_int_eq(resume_finished(r, "s3://b/k1", "\"e1\""), 1);
	ck_assert_int_eq(resume_finished(r, "s3://b/k1", "\"changed\""), 0);
	ck_assert_int_eq(resume_finished(r, "s3://b/odd\tkey\n%", "\"e2\""), 1);
	ck_assert_int_eq(resume_finished(r, "s3://b/k", "\"e3\""), 0);
	ck_assert_int_eq(resume_mark(r, "s3://b/k3", "\"e3\"", &err), 0);
	resume_close(r);
	ck_assert_ptr_nonnull(r = resume_open(path, &err));
	ck_assert_int_eq(resume_count(r), 3);
	ck_assert_int_eq(resume_finished(r, "s3://b/k3", "\"e3\""), 1);
	resume_close(r);
	unlink(path);
	ck_assert_ptr_null(resume_open("/nonexistent-dir/resume", &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent-dir/resume"));
}
END_TEST

CT_CHECK_PROGRAM(.name = "trail",
    .once = CT_TESTS(test_place, test_region_len, test_walk_into, test_start_after, test_key_time,
        test_verdict, test_event_range, test_when, test_progress_line, test_resume))
