/*
 * aws/error: building, classifying and parsing AWS errors.
 */
#include "aws/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "aws/http.h"
#include "util/json.h"
#include "aws/xml.h"

/* Error codes the standard retry mode treats as throttling. */
static const char *const throttling_codes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "AWS.SimpleQueueService.RequestThrottled",
    NULL,
};

/* Error codes retried as transient (besides 500/502/503/504 and no answer). */
static const char *const transient_codes[] = {
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "NetworkError",
    "Timeout",
    "AWS.SimpleQueueService.ServiceUnavailable",
    NULL,
};

/* Error codes that may mean our clock is off. */
static const char *const clock_skew_codes[] = {
    "AuthFailure",
    "InvalidSignatureException",
    "RequestExpired",
    "RequestInTheFuture",
    "RequestTimeTooSkewed",
    "SignatureDoesNotMatch",
    "SignatureExpired",
    NULL,
};

static int
in_list(const char *const *list, const char *code)
{
	if (code == NULL)
		return 0;
	for (; *list; list++)
		if (strcmp(*list, code) == 0)
			return 1;
	return 0;
}

int
ctaws_error_code_is_throttling(const char *code)
{
	return in_list(throttling_codes, code);
}

int
ctaws_error_code_is_transient(const char *code)
{
	return in_list(transient_codes, code);
}

int
ctaws_error_code_is_clock_skew(const char *code)
{
	return in_list(clock_skew_codes, code);
}

void
ctaws_error_classify(struct ctaws_error *e)
{
	long s = e->http_status;

	e->throttling = ctaws_error_code_is_throttling(e->code) || s == 429;
	e->retryable = e->throttling || ctaws_error_code_is_transient(e->code) || s == 500 ||
	               s == 502 || s == 503 || s == 504;
	/* Worth another go later: the service may recover, credentials may be
	 * refreshed, the clock may be corrected. */
	e->transient = e->retryable || ctaws_error_code_is_clock_skew(e->code) ||
	               strcmp(e->code, "ExpiredToken") == 0 ||
	               strcmp(e->code, "ExpiredTokenException") == 0;
}

void
ctaws_error_clear(struct ctaws_error *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

int
ctaws_error_set(struct ctaws_error *e, const char *service, const char *operation, long http_status,
    const char *code, int retryable, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	memset(e, 0, sizeof(*e));
	e->service = service;
	e->operation = operation;
	e->http_status = http_status;
	snprintf(e->code, sizeof(e->code), "%s", code ? code : "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	e->retryable = retryable;
	e->throttling = ctaws_error_code_is_throttling(e->code) || http_status == 429;
	e->transient = retryable;
	return -1;
}

const char *
ctaws_error_str(const struct ctaws_error *e, char *out, unsigned long outlen)
{
	struct buf b = BUF_INIT;

	if (outlen == 0)
		return out;
	if (e->service)
		buf_printf(&b, "%s%s%s: ", e->service, e->operation ? " " : "",
		    e->operation ? e->operation : "");
	if (e->http_status)
		buf_printf(&b, "HTTP %ld ", e->http_status);
	buf_printf(&b, "%s", e->code[0] ? e->code : "Error");
	if (e->message[0])
		buf_printf(&b, ": %s", e->message);
	if (e->request_id[0])
		buf_printf(&b, " (request id %s)", e->request_id);
	snprintf(out, outlen, "%s", b.data ? b.data : "");
	buf_free(&b);
	return out;
}

/* "com.amazonaws.sqs#QueueDoesNotExist:http://..." -> "QueueDoesNotExist" */
static void
sanitize_code(char *code)
{
	char *p;

	if ((p = strchr(code, ':')) != NULL)
		*p = '\0';
	if ((p = strrchr(code, '#')) != NULL)
		memmove(code, p + 1, strlen(p + 1) + 1);
}

/* An answer that is not AWS's (a proxy's HTML page, ...): show its start. */
static void
raw_message(struct ctaws_error *e, const char *body, size_t len)
{
	static const char prefix[] = "unrecognised error body: ";
	size_t n = sizeof(prefix) - 1, i;

	memcpy(e->message, prefix, n);
	for (i = 0; i < len && n < 200; i++) {
		unsigned char c = (unsigned char)body[i];

		e->message[n++] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	e->message[n] = '\0';
}

/* {"__type": "...", "message": "..."}: 0 when it looked like one. */
static int
parse_json_error(struct ctaws_error *e, const char *body, size_t len)
{
	static const char *const msg_keys[] = {"message", "Message", "errorMessage"};
	char why[8];
	const char *s;
	yajl_val root;

	root = json_parse(body, len, CTAWS_JSON_MAX_DEPTH, why, sizeof(why));
	if (root == NULL || !YAJL_IS_OBJECT(root)) {
		yajl_tree_free(root);
		return -1;
	}
	if ((s = json_string(root, "__type")) != NULL || (s = json_string(root, "code")) != NULL ||
	    (s = json_string(root, "Code")) != NULL)
		snprintf(e->code, sizeof(e->code), "%s", s);
	for (size_t i = 0; i < 3 && e->message[0] == '\0'; i++)
		if ((s = json_string(root, msg_keys[i])) != NULL)
			snprintf(e->message, sizeof(e->message), "%s", s);
	yajl_tree_free(root);
	sanitize_code(e->code);
	return 0;
}

static int
parse_xml_error(struct ctaws_error *e, const char *body, size_t len)
{
	char request_id[sizeof(e->request_id)];
	struct ctaws_xml_field f[] = {
	    {"Error/Code", e->code, sizeof(e->code), 0},
	    {"Error/Message", e->message, sizeof(e->message), 0},
	    {"RequestId", request_id, sizeof(request_id), 0},
	};
	struct ctaws_error xerr;

	/* A truncated body still gives what closed before the cut. */
	(void)ctaws_xml_extract(body, len, f, 3, &xerr);
	if (!f[0].found || e->code[0] == '\0') {
		e->code[0] = e->message[0] = '\0';
		return -1;
	}
	if (f[2].found && e->request_id[0] == '\0')
		snprintf(e->request_id, sizeof(e->request_id), "%s", request_id);
	return 0;
}

static const char *
status_code_name(long status)
{
	switch (status) {
	case 301:
		return "PermanentRedirect";
	case 304:
		return "NotModified";
	case 307:
		return "TemporaryRedirect";
	case 400:
		return "BadRequest";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "NotFound";
	case 405:
		return "MethodNotAllowed";
	case 409:
		return "Conflict";
	case 412:
		return "PreconditionFailed";
	case 413:
		return "RequestEntityTooLarge";
	case 416:
		return "InvalidRange";
	case 429:
		return "TooManyRequests";
	case 500:
		return "InternalError";
	case 502:
		return "BadGateway";
	case 503:
		return "ServiceUnavailable";
	case 504:
		return "GatewayTimeout";
	default:
		return NULL;
	}
}

static size_t
skip_space(const char *body, size_t len)
{
	size_t i = 0;

	while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	return i;
}

int
ctaws_error_from_response(struct ctaws_error *e, const char *service, const char *operation,
    long http_status, const char *headers, unsigned long headers_len, const char *body,
    unsigned long body_len)
{
	char hv[sizeof(e->code)];
	size_t lead = body ? skip_space(body, body_len) : 0;
	int parsed = -1;

	ctaws_error_set(e, service, operation, http_status, NULL, 0, "%s", "");
	if (headers)
		(void)(ctaws_http_header_find(headers, headers_len, "x-amzn-RequestId",
		           e->request_id, sizeof(e->request_id)) >= 0 ||
		       ctaws_http_header_find(headers, headers_len, "x-amz-request-id",
		           e->request_id, sizeof(e->request_id)) >= 0);
	if (lead < body_len && body[lead] == '{')
		parsed = parse_json_error(e, body + lead, body_len - lead);
	else if (lead < body_len && body[lead] == '<')
		parsed = parse_xml_error(e, body + lead, body_len - lead);
	/* Query-compatible JSON services (SQS) name the legacy code in a header;
	 * REST-JSON services put the type in x-amzn-ErrorType. */
	if (e->code[0] == '\0' && headers &&
	    (ctaws_http_header_find(headers, headers_len, "x-amzn-query-error", hv, sizeof(hv)) >
	            0 ||
	        ctaws_http_header_find(headers, headers_len, "x-amzn-ErrorType", hv, sizeof(hv)) >
	            0)) {
		hv[strcspn(hv, ";")] = '\0';
		snprintf(e->code, sizeof(e->code), "%s", hv);
		sanitize_code(e->code);
	}
	if (e->code[0] == '\0') {
		const char *name = status_code_name(http_status);

		if (name)
			snprintf(e->code, sizeof(e->code), "%s", name);
		else
			snprintf(e->code, sizeof(e->code), "HTTP%ld", http_status);
		if (parsed == -1 && lead < body_len)
			raw_message(e, body + lead, body_len - lead);
	}
	ctaws_error_classify(e);
	/* A query-compatible legacy code may be the one that says "throttled". */
	if (!e->throttling && headers &&
	    ctaws_http_header_find(headers, headers_len, "x-amzn-query-error", hv, sizeof(hv)) >
	        0) {
		hv[strcspn(hv, ";")] = '\0';
		if (ctaws_error_code_is_throttling(hv))
			e->throttling = e->retryable = e->transient = 1;
	}
	return -1;
}
