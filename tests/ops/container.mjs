// What the container tests share: running podman without blocking the event
// loop (the local AWS runs in the test's own process), the cached images,
// and a container that is removed however the test ends.
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";

export const srcdir = process.env.top_srcdir ?? new URL("../..", import.meta.url).pathname;
export const builddir = process.env.top_builddir ?? ".";
const podmanSh = join(srcdir, "tests/ops/podman.sh");

/**
 * Runs a command to its end: {code, stdout, stderr}. Never rejects; kills it
 * after timeoutMs (code null). `input` is written to its standard input; it
 * runs in `cwd` when given.
 */
export function run(cmd, args, { timeoutMs = 60000, input, env, cwd } = {}) {
	return new Promise((resolve) => {
		const child = execFile(cmd, args, { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 << 20,
			env: env ?? process.env, cwd, encoding: "utf8" }, (err, stdout, stderr) => {
			resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr, error: err });
		});
		if (input !== undefined) child.stdin.end(input);
	});
}

/** Like run(), but throws with the output when the command fails. */
export async function must(cmd, args, options) {
	const r = await run(cmd, args, options);
	if (r.code !== 0)
		throw new Error(`${cmd} ${args.join(" ")}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
	return r;
}

/** Why podman cannot be used here, or null when it can. */
export async function podmanUnusable() {
	const r = await run("sh", [podmanSh, "usable"], { timeoutMs: 60000 });
	if (r.code === 0) return null;
	return (r.stdout + r.stderr).trim() || `podman.sh usable: exit ${r.code}`;
}

/** Makes (once) and names an image: "base" or "systemd-image". */
export async function image(which, timeoutMs = 600000) {
	const r = await must("sh", [podmanSh, which], { timeoutMs });
	return r.stdout.trim().split("\n").pop();
}

/** Runs podman with the runtime and limits that work on these hosts. */
export function podman(args, options) {
	return run("podman", args, options);
}

export function podmanRunArgs() {
	return ["--runtime", "runc", "run", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096", "--network", "host"];
}

/** The child make must not inherit the jobserver of the make running the tests. */
export function cleanEnv(extra = {}) {
	const env = { ...process.env, ...extra };
	for (const k of ["MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"]) delete env[k];
	return env;
}

/** Containers this process started, removed on exit even after a failure. */
const started = new Set();
export function track(name) {
	started.add(name);
}
export async function removeAll() {
	await Promise.all([...started].map((n) => podman(["rm", "-f", "-t", "2", n], { timeoutMs: 60000 })));
	started.clear();
}
process.on("exit", () => {
	// Last resort when the after() hooks did not run (an uncaught error).
	for (const n of started) spawn("podman", ["rm", "-f", "-t", "0", n], { detached: true, stdio: "ignore" }).unref();
});

/** Polls fn() until it returns a truthy value; throws after timeoutMs. */
export async function until(fn, what, timeoutMs = 30000, everyMs = 200) {
	const end = Date.now() + timeoutMs;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((r) => setTimeout(r, everyMs));
	}
}

/** Does the build link the sanitizer runtimes (which the images lack)? */
export async function sanitizedBuild(binary) {
	const r = await run("ldd", [binary]);
	return /libasan|libubsan/.test(r.stdout);
}

/** A loopback port nothing listens on right now. */
export async function freePort() {
	const { createServer } = await import("node:net");
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.once("error", reject);
		s.listen(0, "127.0.0.1", () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}
