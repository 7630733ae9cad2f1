// What a request is for: its service, operation and the resources it names,
// read the way AWS routes it (credential scope, X-Amz-Target, Action=, or an
// S3 method and path). Used for fault matching and the request log.
import { parseQuery, percentDecode } from "./sigv4.mjs";

const STS_ACTIONS = new Set([
	"AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML", "GetCallerIdentity",
	"GetSessionToken", "GetFederationToken", "DecodeAuthorizationMessage", "GetAccessKeyInfo",
]);

/** The form parameters of a query-protocol request (query string and body). */
export function queryParams(rawQuery, body, contentType) {
	const params = { ...(parseQuery(rawQuery) ?? {}) };
	if (body && body.length > 0 && (contentType ?? "").includes("x-www-form-urlencoded")) {
		for (const [k, v] of new URLSearchParams(body.toString("utf8")))
			params[k] = v;
	}
	return params;
}

/** The service of a request that has no (usable) credential scope. */
export function guessService(headers, rawQuery, body) {
	if ((headers["x-amz-target"] ?? "").startsWith("AmazonSQS."))
		return "sqs";
	if ((headers["x-amz-target"] ?? "").startsWith("DynamoDB_"))
		return "dynamodb";
	if ((headers["x-amz-target"] ?? "").includes("CloudTrail_20131101."))
		return "cloudtrail";
	if ((headers["x-amz-target"] ?? "").startsWith("AWSOrganizationsV20161128."))
		return "organizations";
	const ct = headers["content-type"] ?? "";
	if (ct.includes("x-amz-json"))
		return "sqs";
	const action = queryParams(rawQuery, body, ct).Action;
	if (action !== undefined)
		return STS_ACTIONS.has(action) ? "sts" : "sns";
	return "s3";
}

function capitalised(s) {
	return s.charAt(0).toUpperCase() + s.slice(1);
}

/** S3's operation from method, path-style bucket/key, query and headers. */
export function s3Operation(method, bucket, key, query, headers) {
	const has = (name) => Object.prototype.hasOwnProperty.call(query, name);
	if (!bucket)
		return method === "GET" ? "ListBuckets" : `${method}Service`;
	if (key === undefined || key === "") {
		const sub = ["location", "notification", "policy", "tagging", "versioning", "acl", "lifecycle", "cors", "encryption", "uploads", "versions", "delete"].find(has);
		if (method === "GET" && sub === "location")
			return "GetBucketLocation";
		if (method === "GET" && sub === "uploads")
			return "ListMultipartUploads";
		if (method === "GET" && sub === "versions")
			return "ListObjectVersions";
		if (method === "POST" && sub === "delete")
			return "DeleteObjects";
		if (sub && ["GET", "PUT", "DELETE"].includes(method))
			return `${capitalised(method.toLowerCase())}Bucket${capitalised(sub)}`;
		return { GET: query["list-type"] === "2" ? "ListObjectsV2" : "ListObjects", HEAD: "HeadBucket", PUT: "CreateBucket", DELETE: "DeleteBucket" }[method] ?? `${method}Bucket`;
	}
	if (method === "GET")
		return has("uploadId") ? "ListParts" : has("tagging") ? "GetObjectTagging" : has("acl") ? "GetObjectAcl" : "GetObject";
	if (method === "HEAD")
		return "HeadObject";
	if (method === "PUT") {
		if (has("partNumber") && has("uploadId"))
			return headers["x-amz-copy-source"] ? "UploadPartCopy" : "UploadPart";
		if (has("tagging"))
			return "PutObjectTagging";
		return headers["x-amz-copy-source"] ? "CopyObject" : "PutObject";
	}
	if (method === "DELETE")
		return has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
	if (method === "POST")
		return has("uploads") ? "CreateMultipartUpload" : has("uploadId") ? "CompleteMultipartUpload" : "PostObject";
	return `${method}Object`;
}

function lastSegment(s, sep) {
	if (typeof s !== "string" || s === "")
		return undefined;
	return s.slice(s.lastIndexOf(sep) + 1);
}

/**
 * Describes a request: {service, operation, method, path, query, bucket,
 * key, queue, topic, table}. `body` is the buffered body (not for S3).
 */
export function describeRequest(service, method, rawPath, rawQuery, headers, body) {
	const d = { service, operation: undefined, method, path: rawPath, query: rawQuery };
	if (service === "s3") {
		const query = parseQuery(rawQuery) ?? {};
		const slash = rawPath.indexOf("/", 1);
		const bucketRaw = slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash);
		const keyRaw = slash < 0 ? undefined : rawPath.slice(slash + 1);
		d.bucket = percentDecode(bucketRaw) ?? bucketRaw;
		d.key = keyRaw === undefined ? undefined : (percentDecode(keyRaw) ?? keyRaw);
		if (d.bucket === "")
			d.bucket = undefined;
		d.operation = s3Operation(method, d.bucket, d.key, query, headers);
	} else if (service === "dynamodb") {
		d.operation = lastSegment(headers["x-amz-target"], ".");
		try {
			d.table = JSON.parse(body?.toString("utf8") || "{}").TableName;
		} catch {
			/* not JSON: dynalite answers that itself */
		}
	} else if (service === "cloudtrail" || service === "organizations") {
		d.operation = lastSegment(headers["x-amz-target"], ".");
	} else if (service === "sqs") {
		d.operation = lastSegment(headers["x-amz-target"], ".");
		try {
			const input = JSON.parse(body?.toString("utf8") || "{}");
			d.queue = lastSegment(input.QueueUrl, "/") ?? input.QueueName;
		} catch {
			/* not JSON: fauxqs answers that itself */
		}
	} else {
		const params = queryParams(rawQuery, body, headers["content-type"]);
		d.operation = params.Action;
		d.topic = lastSegment(params.TopicArn, ":") ?? params.Name;
		d.params = params;
	}
	return d;
}
