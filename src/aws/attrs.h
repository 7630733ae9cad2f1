/*
 * aws/attrs: the attributes of a queue or a topic, as GetQueueAttributes and
 * GetTopicAttributes return them: a list of name/value strings in the order
 * of the answer.
 */
#ifndef CT_AWS_ATTRS_H
#define CT_AWS_ATTRS_H

#include <stddef.h>

struct aws_attr {
	char *name;  /* owned */
	char *value; /* owned */
};

struct aws_attrs {
	struct aws_attr *v; /* owned array */
	size_t n;
};

/* Appends copies of name and value: 0, or -1 when memory ran out (a is
 * unchanged then). */
int aws_attrs_add(struct aws_attrs *a, const char *name, const char *value);
/* The value of attribute name, or NULL. Borrowed from a. */
const char *aws_attrs_get(const struct aws_attrs *a, const char *name);
/* Frees every attribute; a is empty afterwards. */
void aws_attrs_free(struct aws_attrs *a);

#endif
