/*
 * memo: what a string value did at a field, remembered for the next time.
 *
 * Logs repeat their values: the same principals, user agents, addresses and
 * API names come back record after record. What a string value does at a
 * field (the keys it has, the clauses its wildcards, ranges and
 * anything-but satisfy) depends on nothing but the value and the ruleset,
 * so the matcher keeps it here and replays it instead of searching again.
 * An entry holds the value's bytes: a value is only ever taken for an
 * identical one, never for another that hashes alike.
 *
 * The cache is set-associative with two ways per set, the one used less
 * lately replaced; its size is fixed when the matcher is made. The hashes
 * of the entries are apart from them, four sets to a cache line: a miss
 * reads nothing else.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_int.h"

int
memo_init(struct memo *c, uint32_t sets)
{
	c->e = calloc((size_t)sets * 2, sizeof(*c->e));
	c->tag = calloc((size_t)sets * 2, sizeof(*c->tag));
	c->older = calloc(sets, 1);
	c->mask = sets - 1;
	return c->e == NULL || c->tag == NULL || c->older == NULL ? -1 : 0;
}

void
memo_free(struct memo *c)
{
	free(c->e);
	free(c->tag);
	free(c->older);
	c->e = NULL;
	c->tag = NULL;
	c->older = NULL;
}

uint64_t
memo_hash(uint32_t node, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint64_t h = MH_K0 ^ ((uint64_t)node << 32) ^ len, w0, w1;
	size_t i = len;

	for (; i > MH_SHORT; i -= 16, p += 16)
		h = mh_mix(mh_load64(p) ^ MH_K1, mh_load64(p + 8) ^ h);
	mh_words((const char *)p, i, &w0, &w1);
	h = mh_mix(w0 ^ MH_K1, w1 ^ h);
	return h != 0 ? h : 1;
}

struct memo_entry *
memo_find(struct memo *c, uint64_t h, uint32_t node, const char *s, size_t len)
{
	size_t at = 2 * (h & c->mask);

	for (int w = 0; w < 2; w++) {
		struct memo_entry *e = &c->e[at + w];
		if (c->tag[at + w] == h && e->node == node && e->len == len &&
		    memcmp(e->bytes, s, len) == 0) {
			c->older[at / 2] = w == 1;
			return e;
		}
	}
	return NULL;
}

struct memo_entry *
memo_claim(struct memo *c, uint64_t h, uint32_t node, const char *s, size_t len)
{
	size_t at = 2 * (h & c->mask);
	int w = c->older[at / 2] ? 0 : 1;
	struct memo_entry *e = &c->e[at + w];

	c->older[at / 2] = w == 1;
	c->tag[at + w] = h;
	e->node = node;
	e->len = (uint16_t)len;
	e->n = 0;
	memcpy(e->bytes, s, len);
	return e;
}
