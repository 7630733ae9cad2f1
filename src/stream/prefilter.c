/*
 * prefilter: the rules' literals in one Vectorscan database, run over each
 * record's bytes.
 *
 * Each literal is its own expression (hs_compile_lit_multi: bytes as they
 * are, no regular-expression syntax), caseless where the rule compares
 * without case, reported once per scan. The callback notes each literal
 * the first time it is seen and asks the matcher whether it completes a
 * rule's needs; the scan stops at the first that does.
 */
#include "config.h"

#include "stream/prefilter.h"

#include <hs.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct prefilter {
	const struct ruleset *rs; /* borrowed */
	hs_database_t *db;        /* owned */
	size_t nlits;
};

struct prefilter_scratch {
	const struct prefilter *pf; /* borrowed */
	hs_scratch_t *hs;           /* owned */
	uint32_t *stamp;            /* owned; per literal: gen when seen in this record */
	uint32_t *seen;             /* owned; the literals seen in this record */
	size_t nseen;
	uint32_t gen;
	int met; /* the record may match */
};

static int
turned_off(void)
{
	const char *v = getenv("CTALERTD_PREFILTER");

	return v != NULL && (strcmp(v, "off") == 0 || strcmp(v, "0") == 0);
}

static int
compile(struct prefilter *pf, const struct match_literal *lits, size_t n, struct ct_error *err)
{
	const char **expr = calloc(n, sizeof(*expr));
	unsigned *flags = calloc(n, sizeof(*flags)), *ids = calloc(n, sizeof(*ids));
	size_t *lens = calloc(n, sizeof(*lens));
	hs_compile_error_t *cerr = NULL;
	int r = -1;

	if (expr == NULL || flags == NULL || ids == NULL || lens == NULL) {
		ct_error_set(err, CT_ERR_NOMEM, "prefilter: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		expr[i] = lits[i].text;
		lens[i] = lits[i].len;
		ids[i] = (unsigned)i;
		flags[i] = HS_FLAG_SINGLEMATCH | (lits[i].caseless ? HS_FLAG_CASELESS : 0);
	}
	if (hs_compile_lit_multi(expr, flags, ids, lens, (unsigned)n, HS_MODE_BLOCK, NULL, &pf->db,
	        &cerr) != HS_SUCCESS) {
		ct_error_set(err, CT_ERR_INTERNAL,
		    "prefilter: the rules' literals did not compile: %s",
		    cerr && cerr->message ? cerr->message : "unknown error");
		hs_free_compile_error(cerr);
		goto out;
	}
	r = 0;
out:
	free(expr);
	free(flags);
	free(ids);
	free(lens);
	return r;
}

struct prefilter *
prefilter_new(const struct ruleset *rs, struct ct_error *err)
{
	const struct match_literal *lits;
	struct prefilter *pf;
	size_t n;

	ct_error_clear(err);
	if (turned_off() || match_literals(rs, &lits, &n) < 0 || n == 0 ||
	    hs_valid_platform() != HS_SUCCESS)
		return NULL;
	if ((pf = calloc(1, sizeof(*pf))) == NULL) {
		ct_error_set(err, CT_ERR_NOMEM, "prefilter: out of memory");
		return NULL;
	}
	pf->rs = rs;
	pf->nlits = n;
	if (compile(pf, lits, n, err) < 0) {
		free(pf);
		return NULL;
	}
	return pf;
}

void
prefilter_free(struct prefilter *pf)
{
	if (pf == NULL)
		return;
	hs_free_database(pf->db);
	free(pf);
}

size_t
prefilter_literals(const struct prefilter *pf)
{
	return pf ? pf->nlits : 0;
}

struct prefilter_scratch *
prefilter_scratch_new(const struct prefilter *pf)
{
	struct prefilter_scratch *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->pf = pf;
	s->stamp = calloc(pf->nlits, sizeof(*s->stamp));
	s->seen = calloc(pf->nlits, sizeof(*s->seen));
	if (s->stamp == NULL || s->seen == NULL || hs_alloc_scratch(pf->db, &s->hs) != HS_SUCCESS) {
		prefilter_scratch_free(s);
		return NULL;
	}
	return s;
}

void
prefilter_scratch_free(struct prefilter_scratch *s)
{
	if (s == NULL)
		return;
	if (s->hs)
		hs_free_scratch(s->hs);
	free(s->stamp);
	free(s->seen);
	free(s);
}

/* A literal was found: note it; stop the scan once some rule's needs are
 * met. */
static int
on_literal(
    unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void *ctx)
{
	struct prefilter_scratch *s = ctx;

	(void)from, (void)to, (void)flags;
	if (s->stamp[id] == s->gen)
		return 0;
	s->stamp[id] = s->gen;
	s->seen[s->nseen] = id;
	if (match_needs_met(s->pf->rs, &s->seen[s->nseen], 1, s->stamp, s->gen)) {
		s->met = 1;
		return 1;
	}
	s->nseen++;
	return 0;
}

int
prefilter_may_match(
    const struct prefilter *pf, struct prefilter_scratch *s, const char *p, size_t n)
{
	hs_error_t e;

	if (++s->gen == 0) { /* wrapped: no stamp may look current */
		memset(s->stamp, 0, pf->nlits * sizeof(*s->stamp));
		s->gen = 1;
	}
	s->nseen = 0;
	s->met = 0;
	e = hs_scan(pf->db, p, (unsigned)n, 0, s->hs, on_literal, s);
	if (e != HS_SUCCESS && e != HS_SCAN_TERMINATED)
		return 1; /* when in doubt, parse */
	return s->met;
}
