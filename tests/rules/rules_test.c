/*
 * The rule loaders, driven by the case files of tests/rules/cases (see
 * casefile.h for their format): each case writes its files into a scratch
 * directory, loads them, and compares the rules or the error it expects.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>

#include "casefile.h"
#include "rules/rules.h"
#include "tests/lib/check_main.h"

/* Settings a user of the rules declares (the daemon's are its alert routing,
 * checked there): carried as strings, named in messages about unknown ones. */
static const struct rule_extra user_settings[] = {{"topic_arn", NULL}, {"group_id", NULL}};

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
run_load(struct rule_list *l, const struct ct_section *s, struct ct_error *err)
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
	if (strncmp(s->args, "path", klen) == 0)
		return rules_load_path(l, arg, err);
	if (strncmp(s->args, "pattern", klen) != 0)
		return ct_error_set(err, CT_ERR_USAGE, "case: unknown load '%s'", s->args);
	pattern = ct_section_text(s);
	r = rules_add_pattern(l, arg, pattern, "--pattern", err);
	free(pattern);
	return r;
}

static char *
error_verdict(const struct ct_section *want_err, const struct ct_error *err)
{
	char *want = ct_section_text(want_err), *msg = NULL;

	if ((int)err->code != error_code(want_err->args) || strcmp(err->msg, want) != 0)
		if (asprintf(&msg, "error\n  want %s: %s\n  got  %s: %s", want_err->args, want,
		        ct_strerror(err->code), err->msg) == -1)
			abort();
	free(want);
	return msg;
}

static char *
rules_verdict(const struct ct_section *want_rules, const struct rule_list *l)
{
	struct buf got = BUF_INIT;
	char *msg = NULL;

	rule_dump(l, &got);
	if (strcmp(got.data ? got.data : "", want_rules->text.data) != 0)
		if (asprintf(&msg, "rules\n--- want\n%s--- got\n%s", want_rules->text.data,
		        got.data ? got.data : "") == -1)
			abort();
	buf_free(&got);
	return msg;
}

static char *
record_verdict(const struct ruleset *rs, const struct ct_section *rec)
{
	struct buf got = BUF_INIT;
	char *want = sorted_words(rec->args), *msg = NULL;

	if (match_record(rs, rec->text.data, &got) == -1)
		msg = strdup("a record is not JSON");
	else if (strcmp(got.data ? got.data : "", want) != 0)
		if (asprintf(&msg, "record matched [%s], expected [%s]:\n%s",
		        got.data ? got.data : "", want, rec->text.data) == -1)
			abort();
	free(want);
	buf_free(&got);
	return msg;
}

/* Compiles what loaded: it fails as the case expects, or every record
 * matches exactly the rules it names. */
static char *
compile_verdict(const struct ct_case *c, const struct rule_list *l)
{
	const struct ct_section *want_err = ct_case_find(c, "error");
	const struct ct_section *env = ct_case_find(c, "envelope");
	struct ct_error err = {CT_OK, ""};
	struct ruleset *rs;
	char *msg = NULL;

	rs = rules_compile(l,
	    env && strcmp(env->args, "none") == 0 ? MATCH_ENVELOPE_NONE : MATCH_ENVELOPE_CLOUDTRAIL,
	    &err);
	if (rs == NULL && want_err)
		return error_verdict(want_err, &err);
	if (rs == NULL) {
		if (asprintf(&msg, "compiling failed: %s", err.msg) == -1)
			abort();
		return msg;
	}
	if (want_err)
		msg = strdup("loading and compiling succeeded but an error was expected");
	for (size_t i = 0; i < c->n && msg == NULL; i++)
		if (strcmp(c->v[i].name, "record") == 0)
			msg = record_verdict(rs, &c->v[i]);
	ruleset_free(rs);
	return msg;
}

/* Compares what happened with what the case expects; NULL when they agree. */
static char *
verdict(const struct ct_case *c, const struct rule_list *l, int failed, const struct ct_error *err)
{
	const struct ct_section *want_err = ct_case_find(c, "error");
	const struct ct_section *want_rules = ct_case_find(c, "rules");
	char *msg = NULL;

	if (want_err == NULL && want_rules == NULL && ct_case_find(c, "record") == NULL)
		return strdup("the case expects nothing (no rules, error or record section)");
	if (failed && want_err == NULL) {
		if (asprintf(&msg, "unexpected error: %s", err->msg) == -1)
			abort();
		return msg;
	}
	if (failed)
		return error_verdict(want_err, err);
	if (want_rules && (msg = rules_verdict(want_rules, l)) != NULL)
		return msg;
	return compile_verdict(c, l);
}

START_TEST(test_case)
{
	const char *path = cases[_i];
	struct ct_case c;
	struct rule_list l;
	struct ct_error err = {CT_OK, ""};
	char dir[512], why[4400], *msg;
	int oldcwd, failed = 0;

	ck_assert_msg(ct_case_read(path, 0, &c, why, sizeof(why)) == 0, "%s", why);
	ck_assert_msg(scratch_enter(dir, sizeof(dir), &oldcwd) == 0, "no scratch directory");
	ck_assert_msg(casefile_materialize(&c) == 0, "%s: cannot write its files", path);
	rule_list_init(&l);
	rule_list_declare(&l, user_settings, 2);
	for (size_t i = 0; i < c.n && !failed; i++)
		if (strcmp(c.v[i].name, "load") == 0)
			failed = run_load(&l, &c.v[i], &err) == -1;
	msg = verdict(&c, &l, failed, &err);
	rule_list_free(&l);
	scratch_leave(dir, oldcwd);
	ct_case_free(&c);
	ck_assert_msg(msg == NULL, "%s: %s", path, msg);
}
END_TEST

/* Loaders append; a list freed twice or reused stays sound. */
START_TEST(test_list_reuse)
{
	struct rule_list l;
	struct ct_error err;

	rule_list_init(&l);
	rule_list_declare(&l, user_settings, 2);
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
	rule_list_declare(&l, user_settings, 2);
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

/* A rule file over RULES_FILE_MAX is refused without reading all of it. */
START_TEST(test_file_too_large)
{
	struct rule_list l;
	struct ct_error err;
	char dir[512];
	int oldcwd, fd, r;

	ck_assert_int_eq(scratch_enter(dir, sizeof(dir), &oldcwd), 0);
	fd = open("big.json", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, RULES_FILE_MAX + 1), 0);
	close(fd);
	rule_list_init(&l);
	rule_list_declare(&l, user_settings, 2);
	r = rules_load_json_file(&l, "big.json", &err);
	scratch_leave(dir, oldcwd);
	ck_assert_int_eq(r, -1);
	ck_assert_int_eq(err.code, CT_ERR_LIMIT);
	ck_assert_str_eq(err.msg, "big.json: rule file larger than 16 MiB");
	rule_list_free(&l);
}
END_TEST

/* A rule file of exactly RULES_FILE_MAX bytes is still read. */
START_TEST(test_file_at_limit)
{
	static char spaces[65536];
	struct rule_list l;
	struct ct_error err = {CT_OK, ""};
	char dir[512];
	int oldcwd, r;
	FILE *f;

	memset(spaces, ' ', sizeof(spaces));
	ck_assert_int_eq(scratch_enter(dir, sizeof(dir), &oldcwd), 0);
	ck_assert_ptr_nonnull(f = fopen("big.json", "w"));
	fputs("[]", f);
	for (size_t left = RULES_FILE_MAX - 2; left > 0;) {
		size_t n = left < sizeof(spaces) ? left : sizeof(spaces);

		fwrite(spaces, 1, n, f);
		left -= n;
	}
	ck_assert_int_eq(fclose(f), 0);
	rule_list_init(&l);
	rule_list_declare(&l, user_settings, 2);
	r = rules_load_json_file(&l, "big.json", &err);
	scratch_leave(dir, oldcwd);
	ck_assert_msg(r == 0, "%s", err.msg);
	ck_assert_uint_eq(l.n, 0);
	rule_list_free(&l);
}
END_TEST

/* A FIFO named like a rule file is refused, not waited on. */
START_TEST(test_fifo)
{
	struct rule_list l;
	struct ct_error err;
	char dir[512];
	int oldcwd, r;

	ck_assert_int_eq(scratch_enter(dir, sizeof(dir), &oldcwd), 0);
	ck_assert_int_eq(mkfifo("pipe.json", 0600), 0);
	rule_list_init(&l);
	rule_list_declare(&l, user_settings, 2);
	r = rules_load_json_file(&l, "pipe.json", &err);
	scratch_leave(dir, oldcwd);
	ck_assert_int_eq(r, -1);
	ck_assert_int_eq(err.code, CT_ERR_IO);
	ck_assert_str_eq(err.msg, "pipe.json: not a regular file");
	rule_list_free(&l);
}
END_TEST

/* A list file of 5,000 rules, each on its own line padded with blanks (5 MB):
 * their line numbers are counted in one pass over the file. Counting each
 * from the start of the file reads 12.5 billion bytes here. */
#define LIST_RULES 5000
#define LIST_PAD   1000

START_TEST(test_list_file_scale)
{
	static char pad[LIST_PAD + 1];
	struct rule_list l;
	struct ct_error err = {CT_OK, ""};
	struct ruleset *rs;
	char dir[512];
	int oldcwd, r;
	FILE *f;

	memset(pad, ' ', LIST_PAD);
	ck_assert_int_eq(scratch_enter(dir, sizeof(dir), &oldcwd), 0);
	ck_assert_ptr_nonnull(f = fopen("many.json", "w"));
	fputs("[\n", f);
	for (int i = 0; i < LIST_RULES; i++)
		fprintf(f,
		    "{\"name\": \"rule-%04d\", \"pattern\": {\"eventName\": [\"Call%d\"]}}%s%s\n",
		    i, i, i + 1 < LIST_RULES ? "," : "", pad);
	fputs("]\n", f);
	ck_assert_int_eq(fclose(f), 0);
	rule_list_init(&l);
	rule_list_declare(&l, user_settings, 2);
	r = rules_load_json_file(&l, "many.json", &err);
	scratch_leave(dir, oldcwd);
	ck_assert_msg(r == 0, "%s", err.msg);
	ck_assert_uint_eq(l.n, LIST_RULES);
	ck_assert_str_eq(l.v[0].origin, "many.json:2");
	ck_assert_str_eq(l.v[LIST_RULES - 1].name, "rule-4999");
	ck_assert_str_eq(l.v[LIST_RULES - 1].origin, "many.json:5001");
	ck_assert_ptr_nonnull(rs = rules_compile(&l, MATCH_ENVELOPE_CLOUDTRAIL, &err));
	ck_assert_uint_eq(ruleset_size(rs), LIST_RULES);
	ruleset_free(rs);
	rule_list_free(&l);
}
END_TEST

/* rules_compile refuses two rules of one name even in a list not built by
 * the loaders, and compiles an empty list. */
START_TEST(test_compile_duplicate)
{
	struct rule_list l;
	struct ct_error err;
	struct ruleset *rs;

	rule_list_init(&l);
	rule_list_declare(&l, user_settings, 2);
	ck_assert_ptr_nonnull(rs = rules_compile(&l, MATCH_ENVELOPE_CLOUDTRAIL, &err));
	ck_assert_uint_eq(ruleset_size(rs), 0);
	ruleset_free(rs);
	ck_assert_int_eq(rules_add_pattern(&l, "a", "{\"x\":[1]}", "one.json", &err), 0);
	ck_assert_int_eq(rules_add_pattern(&l, "b", "{\"x\":[2]}", "two.json", &err), 0);
	ck_assert_int_eq(rules_add_pattern(&l, "c", "{\"x\":[3]}", "three.json", &err), 0);
	free(l.v[2].name);
	l.v[2].name = strdup("a");
	ck_assert_ptr_null(rules_compile(&l, MATCH_ENVELOPE_CLOUDTRAIL, &err));
	ck_assert_int_eq(err.code, CT_ERR_CONFIG);
	ck_assert_str_eq(
	    err.msg, "three.json: rule 'a': duplicate rule name (first defined at one.json)");
	rule_list_free(&l);
}
END_TEST

static Suite *
rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("cases");
	TCase *api = tcase_create("api");
	TCase *scale = tcase_create("scale");
	char *dir;

	if (asprintf(&dir, "%s/tests/rules/cases", ct_top_srcdir()) == -1)
		abort();
	ncases = ct_case_list(dir, "*.case", &cases);
	free(dir);
	if (ncases == 0) {
		fprintf(stderr, "no case files below %s/tests/rules/cases\n", ct_top_srcdir());
		return NULL;
	}
	tcase_add_loop_test(tc, test_case, 0, (int)ncases);
	suite_add_tcase(s, tc);
	tcase_add_test(api, test_list_reuse);
	tcase_add_test(api, test_many_rules);
	tcase_add_test(api, test_file_too_large);
	tcase_add_test(api, test_file_at_limit);
	tcase_add_test(api, test_fifo);
	tcase_add_test(api, test_compile_duplicate);
	suite_add_tcase(s, api);
	/* bounded: a load that is quadratic in the rules does not finish */
	tcase_set_timeout(scale, 20);
	tcase_add_test(scale, test_list_file_scale);
	suite_add_tcase(s, scale);
	return s;
}

CT_CHECK_MAIN(rules_suite)
