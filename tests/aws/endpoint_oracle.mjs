// Checks the expectations of cases/endpoint_cases.txt (which endpoint_test
// holds our resolver to) against the AWS SDK for JavaScript's own endpoint
// rules, so the case file cannot drift from what AWS's SDKs do.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

process.env.AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING ??= "1";
const require = createRequire(import.meta.url);
const { S3Client } = require("@aws-sdk/client-s3");
const { SQSClient } = require("@aws-sdk/client-sqs");
const { SNSClient } = require("@aws-sdk/client-sns");
// STS has no client of its own in package.json; the SDK's credential
// providers bring the nested one. Without it the STS lines are not checked.
let STSClient = null;
try {
  ({ STSClient } = require("@aws-sdk/nested-clients/sts"));
} catch {
  console.log("# @aws-sdk/nested-clients not installed: STS lines not checked");
}

// The SSO portal's client comes with the SDK's SSO credential provider too.
let SSOClient = null;
try {
  ({ SSOClient } = require("@aws-sdk/nested-clients/sso"));
} catch {
  console.log("# @aws-sdk/nested-clients not installed: SSO lines not checked");
}

const { OrganizationsClient } = require("@aws-sdk/client-organizations");
const srcdir = process.env.top_srcdir ?? ".";
const file = path.join(srcdir, "tests/aws/cases/endpoint_cases.txt");
// DynamoDB has no client in package.json either: its lines follow the
// rules of the SDKs' DynamoDB ruleset (FIPS on the usual name in
// aws-us-gov) and are held by endpoint_test alone.
const clients = { s3: S3Client, sqs: SQSClient, sns: SNSClient, sts: STSClient, sso: SSOClient,
	organizations: OrganizationsClient };

function sdkEndpoint(svc, region, opts, bucket) {
  const client = new clients[svc]({ region });
  const params = { Region: region, UseFIPS: opts.includes("fips"), UseDualStack: false };
  if (svc === "sts") params.UseGlobalEndpoint = false;
  if (svc === "s3")
    Object.assign(params, {
      Bucket: bucket === "-" ? undefined : bucket,
      ForcePathStyle: opts.includes("path"),
      UseGlobalEndpoint: false,
      Accelerate: false,
    });
  return client.config.endpointProvider(params).url.href.replace(/\/$/, "");
}

const cases = fs
  .readFileSync(file, "utf8")
  .split("\n")
  .filter((l) => l && !l.startsWith("#") && !l.includes("=> error"))
  .filter((l) => clients[l.split(" ")[0]]);

test("endpoint cases agree with the AWS SDK's endpoint rules", () => {
  assert.ok(cases.length >= 30, `only ${cases.length} cases`);
  const diff = [];
  for (const line of cases) {
    const [input, want] = line.split(" => ");
    const [svc, region, opts, bucket] = input.split(" ");
    const got = sdkEndpoint(svc, region, opts, bucket);
    if (got !== want) diff.push(`${input}: SDK ${got}, case file ${want}`);
  }
  assert.deepEqual(diff, []);
});
