/*
 * timestamp: points in time as AWS and people write them.
 *
 * AWS writes ISO 8601 UTC times (credential expirations, CloudTrail's
 * eventTime): 2024-05-01T12:00:00Z, perhaps with fractional seconds and a
 * Z, +HH:MM or +HHMM offset. People on a command line also write a bare
 * date (midnight UTC) or an age: "7d", "12h", "1h30m" ago (units.h's
 * durations).
 */
#ifndef CT_UTIL_TIMESTAMP_H
#define CT_UTIL_TIMESTAMP_H

#include <stddef.h>
#include <time.h>

/* RFC 3339 / ISO 8601 with a date, a time and an offset. 0 or -1. */
int timestamp_parse(const char *s, time_t *out);

/* What a person may write: a timestamp_parse() time, a date YYYY-MM-DD
 * (00:00 UTC), or a duration before now ("7d"). 0, or -1 with *why set. */
int timestamp_parse_when(const char *s, time_t now, time_t *out, const char **why);

/* "2026-12-07T10:05:00Z" into out (at least 21 bytes). */
void timestamp_format(time_t t, char *out, size_t outlen);

#endif
