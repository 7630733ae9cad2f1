// Poison messages: a body that is no notification, a foreign bucket, a
// missing object, corrupt gzip, invalid JSON, an object over a size limit.
// Each failure is logged with the message id (and bucket and key), the
// message is received at most poison.max_receive_count times by ctalertd and
// then reaches the configured outcome: the dead-letter queue through the
// queue's redrive policy, or deleted. Never a tight loop. The daemon's SQS
// calls pass through a relay, so the visibility it gives each message back
// with is read from the requests themselves.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { startLocalAws } from "../harness/local-aws.mjs";
import { cloudTrailKey, createBucket, createQueue, putObject, queueDepth, receiveAll, s3EventNotification,
	sendMessage } from "../harness/lib.mjs";
import { createTopicRecord, logLines, makeWorld, record, startDaemon } from "./world.mjs";
import { alertBodies, putLog, startRecorder } from "./shapes_world.mjs";

/* No test may hang a test run: each is cut off after two minutes. */
const LIMIT = { timeout: 120000 };

let aws;
let recorder;
before(async () => {
	aws = await startLocalAws();
	recorder = await startRecorder(aws);
});
after(async () => {
	await recorder.stop();
	await aws.stop();
});

const VISIBILITY = 3; /* seconds: receive.visibility_timeout, and so the first backoff */
const MAX_RECEIVES = 2;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const v = await fn();
		if (v)
			return v;
		if (Date.now() > deadline)
			assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(250);
	}
}

/**
 * A world with short visibility, and one message of every kind of poison
 * plus one good message. Returns {world, poison: [{what, id, bucket, key}], good}.
 */
async function poisonWorld({ queueAttributes = {}, action }) {
	const world = await makeWorld(aws, { queueAttributes, poison: `max_receive_count = ${MAX_RECEIVES}; action = "${action}";`,
		receive: `visibility_timeout = ${VISIBILITY}; heartbeat = 1;`, extra: "limits = { max_inflated_size = \"1MiB\"; };" });
	const other = await createBucket(aws, `${world.name}-other`);
	const put = (key, body) => putObject(aws, world.bucket, key, body, { contentType: "application/x-gzip" });
	const send = (body) => sendMessage(aws, world.queue.url, body);
	const poison = [];
	const add = async (what, body, obj) => poison.push({ what, id: await send(body), bucket: obj?.bucket, key: obj?.key });

	await add("undecodable body", "this is not JSON at all");
	await add("unknown shape", JSON.stringify({ hello: "world" }));
	const foreign = await putObject(aws, other, cloudTrailKey(), gzipSync("{\"Records\":[]}"), { contentType: "application/x-gzip" });
	await add("foreign bucket", s3EventNotification(foreign), foreign);
	const missing = { bucket: world.bucket, key: cloudTrailKey(), size: 100 };
	await add("NoSuchKey", s3EventNotification(missing), missing);
	const gz = gzipSync(JSON.stringify({ Records: [record(), record(), record()] }));
	for (let i = 20; i < gz.length - 8; i += 7)
		gz[i] ^= 0x5a;
	const corrupt = await put(cloudTrailKey(), gz);
	await add("corrupt gzip", s3EventNotification(corrupt), corrupt);
	const invalid = await put(cloudTrailKey(), gzipSync("{\"Records\":[{\"eventName\":\"CreateTopic\",,}]}"));
	await add("invalid JSON", s3EventNotification(invalid), invalid);
	const big = await put(cloudTrailKey(), gzipSync(JSON.stringify({ Records: Array.from({ length: 2500 }, () => record()) })));
	await add("over limits.max_inflated_size", s3EventNotification(big), big);

	const hit = createTopicRecord();
	const goodObj = await putLog(aws, world, [record(), hit]);
	const goodId = await send(s3EventNotification(goodObj));
	return { world, poison, good: { id: goodId, hit, obj: goodObj } };
}

/** Entries of ChangeMessageVisibilityBatch / DeleteMessageBatch calls the relay saw, with the call's name. */
function sqsEntries(action) {
	const out = [];
	for (const r of recorder.requests) {
		if (r.headers["x-amz-target"] !== `AmazonSQS.${action}`)
			continue;
		for (const e of JSON.parse(r.body).Entries)
			out.push(e);
	}
	return out;
}

/** What happened to each poison message, from the log: receive numbers of its failures and its final line. */
function assertLogged(lines, poison) {
	for (const p of poison) {
		const mine = lines.filter((l) => l.message_id === p.id);
		// One line per receive: the failure and what became of the message
		// (back after a backoff, then poison), never the same failure twice.
		const failures = mine.filter((l) => l.level === "error");
		assert.equal(failures.length, MAX_RECEIVES, `${p.what}: each failure logged once with its message id:\n${JSON.stringify(mine, null, 1)}`);
		assert.equal(mine.filter((l) => l.level === "warning").length, 0, `${p.what}: a failure logged again as a warning`);
		if (p.key) {
			assert.ok(failures.every((l) => l.bucket === p.bucket && l.key === p.key), `${p.what}: bucket and key named`);
			assert.ok(failures.every((l) => l.msg.includes(`s3://${p.bucket}/${p.key}`)), `${p.what}: the object named in the message`);
		}
		assert.equal(mine.filter((l) => /\(receive 1 of 2\)/.test(l.msg)).length, 1, `${p.what}: given back once`);
		assert.equal(mine.filter((l) => /is poison after 2 receives/.test(l.msg)).length, 1, `${p.what}: judged once`);
	}
}

function startRelayed(world) {
	recorder.requests.length = 0;
	aws.requestLog.clear();
	return startDaemon(aws, world, { env: { AWS_ENDPOINT_URL_SQS: recorder.url } });
}

/** ReceiveMessage calls in the request log, and the seconds they span. */
function receiveRate() {
	const r = aws.requestLog.match({ operation: "ReceiveMessage" });
	const span = (Date.parse(r.at(-1).time) - Date.parse(r[0].time)) / 1000;
	return { calls: r.length, span };
}

test("with a redrive policy and action \"dlq\", each poison message ends in the dead-letter queue", LIMIT, async () => {
	const dlq = await createQueue(aws, `dlq-${Date.now()}`);
	const { world, poison, good } = await poisonWorld({
		action: "dlq",
		queueAttributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: String(MAX_RECEIVES) }) },
	});
	const daemon = startRelayed(world);
	try {
		await until("every poison message in the dead-letter queue",
			async () => (await queueDepth(aws, dlq.url)).visible === poison.length, 30000);
	} finally {
		var run = await daemon.stop("SIGTERM", 15000);
	}
	assert.equal(run.code, 0, run.stderr);

	const dead = await receiveAll(aws, dlq.url, { expect: poison.length, timeoutMs: 3000 });
	assert.deepEqual(dead.map((m) => m.MessageId).sort(), poison.map((p) => p.id).sort());
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
	const alerts = alertBodies(await receiveAll(aws, world.observer.url, { expect: 1, timeoutMs: 3000 }));
	assert.deepEqual(alerts.map((a) => a.eventID), [good.hit.eventID], "the good message went through");

	assertLogged(logLines(run.stderr), poison);
	const back = sqsEntries("ChangeMessageVisibilityBatch");
	const deleted = sqsEntries("DeleteMessageBatch");
	assert.equal(deleted.length, 1, "only the good message is deleted");
	// Each poison message: given back once after a backoff (the first is the
	// visibility timeout; heartbeats extend by as much), once at 0 for the redrive.
	assert.equal(back.filter((e) => e.VisibilityTimeout === 0).length, poison.length);
	assert.ok(back.filter((e) => e.VisibilityTimeout === VISIBILITY).length >= poison.length);
	assert.deepEqual(back.filter((e) => e.VisibilityTimeout !== 0 && e.VisibilityTimeout !== VISIBILITY), []);
	for (const p of poison.filter((x) => x.key))
		assert.ok(aws.requestLog.count({ operation: "GetObject", key: p.key }) <= MAX_RECEIVES, `${p.what}: fetched at most twice`);
	assert.equal(aws.requestLog.count({ operation: "GetObject", bucket: `${world.name}-other` }), 0);
	const { calls, span } = receiveRate();
	// Each receive asks only for what idle workers can take, so a message can
	// cost a receive of its own: the bound is per message, not per batch.
	assert.ok(calls <= span * 2 + 8 + poison.length * MAX_RECEIVES, `${calls} receives in ${span} s: no tight loop`);
});

test("with action \"delete\", each poison message is deleted on its last receive", LIMIT, async () => {
	const dlq = await createQueue(aws, `dlq-${Date.now()}`);
	const { world, poison, good } = await poisonWorld({
		action: "delete",
		queueAttributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: "5" }) },
	});
	const daemon = startRelayed(world);
	try {
		await until("every poison message deleted",
			() => sqsEntries("DeleteMessageBatch").length === poison.length + 1, 30000);
		await sleep(1500);
	} finally {
		var run = await daemon.stop("SIGTERM", 15000);
	}
	assert.equal(run.code, 0, run.stderr);
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
	assert.deepEqual(await queueDepth(aws, dlq.url), { visible: 0, inFlight: 0, delayed: 0 });
	const alerts = alertBodies(await receiveAll(aws, world.observer.url, { expect: 1, timeoutMs: 3000 }));
	assert.deepEqual(alerts.map((a) => a.eventID), [good.hit.eventID]);
	assertLogged(logLines(run.stderr), poison);
	const lines = logLines(run.stderr);
	for (const p of poison)
		assert.ok(lines.some((l) => l.message_id === p.id && /poison after 2 receives, deleting it/.test(l.msg)), p.what);
	for (const p of poison.filter((x) => x.key && x.bucket === world.bucket))
		assert.equal(aws.requestLog.count({ operation: "GetObject", key: p.key }), MAX_RECEIVES, `${p.what}: fetched on each receive`);
	assert.equal(aws.requestLog.count({ operation: "DeleteMessageBatch", error: null }), aws.requestLog.count({ operation: "DeleteMessageBatch" }));
});

test("without a dead-letter queue a poison message is never deleted and never spins", LIMIT, async () => {
	const { world, poison } = await poisonWorld({ action: "dlq" });
	const daemon = startRelayed(world);
	try {
		await daemon.waitForOutput(/is poison after 2 receives/, 20000);
		await sleep(8000);
	} finally {
		var run = await daemon.stop("SIGTERM", 15000);
	}
	assert.equal(run.code, 0, run.stderr);

	assert.equal(sqsEntries("DeleteMessageBatch").length, 1, "only the good message is deleted");
	const depth = await queueDepth(aws, world.queue.url);
	assert.equal(depth.visible + depth.inFlight, poison.length, "every poison message is still in the queue");
	const lines = logLines(run.stderr);
	for (const p of poison) {
		const judged = lines.filter((l) => l.message_id === p.id && /is poison after/.test(l.msg));
		assert.ok(judged.length >= 1 && judged.length <= 3, `${p.what}: ${judged.length} receives past the limit in 8 s`);
	}
	// On its last receive it is given back at once (for a redrive policy to
	// act on); after that, with growing delays.
	const back = sqsEntries("ChangeMessageVisibilityBatch");
	assert.equal(back.filter((e) => e.VisibilityTimeout === 0).length, poison.length);
	assert.ok(back.filter((e) => e.VisibilityTimeout > VISIBILITY).length >= poison.length, "then longer delays");
	const { calls, span } = receiveRate();
	// Each receive asks only for what idle workers can take, so a message can
	// cost a receive of its own: the bound is per message, not per batch.
	assert.ok(calls <= span * 2 + 8 + poison.length * MAX_RECEIVES, `${calls} receives in ${span} s: no tight loop`);
});
