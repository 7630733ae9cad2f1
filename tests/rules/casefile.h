/*
 * casefile: the case files of tests/rules/cases, and a scratch directory to
 * run each one in.
 *
 * A case file is a comment, then sections, each opened by a line
 * "--- NAME ARGS": everything up to the next such line is its body.
 *
 *   --- file PATH        writes the body to PATH (directories made as needed)
 *   --- mkdir PATH       makes a directory
 *   --- symlink PATH TO  makes PATH a symbolic link to TO
 *   --- load KIND ARG    loads rules: config FILE | parsed FILE | setting FILE |
 *                        dir DIR | json FILE | pattern NAME (the body is the JSON)
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
#include "util/buf.h"

struct section {
	char *name; /* owned; "file", "load", ... */
	char *args; /* owned; the rest of the header line, "" if none */
	char *body; /* owned; the lines after the header, newlines included */
};

struct casefile {
	char *path;        /* owned */
	struct section *v; /* owned */
	size_t n;
};

/* Reads and splits a case file; on failure says why on stderr. */
int casefile_read(const char *path, struct casefile *c);
void casefile_free(struct casefile *c);
const struct section *casefile_find(const struct casefile *c, const char *name);

/* The body without its trailing newlines, as a new string. */
char *section_text(const struct section *s);

/* The sorted paths of the files in dir whose names end in suffix. */
size_t list_files(const char *dir, const char *suffix, char ***paths);
void free_list(char **paths, size_t n);

/* A fresh scratch directory made the current one; scratch_leave goes back
 * and removes it with everything in it. */
int scratch_enter(char *dir, size_t size, int *oldcwd);
void scratch_leave(const char *dir, int oldcwd);
/* Writes the file and mkdir sections of c into the current directory. */
int casefile_materialize(const struct casefile *c);

/* The rules of l as text, one block per rule:
 *   rule NAME SEVERITY ORIGIN
 *     description TEXT / topic_arn ARN / group_id ID   (when set)
 *     pattern JSON
 *     test NAME match|no-match RECORD                 (one a test) */
void rule_dump(const struct rule_list *l, struct buf *out);

/* Runs one record (JSON text) through a matcher of rs the way the record
 * stream does, and writes the names of the rules it matched into out, sorted
 * and space-separated. -1 if the record is not JSON. */
int match_record(const struct ruleset *rs, const char *record, struct buf *out);

/* The words of s sorted and joined by single spaces, as a new string. */
char *sorted_words(const char *s);

/* "CONFIG" -> CT_ERR_CONFIG, ...; -1 if unknown. */
int error_code(const char *name);

/* Where the test data is: $top_srcdir, else ".". */
const char *top_srcdir(void);

#endif
