// Throughput of the daemon against the local AWS: objects/s and alerts/s with
// 1, 2 and 4 workers. Not a test (make check does not run it): a measurement.
//
//   CTALERTD=_build/ctalertd NODE_PATH=node_modules node tests/daemon/bench.mjs \
//       [--objects 100] [--records 1000] [--matches 5] [--workers 1,2,4]
//
// Every object is uploaded once; for each worker count a fresh queue gets one
// S3 notification per object and `ctalertd run --once` works through it. The
// time is taken from the request log: from ctalertd's first GetObject to the
// end of its last DeleteMessageBatch, so start-up and the final empty long
// poll are left out. CPU seconds and peak RSS are ctalertd's own (GNU time).
// The local AWS (node, fauxqs, the signature-checking front) runs on the same
// machine and usually costs more CPU than ctalertd: read the numbers as a
// lower bound of what ctalertd does against AWS.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startLocalAws } from "../harness/local-aws.mjs";
import { cloudTrailKey, createQueue, queueDepth, receiveAll, s3EventNotification, sendMessage,
	startProgram } from "../harness/lib.mjs";
import { CTALERTD, createTopicRecord, makeWorld, record, writeConfig } from "./world.mjs";
import { putLog } from "./shapes_world.mjs";

const { values: opt } = parseArgs({
	options: {
		objects: { type: "string", default: "100" },
		records: { type: "string", default: "1000" },
		matches: { type: "string", default: "5" },
		workers: { type: "string", default: "1,2,4" },
	},
});
const nObjects = Number(opt.objects);
const nRecords = Number(opt.records);
const nMatches = Number(opt.matches);
const workerCounts = opt.workers.split(",").map(Number);

if (!CTALERTD || !existsSync(CTALERTD)) {
	console.error("bench: set CTALERTD to the built ctalertd");
	process.exit(2);
}

const aws = await startLocalAws();
try {
	const world = await makeWorld(aws, { name: "bench" });
	const objects = [];
	let bytes = 0;
	for (let i = 0; i < nObjects; i++) {
		const recs = Array.from({ length: nRecords }, () => record());
		for (let m = 0; m < nMatches; m++)
			recs[Math.floor(((m + 0.5) * nRecords) / nMatches)] = createTopicRecord();
		const obj = await putLog(aws, world, recs, { key: cloudTrailKey() });
		bytes += obj.size;
		objects.push(obj);
	}
	console.log(`${nObjects} objects of ${nRecords} records (${(bytes / nObjects / 1024).toFixed(0)} KiB gzip, ` +
		`~${((JSON.stringify(record()).length * nRecords) / 1024 / 1024).toFixed(1)} MiB JSON each), ` +
		`${nMatches} matches each: ${nObjects * nMatches} alerts per run`);
	console.log("| workers | objects/s | alerts/s | MB/s (gzip) | ctalertd CPU s (user+sys) | peak RSS MiB | wall s |");
	console.log("|---|---|---|---|---|---|---|");

	for (const workers of workerCounts) {
		const queue = await createQueue(aws, `bench-${workers}-${Date.now()}`);
		for (const obj of objects)
			await sendMessage(aws, queue.url, s3EventNotification(obj));
		writeConfig(world.conf, { queue: queue.url, bucket: world.bucket, topic: world.topic, extra: "", receive: "" });
		// One setting per line: replace the world's worker count and quieten the log.
		writeFileSync(world.conf, readFileSync(world.conf, "utf8").replace(/^workers = \d+;/m, `workers = ${workers};`)
			.replace(/^log_level = "debug";/m, "log_level = \"notice\";").replace(/^receive = \{ /m, "receive = { max_messages = 10; "));
		aws.requestLog.clear();
		const run = await startProgram(aws, "/usr/bin/time", ["-f", "TIME %U %S %M", CTALERTD, "run", "--once", "-c", world.conf,
			"--log-target", "json"]).wait(600000);
		if (run.code !== 0)
			throw new Error(`ctalertd failed (${run.code}):\n${run.stderr.slice(-3000)}`);
		const gets = aws.requestLog.match({ operation: "GetObject" });
		const dels = aws.requestLog.match({ operation: "DeleteMessageBatch" });
		const t0 = Date.parse(gets[0].time);
		const t1 = Math.max(...dels.map((d) => Date.parse(d.time) + (d.durationMs ?? 0)));
		const secs = (t1 - t0) / 1000;
		const [, user, sys, rss] = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(run.stderr);
		const alerts = await receiveAll(aws, world.observer.url, { expect: nObjects * nMatches, timeoutMs: 30000 });
		const depth = await queueDepth(aws, queue.url);
		if (alerts.length !== nObjects * nMatches || depth.visible + depth.inFlight !== 0)
			throw new Error(`run with ${workers} workers: ${alerts.length} alerts, queue ${JSON.stringify(depth)}`);
		console.log(`| ${workers} | ${(nObjects / secs).toFixed(1)} | ${((nObjects * nMatches) / secs).toFixed(1)} | ` +
			`${(bytes / secs / 1e6).toFixed(2)} | ${(Number(user) + Number(sys)).toFixed(2)} | ${(Number(rss) / 1024).toFixed(1)} | ${secs.toFixed(2)} |`);
	}
} finally {
	await aws.stop();
}
