/*
 * timestamp: points in time as people write them on a command line
 * (`ctalertd scan --since/--until`): an RFC 3339 time as AWS writes them
 * (clock_parse_time), a bare date (00:00 UTC), or an age before now: "7d",
 * "12h", "1h30m" (units.h's durations).
 */
#ifndef CT_UTIL_TIMESTAMP_H
#define CT_UTIL_TIMESTAMP_H

#include <stddef.h>
#include <time.h>

/* 0 and *out, or -1 with *why saying what is wrong. */
int timestamp_parse_when(const char *s, time_t now, time_t *out, const char **why);

#endif
