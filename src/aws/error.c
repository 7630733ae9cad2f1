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

/*
 * Every error code ctalertd decides by, and what it means. The throttling,
 * transient and signature codes are the standard retry mode's lists; the
 * local codes are the ones the AWS layer gives failures without an answer.
 */
static const struct {
	const char *code;
	enum ctaws_errc errc;
} known_codes[] = {
    {"Throttling", CTAWS_ERRC_THROTTLED},
    {"ThrottlingException", CTAWS_ERRC_THROTTLED},
    {"ThrottledException", CTAWS_ERRC_THROTTLED},
    {"RequestThrottledException", CTAWS_ERRC_THROTTLED},
    {"TooManyRequestsException", CTAWS_ERRC_THROTTLED},
    {"ProvisionedThroughputExceededException", CTAWS_ERRC_THROTTLED},
    {"TransactionInProgressException", CTAWS_ERRC_THROTTLED},
    {"RequestLimitExceeded", CTAWS_ERRC_THROTTLED},
    {"BandwidthLimitExceeded", CTAWS_ERRC_THROTTLED},
    {"LimitExceededException", CTAWS_ERRC_THROTTLED},
    {"RequestThrottled", CTAWS_ERRC_THROTTLED},
    {"SlowDown", CTAWS_ERRC_THROTTLED},
    {"PriorRequestNotComplete", CTAWS_ERRC_THROTTLED},
    {"EC2ThrottledException", CTAWS_ERRC_THROTTLED},
    {"AWS.SimpleQueueService.RequestThrottled", CTAWS_ERRC_THROTTLED},
    {"RequestTimeout", CTAWS_ERRC_UNAVAILABLE},
    {"RequestTimeoutException", CTAWS_ERRC_UNAVAILABLE},
    {"InternalError", CTAWS_ERRC_UNAVAILABLE},
    {"InternalFailure", CTAWS_ERRC_UNAVAILABLE},
    {"InternalServerError", CTAWS_ERRC_UNAVAILABLE},
    {"ServiceUnavailable", CTAWS_ERRC_UNAVAILABLE},
    {"AWS.SimpleQueueService.ServiceUnavailable", CTAWS_ERRC_UNAVAILABLE},
    {"AuthFailure", CTAWS_ERRC_SIGNATURE},
    {"InvalidSignatureException", CTAWS_ERRC_SIGNATURE},
    {"RequestExpired", CTAWS_ERRC_SIGNATURE},
    {"RequestInTheFuture", CTAWS_ERRC_SIGNATURE},
    {"RequestTimeTooSkewed", CTAWS_ERRC_SIGNATURE},
    {"SignatureDoesNotMatch", CTAWS_ERRC_SIGNATURE},
    {"SignatureExpired", CTAWS_ERRC_SIGNATURE},
    {"ExpiredToken", CTAWS_ERRC_EXPIRED_TOKEN},
    {"ExpiredTokenException", CTAWS_ERRC_EXPIRED_TOKEN},
    {"NoSuchKey", CTAWS_ERRC_NOT_FOUND},
    {"NoSuchBucket", CTAWS_ERRC_NOT_FOUND},
    {"NotFound", CTAWS_ERRC_NOT_FOUND},
    {"AWS.SimpleQueueService.NonExistentQueue", CTAWS_ERRC_NOT_FOUND},
    {"QueueDoesNotExist", CTAWS_ERRC_NOT_FOUND},
    {"ResourceNotFoundException", CTAWS_ERRC_NOT_FOUND},
    {"AccessDenied", CTAWS_ERRC_ACCESS_DENIED},
    {"AccessDeniedException", CTAWS_ERRC_ACCESS_DENIED},
    {"AuthorizationError", CTAWS_ERRC_ACCESS_DENIED},
    {"Forbidden", CTAWS_ERRC_ACCESS_DENIED},
    {"InvalidObjectState", CTAWS_ERRC_INVALID},
    {"InvalidBucketName", CTAWS_ERRC_INVALID},
    {"KeyTooLongError", CTAWS_ERRC_INVALID},
    {"InvalidRequest", CTAWS_ERRC_INVALID},
    {"InvalidParameter", CTAWS_ERRC_INVALID},
    {"InvalidParameterValue", CTAWS_ERRC_INVALID},
    {"MissingParameter", CTAWS_ERRC_INVALID},
    {"ValidationError", CTAWS_ERRC_INVALID},
    {"ValidationException", CTAWS_ERRC_INVALID},
    {"ConditionalCheckFailedException", CTAWS_ERRC_CONDITION_FAILED},
    {"PermanentRedirect", CTAWS_ERRC_WRONG_REGION},
    {"TemporaryRedirect", CTAWS_ERRC_WRONG_REGION},
    {"AuthorizationHeaderMalformed", CTAWS_ERRC_WRONG_REGION},
    {"IllegalLocationConstraintException", CTAWS_ERRC_WRONG_REGION},
    {"NetworkError", CTAWS_ERRC_NETWORK},
    {"TLSError", CTAWS_ERRC_TLS},
    {"Timeout", CTAWS_ERRC_TIMEOUT},
    {"Aborted", CTAWS_ERRC_ABORTED},
    {CTAWS_ERR_MALFORMED, CTAWS_ERRC_MALFORMED},
    {"CredentialsNotFound", CTAWS_ERRC_CREDS_NOT_FOUND},
    {"CredentialsError", CTAWS_ERRC_CREDS},
};

static const char *const errc_names[] = {
    [CTAWS_ERRC_NONE] = "none",
    [CTAWS_ERRC_SERVICE] = "service",
    [CTAWS_ERRC_THROTTLED] = "throttled",
    [CTAWS_ERRC_UNAVAILABLE] = "unavailable",
    [CTAWS_ERRC_SIGNATURE] = "signature",
    [CTAWS_ERRC_EXPIRED_TOKEN] = "expired_token",
    [CTAWS_ERRC_NOT_FOUND] = "not_found",
    [CTAWS_ERRC_ACCESS_DENIED] = "access_denied",
    [CTAWS_ERRC_INVALID] = "invalid",
    [CTAWS_ERRC_WRONG_REGION] = "wrong_region",
    [CTAWS_ERRC_NETWORK] = "network",
    [CTAWS_ERRC_TLS] = "tls",
    [CTAWS_ERRC_TIMEOUT] = "timeout",
    [CTAWS_ERRC_ABORTED] = "aborted",
    [CTAWS_ERRC_MALFORMED] = "malformed",
    [CTAWS_ERRC_CREDS_NOT_FOUND] = "creds_not_found",
    [CTAWS_ERRC_CREDS] = "creds",
    [CTAWS_ERRC_CONDITION_FAILED] = "condition_failed",
};

/* The errc of a known code; CTAWS_ERRC_NONE for any other. */
static enum ctaws_errc
errc_of_code(const char *code)
{
	if (code == NULL)
		return CTAWS_ERRC_NONE;
	for (size_t i = 0; i < sizeof(known_codes) / sizeof(known_codes[0]); i++)
		if (strcmp(known_codes[i].code, code) == 0)
			return known_codes[i].errc;
	return CTAWS_ERRC_NONE;
}

enum ctaws_errc
ctaws_errc_of(const char *code, long http_status)
{
	enum ctaws_errc c = errc_of_code(code);

	if (c != CTAWS_ERRC_NONE)
		return c;
	switch (http_status) {
	case 301:
	case 307:
		return CTAWS_ERRC_WRONG_REGION;
	case 403:
		return CTAWS_ERRC_ACCESS_DENIED;
	case 404:
		return CTAWS_ERRC_NOT_FOUND;
	case 429:
		return CTAWS_ERRC_THROTTLED;
	case 500:
	case 502:
	case 503:
	case 504:
		return CTAWS_ERRC_UNAVAILABLE;
	default:
		return CTAWS_ERRC_SERVICE;
	}
}

const char *
ctaws_errc_name(enum ctaws_errc errc)
{
	if ((unsigned)errc < sizeof(errc_names) / sizeof(errc_names[0]) && errc_names[errc])
		return errc_names[errc];
	return "unknown";
}

int
ctaws_error_code_is_throttling(const char *code)
{
	return errc_of_code(code) == CTAWS_ERRC_THROTTLED;
}

int
ctaws_error_code_is_transient(const char *code)
{
	enum ctaws_errc c = errc_of_code(code);

	return c == CTAWS_ERRC_UNAVAILABLE || c == CTAWS_ERRC_NETWORK || c == CTAWS_ERRC_TIMEOUT;
}

int
ctaws_error_code_is_clock_skew(const char *code)
{
	return errc_of_code(code) == CTAWS_ERRC_SIGNATURE;
}

void
ctaws_error_classify(struct ctaws_error *e)
{
	long s = e->http_status;

	e->errc = ctaws_errc_of(e->code, s);
	e->throttling = ctaws_error_code_is_throttling(e->code) || s == 429;
	e->retryable = e->throttling || ctaws_error_code_is_transient(e->code) || s == 500 ||
	               s == 502 || s == 503 || s == 504;
	/* Worth another go later: the service may recover, credentials may be
	 * refreshed, the clock may be corrected. */
	e->transient =
	    e->retryable || e->errc == CTAWS_ERRC_SIGNATURE || e->errc == CTAWS_ERRC_EXPIRED_TOKEN;
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
	e->errc = ctaws_errc_of(code, http_status);
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
		if (ctaws_error_code_is_throttling(hv)) {
			e->throttling = e->retryable = e->transient = 1;
			e->errc = CTAWS_ERRC_THROTTLED;
		}
	}
	return -1;
}
