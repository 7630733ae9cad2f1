/*
 * bucket: a walk down the layout, one ListObjectsV2 listing per folder (see
 * bucket.h).
 */
#include "config.h"

#include "scan/bucket.h"

#include <stdlib.h>
#include <string.h>

#include "aws/s3.h"
#include "util/buf.h"

struct walk {
	struct ctaws_conn *conn;      /* borrowed */
	const char *bucket;           /* borrowed */
	const struct trail_filter *f; /* borrowed */
	const char *expected_owner;   /* borrowed */
	struct output *out;           /* borrowed */
	struct bucket_list *l;        /* borrowed */
	char **folders;               /* owned; the child folders of one listing */
	size_t nfolders;
	int failed;
};

int
bucket_url_parse(const char *url, char **bucket, char **prefix)
{
	const char *b, *slash;
	size_t n;

	if (strncmp(url, "s3://", 5) != 0 || url[5] == '\0' || url[5] == '/')
		return -1;
	b = url + 5;
	slash = strchr(b, '/');
	n = slash ? (size_t)(slash - b) : strlen(b);
	if ((*bucket = strndup(b, n)) == NULL)
		return -1;
	slash = slash ? slash + 1 : "";
	n = strlen(slash);
	if ((*prefix = malloc(n + 2)) == NULL) {
		free(*bucket);
		return -1;
	}
	memcpy(*prefix, slash, n);
	if (n > 0 && slash[n - 1] != '/')
		(*prefix)[n++] = '/';
	(*prefix)[n] = '\0';
	return 0;
}

static int
add_object(struct walk *w, const struct s3_list_object *o)
{
	struct bucket_list *l = w->l;
	struct bucket_object *v;

	if (l->n == l->cap) {
		if ((v = realloc(l->v, (l->cap ? l->cap * 2 : 256) * sizeof(*v))) == NULL)
			return -1;
		l->v = v;
		l->cap = l->cap ? l->cap * 2 : 256;
	}
	v = &l->v[l->n];
	v->bucket = strdup(w->bucket);
	v->key = strdup(o->key);
	v->etag = strdup(o->etag ? o->etag : "");
	v->size = o->size > 0 ? (uint64_t)o->size : 0;
	if (v->bucket == NULL || v->key == NULL || v->etag == NULL) {
		free(v->bucket);
		free(v->key);
		free(v->etag);
		return -1;
	}
	l->n++;
	l->bytes += v->size;
	return 0;
}

static void
show(struct walk *w)
{
	struct progress_figures f = {"object", 0, 0, 0, 0, 0, 0, 0};

	f.total = w->l->n;
	f.bytes_total = w->l->bytes;
	output_progress(w->out, &f);
}

static int
on_region_object(void *arg, const struct s3_list_object *o)
{
	struct walk *w = arg;

	switch (trail_key_verdict(o->key, w->f)) {
	case TRAIL_PAST:
		return 1; /* so is every key after it */
	case TRAIL_SKIP:
		return 0;
	default:
		if (add_object(w, o) == -1)
			return -1;
		show(w);
		return 0;
	}
}

static int
on_folder(void *arg, const char *prefix)
{
	struct walk *w = arg;
	char **v = realloc(w->folders, (w->nfolders + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	w->folders = v;
	if ((v[w->nfolders] = strdup(prefix)) == NULL)
		return -1;
	w->nfolders++;
	return 0;
}

static int
list(struct walk *w, const char *prefix, const char *delimiter, const char *start_after)
{
	struct s3_list_params p = {0};
	struct s3_list_result res;
	struct ctaws_error err;
	char why[1024];

	p.bucket = w->bucket;
	p.prefix = prefix;
	p.delimiter = delimiter;
	p.start_after = start_after;
	p.expected_owner = w->expected_owner;
	p.on_object = delimiter ? NULL : on_region_object;
	p.on_prefix = delimiter ? on_folder : NULL;
	p.arg = w;
	ctaws_error_clear(&err);
	memset(&res, 0, sizeof(res));
	if (s3_list_objects(w->conn, &p, &res, &err) == -1) {
		output_error(w->out, "s3://%s/%s: listing failed: %s", w->bucket, prefix,
		    ctaws_error_str(&err, why, sizeof(why)));
		w->failed = 1;
	}
	w->l->requests += res.pages;
	return w->failed ? -1 : 0;
}

/* A region's folder (or one below it): every key from --since on. */
static void
walk_region(struct walk *w, const char *folder, const struct trail_place *place)
{
	char start[1200], region_folder[1100];
	const char *after = NULL;

	if (w->f->since != TRAIL_NO_TIME && place->region_len < sizeof(region_folder)) {
		memcpy(region_folder, folder, place->region_len);
		region_folder[place->region_len] = '\0';
		if (trail_start_after(region_folder, place->account, place->region, w->f->since,
		        start, sizeof(start)) == 0 &&
		    strcmp(start, folder) > 0)
			after = start;
	}
	list(w, folder, NULL, after);
}

static void walk(struct walk *w, const char *folder);

/* A folder above the regions: its child folders, those wanted walked. */
static void
walk_folders(struct walk *w, const char *folder, const struct trail_place *place)
{
	char **v;
	size_t n;

	w->folders = NULL;
	w->nfolders = 0;
	list(w, folder, "/", NULL);
	v = w->folders;
	n = w->nfolders;
	w->folders = NULL;
	for (size_t i = 0; i < n; i++) {
		if (trail_walk_into(place, v[i], w->f))
			walk(w, v[i]);
		free(v[i]);
	}
	free(v);
}

static void
walk(struct walk *w, const char *folder)
{
	struct trail_place place;
	struct buf next = BUF_INIT;

	trail_place_of(folder, &place);
	switch (place.level) {
	case TRAIL_REGION:
	case TRAIL_OTHER: /* asked for by name: every log object in it */
		walk_region(w, folder, &place);
		break;
	case TRAIL_ACCOUNT: /* only CloudTrail/: not its Digest or Insight siblings */
		if (buf_printf(&next, "%sCloudTrail/", folder) == 0)
			walk(w, next.data);
		buf_free(&next);
		break;
	default:
		walk_folders(w, folder, &place);
	}
}

int
bucket_list_objects(struct ctaws_conn *conn, const char *url, const struct trail_filter *f,
    const char *expected_owner, struct output *out, struct bucket_list *l)
{
	struct walk w = {conn, NULL, f, expected_owner, out, l, NULL, 0, 0};
	char *bucket, *prefix;

	if (bucket_url_parse(url, &bucket, &prefix) == -1) {
		output_error(out, "%s: not s3://BUCKET[/PREFIX]", url);
		return -1;
	}
	w.bucket = bucket;
	walk(&w, prefix);
	free(bucket);
	free(prefix);
	return w.failed ? -1 : 0;
}

void
bucket_list_free(struct bucket_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].bucket);
		free(l->v[i].key);
		free(l->v[i].etag);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}
