// More of the test world, for the notification, source, alert and poison
// tests (shapes_*.mjs) and the benchmark: log objects put without a
// notification, settings added to the world's configuration, SNS
// subscriptions and publishes, alert bodies, log levels, and a relay that
// keeps every request ctalertd sends through it.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { snsSdk } from "../harness/deps.mjs";
import { cloudTrailKey, cloudTrailLog, putObject } from "../harness/lib.mjs";

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
