/*
 * attest: one digest, its signature, its chain and its log files.
 */
#include "config.h"

#include "daemon/attest.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/client.h"
#include "aws/cloudtrail.h"
#include "aws/s3.h"
#include "daemon/daemon.h"
#include "daemon/ledger.h"
#include "daemon/publish.h"
#include "integrity/verify.h"
#include "state/state.h"
#include "stream/inflate.h"
#include "util/json.h"
#include "util/log.h"

#define DIGEST_MAX_INFLATED ((uint64_t)64 * 1024 * 1024) /* far above an hour's list */
#define KEYS_REFRESH_S      300 /* an unknown fingerprint asks again at most this often */
#define MAX_REGIONS         64
#define DAY                 86400

/* ---- public keys ---- */

struct region_keys {
	char region[32];
	struct iv_keyring *ring; /* owned */
	time_t fetched;          /* when ListPublicKeys last answered */
};

struct attest_keys {
	struct ctaws_client *client; /* borrowed */
	pthread_mutex_t lock;        /* guards everything below */
	struct region_keys v[MAX_REGIONS];
	size_t n;
	int denied_said; /* "no cloudtrail:ListPublicKeys" was logged */
};

struct attest_keys *
attest_keys_new(struct ctaws_client *client)
{
	struct attest_keys *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->client = client;
	pthread_mutex_init(&k->lock, NULL);
	return k;
}

void
attest_keys_free(struct attest_keys *k)
{
	if (k == NULL)
		return;
	for (size_t i = 0; i < k->n; i++)
		iv_keyring_free(k->v[i].ring);
	pthread_mutex_destroy(&k->lock);
	free(k);
}

static int
add_key(void *arg, const struct cloudtrail_public_key *pk)
{
	struct ct_error err;

	/* A key that is not one verifies nothing: its digests say "unknown key". */
	(void)iv_keyring_add(
	    arg, pk->fingerprint, pk->der, pk->der_len, pk->valid_from, pk->valid_to, &err);
	return 0;
}

/* ListPublicKeys for r, the last 30 days (CloudTrail refuses an end in the
 * future). 0, 1 when denied (said once), -1 on another failure. */
static int
fetch_keys(struct attest_keys *k, struct ctaws_conn *conn, struct region_keys *r)
{
	time_t now = time(NULL);
	struct cloudtrail_keys_params p = {r->region, now - 30 * DAY, now, add_key, r->ring};
	struct ctaws_error err;
	char why[1024];

	ctaws_error_clear(&err);
	if (cloudtrail_list_public_keys(conn, &p, &err) == 0) {
		r->fetched = now;
		return 0;
	}
	if (err.errc == CTAWS_ERRC_ACCESS_DENIED) {
		if (!k->denied_said)
			log_warnx("cloudtrail:ListPublicKeys in %s is denied: CloudTrail digests' "
			          "signatures cannot be checked (log files are still compared with "
			          "them, and alerting goes on); grant it as deploy/ does",
			    r->region);
		k->denied_said = 1;
		return 1;
	}
	log_warnx("ListPublicKeys in %s: %s", r->region, ctaws_error_str(&err, why, sizeof(why)));
	return -1;
}

/* The keyring of region holding fingerprint, fetched when new or when the
 * fingerprint is unknown (at most every KEYS_REFRESH_S). NULL when the keys
 * cannot be had; *denied set when that is for want of permission. */
static const struct iv_keyring *
keys_for(struct attest_keys *k, struct ctaws_conn *conn, const char *region,
    const char *fingerprint, int *denied)
{
	struct region_keys *r = NULL;
	int rc = 0;

	*denied = 0;
	pthread_mutex_lock(&k->lock);
	for (size_t i = 0; i < k->n && r == NULL; i++)
		if (strcmp(k->v[i].region, region) == 0)
			r = &k->v[i];
	if (r == NULL && k->n < MAX_REGIONS && (k->v[k->n].ring = iv_keyring_new()) != NULL) {
		r = &k->v[k->n++];
		snprintf(r->region, sizeof(r->region), "%s", region);
	}
	if (r && !iv_keyring_has(r->ring, fingerprint) && time(NULL) - r->fetched >= KEYS_REFRESH_S)
		rc = fetch_keys(k, conn, r);
	pthread_mutex_unlock(&k->lock);
	*denied = rc == 1;
	return r && r->fetched ? r->ring : NULL;
}

/* ---- the rules of integrity alerts ---- */

static struct rule rules[] = {
    [ATTEST_LOG_MODIFIED] = {.name = "ctalertd-integrity-log-modified",
        .description = "A log file was modified after CloudTrail delivered it: its SHA-256 "
                       "is not the one CloudTrail's signed digest lists",
        .severity = "critical"},
    [ATTEST_LOG_DELETED] = {.name = "ctalertd-integrity-log-deleted",
        .description = "A log file CloudTrail's signed digest lists is gone from S3",
        .severity = "critical"},
    [ATTEST_LOG_INJECTED] = {.name = "ctalertd-integrity-log-injected",
        .description = "A log file ctalertd scanned is listed by no CloudTrail digest: "
                       "CloudTrail did not write it",
        .severity = "high"},
    [ATTEST_DIGEST_INVALID] = {.name = "ctalertd-integrity-digest-invalid",
        .description = "A CloudTrail digest file is not valid (moved, unknown key, bad "
                       "signature, or not a digest): the log files it lists are not proven",
        .severity = "critical"},
    [ATTEST_CHAIN_BROKEN] = {.name = "ctalertd-integrity-chain-broken",
        .description = "A CloudTrail digest's previous digest is missing or is not the one "
                       "it names",
        .severity = "high"},
    [ATTEST_DELIVERY_STOPPED] = {.name = "ctalertd-integrity-delivery-stopped",
        .description = "CloudTrail delivery stopped: no digest from a trail for longer "
                       "than integrity.delivery_timeout",
        .severity = "high"},
    [ATTEST_DELIVERY_RESUMED] = {.name = "ctalertd-integrity-delivery-resumed",
        .description = "CloudTrail delivery resumed: a digest came again from a trail "
                       "that had stopped",
        .severity = "informational"},
};

static const char *const event_names[] = {
    [ATTEST_LOG_MODIFIED] = "LogFileModified",
    [ATTEST_LOG_DELETED] = "LogFileDeleted",
    [ATTEST_LOG_INJECTED] = "LogFileNotWrittenByCloudTrail",
    [ATTEST_DIGEST_INVALID] = "DigestInvalid",
    [ATTEST_CHAIN_BROKEN] = "DigestChainBroken",
    [ATTEST_DELIVERY_STOPPED] = "DeliveryStopped",
    [ATTEST_DELIVERY_RESUMED] = "DeliveryResumed",
};

const struct rule *
attest_rule(enum attest_kind k)
{
	return &rules[k];
}

static void
put_opt(struct buf *b, const char *key, const char *v)
{
	if (v != NULL)
		json_put_member_string(b, key, v); /* the comma is json_put_key's */
}

int
attest_alert(struct alert *a, const struct attest_finding *f, const struct alert_options *o,
    struct ct_error *err)
{
	struct buf rec = BUF_INIT, id = BUF_INIT;
	char now[21];
	int rc;

	digest_format_time(time(NULL), now);
	buf_printf(&id, "ctalertd-integrity/%s/%s", event_names[f->kind], f->id ? f->id : "");
	buf_putc(&rec, '{');
	json_put_member_string(&rec, "eventID", id.data);
	put_opt(&rec, "eventTime", now);
	put_opt(&rec, "eventSource", "ctalertd.integrity");
	put_opt(&rec, "eventName", event_names[f->kind]);
	put_opt(&rec, "awsRegion", f->region);
	put_opt(&rec, "recipientAccountId", f->account);
	json_put_key(&rec, "integrity");
	buf_putc(&rec, '{');
	json_put_member_string(&rec, "finding", event_names[f->kind]);
	put_opt(&rec, "object", f->object);
	put_opt(&rec, "digest", f->digest);
	put_opt(&rec, "trail", f->trail);
	put_opt(&rec, "expectedHash", f->expected);
	put_opt(&rec, "foundHash", f->found);
	put_opt(&rec, "detail", f->detail);
	buf_puts(&rec, "}}");
	if (rec.data == NULL || id.data == NULL)
		rc = ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	else
		rc = alert_build(a, rec.data, rec.len, &rules[f->kind], f->bucket ? f->bucket : "",
		    f->key ? f->key : "", o, err);
	buf_free(&rec);
	buf_free(&id);
	return rc;
}

/* ---- one digest ---- */

/* Where the digest is and what it says, for one job. */
struct job {
	struct attest_worker *w;
	const char *bucket, *key; /* borrowed: where it was read */
	char where[1100];         /* s3://bucket/key */
	char account[16], region[32], trail[160];
	struct inflater *z; /* owned */
	struct buf text;    /* the inflated digest */
	char *signature;    /* owned; x-amz-meta-signature */
	char *algorithm;    /* owned; x-amz-meta-signature-algorithm */
	struct digest d;
	int failed; /* an alert could not be published */
};

static int
text_sink(void *arg, const char *p, size_t n, struct ct_error *err)
{
	struct job *j = arg;

	if (buf_append(&j->text, p, n) == -1)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	return 0;
}

static int
on_head(void *arg, const struct s3_object_info *info)
{
	struct job *j = arg;
	const char *sig = s3_object_meta(info, "signature");
	const char *alg = s3_object_meta(info, "signature-algorithm");

	free(j->signature);
	free(j->algorithm);
	j->signature = sig ? strdup(sig) : NULL;
	j->algorithm = alg ? strdup(alg) : NULL;
	return 0;
}

static int
on_body(void *arg, const void *p, size_t n)
{
	struct job *j = arg;
	struct ct_error err;

	return inflater_feed(j->z, p, n, &err);
}

/* The account, region and trail of a digest's key:
 * .../ACCOUNT_CloudTrail-Digest_REGION_TRAIL_HOMEREGION_TIME[_backfill].json.gz */
static void
key_parts(struct job *j)
{
	const char *base = strrchr(j->key, '/');
	const char *p, *end;
	char name[512];
	char *cut;

	base = base ? base + 1 : j->key;
	snprintf(name, sizeof(name), "%s", base);
	if ((cut = strstr(name, ".json")) != NULL)
		*cut = '\0';
	if ((cut = strstr(name, "_backfill")) != NULL)
		*cut = '\0';
	for (int i = 0; i < 2 && (cut = strrchr(name, '_')) != NULL; i++)
		*cut = '\0'; /* the time, then the home region */
	p = strstr(name, "_CloudTrail-Digest_");
	if (p == NULL)
		return;
	snprintf(j->account, sizeof(j->account), "%.*s", (int)(p - name), name);
	p += strlen("_CloudTrail-Digest_");
	if ((end = strchr(p, '_')) == NULL)
		return;
	snprintf(j->region, sizeof(j->region), "%.*s", (int)(end - p), p);
	snprintf(j->trail, sizeof(j->trail), "%s", end + 1);
}

/* Publishes one finding; a failure makes the digest's message come back. */
static void
raise_finding(struct job *j, struct attest_finding *f, atomic_uint_fast64_t *counter)
{
	struct ctaws_error aerr;
	struct ct_error err;
	struct alert a;

	f->account = f->account ? f->account : j->account;
	f->region = f->region ? f->region : j->region;
	f->trail = f->trail ? f->trail : j->trail;
	f->digest = f->digest ? f->digest : j->where;
	if (counter)
		atomic_fetch_add(counter, 1);
	log_warnx("integrity: %s: %s%s%s", attest_rule(f->kind)->name, f->object,
	    f->detail ? ": " : "", f->detail ? f->detail : "");
	if (attest_alert(&a, f, &j->w->snap->alerts, &err) == -1) {
		log_warnx("%s", err.msg);
		return;
	}
	ctaws_error_clear(&aerr);
	if (publisher_add(j->w->pub, &a, &aerr) == -1)
		j->failed = 1;
}

/* Reads the digest at bucket/key into j. 0; 1 not found; 2 denied; -1 other
 * (why says). */
static int
read_digest(struct job *j, const char *bucket, const char *key, char *why, size_t whylen)
{
	struct s3_get_params p = {.bucket = bucket,
	    .key = key,
	    .expected_owner = j->w->snap->cfg->source.expected_bucket_owner,
	    .on_head = on_head,
	    .sink = on_body,
	    .arg = j};
	struct s3_get_result res;
	struct ctaws_error aerr;
	struct ct_error err;

	buf_reset(&j->text);
	inflater_reset(j->z);
	digest_free(&j->d);
	memset(&j->d, 0, sizeof(j->d));
	ctaws_error_clear(&aerr);
	memset(&res, 0, sizeof(res));
	if (s3_get_object(j->w->conn, &p, &res, &aerr) == -1) {
		ctaws_error_str(&aerr, why, whylen);
		return aerr.errc == CTAWS_ERRC_NOT_FOUND       ? 1
		       : aerr.errc == CTAWS_ERRC_ACCESS_DENIED ? 2
		       : aerr.errc == CTAWS_ERRC_ABORTED       ? 3
		                                               : -1;
	}
	if (inflater_finish(j->z, &err) == -1 ||
	    digest_parse(j->text.data ? j->text.data : "", j->text.len, &j->d, &err) == -1) {
		snprintf(why, whylen, "%s", err.msg);
		return 3;
	}
	return 0;
}

/* The mark of a digest in the chain: 60 bits of SHA-256(hash \n signature). */
static int64_t
chain_mark(const char *hash, const char *signature)
{
	struct iv_sha256 *h = iv_sha256_new();
	char hex[DIGEST_HASH_HEX];
	int ok;

	if (h == NULL)
		return 0;
	ok = iv_sha256_update(h, hash, strlen(hash)) == 0 && iv_sha256_update(h, "\n", 1) == 0 &&
	     iv_sha256_update(
	         h, signature ? signature : "null", strlen(signature ? signature : "null")) == 0 &&
	     iv_sha256_finish(h, hex) == 0;
	iv_sha256_free(h);
	return ok ? ledger_hash_prefix(hex) : 0;
}

static void
digest_store_key(char out[STATE_KEY_MAX], const char *bucket, const char *key)
{
	snprintf(out, STATE_KEY_MAX, "digest/%s/%s", bucket, key);
}

/* The link to the previous digest: the store knows the ones ctalertd
 * verified; one it does not know is read from S3. */
static void
check_chain(struct job *j)
{
	const struct digest *d = &j->d;
	struct attest_finding f = {.kind = ATTEST_CHAIN_BROKEN,
	    .object = j->where,
	    .bucket = j->bucket,
	    .key = j->key,
	    .id = j->key};
	struct state *st = j->w->shared->store;
	char k[STATE_KEY_MAX], why[1024];
	struct job prev = {.w = j->w};
	struct ct_error err;
	int64_t mark;
	int r;

	if (digest_starts_chain(d) || d->prev_bucket == NULL || d->prev_object == NULL)
		return;
	digest_store_key(k, d->prev_bucket, d->prev_object);
	if ((r = state_get(st, k, &mark, &err)) == 1) {
		if (mark == chain_mark(d->prev_hash, d->prev_signature))
			return;
		f.detail = "the previous digest ctalertd verified has another hash or signature "
		           "than this digest names";
		raise_finding(j, &f, &j->w->shared->counters->chains_broken);
		return;
	}
	if (r == -1)
		atomic_fetch_add(&j->w->shared->counters->state_errors, 1);
	struct inflate_opts io = {.max_output = DIGEST_MAX_INFLATED};
	if ((prev.z = inflater_new(&io, text_sink, &prev, &err)) == NULL)
		return;
	r = read_digest(&prev, d->prev_bucket, d->prev_object, why, sizeof(why));
	if (r == 1) {
		f.detail = "the previous digest it names is not in S3";
		raise_finding(j, &f, &j->w->shared->counters->chains_broken);
	} else if (r == 0) {
		enum iv_link l =
		    iv_check_link(d, &prev.d, d->prev_bucket, d->prev_object, prev.signature);

		if (l != IV_LINK_OK && l != IV_LINK_START) {
			f.detail = iv_link_text(l);
			raise_finding(j, &f, &j->w->shared->counters->chains_broken);
		}
	} else {
		log_warnx("integrity: %s: previous digest s3://%s/%s not read: %s", j->where,
		    d->prev_bucket, d->prev_object, why);
	}
	inflater_free(prev.z);
	buf_free(&prev.text);
	free(prev.signature);
	free(prev.algorithm);
	digest_free(&prev.d);
}

static void compare_log(struct job *j, const struct digest_log *l);

/* One listed log file: compared, and no longer waiting for a digest. */
static void
check_log(struct job *j, const struct digest_log *l)
{
	char k[STATE_KEY_MAX];
	struct ct_error err;

	compare_log(j, l);
	snprintf(k, sizeof(k), "unlisted/%s/%s", l->bucket, l->key);
	if (state_forget(j->w->shared->store, k, &err) == -1)
		atomic_fetch_add(&j->w->shared->counters->state_errors, 1);
}

/* A listed log file against the ledger, fetched when never scanned. */
static void
compare_log(struct job *j, const struct digest_log *l)
{
	struct counters *c = j->w->shared->counters;
	char where[1100], found[DIGEST_HASH_HEX], why[1024];
	struct attest_finding f = {
	    .object = where, .bucket = l->bucket, .key = l->key, .id = l->key, .expected = l->hash};
	int64_t prefix;
	int r;

	snprintf(where, sizeof(where), "s3://%s/%s", l->bucket, l->key);
	r = ledger_lookup(j->w->shared->ledger, l->bucket, l->key, &prefix);
	if (r == 1 && prefix == ledger_hash_prefix(l->hash)) {
		atomic_fetch_add(&c->logs_verified, 1);
		return;
	}
	if (r == 1) {
		f.kind = ATTEST_LOG_MODIFIED;
		f.detail = "the log ctalertd scanned is not the one CloudTrail delivered";
		raise_finding(j, &f, &c->logs_modified);
		return;
	}
	r = j->w->backfill(j->w->arg, l->bucket, l->key, found, why, sizeof(why));
	if (r == 1) {
		f.kind = ATTEST_LOG_DELETED;
		f.detail = "the log file is not in S3";
		raise_finding(j, &f, &c->logs_deleted);
	} else if (r == 0 && strcmp(found, l->hash) != 0) {
		f.kind = ATTEST_LOG_MODIFIED;
		f.found = found;
		f.detail = "the log file in S3 is not the one CloudTrail delivered";
		raise_finding(j, &f, &c->logs_modified);
	} else if (r == 0) {
		atomic_fetch_add(&c->logs_backfilled, 1);
		atomic_fetch_add(&c->logs_verified, 1);
		log_notice(
		    "integrity: %s was never announced; scanned now for %s", where, j->where);
	} else {
		log_warnx("integrity: %s, listed by %s, not read: %s", where, j->where, why);
		j->failed = 1;
	}
}

/* The digest's time in the trail's record: the dead-man's switch. */
static void
note_delivery(struct job *j)
{
	struct fetch_shared *s = j->w->shared;
	int64_t timeout = (int64_t)j->w->snap->cfg->integrity.delivery_timeout;
	char k[STATE_KEY_MAX];
	struct ct_error err;

	snprintf(k, sizeof(k), "silent/%s/%s/%s", j->account, j->region, j->trail);
	if (state_forget(s->store, k, &err) != -1 &&
	    state_put(s->store, k, state_now(s->store) + timeout, &err) != -1) {
		snprintf(k, sizeof(k), "stopped/%s/%s/%s", j->account, j->region, j->trail);
		if (state_forget(s->store, k, &err) == 1) {
			struct attest_finding f = {.kind = ATTEST_DELIVERY_RESUMED,
			    .object = j->where,
			    .bucket = j->bucket,
			    .key = j->key,
			    .id = j->key,
			    .detail = "a digest came again"};

			raise_finding(j, &f, NULL);
		}
		return;
	}
	atomic_fetch_add(&s->counters->state_errors, 1);
}

static enum outcome
verify_read(struct job *j, char *error, size_t errlen)
{
	struct counters *c = j->w->shared->counters;
	struct attest_finding f = {.kind = ATTEST_DIGEST_INVALID,
	    .object = j->where,
	    .bucket = j->bucket,
	    .key = j->key,
	    .id = j->key};
	const struct iv_keyring *ring;
	enum iv_verdict v = IV_VALID;
	char k[STATE_KEY_MAX];
	struct ct_error err;
	int denied;

	ring = keys_for(j->w->shared->keys, j->w->conn, j->region, j->d.fingerprint, &denied);
	if (ring)
		v = iv_check_digest(&j->d, j->bucket, j->key, j->signature, j->algorithm, ring);
	else if (!denied) {
		snprintf(error, errlen, "%s: the public keys of %s could not be read", j->where,
		    j->region);
		return OUTCOME_TRANSIENT;
	}
	if (v != IV_VALID) {
		f.detail = iv_verdict_text(v);
		raise_finding(j, &f, &c->digests_invalid);
		return OUTCOME_DONE;
	}
	note_delivery(j);
	check_chain(j);
	for (size_t i = 0; i < j->d.nlogs; i++)
		check_log(j, &j->d.logs[i]);
	if (ring) {
		digest_store_key(k, j->bucket, j->key);
		(void)state_forget(j->w->shared->store, k, &err);
		(void)state_add(j->w->shared->store, k, chain_mark(j->d.text_hash, j->signature),
		    state_now(j->w->shared->store) + 7 * DAY, &(int64_t){0}, &err);
		atomic_fetch_add(&c->digests_verified, 1);
	}
	return OUTCOME_DONE;
}

enum outcome
attest_digest(
    struct attest_worker *w, const char *bucket, const char *key, char *error, size_t errlen)
{
	static atomic_int denied_said;
	struct inflate_opts io = {.max_output = DIGEST_MAX_INFLATED};
	struct job j = {.w = w, .bucket = bucket, .key = key};
	struct attest_finding f = {
	    .kind = ATTEST_DIGEST_INVALID, .bucket = bucket, .key = key, .id = key};
	enum outcome o = OUTCOME_DONE;
	struct ctaws_error aerr;
	struct ct_error err;
	char why[1024];
	int r;

	snprintf(j.where, sizeof(j.where), "s3://%s/%s", bucket, key);
	f.object = j.where;
	key_parts(&j);
	if ((j.z = inflater_new(&io, text_sink, &j, &err)) == NULL) {
		snprintf(error, errlen, "%s: %s", j.where, err.msg);
		return OUTCOME_TRANSIENT;
	}
	r = read_digest(&j, bucket, key, why, sizeof(why));
	if (r == 2) {
		if (atomic_exchange(&denied_said, 1) == 0)
			log_warnx(
			    "s3:GetObject on CloudTrail digests is denied (%s): log files are "
			    "not checked against CloudTrail's digests, alerting goes on; grant "
			    "it on the CloudTrail-Digest/ prefix as deploy/ does",
			    j.where);
		atomic_fetch_add(&w->shared->counters->objects_skipped, 1);
	} else if (r == 3) {
		f.detail = why;
		raise_finding(&j, &f, &w->shared->counters->digests_invalid);
	} else if (r == 1) {
		log_notice("integrity: %s is gone before it was read", j.where);
	} else if (r == -1) {
		snprintf(error, errlen, "%s: %s", j.where, why);
		o = OUTCOME_TRANSIENT;
	} else {
		o = verify_read(&j, error, errlen);
	}
	ctaws_error_clear(&aerr);
	if (o == OUTCOME_DONE && (j.failed || publisher_flush(w->pub, &aerr) == -1)) {
		snprintf(error, errlen, "%s: integrity alerts not all published", j.where);
		o = OUTCOME_TRANSIENT;
	}
	inflater_free(j.z);
	buf_free(&j.text);
	free(j.signature);
	free(j.algorithm);
	digest_free(&j.d);
	return o;
}
