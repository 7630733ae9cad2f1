/*
 * metrics: the registry, its rendering and the /metrics endpoint.
 *
 * Families are rendered in a fixed order, each with its HELP and TYPE lines
 * even before it has a sample, so a dashboard sees every name from the
 * first scrape on. Counters from struct counters are read with atomic loads
 * at render time; nothing is copied on the daemon's side.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "daemon/daemon.h"
#include "daemon/health.h"
#include "daemon/metrics.h"
#include "util/clock.h"
#include "util/log.h"

#define OTHER_LABEL     "_other"
#define HIST_MAX_BOUNDS 16

/* A histogram with fixed upper bounds (seconds); observations are rare
 * (one per object or message), so a mutex is cheap enough. */
struct histogram {
	const char *name;
	const char *help;
	const double *bounds; /* ascending; +Inf is implied */
	size_t n_bounds;
	pthread_mutex_t lock;
	uint64_t *hits; /* hits[i]: observations <= bounds[i] and > bounds[i-1]; n_bounds + 1 */
	uint64_t count;
	double sum;
};

/* One labelled series: its key (the raw label values joined by NULs) and up
 * to three values that share those labels. */
struct series {
	char *key; /* owned */
	size_t key_len;
	uint64_t v[3];
};

/* A set of series under one lock, capped at METRICS_MAX_SERIES; the slot
 * after the cap is the "_other" series. */
struct table {
	pthread_mutex_t lock;
	struct series *v; /* owned */
	size_t n;
	size_t cap;
	size_t n_labels; /* label values per key */
};

enum { RULE_MATCHES, RULE_PUBLISHED, RULE_FAILED };

static const double object_bounds[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};
static const double lag_bounds[] = {
    1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400};
_Static_assert(sizeof(object_bounds) / sizeof(object_bounds[0]) <= HIST_MAX_BOUNDS, "bounds");
_Static_assert(sizeof(lag_bounds) / sizeof(lag_bounds[0]) <= HIST_MAX_BOUNDS, "bounds");
static uint64_t object_hits[HIST_MAX_BOUNDS + 1];
static uint64_t lag_hits[HIST_MAX_BOUNDS + 1];

static struct histogram object_hist = {"ctalertd_object_processing_seconds",
    "Seconds from a worker taking an object to its end, whatever the outcome.", object_bounds,
    sizeof(object_bounds) / sizeof(object_bounds[0]), PTHREAD_MUTEX_INITIALIZER, object_hits, 0, 0};
static struct histogram lag_hist = {"ctalertd_queue_lag_seconds",
    "Seconds from a message's SentTimestamp to its receive by ctalertd.", lag_bounds,
    sizeof(lag_bounds) / sizeof(lag_bounds[0]), PTHREAD_MUTEX_INITIALIZER, lag_hits, 0, 0};

static struct table rules = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 1};
static struct table ctaws_errors = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 3};

static _Atomic(const struct counters *) attached;
static atomic_size_t gauge_inflight, gauge_busy, gauge_workers;

/* ---- recording ------------------------------------------------------- */

void
metrics_attach_counters(const struct counters *k)
{
	atomic_store(&attached, k);
}

static void
observe(struct histogram *h, double v)
{
	size_t i = 0;

	if (!(v >= 0)) /* negative (clock steps) or NaN */
		v = 0;
	while (i < h->n_bounds && v > h->bounds[i])
		i++;
	pthread_mutex_lock(&h->lock);
	h->hits[i]++;
	h->count++;
	h->sum += v;
	pthread_mutex_unlock(&h->lock);
}

void
metrics_observe_object(double seconds)
{
	observe(&object_hist, seconds);
}

void
metrics_lag(double seconds)
{
	observe(&lag_hist, seconds);
}

void
metrics_gauges(size_t inflight, size_t busy_workers, size_t workers)
{
	atomic_store(&gauge_inflight, inflight);
	atomic_store(&gauge_busy, busy_workers);
	atomic_store(&gauge_workers, workers);
}

static struct series *
series_find(struct table *t, const char *key, size_t key_len)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].key_len == key_len && memcmp(t->v[i].key, key, key_len) == 0)
			return &t->v[i];
	return NULL;
}

static struct series *
series_add(struct table *t, const char *key, size_t key_len)
{
	struct series *s;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct series *v = realloc(t->v, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	s = &t->v[t->n];
	memset(s, 0, sizeof(*s));
	if ((s->key = malloc(key_len + 1)) == NULL)
		return NULL;
	memcpy(s->key, key, key_len);
	s->key[key_len] = '\0';
	s->key_len = key_len;
	t->n++;
	return s;
}

/* The series of key in t, made on first use; NULL only without memory.
 * Past the cap, new label sets go to the one series whose every label
 * value is "_other" (made as the cap's extra slot). Called with t->lock held. */
static struct series *
series_get(struct table *t, const char *key, size_t key_len)
{
	static const char other[] = OTHER_LABEL "\0" OTHER_LABEL "\0" OTHER_LABEL;
	struct series *s;

	if ((s = series_find(t, key, key_len)) != NULL)
		return s;
	if (t->n >= METRICS_MAX_SERIES) {
		key = other;
		key_len = t->n_labels * sizeof(OTHER_LABEL) - 1;
		if ((s = series_find(t, key, key_len)) != NULL)
			return s;
	}
	return series_add(t, key, key_len);
}

/* Adds n to value idx of the series named by the label values. */
static void
table_add(struct table *t, const char *const *labels, int idx, uint64_t n)
{
	char key[512];
	size_t len = 0;
	struct series *s;

	for (size_t i = 0; i < t->n_labels; i++) {
		const char *v = labels[i] ? labels[i] : "unknown";
		size_t l = strnlen(v, 160);

		memcpy(key + len, v, l);
		len += l;
		if (i + 1 < t->n_labels)
			key[len++] = '\0';
	}
	pthread_mutex_lock(&t->lock);
	if ((s = series_get(t, key, len)) != NULL)
		s->v[idx] += n;
	pthread_mutex_unlock(&t->lock);
}

void
metrics_rule_match(const char *rule, unsigned long n)
{
	table_add(&rules, &rule, RULE_MATCHES, n);
}

void
metrics_rule_alert(const char *rule, int ok)
{
	table_add(&rules, &rule, ok ? RULE_PUBLISHED : RULE_FAILED, 1);
}

void
metrics_aws_error(const char *service, const char *operation, const char *code)
{
	const char *labels[3] = {service, operation, code && code[0] ? code : NULL};

	table_add(&ctaws_errors, labels, 0, 1);
}

void
metrics_aws_error_observer(void *arg, const struct ctaws_error *e)
{
	(void)arg;
	metrics_aws_error(e->service, e->operation, e->code);
}

static void
table_clear(struct table *t)
{
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].key);
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
	pthread_mutex_unlock(&t->lock);
}

static void
histogram_clear(struct histogram *h)
{
	pthread_mutex_lock(&h->lock);
	memset(h->hits, 0, (h->n_bounds + 1) * sizeof(h->hits[0]));
	h->count = 0;
	h->sum = 0;
	pthread_mutex_unlock(&h->lock);
}

void
metrics_reset(void)
{
	table_clear(&rules);
	table_clear(&ctaws_errors);
	histogram_clear(&object_hist);
	histogram_clear(&lag_hist);
	metrics_gauges(0, 0, 0);
	metrics_attach_counters(NULL);
}

/* ---- rendering ------------------------------------------------------- */

/* The shortest decimal that reads back as v (the exposition takes Go's
 * float syntax, which %g output is). */
static int
number(struct buf *b, double v)
{
	char s[64];

	for (int prec = 15; prec <= 17; prec++) {
		snprintf(s, sizeof(s), "%.*g", prec, v);
		if (strtod(s, NULL) == v)
			break;
	}
	return buf_puts(b, s);
}

static int
family(struct buf *b, const char *name, const char *type, const char *help)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value as the exposition format wants it: \\, \" and \n escaped. */
static int
label_value(struct buf *b, const char *v, size_t len)
{
	int r = buf_putc(b, '"');

	for (size_t i = 0; i < len && r == 0; i++) {
		if (v[i] == '\\')
			r = buf_puts(b, "\\\\");
		else if (v[i] == '"')
			r = buf_puts(b, "\\\"");
		else if (v[i] == '\n')
			r = buf_puts(b, "\\n");
		else
			r = buf_putc(b, v[i]);
	}
	return r == 0 ? buf_putc(b, '"') : -1;
}

/* name{l0="v0",l1="v1"} value: label values from a NUL-joined key. */
static int
sample(struct buf *b, const char *name, const char *const *names, const struct series *s,
    uint64_t value)
{
	const char *p = s->key, *end = s->key + s->key_len;
	int r = buf_printf(b, "%s{", name);

	for (size_t i = 0; names[i] && r == 0; i++) {
		size_t len = strnlen(p, (size_t)(end - p));

		r = buf_printf(b, "%s%s=", i ? "," : "", names[i]);
		if (r == 0)
			r = label_value(b, p, len);
		p += len + (p + len < end);
	}
	return r == 0 ? buf_printf(b, "} %" PRIu64 "\n", value) : -1;
}

static int
table_family(struct buf *b, struct table *t, const char *name, const char *help,
    const char *const *labels, int idx)
{
	int r = family(b, name, "counter", help);

	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->n && r == 0; i++)
		r = sample(b, name, labels, &t->v[i], t->v[i].v[idx]);
	pthread_mutex_unlock(&t->lock);
	return r;
}

static uint64_t
load(const atomic_uint_fast64_t *v)
{
	return v ? (uint64_t)atomic_load(v) : 0;
}

#define COUNTER(field) (k ? load(&k->field) : 0)

static int
simple(struct buf *b, const char *name, const char *type, const char *help, uint64_t v)
{
	if (family(b, name, type, help) == -1)
		return -1;
	return buf_printf(b, "%s %" PRIu64 "\n", name, v);
}

static int
render_messages(struct buf *b, const struct counters *k)
{
	if (simple(b, "ctalertd_messages_received_total", "counter",
	        "SQS messages received, redeliveries included.", COUNTER(messages_received)) ||
	    simple(b, "ctalertd_messages_deleted_total", "counter",
	        "SQS messages deleted: handled to the end, or poison deleted.",
	        COUNTER(messages_deleted)) ||
	    simple(b, "ctalertd_messages_returned_total", "counter",
	        "SQS messages given back to the queue to be tried again.",
	        COUNTER(messages_returned)) ||
	    simple(b, "ctalertd_messages_poisoned_total", "counter",
	        "SQS messages that failed for good on their last receive.",
	        COUNTER(messages_poisoned)) ||
	    simple(b, "ctalertd_visibility_extensions_total", "counter",
	        "Visibility timeout extensions of messages still being worked on.",
	        COUNTER(visibility_extended)) ||
	    simple(b, "ctalertd_receive_errors_total", "counter",
	        "ReceiveMessage calls that failed.", COUNTER(receive_errors)))
		return -1;
	return 0;
}

static int
render_objects(struct buf *b, const struct counters *k)
{
	const char *name = "ctalertd_objects_total";

	if (simple(b, "ctalertd_events_total", "counter",
	        "CloudTrail events received from EventBridge (the real-time path).",
	        COUNTER(events_received)) ||
	    family(b, name, "counter",
	        "Log objects by result: scanned to the end, skipped without fetching, failed.") ||
	    buf_printf(b, "%s{result=\"scanned\"} %" PRIu64 "\n", name, COUNTER(objects_done)) ||
	    buf_printf(b, "%s{result=\"skipped\"} %" PRIu64 "\n", name, COUNTER(objects_skipped)) ||
	    buf_printf(b, "%s{result=\"failed\"} %" PRIu64 "\n", name, COUNTER(objects_failed)) ||
	    simple(b, "ctalertd_fetched_bytes_total", "counter",
	        "Bytes of log objects read from S3, compressed.", COUNTER(bytes_fetched)) ||
	    simple(b, "ctalertd_records_total", "counter", "CloudTrail records scanned.",
	        COUNTER(records)) ||
	    simple(b, "ctalertd_record_errors_total", "counter",
	        "Records skipped because they could not be read.", COUNTER(record_errors)))
		return -1;
	return 0;
}

static int
render_rules(struct buf *b, const struct counters *k)
{
	static const char *const rule[] = {"rule", NULL};

	if (table_family(b, &rules, "ctalertd_matches_total", "Records matched, by rule.", rule,
	        RULE_MATCHES) ||
	    table_family(b, &rules, "ctalertd_alerts_published_total",
	        "Alerts accepted by SNS, by rule.", rule, RULE_PUBLISHED) ||
	    table_family(b, &rules, "ctalertd_alerts_failed_total",
	        "Alerts SNS did not accept after retries (their object is tried again), by rule.",
	        rule, RULE_FAILED) ||
	    simple(b, "ctalertd_alerts_duplicate_total", "counter",
	        "Alerts not sent again because the state store says they were published.",
	        COUNTER(alerts_duplicate)) ||
	    simple(b, "ctalertd_alerts_grouped_total", "counter",
	        "Matches counted into a window or threshold of their rule instead of alerting.",
	        COUNTER(alerts_grouped)) ||
	    simple(b, "ctalertd_alerts_suppressed_total", "counter",
	        "Matches silenced by an operator's suppression.", COUNTER(alerts_suppressed)) ||
	    simple(b, "ctalertd_state_errors_total", "counter",
	        "State store calls that failed (published alerts may then repeat).",
	        COUNTER(state_errors)))
		return -1;
	return 0;
}

/* CloudTrail's digests (attest.h): what was proven, what failed. */
static int
render_integrity(struct buf *b, const struct counters *k)
{
	const char *name = "ctalertd_integrity_failures_total";

	if (simple(b, "ctalertd_digests_verified_total", "counter",
	        "CloudTrail digests whose signature, location and chain were checked.",
	        COUNTER(digests_verified)) ||
	    simple(b, "ctalertd_log_files_verified_total", "counter",
	        "Log files a digest lists whose SHA-256 is the one ctalertd scanned.",
	        COUNTER(logs_verified)) ||
	    simple(b, "ctalertd_log_files_backfilled_total", "counter",
	        "Log files a digest lists that no notification announced, scanned then.",
	        COUNTER(logs_backfilled)) ||
	    family(b, name, "counter", "Integrity alerts raised, by kind.") ||
	    buf_printf(
	        b, "%s{kind=\"log_modified\"} %" PRIu64 "\n", name, COUNTER(logs_modified)) ||
	    buf_printf(b, "%s{kind=\"log_deleted\"} %" PRIu64 "\n", name, COUNTER(logs_deleted)) ||
	    buf_printf(
	        b, "%s{kind=\"log_injected\"} %" PRIu64 "\n", name, COUNTER(logs_injected)) ||
	    buf_printf(
	        b, "%s{kind=\"digest_invalid\"} %" PRIu64 "\n", name, COUNTER(digests_invalid)) ||
	    buf_printf(
	        b, "%s{kind=\"chain_broken\"} %" PRIu64 "\n", name, COUNTER(chains_broken)) ||
	    buf_printf(b, "%s{kind=\"delivery_stopped\"} %" PRIu64 "\n", name,
	        COUNTER(deliveries_stopped)))
		return -1;
	return 0;
}

static int
render_gauges(struct buf *b)
{
	if (simple(b, "ctalertd_messages_in_flight", "gauge",
	        "SQS messages received and not yet deleted or given back.",
	        atomic_load(&gauge_inflight)) ||
	    simple(b, "ctalertd_workers_busy", "gauge", "Workers processing an object now.",
	        atomic_load(&gauge_busy)) ||
	    simple(b, "ctalertd_workers", "gauge", "Workers in the pool.",
	        atomic_load(&gauge_workers)))
		return -1;
	return 0;
}

static int
render_histogram(struct buf *b, struct histogram *h)
{
	uint64_t hits[HIST_MAX_BOUNDS + 1];
	uint64_t count, cumulative = 0;
	double sum;
	int r;

	pthread_mutex_lock(&h->lock);
	memcpy(hits, h->hits, (h->n_bounds + 1) * sizeof(hits[0]));
	count = h->count;
	sum = h->sum;
	pthread_mutex_unlock(&h->lock);
	r = family(b, h->name, "histogram", h->help);
	for (size_t i = 0; i < h->n_bounds && r == 0; i++) {
		cumulative += hits[i];
		r = buf_printf(
		    b, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", h->name, h->bounds[i], cumulative);
	}
	if (r == 0)
		r = buf_printf(
		    b, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n%s_sum ", h->name, count, h->name);
	if (r == 0)
		r = number(b, sum);
	if (r == 0)
		r = buf_printf(b, "\n%s_count %" PRIu64 "\n", h->name, count);
	return r;
}

int
metrics_render(struct buf *out)
{
	static const char *const ctaws_labels[] = {"service", "operation", "code", NULL};
	const struct counters *k = atomic_load(&attached);

	if (family(out, "ctalertd_build_info", "gauge", "Always 1; the version as a label.") ||
	    buf_printf(out, "ctalertd_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION) ||
	    render_messages(out, k) || render_objects(out, k) || render_rules(out, k) ||
	    render_integrity(out, k) ||
	    table_family(out, &ctaws_errors, "ctalertd_aws_errors_total",
	        "Failed AWS request attempts (retried ones too), by service, operation and error "
	        "code.",
	        ctaws_labels, 0) ||
	    render_gauges(out) || render_histogram(out, &object_hist) ||
	    render_histogram(out, &lag_hist))
		return -1;
	return 0;
}

/* ---- the endpoint ---------------------------------------------------- */

#ifdef HAVE_MICROHTTPD
#include <microhttpd.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#if MHD_VERSION >= 0x00097002
typedef enum MHD_Result mhd_result;
#else
typedef int mhd_result;
#endif

static struct MHD_Daemon *httpd;

static mhd_result
answer(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	mhd_result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* GET /healthz or /readyz: 200 "ok", or 503 with what is wrong. */
static mhd_result
answer_health(struct MHD_Connection *c, int readiness)
{
	struct health_snap s;
	struct health_verdict v;
	struct MHD_Response *r;
	char text[sizeof(v.why) + 16];
	mhd_result ret;
	int ok;

	health_snapshot(&s);
	health_judge(&s, clock_mono_s(), &v);
	ok = readiness ? v.ready : v.alive;
	snprintf(text, sizeof(text), "%s%s\n", ok ? "ok" : "unhealthy: ", ok ? "" : v.why);
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, r);
	MHD_destroy_response(r);
	return ret;
}

static mhd_result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_len, void **req_cls)
{
	struct MHD_Response *r;
	struct buf b = BUF_INIT;
	mhd_result ret;
	size_t len;

	(void)cls;
	(void)version;
	(void)upload;
	(void)upload_len;
	(void)req_cls;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return answer(
		    c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD are served here\n");
	if (strcmp(url, "/healthz") == 0 || strcmp(url, "/readyz") == 0)
		return answer_health(c, url[1] == 'r');
	if (strcmp(url, "/metrics") != 0)
		return answer(c, MHD_HTTP_NOT_FOUND,
		    "not found: ctalertd serves /metrics, /healthz and /readyz\n");
	if (metrics_render(&b) == -1 || b.data == NULL) {
		buf_free(&b);
		return answer(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	len = b.len;
	r = MHD_create_response_from_buffer(len, buf_detach(&b), MHD_RESPMEM_MUST_FREE);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* A listening socket on "host:port" ("[v6]:port", "*:port" for every
 * address); -1 with err naming the address. */
static int
listen_on(const char *listen_addr, int *v6, struct ct_error *err)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *port = strrchr(listen_addr, ':');
	size_t hl;
	int fd, one = 1, rc, e;

	if (port == NULL || (hl = (size_t)(port - listen_addr)) == 0 || hl >= sizeof(host))
		return ct_error_set(
		    err, CT_ERR_CONFIG, "metrics.listen %s: not HOST:PORT", listen_addr);
	memcpy(host, listen_addr, hl);
	host[hl] = '\0';
	if (host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(strcmp(host, "*") == 0 ? NULL : host, port + 1, &hints, &res)) != 0)
		return ct_error_set(
		    err, CT_ERR_CONFIG, "metrics.listen %s: %s", listen_addr, gai_strerror(rc));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 || listen(fd, 16) == -1) {
		e = errno;
		if (fd != -1)
			close(fd);
		freeaddrinfo(res);
		return ct_error_set(err, CT_ERR_CONFIG, "metrics.listen %s: cannot listen: %s",
		    listen_addr, strerror(e));
	}
	*v6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	return fd;
}

int
metrics_serve(const char *listen_addr, struct ct_error *err)
{
	int v6 = 0, fd;

	if (httpd != NULL)
		return ct_error_set(
		    err, CT_ERR_INTERNAL, "metrics.listen %s: already serving", listen_addr);
	if ((fd = listen_on(listen_addr, &v6, err)) == -1)
		return -1;
	httpd = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | (v6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL,
	    on_request, NULL, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT, 16u,
	    MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (httpd == NULL) {
		close(fd);
		return ct_error_set(err, CT_ERR_INTERNAL,
		    "metrics.listen %s: libmicrohttpd could not start", listen_addr);
	}
	log_info("metrics served at http://%s/metrics", listen_addr);
	return 0;
}

void
metrics_stop(void)
{
	if (httpd != NULL) {
		MHD_stop_daemon(httpd);
		httpd = NULL;
	}
}
#else
int
metrics_serve(const char *listen, struct ct_error *err)
{
	return ct_error_set(err, CT_ERR_CONFIG,
	    "metrics.listen %s: this ctalertd was built without libmicrohttpd"
	    " (apt-get install libmicrohttpd-dev, then configure again)",
	    listen);
}

void
metrics_stop(void)
{
}
#endif
