// `ctalertd scan --publish`: a backfill alerted through the daemon's path,
// against the local AWS behind the signature-checking front. Local files
// and an s3:// prefix are scanned; the alerts are read back from a queue
// subscribed to the topic. Each alert arrives once with the daemon's JSON;
// the same scan again publishes nothing, with the SQLite store and with a
// DynamoDB table; an alert the daemon published already is not sent again;
// a PublishBatch that fails makes the scan exit 2 naming it, the object is
// not finished for --resume, and the next run sends only what was missing;
// a rule's window groups old records by their eventTime, its summary goes
// out when the scan ends (and on the next run when SNS refused it), and a
// window the daemon summarised is not summarised again; routes and account
// names apply as for the daemon; --dry-run prints the alerts and sends
// nothing; option errors name what is wrong.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cloudTrailKey, cloudTrailLog, createObserverQueue, createStateTable, createTopic, putObject, receiveAll,
	runProgram } from "../harness/lib.mjs";
import { announce, CTALERTD, createTopicRecord, makeWorld, record, runOnce, startDaemon, track, useLocalAws } from "../daemon/world.mjs";

const aws = useLocalAws();

const RULES = `{
		name = "sns-create-topic";
		description = "Someone created an SNS topic";
		severity = "medium";
		pattern = { eventSource = ["sns.amazonaws.com"]; eventName = ["CreateTopic"]; };
	}, {
		name = "denied";
		severity = "low";
		pattern = { errorCode = [ "AccessDenied" ]; };
		group_by = [ "userIdentity.arn" ];
		window = "1h";
	}`;

/** A world whose configuration keeps its state in SQLite (or as `state` says). */
async function world({ state } = {}) {
	const w = await makeWorld(aws, { rules: RULES });
	appendFileSync(w.conf, `state = { ${state ?? `backend = "sqlite"; path = "${join(w.dir, "state.db")}";`} };\n`);
	return w;
}

function scan(w, args, { env = {} } = {}) {
	return runProgram(aws, CTALERTD, ["scan", "--no-progress", "-c", w.conf, ...args], { env, timeoutMs: 60000 });
}

/** The alerts the observer queue holds: `expect` of them (waiting up to 15 s), then any
 * that come within settleMs more (duplicates, or alerts that should not be there). */
async function alerts(w, { expect = 0, settleMs = 1500, timeoutMs = 15000 } = {}) {
	const body = (m) => JSON.parse(m.Body);
	const got = expect > 0 ? (await receiveAll(aws, w.observer.url, { expect, timeoutMs })).map(body) : [];
	got.push(...(await receiveAll(aws, w.observer.url, { timeoutMs: settleMs })).map(body));
	return got;
}

/** Two local log files and two objects below a prefix, one CreateTopic and one other call in each. */
async function backlog(w) {
	const dir = join(w.dir, "logs");
	mkdirSync(dir);
	const hits = [];
	const files = [];
	for (let i = 0; i < 2; i++) {
		const hit = createTopicRecord({ eventTime: `2026-11-0${i + 1}T10:00:00Z` });
		hits.push(hit);
		files.push(join(dir, `log${i}.json.gz`));
		writeFileSync(files[i], cloudTrailLog([record(), hit]));
	}
	const keys = [];
	for (let i = 0; i < 2; i++) {
		const hit = createTopicRecord({ eventTime: `2026-11-0${i + 3}T10:00:00Z` });
		hits.push(hit);
		const key = cloudTrailKey({ time: new Date(`2026-11-0${i + 3}T10:05:00Z`) });
		keys.push(key);
		await putObject(aws, w.bucket, key, cloudTrailLog([hit, record()]), { contentType: "application/gzip" });
	}
	return { dir, files, keys, hits };
}

const ids = (xs) => xs.map((x) => x.eventID).sort();

test("every match is alerted once, with the daemon's JSON; the same scan again publishes nothing", { timeout: 90000 }, async () => {
	const w = await world();
	const b = await backlog(w);
	let r = await scan(w, ["--publish", b.dir, `s3://${w.bucket}/AWSLogs/`]);
	assert.equal(r.code, 0, r.stderr);
	// The matches are still printed, as without --publish.
	const printed = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
	assert.deepEqual(printed.map((m) => m.record.eventID).sort(), ids(b.hits));
	assert.match(r.stderr, /^ctalertd scan: published 4 alerts, 0 already published, 0 counted into windows or thresholds, 0 suppressed$/m);
	const got = await alerts(w, { expect: 4 });
	assert.deepEqual(ids(got), ids(b.hits), "each alert exactly once");
	for (const a of got) {
		assert.equal(a.schema, "ctalertd.alert/1");
		assert.equal(a.rule, "sns-create-topic");
		assert.equal(a.severity, "medium");
		assert.equal(a.description, "Someone created an SNS topic");
		assert.equal(a.eventName, "CreateTopic");
		assert.equal(a.record.eventID, a.eventID);
		const hit = b.hits.find((h) => h.eventID === a.eventID);
		assert.equal(a.eventTime, hit.eventTime);
		if (hit.eventTime >= "2026-11-03") {
			assert.equal(a.log.bucket, w.bucket);
			assert.ok(b.keys.includes(a.log.key), a.log.key);
		} else {
			assert.deepEqual(a.log, { bucket: null, key: null });
		}
	}

	// Again, with -q: nothing printed, nothing sent.
	r = await scan(w, ["--publish", "-q", b.dir, `s3://${w.bucket}/AWSLogs/`]);
	assert.equal(r.code, 0, r.stderr);
	assert.equal(r.stdout, "");
	assert.match(r.stderr, /published 0 alerts, 4 already published/);
	assert.deepEqual(await alerts(w, { settleMs: 1500 }), []);
	// Without --publish, scan neither reads nor writes the store.
	r = await scan(w, [b.dir]);
	assert.equal(r.code, 0, r.stderr);
	assert.equal(r.stderr, "");
	// One batch per file and object of the first run; none since.
	assert.equal(aws.requestLog.count({ service: "sns", operation: "PublishBatch" }), 4);
});

test("with DynamoDB as the configured store, a second scan publishes nothing", { timeout: 90000 }, async () => {
	const table = await createStateTable(aws, "backfill-state");
	const w = await world({ state: `backend = "dynamodb"; table = "${table}";` });
	const b = await backlog(w);
	let r = await scan(w, ["--publish", ...b.files, `s3://${w.bucket}`]);
	assert.equal(r.code, 0, r.stderr);
	assert.deepEqual(ids(await alerts(w, { expect: 4 })), ids(b.hits));
	assert.ok(aws.requestLog.count({ service: "dynamodb", status: 200 }) > 0, "the table was used");
	r = await scan(w, ["--publish", ...b.files, `s3://${w.bucket}`]);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stderr, /published 0 alerts, 4 already published/);
	assert.deepEqual(await alerts(w), []);
});

test("what the daemon alerted on is not published again by a backfill", { timeout: 90000 }, async () => {
	const w = await world();
	const live = createTopicRecord();
	await announce(aws, w, [record(), live]);
	const run = await runOnce(aws, w);
	assert.equal(run.code, 0, run.stderr);
	assert.deepEqual(ids(await alerts(w, { expect: 1 })), [live.eventID]);
	// The same log, and one the daemon never saw, read back from files.
	const other = createTopicRecord();
	const file = join(w.dir, "again.json");
	writeFileSync(file, JSON.stringify({ Records: [live, other] }));
	const r = await scan(w, ["--publish", file]);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stderr, /published 1 alert, 1 already published/);
	assert.deepEqual(ids(await alerts(w)), [other.eventID]);
});

test("a publish SNS refuses: exit 2 naming it, nothing remembered, the next run sends only what is missing", { timeout: 90000 }, async () => {
	const w = await world();
	const b = await backlog(w);
	// The first file's batch goes through; every later one is refused.
	const fault = aws.faults.add({ service: "sns", operation: "PublishBatch", kind: "status", status: 403,
		code: "AuthorizationError", skip: 1, count: "always" });
	const resume = join(w.dir, "resume.done");
	let r = await scan(w, ["--publish", ...b.files, `s3://${w.bucket}`, "--jobs", "1", "--resume", resume]);
	assert.equal(r.code, 2, r.stderr);
	assert.ok(aws.faults.fired(fault) >= 1);
	// An object whose alerts were refused is not finished for --resume.
	const done = () => { try { return readFileSync(resume, "utf8"); } catch { return ""; } };
	for (const key of b.keys)
		assert.ok(!done().includes(key), `${key} marked finished: ${done()}`);
	assert.match(r.stderr, new RegExp(`${b.files[1].replace(/[.]/g, "\\.")}: publishing alerts: .*AuthorizationError`));
	assert.match(r.stderr, /published 1 alert, 0 already published, .* 3 not published/);
	assert.deepEqual(ids(await alerts(w, { expect: 1 })), [b.hits[0].eventID]);

	aws.faults.clear();
	r = await scan(w, ["--publish", ...b.files, `s3://${w.bucket}`, "--resume", resume]);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stderr, /published 3 alerts, 1 already published/);
	assert.deepEqual(ids(await alerts(w, { expect: 3 })), ids(b.hits.slice(1)));
	for (const key of b.keys)
		assert.ok(done().includes(key), `${key} not marked finished`);
});

test("a rule's window groups a backfill by eventTime: one alert per group, its summary at the end, once", { timeout: 90000 }, async () => {
	const w = await world();
	const arn = "arn:aws:iam::000000000000:user/mallory";
	const denied = (eventTime) => record({ eventTime, errorCode: "AccessDenied", eventName: "GetObject",
		eventSource: "s3.amazonaws.com", userIdentity: { type: "IAMUser", arn, accountId: "000000000000", principalId: "AIDA" } });
	// Three in one hour of last month (in two files, out of order), one in the next hour.
	const early = [denied("2026-11-20T10:40:00Z"), denied("2026-11-20T10:05:00Z"), denied("2026-11-20T10:20:00Z")];
	const later = denied("2026-11-20T11:10:00Z");
	const f1 = join(w.dir, "a.json"), f2 = join(w.dir, "b.json");
	writeFileSync(f1, JSON.stringify({ Records: [early[0], later] }));
	writeFileSync(f2, JSON.stringify({ Records: [early[1], early[2]] }));
	let r = await scan(w, ["--publish", f1, f2]);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stderr, /published 3 alerts, 0 already published, 2 counted into windows or thresholds/);
	const got = await alerts(w, { expect: 3 });
	const firsts = got.filter((a) => a.kind !== "summary");
	assert.deepEqual(ids(firsts), ids([early[0], later]), "the first of each window alerts");
	for (const a of firsts) {
		assert.equal(a.aggregate.kind, "window");
		assert.deepEqual(a.aggregate.group, { "userIdentity.arn": arn });
	}
	const summary = got.filter((a) => a.kind === "summary");
	assert.equal(summary.length, 1);
	assert.equal(summary[0].aggregate.count, 2);
	assert.equal(summary[0].aggregate.windowStart, "2026-11-20T10:00:00Z");
	assert.deepEqual([...summary[0].aggregate.eventIDs].sort(), ids(early.slice(1)));

	r = await scan(w, ["--publish", f2, f1]);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stderr, /published 0 alerts/);
	assert.deepEqual(await alerts(w), []);
});

test("a summary SNS refuses at the end: exit 2, and the next run, in another order, sends it alone", { timeout: 90000 }, async () => {
	const w = await world();
	const arn = "arn:aws:iam::000000000000:user/trudy";
	const denied = (eventTime) => record({ eventTime, errorCode: "AccessDenied", userIdentity: { type: "IAMUser", arn } });
	const recs = [denied("2026-11-21T08:10:00Z"), denied("2026-11-21T08:20:00Z"), denied("2026-11-21T08:30:00Z")];
	const f1 = join(w.dir, "a.json"), f2 = join(w.dir, "b.json");
	writeFileSync(f1, JSON.stringify({ Records: [recs[0]] }));
	writeFileSync(f2, JSON.stringify({ Records: [recs[1], recs[2]] }));
	// The first alert goes out; the summary, the second PublishBatch, is refused.
	aws.faults.add({ service: "sns", operation: "PublishBatch", kind: "status", status: 403,
		code: "AuthorizationError", skip: 1, count: "always" });
	let r = await scan(w, ["--publish", f1, f2]);
	assert.equal(r.code, 2, r.stderr);
	assert.match(r.stderr, /summary of rule denied: .*AuthorizationError/);
	assert.match(r.stderr, /window summaries not published: 1 .*running the same scan again sends them/);
	assert.deepEqual(ids(await alerts(w, { expect: 1 })), [recs[0].eventID]);

	aws.faults.clear();
	r = await scan(w, ["--publish", f2, f1]);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stderr, /published 1 alert, 1 already published, 2 counted/);
	const got = await alerts(w, { expect: 1 });
	assert.equal(got.length, 1);
	assert.equal(got[0].kind, "summary");
	assert.equal(got[0].aggregate.count, 2);
	r = await scan(w, ["--publish", f1, f2]);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stderr, /published 0 alerts/);
	assert.deepEqual(await alerts(w), []);
});

test("a window the daemon alerted and summarised is not alerted or summarised again by a backfill", { timeout: 120000 }, async () => {
	const w = await world();
	writeFileSync(w.conf, readFileSync(w.conf, "utf8").replace(/window = "1h";/, 'window = "10s";')
		.replace(/alerts = \{ ([^}]*)\};/, 'alerts = { $1 lateness = "0s"; };'));
	// Inside the next ten-second window, which closes 10 to 20 s from now.
	const when = new Date(Math.floor(Date.now() / 10000) * 10000 + 15000).toISOString().replace(/\.\d{3}Z$/, "Z");
	const arn = "arn:aws:iam::000000000000:user/oscar";
	const recs = [1, 2, 3].map(() => record({ eventTime: when, errorCode: "AccessDenied", userIdentity: { type: "IAMUser", arn } }));
	await announce(aws, w, recs);
	const daemon = track(startDaemon(aws, w));
	// The first alert at once; the summary once the window closed and the daemon swept (every 15 s).
	const live = await alerts(w, { expect: 2, settleMs: 0, timeoutMs: 50000 });
	daemon.kill("SIGTERM");
	assert.equal((await daemon.wait(20000)).code, 0);
	assert.deepEqual(live.map((a) => a.kind ?? "alert").sort(), ["alert", "summary"]);

	const file = join(w.dir, "same.json");
	writeFileSync(file, JSON.stringify({ Records: [...recs].reverse() }));
	const r = await scan(w, ["--publish", file]);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stderr, /published 0 alerts, 2 already published, 2 counted/);
	assert.deepEqual(await alerts(w), []);
});

test("alerts.routes and alerts.accounts apply to a backfill as to the daemon", { timeout: 60000 }, async () => {
	const w = await world();
	const page = await createTopic(aws, `${w.name}-page`);
	const pager = await createObserverQueue(aws, page, `${w.name}-pager`, { raw: true });
	writeFileSync(w.conf, readFileSync(w.conf, "utf8").replace(/alerts = \{ ([^}]*)\};/,
		`alerts = { $1 routes = ( { account = "prod"; topic_arn = "${page}"; } );
		accounts = ( { id = "222233334444"; name = "prod"; } ); };`));
	const prod = createTopicRecord({ recipientAccountId: "222233334444" });
	const other = createTopicRecord();
	const file = join(w.dir, "two.json");
	writeFileSync(file, JSON.stringify({ Records: [prod, other] }));
	const r = await scan(w, ["--publish", file]);
	assert.equal(r.code, 0, r.stderr);
	const paged = (await receiveAll(aws, pager.url, { expect: 1, timeoutMs: 10000 })).map((m) => JSON.parse(m.Body));
	assert.deepEqual(ids(paged), [prod.eventID]);
	assert.equal(paged[0].accountName, "prod");
	const rest = await alerts(w, { expect: 1 });
	assert.deepEqual(ids(rest), [other.eventID]);
	assert.equal(rest[0].accountName, undefined);
});

test("--dry-run prints the alerts as JSON lines and sends nothing", { timeout: 60000 }, async () => {
	const w = await world();
	const b = await backlog(w);
	const r = await scan(w, ["--publish", "--dry-run", b.dir]);
	assert.equal(r.code, 0, r.stderr);
	const lines = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
	assert.deepEqual(ids(lines), ids(b.hits.slice(0, 2)));
	for (const a of lines)
		assert.equal(a.schema, "ctalertd.alert/1");
	assert.match(r.stderr, /wrote \(dry run\) 2 alerts/);
	assert.equal(aws.requestLog.count({ service: "sns", operation: "PublishBatch" }), 0);
	assert.deepEqual(await alerts(w, { settleMs: 500 }), []);
});

test("option errors name what is wrong", { timeout: 60000 }, async () => {
	const w = await world();
	const file = join(w.dir, "one.json");
	writeFileSync(file, JSON.stringify({ Records: [createTopicRecord()] }));
	const run = (args) => runProgram(aws, CTALERTD, ["scan", "--no-progress", ...args], { timeoutMs: 20000 });
	let r = await run(["--dry-run", "-c", w.conf, file]);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /--dry-run needs --publish/);
	r = await run(["--publish", "-c", w.conf, "-p", '{"eventName":["CreateTopic"]}', file]);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /--publish alerts on the rules of the configuration file .* --pattern cannot be combined with it/);
	r = await run(["--publish", "-c", w.conf, "--envelope", "none", file]);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /--envelope=none cannot be combined with it/);
	r = await run(["--publish", "-c", join(w.dir, "missing.conf"), file]);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /--publish: .*missing\.conf/);
	// A configuration whose rule has no topic, and no alerts.topic_arn.
	const bare = join(w.dir, "bare.conf");
	writeFileSync(bare, readFileSync(w.conf, "utf8").replace(/alerts = \{[^}]*\};/, ""));
	r = await run(["--publish", "-c", bare, file]);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /bare\.conf:\d+: .*topic/);
});
