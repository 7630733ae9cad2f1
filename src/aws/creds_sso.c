/*
 * IAM Identity Center (SSO) profiles: role credentials from the access
 * portal, with the token `aws sso login` left in the AWS CLI's cache.
 *
 * A profile asks for them with sso_account_id and sso_role_name, plus
 * either
 *   sso_session = NAME, and a [sso-session NAME] section with sso_start_url
 *   and sso_region (the token cache file is named for NAME), or
 *   sso_start_url and sso_region in the profile itself (the legacy form;
 *   the cache file is named for the start URL).
 * A value in both the profile and its sso-session must be the same.
 *
 * The cache file is $HOME/.aws/sso/cache/HEX.json, HEX the SHA-1 of the
 * session name or the start URL in lower-case hex, holding accessToken and
 * expiresAt. It is read on every call. An expired token is refused with the
 * `aws sso login` command that renews it: ctalertd does not refresh tokens
 * itself (no CreateToken with the cached refresh token), so a login lasts
 * as long as the session the CLI was given.
 *
 * GetRoleCredentials is an unsigned GET to the portal of sso_region
 * (portal.sso.REGION.amazonaws.com, or AWS_ENDPOINT_URL_SSO, the "sso"
 * entry of a services section, endpoint_url) with the token in the
 * x-amz-sso_bearer_token header, retried in the standard mode like every
 * AWS call. Its answer's expiration is in epoch milliseconds.
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_tree.h>

#include "aws/creds_provider.h"
#include "util/clock.h"
#include "util/json.h"

#define PORTAL_TIMEOUT_MS 10000

struct sso {
	struct ctaws_creds_provider base;
	char *profile;               /* owned; the profile with the SSO settings */
	char *session;               /* owned; sso_session, NULL in the legacy form */
	char *start_url;             /* owned */
	char *account_id;            /* owned */
	char *role_name;             /* owned */
	char *cache_file;            /* owned; where the CLI keeps the token */
	struct ctaws_client *portal; /* owned; unsigned, in sso_region */
};

/* The settings as the profile and its sso-session give them. */
struct sso_config {
	const char *session, *start_url, *region, *account_id, *role_name; /* borrowed */
};

static int cfg_err(struct ctaws_error *err, const char *profile, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
cfg_err(struct ctaws_error *err, const char *profile, const char *fmt, ...)
{
	char what[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return ctaws_error_set(
	    err, "credentials", "sso", 0, CTAWS_CREDS_ERROR, 0, "profile %s: %s", profile, what);
}

int
ctaws_creds_sso_configured(const struct ctaws_profile_set *set, const char *profile)
{
	return ctaws_profile_get(set, profile, "sso_account_id") != NULL ||
	       ctaws_profile_get(set, profile, "sso_role_name") != NULL;
}

/* key from the profile, or from its sso-session (which must agree). */
static int
pick(const struct ctaws_profile_set *set, const char *profile, const char *session, const char *key,
    const char **out, struct ctaws_error *err)
{
	const char *p = ctaws_profile_get(set, profile, key), *s = NULL;

	if (session)
		s = ctaws_profile_section_get(set, CTAWS_SECTION_SSO_SESSION, session, key);
	if (p && s && strcmp(p, s) != 0)
		return cfg_err(err, profile, "%s differs between the profile and sso-session %s",
		    key, session);
	*out = s ? s : p;
	return 0;
}

static int
read_config(const struct ctaws_profile_set *set, const char *profile, struct sso_config *c,
    struct ctaws_error *err)
{
	char missing[200] = "";

	memset(c, 0, sizeof(*c));
	c->session = ctaws_profile_get(set, profile, "sso_session");
	if (c->session && !ctaws_profile_section_exists(set, CTAWS_SECTION_SSO_SESSION, c->session))
		return cfg_err(err, profile, "sso_session %s names no [sso-session %s] section",
		    c->session, c->session);
	if (pick(set, profile, c->session, "sso_start_url", &c->start_url, err) == -1 ||
	    pick(set, profile, c->session, "sso_region", &c->region, err) == -1)
		return -1;
	c->account_id = ctaws_profile_get(set, profile, "sso_account_id");
	c->role_name = ctaws_profile_get(set, profile, "sso_role_name");
	if (c->start_url == NULL)
		strcat(missing, ", sso_start_url");
	if (c->region == NULL)
		strcat(missing, ", sso_region");
	if (c->account_id == NULL)
		strcat(missing, ", sso_account_id");
	if (c->role_name == NULL)
		strcat(missing, ", sso_role_name");
	if (missing[0])
		return cfg_err(err, profile, "is set up for SSO but lacks %s", missing + 2);
	return 0;
}

/* DIR/HEX.json, HEX the SHA-1 of the session name or the start URL. */
static char *
cache_path(const char *dir, const char *key)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1], home[1024], *path;

	if (EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha1(), NULL) != 1)
		return NULL;
	for (unsigned int i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (dir == NULL) {
		if (ctaws_profile_expand_home("~/.aws/sso/cache", home, sizeof(home)) == -1)
			return NULL;
		dir = home;
	}
	if ((path = malloc(strlen(dir) + strlen(hex) + 7)) != NULL)
		sprintf(path, "%s/%s.json", dir, hex);
	return path;
}

/* expiresAt as the CLI writes it: ISO 8601, "Z" or (older CLIs) "UTC". */
static int
parse_expiry(const char *s, time_t *out)
{
	char copy[64];
	size_t n = s ? strlen(s) : 0;

	if (n < 4 || n >= sizeof(copy) - 1)
		return -1;
	memcpy(copy, s, n + 1);
	if (strcmp(copy + n - 3, "UTC") == 0)
		strcpy(copy + n - 3, "Z");
	return clock_parse_time(copy, out);
}

static int
login_err(const struct sso *s, struct ctaws_error *err, const char *what)
{
	return ctaws_error_set(err, "credentials", "sso", 0, CTAWS_CREDS_ERROR, 0,
	    "profile %s: %s; run aws sso login --profile %s", s->profile, what, s->profile);
}

/* The cached access token (malloc'd), or NULL with err filled. */
static char *
load_token(const struct sso *s, struct ctaws_error *err)
{
	const char *name = s->session ? s->session : s->start_url;
	const char *tok, *exp;
	char what[600], why[8], *out = NULL;
	time_t expires;
	struct buf b;
	yajl_val root = NULL;

	snprintf(what, sizeof(what), "no SSO token for %s %s in %s",
	    s->session ? "sso-session" : "start URL", name, s->cache_file);
	if (ctaws_creds_read_file(s->cache_file, "sso", "SSO token cache", &b, err) == -1) {
		login_err(s, err, what);
		return NULL;
	}
	if (b.len > 0)
		root = json_parse(b.data, b.len, CTAWS_JSON_MAX_DEPTH, why, sizeof(why));
	tok = json_string(root, "accessToken");
	exp = json_string(root, "expiresAt");
	if (tok == NULL || *tok == '\0' || exp == NULL || parse_expiry(exp, &expires) == -1) {
		snprintf(what, sizeof(what),
		    "the SSO token cache %s holds no accessToken and expiresAt", s->cache_file);
		login_err(s, err, what);
	} else if (expires <= time(NULL)) {
		snprintf(what, sizeof(what), "the SSO token for %s expired at %.40s", name, exp);
		login_err(s, err, what);
	} else if ((out = strdup(tok)) == NULL)
		ctaws_error_set(
		    err, "sso", "GetRoleCredentials", 0, "OutOfMemory", 0, "out of memory");
	yajl_tree_free(root);
	explicit_bzero(b.data, b.cap);
	buf_free(&b);
	return out;
}

static int
parse_role_credentials(const struct sso *s, const struct ctaws_response *resp,
    struct ctaws_credentials **out, struct ctaws_error *err)
{
	const char *akid, *secret, *token;
	yajl_val root = NULL, rc, exp;
	char why[8];
	int ret = -1;

	if (resp->body.len > 0)
		root = json_parse(
		    resp->body.data, resp->body.len, CTAWS_JSON_MAX_DEPTH, why, sizeof(why));
	rc = json_member(root, "roleCredentials");
	akid = json_string(rc, "accessKeyId");
	secret = json_string(rc, "secretAccessKey");
	token = json_string(rc, "sessionToken");
	exp = json_member(rc, "expiration");
	if (akid == NULL || *akid == '\0' || secret == NULL || *secret == '\0' || exp == NULL ||
	    !YAJL_IS_INTEGER(exp) || YAJL_GET_INTEGER(exp) <= 0)
		ctaws_error_set(err, "sso", "GetRoleCredentials", resp->status, CTAWS_ERR_MALFORMED,
		    0,
		    "profile %s: GetRoleCredentials answered without roleCredentials "
		    "(accessKeyId, secretAccessKey, expiration in ms)",
		    s->profile);
	else if ((*out = ctaws_credentials_new(akid, secret, token && *token ? token : NULL,
	              (time_t)(YAJL_GET_INTEGER(exp) / 1000), "sso")) == NULL)
		ctaws_error_set(
		    err, "sso", "GetRoleCredentials", 0, "OutOfMemory", 0, "out of memory");
	else
		ret = 0;
	if (ret == -1)
		ctaws_response_keep_request_id(resp, err);
	yajl_tree_free(root);
	return ret;
}

/* Says which profile, account and role a failed call was for. */
static void
explain_call_error(const struct sso *s, struct ctaws_error *err)
{
	char msg[sizeof(err->message)];

	snprintf(msg, sizeof(msg), "%s", err->message);
	snprintf(err->message, sizeof(err->message),
	    "profile %s: SSO role %s in account %s: %s%s%s", s->profile, s->role_name,
	    s->account_id, msg, err->http_status == 401 ? "; run aws sso login --profile " : "",
	    err->http_status == 401 ? s->profile : "");
}

static int
get_role_credentials(
    const struct sso *s, const char *token, struct ctaws_credentials **out, struct ctaws_error *err)
{
	const struct ctaws_kv query[] = {
	    {"account_id", s->account_id}, {"role_name", s->role_name}};
	const struct ctaws_kv headers[] = {{"x-amz-sso_bearer_token", token}};
	struct ctaws_request req;
	struct ctaws_response resp;
	struct ctaws_conn *conn;
	int rc;

	if ((conn = ctaws_conn_new(s->portal)) == NULL)
		return ctaws_error_set(err, "sso", "GetRoleCredentials", 0, "OutOfMemory", 0,
		    "sso: cannot make a connection handle");
	memset(&req, 0, sizeof(req));
	req.service = "sso";
	req.operation = "GetRoleCredentials";
	req.method = "GET";
	req.path = "/federation/credentials";
	req.query = query;
	req.nquery = 2;
	req.headers = headers;
	req.nheaders = 1;
	req.anonymous = 1;
	ctaws_response_init(&resp);
	rc = ctaws_call(conn, &req, &resp, err);
	if (rc == 0)
		rc = parse_role_credentials(s, &resp, out, err);
	else
		explain_call_error(s, err);
	ctaws_creds_response_free(&resp);
	ctaws_conn_free(conn);
	return rc;
}

static int
sso_get(struct ctaws_creds_provider *p, struct ctaws_credentials **out, struct ctaws_error *err)
{
	struct sso *s = (struct sso *)p;
	char *token = load_token(s, err);
	int rc;

	if (token == NULL)
		return -1;
	rc = get_role_credentials(s, token, out, err);
	explicit_bzero(token, strlen(token));
	free(token);
	return rc;
}

static void
sso_destroy(struct ctaws_creds_provider *p)
{
	struct sso *s = (struct sso *)p;

	ctaws_client_free(s->portal);
	free(s->profile);
	free(s->session);
	free(s->start_url);
	free(s->account_id);
	free(s->role_name);
	free(s->cache_file);
	free(s);
}

static const struct ctaws_creds_provider_ops sso_ops = {sso_get, sso_destroy};

/* The unsigned portal client, reached as the program's own client would. */
static struct ctaws_client *
portal_client(const struct ctaws_profile_set *set, const char *top, const char *region,
    struct ctaws_client *http, struct ctaws_error *err)
{
	struct ctaws_profile_settings file;
	struct ctaws_client_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	ctaws_profile_settings_fill(set, top, &file);
	cfg.region = region;
	cfg.profile = top;
	cfg.file = &file;
	cfg.request_timeout_ms = PORTAL_TIMEOUT_MS;
	if (http != NULL) {
		/* The program's SSO endpoint (for every service of this client,
		 * which calls only the portal) and FIPS choice. */
		cfg.endpoint_url = ctaws_client_endpoints(http)->url[CTAWS_SVC_SSO];
		cfg.use_fips = ctaws_client_endpoints(http)->use_fips;
	}
	return ctaws_client_new(&cfg, NULL, err);
}

static int
dup_into(char **dst, const char *src)
{
	return src == NULL || (*dst = strdup(src)) != NULL ? 0 : -1;
}

struct ctaws_creds_provider *
ctaws_creds_sso_from_profile(const struct ctaws_profile_set *set, const char *profile,
    const char *top, const char *cache_dir, struct ctaws_client *http, struct ctaws_error *err)
{
	struct sso_config c;
	struct sso *s;

	if (read_config(set, profile, &c, err) == -1)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto nomem;
	s->base.ops = &sso_ops;
	s->base.name = "sso";
	if (dup_into(&s->profile, profile) == -1 || dup_into(&s->session, c.session) == -1 ||
	    dup_into(&s->start_url, c.start_url) == -1 ||
	    dup_into(&s->account_id, c.account_id) == -1 ||
	    dup_into(&s->role_name, c.role_name) == -1 ||
	    (s->cache_file = cache_path(cache_dir, c.session ? c.session : c.start_url)) == NULL)
		goto nomem;
	if ((s->portal = portal_client(set, top, c.region, http, err)) == NULL) {
		sso_destroy(&s->base);
		return NULL;
	}
	return &s->base;
nomem:
	if (s)
		sso_destroy(&s->base);
	ctaws_error_set(err, "credentials", "sso", 0, "OutOfMemory", 0,
	    "profile %s: out of memory (or no home directory for the SSO cache)", profile);
	return NULL;
}
