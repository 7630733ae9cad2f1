/*
 * conf: the daemon's configuration, parsed apart from its use.
 *
 * conf_load() reads ctalertd.conf (libconfig syntax), applies the
 * CTALERTD_* environment overrides, checks every value and every relation
 * between values, loads and compiles the rules, and returns one struct
 * ct_config that the running code only reads: a reload builds a new one and
 * swaps it in whole, or keeps the old one when the new one is refused.
 *
 * Every option has a default (etc/ctalertd.conf documents them all);
 * unknown options, wrong types and bad values are errors that name the file,
 * line and option ("ctalertd.conf:12: receive.heartbeat: ..."), or the
 * environment variable that set it. Durations and sizes take integers
 * (seconds, bytes) or strings with units, see units.h.
 *
 * Containers need no file: the environment can carry the whole setup.
 *   CTALERTD_QUEUE_URL, CTALERTD_TOPIC_ARN, CTALERTD_REGION,
 *   CTALERTD_BUCKETS (comma-separated), CTALERTD_EXPECTED_BUCKET_OWNER,
 *   CTALERTD_LOG_LEVEL, CTALERTD_WORKERS, CTALERTD_RULES_DIR
 * set the options of the same names and win over the file (a variable set
 * to the empty string counts as unset). A relative
 * CTALERTD_RULES_DIR is taken from the working directory, a relative
 * rules_dir in the file from the file's directory.
 */
#ifndef CT_DAEMON_CONF_H
#define CT_DAEMON_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/route.h"
#include "rules/rules.h"
#include "stream/prefilter.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/log.h"

#ifndef CT_SYSCONFDIR
#define CT_SYSCONFDIR "/etc"
#endif
#define CONF_DEFAULT_FILE CT_SYSCONFDIR "/ctalertd/ctalertd.conf"
#define CONF_NO_FILE      "" /* conf_load(): read no file at all */

/* What `run` logs and `check` warns of a queue without a redrive policy,
 * after "queue URL ". */
#define CONF_NO_DLQ_WARNING                                                                        \
	"has no dead-letter queue: a poison message is given back with growing delays until "      \
	"it expires"

enum poison_action {
	POISON_DLQ,    /* leave it: the queue's redrive policy moves it to the DLQ */
	POISON_DELETE, /* delete it (logged with its body's first bytes) */
};

struct conf_aws {
	char *profile;          /* NULL: AWS_PROFILE, else "default" */
	char *endpoint_url;     /* every service, like AWS_ENDPOINT_URL; NULL: AWS's */
	char *endpoint_url_sqs; /* per service, like AWS_ENDPOINT_URL_SQS; NULL: endpoint_url */
	char *endpoint_url_s3;
	char *endpoint_url_sns;
	char *endpoint_url_sts;
	char *endpoint_url_dynamodb;
	char *ca_bundle;   /* PEM file; NULL: the system's (or AWS_CA_BUNDLE) */
	int max_attempts;  /* tries per request, standard retry mode; 3 */
	int use_fips;      /* FIPS endpoints */
	int s3_path_style; /* path-style S3 URLs (S3-compatible stores, local stand-ins) */
};

struct conf_receive {
	int wait_time_seconds;             /* long poll, 0..20; 20 */
	int max_messages;                  /* per ReceiveMessage, 1..10; 10 */
	uint64_t visibility_timeout;       /* seconds a received message stays hidden; 5m */
	uint64_t max_visibility_extension; /* total hiding a heartbeat may reach, <= 12h; 12h */
	uint64_t heartbeat;                /* seconds between visibility extensions; 1m */
};

struct conf_source {
	char **buckets; /* owned; the only buckets fetched, at least one */
	size_t n_buckets;
	char *expected_bucket_owner; /* owned; 12-digit account id, or NULL */
	char **include;              /* owned; key globs, none: every key */
	size_t n_include;
	char **exclude; /* owned; key globs never fetched */
	size_t n_exclude;
	int skip_digest;          /* skip /CloudTrail-Digest/ keys; true */
	uint64_t max_object_size; /* bytes, 0: no limit; 4GiB */
};

struct conf_limits {
	uint64_t max_record_size;   /* bytes of one record; 1MiB */
	int max_depth;              /* nesting of a record; 64 */
	uint64_t max_inflated_size; /* bytes one object may inflate to; 16GiB */
	int max_ratio;              /* inflated bytes per compressed byte; 100 */
};

struct conf_poison {
	int max_receive_count;     /* receives before a failing message is poison; 5 */
	enum poison_action action; /* "dlq" (default) or "delete" */
};

struct conf_alerts {
	char *topic_arn;               /* owned; default topic for rules without one, or NULL */
	int email_text;                /* MessageStructure=json with an email summary */
	char *group_id;                /* owned; FIFO MessageGroupId, NULL: the rule name */
	char *subject_prefix;          /* owned; "ctalertd" */
	uint64_t remember;             /* seconds a published alert is remembered; 14d, 0: off */
	uint64_t lateness;             /* seconds a window takes matches after its end; 15m */
	int dedup_cache_size;          /* obsolete, ignored (the state store remembers) */
	struct routes routes;          /* topics chosen by severity, rule, tag, account */
	struct account_names accounts; /* names of account ids, for alerts and routes */
	int organization_names;        /* also name accounts from AWS Organizations */
};

struct conf_integrity {
	int verify;                /* read CloudTrail's digests and check the logs; true */
	uint64_t delivery_timeout; /* seconds without a digest before "delivery stopped"; 90m */
	uint64_t unlisted_timeout; /* seconds after its scan a log must be listed; 2h15m */
};

enum state_choice {
	STATE_CHOICE_AUTO,     /* sqlite in a state directory, memory without one */
	STATE_CHOICE_MEMORY,   /* this process only */
	STATE_CHOICE_SQLITE,   /* one file: survives restarts */
	STATE_CHOICE_DYNAMODB, /* one table: shared by every instance */
};

struct conf_state {
	int backend;  /* enum state_choice; "auto" */
	char *path;   /* owned; the sqlite file, NULL: STATE_DIRECTORY/state.db */
	char *table;  /* owned; the dynamodb table, NULL: none */
	int max_keys; /* keys the store keeps at most; 1000000 */
};

struct ct_config {
	char *file;      /* owned; the file read, NULL when none was */
	char *queue_url; /* owned; required */
	char *region;    /* owned; NULL: the AWS environment's */
	struct conf_aws aws;
	int workers;               /* objects processed at once; 4 */
	int max_inflight_messages; /* messages received and not yet finished; 10 */
	struct conf_receive receive;
	struct conf_source source;
	struct conf_limits limits;
	struct conf_poison poison;
	struct conf_alerts alerts;
	struct conf_integrity integrity;
	struct conf_state state;
	struct rule_list rules;     /* at least one; each with a topic */
	struct ruleset *ruleset;    /* owned; the rules compiled (CloudTrail envelope) */
	struct prefilter *prefilter; /* owned; records no rule can match, passed over; may be NULL */
	struct rule_links links;    /* owned; which rules feed which Sigma correlations */
	int log_level;              /* a syslog priority; LOG_INFO */
	enum log_target log_target; /* LOG_TARGET_AUTO */
	char *metrics_listen;       /* owned; "host:port" of the metrics endpoint, NULL: off */
	uint64_t metrics_max_receive_age; /* seconds without a due receive till unhealthy; 2m */
	uint64_t metrics_emf_interval;    /* seconds between EMF log lines, 0: none; 0 */
	char *metrics_emf_namespace;      /* owned; the CloudWatch namespace; "ctalertd" */
	uint64_t shutdown_grace;          /* seconds in-flight work may finish on SIGTERM; 30s */
};

/* Loads the configuration. path NULL means CONF_DEFAULT_FILE if it exists
 * (the environment alone otherwise), CONF_NO_FILE the environment alone; a
 * path given must exist. envp holds
 * "NAME=value" strings (NULL: the process environment). On failure returns
 * NULL with err naming where (CT_ERR_CONFIG, or CT_ERR_IO, CT_ERR_NOMEM). err
 * holds the first error found; it is CT_ERR_UNSET only when everything
 * written was accepted and a setting the daemon needs (queue_url,
 * source.buckets) is missing: a configuration not filled in yet. */
struct ct_config *conf_load(const char *path, char *const *envp, struct ct_error *err);

/* Told of each error the loader finds (msg borrowed for the call). */
typedef void (*conf_report_fn)(void *arg, const char *msg);

/* conf_load() that goes on past an error to find the next, and tells report
 * of every one in order (err still holds the first): what `ctalertd check`
 * shows, so one run lists everything to mend. An unreadable file stops it. */
struct ct_config *conf_load_report(
    const char *path, char *const *envp, conf_report_fn report, void *arg, struct ct_error *err);
void conf_free(struct ct_config *c);

/* The effective configuration in ctalertd.conf syntax: every option with
 * its value (durations and sizes with units), options without a value as
 * comments, and the rules by name and origin as comments. */
void conf_print(const struct ct_config *c, struct buf *out);

/* Iterates the option names ("receive.heartbeat"): the i-th, or NULL past
 * the last. Groups are not listed, only settings. */
const char *conf_option_name(size_t i);

#endif
