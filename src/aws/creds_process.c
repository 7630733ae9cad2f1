/*
 * credential_process: credentials printed by a command the profile names.
 *
 * The command line is split into words the way a POSIX shell splits them
 * (the AWS CLI uses Python's shlex): blanks separate words, '...' is
 * literal, "..." keeps blanks and takes \" and \\ as escapes, and a
 * backslash outside quotes escapes the next character. No shell is run, so
 * $VAR, ~, globs, pipes and redirections mean nothing.
 *
 * The program runs with posix_spawnp (safe in a threaded daemon: nothing is
 * allocated in the child), stdin from /dev/null, in a process group of its
 * own, with the default signal dispositions and an empty signal mask. Its
 * stdout must be one JSON document:
 *   {"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...,
 *    "SessionToken": ... (optional), "Expiration": ISO 8601 (optional)}
 * Credentials without an Expiration do not expire; the cache around the
 * chain asks again before those with one expire. The first bytes of stderr
 * go into the error message when the command fails (the AWS documentation
 * tells helper authors to keep secrets out of stderr); stdout never does.
 *
 * Bounds: the command gets timeout_ms (default 60 s), then its whole process
 * group is killed with SIGKILL; stdout may hold 64 KiB at most.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "aws/creds_provider.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/json.h"

extern char **environ;

#define DEFAULT_TIMEOUT_MS 60000
#define MAX_STDOUT         (64 * 1024)
#define MAX_STDERR_SHOWN   300

struct process {
	struct ctaws_creds_provider base;
	char *profile;   /* owned; for messages */
	char *command;   /* owned; the command line as configured */
	long timeout_ms; /* > 0 */
};

/* What one run of the command left behind. */
struct run {
	struct buf out;  /* stdout, at most MAX_STDOUT + 1 bytes */
	struct buf err;  /* the start of stderr */
	int status;      /* waitpid status */
	int timed_out;   /* killed at the deadline */
	int overflowed;  /* stdout went past MAX_STDOUT: killed */
	int spawn_errno; /* posix_spawnp failed with this */
};

/* ---- splitting the command line ---- */

enum split_state { BLANK, WORD, SINGLE, DOUBLE };

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
push_word(struct buf *w, char ***argv, size_t *argc)
{
	char **grown = realloc(*argv, (*argc + 2) * sizeof(char *));
	char *s = strndup(w->data ? w->data : "", w->len);

	if (grown == NULL || s == NULL) {
		free(s);
		if (grown)
			*argv = grown;
		return -1;
	}
	*argv = grown;
	grown[(*argc)++] = s;
	grown[*argc] = NULL;
	w->len = 0;
	return 0;
}

/* One character in a quote or word; returns how many characters it took, or
 * 0 for a backslash with nothing after it. */
static size_t
split_char(const char *p, enum split_state *st, struct buf *w)
{
	if (*st == SINGLE) {
		if (*p == '\'')
			*st = WORD;
		else
			buf_putc(w, *p);
		return 1;
	}
	if (*st == DOUBLE) {
		if (*p == '"')
			*st = WORD;
		else if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
			buf_putc(w, p[1]);
			return 2;
		} else
			buf_putc(w, *p);
		return 1;
	}
	if (*p == '\\') {
		if (p[1] == '\0')
			return 0;
		buf_putc(w, p[1]);
		*st = WORD;
		return 2;
	}
	if (*p == '\'' || *p == '"')
		*st = *p == '\'' ? SINGLE : DOUBLE;
	else
		buf_putc(w, *p);
	if (*st == BLANK)
		*st = WORD;
	return 1;
}

void
ctaws_creds_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

char **
ctaws_creds_split_command(const char *cmd, const char **why)
{
	enum split_state st = BLANK;
	struct buf w = BUF_INIT;
	char **argv = NULL;
	size_t argc = 0, n;
	const char *p = cmd;

	*why = "out of memory";
	while (*p) {
		if ((st == BLANK || st == WORD) && is_blank(*p)) {
			if (st == WORD && push_word(&w, &argv, &argc) == -1)
				goto fail;
			st = BLANK;
			p++;
			continue;
		}
		if ((n = split_char(p, &st, &w)) == 0) {
			*why = "it ends with a backslash that escapes nothing";
			goto fail;
		}
		p += n;
	}
	if (st == SINGLE || st == DOUBLE) {
		*why = "a quotation is not closed";
		goto fail;
	}
	if (st == WORD && push_word(&w, &argv, &argc) == -1)
		goto fail;
	if (argc == 0) {
		*why = "it is empty";
		goto fail;
	}
	buf_free(&w);
	return argv;
fail:
	buf_free(&w);
	ctaws_creds_argv_free(argv);
	return NULL;
}

/* ---- running it ---- */

static int
spawn(char **argv, int out_fd, int err_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dflt;
	int rc;

	sigemptyset(&none);
	sigemptyset(&dflt);
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaddset(&dflt, s);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(
	    &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	rc = posix_spawnp(pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return rc;
}

/* Reads what fd has into b (keeping at most keep bytes); 0 at end of file. */
static ssize_t
drain(int fd, struct buf *b, size_t keep)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n > 0 && b->len < keep)
		buf_append(b, chunk, (size_t)n < keep - b->len ? (size_t)n : keep - b->len);
	return n;
}

/* Collects both pipes until the command closes them or the deadline. */
static void
collect(int out, int err, double deadline, struct run *r)
{
	struct pollfd fds[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};

	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		int wait_ms = (int)((deadline - clock_mono_s()) * 1000.0);

		if (wait_ms <= 0) {
			r->timed_out = 1;
			return;
		}
		if (poll(fds, 2, wait_ms) < 0 && errno != EINTR)
			return;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || fds[i].revents == 0)
				continue;
			if (drain(fds[i].fd, i == 0 ? &r->out : &r->err,
			        i == 0 ? MAX_STDOUT + 1 : MAX_STDERR_SHOWN) == 0)
				fds[i].fd = -1;
		}
		if (r->out.len > MAX_STDOUT) {
			r->overflowed = 1;
			return;
		}
	}
}

/* Waits for the command to exit; one that closed its output but goes on
 * running is still given only until the deadline. */
static void
reap(pid_t pid, double deadline, struct run *r)
{
	long tick_us = 200; /* most helpers exit right after closing stdout */
	pid_t got;

	while (!r->timed_out && !r->overflowed) {
		if ((got = waitpid(pid, &r->status, WNOHANG)) == pid ||
		    (got == -1 && errno != EINTR))
			return;
		if (clock_mono_s() >= deadline)
			r->timed_out = 1;
		else {
			struct timespec ts = {0, tick_us * 1000};
			nanosleep(&ts, NULL);
			tick_us = tick_us < 50000 ? tick_us * 2 : 50000;
		}
	}
	kill(-pid, SIGKILL);
	while (waitpid(pid, &r->status, 0) == -1 && errno == EINTR)
		;
}

static void
run_command(char **argv, long timeout_ms, struct run *r)
{
	int out[2] = {-1, -1}, err[2] = {-1, -1};
	double deadline = clock_mono_s() + timeout_ms / 1000.0;
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) == -1 || pipe2(err, O_CLOEXEC) == -1) {
		r->spawn_errno = errno;
		goto done;
	}
	/* A path is checked first: where posix_spawn cannot report a failed
	 * exec (under valgrind, say) the child would exit with 127 instead. */
	if (strchr(argv[0], '/') != NULL && access(argv[0], X_OK) == -1) {
		r->spawn_errno = errno;
		goto done;
	}
	if ((r->spawn_errno = spawn(argv, out[1], err[1], &pid)) != 0)
		goto done;
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	collect(out[0], err[0], deadline, r);
	reap(pid, deadline, r);
done:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
}

/* ---- reading its answer ---- */

/* The start of stderr, one line, printable, for a message. */
static void
stderr_text(const struct buf *b, char *out, size_t outlen)
{
	size_t j = 0, start = 0, end = b->len;

	while (start < end && (b->data[start] == ' ' || b->data[start] == '\n'))
		start++;
	while (end > start && (b->data[end - 1] == '\n' || b->data[end - 1] == ' '))
		end--;
	for (size_t i = start; i < end && j + 1 < outlen; i++) {
		unsigned char c = (unsigned char)b->data[i];
		out[j++] = c == '\n' || c == '\t' ? ' ' : (c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	out[j] = '\0';
}

static int
perr(const struct process *pr, struct ctaws_error *err, const char *what)
{
	return ctaws_error_set(err, "credentials", "credential_process", 0, CTAWS_CREDS_ERROR, 0,
	    "profile %s: credential_process %.200s: %s", pr->profile, pr->command, what);
}

static int
outcome_error(const struct process *pr, char **argv, const struct run *r, struct ctaws_error *err)
{
	char msg[400], tail[MAX_STDERR_SHOWN + 1];

	stderr_text(&r->err, tail, sizeof(tail));
	if (r->spawn_errno)
		snprintf(
		    msg, sizeof(msg), "cannot run %.100s: %s", argv[0], strerror(r->spawn_errno));
	else if (r->timed_out)
		snprintf(msg, sizeof(msg), "gave no answer within %ld ms; killed", pr->timeout_ms);
	else if (r->overflowed)
		snprintf(msg, sizeof(msg), "printed more than %d bytes; killed", MAX_STDOUT);
	else if (WIFSIGNALED(r->status))
		snprintf(msg, sizeof(msg), "killed by signal %d%s%s", WTERMSIG(r->status),
		    tail[0] ? ": " : "", tail);
	else if (WIFEXITED(r->status) && WEXITSTATUS(r->status) != 0)
		snprintf(msg, sizeof(msg), "exited with status %d%s%s", WEXITSTATUS(r->status),
		    tail[0] ? ": " : "", tail);
	else
		return 0;
	return perr(pr, err, msg);
}

static int
version_is_1(yajl_val root)
{
	yajl_val v = json_member(root, "Version");

	return v != NULL && YAJL_IS_NUMBER(v) && YAJL_IS_DOUBLE(v) && YAJL_GET_DOUBLE(v) == 1.0;
}

static int
build(const struct process *pr, yajl_val root, struct ctaws_credentials **out,
    struct ctaws_error *err)
{
	const char *akid = json_string(root, "AccessKeyId");
	const char *secret = json_string(root, "SecretAccessKey");
	const char *token = json_string(root, "SessionToken");
	const char *exp = json_string(root, "Expiration");
	time_t expiration = 0;
	char msg[128];

	if (!version_is_1(root)) {
		yajl_val v = json_member(root, "Version");
		if (v == NULL)
			snprintf(msg, sizeof(msg), "printed no Version (it must be 1)");
		else if (YAJL_IS_NUMBER(v))
			snprintf(msg, sizeof(msg), "printed Version %.20s; only 1 is known",
			    YAJL_GET_NUMBER(v));
		else
			snprintf(msg, sizeof(msg), "printed a Version that is %s, not the number 1",
			    json_kind(v));
		return perr(pr, err, msg);
	}
	if (akid == NULL || *akid == '\0')
		return perr(pr, err, "printed no AccessKeyId");
	if (secret == NULL || *secret == '\0')
		return perr(pr, err, "printed no SecretAccessKey");
	if (exp != NULL && clock_parse_time(exp, &expiration) == -1)
		return perr(pr, err, "printed an Expiration that is not an ISO 8601 time");
	if (expiration != 0 && expiration <= time(NULL)) {
		struct tm tm;
		char when[32];
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&expiration, &tm));
		snprintf(msg, sizeof(msg), "printed credentials that expired at %s", when);
		return perr(pr, err, msg);
	}
	if ((*out = ctaws_credentials_new(
	         akid, secret, token && *token ? token : NULL, expiration, "process")) == NULL)
		return perr(pr, err, "out of memory");
	return 0;
}

static int
parse_output(const struct process *pr, const struct buf *b, struct ctaws_credentials **out,
    struct ctaws_error *err)
{
	char why[8];
	yajl_val root;
	int rc;

	/* The reason is not shown: it could quote the secret. */
	if (b->len == 0)
		return perr(pr, err, "printed nothing");
	if (json_too_deep_at(b->data, b->len, CTAWS_JSON_MAX_DEPTH) != JSON_DEPTH_OK ||
	    (root = json_parse(b->data, b->len, CTAWS_JSON_MAX_DEPTH, why, sizeof(why))) == NULL)
		return perr(pr, err, "printed something that is not JSON");
	if (!YAJL_IS_OBJECT(root))
		rc = perr(pr, err, "printed JSON that is not an object");
	else
		rc = build(pr, root, out, err);
	yajl_tree_free(root);
	return rc;
}

static int
process_get(struct ctaws_creds_provider *p, struct ctaws_credentials **out, struct ctaws_error *err)
{
	struct process *pr = (struct process *)p;
	struct run r;
	const char *why;
	char **argv, msg[128];
	int rc;

	if ((argv = ctaws_creds_split_command(pr->command, &why)) == NULL) {
		snprintf(msg, sizeof(msg), "cannot be split into words: %s", why);
		return perr(pr, err, msg);
	}
	memset(&r, 0, sizeof(r));
	run_command(argv, pr->timeout_ms, &r);
	rc = outcome_error(pr, argv, &r, err);
	if (rc == 0)
		rc = parse_output(pr, &r.out, out, err);
	if (r.out.data)
		explicit_bzero(r.out.data, r.out.cap);
	buf_free(&r.out);
	buf_free(&r.err);
	ctaws_creds_argv_free(argv);
	return rc;
}

static void
process_destroy(struct ctaws_creds_provider *p)
{
	struct process *pr = (struct process *)p;

	free(pr->profile);
	free(pr->command);
	free(pr);
}

static const struct ctaws_creds_provider_ops process_ops = {process_get, process_destroy};

struct ctaws_creds_provider *
ctaws_creds_process_new(const char *profile, const char *command, long timeout_ms)
{
	struct process *pr = calloc(1, sizeof(*pr));

	if (pr == NULL)
		return NULL;
	pr->base.ops = &process_ops;
	pr->base.name = "credential_process";
	pr->timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
	if ((pr->profile = strdup(profile)) == NULL || (pr->command = strdup(command)) == NULL) {
		process_destroy(&pr->base);
		return NULL;
	}
	return &pr->base;
}
