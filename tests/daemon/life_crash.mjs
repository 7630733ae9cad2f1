// kill -9 while objects are being read, after some of their alerts went
// out: the messages were never deleted, so they show again once their
// visibility timeout lapses and the next run processes them. Every alert
// arrives; the ones sent before the crash arrive twice (at-least-once).
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { startLocalAws } from "../harness/local-aws.mjs";
import { queueDepth } from "../harness/lib.mjs";
import { announce, collectAlerts, createTopicRecord, makeWorld, peekVisible, record, startDaemon,
	waitUntil } from "./world.mjs";

let aws;
before(async () => { aws = await startLocalAws(); });
after(async () => { await aws.stop(); });
beforeEach(() => aws.reset());

test("kill -9 mid-object: after the visibility timeout the next run delivers every alert", async () => {
	const world = await makeWorld(aws, {
		// Extended when 4 s are left (twice the heartbeat), so at least 2 s
		// are left at any moment.
		queueAttributes: { VisibilityTimeout: "8" },
		receive: "visibility_timeout = 8; heartbeat = 2;",
	});
	// Two objects, 25 CreateTopic calls each among ordinary records: the
	// first ten matches of an object fill a PublishBatch long before its end.
	const ids = [];
	let size = 0;
	for (let o = 0; o < 2; o++) {
		const recs = [];
		for (let i = 0; i < 25; i++) {
			const hit = createTopicRecord();
			ids.push(hit.eventID);
			recs.push(record(), hit);
		}
		size = Math.max(size, (await announce(aws, world, recs)).size);
	}
	aws.faults.add({ service: "s3", operation: "GetObject", kind: "slow", count: 2,
		bytesPerSecond: Math.ceil(size / 12) });

	const daemon = startDaemon(aws, world);
	await waitUntil(() => aws.requestLog.count({ operation: "PublishBatch", status: 200 }) >= 1,
		{ timeoutMs: 15000, what: "the first alerts" });
	daemon.kill("SIGKILL");
	const killed = await daemon.wait(5000);
	assert.equal(killed.signal, "SIGKILL");
	// Still hidden right after the crash: the last extension has not lapsed.
	assert.equal(await peekVisible(aws, world.queue.url), 0, "visible right after the crash");
	assert.equal(aws.requestLog.count({ operation: "DeleteMessageBatch" }), 0, "deleted before the end");
	const early = await collectAlerts(aws, world, ids, { timeoutMs: 2000 });
	assert.ok(early.size >= 10 && early.size < ids.length, `${early.size} alerts before the crash`);

	const next = startDaemon(aws, world);
	const counts = await collectAlerts(aws, world, ids, { timeoutMs: 30000, settleMs: 1000, counts: early });
	await waitUntil(async () => (await queueDepth(aws, world.queue.url)).inFlight === 0,
		{ timeoutMs: 10000, what: "the messages to be deleted" });
	const run = await next.stop("SIGTERM", 10000);
	assert.equal(run.code, 0, run.stderr);
	const lost = ids.filter((id) => !counts.has(id));
	assert.deepEqual(lost, [], "alerts lost in the crash");
	assert.ok([...counts.values()].every((n) => n <= 2), "an alert arrived more than twice");
	assert.ok(aws.requestLog.count({ operation: "DeleteMessageBatch", status: 200 }) >= 1);
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
});
