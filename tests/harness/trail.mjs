// A CloudTrail trail with log file validation on, writing into the local S3
// what CloudTrail writes: gzipped logs ({"Records": [...]}) and the hourly
// digest chain, signed SHA256withRSA with a test key that the local
// CloudTrail's ListPublicKeys serves (cloudtrail.mjs). Then the tampering an
// attacker with write access to the bucket can do, so that a validator's
// verdicts can be checked: edit, delete or inject a log, delete, edit or move
// a digest, stop delivery for some hours, sign with a key CloudTrail never had.
//
// The digest follows AWS's "CloudTrail digest file structure" and the
// signature its "Custom implementations of CloudTrail log file integrity
// validation": the signing string is
//     digestEndTime \n digestS3Bucket/digestS3Object \n hex(SHA-256(uncompressed digest)) \n previousDigestSignature
// (the literal "null" for the first digest of a chain), signed with
// RSA PKCS#1 v1.5 over SHA-256, hex in the object's x-amz-meta-signature.
//
//     const trail = new Trail(aws, { bucket: "trail" });
//     await trail.deliverHours(new Date("2026-12-07T10:00:00Z"), 3);
//     await trail.deleteLog(trail.logs[0].key);
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { s3Sdk } from "./deps.mjs";
import { cloudTrailKey, putObject } from "./lib.mjs";

const { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand } = s3Sdk;
const HOUR_MS = 3600e3;

const sha256Hex = (data) => createHash("sha256").update(data).digest("hex");
/** 2026-12-07T10:00:00Z: the digests' own time format (no milliseconds). */
export const isoSeconds = (date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");
/** 20261207T100000Z: the time in a digest's key. */
const keyStamp = (date) => isoSeconds(date).replace(/[-:]/g, "");

/**
 * A new RSA key as CloudTrail's: {privateKey (KeyObject), der (the public
 * key, PKCS#1 RSAPublicKey DER, as ListPublicKeys gives it), fingerprint
 * (32 hex digits: MD5 of the DER)}.
 */
export function generateSigningKey(bits = 2048) {
	const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
	const der = publicKey.export({ type: "pkcs1", format: "der" });
	return { privateKey, der, fingerprint: createHash("md5").update(der).digest("hex") };
}

/* A few records with eventTimes inside [from, from + spanMs). */
function sampleRecords(account, region, from, count, spanMs) {
	const records = [];
	for (let i = 0; i < count; i++) {
		const t = new Date(from.getTime() + Math.floor((spanMs * i) / Math.max(count, 1)));
		records.push({
			eventVersion: "1.08",
			userIdentity: { type: "IAMUser", accountId: account, userName: "alice" },
			eventTime: isoSeconds(t),
			eventSource: "s3.amazonaws.com",
			eventName: "ListBuckets",
			awsRegion: region,
			sourceIPAddress: "192.0.2.10",
			eventID: `${t.getTime().toString(16)}-${i}`,
			recipientAccountId: account,
		});
	}
	return records;
}

export class Trail {
	/**
	 * Options: bucket (required), prefix, account (default the local AWS's),
	 * region (where the logs come from, default the local AWS's), homeRegion
	 * (default region), name (default "management"), organizationId (an
	 * organization trail's "o-..."), key (from generateSigningKey; default a
	 * new one, registered with the local CloudTrail in region: CloudTrail
	 * signs a region's digests with that region's key).
	 */
	constructor(aws, options) {
		this.aws = aws;
		this.bucket = options.bucket;
		this.prefix = options.prefix ?? "";
		this.account = options.account ?? aws.accountId;
		this.region = options.region ?? aws.region;
		this.homeRegion = options.homeRegion ?? this.region;
		this.name = options.name ?? "management";
		this.organizationId = options.organizationId;
		this.key = options.key ?? generateSigningKey();
		if (!options.key)
			aws.cloudtrail.addKey({ ...this.key, region: this.region });
		this.pending = []; // logs delivered since the last digest
		this.logs = []; // every log delivered: {key, hash, digestKey}
		this.digests = []; // every digest delivered: {key, start, end, signature, text, logs}
		this.previous = null; // the last digest of the current chain
	}

	get arn() {
		return `arn:aws:cloudtrail:${this.homeRegion}:${this.account}:trail/${this.name}`;
	}

	/* AWSLogs/[o-ORG/]ACCOUNT/ below the prefix. */
	base() {
		return (this.prefix ? `${this.prefix}/` : "") + "AWSLogs/" + (this.organizationId ? `${this.organizationId}/` : "") + `${this.account}/`;
	}

	/** Where the digest ending at `end` goes. */
	digestKey(end, { backfill = false } = {}) {
		const d = isoSeconds(end);
		return `${this.base()}CloudTrail-Digest/${this.region}/${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/` +
			`${this.account}_CloudTrail-Digest_${this.region}_${this.name}_${this.homeRegion}_${keyStamp(end)}` +
			(backfill ? "_backfill.json.gz" : ".json.gz");
	}

	/** A log key for `time` under this trail's layout (nothing is written). */
	logKey(time) {
		return cloudTrailKey({ account: this.account, region: this.region, time, prefix: this.prefix, organizationId: this.organizationId });
	}

	/**
	 * Delivers one log at `time` (records: default a few sample records);
	 * the next digest lists it. Returns {key, hash, oldest, newest}.
	 */
	async deliverLog(time, records = sampleRecords(this.account, this.region, time, 3, 60e3)) {
		const entry = await this.writeLog(time, records);
		this.pending.push(entry);
		this.logs.push(entry);
		return entry;
	}

	async writeLog(time, records) {
		const key = this.logKey(time);
		const raw = Buffer.from(JSON.stringify({ Records: records }));
		await putObject(this.aws, this.bucket, key, gzipSync(raw), { contentType: "application/json" });
		const times = records.map((r) => r.eventTime).sort();
		return { key, hash: sha256Hex(raw), oldest: times[0] ?? null, newest: times.at(-1) ?? null };
	}

	/**
	 * Delivers the digest of the hour ending at `end`: it lists the logs
	 * delivered since the last digest and links to that digest, unless
	 * delivery stopped in between (then a new chain starts). Options: key
	 * (sign with another key, e.g. one ListPublicKeys does not know).
	 * Returns the digest's record in this.digests.
	 */
	async deliverDigest(end, { key = this.key } = {}) {
		const prev = this.previous;
		const start = prev ? new Date(prev.end) : new Date(end.getTime() - HOUR_MS);
		const s3Object = this.digestKey(end);
		const logs = this.pending;
		this.pending = [];
		const events = logs.flatMap((l) => [l.oldest, l.newest]).filter(Boolean).sort();
		const digest = {
			awsAccountId: this.account,
			digestStartTime: isoSeconds(start),
			digestEndTime: isoSeconds(end),
			digestS3Bucket: this.bucket,
			digestS3Object: s3Object,
			digestPublicKeyFingerprint: key.fingerprint,
			digestSignatureAlgorithm: "SHA256withRSA",
			newestEventTime: events.at(-1) ?? null,
			oldestEventTime: events[0] ?? null,
			previousDigestS3Bucket: prev ? this.bucket : null,
			previousDigestS3Object: prev ? prev.key : null,
			previousDigestHashValue: prev ? sha256Hex(prev.text) : null,
			previousDigestHashAlgorithm: prev ? "SHA-256" : null,
			previousDigestSignature: prev ? prev.signature : null,
			logFiles: logs.map((l) => ({
				s3Bucket: this.bucket,
				s3Object: l.key,
				hashValue: l.hash,
				hashAlgorithm: "SHA-256",
				newestEventTime: l.newest,
				oldestEventTime: l.oldest,
			})),
		};
		const text = Buffer.from(JSON.stringify(digest));
		const toSign = `${digest.digestEndTime}\n${this.bucket}/${s3Object}\n${sha256Hex(text)}\n${digest.previousDigestSignature ?? "null"}`;
		const signature = sign("sha256", Buffer.from(toSign), key.privateKey).toString("hex");
		await this.aws.s3.send(new PutObjectCommand({
			Bucket: this.bucket,
			Key: s3Object,
			Body: gzipSync(text),
			ContentType: "application/json",
			Metadata: { signature, "signature-algorithm": "SHA256withRSA" },
		}));
		for (const l of logs)
			l.digestKey = s3Object;
		const record = { key: s3Object, start, end, signature, text, logs };
		this.digests.push(record);
		this.previous = record;
		return record;
	}

	/**
	 * Delivers `hours` hours from `from` (a whole hour): `logsPerHour` logs
	 * spread over each hour (default 2; 0 gives empty digests) and the
	 * hour's digest at its end. Returns the digests delivered.
	 */
	async deliverHours(from, hours, { logsPerHour = 2 } = {}) {
		const out = [];
		for (let h = 0; h < hours; h++) {
			const hourStart = from.getTime() + h * HOUR_MS;
			for (let i = 0; i < logsPerHour; i++)
				await this.deliverLog(new Date(hourStart + Math.floor(((i + 0.5) * HOUR_MS) / logsPerHour)));
			out.push(await this.deliverDigest(new Date(hourStart + HOUR_MS)));
		}
		return out;
	}

	/** Logging stops: the next digest starts a new chain, as after StopLogging/StartLogging. */
	stopDelivery() {
		this.previous = null;
		this.pending = [];
	}

	/* ---- tampering (what an attacker with write access does) ---- */

	/** Rewrites a log with other records under the same key. */
	async editLog(key) {
		const records = sampleRecords(this.account, this.region, new Date(), 1, 1);
		records[0].eventName = "Edited";
		await putObject(this.aws, this.bucket, key, gzipSync(Buffer.from(JSON.stringify({ Records: records }))), { contentType: "application/json" });
	}

	async deleteLog(key) {
		await this.aws.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
	}

	/** Writes a log at `time` that no digest lists. Returns its key. */
	async injectLog(time) {
		const entry = await this.writeLog(time, sampleRecords(this.account, this.region, time, 1, 1));
		return entry.key;
	}

	async deleteDigest(key) {
		await this.aws.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
	}

	/** Changes a digest's contents (drops its last log file) and keeps its signature. */
	async editDigest(key) {
		const got = await this.aws.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
		const digest = JSON.parse(gunzipSync(Buffer.from(await got.Body.transformToByteArray())).toString("utf8"));
		if (digest.logFiles.length > 0)
			digest.logFiles.pop();
		else
			digest.newestEventTime = isoSeconds(new Date());
		await this.aws.s3.send(new PutObjectCommand({
			Bucket: this.bucket,
			Key: key,
			Body: gzipSync(Buffer.from(JSON.stringify(digest))),
			ContentType: "application/json",
			Metadata: got.Metadata,
		}));
	}

	/** Copies digest `from` over `to` (metadata and all): `to` now holds a digest moved from elsewhere. */
	async moveDigest(from, to) {
		await this.aws.s3.send(new CopyObjectCommand({
			Bucket: this.bucket,
			Key: to,
			CopySource: `${this.bucket}/${from.split("/").map(encodeURIComponent).join("/")}`,
			MetadataDirective: "COPY",
		}));
	}
}

/* ---- AWS's own validator ---- */

/**
 * The AWS CLI's version line when `aws` runs here and has validate-logs
 * (awscli 1.x in the image's Python, or Debian's awscli), else null: a test
 * that needs it skips without it (exit 77).
 */
export async function awsCliVersion() {
	const { spawnSync } = await import("node:child_process");
	const r = spawnSync("aws", ["--version"], { encoding: "utf8", timeout: 20000 });
	if (r.status !== 0)
		return null;
	return (r.stdout + r.stderr).trim();
}

/**
 * Runs `aws cloudtrail validate-logs` (the AWS CLI, AWS's own digest
 * validator) on the trail's bucket for [start, end] against the local AWS.
 * Returns {code, stdout, stderr, findings, summary}: findings are the
 * problems it reported, each {kind: "digest"|"log"|"gap", url, verdict}
 * (verdict e.g. "not found", "hash value doesn't match"; for a gap the two
 * times "A B"), summary {digests: [valid, total], logs: [valid, total]}.
 */
export async function validateLogs(aws, trail, { start, end, verbose = false, timeoutMs = 120000 } = {}) {
	const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
	const { tmpdir } = await import("node:os");
	const { join } = await import("node:path");
	const { runProgram } = await import("./lib.mjs");
	const dir = mkdtempSync(join(tmpdir(), "validate-logs-"));
	const config = join(dir, "config");
	writeFileSync(config, "[default]\ns3 =\n  addressing_style = path\n");
	const args = ["cloudtrail", "validate-logs", "--s3-bucket", trail.bucket, "--region", trail.region,
		"--endpoint-url", aws.endpoint, "--trail-arn", trail.arn, "--start-time", isoSeconds(start)];
	if (end)
		args.push("--end-time", isoSeconds(end));
	if (trail.prefix)
		args.push("--s3-prefix", trail.prefix);
	if (trail.organizationId)
		args.push("--account-id", trail.account);
	if (verbose)
		args.push("--verbose");
	try {
		const run = await runProgram(aws, "aws", args, { timeoutMs, env: { AWS_CONFIG_FILE: config, AWS_PAGER: "" } });
		return { ...run, ...readValidateLogs(run.stdout + run.stderr) };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/** Reads validate-logs' output: {findings, summary} as validateLogs describes. */
export function readValidateLogs(text) {
	const findings = [];
	for (const line of text.split("\n")) {
		let m = /^(?:\(backfill\) )?(Digest|Log) file\t(s3:\/\/\S+)\tINVALID: (.*)$/.exec(line);
		if (m) {
			findings.push({ kind: m[1].toLowerCase(), url: m[2], verdict: m[3] });
			continue;
		}
		m = /^No log files were delivered by CloudTrail between (\S+) and (\S+)$/.exec(line);
		if (m)
			findings.push({ kind: "gap", url: null, verdict: `${m[1]} ${m[2]}` });
	}
	const ratio = (name) => {
		const m = new RegExp(`^(\\d+)/(\\d+) ${name} files valid`, "m").exec(text);
		return m ? [Number(m[1]), Number(m[2])] : [0, 0];
	};
	return { findings, summary: { digests: ratio("digest"), logs: ratio("log") } };
}
