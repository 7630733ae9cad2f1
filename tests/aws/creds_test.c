/*
 * Credentials providers that need no network: environment, profile (static
 * keys and every error a profile can have before STS is called), the chain,
 * and the helpers the HTTP providers share (time and JSON parsing, token
 * files). The HTTP-backed providers are exercised against local stand-ins by
 * creds_http.mjs; the cache has its own test program.
 *
 * Profile cases are data: the .case files of tests/aws/cases/creds_profile, each with
 * config/credentials files, environment, an optional "provider" section
 * ("profile", the default, or "default-chain"), "sso-cache NAME" sections
 * (files of the AWS CLI's SSO token cache, under a HOME of their own) and
 * what is expected:
 *
 *   creds AKID SECRET TOKEN|<none> SOURCE
 *   error CODE TEXT           (the message must contain TEXT)
 *
 * Every error message and every log line of every case is scanned for the
 * secrets of the case (values of keys naming a secret or a token).
 */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/creds_provider.h"
#include "util/clock.h"
#include "creds_case.h"
#include "util/log.h"
#include "tests/lib/check_main.h"

/* Values in text (files or environment) that must never be printed. */
static int
collect_secrets(const char *text, const char **out, int n, int max, char **owned)
{
	char *copy, *line, *save = NULL, *eq, *k, *v;

	if (text == NULL)
		return n;
	copy = strdup(text);
	*owned = copy;
	for (line = strtok_r(copy, "\n", &save); line && n < max - 1;
	     line = strtok_r(NULL, "\n", &save)) {
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		for (k = line; *k && isspace((unsigned char)*k); k++)
			;
		for (v = eq + 1; *v && isspace((unsigned char)*v); v++)
			;
		if (strlen(v) >= 4 && (strcasestr(k, "secret") || strcasestr(k, "token")) &&
		    !strcasestr(k, "file"))
			out[n++] = v;
	}
	out[n] = NULL;
	return n;
}

static void
expect_result(const char *casename, const char *expect, int rc, struct ctaws_credentials *c,
    const struct ctaws_error *err)
{
	char *lines = strdup(expect), *line, *save = NULL, *p, *w[4];

	for (line = strtok_r(lines, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "creds ", 6) == 0) {
			ck_assert_msg(rc == 0, "%s: expected credentials, got %s: %s", casename,
			    err->code, err->message);
			p = line + 6;
			for (int i = 0; i < 4; i++)
				w[i] = strsep(&p, " ");
			ck_assert_msg(w[3] != NULL, "%s: creds line needs 4 words", casename);
			ck_assert_str_eq(c->access_key_id, w[0]);
			ck_assert_str_eq(c->secret_access_key, w[1]);
			if (unescape(w[2]) == NULL)
				ck_assert_ptr_null(c->session_token);
			else
				ck_assert_str_eq(
				    c->session_token ? c->session_token : "(null)", w[2]);
			ck_assert_str_eq(c->source, w[3]);
		} else if (strncmp(line, "error ", 6) == 0) {
			p = line + 6;
			w[0] = strsep(&p, " ");
			ck_assert_msg(rc == -1, "%s: expected error %s", casename, w[0]);
			ck_assert_msg(strcmp(err->code, w[0]) == 0, "%s: expected %s, got %s: %s",
			    casename, w[0], err->code, err->message);
			ck_assert_msg(p && strstr(err->message, p), "%s: \"%s\" lacks \"%s\"",
			    casename, err->message, p ? p : "");
		}
	}
	free(lines);
}

/* HOME for the case, with its sso-cache sections in ~/.aws/sso/cache. */
static void
write_sso_cache(const struct ct_case *tc)
{
	char home[600], name[700];

	snprintf(home, sizeof(home), "%s/home", tmp_dir());
	setenv("HOME", home, 1);
	for (size_t i = 0; i < tc->n; i++) {
		if (strcmp(tc->v[i].name, "sso-cache") != 0)
			continue;
		snprintf(name, sizeof(name), "mkdir -p '%s/.aws/sso/cache'", home);
		ck_assert_int_eq(system(name), 0);
		snprintf(name, sizeof(name), "home/.aws/sso/cache/%s", tc->v[i].args);
		tmp_write(name, tc->v[i].text.data);
	}
}

START_TEST(creds_profile_case)
{
	const char *secrets[64], *cfg, *cred, *prov;
	char *owned[3] = {NULL, NULL, NULL}, cpath[600], kpath[600], *logs;
	struct ctaws_creds_profile_opts po;
	struct ctaws_creds_options opt;
	struct ctaws_creds_provider *p;
	struct ctaws_credentials *c = NULL;
	struct ctaws_error err;
	struct ct_case tc;
	int n = 0, rc;

	ct_case_load(ct_case_path(_i), 0, &tc);
	env_clear_aws();
	env_apply(ct_case_get(&tc, "env"));
	cfg = ct_case_get(&tc, "config");
	cred = ct_case_get(&tc, "credentials");
	prov = ct_case_get(&tc, "provider");
	n = collect_secrets(cfg, secrets, n, 64, &owned[0]);
	n = collect_secrets(cred, secrets, n, 64, &owned[1]);
	n = collect_secrets(ct_case_get(&tc, "env"), secrets, n, 64, &owned[2]);
	secrets[n] = NULL;
	snprintf(cpath, sizeof(cpath), "%s", cfg ? tmp_write("config", cfg) : "/nonexistent/c");
	snprintf(
	    kpath, sizeof(kpath), "%s", cred ? tmp_write("credentials", cred) : "/nonexistent/k");
	setenv("AWS_CONFIG_FILE", cpath, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", kpath, 1);
	write_sso_cache(&tc);
	memset(&po, 0, sizeof(po));
	memset(&opt, 0, sizeof(opt));
	capture_start();
	if (prov && strncmp(prov, "default-chain", 13) == 0)
		p = ctaws_creds_default_chain(&opt, NULL, &err);
	else
		p = ctaws_creds_profile_new(&po, NULL);
	ck_assert_ptr_nonnull(p);
	ctaws_error_clear(&err);
	rc = ctaws_creds_get(p, &c, &err);
	logs = capture_end();
	expect_result(tc.path, ct_case_get(&tc, "expect"), rc, c, &err);
	assert_no_secret("error message", err.message, secrets);
	assert_no_secret("log output", logs, secrets);
	free(logs);
	ctaws_credentials_release(c);
	ctaws_creds_provider_free(p);
	for (int i = 0; i < 3; i++)
		free(owned[i]);
	ct_case_free(&tc);
	tmp_cleanup();
}
END_TEST

START_TEST(env_not_set_is_not_found)
{
	struct ctaws_creds_provider *p = ctaws_creds_env_new();
	struct ctaws_credentials *c = NULL;
	struct ctaws_error err;

	env_clear_aws();
	ck_assert_int_eq(ctaws_creds_get(p, &c, &err), -1);
	ck_assert_str_eq(err.code, "CredentialsNotFound");
	setenv("AWS_ACCESS_KEY_ID", "", 1); /* empty is unset */
	ck_assert_int_eq(ctaws_creds_get(p, &c, &err), -1);
	ck_assert_str_eq(err.code, "CredentialsNotFound");
	ctaws_creds_provider_free(p);
}
END_TEST

START_TEST(env_keys_and_token)
{
	struct ctaws_creds_provider *p = ctaws_creds_env_new();
	struct ctaws_credentials *c = NULL;
	struct ctaws_error err;

	env_clear_aws();
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	ck_assert_int_eq(ctaws_creds_get(p, &c, &err), 0);
	ck_assert_str_eq(c->access_key_id, "AKIAENV");
	ck_assert_str_eq(c->secret_access_key, "envsecret");
	ck_assert_ptr_null(c->session_token);
	ck_assert_int_eq(c->expiration, 0);
	ck_assert_str_eq(c->source, "environment");
	ctaws_credentials_release(c);
	setenv("AWS_SECURITY_TOKEN", "oldname", 1);
	ck_assert_int_eq(ctaws_creds_get(p, &c, &err), 0);
	ck_assert_str_eq(c->session_token, "oldname");
	ctaws_credentials_release(c);
	setenv("AWS_SESSION_TOKEN", "envtoken", 1);
	ck_assert_int_eq(ctaws_creds_get(p, &c, &err), 0);
	ck_assert_str_eq(c->session_token, "envtoken");
	ctaws_credentials_release(c);
	ctaws_creds_provider_free(p);
}
END_TEST

START_TEST(env_partial_is_an_error)
{
	static const char *const secrets[] = {"lonelysecret", NULL};
	struct ctaws_creds_provider *p = ctaws_creds_env_new();
	struct ctaws_credentials *c = NULL;
	struct ctaws_error err;

	env_clear_aws();
	setenv("AWS_SECRET_ACCESS_KEY", "lonelysecret", 1);
	ck_assert_int_eq(ctaws_creds_get(p, &c, &err), -1);
	ck_assert_str_eq(err.code, "CredentialsError");
	ck_assert_ptr_nonnull(strstr(err.message, "AWS_ACCESS_KEY_ID is not"));
	assert_no_secret("env error", err.message, secrets);
	unsetenv("AWS_SECRET_ACCESS_KEY");
	setenv("AWS_ACCESS_KEY_ID", "AKIAONLY", 1);
	ck_assert_int_eq(ctaws_creds_get(p, &c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "AWS_SECRET_ACCESS_KEY is not"));
	ctaws_creds_provider_free(p);
}
END_TEST

/* A scripted provider for the chain. */
struct script {
	struct ctaws_creds_provider base;
	const char *code; /* NULL: succeed */
	int calls;
};

static int
script_get(struct ctaws_creds_provider *p, struct ctaws_credentials **out, struct ctaws_error *err)
{
	struct script *s = (struct script *)p;

	s->calls++;
	if (s->code)
		return ctaws_error_set(
		    err, "test", "get", 0, s->code, 0, "%s says %s", p->name, s->code);
	*out = ctaws_credentials_new(p->name, "s", NULL, 0, "test");
	return 0;
}

static int script_destroyed;

static void
script_destroy(struct ctaws_creds_provider *p)
{
	script_destroyed++;
	(void)p;
}

static const struct ctaws_creds_provider_ops script_ops = {script_get, script_destroy};

static struct script scripts[4];

static struct ctaws_creds_provider *
script(int i, const char *name, const char *code)
{
	scripts[i] = (struct script){{&script_ops, name}, code, 0};
	return &scripts[i].base;
}

START_TEST(chain_first_found_wins)
{
	struct ctaws_creds_provider *ps[3] = {
	    script(0, "a", "CredentialsNotFound"), script(1, "b", NULL), script(2, "c", NULL)};
	struct ctaws_creds_provider *chain = ctaws_creds_chain_new(ps, 3);
	struct ctaws_credentials *c = NULL;
	struct ctaws_error err;

	ck_assert_int_eq(ctaws_creds_get(chain, &c, &err), 0);
	ck_assert_str_eq(c->access_key_id, "b");
	ck_assert_int_eq(scripts[0].calls, 1);
	ck_assert_int_eq(scripts[2].calls, 0);
	ctaws_credentials_release(c);
	script_destroyed = 0;
	ctaws_creds_provider_free(chain);
	ck_assert_int_eq(script_destroyed, 3);
}
END_TEST

START_TEST(chain_configured_failure_stops)
{
	struct ctaws_creds_provider *ps[3] = {script(0, "a", "CredentialsNotFound"),
	    script(1, "b", "AccessDenied"), script(2, "c", NULL)};
	struct ctaws_creds_provider *chain = ctaws_creds_chain_new(ps, 3);
	struct ctaws_credentials *c = NULL;
	struct ctaws_error err;

	ck_assert_int_eq(ctaws_creds_get(chain, &c, &err), -1);
	ck_assert_str_eq(err.code, "AccessDenied");
	ck_assert_str_eq(err.message, "b says AccessDenied");
	ck_assert_int_eq(scripts[2].calls, 0);
	ctaws_creds_provider_free(chain);
}
END_TEST

START_TEST(chain_nothing_found_lists_why)
{
	struct ctaws_creds_provider *ps[2] = {
	    script(0, "a", "CredentialsNotFound"), script(1, "b", "CredentialsNotFound")};
	struct ctaws_creds_provider *chain = ctaws_creds_chain_new(ps, 2);
	struct ctaws_credentials *c = NULL;
	struct ctaws_error err;

	ck_assert_int_eq(ctaws_creds_get(chain, &c, &err), -1);
	ck_assert_str_eq(err.code, "CredentialsNotFound");
	ck_assert_str_eq(err.message,
	    "no AWS credentials found (a says CredentialsNotFound; b says CredentialsNotFound)");
	ctaws_creds_provider_free(chain);
}
END_TEST

/* The default chain, offline: environment first, then the profile; with
 * neither, every provider says why it has nothing. */
START_TEST(default_chain_env_beats_profile)
{
	struct ctaws_creds_provider *p;
	struct ctaws_credentials *c = NULL;
	struct ctaws_error err;

	env_clear_aws();
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE",
	    tmp_write("credentials", "[default]\naws_access_key_id = AKIAPROFILE\n"
	                             "aws_secret_access_key = profsecret\n"),
	    1);
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	p = ctaws_creds_default_chain(NULL, NULL, &err);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(ctaws_creds_get(p, &c, &err), 0);
	ck_assert_str_eq(c->access_key_id, "AKIAENV");
	ctaws_credentials_release(c);
	ctaws_creds_provider_free(p);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	p = ctaws_creds_default_chain(NULL, NULL, &err);
	ck_assert_int_eq(ctaws_creds_get(p, &c, &err), 0);
	ck_assert_str_eq(c->access_key_id, "AKIAPROFILE");
	ck_assert_str_eq(c->source, "profile");
	ctaws_credentials_release(c);
	ctaws_creds_provider_free(p);
	tmp_cleanup();
}
END_TEST

START_TEST(default_chain_nothing)
{
	struct ctaws_creds_provider *p;
	struct ctaws_credentials *c = NULL;
	struct ctaws_error err;

	env_clear_aws();
	setenv("AWS_EC2_METADATA_DISABLED", "TRUE", 1);
	p = ctaws_creds_default_chain(NULL, NULL, &err);
	ck_assert_int_eq(ctaws_creds_get(p, &c, &err), -1);
	ck_assert_str_eq(err.code, "CredentialsNotFound");
	ck_assert_ptr_nonnull(strstr(err.message, "AWS_ACCESS_KEY_ID is not set"));
	ck_assert_ptr_nonnull(strstr(err.message, "profile default: not found"));
	ck_assert_ptr_nonnull(strstr(err.message, "AWS_WEB_IDENTITY_TOKEN_FILE is not set"));
	ck_assert_ptr_nonnull(strstr(err.message, "_RELATIVE_URI and _FULL_URI are not set"));
	ck_assert_ptr_nonnull(strstr(err.message, "AWS_EC2_METADATA_DISABLED is true"));
	ctaws_creds_provider_free(p);
}
END_TEST

/* Web identity and the container endpoint are configured but broken: the
 * chain stops there with their error instead of going on to IMDS. */
START_TEST(default_chain_configured_but_broken)
{
	struct ctaws_creds_provider *p;
	struct ctaws_credentials *c = NULL;
	struct ctaws_error err;

	env_clear_aws();
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token", 1);
	p = ctaws_creds_default_chain(NULL, NULL, &err);
	ck_assert_int_eq(ctaws_creds_get(p, &c, &err), -1);
	ck_assert_str_eq(err.code, "CredentialsError");
	ck_assert_ptr_nonnull(strstr(err.message, "AWS_ROLE_ARN is not"));
	ctaws_creds_provider_free(p);
	unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.1/creds", 1);
	p = ctaws_creds_default_chain(NULL, NULL, &err);
	ck_assert_int_eq(ctaws_creds_get(p, &c, &err), -1);
	ck_assert_str_eq(err.code, "CredentialsError");
	ck_assert_ptr_nonnull(strstr(err.message, "only allowed to loopback"));
	ctaws_creds_provider_free(p);
}
END_TEST

START_TEST(ecs_allowed_urls)
{
	static const struct {
		const char *url;
		int ok;
	} ucs[] = {
	    {"https://creds.example.com/v1/credentials", 1},
	    {"HTTPS://anything.invalid/", 1},
	    {"http://127.0.0.1:8080/creds", 1},
	    {"http://127.1.2.3/creds", 1},
	    {"http://localhost/creds", 1},
	    {"http://169.254.170.2/v2/credentials/x", 1},
	    {"http://169.254.170.23/v1/credentials", 1},
	    {"http://[fd00:ec2::23]/v1/credentials", 1},
	    {"http://[::1]:9000/creds", 1},
	    {"http://[::ffff:127.0.0.1]/creds", 1},
	    {"http://user:pw@127.0.0.1/creds", 1},
	    {"http://user:pw@192.0.2.1/creds", 0},
	    {"http://169.254.170.3/creds", 0},
	    {"http://169.254.169.254/latest", 0},
	    {"http://192.0.2.1/creds", 0},
	    {"http://[fd00:ec2::24]/creds", 0},
	    {"http://[2001:db8::1]/creds", 0},
	    {"http://no-such-host.invalid/creds", 0},
	    {"http:///creds", 0},
	    {"ftp://127.0.0.1/creds", 0},
	    {"127.0.0.1/creds", 0},
	};
	static const char *const secrets[] = {"pw@", NULL};
	struct ctaws_error err;

	for (size_t i = 0; i < sizeof(ucs) / sizeof(ucs[0]); i++) {
		ctaws_error_clear(&err);
		int rc = ctaws_creds_ecs_url_allowed(ucs[i].url, &err);
		ck_assert_msg(rc == (ucs[i].ok ? 0 : -1), "%s: %s", ucs[i].url, err.message);
		if (!ucs[i].ok) {
			ck_assert_str_eq(err.code, "CredentialsError");
			assert_no_secret("url error", err.message, secrets);
		}
	}
}
END_TEST

struct time_case {
	const char *text;
	long long want; /* -1: rejected */
};

START_TEST(parse_times)
{
	static const struct time_case tcs[] = {
	    {"2024-05-01T12:00:00Z", 1714564800},
	    {"2024-05-01T12:00:00.123Z", 1714564800},
	    {"2024-05-01T12:00:00.123456789Z", 1714564800},
	    {"2024-05-01T14:00:00+02:00", 1714564800},
	    {"2024-05-01T07:30:00-0430", 1714564800},
	    {"2024-05-01T14:00:00+02", 1714564800},
	    {"2024-05-01t12:00:00z", 1714564800},
	    {"2024-05-01 12:00:00Z", 1714564800},
	    {"1970-01-01T00:00:00Z", 0},
	    {"2038-01-19T03:14:08Z", 2147483648LL},
	    {"2024-05-01T12:00:00", -1},
	    {"2024-05-01", -1},
	    {"2024-13-01T12:00:00Z", -1},
	    {"2024-05-01T25:00:00Z", -1},
	    {"2024-05-01T12:00:00.Z", -1},
	    {"2024-05-01T12:00:00Zjunk", -1},
	    {"2024-05-01T12:00:00+2:00", -1},
	    {"not a date", -1},
	    {"", -1},
	};
	time_t t;

	for (size_t i = 0; i < sizeof(tcs) / sizeof(tcs[0]); i++) {
		int rc = clock_parse_time(tcs[i].text, &t);
		if (tcs[i].want == -1)
			ck_assert_msg(rc == -1, "\"%s\" should be rejected", tcs[i].text);
		else
			ck_assert_msg(rc == 0 && (long long)t == tcs[i].want, "\"%s\": got %lld",
			    tcs[i].text, rc ? -1LL : (long long)t);
	}
	ck_assert_int_eq(clock_parse_time(NULL, &t), -1);
}
END_TEST

struct json_case {
	const char *body;
	const char *code; /* NULL: success */
	const char *text; /* in the message, or the expected access key id */
};

START_TEST(parse_json_documents)
{
	static const struct json_case jcs[] = {
	    {"{\"Code\":\"Success\",\"AccessKeyId\":\"AKIAJ\",\"SecretAccessKey\":\"jsonsecret\","
	     "\"Token\":\"jsontoken\",\"Expiration\":\"2024-05-01T12:00:00Z\"}",
	        NULL, "AKIAJ"},
	    {"{\"AccessKeyId\":\"AKIAJ\",\"SecretAccessKey\":\"jsonsecret\"}", NULL, "AKIAJ"},
	    {"{\"Code\":\"Failure\",\"Message\":\"no\",\"AccessKeyId\":\"AKIAJ\","
	     "\"SecretAccessKey\":\"jsonsecret\"}",
	        "CredentialsError", "Code \"Failure\""},
	    {"{\"code\":\"InvalidToken\",\"message\":\"bad token\"}", "CredentialsError",
	        "InvalidToken: bad token"},
	    {"{\"AccessKeyId\":\"AKIAJ\"}", "CredentialsError", "has no SecretAccessKey"},
	    {"{\"SecretAccessKey\":\"jsonsecret\"}", "CredentialsError", "has no AccessKeyId"},
	    {"{\"AccessKeyId\":\"AKIAJ\",\"SecretAccessKey\":\"jsonsecret\",\"Expiration\":"
	     "\"soon\"}",
	        "CredentialsError", "Expiration that is not"},
	    {"{\"AccessKeyId\":\"AKIAJ\",\"SecretAccessKey\":\"jsonsecret\",\"Token\":",
	        "CredentialsError", "is not valid JSON"},
	    {"[\"jsonsecret\"]", "CredentialsError", "is not a JSON object"},
	    {"", "CredentialsError", "is not valid JSON"},
	    {"<html>jsonsecret</html>", "CredentialsError", "is not valid JSON"},
	};
	static const char *const secrets[] = {"jsonsecret", "jsontoken", NULL};
	struct ctaws_credentials *c;
	struct ctaws_error err;

	for (size_t i = 0; i < sizeof(jcs) / sizeof(jcs[0]); i++) {
		const struct json_case *j = &jcs[i];
		int rc = ctaws_creds_parse_json(j->body, strlen(j->body), "imds", "imds", &c, &err);
		if (j->code == NULL) {
			ck_assert_msg(rc == 0, "case %zu: %s", i, err.message);
			ck_assert_str_eq(c->access_key_id, j->text);
			ck_assert_str_eq(c->secret_access_key, "jsonsecret");
			ctaws_credentials_release(c);
			continue;
		}
		ck_assert_msg(rc == -1, "case %zu should fail", i);
		ck_assert_str_eq(err.code, j->code);
		ck_assert_msg(strstr(err.message, j->text), "case %zu: %s", i, err.message);
		assert_no_secret("json error", err.message, secrets);
	}
	ck_assert_int_eq(
	    ctaws_creds_parse_json(jcs[0].body, strlen(jcs[0].body), "imds", "imds", &c, &err), 0);
	ck_assert_str_eq(c->session_token, "jsontoken");
	ck_assert_int_eq(c->expiration, 1714564800);
	ctaws_credentials_release(c);
}
END_TEST

/* A credentials endpoint that answers a million nested arrays gets an error,
 * not a stack overflow in yajl's recursive tree. */
START_TEST(parse_json_deep_nesting)
{
	const size_t depth = 1000000;
	char *body = malloc(2 * depth + 8);
	struct ctaws_credentials *c = NULL;
	struct ctaws_error err;

	ck_assert_ptr_nonnull(body);
	memcpy(body, "{\"a\":", 5);
	memset(body + 5, '[', depth);
	memset(body + 5 + depth, ']', depth);
	strcpy(body + 5 + 2 * depth, "}");
	ck_assert_int_eq(ctaws_creds_parse_json(body, strlen(body), "imds", "imds", &c, &err), -1);
	ck_assert_str_eq(err.code, "CredentialsError");
	ck_assert_msg(strstr(err.message, "nests too deeply"), "%s", err.message);
	ck_assert_ptr_null(c);
	free(body);
}
END_TEST

START_TEST(token_files)
{
	static const char *const secrets[] = {"tok-secret-1", NULL};
	struct ctaws_error err;
	char *t;

	t = ctaws_creds_read_token_file(
	    tmp_write("t1", "  tok-secret-1\n\n"), "sts", "token file", &err);
	ck_assert_str_eq(t, "tok-secret-1");
	free(t);
	t = ctaws_creds_read_token_file(
	    tmp_write("t2", "tok-secret-1\nsecond\n"), "sts", "token file", &err);
	ck_assert_ptr_null(t);
	ck_assert_ptr_nonnull(strstr(err.message, "more than one line"));
	assert_no_secret("token error", err.message, secrets);
	t = ctaws_creds_read_token_file(tmp_write("t3", " \n"), "sts", "token file", &err);
	ck_assert_ptr_null(t);
	ck_assert_ptr_nonnull(strstr(err.message, "is empty"));
	t = ctaws_creds_read_token_file("/nonexistent/tok", "sts", "web identity token file", &err);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(err.code, "CredentialsError");
	ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/tok"));
	tmp_cleanup();
}
END_TEST

START_TEST(env_true_values)
{
	setenv("X_FLAG", "True", 1);
	ck_assert_int_eq(ctaws_creds_env_true("X_FLAG"), 1);
	setenv("X_FLAG", "1", 1);
	ck_assert_int_eq(ctaws_creds_env_true("X_FLAG"), 0);
	unsetenv("X_FLAG");
	ck_assert_int_eq(ctaws_creds_env_true("X_FLAG"), 0);
}
END_TEST

/* The daemon's workers ask for credentials at once: each run of the
 * helper must get its own pipes and its own answer. */
#define PROCESS_THREADS 8
#define PROCESS_CALLS   10

static void *
process_worker(void *arg)
{
	struct ctaws_creds_provider *p = arg;
	long ok = 0;

	for (int i = 0; i < PROCESS_CALLS; i++) {
		struct ctaws_credentials *c = NULL;
		struct ctaws_error err;
		if (ctaws_creds_get(p, &c, &err) == 0 &&
		    strcmp(c->access_key_id, "AKIATHREADS") == 0 &&
		    strcmp(c->secret_access_key, "threadsecret") == 0)
			ok++;
		ctaws_credentials_release(c);
	}
	return (void *)ok;
}

START_TEST(process_from_threads)
{
	struct ctaws_creds_provider *p = ctaws_creds_process_new("threads",
	    "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIATHREADS\", \"SecretAccessKey\": "
	    "\"threadsecret\"}'",
	    5000);
	pthread_t t[PROCESS_THREADS];
	long total = 0;

	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < PROCESS_THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, process_worker, p), 0);
	for (int i = 0; i < PROCESS_THREADS; i++) {
		void *ok;
		pthread_join(t[i], &ok);
		total += (long)ok;
	}
	ck_assert_int_eq(total, PROCESS_THREADS * PROCESS_CALLS);
	ctaws_creds_provider_free(p);
}
END_TEST

START_TEST(split_command_words)
{
	static const struct {
		const char *in, *out; /* words joined by '|'; NULL: refused */
	} cases[] = {
	    {"a b  c", "a|b|c"},
	    {"'x y' \"p\\\"q\" r\\ s", "x y|p\"q|r s"},
	    {"'' \"\"", "|"},
	    {"a'b'\"c\"d", "abcd"},
	    {"\"a\\b\" 'c\\d'", "a\\b|c\\d"},
	    {"'open", NULL},
	    {"x\\", NULL},
	    {" \t ", NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;
		char **argv = ctaws_creds_split_command(cases[i].in, &why);
		char joined[256] = "";

		if (cases[i].out == NULL) {
			ck_assert_msg(argv == NULL, "%s: split, should be refused", cases[i].in);
			ck_assert_ptr_nonnull(why);
			continue;
		}
		ck_assert_msg(argv != NULL, "%s: %s", cases[i].in, why);
		for (size_t j = 0; argv[j]; j++)
			snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
			    j ? "|" : "", argv[j]);
		ck_assert_str_eq(joined, cases[i].out);
		ctaws_creds_argv_free(argv);
	}
}
END_TEST

CT_CHECK_PROGRAM(.name = "creds", .cases = "tests/aws/cases/creds_profile", .setup = ct_log_debug,
    .each_case = CT_TESTS(creds_profile_case),
    .once = CT_TESTS(env_not_set_is_not_found, env_keys_and_token, env_partial_is_an_error,
        chain_first_found_wins, chain_configured_failure_stops, chain_nothing_found_lists_why,
        default_chain_env_beats_profile, default_chain_nothing, default_chain_configured_but_broken,
        ecs_allowed_urls, parse_times, parse_json_documents, parse_json_deep_nesting, token_files,
        env_true_values, process_from_threads, split_command_words))
