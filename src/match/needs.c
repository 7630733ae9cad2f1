/*
 * needs: the literals a record's JSON text must hold for a rule to match
 * it, found at compile time, so a record stream can skip the parse of
 * records that cannot match any rule (match.h, "Prefilter").
 *
 * Every value test names bytes the value must contain: an exact string its
 * whole text and the closing quote, a prefix its start after a quote, a
 * suffix its end before one, a wildcard or a Sigma glob its longest literal
 * piece. (Of the two quotes of an exact string only the closing one is
 * kept: a leading '"', the commonest byte of JSON text, slows a
 * multi-literal search more than it sharpens it.) The
 * decoded value appears in the JSON text as written only when it has no
 * escapes, so a piece never spans a byte JSON must escape ('"', '\\',
 * control characters), and the stream treats any record with another escape
 * (\u, \/) as holding every literal. A test that compares case-insensitively
 * gives an ASCII piece matched in either case: case folding never maps a
 * byte outside ASCII onto one inside it (text.c), so that is exact.
 *
 * A clause (one field, any of its values) needs one of its values' pieces:
 * a group. A branch of a pattern needs each group of its clauses that has
 * one: a conjunction. A pattern needs one of its branches', and a rule's
 * condition combines its patterns' needs (and: every conjunction of one
 * with every one of the other, up to NEED_CROSS of them, else one side;
 * or: either; not: nothing). Dropping a group only widens what passes, so
 * every shortcut errs towards parsing a record, never towards missing a
 * match. A rule with a clause-free conjunction (exists: false alone, an
 * anything-but, a number range, a regular expression) needs nothing: then
 * every record must be parsed and the ruleset has no prefilter.
 */
#include <stdlib.h>
#include <string.h>

#include "match/build.h"
#include "match/envelope.h"

#define NEED_MIN_LITERAL 3  /* shorter pieces hold almost everywhere: no help */
#define NEED_CROSS       64 /* conjunctions an "and" of two rules' parts may make */

/* While compiling: sets of literal ids, built in the needs' own arena. */
struct ngroup { /* one of these literals */
	uint32_t *lit;
	uint32_t n;
};

struct nconj { /* every group */
	struct ngroup *g;
	uint32_t n;
};

struct ndnf { /* one conjunction; always: no need at all */
	struct nconj *c;
	uint32_t n;
	int always;
};

struct nlit {
	const char *s; /* ruleset arena */
	uint32_t len;
	uint8_t caseless;
};

struct needs_build {
	struct arena a;          /* the sets below */
	VEC(struct nlit) lits;   /* distinct literals; their index is their id */
	VEC(struct ndnf) units;  /* per unit (pattern), its needs */
	struct ndnf unit;        /* the unit being added */
	VEC(struct nconj) conjs; /* of every rule, in the end */
	int none;                /* some rule needs nothing */
};

static struct needs_build *
nb_get(struct builder *b)
{
	if (b->needs == NULL && (b->needs = calloc(1, sizeof(*b->needs))) != NULL)
		arena_init(&b->needs->a);
	return b->needs;
}

void
needs_build_free(struct builder *b)
{
	struct needs_build *nb = b->needs;

	if (nb == NULL)
		return;
	arena_free(&nb->a);
	free(nb->lits.v);
	free(nb->units.v);
	free(nb->conjs.v);
	free(nb);
	b->needs = NULL;
}

/* ---- pieces of values ---- */

/* A byte that the JSON text of a string never holds as itself. */
static int
escaped_byte(unsigned char c)
{
	return c == '"' || c == '\\' || c < 0x20;
}

struct piece {
	const char *s; /* the bytes, without the quotes */
	size_t len;
	int open, close; /* a quote before, after */
};

static size_t
piece_len(const struct piece *p)
{
	return p->len + (size_t)p->open + (size_t)p->close;
}

/* The longest piece of s[0..len) the JSON text holds as is, into *best when
 * it is longer. start/end: s begins/ends the value, so a quote stands
 * there; raw: s is looked for in JSON text itself (no quotes, no escapes
 * to avoid); caseless: only ASCII bytes. A NUL byte always ends a piece. */
static void
longest_piece(
    const char *s, size_t len, int start, int end, int raw, int caseless, struct piece *best)
{
	size_t i = 0;

	while (i <= len) {
		size_t j = i;
		struct piece p;
		while (j < len && s[j] != '\0' && !(caseless && (unsigned char)s[j] >= 0x80) &&
		       !(!raw && escaped_byte((unsigned char)s[j])))
			j++;
		p = (struct piece){s + i, j - i, !raw && start && i == 0, !raw && end && j == len};
		if (piece_len(&p) > piece_len(best))
			*best = p;
		i = j + 1;
	}
}

/* The id of a literal, added when new; UINT32_MAX when out of memory. */
static uint32_t
literal_id(struct builder *b, const struct piece *p, int caseless)
{
	struct needs_build *nb = b->needs;
	size_t len = piece_len(p);
	struct nlit l;
	char *s;

	if (p->open && p->close) { /* see above: the closing quote is enough */
		struct piece q = *p;
		q.open = 0;
		return literal_id(b, &q, caseless);
	}
	if ((s = arena_alloc(&b->rs->arena, len + 1)) == NULL)
		return UINT32_MAX;
	if (p->open)
		s[0] = '"';
	memcpy(s + p->open, p->s, p->len);
	if (p->close)
		s[len - 1] = '"';
	for (uint32_t i = 0; i < nb->lits.n; i++)
		if (nb->lits.v[i].len == len && nb->lits.v[i].caseless == caseless &&
		    memcmp(nb->lits.v[i].s, s, len) == 0)
			return i;
	l = (struct nlit){s, (uint32_t)len, (uint8_t)caseless};
	return VEC_PUSH(nb->lits, l) < 0 ? UINT32_MAX : nb->lits.n - 1;
}

/* The best piece of a wildcard's literal pieces. */
static void
glob_piece(const struct glob *g, int raw, struct piece *best)
{
	for (uint32_t i = 0; i < g->nseg; i++)
		longest_piece(g->seg[i].s, g->seg[i].len, i == 0, i + 1 == g->nseg, raw, 0, best);
}

/* The best piece of a Sigma glob's tokens: its runs of bytes between '*'
 * and '?' (written into buf as NUL, which JSON text never holds as itself);
 * only a run at the very start or end is next to a quote. */
static void
pred_piece(const struct pred *p, int raw, char *buf, struct piece *best)
{
	for (uint32_t i = 0; i < p->ntok; i++)
		buf[i] = p->tok[i] < TOK_STAR ? (char)p->tok[i] : '\0';
	longest_piece(buf, p->ntok, 1, 1, raw, p->kind == PRED_GLOB, best);
}

/* The literal an atom's value needs: 1 and *id, 0 when none, -1 when out of
 * memory. raw: the field's value is JSON text itself (a record's, an
 * object's), not a string. */
static int
atom_literal(struct builder *b, const struct patom *a, int raw, uint32_t *id)
{
	struct piece best = {"", 0, 0, 0};
	int caseless = 0;

	switch (a->kind) {
	case A_STRING:
		longest_piece(a->v[0].s, a->v[0].len, 1, 1, raw, 0, &best);
		break;
	case A_PREFIX:
	case A_PREFIX_EIC:
		caseless = a->kind == A_PREFIX_EIC;
		longest_piece(a->v[0].s, a->v[0].len, 1, 0, raw, caseless, &best);
		break;
	case A_SUFFIX:
	case A_SUFFIX_EIC:
		caseless = a->kind == A_SUFFIX_EIC;
		longest_piece(a->v[0].s, a->v[0].len, 0, 1, raw, caseless, &best);
		break;
	case A_EIC:
		caseless = 1;
		longest_piece(a->v[0].s, a->v[0].len, 1, 1, raw, 1, &best);
		break;
	case A_WILDCARD:
		glob_piece(a->g, raw, &best);
		break;
	case A_PRED: {
		char *buf;
		if (a->pred->kind == PRED_REGEX)
			return 0;
		if ((buf = arena_alloc(&b->needs->a, a->pred->ntok + 1)) == NULL)
			return -1;
		caseless = a->pred->kind == PRED_GLOB;
		pred_piece(a->pred, raw, buf, &best);
		break;
	}
	default: /* numbers, booleans, null, CIDR, exists, anything-but, references */
		return 0;
	}
	if (piece_len(&best) < NEED_MIN_LITERAL)
		return 0;
	if ((*id = literal_id(b, &best, caseless)) == UINT32_MAX)
		return -1;
	return 1;
}

/* ---- groups, conjunctions, rules ---- */

/* The group a clause needs: 1 and *g, 0 when it needs nothing (an atom
 * without a literal, or the field may be absent), -1 out of memory. */
static int
clause_group(struct builder *b, const struct pclause *pc, int raw, struct ngroup *g)
{
	if (pc->optional || pc->n == 0)
		return 0;
	if ((g->lit = arena_alloc(&b->needs->a, pc->n * sizeof(*g->lit))) == NULL)
		return -1;
	g->n = 0;
	for (uint32_t i = 0; i < pc->n; i++) {
		uint32_t id;
		int r = atom_literal(b, &pc->atoms[i], raw, &id);
		if (r <= 0)
			return r;
		g->lit[g->n++] = id;
	}
	return 1;
}

/* What kind of values node gets: 0 strings of the record, 1 JSON text (the
 * record's, or an object's: nodes no record key reaches), -1 values the
 * envelope derives (no literal of the record says them). */
static int
node_kind(const struct builder *b, uint32_t node)
{
	const uint32_t *vn = b->rs->vnode;

	if (node != 0 && (node == vn[VN_SOURCE] || node == vn[VN_DTYPE] || node == vn[VN_VERSION]))
		return -1;
	return node != 0 && b->bn.v[node].parent == UINT32_MAX;
}

int
needs_branch(struct builder *b, const struct pbranch *br, const uint32_t *nodes)
{
	struct needs_build *nb = nb_get(b);
	struct nconj c = {NULL, 0};

	if (nb == NULL)
		return build_nomem(b);
	if (nb->unit.always)
		return 0;
	if (br->n > 0 && (c.g = arena_alloc(&nb->a, br->n * sizeof(*c.g))) == NULL)
		return build_nomem(b);
	for (uint32_t i = 0; i < br->n; i++) {
		int kind = nodes[i] == UINT32_MAX ? -1 : node_kind(b, nodes[i]), r = 0;
		if (kind >= 0)
			r = clause_group(b, br->cl[i], kind, &c.g[c.n]);
		if (r < 0)
			return build_nomem(b);
		c.n += (uint32_t)r;
	}
	if (c.n == 0) { /* the branch needs nothing: neither does the pattern */
		nb->unit.always = 1;
		return 0;
	}
	if (nb->unit.n % 8 == 0) {
		struct nconj *v = arena_alloc(&nb->a, (nb->unit.n + 8) * sizeof(*v));
		if (v == NULL)
			return build_nomem(b);
		if (nb->unit.n > 0)
			memcpy(v, nb->unit.c, nb->unit.n * sizeof(*v));
		nb->unit.c = v;
	}
	nb->unit.c[nb->unit.n++] = c;
	return 0;
}

void
needs_unit_begin(struct builder *b)
{
	if (nb_get(b) != NULL)
		b->needs->unit = (struct ndnf){NULL, 0, 0};
}

int
needs_unit_end(struct builder *b)
{
	struct needs_build *nb = nb_get(b);

	if (nb == NULL || VEC_PUSH(nb->units, nb->unit) < 0)
		return build_nomem(b);
	return 0;
}

static const struct ndnf dnf_always = {NULL, 0, 1};

/* x and y: every conjunction of one with every one of the other, when
 * there are few; else the side with fewer (either alone is needed). */
static int
dnf_and(struct needs_build *nb, const struct ndnf *x, const struct ndnf *y, struct ndnf *out)
{
	if (x->always || y->always) {
		*out = x->always ? *y : *x;
		return 0;
	}
	if ((uint64_t)x->n * y->n > NEED_CROSS) {
		*out = x->n <= y->n ? *x : *y;
		return 0;
	}
	out->always = 0;
	out->n = 0;
	if ((out->c = arena_alloc(&nb->a, (size_t)x->n * y->n * sizeof(*out->c) + 1)) == NULL)
		return -1;
	for (uint32_t i = 0; i < x->n; i++)
		for (uint32_t j = 0; j < y->n; j++) {
			struct nconj c = {NULL, x->c[i].n + y->c[j].n};
			if ((c.g = arena_alloc(&nb->a, c.n * sizeof(*c.g))) == NULL)
				return -1;
			memcpy(c.g, x->c[i].g, x->c[i].n * sizeof(*c.g));
			memcpy(c.g + x->c[i].n, y->c[j].g, y->c[j].n * sizeof(*c.g));
			out->c[out->n++] = c;
		}
	return 0;
}

static int
dnf_or(struct needs_build *nb, const struct ndnf *x, const struct ndnf *y, struct ndnf *out)
{
	if (x->always || y->always) {
		*out = dnf_always;
		return 0;
	}
	out->always = 0;
	out->n = x->n + y->n;
	if ((out->c = arena_alloc(&nb->a, out->n * sizeof(*out->c) + 1)) == NULL)
		return -1;
	if (x->n > 0)
		memcpy(out->c, x->c, x->n * sizeof(*out->c));
	if (y->n > 0)
		memcpy(out->c + x->n, y->c, y->n * sizeof(*out->c));
	return 0;
}

/* A rule's condition over its units' needs, as cond.c runs it over their
 * matches. */
static int
cond_needs(struct needs_build *nb, const struct cond *c, struct ndnf *out)
{
	struct ndnf st[COND_STACK_MAX + 1];
	uint32_t sp = 0;

	for (uint32_t i = 0; i < c->nop; i++) {
		uint32_t op = c->op[i];
		if (op < COND_NOT) {
			st[sp++] = nb->units.v[c->first + op];
		} else if (op == COND_NOT) {
			st[sp - 1] = dnf_always; /* a unit that did not match says nothing */
		} else {
			struct ndnf r;
			sp--;
			if ((op == COND_AND ? dnf_and(nb, &st[sp - 1], &st[sp], &r)
			                    : dnf_or(nb, &st[sp - 1], &st[sp], &r)) < 0)
				return -1;
			st[sp - 1] = r;
		}
	}
	*out = sp == 1 ? st[0] : dnf_always;
	return 0;
}

int
needs_rule(struct builder *b, const struct rule_def *d, const struct cond *c, uint32_t first)
{
	struct needs_build *nb = nb_get(b);
	struct ndnf r;

	if (nb == NULL)
		return build_nomem(b);
	if (d->derived)
		return 0; /* it never matches a record */
	if (c != NULL && c->op != NULL) {
		if (cond_needs(nb, c, &r) < 0)
			return build_nomem(b);
	} else {
		r = nb->units.v[first];
	}
	if (r.always) {
		nb->none = 1;
		return 0;
	}
	for (uint32_t i = 0; i < r.n; i++)
		if (VEC_PUSH(nb->conjs, r.c[i]) < 0)
			return build_nomem(b);
	return 0;
}

/* ---- the finished tables ---- */

int
needs_finish(struct builder *b)
{
	struct ruleset *rs = b->rs;
	struct needs_build *nb = nb_get(b);
	struct match_needs *n = &rs->needs;
	uint32_t ng = 0, nl = 0, *fill;

	if (nb == NULL)
		return build_nomem(b);
	if (nb->none || nb->conjs.n == 0)
		return 0; /* no prefilter (or no rule that matches records) */
	for (uint32_t i = 0; i < nb->conjs.n; i++) {
		ng += nb->conjs.v[i].n;
		for (uint32_t j = 0; j < nb->conjs.v[i].n; j++)
			nl += nb->conjs.v[i].g[j].n;
	}
	n->nlits = nb->lits.n;
	n->nconj = nb->conjs.n;
	n->lits = arena_alloc(&rs->arena, n->nlits * sizeof(*n->lits));
	n->conj = arena_alloc(&rs->arena, (n->nconj + 1) * sizeof(*n->conj));
	n->group = arena_alloc(&rs->arena, (ng + 1) * sizeof(*n->group));
	n->glit = arena_alloc(&rs->arena, (nl + 1) * sizeof(*n->glit));
	n->post = arena_alloc(&rs->arena, (n->nlits + 1) * sizeof(*n->post));
	n->posted = arena_alloc(&rs->arena, (nl + 1) * sizeof(*n->posted));
	fill = calloc(n->nlits + 1, sizeof(*fill));
	if (n->lits == NULL || n->conj == NULL || n->group == NULL || n->glit == NULL ||
	    n->post == NULL || n->posted == NULL || fill == NULL) {
		free(fill);
		return build_nomem(b);
	}
	for (uint32_t i = 0; i < n->nlits; i++)
		n->lits[i] = (struct match_literal){
		    nb->lits.v[i].s, nb->lits.v[i].len, nb->lits.v[i].caseless};
	ng = nl = 0;
	for (uint32_t i = 0; i < nb->conjs.n; i++) {
		n->conj[i] = ng;
		for (uint32_t j = 0; j < nb->conjs.v[i].n; j++) {
			const struct ngroup *g = &nb->conjs.v[i].g[j];
			n->group[ng++] = nl;
			for (uint32_t k = 0; k < g->n; k++) {
				n->glit[nl++] = g->lit[k];
				fill[g->lit[k]]++;
			}
		}
	}
	n->conj[n->nconj] = ng;
	n->group[ng] = nl;
	/* per literal, the conjunctions it may complete (once each; a literal
	 * in two groups of one is listed twice, which costs a second check) */
	for (uint32_t i = 0, at = 0; i <= n->nlits; i++) {
		uint32_t k = i < n->nlits ? fill[i] : 0;
		n->post[i] = at;
		fill[i] = at;
		at += k;
	}
	for (uint32_t i = 0; i < n->nconj; i++)
		for (uint32_t g = n->conj[i]; g < n->conj[i + 1]; g++)
			for (uint32_t k = n->group[g]; k < n->group[g + 1]; k++)
				n->posted[fill[n->glit[k]]++] = i;
	free(fill);
	n->ok = 1;
	return 0;
}

/* ---- at run time ---- */

int
match_literals(const struct ruleset *rs, const struct match_literal **lits, size_t *n)
{
	if (!rs->needs.ok)
		return -1;
	*lits = rs->needs.lits;
	*n = rs->needs.nlits;
	return 0;
}

static int
conj_met(const struct match_needs *n, uint32_t c, const uint32_t *stamp, uint32_t gen)
{
	for (uint32_t g = n->conj[c]; g < n->conj[c + 1]; g++) {
		uint32_t k = n->group[g];
		while (k < n->group[g + 1] && stamp[n->glit[k]] != gen)
			k++;
		if (k == n->group[g + 1])
			return 0;
	}
	return 1;
}

int
match_needs_met(const struct ruleset *rs, const uint32_t *seen, size_t nseen, const uint32_t *stamp,
    uint32_t gen)
{
	const struct match_needs *n = &rs->needs;

	for (size_t i = 0; i < nseen; i++)
		for (uint32_t p = n->post[seen[i]]; p < n->post[seen[i] + 1]; p++)
			if (conj_met(n, n->posted[p], stamp, gen))
				return 1;
	return 0;
}
