/*
 * records_int: what records.c (the walk inside records, the hot path) and
 * records_doc.c (the document around them) share. Not for other modules.
 */
#ifndef CT_STREAM_RECORDS_INT_H
#define CT_STREAM_RECORDS_INT_H

#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_parse.h>

#include "stream/records.h"
#include "util/buf.h"

/* One open container inside a record: whose keys or elements it holds. */
struct frame {
	const struct match_node *node; /* never NULL: skipped containers get no frame */
	int wants;                     /* match_wants_value(node) */
	int array;                     /* it is an array: its objects are elements */
	uint32_t element;              /* an element the matcher was told of: its token; else 0 */
	int json;                      /* match_wants_json(node): its text goes to the matcher */
	uint64_t json_at;              /* then: the offset of its first byte in the object */
};

struct records {
	struct records_opts o;    /* with defaults filled in */
	const struct ruleset *rs; /* borrowed */
	struct matcher *m;        /* borrowed */
	struct records_cb cb;
	yajl_handle h;      /* owned */
	const char *source; /* borrowed: names the object in errors */

	const char *chunk; /* the bytes yajl is parsing now (borrowed) */
	uint64_t base;     /* offset of chunk[0] in the object */

	unsigned depth;                /* open containers, the document's own included */
	int skipping;                  /* inside a subtree no rule refers to */
	unsigned skip_depth;           /* depth of that subtree's container */
	const struct match_node *next; /* where the next value goes; NULL: nowhere */
	int next_wants;                /* match_wants_value(next) */
	struct frame *stack;           /* owned; one per depth, max_depth + 1 */

	int in_list;         /* inside the container whose elements are records */
	unsigned list_depth; /* its depth: 2 for Records, 1 for a bare array, 0 for NDJSON */
	int want_records;    /* the last key at holder_depth was the holder */
	int seen_records;    /* the document's holder (Records, Events, the detail) was found */

	/* records_doc.c: the document around the records (see there) */
	int doc;               /* enum records_doc: what the current top-level value is */
	int holder;            /* enum records_holder: the key whose value holds the records */
	unsigned holder_depth; /* depth of the object that has that key */
	int elements;          /* a bare array's elements: enum records_elements */
	int probing;           /* an object is open whose first key, not seen yet, will say
	                          what it is: its text is kept as a record's would be */
	uint64_t probe_at;     /* then: its offset */
	unsigned event_depth;  /* depth of the event being read (EventBridge); 0: none */
	int in_events;         /* lookup-events: inside "Events" */
	uint64_t event_no;     /* the event's index in its array, from 0 */
	uint64_t events;       /* events begun in the array */
	uint64_t event_at;     /* the event's offset */
	int seen_inner;        /* the event had its record ("detail", "CloudTrailEvent") */
	struct records *inner; /* owned, NULL until needed: parses a CloudTrailEvent */
	struct buf inner_name; /* owned: the source the inner parser names */

	int in_record;         /* a record object is open */
	unsigned rec_depth;    /* its depth */
	size_t rec_start;      /* chunk offset of its first byte (0 once it spans) */
	int rec_spans;         /* it began in an earlier chunk: text gathered in rec */
	int rec_over;          /* it is larger than max_record: text dropped */
	struct buf rec;        /* owned; at most max_record bytes */
	struct buf span;       /* owned; scratch: a value's text that began in an earlier chunk */
	struct record_ref ref; /* the record being parsed (or a CloudTrailEvent's) */
	uint64_t next_index;   /* index of the next record */

	uint64_t line; /* NDJSON: newlines seen */
	int resync;    /* NDJSON: skipping to the end of a bad line */

	int tick;       /* a token ended in the current chunk */
	uint64_t quiet; /* bytes since a token last ended (whole chunks) */

	struct skimmer *sk; /* owned; NULL: every record is parsed (records_skim.c) */

	int fatal;  /* err ends the object, even in NDJSON */
	int failed; /* the object is over; err says why */
	struct ct_error err;
	struct records_stats st;
};

/* "a string", "a number", "true", ...: a JSON value's kind, for errors. */
extern const char *const records_type_words[];

/* Absolute offset of the end of the token being reported. */
static inline uint64_t
here(const struct records *r)
{
	return r->base + yajl_get_bytes_consumed(r->h);
}

/* Sets r->err to "SOURCE[: line N]: <fmt>" and returns 0 (yajl's "stop");
 * fatal ends the object even in NDJSON. */
int records_stop(struct records *r, enum ct_err code, int fatal, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A record opens: the container just counted in r->depth. Returns 1. */
int records_begin_record(struct records *r);
/* The text of the container just opened is kept from its first byte, as a
 * record's: records_open_record may then make it one. */
void records_mark_text(struct records *r);
/* The container at r->depth, its text marked at offset, is a record. Returns 1. */
int records_open_record(struct records *r, uint64_t offset);
/* Reports the bad record at offset (not an object, ...); the stream goes on. */
void records_bad_record(struct records *r, uint64_t offset, enum ct_err code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The container just opened is skipped whole. */
void records_skip_container(struct records *r);
/* A record position held `what` (an array, a string, ...) at offset. */
void records_not_an_object(struct records *r, const char *what, uint64_t offset);

/* Parses p[0..n), the next bytes of the object (a chunk, or a piece of one
 * or of several): 0, or -1 with r->err set. */
int records_parse(struct records *r, const char *p, size_t n);
/* A record was passed over unparsed: its n bytes, with what came before it
 * since the last one parsed, count as read. */
void records_pass(struct records *r, size_t n);

/* records_skim.c: passing over records the prefilter rules out. Without a
 * prefilter (o.prefilter NULL) new makes none and the rest do nothing. */
int records_skim_new(struct records *r);
void records_skim_free(struct records *r);
void records_skim_reset(struct records *r);
int records_skim_feed(struct records *r, const char *p, size_t n);
/* The text ended: what skim holds goes to the parser. */
int records_skim_finish(struct records *r);

/* records_doc.c: the document around the records. Each returns yajl's
 * 1 (go on) or 0 (stopped, r->err set), like the callbacks. */
int records_outer_open(struct records *r, int is_map);
int records_outer_close(struct records *r);
/* s, n: the value (a string decoded); len: its length as written, when known. */
int records_outer_scalar(struct records *r, enum match_type t, const char *s, size_t n, size_t len);
int records_outer_key(struct records *r, const unsigned char *k, size_t n);
/* A new parser for the format: yajl's options and the document state. */
void records_doc_start(struct records *r);
/* The text ended whole: 0, or -1 (r->err set) when the records' container
 * was never found. */
int records_doc_finish(struct records *r);

/* records_lookup.c: the record of the lookup-events event being read (at
 * r->event_at), s the decoded text of its CloudTrailEvent string, parsed by
 * r->inner and matched. Returns 1, or 0 (stopped, r->err set) when the
 * object must end. */
int records_lookup_record(struct records *r, const char *s, size_t n);

#endif
