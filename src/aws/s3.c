/*
 * aws/s3: GetObject with resume after mid-body drops, HeadBucket,
 * HeadObject, and the region redirects they can meet (ListObjectsV2 is in
 * s3_list.c).
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/s3.h"

#define S3_REGION_CACHE  32 /* buckets whose region a redirect taught us */
#define S3_REDIRECTS_MAX 2  /* region changes followed in one call */

/* ---- bucket regions ------------------------------------------------------ */

static struct {
	char bucket[64];
	char region[32];
} region_cache[S3_REGION_CACHE];
static size_t region_next;
static pthread_mutex_t region_lock = PTHREAD_MUTEX_INITIALIZER;

int
s3_bucket_region(const char *bucket, char *out, size_t outlen)
{
	int rc = -1;
	size_t i;

	pthread_mutex_lock(&region_lock);
	for (i = 0; i < S3_REGION_CACHE && rc == -1; i++)
		if (region_cache[i].bucket[0] && strcmp(region_cache[i].bucket, bucket) == 0 &&
		    strlen(region_cache[i].region) < outlen) {
			strcpy(out, region_cache[i].region);
			rc = 0;
		}
	pthread_mutex_unlock(&region_lock);
	return rc;
}

void
s3_bucket_region_set(const char *bucket, const char *region)
{
	size_t i, slot;

	if (strlen(bucket) >= sizeof(region_cache[0].bucket) ||
	    strlen(region) >= sizeof(region_cache[0].region))
		return;
	pthread_mutex_lock(&region_lock);
	for (i = 0; i < S3_REGION_CACHE; i++)
		if (strcmp(region_cache[i].bucket, bucket) == 0)
			break;
	slot = i < S3_REGION_CACHE ? i : region_next++ % S3_REGION_CACHE;
	strcpy(region_cache[slot].bucket, bucket);
	strcpy(region_cache[slot].region, region);
	pthread_mutex_unlock(&region_lock);
}

static int
region_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= 32)
		return 0;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/* <Region>...</Region> in an S3 error body. */
static int
body_region(const struct buf *body, char *out, size_t outlen)
{
	const char *p, *q;

	if (body->data == NULL || (p = strstr(body->data, "<Region>")) == NULL)
		return -1;
	p += 8;
	if ((q = strstr(p, "</Region>")) == NULL || !region_ok(p, (size_t)(q - p)) ||
	    (size_t)(q - p) >= outlen)
		return -1;
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
	return 0;
}

int
s3_redirect_region(
    const struct ctaws_response *resp, const struct ctaws_error *err, char *out, size_t outlen)
{
	char region[64];

	if (err->errc != CTAWS_ERRC_WRONG_REGION && resp->status != 301 && resp->status != 307)
		return -1;
	if (ctaws_response_header(resp, "x-amz-bucket-region", region, sizeof(region)) == 0 &&
	    region_ok(region, strlen(region)) && strlen(region) < outlen) {
		strcpy(out, region);
		return 0;
	}
	return body_region(&resp->body, out, outlen);
}

/* ---- object metadata ----------------------------------------------------- */

static int
parse_ll(const char *s, const char **end, long long *out)
{
	char *e;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoll(s, &e, 10);
	*end = e;
	return errno == 0 ? 0 : -1;
}

int
s3_content_range(const char *value, long long *start, long long *end, long long *total)
{
	const char *p = value;

	while (*p == ' ')
		p++;
	if (strncmp(p, "bytes ", 6) != 0)
		return -1;
	p += 6;
	if (parse_ll(p, &p, start) == -1 || *p++ != '-' || parse_ll(p, &p, end) == -1 ||
	    *p++ != '/' || *end < *start)
		return -1;
	if (p[0] == '*' && p[1] == '\0') {
		*total = -1;
		return 0;
	}
	if (parse_ll(p, &p, total) == -1 || *p != '\0' || *total <= *end)
		return -1;
	return 0;
}

/* One "x-amz-meta-NAME: value" header line into info->meta; a name or a
 * value too long for its slot is left out rather than cut, since a cut
 * signature would only fail later and less clearly. */
static void
meta_line(const char *line, size_t len, struct s3_object_info *info)
{
	static const char prefix[] = "x-amz-meta-";
	const char *colon, *v, *end = line + len;
	size_t nlen, vlen;
	struct s3_meta *m;

	if (len <= sizeof(prefix) - 1 || strncasecmp(line, prefix, sizeof(prefix) - 1) != 0 ||
	    info->nmeta >= S3_META_MAX || (colon = memchr(line, ':', len)) == NULL)
		return;
	nlen = (size_t)(colon - line) - (sizeof(prefix) - 1);
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	vlen = (size_t)(end - v);
	m = &info->meta[info->nmeta];
	if (nlen == 0 || nlen >= sizeof(m->name) || vlen >= sizeof(m->value))
		return;
	memcpy(m->name, line + sizeof(prefix) - 1, nlen);
	m->name[nlen] = '\0';
	memcpy(m->value, v, vlen);
	m->value[vlen] = '\0';
	info->nmeta++;
}

static void
meta_from(const struct buf *headers, struct s3_object_info *info)
{
	const char *p = headers->data, *end, *eol;

	if (p == NULL)
		return;
	end = p + headers->len;
	for (; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		meta_line(p, (size_t)(eol - p) - (eol > p && eol[-1] == '\r'), info);
	}
}

void
s3_object_info_from(const struct ctaws_response *resp, struct s3_object_info *info)
{
	char v[128];
	long long start, end, total, len;
	const char *p;

	memset(info, 0, sizeof(*info));
	info->size = -1;
	if (ctaws_response_header(resp, "Content-Range", v, sizeof(v)) == 0 &&
	    s3_content_range(v, &start, &end, &total) == 0)
		info->size = total;
	else if (ctaws_response_header(resp, "Content-Length", v, sizeof(v)) == 0 &&
	         parse_ll(v, &p, &len) == 0 && *p == '\0')
		info->size = len;
	ctaws_response_header(resp, "ETag", info->etag, sizeof(info->etag));
	ctaws_response_header(
	    resp, "Content-Encoding", info->content_encoding, sizeof(info->content_encoding));
	ctaws_response_header(resp, "Content-Type", info->content_type, sizeof(info->content_type));
	meta_from(&resp->headers, info);
}

const char *
s3_object_meta(const struct s3_object_info *info, const char *name)
{
	int i;

	for (i = 0; i < info->nmeta; i++)
		if (strcasecmp(info->meta[i].name, name) == 0)
			return info->meta[i].value;
	return NULL;
}

/* ---- GetObject ----------------------------------------------------------- */

struct get_state {
	const struct s3_get_params *p;
	struct s3_get_result *res;
	struct ctaws_response *resp; /* the running attempt's answer (its headers) */
	long long attempt_bytes;     /* body bytes this attempt delivered */
	int started;                 /* this attempt's headers were checked */
	int head_done;               /* on_head was called */
	int sink_failed;             /* the caller's sink or on_head said stop */
	struct ctaws_error why;      /* why get_sink stopped a transfer by itself */
};

static int
get_head(struct get_state *st)
{
	st->head_done = 1;
	s3_object_info_from(st->resp, &st->res->info);
	if (st->p->on_head != NULL && st->p->on_head(st->p->arg, &st->res->info) == -1) {
		st->sink_failed = 1;
		return -1;
	}
	return 0;
}

/* A resumed answer must go on exactly where the body stopped, of the same
 * object; anything else would hand the sink bytes twice or out of order. */
static int
get_check_resume(struct get_state *st)
{
	long long start, end, total;
	char v[128];

	if (ctaws_response_header(st->resp, "Content-Range", v, sizeof(v)) == -1 ||
	    s3_content_range(v, &start, &end, &total) == -1 || start != st->res->bytes ||
	    (st->res->info.size >= 0 && total != st->res->info.size))
		return ctaws_error_set(&st->why, "s3", "GetObject", st->resp->status,
		    S3_ERR_RESUME_MISMATCH, 0, "resumed answer does not continue at byte %lld",
		    st->res->bytes);
	if (ctaws_response_header(st->resp, "ETag", v, sizeof(v)) == 0 &&
	    strcmp(v, st->res->info.etag) != 0)
		return ctaws_error_set(&st->why, "s3", "GetObject", st->resp->status,
		    S3_ERR_OBJECT_CHANGED, 0, "changed while being read: ETag %s, was %s", v,
		    st->res->info.etag);
	return 0;
}

static int
get_sink(void *arg, const void *data, size_t len)
{
	struct get_state *st = arg;

	if (!st->started) {
		st->started = 1;
		if (st->res->bytes > 0 && get_check_resume(st) == -1)
			return -1;
		if (!st->head_done && get_head(st) == -1)
			return -1;
	}
	if (len == 0)
		return 0;
	if (st->p->sink(st->p->arg, data, len) == -1) {
		st->sink_failed = 1;
		return -1;
	}
	st->attempt_bytes += (long long)len;
	st->res->bytes += (long long)len;
	return 0;
}

/* One request (ctaws_call retries it until a body byte arrives) for what is
 * left of the object. */
static int
get_attempt(struct ctaws_conn *conn, struct get_state *st, const char *region,
    struct ctaws_response *resp, struct ctaws_error *err)
{
	const struct s3_get_params *p = st->p;
	struct ctaws_kv hdr[3];
	char range[48];
	size_t n = 0;
	int rc;
	struct ctaws_request req = {
	    .service = "s3",
	    .operation = "GetObject",
	    .method = "GET",
	    .region = region[0] ? region : NULL,
	    .bucket = p->bucket,
	    .path = p->key,
	    .headers = hdr,
	    .sink = get_sink,
	    .sink_arg = st,
	};

	if (p->expected_owner != NULL)
		hdr[n++] = (struct ctaws_kv){"x-amz-expected-bucket-owner", p->expected_owner};
	if (st->res->bytes > 0) {
		snprintf(range, sizeof(range), "bytes=%lld-", st->res->bytes);
		hdr[n++] = (struct ctaws_kv){"Range", range};
		hdr[n++] = (struct ctaws_kv){"If-Match", st->res->info.etag};
	}
	req.nheaders = n;
	st->resp = resp;
	st->started = 0;
	st->attempt_bytes = 0;
	ctaws_error_clear(&st->why);
	rc = ctaws_call(conn, &req, resp, err);
	st->res->requests += resp->attempts;
	return rc;
}

enum get_next {
	GET_DONE,
	GET_FAIL,
	GET_AGAIN, /* another request: a resume, a retry or a redirect */
};

struct get_loop {
	char region[32]; /* where the next request goes; "" for the client's */
	int redirects;   /* region changes followed */
	int max_resumes;
};

/* After a failed request: follow a redirect, resume after a drop in the
 * body, or give up (ctaws_call already retried what failed before the body). */
static enum get_next
get_failed(
    struct get_state *st, struct get_loop *lp, struct ctaws_response *resp, struct ctaws_error *err)
{
	const struct s3_get_params *p = st->p;
	char region[32];

	if (st->why.code[0] != '\0') {
		*err = st->why;
		snprintf(err->request_id, sizeof(err->request_id), "%s", resp->request_id);
		return GET_FAIL;
	}
	if (st->sink_failed)
		return GET_FAIL;
	if (s3_redirect_region(resp, err, region, sizeof(region)) == 0 &&
	    strcmp(region, lp->region) != 0 && lp->redirects++ < S3_REDIRECTS_MAX) {
		s3_bucket_region_set(p->bucket, region);
		strcpy(lp->region, region);
		return GET_AGAIN;
	}
	if (resp->status == 412 && st->res->bytes > 0) {
		ctaws_error_set(err, "s3", "GetObject", 412, S3_ERR_OBJECT_CHANGED, 0,
		    "changed while being read: ETag %s no longer matches after %lld bytes",
		    st->res->info.etag, st->res->bytes);
		snprintf(err->request_id, sizeof(err->request_id), "%s", resp->request_id);
		return GET_FAIL;
	}
	if (st->attempt_bytes == 0 || err->errc == CTAWS_ERRC_ABORTED)
		return GET_FAIL;
	if (st->res->info.size >= 0 && st->res->bytes >= st->res->info.size)
		return GET_DONE; /* every byte arrived before the drop */
	if (st->res->info.etag[0] == '\0' || st->res->resumes >= lp->max_resumes)
		return GET_FAIL;
	st->res->resumes++;
	return GET_AGAIN;
}

static enum get_next
get_done(struct get_state *st, struct get_loop *lp, struct ctaws_error *err)
{
	if (!st->head_done && get_head(st) == -1) {
		ctaws_error_set(err, "s3", "GetObject", st->resp->status, "Aborted", 0,
		    "the caller stopped the transfer");
		return GET_FAIL;
	}
	if (st->res->info.size >= 0 && st->res->bytes < st->res->info.size) {
		/* The answer ended early without the transfer noticing. */
		ctaws_error_set(err, "s3", "GetObject", st->resp->status, "IncompleteBody", 1,
		    "body ended after %lld of %lld bytes", st->res->bytes, st->res->info.size);
		return get_failed(st, lp, st->resp, err);
	}
	return GET_DONE;
}

/* Puts "s3://bucket/key: " (or "bucket B: ") before err's message, so every
 * error names its object. */
void
s3_error_name_object(struct ctaws_error *err, const char *bucket, const char *key)
{
	char msg[sizeof(err->message) + 1200];
	size_t n;

	if (key != NULL)
		n = (size_t)snprintf(
		    msg, sizeof(msg), "s3://%.63s/%.1024s: %s", bucket, key, err->message);
	else
		n = (size_t)snprintf(msg, sizeof(msg), "bucket %.63s: %s", bucket, err->message);
	if (n >= sizeof(err->message))
		n = sizeof(err->message) - 1;
	memcpy(err->message, msg, n);
	err->message[n] = '\0';
}

int
s3_get_object(struct ctaws_conn *conn, const struct s3_get_params *p, struct s3_get_result *res,
    struct ctaws_error *err)
{
	struct get_state st = {.p = p, .res = res};
	struct get_loop lp = {.max_resumes = S3_RESUMES_DEFAULT};
	struct ctaws_response resp;
	enum get_next next;

	memset(res, 0, sizeof(*res));
	res->info.size = -1;
	if (p->bucket == NULL || p->bucket[0] == '\0' || p->key == NULL || p->key[0] == '\0' ||
	    p->sink == NULL)
		return ctaws_error_set(err, "s3", "GetObject", 0, "InvalidArgument", 0,
		    "GetObject needs a bucket, a key and a sink");
	if (p->max_resumes != 0)
		lp.max_resumes = p->max_resumes < 0 ? 0 : p->max_resumes;
	if (p->region != NULL)
		snprintf(lp.region, sizeof(lp.region), "%s", p->region);
	else if (s3_bucket_region(p->bucket, lp.region, sizeof(lp.region)) == -1)
		lp.region[0] = '\0';
	do {
		ctaws_response_init(&resp);
		if (get_attempt(conn, &st, lp.region, &resp, err) == 0)
			next = get_done(&st, &lp, err);
		else
			next = get_failed(&st, &lp, &resp, err);
		ctaws_response_free(&resp);
	} while (next == GET_AGAIN);
	snprintf(res->region, sizeof(res->region), "%s", lp.region);
	if (next == GET_FAIL) {
		s3_error_name_object(err, p->bucket, p->key);
		return -1;
	}
	return 0;
}

/* ---- requests that follow the bucket's region ----------------------------- */

int
s3_call_in_bucket_region(struct ctaws_conn *conn, struct ctaws_request *req,
    struct ctaws_response *resp, struct ctaws_error *err)
{
	char where[32] = "", next[32];
	int rc, redirects = 0;

	if (s3_bucket_region(req->bucket, where, sizeof(where)) == 0)
		req->region = where;
	for (;;) {
		ctaws_response_init(resp);
		rc = ctaws_call(conn, req, resp, err);
		if (rc == 0 || s3_redirect_region(resp, err, next, sizeof(next)) == -1 ||
		    strcmp(next, where) == 0 || redirects++ >= S3_REDIRECTS_MAX)
			break;
		s3_bucket_region_set(req->bucket, next);
		strcpy(where, next);
		req->region = where;
		ctaws_response_free(resp);
	}
	req->region = NULL; /* where pointed into this frame */
	return rc;
}

/* ---- HeadBucket ---------------------------------------------------------- */

int
s3_head_bucket(struct ctaws_conn *conn, const char *bucket, const char *expected_owner,
    char *region, size_t regionlen, struct ctaws_error *err)
{
	struct ctaws_kv hdr[1] = {{"x-amz-expected-bucket-owner", expected_owner}};
	struct ctaws_request req = {
	    .service = "s3",
	    .operation = "HeadBucket",
	    .method = "HEAD",
	    .bucket = bucket,
	    .headers = hdr,
	    .nheaders = expected_owner ? 1 : 0,
	};
	struct ctaws_response resp;
	int rc;

	if (bucket == NULL || bucket[0] == '\0')
		return ctaws_error_set(err, "s3", "HeadBucket", 0, "InvalidArgument", 0,
		    "HeadBucket needs a bucket name");
	rc = s3_call_in_bucket_region(conn, &req, &resp, err);
	if (region != NULL && regionlen > 0 &&
	    ctaws_response_header(&resp, "x-amz-bucket-region", region, regionlen) == -1)
		region[0] = '\0';
	ctaws_response_free(&resp);
	if (rc == -1)
		s3_error_name_object(err, bucket, NULL);
	return rc;
}

/* ---- HeadObject ---------------------------------------------------------- */

int
s3_head_object(struct ctaws_conn *conn, const char *bucket, const char *key,
    const char *expected_owner, struct s3_object_info *info, struct ctaws_error *err)
{
	struct ctaws_kv hdr[1] = {{"x-amz-expected-bucket-owner", expected_owner}};
	struct ctaws_request req = {
	    .service = "s3",
	    .operation = "HeadObject",
	    .method = "HEAD",
	    .bucket = bucket,
	    .path = key,
	    .headers = hdr,
	    .nheaders = expected_owner ? 1 : 0,
	};
	struct ctaws_response resp;
	int rc;

	memset(info, 0, sizeof(*info));
	info->size = -1;
	if (bucket == NULL || bucket[0] == '\0' || key == NULL || key[0] == '\0')
		return ctaws_error_set(err, "s3", "HeadObject", 0, "InvalidArgument", 0,
		    "HeadObject needs a bucket and a key");
	rc = s3_call_in_bucket_region(conn, &req, &resp, err);
	if (rc == 0)
		s3_object_info_from(&resp, info);
	ctaws_response_free(&resp);
	if (rc == -1)
		s3_error_name_object(err, bucket, key);
	return rc;
}
