/*
 * cmdline: getopt_long with ctalertd's own messages (see cmdline.h).
 *
 * getopt's own messages start with argv[0], which is the command name
 * ("scan: ...") once main() has passed argv on, and for a short option
 * inside a cluster ("-m1") the element before it is not the option: the
 * offending character, optopt, is.
 */
#include "config.h"

#include "cmdline.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ctalertd %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'ctalertd %s --help' for more information.\n", cmd);
	return 2;
}

/* The long option text ("--config", without "=value") at argv[i], or NULL
 * when argv[i] is not a long option. */
static const char *
long_text(char **argv, int i, char *out, size_t outlen)
{
	const char *a = argv[i];

	if (i < 1 || strncmp(a, "--", 2) != 0)
		return NULL;
	snprintf(out, outlen, "%.*s", (int)strcspn(a, "="), a);
	return out;
}

/* Whether the problem getopt reports is a short option's: the element it
 * came from is a cluster "-xyz" holding optopt (optind may or may not have
 * moved past it yet). */
static int
short_problem(int argc, char **argv)
{
	for (int i = optind - 1; i <= optind && i < argc; i++)
		if (i > 0 && argv[i][0] == '-' && argv[i][1] != '-' && optopt > 0 && optopt < 256 &&
		    strchr(argv[i] + 1, optopt) != NULL)
			return 1;
	return 0;
}

static void
report(const char *cmd, int argc, char **argv, int missing)
{
	char text[128];
	const char *name;

	if (short_problem(argc, argv))
		snprintf(text, sizeof(text), "-%c", optopt);
	else if ((name = long_text(argv, optind - 1, text, sizeof(text))) == NULL)
		snprintf(text, sizeof(text), "%s", argv[optind - 1]);
	if (missing)
		cmd_usage_error(cmd, "option '%s' requires an argument", text);
	else if (optopt && !short_problem(argc, argv) && strchr(argv[optind - 1], '='))
		cmd_usage_error(cmd, "option '%s' does not take an argument", text);
	else
		cmd_usage_error(cmd, "unrecognized option '%s'", text);
}

int
cmd_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
    const struct option *longopts, int *started)
{
	char opts[64];
	int c;

	if (!*started) {
		optind = 1;
		*started = 1;
	}
	opterr = 0;
	snprintf(opts, sizeof(opts), ":%s", shortopts[0] == ':' ? shortopts + 1 : shortopts);
	c = getopt_long(argc, argv, opts, longopts, NULL);
	if (c == '?' || c == ':') {
		report(cmd, argc, argv, c == ':');
		return '?';
	}
	return c;
}
