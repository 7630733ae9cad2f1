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
 *
 * Beside the rules, the configuration may route alerts (alerts.routes): a
 * list of conditions on the rule's severity, name and tags and the
 * record's account, each with a topic. A rule's own topic_arn wins; else
 * the first route whose conditions all hold; else alerts.topic_arn. And it
 * may name accounts (alerts.accounts), a name the alerts then carry beside
 * the account id.
 */
#ifndef CT_DAEMON_ROUTE_H
#define CT_DAEMON_ROUTE_H

#include <stddef.h>

#include "rules/rules.h"

struct config_setting_t;

/* A list of words a route condition accepts; empty: any. */
struct route_words {
	char **v; /* owned */
	size_t n;
};

/* One entry of alerts.routes: an alert meeting every condition given goes
 * to topic_arn. Within one condition, any of its words will do. */
struct route {
	struct route_words severity; /* the rule's severity (case-insensitive) */
	struct route_words rule;     /* the rule's name: shell wildcards (fnmatch) */
	struct route_words tag;      /* one of the rule's tags (case-insensitive) */
	struct route_words account;  /* the record's recipientAccountId, or that account's name */
	char *topic_arn;             /* owned */
	unsigned line;               /* in the configuration file, 0: none */
};

struct routes {
	struct route *v; /* owned */
	size_t n;
};

/* One entry of alerts.accounts. */
struct account_name {
	char *id;   /* owned; 12 digits */
	char *name; /* owned; printable, at most ROUTE_ACCOUNT_NAME_MAX bytes */
};

#define ROUTE_ACCOUNT_NAME_MAX 64

/* alerts.accounts: account ids and their names, sorted by id. */
struct account_names {
	struct account_name *v; /* owned */
	size_t n;
};

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

/* Reads alerts.routes (a list of groups) into *r; -1 with why, which
 * names the entry and its line, when one is not acceptable. */
int routes_read(struct routes *r, const struct config_setting_t *list, char *why, size_t whylen);
void routes_free(struct routes *r);
/* The topic the first route meeting rule and account (id and name, either
 * may be NULL) names, or NULL. Borrowed from r. */
const char *routes_pick(
    const struct routes *r, const struct rule *rule, const char *account, const char *account_name);
/* Whether route has no condition: every alert it sees goes to its topic. */
int route_catches_all(const struct route *route);

/* Reads alerts.accounts (a list of { id = "..."; name = "..."; }) into *a;
 * -1 with why when an entry is not acceptable or an id is there twice. */
int account_names_read(
    struct account_names *a, const struct config_setting_t *list, char *why, size_t whylen);
void account_names_free(struct account_names *a);
/* The name of account id, or NULL. Borrowed from a. */
const char *account_name(const struct account_names *a, const char *id);

#endif
