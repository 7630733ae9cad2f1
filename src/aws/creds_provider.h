/*
 * aws/creds_provider: the constructors behind ctaws_creds_default_chain, and
 * what the providers share. Each provider lives in its own file; all of them
 * answer "CredentialsNotFound" when they are not configured at all, so the
 * chain asks the next one, and any other code when they are configured but
 * fail. No message, log line or error ever carries a secret key, a session
 * token or an authorization token.
 */
#ifndef CT_AWS_CREDS_PROVIDER_H
#define CT_AWS_CREDS_PROVIDER_H

#include <stddef.h>
#include <time.h>

#include "aws/client.h"
#include "aws/creds.h"
#include "aws/profile.h"

#define CTAWS_CREDS_NOT_FOUND "CredentialsNotFound"
#define CTAWS_CREDS_ERROR     "CredentialsError"

/* creds_env.c: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
 * read on every call. One key without the other is an error. */
struct ctaws_creds_provider *ctaws_creds_env_new(void);

/* creds_profile.c: a profile of the shared files, read on every call: static
 * keys, role_arn with source_profile (chains followed, cycles refused) or
 * credential_source (Environment, Ec2InstanceMetadata, EcsContainer), and
 * role_arn with web_identity_token_file, SSO (creds_sso.c) and
 * credential_process (creds_process.c). MFA profiles are reported as
 * unsupported. */
struct ctaws_creds_profile_opts {
	const char *profile;     /* NULL: AWS_PROFILE, else "default" */
	const char *config_file; /* NULL: AWS_CONFIG_FILE, else ~/.aws/config */
	const char
	    *credentials_file;   /* NULL: AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials */
	const char *region;      /* STS region; NULL: the profile's, else the client's */
	int imds_v1_fallback;    /* for credential_source = Ec2InstanceMetadata */
	long process_timeout_ms; /* credential_process time limit; 0: 60000 */
};
/* http_client (borrowed) carries the STS endpoint settings; NULL makes every
 * role profile fail with an error saying so. */
struct ctaws_creds_provider *ctaws_creds_profile_new(
    const struct ctaws_creds_profile_opts *opt, struct ctaws_client *http_client);

/* creds_process.c: credential_process. The command line is split like a
 * POSIX shell splits words (no shell runs), the program runs in its own
 * process group and must print {"Version": 1, AccessKeyId, SecretAccessKey,
 * SessionToken?, Expiration?} on stdout within timeout_ms (0: 60000), else
 * the group is killed. Errors name the profile and the command, and quote
 * the start of stderr when the command failed, never stdout. */
struct ctaws_creds_provider *ctaws_creds_process_new(
    const char *profile, const char *command, long timeout_ms);
/* The words of cmd, as a NULL-terminated malloc'd array (free with
 * ctaws_creds_argv_free), or NULL with *why (static) saying what is wrong. */
char **ctaws_creds_split_command(const char *cmd, const char **why);
void ctaws_creds_argv_free(char **argv);

/* creds_sso.c: IAM Identity Center. A profile with sso_account_id or
 * sso_role_name (ctaws_creds_sso_configured) gets that role's credentials
 * from the portal's GetRoleCredentials, with the token `aws sso login` left
 * in the AWS CLI's cache (cache_dir, NULL: ~/.aws/sso/cache). Both forms:
 * sso_session naming a [sso-session] section, or sso_start_url and
 * sso_region in the profile. The portal is reached with the endpoint
 * settings of profile top and of http (borrowed, may be NULL). Returns NULL
 * with err filled when the settings are incomplete or inconsistent. */
int ctaws_creds_sso_configured(const struct ctaws_profile_set *set, const char *profile);
struct ctaws_creds_provider *ctaws_creds_sso_from_profile(const struct ctaws_profile_set *set,
    const char *profile, const char *top, const char *cache_dir, struct ctaws_client *http,
    struct ctaws_error *err);

/* creds_web_identity.c: STS AssumeRoleWithWebIdentity with a token read from
 * a file on every call (EKS rotates it). role_arn NULL: from
 * AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN and AWS_ROLE_SESSION_NAME (not
 * found when the token file variable is unset). session_name NULL: generated. */
struct ctaws_creds_provider *ctaws_creds_web_identity_new(struct ctaws_client *http_client,
    const char *role_arn, const char *token_file, const char *session_name);

/* creds_ecs.c: the container credentials endpoint.
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (below http://169.254.170.2), else
 * AWS_CONTAINER_CREDENTIALS_FULL_URI (https anywhere; http only to loopback,
 * 169.254.170.2, 169.254.170.23 or fd00:ec2::23), with the Authorization
 * header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read on every call)
 * or AWS_CONTAINER_AUTHORIZATION_TOKEN. */
struct ctaws_creds_ecs_opts {
	const char *relative_base; /* NULL: "http://169.254.170.2" (tests point it elsewhere) */
	long connect_timeout_ms;   /* 0: 2000 */
	long timeout_ms;           /* whole request; 0: 5000 */
	int max_attempts;          /* 0: 3 */
};
struct ctaws_creds_provider *ctaws_creds_ecs_new(const struct ctaws_creds_ecs_opts *opt);
/* 0 when a FULL_URI may be asked (and sent the token), else -1 with err
 * saying why; the message names the host, never the whole URL. */
int ctaws_creds_ecs_url_allowed(const char *url, struct ctaws_error *err);

/* creds_imds.c: the EC2 instance role through IMDSv2: a session token (PUT,
 * TTL 21600 s, reused until shortly before it ends), the role name, then the
 * role's credentials JSON. Static stability: when the service hands out
 * expired credentials or cannot be reached, the last good set is served with
 * an expiry 5 to 10 minutes ahead, and a warning is logged. */
struct ctaws_creds_imds_opts {
	const char *endpoint; /* NULL: AWS_EC2_METADATA_SERVICE_ENDPOINT, config, else by mode */
	const char
	    *endpoint_mode;      /* NULL: AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE, config, "IPv4" */
	const char *profile;     /* where the config keys are read; NULL: AWS_PROFILE/"default" */
	const char *config_file; /* NULL: AWS_CONFIG_FILE, else ~/.aws/config */
	int v1_fallback;         /* unsigned IMDSv1 requests when the token PUT gets 404/405 */
	int token_ttl_s;         /* 0: 21600 */
	long connect_timeout_ms; /* 0: 1000 */
	long timeout_ms;         /* whole request; 0: 3000 */
	int max_attempts;        /* 0: 2 */
	time_t (*now)(void);     /* clock; NULL: time() */
};
struct ctaws_creds_provider *ctaws_creds_imds_new(const struct ctaws_creds_imds_opts *opt);

/* creds_chain.c: asks each provider in turn; the first that has credentials
 * wins, the first real failure ends the search. Takes ownership of the array's
 * providers (not the array). */
struct ctaws_creds_provider *ctaws_creds_chain_new(
    struct ctaws_creds_provider *const *providers, size_t n);

/* creds_cache.c: holds the source's credentials and refreshes them ahead of
 * expiry. One caller refreshes (without the lock) while the others keep using
 * the still-valid set; a failed refresh keeps that set and backs off; once it
 * has expired and refreshing fails, callers get the error. Takes ownership of
 * source. */
struct ctaws_creds_cache_opts {
	int refresh_window_s;       /* refresh this long before expiry; 0: 300 */
	int jitter_s;               /* up to this much earlier still, at random; 0: 60, -1: none */
	int static_ttl_s;           /* ask again for credentials that never expire; 0: 900 */
	long backoff_base_ms;       /* delay after the first failed refresh, doubling; 0: 1000 */
	long backoff_max_ms;        /* 0: 60000 */
	long long (*now_ms)(void);  /* wall clock in ms, for expiry; NULL: the real one */
	long long (*mono_ms)(void); /* monotonic clock in ms, for the backoff; NULL: the real one */
	unsigned seed;              /* jitter seed; 0: from the clock */
};
struct ctaws_creds_provider *ctaws_creds_cache_new(
    struct ctaws_creds_provider *source, const struct ctaws_creds_cache_opts *opt);

/* creds_util.c: what the providers share. */

/* Credentials from a JSON document {AccessKeyId, SecretAccessKey, Token,
 * Expiration} (IMDS and container endpoints). A "Code" other than "Success",
 * or an error document {code, message}, is an error. Never quotes the body. */
int ctaws_creds_parse_json(const char *body, size_t len, const char *service, const char *source,
    struct ctaws_credentials **out, struct ctaws_error *err);

/* A whole file of at most 64 KiB (tokens, the SSO token cache) into out,
 * which the caller frees (and wipes); what names the file in errors.
 * Returns 0 or -1 with err filled. */
int ctaws_creds_read_file(const char *path, const char *service, const char *what, struct buf *out,
    struct ctaws_error *err);

/* A file's first line, trimmed (tokens: web identity, ECS authorization).
 * Returns a malloc'd string or NULL with err filled; what names the file. */
char *ctaws_creds_read_token_file(
    const char *path, const char *service, const char *what, struct ctaws_error *err);

/* 1 for "true" in any case, as the SDKs read boolean variables. */
int ctaws_creds_env_true(const char *name);

/* One unsigned request to a credentials endpoint (IMDS, the container
 * endpoint) on a short-lived client of its own with short timeouts. */
struct ctaws_creds_http {
	const char *service;   /* "imds", "ecs": static, for errors */
	const char *operation; /* static, for errors */
	const char *method;
	const char *url;
	const struct ctaws_kv *headers; /* may hold a token: never logged */
	size_t nheaders;
	long connect_timeout_ms;
	long timeout_ms;
	int max_attempts;
};
/* 0 on a 2xx answer (body in resp), else -1 with err filled and resp->status
 * set (0 when nothing answered). resp must be initialised by the caller. */
int ctaws_creds_http_call(
    const struct ctaws_creds_http *h, struct ctaws_response *resp, struct ctaws_error *err);
/* Wipes and frees a response that may hold credentials. */
void ctaws_creds_response_free(struct ctaws_response *resp);

#endif
