/*
 * store: the state store the configuration names (state.backend, state.path,
 * state.table, state.max_keys), opened for the daemon.
 *
 * "auto" is sqlite in the state directory systemd gives the unit
 * (StateDirectory=, told in $STATE_DIRECTORY) or state.path when set, and
 * memory when neither is: a container without a volume remembers what it
 * published until it stops. "dynamodb" is one table (state.table) shared by
 * every instance on the queue, reached with the daemon's AWS client. A dry
 * run always uses memory, so that it never tells the real daemon an alert
 * was sent.
 */
#ifndef CT_DAEMON_STORE_H
#define CT_DAEMON_STORE_H

#include "daemon/conf.h"
#include "state/state.h"
#include "util/error.h"

#define STORE_FILE "state.db" /* in the state directory */

/* The store for c; NULL with err naming the file when it cannot be opened.
 * The caller owns it: state_close(). */
struct ctaws_client;
/* client: borrowed, outliving the store (the dynamodb backend's calls). */
struct state *store_open(
    const struct ct_config *c, struct ctaws_client *client, int dry_run, struct ct_error *err);

#endif
