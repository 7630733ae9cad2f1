/*
 * ctalertd scan: match CloudTrail log files offline and print the matches.
 *
 * Each path (a file, a directory walked recursively, or - for standard input)
 * is streamed through the same object scanner the daemon uses. Every match is
 * one JSON line on standard output, {"rule": NAME, "source": PATH, "record":
 * {...}}, the record as it appeared in the log (a Sigma rule's id, tags,
 * references and false positives in "sigma" after NAME, as alerts carry
 * them); --count prints per-rule counts
 * instead. Errors are reported per file and per record on standard error and
 * never stop the other files. Exit status as grep's: 0 something matched,
 * 1 nothing matched, 2 an error occurred.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmdline.h"
#include "commands.h"
#include "daemon/conf.h"
#include "match/match.h"
#include "daemon/route.h"
#include "integrity/verify.h"
#include "rules/rules.h"
#include "stream/objscan.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/log.h"
#include "util/json.h"
#include "util/units.h"

#ifndef CT_RULES_DIR
#define CT_RULES_DIR "/etc/ctalertd/rules.d"
#endif

#define READ_CHUNK          ((size_t)256 * 1024)
#define RECORD_ERRORS_SHOWN 10 /* per file; the rest are counted */

struct scan {
	const struct ruleset *rs;      /* borrowed */
	const struct rule_list *rules; /* borrowed; rs compiled from it, in its order */
	struct objscan *os;            /* owned */
	int count_only;                /* --count */
	int progress;                  /* a progress line on the terminal */
	int stats;                     /* --stats */
	uint64_t *counts;              /* owned; matches per rule */
	struct buf line;               /* owned; one output line */
	char *chunk;                   /* owned; READ_CHUNK bytes */
	const char *path;              /* the file being read (borrowed) */
	uint64_t file_errors;          /* record errors in this file */
	/* totals */
	uint64_t files, bytes, json_bytes, records, matches, errors;
	struct timespec start, last_progress;
	int progress_shown;
	struct iv_sha256
	    *sha; /* owned; CTALERTD_SCAN_HASH set: each file hashed as the daemon does */
};

static void
usage(FILE *f)
{
	char record[32], inflated[32];

	units_format_size(RECORDS_MAX_RECORD_DEFAULT, record, sizeof(record));
	units_format_size(OBJSCAN_MAX_INFLATED_DEFAULT, inflated, sizeof(inflated));
	fprintf(f,
	    "Usage: ctalertd scan [OPTION]... PATH...\n"
	    "Match CloudTrail log files against EventBridge event patterns and print one\n"
	    "JSON line per match: {\"rule\": NAME, \"source\": PATH, \"record\": {...}}.\n"
	    "PATH may be a file (gzip, zlib or plain JSON), a directory (its *.json,\n"
	    "*.jsonl and *.ndjson files, gzipped or not, recursively; CloudTrail-Digest\n"
	    "directories and symbolic links are skipped) or - for standard input.\n"
	    "\n"
	    "Rules (may be combined; default: the rules in %s):\n"
	    "  -c, --config=FILE          the rules of a ctalertd configuration file, which is\n"
	    "                             checked whole, as `ctalertd check` and `run` do\n"
	    "  -r, --rules=PATH           every *.json rule file below PATH, or the file PATH\n"
	    "  -p, --pattern=[NAME=]JSON  an EventBridge event pattern (repeatable)\n"
	    "      --envelope=KIND        cloudtrail (default): patterns may use the EventBridge\n"
	    "                             \"AWS API Call via CloudTrail\" envelope; none: every\n"
	    "                             pattern matches the record itself\n"
	    "\n"
	    "Input and output:\n"
	    "      --format=FORMAT        records (default): {\"Records\": [...]} objects;\n"
	    "                             ndjson: one JSON event per line\n"
	    "      --count                print per-rule match counts (NAME<TAB>COUNT) instead\n"
	    "      --stats                print totals on standard error at the end\n"
	    "      --no-progress          no progress line on the terminal\n"
	    "\n"
	    "Limits (the defaults are the daemon's; SIZE is bytes, or a number with a unit:\n"
	    "K, M, G, T or KiB, MiB, GiB, TiB (powers of 1024), KB, MB, GB, TB (powers of\n"
	    "1000), as in ctalertd.conf):\n"
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
	    CT_RULES_DIR, record, RECORDS_MAX_DEPTH_DEFAULT, inflated, OBJSCAN_MAX_RATIO_DEFAULT,
	    PACKAGE_BUGREPORT);
}

/* A usage error of scan: the message, the --help hint, status 2. */
#define usage_error(...) cmd_usage_error("scan", __VA_ARGS__)

static double
seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void
progress_clear(struct scan *sc)
{
	if (sc->progress_shown) {
		fputs("\r\033[K", stderr);
		sc->progress_shown = 0;
	}
}

/* On a terminal, once a run takes more than a second, redraws a status line
 * at most four times a second: files started, bytes read, records and their
 * rate, the file being read included. */
static void
progress(struct scan *sc, uint64_t file_bytes)
{
	struct objscan_stats st;
	uint64_t records;
	double t;

	if (!sc->progress || seconds_since(&sc->last_progress) < 0.25 ||
	    (t = seconds_since(&sc->start)) < 1.0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &sc->last_progress);
	objscan_stats(sc->os, &st);
	records = sc->records + st.records;
	fprintf(stderr,
	    "\r\033[Kctalertd scan: %llu file%s, %.1f MB read, %llu records, %.0f records/s",
	    (unsigned long long)sc->files + 1, sc->files ? "s" : "",
	    (double)(sc->bytes + file_bytes) / 1e6, (unsigned long long)records,
	    (double)records / t);
	sc->progress_shown = 1;
}

/* A record can be pretty-printed across lines; the output stays one line per
 * match (raw newlines only ever appear between JSON tokens). */
static int
put_record(struct buf *b, const char *text, size_t len)
{
	size_t from = b->len;

	if (buf_append(b, text, len) == -1)
		return -1;
	for (char *p = b->data + from; (p = memchr(p, '\n', (size_t)(b->data + b->len - p))); p++)
		*p = ' ';
	for (char *p = b->data + from; (p = memchr(p, '\r', (size_t)(b->data + b->len - p))); p++)
		*p = ' ';
	return 0;
}

static int
on_match(
    void *arg, const struct record_ref *rec, const size_t *rules, size_t n, struct ct_error *err)
{
	struct scan *sc = arg;

	sc->matches += n;
	for (size_t i = 0; i < n; i++) {
		const char *name = ruleset_rule_name(sc->rs, rules[i]);

		sc->counts[rules[i]]++;
		if (sc->count_only)
			continue;
		buf_reset(&sc->line);
		if (buf_puts(&sc->line, "{\"rule\":") == -1 ||
		    json_put_string(&sc->line, name, strlen(name)) == -1 ||
		    rule_meta_json(&sc->line, &sc->rules->v[rules[i]]) == -1 ||
		    buf_puts(&sc->line, ",\"source\":") == -1 ||
		    json_put_string(&sc->line, rec->source, strlen(rec->source)) == -1 ||
		    buf_puts(&sc->line, ",\"record\":") == -1 ||
		    put_record(&sc->line, rec->text, rec->len) == -1 ||
		    buf_puts(&sc->line, "}\n") == -1)
			return ct_error_set(err, CT_ERR_NOMEM, "out of memory writing a match");
		if (fwrite(sc->line.data, 1, sc->line.len, stdout) != sc->line.len)
			return ct_error_set(err, CT_ERR_IO, "standard output: %s", strerror(errno));
	}
	return 0;
}

static void
on_record_error(void *arg, const struct record_ref *rec, const struct ct_error *err)
{
	struct scan *sc = arg;

	sc->errors++;
	if (++sc->file_errors > RECORD_ERRORS_SHOWN)
		return;
	progress_clear(sc);
	log_err("%s", err->msg);
	if (sc->file_errors == RECORD_ERRORS_SHOWN)
		log_err(
		    "%s: further record errors in this file are counted, not shown", rec->source);
}

static void file_error(struct scan *sc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
file_error(struct scan *sc, const char *fmt, ...)
{
	char msg[CT_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sc->errors++;
	progress_clear(sc);
	log_err("%s", msg);
}

/* Streams one open file through the scanner; path names it. */
static void
scan_fd(struct scan *sc, int fd, const char *path)
{
	struct objscan_stats st;
	struct ct_error err;
	uint64_t total = 0;
	ssize_t n;
	int ok = 1;

	sc->path = path;
	sc->file_errors = 0;
	if (objscan_reset(sc->os, path, &err) == -1) {
		file_error(sc, "%s", err.msg);
		return;
	}
	while (ok && (n = read(fd, sc->chunk, READ_CHUNK)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			file_error(sc, "%s: read error at byte %llu: %s", path,
			    (unsigned long long)total, strerror(errno));
			ok = 0;
			break;
		}
		total += (uint64_t)n;
		if (objscan_feed(sc->os, sc->chunk, (size_t)n, &err) == -1) {
			file_error(sc, "%s", err.msg);
			ok = 0;
		}
		progress(sc, total);
	}
	if (ok && objscan_finish(sc->os, &err) == -1)
		file_error(sc, "%s", err.msg);
	if (sc->sha)
		iv_sha256_reset(sc->sha);
	objscan_stats(sc->os, &st);
	sc->files++;
	sc->bytes += total;
	sc->json_bytes += st.json_bytes;
	sc->records += st.records;
	if (sc->file_errors > RECORD_ERRORS_SHOWN)
		log_err("%s: %llu record errors in all", path, (unsigned long long)sc->file_errors);
}

static void scan_path(struct scan *sc, const char *path, int top);

/* In a directory, only log files count: *.json, *.jsonl, *.ndjson, each
 * perhaps .gz; a README or a digest directory next to the logs does not. */
static int
is_log_name(const char *name)
{
	static const char *const ext[] = {".json", ".jsonl", ".ndjson"};
	size_t n = strlen(name);

	if (n > 3 && strcmp(name + n - 3, ".gz") == 0)
		n -= 3;
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t e = strlen(ext[i]);

		if (n > e && strncmp(name + n - e, ext[i], e) == 0)
			return 1;
	}
	return 0;
}

static int
not_dot(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* Every regular file below dir, in name order; symbolic links are not followed. */
static void
scan_dir(struct scan *sc, const char *dir)
{
	struct dirent **names;
	struct buf child = BUF_INIT;
	int n;

	if ((n = scandir(dir, &names, not_dot, alphasort)) == -1) {
		file_error(sc, "%s: %s", dir, strerror(errno));
		return;
	}
	for (int i = 0; i < n; i++) {
		buf_reset(&child);
		if (buf_printf(&child, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
		        names[i]->d_name) == -1)
			file_error(sc, "%s: out of memory", dir);
		else if (strcmp(names[i]->d_name, "CloudTrail-Digest") != 0)
			scan_path(sc, child.data, 0);
		free(names[i]);
	}
	free(names);
	buf_free(&child);
}

static void
scan_path(struct scan *sc, const char *path, int top)
{
	struct stat st;
	int fd;

	if (strcmp(path, "-") == 0 && top) {
		scan_fd(sc, STDIN_FILENO, "-");
		return;
	}
	if ((top ? stat(path, &st) : lstat(path, &st)) == -1) {
		file_error(sc, "%s: %s", path, strerror(errno));
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		scan_dir(sc, path);
		return;
	}
	if (!top && (!S_ISREG(st.st_mode) || !is_log_name(strrchr(path, '/') + 1)))
		return;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		file_error(sc, "%s: %s", path, strerror(errno));
		return;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	scan_fd(sc, fd, path);
	close(fd);
}

struct args {
	const char *config; /* --config */
	const char **dirs;  /* --rules, owned array of borrowed strings */
	size_t ndirs;
	const char **patterns; /* --pattern, owned array of borrowed strings */
	size_t npatterns;
	enum match_envelope envelope;
	struct objscan_opts so;
	int count_only, stats, progress;
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
 * check` and `run` load it, and its rules are taken over into the empty l. */
static int
load_config_rules(struct rule_list *l, const char *path, struct ct_error *err)
{
	struct ct_config *c = conf_load(path, NULL, err);

	if (c == NULL)
		return -1;
	rule_list_free(l);
	*l = c->rules;
	rule_list_init(&c->rules);
	conf_free(c);
	return 0;
}

/* The rules into l (the caller's to free) and compiled. */
static struct ruleset *
load_rules(const struct args *a, struct rule_list *l, struct ct_error *err)
{
	int given = a->config || a->ndirs || a->npatterns;

	route_declare(l); /* rule files shared with the daemon name topics */
	if (a->config && load_config_rules(l, a->config, err) == -1)
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
};

static const struct option long_options[] = {
    {"config", required_argument, NULL, 'c'},
    {"rules", required_argument, NULL, 'r'},
    {"pattern", required_argument, NULL, 'p'},
    {"envelope", required_argument, NULL, OPT_ENVELOPE},
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
			return usage_error("invalid --format '%s' (records or ndjson)", arg);
		return 0;
	case OPT_INFLATE:
		if (inflate_backend_parse(arg, &a->so.backend) == -1 ||
		    !inflate_backend_available(a->so.backend))
			return usage_error(
			    "invalid or unavailable --inflate '%s' (isal or zlib)", arg);
		return 0;
	case OPT_COUNT:
		a->count_only = 1;
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

/* Returns -1 to go on, or the exit status. */
static int
parse_args(struct args *a, int argc, char **argv)
{
	int c, r, started = 0;

	objscan_opts_default(&a->so);
	a->envelope = MATCH_ENVELOPE_CLOUDTRAIL;
	a->progress = 1;
	while ((c = cmd_getopt("scan", argc, argv, "r:p:c:hV", long_options, &started)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(
			    "ctalertd %s\n"
			    "Copyright (C) 2026 the ctalertd authors.\n"
			    "License: ISC <https://opensource.org/licenses/ISC>.\n"
			    "This is free software: you are free to change and redistribute it.\n"
			    "There is NO WARRANTY, to the extent permitted by law.\n",
			    PACKAGE_VERSION);
			return 0;
		case '?':
			return 2;
		default:
			if ((r = one_option(a, c, optarg)) != 0)
				return r;
		}
	}
	if (optind >= argc)
		return usage_error("%s", "no PATH given (use - for standard input)");
	return -1;
}

static void
print_counts(const struct scan *sc)
{
	for (size_t i = 0; i < ruleset_size(sc->rs); i++)
		printf(
		    "%s\t%llu\n", ruleset_rule_name(sc->rs, i), (unsigned long long)sc->counts[i]);
}

/* The plural ending of a count of things: "1 file", "2 files". */
#define S(n) log_plural(n, "", "s")

static void
print_stats(const struct scan *sc)
{
	double t = seconds_since(&sc->start);

	fprintf(stderr,
	    "ctalertd scan: %llu file%s, %llu byte%s read, %llu byte%s of JSON, %llu record%s, "
	    "%llu match%s, %llu error%s, %.3f s, %.0f records/s\n",
	    (unsigned long long)sc->files, S(sc->files), (unsigned long long)sc->bytes,
	    S(sc->bytes), (unsigned long long)sc->json_bytes, S(sc->json_bytes),
	    (unsigned long long)sc->records, S(sc->records), (unsigned long long)sc->matches,
	    log_plural(sc->matches, "", "es"), (unsigned long long)sc->errors, S(sc->errors), t,
	    t > 0 ? (double)sc->records / t : 0.0);
}

static int
tap_hash(void *arg, const char *p, size_t n, struct ct_error *err)
{
	struct scan *sc = arg;

	if (iv_sha256_update(sc->sha, p, n) == -1)
		return ct_error_set(err, CT_ERR_NOMEM, "SHA-256 failed");
	return 0;
}

/* CTALERTD_SCAN_HASH (set, not empty): each file's uncompressed bytes are
 * hashed on the way through, as the daemon hashes every log for its digest.
 * `make bench` measures the cost with it; nothing is printed. */
static void
hash_if_asked(struct scan *sc)
{
	const char *v = getenv("CTALERTD_SCAN_HASH");

	if (v == NULL || *v == '\0' || (sc->sha = iv_sha256_new()) == NULL)
		return;
	objscan_set_tap(sc->os, tap_hash, sc);
}

static int
run(struct scan *sc, const struct args *a, int npaths, char **paths)
{
	struct records_cb cb = {on_match, on_record_error, sc};
	struct ct_error err;

	sc->count_only = a->count_only;
	sc->progress = a->progress && isatty(STDERR_FILENO);
	if ((sc->counts = calloc(ruleset_size(sc->rs) + 1, sizeof(*sc->counts))) == NULL ||
	    (sc->chunk = malloc(READ_CHUNK)) == NULL) {
		log_err("out of memory");
		return 2;
	}
	if ((sc->os = objscan_new(sc->rs, &a->so, &cb, &err)) == NULL) {
		log_err("%s", err.msg);
		return 2;
	}
	hash_if_asked(sc);
	clock_gettime(CLOCK_MONOTONIC, &sc->start);
	sc->last_progress = sc->start;
	for (int i = 0; i < npaths; i++)
		scan_path(sc, paths[i], 1);
	progress_clear(sc);
	if (sc->count_only)
		print_counts(sc);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_err("standard output: %s", strerror(errno));
		sc->errors++;
	}
	if (a->stats)
		print_stats(sc);
	return sc->errors ? 2 : sc->matches ? 0 : 1;
}

int
cmd_scan(int argc, char **argv)
{
	struct args a = {0};
	struct scan sc = {0};
	struct ct_error err;
	struct ruleset *rs;
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
	sc.rs = rs;
	sc.rules = &l;
	buf_init(&sc.line);
	status = run(&sc, &a, argc - optind, argv + optind);
	objscan_free(sc.os);
	iv_sha256_free(sc.sha);
	free(sc.counts);
	free(sc.chunk);
	buf_free(&sc.line);
	ruleset_free(rs);
out:
	rule_list_free(&l);
	free(a.dirs);
	free(a.patterns);
	return status;
}
