/*
 * anchor: which clause of each branch makes it a candidate, and in which
 * order a candidate's other clauses are checked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/build.h"

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
 * That is scaled by the share of records that have the field at all, which
 * is all of them but for the few fields CloudTrail gives only some records
 * (envelope_presence): errorCode names a failed call, rarer than any service.
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
	uint32_t named = b->named.v[c];
	double cost = b->eager.v[c];

	if (named > 0) /* wildcards and ranges, as keys used as often as they are written */
		cost += named * name_share(f, b->named_uses.v[c] / named);

	for (uint32_t k = 0; k < cl->nkeys; k++)
		cost += name_share(f, b->rs->vents[cl->keys[k]].uses);
	return cost * b->bn.v[cl->node].presence;
}

/* The clauses of sub other than skip, in the order a candidate checks them:
 * the least likely to hold first, so that most candidates fail at once. */
static int
check_order(struct builder *b, struct sub *sub, uint32_t skip)
{
	double cost[sub->n > 0 ? sub->n : 1];

	sub->check = arena_alloc(&b->rs->arena, (sub->n + 1) * sizeof(*sub->check));
	if (sub->check == NULL)
		return build_nomem(b);
	for (uint32_t c = sub->first; c < sub->first + sub->n; c++) {
		/* optional clauses last: they hold whenever their field is absent */
		double x = b->cl.v[c].optional ? 2.0 : clause_cost(b, c);
		uint32_t at = sub->ncheck;
		if (c == skip || b->cl.v[c].group != UINT32_MAX)
			continue; /* a group's clauses are checked with their group */
		sub->ncheck++;
		for (; at > 0 && cost[at - 1] > x; at--) {
			cost[at] = cost[at - 1];
			sub->check[at] = sub->check[at - 1];
		}
		cost[at] = x;
		sub->check[at] = (struct check){
		    c, b->cl.v[c].node, b->cl.v[c].nkeys > 0 ? b->cl.v[c].keys[0] : UINT32_MAX};
	}
	if (sub->ncheck > 0)
		sub->check0 = sub->check[0];
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
		f->steps |= FS_PRESENCE;
		b->rs->nodes[cl->node].steps |= FS_PRESENCE;
		if (VEC_PUSH(f->presence, s) < 0)
			return build_nomem(b);
		return check_order(b, sub, UINT32_MAX);
	}
	cl->anchor = 1;
	for (uint32_t k = 0; k < cl->nkeys; k++)
		b->rs->vents[cl->keys[k]].npost++;
	return check_order(b, sub, sub->anchor);
}

/* The key a candidate sub cannot do without: that of its first check, when
 * that clause is one key and nothing else. Candidates are sifted by it in
 * bulk before they are judged one by one. */
static uint32_t
sift_key(const struct builder *b, const struct sub *sub)
{
	const struct clause *c;

	if (sub->ncheck == 0)
		return UINT32_MAX;
	c = &b->cl.v[sub->check0.clause];
	return c->keyonly && c->nkeys == 1 ? c->keys[0] : UINT32_MAX;
}

int
anchors_choose(struct builder *b)
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
		e->post = arena_alloc(&rs->arena, e->npost * sizeof(*e->post));
		e->postkey = arena_alloc(&rs->arena, e->npost * sizeof(*e->postkey));
		if (e->post == NULL || e->postkey == NULL)
			return build_nomem(b);
		e->npost = 0;
	}
	for (uint32_t c = 0; c < b->cl.n; c++)
		for (uint32_t k = 0; b->cl.v[c].anchor && k < b->cl.v[c].nkeys; k++) {
			struct vent *e = &rs->vents[b->cl.v[c].keys[k]];
			e->postkey[e->npost] = sift_key(b, &b->subs.v[b->cl.v[c].sub]);
			e->post[e->npost++] = c;
		}
	return 0;
}
