/*
 * aws/error: the one typed error of the AWS layer.
 *
 * Every failed AWS request, whatever the service or protocol, ends up as one
 * struct ctaws_error. It never contains credentials or signatures.
 */
#ifndef CT_AWS_ERROR_H
#define CT_AWS_ERROR_H

/*
 * What went wrong, in the words code decides by: callers switch on it and
 * never compare code[] strings. It is derived once, where the error is made
 * (ctaws_error_set, ctaws_error_from_response), from the code and the HTTP
 * status; code[] keeps AWS's own word for messages and metrics.
 */
enum ctaws_errc {
	CTAWS_ERRC_NONE = 0,         /* no error */
	CTAWS_ERRC_SERVICE,          /* AWS answered with an error not named below */
	CTAWS_ERRC_THROTTLED,        /* slow down: throttling codes, 429 */
	CTAWS_ERRC_UNAVAILABLE,      /* the service failed for now: 5xx, transient codes */
	CTAWS_ERRC_SIGNATURE,        /* the signature was refused: a wrong key or our clock */
	CTAWS_ERRC_EXPIRED_TOKEN,    /* the credentials expired */
	CTAWS_ERRC_NOT_FOUND,        /* the named bucket, key, queue or topic does not exist */
	CTAWS_ERRC_ACCESS_DENIED,    /* not allowed: AccessDenied, 403 */
	CTAWS_ERRC_INVALID,          /* the request can never succeed as made */
	CTAWS_ERRC_WRONG_REGION,     /* S3: the bucket lives in another region */
	CTAWS_ERRC_NETWORK,          /* no answer: connection refused or reset, DNS */
	CTAWS_ERRC_TLS,              /* no answer: the TLS handshake or certificate failed */
	CTAWS_ERRC_TIMEOUT,          /* no answer in time */
	CTAWS_ERRC_ABORTED,          /* the caller stopped the transfer (cancel flag, sink) */
	CTAWS_ERRC_MALFORMED,        /* a 2xx answer not shaped as the API defines */
	CTAWS_ERRC_CREDS_NOT_FOUND,  /* a credentials source has none: the chain goes on */
	CTAWS_ERRC_CREDS,            /* a credentials source failed */
	CTAWS_ERRC_CONDITION_FAILED, /* a conditional write found its condition false (DynamoDB) */
};

struct ctaws_error {
	enum ctaws_errc errc;  /* what went wrong, for decisions */
	const char *service;   /* "sqs", "s3", "dynamodb", "imds", ...; static string */
	const char *operation; /* "ReceiveMessage", "GetObject", ...; static string */
	long http_status;      /* 0 when no response arrived */
	char code[96];         /* AWS error code ("ThrottlingException", "NoSuchKey"), or
	                          "NetworkError", "Timeout", "CredentialsError", ... */
	char message[512];     /* AWS's message or ours */
	char request_id[96];   /* x-amz-request-id / x-amzn-RequestId, "" if none */
	int retryable;         /* the standard retry mode would retry it */
	int throttling;        /* a throttling error (costs more retry quota) */
	int transient;         /* worth trying again later even after retries ran out */
};

/* Error code for a 2xx answer whose body is not what the API defines. */
#define CTAWS_ERR_MALFORMED "MalformedResponse"

/* Deepest nesting accepted in a JSON answer; AWS answers are a few levels deep. */
#define CTAWS_JSON_MAX_DEPTH 32

void ctaws_error_clear(struct ctaws_error *e);

/* Fills e and returns -1. */
int ctaws_error_set(struct ctaws_error *e, const char *service, const char *operation,
    long http_status, const char *code, int retryable, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* "sqs ReceiveMessage: HTTP 403 AccessDenied: message (request id X)" */
const char *ctaws_error_str(const struct ctaws_error *e, char *out, unsigned long outlen);

/* The errc an error with this code and status has (code may be NULL). */
enum ctaws_errc ctaws_errc_of(const char *code, long http_status);
/* "not_found", ...: for tests and debug logs. */
const char *ctaws_errc_name(enum ctaws_errc errc);

/* Classifies an AWS error code as the standard retry mode does. */
int ctaws_error_code_is_throttling(const char *code);
int ctaws_error_code_is_transient(const char *code);
int ctaws_error_code_is_clock_skew(const char *code);

/* Sets errc, retryable, throttling and transient from code and http_status. */
void ctaws_error_classify(struct ctaws_error *e);

/*
 * Turns a non-2xx response into e and returns -1. headers are the raw
 * "Name: value\r\n" lines of the response, body its (possibly truncated or
 * empty) body. Understands the AWS JSON shape ({"__type", "message"} plus the
 * x-amzn-query-error and x-amzn-ErrorType headers), the XML shapes
 * (<Error><Code> for S3, <ErrorResponse><Error><Code> for SNS and STS) and
 * bodiless answers (HEAD), whose code is derived from the status.
 */
int ctaws_error_from_response(struct ctaws_error *e, const char *service, const char *operation,
    long http_status, const char *headers, unsigned long headers_len, const char *body,
    unsigned long body_len);

#endif
