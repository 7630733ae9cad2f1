/*
 * error: the words for each ct_error code and the setters that fill a
 * struct ct_error. See error.h.
 */
#include "util/error.h"

#include <stdio.h>
#include <string.h>

static const char *const words[CT_ERR__COUNT] = {
    [CT_OK] = "success",
    [CT_ERR_NOMEM] = "out of memory",
    [CT_ERR_IO] = "input/output error",
    [CT_ERR_USAGE] = "invalid usage",
    [CT_ERR_CONFIG] = "invalid configuration",
    [CT_ERR_UNSET] = "required setting not set",
    [CT_ERR_PATTERN] = "invalid event pattern",
    [CT_ERR_INFLATE] = "corrupt compressed data",
    [CT_ERR_JSON] = "invalid JSON",
    [CT_ERR_SHAPE] = "unexpected JSON shape",
    [CT_ERR_LIMIT] = "limit exceeded",
    [CT_ERR_NOTIFY] = "unknown notification",
    [CT_ERR_AWS] = "AWS request failed",
    [CT_ERR_INTERNAL] = "internal error",
};

const char *
ct_strerror(enum ct_err code)
{
	if ((unsigned)code >= CT_ERR__COUNT)
		return "unknown error";
	return words[code];
}

void
ct_error_clear(struct ct_error *e)
{
	if (e) {
		e->code = CT_OK;
		e->msg[0] = '\0';
	}
}

int
ct_error_vset(struct ct_error *e, enum ct_err code, const char *fmt, va_list ap)
{
	if (e) {
		e->code = code;
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	}
	return -1;
}

int
ct_error_set(struct ct_error *e, enum ct_err code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct_error_vset(e, code, fmt, ap);
	va_end(ap);
	return -1;
}

void
ct_error_prefix(struct ct_error *e, const char *fmt, ...)
{
	char prefix[CT_ERROR_MSG_MAX];
	size_t plen, mlen;
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	plen = strlen(prefix);
	if (plen > sizeof(e->msg) - 3)
		plen = sizeof(e->msg) - 3;
	mlen = strlen(e->msg);
	if (plen + 2 + mlen >= sizeof(e->msg))
		mlen = sizeof(e->msg) - plen - 3;
	memmove(e->msg + plen + 2, e->msg, mlen);
	memcpy(e->msg, prefix, plen);
	memcpy(e->msg + plen, ": ", 2);
	e->msg[plen + 2 + mlen] = '\0';
}
