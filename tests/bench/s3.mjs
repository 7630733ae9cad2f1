// tests/bench/s3.mjs [BUILD_DIR]: the S3 part of the benchmark (`make bench`).
// Not a test: it puts OBJECTS (default 500) CloudTrail log objects into the
// local S3 (behind the signature-checking front, so every request is signed
// and checked as AWS would), then times, in one run each on the same objects:
//   ctalertd scan --count -p TUTORIAL s3://BUCKET          (--jobs default)
//   aws s3 cp --recursive s3://BUCKET DIR, then zcat | jq  (the usual way)
// and prints both wall times, the ratio, CPU and ctalertd's peak memory as a
// Markdown table. Both must find the same number of matches.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { startLocalAws } from "../harness/local-aws.mjs";
import { cloudTrailKey, createBucket, putObject } from "../harness/lib.mjs";

const build = resolve(process.argv[2] ?? "_build");
const ctalertd = join(build, "ctalertd");
const gen = join(build, "tests/bench/gen_corpus");
const OBJECTS = Number(process.env.OBJECTS ?? 500);
const RECORDS = Number(process.env.RECORDS_PER_OBJECT ?? 400);
const TUTORIAL = '{"eventSource":["sns.amazonaws.com"],"eventName":["CreateTopic"]}';
const JQ = '.Records[] | select(.eventSource == "sns.amazonaws.com" and .eventName == "CreateTopic")';

const say = (s) => process.stderr.write(`bench-s3: ${s}\n`);

/** Runs argv under /usr/bin/time: {wall, cpu, rssKiB, stdout}. Asynchronous:
 * the local AWS answers from this very process. */
async function timed(argv, env) {
	const dir = mkdtempSync(join(tmpdir(), "ctalertd-bench-"));
	const t = join(dir, "time");
	const child = spawn("/usr/bin/time", ["-f", "%e %U %S %M", "-o", t, ...argv], { env, stdio: ["ignore", "pipe", "pipe"] });
	let stdout = "", stderr = "";
	child.stdout.on("data", (c) => { stdout += c; });
	child.stderr.on("data", (c) => { stderr += c; });
	const code = await new Promise((res) => child.on("close", res));
	if (code !== 0)
		throw new Error(`${argv.join(" ")}: exit ${code}\n${stderr}`);
	const [wall, user, sys, rss] = readFileSync(t, "utf8").trim().split(/\s+/).map(Number);
	rmSync(dir, { recursive: true, force: true });
	return { wall, cpu: user + sys, rssKiB: rss, stdout };
}

const aws = await startLocalAws();
try {
	const bucket = "bench-trail";
	await createBucket(aws, bucket);
	say(`putting ${OBJECTS} objects of ${RECORDS} records`);
	let bytes = 0;
	const start = Date.parse("2026-11-20T00:00:00Z");
	for (let i = 0; i < OBJECTS; i++) {
		const account = i % 2 ? "210987654321" : "123456789012";
		const region = i % 4 < 2 ? "us-east-1" : "eu-west-1";
		const json = execFileSync(gen, ["-n", String(RECORDS), "-s", String(i + 1), "-t", "200", "-a", account, "-r", region]);
		const body = gzipSync(json, { level: 6 });
		bytes += body.length;
		const key = cloudTrailKey({ account, region, time: new Date(start + i * 10 * 60e3) });
		await putObject(aws, bucket, key, body, { contentType: "application/gzip" });
	}
	const env = { ...process.env, ...aws.env() };

	say("ctalertd scan s3://...");
	const scan = await timed([ctalertd, "scan", "--no-progress", "--count", "-p", TUTORIAL, `s3://${bucket}`], env);
	const scanMatches = Number(scan.stdout.trim().split("\t")[1]);

	say("aws s3 cp --recursive, then zcat | jq");
	const dir = mkdtempSync(join(tmpdir(), "ctalertd-bench-cp-"));
	const script = `aws s3 cp --recursive --quiet s3://${bucket} '${dir}' && ` +
		`find '${dir}' -name '*.json.gz' -exec zcat {} + | jq -c '${JQ}' | wc -l`;
	const cp = await timed(["sh", "-c", script], env);
	const cpMatches = Number(cp.stdout.trim());
	rmSync(dir, { recursive: true, force: true });
	if (scanMatches !== cpMatches || scanMatches === 0)
		throw new Error(`the two found different matches: ctalertd ${scanMatches}, jq ${cpMatches}`);

	const mb = (bytes / 1e6).toFixed(1);
	console.log(`\n${OBJECTS} CloudTrail log objects of ${RECORDS} records (${(OBJECTS * RECORDS).toLocaleString("en")} records, ` +
		`${mb} MB gzip) in the local S3 behind the signature-checking front; ${scanMatches} matches found by both. One run each.\n`);
	console.log("| pipeline | wall s | CPU s | peak RSS |");
	console.log("|---|---:|---:|---:|");
	console.log(`| \`ctalertd scan s3://...\` (--jobs 8) | ${scan.wall.toFixed(2)} | ${scan.cpu.toFixed(2)} | ${(scan.rssKiB / 1024).toFixed(1)} MiB |`);
	console.log(`| \`aws s3 cp --recursive\`, then \`zcat \\| jq\` | ${cp.wall.toFixed(2)} | ${cp.cpu.toFixed(2)} | ${(cp.rssKiB / 1024).toFixed(1)} MiB (largest process) |`);
	console.log(`\n- ctalertd takes ${(scan.wall / cp.wall).toFixed(2)}x the wall time of copying and jq (${(cp.wall / scan.wall).toFixed(1)} times as fast), peak RSS ${(scan.rssKiB / 1024).toFixed(1)} MiB.`);
} finally {
	await aws.stop();
}
