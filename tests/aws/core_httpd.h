/*
 * A scripted HTTP/1.1 server for tests of the AWS layer, on 127.0.0.1 and a
 * port the kernel picks, run by one thread.
 *
 * Tests queue replies; each request takes the next one (or a plain 200 when
 * the queue is empty) and is recorded for inspection. A reply can be delayed,
 * stall in the middle of its body, or drop the connection mid-body, so
 * timeouts, low-speed aborts, retries and keep-alive are testable.
 */
#ifndef CT_TESTS_CORE_HTTPD_H
#define CT_TESTS_CORE_HTTPD_H

#include <stddef.h>

#include "aws/client.h"
#include "util/buf.h"

struct httpd_reply {
	int status;          /* 0: 200 */
	const char *headers; /* extra raw lines, each ending in "\r\n"; NULL: none */
	const char *body;    /* NULL: empty */
	size_t body_len;     /* 0: strlen(body) */
	long delay_ms;       /* wait before answering */
	long stall_at;       /* > 0: after this many body bytes, pause stall_ms */
	long stall_ms;
	long drop_at;       /* > 0: close the connection after this many body bytes */
	int close;          /* close the connection after the reply */
	long date_offset_s; /* added to the Date header's time */
	int no_date;        /* send no Date header */
};

struct httpd_request {
	char method[16];
	char target[4096];  /* path and query as received */
	struct buf headers; /* raw header lines */
	struct buf body;
	int conn; /* connection number, from 1 */
};

struct httpd;

struct httpd *httpd_start(void);
void httpd_stop(struct httpd *d);
int httpd_port(const struct httpd *d);
/* "http://127.0.0.1:PORT" + path, in a static buffer per server. */
const char *httpd_url(struct httpd *d, const char *path);
void httpd_push(struct httpd *d, const struct httpd_reply *r);
int httpd_nrequests(struct httpd *d);
/* Request i (from 0); valid until httpd_stop. */
const struct httpd_request *httpd_request(struct httpd *d, int i);
int httpd_connections(struct httpd *d);
/* Value of header name in request i, or NULL; valid until the next call. */
const char *httpd_header(struct httpd *d, int i, const char *name);

/* Keeps the host's settings out of a test: no region, endpoint override,
 * FIPS, attempts, CA bundle or proxy from the environment, no profile, and
 * shared config and credentials files that do not exist. */
void httpd_isolate_env(void);

/* Frees what a test's fixture made around d and stops d; any may be NULL. */
void httpd_fixture_free(struct ctaws_conn *conn, struct ctaws_client *cli, struct httpd *d);

#endif
