/*
 * wildcard: which wildcards of a field a value is tried against.
 *
 * A value matches a wildcard only if it begins with its first literal piece,
 * ends with its last and contains every piece. So each wildcard waits
 * behind one such piece, its gate, and is tried only on values that pass it:
 *   - its first or last piece, as an entry of the field's prefix or suffix
 *     set (affix.c), found for a value by one binary search;
 *   - or a gram (GRAM_LEN bytes) of any of its pieces, looked up for each
 *     position of the value through a bit filter, when every piece it
 *     begins or ends with is shared by more of the field's wildcards than
 *     that gram (arn:aws:sts::...:assumed-role/deployer-17/... waits behind
 *     "r-17", not behind the "arn:aws:sts::" of every ARN).
 * Wildcards written alike are one pattern: tried once for all their clauses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_int.h"

enum gate { GATE_NONE, GATE_FIRST, GATE_LAST, GATE_GRAM };

/* A distinct pattern of the field while its gate is chosen. */
struct pat {
	const struct glob *g;
	uint32_t first, last; /* distinct patterns beginning (ending) with the same piece */
	uint32_t gram;        /* its rarest gram */
	uint32_t grams;       /* distinct patterns containing that gram; 0: it has none */
	enum gate gate;
};

struct gramref { /* a gram of a pattern, or a gram in the field's gate list */
	uint32_t gram;
	uint32_t n; /* pattern index, or its count */
	struct wild w;
};

static int
cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c != 0 ? c : (alen > blen) - (alen < blen);
}

static int
cmp_glob(const struct glob *a, const struct glob *b)
{
	if (a->nseg != b->nseg)
		return a->nseg < b->nseg ? -1 : 1;
	for (uint32_t i = 0; i < a->nseg; i++) {
		int c = cmp_bytes(a->seg[i].s, a->seg[i].len, b->seg[i].s, b->seg[i].len);
		if (c != 0)
			return c;
	}
	return 0;
}

static int
cmp_wild(const void *x, const void *y)
{
	return cmp_glob(((const struct wild *)x)->g, ((const struct wild *)y)->g);
}

static int
cmp_gramref(const void *x, const void *y)
{
	const struct gramref *a = x, *b = y;

	if (a->gram != b->gram)
		return a->gram < b->gram ? -1 : 1;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	if (a->w.g != b->w.g)
		return (uintptr_t)a->w.g < (uintptr_t)b->w.g ? -1 : 1;
	return (a->w.clause > b->w.clause) - (a->w.clause < b->w.clause);
}

/* Sorts f->wild so that equal patterns stand together and share the glob of
 * the first; fills pats with the distinct ones and counts the others written
 * alike into uses. Returns their number. */
static uint32_t
distinct_patterns(struct field *f, struct pat *pats, uint32_t *uses)
{
	uint32_t np = 0, run = 0;

	qsort(f->wild.v, f->wild.n, sizeof(*f->wild.v), cmp_wild);
	for (uint32_t i = 0; i <= f->wild.n; i++) {
		if (i < f->wild.n && np > 0 && cmp_glob(pats[np - 1].g, f->wild.v[i].g) == 0) {
			f->wild.v[i].g = pats[np - 1].g;
			continue;
		}
		for (uint32_t k = run; k < i; k++) /* the run of equal patterns that ended */
			uses[f->wild.v[k].clause] += i - run - 1;
		run = i;
		if (i < f->wild.n)
			pats[np++] = (struct pat){.g = f->wild.v[i].g};
	}
	return np;
}

static const struct pstr *
piece(const struct pat *p, int last)
{
	return &p->g->seg[last ? p->g->nseg - 1 : 0];
}

struct lit { /* a pattern's first or last piece */
	const struct pstr *p;
	uint32_t pat;
};

static int
cmp_lit(const void *x, const void *y)
{
	const struct pstr *a = ((const struct lit *)x)->p, *b = ((const struct lit *)y)->p;

	return cmp_bytes(a->s, a->len, b->s, b->len);
}

/* For each pattern, how many begin (last: end) with the same piece. */
static int
count_pieces(struct pat *pats, uint32_t np, int last)
{
	struct lit *l = malloc((np + 1) * sizeof(*l));
	uint32_t i, j;

	if (l == NULL)
		return -1;
	for (i = 0; i < np; i++)
		l[i] = (struct lit){piece(&pats[i], last), i};
	qsort(l, np, sizeof(*l), cmp_lit);
	for (i = 0; i < np; i = j) {
		for (j = i + 1; j < np && cmp_lit(&l[i], &l[j]) == 0; j++)
			;
		for (uint32_t k = i; k < j; k++)
			*(last ? &pats[l[k].pat].last : &pats[l[k].pat].first) = j - i;
	}
	free(l);
	return 0;
}

static uint32_t
load_gram(const char *p)
{
	uint32_t g;

	memcpy(&g, p, GRAM_LEN);
	return g;
}

/* Every gram of every pattern's pieces, once per pattern, sorted; *n set. */
static struct gramref *
all_grams(const struct pat *pats, uint32_t np, uint32_t *n)
{
	uint32_t cap = 0, k = 0, out = 0;
	struct gramref *v;

	for (uint32_t p = 0; p < np; p++)
		for (uint32_t s = 0; s < pats[p].g->nseg; s++)
			if (pats[p].g->seg[s].len >= GRAM_LEN)
				cap += (uint32_t)(pats[p].g->seg[s].len - GRAM_LEN + 1);
	if ((v = malloc((cap + 1) * sizeof(*v))) == NULL)
		return NULL;
	for (uint32_t p = 0; p < np; p++)
		for (uint32_t s = 0; s < pats[p].g->nseg; s++) {
			const struct pstr *seg = &pats[p].g->seg[s];
			for (size_t i = 0; i + GRAM_LEN <= seg->len; i++)
				v[k++] = (struct gramref){load_gram(seg->s + i), p, {NULL, 0}};
		}
	qsort(v, k, sizeof(*v), cmp_gramref);
	for (uint32_t i = 0; i < k; i++)
		if (out == 0 || v[out - 1].gram != v[i].gram || v[out - 1].n != v[i].n)
			v[out++] = v[i];
	*n = out;
	return v;
}

/* How many patterns contain gram g: the length of its run in refs. */
static uint32_t
gram_count(const struct gramref *refs, uint32_t n, uint32_t g)
{
	uint32_t lo = 0, hi = n, end;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (refs[mid].gram < g)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < n && refs[end].gram == g; end++)
		;
	return end - lo;
}

/* Each pattern's rarest gram (of equals, the last: names tend to end
 * patterns, and the pieces they begin with are the common ones). */
static int
rarest_grams(struct pat *pats, uint32_t np)
{
	uint32_t n;
	struct gramref *refs = all_grams(pats, np, &n);

	if (refs == NULL)
		return -1;
	for (uint32_t p = 0; p < np; p++)
		for (uint32_t s = 0; s < pats[p].g->nseg; s++) {
			const struct pstr *seg = &pats[p].g->seg[s];
			for (size_t i = 0; i + GRAM_LEN <= seg->len; i++) {
				uint32_t g = load_gram(seg->s + i), c = gram_count(refs, n, g);
				if (pats[p].grams == 0 || c <= pats[p].grams) {
					pats[p].gram = g;
					pats[p].grams = c;
				}
			}
		}
	free(refs);
	return 0;
}

/* The gate that lets the fewest other patterns through with it. */
static void
choose_gate(struct pat *p)
{
	const struct pstr *first = piece(p, 0), *last = piece(p, 1);
	uint32_t affix = UINT32_MAX;

	p->gate = GATE_NONE;
	if (first->len > 0) {
		p->gate = GATE_FIRST;
		affix = p->first;
	}
	if (last->len > 0 && (affix == UINT32_MAX || p->last < affix ||
	                         (p->last == affix && last->len >= first->len))) {
		p->gate = GATE_LAST;
		affix = p->last;
	}
	if (p->grams > 0 && p->grams < affix)
		p->gate = GATE_GRAM;
}

static int
cmp_pat(const void *key, const void *elem)
{
	const struct glob *g = key;
	const struct pat *p = elem;

	return cmp_glob(g, p->g);
}

/* The gram gates: refs sorted into f->grams and f->gwild, and the filter. */
static int
build_grams(struct field *f, struct gramref *refs, uint32_t n)
{
	if (n == 0)
		return 0;
	if ((f->gbits = calloc((1u << GRAM_BITS) / 64, sizeof(uint64_t))) == NULL)
		return -1;
	qsort(refs, n, sizeof(*refs), cmp_gramref);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t h = gram_hash(refs[i].gram);
		if (f->grams.n == 0 || f->grams.v[f->grams.n - 1].gram != refs[i].gram) {
			struct gram g = {refs[i].gram, f->gwild.n, 0};
			if (VEC_PUSH(f->grams, g) < 0)
				return -1;
			f->gbits[h >> 6] |= 1ull << (h & 63);
		}
		if (VEC_PUSH(f->gwild, refs[i].w) < 0)
			return -1;
		f->grams.v[f->grams.n - 1].nwild++;
	}
	return 0;
}

/* Sends each wildcard of f->wild to the gate its pattern chose. */
static int
place(struct arena *a, struct field *f, const struct pat *pats, uint32_t np)
{
	struct gramref *refs = malloc((f->wild.n + 1) * sizeof(*refs));
	uint32_t kept = 0, nref = 0;
	int r = 0;

	if (refs == NULL)
		return -1;
	for (uint32_t i = 0; i < f->wild.n && r == 0; i++) {
		struct wild w = f->wild.v[i];
		const struct pat *p = bsearch(w.g, pats, np, sizeof(*pats), cmp_pat);
		const struct pstr *s;
		switch (p->gate) {
		case GATE_NONE:
			f->wild.v[kept++] = w;
			break;
		case GATE_GRAM:
			refs[nref++] = (struct gramref){p->gram, 0, w};
			break;
		default:
			s = piece(p, p->gate == GATE_LAST);
			r = affix_add(a, f, p->gate == GATE_LAST ? AFX_SFX : AFX_PFX, s->s, s->len,
			    AFFIX_NONE, w);
		}
	}
	if (r == 0)
		r = build_grams(f, refs, nref);
	f->wild.n = kept;
	free(refs);
	return r;
}

int
wildcards_gate(struct arena *a, struct field *f, uint32_t *uses)
{
	struct pat *pats;
	uint32_t np;
	int r = -1;

	if (f->wild.n == 0)
		return 0;
	if ((pats = malloc(f->wild.n * sizeof(*pats))) == NULL)
		return -1;
	np = distinct_patterns(f, pats, uses);
	if (count_pieces(pats, np, 0) == 0 && count_pieces(pats, np, 1) == 0 &&
	    rarest_grams(pats, np) == 0) {
		for (uint32_t p = 0; p < np; p++)
			choose_gate(&pats[p]);
		r = place(a, f, pats, np);
	}
	free(pats);
	return r;
}

const struct gram *
gram_find(const struct field *f, uint32_t g)
{
	uint32_t lo = 0, hi = f->grams.n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (f->grams.v[mid].gram < g)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->grams.n && f->grams.v[lo].gram == g ? &f->grams.v[lo] : NULL;
}
