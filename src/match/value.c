/*
 * value: what one value does at its node. It looks up its keys in the
 * value index, stamping each key found, and walks the node's short lists
 * (ranges, wildcards, Sigma's tests, anything-but), stamping each clause
 * they satisfy. A string value that did more than a lookup is remembered
 * (memo.c) and replayed when it comes again. No memory is allocated once
 * the scratch buffer has grown to the longest folded value.
 */
#include <stdlib.h>
#include <string.h>

#include "match/run.h"

/* How well the memo serves a node: over MEMO_ROUND values, at least a
 * quarter must be replays, or the node does without it for MEMO_REST. */
#define MEMO_ROUND 4096
#define MEMO_REST  65536

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

/* While a value is recorded for the memo, what it does. */
static inline void
record(struct matcher *m, uint32_t effect)
{
	if (m->rec->n < MEMO_EFFECTS)
		m->rec->eff[m->rec->n++] = effect;
	else
		m->rec_ok = 0;
}

/* The value satisfies clause cid. */
static inline void
hit(struct matcher *m, uint32_t cid)
{
	if (m->rec != NULL)
		record(m, cid | MEMO_CLAUSE);
	stamp(m, cid);
}

/* While recording, a clause already satisfied is still tried: the record
 * must hold all that the value does, whatever the record before it did. */
static inline int
done(const struct matcher *m, uint32_t cid)
{
	return m->rec == NULL && m->clause_gen[cid] == m->gen;
}

/* A key's postings wait for the end of the record (see sift()). */
static inline void
key_stamp(struct matcher *m, uint32_t vid)
{
	struct seen *c = &m->vent[vid];

	if (c->gen != m->gen) {
		if (c->gen < m->rec_gen) { /* the record's first */
			c->cnt = 0;
			if (m->rs->posted[vid / 64] & (1ull << (vid % 64)))
				m->defer[m->ndefer++] = vid;
		}
		c->gen = m->gen;
	}
	c->cnt++;
}

/* The value has key vid of the index. */
static inline void
hit_key(struct matcher *m, uint32_t vid)
{
	if (m->rec != NULL)
		record(m, vid);
	key_stamp(m, vid);
}

static inline void
lookup(struct matcher *m, const struct match_node *n, uint32_t tag, const char *key, size_t len)
{
	uint32_t vid = vindex_find(m->rs, n, tag, key, len);

	if (vid != UINT32_MAX)
		hit_key(m, vid);
}

/* Wildcards gwild[first .. first + n) that a gate let the value through
 * to; equal patterns stand together and are tried once. */
static void
try_wildcards(
    struct matcher *m, const struct field *f, uint32_t first, uint32_t n, const struct val *v)
{
	const struct glob *g = NULL;
	int ok = 0;

	for (uint32_t j = first; j < first + n; j++) {
		const struct wild *w = &f->gwild.v[j];
		if (done(m, w->clause))
			continue;
		if (w->g != g) {
			g = w->g;
			ok = glob_match(g, v->text, v->len);
		}
		if (ok)
			hit(m, w->clause);
	}
}

/* Every entry of an affix set that begins key (the value, or its end
 * backwards): its key, and the wildcards it gates. */
static void
affixes(struct matcher *m, const struct field *f, const struct affixset *set, const char *key,
    size_t klen, const struct val *v)
{
	size_t shared = 0;
	uint32_t i = affix_find(set, key, klen, &shared);

	for (; i != AFFIX_NONE; i = set->v[i].parent) {
		const struct affix *a = &set->v[i];
		if (a->len > shared)
			continue;
		if (a->vid != AFFIX_NONE)
			hit_key(m, a->vid);
		if (a->nwild > 0)
			try_wildcards(m, f, a->wfirst, a->nwild, v);
	}
}

static inline void
gram_probe(struct matcher *m, const struct field *f, uint32_t g, const struct val *v)
{
	uint32_t h = gram_hash(g);
	const struct gram *e;

	if ((f->gbits[h >> 6] & (1ull << (h & 63))) != 0 && (e = gram_find(f, g)) != NULL)
		try_wildcards(m, f, e->wfirst, e->nwild, v);
}

/* The wildcards behind the grams the value contains: every position is
 * tried against the field's filter, five of them per load. */
static void
grams(struct matcher *m, const struct field *f, const struct val *v)
{
	size_t i = 0;
	uint32_t g;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; i + 8 <= v->len; i += 5) {
		uint64_t w;
		memcpy(&w, v->text + i, 8);
		for (int j = 0; j < 5; j++)
			gram_probe(m, f, (uint32_t)(w >> (8 * j)), v);
	}
#endif
	for (; i + GRAM_LEN <= v->len; i++) {
		memcpy(&g, v->text + i, GRAM_LEN);
		gram_probe(m, f, g, v);
	}
}

/* The last bytes of s, up to the longest suffix any set holds, backwards. */
static size_t
reverse_end(struct matcher *m, const char *s, size_t len)
{
	size_t n = len < m->rs->max_suffix ? len : m->rs->max_suffix;

	for (size_t i = 0; i < n; i++)
		m->rev[i] = s[len - 1 - i];
	return n;
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
			m->rec_ok = 0; /* and that is not what the value does */
			return;
		}
		m->fold = p;
		m->foldcap = cap;
	}
	v->flen = fold_case(v->text, v->len, m->fold);
	v->folded = m->fold;
}

static void
match_ip(
    struct matcher *m, const struct match_node *node, const struct field *f, const struct val *v)
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
match_preds(struct matcher *m, const struct field *f, struct val *v)
{
	if (f->fold)
		fold_value(m, v);
	for (uint32_t i = 0; i < f->pred.n; i++)
		if (pred_match(f->pred.v[i].p, v->text, v->len, v->folded, v->flen, m->scratch))
			hit(m, f->pred.v[i].clause);
}

static void
match_string(struct matcher *m, const struct match_node *node, struct val *v)
{
	const struct field *f = node->f;
	const struct affixset *afx = f->afx;
	uint32_t steps = node->steps;

	if (steps & FS_EXACT)
		lookup(m, node, K_STR, v->text, v->len);
	if (steps & FS_PFX)
		affixes(m, f, &afx[AFX_PFX], v->text, v->len, v);
	if (steps & FS_SFX)
		affixes(m, f, &afx[AFX_SFX], m->rev, reverse_end(m, v->text, v->len), v);
	if (steps & FS_FOLD) {
		fold_value(m, v);
		if (steps & FS_EIC)
			lookup(m, node, K_EIC, v->folded, v->flen);
		if (steps & FS_PFXI)
			affixes(m, f, &afx[AFX_PFXI], v->folded, v->flen, v);
		if (steps & FS_SFXI)
			affixes(
			    m, f, &afx[AFX_SFXI], m->rev, reverse_end(m, v->folded, v->flen), v);
	}
	if (steps & FS_GRAMS)
		grams(m, f, v);
	for (uint32_t i = 0; (steps & FS_WILD) && i < f->wild.n; i++)
		if (glob_match(f->wild.v[i].g, v->text, v->len))
			hit(m, f->wild.v[i].clause);
	if (steps & FS_PRED)
		match_preds(m, f, v);
	if (steps & FS_IP)
		match_ip(m, node, f, v);
}

static void
match_number(struct matcher *m, const struct match_node *node, struct val *v)
{
	const struct field *f = node->f;

	if (node->steps & FS_EXACT) {
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

/* The anything-but atoms tried on every value. */
static void
match_ab(struct matcher *m, const struct field *f, struct val *v)
{
	for (uint32_t i = 0; i < f->ab.n; i++)
		if (!done(m, f->ab.v[i].clause) && !excluded(m, f->ab.v[i].a, v))
			hit(m, f->ab.v[i].clause);
}

static void
replay(struct matcher *m, const struct memo_entry *e)
{
	for (uint32_t i = 0; i < e->n; i++) {
		if (e->eff[i] & MEMO_CLAUSE)
			stamp(m, e->eff[i] & ~MEMO_CLAUSE);
		else
			key_stamp(m, e->eff[i]);
	}
}

/* A string value, replayed from the memo when it is there; else matched and,
 * when the node is served well, recorded. */
static void
match_remembered(struct matcher *m, const struct match_node *node, struct val *v)
{
	struct memostat *st = &m->mstat[node->id];
	uint64_t h = memo_hash(node->id, v->text, v->len);
	struct memo_entry *e = memo_find(&m->memo, h, node->id, v->text, v->len);

	if (++st->tries == MEMO_ROUND) {
		if (st->hits < MEMO_ROUND / 4)
			st->rest = MEMO_REST;
		st->tries = st->hits = 0;
	}
	if (e != NULL && e->n != MEMO_NONE) {
		st->hits++;
		replay(m, e);
		return;
	}
	if (e == NULL) {
		m->rec = memo_claim(&m->memo, h, node->id, v->text, v->len);
		m->rec_ok = 1;
	}
	match_string(m, node, v);
	if (node->steps & FS_AB)
		match_ab(m, node->f, v);
	if (m->rec != NULL && !m->rec_ok)
		m->rec->n = MEMO_NONE;
	m->rec = NULL;
}

static void
match_value(struct matcher *m, const struct match_node *node, struct val *v)
{
	static const uint32_t tags[] = {
	    [MATCH_TRUE] = K_TRUE, [MATCH_FALSE] = K_FALSE, [MATCH_NULL] = K_NULL};
	uint32_t steps = node->steps;

	if (v->type == MATCH_STRING && (steps & FS_MEMO) && m->mstat != NULL &&
	    v->len <= MEMO_BYTES) {
		if (m->mstat[node->id].rest == 0) {
			match_remembered(m, node, v);
			return;
		}
		m->mstat[node->id].rest--;
	}
	if (v->type == MATCH_NUMBER && (steps & (FS_EXACT | FS_NUM | FS_AB)))
		v->qvalid = number_quantize(v->text, v->len, &v->q) == 0;
	switch (v->type) {
	case MATCH_STRING:
		match_string(m, node, v);
		break;
	case MATCH_NUMBER:
		match_number(m, node, v);
		break;
	default:
		if (steps & FS_EXACT)
			lookup(m, node, tags[v->type], "", 0);
		break;
	}
	if (steps & FS_AB)
		match_ab(m, node->f, v);
}

void
value_match(struct matcher *m, const struct match_node *n, enum match_type type, const char *text,
    size_t len)
{
	struct val v = {type, text, len, NULL, 0, 0, 0};

	match_value(m, n, &v);
}
