// The library ctalertd's integration tests use on the local AWS (local-aws.mjs):
// set up buckets, queues and topics with AWS's own SDK (DynamoDB tables with a
// signed request of the JSON protocol: no DynamoDB SDK client is installed), produce the messages
// S3, SNS and CloudTrail would send, read what ctalertd published, and run a
// program with the environment that points it at the local AWS.
import { spawn } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import { gzipSync } from "node:zlib";
import { Sha256, SignatureV4, s3Sdk, snsSdk, sqsSdk } from "./deps.mjs";
import { HARNESS_HEADER } from "./front.mjs";

const { CreateBucketCommand, PutObjectCommand } = s3Sdk;
const { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } = sqsSdk;
const { CreateTopicCommand, SubscribeCommand } = snsSdk;

/* ---- resources ---- */

/** Creates a bucket; `owner`/`region` set what the front enforces for it. */
export async function createBucket(aws, name, { owner, region } = {}) {
	await aws.s3.send(new CreateBucketCommand({ Bucket: name }));
	if (owner)
		aws.setBucketOwner(name, owner);
	if (region)
		aws.setBucketRegion(name, region);
	return name;
}

/** Creates a queue; returns {url, arn}. `attributes` as SQS takes them (strings). */
export async function createQueue(aws, name, attributes = {}) {
	const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
	const got = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
	return { url: QueueUrl, arn: got.Attributes.QueueArn };
}

/** Creates a topic; returns its ARN. */
export async function createTopic(aws, name, attributes = {}) {
	const { TopicArn } = await aws.sns.send(new CreateTopicCommand({ Name: name, Attributes: attributes }));
	return TopicArn;
}

/**
 * Creates a queue that observes a topic (what ctalertd publishes arrives
 * there); returns {url, arn, subscriptionArn}. With raw: true the messages
 * are the published bodies, else SNS envelopes.
 */
export async function createObserverQueue(aws, topicArn, name, { raw = false } = {}) {
	const queue = await createQueue(aws, name);
	const { SubscriptionArn } = await aws.sns.send(
		new SubscribeCommand({
			TopicArn: topicArn,
			Protocol: "sqs",
			Endpoint: queue.arn,
			Attributes: raw ? { RawMessageDelivery: "true" } : undefined,
		}),
	);
	return { ...queue, subscriptionArn: SubscriptionArn };
}

/**
 * Uploads an object (an explicit Content-Type: fauxqs refuses form-encoded
 * bodies). Returns {bucket, key, size, etag}.
 */
export async function putObject(aws, bucket, key, body, { contentType = "application/octet-stream", contentEncoding } = {}) {
	const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
	const out = await aws.s3.send(
		new PutObjectCommand({ Bucket: bucket, Key: key, Body: buf, ContentType: contentType, ContentEncoding: contentEncoding }),
	);
	return { bucket, key, size: buf.length, etag: (out.ETag ?? "").replace(/"/g, "") };
}

/* ---- what AWS sends ---- */

/** A CloudTrail log object's bytes: gzipped {"Records": [...]}. */
export function cloudTrailLog(records) {
	return gzipSync(Buffer.from(JSON.stringify({ Records: records })));
}

/** A CloudTrail log key under the real layout (`organizationId`: an organization trail's o-... folder). */
export function cloudTrailKey({ account = "000000000000", region = "us-east-1", time = new Date(), prefix = "", organizationId } = {}) {
	const d = time.toISOString();
	const stamp = d.slice(0, 16).replace(/[-:]/g, "") + "Z";
	const unique = randomBytes(8).toString("hex").toUpperCase();
	const head = (prefix ? `${prefix}/` : "") + "AWSLogs/" + (organizationId ? `${organizationId}/` : "");
	return `${head}${account}/CloudTrail/${region}/${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/${account}_CloudTrail_${region}_${stamp}_${unique}.json.gz`;
}

/**
 * An object key as S3 writes it in event notifications: form-URL-encoded
 * (space as '+', '+' as %2B), with '/' kept.
 */
export function s3EventKey(key) {
	return Buffer.from(key, "utf8")
		.toString("latin1")
		.replace(/[^A-Za-z0-9.\-*_/ ]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0"))
		.replace(/ /g, "+");
}

/** One S3 "ObjectCreated" record as S3 writes it. */
export function s3EventRecord({ bucket, key, size = 0, etag = "d41d8cd98f00b204e9800998ecf8427e", region = "us-east-1", eventName = "ObjectCreated:Put", time = new Date() }) {
	return {
		eventVersion: "2.1",
		eventSource: "aws:s3",
		awsRegion: region,
		eventTime: time.toISOString(),
		eventName,
		userIdentity: { principalId: "AWS:AROAEXAMPLEID:cloudtrail" },
		requestParameters: { sourceIPAddress: "10.0.0.1" },
		responseElements: { "x-amz-request-id": randomBytes(8).toString("hex").toUpperCase(), "x-amz-id-2": randomBytes(40).toString("base64") },
		s3: {
			s3SchemaVersion: "1.0",
			configurationId: "ctalertd",
			bucket: { name: bucket, ownerIdentity: { principalId: "A3NL1KOZZKEXAMPLE" }, arn: `arn:aws:s3:::${bucket}` },
			object: { key: s3EventKey(key), size, eTag: etag, sequencer: Date.now().toString(16).toUpperCase().padStart(18, "0") },
		},
	};
}

/** The S3 event notification body for one or more objects ({bucket, key, size, etag} each). */
export function s3EventNotification(objects, options = {}) {
	const list = Array.isArray(objects) ? objects : [objects];
	return JSON.stringify({ Records: list.map((o) => s3EventRecord({ ...options, ...o })) });
}

/** The s3:TestEvent S3 sends when a notification configuration is created. */
export function s3TestEvent(bucket) {
	return JSON.stringify({
		Service: "Amazon S3",
		Event: "s3:TestEvent",
		Time: new Date().toISOString(),
		Bucket: bucket,
		RequestId: randomBytes(8).toString("hex").toUpperCase(),
		HostId: randomBytes(40).toString("base64"),
	});
}

/** CloudTrail's own SNS notification body: {"s3Bucket", "s3ObjectKey": [...]}. */
export function cloudTrailNotification(bucket, keys) {
	return JSON.stringify({ s3Bucket: bucket, s3ObjectKey: Array.isArray(keys) ? keys : [keys] });
}

/** An EventBridge "Object Created" event for S3. */
export function eventBridgeObjectCreated({ bucket, key, size = 0, etag = "", region = "us-east-1", account = "000000000000" }) {
	return JSON.stringify({
		version: "0",
		id: randomUUID(),
		"detail-type": "Object Created",
		source: "aws.s3",
		account,
		time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
		region,
		resources: [`arn:aws:s3:::${bucket}`],
		detail: { version: "0", bucket: { name: bucket }, object: { key, size, etag, sequencer: "0" }, "request-id": randomBytes(8).toString("hex"), requester: account, reason: "PutObject" },
	});
}

/** `message` wrapped in an SNS notification envelope (what a non-raw SQS subscription receives). */
export function snsEnvelope(message, { topicArn = "arn:aws:sns:us-east-1:000000000000:ctalertd-source", subject } = {}) {
	const env = {
		Type: "Notification",
		MessageId: randomUUID(),
		TopicArn: topicArn,
		Message: message,
		Timestamp: new Date().toISOString(),
		SignatureVersion: "1",
		Signature: randomBytes(64).toString("base64"),
		SigningCertURL: "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-local.pem",
		UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:${randomUUID()}`,
	};
	if (subject !== undefined)
		env.Subject = subject;
	return JSON.stringify(env);
}

/** Sends a message body into a queue (as S3/SNS would); returns its MessageId. */
export async function sendMessage(aws, queueUrl, body) {
	const out = await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
	return out.MessageId;
}

/* ---- reading back ---- */

/**
 * Receives messages from a queue until `expect` arrived or `timeoutMs`
 * passed (then returns what it has). Received messages are deleted unless
 * keep is true. Returns the SDK Message objects.
 */
export async function receiveAll(aws, queueUrl, { expect = Infinity, timeoutMs = 10000, keep = false, waitSeconds = 1 } = {}) {
	const deadline = Date.now() + timeoutMs;
	const got = [];
	while (got.length < expect && Date.now() < deadline) {
		const left = Math.max(0, Math.min(waitSeconds, Math.floor((deadline - Date.now()) / 1000)));
		const out = await aws.sqs.send(
			new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: left, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] }),
		);
		const msgs = out.Messages ?? [];
		got.push(...msgs);
		if (!keep && msgs.length > 0) {
			await aws.sqs.send(
				new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }),
			);
		}
	}
	return got;
}

/** How many messages a queue holds: {visible, inFlight, delayed}. */
export async function queueDepth(aws, queueUrl) {
	const { Attributes: a } = await aws.sqs.send(
		new GetQueueAttributesCommand({
			QueueUrl: queueUrl,
			AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
		}),
	);
	return {
		visible: Number(a.ApproximateNumberOfMessages),
		inFlight: Number(a.ApproximateNumberOfMessagesNotVisible),
		delayed: Number(a.ApproximateNumberOfMessagesDelayed),
	};
}

/**
 * One DynamoDB call through the front, marked as the harness's own (faults
 * skip it): resolves the parsed answer, throws with AWS's error code and
 * message otherwise.
 */
export async function dynamodb(aws, operation, input) {
	const r = await signedFetch(aws.endpoint, {
		method: "POST",
		service: "dynamodb",
		region: aws.region,
		credentials: aws.credentials,
		headers: {
			"content-type": "application/x-amz-json-1.0",
			"x-amz-target": `DynamoDB_20120810.${operation}`,
			[HARNESS_HEADER]: "1",
		},
		body: JSON.stringify(input),
	});
	const answer = r.text ? JSON.parse(r.text) : {};
	if (r.status !== 200) {
		const err = new Error(`dynamodb ${operation}: HTTP ${r.status} ${answer.__type}: ${answer.message}`);
		err.code = String(answer.__type ?? "").replace(/^.*#/, "");
		throw err;
	}
	return answer;
}

/* ---- raw signed requests ---- */

/**
 * Sends one request signed with SigV4 (the SDK's signer) and returns {status,
 * headers, body (Buffer), text, error}. `error` is set when the connection
 * failed; `body` then holds what arrived before. For requests no SDK client
 * here makes (STS, IMDS) and for tests that tamper: `tamper(request)` may
 * change the signed request before it is sent. Gives up after timeoutMs.
 */
export async function signedFetch(url, { method = "GET", service, region = "us-east-1", headers = {}, body, credentials, unsigned = false, tamper, signingDate, timeoutMs = 10000 } = {}) {
	const u = new URL(url);
	const query = {};
	for (const [k, v] of u.searchParams)
		query[k] = v;
	let request = {
		method,
		protocol: u.protocol,
		hostname: u.hostname,
		port: Number(u.port),
		path: u.pathname,
		query,
		headers: { host: u.host, ...headers },
		body,
	};
	if (!unsigned) {
		const signer = new SignatureV4({ service, region, credentials, sha256: Sha256, applyChecksum: service === "s3", uriEscapePath: service !== "s3" });
		request = await signer.sign(request, { signingDate });
	}
	if (tamper)
		tamper(request);
	return rawRequest(u, request.method, request.headers, request.body, timeoutMs);
}

function rawRequest(u, method, headers, body, timeoutMs) {
	return new Promise((resolve) => {
		const chunks = [];
		let result = null;
		const finish = (error) => {
			if (result)
				return;
			const buf = Buffer.concat(chunks);
			result = { status, headers: resHeaders, body: buf, text: buf.toString("utf8"), error: error ?? null };
			clearTimeout(timer);
			resolve(result);
		};
		let status = 0;
		let resHeaders = {};
		const req = http.request({ host: u.hostname, port: u.port, method, path: u.pathname + u.search, headers, agent: false }, (res) => {
			status = res.statusCode;
			resHeaders = res.headers;
			res.on("data", (c) => chunks.push(c));
			res.on("end", () => finish(null));
			res.on("error", (err) => finish(err));
			res.on("aborted", () => finish(new Error("response aborted")));
		});
		const timer = setTimeout(() => {
			req.destroy(new Error(`no complete answer within ${timeoutMs} ms`));
		}, timeoutMs);
		req.on("error", (err) => finish(err));
		req.end(body);
	});
}

/** SHA-256 hex of a buffer or string. */
export function sha256(data) {
	return createHash("sha256").update(data).digest("hex");
}

/* ---- programs ---- */

/**
 * Starts a program with the local AWS environment (aws.env() over this
 * process's environment, then `env`). Returns {child, pid, output(),
 * waitForOutput(re, timeoutMs), wait(timeoutMs), stop(signal, timeoutMs)}.
 */
export function startProgram(aws, command, args = [], { env = {}, cwd, input } = {}) {
	const child = spawn(command, args, {
		cwd,
		env: { ...process.env, ...(aws ? aws.env() : {}), ...env },
		stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
	});
	let stdout = "";
	let stderr = "";
	const waiters = new Set();
	const poke = () => {
		for (const w of waiters)
			w();
	};
	child.stdout.on("data", (c) => {
		stdout += c;
		poke();
	});
	child.stderr.on("data", (c) => {
		stderr += c;
		poke();
	});
	if (input !== undefined)
		child.stdin.end(input);
	const exited = new Promise((resolve) => {
		child.on("error", (err) => {
			stderr += `\n${err.message}\n`;
			resolve({ code: null, signal: null, error: err });
		});
		child.on("close", (code, signal) => resolve({ code, signal }));
	});
	const handle = {
		child,
		pid: child.pid,
		output: () => ({ stdout, stderr }),
		/** Resolves once stdout+stderr matches `re`; rejects after timeoutMs or on exit. */
		waitForOutput(re, timeoutMs = 10000) {
			return new Promise((resolve, reject) => {
				const check = () => {
					const m = re.exec(stdout + stderr);
					if (m) {
						done();
						resolve(m);
					}
				};
				const timer = setTimeout(() => {
					done();
					reject(new Error(`no output matching ${re} within ${timeoutMs} ms; stderr:\n${stderr}`));
				}, timeoutMs);
				const done = () => {
					clearTimeout(timer);
					waiters.delete(check);
				};
				waiters.add(check);
				exited.then(() => {
					check();
					if (waiters.has(check)) {
						done();
						reject(new Error(`exited before output matched ${re}; stderr:\n${stderr}`));
					}
				});
				check();
			});
		},
		/** Waits for the exit: {code, signal, stdout, stderr, timedOut}; kills it after timeoutMs. */
		async wait(timeoutMs = 30000) {
			let timedOut = false;
			const timer = setTimeout(() => {
				timedOut = true;
				handle.kill("SIGKILL");
			}, timeoutMs);
			const r = await exited;
			clearTimeout(timer);
			return { ...r, stdout, stderr, timedOut };
		},
		kill(signal = "SIGTERM") {
			if (child.exitCode === null && child.signalCode === null) {
				try {
					process.kill(child.pid, signal);
				} catch {
					/* already gone */
				}
			}
		},
		/** Sends `signal`, then SIGKILL after timeoutMs; resolves with wait()'s result. */
		async stop(signal = "SIGTERM", timeoutMs = 10000) {
			handle.kill(signal);
			return handle.wait(timeoutMs);
		},
	};
	return handle;
}

/** Runs a program to its end (killed after timeoutMs): {code, signal, stdout, stderr, timedOut}. */
export function runProgram(aws, command, args = [], { timeoutMs = 30000, ...options } = {}) {
	return startProgram(aws, command, args, options).wait(timeoutMs);
}

/** The table the dynamodb backend needs, as deploy/cloudformation.json makes it. */
export async function createStateTable(aws, name) {
	await dynamodb(aws, "CreateTable", {
		TableName: name,
		BillingMode: "PAY_PER_REQUEST",
		AttributeDefinitions: [
			{ AttributeName: "k", AttributeType: "S" },
			{ AttributeName: "prefix", AttributeType: "S" },
			{ AttributeName: "until", AttributeType: "N" },
		],
		KeySchema: [{ AttributeName: "k", KeyType: "HASH" }],
		GlobalSecondaryIndexes: [{
			IndexName: "expiry",
			KeySchema: [{ AttributeName: "prefix", KeyType: "HASH" }, { AttributeName: "until", KeyType: "RANGE" }],
			Projection: { ProjectionType: "KEYS_ONLY" },
		}],
	});
	return name;
}
