/*
 * state/sqlite: the store in one SQLite file.
 *
 * One table, key -> (until, value), WITHOUT ROWID with an index on until.
 * WAL journal with synchronous=NORMAL: a transaction committed before a
 * kill -9 is never lost; on a power failure the last few may be, which can
 * only bring back an alert already sent (a duplicate), never drop one.
 * Each call is one statement, so it is atomic against other processes on
 * the same file too (busy_timeout waits for their locks). The connection is
 * shared by the threads under one mutex: a call is a few microseconds.
 */
#include "state/state_int.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_VERSION  1 /* PRAGMA user_version of the files this ctalertd writes */
#define BUSY_TIMEOUT_MS 5000

enum stmt {
	S_PUT,
	S_HAS,
	S_CLAIM,
	S_ADD,
	S_GET,
	S_RAISE,
	S_FORGET,
	S_TAKE,
	S_PRUNE_OLD,
	S_PRUNE_OVER,
	S_COUNT,
	S__COUNT
};

/* Parameters: ?1 key, ?2 until, ?3 now, ?4 delta or a limit, ?5 prefix. */
static const char *const sql[S__COUNT] = {
    [S_PUT] = "INSERT INTO state(key, until, value) VALUES (?1, ?2, 0) "
              "ON CONFLICT(key) DO UPDATE SET "
              "value = CASE WHEN until <= ?3 THEN 0 ELSE value END, "
              "until = CASE WHEN until <= ?3 OR excluded.until > until "
              "THEN excluded.until ELSE until END",
    [S_HAS] = "SELECT 1 FROM state WHERE key = ?1 AND until > ?3",
    [S_CLAIM] = "INSERT INTO state(key, until, value) VALUES (?1, ?2, 0) "
                "ON CONFLICT(key) DO UPDATE SET until = excluded.until, value = 0 "
                "WHERE until <= ?3",
    [S_ADD] = "INSERT INTO state(key, until, value) VALUES (?1, ?2, ?4) "
              "ON CONFLICT(key) DO UPDATE SET "
              "value = CASE WHEN until <= ?3 THEN excluded.value ELSE value + excluded.value END, "
              "until = CASE WHEN until <= ?3 THEN excluded.until ELSE until END "
              "RETURNING value",
    [S_GET] = "SELECT value FROM state WHERE key = ?1 AND until > ?3",
    [S_RAISE] = "INSERT INTO state(key, until, value) VALUES (?1, ?2, ?4) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value, until = excluded.until "
                "WHERE until <= ?3 OR value < excluded.value",
    [S_FORGET] = "DELETE FROM state WHERE key = ?1",
    [S_TAKE] = "DELETE FROM state WHERE key IN (SELECT key FROM state WHERE until <= ?3 "
               "AND substr(key, 1, length(?5)) = ?5 ORDER BY until, key LIMIT ?4) "
               "RETURNING key, value, until",
    [S_PRUNE_OLD] = "DELETE FROM state WHERE until <= ?3",
    [S_PRUNE_OVER] = "DELETE FROM state WHERE key IN (SELECT key FROM state "
                     "ORDER BY until, key LIMIT ?4)",
    [S_COUNT] = "SELECT count(*) FROM state",
};

struct lite {
	struct state base;
	pthread_mutex_t lock;
	sqlite3 *db;
	sqlite3_stmt *stmt[S__COUNT];
};

static int
fail(struct lite *l, struct ct_error *err, const char *what)
{
	return ct_error_set(err, CT_ERR_IO, "state store %s: %s: %s", l->base.where, what,
	    l->db ? sqlite3_errmsg(l->db) : "cannot open");
}

/* The statement, reset and bound; lock held. */
static sqlite3_stmt *
bind(struct lite *l, enum stmt which, const char *key, int64_t until, int64_t now, int64_t n,
    const char *prefix)
{
	sqlite3_stmt *st = l->stmt[which];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (key)
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, until);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, n);
	if (prefix)
		sqlite3_bind_text(st, 5, prefix, -1, SQLITE_STATIC);
	return st;
}

/* Runs a statement that returns no rows: the number of rows it changed. */
static long
run(struct lite *l, sqlite3_stmt *st, const char *what, struct ct_error *err)
{
	int rc = sqlite3_step(st);
	long changed = sqlite3_changes(l->db);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail(l, err, what);
	return changed;
}

static int
lite_put(struct state *s, const char *key, int64_t until, int64_t now, struct ct_error *err)
{
	struct lite *l = (struct lite *)s;
	long r;

	pthread_mutex_lock(&l->lock);
	r = run(l, bind(l, S_PUT, key, until, now, 0, NULL), "recording a key", err);
	pthread_mutex_unlock(&l->lock);
	return r < 0 ? -1 : 0;
}

static int
lite_has(struct state *s, const char *key, int64_t now, struct ct_error *err)
{
	struct lite *l = (struct lite *)s;
	sqlite3_stmt *st;
	int rc;

	pthread_mutex_lock(&l->lock);
	st = bind(l, S_HAS, key, 0, now, 0, NULL);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		rc = fail(l, err, "looking up a key");
	pthread_mutex_unlock(&l->lock);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int
lite_claim(struct state *s, const char *key, int64_t until, int64_t now, struct ct_error *err)
{
	struct lite *l = (struct lite *)s;
	long r;

	pthread_mutex_lock(&l->lock);
	r = run(l, bind(l, S_CLAIM, key, until, now, 0, NULL), "claiming a key", err);
	pthread_mutex_unlock(&l->lock);
	return r < 0 ? -1 : r > 0;
}

static int
lite_add(struct state *s, const char *key, int64_t delta, int64_t until, int64_t now,
    int64_t *value, struct ct_error *err)
{
	struct lite *l = (struct lite *)s;
	sqlite3_stmt *st;
	int rc, r = 0;

	pthread_mutex_lock(&l->lock);
	st = bind(l, S_ADD, key, until, now, delta, NULL);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*value = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_ROW || (rc = sqlite3_step(st)) != SQLITE_DONE)
		r = fail(l, err, "adding to a counter");
	sqlite3_reset(st);
	pthread_mutex_unlock(&l->lock);
	return r;
}

/* S_GET: 1 and *value, 0, or -1; lock held. */
static int
get_locked(struct lite *l, const char *key, int64_t now, int64_t *value, struct ct_error *err)
{
	sqlite3_stmt *st = bind(l, S_GET, key, 0, now, 0, NULL);
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		*value = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(l, err, "reading a counter");
	return rc == SQLITE_ROW;
}

static int
lite_get(struct state *s, const char *key, int64_t now, int64_t *value, struct ct_error *err)
{
	struct lite *l = (struct lite *)s;
	int r;

	pthread_mutex_lock(&l->lock);
	r = get_locked(l, key, now, value, err);
	pthread_mutex_unlock(&l->lock);
	return r;
}

/* The read and the conditional write in one IMMEDIATE transaction, so that
 * another process on the same file sees the counter either before or after
 * this call, never between. */
static int
lite_raise(struct state *s, const char *key, int64_t value, int64_t until, int64_t now,
    int64_t *before, struct ct_error *err)
{
	struct lite *l = (struct lite *)s;
	int64_t old = 0;
	int had;
	long r = -1;

	pthread_mutex_lock(&l->lock);
	if (sqlite3_exec(l->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		fail(l, err, "raising a counter");
	} else if ((had = get_locked(l, key, now, &old, err)) >= 0) {
		*before = had ? old : INT64_MIN;
		r = run(
		    l, bind(l, S_RAISE, key, until, now, value, NULL), "raising a counter", err);
	}
	if (r >= 0 && sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		r = fail(l, err, "raising a counter");
	if (r < 0)
		sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&l->lock);
	return r < 0 ? -1 : r > 0;
}

static int
lite_forget(struct state *s, const char *key, struct ct_error *err)
{
	struct lite *l = (struct lite *)s;
	long r;

	pthread_mutex_lock(&l->lock);
	r = run(l, bind(l, S_FORGET, key, 0, 0, 0, NULL), "forgetting a key", err);
	pthread_mutex_unlock(&l->lock);
	return r < 0 ? -1 : r > 0;
}

struct taken {
	char key[STATE_KEY_MAX + 1];
	int64_t value, until;
};

static int
by_until(const void *a, const void *b)
{
	const struct taken *x = a, *y = b;

	return x->until < y->until ? -1 : x->until > y->until ? 1 : strcmp(x->key, y->key);
}

static long
lite_take_expired(struct state *s, const char *prefix, size_t max, int64_t now, state_expired_fn fn,
    void *arg, struct ct_error *err)
{
	struct lite *l = (struct lite *)s;
	struct taken *v;
	sqlite3_stmt *st;
	size_t n = 0;
	int rc;

	if (max > 10000)
		max = 10000;
	if ((v = malloc(max * sizeof(*v))) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "state store %s: out of memory", s->where);
	pthread_mutex_lock(&l->lock);
	st = bind(l, S_TAKE, NULL, 0, now, (int64_t)max, prefix);
	/* The rows are deleted as they are stepped through: read them all
	 * before handing any out, so that fn may call the store. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max) {
		const char *k = (const char *)sqlite3_column_text(st, 0);

		snprintf(v[n].key, sizeof(v[n].key), "%s", k ? k : "");
		v[n].value = sqlite3_column_int64(st, 1);
		v[n].until = sqlite3_column_int64(st, 2);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fail(l, err, "taking expired keys");
		pthread_mutex_unlock(&l->lock);
		free(v);
		return -1;
	}
	pthread_mutex_unlock(&l->lock);
	/* RETURNING gives no order: the oldest expiry first, as documented. */
	qsort(v, n, sizeof(*v), by_until);
	for (size_t i = 0; i < n; i++)
		fn(arg, v[i].key, v[i].value, v[i].until);
	free(v);
	return (long)n;
}

static long
lite_prune(struct state *s, int64_t now, struct ct_error *err)
{
	struct lite *l = (struct lite *)s;
	long gone, over = 0, count = 0;
	sqlite3_stmt *st;

	pthread_mutex_lock(&l->lock);
	gone = run(l, bind(l, S_PRUNE_OLD, NULL, 0, now - STATE_EXPIRED_KEEP_S, 0, NULL),
	    "pruning expired keys", err);
	if (gone >= 0) {
		st = bind(l, S_COUNT, NULL, 0, 0, 0, NULL);
		if (sqlite3_step(st) == SQLITE_ROW)
			count = (long)sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (count > s->max_keys)
			over = run(l, bind(l, S_PRUNE_OVER, NULL, 0, 0, count - s->max_keys, NULL),
			    "pruning the oldest keys", err);
	}
	pthread_mutex_unlock(&l->lock);
	return gone < 0 || over < 0 ? -1 : gone + over;
}

static long
lite_count(struct state *s, struct ct_error *err)
{
	struct lite *l = (struct lite *)s;
	sqlite3_stmt *st;
	long n = -1;

	pthread_mutex_lock(&l->lock);
	st = bind(l, S_COUNT, NULL, 0, 0, 0, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	else
		fail(l, err, "counting keys");
	sqlite3_reset(st);
	pthread_mutex_unlock(&l->lock);
	return n;
}

static void
lite_close(struct state *s)
{
	struct lite *l = (struct lite *)s;

	for (int i = 0; i < S__COUNT; i++)
		sqlite3_finalize(l->stmt[i]);
	sqlite3_close(l->db);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

static const struct state_ops lite_ops = {lite_put, lite_has, lite_claim, lite_add, lite_get,
    lite_raise, lite_forget, lite_take_expired, lite_prune, lite_count, lite_close};

/* Creates the table, or checks that the file holds ours. */
static int
prepare_schema(struct lite *l, struct ct_error *err)
{
	sqlite3_stmt *st;
	char set_version[48];
	int version = -1;

	if (sqlite3_exec(l->db,
	        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	        "CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, until INTEGER NOT NULL,"
	        " value INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	        "CREATE INDEX IF NOT EXISTS state_until ON state(until);",
	        NULL, NULL, NULL) != SQLITE_OK)
		return fail(l, err, "creating the table");
	if (sqlite3_prepare_v2(l->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return fail(l, err, "reading the schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	snprintf(set_version, sizeof(set_version), "PRAGMA user_version = %d", SCHEMA_VERSION);
	if (version == 0 && sqlite3_exec(l->db, set_version, NULL, NULL, NULL) != SQLITE_OK)
		return fail(l, err, "writing the schema version");
	if (version != 0 && version != SCHEMA_VERSION)
		return ct_error_set(err, CT_ERR_CONFIG,
		    "state store %s: schema version %d, this ctalertd knows %d: "
		    "move the file away to start afresh",
		    l->base.where, version, SCHEMA_VERSION);
	return 0;
}

struct state *
state_sqlite_open(const struct state_options *o, struct ct_error *err)
{
	struct lite *l = calloc(1, sizeof(*l));

	if (l == NULL || (l->base.where = strdup(o->path)) == NULL) {
		free(l);
		ct_error_set(err, CT_ERR_NOMEM, "state store %s: out of memory", o->path);
		return NULL;
	}
	pthread_mutex_init(&l->lock, NULL);
	l->base.ops = &lite_ops;
	if (sqlite3_open_v2(o->path, &l->db,
	        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	        NULL) != SQLITE_OK) {
		fail(l, err, "cannot open");
		goto bad;
	}
	sqlite3_busy_timeout(l->db, BUSY_TIMEOUT_MS);
	if (prepare_schema(l, err) == -1)
		goto bad;
	for (int i = 0; i < S__COUNT; i++)
		if (sqlite3_prepare_v3(l->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &l->stmt[i],
		        NULL) != SQLITE_OK) {
			fail(l, err, "preparing a statement");
			goto bad;
		}
	return &l->base;
bad:
	free(l->base.where);
	l->base.where = NULL;
	lite_close(&l->base);
	return NULL;
}
