/*
 * records_doc: the document around the records, in each input format: where
 * the records are and the errors of its shape. None of this is on the hot
 * path: it sees only what lies outside records.
 *
 * A document holds its records under a key of one of its objects, the
 * holder: a log's "Records" array, lookup-events' "Events" array (and, in
 * each event, the "CloudTrailEvent" string), an EventBridge event's
 * "detail". A bare array holds them as its elements, NDJSON as its lines.
 *
 * Read by content (RECORDS_AUTO), the text is any number of top-level
 * values, each classified on its own: an array is a bare array; an object
 * is what its first key says ("Records": a log; "Events" or "NextToken":
 * lookup-events; an EventBridge envelope key such as "version" or
 * "detail-type": an event, its "detail" wherever it comes; a field of a
 * CloudTrail record such as "eventVersion": a record, as in NDJSON).
 * Until that first key the object's text is kept as a record's would be,
 * so a record begins at its own first byte without a second pass. A bare
 * array's first object says in the same way what all its elements are:
 * records, or events when it begins with an envelope key.
 */
#include "config.h"

#include <string.h>

#include "stream/records.h"
#include "stream/records_int.h"

/* What the current top-level value is. */
enum records_doc {
	DOC_NONE,   /* none yet, or a scalar */
	DOC_PROBE,  /* an object, its first key not seen yet */
	DOC_LOG,    /* {"Records": [...]} */
	DOC_LOOKUP, /* {"Events": [...]} */
	DOC_EVENT,  /* an EventBridge event */
	DOC_ARRAY,  /* a bare array */
	DOC_RECORD, /* a record (NDJSON read by content) */
};

/* The key whose value holds the records. */
enum records_holder {
	HOLD_NONE,
	HOLD_RECORDS, /* a log's "Records" */
	HOLD_EVENTS,  /* lookup-events' "Events" */
	HOLD_DETAIL,  /* an EventBridge event's "detail" */
	HOLD_CTE,     /* a lookup-events event's "CloudTrailEvent" */
};

static const char *const holder_names[] = {
    [HOLD_NONE] = "",
    [HOLD_RECORDS] = "Records",
    [HOLD_EVENTS] = "Events",
    [HOLD_DETAIL] = "detail",
    [HOLD_CTE] = "CloudTrailEvent",
};

/* A bare array's elements. */
enum records_elements {
	ELEMENTS_UNKNOWN, /* no object seen yet */
	ELEMENTS_RECORDS,
	ELEMENTS_EVENTS,
};

const char *const records_type_words[] = {
    [MATCH_STRING] = "a string",
    [MATCH_NUMBER] = "a number",
    [MATCH_TRUE] = "true",
    [MATCH_FALSE] = "false",
    [MATCH_NULL] = "null",
};

/* The keys an EventBridge event begins with, in EventBridge's order or any. */
static const char *const envelope_keys[] = {
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
};

/* The fields of a CloudTrail record (its first is "eventVersion", or another
 * once a tool has sorted or trimmed the keys). */
static const char *const record_keys[] = {
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "requestID",
    "eventID",
    "eventType",
    "apiVersion",
    "managementEvent",
    "readOnly",
    "recipientAccountId",
    "serviceEventDetails",
    "sharedEventID",
    "vpcEndpointId",
    "vpcEndpointAccountId",
    "eventCategory",
    "addendum",
    "sessionCredentialFromConsole",
    "edgeDeviceDetails",
    "tlsDetails",
    "insightDetails",
};

static int
is_key(const unsigned char *k, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(k, want, n) == 0;
}

static int
key_in(const unsigned char *k, size_t n, const char *const *set, size_t nset)
{
	for (size_t i = 0; i < nset; i++)
		if (is_key(k, n, set[i]))
			return 1;
	return 0;
}

#define KEY_IN(k, n, set) key_in(k, n, set, sizeof(set) / sizeof(set[0]))

static void
hold(struct records *r, enum records_holder h, unsigned depth)
{
	r->holder = h;
	r->holder_depth = depth;
	r->want_records = 0;
}

/* The document at offset at is not the shape the format expects: it is `found`. */
static int
not_the_document(struct records *r, const char *found, uint64_t at)
{
	switch (r->o.format) {
	case RECORDS_EVENTBRIDGE:
		return records_stop(r, CT_ERR_SHAPE, 1,
		    "not an EventBridge event: the document is %s, not {..., \"detail\": {...}}",
		    found);
	case RECORDS_LOOKUP:
		return records_stop(r, CT_ERR_SHAPE, 1,
		    "not lookup-events output: the document is %s, not {\"Events\": [...]}", found);
	case RECORDS_ARRAY:
		return records_stop(r, CT_ERR_SHAPE, 1,
		    "not an array of records: the document is %s, not [...]", found);
	case RECORDS_AUTO:
		return records_stop(r, CT_ERR_SHAPE, 1,
		    "not a CloudTrail log: the document at byte %llu is %s, not an object or an "
		    "array",
		    (unsigned long long)at, found);
	default:
		return records_stop(r, CT_ERR_SHAPE, 1,
		    "not a CloudTrail log: the document is %s, not {\"Records\": [...]}", found);
	}
}

/* An EventBridge event opens at r->depth, at offset at. */
static void
event_begin(struct records *r, uint64_t at)
{
	r->event_depth = r->depth;
	r->event_at = at;
	r->event_no = r->events++;
	r->seen_inner = 0;
	hold(r, HOLD_DETAIL, r->depth);
}

/* An EventBridge event's "detail" opens: it is the record, and there is one. */
static int
detail_open(struct records *r, int is_map)
{
	if (!is_map)
		return records_stop(r, CT_ERR_SHAPE, 1,
		    "\"detail\" is not an object (found an array) at byte %llu",
		    (unsigned long long)(here(r) - 1));
	if (r->seen_inner)
		return records_stop(r, CT_ERR_SHAPE, 1, "\"detail\" given twice, at byte %llu",
		    (unsigned long long)(here(r) - 1));
	r->seen_inner = 1;
	r->seen_records = 1;
	return records_begin_record(r);
}

/* The holder's value opens a container. */
static int
holder_open(struct records *r, int is_map)
{
	uint64_t at = here(r) - 1;

	switch (r->holder) {
	case HOLD_DETAIL:
		return detail_open(r, is_map);
	case HOLD_CTE:
		records_bad_record(r, r->event_at, CT_ERR_SHAPE,
		    "event %llu at byte %llu: its \"CloudTrailEvent\" is not a string (found %s)",
		    (unsigned long long)r->event_no, (unsigned long long)r->event_at,
		    is_map ? "an object" : "an array");
		r->seen_inner = 1;
		records_skip_container(r);
		return 1;
	default:
		break;
	}
	if (is_map)
		return records_stop(r, CT_ERR_SHAPE, 1,
		    "\"%s\" is not an array (found an object) at byte %llu",
		    holder_names[r->holder], (unsigned long long)at);
	r->seen_records = 1;
	if (r->holder == HOLD_EVENTS) {
		r->in_events = 1;
		r->events = 0;
		hold(r, HOLD_CTE, 3);
		return 1;
	}
	r->in_list = 1;
	return 1;
}

/* The holder's value is a scalar at offset at. */
static int
holder_scalar(struct records *r, enum match_type t, const char *s, size_t n, uint64_t at)
{
	if (r->holder == HOLD_CTE) {
		r->seen_inner = 1;
		if (t == MATCH_STRING)
			return records_lookup_record(r, s, n);
		records_bad_record(r, r->event_at, CT_ERR_SHAPE,
		    "event %llu at byte %llu: its \"CloudTrailEvent\" is not a string (found %s)",
		    (unsigned long long)r->event_no, (unsigned long long)r->event_at,
		    records_type_words[t]);
		return 1;
	}
	return records_stop(r, CT_ERR_SHAPE, 1, "\"%s\" is not an %s (found %s) at byte %llu",
	    holder_names[r->holder], r->holder == HOLD_DETAIL ? "object" : "array",
	    records_type_words[t], (unsigned long long)at);
}

/* An object whose first key will say what it is opens. */
static void
probe_begin(struct records *r)
{
	records_mark_text(r);
	r->probing = 1;
	r->probe_at = here(r) - 1;
}

/* The probed object is a record; k is its first key. */
static int
probe_record(struct records *r, const unsigned char *k, size_t n)
{
	records_open_record(r, r->probe_at);
	if (!r->skipping) {
		r->next = match_child(r->stack[r->depth].node, (const char *)k, n);
		r->next_wants = r->next && match_wants_value(r->next);
	}
	return 1;
}

/* The first key of a top-level object, k, says what the document is. */
static int
probe_document(struct records *r, const unsigned char *k, size_t n)
{
	char shown[48];
	size_t i;

	if (is_key(k, n, "Records")) {
		r->doc = DOC_LOG;
		r->list_depth = 2;
		hold(r, HOLD_RECORDS, 1);
		r->want_records = 1;
	} else if (is_key(k, n, "Events") || is_key(k, n, "NextToken")) {
		r->doc = DOC_LOOKUP;
		hold(r, HOLD_EVENTS, 1);
		r->want_records = is_key(k, n, "Events");
	} else if (KEY_IN(k, n, envelope_keys)) {
		r->doc = DOC_EVENT;
		event_begin(r, r->probe_at);
		r->want_records = is_key(k, n, "detail");
	} else if (KEY_IN(k, n, record_keys)) {
		r->doc = DOC_RECORD;
		return probe_record(r, k, n);
	} else {
		/* the key as the message shows it: printable ASCII, cut short */
		for (i = 0; i < n && i < sizeof(shown) - 4; i++)
			shown[i] = k[i] >= 0x20 && k[i] < 0x7f && k[i] != '"' ? (char)k[i] : '?';
		if (i < n) {
			memcpy(shown + i, "...", 3);
			i += 3;
		}
		shown[i] = '\0';
		return records_stop(r, CT_ERR_SHAPE, 1,
		    "not a CloudTrail log: the object at byte %llu begins with \"%s\", not "
		    "\"Records\" (nor \"Events\", an EventBridge event's keys or a record's "
		    "fields)",
		    (unsigned long long)r->probe_at, shown);
	}
	return 1;
}

/* The first key of a bare array's first object says what its elements are. */
static int
probe_element(struct records *r, const unsigned char *k, size_t n)
{
	if (KEY_IN(k, n, envelope_keys)) {
		r->elements = ELEMENTS_EVENTS;
		event_begin(r, r->probe_at);
		r->want_records = is_key(k, n, "detail");
		return 1;
	}
	r->elements = ELEMENTS_RECORDS;
	r->in_list = 1;
	r->list_depth = 1;
	return probe_record(r, k, n);
}

/* A top-level value opens at depth 1: a new document. */
static int
document_open(struct records *r, int is_map)
{
	r->doc = DOC_NONE;
	r->elements = ELEMENTS_UNKNOWN;
	r->event_depth = 0;
	r->in_events = 0;
	r->events = 0;
	r->seen_records = 0;
	hold(r, HOLD_NONE, 0);
	switch (r->o.format) {
	case RECORDS_AUTO:
		r->doc = is_map ? DOC_PROBE : DOC_ARRAY;
		if (is_map)
			probe_begin(r);
		return 1;
	case RECORDS_ARRAY:
		r->doc = DOC_ARRAY;
		return is_map ? not_the_document(r, "an object", here(r) - 1) : 1;
	default:
		break;
	}
	if (!is_map)
		return not_the_document(r, "an array", here(r) - 1);
	if (r->o.format == RECORDS_EVENTBRIDGE) {
		r->doc = DOC_EVENT;
		event_begin(r, here(r) - 1);
	} else if (r->o.format == RECORDS_LOOKUP) {
		r->doc = DOC_LOOKUP;
		hold(r, HOLD_EVENTS, 1);
	} else {
		r->doc = DOC_LOG;
		hold(r, HOLD_RECORDS, 1);
	}
	return 1;
}

/* An element of a bare array opens (its elements are not known to be records). */
static int
element_open(struct records *r, int is_map)
{
	if (!is_map) {
		records_not_an_object(r, "an array", here(r) - 1);
		records_skip_container(r);
	} else if (r->elements == ELEMENTS_EVENTS)
		event_begin(r, here(r) - 1);
	else
		probe_begin(r);
	return 1;
}

/* An element of lookup-events' "Events" opens. */
static int
lookup_event_open(struct records *r, int is_map)
{
	if (is_map) {
		event_begin(r, here(r) - 1);
		r->event_depth = 0; /* not an EventBridge event: no "detail" */
		hold(r, HOLD_CTE, 3);
		return 1;
	}
	records_bad_record(r, here(r) - 1, CT_ERR_SHAPE,
	    "event %llu at byte %llu is not a JSON object (found an array)",
	    (unsigned long long)r->events++, (unsigned long long)(here(r) - 1));
	records_skip_container(r);
	return 1;
}

/* A container opens outside any record: the document, the holder, a record,
 * an event, or something to skip. The depth is already counted. */
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
	if (r->depth == 1)
		return document_open(r, is_map);
	if (r->want_records && r->depth == r->holder_depth + 1)
		return holder_open(r, is_map);
	if (r->doc == DOC_ARRAY && r->depth == 2)
		return element_open(r, is_map);
	if (r->in_events && r->depth == 3)
		return lookup_event_open(r, is_map);
	records_skip_container(r);
	return 1;
}

/* An event closed: without its record it is a bad one (read by --format
 * eventbridge, records_doc_finish says so for the whole document). */
static int
event_end(struct records *r)
{
	r->event_depth = 0;
	if (r->seen_inner || r->o.format == RECORDS_EVENTBRIDGE)
		return 1;
	records_bad_record(r, r->event_at, CT_ERR_SHAPE,
	    "event %llu at byte %llu has no \"detail\" object", (unsigned long long)r->event_no,
	    (unsigned long long)r->event_at);
	return 1;
}

static int
lookup_event_end(struct records *r)
{
	if (!r->seen_inner)
		records_bad_record(r, r->event_at, CT_ERR_SHAPE,
		    "event %llu at byte %llu has no \"CloudTrailEvent\"",
		    (unsigned long long)r->event_no, (unsigned long long)r->event_at);
	r->seen_inner = 1;
	return 1;
}

/* The probed object ended before any key: {}. */
static int
empty_object(struct records *r)
{
	r->probing = 0;
	if (r->depth == 0)
		return records_stop(r, CT_ERR_SHAPE, 1,
		    "not a CloudTrail log: the document at byte %llu is an empty object",
		    (unsigned long long)r->probe_at);
	records_bad_record(r, r->probe_at, CT_ERR_SHAPE,
	    "record %llu at byte %llu is an empty object", (unsigned long long)r->next_index,
	    (unsigned long long)r->probe_at);
	return 1;
}

int
records_outer_close(struct records *r)
{
	if (r->in_list && r->depth + 1 == r->list_depth) {
		r->in_list = 0;
		return 1;
	}
	if (r->probing)
		return empty_object(r);
	if (r->event_depth && r->depth + 1 == r->event_depth)
		return event_end(r);
	if (r->in_events && r->depth == 2)
		return lookup_event_end(r);
	if (r->in_events && r->depth == 1) {
		r->in_events = 0;
		hold(r, HOLD_EVENTS, 1);
	}
	if (r->depth == 0 && r->o.format == RECORDS_AUTO && r->doc == DOC_LOOKUP &&
	    !r->seen_records)
		return records_stop(r, CT_ERR_SHAPE, 1,
		    "not lookup-events output: no \"Events\" array in the document");
	return 1;
}

/* A scalar outside any record, at its offset. */
int
records_outer_scalar(struct records *r, enum match_type t, const char *s, size_t n, size_t len)
{
	uint64_t at = here(r) - len;

	if (r->in_list && r->depth == r->list_depth) {
		records_not_an_object(r, records_type_words[t], at);
		return 1;
	}
	if (r->depth == 0)
		return not_the_document(r, records_type_words[t], at);
	if (r->want_records && r->depth == r->holder_depth)
		return holder_scalar(r, t, s, n, at);
	if (r->doc == DOC_ARRAY && r->depth == 1)
		records_not_an_object(r, records_type_words[t], at);
	else if (r->in_events && r->depth == 2)
		records_bad_record(r, at, CT_ERR_SHAPE,
		    "event %llu at byte %llu is not a JSON object (found %s)",
		    (unsigned long long)r->events++, (unsigned long long)at, records_type_words[t]);
	return 1;
}

int
records_outer_key(struct records *r, const unsigned char *k, size_t n)
{
	if (r->probing) {
		r->probing = 0;
		return r->depth == 1 ? probe_document(r, k, n) : probe_element(r, k, n);
	}
	r->want_records = r->depth == r->holder_depth && is_key(k, n, holder_names[r->holder]);
	return 1;
}

void
records_doc_start(struct records *r)
{
	if (r->o.format == RECORDS_NDJSON || r->o.format == RECORDS_AUTO)
		yajl_config(r->h, yajl_allow_multiple_values, 1);
	r->in_list = r->o.format == RECORDS_NDJSON || r->o.format == RECORDS_ONE;
	r->list_depth = r->in_list ? 0 : 2;
	r->doc = DOC_NONE;
	r->probing = 0;
	r->event_depth = 0;
	r->in_events = 0;
	hold(r, HOLD_NONE, 0);
}

int
records_doc_finish(struct records *r)
{
	if (r->seen_records)
		return 0;
	switch (r->o.format) {
	case RECORDS_EVENTBRIDGE:
		records_stop(r, CT_ERR_SHAPE, 1, "not an EventBridge event: no \"detail\" object");
		return -1;
	case RECORDS_CLOUDTRAIL:
		records_stop(r, CT_ERR_SHAPE, 1,
		    "not a CloudTrail log: no \"Records\" array in the document");
		return -1;
	case RECORDS_LOOKUP:
		records_stop(r, CT_ERR_SHAPE, 1,
		    "not lookup-events output: no \"Events\" array in the document");
		return -1;
	default:
		return 0;
	}
}

const char *
records_format_name(enum records_format f)
{
	switch (f) {
	case RECORDS_NDJSON:
		return "ndjson";
	case RECORDS_EVENTBRIDGE:
		return "eventbridge";
	case RECORDS_LOOKUP:
		return "lookup-events";
	case RECORDS_ARRAY:
		return "array";
	case RECORDS_AUTO:
		return "auto";
	case RECORDS_ONE:
		return "record";
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
	else if (strcmp(name, "lookup-events") == 0)
		*f = RECORDS_LOOKUP;
	else if (strcmp(name, "array") == 0)
		*f = RECORDS_ARRAY;
	else if (strcmp(name, "auto") == 0)
		*f = RECORDS_AUTO;
	else
		return -1;
	return 0;
}
