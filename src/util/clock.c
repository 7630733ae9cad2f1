/*
 * clock: clock_gettime() read as seconds. See clock.h for which clock a
 * caller wants.
 */
#include "util/clock.h"

#include <time.h>

static double
seconds(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
clock_mono_s(void)
{
	return seconds(CLOCK_MONOTONIC);
}

double
clock_wall_s(void)
{
	return seconds(CLOCK_REALTIME);
}
