/*
 * objscan: inflate's sink is the record parser; errors from inflate get the
 * object's name put in front (the record parser names it already).
 */
#include "config.h"

#include "stream/objscan.h"

#include <stdlib.h>

struct objscan {
	const struct ruleset *rs; /* borrowed */
	struct matcher *m;        /* owned */
	struct inflater *z;       /* owned */
	struct records *r;        /* owned */
	const char *source;       /* borrowed */
	objscan_tap_fn tap;       /* NULL: none */
	void *tap_arg;            /* borrowed */
};

static int
to_records(void *arg, const char *p, size_t n, struct ct_error *err)
{
	struct objscan *s = arg;

	if (s->tap && s->tap(s->tap_arg, p, n, err) == -1)
		return -1;
	return records_feed(s->r, p, n, err);
}

void
objscan_set_tap(struct objscan *s, objscan_tap_fn fn, void *arg)
{
	s->tap = fn;
	s->tap_arg = arg;
}

void
objscan_opts_default(struct objscan_opts *o)
{
	o->format = RECORDS_CLOUDTRAIL;
	o->max_record = RECORDS_MAX_RECORD_DEFAULT;
	o->max_depth = RECORDS_MAX_DEPTH_DEFAULT;
	o->max_inflated = OBJSCAN_MAX_INFLATED_DEFAULT;
	o->max_ratio = OBJSCAN_MAX_RATIO_DEFAULT;
	o->backend = INFLATE_BACKEND_DEFAULT;
	o->prefilter = NULL;
}

struct objscan *
objscan_new(const struct ruleset *rs, const struct objscan_opts *o, const struct records_cb *cb,
    struct ct_error *err)
{
	struct inflate_opts io = {o->max_inflated, o->max_ratio, o->backend, 0};
	struct records_opts ro = {o->format, o->max_record, o->max_depth, o->prefilter};
	struct objscan *s;

	if ((s = calloc(1, sizeof(*s))) == NULL || (s->m = matcher_new(rs)) == NULL) {
		free(s);
		ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	s->rs = rs;
	if ((s->z = inflater_new(&io, to_records, s, err)) == NULL ||
	    (s->r = records_new(&ro, rs, s->m, cb, err)) == NULL) {
		objscan_free(s);
		return NULL;
	}
	s->source = "-";
	return s;
}

void
objscan_free(struct objscan *s)
{
	if (s == NULL)
		return;
	records_free(s->r);
	inflater_free(s->z);
	matcher_free(s->m);
	free(s);
}

int
objscan_reset(struct objscan *s, const char *source, struct ct_error *err)
{
	s->source = source ? source : "-";
	inflater_reset(s->z);
	return records_reset(s->r, s->source, err);
}

/* Errors of the record parser name the object already; inflate's do not. */
static int
failed(struct objscan *s, struct ct_error *err)
{
	if (!inflater_sink_failed(s->z))
		ct_error_prefix(err, "%s", s->source);
	return -1;
}

int
objscan_feed(struct objscan *s, const void *p, size_t n, struct ct_error *err)
{
	if (inflater_feed(s->z, p, n, err) == -1)
		return failed(s, err);
	return 0;
}

int
objscan_finish(struct objscan *s, struct ct_error *err)
{
	if (inflater_finish(s->z, err) == -1)
		return failed(s, err);
	return records_finish(s->r, err);
}

void
objscan_stats(const struct objscan *s, struct objscan_stats *st)
{
	const struct records_stats *rs = records_stats(s->r);

	st->compressed_bytes = inflater_bytes_in(s->z);
	st->json_bytes = rs->json_bytes;
	st->records = rs->records;
	st->matched = rs->matched;
	st->matches = rs->matches;
	st->record_errors = rs->record_errors;
	st->passed = rs->passed;
}

enum inflate_format
objscan_format(const struct objscan *s)
{
	return inflater_format(s->z);
}

enum inflate_backend
objscan_backend(const struct objscan *s)
{
	return inflater_backend(s->z);
}
