/*
 * publish: a worker's batch of alerts, sent with PublishBatch; entries SNS
 * failed for a passing reason go again in later rounds, accepted ones are
 * remembered in the state store (dedup.h). See publish.h.
 */
#include "daemon/publish.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "aws/client.h"
#include "aws/retry.h"
#include "daemon/metrics.h"
#include "util/log.h"

/* Dry-run output from several workers must not interleave. */
static pthread_mutex_t dry_lock = PTHREAD_MUTEX_INITIALIZER;

void
publisher_init(struct publisher *p, struct ctaws_conn *conn, struct dedup *dedup, FILE *dry_run)
{
	memset(p, 0, sizeof(*p));
	p->conn = conn;
	p->dedup = dedup;
	p->dry_run = dry_run;
}

void
publisher_discard(struct publisher *p)
{
	for (size_t i = 0; i < p->n; i++)
		alert_free(&p->batch[i]);
	p->n = 0;
	p->bytes = 0;
}

static void
to_message(const struct alert *a, struct sns_message *m, struct sns_attr *attrs, char *id)
{
	memset(m, 0, sizeof(*m));
	m->id = id;
	m->message = a->message;
	m->subject = a->subject;
	m->structure_json = a->message_structure_json;
	if (a->fifo) {
		m->group_id = a->group_id;
		m->dedup_id = a->dedup_id;
	}
	for (size_t i = 0; i < a->n_attrs; i++) {
		attrs[i].name = a->attrs[i].name;
		attrs[i].type = "String";
		attrs[i].value = a->attrs[i].value;
	}
	m->attrs = attrs;
	m->nattrs = a->n_attrs;
}

/* The rule an alert is for, from its "rule" attribute (metrics). */
static const char *
rule_of(const struct alert *a)
{
	for (size_t i = 0; i < a->n_attrs; i++)
		if (strcmp(a->attrs[i].name, "rule") == 0)
			return a->attrs[i].value;
	return NULL;
}

static void
accepted(struct publisher *p, struct alert *a)
{
	metrics_rule_alert(rule_of(a), 1);
	if (p->dedup)
		dedup_remember(p->dedup, &a->key);
	p->stats.published++;
	alert_free(a);
}

static int
flush_dry_run(struct publisher *p)
{
	pthread_mutex_lock(&dry_lock);
	for (size_t i = 0; i < p->n; i++) {
		fwrite(p->batch[i].message, 1, p->batch[i].message_len, p->dry_run);
		fputc('\n', p->dry_run);
		accepted(p, &p->batch[i]);
	}
	fflush(p->dry_run);
	pthread_mutex_unlock(&dry_lock);
	p->n = 0;
	p->bytes = 0;
	return 0;
}

/* One PublishBatch of the alerts at idx[0..n), a round for
 * ctaws_batch_resend: leaves in idx the ones to send again and returns how
 * many, or -1 when an entry can never be published. */
static long
send_round(void *arg, size_t *idx, size_t n, struct ctaws_error *err)
{
	struct publisher *p = arg;
	struct sns_message m[SNS_BATCH_MAX] = {{0}};
	struct sns_attr attrs[SNS_BATCH_MAX][ALERT_MAX_ATTRS];
	char ids[SNS_BATCH_MAX][8];
	struct sns_batch_result res;
	size_t again = 0;
	int fatal = 0;

	for (size_t i = 0; i < n; i++) {
		snprintf(ids[i], sizeof(ids[i]), "a%zu", idx[i]);
		to_message(&p->batch[idx[i]], &m[i], attrs[i], ids[i]);
	}
	p->stats.batches++;
	memset(&res, 0, sizeof(res));
	if (sns_publish_batch(p->conn, p->batch[idx[0]].topic_arn, m, n, &res, err) == -1)
		return err->retryable || err->transient ? (long)n : -1;
	for (size_t i = 0; i < n; i++) {
		struct sns_entry_result *r = &res.entry[i];

		if (r->status == CTAWS_ENTRY_OK) {
			accepted(p, &p->batch[idx[i]]);
			continue;
		}
		ctaws_error_set(err, "sns", "PublishBatch", 200,
		    r->code[0] ? r->code : "Unreported", r->retryable, "alert \"%s\": %s",
		    p->batch[idx[i]].subject, r->message[0] ? r->message : "not reported by SNS");
		if (!r->retryable)
			fatal = 1;
		idx[again++] = idx[i];
	}
	if (fatal)
		return -1;
	return (long)again;
}

int
publisher_flush(struct publisher *p, struct ctaws_error *err)
{
	size_t n = p->n;
	long left;

	if (n == 0)
		return 0;
	if (p->dry_run)
		return flush_dry_run(p);
	left = ctaws_batch_resend(ctaws_client_retry(ctaws_conn_client(p->conn)), n, send_round, p,
	    err, &p->stats.retried);
	if (left != 0) {
		p->stats.failed += left < 0 ? 1 : (uint64_t)left;
		/* Whatever SNS did not accept stays unpublished: the object fails
		 * transiently and comes back; the store keeps the accepted ones
		 * from being sent twice. */
		err->transient = 1;
		for (size_t i = 0; i < p->n; i++)
			if (p->batch[i].message != NULL) /* not accepted */
				metrics_rule_alert(rule_of(&p->batch[i]), 0);
		publisher_discard(p);
		return -1;
	}
	p->n = 0;
	p->bytes = 0;
	return 0;
}

int
publisher_add(struct publisher *p, struct alert *a, struct ctaws_error *err)
{
	if (p->dedup && dedup_seen(p->dedup, &a->key)) {
		p->stats.duplicates++;
		alert_free(a);
		return 0;
	}
	if (p->n > 0 &&
	    (p->n == SNS_BATCH_MAX || strcmp(p->batch[0].topic_arn, a->topic_arn) != 0 ||
	        p->bytes + a->size > SNS_BATCH_MAX_BYTES)) {
		if (publisher_flush(p, err) == -1) {
			alert_free(a);
			return -1;
		}
	}
	p->batch[p->n++] = *a;
	p->bytes += a->size;
	memset(a, 0, sizeof(*a));
	return 0;
}
