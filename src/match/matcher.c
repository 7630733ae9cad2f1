/*
 * matcher: one record at a time against a compiled ruleset (the state is
 * run.h's; what each value does, value.c's).
 *
 * A key's postings name only anchor clauses: when an anchor is satisfied
 * its sub becomes a candidate. matcher_end checks the candidates' other
 * clauses against the stamps, and those of the few subs without a required
 * clause. An element's groups are judged when it ends, before a later
 * element stamps over it.
 */
#include <stdlib.h>
#include <string.h>

#include "match/envelope.h"
#include "match/run.h"

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
	if ((rs->preds.n > 0 && (m->scratch = pred_scratch_new()) == NULL) ||
	    fieldref_init(m) < 0) {
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
	fieldref_free(m);
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
		if (m->keep.gen != NULL)
			memset(m->keep.gen, 0, rs->nnodes * sizeof(uint32_t));
		m->src_gen = m->type_gen = 0;
		m->gen = 0;
	}
	m->rec_gen = ++m->gen;
	m->ncand = 0;
	m->ndefer = 0;
	m->keep.n = 0;
	m->keep.len = 0;
	m->nout = 0;
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
	if (n->keep)
		fieldref_keep(m, n, type, text, len);
	if (n->steps != 0)
		value_match(m, n, type, text, len);
}

int
match_wants_json(const struct match_node *n)
{
	return n != NULL && n->json;
}

void
matcher_json(struct matcher *m, const struct match_node *n, const char *text, size_t len)
{
	if (n->json)
		matcher_value(m, &m->rs->nodes[m->rs->json_twin[n->id]], MATCH_STRING, text, len);
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
	if (m->rs->nrefs > 0)
		fieldref_judge(m);
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
