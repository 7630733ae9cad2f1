// AWS's error answers, in each service's own wire shape:
//   SQS (AWS JSON 1.0): {"__type": "...#Code", "message": ...} and the
//       x-amzn-query-error header "QueryCode;Sender|Receiver";
//   DynamoDB (AWS JSON 1.0): the same body, no query header, 400 for the
//       signature and key errors (not 403), 500 InternalServerError;
//   S3 (REST XML): <Error><Code>..</Code><Message>..</Message>..</Error>;
//   SNS and STS (query protocol): <ErrorResponse><Error><Type>Sender</Type>
//       <Code>..</Code><Message>..</Message></Error><RequestId>..</RequestId>.
// Every function returns {status, headers, body}; the front adds Date.
import { randomUUID } from "node:crypto";
import { formatAmzDate } from "./sigv4.mjs";

const XMLNS = {
	sns: "http://sns.amazonaws.com/doc/2010-03-31/",
	sts: "https://sts.amazonaws.com/doc/2011-06-15/",
};

export function xmlEscape(s) {
	return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]);
}

export function newRequestId() {
	return randomUUID();
}

/** An SQS JSON-protocol error. `type` is the full __type (namespace#Name). */
export function sqsError(status, type, queryCode, message, fault = "Sender") {
	const requestId = newRequestId();
	return {
		status,
		code: queryCode,
		headers: {
			"content-type": "application/x-amz-json-1.0",
			"x-amzn-requestid": requestId,
			"x-amzn-query-error": `${queryCode};${fault}`,
		},
		body: JSON.stringify({ __type: type, message }),
	};
}

const DYNAMODB = "com.amazonaws.dynamodb.v20120810#";

/** A DynamoDB JSON-protocol error. `type` is the full __type (namespace#Name). */
export function dynamodbError(status, type, message) {
	return {
		status,
		code: type.slice(type.indexOf("#") + 1),
		headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": newRequestId() },
		body: JSON.stringify({ __type: type, message }),
	};
}

/** An S3 REST error; `extra` adds elements after Message (name -> text). */
export function s3Error(status, code, message, extra = {}, headers = {}) {
	const requestId = newRequestId().replace(/-/g, "").slice(0, 16).toUpperCase();
	const hostId = Buffer.from(newRequestId()).toString("base64");
	let fields = "";
	for (const [name, value] of Object.entries(extra))
		fields += `<${name}>${xmlEscape(value)}</${name}>`;
	return {
		status,
		code,
		headers: { "content-type": "application/xml", "x-amz-request-id": requestId, "x-amz-id-2": hostId, ...headers },
		body:
			'<?xml version="1.0" encoding="UTF-8"?>\n' +
			`<Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message>${fields}` +
			`<RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></Error>`,
	};
}

/** A query-protocol (SNS, STS) error. */
export function queryError(service, status, code, message, type = status >= 500 ? "Receiver" : "Sender") {
	const requestId = newRequestId();
	return {
		status,
		code,
		headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
		body:
			`<ErrorResponse xmlns="${XMLNS[service] ?? XMLNS.sns}">\n` +
			`  <Error>\n    <Type>${type}</Type>\n    <Code>${xmlEscape(code)}</Code>\n` +
			`    <Message>${xmlEscape(message)}</Message>\n  </Error>\n` +
			`  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`,
	};
}

const CORAL = "com.amazon.coral.service#";
const MISMATCH =
	"The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const S3_MISMATCH =
	"The request signature we calculated does not match the signature you provided. Check your key and signing method.";
const INVALID_TOKEN = "The security token included in the request is invalid.";
const EXPIRED_TOKEN = "The security token included in the request is expired";

function mismatchText(f) {
	if (f.message)
		return f.message;
	if (f.canonicalRequest === undefined)
		return MISMATCH;
	return (
		`${MISMATCH}\n\nThe Canonical String for this request should have been\n'${f.canonicalRequest}'\n\n` +
		`The String-to-Sign should have been\n'${f.stringToSign}'\n`
	);
}

function skewText(f) {
	const req = f.requestTime;
	if (f.requestMs < f.serverMs)
		return `Signature expired: ${req} is now earlier than ${formatAmzDate(f.serverMs - 900000)} (${formatAmzDate(f.serverMs)} - 15 min.)`;
	return `Signature not yet current: ${req} is still later than ${formatAmzDate(f.serverMs + 900000)} (${formatAmzDate(f.serverMs)} + 15 min.)`;
}

/**
 * The answer to a request the front refuses. `f` is {kind, service, ...details}
 * with kind one of: missing, malformed, unknown-key, bad-token, expired-token,
 * mismatch, skew, wrong-region, headers-not-signed, missing-content-sha256,
 * invalid-content-sha256, content-sha256-mismatch, expected-owner, throttle,
 * error500.
 */
export function authError(f) {
	if (f.service === "sqs")
		return sqsAuthError(f);
	if (f.service === "dynamodb")
		return dynamodbAuthError(f);
	if (f.service === "s3")
		return s3AuthError(f);
	return queryAuthError(f);
}

function sqsAuthError(f) {
	switch (f.kind) {
	case "missing":
		return sqsError(403, CORAL + "MissingAuthenticationTokenException", "MissingAuthenticationToken", "Request is missing Authentication Token");
	case "malformed":
		return sqsError(400, CORAL + "IncompleteSignatureException", "IncompleteSignature", f.message);
	case "unknown-key":
	case "bad-token":
		return sqsError(403, CORAL + "UnrecognizedClientException", "InvalidClientTokenId", INVALID_TOKEN);
	case "expired-token":
		return sqsError(403, CORAL + "ExpiredTokenException", "ExpiredToken", EXPIRED_TOKEN);
	case "skew":
		return sqsError(403, CORAL + "InvalidSignatureException", "SignatureDoesNotMatch", skewText(f));
	case "wrong-region":
		return sqsError(403, CORAL + "InvalidSignatureException", "SignatureDoesNotMatch",
			`Credential should be scoped to a valid region, not '${f.region}'. `);
	case "throttle":
		return sqsError(400, "com.amazon.coral.availability#ThrottlingException", "ThrottlingException", "Rate exceeded");
	case "error500":
		return sqsError(500, CORAL + "InternalFailure", "InternalFailure",
			"The request processing has failed because of an unknown error, exception or failure.", "Receiver");
	default: /* mismatch, content-sha256-mismatch, anything else about the signature */
		return sqsError(403, CORAL + "InvalidSignatureException", "SignatureDoesNotMatch", mismatchText(f));
	}
}

function dynamodbAuthError(f) {
	switch (f.kind) {
	case "missing":
		return dynamodbError(400, CORAL + "MissingAuthenticationTokenException", "Request is missing Authentication Token");
	case "malformed":
		return dynamodbError(400, CORAL + "IncompleteSignatureException", f.message);
	case "unknown-key":
	case "bad-token":
		return dynamodbError(400, CORAL + "UnrecognizedClientException", INVALID_TOKEN);
	case "expired-token":
		return dynamodbError(400, CORAL + "ExpiredTokenException", EXPIRED_TOKEN);
	case "skew":
		return dynamodbError(400, CORAL + "InvalidSignatureException", skewText(f));
	case "wrong-region":
		return dynamodbError(400, CORAL + "InvalidSignatureException",
			`Credential should be scoped to a valid region, not '${f.region}'. `);
	case "throttle":
		return dynamodbError(400, DYNAMODB + "ProvisionedThroughputExceededException",
			"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.");
	case "error500":
		return dynamodbError(500, DYNAMODB + "InternalServerError", "Internal server error");
	default:
		return dynamodbError(400, CORAL + "InvalidSignatureException", mismatchText(f));
	}
}

function s3AuthError(f) {
	switch (f.kind) {
	case "missing":
	case "expected-owner":
		return s3Error(403, "AccessDenied", "Access Denied");
	case "malformed":
		return s3Error(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; ${f.message}`);
	case "unknown-key":
		return s3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.",
			{ AWSAccessKeyId: f.accessKeyId });
	case "bad-token":
		return s3Error(400, "InvalidToken", "The provided token is malformed or otherwise invalid.");
	case "expired-token":
		return s3Error(400, "ExpiredToken", "The provided token has expired.");
	case "skew":
		return s3Error(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", {
			RequestTime: f.requestTime,
			ServerTime: new Date(f.serverMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
			MaxAllowedSkewMilliseconds: "900000",
		});
	case "wrong-region":
		return s3Error(400, "AuthorizationHeaderMalformed",
			`The authorization header is malformed; the region '${f.region}' is wrong; expecting '${f.expected}'`,
			{ Region: f.expected }, { "x-amz-bucket-region": f.expected });
	case "headers-not-signed":
		return s3Error(403, "AccessDenied", "There were headers present in the request which were not signed",
			{ HeadersNotSigned: f.headers.join(", ") });
	case "missing-content-sha256":
		return s3Error(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
	case "invalid-content-sha256":
		return s3Error(400, "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD or a valid sha256 value.",
			{ ArgumentName: "x-amz-content-sha256", ArgumentValue: f.value });
	case "content-sha256-mismatch":
		return s3Error(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.",
			{ ClientComputedContentSHA256: f.claimed, S3ComputedContentSHA256: f.computed });
	case "throttle":
		return s3Error(503, "SlowDown", "Please reduce your request rate.");
	case "error500":
		return s3Error(500, "InternalError", "We encountered an internal error. Please try again.");
	default:
		if (f.message)
			return s3Error(403, "SignatureDoesNotMatch", f.message);
		return s3Error(403, "SignatureDoesNotMatch", S3_MISMATCH, {
			AWSAccessKeyId: f.accessKeyId,
			StringToSign: f.stringToSign ?? "",
			SignatureProvided: f.signature ?? "",
			CanonicalRequest: f.canonicalRequest ?? "",
		});
	}
}

function queryAuthError(f) {
	const s = f.service;
	switch (f.kind) {
	case "missing":
		return queryError(s, 403, "MissingAuthenticationToken", "Request is missing Authentication Token");
	case "malformed":
		return queryError(s, 400, "IncompleteSignature", f.message);
	case "unknown-key":
	case "bad-token":
		return queryError(s, 403, "InvalidClientTokenId", INVALID_TOKEN);
	case "expired-token":
		return queryError(s, 403, "ExpiredToken", EXPIRED_TOKEN);
	case "skew":
		return queryError(s, 403, "SignatureDoesNotMatch", skewText(f));
	case "wrong-region":
		return queryError(s, 403, "SignatureDoesNotMatch", `Credential should be scoped to a valid region, not '${f.region}'. `);
	case "throttle":
		return queryError(s, 400, "Throttling", "Rate exceeded");
	case "error500":
		return s === "sns"
			? queryError(s, 500, "InternalError", "Internal Error")
			: queryError(s, 500, "InternalFailure", "An internal error occurred.");
	default:
		return queryError(s, 403, "SignatureDoesNotMatch", mismatchText(f));
	}
}

/**
 * A status fault's answer: {status, code, message, type, headers, body}; the
 * body, when not given, is the service's error shape for code and message.
 */
export function customError(service, spec) {
	const status = spec.status ?? 400;
	const fault = status >= 500 ? "Receiver" : "Sender";
	let answer;
	if (spec.body !== undefined)
		answer = { status, code: spec.code, headers: {}, body: spec.body };
	else if (service === "dynamodb")
		answer = dynamodbError(status, spec.type ?? DYNAMODB + (spec.code ?? "InternalServerError"), spec.message ?? "");
	else if (service === "sqs")
		answer = sqsError(status, spec.type ?? CORAL + (spec.code ?? "InternalFailure"), spec.queryCode ?? spec.code ?? "InternalFailure", spec.message ?? "", fault);
	else if (service === "s3")
		answer = s3Error(status, spec.code ?? "InternalError", spec.message ?? "", spec.extra ?? {});
	else
		answer = queryError(service, status, spec.code ?? "InternalFailure", spec.message ?? "", spec.type ?? fault);
	answer.headers = { ...answer.headers, ...(spec.headers ?? {}) };
	return answer;
}
