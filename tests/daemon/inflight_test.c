/* The fate of a message: inflight_decide() over a table of cases, the
 * backoff, the heartbeat selection and the table itself. */
#include <check.h>
#include <stdlib.h>

#include "daemon/inflight.h"
#include "tests/lib/check_main.h"

static const struct inflight_policy policy = {
    .max_receive_count = 5,
    .poison_delete = 0,
    .backoff = {30 * 1000, 900 * 1000, CTAWS_JITTER_NONE},
};

struct decide_case {
	const char *what;
	int receive_count, objects, transient, permanent, abandoned, decode_failed, done;
	int poison_delete;
	enum ack_kind kind;
	int visibility, poisoned;
};

static const struct decide_case cases[] = {
    {"all done", 1, 2, 0, 0, 0, 0, 2, 0, ACK_DELETE, 0, 0},
    {"still running", 1, 3, 0, 0, 0, 0, 2, 0, ACK_NONE, 0, 0},
    {"running despite failure", 1, 3, 1, 0, 0, 0, 1, 0, ACK_NONE, 0, 0},
    {"transient first receive", 1, 1, 1, 0, 0, 0, 1, 0, ACK_RETURN, 30, 0},
    {"transient third receive", 3, 1, 1, 0, 0, 0, 1, 0, ACK_RETURN, 120, 0},
    {"transient never poison", 9, 1, 1, 0, 0, 0, 1, 0, ACK_RETURN, 900, 0},
    {"transient beats permanent", 5, 2, 1, 1, 0, 0, 2, 0, ACK_RETURN, 480, 0},
    {"permanent early", 1, 1, 0, 1, 0, 0, 1, 0, ACK_RETURN, 30, 1},
    {"permanent last to dlq", 5, 1, 0, 1, 0, 0, 1, 0, ACK_DLQ, 0, 1},
    {"permanent last deleted", 5, 1, 0, 1, 0, 0, 1, 1, ACK_DELETE, 0, 1},
    {"permanent past max: no DLQ took it", 7, 1, 0, 1, 0, 0, 1, 0, ACK_DLQ, 900, 1},
    {"permanent just past max", 6, 1, 0, 1, 0, 0, 1, 0, ACK_DLQ, 900, 1},
    {"permanent past max deleted", 7, 1, 0, 1, 0, 0, 1, 1, ACK_DELETE, 0, 1},
    {"undecodable early", 2, 0, 0, 0, 0, 1, 0, 0, ACK_RETURN, 60, 1},
    {"undecodable last", 5, 0, 0, 0, 0, 1, 0, 1, ACK_DELETE, 0, 1},
    {"abandoned returns now", 1, 2, 0, 0, 1, 0, 2, 0, ACK_RETURN, 0, 0},
    {"abandoned beats permanent", 5, 2, 0, 1, 1, 0, 2, 0, ACK_RETURN, 0, 0},
    {"no objects (test event)", 1, 0, 0, 0, 0, 0, 0, 0, ACK_DELETE, 0, 0},
};

START_TEST(test_decide)
{
	const struct decide_case *c = &cases[_i];
	struct inflight_policy p = policy;
	struct inflight_msg m = {0};
	struct ack_decision d;

	p.poison_delete = c->poison_delete;
	m.receive_count = c->receive_count;
	m.objects_total = c->objects;
	m.objects_done = c->done;
	m.n_transient = c->transient;
	m.n_permanent = c->permanent;
	m.n_abandoned = c->abandoned;
	m.decode_failed = c->decode_failed;
	d = inflight_decide(&m, &p);
	ck_assert_msg(d.kind == c->kind, "%s: kind %d, want %d", c->what, d.kind, c->kind);
	ck_assert_msg(d.visibility == c->visibility, "%s: visibility %d, want %d", c->what,
	    d.visibility, c->visibility);
	ck_assert_msg(d.poisoned == c->poisoned, "%s: poisoned %d", c->what, d.poisoned);
}
END_TEST

START_TEST(test_backoff)
{
	struct inflight_policy p = {.backoff = {10 * 1000, 100000 * 1000L, CTAWS_JITTER_NONE}};

	ck_assert_int_eq(inflight_backoff(&p, 1), 10);
	ck_assert_int_eq(inflight_backoff(&p, 2), 20);
	ck_assert_int_eq(inflight_backoff(&p, 4), 80);
	/* SQS caps visibility at 12 hours whatever the configuration says. */
	ck_assert_int_eq(inflight_backoff(&p, 40), 43200);
	p.backoff.cap_ms = 60 * 1000;
	ck_assert_int_eq(inflight_backoff(&p, 3), 40);
	ck_assert_int_eq(inflight_backoff(&p, 4), 60);
	ck_assert_int_eq(inflight_backoff(&p, 1000), 60);
}
END_TEST

START_TEST(test_table)
{
	struct inflight t;
	struct inflight_msg *a, *b, *due[4];
	int dup;

	inflight_init(&t);
	a = inflight_add(&t, "m-1", "rh-1", 1, 1000, 100.0, 30, &dup);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(dup, 0);
	b = inflight_add(&t, "m-2", "rh-2", 2, 1000, 100.0, 30, &dup);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(t.count, 2);

	/* Redelivered while held: the newest receipt handle wins, no new entry. */
	ck_assert_ptr_null(inflight_add(&t, "m-1", "rh-1b", 2, 1000, 120.0, 30, &dup));
	ck_assert_int_eq(dup, 1);
	ck_assert_str_eq(a->receipt_handle, "rh-1b");
	ck_assert_int_eq(a->receive_count, 2);
	ck_assert_uint_eq(t.count, 2);

	a->objects_total = 2;
	ck_assert_int_eq(inflight_object_done(a, OUTCOME_DONE, NULL), 0);
	ck_assert_int_eq(inflight_object_done(a, OUTCOME_PERMANENT, "s3://b/k: NoSuchKey"), 1);
	ck_assert_str_eq(a->first_error, "s3://b/k: NoSuchKey");

	/* Heartbeat: b's visibility ends at 130, a's at 150; margin 10 s. */
	ck_assert_uint_eq(inflight_due_for_extension(&t, 119.0, 10, 3600, due, 4), 0);
	ck_assert_uint_eq(inflight_due_for_extension(&t, 121.0, 10, 3600, due, 4), 1);
	ck_assert_ptr_eq(due[0], b);
	ck_assert_uint_eq(inflight_due_for_extension(&t, 141.0, 10, 3600, due, 4), 2);
	/* Past the total extension limit nothing is extended any more. */
	ck_assert_uint_eq(inflight_due_for_extension(&t, 141.0, 10, 40, due, 4), 0);
	b->acking = true;
	ck_assert_uint_eq(inflight_due_for_extension(&t, 141.0, 10, 3600, due, 4), 1);

	ck_assert_ptr_eq(inflight_find(&t, "m-2"), b);
	inflight_remove(&t, b);
	ck_assert_ptr_null(inflight_find(&t, "m-2"));
	ck_assert_uint_eq(t.count, 1);
	inflight_clear(&t);
	ck_assert_uint_eq(t.count, 0);
}
END_TEST

CT_CHECK_PROGRAM(.name = "inflight",
    .loops = CT_LOOPS({test_decide, (int)(sizeof(cases) / sizeof(cases[0]))}),
    .once = CT_TESTS(test_backoff, test_table))
