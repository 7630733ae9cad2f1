/*
 * The shared config/credentials file parser.
 *
 * Data-driven: each .case file of tests/aws/cases/profile holds a config and/or a
 * credentials file and the lookups expected from them ("expect" lines):
 *
 *   get PROFILE KEY VALUE            ctaws_profile_get
 *   section KIND NAME KEY VALUE      ctaws_profile_section_get (profile|services|sso-session)
 *   sub KIND NAME KEY SUB VALUE      ctaws_profile_section_sub_get
 *   region PROFILE VALUE             ctaws_profile_region
 *   endpoint PROFILE VALUE           ctaws_profile_endpoint_url
 *   service PROFILE SERVICE VALUE    ctaws_profile_service_endpoint_url
 *   exists PROFILE 0|1               ctaws_profile_exists
 *   section-exists KIND NAME 0|1     ctaws_profile_section_exists
 *   error TEXT                       loading fails with a message containing TEXT
 *
 * VALUE is the rest of the line, "\n" for a newline, "<none>" for no value.
 * The unit tests below cover what case files cannot say (file access, paths).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aws/profile.h"
#include "creds_case.h"
#include "tests/lib/check_main.h"

static char *
word(char **p)
{
	char *w = *p, *sp;

	ck_assert_msg(*w != '\0', "expect line too short");
	if ((sp = strchr(w, ' ')) != NULL) {
		*sp = '\0';
		*p = sp + 1;
	} else
		*p = w + strlen(w);
	return w;
}

static enum ctaws_profile_section_kind
kind_of(const char *s)
{
	if (strcmp(s, "services") == 0)
		return CTAWS_SECTION_SERVICES;
	if (strcmp(s, "sso-session") == 0)
		return CTAWS_SECTION_SSO_SESSION;
	ck_assert_str_eq(s, "profile");
	return CTAWS_SECTION_PROFILE;
}

static void
expect_value(const char *where, const char *got, char *want_text)
{
	const char *want = unescape(want_text);

	if (want == NULL)
		ck_assert_msg(got == NULL, "%s: expected no value, got \"%s\"", where, got);
	else {
		ck_assert_msg(got != NULL, "%s: expected \"%s\", got none", where, want);
		ck_assert_msg(
		    strcmp(got, want) == 0, "%s: expected \"%s\", got \"%s\"", where, want, got);
	}
}

static void
check_line(const struct ctaws_profile_set *s, const char *casename, char *line)
{
	char where[1200], *p = line, *cmd = word(&p), *a, *b, *c, *d;

	snprintf(where, sizeof(where), "%s: %s %s", casename, cmd, p);
	if (strcmp(cmd, "get") == 0) {
		a = word(&p), b = word(&p);
		expect_value(where, ctaws_profile_get(s, a, b), p);
	} else if (strcmp(cmd, "section") == 0) {
		a = word(&p), b = word(&p), c = word(&p);
		expect_value(where, ctaws_profile_section_get(s, kind_of(a), b, c), p);
	} else if (strcmp(cmd, "sub") == 0) {
		a = word(&p), b = word(&p), c = word(&p), d = word(&p);
		expect_value(where, ctaws_profile_section_sub_get(s, kind_of(a), b, c, d), p);
	} else if (strcmp(cmd, "region") == 0) {
		a = word(&p);
		expect_value(where, ctaws_profile_region(s, a), p);
	} else if (strcmp(cmd, "endpoint") == 0) {
		a = word(&p);
		expect_value(where, ctaws_profile_endpoint_url(s, a), p);
	} else if (strcmp(cmd, "service") == 0) {
		a = word(&p), b = word(&p);
		expect_value(where, ctaws_profile_service_endpoint_url(s, a, b), p);
	} else if (strcmp(cmd, "exists") == 0) {
		a = word(&p);
		ck_assert_msg(ctaws_profile_exists(s, a) == atoi(p), "%s", where);
	} else if (strcmp(cmd, "section-exists") == 0) {
		a = word(&p), b = word(&p);
		ck_assert_msg(
		    ctaws_profile_section_exists(s, kind_of(a), b) == atoi(p), "%s", where);
	} else
		ck_abort_msg("%s: unknown expect command", where);
}

START_TEST(profile_case)
{
	struct ct_case c;
	const char *cfg, *cred, *expect, *errline = NULL;
	char *lines, *line, *save = NULL, cpath[600], kpath[600];
	struct ctaws_profile_set *s;
	struct ctaws_error err;

	ct_case_load(ct_case_path(_i), 0, &c);
	env_clear_aws();
	env_apply(ct_case_get(&c, "env"));
	cfg = ct_case_get(&c, "config");
	cred = ct_case_get(&c, "credentials");
	expect = ct_case_get(&c, "expect");
	ck_assert_msg(expect != NULL, "%s: no expect section", c.path);
	snprintf(cpath, sizeof(cpath), "%s", cfg ? tmp_write("config", cfg) : "/nonexistent/c");
	snprintf(
	    kpath, sizeof(kpath), "%s", cred ? tmp_write("credentials", cred) : "/nonexistent/k");
	ctaws_error_clear(&err);
	s = ctaws_profile_set_load(cpath, kpath, &err);
	lines = strdup(expect);
	for (line = strtok_r(lines, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "error ", 6) == 0)
			errline = line + 6;
	if (errline) {
		ck_assert_msg(s == NULL, "%s: loading should fail with \"%s\"", c.path, errline);
		ck_assert_msg(strstr(err.message, errline) != NULL, "%s: error \"%s\" lacks \"%s\"",
		    c.path, err.message, errline);
	} else {
		ck_assert_msg(s != NULL, "%s: loading failed: %s", c.path, err.message);
		free(lines);
		lines = strdup(expect);
		save = NULL;
		for (line = strtok_r(lines, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (line[0] != '#')
				check_line(s, c.path, line);
	}
	free(lines);
	ctaws_profile_set_free(s);
	ct_case_free(&c);
	tmp_cleanup();
}
END_TEST

/* Lines may end in CRLF (files written on Windows). */
START_TEST(profile_crlf)
{
	static const char text[] = "[default]\r\nregion = eu-west-1\r\n[profile x]\r\n"
	                           "s3 =\r\n  endpoint_url = http://h\r\n";
	struct ctaws_profile_set *s = ctaws_profile_set_new();
	struct ctaws_error err;

	ck_assert_int_eq(ctaws_profile_set_parse(
	                     s, CTAWS_PROFILE_FILE_CONFIG, "crlf", text, sizeof(text) - 1, &err),
	    0);
	ck_assert_str_eq(ctaws_profile_region(s, "default"), "eu-west-1");
	ck_assert_str_eq(
	    ctaws_profile_section_sub_get(s, CTAWS_SECTION_PROFILE, "x", "s3", "endpoint_url"),
	    "http://h");
	ctaws_profile_set_free(s);
}
END_TEST

/* A failed parse leaves what was loaded before untouched. */
START_TEST(profile_failed_parse_keeps_set)
{
	static const char good[] = "[default]\nregion = us-east-2\n";
	static const char bad[] = "[default]\nregion\n";
	struct ctaws_profile_set *s = ctaws_profile_set_new();
	struct ctaws_error err;

	ck_assert_int_eq(
	    ctaws_profile_set_parse(s, CTAWS_PROFILE_FILE_CONFIG, "good", good, strlen(good), &err),
	    0);
	ck_assert_int_eq(
	    ctaws_profile_set_parse(s, CTAWS_PROFILE_FILE_CONFIG, "bad", bad, strlen(bad), &err),
	    -1);
	ck_assert_str_eq(err.code, "InvalidProfileFile");
	ck_assert_ptr_nonnull(strstr(err.message, "bad line 2"));
	ck_assert_str_eq(ctaws_profile_region(s, "default"), "us-east-2");
	ctaws_profile_set_free(s);
}
END_TEST

START_TEST(profile_missing_files_are_empty)
{
	struct ctaws_error err;
	struct ctaws_profile_set *s =
	    ctaws_profile_set_load("/nonexistent/a", "/nonexistent/b", &err);

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(ctaws_profile_exists(s, "default"), 0);
	ck_assert_ptr_null(ctaws_profile_region(s, "default"));
	ctaws_profile_set_free(s);
}
END_TEST

START_TEST(profile_directory_is_an_error)
{
	struct ctaws_error err;
	struct ctaws_profile_set *s = ctaws_profile_set_load(tmp_dir(), "/nonexistent/b", &err);

	ck_assert_ptr_null(s);
	ck_assert_str_eq(err.code, "InvalidProfileFile");
	ck_assert_ptr_nonnull(strstr(err.message, "Is a directory"));
	ck_assert_ptr_nonnull(strstr(err.message, tmp_dir()));
	tmp_cleanup();
}
END_TEST

/* An unreadable file is an error that names it, not an empty file. Tests run
 * as root here, which reads anything: the check drops to "nobody" first. */
START_TEST(profile_unreadable_is_an_error)
{
	char *path = tmp_write("credentials", "[default]\naws_access_key_id = A\n");
	struct ctaws_profile_set *s;
	struct ctaws_error err;
	int status;
	pid_t pid;

	ck_assert_int_eq(chmod(path, 0), 0);
	ck_assert_int_eq(chmod(tmp_dir(), 0755), 0);
	if ((pid = fork()) == 0) {
		if (geteuid() == 0 && setuid(65534) != 0)
			_exit(2);
		s = ctaws_profile_set_load("/nonexistent/c", path, &err);
		_exit(s == NULL && strcmp(err.code, "InvalidProfileFile") == 0 &&
		              strstr(err.message, path) && strstr(err.message, "Permission denied")
		          ? 0
		          : 1);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	tmp_cleanup();
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "loading an unreadable file did not fail with a message naming it (%d)", status);
}
END_TEST

/* A user without a home directory (a container's random uid) has no shared
 * files: loading succeeds, empty, so the other providers can be asked. */
START_TEST(profile_no_home_is_empty)
{
	struct ctaws_profile_set *s;
	struct ctaws_error err;
	int status;
	pid_t pid;

	if ((pid = fork()) == 0) {
		unsetenv("HOME");
		unsetenv("AWS_CONFIG_FILE");
		unsetenv("AWS_SHARED_CREDENTIALS_FILE");
		if (geteuid() == 0 && setuid(54321) != 0) /* no passwd entry */
			_exit(2);
		s = ctaws_profile_set_load(NULL, NULL, &err);
		status = s != NULL && !ctaws_profile_exists(s, "default") ? 0 : 1;
		ctaws_profile_set_free(s);
		_exit(status);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
}
END_TEST

START_TEST(profile_paths_from_environment)
{
	char out[256];

	setenv("HOME", "/home/u", 1);
	unsetenv("AWS_CONFIG_FILE");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	ck_assert_int_eq(ctaws_profile_config_path(out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/home/u/.aws/config");
	ck_assert_int_eq(ctaws_profile_credentials_path(out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/home/u/.aws/credentials");
	setenv("AWS_CONFIG_FILE", "~/cfg/aws", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/etc/ctalertd/creds", 1);
	ck_assert_int_eq(ctaws_profile_config_path(out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/home/u/cfg/aws");
	ck_assert_int_eq(ctaws_profile_credentials_path(out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/etc/ctalertd/creds");
	ck_assert_int_eq(ctaws_profile_expand_home("~", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/home/u");
	ck_assert_int_eq(ctaws_profile_expand_home("~other/x", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "~other/x");
	ck_assert_int_eq(ctaws_profile_expand_home("~/x", out, 5), -1);
	unsetenv("AWS_PROFILE");
	ck_assert_str_eq(ctaws_profile_name_from_env(), "default");
	setenv("AWS_PROFILE", "prod", 1);
	ck_assert_str_eq(ctaws_profile_name_from_env(), "prod");
}
END_TEST

/* The files are found through the environment when no path is given. */
START_TEST(profile_load_from_environment)
{
	struct ctaws_profile_set *s;
	struct ctaws_error err;

	setenv("AWS_CONFIG_FILE", tmp_write("cfg", "[profile p]\nregion = ap-south-1\n"), 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", tmp_write("cred", "[p]\nregion = sa-east-1\n"), 1);
	s = ctaws_profile_set_load(NULL, NULL, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(ctaws_profile_region(s, "p"), "sa-east-1");
	ctaws_profile_set_free(s);
	tmp_cleanup();
}
END_TEST

START_TEST(profile_too_large)
{
	char *path = tmp_write("big", "");
	FILE *f = fopen(path, "w");
	struct ctaws_profile_set *s;
	struct ctaws_error err;

	ck_assert_ptr_nonnull(f);
	fputs("[default]\n", f);
	for (int i = 0; i < 5 * 1024 * 1024 / 32; i++)
		fputs("# padding padding padding pad\n", f);
	fclose(f);
	s = ctaws_profile_set_load(path, "/nonexistent/k", &err);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(err.message, "larger than"));
	tmp_cleanup();
}
END_TEST

/* What the client takes from the shared config file for a profile. */
START_TEST(profile_settings_for_the_client)
{
	static const char cfg[] = "[profile dev]\n"
	                          "region = eu-west-3\n"
	                          "endpoint_url = http://127.0.0.1:4566\n"
	                          "services = local\n"
	                          "use_fips_endpoint = true\n"
	                          "max_attempts = 5\n"
	                          "ca_bundle = /etc/ssl/dev.pem\n"
	                          "ignore_configured_endpoint_urls = false\n"
	                          "s3 =\n"
	                          "  addressing_style = path\n"
	                          "[services local]\n"
	                          "sqs =\n"
	                          "  endpoint_url = http://127.0.0.1:9324\n"
	                          "sts =\n"
	                          "  endpoint_url = http://127.0.0.1:7000\n";
	struct ctaws_profile_set *s = ctaws_profile_set_new();
	struct ctaws_profile_settings f;
	struct ctaws_error err;

	ck_assert_int_eq(
	    ctaws_profile_set_parse(s, CTAWS_PROFILE_FILE_CONFIG, "cfg", cfg, strlen(cfg), &err),
	    0);
	setenv("AWS_PROFILE", "dev", 1);
	ctaws_profile_settings_fill(s, NULL, &f);
	ck_assert_str_eq(f.region, "eu-west-3");
	ck_assert_str_eq(f.endpoint_url, "http://127.0.0.1:4566");
	ck_assert_str_eq(f.service_endpoint_url[CTAWS_SVC_SQS], "http://127.0.0.1:9324");
	ck_assert_str_eq(f.service_endpoint_url[CTAWS_SVC_STS], "http://127.0.0.1:7000");
	ck_assert_ptr_null(f.service_endpoint_url[CTAWS_SVC_S3]);
	ck_assert_ptr_null(f.service_endpoint_url[CTAWS_SVC_SNS]);
	ck_assert_str_eq(f.use_fips_endpoint, "true");
	ck_assert_str_eq(f.max_attempts, "5");
	ck_assert_str_eq(f.ca_bundle, "/etc/ssl/dev.pem");
	ck_assert_str_eq(f.ignore_configured_endpoint_urls, "false");
	ck_assert_str_eq(f.s3_addressing_style, "path");
	ctaws_profile_settings_fill(s, "default", &f);
	ck_assert_ptr_null(f.region);
	ck_assert_ptr_null(f.service_endpoint_url[CTAWS_SVC_SQS]);
	ctaws_profile_set_free(s);
}
END_TEST

CT_CHECK_PROGRAM(.name = "profile", .cases = "tests/aws/cases/profile",
    .each_case = CT_TESTS(profile_case),
    .once = CT_TESTS(profile_crlf, profile_failed_parse_keeps_set, profile_missing_files_are_empty,
        profile_directory_is_an_error, profile_unreadable_is_an_error, profile_no_home_is_empty,
        profile_settings_for_the_client, profile_paths_from_environment,
        profile_load_from_environment, profile_too_large))
