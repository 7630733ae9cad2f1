// Drives tests/aws/creds_probe (one credentials provider asked for
// credentials on each "get" line) for the credentials tests that run
// against stand-ins and helper programs: creds_http.mjs, creds_laptop.mjs.
// Every error message and stderr a probe produced is kept in `outputs`, for
// the tests' check that no secret was ever printed.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import assert from "node:assert/strict";

const builddir = process.env.top_builddir ?? ".";
export const PROBE = join(builddir, "tests/aws/creds_probe");
const WRAPPER = (process.env.CREDS_PROBE_WRAPPER ?? "").split(" ").filter(Boolean);
const GET_TIMEOUT_MS = 20000;

/** {what, text} of every probe: stderr and error messages. */
export const outputs = [];

export class Probe {
	constructor(kind, environment, args = []) {
		const argv = [...WRAPPER, PROBE, kind, ...args];
		this.child = spawn(argv[0], argv.slice(1), { env: environment, stdio: ["pipe", "pipe", "pipe"] });
		this.stderr = "";
		this.child.stderr.on("data", (d) => (this.stderr += d));
		this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
		this.exited = new Promise((resolve) => this.child.on("exit", (code, sig) => resolve(sig ?? code)));
	}

	/** Sends one line and resolves the JSON line that answers it. */
	async ask(line) {
		this.child.stdin.write(line + "\n");
		let timer;
		const timeout = new Promise((_, reject) => {
			timer = setTimeout(() => reject(new Error(`no answer within ${GET_TIMEOUT_MS} ms; stderr: ${this.stderr}`)), GET_TIMEOUT_MS);
		});
		try {
			const { value, done } = await Promise.race([this.lines.next(), timeout]);
			assert.ok(!done, `probe ended early; stderr: ${this.stderr}`);
			return JSON.parse(value);
		} finally {
			clearTimeout(timer);
		}
	}

	async get() {
		const r = await this.ask("get");
		if (!r.ok)
			outputs.push({ what: "error message", text: r.message });
		return r;
	}

	async close() {
		this.child.stdin.end("quit\n");
		const code = await this.exited;
		outputs.push({ what: "log output", text: this.stderr });
		assert.equal(code, 0, `probe exited with ${code}; stderr: ${this.stderr}`);
		return this.stderr;
	}
}

/** Runs one probe through fn(probe) and closes it; returns its stderr. */
export async function withProbe(kind, environment, fn, args = []) {
	const p = new Probe(kind, environment, args);
	try {
		await fn(p);
	} finally {
		await p.close();
	}
	return p.stderr;
}

/** Fails when any output so far contains one of secrets. */
export function assertNoSecretsIn(secrets) {
	for (const { what, text } of outputs)
		for (const secret of secrets)
			assert.ok(!text.includes(secret), `${what} leaks a secret: ${text}`);
}

export function assertError(r, code, text) {
	assert.equal(r.ok, false, `expected ${code}, got credentials`);
	assert.equal(r.code, code, r.message);
	if (text)
		assert.ok(r.message.includes(text), `"${r.message}" lacks "${text}"`);
}
