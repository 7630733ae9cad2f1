/*
 * error: the one error vocabulary of ctalertd.
 *
 * Every fallible function returns 0 (or a valid pointer) on success and -1
 * (or NULL) on failure, filling a caller-provided struct ct_error with a code
 * and a message that names the thing it is about: a file and byte offset, a
 * rule, a config line, a bucket/key, a message id. Messages never carry
 * secrets. The AWS layer keeps its richer struct ctaws_error (service, status,
 * request id, ...) and folds into CT_ERR_AWS here. The fixed text buffers of
 * the daemon's jobs and ack entries (object_job.error, ack_entry.error) only
 * carry a message already worded this way from a worker to the event loop;
 * what to do is decided by their outcome, never by their text.
 */
#ifndef CT_UTIL_ERROR_H
#define CT_UTIL_ERROR_H

#include <stdarg.h>

enum ct_err {
	CT_OK = 0,
	CT_ERR_NOMEM,    /* out of memory */
	CT_ERR_IO,       /* a read or write on a file or socket failed */
	CT_ERR_USAGE,    /* bad command-line arguments */
	CT_ERR_CONFIG,   /* invalid configuration file or option */
	CT_ERR_UNSET,    /* a setting the daemon cannot run without is not set */
	CT_ERR_PATTERN,  /* invalid event pattern in a rule */
	CT_ERR_INFLATE,  /* corrupt or truncated compressed data */
	CT_ERR_JSON,     /* input is not valid JSON (or not valid UTF-8) */
	CT_ERR_SHAPE,    /* valid JSON of the wrong shape (no Records, ...) */
	CT_ERR_LIMIT,    /* a configured limit was exceeded */
	CT_ERR_NOTIFY,   /* a queue message that is not a known notification */
	CT_ERR_AWS,      /* an AWS request failed; see the AWS layer's error */
	CT_ERR_INTERNAL, /* a bug: an invariant did not hold */
	CT_ERR__COUNT
};

#define CT_ERROR_MSG_MAX 1024

struct ct_error {
	enum ct_err code;           /* CT_OK while nothing failed */
	char msg[CT_ERROR_MSG_MAX]; /* human-readable, names the object */
};

/* Words for a code, e.g. "corrupt compressed data". */
const char *ct_strerror(enum ct_err code);

void ct_error_clear(struct ct_error *e);

/* Sets e (which may be NULL) and returns -1, so callers can
 * "return ct_error_set(err, CT_ERR_IO, "%s: %s", path, strerror(errno));". */
int ct_error_set(struct ct_error *e, enum ct_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ct_error_vset(struct ct_error *e, enum ct_err code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Puts "prefix: " before the message already in e (e.g. a file name). */
void ct_error_prefix(struct ct_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
