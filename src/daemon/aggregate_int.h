/*
 * aggregate_int: what the parts of aggregate (aggregate.c, the windows;
 * aggregate_threshold.c; aggregate_sweep.c) share; not an interface.
 */
#ifndef CT_DAEMON_AGGREGATE_INT_H
#define CT_DAEMON_AGGREGATE_INT_H

#include <yajl/yajl_tree.h>

#include "daemon/aggregate.h"
#include "util/error.h"

#define GROUP_KEY_ROOM  300  /* bytes of group JSON a summary's key holds */
#define ALERT_VALUE_CAP 1024 /* bytes of a group_by value an alert's note holds */

struct aggregate {
	struct state *st;             /* borrowed */
	struct state *sup;            /* borrowed: where suppressions are read; st unless set */
	struct dedup *dedup;          /* borrowed */
	int64_t lateness;             /* seconds a window takes matches after its end */
	atomic_uint_fast64_t *errors; /* borrowed; may be NULL */
	atomic_int failing;           /* the last store call failed (logged once) */
};

/* One match, read once. */
struct match {
	const struct rule *rule;             /* borrowed */
	yajl_val root;                       /* owned: the record parsed, NULL if it is not JSON */
	const char *vals[RULE_GROUP_BY_MAX]; /* group_by values, borrowed from root; NULL absent */
	const char *distinct;                /* the distinct field's value, NULL absent */
	char gh[17];                         /* the group's hash */
	int64_t t;                           /* eventTime, or now when the record has none */
	int64_t now;                         /* the store's clock */
	struct dedup_key key;                /* (eventID, rule) */
	char fp[DEDUP_HEX_LEN + 1];          /* its hex */
	const char *event_id;                /* borrowed; NULL none */
};

/* r, having logged and counted a failed store call (r -1, err says why). */
int agg_checked(struct aggregate *ag, int r, const struct ct_error *err);
/* {"field":"value",...} of the group, each value cut at cap bytes. */
int agg_group_json(struct buf *b, const struct rule *rule, const char *const *vals, size_t cap);
/* A threshold rule's match (aggregate_threshold.c). */
enum agg_verdict agg_threshold_match(struct aggregate *ag, const struct match *m, struct buf *note);

#endif
