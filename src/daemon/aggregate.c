/*
 * aggregate: one match of a rule with a window or a threshold, and
 * suppressions (aggregate.h). The closing of windows is aggregate_sweep.c.
 *
 * Keys in the state store, each expiring when what it holds stops
 * mattering (RULE is the rule's name, GH the group's hash, B the window's
 * number, T a tenth's number, FP a dedup fingerprint):
 *
 *   grp/RULE/GH/B           a window; its counter: matches after the first
 *   grpo/RULE/GH/B/FP       the match that opened it (it alerts again when
 *                           its message comes back after a failed publish)
 *   grpm/RULE/GH/B#...      what the summary lists: #g/{group JSON},
 *                           #first (minus the earliest eventTime), #last,
 *                           #id/EVENTID
 *   thr/RULE/GH/T           a threshold's count in one tenth of its window
 *   thrv/RULE/GH/VH         when a distinct value was last seen
 *   thrf/RULE/GH            the threshold fired: no second alert this window
 *   thro/RULE/GH/FP         the match that fired it
 *   sup/RULE, sup/RULE/GH   suppressions
 */
#include "daemon/aggregate.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/aggregate_int.h"
#include "state/state.h"
#include "util/clock.h"
#include "util/json.h"
#include "util/log.h"
#include "util/units.h"

#define RECORD_DEPTH 64 /* nesting read of a record for its group_by fields */

struct aggregate *
aggregate_new(
    struct state *st, struct dedup *dedup, int64_t lateness_s, atomic_uint_fast64_t *errors)
{
	struct aggregate *ag = calloc(1, sizeof(*ag));

	if (ag == NULL)
		return NULL;
	ag->st = st;
	ag->sup = st;
	ag->dedup = dedup;
	ag->lateness = lateness_s;
	ag->errors = errors;
	return ag;
}

void
aggregate_read_suppressions(struct aggregate *ag, struct state *st)
{
	ag->sup = st;
}

void
aggregate_free(struct aggregate *ag)
{
	free(ag);
}

/* A store call's result: -1 is logged and counted. */
int
agg_checked(struct aggregate *ag, int r, const struct ct_error *err)
{
	if (r >= 0) {
		if (atomic_exchange(&ag->failing, 0) == 1)
			log_notice("state store %s works again for grouping and thresholds",
			    state_where(ag->st));
		return r;
	}
	if (ag->errors)
		atomic_fetch_add(ag->errors, 1);
	if (atomic_exchange(&ag->failing, 1) == 0)
		log_warnx("%s; until it works again, matches of rules with a window alert "
		          "on their own",
		    err->msg);
	return -1;
}

void
aggregate_group_hash(const char *const *values, size_t n, char out[17])
{
	unsigned char md[EVP_MAX_MD_SIZE] = {0};
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

	for (size_t i = 0; ok && i < n; i++)
		ok = (values[i] == NULL
		             ? EVP_DigestUpdate(ctx, "\x01", 2) /* absent: unlike any string */
		             : EVP_DigestUpdate(ctx, values[i], strlen(values[i]) + 1)) == 1;
	if (ok)
		EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	/* Without OpenSSL's hash (no memory) every group is one: still counted. */
	for (size_t i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ---- the record's fields ------------------------------------------------ */

/* The scalar at a dotted path as text borrowed from the tree (numbers as
 * written, true, false), NULL when absent, null or not a scalar. */
static const char *
field_at(yajl_val root, const char *path)
{
	char name[256];
	const char *p = path, *dot;
	yajl_val v = root;

	while (v != NULL && *p) {
		dot = strchr(p, '.');
		snprintf(
		    name, sizeof(name), "%.*s", (int)(dot ? dot - p : (ptrdiff_t)strlen(p)), p);
		v = json_member(v, name);
		p = dot ? dot + 1 : p + strlen(p);
	}
	if (YAJL_IS_STRING(v))
		return v->u.string;
	if (YAJL_IS_NUMBER(v))
		return v->u.number.r;
	return YAJL_IS_TRUE(v) ? "true" : YAJL_IS_FALSE(v) ? "false" : NULL;
}

int
agg_group_json(struct buf *b, const struct rule *rule, const char *const *vals, size_t cap)
{
	buf_putc(b, '{');
	for (size_t i = 0; i < rule->group.nby; i++) {
		size_t n = vals[i] ? strlen(vals[i]) : 0;

		if (json_put_key(b, rule->group.by[i]) == -1 ||
		    (vals[i] ? json_put_string(b, vals[i], n > cap ? cap : n)
		             : buf_puts(b, "null")) == -1)
			return -1;
	}
	return buf_putc(b, '}');
}

static void
match_read(struct aggregate *ag, struct match *m, const struct rule *rule, const char *via,
    const char *record, size_t len)
{
	char keyed[2 * 80];
	char why[64];
	time_t t;

	memset(m, 0, sizeof(*m));
	m->rule = rule;
	m->root = json_parse(record, len, RECORD_DEPTH, why, sizeof(why));
	for (size_t i = 0; i < rule->group.nby; i++)
		m->vals[i] = field_at(m->root, rule->group.by[i]);
	if (rule->group.distinct)
		m->distinct = field_at(m->root, rule->group.distinct);
	else if (rule->group.distinct_rule)
		m->distinct = via;
	aggregate_group_hash(m->vals, rule->group.nby, m->gh);
	m->now = state_now(ag->st);
	m->t = clock_parse_time(json_string(m->root, "eventTime"), &t) == 0 ? (int64_t)t : m->now;
	m->event_id = json_string(m->root, "eventID");
	/* A temporal correlation counts one event once per rule it matched. */
	snprintf(keyed, sizeof(keyed), "%s%s%s", rule->name,
	    via && rule->group.distinct_rule ? "<" : "",
	    via && rule->group.distinct_rule ? via : "");
	dedup_key_make(&m->key, m->event_id, keyed);
	dedup_key_hex(&m->key, m->fp);
}

/* ---- suppressions ------------------------------------------------------- */

static int
suppressed(struct aggregate *ag, const struct match *m)
{
	char key[STATE_KEY_MAX + 1];
	struct ct_error err;
	int r;

	snprintf(key, sizeof(key), "sup/%s", m->rule->name);
	if ((r = agg_checked(ag, state_has(ag->sup, key, &err), &err)) != 0)
		return r == 1;
	snprintf(key, sizeof(key), "sup/%s/%s", m->rule->name, m->gh);
	return agg_checked(ag, state_has(ag->sup, key, &err), &err) == 1;
}

int
aggregate_suppress(struct state *st, const struct rule *rule, const char *const *values,
    int64_t until, struct ct_error *err)
{
	char key[STATE_KEY_MAX + 1], gh[17];

	if (values == NULL) {
		snprintf(key, sizeof(key), "sup/%s", rule->name);
	} else {
		aggregate_group_hash(values, rule->group.nby, gh);
		snprintf(key, sizeof(key), "sup/%s/%s", rule->name, gh);
	}
	if (until <= state_now(st)) /* a lift */
		return state_forget(st, key, err) < 0 ? -1 : 0;
	return state_put(st, key, until, err);
}

/* ---- windows ------------------------------------------------------------ */

static void
note_window(struct buf *note, const struct match *m, int64_t b, int64_t until)
{
	const struct rule_group *g = &m->rule->group;
	char w[32], start[21], end[21], after[21];

	units_format_duration((uint64_t)g->window, w, sizeof(w));
	clock_format_time((time_t)(b * g->window), start);
	clock_format_time((time_t)((b + 1) * g->window), end);
	clock_format_time((time_t)until, after);
	buf_printf(note,
	    "{\"kind\":\"window\",\"window\":\"%s\",\"windowStart\":\"%s\","
	    "\"windowEnd\":\"%s\",\"summaryAfter\":\"%s\",\"group\":",
	    w, start, end, after);
	agg_group_json(note, m->rule, m->vals, ALERT_VALUE_CAP);
	buf_putc(note, '}');
}

/* What the summary of a counted match lists beside the count. */
static void
window_members(
    struct aggregate *ag, const struct match *m, const char *base, int64_t n, int64_t until)
{
	char key[STATE_KEY_MAX + 1];
	struct ct_error err;

	snprintf(key, sizeof(key), "grpm/%s#first", base);
	agg_checked(ag, state_raise(ag->st, key, -m->t, until, NULL, &err), &err);
	snprintf(key, sizeof(key), "grpm/%s#last", base);
	agg_checked(ag, state_raise(ag->st, key, m->t, until, NULL, &err), &err);
	if (n <= AGG_IDS_MAX && m->event_id != NULL && strlen(m->event_id) <= 128) {
		snprintf(key, sizeof(key), "grpm/%s#id/%s", base, m->event_id);
		agg_checked(ag, state_put(ag->st, key, until, &err), &err);
	}
}

/* The group's values for the summary, kept as a key of their own. */
static void
window_group(struct aggregate *ag, const struct match *m, const char *base, int64_t until)
{
	struct buf key = BUF_INIT;
	struct ct_error err;
	size_t cap = m->rule->group.nby ? GROUP_KEY_ROOM / m->rule->group.nby : 0;

	buf_printf(&key, "grpm/%s#g/", base);
	if (agg_group_json(&key, m->rule, m->vals, cap) == 0 && key.len <= STATE_KEY_MAX)
		agg_checked(ag, state_put(ag->st, key.data, until, &err), &err);
	buf_free(&key);
}

static enum agg_verdict
window_match(struct aggregate *ag, const struct match *m, struct buf *note)
{
	const struct rule_group *g = &m->rule->group;
	int64_t b = m->t / g->window - (m->t % g->window < 0);
	int64_t until = (b + 1) * g->window + ag->lateness, n;
	char base[STATE_KEY_MAX - 64], key[STATE_KEY_MAX + 1];
	struct ct_error err;
	int r;

	snprintf(base, sizeof(base), "%s/%s/%" PRId64, m->rule->name, m->gh, b);
	snprintf(key, sizeof(key), "grp/%s", base);
	if ((r = agg_checked(ag, state_claim(ag->st, key, until, &err), &err)) == 1) {
		window_group(ag, m, base, until);
		snprintf(key, sizeof(key), "grpo/%s/%s", base, m->fp);
		agg_checked(ag, state_put(ag->st, key, until, &err), &err);
	}
	if (r == 0) {
		snprintf(key, sizeof(key), "grpo/%s/%s", base, m->fp);
		r = agg_checked(ag, state_has(ag->st, key, &err), &err);
	}
	if (r != 0) { /* opened it, or opened it before; -1: the store cannot say */
		note_window(note, m, b, until);
		return AGG_ALERT;
	}
	snprintf(key, sizeof(key), "grp/%s", base);
	if (agg_checked(ag, state_add(ag->st, key, 1, until, &n, &err), &err) == -1)
		return AGG_ALERT;
	window_members(ag, m, base, n, until);
	dedup_remember(ag->dedup, &m->key);
	return AGG_COUNTED;
}

/* ---- the entry point ---------------------------------------------------- */

enum agg_verdict
aggregate_match(struct aggregate *ag, const struct rule *rule, const char *via, const char *record,
    size_t len, struct buf *note)
{
	enum agg_verdict v = AGG_ALERT;
	struct match m;

	buf_reset(note);
	match_read(ag, &m, rule, via, record, len);
	if (suppressed(ag, &m)) {
		v = AGG_SUPPRESSED;
	} else if (rule->group.window == 0) {
		v = AGG_ALERT;
	} else if (dedup_seen(ag->dedup, &m.key)) {
		v = AGG_DUPLICATE;
	} else {
		v = rule->group.threshold ? agg_threshold_match(ag, &m, note)
		                          : window_match(ag, &m, note);
	}
	yajl_tree_free(m.root);
	return v;
}
