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

struct aws_creds_provider *
aws_creds_default_chain(
    const struct aws_creds_options *opt, struct aws_client *http_client, struct aws_error *err)
{
	static const struct aws_creds_options none;
	struct aws_creds_profile_opts po;
	struct aws_creds_imds_opts io;
	struct aws_creds_provider *p[5], *chain;
	size_t n = 0;

	if (opt == NULL)
		opt = &none;
	memset(&po, 0, sizeof(po));
	po.profile = opt->profile;
	po.config_file = opt->config_file;
	po.credentials_file = opt->shared_credentials_file;
	po.region = opt->region;
	po.imds_v1_fallback = opt->imds_v1_fallback;
	memset(&io, 0, sizeof(io));
	io.profile = opt->profile;
	io.config_file = opt->config_file;
	io.v1_fallback = opt->imds_v1_fallback;

	p[n++] = aws_creds_env_new();
	p[n++] = aws_creds_profile_new(&po, http_client);
	p[n++] = aws_creds_web_identity_new(http_client, NULL, NULL, NULL);
	p[n++] = aws_creds_ecs_new(NULL);
	p[n++] = aws_creds_imds_new(&io);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == NULL) {
			for (size_t j = 0; j < n; j++)
				aws_creds_provider_free(p[j]);
			aws_error_set(err, "credentials", "chain", 0, "OutOfMemory", 0,
			    "out of memory building the credentials chain");
			return NULL;
		}
	}
	chain = aws_creds_chain_new(p, n);
	if (chain == NULL || (chain = aws_creds_cache_new(chain, NULL)) == NULL) {
		aws_error_set(err, "credentials", "chain", 0, "OutOfMemory", 0,
		    "out of memory building the credentials chain");
		return NULL;
	}
	return chain;
}
