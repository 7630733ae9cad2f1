// CloudWatch Embedded Metric Format lines (metrics.emf_interval): every line
// that carries "_aws" must be a document CloudWatch Logs accepts, checked
// member by member against the EMF specification's requirements, and the
// lines' counts must add up to what the test made the daemon do. The
// checker itself is shown to refuse broken documents.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { startLocalAws } from "../harness/local-aws.mjs";
import { receiveAll, sendMessage } from "../harness/lib.mjs";
import { announce, cloudTrailEvent, createTopicRecord, logLines, makeWorld, record, runOnce, startDaemon } from "./world.mjs";

let aws;
before(async () => { aws = await startLocalAws(); });
after(async () => { await aws.stop(); });
beforeEach(() => aws.reset());

// CloudWatch's units (MetricDatum.Unit).
const UNITS = new Set(["Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
	"Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
	"Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
	"Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"]);

const only = (obj, allowed, what) => {
	for (const k of Object.keys(obj)) assert.ok(allowed.includes(k), `${what}: member ${k} is not in the specification`);
};
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Throws unless line (the raw log line) is an EMF document as the
 * specification requires: a JSON object with nothing around it, at most
 * 1 MB; "_aws" an object of Timestamp (ms since the epoch) and a non-empty
 * CloudWatchMetrics array; each MetricDirective with exactly Namespace
 * (1-255 characters), Dimensions (an array of DimensionSets, each an array
 * of at most 30 names, each a root member holding a string of 1-1024
 * characters) and Metrics (1-100 MetricDefinitions: Name, optional Unit
 * from CloudWatch's units, optional StorageResolution 1 or 60); and each
 * metric a root member holding a number or an array of at most 100 numbers.
 */
export function checkEmf(line) {
	assert.ok(Buffer.byteLength(line) <= 1024 * 1024, "an EMF event is at most 1 MB");
	assert.equal(line.trim(), line.replace(/\n$/, ""), "nothing around the JSON object");
	const doc = JSON.parse(line);
	assert.ok(isObject(doc), "the root node is an object");
	const aws = doc._aws;
	assert.ok(isObject(aws), "_aws is an object");
	only(aws, ["Timestamp", "CloudWatchMetrics", "LogGroupName", "LogStreamName"], "_aws");
	assert.ok(Number.isInteger(aws.Timestamp) && aws.Timestamp > 0, "_aws.Timestamp is milliseconds since the epoch");
	assert.ok(Array.isArray(aws.CloudWatchMetrics) && aws.CloudWatchMetrics.length > 0, "_aws.CloudWatchMetrics is a non-empty array");
	for (const d of aws.CloudWatchMetrics) {
		assert.ok(isObject(d), "a MetricDirective is an object");
		only(d, ["Namespace", "Dimensions", "Metrics"], "MetricDirective");
		assert.ok(typeof d.Namespace === "string" && d.Namespace.length >= 1 && d.Namespace.length <= 255, "Namespace: 1-255 characters");
		assert.ok(!d.Namespace.startsWith("AWS/"), "Namespace: not AWS's own");
		assert.ok(Array.isArray(d.Dimensions), "Dimensions is an array");
		for (const set of d.Dimensions) {
			assert.ok(Array.isArray(set) && set.length <= 30, "a DimensionSet is an array of at most 30 names");
			for (const name of set) {
				assert.equal(typeof name, "string", "a dimension is named by a string");
				assert.ok(name in doc, `dimension ${name} is a member of the root node`);
				assert.ok(typeof doc[name] === "string" && doc[name].length >= 1 && doc[name].length <= 1024,
					`dimension ${name}: a string of 1-1024 characters`);
			}
		}
		assert.ok(Array.isArray(d.Metrics) && d.Metrics.length >= 1 && d.Metrics.length <= 100, "Metrics: 1-100 definitions");
		for (const m of d.Metrics) {
			assert.ok(isObject(m), "a MetricDefinition is an object");
			only(m, ["Name", "Unit", "StorageResolution"], "MetricDefinition");
			assert.ok(typeof m.Name === "string" && m.Name.length >= 1 && m.Name.length <= 255, "Name: 1-255 characters");
			if ("Unit" in m) assert.ok(UNITS.has(m.Unit), `Unit ${m.Unit} is a CloudWatch unit`);
			if ("StorageResolution" in m) assert.ok([1, 60].includes(m.StorageResolution), "StorageResolution is 1 or 60");
			assert.ok(m.Name in doc, `metric ${m.Name} is a member of the root node`);
			const v = doc[m.Name];
			const numbers = Array.isArray(v) ? v : [v];
			assert.ok(numbers.length >= 1 && numbers.length <= 100, `metric ${m.Name}: at most 100 values`);
			for (const x of numbers) assert.ok(typeof x === "number" && Number.isFinite(x), `metric ${m.Name}: a number`);
		}
	}
	return doc;
}

test("the checker refuses documents CloudWatch would not take", () => {
	const good = { _aws: { Timestamp: 1700000000000, CloudWatchMetrics: [{ Namespace: "ctalertd",
		Dimensions: [["Queue"]], Metrics: [{ Name: "Records", Unit: "Count" }] }] }, Queue: "q", Records: 3 };
	checkEmf(JSON.stringify(good));
	const broken = [
		(d) => { delete d._aws.Timestamp; },
		(d) => { d._aws.Timestamp = "now"; },
		(d) => { d._aws.CloudWatchMetrics = []; },
		(d) => { delete d.Records; },
		(d) => { d.Records = "3"; },
		(d) => { delete d.Queue; },
		(d) => { d.Queue = 7; },
		(d) => { d._aws.CloudWatchMetrics[0].Namespace = ""; },
		(d) => { d._aws.CloudWatchMetrics[0].Namespace = "AWS/SQS"; },
		(d) => { d._aws.CloudWatchMetrics[0].Metrics[0].Unit = "Things"; },
		(d) => { d._aws.CloudWatchMetrics[0].Metrics[0].StorageResolution = 5; },
		(d) => { d._aws.CloudWatchMetrics[0].Extra = 1; },
		(d) => { delete d._aws.CloudWatchMetrics[0].Dimensions; },
	];
	for (const [i, mutate] of broken.entries()) {
		const d = structuredClone(good);
		mutate(d);
		assert.throws(() => checkEmf(JSON.stringify(d)), undefined, `mutation ${i} passed`);
	}
	assert.throws(() => checkEmf(`x${JSON.stringify(good)}`));
});

test("EMF lines are valid and add up to what the daemon did", { timeout: 60000 }, async () => {
	const world = await makeWorld(aws, { extra: 'metrics = { emf_interval = "1s"; emf_namespace = "ctalertd-test"; };' });
	const hit = createTopicRecord();
	await announce(aws, world, [record(), hit, record()]);
	await announce(aws, world, [record()]);
	await sendMessage(aws, world.queue.url, cloudTrailEvent(createTopicRecord())); // the real-time path
	// --once with a quiet log: the lines are written whatever the level.
	const run = await runOnce(aws, world, { env: { CTALERTD_LOG_LEVEL: "error" } });
	assert.equal(run.code, 0, run.stderr);
	const lines = run.stderr.split("\n").filter((l) => l.includes('"_aws"'));
	assert.ok(lines.length >= 1, `no EMF line:\n${run.stderr}`);
	const docs = lines.map(checkEmf);
	const queueName = world.queue.url.split("/").pop();
	const sum = {};
	let last = 0;
	for (const d of docs) {
		assert.equal(d._aws.CloudWatchMetrics[0].Namespace, "ctalertd-test");
		assert.deepEqual(d._aws.CloudWatchMetrics[0].Dimensions, [["Queue"]]);
		assert.equal(d.Queue, queueName);
		assert.ok(Math.abs(d._aws.Timestamp - Date.now()) < 120000, "Timestamp is now");
		assert.ok(d._aws.Timestamp >= last, "lines in time order");
		last = d._aws.Timestamp;
		assert.equal(d.level, "info");
		for (const m of d._aws.CloudWatchMetrics[0].Metrics) sum[m.Name] = (sum[m.Name] ?? 0) + d[m.Name];
	}
	// Only the EMF lines at this log level.
	assert.deepEqual(logLines(run.stderr).filter((l) => !l._aws), []);
	assert.equal(sum.MessagesReceived, 3);
	assert.equal(sum.MessagesDeleted, 3);
	assert.equal(sum.EventsReceived, 1);
	assert.equal(sum.ObjectsScanned, 2);
	assert.equal(sum.Records, 5);
	assert.equal(sum.Matches, 2);
	assert.equal(sum.AlertsPublished, 2);
	assert.equal(sum.AlertsFailed, 0);
	assert.equal(sum.MessagesPoisoned, 0);
	assert.ok(sum.FetchedBytes > 0);
	assert.equal((await receiveAll(aws, world.observer.url, { expect: 2, timeoutMs: 10000 })).length, 2);
});

test("a running daemon writes a line every interval", { timeout: 60000 }, async () => {
	const world = await makeWorld(aws, { extra: 'metrics = { emf_interval = "1s"; };' });
	const daemon = startDaemon(aws, world);
	try {
		await daemon.waitForOutput(/"_aws"[\s\S]*"_aws"[\s\S]*"_aws"/, 15000);
	} finally {
		await daemon.stop("SIGTERM", 30000);
	}
	const docs = daemon.output().stderr.split("\n").filter((l) => l.includes('"_aws"')).map(checkEmf);
	assert.ok(docs.length >= 3);
	assert.equal(docs[0]._aws.CloudWatchMetrics[0].Namespace, "ctalertd", "the default namespace");
	for (let i = 1; i < docs.length - 1; i++) {
		const gap = docs[i]._aws.Timestamp - docs[i - 1]._aws.Timestamp;
		assert.ok(gap >= 800 && gap <= 3000, `lines ${gap} ms apart`);
	}
});
