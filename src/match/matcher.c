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
 *
 * Stamps hold the generation they were made in, and generations only grow:
 * a record begins a new one, and so does each array element the stream
 * reports (at nodes groups are about, see scope.c). So "in this record" is
 * a stamp of rec_gen or later, and "in this element" one of the element's
 * own generation or later; an element's groups are judged when it ends,
 * before a later element stamps over it.
 */
#include <stdlib.h>
#include <string.h>

#include "match/envelope.h"
#include "match/match_int.h"

/* How many times something happened in the record of generation gen. */
struct seen {
	uint32_t gen;
	uint32_t cnt; /* valid when gen is current */
};

/* How well the memo serves a node: over MEMO_ROUND values, at least a
 * quarter must be replays, or the node does without it for MEMO_REST. */
#define MEMO_ROUND 4096
#define MEMO_REST  65536

struct memostat {
	uint32_t tries, hits;
	uint32_t rest; /* values left to go without the memo */
};

/* Generations a matcher keeps free above the record's when it begins: a
 * record may hold this many array elements before they share one. */
#define GEN_RESERVE (1u << 24)

struct matcher {
	const struct ruleset *rs;
	uint32_t gen;         /* the current stamp, never 0 */
	uint32_t rec_gen;     /* the current record's first */
	uint32_t *group_gen;  /* per group: an element satisfied it */
	uint32_t *scope_gen;  /* per node: an element of an array there began */
	uint32_t *clause_gen; /* per clause: satisfied by a listed atom in this record */
	struct seen *vent;    /* per key of the value index: values that had it */
	struct seen *node;    /* per node: values reported there */
	uint32_t *unit_gen;   /* per unit (pattern of a rule): already in out */
	uint32_t *rule_gen;   /* per rule, when rules have conditions: looked at */
	uint32_t *cand;       /* subs whose anchor clause is satisfied */
	uint32_t ncand;
	uint32_t *defer; /* keys with postings hit in this record, once each */
	uint32_t ndefer;
	size_t *out; /* matched units; they are the rules, ascending after matcher_end, when no
	                rule has a condition */
	size_t nout;
	size_t *rout; /* matched rules, ascending, when rules have conditions */
	char *fold;   /* scratch: the case-folded value */
	size_t foldcap;
	char *rev;              /* scratch: the end of a value backwards, max_suffix bytes */
	void *scratch;          /* owned; what regexes need (pred.c), NULL when none */
	struct memo memo;       /* values of fields with memo set; e NULL when none */
	struct memostat *mstat; /* per node */
	struct memo_entry *rec; /* the entry being recorded, or NULL */
	int rec_ok;             /* it is complete so far */
	char src[128];          /* captured eventSource */
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

/* One hash of the key; probes read a byte per slot (at most a quarter of the
 * slots are used) and look at the entry only when its tag agrees. */
const struct match_node *
match_child(const struct match_node *n, const char *key, size_t len)
{
	uint64_t w0, w1, h;
	uint32_t i;
	uint8_t tag;

	if (n == NULL || n->ctab == NULL)
		return NULL;
	mh_words(key, len, &w0, &w1);
	h = child_hash(w0, w1, len);
	tag = child_tag(h);
	for (i = (uint32_t)h & n->cmask; n->ctag[i] != 0; i = (i + 1) & n->cmask) {
		const struct child_ent *e = &n->ctab[i];
		if (n->ctag[i] == tag && e->len == len && e->w0 == w0 && e->w1 == w1 &&
		    (len <= MH_SHORT || mh_same_middle(key, e->key, len)))
			return e->node;
	}
	return NULL;
}

int
match_wants_value(const struct match_node *n)
{
	return n != NULL && n->wants;
}

int
match_is_scope(const struct match_node *n)
{
	return n != NULL && n->scope;
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
	m->vent = calloc(rs->nvent + 1, sizeof(struct seen));
	m->cand = calloc(rs->nsubs + 1, sizeof(uint32_t));
	m->defer = calloc(rs->nvent + 1, sizeof(uint32_t));
	m->node = calloc(rs->nnodes + 1, sizeof(struct seen));
	m->unit_gen = calloc(rs->nunits + 1, sizeof(uint32_t));
	m->rule_gen = calloc(rs->nrules + 1, sizeof(uint32_t));
	m->out = calloc(rs->nunits + 1, sizeof(size_t));
	m->rout = calloc(rs->nrules + 1, sizeof(size_t));
	m->group_gen = calloc(rs->ngroups + 1, sizeof(uint32_t));
	m->scope_gen = calloc(rs->nnodes + 1, sizeof(uint32_t));
	m->foldcap = 256;
	m->fold = malloc(m->foldcap);
	m->rev = malloc(rs->max_suffix + 1);
	if (rs->preds.n > 0 && (m->scratch = pred_scratch_new()) == NULL) {
		matcher_free(m);
		return NULL;
	}
	if (rs->nmemo > 0 && ((m->mstat = calloc(rs->nnodes, sizeof(*m->mstat))) == NULL ||
	                         memo_init(&m->memo, MEMO_SETS) < 0)) {
		matcher_free(m);
		return NULL;
	}
	if (!m->clause_gen || !m->vent || !m->cand || !m->defer || !m->node || !m->rule_gen ||
	    !m->unit_gen || !m->out || !m->rout || !m->fold || !m->rev || !m->group_gen ||
	    !m->scope_gen) {
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
	free(m->vent);
	free(m->cand);
	free(m->defer);
	free(m->node);
	free(m->unit_gen);
	free(m->rule_gen);
	free(m->out);
	free(m->rout);
	free(m->group_gen);
	free(m->scope_gen);
	free(m->fold);
	free(m->rev);
	if (m->scratch != NULL)
		pred_scratch_free(m->scratch);
	free(m->mstat);
	memo_free(&m->memo);
	free(m);
}

void
matcher_begin(struct matcher *m)
{
	const struct ruleset *rs = m->rs;

	if (m->gen >= UINT32_MAX - GEN_RESERVE) { /* about to wrap: forget every stamp */
		memset(m->clause_gen, 0, rs->nclauses * sizeof(uint32_t));
		memset(m->vent, 0, rs->nvent * sizeof(struct seen));
		memset(m->node, 0, rs->nnodes * sizeof(struct seen));
		memset(m->unit_gen, 0, rs->nunits * sizeof(uint32_t));
		memset(m->rule_gen, 0, rs->nrules * sizeof(uint32_t));
		memset(m->group_gen, 0, rs->ngroups * sizeof(uint32_t));
		memset(m->scope_gen, 0, rs->nnodes * sizeof(uint32_t));
		m->src_gen = m->type_gen = 0;
		m->gen = 0;
	}
	m->rec_gen = ++m->gen;
	m->ncand = 0;
	m->ndefer = 0;
	m->nout = 0;
}

/* While a value is recorded for the memo, what it does. */
static inline void
record(struct matcher *m, uint32_t effect)
{
	if (m->rec->n < MEMO_EFFECTS)
		m->rec->eff[m->rec->n++] = effect;
	else
		m->rec_ok = 0;
}

static inline void
stamp(struct matcher *m, uint32_t cid)
{
	uint32_t old = m->clause_gen[cid];

	if (old == m->gen)
		return;
	m->clause_gen[cid] = m->gen;
	if (old < m->rec_gen && m->rs->clauses[cid].anchor)
		m->cand[m->ncand++] = m->rs->clauses[cid].sub;
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

static void
capture(struct matcher *m, int what, enum match_type type, const char *text, size_t len)
{
	if (type != MATCH_STRING)
		return;
	if (what == CAPT_SOURCE && len <= sizeof(m->src) && m->src_gen < m->rec_gen) {
		memcpy(m->src, text, len);
		m->srclen = len;
		m->src_gen = m->gen;
	} else if (what == CAPT_TYPE && len <= sizeof(m->type) && m->type_gen < m->rec_gen) {
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
	struct seen *seen = &m->node[n->id];

	if (seen->gen != m->gen) {
		if (seen->gen < m->rec_gen) { /* the field's first value */
			seen->cnt = 0;
			if (n->steps & FS_PRESENCE)
				for (uint32_t i = 0; i < n->f->presence.n; i++)
					m->cand[m->ncand++] = n->f->presence.v[i];
		}
		seen->gen = m->gen;
	}
	seen->cnt++;
	if (n->capture != CAPT_NONE)
		capture(m, n->capture, type, text, len);
	if (n->steps != 0)
		match_value(m, n, &v);
}

int
match_wants_text(const struct ruleset *rs)
{
	return rs->vnode[VN_TEXT] != 0;
}

void
matcher_record_text(struct matcher *m, const char *text, size_t len)
{
	if (m->rs->vnode[VN_TEXT] != 0)
		matcher_value(m, &m->rs->nodes[m->rs->vnode[VN_TEXT]], MATCH_STRING, text, len);
}

/* The envelope's derived fields, from what was captured. */
static void
derive(struct matcher *m)
{
	const struct ruleset *rs = m->rs;
	char buf[sizeof(m->src) + 8];
	size_t len;
	const char *dt;

	if (rs->vnode[VN_SOURCE] != 0 && m->src_gen >= m->rec_gen &&
	    (len = envelope_source(m->src, m->srclen, buf, sizeof(buf))) > 0)
		matcher_value(m, &rs->nodes[rs->vnode[VN_SOURCE]], MATCH_STRING, buf, len);
	if (rs->vnode[VN_DTYPE] != 0 && m->type_gen >= m->rec_gen &&
	    (dt = envelope_detail_type(m->type, m->typelen)) != NULL)
		matcher_value(m, &rs->nodes[rs->vnode[VN_DTYPE]], MATCH_STRING, dt, strlen(dt));
	if (rs->vnode[VN_VERSION] != 0)
		matcher_value(m, &rs->nodes[rs->vnode[VN_VERSION]], MATCH_STRING, "0", 1);
}

/* Whether a counted clause's field had a value it does not exclude: more
 * values than hits of the keys it excludes (no value hits two of them). */
static int
not_all_excluded(const struct matcher *m, const struct clause *c)
{
	uint32_t excluded = 0;

	for (uint32_t k = 0; k < c->nxkeys; k++)
		if (m->vent[c->xkeys[k]].gen >= m->rec_gen)
			excluded += m->vent[c->xkeys[k]].cnt;
	return m->node[c->node].cnt > excluded;
}

/* Whether a clause held in what was stamped from generation since on: the
 * record (rec_gen) or one array element. */
static inline int
satisfied(const struct matcher *m, const struct check *chk, uint32_t since)
{
	uint32_t cid = chk->clause;
	const struct clause *c;

	/* Nothing holds of a field without values but exists: false; what
	 * holds of one with values was stamped by them. */
	if (m->node[chk->node].gen < since)
		return m->rs->clauses[cid].optional;
	if (chk->key != UINT32_MAX && m->vent[chk->key].gen >= since)
		return 1;
	c = &m->rs->clauses[cid];
	if (m->clause_gen[cid] >= since)
		return 1;
	for (uint32_t k = 0; k < c->nkeys; k++)
		if (m->vent[c->keys[k]].gen >= since)
			return 1;
	return c->exists || (c->counted && not_all_excluded(m, c));
}

static int group_holds(const struct matcher *m, uint32_t g, uint32_t since);

/* Whether all of a group's clauses and kids held since then. */
static int
group_members_hold(const struct matcher *m, const struct group *g, uint32_t since)
{
	for (uint32_t i = 0; i < g->ncheck; i++)
		if (!satisfied(m, &g->check[i], since))
			return 0;
	for (uint32_t i = 0; i < g->nkids; i++)
		if (!group_holds(m, g->kids[i], since))
			return 0;
	return 1;
}

/* Where elements of an array at the group's node came, one of them must
 * have satisfied it; else (an object there, or nothing) its members are
 * judged as they are. */
static int
group_holds(const struct matcher *m, uint32_t g, uint32_t since)
{
	const struct group *gr = &m->rs->groups[g];

	if (m->scope_gen[gr->node] >= since)
		return m->group_gen[g] >= since;
	return group_members_hold(m, gr, since);
}

uint32_t
matcher_element_begin(struct matcher *m, const struct match_node *n)
{
	if (m->gen < UINT32_MAX) /* else elements share one, as they did before */
		m->gen++;
	m->scope_gen[n->id] = m->gen;
	return m->gen;
}

void
matcher_element_end(struct matcher *m, const struct match_node *n, uint32_t token)
{
	const struct scope *sc = &m->rs->scopes[n->id];

	for (uint32_t i = sc->first; i < sc->first + sc->n; i++) {
		uint32_t g = m->rs->scope_list[i];
		if (group_members_hold(m, &m->rs->groups[g], token))
			m->group_gen[g] = m->gen;
	}
}

static void
judge(struct matcher *m, uint32_t s)
{
	const struct sub *sub = &m->rs->subs[s];
	uint32_t since = m->rec_gen;

	if (m->unit_gen[sub->rule] >= since)
		return;
	if (sub->ncheck > 0 && !satisfied(m, &sub->check0, since))
		return;
	for (uint32_t i = 1; i < sub->ncheck; i++)
		if (!satisfied(m, &sub->check[i], since))
			return;
	for (uint32_t i = 0; i < sub->ngroups; i++)
		if (!group_holds(m, sub->groups[i], since))
			return;
	m->unit_gen[sub->rule] = m->gen;
	m->out[m->nout++] = sub->rule;
}

/* The anchors the record's keys satisfied, their subs made candidates: but
 * not those whose first check needs a key the record did not have. A key
 * shared by many rules (a service, an error code) mostly leads to rules
 * that differ in another key; they are told apart here a word apiece. */
static void
sift(struct matcher *m)
{
	for (uint32_t d = 0; d < m->ndefer; d++) {
		const struct vent *e = &m->rs->vents[m->defer[d]];
		for (uint32_t i = 0; i < e->npost; i++) {
			uint32_t k = e->postkey[i];
			if (k == UINT32_MAX || m->vent[k].gen >= m->rec_gen)
				stamp(m, e->post[i]);
		}
	}
}

size_t
matcher_end(struct matcher *m, const size_t **rules)
{
	derive(m);
	sift(m);
	for (uint32_t i = 0; i < m->ncand; i++)
		judge(m, m->cand[i]);
	for (uint32_t i = 0; i < m->rs->nalways; i++)
		judge(m, m->rs->always[i]);
	if (m->rs->conds != NULL) {
		*rules = m->rout;
		return cond_resolve(
		    m->rs, m->out, m->nout, m->unit_gen, m->rec_gen, m->rule_gen, m->rout);
	}
	for (size_t i = 1; i < m->nout; i++) { /* few matches: insertion sort */
		size_t r = m->out[i], j = i;
		for (; j > 0 && m->out[j - 1] > r; j--)
			m->out[j] = m->out[j - 1];
		m->out[j] = r;
	}
	*rules = m->out;
	return m->nout;
}
