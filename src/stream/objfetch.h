/*
 * objfetch: one S3 object streamed into a scanner, for the daemon's workers
 * and `ctalertd scan s3://...` alike.
 *
 * GetObject's body goes from the response's write callback straight into
 * objscan_feed (inflate, record stream, matcher), so memory holds one record,
 * whatever the size of the object; objscan_finish ends it. Matches and bad
 * records reach the scanner's own callbacks while the body arrives. S3
 * retries and mid-body resumes are aws/s3's (see s3.h).
 *
 * Usage: objscan_reset(scan, "s3://bucket/key"), then objfetch_run(). The
 * caller decides what each outcome means to it (a message's fate, a line on
 * standard error).
 */
#ifndef CT_STREAM_OBJFETCH_H
#define CT_STREAM_OBJFETCH_H

#include <stddef.h>

#include "aws/client.h"
#include "aws/error.h"
#include "aws/s3.h"
#include "stream/objscan.h"
#include "util/error.h"

enum objfetch_status {
	OBJFETCH_DONE,      /* every byte fetched and scanned, the object complete */
	OBJFETCH_S3_FAILED, /* GetObject failed: aws says why */
	OBJFETCH_REFUSED,   /* the scanner refused the content: content says why */
	OBJFETCH_STOPPED,   /* on_head or on_bytes asked to stop */
};

struct objfetch_params {
	const char *bucket;         /* borrowed */
	const char *key;            /* borrowed, unencoded */
	const char *expected_owner; /* x-amz-expected-bucket-owner; NULL: none */
	s3_head_cb on_head;         /* the object's metadata; -1 stops; NULL: not told */
	/* Before each piece of the body is scanned; -1 stops. NULL: not told. */
	int (*on_bytes)(void *arg, size_t len);
	void *arg; /* for on_head and on_bytes */
};

struct objfetch_result {
	enum objfetch_status status;
	int in_body;              /* REFUSED: while the body arrived (0: at its end) */
	struct ctaws_error aws;   /* S3_FAILED (and set whenever GetObject failed) */
	struct ct_error content;  /* REFUSED: the scanner's error, naming the source */
	struct s3_get_result get; /* how far GetObject got */
};

/* Fetches and scans the object; returns 0 when DONE, -1 otherwise (r->status
 * says which way it went). scan is borrowed and already reset. */
int objfetch_run(struct ctaws_conn *conn, struct objscan *scan, const struct objfetch_params *p,
    struct objfetch_result *r);

#endif
