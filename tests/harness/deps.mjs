// The npm packages the local AWS is built from, loaded in one place.
//
// The AWS SDK packages ship CommonJS builds, so they are loaded with require():
// that finds them both beside the source tree (node_modules at the top) and
// through NODE_PATH, which `make check` sets and which ESM imports ignore.
// fauxqs is ESM only; its files are located the same way and imported by URL.
// dynalite is CommonJS and loaded from its directory, found the same way.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
// The SDK warns once per process that Node 20 support ends in 2027: noise in test logs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const { SignatureV4, getCanonicalHeaders, getPayloadHash, prepareRequest } =
	require("@smithy/signature-v4");
export const { Sha256 } = require("@aws-crypto/sha256-js");
export const sqsSdk = require("@aws-sdk/client-sqs");
export const s3Sdk = require("@aws-sdk/client-s3");
export const snsSdk = require("@aws-sdk/client-sns");
export const organizationsSdk = require("@aws-sdk/client-organizations");

/** The directory of the installed fauxqs package (throws when it is missing). */
export function fauxqsDir() {
	return packageDir("fauxqs");
}

/* A package's directory, found as require() would find it. */
function packageDir(name) {
	const dirs = require.resolve.paths(name) ?? [];
	for (const dir of dirs) {
		const candidate = join(dir, name);
		if (existsSync(join(candidate, "package.json")))
			return candidate;
	}
	throw new Error(`${name} is not installed: run \`npm ci\` at the top of the source tree`);
}

/** The directory of the installed dynalite package (throws when it is missing). */
export function dynaliteDir() {
	return packageDir("dynalite");
}

/** dynalite's server factory (CommonJS). */
export function requireDynalite() {
	return require(dynaliteDir());
}

/** Imports one file of fauxqs's build, e.g. "app.js" or "sqs/sqsStore.js". */
export function importFauxqs(file) {
	return import(pathToFileURL(join(fauxqsDir(), "dist", file)).href);
}
