/*
 * Published alerts in the state store. Cases in tests/daemon/cases/dedup/
 * *.case hold a script, one operation a line; the harness prints each line
 * with its result and the output must equal the script:
 *   new memory|sqlite SECONDS  a fresh store, alerts remembered SECONDS
 *   reopen                     the same sqlite file, opened again (a restart)
 *   clock +SECONDS             the store's clock moves on
 *   prune => N                 keys the store forgot
 *   remember EVENT RULE        after a publish
 *   seen EVENT RULE => yes|no
 *   hex EVENT RULE => HEX      the FIFO deduplication id
 * EVENT "-" stands for a record without an eventID.
 * Then what no script shows: a store that fails answers "not seen".
 */
#include "config.h"

#include <check.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caselib.h"
#include "daemon/dedup.h"
#include "state/state.h"
#include "tests/lib/check_main.h"

static int64_t fake_now = 1700000000;

static int64_t
clock_fake(void)
{
	return fake_now;
}

struct world {
	char dir[64]; /* scratch folder of the sqlite file */
	char file[128];
	struct state_options o;
	struct state *st;
	struct dedup *d;
	int64_t remember;
	atomic_uint_fast64_t errors;
};

static void
world_close(struct world *w)
{
	dedup_free(w->d);
	state_close(w->st);
	w->d = NULL;
	w->st = NULL;
}

static void
world_open(struct world *w)
{
	struct ct_error err;

	ck_assert_msg((w->st = state_open(&w->o, &err)) != NULL, "%s", err.msg);
	ck_assert_ptr_nonnull(w->d = dedup_new(w->st, w->remember, &w->errors));
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(path);
}

static void
world_free(struct world *w)
{
	world_close(w);
	if (w->dir[0])
		nftw(w->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	w->dir[0] = '\0';
}

static void
world_new(struct world *w, const char *backend, long long remember)
{
	world_free(w);
	memset(&w->o, 0, sizeof(w->o));
	w->o.now = clock_fake;
	w->remember = remember;
	if (strcmp(backend, "sqlite") == 0) {
		snprintf(w->dir, sizeof(w->dir), "/tmp/ctalertd-dedup-XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(w->dir));
		snprintf(w->file, sizeof(w->file), "%s/state.db", w->dir);
		w->o.backend = STATE_SQLITE;
		w->o.path = w->file;
	} else {
		ck_assert_str_eq(backend, "memory");
		w->o.backend = STATE_MEMORY;
	}
	world_open(w);
}

static void
key_of(const char *event, const char *rule, struct dedup_key *k)
{
	ck_assert_int_eq(dedup_key_make(k, strcmp(event, "-") == 0 ? NULL : event, rule), 0);
}

static void
run_line(struct world *w, const char *path, const char *line, struct buf *out)
{
	char op[16], event[128], rule[128], backend[16];
	char hex[DEDUP_HEX_LEN + 1];
	struct dedup_key k;
	struct ct_error err;
	long long n;

	if (sscanf(line, "new %15s %lld", backend, &n) == 2) {
		world_new(w, backend, n);
		buf_printf(out, "new %s %lld\n", backend, n);
		return;
	}
	ck_assert_msg(w->d != NULL, "%s: no store yet: %s", path, line);
	if (strcmp(line, "reopen") == 0) {
		world_close(w);
		world_open(w);
		buf_printf(out, "reopen\n");
		return;
	}
	if (sscanf(line, "clock +%lld", &n) == 1) {
		fake_now += n;
		buf_printf(out, "clock +%lld\n", n);
		return;
	}
	if (strncmp(line, "prune", 5) == 0) {
		long forgot = state_prune(w->st, &err);

		ck_assert_msg(forgot >= 0, "%s", err.msg);
		buf_printf(out, "prune => %ld\n", forgot);
		return;
	}
	ck_assert_msg(
	    sscanf(line, "%15s %127s %127s", op, event, rule) == 3, "%s: bad line: %s", path, line);
	key_of(event, rule, &k);
	if (strcmp(op, "remember") == 0) {
		dedup_remember(w->d, &k);
		buf_printf(out, "remember %s %s\n", event, rule);
	} else if (strcmp(op, "seen") == 0) {
		buf_printf(
		    out, "seen %s %s => %s\n", event, rule, dedup_seen(w->d, &k) ? "yes" : "no");
	} else if (strcmp(op, "hex") == 0) {
		dedup_key_hex(&k, hex);
		buf_printf(out, "hex %s %s => %s\n", event, rule, hex);
	} else {
		ck_abort_msg("%s: unknown operation %s", path, op);
	}
	ck_assert_uint_eq(atomic_load(&w->errors), 0);
}

START_TEST(test_case)
{
	struct buf script = BUF_INIT, got = BUF_INIT;
	struct world w;
	struct ct_case cf;
	char *line, *save = NULL;

	memset(&w, 0, sizeof(w));
	ct_case_load(ct_case_path(_i), DAEMON_CASE, &cf);
	ct_case_need(&cf, "script", &script);
	for (line = strtok_r(script.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		run_line(&w, cf.path, line, &got);
	ct_case_compare(cf.path, ct_case_buf(&cf, "script")->data, got.data ? got.data : "");
	world_free(&w);
	buf_free(&script);
	buf_free(&got);
	ct_case_free(&cf);
}
END_TEST

/* A store that cannot record (another process holds the file's write lock
 * past the busy timeout): the failure is counted, and the pair is not seen
 * afterwards, so a retry alerts again rather than staying silent. */
START_TEST(test_failing_store)
{
	struct world w;
	struct dedup_key k1, k2;
	sqlite3 *other;

	memset(&w, 0, sizeof(w));
	world_new(&w, "sqlite", 3600);
	key_of("e1", "r1", &k1);
	key_of("e2", "r1", &k2);
	dedup_remember(w.d, &k1);
	ck_assert_int_eq(sqlite3_open(w.file, &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE;", NULL, NULL, NULL), SQLITE_OK);
	dedup_remember(w.d, &k2);
	ck_assert_uint_eq(atomic_load(&w.errors), 1);
	ck_assert_int_eq(dedup_seen(w.d, &k1), 1); /* readers go on under WAL */
	ck_assert_int_eq(sqlite3_exec(other, "COMMIT;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	ck_assert_int_eq(dedup_seen(w.d, &k2), 0);
	dedup_remember(w.d, &k2);
	ck_assert_int_eq(dedup_seen(w.d, &k2), 1);
	ck_assert_uint_eq(atomic_load(&w.errors), 1);
	world_free(&w);
}
END_TEST

/* A backfill's hand-over: what a store on the fake clock remembered, once
 * that clock is past its expiry, becomes remembered in another store (on
 * the real clock), and is gone from the first; what has not expired stays. */
START_TEST(test_hand_over)
{
	struct state_options o = {.backend = STATE_MEMORY};
	struct state *dst;
	struct dedup *to;
	struct dedup_key k1, k2, k3;
	struct ct_error err;
	struct world w;

	memset(&w, 0, sizeof(w));
	world_new(&w, "memory", 3600);
	ck_assert_msg((dst = state_open(&o, &err)) != NULL, "%s", err.msg);
	ck_assert_ptr_nonnull(to = dedup_new(dst, 3600, NULL));
	key_of("e1", "r1", &k1);
	key_of("e2", "r1", &k2);
	key_of("e3", "r1", &k3);
	dedup_remember(w.d, &k1);
	dedup_remember(w.d, &k2);
	fake_now += 7200;
	dedup_remember(w.d, &k3);
	ck_assert_int_eq(dedup_hand_over(w.d, to), 2);
	ck_assert_int_eq(dedup_seen(to, &k1), 1);
	ck_assert_int_eq(dedup_seen(to, &k2), 1);
	ck_assert_int_eq(dedup_seen(to, &k3), 0);
	ck_assert_int_eq(dedup_hand_over(w.d, to), 0);
	ck_assert_int_eq(dedup_seen(w.d, &k3), 1);
	dedup_free(to);
	state_close(dst);
	world_free(&w);
}
END_TEST

CT_CHECK_PROGRAM(.name = "dedup", .cases = "tests/daemon/cases/dedup", .timeout = 120,
    .each_case = CT_TESTS(test_case), .once = CT_TESTS(test_failing_store, test_hand_over))
