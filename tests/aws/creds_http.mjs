// The HTTP-backed credentials providers (IMDS, the container endpoint, STS
// AssumeRole and AssumeRoleWithWebIdentity, the default chain) against the
// local stand-ins of tests/harness. Each test drives creds_probe, a small C
// program that asks one provider for credentials whenever it reads "get".
// Every error message and every log line the probe produced is checked for
// the secrets handed out (secret keys, session tokens, authorization and web
// identity tokens).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startLocalAws } from "../harness/local-aws.mjs";
import { TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY } from "../harness/credentials.mjs";
import { assertError, assertNoSecretsIn, withProbe } from "./creds_probe.mjs";

const ROLE = "arn:aws:iam::000000000000:role/ctalertd-reader";

let aws;
let dir;
const extraSecrets = new Set(); // tokens the tests made up

before(async () => {
	aws = await startLocalAws();
	dir = mkdtempSync(join(tmpdir(), "ctalertd-creds-http-"));
});

after(async () => {
	await aws?.stop();
	if (dir)
		rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
	aws.reset();
	aws.imds.configure({ credentialTtlSeconds: 21600, allowV1: false });
	aws.ecs.configure({ authToken: undefined, path: undefined });
	aws.sts.configure({ webIdentityToken: undefined, roleArn: undefined, credentialTtlSeconds: undefined });
});

/** Every secret the stand-ins or the tests have handed out so far. */
function allSecrets() {
	const s = new Set(extraSecrets);
	for (const c of aws.credentialStore.list()) {
		s.add(c.secretAccessKey);
		if (c.sessionToken)
			s.add(c.sessionToken);
	}
	return [...s].filter((x) => x && x.length >= 8);
}

function assertNoSecrets() {
	assertNoSecretsIn(allSecrets());
}

/** The environment of a probe: nothing from this process's AWS settings. */
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

function file(name, text) {
	const path = join(dir, name);
	writeFileSync(path, text);
	return path;
}

function assertCreds(r, stored, source) {
	assert.equal(r.ok, true, `expected credentials, got ${r.code}: ${r.message}`);
	assert.equal(r.akid, stored.accessKeyId);
	assert.equal(r.secret, stored.secretAccessKey);
	assert.equal(r.token, stored.sessionToken);
	assert.equal(r.expiration, Math.floor(stored.expiresAt / 1000));
	if (source)
		assert.equal(r.source, source);
}

const nowS = () => Math.floor(Date.now() / 1000);

describe("imds", () => {
	const imdsEnv = (extra = {}) => env({ AWS_EC2_METADATA_DISABLED: "false", AWS_EC2_METADATA_SERVICE_ENDPOINT: aws.imds.url, ...extra });

	test("IMDSv2: token, role, credentials; the token is reused", async () => {
		await withProbe("imds", imdsEnv(), async (p) => {
			const r1 = await p.get();
			assertCreds(r1, aws.imds.current, "imds");
			const r2 = await p.get();
			assertCreds(r2, aws.imds.current, "imds");
		});
		const n = aws.counters().imds;
		assert.equal(n.token, 1);
		assert.equal(n.roleList, 2);
		assert.equal(n.credentials, 2);
		const [expiry] = [...aws.imds.tokens.values()];
		const ttl = (expiry - Date.now()) / 1000;
		assert.ok(ttl > 21500 && ttl <= 21600, `token TTL ${ttl}`);
	});

	test("a token the service no longer knows (401) is replaced once", async () => {
		await withProbe("imds", imdsEnv(), async (p) => {
			assert.equal((await p.get()).ok, true);
			aws.imds.tokens.clear();
			assertCreds(await p.get(), aws.imds.current, "imds");
		});
		assert.equal(aws.counters().imds.token, 2);
		assert.equal(aws.counters().imds.unauthorized, 1);
	});

	test("500s from the credentials path: an error without secrets", async () => {
		aws.imds.inject({ on: "credentials", status: 500, count: 5 });
		await withProbe("imds", imdsEnv(), async (p) => {
			assertError(await p.get(), "CredentialsError", "HTTP 500");
		});
		assertNoSecrets();
	});

	test("404 on the role list: no role, so not found", async () => {
		aws.imds.inject({ on: "role-list", status: 404, body: "Not Found" });
		await withProbe("imds", imdsEnv(), async (p) => {
			assertError(await p.get(), "CredentialsNotFound", "no IAM role");
		});
	});

	test("bad JSON and Code other than Success are errors", async () => {
		aws.imds.inject({ on: "credentials", status: 200, body: '{"Code":"Success","AccessKeyId":"ASIAX","SecretAccessKey":"half' });
		aws.imds.inject({ on: "credentials", status: 200, body: JSON.stringify({ Code: "AssumeRoleUnauthorizedAccess", Message: "denied" }) });
		await withProbe("imds", imdsEnv(), async (p) => {
			assertError(await p.get(), "CredentialsError", "is not valid JSON");
			assertError(await p.get(), "CredentialsError", 'Code "AssumeRoleUnauthorizedAccess"');
		});
		assertNoSecrets();
	});

	test("static stability: expired credentials are used for 5 to 10 more minutes, with a warning", async () => {
		aws.imds.configure({ credentialTtlSeconds: -120 });
		const stderr = await withProbe("imds", imdsEnv(), async (p) => {
			const r = await p.get();
			assert.equal(r.ok, true, r.message);
			assert.equal(r.akid, aws.imds.current.accessKeyId);
			const left = r.expiration - nowS();
			assert.ok(left >= 295 && left <= 601, `extended by ${left} s`);
		});
		assert.match(stderr, /using expired instance credentials/);
		assertNoSecrets();
	});

	test("static stability: when IMDS fails, the last good credentials are served", async () => {
		const stderr = await withProbe("imds", imdsEnv(), async (p) => {
			const r1 = await p.get();
			assert.equal(r1.ok, true);
			aws.imds.inject({ on: "credentials", status: 500, count: 10 });
			const r2 = await p.get();
			assert.equal(r2.ok, true, r2.message);
			assert.equal(r2.akid, r1.akid);
			assert.equal(r2.expiration, r1.expiration);
		});
		assert.match(stderr, /refreshing the instance credentials failed/);
		assertNoSecrets();
	});

	test("no IMDSv1 fallback unless configured", async () => {
		aws.imds.configure({ allowV1: true });
		aws.imds.inject({ on: "token", status: 405, count: 2 });
		await withProbe("imds", imdsEnv(), async (p) => {
			assertError(await p.get(), "CredentialsError", "IMDSv1 fallback is off");
		});
		aws.imds.inject({ on: "token", status: 404, count: 2 });
		await withProbe("imds", imdsEnv(), async (p) => {
			assertCreds(await p.get(), aws.imds.current, "imds");
		}, ["--v1-fallback"]);
	});

	test("403 on the token: IMDS is disabled, not found", async () => {
		aws.imds.inject({ on: "token", status: 403 });
		await withProbe("imds", imdsEnv(), async (p) => {
			assertError(await p.get(), "CredentialsNotFound", "disabled");
		});
	});

	test("endpoint settings: disabled, unreachable, bad mode, config file", async () => {
		await withProbe("imds", imdsEnv({ AWS_EC2_METADATA_DISABLED: "true" }), async (p) => {
			assertError(await p.get(), "CredentialsNotFound", "AWS_EC2_METADATA_DISABLED");
		});
		await withProbe("imds", imdsEnv({ AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:9" }), async (p) => {
			assertError(await p.get(), "CredentialsNotFound", "no instance metadata service at http://127.0.0.1:9");
		});
		const noEndpoint = imdsEnv({ AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: "IPv7" });
		delete noEndpoint.AWS_EC2_METADATA_SERVICE_ENDPOINT;
		await withProbe("imds", noEndpoint, async (p) => {
			assertError(await p.get(), "CredentialsError", 'endpoint mode "IPv7"');
		});
		const v6 = imdsEnv({ AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: "IPv6" });
		delete v6.AWS_EC2_METADATA_SERVICE_ENDPOINT;
		await withProbe("imds", v6, async (p) => {
			assertError(await p.get(), "CredentialsNotFound", "no instance metadata service at http://[fd00:ec2::254]");
		});
		const fromFile = imdsEnv({ AWS_CONFIG_FILE: file("imds-config", `[default]\nec2_metadata_service_endpoint = ${aws.imds.url}/\n`) });
		delete fromFile.AWS_EC2_METADATA_SERVICE_ENDPOINT;
		await withProbe("imds", fromFile, async (p) => {
			assertCreds(await p.get(), aws.imds.current, "imds");
		});
	});
});

describe("container endpoint", () => {
	const full = () => aws.ecs.fullUri;

	test("FULL_URI with an authorization token", async () => {
		aws.ecs.configure({ authToken: "ecs-auth-token-value-1" });
		extraSecrets.add("ecs-auth-token-value-1");
		await withProbe("ecs", env({ AWS_CONTAINER_CREDENTIALS_FULL_URI: full(), AWS_CONTAINER_AUTHORIZATION_TOKEN: "ecs-auth-token-value-1" }), async (p) => {
			assertCreds(await p.get(), aws.ecs.current, "ecs");
		});
		await withProbe("ecs", env({ AWS_CONTAINER_CREDENTIALS_FULL_URI: full(), AWS_CONTAINER_AUTHORIZATION_TOKEN: "wrong-token-value-2" }), async (p) => {
			assertError(await p.get(), "InvalidAuthorizationToken");
		});
		extraSecrets.add("wrong-token-value-2");
		assertNoSecrets();
	});

	test("the token file wins over the variable and is read on every call", async () => {
		const tokenFile = file("ecs-token", "pod-identity-token-A\n");
		extraSecrets.add("pod-identity-token-A");
		extraSecrets.add("pod-identity-token-B");
		aws.ecs.configure({ authToken: "pod-identity-token-A" });
		await withProbe("ecs", env({
			AWS_CONTAINER_CREDENTIALS_FULL_URI: full(),
			AWS_CONTAINER_AUTHORIZATION_TOKEN: "not-this-one-value",
			AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
		}), async (p) => {
			assert.equal((await p.get()).ok, true);
			aws.ecs.configure({ authToken: "pod-identity-token-B" });
			assertError(await p.get(), "InvalidAuthorizationToken");
			file("ecs-token", "pod-identity-token-B\n");
			assert.equal((await p.get()).ok, true);
		});
		assertNoSecrets();
	});

	test("RELATIVE_URI is below 169.254.170.2 and wins over FULL_URI", async () => {
		aws.ecs.configure({ path: "/v2/credentials/task-1" });
		await withProbe("ecs", env({
			AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/task-1",
			AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://192.0.2.7/never",
		}), async (p) => {
			assertCreds(await p.get(), aws.ecs.current, "ecs");
		}, ["--ecs-base", aws.ecs.url]);
	});

	test("errors: 500, bad JSON, disallowed hosts", async () => {
		aws.ecs.inject({ status: 500, count: 5 });
		await withProbe("ecs", env({ AWS_CONTAINER_CREDENTIALS_FULL_URI: full() }), async (p) => {
			const r = await p.get();
			assert.equal(r.ok, false);
			assert.equal(r.status, 500);
		});
		aws.ecs.inject({ status: 200, body: "<html>oops</html>" });
		await withProbe("ecs", env({ AWS_CONTAINER_CREDENTIALS_FULL_URI: full() }), async (p) => {
			assertError(await p.get(), "CredentialsError", "is not valid JSON");
		});
		for (const url of ["http://192.0.2.7/creds", "ftp://127.0.0.1/creds", "http://[2001:db8::1]:80/c"]) {
			await withProbe("ecs", env({ AWS_CONTAINER_CREDENTIALS_FULL_URI: url }), async (p) => {
				assertError(await p.get(), "CredentialsError", "AWS_CONTAINER_CREDENTIALS_FULL_URI");
			});
		}
		// localhost resolves to loopback only: allowed (and the stand-in answers there).
		await withProbe("ecs", env({ AWS_CONTAINER_CREDENTIALS_FULL_URI: full().replace("127.0.0.1", "localhost") }), async (p) => {
			const r = await p.get();
			assert.notEqual(r.code, "CredentialsError", r.message);
		});
	});
});

describe("sts", () => {
	test("web identity from the environment; the token is re-read and never printed", async () => {
		const token = "eyJhbGciOiJSUzI1NiJ9.web-identity-token-1";
		extraSecrets.add(token);
		aws.sts.configure({ webIdentityToken: token, roleArn: ROLE });
		const tokenFile = file("wi-token", token + "\n");
		await withProbe("web-identity", env({ AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: ROLE, AWS_ROLE_SESSION_NAME: "ctalertd-test" }), async (p) => {
			const r = await p.get();
			assertCreds(r, aws.sts.issued.at(-1));
			file("wi-token", "eyJhbGciOiJSUzI1NiJ9.rotated-but-unknown\n");
			extraSecrets.add("eyJhbGciOiJSUzI1NiJ9.rotated-but-unknown");
			assertError(await p.get(), "InvalidIdentityToken");
		});
		assert.equal(aws.counters().sts.AssumeRoleWithWebIdentity, 2);
		assertNoSecrets();
	});

	test("profile role_arn + source_profile: AssumeRole signed with the source's keys", async () => {
		aws.sts.configure({ roleArn: ROLE });
		const creds = file("p-creds", `[base]\naws_access_key_id = ${TEST_ACCESS_KEY_ID}\naws_secret_access_key = ${TEST_SECRET_ACCESS_KEY}\n`);
		const config = file("p-config", `[profile app]\nrole_arn = ${ROLE}\nsource_profile = base\nrole_session_name = app-session\nexternal_id = ext-123\nduration_seconds = 1800\n`);
		await withProbe("profile", env({ AWS_PROFILE: "app", AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: creds }), async (p) => {
			const r = await p.get();
			assertCreds(r, aws.sts.issued.at(-1));
			const left = r.expiration - nowS();
			assert.ok(left > 1700 && left <= 1800, `DurationSeconds not passed: ${left}`);
		});
		const calls = aws.requestLog.match({ service: "sts", operation: "AssumeRole" });
		assert.equal(calls.length, 1);
		assertNoSecrets();
	});

	test("role chaining: each role assumed with the one before", async () => {
		const config = file("chain-config", [
			"[profile top]", `role_arn = ${ROLE}-top`, "source_profile = middle",
			"[profile middle]", `role_arn = ${ROLE}-middle`, "source_profile = base",
			"[profile base]", `aws_access_key_id = ${TEST_ACCESS_KEY_ID}`, `aws_secret_access_key = ${TEST_SECRET_ACCESS_KEY}`, "",
		].join("\n"));
		const issuedBefore = aws.sts.issued.length;
		await withProbe("profile", env({ AWS_PROFILE: "top", AWS_CONFIG_FILE: config }), async (p) => {
			assertCreds(await p.get(), aws.sts.issued.at(-1));
		});
		assert.equal(aws.counters().sts.AssumeRole, 2);
		assert.equal(aws.sts.issued.length, issuedBefore + 2);
		// The second AssumeRole was signed with what the first one handed out.
		const calls = aws.requestLog.match({ service: "sts", operation: "AssumeRole" });
		assert.equal(calls.at(-2).accessKeyId, TEST_ACCESS_KEY_ID);
		assert.equal(calls.at(-1).accessKeyId, aws.sts.issued.at(-2).accessKeyId);
	});

	test("static keys in the role's own profile (source_profile names itself)", async () => {
		const config = file("self-config", `[default]\nrole_arn = ${ROLE}\nsource_profile = default\naws_access_key_id = ${TEST_ACCESS_KEY_ID}\naws_secret_access_key = ${TEST_SECRET_ACCESS_KEY}\n`);
		await withProbe("profile", env({ AWS_CONFIG_FILE: config }), async (p) => {
			assertCreds(await p.get(), aws.sts.issued.at(-1));
		});
		assert.equal(aws.counters().sts.AssumeRole, 1);
	});

	test("credential_source: Environment, Ec2InstanceMetadata, EcsContainer", async () => {
		const config = (src) => file(`cs-${src}`, `[default]\nrole_arn = ${ROLE}\ncredential_source = ${src}\n`);
		await withProbe("profile", env({ AWS_CONFIG_FILE: config("Environment"), AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: TEST_SECRET_ACCESS_KEY }), async (p) => {
			assertCreds(await p.get(), aws.sts.issued.at(-1));
		});
		await withProbe("profile", env({ AWS_CONFIG_FILE: config("Ec2InstanceMetadata"), AWS_EC2_METADATA_DISABLED: "false", AWS_EC2_METADATA_SERVICE_ENDPOINT: aws.imds.url }), async (p) => {
			assertCreds(await p.get(), aws.sts.issued.at(-1));
		});
		await withProbe("profile", env({ AWS_CONFIG_FILE: config("EcsContainer"), AWS_CONTAINER_CREDENTIALS_FULL_URI: aws.ecs.fullUri }), async (p) => {
			assertCreds(await p.get(), aws.sts.issued.at(-1));
		});
		const n = aws.counters();
		assert.equal(n.sts.AssumeRole, 3);
		assert.equal(n.imds.credentials, 1);
		assert.equal(n.ecs.credentials, 1);
		// The source has nothing: the configured profile fails (no fall-through).
		await withProbe("profile", env({ AWS_CONFIG_FILE: config("Environment") }), async (p) => {
			assertError(await p.get(), "CredentialsError", "profile default:");
		});
	});

	test("profile web_identity_token_file", async () => {
		const token = "eyJhbGciOiJSUzI1NiJ9.profile-token-2";
		extraSecrets.add(token);
		aws.sts.configure({ webIdentityToken: token });
		const config = file("wi-config", `[default]\nrole_arn = ${ROLE}\nweb_identity_token_file = ${file("wi-token-2", token)}\nrole_session_name = eks-pod\n`);
		await withProbe("profile", env({ AWS_CONFIG_FILE: config }), async (p) => {
			assertCreds(await p.get(), aws.sts.issued.at(-1));
		});
		assert.equal(aws.counters().sts.AssumeRoleWithWebIdentity, 1);
		assertNoSecrets();
	});

	test("a role that may not be assumed fails the chain instead of falling through to IMDS", async () => {
		aws.sts.configure({ roleArn: `${ROLE}-only` });
		const config = file("denied-config", `[default]\nrole_arn = ${ROLE}\nsource_profile = base\n[profile base]\naws_access_key_id = ${TEST_ACCESS_KEY_ID}\naws_secret_access_key = ${TEST_SECRET_ACCESS_KEY}\n`);
		await withProbe("default", env({ AWS_CONFIG_FILE: config, AWS_EC2_METADATA_DISABLED: "false", AWS_EC2_METADATA_SERVICE_ENDPOINT: aws.imds.url }), async (p) => {
			assertError(await p.get(), "AccessDenied");
		});
		assert.equal(aws.counters().imds.token, 0);
		assertNoSecrets();
	});
});

describe("default chain", () => {
	test("order: environment, profile, web identity, container, instance role", async () => {
		const token = "eyJhbGciOiJSUzI1NiJ9.chain-token-3";
		extraSecrets.add(token);
		aws.sts.configure({ webIdentityToken: token });
		const all = {
			AWS_ACCESS_KEY_ID: "AKIACHAINENV0000001",
			AWS_SECRET_ACCESS_KEY: "chain-env-secret-value",
			AWS_SHARED_CREDENTIALS_FILE: file("chain-creds", "[default]\naws_access_key_id = AKIACHAINPROFILE01\naws_secret_access_key = chain-profile-secret\n"),
			AWS_WEB_IDENTITY_TOKEN_FILE: file("chain-token", token),
			AWS_ROLE_ARN: ROLE,
			AWS_CONTAINER_CREDENTIALS_FULL_URI: aws.ecs.fullUri,
			AWS_EC2_METADATA_DISABLED: "false",
			AWS_EC2_METADATA_SERVICE_ENDPOINT: aws.imds.url,
		};
		extraSecrets.add("chain-env-secret-value");
		extraSecrets.add("chain-profile-secret");
		const order = [
			["AWS_ACCESS_KEY_ID", (r) => assert.equal(r.akid, "AKIACHAINENV0000001")],
			["AWS_SHARED_CREDENTIALS_FILE", (r) => assert.equal(r.akid, "AKIACHAINPROFILE01")],
			["AWS_WEB_IDENTITY_TOKEN_FILE", (r) => assert.equal(r.akid, aws.sts.issued.at(-1).accessKeyId)],
			["AWS_CONTAINER_CREDENTIALS_FULL_URI", (r) => assert.equal(r.akid, aws.ecs.current.accessKeyId)],
			["AWS_EC2_METADATA_SERVICE_ENDPOINT", (r) => assert.equal(r.akid, aws.imds.current.accessKeyId)],
		];
		const e = env(all);
		for (const [variable, check] of order) {
			await withProbe("default", e, async (p) => {
				const r = await p.get();
				assert.equal(r.ok, true, `${variable}: ${r.message}`);
				check(r);
			});
			delete e[variable];
			if (variable === "AWS_ACCESS_KEY_ID")
				delete e.AWS_SECRET_ACCESS_KEY;
			if (variable === "AWS_SHARED_CREDENTIALS_FILE")
				e.AWS_SHARED_CREDENTIALS_FILE = join(dir, "none");
		}
		assertNoSecrets();
	});

	test("the chain is cached: IMDS is asked once for many requests", async () => {
		await withProbe("default", env({ AWS_EC2_METADATA_DISABLED: "false", AWS_EC2_METADATA_SERVICE_ENDPOINT: aws.imds.url }), async (p) => {
			for (let i = 0; i < 5; i++)
				assertCreds(await p.get(), aws.imds.current, "imds");
		});
		assert.equal(aws.counters().imds.credentials, 1);
	});

	test("short-lived credentials are refreshed ahead of expiry", async () => {
		// ECS hands out keys that expire in 4 minutes: inside the 5 minute
		// window from the start, so the cache asks again once half their
		// life or a minute has passed, not on every call.
		aws.ecs.configure({ credentialTtlSeconds: 240, rotateBeforeSeconds: 300 });
		await withProbe("default", env({ AWS_CONTAINER_CREDENTIALS_FULL_URI: aws.ecs.fullUri }), async (p) => {
			for (let i = 0; i < 3; i++)
				assert.equal((await p.get()).ok, true);
		});
		assert.equal(aws.counters().ecs.credentials, 1);
		aws.ecs.configure({ credentialTtlSeconds: 21600, rotateBeforeSeconds: 900 });
	});
});

after(() => assertNoSecrets());
