/*
 * dedup: published alerts as keys of the state store. See dedup.h.
 *
 * A store that fails is told once, when it starts failing, and once when it
 * works again; meanwhile every pair counts as not seen.
 */
#include "config.h"

#include "daemon/dedup.h"

#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/state.h"
#include "util/log.h"

#define KEY_PREFIX "alert/"

struct dedup {
	struct state *st;             /* borrowed */
	int64_t remember;             /* seconds; 0: off */
	atomic_uint_fast64_t *errors; /* borrowed, may be NULL: store calls that failed */
	atomic_int failing;           /* the last store call failed */
};

struct dedup *
dedup_new(struct state *st, int64_t remember_s, atomic_uint_fast64_t *errors)
{
	struct dedup *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->st = st;
	d->remember = remember_s > 0 ? remember_s : 0;
	d->errors = errors;
	atomic_init(&d->failing, 0);
	return d;
}

void
dedup_free(struct dedup *d)
{
	free(d);
}

static uint64_t
load64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int
dedup_key_make(struct dedup_key *k, const char *event_id, const char *rule)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (event_id == NULL)
		event_id = "";
	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, event_id, strlen(event_id) + 1) == 1 &&
	     EVP_DigestUpdate(ctx, rule, strlen(rule)) == 1 &&
	     EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen >= 16;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	k->hi = load64(md);
	k->lo = load64(md + 8);
	return 0;
}

void
dedup_key_hex(const struct dedup_key *k, char *out)
{
	snprintf(out, DEDUP_HEX_LEN + 1, "%016llx%016llx", (unsigned long long)k->hi,
	    (unsigned long long)k->lo);
}

/* "alert/" and the fingerprint's hex. */
static void
store_key(const struct dedup_key *k, char *out)
{
	memcpy(out, KEY_PREFIX, sizeof(KEY_PREFIX) - 1);
	dedup_key_hex(k, out + sizeof(KEY_PREFIX) - 1);
}

/* Logs the change when the store starts or stops failing. */
static void
outcome(struct dedup *d, int r, const struct ct_error *err)
{
	if (r == -1) {
		if (d->errors)
			atomic_fetch_add(d->errors, 1);
		if (atomic_exchange(&d->failing, 1) == 0)
			log_warnx("%s; until it works again, alerts already published may be "
			          "published again",
			    err->msg);
	} else if (atomic_exchange(&d->failing, 0) == 1) {
		log_notice("state store %s works again", state_where(d->st));
	}
}

int
dedup_seen(struct dedup *d, const struct dedup_key *k)
{
	char key[sizeof(KEY_PREFIX) + DEDUP_HEX_LEN];
	struct ct_error err;
	int r;

	if (d->remember == 0)
		return 0;
	store_key(k, key);
	r = state_has(d->st, key, &err);
	outcome(d, r, &err);
	return r == 1;
}

void
dedup_remember(struct dedup *d, const struct dedup_key *k)
{
	char key[sizeof(KEY_PREFIX) + DEDUP_HEX_LEN];
	struct ct_error err;

	if (d->remember == 0)
		return;
	store_key(k, key);
	outcome(d, state_put(d->st, key, state_now(d->st) + d->remember, &err), &err);
}

#define HAND_OVER_BATCH 1000

/* The keys taken from the source store, copied out of its callback. */
struct taken {
	char (*keys)[sizeof(KEY_PREFIX) + DEDUP_HEX_LEN];
	size_t n;
};

static void
take_one(void *arg, const char *key, int64_t value, int64_t until)
{
	struct taken *t = arg;

	(void)value;
	(void)until;
	if (strlen(key) < sizeof(t->keys[0]))
		strcpy(t->keys[t->n++], key);
}

long
dedup_hand_over(struct dedup *src, struct dedup *d)
{
	struct taken t = {calloc(HAND_OVER_BATCH, sizeof(*t.keys)), 0};
	struct ct_error err;
	long r, total = 0;

	if (t.keys == NULL)
		return -1;
	do {
		t.n = 0;
		r = state_take_expired(src->st, KEY_PREFIX, HAND_OVER_BATCH, take_one, &t, &err);
		outcome(src, r < 0 ? -1 : 0, &err);
		for (size_t i = 0; r > 0 && i < t.n && d->remember > 0; i++) {
			int put = state_put(d->st, t.keys[i], state_now(d->st) + d->remember, &err);

			outcome(d, put, &err);
			if (put == -1)
				r = -1;
		}
		total += r > 0 ? r : 0;
	} while (r == HAND_OVER_BATCH);
	free(t.keys);
	return r < 0 ? -1 : total;
}
