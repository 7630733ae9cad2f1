/*
 * progress: one line, redrawn in place with "\r\033[K" (see progress.h).
 */
#include "config.h"

#include "scan/progress.h"

#include <stdio.h>

#include "util/clock.h"
#include "util/log.h"
#include "util/units.h"

#define FIRST_DRAW_S 1.0  /* a run shorter than this shows no line */
#define REDRAW_S     0.25 /* between two draws */

void
progress_init(struct progress *p, int enabled)
{
	p->enabled = enabled;
	p->shown = 0;
	p->start = p->last = clock_mono_s();
}

/* ", ETA 1m20s" from the bytes left at the rate so far, or "". */
static void
eta(const struct progress_figures *f, double elapsed, char *out, size_t outlen)
{
	char d[32];
	double left;

	out[0] = '\0';
	if (f->bytes_total == 0 || f->bytes == 0 || f->bytes >= f->bytes_total)
		return;
	left = elapsed * (double)(f->bytes_total - f->bytes) / (double)f->bytes;
	units_format_duration((uint64_t)(left + 0.5), d, sizeof(d));
	snprintf(out, outlen, ", ETA %s", d);
}

void
progress_format(const struct progress_figures *f, double elapsed, char *out, size_t outlen)
{
	char of[48] = "", bytes_of[48] = "", left[48], errors[48] = "";
	double rate = elapsed > 0 ? (double)f->records / elapsed : 0.0;

	if (f->total)
		snprintf(of, sizeof(of), "/%llu", (unsigned long long)f->total);
	if (f->bytes_total)
		snprintf(bytes_of, sizeof(bytes_of), "/%.1f", (double)f->bytes_total / 1e6);
	if (f->errors)
		snprintf(errors, sizeof(errors), ", %llu error%s", (unsigned long long)f->errors,
		    log_plural(f->errors, "", "s"));
	eta(f, elapsed, left, sizeof(left));
	snprintf(out, outlen,
	    "ctalertd scan: %llu%s %s%s, %.1f%s MB, %llu records, %.0f records/s, %llu match%s%s%s",
	    (unsigned long long)f->done, of, f->what,
	    log_plural(f->total ? f->total : f->done, "", "s"), (double)f->bytes / 1e6, bytes_of,
	    (unsigned long long)f->records, rate, (unsigned long long)f->matches,
	    log_plural(f->matches, "", "es"), errors, left);
}

void
progress_draw(struct progress *p, const struct progress_figures *f)
{
	char line[256];
	double now = clock_mono_s();

	if (!p->enabled || now - p->last < REDRAW_S || now - p->start < FIRST_DRAW_S)
		return;
	p->last = now;
	progress_format(f, now - p->start, line, sizeof(line));
	fprintf(stderr, "\r\033[K%s", line);
	p->shown = 1;
}

void
progress_clear(struct progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		p->shown = 0;
	}
}
