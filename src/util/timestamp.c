/*
 * timestamp: a strict hand-written parser, so that "2024-05-01T12:00:00"
 * without an offset is refused rather than read in the local zone.
 */
#include "config.h"

#include "util/timestamp.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/units.h"

static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int
expect(const char **p, const char *set)
{
	if (**p == '\0' || strchr(set, **p) == NULL)
		return -1;
	(*p)++;
	return 0;
}

/* "Z", "+HH:MM", "+HHMM" or "+HH" into seconds east of UTC. */
static int
parse_offset(const char *p, long *off)
{
	int sign, hh, mm = 0;

	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*off = 0;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (digits(&p, 2, &hh) == -1)
		return -1;
	if (*p == ':')
		p++;
	if (*p != '\0' && digits(&p, 2, &mm) == -1)
		return -1;
	if (*p != '\0' || hh > 23 || mm > 59)
		return -1;
	*off = sign * (hh * 3600L + mm * 60L);
	return 0;
}

/* YYYY-MM-DD at *p into tm (year and month as written). */
static int
parse_date(const char **p, struct tm *tm)
{
	return digits(p, 4, &tm->tm_year) == -1 || expect(p, "-") == -1 ||
	               digits(p, 2, &tm->tm_mon) == -1 || expect(p, "-") == -1 ||
	               digits(p, 2, &tm->tm_mday) == -1
	           ? -1
	           : 0;
}

/* tm as written (year, month from 1) and an offset east of UTC. */
static int
to_time(struct tm *tm, long off, time_t *out)
{
	time_t t;

	if (tm->tm_mon < 1 || tm->tm_mon > 12 || tm->tm_mday < 1 || tm->tm_mday > 31 ||
	    tm->tm_hour > 23 || tm->tm_min > 59 || tm->tm_sec > 60)
		return -1;
	tm->tm_year -= 1900;
	tm->tm_mon -= 1;
	if ((t = timegm(tm)) == (time_t)-1)
		return -1;
	*out = t - off;
	return 0;
}

int
timestamp_parse(const char *s, time_t *out)
{
	struct tm tm;
	const char *p = s;
	long off;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || parse_date(&p, &tm) == -1 || expect(&p, "Tt ") == -1 ||
	    digits(&p, 2, &tm.tm_hour) == -1 || expect(&p, ":") == -1 ||
	    digits(&p, 2, &tm.tm_min) == -1 || expect(&p, ":") == -1 ||
	    digits(&p, 2, &tm.tm_sec) == -1)
		return -1;
	if (*p == '.' || *p == ',') {
		if (!isdigit((unsigned char)*++p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (parse_offset(p, &off) == -1)
		return -1;
	return to_time(&tm, off, out);
}

int
timestamp_parse_when(const char *s, time_t now, time_t *out, const char **why)
{
	struct tm tm;
	const char *p = s;
	uint64_t ago;

	if (timestamp_parse(s, out) == 0)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if (parse_date(&p, &tm) == 0) {
		if (*p == '\0' && to_time(&tm, 0, out) == 0)
			return 0;
		*why = "not a date (YYYY-MM-DD) or an RFC 3339 time (2026-12-01T10:00:00Z)";
		return -1;
	}
	if (units_duration(s, &ago, why) == -1 || ago > (uint64_t)now) {
		*why = "neither an RFC 3339 time (2026-12-01T10:00:00Z), a date nor an age "
		       "(7d, 12h, 1h30m)";
		return -1;
	}
	*out = now - (time_t)ago;
	return 0;
}

void
timestamp_format(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, outlen, "%lld", (long long)t);
}
