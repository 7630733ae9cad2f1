/*
 * deflate: compressing test inputs for the stream tests, with zlib.
 */
#ifndef CT_TESTS_STREAM_DEFLATE_H
#define CT_TESTS_STREAM_DEFLATE_H

#include <stddef.h>

#include "util/buf.h"

/* Appends p[0..n) to b as one gzip member (wbits 31) or zlib stream (15);
 * fails the running Check test on any zlib error. */
void deflate_into(struct buf *b, const void *p, size_t n, int wbits);

#endif
