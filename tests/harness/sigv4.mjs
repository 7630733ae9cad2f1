// Checks the AWS Signature Version 4 of an incoming request the way AWS does:
// rebuild the request from exactly the headers the client listed in
// SignedHeaders, sign it again with the AWS SDK for JavaScript's signer and the
// secret the harness knows for the access key, and compare.
//
// Canonical forms follow AWS, not the client: the query is decoded, sorted and
// re-encoded; an S3 path is decoded and encoded once; any other service's path
// is encoded a second time (the signer does that).
import { createHash } from "node:crypto";
import { getCanonicalHeaders, getPayloadHash, prepareRequest, Sha256, SignatureV4 } from "./deps.mjs";

export const ALGORITHM = "AWS4-HMAC-SHA256";
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/** How far x-amz-date may be from the server's clock (AWS: 15 minutes). */
export const MAX_SKEW_MS = 15 * 60 * 1000;
const SERVICES = new Set(["s3", "sqs", "sns", "sts", "cloudtrail", "dynamodb", "organizations"]);

/**
 * Parses an Authorization header value. Returns {ok: true, accessKeyId, date,
 * region, service, signedHeaders: [..], signature} or {ok: false, message}.
 */
export function parseAuthorization(value) {
	if (typeof value !== "string" || value === "")
		return { ok: false, missing: true, message: "Request is missing Authentication Token" };
	const space = value.indexOf(" ");
	const algorithm = space < 0 ? value : value.slice(0, space);
	if (algorithm !== ALGORITHM)
		return { ok: false, message: `Unsupported Authorization Type '${algorithm}'` };
	const fields = {};
	for (const part of value.slice(space + 1).split(",")) {
		const eq = part.indexOf("=");
		if (eq > 0)
			fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
	}
	for (const name of ["Credential", "SignedHeaders", "Signature"]) {
		if (!fields[name])
			return { ok: false, message: `Authorization header requires '${name}' parameter.` };
	}
	const scope = fields.Credential.split("/");
	if (scope.length !== 5 || scope[4] !== "aws4_request")
		return { ok: false, message: `Credential '${fields.Credential}' is not of the form AKID/DATE/REGION/SERVICE/aws4_request.` };
	const [accessKeyId, date, region, service] = scope;
	if (!/^\d{8}$/.test(date))
		return { ok: false, message: `Invalid credential date '${date}'.` };
	if (!SERVICES.has(service))
		return { ok: false, message: `Credential should be scoped to correct service, not '${service}'.` };
	if (!/^[0-9a-f]{64}$/.test(fields.Signature))
		return { ok: false, message: "Signature is not 64 lowercase hex digits." };
	const signedHeaders = fields.SignedHeaders.split(";");
	return { ok: true, accessKeyId, date, region, service, signedHeaders, signature: fields.Signature };
}

/** Parses an x-amz-date value (YYYYMMDDTHHMMSSZ) into a Date, or null. */
export function parseAmzDate(value) {
	const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? "");
	if (!m)
		return null;
	const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
	return Number.isNaN(d.getTime()) ? null : d;
}

/** Formats a time as x-amz-date does. */
export function formatAmzDate(ms) {
	return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** Decodes %XX escapes only ('+' stays '+'); null when an escape is invalid. */
export function percentDecode(s) {
	try {
		return decodeURIComponent(s);
	} catch {
		return null;
	}
}

/** AWS URI encoding: everything but A-Z a-z 0-9 - _ . ~ as %XX (UTF-8). */
export function awsEncode(s) {
	return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/** The query string as the signer wants it: decoded names to a value or list of values. */
export function parseQuery(rawQuery) {
	const query = {};
	for (const part of (rawQuery ?? "").split("&")) {
		if (part === "")
			continue;
		const eq = part.indexOf("=");
		const name = percentDecode(eq < 0 ? part : part.slice(0, eq));
		const value = percentDecode(eq < 0 ? "" : part.slice(eq + 1));
		if (name === null || value === null)
			return null;
		if (!(name in query))
			query[name] = value;
		else if (Array.isArray(query[name]))
			query[name].push(value);
		else
			query[name] = [query[name], value];
	}
	return query;
}

/** S3's canonical path: the decoded path encoded once, '/' kept. */
export function s3CanonicalPath(rawPath) {
	const decoded = percentDecode(rawPath);
	if (decoded === null)
		return null;
	return decoded.split("/").map(awsEncode).join("/");
}

function headerValue(v) {
	return Array.isArray(v) ? v.join(",") : String(v);
}

/**
 * Signs the request again. `req` is {method, rawPath, rawQuery, headers
 * (lowercase names, as received), body (Buffer or undefined)}; `auth` is a
 * parsed Authorization; `secret` the secret access key. Returns {signature},
 * plus {canonicalRequest, stringToSign} when it differs from the client's,
 * or {error} when the request cannot be canonicalised (bad escapes).
 */
export async function recomputeSignature(req, auth, secret) {
	const isS3 = auth.service === "s3";
	const path = isS3 ? s3CanonicalPath(req.rawPath) : req.rawPath;
	const query = parseQuery(req.rawQuery);
	if (path === null || query === null)
		return { error: "The request URI contains an invalid percent-encoding." };
	const headers = {};
	for (const name of auth.signedHeaders) {
		if (req.headers[name] !== undefined)
			headers[name] = headerValue(req.headers[name]);
	}
	const request = {
		method: req.method,
		protocol: "http:",
		hostname: "local",
		path,
		query,
		headers,
		body: isS3 ? undefined : (req.body ?? Buffer.alloc(0)),
	};
	const signer = new SignatureV4({
		service: auth.service,
		region: auth.region,
		credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: secret },
		sha256: Sha256,
		applyChecksum: isS3,
		uriEscapePath: !isS3,
	});
	const signingDate = parseAmzDate(req.headers["x-amz-date"]);
	const signableHeaders = new Set(auth.signedHeaders);
	const signed = await signer.sign(request, { signingDate, signableHeaders });
	const signature = /Signature=([0-9a-f]+)/.exec(signed.headers.authorization)[1];
	if (signature === auth.signature)
		return { signature };
	const explained = await explain(signer, request, signingDate, signableHeaders, auth);
	return { signature, ...explained };
}

/* The canonical request and string to sign behind a signature, for error
 * messages (AWS returns them so a client can see where it differs). */
async function explain(signer, request, signingDate, signableHeaders, auth) {
	const prepared = prepareRequest(request);
	const longDate = formatAmzDate(signingDate.getTime());
	prepared.headers["x-amz-date"] = longDate;
	const payloadHash = await getPayloadHash(prepared, Sha256);
	if (auth.service === "s3" && prepared.headers["x-amz-content-sha256"] === undefined)
		prepared.headers["x-amz-content-sha256"] = payloadHash;
	const canonicalHeaders = getCanonicalHeaders(prepared, undefined, signableHeaders);
	const canonicalRequest = signer.createCanonicalRequest(prepared, canonicalHeaders, payloadHash);
	const scope = `${longDate.slice(0, 8)}/${auth.region}/${auth.service}/aws4_request`;
	const stringToSign = await signer.createStringToSign(longDate, scope, canonicalRequest);
	return { canonicalRequest, stringToSign };
}

/** SHA-256 of a buffer as lowercase hex (payload hashes). */
export function sha256Hex(buf) {
	return createHash("sha256").update(buf).digest("hex");
}
