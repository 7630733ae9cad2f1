/*
 * ctalertd test and ctalertd rules: the rules themselves, for the people who
 * write them.
 *
 * `ctalertd test [PATH...]` runs every rule's own tests (docs/rules.md):
 * each test's record goes through the record stream and the compiled rules
 * exactly as a log's record would, and the rule must match it, or must not.
 * One line per rule; exit 0 when every test passed, 1 when one failed, 2 on
 * an error. `ctalertd rules [PATH...]` lists the rules: name, kind,
 * severity, where each is defined and the record fields it reads.
 *
 * A PATH is a rules directory, a *.json rule file or a ctalertd
 * configuration file (*.conf); without one, the rules of CT_RULES_DIR.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "commands.h"
#include "daemon/route.h"
#include "match/match.h"
#include "rules/rules.h"
#include "stream/records.h"
#include "util/error.h"
#include "util/log.h"

#ifndef CT_RULES_DIR
#define CT_RULES_DIR "/etc/ctalertd/rules.d"
#endif

/* What the command line of either command says. */
struct rules_args {
	const char *cmd; /* "test" or "rules" */
	enum match_envelope envelope;
	char **paths; /* borrowed from argv */
	int npaths;
};

static void
usage(const char *cmd)
{
	if (strcmp(cmd, "test") == 0)
		printf("Usage: ctalertd test [OPTION]... [PATH]...\n"
		       "Run every rule's own tests: each test's record must match its rule, or\n"
		       "must not, as the test says. Prints one line per rule: passed, failed\n"
		       "(with the record that disagreed) or untested.\n");
	else
		printf("Usage: ctalertd rules [OPTION]... [PATH]...\n"
		       "List the rules, one a line, tab-separated: name, kind (EventBridge or\n"
		       "native), severity, where it is defined, and the record fields it reads.\n");
	printf("\n"
	       "PATH is a rules directory, a *.json rule file or a ctalertd configuration\n"
	       "file (*.conf); default: the rules in %s.\n"
	       "\n"
	       "      --envelope=KIND  cloudtrail (default): patterns may use the EventBridge\n"
	       "                       \"AWS API Call via CloudTrail\" envelope; none: every\n"
	       "                       pattern matches the record itself\n"
	       "  -h, --help           display this help and exit\n"
	       "\n"
	       "%s"
	       "Report bugs to: %s\n",
	    CT_RULES_DIR,
	    strcmp(cmd, "test") == 0
	        ? "Exit status is 0 if every test passed, 1 if one failed, 2 on an error.\n"
	        : "Exit status is 0, or 2 on an error.\n",
	    PACKAGE_BUGREPORT);
}

/* Returns -1 to go on, or the exit status. */
static int
parse_args(struct rules_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"envelope", required_argument, NULL, 'e'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, started = 0;

	a->envelope = MATCH_ENVELOPE_CLOUDTRAIL;
	while ((c = cmd_getopt(a->cmd, argc, argv, "h", opts, &started)) != -1) {
		if (c == 'h') {
			usage(a->cmd);
			return 0;
		}
		if (c == '?')
			return 2;
		if (strcmp(optarg, "cloudtrail") == 0)
			a->envelope = MATCH_ENVELOPE_CLOUDTRAIL;
		else if (strcmp(optarg, "none") == 0)
			a->envelope = MATCH_ENVELOPE_NONE;
		else
			return cmd_usage_error(
			    a->cmd, "invalid --envelope '%s' (cloudtrail or none)", optarg);
	}
	a->paths = argv + optind;
	a->npaths = argc - optind;
	return -1;
}

static int
load(const struct rules_args *a, struct rule_list *l, struct ct_error *err)
{
	if (a->npaths == 0)
		return rules_load_dir(l, CT_RULES_DIR, err);
	for (int i = 0; i < a->npaths; i++)
		if (rules_load_path(l, a->paths[i], err) == -1)
			return -1;
	return 0;
}

/* ---- ctalertd test ---- */

/* One test being run: which rule it is for, and what the stream said. */
struct run {
	size_t rule;         /* the ruleset index of the rule under test */
	int matched;         /* the record matched it */
	int failed;          /* the record could not be matched */
	struct ct_error err; /* why, when failed */
};

static int
on_match(
    void *arg, const struct record_ref *rec, const size_t *rules, size_t n, struct ct_error *err)
{
	struct run *run = arg;

	(void)rec;
	(void)err;
	for (size_t i = 0; i < n; i++)
		run->matched |= rules[i] == run->rule;
	return 0;
}

static void
on_record_error(void *arg, const struct record_ref *rec, const struct ct_error *err)
{
	struct run *run = arg;

	(void)rec;
	run->failed = 1;
	run->err = *err;
}

/* Runs one test's record through a stream of its own, as a line of NDJSON. */
static int
run_test(const struct ruleset *rs, struct matcher *m, struct run *run, const char *source,
    const char *record)
{
	struct records_opts o = {RECORDS_NDJSON, 0, 0, NULL};
	struct records_cb cb = {on_match, on_record_error, run};
	struct records *r = records_new(&o, rs, m, &cb, &run->err);
	int rc = -1;

	run->matched = run->failed = 0;
	if (r != NULL && records_reset(r, source, &run->err) == 0 &&
	    records_feed(r, record, strlen(record), &run->err) == 0 &&
	    records_feed(r, "\n", 1, &run->err) == 0 && records_finish(r, &run->err) == 0)
		rc = run->failed ? -1 : 0;
	records_free(r);
	return rc;
}

/* A rule's tests: its own, or those of NAME.tests.json beside its file. */
static int
rule_tests(const struct rule *r, struct rule_test **owned, const struct rule_test **tests,
    size_t *n, struct ct_error *err)
{
	*owned = NULL;
	*tests = r->tests;
	*n = r->ntests;
	if (r->ntests > 0)
		return 0;
	if (rule_tests_beside(r, owned, n, err) == -1)
		return -1;
	*tests = *owned;
	return 0;
}

/* Runs rule i's tests and prints its line; 0 passed or untested, 1 failed,
 * 2 an error. */
static int
test_rule(const struct ruleset *rs, struct matcher *m, const struct rule *r, size_t i)
{
	const struct rule_test *tests, *bad = NULL;
	struct rule_test *owned;
	struct run run = {.rule = i};
	size_t n, nbad = 0;
	char source[160];

	if (rule_tests(r, &owned, &tests, &n, &run.err) == -1) {
		log_err("%s", run.err.msg);
		return 2;
	}
	for (size_t t = 0; t < n; t++) {
		snprintf(source, sizeof(source), "%s: test '%s'", r->origin, tests[t].name);
		if (run_test(rs, m, &run, source, tests[t].record) == -1) {
			log_err("rule '%s': %s", r->name, run.err.msg);
			rule_tests_free(owned, owned ? n : 0);
			return 2;
		}
		if (run.matched != tests[t].match && nbad++ == 0)
			bad = &tests[t];
	}
	if (n == 0)
		printf("untested %s\n", r->name);
	else if (bad == NULL)
		printf("passed %s (%zu test%s)\n", r->name, n, n == 1 ? "" : "s");
	else
		printf("failed %s: test '%s' %s (%zu of %zu tests failed): %s\n", r->name,
		    bad->name, bad->match ? "must match and did not" : "must not match and did",
		    nbad, n, bad->record);
	rule_tests_free(owned, owned ? n : 0);
	return bad != NULL;
}

static int
test_all(const struct rule_list *l, const struct ruleset *rs)
{
	struct matcher *m = matcher_new(rs);
	int status = 0;

	if (m == NULL) {
		log_err("out of memory");
		return 2;
	}
	for (size_t i = 0; i < l->n; i++) {
		int r = test_rule(rs, m, &l->v[i], i);
		if (r > status)
			status = r;
	}
	matcher_free(m);
	return status;
}

static int
test_body(const struct rules_args *a, const struct rule_list *l, struct ct_error *err)
{
	struct ruleset *rs = rules_compile(l, a->envelope, err);
	int status;

	if (rs == NULL)
		return 2;
	status = test_all(l, rs);
	ruleset_free(rs);
	return status;
}

/* ---- ctalertd rules ---- */

static int
cmp_field(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the fields one pattern of r reads to *all (sorted and made distinct
 * by the caller). */
static int
add_fields(const struct rule *r, const char *pattern, enum match_envelope env, char ***all,
    size_t *n, struct ct_error *err)
{
	char **fields, **v;
	size_t k;

	if (match_pattern_fields(r->name, pattern, env, &fields, &k, err) == -1)
		return -1;
	if ((v = realloc(*all, (*n + k + 1) * sizeof(*v))) == NULL) {
		match_fields_free(fields, k);
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	}
	memcpy(v + *n, fields, k * sizeof(*v));
	free(fields); /* its strings are now in v */
	*all = v;
	*n += k;
	return 0;
}

/* The fields r reads: those of its patterns and its exceptions, each once. */
static int
rule_fields(
    const struct rule *r, enum match_envelope env, char ***all, size_t *n, struct ct_error *err)
{
	size_t k = 0;
	int rc = 0;

	*all = NULL;
	*n = 0;
	if (r->pattern)
		rc = add_fields(r, r->pattern, env, all, n, err);
	for (size_t i = 0; rc == 0 && i < r->nparts; i++)
		rc = add_fields(r, r->parts[i].pattern, env, all, n, err);
	for (size_t i = 0; rc == 0 && i < r->nexceptions; i++)
		rc = add_fields(r, r->exceptions[i], env, all, n, err);
	if (rc == -1) {
		match_fields_free(*all, *n);
		return -1;
	}
	if (*n > 1)
		qsort(*all, *n, sizeof(**all), cmp_field);
	for (size_t i = 0; i < *n; i++) {
		if (k > 0 && strcmp((*all)[k - 1], (*all)[i]) == 0)
			free((*all)[i]);
		else
			(*all)[k++] = (*all)[i];
	}
	*n = k;
	return 0;
}

static int
list_rule(const struct rule *r, enum match_envelope env, struct ct_error *err)
{
	char **fields;
	size_t n;

	if (rule_fields(r, env, &fields, &n, err) == -1) {
		ct_error_prefix(err, "%s", r->origin);
		return -1;
	}
	printf("%s\t%s\t%s\t%s\t", r->name, rule_kind_name(r->kind), r->severity, r->origin);
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? "," : "", fields[i]);
	putchar('\n');
	match_fields_free(fields, n);
	return 0;
}

int
rules_print_list(const struct rule_list *l, enum match_envelope env, struct ct_error *err)
{
	for (size_t i = 0; i < l->n; i++)
		if (list_rule(&l->v[i], env, err) == -1)
			return -1;
	return 0;
}

static int
rules_body(const struct rules_args *a, const struct rule_list *l, struct ct_error *err)
{
	struct ruleset *rs = rules_compile(l, a->envelope, err); /* the matcher's checks */

	if (rs == NULL)
		return 2;
	ruleset_free(rs);
	return rules_print_list(l, a->envelope, err) == -1 ? 2 : 0;
}

/* ---- both ---- */

/* What a command does with the rules it loaded: its exit status; when it is
 * 2 with err set, err says why. */
typedef int (*rules_body_fn)(
    const struct rules_args *a, const struct rule_list *l, struct ct_error *err);

static int
run_command(const char *cmd, int argc, char **argv, rules_body_fn body)
{
	struct rules_args a = {.cmd = cmd};
	struct rule_list l;
	struct ct_error err;
	int status;

	log_init("ctalertd", LOG_TARGET_TEXT, LOG_INFO);
	if ((status = parse_args(&a, argc, argv)) >= 0)
		return status;
	rule_list_init(&l);
	route_declare(&l); /* rule files shared with the daemon name topics */
	ct_error_clear(&err);
	status = load(&a, &l, &err) == -1 ? 2 : body(&a, &l, &err);
	if (status == 2 && err.code != CT_OK)
		log_err("%s", err.msg);
	if (fflush(stdout) == EOF)
		status = 2;
	rule_list_free(&l);
	return status;
}

int
cmd_test(int argc, char **argv)
{
	return run_command("test", argc, argv, test_body);
}

int
cmd_rules(int argc, char **argv)
{
	return run_command("rules", argc, argv, rules_body);
}
