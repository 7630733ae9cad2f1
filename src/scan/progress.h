/*
 * progress: the status line `ctalertd scan` keeps on a terminal's standard
 * error while it runs: objects (or files) and bytes done, of how many listed
 * when that is known, records and their rate, matches, and the time left.
 *
 * It is drawn only once a run takes more than a second, at most four times a
 * second, and wiped before anything else is written to standard error
 * (progress_clear), so messages never share its line.
 */
#ifndef CT_SCAN_PROGRESS_H
#define CT_SCAN_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

/* What the line shows; totals 0 when unknown (files, or still listing). */
struct progress_figures {
	const char *what;     /* "file" or "object" */
	uint64_t done, total; /* objects or files finished, of total */
	uint64_t bytes, bytes_total;
	uint64_t records, matches, errors;
};

struct progress {
	int enabled;        /* a terminal, and not --no-progress */
	int shown;          /* the line is on the screen */
	double start, last; /* monotonic seconds */
};

void progress_init(struct progress *p, int enabled);

/* Redraws the line when it is due. */
void progress_draw(struct progress *p, const struct progress_figures *f);

/* Wipes the line if it is shown. */
void progress_clear(struct progress *p);

/* The line's text for figures f after elapsed seconds (no escapes). */
void progress_format(const struct progress_figures *f, double elapsed, char *out, size_t outlen);

#endif
