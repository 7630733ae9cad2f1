// Scaling out: three daemons share one queue of 300 announced log objects.
// Every expected alert is delivered (counted by eventID), every message is
// deleted, and each daemon did part of the work.
import { test } from "node:test";
import assert from "node:assert/strict";
import { queueDepth } from "../harness/lib.mjs";
import { announceMany, collectAlerts, createTopicRecord, logLines, makeWorld, record, rewriteConfig,
	runOnce, startDaemon, track, useLocalAws, waitUntil } from "./world.mjs";

const aws = useLocalAws({ reset: false });

const OBJECTS = 300;

test("three daemons on one queue: 300 objects, every alert, every message deleted", async () => {
	const world = await makeWorld(aws, { receive: "visibility_timeout = 60; heartbeat = 10;" });
	const ids = [];
	const logs = [];
	for (let i = 0; i < OBJECTS; i++) {
		const recs = [record(), record({ eventSource: "s3.amazonaws.com", eventName: "GetObject" })];
		// Every seventh object holds one or two CreateTopic calls.
		for (let h = 0; i % 7 === 0 && h < 1 + (i % 2); h++) {
			const hit = createTopicRecord();
			ids.push(hit.eventID);
			recs.splice(1, 0, hit);
		}
		logs.push(recs);
	}
	await announceMany(aws, world, logs);
	aws.requestLog.clear();

	const t0 = Date.now();
	const daemons = [0, 1, 2].map(() => track(startDaemon(aws, world)));
	const counts = await collectAlerts(aws, world, ids, { timeoutMs: 45000 });
	await waitUntil(async () => {
		const d = await queueDepth(aws, world.queue.url);
		return d.visible === 0 && d.inFlight === 0;
	}, { timeoutMs: 15000, intervalMs: 250, what: "the queue to empty" });
	const took = Date.now() - t0;
	const extra = await collectAlerts(aws, world, [], { settleMs: 1000, counts });
	const runs = await Promise.all(daemons.map((d) => d.stop("SIGTERM", 10000)));

	const lost = ids.filter((id) => !extra.has(id));
	assert.deepEqual(lost, [], `alerts lost (of ${ids.length})`);
	assert.ok([...extra.values()].every((n) => n === 1), "an alert arrived twice");
	let objects = 0;
	for (const run of runs) {
		assert.equal(run.code, 0, run.stderr);
		const stopped = logLines(run.stderr).find((l) => /^stopped: /.test(l.msg));
		const m = /stopped: (\d+) messages, (\d+) objects, (\d+) alerts/.exec(stopped?.msg ?? "");
		assert.ok(m, run.stderr.slice(-2000));
		assert.ok(Number(m[2]) > 0, "a daemon did no work");
		objects += Number(m[2]);
	}
	assert.equal(objects, OBJECTS, "objects processed more than once (or not at all)");
	assert.equal(aws.requestLog.count({ operation: "GetObject", status: 200 }), OBJECTS);
	// Deletes go in batches: far fewer calls than messages.
	const deletes = aws.requestLog.count({ operation: "DeleteMessageBatch" });
	assert.ok(deletes > 0 && deletes <= OBJECTS / 3, `${deletes} DeleteMessageBatch calls for ${OBJECTS} messages`);
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
	console.log(`# ${OBJECTS} objects, ${ids.length} alerts through three daemons in ${took} ms, ${deletes} delete calls`);
});

test("deletes gather while a delete call is under way: batched across messages", async () => {
	aws.requestLog.clear();
	const world = await makeWorld(aws);
	rewriteConfig(world, { workers: 4 });
	await announceMany(aws, world, Array.from({ length: 20 }, () => [record(), record()]));
	// Every delete takes half a second: the messages finished meanwhile go
	// out together in the next call (one call per message would be 20).
	aws.faults.add({ service: "sqs", operation: "DeleteMessageBatch", kind: "slow", delayMs: 500, count: "always" });
	const run = await runOnce(aws, world, { timeoutMs: 30000 });
	assert.equal(run.code, 0, run.stderr);
	const deletes = aws.requestLog.match({ operation: "DeleteMessageBatch" });
	assert.ok(deletes.every((e) => e.status === 200));
	assert.ok(deletes.length <= 8, `${deletes.length} DeleteMessageBatch calls for 20 messages`);
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
});

test("max_inflight_messages bounds the messages held at once", async () => {
	aws.requestLog.clear();
	const world = await makeWorld(aws);
	rewriteConfig(world, { workers: 1, maxInflight: 2 });
	await announceMany(aws, world, Array.from({ length: 6 }, () => [record()]));
	aws.faults.add({ service: "s3", operation: "GetObject", kind: "slow", delayMs: 400, count: "always" });
	const daemon = track(startDaemon(aws, world));
	let most = 0;
	try {
		await waitUntil(async () => {
			const d = await queueDepth(aws, world.queue.url);
			most = Math.max(most, d.inFlight);
			return d.visible === 0 && d.inFlight === 0;
		}, { timeoutMs: 20000, intervalMs: 50, what: "the queue to empty" });
	} finally {
		const run = await daemon.stop("SIGTERM", 10000);
		assert.equal(run.code, 0, run.stderr);
	}
	console.log(`# most in flight: ${most}`);
	assert.ok(most >= 1 && most <= 2, `${most} messages in flight with max_inflight_messages = 2`);
	assert.equal(aws.requestLog.count({ operation: "GetObject", status: 200 }), 6);
});
