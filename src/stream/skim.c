/*
 * skim: quotes, backslashes and brackets, 64 bytes at a time.
 *
 * Each block becomes four bit masks (a bit per byte): quotes, backslashes,
 * opening and closing brackets. The escaped bytes follow from the
 * backslashes (a run of them escapes every other byte; few blocks have
 * any); the unescaped quotes give, by a running parity (prefix xor), which
 * bytes are inside strings; the brackets outside strings are counted one
 * by one (a block of CloudTrail's JSON has one or two).
 */
#include "config.h"

#include "stream/skim.h"

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__) && !defined(SKIM_PORTABLE)
#include <emmintrin.h>
#endif

#define BLOCK 64

struct masks {
	uint64_t quote, bslash, open, close;
};

#if defined(__SSE2__) && !defined(SKIM_PORTABLE)
static inline uint64_t
bits(__m128i v, __m128i c)
{
	return (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, c));
}

/* '[' and '{' differ only in 0x20, as do ']' and '}': one compare each. */
static inline void
block_masks(const char *p, struct masks *m)
{
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
	              open = _mm_set1_epi8('{'), close = _mm_set1_epi8('}'),
	              fold = _mm_set1_epi8(0x20);

	*m = (struct masks){0, 0, 0, 0};
	for (int i = 0; i < BLOCK / 16; i++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
		__m128i f = _mm_or_si128(v, fold);
		m->quote |= bits(v, quote) << (16 * i);
		m->bslash |= bits(v, bslash) << (16 * i);
		m->open |= bits(f, open) << (16 * i);
		m->close |= bits(f, close) << (16 * i);
	}
}
#else
static inline void
block_masks(const char *p, struct masks *m)
{
	*m = (struct masks){0, 0, 0, 0};
	for (int i = 0; i < BLOCK; i++) {
		uint64_t bit = 1ULL << i;
		switch (p[i]) {
		case '"':
			m->quote |= bit;
			break;
		case '\\':
			m->bslash |= bit;
			break;
		case '{':
		case '[':
			m->open |= bit;
			break;
		case '}':
		case ']':
			m->close |= bit;
			break;
		}
	}
}
#endif

/* The bytes escaped by a backslash that is not escaped itself. *carry: in,
 * the block's first byte is escaped; out, the next block's is. */
static inline uint64_t
escaped(uint64_t bs, int *carry)
{
	uint64_t esc = 0;

	if (*carry) {
		esc = 1;
		bs &= ~1ULL; /* an escaped backslash escapes nothing */
	}
	*carry = 0;
	while (bs != 0) {
		int i = __builtin_ctzll(bs);
		if (i == BLOCK - 1) {
			*carry = 1;
			break;
		}
		esc |= 2ULL << i;
		bs &= ~(3ULL << i);
	}
	return esc;
}

/* Bit i: an odd number of bits 0..i of x are set. */
static inline uint64_t
prefix_xor(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}

size_t
skim_close(struct skim *s, const char *p, size_t n, unsigned until, int *found)
{
	size_t i = 0;

	*found = 0;
	while (i < n) {
		size_t len = n - i < BLOCK ? n - i : BLOCK;
		uint64_t valid = len == BLOCK ? ~0ULL : (1ULL << len) - 1;
		const char *blk = p + i;
		char pad[BLOCK];
		struct masks m;
		int carry = s->escape;
		uint64_t esc, odd, quote, in, open, close;

		if (len < BLOCK) { /* the last bytes, padded with spaces: nothing to see */
			memset(pad, ' ', sizeof(pad));
			memcpy(pad, blk, len);
			blk = pad;
		}
		block_masks(blk, &m);
		esc = (m.bslash != 0 || carry) ? escaped(m.bslash, &carry) : 0;
		if (len < BLOCK) /* a backslash last escapes the next chunk's first byte */
			carry = (int)(((m.bslash & ~esc) >> (len - 1)) & 1), esc &= valid;
		odd = esc & ~(m.quote | m.bslash);
		quote = m.quote & ~esc;
		in = prefix_xor(quote) ^ (s->in_string ? ~0ULL : 0);
		open = m.open & ~in & ~esc;
		close = m.close & ~in & ~esc;
		for (uint64_t st = open | close; st != 0; st &= st - 1) {
			int b = __builtin_ctzll(st);
			if ((open >> b) & 1) {
				s->depth++;
			} else if (s->depth > 0 && --s->depth == until) {
				uint64_t upto = b == BLOCK - 1 ? ~0ULL : (2ULL << b) - 1;
				s->odd |= (odd & upto) != 0;
				s->in_string = 0;
				s->escape = 0;
				*found = 1;
				return i + (size_t)b + 1;
			}
		}
		s->odd |= odd != 0;
		s->in_string = (int)((in >> (len - 1)) & 1);
		s->escape = carry;
		i += len;
	}
	return n;
}
