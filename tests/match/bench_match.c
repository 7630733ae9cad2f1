/*
 * bench_match: records/s of the matcher alone for 1, 10, 100 and 1,000 rules.
 *
 * Usage: bench_match [RECORDS]   (default 200000, best of 5 rounds)
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

#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "match/match.h"

#define NRULES    1000
#define NDISTINCT 100

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

/* A record as the SAX parser sees it: one token per event, each container
 * knowing where it ends (a parser skips a subtree without the matcher). */
enum tok_kind { T_MAP, T_END, T_ARRAY, T_KEY, T_STRING, T_NUMBER, T_TRUE, T_FALSE, T_NULL };

struct tok {
	enum tok_kind kind;
	const char *text; /* borrowed from the yajl tree */
	size_t len;
	size_t next; /* index of the token after this value */
};

struct record {
	struct tok *t;
	size_t n, cap;
	char *text; /* every token's text, in order, as in a parser's buffer */
	size_t used;
};

static size_t
push(struct record *r, enum tok_kind k, const char *text)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		if ((r->t = realloc(r->t, r->cap * sizeof(*r->t))) == NULL)
			abort();
	}
	r->t[r->n] = (struct tok){k, NULL, text ? strlen(text) : 0, 0};
	if (text != NULL) {
		r->t[r->n].text = r->text + r->used;
		memcpy(r->text + r->used, text, r->t[r->n].len);
		r->used += r->t[r->n].len;
	}
	return r->n++;
}

static void
flatten(struct record *r, yajl_val v)
{
	size_t at;

	if (YAJL_IS_OBJECT(v)) {
		at = push(r, T_MAP, NULL);
		for (size_t i = 0; i < v->u.object.len; i++) {
			push(r, T_KEY, v->u.object.keys[i]);
			flatten(r, v->u.object.values[i]);
		}
		push(r, T_END, NULL);
	} else if (YAJL_IS_ARRAY(v)) {
		at = push(r, T_ARRAY, NULL);
		for (size_t i = 0; i < v->u.array.len; i++)
			flatten(r, v->u.array.values[i]);
		push(r, T_END, NULL);
	} else if (YAJL_IS_STRING(v)) {
		at = push(r, T_STRING, v->u.string);
	} else if (YAJL_IS_NUMBER(v)) {
		at = push(r, T_NUMBER, v->u.number.r);
	} else {
		at = push(r, YAJL_IS_TRUE(v) ? T_TRUE : YAJL_IS_FALSE(v) ? T_FALSE : T_NULL, NULL);
	}
	r->t[at].next = r->n;
}

static size_t
feed(struct matcher *m, const struct match_node *n, const struct tok *t, size_t i)
{
	static const enum match_type types[] = {[T_STRING] = MATCH_STRING,
	    [T_NUMBER] = MATCH_NUMBER,
	    [T_TRUE] = MATCH_TRUE,
	    [T_FALSE] = MATCH_FALSE,
	    [T_NULL] = MATCH_NULL};
	size_t j = i + 1;

	switch (t[i].kind) {
	case T_MAP:
		while (t[j].kind != T_END) {
			const struct match_node *c = match_child(n, t[j].text, t[j].len);
			j = c != NULL ? feed(m, c, t, j + 1) : t[j + 1].next;
		}
		return j + 1;
	case T_ARRAY:
		while (t[j].kind != T_END)
			j = feed(m, n, t, j);
		return j + 1;
	default:
		if (match_wants_value(n))
			matcher_value(m, n, types[t[i].kind], t[i].text, t[i].len);
		return j;
	}
}

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Records per CPU-second; the best of a few rounds (the machine is shared). */
static double
run(struct rule_def *defs, size_t nrules, const struct record *recs, size_t nrecs, size_t *matches)
{
	struct ct_error err;
	struct ruleset *rs = ruleset_compile(defs, nrules, MATCH_ENVELOPE_CLOUDTRAIL, &err);
	struct matcher *m;
	const size_t *hits;
	double best = 0;

	if (rs == NULL) {
		fprintf(stderr, "bench_match: %s\n", err.msg);
		exit(2);
	}
	m = matcher_new(rs);
	for (int round = 0; round < 5; round++) {
		double t0 = cpu_now();
		*matches = 0;
		for (size_t i = 0; i < nrecs; i++) {
			matcher_begin(m);
			feed(m, match_root(rs), recs[i % NDISTINCT].t, 0);
			*matches += matcher_end(m, &hits);
		}
		t0 = cpu_now() - t0;
		if (nrecs / t0 > best)
			best = nrecs / t0;
	}
	matcher_free(m);
	ruleset_free(rs);
	return best;
}

/* ---- the same through yajl's SAX parser, as the record stream runs it ---- */

#define SAX_DEPTH 64

struct sax {
	struct matcher *m;
	const struct ruleset *rs;
	const struct match_node *stack[SAX_DEPTH]; /* node of each open container */
	int depth;
	const struct match_node *next; /* node of the value to come */
	int skip;                      /* depth inside an unwanted subtree */
};

static int
sax_scalar(struct sax *x, enum match_type t, const char *s, size_t len)
{
	if (x->skip == 0 && x->next != NULL && match_wants_value(x->next))
		matcher_value(x->m, x->next, t, s, len);
	if (x->depth > 0 && x->skip == 0)
		x->next = x->stack[x->depth - 1]; /* arrays: the next element */
	return 1;
}

static int
sax_null(void *ctx)
{
	return sax_scalar(ctx, MATCH_NULL, "null", 4);
}

static int
sax_bool(void *ctx, int b)
{
	return sax_scalar(ctx, b ? MATCH_TRUE : MATCH_FALSE, b ? "true" : "false", b ? 4 : 5);
}

static int
sax_number(void *ctx, const char *s, size_t len)
{
	return sax_scalar(ctx, MATCH_NUMBER, s, len);
}

static int
sax_string(void *ctx, const unsigned char *s, size_t len)
{
	return sax_scalar(ctx, MATCH_STRING, (const char *)s, len);
}

static int
sax_open(void *ctx)
{
	struct sax *x = ctx;

	if (x->skip > 0 || x->next == NULL || x->depth == SAX_DEPTH) {
		x->skip++;
		return 1;
	}
	x->stack[x->depth++] = x->next;
	return 1;
}

static int
sax_key(void *ctx, const unsigned char *k, size_t len)
{
	struct sax *x = ctx;

	if (x->skip == 0)
		x->next = match_child(x->stack[x->depth - 1], (const char *)k, len);
	return 1;
}

static int
sax_close(void *ctx)
{
	struct sax *x = ctx;

	if (x->skip > 0) {
		x->skip--;
	} else if (--x->depth == 0) {
		const size_t *hits;
		matcher_end(x->m, &hits);
		matcher_begin(x->m);
		x->next = match_root(x->rs);
	}
	if (x->skip == 0 && x->depth > 0)
		x->next = x->stack[x->depth - 1];
	return 1;
}

static const yajl_callbacks sax_callbacks = {sax_null, sax_bool, NULL, NULL, sax_number, sax_string,
    sax_open, sax_key, sax_close, sax_open, sax_close};

/* Records per CPU-second parsing NDJSON text and matching. */
static double
run_sax(struct rule_def *defs, size_t nrules, const char *text, size_t len, size_t nrecs)
{
	struct ct_error err;
	struct ruleset *rs = ruleset_compile(defs, nrules, MATCH_ENVELOPE_CLOUDTRAIL, &err);
	struct sax x = {0};
	double best = 0;

	x.rs = rs;
	x.m = matcher_new(rs);
	for (int round = 0; round < 3; round++) {
		double t0 = cpu_now();
		yajl_handle h = yajl_alloc(&sax_callbacks, NULL, &x);
		yajl_config(h, yajl_allow_multiple_values, 1);
		x.depth = x.skip = 0;
		x.next = match_root(rs);
		matcher_begin(x.m);
		if (yajl_parse(h, (const unsigned char *)text, len) != yajl_status_ok ||
		    yajl_complete_parse(h) != yajl_status_ok)
			abort();
		yajl_free(h);
		t0 = cpu_now() - t0;
		if (nrecs / t0 > best)
			best = nrecs / t0;
	}
	matcher_free(x.m);
	ruleset_free(rs);
	return best;
}

int
main(int argc, char **argv)
{
	static const size_t counts[] = {1, 10, 100, 1000};
	size_t nrecs = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
	struct rule_def defs[NRULES];
	yajl_val trees[NDISTINCT];
	static struct record recs[NDISTINCT];
	size_t bytes = 0;
	double base = 0;

	for (size_t i = 0; i < NRULES; i++) {
		size_t ncis = sizeof(cis) / sizeof(cis[0]);
		char *name = malloc(32);
		snprintf(name, 32, "rule-%zu", i);
		memset(&defs[i], 0, sizeof(defs[i]));
		defs[i].name = name;
		defs[i].pattern = i < ncis ? strdup(cis[i]) : make_rule(i);
		defs[i].origin = "bench";
	}
	size_t nsax = nrecs / 4 + 1, saxlen = 0;
	char *sax = NULL;

	for (unsigned i = 0; i < nsax; i++) { /* NDJSON, distinct records */
		char *text = make_record(i);
		size_t len = strlen(text);
		if ((sax = realloc(sax, saxlen + len + 1)) == NULL)
			abort();
		memcpy(sax + saxlen, text, len);
		sax[saxlen + len] = '\n';
		saxlen += len + 1;
		free(text);
	}
	for (unsigned i = 0; i < NDISTINCT; i++) {
		char *text = make_record(i);
		bytes += strlen(text);
		trees[i] = yajl_tree_parse(text, NULL, 0);
		if ((recs[i].text = malloc(strlen(text))) == NULL)
			abort();
		flatten(&recs[i], trees[i]);
		free(text);
	}
	printf("matcher alone, %zu records (%zu distinct, %.0f bytes each on average):\n", nrecs,
	    (size_t)NDISTINCT, (double)bytes / NDISTINCT);
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		size_t matches;
		double rps;
		if (c == 0) /* warm up caches and clocks */
			run(defs, counts[c], recs, nrecs / 5 + 1, &matches);
		rps = run(defs, counts[c], recs, nrecs, &matches);
		if (c == 0)
			base = rps;
		printf("%5zu rules: %10.0f records/s  %7.1f MB/s of JSON  %5.1f%% of 1 rule  "
		       "(%zu matches)\n",
		    counts[c], rps, rps * ((double)bytes / NDISTINCT) / 1e6, 100 * rps / base,
		    matches);
	}
	printf("with yajl parsing %zu NDJSON records (%.1f MB), as the record stream does:\n", nsax,
	    saxlen / 1e6);
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		double rps = run_sax(defs, counts[c], sax, saxlen, nsax);
		if (c == 0)
			base = rps;
		printf("%5zu rules: %10.0f records/s  %7.1f MB/s of JSON  %5.1f%% of 1 rule\n",
		    counts[c], rps, rps * ((double)saxlen / nsax) / 1e6, 100 * rps / base);
	}
	free(sax);
	for (size_t i = 0; i < NRULES; i++) {
		free((char *)defs[i].name);
		free((char *)defs[i].pattern);
	}
	for (size_t i = 0; i < NDISTINCT; i++) {
		free(recs[i].t);
		free(recs[i].text);
		yajl_tree_free(trees[i]);
	}
	return 0;
}
