/*
 * Unit tests of src/stream/skim: the SSE2 scanner and the portable one
 * (the same file built without SSE2) agree with a byte-at-a-time reading
 * of skim.h's rules, on random text cut into random chunks, from random
 * states; and the cases a record stream depends on, by hand.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The portable scanner, under another name. */
#define SKIM_PORTABLE
#define skim_close skim_close_portable
#include "stream/skim.c"
#undef skim_close
#undef SKIM_PORTABLE

#include "tests/lib/check_main.h"

size_t skim_close(struct skim *s, const char *p, size_t n, unsigned until, int *found);

/* skim.h's rules, one byte at a time. */
static size_t
reference(struct skim *s, const char *p, size_t n, unsigned until, int *found)
{
	*found = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (s->escape) {
			s->escape = 0;
			s->odd |= c != '"' && c != '\\';
		} else if (c == '\\') {
			s->escape = 1;
		} else if (c == '"') {
			s->in_string = !s->in_string;
		} else if (s->in_string) {
			continue;
		} else if (c == '{' || c == '[') {
			s->depth++;
		} else if ((c == '}' || c == ']') && s->depth > 0 && --s->depth == until) {
			*found = 1;
			return i + 1;
		}
	}
	return n;
}

typedef size_t (*skimmer)(struct skim *, const char *, size_t, unsigned, int *);

/* The stops of one scanner over p[0..n) cut at cuts[], as text. */
static void
run(skimmer f, struct skim s, const char *p, size_t n, const size_t *cuts, size_t ncuts,
    unsigned until, char *out, size_t cap)
{
	size_t at = 0, o = 0;

	for (size_t c = 0; c <= ncuts; c++) {
		size_t end = c < ncuts ? cuts[c] : n;
		while (at < end) {
			int found;
			size_t k = f(&s, p + at, end - at, until, &found);
			at += k;
			if (found && o + 32 < cap)
				o += (size_t)snprintf(out + o, cap - o, "@%zu odd%d ", at, s.odd);
		}
	}
	snprintf(out + o, cap - o, "end depth%u str%d esc%d odd%d", s.depth, s.in_string, s.escape,
	    s.odd);
}

START_TEST(random_text)
{
	static const char alphabet[] = "\"\"\\\\{}[]ab u/";
	char text[400], ref[4096], sse[4096], port[4096];
	size_t cuts[8];

	srand(7);
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = (size_t)rand() % sizeof(text), ncuts = (size_t)rand() % 8;
		struct skim s = {(unsigned)(rand() % 4), rand() % 2, rand() % 2, 0};
		unsigned until = (unsigned)(rand() % 3);

		for (size_t i = 0; i < n; i++)
			text[i] = alphabet[rand() % (sizeof(alphabet) - 1)];
		for (size_t i = 0; i < ncuts; i++)
			cuts[i] = n ? (size_t)rand() % n : 0;
		for (size_t i = 1; i < ncuts; i++) /* sorted */
			for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
				size_t t = cuts[j];
				cuts[j] = cuts[j - 1];
				cuts[j - 1] = t;
			}
		run(reference, s, text, n, cuts, ncuts, until, ref, sizeof(ref));
		run(skim_close, s, text, n, cuts, ncuts, until, sse, sizeof(sse));
		run(skim_close_portable, s, text, n, cuts, ncuts, until, port, sizeof(port));
		ck_assert_msg(
		    strcmp(ref, sse) == 0, "iteration %d:\n ref %s\n got %s", iter, ref, sse);
		ck_assert_msg(
		    strcmp(ref, port) == 0, "iteration %d:\n ref %s\n got %s", iter, ref, port);
	}
}
END_TEST

/* A record's end, past strings full of brackets and escaped quotes, a
 * backslash that ends one chunk and escapes the next one's first byte, and
 * the escapes that make a record "odd". */
START_TEST(by_hand)
{
	struct skim s = {3, 0, 0, 0};
	const char *a = "\"x\":\"}]\\\"{\\\\\",\"y\":[{}],\"z\":\"\\";
	const char *b = "\"}\"},{";
	int found;

	ck_assert_uint_eq(skim_close(&s, a, strlen(a), 2, &found), strlen(a));
	ck_assert_int_eq(found, 0);
	ck_assert_int_eq(s.in_string, 1);
	ck_assert_int_eq(s.escape, 1);
	ck_assert_uint_eq(skim_close(&s, b, strlen(b), 2, &found), 4);
	ck_assert_int_eq(found, 1);
	ck_assert_int_eq(s.odd, 0);
	ck_assert_uint_eq(s.depth, 2);

	s = (struct skim){3, 0, 0, 0};
	ck_assert_uint_eq(skim_close(&s, "\"a\\u0041\"}", 10, 2, &found), 10);
	ck_assert_int_eq(s.odd, 1);
	s = (struct skim){3, 0, 0, 0};
	ck_assert_uint_eq(skim_close(&s, "\"a\\/b\"}", 7, 2, &found), 7);
	ck_assert_int_eq(s.odd, 1);
}
END_TEST

CT_CHECK_PROGRAM(.name = "skim", .timeout = 60, .once = CT_TESTS(random_text, by_hand))
