/*
 * text: how the matcher reads values: case folding, wildcards, IP addresses
 * and numbers, each the way EventBridge compares them.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_int.h"

/* Lower case of a code point in the two-byte UTF-8 range, or cp itself. */
static uint32_t
lower2(uint32_t cp)
{
	if ((cp >= 0xc0 && cp <= 0xde && cp != 0xd7) ||
	    (cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2) || (cp >= 0x410 && cp <= 0x42f))
		return cp + 0x20;
	if (cp >= 0x400 && cp <= 0x40f)
		return cp + 0x50;
	if ((cp >= 0x100 && cp <= 0x12f) || (cp >= 0x132 && cp <= 0x137) ||
	    (cp >= 0x14a && cp <= 0x177))
		return cp | 1;
	if (((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e)) && (cp & 1))
		return cp + 1;
	switch (cp) {
	case 0x178:
		return 0xff;
	case 0x386:
		return 0x3ac;
	case 0x388:
	case 0x389:
	case 0x38a:
		return cp + 37;
	case 0x38c:
		return 0x3cc;
	case 0x38e:
	case 0x38f:
		return cp + 63;
	case 0x3c2: /* final sigma compares equal to sigma */
		return 0x3c3;
	}
	return cp;
}

size_t
fold_case(const char *in, size_t len, char *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = s[i];
		if (ch < 0x80) {
			out[o++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
		} else if ((ch & 0xe0) == 0xc0 && i + 1 < len && (s[i + 1] & 0xc0) == 0x80) {
			uint32_t cp = lower2(((uint32_t)(ch & 0x1f) << 6) | (s[i + 1] & 0x3f));
			out[o++] = (char)(0xc0 | (cp >> 6));
			out[o++] = (char)(0x80 | (cp & 0x3f));
			i++;
		} else {
			out[o++] = (char)ch;
		}
	}
	return o;
}

int
glob_match(const struct glob *g, const char *s, size_t len)
{
	const struct pstr *first = &g->seg[0], *last = &g->seg[g->nseg - 1];
	size_t pos, end;

	if (g->nseg == 1)
		return len == first->len && memcmp(s, first->s, len) == 0;
	if (len < first->len + last->len || memcmp(s, first->s, first->len) != 0 ||
	    memcmp(s + len - last->len, last->s, last->len) != 0)
		return 0;
	pos = first->len;
	end = len - last->len;
	for (uint32_t i = 1; i + 1 < g->nseg; i++) {
		const struct pstr *seg = &g->seg[i];
		const char *hit;
		if (seg->len == 0)
			continue;
		hit = memmem(s + pos, end - pos, seg->s, seg->len);
		if (hit == NULL)
			return 0;
		pos = (size_t)(hit - s) + seg->len;
	}
	return 1;
}

/* Dotted-quad IPv4 as inet_pton(3) reads it: four decimal parts of at most
 * 255, no leading zeros. By hand: it runs on every value of a field that a
 * rule compares as an address. */
static int
parse_ipv4(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t start;
		unsigned v = 0;
		if (part > 0 && (i >= len || s[i++] != '.'))
			return 0;
		for (start = i; i < len && i - start < 3 && s[i] >= '0' && s[i] <= '9'; i++)
			v = v * 10 + (unsigned)(s[i] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return 0;
		out[part] = (uint8_t)v;
	}
	return i == len;
}

/* AWS only tries strings of this shape as IPv6 addresses. */
static int
looks_ipv6(const char *s, size_t len)
{
	int colon = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == ':')
			colon = 1;
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		             (c >= 'A' && c <= 'F')))
			return 0;
	}
	return colon;
}

int
ip_parse(const char *s, size_t len, uint8_t out[16])
{
	char buf[64];

	if (len == 0 || len >= sizeof(buf))
		return 0;
	if (s[0] >= '0' && s[0] <= '9' && parse_ipv4(s, len, out))
		return 4;
	if (!looks_ipv6(s, len))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1 ? 16 : 0;
}

int
quantize_double(double d, int64_t *q)
{
	if (!(d >= -MATCH_NUM_LIMIT && d <= MATCH_NUM_LIMIT))
		return -1;
	*q = (int64_t)(1e6 * (MATCH_NUM_LIMIT + d));
	return 0;
}

int
number_quantize(const char *text, size_t len, int64_t *q)
{
	char buf[128], *end;
	double d;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	d = strtod(buf, &end);
	if (end != buf + len)
		return -1;
	return quantize_double(d, q);
}
