// The local CloudTrail: the one call a digest validator makes, ListPublicKeys
// (JSON 1.1, X-Amz-Target CloudTrail_20131101.ListPublicKeys, which botocore
// spells com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.ListPublicKeys), answered by the
// front from the keys a test registered (trail.mjs registers its signing
// key). CloudTrail has a key pair per region: a key is served in the region
// it was registered for. The stand-in has no CloudTrail of its own.
import { newRequestId } from "./errors.mjs";
import { Injections } from "./standin.mjs";

const TARGET = /^(?:com\.amazonaws\.cloudtrail\.v20131101\.)?CloudTrail_20131101\.(\w+)$/;
const CONTENT_TYPE = "application/x-amz-json-1.1";
const NAMESPACE = "com.amazonaws.cloudtrail.v20131101#";
/* Keys per page by default. AWS's own validator reads only the first page,
 * so a test sets a small pageSize to make a client follow NextToken. */
const PAGE_SIZE = 50;

function jsonAnswer(status, value) {
	return {
		status,
		code: status >= 400 ? value.__type.slice(value.__type.indexOf("#") + 1) : null,
		headers: { "content-type": CONTENT_TYPE, "x-amzn-requestid": newRequestId() },
		body: JSON.stringify(value),
	};
}

/** A CloudTrail JSON-protocol error. */
export function cloudTrailError(status, code, message) {
	return jsonAnswer(status, { __type: NAMESPACE + code, message });
}

/* A time given as epoch seconds (what SDKs send) or an ISO string; NaN if neither. */
function epochSeconds(v) {
	if (typeof v === "number")
		return v;
	if (typeof v === "string")
		return Date.parse(v) / 1000;
	return NaN;
}

export class LocalCloudTrail {
	constructor(region) {
		this.region = region;
		this.keys = [];
		this.pageSize = PAGE_SIZE;
		this.injections = new Injections("cloudtrail");
		this.counters = { ListPublicKeys: 0, other: 0 };
	}

	/**
	 * Registers a public key: {der (Buffer, PKCS#1 RSAPublicKey), fingerprint,
	 * region (default the local AWS's), validFrom, validTo (Dates; default: 30
	 * days before now to a year after)}.
	 */
	addKey({ der, fingerprint, region, validFrom, validTo }) {
		const now = Date.now();
		this.keys.push({
			der,
			fingerprint,
			region: region ?? this.region,
			from: (validFrom ?? new Date(now - 86400e3 * 30)).getTime() / 1000,
			to: (validTo ?? new Date(now + 86400e3 * 365)).getTime() / 1000,
		});
	}

	/** Forgets one key (by fingerprint), as after a rotation out of range. */
	removeKey(fingerprint) {
		this.keys = this.keys.filter((k) => k.fingerprint !== fingerprint);
	}

	/** Queues bad answers: {on: "ListPublicKeys", status, code, message, count}, or {status, body} verbatim. */
	inject(rule) {
		this.injections.add({ ...rule, status: rule.status ?? 400 });
	}

	reset() {
		this.keys = [];
		this.pageSize = PAGE_SIZE;
		this.injections.clear();
		for (const k of Object.keys(this.counters))
			this.counters[k] = 0;
	}

	/** Answers a CloudTrail request the front has authenticated, signed for `region`. */
	handle(headers, body, region) {
		const target = headers["x-amz-target"] ?? "";
		const action = TARGET.exec(target)?.[1] ?? "";
		this.counters[action in this.counters ? action : "other"]++;
		const rule = this.injections.take(action);
		if (rule?.body !== undefined)
			return { status: rule.status, code: null, headers: { "content-type": CONTENT_TYPE }, body: rule.body };
		if (rule)
			return cloudTrailError(rule.status, rule.code ?? "InternalFailure", rule.message ?? "injected failure");
		if (action !== "ListPublicKeys")
			return cloudTrailError(400, "UnknownOperationException", `the local CloudTrail does not answer '${target}'`);
		let input;
		try {
			input = JSON.parse(body?.toString("utf8") || "{}");
		} catch {
			return cloudTrailError(400, "SerializationException", "the body is not JSON");
		}
		return this.listPublicKeys(input, region ?? this.region);
	}

	/* The region's keys whose validity overlaps [StartTime, EndTime] (default: now), a page at a time. */
	listPublicKeys(input, region) {
		const now = Date.now() / 1000;
		const start = input.StartTime === undefined ? now : epochSeconds(input.StartTime);
		const end = input.EndTime === undefined ? now : epochSeconds(input.EndTime);
		if (Number.isNaN(start) || Number.isNaN(end))
			return cloudTrailError(400, "SerializationException", "StartTime and EndTime must be timestamps");
		if (start > end)
			return cloudTrailError(400, "InvalidTimeRangeException", "Occurs if the timestamp values are not valid. Either the start time occurs after the end time, or the time range is outside the range of possible values.");
		const matching = this.keys.filter((k) => k.region === region && k.from <= end && k.to >= start);
		const offset = input.NextToken === undefined ? 0 : Number(input.NextToken);
		if (!Number.isInteger(offset) || offset < 0 || offset > matching.length)
			return cloudTrailError(400, "InvalidTokenException", "Reserved for future use.");
		const page = matching.slice(offset, offset + this.pageSize);
		const out = {
			PublicKeyList: page.map((k) => ({
				Value: k.der.toString("base64"),
				ValidityStartTime: k.from,
				ValidityEndTime: k.to,
				Fingerprint: k.fingerprint,
			})),
		};
		if (offset + this.pageSize < matching.length)
			out.NextToken = String(offset + this.pageSize);
		return jsonAnswer(200, out);
	}
}
