/*
 * commands: the sub-commands of ctalertd, each a main() of its own.
 * argv[0] is the command name; they return the process exit status.
 */
#ifndef CT_COMMANDS_H
#define CT_COMMANDS_H

#include "match/match.h"
#include "rules/rules.h"
#include "util/error.h"

int cmd_scan(int argc, char **argv);   /* scan.c: match log files offline */
int cmd_verify(int argc, char **argv); /* verify.c: check CloudTrail's signed digests and logs */
int cmd_run(int argc, char **argv);    /* daemon/run.c: the daemon */
int cmd_check(int argc, char **argv); /* daemon/check.c: configuration and reachability checklist */
int cmd_test(int argc, char **argv);  /* rules_cmds.c: run the rules' own tests */
int cmd_rules(int argc, char **argv); /* rules_cmds.c: list the rules and what they read */
int cmd_suppress(int argc, char **argv); /* daemon/suppress.c: silence a rule or a group */

/* rules_cmds.c: `ctalertd rules`' lines (name, kind, severity, origin,
 * fields read) on standard output, for `scan --list-rules` too. 0 or -1. */
int rules_print_list(const struct rule_list *l, enum match_envelope env, struct ct_error *err);

#endif
