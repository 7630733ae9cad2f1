// The local EC2 instance metadata service (IMDSv2): a session token from
// PUT /latest/api/token, then the instance role's name and its temporary
// credentials, the region and the identity document. Without a valid token
// every GET is 401 unless IMDSv1 is allowed. Every key it hands out is
// registered with the front.
import { randomBytes } from "node:crypto";
import { isoSeconds } from "./credentials.mjs";
import { Injections, answerInjected, listenLoopback, send } from "./standin.mjs";

const CREDS_PATH = "/latest/meta-data/iam/security-credentials/";
const TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER = "x-aws-ec2-metadata-token";

export class LocalImds {
	/**
	 * Options: roleName, credentialTtlSeconds (default 6 h), rotateBeforeSeconds
	 * (new keys once the current ones have less left; default 300, as EC2
	 * offers new keys 5 minutes ahead), allowV1 (GET without a token).
	 */
	constructor(world, options = {}) {
		this.world = world;
		this.options = { roleName: "ctalertd-instance-role", credentialTtlSeconds: 21600, rotateBeforeSeconds: 300, allowV1: false, ...options };
		this.initialOptions = { ...this.options };
		this.injections = new Injections("imds");
		this.tokens = new Map(); // token -> expiry ms
		this.current = null;
		this.counters = { token: 0, roleList: 0, credentials: 0, region: 0, document: 0, unauthorized: 0, notFound: 0 };
	}

	configure(options) {
		Object.assign(this.options, options);
	}

	/** Queues bad answers: {on: token|role-list|credentials|region|document, status, body, delayMs, count}. */
	inject(rule) {
		this.injections.add(rule);
	}

	/** Back to the options it was made with; forgets tokens, keys (the next
	 * fetch gets new ones), injections and counters. */
	reset() {
		this.options = { ...this.initialOptions };
		this.injections.clear();
		this.tokens.clear();
		this.current = null;
		for (const k of Object.keys(this.counters))
			this.counters[k] = 0;
	}

	async start() {
		this.http = await listenLoopback((req, res) => this.handle(req, res), "imds");
		this.url = this.http.url;
		return this.url;
	}

	stop() {
		return this.http?.close();
	}

	credentials() {
		const left = this.current ? this.current.expiresAt - Date.now() : -1;
		if (left < this.options.rotateBeforeSeconds * 1000) {
			this.current = this.world.credentials.mint({
				ttlSeconds: this.options.credentialTtlSeconds,
				source: "imds",
				arn: `arn:aws:sts::${this.world.accountId}:assumed-role/${this.options.roleName}/i-0123456789abcdef0`,
			});
			this.current.issuedAt = Date.now();
		}
		return this.current;
	}

	async handle(req, res) {
		const path = req.url.split("?")[0];
		if (path === "/latest/api/token")
			return this.putToken(req, res);
		if (req.method !== "GET")
			return send(res, 405, "", { allow: "GET" });
		const token = req.headers[TOKEN_HEADER];
		const valid = token !== undefined && (this.tokens.get(token) ?? 0) > Date.now();
		if (!valid && !(token === undefined && this.options.allowV1)) {
			this.counters.unauthorized++;
			return send(res, 401, "", { "content-type": "text/plain" });
		}
		let on;
		if (path === CREDS_PATH)
			on = "role-list";
		else if (path.startsWith(CREDS_PATH))
			on = "credentials";
		else if (path === "/latest/meta-data/placement/region")
			on = "region";
		else if (path === "/latest/dynamic/instance-identity/document")
			on = "document";
		else {
			this.counters.notFound++;
			return send(res, 404, "Not Found", { "content-type": "text/plain" });
		}
		this.counters[on === "role-list" ? "roleList" : on]++;
		const rule = this.injections.take(on);
		if (rule && (await answerInjected(res, rule, () => "")))
			return;
		const text = { "content-type": "text/plain" };
		if (on === "role-list")
			return send(res, 200, this.options.roleName, text);
		if (on === "region")
			return send(res, 200, this.world.region, text);
		if (on === "document")
			return send(res, 200, { accountId: this.world.accountId, region: this.world.region, instanceId: "i-0123456789abcdef0", availabilityZone: `${this.world.region}a` });
		if (decodeURIComponent(path.slice(CREDS_PATH.length)) !== this.options.roleName) {
			this.counters.notFound++;
			return send(res, 404, "Not Found", text);
		}
		const c = this.credentials();
		send(res, 200, {
			Code: "Success",
			LastUpdated: isoSeconds(c.issuedAt),
			Type: "AWS-HMAC",
			AccessKeyId: c.accessKeyId,
			SecretAccessKey: c.secretAccessKey,
			Token: c.sessionToken,
			Expiration: isoSeconds(c.expiresAt),
		}, text);
	}

	async putToken(req, res) {
		req.resume();
		if (req.method !== "PUT")
			return send(res, 405, "", { allow: "PUT" });
		this.counters.token++;
		const rule = this.injections.take("token");
		if (rule && (await answerInjected(res, rule, () => "")))
			return;
		const ttl = Number(req.headers[TTL_HEADER]);
		if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600)
			return send(res, 400, "", { "content-type": "text/plain" });
		const token = randomBytes(42).toString("base64");
		this.tokens.set(token, Date.now() + ttl * 1000);
		send(res, 200, token, { "content-type": "text/plain", [TTL_HEADER]: String(ttl) });
	}
}
