/*
 * awsconf: builds the AWS client from a configuration: the shared config
 * file's settings for the profile, the region, endpoint overrides, then the
 * default credential chain. See awsconf.h.
 */
#include "daemon/awsconf.h"

#include <string.h>

#include "aws/client.h"
#include "aws/creds.h"
#include "aws/endpoint.h"
#include "aws/profile.h"
#include "daemon/metrics.h"

struct ctaws_client *
conf_aws_client(const struct ct_config *c, struct ct_error *err)
{
	char region[32];
	const char *r = c->region;

	if (r == NULL && ctaws_endpoint_region_from_url(c->queue_url, region, sizeof(region)) == 0)
		r = region;
	return conf_aws_client_for(&c->aws, r, err);
}

struct ctaws_client *
conf_aws_client_for(const struct conf_aws *aws, const char *region, struct ct_error *err)
{
	struct ctaws_client_config ac;
	struct ctaws_creds_options co;
	struct ctaws_creds_provider *creds;
	struct ctaws_client *client;
	struct ctaws_profile_settings file;
	struct ctaws_profile_set *profiles;
	struct ctaws_error aerr;
	char why[1024];

	/* ~/.aws/config and credentials (or AWS_CONFIG_FILE, ...): their region,
	 * endpoint_url and services sections apply as in every AWS SDK. */
	ctaws_error_clear(&aerr);
	if ((profiles = ctaws_profile_set_load(NULL, NULL, &aerr)) == NULL) {
		ct_error_set(err, CT_ERR_CONFIG, "AWS shared config: %s",
		    ctaws_error_str(&aerr, why, sizeof(why)));
		return NULL;
	}
	memset(&file, 0, sizeof(file));
	ctaws_profile_settings_fill(profiles, aws->profile, &file);
	memset(&ac, 0, sizeof(ac));
	ac.file = &file;
	ac.region = region;
	ac.profile = aws->profile;
	ac.use_fips = aws->use_fips;
	ac.s3_force_path_style = aws->s3_path_style;
	ac.endpoint_url = aws->endpoint_url;
	ac.endpoint_url_sqs = aws->endpoint_url_sqs;
	ac.endpoint_url_s3 = aws->endpoint_url_s3;
	ac.endpoint_url_sns = aws->endpoint_url_sns;
	ac.endpoint_url_sts = aws->endpoint_url_sts;
	ac.endpoint_url_dynamodb = aws->endpoint_url_dynamodb;
	ac.ca_bundle = aws->ca_bundle;
	ac.max_attempts = aws->max_attempts;
	ac.on_error = metrics_aws_error_observer;
	ctaws_error_clear(&aerr);
	client = ctaws_client_new(&ac, NULL, &aerr);
	ctaws_profile_set_free(profiles); /* the client copied what it keeps */
	if (client == NULL) {
		ct_error_set(
		    err, CT_ERR_CONFIG, "AWS client: %s", ctaws_error_str(&aerr, why, sizeof(why)));
		return NULL;
	}
	memset(&co, 0, sizeof(co));
	co.profile = aws->profile;
	co.region = ctaws_client_region(client);
	if ((creds = ctaws_creds_default_chain(&co, client, &aerr)) == NULL) {
		ct_error_set(err, CT_ERR_CONFIG, "AWS credentials: %s",
		    ctaws_error_str(&aerr, why, sizeof(why)));
		ctaws_client_free(client);
		return NULL;
	}
	ctaws_client_set_creds(client, creds);
	return client;
}
