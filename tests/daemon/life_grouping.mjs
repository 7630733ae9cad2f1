// Grouping, thresholds and suppression end to end: the daemon on the local
// AWS with its SQLite store, alerts read from the topic's subscriber queue,
// and `ctalertd suppress` run beside the daemon on the same store.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { queueDepth, receiveAll, startProgram } from "../harness/lib.mjs";
import { announce, CTALERTD, makeWorld, record, startDaemon, track, useLocalAws, waitUntil } from "./world.mjs";

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

function denied(arn, over = {}) {
	return record({ errorCode: "AccessDenied", eventName: "GetObject", eventSource: "s3.amazonaws.com",
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
