/*
 * aws/http: libcurl options, body callbacks and the outcome of a transfer.
 */
#include "config.h"

#include "aws/http.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static int http_init_rc;

static void
http_init_once(void)
{
	http_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

int
ctaws_http_global_init(void)
{
	pthread_once(&http_once, http_init_once);
	return http_init_rc;
}

void
ctaws_http_exchange_init(struct ctaws_http_exchange *x, struct ctaws_response *resp)
{
	memset(x, 0, sizeof(*x));
	x->resp = resp;
}

void
ctaws_http_exchange_free(struct ctaws_http_exchange *x)
{
	curl_slist_free_all(x->headers);
	x->headers = NULL;
}

int
ctaws_http_add_header(struct ctaws_http_exchange *x, const char *name, const char *value)
{
	struct curl_slist *l;
	struct buf line = BUF_INIT;

	/* "Name;" is libcurl's way to send a header with an empty value. */
	if (buf_printf(&line, *value ? "%s: %s" : "%s;", name, value) == -1)
		return -1;
	l = curl_slist_append(x->headers, line.data);
	buf_free(&line);
	if (l == NULL)
		return -1;
	x->headers = l;
	return 0;
}

static int
add_raw(struct ctaws_http_exchange *x, const char *line)
{
	struct curl_slist *l = curl_slist_append(x->headers, line);

	if (l == NULL)
		return -1;
	x->headers = l;
	return 0;
}

static size_t
read_cb(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct ctaws_http_exchange *x = arg;
	size_t n = size * nmemb, left = x->body_len - x->body_off;

	if (n > left)
		n = left;
	memcpy(dst, x->body + x->body_off, n);
	x->body_off += n;
	return n;
}

static int
seek_cb(void *arg, curl_off_t off, int origin)
{
	struct ctaws_http_exchange *x = arg;

	if (origin != SEEK_SET || off < 0 || (size_t)off > x->body_len)
		return CURL_SEEKFUNC_CANTSEEK;
	x->body_off = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

static int
status_is_2xx(long status)
{
	return status >= 200 && status < 300;
}

static size_t
header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct ctaws_http_exchange *x = arg;
	size_t n = size * nmemb;

	/* A status line starts a new header block (after 100 Continue, ...). */
	if (n > 5 && memcmp(data, "HTTP/", 5) == 0) {
		const char *sp = memchr(data, ' ', n);

		buf_reset(&x->resp->headers);
		x->resp->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		return n;
	}
	if (x->resp->headers.len + n > CTAWS_HTTP_ERROR_BODY_MAX)
		return n; /* absurd header volume: keep what we have */
	return buf_append(&x->resp->headers, data, n) == 0 ? n : 0;
}

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct ctaws_http_exchange *x = arg;
	struct ctaws_response *r = x->resp;
	size_t n = size * nmemb, keep = n;

	if (status_is_2xx(r->status) && x->sink) {
		if (x->sink(x->sink_arg, data, n) == -1) {
			x->sink_aborted = 1;
			return 0;
		}
		r->delivered += n;
		return n;
	}
	if (status_is_2xx(r->status)) {
		if (r->body.len + n > CTAWS_HTTP_COLLECT_MAX) {
			x->body_overflow = 1;
			return 0;
		}
	} else if (r->body.len + n > CTAWS_HTTP_ERROR_BODY_MAX) {
		keep = r->body.len < CTAWS_HTTP_ERROR_BODY_MAX
		           ? CTAWS_HTTP_ERROR_BODY_MAX - r->body.len
		           : 0;
	}
	return buf_append(&r->body, data, keep) == 0 ? n : 0;
}

static void
set_method(CURL *h, const char *method, struct ctaws_http_exchange *x)
{
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
	} else {
		/* PUT, DELETE, ...: an upload when there is a body. */
		if (x->body_len || strcmp(method, "PUT") == 0) {
			curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->body_len);
		}
		if (strcmp(method, "PUT") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	}
}

static void
set_transport(CURL *h, const struct ctaws_http_settings *s)
{
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	/* What every AWS endpoint speaks; one request per connection at a time. */
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	/* S3 keys may hold "." and ".." segments: send the path we signed. */
	curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (s->ca_bundle && *s->ca_bundle)
		curl_easy_setopt(h, CURLOPT_CAINFO, s->ca_bundle);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, s->low_speed_time_s);
	if (s->request_timeout_ms > 0)
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, s->request_timeout_ms);
	curl_easy_setopt(h, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
}

static void
remember_host(struct ctaws_http_exchange *x, const char *url)
{
	const char *p = strstr(url, "://");
	size_t n;

	p = p ? p + 3 : url;
	n = strcspn(p, "/?#");
	if (n >= sizeof(x->host))
		n = sizeof(x->host) - 1;
	memcpy(x->host, p, n);
	x->host[n] = '\0';
}

int
ctaws_http_prepare(CURL *h, const struct ctaws_http_settings *s, const char *method,
    const char *url, struct ctaws_http_exchange *x, struct ctaws_error *err)
{
	curl_easy_reset(h);
	buf_reset(&x->resp->headers);
	buf_reset(&x->resp->body);
	x->resp->status = 0;
	x->resp->delivered = 0;
	x->body_off = 0;
	x->sink_aborted = x->body_overflow = 0;
	x->errbuf[0] = '\0';
	remember_host(x, url);
	/* No "Expect: 100-continue" round trip, no catch-all Accept header. */
	if (add_raw(x, "Expect:") == -1 || add_raw(x, "Accept:") == -1)
		return ctaws_error_set(err, NULL, NULL, 0, "OutOfMemory", 0, "out of memory");
	set_transport(h, s);
	if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK)
		return ctaws_error_set(
		    err, NULL, NULL, 0, "InvalidRequest", 0, "bad URL for %s", x->host);
	set_method(h, method, x);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, x);
	curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, seek_cb);
	curl_easy_setopt(h, CURLOPT_SEEKDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
	return 0;
}

long
ctaws_http_header_find(
    const char *headers, size_t headers_len, const char *name, char *out, size_t outlen)
{
	const char *p = headers, *end = headers + headers_len;
	size_t nlen = strlen(name);

	if (outlen)
		out[0] = '\0';
	while (p && p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *lend = eol ? eol : end;

		if ((size_t)(lend - p) > nlen && p[nlen] == ':' &&
		    strncasecmp(p, name, nlen) == 0) {
			const char *v = p + nlen + 1;
			size_t n;

			while (v < lend && (*v == ' ' || *v == '\t'))
				v++;
			while (lend > v && isspace((unsigned char)lend[-1]))
				lend--;
			n = (size_t)(lend - v);
			if (outlen) {
				size_t c = n < outlen ? n : outlen - 1;

				memcpy(out, v, c);
				out[c] = '\0';
			}
			return (long)n;
		}
		p = eol ? eol + 1 : NULL;
	}
	return -1;
}

static void
find_request_id(struct ctaws_response *r)
{
	static const char *const names[] = {"x-amzn-RequestId", "x-amz-request-id", "x-amz-id-2"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (ctaws_http_header_find(r->headers.data, r->headers.len, names[i], r->request_id,
		        sizeof(r->request_id)) > 0)
			return;
	r->request_id[0] = '\0';
}

static int
network_error(CURLcode rc, struct ctaws_http_exchange *x, const char *service,
    const char *operation, struct ctaws_error *err)
{
	const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
	const char *code = "NetworkError";
	int retryable = 1;

	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		code = "Timeout";
		break;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
		code = "TLSError";
		retryable = 0;
		break;
	case CURLE_OUT_OF_MEMORY:
		code = "OutOfMemory";
		retryable = 0;
		break;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		code = "InvalidRequest";
		retryable = 0;
		break;
	default:
		code = "HttpError";
		retryable = 0;
	}
	if (rc == CURLE_WRITE_ERROR && x->sink_aborted)
		return ctaws_error_set(err, service, operation, 0, "Aborted", 0,
		    "response body from %s refused by its consumer", x->host);
	if (rc == CURLE_WRITE_ERROR && x->body_overflow)
		return ctaws_error_set(err, service, operation, 0, "ResponseTooLarge", 0,
		    "response body from %s larger than %lu bytes", x->host, CTAWS_HTTP_COLLECT_MAX);
	ctaws_error_set(err, service, operation, 0, code, retryable, "%s: %s", x->host, why);
	err->http_status = x->resp->status;
	return -1;
}

int
ctaws_http_finish(CURL *h, CURLcode rc, struct ctaws_http_exchange *x, const char *service,
    const char *operation, struct ctaws_error *err)
{
	struct ctaws_response *r = x->resp;
	long status = 0;

	if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status)
		r->status = status;
	find_request_id(r);
	if (rc != CURLE_OK) {
		network_error(rc, x, service, operation, err);
		snprintf(err->request_id, sizeof(err->request_id), "%s", r->request_id);
		return -1;
	}
	if (status_is_2xx(r->status))
		return 0;
	return ctaws_error_from_response(err, service, operation, r->status, r->headers.data,
	    r->headers.len, r->body.data, r->body.len);
}

static int
month_index(const char *m)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *p = strstr(months, m);

	return p && strlen(m) == 3 && (p - months) % 3 == 0 ? (int)(p - months) / 3 : -1;
}

int
ctaws_parse_time(const char *s, time_t *out)
{
	struct tm tm;
	char mon[4];
	int n = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%d-%d-%dT%d:%d:%d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
	        &tm.tm_min, &tm.tm_sec, &n) == 6) {
		const char *p = s + n;

		if (*p == '.')
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
		if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
			return -1;
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
	} else if (sscanf(s, "%*3s, %d %3s %d %d:%d:%d GMT%n", &tm.tm_mday, mon, &tm.tm_year,
	               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) == 6 &&
	           s[n] == '\0') {
		if ((tm.tm_mon = month_index(mon)) < 0)
			return -1;
		tm.tm_year -= 1900;
	} else {
		return -1;
	}
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	*out = timegm(&tm);
	return 0;
}
