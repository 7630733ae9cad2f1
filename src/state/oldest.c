/*
 * state/oldest: a bounded max-heap of (until, key). See oldest.h.
 */
#include "state/oldest.h"

#include <stdlib.h>
#include <string.h>

static int
older(const struct oldest_key *a, const struct oldest_key *b)
{
	return a->until < b->until || (a->until == b->until && strcmp(a->key, b->key) < 0);
}

static void
sift_down(struct oldest *o, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, top = i;
		struct oldest_key t;

		if (l < o->n && older(&o->v[top], &o->v[l]))
			top = l;
		if (r < o->n && older(&o->v[top], &o->v[r]))
			top = r;
		if (top == i)
			return;
		t = o->v[i];
		o->v[i] = o->v[top];
		o->v[top] = t;
		i = top;
	}
}

int
oldest_init(struct oldest *o, size_t cap)
{
	o->n = 0;
	o->cap = cap;
	return (o->v = calloc(cap ? cap : 1, sizeof(*o->v))) == NULL ? -1 : 0;
}

void
oldest_free(struct oldest *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i].key);
	free(o->v);
	memset(o, 0, sizeof(*o));
}

int
oldest_offer(struct oldest *o, const char *key, int64_t until)
{
	struct oldest_key c = {(char *)key, until};
	size_t i;

	if (o->cap == 0 || (o->n == o->cap && !older(&c, &o->v[0])))
		return 0;
	if ((c.key = strdup(key)) == NULL)
		return -1;
	if (o->n == o->cap) { /* the newest kept gives way */
		free(o->v[0].key);
		o->v[0] = c;
		sift_down(o, 0);
		return 0;
	}
	for (i = o->n++; i > 0 && older(&o->v[(i - 1) / 2], &c); i = (i - 1) / 2)
		o->v[i] = o->v[(i - 1) / 2];
	o->v[i] = c;
	return 0;
}

static int
by_age(const void *a, const void *b)
{
	return older(a, b) ? -1 : older(b, a) ? 1 : 0;
}

void
oldest_sort(struct oldest *o)
{
	qsort(o->v, o->n, sizeof(*o->v), by_age);
}
