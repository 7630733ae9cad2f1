/*
 * prefilter: whether a record's bytes may match any rule, without parsing
 * them.
 *
 * The literals the rules need (match.h, "Prefilter") are compiled into one
 * Vectorscan (or Hyperscan) database that finds all of them in one pass
 * over a record's text; the matcher then says whether the ones found
 * complete what some rule needs. A record that holds an escape which could
 * spell a literal otherwise (skim.h's odd) is not asked about: it is
 * parsed.
 *
 * A struct prefilter is immutable and shared by every thread; each thread
 * owns a struct prefilter_scratch.
 *
 * CTALERTD_PREFILTER=off in the environment turns it off: every record is
 * parsed (to compare, and to rule it out when something looks wrong).
 */
#ifndef CT_STREAM_PREFILTER_H
#define CT_STREAM_PREFILTER_H

#include <stddef.h>

#include "match/match.h"
#include "util/error.h"

struct prefilter;
struct prefilter_scratch;

/* The prefilter of rs (borrowed; it must outlive the prefilter). NULL with
 * err CT_OK when none can run: a rule needs no literal, the processor lacks
 * what Vectorscan needs, or CTALERTD_PREFILTER=off; NULL with err set when
 * out of memory or the database did not compile. */
struct prefilter *prefilter_new(const struct ruleset *rs, struct ct_error *err);
void prefilter_free(struct prefilter *pf);

/* Literals in the database, for `ctalertd scan --list-rules` and tests. */
size_t prefilter_literals(const struct prefilter *pf);

struct prefilter_scratch *prefilter_scratch_new(const struct prefilter *pf);
void prefilter_scratch_free(struct prefilter_scratch *s);

/* Whether the record text p[0..n) may match some rule: 1 it may (parse it),
 * 0 it cannot. */
int prefilter_may_match(
    const struct prefilter *pf, struct prefilter_scratch *s, const char *p, size_t n);

#endif
