/*
 * fetchers: the listed objects read by --jobs threads at once, each with its
 * own S3 connection and scanner (stream/objfetch: GetObject through inflate
 * into the record stream as the body arrives), so memory is bounded by
 * jobs x the record limit, whatever the objects' sizes. Threads take the
 * next object from the list in order; the calling thread draws the
 * progress line meanwhile.
 *
 * An object that fails (S3, or content the scanner refuses) is reported
 * and the others go on; one that finishes is written to the resume file.
 */
#ifndef CT_SCAN_FETCHERS_H
#define CT_SCAN_FETCHERS_H

#include "aws/client.h"
#include "scan/bucket.h"
#include "scan/output.h"
#include "scan/resume.h"
#include "stream/objscan.h"

#define FETCHERS_JOBS_DEFAULT 8
#define FETCHERS_JOBS_MAX     256

struct fetchers_opts {
	int jobs;                      /* threads; 1..FETCHERS_JOBS_MAX */
	const struct objscan_opts *so; /* borrowed */
	const char *expected_owner;    /* borrowed; NULL: none */
	struct resume *resume;         /* borrowed; NULL: none */
};

/* Fetches and scans every object of l (their totals into t). */
void fetchers_run(struct ctaws_client *client, const struct bucket_list *l, struct output *out,
    const struct fetchers_opts *o, struct scan_totals *t);

#endif
