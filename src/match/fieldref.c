/*
 * fieldref: Sigma's field references ("userIdentity.principalId|fieldref:
 * userIdentity.accountId"), where a value is compared with the values
 * another field of the same record has.
 *
 * Neither field's values can be known before the record ends, so they are
 * kept as they are reported (matcher_value) at the nodes references read,
 * and matcher_end judges each reference once, over every pair of its two
 * fields' kept values: equal, or the one beginning with, ending with or
 * containing the other, case-insensitively unless cased. A clause that
 * holds is stamped like any other, so its rule's other clauses and its
 * condition are judged as usual. Strings, numbers (as written) and
 * booleans are compared as text; null is no value to compare.
 *
 * A record costs nothing here but for the few fields references read: a
 * copy of their values (up to FIELDREF_VALUES each), and at the end a
 * comparison of every pair, for the references whose two fields both had
 * values.
 */
#include <stdlib.h>
#include <string.h>

#include "match/run.h"

int
fieldref_init(struct matcher *m)
{
	struct keep *k = &m->keep;
	uint32_t n = m->rs->nnodes + 1;

	if (m->rs->nrefs == 0)
		return 0;
	k->gen = calloc(n, sizeof(*k->gen));
	k->last = calloc(n, sizeof(*k->last));
	k->count = calloc(n, sizeof(*k->count));
	return k->gen && k->last && k->count ? 0 : -1;
}

void
fieldref_free(struct matcher *m)
{
	free(m->keep.v);
	free(m->keep.bytes);
	free(m->keep.gen);
	free(m->keep.last);
	free(m->keep.count);
}

/* Room for one more value of len bytes and its case-folded form. */
static int
keep_room(struct keep *k, size_t len)
{
	if (k->n == k->cap) {
		uint32_t cap = k->cap ? 2 * k->cap : 16;
		struct kept *v = realloc(k->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		k->v = v;
		k->cap = cap;
	}
	if (k->size - k->len < 3 * len) {
		size_t size = 2 * (k->len + 3 * len) + 256;
		char *b = realloc(k->bytes, size);
		if (b == NULL)
			return -1;
		k->bytes = b;
		k->size = size;
	}
	return 0;
}

void
fieldref_keep(struct matcher *m, const struct match_node *n, enum match_type type, const char *text,
    size_t len)
{
	struct keep *k = &m->keep;
	struct kept e;

	if (type == MATCH_NULL || len > UINT32_MAX / 4)
		return;
	if (k->gen[n->id] != m->rec_gen) { /* the field's first value in the record */
		k->gen[n->id] = m->rec_gen;
		k->count[n->id] = 0;
		k->last[n->id] = UINT32_MAX;
	}
	if (k->count[n->id] == FIELDREF_VALUES || keep_room(k, len) == -1)
		return;
	e.prev = k->last[n->id];
	e.off = k->len;
	e.len = (uint32_t)len;
	memcpy(k->bytes + e.off, text, len);
	e.foff = e.off + len;
	e.flen = (uint32_t)fold_case(text, len, k->bytes + e.foff);
	k->len = e.foff + e.flen;
	k->v[k->n] = e;
	k->last[n->id] = k->n++;
	k->count[n->id]++;
}

/* Whether value a compares with value b as mode says. */
static int
compares(enum ref_mode mode, const char *a, size_t alen, const char *b, size_t blen)
{
	switch (mode) {
	case REF_EQUALS:
		return alen == blen && memcmp(a, b, alen) == 0;
	case REF_PREFIX:
		return blen <= alen && memcmp(a, b, blen) == 0;
	case REF_SUFFIX:
		return blen <= alen && memcmp(a + alen - blen, b, blen) == 0;
	default: /* REF_CONTAINS */
		return blen == 0 || memmem(a, alen, b, blen) != NULL;
	}
}

/* Whether some value of r's field and some value of the field it names
 * compare as r says. */
static int
holds(const struct keep *k, const struct fieldref *r)
{
	for (uint32_t i = k->last[r->node]; i != UINT32_MAX; i = k->v[i].prev)
		for (uint32_t j = k->last[r->other]; j != UINT32_MAX; j = k->v[j].prev) {
			const struct kept *a = &k->v[i], *b = &k->v[j];
			if (r->cased ? compares(r->mode, k->bytes + a->off, a->len,
			                   k->bytes + b->off, b->len)
			             : compares(r->mode, k->bytes + a->foff, a->flen,
			                   k->bytes + b->foff, b->flen))
				return 1;
		}
	return 0;
}

void
fieldref_judge(struct matcher *m)
{
	const struct keep *k = &m->keep;

	for (uint32_t i = 0; i < m->rs->nrefs; i++) {
		const struct fieldref *r = &m->rs->refs[i];
		if (m->clause_gen[r->clause] < m->rec_gen && k->gen[r->node] == m->rec_gen &&
		    k->gen[r->other] == m->rec_gen && holds(k, r))
			stamp(m, r->clause);
	}
}
