/*
 * The chain: asks its providers in order. A provider that is not configured
 * answers "CredentialsNotFound" and the next one is asked; one that is
 * configured but fails ends the search with its error, as the AWS SDKs do
 * (a profile with a bad role_arn must not quietly fall through to the
 * instance role). When nobody has credentials, the error lists why each one
 * had none.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aws/creds_provider.h"
#include "util/buf.h"

struct chain {
	struct ctaws_creds_provider base;
	struct ctaws_creds_provider **providers; /* owned, and each of them */
	size_t n;
};

static int
chain_get(struct ctaws_creds_provider *p, struct ctaws_credentials **out, struct ctaws_error *err)
{
	struct chain *c = (struct chain *)p;
	struct buf why = BUF_INIT;
	struct ctaws_error e;

	for (size_t i = 0; i < c->n; i++) {
		ctaws_error_clear(&e);
		if (ctaws_creds_get(c->providers[i], out, &e) == 0) {
			buf_free(&why);
			return 0;
		}
		if (e.errc != CTAWS_ERRC_CREDS_NOT_FOUND) {
			*err = e;
			buf_free(&why);
			return -1;
		}
		buf_printf(&why, "%s%s", why.len ? "; " : "", e.message);
	}
	ctaws_error_set(err, "credentials", "chain", 0, CTAWS_CREDS_NOT_FOUND, 0,
	    "no AWS credentials found (%s)", why.data ? why.data : "no providers");
	buf_free(&why);
	return -1;
}

static void
chain_destroy(struct ctaws_creds_provider *p)
{
	struct chain *c = (struct chain *)p;

	for (size_t i = 0; i < c->n; i++)
		ctaws_creds_provider_free(c->providers[i]);
	free(c->providers);
	free(c);
}

static const struct ctaws_creds_provider_ops chain_ops = {chain_get, chain_destroy};

struct ctaws_creds_provider *
ctaws_creds_chain_new(struct ctaws_creds_provider *const *providers, size_t n)
{
	struct chain *c = calloc(1, sizeof(*c));

	if (c == NULL || (c->providers = calloc(n ? n : 1, sizeof(*c->providers))) == NULL) {
		free(c);
		for (size_t i = 0; i < n; i++)
			ctaws_creds_provider_free(providers[i]);
		return NULL;
	}
	memcpy(c->providers, providers, n * sizeof(*providers));
	c->n = n;
	c->base.ops = &chain_ops;
	c->base.name = "chain";
	return &c->base;
}
