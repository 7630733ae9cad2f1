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
 * lately replaced; its size is fixed when the matcher is made.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_int.h"

int
memo_init(struct memo *c, uint32_t sets)
{
	c->e = calloc((size_t)sets * 2, sizeof(*c->e));
	c->mask = sets - 1;
	return c->e == NULL ? -1 : 0;
}

void
memo_free(struct memo *c)
{
	free(c->e);
	c->e = NULL;
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
	struct memo_entry *set = &c->e[2 * (h & c->mask)];

	for (int w = 0; w < 2; w++) {
		struct memo_entry *e = &set[w];
		if (e->hash == h && e->node == node && e->len == len &&
		    memcmp(e->bytes, s, len) == 0) {
			set[w].recent = 1;
			set[1 - w].recent = 0;
			return e;
		}
	}
	return NULL;
}

struct memo_entry *
memo_claim(struct memo *c, uint64_t h, uint32_t node, const char *s, size_t len)
{
	struct memo_entry *set = &c->e[2 * (h & c->mask)], *e;

	e = set[0].recent ? &set[1] : &set[0];
	set[0].recent = e == &set[0];
	set[1].recent = e == &set[1];
	e->hash = h;
	e->node = node;
	e->len = (uint16_t)len;
	e->n = 0;
	memcpy(e->bytes, s, len);
	return e;
}
