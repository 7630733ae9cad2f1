/*
 * verify_list: what the bucket holds in the range asked: the accounts and
 * regions below AWSLogs/ (an organization's o-... folder too), every digest
 * key of each, and every log key, for the logs no digest lists.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/s3.h"
#include "verify.h"

#define HOUR 3600

struct lister {
	struct verify *v;
	struct ctaws_conn *conn;
	const char *base; /* "PREFIX/AWSLogs/[o-ORG/]ACCOUNT/" */
	const char *account;
	const char *region;
	char stop_day[16]; /* "YYYY/MM/DD": keys of later days end the listing */
	size_t base_len;
	char **names; /* common prefixes found, owned */
	size_t nnames;
};

static int
nomem(struct ct_error *err)
{
	return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
}

static void
day_of(time_t t, char out[16])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y/%m/%d", &tm);
}

/* "20261207T100000Z" or "20261207T1000Z" at s: 0 and the time, or -1. */
static int
stamp_of(const char *s, time_t *out)
{
	struct tm tm;
	int n = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d%2d%2dT%2d%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
	        &tm.tm_min, &n) != 5 ||
	    n != 13)
		return -1;
	if (s[13] >= '0' && s[13] <= '9') {
		if (sscanf(s + 13, "%2d", &tm.tm_sec) != 1)
			return -1;
		n = 15;
	}
	if (s[n] != 'Z')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return 0;
}

static int
on_prefix(void *arg, const char *prefix)
{
	struct lister *l = arg;
	char **names = realloc(l->names, (l->nnames + 1) * sizeof(*names));

	if (names == NULL)
		return -1;
	l->names = names;
	if ((names[l->nnames] = strdup(prefix)) == NULL)
		return -1;
	l->nnames++;
	return 0;
}

static void
free_names(struct lister *l)
{
	for (size_t i = 0; i < l->nnames; i++)
		free(l->names[i]);
	free(l->names);
	l->names = NULL;
	l->nnames = 0;
}

static int
list(struct lister *l, const char *prefix, const char *start_after, s3_list_object_cb on_object,
    struct ct_error *err)
{
	struct s3_list_params p = {
	    .bucket = l->v->o->bucket,
	    .prefix = prefix,
	    .delimiter = on_object ? NULL : "/",
	    .start_after = start_after,
	    .on_object = on_object,
	    .on_prefix = on_object ? NULL : on_prefix,
	    .arg = l,
	};
	struct s3_list_result res;
	struct ctaws_error aerr;
	char why[1024];

	ctaws_error_clear(&aerr);
	if (s3_list_objects(l->conn, &p, &res, &aerr) == -1)
		return ct_error_set(err, CT_ERR_AWS, "listing s3://%s/%s: %s", l->v->o->bucket,
		    prefix, ctaws_error_str(&aerr, why, sizeof(why)));
	return 0;
}

/* ---- digests ---- */

/* Reads ACCOUNT_CloudTrail-Digest_REGION_TRAIL_HOME_STAMP[_backfill].json.gz
 * from the end (a trail's name may hold '_'): the chain it belongs to, its
 * REGION and the time in its name. */
static int
parse_digest_name(
    const char *name, char *chain, size_t chainlen, char *region, size_t regionlen, time_t *stamp)
{
	char buf[1024], *parts[64], *save = NULL;
	size_t n = 0, len = strlen(name);
	int backfill = 0;

	if (len >= sizeof(buf) || len < 8 || strcmp(name + len - 8, ".json.gz") != 0)
		return -1;
	memcpy(buf, name, len - 8);
	buf[len - 8] = '\0';
	for (char *t = strtok_r(buf, "_", &save); t && n < 64; t = strtok_r(NULL, "_", &save))
		parts[n++] = t;
	if (n > 0 && strcmp(parts[n - 1], "backfill") == 0) {
		backfill = 1;
		n--;
	}
	if (n < 6 || strcmp(parts[1], "CloudTrail-Digest") != 0 ||
	    stamp_of(parts[n - 1], stamp) == -1)
		return -1;
	snprintf(region, regionlen, "%s", parts[2]);
	len = (size_t)snprintf(chain, chainlen, "%s %s ", parts[0], parts[2]);
	for (size_t i = 3; i < n - 2 && len < chainlen; i++)
		len += (size_t)snprintf(
		    chain + len, chainlen - len, "%s%s", i > 3 ? "_" : "", parts[i]);
	if (len < chainlen)
		snprintf(chain + len, chainlen - len, " %s%s", parts[n - 2],
		    backfill ? " backfill" : "");
	return 0;
}

static int
add_digest(struct verify *v, const char *key, const char *chain, const char *region, time_t stamp)
{
	struct vdigest *d;

	if (v->ndigests == v->capdigests) {
		size_t cap = v->capdigests ? 2 * v->capdigests : 64;
		struct vdigest *n = realloc(v->digests, cap * sizeof(*n));

		if (n == NULL)
			return -1;
		v->digests = n;
		v->capdigests = cap;
	}
	d = &v->digests[v->ndigests];
	memset(d, 0, sizeof(*d));
	d->key = strdup(key);
	d->chain = strdup(chain);
	d->region = strdup(region);
	d->stamp = stamp;
	if (!d->key || !d->chain || !d->region) {
		free(d->key);
		free(d->chain);
		free(d->region);
		return -1;
	}
	v->ndigests++;
	return 0;
}

/* The day folder of key below the listing's base ("YYYY/MM/DD"), or "". */
static void
key_day(const struct lister *l, const char *key, const char *kind, char out[16])
{
	const char *p = key + l->base_len + strlen(kind);

	out[0] = '\0';
	if (strlen(key) > l->base_len + strlen(kind) && (p = strchr(p, '/')) != NULL &&
	    strlen(p + 1) > 10)
		snprintf(out, 16, "%.10s", p + 1);
}

static int
on_digest(void *arg, const struct s3_list_object *o)
{
	struct lister *l = arg;
	const char *name = strrchr(o->key, '/');
	char chain[512], region[64], day[16];
	time_t stamp;

	key_day(l, o->key, "CloudTrail-Digest/", day);
	if (day[0] && strcmp(day, l->stop_day) > 0)
		return 1;
	if (name == NULL ||
	    parse_digest_name(name + 1, chain, sizeof(chain), region, sizeof(region), &stamp) == -1)
		return 0;
	/* validate-logs' range: digests ending from --since to an hour past --until */
	if (stamp < l->v->o->since || stamp > l->v->o->until + HOUR)
		return 0;
	return add_digest(l->v, o->key, chain, region, stamp);
}

/* ---- logs ---- */

static int
add_bucket_log(struct verify *v, const char *key, time_t stamp, const char *chain)
{
	if (v->nbucket_logs == v->capbucket_logs) {
		size_t cap = v->capbucket_logs ? 2 * v->capbucket_logs : 256;
		char **k = realloc(v->bucket_logs, cap * sizeof(*k));
		char **c = k ? realloc(v->bucket_log_chains, cap * sizeof(*c)) : NULL;
		time_t *s = c ? realloc(v->bucket_log_stamps, cap * sizeof(*s)) : NULL;

		if (k)
			v->bucket_logs = k;
		if (c)
			v->bucket_log_chains = c;
		if (s == NULL)
			return -1;
		v->bucket_log_stamps = s;
		v->capbucket_logs = cap;
	}
	if ((v->bucket_logs[v->nbucket_logs] = strdup(key)) == NULL)
		return -1;
	if ((v->bucket_log_chains[v->nbucket_logs] = strdup(chain)) == NULL) {
		free(v->bucket_logs[v->nbucket_logs]);
		return -1;
	}
	v->bucket_log_stamps[v->nbucket_logs++] = stamp;
	return 0;
}

static int
on_log(void *arg, const struct s3_list_object *o)
{
	struct lister *l = arg;
	const char *name = strrchr(o->key, '/'), *p;
	char day[16], chain[128];
	time_t stamp;

	key_day(l, o->key, "CloudTrail/", day);
	if (day[0] && strcmp(day, l->stop_day) > 0)
		return 1;
	/* ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHMMZ_UNIQUE.json.gz */
	if (name == NULL || (p = strstr(name, "_CloudTrail_")) == NULL ||
	    (p = strchr(p + strlen("_CloudTrail_"), '_')) == NULL || stamp_of(p + 1, &stamp) == -1)
		return 0;
	if (stamp < l->v->o->since || stamp > l->v->o->until)
		return 0;
	snprintf(chain, sizeof(chain), "%s %s", l->account, l->region);
	return add_bucket_log(l->v, o->key, stamp, chain);
}

/* Digests and logs of one account and region. */
static int
list_region(struct lister *l, const char *region, struct ct_error *err)
{
	char prefix[2048], after[2048], day[16];
	int rc;

	l->region = region;
	day_of(l->v->o->since - HOUR, day);
	day_of(l->v->o->until + 2 * HOUR, l->stop_day);
	snprintf(prefix, sizeof(prefix), "%sCloudTrail-Digest/%s/", l->base, region);
	snprintf(after, sizeof(after), "%s%s", prefix, day);
	if ((rc = list(l, prefix, after, on_digest, err)) == -1)
		return -1;
	day_of(l->v->o->since, day);
	day_of(l->v->o->until, l->stop_day);
	snprintf(prefix, sizeof(prefix), "%sCloudTrail/%s/", l->base, region);
	snprintf(after, sizeof(after), "%s%s", prefix, day);
	return list(l, prefix, after, on_log, err);
}

/* The last folder name of a common prefix "a/b/NAME/" into out. */
static void
last_folder(const char *prefix, char *out, size_t outlen)
{
	size_t n = strlen(prefix);
	const char *start;

	if (n > 0 && prefix[n - 1] == '/')
		n--;
	for (start = prefix + n; start > prefix && start[-1] != '/'; start--)
		;
	snprintf(out, outlen, "%.*s", (int)(prefix + n - start), start);
}

/* The regions of one account folder (base ends in "ACCOUNT/"). */
static int
list_account(struct verify *v, struct ctaws_conn *conn, const char *base, const char *account,
    struct ct_error *err)
{
	struct lister l = {.v = v, .conn = conn, .base = base, .account = account};
	char prefix[2048], region[64];
	int rc = 0;

	l.base_len = strlen(base);
	snprintf(prefix, sizeof(prefix), "%sCloudTrail-Digest/", base);
	if (v->o->region) {
		rc = list_region(&l, v->o->region, err);
	} else if ((rc = list(&l, prefix, NULL, NULL, err)) == 0) {
		char **names = l.names;
		size_t n = l.nnames;

		l.names = NULL;
		l.nnames = 0;
		for (size_t i = 0; i < n && rc == 0; i++) {
			last_folder(names[i], region, sizeof(region));
			rc = list_region(&l, region, err);
		}
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	free_names(&l);
	return rc;
}

/* The account folders below top ("PREFIX/AWSLogs/" or ".../o-ORG/"). */
static int
list_accounts(
    struct verify *v, struct ctaws_conn *conn, const char *top, int in_org, struct ct_error *err)
{
	struct lister l = {.v = v, .conn = conn};
	char name[256], base[2048];
	int rc;

	if ((rc = list(&l, top, NULL, NULL, err)) == -1)
		return -1;
	for (size_t i = 0; i < l.nnames && rc == 0; i++) {
		last_folder(l.names[i], name, sizeof(name));
		snprintf(base, sizeof(base), "%s%s/", top, name);
		if (!in_org && strncmp(name, "o-", 2) == 0)
			rc = list_accounts(v, conn, base, 1, err);
		else if (v->o->account == NULL || strcmp(v->o->account, name) == 0)
			rc = list_account(v, conn, base, name, err);
	}
	free_names(&l);
	return rc;
}

static int
by_chain_then_time(const void *a, const void *b)
{
	const struct vdigest *x = a, *y = b;
	int c = strcmp(x->chain, y->chain);

	if (c)
		return c;
	return x->stamp < y->stamp ? -1 : x->stamp > y->stamp;
}

int
verify_list(struct verify *v, struct ct_error *err)
{
	struct ctaws_conn *conn = ctaws_conn_new(v->client);
	char top[2048];
	int rc;

	if (conn == NULL)
		return nomem(err);
	snprintf(top, sizeof(top), "%s%sAWSLogs/", v->o->prefix, *v->o->prefix ? "/" : "");
	rc = list_accounts(v, conn, top, 0, err);
	ctaws_conn_free(conn);
	if (rc == -1 && err->code == CT_OK)
		return nomem(err);
	if (rc == 0 && v->ndigests > 1)
		qsort(v->digests, v->ndigests, sizeof(*v->digests), by_chain_then_time);
	return rc;
}
