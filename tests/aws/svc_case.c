/*
 * Reading the service case files (see svc_case.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_case.h"

static char *
read_file(const char *path)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) == -1)
			break;
	fclose(f);
	if (b.data == NULL && buf_puts(&b, "") == -1)
		return NULL;
	return buf_detach(&b);
}

static int
add_section(struct svc_case *c, const char *name, size_t namelen)
{
	if (c->n == SVC_SECTIONS_MAX)
		return -1;
	c->sec[c->n].name = strndup(name, namelen);
	c->sec[c->n].text = strdup("");
	c->n++;
	return 0;
}

/* Appends a line to the last section's text. */
static void
add_line(struct svc_case *c, const char *line, size_t len)
{
	struct svc_section *s = &c->sec[c->n - 1];
	size_t old = strlen(s->text);
	char *t = malloc(old + len + 2);

	memcpy(t, s->text, old);
	t[old++] = '\n';
	memcpy(t + old, line, len);
	t[old + len] = '\0';
	free(s->text);
	s->text = t;
}

int
svc_case_load(const char *path, struct svc_case *c, char *why, size_t whylen)
{
	char *text, *p, *nl;
	int started[SVC_SECTIONS_MAX] = {0};

	memset(c, 0, sizeof(*c));
	c->path = strdup(path);
	if ((text = read_file(path)) == NULL) {
		snprintf(why, whylen, "%s: cannot read", path);
		return -1;
	}
	for (p = text; *p; p = nl ? nl + 1 : p + strlen(p)) {
		size_t len;

		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (len >= 4 && strncmp(p, "--- ", 4) == 0) {
			if (add_section(c, p + 4, len - 4) == -1) {
				snprintf(why, whylen, "%s: too many sections", path);
				free(text);
				return -1;
			}
			continue;
		}
		if (c->n == 0) {
			if (len > 0 && p[0] != '#') {
				snprintf(why, whylen, "%s: text before the first section", path);
				free(text);
				return -1;
			}
			continue;
		}
		/* The first line of a section goes in without a newline before it. */
		if (!started[c->n - 1]) {
			struct svc_section *s = &c->sec[c->n - 1];

			started[c->n - 1] = 1;
			free(s->text);
			s->text = strndup(p, len);
		} else
			add_line(c, p, len);
	}
	free(text);
	for (size_t i = 0; i < c->n; i++) { /* blank lines between sections */
		size_t len = strlen(c->sec[i].text);

		while (len > 0 && c->sec[i].text[len - 1] == '\n')
			c->sec[i].text[--len] = '\0';
	}
	return 0;
}

void
svc_case_free(struct svc_case *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->sec[i].name);
		free(c->sec[i].text);
	}
	free(c->path);
	memset(c, 0, sizeof(*c));
}

const char *
svc_case_get(const struct svc_case *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->sec[i].name, name) == 0)
			return c->sec[i].text;
	return NULL;
}

struct buf
svc_section_buf(const struct svc_case *c, const char *name)
{
	const char *t = svc_case_get(c, name);
	struct buf b = {(char *)(t ? t : ""), t ? strlen(t) : 0, 0};

	return b;
}

int
svc_line(const char *text, size_t lineno, char *out, size_t outlen)
{
	const char *p = text;
	size_t len;

	if (text == NULL)
		return -1;
	while (lineno-- > 0) {
		if ((p = strchr(p, '\n')) == NULL)
			return -1;
		p++;
	}
	len = strcspn(p, "\n");
	if (len >= outlen)
		len = outlen - 1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

/* %XX-decodes s, expanding "@repeat:C:N". */
static char *
decode(const char *s)
{
	struct buf b = BUF_INIT;
	char c;
	long n;

	if (strncmp(s, "@repeat:", 8) == 0 && s[8] && s[9] == ':') {
		c = s[8];
		for (n = strtol(s + 10, NULL, 10); n > 0; n--)
			buf_putc(&b, c);
		buf_puts(&b, "");
		return buf_detach(&b);
	}
	for (; *s; s++) {
		if (s[0] == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			char hex[3] = {s[1], s[2], 0};

			buf_putc(&b, (char)strtol(hex, NULL, 16));
			s += 2;
		} else
			buf_putc(&b, *s);
	}
	buf_puts(&b, "");
	return buf_detach(&b);
}

void
svc_kvs_parse(const char *line, struct svc_kvs *kv)
{
	const char *p = line;

	memset(kv, 0, sizeof(*kv));
	while (*p && kv->n < SVC_KV_MAX) {
		size_t len, klen;
		char *word;
		const char *eq;

		p += strspn(p, " \t");
		if ((len = strcspn(p, " \t")) == 0)
			break;
		word = strndup(p, len);
		eq = strchr(word, '=');
		klen = eq ? (size_t)(eq - word) : len;
		kv->v[kv->n].key = strndup(word, klen);
		kv->v[kv->n].value = decode(eq ? eq + 1 : "");
		kv->n++;
		free(word);
		p += len;
	}
}

void
svc_kvs_free(struct svc_kvs *kv)
{
	size_t i;

	for (i = 0; i < kv->n; i++) {
		free(kv->v[i].key);
		free(kv->v[i].value);
	}
	kv->n = 0;
}

const char *
svc_kvs_get(const struct svc_kvs *kv, const char *key)
{
	size_t i;

	for (i = 0; i < kv->n; i++)
		if (strcmp(kv->v[i].key, key) == 0)
			return kv->v[i].value;
	return NULL;
}

long
svc_kvs_int(const struct svc_kvs *kv, const char *key, long dflt)
{
	const char *v = svc_kvs_get(kv, key);

	return v ? strtol(v, NULL, 10) : dflt;
}

void
svc_put_error(struct svc_ctx *ctx, const struct ctaws_error *err)
{
	buf_printf(&ctx->out, "error %s retryable=%d status=%ld\n", err->code, err->retryable,
	    err->http_status);
	snprintf(ctx->message, sizeof(ctx->message), "%s", err->message);
}
