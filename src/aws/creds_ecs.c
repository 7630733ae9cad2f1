/*
 * The container credentials endpoint (ECS task roles, EKS Pod Identity).
 *
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is a path below 169.254.170.2 and
 * wins; otherwise AWS_CONTAINER_CREDENTIALS_FULL_URI is a whole URL, which
 * must be https, or http to an address the SDKs allow (loopback, the ECS
 * agent 169.254.170.2, the EKS Pod Identity agent 169.254.170.23 and
 * fd00:ec2::23; a host name must resolve to those only), so a stray variable
 * cannot send the authorization token anywhere. The token comes from
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, read on every call because EKS
 * rotates it, or from AWS_CONTAINER_AUTHORIZATION_TOKEN.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "aws/creds_provider.h"

#define ECS_HOST "http://169.254.170.2"

struct ecs {
	struct ctaws_creds_provider base;
	struct ctaws_creds_ecs_opts opt; /* relative_base owned */
};

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static int
allowed_v4(const struct in_addr *a)
{
	unsigned long ip = ntohl(a->s_addr);

	return (ip >> 24) == 127 || ip == 0xa9feaa02UL /* 169.254.170.2 */ ||
	       ip == 0xa9feaa17UL /* 169.254.170.23 */;
}

static int
allowed_v6(const struct in6_addr *a)
{
	struct in6_addr eks;

	if (IN6_IS_ADDR_LOOPBACK(a))
		return 1;
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		struct in_addr v4;
		memcpy(&v4, &a->s6_addr[12], 4);
		return allowed_v4(&v4);
	}
	inet_pton(AF_INET6, "fd00:ec2::23", &eks);
	return memcmp(a, &eks, sizeof(eks)) == 0;
}

/* 1 if every address host resolves to is allowed, 0 if not, -1 if it does not resolve. */
static int
host_allowed(const char *host)
{
	struct addrinfo hints, *res, *ai;
	int ok = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL && ok; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			ok = allowed_v4(&((struct sockaddr_in *)ai->ai_addr)->sin_addr);
		else if (ai->ai_family == AF_INET6)
			ok = allowed_v6(&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
		else
			ok = 0;
	}
	freeaddrinfo(res);
	return ok;
}

int
ctaws_creds_ecs_url_allowed(const char *url, struct ctaws_error *err)
{
	const char *auth, *end, *at, *h, *he;
	char host[256];
	int ok;

	if (strncasecmp(url, "https://", 8) == 0)
		return 0;
	if (strncasecmp(url, "http://", 7) != 0)
		return ctaws_error_set(err, "ecs", "GetCredentials", 0, CTAWS_CREDS_ERROR, 0,
		    "AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http or https URL");
	auth = url + 7;
	end = auth + strcspn(auth, "/?#");
	at = memchr(auth, '@', (size_t)(end - auth));
	h = at ? at + 1 : auth;
	if (*h == '[') {
		h++;
		he = memchr(h, ']', (size_t)(end - h));
	} else
		he = memchr(h, ':', (size_t)(end - h));
	if (he == NULL)
		he = end;
	if (he == h || (size_t)(he - h) >= sizeof(host))
		return ctaws_error_set(err, "ecs", "GetCredentials", 0, CTAWS_CREDS_ERROR, 0,
		    "AWS_CONTAINER_CREDENTIALS_FULL_URI has no valid host");
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	if ((ok = host_allowed(host)) == 1)
		return 0;
	return ctaws_error_set(err, "ecs", "GetCredentials", 0, CTAWS_CREDS_ERROR, 0,
	    "AWS_CONTAINER_CREDENTIALS_FULL_URI host %s: %s", host,
	    ok == -1 ? "its host does not resolve"
	             : "plain http is only allowed to loopback, 169.254.170.2, 169.254.170.23 or "
	               "fd00:ec2::23; use https");
}

/* The URL to ask, or NULL with err filled (not found / not allowed). */
static char *
endpoint_url(struct ecs *e, struct ctaws_error *err)
{
	const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	char *url = NULL;

	if (rel != NULL) {
		if (asprintf(&url, "%s%s%s", e->opt.relative_base, rel[0] == '/' ? "" : "/", rel) <
		    0)
			url = NULL;
	} else if (full != NULL) {
		if (ctaws_creds_ecs_url_allowed(full, err) == -1)
			return NULL;
		url = strdup(full);
	} else {
		ctaws_error_set(err, "ecs", "GetCredentials", 0, CTAWS_CREDS_NOT_FOUND, 0,
		    "ecs: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are not set");
		return NULL;
	}
	if (url == NULL)
		ctaws_error_set(
		    err, "ecs", "GetCredentials", 0, "OutOfMemory", 0, "ecs: out of memory");
	return url;
}

/* The Authorization value: *tok NULL when none is configured. */
static int
auth_token(char **tok, struct ctaws_error *err)
{
	const char *file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *val = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");

	*tok = NULL;
	if (file != NULL) {
		*tok = ctaws_creds_read_token_file(
		    file, "ecs", "the container authorization token file", err);
		return *tok ? 0 : -1;
	}
	if (val == NULL)
		return 0;
	if (strpbrk(val, "\r\n") != NULL)
		return ctaws_error_set(err, "ecs", "GetCredentials", 0, CTAWS_CREDS_ERROR, 0,
		    "AWS_CONTAINER_AUTHORIZATION_TOKEN holds a line break");
	if ((*tok = strdup(val)) == NULL)
		return ctaws_error_set(
		    err, "ecs", "GetCredentials", 0, "OutOfMemory", 0, "ecs: out of memory");
	return 0;
}

static void
free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static int
ecs_get(struct ctaws_creds_provider *p, struct ctaws_credentials **out, struct ctaws_error *err)
{
	struct ecs *e = (struct ecs *)p;
	struct ctaws_kv hdr[2] = {{"Accept", "application/json"}, {"Authorization", NULL}};
	struct ctaws_creds_http h = {"ecs", "GetCredentials", "GET", NULL, hdr, 1,
	    e->opt.connect_timeout_ms, e->opt.timeout_ms, e->opt.max_attempts};
	struct ctaws_response resp;
	char *url, *tok;
	int rc;

	if ((url = endpoint_url(e, err)) == NULL)
		return -1;
	if (auth_token(&tok, err) == -1) {
		free(url);
		return -1;
	}
	if (tok != NULL) {
		hdr[1].value = tok;
		h.nheaders = 2;
	}
	h.url = url;
	ctaws_response_init(&resp);
	rc = ctaws_creds_http_call(&h, &resp, err);
	if (rc == 0)
		rc = ctaws_creds_parse_json(resp.body.data, resp.body.len, "ecs", "ecs", out, err);
	ctaws_creds_response_free(&resp);
	free_secret(tok);
	free(url);
	return rc;
}

static void
ecs_destroy(struct ctaws_creds_provider *p)
{
	struct ecs *e = (struct ecs *)p;

	free((char *)e->opt.relative_base);
	free(e);
}

static const struct ctaws_creds_provider_ops ecs_ops = {ecs_get, ecs_destroy};

struct ctaws_creds_provider *
ctaws_creds_ecs_new(const struct ctaws_creds_ecs_opts *opt)
{
	struct ecs *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	if (opt)
		e->opt = *opt;
	e->opt.relative_base = strdup(e->opt.relative_base ? e->opt.relative_base : ECS_HOST);
	if (e->opt.relative_base == NULL) {
		free(e);
		return NULL;
	}
	if (e->opt.connect_timeout_ms <= 0)
		e->opt.connect_timeout_ms = 2000;
	if (e->opt.timeout_ms <= 0)
		e->opt.timeout_ms = 5000;
	if (e->opt.max_attempts <= 0)
		e->opt.max_attempts = 3;
	e->base.ops = &ecs_ops;
	e->base.name = "ecs";
	return &e->base;
}
