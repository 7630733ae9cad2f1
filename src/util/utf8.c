/*
 * utf8: strict validation (RFC 3629), cuts that keep sequences whole, and
 * scrubbing text for people to read.
 */
#include "util/utf8.h"

#include <stdint.h>
#include <string.h>

#define HIGH_BITS 0x8080808080808080ull

/* Whether the 32 bytes at p are all ASCII. */
static int
ascii32(const unsigned char *p)
{
	uint64_t w[4];

	memcpy(w, p, sizeof(w));
	return ((w[0] | w[1] | w[2] | w[3]) & HIGH_BITS) == 0;
}

size_t
utf8_valid_prefix(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned lo = 0x80, hi = 0xbf;
		uint64_t w;

		/* Records are mostly ASCII: 32 bytes, then 8, at a time. */
		while (i + 32 <= n && ascii32(s + i))
			i += 32;
		if (i + 8 <= n && (memcpy(&w, s + i, 8), (w & HIGH_BITS) == 0)) {
			i += 8;
			continue;
		}
		if (i >= n)
			break;
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			lo = c == 0xe0 ? 0xa0 : 0x80;
			hi = c == 0xed ? 0x9f : 0xbf;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			lo = c == 0xf0 ? 0x90 : 0x80;
			hi = c == 0xf4 ? 0x8f : 0xbf;
		} else
			return i;
		if (k >= n - i)
			return i;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (size_t j = 2; j <= k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return i;
		i += k + 1;
	}
	return n;
}

int
utf8_valid(const char *s, size_t n)
{
	return utf8_valid_prefix((const unsigned char *)s, n) == n;
}

size_t
utf8_floor(const char *s, size_t len, size_t at)
{
	if (at >= len)
		return len;
	while (at > 0 && ((unsigned char)s[at] & 0xc0) == 0x80)
		at--;
	return at;
}

void
text_scrub(char *s, size_t n, char repl)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = repl;
	for (size_t i = 0; i < n; i++) {
		i += utf8_valid_prefix((const unsigned char *)s + i, n - i);
		if (i < n)
			s[i] = repl;
	}
}
