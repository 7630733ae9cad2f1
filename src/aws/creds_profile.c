/*
 * Credentials from a profile of the shared config and credentials files.
 *
 * The files are read on every call (the cache makes calls rare), so edits
 * and rotated keys are picked up without a restart. What a profile means,
 * as the AWS CLI and SDKs read it:
 * - role_arn with source_profile: STS AssumeRole, signed with the source
 *   profile's credentials. A source profile's own static keys end the chain
 *   even if it has a role_arn too; otherwise its role is assumed first (role
 *   chaining). A profile may name itself as source_profile when it holds the
 *   static keys to assume its role with. Any other cycle is refused.
 * - role_arn with credential_source: Environment, Ec2InstanceMetadata or
 *   EcsContainer provide the credentials to assume the role with.
 * - role_arn with web_identity_token_file: AssumeRoleWithWebIdentity.
 * - role_session_name, external_id, duration_seconds go with role_arn.
 * - aws_access_key_id + aws_secret_access_key (+ aws_session_token).
 * - sso_account_id + sso_role_name, with sso_session or sso_start_url and
 *   sso_region: IAM Identity Center role credentials (creds_sso.c).
 * - credential_process: the credentials a command prints (creds_process.c).
 * role_arn wins over everything else in the profile being used; then, as
 * in the AWS CLI, SSO, static keys and credential_process in that order. A source_profile may be
 * any of these. Profiles that need an MFA token code are reported as unsupported rather than
 * skipped, so nothing else is silently used instead.
 *
 * Each call builds the providers a profile needs, asks the top one and frees
 * them all: nothing is shared between calls or threads.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/creds_provider.h"
#include "aws/sts.h"

#define MAX_CHAIN 16 /* profiles in one source_profile chain */

struct profile_provider {
	struct ctaws_creds_provider base;
	struct ctaws_creds_profile_opts opt; /* strings owned */
	struct ctaws_client *http;           /* borrowed */
};

/* One resolution: the files and the profiles visited so far. */
struct resolve {
	struct profile_provider *pp;
	const struct ctaws_profile_set *set;
	const char *top; /* the profile asked for */
	const char *visited[MAX_CHAIN];
	int nvisited;
	struct ctaws_error *err;
};

/* An STS AssumeRole provider; the client owns the source provider. */
struct assume_role {
	struct ctaws_creds_provider base;
	struct ctaws_client *sts;                    /* owned */
	char *role_arn, *session_name, *external_id; /* owned */
	int duration_s;                              /* 0: STS's default */
};

static int perr(struct resolve *r, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
perr(struct resolve *r, const char *code, const char *fmt, ...)
{
	char msg[sizeof(r->err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ctaws_error_set(r->err, "credentials", "profile", 0, code, 0, "%s", msg);
}

static int
ar_get(struct ctaws_creds_provider *p, struct ctaws_credentials **out, struct ctaws_error *err)
{
	struct assume_role *a = (struct assume_role *)p;
	struct ctaws_conn *conn = ctaws_conn_new(a->sts);
	int rc;

	if (conn == NULL)
		return ctaws_error_set(err, "sts", "AssumeRole", 0, "OutOfMemory", 0,
		    "assume role: cannot make a connection handle");
	rc = sts_assume_role(
	    conn, a->role_arn, a->session_name, a->external_id, a->duration_s, out, err);
	ctaws_conn_free(conn);
	return rc;
}

static void
ar_destroy(struct ctaws_creds_provider *p)
{
	struct assume_role *a = (struct assume_role *)p;

	if (a->sts)
		ctaws_client_free(a->sts);
	free(a->role_arn);
	free(a->session_name);
	free(a->external_id);
	free(a);
}

static const struct ctaws_creds_provider_ops ar_ops = {ar_get, ar_destroy};

/* The region STS is asked in: the option, the profile's, the client's, else us-east-1. */
static const char *
sts_region(struct resolve *r)
{
	const char *reg = r->pp->opt.region;

	if (reg == NULL)
		reg = ctaws_profile_region(r->set, r->top);
	if (reg == NULL && r->pp->http != NULL)
		reg = ctaws_client_region(r->pp->http);
	return reg ? reg : "us-east-1";
}

static int
parse_duration(struct resolve *r, const char *name, const char *v, int *out)
{
	char *end;
	long d;

	*out = 0;
	if (v == NULL)
		return 0;
	errno = 0;
	d = strtol(v, &end, 10);
	if (errno || end == v || *end != '\0' || d < 900 || d > 43200)
		return perr(r, CTAWS_CREDS_ERROR,
		    "profile %s: duration_seconds \"%.32s\" is not a number of seconds from 900 to "
		    "43200",
		    name, v);
	*out = (int)d;
	return 0;
}

/* Wraps source (taken) in an AssumeRole provider for profile name. */
static struct ctaws_creds_provider *
assume_role_new(
    struct resolve *r, const char *name, const char *role, struct ctaws_creds_provider *source)
{
	const struct ctaws_endpoint_settings *ep;
	struct ctaws_profile_settings file;
	struct ctaws_client_config cfg;
	struct assume_role *a = calloc(1, sizeof(*a));
	const char *session = ctaws_profile_get(r->set, name, "role_session_name");
	const char *ext = ctaws_profile_get(r->set, name, "external_id");
	char gen[64];

	if (a == NULL)
		goto nomem;
	a->base.ops = &ar_ops;
	a->base.name = "assume role";
	if (parse_duration(
	        r, name, ctaws_profile_get(r->set, name, "duration_seconds"), &a->duration_s) == -1)
		goto fail;
	if (r->pp->http == NULL) {
		perr(r, CTAWS_CREDS_ERROR,
		    "profile %s: role %s needs STS, but no HTTP client was given", name, role);
		goto fail;
	}
	snprintf(gen, sizeof(gen), "ctalertd-%lld", (long long)time(NULL));
	if ((a->role_arn = strdup(role)) == NULL ||
	    (a->session_name = strdup(session ? session : gen)) == NULL ||
	    (ext && (a->external_id = strdup(ext)) == NULL))
		goto nomem;
	/* STS is reached the way the program's own client reaches it: its STS
	 * endpoint and FIPS choice, then the profile's own endpoint settings. */
	memset(&cfg, 0, sizeof(cfg));
	ctaws_profile_settings_fill(r->set, r->top, &file);
	ep = ctaws_client_endpoints(r->pp->http);
	cfg.region = sts_region(r);
	cfg.profile = r->top;
	cfg.file = &file;
	cfg.endpoint_url_sts = ep->url[CTAWS_SVC_STS];
	cfg.use_fips = ep->use_fips;
	if ((a->sts = ctaws_client_new(&cfg, source, r->err)) == NULL) {
		source = NULL; /* the client took it */
		goto fail;
	}
	return &a->base;
nomem:
	perr(r, "OutOfMemory", "profile %s: out of memory", name);
fail:
	ctaws_creds_provider_free(source);
	if (a)
		ar_destroy(&a->base);
	return NULL;
}

static struct ctaws_creds_provider *
credential_source(struct resolve *r, const char *name, const char *src)
{
	struct ctaws_creds_imds_opts io;
	struct ctaws_creds_provider *p = NULL;

	if (strcmp(src, "Environment") == 0)
		p = ctaws_creds_env_new();
	else if (strcmp(src, "EcsContainer") == 0)
		p = ctaws_creds_ecs_new(NULL);
	else if (strcmp(src, "Ec2InstanceMetadata") == 0) {
		memset(&io, 0, sizeof(io));
		io.profile = r->top;
		io.v1_fallback = r->pp->opt.imds_v1_fallback;
		p = ctaws_creds_imds_new(&io);
	} else {
		perr(r, CTAWS_CREDS_ERROR,
		    "profile %s: credential_source \"%.64s\" is not Environment, "
		    "Ec2InstanceMetadata or EcsContainer",
		    name, src);
		return NULL;
	}
	if (p == NULL)
		perr(r, "OutOfMemory", "profile %s: out of memory", name);
	return p;
}

static struct ctaws_creds_provider *build(struct resolve *r, const char *name, int is_source);

/* aws_session_token, or the older aws_security_token the SDKs still read. */
static const char *
session_token(struct resolve *r, const char *name)
{
	const char *t = ctaws_profile_get(r->set, name, "aws_session_token");

	return t ? t : ctaws_profile_get(r->set, name, "aws_security_token");
}

static struct ctaws_creds_provider *
static_provider(struct resolve *r, const char *name)
{
	struct ctaws_creds_provider *p =
	    ctaws_creds_static_new(ctaws_profile_get(r->set, name, "aws_access_key_id"),
	        ctaws_profile_get(r->set, name, "aws_secret_access_key"), session_token(r, name));

	if (p == NULL)
		perr(r, "OutOfMemory", "profile %s: out of memory", name);
	return p;
}

/* The provider that signs AssumeRole for profile name. */
static struct ctaws_creds_provider *
role_source(struct resolve *r, const char *name, const char *src, const char *csrc, int has_static)
{
	if (src != NULL && csrc != NULL) {
		perr(r, CTAWS_CREDS_ERROR,
		    "profile %s: source_profile and credential_source are both set", name);
		return NULL;
	}
	if (csrc != NULL)
		return credential_source(r, name, csrc);
	if (strcmp(src, name) != 0)
		return build(r, src, 1);
	if (!has_static) {
		perr(r, CTAWS_CREDS_ERROR,
		    "profile %s: names itself as source_profile but has no static keys", name);
		return NULL;
	}
	return static_provider(r, name);
}

static struct ctaws_creds_provider *
role_provider(struct resolve *r, const char *name, const char *role, int has_static)
{
	const char *src = ctaws_profile_get(r->set, name, "source_profile");
	const char *csrc = ctaws_profile_get(r->set, name, "credential_source");
	const char *wif = ctaws_profile_get(r->set, name, "web_identity_token_file");
	struct ctaws_creds_provider *source, *p;

	if (ctaws_profile_get(r->set, name, "mfa_serial") != NULL) {
		perr(r, CTAWS_CREDS_ERROR,
		    "profile %s: mfa_serial needs an interactive MFA code; ctalertd cannot ask for "
		    "one",
		    name);
		return NULL;
	}
	if (src == NULL && csrc == NULL && wif != NULL) {
		p = ctaws_creds_web_identity_new(
		    r->pp->http, role, wif, ctaws_profile_get(r->set, name, "role_session_name"));
		if (p == NULL)
			perr(r, "OutOfMemory", "profile %s: out of memory", name);
		return p;
	}
	if (src == NULL && csrc == NULL) {
		perr(r, CTAWS_CREDS_ERROR,
		    "profile %s: role_arn needs source_profile, credential_source or "
		    "web_identity_token_file",
		    name);
		return NULL;
	}
	if ((source = role_source(r, name, src, csrc, has_static)) == NULL)
		return NULL;
	return assume_role_new(r, name, role, source);
}

/* What a profile has when it has nothing usable. */
static struct ctaws_creds_provider *
no_credentials(
    struct resolve *r, const char *name, int is_source, const char *akid, const char *secret)
{
	if (akid != NULL || secret != NULL)
		perr(r, CTAWS_CREDS_ERROR, "profile %s: %s", name,
		    akid ? "has aws_access_key_id but no aws_secret_access_key"
		         : "has aws_secret_access_key but no aws_access_key_id");
	else if (ctaws_profile_get(r->set, name, "sso_session") != NULL ||
	         ctaws_profile_get(r->set, name, "sso_start_url") != NULL)
		perr(r, CTAWS_CREDS_ERROR,
		    "profile %s: has SSO settings but neither sso_account_id nor sso_role_name, "
		    "so no role to get credentials for",
		    name);
	else
		perr(r, is_source ? CTAWS_CREDS_ERROR : CTAWS_CREDS_NOT_FOUND,
		    "profile %s: no credentials in it", name);
	return NULL;
}

/* A profile's own credentials, in the order the AWS CLI tries them: SSO,
 * static keys, credential_process. */
static struct ctaws_creds_provider *
own_credentials(struct resolve *r, const char *name, int is_source, int has_static)
{
	const char *process = ctaws_profile_get(r->set, name, "credential_process");
	struct ctaws_creds_provider *p;

	if (ctaws_creds_sso_configured(r->set, name))
		return ctaws_creds_sso_from_profile(
		    r->set, name, r->top, NULL, r->pp->http, r->err);
	if (has_static)
		return static_provider(r, name);
	if (process != NULL) {
		p = ctaws_creds_process_new(name, process, r->pp->opt.process_timeout_ms);
		if (p == NULL)
			perr(r, "OutOfMemory", "profile %s: out of memory", name);
		return p;
	}
	return no_credentials(r, name, is_source,
	    ctaws_profile_get(r->set, name, "aws_access_key_id"),
	    ctaws_profile_get(r->set, name, "aws_secret_access_key"));
}

static int
visited(struct resolve *r, const char *name)
{
	for (int i = 0; i < r->nvisited; i++)
		if (strcmp(r->visited[i], name) == 0)
			return 1;
	return 0;
}

/* The provider for profile name; is_source when another profile's source. */
static struct ctaws_creds_provider *
build(struct resolve *r, const char *name, int is_source)
{
	const char *akid = ctaws_profile_get(r->set, name, "aws_access_key_id");
	const char *secret = ctaws_profile_get(r->set, name, "aws_secret_access_key");
	const char *role = ctaws_profile_get(r->set, name, "role_arn");
	int has_static = akid && *akid && secret && *secret;

	if (visited(r, name)) {
		perr(r, CTAWS_CREDS_ERROR, "profile %s: source_profile chain loops back to %s",
		    r->top, name);
		return NULL;
	}
	if (r->nvisited == MAX_CHAIN) {
		perr(r, CTAWS_CREDS_ERROR,
		    "profile %s: source_profile chain longer than %d profiles", r->top, MAX_CHAIN);
		return NULL;
	}
	r->visited[r->nvisited++] = name;
	if (!ctaws_profile_exists(r->set, name)) {
		perr(r, CTAWS_CREDS_ERROR, "profile %s: source_profile %s does not exist",
		    r->nvisited > 1 ? r->visited[r->nvisited - 2] : r->top, name);
		return NULL;
	}
	if (role != NULL && !(is_source && has_static))
		return role_provider(r, name, role, has_static);
	return own_credentials(r, name, is_source, has_static);
}

/* The profile to use and whether it was chosen explicitly. */
static const char *
profile_name(const struct profile_provider *pp, int *explicit)
{
	const char *env = getenv("AWS_PROFILE");

	*explicit = 1;
	if (pp->opt.profile != NULL)
		return pp->opt.profile;
	if (env != NULL && *env != '\0')
		return env;
	*explicit = 0;
	return "default";
}

static int
resolve_top(struct resolve *r, struct ctaws_credentials **out)
{
	const char *akid = ctaws_profile_get(r->set, r->top, "aws_access_key_id");
	const char *secret = ctaws_profile_get(r->set, r->top, "aws_secret_access_key");
	const char *token = session_token(r, r->top);
	struct ctaws_creds_provider *p;
	int rc;

	if (akid && *akid && secret && *secret &&
	    ctaws_profile_get(r->set, r->top, "role_arn") == NULL &&
	    !ctaws_creds_sso_configured(r->set, r->top)) {
		*out = ctaws_credentials_new(
		    akid, secret, token && *token ? token : NULL, 0, "profile");
		return *out ? 0 : perr(r, "OutOfMemory", "profile %s: out of memory", r->top);
	}
	if ((p = build(r, r->top, 0)) == NULL)
		return -1;
	rc = ctaws_creds_get(p, out, r->err);
	ctaws_creds_provider_free(p);
	/* The profile is configured: a source that has nothing (credential_source
	 * = Environment without keys) fails it instead of passing the chain on. */
	if (rc == -1 && r->err->errc == CTAWS_ERRC_CREDS_NOT_FOUND) {
		char msg[sizeof(r->err->message)];
		snprintf(msg, sizeof(msg), "%s", r->err->message);
		perr(r, CTAWS_CREDS_ERROR, "profile %s: %s", r->top, msg);
	}
	return rc;
}

static int
pp_get(struct ctaws_creds_provider *p, struct ctaws_credentials **out, struct ctaws_error *err)
{
	struct profile_provider *pp = (struct profile_provider *)p;
	struct resolve r;
	struct ctaws_profile_set *set;
	int explicit, rc;

	memset(&r, 0, sizeof(r));
	r.pp = pp;
	r.err = err;
	r.top = profile_name(pp, &explicit);
	set = ctaws_profile_set_load(pp->opt.config_file, pp->opt.credentials_file, err);
	if (set == NULL)
		return -1;
	r.set = set;
	if (!ctaws_profile_exists(set, r.top))
		rc = perr(&r, explicit ? CTAWS_CREDS_ERROR : CTAWS_CREDS_NOT_FOUND,
		    "profile %s: not found in the shared config or credentials file", r.top);
	else
		rc = resolve_top(&r, out);
	ctaws_profile_set_free(set);
	return rc;
}

static void
pp_destroy(struct ctaws_creds_provider *p)
{
	struct profile_provider *pp = (struct profile_provider *)p;

	free((char *)pp->opt.profile);
	free((char *)pp->opt.config_file);
	free((char *)pp->opt.credentials_file);
	free((char *)pp->opt.region);
	free(pp);
}

static const struct ctaws_creds_provider_ops pp_ops = {pp_get, pp_destroy};

static int
dup_field(const char **f)
{
	if (*f == NULL)
		return 0;
	*f = strdup(*f);
	return *f ? 0 : -1;
}

struct ctaws_creds_provider *
ctaws_creds_profile_new(
    const struct ctaws_creds_profile_opts *opt, struct ctaws_client *http_client)
{
	struct profile_provider *pp = calloc(1, sizeof(*pp));

	if (pp == NULL)
		return NULL;
	if (opt)
		pp->opt = *opt;
	pp->base.ops = &pp_ops;
	pp->base.name = "profile";
	pp->http = http_client;
	if (dup_field(&pp->opt.profile) | dup_field(&pp->opt.config_file) |
	    dup_field(&pp->opt.credentials_file) | dup_field(&pp->opt.region)) {
		pp_destroy(&pp->base);
		return NULL;
	}
	return &pp->base;
}
