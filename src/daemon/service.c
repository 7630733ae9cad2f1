/*
 * service: sd_notify messages (READY, RELOADING with MONOTONIC_USEC,
 * STOPPING, STATUS, WATCHDOG); no-ops without libsystemd. See service.h.
 */
#include "config.h"

#include "daemon/service.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

static void
notify(const char *state)
{
#ifdef HAVE_SYSTEMD
	sd_notify(0, state);
#else
	(void)state;
#endif
}

void
service_ready(void)
{
	notify("READY=1");
}

void
service_reloading(void)
{
	char msg[64];
	struct timespec ts;

	/* MONOTONIC_USEC lets systemd (>= 253, Type=notify-reload) match the
	 * reload to its request; older versions ignore it. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000ULL);
	notify(msg);
}

void
service_stopping(void)
{
	notify("STOPPING=1");
}

void
service_status(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "STATUS=");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	notify(msg);
}

void
service_watchdog(void)
{
	notify("WATCHDOG=1");
}

uint64_t
service_watchdog_usec(void)
{
#ifdef HAVE_SYSTEMD
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) > 0)
		return usec;
#endif
	return 0;
}
