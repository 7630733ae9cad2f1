/*
 * resume: the objects a scan has finished, in a file, so that a scan that was
 * interrupted (Ctrl-C, a lost laptop lid, a crash) can be run again with the
 * same --resume FILE and go on where it stopped.
 *
 * The file is text, one line per finished object, appended and flushed as
 * each one finishes: "ETAG<TAB>s3://BUCKET/KEY", bytes below 0x20 and '%'
 * of the name written as %XX. An object counts as finished only with the
 * same ETag: one rewritten since is scanned again. Objects that failed are
 * not written, so the next run tries them again. A last line cut short by a
 * crash is ignored.
 *
 * Matches of the finished objects were printed by the run that finished
 * them; the next run prints only the others'.
 */
#ifndef CT_SCAN_RESUME_H
#define CT_SCAN_RESUME_H

#include <stddef.h>

#include "util/error.h"

struct resume;

/* Reads path if it exists and opens it for appending (creating it). */
struct resume *resume_open(const char *path, struct ct_error *err);
void resume_close(struct resume *r);

/* How many objects the file said were finished when it was opened. */
size_t resume_count(const struct resume *r);

/* 1 when source (with this etag) was finished by an earlier run. */
int resume_finished(const struct resume *r, const char *source, const char *etag);

/* Records source as finished; thread-safe. 0, or -1 with err. */
int resume_mark(struct resume *r, const char *source, const char *etag, struct ct_error *err);

#endif
