/*
 * dedup: a fixed-size ring of fingerprints with a chained hash index.
 *
 * Slots are written in ring order; once the ring is full the slot about to
 * be written holds the oldest fingerprint, which is unlinked from its chain
 * first. Chains are linked through next[], indexed by slot, so the index
 * costs one uint32_t per slot and per bucket and never allocates.
 */
#include "config.h"

#include "daemon/dedup.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

struct dedup {
	pthread_mutex_t lock;
	size_t cap;             /* slots */
	size_t count;           /* slots in use (== cap once the ring wrapped) */
	size_t pos;             /* the slot written next */
	size_t mask;            /* buckets - 1 (a power of two >= cap) */
	struct dedup_key *keys; /* owned; cap fingerprints */
	uint32_t *next;         /* owned; cap chain links */
	uint32_t *bucket;       /* owned; mask + 1 chain heads */
};

struct dedup *
dedup_new(size_t capacity)
{
	struct dedup *d;
	size_t nb = 1;

	if (capacity > DEDUP_MAX_CAPACITY || (d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	while (nb < capacity)
		nb <<= 1;
	d->cap = capacity;
	d->mask = nb - 1;
	d->keys = calloc(capacity ? capacity : 1, sizeof(*d->keys));
	d->next = calloc(capacity ? capacity : 1, sizeof(*d->next));
	d->bucket = malloc(nb * sizeof(*d->bucket));
	if (d->keys == NULL || d->next == NULL || d->bucket == NULL ||
	    pthread_mutex_init(&d->lock, NULL) != 0) {
		free(d->keys);
		free(d->next);
		free(d->bucket);
		free(d);
		return NULL;
	}
	memset(d->bucket, 0xff, nb * sizeof(*d->bucket));
	return d;
}

void
dedup_free(struct dedup *d)
{
	if (d == NULL)
		return;
	pthread_mutex_destroy(&d->lock);
	free(d->keys);
	free(d->next);
	free(d->bucket);
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

static int
key_eq(const struct dedup_key *a, const struct dedup_key *b)
{
	return a->hi == b->hi && a->lo == b->lo;
}

/* The slot holding k, or NIL; lock held. */
static uint32_t
find(const struct dedup *d, const struct dedup_key *k)
{
	uint32_t s = d->bucket[k->lo & d->mask];

	while (s != NIL && !key_eq(&d->keys[s], k))
		s = d->next[s];
	return s;
}

/* Takes slot s out of its chain; lock held. */
static void
unlink_slot(struct dedup *d, uint32_t s)
{
	uint32_t *p = &d->bucket[d->keys[s].lo & d->mask];

	while (*p != NIL && *p != s)
		p = &d->next[*p];
	if (*p == s)
		*p = d->next[s];
}

int
dedup_seen(struct dedup *d, const struct dedup_key *k)
{
	int seen;

	if (d->cap == 0)
		return 0;
	pthread_mutex_lock(&d->lock);
	seen = find(d, k) != NIL;
	pthread_mutex_unlock(&d->lock);
	return seen;
}

void
dedup_remember(struct dedup *d, const struct dedup_key *k)
{
	uint32_t s, b;

	if (d->cap == 0)
		return;
	pthread_mutex_lock(&d->lock);
	if (find(d, k) == NIL) {
		s = (uint32_t)d->pos;
		if (d->count == d->cap)
			unlink_slot(d, s);
		else
			d->count++;
		d->keys[s] = *k;
		b = (uint32_t)(k->lo & d->mask);
		d->next[s] = d->bucket[b];
		d->bucket[b] = s;
		d->pos = (d->pos + 1) % d->cap;
	}
	pthread_mutex_unlock(&d->lock);
}

size_t
dedup_count(struct dedup *d)
{
	size_t n;

	pthread_mutex_lock(&d->lock);
	n = d->count;
	pthread_mutex_unlock(&d->lock);
	return n;
}

size_t
dedup_capacity(const struct dedup *d)
{
	return d->cap;
}

int
dedup_selfcheck(struct dedup *d)
{
	size_t linked = 0;
	int r = 0;

	pthread_mutex_lock(&d->lock);
	for (size_t b = 0; b <= d->mask && r == 0; b++)
		for (uint32_t s = d->bucket[b]; s != NIL && r == 0; s = d->next[s], linked++)
			if (s >= d->count || (d->keys[s].lo & d->mask) != b || linked > d->count)
				r = -1;
	for (size_t s = 0; s < d->count && r == 0; s++)
		if (find(d, &d->keys[s]) != s)
			r = -1;
	if (linked != d->count)
		r = -1;
	pthread_mutex_unlock(&d->lock);
	return r;
}
