// ctalertd under a real systemd: a container boots systemd as PID 1 (a
// Debian 12 image made once with debootstrap and kept), the build tree is
// installed into it with `make install`, and the unit runs against the local
// AWS on the host. It must become active only after READY, deliver an
// alert, apply a new rule on `systemctl reload`, finish the object in hand
// on `systemctl stop` and exit cleanly, and log the structured CTALERTD_*
// fields to the journal. Skips only when podman cannot run here.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { startLocalAws } from "../harness/local-aws.mjs";
import { cloudTrailKey, createBucket, createObserverQueue, createQueue, createTopic, queueDepth, receiveAll } from "../harness/lib.mjs";
import { announce, createTopicRecord, record, writeConfig } from "../daemon/world.mjs";
import { builddir, cleanEnv, freePort, image, must, podman, podmanRunArgs, podmanUnusable, removeAll, run,
	sanitizedBuild, track, until } from "./container.mjs";

const CTALERTD = process.env.CTALERTD ?? join(builddir, "ctalertd");
const unitBuilt = (() => {
	try {
		return readFileSync(join(builddir, "systemd/ctalertd.service"), "utf8").length > 0;
	} catch {
		return false;
	}
})();
const withMetrics = /^#define HAVE_MICROHTTPD 1/m.test(readFileSync(join(builddir, "config.h"), "utf8"));

let skip = !unitBuilt && "no systemd unit built (configured --without-systemd)";
if (!skip && (await sanitizedBuild(CTALERTD))) skip = "a sanitizer build: the image has no sanitizer runtime";
if (!skip) skip = (await podmanUnusable()) ?? false;
if (skip) console.log(`# SKIP ${skip}`);

const name = `ctalertd-systemd-test-${process.pid}`;
let aws;
let tmp;

const exec = (args, options) => podman(["exec", name, ...args], options);
const systemctl = (...args) => exec(["systemctl", "--no-pager", ...args]);
async function show(prop) {
	return (await systemctl("show", "ctalertd", "-p", prop, "--value")).stdout.trim();
}
async function journal() {
	const r = await exec(["journalctl", "-u", "ctalertd", "-o", "json", "--no-pager"], { timeoutMs: 30000 });
	return r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}
async function copyIn(from, to) {
	await must("podman", ["cp", from, `${name}:${to}`]);
}

before(async () => {
	if (skip) return;
	aws = await startLocalAws();
	tmp = mkdtempSync(join(tmpdir(), "ctalertd-systemd-"));
});
after(async () => {
	await removeAll();
	if (aws) await aws.stop();
	if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test("ctalertd under systemd: READY, alert, reload, stop, journal", { skip, timeout: 600000 }, async (t) => {
	const img = await image("systemd-image");

	// make install into a staging tree, copied into the container's /.
	const dest = join(tmp, "root");
	await must("make", ["-C", builddir, "install", `DESTDIR=${dest}`], { timeoutMs: 300000, env: cleanEnv() });

	const boot = await podman([...podmanRunArgs(), "-d", "--rm", "--name", name, "--systemd=always",
		"--timeout", "900", img], { timeoutMs: 120000 });
	assert.equal(boot.code, 0, boot.stderr);
	track(name);
	await until(async () => /^(running|degraded)$/.test((await systemctl("is-system-running")).stdout.trim()),
		"systemd to boot", 60000, 250);
	await copyIn(`${dest}/.`, "/");
	// Under a prefix systemd does not search (make distcheck's), link the unit.
	const unit = (await must("find", [dest, "-name", "ctalertd.service", "-path", "*/systemd/system/*"])).stdout.trim();
	assert.ok(unit, "make install put no ctalertd.service under */systemd/system/");
	const unitPath = unit.slice(dest.length);
	if (!/^\/(usr\/local\/lib|usr\/lib|lib|etc)\/systemd\/system\//.test(unitPath))
		await must("podman", ["exec", name, "systemctl", "link", unitPath]);

	// The AWS side, the configuration and the credentials (a drop-in, as an
	// operator would add with `systemctl edit`).
	const id = randomUUID().slice(0, 8);
	const bucket = `sd${id}-trail`;
	await createBucket(aws, bucket);
	const queue = await createQueue(aws, `sd${id}-events`);
	const topic = await createTopic(aws, `sd${id}-alerts`);
	const observer = await createObserverQueue(aws, topic, `sd${id}-observer`, { raw: true });
	const port = await freePort();
	const etc = join(tmp, "etc");
	mkdirSync(join(etc, "rules.d"), { recursive: true });
	writeConfig(join(etc, "ctalertd.conf"), { queue: queue.url, bucket, topic,
		extra: `rules_dir = "rules.d";\n${withMetrics ? `metrics = { listen = "127.0.0.1:${port}"; };` : ""}` });
	writeFileSync(join(etc, "aws.env"), Object.entries(aws.env()).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
	await exec(["mkdir", "-p", "/etc/ctalertd", "/etc/systemd/system/ctalertd.service.d"]);
	await copyIn(`${etc}/.`, "/etc/ctalertd/");
	writeFileSync(join(tmp, "local-aws.conf"), "[Service]\nEnvironmentFile=/etc/ctalertd/aws.env\n");
	await copyIn(join(tmp, "local-aws.conf"), "/etc/systemd/system/ctalertd.service.d/local-aws.conf");
	await must("podman", ["exec", name, "systemctl", "daemon-reload"]);

	// Each step needs the ones before it; a failure shows the unit's journal.
	let broken = false;
	const step = (title, opts, fn) => t.test(title, { ...opts, skip: opts.skip || (broken && "an earlier step failed") }, async () => {
		try {
			await fn();
		} catch (e) {
			broken = true;
			const j = await exec(["journalctl", "--no-pager", "-n", "60"], { timeoutMs: 30000 });
			e.message += `\nthe journal:\n${j.stdout}`;
			throw e;
		}
	});

	await step("active only after READY", {}, async () => {
		// The start-up check of the queue is held for 3 s: the unit must
		// stay "activating" until the daemon is ready.
		const hold = aws.faults.add({ service: "sqs", operation: "GetQueueAttributes", kind: "slow", delayMs: 3000 });
		await must("podman", ["exec", name, "systemctl", "start", "--no-block", "ctalertd"]);
		let activatingWhileHeld = false;
		await until(async () => {
			const state = (await systemctl("is-active", "ctalertd")).stdout.trim();
			const answered = aws.requestLog.match({ operation: "GetQueueAttributes" }).some((e) => e.completed);
			const asked = aws.faults.fired(hold) > 0;
			if (state === "activating" && asked && !answered) activatingWhileHeld = true;
			if (state === "active") {
				assert.ok(answered, "active before the queue answered");
				return true;
			}
			assert.match(state, /^(activating|inactive)$/, `unexpected state ${state}`);
			return false;
		}, "the unit to become active", 30000, 100);
		assert.ok(activatingWhileHeld, "never seen activating while the queue check was held");
		assert.equal(await show("Type"), "notify");
		await until(async () => /messages \d+/.test(await show("StatusText")), "STATUS= counters", 15000);
	});

	await step("an alert arrives", {}, async () => {
		const hit = createTopicRecord();
		await announce(aws, { bucket, queue }, [record(), hit, record()]);
		const alerts = await receiveAll(aws, observer.url, { expect: 1, timeoutMs: 20000 });
		assert.equal(alerts.length, 1);
		assert.ok(alerts[0].Body.includes(hit.eventID));
	});

	await step("journalctl -o json shows the structured fields", {}, async () => {
		const entry = await until(async () => (await journal()).find((e) => e.CTALERTD_RULE === "sns-create-topic"),
			"the match in the journal", 15000);
		for (const f of ["CTALERTD_MESSAGE_ID", "CTALERTD_BUCKET", "CTALERTD_KEY", "CTALERTD_EVENT_ID"])
			assert.ok(entry[f], `${f} missing from ${JSON.stringify(entry)}`);
		assert.equal(entry.CTALERTD_BUCKET, bucket);
		assert.equal(entry.SYSLOG_IDENTIFIER, "ctalertd");
		assert.equal(entry._TRANSPORT, "journal", "logged natively, not through stderr");
		assert.equal(entry.PRIORITY, "5");
	});

	await step("systemctl reload applies a new rule", {}, async () => {
		const pid = await show("MainPID");
		writeFileSync(join(tmp, "cloudtrail-stop.json"), JSON.stringify({ name: "cloudtrail-stop", severity: "critical",
			pattern: { eventSource: ["cloudtrail.amazonaws.com"], eventName: ["StopLogging"] } }));
		await copyIn(join(tmp, "cloudtrail-stop.json"), "/etc/ctalertd/rules.d/cloudtrail-stop.json");
		await must("podman", ["exec", name, "systemctl", "reload", "ctalertd"]);
		await until(async () => (await journal()).some((e) => /configuration reloaded: 2 rules/.test(e.MESSAGE)),
			"the reload in the journal", 15000);
		assert.equal(await show("MainPID"), pid, "reloaded, not restarted");
		assert.equal((await systemctl("is-active", "ctalertd")).stdout.trim(), "active");
		const stop = record({ eventSource: "cloudtrail.amazonaws.com", eventName: "StopLogging" });
		await announce(aws, { bucket, queue }, [record(), stop]);
		const alerts = await receiveAll(aws, observer.url, { expect: 1, timeoutMs: 20000 });
		assert.equal(alerts.length, 1);
		assert.equal(JSON.parse(alerts[0].Body).rule.name ?? JSON.parse(alerts[0].Body).rule, "cloudtrail-stop");
	});

	await step("metrics are served from inside the sandbox", { skip: !withMetrics && "built without libmicrohttpd" }, async () => {
		const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
		assert.match(text, /^ctalertd_alerts_published_total\{rule="cloudtrail-stop"\} 1$/m);
		assert.match(text, /^ctalertd_alerts_published_total\{rule="sns-create-topic"\} 1$/m);
	});

	await step("systemctl stop finishes the object in hand and exits cleanly", {}, async () => {
		const key = cloudTrailKey();
		aws.faults.add({ service: "s3", operation: "GetObject", key, kind: "slow", delayMs: 3000 });
		const hit = createTopicRecord();
		await announce(aws, { bucket, queue }, [hit], { key });
		await until(() => aws.requestLog.match({ operation: "GetObject", key }).length > 0, "the slow GetObject", 15000, 50);
		const stopped = await run("podman", ["exec", name, "systemctl", "stop", "ctalertd"], { timeoutMs: 120000 });
		assert.equal(stopped.code, 0, stopped.stderr);
		assert.equal(await show("ActiveState"), "inactive");
		assert.equal(await show("Result"), "success");
		assert.equal(await show("ExecMainStatus"), "0");
		const alerts = await receiveAll(aws, observer.url, { expect: 1, timeoutMs: 10000 });
		assert.equal(alerts.length, 1, "the alert of the object in hand was published");
		assert.ok(alerts[0].Body.includes(hit.eventID));
		assert.deepEqual(await queueDepth(aws, queue.url), { visible: 0, inFlight: 0, delayed: 0 });
		const messages = (await journal()).map((e) => e.MESSAGE);
		assert.ok(messages.some((m) => /stopping; 1 message in hand/.test(m)), messages.join("\n"));
		assert.ok(messages.some((m) => /^stopped:/.test(m)), messages.join("\n"));
	});
});
