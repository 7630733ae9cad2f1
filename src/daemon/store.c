/*
 * store: from the configuration to an open state store. See store.h.
 */
#include "config.h"

#include "daemon/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/log.h"

/* The first folder of $STATE_DIRECTORY (systemd lists several with ':'),
 * joined with STORE_FILE; NULL when it is not set. */
static char *
state_directory_file(void)
{
	const char *dir = getenv("STATE_DIRECTORY");
	struct buf b = BUF_INIT;

	if (dir == NULL || *dir == '\0')
		return NULL;
	if (buf_printf(&b, "%.*s/%s", (int)strcspn(dir, ":"), dir, STORE_FILE) == -1)
		return NULL;
	return buf_detach(&b);
}

struct state *
store_open(const struct ct_config *c, int dry_run, struct ct_error *err)
{
	struct state_options o = {STATE_MEMORY, NULL, c->state.max_keys, NULL};
	char *file = c->state.path ? strdup(c->state.path) : state_directory_file();
	struct state *s;

	if (!dry_run && c->state.backend != STATE_CHOICE_MEMORY && file)
		o.backend = STATE_SQLITE;
	if (!dry_run && c->state.backend == STATE_CHOICE_SQLITE && file == NULL) {
		ct_error_set(err, CT_ERR_CONFIG,
		    "state.backend \"sqlite\" needs state.path (or CTALERTD_STATE_PATH, or "
		    "StateDirectory= in the unit)");
		return NULL;
	}
	o.path = file;
	s = state_open(&o, err);
	free(file);
	if (s && o.backend == STATE_MEMORY && c->state.backend == STATE_CHOICE_AUTO && !dry_run)
		log_notice("state store: memory (no state directory and no state.path): published "
		           "alerts are remembered until ctalertd stops");
	return s;
}
