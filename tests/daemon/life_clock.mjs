// The wall clock steps while a slow object is scanned: every deadline runs on
// the monotonic clock, so the visibility heartbeat goes on through a step an
// hour back and a step an hour forward, the message is processed once and
// its alert is published once. libfaketime fakes the first daemon's wall
// clock only (FAKETIME_DONT_FAKE_MONOTONIC=1); rewriting its timestamp file
// steps that clock while the daemon runs. A second daemon with the true
// clock polls the same queue all along: had the first one let the message's
// visibility lapse, the second would have received it.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { queueDepth, receiveAll } from "../harness/lib.mjs";
import { announce, createTopicRecord, lastSeq, logLines, makeWorld, record, runOnce, startDaemon, track,
	useLocalAws, waitUntil } from "./world.mjs";

/** Debian's libfaketime (package libfaketime), the thread-safe build. */
function findLibfaketime() {
	for (const dir of ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"]) {
		const lib = join(dir, "faketime", "libfaketimeMT.so.1");
		if (existsSync(lib))
			return lib;
	}
	return null;
}
const LIBFAKETIME = findLibfaketime();

const aws = useLocalAws();

const SLOW_S = 16;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Extensions answered 200 after the request log's sequence number `seq`. */
function extensionsAfter(seq) {
	return aws.requestLog.match({ operation: "ChangeMessageVisibilityBatch", status: 200 }).filter((e) => e.seq > seq).length;
}

test("wall clock stepped an hour back and an hour forward mid-object: heartbeats go on, one fetch, one alert",
	{ skip: LIBFAKETIME === null && "libfaketime is not installed (Debian package libfaketime)" }, async () => {
	const world = await makeWorld(aws, {
		// Extended when 4 s are left (twice the heartbeat); an extension
		// budget of 10 minutes, which a wall clock an hour ahead would have
		// used up at once.
		queueAttributes: { VisibilityTimeout: "5" },
		receive: "visibility_timeout = 5; heartbeat = 2; max_visibility_extension = 600;",
	});
	const hit = createTopicRecord();
	const obj = await announce(aws, world, [...Array.from({ length: 30 }, () => record()), hit, record()]);
	const slow = aws.faults.add({ service: "s3", operation: "GetObject", kind: "slow",
		bytesPerSecond: Math.ceil(obj.size / SLOW_S) });
	const rc = join(mkdtempSync(join(tmpdir(), "ctalertd-clock-")), "faketime.rc");
	writeFileSync(rc, "+0\n");
	const env = {
		LD_PRELOAD: LIBFAKETIME,
		FAKETIME_TIMESTAMP_FILE: rc,
		FAKETIME_CACHE_DURATION: "1",
		FAKETIME_DONT_FAKE_MONOTONIC: "1",
		// AddressSanitizer builds: libfaketime is preloaded ahead of its runtime.
		ASAN_OPTIONS: [process.env.ASAN_OPTIONS, "verify_asan_link_order=0"].filter(Boolean).join(":"),
	};

	const first = runOnce(aws, world, { env, timeoutMs: 60000 });
	await waitUntil(() => aws.requestLog.count({ operation: "GetObject" }) === 1,
		{ timeoutMs: 10000, what: "the first daemon's GetObject" });
	const second = track(startDaemon(aws, world));
	await second.waitForOutput(/started: queue/, 10000);

	await sleep(3000);
	writeFileSync(rc, "-1h\n");
	const back = lastSeq(aws);
	await sleep(5000);
	const forward = lastSeq(aws);
	writeFileSync(rc, "+1h\n");

	const run = await first;
	assert.equal(run.code, 0, run.stderr);
	assert.equal(aws.faults.fired(slow), 1);
	const lines = logLines(run.stderr);
	// The wall clock did step: log times are an hour ahead at the end.
	const last = Date.parse(lines.at(-1).time);
	assert.ok(last - Date.now() > 3000 * 1000, `the last log line is stamped ${lines.at(-1).time}: faketime did not apply`);

	assert.ok(extensionsAfter(back) - extensionsAfter(forward) >= 1, "no visibility extension while the clock was an hour back");
	assert.ok(extensionsAfter(forward) >= 2, "no visibility extension once the clock was an hour ahead");
	assert.deepEqual(lines.filter((l) => /extending visibility failed|shown again while still in hand/.test(l.msg)), []);

	second.kill("SIGUSR1");
	await second.waitForOutput(/counters: messages received \d+/, 5000);
	const stopped = await second.stop("SIGTERM", 10000);
	assert.equal(stopped.code, 0, stopped.stderr);
	assert.equal(/counters: messages received (\d+)/.exec(stopped.stderr)[1], "0", "the second daemon received the message");

	assert.equal(aws.requestLog.count({ operation: "GetObject" }), 1, "the object was fetched twice");
	assert.equal(aws.requestLog.count({ operation: "DeleteMessageBatch", status: 200 }), 1);
	const alerts = await receiveAll(aws, world.observer.url, { timeoutMs: 3000 });
	assert.equal(alerts.length, 1, "the alert was not published exactly once");
	assert.equal(JSON.parse(alerts[0].Body).eventID, hit.eventID);
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
});
