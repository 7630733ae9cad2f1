/*
 * The EC2 instance role, through the instance metadata service (IMDSv2).
 *
 *   PUT  /latest/api/token                         (x-aws-ec2-metadata-token-ttl-seconds)
 *   GET  /latest/meta-data/iam/security-credentials/       -> role name
 *   GET  /latest/meta-data/iam/security-credentials/ROLE   -> credentials JSON
 *
 * The session token is kept and reused until shortly before its TTL ends; a
 * 401 means it went stale: it is dropped and the calls are made once more.
 * IMDSv1 (no token) is used only when configured and the PUT answers 404 or
 * 405; a 403 means the service is switched off for this instance.
 *
 * Static stability, as the SDKs do it: EC2 may hand out credentials that
 * have already expired while its credential service is impaired, and AWS
 * services may still accept them. Such a set is served with an expiry 5 to 10
 * minutes ahead (and a warning), and when the metadata service cannot be
 * asked at all the last good set is served the same way.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/creds_provider.h"
#include "util/log.h"

#define IMDS_V4         "http://169.254.169.254"
#define IMDS_V6         "http://[fd00:ec2::254]"
#define IMDS_CREDS_PATH "/latest/meta-data/iam/security-credentials/"
#define TOKEN_MARGIN_S  60 /* a token this close to its end is renewed first */

struct imds {
	struct ctaws_creds_provider base;
	struct ctaws_creds_imds_opts opt; /* defaults filled in; strings not kept */
	char *endpoint;                   /* owned, without a trailing '/' */
	struct ctaws_error config_err;    /* a bad endpoint setting, reported by get */
	int disabled;                     /* AWS_EC2_METADATA_DISABLED=true */
	pthread_mutex_t mu;               /* guards what follows */
	char *token;                      /* owned; NULL: none yet */
	time_t token_until;               /* renew from then on */
	struct ctaws_credentials *last;   /* last good set (reference) for static stability */
	unsigned seed;
};

/* One metadata call. token may be NULL (IMDSv1 or the token PUT itself). */
static int
imds_call(struct imds *m, const char *method, const char *path, const char *token,
    struct ctaws_response *resp, struct ctaws_error *err)
{
	char url[1024], ttl[16];
	struct ctaws_kv hdr[1];
	struct ctaws_creds_http h = {"imds", "GetCredentials", method, url, hdr, 0,
	    m->opt.connect_timeout_ms, m->opt.timeout_ms, m->opt.max_attempts};

	snprintf(url, sizeof(url), "%s%s", m->endpoint, path);
	if (strcmp(method, "PUT") == 0) {
		snprintf(ttl, sizeof(ttl), "%d", m->opt.token_ttl_s);
		hdr[0] = (struct ctaws_kv){"x-aws-ec2-metadata-token-ttl-seconds", ttl};
		h.nheaders = 1;
		h.operation = "GetToken";
	} else if (token != NULL) {
		hdr[0] = (struct ctaws_kv){"x-aws-ec2-metadata-token", token};
		h.nheaders = 1;
	}
	ctaws_response_init(resp);
	return ctaws_creds_http_call(&h, resp, err);
}

static void
drop_token(struct imds *m)
{
	pthread_mutex_lock(&m->mu);
	if (m->token)
		explicit_bzero(m->token, strlen(m->token));
	free(m->token);
	m->token = NULL;
	pthread_mutex_unlock(&m->mu);
}

/* A session token in *tok (owned by the caller), or *tok NULL for IMDSv1. */
static int
get_token(struct imds *m, char **tok, struct ctaws_error *err)
{
	struct ctaws_response resp;
	time_t now = m->opt.now();
	size_t n;
	int rc;

	pthread_mutex_lock(&m->mu);
	*tok = m->token && now < m->token_until ? strdup(m->token) : NULL;
	pthread_mutex_unlock(&m->mu);
	if (*tok)
		return 0;
	rc = imds_call(m, "PUT", "/latest/api/token", NULL, &resp, err);
	if (rc == -1) {
		long st = resp.status;
		ctaws_creds_response_free(&resp);
		if (st == 0)
			return ctaws_error_set(err, "imds", "GetToken", 0, CTAWS_CREDS_NOT_FOUND, 1,
			    "imds: no instance metadata service at %s (%s)", m->endpoint,
			    err->code);
		if (st == 403)
			return ctaws_error_set(err, "imds", "GetToken", st, CTAWS_CREDS_NOT_FOUND,
			    0, "imds: the instance metadata service is disabled (HTTP 403)");
		if ((st == 404 || st == 405) && m->opt.v1_fallback)
			return 0;
		return ctaws_error_set(err, "imds", "GetToken", st, CTAWS_CREDS_ERROR, st >= 500,
		    "imds: session token request failed with HTTP %ld%s", st,
		    st == 404 || st == 405 ? " and IMDSv1 fallback is off" : "");
	}
	n = strcspn(resp.body.data ? resp.body.data : "", "\r\n");
	*tok = n > 0 ? strndup(resp.body.data, n) : NULL;
	ctaws_creds_response_free(&resp);
	if (*tok == NULL)
		return ctaws_error_set(err, "imds", "GetToken", 200, CTAWS_CREDS_ERROR, 1,
		    "imds: empty session token");
	pthread_mutex_lock(&m->mu);
	free(m->token);
	m->token = strdup(*tok);
	m->token_until = now + m->opt.token_ttl_s - TOKEN_MARGIN_S;
	pthread_mutex_unlock(&m->mu);
	return 0;
}

/* A failed GET as an error; 401 is returned as 1 (token went stale). */
static int
get_failed(
    struct ctaws_response *resp, const char *what, int not_found_on_404, struct ctaws_error *err)
{
	long st = resp->status;

	ctaws_creds_response_free(resp);
	if (st == 401)
		return 1;
	if (st == 0)
		return -1; /* err from the call: network error or timeout */
	return ctaws_error_set(err, "imds", "GetCredentials", st,
	    st == 404 && not_found_on_404 ? CTAWS_CREDS_NOT_FOUND : CTAWS_CREDS_ERROR, st >= 500,
	    "imds: %s: HTTP %ld", what, st);
}

/* The role name and its credentials; 1 when the token went stale. */
static int
fetch_with(struct imds *m, const char *tok, struct ctaws_credentials **out, struct ctaws_error *err)
{
	struct ctaws_response resp;
	char path[512], role[256];
	size_t n;
	int rc;

	if (imds_call(m, "GET", IMDS_CREDS_PATH, tok, &resp, err) == -1)
		return get_failed(&resp, "no IAM role attached to this instance", 1, err);
	n = strcspn(resp.body.data ? resp.body.data : "", "\r\n");
	if (n == 0 || n >= sizeof(role)) {
		ctaws_creds_response_free(&resp);
		return ctaws_error_set(err, "imds", "GetCredentials", 200, CTAWS_CREDS_NOT_FOUND, 0,
		    "imds: no IAM role attached to this instance");
	}
	memcpy(role, resp.body.data, n);
	role[n] = '\0';
	ctaws_creds_response_free(&resp);
	snprintf(path, sizeof(path), "%s%s", IMDS_CREDS_PATH, role);
	if (imds_call(m, "GET", path, tok, &resp, err) == -1)
		return get_failed(&resp, "credentials of the instance role", 0, err);
	rc = ctaws_creds_parse_json(resp.body.data, resp.body.len, "imds", "imds", out, err);
	ctaws_creds_response_free(&resp);
	return rc;
}

static int
fetch(struct imds *m, struct ctaws_credentials **out, struct ctaws_error *err)
{
	char *tok;
	int rc = 1;

	for (int attempt = 0; attempt < 2 && rc == 1; attempt++) {
		if (get_token(m, &tok, err) == -1)
			return -1;
		rc = fetch_with(m, tok, out, err);
		if (tok)
			explicit_bzero(tok, strlen(tok));
		free(tok);
		if (rc == 1)
			drop_token(m);
	}
	if (rc == 1)
		return ctaws_error_set(err, "imds", "GetCredentials", 401, CTAWS_CREDS_ERROR, 1,
		    "imds: the session token was refused twice (HTTP 401)");
	return rc;
}

/* A copy of c that expires 5 to 10 minutes from now (static stability). */
static struct ctaws_credentials *
extended(struct imds *m, const struct ctaws_credentials *c, time_t now)
{
	char when[32];
	struct tm tm;
	time_t until;

	pthread_mutex_lock(&m->mu);
	until = now + 300 + rand_r(&m->seed) % 301;
	pthread_mutex_unlock(&m->mu);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&until, &tm));
	log_warnx("imds: using expired instance credentials until %s: the credential service "
	          "may be impaired and AWS decides whether they are still accepted",
	    when);
	return ctaws_credentials_new(
	    c->access_key_id, c->secret_access_key, c->session_token, until, "imds");
}

static int
imds_get(struct ctaws_creds_provider *p, struct ctaws_credentials **out, struct ctaws_error *err)
{
	struct imds *m = (struct imds *)p;
	struct ctaws_credentials *got = NULL, *last;
	time_t now = m->opt.now();

	if (m->disabled)
		return ctaws_error_set(err, "imds", "GetCredentials", 0, CTAWS_CREDS_NOT_FOUND, 0,
		    "imds: AWS_EC2_METADATA_DISABLED is true");
	if (m->config_err.code[0] != '\0') {
		*err = m->config_err;
		return -1;
	}
	if (fetch(m, &got, err) == 0) {
		pthread_mutex_lock(&m->mu);
		ctaws_credentials_release(m->last);
		m->last = ctaws_credentials_ref(got);
		pthread_mutex_unlock(&m->mu);
		if (got->expiration != 0 && got->expiration <= now) {
			*out = extended(m, got, now);
			ctaws_credentials_release(got);
		} else
			*out = got;
		return *out ? 0
		            : ctaws_error_set(err, "imds", "GetCredentials", 0, "OutOfMemory", 0,
		                  "imds: out of memory");
	}
	pthread_mutex_lock(&m->mu);
	last = m->last ? ctaws_credentials_ref(m->last) : NULL;
	pthread_mutex_unlock(&m->mu);
	if (last == NULL)
		return -1;
	log_warnx("imds: refreshing the instance credentials failed (%s: %s); serving the "
	          "previous ones",
	    err->code, err->message);
	if (last->expiration != 0 && last->expiration <= now + 60) {
		*out = extended(m, last, now);
		ctaws_credentials_release(last);
	} else
		*out = last;
	return *out ? 0 : -1;
}

static void
imds_destroy(struct ctaws_creds_provider *p)
{
	struct imds *m = (struct imds *)p;

	drop_token(m);
	ctaws_credentials_release(m->last);
	pthread_mutex_destroy(&m->mu);
	free(m->endpoint);
	free(m);
}

static const struct ctaws_creds_provider_ops imds_ops = {imds_get, imds_destroy};

static time_t
real_now(void)
{
	return time(NULL);
}

static const char *
setting(
    const char *envname, const struct ctaws_profile_set *set, const char *profile, const char *key)
{
	const char *v = getenv(envname);

	if (v != NULL && *v != '\0')
		return v;
	return ctaws_profile_get(set, profile, key);
}

/* The endpoint from the options, the environment, the config file or the mode. */
static void
resolve_endpoint(struct imds *m, const struct ctaws_creds_imds_opts *opt)
{
	struct ctaws_error ignored;
	struct ctaws_profile_set *set =
	    ctaws_profile_set_load(opt->config_file, "/dev/null", &ignored);
	const char *profile = opt->profile ? opt->profile : ctaws_profile_name_from_env();
	const char *ep = opt->endpoint, *mode = opt->endpoint_mode;
	size_t n;

	if (ep == NULL)
		ep = setting("AWS_EC2_METADATA_SERVICE_ENDPOINT", set, profile,
		    "ec2_metadata_service_endpoint");
	if (ep == NULL && mode == NULL)
		mode = setting("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", set, profile,
		    "ec2_metadata_service_endpoint_mode");
	if (ep == NULL && (mode == NULL || strcasecmp(mode, "IPv4") == 0))
		ep = IMDS_V4;
	else if (ep == NULL && strcasecmp(mode, "IPv6") == 0)
		ep = IMDS_V6;
	if (ep == NULL)
		ctaws_error_set(&m->config_err, "imds", "GetCredentials", 0, CTAWS_CREDS_ERROR, 0,
		    "imds: endpoint mode \"%.32s\" is neither IPv4 nor IPv6", mode);
	else if ((m->endpoint = strdup(ep)) != NULL) {
		n = strlen(m->endpoint);
		while (n > 0 && m->endpoint[n - 1] == '/')
			m->endpoint[--n] = '\0';
	}
	ctaws_profile_set_free(set);
}

struct ctaws_creds_provider *
ctaws_creds_imds_new(const struct ctaws_creds_imds_opts *opt)
{
	static const struct ctaws_creds_imds_opts none;
	struct imds *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->opt = opt ? *opt : none;
	m->opt.endpoint = m->opt.endpoint_mode = m->opt.profile = m->opt.config_file = NULL;
	if (m->opt.token_ttl_s <= 0)
		m->opt.token_ttl_s = 21600;
	if (m->opt.connect_timeout_ms <= 0)
		m->opt.connect_timeout_ms = 1000;
	if (m->opt.timeout_ms <= 0)
		m->opt.timeout_ms = 3000;
	if (m->opt.max_attempts <= 0)
		m->opt.max_attempts = 2;
	if (m->opt.now == NULL)
		m->opt.now = real_now;
	ctaws_error_clear(&m->config_err);
	m->disabled = ctaws_creds_env_true("AWS_EC2_METADATA_DISABLED");
	resolve_endpoint(m, opt ? opt : &none);
	if (m->endpoint == NULL && m->config_err.code[0] == '\0') {
		free(m);
		return NULL;
	}
	pthread_mutex_init(&m->mu, NULL);
	m->seed = (unsigned)time(NULL) ^ (unsigned)(size_t)m;
	m->base.ops = &imds_ops;
	m->base.name = "imds";
	return &m->base;
}
