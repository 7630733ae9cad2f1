/*
 * fuzz_pattern: libFuzzer target for the pattern compiler.
 *
 * The input is compiled as a pattern (alone, and beside a fixed envelope
 * rule, with and without the envelope mapping, and as a Sigma rule's
 * pattern, which may use sigma-glob and sigma-re); when it compiles, the same
 * text is also fed as an event, which exercises the matcher on values of the
 * shapes the pattern talks about.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "match/match.h"
#include "walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
run(const char *text, enum match_envelope env, int sigma)
{
	struct rule_def defs[2] = {
	    {.name = "fixed",
	        .pattern = "{\"source\": [\"aws.sns\"], \"detail\": {\"eventName\": [{\"prefix\": "
	                   "\"C\"}]}}"},
	    {.name = "fuzz", .pattern = text, .origin = "fuzz", .sigma = sigma},
	};
	struct ct_error err;
	struct ruleset *rs = ruleset_compile(defs, 2, env, &err);
	struct matcher *m;
	yajl_val ev;
	const size_t *hits;

	if (rs == NULL)
		return;
	m = matcher_new(rs);
	ev = yajl_tree_parse(text, NULL, 0);
	if (m != NULL && ev != NULL) {
		matcher_begin(m);
		walk_value(m, match_root(rs), ev);
		matcher_end(m, &hits);
	}
	yajl_tree_free(ev);
	matcher_free(m);
	ruleset_free(rs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct ct_error err;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	match_pattern_validate("fuzz", text, &err);
	run(text, MATCH_ENVELOPE_CLOUDTRAIL, 0);
	run(text, MATCH_ENVELOPE_NONE, 0);
	run(text, MATCH_ENVELOPE_NONE, 1); /* Sigma's value tests allowed */
	free(text);
	return 0;
}
