// Runs fauxqs (SQS, SNS, S3) in a process of its own, on 127.0.0.1 on a free
// port, so the harness can stop it by its PID. Started by local-aws.mjs with
// an IPC channel: sends {port} once listening and exits when told to stop,
// on SIGTERM/SIGINT, or when the parent goes away (the channel closes).
//
// fauxqs's own CLI listens on 0.0.0.0 and builds queue URLs for a
// "sqs.REGION.localhost" host glibc cannot resolve; here the SQS store's host
// is "" so queue URLs use the Host of the request (the front's address).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fauxqsDir, importFauxqs } from "./deps.mjs";
import { serveAsChild } from "./standin.mjs";

export const FAUXQS_VERSION = "1.9.2";

const version = JSON.parse(readFileSync(join(fauxqsDir(), "package.json"), "utf8")).version;
if (version !== FAUXQS_VERSION) {
	process.stderr.write(`fauxqs ${version} is installed; the harness is pinned to ${FAUXQS_VERSION} (run npm ci)\n`);
	process.exit(2);
}

const { buildApp } = await importFauxqs("app.js");
const { SqsStore } = await importFauxqs("sqs/sqsStore.js");

const sqsStore = new SqsStore();
sqsStore.host = "";
const app = buildApp({ logger: false, defaultRegion: process.env.LOCAL_AWS_REGION || "us-east-1", stores: { sqsStore } });
await app.listen({ host: "127.0.0.1", port: 0 });

serveAsChild(app.server.address().port, () => app.close());
