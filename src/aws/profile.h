/*
 * aws/profile: the shared AWS config and credentials files, read the way the
 * AWS CLI and SDKs read them.
 *
 *   ~/.aws/config        [default], [profile NAME], [services NAME], [sso-session NAME]
 *   ~/.aws/credentials   [NAME] (no "profile " prefix)
 *
 * Locations: AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, else the files
 * under $HOME/.aws; a leading "~/" is expanded. A missing file (or no home
 * directory to look in) is an empty one; a file that exists but cannot be
 * read is an error.
 *
 * The grammar (each rule as the SDKs' shared parser applies it):
 * - Lines starting with '#' or ';' and blank lines are ignored.
 * - "[ NAME ]" opens a section; in a section line '#' or ';' starts a comment
 *   anywhere. In the config file a non-default profile needs the "profile "
 *   prefix ("[foo]" there is ignored) and "[profile default]" wins over
 *   "[default]"; the credentials file takes no prefixes. Names are made of
 *   [A-Za-z0-9_\-/.%@:+]; a section with another name is ignored whole.
 *   Repeated sections merge; a repeated key keeps its last value.
 * - "key = value": both sides trimmed; a comment in a value must be preceded
 *   by whitespace ("a=b#c" keeps "b#c").
 * - A line starting with whitespace continues the previous property: its
 *   trimmed text is appended after a newline (no comments there). When the
 *   property's own value was empty, each continuation line is a sub-property
 *   "key = value" instead (how `[services x]` nests `sqs =\n  endpoint_url = U`).
 * - Fatal (the whole file is rejected, the error names file and line): a
 *   property before any section, a line without '=', a continuation with no
 *   property to continue, a section line without ']'.
 * A profile found in both files merges, the credentials file winning per key.
 */
#ifndef CT_AWS_PROFILE_H
#define CT_AWS_PROFILE_H

#include <stddef.h>

#include "aws/endpoint.h"
#include "aws/error.h"

enum ctaws_profile_file_kind {
	CTAWS_PROFILE_FILE_CONFIG,      /* prefixes "profile ", "services ", "sso-session " */
	CTAWS_PROFILE_FILE_CREDENTIALS, /* bare profile names only */
};

enum ctaws_profile_section_kind {
	CTAWS_SECTION_PROFILE,     /* [default], [profile x], credentials [x] */
	CTAWS_SECTION_SERVICES,    /* [services x] */
	CTAWS_SECTION_SSO_SESSION, /* [sso-session x] */
};

/* Both files, parsed; immutable once loaded, so it can be shared by threads. */
struct ctaws_profile_set;

/* Reads both files (paths NULL: from the environment, see above). Returns NULL
 * with err filled (code "InvalidProfileFile": unreadable or malformed). */
struct ctaws_profile_set *ctaws_profile_set_load(
    const char *config_path, const char *credentials_path, struct ctaws_error *err);

/* An empty set, to which ctaws_profile_set_parse adds files. */
struct ctaws_profile_set *ctaws_profile_set_new(void);
/* Parses text as one file of the given kind; name is used in error messages.
 * Returns 0, or -1 with err filled (the set is unchanged then). */
int ctaws_profile_set_parse(struct ctaws_profile_set *s, enum ctaws_profile_file_kind kind,
    const char *name, const char *text, size_t len, struct ctaws_error *err);
void ctaws_profile_set_free(struct ctaws_profile_set *s); /* NULL is fine */

/* Where the files are: AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE or the
 * defaults under $HOME, "~/" expanded. Returns 0, -1 if the path does not fit
 * or no home directory is known. */
int ctaws_profile_config_path(char *out, size_t outlen);
int ctaws_profile_credentials_path(char *out, size_t outlen);
/* Expands a leading "~/" of path into out. */
int ctaws_profile_expand_home(const char *path, char *out, size_t outlen);

/* The profile to use when none is given: AWS_PROFILE, else "default". */
const char *ctaws_profile_name_from_env(void);

/* Lookups. Returned strings are borrowed from the set. */
int ctaws_profile_exists(const struct ctaws_profile_set *s, const char *profile);
/* A profile's property (credentials file first, then config), or NULL. */
const char *ctaws_profile_get(
    const struct ctaws_profile_set *s, const char *profile, const char *key);
/* 1 when a section of that kind and name is in either file. */
int ctaws_profile_section_exists(
    const struct ctaws_profile_set *s, enum ctaws_profile_section_kind kind, const char *name);
/* Any section's property, or NULL. */
const char *ctaws_profile_section_get(const struct ctaws_profile_set *s,
    enum ctaws_profile_section_kind kind, const char *section, const char *key);
/* A sub-property ("sqs =\n  endpoint_url = U": key "sqs", sub "endpoint_url"). */
const char *ctaws_profile_section_sub_get(const struct ctaws_profile_set *s,
    enum ctaws_profile_section_kind kind, const char *section, const char *key, const char *sub);

/* What endpoint resolution asks: the profile's "region", its "endpoint_url",
 * and the endpoint_url of service_id ("sqs", "s3", "sns", "sts", "dynamodb",
 * "sso") in the
 * [services NAME] section its "services" key names. NULL when not set. */
const char *ctaws_profile_region(const struct ctaws_profile_set *s, const char *profile);
const char *ctaws_profile_endpoint_url(const struct ctaws_profile_set *s, const char *profile);
const char *ctaws_profile_service_endpoint_url(
    const struct ctaws_profile_set *s, const char *profile, const char *service_id);

/* Fills what struct ctaws_client_config's file takes for profile (NULL: AWS_PROFILE
 * or "default"): region, endpoint_url, each service's endpoint_url,
 * use_fips_endpoint, max_attempts, ca_bundle, ignore_configured_endpoint_urls
 * and the "s3" property's addressing_style. Strings are borrowed from s, which
 * must outlive every use of out (ctaws_client_new copies what it keeps). */
void ctaws_profile_settings_fill(
    const struct ctaws_profile_set *s, const char *profile, struct ctaws_profile_settings *out);

#endif
