/*
 * awsconf: the AWS client a configuration asks for.
 *
 * Region: the configuration's, else the queue URL's, else the AWS
 * environment's (AWS_REGION, the profile). Credentials: the standard chain
 * (environment, shared files and AWS_PROFILE, web identity, ECS, IMDSv2),
 * cached and refreshed ahead of expiry.
 */
#ifndef CT_DAEMON_AWSCONF_H
#define CT_DAEMON_AWSCONF_H

#include "daemon/conf.h"
#include "util/error.h"

struct ctaws_client;

struct ctaws_client *conf_aws_client(const struct ct_config *c, struct ct_error *err);

/* The same from the [aws] settings alone (zeroed: the AWS environment's),
 * in region (NULL: the AWS environment's), for commands that need no queue
 * (`ctalertd scan s3://...`, `ctalertd verify`). */
struct ctaws_client *conf_aws_client_for(
    const struct conf_aws *aws, const char *region, struct ct_error *err);

#endif
