// A small world for the daemon's integration tests: a trail bucket, the queue
// S3 notifies, an alert topic with an observer queue, a configuration file
// pointing ctalertd at them, and CloudTrail records to put in log objects.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import http from "node:http";
import assert from "node:assert/strict";
import { snsSdk } from "../harness/deps.mjs";
import { createBucket, createObserverQueue, createQueue, createTopic, putObject,
	cloudTrailLog, cloudTrailKey, s3EventNotification, sendMessage, startProgram } from "../harness/lib.mjs";

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

/* ---- more for the notification, source, alert and poison tests ---- */

/** Uploads a log object of `records` without announcing it; returns {bucket, key, size, etag}. */
export function putLog(aws, world, records, { key = cloudTrailKey(), body, bucket = world.bucket } = {}) {
	return putObject(aws, bucket, key, body ?? cloudTrailLog(records), { contentType: "application/x-gzip" });
}

/**
 * Adds settings to a group of the world's configuration file ("alerts",
 * "source", "receive", "poison", ...): editConfig(world, "alerts", "email_text = true;").
 */
export function editConfig(world, group, settings) {
	const text = readFileSync(world.conf, "utf8");
	const re = new RegExp(`^${group} = \\{`, "m");
	assert.ok(re.test(text), `no group ${group} in ${world.conf}`);
	writeFileSync(world.conf, text.replace(re, `${group} = { ${settings}`));
}

/** The log lines at one level ("error", "warning", "notice", "info", "debug"). */
export function linesAt(lines, level) {
	return lines.filter((l) => l.level === level);
}

/** Subscribes a queue to a topic (raw: the published message is the body); returns the subscription ARN. */
export async function subscribeQueue(aws, topicArn, queueArn, { raw = false } = {}) {
	const { SubscriptionArn } = await aws.sns.send(new snsSdk.SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs",
		Endpoint: queueArn, Attributes: raw ? { RawMessageDelivery: "true" } : undefined }));
	return SubscriptionArn;
}

/** Publishes a message to a topic with the SDK (as S3 or CloudTrail would). */
export async function publish(aws, topicArn, message, { subject } = {}) {
	const out = await aws.sns.send(new snsSdk.PublishCommand({ TopicArn: topicArn, Message: message, Subject: subject }));
	return out.MessageId;
}

/** The parsed JSON bodies of observer messages (raw delivery, or the Message of an envelope). */
export function alertBodies(messages) {
	return messages.map((m) => {
		const body = JSON.parse(m.Body);
		return body.Type === "Notification" && typeof body.Message === "string" ? JSON.parse(body.Message) : body;
	});
}

/**
 * An HTTP relay in front of the local AWS that keeps every request it passes
 * on (method, url, headers, body, and the form parameters of a query-protocol
 * body), so a test can read what ctalertd sent, field by field. Headers are
 * passed on unchanged, so the front still checks every signature. Point one
 * service at it with AWS_ENDPOINT_URL_<SERVICE>. Returns {url, requests,
 * stop()}.
 */
export async function startRecorder(aws) {
	const target = new URL(aws.endpoint);
	const requests = [];
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on("data", (c) => chunks.push(c));
		req.on("end", () => {
			const body = Buffer.concat(chunks);
			const text = body.toString("utf8");
			const form = (req.headers["content-type"] ?? "").includes("x-www-form-urlencoded");
			requests.push({ method: req.method, url: req.url, headers: { ...req.headers }, body: text,
				params: form ? Object.fromEntries(new URLSearchParams(text)) : null });
			const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url,
				headers: req.headers, agent: false }, (ur) => {
				res.writeHead(ur.statusCode, ur.headers);
				ur.pipe(res);
			});
			up.on("error", () => res.destroy());
			up.end(body);
		});
	});
	await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		requests,
		stop: () => new Promise((resolve) => {
			server.closeAllConnections?.();
			server.close(() => resolve());
		}),
	};
}

/**
 * The PublishBatch entries a recorder saw, in order: {topic, id, message,
 * subject, structure, groupId, dedupId, attrs: {name: value}, batch (index
 * of its call), size (entries in that call)}.
 */
export function publishedEntries(recorder) {
	const out = [];
	let batch = 0;
	for (const r of recorder.requests) {
		if (r.params?.Action !== "PublishBatch")
			continue;
		const p = r.params;
		const n = Object.keys(p).filter((k) => /^PublishBatchRequestEntries\.member\.\d+\.Id$/.test(k)).length;
		for (let i = 1; i <= n; i++) {
			const pre = `PublishBatchRequestEntries.member.${i}.`;
			const attrs = {};
			for (let j = 1; p[`${pre}MessageAttributes.entry.${j}.Name`] !== undefined; j++)
				attrs[p[`${pre}MessageAttributes.entry.${j}.Name`]] = p[`${pre}MessageAttributes.entry.${j}.Value.StringValue`];
			out.push({ topic: p.TopicArn, id: p[`${pre}Id`], message: p[`${pre}Message`], subject: p[`${pre}Subject`],
				structure: p[`${pre}MessageStructure`], groupId: p[`${pre}MessageGroupId`],
				dedupId: p[`${pre}MessageDeduplicationId`], attrs, batch, size: n });
		}
		batch++;
	}
	return out;
}
