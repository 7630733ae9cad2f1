#!/bin/sh
# gen_detections.sh KIND N DIR [SEED]: writes N rules of KIND into DIR, the
# same ones every time and on every machine:
#
#   sigma       Sigma rules (*.yml) of the shapes of SigmaHQ's CloudTrail set
#               (rules/cloud/aws/cloudtrail), written here from those shapes,
#               not copied: a service's eventSource and a list of its
#               eventNames (most), the same with a filter, eventName by prefix
#               or suffix, "1 of selection_*" over services, a field of
#               requestParameters that contains a word, errorCode or Root
#               use, userAgent containing a tool's name;
#   conditions  JSON rules with named patterns, a condition and exceptions
#               (eventSource and eventNames, except a role or a network).
#
# The services and calls are gen_rules.sh's, so both kinds name the records
# the benchmark corpus holds.
kind=${1:?usage: gen_detections.sh sigma|conditions N DIR [SEED]}
n=${2:?usage: gen_detections.sh KIND N DIR [SEED]}
dir=${3:?usage: gen_detections.sh KIND N DIR [SEED]}
seed=${4:-20261207}
mkdir -p "$dir"
awk -v kind="$kind" -v n="$n" -v dir="$dir" -v seed="$seed" '
function rnd(k) { seed = (seed * 16807) % 2147483647; return seed % k }
function pick(list,    a, c) { c = split(list, a, " "); return a[rnd(c) + 1] }
# up to k distinct names of the list, one "      - NAME" line each
function ylist(list, k, ind,    a, c, out, i, j, used) {
	c = split(list, a, " ")
	if (k > c) k = c
	out = ""
	for (i = 0; i < k; i++) {
		do { j = rnd(c) + 1 } while (used[j])
		used[j] = 1
		out = out ind "- " a[j] "\n"
	}
	return out
}
function jlist(list, k,    a, c, out, i, j, used) {
	c = split(list, a, " ")
	if (k > c) k = c
	out = ""
	for (i = 0; i < k; i++) {
		do { j = rnd(c) + 1 } while (used[j])
		used[j] = 1
		out = out (i ? "," : "") "\"" a[j] "\""
	}
	return "[" out "]"
}
function head(i, title) {
	return "title: " title "\nid: 00000000-0000-4000-8000-" sprintf("%012d", i) "\nstatus: test\n" \
	    "logsource:\n  product: aws\n  service: cloudtrail\ndetection:\n"
}
function tail(level) {
	return "falsepositives:\n  - Administration\nlevel: " level "\n"
}
function sel(s, k) {
	return "    eventSource: " s ".amazonaws.com\n    eventName:\n" ylist(ev[s], k, "      ")
}
function sigma(i, s,    r, t, s2) {
	r = rnd(100)
	if (r < 45)
		return head(i, "Sensitive " s " calls") "  selection:\n" sel(s, 1 + rnd(4)) \
		    "  condition: selection\n" tail("medium")
	if (r < 60) {
		t = rnd(3)
		return head(i, "Sensitive " s " calls, not by automation") "  selection:\n" sel(s, 1 + rnd(3)) \
		    "  filter:\n" (t == 0 ? "    userIdentity.type: AWSService\n" : \
		    t == 1 ? "    userAgent|contains: terraform\n" : \
		    "    userIdentity.arn|endswith: \x27:assumed-role/" pick(roles) "\x27\n") \
		    "  condition: selection and not filter\n" tail("high")
	}
	if (r < 70)
		return head(i, s " deletions") "  selection:\n    eventSource: " s ".amazonaws.com\n" \
		    "    eventName|startswith: " (rnd(2) ? "Delete" : "Disable") "\n" \
		    "  condition: selection\n" tail("medium")
	if (r < 80) {
		do { s2 = svc[rnd(nsvc) + 1] } while (s2 == s)
		return head(i, s " or " s2 " changes") "  selection_" s ":\n" sel(s, 2) \
		    "  selection_" s2 ":\n" sel(s2, 2) "  condition: 1 of selection_*\n" tail("medium")
	}
	if (r < 88)
		return head(i, "A " s " call naming a sensitive resource") "  selection:\n" \
		    "    eventSource: " s ".amazonaws.com\n    requestParameters.name|contains: " pick(words) "\n" \
		    "  condition: selection\n" tail("low")
	if (r < 95) {
		if (rnd(2))
			return head(i, "Denied " s " calls") "  selection:\n    eventSource: " s ".amazonaws.com\n" \
			    "    errorCode:\n      - AccessDenied\n      - UnauthorizedOperation\n  condition: selection\n" tail("low")
		return head(i, "Root uses " s) "  selection:\n    eventSource: " s ".amazonaws.com\n" \
		    "    userIdentity.type: Root\n  condition: selection\n" tail("high")
	}
	return head(i, "An attack tool") "  selection:\n    userAgent|contains:\n" ylist(tools, 2, "      ") \
	    "  condition: selection\n" tail("high")
}
function conditions(i, s) {
	return "{\"name\":\"cond-" sprintf("%04d", i) "\",\"patterns\":{" \
	    "\"call\":{\"eventSource\":[\"" s ".amazonaws.com\"],\"eventName\":" jlist(ev[s], 1 + rnd(3)) "}," \
	    "\"write\":{\"readOnly\":[false]}}," \
	    "\"condition\":\"call and write\"," \
	    "\"exceptions\":[{\"userIdentity\":{\"arn\":[{\"suffix\":\":assumed-role/" pick(roles) "\"}]}}," \
	    "{\"sourceIPAddress\":[{\"cidr\":\"10." rnd(256) ".0.0/16\"}]}]}\n"
}
BEGIN {
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
	roles = "OrganizationAccountAccessRole GitHubActionsDeploy DatadogIntegrationRole eks-node-role lambda-exec-role"
	tools = "kali parrot pentoo sqlmap nmap Pacu ScoutSuite prowler cloudsploit"
	words = "backup prod secret admin audit"
	for (i = 0; i < n; i++) {
		s = svc[rnd(nsvc) + 1]
		if (kind == "sigma") {
			f = sprintf("%s/sigma-%04d.yml", dir, i)
			printf "%s", sigma(i, s) >f
		} else {
			f = sprintf("%s/cond-%04d.json", dir, i)
			printf "%s", conditions(i, s) >f
		}
		close(f)
	}
}'
