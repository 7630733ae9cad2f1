/*
 * ctalertd scan: match CloudTrail logs offline, from files or straight from
 * S3, and print the matches.
 *
 * The command line is read here; the inputs are scan/files (paths, one
 * after the other) and scan/bucket + scan/fetchers (s3:// URLs: the log
 * objects listed along CloudTrail's layout, then read --jobs at a time);
 * every match goes to scan/output, as lines for people on a terminal and
 * JSON lines otherwise. Errors are reported per file, object and record on
 * standard error and never stop the others. Exit status as grep's: 0
 * something matched, 1 nothing matched, 2 an error occurred.
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
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
#include "daemon/route.h"
#include "match/match.h"
#include "rules/rules.h"
#include "scan/backfill.h"
#include "scan/bucket.h"
#include "scan/fetchers.h"
#include "scan/files.h"
#include "scan/output.h"
#include "scan/progress.h"
#include "scan/resume.h"
#include "scan/trail.h"
#include "integrity/verify.h"
#include "stream/objscan.h"
#include "stream/prefilter.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"
#include "util/timestamp.h"
#include "util/units.h"

#ifndef CT_RULES_DIR
#define CT_RULES_DIR "/etc/ctalertd/rules.d"
#endif

static void
usage(FILE *f)
{
	char record[32], inflated[32];

	units_format_size(RECORDS_MAX_RECORD_DEFAULT, record, sizeof(record));
	units_format_size(OBJSCAN_MAX_INFLATED_DEFAULT, inflated, sizeof(inflated));
	fprintf(f,
	    "Usage: ctalertd scan [OPTION]... PATH...\n"
	    "Match CloudTrail logs against EventBridge event patterns and print the matches:\n"
	    "on a terminal one line per match (time, severity, rule, eventName, principal,\n"
	    "source address, account, region), else one JSON object per line.\n"
	    "PATH may be a file (gzip, zlib or plain JSON), a directory (its *.json,\n"
	    "*.jsonl and *.ndjson files, gzipped or not, recursively; CloudTrail-Digest\n"
	    "directories and symbolic links are skipped), - for standard input, or\n"
	    "s3://BUCKET[/PREFIX]: the trail's log objects below it, found along\n"
	    "CloudTrail's layout ([PREFIX/]AWSLogs/[o-ORG/]ACCOUNT/CloudTrail/REGION/...).\n"
	    "\n"
	    "Rules (may be combined; default: the rules in %s):\n"
	    "  -c, --config=FILE          the rules of a ctalertd configuration file, which is\n"
	    "                             checked whole, as `ctalertd check` and `run` do\n"
	    "                             (its aws settings apply to s3://)\n"
	    "  -r, --rules=PATH           every *.json rule file below PATH, or the file PATH\n"
	    "  -p, --pattern=[NAME=]JSON  an EventBridge event pattern (repeatable)\n"
	    "      --envelope=KIND        cloudtrail (default): patterns may use the EventBridge\n"
	    "                             \"AWS API Call via CloudTrail\" envelope; none: every\n"
	    "                             pattern matches the record itself\n"
	    "      --list-rules           print the rules that would run (as `ctalertd rules`)\n"
	    "                             and exit\n"
	    "\n"
	    "Which records (files and S3 alike):\n"
	    "      --since=TIME           records whose eventTime is TIME or later; TIME is\n"
	    "                             RFC 3339 (2026-12-01T10:00:00Z), a date (2026-12-01)\n"
	    "                             or an age (7d, 12h, 1h30m ago)\n"
	    "      --until=TIME           records whose eventTime is TIME or earlier\n"
	    "\n"
	    "S3 (credentials, region and endpoints as for the daemon: AWS_PROFILE,\n"
	    "AWS_REGION, AWS_ENDPOINT_URL_S3, ...):\n"
	    "      --account=ID[,ID]...   only these accounts (repeatable)\n"
	    "      --region=R[,R]...      only these regions (repeatable)\n"
	    "  -j, --jobs=N               objects read at once (default %d)\n"
	    "      --resume=FILE          note finished objects in FILE, and skip those it\n"
	    "                             already names: run the same scan again to go on\n"
	    "                             after an interruption\n"
	    "  Objects delivered before --since are never fetched; objects delivered up to\n"
	    "  %d minutes after --until are read, as they may hold earlier events.\n"
	    "\n"
	    "Output:\n"
	    "      --json                 JSON lines even on a terminal: {\"rule\", \"severity\",\n"
	    "                             \"description\", \"object\", \"source\" (the same),\n"
	    "                             \"record\"}\n"
	    "      --fields=F[,F]...      print only these fields: %s\n"
	    "  -l, --files-with-matches   print each file or object with a match, once\n"
	    "  -q, --quiet                print nothing; stop at the first match\n"
	    "  -m, --max-count=N          stop after N matches\n"
	    "      --count                print per-rule match counts (NAME<TAB>COUNT) instead\n"
	    "      --stats                print totals on standard error at the end\n"
	    "      --no-progress          no progress line on the terminal\n"
	    "  Colours on a terminal unless NO_COLOR is set.\n"
	    "\n"
	    "Alerts (a backfill that pages as live traffic would, once):\n"
	    "      --publish              also send every match as the daemon's alert, to the\n"
	    "                             topics and routes of the configuration file\n"
	    "                             (--config, default %s), grouped by its\n"
	    "                             rules' windows and thresholds; alerts its state store\n"
	    "                             says were published (by the daemon or an earlier\n"
	    "                             scan) are not sent again. Matches are printed as\n"
	    "                             usual (-q: not, and every match is still sent)\n"
	    "      --dry-run              with --publish: print the alerts on standard output,\n"
	    "                             one JSON line each, instead of the matches; nothing\n"
	    "                             is sent or remembered\n"
	    "\n"
	    "Input formats and limits (the defaults are the daemon's; SIZE is bytes, or a\n"
	    "number with a unit: K, M, G, T or KiB, MiB, GiB, TiB (powers of 1024), KB, MB,\n"
	    "GB, TB (powers of 1000), as in ctalertd.conf):\n"
	    "      --format=FORMAT        read every file as FORMAT: records ({\"Records\":\n"
	    "                             [...]}), ndjson (one record per line), eventbridge\n"
	    "                             (one EventBridge event), lookup-events (the output\n"
	    "                             of aws cloudtrail lookup-events), array ([record\n"
	    "                             or event, ...]) or auto (the default): each file\n"
	    "                             and standard input as its content says, any of\n"
	    "                             these, several one after another\n"
	    "      --max-record-size=SIZE larger records are errors (default %s)\n"
	    "      --max-depth=N          deeper JSON nesting is an error (default %d)\n"
	    "      --max-inflated-size=SIZE  decompressed size per file (default %s; 0: no\n"
	    "                             limit)\n"
	    "      --max-ratio=N          decompressed bytes per compressed byte, once a file\n"
	    "                             has inflated past 1 MiB (default %d; 0: no limit)\n"
	    "      --inflate=BACKEND      isal or zlib (default: isal when built in; the\n"
	    "                             environment variable CTALERTD_INFLATE also chooses)\n"
	    "\n"
	    "  -h, --help     display this help and exit\n"
	    "  -V, --version  output version information and exit\n"
	    "\n"
	    "Exit status is 0 if a record matched, 1 if none did, 2 if an error occurred.\n"
	    "Report bugs to: %s\n",
	    CT_RULES_DIR, FETCHERS_JOBS_DEFAULT, TRAIL_SLACK_SECONDS / 60, output_field_names(),
	    CONF_DEFAULT_FILE, record, RECORDS_MAX_DEPTH_DEFAULT, inflated,
	    OBJSCAN_MAX_RATIO_DEFAULT, PACKAGE_BUGREPORT);
}

/* A usage error of scan: the message, the --help hint, status 2. */
#define usage_error(...) cmd_usage_error("scan", __VA_ARGS__)

struct args {
	const char *config;     /* --config */
	struct ct_config *conf; /* owned; what --config loaded, its rules taken */
	const char **dirs;      /* --rules, owned array of borrowed strings */
	size_t ndirs;
	const char **patterns; /* --pattern, owned array of borrowed strings */
	size_t npatterns;
	enum match_envelope envelope;
	struct objscan_opts so;
	int stats, progress, list_rules;
	int json, count, files, quiet; /* --json, --count, -l, -q */
	const char *fields;            /* --fields */
	uint64_t max_count;            /* --max-count */
	const char *since, *until;     /* as written */
	char **accounts, **regions;    /* owned arrays of owned strings */
	size_t naccounts, nregions;
	int jobs;
	const char *resume; /* --resume */
	int publish;        /* --publish: the matches alerted through the daemon's path */
	int dry_run;        /* --dry-run: the alerts on standard output instead */
};

/* --pattern NAME={...} names the rule; a bare pattern is "pattern" (or
 * "pattern-N" when there are several). */
static int
add_pattern(struct rule_list *l, const char *arg, size_t i, size_t n, struct ct_error *err)
{
	const char *eq = strchr(arg, '=');
	char name[64];
	char *owned = NULL;
	int r;

	if (arg[0] != '{' && arg[0] != ' ' && eq && eq > arg) {
		if ((owned = strndup(arg, (size_t)(eq - arg))) == NULL)
			return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		arg = eq + 1;
	} else if (n == 1)
		snprintf(name, sizeof(name), "pattern");
	else
		snprintf(name, sizeof(name), "pattern-%zu", i + 1);
	r = rules_add_pattern(l, owned ? owned : name, arg, "--pattern", err);
	free(owned);
	return r;
}

/* --config: the file is loaded and checked whole, exactly as `ctalertd
 * check` and `run` load it, and its rules are taken over into the empty l;
 * the rest is kept in a->conf. */
static int
load_config_rules(struct args *a, struct rule_list *l, struct ct_error *err)
{
	struct ct_config *c = conf_load(a->config, NULL, err);

	if (c == NULL) {
		if (a->publish && a->config)
			ct_error_prefix(err, "--publish");
		else if (a->publish)
			ct_error_prefix(err,
			    "--publish needs the daemon's configuration (--config, "
			    "default " CONF_DEFAULT_FILE ")");
		return -1;
	}
	rule_list_free(l);
	*l = c->rules;
	rule_list_init(&c->rules);
	a->conf = c; /* its AWS settings, for s3:// */
	return 0;
}

/* The rules into l (the caller's to free) and compiled. */
static struct ruleset *
load_rules(struct args *a, struct rule_list *l, struct ct_error *err)
{
	int given = a->config || a->ndirs || a->npatterns || a->publish;

	route_declare(l); /* rule files shared with the daemon name topics */
	if ((a->config || a->publish) && load_config_rules(a, l, err) == -1)
		return NULL;
	for (size_t i = 0; i < a->ndirs; i++)
		if (rules_load_path(l, a->dirs[i], err) == -1)
			return NULL;
	for (size_t i = 0; i < a->npatterns; i++)
		if (add_pattern(l, a->patterns[i], i, a->npatterns, err) == -1)
			return NULL;
	if (!given && rules_load_dir(l, CT_RULES_DIR, err) == -1) {
		ct_error_prefix(err,
		    "no rules given (--config, --rules or --pattern) and the default "
		    "rules cannot be read");
		return NULL;
	}
	if (l->n == 0) {
		ct_error_set(err, CT_ERR_CONFIG, "no rules to match: %s",
		    given ? "the rules given are empty" : CT_RULES_DIR " holds no *.json rule");
		return NULL;
	}
	return rules_compile(l, a->envelope, err);
}

static int
push(const char ***v, size_t *n, const char *s)
{
	const char **p = realloc(*v, (*n + 1) * sizeof(**v));

	if (p == NULL)
		return -1;
	p[(*n)++] = s;
	*v = p;
	return 0;
}

enum {
	OPT_COUNT = 256,
	OPT_ENVELOPE,
	OPT_FORMAT,
	OPT_STATS,
	OPT_NO_PROGRESS,
	OPT_MAX_RECORD,
	OPT_MAX_DEPTH,
	OPT_MAX_INFLATED,
	OPT_MAX_RATIO,
	OPT_INFLATE,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_ACCOUNT,
	OPT_REGION,
	OPT_RESUME,
	OPT_JSON,
	OPT_FIELDS,
	OPT_LIST_RULES,
	OPT_PUBLISH,
	OPT_DRY_RUN,
};

static const struct option long_options[] = {
    {"config", required_argument, NULL, 'c'},
    {"rules", required_argument, NULL, 'r'},
    {"pattern", required_argument, NULL, 'p'},
    {"envelope", required_argument, NULL, OPT_ENVELOPE},
    {"list-rules", no_argument, NULL, OPT_LIST_RULES},
    {"since", required_argument, NULL, OPT_SINCE},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"account", required_argument, NULL, OPT_ACCOUNT},
    {"region", required_argument, NULL, OPT_REGION},
    {"jobs", required_argument, NULL, 'j'},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"publish", no_argument, NULL, OPT_PUBLISH},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"json", no_argument, NULL, OPT_JSON},
    {"fields", required_argument, NULL, OPT_FIELDS},
    {"files-with-matches", no_argument, NULL, 'l'},
    {"quiet", no_argument, NULL, 'q'},
    {"max-count", required_argument, NULL, 'm'},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"count", no_argument, NULL, OPT_COUNT},
    {"stats", no_argument, NULL, OPT_STATS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"max-record-size", required_argument, NULL, OPT_MAX_RECORD},
    {"max-depth", required_argument, NULL, OPT_MAX_DEPTH},
    {"max-inflated-size", required_argument, NULL, OPT_MAX_INFLATED},
    {"max-ratio", required_argument, NULL, OPT_MAX_RATIO},
    {"inflate", required_argument, NULL, OPT_INFLATE},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* One limit option: its name, and whether it takes a size or a count. */
static const char *
limit_name(int c, int *is_size)
{
	*is_size = c == OPT_MAX_RECORD || c == OPT_MAX_INFLATED;
	return c == OPT_MAX_RECORD     ? "--max-record-size"
	       : c == OPT_MAX_DEPTH    ? "--max-depth"
	       : c == OPT_MAX_INFLATED ? "--max-inflated-size"
	                               : "--max-ratio";
}

/* One limit option (util/units.h's grammar, as in ctalertd.conf); returns 0,
 * or 2 after a usage message. */
static int
limit_option(struct args *a, int c, const char *arg)
{
	int is_size;
	const char *name = limit_name(c, &is_size), *why;
	uint64_t v;

	if ((is_size ? units_size(arg, &v, &why) : units_count(arg, &v, &why)) == -1)
		return usage_error("invalid %s '%s': %s", name, arg, why);
	switch (c) {
	case OPT_MAX_RECORD:
		if (v == 0 || v > (uint64_t)SIZE_MAX / 2)
			return usage_error("invalid %s '%s' (1 byte or more)", name, arg);
		a->so.max_record = (size_t)v;
		break;
	case OPT_MAX_DEPTH:
		if (v < 3 || v > 100000)
			return usage_error("invalid %s '%s' (3 to 100000)", name, arg);
		a->so.max_depth = (unsigned)v;
		break;
	case OPT_MAX_INFLATED:
		a->so.max_inflated = v;
		break;
	case OPT_MAX_RATIO:
		if (v > UINT_MAX)
			return usage_error("invalid %s '%s' (at most %u)", name, arg, UINT_MAX);
		a->so.max_ratio = (unsigned)v;
		break;
	}
	return 0;
}

/* --account and --region: repeatable, and each a comma-separated list. */
static int
push_list(char ***v, size_t *n, const char *arg)
{
	for (const char *p = arg;; p++) {
		size_t len = strcspn(p, ",");
		char **grown = realloc(*v, (*n + 1) * sizeof(**v));

		if (grown == NULL)
			return -1;
		*v = grown;
		if (len > 0 && ((*v)[*n] = strndup(p, len)) != NULL)
			(*n)++;
		if (p[len] == '\0')
			return 0;
		p += len;
	}
}

static int
account_option(struct args *a, const char *arg)
{
	size_t from = a->naccounts;

	if (push_list(&a->accounts, &a->naccounts, arg) == -1)
		return 2;
	for (size_t i = from; i < a->naccounts; i++)
		if (strlen(a->accounts[i]) != 12 || strspn(a->accounts[i], "0123456789") != 12)
			return usage_error(
			    "invalid --account '%s' (a 12-digit account id)", a->accounts[i]);
	return 0;
}

static int
number_option(const char *name, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *why;

	if (units_count(arg, out, &why) == -1 || *out < min || *out > max)
		return usage_error("invalid %s '%s' (%llu to %llu)", name, arg,
		    (unsigned long long)min, (unsigned long long)max);
	return 0;
}

static int
output_option(struct args *a, int c, const char *arg)
{
	uint64_t v;

	switch (c) {
	case OPT_JSON:
		a->json = 1;
		return 0;
	case OPT_FIELDS:
		a->fields = arg;
		return 0;
	case 'l':
		a->files = 1;
		return 0;
	case 'q':
		a->quiet = 1;
		return 0;
	case 'm':
		if (number_option("--max-count", arg, 1, UINT64_MAX / 2, &a->max_count) != 0)
			return 2;
		return 0;
	case 'j':
		if (number_option("--jobs", arg, 1, FETCHERS_JOBS_MAX, &v) != 0)
			return 2;
		a->jobs = (int)v;
		return 0;
	case OPT_LIST_RULES:
		a->list_rules = 1;
		return 0;
	case OPT_COUNT:
		a->count = 1;
		return 0;
	case OPT_STATS:
		a->stats = 1;
		return 0;
	case OPT_NO_PROGRESS:
		a->progress = 0;
		return 0;
	default:
		return limit_option(a, c, arg);
	}
}

static int
one_option(struct args *a, int c, const char *arg)
{
	switch (c) {
	case 'c':
		a->config = arg;
		return 0;
	case 'r':
		return push(&a->dirs, &a->ndirs, arg) == -1 ? 2 : 0;
	case 'p':
		return push(&a->patterns, &a->npatterns, arg) == -1 ? 2 : 0;
	case OPT_ENVELOPE:
		if (strcmp(arg, "cloudtrail") == 0)
			a->envelope = MATCH_ENVELOPE_CLOUDTRAIL;
		else if (strcmp(arg, "none") == 0)
			a->envelope = MATCH_ENVELOPE_NONE;
		else
			return usage_error("invalid --envelope '%s' (cloudtrail or none)", arg);
		return 0;
	case OPT_FORMAT:
		if (records_format_parse(arg, &a->so.format) == -1)
			return usage_error(
			    "invalid --format '%s' (records, ndjson, eventbridge, lookup-events, "
			    "array or auto)",
			    arg);
		return 0;
	case OPT_INFLATE:
		if (inflate_backend_parse(arg, &a->so.backend) == -1 ||
		    !inflate_backend_available(a->so.backend))
			return usage_error(
			    "invalid or unavailable --inflate '%s' (isal or zlib)", arg);
		return 0;
	case OPT_SINCE:
		a->since = arg;
		return 0;
	case OPT_UNTIL:
		a->until = arg;
		return 0;
	case OPT_ACCOUNT:
		return account_option(a, arg);
	case OPT_REGION:
		return push_list(&a->regions, &a->nregions, arg) == -1 ? 2 : 0;
	case OPT_RESUME:
		a->resume = arg;
		return 0;
	case OPT_PUBLISH:
		a->publish = 1;
		return 0;
	case OPT_DRY_RUN:
		a->dry_run = 1;
		return 0;
	default:
		return output_option(a, c, arg);
	}
}

static void
version(void)
{
	printf("ctalertd %s\n"
	       "Copyright (C) 2026 the ctalertd authors.\n"
	       "License: ISC <https://opensource.org/licenses/ISC>.\n"
	       "This is free software: you are free to change and redistribute it.\n"
	       "There is NO WARRANTY, to the extent permitted by law.\n",
	    PACKAGE_VERSION);
}

/* --publish alerts on the daemon's rules as the daemon would: its
 * configuration's, through the CloudTrail envelope. -1 to go on, or 2
 * after a usage message. */
static int
publish_options(const struct args *a)
{
	if (a->dry_run && !a->publish)
		return usage_error("%s", "--dry-run needs --publish (it prints the alerts "
		                         "--publish would send)");
	if (!a->publish)
		return -1;
	if (a->ndirs || a->npatterns)
		return usage_error("--publish alerts on the rules of the configuration file "
		                   "(--config, default %s) only: --%s cannot be combined with it",
		    CONF_DEFAULT_FILE, a->ndirs ? "rules" : "pattern");
	if (a->envelope != MATCH_ENVELOPE_CLOUDTRAIL)
		return usage_error("%s", "--publish matches as the daemon does: --envelope=none "
		                         "cannot be combined with it");
	return -1;
}

/* Returns -1 to go on, or the exit status. */
static int
parse_args(struct args *a, int argc, char **argv)
{
	int c, r, started = 0;

	objscan_opts_default(&a->so);
	a->so.format = RECORDS_AUTO; /* each file as what it is, unless --format */
	a->envelope = MATCH_ENVELOPE_CLOUDTRAIL;
	a->progress = 1;
	a->jobs = FETCHERS_JOBS_DEFAULT;
	while (
	    (c = cmd_getopt("scan", argc, argv, "r:p:c:j:lqm:hV", long_options, &started)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			version();
			return 0;
		case '?':
			return 2;
		default:
			if ((r = one_option(a, c, optarg)) != 0)
				return r;
		}
	}
	if (optind >= argc && !a->list_rules)
		return usage_error("%s", "no PATH given (use - for standard input)");
	return publish_options(a);
}

/* --since and --until into the range; 0, or 2 after a usage message. */
static int
time_range(const struct args *a, struct trail_filter *f)
{
	const char *why;
	time_t now = time(NULL);

	f->since = f->until = TRAIL_NO_TIME;
	if (a->since && timestamp_parse_when(a->since, now, &f->since, &why) == -1)
		return usage_error("invalid --since '%s': %s", a->since, why);
	if (a->until && timestamp_parse_when(a->until, now, &f->until, &why) == -1)
		return usage_error("invalid --until '%s': %s", a->until, why);
	if (a->since && a->until && f->until < f->since)
		return usage_error("--until '%s' is before --since '%s'", a->until, a->since);
	f->accounts = (const char *const *)a->accounts;
	f->naccounts = a->naccounts;
	f->regions = (const char *const *)a->regions;
	f->nregions = a->nregions;
	return 0;
}

/* What is printed, from the options and whether standard output is a terminal. */
static int
output_options(const struct args *a, struct output_opts *o)
{
	char bad[64];
	const char *no_color = getenv("NO_COLOR");

	memset(o, 0, sizeof(*o));
	o->format = a->quiet || a->dry_run              ? OUTPUT_QUIET
	            : a->count                          ? OUTPUT_COUNT
	            : a->files                          ? OUTPUT_FILES
	            : a->json || !isatty(STDOUT_FILENO) ? OUTPUT_JSON
	                                                : OUTPUT_TEXT;
	o->color = o->format == OUTPUT_TEXT && (no_color == NULL || no_color[0] == '\0');
	/* -q stops at the first match, unless every match is to be published. */
	o->max_count = a->quiet && !a->publish ? 1 : a->max_count;
	if (a->fields && output_fields_parse(a->fields, o, bad, sizeof(bad)) == -1)
		return usage_error(
		    "invalid --fields: '%s' is not one of %s", bad, output_field_names());
	return time_range(a, &o->range);
}

/* The plural ending of a count of things: "1 file", "2 files". */
#define S(n) log_plural(n, "", "s")

static void
print_stats(const struct scan_totals *t, const struct output *out, const char *what, double seconds)
{
	fprintf(stderr,
	    "ctalertd scan: %llu %s%s, %llu byte%s read, %llu byte%s of JSON, %llu record%s, "
	    "%llu match%s, %llu error%s, %.3f s, %.0f records/s; %llu record%s passed over "
	    "unparsed\n",
	    (unsigned long long)t->objects, what, S(t->objects), (unsigned long long)t->bytes,
	    S(t->bytes), (unsigned long long)t->json_bytes, S(t->json_bytes),
	    (unsigned long long)t->records, S(t->records), (unsigned long long)out->matches,
	    log_plural(out->matches, "", "es"), (unsigned long long)out->errors, S(out->errors),
	    seconds, seconds > 0 ? (double)t->records / seconds : 0.0,
	    (unsigned long long)t->passed, S(t->passed));
}

static int
is_s3(const char *path)
{
	return strncmp(path, "s3://", 5) == 0;
}

/* Objects an earlier run with the same --resume file finished are left out. */
static void
skip_finished(struct bucket_list *l, const struct resume *r, struct output *out)
{
	size_t kept = 0, skipped = 0;
	char source[1200];

	for (size_t i = 0; i < l->n; i++) {
		snprintf(source, sizeof(source), "s3://%s/%s", l->v[i].bucket, l->v[i].key);
		if (!resume_finished(r, source, l->v[i].etag)) {
			l->v[kept++] = l->v[i];
			continue;
		}
		skipped++;
		l->bytes -= l->v[i].size;
		free(l->v[i].bucket);
		free(l->v[i].key);
		free(l->v[i].etag);
	}
	l->n = kept;
	if (skipped) {
		pthread_mutex_lock(&out->mutex);
		progress_clear(out->progress);
		log_info("%zu object%s finished by an earlier run skipped (--resume)", skipped,
		    S(skipped));
		pthread_mutex_unlock(&out->mutex);
	}
}

/* Every s3:// path: listed first, then fetched --jobs at a time. */
static void
scan_buckets(
    const struct args *a, struct output *out, char **paths, int npaths, struct scan_totals *t)
{
	static const struct conf_aws from_environment;
	const struct conf_aws *aws = a->conf ? &a->conf->aws : &from_environment;
	const char *owner = a->conf ? a->conf->source.expected_bucket_owner : NULL;
	struct fetchers_opts fo = {a->jobs, &a->so, owner, NULL};
	struct bucket_list l = {0};
	struct ctaws_client *client;
	struct ctaws_conn *conn;
	struct ct_error err;

	if ((client = conf_aws_client_for(aws, a->conf ? a->conf->region : NULL, &err)) == NULL) {
		output_error(out, "%s", err.msg);
		return;
	}
	if ((conn = ctaws_conn_new(client)) == NULL) {
		output_error(out, "out of memory");
		ctaws_client_free(client);
		return;
	}
	for (int i = 0; i < npaths; i++)
		if (is_s3(paths[i]))
			bucket_list_objects(conn, paths[i], &out->o.range, owner, out, &l);
	ctaws_conn_free(conn);
	if (a->resume && (fo.resume = resume_open(a->resume, &err)) == NULL)
		output_error(out, "--resume %s", err.msg);
	else {
		if (fo.resume)
			skip_finished(&l, fo.resume, out);
		fetchers_run(client, &l, out, &fo, t);
	}
	resume_close(fo.resume);
	bucket_list_free(&l);
	ctaws_client_free(client);
}

static int
tap_hash(void *arg, const char *p, size_t n, struct ct_error *err)
{
	if (iv_sha256_update(arg, p, n) == -1)
		return ct_error_set(err, CT_ERR_NOMEM, "SHA-256 failed");
	return 0;
}

/* CTALERTD_SCAN_HASH (set, not empty): the uncompressed bytes are hashed on
 * the way through, as the daemon hashes every log for CloudTrail's digests;
 * `make bench` prices it. Nothing is printed of it. The hash to free, or
 * NULL. */
static struct iv_sha256 *
hash_if_asked(struct objscan *os)
{
	const char *v = getenv("CTALERTD_SCAN_HASH");
	struct iv_sha256 *h;

	if (v == NULL || *v == '\0' || (h = iv_sha256_new()) == NULL)
		return NULL;
	objscan_set_tap(os, tap_hash, h);
	return h;
}

/* The local paths, in order, with one scanner. */
static void
scan_paths(
    const struct args *a, struct output *out, char **paths, int npaths, struct scan_totals *t)
{
	struct output_sink sink;
	struct records_cb cb;
	struct objscan *os;
	struct iv_sha256 *sha;
	struct ct_error err;

	if (output_sink_init(&sink, out) == -1) {
		output_error(out, "out of memory");
		output_sink_fini(&sink);
		return;
	}
	cb = output_sink_callbacks(&sink);
	if ((os = objscan_new(out->rs, &a->so, &cb, &err)) == NULL) {
		output_error(out, "%s", err.msg);
		output_sink_fini(&sink);
		return;
	}
	sha = hash_if_asked(os);
	for (int i = 0; i < npaths && !output_stopped(out); i++)
		if (!is_s3(paths[i]))
			files_scan(out, os, &sink, paths[i], t);
	objscan_free(os);
	iv_sha256_free(sha);
	output_sink_fini(&sink);
}

static int
run(const struct args *a, const struct ruleset *rs, const struct rule_list *l, int npaths,
    char **paths)
{
	struct output_opts oo;
	struct output out;
	struct progress progress;
	struct scan_totals t = {0};
	struct ct_error err;
	double start = clock_mono_s();
	int status, any_s3 = 0, any_file = 0;

	if ((status = output_options(a, &oo)) != 0)
		return status;
	progress_init(&progress, a->progress && isatty(STDERR_FILENO));
	if (output_init(&out, rs, l, &oo, &progress) == -1) {
		log_err("out of memory");
		return 2;
	}
	if (a->publish &&
	    (out.publish = backfill_new(a->conf, l, a->dry_run ? stdout : NULL, &err)) == NULL) {
		log_err("--publish: %s", err.msg);
		output_fini(&out);
		return 2;
	}
	for (int i = 0; i < npaths; i++) {
		any_s3 |= is_s3(paths[i]);
		any_file |= !is_s3(paths[i]);
	}
	scan_paths(a, &out, paths, npaths, &t);
	if (any_s3 && !output_stopped(&out))
		scan_buckets(a, &out, paths, npaths, &t);
	progress_clear(&progress);
	if (out.publish && backfill_finish(out.publish) == -1)
		out.errors++;
	output_end(&out);
	if (a->stats)
		print_stats(
		    &t, &out, any_s3 && !any_file ? "object" : "file", clock_mono_s() - start);
	status = out.errors ? 2 : out.matches ? 0 : 1;
	backfill_free(out.publish);
	output_fini(&out);
	return status;
}

static void
args_free(struct args *a)
{
	for (size_t i = 0; i < a->naccounts; i++)
		free(a->accounts[i]);
	for (size_t i = 0; i < a->nregions; i++)
		free(a->regions[i]);
	free(a->accounts);
	free(a->regions);
	free(a->dirs);
	free(a->patterns);
	conf_free(a->conf);
}

int
cmd_scan(int argc, char **argv)
{
	struct args a = {0};
	struct ct_error err;
	struct ruleset *rs;
	struct prefilter *pf;
	struct rule_list l;
	int status;

	log_init("ctalertd", LOG_TARGET_TEXT, LOG_INFO);
	rule_list_init(&l);
	if ((status = parse_args(&a, argc, argv)) >= 0)
		goto out;
	if ((rs = load_rules(&a, &l, &err)) == NULL) {
		log_err("%s", err.msg);
		status = 2;
		goto out;
	}
	if ((pf = prefilter_new(rs, &err)) == NULL && err.code != CT_OK) {
		log_err("%s", err.msg);
		ruleset_free(rs);
		status = 2;
		goto out;
	}
	a.so.prefilter = pf;
	if (a.list_rules)
		status = rules_print_list(&l, a.envelope, &err) == -1 ? 2 : 0;
	else
		status = run(&a, rs, &l, argc - optind, argv + optind);
	if (status == 2 && a.list_rules)
		log_err("%s", err.msg);
	prefilter_free(pf);
	ruleset_free(rs);
out:
	rule_list_free(&l);
	args_free(&a);
	return status;
}
