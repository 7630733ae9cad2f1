#!/bin/sh
# gen_rules.sh N DIR: writes N rules into DIR, one JSON rule file each (as a
# rules.d holds them), the same ones every time and on every machine.
#
# The mix is modelled on what deployments run: the tutorial's rule first,
# then the CIS controls of the shipped rule pack (etc/rules.d), then rules
# of the kinds found in public CloudTrail detection sets, in these shares:
#   30% eventSource + a list of sensitive eventNames of that service
#   10% the same written for the EventBridge envelope (source, detail-type, detail)
#   10% userIdentity.arn wildcards (any account, a role or user, SSO roles)
#    6% userIdentity.arn prefixes of one account's roles and users
#    8% errorCode (AccessDenied, *UnauthorizedOperation) on a service or principal type
#    7% sourceIPAddress cidr (IPv4 and IPv6 blocks) on sign-ins and credential calls
#   10% anything-but: write calls only (not Describe/Get/List), regions outside
#       an allow list, principals other than AWS services, invokedBy absent,
#       sign-ins from outside a network
#    7% requestParameters: bucket names, role ARNs, instance types, trail names
#    5% recipientAccountId + eventNames
#    4% equals-ignore-case, numeric ranges and $or
#    3% userAgent wildcards on attack tools (contain a word: tried on every record)
# Most name targets (roles, users, buckets, accounts) that differ per rule,
# as teams' rules do. Like alerting rules, they name sensitive calls, not the
# routine reads (AssumeRole, GetSecretValue, ...): a few percent of the
# corpus's records match some rule.
n=${1:?usage: gen_rules.sh N DIR}
dir=${2:?usage: gen_rules.sh N DIR}
pack=$(cd "$(dirname "$0")/../../etc/rules.d" && pwd)
mkdir -p "$dir"
i=0
for f in "$pack"/sns-create-topic.json "$pack"/cis-*.json; do
	[ "$i" -lt "$n" ] || break
	cp "$f" "$dir/bench-$(printf %04d "$i").json"
	i=$((i + 1))
done
awk -v first="$i" -v n="$n" -v dir="$dir" '
# Park-Miller: exact in any awk (products stay below 2^53)
function rnd(k) { seed = (seed * 16807) % 2147483647; return seed % k }
function pick(list,    a, c) { c = split(list, a, " "); return a[rnd(c) + 1] }
function q(s) { return "\"" s "\"" }
# up to k distinct names of the list, as a JSON array
function names(list, k,    a, c, out, i, j, used) {
	c = split(list, a, " ")
	if (k > c) k = c
	out = ""
	for (i = 0; i < k; i++) {
		do { j = rnd(c) + 1 } while (used[j])
		used[j] = 1
		out = out (i ? "," : "") q(a[j])
	}
	return "[" out "]"
}
function svcname(s) { return s == "monitoring" ? "cloudwatch" : s }
function src(s) { return q(s ".amazonaws.com") }
BEGIN {
	seed = 20261124
	nsvc = split("iam s3 ec2 kms sts cloudtrail lambda config logs sns sqs secretsmanager ssm rds route53 guardduty ecr dynamodb organizations signin", svc, " ")
	ev["iam"] = "CreateUser DeleteUser CreateAccessKey DeleteAccessKey AttachUserPolicy PutRolePolicy CreateLoginProfile UpdateAssumeRolePolicy AddUserToGroup CreateRole DeleteRole UpdateLoginProfile"
	ev["s3"] = "PutBucketPolicy DeleteBucketPolicy PutBucketAcl PutBucketPublicAccessBlock DeletePublicAccessBlock PutBucketLogging DeleteBucket PutBucketEncryption DeleteBucketEncryption PutBucketVersioning"
	ev["ec2"] = "RunInstances TerminateInstances AuthorizeSecurityGroupIngress CreateRoute CreateVpc ModifyInstanceAttribute CreateKeyPair ImportKeyPair DisableEbsEncryptionByDefault ModifySnapshotAttribute CreateSnapshot"
	ev["kms"] = "DisableKey ScheduleKeyDeletion PutKeyPolicy CreateGrant RevokeGrant DisableKeyRotation"
	ev["sts"] = "GetFederationToken AssumeRoleWithSAML AssumeRoot DecodeAuthorizationMessage"
	ev["cloudtrail"] = "StopLogging DeleteTrail UpdateTrail PutEventSelectors"
	ev["lambda"] = "CreateFunction20150331 UpdateFunctionCode20150331v2 AddPermission20150331v2 UpdateFunctionConfiguration20150331v2 DeleteFunction20150331"
	ev["config"] = "StopConfigurationRecorder DeleteDeliveryChannel DeleteConfigRule"
	ev["logs"] = "DeleteLogGroup DeleteLogStream PutRetentionPolicy DeleteSubscriptionFilter"
	ev["sns"] = "CreateTopic DeleteTopic SetTopicAttributes Subscribe"
	ev["sqs"] = "SetQueueAttributes DeleteQueue AddPermission"
	ev["secretsmanager"] = "DeleteSecret PutResourcePolicy RestoreSecret UpdateSecret"
	ev["ssm"] = "SendCommand StartSession PutParameter DeleteParameter"
	ev["rds"] = "DeleteDBInstance ModifyDBInstance CreateDBSnapshot ModifyDBSnapshotAttribute"
	ev["route53"] = "ChangeResourceRecordSets DeleteHostedZone"
	ev["guardduty"] = "DeleteDetector DisassociateFromMasterAccount UpdateDetector"
	ev["ecr"] = "SetRepositoryPolicy PutImage DeleteRepository"
	ev["dynamodb"] = "DeleteTable UpdateTable ExportTableToPointInTime"
	ev["organizations"] = "LeaveOrganization DeleteOrganization"
	ev["signin"] = "ConsoleLogin"
	accounts = "123456789012 210987654321 555566667777 100000000001 100000000002 100000000003 100000000004 100000000005"
	roles = "OrganizationAccountAccessRole GitHubActionsDeploy DatadogIntegrationRole eks-node-role lambda-exec-role ecsTaskExecutionRole config-recorder-role"
	users = "alice bob carol dave erin frank deploy-bot ci-runner terraform grafana-reader"
	teams = "payments search ml web data platform billing identity reports etl"
	regions = "us-west-2 eu-west-1 eu-central-1 ap-southeast-2"
	tools = "kali parrot pentoo sqlmap nmap Pacu ScoutSuite prowler cloudsploit WeirdAAL stratus"
	types = "Root IAMUser AssumedRole FederatedUser"
	# kinds in the shares above, spread over the rule numbers
	split("A 30 B 10 C 10 D 6 E 8 F 7 G 10 H 7 I 5 J 4 K 3", share, " ")
	for (i = 1; i < 22; i += 2)
		for (j = 0; j < share[i + 1]; j++)
			kind[k++] = share[i]
	for (i = first; i < n; i++) {
		s = svc[rnd(nsvc) + 1]
		p = rule(kind[(i * 37) % 100], s, i)
		f = sprintf("%s/bench-%04d.json", dir, i)
		printf "{\"name\":\"bench-%04d\",\"pattern\":%s}\n", i, p >f
		close(f)
	}
}
function own(i) { return pick(teams) "-" i }
function rule(k, s, i,    r) {
	if (k == "A")
		return "{\"eventSource\":[" src(s) "],\"eventName\":" names(ev[s], 1 + rnd(4)) "}"
	if (k == "B")
		return "{\"source\":[" q("aws." svcname(s)) "],\"detail-type\":[\"AWS API Call via CloudTrail\"],\"detail\":{\"eventName\":" names(ev[s], 1 + rnd(3)) "}}"
	if (k == "C") {
		r = rnd(4)
		if (r == 0)
			return "{\"userIdentity\":{\"arn\":[{\"wildcard\":" q("arn:aws:sts::*:assumed-role/" own(i) "-deployer/*") "}]},\"readOnly\":[false]}"
		if (r == 1)
			return "{\"userIdentity\":{\"arn\":[{\"wildcard\":" q("arn:aws:iam::*:user/" own(i)) "}]},\"eventSource\":[" src(s) "]}"
		if (r == 2)
			return "{\"userIdentity\":{\"arn\":[{\"wildcard\":" q("arn:aws:sts::" pick(accounts) ":assumed-role/AWSReservedSSO_*/" own(i)) "}]}}"
		return "{\"userIdentity\":{\"arn\":[{\"wildcard\":" q("arn:aws:sts::*:assumed-role/" pick(roles) "/*") "}]},\"eventName\":" names(ev[s], 2) "}"
	}
	if (k == "D") {
		if (rnd(2))
			return "{\"userIdentity\":{\"arn\":[{\"prefix\":" q("arn:aws:iam::" pick(accounts) ":user/" own(i)) "}]},\"eventSource\":[" src(s) "]}"
		return "{\"userIdentity\":{\"arn\":[{\"prefix\":" q("arn:aws:sts::" pick(accounts) ":assumed-role/" own(i) "/") "}]},\"readOnly\":[false]}"
	}
	if (k == "E") {
		if (rnd(2))
			return "{\"eventSource\":[" src(s) "],\"errorCode\":[\"AccessDenied\",\"UnauthorizedOperation\",\"Client.UnauthorizedOperation\"]}"
		return "{\"errorCode\":[{\"prefix\":\"AccessDenied\"},{\"wildcard\":\"*UnauthorizedOperation\"}],\"userIdentity\":{\"type\":[" q(pick(types)) "]},\"eventSource\":[" src(s) "]}"
	}
	if (k == "F") {
		r = rnd(4)
		if (r == 0)
			return "{\"sourceIPAddress\":[{\"cidr\":" q("10." rnd(256) ".0.0/16") "}],\"eventName\":[\"ConsoleLogin\",\"CreateAccessKey\"]}"
		if (r == 1)
			return "{\"sourceIPAddress\":[{\"cidr\":" q("203.0." rnd(256) ".0/24") "},{\"cidr\":\"198.51.100.0/24\"}],\"userIdentity\":{\"type\":[\"Root\",\"IAMUser\"]}}"
		if (r == 2)
			return "{\"sourceIPAddress\":[" q(rnd(224) + 1 "." rnd(256) "." rnd(256) "." rnd(256)) "],\"eventSource\":[" src(s) "]}"
		return "{\"sourceIPAddress\":[{\"cidr\":" q(sprintf("2001:db8:%x::/48", rnd(65536))) "}],\"eventName\":" names(ev[s], 2) "}"
	}
	if (k == "G") {
		r = rnd(5)
		if (r == 0)
			return "{\"eventSource\":[" src(s) "],\"eventName\":[{\"anything-but\":{\"prefix\":[\"Describe\",\"Get\",\"List\"]}}],\"userIdentity\":{\"arn\":[{\"prefix\":" q("arn:aws:sts::" pick(accounts) ":assumed-role/" own(i)) "}]}}"
		if (r == 1)
			return "{\"awsRegion\":[{\"anything-but\":[\"us-east-1\"," substr(names(regions, 2), 2) "}],\"readOnly\":[false],\"eventSource\":[" src(s) "]}"
		if (r == 2)
			return "{\"userIdentity\":{\"type\":[{\"anything-but\":\"AWSService\"}]},\"eventName\":" names(ev[s], 2) "}"
		if (r == 3)
			return "{\"userIdentity\":{\"invokedBy\":[{\"exists\":false}],\"arn\":[{\"suffix\":" q("/" own(i)) "}]},\"eventSource\":[" src(s) "]}"
		return "{\"eventName\":[\"ConsoleLogin\"],\"sourceIPAddress\":[{\"anything-but\":{\"prefix\":" q("10." rnd(256) ".") "}}],\"userIdentity\":{\"userName\":[" q(own(i)) "]}}"
	}
	if (k == "H") {
		r = rnd(4)
		if (r == 0)
			return "{\"eventName\":[\"PutBucketPolicy\",\"PutBucketAcl\",\"DeleteBucket\"],\"requestParameters\":{\"bucketName\":[" q(own(i) "-logs") "]}}"
		if (r == 1)
			return "{\"eventName\":[\"AssumeRole\"],\"requestParameters\":{\"roleArn\":[{\"suffix\":" q(":role/" own(i) "-admin") "}]}}"
		if (r == 2)
			return "{\"eventName\":[\"RunInstances\"],\"requestParameters\":{\"instanceType\":[{\"prefix\":\"p4d.\"},{\"prefix\":\"p5.\"},\"x2iedn.32xlarge\"]},\"recipientAccountId\":[" q(pick(accounts)) "]}"
		return "{\"eventSource\":[\"cloudtrail.amazonaws.com\"],\"requestParameters\":{\"name\":[{\"wildcard\":" q("arn:aws:cloudtrail:*:*:trail/" own(i) "*") "}]}}"
	}
	if (k == "I")
		return "{\"recipientAccountId\":[" q(pick(accounts)) "],\"eventName\":" names(ev[s], 1 + rnd(3)) "}"
	if (k == "J") {
		r = rnd(3)
		if (r == 0)
			return "{\"eventName\":[{\"equals-ignore-case\":" q(pick(ev[s])) "}],\"eventSource\":[" src(s) "]}"
		if (r == 1)
			return "{\"eventName\":[\"AssumeRole\"],\"requestParameters\":{\"durationSeconds\":[{\"numeric\":[\">\"," 3600 * (1 + rnd(4)) "]}],\"roleArn\":[{\"prefix\":" q("arn:aws:iam::" pick(accounts) ":role/" own(i)) "}]}}"
		return "{\"eventSource\":[" src(s) "],\"$or\":[{\"errorCode\":[\"AccessDenied\"]},{\"userIdentity\":{\"type\":[\"Root\"]}}]}"
	}
	return "{\"userAgent\":[{\"wildcard\":" q("*" pick(tools) "*") "}]}"
}'
