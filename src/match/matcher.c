/*
 * matcher: one record at a time against a compiled ruleset.
 *
 * Per-record state is stamped with a generation number instead of being
 * cleared, so beginning a record costs nothing and no memory is allocated
 * once the scratch buffer has grown to the longest folded value.
 *
 * A value at a node looks up its keys in the value index, stamping each key
 * found, and walks the node's short lists (ranges, wildcards, anything-but),
 * stamping each clause they satisfy. A key's postings name only anchor
 * clauses: when an anchor is satisfied its sub becomes a candidate.
 * matcher_end checks the candidates' other clauses against the stamps, and
 * those of the few subs without a required clause.
 */
#include <stdlib.h>
#include <string.h>

#include "match/envelope.h"
#include "match/match_int.h"

struct matcher {
	const struct ruleset *rs;
	uint32_t gen;         /* the current record's stamp, never 0 */
	uint32_t *clause_gen; /* per clause: satisfied by a listed atom in this record */
	uint32_t *vent_gen;   /* per key of the value index: seen in this record */
	uint32_t *node_gen;   /* per node: some value was reported there */
	uint32_t *node_cnt;   /* per node: values reported (valid when node_gen is current) */
	uint32_t *excl_gen;   /* per clause: excl is of this record */
	uint32_t *excl;       /* per counted clause: values it excluded */
	uint32_t *rule_gen;   /* per rule: already in out */
	uint32_t *cand;       /* subs whose anchor clause is satisfied */
	uint32_t ncand;
	size_t *out; /* matched rules, ascending after matcher_end */
	size_t nout;
	char *fold; /* scratch: the case-folded value */
	size_t foldcap;
	char src[128]; /* captured eventSource */
	size_t srclen;
	uint32_t src_gen;
	char type[64]; /* captured eventType */
	size_t typelen;
	uint32_t type_gen;
};

/* A value being matched, with what was derived from it so far. */
struct val {
	enum match_type type;
	const char *text;
	size_t len;
	const char *folded; /* NULL until needed */
	size_t flen;
	int64_t q; /* quantized number when qvalid */
	int qvalid;
};

/* ---- the field tree, as the record stream walks it ---- */

const struct match_node *
match_root(const struct ruleset *rs)
{
	return &rs->nodes[0];
}

const struct match_node *
match_child(const struct match_node *n, const char *key, size_t len)
{
	uint64_t w0 = 0, w1 = 0, h;
	uint32_t i;

	if (n == NULL || n->ctab == NULL)
		return NULL;
	if (len <= MH_SHORT) {
		mh_words(key, len, &w0, &w1);
		h = mh_final(w0, w1, len, MH_K0);
	} else {
		h = mhash(key, len, 0);
	}
	for (i = (uint32_t)h & n->cmask; n->ctab[i].key != NULL; i = (i + 1) & n->cmask) {
		const struct child_ent *e = &n->ctab[i];
		if (same_key(h, w0, w1, key, len, e->hash, e->w0, e->w1, e->key, e->len))
			return e->node;
	}
	return NULL;
}

int
match_wants_value(const struct match_node *n)
{
	return n != NULL && n->wants;
}

/* ---- records ---- */

struct matcher *
matcher_new(const struct ruleset *rs)
{
	struct matcher *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->rs = rs;
	m->clause_gen = calloc(rs->nclauses + 1, sizeof(uint32_t));
	m->vent_gen = calloc(rs->nvent + 1, sizeof(uint32_t));
	m->cand = calloc(rs->nsubs + 1, sizeof(uint32_t));
	m->node_gen = calloc(rs->nnodes + 1, sizeof(uint32_t));
	m->node_cnt = calloc(rs->nnodes + 1, sizeof(uint32_t));
	m->excl_gen = calloc(rs->nclauses + 1, sizeof(uint32_t));
	m->excl = calloc(rs->nclauses + 1, sizeof(uint32_t));
	m->rule_gen = calloc(rs->nrules + 1, sizeof(uint32_t));
	m->out = calloc(rs->nrules + 1, sizeof(size_t));
	m->foldcap = 256;
	m->fold = malloc(m->foldcap);
	if (!m->clause_gen || !m->vent_gen || !m->cand || !m->node_gen || !m->node_cnt ||
	    !m->excl_gen || !m->excl || !m->rule_gen || !m->out || !m->fold) {
		matcher_free(m);
		return NULL;
	}
	return m;
}

void
matcher_free(struct matcher *m)
{
	if (m == NULL)
		return;
	free(m->clause_gen);
	free(m->vent_gen);
	free(m->cand);
	free(m->node_gen);
	free(m->node_cnt);
	free(m->excl_gen);
	free(m->excl);
	free(m->rule_gen);
	free(m->out);
	free(m->fold);
	free(m);
}

void
matcher_begin(struct matcher *m)
{
	const struct ruleset *rs = m->rs;

	if (++m->gen == 0) { /* wrapped: forget every stamp */
		memset(m->clause_gen, 0, rs->nclauses * sizeof(uint32_t));
		memset(m->vent_gen, 0, rs->nvent * sizeof(uint32_t));
		memset(m->node_gen, 0, rs->nnodes * sizeof(uint32_t));
		memset(m->excl_gen, 0, rs->nclauses * sizeof(uint32_t));
		memset(m->rule_gen, 0, rs->nrules * sizeof(uint32_t));
		m->src_gen = m->type_gen = 0;
		m->gen = 1;
	}
	m->ncand = 0;
	m->nout = 0;
}

static inline void
hit(struct matcher *m, uint32_t cid)
{
	if (m->clause_gen[cid] == m->gen)
		return;
	m->clause_gen[cid] = m->gen;
	if (m->rs->clauses[cid].anchor)
		m->cand[m->ncand++] = m->rs->clauses[cid].sub;
}

static inline void
lookup(struct matcher *m, uint32_t node, uint32_t tag, const char *key, size_t len)
{
	const struct vent *e = vindex_find(m->rs, node, tag, key, len);

	if (e == NULL)
		return;
	m->vent_gen[e - m->rs->vents] = m->gen;
	for (uint32_t i = 0; i < e->npost; i++)
		hit(m, e->post[i]);
	for (uint32_t i = 0; i < e->nxpost; i++) {
		uint32_t c = e->xpost[i];
		if (m->excl_gen[c] != m->gen) {
			m->excl_gen[c] = m->gen;
			m->excl[c] = 0;
		}
		m->excl[c]++;
	}
}

static void
affixes(struct matcher *m, uint32_t node, const u32vec *lens, uint32_t tag, const char *s,
    size_t len, int suffix)
{
	for (uint32_t i = 0; i < lens->n && lens->v[i] <= len; i++)
		lookup(m, node, tag, suffix ? s + len - lens->v[i] : s, lens->v[i]);
}

static void
fold_value(struct matcher *m, struct val *v)
{
	if (v->folded != NULL)
		return;
	if (2 * v->len > m->foldcap) {
		size_t cap = 2 * v->len + 64;
		char *p = realloc(m->fold, cap);
		if (p == NULL) {
			v->folded = v->text; /* keeps working, case-sensitively */
			v->flen = v->len;
			return;
		}
		m->fold = p;
		m->foldcap = cap;
	}
	v->flen = fold_case(v->text, v->len, m->fold);
	v->folded = m->fold;
}

static void
match_ip(struct matcher *m, uint32_t node, const struct field *f, const struct val *v)
{
	uint8_t ip[16], key[17];
	int n = ip_parse(v->text, v->len, ip);
	const u32vec *lens = n == 16 ? &f->ip6 : &f->ip4;

	if (n == 0)
		return;
	for (uint32_t i = 0; i < lens->n; i++) {
		uint32_t bits = lens->v[i];
		for (int b = 0; b < n; b++) {
			int keep = (int)bits - 8 * b;
			key[b] = keep >= 8   ? ip[b]
			         : keep <= 0 ? 0
			                     : (uint8_t)(ip[b] & (0xff << (8 - keep)));
		}
		key[n] = (uint8_t)bits;
		lookup(m, node, n == 16 ? K_IP6 : K_IP4, (const char *)key, (size_t)n + 1);
	}
	for (uint32_t i = 0; i < f->ipr.n; i++) {
		const struct iprange *r = &f->ipr.v[i];
		if ((r->ip6 ? 16 : 4) == n && memcmp(ip, r->lo, (size_t)n) >= 0 &&
		    memcmp(ip, r->hi, (size_t)n) <= 0)
			hit(m, r->clause);
	}
}

static void
match_string(struct matcher *m, uint32_t node, const struct field *f, struct val *v)
{
	if (f->has_exact)
		lookup(m, node, K_STR, v->text, v->len);
	affixes(m, node, &f->pfx, K_PFX, v->text, v->len, 0);
	affixes(m, node, &f->sfx, K_SFX, v->text, v->len, 1);
	if (f->fold) {
		fold_value(m, v);
		if (f->has_eic)
			lookup(m, node, K_EIC, v->folded, v->flen);
		affixes(m, node, &f->pfxi, K_PFXI, v->folded, v->flen, 0);
		affixes(m, node, &f->sfxi, K_SFXI, v->folded, v->flen, 1);
	}
	for (uint32_t i = 0; i < f->wild.n; i++)
		if (glob_match(f->wild.v[i].g, v->text, v->len))
			hit(m, f->wild.v[i].clause);
	if (f->has_ip)
		match_ip(m, node, f, v);
}

static void
match_number(struct matcher *m, uint32_t node, const struct field *f, struct val *v)
{
	if (f->has_exact) {
		lookup(m, node, K_LIT, v->text, v->len);
		if (v->qvalid)
			lookup(m, node, K_NUM, (const char *)&v->q, sizeof(v->q));
	}
	if (!v->qvalid)
		return;
	for (uint32_t i = 0; i < f->num.n && f->num.v[i].lo <= v->q; i++) {
		const struct numrange *r = &f->num.v[i];
		if ((v->q > r->lo || (r->lo_incl && v->q == r->lo)) &&
		    (v->q < r->hi || (r->hi_incl && v->q == r->hi)))
			hit(m, r->clause);
	}
}

static int
has_affix(const struct pstr *p, const char *s, size_t len, int suffix)
{
	return p->len <= len && memcmp(suffix ? s + len - p->len : s, p->s, p->len) == 0;
}

/* Whether an anything-but atom rules the value out. Values of another type
 * than the listed ones are never ruled out (null matches anything-but). */
static int
excluded(struct matcher *m, const struct patom *a, struct val *v)
{
	if (a->kind == A_AB_NUMBERS) {
		for (uint32_t i = 0; v->type == MATCH_NUMBER && v->qvalid && i < a->nq; i++)
			if (a->q[i] == v->q)
				return 1;
		return 0;
	}
	if (v->type != MATCH_STRING)
		return 0;
	if (a->kind == A_AB_EIC)
		fold_value(m, v);
	for (uint32_t i = 0; i < a->nv; i++) {
		const struct pstr *p = &a->v[i];
		switch (a->kind) {
		case A_AB_STRINGS:
			if (p->len == v->len && memcmp(p->s, v->text, v->len) == 0)
				return 1;
			break;
		case A_AB_PREFIX:
		case A_AB_SUFFIX:
			if (has_affix(p, v->text, v->len, a->kind == A_AB_SUFFIX))
				return 1;
			break;
		case A_AB_EIC:
			if (p->len == v->flen && memcmp(p->s, v->folded, v->flen) == 0)
				return 1;
			break;
		default: /* A_AB_WILDCARD */
			if (glob_match(&a->g[i], v->text, v->len))
				return 1;
			break;
		}
	}
	return 0;
}

static void
match_value(struct matcher *m, uint32_t node, const struct field *f, struct val *v)
{
	static const uint32_t tags[] = {
	    [MATCH_TRUE] = K_TRUE, [MATCH_FALSE] = K_FALSE, [MATCH_NULL] = K_NULL};

	if (v->type == MATCH_NUMBER && (f->has_exact || f->num.n > 0 || f->ab.n > 0))
		v->qvalid = number_quantize(v->text, v->len, &v->q) == 0;
	switch (v->type) {
	case MATCH_STRING:
		match_string(m, node, f, v);
		break;
	case MATCH_NUMBER:
		match_number(m, node, f, v);
		break;
	default:
		if (f->has_exact)
			lookup(m, node, tags[v->type], "", 0);
		break;
	}
	for (uint32_t i = 0; i < f->exists.n; i++)
		hit(m, f->exists.v[i]);
	for (uint32_t i = 0; i < f->ab.n; i++)
		if (m->clause_gen[f->ab.v[i].clause] != m->gen && !excluded(m, f->ab.v[i].a, v))
			hit(m, f->ab.v[i].clause);
}

static void
capture(struct matcher *m, int what, enum match_type type, const char *text, size_t len)
{
	if (type != MATCH_STRING)
		return;
	if (what == CAPT_SOURCE && len <= sizeof(m->src) && m->src_gen != m->gen) {
		memcpy(m->src, text, len);
		m->srclen = len;
		m->src_gen = m->gen;
	} else if (what == CAPT_TYPE && len <= sizeof(m->type) && m->type_gen != m->gen) {
		memcpy(m->type, text, len);
		m->typelen = len;
		m->type_gen = m->gen;
	}
}

void
matcher_value(struct matcher *m, const struct match_node *n, enum match_type type, const char *text,
    size_t len)
{
	struct val v = {type, text, len, NULL, 0, 0, 0};

	if (m->node_gen[n->id] != m->gen) {
		m->node_gen[n->id] = m->gen;
		m->node_cnt[n->id] = 0;
	}
	m->node_cnt[n->id]++;
	if (n->capture != CAPT_NONE)
		capture(m, n->capture, type, text, len);
	if (n->f != NULL)
		match_value(m, n->id, n->f, &v);
}

/* The envelope's derived fields, from what was captured. */
static void
derive(struct matcher *m)
{
	const struct ruleset *rs = m->rs;
	char buf[sizeof(m->src) + 8];
	size_t len;
	const char *dt;

	if (rs->vnode[VN_SOURCE] != 0 && m->src_gen == m->gen &&
	    (len = envelope_source(m->src, m->srclen, buf, sizeof(buf))) > 0)
		matcher_value(m, &rs->nodes[rs->vnode[VN_SOURCE]], MATCH_STRING, buf, len);
	if (rs->vnode[VN_DTYPE] != 0 && m->type_gen == m->gen &&
	    (dt = envelope_detail_type(m->type, m->typelen)) != NULL)
		matcher_value(m, &rs->nodes[rs->vnode[VN_DTYPE]], MATCH_STRING, dt, strlen(dt));
	if (rs->vnode[VN_VERSION] != 0)
		matcher_value(m, &rs->nodes[rs->vnode[VN_VERSION]], MATCH_STRING, "0", 1);
}

static int
satisfied(const struct matcher *m, uint32_t cid)
{
	const struct clause *c = &m->rs->clauses[cid];

	if (m->clause_gen[cid] == m->gen)
		return 1;
	for (uint32_t k = 0; k < c->nkeys; k++)
		if (m->vent_gen[c->keys[k]] == m->gen)
			return 1;
	if (c->counted && m->node_gen[c->node] == m->gen &&
	    m->node_cnt[c->node] > (m->excl_gen[cid] == m->gen ? m->excl[cid] : 0))
		return 1;
	/* exists: false holds when no value was reported for the field */
	return c->optional && m->node_gen[c->node] != m->gen;
}

static void
judge(struct matcher *m, uint32_t s)
{
	const struct sub *sub = &m->rs->subs[s];

	if (m->rule_gen[sub->rule] == m->gen)
		return;
	for (uint32_t c = sub->first; c < sub->first + sub->n; c++)
		if (c != sub->anchor && !satisfied(m, c))
			return;
	m->rule_gen[sub->rule] = m->gen;
	m->out[m->nout++] = sub->rule;
}

size_t
matcher_end(struct matcher *m, const size_t **rules)
{
	derive(m);
	for (uint32_t i = 0; i < m->ncand; i++)
		judge(m, m->cand[i]);
	for (uint32_t i = 0; i < m->rs->nalways; i++)
		judge(m, m->rs->always[i]);
	for (size_t i = 1; i < m->nout; i++) { /* few matches: insertion sort */
		size_t r = m->out[i], j = i;
		for (; j > 0 && m->out[j - 1] > r; j--)
			m->out[j] = m->out[j - 1];
		m->out[j] = r;
	}
	*rules = m->out;
	return m->nout;
}
