/*
 * suggest: "did you mean" for names people mistype (configuration options,
 * a rule's settings and members).
 */
#ifndef CT_UTIL_SUGGEST_H
#define CT_UTIL_SUGGEST_H

#include <stddef.h>

/* The edit distance (insertions, deletions, substitutions) of a and b; 99
 * when either is longer than 62 bytes. */
size_t suggest_distance(const char *a, const char *b);

/* The name of table (n entries of stride bytes, each starting with a
 * const char * name, NULL names skipped) nearest to name, if at most 2 edits
 * away; NULL otherwise. Borrowed from the table. */
const char *suggest_name(const char *name, const void *table, size_t n, size_t stride);

#endif
