/*
 * output: where `ctalertd scan`'s matches go, whichever the input (files or
 * S3 objects, one thread or several).
 *
 * Every scanner's records callbacks (records.h) come here through a sink of
 * its own; the output they share is locked, so lines from several threads
 * never mix. A match whose record's eventTime is outside --since/--until is
 * dropped here, before it counts.
 *
 * Formats:
 *   json   one JSON object per match: {"rule", "severity", "description",
 *          ("sigma"), "object", "source", "record"}; "object" and "source"
 *          both name the file or s3:// object ("source" is kept for the
 *          scripts written before "object": it is not EventBridge's source);
 *          with --fields, only the fields named, by those names
 *   text   one line per match for people: the fields, two spaces apart,
 *          "-" for a missing one; the severity coloured when colour is on
 *   count  per-rule counts at the end (NAME<TAB>COUNT)
 *   files  each object with a match, once (-l)
 *   quiet  nothing (-q)
 * --max-count N stops every scanner after N matches (output_stopped).
 * With --publish, each sink also hands the matches it printed (or would
 * have printed: -q, --count, -l) to its thread's backfill worker
 * (scan/backfill.h), outside the lock, and publishes at each object's end.
 */
#ifndef CT_SCAN_OUTPUT_H
#define CT_SCAN_OUTPUT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "match/match.h"
#include "rules/rules.h"
#include "scan/backfill.h"
#include "scan/progress.h"
#include "scan/trail.h"
#include "stream/records.h"
#include "util/buf.h"

enum output_format { OUTPUT_JSON, OUTPUT_TEXT, OUTPUT_COUNT, OUTPUT_FILES, OUTPUT_QUIET };

/* What --fields may name. */
enum output_field {
	FIELD_TIME,        /* eventTime */
	FIELD_SEVERITY,    /* the rule's */
	FIELD_RULE,        /* its name */
	FIELD_DESCRIPTION, /* the rule's description */
	FIELD_EVENT,       /* eventName */
	FIELD_SERVICE,     /* eventSource */
	FIELD_PRINCIPAL,   /* userIdentity.arn, else invokedBy, principalId, type */
	FIELD_ADDRESS,     /* sourceIPAddress */
	FIELD_ACCOUNT,     /* recipientAccountId */
	FIELD_REGION,      /* awsRegion */
	FIELD_ID,          /* eventID */
	FIELD_OBJECT,      /* the file or s3:// object */
	FIELD_RECORD,      /* the whole record */
	FIELD_COUNT_
};

#define OUTPUT_FIELDS_MAX 16

struct output_opts {
	enum output_format format;
	int color;                                   /* text: ANSI colours */
	enum output_field fields[OUTPUT_FIELDS_MAX]; /* --fields; nfields 0: the format's own */
	size_t nfields;
	uint64_t max_count;        /* stop after this many matches; 0: never */
	struct trail_filter range; /* since/until (accounts and regions are the lister's) */
};

struct output {
	const struct ruleset *rs;      /* borrowed */
	const struct rule_list *rules; /* borrowed; rs compiled from it, in its order */
	struct output_opts o;
	struct progress *progress; /* borrowed; wiped before each message */
	struct backfill *publish;  /* borrowed; NULL: matches are only printed */
	pthread_mutex_t mutex;     /* guards what follows and standard output */
	uint64_t *counts;          /* owned; matches per rule */
	uint64_t matches;          /* matches kept */
	uint64_t errors;           /* objects and records that failed */
	int write_failed;          /* standard output refused a line */
	atomic_int stop;           /* --max-count reached */
};

/* What the inputs read, for --stats and the progress line. */
struct scan_totals {
	uint64_t objects;    /* files or objects finished */
	uint64_t bytes;      /* bytes read (compressed, as stored) */
	uint64_t json_bytes; /* bytes of JSON text parsed */
	uint64_t records;    /* records evaluated */
	uint64_t passed;     /* of them, passed over unparsed by the prefilter */
};

/* One scanner's callbacks' argument (records_cb.arg): per-object state. */
struct output_sink {
	struct output *out;              /* borrowed */
	struct buf line;                 /* owned; one line */
	uint64_t object_matches;         /* in the current object */
	uint64_t object_errors;          /* record errors in the current object */
	struct backfill_worker *publish; /* owned; NULL: matches are only printed */
};

/* Parses a --fields list ("time,rule,event"); 0, or -1 with *bad the name
 * not known (borrowed from a static table or from s). */
int output_fields_parse(const char *s, struct output_opts *o, char *bad, size_t badlen);

/* The names --fields takes, comma-separated, for messages and --help. */
const char *output_field_names(void);

int output_init(struct output *out, const struct ruleset *rs, const struct rule_list *rules,
    const struct output_opts *o, struct progress *progress);
void output_fini(struct output *out);

/* With out->publish, the sink gets a backfill worker of its own; -1 when
 * memory is short. */
int output_sink_init(struct output_sink *s, struct output *out);
void output_sink_fini(struct output_sink *s);
/* A new object starts for the sink's scanner. */
void output_sink_object(struct output_sink *s);
/* The callbacks for objscan_new, with s as their argument. */
struct records_cb output_sink_callbacks(struct output_sink *s);
/* At an object's end: the count of record errors not shown. */
void output_sink_object_done(struct output_sink *s, const char *source);
/* At an object's end, with --publish: its alerts still waiting are
 * published. 0, or -1 when they could not be (counted as an error, and
 * told). */
int output_sink_publish(struct output_sink *s, const char *source);

/* Draws the progress line with f and the output's matches and errors. */
void output_progress(struct output *out, struct progress_figures *f);

/* An error of a whole object or file: counted, and written on standard error. */
void output_error(struct output *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Standard output flushed, so the matches of an object are out before the
 * resume file says it is finished. 0, or -1 (counted as an error). */
int output_flush(struct output *out);

/* --max-count reached: scanners stop. */
int output_stopped(struct output *out);

/* --count's table; and standard output flushed: 0, or -1 (counted as an error). */
int output_end(struct output *out);

#endif
