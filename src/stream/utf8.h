/*
 * utf8: strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates,
 * nothing past U+10FFFF. yajl checks only the shape of multi-byte sequences,
 * so the text of a record is checked again before anyone sees it.
 */
#ifndef CT_STREAM_UTF8_H
#define CT_STREAM_UTF8_H

#include <stddef.h>

/* The length of the longest valid prefix of s: n when all of it is valid. */
size_t utf8_valid_prefix(const unsigned char *s, size_t n);

#endif
