// The deployment files in deploy/: well-formed JSON; the CloudFormation
// template refers only to what it defines (Ref, Fn::GetAtt, Fn::Sub,
// Fn::If, Condition, DependsOn), uses every parameter and condition, and
// never reaches a conditional resource from outside its condition; every
// IAM policy is well formed and grants the daemon exactly the actions it
// uses, on named resources; the queue lets in only the trail bucket's S3
// notifications; the ECS task definition logs with awslogs, runs as the
// image's non-root user and sets only variables the daemon reads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const srcdir = process.env.top_srcdir ?? ".";
const builddir = process.env.top_builddir ?? ".";
const deploy = join(srcdir, "deploy");
const load = (f) => JSON.parse(readFileSync(join(deploy, f), "utf8"));

// What ctalertd calls, and so all its policy may allow: the daemon's, and
// the dynamodb state store's (src/state/dynamodb.c).
const STATE_ACTIONS = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem",
	"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan", "dynamodb:Query"];
const DAEMON_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
	"sqs:GetQueueAttributes", "s3:GetObject", "s3:ListBucket", "sns:Publish", "sns:GetTopicAttributes",
	"kms:Decrypt", "cloudtrail:ListPublicKeys", ...STATE_ACTIONS].sort();
// Actions IAM defines no resource for: "*" is the only resource they take
// (the Service Authorization Reference lists none for ListPublicKeys).
const RESOURCELESS = new Set(["cloudtrail:ListPublicKeys"]);

const PSEUDO = new Set(["AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition",
	"AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix"]);

/** Names inside a Fn::Sub string: "${X}", "${X.Attr}"; "${!X}" is literal. */
function subNames(str) {
	return [...str.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]).filter((n) => !n.startsWith("!"));
}

/**
 * Checks a template; returns a list of problems (empty when fine).
 * Every intrinsic is resolved against the template's own names; a
 * reference to a resource that has a Condition must be guarded by that
 * condition (the referring resource's own, or the true branch of Fn::If).
 */
export function checkTemplate(tpl) {
	const problems = [];
	const params = new Set(Object.keys(tpl.Parameters ?? {}));
	const resources = tpl.Resources ?? {};
	const conditions = new Set(Object.keys(tpl.Conditions ?? {}));
	const usedParams = new Set();
	const usedConditions = new Set();
	const say = (where, what) => problems.push(`${where}: ${what}`);

	if (tpl.AWSTemplateFormatVersion !== "2010-09-09") say("template", "AWSTemplateFormatVersion is not 2010-09-09");
	if (Object.keys(resources).length === 0) say("template", "no Resources");
	for (const n of params) if (resources[n]) say(n, "is both a parameter and a resource");

	const refTarget = (where, name, guards) => {
		if (PSEUDO.has(name)) return;
		if (params.has(name)) {
			usedParams.add(name);
			return;
		}
		const r = resources[name];
		if (!r) return say(where, `refers to ${name}, which the template does not define`);
		if (r.Condition && !guards.has(r.Condition))
			say(where, `refers to ${name} outside its condition ${r.Condition}`);
	};
	const condition = (where, name) => {
		if (!conditions.has(name)) say(where, `names condition ${name}, which the template does not define`);
		usedConditions.add(name);
	};

	const walk = (where, v, guards, locals = new Set()) => {
		if (Array.isArray(v)) return v.forEach((x, i) => walk(`${where}[${i}]`, x, guards, locals));
		if (v === null || typeof v !== "object") return;
		const keys = Object.keys(v);
		if (keys.length === 1 && (keys[0] === "Ref" || keys[0].startsWith("Fn::") || keys[0] === "Condition")) {
			const [k] = keys;
			const arg = v[k];
			if (k === "Ref") {
				if (typeof arg !== "string") return say(where, "Ref takes a name");
				return refTarget(where, arg, guards);
			}
			if (k === "Condition" && typeof arg === "string") return condition(where, arg);
			if (k === "Fn::GetAtt") {
				const [res, attr] = typeof arg === "string" ? arg.split(/\.(.*)/) : arg;
				if (!resources[res]) return say(where, `Fn::GetAtt of ${res}, which is not a resource`);
				if (!attr) say(where, "Fn::GetAtt without an attribute");
				return refTarget(where, res, guards);
			}
			if (k === "Fn::Sub") {
				const [str, vars = {}] = typeof arg === "string" ? [arg] : arg;
				if (typeof str !== "string") return say(where, "Fn::Sub takes a string");
				for (const [n, x] of Object.entries(vars)) walk(`${where}.${n}`, x, guards, locals);
				for (const n of subNames(str)) {
					const base = n.split(".")[0];
					if (n.includes(".") && !PSEUDO.has(n)) {
						if (!resources[base]) say(where, `\${${n}}: ${base} is not a resource`);
						else refTarget(where, base, guards);
					} else if (!(n in vars)) refTarget(where, n, guards);
				}
				return;
			}
			if (k === "Fn::If") {
				if (!Array.isArray(arg) || arg.length !== 3) return say(where, "Fn::If takes [condition, then, else]");
				condition(where, arg[0]);
				walk(`${where}.then`, arg[1], new Set([...guards, arg[0]]), locals);
				return walk(`${where}.else`, arg[2], guards, locals);
			}
			if (!["Fn::Join", "Fn::Select", "Fn::Split", "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or",
				"Fn::Base64", "Fn::GetAZs", "Fn::ImportValue", "Fn::FindInMap", "Fn::Cidr", "Fn::Length",
				"Fn::ToJsonString"].includes(k))
				say(where, `unknown intrinsic ${k}`);
			return walk(`${where}.${k}`, arg, guards, locals);
		}
		for (const [k, x] of Object.entries(v)) walk(`${where}.${k}`, x, guards, locals);
	};

	for (const [name, c] of Object.entries(tpl.Conditions ?? {})) walk(`Conditions.${name}`, c, new Set());
	for (const [name, r] of Object.entries(resources)) {
		const where = `Resources.${name}`;
		if (!/^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/.test(r.Type ?? "")) say(where, `bad Type ${r.Type}`);
		const guards = new Set();
		if (r.Condition) {
			condition(where, r.Condition);
			guards.add(r.Condition);
		}
		for (const d of [r.DependsOn ?? []].flat()) {
			if (!resources[d]) say(where, `DependsOn ${d}, which is not a resource`);
			else if (resources[d].Condition && resources[d].Condition !== r.Condition)
				say(where, `DependsOn ${d} outside its condition`);
		}
		walk(`${where}.Properties`, r.Properties ?? {}, guards);
	}
	for (const [name, o] of Object.entries(tpl.Outputs ?? {})) {
		const guards = new Set();
		if (o.Condition) {
			condition(`Outputs.${name}`, o.Condition);
			guards.add(o.Condition);
		}
		if (!("Value" in o)) say(`Outputs.${name}`, "no Value");
		walk(`Outputs.${name}.Value`, o.Value, guards);
	}
	for (const p of params) if (!usedParams.has(p)) say(`Parameters.${p}`, "is never used");
	for (const c of conditions) if (!usedConditions.has(c)) say(`Conditions.${c}`, "is never used");
	return problems;
}

/** The statements of a policy document, after Fn::If branches are taken. */
function statements(doc) {
	const out = [];
	const take = (s) => {
		if (s && s["Fn::If"]) {
			take(s["Fn::If"][1]);
			take(s["Fn::If"][2]);
		} else if (s && !s.Ref) out.push(s);
	};
	for (const s of [doc.Statement].flat()) take(s);
	return out;
}

/** Problems of one IAM policy document; identity policies need a Resource. */
function checkPolicy(where, doc, { identity }) {
	const problems = [];
	if (doc.Version !== "2012-10-17") problems.push(`${where}: Version is not 2012-10-17`);
	for (const [i, s] of statements(doc).entries()) {
		const at = `${where}.Statement[${i}]${s.Sid ? ` (${s.Sid})` : ""}`;
		if (!["Allow", "Deny"].includes(s.Effect)) problems.push(`${at}: Effect`);
		if (!s.Action && !s.NotAction) problems.push(`${at}: no Action`);
		if (identity && !s.Resource) problems.push(`${at}: no Resource`);
		if (identity && s.Principal) problems.push(`${at}: a Principal in an identity policy`);
		if (s.Effect === "Allow") {
			for (const a of [s.Action ?? []].flat())
				if (typeof a === "string" && a.includes("*")) problems.push(`${at}: allows the wildcard ${a}`);
			const resourceless = [s.Action ?? []].flat().every((a) => RESOURCELESS.has(a));
			for (const r of [s.Resource ?? []].flat()) if (r === "*" && !resourceless) problems.push(`${at}: allows every resource`);
			if (s.NotAction || s.NotResource) problems.push(`${at}: Allow with NotAction/NotResource`);
		}
	}
	return problems;
}

function allowedActions(doc) {
	return [...new Set(statements(doc).filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action].flat()))].sort();
}

test("every file in deploy/ is well-formed JSON", () => {
	// prometheus/ holds YAML rules, which promtool checks (prometheus_rules.sh).
	const files = readdirSync(deploy).filter((f) => !f.startsWith(".") && f !== "prometheus");
	assert.ok(files.length >= 4, files.join(" "));
	for (const f of files) {
		assert.ok(f.endsWith(".json"), `${f}: only JSON here, so it can be checked`);
		assert.doesNotThrow(() => load(f), f);
	}
});

test("the template checker finds what it is written to find", () => {
	const bad = {
		AWSTemplateFormatVersion: "2010-09-09",
		Parameters: { Unused: { Type: "String" } },
		Conditions: { Never: { "Fn::Equals": ["a", "b"] }, Lonely: { "Fn::Equals": ["a", "a"] } },
		Resources: {
			Q: { Type: "AWS::SQS::Queue", Condition: "Never" },
			T: { Type: "AWS::SNS::Topic", DependsOn: "Nope", Properties: {
				A: { Ref: "Missing" }, B: { "Fn::GetAtt": ["Q", "Arn"] }, C: { "Fn::Sub": "${Gone.Arn} ${!Literal}" },
				D: { "Fn::If": ["Nowhere", 1, 2] } } },
		},
	};
	const p = checkTemplate(bad).join("\n");
	for (const want of ["refers to Missing", "Q outside its condition Never", "Gone is not a resource",
		"condition Nowhere", "DependsOn Nope", "Parameters.Unused: is never used", "Conditions.Lonely: is never used"])
		assert.ok(p.includes(want), `not found: ${want}\n${p}`);
	assert.ok(!p.includes("Literal"), "${!Literal} is literal text");
});

test("the CloudFormation template refers only to what it defines", () => {
	const tpl = load("cloudformation.json");
	assert.deepEqual(checkTemplate(tpl), []);
	const r = tpl.Resources;
	const types = Object.values(r).map((x) => x.Type);
	for (const t of ["AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "AWS::SNS::Topic", "AWS::SNS::Subscription",
		"AWS::IAM::Role", "AWS::IAM::InstanceProfile", "AWS::S3::Bucket"])
		assert.ok(types.includes(t), `no ${t}`);
	// The queue sends what fails for good to the dead-letter queue.
	const queues = Object.entries(r).filter(([, x]) => x.Type === "AWS::SQS::Queue");
	const withRedrive = queues.filter(([, x]) => x.Properties?.RedrivePolicy);
	assert.equal(withRedrive.length, 1);
	const redrive = withRedrive[0][1].Properties.RedrivePolicy;
	const dlq = redrive.deadLetterTargetArn["Fn::GetAtt"][0];
	assert.equal(r[dlq].Type, "AWS::SQS::Queue");
	assert.ok(redrive.maxReceiveCount);
	// The email subscription comes from a parameter.
	const sub = Object.values(r).find((x) => x.Type === "AWS::SNS::Subscription");
	assert.equal(sub.Properties.Protocol, "email");
	assert.ok(tpl.Parameters[sub.Properties.Endpoint.Ref], "the email address is a parameter");
});

test("the queue lets in only the trail bucket's notifications, from its own account", () => {
	const tpl = load("cloudformation.json");
	const policy = Object.values(tpl.Resources).find((x) => x.Type === "AWS::SQS::QueuePolicy");
	const doc = policy.Properties.PolicyDocument;
	assert.deepEqual(checkPolicy("LogQueuePolicy", doc, { identity: false }), []);
	const allow = statements(doc).filter((s) => s.Effect === "Allow" && s.Principal?.Service === "s3.amazonaws.com");
	assert.equal(allow.length, 1);
	assert.deepEqual(allow[0].Principal, { Service: "s3.amazonaws.com" });
	assert.equal(allow[0].Action, "sqs:SendMessage");
	const cond = JSON.stringify(allow[0].Condition);
	assert.match(cond, /"aws:SourceArn":\{"Fn::Sub":"arn:\$\{AWS::Partition\}:s3:::\$\{TrailBucketName\}"\}/);
	assert.match(cond, /"aws:SourceAccount":\{"Ref":"AWS::AccountId"\}/);
	// The bucket made by the template announces to that queue.
	const bucket = Object.values(tpl.Resources).find((x) => x.Type === "AWS::S3::Bucket");
	const qc = bucket.Properties.NotificationConfiguration.QueueConfigurations[0];
	assert.match(qc.Event, /^s3:ObjectCreated:/);
	assert.deepEqual(bucket.DependsOn, "LogQueuePolicy", "S3 checks the queue policy when the bucket is made");
	// The notification for an existing bucket is the same.
	const existing = load("bucket-notification.json").QueueConfigurations[0];
	assert.deepEqual(existing.Events, [qc.Event]);
	assert.deepEqual(existing.Filter.Key.FilterRules.map((x) => [x.Name, x.Value]),
		qc.Filter.S3Key.Rules.map((x) => [x.Name, x.Value]));
});

test("an EventBridge rule sends CloudTrail events to the queue, and only it is let in", () => {
	const tpl = load("cloudformation.json");
	const r = tpl.Resources;
	const rules = Object.entries(r).filter(([, x]) => x.Type === "AWS::Events::Rule");
	assert.equal(rules.length, 1);
	const [name, rule] = rules[0];
	// The parameter chooses: write events, all management events, or no rule.
	const param = tpl.Parameters.RealTimeEvents;
	assert.deepEqual(param.AllowedValues, ["write", "all", "off"]);
	assert.deepEqual(tpl.Conditions[rule.Condition], { "Fn::Not": [{ "Fn::Equals": [{ Ref: "RealTimeEvents" }, "off"] }] });
	const [all, allState, writeState] = rule.Properties.State["Fn::If"];
	assert.deepEqual(tpl.Conditions[all], { "Fn::Equals": [{ Ref: "RealTimeEvents" }, "all"] });
	assert.equal(allState, "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS", "read-only management events need this state");
	assert.equal(writeState, "ENABLED");
	// It takes every event ctalertd matches, on the default bus (where AWS puts them), and no other.
	assert.equal(rule.Properties.EventBusName ?? "default", "default");
	const pattern = rule.Properties.EventPattern;
	assert.deepEqual(pattern["detail-type"].sort(), ["AWS API Call via CloudTrail", "AWS Console Action via CloudTrail",
		"AWS Console Sign In via CloudTrail", "AWS Service Event via CloudTrail"]);
	assert.deepEqual(pattern.source, [{ prefix: "aws." }]);
	assert.deepEqual(Object.keys(pattern).sort(), ["detail-type", "source"]);
	// Its one target is the queue the daemon reads.
	assert.equal(rule.Properties.Targets.length, 1);
	assert.deepEqual(rule.Properties.Targets[0].Arn, { "Fn::GetAtt": ["LogQueue", "Arn"] });
	assert.deepEqual(tpl.Outputs.QueueUrl.Value, { Ref: "LogQueue" });
	// The queue policy lets EventBridge in for that rule only, when there is one.
	const doc = r.LogQueuePolicy.Properties.PolicyDocument;
	const guarded = doc.Statement.filter((s) => s["Fn::If"]);
	assert.equal(guarded.length, 1);
	const [cond, events, none] = guarded[0]["Fn::If"];
	assert.equal(cond, rule.Condition);
	assert.deepEqual(none, { Ref: "AWS::NoValue" });
	assert.equal(events.Effect, "Allow");
	assert.deepEqual(events.Principal, { Service: "events.amazonaws.com" });
	assert.equal(events.Action, "sqs:SendMessage");
	assert.deepEqual(events.Resource, { "Fn::GetAtt": ["LogQueue", "Arn"] });
	assert.deepEqual(events.Condition, { ArnEquals: { "aws:SourceArn": { "Fn::GetAtt": [name, "Arn"] } } });
	// The other Allow statements are S3's only.
	assert.deepEqual(statements(doc).filter((s) => s.Effect === "Allow").map((s) => s.Principal.Service).sort(),
		["events.amazonaws.com", "s3.amazonaws.com"]);
	// Its ARN is an output, under the rule's condition.
	const out = Object.values(tpl.Outputs).filter((o) => JSON.stringify(o.Value) === JSON.stringify({ "Fn::GetAtt": [name, "Arn"] }));
	assert.equal(out.length, 1);
	assert.equal(out[0].Condition, rule.Condition);
});

test("the daemon's policies allow exactly what it calls, on named resources", () => {
	const standalone = load("iam-policy.json");
	assert.deepEqual(checkPolicy("iam-policy.json", standalone, { identity: true }), []);
	assert.deepEqual(allowedActions(standalone), DAEMON_ACTIONS);
	// CloudTrail's digests: readable beside the logs, and the keys that sign them.
	for (const doc of [standalone, load("cloudformation.json").Resources.DaemonRole?.Properties.Policies[0].PolicyDocument ?? standalone]) {
		const digests = statements(doc).find((s) => s.Sid === "ReadTrailDigests");
		assert.ok(digests && [digests.Action].flat().includes("s3:GetObject"), "s3:GetObject on the digests");
		assert.match(JSON.stringify(digests.Resource), /\/CloudTrail-Digest\/\*/);
	}
	const kms = statements(standalone).find((s) => [s.Action].flat().includes("kms:Decrypt"));
	assert.ok(kms.Condition?.StringEquals?.["kms:ViaService"], "kms:Decrypt only through S3");

	const tpl = load("cloudformation.json");
	const role = Object.values(tpl.Resources).find((x) => x.Type === "AWS::IAM::Role");
	const inline = role.Properties.Policies.map((p) => p.PolicyDocument);
	assert.equal(inline.length, 1);
	assert.deepEqual(checkPolicy("DaemonRole", inline[0], { identity: true }), []);
	assert.deepEqual(allowedActions(inline[0]), DAEMON_ACTIONS);
	const trust = role.Properties.AssumeRolePolicyDocument;
	const services = statements(trust).map((s) => s.Principal.Service).sort();
	assert.deepEqual(services, ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"]);
	const profile = Object.values(tpl.Resources).find((x) => x.Type === "AWS::IAM::InstanceProfile");
	assert.ok(profile.Properties.Roles.some((x) => tpl.Resources[x.Ref] === role));
});

test("the state table is what the dynamodb store checks at open, and only it is granted", () => {
	const tpl = load("cloudformation.json");
	const tables = Object.entries(tpl.Resources).filter(([, x]) => x.Type === "AWS::DynamoDB::Table");
	assert.equal(tables.length, 1);
	const [name, table] = tables[0];
	const p = table.Properties;
	assert.equal(p.BillingMode, "PAY_PER_REQUEST", "on demand");
	assert.deepEqual(p.KeySchema, [{ AttributeName: "k", KeyType: "HASH" }]);
	const gsi = p.GlobalSecondaryIndexes.find((x) => x.IndexName === "expiry");
	assert.deepEqual(gsi.KeySchema.map((x) => [x.AttributeName, x.KeyType]), [["prefix", "HASH"], ["until", "RANGE"]]);
	assert.equal(gsi.Projection.ProjectionType, "KEYS_ONLY");
	const types = Object.fromEntries(p.AttributeDefinitions.map((x) => [x.AttributeName, x.AttributeType]));
	assert.deepEqual(types, { k: "S", prefix: "S", until: "N" });
	assert.deepEqual(p.TimeToLiveSpecification, { AttributeName: "forget_at", Enabled: true });
	// The names the backend uses, in its source.
	const backend = readFileSync(join(srcdir, "src/state/dynamodb.c"), "utf8");
	for (const word of ['"k"', '"until"', '"value"', '"forget_at"', '"prefix"', '"expiry"'])
		assert.ok(backend.includes(word), `src/state/dynamodb.c does not use ${word}`);
	// The role may use this table and its index, nothing wider.
	const role = Object.values(tpl.Resources).find((x) => x.Type === "AWS::IAM::Role");
	const dyn = statements(role.Properties.Policies[0].PolicyDocument)
		.filter((s) => [s.Action].flat().some((a) => a.startsWith("dynamodb:")));
	const onTable = dyn.find((s) => s.Resource["Fn::GetAtt"]);
	assert.deepEqual(onTable.Resource, { "Fn::GetAtt": [name, "Arn"] });
	const onIndex = dyn.find((s) => s.Resource["Fn::Sub"]);
	assert.equal(onIndex.Resource["Fn::Sub"], `\${${name}.Arn}/index/expiry`);
	assert.deepEqual([onIndex.Action].flat(), ["dynamodb:Query"]);
	const standalone = statements(load("iam-policy.json")).filter((s) => [s.Action].flat().some((a) => a.startsWith("dynamodb:")));
	for (const s of standalone)
		assert.match([s.Resource].flat()[0], /^arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]+(\/index\/expiry)?$/);
	assert.deepEqual(standalone.flatMap((s) => [s.Action].flat()).sort(), [...STATE_ACTIONS].sort());
});

test("the ECS task definition runs the image as it is meant to run", () => {
	const td = load("ecs-task-definition.json");
	assert.match(td.taskRoleArn, /^arn:aws:iam::\d{12}:role\//);
	assert.match(td.executionRoleArn, /^arn:aws:iam::\d{12}:role\//);
	assert.equal(td.containerDefinitions.length, 1);
	const c = td.containerDefinitions[0];
	assert.equal(c.essential, true);
	assert.equal(c.logConfiguration.logDriver, "awslogs");
	for (const o of ["awslogs-group", "awslogs-region", "awslogs-stream-prefix"]) assert.ok(c.logConfiguration.options[o], o);
	// The Dockerfile's user; a stop timeout above the 30 s shutdown grace.
	const dockerfile = readFileSync(join(srcdir, "Dockerfile"), "utf8");
	assert.equal(c.user, /^USER (\S+)$/m.exec(dockerfile)[1]);
	assert.ok(c.stopTimeout > 30 && c.stopTimeout <= 120, `stopTimeout ${c.stopTimeout}`);
	assert.equal(c.readonlyRootFilesystem, true);
	// The Dockerfile's HEALTHCHECK, in ECS's words.
	const hc = /^HEALTHCHECK (.*?) \\\n\s+CMD (\[.*\])$/m.exec(dockerfile);
	assert.ok(hc, "the Dockerfile has a HEALTHCHECK");
	assert.deepEqual(c.healthCheck.command, ["CMD", ...JSON.parse(hc[2])]);
	assert.deepEqual(JSON.parse(hc[2]), ["/usr/bin/ctalertd", "check", "--health"]);
	const flag = (f) => Number(new RegExp(`--${f}=(\\d+)s`).exec(hc[1])[1]);
	assert.deepEqual([c.healthCheck.interval, c.healthCheck.timeout, c.healthCheck.retries, c.healthCheck.startPeriod],
		[flag("interval"), flag("timeout"), Number(/--retries=(\d+)/.exec(hc[1])[1]), flag("start-period")]);
	// Only variables the daemon reads, and enough of them to need no file.
	const known = new Set(execFileSync(join(builddir, "tests/ops/conf_options"), { encoding: "utf8" })
		.trim().split("\n").map((l) => l.split("\t")[2]).filter((e) => e !== "-"));
	const names = c.environment.map((e) => e.name);
	for (const n of names) assert.ok(known.has(n), `${n} is not a variable ctalertd reads`);
	for (const n of ["CTALERTD_QUEUE_URL", "CTALERTD_BUCKETS", "CTALERTD_TOPIC_ARN"]) assert.ok(names.includes(n), n);
	// A task has no state directory: without the stack's table it would
	// remember alerts in memory only, per task and until it stops.
	const env = Object.fromEntries(c.environment.map((e) => [e.name, e.value]));
	assert.equal(env.CTALERTD_STATE_BACKEND, "dynamodb");
	// The stack's StateTableName output goes there; the example is a name
	// DynamoDB takes.
	assert.match(env.CTALERTD_STATE_TABLE, /^[A-Za-z0-9_.-]{3,255}$/);
	assert.ok(load("cloudformation.json").Outputs.StateTableName, "the stack tells the table's name");
});
