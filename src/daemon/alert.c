/*
 * alert: the SNS message for one match. See alert.h and docs/alerts.md.
 *
 * The record is parsed once (a yajl tree; records are small) for the few
 * fields the alert repeats; the record itself is embedded verbatim, so the
 * subscriber sees exactly what CloudTrail wrote. yajl lets overlong UTF-8
 * forms and surrogates through, which SNS would refuse: a record holding
 * them goes in as a string, repaired, like a record that is not JSON.
 *
 * Fitting into SNS: everything but the record is bounded (every field is
 * capped), so only the record can push the message over the limit. Then the
 * record is embedded as a string instead, first whole to measure, then cut
 * by the excess: each byte of the record costs at least one byte of the
 * message, however often it is escaped, so removing the excess from the
 * record removes at least the excess from the message. Two builds more, at
 * most, and the result fits.
 */
#include "config.h"

#include "daemon/alert.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/aggregate.h"
#include "daemon/conf.h"
#include "daemon/route.h"
#include "stream/facts.h"
#include "util/clock.h"
#include "util/units.h"
#include "util/json.h"
#include "util/utf8.h"

#define ALERT_SCHEMA    "ctalertd.alert/1"
#define DESCRIPTION_MAX 4096 /* bytes of a rule description in an alert */
#define NAME_MAX_BYTES  256  /* bytes of a rule name or severity in an alert */

/* How the record goes into the body. */
enum record_form {
	RECORD_OBJECT, /* verbatim JSON */
	RECORD_STRING, /* a JSON string of the text, whole (it was not valid JSON) */
	RECORD_CUT,    /* a JSON string of its first bytes: truncated */
};

/* The fields repeated from the record (stream/facts.h); pointers into its
 * tree, or NULL. */
struct fields {
	const char *event_time, *event_source, *event_name, *region, *account, *source_ip;
	const char *identity_type, *identity_arn, *event_id;
	const char *who;          /* for the subject: arn, invokedBy, principalId or type */
	const char *account_name; /* alerts.accounts' name for account, or NULL */
};

struct body {
	const struct rule *rule;
	const struct fields *f;
	const char *bucket, *key;
	const char *record;
	size_t len;
	int email_text;
	const char *note; /* the "aggregate" object (aggregate.h), NULL: none */
};

static void
extract(yajl_val root, struct fields *f)
{
	struct record_facts r;

	record_facts_read(root, &r);
	memset(f, 0, sizeof(*f));
	f->event_time = r.event_time;
	f->event_source = r.event_source;
	f->event_name = r.event_name;
	f->region = r.region;
	f->account = r.account;
	f->source_ip = r.source_ip;
	f->event_id = r.event_id;
	f->identity_type = r.identity_type;
	f->identity_arn = r.identity_arn;
	f->who = r.who;
}

/* "name":"value" (value capped at cap bytes) or "name":null. */
static int
put_field(struct buf *b, const char *name, const char *value, size_t cap)
{
	size_t n;

	if (buf_printf(b, "\"%s\":", name) == -1)
		return -1;
	if (value == NULL)
		return buf_puts(b, "null");
	n = strlen(value);
	return json_put_string(b, value, n > cap ? utf8_floor(value, n, cap) : n);
}

static int
put_record(struct buf *b, const struct body *c, enum record_form form, size_t prefix)
{
	if (buf_printf(b, "\"record_size\":%zu,\"record_truncated\":%s,\"record\":", c->len,
	        form == RECORD_CUT ? "true" : "false") == -1)
		return -1;
	if (form == RECORD_OBJECT)
		return buf_append(b, c->record, c->len);
	return json_put_string(b, c->record, form == RECORD_CUT ? prefix : c->len);
}

/* One "name":value member of the body. */
struct member {
	const char *name;
	const char *value; /* NULL: null, or no member when optional */
	size_t cap;        /* bytes of value kept */
	int optional;      /* left out rather than null */
};

#define N_MEMBERS(m) (sizeof(m) / sizeof((m)[0]))

/* The members m[0..n), comma-separated (the first is never optional). */
static int
put_members(struct buf *b, const struct member *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (m[i].optional && m[i].value == NULL)
			continue;
		if ((i > 0 && buf_putc(b, ',') == -1) ||
		    put_field(b, m[i].name, m[i].value, m[i].cap) == -1)
			return -1;
	}
	return 0;
}

/* The alert JSON (docs/alerts.md), keys in a fixed order. */
static int
build_body(struct buf *b, const struct body *c, enum record_form form, size_t prefix)
{
	const struct fields *f = c->f;
	const struct member rule[] = {
	    {"rule", c->rule->name, NAME_MAX_BYTES, 0},
	    {"description", c->rule->description, DESCRIPTION_MAX, 0},
	    {"severity", c->rule->severity, NAME_MAX_BYTES, 0},
	};
	const struct member top[] = {
	    {"eventTime", f->event_time, ALERT_FIELD_MAX, 0},
	    {"eventSource", f->event_source, ALERT_FIELD_MAX, 0},
	    {"eventName", f->event_name, ALERT_FIELD_MAX, 0},
	    {"awsRegion", f->region, ALERT_FIELD_MAX, 0},
	    {"recipientAccountId", f->account, ALERT_FIELD_MAX, 0},
	    {"accountName", f->account_name, ROUTE_ACCOUNT_NAME_MAX, 1},
	    {"sourceIPAddress", f->source_ip, ALERT_FIELD_MAX, 0},
	};
	const struct member identity[] = {
	    {"type", f->identity_type, ALERT_FIELD_MAX, 0},
	    {"arn", f->identity_arn, ALERT_FIELD_MAX, 0},
	};
	const struct member event[] = {{"eventID", f->event_id, ALERT_FIELD_MAX, 0}};
	const struct member log[] = {{"bucket", c->bucket, 255, 0}, {"key", c->key, 1024, 0}};

	if (buf_puts(b, "{\"schema\":\"" ALERT_SCHEMA "\",") == -1 ||
	    put_members(b, rule, N_MEMBERS(rule)) == -1 || rule_meta_json(b, c->rule) == -1 ||
	    (c->note && buf_printf(b, ",\"aggregate\":%s", c->note) == -1) ||
	    buf_putc(b, ',') == -1 || put_members(b, top, N_MEMBERS(top)) == -1 ||
	    buf_puts(b, ",\"userIdentity\":{") == -1 ||
	    put_members(b, identity, N_MEMBERS(identity)) == -1 || buf_puts(b, "},") == -1 ||
	    put_members(b, event, N_MEMBERS(event)) == -1 || buf_puts(b, ",\"log\":{") == -1 ||
	    put_members(b, log, N_MEMBERS(log)) == -1 || buf_puts(b, "},") == -1 ||
	    put_record(b, c, form, prefix) == -1)
		return -1;
	return buf_putc(b, '}');
}

/* One "Label: value" line of the email text; control characters become spaces. */
static void
text_line(struct buf *t, const char *label, const char *value)
{
	size_t n, start;

	if (value == NULL)
		return;
	buf_printf(t, "%-12s", label);
	start = t->len;
	n = strlen(value);
	buf_append(t, value, n > ALERT_FIELD_MAX ? utf8_floor(value, n, ALERT_FIELD_MAX) : n);
	for (size_t i = start; i < t->len; i++)
		if ((unsigned char)t->data[i] < 0x20)
			t->data[i] = ' ';
	buf_putc(t, '\n');
}

/* The summary email subscribers read. */
static int
build_text(struct buf *t, const struct body *c, int cut)
{
	const struct fields *f = c->f;
	size_t n;

	buf_printf(t, "ctalertd alert: %.256s (%.256s)\n", c->rule->name,
	    c->rule->severity ? c->rule->severity : "-");
	if (c->rule->description) {
		n = strlen(c->rule->description);
		buf_append(t, c->rule->description,
		    n > DESCRIPTION_MAX ? utf8_floor(c->rule->description, n, DESCRIPTION_MAX) : n);
		buf_putc(t, '\n');
	}
	buf_putc(t, '\n');
	text_line(t, "Event:", f->event_name);
	text_line(t, "Source:", f->event_source);
	text_line(t, "Time:", f->event_time);
	if (f->account && f->account_name) {
		char account[ALERT_FIELD_MAX + ROUTE_ACCOUNT_NAME_MAX + 8];

		snprintf(account, sizeof(account), "%.1024s (%s)", f->account, f->account_name);
		text_line(t, "Account:", account);
	} else {
		text_line(t, "Account:", f->account);
	}
	text_line(t, "Region:", f->region);
	text_line(t, "Identity:", f->identity_type);
	text_line(t, "ARN:", f->identity_arn);
	text_line(t, "Source IP:", f->source_ip);
	text_line(t, "Event ID:", f->event_id);
	if (c->bucket)
		buf_printf(t, "%-12ss3://%.255s/%.1024s\n\n", "Log:", c->bucket, c->key);
	else
		buf_printf(t, "%-12s%s\n\n", "Log:", "none: the event came from EventBridge");
	buf_puts(t, "The full record is in the JSON alert that SQS, Lambda and HTTPS "
	            "subscribers receive.\n");
	if (cut)
		buf_puts(t, "The record was too large for SNS and is truncated there.\n");
	return t->data ? 0 : -1;
}

/* The whole message: the body, or {"default": body, "email": text}. */
static int
build_message(struct buf *m, const struct body *c, enum record_form form, size_t prefix)
{
	struct buf body = BUF_INIT, text = BUF_INIT;
	int r = -1;

	buf_reset(m);
	if (!c->email_text)
		return build_body(m, c, form, prefix);
	if (build_body(&body, c, form, prefix) == 0 &&
	    build_text(&text, c, form == RECORD_CUT) == 0 && buf_puts(m, "{\"default\":") == 0 &&
	    json_put_string(m, body.data, body.len) == 0 && buf_puts(m, ",\"email\":") == 0 &&
	    json_put_string(m, text.data, text.len) == 0 && buf_putc(m, '}') == 0)
		r = 0;
	buf_free(&body);
	buf_free(&text);
	return r;
}

/* s reduced to printable ASCII: a non-ASCII character becomes one '?', a
 * control character a space. */
static void
put_ascii(struct buf *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x80) {
			buf_putc(out, '?');
			while ((p[1] & 0xc0) == 0x80)
				p++;
		} else {
			buf_putc(out, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
		}
	}
}

static char *
build_subject(const struct alert_options *opt, const struct rule *rule, const struct fields *f)
{
	struct buf s = BUF_INIT;
	size_t lead;

	if (opt->subject_prefix && *opt->subject_prefix) {
		put_ascii(&s, opt->subject_prefix);
		buf_puts(&s, ": ");
	}
	if (f->account_name) {
		put_ascii(&s, f->account_name);
		buf_puts(&s, ": ");
	}
	put_ascii(&s, rule->name);
	buf_puts(&s, ": ");
	put_ascii(&s, f->event_name ? f->event_name : "record");
	buf_puts(&s, " by ");
	put_ascii(&s, f->who ? f->who : "unknown");
	if (s.data == NULL)
		return NULL;
	lead = strspn(s.data, " ");
	memmove(s.data, s.data + lead, s.len - lead + 1);
	s.len -= lead;
	if (s.len > ALERT_SUBJECT_MAX) {
		s.len = ALERT_SUBJECT_MAX - 3;
		s.data[s.len] = '\0';
		buf_puts(&s, "...");
	}
	return buf_detach(&s);
}

/* An attribute value: capped, control characters and broken UTF-8 as '?'. */
static char *
attr_value(const char *v)
{
	size_t n;
	char *out;

	if (v == NULL || (n = strlen(v)) == 0)
		return NULL;
	if (n > ALERT_ATTR_MAX)
		n = utf8_floor(v, n, ALERT_ATTR_MAX);
	if ((out = strndup(v, n)) == NULL)
		return NULL;
	text_scrub(out, n, '?');
	return out;
}

static void
add_attr(struct alert *a, const char *name, const char *value)
{
	char *v = attr_value(value);

	if (v == NULL)
		return;
	a->attrs[a->n_attrs].name = name;
	a->attrs[a->n_attrs++].value = v;
}

/* The FIFO group: printable ASCII without spaces, 1..128 characters. */
static char *
build_group(const char *id)
{
	size_t n = strlen(id);
	char *g;

	if (n == 0)
		id = "ctalertd", n = 8;
	if (n > ALERT_GROUP_MAX)
		n = ALERT_GROUP_MAX;
	if ((g = strndup(id, n)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)g[i] <= 0x20 || (unsigned char)g[i] >= 0x7f)
			g[i] = '_';
	return g;
}

void
alert_options_init(struct alert_options *o, const struct conf_alerts *a)
{
	*o = (struct alert_options){a->topic_arn, a->subject_prefix, a->group_id, a->email_text, 0,
	    &a->routes, &a->accounts, NULL};
}

int
alert_topic_is_fifo(const char *arn)
{
	size_t n = strlen(arn);

	return n > 5 && strcmp(arn + n - 5, ".fifo") == 0;
}

/* A stand-in eventID for a record without one: its SHA-256, so distinct
 * records never share a duplicate-cache entry. */
static int
record_digest(const char *record, size_t len, char out[80])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(record, len, md, &n, EVP_sha256(), NULL) != 1)
		return -1;
	strcpy(out, "sha256:");
	for (unsigned int i = 0; i < n && i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* Bytes SNS counts: the message, the subject, and each attribute's name,
 * data type ("String") and value. */
static size_t
alert_size(const struct alert *a, size_t message_len)
{
	size_t n = message_len + strlen(a->subject);

	for (size_t i = 0; i < a->n_attrs; i++)
		n += strlen(a->attrs[i].name) + strlen("String") + strlen(a->attrs[i].value);
	return n;
}

/* Everything but the message. */
static int
build_envelope(struct alert *a, const char *topic, const char *record, size_t len,
    const struct rule *rule, const struct alert_options *opt, const struct fields *f)
{
	char digest[80];
	const char *id = f->event_id;

	if ((a->topic_arn = strdup(topic)) == NULL ||
	    (a->subject = build_subject(opt, rule, f)) == NULL)
		return -1;
	if ((id != NULL && (a->event_id = strdup(id)) == NULL) ||
	    (f->event_name != NULL && (a->event_name = strdup(f->event_name)) == NULL) ||
	    (f->who != NULL && (a->principal = strdup(f->who)) == NULL))
		return -1;
	if (id == NULL && record_digest(record, len, digest) == 0)
		id = digest;
	if (id == NULL || dedup_key_make(&a->key, id, rule->name) == -1)
		return -1;
	dedup_key_hex(&a->key, a->dedup_id);
	add_attr(a, "rule", rule->name);
	add_attr(a, "severity", rule->severity);
	add_attr(a, "eventSource", f->event_source);
	add_attr(a, "eventName", f->event_name);
	add_attr(a, "account", f->account);
	add_attr(a, "accountName", f->account_name);
	add_attr(a, "region", f->region);
	if ((a->fifo = alert_topic_is_fifo(topic))) {
		const char *g = route_group(rule) ? route_group(rule)
		                : opt->group_id   ? opt->group_id
		                                  : rule->name;

		if ((a->group_id = build_group(g)) == NULL)
			return -1;
	}
	a->message_structure_json = opt->email_text;
	return 0;
}

/* The message, cut to fit limit when needed. */
static int
fit_message(struct alert *a, struct buf *m, const struct body *c, int is_json, size_t limit,
    struct ct_error *err)
{
	size_t total, excess, prefix;

	if (build_message(m, c, is_json ? RECORD_OBJECT : RECORD_STRING, 0) == -1)
		return ct_error_set(
		    err, CT_ERR_NOMEM, "alert for rule \"%s\": out of memory", c->rule->name);
	if (alert_size(a, m->len) <= limit)
		return 0;
	if (build_message(m, c, RECORD_CUT, c->len) == -1)
		return ct_error_set(
		    err, CT_ERR_NOMEM, "alert for rule \"%s\": out of memory", c->rule->name);
	total = alert_size(a, m->len);
	excess = total - limit;
	if (excess >= c->len)
		return ct_error_set(err, CT_ERR_LIMIT,
		    "alert for rule \"%s\": %zu bytes without the record leave no room in %zu",
		    c->rule->name, total - c->len, limit);
	prefix = utf8_floor(c->record, c->len, c->len - excess);
	if (build_message(m, c, RECORD_CUT, prefix) == -1)
		return ct_error_set(
		    err, CT_ERR_NOMEM, "alert for rule \"%s\": out of memory", c->rule->name);
	a->truncated = 1;
	return 0;
}

int
alert_build(struct alert *a, const char *record, size_t len, const struct rule *rule,
    const char *bucket, const char *key, const struct alert_options *opt, struct ct_error *err)
{
	return alert_build_noted(a, record, len, rule, bucket, key, NULL, opt, err);
}

int
alert_build_noted(struct alert *a, const char *record, size_t len, const struct rule *rule,
    const char *bucket, const char *key, const char *note, const struct alert_options *opt,
    struct ct_error *err)
{
	size_t limit = opt->max_size ? opt->max_size : ALERT_MAX_SIZE;
	struct buf m = BUF_INIT;
	const char *topic;
	struct fields f;
	struct body c;
	char why[128], org_name[ROUTE_ACCOUNT_NAME_MAX + 1];
	yajl_val root;

	memset(a, 0, sizeof(*a));
	root = json_parse(record, len, ALERT_MAX_DEPTH, why, sizeof(why));
	extract(root, &f);
	if ((f.account_name = account_name(opt->accounts, f.account)) == NULL)
		f.account_name = orgnames_copy(opt->org, f.account, org_name, sizeof(org_name));
	if ((topic = route_topic(rule)) == NULL &&
	    (topic = routes_pick(opt->routes, rule, f.account, f.account_name)) == NULL &&
	    (topic = opt->default_topic_arn) == NULL) {
		yajl_tree_free(root);
		return ct_error_set(err, CT_ERR_CONFIG,
		    "rule \"%s\" has no topic_arn, no route takes its alert, and alerts.topic_arn "
		    "is not set",
		    rule->name);
	}
	c = (struct body){rule, &f, bucket, key, record, len, opt->email_text, note};
	if (build_envelope(a, topic, record, len, rule, opt, &f) == -1) {
		ct_error_set(err, CT_ERR_NOMEM, "alert for rule \"%s\": out of memory", rule->name);
	} else if (fit_message(a, &m, &c, root != NULL && utf8_valid(record, len), limit, err) ==
	           0) {
		a->message_len = m.len;
		a->message = buf_detach(&m);
		a->size = alert_size(a, a->message_len);
	}
	buf_free(&m);
	yajl_tree_free(root);
	if (a->message == NULL) {
		alert_free(a);
		return -1;
	}
	return 0;
}

/* ---- summaries ----------------------------------------------------------- */

/* The "aggregate" object of a summary. */
static int
summary_note(struct buf *b, const struct rule *rule, const struct agg_summary *s)
{
	char w[32], start[21], end[21], first[21], last[21];
	long win = rule->group.window;

	units_format_duration((uint64_t)win, w, sizeof(w));
	clock_format_time((time_t)(s->window_index * win), start);
	clock_format_time((time_t)((s->window_index + 1) * win), end);
	buf_printf(b,
	    "{\"kind\":\"summary\",\"window\":\"%s\",\"windowStart\":\"%s\","
	    "\"windowEnd\":\"%s\",\"group\":%s,\"count\":%lld",
	    w, start, end, s->group, (long long)s->count);
	if (s->first) {
		clock_format_time((time_t)s->first, first);
		json_put_member_string(b, "firstEventTime", first);
	}
	if (s->last) {
		clock_format_time((time_t)s->last, last);
		json_put_member_string(b, "lastEventTime", last);
	}
	json_put_member_strings(b, "eventIDs", s->ids, s->nids);
	return buf_putc(b, '}');
}

static int
summary_body(struct buf *m, const struct rule *rule, const char *note, int email_text)
{
	const struct member head[] = {
	    {"rule", rule->name, NAME_MAX_BYTES, 0},
	    {"description", rule->description, DESCRIPTION_MAX, 0},
	    {"severity", rule->severity, NAME_MAX_BYTES, 0},
	};
	struct buf body = BUF_INIT, *b = email_text ? &body : m;
	int r = -1;

	if (buf_puts(b, "{\"schema\":\"" ALERT_SCHEMA "\",\"kind\":\"summary\",") == 0 &&
	    put_members(b, head, N_MEMBERS(head)) == 0 && rule_meta_json(b, rule) == 0 &&
	    buf_printf(b, ",\"aggregate\":%s}", note) == 0)
		r = 0;
	if (r == 0 && email_text) {
		struct buf t = BUF_INIT;

		buf_printf(&t, "ctalertd summary: %.256s (%.256s)\n\n", rule->name,
		    rule->severity ? rule->severity : "-");
		buf_printf(&t,
		    "More matches of this rule's group came while its window was "
		    "open; the first one was alerted on its own.\n\n%s\n",
		    note);
		r = t.data && buf_puts(m, "{\"default\":") == 0 &&
		            json_put_string(m, body.data, body.len) == 0 &&
		            buf_puts(m, ",\"email\":") == 0 &&
		            json_put_string(m, t.data, t.len) == 0 && buf_putc(m, '}') == 0
		        ? 0
		        : -1;
		buf_free(&t);
	}
	buf_free(&body);
	return r;
}

static char *
summary_subject(const struct alert_options *opt, const struct rule *rule, const char *group,
    long long count, long window)
{
	struct buf s = BUF_INIT;
	char w[32], n[64];

	units_format_duration((uint64_t)window, w, sizeof(w));
	if (opt->subject_prefix && *opt->subject_prefix) {
		put_ascii(&s, opt->subject_prefix);
		buf_puts(&s, ": ");
	}
	put_ascii(&s, rule->name);
	snprintf(n, sizeof(n), ": %lld more in %s", count, w);
	buf_puts(&s, n);
	if (strcmp(group, "{}") != 0) {
		buf_puts(&s, " for ");
		put_ascii(&s, group);
	}
	if (s.data != NULL && s.len > ALERT_SUBJECT_MAX) {
		s.len = ALERT_SUBJECT_MAX - 3;
		s.data[s.len] = '\0';
		buf_puts(&s, "...");
	}
	return buf_detach(&s);
}

int
alert_build_summary(struct alert *a, const struct rule *rule, const struct agg_summary *s,
    const struct alert_options *opt, struct ct_error *err)
{
	struct buf note = BUF_INIT, m = BUF_INIT;
	const char *topic;
	int r = -1;

	memset(a, 0, sizeof(*a));
	if ((topic = route_topic(rule)) == NULL &&
	    (topic = routes_pick(opt->routes, rule, NULL, NULL)) == NULL &&
	    (topic = opt->default_topic_arn) == NULL)
		return ct_error_set(err, CT_ERR_CONFIG,
		    "summary for rule \"%s\": no topic_arn, route or alerts.topic_arn", rule->name);
	if (summary_note(&note, rule, s) == 0 &&
	    summary_body(&m, rule, note.data, opt->email_text) == 0 &&
	    (a->topic_arn = strdup(topic)) != NULL &&
	    (a->subject = summary_subject(
	         opt, rule, s->group, (long long)s->count, rule->group.window)) != NULL &&
	    dedup_key_make(&a->key, s->fingerprint, rule->name) == 0) {
		memcpy(a->dedup_id, s->fingerprint, sizeof(a->dedup_id));
		add_attr(a, "rule", rule->name);
		add_attr(a, "severity", rule->severity);
		a->message_structure_json = opt->email_text;
		a->fifo = alert_topic_is_fifo(topic);
		if (!a->fifo || (a->group_id = build_group(route_group(rule) ? route_group(rule)
		                                           : opt->group_id   ? opt->group_id
		                                                             : rule->name)) != NULL)
			r = 0;
	}
	buf_free(&note);
	if (r == 0) {
		a->message_len = m.len;
		a->message = buf_detach(&m);
		a->size = alert_size(a, a->message_len);
		return 0;
	}
	buf_free(&m);
	alert_free(a);
	return ct_error_set(
	    err, CT_ERR_NOMEM, "summary for rule \"%s\": out of memory", rule->name);
}

void
alert_free(struct alert *a)
{
	free(a->topic_arn);
	free(a->subject);
	free(a->message);
	for (size_t i = 0; i < a->n_attrs; i++)
		free(a->attrs[i].value);
	free(a->group_id);
	free(a->event_id);
	free(a->event_name);
	free(a->principal);
	memset(a, 0, sizeof(*a));
}
