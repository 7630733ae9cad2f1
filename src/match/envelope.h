/*
 * envelope: how a pattern written for the EventBridge CloudTrail event maps
 * onto the CloudTrail record (see envelope.c for the mapping).
 */
#ifndef CT_MATCH_ENVELOPE_H
#define CT_MATCH_ENVELOPE_H

#include <stddef.h>

enum envelope_map {
	ENV_RECORD,  /* *record_path is the record's field */
	ENV_VIRTUAL, /* *vnode is a value derived in matcher_end */
	ENV_DEAD,    /* the envelope never has a value there */
};

/* The virtual fields (numbering shared with enum vnode in match_int.h). */
enum { ENV_VN_SOURCE, ENV_VN_DTYPE, ENV_VN_VERSION };

/* Whether the first segment of a dotted path names an envelope field. */
int envelope_is_envelope_path(const char *path);
enum envelope_map envelope_map(const char *path, const char **record_path, int *vnode);

/* About how many CloudTrail records carry a field (a dotted record path), as
 * a share: most carry every field rules name, but errorCode and errorMessage
 * only failed calls. For choosing anchors; never for matching. */
double envelope_presence(const char *record_path);

/* "sns.amazonaws.com" -> "aws.sns" into out; its length, 0 if none fits. */
size_t envelope_source(const char *event_source, size_t len, char *out, size_t cap);
/* "AwsApiCall" -> "AWS API Call via CloudTrail"; NULL for an unknown type. */
const char *envelope_detail_type(const char *event_type, size_t len);
/* The other way: "AWS API Call via CloudTrail" -> "AwsApiCall"; NULL when
 * detail_type is not one CloudTrail sends. */
const char *envelope_event_type(const char *detail_type);

#endif
