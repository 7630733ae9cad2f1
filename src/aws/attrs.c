/*
 * aws/attrs: name/value attribute lists of the SQS and SNS calls.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/attrs.h"

int
ctaws_attrs_add(struct ctaws_attrs *a, const char *name, const char *value)
{
	struct ctaws_attr *v;
	char *n, *val;

	if ((v = reallocarray(a->v, a->n + 1, sizeof(*v))) == NULL)
		return -1;
	a->v = v;
	n = strdup(name);
	val = strdup(value);
	if (n == NULL || val == NULL) {
		free(n);
		free(val);
		return -1;
	}
	v[a->n].name = n;
	v[a->n].value = val;
	a->n++;
	return 0;
}

const char *
ctaws_attrs_get(const struct ctaws_attrs *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, name) == 0)
			return a->v[i].value;
	return NULL;
}

void
ctaws_attrs_free(struct ctaws_attrs *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		free(a->v[i].name);
		free(a->v[i].value);
	}
	free(a->v);
	a->v = NULL;
	a->n = 0;
}
