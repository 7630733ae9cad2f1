/*
 * verify_fetch: the objects `ctalertd verify` reads, a few at a time on the
 * daemon's worker pool: digests (inflated whole: they are small) and log
 * files (hashed as they stream, never held). Public keys come from
 * ListPublicKeys, once per region and refreshed at most once.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/client.h"
#include "aws/cloudtrail.h"
#include "aws/s3.h"
#include "daemon/pool.h"
#include "stream/inflate.h"
#include "verify.h"

/* A digest lists the logs of an hour; far below this. */
#define DIGEST_MAX_INFLATED ((uint64_t)256 * 1024 * 1024)
#define DAY                 86400

struct job {
	struct pool_job link;
	struct verify *v;
	size_t index; /* into v->digests or v->logs */
	int is_log;
};

struct worker {
	struct ctaws_conn *conn;   /* owned */
	struct iv_loghash *hash;   /* owned */
	struct inflater *inflater; /* owned; digests */
	struct buf text;           /* a digest's inflated text */
	struct vdigest *d;         /* the digest being read */
};

static int
text_sink(void *arg, const char *p, size_t n, struct ct_error *err)
{
	struct worker *w = arg;

	if (buf_append(&w->text, p, n) == -1)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	return 0;
}

static void *
worker_init(void *arg, int index)
{
	struct verify *v = arg;
	struct inflate_opts io = {.max_output = DIGEST_MAX_INFLATED};
	struct worker *w = calloc(1, sizeof(*w));
	struct ct_error err = {0};

	(void)index;
	if (w == NULL || (w->conn = ctaws_conn_new(v->client)) == NULL ||
	    (w->hash = iv_loghash_new(NULL, &err)) == NULL ||
	    (w->inflater = inflater_new(&io, text_sink, w, &err)) == NULL) {
		if (w) {
			ctaws_conn_free(w->conn);
			iv_loghash_free(w->hash);
			free(w);
		}
		return NULL;
	}
	return w;
}

static void
worker_fini(void *state)
{
	struct worker *w = state;

	ctaws_conn_free(w->conn);
	iv_loghash_free(w->hash);
	inflater_free(w->inflater);
	buf_free(&w->text);
	free(w);
}

/* ---- digests ---- */

static int
digest_head(void *arg, const struct s3_object_info *info)
{
	struct worker *w = arg;
	const char *sig = s3_object_meta(info, "signature");
	const char *alg = s3_object_meta(info, "signature-algorithm");

	free(w->d->signature);
	free(w->d->algorithm);
	w->d->signature = sig ? strdup(sig) : NULL;
	w->d->algorithm = alg ? strdup(alg) : NULL;
	return (sig && !w->d->signature) || (alg && !w->d->algorithm) ? -1 : 0;
}

static int
digest_body(void *arg, const void *p, size_t n)
{
	struct worker *w = arg;
	struct ct_error err = {0};

	if (inflater_feed(w->inflater, p, n, &err) == -1) {
		snprintf(w->d->error, sizeof(w->d->error), "%s", err.msg);
		return -1;
	}
	return 0;
}

static void
fetch_digest(struct worker *w, struct verify *v, struct vdigest *d)
{
	struct s3_get_params p = {.bucket = v->o->bucket,
	    .key = d->key,
	    .on_head = digest_head,
	    .sink = digest_body,
	    .arg = w};
	struct s3_get_result res;
	struct ctaws_error aerr;
	struct ct_error err = {0};
	char why[1024];

	w->d = d;
	buf_reset(&w->text);
	inflater_reset(w->inflater);
	ctaws_error_clear(&aerr);
	if (s3_get_object(w->conn, &p, &res, &aerr) == -1) {
		d->fetched = -1;
		if (aerr.errc == CTAWS_ERRC_NOT_FOUND)
			d->missing = 1;
		else if (d->error[0] == '\0')
			snprintf(d->error, sizeof(d->error), "%s",
			    ctaws_error_str(&aerr, why, sizeof(why)));
		else
			d->missing = -1; /* not gzip: a format problem, not an error of ours */
		return;
	}
	if (inflater_finish(w->inflater, &err) == -1 ||
	    digest_parse(w->text.data ? w->text.data : "", w->text.len, &d->d, &err) == -1) {
		d->fetched = -1;
		d->missing = -1;
		snprintf(d->error, sizeof(d->error), "%s", err.msg);
		return;
	}
	d->fetched = 1;
}

/* ---- logs ---- */

static int
log_body(void *arg, const void *p, size_t n)
{
	struct worker *w = arg;
	struct ct_error err = {0};

	return iv_loghash_feed(w->hash, p, n, &err);
}

static void
hash_log(struct worker *w, struct vlog *l)
{
	struct s3_get_params p = {.bucket = l->bucket, .key = l->key, .sink = log_body, .arg = w};
	struct s3_get_result res;
	struct ctaws_error aerr;
	struct ct_error err = {0};
	char hex[DIGEST_HASH_HEX], why[1024];

	iv_loghash_reset(w->hash);
	ctaws_error_clear(&aerr);
	if (s3_get_object(w->conn, &p, &res, &aerr) == -1) {
		if (aerr.errc == CTAWS_ERRC_NOT_FOUND) {
			l->state = VLOG_MISSING;
		} else if (aerr.errc == CTAWS_ERRC_ABORTED) {
			l->state = VLOG_FORMAT; /* the sink refused it: not gzip */
		} else {
			l->state = VLOG_ERROR;
			snprintf(l->error, sizeof(l->error), "%s",
			    ctaws_error_str(&aerr, why, sizeof(why)));
		}
		return;
	}
	if (iv_loghash_finish(w->hash, hex, &err) == -1)
		l->state = VLOG_FORMAT;
	else
		l->state = strcmp(hex, l->hash) == 0 ? VLOG_VALID : VLOG_MISMATCH;
}

static void
run_job(void *state, struct pool_job *pj)
{
	struct job *j = (struct job *)pj;

	if (j->is_log)
		hash_log(state, &j->v->logs[j->index]);
	else
		fetch_digest(state, j->v, &j->v->digests[j->index]);
}

/* Runs n jobs on the pool, showing progress; jobs are freed as they finish. */
static int
run_all(struct verify *v, size_t n, int is_log, const char *what, struct ct_error *err)
{
	static const struct pool_ops ops = {worker_init, run_job, worker_fini, NULL};
	struct pool *p;
	struct pool_job *done;
	size_t finished = 0;

	if (n == 0)
		return 0;
	if ((p = pool_new(v->o->jobs, &ops, v)) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "could not start the workers");
	for (size_t i = 0; i < n; i++) {
		struct job *j = calloc(1, sizeof(*j));

		if (j == NULL) {
			pool_free(p, NULL, NULL);
			return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		}
		*j = (struct job){.v = v, .index = i, .is_log = is_log};
		pool_submit(p, &j->link);
	}
	while (finished < n) {
		while ((done = pool_take_done(p)) != NULL) {
			free(done);
			finished++;
		}
		verify_progress(v, what, finished, n);
		if (finished < n)
			usleep(20000);
	}
	pool_free(p, NULL, NULL);
	return 0;
}

int
verify_fetch_digests(struct verify *v, struct ct_error *err)
{
	return run_all(v, v->ndigests, 0, "digests", err);
}

int
verify_hash_logs(struct verify *v, struct ct_error *err)
{
	return run_all(v, v->nlogs, 1, "log files", err);
}

/* ---- public keys ---- */

static int
add_key(void *arg, const struct cloudtrail_public_key *k)
{
	struct vkeys *ks = arg;
	struct ct_error err = {0};

	/* A key that is not one cannot verify anything: skip it, the digests
	 * it signed report an unknown key. */
	(void)iv_keyring_add(
	    ks->ring, k->fingerprint, k->der, k->der_len, k->valid_from, k->valid_to, &err);
	return 0;
}

int
verify_load_keys(struct verify *v, const char *region, int refresh, struct vkeys **out)
{
	struct vkeys *ks = NULL;
	struct ctaws_conn *conn;
	struct ctaws_error aerr;
	struct cloudtrail_keys_params p;
	char why[1024];
	int rc;

	for (size_t i = 0; i < v->nkeys; i++)
		if (strcmp(v->keys[i].region, region) == 0)
			ks = &v->keys[i];
	if (ks && (!refresh || ks->refreshed)) {
		*out = ks;
		return 0;
	}
	if (ks == NULL) {
		if (v->nkeys == sizeof(v->keys) / sizeof(v->keys[0]))
			return -1;
		ks = &v->keys[v->nkeys++];
		snprintf(ks->region, sizeof(ks->region), "%s", region);
		if ((ks->ring = iv_keyring_new()) == NULL)
			return -1;
	} else {
		ks->refreshed = 1;
	}
	*out = ks;
	if ((conn = ctaws_conn_new(v->client)) == NULL)
		return -1;
	/* CloudTrail refuses a range that ends in the future. */
	p = (struct cloudtrail_keys_params){.region = region,
	    .start = v->o->since - DAY,
	    .end = v->o->until + DAY < time(NULL) ? v->o->until + DAY : time(NULL),
	    .on_key = add_key,
	    .arg = ks};
	ctaws_error_clear(&aerr);
	rc = cloudtrail_list_public_keys(conn, &p, &aerr);
	ctaws_conn_free(conn);
	if (rc == -1) {
		verify_progress_clear(v);
		fprintf(stderr, "ctalertd verify: ListPublicKeys in %s: %s\n", region,
		    ctaws_error_str(&aerr, why, sizeof(why)));
		v->errors++;
	}
	return rc;
}
