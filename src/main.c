/*
 * ctalertd: alerts on AWS CloudTrail records that match EventBridge patterns.
 *
 * main() only picks the command; each command parses its own options.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"

struct command {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"scan", cmd_scan, "match CloudTrail logs, files or s3://, against the rules and print the matches"},
	{"verify", cmd_verify, "verify CloudTrail's signed digests and the log files they list"},
	{"run", cmd_run, "run the daemon: poll SQS, scan announced objects, publish alerts (default)"},
	{"check", cmd_check, "validate the configuration and check what the daemon can reach"},
	{"test", cmd_test, "run the rules' own tests: records each must match, or must not"},
	{"rules", cmd_rules, "list the rules: name, kind, severity, file, fields read"},
	{"suppress", cmd_suppress, "silence a rule, or one group of it, until a time"},
};

static void
usage(FILE *f)
{
	fprintf(f, "Usage: ctalertd [COMMAND] [OPTION]...\n"
	           "Alert on AWS CloudTrail records that match EventBridge event patterns.\n\n"
	           "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n"
	           "  -h, --help     display this help and exit\n"
	           "  -V, --version  output version information and exit\n\n"
	           "Run 'ctalertd COMMAND --help' for the options of a command.\n"
	           "Report bugs to: %s\n", PACKAGE_BUGREPORT);
}

static void
version(void)
{
	printf("ctalertd %s\n"
	       "Copyright (C) 2026 the ctalertd authors.\n"
	       "License: ISC <https://opensource.org/licenses/ISC>.\n"
	       "This is free software: you are free to change and redistribute it.\n"
	       "There is NO WARRANTY, to the extent permitted by law.\n",
	    PACKAGE_VERSION);
}

int
main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;

	if (name && (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (name && (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)) {
		version();
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (name && strcmp(name, commands[i].name) == 0)
			return commands[i].main(argc - 1, argv + 1);
	/* No command, or options only: the daemon is the default. */
	if (name == NULL || name[0] == '-')
		return cmd_run(argc, argv);
	fprintf(stderr, "ctalertd: unknown command '%s'\nTry 'ctalertd --help' for more information.\n", name);
	return 2;
}
