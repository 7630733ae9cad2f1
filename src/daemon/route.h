/*
 * route: where a rule's alerts go, the part of a rule the daemon owns.
 *
 * A rule may name its own SNS topic (topic_arn; without one, the alerts go
 * to alerts.topic_arn) and, for a FIFO topic, its message group (group_id;
 * without one, alerts.group_id, else the rule name). The rules layer knows
 * nothing of SNS: it carries these two settings as declared settings it
 * does not interpret (rules.h, rule_list_declare). Every rule list the
 * daemon, `check` or `scan` loads is declared with route_declare() first,
 * so a rule file means the same to each of them; the values are checked as
 * alerts.topic_arn and alerts.group_id are, naming the rule.
 */
#ifndef CT_DAEMON_ROUTE_H
#define CT_DAEMON_ROUTE_H

#include "rules/rules.h"

/* The declared settings, by their index in rule.extra[]. */
enum route_setting {
	ROUTE_TOPIC_ARN, /* "topic_arn" */
	ROUTE_GROUP_ID,  /* "group_id" */
	ROUTE__COUNT,
};

/* Declares topic_arn and group_id on l, before anything is loaded into it. */
void route_declare(struct rule_list *l);

/* The rule's own topic, NULL: the default topic. Borrowed from r. */
const char *route_topic(const struct rule *r);
/* The rule's own FIFO message group, NULL: the default. Borrowed from r. */
const char *route_group(const struct rule *r);

#endif
