/*
 * facts: what people look at first in a CloudTrail record (when, what, who,
 * from where, in which account and region), read from its parsed tree. One
 * definition for the daemon's alerts and for `ctalertd scan`'s lines, so
 * both name the same principal.
 */
#ifndef CT_STREAM_FACTS_H
#define CT_STREAM_FACTS_H

#include <yajl/yajl_tree.h>

/* Strings borrowed from the tree; NULL when the record has none. */
struct record_facts {
	const char *event_time;    /* eventTime */
	const char *event_source;  /* eventSource */
	const char *event_name;    /* eventName */
	const char *region;        /* awsRegion */
	const char *account;       /* recipientAccountId */
	const char *source_ip;     /* sourceIPAddress */
	const char *event_id;      /* eventID */
	const char *identity_type; /* userIdentity.type */
	const char *identity_arn;  /* userIdentity.arn */
	const char
	    *who; /* who made the call: userIdentity.arn, else invokedBy, principalId, type */
};

/* Reads the facts of record root (any yajl value; not an object: all NULL). */
void record_facts_read(yajl_val root, struct record_facts *f);

#endif
