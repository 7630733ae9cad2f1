// The metrics endpoint of a running daemon, scraped while it works on the
// local AWS: every family parses strictly, and the numbers agree with what
// the test made happen (objects, records, alerts per rule, an S3 throttle
// and a missing key as AWS errors, the busy worker of a slow object, queue
// lag per message).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { startLocalAws } from "../harness/local-aws.mjs";
import { cloudTrailKey, putObject, receiveAll, s3EventNotification, sendMessage } from "../harness/lib.mjs";
import { announce, createTopicRecord, makeWorld, record, startDaemon } from "../daemon/world.mjs";
import { parse, value } from "./promtext.mjs";

const builddir = process.env.top_builddir ?? ".";
const withMetrics = /^#define HAVE_MICROHTTPD 1/m.test(readFileSync(join(builddir, "config.h"), "utf8"));

const RULES = `{
		name = "sns-create-topic";
		pattern = { eventSource = ["sns.amazonaws.com"]; eventName = ["CreateTopic"]; };
	}, {
		name = "cloudtrail-stop";
		pattern = { eventSource = ["cloudtrail.amazonaws.com"]; eventName = ["StopLogging"]; };
	}`;

/** A port nothing listens on right now. */
function freePort() {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.once("error", reject);
		s.listen(0, "127.0.0.1", () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

async function scrape(url, init = {}) {
	const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
	return { status: res.status, type: res.headers.get("content-type"), allow: res.headers.get("allow"), text: await res.text() };
}

/** Scrapes until pred(families) holds; returns the families. */
async function scrapeUntil(url, pred, what, timeoutMs = 20000) {
	const end = Date.now() + timeoutMs;
	let last;
	for (;;) {
		last = parse((await scrape(url)).text);
		if (pred(last)) return last;
		if (Date.now() > end) throw new Error(`metrics never showed ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

let aws;
let daemon;
before(async () => { aws = await startLocalAws(); });
after(async () => {
	if (daemon) await daemon.stop("SIGKILL", 2000).catch(() => {});
	await aws.stop();
});

test("the exposition reader refuses what a scraper would misread", () => {
	const ok = "# HELP a_total x\n# TYPE a_total counter\na_total{r=\"q\\\"\\n\\\\\"} 1\n";
	assert.equal(value(parse(ok), "a_total", { r: "q\"\n\\" }), 1);
	const bad = [
		"a_total 1\n", // no TYPE
		"# TYPE a counter\na 1", // no final newline
		"# TYPE a counter\na{r=\"\\t\"} 1\n", // bad escape
		"# TYPE a counter\na 1\na 2\n", // duplicate series
		"# TYPE a counter\na 1\n# TYPE b gauge\nb 1\na{x=\"1\"} 1\n", // family split
		"# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", // not cumulative
		"# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 2\n", // +Inf != count
		"# TYPE a counter\na{1x=\"1\"} 1\n", // bad label name
	];
	for (const text of bad) assert.throws(() => parse(text), undefined, JSON.stringify(text));
});

test("a running daemon's metrics match what it did", { skip: !withMetrics && "built without libmicrohttpd", timeout: 90000 }, async () => {
	const port = await freePort();
	const url = `http://127.0.0.1:${port}/metrics`;
	const world = await makeWorld(aws, { rules: RULES, extra: `metrics = { listen = "127.0.0.1:${port}"; };` });
	daemon = startDaemon(aws, world);
	await daemon.waitForOutput(/metrics served at/, 15000);

	// Before any message: every family is there, at zero.
	let m = parse((await scrape(url)).text);
	assert.equal(value(m, "ctalertd_messages_received_total"), 0);
	assert.equal(value(m, "ctalertd_workers"), 2);
	assert.equal(m.get("ctalertd_queue_lag_seconds").type, "histogram");
	assert.equal(m.get("ctalertd_matches_total").samples.length, 0);

	// One log with 3 CreateTopic, 1 StopLogging and 2 other records, whose
	// first GetObject is throttled; one notification of a missing key.
	const recs = [record(), createTopicRecord(), createTopicRecord(),
		record({ eventSource: "cloudtrail.amazonaws.com", eventName: "StopLogging" }), createTopicRecord(), record()];
	const key = cloudTrailKey();
	const throttle = aws.faults.add({ service: "s3", operation: "GetObject", key, kind: "throttle" });
	const good = await announce(aws, world, recs, { key });
	await sendMessage(aws, world.queue.url, s3EventNotification([{ bucket: world.bucket, key: "AWSLogs/000000000000/CloudTrail/missing.json.gz", size: 10 }]));

	const alerts = await receiveAll(aws, world.observer.url, { expect: 4, timeoutMs: 20000 });
	assert.equal(alerts.length, 4, daemon.output().stderr.slice(-4000));
	m = await scrapeUntil(url, (f) => value(f, "ctalertd_messages_deleted_total") === 1 &&
		value(f, "ctalertd_messages_returned_total") === 1, "one message deleted and one given back");
	assert.equal(aws.faults.fired(throttle), 1);

	assert.equal(value(m, "ctalertd_messages_received_total"), 2);
	assert.equal(value(m, "ctalertd_objects_total", { result: "scanned" }), 1);
	assert.equal(value(m, "ctalertd_objects_total", { result: "failed" }), 1);
	assert.equal(value(m, "ctalertd_records_total"), 6);
	assert.equal(value(m, "ctalertd_fetched_bytes_total"), good.size);
	assert.equal(value(m, "ctalertd_matches_total", { rule: "sns-create-topic" }), 3);
	assert.equal(value(m, "ctalertd_matches_total", { rule: "cloudtrail-stop" }), 1);
	assert.equal(value(m, "ctalertd_alerts_published_total", { rule: "sns-create-topic" }), 3);
	assert.equal(value(m, "ctalertd_alerts_published_total", { rule: "cloudtrail-stop" }), 1);
	assert.equal(value(m, "ctalertd_alerts_failed_total", { rule: "sns-create-topic" }), 0);
	assert.equal(value(m, "ctalertd_aws_errors_total", { service: "s3", operation: "GetObject", code: "SlowDown" }), 1);
	assert.ok(value(m, "ctalertd_aws_errors_total", { service: "s3", operation: "GetObject", code: "NoSuchKey" }) >= 1);
	assert.equal(value(m, "ctalertd_object_processing_seconds_count"), 2);
	assert.equal(value(m, "ctalertd_queue_lag_seconds_count"), 2);
	assert.ok(value(m, "ctalertd_queue_lag_seconds_sum") < 60, "lag of fresh messages is seconds");

	// A slow object: while it is read, one worker is busy and one message
	// is in flight.
	const slowKey = cloudTrailKey();
	aws.faults.add({ service: "s3", operation: "GetObject", key: slowKey, kind: "slow", delayMs: 3000 });
	await announce(aws, world, [createTopicRecord()], { key: slowKey });
	m = await scrapeUntil(url, (f) => value(f, "ctalertd_workers_busy") === 1, "a busy worker", 10000);
	assert.equal(value(m, "ctalertd_messages_in_flight"), 1);
	m = await scrapeUntil(url, (f) => value(f, "ctalertd_messages_deleted_total") === 2, "the slow message deleted");
	assert.equal(value(m, "ctalertd_workers_busy"), 0);
	assert.equal(value(m, "ctalertd_messages_in_flight"), 0);
	assert.equal(value(m, "ctalertd_object_processing_seconds_bucket", { le: "1" }), 2, "the slow object took more than 1 s");
	assert.equal(value(m, "ctalertd_object_processing_seconds_count"), 3);

	// HTTP: the content type scrapers expect; only /metrics; GET and HEAD only.
	const got = await scrape(url);
	assert.equal(got.status, 200);
	assert.match(got.type, /^text\/plain; version=0\.0\.4/);
	assert.equal((await scrape(url, { method: "HEAD" })).status, 200);
	assert.equal((await scrape(`http://127.0.0.1:${port}/`)).status, 404);
	const post = await scrape(url, { method: "POST", body: "x" });
	assert.equal(post.status, 405);
	assert.match(post.allow, /GET/);

	const run = await daemon.stop("SIGTERM", 20000);
	daemon = null;
	assert.equal(run.code, 0, run.stderr);
	await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
		() => assert.fail("the endpoint still answers after the daemon stopped"),
		() => {});
});

test("an endpoint that cannot start stops the daemon with a clear error", { timeout: 30000 }, async () => {
	// An address not on this machine; or, built without libmicrohttpd, any.
	const world = await makeWorld(aws, { extra: `metrics = { listen = "192.0.2.1:9464"; };` });
	const p = startDaemon(aws, world);
	const run = await p.wait(15000);
	assert.equal(run.code, 2, run.stderr);
	assert.match(run.stderr, withMetrics ? /metrics\.listen 192\.0\.2\.1:9464: cannot listen/ :
		/metrics\.listen 192\.0\.2\.1:9464: this ctalertd was built without libmicrohttpd/);
});
