// Pieces shared by the stand-ins: for the credential stand-ins (imds.mjs,
// ecs.mjs, sts.mjs) a small loopback HTTP server and a queue of one-shot bad
// answers a test asks for ("the next 2 credential fetches get a 500"); for
// the service stand-ins in child processes (fauxqs-server.mjs,
// dynalite-server.mjs) their life as a child of local-aws.mjs.
import http from "node:http";

/**
 * Queued bad answers. A rule: {on (which request it applies to; stand-in
 * specific, absent = any), status, body, headers, delayMs, count (default 1)}.
 * When `body` is absent the stand-in's usual error body for the status is used.
 */
export class Injections {
	constructor(what) {
		this.what = what;
		this.rules = [];
	}

	add(rule) {
		const count = rule.count ?? 1;
		if (!(Number.isInteger(count) && count > 0))
			throw new Error(`${this.what}: count must be a positive integer`);
		if (rule.status === undefined && rule.body === undefined && rule.delayMs === undefined)
			throw new Error(`${this.what}: an injected answer needs status, body or delayMs`);
		this.rules.push({ ...rule, remaining: count });
	}

	/** The rule for a request of kind `on`, its use counted, or null. */
	take(on) {
		const rule = this.rules.find((r) => r.remaining > 0 && (r.on === undefined || r.on === on));
		if (!rule)
			return null;
		rule.remaining--;
		this.rules = this.rules.filter((r) => r.remaining > 0);
		return rule;
	}

	clear() {
		this.rules = [];
	}
}

/** Starts an HTTP server on 127.0.0.1 on a free port; returns {server, port, url, close()}. */
export async function listenLoopback(handler, name) {
	const sockets = new Set();
	const server = http.createServer((req, res) => {
		Promise.resolve(handler(req, res)).catch((err) => {
			process.stderr.write(`local-aws ${name}: ${err.stack ?? err}\n`);
			if (!res.headersSent)
				res.writeHead(500);
			res.end();
		});
	});
	server.on("connection", (s) => {
		sockets.add(s);
		s.on("close", () => sockets.delete(s));
	});
	await new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(0, "127.0.0.1", resolve);
	});
	const port = server.address().port;
	return {
		server,
		port,
		url: `http://127.0.0.1:${port}`,
		close: () => {
			const closed = new Promise((resolve) => server.close(resolve));
			for (const s of sockets)
				s.destroy();
			return closed;
		},
	};
}

export function send(res, status, body, headers = {}) {
	const text = typeof body === "string" ? body : JSON.stringify(body);
	res.writeHead(status, { "content-length": Buffer.byteLength(text), ...headers });
	res.end(text);
}

/** Answers with an injected rule (after its delay); false when there is none to answer with. */
export async function answerInjected(res, rule, defaultBody) {
	if (rule.delayMs)
		await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
	if (rule.status === undefined && rule.body === undefined)
		return false;
	send(res, rule.status ?? 200, rule.body ?? defaultBody(rule.status), rule.headers ?? {});
	return true;
}

export function readAll(req) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		req.on("data", (c) => chunks.push(c));
		req.on("end", () => resolve(Buffer.concat(chunks)));
		req.on("error", reject);
	});
}

/**
 * A stand-in's life as a child process of local-aws.mjs: tells the parent
 * its port over the IPC channel, and calls close() (at most 2 s) and exits
 * when told to stop, on SIGTERM/SIGINT, or when the parent goes away.
 */
export function serveAsChild(port, close) {
	let stopping = false;
	const stop = async () => {
		if (stopping)
			return;
		stopping = true;
		setTimeout(() => process.exit(0), 2000).unref();
		await close().catch(() => {});
		process.exit(0);
	};
	process.on("SIGTERM", stop);
	process.on("SIGINT", stop);
	process.on("disconnect", stop);
	process.on("message", (m) => {
		if (m === "stop")
			stop();
	});
	process.send({ port });
}
