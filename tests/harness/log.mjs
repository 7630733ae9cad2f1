// The front's record of every request it saw, for tests to assert on: which
// operations ctalertd called, with which headers, and what it was answered.
import { matches } from "./faults.mjs";

export class RequestLog {
	constructor(limit = 20000) {
		this.limit = limit;
		this.entries = [];
		this.seq = 0;
	}

	/** Records a request description; returns the live entry the front completes. */
	add(entry) {
		entry.seq = ++this.seq;
		this.entries.push(entry);
		if (this.entries.length > this.limit)
			this.entries.shift();
		return entry;
	}

	/**
	 * The entries matching `criteria` (the fault match fields, plus status,
	 * error, fault and accessKeyId). Requests from the harness's own SDK
	 * clients are left out unless includeHarness is true.
	 */
	match(criteria = {}) {
		return this.entries.filter(
			(e) =>
				matches(criteria, e) &&
				(criteria.status === undefined || criteria.status === e.status) &&
				(criteria.error === undefined || criteria.error === e.error) &&
				(criteria.fault === undefined || criteria.fault === e.fault) &&
				(criteria.accessKeyId === undefined || criteria.accessKeyId === e.accessKeyId),
		);
	}

	/** Number of entries matching `criteria`. */
	count(criteria = {}) {
		return this.match(criteria).length;
	}

	clear() {
		this.entries = [];
	}
}
