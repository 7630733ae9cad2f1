// --dry-run: the alerts are printed on standard output, one JSON object per
// line; nothing is published and no message is deleted or given back.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startLocalAws } from "../harness/local-aws.mjs";
import { queueDepth, receiveAll } from "../harness/lib.mjs";
import { announce, createTopicRecord, makeWorld, record, runOnce } from "./world.mjs";

let aws;
before(async () => { aws = await startLocalAws(); });
after(async () => { await aws.stop(); });

test("--dry-run prints alerts, publishes and deletes nothing", async () => {
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
	for (const op of ["PublishBatch", "Publish", "DeleteMessageBatch", "DeleteMessage", "ChangeMessageVisibilityBatch"])
		assert.equal(aws.requestLog.count({ operation: op }), 0, `${op} in a dry run`);
	assert.equal((await receiveAll(aws, world.observer.url, { timeoutMs: 1500 })).length, 0, "an alert was published");
	// Still in the queue (hidden until its visibility timeout lapses).
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 1, delayed: 0 });
});
