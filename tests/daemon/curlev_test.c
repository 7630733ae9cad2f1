/* libcurl multi on libev: several slow transfers run at once on one loop,
 * each completion arrives once, a cancelled one never calls back. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/curlev.h"
#include "tests/lib/check_main.h"

enum { NCONN = 6 };

static int listen_fd;
static int port;

/* Answers each connection after 300 ms: slow enough that serial transfers
 * would take NCONN * 300 ms. */
static void *
serve_one(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char req[2048];
	const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";

	(void)!read(fd, req, sizeof(req));
	usleep(300 * 1000);
	(void)!write(fd, resp, strlen(resp));
	close(fd);
	return NULL;
}

static void *
server(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_t t;
		int fd = accept(listen_fd, NULL, NULL);

		if (fd < 0)
			return NULL;
		pthread_create(&t, NULL, serve_one, (void *)(intptr_t)fd);
		pthread_detach(t);
	}
}

static void
start_server(void)
{
	struct sockaddr_in sa = {0};
	socklen_t len = sizeof(sa);
	pthread_t t;

	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(listen_fd, 16), 0);
	getsockname(listen_fd, (struct sockaddr *)&sa, &len);
	port = ntohs(sa.sin_port);
	pthread_create(&t, NULL, server, NULL);
	pthread_detach(t);
}

struct result {
	int calls;
	CURLcode code;
	size_t bytes;
};

static size_t
sink(char *p, size_t sz, size_t n, void *arg)
{
	(void)p;
	((struct result *)arg)->bytes += sz * n;
	return sz * n;
}

static void
done(void *arg, CURL *easy, CURLcode code)
{
	struct result *r = arg;

	(void)easy;
	r->calls++;
	r->code = code;
}

START_TEST(test_parallel_and_cancel)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct curlev *cv = curlev_new(loop);
	struct result res[NCONN] = {0};
	CURL *easy[NCONN];
	char url[64];
	double t0, took;

	start_server();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	for (int i = 0; i < NCONN; i++) {
		easy[i] = curl_easy_init();
		curl_easy_setopt(easy[i], CURLOPT_URL, url);
		curl_easy_setopt(easy[i], CURLOPT_WRITEFUNCTION, sink);
		curl_easy_setopt(easy[i], CURLOPT_WRITEDATA, &res[i]);
		ck_assert_int_eq(curlev_add(cv, easy[i], done, &res[i]), 0);
	}
	ck_assert_int_eq(curlev_running(cv), NCONN);
	curlev_cancel(cv, easy[0]);
	ck_assert_int_eq(curlev_running(cv), NCONN - 1);
	t0 = ev_time();
	while (curlev_running(cv) > 0 && ev_time() - t0 < 10)
		ev_run(loop, EVRUN_ONCE);
	took = ev_time() - t0;
	ck_assert_int_eq(res[0].calls, 0);
	for (int i = 1; i < NCONN; i++) {
		ck_assert_int_eq(res[i].calls, 1);
		ck_assert_int_eq(res[i].code, CURLE_OK);
		ck_assert_uint_eq(res[i].bytes, 5);
	}
	/* They overlapped: far less than five times one answer's delay. */
	ck_assert_msg(took < 1.2, "transfers did not run concurrently (%.2fs)", took);
	for (int i = 0; i < NCONN; i++)
		curl_easy_cleanup(easy[i]);
	curlev_free(cv);
	ev_loop_destroy(loop);
}
END_TEST

static int
init_curl(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

CT_CHECK_PROGRAM(.name = "curlev", .timeout = 30, .setup = init_curl, .fork = CK_NOFORK,
    .once = CT_TESTS(test_parallel_and_cancel))
