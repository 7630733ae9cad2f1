// Effectively-once alerts with the sqlite state store: an (eventID, rule)
// pair SNS accepted is recorded, so a message received again, the same
// event in two log files, or a restart after kill -9 does not alert again.
// What is left is the moment between SNS accepting an alert and the store
// recording it: with one worker, a kill can repeat at most one alert. The
// same holds for three instances sharing one DynamoDB table. A FIFO topic
// closes that moment too: a repeat carries the same MessageDeduplicationId,
// and none reaches the subscriber.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createQueue, createStateTable, dynamodb, queueDepth, s3EventNotification, sendMessage } from "../harness/lib.mjs";
import { publishedEntries, startRecorder, subscribeQueue } from "./shapes_world.mjs";
import { announce, announceMany, collectAlerts, createTopicRecord, logLines, makeWorld, record, rewriteConfig,
	runOnce, startDaemon, track, useLocalAws, waitUntil } from "./world.mjs";

const aws = useLocalAws();

function storeEnv(world) {
	return { CTALERTD_STATE_PATH: join(world.dir, "state.db") };
}

test("a message received again, and the same event in a second log file, alert once", async () => {
	const world = await makeWorld(aws);
	const hit = createTopicRecord();
	const obj = await announce(aws, world, [record(), hit]);
	const env = storeEnv(world);
	let run = await runOnce(aws, world, { env });
	assert.equal(run.code, 0, run.stderr);
	const counts = await collectAlerts(aws, world, [hit.eventID], { settleMs: 500 });
	assert.equal(counts.get(hit.eventID), 1);

	// The same notification again (as after a visibility lapse), and the
	// same event in another object, each read by a new process.
	await sendMessage(aws, world.queue.url, s3EventNotification(obj));
	await announce(aws, world, [hit, record()]);
	run = await runOnce(aws, world, { env });
	assert.equal(run.code, 0, run.stderr);
	await collectAlerts(aws, world, [], { settleMs: 1500, counts });
	assert.equal(counts.get(hit.eventID), 1, "alerted again");
	assert.equal(aws.requestLog.count({ operation: "GetObject", status: 200 }), 3, "an object was not read");
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
	const lines = logLines(run.stderr);
	assert.ok(!lines.some((l) => /state store/.test(l.msg) && l.level === "warning"), run.stderr);
});

/** 300 objects of one CreateTopic call each; their eventIDs. */
async function announce300(world) {
	const ids = [];
	const logs = [];
	for (let i = 0; i < 300; i++) {
		const hit = createTopicRecord();
		ids.push(hit.eventID);
		logs.push([record(), hit, record()]);
	}
	await announceMany(aws, world, logs);
	return ids;
}

/** Waits for the observer to hold `more` alerts beyond those in counts. */
async function moreAlerts(world, counts, more, what) {
	const target = counts.size + more;
	await waitUntil(async () => (await collectAlerts(aws, world, [], { settleMs: 200, counts })).size >= target,
		{ timeoutMs: 60000, intervalMs: 0, what });
}

/** After the last start: every alert in, every message deleted, a settle for late ones. */
async function drain(world, ids, counts) {
	await collectAlerts(aws, world, ids, { timeoutMs: 90000, counts });
	await waitUntil(async () => {
		const d = await queueDepth(aws, world.queue.url);
		return d.visible === 0 && d.inFlight === 0;
	}, { timeoutMs: 30000, what: "every message to be deleted" });
	await collectAlerts(aws, world, [], { settleMs: 1500, counts });
}

/** Duplicates allowed: `allowed`, the number of kills (0 with a FIFO topic). */
function verdict(ids, counts, kills, allowed = kills) {
	assert.deepEqual(ids.filter((id) => !counts.has(id)), [], "alerts lost");
	const duplicates = [...counts.values()].reduce((a, n) => a + n - 1, 0);
	console.log(`# ${ids.length} alerts, ${kills} kills, ${duplicates} duplicates`);
	assert.ok(duplicates <= allowed, `${duplicates} duplicates after ${kills} kills`);
}

test("three instances on one DynamoDB table, each killed twice while 300 objects flow", async () => {
	const world = await makeWorld(aws, {
		queueAttributes: { VisibilityTimeout: "6" },
		receive: "visibility_timeout = 6; heartbeat = 2;",
	});
	rewriteConfig(world, { workers: 1, maxInflight: 4, receive: "visibility_timeout = 6; heartbeat = 2;" });
	const table = await createStateTable(aws, `${world.name}-state`);
	const env = { CTALERTD_STATE_BACKEND: "dynamodb", CTALERTD_STATE_TABLE: table };
	const ids = await announce300(world);
	const counts = new Map();
	const start = () => track(startDaemon(aws, world, { env }));
	const instances = [start(), start(), start()];
	let kills = 0;
	for (let round = 0; round < 2; round++)
		for (let i = 0; i < 3; i++) {
			await moreAlerts(world, counts, 15, `15 more alerts before kill ${kills + 1}`);
			instances[i].kill("SIGKILL");
			assert.equal((await instances[i].wait(5000)).signal, "SIGKILL");
			kills++;
			instances[i] = start();
		}
	try {
		await drain(world, ids, counts);
	} finally {
		for (const d of instances) {
			const run = await d.stop("SIGTERM", 15000);
			assert.equal(run.code, 0, run.stderr);
			assert.ok(!logLines(run.stderr).some((l) => /state store/.test(l.msg)), run.stderr);
		}
	}
	verdict(ids, counts, kills);
	// Each alert was asked about, and is recorded in the table.
	assert.ok(aws.requestLog.count({ service: "dynamodb", operation: "GetItem", status: 200 }) >= 300);
	// (The table also holds each scanned log's hash, for CloudTrail's digests: log/.)
	const held = await dynamodb(aws, "Scan", { TableName: table, Select: "COUNT",
		FilterExpression: "begins_with(k, :p)", ExpressionAttributeValues: { ":p": { S: "alert/" } } });
	assert.equal(held.Count, 300, "alerts recorded in the table");
});

test("kill -9 three times while 300 objects flow: every alert arrives, duplicates at most one per kill", async () => {
	const world = await makeWorld(aws, {
		queueAttributes: { VisibilityTimeout: "6" },
		receive: "visibility_timeout = 6; heartbeat = 2;",
	});
	rewriteConfig(world, { workers: 1, receive: "visibility_timeout = 6; heartbeat = 2;" });
	const ids = await announce300(world);
	const env = storeEnv(world);
	const counts = new Map();
	const kills = 3;
	for (let k = 1; k <= kills; k++) {
		const daemon = track(startDaemon(aws, world, { env }));
		await moreAlerts(world, counts, 40, `40 more alerts before kill ${k}`);
		daemon.kill("SIGKILL");
		assert.equal((await daemon.wait(5000)).signal, "SIGKILL");
	}
	const daemon = track(startDaemon(aws, world, { env }));
	try {
		await drain(world, ids, counts);
	} finally {
		const run = await daemon.stop("SIGTERM", 15000);
		assert.equal(run.code, 0, run.stderr);
	}
	verdict(ids, counts, kills);
});

test("with a FIFO topic, kill -9 three times while 300 objects flow: every alert arrives, none twice", async () => {
	const receive = "visibility_timeout = 6; heartbeat = 2;";
	const world = await makeWorld(aws, { topicAttributes: { FifoTopic: "true" }, queueAttributes: { VisibilityTimeout: "6" },
		receive });
	rewriteConfig(world, { workers: 1, receive });
	// The subscriber of a FIFO topic is a FIFO queue (makeWorld makes none).
	const observer = await createQueue(aws, `${world.name}-observer.fifo`, { FifoQueue: "true" });
	await subscribeQueue(aws, world.topic, observer.arn, { raw: true });
	const fifo = { ...world, observer };
	const ids = await announce300(world);
	// SNS calls go through a recorder, to count the alerts published again.
	const recorder = await startRecorder(aws);
	const env = { ...storeEnv(world), AWS_ENDPOINT_URL_SNS: recorder.url };
	const counts = new Map();
	const kills = 3;
	for (let k = 1; k <= kills; k++) {
		const daemon = track(startDaemon(aws, world, { env }));
		await moreAlerts(fifo, counts, 40, `40 more alerts before kill ${k}`);
		daemon.kill("SIGKILL");
		assert.equal((await daemon.wait(5000)).signal, "SIGKILL");
	}
	const daemon = track(startDaemon(aws, world, { env }));
	try {
		await drain(fifo, ids, counts);
	} finally {
		const run = await daemon.stop("SIGTERM", 15000);
		assert.equal(run.code, 0, run.stderr);
		await recorder.stop();
	}
	verdict(ids, counts, kills, 0);
	// What a kill made the daemon publish again went with the same id.
	const sent = publishedEntries(recorder);
	const ids2 = new Set(sent.map((e) => e.dedupId));
	assert.equal(ids2.size, ids.length, "one deduplication id per (eventID, rule)");
	console.log(`# ${sent.length - ids2.size} alerts published again after the kills, dropped by the FIFO topic`);
});
