/* Shared helpers of the credentials and profile tests; see creds_case.h. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "creds_case.h"
#include "util/buf.h"

static char tmpdir[256];
static int saved_stderr = -1;
static char capture_path[512];

static char *
slurp(const char *path, size_t *len)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "rb");

	ck_assert_msg(f != NULL, "cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ck_assert(buf_append(&b, chunk, n) == 0);
	fclose(f);
	if (len)
		*len = b.len;
	if (b.data == NULL)
		return strdup("");
	return buf_detach(&b);
}

const char *
tmp_dir(void)
{
	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/ctalertd-creds-XXXXXX");
		ck_assert(mkdtemp(tmpdir) != NULL);
	}
	return tmpdir;
}

char *
tmp_write(const char *name, const char *text)
{
	static char paths[8][512];
	static int next;
	char *path = paths[next++ % 8];
	FILE *f;

	snprintf(path, 512, "%s/%s", tmp_dir(), name);
	f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	fwrite(text, 1, strlen(text), f);
	fclose(f);
	return path;
}

void
tmp_cleanup(void)
{
	char cmd[600];

	if (tmpdir[0] == '\0')
		return;
	chmod(tmpdir, 0700);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	tmpdir[0] = '\0';
}

void
env_apply(const char *text)
{
	char *copy = strdup(text ? text : ""), *line, *save = NULL, *eq;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		setenv(line, eq + 1, 1);
	}
	free(copy);
}

void
env_clear_aws(void)
{
	static const char *const vars[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
	    "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_CONFIG_FILE",
	    "AWS_SHARED_CREDENTIALS_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
	    "AWS_ROLE_SESSION_NAME", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
	    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_EC2_METADATA_DISABLED",
	    "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
	    "AWS_REGION", "AWS_DEFAULT_REGION", NULL};

	for (int i = 0; vars[i]; i++)
		unsetenv(vars[i]);
	/* Never the host's own files. */
	setenv("AWS_CONFIG_FILE", "/nonexistent/ctalertd/config", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/ctalertd/credentials", 1);
}

void
capture_start(void)
{
	int fd;

	snprintf(capture_path, sizeof(capture_path), "%s/stderr.log", tmp_dir());
	fflush(stderr);
	saved_stderr = dup(2);
	fd = open(capture_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert(fd >= 0 && saved_stderr >= 0);
	dup2(fd, 2);
	close(fd);
}

char *
capture_end(void)
{
	fflush(stderr);
	ck_assert(saved_stderr >= 0);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	saved_stderr = -1;
	return slurp(capture_path, NULL);
}

void
assert_no_secret(const char *what, const char *text, const char *const *secrets)
{
	for (int i = 0; text && secrets[i]; i++)
		ck_assert_msg(
		    strstr(text, secrets[i]) == NULL, "%s leaks a secret: %s", what, text);
}

char *
unescape(char *s)
{
	char *r = s, *w = s;

	if (strcmp(s, "<none>") == 0)
		return NULL;
	for (; *r; r++) {
		if (*r == '\\' && r[1] == 'n') {
			*w++ = '\n';
			r++;
		} else if (*r == '\\' && r[1] == '\\') {
			*w++ = '\\';
			r++;
		} else
			*w++ = *r;
	}
	*w = '\0';
	return s;
}
