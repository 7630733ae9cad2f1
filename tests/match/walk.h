/*
 * walk: a parsed JSON record fed to a matcher the way the record stream
 * (src/stream/records.c) feeds it, for the tests and the fuzz target that
 * hold records as yajl trees. A tree has lost the record's text, so the
 * JSON text of objects and arrays Sigma rules look in (match_wants_json)
 * is not fed: records that need it go through the stream itself.
 */
#ifndef CT_TESTS_MATCH_WALK_H
#define CT_TESTS_MATCH_WALK_H

#include <yajl/yajl_tree.h>

#include "match/match.h"

/* Feeds v, found at node n (NULL: no rule asks for it), to m: only the
 * fields some rule refers to, each scalar of an array on its own, and the
 * objects of arrays at nodes match_is_scope() names as elements. Nesting
 * deeper than 64 levels is left alone. */
void walk_value(struct matcher *m, const struct match_node *n, yajl_val v);

#endif
