/*
 * The shared config and credentials file parser; see profile.h for the
 * grammar. Files are small: sections and properties are plain arrays.
 */
#include "config.h"

#include "aws/profile.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"

#define PROFILE_FILE_MAX (4 * 1024 * 1024) /* bigger is not a config file */

struct prop {
	char *key;         /* owned */
	char *value;       /* owned; continuation lines joined with '\n' */
	int empty_valued;  /* "key =" with nothing after: continuations are sub-properties */
	struct prop *subs; /* owned array of sub-properties (their subs unused) */
	size_t nsubs;
};

struct section {
	enum ctaws_profile_section_kind kind;
	char *name;         /* owned, without prefix */
	int prefixed;       /* config "[profile default]" (wins over "[default]") */
	struct prop *props; /* owned array */
	size_t nprops;
};

struct pfile {
	struct section *secs; /* owned array */
	size_t nsecs;
};

/* files[0] is the credentials file, files[1] the config file: lookup order. */
struct ctaws_profile_set {
	struct pfile files[2];
};

/* Where the parser stands between lines. */
struct parse {
	enum ctaws_profile_file_kind kind;
	const char *name; /* file name for messages */
	int line;         /* 1-based */
	struct pfile *f;
	int seen_section; /* a section line was seen (even an ignored one) */
	long sec;         /* current section index, -1 when in an ignored one */
	long prop;        /* current property index, -1 when none */
	int prop_ignored; /* the current property was dropped: so are its continuations */
	struct ctaws_error *err;
};

static int
is_ident(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '\\' || c == '_' || c == '-' || c == '/' || c == '.' || c == '%' || c == '@' ||
	       c == ':' || c == '+';
}

static int
is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_ident_str(const char *p, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_ident((unsigned char)p[i]))
			return 0;
	return 1;
}

static void
rtrim(const char *p, size_t *n)
{
	while (*n > 0 && is_ws((unsigned char)p[*n - 1]))
		(*n)--;
}

static void
ltrim(const char **p, size_t *n)
{
	while (*n > 0 && is_ws((unsigned char)**p)) {
		(*p)++;
		(*n)--;
	}
}

static int
fatal(struct parse *ps, const char *what)
{
	return ctaws_error_set(ps->err, "profile", "load", 0, "InvalidProfileFile", 0,
	    "%s line %d: %s", ps->name, ps->line, what);
}

static int
nomem(struct parse *ps)
{
	return ctaws_error_set(
	    ps->err, "profile", "load", 0, "OutOfMemory", 0, "%s: out of memory", ps->name);
}

static void
prop_clear(struct prop *p)
{
	free(p->key);
	free(p->value);
	for (size_t i = 0; i < p->nsubs; i++)
		prop_clear(&p->subs[i]);
	free(p->subs);
	memset(p, 0, sizeof(*p));
}

static void
pfile_clear(struct pfile *f)
{
	for (size_t i = 0; i < f->nsecs; i++) {
		for (size_t j = 0; j < f->secs[i].nprops; j++)
			prop_clear(&f->secs[i].props[j]);
		free(f->secs[i].props);
		free(f->secs[i].name);
	}
	free(f->secs);
	memset(f, 0, sizeof(*f));
}

static struct section *
find_section(
    const struct pfile *f, enum ctaws_profile_section_kind kind, const char *name, size_t n)
{
	for (size_t i = 0; i < f->nsecs; i++)
		if (f->secs[i].kind == kind && strlen(f->secs[i].name) == n &&
		    memcmp(f->secs[i].name, name, n) == 0)
			return &f->secs[i];
	return NULL;
}

static struct prop *
find_prop(const struct prop *props, size_t nprops, const char *key, size_t n)
{
	for (size_t i = 0; i < nprops; i++)
		if (strlen(props[i].key) == n && memcmp(props[i].key, key, n) == 0)
			return (struct prop *)&props[i];
	return NULL;
}

/* Sets key=value in the array, replacing an existing key; returns its index or -1. */
static long
props_set(struct prop **props, size_t *nprops, const char *k, size_t kn, const char *v, size_t vn)
{
	struct prop *p = find_prop(*props, *nprops, k, kn), *grown;
	char *key = strndup(k, kn), *value = strndup(v, vn);

	if (key == NULL || value == NULL)
		goto fail;
	if (p == NULL) {
		grown = realloc(*props, (*nprops + 1) * sizeof(**props));
		if (grown == NULL)
			goto fail;
		*props = grown;
		p = &grown[(*nprops)++];
	} else
		prop_clear(p);
	memset(p, 0, sizeof(*p));
	p->key = key;
	p->value = value;
	p->empty_valued = vn == 0;
	return p - *props;
fail:
	free(key);
	free(value);
	return -1;
}

/* Opens (or reopens, merging) a section; returns its index or -1 on no memory. */
static long
open_section(struct parse *ps, enum ctaws_profile_section_kind kind, const char *name, size_t n,
    int prefixed)
{
	struct pfile *f = ps->f;
	struct section *s = find_section(f, kind, name, n), *grown;

	if (s != NULL && kind == CTAWS_SECTION_PROFILE && ps->kind == CTAWS_PROFILE_FILE_CONFIG) {
		if (s->prefixed && !prefixed) /* "[default]" after "[profile default]" */
			return -2;
		if (!s->prefixed && prefixed) { /* "[profile default]" replaces "[default]" */
			for (size_t j = 0; j < s->nprops; j++)
				prop_clear(&s->props[j]);
			s->nprops = 0;
			s->prefixed = 1;
		}
	}
	if (s != NULL)
		return s - f->secs;
	grown = realloc(f->secs, (f->nsecs + 1) * sizeof(*f->secs));
	if (grown == NULL)
		return -1;
	f->secs = grown;
	s = &f->secs[f->nsecs];
	memset(s, 0, sizeof(*s));
	if ((s->name = strndup(name, n)) == NULL)
		return -1;
	s->kind = kind;
	s->prefixed = prefixed;
	return (long)f->nsecs++;
}

/* "profile x" / "services x" / "sso-session x": consumes the prefix and its whitespace. */
static int
section_prefix(const char **p, size_t *n, enum ctaws_profile_section_kind *kind)
{
	static const struct {
		const char *word;
		enum ctaws_profile_section_kind kind;
	} prefixes[] = {
	    {"profile", CTAWS_SECTION_PROFILE},
	    {"services", CTAWS_SECTION_SERVICES},
	    {"sso-session", CTAWS_SECTION_SSO_SESSION},
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t wl = strlen(prefixes[i].word);
		if (*n > wl && memcmp(*p, prefixes[i].word, wl) == 0 &&
		    is_ws((unsigned char)(*p)[wl])) {
			*p += wl;
			*n -= wl;
			ltrim(p, n);
			*kind = prefixes[i].kind;
			return 1;
		}
	}
	return 0;
}

static void
ignore_section(struct parse *ps, const char *why)
{
	log_debug("%s line %d: section ignored: %s", ps->name, ps->line, why);
	ps->sec = -1;
}

static int
parse_section(struct parse *ps, const char *p, size_t n)
{
	enum ctaws_profile_section_kind kind = CTAWS_SECTION_PROFILE;
	const char *name;
	size_t nl = 0, i;
	int prefixed;
	long idx;

	for (i = 0; i < n && p[i] != '#' && p[i] != ';'; i++)
		;
	n = i;
	rtrim(p, &n);
	p++, n--; /* '[' */
	ps->seen_section = 1;
	ps->sec = ps->prop = -1;
	ps->prop_ignored = 0;
	ltrim(&p, &n);
	prefixed = section_prefix(&p, &n, &kind);
	name = p;
	while (nl < n && is_ident((unsigned char)name[nl]))
		nl++;
	for (i = nl; i < n && is_ws((unsigned char)p[i]); i++)
		;
	if (memchr(p, ']', n) == NULL)
		return fatal(ps, "section line without ']'");
	if (p[i] != ']' || nl == 0) {
		ignore_section(ps, "invalid section name");
		return 0;
	}
	if (ps->kind == CTAWS_PROFILE_FILE_CREDENTIALS && prefixed) {
		ignore_section(ps, "credentials file sections take no prefix");
		return 0;
	}
	if (ps->kind == CTAWS_PROFILE_FILE_CONFIG && !prefixed &&
	    !(nl == 7 && !memcmp(name, "default", 7))) {
		ignore_section(ps, "config file profiles need the \"profile \" prefix");
		return 0;
	}
	idx = open_section(ps, kind, name, nl, prefixed && kind == CTAWS_SECTION_PROFILE);
	if (idx == -1)
		return nomem(ps);
	ps->sec = idx; /* -2: a "[default]" shadowed by "[profile default]": ignored */
	if (idx == -2)
		ps->sec = -1;
	return 0;
}

static int
parse_continuation(struct parse *ps, const char *p, size_t n)
{
	struct prop *prop;
	struct buf b = BUF_INIT;
	const char *eq;
	size_t kn;

	rtrim(p, &n);
	ltrim(&p, &n);
	if (ps->prop_ignored)
		return 0;
	if (ps->prop < 0)
		return fatal(ps, "continuation line without a property to continue");
	prop = &ps->f->secs[ps->sec].props[ps->prop];
	if (buf_puts(&b, prop->value) || buf_putc(&b, '\n') || buf_append(&b, p, n))
		return buf_free(&b), nomem(ps);
	free(prop->value);
	prop->value = buf_detach(&b);
	if (!prop->empty_valued)
		return 0;
	if ((eq = memchr(p, '=', n)) == NULL)
		return fatal(ps, "sub-property without '='");
	kn = (size_t)(eq - p);
	rtrim(p, &kn);
	if (!is_ident_str(p, kn)) {
		log_debug(
		    "%s line %d: sub-property with an invalid name ignored", ps->name, ps->line);
		return 0;
	}
	eq++;
	n -= (size_t)(eq - p);
	ltrim(&eq, &n);
	if (props_set(&prop->subs, &prop->nsubs, p, kn, eq, n) < 0)
		return nomem(ps);
	return 0;
}

static int
parse_property(struct parse *ps, const char *p, size_t n)
{
	const char *eq, *v;
	size_t i, kn, vn;
	struct section *s;
	long idx;

	for (i = 1; i < n; i++) /* a comment needs whitespace before it */
		if ((p[i] == '#' || p[i] == ';') && is_ws((unsigned char)p[i - 1]))
			break;
	n = i;
	rtrim(p, &n);
	ps->prop = -1;
	ps->prop_ignored = 1;
	if ((eq = memchr(p, '=', n)) == NULL)
		return fatal(ps, "expected a property \"key = value\"");
	if (!ps->seen_section)
		return fatal(ps, "property before any section");
	kn = (size_t)(eq - p);
	rtrim(p, &kn);
	if (!is_ident_str(p, kn)) {
		log_debug("%s line %d: property with an invalid name ignored", ps->name, ps->line);
		return 0;
	}
	if (ps->sec < 0)
		return 0;
	v = eq + 1;
	vn = n - (size_t)(v - p);
	ltrim(&v, &vn);
	s = &ps->f->secs[ps->sec];
	if ((idx = props_set(&s->props, &s->nprops, p, kn, v, vn)) < 0)
		return nomem(ps);
	ps->prop = idx;
	ps->prop_ignored = 0;
	return 0;
}

static int
parse_line(struct parse *ps, const char *p, size_t n)
{
	size_t t = n;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	rtrim(p, &t);
	if (t == 0 || p[0] == '#' || p[0] == ';')
		return 0;
	if (p[0] == '[')
		return parse_section(ps, p, n);
	if (is_ws((unsigned char)p[0]))
		return parse_continuation(ps, p, n);
	return parse_property(ps, p, n);
}

struct ctaws_profile_set *
ctaws_profile_set_new(void)
{
	return calloc(1, sizeof(struct ctaws_profile_set));
}

void
ctaws_profile_set_free(struct ctaws_profile_set *s)
{
	if (s == NULL)
		return;
	pfile_clear(&s->files[0]);
	pfile_clear(&s->files[1]);
	free(s);
}

int
ctaws_profile_set_parse(struct ctaws_profile_set *s, enum ctaws_profile_file_kind kind,
    const char *name, const char *text, size_t len, struct ctaws_error *err)
{
	struct pfile f = {NULL, 0};
	struct parse ps = {kind, name, 0, &f, 0, -1, -1, 0, err};
	const char *p = text, *end = text + len, *nl;
	struct pfile *slot = &s->files[kind == CTAWS_PROFILE_FILE_CONFIG ? 1 : 0];

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		ps.line++;
		if (parse_line(&ps, p, (size_t)(nl - p)) == -1) {
			pfile_clear(&f);
			return -1;
		}
		p = nl + 1;
	}
	pfile_clear(slot);
	*slot = f;
	return 0;
}

/* Reads a whole file into b. A missing file leaves b empty and returns 0. */
static int
read_file(const char *path, struct buf *b, struct ctaws_error *err)
{
	char chunk[8192];
	struct stat st;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		goto ioerr;
	}
	if (fstat(fd, &st) == -1)
		goto ioerr;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto ioerr;
	}
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto ioerr;
		if (b->len + (size_t)r > PROFILE_FILE_MAX) {
			close(fd);
			return ctaws_error_set(err, "profile", "load", 0, "InvalidProfileFile", 0,
			    "%s: larger than %d bytes", path, PROFILE_FILE_MAX);
		}
		if (buf_append(b, chunk, (size_t)r) == -1) {
			close(fd);
			return ctaws_error_set(
			    err, "profile", "load", 0, "OutOfMemory", 0, "%s: out of memory", path);
		}
	}
	close(fd);
	return 0;
ioerr:
	ctaws_error_set(err, "profile", "load", 0, "InvalidProfileFile", 0, "cannot read %s: %s",
	    path, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

static int
load_one(struct ctaws_profile_set *s, enum ctaws_profile_file_kind kind, const char *path,
    struct ctaws_error *err)
{
	struct buf b = BUF_INIT;
	int rc;

	if (read_file(path, &b, err) == -1)
		return buf_free(&b), -1;
	rc = ctaws_profile_set_parse(s, kind, path, b.data ? b.data : "", b.len, err);
	buf_free(&b);
	return rc;
}

/* A file's path: the one given, else from the environment or the home
 * directory; NULL when there is none to read (no home directory: a service
 * user without one, a container's random uid, simply has no shared files). */
static const char *
file_path(const char *given, int (*locate)(char *, size_t), char *buf, size_t len)
{
	if (given != NULL)
		return given;
	if (locate(buf, len) == -1) {
		log_debug("no home directory: no shared AWS config file read");
		return NULL;
	}
	return buf;
}

struct ctaws_profile_set *
ctaws_profile_set_load(
    const char *config_path, const char *credentials_path, struct ctaws_error *err)
{
	char cbuf[4096], kbuf[4096];
	const char *cpath = file_path(config_path, ctaws_profile_config_path, cbuf, sizeof(cbuf));
	const char *kpath =
	    file_path(credentials_path, ctaws_profile_credentials_path, kbuf, sizeof(kbuf));
	struct ctaws_profile_set *s;

	if ((s = ctaws_profile_set_new()) == NULL) {
		ctaws_error_set(err, "profile", "load", 0, "OutOfMemory", 0, "out of memory");
		return NULL;
	}
	if ((cpath && load_one(s, CTAWS_PROFILE_FILE_CONFIG, cpath, err) == -1) ||
	    (kpath && load_one(s, CTAWS_PROFILE_FILE_CREDENTIALS, kpath, err) == -1)) {
		ctaws_profile_set_free(s);
		return NULL;
	}
	return s;
}

static const char *
home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h != NULL && *h != '\0')
		return h;
	pw = getpwuid(getuid());
	return pw ? pw->pw_dir : NULL;
}

int
ctaws_profile_expand_home(const char *path, char *out, size_t outlen)
{
	const char *home;
	int n;

	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0')) {
		if ((home = home_dir()) == NULL)
			return -1;
		n = snprintf(out, outlen, "%s%s", home, path + 1);
	} else
		n = snprintf(out, outlen, "%s", path);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static int
path_from(const char *envname, const char *fallback, char *out, size_t outlen)
{
	const char *v = getenv(envname);

	return ctaws_profile_expand_home(v != NULL && *v != '\0' ? v : fallback, out, outlen);
}

int
ctaws_profile_config_path(char *out, size_t outlen)
{
	return path_from("AWS_CONFIG_FILE", "~/.aws/config", out, outlen);
}

int
ctaws_profile_credentials_path(char *out, size_t outlen)
{
	return path_from("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", out, outlen);
}

const char *
ctaws_profile_name_from_env(void)
{
	const char *v = getenv("AWS_PROFILE");

	return v != NULL && *v != '\0' ? v : "default";
}

static const struct prop *
lookup(const struct ctaws_profile_set *s, enum ctaws_profile_section_kind kind, const char *section,
    const char *key)
{
	const struct section *sec;
	const struct prop *p;

	if (s == NULL || section == NULL || key == NULL)
		return NULL;
	for (int i = 0; i < 2; i++) {
		sec = find_section(&s->files[i], kind, section, strlen(section));
		if (sec && (p = find_prop(sec->props, sec->nprops, key, strlen(key))) != NULL)
			return p;
	}
	return NULL;
}

int
ctaws_profile_section_exists(
    const struct ctaws_profile_set *s, enum ctaws_profile_section_kind kind, const char *name)
{
	if (s == NULL || name == NULL)
		return 0;
	for (int i = 0; i < 2; i++)
		if (find_section(&s->files[i], kind, name, strlen(name)))
			return 1;
	return 0;
}

int
ctaws_profile_exists(const struct ctaws_profile_set *s, const char *profile)
{
	return ctaws_profile_section_exists(s, CTAWS_SECTION_PROFILE, profile);
}

const char *
ctaws_profile_section_get(const struct ctaws_profile_set *s, enum ctaws_profile_section_kind kind,
    const char *section, const char *key)
{
	const struct prop *p = lookup(s, kind, section, key);

	return p ? p->value : NULL;
}

const char *
ctaws_profile_section_sub_get(const struct ctaws_profile_set *s,
    enum ctaws_profile_section_kind kind, const char *section, const char *key, const char *sub)
{
	const struct prop *p = lookup(s, kind, section, key), *sp;

	if (p == NULL || sub == NULL)
		return NULL;
	sp = find_prop(p->subs, p->nsubs, sub, strlen(sub));
	return sp ? sp->value : NULL;
}

const char *
ctaws_profile_get(const struct ctaws_profile_set *s, const char *profile, const char *key)
{
	return ctaws_profile_section_get(s, CTAWS_SECTION_PROFILE, profile, key);
}

const char *
ctaws_profile_region(const struct ctaws_profile_set *s, const char *profile)
{
	return ctaws_profile_get(s, profile, "region");
}

const char *
ctaws_profile_endpoint_url(const struct ctaws_profile_set *s, const char *profile)
{
	return ctaws_profile_get(s, profile, "endpoint_url");
}

const char *
ctaws_profile_service_endpoint_url(
    const struct ctaws_profile_set *s, const char *profile, const char *service_id)
{
	const char *services = ctaws_profile_get(s, profile, "services");

	if (services == NULL)
		return NULL;
	return ctaws_profile_section_sub_get(
	    s, CTAWS_SECTION_SERVICES, services, service_id, "endpoint_url");
}

void
ctaws_profile_settings_fill(
    const struct ctaws_profile_set *s, const char *profile, struct ctaws_profile_settings *out)
{
	if (profile == NULL)
		profile = ctaws_profile_name_from_env();
	memset(out, 0, sizeof(*out));
	out->region = ctaws_profile_region(s, profile);
	out->endpoint_url = ctaws_profile_endpoint_url(s, profile);
	for (int i = 0; i < CTAWS_SVC__COUNT; i++)
		out->service_endpoint_url[i] =
		    ctaws_profile_service_endpoint_url(s, profile, ctaws_service_name(i));
	out->use_fips_endpoint = ctaws_profile_get(s, profile, "use_fips_endpoint");
	out->max_attempts = ctaws_profile_get(s, profile, "max_attempts");
	out->ca_bundle = ctaws_profile_get(s, profile, "ca_bundle");
	out->ignore_configured_endpoint_urls =
	    ctaws_profile_get(s, profile, "ignore_configured_endpoint_urls");
	out->s3_addressing_style = ctaws_profile_section_sub_get(
	    s, CTAWS_SECTION_PROFILE, profile, "s3", "addressing_style");
}
