/*
 * compile: every rule's parsed pattern indexed together, so that the cost of
 * a value does not grow with the number of rules.
 *
 * Each branch of each rule becomes a "sub" with its clauses. A clause is
 * registered at the node of its field: exact values, prefixes, suffixes,
 * case-folded values and clean CIDR blocks as keys of one hash table over
 * (node, kind, bytes) whose postings are clause ids. Prefixes and suffixes
 * also go into the field's sorted affix sets, which a value searches once,
 * and so do wildcards, under the literal they begin or end with. Numeric
 * ranges, the other wildcards and anything-but of patterns stay in per-node
 * lists; exists and anything-but of values need no per-value work at all.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/envelope.h"
#include "match/match_int.h"

struct bnode {           /* a node while building */
	const char *key; /* arena */
	uint32_t len;
	u32vec kids;
};

struct builder {
	struct ruleset *rs;
	VEC(struct bnode) bn;
	VEC(struct clause) cl;
	VEC(struct sub) subs;
	u32vec keys;       /* vids of the clause being added */
	u32vec xkeys;      /* vids the clause being added excludes */
	VEC(double) eager; /* per clause: how often its atoms that are not keys hold */
	u32vec named;      /* per clause: its atoms that name values without a key */
	enum match_envelope env;
	struct ct_error *err;
};

static int
nomem(struct builder *b)
{
	return ct_error_set(b->err, CT_ERR_NOMEM, "compiling rules: out of memory");
}

static int
new_node(struct builder *b, const char *key, size_t len, uint32_t *id)
{
	struct bnode n = {arena_strndup(&b->rs->arena, key, len), (uint32_t)len, {NULL, 0, 0}};

	if (n.key == NULL || VEC_PUSH(b->bn, n) < 0)
		return nomem(b);
	*id = b->bn.n - 1;
	return 0;
}

static int
child(struct builder *b, uint32_t parent, const char *key, size_t len, uint32_t *id)
{
	struct bnode *p = &b->bn.v[parent];

	for (uint32_t i = 0; i < p->kids.n; i++) {
		struct bnode *k = &b->bn.v[p->kids.v[i]];
		if (k->len == len && memcmp(k->key, key, len) == 0) {
			*id = p->kids.v[i];
			return 0;
		}
	}
	if (new_node(b, key, len, id) < 0 || VEC_PUSH(b->bn.v[parent].kids, *id) < 0)
		return nomem(b);
	return 0;
}

/* Walks (and grows) the tree along a dotted path from the record root. */
static int
path_node(struct builder *b, const char *path, uint32_t *id)
{
	uint32_t at = 0;

	for (;;) {
		size_t len = strcspn(path, ".");
		if (child(b, at, path, len, &at) < 0)
			return -1;
		if (path[len] == '\0')
			break;
		path += len + 1;
	}
	*id = at;
	return 0;
}

/* ---- keys and affixes ---- */

/* Registers a key for the clause being added (its vid goes to b->keys). */
static int
vindex_add(struct builder *b, uint32_t node, uint32_t tag, const char *key, size_t len)
{
	uint32_t vid;

	if (vindex_insert(b->rs, node, tag, key, len, &vid) < 0 || VEC_PUSH(b->keys, vid) < 0)
		return nomem(b);
	b->rs->fields[node].uses++;
	return 0;
}

static int
lenset_add(struct builder *b, u32vec *s, uint32_t len)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (s->v[i] == len)
			return 0;
	return VEC_PUSH(*s, len) < 0 ? nomem(b) : 0;
}

static int
is_suffix_kind(enum affix_kind k)
{
	return k == AFX_SFX || k == AFX_SFXI;
}

/* An entry of the field's affix set k for key vid. */
static int
affix_key(
    struct builder *b, uint32_t node, enum affix_kind k, const char *s, size_t len, uint32_t vid)
{
	static const struct wild none;

	if (affix_add(&b->rs->arena, &b->rs->fields[node], k, s, len, vid, none) < 0)
		return nomem(b);
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
		return VEC_PUSH(f->ipr, r) < 0 ? nomem(b) : 0;
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
		return VEC_PUSH(f->wild, w) < 0 ? nomem(b) : 0; /* gated in finish() */
	}
	case A_NUMERIC: {
		struct numrange r = {a->lo, a->hi, clause, a->lo_incl, a->hi_incl};
		return VEC_PUSH(f->num, r) < 0 ? nomem(b) : 0;
	}
	case A_EXISTS:
	case A_ABSENT:
		return 0; /* judged in matcher_end from the field's presence */
	default: {        /* anything-but, tried on every value */
		struct abut ab = {a, clause};
		if (a->kind == A_AB_EIC)
			f->fold = 1;
		return VEC_PUSH(f->ab, ab) < 0 ? nomem(b) : 0;
	}
	}
}

/* ---- anything-but of values, counted ---- */

static int
is_anything_but(enum atom_kind k)
{
	return k >= A_AB_STRINGS;
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
	return VEC_PUSH(b->xkeys, vid) < 0 ? nomem(b) : 0;
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
		return nomem(b);
	for (uint32_t i = 0; i < a->nv; i++) {
		v[i].len = a->v[i].len;
		v[i].s = is_suffix_kind(k) ? arena_strrev(&b->rs->arena, a->v[i].s, v[i].len)
		                           : a->v[i].s;
		if (v[i].s == NULL)
			return nomem(b);
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
			return nomem(b);
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

/* ---- rules ---- */

/* Where a clause's field is: a node id, or UINT32_MAX when it never has a value. */
static int
clause_node(struct builder *b, const struct pclause *pc, int envelope, uint32_t *node)
{
	const char *path = pc->path;
	int vn = 0;

	if (envelope) {
		switch (envelope_map(pc->path, &path, &vn)) {
		case ENV_DEAD:
			*node = UINT32_MAX;
			return 0;
		case ENV_VIRTUAL:
			if (b->rs->vnode[vn] == 0 && new_node(b, "", 0, &b->rs->vnode[vn]) < 0)
				return -1;
			*node = b->rs->vnode[vn];
			return 0;
		case ENV_RECORD:
			break;
		}
	}
	return path_node(b, path, node);
}

static int
pattern_is_envelope(const struct ppattern *p)
{
	for (uint32_t i = 0; i < p->nbr; i++)
		for (uint32_t j = 0; j < p->br[i].n; j++)
			if (envelope_is_envelope_path(p->br[i].cl[j]->path))
				return 1;
	return 0;
}

static int
fields_reserve(struct builder *b)
{
	struct ruleset *rs = b->rs;
	uint32_t need = b->bn.n;
	struct field *f;

	if (need <= rs->nfields)
		return 0;
	f = realloc(rs->fields, need * 2 * sizeof(*f));
	if (f == NULL)
		return nomem(b);
	memset(f + rs->nfields, 0, (need * 2 - rs->nfields) * sizeof(*f));
	rs->fields = f;
	rs->nfields = need * 2;
	return 0;
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
	case A_WILDCARD:
		return has_literal(a->g) ? 0 : 1.0;
	default:
		return 0;
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
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

static int
add_clause(struct builder *b, uint32_t sid, const struct pclause *pc, uint32_t node)
{
	struct clause c = {.sub = sid, .node = node, .optional = pc->optional};
	uint32_t cid = b->cl.n, nab = 0, named = 0;
	double eager = 0;

	for (uint32_t j = 0; j < pc->n; j++) {
		nab += is_anything_but(pc->atoms[j].kind);
		c.exists |= pc->atoms[j].kind == A_EXISTS;
	}
	b->keys.n = b->xkeys.n = 0;
	for (uint32_t j = 0; j < pc->n; j++) {
		const struct patom *a = &pc->atoms[j];
		int r;
		if (nab == 1 && is_countable(a->kind)) {
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
	if (VEC_PUSH(b->eager, eager) < 0 || VEC_PUSH(b->named, named) < 0)
		return nomem(b);
	c.keys = vids_copy(b, &b->keys, 0, &c.nkeys);
	c.xkeys = vids_copy(b, &b->xkeys, 1, &c.nxkeys);
	if (c.keys == NULL || c.xkeys == NULL || VEC_PUSH(b->cl, c) < 0)
		return nomem(b);
	return 0;
}

static int
add_branch(struct builder *b, uint32_t rule, const struct pbranch *br, int envelope)
{
	uint32_t nodes[br->n > 0 ? br->n : 1];
	struct sub s = {.rule = rule, .first = b->cl.n, .anchor = UINT32_MAX};

	for (uint32_t i = 0; i < br->n; i++) {
		if (clause_node(b, br->cl[i], envelope, &nodes[i]) < 0)
			return -1;
		if (nodes[i] == UINT32_MAX && !br->cl[i]->optional)
			return 0; /* a field the envelope never has: the branch cannot match */
	}
	if (fields_reserve(b) < 0)
		return -1;
	for (uint32_t i = 0; i < br->n; i++) {
		if (nodes[i] == UINT32_MAX)
			continue; /* exists: false on a field the envelope never has */
		if (add_clause(b, b->subs.n, br->cl[i], nodes[i]) < 0)
			return -1;
		s.n++;
	}
	return VEC_PUSH(b->subs, s) < 0 ? nomem(b) : 0;
}

static int
add_rule(struct builder *b, uint32_t rule, const struct rule_def *d)
{
	struct ppattern p;
	int r = 0, envelope;

	/* The index refers to parsed atoms: they live in the ruleset's arena. */
	if (pattern_parse(d->name, d->origin, d->pattern, &b->rs->arena, &p, b->err) < 0)
		return -1;
	envelope = b->env == MATCH_ENVELOPE_CLOUDTRAIL && pattern_is_envelope(&p);
	for (uint32_t i = 0; i < p.nbr && r == 0; i++)
		r = add_branch(b, rule, &p.br[i], envelope);
	return r;
}

/* ---- finishing: child tables, sorted lists, the node array ---- */

#define ALIAS_DEPTH 4 /* "a.b" keys of a record reach nodes this far down */

struct centry {
	const char *key;
	uint32_t len;
	uint32_t node;
};

typedef VEC(struct centry) cvec;

/* Children of n, and (as AWS flattens "a.b" keys of events) its descendants
 * under their dotted names. */
static int
collect(struct builder *b, uint32_t n, const char *prefix, size_t plen, int depth, cvec *out)
{
	const struct bnode *bn = &b->bn.v[n];

	for (uint32_t i = 0; i < bn->kids.n; i++) {
		const struct bnode *k = &b->bn.v[bn->kids.v[i]];
		size_t len = plen + (plen > 0) + k->len;
		char *key = arena_alloc(&b->rs->arena, len + 1);
		struct centry e = {key, (uint32_t)len, bn->kids.v[i]};

		if (key == NULL)
			return nomem(b);
		memcpy(key, prefix, plen);
		if (plen > 0)
			key[plen] = '.';
		memcpy(key + len - k->len, k->key, k->len);
		if (VEC_PUSH(*out, e) < 0)
			return nomem(b);
		if (depth + 1 < ALIAS_DEPTH && collect(b, e.node, key, len, depth + 1, out) < 0)
			return -1;
	}
	return 0;
}

static int
child_table(struct builder *b, uint32_t n)
{
	struct match_node *mn = &b->rs->nodes[n];
	cvec ents = {NULL, 0, 0};
	uint32_t size = 4;

	if (b->bn.v[n].kids.n == 0)
		return 0;
	if (collect(b, n, "", 0, 0, &ents) < 0) {
		free(ents.v);
		return -1;
	}
	while (size < ents.n * 4)
		size *= 2;
	mn->ctab = arena_alloc(&b->rs->arena, size * sizeof(*mn->ctab));
	mn->ctag = arena_alloc(&b->rs->arena, size);
	if (mn->ctab == NULL || mn->ctag == NULL) {
		free(ents.v);
		return nomem(b);
	}
	mn->cmask = size - 1;
	for (uint32_t i = 0; i < ents.n; i++) {
		struct child_ent e = {
		    0, 0, ents.v[i].key, ents.v[i].len, &b->rs->nodes[ents.v[i].node]};
		uint64_t h;
		uint32_t j;
		mh_words(e.key, e.len, &e.w0, &e.w1);
		h = child_hash(e.w0, e.w1, e.len);
		for (j = (uint32_t)h & mn->cmask; mn->ctag[j] != 0; j = (j + 1) & mn->cmask)
			;
		mn->ctag[j] = child_tag(h);
		mn->ctab[j] = e;
	}
	free(ents.v);
	return 0;
}

static int
cmp_range(const void *a, const void *b)
{
	const struct numrange *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int
build_field(struct builder *b, uint32_t node)
{
	struct ruleset *rs = b->rs;
	struct field *f = &rs->fields[node];

	if (wildcards_gate(&rs->arena, f) < 0)
		return nomem(b);
	for (int k = 0; k < AFX__COUNT; k++) {
		if (affixset_build(f, (enum affix_kind)k) < 0)
			return nomem(b);
		if (is_suffix_kind((enum affix_kind)k) && f->afx[k].maxlen > rs->max_suffix)
			rs->max_suffix = f->afx[k].maxlen;
	}
	if (f->ip4.n > 1)
		qsort(f->ip4.v, f->ip4.n, sizeof(uint32_t), cmp_u32);
	if (f->ip6.n > 1)
		qsort(f->ip6.v, f->ip6.n, sizeof(uint32_t), cmp_u32);
	if (f->num.n > 1)
		qsort(f->num.v, f->num.n, sizeof(*f->num.v), cmp_range);
	return 0;
}

static int
add_captures(struct builder *b, uint32_t *src, uint32_t *type)
{
	*src = *type = UINT32_MAX;
	if (b->rs->vnode[VN_SOURCE] != 0 && path_node(b, "eventSource", src) < 0)
		return -1;
	if (b->rs->vnode[VN_DTYPE] != 0 && path_node(b, "eventType", type) < 0)
		return -1;
	return fields_reserve(b);
}

/* The anchor of a sub is the required clause that holds least often: only
 * its keys' postings name the sub, so a value common to many rules (a
 * detail-type, an account) costs one stamp instead of a walk over them.
 *
 * How often a field has a value the rules name is estimated from the rules
 * themselves, as the larger of two shares: of the mentions of the field that
 * name it (with MENTION_PRIOR mentions of other values), and of the distinct
 * values the rules give the field (with DISTINCT_PRIOR more). A field with
 * few values (readOnly, userIdentity.type, accounts, regions) has common
 * ones, however the rules favour one; one whose values are spread over many
 * rules (eventName, ARNs) or that few rules mention (a bucket name) has rare
 * ones.
 *
 * An anchor that holds whenever its field has values (exists, anything-but)
 * makes its sub a candidate when the field gets its first value. */
#define MENTION_PRIOR  20.0
#define DISTINCT_PRIOR 4.0

static double
name_share(const struct field *f, uint32_t uses)
{
	double mention = uses / (f->uses + MENTION_PRIOR),
	       distinct = 1 / (f->card + DISTINCT_PRIOR);

	return mention > distinct ? mention : distinct;
}

static double
clause_cost(struct builder *b, uint32_t c)
{
	const struct clause *cl = &b->cl.v[c];
	const struct field *f = &b->rs->fields[cl->node];
	double cost = b->eager.v[c] + b->named.v[c] * name_share(f, 1);

	for (uint32_t k = 0; k < cl->nkeys; k++)
		cost += name_share(f, b->rs->vents[cl->keys[k]].uses);
	return cost;
}

/* The clauses of sub other than skip, in the order a candidate checks them:
 * the least likely to hold first, so that most candidates fail at once. */
static int
check_order(struct builder *b, struct sub *sub, uint32_t skip)
{
	double cost[sub->n > 0 ? sub->n : 1];

	sub->check = arena_alloc(&b->rs->arena, (sub->n + 1) * sizeof(*sub->check));
	if (sub->check == NULL)
		return nomem(b);
	for (uint32_t c = sub->first; c < sub->first + sub->n; c++) {
		/* optional clauses last: they hold whenever their field is absent */
		double x = b->cl.v[c].optional ? 2.0 : clause_cost(b, c);
		uint32_t at = sub->ncheck;
		if (c == skip)
			continue;
		sub->ncheck++;
		for (; at > 0 && cost[at - 1] > x; at--) {
			cost[at] = cost[at - 1];
			sub->check[at] = sub->check[at - 1];
		}
		cost[at] = x;
		sub->check[at] = (struct check){c, b->cl.v[c].node};
	}
	return 0;
}

static int
choose_anchor(struct builder *b, uint32_t s)
{
	struct sub *sub = &b->subs.v[s];
	double best = 0;
	struct clause *cl;

	for (uint32_t c = sub->first; c < sub->first + sub->n; c++) {
		double cost;
		if (b->cl.v[c].optional)
			continue;
		cost = clause_cost(b, c);
		if (sub->anchor == UINT32_MAX || cost < best) {
			best = cost;
			sub->anchor = c;
		}
	}
	if (sub->anchor == UINT32_MAX)
		return check_order(b, sub, UINT32_MAX);
	cl = &b->cl.v[sub->anchor];
	if (cl->exists || cl->counted) {
		struct field *f = &b->rs->fields[cl->node];
		if (VEC_PUSH(f->presence, s) < 0)
			return nomem(b);
		return check_order(b, sub, UINT32_MAX);
	}
	cl->anchor = 1;
	for (uint32_t k = 0; k < cl->nkeys; k++)
		b->rs->vents[cl->keys[k]].npost++;
	return check_order(b, sub, sub->anchor);
}

static int
choose_anchors(struct builder *b)
{
	struct ruleset *rs = b->rs;

	for (uint32_t v = 0; v < rs->nvent; v++)
		rs->fields[rs->vents[v].node].card += rs->vents[v].uses > 0;

	for (uint32_t s = 0; s < b->subs.n; s++)
		if (choose_anchor(b, s) < 0)
			return -1;
	for (uint32_t v = 0; v < rs->nvent; v++) {
		struct vent *e = &rs->vents[v];
		if (e->npost == 0)
			continue;
		if ((e->post = arena_alloc(&rs->arena, e->npost * sizeof(*e->post))) == NULL)
			return nomem(b);
		e->npost = 0;
	}
	for (uint32_t c = 0; c < b->cl.n; c++)
		for (uint32_t k = 0; b->cl.v[c].anchor && k < b->cl.v[c].nkeys; k++) {
			struct vent *e = &rs->vents[b->cl.v[c].keys[k]];
			e->post[e->npost++] = c;
		}
	return 0;
}

static int
finish(struct builder *b)
{
	struct ruleset *rs = b->rs;
	uint32_t src, type;

	if (add_captures(b, &src, &type) < 0)
		return -1;
	rs->nodes = calloc(b->bn.n, sizeof(*rs->nodes));
	rs->always = calloc(b->subs.n + 1, sizeof(*rs->always));
	if (rs->nodes == NULL || rs->always == NULL)
		return nomem(b);
	for (uint32_t i = 0; i < b->bn.n; i++)
		rs->nodes[i].id = i;
	for (uint32_t i = 0; i < b->cl.n; i++)
		rs->nodes[b->cl.v[i].node].wants = 1;
	if (src != UINT32_MAX)
		rs->nodes[src].capture = CAPT_SOURCE, rs->nodes[src].wants = 1;
	if (type != UINT32_MAX)
		rs->nodes[type].capture = CAPT_TYPE, rs->nodes[type].wants = 1;
	for (uint32_t i = 0; i < b->bn.n; i++) {
		if (rs->nodes[i].wants) {
			rs->nodes[i].f = &rs->fields[i];
			if (build_field(b, i) < 0)
				return -1;
		}
		if (child_table(b, i) < 0)
			return -1;
	}
	rs->nnodes = b->bn.n;
	if (choose_anchors(b) < 0)
		return -1;
	if (vindex_split(rs) < 0)
		return nomem(b);
	for (uint32_t i = 0; i < b->subs.n; i++)
		if (b->subs.v[i].anchor == UINT32_MAX)
			rs->always[rs->nalways++] = i;
	rs->clauses = b->cl.v;
	rs->nclauses = b->cl.n;
	rs->subs = b->subs.v;
	rs->nsubs = b->subs.n;
	b->cl.v = NULL;
	b->subs.v = NULL;
	return 0;
}

static void
builder_free(struct builder *b)
{
	for (uint32_t i = 0; i < b->bn.n; i++)
		free(b->bn.v[i].kids.v);
	free(b->bn.v);
	free(b->cl.v);
	free(b->subs.v);
	free(b->keys.v);
	free(b->xkeys.v);
	free(b->eager.v);
	free(b->named.v);
}

static int
compile_rules(struct builder *b, const struct rule_def *defs, size_t n)
{
	struct ruleset *rs = b->rs;
	uint32_t root;

	rs->names = arena_alloc(&rs->arena, (n + 1) * sizeof(*rs->names));
	if (rs->names == NULL || new_node(b, "", 0, &root) < 0)
		return nomem(b);
	for (size_t i = 0; i < n; i++) {
		const char *name = defs[i].name ? defs[i].name : "";
		if ((rs->names[i] = arena_strndup(&rs->arena, name, strlen(name))) == NULL)
			return nomem(b);
		if (add_rule(b, (uint32_t)i, &defs[i]) < 0)
			return -1;
	}
	rs->nrules = n;
	if (fields_reserve(b) < 0)
		return -1;
	return finish(b);
}

struct ruleset *
ruleset_compile(
    const struct rule_def *defs, size_t n, enum match_envelope env, struct ct_error *err)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));
	struct builder b = {.rs = rs, .env = env, .err = err};

	if (err != NULL)
		ct_error_clear(err);
	if (rs == NULL) {
		ct_error_set(err, CT_ERR_NOMEM, "compiling rules: out of memory");
		return NULL;
	}
	arena_init(&rs->arena);
	if (n > UINT32_MAX / 2 || compile_rules(&b, defs, n) < 0) {
		if (n > UINT32_MAX / 2)
			ct_error_set(err, CT_ERR_LIMIT, "too many rules (%zu)", n);
		builder_free(&b);
		ruleset_free(rs);
		return NULL;
	}
	builder_free(&b);
	return rs;
}

static void
field_free(struct field *f)
{
	for (int k = 0; k < AFX__COUNT; k++) {
		affixset_free(&f->afx[k]);
		free(f->items[k].v);
	}
	free(f->ip4.v);
	free(f->ip6.v);
	free(f->num.v);
	free(f->wild.v);
	free(f->gwild.v);
	free(f->grams.v);
	free(f->gbits);
	free(f->ipr.v);
	free(f->ab.v);
	free(f->presence.v);
	free(f->vslots);
	free(f->vbloom);
}

void
ruleset_free(struct ruleset *rs)
{
	if (rs == NULL)
		return;
	for (uint32_t i = 0; rs->fields != NULL && i < rs->nfields; i++)
		field_free(&rs->fields[i]);
	free(rs->vents);
	free(rs->vslots);
	free(rs->fields);
	free(rs->nodes);
	free(rs->clauses);
	free(rs->subs);
	free(rs->always);
	arena_free(&rs->arena);
	free(rs);
}

size_t
ruleset_size(const struct ruleset *rs)
{
	return rs->nrules;
}

const char *
ruleset_rule_name(const struct ruleset *rs, size_t rule)
{
	return rule < rs->nrules ? rs->names[rule] : NULL;
}

int
match_pattern_validate(const char *name, const char *pattern, struct ct_error *err)
{
	struct arena a;
	struct ppattern p;
	int r;

	arena_init(&a);
	r = pattern_parse(name, NULL, pattern, &a, &p, err);
	arena_free(&a);
	return r;
}
