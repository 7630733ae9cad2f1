/*
 * The default credentials chain, in the order every AWS SDK uses:
 *   1. environment variables
 *   2. the shared config and credentials files (AWS_PROFILE)
 *   3. web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)
 *   4. the container endpoint (ECS task role, EKS Pod Identity)
 *   5. the EC2 instance role (IMDSv2)
 * wrapped in the refreshing cache, so callers just ask it for credentials.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aws/creds_provider.h"

struct ctaws_creds_provider *
ctaws_creds_default_chain(const struct ctaws_creds_options *opt, struct ctaws_client *http_client,
    struct ctaws_error *err)
{
	static const struct ctaws_creds_options none;
	struct ctaws_creds_profile_opts po;
	struct ctaws_creds_imds_opts io;
	struct ctaws_creds_provider *p[5], *chain;
	size_t n = 0;

	if (opt == NULL)
		opt = &none;
	memset(&po, 0, sizeof(po));
	po.profile = opt->profile;
	po.config_file = opt->config_file;
	po.credentials_file = opt->shared_credentials_file;
	po.region = opt->region;
	po.imds_v1_fallback = opt->imds_v1_fallback;
	po.process_timeout_ms = opt->process_timeout_ms;
	memset(&io, 0, sizeof(io));
	io.profile = opt->profile;
	io.config_file = opt->config_file;
	io.v1_fallback = opt->imds_v1_fallback;

	p[n++] = ctaws_creds_env_new();
	p[n++] = ctaws_creds_profile_new(&po, http_client);
	p[n++] = ctaws_creds_web_identity_new(http_client, NULL, NULL, NULL);
	p[n++] = ctaws_creds_ecs_new(NULL);
	p[n++] = ctaws_creds_imds_new(&io);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == NULL) {
			for (size_t j = 0; j < n; j++)
				ctaws_creds_provider_free(p[j]);
			ctaws_error_set(err, "credentials", "chain", 0, "OutOfMemory", 0,
			    "out of memory building the credentials chain");
			return NULL;
		}
	}
	chain = ctaws_creds_chain_new(p, n);
	if (chain == NULL || (chain = ctaws_creds_cache_new(chain, NULL)) == NULL) {
		ctaws_error_set(err, "credentials", "chain", 0, "OutOfMemory", 0,
		    "out of memory building the credentials chain");
		return NULL;
	}
	return chain;
}
