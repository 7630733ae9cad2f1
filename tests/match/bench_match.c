/*
 * bench_match: records/s of the matcher alone for 1, 10, 100 and 1,000 rules.
 *
 * Usage: bench_match [RECORDS]   (default 300000)
 *
 * The rules are the CIS AWS Foundations monitoring controls (envelope style
 * and bare) followed by rules on one eventSource + eventName pair each,
 * again in both styles. The records are CloudTrail-shaped, parsed once with
 * yajl's tree API; the timed loop walks them exactly as the record stream
 * does (match_child per key, matcher_value per wanted scalar), so the
 * figures are the matcher's share of the pipeline's cost. Not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_tree.h>

#include "match/match.h"

#define NRULES    1000
#define NDISTINCT 1000

static const char *const cis[] = {
    "{\"detail\": {\"userIdentity\": {\"type\": [\"Root\"], \"invokedBy\": [{\"exists\": false}]}, "
    "\"eventType\": [{\"anything-but\": \"AwsServiceEvent\"}]}}",
    "{\"$or\": [{\"errorCode\": [{\"wildcard\": \"*UnauthorizedOperation\"}]}, "
    "{\"errorCode\": [{\"prefix\": \"AccessDenied\"}]}]}",
    "{\"detail-type\": [\"AWS Console Sign In via CloudTrail\"], \"detail\": {\"eventName\": "
    "[\"ConsoleLogin\"], \"additionalEventData\": {\"MFAUsed\": [{\"anything-but\": \"Yes\"}]}, "
    "\"responseElements\": {\"ConsoleLogin\": [\"Success\"]}}}",
    "{\"source\": [\"aws.iam\"], \"detail\": {\"eventName\": [\"DeleteGroupPolicy\", "
    "\"DeleteRolePolicy\", \"DeleteUserPolicy\", \"PutGroupPolicy\", \"PutRolePolicy\", "
    "\"PutUserPolicy\", \"CreatePolicy\", \"DeletePolicy\", \"CreatePolicyVersion\", "
    "\"DeletePolicyVersion\", \"AttachRolePolicy\", \"DetachRolePolicy\", \"AttachUserPolicy\", "
    "\"DetachUserPolicy\", \"AttachGroupPolicy\", \"DetachGroupPolicy\"]}}",
    "{\"eventSource\": [\"cloudtrail.amazonaws.com\"], \"eventName\": [\"CreateTrail\", "
    "\"UpdateTrail\", \"DeleteTrail\", \"StartLogging\", \"StopLogging\"]}",
    "{\"eventName\": [\"ConsoleLogin\"], \"errorMessage\": [\"Failed authentication\"]}",
    "{\"eventSource\": [\"kms.amazonaws.com\"], \"eventName\": [\"DisableKey\", "
    "\"ScheduleKeyDeletion\"]}",
    "{\"eventSource\": [\"s3.amazonaws.com\"], \"eventName\": [\"PutBucketAcl\", "
    "\"PutBucketPolicy\", \"PutBucketCors\", \"PutBucketLifecycle\", \"PutBucketReplication\", "
    "\"DeleteBucketPolicy\", \"DeleteBucketCors\", \"DeleteBucketLifecycle\", "
    "\"DeleteBucketReplication\"]}",
    "{\"source\": [\"aws.config\"], \"detail\": {\"eventName\": [\"StopConfigurationRecorder\", "
    "\"DeleteDeliveryChannel\", \"PutDeliveryChannel\", \"PutConfigurationRecorder\"]}}",
    "{\"eventName\": [\"AuthorizeSecurityGroupIngress\", \"AuthorizeSecurityGroupEgress\", "
    "\"RevokeSecurityGroupIngress\", \"RevokeSecurityGroupEgress\", \"CreateSecurityGroup\", "
    "\"DeleteSecurityGroup\"]}",
    "{\"eventName\": [\"CreateNetworkAcl\", \"CreateNetworkAclEntry\", \"DeleteNetworkAcl\", "
    "\"DeleteNetworkAclEntry\", \"ReplaceNetworkAclEntry\", \"ReplaceNetworkAclAssociation\"]}",
    "{\"eventName\": [\"CreateCustomerGateway\", \"DeleteCustomerGateway\", "
    "\"AttachInternetGateway\", \"CreateInternetGateway\", \"DeleteInternetGateway\", "
    "\"DetachInternetGateway\"]}",
    "{\"source\": [\"aws.ec2\"], \"detail\": {\"eventName\": [\"CreateRoute\", "
    "\"CreateRouteTable\", \"ReplaceRoute\", \"ReplaceRouteTableAssociation\", "
    "\"DeleteRouteTable\", \"DeleteRoute\", \"DisassociateRouteTable\"]}}",
    "{\"eventName\": [\"CreateVpc\", \"DeleteVpc\", \"ModifyVpcAttribute\", "
    "\"AcceptVpcPeeringConnection\", \"CreateVpcPeeringConnection\", "
    "\"DeleteVpcPeeringConnection\", \"RejectVpcPeeringConnection\", \"AttachClassicLinkVpc\", "
    "\"DetachClassicLinkVpc\", \"DisableVpcClassicLink\", \"EnableVpcClassicLink\"]}",
};

static const char *const services[] = {"ec2", "s3", "iam", "sts", "kms", "lambda", "sns", "sqs",
    "dynamodb", "logs", "monitoring", "cloudtrail", "config", "rds", "ecs", "ssm", "secretsmanager",
    "elasticloadbalancing", "autoscaling", "route53"};
#define NSERVICES (sizeof(services) / sizeof(services[0]))

static const char *const verbs[] = {
    "Describe", "Get", "List", "Create", "Delete", "Put", "Update", "Assume", "Decrypt", "Start"};

static char *
make_rule(size_t i)
{
	char *p = malloc(512);
	const char *svc = services[i % NSERVICES];

	if (p == NULL)
		abort();
	if (i % 2 == 0)
		snprintf(p, 512,
		    "{\"eventSource\": [\"%s.amazonaws.com\"], \"eventName\": "
		    "[\"%sThing%zu\"]}",
		    svc, verbs[i % 10], i);
	else
		snprintf(p, 512,
		    "{\"source\": [\"aws.%s\"], \"detail-type\": [\"AWS API Call via "
		    "CloudTrail\"], \"detail\": {\"eventName\": [\"%sThing%zu\"]}}",
		    svc, verbs[i % 10], i);
	return p;
}

static char *
make_record(unsigned seed)
{
	char *p = malloc(4096);
	const char *svc = services[seed % NSERVICES];
	unsigned n = (seed * 2654435761u) % 2000;
	int err = seed % 17 == 0;

	if (p == NULL)
		abort();
	snprintf(p, 4096,
	    "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"%s\",\"principalId\":"
	    "\"AIDAEXAMPLE%u\",\"arn\":\"arn:aws:iam::123456789012:user/u%u\",\"accountId\":"
	    "\"123456789012\",\"accessKeyId\":\"AKIAEXAMPLE\",\"sessionContext\":{\"attributes\":"
	    "{\"creationDate\":\"2026-11-24T10:00:00Z\",\"mfaAuthenticated\":\"false\"}}},"
	    "\"eventTime\":\"2026-11-24T10:%02u:00Z\",\"eventSource\":\"%s.amazonaws.com\","
	    "\"eventName\":\"%sThing%u\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":"
	    "\"10.0.%u.%u\",\"userAgent\":\"aws-cli/2.13.0 Python/3.11\",\"requestParameters\":"
	    "{\"bucketName\":\"b%u\",\"key\":\"k/%u\",\"maxResults\":50},\"responseElements\":null,"
	    "%s\"requestID\":\"R%u\",\"eventID\":\"E%u\",\"readOnly\":%s,\"resources\":[{\"ARN\":"
	    "\"arn:aws:s3:::b%u\",\"type\":\"AWS::S3::Bucket\"}],\"eventType\":\"AwsApiCall\","
	    "\"managementEvent\":true,\"recipientAccountId\":\"123456789012\",\"eventCategory\":"
	    "\"Management\",\"tlsDetails\":{\"tlsVersion\":\"TLSv1.3\"}}",
	    seed % 50 == 0 ? "Root" : "IAMUser", seed, seed % 100, seed % 60, svc, verbs[n % 10], n,
	    seed % 256, (seed / 7) % 256, seed % 40, seed,
	    err ? "\"errorCode\":\"AccessDenied\",\"errorMessage\":\"denied\"," : "", seed, seed,
	    seed % 3 ? "true" : "false", seed % 40);
	return p;
}

static void
walk(struct matcher *m, const struct match_node *n, yajl_val v)
{
	if (YAJL_IS_OBJECT(v)) {
		for (size_t i = 0; i < v->u.object.len; i++) {
			const char *k = v->u.object.keys[i];
			const struct match_node *c = match_child(n, k, strlen(k));
			if (c != NULL)
				walk(m, c, v->u.object.values[i]);
		}
	} else if (YAJL_IS_ARRAY(v)) {
		for (size_t i = 0; i < v->u.array.len; i++)
			walk(m, n, v->u.array.values[i]);
	} else if (match_wants_value(n)) {
		if (YAJL_IS_STRING(v))
			matcher_value(m, n, MATCH_STRING, v->u.string, strlen(v->u.string));
		else if (YAJL_IS_NUMBER(v))
			matcher_value(m, n, MATCH_NUMBER, v->u.number.r, strlen(v->u.number.r));
		else
			matcher_value(m, n,
			    YAJL_IS_TRUE(v)    ? MATCH_TRUE
			    : YAJL_IS_FALSE(v) ? MATCH_FALSE
			                       : MATCH_NULL,
			    "", 0);
	}
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
run(struct rule_def *defs, size_t nrules, yajl_val *recs, size_t nrecs, size_t *matches)
{
	struct ct_error err;
	struct ruleset *rs = ruleset_compile(defs, nrules, MATCH_ENVELOPE_CLOUDTRAIL, &err);
	struct matcher *m;
	const size_t *hits;
	double t0;

	if (rs == NULL) {
		fprintf(stderr, "bench_match: %s\n", err.msg);
		exit(2);
	}
	m = matcher_new(rs);
	*matches = 0;
	t0 = now();
	for (size_t i = 0; i < nrecs; i++) {
		matcher_begin(m);
		walk(m, match_root(rs), recs[i % NDISTINCT]);
		*matches += matcher_end(m, &hits);
	}
	t0 = now() - t0;
	matcher_free(m);
	ruleset_free(rs);
	return (double)nrecs / t0;
}

int
main(int argc, char **argv)
{
	static const size_t counts[] = {1, 10, 100, 1000};
	size_t nrecs = argc > 1 ? strtoul(argv[1], NULL, 10) : 300000;
	struct rule_def defs[NRULES];
	yajl_val recs[NDISTINCT];
	size_t bytes = 0;
	double base = 0;

	for (size_t i = 0; i < NRULES; i++) {
		size_t ncis = sizeof(cis) / sizeof(cis[0]);
		char *name = malloc(32);
		snprintf(name, 32, "rule-%zu", i);
		defs[i].name = name;
		defs[i].pattern = i < ncis ? strdup(cis[i]) : make_rule(i);
		defs[i].origin = "bench";
	}
	for (unsigned i = 0; i < NDISTINCT; i++) {
		char *text = make_record(i);
		bytes += strlen(text);
		recs[i] = yajl_tree_parse(text, NULL, 0);
		free(text);
	}
	printf("%zu records (%zu distinct, %.0f bytes each on average)\n", nrecs, (size_t)NDISTINCT,
	    (double)bytes / NDISTINCT);
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		size_t matches;
		double rps = run(defs, counts[c], recs, nrecs, &matches);
		if (c == 0)
			base = rps;
		printf("%5zu rules: %10.0f records/s  %7.1f MB/s of JSON  %5.1f%% of 1 rule  "
		       "(%zu matches)\n",
		    counts[c], rps, rps * ((double)bytes / NDISTINCT) / 1e6, 100 * rps / base,
		    matches);
	}
	for (size_t i = 0; i < NRULES; i++) {
		free((char *)defs[i].name);
		free((char *)defs[i].pattern);
	}
	for (size_t i = 0; i < NDISTINCT; i++)
		yajl_tree_free(recs[i]);
	return 0;
}
