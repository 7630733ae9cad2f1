// systemd integration, observed on a test NOTIFY_SOCKET: READY=1 only once
// the queue answered, STATUS= with counters, STOPPING=1 on SIGTERM,
// RELOADING=1 then READY=1 on SIGHUP, WATCHDOG=1 when the watchdog is on.
// SIGHUP with a bad configuration keeps the rules in force; with a new rule
// the rule applies. SIGUSR1 logs the counters.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { startLocalAws } from "../harness/local-aws.mjs";
import { receiveAll, startProgram } from "../harness/lib.mjs";
import { announce, createTopicRecord, CTALERTD, logLines, makeWorld, record, startDaemon,
	stopTracked, track, waitUntil, writeConfig } from "./world.mjs";

const builddir = process.env.top_builddir ?? dirname(CTALERTD);
const LISTENER = join(builddir, "tests/daemon/life_notify_listen");

const RULE_SNS = `{
		name = "sns-create-topic";
		description = "Someone created an SNS topic";
		severity = "medium";
		pattern = { eventSource = ["sns.amazonaws.com"]; eventName = ["CreateTopic"]; };
	}`;
const RULE_LIST_BUCKETS = `{
		name = "list-buckets";
		severity = "low";
		pattern = { eventSource = ["s3.amazonaws.com"]; eventName = ["ListBuckets"]; };
	}`;

let aws;
before(async () => { aws = await startLocalAws(); });
after(async () => {
	await stopTracked();
	for (const l of listeners)
		l.stop();
	await aws.stop();
});
beforeEach(() => aws.reset());

const listeners = new Set();

/** A notification socket in dir: {path, messages: [{at, pid, text}], waitFor(re, ms), stop()}. */
async function listen(dir) {
	const path = join(dir, "notify.sock");
	const child = spawn(LISTENER, [path], { stdio: ["pipe", "pipe", "inherit"] });
	const stop = () => {
		listeners.delete(handle);
		child.stdin.end();
	};
	const handle = { stop };
	listeners.add(handle);
	const messages = [];
	const waiters = new Set();
	let buffered = "";
	let ready;
	const listening = new Promise((resolve, reject) => {
		ready = resolve;
		child.on("error", reject);
		child.on("exit", (code) => reject(new Error(`the notify listener exited (${code})`)));
	});
	child.stdout.on("data", (chunk) => {
		buffered += chunk;
		let nl;
		while ((nl = buffered.indexOf("\n")) >= 0) {
			const line = buffered.slice(0, nl);
			buffered = buffered.slice(nl + 1);
			if (line === "listening") {
				ready();
				continue;
			}
			const sp = line.indexOf(" ");
			const text = line.slice(sp + 1).replace(/\\(n|\\)/g, (_, c) => (c === "n" ? "\n" : "\\"));
			messages.push({ at: Date.now(), pid: Number(line.slice(0, sp)), text });
			for (const w of waiters)
				w();
		}
	});
	await listening;
	return {
		path,
		messages,
		/** The first message (at or after index `from`) matching re; rejects after ms. */
		waitFor(re, ms = 10000, from = 0) {
			return new Promise((resolve, reject) => {
				const check = () => {
					const m = messages.slice(from).find((x) => re.test(x.text));
					if (m) {
						waiters.delete(check);
						clearTimeout(timer);
						resolve(m);
					}
				};
				const timer = setTimeout(() => {
					waiters.delete(check);
					reject(new Error(`no notification matching ${re} within ${ms} ms; got:\n${messages.map((x) => x.text).join("\n")}`));
				}, ms);
				waiters.add(check);
				check();
			});
		},
		stop,
	};
}

test("READY=1 after the queue answered; STATUS= with counters; STOPPING=1 on SIGTERM", async () => {
	const world = await makeWorld(aws);
	const sock = await listen(world.dir);
	aws.faults.add({ service: "sqs", operation: "GetQueueAttributes", kind: "slow", delayMs: 2000 });
	const daemon = track(startDaemon(aws, world, { env: { NOTIFY_SOCKET: sock.path } }));
	try {
		const asked = await waitUntil(() => aws.requestLog.match({ operation: "GetQueueAttributes" })[0],
			{ what: "GetQueueAttributes" });
		const askedAt = Date.parse(asked.time);
		await new Promise((r) => setTimeout(r, 1000));
		assert.equal(sock.messages.filter((m) => m.text === "READY=1").length, 0, "READY=1 before the queue answered");
		const ready = await sock.waitFor(/^READY=1$/, 5000);
		assert.ok(ready.at - askedAt >= 1900, `READY=1 came ${ready.at - askedAt} ms after the question, before the answer`);
		assert.equal(ready.pid, daemon.pid);
		const firstReceive = await waitUntil(() => aws.requestLog.match({ operation: "ReceiveMessage" })[0],
			{ what: "the first long poll" });
		assert.ok(Date.parse(firstReceive.time) - askedAt >= 1900, "polled before the queue answered");

		const hit = createTopicRecord();
		await announce(aws, world, [record(), hit, record()]);
		await receiveAll(aws, world.observer.url, { expect: 1, timeoutMs: 10000 });
		const status = await sock.waitFor(/^STATUS=messages 1, objects 1, records 3, alerts 1, in flight 0$/, 7000);
		assert.equal(status.pid, daemon.pid);
		const first = sock.messages.findIndex((m) => m.text.startsWith("STATUS="));
		assert.ok(first > sock.messages.indexOf(ready), "STATUS= before READY=1");

		daemon.kill("SIGTERM");
		await sock.waitFor(/^STOPPING=1$/, 5000);
	} finally {
		const run = await daemon.stop("SIGTERM", 10000);
		sock.stop();
		assert.equal(run.code, 0, run.stderr);
	}
});

test("SIGHUP: a bad configuration keeps the rules in force; a new rule applies", async () => {
	const world = await makeWorld(aws);
	const sock = await listen(world.dir);
	const daemon = track(startDaemon(aws, world, { env: { NOTIFY_SOCKET: sock.path } }));
	try {
		await sock.waitFor(/^READY=1$/, 10000);

		// A bad file: an unknown option on a known line.
		writeConfig(world.conf, { queue: world.queue.url, bucket: world.bucket, topic: world.topic,
			extra: "no_such_option = 1;" });
		const badLine = 1 + readLines(world.conf).findIndex((l) => l.startsWith("no_such_option"));
		let from = sock.messages.length;
		daemon.kill("SIGHUP");
		const reloading = await sock.waitFor(/^RELOADING=1\nMONOTONIC_USEC=\d+$/, 5000, from);
		const again = await sock.waitFor(/^READY=1$/, 5000, from);
		assert.ok(sock.messages.indexOf(again) > sock.messages.indexOf(reloading));
		const refused = await daemon.waitForOutput(/"msg":"reload refused, keeping the configuration in force: ([^"]*)"/, 5000);
		assert.match(refused[1], new RegExp(`ctalertd\\.conf:${badLine}: .*no_such_option`));

		// A bad rule: its pattern is not an EventBridge pattern.
		writeConfig(world.conf, { queue: world.queue.url, bucket: world.bucket, topic: world.topic,
			rules: `${RULE_SNS}, { name = "broken"; pattern = { eventName = "CreateTopic"; }; }` });
		const ruleLine = 1 + readLines(world.conf).findIndex((l) => l.includes('name = "broken"'));
		from = sock.messages.length;
		daemon.kill("SIGHUP");
		await sock.waitFor(/^READY=1$/, 5000, from);
		await daemon.waitForOutput(/reload refused.*broken/, 5000);
		const refusedRule = logLines(daemon.output().stderr).filter((l) => /^reload refused/.test(l.msg)).at(-1);
		assert.match(refusedRule.msg, new RegExp(`ctalertd\\.conf:${ruleLine}: rule "broken": .*eventName`));

		// The old rule still works.
		const hit = createTopicRecord();
		await announce(aws, world, [record(), hit]);
		const alerts = await receiveAll(aws, world.observer.url, { expect: 1, timeoutMs: 10000 });
		assert.equal(JSON.parse(alerts[0]?.Body ?? "{}").eventID, hit.eventID, "no alert after a refused reload");

		// A good file with a second rule.
		writeConfig(world.conf, { queue: world.queue.url, bucket: world.bucket, topic: world.topic,
			rules: `${RULE_SNS}, ${RULE_LIST_BUCKETS}` });
		from = sock.messages.length;
		daemon.kill("SIGHUP");
		await sock.waitFor(/^RELOADING=1\n/, 5000, from);
		await sock.waitFor(/^READY=1$/, 5000, from);
		await daemon.waitForOutput(/configuration reloaded: 2 rules/, 5000);
		const list = record({ eventSource: "s3.amazonaws.com", eventName: "ListBuckets" });
		const hit2 = createTopicRecord();
		await announce(aws, world, [list, hit2]);
		const after = await receiveAll(aws, world.observer.url, { expect: 2, timeoutMs: 10000 });
		const byRule = Object.fromEntries(after.map((m) => JSON.parse(m.Body)).map((b) => [b.rule, b.eventID]));
		assert.deepEqual(byRule, { "list-buckets": list.eventID, "sns-create-topic": hit2.eventID });
	} finally {
		const run = await daemon.stop("SIGTERM", 10000);
		sock.stop();
		assert.equal(run.code, 0, run.stderr);
	}
});

test("SIGUSR1 logs the counters", async () => {
	const world = await makeWorld(aws);
	const daemon = track(startDaemon(aws, world));
	try {
		await daemon.waitForOutput(/started: queue/, 10000);
		await announce(aws, world, [record(), createTopicRecord(), record(), record()]);
		await receiveAll(aws, world.observer.url, { expect: 1, timeoutMs: 10000 });
		await waitUntil(() => aws.requestLog.count({ operation: "DeleteMessageBatch", status: 200 }) === 1,
			{ what: "the delete" });
		await new Promise((r) => setTimeout(r, 200));
		daemon.kill("SIGUSR1");
		const m = await daemon.waitForOutput(/"msg":"(counters: [^"]*)"/, 5000);
		assert.match(m[1], /^counters: messages received 1, deleted 1, returned 0, poisoned 0, visibility extended 0, receive errors 0; events 0; objects done 1, skipped 0, failed 0, bytes \d+; records 4, record errors 0, matches 1; alerts published 1, duplicates 0, failed 0, grouped 0, suppressed 0; in flight 0, busy workers 0$/);
	} finally {
		const run = await daemon.stop("SIGTERM", 10000);
		assert.equal(run.code, 0, run.stderr);
	}
});

test("WATCHDOG=1 when the watchdog is on for this process, not for another", async () => {
	const world = await makeWorld(aws);
	const sock = await listen(world.dir);
	// systemd names the watched process in WATCHDOG_PID: a shell that execs
	// ctalertd keeps its pid, so the variable can name it.
	const wrap = (pid) => track(startProgram(aws, "/bin/sh",
		["-c", `WATCHDOG_PID=${pid}; export WATCHDOG_PID; exec "$0" "$@"`, CTALERTD, "run", "-c", world.conf, "--log-target", "json"],
		{ env: { NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: "1000000" } }));
	const daemon = wrap("$$");
	try {
		await sock.waitFor(/^READY=1$/, 10000);
		const from = sock.messages.length;
		await new Promise((r) => setTimeout(r, 2000));
		const pings = sock.messages.slice(from).filter((m) => m.text === "WATCHDOG=1");
		// Every half of WatchdogSec: about four in two seconds.
		assert.ok(pings.length >= 2 && pings.length <= 6, `${pings.length} WATCHDOG=1 in 2 s with WatchdogSec=1s`);
		assert.ok(pings.every((m) => m.pid === daemon.pid));
	} finally {
		const run = await daemon.stop("SIGTERM", 10000);
		assert.equal(run.code, 0, run.stderr);
	}
	const other = wrap("1");
	try {
		const from = sock.messages.length;
		await sock.waitFor(/^READY=1$/, 10000, from);
		await new Promise((r) => setTimeout(r, 1500));
		assert.equal(sock.messages.slice(from).filter((m) => m.text === "WATCHDOG=1").length, 0,
			"WATCHDOG=1 though WATCHDOG_PID names another process");
	} finally {
		const run = await other.stop("SIGTERM", 10000);
		sock.stop();
		assert.equal(run.code, 0, run.stderr);
	}
});

function readLines(path) {
	return readFileSync(path, "utf8").split("\n");
}
