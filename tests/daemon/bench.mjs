// Throughput of the daemon against the local AWS: objects/s and alerts/s with
// 1, 2 and 4 workers; or, with --latency N, the time from a notification (or
// an EventBridge event) being sent to its alert arriving. Not a test (make
// check does not run it): a measurement.
//
//   CTALERTD=_build/ctalertd NODE_PATH=node_modules node tests/daemon/bench.mjs \
//       [--objects 100] [--records 1000] [--matches 5] [--workers 1,2,4]
//   CTALERTD=_build/ctalertd NODE_PATH=node_modules node tests/daemon/bench.mjs \
//       --latency 300 [--records 1000] [--workers 2]
//
// Latency: one running daemon (long polls of 20 s, as deployed); N samples
// per path, the two paths taking turns, one sample in flight at a time. The
// S3 path's sample starts before the log object (--records records, one of
// them a CreateTopic) is put and ends when its alert is received from a
// queue subscribed to the alert topic; it includes the PutObject and the
// notification S3 would send, not CloudTrail's own delivery delay (about
// five minutes in AWS). The EventBridge path's sample starts before the
// event is sent to the queue, as EventBridge would send it.
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
import { performance } from "node:perf_hooks";
import { sqsSdk } from "../harness/deps.mjs";
import { startLocalAws } from "../harness/local-aws.mjs";
import { cloudTrailKey, createQueue, queueDepth, receiveAll, s3EventNotification, sendMessage,
	startProgram } from "../harness/lib.mjs";
import { CTALERTD, cloudTrailEvent, createTopicRecord, makeWorld, record, waitUntil, writeConfig } from "./world.mjs";
import { putLog } from "./shapes_world.mjs";

const { values: opt } = parseArgs({
	options: {
		objects: { type: "string", default: "100" },
		records: { type: "string", default: "1000" },
		matches: { type: "string", default: "5" },
		workers: { type: "string" }, /* default 1,2,4; for --latency, 2 */
		latency: { type: "string" },
	},
});
const { DeleteMessageBatchCommand, ReceiveMessageCommand } = sqsSdk;
const nObjects = Number(opt.objects);
const nRecords = Number(opt.records);
const nMatches = Number(opt.matches);
const workerCounts = (opt.workers ?? "1,2,4").split(",").map(Number);

if (!CTALERTD || !existsSync(CTALERTD)) {
	console.error("bench: set CTALERTD to the built ctalertd");
	process.exit(2);
}

/** The q-quantile of sorted numbers (nearest rank). */
function quantile(sorted, q) {
	return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

/** Reads the observer queue until stop(): when each alert arrived, by eventID. */
function alertClock(world) {
	const arrived = new Map();
	let running = true;
	const done = (async () => {
		while (running) {
			const out = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: world.observer.url,
				MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
			const now = performance.now();
			const msgs = out.Messages ?? [];
			for (const m of msgs)
				arrived.set(JSON.parse(m.Body).eventID, now);
			if (msgs.length > 0)
				await aws.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: world.observer.url,
					Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
		}
	})();
	return { arrived, stop: () => { running = false; return done; } };
}

/** One sample of a path: milliseconds from sending to the alert's arrival. */
async function sample(world, clock, path) {
	const hit = createTopicRecord();
	const t0 = performance.now();
	if (path === "S3") {
		const recs = Array.from({ length: nRecords }, () => record());
		recs[Math.floor(nRecords / 2)] = hit;
		const obj = await putLog(aws, world, recs, { key: cloudTrailKey() });
		await sendMessage(aws, world.queue.url, s3EventNotification(obj));
	} else {
		await sendMessage(aws, world.queue.url, cloudTrailEvent(hit));
	}
	await waitUntil(() => clock.arrived.has(hit.eventID), { timeoutMs: 60000, intervalMs: 1, what: `the ${path} alert` });
	return clock.arrived.get(hit.eventID) - t0;
}

async function latency(samples) {
	const world = await makeWorld(aws, { name: "latency" });
	const workers = Number(opt.workers ?? 2);
	writeFileSync(world.conf, readFileSync(world.conf, "utf8").replace(/^workers = \d+;/m, `workers = ${workers};`)
		.replace(/^log_level = "debug";/m, "log_level = \"notice\";")
		.replace(/^receive = \{ wait_time_seconds = 1;/m, "receive = { wait_time_seconds = 20;"));
	const daemon = startProgram(aws, CTALERTD, ["run", "-c", world.conf, "--log-target", "json"]);
	const clock = alertClock(world);
	const took = { S3: [], EventBridge: [] };
	try {
		await waitUntil(() => aws.requestLog.count({ operation: "ReceiveMessage" }) > 0, { what: "the first receive" });
		for (let i = 0; i < 5; i++) // warm up: connections, the first scanner
			await sample(world, clock, i % 2 ? "S3" : "EventBridge");
		for (let i = 0; i < samples; i++)
			for (const path of ["S3", "EventBridge"])
				took[path].push(await sample(world, clock, path));
	} finally {
		await clock.stop();
		const run = await daemon.stop("SIGTERM", 30000);
		if (run.code !== 0)
			console.error(`ctalertd exited with ${run.code}:\n${run.stderr.slice(-3000)}`);
	}
	console.log(`${samples} samples per path, ${workers} workers, S3 logs of ${nRecords} records, one alert each`);
	console.log("| path | samples | p50 ms | p99 ms | max ms |");
	console.log("|---|---|---|---|---|");
	for (const [path, ms] of Object.entries(took)) {
		ms.sort((a, b) => a - b);
		console.log(`| ${path} | ${ms.length} | ${quantile(ms, 0.5).toFixed(1)} | ${quantile(ms, 0.99).toFixed(1)} | ` +
			`${ms.at(-1).toFixed(1)} |`);
	}
}

async function throughput() {
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
}

const aws = await startLocalAws();
try {
	if (opt.latency !== undefined)
		await latency(Number(opt.latency));
	else
		await throughput();
} finally {
	await aws.stop();
}
