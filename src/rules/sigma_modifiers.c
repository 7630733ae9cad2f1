/*
 * sigma_modifiers: a field's modifiers ("field|contains|all"), and each of
 * its values as the atoms of a one-field pattern: EventBridge's operators
 * where they say the same, the operators of match/pred.c where EventBridge
 * has none. The modifiers that cannot apply to CloudTrail records
 * (windash, expand, the utf16 encodings) are refused, saying why.
 */
#include "rules/sigma.h"

#include <stdlib.h>
#include <string.h>

int
sigma_mods_parse(struct sload *s, const yaml_node_t *at, char *list, struct mods *m)
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
		            : strcmp(w, "fieldref") == 0     ? &m->fieldref
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
				return sigma_fail(s, at,
				    "modifier '%s' cannot apply to CloudTrail records (%s)", w,
				    cannot[i].why);
		return sigma_fail(s, at, "unknown modifier '%s'", w);
	}
	affix = m->contains + m->startswith + m->endswith;
	if (affix > 1)
		return sigma_fail(s, at, "contains, startswith and endswith exclude each other");
	if (m->fieldref &&
	    (m->re || m->cidr || m->cmp || m->exists || m->base64 || m->base64offset))
		return sigma_fail(s, at,
		    "modifier fieldref goes with contains, startswith, endswith, cased and all "
		    "only");
	if ((m->re_i || m->re_m || m->re_s) && !m->re)
		return sigma_fail(s, at, "modifiers i, m and s go with re");
	if (m->re && (affix || m->cased || m->base64 || m->base64offset || m->cidr || m->cmp))
		return sigma_fail(s, at, "modifier re goes with i, m, s and all only");
	if ((m->cidr || m->cmp || m->exists) &&
	    (affix || m->cased || m->base64 || m->base64offset || m->re))
		return sigma_fail(s, at, "modifiers cidr, exists, lt, lte, gt and gte stand alone");
	if (m->base64 && m->base64offset)
		return sigma_fail(s, at, "base64 and base64offset exclude each other");
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

/* Whether glob g could match the JSON text of an object or array, which
 * begins with '{' or '['. */
static int
may_match_json(const char *g)
{
	return *g == '*' || *g == '?' || *g == '{' || *g == '[';
}

/* The separator before another atom in b, when it has one already. */
static int
json_sep(struct buf *b)
{
	return b->len > 0 ? buf_puts(b, ", ") : 0;
}

static int
put_re_atom(struct buf *b, const struct mods *m, const char *re)
{
	char flags[4] = "", *f = flags;

	if (m->re_i)
		*f++ = 'i';
	if (m->re_m)
		*f++ = 'm';
	if (m->re_s)
		*f++ = 's';
	*f = '\0';
	return buf_printf(b, "{\"sigma-re\": [\"%s\", ", flags) == -1 ||
	               json_put_string(b, re, strlen(re)) == -1 || buf_puts(b, "]}") == -1
	           ? -1
	           : 0;
}

/* {"sigma-fieldref": ["MODE", "FIELD"]}: the field v names, compared as the
 * affix modifiers say. */
static int
put_fieldref_atom(struct sload *s, const yaml_node_t *v, const struct mods *m, struct buf *b)
{
	const char *field = sigma_scalar(v);
	const char *mode = m->contains     ? "contains"
	                   : m->startswith ? "startswith"
	                   : m->endswith   ? "endswith"
	                                   : "equals";

	if (sigma_is_null(v))
		return sigma_fail(s, v, "fieldref needs the name of a field, not null");
	if (!match_field_path(field, 0))
		return sigma_fail(s, v,
		    "fieldref: '%s' is not a field name (no wildcards, no empty names between "
		    "dots)",
		    field);
	return buf_printf(b, "{\"sigma-fieldref\": [\"%s%s\", ", mode, m->cased ? "-cased" : "") ==
	                   -1 ||
	               json_put_string(b, field, strlen(field)) == -1 || buf_puts(b, "]}") == -1
	           ? -1
	           : 0;
}

int
sigma_value_atoms(
    struct sload *s, const yaml_node_t *v, const struct mods *m, struct buf *b, struct buf *json)
{
	const char *text = sigma_scalar(v);
	int bv;

	if (v->type != YAML_SCALAR_NODE)
		return sigma_fail(s, v, "a value must be a string, a number, a boolean or null");
	if (m->fieldref)
		return put_fieldref_atom(s, v, m, b);
	if (m->exists) {
		if (!sigma_is_bool(v, &bv))
			return sigma_fail(s, v, "exists needs true or false");
		return buf_puts(b, bv ? "{\"exists\": true}" : "{\"exists\": false}");
	}
	if (sigma_is_null(v)) {
		if (m->contains || m->startswith || m->endswith || m->re || m->cidr || m->cmp ||
		    m->base64 || m->base64offset)
			return sigma_fail(s, v, "null takes no modifier");
		return buf_puts(b, "null, {\"exists\": false}");
	}
	if (m->cmp) {
		static const struct {
			int c;
			const char *op;
		} ops[] = {{'<', "<"}, {'l', "<="}, {'>', ">"}, {'g', ">="}};
		const char *op = "";
		if (!sigma_is_number(v))
			return sigma_fail(
			    s, v, "lt, lte, gt and gte need a number, not '%s'", text);
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
	if (m->re)
		return put_re_atom(b, m, text) == -1 ||
		               (json != NULL &&
		                   (json_sep(json) == -1 || put_re_atom(json, m, text) == -1))
		           ? -1
		           : 0;
	if (!m->contains && !m->startswith && !m->endswith && !m->base64 && !m->base64offset &&
	    !m->cased) {
		if (sigma_is_number(v))
			return buf_printf(b, "%s, ", text) == -1 ? -1 : put_glob_atom(b, text, 0);
		if (sigma_is_bool(v, &bv))
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
			int cased = m->cased || m->base64 || m->base64offset;
			g.data[g.len] = '\0';
			r = put_glob_atom(b, g.data, cased);
			if (r == 0 && json != NULL && may_match_json(g.data))
				r = json_sep(json) == -1 ? -1 : put_glob_atom(json, g.data, cased);
		}
		buf_free(&g);
		if (r == -1)
			return -1;
	}
	return 0;
}
