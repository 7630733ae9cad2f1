/*
 * conf: loading and checking the daemon's configuration. See conf.h.
 *
 * The order is: defaults (from the option table), the file, the
 * environment, then the checks that relate options to each other, then the
 * rules. Each option remembers where its value came from, so an error about
 * two options can point at the one the operator wrote.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/conf_int.h"
#include "daemon/route.h"
#include "util/log.h"
#include "util/suggest.h"
#include "util/units.h"

extern char **environ;

/* Where one option's value came from. */
struct origin {
	const char *file; /* borrowed from libconfig; NULL unless from a file */
	unsigned line;
	const char *env; /* the variable, when the environment set it */
};

struct loader {
	struct ct_config *c;
	struct ct_error *err; /* the first error found */
	char *const *envp;
	struct origin *from;   /* one per conf_opts[] entry */
	unsigned char *bad;    /* one per conf_opts[] entry: its value was refused */
	conf_report_fn report; /* told of every error, or NULL */
	void *report_arg;
	unsigned errors;        /* found so far */
	const char *rules_from; /* what the rules being loaded come from, or NULL */
};

/* Records one error: the first goes to L->err, every one to the reporter,
 * so the loader can go on and find the next. Returns -1. */
static int problem(struct loader *L, enum ct_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
problem(struct loader *L, enum ct_err code, const char *fmt, ...)
{
	struct ct_error e;
	va_list ap;

	va_start(ap, fmt);
	ct_error_vset(&e, code, fmt, ap);
	va_end(ap);
	if (L->errors++ == 0 && L->err)
		*L->err = e;
	if (L->report)
		L->report(L->report_arg, e.msg);
	return -1;
}

/* Whether option name was refused (its value is then the default). */
static int
refused(const struct loader *L, const char *name)
{
	const struct conf_opt *o = conf_opt_find(name);

	return o && L->bad[o - conf_opts];
}

static const char *
env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	if (envp == NULL)
		return getenv(name);
	for (; *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* "FILE:LINE", "CTALERTD_X" or "default" for option i. */
static const char *
where(const struct loader *L, size_t i, char *buf, size_t len)
{
	const struct origin *o = &L->from[i];

	if (o->env)
		snprintf(buf, len, "%s", o->env);
	else if (o->file)
		snprintf(buf, len, "%s:%u", o->file, o->line);
	else
		snprintf(buf, len, "default");
	return buf;
}

static size_t
opt_index(const struct conf_opt *o)
{
	return (size_t)(o - conf_opts);
}

/* The known option an unknown name was probably meant to be: the closest
 * by edit distance (at most 2), else one in the same group whose name
 * begins with the unknown one's last part ("visibility"). */
static const char *
suggest(const char *name)
{
	const char *best = suggest_name(name, conf_opts, conf_nopts, sizeof(conf_opts[0]));
	const char *dot = strrchr(name, '.');
	size_t plen = dot ? (size_t)(dot - name + 1) : 0;

	for (size_t i = 0; i < conf_nopts && best == NULL; i++) {
		const char *o = conf_opts[i].name;

		if (strlen(name) - plen >= 4 && strncmp(o, name, strlen(name)) == 0 &&
		    strchr(o + plen, '.') == NULL)
			best = o;
	}
	return best;
}

static int
unknown(struct loader *L, const config_setting_t *s, const char *name)
{
	const char *near = suggest(name);

	return problem(L, CT_ERR_CONFIG, "%s:%u: unknown option '%s'%s%s%s",
	    config_setting_source_file(s), config_setting_source_line(s), name,
	    near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
}

/* One setting of the file; -1 (after problem()) when it is refused. */
static int
setting(struct loader *L, const config_setting_t *s, const char *name)
{
	const struct conf_opt *o = conf_opt_find(name);
	char why[512];

	if (o == NULL)
		return unknown(L, s, name);
	if (o->kind == K_RULES)
		return 0;
	if (o->kind == K_GROUP && config_setting_type(s) != CONFIG_TYPE_GROUP)
		return problem(L, CT_ERR_CONFIG, "%s:%u: %s: expected a group { ... }",
		    config_setting_source_file(s), config_setting_source_line(s), name);
	if (o->kind == K_GROUP)
		return 0;
	if (conf_opt_set_setting(L->c, o, s, why, sizeof(why)) == -1) {
		L->bad[opt_index(o)] = 1;
		return problem(L, CT_ERR_CONFIG, "%s:%u: %s: %s", config_setting_source_file(s),
		    config_setting_source_line(s), name, why);
	}
	L->from[opt_index(o)] =
	    (struct origin){config_setting_source_file(s), config_setting_source_line(s), NULL};
	return 0;
}

/* Every setting of group, each error reported: -1 when any was refused. */
static int
walk(struct loader *L, const config_setting_t *group, const char *prefix)
{
	char name[256];
	int r = 0;

	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const struct conf_opt *o;

		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "",
		    config_setting_name(s));
		if (setting(L, s, name) == -1)
			r = -1;
		else if ((o = conf_opt_find(name)) != NULL && o->kind == K_GROUP &&
		         walk(L, s, name) == -1)
			r = -1;
	}
	return r;
}

static int
set_defaults(struct loader *L)
{
	char why[256];

	for (size_t i = 0; i < conf_nopts; i++) {
		const struct conf_opt *o = &conf_opts[i];

		if (o->def && conf_opt_set_text(L->c, o, o->def, why, sizeof(why)) == -1)
			return ct_error_set(
			    L->err, CT_ERR_INTERNAL, "default of %s: %s", o->name, why);
	}
	return 0;
}

static int
apply_env(struct loader *L)
{
	char why[512];
	const char *v;
	int r = 0;

	for (size_t i = 0; i < conf_nopts; i++) {
		const struct conf_opt *o = &conf_opts[i];

		/* Defined but empty counts as unset, as task definitions often leave it. */
		if (o->env == NULL || o->kind == K_RULES ||
		    (v = env_get(L->envp, o->env)) == NULL || *v == '\0')
			continue;
		if (conf_opt_set_text(L->c, o, v, why, sizeof(why)) == -1) {
			L->bad[i] = 1;
			r = problem(L, CT_ERR_CONFIG, "%s (%s): %s", o->env, o->name, why);
			continue;
		}
		L->from[i] = (struct origin){NULL, 0, o->env};
	}
	return r;
}

/* Reads the file into cfg; 0 with *read = 0 when the default file is absent. */
static int
read_file(struct loader *L, const char *path, config_t *cfg, int *read)
{
	const char *file = path ? path : CONF_DEFAULT_FILE;
	char *dir, *copy;
	FILE *f;

	*read = 0;
	if (path && strcmp(path, CONF_NO_FILE) == 0)
		return 0;
	if ((f = fopen(file, "r")) == NULL) {
		if (path == NULL && errno == ENOENT)
			return 0;
		return problem(L, CT_ERR_IO, "%s: %s", file, strerror(errno));
	}
	fclose(f);
	if ((L->c->file = strdup(file)) == NULL || (copy = strdup(file)) == NULL)
		return problem(L, CT_ERR_NOMEM, "%s: out of memory", file);
	dir = dirname(copy);
	config_set_include_dir(cfg, dir);
	if (config_read_file(cfg, file) == CONFIG_FALSE) {
		const char *at = config_error_file(cfg);

		free(copy);
		if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
			return problem(L, CT_ERR_IO, "%s: cannot read", at ? at : file);
		return problem(L, CT_ERR_CONFIG, "%s:%d: %s", at ? at : file,
		    config_error_line(cfg), config_error_text(cfg));
	}
	free(copy); /* libconfig keeps its own copy of the include folder */
	*read = 1;
	return 0;
}

/* "A (value) VERB B (value, where)" about two durations, led by the one the
 * operator wrote: when A is a default and B is not, B leads with INVERSE. */
static int
order_error(struct loader *L, const char *a, const char *b, const char *verb, const char *inverse)
{
	const struct conf_opt *oa = conf_opt_find(a), *ob = conf_opt_find(b), *t;
	char wa[300], wb[300], va[32], vb[32];

	if (L->from[opt_index(oa)].file == NULL && L->from[opt_index(oa)].env == NULL &&
	    (L->from[opt_index(ob)].file != NULL || L->from[opt_index(ob)].env != NULL)) {
		t = oa, oa = ob, ob = t;
		verb = inverse;
	}
	units_format_duration(*(uint64_t *)((char *)L->c + oa->off), va, sizeof(va));
	units_format_duration(*(uint64_t *)((char *)L->c + ob->off), vb, sizeof(vb));
	where(L, opt_index(oa), wa, sizeof(wa));
	where(L, opt_index(ob), wb, sizeof(wb));
	return problem(L, CT_ERR_CONFIG, "%s: %s (%s) %s %s (%s, %s)", wa, oa->name, va, verb,
	    ob->name, vb, wb);
}

/* The checks between options, each reported; one whose option was
 * refused already is skipped, so no error follows from another. */
static int
cross_check(struct loader *L)
{
	const struct ct_config *c = L->c;
	const char *file = c->file ? c->file : "ctalertd.conf";
	int r = 0;

	if (c->queue_url == NULL && !refused(L, "queue_url"))
		r = problem(L, CT_ERR_UNSET,
		    "queue_url is not set: name the SQS queue in %s or CTALERTD_QUEUE_URL", file);
	if (c->source.n_buckets == 0 && !refused(L, "source.buckets"))
		r = problem(L, CT_ERR_UNSET,
		    "source.buckets is not set: list the buckets CloudTrail writes to in %s or "
		    "CTALERTD_BUCKETS",
		    file);
	if (c->state.backend == STATE_CHOICE_DYNAMODB && c->state.table == NULL &&
	    !refused(L, "state.backend") && !refused(L, "state.table"))
		r = problem(L, CT_ERR_CONFIG,
		    "state.backend is \"dynamodb\" but state.table is not set: name the table in "
		    "%s "
		    "or CTALERTD_STATE_TABLE",
		    file);
	if (refused(L, "receive.visibility_timeout"))
		return -1;
	if (c->receive.heartbeat >= c->receive.visibility_timeout &&
	    !refused(L, "receive.heartbeat"))
		r = order_error(L, "receive.heartbeat", "receive.visibility_timeout",
		    "must be shorter than", "must be longer than");
	if (c->receive.max_visibility_extension < c->receive.visibility_timeout &&
	    !refused(L, "receive.max_visibility_extension"))
		r = order_error(L, "receive.max_visibility_extension", "receive.visibility_timeout",
		    "must not be shorter than", "must not be longer than");
	return r;
}

/* A refused rule file or entry: a problem, and loading goes on. */
static void
rule_refused(void *arg, const struct ct_error *e)
{
	struct loader *L = arg;

	if (L->rules_from)
		problem(L, e->code, "%s: %s", L->rules_from, e->msg);
	else
		problem(L, e->code, "%s", e->msg);
}

/* Runs one rules loader; what stopped it (a folder that cannot be read, a
 * `rules` setting that is not a list) becomes a problem(). */
static int
rules_step(struct loader *L, int r, struct ct_error *e)
{
	if (r == -1)
		rule_refused(L, e);
	L->rules_from = NULL;
	return r;
}

/* The rules list and folder; each refused file or entry is its own problem,
 * so every bad rule is found in one pass. */
static int
load_rules(struct loader *L, const config_t *cfg)
{
	struct ct_config *c = L->c;
	const char *dir = env_get(L->envp, "CTALERTD_RULES_DIR");
	struct ct_error e;
	int r = 0;

	if (dir && *dir == '\0')
		dir = NULL;
	if (cfg && dir == NULL)
		r = rules_step(L, rules_load_config(&c->rules, cfg, c->file, &e), &e);
	if (cfg && dir)
		r = rules_step(
		    L, rules_load_setting(&c->rules, config_lookup(cfg, "rules"), c->file, &e), &e);
	if (dir && r == 0) {
		L->rules_from = "CTALERTD_RULES_DIR (rules_dir)";
		r = rules_step(L, rules_load_dir(&c->rules, dir, &e), &e);
	}
	if (r == 0 && c->rules.n == 0 && c->rules.refused == 0)
		r = problem(L, CT_ERR_CONFIG,
		    "no rules: add a rules list or a rules_dir to %s, or set CTALERTD_RULES_DIR",
		    c->file ? c->file : "ctalertd.conf");
	return r;
}

/* Every rule needs a topic: its own, the default, or a route that takes
 * every alert (its own topic and group were checked as they were loaded,
 * see route.h). */
static int
check_rule(struct loader *L, const struct rule *r)
{
	const struct routes *routes = &L->c->alerts.routes;

	for (size_t i = 0; i < routes->n; i++)
		if (route_catches_all(&routes->v[i]))
			return 0;
	if (route_topic(r) == NULL && L->c->alerts.topic_arn == NULL &&
	    !refused(L, "alerts.topic_arn"))
		return problem(L, CT_ERR_CONFIG,
		    "%s: rule '%s' has no topic_arn and alerts.topic_arn is not set (nor "
		    "CTALERTD_TOPIC_ARN, nor a route for every alert)",
		    r->origin, r->name);
	return 0;
}

/* The rules loaded, checked and compiled; each error reported, through the
 * rule list's reporter for the loaders and the compiler. */
static int
compile_rules(struct loader *L)
{
	unsigned before = L->errors;
	struct ct_error e;

	if ((L->c->ruleset = rules_compile(&L->c->rules, MATCH_ENVELOPE_CLOUDTRAIL, &e)) != NULL &&
	    rules_link(&L->c->rules, &L->c->links, &e) == 0 &&
	    ((L->c->prefilter = prefilter_new(L->c->ruleset, &e)) != NULL || e.code == CT_OK))
		return 0;
	if (L->errors == before) /* not a rule of its own: told here */
		problem(L, e.code, "%s", e.msg);
	return -1;
}

static int
rules_all(struct loader *L, const config_t *cfg)
{
	int r;

	rule_list_report(&L->c->rules, rule_refused, L);
	r = load_rules(L, cfg) == -1 || L->c->rules.n == 0 ? -1 : 0;
	if (r == 0) {
		for (size_t i = 0; i < L->c->rules.n; i++)
			if (check_rule(L, &L->c->rules.v[i]) == -1)
				r = -1;
		if (compile_rules(L) == -1)
			r = -1;
	}
	rule_list_report(&L->c->rules, NULL, NULL);
	return r;
}

/* An option still accepted that no longer does anything: said once, when
 * it is set. */
static void
obsolete(const struct loader *L, const char *name, const char *instead)
{
	const struct conf_opt *o = conf_opt_find(name);
	char at[256];

	if (o && (L->from[opt_index(o)].file || L->from[opt_index(o)].env))
		log_warnx("%s: %s is obsolete and ignored: %s",
		    where(L, opt_index(o), at, sizeof(at)), name, instead);
}

/* Every step runs, so that every error is found in one pass; only an
 * unreadable file stops it (then nothing else can be known). */
static int
load(struct loader *L, const char *path)
{
	config_t cfg;
	int read;

	config_init(&cfg);
	if (set_defaults(L) == 0 && read_file(L, path, &cfg, &read) == 0) {
		if (read)
			walk(L, config_root_setting(&cfg), "");
		apply_env(L);
		cross_check(L);
		obsolete(L, "alerts.dedup_cache_size",
		    "the state store remembers published alerts (see alerts.remember and "
		    "state.max_keys)");
		rules_all(L, read ? &cfg : NULL);
	}
	config_destroy(&cfg);
	return L->errors ? -1 : 0;
}

struct ct_config *
conf_load_report(
    const char *path, char *const *envp, conf_report_fn report, void *arg, struct ct_error *err)
{
	struct loader L = {NULL, err, envp, NULL, NULL, report, arg, 0, NULL};

	if ((L.c = calloc(1, sizeof(*L.c))) == NULL ||
	    (L.from = calloc(conf_nopts, sizeof(*L.from))) == NULL ||
	    (L.bad = calloc(conf_nopts, 1)) == NULL) {
		free(L.c);
		free(L.from);
		problem(&L, CT_ERR_NOMEM, "out of memory loading the configuration");
		return NULL;
	}
	rule_list_init(&L.c->rules);
	route_declare(&L.c->rules);
	if (load(&L, path) == -1) {
		conf_free(L.c);
		L.c = NULL;
	} else {
	}
	free(L.from);
	free(L.bad);
	return L.c;
}

struct ct_config *
conf_load(const char *path, char *const *envp, struct ct_error *err)
{
	return conf_load_report(path, envp, NULL, NULL, err);
}

void
conf_free(struct ct_config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < conf_nopts; i++)
		conf_opt_clear(c, &conf_opts[i]);
	rule_list_free(&c->rules);
	prefilter_free(c->prefilter);
	ruleset_free(c->ruleset);
	rule_links_free(&c->links);
	free(c->file);
	free(c);
}

/* The part of name after its last '.', and its parent's length. */
static const char *
leaf(const char *name, size_t *parent_len)
{
	const char *dot = strrchr(name, '.');

	*parent_len = dot ? (size_t)(dot - name) : 0;
	return dot ? dot + 1 : name;
}

static void
print_rules(const struct ct_config *c, struct buf *out)
{
	buf_printf(out, "# rules: %zu\n", c->rules.n);
	for (size_t i = 0; i < c->rules.n; i++)
		buf_printf(out, "#   %s (%s)%s%s\n", c->rules.v[i].name, c->rules.v[i].origin,
		    route_topic(&c->rules.v[i]) ? " -> " : "",
		    route_topic(&c->rules.v[i]) ? route_topic(&c->rules.v[i]) : "");
}

void
conf_print(const struct ct_config *c, struct buf *out)
{
	const char *open[8];
	size_t depth = 0, plen;

	for (size_t i = 0; i < conf_nopts; i++) {
		const struct conf_opt *o = &conf_opts[i];
		const char *name = leaf(o->name, &plen);

		while (depth > 0 && (plen != strlen(open[depth - 1]) ||
		                        strncmp(o->name, open[depth - 1], plen) != 0)) {
			depth--;
			buf_printf(out, "%*s};\n", (int)depth * 2, "");
		}
		if (o->kind == K_RULES) {
			if (strcmp(o->name, "rules") == 0)
				print_rules(c, out);
			continue;
		}
		buf_printf(out, "%*s", (int)depth * 2, "");
		if (o->kind == K_GROUP) {
			buf_printf(out, "%s = {\n", name);
			open[depth++] = o->name;
			continue;
		}
		buf_printf(out, "%s = ", name);
		if (conf_opt_format(c, o, out)) {
			buf_puts(out, ";\n");
		} else {
			out->len -= strlen(name) + 3;
			buf_printf(out, "# %s: not set\n", name);
		}
	}
	while (depth-- > 0)
		buf_printf(out, "%*s};\n", (int)depth * 2, "");
}
