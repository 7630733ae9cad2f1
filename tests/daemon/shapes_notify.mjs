// Every shape a queue message can take, and the source checks, end to end:
// S3 event notifications (several records), the s3:TestEvent, CloudTrail's
// own notification, EventBridge's "Object Created", each also through SNS
// with and without raw delivery; URL-encoded keys; foreign buckets, digest
// and Insight files, key filters and the object size limit. What ctalertd
// fetched is read from the local AWS's request log.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startLocalAws } from "../harness/local-aws.mjs";
import { cloudTrailKey, cloudTrailNotification, createBucket, createQueue, createTopic, eventBridgeObjectCreated,
	queueDepth, receiveAll, s3EventNotification, s3TestEvent, sendMessage, snsEnvelope } from "../harness/lib.mjs";
import { createTopicRecord, logLines, makeWorld, record, runOnce } from "./world.mjs";
import { alertBodies, linesAt, publish, putLog, subscribeQueue } from "./shapes_world.mjs";

/* No test may hang a test run: each is cut off after two minutes. */
const LIMIT = { timeout: 120000 };

let aws;
before(async () => { aws = await startLocalAws(); });
after(async () => { await aws.stop(); });

/* Permanent failures end at once (deleted), so each run leaves an empty queue. */
const POISON_DELETE = "max_receive_count = 1; action = \"delete\";";

/** Puts n log objects, each with one CreateTopic call; returns [{obj, hit}]. */
async function logs(world, n, keyOf = () => cloudTrailKey()) {
	const out = [];
	for (let i = 0; i < n; i++) {
		const hit = createTopicRecord();
		const obj = await putLog(aws, world, [record(), hit, record()], { key: keyOf(i) });
		out.push({ obj, hit });
	}
	return out;
}

/** Alerts of a run, by eventID; asserts each arrived once. */
async function alertsByEvent(world, expect) {
	const got = alertBodies(await receiveAll(aws, world.observer.url, { expect, timeoutMs: 5000 }));
	const by = new Map();
	for (const a of got) {
		assert.ok(!by.has(a.eventID), `alert for ${a.eventID} arrived twice`);
		by.set(a.eventID, a);
	}
	return by;
}

function assertAlertedOn(by, items) {
	for (const { obj, hit } of items) {
		const a = by.get(hit.eventID);
		assert.ok(a, `no alert for the CreateTopic call in s3://${obj.bucket}/${obj.key}`);
		assert.deepEqual(a.log, { bucket: obj.bucket, key: obj.key });
	}
}

async function assertQueueEmpty(world) {
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
}

function getObjects(criteria = {}) {
	return aws.requestLog.match({ operation: "GetObject", ...criteria });
}

test("an S3 event notification naming several objects: each is scanned, the message deleted", LIMIT, async () => {
	aws.requestLog.clear();
	const world = await makeWorld(aws);
	const items = await logs(world, 3);
	await sendMessage(aws, world.queue.url, s3EventNotification(items.map((i) => i.obj)));

	const run = await runOnce(aws, world);
	assert.equal(run.code, 0, run.stderr);
	assertAlertedOn(await alertsByEvent(world, 3), items);
	assert.equal(getObjects().length, 3);
	assert.deepEqual(getObjects().map((e) => e.key).sort(), items.map((i) => i.obj.key).sort());
	assert.equal(aws.requestLog.count({ operation: "DeleteMessageBatch" }), 1);
	await assertQueueEmpty(world);
	assert.deepEqual(linesAt(logLines(run.stderr), "error"), []);
});

test("s3:TestEvent, bare or in an SNS envelope, is deleted and logged at debug, never fetched", LIMIT, async () => {
	aws.requestLog.clear();
	const world = await makeWorld(aws);
	const ids = [
		await sendMessage(aws, world.queue.url, s3TestEvent(world.bucket)),
		await sendMessage(aws, world.queue.url, snsEnvelope(s3TestEvent(world.bucket), { subject: "Amazon S3 Notification" })),
	];

	const run = await runOnce(aws, world);
	assert.equal(run.code, 0, run.stderr);
	const lines = logLines(run.stderr);
	for (const id of ids) {
		const mine = lines.filter((l) => l.message_id === id);
		assert.ok(mine.some((l) => l.level === "debug" && /s3:TestEvent/.test(l.msg)), `debug line for ${id}`);
		assert.deepEqual(mine.filter((l) => ["error", "warning", "notice"].includes(l.level)), [], `quiet about ${id}`);
	}
	assert.equal(getObjects().length, 0);
	await assertQueueEmpty(world);
	assert.equal((await receiveAll(aws, world.observer.url, { timeoutMs: 1000 })).length, 0);
});

test("every shape, bare and through SNS with and without raw delivery", LIMIT, async () => {
	aws.requestLog.clear();
	const world = await makeWorld(aws);
	const raw = await createTopic(aws, `${world.name}-via-raw`);
	const wrapped = await createTopic(aws, `${world.name}-via-envelope`);
	await subscribeQueue(aws, raw, world.queue.arn, { raw: true });
	await subscribeQueue(aws, wrapped, world.queue.arn, { raw: false });

	const all = [];
	const bare = async (body) => sendMessage(aws, world.queue.url, body);
	for (const send of [bare, (body) => publish(aws, raw, body), (body) => publish(aws, wrapped, body, { subject: "news" })]) {
		const s3 = await logs(world, 2);
		await send(s3EventNotification(s3.map((i) => i.obj)));
		const ct = await logs(world, 2);
		await send(cloudTrailNotification(world.bucket, ct.map((i) => i.obj.key)));
		const eb = await logs(world, 1);
		await send(eventBridgeObjectCreated({ ...eb[0].obj }));
		await send(s3TestEvent(world.bucket));
		all.push(...s3, ...ct, ...eb);
	}

	const run = await runOnce(aws, world);
	assert.equal(run.code, 0, run.stderr);
	const by = await alertsByEvent(world, all.length);
	assertAlertedOn(by, all);
	assert.equal(by.size, all.length);
	assert.equal(getObjects().length, all.length, "each object fetched once");
	await assertQueueEmpty(world);
	assert.deepEqual(linesAt(logLines(run.stderr), "error"), []);
	assert.deepEqual(linesAt(logLines(run.stderr), "warning").filter((l) => l.message_id), []);
});

test("URL-encoded keys in S3 events are decoded; CloudTrail's keys are taken as they are", LIMIT, async () => {
	aws.requestLog.clear();
	const world = await makeWorld(aws);
	const dir = "AWSLogs/000000000000/CloudTrail/us-east-1/2026/11/24/";
	const names = ["with space.json.gz", "plus+sign.json.gz", "percent%41 and %25.json.gz", "uni ünï 日本 🙂.json.gz",
		"k=v&x=y;z.json.gz", "sp  +%2B+ mix.json.gz", "tilde~(paren)!*'.json.gz"];
	const s3 = await logs(world, names.length, (i) => dir + names[i]);
	await sendMessage(aws, world.queue.url, s3EventNotification(s3.map((i) => i.obj)));
	const ct = await logs(world, 2, (i) => `${dir}ct ${["a+b", "c%20d"][i]}.json.gz`);
	await sendMessage(aws, world.queue.url, cloudTrailNotification(world.bucket, ct.map((i) => i.obj.key)));

	const run = await runOnce(aws, world);
	assert.equal(run.code, 0, run.stderr);
	assertAlertedOn(await alertsByEvent(world, s3.length + ct.length), [...s3, ...ct]);
	const fetched = getObjects();
	assert.deepEqual(fetched.map((e) => e.key).sort(), [...s3, ...ct].map((i) => i.obj.key).sort());
	assert.ok(fetched.every((e) => e.status === 200), JSON.stringify(fetched.map((e) => [e.key, e.status, e.error])));
	await assertQueueEmpty(world);
});

test("a notification naming another bucket is refused, logged and never fetched", LIMIT, async () => {
	aws.requestLog.clear();
	const world = await makeWorld(aws, { poison: POISON_DELETE });
	const other = await createBucket(aws, `${world.name}-other`);
	const [foreign] = await logs({ ...world, bucket: other }, 1);
	const [mine] = await logs(world, 1);
	const idForeign = await sendMessage(aws, world.queue.url, s3EventNotification(foreign.obj));
	const idCt = await sendMessage(aws, world.queue.url, cloudTrailNotification(other, [foreign.obj.key]));
	await sendMessage(aws, world.queue.url, s3EventNotification(mine.obj));

	const run = await runOnce(aws, world);
	assert.equal(run.code, 3, `--once: a refused object is a failed message (exit 3)\n${run.stderr}`);
	const by = await alertsByEvent(world, 1);
	assertAlertedOn(by, [mine]);
	assert.equal(by.size, 1);
	assert.equal(getObjects({ bucket: other }).length, 0, "the foreign bucket was never read");
	assert.equal(getObjects({ bucket: world.bucket }).length, 1);
	const errors = linesAt(logLines(run.stderr), "error");
	for (const id of [idForeign, idCt]) {
		const e = errors.find((l) => l.message_id === id && /refused/.test(l.msg));
		assert.ok(e, `refusal of ${id} logged: ${run.stderr}`);
		assert.equal(e.bucket, other);
		assert.equal(e.key, foreign.obj.key);
		assert.match(e.msg, /source\.buckets/);
	}
	await assertQueueEmpty(world);
});

test("with integrity.verify off, digest files are skipped unread; Insight files are scanned", LIMIT, async () => {
	aws.requestLog.clear();
	const insightRule = `{ name = "insight"; severity = "high"; pattern = { eventCategory = ["Insight"]; }; }`;
	const world = await makeWorld(aws, { rules: insightRule, extra: "integrity = { verify = false; };" });
	const digestKey = "AWSLogs/000000000000/CloudTrail-Digest/us-east-1/2026/11/24/" +
		"000000000000_CloudTrail-Digest_us-east-1_trail_us-east-1_20261124T120000Z.json.gz";
	const digest = await putLog(aws, world, [], { key: digestKey, body: Buffer.from("{\"digestStartTime\":\"x\"}") });
	const insightKey = "AWSLogs/000000000000/CloudTrail-Insight/us-east-1/2026/11/24/" +
		"000000000000_CloudTrail-Insight_us-east-1_20261124T1200Z_0123456789ABCDEF.json.gz";
	const insight = {
		eventVersion: "1.07", eventTime: "2026-11-24T12:00:00Z", awsRegion: "us-east-1", eventID: randomBytes(16).toString("hex"),
		eventType: "AwsCloudTrailInsight", recipientAccountId: "000000000000", sharedEventID: randomBytes(16).toString("hex"),
		insightDetails: { state: "Start", eventSource: "ec2.amazonaws.com", eventName: "RunInstances", insightType: "ApiCallRateInsight",
			insightContext: { statistics: { baseline: { average: 0.01 }, insight: { average: 2.5 } } } },
		eventCategory: "Insight",
	};
	const ins = await putLog(aws, world, [insight], { key: insightKey });
	const digestId = await sendMessage(aws, world.queue.url, s3EventNotification([digest]));
	await sendMessage(aws, world.queue.url, s3EventNotification([ins]));

	const run = await runOnce(aws, world);
	assert.equal(run.code, 0, run.stderr);
	const alerts = alertBodies(await receiveAll(aws, world.observer.url, { expect: 1, timeoutMs: 5000 }));
	assert.equal(alerts.length, 1);
	assert.equal(alerts[0].eventID, insight.eventID);
	assert.deepEqual(alerts[0].log, { bucket: world.bucket, key: insightKey });
	assert.equal(getObjects({ key: digestKey }).length, 0, "digest never fetched");
	assert.equal(getObjects({ key: insightKey }).length, 1);
	const skip = logLines(run.stderr).find((l) => l.message_id === digestId && l.key === digestKey);
	assert.ok(skip && skip.level === "debug" && /skipped/.test(skip.msg), run.stderr);
	await assertQueueEmpty(world);
});

test("include and exclude patterns choose the keys read", LIMIT, async () => {
	aws.requestLog.clear();
	const world = await makeWorld(aws, {
		source: "include = [\"AWSLogs/*/CloudTrail/*\", \"extra/*.json.gz\"]; exclude = [\"*_CloudTrail_ap-*\"];",
	});
	const [kept] = await logs(world, 1);
	const [kept2] = await logs(world, 1, () => "extra/one.json.gz");
	const [outside] = await logs(world, 1, () => "elsewhere/AWSLogs/x.json.gz");
	const [excluded] = await logs(world, 1, () => cloudTrailKey({ region: "ap-southeast-2" }));
	await sendMessage(aws, world.queue.url, s3EventNotification([kept.obj, outside.obj, excluded.obj]));
	await sendMessage(aws, world.queue.url, cloudTrailNotification(world.bucket, [kept2.obj.key]));

	const run = await runOnce(aws, world);
	assert.equal(run.code, 0, run.stderr);
	const by = await alertsByEvent(world, 2);
	assertAlertedOn(by, [kept, kept2]);
	assert.equal(by.size, 2);
	assert.deepEqual(getObjects().map((e) => e.key).sort(), [kept.obj.key, kept2.obj.key].sort());
	const lines = logLines(run.stderr);
	assert.ok(lines.some((l) => l.key === outside.obj.key && /source\.include/.test(l.msg)), run.stderr);
	assert.ok(lines.some((l) => l.key === excluded.obj.key && /source\.exclude/.test(l.msg)), run.stderr);
	await assertQueueEmpty(world);
});

test("an object over source.max_object_size is refused: unread when announced with its size", LIMIT, async () => {
	aws.requestLog.clear();
	const world = await makeWorld(aws, { source: "max_object_size = \"4KiB\";", poison: POISON_DELETE });
	const [small] = await logs(world, 1);
	const noise = { requestParameters: { blob: randomBytes(6000).toString("base64") } };
	const bigHit = createTopicRecord(noise);
	const big = await putLog(aws, world, [record(), bigHit]);
	const big2 = await putLog(aws, world, [createTopicRecord(noise)]);
	assert.ok(big.size > 4096 && big2.size > 4096);
	const idSized = await sendMessage(aws, world.queue.url, s3EventNotification([big]));
	const idUnsized = await sendMessage(aws, world.queue.url, cloudTrailNotification(world.bucket, [big2.key]));
	await sendMessage(aws, world.queue.url, s3EventNotification([small.obj]));

	const run = await runOnce(aws, world);
	assert.equal(run.code, 3, `--once: a refused object is a failed message (exit 3)\n${run.stderr}`);
	const by = await alertsByEvent(world, 1);
	assertAlertedOn(by, [small]);
	assert.equal(by.size, 1, "nothing from the refused objects");
	assert.equal(getObjects({ key: big.key }).length, 0, "announced size: never requested");
	const errors = linesAt(logLines(run.stderr), "error");
	for (const [id, key] of [[idSized, big.key], [idUnsized, big2.key]]) {
		const e = errors.find((l) => l.message_id === id && l.key === key && /max_object_size/.test(l.msg));
		assert.ok(e, `${key} refused with its size: ${run.stderr}`);
		assert.equal(e.bucket, world.bucket);
	}
	await assertQueueEmpty(world);
});

test("source.expected_bucket_owner goes with every GetObject; a bucket of another owner is refused by S3", LIMIT, async () => {
	aws.requestLog.clear();
	const world = await makeWorld(aws, { source: "expected_bucket_owner = \"000000000000\";", poison: POISON_DELETE });
	const items = await logs(world, 2);
	await sendMessage(aws, world.queue.url, s3EventNotification(items.map((i) => i.obj)));
	const run = await runOnce(aws, world);
	assert.equal(run.code, 0, run.stderr);
	assertAlertedOn(await alertsByEvent(world, 2), items);
	assert.equal(getObjects().length, 2);
	assert.ok(getObjects().every((e) => e.headers["x-amz-expected-bucket-owner"] === "000000000000" && e.status === 200));

	// The bucket now belongs to another account (deleted and re-created by it).
	aws.requestLog.clear();
	aws.setBucketOwner(world.bucket, "111122223333");
	const [taken] = await logs(world, 1);
	const id = await sendMessage(aws, world.queue.url, s3EventNotification(taken.obj));
	const again = await runOnce(aws, world);
	assert.equal(again.code, 3, `--once: an object S3 refused is a failed message (exit 3)\n${again.stderr}`);
	assert.deepEqual(getObjects().map((e) => [e.status, e.error]), [[403, "AccessDenied"]]);
	const e = linesAt(logLines(again.stderr), "error").find((l) => l.message_id === id && l.key === taken.obj.key);
	assert.ok(e && /AccessDenied/.test(e.msg) && e.bucket === world.bucket, again.stderr);
	assert.equal((await receiveAll(aws, world.observer.url, { timeoutMs: 1000 })).length, 0, "nothing read, nothing alerted");
	await assertQueueEmpty(world);
	aws.setBucketOwner(world.bucket, aws.accountId);
});
