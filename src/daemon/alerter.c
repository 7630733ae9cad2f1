/*
 * alerter: a record's matches into alerts for the publisher (alerter.h).
 */
#include "config.h"

#include "daemon/alerter.h"

#include "daemon/metrics.h"

/* What the rule's window, threshold or a suppression makes of the match:
 * 1 alert (with note when the rule has a window), 0 not now. */
static int
decide(struct alerter *al, const struct record_ref *rec, const struct rule *rule, const char *via,
    struct buf *note)
{
	switch (aggregate_match(al->agg, rule, via, rec->text, rec->len, note)) {
	case AGG_ALERT:
		return 1;
	case AGG_DUPLICATE:
		al->stats.duplicates++;
		return 0;
	case AGG_COUNTED:
		al->stats.grouped++;
		return 0;
	case AGG_SUPPRESSED:
		al->stats.suppressed++;
		return 0;
	}
	return 1;
}

/* Publishes rule's alert for the record, unless its window, threshold or a
 * suppression says not now. via: the rule a correlation counts, or NULL. */
static int
alert_rule(struct alerter *al, const struct record_ref *rec, const struct rule *rule,
    const char *via, const char *bucket, const char *key, struct buf *note, struct ct_error *err)
{
	struct ct_error aerr;
	struct alert a;

	if (!decide(al, rec, rule, via, note))
		return 0;
	if (alert_build_noted(&a, rec->text, rec->len, rule, bucket, key,
	        note->len ? note->data : NULL, al->opts, &aerr) == -1)
		return ct_error_set(err, aerr.code, "%s: record %llu, rule %s: %s", rec->source,
		    (unsigned long long)rec->index, rule->name, aerr.msg);
	if (al->built)
		al->built(al->arg, rule, &a);
	if (publisher_add(al->pub, &a, &al->pub_err) == -1) {
		al->publish_failed = 1;
		return ct_error_set(err, CT_ERR_AWS, "publishing alerts failed");
	}
	return 0;
}

int
alerter_match(struct alerter *al, const struct record_ref *rec, const size_t *rules, size_t n,
    const char *bucket, const char *key, struct ct_error *err)
{
	const struct rule_links *k = al->links;
	struct buf note = BUF_INIT;
	int r = 0;

	al->stats.matches += n;
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct rule *rule = &al->rules->v[rules[i]];

		metrics_rule_match(rule->name, 1);
		if (!k->quiet[rules[i]])
			r = alert_rule(al, rec, rule, NULL, bucket, key, &note, err);
		for (size_t j = 0; r == 0 && j < k->nfeeds[rules[i]]; j++)
			r = alert_rule(al, rec, &al->rules->v[k->feeds[rules[i]][j]], rule->name,
			    bucket, key, &note, err);
	}
	buf_free(&note);
	return r;
}
