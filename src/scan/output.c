/*
 * output: the matches' lines, built in the sink's buffer and written whole
 * under the output's lock (see output.h).
 */
#include "config.h"

#include "scan/output.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream/facts.h"
#include "util/json.h"
#include "util/log.h"

#define RECORD_ERRORS_SHOWN 10 /* per object; the rest are counted */

static const char *const field_names[FIELD_COUNT_] = {"time", "severity", "rule", "description",
    "event", "service", "principal", "address", "account", "region", "id", "object", "record"};

static const enum output_field text_default[] = {FIELD_TIME, FIELD_SEVERITY, FIELD_RULE,
    FIELD_EVENT, FIELD_PRINCIPAL, FIELD_ADDRESS, FIELD_ACCOUNT, FIELD_REGION};

const char *
output_field_names(void)
{
	return "time, severity, rule, description, event, service, principal, address, account, "
	       "region, id, object, record";
}

static int
field_of(const char *name, size_t n)
{
	for (int i = 0; i < FIELD_COUNT_; i++)
		if (strlen(field_names[i]) == n && strncmp(field_names[i], name, n) == 0)
			return i;
	return -1;
}

int
output_fields_parse(const char *s, struct output_opts *o, char *bad, size_t badlen)
{
	o->nfields = 0;
	for (const char *p = s;; p++) {
		size_t n = strcspn(p, ",");
		int f = field_of(p, n);

		if (f < 0 || o->nfields == OUTPUT_FIELDS_MAX) {
			snprintf(bad, badlen, "%.*s", (int)n, p);
			return -1;
		}
		o->fields[o->nfields++] = (enum output_field)f;
		if (p[n] == '\0')
			return 0;
		p += n;
	}
}

int
output_init(struct output *out, const struct ruleset *rs, const struct rule_list *rules,
    const struct output_opts *o, struct progress *progress)
{
	memset(out, 0, sizeof(*out));
	out->rs = rs;
	out->rules = rules;
	out->o = *o;
	out->progress = progress;
	if ((out->counts = calloc(ruleset_size(rs) + 1, sizeof(*out->counts))) == NULL)
		return -1;
	pthread_mutex_init(&out->mutex, NULL);
	atomic_init(&out->stop, 0);
	return 0;
}

void
output_fini(struct output *out)
{
	free(out->counts);
	pthread_mutex_destroy(&out->mutex);
}

/* The record text, one line (raw newlines only ever lie between tokens). */
static int
put_record(struct buf *b, const char *text, size_t len)
{
	size_t from = b->len;

	if (buf_append(b, text, len) == -1)
		return -1;
	for (char *p = b->data + from; p < b->data + b->len; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return 0;
}

/* What one match is about. */
struct match {
	const struct record_ref *rec;
	const struct rule *rule;
	const struct record_facts *f;
};

static const char *
field_value(const struct match *m, enum output_field f)
{
	switch (f) {
	case FIELD_TIME:
		return m->f->event_time;
	case FIELD_SEVERITY:
		return m->rule->severity ? m->rule->severity : "medium";
	case FIELD_RULE:
		return m->rule->name;
	case FIELD_DESCRIPTION:
		return m->rule->description;
	case FIELD_EVENT:
		return m->f->event_name;
	case FIELD_SERVICE:
		return m->f->event_source;
	case FIELD_PRINCIPAL:
		return m->f->who;
	case FIELD_ADDRESS:
		return m->f->source_ip;
	case FIELD_ACCOUNT:
		return m->f->account;
	case FIELD_REGION:
		return m->f->region;
	case FIELD_ID:
		return m->f->event_id;
	case FIELD_OBJECT:
		return m->rec->source;
	default:
		return NULL;
	}
}

static const char *
severity_color(const char *severity)
{
	static const struct {
		const char *name, *sgr;
	} c[] = {{"critical", "1;31"}, {"high", "31"}, {"medium", "33"}, {"low", "36"},
	    {"informational", "2"}};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (strcmp(severity, c[i].name) == 0)
			return c[i].sgr;
	return NULL;
}

static int
text_field(struct buf *b, const struct match *m, enum output_field f, int color)
{
	const char *v = field_value(m, f), *sgr = NULL;

	if (f == FIELD_RECORD)
		return put_record(b, m->rec->text, m->rec->len);
	if (color && (f == FIELD_SEVERITY || f == FIELD_RULE))
		sgr = f == FIELD_RULE ? "1" : severity_color(v);
	if (sgr && buf_printf(b, "\033[%sm", sgr) == -1)
		return -1;
	/* Control characters from a record never reach the terminal. */
	for (const char *p = v ? v : "-"; *p; p++)
		if (buf_putc(b, (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p) == -1)
			return -1;
	return sgr ? buf_puts(b, "\033[0m") : 0;
}

static int
text_line(struct output_sink *s, const struct match *m)
{
	const struct output_opts *o = &s->out->o;
	const enum output_field *v = o->nfields ? o->fields : text_default;
	size_t n = o->nfields ? o->nfields : sizeof(text_default) / sizeof(text_default[0]);

	for (size_t i = 0; i < n; i++)
		if ((i > 0 && buf_puts(&s->line, "  ") == -1) ||
		    text_field(&s->line, m, v[i], o->color) == -1)
			return -1;
	return buf_putc(&s->line, '\n');
}

/* {"NAME":value,...} of the fields chosen. */
static int
json_fields(struct output_sink *s, const struct match *m)
{
	const struct output_opts *o = &s->out->o;
	struct buf *b = &s->line;

	if (buf_putc(b, '{') == -1)
		return -1;
	for (size_t i = 0; i < o->nfields; i++) {
		const char *v = field_value(m, o->fields[i]);

		if (json_put_key(b, field_names[o->fields[i]]) == -1 ||
		    (o->fields[i] == FIELD_RECORD ? put_record(b, m->rec->text, m->rec->len)
		        : v                       ? json_put_string(b, v, strlen(v))
		                                  : buf_puts(b, "null")) == -1)
			return -1;
	}
	return buf_puts(b, "}\n");
}

static int
json_match_line(struct output_sink *s, const struct match *m)
{
	struct buf *b = &s->line;
	const char *src = m->rec->source;

	if (s->out->o.nfields)
		return json_fields(s, m);
	if (buf_puts(b, "{") == -1 || json_put_member_string(b, "rule", m->rule->name) == -1 ||
	    json_put_member_string(b, "severity", field_value(m, FIELD_SEVERITY)) == -1 ||
	    (m->rule->description &&
	        json_put_member_string(b, "description", m->rule->description) == -1) ||
	    rule_meta_json(b, m->rule) == -1 || json_put_member_string(b, "object", src) == -1 ||
	    json_put_member_string(b, "source", src) == -1 || json_put_key(b, "record") == -1 ||
	    put_record(b, m->rec->text, m->rec->len) == -1)
		return -1;
	return buf_puts(b, "}\n");
}

/* The line of one match into s->line ("" for formats that print none). */
static int
build_line(struct output_sink *s, const struct match *m)
{
	buf_reset(&s->line);
	switch (s->out->o.format) {
	case OUTPUT_JSON:
		return json_match_line(s, m);
	case OUTPUT_TEXT:
		return text_line(s, m);
	case OUTPUT_FILES:
		return s->object_matches == 1 ? buf_printf(&s->line, "%s\n", m->rec->source) : 0;
	default:
		return 0;
	}
}

/* Under the lock: one match counted and written. */
static int
emit(struct output_sink *s, const struct match *m, size_t rule)
{
	struct output *out = s->out;

	out->matches++;
	out->counts[rule]++;
	s->object_matches++;
	if (out->o.max_count && out->matches >= out->o.max_count)
		atomic_store(&out->stop, 1);
	if (build_line(s, m) == -1)
		return -1;
	if (s->line.len == 0)
		return 0;
	progress_clear(out->progress);
	if (fwrite(s->line.data, 1, s->line.len, stdout) != s->line.len) {
		out->write_failed = 1;
		return -1;
	}
	return 0;
}

/* The tree is needed for the time range, text lines and chosen fields. */
static int
needs_tree(const struct output *out)
{
	const struct output_opts *o = &out->o;

	return o->range.since != TRAIL_NO_TIME || o->range.until != TRAIL_NO_TIME ||
	       o->format == OUTPUT_TEXT || (o->format == OUTPUT_JSON && o->nfields) ||
	       out->publish != NULL; /* the eventTime windows are counted by */
}

static int
on_match(
    void *arg, const struct record_ref *rec, const size_t *rules, size_t n, struct ct_error *err)
{
	struct output_sink *s = arg;
	struct output *out = s->out;
	struct record_facts f;
	yajl_val root = NULL;
	char why[128];
	size_t emitted = 0;
	int rc = 0;

	if (needs_tree(out))
		root = json_parse(rec->text, rec->len, JSON_TREE_MAX_DEPTH, why, sizeof(why));
	record_facts_read(root, &f);
	if (trail_event_in_range(f.event_time, &out->o.range)) {
		pthread_mutex_lock(&out->mutex);
		for (; rc == 0 && emitted < n && !atomic_load(&out->stop); emitted++) {
			struct match m = {rec, &out->rules->v[rules[emitted]], &f};

			rc = emit(s, &m, rules[emitted]);
		}
		pthread_mutex_unlock(&out->mutex);
	}
	if (rc == -1) {
		yajl_tree_free(root);
		return ct_error_set(err, errno == ENOMEM ? CT_ERR_NOMEM : CT_ERR_IO,
		    "standard output: %s", strerror(errno));
	}
	/* The object ends with a failed publish: its other records are left
	 * for the next run, as nothing of theirs was remembered. */
	if (s->publish && emitted > 0)
		rc = backfill_match(s->publish, rec, f.event_time, rules, emitted, err);
	yajl_tree_free(root);
	return rc;
}

static void
on_record_error(void *arg, const struct record_ref *rec, const struct ct_error *err)
{
	struct output_sink *s = arg;
	struct output *out = s->out;

	pthread_mutex_lock(&out->mutex);
	out->errors++;
	if (++s->object_errors <= RECORD_ERRORS_SHOWN) {
		progress_clear(out->progress);
		log_err("%s", err->msg);
		if (s->object_errors == RECORD_ERRORS_SHOWN)
			log_err("%s: further record errors in this file are counted, not shown",
			    rec->source);
	}
	pthread_mutex_unlock(&out->mutex);
}

int
output_sink_init(struct output_sink *s, struct output *out)
{
	s->out = out;
	buf_init(&s->line);
	s->object_matches = s->object_errors = 0;
	s->publish = NULL;
	if (out->publish && (s->publish = backfill_worker_new(out->publish)) == NULL)
		return -1;
	return 0;
}

void
output_sink_fini(struct output_sink *s)
{
	buf_free(&s->line);
	backfill_worker_free(s->publish);
	s->publish = NULL;
}

int
output_sink_publish(struct output_sink *s, const char *source)
{
	struct ct_error err;

	if (s->publish == NULL || backfill_object_done(s->publish, source, &err) == 0)
		return 0;
	output_error(s->out, "%s", err.msg);
	return -1;
}

void
output_sink_object(struct output_sink *s)
{
	s->object_matches = s->object_errors = 0;
}

struct records_cb
output_sink_callbacks(struct output_sink *s)
{
	struct records_cb cb = {on_match, on_record_error, s};

	return cb;
}

void
output_sink_object_done(struct output_sink *s, const char *source)
{
	if (s->object_errors <= RECORD_ERRORS_SHOWN)
		return;
	pthread_mutex_lock(&s->out->mutex);
	progress_clear(s->out->progress);
	log_err("%s: %llu record errors in all", source, (unsigned long long)s->object_errors);
	pthread_mutex_unlock(&s->out->mutex);
}

void
output_progress(struct output *out, struct progress_figures *f)
{
	pthread_mutex_lock(&out->mutex);
	f->matches = out->matches;
	f->errors = out->errors;
	progress_draw(out->progress, f);
	pthread_mutex_unlock(&out->mutex);
}

void
output_error(struct output *out, const char *fmt, ...)
{
	char msg[CT_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&out->mutex);
	out->errors++;
	progress_clear(out->progress);
	log_err("%s", msg);
	pthread_mutex_unlock(&out->mutex);
}

int
output_flush(struct output *out)
{
	int rc = 0;

	pthread_mutex_lock(&out->mutex);
	if (fflush(stdout) == EOF) {
		out->write_failed = 1;
		rc = -1;
	}
	pthread_mutex_unlock(&out->mutex);
	return rc;
}

int
output_stopped(struct output *out)
{
	return atomic_load(&out->stop);
}

int
output_end(struct output *out)
{
	if (out->o.format == OUTPUT_COUNT)
		for (size_t i = 0; i < ruleset_size(out->rs); i++)
			printf("%s\t%llu\n", ruleset_rule_name(out->rs, i),
			    (unsigned long long)out->counts[i]);
	if (fflush(stdout) == EOF || ferror(stdout) || out->write_failed) {
		log_err("standard output: %s", strerror(errno));
		out->errors++;
		return -1;
	}
	return 0;
}
