// The local STS: AssumeRole (signed by a known key, checked by the front like
// any request), AssumeRoleWithWebIdentity (unsigned, the token is checked) and
// GetCallerIdentity, answering in STS's query-protocol XML. Every key it hands
// out is registered with the front. Reached through the main front (whose
// credential scope says "sts") or its own front on a separate port.
import { randomBytes } from "node:crypto";
import { newRequestId, queryError, xmlEscape } from "./errors.mjs";
import { isoSeconds } from "./credentials.mjs";
import { Injections } from "./standin.mjs";

const XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";

function xmlAnswer(action, result) {
	const requestId = newRequestId();
	return {
		status: 200,
		code: null,
		headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
		body:
			`<${action}Response xmlns="${XMLNS}">\n  <${action}Result>\n${result}  </${action}Result>\n` +
			`  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`,
	};
}

function credentialsXml(c) {
	return (
		"    <Credentials>\n" +
		`      <AccessKeyId>${c.accessKeyId}</AccessKeyId>\n` +
		`      <SecretAccessKey>${xmlEscape(c.secretAccessKey)}</SecretAccessKey>\n` +
		`      <SessionToken>${xmlEscape(c.sessionToken)}</SessionToken>\n` +
		`      <Expiration>${isoSeconds(c.expiresAt)}</Expiration>\n` +
		"    </Credentials>\n"
	);
}

export class LocalSts {
	/**
	 * Options: credentialTtlSeconds (overrides DurationSeconds for the
	 * expiry of what is handed out), webIdentityToken (the only token
	 * accepted; default: any non-empty token), roleArn (the only role that
	 * may be assumed; default: any well-formed role ARN).
	 */
	constructor(world, options = {}) {
		this.world = world;
		this.options = { ...options };
		this.initialOptions = { ...this.options };
		this.injections = new Injections("sts");
		this.counters = { AssumeRole: 0, AssumeRoleWithWebIdentity: 0, GetCallerIdentity: 0, other: 0 };
		this.issued = [];
	}

	configure(options) {
		Object.assign(this.options, options);
	}

	/** Queues bad answers: {on: action name, status, code, message, count}. */
	inject(rule) {
		this.injections.add({ ...rule, status: rule.status ?? 400 });
	}

	/** Back to the options it was made with; forgets injections and counters. */
	reset() {
		this.options = { ...this.initialOptions };
		this.injections.clear();
		for (const k of Object.keys(this.counters))
			this.counters[k] = 0;
	}

	/** Answers an STS request the front has authenticated (identity null: unsigned). */
	async handle(desc, identity) {
		const p = desc.params ?? {};
		const action = p.Action;
		this.counters[action in this.counters ? action : "other"]++;
		const rule = this.injections.take(action);
		if (rule) {
			if (rule.delayMs)
				await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
			if (rule.body !== undefined)
				return { status: rule.status, code: rule.code ?? null, headers: { "content-type": "text/xml" }, body: rule.body };
			return queryError("sts", rule.status, rule.code ?? "InternalFailure", rule.message ?? "injected failure");
		}
		if (action === "GetCallerIdentity")
			return this.callerIdentity(identity);
		if (action === "AssumeRole" || action === "AssumeRoleWithWebIdentity")
			return this.assume(action, p, identity);
		return queryError("sts", 400, "InvalidAction", `Could not find operation ${action} for version 2011-06-15`);
	}

	callerIdentity(identity) {
		const account = /^arn:aws:(?:iam|sts)::(\d{12}):/.exec(identity.arn)?.[1] ?? this.world.accountId;
		return xmlAnswer(
			"GetCallerIdentity",
			`    <Arn>${xmlEscape(identity.arn)}</Arn>\n    <UserId>${xmlEscape(identity.userId)}</UserId>\n    <Account>${account}</Account>\n`,
		);
	}

	assume(action, p, identity) {
		const invalid = (message) => queryError("sts", 400, "ValidationError", message);
		const roleArn = p.RoleArn ?? "";
		const role = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn);
		if (!role)
			return invalid(`${roleArn} is invalid`);
		if (this.options.roleArn && roleArn !== this.options.roleArn)
			return queryError("sts", 403, "AccessDenied", `User: ${identity?.arn ?? "anonymous"} is not authorized to perform: sts:${action} on resource: ${roleArn}`);
		const session = p.RoleSessionName ?? "";
		if (!/^[\w+=,.@-]{2,64}$/.test(session))
			return invalid("1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
		const duration = p.DurationSeconds === undefined ? 3600 : Number(p.DurationSeconds);
		if (!Number.isInteger(duration) || duration < 900 || duration > 43200)
			return invalid("1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
		if (action === "AssumeRoleWithWebIdentity") {
			const token = p.WebIdentityToken ?? "";
			const wanted = this.options.webIdentityToken;
			if (token === "" || (wanted !== undefined && wanted !== null && token !== wanted))
				return queryError("sts", 400, "InvalidIdentityToken", "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.");
		}
		const roleId = "AROA" + randomBytes(8).toString("hex").toUpperCase().slice(0, 16);
		const arn = `arn:aws:sts::${role[1]}:assumed-role/${role[2]}/${session}`;
		const cred = this.world.credentials.mint({
			ttlSeconds: this.options.credentialTtlSeconds ?? duration,
			source: `sts:${action}`,
			arn,
			userId: `${roleId}:${session}`,
		});
		this.issued.push(cred);
		let result = `    <AssumedRoleUser>\n      <Arn>${xmlEscape(arn)}</Arn>\n      <AssumedRoleId>${roleId}:${xmlEscape(session)}</AssumedRoleId>\n    </AssumedRoleUser>\n` + credentialsXml(cred);
		if (action === "AssumeRoleWithWebIdentity")
			result = "    <SubjectFromWebIdentityToken>system:serviceaccount:ctalertd:ctalertd</SubjectFromWebIdentityToken>\n    <Audience>sts.amazonaws.com</Audience>\n    <Provider>oidc.local</Provider>\n" + result;
		else
			result += "    <PackedPolicySize>0</PackedPolicySize>\n";
		return xmlAnswer(action, result);
	}
}
