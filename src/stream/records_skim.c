/*
 * records_skim: records passed over unparsed, when the prefilter says no
 * rule can match them.
 *
 * The parser (yajl) takes the document as it comes until it stands between
 * two records of the records' container: skim (skim.h) has cut the text
 * after each bracket that closes back to that container's depth, so the
 * parser is fed up to such a cut and then asked where it is. From there on
 * skim reads ahead on its own: a comma, then a record from its '{' to the
 * bracket that closes it. A record the prefilter says may match goes to the
 * parser with the comma before it; one it rules out is passed over, comma
 * and all, so the parser, which has seen the previous record end, still
 * stands after a value and takes the next comma in its stride. Anything
 * else between records (a value that is not an object, the end of the
 * container, text that is not JSON) goes back to the parser, which reports
 * it as it always has.
 *
 * A record that spans chunks is held until its end is found, up to the
 * record limit; a longer one goes to the parser, which reports it. So memory
 * stays bounded by the largest record, as without the prefilter.
 *
 * Skimming and the literal search cost about half of what parsing a record
 * costs; where rules match most records (or their literals are everywhere)
 * that is lost. So every SK_SAMPLE records decided, if fewer than one in
 * SK_WORTH were passed over, the rest of the object goes to the parser.
 */
#include "config.h"

#include "stream/records.h"
#include "stream/records_int.h"

#include <stdlib.h>

#include "stream/prefilter.h"
#include "stream/skim.h"
#include "util/buf.h"

#define SK_SAMPLE 512 /* records decided between two looks at the share passed over */
#define SK_WORTH  3   /* one in SK_WORTH must be passed over for skimming to pay */

enum skim_state {
	SK_OFF,    /* not worth it for this object: everything goes to the parser */
	SK_PARSE,  /* the parser reads everything; skim only finds the cuts */
	SK_AFTER,  /* after a record: a comma (or the container's end) comes */
	SK_COMMA,  /* after the comma: a record comes */
	SK_RECORD, /* inside a record, looking for its end */
};

struct skimmer {
	const struct prefilter *pf;   /* borrowed */
	struct prefilter_scratch *ps; /* owned */
	struct skim s;
	enum skim_state st;
	struct buf held; /* owned: bytes of earlier chunks neither parsed nor passed over */
	size_t rec_at; /* SK_RECORD: where the record's '{' is, counted from the first held byte */
	unsigned decided, passed; /* records since the last look at the share passed over */
};

int
records_skim_new(struct records *r)
{
	struct skimmer *k;

	if (r->o.prefilter == NULL)
		return 0;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return -1;
	k->pf = r->o.prefilter;
	buf_init(&k->held);
	if ((k->ps = prefilter_scratch_new(k->pf)) == NULL) {
		free(k);
		return -1;
	}
	r->sk = k;
	return 0;
}

void
records_skim_free(struct records *r)
{
	if (r->sk == NULL)
		return;
	prefilter_scratch_free(r->sk->ps);
	buf_free(&r->sk->held);
	free(r->sk);
	r->sk = NULL;
}

void
records_skim_reset(struct records *r)
{
	if (r->sk == NULL)
		return;
	r->sk->st = SK_PARSE;
	r->sk->s = (struct skim){0, 0, 0, 0};
	r->sk->decided = r->sk->passed = 0;
	buf_reset(&r->sk->held);
}

/* The parser stands between two records of the records' container. */
static int
between_records(const struct records *r)
{
	return r->in_list && r->list_depth > 0 && r->depth == r->list_depth && !r->in_record &&
	       !r->skipping && r->next_index > 0;
}

static int
parse_held(struct records *r)
{
	struct skimmer *k = r->sk;
	int rc = 0;

	if (k->held.len > 0)
		rc = records_parse(r, k->held.data, k->held.len);
	buf_reset(&k->held);
	return rc;
}

/* Back to the parser, from the first byte not yet given to it. The bytes
 * skim passed since the last record are blanks and a comma: no brackets. */
static int
to_parser(struct records *r)
{
	struct skimmer *k = r->sk;

	k->st = SK_PARSE;
	k->s = (struct skim){r->list_depth, 0, 0, 0};
	return parse_held(r);
}

/* A record ended at p[end]: the comma before it and the record, held bytes
 * first, then p[0..end), go to the parser or are passed over. */
static int
record_done(struct records *r, const char *p, size_t end)
{
	struct skimmer *k = r->sk;
	const char *all = p;
	size_t len = end;
	int parse;

	if (k->held.len > 0) {
		if (buf_append(&k->held, p, end) == -1)
			return records_stop(r, CT_ERR_NOMEM, 1, "out of memory"), -1;
		all = k->held.data;
		len = k->held.len;
	}
	parse = len - k->rec_at > r->o.max_record || k->s.odd ||
	        prefilter_may_match(k->pf, k->ps, all + k->rec_at, len - k->rec_at);
	k->st = SK_AFTER;
	k->passed += !parse;
	if (++k->decided == SK_SAMPLE) {
		if (k->passed * SK_WORTH < k->decided)
			k->st = SK_OFF; /* the parser stands after this record either way */
		k->decided = k->passed = 0;
	}
	if (parse) {
		int rc = records_parse(r, all, len);
		buf_reset(&k->held);
		return rc;
	}
	records_pass(r, len);
	buf_reset(&k->held);
	return 0;
}

/* The chunk ended at p[n] with bytes from p[0] neither parsed nor passed:
 * held, unless the record they begin is past the limit (the parser says so). */
static int
hold(struct records *r, const char *p, size_t n)
{
	struct skimmer *k = r->sk;

	if (k->st == SK_PARSE || k->st == SK_OFF)
		return n > 0 ? records_parse(r, p, n) : 0;
	if (k->held.len + n > r->o.max_record + 64) {
		k->st = SK_PARSE; /* skim's state goes on: it is inside the record */
		if (parse_held(r) < 0)
			return -1;
		return records_parse(r, p, n);
	}
	if (buf_append(&k->held, p, n) == -1)
		return records_stop(r, CT_ERR_NOMEM, 1, "out of memory"), -1;
	return 0;
}

static int
blank(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

int
records_skim_feed(struct records *r, const char *p, size_t n)
{
	struct skimmer *k = r->sk;
	size_t i = 0, from = 0; /* p[from..i) is skimmed, not yet parsed or passed */
	int found;

	while (i < n) {
		switch (k->st) {
		case SK_OFF:
			i = n;
			break;
		case SK_PARSE:
			i += skim_close(&k->s, p + i, n - i, r->list_depth, &found);
			if (!found)
				break;
			if (records_parse(r, p + from, i - from) < 0)
				return -1;
			from = i;
			if (between_records(r))
				k->st = SK_AFTER;
			break;
		case SK_AFTER:
		case SK_COMMA:
			if (blank(p[i])) {
				i++;
			} else if (k->st == SK_AFTER && p[i] == ',') {
				k->st = SK_COMMA;
				i++;
			} else if (k->st == SK_COMMA && p[i] == '{') {
				k->st = SK_RECORD;
				k->s = (struct skim){r->list_depth + 1, 0, 0, 0};
				k->rec_at = k->held.len + (i - from);
				i++;
			} else if (to_parser(r) < 0) {
				return -1;
			}
			break;
		case SK_RECORD:
			i += skim_close(&k->s, p + i, n - i, r->list_depth, &found);
			if (!found)
				break;
			if (record_done(r, p + from, i - from) < 0)
				return -1;
			from = i;
			break;
		}
	}
	return hold(r, p + from, n - from);
}

int
records_skim_finish(struct records *r)
{
	if (r->sk == NULL)
		return 0;
	r->sk->st = SK_OFF;
	return parse_held(r);
}
