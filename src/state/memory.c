/*
 * state/memory: the store of one process, a chained hash table under one
 * mutex. Pruning and taking expired keys walk the whole table: they run
 * rarely and the table is bounded by max_keys.
 */
#include "state/state_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	char *key; /* owned */
	int64_t until;
	int64_t value;
	struct entry *next; /* bucket chain */
};

struct mem {
	struct state base;
	pthread_mutex_t lock;
	struct entry **bucket; /* owned; nbuckets chains */
	size_t nbuckets;       /* a power of two */
	size_t count;
};

/* FNV-1a: short keys, no adversary that could not simply send more records. */
static size_t
hash(const char *key)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ULL;
	return (size_t)h;
}

static struct entry **
slot(struct mem *m, const char *key)
{
	struct entry **p = &m->bucket[hash(key) & (m->nbuckets - 1)];

	while (*p && strcmp((*p)->key, key) != 0)
		p = &(*p)->next;
	return p;
}

static void
grow(struct mem *m)
{
	size_t n = m->nbuckets * 2;
	struct entry **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < m->nbuckets; i++)
		for (struct entry *e = m->bucket[i], *next; e; e = next) {
			next = e->next;
			e->next = b[hash(e->key) & (n - 1)];
			b[hash(e->key) & (n - 1)] = e;
		}
	free(m->bucket);
	m->bucket = b;
	m->nbuckets = n;
}

/* The live entry for key, created (counter 0, expiring at until) or
 * restarted when absent or expired; *fresh says which. Lock held. */
static struct entry *
get_or_start(
    struct mem *m, const char *key, int64_t until, int64_t now, int *fresh, struct ct_error *err)
{
	struct entry **p = slot(m, key), *e = *p;

	*fresh = e == NULL || e->until <= now;
	if (e == NULL) {
		if ((e = calloc(1, sizeof(*e))) == NULL || (e->key = strdup(key)) == NULL) {
			free(e);
			ct_error_set(err, CT_ERR_NOMEM, "state store memory: out of memory");
			return NULL;
		}
		*p = e;
		if (++m->count > m->nbuckets)
			grow(m);
	}
	if (*fresh) {
		e->until = until;
		e->value = 0;
	}
	return e;
}

static int
mem_put(struct state *s, const char *key, int64_t until, int64_t now, struct ct_error *err)
{
	struct mem *m = (struct mem *)s;
	struct entry *e;
	int fresh;

	pthread_mutex_lock(&m->lock);
	if ((e = get_or_start(m, key, until, now, &fresh, err)) != NULL && until > e->until)
		e->until = until;
	pthread_mutex_unlock(&m->lock);
	return e ? 0 : -1;
}

static int
mem_has(struct state *s, const char *key, int64_t now, struct ct_error *err)
{
	struct mem *m = (struct mem *)s;
	struct entry *e;
	int r;

	(void)err;
	pthread_mutex_lock(&m->lock);
	e = *slot(m, key);
	r = e != NULL && e->until > now;
	pthread_mutex_unlock(&m->lock);
	return r;
}

static int
mem_claim(struct state *s, const char *key, int64_t until, int64_t now, struct ct_error *err)
{
	struct mem *m = (struct mem *)s;
	int fresh = 0;
	struct entry *e;

	pthread_mutex_lock(&m->lock);
	e = get_or_start(m, key, until, now, &fresh, err);
	pthread_mutex_unlock(&m->lock);
	return e ? fresh : -1;
}

static int
mem_add(struct state *s, const char *key, int64_t delta, int64_t until, int64_t now, int64_t *value,
    struct ct_error *err)
{
	struct mem *m = (struct mem *)s;
	struct entry *e;
	int fresh;

	pthread_mutex_lock(&m->lock);
	if ((e = get_or_start(m, key, until, now, &fresh, err)) != NULL)
		*value = e->value += delta;
	pthread_mutex_unlock(&m->lock);
	return e ? 0 : -1;
}

static int
mem_get(struct state *s, const char *key, int64_t now, int64_t *value, struct ct_error *err)
{
	struct mem *m = (struct mem *)s;
	struct entry *e;
	int r;

	(void)err;
	pthread_mutex_lock(&m->lock);
	e = *slot(m, key);
	if ((r = e != NULL && e->until > now))
		*value = e->value;
	pthread_mutex_unlock(&m->lock);
	return r;
}

static int
mem_raise(struct state *s, const char *key, int64_t value, int64_t until, int64_t now,
    int64_t *before, struct ct_error *err)
{
	struct mem *m = (struct mem *)s;
	struct entry *e;
	int fresh, r = -1;

	pthread_mutex_lock(&m->lock);
	if ((e = get_or_start(m, key, until, now, &fresh, err)) != NULL) {
		*before = fresh ? INT64_MIN : e->value;
		if ((r = fresh || e->value < value)) {
			e->value = value;
			e->until = until;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return r;
}

static int
by_until(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;

	return x->until < y->until ? -1 : x->until > y->until ? 1 : strcmp(x->key, y->key);
}

/* The entries pick() chooses, oldest expiry first. Lock held. */
static struct entry **
select_entries(
    struct mem *m, int (*pick)(const struct entry *, const void *), const void *arg, size_t *n)
{
	struct entry **v = malloc((m->count + 1) * sizeof(*v));

	*n = 0;
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < m->nbuckets; i++)
		for (struct entry *e = m->bucket[i]; e; e = e->next)
			if (pick(e, arg))
				v[(*n)++] = e;
	qsort(v, *n, sizeof(*v), by_until);
	return v;
}

static void
forget(struct mem *m, struct entry *e)
{
	struct entry **p = slot(m, e->key);

	*p = e->next;
	free(e->key);
	free(e);
	m->count--;
}

static int
mem_forget(struct state *s, const char *key, struct ct_error *err)
{
	struct mem *m = (struct mem *)s;
	struct entry *e;

	(void)err;
	pthread_mutex_lock(&m->lock);
	if ((e = *slot(m, key)) != NULL)
		forget(m, e);
	pthread_mutex_unlock(&m->lock);
	return e != NULL;
}

struct expired_pick {
	const char *prefix;
	size_t len;
	int64_t now;
};

static int
pick_expired(const struct entry *e, const void *arg)
{
	const struct expired_pick *x = arg;

	return e->until <= x->now && strncmp(e->key, x->prefix, x->len) == 0;
}

static int
pick_all(const struct entry *e, const void *arg)
{
	(void)e;
	(void)arg;
	return 1;
}

static long
mem_take_expired(struct state *s, const char *prefix, size_t max, int64_t now, state_expired_fn fn,
    void *arg, struct ct_error *err)
{
	struct mem *m = (struct mem *)s;
	struct expired_pick x = {prefix, strlen(prefix), now};
	struct entry **v;
	size_t n;

	pthread_mutex_lock(&m->lock);
	if ((v = select_entries(m, pick_expired, &x, &n)) == NULL) {
		pthread_mutex_unlock(&m->lock);
		return ct_error_set(err, CT_ERR_NOMEM, "state store memory: out of memory");
	}
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++) {
		fn(arg, v[i]->key, v[i]->value, v[i]->until);
		forget(m, v[i]);
	}
	pthread_mutex_unlock(&m->lock);
	free(v);
	return (long)n;
}

static long
mem_prune(struct state *s, int64_t now, struct ct_error *err)
{
	struct mem *m = (struct mem *)s;
	struct expired_pick old = {"", 0, now - STATE_EXPIRED_KEEP_S};
	struct entry **v;
	size_t n, gone = 0;
	int oom = 0;

	pthread_mutex_lock(&m->lock);
	if ((v = select_entries(m, pick_expired, &old, &n)) == NULL)
		oom = 1;
	for (size_t i = 0; i < n; i++)
		forget(m, v[i]);
	gone += n;
	free(v);
	if (!oom && (int64_t)m->count > s->max_keys) {
		size_t over = m->count - (size_t)s->max_keys;

		if ((v = select_entries(m, pick_all, NULL, &n)) == NULL)
			oom = 1;
		for (size_t i = 0; v && i < over; i++)
			forget(m, v[i]);
		gone += v ? over : 0;
		free(v);
	}
	pthread_mutex_unlock(&m->lock);
	if (oom)
		return ct_error_set(err, CT_ERR_NOMEM, "state store memory: out of memory");
	return (long)gone;
}

static long
mem_count(struct state *s, struct ct_error *err)
{
	struct mem *m = (struct mem *)s;
	size_t n;

	(void)err;
	pthread_mutex_lock(&m->lock);
	n = m->count;
	pthread_mutex_unlock(&m->lock);
	return (long)n;
}

static void
mem_close(struct state *s)
{
	struct mem *m = (struct mem *)s;

	for (size_t i = 0; i < m->nbuckets; i++)
		for (struct entry *e = m->bucket[i], *next; e; e = next) {
			next = e->next;
			free(e->key);
			free(e);
		}
	free(m->bucket);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static const struct state_ops mem_ops = {mem_put, mem_has, mem_claim, mem_add, mem_get, mem_raise,
    mem_forget, mem_take_expired, mem_prune, mem_count, mem_close};

struct state *
state_memory_open(const struct state_options *o, struct ct_error *err)
{
	struct mem *m = calloc(1, sizeof(*m));

	(void)o;
	if (m == NULL || (m->bucket = calloc(64, sizeof(*m->bucket))) == NULL) {
		free(m);
		ct_error_set(err, CT_ERR_NOMEM, "state store memory: out of memory");
		return NULL;
	}
	m->nbuckets = 64;
	pthread_mutex_init(&m->lock, NULL);
	m->base.ops = &mem_ops;
	return &m->base;
}
