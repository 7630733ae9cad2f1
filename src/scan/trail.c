/*
 * trail: the layout walked segment by segment (see trail.h).
 */
#include "config.h"

#include "scan/trail.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "util/clock.h"

#define CUSTOM_PREFIX_DEPTH_MAX 3 /* folders of a custom prefix walked above AWSLogs/ */

/* The next segment of a folder at *p ("a/" -> "a", moved past the '/'), or
 * 0 when none is left. */
static size_t
segment(const char **p, const char **seg)
{
	const char *slash = strchr(*p, '/');
	size_t n;

	if (slash == NULL)
		return 0;
	n = (size_t)(slash - *p);
	*seg = *p;
	*p = slash + 1;
	return n;
}

static int
is_seg(const char *seg, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(seg, word, n) == 0;
}

static int
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return n > 0;
}

static void
copy_seg(char *out, size_t outlen, const char *seg, size_t n)
{
	snprintf(out, outlen, "%.*s", (int)n, seg);
}

/* From just after AWSLogs/: [o-ORGID/]ACCOUNT/CloudTrail/REGION/... */
static void
place_below_awslogs(const char *folder, const char *p, struct trail_place *out)
{
	const char *seg;
	size_t n;

	out->level = TRAIL_AWSLOGS;
	if ((n = segment(&p, &seg)) == 0)
		return;
	if (n > 2 && strncmp(seg, "o-", 2) == 0) {
		out->level = TRAIL_ORG;
		if ((n = segment(&p, &seg)) == 0)
			return;
	}
	if (n != 12 || !all_digits(seg, n)) {
		out->level = TRAIL_OTHER;
		return;
	}
	out->level = TRAIL_ACCOUNT;
	copy_seg(out->account, sizeof(out->account), seg, n);
	if ((n = segment(&p, &seg)) == 0)
		return;
	if (!is_seg(seg, n, "CloudTrail")) {
		out->level = TRAIL_OTHER;
		return;
	}
	out->level = TRAIL_CLOUDTRAIL;
	if ((n = segment(&p, &seg)) == 0)
		return;
	out->level = TRAIL_REGION;
	copy_seg(out->region, sizeof(out->region), seg, n);
	out->region_len = (size_t)(p - folder);
}

void
trail_place_of(const char *folder, struct trail_place *out)
{
	const char *p = folder, *seg;
	size_t n;

	memset(out, 0, sizeof(*out));
	out->level = TRAIL_ABOVE;
	while ((n = segment(&p, &seg)) != 0) {
		if (is_seg(seg, n, "AWSLogs")) {
			place_below_awslogs(folder, p, out);
			return;
		}
		out->depth_above++;
	}
}

static int
wanted(const char *s, const char *const *v, size_t n)
{
	if (n == 0)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, v[i]) == 0)
			return 1;
	return 0;
}

int
trail_walk_into(const struct trail_place *place, const char *child, const struct trail_filter *f)
{
	struct trail_place c;

	trail_place_of(child, &c);
	switch (c.level) {
	case TRAIL_ABOVE:
		return place->level == TRAIL_ABOVE && c.depth_above <= CUSTOM_PREFIX_DEPTH_MAX;
	case TRAIL_AWSLOGS:
	case TRAIL_ORG:
	case TRAIL_CLOUDTRAIL:
		return 1;
	case TRAIL_ACCOUNT:
		return wanted(c.account, f->accounts, f->naccounts);
	case TRAIL_REGION:
		return wanted(c.region, f->regions, f->nregions);
	default:
		return 0;
	}
}

int
trail_start_after(const char *region_folder, const char *account, const char *region, time_t since,
    char *out, size_t outlen)
{
	struct tm tm;
	char day[16], minute[16];
	int n;

	if (gmtime_r(&since, &tm) == NULL)
		return -1;
	strftime(day, sizeof(day), "%Y/%m/%d", &tm);
	strftime(minute, sizeof(minute), "%Y%m%dT%H%MZ", &tm);
	n = snprintf(
	    out, outlen, "%s%s/%s_CloudTrail_%s_%s", region_folder, day, account, region, minute);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* YYYYMMDDTHHMMZ at s. */
static time_t
name_time(const char *s)
{
	char iso[32];
	time_t t;

	if (!all_digits(s, 8) || s[8] != 'T' || !all_digits(s + 9, 4) || s[13] != 'Z')
		return TRAIL_NO_TIME;
	snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT%.2s:%.2s:00Z", s, s + 4, s + 6, s + 9, s + 11);
	return clock_parse_time(iso, &t) == 0 ? t : TRAIL_NO_TIME;
}

time_t
trail_key_time(const char *key)
{
	const char *base = strrchr(key, '/');

	for (const char *p = base ? base + 1 : key; (p = strchr(p, '_')) != NULL; p++)
		if (strlen(p + 1) >= 14 && name_time(p + 1) != TRAIL_NO_TIME)
			return name_time(p + 1);
	return TRAIL_NO_TIME;
}

static int
is_log_name(const char *key)
{
	size_t n = strlen(key);

	return (n > 8 && strcmp(key + n - 8, ".json.gz") == 0) ||
	       (n > 5 && strcmp(key + n - 5, ".json") == 0);
}

enum trail_verdict
trail_key_verdict(const char *key, const struct trail_filter *f)
{
	time_t t = trail_key_time(key);

	if (t != TRAIL_NO_TIME && f->until != TRAIL_NO_TIME && t > f->until + TRAIL_SLACK_SECONDS)
		return TRAIL_PAST;
	if (!is_log_name(key))
		return TRAIL_SKIP;
	/* Named to the minute: delivered at most 59 s after t. */
	if (t != TRAIL_NO_TIME && f->since != TRAIL_NO_TIME && t + 60 <= f->since)
		return TRAIL_SKIP;
	return TRAIL_FETCH;
}

int
trail_event_in_range(const char *event_time, const struct trail_filter *f)
{
	time_t t;

	if (f->since == TRAIL_NO_TIME && f->until == TRAIL_NO_TIME)
		return 1;
	if (event_time == NULL || clock_parse_time(event_time, &t) == -1)
		return 0;
	return (f->since == TRAIL_NO_TIME || t >= f->since) &&
	       (f->until == TRAIL_NO_TIME || t <= f->until);
}
