/*
 * svc_driver: runs one SQS, S3 or SNS call of ctalertd's AWS layer and prints
 * the outcome as one JSON line, for the integration tests on the local AWS
 * (svc_integration.mjs). Configuration comes from the environment the local
 * AWS hands out (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, ...).
 *
 *   svc_driver COMMAND key=value...   (values %XX-encoded)
 *
 *   sqs-receive   queue= max= wait= visibility=
 *   sqs-delete    queue=             entries on stdin: id= receipt=
 *   sqs-visibility queue=            entries on stdin: id= receipt= visibility=
 *   sqs-attrs     queue= [names=A,B]
 *   s3-get        bucket= key= out=FILE [owner=] [resumes=]
 *   s3-head       bucket= [owner=]
 *   s3-head-object bucket= key= [owner=]
 *   s3-list       bucket= [prefix=] [delimiter=] [after=] [page=] [stop=N]
 *   sns-publish   topic= message= [subject=] [json=1] [group=] [dedup=] [attr=N:T:V]...
 *   sns-batch     topic=             entries on stdin, as sns-publish plus id=
 *   sns-attrs     topic=
 *
 * Exit status: 0 when the call succeeded (batches: whatever the entries
 * did), 1 when it failed ({"error": {...}} is printed), 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/s3.h"
#include "aws/sns.h"
#include "aws/sqs.h"
#include "svc_case.h"
#include "util/json.h"

#define ENTRIES_MAX 16

struct driver {
	struct ctaws_client *client;
	struct ctaws_conn *conn;
	struct svc_kvs args;               /* from the command line */
	struct svc_kvs lines[ENTRIES_MAX]; /* from stdin */
	size_t nlines;
	struct buf out; /* the JSON line */
};

static void
put_str(struct buf *b, const char *key, const char *value)
{
	buf_printf(b, "%s\"%s\":", b->data[b->len - 1] == '{' ? "" : ",", key);
	json_put_string(b, value ? value : "", value ? strlen(value) : 0);
}

static void
put_num(struct buf *b, const char *key, long long v)
{
	buf_printf(b, "%s\"%s\":%lld", b->data[b->len - 1] == '{' ? "" : ",", key, v);
}

static int
fail(struct driver *d, const struct ctaws_error *err)
{
	buf_reset(&d->out);
	buf_puts(&d->out, "{\"error\":{");
	put_str(&d->out, "service", err->service);
	put_str(&d->out, "operation", err->operation);
	put_num(&d->out, "status", err->http_status);
	put_str(&d->out, "code", err->code);
	put_str(&d->out, "message", err->message);
	put_str(&d->out, "request_id", err->request_id);
	put_num(&d->out, "retryable", err->retryable);
	buf_puts(&d->out, "}}");
	return 1;
}

static int
queue(struct driver *d, struct sqs_queue *q, struct ctaws_error *err)
{
	return sqs_queue_init(q, d->client, svc_kvs_get(&d->args, "queue"), err);
}

static int
cmd_sqs_receive(struct driver *d)
{
	struct sqs_receive_params p;
	struct sqs_messages m;
	struct sqs_queue q;
	struct ctaws_error err;
	size_t i;

	p.max_messages = (int)svc_kvs_int(&d->args, "max", 10);
	p.wait_time_s = (int)svc_kvs_int(&d->args, "wait", 1);
	p.visibility_timeout_s = (int)svc_kvs_int(&d->args, "visibility", -1);
	if (queue(d, &q, &err) == -1)
		return fail(d, &err);
	if (sqs_receive(d->conn, &q, &p, &m, &err) == -1) {
		sqs_queue_free(&q);
		return fail(d, &err);
	}
	buf_puts(&d->out, "{\"messages\":[");
	for (i = 0; i < m.n; i++) {
		buf_puts(&d->out, i ? ",{" : "{");
		put_str(&d->out, "id", m.v[i].message_id);
		put_str(&d->out, "receipt", m.v[i].receipt_handle);
		put_str(&d->out, "body", m.v[i].body);
		put_str(&d->out, "md5", m.v[i].md5_of_body);
		put_num(&d->out, "count", m.v[i].receive_count);
		put_num(&d->out, "sent", m.v[i].sent_timestamp_ms);
		put_num(&d->out, "first", m.v[i].first_receive_ms);
		buf_putc(&d->out, '}');
	}
	buf_puts(&d->out, "]}");
	sqs_messages_free(&m);
	sqs_queue_free(&q);
	return 0;
}

static const char *const status_names[] = {"ok", "failed", "unreported"};

static void
put_entry(struct buf *b, const char *id, int status, const char *code, int sender, int retry)
{
	buf_puts(b, b->data[b->len - 1] == '[' ? "{" : ",{");
	put_str(b, "id", id);
	put_str(b, "status", status_names[status]);
	put_str(b, "code", code);
	put_num(b, "sender", sender);
	put_num(b, "retryable", retry);
	buf_putc(b, '}');
}

static int
cmd_sqs_batch(struct driver *d, int visibility)
{
	struct sqs_batch_entry e[ENTRIES_MAX];
	struct sqs_batch_result res;
	struct sqs_queue q;
	struct ctaws_error err;
	size_t i;
	int rc;

	for (i = 0; i < d->nlines; i++) {
		e[i].id = svc_kvs_get(&d->lines[i], "id");
		e[i].receipt_handle = svc_kvs_get(&d->lines[i], "receipt");
		e[i].visibility_timeout_s = (int)svc_kvs_int(&d->lines[i], "visibility", 0);
	}
	if (queue(d, &q, &err) == -1)
		return fail(d, &err);
	rc = visibility ? sqs_change_visibility_batch(d->conn, &q, e, d->nlines, &res, &err)
	                : sqs_delete_batch(d->conn, &q, e, d->nlines, &res, &err);
	sqs_queue_free(&q);
	if (rc == -1)
		return fail(d, &err);
	buf_printf(&d->out, "{\"failed\":%zu,\"entries\":[", res.nfailed);
	for (i = 0; i < res.n; i++)
		put_entry(&d->out, e[i].id, res.entry[i].status, res.entry[i].code,
		    res.entry[i].sender_fault, res.entry[i].retryable);
	buf_puts(&d->out, "]}");
	return 0;
}

static int
cmd_sqs_attrs(struct driver *d)
{
	const char *names[16];
	char *list = strdup(svc_kvs_get(&d->args, "names") ? svc_kvs_get(&d->args, "names") : "");
	char *p, *save = NULL;
	struct ctaws_attrs a;
	struct sqs_queue q;
	struct ctaws_error err;
	size_t i, n = 0;
	int rc = 0;

	for (p = strtok_r(list, ",", &save); p && n < 16; p = strtok_r(NULL, ",", &save))
		names[n++] = p;
	if (queue(d, &q, &err) == -1 ||
	    sqs_get_queue_attributes(d->conn, &q, names, n, &a, &err) == -1) {
		rc = fail(d, &err);
	} else {
		buf_puts(&d->out, "{\"attributes\":{");
		for (i = 0; i < a.n; i++)
			put_str(&d->out, a.v[i].name, a.v[i].value);
		buf_puts(&d->out, "}}");
		ctaws_attrs_free(&a);
	}
	sqs_queue_free(&q);
	free(list);
	return rc;
}

/* The GetObject sink: the file, and proof that metadata came first. */
struct get_out {
	FILE *f;
	int heads; /* on_head calls */
	int body_before_head;
	long long written;
};

static int
get_head(void *arg, const struct s3_object_info *info)
{
	struct get_out *g = arg;

	(void)info;
	g->heads++;
	return 0;
}

static int
get_sink(void *arg, const void *data, size_t len)
{
	struct get_out *g = arg;

	if (g->heads == 0)
		g->body_before_head = 1;
	g->written += (long long)len;
	return fwrite(data, 1, len, g->f) == len ? 0 : -1;
}

static int
cmd_s3_get(struct driver *d)
{
	const char *path = svc_kvs_get(&d->args, "out");
	struct get_out g = {0};
	struct s3_get_params p = {0};
	struct s3_get_result res;
	struct ctaws_error err;
	int rc;

	if (path == NULL || (g.f = fopen(path, "wb")) == NULL)
		return 2;
	p.bucket = svc_kvs_get(&d->args, "bucket");
	p.key = svc_kvs_get(&d->args, "key");
	p.expected_owner = svc_kvs_get(&d->args, "owner");
	p.max_resumes = (int)svc_kvs_int(&d->args, "resumes", 0);
	p.on_head = get_head;
	p.sink = get_sink;
	p.arg = &g;
	rc = s3_get_object(d->conn, &p, &res, &err);
	if (fclose(g.f) != 0 && rc == 0)
		return 2;
	if (rc == -1)
		return fail(d, &err);
	buf_puts(&d->out, "{");
	put_num(&d->out, "size", res.info.size);
	put_str(&d->out, "etag", res.info.etag);
	put_str(&d->out, "encoding", res.info.content_encoding);
	put_str(&d->out, "type", res.info.content_type);
	put_num(&d->out, "bytes", res.bytes);
	put_num(&d->out, "written", g.written);
	put_num(&d->out, "resumes", res.resumes);
	put_num(&d->out, "requests", res.requests);
	put_str(&d->out, "region", res.region);
	put_num(&d->out, "heads", g.heads);
	put_num(&d->out, "body_before_head", g.body_before_head);
	buf_puts(&d->out, "}");
	return 0;
}

static int
cmd_s3_head(struct driver *d)
{
	struct ctaws_error err;
	char region[32];

	if (s3_head_bucket(d->conn, svc_kvs_get(&d->args, "bucket"), svc_kvs_get(&d->args, "owner"),
	        region, sizeof(region), &err) == -1)
		return fail(d, &err);
	buf_puts(&d->out, "{");
	put_str(&d->out, "region", region);
	buf_puts(&d->out, "}");
	return 0;
}

static int
cmd_s3_head_object(struct driver *d)
{
	struct s3_object_info info;
	struct ctaws_error err;
	int i;

	if (s3_head_object(d->conn, svc_kvs_get(&d->args, "bucket"), svc_kvs_get(&d->args, "key"),
	        svc_kvs_get(&d->args, "owner"), &info, &err) == -1)
		return fail(d, &err);
	buf_puts(&d->out, "{");
	put_num(&d->out, "size", info.size);
	put_str(&d->out, "etag", info.etag);
	buf_puts(&d->out, ",\"meta\":{");
	for (i = 0; i < info.nmeta; i++)
		put_str(&d->out, info.meta[i].name, info.meta[i].value);
	buf_puts(&d->out, "}}");
	return 0;
}

/* s3-list prints keys and prefixes as they come, in order. */
struct listing {
	struct buf keys;
	struct buf prefixes;
	long long stop; /* > 0: stop after this many keys */
	long long n;
};

static int
listed_key(void *arg, const struct s3_list_object *o)
{
	struct listing *l = arg;

	buf_puts(&l->keys, l->n ? ",{" : "{");
	put_str(&l->keys, "key", o->key);
	put_num(&l->keys, "size", o->size);
	put_str(&l->keys, "etag", o->etag);
	put_str(&l->keys, "modified", o->last_modified);
	buf_puts(&l->keys, "}");
	return ++l->n == l->stop ? 1 : 0;
}

static int
listed_prefix(void *arg, const char *prefix)
{
	struct listing *l = arg;

	if (l->prefixes.len > 0)
		buf_puts(&l->prefixes, ",");
	json_put_string(&l->prefixes, prefix, strlen(prefix));
	return 0;
}

static int
cmd_s3_list(struct driver *d)
{
	struct listing l = {BUF_INIT, BUF_INIT, svc_kvs_int(&d->args, "stop", 0), 0};
	struct s3_list_params p = {
	    .bucket = svc_kvs_get(&d->args, "bucket"),
	    .prefix = svc_kvs_get(&d->args, "prefix"),
	    .delimiter = svc_kvs_get(&d->args, "delimiter"),
	    .start_after = svc_kvs_get(&d->args, "after"),
	    .page_size = (int)svc_kvs_int(&d->args, "page", 0),
	    .on_object = listed_key,
	    .on_prefix = listed_prefix,
	    .arg = &l,
	};
	struct s3_list_result res;
	struct ctaws_error err;
	int rc;

	if ((rc = s3_list_objects(d->conn, &p, &res, &err)) == -1) {
		fail(d, &err);
	} else {
		buf_puts(&d->out, "{\"keys\":[");
		buf_append(&d->out, l.keys.data ? l.keys.data : "", l.keys.len);
		buf_puts(&d->out, "],\"prefixes\":[");
		buf_append(&d->out, l.prefixes.data ? l.prefixes.data : "", l.prefixes.len);
		buf_puts(&d->out, "]");
		put_num(&d->out, "pages", res.pages);
		put_num(&d->out, "stopped", res.stopped);
		buf_puts(&d->out, "}");
	}
	buf_free(&l.keys);
	buf_free(&l.prefixes);
	return rc == -1 ? 1 : 0;
}

/* An SNS message from key=value words; attr=N:T:V values are split in place,
 * so m points into kv. */
static void
read_message(struct svc_kvs *kv, struct sns_message *m, struct sns_attr *attrs)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	m->id = svc_kvs_get(kv, "id");
	m->message = svc_kvs_get(kv, "message");
	m->subject = svc_kvs_get(kv, "subject");
	m->structure_json = (int)svc_kvs_int(kv, "json", 0);
	m->group_id = svc_kvs_get(kv, "group");
	m->dedup_id = svc_kvs_get(kv, "dedup");
	m->attrs = attrs;
	for (i = 0; i < kv->n && m->nattrs < 8; i++) {
		char *t = kv->v[i].value, *c1, *c2;

		if (strcmp(kv->v[i].key, "attr") != 0 || (c1 = strchr(t, ':')) == NULL ||
		    (c2 = strchr(c1 + 1, ':')) == NULL)
			continue;
		*c1 = *c2 = '\0';
		attrs[m->nattrs++] = (struct sns_attr){t, c1 + 1, c2 + 1};
	}
}

static int
cmd_sns_publish(struct driver *d)
{
	struct sns_attr attrs[8];
	struct sns_message m;
	struct sns_publish_result r;
	struct ctaws_error err;

	read_message(&d->args, &m, attrs);
	if (sns_publish(d->conn, svc_kvs_get(&d->args, "topic"), &m, &r, &err) == -1)
		return fail(d, &err);
	buf_puts(&d->out, "{");
	put_str(&d->out, "message_id", r.message_id);
	put_str(&d->out, "sequence", r.sequence_number);
	buf_puts(&d->out, "}");
	return 0;
}

static int
cmd_sns_batch(struct driver *d)
{
	struct sns_attr attrs[ENTRIES_MAX][8];
	struct sns_message m[ENTRIES_MAX];
	struct sns_batch_result res;
	struct ctaws_error err;
	size_t i;

	for (i = 0; i < d->nlines; i++)
		read_message(&d->lines[i], &m[i], attrs[i]);
	if (sns_publish_batch(d->conn, svc_kvs_get(&d->args, "topic"), m, d->nlines, &res, &err) ==
	    -1)
		return fail(d, &err);
	buf_printf(&d->out, "{\"failed\":%zu,\"entries\":[", res.nfailed);
	for (i = 0; i < res.n; i++)
		put_entry(&d->out, m[i].id, res.entry[i].status, res.entry[i].code,
		    res.entry[i].sender_fault, res.entry[i].retryable);
	buf_puts(&d->out, "]}");
	return 0;
}

static int
cmd_sns_attrs(struct driver *d)
{
	struct ctaws_attrs a;
	struct ctaws_error err;
	size_t i;

	if (sns_get_topic_attributes(d->conn, svc_kvs_get(&d->args, "topic"), &a, &err) == -1)
		return fail(d, &err);
	buf_puts(&d->out, "{\"attributes\":{");
	for (i = 0; i < a.n; i++)
		put_str(&d->out, a.v[i].name, a.v[i].value);
	buf_puts(&d->out, "}}");
	ctaws_attrs_free(&a);
	return 0;
}

static int
run(struct driver *d, const char *cmd)
{
	if (strcmp(cmd, "sqs-receive") == 0)
		return cmd_sqs_receive(d);
	if (strcmp(cmd, "sqs-delete") == 0)
		return cmd_sqs_batch(d, 0);
	if (strcmp(cmd, "sqs-visibility") == 0)
		return cmd_sqs_batch(d, 1);
	if (strcmp(cmd, "sqs-attrs") == 0)
		return cmd_sqs_attrs(d);
	if (strcmp(cmd, "s3-get") == 0)
		return cmd_s3_get(d);
	if (strcmp(cmd, "s3-head") == 0)
		return cmd_s3_head(d);
	if (strcmp(cmd, "s3-head-object") == 0)
		return cmd_s3_head_object(d);
	if (strcmp(cmd, "s3-list") == 0)
		return cmd_s3_list(d);
	if (strcmp(cmd, "sns-publish") == 0)
		return cmd_sns_publish(d);
	if (strcmp(cmd, "sns-batch") == 0)
		return cmd_sns_batch(d);
	if (strcmp(cmd, "sns-attrs") == 0)
		return cmd_sns_attrs(d);
	fprintf(stderr, "svc_driver: unknown command %s\n", cmd);
	return 2;
}

static int
setup(struct driver *d, int argc, char **argv, struct ctaws_error *err)
{
	struct ctaws_client_config cfg = {0};
	struct buf words = BUF_INIT;
	char *line = NULL;
	size_t cap = 0;
	int i;

	for (i = 2; i < argc; i++)
		buf_printf(&words, "%s%s", i > 2 ? " " : "", argv[i]);
	svc_kvs_parse(words.data ? words.data : "", &d->args);
	buf_free(&words);
	if (svc_kvs_get(&d->args, "stdin") != NULL)
		while (d->nlines < ENTRIES_MAX && getline(&line, &cap, stdin) != -1) {
			line[strcspn(line, "\n")] = '\0';
			svc_kvs_parse(line, &d->lines[d->nlines++]);
		}
	free(line);
	cfg.low_speed_time_s = 10;
	d->client = ctaws_client_new(&cfg,
	    ctaws_creds_static_new(getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"),
	        getenv("AWS_SESSION_TOKEN")),
	    err);
	if (d->client == NULL)
		return -1;
	d->conn = ctaws_conn_new(d->client);
	return d->conn ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct driver d;
	struct ctaws_error err;
	size_t i;
	int rc;

	if (argc < 2 || getenv("AWS_ACCESS_KEY_ID") == NULL ||
	    getenv("AWS_SECRET_ACCESS_KEY") == NULL) {
		fprintf(stderr, "usage: svc_driver COMMAND key=value... (with AWS_* set)\n");
		return 2;
	}
	memset(&d, 0, sizeof(d));
	buf_init(&d.out);
	if (setup(&d, argc, argv, &err) == -1)
		rc = fail(&d, &err);
	else
		rc = run(&d, argv[1]);
	if (d.out.len > 0)
		printf("%s\n", d.out.data);
	ctaws_conn_free(d.conn);
	ctaws_client_free(d.client);
	svc_kvs_free(&d.args);
	for (i = 0; i < d.nlines; i++)
		svc_kvs_free(&d.lines[i]);
	buf_free(&d.out);
	return rc;
}
