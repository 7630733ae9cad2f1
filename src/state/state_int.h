/*
 * state_int: what the backends of state.h implement. state.c checks the
 * arguments (key length, a NULL store) and reads the clock once per call;
 * a backend gets a valid key and `now`.
 */
#ifndef CT_STATE_STATE_INT_H
#define CT_STATE_STATE_INT_H

#include "state/state.h"

struct state_ops {
	int (*put)(
	    struct state *s, const char *key, int64_t until, int64_t now, struct ct_error *err);
	int (*has)(struct state *s, const char *key, int64_t now, struct ct_error *err);
	int (*claim)(
	    struct state *s, const char *key, int64_t until, int64_t now, struct ct_error *err);
	int (*add)(struct state *s, const char *key, int64_t delta, int64_t until, int64_t now,
	    int64_t *value, struct ct_error *err);
	int (*get)(
	    struct state *s, const char *key, int64_t now, int64_t *value, struct ct_error *err);
	int (*raise)(struct state *s, const char *key, int64_t value, int64_t until, int64_t now,
	    int64_t *before, struct ct_error *err);
	int (*forget)(struct state *s, const char *key, struct ct_error *err);
	long (*take_expired)(struct state *s, const char *prefix, size_t max, int64_t now,
	    state_expired_fn fn, void *arg, struct ct_error *err);
	long (*prune)(struct state *s, int64_t now, struct ct_error *err);
	long (*count)(struct state *s, struct ct_error *err);
	void (*close)(struct state *s);
};

/* The part every backend's store begins with. */
struct state {
	const struct state_ops *ops;
	enum state_backend backend;
	int64_t (*now)(void);
	int64_t max_keys;
	char *where; /* owned: the file, the table, or "memory" */
};

struct state *state_memory_open(const struct state_options *o, struct ct_error *err);
struct state *state_sqlite_open(const struct state_options *o, struct ct_error *err);
struct state *state_dynamodb_open(const struct state_options *o, struct ct_error *err);

#endif
