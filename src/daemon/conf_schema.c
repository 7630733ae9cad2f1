/*
 * conf_schema: every option of ctalertd.conf, its type, range, default and
 * environment variable, and reading or printing one value. etc/ctalertd.conf
 * documents the same list; a test checks they agree.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "daemon/conf_int.h"
#include "state/state.h"
#include "util/json.h"
#include "util/utf8.h"
#include "daemon/notify.h"
#include "daemon/source.h"
#include "stream/objscan.h"
#include "util/units.h"

#define OFF(member) offsetof(struct ct_config, member)

/* Checks of string values. */

static const char *
check_url(const char *v)
{
	const char *host;

	if (strncmp(v, "https://", 8) == 0)
		host = v + 8;
	else if (strncmp(v, "http://", 7) == 0)
		host = v + 7;
	else
		return "must start with https:// or http://";
	if (*host == '\0' || *host == '/')
		return "has no host";
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return "holds a space or control character";
	return NULL;
}

static const char *
check_queue_url(const char *v)
{
	const char *why = check_url(v), *path;

	if (why)
		return why;
	path = strchr(strstr(v, "://") + 3, '/');
	if (path == NULL || path[1] == '\0')
		return "has no queue path (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)";
	return NULL;
}

static const char *
check_region(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 32 || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
		return "is not a region name (like us-east-1)";
	return NULL;
}

static const char *
check_account(const char *v)
{
	if (strlen(v) != 12 || strspn(v, "0123456789") != 12)
		return "is not a 12-digit account id";
	return NULL;
}

/* arn:PARTITION:sns:REGION:ACCOUNT:NAME */
static const char *
check_topic_arn(const char *v)
{
	const char *f[6], *p = v, *name;
	size_t n;

	for (int i = 0; i < 6; i++) {
		f[i] = p;
		if (i < 5 && (p = strchr(p, ':')) == NULL)
			return "is not an ARN (arn:aws:sns:REGION:ACCOUNT:TOPIC)";
		if (i < 5)
			p++;
	}
	name = f[5];
	n = strlen(name);
	if (strncmp(f[0], "arn:", 4) != 0 || f[2] - f[1] < 2 || strncmp(f[2], "sns:", 4) != 0)
		return "is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:TOPIC)";
	if (f[4] - f[3] < 2)
		return "has no region";
	if (f[5] - f[4] != 13 || strspn(f[4], "0123456789") != 12)
		return "has no 12-digit account id";
	if (n == 0 || n > 256 ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != n)
		return "has no valid topic name";
	return NULL;
}

static const char *
check_bucket(const char *v)
{
	return notify_bucket_valid(v) ? NULL : "is not a bucket name";
}

static const char *
check_pattern(const char *v)
{
	return source_pattern_problem(v);
}

static const char *
check_nonempty(const char *v)
{
	return *v ? NULL : "is empty";
}

/* A CloudWatch namespace: 1 to 255 printable ASCII characters, and not
 * AWS's own ("AWS/..."). */
static const char *
check_namespace(const char *v)
{
	if (*v == '\0')
		return "is empty";
	if (strlen(v) > 255)
		return "is longer than 255 characters";
	if (strncmp(v, "AWS/", 4) == 0)
		return "starts with AWS/, which CloudWatch keeps for AWS's own metrics";
	for (const char *p = v; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return "may hold only printable ASCII";
	return NULL;
}

static const char *
check_readable(const char *v)
{
	if (*v == '\0')
		return "is empty";
	return access(v, R_OK) == 0 ? NULL : "cannot be read";
}

/* Printable ASCII without spaces, 1..128: what SNS takes as MessageGroupId. */
static const char *
check_group_id(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 128)
		return "must be 1 to 128 characters";
	for (const char *p = v; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return "may hold only printable ASCII without spaces";
	return NULL;
}

static const char *
check_subject_prefix(const char *v)
{
	if (strlen(v) > 40)
		return "is longer than 40 characters";
	for (const char *p = v; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return "may hold only printable ASCII";
	return NULL;
}

/* host:port, the host a name, an IPv4 address or a bracketed IPv6 one. */
static const char *
check_listen(const char *v)
{
	const char *colon = strrchr(v, ':');
	char *end;
	long port;

	if (colon == NULL || colon == v)
		return "must be HOST:PORT (like 127.0.0.1:9464)";
	if (v[0] == '[' && colon[-1] != ']')
		return "has an IPv6 address without its closing ']'";
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno || port < 1 || port > 65535)
		return "has no port from 1 to 65535";
	return NULL;
}

static const char *const poison_words[] = {"dlq", "delete", NULL};
static const int poison_values[] = {POISON_DLQ, POISON_DELETE};
/* DynamoDB's rule for table names. */
static const char *
check_table(const char *v)
{
	size_t n = strlen(v);

	if (n < 3 || n > 255)
		return "must be 3 to 255 characters long";
	if (strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n)
		return "may hold only letters, digits, '_', '-' and '.'";
	return NULL;
}

static const char *const state_words[] = {"auto", "memory", "sqlite", "dynamodb", NULL};
static const int state_values[] = {
    STATE_CHOICE_AUTO, STATE_CHOICE_MEMORY, STATE_CHOICE_SQLITE, STATE_CHOICE_DYNAMODB};
static const char *const level_words[] = {"error", "warning", "notice", "info", "debug", NULL};
static const int level_values[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};
static const char *const target_words[] = {"auto", "text", "json", "journal", NULL};
static const int target_values[] = {
    LOG_TARGET_AUTO, LOG_TARGET_TEXT, LOG_TARGET_JSON, LOG_TARGET_JOURNAL};

/* alerts.routes and alerts.accounts, read by route.c, printed here. */
static void put_quoted(struct buf *out, const char *s);

static int
routes_table_read(void *f, const config_setting_t *list, char *why, size_t whylen)
{
	routes_free(f);
	return routes_read(f, list, why, whylen);
}

static void
routes_table_free(void *f)
{
	routes_free(f);
}

static size_t
routes_table_count(const void *f)
{
	return ((const struct routes *)f)->n;
}

static void
put_words(struct buf *out, const char *key, const struct route_words *w)
{
	if (w->n == 0)
		return;
	buf_printf(out, "%s = [", key);
	for (size_t i = 0; i < w->n; i++) {
		buf_puts(out, i ? ", " : "");
		put_quoted(out, w->v[i]);
	}
	buf_puts(out, "]; ");
}

static void
routes_table_print(const void *f, struct buf *out)
{
	const struct routes *r = f;

	buf_puts(out, "(");
	for (size_t i = 0; i < r->n; i++) {
		buf_puts(out, i ? ", { " : " { ");
		put_words(out, "severity", &r->v[i].severity);
		put_words(out, "rule", &r->v[i].rule);
		put_words(out, "tag", &r->v[i].tag);
		put_words(out, "account", &r->v[i].account);
		buf_puts(out, "topic_arn = ");
		put_quoted(out, r->v[i].topic_arn);
		buf_puts(out, "; }");
	}
	buf_puts(out, " )");
}

static const struct opt_table routes_table = {
    routes_table_read, routes_table_free, routes_table_print, routes_table_count};

static int
accounts_table_read(void *f, const config_setting_t *list, char *why, size_t whylen)
{
	account_names_free(f);
	return account_names_read(f, list, why, whylen);
}

static void
accounts_table_free(void *f)
{
	account_names_free(f);
}

static size_t
accounts_table_count(const void *f)
{
	return ((const struct account_names *)f)->n;
}

static void
accounts_table_print(const void *f, struct buf *out)
{
	const struct account_names *a = f;

	buf_puts(out, "(");
	for (size_t i = 0; i < a->n; i++) {
		buf_puts(out, i ? ", { id = " : " { id = ");
		put_quoted(out, a->v[i].id);
		buf_puts(out, "; name = ");
		put_quoted(out, a->v[i].name);
		buf_puts(out, "; }");
	}
	buf_puts(out, " )");
}

static const struct opt_table accounts_table = {
    accounts_table_read, accounts_table_free, accounts_table_print, accounts_table_count};

#define GROUP(n)                                                                                   \
	{                                                                                          \
		n, K_GROUP, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL                         \
	}
#define STR(n, m, env, chk)                                                                        \
	{                                                                                          \
		n, K_STRING, OFF(m), 0, 0, 0, NULL, NULL, NULL, env, chk, NULL                     \
	}
#define DURE(n, m, lo, hi, def, env)                                                               \
	{                                                                                          \
		n, K_DURATION, OFF(m), 0, lo, hi, NULL, NULL, def, env, NULL, NULL                 \
	}
#define STRD(n, m, def, chk)                                                                       \
	{                                                                                          \
		n, K_STRING, OFF(m), 0, 0, 0, NULL, NULL, def, NULL, chk, NULL                     \
	}
#define INT(n, m, lo, hi, def, env)                                                                \
	{                                                                                          \
		n, K_INT, OFF(m), 0, lo, hi, NULL, NULL, def, env, NULL, NULL                      \
	}
#define BOOL(n, m, def)                                                                            \
	{                                                                                          \
		n, K_BOOL, OFF(m), 0, 0, 1, NULL, NULL, def, NULL, NULL, NULL                      \
	}
#define DUR(n, m, lo, hi, def)                                                                     \
	{                                                                                          \
		n, K_DURATION, OFF(m), 0, lo, hi, NULL, NULL, def, NULL, NULL, NULL                \
	}
/* The text of a numeric macro: the limits' defaults are defined once, in
 * stream/ (objscan.h, records.h), for `ctalertd scan` and the daemon. */
#define SPELL_(x) #x
#define SPELL(x)  SPELL_(x)
#define SIZE(n, m, lo, hi, def)                                                                    \
	{                                                                                          \
		n, K_SIZE, OFF(m), 0, lo, hi, NULL, NULL, def, NULL, NULL, NULL                    \
	}
#define LIST(n, m, cnt, env, chk)                                                                  \
	{                                                                                          \
		n, K_STRINGS, OFF(m), OFF(cnt), 0, 0, NULL, NULL, NULL, env, chk, NULL             \
	}
#define ENUM(n, m, w, v, def, env)                                                                 \
	{                                                                                          \
		n, K_ENUM, OFF(m), 0, 0, 0, w, v, def, env, NULL, NULL                             \
	}
#define RULES(n, env)                                                                              \
	{                                                                                          \
		n, K_RULES, 0, 0, 0, 0, NULL, NULL, NULL, env, NULL, NULL                          \
	}

#define TABLE(n, m, t)                                                                             \
	{                                                                                          \
		n, K_TABLE, OFF(m), 0, 0, 0, NULL, NULL, NULL, NULL, NULL, t                       \
	}

#define KiB 1024LL
#define MiB (1024LL * KiB)
#define GiB (1024LL * MiB)

/* Groups come before their members; printing follows this order. */
const struct conf_opt conf_opts[] = {
    STR("queue_url", queue_url, "CTALERTD_QUEUE_URL", check_queue_url),
    STR("region", region, "CTALERTD_REGION", check_region),
    GROUP("aws"),
    STR("aws.profile", aws.profile, NULL, check_nonempty),
    STR("aws.endpoint_url", aws.endpoint_url, NULL, check_url),
    GROUP("aws.endpoint_urls"),
    STR("aws.endpoint_urls.sqs", aws.endpoint_url_sqs, NULL, check_url),
    STR("aws.endpoint_urls.s3", aws.endpoint_url_s3, NULL, check_url),
    STR("aws.endpoint_urls.sns", aws.endpoint_url_sns, NULL, check_url),
    STR("aws.endpoint_urls.sts", aws.endpoint_url_sts, NULL, check_url),
    STR("aws.endpoint_urls.dynamodb", aws.endpoint_url_dynamodb, NULL, check_url),
    STR("aws.ca_bundle", aws.ca_bundle, NULL, check_readable),
    INT("aws.max_attempts", aws.max_attempts, 1, 20, "3", NULL),
    BOOL("aws.use_fips", aws.use_fips, "false"),
    BOOL("aws.s3_path_style", aws.s3_path_style, "false"),
    INT("workers", workers, 1, 256, "4", "CTALERTD_WORKERS"),
    INT("max_inflight_messages", max_inflight_messages, 1, 10000, "10", NULL),
    GROUP("receive"),
    INT("receive.wait_time_seconds", receive.wait_time_seconds, 0, 20, "20", NULL),
    INT("receive.max_messages", receive.max_messages, 1, 10, "10", NULL),
    DUR("receive.visibility_timeout", receive.visibility_timeout, 1, 43200, "5m"),
    DUR("receive.max_visibility_extension", receive.max_visibility_extension, 1, 43200, "12h"),
    DUR("receive.heartbeat", receive.heartbeat, 1, 43200, "1m"),
    GROUP("source"),
    LIST("source.buckets", source.buckets, source.n_buckets, "CTALERTD_BUCKETS", check_bucket),
    STR("source.expected_bucket_owner", source.expected_bucket_owner,
        "CTALERTD_EXPECTED_BUCKET_OWNER", check_account),
    LIST("source.include", source.include, source.n_include, NULL, check_pattern),
    LIST("source.exclude", source.exclude, source.n_exclude, NULL, check_pattern),
    BOOL("source.skip_digest", source.skip_digest, "true"),
    SIZE("source.max_object_size", source.max_object_size, 0, 1LL << 50, "4GiB"),
    GROUP("limits"),
    SIZE("limits.max_record_size", limits.max_record_size, KiB, GiB,
        SPELL(RECORDS_MAX_RECORD_MIB) "MiB"),
    INT("limits.max_depth", limits.max_depth, 2, 1000, SPELL(RECORDS_MAX_DEPTH_DEFAULT), NULL),
    SIZE("limits.max_inflated_size", limits.max_inflated_size, MiB, 1LL << 50,
        SPELL(OBJSCAN_MAX_INFLATED_GIB) "GiB"),
    INT("limits.max_ratio", limits.max_ratio, 2, 1000000, SPELL(OBJSCAN_MAX_RATIO_DEFAULT), NULL),
    GROUP("poison"),
    INT("poison.max_receive_count", poison.max_receive_count, 1, 1000, "5", NULL),
    ENUM("poison.action", poison.action, poison_words, poison_values, "dlq", NULL),
    GROUP("alerts"),
    STR("alerts.topic_arn", alerts.topic_arn, "CTALERTD_TOPIC_ARN", check_topic_arn),
    BOOL("alerts.email_text", alerts.email_text, "false"),
    STR("alerts.group_id", alerts.group_id, NULL, check_group_id),
    STRD("alerts.subject_prefix", alerts.subject_prefix, "ctalertd", check_subject_prefix),
    DUR("alerts.remember", alerts.remember, 0, 366 * 86400, "14d"),
    DUR("alerts.lateness", alerts.lateness, 0, 86400, "15m"),
    TABLE("alerts.routes", alerts.routes, &routes_table),
    TABLE("alerts.accounts", alerts.accounts, &accounts_table),
    BOOL("alerts.organization_names", alerts.organization_names, "false"),
    INT("alerts.dedup_cache_size", alerts.dedup_cache_size, 0, 1 << 26, "65536", NULL),
    GROUP("integrity"),
    BOOL("integrity.verify", integrity.verify, "true"),
    DUR("integrity.delivery_timeout", integrity.delivery_timeout, 1, 604800, "90m"),
    DUR("integrity.unlisted_timeout", integrity.unlisted_timeout, 1, 604800, "2h15m"),
    GROUP("state"),
    ENUM("state.backend", state.backend, state_words, state_values, "auto",
        "CTALERTD_STATE_BACKEND"),
    STR("state.path", state.path, "CTALERTD_STATE_PATH", check_nonempty),
    STR("state.table", state.table, "CTALERTD_STATE_TABLE", check_table),
    INT("state.max_keys", state.max_keys, 1000, 100000000, SPELL(STATE_MAX_KEYS_DEFAULT), NULL),
    RULES("rules", NULL),
    RULES("rules_dir", "CTALERTD_RULES_DIR"),
    ENUM("log_level", log_level, level_words, level_values, "info", "CTALERTD_LOG_LEVEL"),
    ENUM("log_target", log_target, target_words, target_values, "auto", NULL),
    GROUP("metrics"),
    STR("metrics.listen", metrics_listen, "CTALERTD_METRICS_LISTEN", check_listen),
    DUR("metrics.max_receive_age", metrics_max_receive_age, 10, 86400, "2m"),
    DURE("metrics.emf_interval", metrics_emf_interval, 0, 86400, "0s",
        "CTALERTD_METRICS_EMF_INTERVAL"),
    STRD("metrics.emf_namespace", metrics_emf_namespace, "ctalertd", check_namespace),
    DUR("shutdown_grace", shutdown_grace, 0, 3600, "30s"),
};
const size_t conf_nopts = sizeof(conf_opts) / sizeof(conf_opts[0]);

const char *
conf_check_topic_arn(const char *arn)
{
	return check_topic_arn(arn);
}

const char *
conf_check_group_id(const char *id)
{
	return check_group_id(id);
}

const struct conf_opt *
conf_opt_find(const char *name)
{
	for (size_t i = 0; i < conf_nopts; i++)
		if (strcmp(conf_opts[i].name, name) == 0)
			return &conf_opts[i];
	return NULL;
}

const char *
conf_option_name(size_t i)
{
	for (size_t k = 0; k < conf_nopts; k++)
		if (conf_opts[k].kind != K_GROUP && i-- == 0)
			return conf_opts[k].name;
	return NULL;
}

#define FIELD(c, o, type) ((type *)((char *)(c) + (o)->off))

void
conf_opt_clear(struct ct_config *c, const struct conf_opt *o)
{
	if (o->kind == K_STRING) {
		free(*FIELD(c, o, char *));
		*FIELD(c, o, char *) = NULL;
	} else if (o->kind == K_STRINGS) {
		char **v = *FIELD(c, o, char **);
		size_t *n = (size_t *)((char *)c + o->count_off);

		for (size_t i = 0; i < *n; i++)
			free(v[i]);
		free(v);
		*FIELD(c, o, char **) = NULL;
		*n = 0;
	} else if (o->kind == K_TABLE) {
		o->table->free(FIELD(c, o, char));
	}
}

static int why_fmt(char *whybuf, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
why_fmt(char *whybuf, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(whybuf, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A value as quoted in a message: at most 200 bytes, control characters
 * and broken UTF-8 shown as '?'. */
static const char *
shown(const char *v, char *out, size_t outlen)
{
	size_t n = strlen(v);

	if (n > outlen - 1)
		n = utf8_floor(v, n, outlen - 1);
	memcpy(out, v, n);
	out[n] = '\0';
	text_scrub(out, n, '?');
	return out;
}

static int
set_string(struct ct_config *c, const struct conf_opt *o, const char *v, char *why, size_t wl)
{
	const char *problem = o->check ? o->check(v) : NULL;
	char *copy, tmp[201];

	if (problem)
		return why_fmt(why, wl, "\"%s\" %s", shown(v, tmp, sizeof(tmp)), problem);
	if ((copy = strdup(v)) == NULL)
		return why_fmt(why, wl, "out of memory");
	conf_opt_clear(c, o);
	*FIELD(c, o, char *) = copy;
	return 0;
}

/* Appends one string to a list option (the list is cleared by the caller). */
static int
add_string(struct ct_config *c, const struct conf_opt *o, const char *v, char *why, size_t wl)
{
	const char *problem = o->check ? o->check(v) : NULL;
	size_t *n = (size_t *)((char *)c + o->count_off);
	char ***v_ = FIELD(c, o, char **);
	char **grown, tmp[201];

	if (problem)
		return why_fmt(why, wl, "\"%s\" %s", shown(v, tmp, sizeof(tmp)), problem);
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v_)[i], v) == 0)
			return why_fmt(
			    why, wl, "\"%s\" is listed twice", shown(v, tmp, sizeof(tmp)));
	if ((grown = realloc(*v_, (*n + 1) * sizeof(*grown))) == NULL)
		return why_fmt(why, wl, "out of memory");
	*v_ = grown;
	if ((grown[*n] = strdup(v)) == NULL)
		return why_fmt(why, wl, "out of memory");
	(*n)++;
	return 0;
}

static int
set_number(struct ct_config *c, const struct conf_opt *o, long long v, char *why, size_t wl)
{
	char lo[32], hi[32];

	if (v < o->min || v > o->max) {
		if (o->kind == K_DURATION) {
			units_format_duration((uint64_t)o->min, lo, sizeof(lo));
			units_format_duration((uint64_t)o->max, hi, sizeof(hi));
		} else if (o->kind == K_SIZE) {
			units_format_size((uint64_t)o->min, lo, sizeof(lo));
			units_format_size((uint64_t)o->max, hi, sizeof(hi));
		} else {
			snprintf(lo, sizeof(lo), "%lld", o->min);
			snprintf(hi, sizeof(hi), "%lld", o->max);
		}
		return why_fmt(why, wl, "%lld is out of range (%s to %s)", v, lo, hi);
	}
	if (o->kind == K_INT)
		*FIELD(c, o, int) = (int)v;
	else
		*FIELD(c, o, uint64_t) = (uint64_t)v;
	return 0;
}

static int
set_enum(struct ct_config *c, const struct conf_opt *o, const char *v, char *why, size_t wl)
{
	struct buf words = BUF_INIT;
	char tmp[101];

	for (size_t i = 0; o->choices[i]; i++)
		if (strcasecmp(o->choices[i], v) == 0) {
			*FIELD(c, o, int) = o->values[i];
			return 0;
		}
	for (size_t i = 0; o->choices[i]; i++)
		buf_printf(&words, "%s\"%s\"",
		    i == 0              ? ""
		    : o->choices[i + 1] ? ", "
		                        : " or ",
		    o->choices[i]);
	why_fmt(why, wl, "\"%s\" is not %s", shown(v, tmp, sizeof(tmp)),
	    words.data ? words.data : "known");
	buf_free(&words);
	return -1;
}

/* Duration or size text to a number. */
static int
set_unit_text(struct ct_config *c, const struct conf_opt *o, const char *v, char *why, size_t wl)
{
	const char *problem;
	char tmp[101];
	uint64_t n;
	int r =
	    o->kind == K_DURATION ? units_duration(v, &n, &problem) : units_size(v, &n, &problem);

	if (r == -1)
		return why_fmt(why, wl, "\"%s\": %s", shown(v, tmp, sizeof(tmp)), problem);
	if (n > (uint64_t)LLONG_MAX)
		return why_fmt(why, wl, "\"%s\": number too large", shown(v, tmp, sizeof(tmp)));
	return set_number(c, o, (long long)n, why, wl);
}

static int
set_bool_text(struct ct_config *c, const struct conf_opt *o, const char *v, char *why, size_t wl)
{
	char tmp[101];

	if (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0)
		*FIELD(c, o, int) = 1;
	else if (strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0 || strcmp(v, "0") == 0)
		*FIELD(c, o, int) = 0;
	else
		return why_fmt(why, wl, "\"%s\" is not true or false", shown(v, tmp, sizeof(tmp)));
	return 0;
}

static int
set_int_text(struct ct_config *c, const struct conf_opt *o, const char *v, char *why, size_t wl)
{
	char *end, tmp[101];
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno || isspace((unsigned char)*v))
		return why_fmt(why, wl, "\"%s\" is not an integer", shown(v, tmp, sizeof(tmp)));
	return set_number(c, o, n, why, wl);
}

/* A comma-separated list; blanks around items are dropped, empty items too. */
static int
set_list_text(struct ct_config *c, const struct conf_opt *o, const char *v, char *why, size_t wl)
{
	char *copy = strdup(v), *item, *save = NULL;
	int r = 0;

	if (copy == NULL)
		return why_fmt(why, wl, "out of memory");
	conf_opt_clear(c, o);
	for (item = strtok_r(copy, ",", &save); item && r == 0; item = strtok_r(NULL, ",", &save)) {
		char *end = item + strlen(item);

		while (isspace((unsigned char)*item))
			item++;
		while (end > item && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*item)
			r = add_string(c, o, item, why, wl);
	}
	free(copy);
	return r;
}

int
conf_opt_set_text(
    struct ct_config *c, const struct conf_opt *o, const char *text, char *whybuf, size_t whylen)
{
	switch (o->kind) {
	case K_STRING:
		return set_string(c, o, text, whybuf, whylen);
	case K_INT:
		return set_int_text(c, o, text, whybuf, whylen);
	case K_BOOL:
		return set_bool_text(c, o, text, whybuf, whylen);
	case K_DURATION:
	case K_SIZE:
		return set_unit_text(c, o, text, whybuf, whylen);
	case K_STRINGS:
		return set_list_text(c, o, text, whybuf, whylen);
	case K_ENUM:
		return set_enum(c, o, text, whybuf, whylen);
	default:
		return why_fmt(whybuf, whylen, "cannot be set from text");
	}
}

static const char *
type_words(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a floating-point number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	}
	return "nothing";
}

static const char *
kind_words(enum opt_kind kind)
{
	switch (kind) {
	case K_STRING:
	case K_ENUM:
		return "a string";
	case K_INT:
		return "an integer";
	case K_BOOL:
		return "true or false";
	case K_DURATION:
		return "seconds or a duration like \"90s\", \"5m\", \"12h\"";
	case K_SIZE:
		return "bytes or a size like \"64KiB\", \"1MiB\", \"4GiB\"";
	case K_STRINGS:
		return "a list of strings [\"a\", \"b\"]";
	default:
		return "a group { ... }";
	}
}

static int
wrong_type(const struct conf_opt *o, const config_setting_t *s, char *why, size_t wl)
{
	return why_fmt(why, wl, "expected %s, found %s", kind_words(o->kind),
	    type_words(config_setting_type(s)));
}

static int
set_list_setting(
    struct ct_config *c, const struct conf_opt *o, const config_setting_t *s, char *why, size_t wl)
{
	int type = config_setting_type(s);

	if (type == CONFIG_TYPE_STRING)
		return set_list_text(c, o, config_setting_get_string(s), why, wl);
	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
		return wrong_type(o, s, why, wl);
	conf_opt_clear(c, o);
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return why_fmt(why, wl, "item %d: expected a string, found %s", i + 1,
			    type_words(config_setting_type(e)));
		if (add_string(c, o, config_setting_get_string(e), why, wl) == -1)
			return -1;
	}
	return 0;
}

int
conf_opt_set_setting(struct ct_config *c, const struct conf_opt *o, const config_setting_t *s,
    char *whybuf, size_t whylen)
{
	int type = config_setting_type(s);
	int is_int = type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64;

	switch (o->kind) {
	case K_STRING:
	case K_ENUM:
		if (type != CONFIG_TYPE_STRING)
			return wrong_type(o, s, whybuf, whylen);
		return conf_opt_set_text(c, o, config_setting_get_string(s), whybuf, whylen);
	case K_INT:
		if (!is_int)
			return wrong_type(o, s, whybuf, whylen);
		return set_number(c, o, config_setting_get_int64(s), whybuf, whylen);
	case K_BOOL:
		if (type != CONFIG_TYPE_BOOL)
			return wrong_type(o, s, whybuf, whylen);
		*FIELD(c, o, int) = config_setting_get_bool(s);
		return 0;
	case K_DURATION:
	case K_SIZE:
		if (is_int)
			return set_number(c, o, config_setting_get_int64(s), whybuf, whylen);
		if (type != CONFIG_TYPE_STRING)
			return wrong_type(o, s, whybuf, whylen);
		return set_unit_text(c, o, config_setting_get_string(s), whybuf, whylen);
	case K_STRINGS:
		return set_list_setting(c, o, s, whybuf, whylen);
	case K_TABLE:
		if (type != CONFIG_TYPE_LIST)
			return why_fmt(whybuf, whylen, "expected a list ( { ... }, ... ), found %s",
			    type_words(type));
		return o->table->read(FIELD(c, o, char), s, whybuf, whylen);
	default:
		return why_fmt(whybuf, whylen, "is not a value");
	}
}

/* A libconfig string literal. */
static void
put_quoted(struct buf *out, const char *s)
{
	buf_putc(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(out, "\\%c", *p);
		else if (*p == '\n')
			buf_puts(out, "\\n");
		else if (*p == '\t')
			buf_puts(out, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(out, "\\x%02x", *p);
		else
			buf_putc(out, (char)*p);
	}
	buf_putc(out, '"');
}

int
conf_opt_format(const struct ct_config *c, const struct conf_opt *o, struct buf *out)
{
	const void *f = (const char *)c + o->off;
	char tmp[48];

	switch (o->kind) {
	case K_STRING:
		if (*(char *const *)f == NULL)
			return 0;
		put_quoted(out, *(char *const *)f);
		return 1;
	case K_INT:
		buf_printf(out, "%d", *(const int *)f);
		return 1;
	case K_BOOL:
		buf_puts(out, *(const int *)f ? "true" : "false");
		return 1;
	case K_DURATION:
	case K_SIZE:
		if (o->kind == K_DURATION)
			units_format_duration(*(const uint64_t *)f, tmp, sizeof(tmp));
		else
			units_format_size(*(const uint64_t *)f, tmp, sizeof(tmp));
		put_quoted(out, tmp);
		return 1;
	case K_STRINGS: {
		char *const *v = *(char **const *)f;
		size_t n = *(const size_t *)((const char *)c + o->count_off);

		buf_putc(out, '[');
		for (size_t i = 0; i < n; i++) {
			buf_puts(out, i ? ", " : "");
			put_quoted(out, v[i]);
		}
		buf_putc(out, ']');
		return 1;
	}
	case K_ENUM:
		for (size_t i = 0; o->choices[i]; i++)
			if (o->values[i] == *(const int *)f) {
				put_quoted(out, o->choices[i]);
				return 1;
			}
		return 0;
	case K_TABLE:
		if (o->table->count(f) == 0)
			return 0;
		o->table->print(f, out);
		return 1;
	default:
		return 0;
	}
}
