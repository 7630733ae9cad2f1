// The daemon under valgrind against the local AWS: `ctalertd run --once`
// through a queue holding an alerting object and every kind of bad message
// (a truncated object, a missing one, a foreign bucket, a body that is not
// JSON, S3's test event), and a long-running daemon through an alert, a
// reload (SIGHUP) with a new rule, a second alert and SIGTERM, and
// `ctalertd check` passing and failing. valgrind must report no error and no
// leak, and ctalertd must still do its job.
// Skipped without valgrind or when ctalertd is built with sanitizers.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { startLocalAws } from "../harness/local-aws.mjs";
import { queueDepth, receiveAll, s3EventNotification, s3TestEvent, sendMessage, startProgram } from "../harness/lib.mjs";
import { CTALERTD, announce, createTopicRecord, logLines, makeWorld, record } from "../daemon/world.mjs";

const hasValgrind = spawnSync("valgrind", ["--version"]).status === 0;
const sanitized = CTALERTD !== undefined && readFileSync(CTALERTD).includes("__asan_init");
const skip = !hasValgrind ? "valgrind is not installed" : sanitized ? "ctalertd is built with sanitizers" : false;

// valgrind runs ctalertd 20-50 times slower: every wait is generous.
const RUN_MS = 300000;
const STEP_MS = 120000;

let aws;
before(async () => { if (!skip) aws = await startLocalAws(); });
after(async () => { if (aws) await aws.stop(); });

/* Permanent failures are deleted at once, so a run leaves an empty queue. */
const POISON_DELETE = "max_receive_count = 1; action = \"delete\";";

const RULE_LIST_BUCKETS = `{
		name = "s3-list-buckets";
		severity = "low";
		pattern = { eventSource = ["s3.amazonaws.com"]; eventName = ["ListBuckets"]; };
	}`;

/** Starts ctalertd ARGS under valgrind, its report in world.dir/valgrind.PID.log. */
function underValgrind(world, args) {
	return startProgram(aws, "valgrind", ["-q", "--leak-check=full", "--error-exitcode=99",
		"--show-leak-kinds=definite,indirect,possible", `--log-file=${join(world.dir, "valgrind.%p.log")}`,
		CTALERTD, ...args, "-c", world.conf]);
}

/** valgrind's reports: one file per process it ran, empty when it found nothing. */
function valgrindReports(world) {
	return readdirSync(world.dir).filter((f) => /^valgrind\.\d+\.log$/.test(f))
		.map((f) => readFileSync(join(world.dir, f), "utf8"));
}

/** Asserts valgrind ran and found nothing; then removes the world's files. */
function assertClean(world, run) {
	const reports = valgrindReports(world);
	assert.equal(reports.length, 1, `valgrind did not run ctalertd:\n${run.stderr}`);
	assert.equal(reports[0], "", `valgrind found something:\n${reports[0]}`);
	assert.notEqual(run.code, 99, "valgrind's error exit status");
	assert.equal(run.timedOut, false, "ctalertd under valgrind did not finish in time");
	rmSync(world.dir, { recursive: true, force: true });
}

async function alertsFor(world, expect) {
	const msgs = await receiveAll(aws, world.observer.url, { expect, timeoutMs: STEP_MS });
	return msgs.map((m) => JSON.parse(m.Body));
}

test("run --once: an alert and every kind of bad message, valgrind clean", { skip, timeout: RUN_MS + 60000 }, async () => {
	const world = await makeWorld(aws, { poison: POISON_DELETE });
	const hit = createTopicRecord();
	await announce(aws, world, [record(), hit, record()]);
	const cut = gzipSync(JSON.stringify({ Records: [record(), createTopicRecord()] }));
	await announce(aws, world, [], { body: cut.subarray(0, cut.length - 30) });
	await sendMessage(aws, world.queue.url, s3EventNotification({ bucket: world.bucket, key: "AWSLogs/missing.json.gz", size: 100 }));
	await sendMessage(aws, world.queue.url, s3EventNotification({ bucket: "someone-else", key: "AWSLogs/x.json.gz", size: 100 }));
	await sendMessage(aws, world.queue.url, "{ this is not JSON");
	await sendMessage(aws, world.queue.url, s3TestEvent(world.bucket));

	const run = await underValgrind(world, ["run", "--once", "--log-target", "json"]).wait(RUN_MS);
	assertClean(world, run);
	assert.equal(run.code, 3, `--once with poison messages exits 3\n${run.stderr}`);

	const alerts = await alertsFor(world, 1);
	assert.deepEqual(alerts.map((a) => a.eventID), [hit.eventID]);
	const poison = logLines(run.stderr).filter((l) => l.level === "error" && /is poison after 1 receives/.test(l.msg));
	for (const why of [/truncated gzip data/, /NoSuchKey/, /not in source\.buckets/, /body is not JSON/])
		assert.equal(poison.filter((l) => why.test(l.msg)).length, 1, `${why} once:\n${run.stderr}`);
	assert.equal(poison.length, 4);
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
});

test("a running daemon: alert, SIGHUP with a new rule, alert, SIGTERM, valgrind clean", { skip, timeout: 4 * STEP_MS + 60000 }, async () => {
	const world = await makeWorld(aws);
	const first = createTopicRecord();
	await announce(aws, world, [record(), first]);
	const daemon = underValgrind(world, ["run", "--log-target", "json"]);
	try {
		assert.deepEqual((await alertsFor(world, 1)).map((a) => a.eventID), [first.eventID]);

		const conf = readFileSync(world.conf, "utf8");
		writeFileSync(world.conf, conf.replace(/^rules = \( /m, `rules = ( ${RULE_LIST_BUCKETS}, `));
		daemon.kill("SIGHUP");
		await daemon.waitForOutput(/configuration reloaded: 2 rules/, STEP_MS);

		const second = record({ eventName: "ListBuckets", eventSource: "s3.amazonaws.com" });
		await announce(aws, world, [record(), second]);
		const alerts = await alertsFor(world, 1);
		assert.deepEqual(alerts.map((a) => a.eventID), [second.eventID]);
	} finally {
		const run = await daemon.stop("SIGTERM", STEP_MS);
		assertClean(world, run);
		assert.equal(run.code, 0, run.stderr);
	}
});

test("check: a reachable world, then a queue that does not exist, valgrind clean", { skip, timeout: 2 * STEP_MS + 60000 }, async () => {
	const world = await makeWorld(aws);
	let run = await underValgrind(world, ["check"]).wait(STEP_MS);
	assert.equal(run.code, 0, run.stdout + run.stderr);
	assertClean(world, run);

	const gone = await makeWorld(aws);
	const conf = readFileSync(gone.conf, "utf8");
	writeFileSync(gone.conf, conf.replace(/^queue_url = "([^"]*)";$/m, 'queue_url = "$1-gone";'));
	run = await underValgrind(gone, ["check"]).wait(STEP_MS);
	assert.equal(run.code, 1, run.stdout + run.stderr);
	assertClean(gone, run);
});
