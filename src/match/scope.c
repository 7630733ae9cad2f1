/*
 * scope: which clauses of a branch must hold in one element of an array of
 * objects (EventBridge's array consistency), and how the matcher finds them.
 *
 * Two clauses about fields below one node (resources.type and
 * resources.ARN below resources) must be met by the same element when that
 * node holds an array of objects. Such a node gets a group for the branch:
 * the clauses below it, and the groups of the nodes below it that have one.
 * The record stream reports the elements of arrays at these nodes only; at
 * the end of each element the matcher stamps the groups it satisfied, and a
 * branch holds when its top groups did (in one element each) and its other
 * clauses did in the record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/build.h"

/* Whether a is a proper ancestor of node n (the root never counts). */
static int
above(const struct builder *b, uint32_t a, uint32_t n)
{
	for (uint32_t p = b->bn.v[n].parent; p != UINT32_MAX && p != 0; p = b->bn.v[p].parent)
		if (p == a)
			return 1;
	return 0;
}

/* The deepest node that is a proper ancestor of both, but the root; or
 * UINT32_MAX. */
static uint32_t
common_above(const struct builder *b, uint32_t x, uint32_t y)
{
	for (uint32_t p = b->bn.v[x].parent; p != UINT32_MAX && p != 0; p = b->bn.v[p].parent)
		if (above(b, p, y))
			return p;
	return UINT32_MAX;
}

static int
add_scope(struct builder *b, uint32_t sid, uint32_t node, uint32_t first)
{
	struct group g = {.sub = sid, .node = node, .parent = UINT32_MAX};

	for (uint32_t i = first; i < b->groups.n; i++)
		if (b->groups.v[i].node == node)
			return 0;
	return VEC_PUSH(b->groups, g) < 0 ? build_nomem(b) : 0;
}

/* The innermost group of this branch's (from first on) strictly above n. */
static uint32_t
innermost(const struct builder *b, uint32_t first, uint32_t n)
{
	uint32_t best = UINT32_MAX;

	for (uint32_t i = first; i < b->groups.n; i++)
		if (above(b, b->groups.v[i].node, n) &&
		    (best == UINT32_MAX || above(b, b->groups.v[best].node, b->groups.v[i].node)))
			best = i;
	return best;
}

int
scopes_plan(struct builder *b, uint32_t sid, uint32_t n, const uint32_t *nodes, uint32_t *group)
{
	uint32_t first = b->groups.n;

	for (uint32_t i = 0; i < n; i++)
		for (uint32_t j = i + 1; j < n; j++) {
			uint32_t c;
			if (nodes[i] == UINT32_MAX || nodes[j] == UINT32_MAX)
				continue;
			c = common_above(b, nodes[i], nodes[j]);
			for (; c != UINT32_MAX && c != 0; c = b->bn.v[c].parent)
				if (add_scope(b, sid, c, first) < 0)
					return -1;
		}
	for (uint32_t g = first; g < b->groups.n; g++)
		b->groups.v[g].parent = innermost(b, first, b->groups.v[g].node);
	for (uint32_t i = 0; i < n; i++)
		group[i] = nodes[i] == UINT32_MAX ? UINT32_MAX : innermost(b, first, nodes[i]);
	return 0;
}

/* The clauses of sub s that are in group g, as checks. */
static int
fill_checks(struct builder *b, const struct sub *s, uint32_t g)
{
	struct group *gr = &b->groups.v[g];

	gr->check = arena_alloc(&b->rs->arena, (s->n + 1) * sizeof(*gr->check));
	if (gr->check == NULL)
		return build_nomem(b);
	for (uint32_t c = s->first; c < s->first + s->n; c++) {
		const struct clause *cl = &b->cl.v[c];
		if (cl->group == g)
			gr->check[gr->ncheck++] =
			    (struct check){c, cl->node, cl->nkeys > 0 ? cl->keys[0] : UINT32_MAX};
	}
	return 0;
}

/* The groups from first on whose parent is p, into *out (arena). */
static int
fill_kids(struct builder *b, uint32_t first, uint32_t p, uint32_t **out, uint32_t *n)
{
	*out = arena_alloc(&b->rs->arena, (b->groups.n - first + 1) * sizeof(**out));
	if (*out == NULL)
		return build_nomem(b);
	*n = 0;
	for (uint32_t g = first; g < b->groups.n; g++)
		if (b->groups.v[g].parent == p)
			(*out)[(*n)++] = g;
	return 0;
}

int
scopes_fill(struct builder *b, struct sub *s, uint32_t first_group)
{
	for (uint32_t g = first_group; g < b->groups.n; g++) {
		struct group *gr = &b->groups.v[g];
		if (fill_checks(b, s, g) < 0 ||
		    fill_kids(b, first_group, g, &gr->kids, &gr->nkids) < 0)
			return -1;
	}
	if (b->groups.n == first_group)
		return 0;
	return fill_kids(b, first_group, UINT32_MAX, &s->groups, &s->ngroups);
}

int
scopes_index(struct builder *b)
{
	struct ruleset *rs = b->rs;
	uint32_t at = 0;

	if (b->groups.n == 0)
		return 0;
	rs->scopes = calloc(rs->nnodes + 1, sizeof(*rs->scopes));
	rs->scope_list = calloc(b->groups.n, sizeof(*rs->scope_list));
	if (rs->scopes == NULL || rs->scope_list == NULL)
		return build_nomem(b);
	for (uint32_t g = 0; g < b->groups.n; g++)
		rs->scopes[b->groups.v[g].node].n++;
	for (uint32_t n = 0; n < rs->nnodes; n++) {
		rs->scopes[n].first = at;
		at += rs->scopes[n].n;
		rs->scopes[n].n = 0;
		rs->nodes[n].scope = rs->scopes[n].first != at;
	}
	for (uint32_t g = 0; g < b->groups.n; g++) {
		struct scope *sc = &rs->scopes[b->groups.v[g].node];
		rs->scope_list[sc->first + sc->n++] = g;
	}
	rs->groups = b->groups.v;
	rs->ngroups = b->groups.n;
	b->groups.v = NULL;
	return 0;
}
