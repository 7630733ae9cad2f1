/*
 * aws/xml: pull values out of AWS's XML answers by element path (expat).
 *
 * The parser streams: feed it the body in pieces as they arrive. For every
 * element it reports a START event and, when the element closes, an END event
 * carrying the element's own text (not its children's). Paths are the element
 * names from the root joined by '/', without namespace prefixes, e.g.
 * "ErrorResponse/Error/Code".
 *
 * A pattern matches a path when the path ends with it at a '/' boundary
 * ("Error/Code" matches "ErrorResponse/Error/Code" and "Error/Code"); a
 * pattern starting with '/' must match the whole path.
 *
 * Documents with a DOCTYPE are refused (no entity expansion of any kind), and
 * element text is capped, so a hostile body cannot make us allocate much.
 */
#ifndef CT_AWS_XML_H
#define CT_AWS_XML_H

#include <stddef.h>

#include "aws/error.h"

enum ctaws_xml_event {
	CTAWS_XML_START, /* an element opened; text is "" */
	CTAWS_XML_END,   /* an element closed; text is its own character data */
};

#define CTAWS_XML_TEXT_MAX (1024 * 1024) /* longest element text accepted */

/* Called for each event; return 0 to go on, -1 to stop (the feed fails with
 * code "XmlAborted" unless the callback set err itself). */
typedef int (*ctaws_xml_cb)(
    void *arg, enum ctaws_xml_event ev, const char *path, const char *text, size_t len);

struct ctaws_xml;

struct ctaws_xml *ctaws_xml_new(ctaws_xml_cb cb, void *arg);
void ctaws_xml_free(struct ctaws_xml *x);
/* Feeds the next piece of the document; final is 1 with the last piece (which
 * may be empty). On malformed XML fails with code "XmlParseError" and a
 * message naming the line and column. */
int ctaws_xml_feed(
    struct ctaws_xml *x, const void *data, size_t len, int final, struct ctaws_error *err);

/* 1 when path matches pattern (see above). */
int ctaws_xml_path_match(const char *path, const char *pattern);

/* The common case: the first value of each of a few paths in a whole document. */
struct ctaws_xml_field {
	const char *path; /* pattern */
	char *out;        /* borrowed; receives the NUL-terminated text, truncated to outlen */
	size_t outlen;
	int found; /* set to 1 when the element was seen */
};

int ctaws_xml_extract(const void *doc, size_t len, struct ctaws_xml_field *fields, size_t nfields,
    struct ctaws_error *err);

#endif
