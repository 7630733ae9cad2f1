/*
 * casefile: what the case files of tests/rules/cases mean (they are read by
 * tests/lib/case.h), and a scratch directory to run each one in.
 *
 * A case file is a comment, then sections, each opened by a line
 * "--- NAME ARGS": everything up to the next such line is its body.
 *
 *   --- file PATH        writes the body to PATH (directories made as needed)
 *   --- mkdir PATH       makes a directory
 *   --- symlink PATH TO  makes PATH a symbolic link to TO
 *   --- load KIND ARG    loads rules: config FILE | parsed FILE | setting FILE |
 *                        dir DIR | json FILE | path PATH (as `ctalertd rules PATH`) |
 *                        pattern NAME (the body is the JSON)
 *   --- rules            the loaded rules, as rule_dump() writes them
 *   --- error CODE       loading (or else compiling) fails: CODE (CONFIG, JSON,
 *                        IO, LIMIT, PATTERN) and the body is the message
 *   --- envelope none    compile with MATCH_ENVELOPE_NONE
 *   --- record [NAME...] the body is one record; it matches exactly these rules
 */
#ifndef CT_TESTS_RULES_CASEFILE_H
#define CT_TESTS_RULES_CASEFILE_H

#include <stddef.h>

#include "rules/rules.h"
#include "tests/lib/case.h"
#include "util/buf.h"

/* A fresh scratch directory made the current one; scratch_leave goes back
 * and removes it with everything in it. */
int scratch_enter(char *dir, size_t size, int *oldcwd);
void scratch_leave(const char *dir, int oldcwd);
/* Writes the file and mkdir sections of c into the current directory. */
int casefile_materialize(const struct ct_case *c);

/* The rules of l as text, one block per rule:
 *   rule NAME SEVERITY ORIGIN
 *     description TEXT / topic_arn ARN / group_id ID   (when set)
 *     pattern JSON  (or, one a named pattern: pattern NAME JSON)
 *     condition TEXT / exception JSON                  (when set)
 *     kind Sigma / id ID / tag T / reference R / falsepositive F
 *                                                      (Sigma rules)
 *     test NAME match|no-match RECORD                 (one a test) */
void rule_dump(const struct rule_list *l, struct buf *out);

/* Runs one record (JSON text) through the record stream and a matcher of
 * rs, as the one record of a CloudTrail log, and writes the names of the
 * rules it matched into out, sorted and space-separated. -1 if the record
 * is not a JSON object in UTF-8. */
int match_record(const struct ruleset *rs, const char *record, struct buf *out);

/* The words of s sorted and joined by single spaces, as a new string. */
char *sorted_words(const char *s);

/* "CONFIG" -> CT_ERR_CONFIG, ...; -1 if unknown. */
int error_code(const char *name);

#endif
