// Faults a test asks the front to inject, as an ordered list of rules. The
// first rule that matches a request and still has uses left fires.
//
// A rule: {service, operation, method, bucket, key, keyPrefix, path, queue,
// topic, table, includeHarness, skip, count, kind, ...kind options}; every match
// field is optional (absent matches anything). `operation` may be a list.
// `path` is a regular expression over the raw request path. `count` is how
// many requests the rule fires on (default 1; "always" for no limit); `skip`
// lets that many matching requests through first. Requests made by the
// harness's own SDK clients are never matched unless includeHarness is true.
// A batch-partial rule only ever matches batch operations.

import { BATCH_OPERATIONS } from "./batch.mjs";

export const KINDS = new Set(["throttle", "error500", "status", "reset-before", "reset-mid-body", "slow", "skew-date", "batch-partial"]);

function checkRule(rule) {
	if (!rule || typeof rule !== "object")
		throw new Error("a fault rule must be an object");
	if (!KINDS.has(rule.kind))
		throw new Error(`unknown fault kind '${rule.kind}' (one of: ${[...KINDS].join(", ")})`);
	const count = rule.count ?? 1;
	if (count !== "always" && !(Number.isInteger(count) && count > 0))
		throw new Error(`fault count must be a positive integer or "always", not ${JSON.stringify(count)}`);
	if (rule.kind === "skew-date" && !Number.isFinite(rule.seconds))
		throw new Error("a skew-date fault needs seconds (the server clock's offset)");
	if (rule.kind === "status" && !Number.isInteger(rule.status ?? 400))
		throw new Error("a status fault's status must be an integer");
	if (rule.kind === "slow" && !(rule.delayMs > 0) && !(rule.bytesPerSecond > 0))
		throw new Error("a slow fault needs delayMs and/or bytesPerSecond");
	if (rule.kind === "reset-mid-body" && rule.how !== undefined && rule.how !== "reset" && rule.how !== "close")
		throw new Error('a reset-mid-body fault\'s how is "reset" or "close"');
	if (rule.path !== undefined)
		new RegExp(rule.path); // throws on a bad expression
	return count;
}

function matchOne(want, have) {
	if (want === undefined || want === null)
		return true;
	if (Array.isArray(want))
		return want.includes(have);
	return want === have;
}

/**
 * Whether a request description (service, operation, method, path, bucket,
 * key, queue, topic, table, harness) matches a rule's or a query's fields.
 */
export function matches(rule, req) {
	if (req.harness && !rule.includeHarness)
		return false;
	for (const field of ["service", "operation", "method", "bucket", "key", "queue", "topic", "table"]) {
		if (!matchOne(rule[field], req[field]))
			return false;
	}
	if (rule.keyPrefix !== undefined && !(req.key ?? "").startsWith(rule.keyPrefix))
		return false;
	if (rule.path !== undefined && !new RegExp(rule.path).test(req.path ?? ""))
		return false;
	return true;
}

export class Faults {
	constructor() {
		this.rules = [];
		this.nextId = 1;
	}

	/** Adds a rule; returns its id. Throws on an invalid rule. */
	add(rule) {
		const count = checkRule(rule);
		const stored = { ...rule, id: this.nextId++, remaining: count === "always" ? Infinity : count, skipLeft: rule.skip ?? 0, fired: 0 };
		this.rules.push(stored);
		return stored.id;
	}

	remove(id) {
		const before = this.rules.length;
		this.rules = this.rules.filter((r) => r.id !== id);
		return this.rules.length !== before;
	}

	clear() {
		this.rules = [];
	}

	/** The rules with how often each fired and how many uses are left. */
	list() {
		return this.rules.map((r) => ({ ...r, remaining: r.remaining === Infinity ? "always" : r.remaining }));
	}

	/** How many times rule `id` fired (0 when unknown). */
	fired(id) {
		return this.rules.find((r) => r.id === id)?.fired ?? 0;
	}

	/**
	 * The rule that fires for this request, its use counted, or null.
	 * `kinds` limits the search (the front looks for skew-date rules before
	 * it checks the request time, for the others after the signature).
	 */
	take(req, kinds) {
		for (const rule of this.rules) {
			if (rule.remaining <= 0 || !kinds.has(rule.kind) || !matches(rule, req))
				continue;
			if (rule.kind === "batch-partial" && !BATCH_OPERATIONS.has(req.operation))
				continue;
			if (rule.skipLeft > 0) {
				rule.skipLeft--;
				continue;
			}
			rule.remaining--;
			rule.fired++;
			return rule;
		}
		return null;
	}
}
