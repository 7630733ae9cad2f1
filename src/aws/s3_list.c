/*
 * aws/s3_list: ListObjectsV2, page after page, keys handed to the caller as
 * each page is read.
 *
 * Keys are asked for with encoding-type=url so that a key holding characters
 * XML 1.0 cannot carry still lists; they are decoded only when the answer
 * says <EncodingType>url</EncodingType>, since a server that ignored the
 * request would otherwise have its literal '%' and '+' mangled.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/s3.h"
#include "aws/xml.h"

#define KEY_MAX   3072 /* a 1,024-byte key, url-encoded */
#define TOKEN_MAX 4096 /* continuation tokens are opaque; S3's are a few hundred bytes */

/* One page being read. */
struct page {
	const struct s3_list_params *p;
	struct s3_list_result *res;
	int encoded; /* the answer's keys are url-encoded */
	char key[KEY_MAX + 1];
	long long size;
	char etag[128];
	char modified[40];
	char token[TOKEN_MAX + 1]; /* NextContinuationToken, "" if none */
	int truncated;             /* IsTruncated was "true" */
	int stop;                  /* a callback returned 1 or -1 */
	int failed;                /* it returned -1 */
};

/* Decodes %XX and '+' (S3 encodes a space as '+') in place; -1 when a %
 * escape is malformed or decodes to NUL. */
static int
url_decode(char *s)
{
	char *w = s, hex[3] = {0};

	for (; *s; s++) {
		if (*s == '+') {
			*w++ = ' ';
		} else if (*s == '%') {
			if (!isxdigit((unsigned char)s[1]) || !isxdigit((unsigned char)s[2]))
				return -1;
			hex[0] = s[1];
			hex[1] = s[2];
			if ((*w++ = (char)strtol(hex, NULL, 16)) == '\0')
				return -1;
			s += 2;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
	return 0;
}

/* Copies text into out (outlen bytes); -1 when it does not fit. */
static int
take(char *out, size_t outlen, const char *text, size_t len)
{
	if (len >= outlen)
		return -1;
	memcpy(out, text, len);
	out[len] = '\0';
	return 0;
}

static void
called(struct page *pg, int rc)
{
	if (rc == 0)
		return;
	pg->stop = 1;
	pg->failed = rc < 0;
	pg->res->stopped = rc > 0;
}

static int
emit_object(struct page *pg)
{
	struct s3_list_object o = {pg->key, pg->size, pg->etag, pg->modified};

	if (pg->encoded && url_decode(pg->key) == -1)
		return -1;
	pg->res->objects++;
	if (pg->p->on_object != NULL)
		called(pg, pg->p->on_object(pg->p->arg, &o));
	pg->key[0] = pg->etag[0] = pg->modified[0] = '\0';
	pg->size = 0;
	return pg->stop ? -1 : 0;
}

static int
emit_prefix(struct page *pg, const char *text, size_t len)
{
	if (take(pg->key, sizeof(pg->key), text, len) == -1 ||
	    (pg->encoded && url_decode(pg->key) == -1))
		return -1;
	pg->res->prefixes++;
	if (pg->p->on_prefix != NULL)
		called(pg, pg->p->on_prefix(pg->p->arg, pg->key));
	pg->key[0] = '\0';
	return pg->stop ? -1 : 0;
}

static int
on_xml(void *arg, enum ctaws_xml_event ev, const char *path, const char *text, size_t len)
{
	struct page *pg = arg;
	char num[32];
	char *end;

	if (ev != CTAWS_XML_END)
		return 0;
	if (ctaws_xml_path_match(path, "/ListBucketResult/Contents/Key"))
		return take(pg->key, sizeof(pg->key), text, len);
	if (ctaws_xml_path_match(path, "/ListBucketResult/Contents/ETag"))
		return take(pg->etag, sizeof(pg->etag), text, len);
	if (ctaws_xml_path_match(path, "/ListBucketResult/Contents/LastModified"))
		return take(pg->modified, sizeof(pg->modified), text, len);
	if (ctaws_xml_path_match(path, "/ListBucketResult/Contents/Size")) {
		if (take(num, sizeof(num), text, len) == -1)
			return -1;
		errno = 0;
		pg->size = strtoll(num, &end, 10);
		return errno != 0 || end == num || *end != '\0' || pg->size < 0 ? -1 : 0;
	}
	if (ctaws_xml_path_match(path, "/ListBucketResult/Contents"))
		return pg->key[0] == '\0' ? -1 : emit_object(pg);
	if (ctaws_xml_path_match(path, "/ListBucketResult/CommonPrefixes/Prefix"))
		return emit_prefix(pg, text, len);
	if (ctaws_xml_path_match(path, "/ListBucketResult/NextContinuationToken"))
		return take(pg->token, sizeof(pg->token), text, len);
	if (ctaws_xml_path_match(path, "/ListBucketResult/IsTruncated"))
		pg->truncated = len == 4 && memcmp(text, "true", 4) == 0;
	return 0;
}

/* 1 when the body holds needle; bodies are NUL-terminated but may hold NULs. */
static int
body_has(const struct buf *b, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; b->data != NULL && i + n <= b->len; i++)
		if (memcmp(b->data + i, needle, n) == 0)
			return 1;
	return 0;
}

static int
read_page(struct page *pg, const struct buf *body, struct ctaws_error *err)
{
	struct ctaws_xml *x;
	int rc;

	pg->encoded = body_has(body, "<EncodingType>url</EncodingType>");
	pg->token[0] = pg->key[0] = pg->etag[0] = pg->modified[0] = '\0';
	pg->truncated = 0;
	if ((x = ctaws_xml_new(on_xml, pg)) == NULL)
		return ctaws_error_set(err, "s3", "ListObjectsV2", 0, "OutOfMemory", 0,
		    "no memory for the listing's parser");
	rc = ctaws_xml_feed(x, body->data, body->len, 1, err);
	ctaws_xml_free(x);
	pg->res->pages++;
	if (rc == 0 || (pg->stop && !pg->failed))
		return 0;
	if (pg->failed)
		return ctaws_error_set(err, "s3", "ListObjectsV2", 200, "Aborted", 0,
		    "the caller stopped the listing");
	if (strcmp(err->code, "XmlAborted") == 0)
		return ctaws_error_set(err, "s3", "ListObjectsV2", 200, "InvalidListing", 0,
		    "a listing page holds a key, size or token that cannot be read");
	return -1;
}

static int
list_request(struct ctaws_conn *conn, const struct s3_list_params *p, const char *token,
    struct ctaws_response *resp, struct ctaws_error *err)
{
	struct ctaws_kv q[7], hdr[1] = {{"x-amz-expected-bucket-owner", p->expected_owner}};
	char maxkeys[16];
	size_t n = 0;
	struct ctaws_request req = {
	    .service = "s3",
	    .operation = "ListObjectsV2",
	    .method = "GET",
	    .bucket = p->bucket,
	    .query = q,
	    .headers = hdr,
	    .nheaders = p->expected_owner ? 1 : 0,
	};

	q[n++] = (struct ctaws_kv){"list-type", "2"};
	q[n++] = (struct ctaws_kv){"encoding-type", "url"};
	if (p->prefix != NULL && p->prefix[0])
		q[n++] = (struct ctaws_kv){"prefix", p->prefix};
	if (p->delimiter != NULL && p->delimiter[0])
		q[n++] = (struct ctaws_kv){"delimiter", p->delimiter};
	if (token[0])
		q[n++] = (struct ctaws_kv){"continuation-token", token};
	else if (p->start_after != NULL && p->start_after[0])
		q[n++] = (struct ctaws_kv){"start-after", p->start_after};
	if (p->page_size > 0) {
		snprintf(maxkeys, sizeof(maxkeys), "%d", p->page_size);
		q[n++] = (struct ctaws_kv){"max-keys", maxkeys};
	}
	req.nquery = n;
	return s3_call_in_bucket_region(conn, &req, resp, err);
}

/* After a page: another one, the end, or a server that would loop. */
static int
next_page(const struct page *pg, char *token, struct ctaws_error *err)
{
	if (!pg->truncated || pg->stop)
		return 0;
	if (pg->token[0] == '\0' || strcmp(pg->token, token) == 0)
		return ctaws_error_set(err, "s3", "ListObjectsV2", 200, "InvalidListing", 0,
		    "a truncated listing page gives no new continuation token");
	strcpy(token, pg->token);
	return 1;
}

int
s3_list_objects(struct ctaws_conn *conn, const struct s3_list_params *p, struct s3_list_result *res,
    struct ctaws_error *err)
{
	struct page *pg;
	struct ctaws_response resp;
	char *token;
	int rc;

	memset(res, 0, sizeof(*res));
	if (p->bucket == NULL || p->bucket[0] == '\0')
		return ctaws_error_set(err, "s3", "ListObjectsV2", 0, "InvalidArgument", 0,
		    "ListObjectsV2 needs a bucket name");
	if ((pg = calloc(1, sizeof(*pg))) == NULL || (token = calloc(1, TOKEN_MAX + 1)) == NULL) {
		free(pg);
		return ctaws_error_set(err, "s3", "ListObjectsV2", 0, "OutOfMemory", 0,
		    "no memory to list bucket %s", p->bucket);
	}
	pg->p = p;
	pg->res = res;
	do {
		rc = list_request(conn, p, token, &resp, err);
		if (rc == 0 && (rc = read_page(pg, &resp.body, err)) == 0)
			rc = next_page(pg, token, err);
		if (rc == -1)
			ctaws_response_keep_request_id(&resp, err);
		ctaws_response_free(&resp);
	} while (rc == 1);
	free(token);
	free(pg);
	if (rc == -1)
		s3_error_name_object(err, p->bucket, NULL);
	return rc;
}
