/*
 * aws/http: one HTTP exchange on a libcurl easy handle.
 *
 * The same easy handle is reused for every exchange of a thread, so libcurl
 * keeps the connection alive between requests. Each exchange resets the
 * handle's options (curl_easy_reset keeps live connections and caches) and
 * sets them from scratch: TLS verification always on, connect and low-speed
 * timeouts, the standard proxy variables (libcurl reads https_proxy,
 * HTTPS_PROXY, http_proxy and NO_PROXY itself), no redirects followed.
 *
 * The request body is sent from memory through a read callback (rewindable,
 * so libcurl may resend it on a stale keep-alive connection). The response
 * body of a 2xx answer goes to the sink when there is one; otherwise, and for
 * every error answer, it is collected into resp->body up to a cap.
 */
#ifndef CT_AWS_HTTP_H
#define CT_AWS_HTTP_H

#include <curl/curl.h>
#include <stddef.h>
#include <time.h>

#include "aws/client.h"
#include "aws/error.h"

#define CTAWS_HTTP_ERROR_BODY_MAX (64 * 1024)          /* kept of an error answer's body */
#define CTAWS_HTTP_COLLECT_MAX    (64UL * 1024 * 1024) /* largest body collected in memory */

struct ctaws_http_settings {
	const char *ca_bundle;   /* borrowed; NULL: the system's trust store */
	long connect_timeout_ms; /* > 0 */
	long low_speed_time_s;   /* abort below 1 byte/s for this long; > 0 */
	long request_timeout_ms; /* whole exchange; 0: none */
};

/* The state an exchange's callbacks share; lives as long as the transfer. */
struct ctaws_http_exchange {
	const char *body; /* request body, borrowed */
	size_t body_len;
	size_t body_off;             /* bytes of body handed to libcurl */
	struct curl_slist *headers;  /* owned request headers */
	struct ctaws_response *resp; /* borrowed: status, headers, collected body */
	ctaws_body_sink sink;        /* borrowed; NULL: collect */
	void *sink_arg;
	int sink_aborted;  /* the sink returned -1 */
	int body_overflow; /* a collected 2xx body passed CTAWS_HTTP_COLLECT_MAX */
	char host[256];    /* for messages */
	char errbuf[CURL_ERROR_SIZE];
};

/* Initialises libcurl once per process (thread-safe). 0 or -1. */
int ctaws_http_global_init(void);

void ctaws_http_exchange_init(struct ctaws_http_exchange *x, struct ctaws_response *resp);
void ctaws_http_exchange_free(struct ctaws_http_exchange *x);
/* Adds "name: value" to the request. 0 or -1 (out of memory). */
int ctaws_http_add_header(struct ctaws_http_exchange *x, const char *name, const char *value);

/* Resets h and sets it up for one exchange (method, url, x's headers and body).
 * resp is reset. Returns 0, or -1 with err filled. */
int ctaws_http_prepare(CURL *h, const struct ctaws_http_settings *s, const char *method,
    const char *url, struct ctaws_http_exchange *x, struct ctaws_error *err);

/* After the transfer ended with rc: 0 for a 2xx answer; otherwise -1 with err
 * filled (network failures as "NetworkError", "Timeout", "TLSError",
 * "Aborted"; HTTP errors parsed by ctaws_error_from_response). Fills
 * resp->status and resp->request_id in every case. */
int ctaws_http_finish(CURL *h, CURLcode rc, struct ctaws_http_exchange *x, const char *service,
    const char *operation, struct ctaws_error *err);

/* Finds header name (case-insensitive) in raw "Name: value\r\n" lines and
 * copies its trimmed value into out (truncated). Returns the value's full
 * length, or -1 when absent. */
long ctaws_http_header_find(
    const char *headers, size_t headers_len, const char *name, char *out, size_t outlen);

/* Parses an HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT") or an ISO 8601 UTC
 * time ("2024-01-02T03:04:05Z", fractions allowed, as in credentials
 * answers). 0 or -1. */
int ctaws_parse_time(const char *s, time_t *out);

#endif
