/*
 * curlev: libcurl's multi interface driven by a libev loop.
 *
 * The event loop's own HTTP transfers (the SQS long polls) run here, so a
 * 20-second poll costs no thread and no CPU while it waits. Each transfer is
 * a CURL easy handle prepared elsewhere (ctaws_xfer_easy); when it ends, its
 * done callback runs on the loop with libcurl's result code.
 */
#ifndef CT_DAEMON_CURLEV_H
#define CT_DAEMON_CURLEV_H

#include <curl/curl.h>
#include <ev.h>

typedef void (*curlev_done_cb)(void *arg, CURL *easy, CURLcode result);

struct curlev;

struct curlev *curlev_new(struct ev_loop *loop);
void curlev_free(struct curlev *c); /* cancels what is still running, without callbacks */

/* Starts easy (borrowed: the caller frees it after the callback or after
 * curlev_cancel). Returns 0, or -1 if libcurl refused it. */
int curlev_add(struct curlev *c, CURL *easy, curlev_done_cb cb, void *arg);
/* Stops a running transfer; its callback will not run. */
void curlev_cancel(struct curlev *c, CURL *easy);
int curlev_running(const struct curlev *c);

#endif
