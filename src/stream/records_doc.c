/*
 * records_doc: the document around the records, in each input format: where
 * the records are (the "Records" array of a CloudTrail log, each line of
 * NDJSON, the "detail" of an EventBridge event) and the errors of its shape.
 * None of this is on the hot path: it sees only what lies outside records.
 */
#include "config.h"

#include <string.h>

#include "stream/records.h"
#include "stream/records_int.h"

const char *const records_type_words[] = {
    [MATCH_STRING] = "a string",
    [MATCH_NUMBER] = "a number",
    [MATCH_TRUE] = "true",
    [MATCH_FALSE] = "false",
    [MATCH_NULL] = "null",
};

/* The document is not the shape the format expects: it is `found`. */
static int
not_the_document(struct records *r, const char *found)
{
	if (r->o.format == RECORDS_EVENTBRIDGE)
		return records_stop(r, CT_ERR_SHAPE, 1,
		    "not an EventBridge event: the document is %s, not {..., \"detail\": {...}}",
		    found);
	return records_stop(r, CT_ERR_SHAPE, 1,
	    "not a CloudTrail log: the document is %s, not {\"Records\": [...]}", found);
}

/* The top-level key that holds the records. */
static const char *
list_key(const struct records *r)
{
	return r->o.format == RECORDS_EVENTBRIDGE ? "detail" : "Records";
}

/* An EventBridge event's "detail" opens: it is the record, and there is one. */
static int
detail_open(struct records *r, int is_map)
{
	if (!is_map)
		return records_stop(r, CT_ERR_SHAPE, 1,
		    "\"detail\" is not an object (found an array) at byte %llu",
		    (unsigned long long)(here(r) - 1));
	if (r->seen_records)
		return records_stop(r, CT_ERR_SHAPE, 1, "\"detail\" given twice, at byte %llu",
		    (unsigned long long)(here(r) - 1));
	r->seen_records = 1;
	return records_begin_record(r);
}

/* A container opens outside any record: the document, Records, a record, or
 * something to skip. The depth is already counted. */
int
records_outer_open(struct records *r, int is_map)
{
	if (r->in_list && r->depth == r->list_depth + 1) {
		if (is_map)
			return records_begin_record(r);
		records_not_an_object(r, "an array", here(r) - 1);
		records_skip_container(r);
		return 1;
	}
	if (r->depth == 1) {
		if (!is_map)
			return not_the_document(r, "an array");
		return 1;
	}
	if (r->depth == 2 && r->want_records && r->o.format == RECORDS_EVENTBRIDGE)
		return detail_open(r, is_map);
	if (r->depth == 2 && r->want_records) {
		if (is_map)
			return records_stop(r, CT_ERR_SHAPE, 1,
			    "\"Records\" is not an array (found an object) at byte %llu",
			    (unsigned long long)(here(r) - 1));
		r->in_list = 1;
		r->seen_records = 1;
		return 1;
	}
	records_skip_container(r);
	return 1;
}

int
records_outer_close(struct records *r)
{
	if (r->in_list && r->depth + 1 == r->list_depth)
		r->in_list = 0;
	return 1;
}

/* A scalar outside any record; len is its length as written, when known. */
int
records_outer_scalar(struct records *r, enum match_type t, size_t len)
{
	uint64_t at = here(r) - len;

	if (r->in_list && r->depth == r->list_depth) {
		records_not_an_object(r, records_type_words[t], at);
		return 1;
	}
	if (r->depth == 0)
		return not_the_document(r, records_type_words[t]);
	if (r->depth == 1 && r->want_records)
		return records_stop(r, CT_ERR_SHAPE, 1,
		    "\"%s\" is not an %s (found %s) at byte %llu", list_key(r),
		    r->o.format == RECORDS_EVENTBRIDGE ? "object" : "array", records_type_words[t],
		    (unsigned long long)at);
	return 1;
}

int
records_outer_key(struct records *r, const unsigned char *k, size_t n)
{
	const char *want = list_key(r);

	r->want_records = n == strlen(want) && memcmp(k, want, n) == 0;
	return 1;
}

int
records_doc_finish(struct records *r)
{
	if (!r->seen_records && r->o.format == RECORDS_EVENTBRIDGE) {
		records_stop(r, CT_ERR_SHAPE, 1, "not an EventBridge event: no \"detail\" object");
		return -1;
	}
	if (!r->seen_records) {
		records_stop(r, CT_ERR_SHAPE, 1,
		    "not a CloudTrail log: no \"Records\" array in the document");
		return -1;
	}
	return 0;
}

const char *
records_format_name(enum records_format f)
{
	switch (f) {
	case RECORDS_NDJSON:
		return "ndjson";
	case RECORDS_EVENTBRIDGE:
		return "eventbridge";
	case RECORDS_CLOUDTRAIL:
		break;
	}
	return "records";
}

int
records_format_parse(const char *name, enum records_format *f)
{
	if (strcmp(name, "records") == 0 || strcmp(name, "cloudtrail") == 0)
		*f = RECORDS_CLOUDTRAIL;
	else if (strcmp(name, "ndjson") == 0 || strcmp(name, "jsonl") == 0)
		*f = RECORDS_NDJSON;
	else if (strcmp(name, "eventbridge") == 0)
		*f = RECORDS_EVENTBRIDGE;
	else
		return -1;
	return 0;
}
