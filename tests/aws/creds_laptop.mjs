// Credentials for people at a laptop: credential_process and IAM Identity
// Center (SSO) profiles, through creds_probe (one provider, or the cached
// default chain the daemon uses) against real helper programs and the local
// SSO portal of tests/harness/sso.mjs. Where botocore (AWS's own Python SDK,
// the AWS CLI's core) is installed, botocore_oracle.py resolves the same
// profiles against the same stand-ins and must agree.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startLocalAws } from "../harness/local-aws.mjs";
import { runProgram } from "../harness/lib.mjs";
import { CTALERTD, makeWorld } from "../daemon/world.mjs";
import { TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY } from "../harness/credentials.mjs";
import { ssoCacheEntry } from "../harness/sso.mjs";
import { Probe, assertError, assertNoSecretsIn, outputs, withProbe } from "./creds_probe.mjs";

const srcdir = process.env.top_srcdir ?? ".";
const ORACLE = join(srcdir, "tests/aws/botocore_oracle.py");
const ROLE = "arn:aws:iam::000000000000:role/ctalertd-reader";

let aws;
let dir;
let helper;
const secrets = new Set([TEST_SECRET_ACCESS_KEY]);

// The credential_process helper: `helper MODE [TTL]`. Each run counts itself
// in DIR/runs. ok: new keys per run, expiring TTL s from now (none: no
// Expiration); fixed: the same keys every time; harness: the local AWS's test
// key; fail: a message on stderr and status 4; badjson; expired; hang: it and
// a child of its own ignore SIGTERM and sleep, after writing their PIDs;
// detach: closes its output and sleeps.
const HELPER = `#!/bin/sh
dir=$(dirname "$0")
n=$(( $(cat "$dir/runs" 2>/dev/null || echo 0) + 1 ))
echo $n > "$dir/runs"
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
case "$1" in
ok)
	exp=""
	[ -n "$2" ] && exp=", \\"Expiration\\": \\"$(iso $(( $(date +%s) + $2 )))\\""
	printf '{"Version": 1, "AccessKeyId": "ASIAPROC%08d", "SecretAccessKey": "proc-secret-%d-value", "SessionToken": "proc-token-%d-value"%s}\\n' $n $n $n "$exp" ;;
fixed)
	printf '{"Version": 1, "AccessKeyId": "AKIAFIXEDPROC", "SecretAccessKey": "fixed-proc-secret", "SessionToken": "fixed-proc-token", "Expiration": "2099-01-02T03:04:05Z"}' ;;
harness)
	printf '{"Version": 1, "AccessKeyId": "${TEST_ACCESS_KEY_ID}", "SecretAccessKey": "${TEST_SECRET_ACCESS_KEY}"}' ;;
fail)
	echo "helper: no session for corp; run corp-login first" >&2
	exit 4 ;;
badjson)
	printf '{"Version": 1, "AccessKeyId": "ASIAX", "SecretAccessKey": "cut-short-secret' ;;
expired)
	printf '{"Version": 1, "AccessKeyId": "ASIAX", "SecretAccessKey": "expired-secret-x", "Expiration": "%s"}' "$(iso $(( $(date +%s) - 60 )))" ;;
detach)
	exec >&- 2>&-
	echo $$ > "$dir/detach.pid"
	exec sleep 300 ;;
hang)
	trap '' TERM
	echo $$ > "$dir/hang.pid"
	sh -c 'trap "" TERM; echo $$ > "$1/hang-child.pid"; sleep 300' sh "$dir" &
	wait ;;
esac
`;

before(async () => {
	aws = await startLocalAws();
	dir = mkdtempSync(join(tmpdir(), "ctalertd-creds-laptop-"));
	helper = join(dir, "helper with blank");
	writeFileSync(helper, HELPER);
	chmodSync(helper, 0o755);
	for (const s of ["fixed-proc-secret", "fixed-proc-token", "cut-short-secret", "expired-secret-x"])
		secrets.add(s);
});

after(async () => {
	assertNoSecretsIn([...secrets, ...standinSecrets()]);
	await aws?.stop();
	if (dir)
		rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
	aws.reset();
	writeFileSync(join(dir, "runs"), "0");
	rmSync(join(dir, ".aws"), { recursive: true, force: true });
});

function standinSecrets() {
	return aws.credentialStore.list().flatMap((c) => [c.secretAccessKey, c.sessionToken]).filter((x) => x && x.length >= 8);
}

const runs = () => Number(readFileSync(join(dir, "runs"), "utf8"));

function file(name, text) {
	const path = join(dir, name);
	writeFileSync(path, text);
	return path;
}

/** The command line of the helper in MODE (its path has a blank: quoted). */
const cmd = (...args) => `"${helper}" ${args.join(" ")}`;

function env(extra = {}) {
	return {
		PATH: process.env.PATH,
		HOME: dir,
		AWS_CONFIG_FILE: join(dir, "no-config"),
		AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-credentials"),
		AWS_REGION: aws.region,
		AWS_ENDPOINT_URL_STS: aws.stsEndpoint,
		AWS_EC2_METADATA_DISABLED: "true",
		...extra,
	};
}

function processProfile(name, command) {
	return file(`config-${name}`, `[profile ${name}]\ncredential_process = ${command}\n`);
}

/** botocore's answer for the environment, or null when botocore is missing. */
function oracle(mode, environment, input) {
	return new Promise((resolve, reject) => {
		const child = execFile("python3", [ORACLE, mode], { env: environment, timeout: 30000 }, (err, stdout, stderr) => {
			if (err && err.code === 77)
				return resolve(null);
			if (err)
				return reject(new Error(`botocore oracle failed: ${err.message} ${stderr}`));
			resolve(stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)));
		});
		child.stdin.end(input ?? "");
	});
}

/** Whether pid is gone (or a zombie) within ms. */
async function goneWithin(pid, ms) {
	for (const end = Date.now() + ms; alive(pid) && Date.now() < end;)
		await new Promise((r) => setTimeout(r, 50));
	return !alive(pid);
}

function alive(pid) {
	try {
		process.kill(pid, 0);
	} catch {
		return false;
	}
	try { // a zombie waiting for its parent is dead too
		return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
	} catch {
		return false;
	}
}

describe("credential_process", () => {
	test("the helper's keys, token and expiry; its path has a blank in it", async () => {
		const e = env({ AWS_PROFILE: "dev", AWS_CONFIG_FILE: processProfile("dev", cmd("ok", "3600")) });
		await withProbe("profile", e, async (p) => {
			const r = await p.get();
			assert.equal(r.ok, true, r.message);
			assert.equal(r.akid, "ASIAPROC00000001");
			assert.equal(r.secret, "proc-secret-1-value");
			assert.equal(r.token, "proc-token-1-value");
			assert.equal(r.source, "process");
			const left = r.expiration - Math.floor(Date.now() / 1000);
			assert.ok(left > 3590 && left <= 3600, `expires in ${left} s`);
		});
		secrets.add("proc-secret-1-value").add("proc-token-1-value");
		assert.equal(runs(), 1);
	});

	test("non-zero exit: profile, command, status and the helper's stderr", async () => {
		const e = env({ AWS_PROFILE: "corp", AWS_CONFIG_FILE: processProfile("corp", cmd("fail")) });
		await withProbe("default", e, async (p) => {
			assertError(await p.get(), "CredentialsError", `profile corp: credential_process ${cmd("fail")}: exited with status 4: helper: no session for corp; run corp-login first`);
		});
	});

	test("bad JSON and expired credentials are refused without quoting the output", async () => {
		await withProbe("profile", env({ AWS_PROFILE: "b", AWS_CONFIG_FILE: processProfile("b", cmd("badjson")) }), async (p) => {
			assertError(await p.get(), "CredentialsError", "printed something that is not JSON");
		});
		await withProbe("profile", env({ AWS_PROFILE: "x", AWS_CONFIG_FILE: processProfile("x", cmd("expired")) }), async (p) => {
			assertError(await p.get(), "CredentialsError", "printed credentials that expired at");
		});
	});

	test("a helper that hangs and ignores SIGTERM is killed with its children at the timeout", async () => {
		const e = env({ AWS_PROFILE: "h", AWS_CONFIG_FILE: processProfile("h", cmd("hang")) });
		const started = Date.now();
		await withProbe("profile", e, async (p) => {
			assertError(await p.get(), "CredentialsError", "gave no answer within 1500 ms; killed");
		}, ["--process-timeout", "1500"]);
		const took = Date.now() - started;
		assert.ok(took >= 1500 && took < 10000, `took ${took} ms`);
		const pids = ["hang.pid", "hang-child.pid"].map((f) => Number(readFileSync(join(dir, f), "utf8")));
		// SIGKILL was sent; on a busy machine dying takes a moment to be seen.
		for (const pid of pids)
			assert.equal(await goneWithin(pid, 3000), true, `process ${pid} is still running`);
	});

	test("a helper that closes its output and goes on running is killed at the timeout too", async () => {
		const e = env({ AWS_PROFILE: "d", AWS_CONFIG_FILE: processProfile("d", cmd("detach")) });
		const started = Date.now();
		await withProbe("profile", e, async (p) => {
			assertError(await p.get(), "CredentialsError", "gave no answer within 1000 ms; killed");
		}, ["--process-timeout", "1000"]);
		const took = Date.now() - started;
		assert.ok(took >= 1000 && took < 10000, `took ${took} ms`);
		assert.equal(await goneWithin(Number(readFileSync(join(dir, "detach.pid"), "utf8")), 3000), true);
	});

	test("cached by the default chain and run again before the credentials expire", async () => {
		// Keys that live 4 s: the cache refreshes at half their remaining life.
		const e = env({ AWS_PROFILE: "dev", AWS_CONFIG_FILE: processProfile("dev", cmd("ok", "4")) });
		await withProbe("default", e, async (p) => {
			const first = await p.get();
			assert.equal(first.ok, true, first.message);
			assert.equal((await p.get()).akid, first.akid);
			assert.equal(runs(), 1);
			await new Promise((resolve) => setTimeout(resolve, 2500));
			const second = await p.get();
			assert.equal(second.ok, true, second.message);
			assert.notEqual(second.akid, first.akid);
			assert.ok(Date.now() / 1000 < first.expiration, "refreshed only after the old keys expired");
			assert.equal(runs(), 2);
			for (const r of [first, second])
				secrets.add(r.secret).add(r.token);
		});
	});

	test("as source_profile: AssumeRole signed with the keys the helper printed", async () => {
		aws.sts.configure({ roleArn: ROLE });
		const config = file("config-src", `[profile app]\nrole_arn = ${ROLE}\nsource_profile = helper\n[profile helper]\ncredential_process = ${cmd("harness")}\n`);
		await withProbe("profile", env({ AWS_PROFILE: "app", AWS_CONFIG_FILE: config }), async (p) => {
			const r = await p.get();
			assert.equal(r.ok, true, r.message);
			assert.equal(r.akid, aws.sts.issued.at(-1).accessKeyId);
		});
		const calls = aws.requestLog.match({ service: "sts", operation: "AssumeRole" });
		assert.equal(calls.length, 1);
		assert.equal(calls[0].accessKeyId, TEST_ACCESS_KEY_ID);
		assert.equal(runs(), 1);
	});

	test("botocore gets the same credentials from the same profile", async (t) => {
		const e = env({ AWS_PROFILE: "fx", AWS_CONFIG_FILE: processProfile("fx", cmd("fixed")) });
		const want = await oracle("creds", e);
		if (want === null)
			return t.skip("botocore is not installed");
		assert.equal(want[0].ok, true, want[0].error);
		await withProbe("profile", e, async (p) => {
			const r = await p.get();
			assert.deepEqual([r.akid, r.secret, r.token, r.expiration], [want[0].akid, want[0].secret, want[0].token, want[0].expiration]);
		});
		for (const mode of ["fail", "badjson"]) {
			const bad = env({ AWS_PROFILE: "fx", AWS_CONFIG_FILE: processProfile("fx", cmd(mode)) });
			const [b] = await oracle("creds", bad);
			assert.equal(b.ok, false, `botocore accepted ${mode}`);
			await withProbe("profile", bad, async (p) => assert.equal((await p.get()).ok, false));
		}
	});

	test("command lines split into the words botocore (shlex) makes of them", async (t) => {
		const lines = [
			"/opt/bin/creds --user helen",
			"\"/opt/my tools/creds\" --name \"a b\" plain",
			"'single $HOME' \"double \\\"q\\\" \\\\ \\$x\" back\\ slash",
			"a'b'\"c\"d   e\t\tf",
			"''  \"\" x",
			"trailing\\\\",
			"x \"y\\z\" 'w\\v'",
			"#notacomment ~/x *.json $VAR",
			"unclosed \"quote",
			"unclosed 'quote",
			"ends with \\",
			"   ",
		];
		const want = await oracle("split", env(), lines.join("\n") + "\n");
		if (want === null)
			return t.skip("botocore is not installed");
		const p = new Probe("env", env());
		try {
			for (const [i, line] of lines.entries()) {
				const got = await p.ask(`split ${line}`);
				if (want[i].ok && want[i].words.length > 0)
					assert.deepEqual(got.words, want[i].words, `line ${JSON.stringify(line)}: ${got.why ?? ""}`);
				else
					assert.equal(got.ok, false, `line ${JSON.stringify(line)} split into ${JSON.stringify(got.words)}; botocore: ${want[i].error ?? "no words"}`);
			}
		} finally {
			await p.close();
		}
	});
});

const ACCOUNT = "111122223333";
const START_URL = "https://corp.awsapps.com/start";
const TOKEN = "aoaAAAAAGVsc2ItdGVzdC1hY2Nlc3MtdG9rZW4tMQ";

/** Writes the token `aws sso login` would leave for key (session or start URL). */
function cacheToken(key, entry) {
	const cache = join(dir, ".aws", "sso", "cache");
	mkdirSync(cache, { recursive: true });
	const path = join(cache, createHash("sha1").update(key).digest("hex") + ".json");
	writeFileSync(path, JSON.stringify(entry));
	secrets.add(entry.accessToken);
	return path;
}

/** The text of a config file with an SSO profile "dev" of the given form. */
function ssoConfigText(form, extra = "") {
	const role = `sso_account_id = ${ACCOUNT}\nsso_role_name = ReadOnly\n`;
	if (form === "session")
		return `[profile dev]\nsso_session = corp\n${role}${extra}[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = eu-west-1\n`;
	return `[profile dev]\nsso_start_url = ${START_URL}\nsso_region = eu-west-1\n${role}${extra}`;
}

const ssoConfig = (form, extra) => file("config-sso", ssoConfigText(form, extra));

function ssoEnv(form, extra = {}) {
	return env({ AWS_PROFILE: "dev", AWS_CONFIG_FILE: ssoConfig(form), AWS_ENDPOINT_URL_SSO: aws.sso.url, ...extra });
}

function login(form, expiresInSeconds = 3600, accessToken = TOKEN) {
	aws.sso.configure({ accessTokens: [TOKEN] });
	return cacheToken(form === "session" ? "corp" : START_URL, ssoCacheEntry({ accessToken, expiresInSeconds, startUrl: START_URL, region: "eu-west-1" }));
}

function assertSsoCreds(r) {
	assert.equal(r.ok, true, `expected credentials, got ${r.code}: ${r.message}`);
	const c = aws.sso.credentialsFor(ACCOUNT, "ReadOnly");
	assert.deepEqual([r.akid, r.secret, r.token, r.expiration, r.source], [c.accessKeyId, c.secretAccessKey, c.sessionToken, Math.floor(c.expiresAt / 1000), "sso"]);
}

describe("sso", () => {
	for (const form of ["session", "legacy"]) {
		test(`${form} form: the cached token buys the role's credentials`, async () => {
			login(form);
			await withProbe("default", ssoEnv(form), async (p) => {
				assertSsoCreds(await p.get());
				assertSsoCreds(await p.get()); // cached: the portal is asked once
			});
			assert.equal(aws.sso.counters.credentials, 1);
			const [req] = aws.sso.requests;
			assert.deepEqual([req.accountId, req.roleName, req.token], [ACCOUNT, "ReadOnly", TOKEN]);
			assert.equal(req.headers.authorization, undefined, "GetRoleCredentials is unsigned");
		});

		test(`${form} form: botocore gets the same credentials from the same cache and portal`, async (t) => {
			login(form);
			const e = ssoEnv(form);
			const want = await oracle("creds", e);
			if (want === null)
				return t.skip("botocore is not installed");
			assert.equal(want[0].ok, true, want[0].error);
			await withProbe("profile", e, async (p) => {
				const r = await p.get();
				assertSsoCreds(r);
				assert.deepEqual([r.akid, r.secret, r.token, r.expiration], [want[0].akid, want[0].secret, want[0].token, want[0].expiration]);
			});
			assert.equal(aws.sso.counters.credentials, 2);
		});
	}

	test("an expired token is refused before the portal is asked, as botocore refuses it", async () => {
		login("session", -60);
		const e = ssoEnv("session");
		await withProbe("profile", e, async (p) => {
			assertError(await p.get(), "CredentialsError", "profile dev: the SSO token for corp expired at");
		});
		await withProbe("profile", e, async (p) => {
			assertError(await p.get(), "CredentialsError", "; run aws sso login --profile dev");
		});
		assert.equal(aws.sso.requests.length, 0);
		const want = await oracle("creds", e);
		if (want !== null)
			assert.equal(want[0].ok, false, "botocore accepted an expired token");
	});

	test("SSO settings win over static keys in the same profile, as in botocore", async (t) => {
		login("session");
		const e = ssoEnv("session", { AWS_SHARED_CREDENTIALS_FILE: file("creds-static", "[dev]\naws_access_key_id = AKIASTATICDEV\naws_secret_access_key = static-dev-secret\n") });
		secrets.add("static-dev-secret");
		await withProbe("profile", e, async (p) => assertSsoCreds(await p.get()));
		const want = await oracle("creds", e);
		if (want === null)
			return t.skip("botocore is not installed");
		assert.equal(want[0].akid, aws.sso.credentialsFor(ACCOUNT, "ReadOnly").accessKeyId, `botocore chose ${want[0].akid ?? want[0].error}`);
	});

	test("no token cached: log in first", async () => {
		await withProbe("profile", ssoEnv("legacy"), async (p) => {
			assertError(await p.get(), "CredentialsError", `no SSO token for start URL ${START_URL}`);
		});
	});

	test("a token the portal does not know (401): UnauthorizedException and aws sso login", async () => {
		login("session", 3600, "aoaAAAAAGVsc2ItdGVzdC1yZXZva2VkLXRva2Vu");
		await withProbe("default", ssoEnv("session"), async (p) => {
			const r = await p.get();
			assertError(r, "UnauthorizedException", "profile dev: SSO role ReadOnly in account 111122223333:");
			assert.ok(r.message.endsWith("; run aws sso login --profile dev"), r.message);
			assert.equal(r.status, 401);
		});
		assert.equal(aws.sso.counters.unauthorized, 1, "a 401 is not retried");
	});

	test("a role the user may not use (403)", async () => {
		login("session");
		aws.sso.configure({ roles: [`${ACCOUNT}/Admin`] });
		await withProbe("profile", ssoEnv("session"), async (p) => {
			const r = await p.get();
			assertError(r, "ForbiddenException", "SSO role ReadOnly in account 111122223333");
			assert.equal(r.status, 403);
		});
	});

	test("500s and throttling are retried by the retry policy; too many fail with the status", async () => {
		login("session");
		aws.sso.inject({ status: 500 });
		aws.sso.inject({ status: 429 });
		await withProbe("profile", ssoEnv("session"), async (p) => assertSsoCreds(await p.get()));
		assert.equal(aws.sso.counters.injected, 2);
		assert.equal(aws.sso.requests.length, 3);
		aws.sso.inject({ status: 500, count: 3 });
		await withProbe("profile", ssoEnv("session"), async (p) => {
			const r = await p.get();
			assertError(r, "InternalServerException");
			assert.equal(r.status, 500);
		});
		assert.equal(aws.sso.requests.length, 6, "three attempts, the standard mode's default");
		aws.sso.inject({ status: 200, body: '{"roleCredentials": {"accessKeyId": "ASIAHALF"}}' });
		await withProbe("profile", ssoEnv("session"), async (p) => {
			assertError(await p.get(), "MalformedResponse", "answered without roleCredentials");
		});
	});

	test("the portal's endpoint from the config file: services section, then endpoint_url", async () => {
		login("session");
		const e = ssoEnv("session");
		delete e.AWS_ENDPOINT_URL_SSO;
		e.AWS_CONFIG_FILE = ssoConfig("session", `services = local\n[services local]\nsso =\n  endpoint_url = ${aws.sso.url}\n`);
		await withProbe("profile", e, async (p) => assertSsoCreds(await p.get()));
		e.AWS_CONFIG_FILE = ssoConfig("session", `endpoint_url = ${aws.sso.url}\n`);
		await withProbe("profile", e, async (p) => assertSsoCreds(await p.get()));
		assert.equal(aws.sso.counters.credentials, 2);
	});

	test("refreshed through the cache before the role credentials expire", async () => {
		login("session");
		aws.sso.configure({ credentialTtlSeconds: 4, rotateBeforeSeconds: 3 });
		await withProbe("default", ssoEnv("session"), async (p) => {
			const first = await p.get();
			assertSsoCreds(first);
			await new Promise((resolve) => setTimeout(resolve, 2500));
			const second = await p.get();
			assertSsoCreds(second);
			assert.notEqual(second.akid, first.akid);
			assert.ok(Date.now() / 1000 < first.expiration, "refreshed only after the old keys expired");
		});
		assert.equal(aws.sso.counters.credentials, 2);
	});

	test("as source_profile: AssumeRole signed with the SSO role's keys", async () => {
		login("session");
		aws.sts.configure({ roleArn: ROLE });
		const config = file("config-sso-source", `[profile app]\nrole_arn = ${ROLE}\nsource_profile = dev\n` + ssoConfigText("session"));
		await withProbe("profile", env({ AWS_PROFILE: "app", AWS_CONFIG_FILE: config, AWS_ENDPOINT_URL_SSO: aws.sso.url }), async (p) => {
			const r = await p.get();
			assert.equal(r.ok, true, r.message);
			assert.equal(r.akid, aws.sts.issued.at(-1).accessKeyId);
		});
		const [call] = aws.requestLog.match({ service: "sts", operation: "AssumeRole" });
		assert.equal(call.accessKeyId, aws.sso.credentialsFor(ACCOUNT, "ReadOnly").accessKeyId);
	});
});

describe("ctalertd check with a person's profile", () => {
	// The whole program: its credentials come from the profile, and every call
	// it makes is signed with them and verified by the front.
	async function checkWith(env, akid) {
		const world = await makeWorld(aws);
		const noKeys = { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"), HOME: dir };
		const run = await runProgram(aws, CTALERTD, ["check", "-c", world.conf], { timeoutMs: 30000, env: { ...noKeys, ...env } });
		assert.equal(run.code, 0, run.stdout + run.stderr);
		outputs.push({ what: "ctalertd check output", text: run.stdout + run.stderr });
		const calls = aws.requestLog.match({ operation: ["GetCallerIdentity", "GetQueueAttributes", "GetTopicAttributes", "HeadBucket"] });
		assert.equal(calls.length, 4, JSON.stringify(calls.map((c) => c.operation)));
		for (const c of calls)
			assert.deepEqual([c.operation, c.accessKeyId, c.status], [c.operation, akid(), 200]);
	}

	test("an SSO profile", async () => {
		login("session");
		await checkWith({ AWS_PROFILE: "dev", AWS_CONFIG_FILE: ssoConfig("session"), AWS_ENDPOINT_URL_SSO: aws.sso.url },
			() => aws.sso.credentialsFor(ACCOUNT, "ReadOnly").accessKeyId);
	});

	test("a credential_process profile", async () => {
		aws.addCredentials({ accessKeyId: "AKIAFIXEDPROC", secretAccessKey: "fixed-proc-secret", sessionToken: "fixed-proc-token", expiration: "2099-01-02T03:04:05Z" });
		await checkWith({ AWS_PROFILE: "fx", AWS_CONFIG_FILE: processProfile("fx", cmd("fixed")) }, () => "AKIAFIXEDPROC");
		assert.equal(runs(), 1, "the helper ran once for all four calls");
	});
});
