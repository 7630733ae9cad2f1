/*
 * state/oldest: the n keys expiring first out of a stream of (key, expiry)
 * pairs, in memory for n only: a bounded max-heap whose top is the newest
 * of the n kept so far. Ties in expiry go by key, as in the other backends.
 */
#ifndef CT_STATE_OLDEST_H
#define CT_STATE_OLDEST_H

#include <stddef.h>
#include <stdint.h>

struct oldest_key {
	char *key;     /* owned */
	int64_t until; /* its expiry */
};

struct oldest {
	struct oldest_key *v; /* owned; cap entries; a heap until oldest_sort */
	size_t n;             /* entries kept */
	size_t cap;           /* at most this many */
};

/* Room for cap keys: 0, or -1 when memory ran out. */
int oldest_init(struct oldest *o, size_t cap);
void oldest_free(struct oldest *o);
/* Keeps (key, until) when it is among the cap oldest offered so far (key
 * is copied): 0, or -1 when memory ran out. */
int oldest_offer(struct oldest *o, const char *key, int64_t until);
/* Sorts what is kept, oldest first; offer no more after it. */
void oldest_sort(struct oldest *o);

#endif
