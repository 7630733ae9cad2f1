/*
 * compile: every rule's parsed pattern indexed together, so that the cost of
 * a value does not grow with the number of rules.
 *
 * Each branch of each rule becomes a "sub" with its clauses. A clause is
 * registered at the node of its field: exact values, prefixes, suffixes,
 * case-folded values and clean CIDR blocks as keys of one hash table over
 * (node, kind, bytes) whose postings are clause ids; prefixes and suffixes
 * also record their length, so a value is looked up once per distinct
 * length. Numeric ranges, wildcards and anything-but stay in per-node lists.
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
	u32vec keys;   /* vids of the clause being added */
	u32vec eager;  /* per clause: cost of its atoms that are not keys */
	u32vec natoms; /* per clause: its number of atoms */
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

/* ---- the value index ---- */

static int
vindex_grow(struct ruleset *rs)
{
	uint32_t size = rs->vslots ? (rs->vmask + 1) * 2 : 64;
	struct vslot *t = calloc(size, sizeof(*t));

	if (t == NULL)
		return -1;
	for (uint32_t v = 0; v < rs->nvent; v++) {
		uint32_t j = (uint32_t)rs->vents[v].hash & (size - 1);
		while (t[j].idx != 0)
			j = (j + 1) & (size - 1);
		t[j].check = (uint32_t)(rs->vents[v].hash >> 32);
		t[j].idx = v + 1;
	}
	free(rs->vslots);
	rs->vslots = t;
	rs->vmask = size - 1;
	return 0;
}

/* Registers a key for the clause being added (its vid goes to b->keys). */
static int
vindex_add(struct builder *b, uint32_t node, uint32_t tag, const char *key, size_t len)
{
	struct ruleset *rs = b->rs;
	uint64_t h;
	uint32_t i, vid;
	struct vent *e = NULL;

	if ((rs->vslots == NULL || (rs->nvent + 1) * 2 > rs->vmask + 1) && vindex_grow(rs) < 0)
		return nomem(b);
	h = mhash(key, len, vindex_seed(node, tag));
	for (i = (uint32_t)h & rs->vmask; rs->vslots[i].idx != 0; i = (i + 1) & rs->vmask) {
		e = &rs->vents[rs->vslots[i].idx - 1];
		if (e->hash == h && e->node == node && e->tag == tag && e->len == len &&
		    memcmp(e->key, key, len) == 0)
			break;
		e = NULL;
	}
	if (e == NULL) {
		if (rs->nvent == rs->capvent &&
		    vec_grow((void **)&rs->vents, &rs->capvent, rs->nvent, sizeof(*rs->vents)) < 0)
			return nomem(b);
		e = &rs->vents[rs->nvent];
		memset(e, 0, sizeof(*e));
		if ((e->key = arena_strndup(&rs->arena, key, len)) == NULL)
			return nomem(b);
		e->hash = h;
		if (len <= MH_SHORT)
			mh_words(key, len, &e->w0, &e->w1);
		e->node = node;
		e->tag = tag;
		e->len = (uint32_t)len;
		rs->vslots[i].check = (uint32_t)(h >> 32);
		rs->vslots[i].idx = ++rs->nvent;
	}
	vid = (uint32_t)(e - rs->vents);
	e->uses++;
	return VEC_PUSH(b->keys, vid) < 0 ? nomem(b) : 0;
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
add_affix(struct builder *b, uint32_t node, uint32_t tag, u32vec *lens, const struct pstr *v)
{
	if (lenset_add(b, lens, (uint32_t)v->len) < 0)
		return -1;
	return vindex_add(b, node, tag, v->s, v->len);
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
		return add_affix(b, node, K_PFX, &f->pfx, &a->v[0]);
	case A_SUFFIX:
		return add_affix(b, node, K_SFX, &f->sfx, &a->v[0]);
	case A_PREFIX_EIC:
		f->fold = 1;
		return add_affix(b, node, K_PFXI, &f->pfxi, &a->v[0]);
	case A_SUFFIX_EIC:
		f->fold = 1;
		return add_affix(b, node, K_SFXI, &f->sfxi, &a->v[0]);
	case A_EIC:
		f->fold = f->has_eic = 1;
		return vindex_add(b, node, K_EIC, a->v[0].s, a->v[0].len);
	case A_CIDR:
		return add_cidr(b, node, a, clause);
	case A_WILDCARD: {
		struct wild w = {a->g, clause};
		return VEC_PUSH(f->wild, w) < 0 ? nomem(b) : 0;
	}
	case A_NUMERIC: {
		struct numrange r = {a->lo, a->hi, clause, a->lo_incl, a->hi_incl};
		return VEC_PUSH(f->num, r) < 0 ? nomem(b) : 0;
	}
	case A_EXISTS:
		return VEC_PUSH(f->exists, clause) < 0 ? nomem(b) : 0;
	case A_ABSENT:
		return 0; /* the clause is optional: judged in matcher_end */
	default: {        /* anything-but */
		struct abut ab = {a, clause};
		if (a->kind == A_AB_EIC)
			f->fold = 1;
		return VEC_PUSH(f->ab, ab) < 0 ? nomem(b) : 0;
	}
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

/* How often an atom that is not a key is expected to hit: anything-but and
 * exists hit nearly every record, ranges and wildcards some. */
static uint32_t
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
		return 1u << 24;
	case A_NUMERIC:
	case A_WILDCARD:
		return 1u << 16;
	case A_CIDR:
		return a->bits < 0 ? 1u << 16 : 0;
	default:
		return 0;
	}
}

static int
add_clause(struct builder *b, uint32_t sid, const struct pclause *pc, uint32_t node)
{
	struct clause c = {sid, node, pc->optional, 0, 0, 0, NULL};
	uint32_t cid = b->cl.n, eager = 0;

	b->keys.n = 0;
	for (uint32_t j = 0; j < pc->n; j++) {
		if (add_atom(b, node, &pc->atoms[j], cid) < 0)
			return -1;
		eager |= atom_cost(&pc->atoms[j]);
	}
	if (VEC_PUSH(b->eager, eager) < 0 || VEC_PUSH(b->natoms, pc->n) < 0)
		return nomem(b);
	c.nkeys = b->keys.n;
	c.keys = arena_alloc(&b->rs->arena, (c.nkeys + 1) * sizeof(*c.keys));
	if (c.keys == NULL || VEC_PUSH(b->cl, c) < 0)
		return nomem(b);
	if (c.nkeys > 0)
		memcpy(c.keys, b->keys.v, c.nkeys * sizeof(*c.keys));
	return 0;
}

static int
add_branch(struct builder *b, uint32_t rule, const struct pbranch *br, int envelope)
{
	uint32_t nodes[br->n > 0 ? br->n : 1];
	struct sub s = {rule, b->cl.n, 0, UINT32_MAX};

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
	while (size < ents.n * 2)
		size *= 2;
	mn->ctab = arena_alloc(&b->rs->arena, size * sizeof(*mn->ctab));
	if (mn->ctab == NULL) {
		free(ents.v);
		return nomem(b);
	}
	mn->cmask = size - 1;
	for (uint32_t i = 0; i < ents.n; i++) {
		uint64_t h = mhash(ents.v[i].key, ents.v[i].len, 0);
		uint32_t j = (uint32_t)h & mn->cmask;
		while (mn->ctab[j].key != NULL)
			j = (j + 1) & mn->cmask;
		mn->ctab[j] = (struct child_ent){
		    h, 0, 0, ents.v[i].key, ents.v[i].len, &b->rs->nodes[ents.v[i].node]};
		if (ents.v[i].len <= MH_SHORT)
			mh_words(ents.v[i].key, ents.v[i].len, &mn->ctab[j].w0, &mn->ctab[j].w1);
	}
	free(ents.v);
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_range(const void *a, const void *b)
{
	const struct numrange *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void
sort_field(struct field *f)
{
	u32vec *sets[] = {&f->pfx, &f->sfx, &f->pfxi, &f->sfxi, &f->ip4, &f->ip6};

	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		if (sets[i]->n > 1)
			qsort(sets[i]->v, sets[i]->n, sizeof(uint32_t), cmp_u32);
	if (f->num.n > 1)
		qsort(f->num.v, f->num.n, sizeof(*f->num.v), cmp_range);
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

/* The anchor of a sub is its required clause with the rarest values: only
 * its keys' postings name it, so a value common to many rules (a
 * detail-type, an account) costs one stamp instead of a walk over them. */
static int
choose_anchors(struct builder *b)
{
	struct ruleset *rs = b->rs;

	for (uint32_t s = 0; s < b->subs.n; s++) {
		struct sub *sub = &b->subs.v[s];
		uint64_t best = UINT64_MAX;
		for (uint32_t c = sub->first; c < sub->first + sub->n; c++) {
			const struct clause *cl = &b->cl.v[c];
			uint64_t cost = b->eager.v[c];
			if (cl->optional)
				continue;
			for (uint32_t k = 0; k < cl->nkeys; k++)
				cost += rs->vents[cl->keys[k]].uses;
			if (cost < best) {
				best = cost;
				sub->anchor = c;
			}
		}
		if (sub->anchor == UINT32_MAX)
			continue;
		b->cl.v[sub->anchor].anchor = 1;
		for (uint32_t k = 0; k < b->cl.v[sub->anchor].nkeys; k++)
			rs->vents[b->cl.v[sub->anchor].keys[k]].npost++;
	}
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

/* A clause whose only atom is an anything-but of values, other than an
 * anchor, need not be stamped by every value that satisfies it: it is
 * satisfied when its field got more values than it excludes, so only the
 * excluded values (keys of the index) count against it. */
static int
countable(const struct builder *b, uint32_t cid, const struct patom *a)
{
	return !b->cl.v[cid].anchor && b->natoms.v[cid] == 1 &&
	       (a->kind == A_AB_STRINGS || a->kind == A_AB_NUMBERS);
}

static int
exclusion_key(struct builder *b, uint32_t node, const struct patom *a, uint32_t i, uint32_t *vid)
{
	b->keys.n = 0;
	if (a->kind == A_AB_STRINGS) {
		if (vindex_add(b, node, K_STR, a->v[i].s, a->v[i].len) < 0)
			return -1;
	} else if (vindex_add(b, node, K_NUM, (const char *)&a->q[i], sizeof(a->q[i])) < 0) {
		return -1;
	}
	b->rs->vents[b->keys.v[0]].uses--; /* not a key any clause looks for */
	*vid = b->keys.v[0];
	return 0;
}

/* Moves countable clauses from the eager anything-but lists to the
 * exclusion postings of their values (two passes: count, then fill). */
static int
count_exclusions(struct builder *b)
{
	struct ruleset *rs = b->rs;

	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t n = 0; n < b->bn.n; n++) {
			struct field *f = &rs->fields[n];
			uint32_t kept = 0;
			for (uint32_t i = 0; i < f->ab.n; i++) {
				struct abut ab = f->ab.v[i];
				uint32_t vid,
				    cnt = ab.a->kind == A_AB_STRINGS ? ab.a->nv : ab.a->nq;
				if (!countable(b, ab.clause, ab.a)) {
					f->ab.v[kept++] = ab;
					continue;
				}
				b->cl.v[ab.clause].counted = 1;
				f->has_exact = 1;
				for (uint32_t j = 0; j < cnt; j++) {
					struct vent *e;
					if (exclusion_key(b, n, ab.a, j, &vid) < 0)
						return -1;
					e = &rs->vents[vid];
					if (pass == 0) {
						e->nxpost++;
					} else if (e->nxpost == 0 ||
					           e->xpost[e->nxpost - 1] != ab.clause) {
						e->xpost[e->nxpost++] = ab.clause;
					}
				}
				if (pass == 0)
					f->ab.v[kept++] = ab; /* moved in the second pass */
			}
			f->ab.n = kept;
		}
		for (uint32_t v = 0; pass == 0 && v < rs->nvent; v++) {
			struct vent *e = &rs->vents[v];
			if (e->nxpost == 0)
				continue;
			if ((e->xpost = arena_alloc(&rs->arena, e->nxpost * sizeof(*e->xpost))) ==
			    NULL)
				return nomem(b);
			e->nxpost = 0;
		}
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
			sort_field(&rs->fields[i]);
		}
		if (child_table(b, i) < 0)
			return -1;
	}
	if (choose_anchors(b) < 0 || count_exclusions(b) < 0)
		return -1;
	for (uint32_t i = 0; i < b->subs.n; i++)
		if (b->subs.v[i].anchor == UINT32_MAX)
			rs->always[rs->nalways++] = i;
	rs->clauses = b->cl.v;
	rs->nclauses = b->cl.n;
	rs->subs = b->subs.v;
	rs->nsubs = b->subs.n;
	b->cl.v = NULL;
	b->subs.v = NULL;
	rs->nnodes = b->bn.n;
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
	free(b->eager.v);
	free(b->natoms.v);
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
	free(f->pfx.v);
	free(f->sfx.v);
	free(f->pfxi.v);
	free(f->sfxi.v);
	free(f->ip4.v);
	free(f->ip6.v);
	free(f->num.v);
	free(f->wild.v);
	free(f->ipr.v);
	free(f->ab.v);
	free(f->exists.v);
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
