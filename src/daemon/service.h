/*
 * service: telling the service manager how the daemon is doing.
 *
 * Under systemd (Type=notify) these become sd_notify messages: READY=1,
 * STATUS=..., RELOADING=1, STOPPING=1, WATCHDOG=1. Without libsystemd, or
 * without NOTIFY_SOCKET, they do nothing.
 */
#ifndef CT_DAEMON_SERVICE_H
#define CT_DAEMON_SERVICE_H

#include <stdint.h>

void service_ready(void);
void service_reloading(void); /* RELOADING=1; service_ready() ends the reload */
void service_stopping(void);
void service_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void service_watchdog(void);
/* The watchdog period in microseconds (WatchdogSec), 0 when not enabled. */
uint64_t service_watchdog_usec(void);

#endif
