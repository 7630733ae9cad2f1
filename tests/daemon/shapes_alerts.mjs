// The alerts as subscribers see them: the documented body (docs/alerts.md),
// Subject and MessageAttributes in the SNS envelope, the email text, topics
// per rule, FIFO group and deduplication ids, records too large for SNS,
// PublishBatch sizes and partial failures. Alerts are read back through an
// observer queue with the AWS SDK; what went over the wire is read through a
// relay in front of the local AWS (fauxqs applies neither MessageStructure
// nor FIFO deduplication the way SNS does, so the fields are checked there).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { startLocalAws } from "../harness/local-aws.mjs";
import { createObserverQueue, createQueue, createTopic, queueDepth, receiveAll, s3EventNotification,
	sendMessage } from "../harness/lib.mjs";
import { announce, createTopicRecord, logLines, makeWorld, record, runOnce, startDaemon } from "./world.mjs";
import { alertBodies, editConfig, linesAt, publishedEntries, putLog, startRecorder, subscribeQueue } from "./shapes_world.mjs";

/* No test may hang a test run: each is cut off after two minutes. */
const LIMIT = { timeout: 120000 };

let aws;
let recorder;
before(async () => {
	aws = await startLocalAws();
	recorder = await startRecorder(aws);
});
after(async () => {
	await recorder.stop();
	await aws.stop();
});

/* ctalertd's SNS calls go through the recorder. */
function runRecorded(world, options = {}) {
	recorder.requests.length = 0;
	aws.requestLog.clear();
	return runOnce(aws, world, { ...options, env: { AWS_ENDPOINT_URL_SNS: recorder.url } });
}

const SCHEMA_KEYS = ["schema", "rule", "description", "severity", "eventTime", "eventSource", "eventName", "awsRegion",
	"recipientAccountId", "sourceIPAddress", "userIdentity", "eventID", "log", "record_size", "record_truncated", "record"];

const RULE_DESCRIPTION = "Someone created an SNS topic";

/** The documented alert body for record (as JSON.stringify wrote it into the log) and rule. */
function expectedBody(rec, { rule = "sns-create-topic", description = RULE_DESCRIPTION, severity = "medium", bucket, key }) {
	const str = (v) => (typeof v === "string" ? v : null);
	return {
		schema: "ctalertd.alert/1", rule, description, severity,
		eventTime: str(rec.eventTime), eventSource: str(rec.eventSource), eventName: str(rec.eventName),
		awsRegion: str(rec.awsRegion), recipientAccountId: str(rec.recipientAccountId), sourceIPAddress: str(rec.sourceIPAddress),
		userIdentity: { type: str(rec.userIdentity?.type), arn: str(rec.userIdentity?.arn) },
		eventID: str(rec.eventID), log: { bucket, key },
		record_size: Buffer.byteLength(JSON.stringify(rec)), record_truncated: false, record: rec,
	};
}

/* What SNS counts against its 256 KiB: message, subject, and each attribute's name, type and value. */
function snsSize(e) {
	return Buffer.byteLength(e.message) + Buffer.byteLength(e.subject ?? "") +
		Object.entries(e.attrs).reduce((n, [k, v]) => n + Buffer.byteLength(k) + "String".length + Buffer.byteLength(v), 0);
}

function dedupId(eventID, rule) {
	return createHash("sha256").update(`${eventID}\0${rule}`).digest("hex").slice(0, 32);
}

test("body, Subject and MessageAttributes as a subscriber without raw delivery sees them", LIMIT, async () => {
	const world = await makeWorld(aws, { raw: false });
	const hit = createTopicRecord({ awsRegion: "eu-west-3", recipientAccountId: "111122223333", sourceIPAddress: "203.0.113.9" });
	const service = createTopicRecord({ userIdentity: { type: "AWSService", invokedBy: "cloudformation.amazonaws.com" },
		recipientAccountId: undefined, sourceIPAddress: "cloudformation.amazonaws.com" });
	delete service.recipientAccountId;
	const obj = await announce(aws, world, [record(), hit, service]);

	const run = await runRecorded(world);
	assert.equal(run.code, 0, run.stderr);
	const msgs = await receiveAll(aws, world.observer.url, { expect: 2, timeoutMs: 5000 });
	assert.equal(msgs.length, 2);
	const byId = new Map(msgs.map((m) => {
		const env = JSON.parse(m.Body);
		return [JSON.parse(env.Message).eventID, env];
	}));

	const env = byId.get(hit.eventID);
	assert.equal(env.Type, "Notification");
	assert.equal(env.TopicArn, world.topic);
	assert.equal(env.Subject, "ctalertd: sns-create-topic: CreateTopic by arn:aws:iam::000000000000:user/alice");
	assert.deepEqual(env.MessageAttributes, {
		rule: { Type: "String", Value: "sns-create-topic" }, severity: { Type: "String", Value: "medium" },
		eventSource: { Type: "String", Value: "sns.amazonaws.com" }, eventName: { Type: "String", Value: "CreateTopic" },
		account: { Type: "String", Value: "111122223333" }, region: { Type: "String", Value: "eu-west-3" },
	});
	assert.ok(!/\s/.test(env.Message.replace(/"(?:[^"\\]|\\.)*"/g, "")), "compact JSON on the wire");
	const body = JSON.parse(env.Message);
	assert.deepEqual(Object.keys(body), SCHEMA_KEYS);
	assert.deepEqual(body, expectedBody(hit, { bucket: world.bucket, key: obj.key }));

	const other = byId.get(service.eventID);
	assert.equal(other.Subject, "ctalertd: sns-create-topic: CreateTopic by cloudformation.amazonaws.com");
	assert.equal(other.MessageAttributes.account, undefined, "no empty attribute for a missing account");
	const ob = JSON.parse(other.Message);
	assert.deepEqual(ob, expectedBody(service, { bucket: world.bucket, key: obj.key }));
	assert.deepEqual(ob.userIdentity, { type: "AWSService", arn: null });

	const sent = publishedEntries(recorder);
	assert.equal(sent.length, 2);
	for (const e of sent) {
		assert.equal(e.structure, undefined, "no MessageStructure without email_text");
		assert.equal(e.groupId, undefined);
		assert.equal(e.dedupId, undefined);
	}
});

test("a long subject is cut below 100 characters; odd characters become '?'", LIMIT, async () => {
	const long = "r".repeat(60);
	const world = await makeWorld(aws, { rules: `{ name = "${long}"; pattern = { eventName = ["CreateTopic"]; }; }` });
	const hit = createTopicRecord({ eventName: "CreateTopic", userIdentity: { type: "IAMUser",
		arn: `arn:aws:iam::000000000000:user/ünïcode-${"x".repeat(60)}` } });
	await announce(aws, world, [hit]);
	const run = await runRecorded(world);
	assert.equal(run.code, 0, run.stderr);
	const [e] = publishedEntries(recorder);
	assert.ok(e.subject.length <= 99, e.subject);
	assert.equal(e.subject, `ctalertd: ${long}: CreateTopic by arn:aws:iam::000000000000:user/?n?`.slice(0, 96) + "...");
	assert.match(e.subject, /^[\x20-\x7e]+$/);
	assert.equal((await receiveAll(aws, world.observer.url, { expect: 1, timeoutMs: 5000 })).length, 1);
});

test("alerts.email_text publishes with MessageStructure=json: an email summary and the JSON default", LIMIT, async () => {
	const world = await makeWorld(aws);
	editConfig(world, "alerts", "email_text = true;");
	const hit = createTopicRecord();
	const obj = await announce(aws, world, [hit]);

	const run = await runRecorded(world);
	assert.equal(run.code, 0, run.stderr);
	const [e] = publishedEntries(recorder);
	assert.equal(e.structure, "json");
	const m = JSON.parse(e.message);
	assert.deepEqual(Object.keys(m).sort(), ["default", "email"]);
	assert.deepEqual(JSON.parse(m.default), expectedBody(hit, { bucket: world.bucket, key: obj.key }));
	const lines = m.email.split("\n");
	assert.equal(lines[0], "ctalertd alert: sns-create-topic (medium)");
	assert.equal(lines[1], RULE_DESCRIPTION);
	for (const want of ["Event:      CreateTopic", "Source:     sns.amazonaws.com", `Event ID:   ${hit.eventID}`,
		"ARN:        arn:aws:iam::000000000000:user/alice", `Log:        s3://${world.bucket}/${obj.key}`])
		assert.ok(lines.includes(want), `email text has "${want}":\n${m.email}`);

	// An SQS subscriber gets the "default" member from SNS; fauxqs passes the
	// whole structure on, so the observer is read either way.
	const [got] = await receiveAll(aws, world.observer.url, { expect: 1, timeoutMs: 5000 });
	const body = JSON.parse(got.Body);
	const alert = body.default !== undefined ? JSON.parse(body.default) : body;
	assert.equal(alert.eventID, hit.eventID);
});

test("a rule with its own topic_arn publishes there, the others to alerts.topic_arn", LIMIT, async () => {
	const name = "t" + randomBytes(4).toString("hex");
	const special = await createTopic(aws, `${name}-special`);
	const specialObs = await createObserverQueue(aws, special, `${name}-special-obs`, { raw: true });
	const rules = `{ name = "sns-create-topic"; description = "${RULE_DESCRIPTION}"; severity = "medium";
		pattern = { eventSource = ["sns.amazonaws.com"]; eventName = ["CreateTopic"]; }; },
		{ name = "any-sns"; severity = "high"; topic_arn = "${special}"; pattern = { eventSource = ["sns.amazonaws.com"]; }; }`;
	const world = await makeWorld(aws, { name, rules });
	const create = createTopicRecord();
	const del = record({ eventSource: "sns.amazonaws.com", eventName: "DeleteTopic" });
	await announce(aws, world, [create, del, record()]);

	const run = await runRecorded(world);
	assert.equal(run.code, 0, run.stderr);
	const general = alertBodies(await receiveAll(aws, world.observer.url, { expect: 1, timeoutMs: 5000 }));
	const own = alertBodies(await receiveAll(aws, specialObs.url, { expect: 2, timeoutMs: 5000 }));
	assert.deepEqual(general.map((a) => [a.rule, a.eventID]), [["sns-create-topic", create.eventID]]);
	assert.deepEqual(own.map((a) => [a.rule, a.eventID, a.severity]).sort(),
		[["any-sns", create.eventID, "high"], ["any-sns", del.eventID, "high"]].sort());
	const sent = publishedEntries(recorder);
	assert.deepEqual(sent.map((e) => e.topic).sort(), [world.topic, special, special].sort());
});

test("alerts.routes send alerts by severity, rule and account; alerts.accounts names the account", LIMIT, async () => {
	const name = "t" + randomBytes(4).toString("hex");
	const page = await createTopic(aws, `${name}-page`);
	const prod = await createTopic(aws, `${name}-prod`);
	const pageObs = await createObserverQueue(aws, page, `${name}-page-obs`, { raw: true });
	const prodObs = await createObserverQueue(aws, prod, `${name}-prod-obs`, { raw: true });
	const rules = `{ name = "sns-create-topic"; severity = "critical";
		pattern = { eventSource = ["sns.amazonaws.com"]; eventName = ["CreateTopic"]; }; },
		{ name = "sns-any"; severity = "low"; pattern = { eventSource = ["sns.amazonaws.com"]; }; }`;
	const world = await makeWorld(aws, { name, rules });
	editConfig(world, "alerts", `routes = ( { severity = "critical"; topic_arn = "${page}"; },
		{ account = "prod"; rule = ["sns-*"]; topic_arn = "${prod}"; } );
		accounts = ( { id = "222233334444"; name = "prod"; } );`);
	const critical = createTopicRecord();
	const inProd = record({ eventSource: "sns.amazonaws.com", eventName: "DeleteTopic", recipientAccountId: "222233334444" });
	const elsewhere = record({ eventSource: "sns.amazonaws.com", eventName: "DeleteTopic" });
	await announce(aws, world, [critical, inProd, elsewhere]);

	const run = await runRecorded(world);
	assert.equal(run.code, 0, run.stderr);
	const paged = alertBodies(await receiveAll(aws, pageObs.url, { expect: 1, timeoutMs: 5000 }));
	const mailed = alertBodies(await receiveAll(aws, prodObs.url, { expect: 1, timeoutMs: 5000 }));
	const rest = alertBodies(await receiveAll(aws, world.observer.url, { expect: 2, timeoutMs: 5000 }));
	assert.deepEqual(paged.map((a) => [a.rule, a.eventID]), [["sns-create-topic", critical.eventID]]);
	assert.deepEqual(mailed.map((a) => [a.rule, a.eventID, a.accountName]), [["sns-any", inProd.eventID, "prod"]]);
	assert.deepEqual(rest.map((a) => [a.rule, a.eventID]).sort(),
		[["sns-any", critical.eventID], ["sns-any", elsewhere.eventID]].sort());
	assert.ok(rest.every((a) => !("accountName" in a)), "no name for an account alerts.accounts does not name");
	const sent = publishedEntries(recorder).find((e) => JSON.parse(e.message).eventID === inProd.eventID);
	assert.match(sent.subject, /^ctalertd: prod: sns-any: DeleteTopic by /);
	assert.equal(sent.attrs.accountName, "prod");
});

test("a FIFO topic gets MessageGroupId and MessageDeduplicationId = hash(eventID, rule), the same in every process", LIMIT, async () => {
	const rules = `{ name = "sns-create-topic"; pattern = { eventSource = ["sns.amazonaws.com"]; eventName = ["CreateTopic"]; }; },
		{ name = "grouped"; group_id = "team-a"; pattern = { eventSource = ["sns.amazonaws.com"]; }; }`;
	const world = await makeWorld(aws, { topicAttributes: { FifoTopic: "true" }, rules });
	const fifoObs = await createQueue(aws, `${world.name}-obs.fifo`, { FifoQueue: "true" });
	await subscribeQueue(aws, world.topic, fifoObs.arn, { raw: true });
	const hit = createTopicRecord();
	const obj = await putLog(aws, world, [record(), hit]);

	const runs = [];
	for (let i = 0; i < 2; i++) {
		// The same object announced twice and processed by two processes.
		await sendMessage(aws, world.queue.url, s3EventNotification(obj));
		const run = await runRecorded(world);
		assert.equal(run.code, 0, run.stderr);
		runs.push(publishedEntries(recorder));
	}
	for (const sent of runs) {
		const by = Object.fromEntries(sent.map((e) => [JSON.parse(e.message).rule, e]));
		assert.deepEqual(Object.keys(by).sort(), ["grouped", "sns-create-topic"]);
		assert.equal(by["sns-create-topic"].groupId, "sns-create-topic");
		assert.equal(by.grouped.groupId, "team-a", "the rule's own group");
		assert.equal(by["sns-create-topic"].dedupId, dedupId(hit.eventID, "sns-create-topic"));
		assert.equal(by.grouped.dedupId, dedupId(hit.eventID, "grouped"));
		assert.ok(sent.every((e) => e.topic === world.topic));
	}
	// Delivered through the FIFO topic to a FIFO queue: the second run's
	// copies carry the same deduplication ids and are dropped.
	const got = await receiveAll(aws, fifoObs.url, { timeoutMs: 2500 });
	assert.equal(got.length, 2, "one alert per rule, once");
	for (const m of got) {
		const a = JSON.parse(m.Body);
		assert.equal(m.Attributes.MessageDeduplicationId, dedupId(hit.eventID, a.rule));
		assert.equal(m.Attributes.MessageGroupId, a.rule === "grouped" ? "team-a" : "sns-create-topic");
	}
});

test("a record too large for SNS is truncated with a flag, never dropped", LIMIT, async () => {
	const world = await makeWorld(aws);
	const huge = createTopicRecord({ requestParameters: { name: "exfil", tags: randomBytes(240 * 1024).toString("base64") } });
	const small = createTopicRecord();
	const obj = await announce(aws, world, [huge, small]);
	const size = Buffer.byteLength(JSON.stringify(huge));
	assert.ok(size > 256 * 1024);

	const run = await runRecorded(world);
	assert.equal(run.code, 0, run.stderr);
	const alerts = alertBodies(await receiveAll(aws, world.observer.url, { expect: 2, timeoutMs: 5000 }));
	assert.equal(alerts.length, 2);
	const big = alerts.find((a) => a.eventID === huge.eventID);
	assert.ok(big, "the large record's alert arrived");
	assert.equal(big.record_truncated, true);
	assert.equal(big.record_size, size);
	assert.equal(typeof big.record, "string");
	assert.ok(JSON.stringify(huge).startsWith(big.record), "the record's first bytes");
	assert.ok(big.record.length > 200 * 1024, "as much as fits");
	assert.deepEqual(big.log, { bucket: world.bucket, key: obj.key });
	assert.equal(big.eventName, "CreateTopic");
	const e = publishedEntries(recorder).find((x) => JSON.parse(x.message).eventID === huge.eventID);
	assert.ok(snsSize(e) <= 256 * 1024, `${snsSize(e)} bytes within what SNS takes`);
	const ok = alerts.find((a) => a.eventID === small.eventID);
	assert.equal(ok.record_truncated, false);
	assert.deepEqual(ok.record, small);
});

test("many matches in one object go out in PublishBatch calls of at most 10 entries and 256 KiB", LIMIT, async () => {
	const world = await makeWorld(aws);
	const hits = Array.from({ length: 23 }, () => createTopicRecord());
	const fat = Array.from({ length: 6 }, () => createTopicRecord({ requestParameters: { name: "x", pad: randomBytes(60 * 1024).toString("base64") } }));
	const recs = [];
	for (const h of [...hits, ...fat])
		recs.push(record(), h);
	await announce(aws, world, recs);

	const run = await runRecorded(world);
	assert.equal(run.code, 0, run.stderr);
	const alerts = alertBodies(await receiveAll(aws, world.observer.url, { expect: 29, timeoutMs: 8000 }));
	assert.deepEqual(alerts.map((a) => a.eventID).sort(), [...hits, ...fat].map((h) => h.eventID).sort());
	const sent = publishedEntries(recorder);
	assert.equal(sent.length, 29);
	const calls = new Map();
	for (const e of sent)
		calls.set(e.batch, [...(calls.get(e.batch) ?? []), e]);
	const list = [...calls.values()];
	list.forEach((entries, i) => {
		const bytes = entries.reduce((n, e) => n + snsSize(e), 0);
		assert.ok(entries.length <= 10 && bytes <= 256 * 1024, `call ${i}: ${entries.length} entries, ${bytes} bytes`);
		// A call goes out when it is full: ten entries, or the next would pass 256 KiB.
		if (i + 1 < list.length)
			assert.ok(entries.length === 10 || bytes + snsSize(list[i + 1][0]) > 256 * 1024,
				`call ${i} of ${entries.length} entries and ${bytes} bytes went out early`);
	});
	assert.ok(list.some((entries) => entries.length < 10 && entries !== list.at(-1)), "some call was closed by its size");
	assert.equal(aws.requestLog.count({ operation: "PublishBatch" }), calls.size);
});

test("batches fill and go out while a large object is still arriving", LIMIT, async () => {
	const world = await makeWorld(aws);
	const recs = Array.from({ length: 6000 }, () => record());
	const hits = Array.from({ length: 25 }, () => createTopicRecord());
	hits.forEach((h, i) => recs.splice(100 + i * 230, 0, h));
	const obj = await announce(aws, world, recs);
	assert.ok(obj.size > 256 * 1024, `${obj.size} bytes: more than one read of the body`);

	const run = await runRecorded(world);
	assert.equal(run.code, 0, run.stderr);
	const alerts = alertBodies(await receiveAll(aws, world.observer.url, { expect: 25, timeoutMs: 5000 }));
	assert.deepEqual(alerts.map((a) => a.eventID).sort(), hits.map((h) => h.eventID).sort());
	assert.deepEqual(publishedEntries(recorder).map((e) => e.size), [...Array(20).fill(10), ...Array(5).fill(5)]);
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
	assert.deepEqual(linesAt(logLines(run.stderr), "warning").filter((l) => l.message_id), []);
});

test("PublishBatch partial failure: only the failed entries are sent again; every alert arrives once", LIMIT, async () => {
	const world = await makeWorld(aws);
	const hits = Array.from({ length: 14 }, () => createTopicRecord());
	await announce(aws, world, hits);
	const fault = aws.faults.add({ service: "sns", operation: "PublishBatch", kind: "batch-partial", fail: [1, 4, 7] });

	const run = await runRecorded(world);
	assert.equal(run.code, 0, run.stderr);
	assert.equal(aws.faults.fired(fault), 1);
	const got = alertBodies(await receiveAll(aws, world.observer.url, { expect: 14, timeoutMs: 5000 }));
	await new Promise((r) => setTimeout(r, 500));
	got.push(...alertBodies(await receiveAll(aws, world.observer.url, { timeoutMs: 1000 })));
	assert.deepEqual(got.map((a) => a.eventID).sort(), hits.map((h) => h.eventID).sort(), "each alert exactly once");

	const sent = publishedEntries(recorder);
	const first = sent.filter((e) => e.batch === 0);
	const failed = [first[1], first[4], first[7]].map((e) => e.id);
	const again = sent.filter((e) => e.batch === 1);
	assert.equal(first.length, 10);
	assert.deepEqual(again.map((e) => e.id), failed, "the retry carries the failed entries alone");
	assert.deepEqual(again.map((e) => e.message), [first[1], first[4], first[7]].map((e) => e.message));
	assert.equal(sent.length, 14 + 3);
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
	assert.deepEqual(linesAt(logLines(run.stderr), "error"), []);
});

test("an entry SNS keeps failing fails the object; the message comes back and only that alert goes out again", LIMIT, async () => {
	const world = await makeWorld(aws, { receive: "visibility_timeout = 3; heartbeat = 1;" });
	const hits = Array.from({ length: 12 }, () => createTopicRecord());
	await announce(aws, world, hits);
	// Entry a4 of the first batch fails in every round the publisher tries:
	// as many as a request's attempts (AWS_MAX_ATTEMPTS, 3 by default).
	const fault = aws.faults.add({ service: "sns", operation: "PublishBatch", kind: "batch-partial", failIds: ["a4"], count: 3 });
	recorder.requests.length = 0;
	aws.requestLog.clear();
	const daemon = startDaemon(aws, world, { env: { AWS_ENDPOINT_URL_SNS: recorder.url } });
	let got = [];
	try {
		got = alertBodies(await receiveAll(aws, world.observer.url, { expect: 12, timeoutMs: 20000 }));
		await new Promise((r) => setTimeout(r, 1000));
	} finally {
		var run = await daemon.stop("SIGTERM", 15000);
	}
	assert.equal(run.code, 0, run.stderr);
	assert.equal(aws.faults.fired(fault), 3);
	got.push(...alertBodies(await receiveAll(aws, world.observer.url, { timeoutMs: 1000 })));
	assert.deepEqual(got.map((a) => a.eventID).sort(), hits.map((h) => h.eventID).sort(), "each alert exactly once");
	const lines = logLines(run.stderr);
	assert.ok(lines.some((l) => l.level === "warning" && /given back for 3 s/.test(l.msg)), "the message was given back");
	// The second time round the eleven accepted alerts are not sent again.
	const sent = publishedEntries(recorder);
	const failedMessage = sent.find((e) => e.batch === 0 && e.id === "a4").message;
	assert.equal(sent.filter((e) => e.message === failedMessage).length, 4, "three rounds, then once more");
	assert.equal(sent.length, 12 + 2 + 1);
	assert.deepEqual(await queueDepth(aws, world.queue.url), { visible: 0, inFlight: 0, delayed: 0 });
});
