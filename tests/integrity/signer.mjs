// The CloudTrail signer of the test harness (tests/harness/trail.mjs) checked
// against AWS's own validator, `aws cloudtrail validate-logs`: a chain it
// signs is valid, and each tampering gets the verdict AWS's code gives it. So
// ctalertd's verifier, tested on these chains, is tested against what AWS
// accepts, not against itself.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createBucket } from "../harness/lib.mjs";
import { startLocalAws } from "../harness/local-aws.mjs";
import { Trail, awsCliVersion, generateSigningKey, validateLogs } from "../harness/trail.mjs";

if (!(await awsCliVersion())) {
	process.stderr.write("signer: skipped, the AWS CLI (aws) is not installed\n");
	process.exit(77);
}

const T = { timeout: 120000 };
const HOUR = 3600e3;
let aws;
let n = 0;

before(async () => {
	aws = await startLocalAws();
});

after(async () => {
	await aws?.stop();
});

/* A bucket with a fresh trail and `hours` hours of it, ending a few hours ago. */
async function freshTrail(hours = 4, options = {}) {
	const bucket = await createBucket(aws, `trail-${++n}`);
	const trail = new Trail(aws, { bucket, ...options });
	const from = new Date(Math.floor(Date.now() / HOUR) * HOUR - (hours + 3) * HOUR);
	await trail.deliverHours(from, hours, options);
	return { trail, from, to: new Date(from.getTime() + hours * HOUR) };
}

const range = ({ from, to }) => ({ start: new Date(from.getTime() - HOUR), end: new Date(to.getTime() + HOUR) });
const url = (trail, key) => `s3://${trail.bucket}/${key}`;

test("a signed chain is valid", T, async () => {
	const t = await freshTrail(4);
	const r = await validateLogs(aws, t.trail, range(t));
	assert.equal(r.code, 0, r.stdout + r.stderr);
	assert.deepEqual(r.findings, []);
	assert.deepEqual(r.summary, { digests: [4, 4], logs: [8, 8] });
	assert.ok(aws.requestLog.count({ service: "cloudtrail", operation: "ListPublicKeys" }) >= 1);
});

// (Given --s3-bucket, validate-logs never looks up an organization's ID, so
// it cannot be pointed at an organization trail's o-... folder.)
test("a trail under a prefix, with empty hours, is valid", T, async () => {
	const t = await freshTrail(3, { prefix: "team/ct", logsPerHour: 0 });
	const r = await validateLogs(aws, t.trail, range(t));
	assert.equal(r.code, 0, r.stdout + r.stderr);
	assert.deepEqual(r.summary, { digests: [3, 3], logs: [0, 0] });
});

test("a modified log", T, async () => {
	const t = await freshTrail(3);
	const log = t.trail.logs[2];
	await t.trail.editLog(log.key);
	const r = await validateLogs(aws, t.trail, range(t));
	assert.notEqual(r.code, 0);
	assert.deepEqual(r.findings, [{ kind: "log", url: url(t.trail, log.key), verdict: "hash value doesn't match" }]);
	assert.deepEqual(r.summary, { digests: [3, 3], logs: [5, 6] });
});

test("a deleted log", T, async () => {
	const t = await freshTrail(3);
	const log = t.trail.logs[0];
	await t.trail.deleteLog(log.key);
	const r = await validateLogs(aws, t.trail, range(t));
	assert.notEqual(r.code, 0);
	assert.deepEqual(r.findings, [{ kind: "log", url: url(t.trail, log.key), verdict: "not found" }]);
});

test("a deleted digest", T, async () => {
	const t = await freshTrail(4);
	const d = t.trail.digests[1];
	await t.trail.deleteDigest(d.key);
	const r = await validateLogs(aws, t.trail, range(t));
	assert.notEqual(r.code, 0);
	assert.deepEqual(r.findings, [{ kind: "digest", url: url(t.trail, d.key), verdict: "not found" }]);
	assert.deepEqual(r.summary.digests, [3, 4]);
});

test("an edited digest fails its signature", T, async () => {
	const t = await freshTrail(3);
	const d = t.trail.digests[1];
	await t.trail.editDigest(d.key);
	const r = await validateLogs(aws, t.trail, range(t));
	assert.notEqual(r.code, 0);
	assert.equal(r.findings.length, 1);
	assert.equal(r.findings[0].url, url(t.trail, d.key));
	assert.match(r.findings[0].verdict, /signature verification failed/);
});

test("a digest moved over another", T, async () => {
	const t = await freshTrail(3);
	const [d0, d1] = t.trail.digests;
	await t.trail.moveDigest(d0.key, d1.key);
	const r = await validateLogs(aws, t.trail, range(t));
	assert.notEqual(r.code, 0);
	assert.deepEqual(r.findings, [{ kind: "digest", url: url(t.trail, d1.key), verdict: "has been moved from its original location" }]);
});

test("a digest signed with a key CloudTrail never had", T, async () => {
	const t = await freshTrail(2);
	const stranger = generateSigningKey();
	await t.trail.deliverLog(new Date(t.to.getTime() + 600e3));
	const d = await t.trail.deliverDigest(new Date(t.to.getTime() + HOUR), { key: stranger });
	const r = await validateLogs(aws, t.trail, { start: range(t).start, end: new Date(t.to.getTime() + 2 * HOUR) });
	assert.notEqual(r.code, 0);
	assert.equal(r.findings.length, 1);
	assert.equal(r.findings[0].url, url(t.trail, d.key));
	assert.match(r.findings[0].verdict, new RegExp(`public key not found in region ${t.trail.region} for fingerprint ${stranger.fingerprint}`));
});

test("delivery stopped for some hours is a gap, and an injected log goes unseen", T, async () => {
	const t = await freshTrail(2);
	const injected = await t.trail.injectLog(new Date(t.from.getTime() + 1800e3));
	t.trail.stopDelivery();
	const resume = new Date(t.to.getTime() + 3 * HOUR);
	await t.trail.deliverHours(resume, 1);
	const r = await validateLogs(aws, t.trail, { start: range(t).start, end: new Date(resume.getTime() + 2 * HOUR) });
	assert.equal(r.code, 0, r.stdout + r.stderr);
	const gap = r.findings.filter((f) => f.kind === "gap");
	assert.equal(gap.length, 1, r.stdout + r.stderr);
	assert.deepEqual(r.summary, { digests: [3, 3], logs: [6, 6] });
	// AWS's validator never lists the bucket's logs: the injected one is not reported.
	assert.ok(!(r.stdout + r.stderr).includes(injected));
});
