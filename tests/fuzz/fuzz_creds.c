/*
 * libFuzzer target for the credential sources (src/aws/profile.c and
 * creds_util.c): the shared config and credentials files, the JSON documents
 * IMDS and the ECS container endpoint answer, and the times in them.
 *
 * Input: "config", "credentials", "imds", "ecs" or "time" on the first line
 * (see select.h), then the file or the answer.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aws/creds.h"
#include "aws/creds_provider.h"
#include "util/clock.h"
#include "aws/profile.h"
#include "select.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const parsers[] = {"config", "credentials", "imds", "ecs", "time"};

/* Parses a file, then asks what the client and the providers ask. */
static void
parse_profile(enum ctaws_profile_file_kind kind, const char *text, size_t len)
{
	struct ctaws_profile_set *s = ctaws_profile_set_new();
	struct ctaws_profile_settings settings;
	struct ctaws_error err;

	if (s == NULL)
		abort();
	memset(&err, 0, sizeof(err));
	if (ctaws_profile_set_parse(s, kind, "fuzz", text, len, &err) == 0) {
		(void)ctaws_profile_exists(s, "default");
		(void)ctaws_profile_get(s, "default", "aws_secret_access_key");
		(void)ctaws_profile_service_endpoint_url(s, "default", "sqs");
		ctaws_profile_settings_fill(s, "default", &settings);
	} else if (err.message[0] == '\0') {
		abort();
	}
	ctaws_profile_set_free(s);
}

static void
parse_document(const char *service, const char *text, size_t len)
{
	struct ctaws_credentials *c = NULL;
	struct ctaws_error err;

	memset(&err, 0, sizeof(err));
	if (ctaws_creds_parse_json(text, len, service, service, &c, &err) == 0) {
		if (c == NULL || c->access_key_id == NULL || c->secret_access_key == NULL)
			abort();
		ctaws_credentials_release(c);
	} else if (err.message[0] == '\0' ||
	           (len > 16 && memmem(err.message, strlen(err.message), text, len) != NULL)) {
		abort(); /* a refusal says why, and never quotes the (secret) body */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p;
	size_t len;
	size_t which = fuzz_select(data, size, parsers, 5, &p, &len);
	char *text = fuzz_strndup(p, len);
	time_t t;

	if (which == 0)
		parse_profile(CTAWS_PROFILE_FILE_CONFIG, text, len);
	else if (which == 1)
		parse_profile(CTAWS_PROFILE_FILE_CREDENTIALS, text, len);
	else if (which == 4)
		(void)clock_parse_time(text, &t);
	else
		parse_document(parsers[which], text, len);
	free(text);
	return 0;
}
