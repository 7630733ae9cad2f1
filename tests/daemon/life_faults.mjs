// Faults during a run: SQS throttling on ReceiveMessage and
// DeleteMessageBatch, a lost ReceiveMessage answer, S3 503 SlowDown, 500s and
// connection resets before and in the middle of GetObject bodies, SNS
// throttling and 500s on PublishBatch, per-entry batch failures. Every
// expected alert is delivered and every message deleted; an object that
// fails more often than the client retries goes back to the queue with a
// backoff and is processed when it shows again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { queueDepth } from "../harness/lib.mjs";
import { announce, announceMany, collectAlerts, createTopicRecord, logLines, makeWorld, record,
	startDaemon, track, useLocalAws, waitUntil } from "./world.mjs";

const aws = useLocalAws({ reset: false });

const OBJECTS = 30;

/** The warnings and errors of a run, for a failure's message. */
function warnings(stderr) {
	return logLines(stderr).filter((l) => l.level === "warning" || l.level === "error")
		.map((l) => `${l.time} ${l.msg.slice(0, 300)}`).join("\n");
}

/** The faults, spread out (skip) so that the client's retries absorb each one. */
function addFaults(stubborn) {
	const f = (rule) => ({ rule, id: aws.faults.add(rule) });
	return [
		// SQS: a receive fails three attempts in a row (the loop backs off),
		// one receive's answer is lost after SQS handed out the messages.
		f({ service: "sqs", operation: "ReceiveMessage", kind: "throttle", count: 3 }),
		f({ service: "sqs", operation: "ReceiveMessage", kind: "throttle", count: 1, skip: 3 }),
		f({ service: "sqs", operation: "ReceiveMessage", kind: "reset-before", afterUpstream: true, count: 1, skip: 4 }),
		f({ service: "sqs", operation: "DeleteMessageBatch", kind: "throttle", count: 2 }),
		f({ service: "sqs", operation: "DeleteMessageBatch", kind: "batch-partial", failCount: 1, skip: 1 }),
		f({ service: "sqs", operation: "DeleteMessageBatch", kind: "error500", count: 1, skip: 2 }),
		// S3: one object fails more often than the client retries.
		f({ service: "s3", operation: "GetObject", key: stubborn, kind: "error500", count: 3 }),
		f({ service: "s3", operation: "GetObject", kind: "throttle", count: 1 }),
		f({ service: "s3", operation: "GetObject", kind: "error500", count: 1, skip: 3 }),
		f({ service: "s3", operation: "GetObject", kind: "reset-before", count: 1, skip: 6 }),
		f({ service: "s3", operation: "GetObject", kind: "reset-mid-body", count: 1, skip: 9 }),
		f({ service: "s3", operation: "GetObject", kind: "reset-mid-body", how: "close", count: 1, skip: 12 }),
		f({ service: "s3", operation: "GetObject", kind: "reset-before", afterUpstream: true, count: 1, skip: 15 }),
		f({ service: "s3", operation: "GetObject", kind: "throttle", count: 2, skip: 18 }),
		// SNS.
		f({ service: "sns", operation: "PublishBatch", kind: "throttle", count: 2 }),
		f({ service: "sns", operation: "PublishBatch", kind: "error500", count: 1, skip: 3 }),
		f({ service: "sns", operation: "PublishBatch", kind: "batch-partial", failCount: 1, skip: 5 }),
		f({ service: "sns", operation: "PublishBatch", kind: "reset-before", count: 1, skip: 8 }),
	];
}

test("faults during a run: every alert delivered, every message deleted", async () => {
	const world = await makeWorld(aws, { receive: "visibility_timeout = 10; heartbeat = 3; max_messages = 5;" });
	const ids = [];
	const logs = Array.from({ length: OBJECTS }, (_, i) => {
		const hit = createTopicRecord();
		ids.push(hit.eventID);
		return [record(), hit, ...Array.from({ length: i % 4 }, () => record())];
	});
	await announceMany(aws, world, logs);
	const stubbornHit = createTopicRecord();
	ids.push(stubbornHit.eventID);
	const stubborn = await announce(aws, world, [record(), stubbornHit]);
	aws.requestLog.clear();
	const faults = addFaults(stubborn.key);

	const t0 = Date.now();
	const daemon = track(startDaemon(aws, world));
	let counts;
	try {
		counts = await collectAlerts(aws, world, ids, { timeoutMs: 50000 });
		await waitUntil(async () => (await queueDepth(aws, world.queue.url)).inFlight === 0,
			{ timeoutMs: 10000, intervalMs: 250, what: "the last messages to be deleted" });
	} catch (e) {
		const { stderr, code, signal } = await daemon.stop("SIGTERM", 10000);
		const seen = counts ? counts.size : "?";
		writeFileSync(join(world.dir, "ctalertd.log"), stderr);
		throw new Error(`${e.message}; ${seen} alerts; ctalertd exit ${code ?? signal}; log in ${world.dir}; ` +
			`warnings:\n${warnings(stderr)}`);
	}
	const took = Date.now() - t0;
	const run = await daemon.stop("SIGTERM", 10000);
	assert.equal(run.code, 0, run.stderr);

	const unfired = faults.filter((f) => aws.faults.fired(f.id) === 0).map((f) => JSON.stringify(f.rule));
	assert.deepEqual(unfired, [], "faults that never fired");
	const lost = ids.filter((id) => !counts.has(id));
	assert.deepEqual(lost, [], `alerts lost (of ${ids.length})`);
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });

	const logs2 = logLines(run.stderr);
	// Three failed receives in a row: the waits between them grow.
	const waits = logs2.map((l) => /^receiving from .* failed, next try in ([\d.]+) s/.exec(l.msg)).filter(Boolean)
		.map((m) => Number(m[1]));
	assert.ok(waits.length >= 3, "no receive backoff logged");
	assert.ok(waits[1] >= waits[0] && waits[2] >= waits[1] && waits[2] > waits[0], `receive backoffs ${waits}`);
	// The stubborn object went back with a backoff and came again.
	const back = logs2.find((l) => l.message_id === stubborn.messageId && /given back for \d+ s/.test(l.msg));
	assert.ok(back, "the stubborn message was not given back");
	assert.match(back.msg, /InternalError/);
	assert.equal(aws.requestLog.count({ operation: "GetObject", key: stubborn.key, status: 200 }), 1);
	// Mid-body drops were resumed where they stopped, not read again.
	const ranged = aws.requestLog.match({ operation: "GetObject" }).filter((e) => e.headers.range);
	assert.ok(ranged.length >= 2, "no GetObject resumed with a Range");
	console.log(`# ${ids.length} alerts (${[...counts.values()].filter((n) => n > 1).length} duplicated) in ${took} ms`);
});

test("a receive that keeps failing the same way is explained once, then counted", async () => {
	const world = await makeWorld(aws);
	const fault = aws.faults.add({ service: "sqs", operation: "ReceiveMessage", kind: "status", status: 403,
		code: "AccessDenied", message: "User is not authorized to perform sqs:ReceiveMessage", count: 3 });
	const daemon = track(startDaemon(aws, world));
	let run;
	try {
		await daemon.waitForOutput(/works again after 3 failures/, 20000);
	} finally {
		run = await daemon.stop("SIGTERM", 10000);
	}
	assert.equal(run.code, 0, run.stderr);
	assert.equal(aws.faults.fired(fault), 3);
	const lines = logLines(run.stderr).map((l) => l.msg);
	const explained = lines.filter((m) => m.includes("not authorized to perform sqs:ReceiveMessage"));
	assert.equal(explained.length, 1, `explained ${explained.length} times:\n${warnings(run.stderr)}`);
	assert.match(explained[0], /^receiving from \S+ failed, next try in [\d.]+ s: sqs ReceiveMessage: HTTP 403 AccessDenied/);
	for (const n of [2, 3])
		assert.ok(lines.some((m) => new RegExp(`failed, next try in [\\d.]+ s: AccessDenied again \\(${n} in a row, explained above\\)$`).test(m)),
			`failure ${n}:\n${warnings(run.stderr)}`);
	assert.ok(lines.some((m) => /works again after 3 failures$/.test(m)));
});
