/*
 * The configuration. Cases in tests/daemon/cases/conf/ *.case:
 *   --- conf         ctalertd.conf (without it, no file is read at all)
 *   --- env          NAME=value lines: the whole environment the loader sees
 *   --- file PATH    any other file the case needs (rules.d/x.json, ...)
 *   --- expect       conf_print()'s output, or one "error: <message>" line for
 *                    each error the loader finds, in order
 * Each case runs in a scratch folder, so messages name "ctalertd.conf".
 * Then the shipped sample, etc/ctalertd.conf: it loads, it documents every
 * option, and each default it shows ("#name = value;") is the real one.
 */
#include "config.h"

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caselib.h"
#include "daemon/conf.h"
#include "tests/lib/check_main.h"

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
write_file(const char *path, const struct buf *text)
{
	char dir[1024], *slash;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0700);
		*slash = '/';
	}
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fwrite(text->data, 1, text->len, f);
	fputc('\n', f);
	fclose(f);
}

/* The env section as a NULL-terminated array pointing into text. */
static char **
make_env(struct buf *text)
{
	char **env = calloc(64, sizeof(*env));
	size_t n = 0;

	for (char *line = text->len ? text->data : NULL; line && n < 63;) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		if (*line)
			env[n++] = line;
		line = nl ? nl + 1 : NULL;
	}
	return env;
}

/* conf_report_fn: one "error: " line per error. */
static void
report(void *arg, const char *msg)
{
	buf_printf(arg, "error: %s\n", msg);
}

/* Loads the case's configuration in a scratch folder; prints it or the errors. */
static void
run_case(const struct ct_case *cf, struct buf *got)
{
	char tmp[] = "/tmp/ctalertd-conf-XXXXXX", cwd[4096];
	struct buf text = BUF_INIT, envtext = BUF_INIT;
	const struct buf *env = ct_case_buf(cf, "env");
	struct buf errors = BUF_INIT;
	struct ct_config *c;
	struct ct_error err, first;
	char **envp;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_int_eq(chdir(tmp), 0);
	for (size_t i = 0; i < cf->n; i++) {
		if (strcmp(cf->v[i].name, "file") == 0 || strcmp(cf->v[i].name, "conf") == 0) {
			ct_case_expand(&cf->v[i].text, &text);
			write_file(
			    cf->v[i].name[0] == 'c' ? "ctalertd.conf" : cf->v[i].args, &text);
		}
	}
	if (env)
		ct_case_expand(env, &envtext);
	envp = make_env(&envtext);
	ct_error_clear(&err);
	c = conf_load_report(
	    ct_case_buf(cf, "conf") ? "ctalertd.conf" : CONF_NO_FILE, envp, report, &errors, &err);
	if (c) {
		ck_assert_uint_eq(errors.len, 0);
		conf_print(c, got);
		conf_free(c);
	} else {
		ck_assert_int_ne(err.code, CT_OK);
		buf_append(got, errors.data, errors.len);
		/* conf_load() (what `run` uses) refuses it too, with the first error */
		ct_error_clear(&first);
		ck_assert_ptr_null(
		    c = conf_load(
		        ct_case_buf(cf, "conf") ? "ctalertd.conf" : CONF_NO_FILE, envp, &first));
		ck_assert_str_eq(first.msg, err.msg);
		ck_assert_msg(strncmp(errors.data + 7, err.msg, strlen(err.msg)) == 0,
		    "%s: the first error reported is not err", cf->path);
	}
	buf_free(&errors);
	free(envp);
	ck_assert_int_eq(chdir(cwd), 0);
	nftw(tmp, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	buf_free(&text);
	buf_free(&envtext);
}

START_TEST(test_case)
{
	struct buf want = BUF_INIT, got = BUF_INIT;
	struct ct_case cf;

	ct_case_load(ct_case_path(_i), DAEMON_CASE, &cf);
	ck_assert_msg(ct_case_buf(&cf, "expect") != NULL, "%s: no expect", cf.path);
	run_case(&cf, &got);
	ct_case_expand(ct_case_buf(&cf, "expect"), &want);
	ct_case_compare(cf.path, want.data, got.data ? got.data : "");
	buf_free(&want);
	buf_free(&got);
	ct_case_free(&cf);
}
END_TEST

static char *
read_sample(const char *name)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/etc/%s", top ? top : ".", name);
	ck_assert_msg((f = fopen(path, "r")) != NULL, "%s: cannot open", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return buf_detach(&b);
}

/* A scratch folder with the rule pack beside it, as installed (rules_dir
 * "rules.d"); tmp is a mkdtemp() template. */
static void
sample_dir(char *tmp)
{
	const char *top = getenv("top_srcdir");
	char link[4096], pack[4096];

	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(link, sizeof(link), "%s/rules.d", tmp);
	snprintf(pack, sizeof(pack), "%s/etc/rules.d", top ? top : ".");
	ck_assert_int_eq(symlink(pack, link), 0);
}

static struct ct_config *
load_sample(const char *dir, const char *text, struct buf *printed)
{
	char path[4096];
	struct ct_error err;
	struct ct_config *c;
	struct buf b = BUF_INIT;
	char *env[] = {NULL};

	snprintf(path, sizeof(path), "%s/ctalertd.conf", dir);
	buf_puts(&b, text);
	write_file(path, &b);
	c = conf_load(path, env, &err);
	ck_assert_msg(c != NULL, "the sample does not load: %s", err.msg);
	buf_reset(printed);
	conf_print(c, printed);
	buf_free(&b);
	return c;
}

/* Every "#name = value;" line (a documented default) uncommented. */
static char *
uncomment_defaults(const char *text)
{
	struct buf out = BUF_INIT;
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n'), *p = line;
		size_t len = nl ? (size_t)(nl - line + 1) : strlen(line);

		while (*p == ' ' || *p == '\t')
			p++;
		if (p[0] == '#' && p[1] >= 'a' && p[1] <= 'z' && strstr(p, " = ") != NULL &&
		    memchr(p, ';', len - (size_t)(p - line)) != NULL) {
			buf_append(&out, line, (size_t)(p - line));
			buf_append(&out, p + 1, len - (size_t)(p - line) - 1);
		} else {
			buf_append(&out, line, len);
		}
		line += len;
	}
	return buf_detach(&out);
}

/* The sample loads, and spelling out its documented defaults changes nothing. */
START_TEST(test_sample_defaults_are_real)
{
	char *text = read_sample("ctalertd.conf"), *spelled = uncomment_defaults(text);
	struct buf a = BUF_INIT, b = BUF_INIT;
	char dir[] = "/tmp/ctalertd-sample-XXXXXX";
	struct ct_config *c1, *c2;

	ck_assert_msg(strcmp(text, spelled) != 0, "the sample shows no defaults");
	sample_dir(dir);
	c1 = load_sample(dir, text, &a);
	c2 = load_sample(dir, spelled, &b);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	if (strcmp(a.data, b.data) != 0)
		fprintf(stderr, "--- the sample\n%s--- with every default spelled out\n%s", a.data,
		    b.data);
	ck_assert_msg(strcmp(a.data, b.data) == 0,
	    "etc/ctalertd.conf: a documented default differs "
	    "from the real one (both printed above)");
	ck_assert_uint_gt(c1->rules.n, 0);
	conf_free(c1);
	conf_free(c2);
	buf_free(&a);
	buf_free(&b);
	free(text);
	free(spelled);
}
END_TEST

/* Every option appears in the sample as "name =" (set, or as "#name ="). */
START_TEST(test_sample_documents_every_option)
{
	char *text = read_sample("ctalertd.conf");
	const char *name;

	for (size_t i = 0; (name = conf_option_name(i)) != NULL; i++) {
		const char *leaf = strrchr(name, '.') ? strrchr(name, '.') + 1 : name;
		char pattern[128];

		snprintf(pattern, sizeof(pattern), "%s = ", leaf);
		ck_assert_msg(
		    strstr(text, pattern) != NULL, "etc/ctalertd.conf: %s is not documented", name);
	}
	free(text);
}
END_TEST

CT_CHECK_PROGRAM(.name = "conf", .cases = "tests/daemon/cases/conf", .timeout = 60,
    .each_case = CT_TESTS(test_case),
    .once = CT_TESTS(test_sample_defaults_are_real, test_sample_documents_every_option))
