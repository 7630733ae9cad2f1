/*
 * skim: where JSON containers close, found without parsing.
 *
 * The record stream hands a record to the parser only when the prefilter
 * says it may match; to skip one it must know where the record ends, which
 * means telling the brackets of the JSON text from those inside strings.
 * skim follows just that: quotes, backslashes and brackets, 64 bytes at a
 * time with SSE2 where there is SSE2 (byte by byte otherwise, to the same
 * result), carrying its state from one chunk to the next.
 *
 * What it checks is only that: a backslash escapes the byte after it
 * (anywhere), an unescaped quote opens or closes a string, and '{' '['
 * open and '}' ']' close a container outside strings. It does not check
 * that brackets pair by kind, nor anything else of JSON: that is for the
 * parser, where a record is parsed.
 */
#ifndef CT_STREAM_SKIM_H
#define CT_STREAM_SKIM_H

#include <stddef.h>

struct skim {
	unsigned depth; /* open containers */
	int in_string;  /* inside a string */
	int escape;     /* the next byte is escaped by a backslash */
	int odd;        /* an escape of something other than '"' and '\\' was seen (\u, \/,
	                   \n, ...): the text may spell a value other than byte for byte */
};

/* Scans p[0..n) on from s, and stops just after the closing bracket that
 * brings the depth down to `until`: returns the bytes scanned and sets
 * *found; else returns n with *found 0. s is updated either way. */
size_t skim_close(struct skim *s, const char *p, size_t n, unsigned until, int *found);

#endif
