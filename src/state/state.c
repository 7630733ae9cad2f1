/*
 * state: the calls every backend shares, checked once here. See state.h.
 */
#include "state/state_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/clock.h"

static int64_t
wall_now(void)
{
	return (int64_t)clock_wall_s();
}

const char *
state_backend_name(enum state_backend b)
{
	switch (b) {
	case STATE_SQLITE:
		return "sqlite";
	case STATE_DYNAMODB:
		return "dynamodb";
	default:
		return "memory";
	}
}

struct state *
state_open(const struct state_options *o, struct ct_error *err)
{
	struct state *s;

	switch (o->backend) {
	case STATE_MEMORY:
		s = state_memory_open(o, err);
		break;
	case STATE_SQLITE:
		if (o->path == NULL || *o->path == '\0') {
			ct_error_set(err, CT_ERR_CONFIG, "state store: sqlite needs a file");
			return NULL;
		}
		s = state_sqlite_open(o, err);
		break;
	case STATE_DYNAMODB:
		if (o->table == NULL || *o->table == '\0' || o->aws == NULL) {
			ct_error_set(err, CT_ERR_CONFIG,
			    "state store: dynamodb needs a table and an AWS client");
			return NULL;
		}
		s = state_dynamodb_open(o, err);
		break;
	default:
		ct_error_set(
		    err, CT_ERR_INTERNAL, "state store: unknown backend %d", (int)o->backend);
		return NULL;
	}
	if (s == NULL)
		return NULL;
	s->backend = o->backend;
	s->now = o->now ? o->now : wall_now;
	s->max_keys = o->max_keys > 0 ? o->max_keys : STATE_MAX_KEYS_DEFAULT;
	return s;
}

double
state_prune_every(const struct state *s)
{
	return s->backend == STATE_DYNAMODB ? 0. : 300.;
}

int64_t
state_now(const struct state *s)
{
	return s->now();
}

void
state_close(struct state *s)
{
	if (s == NULL)
		return;
	free(s->where);
	s->where = NULL;
	s->ops->close(s);
}

enum state_backend
state_backend_of(const struct state *s)
{
	return s->backend;
}

const char *
state_where(const struct state *s)
{
	return s->where ? s->where : state_backend_name(s->backend);
}

static int
key_ok(const struct state *s, const char *key, struct ct_error *err)
{
	size_t n = key ? strlen(key) : 0;

	if (n == 0 || n > STATE_KEY_MAX)
		return ct_error_set(err, CT_ERR_INTERNAL,
		    "state store %s: a key of %zu bytes (1 to %d)", state_where(s), n,
		    STATE_KEY_MAX);
	return 0;
}

int
state_put(struct state *s, const char *key, int64_t until, struct ct_error *err)
{
	if (key_ok(s, key, err) == -1)
		return -1;
	return s->ops->put(s, key, until, s->now(), err);
}

int
state_has(struct state *s, const char *key, struct ct_error *err)
{
	if (key_ok(s, key, err) == -1)
		return -1;
	return s->ops->has(s, key, s->now(), err);
}

int
state_claim(struct state *s, const char *key, int64_t until, struct ct_error *err)
{
	if (key_ok(s, key, err) == -1)
		return -1;
	return s->ops->claim(s, key, until, s->now(), err);
}

int
state_add(struct state *s, const char *key, int64_t delta, int64_t until, int64_t *value,
    struct ct_error *err)
{
	if (key_ok(s, key, err) == -1)
		return -1;
	return s->ops->add(s, key, delta, until, s->now(), value, err);
}

int
state_get(struct state *s, const char *key, int64_t *value, struct ct_error *err)
{
	*value = 0;
	if (key_ok(s, key, err) == -1)
		return -1;
	return s->ops->get(s, key, s->now(), value, err);
}

int
state_raise(struct state *s, const char *key, int64_t value, int64_t until, int64_t *before,
    struct ct_error *err)
{
	int64_t dummy;

	if (key_ok(s, key, err) == -1)
		return -1;
	return s->ops->raise(s, key, value, until, s->now(), before ? before : &dummy, err);
}

int
state_forget(struct state *s, const char *key, struct ct_error *err)
{
	if (key_ok(s, key, err) == -1)
		return -1;
	return s->ops->forget(s, key, err);
}

long
state_take_expired(struct state *s, const char *prefix, size_t max, state_expired_fn fn, void *arg,
    struct ct_error *err)
{
	if (max == 0)
		return 0;
	return s->ops->take_expired(s, prefix ? prefix : "", max, s->now(), fn, arg, err);
}

long
state_prune(struct state *s, struct ct_error *err)
{
	return s->ops->prune(s, s->now(), err);
}

long
state_count(struct state *s, struct ct_error *err)
{
	return s->ops->count(s, err);
}
