// The local AWS Organizations: ListAccounts (JSON 1.1, X-Amz-Target
// AWSOrganizationsV20161128.ListAccounts), answered by the front from the
// accounts a test set. Organizations is global: the front requires the
// signature of us-east-1, its home region, whatever the caller's region.
// The stand-in has no Organizations of its own.
import { newRequestId } from "./errors.mjs";
import { Injections } from "./standin.mjs";

const TARGET = /^AWSOrganizationsV20161128\.(\w+)$/;
const CONTENT_TYPE = "application/x-amz-json-1.1";
export const ORGANIZATIONS_REGION = "us-east-1";

function jsonAnswer(status, value) {
	return {
		status,
		code: status >= 400 ? value.__type : null,
		headers: { "content-type": CONTENT_TYPE, "x-amzn-requestid": newRequestId() },
		body: JSON.stringify(value),
	};
}

/** An Organizations JSON-protocol error. */
export function organizationsError(status, code, message) {
	return jsonAnswer(status, { __type: code, Message: message });
}

export class LocalOrganizations {
	constructor() {
		this.accounts = [];
		this.pageSize = 20; // Organizations' own page size for ListAccounts
		this.injections = new Injections("organizations");
		this.counters = { ListAccounts: 0, other: 0 };
	}

	/** The organization's accounts: [{id, name, status = "ACTIVE", email}]. */
	setAccounts(accounts) {
		this.accounts = accounts.map((a) => ({ status: "ACTIVE", email: `${a.id}@example.com`, ...a }));
	}

	/** Queues bad answers: {on: "ListAccounts", status, code, message, count}, or {status, body} verbatim. */
	inject(rule) {
		this.injections.add({ ...rule, status: rule.status ?? 400 });
	}

	reset() {
		this.accounts = [];
		this.pageSize = 20;
		this.injections.clear();
		for (const k of Object.keys(this.counters))
			this.counters[k] = 0;
	}

	/** Answers a request the front has authenticated. */
	handle(headers, body) {
		const target = headers["x-amz-target"] ?? "";
		const action = TARGET.exec(target)?.[1] ?? "";
		this.counters[action in this.counters ? action : "other"]++;
		const rule = this.injections.take(action);
		if (rule?.body !== undefined)
			return { status: rule.status, code: null, headers: { "content-type": CONTENT_TYPE }, body: rule.body };
		if (rule)
			return organizationsError(rule.status, rule.code ?? "ServiceException", rule.message ?? "injected failure");
		if (action !== "ListAccounts")
			return organizationsError(400, "UnknownOperationException", `the local Organizations does not answer '${target}'`);
		let input;
		try {
			input = JSON.parse(body?.toString("utf8") || "{}");
		} catch {
			return organizationsError(400, "SerializationException", "the body is not JSON");
		}
		const offset = input.NextToken === undefined ? 0 : Number(input.NextToken);
		if (!Number.isInteger(offset) || offset < 0 || offset > this.accounts.length)
			return organizationsError(400, "InvalidInputException", "You provided an invalid value for the NextToken parameter.");
		const page = this.accounts.slice(offset, offset + this.pageSize);
		const out = {
			Accounts: page.map((a) => ({
				Id: a.id, Arn: `arn:aws:organizations::999988887777:account/o-exampleorg/${a.id}`, Email: a.email,
				Name: a.name, Status: a.status, JoinedMethod: "CREATED", JoinedTimestamp: 1.7e9,
			})),
		};
		if (offset + this.pageSize < this.accounts.length)
			out.NextToken = String(offset + this.pageSize);
		return jsonAnswer(200, out);
	}
}
