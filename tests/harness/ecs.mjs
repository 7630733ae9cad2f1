// The local ECS container credentials endpoint (what the ECS agent serves at
// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI): a GET answers the task
// role's temporary credentials as JSON. When an authorization token is
// configured, the Authorization header must carry it. Every key it hands out
// is registered with the front.
import { isoSeconds } from "./credentials.mjs";
import { Injections, answerInjected, listenLoopback, send } from "./standin.mjs";

export const ECS_PATH = "/v2/credentials/ctalertd-task";

export class LocalEcs {
	/**
	 * Options: authToken (required Authorization value; default none),
	 * path (only this path answers; default any), roleArn,
	 * credentialTtlSeconds (default 6 h), rotateBeforeSeconds (default 900).
	 */
	constructor(world, options = {}) {
		this.world = world;
		this.options = {
			roleArn: `arn:aws:iam::${world.accountId}:role/ctalertd-task-role`,
			credentialTtlSeconds: 21600,
			rotateBeforeSeconds: 900,
			...options,
		};
		this.initialOptions = { ...this.options };
		this.injections = new Injections("ecs");
		this.current = null;
		this.counters = { credentials: 0, unauthorized: 0, notFound: 0 };
	}

	configure(options) {
		Object.assign(this.options, options);
	}

	/** Queues bad answers: {status, body, delayMs, count}. */
	inject(rule) {
		this.injections.add(rule);
	}

	/** Back to the options it was made with; forgets injections and counters. */
	reset() {
		this.options = { ...this.initialOptions };
		this.injections.clear();
		this.current = null;
		for (const k of Object.keys(this.counters))
			this.counters[k] = 0;
	}

	async start() {
		this.http = await listenLoopback((req, res) => this.handle(req, res), "ecs");
		this.url = this.http.url;
		this.fullUri = this.url + ECS_PATH;
		return this.url;
	}

	stop() {
		return this.http?.close();
	}

	async handle(req, res) {
		req.resume();
		const path = req.url.split("?")[0];
		const json = { "content-type": "application/json" };
		if (req.method !== "GET")
			return send(res, 405, { code: "MethodNotAllowed", message: "GET only" }, json);
		if (this.options.path && path !== this.options.path) {
			this.counters.notFound++;
			return send(res, 404, { code: "NotFound", message: `no credentials at ${path}` }, json);
		}
		if (this.options.authToken && req.headers.authorization !== this.options.authToken) {
			this.counters.unauthorized++;
			return send(res, 401, { code: "InvalidAuthorizationToken", message: "Authorization header does not match" }, json);
		}
		this.counters.credentials++;
		const rule = this.injections.take(undefined);
		if (rule && (await answerInjected(res, rule, (s) => ({ code: s >= 500 ? "InternalServerError" : "BadRequest", message: "injected failure" }))))
			return;
		const left = this.current ? this.current.expiresAt - Date.now() : -1;
		if (left < this.options.rotateBeforeSeconds * 1000) {
			this.current = this.world.credentials.mint({
				ttlSeconds: this.options.credentialTtlSeconds,
				source: "ecs",
				arn: this.options.roleArn.replace(/:iam::(\d+):role\/(?:.*\/)?(.*)$/, ":sts::$1:assumed-role/$2/ecs-task"),
			});
		}
		const c = this.current;
		send(res, 200, {
			AccessKeyId: c.accessKeyId,
			Expiration: isoSeconds(c.expiresAt),
			RoleArn: this.options.roleArn,
			SecretAccessKey: c.secretAccessKey,
			Token: c.sessionToken,
		}, json);
	}
}
