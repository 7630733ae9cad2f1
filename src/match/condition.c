/*
 * condition: a rule's condition over the patterns it names, and its
 * exceptions.
 *
 * A condition is compiled to a short postfix program over the rule's units
 * (its patterns, then its exceptions): the units are compiled into the one
 * field index like any rule's pattern, and once per record the program of
 * each rule one of whose units matched (or whose condition holds when none
 * does, such as "not a") is run over the units that matched. Grammar, as
 * Sigma's:
 *
 *   or     := and ("or" and)*
 *   and    := not ("and" not)*
 *   not    := "not" not | atom
 *   atom   := "(" or ")" | NAME | ("1" | "all") "of" (GLOB | "them")
 *
 * "1 of X*" is the "or" of the patterns whose names match X* ('*' any
 * characters), "all of X*" their "and"; "them" is every pattern whose name
 * does not begin with '_'.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_int.h"

#define COND_DEPTH_MAX 32 /* nesting of parentheses and "not" */

struct cparse {
	const char *text;
	size_t at;                /* byte offset of the next token */
	const char *const *names; /* borrowed */
	uint32_t n;
	unsigned char *used; /* per name: the condition refers to it; may be NULL */
	VEC(uint32_t) op;    /* the program so far */
	uint32_t sp, maxsp;  /* its stack depth, now and at most */
	struct ct_error *err;
};

static int __attribute__((format(printf, 2, 3))) cfail(struct cparse *p, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return ct_error_set(p->err, CT_ERR_CONFIG, "condition: %s at column %zu", what, p->at + 1);
}

static int
word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-' || c == '*';
}

/* The next token: a parenthesis, a word, or none (len 0) at the end. */
static const char *
peek(struct cparse *p, size_t *len)
{
	const char *s;

	p->at += strspn(p->text + p->at, " \t\r\n");
	s = p->text + p->at;
	if (*s == '(' || *s == ')') {
		*len = 1;
		return s;
	}
	for (*len = 0; word_char(s[*len]); (*len)++)
		;
	if (*len == 0 && *s != '\0')
		*len = 1; /* a character no token has: the caller refuses it */
	return s;
}

static int
is_word(const char *s, size_t len, const char *w)
{
	return len == strlen(w) && memcmp(s, w, len) == 0;
}

static int
is_keyword(const char *s, size_t len)
{
	static const char *const kw[] = {"and", "or", "not", "of", "them", "all"};

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (is_word(s, len, kw[i]))
			return 1;
	return 0;
}

static int
emit(struct cparse *p, uint32_t op)
{
	if (VEC_PUSH(p->op, op) < 0)
		return ct_error_set(p->err, CT_ERR_NOMEM, "condition: out of memory");
	if (op < COND_NOT)
		p->sp++;
	else if (op != COND_NOT)
		p->sp--;
	if (p->sp > p->maxsp)
		p->maxsp = p->sp;
	return 0;
}

/* Whether name matches glob, whose only special character is '*'. Greedy,
 * going back only to the last '*': linear in practice and never worse than
 * glen x nlen, where trying every split at every '*' is exponential. */
static int
glob_names(const char *g, size_t glen, const char *name)
{
	size_t gi = 0, star = (size_t)-1, resume = 0;
	const char *n = name;

	while (*n) {
		if (gi < glen && g[gi] == '*') {
			star = gi++;
			resume = (size_t)(n - name);
		} else if (gi < glen && g[gi] == *n) {
			gi++;
			n++;
		} else if (star != (size_t)-1) {
			gi = star + 1;
			n = name + ++resume;
		} else {
			return 0;
		}
	}
	while (gi < glen && g[gi] == '*')
		gi++;
	return gi == glen;
}

static int
name_index(const struct cparse *p, const char *s, size_t len)
{
	for (uint32_t i = 0; i < p->n; i++)
		if (strlen(p->names[i]) == len && memcmp(p->names[i], s, len) == 0)
			return (int)i;
	return -1;
}

/* "1 of X" / "all of X", at "of". */
static int
parse_of(struct cparse *p, int all)
{
	size_t len, glen;
	const char *g;
	uint32_t k = 0;

	g = peek(p, &len);
	if (!is_word(g, len, "of"))
		return cfail(p, "expected 'of' after '%s'", all ? "all" : "1");
	p->at += len;
	g = peek(p, &glen);
	if (glen == 0 || !word_char(*g) || (is_keyword(g, glen) && !is_word(g, glen, "them")))
		return cfail(p, "expected a pattern name, a name with '*' or 'them' after 'of'");
	for (uint32_t i = 0; i < p->n; i++) {
		int them = is_word(g, glen, "them");
		if (them ? p->names[i][0] == '_' : !glob_names(g, glen, p->names[i]))
			continue;
		if (p->used)
			p->used[i] = 1;
		if (emit(p, i) < 0 || (k > 0 && emit(p, all ? COND_AND : COND_OR) < 0))
			return -1;
		k++;
	}
	if (k == 0)
		return cfail(p, "'%.*s' names no pattern", (int)glen, g);
	p->at += glen;
	return 0;
}

static int parse_or(struct cparse *p, int depth);

static int
parse_atom(struct cparse *p, int depth)
{
	size_t len;
	const char *s = peek(p, &len);
	int i;

	if (len == 1 && *s == '(') {
		p->at++;
		if (parse_or(p, depth + 1) < 0)
			return -1;
		s = peek(p, &len);
		if (len != 1 || *s != ')')
			return cfail(p, "expected ')'");
		p->at++;
		return 0;
	}
	if (len == 0)
		return cfail(p, "expected a pattern name, 'not' or '(' but the condition ends");
	if (!word_char(*s))
		return cfail(p, "unexpected '%c'", *s);
	if (strspn(s, "0123456789") == len && !is_word(s, len, "1"))
		return cfail(p, "'%.*s of': only '1 of' and 'all of' count patterns", (int)len, s);
	if (is_word(s, len, "1") || is_word(s, len, "all")) {
		p->at += len;
		return parse_of(p, *s == 'a');
	}
	if (is_keyword(s, len))
		return cfail(p, "expected a pattern name, 'not' or '(' before '%.*s'", (int)len, s);
	if (memchr(s, '*', len) != NULL)
		return cfail(p, "'%.*s': a name with '*' needs '1 of' or 'all of'", (int)len, s);
	if ((i = name_index(p, s, len)) < 0)
		return cfail(p, "unknown pattern '%.*s'", (int)len, s);
	if (p->used)
		p->used[i] = 1;
	p->at += len;
	return emit(p, (uint32_t)i);
}

static int
parse_not(struct cparse *p, int depth)
{
	size_t len;
	const char *s = peek(p, &len);

	if (depth > COND_DEPTH_MAX)
		return cfail(p, "nested deeper than %d", COND_DEPTH_MAX);
	if (is_word(s, len, "not")) {
		p->at += len;
		if (parse_not(p, depth + 1) < 0)
			return -1;
		return emit(p, COND_NOT);
	}
	return parse_atom(p, depth);
}

static int
parse_and(struct cparse *p, int depth)
{
	size_t len;
	const char *s;

	if (parse_not(p, depth) < 0)
		return -1;
	while (s = peek(p, &len), is_word(s, len, "and")) {
		p->at += len;
		if (parse_not(p, depth) < 0 || emit(p, COND_AND) < 0)
			return -1;
	}
	return 0;
}

static int
parse_or(struct cparse *p, int depth)
{
	size_t len;
	const char *s;

	if (depth > COND_DEPTH_MAX)
		return cfail(p, "nested deeper than %d", COND_DEPTH_MAX);
	if (parse_and(p, depth) < 0)
		return -1;
	while (s = peek(p, &len), is_word(s, len, "or")) {
		p->at += len;
		if (parse_and(p, depth) < 0 || emit(p, COND_OR) < 0)
			return -1;
	}
	return 0;
}

/* Parses text into p->op; on success the program leaves one value. */
static int
parse_condition(struct cparse *p)
{
	size_t len;
	const char *s;

	if (parse_or(p, 0) < 0)
		return -1;
	s = peek(p, &len);
	if (len != 0)
		return cfail(p, "unexpected '%.*s'", (int)len, s);
	if (p->maxsp > COND_STACK_MAX)
		return cfail(p, "too complex (more than %d values pending)", COND_STACK_MAX);
	return 0;
}

int
match_condition_check(const char *condition, const char *const *names, size_t n,
    unsigned char *used, struct ct_error *err)
{
	struct cparse p = {condition, 0, names, (uint32_t)n, used, {NULL, 0, 0}, 0, 0, err};
	int r;

	if (used)
		memset(used, 0, n);
	r = parse_condition(&p);
	free(p.op.v);
	return r;
}

/* ---- rewriting a condition over other names (Sigma's selections) ---- */

struct piece {
	char *text;  /* owned */
	uint32_t op; /* its outermost operator, or 0 for a name or a parenthesis */
};

static char *
piece_join(const char *a, int pa, const char *op, const char *b, int pb)
{
	char *out;

	if (asprintf(&out, "%s%s%s %s %s%s%s", pa ? "(" : "", a, pa ? ")" : "", op, pb ? "(" : "",
	        b, pb ? ")" : "") == -1)
		return NULL;
	return out;
}

/* Runs the program in p->op over texts instead of values. */
static char *
unparse(const struct cparse *p, const char *const *exprs)
{
	struct piece st[COND_STACK_MAX + 1];
	uint32_t sp = 0;
	char *out = NULL;

	for (uint32_t i = 0; i < p->op.n; i++) {
		uint32_t op = p->op.v[i];
		char *t;
		if (op < COND_NOT) {
			const char *e = exprs[op];
			int bare = strspn(e, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0"
			                     "123456789_.-") == strlen(e);
			t = bare ? strdup(e) : NULL;
			if (!bare && asprintf(&t, "(%s)", e) == -1)
				t = NULL;
			st[sp++] = (struct piece){t, 0};
		} else if (op == COND_NOT) {
			struct piece *a = &st[sp - 1];
			t = piece_join("", 0, "not", a->text ? a->text : "", a->op != 0);
			free(a->text);
			*a = (struct piece){
			    t ? strdup(t + 1) : NULL, 0}; /* "not x" without the blank */
			free(t);
			a->op = COND_NOT;
		} else {
			struct piece *a = &st[sp - 2], *b = &st[sp - 1];
			int and = op == COND_AND;
			t = a->text && b->text
			        ? piece_join(a->text, and&&a->op == COND_OR, and? "and" : "or",
			              b->text, b->op == COND_OR || (and&&b->op == COND_AND))
			        : NULL;
			free(a->text);
			free(b->text);
			*a = (struct piece){t, op};
			sp--;
		}
	}
	if (sp == 1)
		out = st[0].text;
	else
		while (sp > 0)
			free(st[--sp].text);
	return out;
}

int
match_condition_expand(const char *condition, const char *const *names, size_t n,
    const char *const *exprs, unsigned char *used, char **out, struct ct_error *err)
{
	struct cparse p = {condition, 0, names, (uint32_t)n, used, {NULL, 0, 0}, 0, 0, err};
	int r;

	*out = NULL;
	if (used)
		memset(used, 0, n);
	if ((r = parse_condition(&p)) == 0 && (*out = unparse(&p, exprs)) == NULL)
		r = ct_error_set(err, CT_ERR_NOMEM, "condition: out of memory");
	free(p.op.v);
	return r;
}

/* The program of a rule with n parts (NULL names: its one pattern is unit
 * 0) and nx exceptions after them: the condition, then "and not (x1 or x2
 * ...)". */
int
cond_compile(struct arena *a, const char *condition, const char *const *names, uint32_t n,
    uint32_t nx, struct cond *out, struct ct_error *err)
{
	struct cparse p = {condition, 0, names, n, NULL, {NULL, 0, 0}, 0, 0, err};
	int r = 0;

	if (condition != NULL)
		r = parse_condition(&p);
	else
		r = emit(&p, 0);
	for (uint32_t i = 0; i < nx && r == 0; i++)
		r = emit(&p, n + i) < 0 || (i > 0 && emit(&p, COND_OR) < 0) ? -1 : 0;
	if (nx > 0 && r == 0)
		r = emit(&p, COND_NOT) < 0 || emit(&p, COND_AND) < 0 ? -1 : 0;
	if (r == 0 && p.maxsp > COND_STACK_MAX)
		r = cfail(&p, "too complex (more than %d values pending)", COND_STACK_MAX);
	if (r == 0) {
		out->nop = p.op.n;
		out->op = arena_alloc(a, p.op.n * sizeof(*out->op));
		if (out->op == NULL)
			r = ct_error_set(err, CT_ERR_NOMEM, "compiling rules: out of memory");
		else
			memcpy(out->op, p.op.v, p.op.n * sizeof(*out->op));
	}
	free(p.op.v);
	return r;
}

/* Runs c's program; a unit counts as matched when its stamp is since or
 * later, and never when unit_gen is NULL. */
static int
run(const struct cond *c, const uint32_t *unit_gen, uint32_t since)
{
	uint8_t st[COND_STACK_MAX + 1];
	uint32_t sp = 0;

	for (uint32_t i = 0; i < c->nop; i++) {
		uint32_t op = c->op[i];
		if (op < COND_NOT)
			st[sp++] = unit_gen != NULL && unit_gen[c->first + op] >= since;
		else if (op == COND_NOT)
			st[sp - 1] = !st[sp - 1];
		else if (op == COND_AND)
			sp--, st[sp - 1] = st[sp - 1] && st[sp];
		else
			sp--, st[sp - 1] = st[sp - 1] || st[sp];
	}
	return sp == 1 && st[0];
}

int
cond_eval(const struct cond *c, const uint32_t *unit_gen, uint32_t since)
{
	return run(c, unit_gen, since);
}

int
cond_holds_alone(const struct cond *c)
{
	return run(c, NULL, 0);
}

size_t
cond_resolve(const struct ruleset *rs, const size_t *units, size_t n, const uint32_t *unit_gen,
    uint32_t since, uint32_t *rule_gen, size_t *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n + rs->ncond_always; i++) {
		uint32_t r = i < n ? rs->unit_rule[units[i]] : rs->cond_always[i - n];
		if (rule_gen[r] >= since)
			continue;
		rule_gen[r] = since;
		if (rs->conds[r].op == NULL || cond_eval(&rs->conds[r], unit_gen, since))
			out[k++] = r;
	}
	for (size_t i = 1; i < k; i++) { /* few matches: insertion sort */
		size_t r = out[i], j = i;
		for (; j > 0 && out[j - 1] > r; j--)
			out[j] = out[j - 1];
		out[j] = r;
	}
	return k;
}
