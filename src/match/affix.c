/*
 * affix: the prefixes (or suffixes) clauses look for at one field, as one
 * sorted array, so that a value finds every entry that begins it with one
 * binary search however many rules there are.
 *
 * Why it works: the entries that begin a value v all sort between the
 * shortest of them and v, and every string that sorts there begins with
 * that shortest entry. So the last entry E not after v begins with each of
 * them: they are E's chain of parents (each entry's parent is the longest
 * other entry that begins it), cut to the length v shares with E.
 * Suffixes are stored backwards and looked up with the value's end
 * reversed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_int.h"

static int
bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* The first 8 bytes of s, zero-padded, as a number that orders like them:
 * entries compare by the head of what follows the bytes all of them share,
 * and by their bytes only when the heads are equal. */
static uint64_t
head(const char *s, size_t len)
{
	unsigned char b[8] = {0};
	uint64_t h;

	memcpy(b, s, len < 8 ? len : 8);
	memcpy(&h, b, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	h = __builtin_bswap64(h);
#endif
	return h;
}

static int
item_cmp(const void *x, const void *y)
{
	const struct affix_item *a = x, *b = y;
	int c = bytes_cmp(a->s, a->len, b->s, b->len);

	if (c != 0)
		return c;
	/* keys before gates; gates with equal patterns (one glob) together */
	if ((a->vid == AFFIX_NONE) != (b->vid == AFFIX_NONE))
		return a->vid == AFFIX_NONE ? 1 : -1;
	if (a->w.g != b->w.g)
		return (uintptr_t)a->w.g < (uintptr_t)b->w.g ? -1 : 1;
	return a->w.clause < b->w.clause ? -1 : a->w.clause > b->w.clause;
}

/* Whether entry p begins entry e. */
static int
begins(const struct affix *p, const struct affix *e)
{
	return p->len <= e->len && memcmp(p->s, e->s, p->len) == 0;
}

/* How many bytes a and b share at their start. */
static size_t
common_prefix(const char *a, const char *b, size_t n)
{
	size_t i = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; i + 8 <= n; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return i + (size_t)(__builtin_ctzll(x ^ y) / 8);
	}
#endif
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* Each entry's parent, walking the sorted entries with the chain of the
 * previous one: its members that do not begin this entry are done with. */
static void
link_parents(struct affixset *set)
{
	uint32_t top = AFFIX_NONE;

	for (uint32_t i = 0; i < set->n; i++) {
		struct affix *e = &set->v[i];
		while (top != AFFIX_NONE && !begins(&set->v[top], e))
			top = set->v[top].parent;
		e->parent = top;
		top = i;
	}
}

int
affix_add(struct arena *a, struct field *f, enum affix_kind k, const char *s, size_t len,
    uint32_t vid, struct wild w)
{
	struct affix_item it = {s, (uint32_t)len, vid, w};

	if ((k == AFX_SFX || k == AFX_SFXI) && (it.s = arena_strrev(a, s, len)) == NULL)
		return -1;
	return VEC_PUSH(f->items[k], it);
}

int
affixset_build(struct field *f, enum affix_kind kind)
{
	struct affixset *set = &f->afx[kind];
	struct affix_item *it = f->items[kind].v;
	uint32_t n = f->items[kind].n, out = 0;

	if (n == 0)
		return 0;
	qsort(it, n, sizeof(*it), item_cmp);
	if ((set->v = calloc(n, sizeof(*set->v))) == NULL)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		struct affix *e = &set->v[out > 0 ? out - 1 : 0];
		if (out == 0 || bytes_cmp(e->s, e->len, it[i].s, it[i].len) != 0) {
			e = &set->v[out++];
			*e = (struct affix){
			    0, it[i].s, it[i].len, AFFIX_NONE, AFFIX_NONE, f->gwild.n, 0};
			if (e->len > set->maxlen)
				set->maxlen = e->len;
		}
		if (it[i].vid != AFFIX_NONE) {
			e->vid = it[i].vid; /* equal strings of one kind are one key */
		} else {
			if (VEC_PUSH(f->gwild, it[i].w) < 0)
				return -1;
			e->nwild++;
		}
	}
	set->n = out;
	link_parents(set);
	/* sorted: what the first and the last share, all share */
	set->common = (uint32_t)common_prefix(set->v[0].s, set->v[out - 1].s,
	    set->v[0].len < set->v[out - 1].len ? set->v[0].len : set->v[out - 1].len);
	for (uint32_t i = 0; i < out; i++)
		set->v[i].head = head(set->v[i].s + set->common, set->v[i].len - set->common);
	free(f->items[kind].v);
	f->items[kind].v = NULL;
	f->items[kind].n = f->items[kind].cap = 0;
	return 0;
}

void
affixset_free(struct affixset *set)
{
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

uint32_t
affix_find(const struct affixset *set, const char *s, size_t len, size_t *shared)
{
	uint32_t lo = 0, hi = set->n, cp = set->common;
	uint64_t h;
	const struct affix *e;

	/* every entry begins with the bytes all share: so must the value */
	if (len < cp || memcmp(s, set->v[0].s, cp) != 0)
		return AFFIX_NONE;
	h = head(s + cp, len - cp);
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct affix *m = &set->v[mid];
		if (m->head != h ? m->head < h : bytes_cmp(m->s, m->len, s, len) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return AFFIX_NONE;
	e = &set->v[lo - 1];
	*shared = cp + common_prefix(e->s + cp, s + cp, (e->len < len ? e->len : len) - cp);
	return lo - 1;
}
