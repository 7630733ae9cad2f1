/*
 * verify_report: what `ctalertd verify` found, as text in validate-logs'
 * words (one line per problem, then the summary) or as one JSON report
 * (--json), and the progress line on a terminal.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "verify.h"

static struct finding *
new_finding(struct verify *v)
{
	if (v->nfindings == v->capfindings) {
		size_t cap = v->capfindings ? 2 * v->capfindings : 32;
		struct finding *f = realloc(v->findings, cap * sizeof(*f));

		if (f == NULL)
			return NULL;
		v->findings = f;
		v->capfindings = cap;
	}
	memset(&v->findings[v->nfindings], 0, sizeof(struct finding));
	return &v->findings[v->nfindings++];
}

int
verify_find(struct verify *v, enum finding_kind kind, const char *bucket, const char *key,
    const char *fmt, ...)
{
	struct finding *f = new_finding(v);
	struct buf text = BUF_INIT;
	va_list ap;

	if (f == NULL)
		return -1;
	va_start(ap, fmt);
	buf_vprintf(&text, fmt, ap);
	va_end(ap);
	f->kind = kind;
	f->bucket = strdup(bucket);
	f->key = strdup(key);
	f->verdict = buf_detach(&text);
	return f->bucket && f->key && f->verdict ? 0 : -1;
}

int
verify_gap(struct verify *v, time_t from, time_t to)
{
	struct finding *f = new_finding(v);

	if (f == NULL)
		return -1;
	f->kind = FIND_GAP;
	f->from = from;
	f->to = to;
	return 0;
}

void
verify_progress(const struct verify *v, const char *what, size_t done, size_t total)
{
	if (!v->o->progress)
		return;
	fprintf(stderr, "\rctalertd verify: %zu/%zu %s\033[K", done, total, what);
	fflush(stderr);
}

void
verify_progress_clear(const struct verify *v)
{
	if (v->o->progress)
		fprintf(stderr, "\r\033[K");
}

static void
print_text(const struct verify *v)
{
	char a[21], b[21];

	for (size_t i = 0; i < v->nfindings; i++) {
		const struct finding *f = &v->findings[i];

		if (f->kind == FIND_GAP) {
			digest_format_time(f->from, a);
			digest_format_time(f->to, b);
			printf(
			    "No log files were delivered by CloudTrail between %s and %s\n", a, b);
		} else {
			printf("%s file\ts3://%s/%s\tINVALID: %s\n",
			    f->kind == FIND_DIGEST ? "Digest" : "Log", f->bucket, f->key,
			    f->verdict);
		}
	}
	if (v->nfindings)
		printf("\n");
	printf("%zu/%zu digest files valid, %zu/%zu log files valid", v->digests_valid,
	    v->digests_valid + v->digests_invalid, v->logs_valid, v->logs_valid + v->logs_invalid);
	if (v->unlisted)
		printf(", %zu log %s in the bucket that no digest lists", v->unlisted,
		    v->unlisted == 1 ? "file" : "files");
	printf("\n");
}

static void
put_counts(struct buf *b, const char *name, size_t valid, size_t invalid)
{
	json_put_key(b, name);
	buf_putc(b, '{');
	json_put_member_int(b, "valid", (long long)valid);
	json_put_member_int(b, "invalid", (long long)invalid);
	json_put_member_int(b, "total", (long long)(valid + invalid));
	buf_putc(b, '}');
}

static void
put_finding(struct buf *b, const struct finding *f)
{
	static const char *const kinds[] = {"digest", "log", "gap"};
	char t[21];

	buf_putc(b, '{');
	json_put_member_string(b, "kind", kinds[f->kind]);
	if (f->kind == FIND_GAP) {
		digest_format_time(f->from, t);
		json_put_member_string(b, "from", t);
		digest_format_time(f->to, t);
		json_put_member_string(b, "to", t);
	} else {
		json_put_member_string(b, "bucket", f->bucket);
		json_put_member_string(b, "key", f->key);
		json_put_member_string(b, "verdict", f->verdict);
	}
	buf_putc(b, '}');
}

static void
print_json(const struct verify *v)
{
	struct buf b = BUF_INIT;
	char t[21];

	buf_putc(&b, '{');
	json_put_member_string(&b, "bucket", v->o->bucket);
	json_put_member_string(&b, "prefix", v->o->prefix);
	digest_format_time(v->o->since, t);
	json_put_member_string(&b, "since", t);
	digest_format_time(v->o->until, t);
	json_put_member_string(&b, "until", t);
	put_counts(&b, "digests", v->digests_valid, v->digests_invalid);
	put_counts(&b, "logs", v->logs_valid, v->logs_invalid);
	json_put_member_int(&b, "unlisted", (long long)v->unlisted);
	json_put_member_int(&b, "errors", v->errors);
	json_put_key(&b, "findings");
	buf_putc(&b, '[');
	for (size_t i = 0; i < v->nfindings; i++) {
		if (i)
			buf_putc(&b, ',');
		put_finding(&b, &v->findings[i]);
	}
	buf_puts(&b, "]}\n");
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

void
verify_print(const struct verify *v)
{
	verify_progress_clear(v);
	if (v->o->json)
		print_json(v);
	else
		print_text(v);
	fflush(stdout);
}

void
verify_free(struct verify *v)
{
	for (size_t i = 0; i < v->ndigests; i++) {
		struct vdigest *d = &v->digests[i];

		free(d->key);
		free(d->chain);
		free(d->region);
		free(d->signature);
		free(d->algorithm);
		digest_free(&d->d);
	}
	free(v->digests);
	free(v->logs);
	free(v->spans);
	for (size_t i = 0; i < v->nbucket_logs; i++) {
		free(v->bucket_logs[i]);
		free(v->bucket_log_chains[i]);
	}
	free(v->bucket_logs);
	free(v->bucket_log_chains);
	free(v->bucket_log_stamps);
	for (size_t i = 0; i < v->nkeys; i++)
		iv_keyring_free(v->keys[i].ring);
	for (size_t i = 0; i < v->nfindings; i++) {
		free(v->findings[i].bucket);
		free(v->findings[i].key);
		free(v->findings[i].verdict);
	}
	free(v->findings);
}
