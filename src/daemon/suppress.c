/*
 * suppress: `ctalertd suppress`, an operator silencing a rule, or one group
 * of it, in the state store the daemon uses (aggregate.h).
 *
 * The store is the configuration's: the SQLite file in the state directory
 * (STATE_DIRECTORY, else --state-dir, else /var/lib/ctalertd) or state.path,
 * or the DynamoDB table every instance shares. A daemon whose store is
 * memory cannot be reached, and the command says so. Run as root on a
 * SQLite file another user owns (the unit's DynamicUser), it becomes that
 * user first, so the files SQLite creates beside the database stay the
 * daemon's.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/client.h"
#include "cmdline.h"
#include "commands.h"
#include "daemon/aggregate.h"
#include "daemon/awsconf.h"
#include "daemon/conf.h"
#include "daemon/store.h"
#include "state/state.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/units.h"

#define STATE_DIR_DEFAULT "/var/lib/ctalertd"

static void
suppress_usage(FILE *f)
{
	fprintf(f,
	    "Usage: ctalertd suppress [OPTION]... RULE [FIELD=VALUE]... (--for=DURATION |\n"
	    "       --until=TIME | --lift)\n"
	    "Silence the alerts of RULE, or of one group of it (a value for each of its\n"
	    "group_by fields), in the state store every instance shares, until a time.\n"
	    "Matches are then counted as suppressed instead of alerting.\n\n"
	    "  -c, --config=FILE      configuration file (default %s)\n"
	    "      --state-dir=DIR    the daemon's state directory when STATE_DIRECTORY is not\n"
	    "                         set (default " STATE_DIR_DEFAULT ")\n"
	    "      --for=DURATION     from now on, for this long (\"2h\", \"1d\")\n"
	    "      --until=TIME       until this time (RFC 3339, \"2026-01-02T03:00:00Z\")\n"
	    "      --lift             lift a suppression now\n"
	    "  -h, --help             display this help and exit\n\n"
	    "Exit status: 0 when the store recorded it, 1 when the store failed, 2 for a bad\n"
	    "configuration or usage.\n",
	    CONF_DEFAULT_FILE);
}

struct request {
	const char *config;
	const char *state_dir;
	const char *rule;
	char **pairs; /* FIELD=VALUE words */
	int npairs;
	int64_t until; /* epoch seconds; 0 with lift */
	int lift;
	int when_given;
};

/* The values of the rule's group_by fields in their order, from pairs. */
static int
group_values(const struct rule *rule, const struct request *q, const char **values)
{
	if ((size_t)q->npairs != rule->group.nby)
		return cmd_usage_error("suppress",
		    "rule %s groups by %zu %s: give a value for each, or none for the whole rule",
		    rule->name, rule->group.nby, rule->group.nby == 1 ? "field" : "fields");
	for (size_t i = 0; i < rule->group.nby; i++) {
		size_t n = strlen(rule->group.by[i]);

		values[i] = NULL;
		for (int k = 0; k < q->npairs; k++)
			if (strncmp(q->pairs[k], rule->group.by[i], n) == 0 &&
			    q->pairs[k][n] == '=')
				values[i] = q->pairs[k] + n + 1;
		if (values[i] == NULL)
			return cmd_usage_error("suppress",
			    "no value for group_by field %s of rule %s", rule->group.by[i],
			    rule->name);
	}
	return 0;
}

/* Root working on a file the daemon's user owns becomes that user. */
static int
become_owner(const struct ct_config *c)
{
	const char *dir = getenv("STATE_DIRECTORY");
	char file[4096];
	struct stat st;

	if (geteuid() != 0 || c->state.backend == STATE_CHOICE_DYNAMODB ||
	    c->state.backend == STATE_CHOICE_MEMORY)
		return 0;
	if (c->state.path)
		snprintf(file, sizeof(file), "%s", c->state.path);
	else
		snprintf(file, sizeof(file), "%.*s/%s", (int)strcspn(dir, ":"), dir, STORE_FILE);
	if (stat(file, &st) == -1 || st.st_uid == 0)
		return 0;
	if (setgid(st.st_gid) == -1 || setuid(st.st_uid) == -1) {
		log_warn("cannot become the owner (uid %u) of %s", (unsigned)st.st_uid, file);
		return -1;
	}
	return 0;
}

static int
record(const struct request *q, const struct ct_config *c)
{
	struct ctaws_client *client = NULL;
	const struct rule *rule = rule_list_find(&c->rules, q->rule);
	const char *values[RULE_GROUP_BY_MAX];
	struct ct_error err;
	struct state *st;
	char when[21];
	int rc = 1;

	if (rule == NULL)
		return cmd_usage_error("suppress", "no rule %s in the configuration", q->rule);
	if (q->npairs > 0 && group_values(rule, q, values) != 0)
		return 2;
	if (become_owner(c) == -1)
		return 1;
	if (c->state.backend == STATE_CHOICE_DYNAMODB &&
	    (client = conf_aws_client(c, &err)) == NULL) {
		log_err("%s", err.msg);
		return 1;
	}
	if ((st = store_open(c, client, 0, &err)) == NULL) {
		log_err("%s", err.msg);
	} else if (strcmp(state_where(st), "memory") == 0) {
		log_err("the daemon's state store is memory (no state directory, state.path or "
		        "dynamodb table): a suppression cannot reach it");
	} else if (aggregate_suppress(
	               st, rule, q->npairs ? values : NULL, q->lift ? 0 : q->until, &err) == -1) {
		log_err("%s", err.msg);
	} else {
		clock_format_time((time_t)q->until, when);
		printf("%s %s%s in %s%s%s\n", q->lift ? "lifted the suppression of" : "suppressed",
		    rule->name, q->npairs ? " (one group)" : "", state_where(st),
		    q->lift ? "" : " until ", q->lift ? "" : when);
		rc = 0;
	}
	state_close(st);
	ctaws_client_free(client);
	return rc;
}

static int
parse_args(int argc, char **argv, struct request *q)
{
	static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
	    {"state-dir", required_argument, NULL, 'd'}, {"for", required_argument, NULL, 'f'},
	    {"until", required_argument, NULL, 'u'}, {"lift", no_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int ch, started = 0;
	const char *why;
	uint64_t secs;
	time_t t;

	while ((ch = cmd_getopt("suppress", argc, argv, "c:h", longopts, &started)) != -1) {
		switch (ch) {
		case 'c':
			q->config = optarg;
			break;
		case 'd':
			q->state_dir = optarg;
			break;
		case 'f':
			if (units_duration(optarg, &secs, &why) == -1 || secs == 0)
				return cmd_usage_error("suppress", "--for: %s",
				    secs == 0 ? "a duration above 0" : why);
			q->until = (int64_t)clock_wall_s() + (int64_t)secs;
			q->when_given++;
			break;
		case 'u':
			if (clock_parse_time(optarg, &t) == -1)
				return cmd_usage_error(
				    "suppress", "--until: not a time: %s", optarg);
			q->until = (int64_t)t;
			q->when_given++;
			break;
		case 'l':
			q->lift = 1;
			q->when_given++;
			break;
		case 'h':
			suppress_usage(stdout);
			return -1;
		default:
			return 2;
		}
	}
	if (optind >= argc)
		return cmd_usage_error("suppress", "which rule?");
	if (q->when_given != 1)
		return cmd_usage_error("suppress", "give one of --for, --until or --lift");
	q->rule = argv[optind];
	q->pairs = argv + optind + 1;
	q->npairs = argc - optind - 1;
	for (int i = 0; i < q->npairs; i++)
		if (strchr(q->pairs[i], '=') == NULL)
			return cmd_usage_error("suppress", "'%s' is not FIELD=VALUE", q->pairs[i]);
	return 0;
}

int
cmd_suppress(int argc, char **argv)
{
	struct request q = {0};
	struct ct_config *c;
	struct ct_error err;
	int rc;

	if ((rc = parse_args(argc, argv, &q)) != 0)
		return rc == -1 ? 0 : rc;
	log_init("ctalertd", LOG_TARGET_TEXT, LOG_NOTICE);
	if (getenv("STATE_DIRECTORY") == NULL || *getenv("STATE_DIRECTORY") == '\0')
		setenv("STATE_DIRECTORY", q.state_dir ? q.state_dir : STATE_DIR_DEFAULT, 1);
	if ((c = conf_load(q.config, NULL, &err)) == NULL) {
		log_err("%s", err.msg);
		return 2;
	}
	rc = record(&q, c);
	conf_free(c);
	return rc;
}
