/*
 * envelope: the EventBridge event that AWS builds around a CloudTrail record
 * ("AWS API Call via CloudTrail" and its siblings), mapped at compile time.
 *
 *   version      "0"
 *   id           the record's eventID (EventBridge's own id is a fresh UUID)
 *   detail-type  from eventType (see detail_types below)
 *   source       "aws." + the service part of eventSource
 *   account      recipientAccountId
 *   time         eventTime
 *   region       awsRegion
 *   resources    [] (always empty for CloudTrail events)
 *   detail       the record itself
 *
 * A pattern is written for the envelope when one of its top-level fields is
 * one of these names (other than "resources", which a record also has).
 */
#include <string.h>

#include "match/envelope.h"
#include "match/match.h"

static const char *const envelope_keys[] = {
    "version", "id", "detail-type", "source", "account", "time", "region", "detail"};

static const struct {
	const char *from;
	const char *to;
} renamed[] = {
    {"account", "recipientAccountId"},
    {"region", "awsRegion"},
    {"time", "eventTime"},
    {"id", "eventID"},
};

static const struct {
	const char *event_type;
	const char *detail_type;
} detail_types[] = {
    {"AwsApiCall", "AWS API Call via CloudTrail"},
    {"AwsConsoleSignIn", "AWS Console Sign In via CloudTrail"},
    {"AwsConsoleAction", "AWS Console Action via CloudTrail"},
    {"AwsServiceEvent", "AWS Service Event via CloudTrail"},
    {"AwsCloudTrailInsight", "AWS Insight via CloudTrail"},
};

static size_t
first_segment(const char *path)
{
	return strcspn(path, ".");
}

static int
segment_is(const char *path, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(path, name, len) == 0;
}

int
envelope_is_envelope_path(const char *path)
{
	size_t len = first_segment(path);

	for (size_t i = 0; i < sizeof(envelope_keys) / sizeof(envelope_keys[0]); i++)
		if (segment_is(path, len, envelope_keys[i]))
			return 1;
	return 0;
}

int
match_is_envelope_key(const char *key)
{
	return strchr(key, '.') == NULL && envelope_is_envelope_path(key);
}

enum envelope_map
envelope_map(const char *path, const char **record_path, int *vnode)
{
	size_t len = first_segment(path);

	if (segment_is(path, len, "detail")) {
		if (path[len] == '\0')
			return ENV_DEAD; /* detail is an object, never a value */
		*record_path = path + len + 1;
		return ENV_RECORD;
	}
	if (path[len] != '\0')
		return ENV_DEAD; /* below a scalar of the envelope */
	for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
		if (strcmp(path, renamed[i].from) == 0) {
			*record_path = renamed[i].to;
			return ENV_RECORD;
		}
	if (strcmp(path, "source") == 0)
		*vnode = ENV_VN_SOURCE;
	else if (strcmp(path, "detail-type") == 0)
		*vnode = ENV_VN_DTYPE;
	else if (strcmp(path, "version") == 0)
		*vnode = ENV_VN_VERSION;
	else
		return ENV_DEAD; /* resources (always empty) or a field the envelope lacks */
	return ENV_VIRTUAL;
}

double
envelope_presence(const char *record_path)
{
	if (strcmp(record_path, "errorCode") == 0 || strcmp(record_path, "errorMessage") == 0)
		return 0.05;
	return 1.0;
}

size_t
envelope_source(const char *event_source, size_t len, char *out, size_t cap)
{
	static const char suffix[] = ".amazonaws.com";
	size_t slen = sizeof(suffix) - 1, svc;
	const char *dot = memchr(event_source, '.', len);

	if (len > slen && memcmp(event_source + len - slen, suffix, slen) == 0)
		svc = len - slen;
	else
		svc = dot != NULL ? (size_t)(dot - event_source) : len;
	if (svc == 0 || 4 + svc > cap)
		return 0;
	memcpy(out, "aws.", 4);
	memcpy(out + 4, event_source, svc);
	return 4 + svc;
}

const char *
envelope_event_type(const char *detail_type)
{
	for (size_t i = 0; i < sizeof(detail_types) / sizeof(detail_types[0]); i++)
		if (strcmp(detail_type, detail_types[i].detail_type) == 0)
			return detail_types[i].event_type;
	return NULL;
}

const char *
envelope_detail_type(const char *event_type, size_t len)
{
	for (size_t i = 0; i < sizeof(detail_types) / sizeof(detail_types[0]); i++)
		if (segment_is(event_type, len, detail_types[i].event_type))
			return detail_types[i].detail_type;
	return NULL;
}
