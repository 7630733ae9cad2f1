/*
 * aws/endpoint: partitions, AWS endpoint names, overrides, URL parsing.
 */
#include "aws/endpoint.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const service_names[CTAWS_SVC__COUNT] = {
    "sqs", "s3", "sns", "sts", "dynamodb", "cloudtrail", "sso", "organizations"};
/* The <SERVICE> part of AWS_ENDPOINT_URL_<SERVICE>. */
static const char *const service_env[CTAWS_SVC__COUNT] = {"AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SNS", "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_CLOUDTRAIL", "AWS_ENDPOINT_URL_SSO",
    "AWS_ENDPOINT_URL_ORGANIZATIONS"};

/* Partitions by region prefix; the aws partition is the default. */
static const struct partition {
	const char *prefix;
	const char *name;
	const char *dns_suffix;
	const char *global_region; /* where global services (Organizations) live */
} partitions[] = {
    {"cn-", "aws-cn", "amazonaws.com.cn", "cn-northwest-1"},
    {"us-gov-", "aws-us-gov", "amazonaws.com", "us-gov-west-1"},
    {"us-iso-", "aws-iso", "c2s.ic.gov", "us-iso-east-1"},
    {"us-isob-", "aws-iso-b", "sc2s.sgov.gov", "us-isob-east-1"},
    {"us-isof-", "aws-iso-f", "csp.hci.ic.gov", "us-isof-south-1"},
    {"eu-isoe-", "aws-iso-e", "cloud.adc-e.uk", "eu-isoe-west-1"},
    {"eusc-", "aws-eusc", "amazonaws.eu", "eusc-de-east-1"},
    {"", "aws", "amazonaws.com", "us-east-1"},
};

static const struct partition *
partition_of(const char *region)
{
	size_t i;

	for (i = 0; partitions[i].prefix[0]; i++)
		if (strncmp(region, partitions[i].prefix, strlen(partitions[i].prefix)) == 0)
			break;
	return &partitions[i];
}

const char *
ctaws_region_partition(const char *region)
{
	return partition_of(region)->name;
}

const char *
ctaws_service_region(enum ctaws_service svc, const char *region)
{
	if (svc == CTAWS_SVC_ORGANIZATIONS && region != NULL)
		return partition_of(region)->global_region;
	return region;
}

const char *
ctaws_service_name(enum ctaws_service svc)
{
	return (unsigned)svc < CTAWS_SVC__COUNT ? service_names[svc] : "unknown";
}

int
ctaws_service_from_name(const char *name)
{
	for (int i = 0; i < CTAWS_SVC__COUNT; i++)
		if (name && strcmp(name, service_names[i]) == 0)
			return i;
	return -1;
}

int
ctaws_region_valid(const char *region)
{
	size_t n = region ? strlen(region) : 0;

	if (n == 0 || n > 31 || region[0] == '-' || region[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((region[i] >= 'a' && region[i] <= 'z') ||
		        (region[i] >= '0' && region[i] <= '9') || region[i] == '-'))
			return 0;
	return 1;
}

static int
is_true(const char *v)
{
	return v && strcasecmp(v, "true") == 0;
}

static const char *
nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* The override for one service, highest precedence first. */
static const char *
pick_url(enum ctaws_service svc, const char *explicit_all, const char *const explicit_svc[],
    const struct ctaws_profile_settings *file, int ignore_configured)
{
	const char *u;

	if (explicit_svc && (u = nonempty(explicit_svc[svc])) != NULL)
		return u;
	if ((u = nonempty(explicit_all)) != NULL)
		return u;
	if (ignore_configured)
		return NULL;
	if ((u = nonempty(getenv(service_env[svc]))) != NULL ||
	    (u = nonempty(getenv("AWS_ENDPOINT_URL"))) != NULL)
		return u;
	if (file && ((u = nonempty(file->service_endpoint_url[svc])) != NULL ||
	                (u = nonempty(file->endpoint_url)) != NULL))
		return u;
	return NULL;
}

int
ctaws_endpoint_settings_load(struct ctaws_endpoint_settings *s, const char *explicit_all,
    const char *const explicit_svc[CTAWS_SVC__COUNT], int use_fips, int path_style,
    const struct ctaws_profile_settings *file, struct ctaws_error *err)
{
	const char *env_ignore = getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	const char *env_fips = getenv("AWS_USE_FIPS_ENDPOINT");
	int ignore;

	memset(s, 0, sizeof(*s));
	ignore = env_ignore && *env_ignore ? is_true(env_ignore)
	                                   : file && is_true(file->ignore_configured_endpoint_urls);
	s->use_fips =
	    use_fips ||
	    (env_fips && *env_fips ? is_true(env_fips) : file && is_true(file->use_fips_endpoint));
	s->s3_path_style = path_style || (file && file->s3_addressing_style &&
	                                     strcmp(file->s3_addressing_style, "path") == 0);
	for (int i = 0; i < CTAWS_SVC__COUNT; i++) {
		const char *u = pick_url(i, explicit_all, explicit_svc, file, ignore);
		struct ctaws_endpoint check;

		if (u == NULL)
			continue;
		if (ctaws_endpoint_parse_url(u, &check, NULL, 0, NULL, 0, err) == -1) {
			ctaws_endpoint_settings_free(s);
			return -1;
		}
		if ((s->url[i] = strdup(u)) == NULL) {
			ctaws_endpoint_settings_free(s);
			return ctaws_error_set(
			    err, NULL, NULL, 0, "OutOfMemory", 0, "out of memory");
		}
	}
	return 0;
}

void
ctaws_endpoint_settings_free(struct ctaws_endpoint_settings *s)
{
	for (int i = 0; i < CTAWS_SVC__COUNT; i++) {
		free(s->url[i]);
		s->url[i] = NULL;
	}
}

int
ctaws_s3_bucket_virtual_ok(const char *b)
{
	size_t n = b ? strlen(b) : 0;

	/* A DNS label: dots would break the wildcard TLS certificate. */
	if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') || b[i] == '-'))
			return 0;
	return 1;
}

static int
copy_part(CURLU *u, CURLUPart part, char *out, size_t outlen, const char *dflt)
{
	char *v = NULL;
	int rc = 0;

	if (curl_url_get(u, part, &v, 0) != CURLUE_OK || v == NULL) {
		if (dflt == NULL)
			return -1;
		snprintf(out, outlen, "%s", dflt);
		return 0;
	}
	if ((size_t)snprintf(out, outlen, "%s", v) >= outlen)
		rc = -1;
	curl_free(v);
	return rc;
}

static void
make_authority(struct ctaws_endpoint *e)
{
	int v6 = strchr(e->host, ':') != NULL;
	int dflt = e->port == 0 || (strcmp(e->scheme, "https") == 0 && e->port == 443) ||
	           (strcmp(e->scheme, "http") == 0 && e->port == 80);

	if (dflt)
		e->port = 0;
	snprintf(
	    e->authority, sizeof(e->authority), "%s%s%s", v6 ? "[" : "", e->host, v6 ? "]" : "");
	if (!dflt)
		snprintf(e->authority + strlen(e->authority),
		    sizeof(e->authority) - strlen(e->authority), ":%ld", e->port);
}

static int
parse_parts(
    CURLU *u, struct ctaws_endpoint *out, char *path, size_t pathlen, char *query, size_t querylen)
{
	char port[16], p[sizeof(out->base_path)];

	if (copy_part(u, CURLUPART_SCHEME, out->scheme, sizeof(out->scheme), NULL) == -1 ||
	    (strcmp(out->scheme, "https") != 0 && strcmp(out->scheme, "http") != 0))
		return -1;
	if (copy_part(u, CURLUPART_HOST, out->host, sizeof(out->host), NULL) == -1 ||
	    out->host[0] == '\0')
		return -1;
	if (out->host[0] == '[') { /* IPv6 literal */
		size_t n = strlen(out->host);

		memmove(out->host, out->host + 1, n);
		out->host[strcspn(out->host, "]")] = '\0';
	}
	if (copy_part(u, CURLUPART_PORT, port, sizeof(port), "0") == -1)
		return -1;
	out->port = strtol(port, NULL, 10);
	if (path && copy_part(u, CURLUPART_PATH, path, pathlen, "/") == -1)
		return -1;
	if (query && copy_part(u, CURLUPART_QUERY, query, querylen, "") == -1)
		return -1;
	if (copy_part(u, CURLUPART_PATH, p, sizeof(p), "") == -1)
		return -1;
	while (*p && p[strlen(p) - 1] == '/')
		p[strlen(p) - 1] = '\0';
	snprintf(out->base_path, sizeof(out->base_path), "%s", p);
	make_authority(out);
	return 0;
}

int
ctaws_endpoint_parse_url(const char *url, struct ctaws_endpoint *out, char *path, size_t pathlen,
    char *query, size_t querylen, struct ctaws_error *err)
{
	CURLU *u;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((u = curl_url()) == NULL)
		return ctaws_error_set(err, NULL, NULL, 0, "OutOfMemory", 0, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK)
		rc = parse_parts(u, out, path, pathlen, query, querylen);
	curl_url_cleanup(u);
	if (rc == -1)
		return ctaws_error_set(err, NULL, NULL, 0, "InvalidEndpoint", 0,
		    "endpoint URL \"%.200s\" is not an absolute http(s) URL", url);
	out->custom = 1;
	return 0;
}

/* AWS's own host name for svc, following the endpoint rules of each SDK. */
static void
ctaws_host(enum ctaws_service svc, const char *region, int fips, char *out, size_t outlen)
{
	const struct partition *p = partition_of(region);
	int gov = strcmp(p->name, "aws-us-gov") == 0;

	region = ctaws_service_region(svc, region);
	/* The SSO portal's endpoint prefix is not its service name. */
	const char *name = svc == CTAWS_SVC_SSO ? "portal.sso" : service_names[svc];

	if (fips && gov &&
	    (svc == CTAWS_SVC_SQS || svc == CTAWS_SVC_STS || svc == CTAWS_SVC_DYNAMODB ||
	        svc == CTAWS_SVC_CLOUDTRAIL || svc == CTAWS_SVC_SSO ||
	        svc == CTAWS_SVC_ORGANIZATIONS ||
	        (svc == CTAWS_SVC_SNS && (strcmp(region, "us-gov-east-1") == 0 ||
	                                     strcmp(region, "us-gov-west-1") == 0)))) {
		snprintf(out, outlen, "%s.%s.amazonaws.com", name, region);
		return;
	}
	snprintf(out, outlen, "%s%s.%s.%s", name, fips ? "-fips" : "", region, p->dns_suffix);
}

int
ctaws_endpoint_resolve(const struct ctaws_endpoint_settings *s, enum ctaws_service svc,
    const char *region, const char *bucket, struct ctaws_endpoint *out, struct ctaws_error *err)
{
	char host[160];

	if ((unsigned)svc >= CTAWS_SVC__COUNT)
		return ctaws_error_set(err, NULL, NULL, 0, "InvalidRequest", 0, "unknown service");
	if (s->url[svc]) {
		if (ctaws_endpoint_parse_url(s->url[svc], out, NULL, 0, NULL, 0, err) == -1)
			return -1;
		out->bucket_in_path = svc == CTAWS_SVC_S3 && bucket && *bucket;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	if (!ctaws_region_valid(region))
		return ctaws_error_set(err, ctaws_service_name(svc), NULL, 0, "InvalidRegion", 0,
		    "region \"%.40s\" is not a valid AWS region name; set AWS_REGION",
		    region ? region : "");
	ctaws_host(svc, region, s->use_fips, host, sizeof(host));
	snprintf(out->scheme, sizeof(out->scheme), "https");
	if (svc == CTAWS_SVC_S3 && bucket && *bucket && !s->s3_path_style &&
	    ctaws_s3_bucket_virtual_ok(bucket)) {
		if ((size_t)snprintf(out->host, sizeof(out->host), "%s.%s", bucket, host) >=
		    sizeof(out->host))
			return ctaws_error_set(
			    err, "s3", NULL, 0, "InvalidRequest", 0, "bucket name too long");
	} else {
		snprintf(out->host, sizeof(out->host), "%s", host);
		out->bucket_in_path = svc == CTAWS_SVC_S3 && bucket && *bucket;
	}
	make_authority(out);
	return 0;
}

/* Copies the n bytes at p into out when they look like a region. */
static int
take_region(const char *p, size_t n, char *out, size_t outlen)
{
	char r[32];

	if (n == 0 || n >= sizeof(r) || n >= outlen)
		return -1;
	memcpy(r, p, n);
	r[n] = '\0';
	if (!ctaws_region_valid(r))
		return -1;
	memcpy(out, r, n + 1);
	return 0;
}

int
ctaws_endpoint_region_from_url(const char *url, char *out, size_t outlen)
{
	struct ctaws_endpoint e;
	const char *h, *dot;

	if (ctaws_endpoint_parse_url(url, &e, NULL, 0, NULL, 0, NULL) == -1)
		return -1;
	h = e.host;
	if (strcmp(h, "queue.amazonaws.com") == 0)
		return take_region("us-east-1", 9, out, outlen);
	/* vpce-...-xxxx.sqs.REGION.vpce.amazonaws.com */
	if (strncmp(h, "vpce-", 5) == 0 && (h = strstr(h, ".sqs.")) != NULL)
		h++;
	if (strncmp(h, "sqs.", 4) == 0 || strncmp(h, "sqs-fips.", 9) == 0) {
		h = strchr(h, '.') + 1;
		dot = strchr(h, '.');
		if (dot && strstr(dot, ".amazonaws.") != NULL)
			return take_region(h, (size_t)(dot - h), out, outlen);
		return -1;
	}
	/* REGION.queue.amazonaws.com[.cn] (legacy) */
	if ((dot = strstr(h, ".queue.amazonaws.com")) != NULL)
		return take_region(h, (size_t)(dot - h), out, outlen);
	return -1;
}
