// The signature-checking front: an HTTP server on 127.0.0.1 that every
// request of a test goes through. It checks each request's SigV4 signature
// (sigv4.mjs) against the keys the harness knows, answers AWS's own errors
// (errors.mjs) when something is wrong, injects the faults a test asked for
// (faults.mjs), records the request (log.mjs), and passes the rest on: STS
// to the local STS (sts.mjs), CloudTrail to the local CloudTrail
// (cloudtrail.mjs), DynamoDB to dynalite, everything else to fauxqs. S3's
// GetBucketLocation is answered here, because fauxqs's answer (a
// pretty-printed empty LocationConstraint) reads to botocore as a region made
// of blanks.
//
// S3 bodies are streamed both ways; only SQS/SNS/STS/DynamoDB request bodies
// (small) are read whole, because their operation is inside them.
import { createHash } from "node:crypto";
import http from "node:http";
import { pipeline } from "node:stream";
import { allFailedAnswer, mergeBatchAnswer, splitBatch } from "./batch.mjs";
import { authError, customError, newRequestId } from "./errors.mjs";
import { describeRequest, guessService } from "./describe.mjs";
import { ORGANIZATIONS_REGION } from "./organizations.mjs";
import { EMPTY_SHA256, MAX_SKEW_MS, parseAmzDate, parseAuthorization, recomputeSignature, sha256Hex } from "./sigv4.mjs";

/** The header the harness's own SDK clients add, so faults and log queries can tell them apart. */
export const HARNESS_HEADER = "x-ctalertd-harness";
const MAX_BUFFERED_BODY = 16 * 1024 * 1024;
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "expect", "te", "trailer"];
const UNSIGNED_STS = new Set(["AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"]);
const S3_PAYLOAD_MODES = new Set([
	"UNSIGNED-PAYLOAD",
	"STREAMING-UNSIGNED-PAYLOAD-TRAILER",
	"STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
	"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
	"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
	"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
]);
const AUTH_FAULTS = new Set(["skew-date"]);
const OTHER_FAULTS = new Set(["throttle", "error500", "status", "reset-before", "reset-mid-body", "slow", "batch-partial"]);
const isHex64 = (s) => typeof s === "string" && /^[0-9a-f]{64}$/.test(s);

function resetSocket(socket) {
	if (!socket || socket.destroyed)
		return;
	if (typeof socket.resetAndDestroy === "function")
		socket.resetAndDestroy();
	else
		socket.destroy();
}

/* Resolves after ms, or early (false) when the client has gone. */
function waitWhileOpen(ms, res) {
	return new Promise((resolve) => {
		if (res.destroyed)
			return resolve(false);
		const done = (open) => {
			clearTimeout(timer);
			res.off("close", onClose);
			resolve(open);
		};
		const onClose = () => done(false);
		const timer = setTimeout(() => done(true), ms);
		res.on("close", onClose);
	});
}

function readBody(req, limit) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		let size = 0;
		req.on("data", (c) => {
			size += c.length;
			if (size > limit) {
				reject(new Error(`request body over ${limit} bytes`));
				req.destroy();
				return;
			}
			chunks.push(c);
		});
		req.on("end", () => resolve(Buffer.concat(chunks)));
		req.on("error", reject);
	});
}

/* The service a request's body must be read for, before it is known exactly. */
function bufferedService(auth, headers, rawQuery) {
	if (auth.ok)
		return auth.service;
	const ct = headers["content-type"] ?? "";
	if ((headers["x-amz-target"] ?? "").startsWith("DynamoDB_"))
		return "dynamodb";
	if ((headers["x-amz-target"] ?? "").includes("CloudTrail_20131101."))
		return "cloudtrail";
	if ((headers["x-amz-target"] ?? "").startsWith("AWSOrganizationsV20161128."))
		return "organizations";
	if ((headers["x-amz-target"] ?? "").startsWith("AmazonSQS.") || ct.includes("x-amz-json"))
		return "sqs";
	if (ct.includes("x-www-form-urlencoded") || /(^|&)Action=/.test(rawQuery))
		return "query";
	return "s3";
}

/* Records the AWS error code of an error the stand-in answered: the SQS
 * header, else the first <Code> of an XML body or the name in a JSON
 * body's __type (read alongside the relay). */
function noteErrorCode(entry, upRes) {
	const query = upRes.headers["x-amzn-query-error"];
	if (query) {
		entry.error = query.split(";")[0];
		return;
	}
	let head = "";
	upRes.on("data", (c) => {
		if (head.length < 4096)
			head += c.toString("utf8");
	});
	upRes.on("end", () => {
		const json = /"__type"\s*:\s*"(?:[^"#]*#)?([^"]*)"/.exec(head)?.[1];
		entry.error = json ?? /<Code>([^<]*)<\/Code>/.exec(head)?.[1] ?? `HTTP ${upRes.statusCode}`;
	});
}

export class Front {
	/**
	 * `world` is the shared state (local-aws.mjs): region, accountId,
	 * credentials, faults, log, clock, bucketOwners, bucketRegions, sts.
	 * `upstream` is {host, port} of fauxqs, or null for a front that only
	 * answers STS; `upstreams` maps a service to another stand-in
	 * ({dynamodb: {host, port}} of dynalite).
	 */
	constructor(world, { name = "front", upstream = null, upstreams = {} } = {}) {
		this.world = world;
		this.name = name;
		this.upstream = upstream;
		this.upstreams = upstreams;
		this.agent = new http.Agent({ keepAlive: true });
		this.server = http.createServer((req, res) => {
			this.handle(req, res).catch((err) => this.internalError(res, err));
		});
		this.server.keepAliveTimeout = 5000;
		this.sockets = new Set();
		this.server.on("connection", (s) => {
			this.sockets.add(s);
			s.on("close", () => this.sockets.delete(s));
		});
	}

	async listen() {
		await new Promise((resolve, reject) => {
			this.server.once("error", reject);
			this.server.listen(0, "127.0.0.1", resolve);
		});
		this.port = this.server.address().port;
		this.url = `http://127.0.0.1:${this.port}`;
		return this.port;
	}

	async close() {
		const closed = new Promise((resolve) => this.server.close(resolve));
		for (const s of this.sockets)
			s.destroy();
		this.agent.destroy();
		await closed;
	}

	internalError(res, err) {
		process.stderr.write(`local-aws ${this.name}: ${err.stack ?? err}\n`);
		if (!res.headersSent && !res.destroyed) {
			res.writeHead(500, { "content-type": "text/plain" });
			res.end(`local AWS front failed: ${err.message}\n`);
		} else {
			res.destroy();
		}
	}

	async handle(req, res) {
		const started = Date.now();
		const qi = req.url.indexOf("?");
		const rawPath = qi < 0 ? req.url : req.url.slice(0, qi);
		const rawQuery = qi < 0 ? "" : req.url.slice(qi + 1);
		const headers = req.headers;
		const auth = parseAuthorization(headers.authorization);
		let body;
		let service = bufferedService(auth, headers, rawQuery);
		if (service !== "s3") {
			body = await readBody(req, MAX_BUFFERED_BODY);
			if (service === "query")
				service = guessService(headers, rawQuery, body);
		}
		const desc = describeRequest(service, req.method, rawPath, rawQuery, headers, body);
		desc.harness = headers[HARNESS_HEADER] !== undefined;
		const entry = this.world.log.add({
			time: new Date(started).toISOString(),
			front: this.name,
			...desc,
			params: undefined,
			accessKeyId: auth.ok ? auth.accessKeyId : null,
			headers: { ...headers },
			status: 0,
			error: null,
			fault: null,
			completed: false,
		});
		res.on("close", () => {
			entry.completed = res.writableFinished;
			entry.durationMs = Date.now() - started;
		});

		const checked = await this.authenticate(req, auth, desc, entry, body, rawPath, rawQuery);
		if (checked.failure)
			return this.answer(req, res, entry, authError({ service, ...checked.failure }));
		if (service === "s3" && this.wrongOwner(headers, desc))
			return this.answer(req, res, entry, authError({ service, kind: "expected-owner" }));

		let rule = this.world.faults.take(desc, OTHER_FAULTS);
		if (rule)
			entry.fault = rule.kind;
		if (rule && (rule.kind === "throttle" || rule.kind === "error500"))
			return this.answer(req, res, entry, authError({ service, kind: rule.kind }));
		if (rule?.kind === "status")
			return this.answer(req, res, entry, customError(service, rule));
		if (rule?.kind === "batch-partial") {
			const split = splitBatch(service, body, rule);
			if (split.body === null)
				return this.answer(req, res, entry, allFailedAnswer(service, desc.operation, split.failed));
			body = split.body;
			rule = { ...rule, failed: split.failed };
		}
		if (rule && !rule.afterUpstream) {
			if (rule.kind === "reset-before") {
				req.resume();
				return resetSocket(req.socket);
			}
			if (rule.kind === "slow" && rule.delayMs > 0 && !(await waitWhileOpen(rule.delayMs, res)))
				return;
		}
		if (service === "sts")
			return this.answerSts(req, res, entry, desc, checked.identity, rule);
		if (service === "cloudtrail")
			return this.answer(req, res, entry, this.world.cloudtrail.handle(headers, body, checked.region));
		if (service === "organizations")
			return this.answer(req, res, entry, this.world.organizations.handle(headers, body));
		if (service === "s3" && desc.operation === "GetBucketLocation")
			return this.answer(req, res, entry, this.bucketLocation(desc.bucket));
		const upstream = this.upstreams[service] ?? (service === "dynamodb" ? null : this.upstream);
		if (!upstream)
			return this.answer(req, res, entry, customError(service, { status: 400, code: "InvalidAction", message: `${this.name} does not answer ${service}` }));
		return this.proxy(req, res, entry, body, rule, upstream);
	}

	/* Returns {identity} (null for an unsigned STS web-identity call) or {failure}. */
	async authenticate(req, auth, desc, entry, body, rawPath, rawQuery) {
		const h = req.headers;
		const fail = (kind, more = {}) => ({ failure: { kind, ...more } });
		if (!auth.ok) {
			if (auth.missing && desc.service === "sts" && UNSIGNED_STS.has(desc.operation))
				return { identity: null };
			return auth.missing ? fail("missing") : fail("malformed", { message: auth.message });
		}
		const amzDate = parseAmzDate(h["x-amz-date"]);
		if (!amzDate)
			return fail("malformed", { message: "AWS authentication requires a valid x-amz-date header (YYYYMMDDTHHMMSSZ)." });
		if (h["x-amz-date"].slice(0, 8) !== auth.date)
			return fail("malformed", { message: `Invalid credential date '${auth.date}'. Date is not the same as X-Amz-Date.` });
		if (!auth.signedHeaders.includes("host"))
			return fail("malformed", { message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization." });
		const cred = this.world.credentials.get(auth.accessKeyId);
		if (!cred)
			return fail("unknown-key", { accessKeyId: auth.accessKeyId });
		const token = h["x-amz-security-token"];
		if (cred.sessionToken ? token !== cred.sessionToken : token !== undefined)
			return fail("bad-token");
		if (cred.expiresAt !== null && Date.now() >= cred.expiresAt)
			return fail("expired-token");

		const skewRule = this.world.faults.take(desc, AUTH_FAULTS);
		if (skewRule) {
			entry.fault = "skew-date";
			this.world.clock.offsetMs = skewRule.seconds * 1000;
		}
		const serverMs = this.world.now();
		if (Math.abs(amzDate.getTime() - serverMs) > MAX_SKEW_MS)
			return fail("skew", { requestTime: h["x-amz-date"], requestMs: amzDate.getTime(), serverMs });

		const expected = desc.service === "s3" ? (this.world.bucketRegions.get(desc.bucket) ?? this.world.region) : this.world.region;
		// CloudTrail is asked in the region whose keys are wanted: any region.
		// Organizations is global: AWS signs it for us-east-1, and the SDKs
		// sign a custom endpoint such as this one for the caller's region.
		if (auth.region !== expected && !(desc.service === "sts" && auth.region === "us-east-1") && desc.service !== "cloudtrail" &&
			!(desc.service === "organizations" && auth.region === ORGANIZATIONS_REGION))
			return fail("wrong-region", { region: auth.region, expected });
		if (desc.service === "s3") {
			const payload = h["x-amz-content-sha256"];
			if (payload === undefined)
				return fail("missing-content-sha256");
			if (!isHex64(payload) && !S3_PAYLOAD_MODES.has(payload))
				return fail("invalid-content-sha256", { value: payload });
			const unsigned = Object.keys(h).filter((n) => n.startsWith("x-amz-") && !auth.signedHeaders.includes(n));
			if (unsigned.length > 0)
				return fail("headers-not-signed", { headers: unsigned });
		}
		const again = await recomputeSignature({ method: req.method, rawPath, rawQuery, headers: h, body }, auth, cred.secretAccessKey);
		if (again.error)
			return fail("mismatch", { message: again.error });
		if (again.signature !== auth.signature)
			return fail("mismatch", { ...again, accessKeyId: auth.accessKeyId, signature: auth.signature });
		const claimed = h["x-amz-content-sha256"];
		if (desc.service !== "s3" && isHex64(claimed) && claimed !== sha256Hex(body))
			return fail("content-sha256-mismatch", { message: "The provided 'x-amz-content-sha256' header does not match what was computed." });
		return { identity: cred, region: auth.region };
	}

	wrongOwner(headers, desc) {
		const claimed = headers["x-amz-expected-bucket-owner"];
		if (claimed === undefined || !desc.bucket)
			return false;
		return claimed !== (this.world.bucketOwners.get(desc.bucket) ?? this.world.accountId);
	}

	/* Sends an answer made here ({status, code, headers, body}). */
	answer(req, res, entry, a) {
		req.resume();
		entry.status = a.status;
		entry.error = a.code ?? null;
		if (res.destroyed)
			return;
		const headers = { ...a.headers, date: new Date(this.world.now()).toUTCString() };
		const body = req.method === "HEAD" ? "" : (a.body ?? "");
		headers["content-length"] = Buffer.byteLength(body);
		res.writeHead(a.status, headers);
		res.end(body);
	}

	/* S3's GetBucketLocation: empty for us-east-1, as AWS answers it. */
	bucketLocation(bucket) {
		const region = this.world.bucketRegions.get(bucket) ?? this.world.region;
		const text = region === "us-east-1" ? "" : region;
		return {
			status: 200,
			code: null,
			headers: { "content-type": "application/xml", "x-amz-request-id": newRequestId().replace(/-/g, "").slice(0, 16).toUpperCase() },
			body: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${text}</LocationConstraint>`,
		};
	}

	async answerSts(req, res, entry, desc, identity, rule) {
		const a = await this.world.sts.handle(desc, identity);
		if (rule?.kind === "reset-before")
			return resetSocket(req.socket);
		if (rule?.kind === "slow" && rule.afterUpstream && rule.delayMs > 0 && !(await waitWhileOpen(rule.delayMs, res)))
			return;
		this.answer(req, res, entry, a);
	}

	proxy(req, res, entry, body, rule, upstream) {
		const headers = { ...req.headers };
		for (const name of [...HOP_BY_HOP, HARNESS_HEADER])
			delete headers[name];
		if (body !== undefined)
			headers["content-length"] = String(body.length);
		const bodiless = body === undefined && !req.headers["content-length"] && !req.headers["transfer-encoding"];
		const claimed = req.headers["x-amz-content-sha256"];
		if (bodiless && isHex64(claimed) && claimed !== EMPTY_SHA256)
			return this.answer(req, res, entry, authError({ service: "s3", kind: "content-sha256-mismatch", claimed, computed: EMPTY_SHA256 }));
		let abandoned = false;
		let up = null;
		res.on("close", () => {
			if (!res.writableFinished) {
				abandoned = true;
				up?.destroy();
			}
		});
		/* A kept-alive socket fauxqs closed just as it was reused fails at
		 * once; a request whose body is not a stream is then sent again. */
		const send = (retry) => {
			up = http.request({ host: upstream.host, port: upstream.port, method: req.method, path: req.url, headers, agent: this.agent });
			up.on("response", (upRes) => {
				this.relay(req, res, entry, upRes, rule).catch((err) => this.internalError(res, err));
			});
			up.on("error", (err) => {
				if (abandoned)
					return;
				if (retry && up.reusedSocket && err.code === "ECONNRESET" && !res.headersSent)
					return send(false);
				entry.error = `upstream: ${err.message}`;
				if (!res.headersSent)
					this.answer(req, res, entry, authError({ service: entry.service, kind: "error500" }));
				else
					res.destroy();
			});
			if (body !== undefined || bodiless)
				up.end(body);
		};
		if (bodiless)
			req.resume();
		send(body !== undefined || bodiless);
		if (body !== undefined || bodiless)
			return;
		if (!isHex64(claimed))
			return pipeline(req, up, () => {});
		this.streamVerified(req, res, entry, up, claimed, () => {
			abandoned = true;
		});
	}

	/* Streams an S3 request body upstream while hashing it; the last chunk is
	 * held back until the hash is known, so a body that does not match its
	 * x-amz-content-sha256 never reaches fauxqs complete. */
	streamVerified(req, res, entry, up, claimed, abandon) {
		const hash = createHash("sha256");
		let held = null;
		req.on("data", (chunk) => {
			hash.update(chunk);
			if (held && !up.write(held)) {
				req.pause();
				up.once("drain", () => req.resume());
			}
			held = chunk;
		});
		req.on("end", () => {
			const computed = hash.digest("hex");
			if (computed === claimed)
				return held ? up.end(held) : up.end();
			abandon();
			up.destroy();
			this.answer(req, res, entry, authError({ service: "s3", kind: "content-sha256-mismatch", claimed, computed }));
		});
		req.on("error", () => {
			abandon();
			up.destroy();
		});
	}

	/* Passes fauxqs's answer back, through a response-side fault if any. */
	async relay(req, res, entry, upRes, rule) {
		const headers = { ...upRes.headers };
		for (const name of HOP_BY_HOP)
			delete headers[name];
		headers.date = new Date(this.world.now()).toUTCString();
		entry.status = upRes.statusCode;
		if (rule?.kind === "reset-before") {
			upRes.resume();
			return resetSocket(req.socket);
		}
		if (rule?.kind === "slow" && rule.afterUpstream && rule.delayMs > 0 && !(await waitWhileOpen(rule.delayMs, res))) {
			upRes.destroy();
			return;
		}
		if (res.destroyed)
			return upRes.destroy();
		if (rule?.kind === "batch-partial" && upRes.statusCode === 200) {
			const chunks = [];
			for await (const c of upRes)
				chunks.push(c);
			const text = mergeBatchAnswer(entry.service, Buffer.concat(chunks).toString("utf8"), rule.failed);
			headers["content-length"] = String(Buffer.byteLength(text));
			res.writeHead(200, headers);
			return res.end(text);
		}
		res.writeHead(upRes.statusCode, headers);
		if (rule?.kind === "reset-mid-body")
			return this.cutBody(res, upRes, rule, Number(headers["content-length"] ?? 0));
		if (rule?.kind === "slow" && rule.bytesPerSecond > 0)
			return this.trickle(res, upRes, rule);
		if (upRes.statusCode >= 400)
			noteErrorCode(entry, upRes);
		pipeline(upRes, res, () => {});
	}

	/* Sends the headers and `bytes` of the body (default half), then drops
	 * the connection: with a TCP reset (how: "reset", the default) or a
	 * plain close (how: "close"). */
	async cutBody(res, upRes, rule, length) {
		const limit = rule.bytes ?? Math.floor(length / 2);
		let sent = 0;
		for await (const chunk of upRes) {
			if (sent >= limit)
				break;
			const part = chunk.subarray(0, limit - sent);
			sent += part.length;
			await new Promise((resolve) => res.write(part, resolve));
		}
		upRes.destroy();
		await new Promise((resolve) => setTimeout(resolve, rule.dropDelayMs ?? 50));
		if (rule.how === "close")
			res.destroy();
		else
			resetSocket(res.socket);
	}

	/* Sends the body at rule.bytesPerSecond, for rule.durationMs (default:
	 * the whole body), then at full speed. */
	async trickle(res, upRes, rule) {
		const bps = rule.bytesPerSecond;
		const until = rule.durationMs > 0 ? Date.now() + rule.durationMs : Infinity;
		const piece = Math.max(1, Math.floor(bps / 10));
		for await (const chunk of upRes) {
			let off = 0;
			while (off < chunk.length) {
				if (res.destroyed)
					return upRes.destroy();
				if (Date.now() >= until) {
					res.write(chunk.subarray(off));
					break;
				}
				const part = chunk.subarray(off, off + piece);
				off += part.length;
				res.write(part);
				if (!(await waitWhileOpen((1000 * part.length) / bps, res)))
					return upRes.destroy();
			}
		}
		res.end();
	}
}
