/*
 * clause: one clause of a branch, registered at the node of its field. Exact
 * values, case-folded values and clean CIDR blocks become keys of the value
 * index; prefixes and suffixes too, and entries of the field's affix sets;
 * wildcards, numeric ranges and CIDR ranges go to the field's lists. An
 * anything-but of values becomes the keys it excludes, so that the clause
 * is judged by counting (see satisfied() in matcher.c); exists needs
 * nothing but the field's presence.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/build.h"

/* ---- keys and affixes ---- */

/* Registers a key for the clause being added (its vid goes to b->keys). */
static int
vindex_add(struct builder *b, uint32_t node, uint32_t tag, const char *key, size_t len)
{
	uint32_t vid;

	if (vindex_insert(b->rs, node, tag, key, len, &vid) < 0 || VEC_PUSH(b->keys, vid) < 0)
		return build_nomem(b);
	b->rs->fields[node].uses++;
	return 0;
}

static int
lenset_add(struct builder *b, u32vec *s, uint32_t len)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (s->v[i] == len)
			return 0;
	return VEC_PUSH(*s, len) < 0 ? build_nomem(b) : 0;
}

/* An entry of the field's affix set k for key vid. */
static int
affix_key(
    struct builder *b, uint32_t node, enum affix_kind k, const char *s, size_t len, uint32_t vid)
{
	static const struct wild none;

	if (affix_add(&b->rs->arena, &b->rs->fields[node], k, s, len, vid, none) < 0)
		return build_nomem(b);
	return 0;
}

static const uint32_t affix_tags[AFX__COUNT] = {K_PFX, K_SFX, K_PFXI, K_SFXI};

/* A prefix or suffix the clause being added looks for. */
static int
add_affix(struct builder *b, uint32_t node, enum affix_kind k, const struct pstr *v)
{
	if (vindex_add(b, node, affix_tags[k], v->s, v->len) < 0)
		return -1;
	return affix_key(b, node, k, v->s, v->len, b->keys.v[b->keys.n - 1]);
}

static int
add_cidr(struct builder *b, uint32_t node, const struct patom *a, uint32_t clause)
{
	struct field *f = &b->rs->fields[node];
	int n = a->ip6 ? 16 : 4;
	uint8_t key[17];

	f->has_ip = 1;
	if (a->bits < 0) {
		struct iprange r = {.ip6 = a->ip6, .clause = clause};
		memcpy(r.lo, a->ip_lo, sizeof(r.lo));
		memcpy(r.hi, a->ip_hi, sizeof(r.hi));
		return VEC_PUSH(f->ipr, r) < 0 ? build_nomem(b) : 0;
	}
	memcpy(key, a->ip_lo, (size_t)n);
	key[n] = (uint8_t)a->bits;
	if (lenset_add(b, a->ip6 ? &f->ip6 : &f->ip4, (uint32_t)a->bits) < 0)
		return -1;
	return vindex_add(b, node, a->ip6 ? K_IP6 : K_IP4, (const char *)key, (size_t)n + 1);
}

static int
add_exact(struct builder *b, uint32_t node, const struct patom *a)
{
	static const uint32_t tags[] = {[A_TRUE] = K_TRUE, [A_FALSE] = K_FALSE, [A_NULL] = K_NULL};

	b->rs->fields[node].has_exact = 1;
	if (a->kind == A_STRING)
		return vindex_add(b, node, K_STR, a->v[0].s, a->v[0].len);
	if (a->kind != A_NUMBER)
		return vindex_add(b, node, tags[a->kind], "", 0);
	if (vindex_add(b, node, K_LIT, a->v[0].s, a->v[0].len) < 0)
		return -1;
	if (!a->qvalid)
		return 0;
	return vindex_add(b, node, K_NUM, (const char *)&a->qnum, sizeof(a->qnum));
}

static int
add_atom(struct builder *b, uint32_t node, const struct patom *a, uint32_t clause)
{
	struct field *f = &b->rs->fields[node];

	switch (a->kind) {
	case A_STRING:
	case A_NUMBER:
	case A_TRUE:
	case A_FALSE:
	case A_NULL:
		return add_exact(b, node, a);
	case A_PREFIX:
		return add_affix(b, node, AFX_PFX, &a->v[0]);
	case A_SUFFIX:
		return add_affix(b, node, AFX_SFX, &a->v[0]);
	case A_PREFIX_EIC:
		f->fold = 1;
		return add_affix(b, node, AFX_PFXI, &a->v[0]);
	case A_SUFFIX_EIC:
		f->fold = 1;
		return add_affix(b, node, AFX_SFXI, &a->v[0]);
	case A_EIC:
		f->fold = f->has_eic = 1;
		return vindex_add(b, node, K_EIC, a->v[0].s, a->v[0].len);
	case A_CIDR:
		return add_cidr(b, node, a, clause);
	case A_WILDCARD: {
		struct wild w = {a->g, clause};
		if (a->g->nseg == 1) { /* no star: an exact string */
			f->has_exact = 1;
			return vindex_add(b, node, K_STR, a->g->seg[0].s, a->g->seg[0].len);
		}
		return VEC_PUSH(f->wild, w) < 0 ? build_nomem(b) : 0; /* gated in finish() */
	}
	case A_NUMERIC: {
		struct numrange r = {a->lo, a->hi, clause, a->lo_incl, a->hi_incl};
		return VEC_PUSH(f->num, r) < 0 ? build_nomem(b) : 0;
	}
	case A_EXISTS:
	case A_ABSENT:
		return 0; /* judged in matcher_end from the field's presence */
	case A_FIELDREF:
		return 0; /* judged in matcher_end from the two fields' kept values */
	case A_PRED: {
		struct predref pr = {a->pred, clause};
		if (a->pred->kind == PRED_GLOB)
			f->fold = 1;
		return VEC_PUSH(f->pred, pr) < 0 ? build_nomem(b) : 0;
	}
	default: { /* anything-but, tried on every value */
		struct abut ab = {a, clause};
		if (a->kind == A_AB_EIC)
			f->fold = 1;
		return VEC_PUSH(f->ab, ab) < 0 ? build_nomem(b) : 0;
	}
	}
}

/* ---- anything-but of values, counted ---- */

static int
is_anything_but(enum atom_kind k)
{
	return k >= A_AB_STRINGS && k <= A_AB_WILDCARD;
}

/* Whether the values an anything-but atom excludes can be told by keys of
 * the index that no two of its values share: then the clause holds when the
 * field has more values than keys of it were hit (see satisfied()). */
static int
is_countable(enum atom_kind k)
{
	return k == A_AB_STRINGS || k == A_AB_NUMBERS || k == A_AB_EIC || k == A_AB_PREFIX ||
	       k == A_AB_SUFFIX;
}

/* Registers a key the clause being added excludes (not one it looks for). */
static int
exclusion_key(struct builder *b, uint32_t node, uint32_t tag, const char *key, size_t len)
{
	uint32_t at = b->keys.n, vid;

	if (vindex_add(b, node, tag, key, len) < 0)
		return -1;
	vid = b->keys.v[at];
	b->keys.n = at;
	b->rs->vents[vid].uses--;
	b->rs->fields[node].uses--;
	return VEC_PUSH(b->xkeys, vid) < 0 ? build_nomem(b) : 0;
}

static int
cmp_pstr(const void *x, const void *y)
{
	const struct pstr *a = x, *b = y;
	int c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);

	return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

/* Anything-but prefixes (suffixes): only those no other one begins (ends),
 * so that no value is excluded twice. */
static int
exclude_affixes(struct builder *b, uint32_t node, const struct patom *a, enum affix_kind k)
{
	struct pstr *v = arena_alloc(&b->rs->arena, a->nv * sizeof(*v)), *last = NULL;

	if (v == NULL)
		return build_nomem(b);
	for (uint32_t i = 0; i < a->nv; i++) {
		v[i].len = a->v[i].len;
		v[i].s = is_suffix_kind(k) ? arena_strrev(&b->rs->arena, a->v[i].s, v[i].len)
		                           : a->v[i].s;
		if (v[i].s == NULL)
			return build_nomem(b);
	}
	qsort(v, a->nv, sizeof(*v), cmp_pstr);
	for (uint32_t i = 0; i < a->nv; i++) {
		const char *fwd = v[i].s;
		if (last != NULL && last->len <= v[i].len &&
		    memcmp(last->s, v[i].s, last->len) == 0)
			continue;
		last = &v[i];
		if (is_suffix_kind(k) &&
		    (fwd = arena_strrev(&b->rs->arena, v[i].s, v[i].len)) == NULL)
			return build_nomem(b);
		if (exclusion_key(b, node, affix_tags[k], fwd, v[i].len) < 0 ||
		    affix_key(b, node, k, fwd, v[i].len, b->xkeys.v[b->xkeys.n - 1]) < 0)
			return -1;
	}
	return 0;
}

static int
add_exclusions(struct builder *b, uint32_t node, const struct patom *a)
{
	struct field *f = &b->rs->fields[node];

	switch (a->kind) {
	case A_AB_STRINGS:
		f->has_exact = 1;
		for (uint32_t i = 0; i < a->nv; i++)
			if (exclusion_key(b, node, K_STR, a->v[i].s, a->v[i].len) < 0)
				return -1;
		return 0;
	case A_AB_NUMBERS:
		f->has_exact = 1;
		for (uint32_t i = 0; i < a->nq; i++)
			if (exclusion_key(b, node, K_NUM, (const char *)&a->q[i], sizeof(a->q[i])) <
			    0)
				return -1;
		return 0;
	case A_AB_EIC: /* already case-folded */
		f->fold = f->has_eic = 1;
		for (uint32_t i = 0; i < a->nv; i++)
			if (exclusion_key(b, node, K_EIC, a->v[i].s, a->v[i].len) < 0)
				return -1;
		return 0;
	default:
		return exclude_affixes(b, node, a, a->kind == A_AB_PREFIX ? AFX_PFX : AFX_SFX);
	}
}

/* ---- the clause ---- */

/* Whether an atom becomes keys of the index and nothing else. */
static int
is_key(const struct patom *a)
{
	switch (a->kind) {
	case A_STRING:
	case A_NUMBER:
	case A_TRUE:
	case A_FALSE:
	case A_NULL:
	case A_PREFIX:
	case A_SUFFIX:
	case A_PREFIX_EIC:
	case A_SUFFIX_EIC:
	case A_EIC:
		return 1;
	case A_CIDR:
		return a->bits >= 0;
	case A_WILDCARD:
		return a->g->nseg == 1;
	default:
		return 0;
	}
}

/* Whether some piece of a wildcard is literal text. */
static int
has_literal(const struct glob *g)
{
	for (uint32_t i = 0; i < g->nseg; i++)
		if (g->seg[i].len > 0)
			return 1;
	return 0;
}

/* Whether an atom names values as a key does: a wildcard with literal
 * pieces or a range of addresses, counted as one use of the field. */
static int
is_named(const struct patom *a)
{
	return (a->kind == A_WILDCARD && a->g->nseg > 1 && has_literal(a->g)) ||
	       (a->kind == A_CIDR && a->bits < 0);
}

/* How often an atom that is not a key is expected to hold (see
 * choose_anchor): exists and anything-but on nearly every record, a numeric
 * range on many; what names values, as a key of its field would. */
static double
atom_cost(const struct patom *a)
{
	switch (a->kind) {
	case A_EXISTS:
	case A_AB_STRINGS:
	case A_AB_NUMBERS:
	case A_AB_PREFIX:
	case A_AB_SUFFIX:
	case A_AB_EIC:
	case A_AB_WILDCARD:
		return 1.0;
	case A_NUMERIC:
		return 0.5;
	case A_PRED:
	case A_FIELDREF:
		return 0.1; /* it names values, but the index cannot tell which */
	case A_WILDCARD:
		return has_literal(a->g) ? 0 : 1.0;
	default:
		return 0;
	}
}

/* A copy of v[0..*n) in the arena, sorted and without repeats when unique. */
static uint32_t *
vids_copy(struct builder *b, u32vec *v, int unique, uint32_t *n)
{
	uint32_t *out = arena_alloc(&b->rs->arena, (v->n + 1) * sizeof(*out)), k = 0;

	if (out == NULL)
		return NULL;
	if (unique && v->n > 1)
		qsort(v->v, v->n, sizeof(*v->v), cmp_u32);
	for (uint32_t i = 0; i < v->n; i++)
		if (!unique || k == 0 || out[k - 1] != v->v[i])
			out[k++] = v->v[i];
	*n = k;
	return out;
}

int
clause_add(struct builder *b, uint32_t sid, const struct pclause *pc, uint32_t node, uint32_t group)
{
	struct clause c = {.sub = sid, .node = node, .optional = pc->optional, .group = group};
	uint32_t cid = b->cl.n, nab = 0, named = 0;
	double eager = 0;

	c.keyonly = !pc->optional;
	for (uint32_t j = 0; j < pc->n; j++) {
		nab += is_anything_but(pc->atoms[j].kind);
		c.exists |= pc->atoms[j].kind == A_EXISTS;
		c.keyonly &= is_key(&pc->atoms[j]);
	}
	b->keys.n = b->xkeys.n = 0;
	for (uint32_t j = 0; j < pc->n; j++) {
		const struct patom *a = &pc->atoms[j];
		int r;
		/* counts are the record's; a clause in a group is judged per element */
		if (nab == 1 && is_countable(a->kind) && group == UINT32_MAX) {
			c.counted = 1;
			r = add_exclusions(b, node, a);
		} else {
			r = add_atom(b, node, a, cid);
		}
		if (r < 0)
			return -1;
		eager += atom_cost(a);
		if (is_named(a)) {
			named++;
			b->rs->fields[node].uses++;
			b->rs->fields[node].card++;
		}
	}
	if (VEC_PUSH(b->eager, eager) < 0 || VEC_PUSH(b->named, named) < 0 ||
	    VEC_PUSH(b->named_uses, named) < 0)
		return build_nomem(b);
	c.keys = vids_copy(b, &b->keys, 0, &c.nkeys);
	c.xkeys = vids_copy(b, &b->xkeys, 1, &c.nxkeys);
	if (c.keys == NULL || c.xkeys == NULL || VEC_PUSH(b->cl, c) < 0)
		return build_nomem(b);
	return 0;
}
