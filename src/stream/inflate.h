/*
 * inflate: the bytes of a log object in, its JSON text out.
 *
 * Bytes are pushed in as they arrive (read from a file, or handed over by an
 * HTTP body callback) and the decompressed text goes out in chunks to a sink.
 * The format is told by the first bytes: gzip (1f 8b, any number of members
 * one after the other), zlib (a valid RFC 1950 header), anything else is plain
 * text passed through without a copy. Memory is fixed whatever the size of the
 * object: one output chunk and the decompressor's own state.
 *
 * Guards end the object with an error that names the compressed byte offset:
 * corrupt or truncated data, a checksum mismatch, data after the end of a
 * zlib stream, and a decompression bomb (more output than max_output, or more
 * than max_ratio bytes out per byte in once the output passes 1 MiB). What was
 * inflated before the fault is handed to the sink first (up to max_output), so
 * which records are seen does not depend on how full the output chunk was.
 *
 * Two decompressors: ISA-L's isal_inflate when the build has it (several times
 * faster) and zlib. Both are compiled in and selectable per inflater, so one
 * build tests both; the environment variable CTALERTD_INFLATE=zlib (or isal)
 * chooses for inflaters created with INFLATE_BACKEND_DEFAULT.
 */
#ifndef CT_STREAM_INFLATE_H
#define CT_STREAM_INFLATE_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define INFLATE_CHUNK_DEFAULT ((size_t)256 * 1024)
#define INFLATE_RATIO_FLOOR   ((uint64_t)1024 * 1024) /* max_ratio applies past this much output */

enum inflate_format {
	INFLATE_UNKNOWN, /* fewer than two bytes seen so far */
	INFLATE_PLAIN,   /* not compressed */
	INFLATE_GZIP,    /* RFC 1952, one or more members */
	INFLATE_ZLIB,    /* RFC 1950 */
};

enum inflate_backend {
	INFLATE_BACKEND_DEFAULT, /* ISA-L if built in, unless CTALERTD_INFLATE says otherwise */
	INFLATE_BACKEND_ZLIB,
	INFLATE_BACKEND_ISAL,
};

struct inflate_opts {
	uint64_t max_output;          /* decompressed bytes per object; 0: no limit */
	unsigned max_ratio;           /* output bytes per input byte; 0: no limit */
	enum inflate_backend backend; /* which decompressor */
	size_t chunk;                 /* output chunk size; 0: INFLATE_CHUNK_DEFAULT */
};

/* Receives each piece of decompressed text, borrowed for the call. Returns 0,
 * or -1 with err set to end the object with that error. */
typedef int (*inflate_sink_fn)(void *arg, const char *p, size_t n, struct ct_error *err);

struct inflater;

/* NULL when out of memory or when o->backend is not built in (err says which). */
struct inflater *inflater_new(
    const struct inflate_opts *o, inflate_sink_fn sink, void *arg, struct ct_error *err);
void inflater_free(struct inflater *z);

/* Forgets the current object; the next byte fed starts a new one. */
void inflater_reset(struct inflater *z);

/* Pushes n bytes of the object. On -1, err says why and the object is over:
 * further calls fail the same way until inflater_reset. */
int inflater_feed(struct inflater *z, const void *p, size_t n, struct ct_error *err);

/* The object ended: flushes the last output and fails if the data was truncated. */
int inflater_finish(struct inflater *z, struct ct_error *err);

/* After a failure: whether the error is the sink's own (else inflate's). */
int inflater_sink_failed(const struct inflater *z);

enum inflate_format inflater_format(const struct inflater *z);
enum inflate_backend inflater_backend(const struct inflater *z); /* never DEFAULT */
uint64_t inflater_bytes_in(const struct inflater *z);            /* fed so far */
uint64_t inflater_bytes_out(const struct inflater *z);           /* handed to the sink so far */

const char *inflate_format_name(enum inflate_format f);   /* "gzip", "zlib", "plain", ... */
const char *inflate_backend_name(enum inflate_backend b); /* "isal", "zlib", "default" */
int inflate_backend_available(enum inflate_backend b);

/* Parses "zlib", "isal" or "default"; -1 if unknown. */
int inflate_backend_parse(const char *name, enum inflate_backend *b);

#endif
