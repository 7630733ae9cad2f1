/*
 * What the credentials and profile tests share: case files, temporary
 * files, capturing log output, and the check that no secret leaks.
 *
 * A case file is a few sections, each opened by a line "--- NAME":
 *
 *   # what the case checks (lines before the first section are comments)
 *   --- config
 *   [default]
 *   region = us-west-2
 *   --- credentials
 *   ...
 *   --- env
 *   AWS_PROFILE=prod
 *   --- expect
 *   get default region us-west-2
 *
 * Section text is kept byte for byte (whitespace matters to the parser).
 */
#ifndef CT_TESTS_CREDS_CASE_H
#define CT_TESTS_CREDS_CASE_H

#include <stddef.h>

#include "tests/lib/case.h"

/* The cases are read by tests/lib/check_main.h's CT_CHECK_PROGRAM and
 * ct_case_load(path, 0, &c): their sections' text is kept byte for byte. */

/* A fresh temporary directory (removed by tmp_cleanup) and files in it. */
const char *tmp_dir(void);
/* Writes text to DIR/name and returns the path (static storage per call site). */
char *tmp_write(const char *name, const char *text);
void tmp_cleanup(void);

/* Sets every NAME=VALUE line of text in the environment. */
void env_apply(const char *text);
/* Unsets every variable the providers read, so the host's own do not leak in. */
void env_clear_aws(void);

/* Sends stderr (where log lines go) to a file until capture_end, which
 * returns what was written (malloc'd). */
void capture_start(void);
char *capture_end(void);

/* Fails the test when text contains any of the NULL-terminated secrets. */
void assert_no_secret(const char *what, const char *text, const char *const *secrets);

/* Decodes "\n" and "\\" escapes in place; "<none>" becomes NULL. */
char *unescape(char *s);

#endif
