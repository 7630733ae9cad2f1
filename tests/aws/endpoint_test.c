/*
 * Endpoint resolution: the case files (partitions, FIPS, virtual-hosted and
 * path-style S3, queue URL regions), override precedence and URL parsing.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/endpoint.h"
#include "tests/lib/check_main.h"

#define MAX_CASES 256

struct line {
	char text[512];
	int lineno;
};

static struct line resolve_cases[MAX_CASES], url_cases[MAX_CASES];
static int nresolve, nurl;

static int
load(const char *name, struct line *out)
{
	const char *srcdir = getenv("top_srcdir");
	char path[1024], buf[512];
	int n = 0, lineno = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/aws/cases/%s", srcdir ? srcdir : ".", name);
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "endpoint_test: cannot open %s\n", path);
		exit(99);
	}
	while (fgets(buf, sizeof(buf), f) && n < MAX_CASES) {
		lineno++;
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0] == '\0' || buf[0] == '#')
			continue;
		snprintf(out[n].text, sizeof(out[n].text), "%s", buf);
		out[n++].lineno = lineno;
	}
	fclose(f);
	return n;
}

static void
clear_env(void)
{
	static const char *const vars[] = {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS",
	    "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SNS", "AWS_ENDPOINT_URL_STS",
	    "AWS_USE_FIPS_ENDPOINT", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", NULL};

	for (const char *const *v = vars; *v; v++)
		unsetenv(*v);
}

START_TEST(resolve_case)
{
	const struct line *c = &resolve_cases[_i];
	char svc[16], region[64], opts[32], bucket[128], want[256], got[1024];
	struct ctaws_endpoint_settings s;
	struct ctaws_endpoint ep;
	struct ctaws_error err;
	const char *arrow = strstr(c->text, " => ");
	int rc;

	ck_assert_msg(
	    arrow && sscanf(c->text, "%15s %63s %31s %127s", svc, region, opts, bucket) == 4,
	    "line %d: bad case", c->lineno);
	snprintf(want, sizeof(want), "%s", arrow + 4);
	clear_env();
	ck_assert_int_eq(ctaws_endpoint_settings_load(&s, NULL, NULL, strstr(opts, "fips") != NULL,
	                     strstr(opts, "path") != NULL, NULL, &err),
	    0);
	rc = ctaws_endpoint_resolve(&s, ctaws_service_from_name(svc),
	    strcmp(region, "-") ? region : "", strcmp(bucket, "-") ? bucket : NULL, &ep, &err);
	if (strncmp(want, "error ", 6) == 0) {
		ck_assert_msg(rc == -1, "line %d: resolved, want %s", c->lineno, want);
		ck_assert_str_eq(err.code, want + 6);
	} else {
		ck_assert_msg(rc == 0, "line %d: %s", c->lineno, err.message);
		snprintf(got, sizeof(got), "%s://%s%s%s%s", ep.scheme, ep.authority, ep.base_path,
		    ep.bucket_in_path ? "/" : "", ep.bucket_in_path ? bucket : "");
		ck_assert_msg(
		    strcmp(got, want) == 0, "line %d: got %s, want %s", c->lineno, got, want);
	}
	ctaws_endpoint_settings_free(&s);
}
END_TEST

START_TEST(queue_url_region_case)
{
	const struct line *c = &url_cases[_i];
	const char *arrow = strstr(c->text, " => ");
	char url[512], region[32];
	int rc;

	ck_assert_ptr_nonnull(arrow);
	snprintf(url, sizeof(url), "%.*s", (int)(arrow - c->text), c->text);
	rc = ctaws_endpoint_region_from_url(url, region, sizeof(region));
	if (strcmp(arrow + 4, "-") == 0)
		ck_assert_msg(rc == -1, "line %d: found %s", c->lineno, region);
	else {
		ck_assert_msg(rc == 0, "line %d: no region", c->lineno);
		ck_assert_str_eq(region, arrow + 4);
	}
}
END_TEST

static const char *
resolved_url(const struct ctaws_endpoint_settings *s, enum ctaws_service svc, const char *bucket)
{
	static char out[1024];
	static struct ctaws_error err;
	struct ctaws_endpoint ep;

	if (ctaws_endpoint_resolve(s, svc, "us-east-1", bucket, &ep, &err) == -1)
		return err.code;
	snprintf(out, sizeof(out), "%s://%s%s%s", ep.scheme, ep.authority, ep.base_path,
	    ep.bucket_in_path ? " (path style)" : "");
	return out;
}

START_TEST(override_precedence)
{
	const char *explicit_svc[CTAWS_SVC__COUNT] = {NULL, "http://explicit-s3:1", NULL, NULL};
	struct ctaws_profile_settings file = {0};
	struct ctaws_endpoint_settings s;
	struct ctaws_error err;

	clear_env();
	file.endpoint_url = "http://profile-all:2";
	file.service_endpoint_url[CTAWS_SVC_SNS] = "http://profile-sns:3";
	setenv("AWS_ENDPOINT_URL", "http://env-all:4", 1);
	setenv("AWS_ENDPOINT_URL_SQS", "https://env-sqs:5/prefix/", 1);
	ck_assert_int_eq(
	    ctaws_endpoint_settings_load(&s, NULL, explicit_svc, 0, 0, &file, &err), 0);
	ck_assert_str_eq(resolved_url(&s, CTAWS_SVC_S3, "b"), "http://explicit-s3:1 (path style)");
	ck_assert_str_eq(resolved_url(&s, CTAWS_SVC_SQS, NULL), "https://env-sqs:5/prefix");
	/* The environment's global URL beats the file's per-service one. */
	ck_assert_str_eq(resolved_url(&s, CTAWS_SVC_SNS, NULL), "http://env-all:4");
	ck_assert_str_eq(resolved_url(&s, CTAWS_SVC_STS, NULL), "http://env-all:4");
	ctaws_endpoint_settings_free(&s);

	/* Without the environment, the file speaks: service section first. */
	clear_env();
	ck_assert_int_eq(ctaws_endpoint_settings_load(&s, NULL, NULL, 0, 0, &file, &err), 0);
	ck_assert_str_eq(resolved_url(&s, CTAWS_SVC_SNS, NULL), "http://profile-sns:3");
	ck_assert_str_eq(resolved_url(&s, CTAWS_SVC_SQS, NULL), "http://profile-all:2");
	ctaws_endpoint_settings_free(&s);

	/* An explicit global URL beats environment and file. */
	setenv("AWS_ENDPOINT_URL_SQS", "http://env-sqs:5", 1);
	ck_assert_int_eq(
	    ctaws_endpoint_settings_load(&s, "http://explicit-all:6", NULL, 0, 0, &file, &err), 0);
	ck_assert_str_eq(resolved_url(&s, CTAWS_SVC_SQS, NULL), "http://explicit-all:6");
	ctaws_endpoint_settings_free(&s);
	clear_env();
}
END_TEST

START_TEST(ignore_configured_endpoint_urls)
{
	struct ctaws_profile_settings file = {0};
	struct ctaws_endpoint_settings s;
	struct ctaws_error err;

	clear_env();
	file.endpoint_url = "http://profile-all:2";
	setenv("AWS_ENDPOINT_URL", "http://env-all:4", 1);
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	ck_assert_int_eq(ctaws_endpoint_settings_load(&s, NULL, NULL, 0, 0, &file, &err), 0);
	ck_assert_str_eq(
	    resolved_url(&s, CTAWS_SVC_SQS, NULL), "https://sqs.us-east-1.amazonaws.com");
	ctaws_endpoint_settings_free(&s);
	/* Explicit configuration still applies. */
	ck_assert_int_eq(
	    ctaws_endpoint_settings_load(&s, "http://x:1", NULL, 0, 0, &file, &err), 0);
	ck_assert_str_eq(resolved_url(&s, CTAWS_SVC_SQS, NULL), "http://x:1");
	ctaws_endpoint_settings_free(&s);
	/* The profile can ask for the same. */
	unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	unsetenv("AWS_ENDPOINT_URL");
	file.ignore_configured_endpoint_urls = "true";
	ck_assert_int_eq(ctaws_endpoint_settings_load(&s, NULL, NULL, 0, 0, &file, &err), 0);
	ck_assert_ptr_null(s.url[CTAWS_SVC_SQS]);
	ctaws_endpoint_settings_free(&s);
	clear_env();
}
END_TEST

START_TEST(fips_and_path_style_from_env_and_file)
{
	struct ctaws_profile_settings file = {0};
	struct ctaws_endpoint_settings s;
	struct ctaws_error err;

	clear_env();
	setenv("AWS_USE_FIPS_ENDPOINT", "true", 1);
	ck_assert_int_eq(ctaws_endpoint_settings_load(&s, NULL, NULL, 0, 0, NULL, &err), 0);
	ck_assert_str_eq(
	    resolved_url(&s, CTAWS_SVC_SQS, NULL), "https://sqs-fips.us-east-1.amazonaws.com");
	ctaws_endpoint_settings_free(&s);
	/* The environment's "false" wins over the file's "true". */
	setenv("AWS_USE_FIPS_ENDPOINT", "false", 1);
	file.use_fips_endpoint = "true";
	file.s3_addressing_style = "path";
	ck_assert_int_eq(ctaws_endpoint_settings_load(&s, NULL, NULL, 0, 0, &file, &err), 0);
	ck_assert_int_eq(s.use_fips, 0);
	ck_assert_str_eq(resolved_url(&s, CTAWS_SVC_S3, "bkt"),
	    "https://s3.us-east-1.amazonaws.com (path style)");
	ctaws_endpoint_settings_free(&s);
	unsetenv("AWS_USE_FIPS_ENDPOINT");
	ck_assert_int_eq(ctaws_endpoint_settings_load(&s, NULL, NULL, 0, 0, &file, &err), 0);
	ck_assert_int_eq(s.use_fips, 1);
	ctaws_endpoint_settings_free(&s);
	/* FIPS does not apply to a custom endpoint. */
	ck_assert_int_eq(
	    ctaws_endpoint_settings_load(&s, "http://local:1", NULL, 1, 0, NULL, &err), 0);
	ck_assert_str_eq(resolved_url(&s, CTAWS_SVC_SQS, NULL), "http://local:1");
	ctaws_endpoint_settings_free(&s);
}
END_TEST

START_TEST(bad_override_is_refused)
{
	struct ctaws_endpoint_settings s;
	struct ctaws_error err;

	clear_env();
	setenv("AWS_ENDPOINT_URL_S3", "ftp://nope", 1);
	ck_assert_int_eq(ctaws_endpoint_settings_load(&s, NULL, NULL, 0, 0, NULL, &err), -1);
	ck_assert_str_eq(err.code, "InvalidEndpoint");
	ck_assert_ptr_nonnull(strstr(err.message, "ftp://nope"));
	setenv("AWS_ENDPOINT_URL_S3", "localhost:4566", 1);
	ck_assert_int_eq(ctaws_endpoint_settings_load(&s, NULL, NULL, 0, 0, NULL, &err), -1);
	clear_env();
}
END_TEST

START_TEST(parse_urls)
{
	struct ctaws_endpoint e;
	struct ctaws_error err;
	char path[256], query[64];

	ck_assert_int_eq(ctaws_endpoint_parse_url("http://[::1]:4566/base/q%20x?a=b", &e, path,
	                     sizeof(path), query, sizeof(query), &err),
	    0);
	ck_assert_str_eq(e.host, "::1");
	ck_assert_str_eq(e.authority, "[::1]:4566");
	ck_assert_int_eq(e.port, 4566);
	ck_assert_str_eq(path, "/base/q%20x");
	ck_assert_str_eq(query, "a=b");
	ck_assert_int_eq(e.custom, 1);
	ck_assert_int_eq(ctaws_endpoint_parse_url(
	                     "https://Host.Example:443", &e, path, sizeof(path), NULL, 0, &err),
	    0);
	ck_assert_str_eq(e.authority, "Host.Example");
	ck_assert_str_eq(path, "/");
	ck_assert_str_eq(e.base_path, "");
	ck_assert_int_eq(ctaws_endpoint_parse_url("http://h:80/", &e, NULL, 0, NULL, 0, &err), 0);
	ck_assert_str_eq(e.authority, "h");
	ck_assert_int_eq(ctaws_endpoint_parse_url("", &e, NULL, 0, NULL, 0, &err), -1);
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(ctaws_region_partition("cn-north-1"), "aws-cn");
	ck_assert_str_eq(ctaws_region_partition("us-gov-west-1"), "aws-us-gov");
	ck_assert_str_eq(ctaws_region_partition("eu-west-3"), "aws");
	ck_assert_int_eq(ctaws_service_from_name("s3"), CTAWS_SVC_S3);
	ck_assert_int_eq(ctaws_service_from_name("ec2"), -1);
	ck_assert_str_eq(ctaws_service_name(CTAWS_SVC_STS), "sts");
	ck_assert_int_eq(ctaws_region_valid("us-east-1"), 1);
	ck_assert_int_eq(ctaws_region_valid("us east"), 0);
	ck_assert_int_eq(ctaws_region_valid("-x"), 0);
}
END_TEST

/* A global service is signed for its partition's home region; the others
 * for the region asked. */
START_TEST(global_service_regions)
{
	ck_assert_str_eq(ctaws_service_region(CTAWS_SVC_ORGANIZATIONS, "eu-west-1"), "us-east-1");
	ck_assert_str_eq(
	    ctaws_service_region(CTAWS_SVC_ORGANIZATIONS, "us-gov-east-1"), "us-gov-west-1");
	ck_assert_str_eq(
	    ctaws_service_region(CTAWS_SVC_ORGANIZATIONS, "cn-north-1"), "cn-northwest-1");
	ck_assert_str_eq(ctaws_service_region(CTAWS_SVC_SQS, "eu-west-1"), "eu-west-1");
	ck_assert_str_eq(ctaws_service_region(CTAWS_SVC_CLOUDTRAIL, "ap-south-1"), "ap-south-1");
}
END_TEST

static Suite *
endpoint_suite(void)
{
	Suite *s = suite_create("endpoint");
	TCase *tc = tcase_create("resolve");

	nresolve = load("endpoint_cases.txt", resolve_cases);
	nurl = load("endpoint_queue_urls.txt", url_cases);
	if (nresolve < 30 || nurl < 5) {
		fprintf(stderr, "endpoint_test: %d resolve and %d queue URL cases, want 30 and 5\n",
		    nresolve, nurl);
		return NULL;
	}
	tcase_add_loop_test(tc, resolve_case, 0, nresolve);
	tcase_add_loop_test(tc, queue_url_region_case, 0, nurl);
	tcase_add_test(tc, override_precedence);
	tcase_add_test(tc, ignore_configured_endpoint_urls);
	tcase_add_test(tc, fips_and_path_style_from_env_and_file);
	tcase_add_test(tc, bad_override_is_refused);
	tcase_add_test(tc, parse_urls);
	tcase_add_test(tc, names);
	tcase_add_test(tc, global_service_regions);
	suite_add_tcase(s, tc);
	return s;
}

CT_CHECK_MAIN(endpoint_suite)
