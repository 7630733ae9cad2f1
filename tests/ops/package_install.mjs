// The Debian package, for real: built with dpkg-buildpackage from this
// source tree (twice: once under an earlier version, to upgrade from),
// checked with lintian, then installed with `apt-get install ./...deb` into
// a Debian 12 container that boots systemd and holds nothing of ctalertd's
// (apt must bring every dependency). Installed, the service is enabled
// but skipped until configured; configured as an operator would (editing
// the shipped file, credentials in a drop-in), it starts against the local
// AWS on the host and delivers an alert, reloads a new rule, survives an
// upgrade with its configuration kept, keeps its configuration on
// `apt-get remove`, and leaves nothing on `apt-get purge`. Skips only when
// podman cannot run here (or in a sanitizer build, whose own ctalertd the
// package does not use: the plain build's run covers it).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { startLocalAws } from "../harness/local-aws.mjs";
import { createBucket, createObserverQueue, createQueue, createTopic, receiveAll } from "../harness/lib.mjs";
import { announce, createTopicRecord, record } from "../daemon/world.mjs";
import { builddir, cleanEnv, image, must, podman, podmanRunArgs, podmanUnusable, removeAll, run,
	sanitizedBuild, srcdir, track, until } from "./container.mjs";

const CTALERTD = process.env.CTALERTD ?? join(builddir, "ctalertd");
let skip = false;
if (await sanitizedBuild(CTALERTD)) skip = "a sanitizer build: the package is built from source, and the plain build's run tests it";
if (!skip) skip = (await podmanUnusable()) ?? false;
if (skip) console.log(`# SKIP ${skip}`);

const name = `ctalertd-package-test-${process.pid}`;
let aws;
let tmp;

const exec = (args, options) => podman(["exec", name, ...args], { timeoutMs: 120000, ...options });
const sh = (script, options) => exec(["sh", "-c", script], options);
async function mustSh(script, options) {
	const r = await sh(script, options);
	if (r.code !== 0) throw new Error(`in the container: ${script}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
	return r.stdout;
}
const systemctl = (...args) => exec(["systemctl", "--no-pager", ...args]);
async function show(prop) {
	return (await systemctl("show", "ctalertd", "-p", prop, "--value")).stdout.trim();
}
async function journal() {
	const r = await exec(["journalctl", "-u", "ctalertd", "-o", "json", "--no-pager"], { timeoutMs: 30000 });
	return r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}
const apt = (...args) => sh(`DEBIAN_FRONTEND=noninteractive apt-get -y -q ${args.join(" ")}`, { timeoutMs: 600000 });

/** The source tree as Git knows it (committed or not), else all but build products. */
async function copySource(to) {
	const git = await run("git", ["-C", srcdir, "ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
	if (git.code === 0 && git.stdout.length > 0) {
		for (const f of git.stdout.split("\0").filter(Boolean)) {
			try {
				cpSync(join(srcdir, f), join(to, f), { recursive: false });
			} catch (e) {
				if (e.code !== "ENOENT") throw e; // deleted, not yet committed
			}
		}
		return;
	}
	const skipNames = new Set([".git", "node_modules", "autom4te.cache"]);
	cpSync(srcdir, to, { recursive: true, filter: (p) => {
		const base = p.slice(p.lastIndexOf("/") + 1);
		return !skipNames.has(base) && !base.startsWith("_build");
	} });
}

/** dpkg-buildpackage -us -uc -b in a copy of the tree; version overrides debian/changelog's. Returns the .deb. */
async function buildPackage(dir, version) {
	mkdirSync(join(dir, "src"), { recursive: true });
	await copySource(join(dir, "src"));
	const changelog = join(dir, "src/debian/changelog");
	const text = readFileSync(changelog, "utf8");
	const current = /^ctalertd \(([^)]+)\)/.exec(text)[1];
	if (version) writeFileSync(changelog, text.replace(`ctalertd (${current})`, `ctalertd (${version})`));
	const r = await run("dpkg-buildpackage", ["-us", "-uc", "-b"], { timeoutMs: 900000,
		env: cleanEnv({ DEB_BUILD_OPTIONS: "parallel=2" }), cwd: join(dir, "src") });
	assert.equal(r.code, 0, `dpkg-buildpackage failed:\n${(r.stdout + r.stderr).slice(-4000)}`);
	const deb = readdirSync(dir).find((f) => /^ctalertd_.*_amd64\.deb$/.test(f));
	assert.ok(deb, `no ctalertd_*_amd64.deb in ${readdirSync(dir).join(" ")}`);
	assert.equal(deb, `ctalertd_${version ?? current}_amd64.deb`);
	return { deb: join(dir, deb), changes: join(dir, deb.replace(/\.deb$/, ".changes")), version: version ?? current };
}

before(async () => {
	if (skip) return;
	aws = await startLocalAws();
	tmp = mkdtempSync(join(tmpdir(), "ctalertd-package-"));
});
after(async () => {
	await removeAll();
	if (aws) await aws.stop();
	if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test("the Debian package: build, lintian, install, configure, alert, reload, upgrade, remove, purge",
	{ skip, timeout: 1500000 }, async (t) => {
	let broken = false;
	const step = (title, fn) => t.test(title, { skip: broken && "an earlier step failed" }, async () => {
		try {
			await fn();
		} catch (e) {
			broken = true;
			if (booted) {
				const j = await exec(["journalctl", "--no-pager", "-n", "40", "-u", "ctalertd"], { timeoutMs: 30000 });
				e.message += `\nthe journal:\n${j.stdout}`;
			}
			throw e;
		}
	});
	let current, previous;
	let booted = false;

	await step("dpkg-buildpackage builds it, and lintian finds nothing to say", async () => {
		current = await buildPackage(join(tmp, "current"));
		previous = await buildPackage(join(tmp, "previous"), `${current.version}~previous1`);
		// Every error, warning and (pedantic) remark; the one overridden info
		// tag is listed with its reason in debian/ctalertd.lintian-overrides.
		const lint = await run("lintian", ["--pedantic", "--display-info", "--fail-on", "error,warning,info,pedantic",
			current.changes], { timeoutMs: 300000 });
		const tags = lint.stdout.split("\n").filter((l) => /^[EWIPX]: /.test(l));
		console.log(`# lintian: ${tags.length ? tags.join("; ") : "no tags"}`);
		assert.equal(lint.code, 0, `lintian:\n${lint.stdout}${lint.stderr}`);
		assert.deepEqual(tags, []);
		const contents = (await must("dpkg-deb", ["-c", current.deb])).stdout;
		for (const path of ["./usr/bin/ctalertd", "./etc/ctalertd/ctalertd.conf", "./etc/ctalertd/rules.d/sns-create-topic.json",
			"./lib/systemd/system/ctalertd.service", "./lib/systemd/system/ctalertd.service.d/debian.conf",
			"./usr/share/man/man8/ctalertd.8.gz", "./usr/share/man/man5/ctalertd.conf.5.gz"])
			assert.ok(contents.split("\n").some((l) => l.endsWith(` ${path}`)), `${path} not in the package:\n${contents}`);
	});

	await step("apt-get install ./ctalertd_*.deb into a bare Debian 12 with systemd", async () => {
		const img = await image("package-image");
		const boot = await podman([...podmanRunArgs(), "-d", "--rm", "--name", name, "--systemd=always",
			"--timeout", "1500", "-v", `${tmp}:/pkg:ro`, img], { timeoutMs: 120000 });
		assert.equal(boot.code, 0, boot.stderr);
		track(name);
		booted = true;
		await until(async () => /^(running|degraded)$/.test((await systemctl("is-system-running")).stdout.trim()),
			"systemd to boot", 60000, 250);
		assert.notEqual((await sh("dpkg-query -W libcurl4 libyajl2")).code, 0, "the image already has ctalertd's libraries");
		let r = await apt("update");
		assert.equal(r.code, 0, r.stdout + r.stderr);
		r = await apt("install", "--no-install-recommends", `/pkg/previous/${previous.deb.split("/").pop()}`);
		assert.equal(r.code, 0, r.stdout + r.stderr);
		assert.equal((await mustSh("dpkg-query -W -f '${Version} ${db:Status-Abbrev}' ctalertd")).trim(), `${previous.version} ii`);
	});

	await step("installed: user, state directory, conffiles; enabled, but skipped until configured", async () => {
		const user = (await mustSh("getent passwd ctalertd")).trim().split(":");
		assert.ok(Number(user[2]) < 1000, `not a system user: ${user.join(":")}`);
		assert.equal(user[6], "/usr/sbin/nologin");
		assert.equal((await mustSh("stat -c '%U:%G %a' /var/lib/ctalertd")).trim(), "ctalertd:ctalertd 750");
		const conffiles = await mustSh("dpkg-query -W -f '${Conffiles}' ctalertd");
		for (const f of ["/etc/ctalertd/ctalertd.conf", "/etc/ctalertd/rules.d/sns-create-topic.json",
			"/etc/ctalertd/rules.d/cis-cloudwatch-14-vpc-changes.json"])
			assert.match(conffiles, new RegExp(`^ ${f} [0-9a-f]{32}$`, "m"), `${f} is not a conffile:\n${conffiles}`);
		// (The manual pages are checked in the package's contents above: the
		// image, like debian:bookworm-slim, tells dpkg to leave them out.)
		assert.equal((await systemctl("is-enabled", "ctalertd")).stdout.trim(), "enabled");
		// The package's start was made, and skipped by the unit's condition.
		await until(async () => (await journal()).some((e) => /not configured yet: queue_url is not set/.test(e.MESSAGE ?? "")),
			"the skipped start in the journal", 15000);
		assert.equal(await show("ActiveState"), "inactive");
		assert.notEqual(await show("Result"), "failed");
		const check = await exec(["ctalertd", "check", "--configured"]);
		assert.equal(check.code, 1, check.stdout + check.stderr);
	});

	// The AWS side, and the operator's configuration: the shipped file with
	// its three examples filled in, credentials and endpoints in a drop-in.
	const id = randomUUID().slice(0, 8);
	const bucket = `pk${id}-trail`;
	let queue, observer;
	const alertsOf = async (ruleName, n = 1) => {
		const got = await receiveAll(aws, observer.url, { expect: n, timeoutMs: 30000 });
		return got.map((m) => JSON.parse(m.Body)).filter((a) => (a.rule?.name ?? a.rule) === ruleName);
	};

	await step("configured and started: active after READY, an alert arrives", async () => {
		await createBucket(aws, bucket);
		queue = await createQueue(aws, `pk${id}-events`);
		const topic = await createTopic(aws, `pk${id}-alerts`);
		observer = await createObserverQueue(aws, topic, `pk${id}-observer`, { raw: true });
		await mustSh([
			`sed -i -E -e 's|^# e\\.g\\. queue_url = .*|queue_url = "${queue.url}";|'`,
			`-e 's|^([[:space:]]*)# e\\.g\\. buckets = .*|\\1buckets = ["${bucket}"];|'`,
			`-e 's|^([[:space:]]*)# e\\.g\\. topic_arn = .*|\\1topic_arn = "${topic}";|'`,
			`-e 's|^([[:space:]]*)#s3_path_style = false;|\\1s3_path_style = true;|'`,
			"-e 's|^([[:space:]]*)#wait_time_seconds = 20;|\\1wait_time_seconds = 1;|'",
			"/etc/ctalertd/ctalertd.conf"].join(" "));
		const dropin = "[Service]\n" + Object.entries(aws.env()).map(([k, v]) => `Environment="${k}=${v}"`).join("\n") + "\n";
		writeFileSync(join(tmp, "local-aws.conf"), dropin);
		await mustSh("mkdir -p /etc/systemd/system/ctalertd.service.d && " +
			"cp /pkg/local-aws.conf /etc/systemd/system/ctalertd.service.d/local-aws.conf && systemctl daemon-reload");
		const check = await exec(["ctalertd", "check", "--configured"]);
		assert.equal(check.code, 0, check.stdout + check.stderr);
		const started = await systemctl("start", "ctalertd");
		assert.equal(started.code, 0, started.stdout + started.stderr);
		assert.equal(await show("ActiveState"), "active");
		assert.equal(await show("User"), "ctalertd");
		assert.equal((await mustSh("stat -c %U /proc/$(systemctl show -p MainPID --value ctalertd)")).trim(), "ctalertd");
		const hit = createTopicRecord();
		await announce(aws, { bucket, queue }, [record(), hit, record()]);
		const alerts = await alertsOf("sns-create-topic");
		assert.equal(alerts.length, 1);
		assert.ok(JSON.stringify(alerts[0]).includes(hit.eventID));
	});

	const ruleStep = async (eventName) => {
		const hit = record({ eventSource: "sts.amazonaws.com", eventName });
		await announce(aws, { bucket, queue }, [record(), hit]);
		const alerts = await alertsOf("sts-caller-identity");
		assert.equal(alerts.length, 1, "the reloaded rule's alert");
		assert.ok(JSON.stringify(alerts[0]).includes(hit.eventID));
	};

	await step("systemctl reload applies a rule added to ctalertd.conf", async () => {
		const pid = await show("MainPID");
		await mustSh(`cat >>/etc/ctalertd/ctalertd.conf <<'EOF'
rules = ( { name = "sts-caller-identity"; severity = "low";
	pattern = { eventSource = ["sts.amazonaws.com"]; eventName = ["GetCallerIdentity"]; }; } );
EOF`);
		const r = await systemctl("reload", "ctalertd");
		assert.equal(r.code, 0, r.stdout + r.stderr);
		await until(async () => (await journal()).some((e) => /configuration reloaded: 16 rules/.test(e.MESSAGE ?? "")),
			"the reload in the journal", 15000);
		assert.equal(await show("MainPID"), pid, "reloaded, not restarted");
		await ruleStep("GetCallerIdentity");
	});

	let confSum;
	await step("upgrade from the previous build: configuration kept, restarted, still alerting", async () => {
		confSum = await mustSh("sha256sum /etc/ctalertd/ctalertd.conf");
		const pid = await show("MainPID");
		const r = await apt("install", "--no-install-recommends", `/pkg/current/${current.deb.split("/").pop()}`);
		assert.equal(r.code, 0, r.stdout + r.stderr);
		assert.match(r.stdout, new RegExp(`Unpacking ctalertd \\(${current.version.replace(/\./g, "\\.")}\\) over \\(${previous.version.replace(/[.~]/g, "\\$&")}\\)`));
		assert.equal((await mustSh("dpkg-query -W -f '${Version}' ctalertd")).trim(), current.version);
		assert.equal(await mustSh("sha256sum /etc/ctalertd/ctalertd.conf"), confSum, "the operator's configuration changed");
		await mustSh("test ! -e /etc/ctalertd/ctalertd.conf.dpkg-new && test ! -e /etc/ctalertd/ctalertd.conf.dpkg-dist");
		await until(async () => (await show("ActiveState")) === "active", "the service to be active again", 30000);
		assert.notEqual(await show("MainPID"), pid, "not restarted on upgrade");
		await ruleStep("GetCallerIdentity");
	});

	await step("apt-get remove: stopped, program gone, configuration kept", async () => {
		const r = await apt("remove", "ctalertd");
		assert.equal(r.code, 0, r.stdout + r.stderr);
		assert.equal((await mustSh("dpkg-query -W -f '${db:Status-Abbrev}' ctalertd")).trim(), "rc");
		assert.equal(await show("ActiveState"), "inactive");
		await mustSh("test ! -e /usr/bin/ctalertd && test ! -e /lib/systemd/system/ctalertd.service");
		assert.equal(await mustSh("sha256sum /etc/ctalertd/ctalertd.conf"), confSum);
		await mustSh("test -f /etc/ctalertd/rules.d/sns-create-topic.json && test -d /var/lib/ctalertd");
	});

	await step("apt-get purge: nothing of the package is left", async () => {
		// Everything named ctalertd, except the operator's own drop-in and the
		// test image's dpkg settings.
		const named = async () => (await mustSh("find / -xdev \\( -path /proc -o -path /sys -o -path /dev -o -path /run " +
			"-o -path /pkg \\) -prune -o -name '*ctalertd*' -print")).split("\n").filter(Boolean)
			.filter((p) => !p.startsWith("/etc/systemd/system/ctalertd.service.d") && p !== "/etc/dpkg/dpkg.cfg.d/ctalertd-slim")
			.sort();
		const before = await named();
		for (const p of ["/etc/ctalertd", "/var/lib/ctalertd", "/var/lib/dpkg/info/ctalertd.postrm"])
			assert.ok(before.includes(p), `${p} not there before the purge:\n${before.join("\n")}`);
		const r = await apt("purge", "ctalertd");
		assert.equal(r.code, 0, r.stdout + r.stderr);
		assert.notEqual((await sh("dpkg-query -W -f '${db:Status-Abbrev}' ctalertd")).stdout.trim(), "rc");
		const left = await named();
		assert.deepEqual(left, [], `left after purge:\n${left.join("\n")}`);
		// The system user stays, as Debian packages leave theirs (see
		// debian/ctalertd.postrm), owning nothing of the package any more.
		await mustSh("getent passwd ctalertd");
	});
});
