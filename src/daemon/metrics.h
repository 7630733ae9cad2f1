/*
 * metrics: what the daemon did, for Prometheus.
 *
 * One registry for the process, like the log: any thread records into it
 * through the calls below, and metrics_render() writes everything in the
 * Prometheus text exposition format (version 0.0.4). The totals the daemon
 * already keeps (struct counters) are read, not copied: the registry holds a
 * pointer to them. What it keeps itself:
 *   - per rule: matches, alerts published, alerts given up on;
 *   - AWS request errors by service, operation and error code, one per
 *     failed attempt (so throttling shows even when a retry succeeds);
 *   - gauges: messages in flight, busy workers, workers;
 *   - histograms: seconds to process an object, and queue lag (the time from
 *     SentTimestamp to the receive).
 * Recording never fails and never blocks for long: histograms and gauges are
 * atomics; labelled series take a short mutex and allocate only the first
 * time a label set is seen (capped: beyond METRICS_MAX_SERIES new label sets
 * count under the value "_other").
 *
 * metrics_serve() starts the HTTP endpoint (GET /metrics, and /healthz and
 * /readyz as health.h judges) on a thread of its own when ctalertd was built
 * with libmicrohttpd; without it, it fails with
 * an error saying so. The registry itself is always there, so the hooks
 * below need no #ifdef.
 *
 * Where the daemon records (one line each):
 *   daemon.c   metrics_attach_counters() at start, metrics_serve() and
 *              metrics_stop() around the run, metrics_lag() per received
 *              message, metrics_gauges() every loop turn
 *   fetch.c    metrics_observe_object() per object, metrics_rule_match() per
 *              (record, rule) match
 *   publish.c  metrics_rule_alert() per alert accepted, or given up on
 *   awsconf.c  metrics_aws_error_observer as the AWS client's error observer
 */
#ifndef CT_DAEMON_METRICS_H
#define CT_DAEMON_METRICS_H

#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"

#define METRICS_MAX_SERIES 512 /* label sets per labelled family */

struct counters;
struct ctaws_error;

/* The daemon's totals (borrowed; NULL detaches). Read at each render. */
void metrics_attach_counters(const struct counters *k);

/* One object's processing, start to end, whatever its outcome. */
void metrics_observe_object(double seconds);
/* One received message: now minus its SentTimestamp (skipped when unknown). */
void metrics_lag(double seconds);
/* The loop's view: messages held, workers running a job, workers in all. */
void metrics_gauges(size_t inflight, size_t busy_workers, size_t workers);

/* n (record, rule) matches of rule. */
void metrics_rule_match(const char *rule, unsigned long n);
/* One alert of rule: accepted by SNS (ok), or given up on. */
void metrics_rule_alert(const char *rule, int ok);

/* One failed AWS request attempt; a NULL field counts as "unknown". */
void metrics_aws_error(const char *service, const char *operation, const char *code);
/* The same, in the shape of the AWS client's error observer (arg unused). */
void metrics_aws_error_observer(void *arg, const struct ctaws_error *e);

/* Appends every family in the text exposition format; -1 when out of memory. */
int metrics_render(struct buf *out);
/* Forgets everything recorded (tests). */
void metrics_reset(void);

/* Serves GET /metrics on listen ("host:port", "[v6]:port"). Fails with an
 * error naming the address when it cannot listen, or when built without
 * libmicrohttpd. */
int metrics_serve(const char *listen, struct ct_error *err);
/* Stops the endpoint, if any. */
void metrics_stop(void);

#endif
