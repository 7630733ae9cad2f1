/*
 * aggregate_threshold: "alert once N matches (or N distinct values) of a
 * group fall within the window", sliding by eventTime in tenths of the
 * window (aggregate.h). Keys are listed in aggregate.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon/aggregate_int.h"
#include "state/state.h"
#include "util/json.h"
#include "util/units.h"

#define TENTHS 10

/* A tenth's length, and how many tenths cover the window. */
struct tenths {
	int64_t len;
	int64_t n;
};

static struct tenths
tenths_of(long window)
{
	struct tenths s;

	s.len = (window + TENTHS - 1) / TENTHS;
	s.n = (window + s.len - 1) / s.len;
	return s;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

static int
tenth_add(
    struct aggregate *ag, const struct match *m, int64_t idx, int64_t delta, const struct tenths *s)
{
	char key[STATE_KEY_MAX + 1];
	struct ct_error err;
	int64_t v, until = (idx + 1) * s->len + m->rule->group.window + ag->lateness;

	snprintf(key, sizeof(key), "thr/%s/%s/%" PRId64, m->rule->name, m->gh, idx);
	return agg_checked(ag, state_add(ag->st, key, delta, until, &v, &err), &err);
}

/* A distinct value is counted once, in the tenth it was last seen in: when
 * it comes again, it moves from its old tenth to this one. */
static int
count_distinct(struct aggregate *ag, const struct match *m, int64_t idx, const struct tenths *s)
{
	char key[STATE_KEY_MAX + 1], vh[17];
	const char *v = m->distinct;
	struct ct_error err;
	int64_t before;
	int r;

	aggregate_group_hash(&v, 1, vh);
	snprintf(key, sizeof(key), "thrv/%s/%s/%s", m->rule->name, m->gh, vh);
	r = agg_checked(ag,
	    state_raise(
	        ag->st, key, m->t, m->t + m->rule->group.window + ag->lateness, &before, &err),
	    &err);
	if (r != 1)
		return r; /* seen at this time or later already: counted there */
	if (before != INT64_MIN && before > m->t - m->rule->group.window) {
		int64_t old = floor_div(before, s->len);

		if (old == idx)
			return 0;
		if (tenth_add(ag, m, old, -1, s) == -1)
			return -1;
	}
	return tenth_add(ag, m, idx, 1, s);
}

/* The matches (or distinct values) of the tenths covering the window that
 * ends with the match's tenth. */
static int
window_sum(
    struct aggregate *ag, const struct match *m, int64_t idx, const struct tenths *s, int64_t *sum)
{
	char key[STATE_KEY_MAX + 1];
	struct ct_error err;
	int64_t v;

	*sum = 0;
	for (int64_t i = idx - s->n + 1; i <= idx; i++) {
		snprintf(key, sizeof(key), "thr/%s/%s/%" PRId64, m->rule->name, m->gh, i);
		if (agg_checked(ag, state_get(ag->st, key, &v, &err), &err) == -1)
			return -1;
		*sum += v;
	}
	return 0;
}

static void
note_threshold(struct buf *note, const struct match *m, int64_t sum)
{
	const struct rule_group *g = &m->rule->group;
	char w[32];

	units_format_duration((uint64_t)g->window, w, sizeof(w));
	buf_printf(note,
	    "{\"kind\":\"threshold\",\"window\":\"%s\",\"threshold\":%ld,\"count\":%" PRId64, w,
	    g->threshold, sum);
	if (g->distinct)
		json_put_member_string(note, "distinct", g->distinct);
	else if (g->distinct_rule)
		buf_puts(note, ",\"distinct\":\"rules\"");
	buf_puts(note, ",\"group\":");
	agg_group_json(note, m->rule, m->vals, ALERT_VALUE_CAP);
	buf_putc(note, '}');
}

/* The threshold is met: the first match to get here alerts, once per
 * window; the same match alerts again when its message comes back. */
static enum agg_verdict
fire(struct aggregate *ag, const struct match *m, int64_t sum, struct buf *note)
{
	char key[STATE_KEY_MAX + 1];
	struct ct_error err;
	int64_t until = (m->t > m->now ? m->t : m->now) + m->rule->group.window;
	int r;

	snprintf(key, sizeof(key), "thrf/%s/%s", m->rule->name, m->gh);
	if ((r = agg_checked(ag, state_claim(ag->st, key, until, &err), &err)) == 1) {
		snprintf(key, sizeof(key), "thro/%s/%s/%s", m->rule->name, m->gh, m->fp);
		agg_checked(ag, state_put(ag->st, key, until + ag->lateness, &err), &err);
	} else if (r == 0) {
		snprintf(key, sizeof(key), "thro/%s/%s/%s", m->rule->name, m->gh, m->fp);
		r = agg_checked(ag, state_has(ag->st, key, &err), &err);
	}
	if (r == 0) {
		dedup_remember(ag->dedup, &m->key);
		return AGG_COUNTED;
	}
	note_threshold(note, m, sum);
	return AGG_ALERT;
}

enum agg_verdict
agg_threshold_match(struct aggregate *ag, const struct match *m, struct buf *note)
{
	struct tenths s = tenths_of(m->rule->group.window);
	int64_t idx = floor_div(m->t, s.len), sum;
	int r;

	if (m->rule->group.distinct || m->rule->group.distinct_rule)
		r = count_distinct(ag, m, idx, &s);
	else
		r = tenth_add(ag, m, idx, 1, &s);
	if (r == -1 || window_sum(ag, m, idx, &s, &sum) == -1) {
		note_threshold(note, m, -1);
		return AGG_ALERT; /* the store cannot count: alert rather than lose it */
	}
	if (sum >= m->rule->group.threshold)
		return fire(ag, m, sum, note);
	dedup_remember(ag->dedup, &m->key);
	return AGG_COUNTED;
}
