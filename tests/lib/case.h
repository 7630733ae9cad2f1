/*
 * case: the one reader of the test suite's case files, and the listing of a
 * folder of them. Every module that keeps its cases in the "--- section"
 * format reads them here.
 *
 * A case file is a preamble (what the case is about), then sections, each
 * opened by a line "--- NAME ARGS" and running to the next such line:
 *
 *   # A key with a space, URL-encoded by S3.
 *   --- input
 *   {"Records": [...]}
 *   --- file rules.d/a.json
 *   {"name": "a", ...}
 *   --- expect
 *   object my-bucket 120 ObjectCreated:Put "AWSLogs/a b.json.gz"
 *
 * Section text is kept byte for byte; the CT_CASE_TRIM_* flags say what a
 * module's files mean by the newlines at a section's end. There is no limit
 * on the number or size of sections. Bodies may use two macros for what a
 * text file cannot hold comfortably, expanded on request by ct_case_expand():
 * %{x:HH} is the byte 0xHH, %{repeat:N:text} is text N times (text may not
 * contain '}').
 */
#ifndef CT_TESTS_LIB_CASE_H
#define CT_TESTS_LIB_CASE_H

#include <stddef.h>

#include "util/buf.h"

/* What a module's case files mean; or-ed together for ct_case_read(). */
enum ct_case_flags {
	CT_CASE_COMMENTS = 1 << 0, /* the preamble holds only "#" lines and blank lines */
	CT_CASE_UNIQUE = 1 << 1,   /* no header line appears twice */
	CT_CASE_TRIM_ONE = 1 << 2, /* one newline at a section's end belongs to the file */
	CT_CASE_TRIM_ALL = 1 << 3, /* every newline at a section's end does */
};

struct ct_section {
	char *name;      /* owned; the header's first word: "input", "file" */
	char *args;      /* owned; the rest of the header line, "" when none */
	struct buf text; /* the section's bytes; text.data is never NULL */
};

struct ct_case {
	char *path;           /* owned; the file read */
	struct ct_section *v; /* owned; the sections in file order */
	size_t n;
};

/* Reads and splits a case file. On failure returns -1 and says why, naming
 * the file (and line), in why. */
int ct_case_read(const char *path, unsigned flags, struct ct_case *c, char *why, size_t whylen);
/* ct_case_read(), but a broken case is a bug in the suite: says why on
 * stderr and exits 99 (a hard error to the test driver). */
void ct_case_load(const char *path, unsigned flags, struct ct_case *c);
void ct_case_free(struct ct_case *c);

/* The first section called name (borrowed), or NULL when the case has none. */
const struct ct_section *ct_case_find(const struct ct_case *c, const char *name);
/* That section's text as a string or as a buffer (borrowed), or NULL. */
const char *ct_case_get(const struct ct_case *c, const char *name);
const struct buf *ct_case_buf(const struct ct_case *c, const char *name);
/* The section's text without its trailing newlines, as a new string. */
char *ct_section_text(const struct ct_section *s);

/* The section text with the %{...} macros expanded into out (reset first).
 * An unknown or broken macro is shown on stderr and the program exits 99. */
void ct_case_expand(const struct buf *in, struct buf *out);

/* Where the sources are: $top_srcdir, else ".". */
const char *ct_top_srcdir(void);

/* The sorted paths of the files in dir (below ct_top_srcdir() unless it
 * starts with '/') whose names match the fnmatch(3) pattern; hidden files are
 * left out. *paths is owned by the caller (ct_case_list_free). Returns how
 * many, 0 also when dir cannot be opened. */
size_t ct_case_list(const char *dir, const char *pattern, char ***paths);
void ct_case_list_free(char **paths, size_t n);

#endif
