// `ctalertd scan s3://...` against the local AWS behind the signature-checking
// front: a bucket with two accounts (one in an organisation trail under a
// custom prefix), two regions and several days of logs, digest and insight
// folders beside them. Which objects are listed and fetched for a time range,
// an account and a region (the front's request log says which keys were
// asked for), the records filtered by eventTime, the slack after --until,
// per-object errors (injected faults and a corrupt object) that do not stop
// the scan, --resume after an interrupted run, the progress line on a
// terminal, the daemon's AWS configuration, and memory that does not grow
// with the objects' sizes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { randomUUID } from "node:crypto";
import { cloudTrailKey, cloudTrailLog, createBucket, putObject, runProgram, startProgram } from "../harness/lib.mjs";
import { CTALERTD, createTopicRecord, record, useLocalAws } from "../daemon/world.mjs";

const aws = useLocalAws();

const A = "111111111111"; // a trail of its own
const B = "222222222222"; // an organisation trail's account, below the prefix org/
const ORG = "o-abc1234567";
const DAYS = ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05"];
const RULE = '{"eventSource":["sns.amazonaws.com"],"eventName":["CreateTopic"]}';

const iso = (d) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** An object delivered at `delivered` holding one CreateTopic at `eventTime` and one other call. */
async function putLog(bucket, { account, region, delivered, eventTime, prefix = "", org }) {
	const plain = cloudTrailKey({ account, region, time: new Date(delivered) });
	const fixed = prefix + (org ? `AWSLogs/${org}/` + plain.slice("AWSLogs/".length) : plain);
	const hit = createTopicRecord({ eventTime, awsRegion: region, recipientAccountId: account, eventID: randomUUID() });
	const other = record({ eventTime, awsRegion: region, recipientAccountId: account });
	await putObject(aws, bucket, fixed, cloudTrailLog([other, hit]), { contentType: "application/gzip" });
	return { key: fixed, eventID: hit.eventID, eventTime };
}

/** The whole bucket: returns every log object put, by account and region. */
async function makeBucket() {
	const bucket = "hunt-" + randomUUID().slice(0, 8);
	await createBucket(aws, bucket);
	const logs = [];
	for (const day of DAYS) {
		for (const region of ["us-east-1", "eu-west-1"]) {
			logs.push({ account: A, region, day, ...await putLog(bucket, { account: A, region,
				delivered: `${day}T12:00:00Z`, eventTime: `${day}T11:55:00Z` }) });
		}
		logs.push({ account: B, region: "us-east-1", day, ...await putLog(bucket, { account: B, region: "us-east-1",
			delivered: `${day}T12:00:00Z`, eventTime: `${day}T11:56:00Z`, prefix: "org/", org: ORG }) });
	}
	// What is not a log of API calls: digests, Insights, a note.
	await putObject(aws, bucket, `AWSLogs/${A}/CloudTrail-Digest/us-east-1/2026/12/03/${A}_CloudTrail-Digest_us-east-1_t_us-east-1_20261203T120000Z.json.gz`,
		gzipSync("{}"), { contentType: "application/gzip" });
	await putObject(aws, bucket, `AWSLogs/${A}/CloudTrail-Insight/us-east-1/2026/12/03/${A}_CloudTrail-Insight_us-east-1_20261203T1200Z_x.json.gz`,
		cloudTrailLog([createTopicRecord()]), { contentType: "application/gzip" });
	await putObject(aws, bucket, "README.txt", "not a log", { contentType: "text/plain" });
	return { bucket, logs };
}

function scan(args, options = {}) {
	return runProgram(aws, CTALERTD, ["scan", "--no-progress", "-p", RULE, ...args], { timeoutMs: 60000, ...options });
}

const lines = (out) => out.split("\n").filter(Boolean).map((l) => JSON.parse(l));
const fetched = () => aws.requestLog.match({ service: "s3", operation: "GetObject" }).map((e) => e.key).sort();
const listings = () => aws.requestLog.match({ service: "s3", operation: "ListObjectsV2" });

test("a whole bucket: every log object of every account and region, nothing else fetched", async () => {
	const { bucket, logs } = await makeBucket();
	aws.requestLog.clear();
	const r = await scan([`s3://${bucket}`, "--jobs", "4"]);
	assert.equal(r.code, 0, r.stderr);
	const m = lines(r.stdout);
	assert.deepEqual(m.map((x) => x.record.eventID).sort(), logs.map((l) => l.eventID).sort());
	for (const x of m) {
		assert.equal(x.rule, "pattern");
		assert.equal(x.severity, "medium");
		assert.match(x.object, new RegExp(`^s3://${bucket}/`));
		assert.equal(x.object, x.source);
	}
	assert.deepEqual(fetched(), logs.map((l) => l.key).sort(), "only the logs are fetched: no digest, insight or note");
	assert.equal(r.stderr, "");
});

test("a time range: listing starts at --since, stops past --until and its hour of slack; records filtered by eventTime", async () => {
	const { bucket, logs } = await makeBucket();
	// Delivered 20 minutes after --until: one event before it, one after.
	const late = await putLog(bucket, { account: A, region: "us-east-1", delivered: "2026-12-04T00:20:00Z", eventTime: "2026-12-03T23:58:00Z" });
	const after = await putLog(bucket, { account: A, region: "us-east-1", delivered: "2026-12-04T00:25:00Z", eventTime: "2026-12-04T00:10:00Z" });
	aws.requestLog.clear();
	const r = await scan([`s3://${bucket}`, "--since", "2026-12-03T00:00:00Z", "--until", "2026-12-03T23:59:59Z"]);
	assert.equal(r.code, 0, r.stderr);
	const want = logs.filter((l) => l.day === "2026-12-03").map((l) => l.eventID).concat([late.eventID]).sort();
	assert.deepEqual(lines(r.stdout).map((x) => x.record.eventID).sort(), want);
	// Fetched: the day's objects and the two delivered within the slack; never an earlier or later day.
	const keys = fetched();
	const wantKeys = logs.filter((l) => l.day === "2026-12-03").map((l) => l.key).concat([late.key, after.key]).sort();
	assert.deepEqual(keys, wantKeys);
	// Every region listing started after --since's own key.
	const regionLists = listings().filter((e) => /prefix=[^&]*CloudTrail%2F[a-z0-9-]+%2F/.test(e.query));
	assert.equal(regionLists.length, 3, JSON.stringify(listings().map((e) => e.query)));
	for (const e of regionLists)
		assert.match(decodeURIComponent(e.query), /start-after=[^&]*\/2026\/12\/03\/\d{12}_CloudTrail_[a-z0-9-]+_20261203T0000Z/);
});

test("a relative --since: nothing older is fetched", async () => {
	const bucket = "hunt-" + randomUUID().slice(0, 8);
	await createBucket(aws, bucket);
	const now = Date.now();
	const old = await putLog(bucket, { account: A, region: "us-east-1", delivered: iso(new Date(now - 3 * 86400e3)), eventTime: iso(new Date(now - 3 * 86400e3 - 300e3)) });
	const recent = await putLog(bucket, { account: A, region: "us-east-1", delivered: iso(new Date(now - 3600e3)), eventTime: iso(new Date(now - 3900e3)) });
	aws.requestLog.clear();
	const r = await scan([`s3://${bucket}/`, "--since", "2d"]);
	assert.equal(r.code, 0, r.stderr);
	assert.deepEqual(lines(r.stdout).map((x) => x.record.eventID), [recent.eventID]);
	assert.deepEqual(fetched(), [recent.key]);
	assert.ok(!fetched().includes(old.key));
});

test("--account and --region choose what is listed and fetched", async () => {
	const { bucket, logs } = await makeBucket();
	aws.requestLog.clear();
	let r = await scan([`s3://${bucket}`, "--account", B]);
	assert.equal(r.code, 0, r.stderr);
	assert.deepEqual(fetched(), logs.filter((l) => l.account === B).map((l) => l.key).sort());
	assert.equal(lines(r.stdout).length, DAYS.length);
	aws.requestLog.clear();
	r = await scan([`s3://${bucket}`, "--region", "eu-west-1", "--account", `${A},${B}`]);
	assert.equal(r.code, 0, r.stderr);
	assert.deepEqual(fetched(), logs.filter((l) => l.region === "eu-west-1").map((l) => l.key).sort());
	aws.requestLog.clear();
	r = await scan([`s3://${bucket}/org/AWSLogs/${ORG}/${B}/CloudTrail/us-east-1/2026/12/`]);
	assert.equal(r.code, 0, r.stderr);
	assert.deepEqual(fetched(), logs.filter((l) => l.account === B).map((l) => l.key).sort());
	r = await scan([`s3://${bucket}`, "--account", "999999999999"]);
	assert.equal(r.code, 1, r.stderr);
	r = await scan([`s3://${bucket}`, "--account", "12"]);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /invalid --account '12'/);
});

test("errors per object: reported, and the scan goes on", async () => {
	const { bucket, logs } = await makeBucket();
	const denied = logs[3];
	const corrupt = cloudTrailKey({ account: A, region: "us-east-1", time: new Date("2026-12-02T13:00:00Z") });
	await putObject(aws, bucket, corrupt, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]), { contentType: "application/gzip" });
	aws.faults.add({ service: "s3", operation: "GetObject", key: denied.key, kind: "status", status: 403, code: "AccessDenied", count: "always" });
	// Throttled listings and fetches are retried.
	aws.faults.add({ service: "s3", operation: "ListObjectsV2", kind: "throttle", count: 2 });
	aws.faults.add({ service: "s3", operation: "GetObject", kind: "error500", count: 2 });
	const r = await scan([`s3://${bucket}`, "--jobs", "3"]);
	assert.equal(r.code, 2, r.stderr);
	assert.match(r.stderr, new RegExp(`s3://${bucket}/${denied.key}: .*AccessDenied`));
	assert.match(r.stderr, new RegExp(`s3://${bucket}/${corrupt}`));
	const got = lines(r.stdout).map((x) => x.record.eventID).sort();
	assert.deepEqual(got, logs.filter((l) => l !== denied).map((l) => l.eventID).sort());
	// A bucket that is not there: the listing's error names it.
	const none = await scan(["s3://no-such-bucket-here"]);
	assert.equal(none.code, 2);
	assert.match(none.stderr, /s3:\/\/no-such-bucket-here\/: listing failed: .*NoSuchBucket/);
});

test("--resume: a second run fetches only what the first did not finish", async () => {
	const { bucket, logs } = await makeBucket();
	const dir = mkdtempSync(join(tmpdir(), "ctalertd-resume-"));
	const file = join(dir, "resume");
	const failing = logs.slice(0, 2);
	for (const l of failing)
		aws.faults.add({ service: "s3", operation: "GetObject", key: l.key, kind: "status", status: 403, code: "AccessDenied", count: "always" });
	let r = await scan([`s3://${bucket}`, "--resume", file]);
	assert.equal(r.code, 2, r.stderr);
	assert.equal(lines(r.stdout).length, logs.length - failing.length);
	const noted = readFileSync(file, "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
	assert.equal(noted.length, logs.length - failing.length);
	aws.faults.clear();
	aws.requestLog.clear();
	r = await scan([`s3://${bucket}`, "--resume", file]);
	assert.equal(r.code, 0, r.stderr);
	assert.deepEqual(fetched(), failing.map((l) => l.key).sort());
	assert.deepEqual(lines(r.stdout).map((x) => x.record.eventID).sort(), failing.map((l) => l.eventID).sort());
	assert.match(r.stderr, new RegExp(`${logs.length - failing.length} objects finished by an earlier run skipped`));
	// An object rewritten since (a new ETag) is scanned again.
	const again = logs[5];
	await putObject(aws, bucket, again.key, cloudTrailLog([createTopicRecord({ eventTime: again.eventTime })]), { contentType: "application/gzip" });
	aws.requestLog.clear();
	r = await scan([`s3://${bucket}`, "--resume", file]);
	assert.equal(r.code, 0, r.stderr);
	assert.deepEqual(fetched(), [again.key]);
	writeFileSync(join(dir, "done"), "");
});

test("on a terminal: the progress line counts objects and bytes of those listed, and the time left", async () => {
	const { bucket, logs } = await makeBucket();
	// Slow enough that the line is drawn (after a second, four times a second).
	aws.faults.add({ service: "s3", operation: "GetObject", kind: "slow", delayMs: 400, count: "always" });
	const cmd = `exec "$CTALERTD" scan --jobs 2 --fields event -p '${RULE}' s3://${bucket}`;
	const r = await runProgram(aws, "script", ["-qec", cmd, "/dev/null"], { env: { CTALERTD, NO_COLOR: "1" }, timeoutMs: 60000 });
	assert.equal(r.code, 0, r.stdout + r.stderr);
	const screen = r.stdout.replace(/\r/g, "");
	assert.match(screen, new RegExp(`ctalertd scan: \\d+/${logs.length} objects, [\\d.]+/[\\d.]+ MB, \\d+ records, \\d+ records/s, \\d+ match(es)?, ETA \\d+s`));
	// Each redraw wipes the line first; the matches are lines of their own.
	assert.ok(screen.includes("\x1b[K"));
	assert.equal(screen.split("\n").filter((l) => /(^|\x1b\[K)CreateTopic$/.test(l)).length, logs.length);
});

test("--resume after an interruption: every match is printed once over the two runs", async () => {
	const { bucket, logs } = await makeBucket();
	const dir = mkdtempSync(join(tmpdir(), "ctalertd-resume-"));
	const file = join(dir, "resume");
	const noted = () => {
		try {
			return readFileSync(file, "utf8").split("\n").filter((l) => l && !l.startsWith("#")).length;
		} catch {
			return 0;
		}
	};
	aws.faults.add({ service: "s3", operation: "GetObject", kind: "slow", delayMs: 300, count: "always" });
	// Standard output is a pipe (fully buffered): the matches of a finished
	// object must be out before the file names it.
	const first = startProgram(aws, CTALERTD, ["scan", "--no-progress", "-j", "1", "-p", RULE, "--resume", file, `s3://${bucket}`]);
	const t0 = Date.now();
	while (noted() < 4 && Date.now() - t0 < 30000)
		await new Promise((r) => setTimeout(r, 50));
	const killed = await first.stop("SIGKILL");
	assert.equal(killed.signal, "SIGKILL", "the first run ended before it was interrupted");
	const done = noted();
	assert.ok(done >= 4 && done < logs.length, `${done} objects noted`);
	aws.faults.clear();
	aws.requestLog.clear();
	const second = await scan([`s3://${bucket}`, "--resume", file]);
	assert.equal(second.code, 0, second.stderr);
	assert.equal(fetched().length, logs.length - done);
	const all = [...lines(killed.stdout), ...lines(second.stdout)].map((x) => x.record.eventID);
	for (const l of logs)
		assert.ok(all.includes(l.eventID), `the match of ${l.key} was lost`);
	assert.ok(lines(killed.stdout).length >= done);
});

test("the daemon's AWS configuration: a profile's keys, AWS_ENDPOINT_URL_S3, the region", async () => {
	const { bucket, logs } = await makeBucket();
	const dir = mkdtempSync(join(tmpdir(), "ctalertd-profile-"));
	const creds = join(dir, "credentials");
	writeFileSync(creds, `[hunter]\naws_access_key_id = ${aws.credentials.accessKeyId}\naws_secret_access_key = ${aws.credentials.secretAccessKey}\n`);
	const env = {
		AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_PROFILE: "hunter", AWS_SHARED_CREDENTIALS_FILE: creds,
		AWS_ENDPOINT_URL: "", AWS_ENDPOINT_URL_S3: aws.endpoint,
	};
	aws.requestLog.clear();
	const r = await scan([`s3://${bucket}`, "--count"], { env });
	assert.equal(r.code, 0, r.stderr);
	assert.equal(r.stdout, `pattern\t${logs.length}\n`);
	const keys = new Set(aws.requestLog.match({ service: "s3" }).map((e) => e.accessKeyId));
	assert.deepEqual([...keys], [aws.credentials.accessKeyId]);
	// A wrong secret: every request is refused by the signature check, and said so.
	writeFileSync(creds, `[hunter]\naws_access_key_id = ${aws.credentials.accessKeyId}\naws_secret_access_key = wrong\n`);
	const bad = await scan([`s3://${bucket}`], { env });
	assert.equal(bad.code, 2);
	assert.match(bad.stderr, /listing failed: .*SignatureDoesNotMatch/);
});

test("memory is bounded by the jobs, not by the objects' sizes", async () => {
	const gen = join(process.env.top_builddir ?? join(CTALERTD, ".."), "tests/bench/gen_corpus");
	const bucket = "hunt-" + randomUUID().slice(0, 8);
	await createBucket(aws, bucket);
	let inflated = 0;
	for (let i = 0; i < 3; i++) {
		const json = execFileSync(gen, ["-n", "30000", "-s", String(i + 1), "-a", A, "-r", "us-east-1"], { maxBuffer: 1 << 28 });
		inflated += json.length;
		await putObject(aws, bucket, cloudTrailKey({ account: A, region: "us-east-1", time: new Date(Date.UTC(2026, 11, 1, i)) }),
			gzipSync(json), { contentType: "application/gzip" });
	}
	const dir = mkdtempSync(join(tmpdir(), "ctalertd-rss-"));
	const r = await runProgram(aws, "/usr/bin/time", ["-f", "%M", "-o", join(dir, "rss"), CTALERTD, "scan", "--no-progress",
		"--count", "-j", "3", "-p", RULE, `s3://${bucket}`], { timeoutMs: 120000 });
	assert.equal(r.code, 0, r.stderr);
	assert.ok(Number(r.stdout.split("\t")[1]) > 0, r.stdout);
	const rssMiB = Number(readFileSync(join(dir, "rss"), "utf8").trim()) / 1024;
	console.log(`${(inflated / 1e6).toFixed(0)} MB of JSON in 3 objects, 3 jobs: peak RSS ${rssMiB.toFixed(1)} MiB`);
	// Three objects of about 40 MB of JSON each, read at once: a few MiB per job.
	assert.ok(inflated > 100e6, `${inflated} bytes of JSON`);
	assert.ok(rssMiB < 48, `peak RSS ${rssMiB.toFixed(1)} MiB`);
});
