/*
 * caselib: the case files of the daemon's unit tests.
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
 * One newline at the end of a section belongs to the file, not the section.
 * Input sections may use two macros for what a text file cannot hold
 * comfortably: %{x:HH} is the byte 0xHH, %{repeat:N:text} is text N times
 * (text may not contain '}').
 */
#ifndef CT_TESTS_DAEMON_CASELIB_H
#define CT_TESTS_DAEMON_CASELIB_H

#include <stddef.h>

#include "util/buf.h"

struct case_section {
	char *name; /* owned */
	struct buf text;
};

struct case_file {
	char *path; /* owned */
	struct case_section *v;
	size_t n;
};

/* Paths of every *.case file below cases/<module> (sorted); exits on error. */
char **case_list(const char *module, size_t *n);
void case_list_free(char **paths, size_t n);

/* Reads one file; exits with a message on error (a broken case is a bug). */
void case_load(const char *path, struct case_file *cf);
void case_free(struct case_file *cf);

/* The section's text (NUL-terminated), or NULL when the case has none. */
const struct buf *case_section(const struct case_file *cf, const char *name);

/* The section with the macros expanded into out (reset first). */
void case_expand(const struct buf *in, struct buf *out);

/* Fails the running Check test unless got equals want (trailing newlines
 * ignored), printing both. */
void case_compare(const struct case_file *cf, const char *want, const char *got);

/* Replaces b's content by a random mutation of it: bytes flipped, dropped,
 * duplicated, or JSON's and URL-encoding's special characters inserted.
 * *seed drives a fixed pseudo-random sequence, so failures reproduce. */
void case_mutate(struct buf *b, unsigned long long *seed);

/* Appends s as a double-quoted C-style string (\xHH for bytes outside
 * printable ASCII), for printing keys and names unambiguously. */
void case_quote(struct buf *out, const char *s, size_t n);

#endif
