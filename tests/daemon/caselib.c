/* caselib: the mutations and quoting of the daemon's tests (see caselib.h). */
#include "config.h"

#include "caselib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
case_quote(struct buf *out, const char *s, size_t n)
{
	buf_putc(out, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			buf_printf(out, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			buf_putc(out, (char)c);
		else
			buf_printf(out, "\\x%02x", c);
	}
	buf_putc(out, '"');
}

static unsigned long long
next_random(unsigned long long *s)
{
	/* xorshift64*: plenty for picking mutations */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

void
case_mutate(struct buf *b, unsigned long long *seed)
{
	static const char special[] = "\"\\{}[]:,%+0-9eE.\x00\xff\xc3\x80 tfn";
	int edits = 1 + (int)(next_random(seed) % 4);

	for (int e = 0; e < edits && b->len > 0; e++) {
		size_t at = (size_t)(next_random(seed) % b->len);
		char c = special[next_random(seed) % (sizeof(special) - 1)];

		switch (next_random(seed) % 4) {
		case 0: /* flip a bit */
			b->data[at] ^= (char)(1 << (next_random(seed) % 8));
			break;
		case 1: /* drop a byte */
			memmove(b->data + at, b->data + at + 1, b->len - at - 1);
			b->data[--b->len] = '\0';
			break;
		case 2: /* insert a special character */
			buf_putc(b, '\0');
			memmove(b->data + at + 1, b->data + at, b->len - at - 1);
			b->data[at] = c;
			break;
		default: /* overwrite with one */
			b->data[at] = c;
		}
	}
}
