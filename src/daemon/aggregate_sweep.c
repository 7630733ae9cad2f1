/*
 * aggregate_sweep: windows whose time and lateness passed, closed and told
 * as summaries (aggregate.h). take_expired hands each window key to one
 * caller of all the instances sharing the store, so each summary is told
 * once; what it lists is read the same way from the window's grpm/ keys.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/aggregate_int.h"
#include "state/state.h"

#define MEMBERS_MAX 64 /* grpm/ keys read for one summary */
#define RETRY_S     60 /* a summary that could not be published is told again after */

/* A closed window, copied out of the store's callback. */
struct closed {
	char key[STATE_KEY_MAX + 1];
	int64_t count;
};

struct closed_list {
	struct closed *v;
	size_t n, cap;
};

static void
collect_closed(void *arg, const char *key, int64_t value, int64_t until)
{
	struct closed_list *l = arg;

	(void)until;
	if (l->n < l->cap && strlen(key) <= STATE_KEY_MAX) {
		strcpy(l->v[l->n].key, key);
		l->v[l->n++].count = value;
	}
}

/* What a summary lists, from the window's grpm/ keys. */
struct listing {
	struct agg_summary *s;
	char group[STATE_KEY_MAX + 1];
	char ids[AGG_IDS_MAX][130];
	size_t base_len; /* of "grpm/RULE/GH/B#" */
};

static void
collect_member(void *arg, const char *key, int64_t value, int64_t until)
{
	struct listing *l = arg;
	const char *m = key + l->base_len;

	(void)until;
	if (strncmp(m, "g/", 2) == 0 && strlen(m + 2) < sizeof(l->group))
		strcpy(l->group, m + 2);
	else if (strcmp(m, "first") == 0)
		l->s->first = -value;
	else if (strcmp(m, "last") == 0)
		l->s->last = value;
	else if (strncmp(m, "id/", 3) == 0 && l->s->nids < AGG_IDS_MAX &&
	         strlen(m + 3) < sizeof(l->ids[0])) {
		strcpy(l->ids[l->s->nids], m + 3);
		l->s->ids[l->s->nids] = l->ids[l->s->nids];
		l->s->nids++;
	}
}

/* "grp/RULE/GH/B" into its parts; -1 for a key this version did not write. */
static int
parse_window(const char *key, char *rule, size_t rulelen, char *base, size_t baselen, int64_t *b)
{
	const char *r = key + 4, *gh, *num;
	char *end;

	if (strncmp(key, "grp/", 4) != 0 || (gh = strchr(r, '/')) == NULL ||
	    (num = strchr(gh + 1, '/')) == NULL || (size_t)(gh - r) >= rulelen ||
	    strlen(r) >= baselen)
		return -1;
	*b = strtoll(num + 1, &end, 10);
	if (*end != '\0' || end == num + 1)
		return -1;
	snprintf(rule, rulelen, "%.*s", (int)(gh - r), r);
	strcpy(base, r);
	return 0;
}

/* A window whose summary could not be published: kept for another try. */
static void
keep(struct aggregate *ag, const struct closed *c, const struct agg_summary *s, const char *base)
{
	int64_t until = state_now(ag->st) + RETRY_S, v;
	struct buf key = BUF_INIT;
	struct ct_error err;

	agg_checked(ag, state_add(ag->st, c->key, c->count, until, &v, &err), &err);
	buf_printf(&key, "grpm/%s#g/%s", base, s->group);
	if (key.len <= STATE_KEY_MAX)
		agg_checked(ag, state_put(ag->st, key.data, until, &err), &err);
	buf_reset(&key);
	buf_printf(&key, "grpm/%s#first", base);
	if (s->first)
		agg_checked(ag, state_raise(ag->st, key.data, -s->first, until, NULL, &err), &err);
	buf_reset(&key);
	buf_printf(&key, "grpm/%s#last", base);
	if (s->last)
		agg_checked(ag, state_raise(ag->st, key.data, s->last, until, NULL, &err), &err);
	buf_free(&key);
}

/* Reads what the window's summary lists and tells it: 1 told, 0 nothing to
 * tell, -1 the store failed. */
static int
close_window(struct aggregate *ag, const struct closed *c, agg_summary_fn fn, void *arg)
{
	char rule[80], base[STATE_KEY_MAX + 1], prefix[STATE_KEY_MAX + 8];
	struct agg_summary s = {0};
	struct listing l = {.s = &s};
	struct dedup_key k;
	struct ct_error err;
	int64_t b;
	long r;

	if (parse_window(c->key, rule, sizeof(rule), base, sizeof(base), &b) == -1)
		return 0;
	snprintf(prefix, sizeof(prefix), "grpm/%s#", base);
	l.base_len = strlen(prefix);
	strcpy(l.group, "{}");
	r = state_take_expired(ag->st, prefix, MEMBERS_MAX, collect_member, &l, &err);
	if (agg_checked(ag, (int)(r < 0 ? -1 : 0), &err) == -1 || c->count <= 0)
		return r < 0 ? -1 : 0;
	s.rule = rule;
	s.group = l.group;
	s.count = c->count;
	s.window_index = b;
	dedup_key_make(&k, c->key, "summary");
	dedup_key_hex(&k, s.fingerprint);
	if (fn(arg, &s) == 0)
		return 1;
	keep(ag, c, &s, base);
	return 0;
}

long
aggregate_sweep(struct aggregate *ag, size_t max, agg_summary_fn fn, void *arg)
{
	struct closed_list l = {calloc(max ? max : 1, sizeof(struct closed)), 0, max};
	struct ct_error err;
	long r, told = 0;

	if (l.v == NULL)
		return -1;
	r = state_take_expired(ag->st, "grp/", max, collect_closed, &l, &err);
	if (agg_checked(ag, (int)(r < 0 ? -1 : 0), &err) == -1) {
		free(l.v);
		return -1;
	}
	for (size_t i = 0; i < l.n; i++) {
		int c = close_window(ag, &l.v[i], fn, arg);

		told += c > 0;
	}
	free(l.v);
	return told;
}
