/*
 * clock: clock_gettime() read as seconds, and AWS's timestamps read. See
 * clock.h for which clock a caller wants.
 */
#include "util/clock.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

static double
seconds(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
clock_mono_s(void)
{
	return seconds(CLOCK_MONOTONIC);
}

double
clock_wall_s(void)
{
	return seconds(CLOCK_REALTIME);
}

/* ---- timestamps -------------------------------------------------------- */

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

int
clock_parse_time(const char *s, time_t *out)
{
	struct tm tm;
	const char *p = s;
	long off;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || digits(&p, 4, &tm.tm_year) == -1 || expect(&p, "-") == -1 ||
	    digits(&p, 2, &tm.tm_mon) == -1 || expect(&p, "-") == -1 ||
	    digits(&p, 2, &tm.tm_mday) == -1 || expect(&p, "Tt ") == -1 ||
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
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*out = t - off;
	return 0;
}

void
clock_format_time(time_t t, char out[21])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(out, "1970-01-01T00:00:00Z");
}
