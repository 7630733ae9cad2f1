/*
 * aws/creds: reference-counted credentials and the static provider.
 *
 * The providers that find credentials live in creds_*.c, one per file.
 */
#include "aws/creds.h"

#include <stdlib.h>
#include <string.h>

static void
free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

struct ctaws_credentials *
ctaws_credentials_new(
    const char *akid, const char *secret, const char *token, time_t expiration, const char *source)
{
	struct ctaws_credentials *c;

	if (akid == NULL || secret == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->access_key_id = strdup(akid);
	c->secret_access_key = strdup(secret);
	c->session_token = token && *token ? strdup(token) : NULL;
	c->expiration = expiration;
	c->source = source ? source : "static";
	c->refs = 1;
	if (c->access_key_id == NULL || c->secret_access_key == NULL ||
	    (token && *token && c->session_token == NULL)) {
		ctaws_credentials_release(c);
		return NULL;
	}
	return c;
}

struct ctaws_credentials *
ctaws_credentials_ref(struct ctaws_credentials *c)
{
	if (c)
		__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	return c;
}

void
ctaws_credentials_release(struct ctaws_credentials *c)
{
	if (c == NULL || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	free(c->access_key_id);
	free_secret(c->secret_access_key);
	free_secret(c->session_token);
	free(c);
}

void
ctaws_creds_provider_free(struct ctaws_creds_provider *p)
{
	if (p)
		p->ops->destroy(p);
}

/* The static provider: always the same credentials. */
struct creds_static {
	struct ctaws_creds_provider base;
	struct ctaws_credentials *creds; /* owned reference */
};

static int
static_get(struct ctaws_creds_provider *p, struct ctaws_credentials **out, struct ctaws_error *err)
{
	struct creds_static *s = (struct creds_static *)p;

	(void)err;
	*out = ctaws_credentials_ref(s->creds);
	return 0;
}

static void
static_destroy(struct ctaws_creds_provider *p)
{
	struct creds_static *s = (struct creds_static *)p;

	ctaws_credentials_release(s->creds);
	free(s);
}

static const struct ctaws_creds_provider_ops static_ops = {static_get, static_destroy};

struct ctaws_creds_provider *
ctaws_creds_static_new(const char *akid, const char *secret, const char *token)
{
	struct creds_static *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->creds = ctaws_credentials_new(akid, secret, token, 0, "static")) == NULL) {
		free(s);
		return NULL;
	}
	s->base.ops = &static_ops;
	s->base.name = "static";
	return &s->base;
}
