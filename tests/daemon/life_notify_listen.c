/*
 * life_notify_listen: a stand-in for systemd's notification socket.
 *
 * Usage: life_notify_listen PATH
 *
 * Binds a Unix datagram socket at PATH (the value a test gives ctalertd in
 * NOTIFY_SOCKET), prints "listening" once it can receive, then one line per
 * datagram on standard output: the sender's pid (from SCM_CREDENTIALS, as
 * systemd checks it; 0 when unknown) and the payload, with '\n' written as
 * the two characters \n and '\' as \\. It stops when standard input ends
 * (its parent went away) or on SIGTERM, and removes PATH.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int
bind_socket(const char *path)
{
	struct sockaddr_un sa;
	int fd, one = 1;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "life_notify_listen: %s: path too long\n", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		perror("life_notify_listen: socket");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == -1) {
		fprintf(stderr, "life_notify_listen: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
print_datagram(const char *buf, size_t n, pid_t pid)
{
	printf("%ld ", (long)pid);
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n')
			fputs("\\n", stdout);
		else if (buf[i] == '\\')
			fputs("\\\\", stdout);
		else
			putchar(buf[i]);
	}
	putchar('\n');
	fflush(stdout);
}

static void
receive_one(int fd)
{
	char buf[4096];
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {0};
	struct cmsghdr *c;
	pid_t pid = 0;
	ssize_t n;

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = control.buf;
	mh.msg_controllen = sizeof(control.buf);
	if ((n = recvmsg(fd, &mh, MSG_DONTWAIT)) < 0)
		return;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred uc;

			memcpy(&uc, CMSG_DATA(c), sizeof(uc));
			pid = uc.pid;
		}
	}
	print_datagram(buf, (size_t)n, pid);
}

int
main(int argc, char **argv)
{
	struct pollfd pf[2];
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: life_notify_listen PATH\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	if ((fd = bind_socket(argv[1])) == -1)
		return 1;
	printf("listening\n");
	fflush(stdout);
	pf[0] = (struct pollfd){fd, POLLIN, 0};
	pf[1] = (struct pollfd){STDIN_FILENO, POLLIN, 0};
	while (!stop) {
		if (poll(pf, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents & POLLIN)
			receive_one(fd);
		if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			char b[64];

			if (read(STDIN_FILENO, b, sizeof(b)) <= 0)
				break;
		}
	}
	close(fd);
	unlink(argv[1]);
	return 0;
}
