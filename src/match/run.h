/*
 * run: the state of one matcher, shared by the files that run records
 * against a compiled ruleset: matcher.c (records, candidates, judging them),
 * value.c (what one value does at its node) and fieldref.c (Sigma's field
 * references, judged over the values a record gave two fields).
 *
 * Per-record state is stamped with a generation number instead of being
 * cleared, so beginning a record costs nothing. Stamps hold the generation
 * they were made in, and generations only grow: a record begins a new one,
 * and so does each array element the stream reports (at nodes groups are
 * about, see scope.c). So "in this record" is a stamp of rec_gen or later,
 * and "in this element" one of the element's own generation or later.
 */
#ifndef CT_MATCH_RUN_H
#define CT_MATCH_RUN_H

#include "match/match_int.h"

/* How many times something happened in the record of generation gen. */
struct seen {
	uint32_t gen;
	uint32_t cnt; /* valid when gen is current */
};

/* How well the memo serves a node (value.c). */
struct memostat {
	uint32_t tries, hits;
	uint32_t rest; /* values left to go without the memo */
};

/* Generations a matcher keeps free above the record's when it begins: a
 * record may hold this many array elements before they share one. */
#define GEN_RESERVE (1u << 24)

/* A value kept for field references. */
struct kept {
	uint32_t prev; /* the value its node kept before it, UINT32_MAX when none */
	uint32_t len;  /* bytes of the value at off in keep.bytes */
	uint32_t flen; /* bytes of its case-folded form at foff */
	size_t off, foff;
};

/* The values of this record kept for field references, at most
 * FIELDREF_VALUES a node: about three times the bytes of the values, so
 * bounded by the record's size, in buffers reused from record to record. */
struct keep {
	struct kept *v; /* owned; each node's chained from its latest by prev */
	uint32_t n, cap;
	char *bytes; /* owned; the values and their case-folded forms */
	size_t len, size;
	uint32_t *gen;   /* owned; per node: the rec_gen of the record its values are kept for */
	uint32_t *last;  /* owned; per node: its latest kept value */
	uint32_t *count; /* owned; per node: how many it kept */
};

#define FIELDREF_VALUES 64 /* values a field keeps for its references in one record */

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
	struct keep keep; /* gen NULL when the ruleset has no field references */
};

/* Clause cid holds in this record (or element): it is stamped, and its sub
 * becomes a candidate when the clause is its anchor, once a record. */
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

/* Room for the values field references keep; 0, or -1 when out of memory. */
int fieldref_init(struct matcher *m);
void fieldref_free(struct matcher *m);
/* Keeps a value reported at node n, which some field reference reads; a
 * value beyond FIELDREF_VALUES at n, or when out of memory, is not kept. */
void fieldref_keep(struct matcher *m, const struct match_node *n, enum match_type type,
    const char *text, size_t len);
/* At the record's end: stamps each field reference's clause that a pair of
 * kept values satisfies. */
void fieldref_judge(struct matcher *m);

/* Matches one value reported at node n, which has steps (value.c). */
void value_match(struct matcher *m, const struct match_node *n, enum match_type type,
    const char *text, size_t len);

#endif
