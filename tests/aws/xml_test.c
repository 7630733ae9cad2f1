/*
 * The XML helper: paths, namespaces, streaming in pieces, and refusals.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/xml.h"
#include "util/buf.h"
#include "tests/lib/check_main.h"

static const char publish_batch[] =
    "<?xml version=\"1.0\"?>\n"
    "<PublishBatchResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\n"
    "  <PublishBatchResult>\n"
    "    <Successful><member><Id>1</Id><MessageId>m-1</MessageId></member></Successful>\n"
    "    <Failed>\n"
    "      <member><Id>2</Id><Code>InternalError</Code><SenderFault>false</SenderFault></member>\n"
    "      <member><Id>3</Id><Code>InvalidParameter</Code><Message>a &amp; b &lt;c&gt;</Message>"
    "<SenderFault>true</SenderFault></member>\n"
    "    </Failed>\n"
    "  </PublishBatchResult>\n"
    "  <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>\n"
    "</PublishBatchResponse>\n";

/* Records events as "S path" / "E path=text" lines. */
static int
record(void *arg, enum ctaws_xml_event ev, const char *path, const char *text, size_t len)
{
	struct buf *b = arg;

	if (ev == CTAWS_XML_START)
		return buf_printf(b, "S %s\n", path);
	if (strspn(text, " \n") == len) /* indentation only */
		return buf_printf(b, "E %s\n", path);
	return buf_printf(b, "E %s=%.*s\n", path, (int)len, text);
}

static void
parse_in_pieces(const char *doc, size_t piece, struct buf *out)
{
	struct ctaws_xml *x = ctaws_xml_new(record, out);
	struct ctaws_error err;
	size_t n = strlen(doc);

	for (size_t off = 0; off < n; off += piece) {
		size_t len = n - off < piece ? n - off : piece;

		ck_assert_msg(ctaws_xml_feed(x, doc + off, len, 0, &err) == 0, "%s", err.message);
	}
	ck_assert_msg(ctaws_xml_feed(x, "", 0, 1, &err) == 0, "%s", err.message);
	ctaws_xml_free(x);
}

START_TEST(events_do_not_depend_on_piece_size)
{
	struct buf whole = BUF_INIT, bytes = BUF_INIT, sevens = BUF_INIT;

	parse_in_pieces(publish_batch, sizeof(publish_batch), &whole);
	parse_in_pieces(publish_batch, 1, &bytes);
	parse_in_pieces(publish_batch, 7, &sevens);
	ck_assert_str_eq(whole.data, bytes.data);
	ck_assert_str_eq(whole.data, sevens.data);
	ck_assert_ptr_nonnull(
	    strstr(whole.data, "S PublishBatchResponse/PublishBatchResult/Failed/member\n"
	                       "S PublishBatchResponse/PublishBatchResult/Failed/member/Id\n"
	                       "E PublishBatchResponse/PublishBatchResult/Failed/member/Id=2\n"));
	/* Entities decoded, even when split across pieces. */
	ck_assert_ptr_nonnull(strstr(bytes.data,
	    "E PublishBatchResponse/PublishBatchResult/Failed/member/Message=a & b <c>\n"));
	buf_free(&whole);
	buf_free(&bytes);
	buf_free(&sevens);
}
END_TEST

START_TEST(extract_by_suffix_and_anchor)
{
	char id[16], msg[64], rid[32], none[8];
	struct ctaws_xml_field f[] = {
	    {"Failed/member/Code", id, sizeof(id), 0},
	    {"member/Message", msg, sizeof(msg), 0},
	    {"/PublishBatchResponse/ResponseMetadata/RequestId", rid, sizeof(rid), 0},
	    {"/RequestId", none, sizeof(none), 0},
	};
	struct ctaws_error err;

	ck_assert_int_eq(ctaws_xml_extract(publish_batch, strlen(publish_batch), f, 4, &err), 0);
	ck_assert_str_eq(id, "InternalError"); /* the first match */
	ck_assert_str_eq(msg, "a & b <c>");
	ck_assert_str_eq(rid, "req-1");
	ck_assert_int_eq(f[3].found, 0);
	ck_assert_str_eq(none, "");
}
END_TEST

START_TEST(path_matching)
{
	ck_assert(ctaws_xml_path_match("A/Error/Code", "Error/Code"));
	ck_assert(ctaws_xml_path_match("Error/Code", "Error/Code"));
	ck_assert(!ctaws_xml_path_match("A/XError/Code", "Error/Code"));
	ck_assert(!ctaws_xml_path_match("Code", "Error/Code"));
	ck_assert(ctaws_xml_path_match("Error/Code", "/Error/Code"));
	ck_assert(!ctaws_xml_path_match("A/Error/Code", "/Error/Code"));
}
END_TEST

START_TEST(namespace_prefixes_are_dropped_and_values_truncated)
{
	static const char doc[] =
	    "<a:Root xmlns:a=\"urn:x\"><a:Value>0123456789</a:Value></a:Root>";
	char v[5];
	struct ctaws_xml_field f[] = {{"Root/Value", v, sizeof(v), 0}};
	struct ctaws_error err;

	ck_assert_int_eq(ctaws_xml_extract(doc, strlen(doc), f, 1, &err), 0);
	ck_assert_str_eq(v, "0123");
}
END_TEST

static const struct {
	const char *doc;
	const char *code;
} refused[] = {
    {"<a><b></a>", "XmlParseError"},
    {"", "XmlParseError"},
    {"not xml", "XmlParseError"},
    {"<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>", "XmlParseError"},
    {"<?xml version=\"1.0\"?><!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a/>", "XmlParseError"},
    {"<a>&undefined;</a>", "XmlParseError"},
};

START_TEST(malformed_and_hostile_documents)
{
	char v[8];
	struct ctaws_xml_field f[] = {{"a", v, sizeof(v), 0}};
	struct ctaws_error err;

	ck_assert_int_eq(
	    ctaws_xml_extract(refused[_i].doc, strlen(refused[_i].doc), f, 1, &err), -1);
	ck_assert_str_eq(err.code, refused[_i].code);
	ck_assert_int_ne(err.message[0], '\0');
}
END_TEST

START_TEST(deep_nesting_and_long_text_are_refused)
{
	struct buf doc = BUF_INIT;
	struct ctaws_error err;
	char v[4];
	struct ctaws_xml_field f[] = {{"x", v, sizeof(v), 0}};

	for (int i = 0; i < 100; i++)
		buf_puts(&doc, "<x>");
	ck_assert_int_eq(ctaws_xml_extract(doc.data, doc.len, f, 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "nested"));
	buf_reset(&doc);
	buf_puts(&doc, "<x>");
	for (int i = 0; i < CTAWS_XML_TEXT_MAX / 64 + 1; i++)
		buf_puts(&doc, "0123456789012345678901234567890123456789012345678901234567890123");
	buf_puts(&doc, "</x>");
	ck_assert_int_eq(ctaws_xml_extract(doc.data, doc.len, f, 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "too long"));
	buf_free(&doc);
}
END_TEST

static int
stop_at_b(void *arg, enum ctaws_xml_event ev, const char *path, const char *text, size_t len)
{
	(void)arg, (void)text, (void)len;
	return ev == CTAWS_XML_START && strcmp(path, "a/b") == 0 ? -1 : 0;
}

START_TEST(callback_can_stop)
{
	struct ctaws_xml *x = ctaws_xml_new(stop_at_b, NULL);
	struct ctaws_error err;

	ck_assert_int_eq(ctaws_xml_feed(x, "<a><b/></a>", 11, 1, &err), -1);
	ck_assert_str_eq(err.code, "XmlAborted");
	ctaws_xml_free(x);
}
END_TEST

CT_CHECK_PROGRAM(.name = "xml",
    .loops = CT_LOOPS(
        {malformed_and_hostile_documents, (int)(sizeof(refused) / sizeof(refused[0]))}),
    .once = CT_TESTS(events_do_not_depend_on_piece_size, extract_by_suffix_and_anchor,
        path_matching, namespace_prefixes_are_dropped_and_values_truncated,
        deep_nesting_and_long_text_are_refused, callback_can_stop))
