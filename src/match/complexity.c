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
 * at once: a set of active prefixes is one state of the walk, the bytes the
 * wildcards name (and one byte they do not) its moves, and the walk visits
 * each set once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_int.h"

#define WALK_MAX_SETS 4096 /* sets of prefixes visited before the walk gives up */

/* A wildcard as tokens: literal bytes, stars, and an end no byte moves past. */
#define TOK_STAR 0x100
#define TOK_END  0x200

struct walk {
	uint16_t *tok;   /* owned; every wildcard's tokens, each wildcard ending in TOK_END */
	uint32_t ntok;   /* positions: a position is "the prefix up to here matched" */
	uint32_t words;  /* uint64_t words of a set of positions */
	uint64_t *sets;  /* owned; visited sets, words each */
	uint32_t nsets;  /* of them; sets[0..nsets) */
	uint32_t *slots; /* owned; open addressing over sets: index + 1, 0 empty */
	uint32_t mask;
	uint8_t bytes[257]; /* the moves: bytes some wildcard names, then one it does not */
	uint32_t nbytes;
};

static int
walk_tokens(struct walk *w, const struct glob *const *g, size_t n)
{
	size_t total = 0, o = 0;

	for (size_t i = 0; i < n; i++)
		for (uint32_t s = 0; s < g[i]->nseg; s++)
			total += g[i]->seg[s].len + 1;
	w->tok = malloc((total + 1) * sizeof(*w->tok));
	if (w->tok == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		for (uint32_t s = 0; s < g[i]->nseg; s++) {
			for (size_t k = 0; k < g[i]->seg[s].len; k++)
				w->tok[o++] = (uint8_t)g[i]->seg[s].s[k];
			w->tok[o++] = s + 1 < g[i]->nseg ? TOK_STAR : TOK_END;
		}
	w->ntok = (uint32_t)o;
	w->words = (uint32_t)(o / 64 + 1);
	return 0;
}

static void
walk_alphabet(struct walk *w)
{
	uint8_t named[256] = {0};

	for (uint32_t i = 0; i < w->ntok; i++)
		if (w->tok[i] < 0x100)
			named[w->tok[i]] = 1;
	for (int b = 0; b < 256; b++)
		if (named[b])
			w->bytes[w->nbytes++] = (uint8_t)b;
	for (int b = 0; b < 256; b++)
		if (!named[b]) { /* every byte no wildcard names moves alike */
			w->bytes[w->nbytes++] = (uint8_t)b;
			break;
		}
}

static inline int
has(const uint64_t *set, uint32_t i)
{
	return (set[i / 64] >> (i % 64)) & 1;
}

static inline void
put(uint64_t *set, uint32_t i)
{
	set[i / 64] |= 1ull << (i % 64);
}

/* A star matches nothing too: the position after it is active with it. */
static void
close_stars(const struct walk *w, uint64_t *set)
{
	for (uint32_t i = 0; i < w->ntok; i++)
		if (has(set, i) && w->tok[i] == TOK_STAR)
			put(set, i + 1);
}

/* Position i is before token i; a wildcard's first position is its start. */
static void
start_set(const struct walk *w, uint64_t *set)
{
	memset(set, 0, w->words * sizeof(*set));
	for (uint32_t i = 0; i < w->ntok; i++)
		if (i == 0 || w->tok[i - 1] == TOK_END)
			put(set, i);
	close_stars(w, set);
}

/* The positions active after one more byte b; returns how many. */
static uint32_t
step(const struct walk *w, const uint64_t *from, uint8_t b, uint64_t *to)
{
	uint32_t n = 0;

	memset(to, 0, w->words * sizeof(*to));
	for (uint32_t i = 0; i < w->ntok; i++) {
		if (!has(from, i))
			continue;
		if (w->tok[i] == b)
			put(to, i + 1);
		if (i > 0 && w->tok[i - 1] == TOK_STAR)
			put(to, i); /* the star goes on */
	}
	close_stars(w, to);
	for (uint32_t i = 0; i < w->words; i++)
		n += (uint32_t)__builtin_popcountll(to[i]);
	return n;
}

static uint64_t
set_hash(const struct walk *w, const uint64_t *set)
{
	uint64_t h = MH_K0;

	for (uint32_t i = 0; i < w->words; i++)
		h = mh_mix(h ^ set[i], MH_K1);
	return h;
}

/* Adds set to the visited ones: 1 when new, 0 when seen, -1 when full. */
static int
visit(struct walk *w, const uint64_t *set)
{
	uint32_t i = (uint32_t)set_hash(w, set) & w->mask;

	for (; w->slots[i] != 0; i = (i + 1) & w->mask)
		if (memcmp(&w->sets[(size_t)(w->slots[i] - 1) * w->words], set,
		        w->words * sizeof(*set)) == 0)
			return 0;
	if (w->nsets == WALK_MAX_SETS)
		return -1;
	memcpy(&w->sets[(size_t)w->nsets * w->words], set, w->words * sizeof(*set));
	w->slots[i] = ++w->nsets;
	return 1;
}

/* Breadth first over the sets of positions that some value reaches. */
static uint32_t
walk_run(struct walk *w, uint32_t limit)
{
	uint64_t *next = calloc(w->words, sizeof(*next));
	uint32_t worst = 0;

	if (next == NULL)
		return 0;
	start_set(w, next);
	visit(w, next);
	for (uint32_t at = 0; at < w->nsets && worst <= limit; at++) {
		for (uint32_t b = 0; b < w->nbytes && worst <= limit; b++) {
			uint32_t n = step(w, &w->sets[(size_t)at * w->words], w->bytes[b], next);
			if (n == 0)
				continue;
			if (n > worst)
				worst = n;
			if (visit(w, next) < 0)
				break;
		}
	}
	free(next);
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
	walk_alphabet(&w);
	w.mask = 2 * WALK_MAX_SETS - 1;
	w.sets = malloc((size_t)WALK_MAX_SETS * w.words * sizeof(*w.sets));
	w.slots = calloc(w.mask + 1, sizeof(*w.slots));
	if (w.sets != NULL && w.slots != NULL)
		worst = walk_run(&w, limit);
	free(w.tok);
	free(w.sets);
	free(w.slots);
	return worst;
}
