/*
 * Prints every option the configuration loader knows, one a line:
 * NAME<TAB>DEFAULT<TAB>ENVIRONMENT ("-" for none), for the test that holds
 * the manual pages to them.
 */
#include "config.h"

#include <stdio.h>

#include "daemon/conf_int.h"

int
main(void)
{
	for (size_t i = 0; i < conf_nopts; i++) {
		const struct conf_opt *o = &conf_opts[i];

		if (o->kind == K_GROUP)
			continue;
		printf("%s\t%s\t%s\n", o->name, o->def ? o->def : "-", o->env ? o->env : "-");
	}
	return 0;
}
