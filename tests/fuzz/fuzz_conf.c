/*
 * libFuzzer target for the configuration file (src/daemon/conf*.c, through
 * libconfig and the rules in it): each input is a ctalertd.conf, loaded in
 * an empty directory with an empty environment, and printed back when it
 * loads.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/conf.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

/* Once: an empty scratch directory to work in, so that relative paths in a
 * configuration name nothing. */
static void
enter_scratch(void)
{
	char dir[] = "/tmp/ctalertd-fuzz-conf.XXXXXX";

	if (mkdtemp(dir) == NULL || chdir(dir) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/ctalertd.conf", dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const no_env[] = {NULL};
	struct ct_config *c;
	struct ct_error err;
	struct buf out = BUF_INIT;
	FILE *f;

	if (path[0] == '\0')
		enter_scratch();
	if ((f = fopen(path, "wb")) == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	memset(&err, 0, sizeof(err));
	if ((c = conf_load(path, no_env, &err)) != NULL) {
		conf_print(c, &out);
		buf_free(&out);
		conf_free(c);
	} else if (err.msg[0] == '\0') {
		abort(); /* a refusal always says why */
	}
	return 0;
}
