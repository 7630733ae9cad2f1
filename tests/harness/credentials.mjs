// The access keys the front accepts: the harness's long-term test key plus
// every temporary key the credential stand-ins (IMDS, ECS, STS) hand out, each
// with its secret, session token and expiry.
import { randomBytes } from "node:crypto";

/** AWS's documentation example key: its secret has '/' in it, which is a useful test. */
export const TEST_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
export const TEST_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/** fauxqs builds every ARN and queue URL with this account. */
export const ACCOUNT_ID = "000000000000";

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function randomFrom(alphabet, n) {
	const bytes = randomBytes(n);
	let s = "";
	for (const b of bytes)
		s += alphabet[b % alphabet.length];
	return s;
}

/** An ISO 8601 time without milliseconds, as AWS writes Expiration. */
export function isoSeconds(ms) {
	return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export class CredentialStore {
	constructor({ accountId = ACCOUNT_ID } = {}) {
		this.accountId = accountId;
		this.keys = new Map(); // access key id -> entry
		this.add({
			accessKeyId: TEST_ACCESS_KEY_ID,
			secretAccessKey: TEST_SECRET_ACCESS_KEY,
			arn: `arn:aws:iam::${accountId}:user/ctalertd-test`,
			userId: "AIDAIOSFODNN7EXAMPLE",
			source: "static",
		});
	}

	/**
	 * Registers a key. `expiration` is a Date, an ISO string or epoch ms
	 * (none: never expires). Returns the stored entry.
	 */
	add({ accessKeyId, secretAccessKey, sessionToken, expiration, arn, userId, source = "test" }) {
		if (!accessKeyId || !secretAccessKey)
			throw new Error("a credential needs accessKeyId and secretAccessKey");
		const expiresAt = expiration === undefined || expiration === null ? null : new Date(expiration).getTime();
		if (expiresAt !== null && Number.isNaN(expiresAt))
			throw new Error(`invalid expiration '${expiration}' for ${accessKeyId}`);
		const entry = {
			accessKeyId,
			secretAccessKey,
			sessionToken: sessionToken ?? null,
			expiresAt,
			arn: arn ?? `arn:aws:iam::${this.accountId}:user/ctalertd-test`,
			userId: userId ?? accessKeyId,
			source,
		};
		this.keys.set(accessKeyId, entry);
		return entry;
	}

	get(accessKeyId) {
		return this.keys.get(accessKeyId) ?? null;
	}

	remove(accessKeyId) {
		return this.keys.delete(accessKeyId);
	}

	/** Every key, secrets included (this is a test harness). */
	list() {
		return [...this.keys.values()];
	}

	/**
	 * Makes and registers a temporary key that expires after ttlSeconds.
	 * The session token contains '+', '/' and '=' like real ones.
	 */
	mint({ ttlSeconds = 3600, source, arn, userId } = {}) {
		const accessKeyId = "ASIA" + randomFrom(UPPER, 16);
		const secretAccessKey = randomBytes(30).toString("base64").slice(0, 40);
		const sessionToken = "IQoJb3JpZ2luX2VjE" + randomBytes(96).toString("base64") + "+/=";
		return this.add({
			accessKeyId,
			secretAccessKey,
			sessionToken,
			expiration: Date.now() + ttlSeconds * 1000,
			arn,
			userId,
			source,
		});
	}
}
