// The AWS side of tools/demo, run against the local AWS whose environment
// (tests/harness/local-aws.mjs --env-out) is in this process's environment:
//
//   node tools/demo-world.mjs setup DIR   create a bucket, the queue S3 would
//       notify, an alert topic and an observer queue subscribed to it; upload
//       the sample CloudTrail log under its real key layout; send the S3
//       notification for it; write DIR/ctalertd.conf and DIR/observer.url.
//   node tools/demo-world.mjs alerts DIR  print each alert the observer queue
//       received, one JSON document per line.
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { s3Sdk, snsSdk, sqsSdk } from "../tests/harness/deps.mjs";
import { createBucket, createObserverQueue, createQueue, createTopic, putObject, receiveAll, s3EventNotification,
	sendMessage } from "../tests/harness/lib.mjs";

const top = fileURLToPath(new URL("..", import.meta.url));
const SAMPLE = join(top, "tests/data/AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/24",
	"123456789012_CloudTrail_us-east-1_20261124T1200Z_abc.json.gz");
const BUCKET = "ctalertd-demo-trail";

function clients() {
	const env = process.env;
	if (!env.AWS_ENDPOINT_URL)
		throw new Error("AWS_ENDPOINT_URL is not set: start the local AWS first (tests/harness/local-aws.mjs --env-out)");
	const common = {
		endpoint: env.AWS_ENDPOINT_URL,
		region: env.AWS_REGION ?? "us-east-1",
		credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
		maxAttempts: 2,
	};
	return {
		s3: new s3Sdk.S3Client({ ...common, forcePathStyle: true }),
		sqs: new sqsSdk.SQSClient(common),
		sns: new snsSdk.SNSClient(common),
	};
}

function say(line) {
	process.stderr.write(`demo: ${line}\n`);
}

async function setup(dir) {
	const aws = clients();
	await createBucket(aws, BUCKET);
	const queue = await createQueue(aws, "ctalertd-demo-events");
	const topic = await createTopic(aws, "ctalertd-demo-alerts");
	const observer = await createObserverQueue(aws, topic, "ctalertd-demo-observer", { raw: true });
	say(`bucket s3://${BUCKET}, queue ${queue.url}`);
	say(`alert topic ${topic}, observed by queue ${observer.url}`);

	const key = relative(join(top, "tests/data"), SAMPLE);
	const obj = await putObject(aws, BUCKET, key, readFileSync(SAMPLE), { contentType: "application/x-gzip" });
	say(`uploaded the sample CloudTrail log (${obj.size} bytes) as s3://${BUCKET}/${key}`);
	const id = await sendMessage(aws, queue.url, s3EventNotification(obj));
	say(`sent the S3 event notification for it (message ${id})`);

	writeFileSync(join(dir, "ctalertd.conf"), `# The demo's configuration: the local AWS, the shipped rule pack.
queue_url = "${queue.url}";
aws = { s3_path_style = true; };
workers = 2;
receive = { wait_time_seconds = 2; };
source = { buckets = ["${BUCKET}"]; expected_bucket_owner = "${process.env.CTALERTD_HARNESS_ACCOUNT_ID ?? "000000000000"}"; };
alerts = { topic_arn = "${topic}"; };
rules_dir = "${join(top, "etc/rules.d")}";
log_level = "info";
`);
	writeFileSync(join(dir, "observer.url"), observer.url);
}

/* Reads until a poll after the first alert comes back empty (or 15 s pass). */
async function alerts(dir) {
	const aws = clients();
	const url = readFileSync(join(dir, "observer.url"), "utf8");
	const got = await receiveAll(aws, url, { expect: 1, timeoutMs: 15000 });
	for (;;) {
		const more = await receiveAll(aws, url, { timeoutMs: 1000 });
		if (more.length === 0)
			break;
		got.push(...more);
	}
	for (const m of got)
		process.stdout.write(`${m.Body}\n`);
}

const [command, dir] = process.argv.slice(2);
const commands = { setup, alerts };
if (!commands[command] || !dir) {
	process.stderr.write("usage: node tools/demo-world.mjs setup|alerts DIR\n");
	process.exit(2);
}
commands[command](dir).catch((err) => {
	process.stderr.write(`demo: ${command} failed: ${err.message ?? err}\n`);
	process.exit(1);
});
