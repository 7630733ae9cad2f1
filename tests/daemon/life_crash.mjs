// Alerts go out while a large log object is still being read, and kill -9
// at that moment loses nothing: the messages were never deleted, so they
// show again once their visibility timeout lapses and the next run
// processes them. Every alert arrives; the ones sent before the crash
// arrive twice (at-least-once).
import { test } from "node:test";
import assert from "node:assert/strict";
import { queueDepth } from "../harness/lib.mjs";
import { announce, collectAlerts, createTopicRecord, logLines, makeWorld, peekVisible, record, runOnce,
	startDaemon, track, useLocalAws, waitUntil } from "./world.mjs";

const aws = useLocalAws();

/** A log of `hits` CreateTopic calls, each after 40 ordinary records (about 50 KB gzipped). */
function bigLog(hits, ids) {
	const recs = [];
	for (let i = 0; i < hits; i++) {
		for (let k = 0; k < 40; k++)
			recs.push(record());
		const hit = createTopicRecord();
		ids.push(hit.eventID);
		recs.push(hit);
	}
	return recs;
}

/** Whether every GetObject seen so far is still sending its body. */
function allReading() {
	const gets = aws.requestLog.match({ operation: "GetObject" });
	return gets.length > 0 && gets.every((e) => e.durationMs === undefined);
}

test("alerts go out while a large object is still being read", async () => {
	const world = await makeWorld(aws);
	const ids = [];
	const obj = await announce(aws, world, bigLog(25, ids));
	aws.faults.add({ service: "s3", operation: "GetObject", kind: "slow", bytesPerSecond: Math.ceil(obj.size / 8) });

	const daemon = track(startDaemon(aws, world));
	try {
		await waitUntil(() => aws.requestLog.count({ operation: "PublishBatch", status: 200 }) >= 1,
			{ timeoutMs: 15000, what: "the first alerts" });
		assert.ok(allReading(), "the first alerts went out only after the object was read");
		const counts = await collectAlerts(aws, world, ids, { timeoutMs: 15000 });
		assert.deepEqual(ids.filter((id) => !counts.has(id)), [], "alerts lost");
		await waitUntil(async () => (await queueDepth(aws, world.queue.url)).inFlight === 0,
			{ timeoutMs: 5000, what: "the message to be deleted" });
	} finally {
		const run = await daemon.stop("SIGTERM", 10000);
		assert.equal(run.code, 0, run.stderr);
		const retried = logLines(run.stderr).filter((l) => /^will retry|given back for/.test(l.msg)).map((l) => l.msg);
		assert.deepEqual(retried, [], "the object failed");
	}
	assert.equal(aws.requestLog.count({ operation: "GetObject" }), 1);
	assert.ok(aws.requestLog.count({ operation: "PublishBatch", status: 200 }) >= 3);
});

test("kill -9 mid-object: after the visibility timeout the next run delivers every alert", async () => {
	const world = await makeWorld(aws, {
		// Extended when 4 s are left (twice the heartbeat), so at least 2 s
		// are left at any moment.
		queueAttributes: { VisibilityTimeout: "8" },
		receive: "visibility_timeout = 8; heartbeat = 2;",
	});
	// Two large objects with 25 CreateTopic calls each: the first ten
	// matches of an object fill a PublishBatch long before its end.
	const ids = [];
	let size = 0;
	for (let o = 0; o < 2; o++)
		size = Math.max(size, (await announce(aws, world, bigLog(25, ids))).size);
	aws.faults.add({ service: "s3", operation: "GetObject", kind: "slow", count: 2,
		bytesPerSecond: Math.ceil(size / 12) });

	const daemon = track(startDaemon(aws, world));
	await waitUntil(() => aws.requestLog.count({ operation: "PublishBatch", status: 200 }) >= 1,
		{ timeoutMs: 15000, what: "the first alerts" });
	assert.ok(allReading(), "the objects were read to the end before the first alerts");
	daemon.kill("SIGKILL");
	const killed = await daemon.wait(5000);
	assert.equal(killed.signal, "SIGKILL");
	// Still hidden right after the crash: the last extension has not lapsed.
	assert.equal(await peekVisible(aws, world.queue.url), 0, "visible right after the crash");
	assert.equal(aws.requestLog.count({ operation: "DeleteMessageBatch" }), 0, "deleted before the end");
	const early = await collectAlerts(aws, world, ids, { timeoutMs: 2000 });
	assert.ok(early.size >= 10 && early.size < ids.length, `${early.size} alerts before the crash`);

	await waitUntil(async () => (await peekVisible(aws, world.queue.url)) === 2,
		{ timeoutMs: 12000, intervalMs: 250, what: "the messages to show again" });
	const next = await runOnce(aws, world, { timeoutMs: 40000 });
	assert.equal(next.code, 0, next.stderr);
	const counts = await collectAlerts(aws, world, ids, { timeoutMs: 5000, settleMs: 1000, counts: early });
	const lost = ids.filter((id) => !counts.has(id));
	assert.deepEqual(lost, [], "alerts lost in the crash");
	assert.ok([...counts.values()].every((n) => n <= 2), "an alert arrived more than twice");
	assert.ok(aws.requestLog.count({ operation: "DeleteMessageBatch", status: 200 }) >= 1);
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
});
