/*
 * walk: a yajl tree through the matcher as the record stream walks a
 * record (see walk.h).
 */
#include "walk.h"

#include <string.h>

#define WALK_MAX_DEPTH 64

static void
scalar(struct matcher *m, const struct match_node *n, yajl_val v)
{
	if (YAJL_IS_STRING(v))
		matcher_value(m, n, MATCH_STRING, v->u.string, strlen(v->u.string));
	else if (YAJL_IS_NUMBER(v))
		matcher_value(m, n, MATCH_NUMBER, v->u.number.r, strlen(v->u.number.r));
	else if (YAJL_IS_TRUE(v))
		matcher_value(m, n, MATCH_TRUE, "true", 4);
	else if (YAJL_IS_FALSE(v))
		matcher_value(m, n, MATCH_FALSE, "false", 5);
	else
		matcher_value(m, n, MATCH_NULL, "null", 4);
}

static void
walk(struct matcher *m, const struct match_node *n, yajl_val v, int depth)
{
	if (n == NULL || depth > WALK_MAX_DEPTH)
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
		scalar(m, n, v);
	}
}

void
walk_value(struct matcher *m, const struct match_node *n, yajl_val v)
{
	walk(m, n, v, 0);
}
