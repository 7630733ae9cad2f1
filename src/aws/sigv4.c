/*
 * aws/sigv4: canonicalisation, key derivation and the Authorization header.
 */
#include "aws/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_CACHE_SLOTS 16

static const char hexdigits[] = "0123456789abcdef";

static void
hex(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdigits[in[i] >> 4];
		out[2 * i + 1] = hexdigits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void
sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(data, len, md);
	hex(md, sizeof(md), out);
}

void
sigv4_amz_date(time_t t, char out[17])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '~';
}

int
sigv4_uri_encode(struct buf *b, const char *s, size_t n, int keep_slash)
{
	static const char upper[] = "0123456789ABCDEF";

	if (buf_reserve(b, n * 3) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (unreserved(c) || (keep_slash && c == '/')) {
			b->data[b->len++] = (char)c;
		} else {
			b->data[b->len++] = '%';
			b->data[b->len++] = upper[c >> 4];
			b->data[b->len++] = upper[c & 15];
		}
	}
	b->data[b->len] = '\0';
	return 0;
}

/* One encoded query parameter, for sorting. */
struct qparam {
	char *key;
	char *value;
};

static int
qparam_cmp(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->value, y->value);
}

static char *
encode_dup(const char *s)
{
	struct buf b = BUF_INIT;

	if (sigv4_uri_encode(&b, s ? s : "", s ? strlen(s) : 0, 0) == -1) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

int
sigv4_canonical_query(struct buf *b, const struct ctaws_kv *q, size_t n)
{
	struct qparam *p;
	size_t i;
	int rc = 0;

	if (n == 0)
		return buf_reserve(b, 0);
	if ((p = calloc(n, sizeof(*p))) == NULL)
		return -1;
	for (i = 0; i < n && rc == 0; i++)
		if ((p[i].key = encode_dup(q[i].key)) == NULL ||
		    (p[i].value = encode_dup(q[i].value)) == NULL)
			rc = -1;
	if (rc == 0)
		qsort(p, n, sizeof(*p), qparam_cmp);
	for (i = 0; i < n && rc == 0; i++)
		rc = buf_printf(b, "%s%s=%s", i ? "&" : "", p[i].key, p[i].value);
	for (i = 0; i < n; i++) {
		free(p[i].key);
		free(p[i].value);
	}
	free(p);
	return rc;
}

/* Non-S3 services: drop empty and "." segments, resolve "..", encode again. */
static int
canonical_path(struct buf *b, const char *path, int s3)
{
	struct buf norm = BUF_INIT;
	const char *p = path, *end = path + strlen(path);
	size_t nseg = 0;
	int rc;

	if (s3)
		return buf_puts(b, path);
	if (buf_reserve(&norm, (size_t)(end - p) + 1) == -1)
		return -1;
	while (p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t n = slash ? (size_t)(slash - p) : (size_t)(end - p);

		if (n == 2 && memcmp(p, "..", 2) == 0) {
			char *last = nseg ? memrchr(norm.data, '/', norm.len) : NULL;

			if (last) {
				norm.len = (size_t)(last - norm.data);
				nseg--;
			}
		} else if (n > 0 && !(n == 1 && *p == '.')) {
			norm.data[norm.len++] = '/';
			memcpy(norm.data + norm.len, p, n);
			norm.len += n;
			nseg++;
		}
		p += n + 1;
	}
	norm.data[norm.len] = '\0';
	/* norm is "/a/b" (each segment after a '/'); fix both ends. */
	if (path[0] != '/' && norm.len)
		memmove(norm.data, norm.data + 1, norm.len--);
	if (path[0] == '/' && norm.len == 0)
		buf_putc(&norm, '/');
	else if (nseg && end > path && end[-1] == '/')
		buf_putc(&norm, '/');
	rc = sigv4_uri_encode(b, norm.data, norm.len, 1);
	buf_free(&norm);
	return rc;
}

/* A header as signed: lowercase name, trimmed and folded value. */
struct chdr {
	char *name;
	const char *value;
	size_t order; /* input position, for a stable sort */
};

static int
chdr_cmp(const void *a, const void *b)
{
	const struct chdr *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int
unsignable(const char *n)
{
	static const char *const skip[] = {"authorization", "cache-control", "connection", "expect",
	    "from", "keep-alive", "max-forwards", "pragma", "referer", "te", "trailer",
	    "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id", "x-amz-date",
	    "x-amz-security-token", NULL};

	for (const char *const *s = skip; *s; s++)
		if (strcmp(n, *s) == 0)
			return 1;
	return strncmp(n, "proxy-", 6) == 0 || strncmp(n, "sec-", 4) == 0;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Appends v trimmed, with every run of whitespace folded to one space. */
static int
fold_value(struct buf *b, const char *v)
{
	const char *end = v + strlen(v);

	while (v < end && is_space(*v))
		v++;
	while (end > v && is_space(end[-1]))
		end--;
	while (v < end) {
		if (is_space(*v)) {
			while (is_space(*v))
				v++;
			if (buf_putc(b, ' ') == -1)
				return -1;
			continue;
		}
		if (buf_putc(b, *v++) == -1)
			return -1;
	}
	return 0;
}

/* The signer's own headers, added to the caller's. */
struct added {
	char date[17];
	char sha[65];
	const char *token;
};

static void
added_headers(const struct sigv4_request *r, const struct ctaws_credentials *cr, struct added *a)
{
	int have_sha = 0;

	sigv4_amz_date(r->time, a->date);
	a->token = cr && cr->session_token && *cr->session_token ? cr->session_token : NULL;
	a->sha[0] = '\0';
	for (size_t i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].key, "x-amz-content-sha256") == 0)
			have_sha = 1;
	if (r->s3 && !have_sha)
		snprintf(a->sha, sizeof(a->sha), "%s", r->payload_hash);
}

static struct chdr *
collect_headers(const struct sigv4_request *r, const struct added *a, size_t *np)
{
	size_t n = 0, cap = r->nheaders + 3;
	struct chdr *h = calloc(cap, sizeof(*h));
	struct ctaws_kv extra[3] = {{"x-amz-date", a->date}, {"x-amz-security-token", a->token},
	    {"x-amz-content-sha256", a->sha[0] ? a->sha : NULL}};

	if (h == NULL)
		return NULL;
	for (size_t i = 0; i < r->nheaders + 3; i++) {
		const struct ctaws_kv *kv =
		    i < r->nheaders ? &r->headers[i] : &extra[i - r->nheaders];
		int ours = i >= r->nheaders;

		if (kv->value == NULL)
			continue;
		if ((h[n].name = strdup(kv->key)) == NULL)
			goto fail;
		for (char *c = h[n].name; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c + 32);
		if (!ours && unsignable(h[n].name)) {
			free(h[n].name);
			continue;
		}
		h[n].value = kv->value;
		h[n].order = i;
		n++;
	}
	qsort(h, n, sizeof(*h), chdr_cmp);
	*np = n;
	return h;
fail:
	for (size_t i = 0; i < n; i++)
		free(h[i].name);
	free(h);
	return NULL;
}

/* "name:v1,v2\n" per distinct name; names joined by ';' into signed. */
static int
canonical_headers(struct buf *b, struct buf *signed_hdrs, const struct chdr *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int same = i > 0 && strcmp(h[i].name, h[i - 1].name) == 0;

		if (same) {
			if (buf_putc(b, ',') == -1)
				return -1;
		} else {
			if (i > 0 && buf_putc(b, '\n') == -1)
				return -1;
			if (buf_printf(b, "%s:", h[i].name) == -1)
				return -1;
			if (signed_hdrs && buf_printf(signed_hdrs, "%s%s",
			                       signed_hdrs->len ? ";" : "", h[i].name) == -1)
				return -1;
		}
		if (fold_value(b, h[i].value) == -1)
			return -1;
	}
	return buf_puts(b, "\n");
}

int
sigv4_canonical_request(const struct sigv4_request *r, const struct ctaws_credentials *cr,
    struct buf *out, struct buf *signed_headers)
{
	struct buf sh = BUF_INIT;
	struct added a;
	struct chdr *h;
	size_t n = 0;
	int rc = -1;

	added_headers(r, cr, &a);
	if ((h = collect_headers(r, &a, &n)) == NULL)
		return -1;
	if (buf_printf(out, "%s\n", r->method) == -1 || canonical_path(out, r->path, r->s3) == -1 ||
	    buf_putc(out, '\n') == -1 || sigv4_canonical_query(out, r->query, r->nquery) == -1 ||
	    buf_putc(out, '\n') == -1 || canonical_headers(out, &sh, h, n) == -1)
		goto done;
	if (buf_printf(out, "\n%s\n%s", sh.data ? sh.data : "", r->payload_hash) == -1)
		goto done;
	if (signed_headers && buf_puts(signed_headers, sh.data ? sh.data : "") == -1)
		goto done;
	rc = 0;
done:
	for (size_t i = 0; i < n; i++)
		free(h[i].name);
	free(h);
	buf_free(&sh);
	return rc;
}

static void
scope_date(const struct sigv4_request *r, char out[9])
{
	char d[17];

	sigv4_amz_date(r->time, d);
	memcpy(out, d, 8);
	out[8] = '\0';
}

int
sigv4_string_to_sign(const struct sigv4_request *r, const char *canonical_request, struct buf *out)
{
	char date[17], hash[65];

	sigv4_amz_date(r->time, date);
	sigv4_sha256_hex(canonical_request, strlen(canonical_request), hash);
	return buf_printf(out, "AWS4-HMAC-SHA256\n%s\n%.8s/%s/%s/aws4_request\n%s", date, date,
	    r->region, r->service, hash);
}

/* The key cache: a few slots, keyed by a hash of the secret. */
struct key_slot {
	unsigned char secret_hash[SHA256_DIGEST_LENGTH];
	char date[9];
	char region[32];
	char service[32];
	unsigned char key[SHA256_DIGEST_LENGTH];
	int used;
};

struct sigv4_key_cache {
	pthread_mutex_t mu;
	struct key_slot slot[KEY_CACHE_SLOTS];
	unsigned next; /* slot replaced next */
};

struct sigv4_key_cache *
sigv4_key_cache_new(void)
{
	struct sigv4_key_cache *kc = calloc(1, sizeof(*kc));

	if (kc)
		pthread_mutex_init(&kc->mu, NULL);
	return kc;
}

void
sigv4_key_cache_free(struct sigv4_key_cache *kc)
{
	if (kc == NULL)
		return;
	pthread_mutex_destroy(&kc->mu);
	OPENSSL_cleanse(kc, sizeof(*kc));
	free(kc);
}

static void
hmac(const void *key, size_t klen, const char *data, unsigned char out[32])
{
	unsigned int n = 32;

	HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)data, strlen(data), out, &n);
}

static void
derive_key(const char *secret, const char *date, const char *region, const char *service,
    unsigned char key[32])
{
	struct buf k = BUF_INIT;
	unsigned char a[32], b[32];

	buf_printf(&k, "AWS4%s", secret);
	hmac(k.data ? k.data : "", k.len, date, a);
	hmac(a, 32, region, b);
	hmac(b, 32, service, a);
	hmac(a, 32, "aws4_request", key);
	if (k.data)
		OPENSSL_cleanse(k.data, k.len);
	buf_free(&k);
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));
}

static int
slot_matches(const struct key_slot *s, const unsigned char *sh, const char *date,
    const char *region, const char *service)
{
	return s->used && memcmp(s->secret_hash, sh, sizeof(s->secret_hash)) == 0 &&
	       strcmp(s->date, date) == 0 && strcmp(s->region, region) == 0 &&
	       strcmp(s->service, service) == 0;
}

static void
signing_key(struct sigv4_key_cache *kc, const char *secret, const char *date, const char *region,
    const char *service, unsigned char key[32])
{
	unsigned char sh[SHA256_DIGEST_LENGTH];
	struct key_slot *s;

	if (kc == NULL || strlen(region) >= sizeof(s->region) ||
	    strlen(service) >= sizeof(s->service)) {
		derive_key(secret, date, region, service, key);
		return;
	}
	SHA256((const unsigned char *)secret, strlen(secret), sh);
	pthread_mutex_lock(&kc->mu);
	for (int i = 0; i < KEY_CACHE_SLOTS; i++) {
		if (slot_matches(&kc->slot[i], sh, date, region, service)) {
			memcpy(key, kc->slot[i].key, 32);
			pthread_mutex_unlock(&kc->mu);
			return;
		}
	}
	derive_key(secret, date, region, service, key);
	s = &kc->slot[kc->next++ % KEY_CACHE_SLOTS];
	memcpy(s->secret_hash, sh, sizeof(sh));
	snprintf(s->date, sizeof(s->date), "%s", date);
	snprintf(s->region, sizeof(s->region), "%s", region);
	snprintf(s->service, sizeof(s->service), "%s", service);
	memcpy(s->key, key, 32);
	s->used = 1;
	pthread_mutex_unlock(&kc->mu);
}

int
sigv4_sign(const struct sigv4_request *r, const struct ctaws_credentials *cr,
    struct sigv4_key_cache *cache, struct sigv4_result *out, struct ctaws_error *err)
{
	struct buf creq = BUF_INIT, sts = BUF_INIT, sh = BUF_INIT;
	unsigned char key[32], sig[32];
	char date[9], sighex[65];
	struct added a;
	int n, rc = -1;

	memset(out, 0, sizeof(*out));
	if (cr == NULL || cr->access_key_id == NULL || cr->secret_access_key == NULL)
		return ctaws_error_set(
		    err, NULL, NULL, 0, "CredentialsError", 0, "no credentials to sign with");
	if (sigv4_canonical_request(r, cr, &creq, &sh) == -1 ||
	    sigv4_string_to_sign(r, creq.data, &sts) == -1) {
		ctaws_error_set(err, NULL, NULL, 0, "OutOfMemory", 0, "out of memory signing");
		goto done;
	}
	scope_date(r, date);
	signing_key(cache, cr->secret_access_key, date, r->region, r->service, key);
	hmac(key, sizeof(key), sts.data, sig);
	OPENSSL_cleanse(key, sizeof(key));
	hex(sig, sizeof(sig), sighex);
	added_headers(r, cr, &a);
	memcpy(out->amz_date, a.date, sizeof(out->amz_date));
	memcpy(out->content_sha256, a.sha, sizeof(out->content_sha256));
	out->security_token = a.token;
	n = snprintf(out->authorization, sizeof(out->authorization),
	    "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s",
	    cr->access_key_id, date, r->region, r->service, sh.data ? sh.data : "", sighex);
	if (n < 0 || (size_t)n >= sizeof(out->authorization)) {
		ctaws_error_set(err, NULL, NULL, 0, "InvalidRequest", 0,
		    "too many signed headers for an Authorization header");
		goto done;
	}
	rc = 0;
done:
	buf_free(&creq);
	buf_free(&sts);
	buf_free(&sh);
	return rc;
}
