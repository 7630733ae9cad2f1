// The SQS, S3 and SNS calls of ctalertd's AWS layer against the local AWS
// (tests/harness/README.md): each call end to end through the signature-
// checking front, each fault kind recovered by a retry, non-retryable errors
// surfaced after one attempt, GetObject resumed after a mid-body drop with
// Range + If-Match, region redirects followed, and per-entry batch results.
// The calls run in svc_driver (tests/aws/svc_driver.c), one process each.
//
// SVC_VALGRIND=1 runs every driver under valgrind (leaks and errors fail).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, test } from "node:test";
import { s3Sdk, sqsSdk } from "../harness/deps.mjs";
import {
	createBucket, createObserverQueue, createQueue, createTopic, putObject, receiveAll, runProgram,
} from "../harness/lib.mjs";
import { startLocalAws } from "../harness/local-aws.mjs";

const { SendMessageCommand } = sqsSdk;
const { ListObjectsV2Command, PutObjectCommand } = s3Sdk;
const DRIVER = join(process.env.top_builddir ?? ".", "tests/aws/svc_driver");
const T = { timeout: 60000 };

let aws;
let tmp;
let seq = 0;

before(async () => {
	aws = await startLocalAws();
	tmp = mkdtempSync(join(tmpdir(), "ctalertd-svc-"));
});

after(async () => {
	await aws?.stop();
	if (tmp)
		rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => aws.reset());

const uniq = (prefix) => `${prefix}-${process.pid}-${++seq}`;

/* key=value words with every byte outside [A-Za-z0-9_.,/:-] %XX-encoded. */
function word(key, value) {
	const enc = Buffer.from(String(value), "utf8")
		.toString("binary")
		.replace(/[^A-Za-z0-9_.,/:-]/g, (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase());
	return `${key}=${enc}`;
}

function words(params) {
	const out = [];
	for (const [k, v] of Object.entries(params)) {
		if (v === undefined)
			continue;
		for (const one of Array.isArray(v) ? v : [v])
			out.push(word(k, one));
	}
	return out;
}

/** Runs one driver command: {code, out (parsed JSON line), stderr}. */
async function drive(cmd, params, { lines, env } = {}) {
	let command = DRIVER;
	let args = [cmd, ...words(params)];
	if (lines)
		args.push("stdin=1");
	if (process.env.SVC_VALGRIND) {
		args = ["-q", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=9", command, ...args];
		command = "valgrind";
	}
	const input = lines ? lines.map((l) => words(l).join(" ")).join("\n") + "\n" : undefined;
	const r = await runProgram(aws, command, args, { input, env, timeoutMs: 45000 });
	assert.equal(r.timedOut, false, `driver timed out: ${r.stderr}`);
	assert.ok(r.code === 0 || r.code === 1, `driver exit ${r.code} ${r.signal ?? ""}: ${r.stderr}`);
	const line = r.stdout.trim().split("\n").pop();
	return { code: r.code, out: JSON.parse(line), stderr: r.stderr };
}

function scopeRegion(entry) {
	const m = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(entry.headers.authorization ?? "");
	return m ? m[1] : null;
}

async function sendMessages(url, bodies) {
	for (const b of bodies)
		await aws.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: b }));
}

/* ---- SQS ---- */

test("sqs: ReceiveMessage returns bodies and the system attributes", T, async () => {
	const q = await createQueue(aws, uniq("rx"));
	const bodies = ['{"Records":[]}', "café \"quoted\"\n\ttab € \\ end"];
	await sendMessages(q.url, bodies);
	const { code, out } = await drive("sqs-receive", { queue: q.url, max: 10, wait: 1, visibility: 30 });
	assert.equal(code, 0);
	assert.deepEqual(out.messages.map((m) => m.body).sort(), [...bodies].sort());
	for (const m of out.messages) {
		assert.equal(m.count, 1);
		assert.ok(m.sent > 1.6e12 && m.first >= m.sent, `timestamps ${m.sent} ${m.first}`);
		assert.match(m.md5, /^[0-9a-f]{32}$/);
	}
	const log = aws.requestLog.match({ operation: "ReceiveMessage" });
	assert.equal(log.length, 1);
	assert.equal(log[0].headers["x-amz-target"], "AmazonSQS.ReceiveMessage");
	assert.equal(log[0].headers["content-type"], "application/x-amz-json-1.0");
});

test("sqs: without an endpoint override the queue URL's host is used", T, async () => {
	const q = await createQueue(aws, uniq("host"));
	await sendMessages(q.url, ["via the queue host"]);
	const { code, out } = await drive("sqs-receive", { queue: q.url, wait: 1 }, { env: { AWS_ENDPOINT_URL: "" } });
	assert.equal(code, 0);
	assert.equal(out.messages[0].body, "via the queue host");
	assert.equal(aws.requestLog.count({ operation: "ReceiveMessage" }), 1);
});

test("sqs: ThrottlingException is retried", T, async () => {
	const q = await createQueue(aws, uniq("throttle"));
	await sendMessages(q.url, ["x"]);
	const id = aws.faults.add({ service: "sqs", operation: "ReceiveMessage", kind: "throttle" });
	const { code, out } = await drive("sqs-receive", { queue: q.url, wait: 1 });
	assert.equal(code, 0, JSON.stringify(out));
	assert.equal(out.messages.length, 1);
	assert.equal(aws.faults.fired(id), 1);
	const log = aws.requestLog.match({ operation: "ReceiveMessage" });
	assert.deepEqual(log.map((e) => e.error), ["ThrottlingException", null]);
});

test("sqs: a 500 and a reset before the answer are retried", T, async () => {
	const q = await createQueue(aws, uniq("faults"));
	aws.faults.add({ service: "sqs", operation: "GetQueueAttributes", kind: "error500" });
	aws.faults.add({ service: "sqs", operation: "GetQueueAttributes", kind: "reset-before" });
	const { code, out } = await drive("sqs-attrs", { queue: q.url, names: "VisibilityTimeout,QueueArn" });
	assert.equal(code, 0, JSON.stringify(out));
	assert.equal(out.attributes.VisibilityTimeout, "30");
	assert.equal(out.attributes.QueueArn, q.arn);
	assert.equal(aws.requestLog.count({ operation: "GetQueueAttributes" }), 3);
});

test("sqs: QueueDoesNotExist is surfaced after one attempt", T, async () => {
	const q = await createQueue(aws, uniq("exists"));
	const gone = q.url.replace(/[^/]+$/, "no-such-queue");
	const { code, out } = await drive("sqs-receive", { queue: gone, wait: 0 });
	assert.equal(code, 1);
	assert.equal(out.error.code, "QueueDoesNotExist");
	assert.equal(out.error.service, "sqs");
	assert.equal(out.error.operation, "ReceiveMessage");
	assert.equal(out.error.status, 400);
	assert.equal(out.error.retryable, 0);
	assert.equal(aws.requestLog.count({ operation: "ReceiveMessage" }), 1);
});

test("sqs: DeleteMessageBatch and ChangeMessageVisibilityBatch report each entry", T, async () => {
	const q = await createQueue(aws, uniq("batch"));
	await sendMessages(q.url, ["a", "b", "c"]);
	const rx = await drive("sqs-receive", { queue: q.url, max: 10, wait: 1 });
	assert.equal(rx.out.messages.length, 3);
	const [m0, m1, m2] = rx.out.messages;
	const vis = await drive("sqs-visibility", { queue: q.url }, {
		lines: [
			{ id: "keep", receipt: m0.receipt, visibility: 60 },
			{ id: "bogus", receipt: "not-a-receipt-handle", visibility: 60 },
		],
	});
	assert.equal(vis.code, 0);
	assert.equal(vis.out.failed, 1);
	assert.deepEqual(vis.out.entries.map((e) => [e.id, e.status]), [["keep", "ok"], ["bogus", "failed"]]);
	assert.equal(vis.out.entries[1].code, "ReceiptHandleIsInvalid");
	assert.equal(vis.out.entries[1].sender, 1);
	assert.equal(vis.out.entries[1].retryable, 0);

	aws.faults.add({ service: "sqs", operation: "DeleteMessageBatch", kind: "error500" });
	const del = await drive("sqs-delete", { queue: q.url }, {
		lines: [m0, m1, m2].map((m, i) => ({ id: `m${i}`, receipt: m.receipt })),
	});
	assert.equal(del.code, 0, JSON.stringify(del.out));
	assert.equal(del.out.failed, 0);
	assert.equal(aws.requestLog.count({ operation: "DeleteMessageBatch" }), 2);
	const again = await drive("sqs-receive", { queue: q.url, wait: 0, visibility: 0 });
	assert.equal(again.out.messages.length, 0);
});

test("sqs: an invalid batch is refused before anything is sent", T, async () => {
	const q = await createQueue(aws, uniq("invalid"));
	const { code, out } = await drive("sqs-delete", { queue: q.url }, {
		lines: [{ id: "same", receipt: "1" }, { id: "same", receipt: "2" }],
	});
	assert.equal(code, 1);
	assert.equal(out.error.code, "BatchEntryIdsNotDistinct");
	assert.equal(aws.requestLog.count({ service: "sqs" }), 0);
});

/* ---- S3 ---- */

async function object(bucket, key, size = 300000) {
	const body = randomBytes(size);
	const put = await putObject(aws, bucket, key, body, { contentType: "application/gzip" });
	return { body, etag: `"${put.etag}"` };
}

async function get(params, opts) {
	const out = join(tmp, uniq("obj"));
	const r = await drive("s3-get", { out, ...params }, opts);
	r.bytes = r.code === 0 || r.out.error ? readFileSync(out) : null;
	return r;
}

function checkGot(r, obj) {
	assert.equal(r.code, 0, JSON.stringify(r.out));
	assert.equal(r.out.size, obj.body.length);
	assert.equal(r.out.bytes, obj.body.length);
	assert.equal(r.out.written, obj.body.length);
	assert.equal(r.out.heads, 1);
	assert.equal(r.out.body_before_head, 0);
	assert.ok(r.bytes.equals(obj.body), "the bytes differ from the object's");
}

test("s3: GetObject streams the object, metadata first, with the expected owner", T, async () => {
	const bucket = await createBucket(aws, uniq("get"));
	const obj = await object(bucket, "AWSLogs/log.json.gz");
	const r = await get({ bucket, key: "AWSLogs/log.json.gz", owner: aws.accountId });
	checkGot(r, obj);
	assert.equal(r.out.etag, obj.etag);
	assert.equal(r.out.type, "application/gzip"); // fauxqs keeps no Content-Encoding
	assert.equal(r.out.requests, 1);
	const log = aws.requestLog.match({ operation: "GetObject" });
	assert.equal(log.length, 1);
	assert.equal(log[0].headers["x-amz-expected-bucket-owner"], aws.accountId);
});

test("s3: a key full of special characters is fetched", T, async () => {
	const bucket = await createBucket(aws, uniq("keys"));
	const key = "dir//a b+c~d%e=f&g/ünïcødé 日本/x.json.gz";
	const obj = await object(bucket, key, 1000);
	const r = await get({ bucket, key });
	checkGot(r, obj);
	assert.equal(aws.requestLog.match({ operation: "GetObject" })[0].key, key);
});

test("s3: SlowDown, a 500 and a reset before the body are retried", T, async () => {
	const bucket = await createBucket(aws, uniq("retry"));
	const obj = await object(bucket, "k", 5000);
	for (const kind of ["throttle", "error500", "reset-before"]) {
		aws.reset();
		const id = aws.faults.add({ service: "s3", operation: "GetObject", kind });
		const r = await get({ bucket, key: "k" });
		checkGot(r, obj);
		assert.equal(aws.faults.fired(id), 1, kind);
		assert.equal(r.out.requests, 2, kind);
		assert.equal(r.out.resumes, 0, kind);
		assert.equal(aws.requestLog.count({ operation: "GetObject" }), 2, kind);
	}
	assert.equal(aws.requestLog.match({ operation: "GetObject" })[0].error, null); // the reset: no answer
});

test("s3: a drop in the middle of the body resumes with Range + If-Match", T, async () => {
	const bucket = await createBucket(aws, uniq("resume"));
	const obj = await object(bucket, "big.json.gz", 300000);
	for (const how of ["reset", "close"]) {
		aws.reset();
		aws.faults.add({ service: "s3", operation: "GetObject", kind: "reset-mid-body", bytes: 65536, how });
		const r = await get({ bucket, key: "big.json.gz" });
		checkGot(r, obj);
		assert.equal(r.out.resumes, 1, how);
		const log = aws.requestLog.match({ operation: "GetObject" });
		assert.equal(log.length, 2, how);
		assert.equal(log[0].fault, "reset-mid-body");
		assert.equal(log[0].headers.range, undefined);
		assert.equal(log[1].headers.range, "bytes=65536-");
		assert.equal(log[1].headers["if-match"], obj.etag);
		assert.equal(log[1].status, 206);
	}
});

test("s3: several drops resume from each point, never duplicating a byte", T, async () => {
	const bucket = await createBucket(aws, uniq("drops"));
	const obj = await object(bucket, "k", 250000);
	aws.faults.add({ service: "s3", operation: "GetObject", kind: "reset-mid-body", bytes: 40000, count: 3 });
	const r = await get({ bucket, key: "k" });
	checkGot(r, obj);
	assert.equal(r.out.resumes, 3);
	const ranges = aws.requestLog.match({ operation: "GetObject" }).map((e) => e.headers.range ?? "");
	assert.deepEqual(ranges, ["", "bytes=40000-", "bytes=80000-", "bytes=120000-"]);
});

test("s3: resumes are bounded", T, async () => {
	const bucket = await createBucket(aws, uniq("bounded"));
	await object(bucket, "k", 100000);
	aws.faults.add({ service: "s3", operation: "GetObject", kind: "reset-mid-body", bytes: 1000, count: "always" });
	const r = await get({ bucket, key: "k", resumes: 2 });
	assert.equal(r.code, 1);
	assert.equal(r.out.error.code, "NetworkError");
	assert.equal(r.bytes.length, 3000);
	assert.equal(aws.requestLog.count({ operation: "GetObject" }), 3);
});

test("s3: an object that changed before the resume is a distinct, final error", T, async () => {
	const bucket = await createBucket(aws, uniq("changed"));
	const obj = await object(bucket, "k", 100000);
	aws.faults.add({ service: "s3", operation: "GetObject", kind: "reset-mid-body", bytes: 30000 });
	aws.faults.add({ service: "s3", operation: "GetObject", kind: "status", status: 412, code: "PreconditionFailed", message: "At least one of the pre-conditions you specified did not hold" });
	const r = await get({ bucket, key: "k" });
	assert.equal(r.code, 1);
	assert.equal(r.out.error.code, "PreconditionFailed");
	assert.equal(r.out.error.status, 412);
	assert.equal(r.out.error.retryable, 0);
	assert.match(r.out.error.message, new RegExp(`^s3://${bucket}/k: changed while being read`));
	assert.ok(r.bytes.equals(obj.body.subarray(0, 30000)));
	assert.equal(aws.requestLog.count({ operation: "GetObject" }), 2);
});

test("s3: NoSuchKey is surfaced after one attempt, naming the object", T, async () => {
	const bucket = await createBucket(aws, uniq("nokey"));
	const r = await get({ bucket, key: "missing/key.json.gz" });
	assert.equal(r.code, 1);
	assert.equal(r.out.error.code, "NoSuchKey");
	assert.equal(r.out.error.status, 404);
	assert.equal(r.out.error.retryable, 0);
	assert.ok(r.out.error.request_id.length > 0);
	assert.match(r.out.error.message, new RegExp(`^s3://${bucket}/missing/key.json.gz: `));
	assert.equal(aws.requestLog.count({ operation: "GetObject" }), 1);
});

test("s3: a wrong expected bucket owner is AccessDenied after one attempt", T, async () => {
	const bucket = await createBucket(aws, uniq("owner"), { owner: "111122223333" });
	await object(bucket, "k", 10);
	const r = await get({ bucket, key: "k", owner: aws.accountId });
	assert.equal(r.code, 1);
	assert.equal(r.out.error.code, "AccessDenied");
	assert.equal(r.out.error.status, 403);
	assert.equal(aws.requestLog.count({ operation: "GetObject" }), 1);
	const head = await drive("s3-head", { bucket, owner: aws.accountId });
	assert.equal(head.code, 1);
	assert.equal(head.out.error.status, 403);
	const ok = await drive("s3-head", { bucket, owner: "111122223333" });
	assert.equal(ok.code, 0, JSON.stringify(ok.out));
});

test("s3: a bucket in another region is followed there (AuthorizationHeaderMalformed)", T, async () => {
	const bucket = await createBucket(aws, uniq("region"));
	const obj = await object(bucket, "k", 2000);
	aws.setBucketRegion(bucket, "eu-west-1");
	const r = await get({ bucket, key: "k" });
	checkGot(r, obj);
	assert.equal(r.out.region, "eu-west-1");
	const log = aws.requestLog.match({ operation: "GetObject" });
	assert.deepEqual(log.map((e) => [scopeRegion(e), e.error]), [["us-east-1", "AuthorizationHeaderMalformed"], ["eu-west-1", null]]);
});

test("s3: a 301 PermanentRedirect is followed with x-amz-bucket-region", T, async () => {
	// The front checks the signing region before faults fire, so the 301 can
	// only name the region the request was signed for: the test shows that the
	// redirect is followed (signed explicitly for the region it names).
	const bucket = await createBucket(aws, uniq("moved"));
	const obj = await object(bucket, "k", 2000);
	const redirect = {
		service: "s3", bucket, kind: "status", status: 301, code: "PermanentRedirect",
		message: "The bucket you are attempting to access must be addressed using the specified endpoint.",
		headers: { "x-amz-bucket-region": aws.region },
	};
	aws.faults.add({ ...redirect, operation: "GetObject" });
	aws.faults.add({ ...redirect, operation: "HeadBucket" });
	const r = await get({ bucket, key: "k" });
	checkGot(r, obj);
	assert.equal(r.out.region, aws.region);
	const log = aws.requestLog.match({ operation: "GetObject" });
	assert.deepEqual(log.map((e) => [e.status, scopeRegion(e)]), [[301, aws.region], [200, aws.region]]);
	const head = await drive("s3-head", { bucket });
	assert.equal(head.code, 0, JSON.stringify(head.out));
	assert.deepEqual(aws.requestLog.match({ operation: "HeadBucket" }).map((e) => e.status), [301, 200]);
});

test("s3: HeadBucket", T, async () => {
	const bucket = await createBucket(aws, uniq("head"));
	const ok = await drive("s3-head", { bucket });
	assert.equal(ok.code, 0, JSON.stringify(ok.out));
	const missing = await drive("s3-head", { bucket: uniq("no-such-bucket") });
	assert.equal(missing.code, 1);
	assert.equal(missing.out.error.status, 404);
	assert.equal(missing.out.error.operation, "HeadBucket");
	assert.equal(aws.requestLog.count({ operation: "HeadBucket" }), 2);
});

test("s3: HeadObject reports size, ETag and user metadata; a missing key is NotFound", T, async () => {
	const bucket = await createBucket(aws, uniq("headobj"));
	const signature = "ab".repeat(256);
	await aws.s3.send(new PutObjectCommand({
		Bucket: bucket, Key: "d/digest.json.gz", Body: Buffer.from("digest"), ContentType: "application/json",
		Metadata: { signature, "signature-algorithm": "SHA256withRSA" },
	}));
	const r = await drive("s3-head-object", { bucket, key: "d/digest.json.gz", owner: aws.accountId });
	assert.equal(r.code, 0, JSON.stringify(r.out));
	assert.equal(r.out.size, 6);
	assert.equal(r.out.meta.signature, signature);
	assert.equal(r.out.meta["signature-algorithm"], "SHA256withRSA");
	const gone = await drive("s3-head-object", { bucket, key: "d/none.json.gz" });
	assert.equal(gone.code, 1);
	assert.equal(gone.out.error.status, 404);
	assert.match(gone.out.error.message, new RegExp(`^s3://${bucket}/d/none.json.gz: `));
});

test("s3: ListObjectsV2 pages, prefixes and StartAfter agree with the SDK's listing", T, async () => {
	const bucket = await createBucket(aws, uniq("list"));
	const keys = [
		"AWSLogs/111122223333/CloudTrail/eu-west-1/2026/01/01/a.json.gz",
		"AWSLogs/111122223333/CloudTrail/eu-west-1/2026/01/02/b c+d%e.json.gz",
		"AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/01/ünï.json.gz",
		"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/01/01/d.json.gz",
		"AWSLogs/444455556666/CloudTrail/us-east-1/2026/01/01/e.json.gz",
	];
	for (const key of keys)
		await putObject(aws, bucket, key, Buffer.from(key));
	const sdk = await aws.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
	const all = await drive("s3-list", { bucket, page: 2 });
	assert.equal(all.code, 0, JSON.stringify(all.out));
	assert.deepEqual(all.out.keys.map((k) => k.key), sdk.Contents.map((c) => c.Key));
	assert.deepEqual(all.out.keys.map((k) => k.size), sdk.Contents.map((c) => c.Size));
	assert.equal(all.out.pages, 3);
	const listed = aws.requestLog.match({ operation: "ListObjectsV2" });
	assert.equal(listed.length, 3); // three signed pages reached the front

	const dirs = await drive("s3-list", { bucket, prefix: "AWSLogs/", delimiter: "/" });
	assert.deepEqual(dirs.out.prefixes, ["AWSLogs/111122223333/", "AWSLogs/444455556666/"]);
	assert.deepEqual(dirs.out.keys, []);

	const after = await drive("s3-list", {
		bucket, prefix: "AWSLogs/111122223333/CloudTrail/", after: keys[0],
	});
	assert.deepEqual(after.out.keys.map((k) => k.key), [keys[1], keys[2]]);

	const first = await drive("s3-list", { bucket, page: 1, stop: 2 });
	assert.deepEqual(first.out.keys.map((k) => k.key), sdk.Contents.slice(0, 2).map((c) => c.Key));
	assert.equal(first.out.stopped, 1);
	assert.equal(first.out.pages, 2);
});

test("s3: ListObjectsV2 retries a throttled page and names the bucket when it fails", T, async () => {
	const bucket = await createBucket(aws, uniq("listfault"));
	await putObject(aws, bucket, "k1", Buffer.from("1"));
	await putObject(aws, bucket, "k2", Buffer.from("2"));
	aws.faults.add({ service: "s3", operation: "ListObjectsV2", kind: "throttle" });
	const ok = await drive("s3-list", { bucket, page: 1 });
	assert.equal(ok.code, 0, JSON.stringify(ok.out));
	assert.deepEqual(ok.out.keys.map((k) => k.key), ["k1", "k2"]);
	const missing = uniq("no-such-bucket");
	const r = await drive("s3-list", { bucket: missing });
	assert.equal(r.code, 1);
	assert.equal(r.out.error.status, 404);
	assert.match(r.out.error.message, new RegExp(`^bucket ${missing}: `));
});

/* ---- SNS ---- */

test("sns: Publish with a subject and attributes reaches subscribers", T, async () => {
	const topic = await createTopic(aws, uniq("alerts"));
	const observer = await createObserverQueue(aws, topic, uniq("obs"));
	const { code, out } = await drive("sns-publish", {
		topic, message: '{"rule":"root-login","detail":"a & b = c"}', subject: "ctalertd: root-login",
		attr: ["rule:String:root-login", "severity:Number:3"],
	});
	assert.equal(code, 0, JSON.stringify(out));
	assert.match(out.message_id, /./);
	const got = await receiveAll(aws, observer.url, { expect: 1 });
	const env = JSON.parse(got[0].Body);
	assert.equal(env.Message, '{"rule":"root-login","detail":"a & b = c"}');
	assert.equal(env.Subject, "ctalertd: root-login");
	assert.equal(env.MessageId, out.message_id);
	assert.deepEqual(env.MessageAttributes.rule, { Type: "String", Value: "root-login" });
	assert.deepEqual(env.MessageAttributes.severity, { Type: "Number", Value: "3" });
});

test("sns: Publish with MessageStructure=json and to a FIFO topic", T, async () => {
	const topic = await createTopic(aws, uniq("alerts"));
	const json = await drive("sns-publish", { topic, message: '{"default":"d","sqs":"s"}', json: 1 });
	assert.equal(json.code, 0, JSON.stringify(json.out));
	const fifo = await createTopic(aws, `${uniq("alerts")}.fifo`, { FifoTopic: "true" });
	const observer = await createObserverQueue(aws, fifo, uniq("obs"), { raw: true });
	const r = await drive("sns-publish", { topic: fifo, message: "m", group: "rule-1", dedup: "event-1" });
	assert.equal(r.code, 0, JSON.stringify(r.out));
	const got = await receiveAll(aws, observer.url, { expect: 1 });
	assert.equal(got[0].Body, "m");
	const missing = await drive("sns-publish", { topic: fifo, message: "no group" });
	assert.equal(missing.code, 1);
	assert.equal(missing.out.error.code, "InvalidParameter");
	assert.equal(missing.out.error.retryable, 0);
});

test("sns: throttling and a 500 on Publish are retried", T, async () => {
	const topic = await createTopic(aws, uniq("alerts"));
	aws.faults.add({ service: "sns", operation: "Publish", kind: "throttle" });
	aws.faults.add({ service: "sns", operation: "Publish", kind: "error500" });
	const { code, out } = await drive("sns-publish", { topic, message: "x" });
	assert.equal(code, 0, JSON.stringify(out));
	assert.deepEqual(aws.requestLog.match({ operation: "Publish" }).map((e) => e.error), ["Throttling", "InternalError", null]);
});

test("sns: Publish to a missing topic is NotFound after one attempt", T, async () => {
	const topic = await createTopic(aws, uniq("alerts"));
	const gone = topic.replace(/[^:]+$/, "no-such-topic");
	const { code, out } = await drive("sns-publish", { topic: gone, message: "x" });
	assert.equal(code, 1);
	assert.equal(out.error.code, "NotFound");
	assert.equal(out.error.status, 404);
	assert.equal(aws.requestLog.count({ operation: "Publish" }), 1);
});

test("sns: PublishBatch reports per-entry failures so only those are retried", T, async () => {
	const topic = await createTopic(aws, `${uniq("alerts")}.fifo`, { FifoTopic: "true" });
	const observer = await createObserverQueue(aws, topic, uniq("obs"), { raw: true });
	aws.faults.add({ service: "sns", operation: "PublishBatch", kind: "error500" });
	const first = await drive("sns-batch", { topic }, {
		lines: [
			{ id: "a", message: "alert a", group: "g", dedup: "d-a", attr: "rule:String:r1" },
			{ id: "b", message: "alert b" },
			{ id: "c", message: "alert c", group: "g", dedup: "d-c" },
		],
	});
	assert.equal(first.code, 0, JSON.stringify(first.out));
	assert.equal(first.out.failed, 1);
	assert.deepEqual(first.out.entries.map((e) => [e.id, e.status]), [["a", "ok"], ["b", "failed"], ["c", "ok"]]);
	assert.equal(first.out.entries[1].code, "InvalidParameter");
	assert.equal(first.out.entries[1].sender, 1);
	assert.equal(first.out.entries[1].retryable, 0);
	assert.equal(aws.requestLog.count({ operation: "PublishBatch" }), 2);

	const retry = await drive("sns-batch", { topic }, { lines: [{ id: "b", message: "alert b", group: "g", dedup: "d-b" }] });
	assert.equal(retry.code, 0);
	assert.equal(retry.out.failed, 0);
	const got = await receiveAll(aws, observer.url, { expect: 3 });
	assert.deepEqual(got.map((m) => m.Body).sort(), ["alert a", "alert b", "alert c"]);
});

test("sns: an oversized or overfull batch is refused before anything is sent", T, async () => {
	const topic = await createTopic(aws, uniq("alerts"));
	const big = await drive("sns-batch", { topic }, {
		lines: [{ id: "a", message: "x".repeat(140000) }, { id: "b", message: "y".repeat(140000) }],
	});
	assert.equal(big.code, 1);
	assert.equal(big.out.error.code, "BatchRequestTooLong");
	const eleven = await drive("sns-batch", { topic }, {
		lines: Array.from({ length: 11 }, (_, i) => ({ id: `e${i}`, message: "m" })),
	});
	assert.equal(eleven.code, 1);
	assert.equal(eleven.out.error.code, "TooManyEntriesInBatchRequest");
	assert.equal(aws.requestLog.count({ service: "sns" }), 0);
});

test("sns: GetTopicAttributes", T, async () => {
	const topic = await createTopic(aws, uniq("alerts"));
	const { code, out } = await drive("sns-attrs", { topic });
	assert.equal(code, 0, JSON.stringify(out));
	assert.equal(out.attributes.TopicArn, topic);
	assert.equal(out.attributes.Owner, aws.accountId);
});
