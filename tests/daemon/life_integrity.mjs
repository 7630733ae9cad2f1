// CloudTrail's signed digests, read by the daemon as they arrive (docs/integrity.md):
// the harness's trail signer writes real logs and digest chains into the
// local S3, the local CloudTrail serves its key, and tampering with either
// must end in the integrity alert that names it, through the normal alert
// path (SNS, effectively-once). Each test is its own world and state file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { receiveAll, s3EventNotification, sendMessage } from "../harness/lib.mjs";
import { Trail } from "../harness/trail.mjs";
import { createTopicRecord, logLines, makeWorld, record, runOnce, useLocalAws } from "./world.mjs";

const aws = useLocalAws();
const HOUR = 3600e3;

/** A world and a trail writing into its bucket; the hour two hours ago. */
async function setup(extra = "") {
	const world = await makeWorld(aws, { extra });
	const trail = new Trail(aws, { bucket: world.bucket });
	const hour = new Date(Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR);
	const env = { CTALERTD_STATE_PATH: join(world.dir, "state.db") };
	return { world, trail, hour, env };
}

/** Announces objects (one notification each), as S3 would. */
async function announceKeys(world, keys) {
	for (const key of keys)
		await sendMessage(aws, world.queue.url, s3EventNotification({ bucket: world.bucket, key, size: 100 }));
}

async function run(s) {
	const r = await runOnce(aws, s.world, { env: s.env });
	assert.equal(r.code, 0, r.stderr);
	return r;
}

/** Alert bodies on the observer until `want` came (then a short settle). */
async function alerts(world, want, { timeoutMs = 15000 } = {}) {
	const got = [];
	const deadline = Date.now() + timeoutMs;
	while (got.length < want && Date.now() < deadline)
		got.push(...(await receiveAll(aws, world.observer.url, { timeoutMs: 1000 })).map((m) => JSON.parse(m.Body)));
	got.push(...(await receiveAll(aws, world.observer.url, { timeoutMs: 700 })).map((m) => JSON.parse(m.Body)));
	return got;
}

const byRule = (list, rule) => list.filter((a) => a.rule === rule);

test("a log rewritten after delivery alerts log-modified; intact logs verify", async () => {
	const s = await setup();
	const a = await s.trail.deliverLog(new Date(s.hour.getTime() + 600e3), [record()]);
	const b = await s.trail.deliverLog(new Date(s.hour.getTime() + 1200e3), [record()]);
	await announceKeys(s.world, [a.key, b.key]);
	await run(s);
	// The attacker rewrites b; S3 announces the new object as it does every write.
	await s.trail.editLog(b.key);
	await announceKeys(s.world, [b.key]);
	await run(s);
	const d = await s.trail.deliverDigest(new Date(s.hour.getTime() + HOUR));
	await announceKeys(s.world, [d.key]);
	const r = await run(s);
	const got = await alerts(s.world, 1);
	const modified = byRule(got, "ctalertd-integrity-log-modified");
	assert.equal(modified.length, 1, JSON.stringify(got) + r.stderr);
	assert.equal(modified[0].record.integrity.object, `s3://${s.world.bucket}/${b.key}`);
	assert.equal(modified[0].record.integrity.expectedHash, b.hash);
	assert.equal(modified[0].record.integrity.digest, `s3://${s.world.bucket}/${d.key}`);
	assert.equal(modified[0].severity, "critical");
	assert.equal(got.length, 1, "only the modified log alerts");
	assert.ok(!logLines(r.stderr).some((l) => /skipped: a CloudTrail digest/.test(l.msg)), r.stderr);
});

test("a listed log gone from S3 alerts log-deleted, once", async () => {
	const s = await setup();
	const a = await s.trail.deliverLog(new Date(s.hour.getTime() + 600e3), [record()]);
	await s.trail.deleteLog(a.key);
	const d = await s.trail.deliverDigest(new Date(s.hour.getTime() + HOUR));
	await announceKeys(s.world, [d.key]);
	await run(s);
	const got = await alerts(s.world, 1);
	const deleted = byRule(got, "ctalertd-integrity-log-deleted");
	assert.equal(deleted.length, 1, JSON.stringify(got));
	assert.equal(deleted[0].record.integrity.object, `s3://${s.world.bucket}/${a.key}`);
	// The digest's notification again (a redelivery): effectively once.
	await announceKeys(s.world, [d.key]);
	await run(s);
	assert.deepEqual(await alerts(s.world, 0, { timeoutMs: 1500 }), [], "alerted twice");
	assert.ok(aws.requestLog.count({ operation: "GetObject", key: d.key, status: 200 }) >= 2, "the digest was read again");
});

test("a log whose notification was lost is scanned at digest time: its alerts still arrive", async () => {
	const s = await setup();
	const hit = createTopicRecord();
	await s.trail.deliverLog(new Date(s.hour.getTime() + 600e3), [record(), hit]);
	const d = await s.trail.deliverDigest(new Date(s.hour.getTime() + HOUR));
	await announceKeys(s.world, [d.key]); // the log's own notification never came
	const r = await run(s);
	const got = await alerts(s.world, 1);
	assert.deepEqual(got.map((a) => a.eventID), [hit.eventID], JSON.stringify(got));
	assert.ok(logLines(r.stderr).some((l) => /never announced; scanned now/.test(l.msg)), r.stderr);
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("a scanned log no digest lists alerts log-injected after integrity.unlisted_timeout", async () => {
	const s = await setup("integrity = { unlisted_timeout = 2; };");
	const listed = await s.trail.deliverLog(new Date(s.hour.getTime() + 600e3), [record()]);
	const injected = await s.trail.injectLog(new Date(s.hour.getTime() + 900e3));
	const d = await s.trail.deliverDigest(new Date(s.hour.getTime() + HOUR));
	await announceKeys(s.world, [listed.key, injected, d.key]);
	await run(s);
	await sleep(2500);
	await run(s); // the deadline passed while no instance ran: found at start
	const got = await alerts(s.world, 1);
	const inj = byRule(got, "ctalertd-integrity-log-injected");
	assert.deepEqual(inj.map((a) => a.record.integrity.object), [`s3://${s.world.bucket}/${injected}`], JSON.stringify(got));
	assert.equal(got.length, 1, "the listed log is not reported");
});

test("no digest for integrity.delivery_timeout alerts delivery-stopped; the next digest clears it", async () => {
	const s = await setup("integrity = { delivery_timeout = 2; };");
	const d1 = await s.trail.deliverDigest(new Date(s.hour.getTime() + HOUR));
	await announceKeys(s.world, [d1.key]);
	await run(s);
	await sleep(2500);
	await run(s);
	let got = await alerts(s.world, 1);
	const stopped = byRule(got, "ctalertd-integrity-delivery-stopped");
	assert.equal(stopped.length, 1, JSON.stringify(got));
	assert.equal(stopped[0].record.integrity.trail, "management");
	assert.equal(stopped[0].awsRegion, s.trail.region);
	const d2 = await s.trail.deliverDigest(new Date(s.hour.getTime() + 2 * HOUR));
	await announceKeys(s.world, [d2.key]);
	await run(s);
	got = await alerts(s.world, 1);
	assert.equal(byRule(got, "ctalertd-integrity-delivery-resumed").length, 1, JSON.stringify(got));
	assert.equal(byRule(got, "ctalertd-integrity-delivery-stopped").length, 0, "stopped alerted again");
});

test("a previous digest deleted breaks the chain; a digest edited is invalid", async () => {
	const s = await setup();
	const [d1, d2, d3] = await s.trail.deliverHours(s.hour, 3, { logsPerHour: 0 });
	await s.trail.deleteDigest(d1.key);
	await s.trail.editDigest(d3.key);
	await announceKeys(s.world, [d2.key, d3.key]);
	await run(s);
	const got = await alerts(s.world, 2);
	const broken = byRule(got, "ctalertd-integrity-chain-broken");
	assert.deepEqual(broken.map((a) => a.record.integrity.object), [`s3://${s.world.bucket}/${d2.key}`], JSON.stringify(got));
	const invalid = byRule(got, "ctalertd-integrity-digest-invalid");
	assert.deepEqual(invalid.map((a) => a.record.integrity.object), [`s3://${s.world.bucket}/${d3.key}`], JSON.stringify(got));
	assert.match(invalid[0].record.integrity.detail, /signature/);
});

test("without s3:GetObject on digests ctalertd says so once and goes on alerting", async () => {
	const s = await setup();
	const d1 = await s.trail.deliverDigest(new Date(s.hour.getTime() + HOUR));
	const d2 = await s.trail.deliverDigest(new Date(s.hour.getTime() + 2 * HOUR));
	const denied = aws.faults.add({ service: "s3", operation: "GetObject", keyPrefix: d1.key.split("/CloudTrail-Digest/")[0] + "/CloudTrail-Digest/",
		kind: "status", status: 403, code: "AccessDenied", message: "Access Denied", count: "always" });
	const hit = createTopicRecord();
	const log = await s.trail.deliverLog(new Date(), [hit]);
	await announceKeys(s.world, [d1.key, d2.key, log.key]);
	const r = await run(s);
	const got = await alerts(s.world, 1);
	assert.deepEqual(got.map((a) => a.eventID), [hit.eventID]);
	const said = logLines(r.stderr).filter((l) => /s3:GetObject on CloudTrail digests is denied/.test(l.msg));
	assert.equal(said.length, 1, r.stderr);
	assert.equal(said[0].level, "warning");
	assert.equal(aws.faults.fired(denied), 2, "both digests were asked for");
});

test("without cloudtrail:ListPublicKeys ctalertd says so once, still compares logs, and goes on alerting", async () => {
	const s = await setup();
	aws.cloudtrail.inject({ on: "ListPublicKeys", status: 400, code: "AccessDeniedException",
		message: "User is not authorized to perform: cloudtrail:ListPublicKeys", count: 5 });
	const a = await s.trail.deliverLog(new Date(s.hour.getTime() + 600e3), [record()]);
	await s.trail.deleteLog(a.key);
	const d1 = await s.trail.deliverDigest(new Date(s.hour.getTime() + HOUR));
	const d2 = await s.trail.deliverDigest(new Date(s.hour.getTime() + 2 * HOUR));
	const hit = createTopicRecord();
	const log = await s.trail.deliverLog(new Date(), [hit]);
	await announceKeys(s.world, [d1.key, d2.key, log.key]);
	const r = await run(s);
	const got = await alerts(s.world, 2);
	assert.deepEqual(got.map((x) => x.rule).sort(), ["ctalertd-integrity-log-deleted", "sns-create-topic"], JSON.stringify(got));
	const said = logLines(r.stderr).filter((l) => /cloudtrail:ListPublicKeys in \S+ is denied/.test(l.msg));
	assert.equal(said.length, 1, r.stderr);
	assert.ok(aws.cloudtrail.counters.ListPublicKeys >= 1);
});
