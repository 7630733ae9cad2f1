/*
 * complexity: how hard a field's wildcards are to match, judged the way
 * EventBridge judges them when it refuses a rule as "too complex".
 *
 * EventBridge (event-ruler's machine complexity) counts, for the worst
 * value a field could hold, how many prefixes of the rule's wildcards at
 * that field match it at once: "*a*a*" has the prefixes "*", "*a", "*a*",
 * "*a*a" and "*a*a*", and the value "aa" is matched by all five. That is the
 * number of states a matcher walking the value would be in together. A
 * field whose count exceeds COMPLEXITY_LIMIT makes the rule too complex.
 *
 * The count is found by walking the wildcards' automaton over every value
 * at once: a set of active prefixes (positions in the wildcards) is one
 * state of the walk, and its moves are the bytes its positions name, plus
 * one for every other byte, which only moves the positions after a star.
 * The walk visits each set once and stops as soon as one is over the
 * limit, so the sets it keeps are small whatever the wildcards' length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_int.h"

#define WALK_MAX_SETS 4096 /* sets of positions visited before the walk gives up */

/* A wildcard as tokens: literal bytes, stars, and an end no byte moves past.
 * Position p is "the tokens before p matched"; a wildcard's first position
 * is its start. */
#define TOK_STAR  0x100
#define TOK_END   0x200
#define TOK_OTHER 0x300 /* the move of every byte no active position names */

struct walk {
	uint16_t *tok; /* owned; every wildcard's tokens, each wildcard ending in TOK_END */
	uint32_t ntok;
	u32vec pool;     /* the visited sets, each its length then its positions, sorted */
	u32vec at;       /* where each visited set begins in pool; BFS order */
	uint32_t *slots; /* owned; open addressing over at: index + 1, 0 empty */
	uint32_t mask;
	u32vec next; /* the set being built */
};

static int
walk_tokens(struct walk *w, const struct glob *const *g, size_t n)
{
	size_t total = 0, o = 0;

	for (size_t i = 0; i < n; i++)
		for (uint32_t s = 0; s < g[i]->nseg; s++)
			total += g[i]->seg[s].len + 1;
	if (total >= UINT32_MAX || (w->tok = malloc((total + 1) * sizeof(*w->tok))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		for (uint32_t s = 0; s < g[i]->nseg; s++) {
			for (size_t k = 0; k < g[i]->seg[s].len; k++)
				w->tok[o++] = (uint8_t)g[i]->seg[s].s[k];
			w->tok[o++] = s + 1 < g[i]->nseg ? TOK_STAR : TOK_END;
		}
	w->ntok = (uint32_t)o;
	return 0;
}

static int
cmp_pos(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Adds position p to the set being built, and the one after a star at p
 * (a star matches nothing too). */
static int
add_pos(struct walk *w, uint32_t p)
{
	if (VEC_PUSH(w->next, p) < 0)
		return -1;
	return w->tok[p] == TOK_STAR ? add_pos(w, p + 1) : 0;
}

/* Sorts the set being built and drops repeats; its size. */
static uint32_t
settle(struct walk *w)
{
	uint32_t k = 0;

	qsort(w->next.v, w->next.n, sizeof(*w->next.v), cmp_pos);
	for (uint32_t i = 0; i < w->next.n; i++)
		if (k == 0 || w->next.v[k - 1] != w->next.v[i])
			w->next.v[k++] = w->next.v[i];
	return w->next.n = k;
}

/* The set after one more byte b (or TOK_OTHER) from set[0..n). */
static int
step(struct walk *w, const uint32_t *set, uint32_t n, uint16_t b)
{
	w->next.n = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t p = set[i];
		if (w->tok[p] == b && b != TOK_OTHER && add_pos(w, p + 1) < 0)
			return -1;
		if (p > 0 && w->tok[p - 1] == TOK_STAR && add_pos(w, p) < 0)
			return -1; /* the star goes on */
	}
	settle(w);
	return 0;
}

static uint64_t
set_hash(const uint32_t *set, uint32_t n)
{
	uint64_t h = MH_K0 ^ n;

	for (uint32_t i = 0; i < n; i++)
		h = mh_mix(h ^ set[i], MH_K1);
	return h;
}

/* Keeps the set being built unless it was visited: 1 kept, 0 seen, -1 full. */
static int
visit(struct walk *w)
{
	const uint32_t *set = w->next.v, n = w->next.n;
	uint32_t i = (uint32_t)set_hash(set, n) & w->mask;

	for (; w->slots[i] != 0; i = (i + 1) & w->mask) {
		const uint32_t *old = &w->pool.v[w->at.v[w->slots[i] - 1]];
		if (old[0] == n && memcmp(old + 1, set, n * sizeof(*set)) == 0)
			return 0;
	}
	if (w->at.n == WALK_MAX_SETS || VEC_PUSH(w->at, w->pool.n) < 0 || VEC_PUSH(w->pool, n) < 0)
		return -1;
	for (uint32_t k = 0; k < n; k++)
		if (VEC_PUSH(w->pool, set[k]) < 0)
			return -1;
	w->slots[i] = w->at.n;
	return 1;
}

/* The moves of a set: the bytes its positions name, once each, then every
 * other byte as one. */
static uint32_t
moves(const struct walk *w, const uint32_t *set, uint32_t n, uint16_t *out)
{
	uint8_t seen[256] = {0};
	uint32_t k = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint16_t t = w->tok[set[i]];
		if (t < 0x100 && !seen[t]) {
			seen[t] = 1;
			out[k++] = t;
		}
	}
	out[k++] = TOK_OTHER;
	return k;
}

/* Breadth first over the sets some value reaches; the largest, or more
 * than limit. */
static uint32_t
walk_run(struct walk *w, uint32_t limit)
{
	uint32_t worst = 0;
	uint16_t mv[257];

	for (uint32_t p = 0; p < w->ntok; p++)
		if ((p == 0 || w->tok[p - 1] == TOK_END) && add_pos(w, p) < 0)
			return 0;
	settle(w);
	if (visit(w) < 0)
		return 0;
	for (uint32_t s = 0; s < w->at.n && worst <= limit; s++) {
		uint32_t n = w->pool.v[w->at.v[s]], nmv;
		/* pool may move as sets are added: copy the set out first */
		uint32_t *set = malloc((n + 1) * sizeof(*set));
		if (set == NULL)
			break;
		memcpy(set, &w->pool.v[w->at.v[s] + 1], n * sizeof(*set));
		nmv = moves(w, set, n, mv);
		for (uint32_t m = 0; m < nmv && worst <= limit; m++) {
			if (step(w, set, n, mv[m]) < 0)
				worst = limit + 1; /* out of memory: too complex to judge */
			else if (w->next.n > worst)
				worst = w->next.n;
			if (worst <= limit && w->next.n > 0 && visit(w) < 0)
				m = nmv; /* enough sets seen */
		}
		free(set);
	}
	return worst;
}

uint32_t
wildcard_complexity(const struct glob *const *g, size_t n, uint32_t limit)
{
	struct walk w;
	uint32_t worst = 0;

	memset(&w, 0, sizeof(w));
	if (n == 0 || walk_tokens(&w, g, n) < 0)
		return 0;
	w.mask = 2 * WALK_MAX_SETS - 1;
	if ((w.slots = calloc(w.mask + 1, sizeof(*w.slots))) != NULL)
		worst = walk_run(&w, limit);
	free(w.tok);
	free(w.slots);
	free(w.pool.v);
	free(w.at.v);
	free(w.next.v);
	return worst;
}
