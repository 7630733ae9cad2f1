/*
 * cmdline: option parsing shared by the commands, so that every command
 * words its errors alike: "ctalertd scan: unrecognized option '-m'", the
 * option named as the user wrote it, then "Try 'ctalertd scan --help' ...".
 *
 * Short options mean the same in every command: -c is --config and -h is
 * --help wherever they exist.
 */
#ifndef CT_CMDLINE_H
#define CT_CMDLINE_H

#include <getopt.h>

/* getopt_long() for command cmd ("scan", "run", "check"): the option, -1
 * after the last, or '?' once an unknown option, a missing argument or an
 * argument given to an option that takes none was reported on standard
 * error. shortopts need not start with ':'. Resets getopt first when
 * *started is 0, and sets it. */
int cmd_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
    const struct option *longopts, int *started);

/* Prints "ctalertd CMD: " and the message, then the --help hint; returns 2,
 * the exit status of a usage error. */
int cmd_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
