// Runs dynalite (DynamoDB, in memory) in a process of its own, on 127.0.0.1
// on a free port, so the harness can stop it by its PID. Started by
// local-aws.mjs with an IPC channel: sends {port} once listening and exits
// when told to stop, on SIGTERM/SIGINT, or when the parent goes away.
//
// Tables become ACTIVE at once (dynalite's default is half a second of
// CREATING). dynalite checks requests' shape as DynamoDB does but not their
// signatures: the front does that. It has no TTL deletion: an expired item
// stays until it is deleted, which is what a client must expect of
// DynamoDB's lazy TTL anyway.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dynaliteDir, requireDynalite } from "./deps.mjs";
import { serveAsChild } from "./standin.mjs";

export const DYNALITE_VERSION = "4.0.0";

const version = JSON.parse(readFileSync(join(dynaliteDir(), "package.json"), "utf8")).version;
if (version !== DYNALITE_VERSION) {
	process.stderr.write(`dynalite ${version} is installed; the harness is pinned to ${DYNALITE_VERSION} (run npm ci)\n`);
	process.exit(2);
}

const dynalite = requireDynalite();
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, "127.0.0.1", () =>
	serveAsChild(server.address().port, () => new Promise((resolve) => server.close(resolve))));
