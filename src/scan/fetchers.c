/*
 * fetchers: plain threads over an atomic index into the list (see
 * fetchers.h); the list is known before the first object is fetched.
 */
#include "config.h"

#include "scan/fetchers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stream/objfetch.h"

#define PROGRESS_TICK_NS (100 * 1000 * 1000)

struct shared {
	struct ctaws_client *client;   /* borrowed */
	const struct bucket_list *l;   /* borrowed */
	struct output *out;            /* borrowed */
	const struct fetchers_opts *o; /* borrowed */
	atomic_size_t next;            /* the next object to take */
	atomic_size_t done;            /* objects finished, failed or skipped */
	atomic_uint_fast64_t bytes, json_bytes, records, passed, in_flight_bytes;
	atomic_int running; /* threads not yet finished */
};

struct fetcher {
	struct shared *s;        /* borrowed */
	struct ctaws_conn *conn; /* owned */
	struct objscan *scan;    /* owned */
	struct output_sink sink;
	char source[1200]; /* s3://bucket/key */
};

static int
on_bytes(void *arg, size_t len)
{
	struct fetcher *f = arg;

	if (output_stopped(f->s->out))
		return -1;
	atomic_fetch_add(&f->s->in_flight_bytes, len);
	return 0;
}

static void
report(struct fetcher *f, const struct objfetch_result *r)
{
	char why[1024];

	if (r->status == OBJFETCH_REFUSED)
		output_error(f->s->out, "%s", r->content.msg);
	else if (r->status == OBJFETCH_S3_FAILED)
		output_error(
		    f->s->out, "%s: %s", f->source, ctaws_error_str(&r->aws, why, sizeof(why)));
}

/* An object scanned whole: its matches are written out (and, with
 * --publish, its alerts published) before the resume file names it, so an
 * interruption loses none of them. */
static void
finished(struct fetcher *f, const struct bucket_object *obj)
{
	struct ct_error err;

	/* After --max-count, some of its matches may not have been printed. */
	if (f->s->o->resume == NULL || output_stopped(f->s->out) || output_flush(f->s->out) == -1)
		return;
	if (resume_mark(f->s->o->resume, f->source, obj->etag, &err) == -1)
		output_error(f->s->out, "%s", err.msg);
}

static void
fetch_one(struct fetcher *f, const struct bucket_object *obj)
{
	struct objfetch_params p = {0};
	struct objfetch_result r;
	struct objscan_stats st;
	struct ct_error err;

	snprintf(f->source, sizeof(f->source), "s3://%s/%s", obj->bucket, obj->key);
	output_sink_object(&f->sink);
	if (objscan_reset(f->scan, f->source, &err) == -1) {
		output_error(f->s->out, "%s", err.msg);
		return;
	}
	p.bucket = obj->bucket;
	p.key = obj->key;
	p.expected_owner = f->s->o->expected_owner;
	p.on_bytes = on_bytes;
	p.arg = f;
	if (objfetch_run(f->conn, f->scan, &p, &r) == 0) {
		if (output_sink_publish(&f->sink, f->source) == 0)
			finished(f, obj);
	} else {
		report(f, &r);
		output_sink_publish(&f->sink, f->source); /* what matched before the failure */
	}
	objscan_stats(f->scan, &st);
	atomic_fetch_add(&f->s->bytes, (uint64_t)r.get.bytes);
	atomic_fetch_sub(&f->s->in_flight_bytes, (uint64_t)r.get.bytes);
	atomic_fetch_add(&f->s->json_bytes, st.json_bytes);
	atomic_fetch_add(&f->s->records, st.records);
	atomic_fetch_add(&f->s->passed, st.passed);
	output_sink_object_done(&f->sink, f->source);
}

static void *
thread_main(void *arg)
{
	struct fetcher *f = arg;
	struct shared *s = f->s;
	size_t i;

	while (!output_stopped(s->out) && (i = atomic_fetch_add(&s->next, 1)) < s->l->n) {
		fetch_one(f, &s->l->v[i]);
		atomic_fetch_add(&s->done, 1);
	}
	atomic_fetch_sub(&s->running, 1);
	return NULL;
}

static int
fetcher_init(struct fetcher *f, struct shared *s, struct ct_error *err)
{
	struct records_cb cb;

	memset(f, 0, sizeof(*f));
	f->s = s;
	if (output_sink_init(&f->sink, s->out) == -1)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	cb = output_sink_callbacks(&f->sink);
	if ((f->conn = ctaws_conn_new(s->client)) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	if ((f->scan = objscan_new(s->out->rs, s->o->so, &cb, err)) == NULL)
		return -1;
	return 0;
}

static void
fetcher_fini(struct fetcher *f)
{
	objscan_free(f->scan);
	ctaws_conn_free(f->conn);
	output_sink_fini(&f->sink);
}

static void
show(struct shared *s)
{
	struct progress_figures p = {"object", 0, 0, 0, 0, 0, 0, 0};

	p.done = atomic_load(&s->done);
	p.total = s->l->n;
	p.bytes = atomic_load(&s->bytes) + atomic_load(&s->in_flight_bytes);
	p.bytes_total = s->l->bytes;
	p.records = atomic_load(&s->records);
	output_progress(s->out, &p);
}

/* Waits for the threads, drawing the progress line. */
static void
wait_all(struct shared *s)
{
	struct timespec tick = {0, PROGRESS_TICK_NS};

	while (atomic_load(&s->running) > 0) {
		nanosleep(&tick, NULL);
		show(s);
	}
}

void
fetchers_run(struct ctaws_client *client, const struct bucket_list *l, struct output *out,
    const struct fetchers_opts *o, struct scan_totals *t)
{
	int jobs = o->jobs < 1 ? 1 : o->jobs;
	struct fetcher *f = calloc((size_t)jobs, sizeof(*f));
	pthread_t *tid = calloc((size_t)jobs, sizeof(*tid));
	struct shared s = {client, l, out, o, 0, 0, 0, 0, 0, 0, 0, 0};
	struct ct_error err;
	int started = 0;

	if (f == NULL || tid == NULL) {
		output_error(out, "out of memory starting %d fetchers", jobs);
		free(f);
		free(tid);
		return;
	}
	if ((size_t)jobs > l->n)
		jobs = l->n ? (int)l->n : 1;
	for (; started < jobs; started++) {
		if (fetcher_init(&f[started], &s, &err) == -1) {
			output_error(out, "%s", err.msg);
			fetcher_fini(&f[started]);
			break;
		}
		atomic_fetch_add(&s.running, 1);
		if (pthread_create(&tid[started], NULL, thread_main, &f[started]) != 0) {
			atomic_fetch_sub(&s.running, 1);
			output_error(out, "cannot start a fetcher thread");
			fetcher_fini(&f[started]);
			break;
		}
	}
	wait_all(&s);
	for (int i = 0; i < started; i++) {
		pthread_join(tid[i], NULL);
		fetcher_fini(&f[i]);
	}
	t->objects += atomic_load(&s.done);
	t->bytes += atomic_load(&s.bytes);
	t->json_bytes += atomic_load(&s.json_bytes);
	t->records += atomic_load(&s.records);
	t->passed += atomic_load(&s.passed);
	free(f);
	free(tid);
}
