// The benchmark of `ctalertd verify` against AWS's validator, in one run on
// one local bucket: a trail of LOGS log files (default 1200, 12 an hour) is
// signed into the local S3, one log is edited, then `aws cloudtrail
// validate-logs` and `ctalertd verify` check the same range. Both must give
// the same verdicts; the table says how many log files each verified per
// second. Run by `make bench-verify` (not a test).
//   node tests/integrity/bench.mjs [LOGS] [RECORDS_PER_LOG]
import { createBucket, runProgram } from "../harness/lib.mjs";
import { startLocalAws } from "../harness/local-aws.mjs";
import { Trail, awsCliVersion, isoSeconds, readValidateLogs, validateLogs } from "../harness/trail.mjs";

const CTALERTD = process.env.CTALERTD ?? "./ctalertd";
const LOGS = Number(process.argv[2] ?? 1200);
const RECORDS = Number(process.argv[3] ?? 100);
const PER_HOUR = 12;
const HOUR = 3600e3;

function records(account, region, t, n) {
	const out = [];
	for (let i = 0; i < n; i++)
		out.push({
			eventVersion: "1.08", userIdentity: { type: "AssumedRole", accountId: account, arn: `arn:aws:sts::${account}:assumed-role/app/i-${i}` },
			eventTime: isoSeconds(new Date(t.getTime() + i * 1000)), eventSource: "s3.amazonaws.com", eventName: "GetObject",
			awsRegion: region, sourceIPAddress: "192.0.2.10", userAgent: "aws-sdk-go/1.44", requestParameters: { bucketName: "data", key: `k/${i}` },
			eventID: `${t.getTime()}-${i}`, recipientAccountId: account,
		});
	return out;
}

const version = await awsCliVersion();
if (!version) {
	process.stderr.write("bench-verify: the AWS CLI (aws) is not installed\n");
	process.exit(77);
}
const aws = await startLocalAws();
try {
	await createBucket(aws, "bench-trail");
	const trail = new Trail(aws, { bucket: "bench-trail" });
	const hours = Math.ceil(LOGS / PER_HOUR);
	const from = new Date(Math.floor(Date.now() / HOUR) * HOUR - (hours + 3) * HOUR);
	let written = 0;
	const t0 = Date.now();
	for (let h = 0; h < hours; h++) {
		const start = from.getTime() + h * HOUR;
		const batch = [];
		for (let i = 0; i < PER_HOUR && written < LOGS; i++, written++) {
			const t = new Date(start + Math.floor(((i + 0.5) * HOUR) / PER_HOUR));
			batch.push(trail.deliverLog(t, records(trail.account, trail.region, t, RECORDS)));
		}
		await Promise.all(batch);
		await trail.deliverDigest(new Date(start + HOUR));
	}
	await trail.editLog(trail.logs[Math.floor(LOGS / 2)].key);
	const setup = (Date.now() - t0) / 1000;
	const range = { start: new Date(from.getTime() - HOUR), end: new Date(from.getTime() + (hours + 1) * HOUR) };

	let t = Date.now();
	const theirs = await validateLogs(aws, trail, { ...range, timeoutMs: 1800e3 });
	const awsSeconds = (Date.now() - t) / 1000;
	t = Date.now();
	const mine = await runProgram(aws, CTALERTD, ["verify", "--no-progress", "s3://bench-trail", "--since", isoSeconds(range.start), "--until", isoSeconds(range.end)], { timeoutMs: 1800e3 });
	const ourSeconds = (Date.now() - t) / 1000;
	const ours = readValidateLogs(mine.stdout);
	const m = /^(\d+)\/(\d+) digest files valid, (\d+)\/(\d+) log files valid/m.exec(mine.stdout);
	const ourSummary = m ? { digests: [Number(m[1]), Number(m[2])], logs: [Number(m[3]), Number(m[4])] } : null;
	const key = (f) => `${f.kind} ${f.url} ${f.verdict}`;
	const same = JSON.stringify(ours.findings.map(key).sort()) === JSON.stringify(theirs.findings.map(key).sort()) &&
		JSON.stringify(ourSummary) === JSON.stringify(theirs.summary);
	const logs = theirs.summary.logs[1];
	const row = (name, s) => `${name.padEnd(34)} ${s.toFixed(2).padStart(8)} s ${(logs / s).toFixed(0).padStart(8)} log files/s`;
	console.log(`${LOGS} log files of ${RECORDS} records, ${trail.digests.length} digests, one log edited (signed in ${setup.toFixed(1)} s)`);
	console.log(row(`aws cloudtrail validate-logs`, awsSeconds));
	console.log(row(`ctalertd verify (4 jobs)`, ourSeconds));
	console.log(`speed-up ${(awsSeconds / ourSeconds).toFixed(1)}x; verdicts ${same ? "the same" : "DIFFER"}: ${theirs.summary.digests.join("/")} digests, ${theirs.summary.logs.join("/")} log files valid (validate-logs), ${ourSummary ? ourSummary.logs.join("/") : "?"} (ctalertd)`);
	console.log(`(${version})`);
	if (!same) {
		console.log(`validate-logs:\n${theirs.stdout}${theirs.stderr}\nctalertd:\n${mine.stdout}${mine.stderr}`);
		process.exitCode = 1;
	}
} finally {
	await aws.stop();
}
