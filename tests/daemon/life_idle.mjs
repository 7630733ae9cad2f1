// Idle cost: with an empty queue the daemon sleeps in 20-second long polls.
// Over ten idle seconds it may use a small bound of CPU time (measured from
// /proc/PID/stat) and make at most one new request.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { lastSeq, makeWorld, rewriteConfig, startDaemon, track, useLocalAws, waitUntil } from "./world.mjs";

const aws = useLocalAws({ reset: false });

const IDLE_MS = 10000;
const CPU_BOUND_S = 0.05; // 0.5% of one core over ten seconds

/** User + system CPU seconds of a process so far. */
function cpuSeconds(pid, ticks) {
	const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	// Fields after the command name, which is in parentheses and may hold spaces.
	const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
	return (Number(f[11]) + Number(f[12])) / ticks; // utime, stime: fields 14 and 15
}

test("an idle daemon sleeps in long polls", { skip: process.platform !== "linux" && "needs /proc" }, async () => {
	const ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
	const world = await makeWorld(aws);
	rewriteConfig(world, { waitTime: 20, workers: 4 });
	const daemon = track(startDaemon(aws, world));
	try {
		await daemon.waitForOutput(/started: queue/, 10000);
		await waitUntil(() => aws.requestLog.count({ operation: "ReceiveMessage" }) >= 1, { what: "the first long poll" });
		await new Promise((r) => setTimeout(r, 500));
		const seq = lastSeq(aws);
		const cpu0 = cpuSeconds(daemon.pid, ticks);
		await new Promise((r) => setTimeout(r, IDLE_MS));
		const used = cpuSeconds(daemon.pid, ticks) - cpu0;
		const requests = aws.requestLog.match({}).filter((e) => e.seq > seq);
		assert.ok(used < CPU_BOUND_S, `${used.toFixed(3)} s of CPU in ${IDLE_MS / 1000} idle seconds`);
		assert.ok(requests.length <= 1, `${requests.length} requests while idle: ${requests.map((e) => e.operation)}`);
		assert.ok(requests.every((e) => e.operation === "ReceiveMessage"));
		// The first poll is still open after more than ten seconds: a long poll.
		const poll = aws.requestLog.match({ operation: "ReceiveMessage" })[0];
		assert.equal(poll.durationMs, undefined, `the first poll ended after ${poll.durationMs} ms`);
		console.log(`# ${used.toFixed(3)} s CPU over ${IDLE_MS / 1000} s idle, ${requests.length} requests`);
	} finally {
		const run = await daemon.stop("SIGTERM", 10000);
		assert.equal(run.code, 0, run.stderr);
	}
});
