/*
 * fuzz_pattern: libFuzzer target for the pattern compiler.
 *
 * The input is compiled as a pattern (alone, and beside a fixed envelope
 * rule, with and without the envelope mapping); when it compiles, the same
 * text is also fed as an event, which exercises the matcher on values of the
 * shapes the pattern talks about.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "match/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk(struct matcher *m, const struct match_node *n, yajl_val v, int depth)
{
	if (n == NULL || depth > 64)
		return;
	if (YAJL_IS_OBJECT(v)) {
		for (size_t i = 0; i < v->u.object.len; i++) {
			const char *k = v->u.object.keys[i];
			walk(m, match_child(n, k, strlen(k)), v->u.object.values[i], depth + 1);
		}
	} else if (YAJL_IS_ARRAY(v)) {
		for (size_t i = 0; i < v->u.array.len; i++) {
			yajl_val e = v->u.array.values[i];
			uint32_t element = YAJL_IS_OBJECT(e) && match_is_scope(n)
			                       ? matcher_element_begin(m, n)
			                       : 0;
			walk(m, n, e, depth + 1);
			if (element != 0)
				matcher_element_end(m, n, element);
		}
	} else if (match_wants_value(n)) {
		if (YAJL_IS_STRING(v))
			matcher_value(m, n, MATCH_STRING, v->u.string, strlen(v->u.string));
		else if (YAJL_IS_NUMBER(v))
			matcher_value(m, n, MATCH_NUMBER, v->u.number.r, strlen(v->u.number.r));
		else
			matcher_value(m, n,
			    YAJL_IS_TRUE(v)    ? MATCH_TRUE
			    : YAJL_IS_FALSE(v) ? MATCH_FALSE
			                       : MATCH_NULL,
			    "x", 1);
	}
}

static void
run(const char *text, enum match_envelope env)
{
	struct rule_def defs[2] = {
	    {"fixed",
	        "{\"source\": [\"aws.sns\"], \"detail\": {\"eventName\": [{\"prefix\": \"C\"}]}}",
	        NULL},
	    {"fuzz", text, "fuzz"},
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
		walk(m, match_root(rs), ev, 0);
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
	run(text, MATCH_ENVELOPE_CLOUDTRAIL);
	run(text, MATCH_ENVELOPE_NONE);
	free(text);
	return 0;
}
