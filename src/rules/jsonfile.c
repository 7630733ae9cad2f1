/*
 * Rules in *.json files, alone or in a rules directory. A file holds
 *
 *   a rule object   {"name": ..., "description": ..., "severity": ..., "pattern": {...}}
 *                   (a JSON object with a "pattern" member; name defaults to the file's),
 *   a list of them  [{...}, {...}] (each with its name), or
 *   a bare pattern  {"eventSource": ["kms.amazonaws.com"], ...}, named after the file.
 *
 * Rules of a list are known by "FILE:LINE" of their opening brace.
 */
#include "rules/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The members of a rule object, and what each must be. */
enum member_id {
	M_NAME,
	M_DESCRIPTION,
	M_SEVERITY,
	M_PATTERN,
	M_PATTERNS,
	M_CONDITION,
	M_EXCEPTIONS,
	M_ENABLED,
	M_TESTS,
	M_GROUP_BY,
	M_WINDOW,
	M_THRESHOLD,
	M_DISTINCT,
	NMEMBERS
};

static const char *const members[NMEMBERS] = {
    [M_NAME] = "name",
    [M_DESCRIPTION] = "description",
    [M_SEVERITY] = "severity",
    [M_PATTERN] = "pattern",
    [M_PATTERNS] = "patterns",
    [M_CONDITION] = "condition",
    [M_EXCEPTIONS] = "exceptions",
    [M_ENABLED] = "enabled",
    [M_TESTS] = "tests",
    [M_GROUP_BY] = "group_by",
    [M_WINDOW] = "window",
    [M_THRESHOLD] = "threshold",
    [M_DISTINCT] = "distinct",
};

/* Where errors about one rule point. */
struct place {
	const char *origin; /* "FILE" or "FILE:LINE" */
	const char *name;   /* the rule's name, NULL while unknown */
	size_t index;       /* 1-based position in a list; 0: the file's only rule */
};

static int
rule_error(struct ct_error *err, const struct place *p)
{
	if (p->name)
		ct_error_prefix(err, "%s: rule '%s'", p->origin, p->name);
	else if (p->index)
		ct_error_prefix(err, "%s: rule #%zu", p->origin, p->index);
	else
		ct_error_prefix(err, "%s", p->origin);
	return -1;
}

static int rule_fail(struct ct_error *err, const struct place *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
rule_fail(struct ct_error *err, const struct place *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct_error_vset(err, CT_ERR_CONFIG, fmt, ap);
	va_end(ap);
	return rule_error(err, p);
}

static int
member_type_ok(enum member_id m, yajl_val v)
{
	if (m == M_ENABLED)
		return YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v);
	if (m == M_PATTERN)
		return YAJL_IS_OBJECT(v) || YAJL_IS_STRING(v);
	if (m == M_TESTS || m == M_EXCEPTIONS)
		return YAJL_IS_ARRAY(v);
	if (m == M_PATTERNS)
		return YAJL_IS_OBJECT(v);
	if (m == M_GROUP_BY)
		return YAJL_IS_STRING(v) || YAJL_IS_ARRAY(v);
	if (m == M_WINDOW)
		return YAJL_IS_STRING(v) || YAJL_IS_INTEGER(v);
	if (m == M_THRESHOLD)
		return YAJL_IS_INTEGER(v);
	return YAJL_IS_STRING(v);
}

/* A declared setting (see rule_list_declare): a string, into extra[]. */
static int
rule_extra(const struct rule_list *l, const char *key, yajl_val v, const char **extra,
    const struct place *p, struct ct_error *err)
{
	int x = rule_extra_find(l, key);
	char hint[320];

	if (x == -1)
		return rule_fail(err, p, "unknown member \"%s\" %s", key,
		    rule_unknown_hint(
		        l, key, members, NMEMBERS, sizeof(members[0]), '"', hint, sizeof(hint)));
	if (extra[x])
		return rule_fail(err, p, "duplicate member \"%s\"", key);
	if (!YAJL_IS_STRING(v))
		return rule_fail(err, p, "\"%s\" must be a string", key);
	extra[x] = v->u.string;
	return 0;
}

/* Sorts the members of a rule object into found[], one per known member,
 * and extra[], one per declared setting. */
static int
rule_members(const struct rule_list *l, yajl_val obj, yajl_val *found, const char **extra,
    const struct place *p, struct ct_error *err)
{
	for (size_t i = 0; i < obj->u.object.len; i++) {
		const char *key = obj->u.object.keys[i];
		yajl_val v = obj->u.object.values[i];
		size_t m;

		for (m = 0; m < NMEMBERS; m++)
			if (strcmp(key, members[m]) == 0)
				break;
		if (m == NMEMBERS) {
			if (rule_extra(l, key, v, extra, p, err) == -1)
				return -1;
			continue;
		}
		if (found[m])
			return rule_fail(err, p, "duplicate member \"%s\"", key);
		if (!member_type_ok(m, v))
			return rule_fail(err, p, "\"%s\" must be %s", key,
			    m == M_ENABLED      ? "true or false"
			    : m == M_PATTERN    ? "an object or a JSON string"
			    : m == M_TESTS      ? "an array of tests"
			    : m == M_PATTERNS   ? "an object {\"NAME\": {...}, ...} of patterns"
			    : m == M_EXCEPTIONS ? "an array of patterns"
			    : m == M_GROUP_BY   ? "a string or an array of strings"
			    : m == M_WINDOW     ? "a duration (\"10m\") or a number of seconds"
			    : m == M_THRESHOLD  ? "a whole number"
			                        : "a string");
		found[m] = v;
	}
	return 0;
}

/* A pattern as JSON text into out; what names it in messages ("pattern",
 * "pattern 'root'", "exception 2"). */
static int
rule_pattern(
    yajl_val v, const char *what, struct buf *out, const struct place *p, struct ct_error *err)
{
	if (!YAJL_IS_OBJECT(v) && !YAJL_IS_STRING(v))
		return rule_fail(err, p, "%s must be an object or a JSON string", what);
	if (YAJL_IS_STRING(v)) {
		if (json_check_pattern(v->u.string, what, err) == -1) {
			return rule_error(err, p);
		}
		if (buf_puts(out, v->u.string) == -1)
			return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		return 0;
	}
	if (json_write(out, v) == -1)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	return 0;
}

/* One pattern of a rule's named ones or exceptions, into *text. */
static int
part_text(yajl_val v, const char *what, char **text, const struct place *p, struct ct_error *err)
{
	struct buf b = BUF_INIT;

	if (rule_pattern(v, what, &b, p, err) == -1) {
		buf_free(&b);
		return -1;
	}
	if ((*text = buf_detach(&b)) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	return 0;
}

/* The named patterns and exceptions of a rule object into t. */
static int
rule_parts(yajl_val *found, struct spec_texts *t, const struct place *p, struct ct_error *err)
{
	yajl_val parts = found[M_PATTERNS], exc = found[M_EXCEPTIONS];
	size_t n = parts ? parts->u.object.len : 0, nx = exc ? exc->u.array.len : 0;
	char what[96];

	if (parts && n == 0)
		return rule_fail(err, p, "\"patterns\" must name at least one pattern");
	if (spec_texts_init(t, n, nx) == -1)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++, t->nparts++) {
		t->parts[i].name = parts->u.object.keys[i];
		snprintf(what, sizeof(what), "pattern '%.64s'", t->parts[i].name);
		if (part_text(parts->u.object.values[i], what, (char **)&t->parts[i].pattern, p,
		        err) == -1)
			return -1;
	}
	for (size_t i = 0; i < nx; i++, t->nexceptions++) {
		snprintf(what, sizeof(what), "exception %zu", i + 1);
		if (part_text(exc->u.array.values[i], what, &t->exceptions[i], p, err) == -1)
			return -1;
	}
	return 0;
}

static const char *
member_string(yajl_val *found, enum member_id m)
{
	return found[m] ? found[m]->u.string : NULL;
}

/* group_by, window, threshold and distinct into gs; numbers keep the text
 * yajl read them from. */
static int
rule_group_members(
    yajl_val *found, struct rule_group_spec *gs, const struct place *p, struct ct_error *err)
{
	yajl_val by = found[M_GROUP_BY];

	if (by && YAJL_IS_STRING(by))
		gs->by[gs->nby++] = by->u.string;
	for (size_t i = 0; by && YAJL_IS_ARRAY(by) && i < by->u.array.len; i++) {
		if (!YAJL_IS_STRING(by->u.array.values[i]))
			return rule_fail(
			    err, p, "\"group_by\" must be a string or an array of strings");
		if (gs->nby == RULE_GROUP_BY_MAX)
			gs->by_too_many = 1;
		else
			gs->by[gs->nby++] = by->u.array.values[i]->u.string;
	}
	gs->window = found[M_WINDOW] == NULL           ? NULL
	             : YAJL_IS_STRING(found[M_WINDOW]) ? found[M_WINDOW]->u.string
	                                               : found[M_WINDOW]->u.number.r;
	gs->threshold = found[M_THRESHOLD] ? found[M_THRESHOLD]->u.number.r : NULL;
	gs->distinct = member_string(found, M_DISTINCT);
	return 0;
}

/* A rule object; default_name is used when it has no "name" (NULL: required). */
static int
load_rule_object(struct rule_list *l, yajl_val obj, struct place *p, const char *default_name,
    struct ct_error *err)
{
	yajl_val found[NMEMBERS] = {NULL};
	struct rule_spec s = {NULL};
	struct buf pattern = BUF_INIT;
	struct spec_texts texts = {NULL, 0, NULL, 0};
	int r = -1;

	for (size_t i = 0; i < obj->u.object.len; i++)
		if (strcmp(obj->u.object.keys[i], "name") == 0 &&
		    YAJL_IS_STRING(obj->u.object.values[i]))
			p->name = obj->u.object.values[i]->u.string;
	if (rule_members(l, obj, found, s.extra, p, err) == -1)
		return -1;
	if (found[M_NAME] == NULL && (p->name = default_name) == NULL)
		return rule_fail(err, p, "missing \"name\"");
	if (rule_name_check(p->name, err) == -1)
		return rule_error(err, p);
	if (found[M_PATTERN] == NULL && found[M_PATTERNS] == NULL)
		return rule_fail(err, p, "missing \"pattern\" (or \"patterns\")");
	if (found[M_PATTERN] && rule_pattern(found[M_PATTERN], "pattern", &pattern, p, err) == -1)
		goto out;
	if (rule_parts(found, &texts, p, err) == -1)
		goto out;
	s.pattern = found[M_PATTERN] ? pattern.data : NULL;
	s.condition = member_string(found, M_CONDITION);
	spec_texts_use(&texts, &s);
	if (rule_group_members(found, &s.group, p, err) == -1)
		goto out;
	if (found[M_TESTS] &&
	    rule_tests_from_json(found[M_TESTS], &s.tests, &s.ntests, err) == -1) {
		rule_error(err, p);
		goto out;
	}
	s.name = p->name;
	s.description = member_string(found, M_DESCRIPTION);
	s.severity = member_string(found, M_SEVERITY);
	s.origin = p->origin;
	if (YAJL_IS_FALSE(found[M_ENABLED]))
		r = rule_spec_check(l, &s, err); /* disabled: checked, not added */
	else
		r = rule_list_add(l, &s, err);
	if (r == -1)
		rule_error(err, p);
out:
	rule_tests_free(s.tests, s.ntests);
	spec_texts_free(&texts);
	buf_free(&pattern);
	return r;
}

static int
is_rule_object(yajl_val v)
{
	if (!YAJL_IS_OBJECT(v))
		return 0;
	for (size_t i = 0; i < v->u.object.len; i++)
		if (strcmp(v->u.object.keys[i], "pattern") == 0 ||
		    strcmp(v->u.object.keys[i], "patterns") == 0)
			return 1;
	return 0;
}

static int
load_bare_pattern(struct rule_list *l, yajl_val obj, struct place *p, struct ct_error *err)
{
	struct rule_spec s = {.name = p->name, .origin = p->origin};
	struct buf pattern = BUF_INIT;
	int r;

	if (rule_name_check(p->name, err) == -1) {
		ct_error_prefix(err, "%s: rule named after the file", p->origin);
		return -1;
	}
	if (json_write(&pattern, obj) == -1) {
		buf_free(&pattern);
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	}
	s.pattern = pattern.data;
	if ((r = rule_list_add(l, &s, err)) == -1)
		rule_error(err, p);
	buf_free(&pattern);
	return r;
}

static int
load_list(struct rule_list *l, yajl_val arr, const char *path, const char *text, size_t len,
    const struct json_marks *marks, struct ct_error *err)
{
	struct buf origin = BUF_INIT;
	struct json_cursor at = {0, 1}; /* the elements' offsets increase */
	int r = 0;

	for (size_t i = 0; i < arr->u.array.len && r == 0; i++) {
		struct place p = {NULL, NULL, i + 1};

		buf_reset(&origin);
		if (buf_printf(&origin, "%s:%u", path,
		        json_line_at(text, len, marks->elem[i], &at)) == -1) {
			r = ct_error_set(err, CT_ERR_NOMEM, "out of memory");
			break;
		}
		p.origin = origin.data;
		if (!is_rule_object(arr->u.array.values[i]))
			r = rule_fail(
			    err, &p, "not a rule object {\"name\": ..., \"pattern\": ...}");
		else
			r = load_rule_object(l, arr->u.array.values[i], &p, NULL, err);
	}
	buf_free(&origin);
	return r;
}

/* The file's name without its directory and ".json" (".yml", ".yaml"). */
char *
rules_file_stem(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 5 && (strcmp(base + n - 5, ".json") == 0 || strcmp(base + n - 5, ".yaml") == 0))
		n -= 5;
	else if (n > 4 && strcmp(base + n - 4, ".yml") == 0)
		n -= 4;
	return strndup(base, n);
}

static int
load_tree(struct rule_list *l, yajl_val root, const char *path, const char *text, size_t len,
    const struct json_marks *marks, struct ct_error *err)
{
	struct place p = {path, NULL, 0};
	char *stem;
	int r;

	if (YAJL_IS_ARRAY(root))
		return load_list(l, root, path, text, len, marks, err);
	if (!YAJL_IS_OBJECT(root))
		return ct_error_set(err, CT_ERR_CONFIG,
		    "%s: expected a rule object, a list of them or an event pattern", path);
	if ((stem = rules_file_stem(path)) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	if (is_rule_object(root)) {
		r = load_rule_object(l, root, &p, stem, err);
	} else {
		p.name = stem;
		r = load_bare_pattern(l, root, &p, err);
	}
	free(stem);
	return r;
}

static int
file_too_large(const char *path, struct ct_error *err)
{
	return ct_error_set(err, CT_ERR_LIMIT, "%s: rule file larger than %d MiB", path,
	    RULES_FILE_MAX / (1024 * 1024));
}

/* Opens path for reading if it is a regular file of at most RULES_FILE_MAX
 * bytes; *size is its size. */
static int
open_rule_file(const char *path, size_t *size, struct ct_error *err)
{
	const char *why = NULL;
	struct stat st;
	int fd;

	/* O_NONBLOCK: a FIFO in the way must not hang the load. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return ct_error_set(err, CT_ERR_IO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == -1)
		why = strerror(errno);
	else if (S_ISDIR(st.st_mode))
		why = strerror(EISDIR);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	if (why || st.st_size > RULES_FILE_MAX) {
		close(fd);
		if (why)
			return ct_error_set(err, CT_ERR_IO, "%s: %s", path, why);
		return file_too_large(path, err);
	}
	*size = (size_t)st.st_size;
	return fd;
}

/* Reads a whole rule file into b: a read of its size and one byte more,
 * which comes back short at the end of a regular file. */
int
rules_read_file(const char *path, struct buf *b, struct ct_error *err)
{
	size_t want = 0;
	ssize_t n;
	int fd;

	if ((fd = open_rule_file(path, &want, err)) == -1)
		return -1;
	want = want < 65536 ? want + 1 : 65536;
	do {
		if (b->len > RULES_FILE_MAX) { /* it grew while being read */
			close(fd);
			return file_too_large(path, err);
		}
		if (buf_reserve(b, want) == -1) {
			close(fd);
			return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		}
		n = read(fd, b->data + b->len, want);
		if (n > 0)
			b->len += (size_t)n;
	} while (n == (ssize_t)want || (n == -1 && errno == EINTR));
	close(fd);
	b->data[b->len] = '\0';
	if (n == -1)
		return ct_error_set(err, CT_ERR_IO, "%s: %s", path, strerror(errno));
	return 0;
}

int
rules_load_json_file(struct rule_list *l, const char *path, struct ct_error *err)
{
	struct buf text = BUF_INIT;
	struct json_marks marks = {NULL, 0, 0};
	char why[128];
	yajl_val root = NULL;
	int r = -1;

	if (rules_read_file(path, &text, err) == -1)
		goto out;
	if (json_check(text.data, text.len, &marks, err) == -1) {
		ct_error_prefix(err, "%s", path);
		goto out;
	}
	if ((root = json_parse(text.data, text.len, JSON_TREE_MAX_DEPTH, why, sizeof(why))) ==
	    NULL) {
		r = ct_error_set(err, CT_ERR_NOMEM, "%s: %s", path, why);
		goto out;
	}
	r = load_tree(l, root, path, text.data, text.len, &marks, err);
out:
	yajl_tree_free(root);
	json_marks_free(&marks);
	buf_free(&text);
	return r;
}

/* The paths of the rule files below a directory. */
struct names {
	char **v; /* owned, each owned */
	size_t n, cap;
};

static void
names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

/* Appends path, which the list then owns. */
static int
names_add(struct names *ns, char *path)
{
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 16;
		char **v = realloc(ns->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		ns->v = v;
		ns->cap = cap;
	}
	ns->v[ns->n++] = path;
	return 0;
}

enum entry_kind { ENTRY_SKIP, ENTRY_RULES, ENTRY_DIR };

/* Hidden entries, other names and special files are left alone; directories
 * are entered (not links to them); a *.json that cannot be looked at is
 * kept, so that loading it says why. */
static enum entry_kind
entry_kind(const char *path, const char *name, unsigned char type)
{
	struct stat st;

	if (name[0] == '.')
		return ENTRY_SKIP;
	if (type == DT_DIR)
		return ENTRY_DIR;
	if (type == DT_REG) /* what the directory says spares looking */
		return rules_file_name(name) ? ENTRY_RULES : ENTRY_SKIP;
	if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return ENTRY_DIR;
	if (!rules_file_name(name))
		return ENTRY_SKIP;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return ENTRY_SKIP;
	return ENTRY_RULES;
}

/* Adds the rule files below dir to ns. */
static int
collect(const char *dir, int depth, struct names *ns, struct ct_error *err)
{
	struct dirent *e;
	DIR *d;
	int r = 0;

	if (depth > RULES_DIR_DEPTH_MAX)
		return ct_error_set(err, CT_ERR_LIMIT,
		    "%s: rules directories nested deeper than %d", dir, RULES_DIR_DEPTH_MAX);
	if ((d = opendir(dir)) == NULL)
		return ct_error_set(err, CT_ERR_IO, "%s: %s", dir, strerror(errno));
	while (r == 0 && (e = readdir(d)) != NULL) {
		enum entry_kind kind;
		char *path;

		if (asprintf(&path, "%s/%s", dir, e->d_name) == -1) {
			r = ct_error_set(err, CT_ERR_NOMEM, "out of memory");
			break;
		}
		kind = entry_kind(path, e->d_name, e->d_type);
		if (kind == ENTRY_DIR)
			r = collect(path, depth + 1, ns, err);
		if (kind == ENTRY_RULES && names_add(ns, path) == 0)
			continue;
		if (kind == ENTRY_RULES)
			r = ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		free(path);
	}
	closedir(d);
	return r;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
rules_load_dir(struct rule_list *l, const char *dir, struct ct_error *err)
{
	struct names ns = {NULL, 0, 0};
	size_t dlen = strlen(dir);
	char *top;
	int r;

	/* "rules.d/" and "rules.d" name the same files the same way. */
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	if ((top = strndup(dir, dlen)) == NULL)
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	r = collect(top, 0, &ns, err);
	if (r == 0 && ns.n)
		qsort(ns.v, ns.n, sizeof(*ns.v), name_cmp);
	for (size_t i = 0; r == 0 && i < ns.n; i++) {
		r = rules_sigma_name(ns.v[i]) ? rules_load_sigma_file(l, ns.v[i], 1, err)
		                              : rules_load_json_file(l, ns.v[i], err);
		if (r == -1)
			r = rule_list_refuse(l, err);
	}
	names_free(&ns);
	free(top);
	return r;
}
