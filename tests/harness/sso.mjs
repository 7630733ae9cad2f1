// The local IAM Identity Center access portal (portal.sso.REGION.amazonaws.com):
// GetRoleCredentials, GET /federation/credentials?account_id=&role_name=
// with the access token of `aws sso login` in the x-amz-sso_bearer_token
// header, unsigned. It answers the role's temporary credentials as the
// portal does ({"roleCredentials": {accessKeyId, secretAccessKey,
// sessionToken, expiration (epoch ms)}}) and its errors in the REST-JSON
// shape ({"message"} with x-amzn-ErrorType): 401 UnauthorizedException for
// a missing or unknown token, 403 ForbiddenException for a role the token
// may not use, 400 InvalidRequestException for a missing parameter. Every
// key it hands out is registered with the front; one set per role is kept
// until it nears its expiry, so two clients asking for the same role get
// the same keys (the SDK-oracle tests compare them).
import { isoSeconds } from "./credentials.mjs";
import { Injections, listenLoopback, send } from "./standin.mjs";

export const SSO_PATH = "/federation/credentials";

const ERROR_NAMES = {
	400: "InvalidRequestException",
	401: "UnauthorizedException",
	403: "ForbiddenException",
	404: "ResourceNotFoundException",
	429: "TooManyRequestsException",
};

export class LocalSsoPortal {
	/**
	 * Options: accessTokens (the tokens it accepts; default none), roles
	 * ("ACCOUNT/ROLE" strings the tokens may use; default any),
	 * credentialTtlSeconds (default 1 h), rotateBeforeSeconds (default 300).
	 */
	constructor(world, options = {}) {
		this.world = world;
		this.options = { accessTokens: [], roles: null, credentialTtlSeconds: 3600, rotateBeforeSeconds: 300, ...options };
		this.initialOptions = { ...this.options };
		this.injections = new Injections("sso");
		this.current = new Map(); // "ACCOUNT/ROLE" -> credential entry
		this.requests = []; // {accountId, roleName, token, headers} of each request
		this.counters = { credentials: 0, unauthorized: 0, forbidden: 0, invalid: 0, injected: 0 };
	}

	configure(options) {
		Object.assign(this.options, options);
	}

	/** Queues bad answers: {status, body, delayMs, count}. */
	inject(rule) {
		this.injections.add(rule);
	}

	reset() {
		this.options = { ...this.initialOptions };
		this.injections.clear();
		this.current.clear();
		this.requests = [];
		for (const k of Object.keys(this.counters))
			this.counters[k] = 0;
	}

	async start() {
		this.http = await listenLoopback((req, res) => this.handle(req, res), "sso");
		this.url = this.http.url;
		return this.url;
	}

	stop() {
		return this.http?.close();
	}

	/** The credentials the portal is handing out for a role now, or undefined. */
	credentialsFor(accountId, roleName) {
		return this.current.get(`${accountId}/${roleName}`);
	}

	error(res, status, message) {
		const name = ERROR_NAMES[status] ?? "InternalServerException";
		send(res, status, { message }, { "content-type": "application/json", "x-amzn-errortype": `${name}:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/` });
	}

	async handle(req, res) {
		req.resume();
		const url = new URL(req.url, "http://portal");
		const accountId = url.searchParams.get("account_id");
		const roleName = url.searchParams.get("role_name");
		const token = req.headers["x-amz-sso_bearer_token"];
		this.requests.push({ accountId, roleName, token, headers: { ...req.headers } });
		if (req.method !== "GET" || url.pathname !== SSO_PATH)
			return this.error(res, 404, `no such operation: ${req.method} ${url.pathname}`);
		const rule = this.injections.take(undefined);
		if (rule) {
			this.counters.injected++;
			if (rule.delayMs)
				await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
			if (rule.body !== undefined)
				return send(res, rule.status ?? 200, rule.body, rule.headers ?? {});
			if (rule.status !== undefined)
				return this.error(res, rule.status, "injected failure");
		}
		if (!token || !this.options.accessTokens.includes(token)) {
			this.counters.unauthorized++;
			return this.error(res, 401, "Session token not found or invalid");
		}
		if (!accountId || !roleName) {
			this.counters.invalid++;
			return this.error(res, 400, "account_id and role_name are required");
		}
		const key = `${accountId}/${roleName}`;
		if (this.options.roles && !this.options.roles.includes(key)) {
			this.counters.forbidden++;
			return this.error(res, 403, "No access");
		}
		this.counters.credentials++;
		let c = this.current.get(key);
		if (!c || c.expiresAt - Date.now() < this.options.rotateBeforeSeconds * 1000) {
			c = this.world.credentials.mint({
				ttlSeconds: this.options.credentialTtlSeconds,
				source: "sso",
				arn: `arn:aws:sts::${accountId}:assumed-role/AWSReservedSSO_${roleName}_0123456789abcdef/ctalertd-user`,
			});
			this.current.set(key, c);
		}
		send(res, 200, {
			roleCredentials: {
				accessKeyId: c.accessKeyId,
				secretAccessKey: c.secretAccessKey,
				sessionToken: c.sessionToken,
				expiration: c.expiresAt,
			},
		}, { "content-type": "application/json" });
	}
}

/** A token cache entry as `aws sso login` writes it. */
export function ssoCacheEntry({ accessToken, expiresInSeconds = 3600, startUrl, region }) {
	return { startUrl, region, accessToken, expiresAt: isoSeconds(Date.now() + expiresInSeconds * 1000) };
}
