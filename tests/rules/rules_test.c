/*
 * The rule loaders, driven by the case files of tests/rules/cases (see
 * casefile.h for their format): each case writes its files into a scratch
 * directory, loads them, and compares the rules or the error it expects.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "casefile.h"
#include "rules/rules.h"

static char **cases;
static size_t ncases;

/* A libconfig file read the way the daemon reads its configuration. */
static int
load_parsed(struct rule_list *l, const char *path, int setting_only, struct ct_error *err)
{
	config_t cfg;
	int r;

	config_init(&cfg);
	if (config_read_file(&cfg, path) == CONFIG_FALSE)
		r = ct_error_set(err, CT_ERR_CONFIG, "%s:%d: %s", path, config_error_line(&cfg),
		    config_error_text(&cfg));
	else if (setting_only)
		r = rules_load_setting(l, config_lookup(&cfg, "rules"), path, err);
	else
		r = rules_load_config(l, &cfg, path, err);
	config_destroy(&cfg);
	return r;
}

static int
run_load(struct rule_list *l, const struct section *s, struct ct_error *err)
{
	const char *arg = strchr(s->args, ' ');
	size_t klen = arg ? (size_t)(arg - s->args) : strlen(s->args);
	char *pattern;
	int r;

	arg = arg ? arg + 1 : "";
	if (strncmp(s->args, "config", klen) == 0)
		return rules_load_config_file(l, arg, err);
	if (strncmp(s->args, "parsed", klen) == 0)
		return load_parsed(l, arg, 0, err);
	if (strncmp(s->args, "setting", klen) == 0)
		return load_parsed(l, arg, 1, err);
	if (strncmp(s->args, "dir", klen) == 0)
		return rules_load_dir(l, arg, err);
	if (strncmp(s->args, "json", klen) == 0)
		return rules_load_json_file(l, arg, err);
	if (strncmp(s->args, "pattern", klen) != 0)
		return ct_error_set(err, CT_ERR_USAGE, "case: unknown load '%s'", s->args);
	pattern = section_text(s);
	r = rules_add_pattern(l, arg, pattern, "--pattern", err);
	free(pattern);
	return r;
}

/* Compares what happened with what the case expects; NULL when they agree. */
static char *
verdict(const struct casefile *c, const struct rule_list *l, int failed, const struct ct_error *err)
{
	const struct section *want_err = casefile_find(c, "error");
	const struct section *want_rules = casefile_find(c, "rules");
	struct buf got = BUF_INIT;
	char *want = NULL, *msg = NULL;

	if (want_err == NULL && want_rules == NULL)
		return strdup("the case expects nothing (no rules or error section)");
	if (failed && want_err == NULL) {
		if (asprintf(&msg, "unexpected error: %s", err->msg) == -1)
			abort();
		return msg;
	}
	if (failed) {
		want = section_text(want_err);
		if ((int)err->code != error_code(want_err->args) || strcmp(err->msg, want) != 0)
			if (asprintf(&msg, "error\n  want %s: %s\n  got  %s: %s", want_err->args,
			        want, ct_strerror(err->code), err->msg) == -1)
				abort();
	} else if (want_err) {
		msg = strdup("loading succeeded but an error was expected");
	} else {
		rule_dump(l, &got);
		want = strdup(want_rules->body);
		if (strcmp(got.data ? got.data : "", want) != 0)
			if (asprintf(&msg, "rules\n--- want\n%s--- got\n%s", want,
			        got.data ? got.data : "") == -1)
				abort();
	}
	free(want);
	buf_free(&got);
	return msg;
}

START_TEST(test_case)
{
	const char *path = cases[_i];
	struct casefile c;
	struct rule_list l;
	struct ct_error err = {CT_OK, ""};
	char dir[512], *msg;
	int oldcwd, failed = 0;

	ck_assert_msg(casefile_read(path, &c) == 0, "%s: cannot read", path);
	ck_assert_msg(scratch_enter(dir, sizeof(dir), &oldcwd) == 0, "no scratch directory");
	ck_assert_msg(casefile_materialize(&c) == 0, "%s: cannot write its files", path);
	rule_list_init(&l);
	for (size_t i = 0; i < c.n && !failed; i++)
		if (strcmp(c.v[i].name, "load") == 0)
			failed = run_load(&l, &c.v[i], &err) == -1;
	msg = verdict(&c, &l, failed, &err);
	rule_list_free(&l);
	scratch_leave(dir, oldcwd);
	casefile_free(&c);
	ck_assert_msg(msg == NULL, "%s: %s", path, msg);
}
END_TEST

/* Loaders append; a list freed twice or reused stays sound. */
START_TEST(test_list_reuse)
{
	struct rule_list l;
	struct ct_error err;

	rule_list_init(&l);
	ck_assert_int_eq(rules_add_pattern(&l, "a", "{\"x\":[1]}", "--pattern", &err), 0);
	ck_assert_ptr_nonnull(rule_list_find(&l, "a"));
	ck_assert_ptr_null(rule_list_find(&l, "b"));
	rule_list_free(&l);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(rules_add_pattern(&l, "a", "{\"x\":[1]}", "--pattern", &err), 0);
	ck_assert_uint_eq(l.n, 1);
	rule_list_free(&l);
	rule_list_free(&l);
}
END_TEST

/* Many rules: the list grows and duplicate names are still found. */
START_TEST(test_many_rules)
{
	struct rule_list l;
	struct ct_error err;
	char name[32];

	rule_list_init(&l);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "rule-%04d", i);
		ck_assert_int_eq(
		    rules_add_pattern(&l, name, "{\"eventName\":[\"X\"]}", "--pattern", &err), 0);
	}
	ck_assert_int_eq(rules_add_pattern(&l, "rule-0500", "{\"a\":[1]}", "--pattern", &err), -1);
	ck_assert_str_eq(err.msg,
	    "--pattern: rule 'rule-0500': duplicate rule name (first defined at --pattern)");
	ck_assert_uint_eq(l.n, 1000);
	ck_assert_str_eq(l.v[999].name, "rule-0999");
	rule_list_free(&l);
}
END_TEST

static Suite *
rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("cases");
	TCase *api = tcase_create("api");
	char *dir;

	if (asprintf(&dir, "%s/tests/rules/cases", top_srcdir()) == -1)
		abort();
	ncases = list_files(dir, ".case", &cases);
	free(dir);
	tcase_add_loop_test(tc, test_case, 0, (int)ncases);
	suite_add_tcase(s, tc);
	tcase_add_test(api, test_list_reuse);
	tcase_add_test(api, test_many_rules);
	suite_add_tcase(s, api);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(rules_suite());
	int failed;

	if (ncases == 0) {
		fprintf(stderr, "no case files below %s/tests/rules/cases\n", top_srcdir());
		return 1;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	free_list(cases, ncases);
	return failed ? 1 : 0;
}
