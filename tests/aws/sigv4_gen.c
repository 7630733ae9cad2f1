/*
 * sigv4_gen: prints deterministic pseudo-random requests for sqs, sns, sts
 * and s3, each signed by our signer, as JSON lines. sigv4_oracle.mjs signs the
 * same requests with the AWS SDK for JavaScript's signer and compares.
 *
 * Usage: sigv4_gen [COUNT [SEED]]
 *
 * Each line: service, region, method, host, path (as sent), query (name ->
 * value or array of values, unencoded), headers (as given to the signer),
 * body, unsignedPayload, credentials, time (epoch seconds) and our results:
 * canonicalRequest, stringToSign, authorization, plus the headers the signer
 * added.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/client.h"
#include "aws/sigv4.h"
#include "util/json.h"

#define MAXQ 12
#define MAXH 12

static uint64_t rng;

static uint64_t
rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t
pick(size_t n)
{
	return (size_t)(rnd() % n);
}

#define PICK(a) (a[pick(sizeof(a) / sizeof(a[0]))])

/* Pieces of S3 keys and query values: everything AWS canonicalisation cares
 * about (reserved characters, '%', '+', '~', '=', runs of '/', UTF-8). */
static const char *const pieces[] = {"a", "key", "file.json.gz", " ", "  ", "+", "~", "%", "%20",
    "=", "/", "//", "&", "?", "#", ";", ":", "@", "$", ",", "!", "*", "'", "(", ")", "[", "]", "{",
    "}", "|", "\\", "^", "`", "<", ">", "\"", "-", "_", ".", "..", "ü", "é", "日本語", "😀", "Ω",
    "x y z", "AWSLogs", "2024", "CloudTrail", "\t"};

static void
random_text(struct buf *b, int maxpieces)
{
	int n = 1 + (int)pick((size_t)maxpieces);

	for (int i = 0; i < n; i++)
		buf_puts(b, PICK(pieces));
}

struct gen {
	const char *service;
	const char *region;
	const char *method;
	char host[256];
	struct buf path;
	struct ctaws_kv query[MAXQ];
	struct buf qstore[2 * MAXQ];
	size_t nquery;
	struct ctaws_kv headers[MAXH];
	struct buf hstore[2 * MAXH];
	size_t nheaders;
	struct buf body;
	int has_body;
	int unsigned_payload;
	char akid[32], secret[64], token[128];
	time_t time;
};

static const char *const regions[] = {"us-east-1", "us-west-2", "eu-west-1", "eu-central-1",
    "ap-southeast-2", "sa-east-1", "cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-gov-east-1",
    "me-south-1", "il-central-1"};

static void
add_query(struct gen *g, const char *k, const char *v)
{
	size_t i;

	if (g->nquery >= MAXQ)
		return;
	i = g->nquery++;
	buf_reset(&g->qstore[2 * i]);
	buf_reset(&g->qstore[2 * i + 1]);
	buf_puts(&g->qstore[2 * i], k);
	buf_puts(&g->qstore[2 * i + 1], v);
	g->query[i].key = g->qstore[2 * i].data;
	g->query[i].value = g->qstore[2 * i + 1].data ? g->qstore[2 * i + 1].data : "";
}

static int
has_header(const struct gen *g, const char *name)
{
	for (size_t i = 0; i < g->nheaders; i++)
		if (strcasecmp(g->headers[i].key, name) == 0)
			return 1;
	return 0;
}

static void
add_header(struct gen *g, const char *k, const char *v)
{
	size_t i;

	if (g->nheaders >= MAXH || has_header(g, k))
		return;
	i = g->nheaders++;
	buf_reset(&g->hstore[2 * i]);
	buf_reset(&g->hstore[2 * i + 1]);
	buf_puts(&g->hstore[2 * i], k);
	buf_puts(&g->hstore[2 * i + 1], v);
	g->headers[i].key = g->hstore[2 * i].data;
	g->headers[i].value = g->hstore[2 * i + 1].data ? g->hstore[2 * i + 1].data : "";
}

static void
random_query(struct gen *g)
{
	static const char *const keys[] = {"list-type", "prefix", "Prefix", "max-keys",
	    "continuation-token", "versionId", "uploads", "acl", "a", "A", "b", "_", "~x",
	    "key with space", "k+plus", "k=eq", "ü", "Action", "x-id", "%41", "z", "[", "a-b",
	    "a.b"};
	size_t n = pick(5) ? pick(6) : pick(MAXQ);

	for (size_t i = 0; i < n; i++) {
		struct buf v = BUF_INIT;
		const char *k = PICK(keys);

		if (pick(4))
			random_text(&v, 4);
		add_query(g, k, v.data ? v.data : "");
		buf_free(&v);
		if (pick(6) == 0 && g->nquery < MAXQ) /* a repeated name */
			add_query(g, k, pick(2) ? "" : "dup value");
	}
}

static void
random_headers(struct gen *g)
{
	static const char *const names[] = {"X-Amz-Meta-Note", "x-amz-meta-Other", "Range",
	    "If-Match", "x-amz-expected-bucket-owner", "Content-MD5", "X-Custom", "Cache-Control",
	    "User-Agent", "X-Amzn-Trace-Id", "Content-Language", "Accept"};
	static const char *const values[] = {"plain", "  leading and trailing  ",
	    "many    inner   spaces", "tab\there", "bytes=0-99", "\"etag-123\"", "123456789012",
	    "x", "UTF-8 ü 日本", " \t mixed \t space\t ", "a,b,c", "k=v; q=1"};
	size_t n = pick(4);

	for (size_t i = 0; i < n; i++)
		add_header(g, PICK(names), PICK(values));
}

static void
random_creds(struct gen *g)
{
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static const char sec[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";

	snprintf(g->akid, sizeof(g->akid), "%s", pick(2) ? "AKIA" : "ASIA");
	for (int i = 4; i < 20; i++)
		g->akid[i] = alnum[pick(sizeof(alnum) - 1)];
	g->akid[20] = '\0';
	for (int i = 0; i < 40; i++)
		g->secret[i] = sec[pick(sizeof(sec) - 1)];
	g->secret[40] = '\0';
	g->token[0] = '\0';
	if (pick(2))
		for (int i = 0; i < 100; i++)
			g->token[i] = sec[pick(sizeof(sec) - 1)], g->token[i + 1] = '\0';
}

static void
gen_s3(struct gen *g)
{
	static const char *const buckets[] = {
	    "my-bucket", "logs.example.com", "cloudtrail-123", "a1b2c3", "bucket.with.dots"};
	static const char *const methods[] = {"GET", "GET", "HEAD", "PUT", "DELETE"};
	const char *bucket = PICK(buckets);
	int path_style = strchr(bucket, '.') != NULL || pick(3) == 0;
	struct buf key = BUF_INIT;

	g->service = "s3";
	g->method = PICK(methods);
	if (pick(8) == 0)
		buf_putc(&key, '/'); /* keys may begin with '/' */
	random_text(&key, 8);
	if (path_style) {
		snprintf(g->host, sizeof(g->host), "s3.%s.amazonaws.com", g->region);
		buf_putc(&g->path, '/');
		sigv4_uri_encode(&g->path, bucket, strlen(bucket), 0);
	} else {
		snprintf(g->host, sizeof(g->host), "%s.s3.%s.amazonaws.com", bucket, g->region);
	}
	buf_putc(&g->path, '/');
	if (pick(10))
		sigv4_uri_encode(&g->path, key.data, key.len, 1);
	buf_free(&key);
	random_query(g);
	random_headers(g);
	if (strcmp(g->method, "PUT") == 0) {
		g->has_body = 1;
		random_text(&g->body, 20);
		add_header(g, "Content-Type", "application/octet-stream");
	}
	g->unsigned_payload = pick(3) == 0;
}

static void
gen_sqs(struct gen *g)
{
	static const char *const targets[] = {"AmazonSQS.ReceiveMessage",
	    "AmazonSQS.DeleteMessageBatch", "AmazonSQS.ChangeMessageVisibilityBatch",
	    "AmazonSQS.GetQueueAttributes"};
	struct buf v = BUF_INIT;

	g->service = "sqs";
	g->method = "POST";
	snprintf(g->host, sizeof(g->host), pick(5) ? "sqs.%s.amazonaws.com" : "127.0.0.1:4566",
	    g->region);
	buf_puts(&g->path, "/");
	if (pick(4) == 0) { /* queue URL paths, and paths to normalise */
		buf_reset(&g->path);
		buf_puts(&g->path, pick(2) ? "/123456789012/my-queue" : "/a/./b/../c//d/");
		if (pick(2)) {
			buf_puts(&g->path, "/");
			random_text(&v, 3);
			sigv4_uri_encode(&g->path, v.data, v.len, 0);
		}
	}
	add_header(g, "Content-Type", "application/x-amz-json-1.0");
	add_header(g, "X-Amz-Target", PICK(targets));
	random_headers(g);
	g->has_body = 1;
	buf_reset(&v);
	random_text(&v, 6);
	buf_puts(&g->body, "{\"QueueUrl\":");
	json_put_string(&g->body, v.data, v.len);
	buf_puts(&g->body, ",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":20}");
	buf_free(&v);
}

static void
gen_query_protocol(struct gen *g, const char *service)
{
	struct buf v = BUF_INIT;

	g->service = service;
	g->method = "POST";
	snprintf(g->host, sizeof(g->host), "%s.%s.amazonaws.com", service, g->region);
	buf_puts(&g->path, "/");
	add_header(g, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
	random_headers(g);
	g->has_body = 1;
	random_text(&v, 10);
	if (strcmp(service, "sns") == 0) {
		ctaws_form_add(&g->body, "Action", "Publish");
		ctaws_form_add(&g->body, "Version", "2010-03-31");
		ctaws_form_add(&g->body, "TopicArn", "arn:aws:sns:us-east-1:123456789012:alerts");
		ctaws_form_add(&g->body, "Message", v.data);
	} else {
		ctaws_form_add(&g->body, "Action", pick(2) ? "AssumeRole" : "GetCallerIdentity");
		ctaws_form_add(&g->body, "Version", "2011-06-15");
		ctaws_form_add(&g->body, "RoleSessionName", v.data);
	}
	buf_free(&v);
}

static void
json_kv(struct buf *o, const char *k, const char *v)
{
	json_put_string(o, k, strlen(k));
	buf_putc(o, ':');
	json_put_string(o, v, strlen(v));
}

/* Query as a JSON object; repeated names become arrays. */
static void
json_query(struct buf *o, const struct gen *g)
{
	buf_putc(o, '{');
	for (size_t i = 0, first = 1; i < g->nquery; i++) {
		size_t j, count = 0;

		for (j = 0; j < i; j++)
			if (strcmp(g->query[j].key, g->query[i].key) == 0)
				break;
		if (j < i)
			continue; /* already written with the first one */
		buf_puts(o, first ? "" : ",");
		first = 0;
		json_put_string(o, g->query[i].key, strlen(g->query[i].key));
		buf_puts(o, ":[");
		for (j = i; j < g->nquery; j++)
			if (strcmp(g->query[j].key, g->query[i].key) == 0) {
				buf_puts(o, count++ ? "," : "");
				json_put_string(o, g->query[j].value, strlen(g->query[j].value));
			}
		buf_putc(o, ']');
	}
	buf_putc(o, '}');
}

static int
emit(struct gen *g, int n)
{
	struct ctaws_credentials *cr;
	struct sigv4_request r;
	struct sigv4_result res;
	struct buf creq = BUF_INIT, sts = BUF_INIT, o = BUF_INIT;
	struct ctaws_error err;
	char hash[65];
	int rc = 0;

	/* Host first, as the client sends it. */
	memmove(g->headers + 1, g->headers, g->nheaders * sizeof(g->headers[0]));
	g->headers[0] = (struct ctaws_kv){"host", g->host};
	g->nheaders++;
	if (g->unsigned_payload)
		snprintf(hash, sizeof(hash), "%s", SIGV4_UNSIGNED_PAYLOAD);
	else
		sigv4_sha256_hex(g->body.data ? g->body.data : "", g->body.len, hash);
	cr = ctaws_credentials_new(g->akid, g->secret, g->token, 0, "test");
	r = (struct sigv4_request){g->method, g->path.data, g->query, g->nquery, g->headers,
	    g->nheaders, hash, g->region, g->service, g->time, strcmp(g->service, "s3") == 0};
	if (sigv4_sign(&r, cr, NULL, &res, &err) == -1 ||
	    sigv4_canonical_request(&r, cr, &creq, NULL) == -1 ||
	    sigv4_string_to_sign(&r, creq.data, &sts) == -1) {
		fprintf(stderr, "sigv4_gen: request %d: %s\n", n, err.message);
		rc = -1;
		goto done;
	}
	buf_printf(&o, "{\"n\":%d,", n);
	json_kv(&o, "service", g->service), buf_putc(&o, ',');
	json_kv(&o, "region", g->region), buf_putc(&o, ',');
	json_kv(&o, "method", g->method), buf_putc(&o, ',');
	json_kv(&o, "host", g->host), buf_putc(&o, ',');
	json_kv(&o, "path", g->path.data), buf_puts(&o, ",\"query\":");
	json_query(&o, g);
	buf_puts(&o, ",\"headers\":{");
	for (size_t i = 0; i < g->nheaders; i++) {
		buf_puts(&o, i ? "," : "");
		json_kv(&o, g->headers[i].key, g->headers[i].value);
	}
	buf_puts(&o, "},\"body\":");
	if (g->has_body)
		json_put_string(&o, g->body.data ? g->body.data : "", g->body.len);
	else
		buf_puts(&o, "null");
	buf_printf(&o, ",\"unsignedPayload\":%s,\"time\":%lld,",
	    g->unsigned_payload ? "true" : "false", (long long)g->time);
	json_kv(&o, "accessKeyId", g->akid), buf_putc(&o, ',');
	json_kv(&o, "secretAccessKey", g->secret), buf_putc(&o, ',');
	json_kv(&o, "sessionToken", g->token), buf_putc(&o, ',');
	json_kv(&o, "canonicalRequest", creq.data), buf_putc(&o, ',');
	json_kv(&o, "stringToSign", sts.data), buf_putc(&o, ',');
	json_kv(&o, "amzDate", res.amz_date), buf_putc(&o, ',');
	json_kv(&o, "contentSha256", res.content_sha256), buf_putc(&o, ',');
	json_kv(&o, "authorization", res.authorization);
	buf_puts(&o, "}\n");
	fwrite(o.data, 1, o.len, stdout);
done:
	ctaws_credentials_release(cr);
	buf_free(&creq);
	buf_free(&sts);
	buf_free(&o);
	return rc;
}

static void
gen_free(struct gen *g)
{
	buf_free(&g->path);
	buf_free(&g->body);
	for (int i = 0; i < 2 * MAXQ; i++)
		buf_free(&g->qstore[i]);
	for (int i = 0; i < 2 * MAXH; i++)
		buf_free(&g->hstore[i]);
}

int
main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 400;
	int failed = 0;

	rng = argc > 2 ? strtoull(argv[2], NULL, 10) : 20241124;
	for (int n = 0; n < count; n++) {
		struct gen g;

		memset(&g, 0, sizeof(g));
		g.region = PICK(regions);
		/* 2015 .. 2035, any second */
		g.time = (time_t)(1420070400 + pick(20u * 365 * 86400));
		random_creds(&g);
		switch (n % 4) {
		case 0:
			gen_s3(&g);
			break;
		case 1:
			gen_sqs(&g);
			break;
		case 2:
			gen_query_protocol(&g, "sns");
			break;
		default:
			gen_query_protocol(&g, "sts");
			break;
		}
		if (strcmp(g.service, "s3") != 0)
			random_query(&g);
		if (emit(&g, n) == -1)
			failed = 1;
		gen_free(&g);
	}
	return failed;
}
