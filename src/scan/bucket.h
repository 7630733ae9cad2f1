/*
 * bucket: the CloudTrail log objects under s3://BUCKET[/PREFIX], found with
 * ListObjectsV2 along the layout of trail.h.
 *
 * Above a region's folder the bucket is listed with the delimiter "/", one
 * level at a time, to find the custom prefix, AWSLogs/, organisations,
 * accounts and regions (only the wanted ones are walked into); a region's
 * folder is listed whole, from the StartAfter key of --since, and the
 * listing stops at the first object delivered past --until and its slack.
 * PREFIX is a folder: "s3://b/x" and "s3://b/x/" both mean the keys under
 * x/.
 */
#ifndef CT_SCAN_BUCKET_H
#define CT_SCAN_BUCKET_H

#include <stddef.h>
#include <stdint.h>

#include "aws/client.h"
#include "scan/output.h"
#include "scan/trail.h"

/* One object to fetch. */
struct bucket_object {
	char *bucket; /* owned */
	char *key;    /* owned */
	char *etag;   /* owned; as listed */
	uint64_t size;
};

struct bucket_list {
	struct bucket_object *v; /* owned */
	size_t n, cap;
	uint64_t bytes; /* their sizes, summed */
	int requests;   /* ListObjectsV2 pages read */
};

/* Splits "s3://BUCKET[/PREFIX]" into bucket and a folder prefix ("" or
 * ending in '/'), both owned by the caller. 0, or -1 when url is not one. */
int bucket_url_parse(const char *url, char **bucket, char **prefix);

/* Lists the log objects under url into l (appended); listing errors go to
 * out and are counted there. expected_owner may be NULL. 0, or -1 after
 * such an error. */
int bucket_list_objects(struct ctaws_conn *conn, const char *url, const struct trail_filter *f,
    const char *expected_owner, struct output *out, struct bucket_list *l);

void bucket_list_free(struct bucket_list *l);

#endif
