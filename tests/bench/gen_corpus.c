/*
 * gen_corpus: writes a CloudTrail log object, {"Records":[...]}, of realistic
 * records to standard output, the same bytes for the same arguments.
 *
 *   gen_corpus [-n RECORDS] [-s SEED] [-t EVERY] [-a ACCOUNT] [-r REGION]
 *              [-d SECONDS] [--ndjson]
 *
 * Records come from templates of real API calls across many services, with
 * the usual userIdentity variants (IAM users, assumed roles with session
 * context, the root user, AWS services), request parameters and response
 * elements of varying depth and size, errors, resources and TLS details;
 * about 1.3 KB each on average, as in real logs. One record in EVERY
 * (default 5000; 0: none) is the tutorial's sns.amazonaws.com CreateTopic
 * call. -a and -r fix the account and region (default: a mix), -d spreads the
 * event times over that many seconds from 12:00 (default 43200).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 88172645463325252ULL;

static uint32_t
rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (uint32_t)((rng_state >> 11) % n) : 0;
}

#define PICK(a) ((a)[rnd(sizeof(a) / sizeof((a)[0]))])

static const char *const accounts[] = {"123456789012", "210987654321", "555566667777"};
static const char *const regions[] = {"us-east-1", "us-east-1", "us-east-1", "us-west-2",
    "eu-west-1", "eu-central-1", "ap-southeast-2"};
static const char *const words[] = {"alpha", "billing", "prod", "staging", "data", "logs",
    "web", "api", "batch", "etl", "audit", "metrics", "backup", "archive", "ml", "cache",
    "frontend", "payments", "search", "reports", "events", "orders", "users", "inventory"};
static const char *const users[] = {"alice", "bob", "carol", "dave", "erin", "frank",
    "deploy-bot", "ci-runner", "terraform", "grafana-reader"};
static const char *const roles[] = {"OrganizationAccountAccessRole", "AWSReservedSSO_AdminAccess_1a2b3c4d",
    "AWSReservedSSO_ReadOnly_9f8e7d6c", "eks-node-role", "lambda-exec-role", "ecsTaskExecutionRole",
    "GitHubActionsDeploy", "DatadogIntegrationRole", "config-recorder-role"};
static const char *const agents[] = {
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0-18-amd64 exe/x86_64.debian.12 prompt/off command/s3.cp",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.210 md/arch#x86_64 lang/python#3.12.2 cfg/retry-mode#legacy Botocore/1.34.69",
    "aws-sdk-go-v2/1.25.3 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.150.1",
    "aws-sdk-java/2.25.11 Linux/5.15.0 OpenJDK_64-Bit_Server_VM/17.0.10+7 Java/17.0.10 vendor/Eclipse_Adoptium",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.41.0 (+https://registry.terraform.io/providers/hashicorp/aws)",
    "console.amazonaws.com", "AWS Internal", "cloudformation.amazonaws.com", "AWS Internal",
    "lambda.amazonaws.com", "AWS Internal", "ec2.amazonaws.com", "AWS Internal"};
static const char *const services_principal[] = {"ec2.amazonaws.com", "lambda.amazonaws.com",
    "autoscaling.amazonaws.com", "config.amazonaws.com", "cloudformation.amazonaws.com"};
static const char *const ciphers[] = {"ECDHE-RSA-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384"};
static const char *const fillers[] = {"", "", "", "standard", "Managed by Terraform",
    "Nightly export of aggregated metrics for the reporting pipeline",
    "Temporary access granted for incident INC-20261124-0042; revoke after review",
    "Copied from the previous environment during the 2026 migration of the data platform "
    "to the new organisation structure with separate accounts per workload"};

/* An event: service, name, read-only, weight, request and response templates. */
struct event {
	const char *source;
	const char *name;
	int read_only;
	unsigned weight;
	const char *req;
	const char *resp;
};

static const struct event events[] = {
	{"s3.amazonaws.com", "GetObject", 1, 60,
	    "{\"bucketName\":\"%b\",\"Host\":\"%b.s3.%r.amazonaws.com\",\"key\":\"%k\"}", "null"},
	{"s3.amazonaws.com", "PutObject", 0, 30,
	    "{\"bucketName\":\"%b\",\"Host\":\"%b.s3.%r.amazonaws.com\",\"key\":\"%k\","
	    "\"x-amz-server-side-encryption\":\"aws:kms\",\"x-amz-server-side-encryption-aws-kms-key-id\":"
	    "\"arn:aws:kms:%r:%a:key/%u\"}",
	    "{\"x-amz-server-side-encryption\":\"aws:kms\",\"x-amz-version-id\":\"%h%h\"}"},
	{"s3.amazonaws.com", "ListObjects", 1, 20,
	    "{\"bucketName\":\"%b\",\"Host\":\"%b.s3.%r.amazonaws.com\",\"prefix\":\"%n/\","
	    "\"list-type\":\"2\",\"max-keys\":\"%d\"}", "null"},
	{"s3.amazonaws.com", "PutBucketPolicy", 0, 1,
	    "{\"bucketName\":\"%b\",\"Host\":\"s3.%r.amazonaws.com\",\"policy\":\"{\\\"Version\\\":\\\"2012-10-17\\\","
	    "\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{\\\"AWS\\\":\\\"arn:aws:iam::%a:root\\\"},"
	    "\\\"Action\\\":\\\"s3:GetObject\\\",\\\"Resource\\\":\\\"arn:aws:s3:::%b/*\\\"}]}\"}", "null"},
	{"sts.amazonaws.com", "AssumeRole", 1, 40,
	    "{\"roleArn\":\"arn:aws:iam::%a:role/%R\",\"roleSessionName\":\"%U-%d\",\"durationSeconds\":3600}",
	    "{\"credentials\":{\"accessKeyId\":\"ASIA%H\",\"sessionToken\":\"IQoJb3JpZ2luX2VjE%h%h%h%h%h%h%h%h\","
	    "\"expiration\":\"%T\"},\"assumedRoleUser\":{\"assumedRoleId\":\"AROA%H:%U\","
	    "\"arn\":\"arn:aws:sts::%a:assumed-role/%R/%U\"}}"},
	{"sts.amazonaws.com", "GetCallerIdentity", 1, 15, "null", "null"},
	{"kms.amazonaws.com", "Decrypt", 1, 45,
	    "{\"encryptionAlgorithm\":\"SYMMETRIC_DEFAULT\",\"encryptionContext\":{\"aws:lambda:FunctionArn\":"
	    "\"arn:aws:lambda:%r:%a:function:%n\"}}", "null"},
	{"kms.amazonaws.com", "GenerateDataKey", 1, 25,
	    "{\"keyId\":\"arn:aws:kms:%r:%a:key/%u\",\"keySpec\":\"AES_256\",\"encryptionContext\":"
	    "{\"aws:s3:arn\":\"arn:aws:s3:::%b/%k\"}}", "null"},
	{"kms.amazonaws.com", "ScheduleKeyDeletion", 0, 1,
	    "{\"keyId\":\"%u\",\"pendingWindowInDays\":30}",
	    "{\"keyId\":\"arn:aws:kms:%r:%a:key/%u\",\"deletionDate\":\"%T\",\"keyState\":\"PendingDeletion\","
	    "\"pendingWindowInDays\":30}"},
	{"ec2.amazonaws.com", "DescribeInstances", 1, 35,
	    "{\"instancesSet\":{\"items\":[{\"instanceId\":\"%i\"},{\"instanceId\":\"%i\"}]},"
	    "\"filterSet\":{\"items\":[{\"name\":\"tag:Environment\",\"valueSet\":{\"items\":[{\"value\":\"%w\"}]}}]}}",
	    "null"},
	{"ec2.amazonaws.com", "RunInstances", 0, 2,
	    "{\"instancesSet\":{\"items\":[{\"imageId\":\"ami-%h\",\"minCount\":1,\"maxCount\":1,\"keyName\":\"%n\"}]},"
	    "\"instanceType\":\"m6i.large\",\"blockDeviceMapping\":{\"items\":[{\"deviceName\":\"/dev/xvda\","
	    "\"ebs\":{\"volumeSize\":%d,\"deleteOnTermination\":true,\"volumeType\":\"gp3\",\"encrypted\":true}}]},"
	    "\"monitoring\":{\"enabled\":false},\"disableApiTermination\":false,\"subnetId\":\"%s\","
	    "\"tagSpecificationSet\":{\"items\":[{\"resourceType\":\"instance\",\"tags\":[{\"key\":\"Name\",\"value\":\"%n\"},"
	    "{\"key\":\"Owner\",\"value\":\"%U\"},{\"key\":\"Note\",\"value\":\"%f\"}]}]}}",
	    "{\"requestId\":\"%u\",\"reservationId\":\"r-%h\",\"ownerId\":\"%a\",\"groupSet\":{},\"instancesSet\":"
	    "{\"items\":[{\"instanceId\":\"%i\",\"imageId\":\"ami-%h\",\"currentInstanceBoot\":\"%T\","
	    "\"instanceState\":{\"code\":0,\"name\":\"pending\"},\"privateDnsName\":\"ip-10-0-%d-%d.ec2.internal\","
	    "\"amiLaunchIndex\":0,\"productCodes\":{},\"instanceType\":\"m6i.large\",\"launchTime\":%D,"
	    "\"placement\":{\"availabilityZone\":\"%ra\",\"tenancy\":\"default\"},\"monitoring\":{\"state\":\"disabled\"},"
	    "\"subnetId\":\"%s\",\"vpcId\":\"%v\",\"privateIpAddress\":\"10.0.%d.%d\",\"sourceDestCheck\":true,"
	    "\"groupSet\":{\"items\":[{\"groupId\":\"sg-%h\",\"groupName\":\"%n\"}]},\"architecture\":\"x86_64\","
	    "\"rootDeviceType\":\"ebs\",\"rootDeviceName\":\"/dev/xvda\",\"blockDeviceMapping\":{},"
	    "\"virtualizationType\":\"hvm\",\"hypervisor\":\"xen\",\"networkInterfaceSet\":{\"items\":"
	    "[{\"networkInterfaceId\":\"eni-%h\",\"subnetId\":\"%s\",\"vpcId\":\"%v\",\"ownerId\":\"%a\","
	    "\"status\":\"in-use\",\"macAddress\":\"0e:%d:%d:%d:%d:aa\",\"privateIpAddress\":\"10.0.%d.%d\"}]}}]}}"},
	{"ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", 0, 2,
	    "{\"groupId\":\"sg-%h\",\"ipPermissions\":{\"items\":[{\"ipProtocol\":\"tcp\",\"fromPort\":%d,"
	    "\"toPort\":%d,\"groups\":{},\"ipRanges\":{\"items\":[{\"cidrIp\":\"%p/32\",\"description\":\"%f\"}]},"
	    "\"ipv6Ranges\":{},\"prefixListIds\":{}}]}}",
	    "{\"requestId\":\"%u\",\"_return\":true,\"securityGroupRuleSet\":{\"items\":[{\"groupOwnerId\":\"%a\","
	    "\"groupId\":\"sg-%h\",\"securityGroupRuleId\":\"sgr-%h\",\"isEgress\":false,\"ipProtocol\":\"tcp\","
	    "\"fromPort\":%d,\"toPort\":%d,\"cidrIpv4\":\"%p/32\"}]}}"},
	{"ec2.amazonaws.com", "CreateRoute", 0, 1,
	    "{\"routeTableId\":\"rtb-%h\",\"destinationCidrBlock\":\"0.0.0.0/0\",\"gatewayId\":\"igw-%h\"}",
	    "{\"requestId\":\"%u\",\"_return\":true}"},
	{"iam.amazonaws.com", "GetRole", 1, 10, "{\"roleName\":\"%R\"}", "null"},
	{"iam.amazonaws.com", "PutRolePolicy", 0, 2,
	    "{\"roleName\":\"%R\",\"policyName\":\"%n\",\"policyDocument\":\"{\\n  \\\"Version\\\": \\\"2012-10-17\\\",\\n  "
	    "\\\"Statement\\\": [{\\\"Effect\\\": \\\"Allow\\\", \\\"Action\\\": [\\\"s3:GetObject\\\", \\\"s3:ListBucket\\\"], "
	    "\\\"Resource\\\": [\\\"arn:aws:s3:::%b\\\", \\\"arn:aws:s3:::%b/*\\\"]}]\\n}\"}", "null"},
	{"iam.amazonaws.com", "CreateAccessKey", 0, 1, "{\"userName\":\"%U\"}",
	    "{\"accessKey\":{\"userName\":\"%U\",\"accessKeyId\":\"AKIA%H\",\"status\":\"Active\",\"createDate\":\"%T\"}}"},
	{"lambda.amazonaws.com", "Invoke", 0, 20,
	    "{\"functionName\":\"arn:aws:lambda:%r:%a:function:%n\",\"invocationType\":\"Event\"}", "null"},
	{"lambda.amazonaws.com", "UpdateFunctionCode20150331v2", 0, 2,
	    "{\"functionName\":\"%n\",\"publish\":true,\"dryRun\":false,\"architectures\":[\"x86_64\"]}",
	    "{\"functionName\":\"%n\",\"functionArn\":\"arn:aws:lambda:%r:%a:function:%n\",\"runtime\":\"python3.12\","
	    "\"role\":\"arn:aws:iam::%a:role/%R\",\"handler\":\"app.handler\",\"codeSize\":%D,\"description\":\"%f\","
	    "\"timeout\":30,\"memorySize\":512,\"lastModified\":\"%T\",\"codeSha256\":\"%h%h%h%h\",\"version\":\"%d\","
	    "\"tracingConfig\":{\"mode\":\"PassThrough\"},\"revisionId\":\"%u\",\"state\":\"Active\","
	    "\"lastUpdateStatus\":\"InProgress\",\"packageType\":\"Zip\",\"architectures\":[\"x86_64\"],"
	    "\"ephemeralStorage\":{\"size\":512},\"snapStart\":{\"applyOn\":\"None\",\"optimizationStatus\":\"Off\"}}"},
	{"dynamodb.amazonaws.com", "DescribeTable", 1, 12, "{\"tableName\":\"%n\"}", "null"},
	{"logs.amazonaws.com", "CreateLogStream", 0, 14,
	    "{\"logGroupName\":\"/aws/lambda/%n\",\"logStreamName\":\"2026/11/24/[$LATEST]%h%h\"}", "null"},
	{"monitoring.amazonaws.com", "GetMetricData", 1, 18,
	    "{\"metricDataQueries\":[{\"id\":\"m1\",\"metricStat\":{\"metric\":{\"namespace\":\"AWS/EC2\","
	    "\"metricName\":\"CPUUtilization\",\"dimensions\":[{\"name\":\"InstanceId\",\"value\":\"%i\"}]},"
	    "\"period\":300,\"stat\":\"Average\"},\"returnData\":true}],\"startTime\":\"%T\",\"endTime\":\"%T\"}",
	    "null"},
	{"ssm.amazonaws.com", "GetParameters", 1, 12,
	    "{\"names\":[\"/%w/%n/db-password\",\"/%w/%n/api-key\"],\"withDecryption\":true}", "null"},
	{"secretsmanager.amazonaws.com", "GetSecretValue", 1, 10,
	    "{\"secretId\":\"arn:aws:secretsmanager:%r:%a:secret:%w/%n-%h\"}", "null"},
	{"ecr.amazonaws.com", "GetAuthorizationToken", 1, 8, "{\"registryIds\":[\"%a\"]}", "null"},
	{"ecs.amazonaws.com", "DescribeTasks", 1, 8,
	    "{\"cluster\":\"%n\",\"tasks\":[\"arn:aws:ecs:%r:%a:task/%n/%h%h\"],\"include\":[\"TAGS\"]}", "null"},
	{"sqs.amazonaws.com", "SetQueueAttributes", 0, 2,
	    "{\"queueUrl\":\"https://sqs.%r.amazonaws.com/%a/%n\",\"attributes\":{\"VisibilityTimeout\":\"%d\","
	    "\"MessageRetentionPeriod\":\"1209600\"}}", "null"},
	{"cloudtrail.amazonaws.com", "LookupEvents", 1, 3,
	    "{\"lookupAttributes\":[{\"attributeKey\":\"EventName\",\"attributeValue\":\"ConsoleLogin\"}],"
	    "\"maxResults\":50}", "null"},
	{"cloudtrail.amazonaws.com", "StopLogging", 0, 1,
	    "{\"name\":\"arn:aws:cloudtrail:%r:%a:trail/management-events\"}", "null"},
	{"config.amazonaws.com", "PutEvaluations", 0, 6,
	    "{\"evaluations\":[{\"complianceResourceType\":\"AWS::EC2::Instance\",\"complianceResourceId\":\"%i\","
	    "\"complianceType\":\"COMPLIANT\",\"orderingTimestamp\":\"%T\"}],\"resultToken\":\"%h%h%h%h%h%h\","
	    "\"testMode\":false}", "null"},
	{"signin.amazonaws.com", "ConsoleLogin", 0, 3, "null", "{\"ConsoleLogin\":\"Success\"}"},
	{"sns.amazonaws.com", "Publish", 0, 10,
	    "{\"topicArn\":\"arn:aws:sns:%r:%a:%n\",\"subject\":\"%f\"}", "{\"messageId\":\"%u\"}"},
	{"elasticloadbalancing.amazonaws.com", "DescribeTargetHealth", 1, 8,
	    "{\"targetGroupArn\":\"arn:aws:elasticloadbalancing:%r:%a:targetgroup/%n/%h\"}", "null"},
	{"route53.amazonaws.com", "ChangeResourceRecordSets", 0, 2,
	    "{\"hostedZoneId\":\"Z%H\",\"changeBatch\":{\"changes\":[{\"action\":\"UPSERT\",\"resourceRecordSet\":"
	    "{\"name\":\"%n.example.com\",\"type\":\"A\",\"tTL\":300,\"resourceRecords\":[{\"value\":\"%p\"}]}}]}}",
	    "{\"changeInfo\":{\"id\":\"/change/C%H\",\"status\":\"PENDING\",\"submittedAt\":\"%T\"}}"},
};

static void
hexs(FILE *f, int n)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < n; i++)
		putc(hex[rnd(16)], f);
}

static void
uuid(FILE *f)
{
	hexs(f, 8);
	putc('-', f);
	hexs(f, 4);
	fputs("-4", f);
	hexs(f, 3);
	putc('-', f);
	putc("89ab"[rnd(4)], f);
	hexs(f, 3);
	putc('-', f);
	hexs(f, 12);
}

/* Identifiers recur in real logs (the same instances, keys and principals act
 * all day); a pool of each keeps the corpus as compressible as a real one. */
#define POOL 48
static char pool_h[POOL][9], pool_H[POOL][17];

static void
make_pools(void)
{
	static const char hex[] = "0123456789abcdef", al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

	for (int i = 0; i < POOL; i++) {
		for (int j = 0; j < 8; j++)
			pool_h[i][j] = hex[rnd(16)];
		for (int j = 0; j < 16; j++)
			pool_H[i][j] = al[rnd(32)];
	}
}

static void
pooled(FILE *f, int upper_case)
{
	uint32_t i = rnd(POOL);

	fputs(upper_case ? pool_H[i] : pool_h[i], f);
}

/* The state of one record, shared by its placeholders. */
struct rec {
	const char *account, *region, *user, *role;
	unsigned sec; /* seconds since 12:00:00 */
};

static void
stamp(FILE *f, unsigned sec)
{
	fprintf(f, "2026-11-24T%02u:%02u:%02uZ", 12 + sec / 3600 % 12, sec / 60 % 60, sec % 60);
}

static void
expand(FILE *f, const char *t, const struct rec *r)
{
	for (; *t; t++) {
		if (*t != '%') {
			putc(*t, f);
			continue;
		}
		switch (*++t) {
		case 'a': fputs(r->account, f); break;
		case 'r': fputs(r->region, f); break;
		case 'b': fprintf(f, "%s-%s-%s", PICK(words), PICK(words), r->account); break;
		case 'k': fprintf(f, "%s/2026/11/24/part-%05u.parquet", PICK(words), rnd(100000)); break;
		case 'i': fputs("i-0", f); pooled(f, 0); pooled(f, 0); break;
		case 'n': fprintf(f, "%s-%s-%u", PICK(words), PICK(words), rnd(100)); break;
		case 'w': fputs(PICK(words), f); break;
		case 'u': uuid(f); break;
		case 't': case 'T': stamp(f, r->sec + rnd(7200)); break;
		case 'p': {
			uint32_t ip = (rnd(POOL) + 1) * 2654435761u;

			fprintf(f, "%u.%u.%u.%u", 3 + (ip >> 24) % 200, (ip >> 16) & 255, (ip >> 8) & 255,
			    1 + ip % 254);
			break;
		}
		case 'd': fprintf(f, "%u", rnd(1024)); break;
		case 'D': fprintf(f, "%u", 1000000 + rnd(90000000)); break;
		case 'h': pooled(f, 0); break;
		case 'H': pooled(f, 1); break;
		case 's': fputs("subnet-0", f); pooled(f, 0); pooled(f, 0); break;
		case 'v': fputs("vpc-0", f); pooled(f, 0); pooled(f, 0); break;
		case 'f': fputs(PICK(fillers), f); break;
		case 'R': fputs(r->role, f); break;
		case 'U': fputs(r->user, f); break;
		default: putc(*t, f);
		}
	}
}

static void
identity(FILE *f, const struct rec *r, const char *source)
{
	unsigned kind = rnd(100);

	if (strcmp(source, "sts.amazonaws.com") == 0 && kind < 15)
		kind = 96; /* services assume roles too */
	if (kind < 25) {
		fputs("{\"type\":\"IAMUser\",\"principalId\":\"AIDA", f);
		pooled(f, 1);
		expand(f, "\",\"arn\":\"arn:aws:iam::%a:user/%U\",\"accountId\":\"%a\",\"accessKeyId\":\"AKIA", r);
		pooled(f, 1);
		expand(f, "\",\"userName\":\"%U\"}", r);
	} else if (kind < 92) {
		fputs("{\"type\":\"AssumedRole\",\"principalId\":\"AROA", f);
		pooled(f, 1);
		expand(f, ":%U\",\"arn\":\"arn:aws:sts::%a:assumed-role/%R/%U\",\"accountId\":\"%a\","
		          "\"accessKeyId\":\"ASIA", r);
		pooled(f, 1);
		fputs("\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":\"AROA", f);
		pooled(f, 1);
		expand(f, "\",\"arn\":\"arn:aws:iam::%a:role/%R\",\"accountId\":\"%a\",\"userName\":\"%R\"},"
		          "\"webIdFederationData\":{},\"attributes\":{\"creationDate\":\"", r);
		stamp(f, r->sec > 900 ? r->sec - 900 : 0);
		fprintf(f, "\",\"mfaAuthenticated\":\"%s\"}", rnd(4) ? "false" : "true");
		fputs("}}", f);
	} else if (kind < 94) {
		expand(f, "{\"type\":\"Root\",\"principalId\":\"%a\",\"arn\":\"arn:aws:iam::%a:root\","
		          "\"accountId\":\"%a\",\"accessKeyId\":\"\"}", r);
	} else {
		fprintf(f, "{\"type\":\"AWSService\",\"invokedBy\":\"%s\"}", PICK(services_principal));
	}
}

static const struct event *
pick_event(unsigned total)
{
	unsigned w = rnd(total);

	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (w < events[i].weight)
			return &events[i];
		w -= events[i].weight;
	}
	return &events[0];
}

static const struct event create_topic = {"sns.amazonaws.com", "CreateTopic", 0, 0,
    "{\"name\":\"%n\",\"attributes\":{\"DisplayName\":\"%n\"}}",
    "{\"topicArn\":\"arn:aws:sns:%r:%a:%n\"}"};

static void
record(FILE *f, const struct event *e, struct rec *r)
{
	int error = !e->read_only ? rnd(40) == 0 : rnd(25) == 0;
	const char *agent;

	fputs("{\"eventVersion\":\"1.09\",\"userIdentity\":", f);
	identity(f, r, e->source);
	fputs(",\"eventTime\":\"", f);
	stamp(f, r->sec);
	fprintf(f, "\",\"eventSource\":\"%s\",\"eventName\":\"%s\",\"awsRegion\":\"%s\","
	           "\"sourceIPAddress\":\"",
	    e->source, e->name, r->region);
	expand(f, "%p", r);
	agent = PICK(agents);
	fprintf(f, "\",\"userAgent\":\"%s\",", agent);
	if (error)
		fputs("\"errorCode\":\"AccessDenied\",\"errorMessage\":\"User is not authorized to perform "
		      "this operation because no identity-based policy allows the action\",",
		    f);
	fputs("\"requestParameters\":", f);
	expand(f, e->req, r);
	fputs(",\"responseElements\":", f);
	expand(f, error ? "null" : e->resp, r);
	if (strcmp(e->source, "s3.amazonaws.com") == 0)
		expand(f, ",\"additionalEventData\":{\"SignatureVersion\":\"SigV4\",\"CipherSuite\":"
		          "\"TLS_AES_128_GCM_SHA256\",\"bytesTransferredIn\":0,\"AuthenticationMethod\":"
		          "\"AuthHeader\",\"x-amz-id-2\":\"%h%h%h%h\",\"bytesTransferredOut\":%D}",
		    r);
	fputs(",\"requestID\":\"", f);
	uuid(f);
	fputs("\",\"eventID\":\"", f);
	uuid(f);
	fprintf(f, "\",\"readOnly\":%s,", e->read_only ? "true" : "false");
	if (rnd(6) == 0)
		expand(f, "\"resources\":[{\"accountId\":\"%a\",\"type\":\"AWS::KMS::Key\","
		          "\"ARN\":\"arn:aws:kms:%r:%a:key/%u\"}],",
		    r);
	fprintf(f, "\"eventType\":\"AwsApiCall\",\"managementEvent\":%s,\"recipientAccountId\":\"%s\","
	           "\"eventCategory\":\"%s\"",
	    strcmp(e->source, "s3.amazonaws.com") && strcmp(e->name, "Invoke") ? "true" : "false",
	    r->account, strcmp(e->source, "s3.amazonaws.com") ? "Management" : "Data");
	if (strstr(agent, "amazonaws.com") == NULL && strcmp(agent, "AWS Internal") != 0)
		fprintf(f, ",\"tlsDetails\":{\"tlsVersion\":\"TLSv1.%d\",\"cipherSuite\":\"%s\","
		           "\"clientProvidedHostHeader\":\"%s.%s.amazonaws.com\"}",
		    2 + (int)rnd(2), PICK(ciphers), e->source[0] == 's' && e->source[1] == '3' ? "s3" : "api",
		    r->region);
	if (rnd(10) == 0)
		fputs(",\"sessionCredentialFromConsole\":\"true\"", f);
	putc('}', f);
}

int
main(int argc, char **argv)
{
	unsigned long n = 200000, every = 5000, span = 43200;
	const char *account = NULL, *region = NULL;
	unsigned total = 0;
	int ndjson = 0;
	static char obuf[1 << 20];
	struct rec r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			n = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			rng_state += strtoull(argv[++i], NULL, 10) * 0x9e3779b97f4a7c15ULL;
		else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			every = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-a") == 0 && i + 1 < argc)
			account = argv[++i];
		else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			region = argv[++i];
		else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc)
			span = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--ndjson") == 0)
			ndjson = 1;
		else {
			fprintf(stderr, "usage: gen_corpus [-n RECORDS] [-s SEED] [-t EVERY] [-a ACCOUNT] "
			                "[-r REGION] [-d SECONDS] [--ndjson]\n");
			return 2;
		}
	}
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	make_pools();
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		total += events[i].weight;
	if (!ndjson)
		fputs("{\"Records\":[", stdout);
	for (unsigned long i = 0; i < n; i++) {
		const struct event *e = every && i % every == every / 2 ? &create_topic : pick_event(total);

		r.account = PICK(accounts);
		r.region = PICK(regions);
		r.user = PICK(users);
		r.role = PICK(roles);
		r.sec = (unsigned)(i * span / (n ? n : 1));
		if (account)
			r.account = account;
		if (region)
			r.region = region;
		if (i && !ndjson)
			putchar(',');
		record(stdout, e, &r);
		if (ndjson)
			putchar('\n');
	}
	if (!ndjson)
		fputs("]}", stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}
