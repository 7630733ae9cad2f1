// Self-test of the local AWS: the front checks signatures as AWS does and
// answers in each service's error shape, every fault kind happens as asked
// and stops when its count is used up, the credential stand-ins hand out keys
// the front accepts, the test library works, and everything stops.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { organizationsSdk, Sha256, SignatureV4, s3Sdk, snsSdk, sqsSdk } from "./deps.mjs";
import {
	createBucket, createObserverQueue, createQueue, createTopic, dynamodb, putObject, queueDepth, receiveAll,
	runProgram, s3EventKey, s3EventNotification, sendMessage, sha256, signedFetch, snsEnvelope,
} from "./lib.mjs";
import { startLocalAws } from "./local-aws.mjs";

const { GetObjectCommand, HeadObjectCommand, PutObjectCommand, ListObjectsV2Command } = s3Sdk;
const { DeleteMessageBatchCommand, ListQueuesCommand, SendMessageCommand } = sqsSdk;
const { ListTopicsCommand, PublishBatchCommand, PublishCommand } = snsSdk;
const LOCAL_AWS = fileURLToPath(new URL("./local-aws.mjs", import.meta.url));
const T = { timeout: 20000 };

let aws;
let plain; // SDK clients whose requests faults apply to, one attempt each
let queue;
let topic;

before(async () => {
	aws = await startLocalAws();
	plain = aws.clients({ harness: false, maxAttempts: 1 });
	await createBucket(aws, "logs");
	await putObject(aws, "logs", "AWSLogs/a b+c~d=e%f/ü//x.json", "{}", { contentType: "application/json" });
	queue = await createQueue(aws, "events");
	topic = await createTopic(aws, "alerts");
});

after(async () => {
	for (const c of Object.values(plain))
		c.destroy();
	await aws?.stop();
});

beforeEach(() => aws.reset());

function alive(pid) {
	try {
		process.kill(pid, 0);
	} catch {
		return false;
	}
	try {
		return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
	} catch {
		return false;
	}
}

async function rejects(promise) {
	try {
		await promise;
	} catch (err) {
		return err;
	}
	assert.fail("the call succeeded");
}

const wrongSecret = () => ({ accessKeyId: aws.credentials.accessKeyId, secretAccessKey: "not-the-secret" });

/* One raw request per service, signed with `credentials`. */
function rawCall(service, credentials, extra = {}) {
	const common = { service, credentials, ...extra };
	if (service === "sqs")
		return signedFetch(aws.endpoint + "/", { ...common, method: "POST", headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AmazonSQS.ListQueues" }, body: "{}" });
	if (service === "s3")
		return signedFetch(aws.endpoint + "/logs?list-type=2", { ...common, headers: { "x-amz-content-sha256": sha256("") } });
	const body = service === "sns" ? "Action=ListTopics&Version=2010-03-31" : "Action=GetCallerIdentity&Version=2011-06-15";
	return signedFetch(aws.endpoint + "/", { ...common, method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
}

function xmlField(text, name) {
	return new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
}

describe("signature checking", () => {
	test("SDK calls through the front pass and are logged", T, async () => {
		const key = "AWSLogs/a b+c~d=e%f/ü//x.json";
		const got = await aws.s3.send(new GetObjectCommand({ Bucket: "logs", Key: key }));
		assert.equal(await got.Body.transformToString(), "{}");
		const list = await aws.s3.send(new ListObjectsV2Command({ Bucket: "logs", Prefix: "AWSLogs/a b" }));
		assert.equal(list.Contents[0].Key, key);
		await aws.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: "hello" }));
		const msgs = await receiveAll(aws, queue.url, { expect: 1, timeoutMs: 5000 });
		assert.equal(msgs[0].Body, "hello");
		assert.equal((await queueDepth(aws, queue.url)).visible, 0);
		const observer = await createObserverQueue(aws, topic, "observer-raw", { raw: true });
		await aws.sns.send(new PublishCommand({ TopicArn: topic, Message: "alert!" }));
		const alerts = await receiveAll(aws, observer.url, { expect: 1, timeoutMs: 5000 });
		assert.equal(alerts[0].Body, "alert!");
		assert.equal(aws.requestLog.count({}), 0, "harness requests are left out by default");
		const ops = aws.requestLog.match({ includeHarness: true }).map((e) => `${e.service}:${e.operation}`);
		for (const op of ["s3:GetObject", "s3:ListObjectsV2", "sqs:SendMessage", "sqs:ReceiveMessage", "sns:Subscribe", "sns:Publish"])
			assert.ok(ops.includes(op), `${op} in the log`);
		const missing = await rejects(aws.s3.send(new GetObjectCommand({ Bucket: "logs", Key: "no/such/key" })));
		assert.equal(missing.name, "NoSuchKey");
		assert.equal(aws.requestLog.match({ includeHarness: true, key: "no/such/key" })[0].error, "NoSuchKey");
		const get = aws.requestLog.match({ includeHarness: true, operation: "GetObject" })[0];
		assert.equal(get.bucket, "logs");
		assert.equal(get.key, key);
		assert.equal(get.status, 200);
	});

	test("a wrong secret gets SignatureDoesNotMatch in each service's shape", T, async () => {
		const sqs = await rawCall("sqs", wrongSecret());
		assert.equal(sqs.status, 403);
		assert.equal(sqs.headers["x-amzn-query-error"], "SignatureDoesNotMatch;Sender");
		const json = JSON.parse(sqs.text);
		assert.equal(json.__type, "com.amazon.coral.service#InvalidSignatureException");
		assert.match(json.message, /The Canonical String for this request should have been\n'POST\n\/\n/);

		const s3 = await rawCall("s3", wrongSecret());
		assert.equal(s3.status, 403);
		assert.equal(xmlField(s3.text, "Code"), "SignatureDoesNotMatch");
		assert.match(s3.text, /^<\?xml[^>]*>\n<Error><Code>/);
		assert.match(xmlField(s3.text, "CanonicalRequest"), /^GET\n\/logs\nlist-type=2\n/);
		assert.equal(xmlField(s3.text, "AWSAccessKeyId"), aws.credentials.accessKeyId);

		for (const service of ["sns", "sts"]) {
			const r = await rawCall(service, wrongSecret());
			assert.equal(r.status, 403, service);
			assert.match(r.text, /^<ErrorResponse xmlns="[^"]+">\s*<Error>\s*<Type>Sender<\/Type>\s*<Code>SignatureDoesNotMatch<\/Code>/, service);
			assert.ok(xmlField(r.text, "RequestId"));
		}
		const bad = aws.clients({ credentials: wrongSecret(), maxAttempts: 1 });
		assert.equal((await rejects(bad.sqs.send(new ListQueuesCommand({})))).name, "SignatureDoesNotMatch");
		assert.equal((await rejects(bad.s3.send(new HeadObjectCommand({ Bucket: "logs", Key: "x" })))).$metadata.httpStatusCode, 403);
		assert.equal((await rejects(bad.sns.send(new ListTopicsCommand({})))).name, "SignatureDoesNotMatch");
		for (const c of Object.values(bad))
			c.destroy();
		assert.equal(aws.requestLog.count({ error: "SignatureDoesNotMatch", includeHarness: true }), 7);
	});

	test("the right signature passes for every service", T, async () => {
		for (const service of ["sqs", "s3", "sns", "sts"]) {
			const r = await rawCall(service, aws.credentials);
			assert.equal(r.status, 200, `${service}: ${r.text}`);
		}
		assert.match((await rawCall("sts", aws.credentials)).text, /<Arn>arn:aws:iam::000000000000:user\/ctalertd-test<\/Arn>/);
	});

	test("unknown keys, bad session tokens and expired keys are refused", T, async () => {
		const unknown = { accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "x" };
		const sqs = await rawCall("sqs", unknown);
		assert.equal(sqs.status, 403);
		assert.equal(JSON.parse(sqs.text).__type, "com.amazon.coral.service#UnrecognizedClientException");
		assert.equal(sqs.headers["x-amzn-query-error"], "InvalidClientTokenId;Sender");
		assert.equal(xmlField((await rawCall("s3", unknown)).text, "Code"), "InvalidAccessKeyId");
		assert.equal(xmlField((await rawCall("sns", unknown)).text, "Code"), "InvalidClientTokenId");

		const temp = aws.credentialStore.mint({ ttlSeconds: 60 });
		const noToken = { accessKeyId: temp.accessKeyId, secretAccessKey: temp.secretAccessKey };
		assert.equal(xmlField((await rawCall("sns", noToken)).text, "Code"), "InvalidClientTokenId");
		assert.equal(xmlField((await rawCall("s3", { ...noToken, sessionToken: "wrong" })).text, "Code"), "InvalidToken");
		const good = { ...noToken, sessionToken: temp.sessionToken };
		assert.equal((await rawCall("sqs", good)).status, 200);
		aws.addCredentials({ ...temp, expiration: Date.now() - 1000 });
		assert.equal(JSON.parse((await rawCall("sqs", good)).text).__type, "com.amazon.coral.service#ExpiredTokenException");
		assert.equal(xmlField((await rawCall("s3", good)).text, "Code"), "ExpiredToken");
	});

	test("a tampered body or a wrong payload hash is refused", T, async () => {
		const body = JSON.stringify({ QueueUrl: queue.url, MessageBody: "original" });
		const r = await signedFetch(aws.endpoint + "/", {
			method: "POST", service: "sqs", credentials: aws.credentials, body,
			headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AmazonSQS.SendMessage" },
			tamper: (req) => {
				req.body = body.replace("original", "tampered");
			},
		});
		assert.equal(r.status, 403);
		assert.equal(JSON.parse(r.text).__type, "com.amazon.coral.service#InvalidSignatureException");
		assert.equal((await queueDepth(aws, queue.url)).visible, 0, "nothing was sent");

		const put = await signedFetch(aws.endpoint + "/logs/tampered.json", {
			method: "PUT", service: "s3", credentials: aws.credentials, body: "real body",
			headers: { "content-type": "application/json", "x-amz-content-sha256": sha256("other body") },
		});
		assert.equal(put.status, 400);
		assert.equal(xmlField(put.text, "Code"), "XAmzContentSHA256Mismatch");
		assert.equal(xmlField(put.text, "S3ComputedContentSHA256"), sha256("real body"));
		const head = await rejects(aws.s3.send(new HeadObjectCommand({ Bucket: "logs", Key: "tampered.json" })));
		assert.equal(head.$metadata.httpStatusCode, 404, "the object was not stored");

		const hashed = await signedFetch(aws.endpoint + "/", {
			method: "POST", service: "sns", credentials: aws.credentials, body: "Action=ListTopics&Version=2010-03-31",
			headers: { "content-type": "application/x-www-form-urlencoded", "x-amz-content-sha256": sha256("something else") },
		});
		assert.equal(hashed.status, 403);
		assert.equal(xmlField(hashed.text, "Code"), "SignatureDoesNotMatch");
	});

	test("DynamoDB goes to dynalite, signature-checked, with DynamoDB's error shapes", T, async () => {
		const target = (op) => ({ "content-type": "application/x-amz-json-1.0", "x-amz-target": `DynamoDB_20120810.${op}` });
		const table = `selftest-${process.pid}`;
		await dynamodb(aws, "CreateTable", {
			TableName: table, BillingMode: "PAY_PER_REQUEST",
			AttributeDefinitions: [{ AttributeName: "k", AttributeType: "S" }],
			KeySchema: [{ AttributeName: "k", KeyType: "HASH" }],
		});
		const put = JSON.stringify({ TableName: table, Item: { k: { S: "a" } } });
		const ok = await signedFetch(aws.endpoint + "/", { method: "POST", service: "dynamodb", credentials: aws.credentials, body: put, headers: target("PutItem") });
		assert.equal(ok.status, 200, ok.text);
		const bad = await signedFetch(aws.endpoint + "/", {
			method: "POST", service: "dynamodb", credentials: aws.credentials, body: put, headers: target("PutItem"),
			tamper: (req) => {
				req.body = put.replace('"a"', '"b"');
			},
		});
		assert.equal(bad.status, 400, "DynamoDB refuses signatures with a 400");
		assert.equal(JSON.parse(bad.text).__type, "com.amazon.coral.service#InvalidSignatureException");
		assert.equal(bad.headers["x-amzn-query-error"], undefined);
		const entry = aws.requestLog.match({ service: "dynamodb", operation: "PutItem" }).pop();
		assert.equal(entry.table, table);
		assert.equal(entry.error, "InvalidSignatureException");
		const scan = await dynamodb(aws, "Scan", { TableName: table });
		assert.deepEqual(scan.Items, [{ k: { S: "a" } }], "the tampered item was not stored");
		const missing = await signedFetch(aws.endpoint + "/", {
			method: "POST", service: "dynamodb", credentials: aws.credentials, headers: target("GetItem"),
			body: JSON.stringify({ TableName: "no-such-table", Key: { k: { S: "a" } } }),
		});
		assert.equal(JSON.parse(missing.text).__type, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
		assert.equal(aws.requestLog.match({ table: "no-such-table" })[0].error, "ResourceNotFoundException");
	});

	test("S3 needs x-amz-content-sha256 and every x-amz-* header signed", T, async () => {
		const missing = await signedFetch(aws.endpoint + "/logs?list-type=2", { service: "s3", credentials: aws.credentials, tamper: (req) => delete req.headers["x-amz-content-sha256"] });
		assert.equal(xmlField(missing.text, "Code"), "InvalidRequest");
		const unsigned = await signedFetch(aws.endpoint + "/logs?list-type=2", {
			service: "s3", credentials: aws.credentials, headers: { "x-amz-content-sha256": sha256("") },
			tamper: (req) => {
				req.headers["x-amz-expected-bucket-owner"] = "000000000000";
			},
		});
		assert.equal(unsigned.status, 403);
		assert.equal(xmlField(unsigned.text, "HeadersNotSigned"), "x-amz-expected-bucket-owner");
		const getWithBodyHash = await signedFetch(aws.endpoint + "/logs?list-type=2", { service: "s3", credentials: aws.credentials, headers: { "x-amz-content-sha256": sha256("a body") } });
		assert.equal(xmlField(getWithBodyHash.text, "Code"), "XAmzContentSHA256Mismatch");
		const anonymous = await signedFetch(aws.endpoint + "/logs?list-type=2", { unsigned: true });
		assert.equal(anonymous.status, 403);
		assert.equal(xmlField(anonymous.text, "Code"), "AccessDenied");
	});

	test("paths and queries are canonicalised as AWS does, not as the client sent them", T, async () => {
		const key = "/logs/AWSLogs/a%20b%2Bc~d%3De%25f/%C3%BC//x.json";
		const headers = { "x-amz-content-sha256": sha256("") };
		const ok = await signedFetch(aws.endpoint + key, { service: "s3", credentials: aws.credentials, headers });
		assert.equal(ok.status, 200, ok.text);
		const loose = await signedFetch(aws.endpoint + "/logs/AWSLogs/a%20b+c~d=e%25f/%C3%BC//x.json", { service: "s3", credentials: aws.credentials, headers });
		assert.equal(loose.status, 403, "'+' sent raw but signed as %2B: AWS decodes and re-encodes the path");
		const unsorted = await signedFetch(aws.endpoint + "/logs?prefix=AWSLogs%2Fa%20b&list-type=2", { service: "s3", credentials: aws.credentials, headers });
		assert.equal(unsorted.status, 200, "the query is sorted by the server");
		assert.match(unsorted.text, /<Key>AWSLogs\/a b\+c~d=e%f\/ü\/\/x.json<\/Key>/);
		const twice = new SignatureV4({ service: "s3", region: "us-east-1", credentials: aws.credentials, sha256: Sha256, applyChecksum: true, uriEscapePath: true });
		const signed = await twice.sign({ method: "GET", protocol: "http:", hostname: "127.0.0.1", path: key, query: {}, headers: { host: new URL(aws.endpoint).host, ...headers } });
		const r = await signedFetch(aws.endpoint + key, { unsigned: true, headers: signed.headers });
		assert.equal(r.status, 403, "an S3 path encoded twice (the non-S3 rule) does not match");
		assert.match(xmlField(r.text, "CanonicalRequest"), /^GET\n\/logs\/AWSLogs\/a%20b%2Bc~d%3De%25f\/%C3%BC\/\/x.json\n/);
	});

	test("x-amz-expected-bucket-owner is checked against the bucket's owner", T, async () => {
		const key = "AWSLogs/a b+c~d=e%f/ü//x.json";
		await aws.s3.send(new GetObjectCommand({ Bucket: "logs", Key: key, ExpectedBucketOwner: aws.accountId }));
		const err = await rejects(aws.s3.send(new GetObjectCommand({ Bucket: "logs", Key: key, ExpectedBucketOwner: "111122223333" })));
		assert.equal(err.name, "AccessDenied");
		assert.equal(err.$metadata.httpStatusCode, 403);
		aws.setBucketOwner("logs", "111122223333");
		await aws.s3.send(new GetObjectCommand({ Bucket: "logs", Key: key, ExpectedBucketOwner: "111122223333" }));
		const entries = aws.requestLog.match({ includeHarness: true, operation: "GetObject" });
		assert.deepEqual(entries.map((e) => e.headers["x-amz-expected-bucket-owner"]), [aws.accountId, "111122223333", "111122223333"]);
	});

	test("the signing region must be the endpoint's or the bucket's", T, async () => {
		const r = await rawCall("sqs", aws.credentials, { region: "eu-west-1" });
		assert.equal(r.status, 403);
		assert.match(JSON.parse(r.text).message, /Credential should be scoped to a valid region/);
		aws.setBucketRegion("logs", "eu-west-1");
		const s3 = await rawCall("s3", aws.credentials);
		assert.equal(s3.status, 400);
		assert.equal(xmlField(s3.text, "Code"), "AuthorizationHeaderMalformed");
		assert.equal(xmlField(s3.text, "Region"), "eu-west-1");
		assert.equal(s3.headers["x-amz-bucket-region"], "eu-west-1");
		assert.equal((await rawCall("s3", aws.credentials, { region: "eu-west-1" })).status, 200);
	});

	test("a clock more than 15 minutes off is refused with the server's Date", T, async () => {
		aws.setClockOffset(3600);
		const s3 = await rawCall("s3", aws.credentials);
		assert.equal(s3.status, 403);
		assert.equal(xmlField(s3.text, "Code"), "RequestTimeTooSkewed");
		assert.ok(Math.abs(Date.parse(s3.headers.date) - (Date.now() + 3600000)) < 5000, `Date ${s3.headers.date} is an hour ahead`);
		const sns = await rawCall("sns", aws.credentials);
		assert.match(xmlField(sns.text, "Message"), /^Signature expired: \d{8}T\d{6}Z is now earlier than/);
		const sqs = await rawCall("sqs", aws.credentials);
		assert.match(JSON.parse(sqs.text).message, /^Signature expired/);
		const signedAhead = await rawCall("s3", aws.credentials, { signingDate: new Date(Date.now() + 3600000) });
		assert.equal(signedAhead.status, 200, "a request signed with the server's time passes");
	});
});

describe("faults", () => {
	test("throttling answers in each service's shape, then recovers", T, async () => {
		aws.faults.add({ service: "sqs", kind: "throttle" });
		const sqs = await rawCall("sqs", aws.credentials);
		assert.equal(sqs.status, 400);
		assert.equal(JSON.parse(sqs.text).__type, "com.amazon.coral.availability#ThrottlingException");
		assert.equal(sqs.headers["x-amzn-query-error"], "ThrottlingException;Sender");
		assert.equal((await rawCall("sqs", aws.credentials)).status, 200, "count used up");

		aws.faults.add({ service: "s3", operation: "GetObject", kind: "throttle" });
		const s3 = await rejects(plain.s3.send(new GetObjectCommand({ Bucket: "logs", Key: "AWSLogs/a b+c~d=e%f/ü//x.json" })));
		assert.equal(s3.name, "SlowDown");
		assert.equal(s3.$metadata.httpStatusCode, 503);

		aws.faults.add({ service: "sns", kind: "throttle" });
		const sns = await rejects(plain.sns.send(new PublishCommand({ TopicArn: topic, Message: "x" })));
		assert.equal(sns.name, "Throttling");
		assert.equal(sns.$metadata.httpStatusCode, 400);

		const retrying = aws.clients({ harness: false, maxAttempts: 3 });
		const id = aws.faults.add({ service: "sqs", operation: "SendMessage", kind: "throttle", count: 2 });
		const q = await createQueue(aws, "throttled");
		await retrying.sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: "after throttling" }));
		assert.equal((await receiveAll(aws, q.url, { expect: 1, timeoutMs: 3000 }))[0]?.Body, "after throttling");
		retrying.sqs.destroy();
		assert.equal(aws.faults.fired(id), 2);
		assert.deepEqual(aws.requestLog.match({ operation: "SendMessage" }).map((e) => e.status), [400, 400, 200]);
	});

	test("500s, custom statuses, skip and 'always'", T, async () => {
		aws.faults.add({ service: "sqs", kind: "error500" });
		const sqs = await rawCall("sqs", aws.credentials);
		assert.equal(sqs.status, 500);
		assert.equal(sqs.headers["x-amzn-query-error"], "InternalFailure;Receiver");
		aws.faults.add({ service: "s3", kind: "error500" });
		assert.equal(xmlField((await rawCall("s3", aws.credentials)).text, "Code"), "InternalError");

		aws.faults.add({ service: "s3", operation: "GetObject", key: "AWSLogs/a b+c~d=e%f/ü//x.json", kind: "status", status: 404, code: "NoSuchKey", message: "gone" });
		const e = await rejects(plain.s3.send(new GetObjectCommand({ Bucket: "logs", Key: "AWSLogs/a b+c~d=e%f/ü//x.json" })));
		assert.equal(e.name, "NoSuchKey");

		const id = aws.faults.add({ service: "sns", operation: "ListTopics", kind: "error500", skip: 1, count: "always" });
		assert.equal((await rawCall("sns", aws.credentials)).status, 200, "skipped");
		assert.equal((await rawCall("sns", aws.credentials)).status, 500);
		assert.equal((await rawCall("sns", aws.credentials)).status, 500);
		assert.equal(aws.faults.fired(id), 2);
		assert.equal(aws.faults.list().find((r) => r.id === id).remaining, "always");
		assert.throws(() => aws.faults.add({ kind: "nonsense" }), /unknown fault kind/);
		assert.throws(() => aws.faults.add({ kind: "throttle", count: 0 }), /count/);
	});

	test("batch-partial: chosen entries fail, the others take effect", T, async () => {
		const observer = await createObserverQueue(aws, topic, "observer-batch", { raw: true });
		aws.faults.add({ service: "sns", operation: "PublishBatch", kind: "batch-partial", failIds: ["b"], code: "InternalError" });
		const entries = ["a", "b", "c"].map((id) => ({ Id: id, Message: `message ${id}` }));
		const out = await plain.sns.send(new PublishBatchCommand({ TopicArn: topic, PublishBatchRequestEntries: entries }));
		assert.deepEqual(out.Successful.map((e) => e.Id).sort(), ["a", "c"]);
		assert.deepEqual(out.Failed, [{ Id: "b", Code: "InternalError", Message: "injected entry failure", SenderFault: false }]);
		const got = await receiveAll(aws, observer.url, { expect: 2, timeoutMs: 3000 });
		assert.deepEqual(got.map((m) => m.Body).sort(), ["message a", "message c"]);

		const q = await createQueue(aws, "batch");
		await sendMessage(aws, q.url, "one");
		await sendMessage(aws, q.url, "two");
		const received = await receiveAll(aws, q.url, { expect: 2, keep: true, timeoutMs: 3000 });
		aws.faults.add({ service: "sqs", operation: "DeleteMessageBatch", kind: "batch-partial", fail: [0], code: "ReceiptHandleIsInvalid", senderFault: true });
		const del = await plain.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: q.url, Entries: received.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })) }));
		assert.deepEqual(del.Successful.map((e) => e.Id), ["m1"]);
		assert.equal(del.Failed[0].Id, "m0");
		assert.equal(del.Failed[0].Code, "ReceiptHandleIsInvalid");
		assert.equal(del.Failed[0].SenderFault, true);
		assert.equal((await queueDepth(aws, q.url)).inFlight, 1, "only the other message was deleted");

		aws.faults.add({ service: "sns", kind: "batch-partial", failCount: 3 });
		await plain.sns.send(new PublishCommand({ TopicArn: topic, Message: "not a batch: untouched" }));
		const none = await plain.sns.send(new PublishBatchCommand({ TopicArn: topic, PublishBatchRequestEntries: entries }));
		assert.equal(none.Successful?.length ?? 0, 0);
		assert.equal(none.Failed.length, 3);
		assert.equal((await receiveAll(aws, observer.url, { expect: 2, timeoutMs: 1500 })).length, 1, "only the single Publish arrived");
	});

	test("faults leave the harness's own clients alone unless asked", T, async () => {
		aws.faults.add({ service: "sqs", kind: "throttle", count: "always" });
		await aws.sqs.send(new ListQueuesCommand({}));
		aws.faults.clear();
		aws.faults.add({ service: "sqs", kind: "throttle", includeHarness: true });
		const h = aws.clients({ maxAttempts: 1 });
		assert.equal((await rejects(h.sqs.send(new ListQueuesCommand({})))).name, "ThrottlingException");
		h.sqs.destroy();
	});

	test("reset before the answer: the request is not processed (or is, with afterUpstream)", T, async () => {
		const queue = await createQueue(aws, "resets");
		aws.faults.add({ service: "sqs", operation: "SendMessage", kind: "reset-before" });
		const err = await rejects(plain.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: "lost" })));
		assert.match(`${err.code ?? ""} ${err.message}`, /ECONNRESET|socket hang up/);
		assert.equal((await queueDepth(aws, queue.url)).visible, 0);

		aws.faults.add({ service: "sqs", operation: "SendMessage", kind: "reset-before", afterUpstream: true });
		await rejects(plain.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: "sent, answer lost" })));
		const msgs = await receiveAll(aws, queue.url, { expect: 1, timeoutMs: 3000 });
		assert.equal(msgs[0]?.Body, "sent, answer lost");
		await plain.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: "fine" }));
		assert.equal((await receiveAll(aws, queue.url, { expect: 1, timeoutMs: 3000 }))[0]?.Body, "fine");
	});

	test("reset in the middle of a body: headers and part of it, then a reset", T, async () => {
		const body = Buffer.alloc(100000, 0x61);
		await putObject(aws, "logs", "big.bin", body);
		aws.faults.add({ service: "s3", operation: "GetObject", kind: "reset-mid-body", bytes: 30000 });
		const headers = { "x-amz-content-sha256": sha256("") };
		const cut = await signedFetch(aws.endpoint + "/logs/big.bin", { service: "s3", credentials: aws.credentials, headers });
		assert.equal(cut.status, 200);
		assert.equal(cut.headers["content-length"], "100000");
		assert.equal(cut.body.length, 30000);
		assert.ok(cut.error, "the connection failed");
		aws.faults.add({ service: "s3", operation: "GetObject", kind: "reset-mid-body", how: "close" });
		const closed = await signedFetch(aws.endpoint + "/logs/big.bin", { service: "s3", credentials: aws.credentials, headers });
		assert.equal(closed.body.length, 50000, "half by default");
		assert.ok(closed.error);
		const ranged = await signedFetch(aws.endpoint + "/logs/big.bin", { service: "s3", credentials: aws.credentials, headers: { ...headers, range: "bytes=30000-", "if-match": cut.headers.etag } });
		assert.equal(ranged.status, 206, "resuming with Range + If-Match works");
		assert.equal(ranged.body.length, 70000);
		assert.equal(aws.requestLog.match({ fault: "reset-mid-body" }).every((e) => e.completed === false), true);
	});

	test("slow answers: a delay past the client's timeout, and a trickled body", T, async () => {
		const impatient = aws.clients({ harness: false, maxAttempts: 1, requestTimeout: 300 });
		aws.faults.add({ service: "sqs", operation: "ListQueues", kind: "slow", delayMs: 1500 });
		const t0 = Date.now();
		const err = await rejects(impatient.sqs.send(new ListQueuesCommand({})));
		assert.ok(Date.now() - t0 < 1400, "the client gave up first");
		assert.match(`${err.name} ${err.message}`, /Timeout|timed out|timeout/i);
		await impatient.sqs.send(new ListQueuesCommand({}));
		impatient.sqs.destroy();

		await putObject(aws, "logs", "slow.bin", Buffer.alloc(4000, 0x62));
		aws.faults.add({ service: "s3", operation: "GetObject", kind: "slow", bytesPerSecond: 8000 });
		const t1 = Date.now();
		const got = await signedFetch(aws.endpoint + "/logs/slow.bin", { service: "s3", credentials: aws.credentials, headers: { "x-amz-content-sha256": sha256("") } });
		const took = Date.now() - t1;
		assert.equal(got.body.length, 4000);
		assert.ok(took >= 400 && took < 3000, `4000 bytes at 8000 B/s took ${took} ms`);

		aws.faults.add({ service: "s3", operation: "GetObject", kind: "slow", bytesPerSecond: 100, durationMs: 300 });
		const t2 = Date.now();
		const partlySlow = await signedFetch(aws.endpoint + "/logs/slow.bin", { service: "s3", credentials: aws.credentials, headers: { "x-amz-content-sha256": sha256("") } });
		assert.equal(partlySlow.body.length, 4000);
		assert.ok(Date.now() - t2 < 2000, "full speed after durationMs");
	});

	test("skew-date: the real skew error with a skewed Date; the SDK re-signs and passes", T, async () => {
		aws.faults.add({ service: "s3", kind: "skew-date", seconds: -7200 });
		const r = await rawCall("s3", aws.credentials);
		assert.equal(xmlField(r.text, "Code"), "RequestTimeTooSkewed");
		assert.ok(Math.abs(Date.parse(r.headers.date) - (Date.now() - 7200000)) < 5000, `Date ${r.headers.date} is two hours behind`);
		aws.reset();

		aws.faults.add({ service: "sqs", kind: "skew-date", seconds: 3600 });
		const sdk = aws.clients({ harness: false, maxAttempts: 3 });
		await sdk.sqs.send(new ListQueuesCommand({}));
		sdk.sqs.destroy();
		const entries = aws.requestLog.match({ operation: "ListQueues" });
		assert.deepEqual(entries.map((e) => [e.status, e.error]), [[403, "SignatureDoesNotMatch"], [200, null]]);
		assert.equal(entries[0].fault, "skew-date");
	});
});

describe("credential stand-ins", () => {
	test("IMDSv2: token, role, credentials the front accepts; 401 without a token", T, async () => {
		const url = aws.imds.url;
		assert.equal((await fetch(`${url}/latest/meta-data/iam/security-credentials/`)).status, 401);
		assert.equal((await fetch(`${url}/latest/api/token`, { method: "PUT" })).status, 400, "TTL header required");
		const tokenRes = await fetch(`${url}/latest/api/token`, { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" } });
		const token = await tokenRes.text();
		const h = { "x-aws-ec2-metadata-token": token };
		const role = await (await fetch(`${url}/latest/meta-data/iam/security-credentials/`, { headers: h })).text();
		assert.equal(role, "ctalertd-instance-role");
		const creds = await (await fetch(`${url}/latest/meta-data/iam/security-credentials/${role}`, { headers: h })).json();
		assert.equal(creds.Code, "Success");
		assert.equal(creds.Type, "AWS-HMAC");
		assert.match(creds.AccessKeyId, /^ASIA/);
		assert.ok(Date.parse(creds.Expiration) > Date.now() + 3600000);
		assert.equal(await (await fetch(`${url}/latest/meta-data/placement/region`, { headers: h })).text(), "us-east-1");
		const c = aws.clients({ credentials: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.Token }, maxAttempts: 1 });
		await c.sqs.send(new ListQueuesCommand({}));
		c.sqs.destroy();
		assert.equal((await fetch(`${url}/latest/meta-data/iam/security-credentials/${role}`, { headers: h })).status, 200);
		assert.deepEqual(aws.counters().imds, { token: 2, roleList: 1, credentials: 2, region: 1, document: 0, unauthorized: 1, notFound: 0 });
	});

	test("IMDS knobs: injected 500/404/bad JSON, IMDSv1, short expiry", T, async () => {
		const url = aws.imds.url;
		const path = `${url}/latest/meta-data/iam/security-credentials/ctalertd-instance-role`;
		aws.imds.configure({ allowV1: true, credentialTtlSeconds: 1 });
		aws.imds.inject({ on: "credentials", status: 500 });
		aws.imds.inject({ on: "credentials", status: 200, body: "{not json" });
		assert.equal((await fetch(path)).status, 500);
		assert.equal(await (await fetch(path)).text(), "{not json");
		const creds = await (await fetch(path)).json();
		assert.equal((await fetch(`${url}/latest/meta-data/iam/security-credentials/other-role`)).status, 404);
		await new Promise((resolve) => setTimeout(resolve, 1200));
		const r = await rawCall("sns", { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.Token });
		assert.equal(xmlField(r.text, "Code"), "ExpiredToken");
		const fresh = await (await fetch(path)).json();
		assert.notEqual(fresh.AccessKeyId, creds.AccessKeyId, "expired keys are replaced");
		aws.reset();
		assert.equal((await fetch(path)).status, 401, "reset() restores the options: IMDSv1 is off again");
	});

	test("ECS container endpoint: authorization token, credentials the front accepts", T, async () => {
		aws.ecs.configure({ authToken: "Bearer ecs-secret" });
		assert.equal((await fetch(aws.ecs.fullUri)).status, 401);
		const creds = await (await fetch(aws.ecs.fullUri, { headers: { authorization: "Bearer ecs-secret" } })).json();
		assert.match(creds.RoleArn, /^arn:aws:iam::000000000000:role\//);
		const r = await rawCall("s3", { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.Token });
		assert.equal(r.status, 200);
		aws.ecs.inject({ status: 404 });
		assert.equal((await fetch(aws.ecs.fullUri, { headers: { authorization: "Bearer ecs-secret" } })).status, 404);
		assert.deepEqual(aws.counters().ecs, { credentials: 2, unauthorized: 1, notFound: 0 });
	});

	test("STS: AssumeRole (signed), AssumeRoleWithWebIdentity (unsigned), GetCallerIdentity", T, async () => {
		const form = { "content-type": "application/x-www-form-urlencoded" };
		const assume = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fctalertd-reader&RoleSessionName=test-session&DurationSeconds=900";
		const r = await signedFetch(aws.endpoint + "/", { method: "POST", service: "sts", credentials: aws.credentials, headers: form, body: assume });
		assert.equal(r.status, 200, r.text);
		const creds = { accessKeyId: xmlField(r.text, "AccessKeyId"), secretAccessKey: xmlField(r.text, "SecretAccessKey"), sessionToken: xmlField(r.text, "SessionToken") };
		assert.ok(Date.parse(xmlField(r.text, "Expiration")) - Date.now() <= 900000);
		const who = await rawCall("sts", creds);
		assert.equal(xmlField(who.text, "Arn"), "arn:aws:sts::000000000000:assumed-role/ctalertd-reader/test-session");
		assert.equal((await rawCall("sqs", creds)).status, 200);

		const unsignedAssume = await signedFetch(aws.endpoint + "/", { method: "POST", unsigned: true, headers: form, body: assume });
		assert.equal(xmlField(unsignedAssume.text, "Code"), "MissingAuthenticationToken");

		aws.sts.configure({ webIdentityToken: "eyJ.good.token" });
		const web = (token) => signedFetch(aws.stsEndpoint + "/", {
			method: "POST", unsigned: true, headers: form,
			body: `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fpod-role&RoleSessionName=pod&WebIdentityToken=${token}`,
		});
		const bad = await web("eyJ.bad.token");
		assert.equal(bad.status, 400);
		assert.equal(xmlField(bad.text, "Code"), "InvalidIdentityToken");
		const good = await web("eyJ.good.token");
		assert.equal(good.status, 200);
		assert.match(good.text, /^<AssumeRoleWithWebIdentityResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/">/);
		const podCreds = { accessKeyId: xmlField(good.text, "AccessKeyId"), secretAccessKey: xmlField(good.text, "SecretAccessKey"), sessionToken: xmlField(good.text, "SessionToken") };
		assert.equal((await rawCall("sns", podCreds)).status, 200);

		aws.sts.inject({ on: "AssumeRole", status: 500, code: "InternalFailure" });
		const failed = await signedFetch(aws.stsEndpoint + "/", { method: "POST", service: "sts", credentials: aws.credentials, headers: form, body: assume });
		assert.equal(failed.status, 500);
		assert.deepEqual(aws.counters().sts, { AssumeRole: 2, AssumeRoleWithWebIdentity: 2, GetCallerIdentity: 1, other: 0 });
	});
});

describe("the local Organizations", () => {
	test("AWS's SDK lists the accounts page by page; us-east-1's signature is taken too", T, async () => {
		const { OrganizationsClient, ListAccountsCommand } = organizationsSdk;
		const client = new OrganizationsClient({ region: aws.region, endpoint: aws.endpoint, credentials: aws.credentials });
		aws.organizations.setAccounts([{ id: "111122223333", name: "security" }, { id: "444455556666", name: "prod" },
			{ id: "777788889999", name: "old", status: "SUSPENDED" }]);
		aws.organizations.pageSize = 2;
		try {
			const first = await client.send(new ListAccountsCommand({}));
			assert.deepEqual(first.Accounts.map((a) => [a.Id, a.Name]), [["111122223333", "security"], ["444455556666", "prod"]]);
			const second = await client.send(new ListAccountsCommand({ NextToken: first.NextToken }));
			assert.deepEqual(second.Accounts.map((a) => [a.Id, a.Status]), [["777788889999", "SUSPENDED"]]);
			assert.equal(second.NextToken, undefined);
			const logged = aws.requestLog.match({ service: "organizations", operation: "ListAccounts" });
			assert.equal(logged.length, 2);
			aws.organizations.inject({ on: "ListAccounts", status: 400, code: "AccessDeniedException", message: "You don't have permissions to access this resource." });
			await assert.rejects(client.send(new ListAccountsCommand({})), (e) => e.name === "AccessDeniedException");
			const call = (region) => signedFetch(aws.endpoint + "/", { method: "POST", service: "organizations", region,
				credentials: aws.credentials, headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSOrganizationsV20161128.ListAccounts" }, body: "{}" });
			assert.equal((await call("us-east-1")).status, 200);
			assert.equal((await call("ap-south-1")).status, 403);
		} finally {
			aws.organizations.reset();
		}
	});
});

describe("the local CloudTrail and GetBucketLocation", () => {
	const listKeys = (body, { region = aws.region, target = "CloudTrail_20131101.ListPublicKeys" } = {}) =>
		signedFetch(aws.endpoint + "/", {
			method: "POST", service: "cloudtrail", region, credentials: aws.credentials,
			headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target }, body: JSON.stringify(body),
		});

	test("ListPublicKeys serves a region's keys in its validity range, page by page", T, async () => {
		const now = Math.floor(Date.now() / 1000);
		const der = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]);
		aws.cloudtrail.addKey({ der, fingerprint: "k1", validFrom: new Date((now - 7200) * 1000), validTo: new Date((now - 3600) * 1000) });
		aws.cloudtrail.addKey({ der, fingerprint: "k2", validFrom: new Date((now - 3600) * 1000), validTo: new Date((now + 3600) * 1000) });
		aws.cloudtrail.addKey({ der, fingerprint: "west", region: "eu-west-1" });
		aws.cloudtrail.pageSize = 1;
		try {
			let r = await listKeys({ StartTime: now - 7000, EndTime: now });
			assert.equal(r.status, 200, r.text);
			let page = JSON.parse(r.text);
			assert.deepEqual(page.PublicKeyList.map((k) => k.Fingerprint), ["k1"]);
			assert.equal(page.PublicKeyList[0].Value, der.toString("base64"));
			assert.equal(page.PublicKeyList[0].ValidityStartTime, now - 7200);
			r = await listKeys({ StartTime: now - 7000, EndTime: now, NextToken: page.NextToken });
			page = JSON.parse(r.text);
			assert.deepEqual(page.PublicKeyList.map((k) => k.Fingerprint), ["k2"]);
			assert.equal(page.NextToken, undefined);
			// Without a range: the keys valid now.
			assert.deepEqual(JSON.parse((await listKeys({})).text).PublicKeyList.map((k) => k.Fingerprint), ["k2"]);
			// Another region has its own keys; botocore's long target names the same call.
			r = await listKeys({}, { region: "eu-west-1", target: "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.ListPublicKeys" });
			assert.deepEqual(JSON.parse(r.text).PublicKeyList.map((k) => k.Fingerprint), ["west"]);
		} finally {
			aws.cloudtrail.reset();
		}
	});

	test("ListPublicKeys errors are CloudTrail's JSON errors", T, async () => {
		let r = await listKeys({ StartTime: 200, EndTime: 100 });
		assert.equal(r.status, 400);
		assert.match(JSON.parse(r.text).__type, /#InvalidTimeRangeException$/);
		r = await listKeys({}, { target: "CloudTrail_20131101.DescribeTrails" });
		assert.equal(r.status, 400);
		assert.match(JSON.parse(r.text).__type, /#UnknownOperationException$/);
		aws.cloudtrail.inject({ on: "ListPublicKeys", status: 400, code: "ThrottlingException", message: "Rate exceeded" });
		r = await listKeys({});
		assert.equal(r.status, 400);
		assert.match(JSON.parse(r.text).__type, /#ThrottlingException$/);
		r = await signedFetch(aws.endpoint + "/", { method: "POST", service: "cloudtrail", credentials: wrongSecret(), headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "CloudTrail_20131101.ListPublicKeys" }, body: "{}" });
		assert.equal(r.status, 403);
	});

	test("GetBucketLocation is empty for us-east-1 and names any other region", T, async () => {
		const { GetBucketLocationCommand } = s3Sdk;
		assert.equal((await aws.s3.send(new GetBucketLocationCommand({ Bucket: "logs" }))).LocationConstraint, undefined);
		aws.setBucketRegion("logs", "eu-west-1");
		try {
			const r = await signedFetch(aws.endpoint + "/logs?location", { service: "s3", region: "eu-west-1", credentials: aws.credentials, headers: { "x-amz-content-sha256": sha256("") } });
			assert.equal(r.status, 200, r.text);
			assert.match(r.text, /<LocationConstraint[^>]*>eu-west-1<\/LocationConstraint>/);
		} finally {
			aws.reset();
		}
	});
});

describe("test library", () => {
	test("S3 event notifications are encoded as S3 encodes them", T, async () => {
		const queue = await createQueue(aws, "notifications");
		assert.equal(s3EventKey("AWSLogs/a b+c=d:é~.json.gz"), "AWSLogs/a+b%2Bc%3Dd%3A%C3%A9%7E.json.gz");
		const obj = await putObject(aws, "logs", "a b.json", "{}", { contentType: "application/json" });
		const id = await sendMessage(aws, queue.url, s3EventNotification(obj));
		const [m] = await receiveAll(aws, queue.url, { expect: 1, timeoutMs: 3000 });
		assert.equal(m.MessageId, id);
		const rec = JSON.parse(m.Body).Records[0];
		assert.equal(rec.eventSource, "aws:s3");
		assert.equal(rec.s3.bucket.name, "logs");
		assert.equal(rec.s3.object.key, "a+b.json");
		assert.equal(rec.s3.object.size, 2);
		assert.equal(rec.s3.object.eTag, obj.etag);
		assert.equal(JSON.parse(snsEnvelope("inner")).Message, "inner");
	});

	test("runProgram passes the local AWS environment and kills on timeout", T, async () => {
		const r = await runProgram(aws, "sh", ["-c", 'echo "$AWS_ENDPOINT_URL $AWS_REGION $AWS_EC2_METADATA_SERVICE_ENDPOINT"'], { timeoutMs: 5000 });
		assert.equal(r.code, 0);
		assert.equal(r.stdout.trim(), `${aws.endpoint} us-east-1 ${aws.imds.url}`);
		const t0 = Date.now();
		const slow = await runProgram(aws, "sleep", ["30"], { timeoutMs: 300 });
		assert.ok(slow.timedOut);
		assert.equal(slow.signal, "SIGKILL");
		assert.ok(Date.now() - t0 < 5000);
	});
});

/* Starts the command-line local AWS (optionally under `sh -c` that exits) and waits for its env file. */
async function startCli(dir, { orphan = false } = {}) {
	const envFile = join(dir, "aws.env");
	const cmd = orphan
		// The shell exits once the CLI wrote its env file: it knew its parent by then.
		? spawn("sh", ["-c", `"${process.execPath}" "${LOCAL_AWS}" --env-out "${envFile}" --lifetime 60 2>/dev/null & while [ ! -f "${envFile}" ]; do sleep 0.1; done`], { stdio: "ignore" })
		: spawn(process.execPath, [LOCAL_AWS, "--env-out", envFile, "--lifetime", "60"], { stdio: ["ignore", "ignore", "pipe"] });
	const deadline = Date.now() + 15000;
	while (!existsSync(envFile)) {
		assert.ok(Date.now() < deadline, "the env file appeared");
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	const env = Object.fromEntries(readFileSync(envFile, "utf8").trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
	return { cmd, env, envFile };
}

async function waitGone(pids, ms) {
	const deadline = Date.now() + ms;
	while (pids.some(alive) && Date.now() < deadline)
		await new Promise((resolve) => setTimeout(resolve, 50));
	return !pids.some(alive);
}

describe("command line and stopping", () => {
	test("the CLI writes its environment, obeys the control API and stops on SIGTERM", T, async () => {
		const dir = mkdtempSync(join(tmpdir(), "local-aws-"));
		try {
			const { cmd, env, envFile } = await startCli(dir);
			for (const k of ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "CTALERTD_HARNESS_CONTROL", "CTALERTD_HARNESS_PID", "CTALERTD_HARNESS_FAUXQS_PID"])
				assert.ok(env[k], `${k} written`);
			const ctl = env.CTALERTD_HARNESS_CONTROL;
			const post = (path, body) => fetch(ctl + path, { method: "POST", body: JSON.stringify(body) }).then((r) => r.json());
			assert.deepEqual(await post("/faults", { service: "sns", kind: "throttle" }), { id: 1 });
			const creds = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
			const body = "Action=ListTopics&Version=2010-03-31";
			const call = () => signedFetch(env.AWS_ENDPOINT_URL + "/", { method: "POST", service: "sns", credentials: creds, headers: { "content-type": "application/x-www-form-urlencoded" }, body });
			assert.equal((await call()).status, 400);
			assert.equal((await call()).status, 200);
			const log = await (await fetch(`${ctl}/log?operation=ListTopics`)).json();
			assert.deepEqual(log.map((e) => e.status), [400, 200]);
			assert.equal((await (await fetch(`${ctl}/faults`)).json())[0].fired, 1);
			assert.match((await post("/faults", { kind: "bad" })).error, /unknown fault kind/);
			const pids = [Number(env.CTALERTD_HARNESS_PID), Number(env.CTALERTD_HARNESS_FAUXQS_PID)];
			assert.equal(pids[0], cmd.pid);
			process.kill(cmd.pid, "SIGTERM");
			assert.ok(await waitGone(pids, 8000), "the CLI and fauxqs exited");
			assert.equal(existsSync(envFile), false, "the env file is removed");
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	test("the CLI stops when its parent exits", T, async () => {
		const dir = mkdtempSync(join(tmpdir(), "local-aws-"));
		try {
			const { env } = await startCli(dir, { orphan: true });
			const pids = [Number(env.CTALERTD_HARNESS_PID), Number(env.CTALERTD_HARNESS_FAUXQS_PID)];
			assert.ok(await waitGone(pids, 20000), "no leftover processes");
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	test("stop() ends fauxqs and closes every port, in bounded time", T, async () => {
		const other = await startLocalAws();
		const urls = [other.endpoint, other.stsEndpoint, other.imds.url, other.ecs.url, other.fauxqs.endpoint];
		const t0 = Date.now();
		await other.stop();
		await other.stop();
		assert.ok(Date.now() - t0 < 6000);
		assert.equal(alive(other.fauxqs.pid), false);
		for (const url of urls)
			await assert.rejects(fetch(url), `${url} is closed`);
	});
});
