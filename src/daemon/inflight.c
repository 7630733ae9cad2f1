/*
 * inflight: the table of messages in hand (a list: it holds at most
 * max_inflight_messages) and the pure decision of each message's fate.
 * See inflight.h.
 */
#include "daemon/inflight.h"

#include "aws/sqs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
inflight_init(struct inflight *t)
{
	t->head = NULL;
	t->count = 0;
}

static void
msg_free(struct inflight_msg *m)
{
	free(m->message_id);
	free(m->receipt_handle);
	free(m);
}

void
inflight_clear(struct inflight *t)
{
	struct inflight_msg *m, *next;

	for (m = t->head; m; m = next) {
		next = m->next;
		msg_free(m);
	}
	inflight_init(t);
}

struct inflight_msg *
inflight_find(struct inflight *t, const char *message_id)
{
	for (struct inflight_msg *m = t->head; m; m = m->next)
		if (strcmp(m->message_id, message_id) == 0)
			return m;
	return NULL;
}

struct inflight_msg *
inflight_add(struct inflight *t, const char *message_id, const char *receipt_handle,
    int receive_count, int64_t sent_ms, double now, int visibility_s, int *dup)
{
	struct inflight_msg *m;
	char *rh;

	*dup = 0;
	if ((m = inflight_find(t, message_id)) != NULL) {
		/* SQS showed it again while we still work on it (its visibility
		 * lapsed): only the newest receipt handle can delete it now. */
		if ((rh = strdup(receipt_handle)) != NULL) {
			free(m->receipt_handle);
			m->receipt_handle = rh;
		}
		m->receive_count = receive_count;
		m->visible_until = now + visibility_s;
		*dup = 1;
		return NULL;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->message_id = strdup(message_id);
	m->receipt_handle = strdup(receipt_handle);
	if (m->message_id == NULL || m->receipt_handle == NULL) {
		msg_free(m);
		return NULL;
	}
	m->receive_count = receive_count;
	m->sent_ms = sent_ms;
	m->received_at = now;
	m->visible_until = now + visibility_s;
	m->extended_s = visibility_s;
	m->next = t->head;
	t->head = m;
	t->count++;
	return m;
}

void
inflight_remove(struct inflight *t, struct inflight_msg *m)
{
	struct inflight_msg **pp;

	for (pp = &t->head; *pp; pp = &(*pp)->next) {
		if (*pp == m) {
			*pp = m->next;
			t->count--;
			msg_free(m);
			return;
		}
	}
}

int
inflight_object_done(struct inflight_msg *m, enum outcome o, const char *error)
{
	switch (o) {
	case OUTCOME_TRANSIENT:
		m->n_transient++;
		break;
	case OUTCOME_PERMANENT:
		m->n_permanent++;
		break;
	case OUTCOME_ABANDONED:
		m->n_abandoned++;
		break;
	default:
		break;
	}
	if (error && m->first_error[0] == '\0')
		snprintf(m->first_error, sizeof(m->first_error), "%s", error);
	m->objects_done++;
	return m->objects_done >= m->objects_total;
}

int
inflight_backoff(const struct inflight_policy *p, int receive_count)
{
	long s = ctaws_backoff_ms(&p->backoff, receive_count, NULL) / 1000;

	return s < 1 ? 1 : s > SQS_MAX_VISIBILITY_S ? SQS_MAX_VISIBILITY_S : (int)s;
}

struct ack_decision
inflight_decide(const struct inflight_msg *m, const struct inflight_policy *p)
{
	struct ack_decision d = {ACK_NONE, 0, 0};

	if (!m->decode_failed && m->objects_done < m->objects_total)
		return d;
	if (m->n_abandoned > 0) {
		d.kind = ACK_RETURN;
		d.visibility = 0;
	} else if (m->n_transient > 0) {
		d.kind = ACK_RETURN;
		d.visibility = inflight_backoff(p, m->receive_count);
	} else if (m->n_permanent > 0 || m->decode_failed) {
		d.poisoned = 1;
		if (m->receive_count >= p->max_receive_count) {
			d.kind = p->poison_delete ? ACK_DELETE : ACK_DLQ;
			/* Back at once on the last receive, for the redrive policy to
			 * take it; received again after that, the queue has no DLQ
			 * (or a larger maxReceiveCount): never spin on it. */
			if (d.kind == ACK_DLQ && m->receive_count > p->max_receive_count)
				d.visibility = inflight_backoff(p, m->receive_count);
		} else {
			/* Not final yet: S3 may still be catching up (NoSuchKey right
			 * after the notification) or a permission may be fixed. */
			d.kind = ACK_RETURN;
			d.visibility = inflight_backoff(p, m->receive_count);
		}
	} else {
		d.kind = ACK_DELETE;
	}
	return d;
}

size_t
inflight_due_for_extension(struct inflight *t, double now, int margin_s, int max_total_s,
    struct inflight_msg **out, size_t max)
{
	size_t n = 0;

	for (struct inflight_msg *m = t->head; m && n < max; m = m->next) {
		if (m->acking)
			continue;
		if (m->visible_until - now > margin_s)
			continue;
		if (now - m->received_at >= max_total_s)
			continue;
		out[n++] = m;
	}
	return n;
}
