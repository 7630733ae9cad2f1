// A small world for the daemon's integration tests: a trail bucket, the queue
// S3 notifies, an alert topic with an observer queue, a configuration file
// pointing ctalertd at them, and CloudTrail records to put in log objects.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
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
