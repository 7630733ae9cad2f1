/*
 * What the service case files mean beyond their sections: key=value
 * input lines and the error line of an output (see svc_case.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_case.h"

struct buf
svc_section_buf(const struct ct_case *c, const char *name)
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
