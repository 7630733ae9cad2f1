/*
 * log: formats one entry for the sink chosen at start-up (text, JSON line
 * or native journald fields) and writes it with one system call, so lines
 * from the loop and the workers never interleave. See log.h.
 */
#include "config.h"

#include "util/log.h"
#include "util/buf.h"
#include "util/json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_SYSTEMD
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#endif

static const char *log_progname = "ctalertd";
static enum log_target log_target = LOG_TARGET_TEXT;
static int log_level = LOG_INFO;

static const char *const level_names[] = {
    [LOG_EMERG] = "emerg",
    [LOG_ALERT] = "alert",
    [LOG_CRIT] = "crit",
    [LOG_ERR] = "error",
    [LOG_WARNING] = "warning",
    [LOG_NOTICE] = "notice",
    [LOG_INFO] = "info",
    [LOG_DEBUG] = "debug",
};

#ifdef HAVE_SYSTEMD
/* True when stderr is the stream journald handed us (JOURNAL_STREAM=dev:ino). */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}
#endif

void
log_init(const char *progname, enum log_target target, int level)
{
	if (progname)
		log_progname = progname;
	if (target == LOG_TARGET_AUTO) {
#ifdef HAVE_SYSTEMD
		if (stderr_is_journal())
			target = LOG_TARGET_JOURNAL;
		else
#endif
			target = isatty(STDERR_FILENO) ? LOG_TARGET_TEXT : LOG_TARGET_JSON;
	}
#ifndef HAVE_SYSTEMD
	if (target == LOG_TARGET_JOURNAL)
		target = LOG_TARGET_JSON;
#endif
	log_target = target;
	log_level = level;
}

void
log_set_level(int level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return log_level;
}

enum log_target
log_get_target(void)
{
	return log_target;
}

const char *
log_plural(unsigned long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

int
log_level_parse(const char *name)
{
	if (strcasecmp(name, "warn") == 0)
		return LOG_WARNING;
	if (strcasecmp(name, "err") == 0)
		return LOG_ERR;
	for (int i = LOG_ERR; i <= LOG_DEBUG; i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

static void
write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void
emit_text(int prio, const struct log_field *f, const char *msg)
{
	struct buf b = BUF_INIT;
	int first = 1;

	buf_printf(&b, "%s: ", log_progname);
	if (prio != LOG_INFO && prio != LOG_NOTICE)
		buf_printf(&b, "%s: ", level_names[prio]);
	buf_puts(&b, msg);
	for (; f && f->key; f++) {
		/* A person reads this line: a field the message already says
		 * (the rule, the message id, the object) is not said twice. */
		if (f->value == NULL || strstr(msg, f->value) != NULL)
			continue;
		buf_puts(&b, first ? " (" : " ");
		for (const char *k = f->key; *k; k++)
			buf_putc(&b, (char)(*k >= 'A' && *k <= 'Z' ? *k + 32 : *k));
		buf_printf(&b, "=%s", f->value);
		first = 0;
	}
	if (!first)
		buf_putc(&b, ')');
	buf_putc(&b, '\n');
	if (b.data)
		write_all(b.data, b.len);
	buf_free(&b);
}

static void
emit_json_members(int prio, const struct log_field *f, const char *msg, const char *members)
{
	struct buf b = BUF_INIT;
	struct timespec ts;
	struct tm tm;
	char when[40];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(&b, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"msg\":", when,
	    ts.tv_nsec / 1000000, level_names[prio]);
	json_put_string(&b, msg, strlen(msg));
	for (; f && f->key; f++) {
		if (f->value == NULL)
			continue;
		buf_puts(&b, ",\"");
		for (const char *k = f->key; *k; k++)
			buf_putc(&b, (char)(*k >= 'A' && *k <= 'Z' ? *k + 32 : *k));
		buf_puts(&b, "\":");
		json_put_string(&b, f->value, strlen(f->value));
	}
	if (members && *members) {
		buf_putc(&b, ',');
		buf_puts(&b, members);
	}
	buf_puts(&b, "}\n");
	if (b.data)
		write_all(b.data, b.len);
	buf_free(&b);
}

static void
emit_json(int prio, const struct log_field *f, const char *msg)
{
	emit_json_members(prio, f, msg, NULL);
}

#ifdef HAVE_SYSTEMD
static void
emit_journal(int prio, const struct log_field *f, const char *msg)
{
	struct iovec iov[24];
	char *owned[24];
	int n = 0, k;

	owned[n] = NULL;
	if (asprintf(&owned[n], "MESSAGE=%s", msg) >= 0) {
		iov[n].iov_base = owned[n];
		iov[n].iov_len = strlen(owned[n]);
		n++;
	}
	owned[n] = NULL;
	if (asprintf(&owned[n], "PRIORITY=%d", prio) >= 0) {
		iov[n].iov_base = owned[n];
		iov[n].iov_len = strlen(owned[n]);
		n++;
	}
	owned[n] = NULL;
	if (asprintf(&owned[n], "SYSLOG_IDENTIFIER=%s", log_progname) >= 0) {
		iov[n].iov_base = owned[n];
		iov[n].iov_len = strlen(owned[n]);
		n++;
	}
	for (; f && f->key && n < 24; f++) {
		if (f->value == NULL)
			continue;
		owned[n] = NULL;
		if (asprintf(&owned[n], "CTALERTD_%s=%s", f->key, f->value) < 0)
			continue;
		iov[n].iov_base = owned[n];
		iov[n].iov_len = strlen(owned[n]);
		n++;
	}
	sd_journal_sendv(iov, n);
	for (k = 0; k < n; k++)
		free(owned[k]);
}
#endif

static void
log_vfields(int prio, const struct log_field *fields, const char *fmt, va_list ap)
{
	char msg[4096];

	if (prio > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	switch (log_target) {
#ifdef HAVE_SYSTEMD
	case LOG_TARGET_JOURNAL:
		emit_journal(prio, fields, msg);
		break;
#endif
	case LOG_TARGET_JSON:
		emit_json(prio, fields, msg);
		break;
	default:
		emit_text(prio, fields, msg);
	}
}

void
log_json_members(int prio, const char *members, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	if (log_target == LOG_TARGET_JSON) {
		vsnprintf(msg, sizeof(msg), fmt, ap);
		emit_json_members(prio, NULL, msg, members);
	} else {
		log_vfields(prio, NULL, fmt, ap);
	}
	va_end(ap);
}

void
log_fields(int prio, const struct log_field *fields, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vfields(prio, fields, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	char msg[3072];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_fields(LOG_WARNING, NULL, "%s: %s", msg, strerror(saved));
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vfields(LOG_ERR, NULL, fmt, ap);
	va_end(ap);
	exit(2);
}
