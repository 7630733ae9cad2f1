// A small world for the daemon's integration tests: a trail bucket, the queue
// S3 notifies, an alert topic with an observer queue, a configuration file
// pointing ctalertd at them, and CloudTrail records to put in log objects.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { after, before, beforeEach } from "node:test";
import { sqsSdk } from "../harness/deps.mjs";
import { startLocalAws } from "../harness/local-aws.mjs";
import { createBucket, createObserverQueue, createQueue, createTopic, putObject,
	cloudTrailLog, cloudTrailKey, receiveAll, s3EventNotification, sendMessage, startProgram } from "../harness/lib.mjs";

const { ReceiveMessageCommand, SendMessageBatchCommand } = sqsSdk;

export const CTALERTD = process.env.CTALERTD;
export const srcdir = process.env.top_srcdir ?? new URL("../..", import.meta.url).pathname;

/** One CloudTrail record; `over` replaces fields. */
export function record(over = {}) {
	return {
		eventVersion: "1.08",
		userIdentity: { type: "IAMUser", principalId: "AIDAEXAMPLE", arn: "arn:aws:iam::000000000000:user/alice",
			accountId: "000000000000", accessKeyId: "AKIAEXAMPLE", userName: "alice" },
		eventTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
		eventSource: "ec2.amazonaws.com",
		eventName: "DescribeInstances",
		awsRegion: "us-east-1",
		sourceIPAddress: "198.51.100.7",
		userAgent: "aws-cli/2.15.0",
		requestParameters: { maxResults: 5 },
		responseElements: null,
		requestID: randomUUID(),
		eventID: randomUUID(),
		readOnly: true,
		eventType: "AwsApiCall",
		managementEvent: true,
		recipientAccountId: "000000000000",
		eventCategory: "Management",
		...over,
	};
}

/** The tutorial's call: someone created an SNS topic. */
export function createTopicRecord(over = {}) {
	return record({ eventSource: "sns.amazonaws.com", eventName: "CreateTopic", readOnly: false,
		requestParameters: { name: "exfil" }, responseElements: { topicArn: "arn:aws:sns:us-east-1:000000000000:exfil" }, ...over });
}

/* detail-type by eventType, for the events CloudTrail sends to EventBridge. */
const DETAIL_TYPES = {
	AwsApiCall: "AWS API Call via CloudTrail",
	AwsConsoleSignIn: "AWS Console Sign In via CloudTrail",
	AwsServiceEvent: "AWS Service Event via CloudTrail",
	AwsConsoleAction: "AWS Console Action via CloudTrail",
};

/**
 * The EventBridge event CloudTrail sends for record `rec`, as a message body:
 * the envelope AWS builds around it (a fresh id; source from eventSource,
 * account, time and region from the record) with the record as detail.
 * `over` replaces envelope fields.
 */
export function cloudTrailEvent(rec, over = {}) {
	return JSON.stringify({
		version: "0",
		id: randomUUID(),
		"detail-type": DETAIL_TYPES[rec.eventType],
		source: "aws." + rec.eventSource.replace(/\.amazonaws\.com$/, ""),
		account: rec.recipientAccountId,
		time: rec.eventTime,
		region: rec.awsRegion,
		resources: [],
		detail: rec,
		...over,
	});
}

const SNS_RULE = `{
		name = "sns-create-topic";
		description = "Someone created an SNS topic";
		severity = "medium";
		pattern = { eventSource = ["sns.amazonaws.com"]; eventName = ["CreateTopic"]; };
	}`;

/**
 * Creates bucket, queue, topic and observer (names made unique per test) and
 * writes a configuration; returns everything a test needs.
 */
export async function makeWorld(aws, { name = "t" + randomUUID().slice(0, 8), queueAttributes = {}, topicAttributes = {},
	rules = SNS_RULE, extra = "", receive = "", raw = true, poison = "", source = "" } = {}) {
	const bucket = `${name}-trail`;
	await createBucket(aws, bucket);
	const queue = await createQueue(aws, `${name}-events`, queueAttributes);
	const topicName = topicAttributes.FifoTopic === "true" ? `${name}-alerts.fifo` : `${name}-alerts`;
	const topic = await createTopic(aws, topicName, topicAttributes);
	const observer = topicAttributes.FifoTopic === "true" ? null : await createObserverQueue(aws, topic, `${name}-observer`, { raw });
	const dir = mkdtempSync(join(tmpdir(), "ctalertd-test-"));
	const conf = join(dir, "ctalertd.conf");
	writeConfig(conf, { queue: queue.url, bucket, topic, rules, extra, receive, poison, source });
	return { name, bucket, queue, topic, observer, dir, conf };
}

export function writeConfig(path, { queue, bucket, topic, rules = SNS_RULE, extra = "", receive = "", poison = "", source = "" }) {
	writeFileSync(path, `# written by a ctalertd test
queue_url = "${queue}";
workers = 2;
aws = { s3_path_style = true; };
receive = { wait_time_seconds = 1; ${receive} };
source = { buckets = ["${bucket}"]; ${source} };
alerts = { topic_arn = "${topic}"; };
poison = { ${poison} };
log_level = "debug";
${extra}
rules = ( ${rules} );
`);
}

/** Uploads a log object of `records` and announces it; returns {bucket, key, size, messageId}. */
export async function announce(aws, world, records, { key = cloudTrailKey(), body } = {}) {
	const obj = await putObject(aws, world.bucket, key, body ?? cloudTrailLog(records), { contentType: "application/x-gzip" });
	const messageId = await sendMessage(aws, world.queue.url, s3EventNotification(obj));
	return { ...obj, messageId };
}

/** Runs `ctalertd run --once` to its end. */
export function runOnce(aws, world, { args = [], env = {}, timeoutMs = 60000 } = {}) {
	return startProgram(aws, CTALERTD, ["run", "--once", "-c", world.conf, "--log-target", "json", ...args], { env }).wait(timeoutMs);
}

/** Starts the daemon (not --once); the caller stops it. */
export function startDaemon(aws, world, { args = [], env = {} } = {}) {
	return startProgram(aws, CTALERTD, ["run", "-c", world.conf, "--log-target", "json", ...args], { env });
}

/** Parsed JSON log lines of a run's stderr. */
export function logLines(stderr) {
	return stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

/**
 * Writes the world's configuration again with writeConfig's options, and
 * `workers` (default 2), `maxInflight` (max_inflight_messages) and
 * `waitTime` (receive.wait_time_seconds, default 1) when given.
 */
export function rewriteConfig(world, { workers, maxInflight, waitTime, ...options } = {}) {
	writeConfig(world.conf, { queue: world.queue.url, bucket: world.bucket, topic: world.topic, ...options });
	let text = readFileSync(world.conf, "utf8");
	if (workers !== undefined)
		text = text.replace(/^workers = 2;$/m, `workers = ${workers};`);
	if (waitTime !== undefined)
		text = text.replace(/^receive = { wait_time_seconds = 1;/m, `receive = { wait_time_seconds = ${waitTime};`);
	if (maxInflight !== undefined)
		text += `max_inflight_messages = ${maxInflight};\n`;
	writeFileSync(world.conf, text);
}

/** Polls `fn` (may be async) until it returns something truthy; returns that. Throws after timeoutMs. */
export async function waitUntil(fn, { timeoutMs = 10000, intervalMs = 100, what = "a condition" } = {}) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const v = await fn();
		if (v)
			return v;
		if (Date.now() >= deadline)
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((r) => setTimeout(r, intervalMs));
	}
}

/** Alert bodies (raw delivery) counted by eventID: Map eventID -> number of alerts. */
export function alertCounts(messages, counts = new Map()) {
	for (const m of messages) {
		const id = JSON.parse(m.Body).eventID;
		counts.set(id, (counts.get(id) ?? 0) + 1);
	}
	return counts;
}

/**
 * Reads the observer queue until every eventID in `ids` was seen (then for
 * `settleMs` more, to catch duplicates) or timeoutMs passed; returns the
 * counts by eventID (ids not seen are absent).
 */
export async function collectAlerts(aws, world, ids, { timeoutMs = 20000, settleMs = 0, counts = new Map() } = {}) {
	const deadline = Date.now() + timeoutMs;
	const missing = () => ids.some((id) => !counts.has(id));
	while (missing() && Date.now() < deadline)
		alertCounts(await receiveAll(aws, world.observer.url, { timeoutMs: 1000 }), counts);
	if (settleMs > 0)
		alertCounts(await receiveAll(aws, world.observer.url, { timeoutMs: settleMs }), counts);
	return counts;
}

/** The sequence number of the newest request in the local AWS's log (0 when none): entries after a moment have seq > it. */
export function lastSeq(aws) {
	return aws.requestLog.entries.at(-1)?.seq ?? 0;
}

/**
 * How many messages a receive would get now, without taking them (they stay
 * visible: VisibilityTimeout 0). fauxqs counts a message whose visibility
 * lapsed as in flight until a receive looks at it, so queueDepth alone
 * cannot tell whether a message shows again.
 */
export async function peekVisible(aws, queueUrl) {
	const out = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10,
		VisibilityTimeout: 0, WaitTimeSeconds: 0 }));
	return out.Messages?.length ?? 0;
}

/**
 * Uploads one log object per entry of `logs` (arrays of records), a few at
 * a time, and announces each in its own message, ten messages per
 * SendMessageBatch. Returns the objects ({bucket, key, size, etag}).
 */
export async function announceMany(aws, world, logs, { concurrency = 16 } = {}) {
	const objs = new Array(logs.length);
	let next = 0;
	const upload = async () => {
		for (let i; (i = next++) < logs.length;)
			objs[i] = await putObject(aws, world.bucket, cloudTrailKey(), cloudTrailLog(logs[i]), { contentType: "application/x-gzip" });
	};
	await Promise.all(Array.from({ length: concurrency }, upload));
	for (let i = 0; i < objs.length; i += 10) {
		const entries = objs.slice(i, i + 10).map((o, k) => ({ Id: String(k), MessageBody: s3EventNotification(o) }));
		const out = await aws.sqs.send(new SendMessageBatchCommand({ QueueUrl: world.queue.url, Entries: entries }));
		if ((out.Failed ?? []).length > 0)
			throw new Error(`SendMessageBatch failed: ${JSON.stringify(out.Failed)}`);
	}
	return objs;
}

const tracked = new Set();

/**
 * Remembers a started program (a startProgram/startDaemon handle) so that
 * stopTracked() ends it when its test failed before stopping it: a program
 * left running keeps the test process alive. Returns the handle.
 */
export function track(handle) {
	tracked.add(handle);
	handle.child.on("exit", () => tracked.delete(handle));
	return handle;
}

/** Kills every tracked program still running; for after(). */
export async function stopTracked() {
	await Promise.all([...tracked].map((h) => h.stop("SIGKILL", 5000)));
}

/**
 * The local AWS for one test file: started before its tests, reset before
 * each (unless `reset` is false, for files whose tests build on each other),
 * stopped after every tracked daemon at the end. The value stands for the
 * running instance once the tests start.
 */
export function useLocalAws({ reset = true } = {}) {
	let aws;
	before(async () => { aws = await startLocalAws(); });
	after(async () => {
		await stopTracked();
		await aws.stop();
	});
	if (reset)
		beforeEach(() => aws.reset());
	return new Proxy({}, {
		get(_, key) {
			const v = aws[key];
			return typeof v === "function" ? v.bind(aws) : v;
		},
	});
}
