/*
 * creds_probe: one credentials provider, driven line by line from stdin, for
 * the tests that run the HTTP-backed providers against the local stand-ins
 * (creds_http.mjs).
 *
 *   creds_probe PROVIDER [--v1-fallback] [--ecs-base URL] [--cache]
 *               [--process-timeout MS]
 *
 * PROVIDER: env, profile, web-identity, ecs, imds, default (the cached chain).
 * Each stdin line "get" prints one JSON line on stdout:
 *   {"ok":true,"akid":...,"secret":...,"token":...,"expiration":N,"source":...}
 *   {"ok":false,"code":...,"message":...,"status":N}
 * "split TEXT" prints how credential_process splits TEXT into words:
 *   {"ok":true,"words":[...]} or {"ok":false,"why":...}
 * "quit" (or end of input) exits. Log lines go to stderr, where the test
 * looks for leaked secrets. The process exits by itself after 60 seconds.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/client.h"
#include "aws/creds_provider.h"
#include "aws/profile.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/json.h"

static void
print_result(int rc, const struct ctaws_credentials *c, const struct ctaws_error *err)
{
	struct buf b = BUF_INIT;

	if (rc == 0) {
		buf_puts(&b, "{\"ok\":true,\"akid\":");
		json_put_string(&b, c->access_key_id, strlen(c->access_key_id));
		buf_puts(&b, ",\"secret\":");
		json_put_string(&b, c->secret_access_key, strlen(c->secret_access_key));
		buf_puts(&b, ",\"token\":");
		if (c->session_token)
			json_put_string(&b, c->session_token, strlen(c->session_token));
		else
			buf_puts(&b, "null");
		buf_printf(&b, ",\"expiration\":%lld,\"source\":", (long long)c->expiration);
		json_put_string(&b, c->source, strlen(c->source));
	} else {
		buf_puts(&b, "{\"ok\":false,\"code\":");
		json_put_string(&b, err->code, strlen(err->code));
		buf_puts(&b, ",\"message\":");
		json_put_string(&b, err->message, strlen(err->message));
		buf_printf(&b, ",\"status\":%ld", err->http_status);
	}
	buf_puts(&b, "}\n");
	fputs(b.data, stdout);
	fflush(stdout);
	buf_free(&b);
}

/* The client STS calls go through: region and endpoints from the environment
 * and the shared config file, as the daemon makes its own. */
static struct ctaws_client *
http_client(void)
{
	struct ctaws_client_config cfg;
	struct ctaws_profile_settings file;
	struct ctaws_profile_set *set;
	struct ctaws_client *c;
	struct ctaws_error err;

	if ((set = ctaws_profile_set_load(NULL, NULL, &err)) == NULL) {
		fprintf(stderr, "creds_probe: %s\n", err.message);
		exit(2);
	}
	ctaws_profile_settings_fill(set, NULL, &file);
	memset(&cfg, 0, sizeof(cfg));
	cfg.file = &file;
	cfg.connect_timeout_ms = 2000;
	cfg.request_timeout_ms = 10000;
	c = ctaws_client_new(&cfg, NULL, &err);
	ctaws_profile_set_free(set);
	if (c == NULL) {
		fprintf(stderr, "creds_probe: %s\n", err.message);
		exit(2);
	}
	return c;
}

static void
print_split(const char *text)
{
	struct buf b = BUF_INIT;
	const char *why;
	char **argv = ctaws_creds_split_command(text, &why);

	if (argv == NULL) {
		buf_puts(&b, "{\"ok\":false,\"why\":");
		json_put_string(&b, why, strlen(why));
	} else {
		buf_puts(&b, "{\"ok\":true,\"words\":[");
		for (size_t i = 0; argv[i]; i++) {
			if (i)
				buf_putc(&b, ',');
			json_put_string(&b, argv[i], strlen(argv[i]));
		}
		buf_putc(&b, ']');
	}
	buf_puts(&b, "}\n");
	fputs(b.data, stdout);
	fflush(stdout);
	buf_free(&b);
	ctaws_creds_argv_free(argv);
}

static struct ctaws_creds_provider *
make(const char *kind, int v1, const char *ecs_base, long process_ms, struct ctaws_client *http)
{
	struct ctaws_creds_ecs_opts eo = {ecs_base, 0, 0, 0};
	struct ctaws_creds_imds_opts io;
	struct ctaws_creds_options opt;
	struct ctaws_error err;
	struct ctaws_creds_provider *p;

	memset(&io, 0, sizeof(io));
	io.v1_fallback = v1;
	memset(&opt, 0, sizeof(opt));
	opt.imds_v1_fallback = v1;
	opt.process_timeout_ms = process_ms;
	if (strcmp(kind, "env") == 0)
		return ctaws_creds_env_new();
	if (strcmp(kind, "profile") == 0) {
		struct ctaws_creds_profile_opts po = {NULL, NULL, NULL, NULL, v1, process_ms};
		return ctaws_creds_profile_new(&po, http);
	}
	if (strcmp(kind, "web-identity") == 0)
		return ctaws_creds_web_identity_new(http, NULL, NULL, NULL);
	if (strcmp(kind, "ecs") == 0)
		return ctaws_creds_ecs_new(&eo);
	if (strcmp(kind, "imds") == 0)
		return ctaws_creds_imds_new(&io);
	if (strcmp(kind, "default") == 0) {
		if ((p = ctaws_creds_default_chain(&opt, http, &err)) == NULL)
			fprintf(stderr, "creds_probe: %s\n", err.message);
		return p;
	}
	fprintf(stderr, "creds_probe: unknown provider %s\n", kind);
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *ecs_base = NULL;
	struct ctaws_creds_provider *p;
	struct ctaws_credentials *c;
	struct ctaws_client *http;
	struct ctaws_error err;
	char line[4096];
	int v1 = 0, cache = 0, rc;
	long process_ms = 0;

	if (argc < 2) {
		fprintf(stderr,
		    "usage: creds_probe PROVIDER [--v1-fallback] [--ecs-base URL] [--cache] "
		    "[--process-timeout MS]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--v1-fallback") == 0)
			v1 = 1;
		else if (strcmp(argv[i], "--cache") == 0)
			cache = 1;
		else if (strcmp(argv[i], "--ecs-base") == 0 && i + 1 < argc)
			ecs_base = argv[++i];
		else if (strcmp(argv[i], "--process-timeout") == 0 && i + 1 < argc)
			process_ms = strtol(argv[++i], NULL, 10);
	}
	alarm(60);
	log_init("creds_probe", LOG_TARGET_TEXT, LOG_DEBUG);
	http = http_client();
	if ((p = make(argv[1], v1, ecs_base, process_ms, http)) == NULL)
		return 2;
	if (cache)
		p = ctaws_creds_cache_new(p, NULL);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (strncmp(line, "quit", 4) == 0)
			break;
		if (strncmp(line, "split ", 6) == 0) {
			line[strcspn(line, "\n")] = '\0';
			print_split(line + 6);
			continue;
		}
		if (strncmp(line, "get", 3) != 0)
			continue;
		c = NULL;
		ctaws_error_clear(&err);
		rc = ctaws_creds_get(p, &c, &err);
		print_result(rc, c, &err);
		ctaws_credentials_release(c);
	}
	ctaws_creds_provider_free(p);
	ctaws_client_free(http);
	return 0;
}
