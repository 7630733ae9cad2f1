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

/* The backend c asks for, with file the sqlite file it would use (NULL:
 * none); -1 with err when it cannot be had. */
static int
choose(const struct ct_config *c, int dry_run, const char *file, enum state_backend *out,
    struct ct_error *err)
{
	switch (dry_run ? STATE_CHOICE_MEMORY : c->state.backend) {
	case STATE_CHOICE_MEMORY:
		*out = STATE_MEMORY;
		return 0;
	case STATE_CHOICE_DYNAMODB:
		*out = STATE_DYNAMODB;
		return 0;
	case STATE_CHOICE_SQLITE:
		*out = STATE_SQLITE;
		if (file == NULL)
			return ct_error_set(err, CT_ERR_CONFIG,
			    "state.backend \"sqlite\" needs state.path (or CTALERTD_STATE_PATH, or "
			    "StateDirectory= in the unit)");
		return 0;
	default:
		*out = file ? STATE_SQLITE : STATE_MEMORY;
		if (file == NULL)
			log_notice("state store: memory (no state directory and no state.path): "
			           "published alerts are remembered until ctalertd stops");
		return 0;
	}
}

struct state *
store_open(
    const struct ct_config *c, struct ctaws_client *client, int dry_run, struct ct_error *err)
{
	struct state_options o;
	char *file = c->state.path ? strdup(c->state.path) : state_directory_file();
	struct state *s = NULL;

	memset(&o, 0, sizeof(o));
	o.max_keys = c->state.max_keys;
	o.path = file;
	o.table = c->state.table;
	o.aws = client;
	if (choose(c, dry_run, file, &o.backend, err) == 0)
		s = state_open(&o, err);
	free(file);
	return s;
}
