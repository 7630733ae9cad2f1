/*
 * pattern: parses one EventBridge event pattern and rejects what EventBridge
 * rejects, with its wording, naming the rule and the field.
 *
 * The result is in disjunctive form, as AWS's own rule compiler builds it:
 * each $or forks every branch built so far, once per alternative.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "match/envelope.h"
#include "match/match_int.h"
#include "util/json.h"

#define MAX_BRANCHES 1024 /* $or combinations per rule */
#define MAX_DEPTH    64   /* nesting of objects in a pattern */

struct bvec { /* one branch while parsing */
	struct pclause **v;
	uint32_t n, cap;
};

struct blist {
	struct bvec *v;
	uint32_t n, cap;
};

struct pctx {
	struct arena *a;
	const char *name;
	const char *part; /* which of the rule's patterns: "pattern \"root\"", or NULL */
	const char *origin;
	struct ct_error *err;
	int depth;
	int sigma;            /* the operators of pred.c are allowed */
	struct ppattern *out; /* for its preds */
};

static int parse_object(
    struct pctx *c, yajl_val obj, const char *prefix, struct blist *rules, int in_or);

/* Puts "rule "NAME" PART (ORIGIN): invalid event pattern at "PATH": " before
 * the message in c->err. */
static int
where(struct pctx *c, const char *path)
{
	ct_error_prefix(c->err, "rule \"%s\"%s%s%s%s%s: invalid event pattern%s%s%s", c->name,
	    c->part ? " " : "", c->part ? c->part : "", c->origin ? " (" : "",
	    c->origin ? c->origin : "", c->origin ? ")" : "", path && *path ? " at \"" : "",
	    path && *path ? path : "", path && *path ? "\"" : "");
	return -1;
}

static int __attribute__((format(printf, 3, 4)))
fail(struct pctx *c, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct_error_vset(c->err, CT_ERR_PATTERN, fmt, ap);
	va_end(ap);
	return where(c, path);
}

static int
nomem(struct pctx *c)
{
	return ct_error_set(c->err, CT_ERR_NOMEM, "rule \"%s\": out of memory", c->name);
}

static void
blist_free(struct blist *l)
{
	for (uint32_t i = 0; i < l->n; i++)
		free(l->v[i].v);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static int
blist_add(struct blist *l, const struct bvec *src)
{
	struct bvec b = {NULL, 0, 0};

	if (src != NULL && src->n > 0) {
		b.v = malloc(src->n * sizeof(*b.v));
		if (b.v == NULL)
			return -1;
		memcpy(b.v, src->v, src->n * sizeof(*b.v));
		b.n = b.cap = src->n;
	}
	if (VEC_PUSH(*l, b) < 0) {
		free(b.v);
		return -1;
	}
	return 0;
}

static int
blist_copy(struct blist *dst, const struct blist *src)
{
	for (uint32_t i = 0; i < src->n; i++)
		if (blist_add(dst, &src->v[i]) < 0)
			return -1;
	return 0;
}

static struct pstr
pstr_make(struct pctx *c, const char *s, size_t len)
{
	struct pstr p = {arena_strndup(c->a, s, len), len};
	return p;
}

static struct pstr
pstr_fold(struct pctx *c, const char *s, size_t len)
{
	struct pstr p = {arena_alloc(c->a, 2 * len + 1), 0};

	if (p.s != NULL)
		p.len = fold_case(s, len, p.s);
	return p;
}

static char *
join_path(struct pctx *c, const char *prefix, const char *key)
{
	size_t pl = strlen(prefix), kl = strlen(key);
	char *p = arena_alloc(c->a, pl + kl + 2);

	if (p == NULL)
		return NULL;
	memcpy(p, prefix, pl);
	if (pl > 0)
		p[pl++] = '.';
	memcpy(p + pl, key, kl + 1);
	return p;
}

/* ---- numbers ---- */

static int
number_value(struct pctx *c, const char *path, yajl_val v, int64_t *q, double *d)
{
	const char *raw = v->u.number.r;

	*d = strtod(raw, NULL);
	if (number_quantize(raw, strlen(raw), q) < 0)
		return fail(c, path, "Value must be between -5.0E9 and 5.0E9, inclusive");
	return 0;
}

static const char *
numeric_op_name(const char *op)
{
	return strcmp(op, "=") == 0 ? "equals" : op;
}

static int
numeric_bound(
    struct pctx *c, const char *path, yajl_val arr, size_t i, const char *op, int64_t *q, double *d)
{
	if (i >= arr->u.array.len || !YAJL_IS_NUMBER(arr->u.array.values[i]))
		return fail(c, path, "Value of %s must be numeric", numeric_op_name(op));
	return number_value(c, path, arr->u.array.values[i], q, d);
}

/* ["<", 5], [">=", 0, "<", 10], ["=", 3.5] */
static int
parse_numeric(struct pctx *c, const char *path, yajl_val arr, struct patom *at)
{
	size_t n = arr->u.array.len;
	double dlo, dhi;
	const char *op, *op2;

	at->kind = A_NUMERIC;
	at->lo = -1;
	at->hi = INT64_MAX;
	if (n == 0 || !YAJL_IS_STRING(arr->u.array.values[0]))
		return fail(c, path, "Invalid member in numeric match: %s",
		    n == 0 ? "empty array" : "the first element must be an operator");
	op = arr->u.array.values[0]->u.string;
	if (strcmp(op, "=") == 0 || strcmp(op, "<") == 0 || strcmp(op, "<=") == 0) {
		if (numeric_bound(c, path, arr, 1, op, &at->hi, &dhi) < 0)
			return -1;
		if (n > 2)
			return fail(c, path, "Too many elements in numeric expression");
		at->hi_incl = op[1] == '=' || op[0] == '=';
		if (op[0] == '=') {
			at->lo = at->hi;
			at->lo_incl = 1;
		}
		return 0;
	}
	if (strcmp(op, ">") != 0 && strcmp(op, ">=") != 0)
		return fail(c, path, "Unrecognized numeric range operator: %s", op);
	if (numeric_bound(c, path, arr, 1, op, &at->lo, &dlo) < 0)
		return -1;
	at->lo_incl = op[1] == '=';
	if (n == 2)
		return 0;
	if (!YAJL_IS_STRING(arr->u.array.values[2]))
		return fail(c, path, "Bad value in numeric range: expected \"<\" or \"<=\"");
	op2 = arr->u.array.values[2]->u.string;
	if (strcmp(op2, "<") != 0 && strcmp(op2, "<=") != 0)
		return fail(c, path, "Bad numeric range operator: %s", op2);
	if (numeric_bound(c, path, arr, 3, op2, &at->hi, &dhi) < 0)
		return -1;
	at->hi_incl = op2[1] == '=';
	if (n > 4)
		return fail(c, path, "Too many terms in numeric range expression");
	if (!(dlo < dhi))
		return fail(c, path, "Bottom must be less than top");
	return 0;
}

/* ---- wildcards ---- */

static int
parse_glob(struct pctx *c, const char *path, const char *s, struct glob *g)
{
	size_t len = strlen(s), nseg = 1;
	char *buf;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '*') {
			if (i + 1 < len && s[i + 1] == '*')
				return fail(
				    c, path, "Consecutive wildcard characters at pos %zu", i + 1);
			nseg++;
		} else if (s[i] == '\\') {
			if (i + 1 >= len || (s[i + 1] != '*' && s[i + 1] != '\\'))
				return fail(c, path, "Invalid escape character at pos %zu", i + 1);
			i++;
		}
	}
	g->seg = arena_alloc(c->a, nseg * sizeof(*g->seg));
	buf = arena_alloc(c->a, len + nseg);
	if (g->seg == NULL || buf == NULL)
		return nomem(c);
	g->nseg = 0;
	g->seg[0].s = buf;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '*') {
			struct pstr *seg = &g->seg[g->nseg++];
			seg->len = (size_t)(buf + o - seg->s);
			buf[o++] = '\0';
			if (i < len)
				g->seg[g->nseg].s = buf + o;
			continue;
		}
		if (s[i] == '\\')
			i++;
		buf[o++] = s[i];
	}
	return 0;
}

/* ---- anything-but ---- */

static const char *
ab_type_error(enum atom_kind k)
{
	switch (k) {
	case A_AB_EIC:
		return "Inside anything-but/equals-ignore-case list, number|start|null|boolean is "
		       "not supported.";
	case A_AB_WILDCARD:
		return "wildcard match pattern must be a string";
	default:
		return "prefix/suffix match pattern must be a string";
	}
}

static int
ab_string(struct pctx *c, const char *path, struct patom *at, uint32_t i, yajl_val v)
{
	const char *s;

	if (!YAJL_IS_STRING(v))
		return fail(c, path, "%s", ab_type_error(at->kind));
	s = v->u.string;
	if ((at->kind == A_AB_PREFIX || at->kind == A_AB_SUFFIX) && *s == '\0')
		return fail(c, path, "Null prefix/suffix not allowed");
	if (at->kind == A_AB_EIC)
		at->v[i] = pstr_fold(c, s, strlen(s));
	else
		at->v[i] = pstr_make(c, s, strlen(s));
	if (at->v[i].s == NULL)
		return nomem(c);
	if (at->kind == A_AB_WILDCARD)
		return parse_glob(c, path, s, &at->g[i]);
	return 0;
}

/* {"anything-but": {"prefix"|"suffix"|"equals-ignore-case"|"wildcard": "x" or ["x", ...]}} */
static int
parse_ab_object(struct pctx *c, const char *path, yajl_val obj, struct patom *at)
{
	const char *op;
	yajl_val v;
	size_t n;

	if (obj->u.object.len == 0)
		return fail(c, path, "Anything-But expression name not found");
	op = obj->u.object.keys[0];
	v = obj->u.object.values[0];
	if (strcmp(op, "prefix") == 0)
		at->kind = A_AB_PREFIX;
	else if (strcmp(op, "suffix") == 0)
		at->kind = A_AB_SUFFIX;
	else if (strcmp(op, "equals-ignore-case") == 0)
		at->kind = A_AB_EIC;
	else if (strcmp(op, "wildcard") == 0)
		at->kind = A_AB_WILDCARD;
	else
		return fail(c, path, "Unsupported anything-but pattern: %s", op);
	if (!YAJL_IS_ARRAY(v) && !YAJL_IS_STRING(v) && !YAJL_IS_NUMBER(v))
		return fail(c, path,
		    "Value of anything-but must be an array or single string/number "
		    "value.");
	n = YAJL_IS_ARRAY(v) ? v->u.array.len : 1;
	if (n == 0)
		return fail(c, path, "Empty arrays are not allowed");
	at->nv = (uint32_t)n;
	at->v = arena_alloc(c->a, n * sizeof(*at->v));
	at->g = arena_alloc(c->a, n * sizeof(*at->g));
	if (at->v == NULL || at->g == NULL)
		return nomem(c);
	for (size_t i = 0; i < n; i++)
		if (ab_string(
		        c, path, at, (uint32_t)i, YAJL_IS_ARRAY(v) ? v->u.array.values[i] : v) < 0)
			return -1;
	if (obj->u.object.len > 1)
		return fail(c, path, "Only one key allowed in match expression");
	return 0;
}

static int
ab_value(struct pctx *c, const char *path, struct patom *at, yajl_val v)
{
	double d;

	if (YAJL_IS_STRING(v)) {
		at->v[at->nv] = pstr_make(c, v->u.string, strlen(v->u.string));
		return at->v[at->nv++].s == NULL ? nomem(c) : 0;
	}
	if (YAJL_IS_NUMBER(v))
		return number_value(c, path, v, &at->q[at->nq++], &d);
	return fail(c, path, "Inside anything but list, start|null|boolean is not supported.");
}

static int
parse_anything_but(struct pctx *c, const char *path, yajl_val v, struct patom *at)
{
	size_t n;

	if (YAJL_IS_OBJECT(v))
		return parse_ab_object(c, path, v, at);
	if (!YAJL_IS_ARRAY(v) && !YAJL_IS_STRING(v) && !YAJL_IS_NUMBER(v))
		return fail(c, path,
		    "Value of anything-but must be an array or single string/number "
		    "value.");
	n = YAJL_IS_ARRAY(v) ? v->u.array.len : 1;
	at->v = arena_alloc(c->a, (n + 1) * sizeof(*at->v));
	at->q = arena_alloc(c->a, (n + 1) * sizeof(*at->q));
	if (at->v == NULL || at->q == NULL)
		return nomem(c);
	for (size_t i = 0; i < n; i++)
		if (ab_value(c, path, at, YAJL_IS_ARRAY(v) ? v->u.array.values[i] : v) < 0)
			return -1;
	if ((at->nv > 0) == (at->nq > 0))
		return fail(c, path,
		    "Inside anything but list, either all values are number or "
		    "string, mixed type is not supported");
	at->kind = at->nv > 0 ? A_AB_STRINGS : A_AB_NUMBERS;
	return 0;
}

/* ---- other operators ---- */

/* {"prefix": {"equals-ignore-case": "x"}} and the same for suffix */
static int
parse_affix_eic(struct pctx *c, const char *path, const char *op, yajl_val obj, struct patom *at)
{
	const char *Op = strcmp(op, "prefix") == 0 ? "Prefix" : "Suffix";
	yajl_val v;

	if (obj->u.object.len == 0)
		return fail(c, path, "%s expression name not found", Op);
	if (strcmp(obj->u.object.keys[0], "equals-ignore-case") != 0)
		return fail(c, path, "Unsupported %s pattern: %s", op, obj->u.object.keys[0]);
	v = obj->u.object.values[0];
	if (!YAJL_IS_STRING(v))
		return fail(c, path, "equals-ignore-case match pattern must be a string");
	if (obj->u.object.len > 1)
		return fail(c, path, "Only one key allowed in match expression");
	at->kind = *op == 'p' ? A_PREFIX_EIC : A_SUFFIX_EIC;
	return 0;
}

static int
parse_cidr(struct pctx *c, const char *path, const char *s, struct patom *at)
{
	const char *slash = strchr(s, '/');
	char *end;
	long bits;
	int n, max;

	if (slash == NULL || strchr(slash + 1, '/') != NULL)
		return fail(c, path, "Malformed CIDR, one '/' required");
	bits = strtol(slash + 1, &end, 10);
	if (!(isdigit((unsigned char)slash[1]) ||
	        (slash[1] == '-' && isdigit((unsigned char)slash[2]))) ||
	    *end != '\0')
		return fail(c, path, "Malformed CIDR, mask bits must be an integer");
	if (bits < 0)
		return fail(c, path, "Malformed CIDR, mask bits must not be negative");
	n = ip_parse(s, (size_t)(slash - s), at->ip_lo);
	if (n == 0)
		return fail(c, path, "Nonstandard IP address: %.*s", (int)(slash - s), s);
	max = n * 8;
	if (bits >= max)
		return fail(c, path, "IPv%d mask bits must be < %d", n == 4 ? 4 : 6, max);
	at->kind = A_CIDR;
	at->ip6 = n == 16;
	at->bits = (int)bits;
	for (int i = 0; i < n; i++) {
		int keep = (int)bits - 8 * i;
		uint8_t host = keep >= 8 ? 0 : keep <= 0 ? 0xff : (uint8_t)(0xff >> keep);
		at->ip_hi[i] = at->ip_lo[i] | host;
		if (at->ip_lo[i] & host)
			at->bits = -1; /* host bits set: the range starts at the address given */
	}
	return 0;
}

static int
string_operand(struct pctx *c, const char *path, yajl_val v, const char *op, struct patom *at,
    enum atom_kind k)
{
	const char *s;

	if (!YAJL_IS_STRING(v))
		return fail(c, path, "%s match pattern must be a string", op);
	s = v->u.string;
	at->kind = k;
	at->nv = 1;
	at->v = arena_alloc(c->a, sizeof(*at->v));
	if (at->v == NULL)
		return nomem(c);
	if (k == A_EIC)
		at->v[0] = pstr_fold(c, s, strlen(s));
	else
		at->v[0] = pstr_make(c, s, strlen(s));
	if (at->v[0].s == NULL)
		return nomem(c);
	if (k == A_WILDCARD) {
		at->g = arena_alloc(c->a, sizeof(*at->g));
		if (at->g == NULL)
			return nomem(c);
		return parse_glob(c, path, s, at->g);
	}
	if (k == A_CIDR)
		return parse_cidr(c, path, s, at);
	return 0;
}

static int
parse_affix(struct pctx *c, const char *path, const char *op, yajl_val v, struct patom *at)
{
	const char *s;

	if (!YAJL_IS_OBJECT(v))
		return string_operand(c, path, v, op, at, *op == 'p' ? A_PREFIX : A_SUFFIX);
	if (parse_affix_eic(c, path, op, v, at) < 0)
		return -1;
	s = v->u.object.values[0]->u.string;
	at->nv = 1;
	at->v = arena_alloc(c->a, sizeof(*at->v));
	if (at->v == NULL)
		return nomem(c);
	at->v[0] = pstr_fold(c, s, strlen(s));
	return at->v[0].s == NULL ? nomem(c) : 0;
}

/* Keeps p's regex, if any, for ppattern_free. */
static int
keep_pred(struct pctx *c, struct pred *p)
{
	struct pred **v;

	if (p->kind != PRED_REGEX)
		return 0;
	if ((v = realloc(c->out->preds, (c->out->npreds + 1) * sizeof(*v))) == NULL) {
		pred_free(p);
		return nomem(c);
	}
	c->out->preds = v;
	v[c->out->npreds++] = p;
	return 0;
}

/* {"sigma-fieldref": ["MODE", "FIELD"]}: MODE equals, startswith, endswith
 * or contains, "-cased" after it to compare case-sensitively. */
static int
parse_fieldref(struct pctx *c, const char *path, yajl_val v, struct patom *at)
{
	static const char *const modes[] = {
	    [REF_EQUALS] = "equals",
	    [REF_PREFIX] = "startswith",
	    [REF_SUFFIX] = "endswith",
	    [REF_CONTAINS] = "contains",
	};
	const char *mode, *field;
	size_t n;

	if (!YAJL_IS_ARRAY(v) || v->u.array.len != 2 || !YAJL_IS_STRING(v->u.array.values[0]) ||
	    !YAJL_IS_STRING(v->u.array.values[1]))
		return fail(c, path, "sigma-fieldref match pattern must be [\"MODE\", \"FIELD\"]");
	mode = v->u.array.values[0]->u.string;
	field = v->u.array.values[1]->u.string;
	at->kind = A_FIELDREF;
	for (at->ref_mode = 0; at->ref_mode < 4; at->ref_mode++) {
		n = strlen(modes[at->ref_mode]);
		if (strncmp(mode, modes[at->ref_mode], n) == 0 &&
		    (mode[n] == '\0' || strcmp(mode + n, "-cased") == 0))
			break;
	}
	if (at->ref_mode == 4)
		return fail(c, path, "Unsupported sigma-fieldref mode: %s", mode);
	at->ref_cased = mode[n] != '\0';
	if (!match_field_path(field, 0))
		return fail(c, path, "sigma-fieldref names no field: \"%s\"", field);
	at->nv = 1;
	if ((at->v = arena_alloc(c->a, sizeof(*at->v))) == NULL)
		return nomem(c);
	at->v[0] = pstr_make(c, field, strlen(field));
	return at->v[0].s == NULL ? nomem(c) : 0;
}

/* The operators of Sigma rules (pred.c, fieldref.c). */
static int
parse_pred(struct pctx *c, const char *path, const char *op, yajl_val v, struct patom *at)
{
	struct pred *p;
	char why[256];

	if (strcmp(op, "sigma-fieldref") == 0)
		return parse_fieldref(c, path, v, at);
	if ((p = arena_alloc(c->a, sizeof(*p))) == NULL)
		return nomem(c);
	at->kind = A_PRED;
	at->pred = p;
	if (strcmp(op, "sigma-glob") == 0 || strcmp(op, "sigma-glob-cased") == 0) {
		if (!YAJL_IS_STRING(v))
			return fail(c, path, "%s match pattern must be a string", op);
		return pred_glob_compile(c->a, v->u.string, op[10] != '\0', p) < 0 ? nomem(c) : 0;
	}
	if (strcmp(op, "sigma-re") != 0)
		return fail(c, path, "Unrecognized match type %s", op);
	if (!YAJL_IS_ARRAY(v) || v->u.array.len != 2 || !YAJL_IS_STRING(v->u.array.values[0]) ||
	    !YAJL_IS_STRING(v->u.array.values[1]))
		return fail(c, path, "sigma-re match pattern must be [\"FLAGS\", \"RE\"]");
	if (pred_re_compile(v->u.array.values[0]->u.string, v->u.array.values[1]->u.string, p, why,
	        sizeof(why)) < 0)
		return fail(c, path, "%s", why);
	return keep_pred(c, p);
}

static int
parse_operator(struct pctx *c, const char *path, yajl_val obj, struct patom *at)
{
	const char *op;
	yajl_val v;
	int r;

	if (obj->u.object.len == 0)
		return fail(c, path, "Match expression name not found");
	op = obj->u.object.keys[0];
	v = obj->u.object.values[0];
	if (strcmp(op, "prefix") == 0 || strcmp(op, "suffix") == 0)
		r = parse_affix(c, path, op, v, at);
	else if (strcmp(op, "equals-ignore-case") == 0)
		r = string_operand(c, path, v, op, at, A_EIC);
	else if (strcmp(op, "wildcard") == 0)
		r = string_operand(c, path, v, op, at, A_WILDCARD);
	else if (strcmp(op, "cidr") == 0)
		r = string_operand(c, path, v, op, at, A_CIDR);
	else if (strcmp(op, "numeric") == 0)
		r = YAJL_IS_ARRAY(v) ? parse_numeric(c, path, v, at)
		                     : fail(c, path, "Value of numeric must be an array.");
	else if (strcmp(op, "anything-but") == 0)
		r = parse_anything_but(c, path, v, at);
	else if (strcmp(op, "exists") == 0) {
		if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
			return fail(c, path, "exists match pattern must be either true or false.");
		at->kind = YAJL_IS_TRUE(v) ? A_EXISTS : A_ABSENT;
		r = 0;
	} else if (c->sigma && strncmp(op, "sigma-", 6) == 0)
		r = parse_pred(c, path, op, v, at);
	else
		return fail(c, path, "Unrecognized match type %s", op);
	if (r == 0 && obj->u.object.len > 1)
		return fail(c, path, "Only one key allowed in match expression");
	return r;
}

/* ---- fields and objects ---- */

static int
parse_string_value(struct pctx *c, const char *s, struct patom *at, uint32_t *n)
{
	size_t len = strlen(s);
	struct patom *ip = &at[1];

	at->kind = A_STRING;
	at->nv = 1;
	at->v = arena_alloc(c->a, sizeof(*at->v));
	if (at->v == NULL)
		return nomem(c);
	at->v[0] = pstr_make(c, s, len);
	if (at->v[0].s == NULL)
		return nomem(c);
	(*n)++;
	/* AWS compares a string that is an IP address as an address ("::1" is "0:0::1"). */
	int w = ip_parse(s, len, ip->ip_lo);
	if (w != 0) {
		ip->kind = A_CIDR;
		ip->ip6 = w == 16;
		ip->bits = w * 8;
		memcpy(ip->ip_hi, ip->ip_lo, sizeof(ip->ip_hi));
		(*n)++;
	}
	return 0;
}

static int
parse_value(struct pctx *c, const char *path, yajl_val v, struct patom *at, uint32_t *n)
{
	if (YAJL_IS_STRING(v))
		return parse_string_value(c, v->u.string, at, n);
	(*n)++;
	if (YAJL_IS_NUMBER(v)) {
		const char *raw = v->u.number.r;
		at->kind = A_NUMBER;
		at->nv = 1;
		at->v = arena_alloc(c->a, sizeof(*at->v));
		if (at->v == NULL)
			return nomem(c);
		at->v[0] = pstr_make(c, raw, strlen(raw));
		at->qvalid = number_quantize(raw, strlen(raw), &at->qnum) == 0;
		return at->v[0].s == NULL ? nomem(c) : 0;
	}
	if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v) || YAJL_IS_NULL(v)) {
		at->kind = YAJL_IS_TRUE(v) ? A_TRUE : YAJL_IS_FALSE(v) ? A_FALSE : A_NULL;
		return 0;
	}
	if (YAJL_IS_OBJECT(v))
		return parse_operator(c, path, v, at);
	return fail(c, path, "Match value must be String, number, true, false, or null");
}

static struct pclause *
parse_values(struct pctx *c, const char *path, yajl_val arr)
{
	size_t len = arr->u.array.len;
	struct pclause *cl;

	if (len == 0) {
		fail(c, path, "Empty arrays are not allowed");
		return NULL;
	}
	cl = arena_alloc(c->a, sizeof(*cl));
	if (cl == NULL || (cl->atoms = arena_alloc(c->a, 2 * len * sizeof(*cl->atoms))) == NULL) {
		nomem(c);
		return NULL;
	}
	cl->path = (char *)path;
	for (size_t i = 0; i < len; i++) {
		if (parse_value(c, path, arr->u.array.values[i], &cl->atoms[cl->n], &cl->n) < 0)
			return NULL;
	}
	for (uint32_t i = 0; i < cl->n; i++)
		if (cl->atoms[i].kind == A_ABSENT)
			cl->optional = 1;
	return cl;
}

static int
add_clause(struct pctx *c, struct blist *rules, struct pclause *cl)
{
	if (rules->n == 0 && blist_add(rules, NULL) < 0)
		return nomem(c);
	for (uint32_t i = 0; i < rules->n; i++) {
		struct bvec *b = &rules->v[i];
		for (uint32_t j = 0; j < b->n; j++)
			if (strcmp(b->v[j]->path, cl->path) == 0)
				return fail(c, NULL, "Path `%s` cannot be allowed multiple times",
				    cl->path);
		if (VEC_PUSH(*b, cl) < 0)
			return nomem(c);
	}
	return 0;
}

static int
parse_or(struct pctx *c, yajl_val arr, const char *prefix, struct blist *rules)
{
	struct blist current = {NULL, 0, 0};
	size_t n;
	int r = -1;

	if (!YAJL_IS_ARRAY(arr))
		return fail(c, prefix, "It must be an Array followed with $or.");
	current = *rules;
	memset(rules, 0, sizeof(*rules));
	n = arr->u.array.len;
	for (size_t i = 0; i < n; i++) {
		struct blist alt = {NULL, 0, 0};
		yajl_val v = arr->u.array.values[i];

		if (!YAJL_IS_OBJECT(v)) {
			fail(
			    c, prefix, "Only JSON object is allowed in array of $or relationship.");
			goto out;
		}
		if (blist_copy(&alt, &current) < 0 || (alt.n == 0 && blist_add(&alt, NULL) < 0)) {
			nomem(c);
		} else if (parse_object(c, v, prefix, &alt, 1) < 0) {
			/* err already says why */
		} else if (rules->n + alt.n > MAX_BRANCHES) {
			fail(c, prefix, "Too many $or combinations (more than %d)", MAX_BRANCHES);
		} else if (blist_copy(rules, &alt) < 0) {
			nomem(c);
		} else {
			blist_free(&alt);
			continue;
		}
		blist_free(&alt);
		goto out;
	}
	if (n < 2) {
		fail(c, prefix, "There must have at least 2 Objects in $or relationship.");
		goto out;
	}
	r = 0;
out:
	blist_free(&current);
	return r;
}

static int
is_reserved(const char *k)
{
	static const char *const reserved[] = {"equals", "equals-ignore-case", "prefix", "suffix",
	    "anything-but", "exists", "wildcard", "numeric", "cidr", "=", "<", "<=", ">",
	    ">=", "regex", "not-wildcard", "not-equals-ignore-case", "date-after",
	    "date-on-or-after", "date-before", "date-on-or-before", "in-date-range",
	    "ip-address-in-range", "ip-address-not-in-range"};

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(k, reserved[i]) == 0)
			return 1;
	return 0;
}

static int
parse_field(
    struct pctx *c, const char *prefix, const char *key, yajl_val v, struct blist *rules, int in_or)
{
	char *path;
	struct pclause *cl;

	if (in_or && is_reserved(key))
		return fail(c, prefix,
		    "%s is Ruler reserved fieldName which cannot be used inside $or.", key);
	if ((path = join_path(c, prefix, key)) == NULL)
		return nomem(c);
	if (YAJL_IS_OBJECT(v))
		return parse_object(c, v, path, rules, in_or);
	if (!YAJL_IS_ARRAY(v))
		return fail(c, path, "\"%s\" must be an object or an array", key);
	if ((cl = parse_values(c, path, v)) == NULL)
		return -1;
	return add_clause(c, rules, cl);
}

static int
parse_object(struct pctx *c, yajl_val obj, const char *prefix, struct blist *rules, int in_or)
{
	int r = 0;

	if (obj->u.object.len == 0)
		return fail(c, prefix, "Empty objects are not allowed");
	if (++c->depth > MAX_DEPTH)
		return fail(c, prefix, "Nesting deeper than %d levels", MAX_DEPTH);
	for (size_t i = 0; i < obj->u.object.len && r == 0; i++) {
		const char *key = obj->u.object.keys[i];
		yajl_val v = obj->u.object.values[i];

		if (strcmp(key, "$or") == 0)
			r = parse_or(c, v, prefix, rules);
		else
			r = parse_field(c, prefix, key, v, rules, in_or);
	}
	c->depth--;
	return r;
}

static int
finish(struct pctx *c, struct blist *rules, struct ppattern *out)
{
	out->nbr = rules->n;
	out->br = arena_alloc(c->a, rules->n * sizeof(*out->br));
	if (out->br == NULL)
		return nomem(c);
	for (uint32_t i = 0; i < rules->n; i++) {
		struct bvec *b = &rules->v[i];
		out->br[i].n = b->n;
		out->br[i].cl = arena_alloc(c->a, (b->n + 1) * sizeof(*b->v));
		if (out->br[i].cl == NULL)
			return nomem(c);
		if (b->n > 0)
			memcpy(out->br[i].cl, b->v, b->n * sizeof(*b->v));
	}
	return 0;
}

int
pattern_is_envelope(const struct ppattern *p)
{
	for (uint32_t i = 0; i < p->nbr; i++)
		for (uint32_t j = 0; j < p->br[i].n; j++)
			if (envelope_is_envelope_path(p->br[i].cl[j]->path))
				return 1;
	return 0;
}

/* ---- complexity ---- */

static int
same_glob(const struct glob *a, const struct glob *b)
{
	if (a->nseg != b->nseg)
		return 0;
	for (uint32_t i = 0; i < a->nseg; i++)
		if (a->seg[i].len != b->seg[i].len ||
		    memcmp(a->seg[i].s, b->seg[i].s, a->seg[i].len) != 0)
			return 0;
	return 1;
}

/* Adds the distinct wildcards of clause cl to g[0..*n). */
static void
gather_globs(const struct pclause *cl, const struct glob **g, size_t *n)
{
	for (uint32_t i = 0; i < cl->n; i++) {
		size_t k = 0;
		if (cl->atoms[i].kind != A_WILDCARD)
			continue;
		while (k < *n && !same_glob(g[k], cl->atoms[i].g))
			k++;
		if (k == *n)
			g[(*n)++] = cl->atoms[i].g;
	}
}

/* EventBridge judges the wildcards of each field together, over all the
 * rule's $or branches (see complexity.c). */
static int
check_complexity(struct pctx *c, const struct ppattern *p)
{
	size_t cap = 0, n;
	const struct glob **g;
	int r = 0;

	for (uint32_t i = 0; i < p->nbr; i++)
		for (uint32_t j = 0; j < p->br[i].n; j++)
			cap += p->br[i].cl[j]->n;
	if ((g = malloc((cap + 1) * sizeof(*g))) == NULL)
		return nomem(c);
	for (uint32_t i = 0; i < p->nbr && r == 0; i++)
		for (uint32_t j = 0; j < p->br[i].n && r == 0; j++) {
			const char *path = p->br[i].cl[j]->path;
			n = 0;
			gather_globs(p->br[i].cl[j], g, &n);
			if (n == 0)
				continue; /* no wildcard here: nothing to judge */
			n = 0;
			for (uint32_t x = 0; x < p->nbr; x++)
				for (uint32_t y = 0; y < p->br[x].n; y++)
					if (strcmp(p->br[x].cl[y]->path, path) == 0)
						gather_globs(p->br[x].cl[y], g, &n);
			if (wildcard_complexity((const struct glob *const *)g, n,
			        COMPLEXITY_LIMIT) > COMPLEXITY_LIMIT)
				r = fail(c, path,
				    "Rule is too complex - try using fewer wildcard characters or "
				    "fewer repeating character sequences after a wildcard "
				    "character");
		}
	free(g);
	return r;
}

int
pattern_parse(const char *name, const char *origin, const char *json, struct arena *a,
    struct ppattern *out, struct ct_error *err)
{
	return pattern_parse_part(name, NULL, origin, json, 0, a, out, err);
}

void
ppattern_free(struct ppattern *p)
{
	for (uint32_t i = 0; i < p->npreds; i++)
		pred_free(p->preds[i]);
	free(p->preds);
	p->preds = NULL;
	p->npreds = 0;
}

int
pattern_parse_part(const char *name, const char *part, const char *origin, const char *json,
    int sigma, struct arena *a, struct ppattern *out, struct ct_error *err)
{
	struct pctx c = {a, name ? name : "", part, origin, err, 0, sigma, out};
	struct blist rules = {NULL, 0, 0};
	char ebuf[256] = "";
	yajl_val root;
	int r;

	memset(out, 0, sizeof(*out));
	if (err != NULL)
		ct_error_clear(err);
	if (json == NULL)
		return fail(&c, NULL, "no pattern given");
	root = json_parse(json, strlen(json), JSON_TREE_MAX_DEPTH, ebuf, sizeof(ebuf));
	if (root == NULL)
		return fail(&c, NULL, "not valid JSON: %s", *ebuf ? ebuf : "parse error");
	if (!YAJL_IS_OBJECT(root))
		r = fail(&c, NULL, "Filter is not an object");
	else
		r = parse_object(&c, root, "", &rules, 0);
	if (r == 0)
		r = finish(&c, &rules, out);
	if (r == 0)
		r = check_complexity(&c, out);
	if (r < 0)
		ppattern_free(out);
	blist_free(&rules);
	yajl_tree_free(root);
	return r;
}
