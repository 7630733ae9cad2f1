// The container image: built from the Dockerfile with podman (base image
// made with debootstrap, no registry), it holds the program, the libraries
// it loads, the CA bundle and the rule pack, and nothing else (no shell, no
// package manager, nothing to build with), runs as a non-root
// user, and against the local AWS delivers an alert configured from the
// environment alone (as an ECS task) and from a mounted file, logging JSON
// lines on standard error. The image size is printed. Skips only when
// podman cannot run here.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import http from "node:http";
import https from "node:https";
import { startLocalAws } from "../harness/local-aws.mjs";
import { queueDepth, receiveAll } from "../harness/lib.mjs";
import { announce, createTopicRecord, makeWorld, record } from "../daemon/world.mjs";
import { image, must, podman, podmanRunArgs, podmanUnusable, removeAll, run, srcdir, track, until } from "./container.mjs";

const tag = `localhost/ctalertd-test:${process.pid}`;
const skip = (await podmanUnusable()) ?? false;
if (skip) console.log(`# SKIP ${skip}`);

let aws;
let tmp;
let built = false;
before(async () => {
	if (skip) return;
	aws = await startLocalAws();
	tmp = mkdtempSync(join(tmpdir(), "ctalertd-image-"));
});
after(async () => {
	await removeAll();
	if (built) await podman(["rmi", "-f", tag], { timeoutMs: 60000 });
	// The build stage's leftovers (the layer cache of its packages stays).
	await podman(["image", "prune", "-f", "--filter", "label=org.ctalertd.stage=build"], { timeoutMs: 60000 });
	if (aws) await aws.stop();
	if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The daemon's environment from the local AWS, as -e options. */
function awsEnv() {
	return Object.entries(aws.env()).filter(([k]) => k.startsWith("AWS_")).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
}

test("the image builds, runs as non-root and alerts against the local AWS", { skip, timeout: 900000 }, async (t) => {
	await image("base");
	const t0 = Date.now();
	// Docker's image format: OCI's has no HEALTHCHECK.
	const b = await run("podman", ["build", "--isolation", "chroot", "--network", "host", "--pull=never",
		"--format", "docker", "-t", tag, "-f", join(srcdir, "Dockerfile"), srcdir], { timeoutMs: 600000 });
	assert.equal(b.code, 0, `${b.stdout.slice(-4000)}\n${b.stderr.slice(-4000)}`);
	built = true;
	console.log(`# built in ${Math.round((Date.now() - t0) / 1000)} s`);

	await t.test("only the program, what it loads and the rules, as a non-root user", async () => {
		const info = JSON.parse((await must("podman", ["image", "inspect", tag])).stdout)[0];
		const mb = info.Size / 1e6;
		console.log(`# image size: ${mb.toFixed(1)} MB (${info.Size} bytes)`);
		assert.ok(mb < 40, `the image is ${mb.toFixed(1)} MB`);
		assert.equal(info.Config.User, "10001:10001");
		assert.deepEqual(info.Config.Entrypoint, ["/usr/bin/ctalertd"]);
		assert.ok(info.Config.Env.includes("CTALERTD_RULES_DIR=/etc/ctalertd/rules.d"));
		assert.ok(info.Config.Env.includes("CTALERTD_METRICS_LISTEN=127.0.0.1:9464"));
		// podman puts it beside Config, Docker inside.
		assert.deepEqual((info.Healthcheck ?? info.Config.Healthcheck)?.Test, ["CMD", "/usr/bin/ctalertd", "check", "--health"]);
		// The program starts: the loader finds every library it links.
		const v = await must("podman", [...podmanRunArgs(), "--rm", tag, "--version"]);
		assert.match(v.stdout, /^ctalertd \d+\.\d+\.\d+$/m);
		// Every file in the image.
		const probe = `ctalertd-image-test-${process.pid}-files`;
		await must("podman", ["create", "--name", probe, tag], { timeoutMs: 60000 });
		track(probe);
		await must("podman", ["export", "-o", join(tmp, "rootfs.tar"), probe], { timeoutMs: 120000 });
		const files = new Set((await must("tar", ["-tf", join(tmp, "rootfs.tar")])).stdout.split("\n")
			.filter(Boolean).map((f) => f.replace(/^\.?\//, "").replace(/\/$/, "")));
		for (const f of ["usr/bin/ctalertd", "etc/ssl/certs/ca-certificates.crt", "etc/ctalertd/rules.d/sns-create-topic.json",
			"lib/x86_64-linux-gnu/libcurl.so.4", "etc/passwd"])
			assert.ok(files.has(f), `${f} missing from the image`);
		for (const f of ["bin/sh", "usr/bin/sh", "usr/bin/apt-get", "usr/bin/dpkg", "usr/bin/gcc", "usr/bin/cc", "usr/bin/make",
			"usr/include", "etc/ctalertd/ctalertd.conf"])
			assert.ok(!files.has(f), `${f} in the image`);
		const libs = [...files].filter((f) => /\.so(\.|$)/.test(f));
		console.log(`# ${files.size} files, ${libs.length} shared libraries`);
		await must("tar", ["-xf", join(tmp, "rootfs.tar"), "-C", tmp, "etc/passwd"]);
		assert.match(readFileSync(join(tmp, "etc/passwd"), "utf8"), /^ctalertd:x:10001:10001:/m);
	});

	await t.test("configured from the environment alone, as an ECS task", async () => {
		const world = await makeWorld(aws, { name: `img${process.pid}e` });
		const name = `ctalertd-image-test-${process.pid}-env`;
		// Read-only root, as the ECS example runs it.
		const started = await podman([...podmanRunArgs(), "-d", "--read-only", "--name", name, "--timeout", "600",
			...awsEnv(), "-e", `CTALERTD_QUEUE_URL=${world.queue.url}`, "-e", `CTALERTD_BUCKETS=${world.bucket}`,
			"-e", `CTALERTD_TOPIC_ARN=${world.topic}`, "-e", "CTALERTD_WORKERS=2", tag], { timeoutMs: 120000 });
		assert.equal(started.code, 0, started.stderr);
		track(name);
		// The daemon runs as uid 10001 (read on the host: the image has no ps).
		const pid = (await must("podman", ["inspect", "--format", "{{.State.Pid}}", name])).stdout.trim();
		assert.match(readFileSync(`/proc/${pid}/status`, "utf8"), /^Uid:\t10001\t10001\t10001\t10001$/m);
		const hit = createTopicRecord();
		await announce(aws, world, [record(), hit]);
		const alerts = await receiveAll(aws, world.observer.url, { expect: 1, timeoutMs: 30000 });
		assert.equal(alerts.length, 1);
		assert.ok(alerts[0].Body.includes(hit.eventID));
		await until(async () => (await queueDepth(aws, world.queue.url)).inFlight === 0, "the message deleted", 15000);
		// The image's HEALTHCHECK, run as the engine runs it.
		const hc = await podman(["healthcheck", "run", name], { timeoutMs: 60000 });
		assert.equal(hc.code, 0, `healthcheck: ${hc.stdout}${hc.stderr}`);
		const hs = (await must("podman", ["inspect", "--format", "{{.State.Health.Status}}", name])).stdout.trim();
		assert.equal(hs, "healthy");
		const direct = await podman(["exec", name, "/usr/bin/ctalertd", "check", "--health"], { timeoutMs: 30000 });
		assert.equal(direct.code, 0, direct.stdout + direct.stderr);
		assert.equal(direct.stdout, "http://127.0.0.1:9464/healthz: 200 ok\n");

		const stop = await podman(["stop", "-t", "40", name], { timeoutMs: 90000 });
		assert.equal(stop.code, 0, stop.stderr);
		const code = (await must("podman", ["inspect", "--format", "{{.State.ExitCode}}", name])).stdout.trim();
		assert.equal(code, "0", "a clean stop on SIGTERM");
		const logs = await must("podman", ["logs", name]);
		const lines = logs.stderr.split("\n").filter(Boolean);
		assert.ok(lines.length >= 2, logs.stderr);
		for (const l of lines) {
			const j = JSON.parse(l); // every line is one JSON object
			assert.ok(j.time && j.level && typeof j.msg === "string", l);
		}
		const match = lines.map((l) => JSON.parse(l)).find((j) => j.rule === "sns-create-topic");
		assert.ok(match, "the match logged with its fields");
		assert.equal(match.event_id, hit.eventID);
		assert.equal(match.bucket, world.bucket);
	});

	await t.test("configured from a mounted file", async () => {
		const world = await makeWorld(aws, { name: `img${process.pid}f` });
		// The daemon runs as another user: the file must be readable by it.
		const conf = join(tmp, "ctalertd.conf");
		writeFileSync(conf, `queue_url = "${world.queue.url}";\nsource = { buckets = ["${world.bucket}"]; };\n` +
			`alerts = { topic_arn = "${world.topic}"; };\nrules = ( { name = "mounted-rule"; ` +
			`pattern = { eventSource = ["ec2.amazonaws.com"]; eventName = ["DescribeRegions"]; }; } );\n`);
		chmodSync(conf, 0o644);
		const hit = record({ eventName: "DescribeRegions" });
		await announce(aws, world, [hit, createTopicRecord()]);
		const name = `ctalertd-image-test-${process.pid}-file`;
		track(name);
		const r = await podman([...podmanRunArgs(), "--name", name, "--timeout", "300", ...awsEnv(),
			"-v", `${conf}:/etc/ctalertd/ctalertd.conf:ro`, tag, "run", "--once"], { timeoutMs: 180000 });
		assert.equal(r.code, 0, r.stderr);
		const alerts = await receiveAll(aws, world.observer.url, { expect: 2, timeoutMs: 20000 });
		const rules = alerts.map((a) => JSON.parse(a.Body)).map((a) => a.rule.name ?? a.rule).sort();
		assert.deepEqual(rules, ["mounted-rule", "sns-create-topic"], "the file's rule and the image's rule pack");
	});

	await t.test("HTTPS from inside: the image's CA bundle loads, and AWS_CA_BUNDLE adds a CA", async () => {
		const world = await makeWorld(aws, { name: `img${process.pid}t` });
		const tls = await startTlsProxy(aws, tmp);
		try {
			const conf = join(tmp, "tls.conf");
			writeFileSync(conf, `queue_url = "${world.queue.url}";\nsource = { buckets = ["${world.bucket}"]; };\n` +
				`alerts = { topic_arn = "${world.topic}"; };\naws = { s3_path_style = true; };\n`);
			chmodSync(conf, 0o644);
			const env = Object.entries({ ...aws.env(), AWS_ENDPOINT_URL: tls.url })
				.filter(([k]) => k.startsWith("AWS_")).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
			const checkIn = (extra) => podman([...podmanRunArgs(), "--rm", ...env, ...extra,
				"-v", `${conf}:/etc/ctalertd/ctalertd.conf:ro`, tag, "check"], { timeoutMs: 120000 });
			// The test CA is not in the image's bundle: refused for trust, which
			// shows the bundle itself was found and read.
			const untrusted = await checkIn([]);
			assert.equal(untrusted.code, 1, untrusted.stdout + untrusted.stderr);
			assert.match(untrusted.stdout, /^\[FAIL\] credentials: .*certificate/im);
			assert.doesNotMatch(untrusted.stdout + untrusted.stderr, /setting certificate|CA ?file|cacert/i);
			assert.equal(tls.forwarded(), 0, "a request went through an untrusted connection");
			const trusted = await checkIn(["-e", "AWS_CA_BUNDLE=/ca.pem", "-v", `${tls.caFile}:/ca.pem:ro`]);
			assert.equal(trusted.code, 0, trusted.stdout + trusted.stderr);
			assert.match(trusted.stdout, /^\[ ok \] credentials: /m);
			assert.ok(tls.forwarded() >= 4, `${tls.forwarded()} requests over TLS`);
		} finally {
			await tls.stop();
		}
	});
});

/**
 * An HTTPS endpoint on loopback, with a certificate of a CA made for the
 * test, that passes each request on to the local AWS unchanged (its Host
 * header included, which the signature covers). caFile: the CA's PEM.
 */
async function startTlsProxy(aws, dir) {
	const caFile = join(dir, "ca.pem"), keyFile = join(dir, "tls-key.pem");
	await must("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
		"-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", caFile]);
	chmodSync(caFile, 0o644);
	const target = new URL(aws.env().AWS_ENDPOINT_URL);
	let forwarded = 0;
	const server = https.createServer({ key: readFileSync(keyFile), cert: readFileSync(caFile) }, (req, res) => {
		forwarded++;
		const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url,
			headers: req.headers }, (r) => {
			res.writeHead(r.statusCode, r.headers);
			r.pipe(res);
		});
		up.on("error", (e) => { res.writeHead(502); res.end(String(e)); });
		req.pipe(up);
	});
	await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
	return {
		url: `https://127.0.0.1:${server.address().port}`, caFile, forwarded: () => forwarded,
		stop: () => new Promise((resolve) => server.close(resolve)),
	};
}
