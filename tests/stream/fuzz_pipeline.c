/*
 * libFuzzer target for the whole pipeline: bytes -> inflate -> records ->
 * matcher, with a fixed small ruleset and small limits so the guards fire.
 *
 * The first input byte chooses how the rest is read: bit 0 NDJSON instead of
 * Records, bit 1 zlib instead of ISA-L, bits 2-4 the size of the pieces fed,
 * bit 5 one EventBridge event (its "detail" the record) instead of either,
 * bits 6-7, when not 0, override them all: 1 by content (RECORDS_AUTO), 2
 * lookup-events output, 3 a bare array.
 *
 * A log or a bare array that parses without an error, read as it was asked
 * to be, is also run with rules a prefilter can serve, with and without it:
 * what matched and every record error must be the same (the prefilter
 * passes over records it rules out, and checks of a record's JSON are only
 * made where it is parsed).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "match/match.h"
#include "stream/objscan.h"
#include "stream/prefilter.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rule_def rules[] = {
    {"sns", "{\"eventSource\":[\"sns.amazonaws.com\"],\"eventName\":[\"CreateTopic\"]}", NULL},
    {"root", "{\"userIdentity\":{\"type\":[\"Root\"]}}", NULL},
    {"kms",
        "{\"resources\":{\"type\":[{\"prefix\":\"AWS::KMS\"}]},\"n\":[{\"numeric\":[\">\",1]}]}",
        NULL},
    {"envelope",
        "{\"source\":[\"aws.s3\"],\"detail\":{\"requestParameters\":{\"key\":[{\"exists\":true}]}}"
        "}",
        NULL},
};

/* Rules whose literals a prefilter looks for: exact, prefix, suffix,
 * case-insensitive, wildcard, in an array, with a condition. */
static const struct rule_def literal_rules[] = {
    {"sns", "{\"eventSource\":[\"sns.amazonaws.com\"],\"eventName\":[\"CreateTopic\"]}", NULL},
    {"root", "{\"userIdentity\":{\"type\":[\"Root\"]}}", NULL},
    {"denied", "{\"errorCode\":[{\"prefix\":\"AccessDen\"},{\"suffix\":\"Operation\"}]}", NULL},
    {"eic", "{\"eventName\":[{\"equals-ignore-case\":\"deletetrail\"}]}", NULL},
    {"wild", "{\"resources\":{\"ARN\":[{\"wildcard\":\"arn:aws:kms:*:key/*\"}]}}", NULL},
};

static struct ruleset *rs, *lrs;
static struct prefilter *pf;

/* A run's matches and record errors, as text. */
static int
log_match(void *arg, const struct record_ref *rec, const size_t *r, size_t n, struct ct_error *err)
{
	buf_printf(arg, "match %llu@%llu+%zu", (unsigned long long)rec->index,
	    (unsigned long long)rec->offset, rec->len);
	for (size_t i = 0; i < n; i++)
		buf_printf(arg, " %zu", r[i]);
	buf_putc(arg, '\n');
	return 0;
}

static void
log_error(void *arg, const struct record_ref *rec, const struct ct_error *err)
{
	buf_printf(arg, "error %llu: %s\n", (unsigned long long)rec->index, err->msg);
}

/* Scans data with the literal rules and prefilter p (may be NULL) into log;
 * 0, or -1 when the object failed. */
static int
literal_scan(const struct prefilter *p, const uint8_t *data, size_t size, size_t step,
    struct objscan_opts o, struct buf *log)
{
	struct records_cb cb = {log_match, log_error, log};
	struct ct_error err;
	struct objscan *s;
	int r = 0;

	o.prefilter = p;
	if ((s = objscan_new(lrs, &o, &cb, &err)) == NULL || objscan_reset(s, "fuzz", &err) == -1)
		abort();
	for (size_t i = 0; i < size && r == 0; i += step)
		r = objscan_feed(s, data + i, size - i < step ? size - i : step, &err);
	if (r == 0)
		r = objscan_finish(s, &err);
	objscan_free(s);
	return r;
}

/* Without the prefilter and with it, the same, when the log parses. */
static void
same_with_prefilter(const uint8_t *data, size_t size, size_t step, const struct objscan_opts *o)
{
	struct buf plain = BUF_INIT, skimmed = BUF_INIT;

	if (literal_scan(NULL, data, size, step, *o, &plain) == 0) {
		if (literal_scan(pf, data, size, step, *o, &skimmed) != 0)
			abort();
		buf_putc(&plain, '\0');
		buf_putc(&skimmed, '\0');
		if (strcmp(plain.data, skimmed.data) != 0) {
			fprintf(stderr, "PREFILTER CHANGED THE RESULT\nwithout:\n%s\nwith:\n%s\n",
			    plain.data, skimmed.data);
			abort();
		}
	}
	buf_free(&plain);
	buf_free(&skimmed);
}

/* What the callbacks see must be sane: text inside its bounds, rules known. */
static int
on_match(void *arg, const struct record_ref *rec, const size_t *r, size_t n, struct ct_error *err)
{
	volatile char sink = 0;

	if (rec->len == 0 || rec->text[0] != '{' || rec->text[rec->len - 1] != '}')
		abort();
	for (size_t i = 0; i < rec->len; i++)
		sink ^= rec->text[i];
	for (size_t i = 0; i < n; i++)
		if (r[i] >= ruleset_size(rs) || (i && r[i] <= r[i - 1]))
			abort();
	(void)sink;
	return 0;
}

static void
on_error(void *arg, const struct record_ref *rec, const struct ct_error *err)
{
	if (err->msg[0] == '\0' || rec->text != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t steps[] = {1, 3, 7, 64, 500, 4096, 65536, 1 << 20};
	struct records_cb cb = {on_match, on_error, NULL};
	struct objscan_opts o;
	struct ct_error err;
	struct objscan *s;
	size_t step;
	int r = 0;

	if (rs == NULL && (rs = ruleset_compile(rules, 4, MATCH_ENVELOPE_CLOUDTRAIL, &err)) == NULL)
		abort();
	if (lrs == NULL &&
	    ((lrs = ruleset_compile(literal_rules, 5, MATCH_ENVELOPE_CLOUDTRAIL, &err)) == NULL ||
	        (pf = prefilter_new(lrs, &err)) == NULL))
		abort();
	if (size == 0)
		return 0;
	objscan_opts_default(&o);
	o.format = data[0] & 0x20 ? RECORDS_EVENTBRIDGE
	           : data[0] & 1  ? RECORDS_NDJSON
	                          : RECORDS_CLOUDTRAIL;
	if (data[0] >> 6)
		o.format = (enum records_format[]){
		    RECORDS_CLOUDTRAIL, RECORDS_AUTO, RECORDS_LOOKUP, RECORDS_ARRAY}[data[0] >> 6];
	o.backend = data[0] & 2 ? INFLATE_BACKEND_ZLIB : INFLATE_BACKEND_DEFAULT;
	o.max_record = 4096;
	o.max_depth = 16;
	o.max_inflated = 1 << 20;
	o.max_ratio = 50;
	step = steps[(data[0] >> 2) & 7];
	data++;
	size--;
	if ((s = objscan_new(rs, &o, &cb, &err)) == NULL)
		abort();
	if (objscan_reset(s, "fuzz", &err) == -1)
		abort();
	for (size_t i = 0; i < size && r == 0; i += step)
		r = objscan_feed(s, data + i, size - i < step ? size - i : step, &err);
	if (r == 0)
		r = objscan_finish(s, &err);
	if (r == -1 && (err.code == CT_OK || strncmp(err.msg, "fuzz", 4) != 0))
		fprintf(stderr, "BAD ERROR %d: %s\n", err.code, err.msg),
		    abort(); /* every error names the object */
	objscan_free(s);
	if (o.format == RECORDS_CLOUDTRAIL || o.format == RECORDS_AUTO || o.format == RECORDS_ARRAY)
		same_with_prefilter(data, size, step, &o);
	return 0;
}
