/*
 * match_test: runs every case file of tests/match/cases through the matcher.
 *
 * A case file holds records separated by blank lines; '#' starts a comment.
 *
 *   pattern: {"eventName": ["CreateTopic"]}     one rule, named "r"
 *   rule: NAME {...}                            or several named rules
 *   envelope: none                              (default: cloudtrail)
 *   event: {"eventName": "CreateTopic"}         a record, fed as the stream does
 *   match: true                                 the single rule matches (or false)
 *   matches: a c                                exactly these rules match ("-": none)
 *   invalid: Empty arrays are not allowed       compiling fails, message has this
 *
 * A record without pattern/rule lines reuses the rules (and envelope) of the
 * record before it in the same file, so one pattern can face many events.
 * Each record with an expectation is one test.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <yajl/yajl_tree.h>

#include "match/match.h"
#include "tests/lib/check_main.h"
#include "walk.h"

#ifndef CASES_DIR
#define CASES_DIR "tests/match/cases"
#endif

#define MAX_RULES 16

enum expect { EXPECT_MATCH, EXPECT_NOMATCH, EXPECT_LIST, EXPECT_INVALID };

struct tcase {
	char where[256];           /* file:line of the expectation */
	char origin[256];          /* file:line of the first rule: the rules' origin */
	char *names[MAX_RULES];    /* owned */
	char *patterns[MAX_RULES]; /* owned */
	size_t nrules;
	enum match_envelope env;
	char *event; /* owned; NULL for invalid cases */
	enum expect expect;
	char *want; /* owned: the rule list or the message substring */
};

static struct tcase *cases;
static size_t ncases;
static size_t *leaders; /* cases whose rules no valid case before them has */
static size_t nleaders;

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		abort();
	return p;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static void
add_case(const struct tcase *c)
{
	struct tcase *v = realloc(cases, (ncases + 1) * sizeof(*cases));

	if (v == NULL)
		abort();
	cases = v;
	cases[ncases] = *c;
	for (size_t i = 0; i < c->nrules; i++) {
		cases[ncases].names[i] = xstrdup(c->names[i]);
		cases[ncases].patterns[i] = xstrdup(c->patterns[i]);
	}
	cases[ncases].event = c->event ? xstrdup(c->event) : NULL;
	cases[ncases].want = xstrdup(c->want ? c->want : "");
	ncases++;
}

struct reader {
	struct tcase cur; /* rules carried from record to record */
	int rules_reset;  /* a rule line was seen in this record */
	char *event, *want;
	int have_expect;
	enum expect expect;
	int line;
	const char *file;
};

static void
clear_rules(struct reader *r)
{
	for (size_t i = 0; i < r->cur.nrules; i++) {
		free(r->cur.names[i]);
		free(r->cur.patterns[i]);
	}
	r->cur.nrules = 0;
	r->cur.env = MATCH_ENVELOPE_CLOUDTRAIL;
}

static void
end_record(struct reader *r)
{
	if (r->have_expect) {
		if (r->cur.nrules == 0) {
			fprintf(stderr, "%s:%d: case without rules\n", r->file, r->line);
			exit(99);
		}
		r->cur.event = r->event;
		r->cur.want = r->want;
		r->cur.expect = r->expect;
		add_case(&r->cur);
	}
	free(r->event);
	free(r->want);
	r->event = r->want = NULL;
	r->have_expect = 0;
	r->rules_reset = 0;
}

static void
add_rule(struct reader *r, const char *name, const char *json)
{
	if (!r->rules_reset) {
		clear_rules(r);
		r->rules_reset = 1;
	}
	if (r->cur.nrules == MAX_RULES) {
		fprintf(stderr, "%s:%d: too many rules\n", r->file, r->line);
		exit(99);
	}
	if (r->cur.nrules == 0)
		snprintf(r->cur.origin, sizeof(r->cur.origin), "%s:%d", r->file, r->line);
	r->cur.names[r->cur.nrules] = xstrdup(name);
	r->cur.patterns[r->cur.nrules++] = xstrdup(json);
}

static void
read_line(struct reader *r, char *line)
{
	char *colon = strchr(line, ':'), *key = line, *val;

	if (colon == NULL) {
		fprintf(stderr, "%s:%d: expected 'key: value'\n", r->file, r->line);
		exit(99);
	}
	*colon = '\0';
	key = trim(key);
	val = trim(colon + 1);
	if (strcmp(key, "pattern") == 0) {
		add_rule(r, "r", val);
	} else if (strcmp(key, "rule") == 0) {
		char *sp = strchr(val, ' ');
		if (sp == NULL)
			exit(99);
		*sp = '\0';
		add_rule(r, val, trim(sp + 1));
	} else if (strcmp(key, "envelope") == 0) {
		r->cur.env =
		    strcmp(val, "none") == 0 ? MATCH_ENVELOPE_NONE : MATCH_ENVELOPE_CLOUDTRAIL;
	} else if (strcmp(key, "event") == 0) {
		free(r->event);
		r->event = xstrdup(val);
	} else if (strcmp(key, "match") == 0 || strcmp(key, "matches") == 0 ||
	           strcmp(key, "invalid") == 0) {
		r->have_expect = 1;
		free(r->want);
		r->want = xstrdup(val);
		if (*key == 'i')
			r->expect = EXPECT_INVALID;
		else if (strcmp(key, "matches") == 0)
			r->expect = EXPECT_LIST;
		else
			r->expect = strcmp(val, "true") == 0 ? EXPECT_MATCH : EXPECT_NOMATCH;
		snprintf(r->cur.where, sizeof(r->cur.where), "%s:%d", r->file, r->line);
	} else if (strcmp(key, "name") != 0) {
		fprintf(stderr, "%s:%d: unknown key '%s'\n", r->file, r->line, key);
		exit(99);
	}
}

static void
read_file(const char *dir, const char *name)
{
	char path[2400], line[65536];
	struct reader r;
	FILE *f;

	memset(&r, 0, sizeof(r));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		exit(99);
	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		exit(99);
	}
	r.file = name;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *t = trim(line);
		r.line++;
		if (*t == '#')
			continue;
		if (*t == '\0')
			end_record(&r);
		else
			read_line(&r, t);
	}
	end_record(&r);
	clear_rules(&r);
	fclose(f);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
load_cases(void)
{
	const char *top = getenv("top_srcdir");
	char dir[1024];
	char *names[1024];
	size_t n = 0;
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tests/match/cases", top ? top : ".");
	if ((d = opendir(dir)) == NULL && (d = opendir(CASES_DIR)) != NULL)
		snprintf(dir, sizeof(dir), "%s", CASES_DIR);
	if (d == NULL) {
		perror(dir);
		exit(99);
	}
	while ((de = readdir(d)) != NULL && n < 1024) {
		size_t len = strlen(de->d_name);
		if (len > 5 && strcmp(de->d_name + len - 5, ".case") == 0)
			names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		read_file(dir, names[i]);
		free(names[i]);
	}
}

/* Ends the record in m: the names of the matched rules, space-separated,
 * "-" for none. */
static void
names_of(struct matcher *m, const struct ruleset *rs, char *out, size_t cap)
{
	const size_t *hits;
	size_t n = matcher_end(m, &hits);

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		ck_assert(i == 0 || hits[i - 1] < hits[i]);
		if (i > 0)
			strncat(out, " ", cap - strlen(out) - 1);
		strncat(out, ruleset_rule_name(rs, hits[i]), cap - strlen(out) - 1);
	}
	if (n == 0)
		snprintf(out, cap, "-");
}

/* The names of the rules the case's event matches (see names_of). */
static void
run_event(const struct tcase *c, const struct ruleset *rs, char *out, size_t cap)
{
	char ebuf[256];
	yajl_val ev = yajl_tree_parse(c->event, ebuf, sizeof(ebuf));
	struct matcher *m = matcher_new(rs);
	const size_t *hits;

	ck_assert_msg(ev != NULL, "%s: event is not JSON: %s", c->where, ebuf);
	ck_assert_ptr_nonnull(m);
	/* Twice: the second record must not see anything of the first. */
	for (int round = 0; round < 2; round++) {
		matcher_begin(m);
		walk_value(m, match_root(rs), ev);
		if (round == 0)
			matcher_end(m, &hits);
	}
	names_of(m, rs, out, cap);
	matcher_free(m);
	yajl_tree_free(ev);
}

/* Whether what matched (as names_of says) is what c expects. */
static void
check_expect(const struct tcase *c, const char *got, const char *how)
{
	if (c->expect == EXPECT_LIST)
		ck_assert_msg(strcmp(got, c->want) == 0, "%s: matched \"%s\", expected \"%s\"%s",
		    c->where, got, c->want, how);
	else
		ck_assert_msg((strcmp(got, "-") != 0) == (c->expect == EXPECT_MATCH),
		    "%s: matched \"%s\", expected match: %s%s", c->where, got,
		    c->expect == EXPECT_MATCH ? "true" : "false", how);
}

START_TEST(test_case)
{
	const struct tcase *c = &cases[_i];
	struct rule_def defs[MAX_RULES];
	struct ct_error err;
	struct ruleset *rs;
	char got[1024];

	memset(defs, 0, sizeof(defs));
	for (size_t i = 0; i < c->nrules; i++) {
		defs[i].name = c->names[i];
		defs[i].pattern = c->patterns[i];
		defs[i].origin = c->origin;
	}
	rs = ruleset_compile(defs, c->nrules, c->env, &err);
	if (c->expect == EXPECT_INVALID) {
		ck_assert_msg(
		    rs == NULL, "%s: pattern accepted, expected \"%s\"", c->where, c->want);
		ck_assert_msg(strstr(err.msg, c->want) != NULL, "%s: got \"%s\", expected \"%s\"",
		    c->where, err.msg, c->want);
		ck_assert_int_eq(err.code, CT_ERR_PATTERN);
		if (c->nrules == 1) {
			/* Without an origin: compare from the part that does not name it. */
			const char *w = strstr(c->want, "invalid event pattern");
			ck_assert_int_eq(
			    match_pattern_validate(c->names[0], c->patterns[0], &err), -1);
			ck_assert_msg(strstr(err.msg, w ? w : c->want) != NULL,
			    "%s: validate said \"%s\"", c->where, err.msg);
		}
		return;
	}
	ck_assert_msg(rs != NULL, "%s: %s", c->where, err.msg);
	for (size_t i = 0; i < c->nrules; i++)
		ck_assert_msg(match_pattern_validate(c->names[i], c->patterns[i], &err) == 0,
		    "%s: %s", c->where, err.msg);
	ck_assert_msg(c->event != NULL, "%s: no event", c->where);
	run_event(c, rs, got, sizeof(got));
	check_expect(c, got, "");
	ruleset_free(rs);
}
END_TEST

static int
same_rules(const struct tcase *a, const struct tcase *b)
{
	if (a->nrules != b->nrules || a->env != b->env)
		return 0;
	for (size_t i = 0; i < a->nrules; i++)
		if (strcmp(a->names[i], b->names[i]) != 0 ||
		    strcmp(a->patterns[i], b->patterns[i]) != 0)
			return 0;
	return 1;
}

static void
find_leaders(void)
{
	if ((leaders = calloc(ncases, sizeof(*leaders))) == NULL)
		abort();
	for (size_t i = 0; i < ncases; i++) {
		size_t j = 0;
		if (cases[i].expect == EXPECT_INVALID)
			continue;
		while (j < i &&
		       (cases[j].expect == EXPECT_INVALID || !same_rules(&cases[j], &cases[i])))
			j++;
		if (j == i)
			leaders[nleaders++] = i;
	}
}

/* The cases again, all events of one set of rules through one matcher, three
 * times over: what a record finds must not depend on the records before it
 * (stamps of other records, values remembered from them). */
START_TEST(test_case_shared)
{
	size_t first = leaders[_i];
	const struct tcase *c = &cases[first];
	struct rule_def defs[MAX_RULES];
	struct ct_error err;
	struct ruleset *rs;
	struct matcher *m;
	char got[1024];

	for (size_t i = 0; i < c->nrules; i++)
		defs[i] = (struct rule_def){
		    .name = c->names[i], .pattern = c->patterns[i], .origin = c->origin};
	ck_assert_ptr_nonnull(rs = ruleset_compile(defs, c->nrules, c->env, &err));
	ck_assert_ptr_nonnull(m = matcher_new(rs));
	for (int round = 0; round < 3; round++)
		for (size_t j = first; j < ncases; j++) {
			yajl_val ev;
			if (cases[j].expect == EXPECT_INVALID || !same_rules(&cases[j], c))
				continue;
			ck_assert_ptr_nonnull(ev = yajl_tree_parse(cases[j].event, NULL, 0));
			matcher_begin(m);
			walk_value(m, match_root(rs), ev);
			names_of(m, rs, got, sizeof(got));
			check_expect(&cases[j], got, " (one matcher for all)");
			yajl_tree_free(ev);
		}
	matcher_free(m);
	ruleset_free(rs);
}
END_TEST

/* ---- the API around the cases ---- */

static struct ruleset *
compile1(const char *pattern, enum match_envelope env)
{
	struct rule_def d = {.name = "one", .pattern = pattern};
	struct ct_error err;
	struct ruleset *rs = ruleset_compile(&d, 1, env, &err);

	ck_assert_msg(rs != NULL, "%s", err.msg);
	return rs;
}

/* Values of one record fed to m at node n: the number of rules matched. */
static size_t
feed(struct matcher *m, const struct match_node *n, const char *const *values)
{
	const size_t *hits;

	matcher_begin(m);
	for (; *values != NULL; values++)
		matcher_value(m, n, MATCH_STRING, *values, strlen(*values));
	return matcher_end(m, &hits);
}

START_TEST(test_empty_ruleset)
{
	struct ct_error err;
	struct ruleset *rs = ruleset_compile(NULL, 0, MATCH_ENVELOPE_CLOUDTRAIL, &err);
	struct matcher *m;
	const size_t *hits;

	ck_assert_ptr_nonnull(rs);
	ck_assert_uint_eq(ruleset_size(rs), 0);
	ck_assert_ptr_null(ruleset_rule_name(rs, 0));
	ck_assert_ptr_null(match_child(match_root(rs), "eventName", 9));
	ck_assert_int_eq(match_wants_value(match_root(rs)), 0);
	m = matcher_new(rs);
	matcher_begin(m);
	ck_assert_uint_eq(matcher_end(m, &hits), 0);
	matcher_free(m);
	ruleset_free(rs);
}
END_TEST

START_TEST(test_tree)
{
	struct ruleset *rs = compile1("{\"a\": {\"b\": [1]}, \"c\": [2]}", MATCH_ENVELOPE_NONE);
	const struct match_node *root = match_root(rs), *a, *b;

	a = match_child(root, "a", 1);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(match_wants_value(a), 0);
	b = match_child(a, "b", 1);
	ck_assert_int_eq(match_wants_value(b), 1);
	ck_assert_ptr_eq(match_child(root, "a.b", 3), b); /* events' dotted keys */
	ck_assert_ptr_null(match_child(root, "b", 1));
	ck_assert_ptr_null(match_child(root, "ab", 2));
	ck_assert_ptr_null(match_child(b, "x", 1));
	ck_assert_ptr_null(match_child(NULL, "a", 1));
	ck_assert_str_eq(ruleset_rule_name(rs, 0), "one");
	ruleset_free(rs);
}
END_TEST

/* Keys and values longer than 16 bytes that differ only in their middle (a
 * hash of their first and last 8 bytes cannot tell them apart). */
START_TEST(test_long_keys)
{
	struct rule_def d[3] = {
	    {.name = "one", .pattern = "{\"abcdefgh-one-12345678\": [\"aaaaaaaa-x-bbbbbbbb\"]}"},
	    {.name = "two", .pattern = "{\"abcdefgh-two-12345678\": [\"aaaaaaaa-x-bbbbbbbb\"]}"},
	    {.name = "three",
	        .pattern = "{\"abcdefgh-one-12345678\": [\"aaaaaaaa-y-bbbbbbbb\", "
	                   "\"aaaaaaaa-y-bbbbbbbbaaaaaaaa-y-bbbbbbbb\"]}"}};
	static const char *const x[] = {"aaaaaaaa-x-bbbbbbbb", NULL},
	                         *const y[] = {"aaaaaaaa-y-bbbbbbbb", NULL},
	                         *const z[] = {"aaaaaaaa-z-bbbbbbbb", NULL},
	                         *const yy[] = {"aaaaaaaa-y-bbbbbbbbaaaaaaaa-y-bbbbbbbb", NULL},
	                         *const yz[] = {"aaaaaaaa-y-bbbbbbbbaaaaaaaa-z-bbbbbbbb", NULL};
	struct ct_error err;
	struct ruleset *rs = ruleset_compile(d, 3, MATCH_ENVELOPE_NONE, &err);
	const struct match_node *one, *two;
	struct matcher *m;

	ck_assert_ptr_nonnull(rs);
	one = match_child(match_root(rs), "abcdefgh-one-12345678", 21);
	two = match_child(match_root(rs), "abcdefgh-two-12345678", 21);
	ck_assert_ptr_nonnull(one);
	ck_assert_ptr_nonnull(two);
	ck_assert_ptr_ne(one, two);
	ck_assert_ptr_null(match_child(match_root(rs), "abcdefgh-six-12345678", 21));
	ck_assert_ptr_nonnull(m = matcher_new(rs));
	ck_assert_uint_eq(feed(m, one, x), 1);
	ck_assert_uint_eq(feed(m, one, y), 1);
	ck_assert_uint_eq(feed(m, one, z), 0);
	ck_assert_uint_eq(feed(m, one, yy), 1);
	ck_assert_uint_eq(feed(m, one, yz), 0);
	ck_assert_uint_eq(feed(m, two, y), 0);
	matcher_free(m);
	ruleset_free(rs);
}
END_TEST

/* Long values grow the scratch buffer once; results stay right after. */
START_TEST(test_long_values)
{
	struct ruleset *rs = compile1("{\"a\": [{\"equals-ignore-case\": \"x\"}, "
	                              "{\"anything-but\": {\"equals-ignore-case\": \"y\"}}]}",
	    MATCH_ENVELOPE_NONE);
	const struct match_node *a = match_child(match_root(rs), "a", 1);
	struct matcher *m = matcher_new(rs);
	const size_t *hits;
	size_t len = 100000;
	char *big = malloc(len);

	ck_assert_ptr_nonnull(big);
	memset(big, 'Y', len);
	for (int i = 0; i < 3; i++) {
		matcher_begin(m);
		matcher_value(m, a, MATCH_STRING, big, len);
		ck_assert_uint_eq(matcher_end(m, &hits), 1);
		matcher_begin(m);
		matcher_value(m, a, MATCH_STRING, "Y", 1);
		ck_assert_uint_eq(matcher_end(m, &hits), 0);
		matcher_begin(m);
		matcher_value(m, a, MATCH_STRING, "X", 1);
		ck_assert_uint_eq(matcher_end(m, &hits), 1);
	}
	free(big);
	matcher_free(m);
	ruleset_free(rs);
}
END_TEST

/* What a value does is remembered from a record where another value had
 * already done the same: it must be all of it, replayed alone later. */
START_TEST(test_memo_complete)
{
	static const char *const pattern[] = {
	    "{\"f\": [{\"wildcard\": \"x*\"}, {\"wildcard\": \"*y\"}]}",
	    "{\"f\": [{\"anything-but\": {\"wildcard\": \"z*\"}}]}",
	    "{\"f\": [{\"wildcard\": \"*kali*\"}, {\"wildcard\": \"*parrot*\"}]}",
	};
	static const char *const both[][3] = {
	    {"x1", "xy", NULL}, {"a", "b", NULL}, {"kali-linux", "kali parrot", NULL}};
	static const char *const alone[][2] = {{"xy", NULL}, {"b", NULL}, {"kali parrot", NULL}};
	static const char *const none[][2] = {{"qq", NULL}, {"zq", NULL}, {"debian", NULL}};

	for (size_t i = 0; i < sizeof(pattern) / sizeof(pattern[0]); i++) {
		struct ruleset *rs = compile1(pattern[i], MATCH_ENVELOPE_NONE);
		const struct match_node *f = match_child(match_root(rs), "f", 1);
		struct matcher *m = matcher_new(rs);

		for (int round = 0; round < 3; round++) {
			ck_assert_uint_eq(feed(m, f, both[i]), 1);
			ck_assert_msg(feed(m, f, alone[i]) == 1, "pattern %zu round %d", i, round);
			ck_assert_uint_eq(feed(m, f, none[i]), 0);
		}
		matcher_free(m);
		ruleset_free(rs);
	}
}
END_TEST

/* Many values, repeated, some too long to remember or doing too much: each
 * record matches what the rules say, whatever came before. */
START_TEST(test_memo_many)
{
	struct rule_def d[10] = {{.name = "a", .pattern = "{\"f\": [{\"prefix\": \"a\"}]}"},
	    {.name = "b", .pattern = "{\"f\": [{\"suffix\": \"9\"}]}"},
	    {.name = "c", .pattern = "{\"f\": [{\"wildcard\": \"*mid*\"}]}"}};
	char names[7][8], pats[7][64], v[400];
	struct ct_error err;
	struct ruleset *rs;
	const struct match_node *f;
	struct matcher *m;

	/* rules p1..p7: prefixes p, pp, ... ppppppp (a value can have all 7) */
	for (int k = 0; k < 7; k++) {
		snprintf(names[k], sizeof(names[k]), "p%d", k + 1);
		snprintf(pats[k], sizeof(pats[k]), "{\"f\": [{\"prefix\": \"%.*s\"}]}", k + 1,
		    "ppppppp");
		d[3 + k] = (struct rule_def){.name = names[k], .pattern = pats[k]};
	}
	ck_assert_ptr_nonnull(rs = ruleset_compile(d, 10, MATCH_ENVELOPE_NONE, &err));
	f = match_child(match_root(rs), "f", 1);
	ck_assert_ptr_nonnull(m = matcher_new(rs));
	for (unsigned i = 0; i < 100000; i++) {
		/* a few thousand values over and over, then distinct ones (the memo
		 * gives up on the field for a while), then the few again */
		unsigned x = i >= 15000 && i < 30000 ? i : (i * 7919u) % 3000;
		const char *const vals[] = {v, NULL};
		size_t want = 0, len;
		if (x % 5 == 0) /* up to 9 rules: more than a memo entry holds */
			len = (size_t)snprintf(
			    v, sizeof(v), "%.*s%umid%u", (int)(x % 8), "pppppppp", x, x / 5 % 10);
		else
			len = (size_t)snprintf(
			    v, sizeof(v), "%c%u%s%u", "amxp"[x % 4], x, x % 3 ? "" : "mid", x % 10);
		if (x % 11 == 0) { /* longer than any memo entry */
			memset(v + len, 'q', 200);
			snprintf(v + len + 200, sizeof(v) - len - 200, "%u", x % 10);
			len = strlen(v);
		}
		want += v[0] == 'a';
		want += v[len - 1] == '9';
		want += strstr(v, "mid") != NULL;
		for (size_t k = 0; k < 7 && k < len && v[k] == 'p'; k++)
			want++;
		ck_assert_msg(feed(m, f, vals) == want, "value %u \"%s\"", i, v);
	}
	matcher_free(m);
	ruleset_free(rs);
}
END_TEST

/* Errors name the rule and where it came from. */
START_TEST(test_error_names_rule)
{
	struct rule_def d[2] = {
	    {.name = "good", .pattern = "{\"a\": [1]}", .origin = "rules.d/a.json"},
	    {.name = "bad-one", .pattern = "{\"a\": []}", .origin = "ctalertd.conf:42"}};
	struct ct_error err;

	ck_assert_ptr_null(ruleset_compile(d, 2, MATCH_ENVELOPE_CLOUDTRAIL, &err));
	ck_assert_str_eq(err.msg, "rule \"bad-one\" (ctalertd.conf:42): invalid event pattern at "
	                          "\"a\": Empty arrays are not allowed");
	ck_assert_int_eq(match_pattern_validate("x", NULL, &err), -1);
	ck_assert_int_eq(match_pattern_validate("x", "{\"a\": [1]}", NULL), 0);
	ck_assert_int_eq(match_pattern_validate("x", "[", NULL), -1);
}
END_TEST

/* What the compiler refuses of a rule's parts, condition and exceptions
 * (the rule loaders refuse these first, in their own words). */
START_TEST(test_condition_refusals)
{
	static const struct match_part ab[] = {
	    {.name = "a", .pattern = "{\"x\": [1]}"}, {.name = "b", .pattern = "{\"y\": [1]}"}};
	static const char *const bad_exc[] = {"{\"z\": []}"};
	static const char *const one[] = {"a"};
	struct rule_def both = {.name = "r",
	    .pattern = "{\"x\": [1]}",
	    .parts = ab,
	    .nparts = 2,
	    .condition = "a or b"};
	struct rule_def none = {.name = "r", .origin = "f.json"};
	struct rule_def nocond = {.name = "r", .parts = ab, .nparts = 2};
	struct rule_def syntax = {
	    .name = "r", .origin = "f.json", .parts = ab, .nparts = 2, .condition = "a or"};
	struct rule_def exc = {.name = "r",
	    .parts = ab,
	    .nparts = 2,
	    .condition = "a and not b",
	    .exceptions = bad_exc,
	    .nexceptions = 1};
	struct rule_def alone = {.name = "r", .parts = ab, .nparts = 1};
	struct ct_error err;

	ck_assert_int_eq(match_rule_validate(&both, &err), -1);
	ck_assert_str_eq(
	    err.msg, "rule \"r\": a pattern, or named patterns and a condition, not both");
	ck_assert_int_eq(match_rule_validate(&none, &err), -1);
	ck_assert_str_eq(err.msg, "rule \"r\" (f.json): no pattern given");
	ck_assert_int_eq(match_rule_validate(&nocond, &err), -1);
	ck_assert_str_eq(err.msg, "rule \"r\": several patterns need a condition to combine them");
	ck_assert_int_eq(match_rule_validate(&syntax, &err), -1);
	ck_assert_int_eq(err.code, CT_ERR_PATTERN);
	ck_assert_str_eq(err.msg, "rule \"r\" (f.json): condition: expected a pattern name, 'not' "
	                          "or '(' but the condition ends at column 5");
	ck_assert_int_eq(match_rule_validate(&exc, &err), -1);
	ck_assert_str_eq(err.msg, "rule \"r\" exception 1: invalid event pattern at \"z\": Empty "
	                          "arrays are not allowed");
	ck_assert_int_eq(match_rule_validate(&alone, &err), 0); /* one part needs no condition */
	ck_assert_int_eq(match_condition_check("a and b", one, 1, NULL, &err), -1);
	ck_assert_str_eq(err.msg, "condition: unknown pattern 'b' at column 7");
}
END_TEST

static TCase *
api_tcase(void)
{
	TCase *tc = tcase_create("api");

	tcase_add_test(tc, test_empty_ruleset);
	tcase_add_test(tc, test_tree);
	tcase_add_test(tc, test_long_values);
	tcase_add_test(tc, test_long_keys);
	tcase_add_test(tc, test_memo_complete);
	tcase_add_test(tc, test_memo_many);
	tcase_add_test(tc, test_error_names_rule);
	tcase_add_test(tc, test_condition_refusals);
	return tc;
}

static Suite *
match_suite(void)
{
	Suite *s = suite_create("match");
	TCase *tc = tcase_create("cases");

	load_cases();
	if (ncases == 0) {
		fprintf(stderr, "no cases found\n");
		return NULL;
	}
	find_leaders();
	tcase_add_loop_test(tc, test_case, 0, (int)ncases);
	tcase_add_loop_test(tc, test_case_shared, 0, (int)nleaders);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, api_tcase());
	return s;
}

CT_CHECK_MAIN(match_suite)
