/*
 * utf8: strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates,
 * nothing past U+10FFFF. yajl checks only the shape of multi-byte sequences,
 * so the text of a record, a notification's key or a rule's string is checked
 * again here before anyone sees it. This is the only UTF-8 validator; it
 * steps over ASCII 32 bytes at a time, so it costs little on log records.
 */
#ifndef CT_UTIL_UTF8_H
#define CT_UTIL_UTF8_H

#include <stddef.h>

/* The length of the longest valid prefix of s: n when all of it is valid. */
size_t utf8_valid_prefix(const unsigned char *s, size_t n);

/* 1 when s[0..n) is well-formed UTF-8, else 0. */
int utf8_valid(const char *s, size_t n);

/* The largest cut <= at (at <= len) that does not split a UTF-8 sequence of
 * s[0..len) in two. */
size_t utf8_floor(const char *s, size_t len, size_t at);

/* Replaces every control character (below 0x20, and DEL) of s[0..n) and
 * every byte that is not part of well-formed UTF-8 by repl (an ASCII byte),
 * in place: text fit to quote in a message or an SNS attribute. */
void text_scrub(char *s, size_t n, char repl);

#endif
