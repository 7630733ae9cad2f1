/*
 * emf: the daemon's counters as CloudWatch Embedded Metric Format, for ECS
 * users without Prometheus. Every metrics.emf_interval the daemon writes
 * one JSON log line whose members are an EMF document: the awslogs driver
 * sends it to CloudWatch Logs, which turns it into CloudWatch metrics.
 *
 * Each line carries, for every counter of struct counters, how much it grew
 * since the previous line (a CloudWatch Sum over a period then adds up to
 * the Prometheus counter's increase), under the namespace
 * metrics.emf_namespace and the one dimension Queue (the queue's name).
 * The document (the "_aws" metadata and the target members) is what
 * emf_render() appends; the log line adds time, level and msg beside it,
 * which EMF allows.
 */
#ifndef CT_DAEMON_EMF_H
#define CT_DAEMON_EMF_H

#include <stdint.h>

#include "util/buf.h"

#define EMF_NCOUNTERS 29

struct counters;

/* What the previous line reported; zero it before the first. */
struct emf_state {
	uint64_t last[EMF_NCOUNTERS];
};

/* Appends the EMF members (no braces: `"_aws":{...},"Queue":"q",...`) for
 * the growth of k since st, at ts_ms (milliseconds since the epoch), and
 * remembers k in st. queue_url's last path segment names the queue. 0, or
 * -1 when out of memory. */
int emf_render(struct buf *out, const struct counters *k, struct emf_state *st, const char *ns,
    const char *queue_url, long long ts_ms);

#endif
