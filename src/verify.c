/*
 * ctalertd verify: checks a range of a trail bucket's history the way
 * `aws cloudtrail validate-logs` does, and more.
 *
 * Every digest ending in the range (and up to an hour after it, where the
 * last logs of the range are listed) is fetched and checked: where it is,
 * its key, its signature, its link to the previous digest (the previous
 * digest's hash and signature). Every log file a valid digest lists is
 * fetched and its SHA-256 compared, streamed. Then what validate-logs does
 * not do: the log files in the bucket that no digest lists (written by
 * someone other than CloudTrail). Problems are printed in validate-logs'
 * words, then a summary. Exit status: 0 everything valid, 1 something was
 * invalid (or nothing was found to verify), 2 an error stopped a check.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/client.h"
#include "cmdline.h"
#include "commands.h"
#include "daemon/awsconf.h"
#include "daemon/conf.h"
#include "util/timestamp.h"
#include "verify.h"

#define usage_error(...) cmd_usage_error("verify", __VA_ARGS__)

enum { OPT_SINCE = 256, OPT_UNTIL, OPT_ACCOUNT, OPT_REGION, OPT_JSON, OPT_JOBS, OPT_NO_PROGRESS };

static const struct option long_options[] = {
    {"since", required_argument, NULL, OPT_SINCE},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"account", required_argument, NULL, OPT_ACCOUNT},
    {"region", required_argument, NULL, OPT_REGION},
    {"json", no_argument, NULL, OPT_JSON},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: ctalertd verify [OPTION]... s3://BUCKET[/PREFIX]\n"
	    "Verify CloudTrail's signed digests and the log files they list, as\n"
	    "`aws cloudtrail validate-logs` does, and find the log files in the bucket\n"
	    "that no digest lists.\n"
	    "\n"
	    "  --since=TIME       the first digests to check (default: 24 hours before --until)\n"
	    "  --until=TIME       the last (default: now)\n"
	    "                     TIME is 2026-12-07T10:00:00Z, 2026-12-07, or a duration\n"
	    "                     before now: 36h, 7d\n"
	    "  --account=ID       only this account's logs (default: every account found)\n"
	    "  --region=REGION    only the logs of this region (default: every region)\n"
	    "  --json             one JSON report on standard output\n"
	    "  --jobs=N           objects fetched at once (default %d)\n"
	    "  --no-progress      no progress line on the terminal\n"
	    "\n"
	    "  -h, --help     display this help and exit\n"
	    "  -V, --version  output version information and exit\n"
	    "\n"
	    "AWS credentials, region and endpoints come from the environment and the\n"
	    "shared files, as for every AWS tool. It needs s3:ListBucket and s3:GetObject\n"
	    "on the bucket and cloudtrail:ListPublicKeys.\n"
	    "\n"
	    "Exit status is 0 if everything verified, 1 if something is invalid or nothing\n"
	    "was found, 2 if an error stopped a check.\n"
	    "Report bugs to: %s\n",
	    VERIFY_JOBS_DEFAULT, PACKAGE_BUGREPORT);
}

/* "s3://BUCKET[/PREFIX]": bucket and prefix point into the copy held in *buf. */
static int
parse_target(const char *arg, char **buf, struct verify_opts *o)
{
	char *slash;
	size_t n;

	if (strncmp(arg, "s3://", 5) != 0 || arg[5] == '\0' || arg[5] == '/')
		return -1;
	if ((*buf = strdup(arg + 5)) == NULL)
		return -1;
	o->bucket = *buf;
	o->prefix = "";
	if ((slash = strchr(*buf, '/')) != NULL) {
		*slash = '\0';
		o->prefix = slash + 1;
		n = strlen(o->prefix);
		while (n > 0 && slash[n] == '/')
			slash[n--] = '\0';
	}
	return 0;
}

struct args {
	struct verify_opts o;
	const char *since, *until;
	char *target; /* owned; what o.bucket and o.prefix point into */
};

static int
one_option(struct args *a, int c, const char *arg)
{
	char *end;

	switch (c) {
	case OPT_SINCE:
		a->since = arg;
		return 0;
	case OPT_UNTIL:
		a->until = arg;
		return 0;
	case OPT_ACCOUNT:
		if (strlen(arg) != 12 || strspn(arg, "0123456789") != 12)
			return usage_error("invalid --account '%s' (12 digits)", arg);
		a->o.account = arg;
		return 0;
	case OPT_REGION:
		a->o.region = arg;
		return 0;
	case OPT_JSON:
		a->o.json = 1;
		return 0;
	case OPT_NO_PROGRESS:
		a->o.progress = 0;
		return 0;
	case OPT_JOBS:
		a->o.jobs = (int)strtol(arg, &end, 10);
		if (*arg == '\0' || *end || a->o.jobs < 1 || a->o.jobs > 64)
			return usage_error("invalid --jobs '%s' (1 to 64)", arg);
		return 0;
	}
	return 2;
}

static int
finish_args(struct args *a, int argc, char **argv)
{
	time_t now = time(NULL);
	const char *why;

	if (optind != argc - 1)
		return usage_error(
		    optind >= argc ? "missing s3://BUCKET[/PREFIX]" : "one s3:// URL only");
	if (parse_target(argv[optind], &a->target, &a->o) == -1)
		return usage_error("'%s' is not s3://BUCKET[/PREFIX]", argv[optind]);
	a->o.until = now;
	if (a->until && timestamp_parse_when(a->until, now, &a->o.until, &why) == -1)
		return usage_error("invalid --until '%s': %s", a->until, why);
	a->o.since = a->o.until - 86400;
	if (a->since && timestamp_parse_when(a->since, now, &a->o.since, &why) == -1)
		return usage_error("invalid --since '%s': %s", a->since, why);
	if (a->o.since > a->o.until)
		return usage_error("--since is after --until");
	return -1;
}

/* Returns -1 to go on, or the exit status. */
static int
parse_args(struct args *a, int argc, char **argv)
{
	int c, r, started = 0;

	a->o.jobs = VERIFY_JOBS_DEFAULT;
	a->o.progress = isatty(STDERR_FILENO);
	while ((c = cmd_getopt("verify", argc, argv, "hV", long_options, &started)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("ctalertd %s\n", PACKAGE_VERSION);
			return 0;
		case '?':
			return 2;
		default:
			if ((r = one_option(a, c, optarg)) != 0)
				return r;
		}
	}
	return finish_args(a, argc, argv);
}

/* ---- the checks ---- */

/* The keys of the digest's region (CloudTrail has a key pair per region); one refresh when its key
 * is unknown. */
static enum iv_verdict
check_signature(struct verify *v, struct vdigest *d)
{
	struct vkeys *ks = NULL;
	enum iv_verdict r;

	if (verify_load_keys(v, d->region, 0, &ks) == -1 && ks == NULL)
		return IV_UNKNOWN_KEY;
	r = iv_check_digest(&d->d, v->o->bucket, d->key, d->signature, d->algorithm, ks->ring);
	if (r == IV_UNKNOWN_KEY && !ks->refreshed && verify_load_keys(v, d->region, 1, &ks) == 0)
		r = iv_check_digest(
		    &d->d, v->o->bucket, d->key, d->signature, d->algorithm, ks->ring);
	return r;
}

/* The digest of the same chain at key, looked for among the digests before
 * i (the list is sorted by chain, then time): the previous digest ends where
 * digest i starts, a day at most before. */
static struct vdigest *
find_previous(struct verify *v, size_t i, const char *key)
{
	const struct vdigest *d = &v->digests[i];

	for (size_t j = i; j-- > 0;) {
		struct vdigest *p = &v->digests[j];

		if (strcmp(p->chain, d->chain) != 0 || p->stamp < d->d.start - 86400)
			break;
		if (strcmp(p->key, key) == 0)
			return p;
	}
	return NULL;
}

/* The link to the previous digest; 0 when sound (or not for this digest to
 * answer: the previous one is invalid and reported), -1 when broken. */
static int
check_link(struct verify *v, size_t i, struct vdigest *before)
{
	struct vdigest *d = &v->digests[i];
	struct vdigest *p;
	enum iv_link l;

	if (digest_starts_chain(&d->d)) {
		if (before != NULL)
			return verify_gap(v, before->stamp, d->d.start);
		return 0;
	}
	if (strcmp(d->d.prev_bucket, v->o->bucket) != 0)
		return 0; /* the trail moved to another bucket: out of reach here */
	if ((p = find_previous(v, i, d->d.prev_object)) == NULL) {
		if (d->d.start < v->o->since)
			return 0; /* before the range */
		v->digests_invalid++;
		return verify_find(v, FIND_DIGEST, v->o->bucket, d->d.prev_object, "not found");
	}
	if (!p->valid)
		return 0;
	if ((l = iv_check_link(&d->d, &p->d, v->o->bucket, p->key, p->signature)) == IV_LINK_OK)
		return 0;
	verify_find(v, FIND_DIGEST, v->o->bucket, d->key, "%s", iv_link_text(l));
	return -1;
}

static int
digest_unreadable(struct verify *v, struct vdigest *d)
{
	v->digests_invalid++;
	if (d->missing == 1)
		return verify_find(v, FIND_DIGEST, v->o->bucket, d->key, "not found");
	if (d->missing == -1)
		return verify_find(v, FIND_DIGEST, v->o->bucket, d->key, "invalid format");
	v->digests_invalid--;
	v->errors++;
	verify_progress_clear(v);
	fprintf(stderr, "ctalertd verify: s3://%s/%s: %s\n", v->o->bucket, d->key, d->error);
	return 0;
}

static void
add_logs(struct verify *v, const struct vdigest *d)
{
	for (size_t i = 0; i < d->d.nlogs; i++) {
		if (v->nlogs == v->caplogs) {
			size_t cap = v->caplogs ? 2 * v->caplogs : 256;
			struct vlog *n = realloc(v->logs, cap * sizeof(*n));

			if (n == NULL) {
				v->errors++;
				return;
			}
			v->logs = n;
			v->caplogs = cap;
		}
		v->logs[v->nlogs++] = (struct vlog){.bucket = d->d.logs[i].bucket,
		    .key = d->d.logs[i].key,
		    .hash = d->d.logs[i].hash};
	}
}

static void
check_digest(struct verify *v, size_t i)
{
	struct vdigest *d = &v->digests[i];
	struct vdigest *before =
	    i > 0 && strcmp(v->digests[i - 1].chain, d->chain) == 0 ? &v->digests[i - 1] : NULL;
	enum iv_verdict r;

	if (d->fetched != 1) {
		digest_unreadable(v, d);
		return;
	}
	if ((r = check_signature(v, d)) == IV_UNKNOWN_KEY) {
		verify_find(v, FIND_DIGEST, v->o->bucket, d->key,
		    "public key not found in region %s for fingerprint %s", d->region,
		    d->d.fingerprint);
	} else if (r != IV_VALID) {
		verify_find(v, FIND_DIGEST, v->o->bucket, d->key, "%s", iv_verdict_text(r));
	} else if (check_link(v, i, before) != -1) {
		d->valid = 1;
		v->digests_valid++;
		add_logs(v, d);
		return;
	}
	v->digests_invalid++;
}

/* The end of each chain: a trail that went quiet before --until. */
static void
check_ends(struct verify *v)
{
	for (size_t i = 0; i < v->ndigests; i++) {
		const struct vdigest *d = &v->digests[i];

		if (i + 1 < v->ndigests && strcmp(v->digests[i + 1].chain, d->chain) == 0)
			continue;
		if (strstr(d->chain, " backfill") == NULL &&
		    d->stamp < v->o->until - VERIFY_DELIVERY_SLACK)
			verify_gap(v, d->stamp, v->o->until);
	}
}

static void
count_logs(struct verify *v)
{
	static const char *const words[] = {[VLOG_MISMATCH] = "hash value doesn't match",
	    [VLOG_MISSING] = "not found",
	    [VLOG_FORMAT] = "invalid format"};

	for (size_t i = 0; i < v->nlogs; i++) {
		struct vlog *l = &v->logs[i];

		if (l->state == VLOG_VALID) {
			v->logs_valid++;
		} else if (l->state == VLOG_ERROR || l->state == VLOG_PENDING) {
			v->errors++;
			fprintf(stderr, "ctalertd verify: s3://%s/%s: %s\n", l->bucket, l->key,
			    l->error);
		} else {
			v->logs_invalid++;
			verify_find(v, FIND_LOG, l->bucket, l->key, "%s", words[l->state]);
		}
	}
}

static int
by_key(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* How far valid_at looks back from the last span starting before t: the
 * digests of that many trails of one account and region may overlap. */
#define SPAN_LOOKBACK 32

/* The account and region of a span against "ACCOUNT REGION", as strcmp. */
static int
span_cmp(const struct vspan *s, const char *ar, size_t n)
{
	int c = strncmp(s->chain, ar, s->prefix < n ? s->prefix : n);

	return c ? c : (s->prefix > n) - (s->prefix < n);
}

/* Whether a valid digest of an account and region ("ACCOUNT REGION")
 * covers time t. */
static int
valid_at(const struct verify *v, const char *ar, time_t t)
{
	size_t lo = 0, hi = v->nspans, n = strlen(ar);

	while (lo < hi) { /* the first span after (ar, t) */
		size_t mid = (lo + hi) / 2;
		int c = span_cmp(&v->spans[mid], ar, n);

		if (c < 0 || (c == 0 && v->spans[mid].start <= t))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = 0; k < SPAN_LOOKBACK && lo-- > 0; k++) {
		const struct vspan *s = &v->spans[lo];

		if (span_cmp(s, ar, n) != 0)
			break;
		if (s->start <= t && t < s->end)
			return 1;
	}
	return 0;
}

static int
by_span(const void *a, const void *b)
{
	const struct vspan *x = a, *y = b;
	int c = span_cmp(x, y->chain, y->prefix);

	if (c)
		return c;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* The hours the valid digests cover, sorted by account, region and start. */
static int
make_spans(struct verify *v)
{
	if ((v->spans = calloc(v->ndigests + 1, sizeof(*v->spans))) == NULL)
		return -1;
	for (size_t i = 0; i < v->ndigests; i++) {
		const struct vdigest *d = &v->digests[i];
		const char *sp = strchr(d->chain, ' ');

		if (!d->valid || sp == NULL || (sp = strchr(sp + 1, ' ')) == NULL)
			continue;
		v->spans[v->nspans++] = (struct vspan){.chain = d->chain,
		    .prefix = (size_t)(sp - d->chain),
		    .start = d->d.start,
		    .end = d->d.end};
	}
	qsort(v->spans, v->nspans, sizeof(*v->spans), by_span);
	return 0;
}

/* Whether a log stamped t must be listed by the valid digests: those of the
 * hour it was written in and of the grace after it (it may be listed in
 * either) are there. Logs of an hour whose digest is invalid or gone are
 * not judged: that digest is reported. */
static int
covered(const struct verify *v, const char *chain, time_t t)
{
	return valid_at(v, chain, t) && valid_at(v, chain, t + VERIFY_LISTING_GRACE);
}

/* The bucket's log files that no digest lists. */
static void
find_unlisted(struct verify *v)
{
	char **listed;
	size_t n = 0, all = 1;

	for (size_t i = 0; i < v->ndigests; i++)
		all += v->digests[i].fetched == 1 ? v->digests[i].d.nlogs : 0;
	listed = calloc(all, sizeof(*listed));
	if (listed != NULL && make_spans(v) == -1) {
		free(listed);
		listed = NULL;
	}

	if (listed == NULL) {
		v->errors++;
		return;
	}
	for (size_t i = 0; i < v->ndigests; i++)
		for (size_t j = 0; v->digests[i].fetched == 1 && j < v->digests[i].d.nlogs; j++)
			if (strcmp(v->digests[i].d.logs[j].bucket, v->o->bucket) == 0)
				listed[n++] = v->digests[i].d.logs[j].key;
	qsort(listed, n, sizeof(*listed), by_key);
	for (size_t i = 0; i < v->nbucket_logs; i++) {
		if (bsearch(&v->bucket_logs[i], listed, n, sizeof(*listed), by_key) ||
		    !covered(v, v->bucket_log_chains[i], v->bucket_log_stamps[i]))
			continue;
		v->unlisted++;
		verify_find(
		    v, FIND_LOG, v->o->bucket, v->bucket_logs[i], "not listed by any digest");
	}
	free(listed);
}

static int
run(struct verify *v)
{
	struct ct_error err = {0};

	if (verify_list(v, &err) == -1 || verify_fetch_digests(v, &err) == -1) {
		verify_progress_clear(v);
		fprintf(stderr, "ctalertd verify: %s\n", err.msg);
		return 2;
	}
	for (size_t i = 0; i < v->ndigests; i++)
		check_digest(v, i);
	check_ends(v);
	if (verify_hash_logs(v, &err) == -1) {
		verify_progress_clear(v);
		fprintf(stderr, "ctalertd verify: %s\n", err.msg);
		return 2;
	}
	count_logs(v);
	find_unlisted(v);
	verify_print(v);
	if (v->errors)
		return 2;
	if (v->digests_valid + v->digests_invalid == 0) {
		fprintf(stderr, "ctalertd verify: no digest files in s3://%s/%s for that range\n",
		    v->o->bucket, v->o->prefix);
		return 1;
	}
	return v->digests_invalid || v->logs_invalid || v->unlisted ? 1 : 0;
}

int
cmd_verify(int argc, char **argv)
{
	struct args a = {0};
	struct conf_aws aws = {0};
	struct verify v = {0};
	struct ct_error err = {0};
	int rc;

	if ((rc = parse_args(&a, argc, argv)) != -1) {
		free(a.target);
		return rc;
	}
	v.o = &a.o;
	if ((v.client = conf_aws_client_for(&aws, NULL, &err)) == NULL) {
		fprintf(stderr, "ctalertd verify: %s\n", err.msg);
		free(a.target);
		return 2;
	}
	rc = run(&v);
	verify_free(&v);
	ctaws_client_free(v.client);
	free(a.target);
	return rc;
}
