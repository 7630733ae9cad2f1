#!/bin/sh
# gen_rules.sh N DIR: writes N rules into DIR, one JSON rule file each (as a
# rules.d holds them), the same ones every time. The first is the tutorial's; the others
# are of the kinds people write: exact API calls, prefixes, ARN wildcards,
# CIDR ranges, nested request parameters, anything-but, error codes.
n=${1:?usage: gen_rules.sh N DIR}
dir=${2:?usage: gen_rules.sh N DIR}
mkdir -p "$dir"
awk -v n="$n" -v dir="$dir" 'BEGIN {
	split("sns s3 iam kms ec2 lambda sts cloudtrail config rds dynamodb logs ssm secretsmanager ecr ecs eks route53 sqs monitoring", svc, " ")
	split("Create Delete Update Put Attach Detach Modify Disable Enable Stop Start Revoke Authorize Tag Untag Restore", verb, " ")
	split("User Role Policy Bucket Key Trail Topic Queue Table Function Cluster Instance Snapshot Group Secret Parameter Alarm Vpc Subnet Route", noun, " ")
	split("us-east-1 us-west-2 eu-west-1 eu-central-1 ap-southeast-2", region, " ")
	for (i = 0; i < n; i++) {
		s = svc[i % 20 + 1]; v = verb[int(i / 20) % 16 + 1]; o = noun[int(i / 7) % 20 + 1]
		k = i % 8
		if (i == 0)
			p = "{\"eventSource\":[\"sns.amazonaws.com\"],\"eventName\":[\"CreateTopic\"]}"
		else if (k == 0)
			p = sprintf("{\"eventSource\":[\"%s.amazonaws.com\"],\"eventName\":[\"%s%s\"]}", s, v, o)
		else if (k == 1)
			p = sprintf("{\"eventSource\":[\"%s.amazonaws.com\"],\"eventName\":[{\"prefix\":\"%s%s\"}]}", s, v, o)
		else if (k == 2)
			p = sprintf("{\"userIdentity\":{\"arn\":[{\"wildcard\":\"arn:aws:iam::*:user/%s-%d\"}]}}", tolower(o), i)
		else if (k == 3)
			p = sprintf("{\"sourceIPAddress\":[{\"cidr\":\"10.%d.0.0/16\"}],\"eventName\":[\"%s%s\"]}", i % 256, v, o)
		else if (k == 4)
			p = sprintf("{\"requestParameters\":{\"bucketName\":[\"%s-logs-%d\"]},\"eventName\":[\"%sBucket%s\"]}", tolower(o), i, v, o)
		else if (k == 5)
			p = sprintf("{\"eventSource\":[\"%s.amazonaws.com\"],\"errorCode\":[\"AccessDenied\"],\"userIdentity\":{\"type\":[\"Root\"]}}", s)
		else if (k == 6)
			p = sprintf("{\"awsRegion\":[\"%s\"],\"eventName\":[\"%s%s%d\"],\"readOnly\":[false]}", region[i % 5 + 1], v, o, i)
		else
			p = sprintf("{\"eventSource\":[\"%s.amazonaws.com\"],\"eventName\":[{\"anything-but\":[\"Decrypt\",\"GetObject\",\"AssumeRole\",\"%s%s\"]}],\"userIdentity\":{\"sessionContext\":{\"attributes\":{\"mfaAuthenticated\":[\"false\"]}}},\"requestParameters\":{\"roleArn\":[{\"suffix\":\"/%s%d\"}]}}", s, v, o, o, i)
		f = sprintf("%s/bench-%04d.json", dir, i)
		printf "{\"name\":\"bench-%04d\",\"pattern\":%s}\n", i, p >f
		close(f)
	}
}'
