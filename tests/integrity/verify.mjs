// `ctalertd verify` against AWS's own validator on the same bucket: the
// harness's trail (tests/harness/trail.mjs) signs a chain, a case tampers
// with it, and both `aws cloudtrail validate-logs` and ctalertd verify it.
// Their verdicts must agree for every kind of problem: valid, modified
// log, deleted log, deleted digest, edited digest, moved digest, unknown
// key, gap. Then what only ctalertd sees (a log no digest lists), a chain
// link whose hash does not match, ListPublicKeys pages and its refresh, and
// the errors that stop a check (exit 2).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { s3Sdk } from "../harness/deps.mjs";
import { createBucket, runProgram } from "../harness/lib.mjs";
import { startLocalAws } from "../harness/local-aws.mjs";
import { Trail, awsCliVersion, generateSigningKey, isoSeconds, readValidateLogs, validateLogs } from "../harness/trail.mjs";

const CTALERTD = process.env.CTALERTD ?? "./ctalertd";
const HAVE_CLI = Boolean(await awsCliVersion());
const T = { timeout: 180000 };
const HOUR = 3600e3;
const { PutObjectCommand } = s3Sdk;
let aws;
let n = 0;

before(async () => {
	aws = await startLocalAws();
});

after(async () => {
	await aws?.stop();
});

/* A bucket with a trail and `hours` hours of it, ending a few hours ago. */
async function freshTrail(hours = 3, options = {}) {
	const bucket = await createBucket(aws, `verify-${++n}`);
	const trail = new Trail(aws, { bucket, ...options });
	const from = new Date(Math.floor(Date.now() / HOUR) * HOUR - (hours + 4) * HOUR);
	await trail.deliverHours(from, hours, options);
	return { trail, from, range: { start: new Date(from.getTime() - HOUR), end: new Date(from.getTime() + (hours + 1) * HOUR) } };
}

/* ctalertd verify on the trail's bucket: {code, stdout, stderr, report (--json), text}. */
async function verify(trail, { start, end }, extra = []) {
	const target = `s3://${trail.bucket}${trail.prefix ? "/" + trail.prefix : ""}`;
	const args = ["verify", target, "--since", isoSeconds(start), "--until", isoSeconds(end), ...extra];
	const json = await runProgram(aws, CTALERTD, [...args, "--json"], { timeoutMs: 60000 });
	const text = await runProgram(aws, CTALERTD, args, { timeoutMs: 60000 });
	assert.equal(json.code, text.code, `--json and text disagree: ${json.stderr} ${text.stderr}`);
	let report = null;
	try {
		report = JSON.parse(json.stdout);
	} catch {
		/* no report: an error stopped it */
	}
	return { code: json.code, stderr: json.stderr, report, text: text.stdout };
}

const url = (f) => `s3://${f.bucket}/${f.key}`;
const ours = (report) => report.findings.map((f) => (f.kind === "gap" ? { kind: "gap", url: null, verdict: `${f.from} ${f.to}` } : { kind: f.kind, url: url(f), verdict: f.verdict }));
const sortFindings = (l) => [...l].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/*
 * Runs both validators on the trail and checks they agree: the same
 * problems (ctalertd's extra "not listed by any digest" aside), the same
 * counts, and exit 0 exactly when validate-logs found nothing invalid.
 */
async function agree(t, range = t.range) {
	const mine = await verify(t.trail, range);
	assert.ok(mine.report, `no report: ${mine.stderr}`);
	// The text output says the same as the report, in validate-logs' words.
	assert.deepEqual(sortFindings(readValidateLogs(mine.text).findings), sortFindings(ours(mine.report)));
	assert.match(mine.text, new RegExp(`^${mine.report.digests.valid}/${mine.report.digests.total} digest files valid, ${mine.report.logs.valid}/${mine.report.logs.total} log files valid`, "m"));
	if (!HAVE_CLI)
		return { mine };
	const aws_ = await validateLogs(aws, t.trail, range);
	const theirs = aws_.findings;
	const comparable = ours(mine.report).filter((f) => f.verdict !== "not listed by any digest");
	assert.deepEqual(sortFindings(comparable), sortFindings(theirs), `validate-logs said:\n${aws_.stdout}${aws_.stderr}`);
	assert.deepEqual([mine.report.digests.valid, mine.report.digests.total], aws_.summary.digests);
	assert.deepEqual([mine.report.logs.valid, mine.report.logs.total], aws_.summary.logs);
	const awsInvalid = theirs.some((f) => f.kind !== "gap");
	assert.equal(mine.code === 1, awsInvalid || mine.report.unlisted > 0, mine.stderr);
	return { mine, theirs };
}

test("a signed chain is valid", T, async () => {
	const t = await freshTrail(3);
	const { mine } = await agree(t);
	assert.equal(mine.code, 0, mine.stderr);
	assert.deepEqual(mine.report.findings, []);
	assert.deepEqual(mine.report.digests, { valid: 3, invalid: 0, total: 3 });
	assert.deepEqual(mine.report.logs, { valid: 6, invalid: 0, total: 6 });
});

test("a trail under a prefix, with empty hours, and an organization trail with '_' in its name", T, async () => {
	const t = await freshTrail(2, { prefix: "team/ct", logsPerHour: 0 });
	const { mine } = await agree(t);
	assert.equal(mine.code, 0, mine.stderr);
	assert.deepEqual(mine.report.digests, { valid: 2, invalid: 0, total: 2 });
	// validate-logs cannot be pointed at an o-... folder given --s3-bucket: ctalertd alone.
	const org = await freshTrail(2, { organizationId: "o-abc123def4", name: "org_trail_1" });
	const r = await verify(org.trail, org.range);
	assert.equal(r.code, 0, r.stderr);
	assert.deepEqual(r.report.logs, { valid: 4, invalid: 0, total: 4 });
});

test("a modified log", T, async () => {
	const t = await freshTrail(3);
	await t.trail.editLog(t.trail.logs[3].key);
	const { mine } = await agree(t);
	assert.equal(mine.code, 1);
	assert.deepEqual(ours(mine.report), [{ kind: "log", url: `s3://${t.trail.bucket}/${t.trail.logs[3].key}`, verdict: "hash value doesn't match" }]);
});

test("a deleted log", T, async () => {
	const t = await freshTrail(3);
	await t.trail.deleteLog(t.trail.logs[0].key);
	const { mine } = await agree(t);
	assert.equal(mine.code, 1);
	assert.deepEqual(ours(mine.report), [{ kind: "log", url: `s3://${t.trail.bucket}/${t.trail.logs[0].key}`, verdict: "not found" }]);
});

test("a deleted digest", T, async () => {
	const t = await freshTrail(4);
	const d = t.trail.digests[1];
	await t.trail.deleteDigest(d.key);
	const { mine } = await agree(t);
	assert.equal(mine.code, 1);
	assert.deepEqual(ours(mine.report), [{ kind: "digest", url: `s3://${t.trail.bucket}/${d.key}`, verdict: "not found" }]);
	assert.deepEqual(mine.report.digests, { valid: 3, invalid: 1, total: 4 });
});

test("an edited digest", T, async () => {
	const t = await freshTrail(3);
	const d = t.trail.digests[1];
	await t.trail.editDigest(d.key);
	const { mine } = await agree(t);
	assert.equal(mine.code, 1);
	assert.deepEqual(ours(mine.report), [{ kind: "digest", url: `s3://${t.trail.bucket}/${d.key}`, verdict: "signature verification failed" }]);
});

test("a digest moved over another", T, async () => {
	const t = await freshTrail(3);
	const [d0, d1] = t.trail.digests;
	await t.trail.moveDigest(d0.key, d1.key);
	const { mine } = await agree(t);
	assert.equal(mine.code, 1);
	assert.deepEqual(ours(mine.report), [{ kind: "digest", url: `s3://${t.trail.bucket}/${d1.key}`, verdict: "has been moved from its original location" }]);
});

test("a digest signed with a key CloudTrail never had", T, async () => {
	const t = await freshTrail(2);
	const stranger = generateSigningKey();
	const end = new Date(t.from.getTime() + 3 * HOUR);
	await t.trail.deliverLog(new Date(end.getTime() - 1800e3));
	const d = await t.trail.deliverDigest(end, { key: stranger });
	const before = aws.requestLog.count({ service: "cloudtrail", operation: "ListPublicKeys" });
	const { mine } = await agree(t, { start: t.range.start, end: new Date(end.getTime() + HOUR) });
	assert.equal(mine.code, 1);
	assert.deepEqual(ours(mine.report), [{ kind: "digest", url: `s3://${t.trail.bucket}/${d.key}`, verdict: `public key not found in region ${t.trail.region} for fingerprint ${stranger.fingerprint}` }]);
	// ctalertd asked again once before calling the key unknown (twice: --json and text; validate-logs once).
	const calls = aws.requestLog.count({ service: "cloudtrail", operation: "ListPublicKeys" }) - before;
	assert.equal(calls, 2 * 2 + (HAVE_CLI ? 1 : 0));
});

test("a key CloudTrail starts serving after the first ListPublicKeys is found by the refresh", T, async () => {
	const t = await freshTrail(1);
	const late = generateSigningKey();
	const end = new Date(t.from.getTime() + 2 * HOUR);
	await t.trail.deliverDigest(end, { key: late });
	aws.cloudtrail.addKey(late);
	// The first answer lacks the key (as before CloudTrail published it); the refresh has it.
	aws.cloudtrail.inject({ on: "ListPublicKeys", status: 200, body: '{"PublicKeyList":[]}' });
	const before = aws.requestLog.count({ service: "cloudtrail", operation: "ListPublicKeys" });
	const r = await verify(t.trail, { start: t.range.start, end: new Date(end.getTime() + HOUR) });
	assert.equal(r.code, 0, r.stderr);
	assert.deepEqual(r.report.digests, { valid: 2, invalid: 0, total: 2 });
	// --json run: the empty answer, then the refresh; text run: one call.
	assert.equal(aws.requestLog.count({ service: "cloudtrail", operation: "ListPublicKeys" }) - before, 3);
});

test("delivery stopped for some hours is a gap", T, async () => {
	const t = await freshTrail(2);
	t.trail.stopDelivery();
	const resume = new Date(t.from.getTime() + 5 * HOUR);
	await t.trail.deliverHours(resume, 1);
	const range = { start: t.range.start, end: new Date(resume.getTime() + 2 * HOUR) };
	const { mine } = await agree(t, range);
	assert.equal(mine.code, 0, mine.stderr);
	const gaps = mine.report.findings.filter((f) => f.kind === "gap");
	assert.deepEqual(gaps, [{ kind: "gap", from: isoSeconds(new Date(t.from.getTime() + 2 * HOUR)), to: isoSeconds(resume) }]);
	assert.match((await verify(t.trail, range)).text, /^No log files were delivered by CloudTrail between \S+ and \S+$/m);
});

test("an injected log is found by ctalertd alone", T, async () => {
	const t = await freshTrail(3);
	const injected = await t.trail.injectLog(new Date(t.from.getTime() + HOUR + 1200e3));
	const { mine, theirs } = await agree(t);
	assert.equal(mine.code, 1);
	assert.deepEqual(ours(mine.report), [{ kind: "log", url: `s3://${t.trail.bucket}/${injected}`, verdict: "not listed by any digest" }]);
	assert.equal(mine.report.unlisted, 1);
	if (theirs)
		assert.deepEqual(theirs, []);
});

test("a previous digest replaced by another validly signed one breaks the chain", T, async () => {
	// An attacker holding the signing key is out of scope; but a digest of
	// another chain, validly signed, put where the previous one was, passes
	// validate-logs and not ctalertd: its hash is not previousDigestHashValue.
	const t = await freshTrail(3);
	const other = await freshTrail(3);
	const [, d1, d2] = t.trail.digests;
	const copy = other.trail.digests[1];
	// Re-sign the other trail's digest at t's key, as CloudTrail would have for that key.
	const text = JSON.parse(copy.text.toString());
	text.digestS3Bucket = t.trail.bucket;
	text.digestS3Object = d1.key;
	const { createHash, sign } = await import("node:crypto");
	const { gzipSync } = await import("node:zlib");
	const body = Buffer.from(JSON.stringify(text));
	const toSign = `${text.digestEndTime}\n${t.trail.bucket}/${d1.key}\n${createHash("sha256").update(body).digest("hex")}\n${text.previousDigestSignature ?? "null"}`;
	await aws.s3.send(new PutObjectCommand({
		Bucket: t.trail.bucket, Key: d1.key, Body: gzipSync(body), ContentType: "application/json",
		Metadata: { signature: sign("sha256", Buffer.from(toSign), other.trail.key.privateKey).toString("hex"), "signature-algorithm": "SHA256withRSA" },
	}));
	aws.cloudtrail.addKey(other.trail.key);
	const r = await verify(t.trail, t.range);
	assert.equal(r.code, 1, r.stderr);
	assert.deepEqual(ours(r.report).filter((f) => f.kind === "digest"), [{ kind: "digest", url: `s3://${t.trail.bucket}/${d2.key}`, verdict: "previous digest's hash does not match previousDigestHashValue" }]);
});

test("ListPublicKeys is read page by page", T, async () => {
	const t = await freshTrail(2);
	aws.cloudtrail.pageSize = 1;
	try {
		const before = aws.requestLog.count({ service: "cloudtrail", operation: "ListPublicKeys" });
		const r = await verify(t.trail, t.range);
		assert.equal(r.code, 0, r.stderr);
		const pages = aws.requestLog.count({ service: "cloudtrail", operation: "ListPublicKeys" }) - before;
		assert.ok(pages >= 2 * 2, `${pages} ListPublicKeys calls`);
	} finally {
		aws.cloudtrail.pageSize = 50;
	}
});

test("errors stop a check with exit 2 and name what failed", T, async () => {
	const t = await freshTrail(1);
	aws.faults.add({ service: "s3", operation: "GetObject", kind: "status", status: 403, code: "AccessDenied", message: "Access Denied", count: "always" });
	try {
		const r = await runProgram(aws, CTALERTD, ["verify", `s3://${t.trail.bucket}`, "--since", isoSeconds(t.range.start), "--until", isoSeconds(t.range.end), "--max-attempts"], { timeoutMs: 60000 });
		assert.equal(r.code, 2); // a usage error
		const e = await runProgram(aws, CTALERTD, ["verify", `s3://${t.trail.bucket}`, "--since", isoSeconds(t.range.start), "--until", isoSeconds(t.range.end)], { timeoutMs: 60000, env: { AWS_MAX_ATTEMPTS: "1" } });
		assert.equal(e.code, 2, e.stdout + e.stderr);
		assert.match(e.stderr, new RegExp(`s3://${t.trail.bucket}/\\S+CloudTrail-Digest\\S+: .*AccessDenied`));
	} finally {
		aws.faults.clear();
	}
	const missing = await runProgram(aws, CTALERTD, ["verify", "s3://no-such-bucket"], { timeoutMs: 60000, env: { AWS_MAX_ATTEMPTS: "1" } });
	assert.equal(missing.code, 2);
	assert.match(missing.stderr, /no-such-bucket/);
	const empty = await runProgram(aws, CTALERTD, ["verify", `s3://${t.trail.bucket}`, "--since", "2020-01-01", "--until", "2020-01-02"], { timeoutMs: 60000 });
	assert.equal(empty.code, 1);
	assert.match(empty.stderr, /no digest files/);
	const usage = await runProgram(aws, CTALERTD, ["verify", "trail"], { timeoutMs: 10000 });
	assert.equal(usage.code, 2);
	assert.match(usage.stderr, /is not s3:\/\/BUCKET/);
});

test("a trail whose newest digests are gone is a gap up to --until", T, async () => {
	const t = await freshTrail(3);
	const last = t.trail.digests[2];
	await t.trail.deleteDigest(last.key);
	const until = new Date(last.end.getTime() + 3 * HOUR);
	const r = await verify(t.trail, { start: t.range.start, end: until });
	assert.equal(r.code, 0, r.stderr);
	assert.deepEqual(r.report.findings, [{ kind: "gap", from: isoSeconds(t.trail.digests[1].end), to: isoSeconds(until) }]);
});

test("accounts and regions in one bucket, and --account and --region", T, async () => {
	const bucket = await createBucket(aws, `verify-${++n}`);
	const from = new Date(Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR);
	const a = new Trail(aws, { bucket, account: "111122223333" });
	const b = new Trail(aws, { bucket, account: "444455556666", region: "eu-west-1", homeRegion: "us-east-1" });
	await a.deliverHours(from, 2);
	await b.deliverHours(from, 2);
	await b.editLog(b.logs[0].key);
	const range = { start: new Date(from.getTime() - HOUR), end: new Date(from.getTime() + 3 * HOUR) };
	const all = await verify(a, range);
	assert.equal(all.code, 1, all.stderr);
	assert.deepEqual(all.report.digests, { valid: 4, invalid: 0, total: 4 });
	assert.deepEqual(ours(all.report), [{ kind: "log", url: `s3://${bucket}/${b.logs[0].key}`, verdict: "hash value doesn't match" }]);
	// eu-west-1's digests were checked with eu-west-1's key.
	assert.ok(aws.requestLog.match({ service: "cloudtrail" }).some((e) => e.headers.authorization.includes("/eu-west-1/cloudtrail/")));
	const onlyA = await verify(a, range, ["--account", "111122223333"]);
	assert.equal(onlyA.code, 0, onlyA.stderr);
	assert.deepEqual(onlyA.report.digests, { valid: 2, invalid: 0, total: 2 });
	const onlyEast = await verify(a, range, ["--region", "us-east-1"]);
	assert.equal(onlyEast.code, 0, onlyEast.stderr);
	const onlyWest = await verify(a, range, ["--region", "eu-west-1"]);
	assert.equal(onlyWest.code, 1);
	assert.deepEqual(onlyWest.report.logs, { valid: 3, invalid: 1, total: 4 });
});
