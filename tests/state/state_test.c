/*
 * The state store, data-driven: each tests/state/cases/NAME.case is a script
 * run against every backend (memory, sqlite in a fresh file, dynamodb in a
 * fresh table), so the backends keep one meaning:
 *
 *   # What the case is about.
 *   --- script
 *   now 1000                  the clock, wall seconds
 *   put KEY UNTIL
 *   has KEY -> 0|1
 *   claim KEY UNTIL -> 0|1
 *   add KEY DELTA UNTIL -> VALUE
 *   get KEY -> VALUE|absent
 *   raise KEY VALUE UNTIL -> RAISED BEFORE|absent
 *   forget KEY -> 0|1
 *   take PREFIX MAX -> KEY=VALUE@UNTIL ...   (or "-> none")
 *   prune -> N                forgotten
 *   count -> N
 *   reopen                    sqlite, dynamodb: close and open the store
 *                             again (memory: nothing; a case using it says
 *                             what memory does not keep with "sqlite-only")
 *
 * Beside the scripts: races between threads and between processes for one
 * key, and errors that name the file.
 *
 * CT_STATE_BACKENDS (a comma list, default "memory,sqlite") says which
 * backends the scripts and races run on. dynamodb needs a DynamoDB, so it
 * runs under tests/state/dynamodb.mjs, which starts the local AWS
 * (dynalite behind the signature-checking front), makes a table
 * CT_STATE_DYNAMODB_PREFIX-NAME for each case file NAME.case and for the
 * races ("threads", "processes"), and runs this program with
 * CT_STATE_BACKENDS=dynamodb and the local AWS's environment.
 */
#include <check.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aws/client.h"
#include "aws/creds_provider.h"
#include "state/oldest.h"
#include "state/state.h"
#include "tests/lib/case.h"
#include "tests/lib/check_main.h"
#include "util/buf.h"

static int64_t fake;

static int64_t
fake_now(void)
{
	return fake;
}

static char dir[64];

static void
make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ct-state-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Whether CT_STATE_BACKENDS selects b. */
static int
selected(enum state_backend b)
{
	const char *list = getenv("CT_STATE_BACKENDS");
	const char *name = state_backend_name(b);
	size_t n = strlen(name);

	if (list == NULL || *list == '\0')
		return b != STATE_DYNAMODB;
	for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
		if ((p == list || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

/* The client the dynamodb stores of this process talk through: the
 * environment's endpoint, region and keys (the local AWS's). */
static struct ctaws_client *aws;

static struct ctaws_client *
aws_client(void)
{
	struct ctaws_error aerr;
	char why[512];

	if (aws == NULL) {
		aws = ctaws_client_new(NULL, ctaws_creds_env_new(), &aerr);
		ck_assert_msg(
		    aws != NULL, "AWS client: %s", ctaws_error_str(&aerr, why, sizeof(why)));
	}
	return aws;
}

/* The table of a dynamodb store named name (a case file's or a race's). */
static void
table_name(const char *name, char *out, size_t outlen)
{
	const char *prefix = getenv("CT_STATE_DYNAMODB_PREFIX");
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	size_t n = strcspn(base, ".");

	ck_assert_msg(prefix && *prefix, "CT_STATE_DYNAMODB_PREFIX is not set");
	snprintf(out, outlen, "%s-%.*s", prefix, (int)n, base);
}

/* file: the sqlite file, or the dynamodb table. */
static struct state *
open_store(enum state_backend b, const char *file, int64_t max_keys)
{
	struct state_options o = {b, file, max_keys, fake_now, NULL, NULL, NULL};
	struct ct_error err;
	struct state *s;

	if (b == STATE_DYNAMODB) {
		o.path = NULL;
		o.table = file;
		o.aws = aws_client();
	}
	s = state_open(&o, &err);
	ck_assert_msg(s != NULL, "open %s: %s", state_backend_name(b), err.msg);
	return s;
}

/* Where a test's store lives: a fresh file, or the table made for name. */
static void
store_place(enum state_backend b, const char *name, char *out, size_t outlen)
{
	if (b == STATE_DYNAMODB) {
		table_name(name, out, outlen);
		return;
	}
	make_dir();
	snprintf(out, outlen, "%s/state.db", dir);
}

static void
store_done(enum state_backend b)
{
	if (b != STATE_DYNAMODB)
		remove_dir();
}

struct took {
	struct buf text;
};

static void
collect(void *arg, const char *key, int64_t value, int64_t until)
{
	struct took *t = arg;

	buf_printf(&t->text, "%s%s=%lld@%lld", t->text.len ? " " : "", key, (long long)value,
	    (long long)until);
}

/* One line of a script against s; want is what follows "->" (or NULL). */
static void
step(const char *path, int lineno, struct state **s, enum state_backend b, const char *file,
    char *line)
{
	char *arrow = strstr(line, " -> "), *want = NULL, got[1024] = "";
	char op[16], a[STATE_KEY_MAX + 1] = "";
	long long x = 0, y = 0;
	struct ct_error err;
	int n;

	if (arrow) {
		*arrow = '\0';
		want = arrow + 4;
	}
	n = sscanf(line, "%15s %512s %lld %lld", op, a, &x, &y);
	ck_assert_msg(n >= 1, "%s:%d: empty step", path, lineno);
	if (strcmp(op, "now") == 0) {
		fake = strtoll(a, NULL, 10);
		return;
	} else if (strcmp(op, "put") == 0) {
		ck_assert_msg(state_put(*s, a, x, &err) == 0, "%s:%d: %s", path, lineno, err.msg);
		return;
	} else if (strcmp(op, "has") == 0) {
		snprintf(got, sizeof(got), "%d", state_has(*s, a, &err));
	} else if (strcmp(op, "claim") == 0) {
		snprintf(got, sizeof(got), "%d", state_claim(*s, a, x, &err));
	} else if (strcmp(op, "add") == 0) {
		int64_t v = 0;

		ck_assert_msg(
		    state_add(*s, a, x, y, &v, &err) == 0, "%s:%d: %s", path, lineno, err.msg);
		snprintf(got, sizeof(got), "%lld", (long long)v);
	} else if (strcmp(op, "get") == 0) {
		int64_t v = -1;
		int r = state_get(*s, a, &v, &err);

		ck_assert_msg(r >= 0, "%s:%d: %s", path, lineno, err.msg);
		snprintf(got, sizeof(got), r ? "%lld" : "absent", (long long)v);
	} else if (strcmp(op, "raise") == 0) {
		int64_t before = 0;
		int r = state_raise(*s, a, x, y, &before, &err);

		ck_assert_msg(r >= 0, "%s:%d: %s", path, lineno, err.msg);
		if (before == INT64_MIN)
			snprintf(got, sizeof(got), "%d absent", r);
		else
			snprintf(got, sizeof(got), "%d %lld", r, (long long)before);
	} else if (strcmp(op, "forget") == 0) {
		snprintf(got, sizeof(got), "%d", state_forget(*s, a, &err));
	} else if (strcmp(op, "take") == 0) {
		struct took t = {BUF_INIT};
		long r = state_take_expired(
		    *s, strcmp(a, "''") == 0 ? "" : a, (size_t)x, collect, &t, &err);

		ck_assert_msg(r >= 0, "%s:%d: %s", path, lineno, err.msg);
		snprintf(got, sizeof(got), "%s", t.text.len ? t.text.data : "none");
		buf_free(&t.text);
	} else if (strcmp(op, "prune") == 0) {
		snprintf(got, sizeof(got), "%ld", state_prune(*s, &err));
	} else if (strcmp(op, "count") == 0) {
		snprintf(got, sizeof(got), "%ld", state_count(*s, &err));
	} else if (strcmp(op, "reopen") == 0) {
		if (b != STATE_MEMORY) {
			state_close(*s);
			*s = open_store(b, file, 0);
		}
		return;
	} else {
		ck_abort_msg("%s:%d: unknown step '%s'", path, lineno, op);
	}
	ck_assert_msg(want != NULL, "%s:%d: '%s' needs '-> result'", path, lineno, op);
	ck_assert_msg(strcmp(got, want) == 0, "%s:%d (%s): %s gave '%s', want '%s'", path, lineno,
	    state_backend_name(b), line, got, want);
}

static void
run_script(const char *path, enum state_backend b)
{
	struct ct_case cf;
	const char *script;
	char *copy, *line, *save = NULL, file[300];
	struct state *s;
	int lineno = 0;

	if (!selected(b))
		return;
	ct_case_load(path, CT_CASE_COMMENTS | CT_CASE_UNIQUE, &cf);
	ck_assert_msg((script = ct_case_get(&cf, "script")) != NULL, "%s: no script", path);
	if (b == STATE_MEMORY && strstr(script, "sqlite-only")) {
		ct_case_free(&cf);
		return;
	}
	store_place(b, path, file, sizeof(file));
	fake = 1000;
	s = open_store(b, file, strstr(script, "max-keys-3") ? 3 : 0);
	copy = strdup(script);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (line[0] == '#' || strcmp(line, "sqlite-only") == 0 ||
		    strcmp(line, "max-keys-3") == 0)
			continue;
		step(path, lineno, &s, b, file, line);
	}
	free(copy);
	state_close(s);
	store_done(b);
	ct_case_free(&cf);
}

START_TEST(script_memory)
{
	run_script(ct_case_path(_i), STATE_MEMORY);
}
END_TEST

START_TEST(script_sqlite)
{
	run_script(ct_case_path(_i), STATE_SQLITE);
}
END_TEST

START_TEST(script_dynamodb)
{
	run_script(ct_case_path(_i), STATE_DYNAMODB);
}
END_TEST

/* Threads racing to claim the same keys: each key is won exactly once. */
struct racer {
	struct state *s;
	int won;
};

#define RACE_KEYS 500

static void *
race(void *arg)
{
	struct racer *r = arg;
	struct ct_error err;
	char key[32];

	for (int i = 0; i < RACE_KEYS; i++) {
		snprintf(key, sizeof(key), "alert/%d", i);
		int c = state_claim(r->s, key, 5000, &err);

		ck_assert_msg(c >= 0, "%s", err.msg);
		r->won += c;
	}
	return NULL;
}

static void
race_threads(enum state_backend b)
{
	struct racer r[4];
	pthread_t t[4];
	char file[300];
	struct state *s;
	int won = 0;

	if (!selected(b))
		return;
	store_place(b, "threads", file, sizeof(file));
	fake = 1000;
	s = open_store(b, file, 0);
	for (int i = 0; i < 4; i++) {
		r[i] = (struct racer){s, 0};
		pthread_create(&t[i], NULL, race, &r[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		won += r[i].won;
	}
	ck_assert_int_eq(won, RACE_KEYS);
	state_close(s);
	store_done(b);
}

START_TEST(threads_claim_once_memory)
{
	race_threads(STATE_MEMORY);
}
END_TEST

START_TEST(threads_claim_once_sqlite)
{
	race_threads(STATE_SQLITE);
}
END_TEST

START_TEST(threads_claim_once_dynamodb)
{
	race_threads(STATE_DYNAMODB);
}
END_TEST

/* Processes sharing one store (several ctalertd on one machine, a restart
 * overlapping the old process, instances sharing a table): each key is won
 * by exactly one of them. */
static void
race_processes(enum state_backend b)
{
	char file[300];
	int fds[3][2], won = 0;
	pid_t pid[3];

	if (!selected(b))
		return;
	store_place(b, "processes", file, sizeof(file));
	fake = 1000;
	state_close(open_store(b, file, 0)); /* the schema, once */
	for (int p = 0; p < 3; p++) {
		ck_assert_int_eq(pipe(fds[p]), 0);
		if ((pid[p] = fork()) == 0) {
			struct racer r;

			aws = NULL; /* a client of the child's own, like a file handle */
			r = (struct racer){open_store(b, file, 0), 0};
			race(&r);
			state_close(r.s);
			if (write(fds[p][1], &r.won, sizeof(r.won)) != sizeof(r.won))
				_exit(1);
			_exit(0);
		}
	}
	for (int p = 0; p < 3; p++) {
		int status, n = 0;

		ck_assert_int_eq(read(fds[p][0], &n, sizeof(n)), (ssize_t)sizeof(n));
		ck_assert_int_eq(waitpid(pid[p], &status, 0), pid[p]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		won += n;
		close(fds[p][0]);
		close(fds[p][1]);
	}
	ck_assert_int_eq(won, RACE_KEYS);
	store_done(b);
}

START_TEST(processes_claim_once_sqlite)
{
	race_processes(STATE_SQLITE);
}
END_TEST

START_TEST(processes_claim_once_dynamodb)
{
	race_processes(STATE_DYNAMODB);
}
END_TEST

/* Errors name the store's file and say what failed. */
START_TEST(errors_name_the_file)
{
	struct state_options o = {
	    STATE_SQLITE, "/nonexistent-dir/state.db", 0, fake_now, NULL, NULL, NULL};
	struct ct_error err;
	char file[128];
	FILE *f;

	ck_assert_ptr_null(state_open(&o, &err));
	ck_assert_msg(strstr(err.msg, "/nonexistent-dir/state.db") != NULL, "%s", err.msg);
	o.path = "";
	ck_assert_ptr_null(state_open(&o, &err));
	ck_assert_msg(strstr(err.msg, "sqlite needs a file") != NULL, "%s", err.msg);
	/* Not a database. */
	make_dir();
	snprintf(file, sizeof(file), "%s/state.db", dir);
	f = fopen(file, "w");
	fputs("these are not the bytes of an SQLite database, not even close to them\n", f);
	fclose(f);
	o.path = file;
	ck_assert_ptr_null(state_open(&o, &err));
	ck_assert_msg(strstr(err.msg, file) != NULL, "%s", err.msg);
	/* A file of a newer schema is refused, not rewritten. */
	unlink(file);
	state_close(open_store(STATE_SQLITE, file, 0));
	{
		sqlite3 *db;

		ck_assert_int_eq(sqlite3_open(file, &db), SQLITE_OK);
		ck_assert_int_eq(
		    sqlite3_exec(db, "PRAGMA user_version = 7", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	ck_assert_ptr_null(state_open(&o, &err));
	ck_assert_msg(strstr(err.msg, "schema version 7") != NULL, "%s", err.msg);
	remove_dir();
}
END_TEST

/* The dynamodb backend is refused without a table or a client, before any
 * request. */
START_TEST(dynamodb_needs_a_table)
{
	struct state_options o = {STATE_DYNAMODB, NULL, 0, fake_now, NULL, NULL, NULL};
	struct ct_error err;

	ck_assert_ptr_null(state_open(&o, &err));
	ck_assert_msg(
	    strstr(err.msg, "dynamodb needs a table and an AWS client") != NULL, "%s", err.msg);
	o.table = "ctalertd-state";
	ck_assert_ptr_null(state_open(&o, &err));
	ck_assert_str_eq(state_backend_name(STATE_DYNAMODB), "dynamodb");
}
END_TEST

/* The n keys expiring first of a stream, ties by key, whatever the order
 * they come in (what dynamodb's take and prune choose from Scan pages). */
START_TEST(oldest_keeps_the_first_n)
{
	static const struct {
		const char *key;
		int64_t until;
	} in[] = {
	    {"e", 50}, {"a", 10}, {"d", 40}, {"z", 10}, {"b", 20}, {"c", 30}, {"y", 5}, {"x", 60}};
	struct oldest o;
	struct buf got = BUF_INIT;

	ck_assert_int_eq(oldest_init(&o, 4), 0);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		ck_assert_int_eq(oldest_offer(&o, in[i].key, in[i].until), 0);
	oldest_sort(&o);
	for (size_t i = 0; i < o.n; i++)
		buf_printf(&got, "%s%s@%lld", i ? " " : "", o.v[i].key, (long long)o.v[i].until);
	ck_assert_str_eq(got.data, "y@5 a@10 z@10 b@20");
	oldest_free(&o);
	buf_free(&got);
	ck_assert_int_eq(oldest_init(&o, 0), 0);
	ck_assert_int_eq(oldest_offer(&o, "a", 1), 0);
	ck_assert_uint_eq(o.n, 0);
	oldest_free(&o);
}
END_TEST

/* Keys longer than the limit or empty are a caller's error, named. */
START_TEST(key_limits)
{
	struct state *s = open_store(STATE_MEMORY, NULL, 0);
	char big[STATE_KEY_MAX + 2];
	struct ct_error err;

	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(state_put(s, big, 2000, &err), -1);
	ck_assert_msg(strstr(err.msg, "513 bytes") != NULL, "%s", err.msg);
	ck_assert_int_eq(state_has(s, "", &err), -1);
	big[STATE_KEY_MAX] = '\0';
	ck_assert_int_eq(state_put(s, big, 2000, &err), 0);
	ck_assert_int_eq(state_has(s, big, &err), 1);
	state_close(s);
}
END_TEST

CT_CHECK_PROGRAM(.name = "state", .cases = "tests/state/cases", .min_cases = 6,
    .each_case = CT_TESTS(script_memory, script_sqlite, script_dynamodb),
    .once = CT_TESTS(threads_claim_once_memory, threads_claim_once_sqlite,
        threads_claim_once_dynamodb, processes_claim_once_sqlite, processes_claim_once_dynamodb,
        errors_name_the_file, key_limits, dynamodb_needs_a_table, oldest_keeps_the_first_n))
