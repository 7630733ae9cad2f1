/*
 * objscan: one log object, pushed in as compressed bytes, matched record by
 * record. It joins inflate (bytes -> JSON text) and records (JSON text ->
 * matches) so a caller only pushes bytes: `ctalertd scan` from a file, the
 * daemon from an S3 response body as it arrives.
 *
 * Usage per object: objscan_reset(s, name); objscan_feed(s, ...) any number of
 * times; objscan_finish(s). Matches and bad records come through the callbacks
 * while bytes are fed. The scanner is reused across objects: nothing is
 * allocated per object except the JSON parser, and nothing per record.
 *
 * Threading: the ruleset is shared read-only; each scanner owns a matcher and
 * belongs to one thread at a time.
 */
#ifndef CT_STREAM_OBJSCAN_H
#define CT_STREAM_OBJSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "match/match.h"
#include "stream/inflate.h"
#include "stream/records.h"
#include "util/error.h"

/*
 * The default limits of one object: the one set, for `ctalertd scan` and for
 * the daemon (limits.* in ctalertd.conf) alike, since both read the same
 * objects. CloudTrail writes objects of a few KB to a few hundred MB of JSON
 * that compress about 10 times:
 * - 16 GiB inflated is far beyond any log object, yet ends an endless stream
 *   (about 40 s of CPU at scan speed);
 * - a ratio of 100 leaves ten times the room real logs need, where a deflate
 *   bomb reaches 1032 (a limit of 1000 would stop almost none). It applies
 *   only once an object has inflated past INFLATE_RATIO_FLOOR (1 MiB), so a
 *   small object that compresses well is never refused.
 */
#define OBJSCAN_MAX_INFLATED_GIB     16 /* in GiB, so the configuration can spell it */
#define OBJSCAN_MAX_INFLATED_DEFAULT ((uint64_t)OBJSCAN_MAX_INFLATED_GIB << 30)
#define OBJSCAN_MAX_RATIO_DEFAULT    100

struct objscan_opts {
	enum records_format format;   /* how the objects are read; RECORDS_AUTO: by content */
	size_t max_record;            /* raw bytes of one record; 0: 1 MiB */
	unsigned max_depth;           /* JSON nesting; 0: 64 */
	uint64_t max_inflated;        /* decompressed bytes per object; 0: no limit */
	unsigned max_ratio;           /* decompressed per compressed byte; 0: no limit */
	enum inflate_backend backend; /* the decompressor */
	const struct prefilter *prefilter; /* borrowed; NULL: every record is parsed */
};

struct objscan_stats {
	uint64_t compressed_bytes; /* bytes fed */
	uint64_t json_bytes;       /* bytes of JSON text parsed */
	uint64_t records;          /* records evaluated */
	uint64_t matched;          /* records that matched at least one rule */
	uint64_t matches;          /* (record, rule) matches */
	uint64_t record_errors;    /* records skipped with an error */
	uint64_t passed;           /* records the prefilter passed over unparsed */
};

struct objscan;

/* The defaults above, CloudTrail format. */
void objscan_opts_default(struct objscan_opts *o);

/* rs is borrowed and must outlive the scanner; cb is copied. */
struct objscan *objscan_new(const struct ruleset *rs, const struct objscan_opts *o,
    const struct records_cb *cb, struct ct_error *err);
void objscan_free(struct objscan *s);

/* Starts a new object named source (borrowed until the next reset): the name
 * every error and match refers to, e.g. a path or "s3://bucket/key". */
int objscan_reset(struct objscan *s, const char *source, struct ct_error *err);

/* Pushes the next n bytes of the object. On -1, err names the source and the
 * offset and the object is over (the caller stops feeding it). */
int objscan_feed(struct objscan *s, const void *p, size_t n, struct ct_error *err);

/* The object is complete: fails if it was truncated or had no Records. */
int objscan_finish(struct objscan *s, struct ct_error *err);

/* A tap sees every block of the object's uncompressed bytes, in order,
 * before the record parser does: a caller that wants something of the bytes
 * themselves (the daemon's SHA-256 of each log) gets it without a second
 * read or a second inflate. -1 from the tap ends the object with err. One
 * tap per scanner; fn NULL removes it. arg is borrowed. */
typedef int (*objscan_tap_fn)(void *arg, const char *p, size_t n, struct ct_error *err);
void objscan_set_tap(struct objscan *s, objscan_tap_fn fn, void *arg);

/* The current object's figures so far. */
void objscan_stats(const struct objscan *s, struct objscan_stats *st);

enum inflate_format objscan_format(const struct objscan *s);
enum inflate_backend objscan_backend(const struct objscan *s);

#endif
