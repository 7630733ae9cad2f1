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

test("a listed log gone from S3 alerts log-deleted", async () => {
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
