#include "daemon/awsconf.h"

#include <string.h>

#include "aws/client.h"
#include "aws/creds.h"
#include "aws/endpoint.h"
#include "aws/profile.h"
#include "daemon/metrics.h"

struct aws_client *
conf_aws_client(const struct ct_config *c, struct ct_error *err)
{
	struct aws_client_config ac;
	struct aws_creds_options co;
	struct aws_creds_provider *creds;
	struct aws_client *client;
	struct aws_profile_settings file;
	struct aws_profile_set *profiles;
	struct aws_error aerr;
	char region[32], why[1024];

	/* ~/.aws/config and credentials (or AWS_CONFIG_FILE, ...): their region,
	 * endpoint_url and services sections apply as in every AWS SDK. */
	aws_error_clear(&aerr);
	if ((profiles = aws_profile_set_load(NULL, NULL, &aerr)) == NULL) {
		ct_error_set(err, CT_ERR_CONFIG, "AWS shared config: %s",
		    aws_error_str(&aerr, why, sizeof(why)));
		return NULL;
	}
	memset(&file, 0, sizeof(file));
	aws_profile_settings_fill(profiles, c->aws.profile, &file);
	memset(&ac, 0, sizeof(ac));
	ac.file = &file;
	ac.region = c->region;
	if (ac.region == NULL && aws_endpoint_region_from_url(c->queue_url, region, sizeof(region)) == 0)
		ac.region = region;
	ac.profile = c->aws.profile;
	ac.use_fips = c->aws.use_fips;
	ac.s3_force_path_style = c->aws.s3_path_style;
	ac.endpoint_url = c->aws.endpoint_url;
	ac.endpoint_url_sqs = c->aws.endpoint_url_sqs;
	ac.endpoint_url_s3 = c->aws.endpoint_url_s3;
	ac.endpoint_url_sns = c->aws.endpoint_url_sns;
	ac.endpoint_url_sts = c->aws.endpoint_url_sts;
	ac.ca_bundle = c->aws.ca_bundle;
	ac.max_attempts = c->aws.max_attempts;
	ac.on_error = metrics_aws_error_observer;
	aws_error_clear(&aerr);
	client = aws_client_new(&ac, NULL, &aerr);
	aws_profile_set_free(profiles); /* the client copied what it keeps */
	if (client == NULL) {
		ct_error_set(err, CT_ERR_CONFIG, "AWS client: %s", aws_error_str(&aerr, why, sizeof(why)));
		return NULL;
	}
	memset(&co, 0, sizeof(co));
	co.profile = c->aws.profile;
	co.region = aws_client_region(client);
	if ((creds = aws_creds_default_chain(&co, client, &aerr)) == NULL) {
		ct_error_set(err, CT_ERR_CONFIG, "AWS credentials: %s",
		    aws_error_str(&aerr, why, sizeof(why)));
		aws_client_free(client);
		return NULL;
	}
	aws_client_set_creds(client, creds);
	return client;
}
