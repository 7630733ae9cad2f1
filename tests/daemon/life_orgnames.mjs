// Account names from AWS Organizations: the daemon lists the organization's
// accounts from the local Organizations at start and names alerts of
// accounts alerts.accounts does not name; without the permission it says
// so once and alerts without the name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { receiveAll } from "../harness/lib.mjs";
import { announce, createTopicRecord, makeWorld, startDaemon, track, useLocalAws } from "./world.mjs";

const aws = useLocalAws();


async function world() {
	const w = await makeWorld(aws, { raw: true });
	const fs = await import("node:fs");
	const conf = fs.readFileSync(w.conf, "utf8").replace(/alerts = \{ ([^}]*)\};/,
		'alerts = { $1 organization_names = true; accounts = ( { id = "222233334444"; name = "from-config"; } ); };');
	fs.writeFileSync(w.conf, conf);
	return w;
}

test("alerts carry the organization's account names; alerts.accounts wins", { timeout: 60000 }, async () => {
	aws.organizations.setAccounts([{ id: "111122223333", name: "security-tooling" },
		{ id: "222233334444", name: "prod-org-name" }, { id: "555566667777", name: "old", status: "SUSPENDED" }]);
	aws.organizations.pageSize = 2;
	const w = await world();
	const daemon = track(startDaemon(aws, w));
	await daemon.waitForOutput(/account names from AWS Organizations: 3 accounts/, 15000);
	const recs = ["111122223333", "222233334444", "999999999999"].map((id) => createTopicRecord({ recipientAccountId: id }));
	await announce(aws, w, recs);
	const got = (await receiveAll(aws, w.observer.url, { expect: 3, timeoutMs: 15000 })).map((m) => JSON.parse(m.Body));
	const by = Object.fromEntries(got.map((b) => [b.recipientAccountId, b]));
	assert.equal(by["111122223333"].accountName, "security-tooling");
	assert.equal(by["222233334444"].accountName, "from-config");
	assert.equal(by["999999999999"].accountName, undefined);
	assert.equal(aws.requestLog.count({ service: "organizations", operation: "ListAccounts", status: 200 }), 2);
	daemon.kill("SIGTERM");
	assert.equal((await daemon.wait(20000)).code, 0);
});

test("without organizations:ListAccounts the daemon says so once and alerts without the name", { timeout: 60000 }, async () => {
	aws.organizations.setAccounts([{ id: "111122223333", name: "security-tooling" }]);
	aws.organizations.inject({ on: "ListAccounts", status: 400, code: "AccessDeniedException",
		message: "You don't have permissions to access this resource.", count: 5 });
	const w = await world();
	const daemon = track(startDaemon(aws, w));
	await daemon.waitForOutput(/account names from AWS Organizations: .*AccessDeniedException.*organizations:ListAccounts/, 15000);
	await announce(aws, w, [createTopicRecord({ recipientAccountId: "111122223333" })]);
	const got = (await receiveAll(aws, w.observer.url, { expect: 1, timeoutMs: 15000 })).map((m) => JSON.parse(m.Body));
	assert.equal(got.length, 1);
	assert.equal(got[0].accountName, undefined);
	daemon.kill("SIGTERM");
	const run = await daemon.wait(20000);
	assert.equal(run.code, 0);
	assert.equal(run.stderr.split("\n").filter((l) => l.includes("account names from AWS Organizations:")).length, 1);
});
