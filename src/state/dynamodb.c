/*
 * state/dynamodb: the store in one DynamoDB table, shared by every instance
 * that reads the same queue.
 *
 * The table (deploy/cloudformation.json makes it; this store never creates
 * one) is on-demand, with:
 *
 *   k          S  the key: the table's partition key
 *   until      N  its expiry, epoch seconds
 *   value      N  its counter
 *   forget_at  N  until + STATE_EXPIRED_KEEP_S: the table's TTL attribute
 *   prefix     S  the key up to and including its first '/' (all of it
 *                 when it has none)
 *
 * and one global secondary index, "expiry": partition key prefix, sort key
 * until, keys only. state_open checks all of this once with DescribeTable.
 *
 * How each call keeps state.h's contract, and what it costs (requests;
 * each write also writes the index):
 *
 *   has    GetItem, strongly consistent, of until: present when until > now.
 *          DynamoDB's TTL deletes lazily (hours to days late), so every read
 *          checks the expiry itself and never trusts an item's presence.
 *          1 request.
 *   claim  PutItem of a fresh item, on condition "absent or expired".
 *          DynamoDB applies conditional writes to one item one at a time,
 *          so of racing callers (threads, processes, instances) exactly one
 *          write succeeds; the others get ConditionalCheckFailed, which is
 *          0, never an error and never retried. 1 request.
 *   add    UpdateItem "ADD value :delta", keeping until and forget_at when
 *          they exist (if_not_exists), on condition "absent or live", with
 *          ReturnValues ALL_NEW for the new value: atomic, 1 request. An
 *          expired item that TTL has not deleted yet fails that condition;
 *          it is then replaced by a PutItem on condition "absent or expired"
 *          (value = delta), 2 requests. Should another caller restart the
 *          key in between, the update is tried again.
 *   put    UpdateItem setting until, on condition "absent, or live and
 *          expiring earlier": 1 request. Failing that, a PutItem on
 *          condition "absent or expired" restarts an expired key (2). When
 *          both fail the key is live; one more UpdateItem settles whether
 *          its expiry is already the later one (3).
 *   get    GetItem, strongly consistent, of until and value. 1 request.
 *   raise  UpdateItem setting value and until on condition "absent, expired
 *          or below", ReturnValues ALL_OLD for the counter before. When the
 *          condition fails, a GetItem reads the counter that won. 1 or 2.
 *   forget DeleteItem, ReturnValues ALL_OLD to tell whether it was there. 1.
 *   take   A Query of the "expiry" index (prefix = the prefix's part up to
 *          its first '/', until <= now, oldest first; the rest of the
 *          prefix filtered), pages of 100 until max candidates; a prefix
 *          without '/' (or "") cannot name an index partition and Scans
 *          the table instead, keeping the max oldest. Then for each
 *          candidate a DeleteItem on condition "still expired" with
 *          ReturnValues ALL_OLD: the delete that succeeds is the one caller
 *          the key reaches, with the counter and expiry the table held. The
 *          index is eventually consistent: a key that expired a moment ago
 *          may be found by the next call instead. 1 request per page + 1
 *          per key.
 *   prune  Keys expired more than STATE_EXPIRED_KEEP_S ago are DynamoDB
 *          TTL's job (forget_at); prune also Scans the table (consistent,
 *          keys and expiries only) and deletes the ones TTL has not reached
 *          yet, each on condition "still that old". Above max_keys a second
 *          Scan finds the keys expiring first and deletes them (on
 *          condition "expiry unchanged"). Scans cost read units for the
 *          whole table: call prune rarely (hourly, not per message).
 *   count  Scan with Select COUNT, consistent, every page: the whole table's
 *          read units. For tests and occasional metrics.
 *
 * Keys are DynamoDB strings, so UTF-8: a byte that is not part of UTF-8
 * goes as U+FFFD (ctalertd's keys are event ids and rule names).
 *
 * Errors: every failed request is retried by the AWS layer's one policy
 * (throttling, 5xx, network), then the call fails with CT_ERR_AWS naming the
 * table and what was being done. Threads share the store: each call borrows
 * one of the store's connections (kept for keep-alive) and returns it.
 */
#include "state/state_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/dynamodb.h"
#include "state/oldest.h"

#define INDEX_NAME  "expiry"
#define IDLE_MAX    8     /* connections kept between calls */
#define TAKE_MAX    10000 /* keys one take hands out at most */
#define PAGE_ITEMS  100   /* Query page size of take */
#define ROUNDS_MAX  4     /* update/put rounds of add against a racing restart */
#define PRUNE_BATCH 10000 /* keys over max_keys one prune forgets at most */

struct ddb {
	struct state base;
	struct ctaws_client *aws; /* borrowed */
	char *table;              /* owned */
	char *region;             /* owned; NULL: the client's */
	pthread_mutex_t lock;     /* guards idle */
	struct ctaws_conn *idle[IDLE_MAX];
	size_t nidle;
};

/* Every attribute name the expressions below use, sent only when used:
 * DynamoDB refuses a request naming one its expressions do not use. */
static const struct ctaws_kv all_names[] = {
    {"#k", "k"},
    {"#u", "until"},
    {"#v", "value"},
    {"#t", "forget_at"},
    {"#p", "prefix"},
};
#define NNAMES (sizeof(all_names) / sizeof(all_names[0]))

/* One request being built: its names, values and key live here. */
struct req {
	struct dynamodb_request r;
	struct ctaws_kv names[NNAMES];
	struct dynamodb_value key[5];
	struct dynamodb_value values[6];
	char prefix[STATE_KEY_MAX + 1];
};

static struct ctaws_conn *
conn_get(struct ddb *d)
{
	struct ctaws_conn *c = NULL;

	pthread_mutex_lock(&d->lock);
	if (d->nidle > 0)
		c = d->idle[--d->nidle];
	pthread_mutex_unlock(&d->lock);
	return c ? c : ctaws_conn_new(d->aws);
}

static void
conn_put(struct ddb *d, struct ctaws_conn *c)
{
	pthread_mutex_lock(&d->lock);
	if (d->nidle < IDLE_MAX) {
		d->idle[d->nidle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&d->lock);
	ctaws_conn_free(c);
}

/* The index partition of key: up to and including its first '/'. */
static void
prefix_of(const char *key, char *out, size_t outlen)
{
	const char *slash = strchr(key, '/');
	size_t n = slash ? (size_t)(slash - key) + 1 : strlen(key);

	snprintf(out, outlen, "%.*s", (int)n, key);
}

static void
req_init(struct ddb *d, struct req *q, const char *key)
{
	memset(q, 0, sizeof(*q));
	q->r.region = d->region;
	q->r.table = d->table;
	if (key) {
		q->key[0] = (struct dynamodb_value){"k", DYNAMODB_S, key, 0};
		q->r.key = q->key;
		q->r.nkey = 1;
	}
}

/* The whole item of a fresh key, for PutItem. */
static void
req_item(struct req *q, const char *key, int64_t until, int64_t value)
{
	prefix_of(key, q->prefix, sizeof(q->prefix));
	q->key[1] = (struct dynamodb_value){"until", DYNAMODB_N, NULL, until};
	q->key[2] = (struct dynamodb_value){"value", DYNAMODB_N, NULL, value};
	q->key[3] =
	    (struct dynamodb_value){"forget_at", DYNAMODB_N, NULL, until + STATE_EXPIRED_KEEP_S};
	q->key[4] = (struct dynamodb_value){"prefix", DYNAMODB_S, q->prefix, 0};
	q->r.nkey = 5;
}

static void
req_value_n(struct req *q, const char *name, int64_t n)
{
	q->values[q->r.nvalues++] = (struct dynamodb_value){name, DYNAMODB_N, NULL, n};
	q->r.values = q->values;
}

static void
req_value_s(struct req *q, const char *name, const char *s)
{
	q->values[q->r.nvalues++] = (struct dynamodb_value){name, DYNAMODB_S, s, 0};
	q->r.values = q->values;
}

static int
uses(const char *expr, const char *name)
{
	return expr && strstr(expr, name) != NULL;
}

/* Names the attribute names the request's expressions use. */
static void
req_names(struct req *q)
{
	const struct dynamodb_request *r = &q->r;

	for (size_t i = 0; i < NNAMES; i++) {
		const char *n = all_names[i].key;

		if (uses(r->condition, n) || uses(r->update, n) || uses(r->filter, n) ||
		    uses(r->key_condition, n) || uses(r->projection, n))
			q->names[q->r.nnames++] = all_names[i];
	}
	q->r.names = q->r.nnames ? q->names : NULL;
}

/* Runs one request: 0, 1 when its condition was false, or -1 with err
 * saying what was being done. out (may be NULL) is filled on 0. */
static int
call(struct ddb *d, const char *operation, struct req *q, struct dynamodb_answer *out,
    const char *doing, struct ct_error *err)
{
	struct dynamodb_answer none;
	struct ctaws_error aerr;
	struct ctaws_conn *c;
	char why[800];
	int rc;

	req_names(q);
	if ((c = conn_get(d)) == NULL)
		return ct_error_set(
		    err, CT_ERR_NOMEM, "state store %s: out of memory", d->base.where);
	rc = dynamodb_call(c, operation, &q->r, out ? out : &none, &aerr);
	conn_put(d, c);
	if (rc == 0 && out == NULL)
		dynamodb_answer_free(&none);
	if (rc == 0)
		return 0;
	if (aerr.errc == CTAWS_ERRC_CONDITION_FAILED)
		return 1;
	return ct_error_set(err, CT_ERR_AWS, "state store %s: %s: %s", d->base.where, doing,
	    ctaws_error_str(&aerr, why, sizeof(why)));
}

static const char CREATE_IF_FREE[] = "attribute_not_exists(#k) OR #u <= :now";

/* PutItem of a fresh item when the key is absent or expired: 0, 1 when it
 * is live, -1. */
static int
put_fresh(struct ddb *d, const char *key, int64_t until, int64_t value, int64_t now,
    const char *doing, struct ct_error *err)
{
	struct req q;

	req_init(d, &q, key);
	req_item(&q, key, until, value);
	q.r.condition = CREATE_IF_FREE;
	req_value_n(&q, ":now", now);
	return call(d, "PutItem", &q, NULL, doing, err);
}

static int
ddb_has(struct state *s, const char *key, int64_t now, struct ct_error *err)
{
	struct ddb *d = (struct ddb *)s;
	struct dynamodb_answer a;
	long long until;
	struct req q;
	int r;

	req_init(d, &q, key);
	q.r.projection = "#u";
	q.r.consistent_read = 1;
	if (call(d, "GetItem", &q, &a, "looking up a key", err) != 0)
		return -1;
	r = a.item != NULL && dynamodb_item_n(a.item, "until", &until) == 0 && until > now;
	dynamodb_answer_free(&a);
	return r;
}

static int
ddb_claim(struct state *s, const char *key, int64_t until, int64_t now, struct ct_error *err)
{
	int r = put_fresh((struct ddb *)s, key, until, 0, now, "claiming a key", err);

	return r < 0 ? -1 : r == 0;
}

/* Extends a key that is absent, or live and expiring before until. */
static int
put_extend(struct ddb *d, const char *key, int64_t until, int64_t now, struct ct_error *err)
{
	struct req q;

	req_init(d, &q, key);
	prefix_of(key, q.prefix, sizeof(q.prefix));
	q.r.update = "SET #u = :u, #t = :t, #p = if_not_exists(#p, :p), #v = if_not_exists(#v, :z)";
	q.r.condition = "attribute_not_exists(#k) OR (#u > :now AND #u < :u)";
	req_value_n(&q, ":u", until);
	req_value_n(&q, ":t", until + STATE_EXPIRED_KEEP_S);
	req_value_s(&q, ":p", q.prefix);
	req_value_n(&q, ":z", 0);
	req_value_n(&q, ":now", now);
	return call(d, "UpdateItem", &q, NULL, "recording a key", err);
}

static int
ddb_put(struct state *s, const char *key, int64_t until, int64_t now, struct ct_error *err)
{
	struct ddb *d = (struct ddb *)s;
	int r;

	if ((r = put_extend(d, key, until, now, err)) != 1)
		return r;
	if ((r = put_fresh(d, key, until, 0, now, "recording a key", err)) != 1)
		return r;
	/* Live now: either its expiry is already the later one, or another
	 * caller restarted it earlier meanwhile and this extends it. */
	return put_extend(d, key, until, now, err) < 0 ? -1 : 0;
}

/* ADD to a key that is absent or live; *value is the new counter. */
static int
add_live(struct ddb *d, const char *key, int64_t delta, int64_t until, int64_t now, int64_t *value,
    struct ct_error *err)
{
	struct dynamodb_answer a;
	long long v;
	struct req q;
	int r;

	req_init(d, &q, key);
	prefix_of(key, q.prefix, sizeof(q.prefix));
	q.r.update = "SET #u = if_not_exists(#u, :u), #t = if_not_exists(#t, :t), "
	             "#p = if_not_exists(#p, :p) ADD #v :d";
	q.r.condition = "attribute_not_exists(#k) OR #u > :now";
	q.r.return_values = "ALL_NEW";
	req_value_n(&q, ":u", until);
	req_value_n(&q, ":t", until + STATE_EXPIRED_KEEP_S);
	req_value_s(&q, ":p", q.prefix);
	req_value_n(&q, ":d", delta);
	req_value_n(&q, ":now", now);
	if ((r = call(d, "UpdateItem", &q, &a, "adding to a counter", err)) != 0)
		return r;
	r = dynamodb_item_n(a.item, "value", &v);
	dynamodb_answer_free(&a);
	if (r == -1)
		return ct_error_set(err, CT_ERR_AWS,
		    "state store %s: adding to a counter: the answer holds no value",
		    d->base.where);
	*value = v;
	return 0;
}

static int
ddb_get(struct state *s, const char *key, int64_t now, int64_t *value, struct ct_error *err)
{
	struct ddb *d = (struct ddb *)s;
	struct dynamodb_answer a;
	long long until, v;
	struct req q;
	int r;

	req_init(d, &q, key);
	q.r.projection = "#u, #v";
	q.r.consistent_read = 1;
	if (call(d, "GetItem", &q, &a, "reading a counter", err) != 0)
		return -1;
	r = a.item != NULL && dynamodb_item_n(a.item, "until", &until) == 0 && until > now &&
	    dynamodb_item_n(a.item, "value", &v) == 0;
	if (r)
		*value = v;
	dynamodb_answer_free(&a);
	return r;
}

/* One UpdateItem on condition "absent, expired or below value", with
 * ReturnValues ALL_OLD telling what the counter was: DynamoDB applies it
 * to the item atomically, so racing callers each see the one before. */
static int
ddb_raise(struct state *s, const char *key, int64_t value, int64_t until, int64_t now,
    int64_t *before, struct ct_error *err)
{
	struct ddb *d = (struct ddb *)s;
	struct dynamodb_answer a;
	long long old_until, old;
	struct req q;
	int r;

	req_init(d, &q, key);
	prefix_of(key, q.prefix, sizeof(q.prefix));
	q.r.update = "SET #v = :v, #u = :u, #t = :t, #p = :p";
	q.r.condition = "attribute_not_exists(#k) OR #u <= :now OR #v < :v";
	q.r.return_values = "ALL_OLD";
	req_value_n(&q, ":v", value);
	req_value_n(&q, ":u", until);
	req_value_n(&q, ":t", until + STATE_EXPIRED_KEEP_S);
	req_value_s(&q, ":p", q.prefix);
	req_value_n(&q, ":now", now);
	*before = INT64_MIN;
	if ((r = call(d, "UpdateItem", &q, &a, "raising a counter", err)) != 0)
		return r < 0 ? -1 : ddb_get(s, key, now, before, err) < 0 ? -1 : 0;
	*before = INT64_MIN;
	if (a.item != NULL && dynamodb_item_n(a.item, "until", &old_until) == 0 &&
	    old_until > now && dynamodb_item_n(a.item, "value", &old) == 0)
		*before = old;
	dynamodb_answer_free(&a);
	return 1;
}

static int
ddb_add(struct state *s, const char *key, int64_t delta, int64_t until, int64_t now, int64_t *value,
    struct ct_error *err)
{
	struct ddb *d = (struct ddb *)s;
	int r;

	for (int round = 0; round < ROUNDS_MAX; round++) {
		if ((r = add_live(d, key, delta, until, now, value, err)) != 1)
			return r;
		/* Expired, not yet deleted: start it afresh at delta. */
		if ((r = put_fresh(d, key, until, delta, now, "adding to a counter", err)) != 1) {
			*value = delta;
			return r;
		}
	}
	return ct_error_set(err, CT_ERR_AWS,
	    "state store %s: adding to a counter: key %.100s changed under %d tries", d->base.where,
	    key, ROUNDS_MAX);
}

/* Called with each (key, until) a page holds: 0 goes on, 1 stops after
 * this page, -1 stops with err set. */
typedef int (*each_key_fn)(
    struct ddb *d, void *arg, const char *key, int64_t until, struct ct_error *err);

static int
each_item(struct ddb *d, yajl_val items, each_key_fn each, void *arg, struct ct_error *err)
{
	int r = 0;

	for (size_t i = 0; items && i < items->u.array.len && r >= 0; i++) {
		const char *k = dynamodb_item_s(items->u.array.values[i], "k");
		long long u;
		int one;

		if (k == NULL || dynamodb_item_n(items->u.array.values[i], "until", &u) == -1)
			continue;
		if ((one = each(d, arg, k, u, err)) != 0)
			r = one;
	}
	return r;
}

/* Reads the pages of q one after the other, handing each key to each:
 * 0, or -1 with err. */
static int
pages(struct ddb *d, const char *operation, struct req *q, each_key_fn each, void *arg,
    const char *doing, struct ct_error *err)
{
	struct dynamodb_answer a, prev = {0};
	int r;

	do {
		if (call(d, operation, q, &a, doing, err) != 0) {
			r = -1;
			break;
		}
		r = each_item(d, a.items, each, arg, err);
		dynamodb_answer_free(&prev);
		prev = a;
		q->r.start_key = a.last_key; /* lives in prev until the next page is read */
		q->r.nnames = 0;             /* named again by call() */
	} while (r == 0 && a.last_key != NULL);
	dynamodb_answer_free(&prev);
	return r < 0 ? -1 : 0;
}

/* each_key_fn: keeps the oldest keys; stops once full when
 * the pages come oldest first (a Query of the index). */
struct offer {
	struct oldest *p;
	int ordered;
};

static int
offer_key(struct ddb *d, void *arg, const char *key, int64_t until, struct ct_error *err)
{
	struct offer *o = arg;

	if (oldest_offer(o->p, key, until) == -1)
		return ct_error_set(
		    err, CT_ERR_NOMEM, "state store %s: out of memory", d->base.where);
	return o->ordered && o->p->n == o->p->cap;
}

/* The expired keys with prefix, oldest first, at most p->cap of them. */
static int
find_expired(struct ddb *d, const char *prefix, int64_t now, struct oldest *p, struct ct_error *err)
{
	struct req q;

	req_init(d, &q, NULL);
	req_value_n(&q, ":now", now);
	if (strchr(prefix, '/') != NULL) {
		prefix_of(prefix, q.prefix, sizeof(q.prefix));
		q.r.index = INDEX_NAME;
		q.r.key_condition = "#p = :p AND #u <= :now";
		q.r.limit = PAGE_ITEMS;
		req_value_s(&q, ":p", q.prefix);
		if (strcmp(prefix, q.prefix) != 0) {
			q.r.filter = "begins_with(#k, :pre)";
			req_value_s(&q, ":pre", prefix);
		}
		return pages(
		    d, "Query", &q, offer_key, &(struct offer){p, 1}, "finding expired keys", err);
	}
	q.r.consistent_read = 1;
	q.r.projection = "#k, #u";
	q.r.filter = "#u <= :now";
	if (*prefix) {
		q.r.filter = "#u <= :now AND begins_with(#k, :pre)";
		req_value_s(&q, ":pre", prefix);
	}
	return pages(d, "Scan", &q, offer_key, &(struct offer){p, 0}, "finding expired keys", err);
}

/* Deletes key when condition holds for :x = x: 0 with its value and
 * expiry, 1 when it no longer held, -1. */
static int
delete_if(struct ddb *d, const char *key, const char *condition, int64_t x, int64_t *value,
    int64_t *until, const char *doing, struct ct_error *err)
{
	struct dynamodb_answer a;
	long long v = 0, u = 0;
	struct req q;
	int r;

	req_init(d, &q, key);
	q.r.condition = condition;
	q.r.return_values = "ALL_OLD";
	req_value_n(&q, ":x", x);
	if ((r = call(d, "DeleteItem", &q, &a, doing, err)) != 0)
		return r;
	(void)dynamodb_item_n(a.item, "value", &v);
	(void)dynamodb_item_n(a.item, "until", &u);
	dynamodb_answer_free(&a);
	*value = v;
	*until = u;
	return 0;
}

static int
ddb_forget(struct state *s, const char *key, struct ct_error *err)
{
	struct ddb *d = (struct ddb *)s;
	struct dynamodb_answer a;
	struct req q;
	int r;

	req_init(d, &q, key);
	q.r.return_values = "ALL_OLD";
	if (call(d, "DeleteItem", &q, &a, "forgetting a key", err) != 0)
		return -1;
	r = a.item != NULL;
	dynamodb_answer_free(&a);
	return r;
}

static long
ddb_take_expired(struct state *s, const char *prefix, size_t max, int64_t now, state_expired_fn fn,
    void *arg, struct ct_error *err)
{
	struct ddb *d = (struct ddb *)s;
	struct oldest p;
	long n = 0;
	int r = 0;

	if (oldest_init(&p, max > TAKE_MAX ? TAKE_MAX : max) == -1)
		return ct_error_set(
		    err, CT_ERR_NOMEM, "state store %s: out of memory", d->base.where);
	if (find_expired(d, prefix, now, &p, err) == -1) {
		oldest_free(&p);
		return -1;
	}
	oldest_sort(&p);
	for (size_t i = 0; i < p.n && r >= 0; i++) {
		int64_t value, until;

		/* Still expired: not restarted, not taken by another caller. */
		r = delete_if(
		    d, p.v[i].key, "#u <= :x", now, &value, &until, "taking an expired key", err);
		if (r == 0) {
			fn(arg, p.v[i].key, value, until);
			n++;
		}
	}
	oldest_free(&p);
	/* Keys already handed out are gone from the table: report them; the
	 * rest are found by the next call. */
	return r < 0 && n == 0 ? -1 : n;
}

/* A Scan of every key's expiry, consistent. */
static void
req_scan_keys(struct ddb *d, struct req *q)
{
	req_init(d, q, NULL);
	q->r.consistent_read = 1;
	q->r.projection = "#k, #u";
}

struct prune_pass {
	int64_t old; /* keys expiring at or before this are forgotten */
	long live;   /* keys kept */
	long gone;   /* keys forgotten */
};

/* each_key_fn of prune's first pass. */
static int
prune_old(struct ddb *d, void *arg, const char *key, int64_t until, struct ct_error *err)
{
	struct prune_pass *pp = arg;
	int64_t v, u;
	int r;

	if (until > pp->old) {
		pp->live++;
		return 0;
	}
	r = delete_if(d, key, "#u <= :x", pp->old, &v, &u, "pruning expired keys", err);
	pp->gone += r == 0;
	pp->live += r == 1; /* restarted since the page was read */
	return r < 0 ? -1 : 0;
}

/* Forgets the `over` keys expiring first (at most PRUNE_BATCH a call). */
static long
prune_over(struct ddb *d, long over, struct ct_error *err)
{
	struct oldest p;
	struct req q;
	long gone = 0;
	int r = 0;

	if (oldest_init(&p, (size_t)(over > PRUNE_BATCH ? PRUNE_BATCH : over)) == -1)
		return ct_error_set(
		    err, CT_ERR_NOMEM, "state store %s: out of memory", d->base.where);
	req_scan_keys(d, &q);
	if (pages(d, "Scan", &q, offer_key, &(struct offer){&p, 0}, "pruning the oldest keys",
	        err) == -1) {
		oldest_free(&p);
		return -1;
	}
	for (size_t i = 0; i < p.n && r >= 0; i++) {
		int64_t v, u;

		/* Unless its expiry moved since: then it is no longer the oldest. */
		r = delete_if(
		    d, p.v[i].key, "#u = :x", p.v[i].until, &v, &u, "pruning the oldest keys", err);
		gone += r == 0;
	}
	oldest_free(&p);
	return r < 0 ? -1 : gone;
}

static long
ddb_prune(struct state *s, int64_t now, struct ct_error *err)
{
	struct ddb *d = (struct ddb *)s;
	struct prune_pass pp = {now - STATE_EXPIRED_KEEP_S, 0, 0};
	struct req q;
	long over;

	req_scan_keys(d, &q);
	if (pages(d, "Scan", &q, prune_old, &pp, "pruning expired keys", err) == -1)
		return -1;
	if (pp.live <= s->max_keys)
		return pp.gone;
	if ((over = prune_over(d, pp.live - (long)s->max_keys, err)) == -1)
		return -1;
	return pp.gone + over;
}

static long
ddb_count(struct state *s, struct ct_error *err)
{
	struct ddb *d = (struct ddb *)s;
	struct dynamodb_answer a, prev = {0};
	struct req q;
	long n = 0;

	req_init(d, &q, NULL);
	q.r.consistent_read = 1;
	q.r.select = "COUNT";
	do {
		if (call(d, "Scan", &q, &a, "counting keys", err) != 0) {
			dynamodb_answer_free(&prev);
			return -1;
		}
		n += a.count;
		dynamodb_answer_free(&prev);
		prev = a;
		q.r.start_key = a.last_key;
	} while (a.last_key != NULL);
	dynamodb_answer_free(&prev);
	return n;
}

static void
ddb_close(struct state *s)
{
	struct ddb *d = (struct ddb *)s;

	for (size_t i = 0; i < d->nidle; i++)
		ctaws_conn_free(d->idle[i]);
	pthread_mutex_destroy(&d->lock);
	free(d->table);
	free(d->region);
	free(d);
}

static const struct state_ops ddb_ops = {ddb_put, ddb_has, ddb_claim, ddb_add, ddb_get, ddb_raise,
    ddb_forget, ddb_take_expired, ddb_prune, ddb_count, ddb_close};

/* What is wrong with the table for this store, or NULL. */
static const char *
table_problem(const struct dynamodb_table *t)
{
	if (strcmp(t->status, "ACTIVE") != 0 && strcmp(t->status, "UPDATING") != 0)
		return "it is not ACTIVE yet";
	if (strcmp(t->key.hash, "k") != 0 || t->key.range[0] != '\0')
		return "its key is not the string partition key \"k\" alone";
	for (size_t i = 0; i < t->nindex; i++)
		if (strcmp(t->index[i].name, INDEX_NAME) == 0)
			return strcmp(t->index[i].key.hash, "prefix") == 0 &&
			               strcmp(t->index[i].key.range, "until") == 0
			           ? NULL
			           : "its index \"" INDEX_NAME
			             "\" is not keyed by prefix and until";
	return "it has no global secondary index \"" INDEX_NAME "\" (prefix, until)";
}

/* DescribeTable: the table exists and has this store's schema. */
static int
check_table(struct ddb *d, struct ct_error *err)
{
	struct dynamodb_table t;
	struct ctaws_error aerr;
	struct ctaws_conn *c;
	const char *problem;
	char why[800];
	struct req q;
	int rc;

	if ((c = conn_get(d)) == NULL)
		return ct_error_set(
		    err, CT_ERR_NOMEM, "state store %s: out of memory", d->base.where);
	req_init(d, &q, NULL);
	rc = dynamodb_describe_table(c, &q.r, &t, &aerr);
	conn_put(d, c);
	if (rc == -1)
		return ct_error_set(err,
		    aerr.errc == CTAWS_ERRC_NOT_FOUND ? CT_ERR_CONFIG : CT_ERR_AWS,
		    "state store %s: %s", d->base.where, ctaws_error_str(&aerr, why, sizeof(why)));
	if ((problem = table_problem(&t)) != NULL)
		return ct_error_set(err, CT_ERR_CONFIG,
		    "state store %s: the table cannot hold the store: %s "
		    "(deploy/cloudformation.json "
		    "makes it right)",
		    d->base.where, problem);
	return 0;
}

struct state *
state_dynamodb_open(const struct state_options *o, struct ct_error *err)
{
	struct ddb *d = calloc(1, sizeof(*d));
	const char *region = o->region ? o->region : ctaws_client_region(o->aws);

	if (d == NULL || (d->table = strdup(o->table)) == NULL ||
	    (o->region && (d->region = strdup(o->region)) == NULL) ||
	    asprintf(&d->base.where, "dynamodb table %s in %s", o->table,
	        region ? region : "the default region") == -1) {
		if (d) {
			free(d->table);
			free(d->region);
		}
		free(d);
		ct_error_set(
		    err, CT_ERR_NOMEM, "state store dynamodb table %s: out of memory", o->table);
		return NULL;
	}
	pthread_mutex_init(&d->lock, NULL);
	d->aws = o->aws;
	d->base.ops = &ddb_ops;
	if (check_table(d, err) == -1) {
		free(d->base.where);
		d->base.where = NULL;
		ddb_close(&d->base);
		return NULL;
	}
	return &d->base;
}
