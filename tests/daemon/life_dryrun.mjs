// --dry-run: the alerts are printed on standard output, one JSON object per
// line; nothing is published and no message is deleted. When the run ends
// every message it received is given back at once (visibility 0), so the
// real daemon need not wait out the visibility timeout.
import { test } from "node:test";
import assert from "node:assert/strict";
import { queueDepth, receiveAll } from "../harness/lib.mjs";
import { announce, createTopicRecord, logLines, makeWorld, record, runOnce, useLocalAws } from "./world.mjs";

const aws = useLocalAws({ reset: false });

test("--dry-run prints alerts, publishes and deletes nothing, gives the message back", async () => {
	const world = await makeWorld(aws);
	const hits = [createTopicRecord(), createTopicRecord()];
	const obj = await announce(aws, world, [record(), hits[0], record(), hits[1]]);
	aws.requestLog.clear();

	const run = await runOnce(aws, world, { args: ["--dry-run"], timeoutMs: 30000 });
	assert.equal(run.code, 0, run.stderr);
	const printed = run.stdout.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
	assert.deepEqual(printed.map((a) => a.eventID).sort(), hits.map((h) => h.eventID).sort());
	for (const a of printed) {
		assert.equal(a.rule, "sns-create-topic");
		assert.deepEqual(a.log, { bucket: world.bucket, key: obj.key });
	}
	assert.equal(aws.requestLog.count({ operation: "GetObject", status: 200 }), 1);
	for (const op of ["PublishBatch", "Publish", "DeleteMessageBatch", "DeleteMessage", "ChangeMessageVisibility"])
		assert.equal(aws.requestLog.count({ operation: op }), 0, `${op} in a dry run`);
	assert.equal((await receiveAll(aws, world.observer.url, { timeoutMs: 1500 })).length, 0, "an alert was published");
	// Given back once, at the end, with visibility 0: visible again at once,
	// not after the queue's 30 s visibility timeout.
	const back = aws.requestLog.match({ operation: "ChangeMessageVisibilityBatch" });
	assert.equal(back.length, 1, "the message was not given back");
	assert.equal(back[0].status, 200);
	assert.ok(logLines(run.stderr).some((l) => /^dry run over: giving 1 message back to the queue$/.test(l.msg)), run.stderr);
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 1, inFlight: 0, delayed: 0 });
	// The next run (a real one) has it at once and alerts.
	const real = await runOnce(aws, world, { timeoutMs: 30000 });
	assert.equal(real.code, 0, real.stderr);
	assert.equal((await receiveAll(aws, world.observer.url, { expect: 2, timeoutMs: 5000 })).length, 2);
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
});
