// The whole flow: an announced log object with the tutorial's CreateTopic
// call among ordinary records ends as one alert on the topic, and the queue
// message is deleted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { queueDepth, receiveAll } from "../harness/lib.mjs";
import { announce, createTopicRecord, logLines, makeWorld, record, runOnce, useLocalAws } from "./world.mjs";

const aws = useLocalAws({ reset: false });

test("a CreateTopic call among ordinary records becomes one alert", async () => {
	const world = await makeWorld(aws);
	const hit = createTopicRecord();
	const recs = [record(), record({ eventName: "ListBuckets", eventSource: "s3.amazonaws.com" }), hit, record()];
	const obj = await announce(aws, world, recs);

	const run = await runOnce(aws, world);
	assert.equal(run.code, 0, run.stderr);

	const alerts = await receiveAll(aws, world.observer.url, { expect: 1, timeoutMs: 5000 });
	assert.equal(alerts.length, 1);
	const body = JSON.parse(alerts[0].Body);
	assert.equal(body.rule.name ?? body.rule, "sns-create-topic");
	assert.equal(JSON.stringify(body).includes(hit.eventID), true);
	assert.equal(JSON.stringify(body).includes(obj.key), true);

	const depth = await queueDepth(aws, world.queue.url);
	assert.deepEqual(depth, { visible: 0, inFlight: 0, delayed: 0 });
	const logs = logLines(run.stderr);
	const match = logs.find((l) => l.rule === "sns-create-topic" && l.event_id === hit.eventID);
	assert.ok(match, "match logged with fields");
	// One short line: the rule, the call and the principal whole, the object; each once.
	const source = `s3://${world.bucket}/${obj.key}`;
	assert.equal(match.msg, `matched rule sns-create-topic: CreateTopic by ${hit.userIdentity.arn} in ${source}`);
	assert.deepEqual([match.event_name, match.principal, match.bucket, match.key, match.message_id],
		["CreateTopic", hit.userIdentity.arn, world.bucket, obj.key, obj.messageId]);
	assert.equal(aws.requestLog.count({ operation: "GetObject" }), 1);
	assert.equal(aws.requestLog.count({ operation: "DeleteMessageBatch" }), 1);
});

test("on a terminal (text log) the match line says each fact once", async () => {
	const world = await makeWorld(aws);
	const hit = createTopicRecord();
	const obj = await announce(aws, world, [record(), hit]);
	const run = await runOnce(aws, world, { args: ["--log-target", "text"] });
	assert.equal(run.code, 0, run.stderr);
	const line = run.stderr.split("\n").find((l) => l.includes("matched rule"));
	const source = `s3://${world.bucket}/${obj.key}`;
	// The facts the message says are not repeated as fields; the rest are.
	assert.equal(line, `ctalertd: matched rule sns-create-topic: CreateTopic by ${hit.userIdentity.arn} in ${source}` +
		` (event_id=${hit.eventID} message_id=${obj.messageId})`);
});
