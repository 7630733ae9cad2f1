/*
 * The scripted test server: one thread, poll(), loopback only.
 */
#include "core_httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 16
#define MAX_QUEUE   64

struct client {
	int fd;
	int conn;
	struct buf in;
};

struct httpd {
	int lfd;
	int port;
	pthread_t thread;
	pthread_mutex_t mu;
	volatile int stop;
	struct client cl[MAX_CLIENTS];
	int nconn;
	struct httpd_reply queue[MAX_QUEUE];
	int qhead, qlen;
	struct httpd_request *req;
	int nreq, capreq;
	char url[256];
	char hval[1024];
};

static void
nap(struct httpd *d, long ms)
{
	while (ms > 0 && !d->stop) {
		long step = ms > 20 ? 20 : ms;
		struct timespec ts = {0, step * 1000000L};

		nanosleep(&ts, NULL);
		ms -= step;
	}
}

static int
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
next_reply(struct httpd *d, struct httpd_reply *r)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_lock(&d->mu);
	if (d->qlen) {
		*r = d->queue[d->qhead];
		d->qhead = (d->qhead + 1) % MAX_QUEUE;
		d->qlen--;
	}
	pthread_mutex_unlock(&d->mu);
}

static const char *
reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Status";
	}
}

/* Sends the reply; 1 when the connection must be closed. */
static int
answer(struct httpd *d, int fd, const struct httpd_reply *r, int head)
{
	struct buf h = BUF_INIT;
	size_t blen = r->body ? (r->body_len ? r->body_len : strlen(r->body)) : 0, off = 0;
	int status = r->status ? r->status : 200;
	char date[64];
	time_t now = time(NULL) + r->date_offset_s;
	struct tm tm;

	nap(d, r->delay_ms);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	buf_printf(&h, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n", status, reason(status), blen);
	if (!r->no_date)
		buf_printf(&h, "Date: %s\r\n", date);
	buf_printf(
	    &h, "%s%s\r\n", r->headers ? r->headers : "", r->close ? "Connection: close\r\n" : "");
	if (send_all(fd, h.data, h.len) == -1) {
		buf_free(&h);
		return 1;
	}
	buf_free(&h);
	if (head)
		return r->close;
	while (off < blen) {
		size_t n = blen - off;

		if (r->stall_at > 0 && off < (size_t)r->stall_at && off + n > (size_t)r->stall_at)
			n = (size_t)r->stall_at - off;
		if (r->drop_at > 0 && off + n > (size_t)r->drop_at)
			n = (size_t)r->drop_at - off;
		if (n && send_all(fd, r->body + off, n) == -1)
			return 1;
		off += n;
		if (r->drop_at > 0 && off >= (size_t)r->drop_at)
			return 1;
		if (r->stall_at > 0 && off == (size_t)r->stall_at)
			nap(d, r->stall_ms);
	}
	return r->close;
}

static long
content_length(const char *hdrs, size_t n)
{
	const char *p = hdrs, *end = hdrs + n;

	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);

		if (eol == NULL)
			break;
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			return strtol(p + 15, NULL, 10);
		p = eol + 2;
	}
	return 0;
}

/* Handles every complete request in c->in; 1 when c must be closed. */
static int
serve(struct httpd *d, struct client *c)
{
	for (;;) {
		char *hend = memmem(c->in.data, c->in.len, "\r\n\r\n", 4);
		struct httpd_request rq;
		struct httpd_reply r;
		size_t hlen, total;
		char *line_end;
		long clen;
		int quit;

		if (hend == NULL)
			return 0;
		hlen = (size_t)(hend - c->in.data) + 4;
		clen = content_length(c->in.data, hlen);
		total = hlen + (size_t)(clen > 0 ? clen : 0);
		if (c->in.len < total)
			return 0;
		memset(&rq, 0, sizeof(rq));
		line_end = memmem(c->in.data, hlen, "\r\n", 2);
		sscanf(c->in.data, "%15s %4095s", rq.method, rq.target);
		buf_append(
		    &rq.headers, line_end + 2, hlen - (size_t)(line_end + 2 - c->in.data) - 2);
		buf_append(&rq.body, c->in.data + hlen, total - hlen);
		rq.conn = c->conn;
		pthread_mutex_lock(&d->mu);
		if (d->nreq == d->capreq) {
			d->capreq = d->capreq ? d->capreq * 2 : 16;
			d->req = realloc(d->req, (size_t)d->capreq * sizeof(*d->req));
		}
		d->req[d->nreq++] = rq;
		pthread_mutex_unlock(&d->mu);
		memmove(c->in.data, c->in.data + total, c->in.len - total);
		c->in.len -= total;
		next_reply(d, &r);
		quit = answer(d, c->fd, &r, strcmp(rq.method, "HEAD") == 0);
		if (quit)
			return 1;
	}
}

static void
drop(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	buf_free(&c->in);
}

static void
accept_one(struct httpd *d)
{
	int fd = accept(d->lfd, NULL, NULL);

	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (d->cl[i].fd < 0) {
			d->cl[i].fd = fd;
			pthread_mutex_lock(&d->mu);
			d->cl[i].conn = ++d->nconn;
			pthread_mutex_unlock(&d->mu);
			buf_init(&d->cl[i].in);
			return;
		}
	}
	close(fd);
}

static void *
loop(void *arg)
{
	struct httpd *d = arg;

	while (!d->stop) {
		struct pollfd pf[MAX_CLIENTS + 1];
		int map[MAX_CLIENTS + 1], n = 1;

		pf[0] = (struct pollfd){d->lfd, POLLIN, 0};
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (d->cl[i].fd >= 0) {
				map[n] = i;
				pf[n++] = (struct pollfd){d->cl[i].fd, POLLIN, 0};
			}
		if (poll(pf, (nfds_t)n, 50) <= 0)
			continue;
		if (pf[0].revents & POLLIN)
			accept_one(d);
		for (int k = 1; k < n; k++) {
			struct client *c = &d->cl[map[k]];
			char tmp[16384];
			ssize_t r;

			if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if ((r = recv(c->fd, tmp, sizeof(tmp), 0)) <= 0) {
				drop(c);
				continue;
			}
			buf_append(&c->in, tmp, (size_t)r);
			if (serve(d, c))
				drop(c);
		}
	}
	return NULL;
}

struct httpd *
httpd_start(void)
{
	struct httpd *d = calloc(1, sizeof(*d));
	struct sockaddr_in sa = {0};
	socklen_t len = sizeof(sa);

	if (d == NULL)
		return NULL;
	for (int i = 0; i < MAX_CLIENTS; i++)
		d->cl[i].fd = -1;
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((d->lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(d->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(d->lfd, 16) < 0 ||
	    getsockname(d->lfd, (struct sockaddr *)&sa, &len) < 0) {
		if (d->lfd >= 0)
			close(d->lfd);
		free(d);
		return NULL;
	}
	d->port = ntohs(sa.sin_port);
	pthread_mutex_init(&d->mu, NULL);
	pthread_create(&d->thread, NULL, loop, d);
	return d;
}

void
httpd_stop(struct httpd *d)
{
	if (d == NULL)
		return;
	d->stop = 1;
	pthread_join(d->thread, NULL);
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (d->cl[i].fd >= 0)
			drop(&d->cl[i]);
	close(d->lfd);
	for (int i = 0; i < d->nreq; i++) {
		buf_free(&d->req[i].headers);
		buf_free(&d->req[i].body);
	}
	free(d->req);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

int
httpd_port(const struct httpd *d)
{
	return d->port;
}

const char *
httpd_url(struct httpd *d, const char *path)
{
	snprintf(d->url, sizeof(d->url), "http://127.0.0.1:%d%s", d->port, path);
	return d->url;
}

void
httpd_push(struct httpd *d, const struct httpd_reply *r)
{
	pthread_mutex_lock(&d->mu);
	if (d->qlen < MAX_QUEUE) {
		d->queue[(d->qhead + d->qlen) % MAX_QUEUE] = *r;
		d->qlen++;
	}
	pthread_mutex_unlock(&d->mu);
}

int
httpd_nrequests(struct httpd *d)
{
	int n;

	pthread_mutex_lock(&d->mu);
	n = d->nreq;
	pthread_mutex_unlock(&d->mu);
	return n;
}

const struct httpd_request *
httpd_request(struct httpd *d, int i)
{
	const struct httpd_request *r = NULL;

	pthread_mutex_lock(&d->mu);
	if (i >= 0 && i < d->nreq)
		r = &d->req[i];
	pthread_mutex_unlock(&d->mu);
	return r;
}

int
httpd_connections(struct httpd *d)
{
	int n;

	pthread_mutex_lock(&d->mu);
	n = d->nconn;
	pthread_mutex_unlock(&d->mu);
	return n;
}

const char *
httpd_header(struct httpd *d, int i, const char *name)
{
	const struct httpd_request *r = httpd_request(d, i);
	size_t nlen = strlen(name);
	const char *p, *end;

	if (r == NULL || r->headers.data == NULL)
		return NULL;
	for (p = r->headers.data, end = p + r->headers.len; p < end;) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);

		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - p) > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
			const char *v = p + nlen + 1;

			while (*v == ' ')
				v++;
			snprintf(d->hval, sizeof(d->hval), "%.*s", (int)(eol - v), v);
			return d->hval;
		}
		p = eol + 2;
	}
	return NULL;
}

void
httpd_isolate_env(void)
{
	static const char *const vars[] = {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
	    "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SNS",
	    "AWS_ENDPOINT_URL_STS", "AWS_USE_FIPS_ENDPOINT", "AWS_MAX_ATTEMPTS", "AWS_CA_BUNDLE",
	    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_PROFILE", "HTTP_PROXY", "http_proxy",
	    "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy", NULL};

	for (const char *const *v = vars; *v; v++)
		unsetenv(*v);
	/* Never the machine's own ~/.aws files. */
	setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials", 1);
}

void
httpd_fixture_free(struct ctaws_conn *conn, struct ctaws_client *cli, struct httpd *d)
{
	ctaws_conn_free(conn);
	ctaws_client_free(cli);
	httpd_stop(d);
}
