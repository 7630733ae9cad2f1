/*
 * files: read(2) in large chunks into the scanner (see files.h).
 */
#include "config.h"

#include "scan/files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"

#define READ_CHUNK ((size_t)256 * 1024)

struct walk {
	struct output *out;       /* borrowed */
	struct objscan *os;       /* borrowed */
	struct output_sink *sink; /* borrowed */
	struct scan_totals *t;    /* borrowed */
	char *chunk;              /* owned; READ_CHUNK bytes */
	uint64_t files;           /* files read below the path */
};

static void
show(struct walk *w, uint64_t file_bytes)
{
	struct objscan_stats st;
	struct progress_figures f = {"file", 0, 0, 0, 0, 0, 0, 0};

	objscan_stats(w->os, &st);
	f.done = w->t->objects + 1;
	f.bytes = w->t->bytes + file_bytes;
	f.records = w->t->records + st.records;
	output_progress(w->out, &f);
}

/* Streams one open file through the scanner; path names it. */
static void
scan_fd(struct walk *w, int fd, const char *path)
{
	struct objscan_stats st;
	struct ct_error err;
	uint64_t total = 0;
	ssize_t n;
	int ok = 1;

	w->files++;
	output_sink_object(w->sink);
	if (objscan_reset(w->os, path, &err) == -1) {
		output_error(w->out, "%s", err.msg);
		return;
	}
	while (ok && !output_stopped(w->out) && (n = read(fd, w->chunk, READ_CHUNK)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			output_error(w->out, "%s: read error at byte %llu: %s", path,
			    (unsigned long long)total, strerror(errno));
			ok = 0;
			break;
		}
		total += (uint64_t)n;
		if (objscan_feed(w->os, w->chunk, (size_t)n, &err) == -1) {
			output_error(w->out, "%s", err.msg);
			ok = 0;
		}
		show(w, total);
	}
	if (ok && !output_stopped(w->out) && objscan_finish(w->os, &err) == -1)
		output_error(w->out, "%s", err.msg);
	output_sink_publish(w->sink, path);
	objscan_stats(w->os, &st);
	w->t->objects++;
	w->t->bytes += total;
	w->t->json_bytes += st.json_bytes;
	w->t->records += st.records;
	w->t->passed += st.passed;
	output_sink_object_done(w->sink, path);
}

static void scan_path(struct walk *w, const char *path, int top);

/* In a directory, only log files count: *.json, *.jsonl, *.ndjson, each
 * perhaps .gz; a README or a digest directory next to the logs does not. */
static int
is_log_name(const char *name)
{
	static const char *const ext[] = {".json", ".jsonl", ".ndjson"};
	size_t n = strlen(name);

	if (n > 3 && strcmp(name + n - 3, ".gz") == 0)
		n -= 3;
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t e = strlen(ext[i]);

		if (n > e && strncmp(name + n - e, ext[i], e) == 0)
			return 1;
	}
	return 0;
}

static int
not_dot(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* Every regular file below dir, in name order; symbolic links are not followed. */
static void
scan_dir(struct walk *w, const char *dir)
{
	struct dirent **names;
	struct buf child = BUF_INIT;
	int n;

	if ((n = scandir(dir, &names, not_dot, alphasort)) == -1) {
		output_error(w->out, "%s: %s", dir, strerror(errno));
		return;
	}
	for (int i = 0; i < n; i++) {
		buf_reset(&child);
		if (buf_printf(&child, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
		        names[i]->d_name) == -1)
			output_error(w->out, "%s: out of memory", dir);
		else if (strcmp(names[i]->d_name, "CloudTrail-Digest") != 0 &&
		         !output_stopped(w->out))
			scan_path(w, child.data, 0);
		free(names[i]);
	}
	free(names);
	buf_free(&child);
}

static void
scan_path(struct walk *w, const char *path, int top)
{
	struct stat st;
	int fd;

	if (strcmp(path, "-") == 0 && top) {
		scan_fd(w, STDIN_FILENO, "-");
		return;
	}
	if ((top ? stat(path, &st) : lstat(path, &st)) == -1) {
		output_error(w->out, "%s: %s", path, strerror(errno));
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		scan_dir(w, path);
		return;
	}
	if (!top && (!S_ISREG(st.st_mode) || !is_log_name(strrchr(path, '/') + 1)))
		return;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		output_error(w->out, "%s: %s", path, strerror(errno));
		return;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	scan_fd(w, fd, path);
	close(fd);
}

void
files_scan(struct output *out, struct objscan *os, struct output_sink *sink, const char *path,
    struct scan_totals *t)
{
	struct walk w = {out, os, sink, t, malloc(READ_CHUNK), 0};
	uint64_t errors = out->errors;
	struct stat st;

	if (w.chunk == NULL) {
		output_error(out, "%s: out of memory", path);
		return;
	}
	scan_path(&w, path, 1);
	free(w.chunk);
	/* A folder with nothing to read is a mistake, not "no match". */
	if (w.files == 0 && out->errors == errors && !output_stopped(out) && stat(path, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		output_error(out,
		    "%s: no log file in it (*.json, *.jsonl or *.ndjson, each perhaps .gz; "
		    "symbolic links are not followed)",
		    path);
}
