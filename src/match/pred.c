/*
 * pred: the value tests of Sigma rules that EventBridge has no operator for,
 * tried on every string value at their field: globs with '*' and '?'
 * (case-insensitive unless cased) and regular expressions (PCRE2).
 *
 * They are atoms like any other (A_PRED), written in the JSON a Sigma rule
 * is compiled to with operators only Sigma rules may use:
 *
 *   {"sigma-glob": "text"}          Sigma's plain value: '*' any characters,
 *                                   '?' one, '\' escapes the next '*', '?' or '\'
 *   {"sigma-glob-cased": "text"}    the same, case-sensitive
 *   {"sigma-re": ["FLAGS", "RE"]}   a PCRE2 expression; FLAGS of i, m, s
 *
 * Plain values the index can serve (no wildcard, or '*' only at the ends)
 * never come here: the Sigma compiler writes them as equals-ignore-case,
 * prefix and suffix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "match/match_int.h"

int
pred_glob_compile(struct arena *a, const char *s, int cased, struct pred *p)
{
	size_t len = strlen(s), n = 0;
	char *folded = NULL;

	p->kind = cased ? PRED_GLOB_CASED : PRED_GLOB;
	if (!cased) {
		if ((folded = arena_alloc(a, 2 * len + 1)) == NULL)
			return -1;
		len = fold_case(s, len, folded);
		s = folded;
	}
	if ((p->tok = arena_alloc(a, (len + 1) * sizeof(*p->tok))) == NULL)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\\' && i + 1 < len &&
		    (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\'))
			p->tok[n++] = (unsigned char)s[++i];
		else if (ch == '*')
			p->tok[n++] = TOK_STAR;
		else if (ch == '?')
			p->tok[n++] = TOK_ONE;
		else
			p->tok[n++] = ch;
	}
	p->ntok = (uint32_t)n;
	return 0;
}

/* Bytes of the UTF-8 character at s[0] (1 for a stray byte). */
static size_t
utf8_len(const unsigned char *s, size_t left)
{
	size_t n = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : *s >= 0xc0 ? 2 : 1;

	return n <= left ? n : 1;
}

/* The classic greedy match with one backtrack point per star: linear in
 * practice, value length times pattern length at worst. */
static int
glob_tokens(const uint16_t *t, uint32_t nt, const unsigned char *s, size_t len)
{
	uint32_t ti = 0, star = UINT32_MAX;
	size_t si = 0, mark = 0;

	while (si < len) {
		if (ti < nt && t[ti] == TOK_STAR) {
			star = ti++;
			mark = si;
		} else if (ti < nt && t[ti] == TOK_ONE) {
			ti++;
			si += utf8_len(s + si, len - si);
		} else if (ti < nt && t[ti] == s[si]) {
			ti++;
			si++;
		} else if (star != UINT32_MAX) {
			ti = star + 1;
			mark += utf8_len(s + mark, len - mark);
			si = mark;
		} else {
			return 0;
		}
	}
	while (ti < nt && t[ti] == TOK_STAR)
		ti++;
	return ti == nt;
}

int
pred_re_compile(const char *flags, const char *re, struct pred *p, char *why, size_t whylen)
{
	uint32_t opt = PCRE2_UTF;
	int code;
	PCRE2_SIZE off;

	for (; *flags; flags++) {
		if (*flags == 'i')
			opt |= PCRE2_CASELESS;
		else if (*flags == 'm')
			opt |= PCRE2_MULTILINE;
		else if (*flags == 's')
			opt |= PCRE2_DOTALL;
		else {
			snprintf(why, whylen, "unknown regular expression flag '%c'", *flags);
			return -1;
		}
	}
	p->kind = PRED_REGEX;
	p->re = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, opt, &code, &off, NULL);
	if (p->re == NULL) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(why, whylen, "regular expression at offset %zu: %s", (size_t)off,
		    (const char *)msg);
		return -1;
	}
	pcre2_jit_compile(p->re, PCRE2_JIT_COMPLETE); /* faster when it can; fine when not */
	return 0;
}

void
pred_free(struct pred *p)
{
	if (p->kind == PRED_REGEX && p->re != NULL)
		pcre2_code_free(p->re);
	p->re = NULL;
}

void *
pred_scratch_new(void)
{
	return pcre2_match_data_create(1, NULL);
}

void
pred_scratch_free(void *scratch)
{
	pcre2_match_data_free(scratch);
}

int
pred_match(
    const struct pred *p, const char *s, size_t len, const char *folded, size_t flen, void *scratch)
{
	switch (p->kind) {
	case PRED_GLOB:
		return glob_tokens(p->tok, p->ntok, (const unsigned char *)folded, flen);
	case PRED_GLOB_CASED:
		return glob_tokens(p->tok, p->ntok, (const unsigned char *)s, len);
	default:
		/* a value that is not UTF-8 is an error, and so no match */
		return scratch != NULL &&
		       pcre2_match(p->re, (PCRE2_SPTR)s, len, 0, 0, scratch, NULL) >= 0;
	}
}
