/*
 * trail: where CloudTrail puts its log objects in a bucket, and which of
 * them a time range needs. Pure functions of keys and times: no AWS here.
 *
 * The layout, below an optional custom prefix of the trail:
 *
 *   [PREFIX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/
 *       ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHMMZ_UNIQUE.json.gz
 *
 * Siblings of CloudTrail/ (CloudTrail-Digest/, CloudTrail-Insight/, ...)
 * hold no records of API calls and are never walked. Within a region the
 * keys sort by delivery time (day folders, then the time in the name), so a
 * listing can start at the first key that can be in range (StartAfter) and
 * stop at the first one past it.
 *
 * An object's key carries its delivery time, minutes after its events
 * happened: an object delivered before --since holds no event after it and
 * is never fetched; one delivered after --until may still hold events
 * before it, so objects are read up to TRAIL_SLACK_SECONDS past --until and
 * their records filtered by eventTime.
 */
#ifndef CT_SCAN_TRAIL_H
#define CT_SCAN_TRAIL_H

#include <stddef.h>
#include <time.h>

#define TRAIL_SLACK_SECONDS 3600 /* objects delivered this long after --until are read */
#define TRAIL_NO_TIME       ((time_t)-1)

/* How far down the layout a folder (a prefix ending in '/') reaches. */
enum trail_level {
	TRAIL_ABOVE,      /* no AWSLogs/ yet: the bucket, or a custom prefix */
	TRAIL_AWSLOGS,    /* .../AWSLogs/ */
	TRAIL_ORG,        /* .../AWSLogs/o-ORGID/ */
	TRAIL_ACCOUNT,    /* .../ACCOUNT/ */
	TRAIL_CLOUDTRAIL, /* .../ACCOUNT/CloudTrail/ */
	TRAIL_REGION,     /* .../CloudTrail/REGION/, or deeper (into the days) */
	TRAIL_OTHER,      /* a sibling of CloudTrail/, or not the layout at all */
};

/* What a folder says about where it is: pointers are not kept, strings copied. */
struct trail_place {
	enum trail_level level;
	size_t region_len; /* TRAIL_REGION: bytes of the prefix up to REGION/ */
	char account[16];  /* from ACCOUNT on, else "" */
	char region[32];   /* from REGION on, else "" */
	int depth_above;   /* TRAIL_ABOVE: folders of the custom prefix */
};

/* Which accounts and regions are wanted; n == 0: all. */
struct trail_filter {
	const char *const *accounts; /* borrowed, 12-digit ids */
	size_t naccounts;
	const char *const *regions; /* borrowed */
	size_t nregions;
	time_t since; /* TRAIL_NO_TIME: from the start */
	time_t until; /* TRAIL_NO_TIME: to the end */
};

/* Where folder ("" for the bucket, else ending in '/') is. */
void trail_place_of(const char *folder, struct trail_place *out);

/* Whether the listing of a folder at place should walk into its child
 * folder (a CommonPrefix, the whole key prefix): AWSLogs/ and, above it, up
 * to a few folders of a custom prefix; organisations; wanted accounts;
 * CloudTrail/ only; wanted regions. */
int trail_walk_into(
    const struct trail_place *place, const char *child, const struct trail_filter *f);

/* The StartAfter key for listing a region's folder (region_folder is
 * .../CloudTrail/REGION/) from since: the name an object delivered at since,
 * to the minute, would have without its unique part, so every object
 * delivered then or later follows it. 0, or -1 when out is too small. */
int trail_start_after(const char *region_folder, const char *account, const char *region,
    time_t since, char *out, size_t outlen);

/* The delivery time in a log object's name (..._YYYYMMDDTHHMMZ_...), or
 * TRAIL_NO_TIME. */
time_t trail_key_time(const char *key);

/* What a listing does with a key under a region's folder. */
enum trail_verdict {
	TRAIL_FETCH, /* a log object that can hold records in range */
	TRAIL_SKIP,  /* not a log object, or delivered before since */
	TRAIL_PAST,  /* delivered after until + slack: so is every key after it */
};

enum trail_verdict trail_key_verdict(const char *key, const struct trail_filter *f);

/* 1 when a record's eventTime (RFC 3339; NULL when absent) is within
 * [since, until]. A record without a readable time is kept only when no
 * range was asked for. */
int trail_event_in_range(const char *event_time, const struct trail_filter *f);

#endif
