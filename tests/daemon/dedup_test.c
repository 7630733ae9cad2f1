/*
 * The duplicate cache. Cases in tests/daemon/cases/dedup/ *.case hold a
 * script, one operation a line; the harness prints each line with its result
 * and the output must equal the script:
 *   new CAPACITY            a fresh cache
 *   remember EVENT RULE     after a publish
 *   seen EVENT RULE => yes|no
 *   count => N
 *   hex EVENT RULE => HEX   the FIFO deduplication id
 * EVENT "-" stands for a record without an eventID.
 * Then the properties no script shows: eviction order over many entries,
 * and consistency under threads.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caselib.h"
#include "daemon/dedup.h"
#include "tests/lib/check_main.h"

static void
key_of(const char *event, const char *rule, struct dedup_key *k)
{
	ck_assert_int_eq(dedup_key_make(k, strcmp(event, "-") == 0 ? NULL : event, rule), 0);
}

static void
run_line(struct dedup **d, const char *path, const char *line, struct buf *out)
{
	char op[16], event[128], rule[128];
	struct dedup_key k;
	char hex[DEDUP_HEX_LEN + 1];
	size_t cap;

	if (sscanf(line, "new %zu", &cap) == 1) {
		dedup_free(*d);
		ck_assert_ptr_nonnull(*d = dedup_new(cap));
		buf_printf(out, "new %zu\n", cap);
		return;
	}
	ck_assert_msg(*d != NULL, "%s: no cache yet: %s", path, line);
	if (strncmp(line, "count", 5) == 0) {
		buf_printf(out, "count => %zu\n", dedup_count(*d));
		return;
	}
	ck_assert_msg(
	    sscanf(line, "%15s %127s %127s", op, event, rule) == 3, "%s: bad line: %s", path, line);
	key_of(event, rule, &k);
	if (strcmp(op, "remember") == 0) {
		dedup_remember(*d, &k);
		buf_printf(out, "remember %s %s\n", event, rule);
	} else if (strcmp(op, "seen") == 0) {
		buf_printf(
		    out, "seen %s %s => %s\n", event, rule, dedup_seen(*d, &k) ? "yes" : "no");
	} else if (strcmp(op, "hex") == 0) {
		dedup_key_hex(&k, hex);
		buf_printf(out, "hex %s %s => %s\n", event, rule, hex);
	} else {
		ck_abort_msg("%s: unknown operation %s", path, op);
	}
	ck_assert_int_eq(dedup_selfcheck(*d), 0);
}

START_TEST(test_case)
{
	struct buf script = BUF_INIT, got = BUF_INIT;
	struct dedup *d = NULL;
	struct ct_case cf;
	char *line, *save = NULL;

	ct_case_load(ct_case_path(_i), DAEMON_CASE, &cf);
	ct_case_need(&cf, "script", &script);
	for (line = strtok_r(script.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		run_line(&d, cf.path, line, &got);
	ct_case_compare(cf.path, ct_case_buf(&cf, "script")->data, got.data ? got.data : "");
	dedup_free(d);
	buf_free(&script);
	buf_free(&got);
	ct_case_free(&cf);
}
END_TEST

static void
numbered_key(struct dedup_key *k, unsigned n)
{
	char event[32];

	snprintf(event, sizeof(event), "event-%u", n);
	ck_assert_int_eq(dedup_key_make(k, event, "rule"), 0);
}

/* With capacity C after N > C distinct inserts, exactly the last C remain. */
START_TEST(test_ring_order)
{
	const unsigned cap = 1000, total = 25000;
	struct dedup *d = dedup_new(cap);
	struct dedup_key k;

	ck_assert_ptr_nonnull(d);
	for (unsigned i = 0; i < total; i++) {
		numbered_key(&k, i);
		dedup_remember(d, &k);
		dedup_remember(d, &k); /* again: no second slot */
	}
	ck_assert_uint_eq(dedup_count(d), cap);
	ck_assert_int_eq(dedup_selfcheck(d), 0);
	for (unsigned i = 0; i < total; i++) {
		numbered_key(&k, i);
		ck_assert_int_eq(dedup_seen(d, &k), i >= total - cap);
	}
	dedup_free(d);
}
END_TEST

START_TEST(test_disabled_and_limits)
{
	struct dedup *d = dedup_new(0);
	struct dedup_key k;

	ck_assert_ptr_nonnull(d);
	numbered_key(&k, 1);
	dedup_remember(d, &k);
	ck_assert_int_eq(dedup_seen(d, &k), 0);
	ck_assert_uint_eq(dedup_count(d), 0);
	dedup_free(d);
	ck_assert_ptr_null(dedup_new((size_t)DEDUP_MAX_CAPACITY + 1));
	dedup_free(NULL);
}
END_TEST

struct worker {
	struct dedup *d;
	unsigned base;
};

static void *
hammer(void *arg)
{
	struct worker *w = arg;
	struct dedup_key k;

	for (unsigned i = 0; i < 20000; i++) {
		numbered_key(&k, w->base + i % 3000);
		if (!dedup_seen(w->d, &k))
			dedup_remember(w->d, &k);
	}
	return NULL;
}

/* Four threads on one small cache: the index must stay consistent. */
START_TEST(test_threads)
{
	struct dedup *d = dedup_new(500);
	struct worker w[4];
	pthread_t t[4];

	ck_assert_ptr_nonnull(d);
	for (unsigned i = 0; i < 4; i++) {
		w[i].d = d;
		w[i].base = i * 1000; /* overlapping ranges: threads insert the same keys */
		ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
	}
	for (unsigned i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ck_assert_uint_eq(dedup_count(d), 500);
	ck_assert_int_eq(dedup_selfcheck(d), 0);
	dedup_free(d);
}
END_TEST

CT_CHECK_PROGRAM(.name = "dedup", .cases = "tests/daemon/cases/dedup", .timeout = 120,
    .each_case = CT_TESTS(test_case),
    .once = CT_TESTS(test_ring_order, test_disabled_and_limits, test_threads))
