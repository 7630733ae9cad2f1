/*
 * source: which announced objects the daemon may fetch.
 *
 * Each (bucket, key, size) a notification names gets one verdict:
 *   fetch   scan it;
 *   skip    not a log to scan (a digest file, a key the filters leave out):
 *           nothing to do, and not an error;
 *   refuse  never fetched, and a permanent failure of the message: a bucket
 *           outside source.buckets (a notification from elsewhere must not
 *           make the daemon read another bucket with its credentials), or an
 *           object over source.max_object_size.
 * Checked in that order: bucket, digest, include, exclude, size.
 *
 * Key patterns are shell globs (fnmatch(3) without FNM_PATHNAME) matched
 * against the whole key: '*' matches any run of characters including '/',
 * '?' one character, [...] a set, and '\' quotes the next character. So
 * AWSLogs/<star>/CloudTrail/<star> (with '*' for <star>) takes every account
 * and region, and <star>_CloudTrail_eu-<star> a region family. No include
 * pattern means every key.
 */
#ifndef CT_DAEMON_SOURCE_H
#define CT_DAEMON_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#define SOURCE_DIGEST_MARK "/CloudTrail-Digest/"
#define SOURCE_PATTERN_MAX 1024 /* bytes of one key pattern */
#define SOURCE_REASON_MAX  320

enum source_verdict {
	SOURCE_FETCH,
	SOURCE_SKIP,
	SOURCE_REFUSE,
	SOURCE_DIGEST, /* a CloudTrail digest, to verify (integrity.verify) */
};

struct source_policy {
	char *const *buckets; /* borrowed; the only buckets ever fetched */
	size_t n_buckets;
	char *const *include; /* borrowed; key patterns, none: every key */
	size_t n_include;
	char *const *exclude; /* borrowed; key patterns never fetched */
	size_t n_exclude;
	int skip_digest;          /* skip keys holding SOURCE_DIGEST_MARK */
	uint64_t max_object_size; /* bytes; 0: no limit */
	int verify_digest;        /* digests are read and verified, before skip_digest */
};

/* The verdict on one object; size is -1 when unknown. For skip and refuse,
 * reason (SOURCE_REASON_MAX bytes) says why, naming the setting involved. */
enum source_verdict source_check(
    const struct source_policy *p, const char *bucket, const char *key, int64_t size, char *reason);

/* The size check alone, for when the size is learned at fetch time
 * (Content-Length): 0 if size fits, else -1 with reason filled. */
int source_size_check(const struct source_policy *p, uint64_t size, char *reason);

/* "fetch", "skip", "refuse". */
const char *source_verdict_name(enum source_verdict v);

/* NULL if pattern is usable, else why not. */
const char *source_pattern_problem(const char *pattern);

#endif
