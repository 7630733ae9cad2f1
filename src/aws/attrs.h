/*
 * aws/attrs: the attributes of a queue or a topic, as GetQueueAttributes and
 * GetTopicAttributes return them: a list of name/value strings in the order
 * of the answer.
 */
#ifndef CT_AWS_ATTRS_H
#define CT_AWS_ATTRS_H

#include <stddef.h>

struct ctaws_attr {
	char *name;  /* owned */
	char *value; /* owned */
};

struct ctaws_attrs {
	struct ctaws_attr *v; /* owned array */
	size_t n;
};

/* Appends copies of name and value: 0, or -1 when memory ran out (a is
 * unchanged then). */
int ctaws_attrs_add(struct ctaws_attrs *a, const char *name, const char *value);
/* The value of attribute name, or NULL. Borrowed from a. */
const char *ctaws_attrs_get(const struct ctaws_attrs *a, const char *name);
/* Frees every attribute; a is empty afterwards. */
void ctaws_attrs_free(struct ctaws_attrs *a);

#endif
