/*
 * The shipped rule pack, etc/rules.d: it loads, every rule says what it is
 * about, and every rule carries tests (its "tests" member) with records that
 * fire it and near misses that must not. Stricter than `ctalertd test`: a
 * record that fires its rule fires no other, a near miss fires none, with
 * the CloudTrail envelope and without it.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casefile.h"
#include "rules/rules.h"
#include "stream/prefilter.h"
#include "tests/lib/check_main.h"

/* One test of one rule of the pack. */
struct pack_test {
	const struct rule *rule;      /* borrowed from pack */
	const struct rule_test *test; /* borrowed from its rule */
};

static struct rule_list pack;
static char *pack_dir; /* etc/rules.d */
static struct pack_test *tests;
static size_t ntests;
static struct ruleset *compiled[2]; /* with the CloudTrail envelope, and with none */

static void
load_pack(void)
{
	struct ct_error err;

	rule_list_init(&pack);
	if (asprintf(&pack_dir, "%s/etc/rules.d", ct_top_srcdir()) == -1)
		abort();
	if (rules_load_dir(&pack, pack_dir, &err) == -1 ||
	    (compiled[0] = rules_compile(&pack, MATCH_ENVELOPE_CLOUDTRAIL, &err)) == NULL ||
	    (compiled[1] = rules_compile(&pack, MATCH_ENVELOPE_NONE, &err)) == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
	for (size_t i = 0; i < pack.n; i++) {
		tests = realloc(tests, (ntests + pack.v[i].ntests + 1) * sizeof(*tests));
		if (tests == NULL)
			abort();
		for (size_t t = 0; t < pack.v[i].ntests; t++)
			tests[ntests++] = (struct pack_test){&pack.v[i], &pack.v[i].tests[t]};
	}
}

/* A record fires exactly the rule it tests, or (match false) no rule at
 * all, whether patterns see the CloudTrail envelope or not. */
START_TEST(test_pack_record)
{
	const struct pack_test *pt = &tests[_i];

	for (int e = 0; e < 2; e++) {
		struct buf got = BUF_INIT;
		const char *want = pt->test->match ? pt->rule->name : "";

		ck_assert_msg(match_record(compiled[e], pt->test->record, &got) == 0,
		    "%s: test '%s': not JSON", pt->rule->name, pt->test->name);
		ck_assert_msg(strcmp(got.data ? got.data : "", want) == 0,
		    "%s: test '%s' (envelope %s): matched [%s], expected [%s]", pt->rule->name,
		    pt->test->name, e ? "none" : "cloudtrail", got.data ? got.data : "", want);
		buf_free(&got);
	}
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

/* Every rule has records that fire it and records that must not, named
 * fires* and must-not* so that a reader of the file knows which is which. */
START_TEST(test_pack_has_records)
{
	const struct rule *r = &pack.v[_i];
	size_t fires = 0, misses = 0;

	for (size_t i = 0; i < r->ntests; i++) {
		const struct rule_test *t = &r->tests[i];

		if (t->match && strncmp(t->name, "fires", 5) == 0)
			fires++;
		else if (!t->match && strncmp(t->name, "must-not", 8) == 0)
			misses++;
		else
			ck_abort_msg("%s: test '%s' (match %s) is neither fires* with match true "
			             "nor must-not* with match false",
			    r->name, t->name, t->match ? "true" : "false");
	}
	ck_assert_msg(fires > 0, "%s: no test that fires it", r->name);
	ck_assert_msg(misses > 0, "%s: no must-not test", r->name);
}
END_TEST

/* The pack is served by the prefilter, which is where most of scan's speed
 * comes from: every rule needs some literal, with the envelope or without.
 * A rule added that needs none (exists: false alone, an anything-but, a
 * number) would make every record parsed; it belongs in another file. */
START_TEST(test_pack_prefilter)
{
	for (int e = 0; e < 2; e++) {
		struct ct_error err;
		struct prefilter *pf = prefilter_new(compiled[e], &err);

		ck_assert_msg(pf != NULL, "no prefilter for the pack (%s): %s",
		    e ? "no envelope" : "CloudTrail envelope",
		    err.code != CT_OK ? err.msg : "some rule needs no literal");
		ck_assert_uint_ge(prefilter_literals(pf), pack.n);
		prefilter_free(pf);
	}
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
	tcase_add_loop_test(tc, test_pack_record, 0, (int)ntests);
	tcase_add_test(tc, test_pack_prefilter);
	suite_add_tcase(s, tc);
	return s;
}

CT_CHECK_MAIN(pack_suite)
