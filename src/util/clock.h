/*
 * clock: the two clocks ctalertd reads, and what each is for.
 *
 * Deadlines and durations (visibility, heartbeat, backoff, shutdown grace,
 * the ack window, how long an object took) run on the monotonic clock,
 * which never steps when the date is set: an NTP correction or an operator's
 * `date -s` must not make a message look expired or keep it hidden. The wall
 * clock is only for what people read and what AWS compares with its own
 * (log timestamps, SigV4 dates and clock skew, the lag since SentTimestamp).
 * libev's ev_now() is the wall clock: never use it for a deadline (its
 * ev_timer watchers run on the monotonic clock and are fine).
 */
#ifndef CT_UTIL_CLOCK_H
#define CT_UTIL_CLOCK_H

#include <time.h>

/* CLOCK_MONOTONIC, in seconds: only differences between two readings mean anything. */
double clock_mono_s(void);
/* CLOCK_REALTIME, in seconds since the epoch. */
double clock_wall_s(void);

/* An ISO 8601 / RFC 3339 timestamp as AWS writes them (CloudTrail's
 * eventTime, credential expirations): "2026-01-02T03:04:05Z", with
 * optional fractional seconds and a "Z", "+HH:MM", "+HHMM" or "+HH"
 * offset; 'T', 't' or a space between date and time. 0 and *out in
 * seconds since the epoch, or -1. */
int clock_parse_time(const char *s, time_t *out);
/* t as CloudTrail writes eventTime, "2026-01-02T03:04:05Z", into out[21]. */
void clock_format_time(time_t t, char out[21]);

#endif
