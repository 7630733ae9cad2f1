// The local AWS every integration test of ctalertd runs against: fauxqs (SQS,
// SNS, S3) and dynalite (DynamoDB) in child processes, the signature-checking
// front before them, a local STS, IMDS, ECS credentials endpoint and SSO
// portal, and AWS SDK clients for the test's own setup and checks. See
// README.md in this directory.
//
// In a node:test script:
//     import { startLocalAws } from "../harness/local-aws.mjs";
//     const aws = await startLocalAws();
//     ... aws.sqs / aws.s3 / aws.sns, aws.faults, aws.requestLog, aws.env() ...
//     await aws.stop();
// From a shell:
//     node tests/harness/local-aws.mjs --env-out F &   (then: set -a; . F; set +a)
// (Node 20 itself consumes "--env-file" even after the script name, so the
// flag is --env-out; "-- --env-file F" works too.)
import { fork } from "node:child_process";
import { renameSync, unlinkSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LocalCloudTrail } from "./cloudtrail.mjs";
import { LocalOrganizations } from "./organizations.mjs";
import { ACCOUNT_ID, CredentialStore, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY } from "./credentials.mjs";
import { s3Sdk, snsSdk, sqsSdk } from "./deps.mjs";
import { LocalEcs } from "./ecs.mjs";
import { Faults } from "./faults.mjs";
import { Front, HARNESS_HEADER } from "./front.mjs";
import { LocalImds } from "./imds.mjs";
import { RequestLog } from "./log.mjs";
import { LocalSsoPortal } from "./sso.mjs";
import { LocalSts } from "./sts.mjs";

const FAUXQS_SERVER = fileURLToPath(new URL("./fauxqs-server.mjs", import.meta.url));
const DYNALITE_SERVER = fileURLToPath(new URL("./dynalite-server.mjs", import.meta.url));
const START_TIMEOUT_MS = 20000;
const STOP_TIMEOUT_MS = 5000;

/* Starts a stand-in (fauxqs, dynalite) in its own process; resolves {pid, port, child}. */
function startServer(script, name, region) {
	return new Promise((resolve, reject) => {
		const child = fork(script, [], {
			stdio: ["ignore", "ignore", "inherit", "ipc"],
			env: { ...process.env, LOCAL_AWS_REGION: region },
			execArgv: [],
		});
		const timer = setTimeout(() => {
			child.kill("SIGKILL");
			reject(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms`));
		}, START_TIMEOUT_MS);
		child.once("message", (m) => {
			clearTimeout(timer);
			child.unref();
			child.channel?.unref();
			resolve({ pid: child.pid, port: m.port, child });
		});
		child.once("exit", (code, signal) => {
			clearTimeout(timer);
			reject(new Error(`${name} exited before it was ready (${signal ?? code})`));
		});
	});
}

/* Stops a child by its PID: SIGTERM, then SIGKILL after STOP_TIMEOUT_MS. */
async function stopChild(child) {
	if (child.exitCode !== null || child.signalCode !== null)
		return;
	const exited = new Promise((resolve) => child.once("exit", resolve));
	process.kill(child.pid, "SIGTERM");
	const timer = setTimeout(() => {
		try {
			process.kill(child.pid, "SIGKILL");
		} catch {
			/* already gone */
		}
	}, STOP_TIMEOUT_MS);
	await exited;
	clearTimeout(timer);
}

/**
 * AWS SDK clients (SQS, S3, SNS) pointed at `endpoint`. When `harness` is
 * true (the default) they mark their requests so that faults skip them and
 * requestLog.match() leaves them out unless asked.
 */
export function makeClients(endpoint, region, { credentials, harness = true, maxAttempts = 3, requestTimeout } = {}) {
	const common = {
		region,
		endpoint,
		credentials: credentials ?? { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET_ACCESS_KEY },
		maxAttempts,
	};
	if (requestTimeout)
		common.requestHandler = { requestTimeout, connectionTimeout: requestTimeout, throwOnRequestTimeout: true };
	const clients = {
		sqs: new sqsSdk.SQSClient(common),
		s3: new s3Sdk.S3Client({ ...common, forcePathStyle: true }),
		sns: new snsSdk.SNSClient(common),
	};
	if (harness) {
		for (const c of Object.values(clients)) {
			c.middlewareStack.add(
				(next) => (args) => {
					args.request.headers[HARNESS_HEADER] = "1";
					return next(args);
				},
				{ step: "build", name: "ctalertdHarnessTag" },
			);
		}
	}
	return clients;
}

/**
 * Starts the local AWS. Options: region (default us-east-1), imds, ecs, sso, sts
 * (their constructor options). Returns the handle described in README.md.
 */
export async function startLocalAws(options = {}) {
	const region = options.region ?? "us-east-1";
	const world = {
		region,
		accountId: ACCOUNT_ID,
		credentials: new CredentialStore({ accountId: ACCOUNT_ID }),
		faults: new Faults(),
		log: new RequestLog(),
		clock: { offsetMs: 0 },
		now: () => Date.now() + world.clock.offsetMs,
		bucketOwners: new Map(),
		bucketRegions: new Map(),
	};
	world.sts = new LocalSts(world, options.sts);
	world.cloudtrail = new LocalCloudTrail(region);
	world.organizations = new LocalOrganizations();
	const [fauxqsStart, dynaliteStart] = await Promise.allSettled([
		startServer(FAUXQS_SERVER, "fauxqs", region),
		startServer(DYNALITE_SERVER, "dynalite", region),
	]);
	if (fauxqsStart.status === "rejected" || dynaliteStart.status === "rejected") {
		for (const s of [fauxqsStart, dynaliteStart])
			if (s.status === "fulfilled")
				await stopChild(s.value.child);
		throw (fauxqsStart.reason ?? dynaliteStart.reason);
	}
	const fauxqs = fauxqsStart.value;
	const dynalite = dynaliteStart.value;
	const started = [];
	try {
		const front = new Front(world, {
			name: "front",
			upstream: { host: "127.0.0.1", port: fauxqs.port },
			upstreams: { dynamodb: { host: "127.0.0.1", port: dynalite.port } },
		});
		await front.listen();
		started.push(() => front.close());
		const stsFront = new Front(world, { name: "sts" });
		await stsFront.listen();
		started.push(() => stsFront.close());
		const imds = new LocalImds(world, options.imds);
		await imds.start();
		started.push(() => imds.stop());
		const ecs = new LocalEcs(world, options.ecs);
		await ecs.start();
		started.push(() => ecs.stop());
		const sso = new LocalSsoPortal(world, options.sso);
		await sso.start();
		started.push(() => sso.stop());
		for (const s of [front.server, stsFront.server, imds.http.server, ecs.http.server, sso.http.server])
			s.unref();
		return makeHandle(world, { fauxqs, dynalite, front, stsFront, imds, ecs, sso, started });
	} catch (err) {
		for (const close of started.reverse())
			await close();
		await stopChild(fauxqs.child);
		await stopChild(dynalite.child);
		throw err;
	}
}

function makeHandle(world, { fauxqs, dynalite, front, stsFront, imds, ecs, sso, started }) {
	const endpoint = front.url;
	const credentials = { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET_ACCESS_KEY };
	const clients = makeClients(endpoint, world.region, { credentials });
	let stopped = null;
	const aws = {
		endpoint,
		region: world.region,
		accountId: world.accountId,
		credentials,
		...clients,
		faults: world.faults,
		requestLog: world.log,
		credentialStore: world.credentials,
		imds,
		ecs,
		sso,
		sts: world.sts,
		/** The local CloudTrail (ListPublicKeys): addKey({der, fingerprint, region, validFrom, validTo}), removeKey, inject. */
		cloudtrail: world.cloudtrail,
		organizations: world.organizations,
		stsEndpoint: stsFront.url,
		fauxqs: { pid: fauxqs.pid, port: fauxqs.port, endpoint: `http://127.0.0.1:${fauxqs.port}` },
		dynalite: { pid: dynalite.pid, port: dynalite.port, endpoint: `http://127.0.0.1:${dynalite.port}` },
		/** SDK clients through the front with other keys/settings (see makeClients). */
		clients: (opts = {}) => makeClients(endpoint, world.region, opts),
		/** Registers a key the front accepts: {accessKeyId, secretAccessKey, sessionToken, expiration}. */
		addCredentials: (c) => world.credentials.add(c),
		/** S3 answers x-amz-expected-bucket-owner checks for `bucket` with this account. */
		setBucketOwner: (bucket, accountId) => world.bucketOwners.set(bucket, accountId),
		/** Requests for `bucket` must be signed for `region` (else AuthorizationHeaderMalformed). */
		setBucketRegion: (bucket, region) => world.bucketRegions.set(bucket, region),
		/** The front's clock runs `seconds` ahead of this machine's (negative: behind). */
		setClockOffset: (seconds) => {
			world.clock.offsetMs = seconds * 1000;
		},
		clockOffset: () => world.clock.offsetMs / 1000,
		/** Clears faults, the request log, the clock offset, bucket settings and the stand-ins' state. */
		reset() {
			world.faults.clear();
			world.log.clear();
			world.clock.offsetMs = 0;
			world.bucketOwners.clear();
			world.bucketRegions.clear();
			imds.reset();
			ecs.reset();
			sso.reset();
			world.sts.reset();
			world.cloudtrail.reset();
			world.organizations.reset();
		},
		/** How often each stand-in was called. */
		counters: () => ({ imds: { ...imds.counters }, ecs: { ...ecs.counters }, sso: { ...sso.counters }, sts: { ...world.sts.counters }, cloudtrail: { ...world.cloudtrail.counters }, organizations: { ...world.organizations.counters } }),
		/** The environment a ctalertd process (or any AWS client) needs to use this local AWS. */
		env(extra = {}) {
			return {
				AWS_ENDPOINT_URL: endpoint,
				AWS_ACCESS_KEY_ID: credentials.accessKeyId,
				AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
				AWS_REGION: world.region,
				AWS_DEFAULT_REGION: world.region,
				AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url,
				AWS_CONFIG_FILE: "/dev/null",
				AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
				CTALERTD_HARNESS_ACCOUNT_ID: world.accountId,
				CTALERTD_HARNESS_IMDS_URL: imds.url,
				CTALERTD_HARNESS_ECS_URL: ecs.fullUri,
				CTALERTD_HARNESS_STS_URL: stsFront.url,
				CTALERTD_HARNESS_SSO_URL: sso.url,
				CTALERTD_HARNESS_FAUXQS_PID: String(fauxqs.pid),
				CTALERTD_HARNESS_DYNALITE_PID: String(dynalite.pid),
				...extra,
			};
		},
		/** Stops everything (fauxqs and dynalite by their PIDs); safe to call twice. */
		stop() {
			stopped ??= (async () => {
				for (const c of Object.values(clients))
					c.destroy();
				for (const close of started.reverse())
					await close();
				await stopChild(fauxqs.child);
				await stopChild(dynalite.child);
			})();
			return stopped;
		},
	};
	return aws;
}

/* ---- command line ---- */

function usage() {
	return (
		"usage: node local-aws.mjs --env-out FILE [--region R] [--lifetime SECONDS]\n" +
		"       node local-aws.mjs -- --env-file FILE ...   (Node 20 takes a bare --env-file for itself)\n" +
		"Starts the local AWS, writes its environment to FILE (KEY=value lines) and runs until\n" +
		"SIGTERM/SIGINT, its parent exits, or the lifetime (default 3600 s, 0: none) is over.\n"
	);
}

function parseArgs(argv) {
	const opts = { envFile: null, region: "us-east-1", lifetime: 3600 };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const value = () => {
			if (i + 1 >= argv.length)
				throw new Error(`${a} needs a value`);
			return argv[++i];
		};
		if (a === "--")
			continue;
		if (a === "--env-out" || a === "--env-file")
			opts.envFile = value();
		else if (a === "--region")
			opts.region = value();
		else if (a === "--lifetime")
			opts.lifetime = Number(value());
		else if (a === "-h" || a === "--help")
			opts.help = true;
		else
			throw new Error(`unknown argument '${a}'`);
	}
	if (!opts.help && !opts.envFile)
		throw new Error("--env-out is required");
	if (!Number.isFinite(opts.lifetime) || opts.lifetime < 0)
		throw new Error("--lifetime must be a number of seconds");
	return opts;
}

/* KEY=value lines, usable by sh (set -a; . FILE), systemd and podman --env-file. */
export function formatEnvFile(env) {
	let text = "";
	for (const [k, v] of Object.entries(env)) {
		if (!/^[A-Za-z0-9_:/.,@%+=-]*$/.test(v))
			throw new Error(`environment value of ${k} cannot be written unquoted`);
		text += `${k}=${v}\n`;
	}
	return text;
}

async function main(argv) {
	const parent = process.ppid; // before the slow start: the parent may exit meanwhile
	let opts;
	try {
		opts = parseArgs(argv);
	} catch (err) {
		process.stderr.write(`local-aws: ${err.message}\n${usage()}`);
		process.exit(2);
	}
	if (opts.help) {
		process.stdout.write(usage());
		return;
	}
	const { startControl } = await import("./control.mjs");
	const aws = await startLocalAws({ region: opts.region });
	const control = await startControl(aws);
	const env = aws.env({ CTALERTD_HARNESS_CONTROL: control.url, CTALERTD_HARNESS_PID: String(process.pid) });
	const tmp = `${opts.envFile}.tmp${process.pid}`;
	writeFileSync(tmp, formatEnvFile(env));
	renameSync(tmp, opts.envFile);
	process.stderr.write(`local-aws: ready at ${aws.endpoint} (control ${control.url}, pid ${process.pid})\n`);

	let stopping = false;
	const shutdown = async (why) => {
		if (stopping)
			return;
		stopping = true;
		process.stderr.write(`local-aws: stopping (${why})\n`);
		const hard = setTimeout(() => process.exit(1), 10000);
		try {
			unlinkSync(opts.envFile);
		} catch {
			/* already removed */
		}
		await control.close();
		await aws.stop();
		clearTimeout(hard);
		process.exit(0);
	};
	control.onStop = () => shutdown("asked by the control API");
	for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"])
		process.on(sig, () => shutdown(sig));
	setInterval(() => {
		if (process.ppid !== parent)
			shutdown("parent exited");
	}, 500);
	if (opts.lifetime > 0)
		setTimeout(() => shutdown(`lifetime of ${opts.lifetime} s over`), opts.lifetime * 1000).unref();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
	await main(process.argv.slice(2));
