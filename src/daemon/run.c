/*
 * run: `ctalertd run`, the daemon (also what `ctalertd` alone does).
 */
#include "config.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "commands.h"
#include "daemon/conf.h"
#include "daemon/daemon.h"
#include "util/log.h"

static void
run_usage(FILE *f)
{
	fprintf(f,
	    "Usage: ctalertd [run] [OPTION]...\n"
	    "Poll the SQS queue that announces new CloudTrail log objects, scan each object\n"
	    "against the rules and publish an SNS alert for every match.\n\n"
	    "  -c, --config=FILE      configuration file (default %s;\n"
	    "                         without one, CTALERTD_* environment variables)\n"
	    "      --once             stop once the queue stays empty for one long poll\n"
	    "      --dry-run          print alerts on standard output; publish and delete\n"
	    "                         nothing, and give every message back at the end\n"
	    "      --log-level=LEVEL  error, warning, notice, info or debug (overrides log_level)\n"
	    "      --log-target=T     auto, text, json or journal (overrides log_target)\n"
	    "  -h, --help             display this help and exit\n\n"
	    "Signals: TERM/INT stop after in-flight work (shutdown_grace), HUP reloads the\n"
	    "configuration and rules, USR1 logs the counters.\n"
	    "Exit status: 0 after a clean stop, 1 when the queue cannot be used, 2 for a bad\n"
	    "configuration or usage, 3 (--once) when a message failed: given back after a\n"
	    "failure, judged poison, or its delete failed.\n",
	    CONF_DEFAULT_FILE);
}

static int
parse_target(const char *s, enum log_target *t)
{
	static const struct {
		const char *name;
		enum log_target t;
	} names[] = {{"auto", LOG_TARGET_AUTO}, {"text", LOG_TARGET_TEXT},
	    {"json", LOG_TARGET_JSON}, {"journal", LOG_TARGET_JOURNAL}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*t = names[i].t;
			return 0;
		}
	return -1;
}

int
cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
	    {"once", no_argument, NULL, 'o'}, {"dry-run", no_argument, NULL, 'n'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"log-target", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct daemon_options opt = {NULL, 0, NULL};
	enum log_target target = LOG_TARGET_AUTO;
	int level = -1, target_set = 0, ch, status;
	struct ct_config *cfg;
	struct daemon *d;
	struct ct_error err;
	int started = 0;

	while ((ch = cmd_getopt("run", argc, argv, "c:h", longopts, &started)) != -1) {
		switch (ch) {
		case 'c':
			opt.config_path = optarg;
			break;
		case 'o':
			opt.once = 1;
			break;
		case 'n':
			opt.dry_run = stdout;
			break;
		case 'l':
			if ((level = log_level_parse(optarg)) == -1)
				return cmd_usage_error(
				    "run", "--log-level: unknown level '%s'", optarg);
			break;
		case 't':
			if (parse_target(optarg, &target) == -1)
				return cmd_usage_error(
				    "run", "--log-target: unknown target '%s'", optarg);
			target_set = 1;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc)
		return cmd_usage_error("run", "unexpected argument '%s'", argv[optind]);
	log_init("ctalertd", target, level == -1 ? LOG_INFO : level);
	if ((cfg = conf_load(opt.config_path, NULL, &err)) == NULL) {
		log_err("%s", err.msg);
		return 2;
	}
	log_init("ctalertd", target_set ? target : cfg->log_target,
	    level == -1 ? cfg->log_level : level);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((d = daemon_new(cfg, &opt, &err)) == NULL) {
		log_err("%s", err.msg);
		curl_global_cleanup();
		return 2;
	}
	status = daemon_run(d);
	daemon_free(d);
	curl_global_cleanup();
	return status;
}
