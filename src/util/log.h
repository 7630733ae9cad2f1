/*
 * log: the small logging vocabulary used everywhere.
 *
 * Three sinks, chosen once at start-up (LOG_TARGET_AUTO picks):
 *   journal  stderr is connected to journald (JOURNAL_STREAM names it): native
 *            journal entries with structured fields CTALERTD_<KEY>=value;
 *   json     stderr is a pipe or file (ECS awslogs, containers): one JSON
 *            object per line {"time","level","msg", "<key>": value, ...};
 *   text     stderr is a terminal: "ctalertd: warning: msg (key=value ...)",
 *            leaving out fields whose value the message already says.
 * Every message names what it is about; structured fields repeat the names
 * (message id, bucket, key, rule, event id) so they can be queried.
 * All functions are thread-safe: each entry is written with one system call.
 */
#ifndef CT_UTIL_LOG_H
#define CT_UTIL_LOG_H

#include <syslog.h> /* LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG */

enum log_target {
	LOG_TARGET_AUTO,
	LOG_TARGET_TEXT,
	LOG_TARGET_JSON,
	LOG_TARGET_JOURNAL,
};

/* One structured field; key is upper-case ASCII ("MESSAGE_ID", "BUCKET"). */
struct log_field {
	const char *key;
	const char *value; /* NULL fields are skipped */
};

void log_init(const char *progname, enum log_target target, int level);
void log_set_level(int level);          /* a syslog priority: LOG_ERR .. LOG_DEBUG */
int log_get_level(void);
/* one or many by n, for counts in messages: "1 rule", "2 rules". */
const char *log_plural(unsigned long long n, const char *one, const char *many);
int log_level_parse(const char *name);  /* "error", "warning", "info", "debug" -> priority, -1 if unknown */
enum log_target log_get_target(void);

/* The general form: fields is an array ended by a {NULL, NULL} entry, or NULL. */
void log_fields(int prio, const struct log_field *fields, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A JSON log line with more members: with the JSON target, members (JSON
 * text of members, without braces, made by the caller) follow time, level
 * and msg, whatever the log level (what they carry, CloudWatch metrics,
 * must not depend on how talkative the log is); the other targets log the
 * message alone, as log_fields() does. */
void log_json_members(int prio, const char *members, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_err(...) log_fields(LOG_ERR, NULL, __VA_ARGS__)
#define log_warnx(...) log_fields(LOG_WARNING, NULL, __VA_ARGS__)
#define log_notice(...) log_fields(LOG_NOTICE, NULL, __VA_ARGS__)
#define log_info(...) log_fields(LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...) log_fields(LOG_DEBUG, NULL, __VA_ARGS__)

/* Like log_warnx, with ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Logs at LOG_ERR and exits with status 2 (reserved for start-up failures). */
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
