/*
 * objfetch: GetObject's body sink is the scanner (see objfetch.h).
 */
#include "config.h"

#include "stream/objfetch.h"

#include <string.h>

struct fetch_run {
	struct objscan *scan;            /* borrowed */
	const struct objfetch_params *p; /* borrowed */
	struct objfetch_result *r;       /* borrowed */
	int stopped;                     /* a hook said stop */
};

static int
on_head(void *arg, const struct s3_object_info *info)
{
	struct fetch_run *f = arg;

	if (f->p->on_head && f->p->on_head(f->p->arg, info) == -1) {
		f->stopped = 1;
		return -1;
	}
	return 0;
}

static int
on_body(void *arg, const void *data, size_t len)
{
	struct fetch_run *f = arg;

	if (f->p->on_bytes && f->p->on_bytes(f->p->arg, len) == -1) {
		f->stopped = 1;
		return -1;
	}
	if (objscan_feed(f->scan, data, len, &f->r->content) == -1) {
		f->r->status = OBJFETCH_REFUSED;
		f->r->in_body = 1;
		return -1;
	}
	return 0;
}

int
objfetch_run(struct ctaws_conn *conn, struct objscan *scan, const struct objfetch_params *p,
    struct objfetch_result *r)
{
	struct fetch_run f = {scan, p, r, 0};
	struct s3_get_params g = {0};

	memset(r, 0, sizeof(*r));
	ctaws_error_clear(&r->aws);
	r->status = OBJFETCH_S3_FAILED;
	g.bucket = p->bucket;
	g.key = p->key;
	g.expected_owner = p->expected_owner;
	g.on_head = on_head;
	g.sink = on_body;
	g.arg = &f;
	if (s3_get_object(conn, &g, &r->get, &r->aws) == -1) {
		if (f.stopped)
			r->status = OBJFETCH_STOPPED;
		return -1;
	}
	if (objscan_finish(scan, &r->content) == -1) {
		r->status = OBJFETCH_REFUSED;
		return -1;
	}
	r->status = OBJFETCH_DONE;
	return 0;
}
