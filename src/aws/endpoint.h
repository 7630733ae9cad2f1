/*
 * aws/endpoint: where a request for a service in a region goes.
 *
 * AWS endpoints follow the partition of the region: aws (amazonaws.com),
 * aws-cn (amazonaws.com.cn) and aws-us-gov (amazonaws.com), with FIPS
 * variants as AWS's endpoint rules define them. Custom endpoints replace them
 * with the SDK-standard precedence, highest first:
 *
 *   1. the program's configuration, per service then for all services;
 *   2. AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL;
 *   3. the shared config file: the profile's "services" section entry for the
 *      service, then the profile's endpoint_url.
 *
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (or ignore_configured_endpoint_urls
 * in the profile) disables 2 and 3. FIPS is ignored for custom endpoints.
 *
 * S3 buckets are addressed virtual-host style ("bucket.s3.region...") unless
 * path style is configured, the endpoint is custom, or the bucket name cannot
 * be a DNS label (dots, upper case, ...).
 */
#ifndef CT_AWS_ENDPOINT_H
#define CT_AWS_ENDPOINT_H

#include <stddef.h>

#include "aws/error.h"

enum ctaws_service {
	CTAWS_SVC_SQS,
	CTAWS_SVC_S3,
	CTAWS_SVC_SNS,
	CTAWS_SVC_STS,
	CTAWS_SVC_DYNAMODB,
	CTAWS_SVC_CLOUDTRAIL,
	CTAWS_SVC_SSO, /* the IAM Identity Center portal: portal.sso.REGION... */
	CTAWS_SVC_ORGANIZATIONS, /* global: one endpoint per partition */
	CTAWS_SVC__COUNT
};

/* What the shared config file says for the profile in use; every field is
 * borrowed and may be NULL. Filled by the shared-file parser. */
struct ctaws_profile_settings {
	const char *region;       /* region */
	const char *endpoint_url; /* endpoint_url */
	const char
	    *service_endpoint_url[CTAWS_SVC__COUNT]; /* services section: <svc> endpoint_url */
	const char *use_fips_endpoint;               /* use_fips_endpoint: "true"/"false" */
	const char *max_attempts;                    /* max_attempts */
	const char *ca_bundle;                       /* ca_bundle */
	const char *ignore_configured_endpoint_urls; /* "true"/"false" */
	const char *s3_addressing_style; /* s3 = addressing_style: "path", "virtual", "auto" */
};

/* Endpoint choices common to every request of a client. */
struct ctaws_endpoint_settings {
	int use_fips;                /* FIPS endpoints (AWS endpoints only) */
	int s3_path_style;           /* always address S3 buckets in the path */
	char *url[CTAWS_SVC__COUNT]; /* owned; custom endpoint per service, NULL for AWS's */
};

/* One resolved endpoint. */
struct ctaws_endpoint {
	char scheme[8];      /* "https" or "http" */
	char host[256];      /* DNS name or IP literal (IPv6 without brackets) */
	long port;           /* 0: the scheme's default */
	char authority[272]; /* the Host header: host, "[v6]", ":port" when not default */
	char base_path[256]; /* a custom endpoint's path prefix without trailing '/', or "" */
	int bucket_in_path;  /* S3: the bucket is the first path segment */
	int custom;          /* from an override, not AWS's rules */
};

const char *ctaws_service_name(enum ctaws_service svc); /* "sqs", ... */
int ctaws_service_from_name(const char *name);          /* -1 when unknown */

/* Merges overrides (see above). explicit_all and explicit_svc[] come from the
 * program's configuration (NULL when unset); use_fips / path_style likewise
 * (AWS_USE_FIPS_ENDPOINT and the profile also turn FIPS on). file may be
 * NULL. Returns 0, or -1 with err filled (a malformed URL). */
int ctaws_endpoint_settings_load(struct ctaws_endpoint_settings *s, const char *explicit_all,
    const char *const explicit_svc[CTAWS_SVC__COUNT], int use_fips, int path_style,
    const struct ctaws_profile_settings *file, struct ctaws_error *err);
void ctaws_endpoint_settings_free(struct ctaws_endpoint_settings *s);

/* The endpoint of svc in region, for bucket (S3, may be NULL). */
int ctaws_endpoint_resolve(const struct ctaws_endpoint_settings *s, enum ctaws_service svc,
    const char *region, const char *bucket, struct ctaws_endpoint *out, struct ctaws_error *err);

/* Splits an absolute http(s) URL: endpoint fields in out; the path (encoded,
 * as in the URL, "/" when empty) and the raw query ("" when none) copied into
 * path/query when not NULL. */
int ctaws_endpoint_parse_url(const char *url, struct ctaws_endpoint *out, char *path,
    size_t pathlen, char *query, size_t querylen, struct ctaws_error *err);

/* "aws", "aws-cn" or "aws-us-gov". */
const char *ctaws_region_partition(const char *region);
/* The region a request to svc from region is sent to and signed for: the
 * partition's home region for a global service (Organizations: us-east-1,
 * us-gov-west-1, cn-northwest-1), region itself for the others. */
const char *ctaws_service_region(enum ctaws_service svc, const char *region);
/* 1 when region is a plausible region name (lower-case letters, digits, '-'). */
int ctaws_region_valid(const char *region);
/* The region an SQS queue URL names (sqs.REGION.amazonaws.com[.cn],
 * REGION.queue.amazonaws.com, queue.amazonaws.com = us-east-1, VPC endpoint
 * names); 0 when found, -1 when the URL names none (custom endpoints). */
int ctaws_endpoint_region_from_url(const char *url, char *out, size_t outlen);
/* 1 when bucket can be the first label of a virtual-hosted S3 name. */
int ctaws_s3_bucket_virtual_ok(const char *bucket);

#endif
