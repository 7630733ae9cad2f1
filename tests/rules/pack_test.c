/*
 * The shipped rule pack, etc/rules.d: it loads, every rule says what it is
 * about, and every rule has records in tests/rules/pack/<rule>/ that fire it
 * (fires*.json) and near misses that must not (must-not*.json).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "casefile.h"
#include "rules/rules.h"
#include "tests/lib/check_main.h"

static struct rule_list pack;
static char *pack_dir;  /* etc/rules.d */
static char *tests_dir; /* tests/rules/pack */
static char **records;  /* tests/rules/pack/<rule>/<record>.json */
static size_t nrecords;
static struct ruleset *compiled[2]; /* with the CloudTrail envelope, and with none */

static void
load_pack(void)
{
	struct ct_error err;

	rule_list_init(&pack);
	if (asprintf(&pack_dir, "%s/etc/rules.d", ct_top_srcdir()) == -1 ||
	    asprintf(&tests_dir, "%s/tests/rules/pack", ct_top_srcdir()) == -1)
		abort();
	if (rules_load_dir(&pack, pack_dir, &err) == -1 ||
	    (compiled[0] = rules_compile(&pack, MATCH_ENVELOPE_CLOUDTRAIL, &err)) == NULL ||
	    (compiled[1] = rules_compile(&pack, MATCH_ENVELOPE_NONE, &err)) == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
	for (size_t i = 0; i < pack.n; i++) {
		char *dir, **files;
		size_t n;

		if (asprintf(&dir, "%s/%s", tests_dir, pack.v[i].name) == -1)
			abort();
		n = ct_case_list(dir, "*.json", &files);
		records = realloc(records, (nrecords + n) * sizeof(*records));
		memcpy(records + nrecords, files, n * sizeof(*files));
		nrecords += n;
		free(files);
		free(dir);
	}
}

/* A record fires exactly the rule of its folder, or (must-not) no rule at all,
 * whether patterns see the CloudTrail envelope or not. */
START_TEST(test_pack_record)
{
	const char *path = records[_i];
	const char *base = strrchr(path, '/') + 1;
	char *rule = strndup(
	    path + strlen(tests_dir) + 1, (size_t)(base - 1 - path - strlen(tests_dir) - 1));
	char *text = NULL;
	size_t len;
	FILE *f = fopen(path, "r");

	ck_assert_msg(f != NULL, "%s: cannot open", path);
	ck_assert_int_ne(getdelim(&text, &len, '\0', f), -1);
	fclose(f);
	for (int e = 0; e < 2; e++) {
		struct buf got = BUF_INIT;
		const char *want = strncmp(base, "fires", 5) == 0 ? rule : "";

		ck_assert_msg(match_record(compiled[e], text, &got) == 0, "%s: not JSON", path);
		ck_assert_msg(strcmp(got.data ? got.data : "", want) == 0,
		    "%s (envelope %s): matched [%s], expected [%s]", path,
		    e ? "none" : "cloudtrail", got.data ? got.data : "", want);
		buf_free(&got);
	}
	free(text);
	free(rule);
}
END_TEST

/* Each rule is described, in a file of its own name. */
START_TEST(test_pack_rules)
{
	const struct rule *r = &pack.v[_i];
	const char *base = strrchr(r->origin, '/') + 1;
	size_t len = strlen(r->name);

	ck_assert_msg(r->description && strlen(r->description) > 20, "%s: no description", r->name);
	ck_assert_msg(strncmp(base, r->name, len) == 0 && strcmp(base + len, ".json") == 0,
	    "%s: defined in %s, not in %s.json", r->name, r->origin, r->name);
}
END_TEST

/* Every rule has records that fire it and records that must not. */
START_TEST(test_pack_has_records)
{
	const struct rule *r = &pack.v[_i];
	char *dir, **files;
	size_t n, fires = 0, misses = 0;

	if (asprintf(&dir, "%s/%s", tests_dir, r->name) == -1)
		abort();
	n = ct_case_list(dir, "*.json", &files);
	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(files[i], '/') + 1;

		if (strncmp(base, "fires", 5) == 0)
			fires++;
		else if (strncmp(base, "must-not", 8) == 0)
			misses++;
		else
			ck_abort_msg("%s: neither fires*.json nor must-not*.json", files[i]);
	}
	ct_case_list_free(files, n);
	free(dir);
	ck_assert_msg(fires > 0, "%s: no fires*.json record", r->name);
	ck_assert_msg(misses > 0, "%s: no must-not*.json record", r->name);
}
END_TEST

/* Every folder of records belongs to a rule of the pack. */
START_TEST(test_pack_no_stray_records)
{
	char **dirs;
	size_t n = ct_case_list(tests_dir, "*", &dirs);

	ck_assert_uint_gt(n, 0);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			ck_assert_msg(rule_list_find(&pack, strrchr(dirs[i], '/') + 1) != NULL,
			    "%s: no such rule in %s", dirs[i], pack_dir);
	}
	ct_case_list_free(dirs, n);
}
END_TEST

static Suite *
pack_suite(void)
{
	Suite *s = suite_create("pack");
	TCase *tc = tcase_create("pack");

	load_pack();
	if (pack.n == 0) {
		fprintf(stderr, "%s: no rules\n", pack_dir);
		return NULL;
	}
	tcase_add_loop_test(tc, test_pack_rules, 0, (int)pack.n);
	tcase_add_loop_test(tc, test_pack_has_records, 0, (int)pack.n);
	tcase_add_test(tc, test_pack_no_stray_records);
	tcase_add_loop_test(tc, test_pack_record, 0, (int)nrecords);
	suite_add_tcase(s, tc);
	return s;
}

CT_CHECK_MAIN(pack_suite)
