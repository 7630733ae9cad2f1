/*
 * libFuzzer target for SQS message bodies (src/daemon/notify.c): every
 * notification shape (S3 events, CloudTrail's own, EventBridge's S3 and
 * CloudTrail events, each bare or in an SNS envelope), the S3 key decoding
 * and the bucket name check.
 *
 * Input: "body", "key" or "bucket" on the first line (see select.h), then
 * the bytes. What a successful decode returns must keep notify.h's promises.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/notify.h"
#include "select.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const parsers[] = {"body", "key", "bucket"};

static int
valid_utf8(const char *s)
{
	size_t n = strlen(s);

	return utf8_valid_prefix((const unsigned char *)s, n) == n;
}

/* A decoded notification must be what notify.h says it is. */
static void
check_notification(const struct notification *n)
{
	for (size_t i = 0; i < n->n_objects; i++) {
		const struct notify_object *o = &n->objects[i];
		size_t klen = strlen(o->key);

		if (!notify_bucket_valid(o->bucket) || klen == 0 || klen > NOTIFY_MAX_KEY ||
		    !valid_utf8(o->key) || o->event == NULL || o->size < -1)
			abort();
	}
	if (n->n_objects > NOTIFY_MAX_OBJECTS)
		abort();
	/* An EventBridge CloudTrail event: its whole text, nothing to fetch. */
	if (n->kind == NOTIFY_EVENT &&
	    (n->event == NULL || strlen(n->event) != n->event_len || n->event_len == 0 ||
	        n->event_id == NULL || n->detail_type == NULL || n->n_objects != 0))
		abort();
	if (n->kind != NOTIFY_EVENT && (n->event != NULL || n->event_id != NULL))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p;
	size_t len, at;
	size_t which = fuzz_select(data, size, parsers, 3, &p, &len);
	char *text = fuzz_strndup(p, len);
	struct notification n;
	struct ct_error err;
	const char *why;
	char *key;

	switch (which) {
	case 0:
		memset(&n, 0, sizeof(n));
		if (notify_decode(text, len, &n, &err) == 0)
			check_notification(&n);
		else if (err.msg[0] == '\0')
			abort(); /* a refusal always says why */
		notification_free(&n);
		break;
	case 1:
		if ((key = notify_key_decode(text, len, &why, &at)) != NULL && !valid_utf8(key))
			abort();
		free(key);
		break;
	default:
		(void)notify_bucket_valid(text);
	}
	free(text);
	return 0;
}
