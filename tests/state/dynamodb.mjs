// The state store's dynamodb backend against the local AWS: dynalite behind
// the signature-checking front (tests/harness/README.md), so every request
// is also a signature test.
//
// - state_test runs every case script of tests/state/cases, and the thread
//   and process claim races, on fresh tables (CT_STATE_BACKENDS=dynamodb);
// - state_driver makes single calls while faults are injected: throttling
//   then success, a 500, a bad signature refused, a missing table;
// - what each call costs in requests, as src/state/dynamodb.c says.
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, beforeEach, test } from "node:test";
import { createStateTable as makeTable, dynamodb, runProgram } from "../harness/lib.mjs";

const createStateTable = (name) => makeTable(aws, name);
import { startLocalAws } from "../harness/local-aws.mjs";

const srcdir = process.env.top_srcdir ?? ".";
const builddir = process.env.top_builddir ?? ".";
const STATE_TEST = join(builddir, "tests/state/state_test");
const DRIVER = join(builddir, "tests/state/state_driver");
const T = { timeout: 120000 };

let aws;
let seq = 0;

before(async () => {
	aws = await startLocalAws();
});

after(async () => {
	await aws?.stop();
});

beforeEach(() => aws.reset());

const uniq = (prefix) => `${prefix}-${process.pid}-${++seq}`;

/** One call through state_driver: {code, out, stderr}. */
async function drive(table, args, { env = {}, now = 1000 } = {}) {
	const r = await runProgram(aws, DRIVER, [table, ...args.map(String)], {
		timeoutMs: 60000,
		env: { CT_STATE_NOW: String(now), ...env },
	});
	assert.equal(r.timedOut, false, `driver timed out: ${r.stderr}`);
	assert.ok(r.code === 0 || r.code === 1, `driver exit ${r.code} ${r.signal ?? ""}: ${r.stdout}${r.stderr}`);
	return { code: r.code, out: r.stdout.trim(), stderr: r.stderr };
}

/** The DynamoDB operations ctalertd sent, in order (the harness's own left out). */
const operations = () => aws.requestLog.match({ service: "dynamodb" }).map((e) => e.operation);

test("the case scripts and the claim races keep their meaning on DynamoDB", { timeout: 300000 }, async (t) => {
	if (!existsSync(STATE_TEST))
		return t.skip("state_test is not built (Check is not installed)");
	const prefix = uniq("st");
	const cases = readdirSync(join(srcdir, "tests/state/cases")).filter((f) => f.endsWith(".case"));
	assert.ok(cases.length >= 6, cases.join(" "));
	for (const name of [...cases.map((f) => f.replace(/\.case$/, "")), "threads", "processes"])
		await createStateTable(`${prefix}-${name}`);
	const r = await runProgram(aws, STATE_TEST, [], {
		timeoutMs: 280000,
		env: { CT_STATE_BACKENDS: "dynamodb", CT_STATE_DYNAMODB_PREFIX: prefix, CK_DEFAULT_TIMEOUT: "120", CK_VERBOSITY: "normal" },
	});
	assert.equal(r.code, 0, `state_test failed:\n${r.stdout}\n${r.stderr}`);
	assert.match(r.stdout, /100%: Checks: \d+, Failures: 0, Errors: 0/);
	// Every request reached dynalite with a signature the front accepted.
	const sent = aws.requestLog.match({ service: "dynamodb" });
	assert.ok(sent.length > 3500, `only ${sent.length} DynamoDB requests`);
	const refused = sent.filter((e) => /Signature|Token|Unrecognized/.test(e.error ?? ""));
	assert.deepEqual(refused.map((e) => e.error), []);
	// Each script ran on its own table.
	for (const f of cases) {
		const table = `${prefix}-${f.replace(/\.case$/, "")}`;
		assert.ok(sent.filter((e) => e.table === table && e.operation !== "DescribeTable").length > 3, `${table} was not used`);
	}
	// The races' claims: 4 threads and 3 processes, 500 keys each.
	const claims = sent.filter((e) => e.operation === "PutItem" && /-(threads|processes)$/.test(e.table));
	assert.equal(claims.length, 7 * 500);
	assert.equal(claims.filter((e) => e.status === 200).length, 2 * 500, "each key won once per race");
	assert.equal(claims.filter((e) => e.error === "ConditionalCheckFailedException").length, 5 * 500);
});

test("each call costs the requests the backend says", T, async () => {
	const table = await createStateTable(uniq("cost"));
	const steps = [
		[["open"], ["DescribeTable"], "ok 0"],
		[["claim", "alert/1", 2000], ["DescribeTable", "PutItem"], "ok 1"],
		[["claim", "alert/1", 2000], ["DescribeTable", "PutItem"], "ok 0"],
		[["has", "alert/1"], ["DescribeTable", "GetItem"], "ok 1"],
		[["add", "w/a", 2, 1500], ["DescribeTable", "UpdateItem"], "ok 2"],
		[["add", "w/a", 3, 9999], ["DescribeTable", "UpdateItem"], "ok 5"],
		[["put", "alert/1", 3000], ["DescribeTable", "UpdateItem"], "ok 0"],
		[["put", "alert/1", 2500], ["DescribeTable", "UpdateItem", "PutItem", "UpdateItem"], "ok 0"],
	];
	for (const [args, ops, want] of steps) {
		aws.requestLog.clear();
		const r = await drive(table, args);
		assert.equal(r.out, want, `${args.join(" ")}: ${r.out}`);
		assert.deepEqual(operations(), ops, args.join(" "));
	}
	// Expired, not yet deleted: the update fails its condition and a put
	// starts the counter afresh.
	aws.requestLog.clear();
	let r = await drive(table, ["add", "w/a", 1, 2200], { now: 1600 });
	assert.equal(r.out, "ok 1");
	assert.deepEqual(operations(), ["DescribeTable", "UpdateItem", "PutItem"]);
	// take: one Query page of the index, one conditional delete per key.
	aws.requestLog.clear();
	r = await drive(table, ["take", "w/", 10], { now: 2200 });
	assert.equal(r.out, "ok 1 w/a=1@2200");
	assert.deepEqual(operations(), ["DescribeTable", "Query", "DeleteItem"]);
	const query = aws.requestLog.match({ operation: "Query" })[0];
	assert.equal(query.headers["x-amz-target"], "DynamoDB_20120810.Query");
	assert.equal(query.headers["content-type"], "application/x-amz-json-1.0");
	// The record is gone and no later caller gets it.
	r = await drive(table, ["take", "w/", 10], { now: 2200 });
	assert.equal(r.out, "ok 0");
	r = await drive(table, ["count"], { now: 2200 });
	assert.equal(r.out, "ok 1");
});

test("a throttled request is retried and succeeds", T, async () => {
	const table = await createStateTable(uniq("throttle"));
	const id = aws.faults.add({ service: "dynamodb", operation: "PutItem", kind: "throttle", count: 2 });
	const r = await drive(table, ["claim", "alert/t", 5000]);
	assert.equal(r.out, "ok 1", r.stderr);
	assert.equal(aws.faults.fired(id), 2);
	const log = aws.requestLog.match({ operation: "PutItem" });
	assert.deepEqual(log.map((e) => e.error), ["ProvisionedThroughputExceededException", "ProvisionedThroughputExceededException", null]);
	assert.deepEqual(log.map((e) => e.status), [400, 400, 200]);
	// The claim took effect once: a second one finds the key held.
	assert.equal((await drive(table, ["claim", "alert/t", 5000])).out, "ok 0");
});

test("a 500 is retried; retries running out fail the call, naming the table", T, async () => {
	const table = await createStateTable(uniq("e500"));
	aws.faults.add({ service: "dynamodb", operation: "UpdateItem", kind: "error500" });
	let r = await drive(table, ["add", "w/x", 4, 5000]);
	assert.equal(r.out, "ok 4", r.stderr);
	assert.deepEqual(aws.requestLog.match({ operation: "UpdateItem" }).map((e) => e.status), [500, 200]);

	aws.requestLog.clear();
	aws.faults.add({ service: "dynamodb", operation: "GetItem", kind: "error500", count: "always" });
	r = await drive(table, ["has", "w/x"]);
	assert.equal(r.code, 1);
	assert.match(r.out, new RegExp(`^error state store dynamodb table ${table} in us-east-1: looking up a key: dynamodb GetItem: HTTP 500 InternalServerError`));
	assert.equal(aws.requestLog.count({ operation: "GetItem" }), 3, "the standard mode's three attempts");
});

test("a bad signature is refused, and not retried", T, async () => {
	const table = await createStateTable(uniq("sig"));
	const r = await drive(table, ["open"], { env: { AWS_SECRET_ACCESS_KEY: "not-the-secret-of-this-key-at-all-0000000" } });
	assert.equal(r.code, 1);
	assert.match(r.out, /dynamodb DescribeTable: HTTP 400 InvalidSignatureException/);
	const log = aws.requestLog.match({ service: "dynamodb" });
	assert.equal(log.length, 1);
	assert.equal(log[0].error, "InvalidSignatureException");
	assert.equal(aws.requestLog.count({ service: "dynamodb", status: 200 }), 0, "nothing reached dynalite");
});

test("a missing table or one of another shape is refused at open", T, async () => {
	let r = await drive(uniq("absent"), ["open"]);
	assert.equal(r.code, 1);
	assert.match(r.out, /ResourceNotFoundException/);
	const plain = uniq("plain");
	await dynamodb(aws, "CreateTable", {
		TableName: plain,
		BillingMode: "PAY_PER_REQUEST",
		AttributeDefinitions: [{ AttributeName: "k", AttributeType: "S" }],
		KeySchema: [{ AttributeName: "k", KeyType: "HASH" }],
	});
	r = await drive(plain, ["open"]);
	assert.equal(r.code, 1);
	assert.match(r.out, /has no global secondary index "expiry"/);
});

test("prune forgets the keys a day past their expiry that TTL has not deleted yet", T, async () => {
	const table = await createStateTable(uniq("prune"));
	for (const [k, u] of [["a", 2000], ["b", 3000], ["c", 1500]])
		assert.equal((await drive(table, ["put", k, u])).out, "ok 0");
	// c expired at 1500: kept a day for take, then forgotten by prune.
	assert.equal((await drive(table, ["prune"], { now: 1500 + 86399 })).out, "ok 0");
	assert.equal((await drive(table, ["prune"], { now: 1500 + 86400 })).out, "ok 1");
	assert.equal((await drive(table, ["count"])).out, "ok 2");
	const deletes = aws.requestLog.match({ operation: "DeleteItem" });
	assert.equal(deletes.length, 1);
});
