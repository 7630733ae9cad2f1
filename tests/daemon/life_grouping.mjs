// Grouping, thresholds and suppression end to end: the daemon on the local
// AWS with its SQLite store, alerts read from the topic's subscriber queue,
// and `ctalertd suppress` run beside the daemon on the same store.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createStateTable, queueDepth, receiveAll, startProgram } from "../harness/lib.mjs";
import { announce, CTALERTD, makeWorld, record, rewriteConfig, startDaemon, track, useLocalAws, waitUntil } from "./world.mjs";

const aws = useLocalAws({ reset: false });

const RULES = `{
		name = "denied";
		severity = "low";
		pattern = { errorCode = [ "AccessDenied" ]; };
		group_by = [ "userIdentity.arn" ];
		window = "10s";
	}, {
		name = "brute";
		severity = "high";
		pattern = { eventName = [ "ConsoleLogin" ]; };
		group_by = "sourceIPAddress";
		window = "1h";
		threshold = 3;
	}`;

/** One eventTime for the records of a test, inside the next ten-second
 * window: a window never splits them, and it closes 10 to 20 s from now,
 * after they all arrived. */
let when;
function nextWindow() {
	when = new Date(Math.floor(Date.now() / 10000) * 10000 + 15000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function denied(arn, over = {}) {
	return record({ eventTime: when, errorCode: "AccessDenied", eventName: "GetObject", eventSource: "s3.amazonaws.com",
		userIdentity: { type: "IAMUser", arn, accountId: "000000000000", principalId: "AIDA" }, ...over });
}

function login(ip) {
	return record({ eventName: "ConsoleLogin", eventSource: "signin.amazonaws.com", sourceIPAddress: ip });
}

async function grouped(world) {
	const conf = readFileSync(world.conf, "utf8").replace(/alerts = \{ ([^}]*)\};/, "alerts = { $1 lateness = \"0s\"; };");
	writeFileSync(world.conf, `${conf}\nstate = { backend = "sqlite"; path = "${join(world.dir, "state.db")}"; };\n`);
}

const bodies = (msgs) => msgs.map((m) => JSON.parse(m.Body));

test("a window alerts once per group, then one summary; a threshold alerts at its count; a suppressed group is quiet",
	{ timeout: 120000 }, async () => {
		const world = await makeWorld(aws, { rules: RULES });
		await grouped(world);
		nextWindow();
		const a = "arn:aws:iam::000000000000:user/a", b = "arn:aws:iam::000000000000:user/b";
		const aRecs = [denied(a), denied(a), denied(a), denied(a)];
		await announce(aws, world, [record(), ...aRecs, denied(b), login("192.0.2.9"), login("192.0.2.9")]);
		const daemon = track(startDaemon(aws, world));

		// At once: the first match of each group, carrying its window.
		const first = bodies(await receiveAll(aws, world.observer.url, { expect: 2, timeoutMs: 15000 }));
		assert.deepEqual(first.map((x) => x.userIdentity.arn).sort(), [a, b]);
		for (const x of first) {
			assert.equal(x.rule, "denied");
			assert.equal(x.aggregate.kind, "window");
			assert.equal(x.aggregate.window, "10s");
			assert.deepEqual(Object.keys(x.aggregate.group), ["userIdentity.arn"]);
		}
		assert.equal(first.find((x) => x.userIdentity.arn === a).eventID, aRecs[0].eventID);

		// Two sign-ins are below the threshold; the third alerts, once.
		await announce(aws, world, [login("192.0.2.9"), login("192.0.2.9"), login("203.0.113.5")]);
		const threshold = bodies(await receiveAll(aws, world.observer.url, { expect: 1, timeoutMs: 15000 }));
		assert.equal(threshold.length, 1);
		assert.equal(threshold[0].rule, "brute");
		assert.deepEqual(threshold[0].aggregate.group, { sourceIPAddress: "192.0.2.9" });
		assert.equal(threshold[0].aggregate.kind, "threshold");
		assert.equal(threshold[0].aggregate.count, 3);
		assert.equal(threshold[0].aggregate.threshold, 3);

		// The window closes (10 s, no lateness) and a's three others come as one summary.
		const summary = bodies(await receiveAll(aws, world.observer.url, { expect: 1, timeoutMs: 45000 }));
		assert.equal(summary.length, 1);
		assert.equal(summary[0].kind, "summary");
		assert.equal(summary[0].rule, "denied");
		assert.equal(summary[0].record, undefined);
		assert.equal(summary[0].aggregate.count, 3);
		assert.deepEqual(summary[0].aggregate.group, { "userIdentity.arn": a });
		assert.deepEqual([...summary[0].aggregate.eventIDs].sort(), aRecs.slice(1).map((r) => r.eventID).sort());

		// An operator silences c's group beside the running daemon; d still alerts.
		nextWindow();
		const c = "arn:aws:iam::000000000000:user/c", d = "arn:aws:iam::000000000000:user/d";
		const sup = await startProgram(aws, CTALERTD,
			["suppress", "-c", world.conf, "denied", `userIdentity.arn=${c}`, "--for", "1h"]).wait(20000);
		assert.equal(sup.code, 0, sup.stderr);
		assert.match(sup.stdout, /^suppressed denied \(one group\) in .*state\.db until \d{4}-/);
		await announce(aws, world, [denied(c), denied(c), denied(d)]);
		const after = bodies(await receiveAll(aws, world.observer.url, { expect: 1, timeoutMs: 15000, settleMs: 3000 }));
		assert.deepEqual(after.map((x) => x.userIdentity.arn), [d]);
		await waitUntil(async () => (await queueDepth(aws, world.queue.url)).inFlight === 0 &&
			(await queueDepth(aws, world.queue.url)).visible === 0, { what: "every message deleted", timeoutMs: 15000 });

		// The counters say what became of each match.
		daemon.kill("SIGUSR1");
		await daemon.waitForOutput(/alerts published 5, duplicates 0, failed 0, grouped 7, suppressed 2;/, 5000);
		daemon.kill("SIGTERM");
		const run = await daemon.wait(20000);
		assert.equal(run.code, 0, run.stderr);
	});

test("suppress refuses what cannot work, naming it", { timeout: 60000 }, async () => {
	const world = await makeWorld(aws, { rules: RULES });
	await grouped(world);
	const run = (args) => startProgram(aws, CTALERTD, ["suppress", "-c", world.conf, ...args]).wait(20000);
	let r = await run(["nope", "--for", "1h"]);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /no rule nope in the configuration/);
	r = await run(["denied", "sourceIPAddress=1", "--for", "1h"]);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /no value for group_by field userIdentity\.arn of rule denied/);
	r = await run(["denied", "--for", "1h", "--lift"]);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /give one of --for, --until or --lift/);
	r = await run(["denied", "--lift"]);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stdout, /^lifted the suppression of denied in /);
	// A daemon that keeps its store in memory cannot be reached.
	writeFileSync(world.conf, readFileSync(world.conf, "utf8").replace(/\nstate = .*\n/, '\nstate = { backend = "memory"; };\n'));
	r = await run(["denied", "--for", "1h"]);
	assert.equal(r.code, 1);
	assert.match(r.stderr, /state store is memory .* a suppression cannot reach it/);
});

test("a Sigma correlation alerts once its count is reached; the rule it counts stays quiet", { timeout: 60000 }, async () => {
	const world = await makeWorld(aws, { rules: "", extra: 'rules_dir = "rules.d";' });
	mkdirSync(join(world.dir, "rules.d"));
	writeFileSync(join(world.dir, "rules.d", "signin.yml"), `title: Failed console sign-in
name: failed_signin
logsource:
  product: aws
  service: cloudtrail
detection:
  sel:
    eventName: ConsoleLogin
    responseElements.ConsoleLogin: Failure
  condition: sel
level: low
---
title: Failed sign-ins from one address
correlation:
  type: event_count
  rules: failed_signin
  group-by: sourceIPAddress
  timespan: 10m
  condition:
    gte: 3
level: high
`);
	await grouped(world);
	const failed = (ip) => record({ eventName: "ConsoleLogin", eventSource: "signin.amazonaws.com", sourceIPAddress: ip,
		responseElements: { ConsoleLogin: "Failure" } });
	const recs = [failed("192.0.2.7"), failed("192.0.2.7"), failed("198.51.100.3"), failed("192.0.2.7"), failed("192.0.2.7")];
	await announce(aws, world, recs);
	const daemon = track(startDaemon(aws, world));
	const got = bodies(await receiveAll(aws, world.observer.url, { expect: 1, timeoutMs: 15000, settleMs: 3000 }));
	assert.equal(got.length, 1);
	assert.equal(got[0].rule, "signin-2");
	assert.equal(got[0].severity, "high");
	assert.equal(got[0].description, "Failed sign-ins from one address");
	assert.equal(got[0].eventID, recs[3].eventID);
	assert.deepEqual(got[0].aggregate, { kind: "threshold", window: "10m", threshold: 3, count: 3,
		group: { sourceIPAddress: "192.0.2.7" } });
	daemon.kill("SIGTERM");
	assert.equal((await daemon.wait(20000)).code, 0);
});

test("two instances on one DynamoDB table: one first alert, one threshold and one summary with every match counted",
	{ timeout: 120000 }, async () => {
		const world = await makeWorld(aws, { rules: RULES });
		rewriteConfig(world, { workers: 1, rules: RULES });
		const conf = readFileSync(world.conf, "utf8").replace(/alerts = \{ ([^}]*)\};/, "alerts = { $1 lateness = \"0s\"; };");
		writeFileSync(world.conf, conf);
		const table = await createStateTable(aws, `${world.name}-state`);
		const env = { CTALERTD_STATE_BACKEND: "dynamodb", CTALERTD_STATE_TABLE: table };
		const a = "arn:aws:iam::000000000000:user/shared";
		nextWindow();
		// Twelve objects of one match each, and three of a sign-in each: the
		// instances take them as they come, in parallel.
		const matches = Array.from({ length: 12 }, () => denied(a));
		const daemons = [track(startDaemon(aws, world, { env })), track(startDaemon(aws, world, { env }))];
		await Promise.all([...matches.map((m) => announce(aws, world, [m])),
			...Array.from({ length: 3 }, () => announce(aws, world, [login("203.0.113.77")]))]);
		const got = bodies(await receiveAll(aws, world.observer.url, { expect: 3, timeoutMs: 60000, settleMs: 3000 }));
		const first = got.filter((x) => x.aggregate?.kind === "window");
		const threshold = got.filter((x) => x.aggregate?.kind === "threshold");
		const summary = got.filter((x) => x.kind === "summary");
		assert.equal(first.length, 1, JSON.stringify(got));
		assert.equal(threshold.length, 1, JSON.stringify(got));
		assert.equal(summary.length, 1, JSON.stringify(got));
		assert.equal(1 + summary[0].aggregate.count, 12);
		assert.equal(threshold[0].aggregate.count, 3);
		for (const d of daemons) {
			const run = await d.stop("SIGTERM", 15000);
			assert.equal(run.code, 0, run.stderr);
		}
	});
