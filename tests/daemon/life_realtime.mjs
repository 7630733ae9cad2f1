// The real-time path: CloudTrail events that an EventBridge rule puts on the
// queue, sent here with the AWS SDK exactly as EventBridge would, are matched
// directly by the same rules (patterns on the record and patterns written
// for the EventBridge event alike), nothing fetched from S3; alerts arrive at
// a subscriber queue of the local SNS. Events ctalertd cannot use are refused
// and deleted like any unusable message, their message id in the log. An
// event that arrives both ways, by EventBridge and in a log object, alerts
// once: the state store holds its (eventID, rule) whichever came first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { queueDepth, receiveAll, sendMessage } from "../harness/lib.mjs";
import { alertCounts, announce, cloudTrailEvent, collectAlerts, createTopicRecord, logLines, makeWorld, record, runOnce,
	useLocalAws } from "./world.mjs";

const aws = useLocalAws();

const RULES = `{
		name = "sns-create-topic";
		description = "Someone created an SNS topic";
		severity = "medium";
		pattern = { eventSource = ["sns.amazonaws.com"]; eventName = ["CreateTopic"]; };
	}, {
		name = "console-sign-in-failed";
		description = "A console sign-in failed";
		severity = "high";
		pattern = {
			source = ["aws.signin"];
			detail-type = ["AWS Console Sign In via CloudTrail"];
			detail = { eventName = ["ConsoleLogin"]; responseElements = { ConsoleLogin = ["Failure"]; }; };
		};
	}`;

/** A console sign-in record; `result` "Failure" or "Success". */
function signInRecord(result) {
	return record({ eventSource: "signin.amazonaws.com", eventName: "ConsoleLogin", eventType: "AwsConsoleSignIn",
		readOnly: false, requestParameters: null, responseElements: { ConsoleLogin: result } });
}

async function realtimeWorld() {
	return makeWorld(aws, {
		rules: RULES,
		poison: 'max_receive_count = 1; action = "delete";',
		extra: 'limits = { max_depth = 16; }; metrics = { emf_interval = "1s"; };',
	});
}

/** The sums of the run's EMF lines, by metric. */
function emfSums(stderr) {
	const sum = {};
	for (const d of logLines(stderr).filter((l) => l._aws))
		for (const m of d._aws.CloudWatchMetrics[0].Metrics)
			sum[m.Name] = (sum[m.Name] ?? 0) + d[m.Name];
	return sum;
}

function nested(depth) {
	let v = 1;
	for (let i = 0; i < depth; i++)
		v = { a: v };
	return v;
}

test("EventBridge events alert through the same rules, nothing fetched; unusable events are refused", async () => {
	const world = await realtimeWorld();
	const topic = createTopicRecord();
	const failed = signInRecord("Failure");
	const quiet = [signInRecord("Success"), record()];
	const deep = createTopicRecord({ requestParameters: nested(20) });
	const send = (body) => sendMessage(aws, world.queue.url, body);

	await send(cloudTrailEvent(topic));
	await send(cloudTrailEvent(failed));
	for (const r of quiet)
		await send(cloudTrailEvent(r));
	const refused = {
		// Not a CloudTrail event at all.
		ec2: await send(JSON.stringify({ version: "0", id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
			"detail-type": "EC2 Instance State-change Notification", source: "aws.ec2", account: "000000000000",
			time: new Date().toISOString(), region: "us-east-1", resources: [],
			detail: { "instance-id": "i-1234567890abcdef0", state: "terminated" } })),
		// A pattern on detail-type would see something else than the event says.
		mismatch: await send(cloudTrailEvent(createTopicRecord(), { "detail-type": "AWS Console Sign In via CloudTrail" })),
		// The record stream's limits hold for events as for logs.
		deep: await send(cloudTrailEvent(deep)),
	};

	const run = await runOnce(aws, world, { env: { CTALERTD_STATE_PATH: join(world.dir, "state.db") } });
	assert.equal(run.code, 3, run.stderr); // --once: some messages failed
	const alerts = await receiveAll(aws, world.observer.url, { expect: 2, timeoutMs: 20000 });
	alerts.push(...await receiveAll(aws, world.observer.url, { timeoutMs: 1000 })); // any more
	const counts = alertCounts(alerts);
	assert.equal(counts.get(topic.eventID), 1, run.stderr.slice(-3000));
	assert.equal(counts.get(failed.eventID), 1, "the EventBridge pattern matched the event");
	for (const r of [...quiet, deep])
		assert.equal(counts.get(r.eventID), undefined, `${r.eventName} alerted`);
	assert.equal(counts.size, 2);
	for (const body of alerts.map((m) => JSON.parse(m.Body))) {
		assert.deepEqual(body.log, { bucket: null, key: null }, "no log object");
		assert.equal(body.record.eventID, body.eventID);
	}
	const signInAlert = alerts.map((m) => JSON.parse(m.Body)).find((b) => b.eventID === failed.eventID);
	assert.equal(signInAlert.rule, "console-sign-in-failed");
	assert.equal(signInAlert.severity, "high");
	assert.equal(aws.requestLog.count({ operation: "GetObject" }), 0, "an event was fetched");
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });

	// Each refused message: one error line naming it and saying why, then deleted.
	const lines = logLines(run.stderr);
	const why = {
		ec2: /detail-type "EC2 Instance State-change Notification" from source "aws.ec2" is neither a CloudTrail event/,
		mismatch: /detail\.eventType: "AwsApiCall" is not what detail-type "AWS Console Sign In via CloudTrail" says/,
		deep: /EventBridge event in message \S+: JSON nested deeper than 16 levels at byte \d+/,
	};
	for (const [what, id] of Object.entries(refused)) {
		const fate = lines.filter((l) => l.message_id === id && l.level === "error");
		assert.equal(fate.length, 1, `${what}: ${JSON.stringify(fate)}`);
		assert.match(fate[0].msg, new RegExp(`^message ${id} is poison after 1 receives, deleting it: `));
		assert.match(fate[0].msg, why[what]);
	}
	const sums = emfSums(run.stderr);
	assert.equal(sums.EventsReceived, 5, "events received (the refused EC2 and mismatched ones are not)");
	assert.equal(sums.MessagesReceived, 7);
	assert.equal(sums.MessagesDeleted, 7);
	assert.equal(sums.MessagesPoisoned, 3);
	assert.equal(sums.ObjectsScanned, 0);
	assert.equal(sums.AlertsPublished, 2);
});

test("an event that arrives both ways, by EventBridge and in a log, alerts once", async () => {
	const world = await realtimeWorld();
	const env = { CTALERTD_STATE_PATH: join(world.dir, "state.db") };
	const first = createTopicRecord(); // by EventBridge first, then in a log
	const later = createTopicRecord(); // in a log first, then by EventBridge
	const signIn = signInRecord("Failure"); // the EventBridge pattern, by EventBridge first
	await sendMessage(aws, world.queue.url, cloudTrailEvent(first));
	await sendMessage(aws, world.queue.url, cloudTrailEvent(signIn));
	await announce(aws, world, [record(), later]);
	let run = await runOnce(aws, world, { env });
	assert.equal(run.code, 0, run.stderr);
	const ids = [first.eventID, later.eventID, signIn.eventID];
	const counts = await collectAlerts(aws, world, ids, { settleMs: 500 });
	assert.deepEqual(ids.map((id) => counts.get(id)), [1, 1, 1], run.stderr.slice(-3000));

	// The other way round, read by a new process; one new event among them.
	const fresh = createTopicRecord();
	await announce(aws, world, [first, record(), signIn]);
	await sendMessage(aws, world.queue.url, cloudTrailEvent(later));
	await sendMessage(aws, world.queue.url, cloudTrailEvent(fresh));
	run = await runOnce(aws, world, { env });
	assert.equal(run.code, 0, run.stderr);
	await collectAlerts(aws, world, [fresh.eventID], { settleMs: 1500, counts });
	assert.deepEqual(ids.map((id) => counts.get(id)), [1, 1, 1], "alerted again");
	assert.equal(counts.get(fresh.eventID), 1);
	assert.equal(aws.requestLog.count({ operation: "GetObject", status: 200 }), 2, "a log was not read");
	const sums = emfSums(run.stderr);
	assert.equal(sums.AlertsDuplicate, 3, "the store held first, later and the sign-in");
	assert.equal(sums.AlertsPublished, 1);
	assert.equal(sums.EventsReceived, 2);
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
});
