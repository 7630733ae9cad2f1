/*
 * records: JSON text in, matched records out.
 *
 * A yajl SAX parser is fed the decompressed text of one object in chunks of
 * any size. It walks {"Records":[ ... ]} (or, for NDJSON, one JSON object per
 * line; for an EventBridge event, the one record under "detail"; for a bare
 * array, its elements; for lookup-events output, each event's CloudTrailEvent
 * string, parsed in turn; read by content, RECORDS_AUTO, any of these, each
 * top-level value known by its first key) and, for each record, tells the
 * matcher only about the fields some rule
 * refers to: it follows the matcher's field tree (match_root/match_child) key by
 * key and skips every other subtree with nothing but a depth counter. Values
 * are handed over where the parser left them, never copied; so is the JSON
 * text of an object or array a rule looks in (match_wants_json), unless it
 * began in an earlier chunk.
 *
 * The raw text of a record is not copied either while it lies in one chunk;
 * only a record that spans chunks is gathered into a buffer, and only up to
 * max_record bytes. So memory is bounded by the largest record, never by the
 * object: a record over the cap is an error for that record and the stream goes
 * on. A string or number longer than the cap ends the object (the parser would
 * have to hold it whole).
 *
 * yajl validates UTF-8 only by the shape of its sequences; the text of a record
 * that matched is checked strictly (no overlong forms, surrogates) before it
 * is handed on, and is an error for that record if it fails.
 *
 * Errors name the source and the byte offset, counted in decompressed bytes
 * from 0. Errors in the shape of the document (not JSON, invalid UTF-8, no
 * Records array, Records not an array, nesting deeper than max_depth; for an
 * EventBridge event: no "detail", "detail" not an object or given twice; read
 * by content: an object that begins with no key of a known document) end the
 * object; in NDJSON they end only the line they are on. Errors of one record
 * (not an object, too large; an event without its record, a CloudTrailEvent
 * that is not a string or not a JSON object) are reported through
 * on_record_error and the stream goes on.
 *
 * A lookup-events record is named by its event: its offset is the event
 * object's, and its text the decoded CloudTrailEvent, not the bytes of the
 * object. Its errors name the event's index and offset.
 */
#ifndef CT_STREAM_RECORDS_H
#define CT_STREAM_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "match/match.h"
#include "util/error.h"

/* Default limits of one record, for `ctalertd scan` and the daemon alike:
 * CloudTrail records are a few KB and nest about 10 deep. */
#define RECORDS_MAX_RECORD_MIB     1 /* in MiB, so the configuration can spell it */
#define RECORDS_MAX_RECORD_DEFAULT ((size_t)RECORDS_MAX_RECORD_MIB << 20)
#define RECORDS_MAX_DEPTH_DEFAULT  64

enum records_format {
	RECORDS_CLOUDTRAIL,  /* one JSON object {"Records": [record, ...]} */
	RECORDS_NDJSON,      /* one record per line */
	RECORDS_EVENTBRIDGE, /* one EventBridge event {..., "detail": record}: CloudTrail's
	                        "AWS API Call via CloudTrail" and its siblings */
	RECORDS_LOOKUP,      /* `aws cloudtrail lookup-events` output: {"Events": [{...,
	                        "CloudTrailEvent": "record as a JSON string"}, ...]} */
	RECORDS_ARRAY,       /* a bare array [record, ...] or [event, ...] */
	RECORDS_AUTO,        /* any of these, each document by its content, several
	                        documents one after another */
	RECORDS_ONE,         /* the whole text is one record (a CloudTrailEvent) */
};

struct prefilter;

struct records_opts {
	enum records_format format;
	size_t max_record; /* raw bytes of one record; 0: RECORDS_MAX_RECORD_DEFAULT */
	unsigned
	    max_depth; /* JSON nesting, counted from the document; 0: RECORDS_MAX_DEPTH_DEFAULT */
	const struct prefilter *prefilter; /* borrowed; NULL: every record is parsed */
};

/* One record, as the callbacks see it. */
struct record_ref {
	const char *source; /* borrowed: the object's name */
	const char *text;   /* borrowed for the call: the raw JSON text; NULL when not kept */
	size_t len;         /* bytes of text */
	uint64_t index;     /* position among the object's records, from 0 */
	uint64_t offset;    /* decompressed byte offset of its first byte (lookup-events:
	                       of its event) */
	uint64_t line;      /* NDJSON: line number, from 1; 0 otherwise */
};

struct records_cb {
	/* rec matched rules[0..n-1] (ruleset indices, ascending). Returns 0, or
	 * -1 with err set to end the object with that error. */
	int (*on_match)(void *arg, const struct record_ref *rec, const size_t *rules, size_t n,
	    struct ct_error *err);
	/* rec was skipped; err names source and offset. May be NULL. */
	void (*on_record_error)(
	    void *arg, const struct record_ref *rec, const struct ct_error *err);
	void *arg;
};

struct records_stats {
	uint64_t json_bytes;    /* bytes parsed */
	uint64_t records;       /* records evaluated */
	uint64_t matched;       /* records that matched at least one rule */
	uint64_t matches;       /* (record, rule) matches */
	uint64_t record_errors; /* records skipped with an error */
	uint64_t passed;        /* of the records, those the prefilter passed over unparsed */
};

struct records;

/* rs and m are borrowed and must outlive the parser; m is used by one thread. */
struct records *records_new(const struct records_opts *o, const struct ruleset *rs,
    struct matcher *m, const struct records_cb *cb, struct ct_error *err);
void records_free(struct records *r);

/* Starts a new object; source (borrowed) names it in errors until the next reset. */
int records_reset(struct records *r, const char *source, struct ct_error *err);

/* Parses the next n bytes. On -1 err says why and the object is over. */
int records_feed(struct records *r, const char *p, size_t n, struct ct_error *err);

/* The text ended: fails if the document is incomplete or had no Records (no
 * detail, for an EventBridge event; no Events, for lookup-events). */
int records_finish(struct records *r, struct ct_error *err);

const struct records_stats *records_stats(const struct records *r);

const char *records_format_name(enum records_format f);
/* "records" (or "cloudtrail"), "ndjson" (or "jsonl"), "eventbridge",
 * "lookup-events", "array", "auto" (RECORDS_ONE has no name to parse). */
int records_format_parse(const char *name, enum records_format *f);

#endif
