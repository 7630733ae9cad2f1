/*
 * emf: counters as CloudWatch Embedded Metric Format members. See emf.h.
 */
#include "daemon/emf.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <string.h>

#include "daemon/daemon.h"
#include "util/json.h"

/* One counter: its metric name, CloudWatch unit and place in struct counters. */
struct emf_metric {
	const char *name;
	const char *unit;
	size_t off;
};

#define C(n, u, f)                                                                                 \
	{                                                                                          \
		n, u, offsetof(struct counters, f)                                                 \
	}
static const struct emf_metric metrics[EMF_NCOUNTERS] = {
    C("MessagesReceived", "Count", messages_received),
    C("MessagesDeleted", "Count", messages_deleted),
    C("MessagesReturned", "Count", messages_returned),
    C("MessagesPoisoned", "Count", messages_poisoned),
    C("VisibilityExtensions", "Count", visibility_extended),
    C("ReceiveErrors", "Count", receive_errors),
    C("EventsReceived", "Count", events_received),
    C("ObjectsScanned", "Count", objects_done),
    C("ObjectsSkipped", "Count", objects_skipped),
    C("ObjectsFailed", "Count", objects_failed),
    C("FetchedBytes", "Bytes", bytes_fetched),
    C("Records", "Count", records),
    C("RecordErrors", "Count", record_errors),
    C("Matches", "Count", matches),
    C("AlertsPublished", "Count", alerts_published),
    C("AlertsDuplicate", "Count", alerts_duplicate),
    C("AlertsFailed", "Count", alerts_failed),
    C("AlertsGrouped", "Count", alerts_grouped),
    C("AlertsSuppressed", "Count", alerts_suppressed),
    C("StateErrors", "Count", state_errors),
    C("DigestsVerified", "Count", digests_verified),
    C("LogFilesVerified", "Count", logs_verified),
    C("LogFilesBackfilled", "Count", logs_backfilled),
    C("LogFilesModified", "Count", logs_modified),
    C("LogFilesDeleted", "Count", logs_deleted),
    C("LogFilesInjected", "Count", logs_injected),
    C("DigestsInvalid", "Count", digests_invalid),
    C("DigestChainsBroken", "Count", chains_broken),
    C("DeliveriesStopped", "Count", deliveries_stopped),
};
#undef C

static uint64_t
counter(const struct counters *k, size_t off)
{
	return atomic_load((const atomic_uint_fast64_t *)((const char *)k + off));
}

/* The queue's name: the URL's last path segment. */
static const char *
queue_name(const char *url)
{
	const char *slash = strrchr(url, '/');

	return slash && slash[1] ? slash + 1 : url;
}

int
emf_render(struct buf *out, const struct counters *k, struct emf_state *st, const char *ns,
    const char *queue_url, long long ts_ms)
{
	int r = 0;

	r |= buf_printf(out, "\"_aws\":{\"Timestamp\":%lld,\"CloudWatchMetrics\":[{", ts_ms);
	r |= json_put_key(out, "Namespace");
	r |= json_put_string(out, ns, strlen(ns));
	r |= buf_puts(out, ",\"Dimensions\":[[\"Queue\"]],\"Metrics\":[");
	for (size_t i = 0; i < EMF_NCOUNTERS; i++)
		r |= buf_printf(out, "%s{\"Name\":\"%s\",\"Unit\":\"%s\"}", i ? "," : "",
		    metrics[i].name, metrics[i].unit);
	r |= buf_puts(out, "]}]}");
	r |= json_put_member_string(out, "Queue", queue_name(queue_url));
	for (size_t i = 0; i < EMF_NCOUNTERS; i++) {
		uint64_t now = counter(k, metrics[i].off);

		r |= buf_printf(out, ",\"%s\":%" PRIu64, metrics[i].name, now - st->last[i]);
		st->last[i] = now;
	}
	return r ? -1 : 0;
}
