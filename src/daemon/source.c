/*
 * source: the fetch / skip / refuse verdict on an announced object.
 */
#include "config.h"

#include "daemon/source.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *
source_verdict_name(enum source_verdict v)
{
	switch (v) {
	case SOURCE_FETCH:
		return "fetch";
	case SOURCE_SKIP:
		return "skip";
	case SOURCE_REFUSE:
		return "refuse";
	case SOURCE_DIGEST:
		return "digest";
	}
	return "?";
}

const char *
source_pattern_problem(const char *pattern)
{
	size_t n = strlen(pattern), slashes = 0;

	if (n == 0)
		return "is empty";
	if (n > SOURCE_PATTERN_MAX)
		return "is longer than 1024 bytes";
	while (slashes < n && pattern[n - 1 - slashes] == '\\')
		slashes++;
	if (slashes % 2 == 1)
		return "ends in a '\\' that quotes nothing";
	return NULL;
}

static const char *
first_match(char *const *patterns, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(patterns[i], key, 0) == 0)
			return patterns[i];
	return NULL;
}

int
source_size_check(const struct source_policy *p, uint64_t size, char *reason)
{
	if (p->max_object_size == 0 || size <= p->max_object_size)
		return 0;
	snprintf(reason, SOURCE_REASON_MAX,
	    "object of %" PRIu64 " bytes is larger than source.max_object_size (%" PRIu64 ")", size,
	    p->max_object_size);
	return -1;
}

static int
bucket_allowed(const struct source_policy *p, const char *bucket)
{
	for (size_t i = 0; i < p->n_buckets; i++)
		if (strcmp(p->buckets[i], bucket) == 0)
			return 1;
	return 0;
}

enum source_verdict
source_check(
    const struct source_policy *p, const char *bucket, const char *key, int64_t size, char *reason)
{
	const char *pat;

	reason[0] = '\0';
	if (!bucket_allowed(p, bucket)) {
		snprintf(reason, SOURCE_REASON_MAX, "bucket \"%.100s\" is not in source.buckets",
		    bucket);
		return SOURCE_REFUSE;
	}
	if (p->verify_digest && strstr(key, SOURCE_DIGEST_MARK) != NULL)
		return SOURCE_DIGEST;
	if (p->skip_digest && strstr(key, SOURCE_DIGEST_MARK) != NULL) {
		snprintf(
		    reason, SOURCE_REASON_MAX, "a CloudTrail digest file (source.skip_digest)");
		return SOURCE_SKIP;
	}
	if (p->n_include > 0 && first_match(p->include, p->n_include, key) == NULL) {
		snprintf(reason, SOURCE_REASON_MAX, "matches no source.include pattern");
		return SOURCE_SKIP;
	}
	if ((pat = first_match(p->exclude, p->n_exclude, key)) != NULL) {
		snprintf(
		    reason, SOURCE_REASON_MAX, "matches source.exclude pattern \"%.200s\"", pat);
		return SOURCE_SKIP;
	}
	if (size >= 0 && source_size_check(p, (uint64_t)size, reason) == -1)
		return SOURCE_REFUSE;
	return SOURCE_FETCH;
}
