/*
 * Sigma rules, unchanged: a *.yml or *.yaml file holding one Sigma rule
 * (SigmaHQ sigma-specification v2), read with libyaml.
 *
 * A rule is compiled onto the matcher's own machinery: every field of every
 * selection the condition uses becomes a one-field pattern (a unit, named
 * u0, u1, ...), its values written with EventBridge's operators where they
 * say the same (a plain value is equals-ignore-case, "Abc*" a prefix
 * ignoring case, ...) and with the operators of match/pred.c where
 * EventBridge has none ('?' and inner '*', cased globs, regular
 * expressions). A selection is the "and" of its fields (the "or" of its
 * maps when it is a list of them), and the rule's condition, written over
 * selections, is rewritten over units. So a Sigma rule costs the matcher
 * what a native rule with a condition costs.
 *
 * Errors name the file, the line and the construct; what cannot apply to
 * CloudTrail records (windash, expand, the utf16 encodings) is refused, and
 * so are correlation rules and fieldref, which need what the matcher does
 * not have yet (thresholds, two fields compared). Keywords look in the
 * record's whole text (MATCH_TEXT_FIELD).
 */
#include "rules/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "util/log.h"

#define SIGMA_UNITS_MAX 1024 /* one-field patterns of one rule */

/* A rule while it is read. */
struct sload {
	const char *path;
	const char *name; /* the file's stem */
	yaml_document_t *doc;
	struct spec_texts units; /* grown as fields are read; names point into unames */
	char (*unames)[16];
	size_t cap;
	struct ct_error *err;
};

static int sfail(struct sload *s, const yaml_node_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Puts "FILE:LINE: rule 'NAME': " before the message in s->err, LINE the
 * node's (1 without one). */
static int
swhere(struct sload *s, const yaml_node_t *at)
{
	ct_error_prefix(s->err, "%s:%lu: rule '%s'", s->path,
	    at ? (unsigned long)at->start_mark.line + 1 : 1ul, s->name);
	return -1;
}

static int
sfail(struct sload *s, const yaml_node_t *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct_error_vset(s->err, CT_ERR_CONFIG, fmt, ap);
	va_end(ap);
	return swhere(s, at);
}

static int
snomem(struct sload *s)
{
	return ct_error_set(s->err, CT_ERR_NOMEM, "%s: out of memory", s->path);
}

/* ---- YAML helpers ---- */

static yaml_node_t *
node_at(struct sload *s, int i)
{
	return yaml_document_get_node(s->doc, i);
}

static const char *
scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The value of key in mapping m, or NULL. */
static yaml_node_t *
member(struct sload *s, const yaml_node_t *m, const char *key)
{
	if (m == NULL || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		const char *k = scalar(node_at(s, p->key));
		if (k && strcmp(k, key) == 0)
			return node_at(s, p->value);
	}
	return NULL;
}

static const char *
member_scalar(struct sload *s, const yaml_node_t *m, const char *key)
{
	return scalar(member(s, m, key));
}

/* A plain (unquoted) scalar YAML reads as null, a boolean or a number. */
static int
is_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static int
is_null(const yaml_node_t *n)
{
	const char *v = scalar(n);

	return v && is_plain(n) &&
	       (*v == '\0' || strcmp(v, "~") == 0 || strcasecmp(v, "null") == 0);
}

/* A plain scalar that is a number as JSON writes them. */
static int
is_number(const yaml_node_t *n)
{
	const char *v = scalar(n);
	size_t d;

	if (v == NULL || !is_plain(n))
		return 0;
	v += *v == '-';
	if ((d = strspn(v, "0123456789")) == 0 || (v[0] == '0' && d > 1))
		return 0;
	v += d;
	if (*v == '.' && (d = strspn(v + 1, "0123456789")) > 0)
		v += 1 + d;
	if (*v == 'e' || *v == 'E') {
		v += 1 + (v[1] == '+' || v[1] == '-');
		if ((d = strspn(v, "0123456789")) == 0)
			return 0;
		v += d;
	}
	return *v == '\0';
}

static int
is_bool(const yaml_node_t *n, int *b)
{
	const char *v = scalar(n);

	if (v == NULL || !is_plain(n))
		return 0;
	if (strcasecmp(v, "true") == 0)
		return *b = 1, 1;
	if (strcasecmp(v, "false") == 0)
		return *b = 0, 1;
	return 0;
}

/* ---- values ---- */

/* The modifiers of one field, as "field|m1|m2" names them. */
struct mods {
	int contains, startswith, endswith, all, re, re_i, re_m, re_s, cidr, exists, cased;
	int base64, base64offset, cmp; /* cmp: '<', 'l' (<=), '>', 'g' (>=), 0 */
};

static int
parse_mods(struct sload *s, const yaml_node_t *at, char *list, struct mods *m)
{
	static const struct {
		const char *name, *why;
	} cannot[] = {
	    {"windash", "it rewrites the dashes of Windows command lines"},
	    {"expand", "it needs a placeholder, and ctalertd defines none"},
	    {"utf16le", "CloudTrail records are UTF-8"},
	    {"utf16be", "CloudTrail records are UTF-8"},
	    {"utf16", "CloudTrail records are UTF-8"},
	    {"wide", "CloudTrail records are UTF-8"},
	};
	char *save = NULL;
	int affix = 0;

	memset(m, 0, sizeof(*m));
	for (char *w = strtok_r(list, "|", &save); w; w = strtok_r(NULL, "|", &save)) {
		int *flag = strcmp(w, "contains") == 0       ? &m->contains
		            : strcmp(w, "startswith") == 0   ? &m->startswith
		            : strcmp(w, "endswith") == 0     ? &m->endswith
		            : strcmp(w, "all") == 0          ? &m->all
		            : strcmp(w, "re") == 0           ? &m->re
		            : strcmp(w, "i") == 0            ? &m->re_i
		            : strcmp(w, "m") == 0            ? &m->re_m
		            : strcmp(w, "s") == 0            ? &m->re_s
		            : strcmp(w, "cidr") == 0         ? &m->cidr
		            : strcmp(w, "exists") == 0       ? &m->exists
		            : strcmp(w, "cased") == 0        ? &m->cased
		            : strcmp(w, "base64") == 0       ? &m->base64
		            : strcmp(w, "base64offset") == 0 ? &m->base64offset
		                                             : NULL;
		if (flag != NULL) {
			*flag = 1;
			continue;
		}
		if (strcmp(w, "lt") == 0 || strcmp(w, "lte") == 0 || strcmp(w, "gt") == 0 ||
		    strcmp(w, "gte") == 0) {
			m->cmp = w[0] == 'l' ? (w[2] ? 'l' : '<') : (w[2] ? 'g' : '>');
			continue;
		}
		for (size_t i = 0; i < sizeof(cannot) / sizeof(cannot[0]); i++)
			if (strcmp(w, cannot[i].name) == 0)
				return sfail(s, at,
				    "modifier '%s' cannot apply to CloudTrail records (%s)", w,
				    cannot[i].why);
		if (strcmp(w, "fieldref") == 0)
			return sfail(s, at,
			    "modifier 'fieldref' (one field compared with another) is not "
			    "supported yet");
		return sfail(s, at, "unknown modifier '%s'", w);
	}
	affix = m->contains + m->startswith + m->endswith;
	if (affix > 1)
		return sfail(s, at, "contains, startswith and endswith exclude each other");
	if ((m->re_i || m->re_m || m->re_s) && !m->re)
		return sfail(s, at, "modifiers i, m and s go with re");
	if (m->re && (affix || m->cased || m->base64 || m->base64offset || m->cidr || m->cmp))
		return sfail(s, at, "modifier re goes with i, m, s and all only");
	if ((m->cidr || m->cmp || m->exists) &&
	    (affix || m->cased || m->base64 || m->base64offset || m->re))
		return sfail(s, at, "modifiers cidr, exists, lt, lte, gt and gte stand alone");
	if (m->base64 && m->base64offset)
		return sfail(s, at, "base64 and base64offset exclude each other");
	return 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
base64_put(struct buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
		             (i + 2 < n ? p[i + 2] : 0);
		char q[4] = {b64[v >> 18], b64[(v >> 12) & 63],
		    i + 1 < n ? b64[(v >> 6) & 63] : '=', i + 2 < n ? b64[v & 63] : '='};
		if (buf_append(b, q, 4) == -1)
			return -1;
	}
	return 0;
}

/* The text a Sigma value means, its escapes undone (for base64). */
static void
unescape(const char *in, struct buf *out)
{
	for (; *in; in++) {
		if (*in == '\\' && (in[1] == '*' || in[1] == '?' || in[1] == '\\'))
			in++;
		buf_putc(out, *in);
	}
}

/* The Sigma glob for v after base64/base64offset (variant k of 3), in out:
 * base64 has no wildcards, so the result is literal text. */
static int
encode_value(const char *v, const struct mods *m, int k, struct buf *out)
{
	static const int start[3] = {0, 2, 3}, end[3] = {0, 3, 2};
	struct buf lit = BUF_INIT, enc = BUF_INIT;
	int r = 0;

	unescape(v, &lit);
	if (!m->base64offset) {
		r = base64_put(out, (const unsigned char *)(lit.data ? lit.data : ""), lit.len);
	} else {
		struct buf pad = BUF_INIT;
		size_t cut;
		for (int i = 0; i < k; i++)
			buf_putc(&pad, ' ');
		buf_append(&pad, lit.data ? lit.data : "", lit.len);
		r = base64_put(&enc, (const unsigned char *)pad.data, pad.len);
		cut = (size_t)end[(lit.len + (size_t)k) % 3];
		if (r == 0 && enc.len >= (size_t)start[k] + cut)
			r = buf_append(out, enc.data + start[k], enc.len - (size_t)start[k] - cut);
		buf_free(&pad);
	}
	buf_free(&lit);
	buf_free(&enc);
	return r;
}

/* Writes the JSON string of the literal text of glob g[0..n) (escapes
 * undone). */
static int
put_literal(struct buf *b, const char *g, size_t n)
{
	struct buf t = BUF_INIT;
	int r;

	for (size_t i = 0; i < n; i++) {
		if (g[i] == '\\' && i + 1 < n &&
		    (g[i + 1] == '*' || g[i + 1] == '?' || g[i + 1] == '\\'))
			i++;
		buf_putc(&t, g[i]);
	}
	r = json_put_string(b, t.data ? t.data : "", t.len);
	buf_free(&t);
	return r;
}

/* Where the unescaped wildcards of glob g are: *lead stars at its start,
 * *trail at its end, and whether there are others ('?' or inner '*'). */
static int
glob_shape(const char *g, size_t *lead, size_t *trail)
{
	size_t n = strlen(g), i = 0, last_lit = 0;
	int other = 0, seen_lit = 0;

	*lead = *trail = 0;
	while (i < n && g[i] == '*')
		i++;
	*lead = i;
	for (; i < n; i++) {
		if (g[i] == '\\' && i + 1 < n &&
		    (g[i + 1] == '*' || g[i + 1] == '?' || g[i + 1] == '\\')) {
			i++;
			last_lit = i + 1;
			seen_lit = 1;
		} else if (g[i] == '?') {
			other = 1;
		} else if (g[i] == '*') {
			continue;
		} else {
			last_lit = i + 1;
			seen_lit = 1;
		}
	}
	if (!seen_lit)
		return *trail = n - *lead, other;
	*trail = n - last_lit;
	for (i = *lead; i < last_lit; i++) { /* a star between literals */
		if (g[i] == '\\' && i + 1 < last_lit) {
			i++;
			continue;
		}
		if (g[i] == '*')
			other = 1;
	}
	return other;
}

/* One Sigma glob as an atom: an operator of the index where EventBridge has
 * one that means the same, else a test of pred.c. */
static int
put_glob_atom(struct buf *b, const char *g, int cased)
{
	size_t n = strlen(g), lead, trail;
	int other = glob_shape(g, &lead, &trail);
	const char *eic = cased ? "" : "{\"equals-ignore-case\": ";

	if (!other && lead + trail >= n && n > 0)
		return buf_puts(b, "{\"exists\": true}"); /* only stars: any value */
	if (!other && lead == 0 && trail == 0) {
		if (!cased && buf_puts(b, eic) == -1)
			return -1;
		return put_literal(b, g, n) == -1 || (!cased && buf_putc(b, '}') == -1) ? -1 : 0;
	}
	if (!other && (lead == 0 || trail == 0)) {
		if (buf_puts(b, lead == 0 ? "{\"prefix\": " : "{\"suffix\": ") == -1 ||
		    buf_puts(b, eic) == -1 || put_literal(b, g + lead, n - lead - trail) == -1 ||
		    buf_puts(b, cased ? "}" : "}}") == -1)
			return -1;
		return 0;
	}
	if (buf_puts(b, cased ? "{\"sigma-glob-cased\": " : "{\"sigma-glob\": ") == -1 ||
	    json_put_string(b, g, n) == -1 || buf_putc(b, '}') == -1)
		return -1;
	return 0;
}

/* The atoms one value stands for, comma-separated, into b. */
static int
put_value_atoms(struct sload *s, const yaml_node_t *v, const struct mods *m, struct buf *b)
{
	const char *text = scalar(v);
	int bv;

	if (v->type != YAML_SCALAR_NODE)
		return sfail(s, v, "a value must be a string, a number, a boolean or null");
	if (m->exists) {
		if (!is_bool(v, &bv))
			return sfail(s, v, "exists needs true or false");
		return buf_puts(b, bv ? "{\"exists\": true}" : "{\"exists\": false}");
	}
	if (is_null(v)) {
		if (m->contains || m->startswith || m->endswith || m->re || m->cidr || m->cmp ||
		    m->base64 || m->base64offset)
			return sfail(s, v, "null takes no modifier");
		return buf_puts(b, "null, {\"exists\": false}");
	}
	if (m->cmp) {
		static const struct {
			int c;
			const char *op;
		} ops[] = {{'<', "<"}, {'l', "<="}, {'>', ">"}, {'g', ">="}};
		const char *op = "";
		if (!is_number(v))
			return sfail(s, v, "lt, lte, gt and gte need a number, not '%s'", text);
		for (size_t i = 0; i < 4; i++)
			if (ops[i].c == m->cmp)
				op = ops[i].op;
		return buf_printf(b, "{\"numeric\": [\"%s\", %s]}", op, text);
	}
	if (m->cidr) {
		if (buf_puts(b, "{\"cidr\": ") == -1 ||
		    json_put_string(b, text, strlen(text)) == -1)
			return -1;
		return buf_putc(b, '}');
	}
	if (m->re) {
		char flags[4] = "", *f = flags;
		if (m->re_i)
			*f++ = 'i';
		if (m->re_m)
			*f++ = 'm';
		if (m->re_s)
			*f++ = 's';
		*f = '\0';
		return buf_printf(b, "{\"sigma-re\": [\"%s\", ", flags) == -1 ||
		               json_put_string(b, text, strlen(text)) == -1 ||
		               buf_puts(b, "]}") == -1
		           ? -1
		           : 0;
	}
	if (!m->contains && !m->startswith && !m->endswith && !m->base64 && !m->base64offset &&
	    !m->cased) {
		if (is_number(v))
			return buf_printf(b, "%s, ", text) == -1 ? -1 : put_glob_atom(b, text, 0);
		if (is_bool(v, &bv))
			return buf_printf(b, "%s, ", bv ? "true" : "false") == -1
			           ? -1
			           : put_glob_atom(b, text, 0);
	}
	for (int k = 0; k < (m->base64offset ? 3 : 1); k++) {
		struct buf g = BUF_INIT;
		int r = 0;
		if (k > 0)
			buf_puts(b, ", ");
		if (m->contains || m->endswith)
			buf_putc(&g, '*');
		if (m->base64 || m->base64offset)
			r = encode_value(text, m, k, &g);
		else
			buf_puts(&g, text);
		if (m->contains || m->startswith)
			buf_putc(&g, '*');
		if (r == 0 && (r = buf_reserve(&g, 1)) == 0) {
			g.data[g.len] = '\0';
			r = put_glob_atom(b, g.data, m->cased || m->base64 || m->base64offset);
		}
		buf_free(&g);
		if (r == -1)
			return -1;
	}
	return 0;
}

/* ---- fields, selections ---- */

/* {"a": {"b": [ATOMS]}} for path "a.b" into b, atoms from a. */
static int
put_path(struct buf *b, const char *path, const char *atoms)
{
	int depth = 0;

	for (;;) {
		size_t len = strcspn(path, ".");
		if (buf_putc(b, '{') == -1 || json_put_string(b, path, len) == -1 ||
		    buf_putc(b, ':') == -1)
			return -1;
		depth++;
		if (path[len] == '\0')
			break;
		path += len + 1;
	}
	if (buf_printf(b, "[%s]", atoms) == -1)
		return -1;
	while (depth-- > 0)
		if (buf_putc(b, '}') == -1)
			return -1;
	return 0;
}

/* A new unit of pattern json (checked here, so that errors have a line);
 * its name is appended to expr. */
static int
add_unit(struct sload *s, const yaml_node_t *at, struct buf *json, struct buf *expr, const char *op)
{
	struct spec_texts *u = &s->units;
	struct ct_error why;

	if (u->nparts == SIGMA_UNITS_MAX)
		return sfail(s, at, "more than %d fields in the detection", SIGMA_UNITS_MAX);
	if (match_sigma_pattern_validate(s->name, json->data, &why) == -1) {
		if (why.code == CT_ERR_NOMEM)
			return snomem(s);
		return ct_error_set(s->err, CT_ERR_PATTERN, "%s:%lu: %s", s->path,
		    (unsigned long)at->start_mark.line + 1, why.msg);
	}
	if (u->nparts == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct match_part *p = realloc(u->parts, cap * sizeof(*p));
		char(*names)[16];
		if (p == NULL)
			return snomem(s);
		u->parts = p;
		if ((names = realloc(s->unames, cap * sizeof(*names))) == NULL)
			return snomem(s);
		s->unames = names;
		for (size_t i = 0; i < u->nparts; i++)
			u->parts[i].name = s->unames[i];
		s->cap = cap;
	}
	snprintf(s->unames[u->nparts], sizeof(s->unames[0]), "u%zu", u->nparts);
	u->parts[u->nparts].name = s->unames[u->nparts];
	if ((u->parts[u->nparts].pattern = buf_detach(json)) == NULL)
		return snomem(s);
	if (expr->len > 0 && buf_printf(expr, " %s ", op) == -1)
		return snomem(s);
	if (buf_puts(expr, s->unames[u->nparts++]) == -1)
		return snomem(s);
	return 0;
}

/* One "field|mods: values" of a selection map, as units "and"ed into expr. */
static int
add_field(struct sload *s, const yaml_node_t *key, const yaml_node_t *val, struct buf *expr)
{
	char *spec = strdup(scalar(key) ? scalar(key) : ""), *bar;
	const yaml_node_t *one[1] = {val};
	const yaml_node_t *const *vals = one;
	yaml_node_t *items[64];
	size_t n = 1;
	struct mods m;
	int r = 0;

	if (spec == NULL)
		return snomem(s);
	if ((bar = strchr(spec, '|')) != NULL)
		*bar++ = '\0';
	if (spec[0] == '\0' || spec[strlen(spec) - 1] == '.' || strstr(spec, "..") ||
	    spec[0] == '.')
		r = sfail(s, key, "invalid field name '%s'", spec);
	else if (bar != NULL)
		r = parse_mods(s, key, bar, &m);
	else
		memset(&m, 0, sizeof(m));
	if (r == 0 && val->type == YAML_MAPPING_NODE)
		r = sfail(s, val,
		    "field '%s': a value must be a string, a number, a boolean, null or a list of "
		    "them",
		    spec);
	if (r == 0 && val->type == YAML_SEQUENCE_NODE) {
		n = (size_t)(val->data.sequence.items.top - val->data.sequence.items.start);
		if (n == 0)
			r = sfail(s, val, "field '%s': an empty list of values", spec);
		else if (n > sizeof(items) / sizeof(items[0]))
			r = sfail(s, val, "field '%s': more than %zu values", spec,
			    sizeof(items) / sizeof(items[0]));
		for (size_t i = 0; r == 0 && i < n; i++)
			items[i] = node_at(s, val->data.sequence.items.start[i]);
		vals = (const yaml_node_t *const *)items;
	}
	if (r == 0) {
		/* |all: one unit a value; else one unit, its values an "or" */
		struct buf atoms = BUF_INIT, json = BUF_INIT, sub = BUF_INIT;
		for (size_t i = 0; r == 0 && i < n; i++) {
			if (atoms.len > 0 && !m.all)
				buf_puts(&atoms, ", ");
			r = put_value_atoms(s, vals[i], &m, &atoms);
			if (r == 0 && (m.all || i + 1 == n)) {
				if (buf_reserve(&atoms, 1) == -1)
					r = snomem(s);
				else {
					atoms.data[atoms.len] = '\0';
					r = put_path(&json, spec, atoms.data) == -1
					        ? snomem(s)
					        : add_unit(s, vals[i], &json, &sub, "and");
				}
				buf_reset(&atoms);
				buf_reset(&json);
			}
		}
		if (r == 0 && (expr->len > 0 && buf_puts(expr, " and ") == -1))
			r = snomem(s);
		if (r == 0 && sub.len > 0 && buf_printf(expr, "%s", sub.data) == -1)
			r = snomem(s);
		buf_free(&atoms);
		buf_free(&json);
		buf_free(&sub);
	}
	free(spec);
	return r;
}

/* A map of fields: the "and" of them. */
static int
add_map(struct sload *s, const yaml_node_t *map, struct buf *expr)
{
	if (map->data.mapping.pairs.top == map->data.mapping.pairs.start)
		return sfail(s, map, "an empty selection");
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = node_at(s, p->key), *v = node_at(s, p->value);
		if (scalar(k) == NULL)
			return sfail(s, k, "a field name must be a string");
		if (add_field(s, k, v, expr) == -1)
			return -1;
	}
	return 0;
}

/* Keywords: values without a field, looked for in the record's whole text
 * (each as with contains: case-insensitive, wildcards kept), any of them;
 * sel is one value or a list of them. */
static int
add_keywords(struct sload *s, const char *id, const yaml_node_t *sel, struct buf *expr)
{
	struct mods m = {.contains = 1};
	struct buf atoms = BUF_INIT, json = BUF_INIT;
	int r = 0;

	if (sel->type == YAML_SCALAR_NODE) {
		r = put_value_atoms(s, sel, &m, &atoms);
	} else {
		for (yaml_node_item_t *i = sel->data.sequence.items.start;
		     r == 0 && i < sel->data.sequence.items.top; i++) {
			const yaml_node_t *e = node_at(s, *i);
			if (e->type != YAML_SCALAR_NODE || is_null(e))
				r = sfail(s, e, "detection: '%s': a keyword must be a string", id);
			else if ((atoms.len > 0 && buf_puts(&atoms, ", ") == -1))
				r = snomem(s);
			else
				r = put_value_atoms(s, e, &m, &atoms);
		}
	}
	if (r == 0 && buf_reserve(&atoms, 1) == -1)
		r = snomem(s);
	if (r == 0) {
		atoms.data[atoms.len] = '\0';
		if (put_path(&json, MATCH_TEXT_FIELD, atoms.data) == -1)
			r = snomem(s);
	}
	if (r == 0)
		r = add_unit(s, sel, &json, expr, "and");
	buf_free(&atoms);
	buf_free(&json);
	return r;
}

/* A search identifier: a map (the "and" of its fields), a list of maps
 * (the "or" of them), or keywords, into expr. */
static int
add_selection(struct sload *s, const char *id, const yaml_node_t *sel, struct buf *expr)
{
	if (sel->type == YAML_MAPPING_NODE)
		return add_map(s, sel, expr);
	if (sel->type == YAML_SCALAR_NODE && !is_null(sel))
		return add_keywords(s, id, sel, expr);
	if (sel->type != YAML_SEQUENCE_NODE)
		return sfail(
		    s, sel, "detection: '%s' must be a map of fields or a list of maps", id);
	if (sel->data.sequence.items.top == sel->data.sequence.items.start)
		return sfail(s, sel, "detection: '%s' is an empty list", id);
	for (yaml_node_item_t *i = sel->data.sequence.items.start; i < sel->data.sequence.items.top;
	     i++) {
		const yaml_node_t *e = node_at(s, *i);
		struct buf one = BUF_INIT;
		int r;
		if (e->type == YAML_SCALAR_NODE && i == sel->data.sequence.items.start)
			return add_keywords(s, id, sel, expr);
		if (e->type != YAML_MAPPING_NODE)
			return sfail(s, e, "detection: '%s' mixes maps of fields and keywords", id);
		r = add_map(s, e, &one);
		if (r == 0 && buf_printf(expr, "%s(%s)", expr->len ? " or " : "", one.data) == -1)
			r = snomem(s);
		buf_free(&one);
		if (r == -1)
			return -1;
	}
	return 0;
}

/* ---- the detection ---- */

/* The condition: a string, or a list of them (any of which). */
static int
condition_text(struct sload *s, const yaml_node_t *det, const yaml_node_t *c, struct buf *out)
{
	if (c == NULL)
		return sfail(s, det, "detection: missing condition");
	if (scalar(c))
		return buf_puts(out, scalar(c)) == -1 ? snomem(s) : 0;
	if (c->type != YAML_SEQUENCE_NODE ||
	    c->data.sequence.items.top == c->data.sequence.items.start)
		return sfail(s, c, "detection: condition must be a string or a list of strings");
	for (yaml_node_item_t *i = c->data.sequence.items.start; i < c->data.sequence.items.top;
	     i++) {
		const char *t = scalar(node_at(s, *i));
		if (t == NULL)
			return sfail(
			    s, c, "detection: condition must be a string or a list of strings");
		if (buf_printf(out, "%s(%s)", out->len ? " or " : "", t) == -1)
			return snomem(s);
	}
	return 0;
}

/* A condition's error (CT_ERR_CONFIG), placed: "FILE:LINE: rule 'NAME':
 * detection: ...". */
static int
sdetection(struct sload *s, const yaml_node_t *c)
{
	ct_error_prefix(s->err, "detection");
	return swhere(s, c);
}

/* The units of every selection the condition uses, and the condition over
 * them into cond. */
static int
read_detection(struct sload *s, const yaml_node_t *det, char **cond)
{
	const yaml_node_t *c = member(s, det, "condition");
	size_t n = 0, k = 0;
	const char **ids;
	const yaml_node_t **sels;
	char **exprs;
	unsigned char *used;
	struct buf text = BUF_INIT;
	int r = 0;

	if (det == NULL || det->type != YAML_MAPPING_NODE)
		return sfail(
		    s, det, "detection must be a map of search identifiers and a condition");
	if (member(s, det, "timeframe") != NULL)
		return sfail(s, member(s, det, "timeframe"),
		    "detection: timeframe needs alert thresholds, which ctalertd does not have "
		    "yet");
	n = (size_t)(det->data.mapping.pairs.top - det->data.mapping.pairs.start);
	ids = calloc(n + 1, sizeof(*ids));
	sels = calloc(n + 1, sizeof(*sels));
	exprs = calloc(n + 1, sizeof(*exprs));
	used = calloc(n + 1, 1);
	if (!ids || !sels || !exprs || !used)
		r = snomem(s);
	for (yaml_node_pair_t *p = det->data.mapping.pairs.start;
	     r == 0 && p < det->data.mapping.pairs.top; p++) {
		const char *id = scalar(node_at(s, p->key));
		if (id == NULL)
			r = sfail(s, node_at(s, p->key),
			    "detection: a search identifier must be a string");
		else if (strcmp(id, "condition") != 0) {
			ids[k] = id;
			sels[k++] = node_at(s, p->value);
		}
	}
	if (r == 0 && k == 0)
		r = sfail(s, det, "detection: no search identifier");
	if (r == 0)
		r = condition_text(s, det, c, &text);
	if (r == 0 && match_condition_check(text.data, ids, k, used, s->err) == -1)
		r = sdetection(s, c);
	for (size_t i = 0; r == 0 && i < k; i++) {
		struct buf e = BUF_INIT;
		if (used[i] && (r = add_selection(s, ids[i], sels[i], &e)) == 0)
			exprs[i] = buf_detach(&e);
		else
			exprs[i] = strdup("u0"); /* never used: the condition does not name it */
		buf_free(&e);
		if (r == 0 && exprs[i] == NULL)
			r = snomem(s);
	}
	if (r == 0 && match_condition_expand(
	                  text.data, ids, k, (const char *const *)exprs, NULL, cond, s->err) == -1)
		r = sdetection(s, c);
	for (size_t i = 0; exprs && i < k; i++)
		free(exprs[i]);
	free(ids);
	free(sels);
	free(exprs);
	free(used);
	buf_free(&text);
	return r;
}

/* ---- the rule ---- */

/* A list of strings (or one string) of the rule's metadata, into *v. */
static int
read_strings(struct sload *s, const yaml_node_t *root, const char *key, char ***v, size_t *n)
{
	const yaml_node_t *x = member(s, root, key);

	*v = NULL;
	*n = 0;
	if (x == NULL)
		return 0;
	if (scalar(x)) {
		if ((*v = calloc(1, sizeof(**v))) == NULL || ((*v)[0] = strdup(scalar(x))) == NULL)
			return snomem(s);
		*n = 1;
		return 0;
	}
	if (x->type != YAML_SEQUENCE_NODE)
		return sfail(s, x, "%s must be a list of strings", key);
	*v = calloc(
	    (size_t)(x->data.sequence.items.top - x->data.sequence.items.start) + 1, sizeof(**v));
	if (*v == NULL)
		return snomem(s);
	for (yaml_node_item_t *i = x->data.sequence.items.start; i < x->data.sequence.items.top;
	     i++) {
		const char *t = scalar(node_at(s, *i));
		if (t == NULL)
			return sfail(s, node_at(s, *i), "%s must be a list of strings", key);
		if (((*v)[(*n)++] = strdup(t)) == NULL)
			return snomem(s);
	}
	return 0;
}

/* Whether the rule is for CloudTrail (logsource product aws, service
 * cloudtrail). */
static int
for_cloudtrail(struct sload *s, const yaml_node_t *root)
{
	const yaml_node_t *ls = member(s, root, "logsource");
	const char *product = member_scalar(s, ls, "product"),
	           *service = member_scalar(s, ls, "service");

	return product && service && strcasecmp(product, "aws") == 0 &&
	       strcasecmp(service, "cloudtrail") == 0;
}

/* 1 when the rule is to be skipped (with a notice, or refused when named
 * directly), 0 to load it, -1 on error. */
static int
skip_rule(struct sload *s, const yaml_node_t *root, int in_dir)
{
	const yaml_node_t *ls = member(s, root, "logsource");
	const char *status = member_scalar(s, root, "status");

	if (!for_cloudtrail(s, root)) {
		if (!in_dir)
			return sfail(s, ls ? ls : root,
			    "logsource is not product: aws, service: cloudtrail");
		log_notice(
		    "%s: skipped: its logsource is not product: aws, service: cloudtrail", s->path);
		return 1;
	}
	if (status && (strcmp(status, "deprecated") == 0 || strcmp(status, "unsupported") == 0)) {
		log_notice("%s: skipped: its status is %s", s->path, status);
		return 1;
	}
	return 0;
}

static int
load_rule(struct rule_list *l, struct sload *s, const yaml_node_t *root, int in_dir)
{
	struct rule_spec spec = {.kind = RULE_SIGMA, .origin = s->path};
	struct rule_meta meta = {NULL};
	const yaml_node_t *lvl = member(s, root, "level");
	char *cond = NULL;
	int r;

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return sfail(s, root, "not a Sigma rule (a map with title, logsource, detection)");
	if (member(s, root, "correlation") != NULL)
		return sfail(s, member(s, root, "correlation"),
		    "correlation rules (event_count, value_count, temporal) need alert "
		    "thresholds, which ctalertd does not have yet");
	if ((r = skip_rule(s, root, in_dir)) != 0)
		return r < 0 ? -1 : 0;
	if (member(s, root, "title") && member_scalar(s, root, "title") == NULL)
		return sfail(s, member(s, root, "title"), "title must be a string");
	if (lvl && scalar(lvl) == NULL)
		return sfail(s, lvl, "level must be a string");
	if (read_detection(s, member(s, root, "detection"), &cond) == -1)
		return -1;
	meta.id = member_scalar(s, root, "id") ? strdup(member_scalar(s, root, "id")) : NULL;
	r = read_strings(s, root, "tags", &meta.tags, &meta.ntags);
	if (r == 0)
		r = read_strings(s, root, "references", &meta.references, &meta.nreferences);
	if (r == 0)
		r = read_strings(
		    s, root, "falsepositives", &meta.falsepositives, &meta.nfalsepositives);
	spec.name = s->name;
	spec.description = member_scalar(s, root, "title");
	spec.severity = scalar(lvl);
	spec.condition = cond;
	spec.meta = &meta;
	spec_texts_use(&s->units, &spec);
	if (r == 0 && rule_list_add(l, &spec, s->err) == -1) {
		/* a bad level has a line; a duplicate name is the file's */
		int sev = lvl && strncmp(s->err->msg, "invalid severity", 16) == 0;
		r = swhere(s, sev ? lvl : NULL);
	}
	rule_meta_free(&meta);
	free(cond);
	return r;
}

static int
parse_error(struct sload *s, yaml_parser_t *p)
{
	return ct_error_set(s->err, CT_ERR_CONFIG, "%s:%lu: invalid YAML: %s%s%s", s->path,
	    (unsigned long)p->problem_mark.line + 1, p->problem ? p->problem : "parse error",
	    p->context ? " " : "", p->context ? p->context : "");
}

int
rules_load_sigma_file(struct rule_list *l, const char *path, int in_dir, struct ct_error *err)
{
	struct buf text = BUF_INIT;
	yaml_parser_t parser;
	yaml_document_t doc, more;
	struct sload s = {.path = path, .err = err};
	char *stem = NULL;
	int r = -1;

	if (rules_read_file(path, &text, err) == -1)
		return -1;
	if ((stem = rules_file_stem(path)) == NULL) {
		buf_free(&text);
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	}
	s.name = stem;
	if (rule_name_check(stem, err) == -1) {
		ct_error_prefix(err, "%s: rule named after the file", path);
		free(stem);
		buf_free(&text);
		return -1;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text.data, text.len);
	if (!yaml_parser_load(&parser, &doc)) {
		r = parse_error(&s, &parser);
	} else {
		s.doc = &doc;
		if (!yaml_parser_load(&parser, &more)) {
			r = parse_error(&s, &parser);
		} else {
			if (yaml_document_get_root_node(&more) != NULL)
				r = sfail(&s, yaml_document_get_root_node(&more),
				    "more than one YAML document (a rule collection): write one "
				    "rule a file");
			else
				r = load_rule(l, &s, yaml_document_get_root_node(&doc), in_dir);
			yaml_document_delete(&more);
		}
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	spec_texts_free(&s.units);
	free(s.unames);
	free(stem);
	buf_free(&text);
	return r;
}
