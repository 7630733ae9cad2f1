/*
 * suggest: edit distance and the nearest known name (see suggest.h).
 */
#include "util/suggest.h"

#include <string.h>

/* The least of three. */
static size_t
min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

size_t
suggest_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0], tmp;

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = a[i - 1] == b[j - 1] ? diag : 1 + min3(diag, row[j - 1], row[j]);
			diag = tmp;
		}
	}
	return row[lb];
}

const char *
suggest_name(const char *name, const void *table, size_t n, size_t stride)
{
	const char *best = NULL;
	size_t bestd = 3;

	for (size_t i = 0; i < n; i++) {
		const char *cand;
		size_t d;

		memcpy(&cand, (const char *)table + i * stride, sizeof(cand));
		if (cand != NULL && (d = suggest_distance(name, cand)) < bestd) {
			bestd = d;
			best = cand;
		}
	}
	return best;
}
