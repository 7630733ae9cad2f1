/*
 * ledger: scanned log files and their hashes in the state store.
 */
#include "config.h"

#include "daemon/ledger.h"

#include <stdio.h>
#include <stdlib.h>

#include "state/state.h"
#include "util/log.h"

#define KEY_PREFIX "log/"

struct ledger {
	struct state *st;             /* borrowed */
	int64_t keep;                 /* seconds */
	int64_t unlisted;             /* seconds a digest has to list a scanned log */
	atomic_uint_fast64_t *errors; /* borrowed, may be NULL */
	atomic_int failing;           /* the last store call failed */
};

struct ledger *
ledger_new(struct state *st, int64_t keep_s, int64_t unlisted_s, atomic_uint_fast64_t *errors)
{
	struct ledger *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->st = st;
	l->keep = keep_s > 0 ? keep_s : LEDGER_KEEP_DEFAULT;
	l->unlisted = unlisted_s;
	l->errors = errors;
	atomic_init(&l->failing, 0);
	return l;
}

void
ledger_free(struct ledger *l)
{
	free(l);
}

int64_t
ledger_hash_prefix(const char hash[DIGEST_HASH_HEX])
{
	int64_t v = 0;

	for (int i = 0; i < 15; i++) {
		char c = hash[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (d < 0)
			return 0;
		v = v << 4 | d;
	}
	return v;
}

/* 0, or -1 when the name is too long for a store key (then not recorded). */
static int
store_key(const char *bucket, const char *key, char out[STATE_KEY_MAX])
{
	int n = snprintf(out, STATE_KEY_MAX, KEY_PREFIX "%s/%s", bucket, key);

	return n < 0 || n >= STATE_KEY_MAX ? -1 : 0;
}

static void
outcome(struct ledger *l, int r, const struct ct_error *err)
{
	if (r == -1) {
		if (l->errors)
			atomic_fetch_add(l->errors, 1);
		if (atomic_exchange(&l->failing, 1) == 0)
			log_warnx(
			    "%s; until it works again, log files are fetched again when their "
			    "digest comes",
			    err->msg);
	} else if (atomic_exchange(&l->failing, 0) == 1) {
		log_notice("state store %s works again", state_where(l->st));
	}
}

void
ledger_scanned(
    struct ledger *l, const char *bucket, const char *key, const char hash[DIGEST_HASH_HEX])
{
	char k[STATE_KEY_MAX], u[STATE_KEY_MAX + 16];
	struct ct_error err;
	int64_t v;
	int r;

	if (store_key(bucket, key, k) == -1)
		return;
	/* A log read again with the hash it had (a message delivered twice)
	 * may be listed already: it waits for no digest again. */
	if (state_get(l->st, k, &v, &err) == 1 && v == ledger_hash_prefix(hash))
		return;
	snprintf(u, sizeof(u), "unlisted/%s/%s", bucket, key);
	if (state_put(l->st, u, state_now(l->st) + l->unlisted, &err) == -1) {
		outcome(l, -1, &err);
		return;
	}
	/* The latest scan wins: forget the one before, then count up from 0. */
	r = state_forget(l->st, k, &err);
	if (r != -1)
		r = state_add(
		    l->st, k, ledger_hash_prefix(hash), state_now(l->st) + l->keep, &v, &err);
	outcome(l, r == -1 ? -1 : 0, &err);
}

int
ledger_lookup(struct ledger *l, const char *bucket, const char *key, int64_t *prefix)
{
	char k[STATE_KEY_MAX];
	struct ct_error err;
	int r;

	*prefix = 0;
	if (store_key(bucket, key, k) == -1)
		return 0;
	r = state_get(l->st, k, prefix, &err);
	outcome(l, r, &err);
	return r;
}
