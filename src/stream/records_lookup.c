/*
 * records_lookup: the record of a lookup-events event is a JSON string, its
 * "CloudTrailEvent". yajl hands the string over whole and decoded (it is
 * one record, so the record cap bounds it); a second records parser, in
 * RECORDS_ONE, reads it as the record it holds and matches it with the same
 * matcher, which is free: the event around it lies outside any record.
 * What the inner parser reports is passed on under the outer record's name
 * and the event's offset (yajl does not say where a string began, and the
 * decoded record has no offset of its own in the text); its failures cost
 * that event only.
 */
#include "config.h"

#include <stdlib.h>

#include "stream/records.h"
#include "stream/records_int.h"

/* A match of the inner parser: the outer record, its text the decoded string's. */
static int
inner_match(
    void *arg, const struct record_ref *rec, const size_t *rules, size_t n, struct ct_error *err)
{
	struct records *r = arg;
	struct record_ref ref = r->ref;

	ref.text = rec->text;
	ref.len = rec->len;
	if (r->cb.on_match == NULL)
		return 0;
	return r->cb.on_match(r->cb.arg, &ref, rules, n, err);
}

static void
inner_error(void *arg, const struct record_ref *rec, const struct ct_error *err)
{
	struct records *r = arg;

	(void)rec;
	if (r->cb.on_record_error)
		r->cb.on_record_error(r->cb.arg, &r->ref, err);
}

static struct records *
inner_new(struct records *r)
{
	struct records_opts o = {RECORDS_ONE, r->o.max_record, r->o.max_depth, NULL};
	struct records_cb cb = {inner_match, inner_error, r};
	struct ct_error err;

	return records_new(&o, r->rs, r->m, &cb, &err);
}

/* The inner parser's figures count as the outer's. */
static void
add_stats(struct records *r, const struct records_stats *in)
{
	r->st.records += in->records;
	r->st.matched += in->matched;
	r->st.matches += in->matches;
	r->st.record_errors += in->record_errors;
}

int
records_lookup_record(struct records *r, const char *s, size_t n)
{
	struct records *in;
	struct ct_error e;
	int rc;

	if ((r->inner == NULL && (r->inner = inner_new(r)) == NULL) ||
	    buf_printf(&r->inner_name, "%s: event %llu at byte %llu: its \"CloudTrailEvent\"",
	        r->source, (unsigned long long)r->event_no, (unsigned long long)r->event_at) == -1)
		return records_stop(r, CT_ERR_NOMEM, 1, "out of memory");
	in = r->inner;
	r->ref = (struct record_ref){r->source, NULL, 0, r->next_index++, r->event_at, 0};
	rc = records_reset(in, r->inner_name.data, &e) == -1 || records_feed(in, s, n, &e) == -1 ||
	     records_finish(in, &e) == -1;
	buf_reset(&r->inner_name);
	add_stats(r, records_stats(in));
	if (!rc)
		return 1;
	if (in->fatal) {
		r->err = e; /* the output failed, or memory: the object ends */
		r->fatal = 1;
		return 0;
	}
	r->st.record_errors++;
	if (r->cb.on_record_error)
		r->cb.on_record_error(r->cb.arg, &r->ref, &e);
	return 1;
}
