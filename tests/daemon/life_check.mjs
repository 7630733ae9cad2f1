// `ctalertd check`: a checklist of what the daemon can reach with its
// credentials. Every item ok: exit 0. A missing topic, a missing queue or a
// bucket owned by another account: that line FAIL, exit 1. A bad
// configuration: exit 2, every error its own line. A queue without a
// dead-letter queue: a warning, as `run` logs it, that fails nothing.
import { after, before, beforeEach, test } from "node:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import assert from "node:assert/strict";
import { startLocalAws } from "../harness/local-aws.mjs";
import { createQueue, runProgram } from "../harness/lib.mjs";
import { CTALERTD, makeWorld, writeConfig } from "./world.mjs";

let aws;
before(async () => { aws = await startLocalAws(); });
after(async () => { await aws.stop(); });
beforeEach(() => aws.reset());

function check(world) {
	return runProgram(aws, CTALERTD, ["check", "-c", world.conf], { timeoutMs: 30000 });
}

/** The checklist lines: {ok, what, detail}. */
function items(stdout) {
	return stdout.split("\n").map((l) => /^\[(?: ok |FAIL)\] /.exec(l) && l).filter(Boolean)
		.map((l) => ({ ok: l.startsWith("[ ok ]"), text: l.slice(7) }));
}

test("every item ok: exit 0", async () => {
	const world = await makeWorld(aws, { source: 'expected_bucket_owner = "000000000000";' });
	const run = await check(world);
	assert.equal(run.code, 0, run.stdout + run.stderr);
	const lines = items(run.stdout);
	assert.ok(lines.every((l) => l.ok), run.stdout);
	const texts = lines.map((l) => l.text);
	assert.equal(texts[0], `configuration ${world.conf}: 1 rule compiled`, "names the file it read");
	assert.ok(texts.some((t) => /^credentials: arn:aws:.* \(account 000000000000\)$/.test(t)), run.stdout);
	assert.ok(texts.some((t) => t.startsWith(`queue ${world.queue.url}: 0 messages waiting`)), run.stdout);
	assert.ok(texts.some((t) => t.startsWith(`topic ${world.topic}: `)), run.stdout);
	assert.ok(texts.some((t) => t.startsWith(`bucket ${world.bucket}: reachable`) && t.includes("owned by 000000000000")), run.stdout);
	assert.match(run.stdout, /^\[warn\] queue \S+ has no dead-letter queue: a poison message is given back/m);
	assert.match(run.stdout, /^5 passed, 0 failed, 1 warning$/m);
	for (const op of ["GetCallerIdentity", "GetQueueAttributes", "GetTopicAttributes", "HeadBucket"])
		assert.equal(aws.requestLog.count({ operation: op, status: 200 }), 1, `${op} not asked`);
});

test("a missing topic and a missing queue fail their lines: exit 1", async () => {
	const world = await makeWorld(aws);
	const topic = `${world.topic}-gone`;
	const queue = `${world.queue.url}-gone`;
	writeConfig(world.conf, { queue, bucket: world.bucket, topic });
	const run = await check(world);
	assert.equal(run.code, 1, run.stdout + run.stderr);
	const lines = items(run.stdout);
	const failed = lines.filter((l) => !l.ok).map((l) => l.text);
	assert.equal(failed.length, 2, run.stdout);
	assert.match(failed.find((t) => t.startsWith(`topic ${topic}: `)) ?? "", /NotFound/);
	assert.match(failed.find((t) => t.startsWith(`queue ${queue}: `)) ?? "", /NonExistentQueue|QueueDoesNotExist/);
	assert.ok(lines.some((l) => l.ok && l.text.startsWith(`bucket ${world.bucket}`)), run.stdout);
	assert.match(run.stdout, /^3 passed, 2 failed$/m);
});

test("a bucket owned by another account fails its line: exit 1", async () => {
	const world = await makeWorld(aws, { source: 'expected_bucket_owner = "000000000000";' });
	aws.setBucketOwner(world.bucket, "111122223333");
	const run = await check(world);
	assert.equal(run.code, 1, run.stdout + run.stderr);
	const failed = items(run.stdout).filter((l) => !l.ok).map((l) => l.text);
	assert.equal(failed.length, 1, run.stdout);
	assert.match(failed[0], new RegExp(`^bucket ${world.bucket}: .*(AccessDenied|403)`));
	const head = aws.requestLog.match({ operation: "HeadBucket" });
	assert.equal(head[0]?.headers["x-amz-expected-bucket-owner"], "000000000000");
});

test("a queue with a dead-letter queue: no warning", async () => {
	const dlq = await createQueue(aws, `dlq-${Date.now()}`);
	const world = await makeWorld(aws, {
		queueAttributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: "5" }) },
	});
	const run = await check(world);
	assert.equal(run.code, 0, run.stdout + run.stderr);
	assert.ok(items(run.stdout).some((l) => l.ok && /dead-letter queue set$/.test(l.text)), run.stdout);
	assert.doesNotMatch(run.stdout, /\[warn\]/);
	assert.match(run.stdout, /^5 passed, 0 failed$/m);
});

test("a missing bucket: its line names the bucket and says what is wrong", async () => {
	const world = await makeWorld(aws);
	const gone = `${world.bucket}-gone`;
	writeConfig(world.conf, { queue: world.queue.url, bucket: gone, topic: world.topic });
	const run = await check(world);
	assert.equal(run.code, 1, run.stdout + run.stderr);
	const failed = items(run.stdout).filter((l) => !l.ok).map((l) => l.text);
	assert.equal(failed.length, 1, run.stdout);
	assert.match(failed[0], new RegExp(`^bucket ${gone}: no such bucket: check source\\.buckets .*404`));
});

test("every configuration error in one run, each on its own line", async () => {
	const world = await makeWorld(aws, { extra: 'wrokers = 8;\nshutdown_grace = "forever";' });
	const run = await check(world);
	assert.equal(run.code, 2, run.stdout + run.stderr);
	const failed = items(run.stdout).filter((l) => !l.ok).map((l) => l.text);
	assert.equal(failed.length, 2, run.stdout);
	assert.match(failed[0], /^configuration: .*ctalertd\.conf:\d+: unknown option 'wrokers' \(did you mean 'workers'\?\)$/);
	assert.match(failed[1], /^configuration: .*ctalertd\.conf:\d+: shutdown_grace: /);
	assert.match(run.stdout, /^2 errors: the configuration is refused$/m);
});

test("usage errors carry the ctalertd prefix and name the option", async () => {
	const run = await runProgram(aws, CTALERTD, ["check", "-x"], { timeoutMs: 30000 });
	assert.equal(run.code, 2);
	assert.match(run.stderr, /^ctalertd check: unrecognized option '-x'$/m);
	const extra = await runProgram(aws, CTALERTD, ["check", "stray"], { timeoutMs: 30000 });
	assert.equal(extra.code, 2);
	assert.match(extra.stderr, /^ctalertd check: unexpected argument 'stray'$/m);
	const run2 = await runProgram(aws, CTALERTD, ["run", "--bogus"], { timeoutMs: 30000 });
	assert.equal(run2.code, 2);
	assert.match(run2.stderr, /^ctalertd run: unrecognized option '--bogus'$/m);
});

test("a bad configuration: exit 2, naming the file and line", async () => {
	const world = await makeWorld(aws, { extra: 'shutdown_grace = "forever";' });
	const run = await check(world);
	assert.equal(run.code, 2, run.stdout + run.stderr);
	assert.match(run.stdout, /^\[FAIL\] configuration: .*ctalertd\.conf:\d+: /m);
	assert.equal(aws.requestLog.entries.filter((e) => !e.harness).length, 0, "asked AWS with a bad configuration");
});

test("bad rule files: each its own FAIL line", async () => {
	const world = await makeWorld(aws, { extra: 'rules_dir = "rules.d";' });
	const dir = join(dirname(world.conf), "rules.d");
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, "a-bad.json"), '{"name": "a-bad", "pattern": ');
	writeFileSync(join(dir, "b-good.json"), '{"name": "b-good", "pattern": {"eventName": ["B"]}}');
	writeFileSync(join(dir, "c-bad.yml"), "title: c\nlogsource: {product: aws, service: cloudtrail}\n" +
		"detection: {sel: {eventName|windash: x}, condition: sel}\n");
	const run = await check(world);
	assert.equal(run.code, 2, run.stdout + run.stderr);
	const failed = items(run.stdout).filter((l) => !l.ok).map((l) => l.text);
	assert.equal(failed.length, 2, run.stdout);
	assert.match(failed[0], /^configuration: .*rules\.d\/a-bad\.json: invalid JSON/);
	assert.match(failed[1], /^configuration: .*rules\.d\/c-bad\.yml:3: .*windash/);
});

test("no credentials: the chain's explanation is printed once, the rest is not asked", async () => {
	const world = await makeWorld(aws);
	const run = await runProgram(aws, CTALERTD, ["check", "-c", world.conf], { timeoutMs: 30000,
		env: { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_EC2_METADATA_DISABLED: "true" } });
	assert.equal(run.code, 1, run.stdout + run.stderr);
	const lines = items(run.stdout);
	const creds = lines.find((l) => l.text.startsWith("credentials: "));
	assert.ok(creds && !creds.ok && /no AWS credentials found \(environment: AWS_ACCESS_KEY_ID is not set; /.test(creds.text), run.stdout);
	assert.equal(run.stdout.split("AWS_ACCESS_KEY_ID is not set").length - 1, 1, `explained more than once:\n${run.stdout}`);
	for (const what of [`queue ${world.queue.url}`, `topic ${world.topic}`, `bucket ${world.bucket}`])
		assert.ok(lines.some((l) => !l.ok && l.text === `${what}: not checked: no credentials (see above)`), `${what}:\n${run.stdout}`);
	assert.match(run.stdout, /^1 passed, 4 failed$/m);
	assert.equal(aws.requestLog.entries.filter((e) => !e.harness).length, 0, "asked AWS without credentials");
});

test("--configured: 1 only while the queue or the buckets are unset; AWS is not asked", async () => {
	const world = await makeWorld(aws);
	const configured = (env = {}) => runProgram(aws, CTALERTD, ["check", "--configured", "-c", world.conf],
		{ timeoutMs: 30000, env });
	const filled = await configured();
	assert.equal(filled.code, 0, filled.stdout + filled.stderr);
	assert.equal(filled.stdout, "");

	// The queue left out, as the packaged configuration ships.
	const text = readFileSync(world.conf, "utf8");
	writeFileSync(world.conf, text.replace(/^queue_url = .*$/m, "# queue_url = ...;"));
	const empty = await configured();
	assert.equal(empty.code, 1, empty.stdout + empty.stderr);
	assert.match(empty.stdout, /^not configured yet: queue_url is not set: name the SQS queue in \S+ctalertd\.conf or CTALERTD_QUEUE_URL$/m);
	// The environment fills it in (a systemd drop-in's Environment=).
	const fromEnv = await configured({ CTALERTD_QUEUE_URL: world.queue.url });
	assert.equal(fromEnv.code, 0, fromEnv.stdout + fromEnv.stderr);

	// Anything wrong besides is left for `run` to refuse loudly: exit 0.
	writeFileSync(world.conf, text.replace(/^queue_url = .*$/m, 'shutdown_grace = "forever";'));
	const broken = await configured();
	assert.equal(broken.code, 0, broken.stdout + broken.stderr);
	assert.equal(aws.requestLog.entries.filter((e) => !e.harness).length, 0, "--configured asked AWS");
});
