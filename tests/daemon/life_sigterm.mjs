// SIGTERM while objects are being read: ctalertd stops receiving, lets the
// work finish within shutdown_grace, and gives back (visibility 0) whatever
// did not finish, then exits 0. Nothing is lost: the next run processes what
// was given back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { queueDepth } from "../harness/lib.mjs";
import { announce, collectAlerts, createTopicRecord, lastSeq, logLines, makeWorld, record, rewriteConfig,
	runOnce, startDaemon, track, useLocalAws, waitUntil } from "./world.mjs";

const aws = useLocalAws();

/** A log object of ordinary records around `hits` CreateTopic calls; returns its ids too. */
async function announceHits(world, hits) {
	const calls = Array.from({ length: hits }, () => createTopicRecord());
	const obj = await announce(aws, world, [...Array.from({ length: 20 }, () => record()), ...calls, record()]);
	return { ...obj, ids: calls.map((r) => r.eventID) };
}

test("SIGTERM lets an object being read finish within the grace period", async () => {
	const world = await makeWorld(aws, { receive: "visibility_timeout = 60; heartbeat = 10;", extra: "shutdown_grace = 20;" });
	const obj = await announceHits(world, 2);
	aws.faults.add({ service: "s3", operation: "GetObject", kind: "slow", bytesPerSecond: Math.ceil(obj.size / 4) });

	const daemon = track(startDaemon(aws, world));
	await waitUntil(() => aws.requestLog.count({ operation: "GetObject" }) === 1, { what: "GetObject" });
	const termAt = Date.now();
	const termSeq = lastSeq(aws);
	daemon.kill("SIGTERM");
	const run = await daemon.wait(20000);
	assert.equal(run.code, 0, run.stderr);
	assert.ok(Date.now() - termAt >= 1500, "exited before the object was read");

	assert.equal(aws.requestLog.match({ operation: "ReceiveMessage" }).filter((e) => e.seq > termSeq).length, 0,
		"received again after SIGTERM");
	assert.equal(aws.requestLog.count({ operation: "DeleteMessageBatch", status: 200 }), 1);
	assert.equal(aws.requestLog.count({ operation: "ChangeMessageVisibilityBatch" }), 0, "gave back a finished message");
	const counts = await collectAlerts(aws, world, obj.ids, { timeoutMs: 5000 });
	assert.deepEqual([...counts.keys()].sort(), [...obj.ids].sort());
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
	const logs = logLines(run.stderr);
	assert.ok(logs.some((l) => /stopping; 1 message in hand/.test(l.msg)), run.stderr);
	assert.ok(!logs.some((l) => /grace period over/.test(l.msg)), "the grace period ran out");
});

test("SIGTERM with a short grace gives unfinished messages back at once; the next run processes them", async () => {
	const world = await makeWorld(aws, { receive: "visibility_timeout = 120; heartbeat = 10;", extra: "shutdown_grace = 1;" });
	// Three messages, two workers: two objects are being read when the signal
	// comes; the third was never received (no worker was free for it), so it
	// waits in the queue, not invisibly in the daemon.
	const objs = [];
	for (let i = 0; i < 3; i++)
		objs.push(await announceHits(world, 2));
	const slow = aws.faults.add({ service: "s3", operation: "GetObject", kind: "slow", count: "always",
		bytesPerSecond: Math.ceil(objs[0].size / 20) });

	const daemon = track(startDaemon(aws, world));
	await waitUntil(() => aws.requestLog.count({ operation: "GetObject" }) === 2, { what: "two GetObjects" });
	await new Promise((r) => setTimeout(r, 500));
	const termAt = Date.now();
	const termSeq = lastSeq(aws);
	daemon.kill("SIGTERM");
	const run = await daemon.wait(15000);
	const took = Date.now() - termAt;
	assert.equal(run.code, 0, run.stderr);
	assert.equal(run.timedOut, false);
	assert.ok(took < 3000, `took ${took} ms to stop with a 1 s grace`);
	const logs = logLines(run.stderr);
	assert.ok(logs.some((l) => /grace period over: giving back 2 unfinished messages/.test(l.msg)), run.stderr);

	// Given back with visibility 0: visible at once, though the visibility
	// timeout is two minutes.
	const giveBacks = aws.requestLog.match({ operation: "ChangeMessageVisibilityBatch" }).filter((e) => e.seq > termSeq);
	assert.ok(giveBacks.length >= 1 && giveBacks.every((e) => e.status === 200),
		"no give-back call after SIGTERM");
	assert.equal(aws.requestLog.count({ operation: "DeleteMessageBatch" }), 0);
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 3, inFlight: 0, delayed: 0 });
	assert.equal(aws.requestLog.count({ operation: "GetObject" }), 2, "the third object was started after SIGTERM");

	aws.faults.remove(slow);
	const next = await runOnce(aws, world, { timeoutMs: 30000 });
	assert.equal(next.code, 0, next.stderr);
	const ids = objs.flatMap((o) => o.ids);
	const counts = await collectAlerts(aws, world, ids, { timeoutMs: 5000, settleMs: 1000 });
	assert.deepEqual([...counts.keys()].sort(), [...ids].sort(), "an alert was lost");
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
});

test("SIGINT stops an idle daemon at once, exit 0", async () => {
	const world = await makeWorld(aws);
	rewriteConfig(world, { waitTime: 20 });
	const daemon = track(startDaemon(aws, world));
	await daemon.waitForOutput(/started: queue/, 10000);
	await waitUntil(() => aws.requestLog.count({ operation: "ReceiveMessage" }) >= 1, { what: "a long poll" });
	const t0 = Date.now();
	const run = await daemon.stop("SIGINT", 10000);
	assert.equal(run.code, 0, run.stderr);
	assert.ok(Date.now() - t0 < 3000, "waited for the long poll to end");
});

for (const [what, fault] of [
	["an S3 answer that never starts", { service: "s3", operation: "GetObject", kind: "slow", delayMs: 25000 }],
	["an SNS answer that never starts", { service: "sns", operation: "PublishBatch", kind: "slow", delayMs: 25000 }],
]) {
	test(`SIGTERM: ${what} does not hold the exit past the grace period`, async () => {
		const world = await makeWorld(aws, { receive: "visibility_timeout = 120; heartbeat = 10;", extra: "shutdown_grace = 1;" });
		const obj = await announceHits(world, 1);
		const stall = aws.faults.add(fault);
		const daemon = track(startDaemon(aws, world));
		await waitUntil(() => aws.faults.fired(stall) === 1, { what: "the stalled request" });
		const termAt = Date.now();
		daemon.kill("SIGTERM");
		const run = await daemon.wait(40000);
		const took = Date.now() - termAt;
		assert.equal(run.code, 0, run.stderr);
		assert.ok(took < 4000, `took ${took} ms to stop with a 1 s grace`);
		assert.ok(logLines(run.stderr).some((l) => /given back for 0 s: .*shutdown grace period over/.test(l.msg)), run.stderr);
		assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 1, inFlight: 0, delayed: 0 });

		aws.faults.clear();
		const next = await runOnce(aws, world, { timeoutMs: 30000 });
		assert.equal(next.code, 0, next.stderr);
		const counts = await collectAlerts(aws, world, obj.ids, { timeoutMs: 5000 });
		assert.deepEqual([...counts.keys()], obj.ids, "the alert was lost");
		assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
	});
}
