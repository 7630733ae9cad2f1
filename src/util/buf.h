/*
 * buf: a growable byte buffer.
 *
 * The buffer owns its storage. data is always NUL-terminated (one byte past
 * len is reserved), so a buffer of text can be handed to C string functions.
 * Allocation failure is reported, never fatal: every growing call returns 0
 * on success and -1 when memory could not be had, leaving the buffer as it was.
 */
#ifndef CT_UTIL_BUF_H
#define CT_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;   /* owned; NULL until the first append */
	size_t len;   /* bytes in use, not counting the terminating NUL */
	size_t cap;   /* bytes allocated */
};

#define BUF_INIT {NULL, 0, 0}

void buf_init(struct buf *b);
void buf_free(struct buf *b);                       /* releases storage, leaves b empty */
void buf_reset(struct buf *b);                      /* len = 0, keeps storage */
int buf_reserve(struct buf *b, size_t extra);       /* room for extra more bytes */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
char *buf_detach(struct buf *b);                    /* hands data to the caller (never NULL on success) */

#endif
