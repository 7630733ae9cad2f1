/*
 * aws/xml: a thin streaming layer over expat that tracks the element path.
 */
#include "aws/xml.h"

#include <expat.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

#define XML_DEPTH_MAX 64

struct ctaws_xml {
	XML_Parser p;
	ctaws_xml_cb cb;
	void *arg;
	struct buf path; /* "A/B/C" of the open elements */
	struct buf text; /* character data of the innermost open element */
	int depth;
	const char *why; /* set when a handler stopped the parser */
	const char *code;
};

static void
xml_stop(struct ctaws_xml *x, const char *code, const char *why)
{
	if (x->why == NULL) {
		x->code = code;
		x->why = why;
	}
	XML_StopParser(x->p, XML_FALSE);
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct ctaws_xml *x = ud;
	const char *local = strrchr(name, ':');

	(void)attrs;
	if (x->why)
		return;
	local = local ? local + 1 : name;
	if (++x->depth > XML_DEPTH_MAX) {
		xml_stop(x, "XmlParseError", "elements nested too deeply");
		return;
	}
	if ((x->path.len && buf_putc(&x->path, '/') == -1) || buf_puts(&x->path, local) == -1) {
		xml_stop(x, "OutOfMemory", "out of memory");
		return;
	}
	buf_reset(&x->text);
	if (x->cb(x->arg, CTAWS_XML_START, x->path.data, "", 0) == -1)
		xml_stop(x, "XmlAborted", "stopped by the caller");
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
	struct ctaws_xml *x = ud;
	char *slash;

	(void)name;
	if (x->why)
		return;
	if (x->cb(x->arg, CTAWS_XML_END, x->path.data, x->text.data ? x->text.data : "",
	        x->text.len) == -1) {
		xml_stop(x, "XmlAborted", "stopped by the caller");
		return;
	}
	buf_reset(&x->text);
	slash = strrchr(x->path.data, '/');
	x->path.len = slash ? (size_t)(slash - x->path.data) : 0;
	x->path.data[x->path.len] = '\0';
	x->depth--;
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
	struct ctaws_xml *x = ud;

	if (x->why || x->depth == 0)
		return;
	if (x->text.len + (size_t)len > CTAWS_XML_TEXT_MAX) {
		xml_stop(x, "XmlParseError", "element text too long");
		return;
	}
	if (buf_append(&x->text, s, (size_t)len) == -1)
		xml_stop(x, "OutOfMemory", "out of memory");
}

static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
    int has_internal_subset)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	xml_stop(ud, "XmlParseError", "DOCTYPE declarations are not accepted");
}

struct ctaws_xml *
ctaws_xml_new(ctaws_xml_cb cb, void *arg)
{
	struct ctaws_xml *x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	if ((x->p = XML_ParserCreate("UTF-8")) == NULL || buf_reserve(&x->path, 128) == -1) {
		ctaws_xml_free(x);
		return NULL;
	}
	x->path.data[0] = '\0';
	x->cb = cb;
	x->arg = arg;
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, on_start, on_end);
	XML_SetCharacterDataHandler(x->p, on_text);
	XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
	XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
	return x;
}

void
ctaws_xml_free(struct ctaws_xml *x)
{
	if (x == NULL)
		return;
	if (x->p)
		XML_ParserFree(x->p);
	buf_free(&x->path);
	buf_free(&x->text);
	free(x);
}

int
ctaws_xml_feed(
    struct ctaws_xml *x, const void *data, size_t len, int final, struct ctaws_error *err)
{
	while (len > 0 || final) {
		int n = len > (1 << 30) ? 1 << 30 : (int)len;
		int last = final && (size_t)n == len;

		if (XML_Parse(x->p, data, n, last) != XML_STATUS_OK) {
			if (x->why)
				return ctaws_error_set(
				    err, NULL, NULL, 0, x->code, 0, "XML: %s", x->why);
			return ctaws_error_set(err, NULL, NULL, 0, "XmlParseError", 0,
			    "XML: %s at line %lu, column %lu",
			    XML_ErrorString(XML_GetErrorCode(x->p)),
			    (unsigned long)XML_GetCurrentLineNumber(x->p),
			    (unsigned long)XML_GetCurrentColumnNumber(x->p) + 1);
		}
		data = (const char *)data + n;
		len -= (size_t)n;
		if (last)
			break;
	}
	return 0;
}

int
ctaws_xml_path_match(const char *path, const char *pattern)
{
	size_t plen = strlen(path), qlen;

	if (pattern[0] == '/')
		return strcmp(path, pattern + 1) == 0;
	qlen = strlen(pattern);
	if (qlen > plen || strcmp(path + plen - qlen, pattern) != 0)
		return 0;
	return qlen == plen || path[plen - qlen - 1] == '/';
}

struct extract {
	struct ctaws_xml_field *f;
	size_t n;
};

static int
extract_cb(void *arg, enum ctaws_xml_event ev, const char *path, const char *text, size_t len)
{
	struct extract *ex = arg;

	if (ev != CTAWS_XML_END)
		return 0;
	for (size_t i = 0; i < ex->n; i++) {
		struct ctaws_xml_field *f = &ex->f[i];

		if (f->found || !ctaws_xml_path_match(path, f->path))
			continue;
		f->found = 1;
		if (f->outlen == 0)
			continue;
		if (len >= f->outlen)
			len = f->outlen - 1;
		memcpy(f->out, text, len);
		f->out[len] = '\0';
	}
	return 0;
}

int
ctaws_xml_extract(const void *doc, size_t len, struct ctaws_xml_field *fields, size_t nfields,
    struct ctaws_error *err)
{
	struct extract ex = {fields, nfields};
	struct ctaws_xml *x;
	int rc;

	for (size_t i = 0; i < nfields; i++) {
		fields[i].found = 0;
		if (fields[i].outlen)
			fields[i].out[0] = '\0';
	}
	if ((x = ctaws_xml_new(extract_cb, &ex)) == NULL)
		return ctaws_error_set(err, NULL, NULL, 0, "OutOfMemory", 0, "out of memory");
	rc = ctaws_xml_feed(x, doc, len, 1, err);
	ctaws_xml_free(x);
	return rc;
}
