/*
 * aws/error: the one typed error of the AWS layer.
 *
 * Every failed AWS request, whatever the service or protocol, ends up as one
 * struct ctaws_error. It never contains credentials or signatures.
 */
#ifndef CT_AWS_ERROR_H
#define CT_AWS_ERROR_H

struct ctaws_error {
	const char *service;   /* "sqs", "s3", "sns", "sts", "imds", "ecs"; static string */
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

/* Classifies an AWS error code as the standard retry mode does. */
int ctaws_error_code_is_throttling(const char *code);
int ctaws_error_code_is_transient(const char *code);
int ctaws_error_code_is_clock_skew(const char *code);

/* Sets retryable, throttling and transient from code and http_status. */
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
