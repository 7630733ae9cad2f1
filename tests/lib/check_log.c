/*
 * check_log: the logging setup of test programs whose code logs (see
 * check_main.h); a file of its own so that programs without logging do not
 * link the log module.
 */
#include "config.h"

#include "check_main.h"
#include "util/log.h"

int
ct_log_debug(void)
{
	log_init("ctalertd-test", LOG_TARGET_TEXT, LOG_DEBUG);
	return 0;
}
