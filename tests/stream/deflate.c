/*
 * deflate: compressing test inputs for the stream tests (see deflate.h).
 */
#include "config.h"

#include "deflate.h"

#include <check.h>
#include <stdint.h>
#include <zlib.h>

void
deflate_into(struct buf *b, const void *p, size_t n, int wbits)
{
	z_stream zs = {0};
	size_t bound;

	ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
	bound = deflateBound(&zs, (uLong)n) + 32;
	ck_assert_int_eq(buf_reserve(b, bound), 0);
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)b->data + b->len;
	zs.avail_out = (uInt)bound;
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	b->len += zs.total_out;
	deflateEnd(&zs);
}
