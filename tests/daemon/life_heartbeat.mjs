// The visibility heartbeat: a log object that takes far longer to read than
// the queue's visibility timeout is processed exactly once, because ctalertd
// keeps extending the message's visibility while it works; a second daemon
// polling the same queue all along never sees the message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { queueDepth, receiveAll } from "../harness/lib.mjs";
import { announce, createTopicRecord, lastSeq, logLines, makeWorld, record, runOnce, startDaemon, track,
	useLocalAws, waitUntil } from "./world.mjs";

const aws = useLocalAws();

const SLOW_S = 10;

test("a slow object outlives its visibility timeout and is processed exactly once", async () => {
	const world = await makeWorld(aws, {
		// Extended when 4 s are left (twice the heartbeat): 2 s of slack.
		queueAttributes: { VisibilityTimeout: "5" },
		receive: "visibility_timeout = 5; heartbeat = 2;",
	});
	const hit = createTopicRecord();
	const recs = [...Array.from({ length: 30 }, () => record()), hit, record()];
	const obj = await announce(aws, world, recs);
	const slow = aws.faults.add({ service: "s3", operation: "GetObject", kind: "slow",
		bytesPerSecond: Math.ceil(obj.size / SLOW_S) });

	const first = runOnce(aws, world, { timeoutMs: 40000 });
	await waitUntil(() => aws.requestLog.count({ operation: "GetObject" }) === 1,
		{ timeoutMs: 10000, what: "the first daemon's GetObject" });
	const t0 = Date.now();
	const seq0 = lastSeq(aws);
	const second = track(startDaemon(aws, world));
	await second.waitForOutput(/started: queue/, 10000);

	const run = await first;
	const elapsed = Date.now() - t0;
	assert.equal(run.code, 0, run.stderr);
	assert.ok(elapsed >= (SLOW_S - 3) * 1000, `the object took ${elapsed} ms, not ~${SLOW_S} s`);
	assert.equal(aws.faults.fired(slow), 1);

	// The second daemon polled the whole time and never got the message.
	// The first daemon polls once more at most (--once stops after an empty poll).
	const polls = aws.requestLog.match({ operation: "ReceiveMessage" }).filter((e) => e.seq > seq0).length;
	second.kill("SIGUSR1");
	await second.waitForOutput(/counters: messages received \d+/, 5000);
	const stopped = await second.stop("SIGTERM", 10000);
	assert.equal(stopped.code, 0, stopped.stderr);
	const counters = /counters: messages received (\d+)/.exec(stopped.stderr);
	assert.equal(counters[1], "0", "the second daemon received the message");
	assert.ok(polls >= 6, `only ${polls} ReceiveMessage calls: the second daemon was not polling`);

	assert.equal(aws.requestLog.count({ operation: "GetObject" }), 1, "the object was fetched twice");
	const extensions = aws.requestLog.match({ operation: "ChangeMessageVisibilityBatch" });
	assert.ok(extensions.length >= 3, `only ${extensions.length} visibility extensions in ${elapsed} ms`);
	assert.ok(extensions.every((e) => e.status === 200), "a visibility extension failed");
	assert.equal(aws.requestLog.count({ operation: "DeleteMessageBatch" }), 1);

	const alerts = await receiveAll(aws, world.observer.url, { timeoutMs: 3000 });
	assert.equal(alerts.length, 1);
	assert.equal(JSON.parse(alerts[0].Body).eventID, hit.eventID);
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
	assert.ok(logLines(run.stderr).some((l) => l.message_id === obj.messageId), "the message id is logged");
});

test("the heartbeat stops at max_visibility_extension", async () => {
	// With the extension capped at 4 s the message shows again while the
	// first daemon still reads it: SQS redelivers it, which is what the cap
	// is for (a stuck worker must not hide a message for ever).
	const world = await makeWorld(aws, {
		queueAttributes: { VisibilityTimeout: "2" },
		receive: "visibility_timeout = 2; heartbeat = 1; max_visibility_extension = 4;",
	});
	const hit = createTopicRecord();
	const obj = await announce(aws, world, [...Array.from({ length: 30 }, () => record()), hit]);
	aws.faults.add({ service: "s3", operation: "GetObject", kind: "slow", bytesPerSecond: Math.ceil(obj.size / 8) });

	const daemon = track(startDaemon(aws, world));
	const alerts = await receiveAll(aws, world.observer.url, { expect: 1, timeoutMs: 20000 });
	await waitUntil(async () => (await queueDepth(aws, world.queue.url)).inFlight === 0,
		{ timeoutMs: 10000, what: "the message to be deleted" });
	const run = await daemon.stop("SIGTERM", 10000);
	assert.equal(run.code, 0, run.stderr);
	const received = logLines(run.stderr).filter((l) => /shown again while still in hand/.test(l.msg));
	assert.ok(received.length >= 1, "the message never came back after the cap:\n" + run.stderr);
	const extensions = aws.requestLog.match({ operation: "ChangeMessageVisibilityBatch" });
	assert.ok(extensions.length <= 4, `${extensions.length} extensions despite a 4 s cap`);
	assert.equal(alerts.length, 1);
	assert.equal(aws.requestLog.count({ operation: "GetObject" }), 1, "the redelivered message was fetched again");
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
});
