// Health: GET /healthz and /readyz on the metrics listener, and `ctalertd
// check --health`, against a running daemon. Healthy and ready while it
// receives; unhealthy once receives have failed for longer than
// metrics.max_receive_age, and healthy again after one succeeds; a stopped
// process fails the check by not answering; on SIGTERM it stays alive but
// is not ready while the object in hand finishes. Without a listener the
// check fails and says why. Exit statuses are 0 or 1, as HEALTHCHECK wants.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startLocalAws } from "../harness/local-aws.mjs";
import { cloudTrailKey, runProgram } from "../harness/lib.mjs";
import { announce, CTALERTD, createTopicRecord, makeWorld, startDaemon } from "./world.mjs";
import { freePort, until } from "../ops/container.mjs";

const builddir = process.env.top_builddir ?? ".";
const withMetrics = /^#define HAVE_MICROHTTPD 1/m.test(readFileSync(join(builddir, "config.h"), "utf8"));
const skip = !withMetrics && "built without libmicrohttpd";

let aws;
let daemon;
before(async () => { aws = await startLocalAws(); });
after(async () => {
	if (daemon) await daemon.stop("SIGKILL", 2000).catch(() => {});
	await aws.stop();
});

async function get(url) {
	try {
		const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
		return { status: res.status, text: await res.text() };
	} catch (e) {
		return { status: 0, text: String(e) };
	}
}

test("/healthz, /readyz and check --health follow the receives, the loop and the stop", { skip, timeout: 240000 }, async () => {
	const port = await freePort();
	const listen = `127.0.0.1:${port}`;
	const world = await makeWorld(aws, { extra: `metrics = { listen = "${listen}"; max_receive_age = "10s"; };` });
	const health = () => runProgram(aws, CTALERTD, ["check", "--health", "-c", world.conf], { timeoutMs: 30000 });
	daemon = startDaemon(aws, world);
	const base = `http://${listen}`;

	// Healthy and ready once started.
	await until(async () => (await get(`${base}/readyz`)).status === 200, "/readyz 200", 20000);
	assert.deepEqual(await get(`${base}/healthz`), { status: 200, text: "ok\n" });
	assert.deepEqual(await get(`${base}/readyz`), { status: 200, text: "ok\n" });
	let h = await health();
	assert.equal(h.code, 0, h.stdout + h.stderr);
	assert.equal(h.stdout, `${base}/healthz: 200 ok\n`);

	// ReceiveMessage keeps failing: unhealthy after max_receive_age (10 s).
	const failing = aws.faults.add({ service: "sqs", operation: "ReceiveMessage", kind: "error500", count: "always" });
	const t0 = Date.now();
	const down = await until(async () => {
		const r = await get(`${base}/healthz`);
		return r.status === 503 && r;
	}, "/healthz 503", 40000, 250);
	const took = (Date.now() - t0) / 1000;
	assert.ok(took >= 9, `unhealthy after only ${took} s`);
	assert.match(down.text, /^unhealthy: no receive from the queue has succeeded for \d+ s while one was due \(metrics\.max_receive_age 10 s\)\n$/);
	assert.equal((await get(`${base}/readyz`)).status, 503);
	h = await health();
	assert.equal(h.code, 1, h.stdout + h.stderr);
	assert.match(h.stdout, new RegExp(`^${base}/healthz: 503 unhealthy: no receive from the queue has succeeded`));
	assert.ok(aws.faults.fired(failing) > 0);

	// One receive succeeds: healthy again (after the poller's backoff).
	aws.faults.remove(failing);
	await until(async () => (await get(`${base}/healthz`)).status === 200, "/healthz 200 again", 90000, 500);
	assert.equal((await health()).code, 0);

	// A stopped process answers nothing: the check fails within its timeout.
	process.kill(daemon.pid, "SIGSTOP");
	try {
		const t1 = Date.now();
		h = await health();
		assert.equal(h.code, 1, h.stdout + h.stderr);
		assert.match(h.stdout, /^unhealthy: http:\/\/127\.0\.0\.1:\d+\/healthz: Timeout was reached/);
		assert.ok(Date.now() - t1 < 15000, "the check took too long");
	} finally {
		process.kill(daemon.pid, "SIGCONT");
	}
	await until(async () => (await get(`${base}/healthz`)).status === 200, "/healthz 200 after SIGCONT", 40000, 250);

	// SIGTERM with an object in hand: alive, not ready, until it is done.
	const key = cloudTrailKey();
	aws.faults.add({ service: "s3", operation: "GetObject", key, kind: "slow", delayMs: 3000 });
	await announce(aws, world, [createTopicRecord()], { key });
	await until(() => aws.requestLog.match({ operation: "GetObject", key }).length > 0, "the slow GetObject", 15000, 50);
	daemon.child.kill("SIGTERM");
	await until(async () => (await get(`${base}/readyz`)).status === 503, "/readyz 503 while stopping", 5000, 50);
	assert.deepEqual(await get(`${base}/readyz`), { status: 503, text: "unhealthy: stopping: finishing the work in hand\n" });
	assert.deepEqual(await get(`${base}/healthz`), { status: 200, text: "ok\n" });
	const end = await daemon.wait(60000);
	assert.equal(end.code, 0, daemon.output().stderr);
	daemon = null;

	// Nothing listening any more: not answering is unhealthy.
	h = await health();
	assert.equal(h.code, 1);
	assert.match(h.stdout, /^unhealthy: http:\/\/127\.0\.0\.1:\d+\/healthz: Couldn't connect to server/);
});

test("check --health without a metrics listener fails and says why", async () => {
	const world = await makeWorld(aws);
	const h = await runProgram(aws, CTALERTD, ["check", "--health", "-c", world.conf], { timeoutMs: 30000 });
	assert.equal(h.code, 1, h.stdout + h.stderr);
	assert.match(h.stdout, /^unhealthy: metrics\.listen \(or CTALERTD_METRICS_LISTEN\) is not set/);
	// The environment names it, as in the container image.
	const port = await freePort();
	const env = await runProgram(aws, CTALERTD, ["check", "--health", "-c", world.conf],
		{ timeoutMs: 30000, env: { CTALERTD_METRICS_LISTEN: `127.0.0.1:${port}` } });
	assert.equal(env.code, 1);
	assert.match(env.stdout, new RegExp(`^unhealthy: http://127\\.0\\.0\\.1:${port}/healthz: Couldn't connect to server`));
	writeFileSync(world.conf, "this is not a configuration\n");
	const bad = await runProgram(aws, CTALERTD, ["check", "--health", "-c", world.conf], { timeoutMs: 30000 });
	assert.equal(bad.code, 1, "exit 2 is reserved by HEALTHCHECK");
	assert.match(bad.stdout, /^unhealthy: /);
});
