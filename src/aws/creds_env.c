/*
 * Credentials from the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
 * and the optional AWS_SESSION_TOKEN, read on every call so a restarted
 * process is not needed to pick up a change made by a wrapper.
 */
#include "config.h"

#include <stdlib.h>

#include "aws/creds_provider.h"

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static int
env_get(struct ctaws_creds_provider *p, struct ctaws_credentials **out, struct ctaws_error *err)
{
	const char *akid = env("AWS_ACCESS_KEY_ID"), *secret = env("AWS_SECRET_ACCESS_KEY");
	const char *token = env("AWS_SESSION_TOKEN");

	if (akid == NULL && secret == NULL)
		return ctaws_error_set(err, "credentials", "environment", 0, CTAWS_CREDS_NOT_FOUND,
		    0, "environment: AWS_ACCESS_KEY_ID is not set");
	if (akid == NULL || secret == NULL)
		return ctaws_error_set(err, "credentials", "environment", 0, CTAWS_CREDS_ERROR, 0,
		    "environment: %s is set but %s is not",
		    akid ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		    akid ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	if (token == NULL)
		token = env("AWS_SECURITY_TOKEN"); /* the older name the SDKs still read */
	*out = ctaws_credentials_new(akid, secret, token, 0, "environment");
	if (*out == NULL)
		return ctaws_error_set(err, "credentials", "environment", 0, "OutOfMemory", 0,
		    "environment: out of memory");
	return 0;
}

static void
env_destroy(struct ctaws_creds_provider *p)
{
	free(p);
}

static const struct ctaws_creds_provider_ops env_ops = {env_get, env_destroy};

struct ctaws_creds_provider *
ctaws_creds_env_new(void)
{
	struct ctaws_creds_provider *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->ops = &env_ops;
	p->name = "environment";
	return p;
}
