/*
 * check: `ctalertd check`, what the daemon would see, before it runs.
 *
 * Validates the configuration (every rule compiled), then asks AWS, with the
 * credentials the daemon would use, for each thing it depends on: who it is,
 * the queue, each alert topic and each source bucket. One line per item;
 * the exit status is 0 only when every item passed.
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
#include "commands.h"
#include "daemon/awsconf.h"
#include "daemon/conf.h"
#include "daemon/route.h"
#include "util/log.h"

struct checklist {
	int failed;
	int passed;
	const char *unchecked; /* set: AWS is not asked again, each item fails with this */
};

static void
item(struct checklist *cl, int ok, const char *what, const char *detail)
{
	printf("%s %s%s%s\n", ok ? "[ ok ]" : "[FAIL]", what, detail && *detail ? ": " : "",
	    detail ? detail : "");
	if (ok)
		cl->passed++;
	else
		cl->failed++;
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
		item(cl, 0, what, ctaws_error_str(&err, why, sizeof(why)));
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

int
cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct checklist cl = {0, 0, NULL};
	const char *path = NULL;
	struct ct_config *c;
	struct ctaws_client *client;
	struct ctaws_conn *conn;
	struct ct_error err;
	char line[64];
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			printf("Usage: ctalertd check [-c FILE]\n"
			       "Validate the configuration and check, with the daemon's "
			       "credentials, the\n"
			       "caller identity, the queue, every alert topic and every source "
			       "bucket.\n\n"
			       "  -c, --config=FILE  configuration file (default %s)\n"
			       "  -h, --help         display this help and exit\n\n"
			       "Exit status: 0 when every check passed, 1 otherwise, 2 for a bad "
			       "configuration.\n",
			    CONF_DEFAULT_FILE);
			return 0;
		default:
			fprintf(stderr, "Try 'ctalertd check --help' for more information.\n");
			return 2;
		}
	}
	log_init("ctalertd", LOG_TARGET_TEXT, LOG_WARNING);
	if ((c = conf_load(path, NULL, &err)) == NULL) {
		item(&cl, 0, "configuration", err.msg);
		return 2;
	}
	snprintf(line, sizeof(line), "%zu rules compiled", c->rules.n);
	item(&cl, 1, c->file ? c->file : "configuration (environment)", line);
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
	printf("%d passed, %d failed\n", cl.passed, cl.failed);
	return cl.failed ? 1 : 0;
}
