/*
 * alert: one SNS message for one (record, rule) match, ready to publish.
 *
 * The body is the JSON documented in docs/alerts.md: the rule (name,
 * description, severity), the record's eventTime, eventSource, eventName,
 * awsRegion, recipientAccountId, sourceIPAddress, userIdentity {type, arn},
 * eventID, the log object it came from, and the full record. With
 * email_text the message is sent with MessageStructure=json as {"default":
 * <that JSON>, "email": <a readable summary>}: email subscribers get the
 * text, SQS, Lambda and HTTPS subscribers the JSON.
 *
 * Everything respects what SNS accepts, so a publish never fails on shape:
 *   - size: message, subject and attributes (name, type and value) stay
 *     within ALERT_MAX_SIZE. A record that does not fit is embedded as a
 *     JSON string cut at a UTF-8 boundary, with "record_truncated": true
 *     and "record_size" its full length: truncated, never dropped;
 *   - subject: printable ASCII, no line breaks, 1 to ALERT_SUBJECT_MAX
 *     characters, "<prefix>: <account name>: <rule>: <eventName> by <who>"
 *     (no account name part for an account without one);
 *   - attributes (for subscription filter policies): rule, severity,
 *     eventSource, eventName, account, accountName, region, all of DataType
 *     String, each non-empty (an empty one is left out, as SNS refuses it);
 *   - topic: the rule's own topic_arn, else the first of alerts.routes that
 *     takes the alert, else alerts.topic_arn (route.h);
 *   - the account's name (alerts.accounts), when it has one, in the body
 *     ("accountName", left out for an account without one), the subject,
 *     the email text and the attributes;
 *   - FIFO topics (ARN ending in ".fifo"): MessageGroupId is the rule's
 *     group_id, else alerts.group_id, else the rule name, reduced to the
 *     characters SNS allows; MessageDeduplicationId is the dedup fingerprint
 *     of (eventID, rule), the same for every process.
 * The struct knows nothing of the SNS API; the publisher maps it.
 */
#ifndef CT_DAEMON_ALERT_H
#define CT_DAEMON_ALERT_H

#include <stddef.h>

#include "daemon/dedup.h"
#include "daemon/orgnames.h"
#include "daemon/route.h"
#include "rules/rules.h"
#include "util/error.h"

#define ALERT_MAX_SIZE    (256 * 1024 - 1024) /* SNS takes 256 KiB; 1 KiB kept in hand */
#define ALERT_SUBJECT_MAX 99                  /* SNS: "less than 100 characters" */
#define ALERT_FIELD_MAX   1024                /* bytes kept of a field copied from the record */
#define ALERT_ATTR_MAX    256                 /* bytes kept of an attribute value */
#define ALERT_GROUP_MAX   128                 /* SNS's MessageGroupId limit */
#define ALERT_MAX_ATTRS   7
#define ALERT_MAX_DEPTH   256 /* nesting of a record parsed for its fields */

struct alert_options {
	const char *default_topic_arn;        /* alerts.topic_arn, for rules without their own */
	const char *subject_prefix;           /* alerts.subject_prefix; NULL or "": none */
	const char *group_id;                 /* alerts.group_id; NULL: the rule name */
	int email_text;                       /* alerts.email_text: MessageStructure=json */
	size_t max_size;                      /* 0: ALERT_MAX_SIZE */
	const struct routes *routes;          /* alerts.routes; NULL: none */
	const struct account_names *accounts; /* alerts.accounts; NULL: none */
	struct orgnames *org;                 /* names from AWS Organizations, for accounts
	                                         alerts.accounts does not name; NULL: none */
};

struct conf_alerts;
/* The options of the configuration's alerts settings (borrowed, outliving
 * o); max_size 0 and no Organizations names. */
void alert_options_init(struct alert_options *o, const struct conf_alerts *a);

struct alert_attr {
	const char *name; /* static: "rule", "severity", "eventSource", ... */
	char *value;      /* owned; non-empty UTF-8 without control characters */
};

struct alert {
	char *topic_arn; /* owned */
	char *subject;   /* owned */
	char *message;   /* owned; the body, or the MessageStructure=json object */
	size_t message_len;
	int message_structure_json; /* send MessageStructure=json */
	struct alert_attr attrs[ALERT_MAX_ATTRS];
	size_t n_attrs;
	int fifo;                         /* the topic is a FIFO topic */
	char *group_id;                   /* owned; FIFO topics only, else NULL */
	char dedup_id[DEDUP_HEX_LEN + 1]; /* FIFO MessageDeduplicationId */
	struct dedup_key key;             /* the same pair for the state store */
	char *event_id;                   /* owned; the record's eventID, NULL if none */
	char *event_name;                 /* owned; the record's eventName, NULL if none */
	char *principal;                  /* owned; who made the call, whole: userIdentity.arn,
	                                     invokedBy, principalId or type; NULL if none */
	size_t size;                      /* bytes SNS counts: message, subject, attributes */
	int truncated;                    /* the record was cut to fit */
};

/* Builds the alert for record (JSON text of one record, as matched) and rule
 * (borrowed), found in the log s3://bucket/key (both NULL for an event that
 * came from EventBridge: "log" then holds nulls). Fails only without memory,
 * without a topic for the rule, or when max_size leaves no room for even the
 * record's first byte (CT_ERR_NOMEM, CT_ERR_CONFIG, CT_ERR_LIMIT); the error
 * names the rule. A record that is not valid JSON is still alerted on, as
 * a string with its fields null. */
int alert_build(struct alert *a, const char *record, size_t len, const struct rule *rule,
    const char *bucket, const char *key, const struct alert_options *opt, struct ct_error *err);
/* The same, carrying note (NULL: none), the "aggregate" object of a rule
 * with a window or threshold (aggregate.h), as the body's "aggregate". */
int alert_build_noted(struct alert *a, const char *record, size_t len, const struct rule *rule,
    const char *bucket, const char *key, const char *note, const struct alert_options *opt,
    struct ct_error *err);

/* The summary of a window that closed (aggregate.h, docs/alerts.md):
 * "aggregate" describes it, and there is no record. */
struct agg_summary;
int alert_build_summary(struct alert *a, const struct rule *rule, const struct agg_summary *s,
    const struct alert_options *opt, struct ct_error *err);

void alert_free(struct alert *a);

/* 1 when arn names a FIFO topic. */
int alert_topic_is_fifo(const char *arn);

#endif
