/*
 * aws/client: settings, connections and the request pipeline
 * (endpoint -> credentials -> signature -> HTTP -> error -> retry).
 */
#include "aws/client.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/http.h"
#include "aws/profile.h"
#include "aws/retry.h"
#include "aws/sigv4.h"
#include "util/log.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 5000
#define DEFAULT_LOW_SPEED_TIME_S   30
#define MAX_HEADERS                32

struct ctaws_client {
	char region[32];                    /* "" when none is configured */
	struct ctaws_endpoint_settings ep;  /* endpoint choices */
	struct ctaws_http_settings http;    /* TLS and timeouts */
	char *ca_bundle;                    /* owned; NULL: the system's */
	struct ctaws_creds_provider *creds; /* owned; NULL: unsigned requests only */
	struct ctaws_retry retry;           /* standard mode state and quota */
	struct sigv4_key_cache *keys;       /* derived signing keys */
	long skew;                          /* atomic: seconds added to our clock to sign */
	void (*on_error)(void *arg, const struct ctaws_error *e); /* each failed attempt */
	void *on_error_arg;
};

struct ctaws_conn {
	struct ctaws_client *c;   /* borrowed */
	CURL *h;                  /* owned; reused for keep-alive */
	const atomic_int *cancel; /* borrowed; non-zero: stop (ctaws_conn_set_cancel) */
};

/* What one request resolves to before any attempt. */
struct target {
	struct ctaws_endpoint ep;
	char region[32];
	char service[16]; /* signing name */
	struct buf path;  /* encoded path as sent */
	struct buf url;   /* full URL */
	char payload_hash[65];
	int s3;
};

static const char *
first_env(const char *a, const char *b)
{
	const char *v = getenv(a);

	if ((v == NULL || *v == '\0') && b)
		v = getenv(b);
	return v && *v ? v : NULL;
}

static const char *
pick(const char *cfg, const char *env, const char *file)
{
	if (cfg && *cfg)
		return cfg;
	if (env && *env)
		return env;
	return file && *file ? file : NULL;
}

static int
client_settings(struct ctaws_client *c, const struct ctaws_client_config *cfg,
    const struct ctaws_profile_settings *f, struct ctaws_error *err)
{
	const char *svc[CTAWS_SVC__COUNT] = {cfg->endpoint_url_sqs, cfg->endpoint_url_s3,
	    cfg->endpoint_url_sns, cfg->endpoint_url_sts, cfg->endpoint_url_dynamodb,
	    cfg->endpoint_url_cloudtrail, NULL, cfg->endpoint_url_organizations};
	const char *v;
	int attempts = cfg->max_attempts;

	v = pick(cfg->region, first_env("AWS_REGION", "AWS_DEFAULT_REGION"), f ? f->region : NULL);
	if (v && !ctaws_region_valid(v))
		return ctaws_error_set(err, NULL, NULL, 0, "InvalidRegion", 0,
		    "region \"%.40s\" is not a valid AWS region name", v);
	snprintf(c->region, sizeof(c->region), "%s", v ? v : "");
	if (attempts <= 0 &&
	    (v = pick(NULL, getenv("AWS_MAX_ATTEMPTS"), f ? f->max_attempts : NULL)) != NULL) {
		char *end;

		errno = 0;
		attempts = (int)strtol(v, &end, 10);
		if (errno || *end || attempts < 1 || attempts > 100)
			return ctaws_error_set(err, NULL, NULL, 0, "InvalidConfiguration", 0,
			    "max_attempts \"%.20s\" is not a number from 1 to 100", v);
	}
	ctaws_retry_init(&c->retry, attempts, cfg->retry_base_ms, cfg->retry_seed);
	if ((v = pick(cfg->ca_bundle, getenv("AWS_CA_BUNDLE"), f ? f->ca_bundle : NULL)) &&
	    (c->ca_bundle = strdup(v)) == NULL)
		return ctaws_error_set(err, NULL, NULL, 0, "OutOfMemory", 0, "out of memory");
	c->http.ca_bundle = c->ca_bundle;
	c->http.connect_timeout_ms =
	    cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
	c->http.low_speed_time_s =
	    cfg->low_speed_time_s > 0 ? cfg->low_speed_time_s : DEFAULT_LOW_SPEED_TIME_S;
	c->http.request_timeout_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : 0;
	return ctaws_endpoint_settings_load(
	    &c->ep, cfg->endpoint_url, svc, cfg->use_fips, cfg->s3_force_path_style, f, err);
}

/* The settings, with the shared config file's for the profile unless the
 * caller gave them (the strings are copied, so the file can go). */
static int
client_settings_from(
    struct ctaws_client *c, const struct ctaws_client_config *cfg, struct ctaws_error *err)
{
	struct ctaws_profile_settings file;
	struct ctaws_profile_set *set;
	int rc;

	if (cfg->file)
		return client_settings(c, cfg, cfg->file, err);
	if ((set = ctaws_profile_set_load(NULL, NULL, err)) == NULL)
		return -1;
	ctaws_profile_settings_fill(set, cfg->profile, &file);
	rc = client_settings(c, cfg, &file, err);
	ctaws_profile_set_free(set);
	return rc;
}

struct ctaws_client *
ctaws_client_new(const struct ctaws_client_config *cfg, struct ctaws_creds_provider *creds,
    struct ctaws_error *err)
{
	static const struct ctaws_client_config none;
	struct ctaws_client *c;

	if (ctaws_http_global_init() == -1) {
		ctaws_creds_provider_free(creds);
		ctaws_error_set(err, NULL, NULL, 0, "HttpError", 0, "libcurl failed to initialise");
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->keys = sigv4_key_cache_new()) == NULL) {
		free(c);
		ctaws_creds_provider_free(creds);
		ctaws_error_set(err, NULL, NULL, 0, "OutOfMemory", 0, "out of memory");
		return NULL;
	}
	c->creds = creds;
	if (cfg) {
		c->on_error = cfg->on_error;
		c->on_error_arg = cfg->on_error_arg;
	}
	if (client_settings_from(c, cfg ? cfg : &none, err) == -1) {
		ctaws_client_free(c);
		return NULL;
	}
	return c;
}

void
ctaws_client_free(struct ctaws_client *c)
{
	if (c == NULL)
		return;
	ctaws_creds_provider_free(c->creds);
	ctaws_endpoint_settings_free(&c->ep);
	ctaws_retry_destroy(&c->retry);
	sigv4_key_cache_free(c->keys);
	free(c->ca_bundle);
	free(c);
}

const char *
ctaws_client_region(const struct ctaws_client *c)
{
	return c->region[0] ? c->region : NULL;
}

void
ctaws_client_set_creds(struct ctaws_client *c, struct ctaws_creds_provider *creds)
{
	struct ctaws_creds_provider *old = c->creds;

	c->creds = creds;
	ctaws_creds_provider_free(old);
}

long
ctaws_client_clock_skew(const struct ctaws_client *c)
{
	return __atomic_load_n(&c->skew, __ATOMIC_RELAXED);
}

const struct ctaws_endpoint_settings *
ctaws_client_endpoints(const struct ctaws_client *c)
{
	return &c->ep;
}

struct ctaws_client *
ctaws_conn_client(struct ctaws_conn *conn)
{
	return conn->c;
}

struct ctaws_retry *
ctaws_client_retry(struct ctaws_client *c)
{
	return &c->retry;
}

struct ctaws_conn *
ctaws_conn_new(struct ctaws_client *c)
{
	struct ctaws_conn *conn;

	if ((conn = calloc(1, sizeof(*conn))) == NULL)
		return NULL;
	conn->c = c;
	if ((conn->h = curl_easy_init()) == NULL) {
		free(conn);
		return NULL;
	}
	return conn;
}

void
ctaws_conn_set_cancel(struct ctaws_conn *conn, const atomic_int *flag)
{
	conn->cancel = flag;
}

static int
cancelled(const struct ctaws_conn *conn)
{
	return conn->cancel != NULL && atomic_load(conn->cancel) != 0;
}

/* libcurl calls this at least once a second while a transfer runs. */
static int
xferinfo_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return cancelled(arg) ? 1 : 0;
}

static void
watch_cancel(struct ctaws_conn *conn)
{
	if (conn->cancel == NULL)
		return;
	curl_easy_setopt(conn->h, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
	curl_easy_setopt(conn->h, CURLOPT_XFERINFODATA, conn);
	curl_easy_setopt(conn->h, CURLOPT_NOPROGRESS, 0L);
}

void
ctaws_conn_free(struct ctaws_conn *conn)
{
	if (conn == NULL)
		return;
	curl_easy_cleanup(conn->h);
	free(conn);
}

void
ctaws_response_init(struct ctaws_response *r)
{
	memset(r, 0, sizeof(*r));
}

void
ctaws_response_free(struct ctaws_response *r)
{
	buf_free(&r->body);
	buf_free(&r->headers);
	ctaws_response_init(r);
}

int
ctaws_response_header(const struct ctaws_response *r, const char *name, char *out, size_t outlen)
{
	return ctaws_http_header_find(r->headers.data, r->headers.len, name, out, outlen) < 0 ? -1
	                                                                                      : 0;
}

void
ctaws_response_keep_request_id(const struct ctaws_response *r, struct ctaws_error *err)
{
	if (err->request_id[0] == '\0')
		snprintf(err->request_id, sizeof(err->request_id), "%s", r->request_id);
}

int
ctaws_batch_id_ok(const char *id, size_t max)
{
	size_t i;

	for (i = 0; id[i] != '\0'; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '-' && id[i] != '_')
			return 0;
	return i > 0 && i <= max;
}

int
ctaws_form_add(struct buf *b, const char *key, const char *value)
{
	if (b->len && buf_putc(b, '&') == -1)
		return -1;
	if (sigv4_uri_encode(b, key, strlen(key), 0) == -1 || buf_putc(b, '=') == -1)
		return -1;
	return sigv4_uri_encode(b, value ? value : "", value ? strlen(value) : 0, 0);
}

static void
target_free(struct target *t)
{
	buf_free(&t->path);
	buf_free(&t->url);
}

static int
bad_request(struct ctaws_error *err, const struct ctaws_request *req, const char *why)
{
	return ctaws_error_set(
	    err, req->service, req->operation, 0, "InvalidRequest", 0, "%s", why);
}

static int
target_region(struct ctaws_client *c, const struct ctaws_request *req, struct target *t,
    struct ctaws_error *err)
{
	const char *r = req->region && *req->region ? req->region : ctaws_client_region(c);

	if (r && !ctaws_region_valid(r))
		return ctaws_error_set(err, req->service, req->operation, 0, "InvalidRegion", 0,
		    "region \"%.40s\" is not a valid AWS region name", r);
	if (r) {
		/* A global service is sent to and signed for its partition's home;
		 * an endpoint of the user's own is signed for the region asked, as
		 * the SDKs do. */
		int svc = ctaws_service_from_name(req->service);

		if (svc >= 0 && c->ep.url[svc] == NULL)
			r = ctaws_service_region((enum ctaws_service)svc, r);
		snprintf(t->region, sizeof(t->region), "%s", r);
		return 0;
	}
	/* No region configured: a queue URL names its own; an unsigned request
	 * to an explicit URL (metadata services) needs none. */
	if (req->url && ctaws_endpoint_region_from_url(req->url, t->region, sizeof(t->region)) == 0)
		return 0;
	if (req->url && req->anonymous)
		return 0;
	return ctaws_error_set(err, req->service, req->operation, 0, "NoRegion", 0,
	    "no AWS region configured: set AWS_REGION or the profile's region");
}

/* The encoded path below the endpoint. */
static int
target_path(const struct ctaws_request *req, struct target *t)
{
	const char *p = req->path;

	if (buf_puts(&t->path, t->ep.base_path) == -1)
		return -1;
	if (t->ep.bucket_in_path &&
	    (buf_putc(&t->path, '/') == -1 ||
	        sigv4_uri_encode(&t->path, req->bucket, strlen(req->bucket), 0) == -1))
		return -1;
	if (t->s3 && req->bucket && p) /* an object key, exactly */
		return buf_putc(&t->path, '/') == -1 ? -1
		                                     : sigv4_uri_encode(&t->path, p, strlen(p), 1);
	if (p == NULL || *p == '\0')
		p = "/";
	if (t->s3 && req->bucket && t->path.len)
		return 0; /* "/bucket", not "/bucket/" */
	if (*p != '/' && buf_putc(&t->path, '/') == -1)
		return -1;
	return sigv4_uri_encode(&t->path, p, strlen(p), 1);
}

static int
target_url(const struct ctaws_request *req, struct target *t)
{
	if (buf_printf(&t->url, "%s://%s%s", t->ep.scheme, t->ep.authority, t->path.data) == -1)
		return -1;
	if (req->nquery == 0)
		return 0;
	return buf_putc(&t->url, '?') == -1
	           ? -1
	           : sigv4_canonical_query(&t->url, req->query, req->nquery);
}

static int
target_resolve(struct ctaws_client *c, const struct ctaws_request *req, struct target *t,
    struct ctaws_error *err)
{
	char path[2048], query[16];
	int svc = ctaws_service_from_name(req->service);

	memset(t, 0, sizeof(*t));
	if (req->service == NULL || req->method == NULL)
		return bad_request(err, req, "request without service or method");
	snprintf(t->service, sizeof(t->service), "%s", req->service);
	t->s3 = svc == CTAWS_SVC_S3;
	if (target_region(c, req, t, err) == -1)
		return -1;
	if (req->url) {
		if (ctaws_endpoint_parse_url(
		        req->url, &t->ep, path, sizeof(path), query, sizeof(query), err) == -1)
			return -1;
		if (query[0] || req->path || req->bucket)
			return bad_request(
			    err, req, "a request URL takes no query, path or bucket");
		if (buf_puts(&t->path, path) == -1)
			goto nomem;
	} else {
		if (svc < 0)
			return bad_request(err, req, "no endpoint known for this service");
		if (ctaws_endpoint_resolve(&c->ep, svc, t->region, req->bucket, &t->ep, err) == -1)
			return -1;
		if (target_path(req, t) == -1)
			goto nomem;
	}
	if (target_url(req, t) == -1)
		goto nomem;
	if (t->s3 && req->unsigned_payload)
		snprintf(t->payload_hash, sizeof(t->payload_hash), "%s", SIGV4_UNSIGNED_PAYLOAD);
	else
		sigv4_sha256_hex(
		    req->body ? req->body : "", req->body ? req->body_len : 0, t->payload_hash);
	return 0;
nomem:
	target_free(t);
	return ctaws_error_set(
	    err, req->service, req->operation, 0, "OutOfMemory", 0, "out of memory");
}

static int
header_ok(const struct ctaws_kv *h)
{
	return h->key && h->value && h->key[0] && strpbrk(h->key, "\r\n: ") == NULL &&
	       strpbrk(h->value, "\r\n") == NULL;
}

/* Signs (unless anonymous) and sets the exchange's headers. */
static int
sign_into(struct ctaws_client *c, const struct ctaws_request *req, const struct target *t,
    struct ctaws_credentials *cr, struct ctaws_http_exchange *x, struct ctaws_error *err)
{
	struct ctaws_kv hdrs[MAX_HEADERS + 1];
	struct sigv4_request sr;
	struct sigv4_result res;
	size_t n = 0;
	int rc = 0;

	if (req->nheaders > MAX_HEADERS)
		return bad_request(err, req, "too many request headers");
	hdrs[n++] = (struct ctaws_kv){"Host", t->ep.authority};
	for (size_t i = 0; i < req->nheaders; i++) {
		if (!header_ok(&req->headers[i]))
			return bad_request(err, req, "a request header has a bad name or value");
		hdrs[n++] = req->headers[i];
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = ctaws_http_add_header(x, hdrs[i].key, hdrs[i].value);
	if (rc == 0 && cr) {
		sr = (struct sigv4_request){req->method, t->path.data, req->query, req->nquery,
		    hdrs, n, t->payload_hash, t->region, t->service,
		    time(NULL) + ctaws_client_clock_skew(c), t->s3};
		if (sigv4_sign(&sr, cr, c->keys, &res, err) == -1) {
			err->service = req->service;
			err->operation = req->operation;
			return -1;
		}
		rc = ctaws_http_add_header(x, "X-Amz-Date", res.amz_date);
		if (rc == 0 && res.security_token)
			rc = ctaws_http_add_header(x, "X-Amz-Security-Token", res.security_token);
		if (rc == 0 && res.content_sha256[0])
			rc = ctaws_http_add_header(x, "X-Amz-Content-Sha256", res.content_sha256);
		if (rc == 0)
			rc = ctaws_http_add_header(x, "Authorization", res.authorization);
	}
	if (rc == -1)
		return ctaws_error_set(
		    err, req->service, req->operation, 0, "OutOfMemory", 0, "out of memory");
	return 0;
}

/* Gets credentials (a new reference in *out, NULL for anonymous requests). */
static int
get_creds(struct ctaws_client *c, const struct ctaws_request *req, struct ctaws_credentials **out,
    struct ctaws_error *err)
{
	*out = NULL;
	if (req->anonymous)
		return 0;
	if (c->creds == NULL)
		return ctaws_error_set(err, req->service, req->operation, 0, "CredentialsNotFound",
		    0, "no credentials provider to sign with");
	if (ctaws_creds_get(c->creds, out, err) == -1) {
		if (err->service == NULL)
			err->service = req->service;
		if (err->operation == NULL)
			err->operation = req->operation;
		return -1;
	}
	return 0;
}

/* Sets up x on h for one attempt of req. */
static int
attempt_prepare(struct ctaws_client *c, CURL *h, const struct ctaws_request *req,
    const struct target *t, struct ctaws_http_exchange *x, struct ctaws_error *err)
{
	struct ctaws_http_settings hs = c->http;
	struct ctaws_credentials *cr;
	int rc;

	if (get_creds(c, req, &cr, err) == -1)
		return -1;
	ctaws_http_exchange_free(x);
	rc = sign_into(c, req, t, cr, x, err);
	ctaws_credentials_release(cr);
	if (rc == -1)
		return -1;
	x->body = req->body;
	x->body_len = req->body ? req->body_len : 0;
	x->sink = req->sink;
	x->sink_arg = req->sink_arg;
	if (req->timeout_ms > 0)
		hs.request_timeout_ms = req->timeout_ms;
	else if (req->sink)
		hs.request_timeout_ms = 0; /* streams are bounded by the low-speed limit */
	if (ctaws_http_prepare(h, &hs, req->method, t->url.data, x, err) == -1) {
		err->service = req->service;
		err->operation = req->operation;
		return -1;
	}
	return 0;
}

/* After a failed attempt: corrects the signing clock when AWS says it is off. */
static int
maybe_fix_clock(
    struct ctaws_client *c, const struct ctaws_response *resp, const struct ctaws_error *err)
{
	char date[64];
	long skew;

	if (ctaws_response_header(resp, "Date", date, sizeof(date)) == -1)
		return 0;
	if (!ctaws_retry_clock_skew(err, date, time(NULL), &skew))
		return 0;
	__atomic_store_n(&c->skew, skew, __ATOMIC_RELAXED);
	log_warnx("%s %s: %s: our clock is %+ld s off the service's Date header; signing with "
	          "the service's time",
	    err->service ? err->service : "aws", err->operation ? err->operation : "request",
	    err->code, -skew);
	return 1;
}

static void
log_retry(const struct ctaws_error *err, int attempt, int max_attempts, long delay)
{
	char status[16];
	const struct log_field f[] = {{"SERVICE", err->service}, {"OPERATION", err->operation},
	    {"AWS_ERROR", err->code}, {"REQUEST_ID", err->request_id[0] ? err->request_id : NULL},
	    {NULL, NULL}};

	snprintf(status, sizeof(status), "HTTP %ld ", err->http_status);
	log_fields(LOG_DEBUG, f, "%s %s: %s%s, attempt %d of %d failed; retrying in %ld ms",
	    err->service ? err->service : "aws", err->operation ? err->operation : "request",
	    err->http_status ? status : "", err->code, attempt, max_attempts, delay);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int
ctaws_call(struct ctaws_conn *conn, const struct ctaws_request *req, struct ctaws_response *resp,
    struct ctaws_error *err)
{
	struct ctaws_client *c = conn->c;
	struct ctaws_retry_state st;
	struct ctaws_http_exchange x;
	struct target t;
	long delay;
	int rc;

	ctaws_error_clear(err);
	resp->attempts = 0;
	if (target_resolve(c, req, &t, err) == -1)
		return -1;
	ctaws_http_exchange_init(&x, resp);
	ctaws_retry_state_init(&st);
	for (;;) {
		st.attempt++;
		resp->attempts++;
		/* Credentials and signing failures are final: providers retry themselves. */
		if ((rc = attempt_prepare(c, conn->h, req, &t, &x, err)) == -1)
			break;
		watch_cancel(conn);
		rc = ctaws_http_finish(
		    conn->h, curl_easy_perform(conn->h), &x, req->service, req->operation, err);
		if (rc != 0 && c->on_error)
			c->on_error(c->on_error_arg, err);
		if (rc == 0) {
			ctaws_retry_success(&c->retry, &st);
			break;
		}
		if (cancelled(conn)) {
			ctaws_error_set(err, req->service, req->operation, 0, "Aborted", 0,
			    "stopped: ctalertd is shutting down");
			break;
		}
		if (resp->delivered > 0)
			break; /* never re-deliver body bytes: the caller resumes with Range */
		if (!st.skew_retried && maybe_fix_clock(c, resp, err)) {
			st.skew_retried = 1;
			st.attempt--; /* the corrected attempt does not count */
			continue;
		}
		if (req->no_retry || !ctaws_retry_next(&c->retry, &st, err, &delay))
			break;
		log_retry(err, st.attempt, c->retry.max_attempts, delay);
		sleep_ms(delay);
	}
	ctaws_http_exchange_free(&x);
	target_free(&t);
	return rc;
}

/* One request driven by the caller's libcurl multi handle. */
struct ctaws_xfer {
	struct ctaws_client *c;   /* borrowed */
	CURL *h;                  /* owned */
	struct ctaws_request req; /* copy; strings borrowed except body */
	struct target t;
	struct ctaws_http_exchange x;
	struct ctaws_response resp; /* filled while the transfer runs */
	char *body;                 /* owned copy of the request body */
};

struct ctaws_xfer *
ctaws_xfer_new(struct ctaws_client *c, const struct ctaws_request *req, struct ctaws_error *err)
{
	struct ctaws_xfer *x;

	ctaws_error_clear(err);
	if ((x = calloc(1, sizeof(*x))) == NULL || (x->h = curl_easy_init()) == NULL) {
		free(x);
		ctaws_error_set(
		    err, req->service, req->operation, 0, "OutOfMemory", 0, "out of memory");
		return NULL;
	}
	x->c = c;
	x->req = *req;
	ctaws_response_init(&x->resp);
	ctaws_http_exchange_init(&x->x, &x->resp);
	if (req->body && req->body_len) {
		if ((x->body = malloc(req->body_len)) == NULL) {
			ctaws_xfer_free(x);
			ctaws_error_set(err, req->service, req->operation, 0, "OutOfMemory", 0,
			    "out of memory");
			return NULL;
		}
		memcpy(x->body, req->body, req->body_len);
		x->req.body = x->body;
	}
	if (target_resolve(c, &x->req, &x->t, err) == -1 ||
	    attempt_prepare(c, x->h, &x->req, &x->t, &x->x, err) == -1) {
		ctaws_xfer_free(x);
		return NULL;
	}
	x->resp.attempts = 1;
	return x;
}

void *
ctaws_xfer_easy(struct ctaws_xfer *x)
{
	return x->h;
}

int
ctaws_xfer_finish(
    struct ctaws_xfer *x, int curl_code, struct ctaws_response *resp, struct ctaws_error *err)
{
	int rc;

	ctaws_error_clear(err);
	rc = ctaws_http_finish(
	    x->h, (CURLcode)curl_code, &x->x, x->req.service, x->req.operation, err);
	if (rc != 0 && x->c->on_error)
		x->c->on_error(x->c->on_error_arg, err);
	if (rc == -1 && maybe_fix_clock(x->c, &x->resp, err))
		err->retryable = 1; /* the next attempt signs with the corrected clock */
	ctaws_response_free(resp);
	*resp = x->resp;
	ctaws_response_init(&x->resp);
	return rc;
}

void
ctaws_xfer_free(struct ctaws_xfer *x)
{
	if (x == NULL)
		return;
	curl_easy_cleanup(x->h);
	ctaws_http_exchange_free(&x->x);
	target_free(&x->t);
	ctaws_response_free(&x->resp);
	free(x->body);
	free(x);
}
