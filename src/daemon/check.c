/*
 * check: `ctalertd check`, what the daemon would see, before it runs.
 *
 * Validates the configuration (every rule compiled), then asks AWS, with the
 * credentials the daemon would use, for each thing it depends on: who it is,
 * the queue, each alert topic and each source bucket. One line per item
 * (every configuration error its own); a warning ("[warn]") is what `run`
 * would log as one and fails nothing. The exit status is 0 only when every
 * item passed.
 */
#include "config.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "aws/client.h"
#include "aws/s3.h"
#include "aws/sns.h"
#include "aws/sqs.h"
#include "aws/sts.h"
#include "cmdline.h"
#include "commands.h"
#include "daemon/awsconf.h"
#include "daemon/conf.h"
#include "daemon/route.h"
#include "util/log.h"

struct checklist {
	int failed;
	int passed;
	const char *unchecked; /* set: AWS is not asked again, each item fails with this */
	int warned;            /* lines that are warnings */
};

/* One line: ok is 1 (passed), 0 (failed) or -1 (a warning). */
static void
item(struct checklist *cl, int ok, const char *what, const char *detail)
{
	printf("%s %s%s%s\n",
	    ok > 0 ? "[ ok ]"
	    : ok   ? "[warn]"
	           : "[FAIL]",
	    what, detail && *detail ? ": " : "", detail ? detail : "");
	if (ok > 0)
		cl->passed++;
	else if (ok)
		cl->warned++;
	else
		cl->failed++;
}

/* conf_report_fn: each configuration error its own line. */
static void
config_error(void *arg, const char *msg)
{
	item(arg, 0, "configuration", msg);
}

/* The credentials line. When no credentials could be had at all, it is the
 * one line that explains why: the items after it are not asked for. */
static void
check_identity(struct checklist *cl, struct ctaws_conn *conn)
{
	struct sts_identity id;
	struct ctaws_error err;
	char why[1024];

	ctaws_error_clear(&err);
	if (sts_get_caller_identity(conn, &id, &err) == 0) {
		snprintf(why, sizeof(why), "%s (account %s)", id.arn, id.account);
		item(cl, 1, "credentials", why);
	} else {
		item(cl, 0, "credentials", ctaws_error_str(&err, why, sizeof(why)));
		if (strcmp(err.operation ? err.operation : "", "GetCallerIdentity") != 0)
			cl->unchecked = "not checked: no credentials (see above)";
	}
}

/* 1 (and a failed line) when AWS is not to be asked about what. */
static int
unchecked(struct checklist *cl, const char *what)
{
	if (cl->unchecked == NULL)
		return 0;
	item(cl, 0, what, cl->unchecked);
	return 1;
}

static void
check_queue(struct checklist *cl, struct ctaws_client *client, struct ctaws_conn *conn,
    const struct ct_config *c)
{
	struct sqs_queue q;
	int r;
	static const char *const names[] = {
	    "ApproximateNumberOfMessages", "VisibilityTimeout", "RedrivePolicy"};
	struct ctaws_attrs a = {NULL, 0};
	struct ctaws_error err;
	char what[1200], why[1024];
	const char *rp;

	snprintf(what, sizeof(what), "queue %s", c->queue_url);
	if (unchecked(cl, what))
		return;
	ctaws_error_clear(&err);
	if (sqs_queue_init(&q, client, c->queue_url, &err) == -1) {
		item(cl, 0, what, ctaws_error_str(&err, why, sizeof(why)));
		return;
	}
	r = sqs_get_queue_attributes(conn, &q, names, 3, &a, &err);
	sqs_queue_free(&q);
	if (r == -1) {
		item(cl, 0, what, ctaws_error_str(&err, why, sizeof(why)));
		return;
	}
	rp = ctaws_attrs_get(&a, "RedrivePolicy");
	snprintf(why, sizeof(why), "%s messages waiting, visibility timeout %s s, %s",
	    ctaws_attrs_get(&a, "ApproximateNumberOfMessages") ?: "?",
	    ctaws_attrs_get(&a, "VisibilityTimeout") ?: "?",
	    rp ? "dead-letter queue set" : "no dead-letter queue");
	item(cl, 1, what, why);
	if (rp == NULL) {
		snprintf(what, sizeof(what), "queue %s " CONF_NO_DLQ_WARNING, c->queue_url);
		item(cl, -1, what, NULL);
	}
	ctaws_attrs_free(&a);
}

static void
check_topic(struct checklist *cl, struct ctaws_conn *conn, const char *arn)
{
	struct ctaws_attrs a = {NULL, 0};
	struct ctaws_error err;
	char what[1200], why[1024];

	snprintf(what, sizeof(what), "topic %s", arn);
	if (unchecked(cl, what))
		return;
	ctaws_error_clear(&err);
	if (sns_get_topic_attributes(conn, arn, &a, &err) == -1) {
		item(cl, 0, what, ctaws_error_str(&err, why, sizeof(why)));
		return;
	}
	snprintf(why, sizeof(why), "%s confirmed subscriptions",
	    ctaws_attrs_get(&a, "SubscriptionsConfirmed") ?: "?");
	item(cl, 1, what, why);
	ctaws_attrs_free(&a);
}

/* What a failed HeadBucket means for a source bucket (a HEAD answer has no
 * body, so the status says it), then AWS's own words. */
static const char *
bucket_problem(const struct ctaws_error *err, const char *owner, char *out, size_t outlen)
{
	char aws[1024];
	const char *what = err->http_status == 404
	                       ? "no such bucket: check source.buckets (and the region)"
	                   : err->http_status == 403
	                       ? (owner ? "access denied: the credentials may not read it, or "
	                                  "it is not owned by source.expected_bucket_owner"
	                                : "access denied: the credentials may not read it")
	                   : err->http_status == 301 || err->http_status == 400
	                       ? "the bucket is in another region than the one asked"
	                       : NULL;

	ctaws_error_str(err, aws, sizeof(aws));
	if (what == NULL)
		snprintf(out, outlen, "%s", aws);
	else
		snprintf(out, outlen, "%s (%s)", what, aws);
	return out;
}

static void
check_bucket(struct checklist *cl, struct ctaws_conn *conn, const char *bucket, const char *owner)
{
	struct ctaws_error err;
	char what[600], why[1024], region[32] = "";

	snprintf(what, sizeof(what), "bucket %s", bucket);
	if (unchecked(cl, what))
		return;
	ctaws_error_clear(&err);
	if (s3_head_bucket(conn, bucket, owner, region, sizeof(region), &err) == -1) {
		item(cl, 0, what, bucket_problem(&err, owner, why, sizeof(why)));
		return;
	}
	snprintf(why, sizeof(why), "reachable%s%s%s%s", region[0] ? " in " : "", region,
	    owner ? ", owned by " : "", owner ? owner : "");
	item(cl, 1, what, why);
}

/* Each distinct topic once: the default and every rule's own. */
static void
check_topics(struct checklist *cl, struct ctaws_conn *conn, const struct ct_config *c)
{
	for (size_t i = 0; i <= c->rules.n; i++) {
		const char *arn =
		    i < c->rules.n ? route_topic(&c->rules.v[i]) : c->alerts.topic_arn;
		int seen = 0;

		if (arn == NULL)
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = route_topic(&c->rules.v[k]) &&
			       strcmp(route_topic(&c->rules.v[k]), arn) == 0;
		if (i == c->rules.n)
			for (size_t k = 0; k < c->rules.n && !seen; k++)
				seen = route_topic(&c->rules.v[k]) &&
				       strcmp(route_topic(&c->rules.v[k]), arn) == 0;
		if (!seen)
			check_topic(cl, conn, arn);
	}
}

/* `check --configured`: whether the configuration names what the daemon
 * needs, for a service manager to decide whether to start it at all
 * (systemd's ExecCondition=). 1 only when the file and the environment
 * leave queue_url or source.buckets unset and say nothing wrong; any other
 * problem is 0, so that starting fails and says why. AWS is not asked. */
static int
check_configured(const char *path)
{
	struct ct_config *c;
	struct ct_error err;

	log_init("ctalertd", LOG_TARGET_TEXT, LOG_WARNING);
	if ((c = conf_load(path, NULL, &err)) != NULL) {
		conf_free(c);
		return 0;
	}
	if (err.code != CT_ERR_UNSET)
		return 0;
	printf("not configured yet: %s\n", err.msg);
	return 1;
}

/* The URL of path on the metrics listener "host:port": a wildcard host
 * is asked on loopback. 0, or -1 when listen has no port. */
static int
health_url(const char *listen, const char *path, char *url, size_t size)
{
	const char *colon = strrchr(listen, ':');
	const char *host;
	int hl;

	if (colon == NULL || colon == listen)
		return -1;
	hl = (int)(colon - listen);
	host = listen;
	if ((hl == 1 && *listen == '*') || (hl == 7 && strncmp(listen, "0.0.0.0", 7) == 0))
		host = "127.0.0.1", hl = 9;
	else if (hl == 4 && strncmp(listen, "[::]", 4) == 0)
		host = "[::1]", hl = 5;
	snprintf(url, size, "http://%.*s%s%s", hl, host, colon, path);
	return 0;
}

/* Appends what the endpoint answers (at most size - 1 bytes, cut). */
struct reply {
	char text[512];
	size_t len;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t k = size * n, room = sizeof(r->text) - 1 - r->len;

	memcpy(r->text + r->len, p, k < room ? k : room);
	r->len += k < room ? k : room;
	r->text[r->len] = '\0';
	return size * n;
}

/* `check --health`: asks the running daemon's /healthz (on metrics.listen)
 * within 5 s. Exit 0 healthy, 1 for anything else, as a container
 * HEALTHCHECK wants (2 is reserved there): unhealthy, not answering, or no
 * listener configured. */
static int
check_health(const char *path)
{
	struct ct_config *c;
	struct ct_error err;
	struct reply reply = {"", 0};
	char url[300];
	long status = 0;
	CURL *h;
	CURLcode rc;

	log_init("ctalertd", LOG_TARGET_TEXT, LOG_WARNING);
	if ((c = conf_load(path, NULL, &err)) == NULL) {
		printf("unhealthy: %s\n", err.msg);
		return 1;
	}
	if (c->metrics_listen == NULL ||
	    health_url(c->metrics_listen, "/healthz", url, sizeof(url))) {
		printf(
		    "unhealthy: metrics.listen (or CTALERTD_METRICS_LISTEN) is not set: the health "
		    "check asks the daemon's metrics listener\n");
		conf_free(c);
		return 1;
	}
	conf_free(c);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((h = curl_easy_init()) == NULL) {
		printf("unhealthy: out of memory\n");
		curl_global_cleanup();
		return 1;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	if (rc != CURLE_OK) {
		printf("unhealthy: %s: %s\n", url, curl_easy_strerror(rc));
		return 1;
	}
	if (reply.len > 0 && reply.text[reply.len - 1] == '\n')
		reply.text[--reply.len] = '\0';
	printf("%s: %ld %s\n", url, status, reply.text);
	return status == 200 ? 0 : 1;
}

int
cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
	    {"configured", no_argument, NULL, 'C'}, {"health", no_argument, NULL, 'H'},
	    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct checklist cl = {0, 0, NULL, 0};
	const char *path = NULL;
	struct ct_config *c;
	struct ctaws_client *client;
	struct ctaws_conn *conn;
	struct ct_error err;
	char line[64], what[4200];
	int ch, started = 0, configured = 0, health = 0;

	while ((ch = cmd_getopt("check", argc, argv, "c:h", longopts, &started)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			configured = 1;
			break;
		case 'H':
			health = 1;
			break;
		case 'h':
			printf("Usage: ctalertd check [-c FILE] [--configured | --health]\n"
			       "Validate the configuration and check, with the daemon's "
			       "credentials, the\n"
			       "caller identity, the queue, every alert topic and every source "
			       "bucket.\n\n"
			       "  -c, --config=FILE  configuration file (default %s)\n"
			       "      --configured   only tell whether the queue and the buckets "
			       "are set\n"
			       "                     (exit 1 when not); ask AWS nothing\n"
			       "      --health       ask the running daemon's /healthz on "
			       "metrics.listen\n"
			       "                     (exit 1 when unhealthy or not answering)\n"
			       "  -h, --help         display this help and exit\n\n"
			       "Exit status: 0 when every check passed, 1 otherwise, 2 for a bad "
			       "configuration.\n",
			    CONF_DEFAULT_FILE);
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc)
		return cmd_usage_error("check", "unexpected argument '%s'", argv[optind]);
	if (configured)
		return check_configured(path);
	if (health)
		return check_health(path);
	log_init("ctalertd", LOG_TARGET_TEXT, LOG_WARNING);
	if ((c = conf_load_report(path, NULL, config_error, &cl, &err)) == NULL) {
		printf("%d %s: the configuration is refused\n", cl.failed,
		    log_plural(cl.failed, "error", "errors"));
		return 2;
	}
	snprintf(line, sizeof(line), "%zu %s compiled", c->rules.n,
	    log_plural((long)c->rules.n, "rule", "rules"));
	if (c->file)
		snprintf(what, sizeof(what), "configuration %s", c->file);
	else
		snprintf(what, sizeof(what), "configuration from the environment (no %s)",
		    path ? path : CONF_DEFAULT_FILE);
	item(&cl, 1, what, line);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((client = conf_aws_client(c, &err)) == NULL ||
	    (conn = ctaws_conn_new(client)) == NULL) {
		item(&cl, 0, "AWS client", client ? "out of memory" : err.msg);
	} else {
		check_identity(&cl, conn);
		check_queue(&cl, client, conn, c);
		check_topics(&cl, conn, c);
		for (size_t i = 0; i < c->source.n_buckets; i++)
			check_bucket(
			    &cl, conn, c->source.buckets[i], c->source.expected_bucket_owner);
		ctaws_conn_free(conn);
	}
	ctaws_client_free(client);
	conf_free(c);
	curl_global_cleanup();
	printf("%d passed, %d failed", cl.passed, cl.failed);
	if (cl.warned)
		printf(", %d %s", cl.warned, log_plural(cl.warned, "warning", "warnings"));
	printf("\n");
	return cl.failed ? 1 : 0;
}
