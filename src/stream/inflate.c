/*
 * inflate: format detection, the two decompressors behind one step function,
 * multi-member gzip and the decompression-bomb guards.
 */
#include "config.h"

#include "stream/inflate.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

enum state {
	ST_MAGIC,   /* waiting for the two bytes that tell the format */
	ST_STREAM,  /* inside a gzip member, the zlib stream, or plain text */
	ST_BETWEEN, /* a gzip member ended; another may follow */
	ST_DONE,    /* the zlib stream ended; nothing may follow */
	ST_FAILED,  /* err holds why */
};

struct inflater {
	struct inflate_opts o;        /* limits, with the chunk size filled in */
	inflate_sink_fn sink;         /* where the text goes */
	void *arg;                    /* the sink's argument */
	enum inflate_backend backend; /* ZLIB or ISAL, never DEFAULT */
	enum inflate_format format;   /* as detected */
	enum state state;
	unsigned char magic[2]; /* the first bytes, while undecided */
	size_t nmagic;
	unsigned member;    /* gzip member being read, from 1 */
	uint64_t in_total;  /* bytes fed */
	uint64_t in_used;   /* bytes taken by the decompressor */
	uint64_t out_total; /* bytes decompressed, buffered or sent */
	uint64_t out_sent;  /* bytes handed to the sink */
	int pending;        /* the last step filled the buffer: more may come */
	unsigned char *out; /* owned; the output chunk */
	size_t out_len;
	z_stream zs; /* the zlib decompressor */
#ifdef HAVE_ISAL
	struct inflate_state *isal; /* owned; the ISA-L decompressor (about 30 KiB) */
#endif
	struct ct_error err; /* the error once ST_FAILED */
};

/* What one call to a decompressor did (already counted in the inflater). */
struct step {
	size_t used;     /* input bytes taken */
	size_t produced; /* output bytes written */
	int end;         /* the member or stream ended */
};

static int fail(struct inflater *z, struct ct_error *err, enum ct_err code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(struct inflater *z, struct ct_error *err, enum ct_err code, const char *fmt, ...)
{
	va_list ap;

	/* What was inflated before the fault is handed on first: the records in
	 * it are as good as any, and whether they were seen must not depend on
	 * how full the output chunk happened to be. A complaint of the sink about
	 * them gives way to the fault itself. */
	if (z->out_len > 0 && z->state != ST_FAILED) {
		struct ct_error ignored;

		z->out_sent += z->out_len;
		z->sink(z->arg, (const char *)z->out, z->out_len, &ignored);
		z->out_len = 0;
	}
	va_start(ap, fmt);
	ct_error_vset(&z->err, code, fmt, ap);
	va_end(ap);
	z->state = ST_FAILED;
	if (err)
		*err = z->err;
	return -1;
}

static int
corrupt(struct inflater *z, struct ct_error *err, const char *what)
{
	if (z->format == INFLATE_GZIP && z->member > 1)
		return fail(z, err, CT_ERR_INFLATE,
		    "corrupt gzip data in member %u at compressed byte %llu: %s", z->member,
		    (unsigned long long)z->in_used, what);
	return fail(z, err, CT_ERR_INFLATE, "corrupt %s data at compressed byte %llu: %s",
	    inflate_format_name(z->format), (unsigned long long)z->in_used, what);
}

/* zlib's words for an error, folded into the words both decompressors share. */
static const char *
zlib_words(const char *msg, char *tmp, size_t len)
{
	if (msg == NULL)
		return "invalid deflate data";
	if (strcmp(msg, "incorrect data check") == 0)
		return "checksum mismatch";
	if (strcmp(msg, "incorrect length check") == 0)
		return "length mismatch";
	if (strstr(msg, "header") || strstr(msg, "compression method"))
		snprintf(tmp, len, "invalid header (%s)", msg);
	else
		snprintf(tmp, len, "invalid deflate data (%s)", msg);
	return tmp;
}

static int
zlib_step(
    struct inflater *z, const unsigned char *in, size_t n, struct step *s, struct ct_error *err)
{
	size_t room = z->o.chunk - z->out_len;
	char tmp[128];
	int r;

	z->zs.next_in = (Bytef *)(uintptr_t)in;
	z->zs.avail_in = n > UINT_MAX ? UINT_MAX : (uInt)n;
	z->zs.next_out = z->out + z->out_len;
	z->zs.avail_out = (uInt)room;
	r = inflate(&z->zs, Z_NO_FLUSH);
	s->used = (n > UINT_MAX ? UINT_MAX : n) - z->zs.avail_in;
	s->produced = room - z->zs.avail_out;
	s->end = r == Z_STREAM_END;
	z->in_used += s->used;
	z->out_len += s->produced;
	z->out_total += s->produced;
	switch (r) {
	case Z_OK:
	case Z_BUF_ERROR:
	case Z_STREAM_END:
		return 0;
	case Z_NEED_DICT:
		return corrupt(z, err, "needs a preset dictionary");
	case Z_MEM_ERROR:
		return fail(z, err, CT_ERR_NOMEM, "out of memory while inflating");
	default:
		return corrupt(z, err, zlib_words(z->zs.msg, tmp, sizeof(tmp)));
	}
}

static int
zlib_start(struct inflater *z, struct ct_error *err)
{
	if (inflateReset2(&z->zs, z->format == INFLATE_GZIP ? 16 + MAX_WBITS : MAX_WBITS) != Z_OK)
		return fail(z, err, CT_ERR_INTERNAL, "cannot reset the zlib decompressor");
	return 0;
}

#ifdef HAVE_ISAL
static const char *
isal_words(int r)
{
	switch (r) {
	case ISAL_INVALID_BLOCK:
		return "invalid deflate data (invalid block)";
	case ISAL_INVALID_SYMBOL:
		return "invalid deflate data (invalid symbol)";
	case ISAL_INVALID_LOOKBACK:
		return "invalid deflate data (invalid distance too far back)";
	case ISAL_INVALID_WRAPPER:
		return "invalid header";
	case ISAL_UNSUPPORTED_METHOD:
		return "invalid header (unknown compression method)";
	case ISAL_INCORRECT_CHECKSUM:
		return "checksum mismatch";
	case ISAL_NEED_DICT:
		return "needs a preset dictionary";
	default:
		return "invalid deflate data";
	}
}

static int
isal_step(
    struct inflater *z, const unsigned char *in, size_t n, struct step *s, struct ct_error *err)
{
	struct inflate_state *st = z->isal;
	size_t room = z->o.chunk - z->out_len;
	size_t give = n > UINT32_MAX ? UINT32_MAX : n;
	int r;

	st->next_in = (uint8_t *)(uintptr_t)in;
	st->avail_in = (uint32_t)give;
	st->next_out = z->out + z->out_len;
	st->avail_out = (uint32_t)room;
	r = isal_inflate(st);
	s->used = give - st->avail_in;
	s->produced = room - st->avail_out;
	s->end = st->block_state == ISAL_BLOCK_FINISH;
	z->out_len += s->produced;
	z->out_total += s->produced;
	if (r != ISAL_DECOMP_OK && r != ISAL_END_INPUT && r != ISAL_OUT_OVERFLOW) {
		z->in_used += s->used;
		return corrupt(z, err, isal_words(r));
	}
	if (s->end && st->read_in_length >= 8) {
		/* After a zlib trailer, bytes read ahead stay in the bit buffer
		 * (gzip gives them back): return them, they follow the stream. */
		size_t back = (size_t)st->read_in_length / 8;

		if (back > s->used)
			return fail(z, err, CT_ERR_INFLATE,
			    "corrupt %s data: data after the end of the stream at compressed byte "
			    "%llu",
			    inflate_format_name(z->format), (unsigned long long)z->in_used);
		s->used -= back;
		st->read_in_length = 0;
	}
	z->in_used += s->used;
	return 0;
}

static int
isal_start(struct inflater *z, struct ct_error *err)
{
	isal_inflate_reset(z->isal);
	z->isal->crc_flag = z->format == INFLATE_GZIP ? ISAL_GZIP : ISAL_ZLIB;
	return 0;
}
#endif

static int
backend_step(
    struct inflater *z, const unsigned char *in, size_t n, struct step *s, struct ct_error *err)
{
#ifdef HAVE_ISAL
	if (z->backend == INFLATE_BACKEND_ISAL)
		return isal_step(z, in, n, s, err);
#endif
	return zlib_step(z, in, n, s, err);
}

/* Begins a gzip member or the zlib stream. */
static int
backend_start(struct inflater *z, struct ct_error *err)
{
	z->member++;
#ifdef HAVE_ISAL
	if (z->backend == INFLATE_BACKEND_ISAL)
		return isal_start(z, err);
#endif
	return zlib_start(z, err);
}

static int
flush(struct inflater *z, struct ct_error *err)
{
	size_t n = z->out_len;

	if (n == 0)
		return 0;
	z->out_len = 0;
	z->out_sent += n;
	if (z->sink(z->arg, (const char *)z->out, n, &z->err) == -1) {
		z->state = ST_FAILED;
		if (err)
			*err = z->err;
		return -1;
	}
	return 0;
}

/* The bomb guards, checked after every step. */
static int
check_limits(struct inflater *z, struct ct_error *err)
{
	if (z->o.max_output && z->out_total > z->o.max_output) {
		uint64_t over = z->out_total - z->o.max_output;

		z->out_len -=
		    over < z->out_len ? (size_t)over : z->out_len; /* none past the limit */
		return fail(z, err, CT_ERR_LIMIT,
		    "decompressed size over the limit of %llu bytes at compressed byte %llu",
		    (unsigned long long)z->o.max_output, (unsigned long long)z->in_used);
	}
	if (z->o.max_ratio && z->out_total > INFLATE_RATIO_FLOOR &&
	    z->out_total / z->o.max_ratio > z->in_used)
		return fail(z, err, CT_ERR_LIMIT,
		    "decompression ratio over the limit of %u:1 (%llu bytes from %llu) at "
		    "compressed "
		    "byte %llu",
		    z->o.max_ratio, (unsigned long long)z->out_total,
		    (unsigned long long)z->in_used, (unsigned long long)z->in_used);
	return 0;
}

/* Moves to the next gzip member when more bytes follow the last one. */
static int
next_member(struct inflater *z, const unsigned char *p, struct ct_error *err)
{
	if (z->state == ST_DONE)
		return fail(z, err, CT_ERR_INFLATE,
		    "corrupt zlib data: data after the end of the stream at compressed byte %llu",
		    (unsigned long long)z->in_used);
	if (p[0] != 0x1f)
		return fail(z, err, CT_ERR_INFLATE,
		    "corrupt gzip data: data after member %u is not a gzip member at compressed "
		    "byte "
		    "%llu",
		    z->member, (unsigned long long)z->in_used);
	z->state = ST_STREAM;
	return backend_start(z, err);
}

static int
decompress(struct inflater *z, const unsigned char *p, size_t n, struct ct_error *err)
{
	struct step s;

	for (;;) {
		if (z->state != ST_STREAM) {
			if (n == 0)
				return 0;
			if (next_member(z, p, err) == -1)
				return -1;
		}
		if (z->out_len == z->o.chunk && flush(z, err) == -1)
			return -1;
		if (n == 0 && !z->pending)
			return 0;
		if (backend_step(z, p, n, &s, err) == -1)
			return -1;
		p += s.used;
		n -= s.used;
		z->pending = z->out_len == z->o.chunk;
		if (check_limits(z, err) == -1)
			return -1;
		if (s.end)
			z->state = z->format == INFLATE_GZIP ? ST_BETWEEN : ST_DONE;
		else if (s.used == 0 && s.produced == 0 && !z->pending) {
			if (n == 0)
				return 0;
			return corrupt(z, err, "the decompressor made no progress");
		}
	}
}

static int
passthrough(struct inflater *z, const unsigned char *p, size_t n, struct ct_error *err)
{
	size_t take = n;

	if (n == 0)
		return 0;
	if (z->o.max_output && z->out_total + n > z->o.max_output)
		take = (size_t)(z->o.max_output - z->out_total); /* what fits, then the error */
	z->in_used += take;
	z->out_total += take;
	z->out_sent += take;
	if (take > 0 && z->sink(z->arg, (const char *)p, take, &z->err) == -1) {
		z->state = ST_FAILED;
		if (err)
			*err = z->err;
		return -1;
	}
	if (take < n)
		return fail(z, err, CT_ERR_LIMIT, "size over the limit of %llu bytes at byte %llu",
		    (unsigned long long)z->o.max_output, (unsigned long long)z->o.max_output);
	return 0;
}

static enum inflate_format
detect(const unsigned char *m, size_t n)
{
	if (n < 2)
		return INFLATE_PLAIN;
	if (m[0] == 0x1f && m[1] == 0x8b)
		return INFLATE_GZIP;
	if ((m[0] & 0x0f) == 8 && (m[0] >> 4) <= 7 && ((m[0] << 8) | m[1]) % 31 == 0)
		return INFLATE_ZLIB;
	return INFLATE_PLAIN;
}

static int
process(struct inflater *z, const unsigned char *p, size_t n, struct ct_error *err)
{
	if (z->format == INFLATE_PLAIN)
		return passthrough(z, p, n, err);
	return decompress(z, p, n, err);
}

/* Decides the format from the first bytes, then processes them. */
static int
decide(struct inflater *z, struct ct_error *err)
{
	z->format = detect(z->magic, z->nmagic);
	z->state = ST_STREAM;
	if (z->format != INFLATE_PLAIN && backend_start(z, err) == -1)
		return -1;
	return process(z, z->magic, z->nmagic, err);
}

int
inflater_feed(struct inflater *z, const void *buf, size_t n, struct ct_error *err)
{
	const unsigned char *p = buf;

	if (z->state == ST_FAILED) {
		if (err)
			*err = z->err;
		return -1;
	}
	z->in_total += n;
	if (z->state == ST_MAGIC) {
		while (n > 0 && z->nmagic < 2) {
			z->magic[z->nmagic++] = *p++;
			n--;
		}
		if (z->nmagic < 2)
			return 0;
		if (decide(z, err) == -1)
			return -1;
	}
	return process(z, p, n, err);
}

int
inflater_finish(struct inflater *z, struct ct_error *err)
{
	if (z->state == ST_MAGIC && decide(z, err) == -1)
		return -1;
	if (z->state == ST_FAILED) {
		if (err)
			*err = z->err;
		return -1;
	}
	if (z->format != INFLATE_PLAIN) {
		if (decompress(z, NULL, 0, err) == -1)
			return -1;
		if (z->state == ST_STREAM && z->format == INFLATE_GZIP)
			return fail(z, err, CT_ERR_INFLATE,
			    "truncated gzip data: the input ends inside member %u at compressed "
			    "byte %llu",
			    z->member, (unsigned long long)z->in_total);
		if (z->state == ST_STREAM)
			return fail(z, err, CT_ERR_INFLATE,
			    "truncated zlib data: the input ends at compressed byte %llu",
			    (unsigned long long)z->in_total);
	}
	return flush(z, err);
}

struct inflater *
inflater_new(const struct inflate_opts *o, inflate_sink_fn sink, void *arg, struct ct_error *err)
{
	struct inflater *z;

	if ((z = calloc(1, sizeof(*z))) == NULL) {
		ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	z->o = *o;
	if (z->o.chunk == 0)
		z->o.chunk = INFLATE_CHUNK_DEFAULT;
	if (z->o.chunk > UINT32_MAX)
		z->o.chunk = UINT32_MAX;
	z->sink = sink;
	z->arg = arg;
	z->backend = o->backend;
	if (z->backend == INFLATE_BACKEND_DEFAULT) {
		const char *env = getenv("CTALERTD_INFLATE");

		if (env == NULL || inflate_backend_parse(env, &z->backend) == -1)
			z->backend = INFLATE_BACKEND_DEFAULT;
		if (z->backend == INFLATE_BACKEND_DEFAULT || !inflate_backend_available(z->backend))
			z->backend = inflate_backend_available(INFLATE_BACKEND_ISAL)
			                 ? INFLATE_BACKEND_ISAL
			                 : INFLATE_BACKEND_ZLIB;
	}
	if (!inflate_backend_available(z->backend)) {
		ct_error_set(err, CT_ERR_USAGE, "inflate backend %s is not built in",
		    inflate_backend_name(z->backend));
		free(z);
		return NULL;
	}
	if ((z->out = malloc(z->o.chunk)) == NULL || inflateInit2(&z->zs, 16 + MAX_WBITS) != Z_OK)
		goto nomem;
#ifdef HAVE_ISAL
	if (z->backend == INFLATE_BACKEND_ISAL) {
		if ((z->isal = malloc(sizeof(*z->isal))) == NULL)
			goto nomem;
		isal_inflate_init(z->isal);
	}
#endif
	inflater_reset(z);
	return z;
nomem:
	ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	inflater_free(z);
	return NULL;
}

void
inflater_free(struct inflater *z)
{
	if (z == NULL)
		return;
	inflateEnd(&z->zs); /* harmless on a stream never initialised: calloc left it zero */
#ifdef HAVE_ISAL
	free(z->isal);
#endif
	free(z->out);
	free(z);
}

void
inflater_reset(struct inflater *z)
{
	z->format = INFLATE_UNKNOWN;
	z->state = ST_MAGIC;
	z->nmagic = 0;
	z->member = 0;
	z->in_total = z->in_used = 0;
	z->out_total = z->out_sent = 0;
	z->pending = 0;
	z->out_len = 0;
	ct_error_clear(&z->err);
}

enum inflate_format
inflater_format(const struct inflater *z)
{
	return z->format;
}

enum inflate_backend
inflater_backend(const struct inflater *z)
{
	return z->backend;
}

uint64_t
inflater_bytes_in(const struct inflater *z)
{
	return z->in_total;
}

uint64_t
inflater_bytes_out(const struct inflater *z)
{
	return z->out_sent;
}

const char *
inflate_format_name(enum inflate_format f)
{
	switch (f) {
	case INFLATE_PLAIN:
		return "plain";
	case INFLATE_GZIP:
		return "gzip";
	case INFLATE_ZLIB:
		return "zlib";
	default:
		return "unknown";
	}
}

const char *
inflate_backend_name(enum inflate_backend b)
{
	switch (b) {
	case INFLATE_BACKEND_ZLIB:
		return "zlib";
	case INFLATE_BACKEND_ISAL:
		return "isal";
	default:
		return "default";
	}
}

int
inflate_backend_available(enum inflate_backend b)
{
#ifdef HAVE_ISAL
	return 1;
#else
	return b != INFLATE_BACKEND_ISAL;
#endif
}

int
inflate_backend_parse(const char *name, enum inflate_backend *b)
{
	if (strcmp(name, "zlib") == 0)
		*b = INFLATE_BACKEND_ZLIB;
	else if (strcmp(name, "isal") == 0 || strcmp(name, "isa-l") == 0)
		*b = INFLATE_BACKEND_ISAL;
	else if (strcmp(name, "default") == 0 || strcmp(name, "auto") == 0)
		*b = INFLATE_BACKEND_DEFAULT;
	else
		return -1;
	return 0;
}
