// A strict reader of the Prometheus text exposition format (0.0.4), for
// checking what ctalertd serves. parse() throws on anything a scraper could
// misread: a sample before its TYPE, a family split in two, a bad name or
// label, an escape other than \\ \" \n, a duplicate series, histogram
// buckets that are not cumulative or whose +Inf differs from _count.

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

function fail(lineNo, line, why) {
	throw new Error(`line ${lineNo}: ${why}: ${JSON.stringify(line)}`);
}

/** Reads `{a="x",b="y"}` from s at i; returns [labels, next index]. */
function readLabels(s, i, lineNo) {
	const labels = {};
	i++; // '{'
	while (s[i] !== "}") {
		const eq = s.indexOf("=", i);
		if (eq < 0) fail(lineNo, s, "label without '='");
		const name = s.slice(i, eq);
		if (!LABEL.test(name) || name.startsWith("__")) fail(lineNo, s, `bad label name ${name}`);
		if (name in labels) fail(lineNo, s, `label ${name} twice`);
		if (s[eq + 1] !== '"') fail(lineNo, s, "label value not quoted");
		let v = "";
		let j = eq + 2;
		for (;; j++) {
			if (j >= s.length) fail(lineNo, s, "unterminated label value");
			const c = s[j];
			if (c === '"') break;
			if (c === "\n") fail(lineNo, s, "raw newline in a label value");
			if (c === "\\") {
				const e = s[++j];
				if (e === "\\") v += "\\";
				else if (e === '"') v += '"';
				else if (e === "n") v += "\n";
				else fail(lineNo, s, `bad escape \\${e}`);
			} else v += c;
		}
		labels[name] = v;
		i = j + 1;
		if (s[i] === ",") i++;
		else if (s[i] !== "}") fail(lineNo, s, "expected ',' or '}' after a label");
	}
	return [labels, i + 1];
}

function readValue(text, lineNo, line) {
	if (/^[+-]?Inf$/.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
	if (text === "NaN") return NaN;
	if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) fail(lineNo, line, `bad value ${text}`);
	return Number(text);
}

/** The family a sample name belongs to (histogram series carry suffixes). */
function familyOf(name, families) {
	for (const suffix of ["_bucket", "_sum", "_count"]) {
		if (name.endsWith(suffix)) {
			const base = name.slice(0, -suffix.length);
			const f = families.get(base);
			if (f && (f.type === "histogram" || (f.type === "summary" && suffix !== "_bucket"))) return base;
		}
	}
	return name;
}

function checkHistogram(name, f) {
	const groups = new Map();
	for (const s of f.samples) {
		const { le, ...rest } = s.labels;
		const key = JSON.stringify(rest);
		if (!groups.has(key)) groups.set(key, { buckets: [], sum: undefined, count: undefined });
		const g = groups.get(key);
		if (s.name === `${name}_bucket`) {
			if (le === undefined) throw new Error(`${name}: bucket without le`);
			g.buckets.push([le === "+Inf" ? Infinity : readValue(le, 0, le), s.value]);
		} else if (s.name === `${name}_sum`) g.sum = s.value;
		else if (s.name === `${name}_count`) g.count = s.value;
		else throw new Error(`${name}: stray sample ${s.name}`);
	}
	for (const [key, g] of groups) {
		if (g.sum === undefined || g.count === undefined) throw new Error(`${name}${key}: no _sum or _count`);
		const last = g.buckets.at(-1);
		if (!last || last[0] !== Infinity) throw new Error(`${name}${key}: no +Inf bucket last`);
		if (last[1] !== g.count) throw new Error(`${name}${key}: +Inf ${last[1]} != _count ${g.count}`);
		for (let i = 1; i < g.buckets.length; i++) {
			if (!(g.buckets[i][0] > g.buckets[i - 1][0])) throw new Error(`${name}${key}: le not ascending`);
			if (g.buckets[i][1] < g.buckets[i - 1][1]) throw new Error(`${name}${key}: buckets not cumulative`);
		}
	}
}

/**
 * Parses an exposition; returns Map(family name -> {type, help, samples:
 * [{name, labels, value}]}). Throws on any violation.
 */
export function parse(text) {
	if (text.length > 0 && !text.endsWith("\n")) throw new Error("the exposition does not end with a newline");
	const families = new Map();
	const closed = new Set();
	const seen = new Set();
	let current = null;
	const lines = text.split("\n");
	lines.pop();
	lines.forEach((line, idx) => {
		const lineNo = idx + 1;
		const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
		if (meta) {
			const [, kind, name, rest = ""] = meta;
			if (!NAME.test(name)) fail(lineNo, line, "bad metric name");
			if (closed.has(name)) fail(lineNo, line, `family ${name} appears twice`);
			if (current && current !== name) closed.add(current);
			current = name;
			const f = families.get(name) ?? { type: "untyped", help: undefined, samples: [], typed: false };
			families.set(name, f);
			if (kind === "HELP") {
				if (f.help !== undefined) fail(lineNo, line, "second HELP");
				if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ""))) fail(lineNo, line, "bad escape in HELP");
				f.help = rest.replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
			} else {
				if (f.typed) fail(lineNo, line, "second TYPE");
				if (f.samples.length) fail(lineNo, line, "TYPE after samples");
				if (!TYPES.has(rest)) fail(lineNo, line, "unknown type");
				f.type = rest;
				f.typed = true;
			}
			return;
		}
		if (line.startsWith("#") || line.trim() === "") return;
		const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
		if (!m) fail(lineNo, line, "bad sample name");
		const name = m[1];
		let i = name.length;
		let labels = {};
		if (line[i] === "{") [labels, i] = readLabels(line, i, lineNo);
		if (line[i] !== " ") fail(lineNo, line, "no space before the value");
		const parts = line.slice(i + 1).split(" ");
		if (parts.length > 2) fail(lineNo, line, "trailing fields");
		const value = readValue(parts[0], lineNo, line);
		const fam = familyOf(name, families);
		const f = families.get(fam);
		if (!f || !f.typed) fail(lineNo, line, `sample before the TYPE of ${fam}`);
		if (fam !== current) fail(lineNo, line, `sample of ${fam} inside ${current}`);
		const key = name + JSON.stringify(Object.entries(labels).sort());
		if (seen.has(key)) fail(lineNo, line, "duplicate series");
		seen.add(key);
		f.samples.push({ name, labels, value });
	});
	for (const [name, f] of families) {
		if (f.type === "counter") {
			for (const s of f.samples) if (s.value < 0) throw new Error(`counter ${name} is negative`);
		}
		if (f.type === "histogram") checkHistogram(name, f);
	}
	return families;
}

/** The value of one series, or undefined; labels must match exactly. */
export function value(families, name, labels = {}) {
	const fam = families.get(familyOf(name, families));
	const want = JSON.stringify(Object.entries(labels).sort());
	const s = fam?.samples.find((x) => x.name === name && JSON.stringify(Object.entries(x.labels).sort()) === want);
	return s?.value;
}
