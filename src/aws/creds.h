/*
 * aws/creds: credentials and the providers that find them.
 *
 * One provider per file (creds_env.c, creds_profile.c, creds_sso.c,
 * creds_process.c, creds_web_identity.c, creds_ecs.c, creds_imds.c), all
 * behind this one small interface. The chain
 * (creds_chain.c) and the refreshing cache (creds_cache.c) are providers too,
 * wrapping other providers, so call sites never special-case them.
 *
 * Credentials are immutable and reference-counted: a signer holds a reference
 * for one request while a refresh may replace the cached set underneath.
 */
#ifndef CT_AWS_CREDS_H
#define CT_AWS_CREDS_H

#include <time.h>

#include "aws/error.h"

struct ctaws_credentials {
	char *access_key_id;     /* owned */
	char *secret_access_key; /* owned; never logged */
	char *session_token;     /* owned; NULL for long-term keys; never logged */
	time_t expiration;       /* 0 = does not expire */
	const char *source;      /* static: "environment", "profile default", "ecs", ... */
	int refs;                /* atomic reference count */
};

/* Makes credentials with one reference. session_token may be NULL. */
struct ctaws_credentials *ctaws_credentials_new(
    const char *akid, const char *secret, const char *token, time_t expiration, const char *source);
struct ctaws_credentials *ctaws_credentials_ref(struct ctaws_credentials *c);
void ctaws_credentials_release(struct ctaws_credentials *c);

struct ctaws_creds_provider;

struct ctaws_creds_provider_ops {
	/* Returns 0 and a new reference in *out, or -1 with err filled.
	 * err->code "CredentialsNotFound" means "this provider has nothing, ask the
	 * next one"; any other code is a real failure. Must be thread-safe. */
	int (*get)(struct ctaws_creds_provider *p, struct ctaws_credentials **out,
	    struct ctaws_error *err);
	void (*destroy)(struct ctaws_creds_provider *p);
};

struct ctaws_creds_provider {
	const struct ctaws_creds_provider_ops *ops;
	const char *name; /* static, for messages: "environment", "imds", ... */
};

static inline int
ctaws_creds_get(
    struct ctaws_creds_provider *p, struct ctaws_credentials **out, struct ctaws_error *err)
{
	return p->ops->get(p, out, err);
}

void ctaws_creds_provider_free(struct ctaws_creds_provider *p); /* NULL is fine */

struct ctaws_client; /* aws/client.h; providers that call STS or HTTP borrow one */

/* Where providers look; every field may be NULL/0 to mean "from the process
 * environment", which is what the daemon uses. Tests fill it explicitly. */
struct ctaws_creds_options {
	const char *profile; /* AWS_PROFILE, else "default" */
	const char
	    *shared_credentials_file; /* AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials */
	const char *config_file;      /* AWS_CONFIG_FILE, else ~/.aws/config */
	int imds_v1_fallback;         /* allow IMDSv1 when the token PUT fails */
	const char *region;           /* for STS calls */
	long process_timeout_ms;      /* credential_process time limit; 0: 60000 */
};

/* The standard chain, in the order every AWS SDK uses, wrapped in a cache.
 * http_client carries endpoints/TLS settings for STS and metadata calls; borrowed. */
struct ctaws_creds_provider *ctaws_creds_default_chain(const struct ctaws_creds_options *opt,
    struct ctaws_client *http_client, struct ctaws_error *err);

/* Static credentials (tests, `check`). */
struct ctaws_creds_provider *ctaws_creds_static_new(
    const char *akid, const char *secret, const char *token);

#endif
