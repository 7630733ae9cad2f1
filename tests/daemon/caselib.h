/*
 * caselib: what the daemon's unit tests add to the shared case files
 * (tests/lib/case.h): the mutations and quoting the parser tests use.
 *
 * A case file is tests/daemon/cases/<module>/<name>.case: comment lines
 * ("# ...") saying what the case is about, then sections, each started by a
 * line "--- <name>" and running to the next one:
 *
 *   # A key with a space, URL-encoded by S3.
 *   --- input
 *   {"Records": [...]}
 *   --- expect
 *   object my-bucket 120 ObjectCreated:Put "AWSLogs/a b.json.gz"
 *
 * One newline at the end of a section belongs to the file, not the section,
 * and a section appears once. Input sections may use the macros of
 * ct_case_expand(): %{x:HH} is the byte 0xHH, %{repeat:N:text} is text N times.
 */
#ifndef CT_TESTS_DAEMON_CASELIB_H
#define CT_TESTS_DAEMON_CASELIB_H

#include <stddef.h>

#include "tests/lib/case.h"
#include "util/buf.h"

/* How ct_case_load() reads the daemon's case files. */
#define DAEMON_CASE (CT_CASE_COMMENTS | CT_CASE_UNIQUE | CT_CASE_TRIM_ONE)

/* Replaces b's content by a random mutation of it: bytes flipped, dropped,
 * duplicated, or JSON's and URL-encoding's special characters inserted.
 * *seed drives a fixed pseudo-random sequence, so failures reproduce. */
void case_mutate(struct buf *b, unsigned long long *seed);

/* Appends s as a double-quoted C-style string (\xHH for bytes outside
 * printable ASCII), for printing keys and names unambiguously. */
void case_quote(struct buf *out, const char *s, size_t n);

#endif
