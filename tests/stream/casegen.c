/*
 * casegen: makes the binary inputs of the guard cases at test time, standard
 * input to standard output, so the cases need nothing but sh and this.
 *
 *   casegen gzip [LEVEL]     compress as one gzip member
 *   casegen zlib             compress as a zlib stream
 *   casegen truncate N       keep the first N bytes (N < 0: drop the last -N)
 *   casegen flip OFFSET      invert the bits of one byte (OFFSET < 0: from the end)
 *   casegen repeat N TEXT    write TEXT N times (reads nothing)
 *   casegen nest N           write {"Records":[ then N levels of {"a": ... (reads nothing)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static unsigned char *
slurp(size_t *n)
{
	size_t cap = 1 << 16, len = 0, r;
	unsigned char *p = malloc(cap);

	while (p && (r = fread(p + len, 1, cap - len, stdin)) > 0) {
		len += r;
		if (len == cap && (p = realloc(p, cap *= 2)) == NULL)
			break;
	}
	if (p == NULL) {
		fprintf(stderr, "casegen: out of memory\n");
		exit(1);
	}
	*n = len;
	return p;
}

static int
compress_out(int wbits, int level)
{
	size_t n;
	unsigned char *in = slurp(&n), out[1 << 16];
	z_stream zs = {0};
	int r;

	if (deflateInit2(&zs, level, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 1;
	zs.next_in = in;
	zs.avail_in = (uInt)n;
	do {
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		r = deflate(&zs, Z_FINISH);
		fwrite(out, 1, sizeof(out) - zs.avail_out, stdout);
	} while (r == Z_OK);
	deflateEnd(&zs);
	free(in);
	return r == Z_STREAM_END ? 0 : 1;
}

/* A non-negative offset, or one counted back from the end. */
static size_t
where(const char *arg, size_t n)
{
	long v = strtol(arg, NULL, 10);

	if (v < 0)
		return (size_t)-v > n ? 0 : n - (size_t)-v;
	return (size_t)v > n ? n : (size_t)v;
}

int
main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	size_t n;
	unsigned char *p;

	if (strcmp(op, "gzip") == 0)
		return compress_out(31, argc > 2 ? atoi(argv[2]) : 6);
	if (strcmp(op, "zlib") == 0)
		return compress_out(15, 6);
	if (strcmp(op, "repeat") == 0 && argc == 4) {
		for (long i = strtol(argv[2], NULL, 10); i > 0; i--)
			fputs(argv[3], stdout);
		return 0;
	}
	if (strcmp(op, "nest") == 0 && argc == 3) {
		fputs("{\"Records\":[", stdout);
		for (long i = strtol(argv[2], NULL, 10); i > 0; i--)
			fputs("{\"a\":", stdout);
		return 0;
	}
	if ((strcmp(op, "truncate") == 0 || strcmp(op, "flip") == 0) && argc == 3) {
		p = slurp(&n);
		if (op[0] == 't')
			n = where(argv[2], n);
		else if (where(argv[2], n) < n)
			p[where(argv[2], n)] ^= 0xff;
		fwrite(p, 1, n, stdout);
		free(p);
		return 0;
	}
	fprintf(stderr, "usage: casegen gzip [LEVEL] | zlib | truncate N | flip OFFSET | "
	                "repeat N TEXT | nest N\n");
	return 2;
}
