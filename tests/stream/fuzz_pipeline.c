/*
 * libFuzzer target for the whole pipeline: bytes -> inflate -> records ->
 * matcher, with a fixed small ruleset and small limits so the guards fire.
 *
 * The first input byte chooses how the rest is read: bit 0 NDJSON instead of
 * Records, bit 1 zlib instead of ISA-L, bits 2-4 the size of the pieces fed,
 * bit 5 one EventBridge event (its "detail" the record) instead of either,
 * bits 6-7, when not 0, override them all: 1 by content (RECORDS_AUTO), 2
 * lookup-events output, 3 a bare array.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "match/match.h"
#include "stream/objscan.h"

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

static struct ruleset *rs;

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
	return 0;
}
