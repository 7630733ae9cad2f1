/*
 * curlev: libcurl's socket and timer callbacks mapped onto libev watchers;
 * finished transfers are collected after every socket action. See curlev.h.
 */
#include "daemon/curlev.h"

#include <stdlib.h>

struct curlev {
	struct ev_loop *loop; /* borrowed */
	CURLM *multi;         /* owned */
	ev_timer timer;       /* libcurl's timeout */
	int running;          /* transfers added and not yet done */
};

/* One per socket libcurl wants watched; libcurl keeps it with
 * curl_multi_assign and hands it back on every change. */
struct sockwatch {
	ev_io io;
	struct curlev *c;
};

/* A transfer's completion, kept in CURLOPT_PRIVATE. */
struct xfer_cb {
	curlev_done_cb cb;
	void *arg;
};

static void
check_done(struct curlev *c)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
		struct xfer_cb *x = NULL;
		CURL *easy = msg->easy_handle;
		CURLcode res = msg->data.result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
		curl_multi_remove_handle(c->multi, easy);
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		c->running--;
		if (x) {
			curlev_done_cb cb = x->cb;
			void *arg = x->arg;

			free(x);
			cb(arg, easy, res);
		}
	}
}

static void
on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	/* socket_cb may free the watcher during the action (the socket closed):
	 * take what is needed from it first. */
	struct curlev *c = ((struct sockwatch *)w)->c;
	int action =
	    (revents & EV_READ ? CURL_CSELECT_IN : 0) | (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);
	int still;

	(void)loop;
	curl_multi_socket_action(c->multi, w->fd, action, &still);
	check_done(c);
}

static void
on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct curlev *c = w->data;
	int still;

	(void)loop;
	(void)revents;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &still);
	check_done(c);
}

static int
socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct curlev *c = userp;
	struct sockwatch *sw = socketp;
	int events = (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (sw) {
			ev_io_stop(c->loop, &sw->io);
			free(sw);
			curl_multi_assign(c->multi, s, NULL);
		}
		return 0;
	}
	if (sw == NULL) {
		if ((sw = calloc(1, sizeof(*sw))) == NULL)
			return -1;
		sw->c = c;
		curl_multi_assign(c->multi, s, sw);
	} else {
		ev_io_stop(c->loop, &sw->io);
	}
	ev_io_init(&sw->io, on_io, s, events);
	ev_io_start(c->loop, &sw->io);
	return 0;
}

static int
timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct curlev *c = userp;

	(void)multi;
	ev_timer_stop(c->loop, &c->timer);
	if (timeout_ms >= 0) {
		ev_timer_set(&c->timer, (double)timeout_ms / 1000.0, 0.);
		ev_timer_start(c->loop, &c->timer);
	}
	return 0;
}

struct curlev *
curlev_new(struct ev_loop *loop)
{
	struct curlev *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if ((c->multi = curl_multi_init()) == NULL) {
		free(c);
		return NULL;
	}
	c->loop = loop;
	ev_timer_init(&c->timer, on_timer, 0., 0.);
	c->timer.data = c;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	return c;
}

int
curlev_add(struct curlev *c, CURL *easy, curlev_done_cb cb, void *arg)
{
	struct xfer_cb *x = malloc(sizeof(*x));

	if (x == NULL)
		return -1;
	x->cb = cb;
	x->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(c->multi, easy) != CURLM_OK) {
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		free(x);
		return -1;
	}
	c->running++;
	return 0;
}

void
curlev_cancel(struct curlev *c, CURL *easy)
{
	struct xfer_cb *x = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
	if (x == NULL)
		return; /* not ours, or already done */
	curl_multi_remove_handle(c->multi, easy);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
	free(x);
	c->running--;
}

int
curlev_running(const struct curlev *c)
{
	return c->running;
}

void
curlev_free(struct curlev *c)
{
	if (c == NULL)
		return;
	ev_timer_stop(c->loop, &c->timer);
	/* Easy handles still added belong to their callers; cleaning up the
	 * multi handle detaches them and closes the sockets. */
	curl_multi_cleanup(c->multi);
	free(c);
}
