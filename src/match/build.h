/*
 * build: the state of ruleset_compile, shared by the files that fill a
 * ruleset: compile.c (the field tree, rules and branches, finishing),
 * clause.c (a clause's atoms as keys, gates and lists) and anchor.c (which
 * clause of each branch makes it a candidate).
 */
#ifndef CT_MATCH_BUILD_H
#define CT_MATCH_BUILD_H

#include "match/match_int.h"

struct bnode {           /* a node while building */
	const char *key; /* arena */
	uint32_t len;
	uint32_t parent; /* UINT32_MAX for the root and the envelope's virtual nodes */
	u32vec kids;
	double presence; /* share of records with a value here (envelope_presence) */
	uint32_t twin;   /* the node of the JSON text of its objects and arrays (no parent,
	                    so no record key reaches it), 0 when none */
};

struct builder {
	struct ruleset *rs;
	VEC(struct bnode) bn;
	VEC(struct clause) cl;
	VEC(struct sub) subs;
	VEC(struct group) groups; /* parent set, check and kids filled by scopes_fill */
	u32vec keys;              /* vids of the clause being added */
	u32vec xkeys;             /* vids the clause being added excludes */
	VEC(double) eager;        /* per clause: how often its atoms that are not keys hold */
	u32vec named;             /* per clause: its atoms that name values without a key */
	u32vec named_uses;        /* per clause: clauses naming the same, summed over those atoms */
	u32vec unit_rule;         /* per unit (a pattern of a rule): its rule */
	VEC(struct fieldref) refs; /* Sigma's field references, by clause */
	int sigma;                 /* the unit being added is a Sigma rule's */
	struct needs_build *needs; /* owned; what records need to match (needs.c) */
	enum match_envelope env;
	struct ct_error *err;
};

/* Sets b->err to "out of memory"; returns -1. */
int build_nomem(struct builder *b);

/* Adds a clause of branch sid about node, in group (UINT32_MAX: none): its
 * atoms become keys of the value index, entries of the field's affix sets
 * and lists, or exclusions. */
int clause_add(
    struct builder *b, uint32_t sid, const struct pclause *pc, uint32_t node, uint32_t group);

/* The groups of the branch about to be added as sub sid, whose n clauses are
 * about nodes[] (UINT32_MAX: none): one per node that is a proper ancestor
 * of two of them, but the root. group[i] is clause i's innermost group, or
 * UINT32_MAX (scope.c). */
int scopes_plan(
    struct builder *b, uint32_t sid, uint32_t n, const uint32_t *nodes, uint32_t *group);
/* Once the sub's clauses are in: each of its groups' checks and kids, and
 * the sub's own top groups. */
int scopes_fill(struct builder *b, struct sub *s, uint32_t first_group);
/* At the end: the groups of each node, for matcher_element_end. */
int scopes_index(struct builder *b);

/* The literals records need for a rule to match them (needs.c): each
 * unit's branches as they are added (nodes[] as add_branch found them;
 * UINT32_MAX for a field the envelope never has), then the rule's, then
 * the tables in the ruleset. */
void needs_unit_begin(struct builder *b);
int needs_branch(struct builder *b, const struct pbranch *br, const uint32_t *nodes);
int needs_unit_end(struct builder *b);
/* c: the rule's program, or NULL; first: its first unit. */
int needs_rule(struct builder *b, const struct rule_def *d, const struct cond *c, uint32_t first);
int needs_finish(struct builder *b);
void needs_build_free(struct builder *b);

/* Chooses every branch's anchor and the order its other clauses are checked
 * in, and fills the postings of the keys. */
int anchors_choose(struct builder *b);

static inline int
is_suffix_kind(enum affix_kind k)
{
	return k == AFX_SFX || k == AFX_SFXI;
}

#endif
