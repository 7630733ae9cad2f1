/*
 * orgnames: account names from AWS Organizations (alerts.organization_names),
 * for alerts of accounts alerts.accounts does not name.
 *
 * A thread of its own calls ListAccounts at start and then every
 * ORGNAMES_REFRESH_S (a day; after a failure, ORGNAMES_RETRY_S), and swaps
 * in the new table; alerts read it under a read lock and copy the name
 * out, so a refresh never pulls a name from under an alert being built.
 * Only the organization's management account, or a delegated
 * administrator, may list accounts: without organizations:ListAccounts the
 * thread says so once and alerts keep the names of alerts.accounts.
 * Suspended and closed accounts keep their names. Thread-safe.
 */
#ifndef CT_DAEMON_ORGNAMES_H
#define CT_DAEMON_ORGNAMES_H

#include <stddef.h>

#define ORGNAMES_REFRESH_S 86400
#define ORGNAMES_RETRY_S   300

struct orgnames;
struct ctaws_client;

/* Starts the thread, listing through client (borrowed, outliving it). NULL
 * when it cannot start. */
struct orgnames *orgnames_new(struct ctaws_client *client);
/* Stops the thread and frees everything. */
void orgnames_free(struct orgnames *o);

/* Copies the name of account id into out (outlen bytes, cut if longer);
 * out, or NULL when o (may be NULL) knows no such account. */
const char *orgnames_copy(struct orgnames *o, const char *id, char *out, size_t outlen);

#endif
