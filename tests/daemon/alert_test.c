/*
 * Alerts, driven by tests/daemon/cases/alert/ *.case:
 *   --- rule      "name X", "description X", "severity X", "topic_arn X",
 *                 "group_id X" (one a line; name is required); "sigma_id X"
 *                 and "tag X" make it a Sigma rule with that id and one tag
 *   --- options   "topic_arn X", "subject_prefix X", "group_id X",
 *                 "email_text 0|1", "max_size N"; "routes X" and
 *                 "accounts X", X what alerts.routes and alerts.accounts
 *                 take in the configuration, on one line
 *   --- log       "BUCKET KEY", or "eventbridge" for a record that came
 *                 from EventBridge (no log object)
 *   --- record    the record's JSON text (macros allowed)
 *   --- expect    the envelope as render_envelope() prints it, or "error: ..."
 *   --- body      the body JSON, printed like Python's
 *                 json.dumps(indent=2, ensure_ascii=False), with strings over
 *                 300 bytes shown as "<N bytes ... LAST 32 BYTES>"
 *   --- email     the email text (with email_text only)
 * Whatever the case, every alert built must also satisfy what SNS demands
 * (check_invariants): the cases say what, the invariants say it is sendable.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>
#include <yajl/yajl_tree.h>

#include "caselib.h"
#include "daemon/alert.h"
#include "daemon/route.h"
#include "tests/lib/check_main.h"
#include "util/json.h"
#include "util/utf8.h"

struct input {
	struct rule rule;
	struct alert_options opt;
	char bucket[256], key[2048];
	int no_log;                 /* the record came from EventBridge: no bucket or key */
	struct buf record, text[2]; /* record; rule and options texts kept for their strings */
	char *tag;                  /* a Sigma rule's one tag, in text[0] */
	struct routes routes;
	struct account_names accounts;
};

/* A table option's libconfig text (one line), read by read as the
 * configuration reads it. */
static void
read_table(
    const char *text, void *into, int (*read)(void *, const config_setting_t *, char *, size_t))
{
	struct buf b = BUF_INIT;
	config_t cfg;
	char why[256];

	buf_printf(&b, "t = %.*s;", (int)strcspn(text, "\n"), text);
	config_init(&cfg);
	ck_assert_msg(config_read_string(&cfg, b.data), "bad table text: %s", b.data);
	ck_assert_msg(read(into, config_lookup(&cfg, "t"), why, sizeof(why)) == 0, "%s", why);
	config_destroy(&cfg);
	buf_free(&b);
}

static int
read_routes(void *r, const config_setting_t *s, char *why, size_t n)
{
	return routes_read(r, s, why, n);
}

static int
read_accounts(void *a, const config_setting_t *s, char *why, size_t n)
{
	return account_names_read(a, s, why, n);
}

/* "name value" lines into a small table; returns the value of name or NULL. */
static char *
lookup(char *text, const char *name)
{
	size_t n = strlen(name);

	for (char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ' ')
			return p + n + 1;
	return NULL;
}

static void
terminate_lines(struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] == '\n')
			b->data[i] = '\0';
}

static void
load_input(const struct ct_case *cf, struct input *in)
{
	const struct buf *r = ct_case_buf(cf, "rule"), *o = ct_case_buf(cf, "options");
	const struct buf *log = ct_case_buf(cf, "log"), *rec = ct_case_buf(cf, "record");
	char *t, *v;

	memset(in, 0, sizeof(*in));
	ck_assert_msg(r && o && log && rec, "%s: needs rule, options, log, record", cf->path);
	ct_case_expand(r, &in->text[0]);
	ct_case_expand(o, &in->text[1]);
	ct_case_expand(rec, &in->record);
	if (strncmp(log->data, "eventbridge", 11) == 0)
		in->no_log = 1;
	else
		ck_assert_int_eq(sscanf(log->data, "%255s %2047s", in->bucket, in->key), 2);
	t = in->text[0].data;
	in->rule.name = lookup(t, "name");
	in->rule.description = lookup(t, "description");
	in->rule.severity = lookup(t, "severity");
	in->rule.extra[ROUTE_TOPIC_ARN] = lookup(t, "topic_arn");
	in->rule.extra[ROUTE_GROUP_ID] = lookup(t, "group_id");
	if ((in->rule.meta.id = lookup(t, "sigma_id")) != NULL) {
		in->rule.kind = RULE_SIGMA;
		in->tag = lookup(t, "tag");
		in->rule.meta.tags = in->tag ? &in->tag : NULL;
		in->rule.meta.ntags = in->tag != NULL;
	}
	t = in->text[1].data;
	in->opt.default_topic_arn = lookup(t, "topic_arn");
	in->opt.subject_prefix = lookup(t, "subject_prefix");
	in->opt.group_id = lookup(t, "group_id");
	in->opt.email_text = (v = lookup(t, "email_text")) && atoi(v);
	in->opt.max_size = (v = lookup(t, "max_size")) ? strtoul(v, NULL, 10) : 0;
	if ((v = lookup(t, "routes")) != NULL) {
		read_table(v, &in->routes, read_routes);
		in->opt.routes = &in->routes;
	}
	if ((v = lookup(t, "accounts")) != NULL) {
		read_table(v, &in->accounts, read_accounts);
		in->opt.accounts = &in->accounts;
	}
	terminate_lines(&in->text[0]);
	terminate_lines(&in->text[1]);
	ck_assert_msg(in->rule.name != NULL, "%s: the rule has no name", cf->path);
}

static void
pretty_string(struct buf *out, const char *s)
{
	size_t n = strlen(s), from;

	if (n <= 300) {
		json_put_string(out, s, n);
		return;
	}
	from = n - 32;
	buf_printf(out, "\"<%zu bytes ... ", n);
	for (size_t i = from; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f)
			buf_printf(out, "\\\\x%02x", c);
		else
			buf_putc(out, (char)c);
	}
	buf_puts(out, ">\"");
}

static void
pretty(struct buf *out, yajl_val v, int indent)
{
	size_t n;

	if (YAJL_IS_OBJECT(v) || YAJL_IS_ARRAY(v)) {
		int obj = YAJL_IS_OBJECT(v);

		n = obj ? v->u.object.len : v->u.array.len;
		if (n == 0) {
			buf_puts(out, obj ? "{}" : "[]");
			return;
		}
		buf_puts(out, obj ? "{\n" : "[\n");
		for (size_t i = 0; i < n; i++) {
			buf_printf(out, "%*s", indent + 2, "");
			if (obj) {
				json_put_string(
				    out, v->u.object.keys[i], strlen(v->u.object.keys[i]));
				buf_puts(out, ": ");
			}
			pretty(out, obj ? v->u.object.values[i] : v->u.array.values[i], indent + 2);
			buf_puts(out, i + 1 < n ? ",\n" : "\n");
		}
		buf_printf(out, "%*s%s", indent, "", obj ? "}" : "]");
	} else if (YAJL_IS_STRING(v)) {
		pretty_string(out, v->u.string);
	} else if (YAJL_IS_NUMBER(v)) {
		buf_puts(out, v->u.number.r);
	} else {
		buf_puts(out, YAJL_IS_TRUE(v) ? "true" : YAJL_IS_FALSE(v) ? "false" : "null");
	}
}

static yajl_val
parse_or_fail(const char *text, const char *what, const char *path)
{
	char err[256] = "";
	yajl_val v = yajl_tree_parse(text, err, sizeof(err));

	ck_assert_msg(v != NULL, "%s: %s is not JSON: %s", path, what, err);
	return v;
}

static void
check_subject(const char *path, const char *s)
{
	size_t n = strlen(s);

	ck_assert_msg(n >= 1 && n <= ALERT_SUBJECT_MAX, "%s: subject length %zu", path, n);
	ck_assert_msg(s[0] != ' ', "%s: subject starts with a space", path);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(s[i] >= 0x20 && s[i] < 0x7f, "%s: subject byte %zu", path, i);
}

static void
check_envelope(const char *path, const struct alert *a, const struct input *in)
{
	size_t size = a->message_len + strlen(a->subject);
	char hex[DEDUP_HEX_LEN + 1];

	check_subject(path, a->subject);
	for (size_t i = 0; i < a->n_attrs; i++) {
		const char *v = a->attrs[i].value;

		size += strlen(a->attrs[i].name) + 6 + strlen(v);
		ck_assert_msg(*v && strlen(v) <= ALERT_ATTR_MAX && utf8_valid(v, strlen(v)),
		    "%s: attribute %s", path, a->attrs[i].name);
		for (const char *p = v; *p; p++)
			ck_assert_msg((unsigned char)*p >= 0x20 && *p != 0x7f, "%s: control in %s",
			    path, a->attrs[i].name);
	}
	ck_assert_uint_eq(a->size, size);
	ck_assert_uint_le(a->size, in->opt.max_size ? in->opt.max_size : ALERT_MAX_SIZE);
	ck_assert_uint_eq(strlen(a->message), a->message_len);
	ck_assert_msg(utf8_valid(a->message, a->message_len), "%s: message not UTF-8", path);
	ck_assert_int_eq(a->fifo, alert_topic_is_fifo(a->topic_arn));
	ck_assert_int_eq(a->fifo, a->group_id != NULL);
	if (a->group_id) {
		ck_assert_uint_le(strlen(a->group_id), ALERT_GROUP_MAX);
		for (const char *p = a->group_id; *p; p++)
			ck_assert_msg(*p > 0x20 && *p < 0x7f, "%s: group id byte", path);
	}
	dedup_key_hex(&a->key, hex);
	ck_assert_str_eq(hex, a->dedup_id);
}

/* The body must be JSON of the documented shape, agreeing with the struct. */
static void
check_body(const char *path, const struct alert *a, yajl_val body, const struct input *in)
{
	static const char *const plain[] = {"schema", "rule", "description", "severity",
	    "eventTime", "eventSource", "eventName", "awsRegion", "recipientAccountId",
	    "sourceIPAddress", "userIdentity", "eventID", "log", "record_size", "record_truncated",
	    "record"};
	static const char *const sigma[] = {"schema", "rule", "description", "severity", "sigma",
	    "eventTime", "eventSource", "eventName", "awsRegion", "recipientAccountId",
	    "sourceIPAddress", "userIdentity", "eventID", "log", "record_size", "record_truncated",
	    "record"};
	const char *const *keys = in->rule.kind == RULE_SIGMA ? sigma : plain;
	const size_t nkeys = in->rule.kind == RULE_SIGMA ? sizeof(sigma) / sizeof(sigma[0])
	                                                 : sizeof(plain) / sizeof(plain[0]);
	yajl_val rec = json_member(body, "record");
	yajl_val size = json_member(body, "record_size");
	/* accountName follows recipientAccountId, only for a named account */
	const char *name = account_name(in->opt.accounts, json_string(body, "recipientAccountId"));
	size_t k = 0;

	ck_assert_msg(YAJL_IS_OBJECT(body) && body->u.object.len == nkeys + (name != NULL),
	    "%s: body keys", path);
	for (size_t i = 0; i < nkeys; i++) {
		ck_assert_str_eq(body->u.object.keys[k++], keys[i]);
		if (name && strcmp(keys[i], "recipientAccountId") == 0) {
			ck_assert_str_eq(body->u.object.keys[k++], "accountName");
			ck_assert_str_eq(json_string(body, "accountName"), name);
		}
	}
	ck_assert_str_eq(json_string(body, "schema"), "ctalertd.alert/1");
	ck_assert_str_eq(json_string(body, "rule"), in->rule.name);
	ck_assert(YAJL_IS_INTEGER(size) && (size_t)YAJL_GET_INTEGER(size) == in->record.len);
	ck_assert(a->truncated ? YAJL_IS_TRUE(json_member(body, "record_truncated"))
	                       : YAJL_IS_FALSE(json_member(body, "record_truncated")));
	if (a->truncated)
		ck_assert(YAJL_IS_STRING(rec) && strlen(rec->u.string) < in->record.len);
	/* A clean record's cut is a byte prefix of it (a NUL or bytes that are not
	 * UTF-8 go in escaped or replaced). */
	if (a->truncated && utf8_valid(in->record.data, in->record.len) &&
	    memchr(in->record.data, '\0', in->record.len) == NULL)
		ck_assert(memcmp(rec->u.string, in->record.data, strlen(rec->u.string)) == 0);
}

static void
render_envelope(const struct alert *a, struct buf *out)
{
	buf_printf(out, "topic %s\nsubject ", a->topic_arn);
	case_quote(out, a->subject, strlen(a->subject));
	buf_printf(out, "\nstructure %s\n", a->message_structure_json ? "json" : "plain");
	for (size_t i = 0; i < a->n_attrs; i++) {
		buf_printf(out, "attr %s ", a->attrs[i].name);
		case_quote(out, a->attrs[i].value, strlen(a->attrs[i].value));
		buf_putc(out, '\n');
	}
	if (a->fifo)
		buf_printf(out, "fifo group %s\n", a->group_id);
	buf_printf(out, "dedup %s\nevent_id %s\ntruncated %s\n", a->dedup_id,
	    a->event_id ? a->event_id : "-", a->truncated ? "yes" : "no");
}

static void
compare_optional(const struct ct_case *cf, const char *section, const char *got)
{
	const struct buf *want = ct_case_buf(cf, section);
	struct buf w = BUF_INIT;

	if (want == NULL)
		return;
	ct_case_expand(want, &w);
	ct_case_compare(cf->path, w.data, got);
	buf_free(&w);
}

static void
check_and_render(const struct ct_case *cf, const struct alert *a, const struct input *in)
{
	struct buf env = BUF_INIT, body_text = BUF_INIT;
	yajl_val msg, body;
	const char *email = NULL;

	check_envelope(cf->path, a, in);
	msg = parse_or_fail(a->message, "the message", cf->path);
	body = msg;
	if (a->message_structure_json) {
		ck_assert_msg(
		    YAJL_IS_OBJECT(msg) && msg->u.object.len == 2, "%s: wrapper", cf->path);
		ck_assert_ptr_nonnull(json_string(msg, "default"));
		ck_assert_ptr_nonnull(email = json_string(msg, "email"));
		body = parse_or_fail(json_string(msg, "default"), "the default message", cf->path);
	}
	check_body(cf->path, a, body, in);
	render_envelope(a, &env);
	pretty(&body_text, body, 0);
	ct_case_compare(cf->path, ct_case_buf(cf, "expect")->data, env.data);
	compare_optional(cf, "body", body_text.data);
	if (email)
		compare_optional(cf, "email", email);
	ck_assert_msg(email || ct_case_buf(cf, "email") == NULL, "%s: no email text", cf->path);
	if (body != msg)
		yajl_tree_free(body);
	yajl_tree_free(msg);
	buf_free(&env);
	buf_free(&body_text);
}

START_TEST(test_case)
{
	struct ct_case cf;
	struct ct_error err;
	struct input in;
	struct alert a;
	struct buf got = BUF_INIT;

	ct_case_load(ct_case_path(_i), DAEMON_CASE, &cf);
	load_input(&cf, &in);
	ck_assert_msg(ct_case_buf(&cf, "expect") != NULL, "%s: no expect", cf.path);
	ct_error_clear(&err);
	if (alert_build(&a, in.record.data, in.record.len, &in.rule, in.no_log ? NULL : in.bucket,
	        in.no_log ? NULL : in.key, &in.opt, &err) == 0) {
		check_and_render(&cf, &a, &in);
		alert_free(&a);
	} else {
		ck_assert_ptr_null(a.message);
		buf_printf(&got, "error: %s\n", err.msg);
		ct_case_compare(cf.path, ct_case_buf(&cf, "expect")->data, got.data);
	}
	buf_free(&got);
	buf_free(&in.record);
	buf_free(&in.text[0]);
	buf_free(&in.text[1]);
	routes_free(&in.routes);
	account_names_free(&in.accounts);
	ct_case_free(&cf);
}
END_TEST

/* Verifies a built alert as check_and_render() does, without the case's
 * expectations. */
static void
check_sendable(const char *path, const struct alert *a, const struct input *in)
{
	yajl_val msg, body;

	check_envelope(path, a, in);
	msg = parse_or_fail(a->message, "the message", path);
	body = a->message_structure_json
	           ? parse_or_fail(json_string(msg, "default"), "the default message", path)
	           : msg;
	check_body(path, a, body, in);
	if (body != msg)
		yajl_tree_free(body);
	yajl_tree_free(msg);
}

/* Each case's record, mutated many times, alone and squeezed into a small
 * size limit: every alert is built, and every one is sendable. */
START_TEST(test_mutations)
{
	unsigned long long seed = 0xa1e47000ULL + (unsigned long long)_i;
	struct ct_case cf;
	struct ct_error err;
	struct input in;
	struct alert a;
	struct buf orig = BUF_INIT;

	ct_case_load(ct_case_path(_i), DAEMON_CASE, &cf);
	load_input(&cf, &in);
	buf_append(&orig, in.record.data, in.record.len);
	for (int round = 0; round < 150 && orig.len < 20000; round++) {
		if (strncmp(ct_case_buf(&cf, "expect")->data, "error:", 6) == 0)
			break;
		buf_reset(&in.record);
		buf_append(&in.record, orig.data, orig.len);
		case_mutate(&in.record, &seed);
		in.opt.max_size = round % 2 ? 3000 : 0;
		ck_assert_msg(alert_build(&a, in.record.data, in.record.len, &in.rule,
		                  in.no_log ? NULL : in.bucket, in.no_log ? NULL : in.key, &in.opt,
		                  &err) == 0,
		    "%s: round %d: %s", cf.path, round, err.msg);
		check_sendable(cf.path, &a, &in);
		alert_free(&a);
	}
	buf_free(&orig);
	buf_free(&in.record);
	buf_free(&in.text[0]);
	buf_free(&in.text[1]);
	routes_free(&in.routes);
	account_names_free(&in.accounts);
	ct_case_free(&cf);
}
END_TEST

CT_CHECK_PROGRAM(.name = "alert", .cases = "tests/daemon/cases/alert", .timeout = 60,
    .each_case = CT_TESTS(test_case, test_mutations))
