/*
 * timestamp: the three spellings tried in turn (see timestamp.h).
 */
#include "config.h"

#include "util/timestamp.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/clock.h"
#include "util/units.h"

/* YYYY-MM-DD alone: midnight UTC. */
static int
parse_date(const char *s, time_t *out)
{
	char iso[32];

	if (strlen(s) != 10 || strspn(s, "0123456789-") != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	snprintf(iso, sizeof(iso), "%sT00:00:00Z", s);
	return clock_parse_time(iso, out);
}

int
timestamp_parse_when(const char *s, time_t now, time_t *out, const char **why)
{
	uint64_t ago;

	if (clock_parse_time(s, out) == 0 || parse_date(s, out) == 0)
		return 0;
	if (units_duration(s, &ago, why) == -1 || ago > (uint64_t)now) {
		*why = "neither an RFC 3339 time (2026-12-01T10:00:00Z), a date (2026-12-01) nor "
		       "an age (7d, 12h, 1h30m)";
		return -1;
	}
	*out = now - (time_t)ago;
	return 0;
}
