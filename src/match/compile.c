/*
 * compile: every rule's parsed pattern indexed together, so that the cost of
 * a value does not grow with the number of rules.
 *
 * Each branch of each rule becomes a "sub" with its clauses, each registered
 * at the node of its field in the tree of the paths rules refer to
 * (clause.c). Finishing builds each node's child table (with the dotted
 * names events may use for descendants), each field's affix sets and gates
 * (affix.c, wildcard.c) and slots of the value index (vindex.c), and chooses
 * the anchors (anchor.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/build.h"
#include "match/envelope.h"

int
build_nomem(struct builder *b)
{
	return ct_error_set(b->err, CT_ERR_NOMEM, "compiling rules: out of memory");
}

static int
new_node(struct builder *b, const char *key, size_t len, uint32_t *id)
{
	struct bnode n = {arena_strndup(&b->rs->arena, key, len), (uint32_t)len, UINT32_MAX,
	    {NULL, 0, 0}, 1.0, 0};

	if (n.key == NULL || VEC_PUSH(b->bn, n) < 0)
		return build_nomem(b);
	*id = b->bn.n - 1;
	return 0;
}

static int
child(struct builder *b, uint32_t parent, const char *key, size_t len, uint32_t *id)
{
	struct bnode *p = &b->bn.v[parent];

	for (uint32_t i = 0; i < p->kids.n; i++) {
		struct bnode *k = &b->bn.v[p->kids.v[i]];
		if (k->len == len && memcmp(k->key, key, len) == 0) {
			*id = p->kids.v[i];
			return 0;
		}
	}
	if (new_node(b, key, len, id) < 0 || VEC_PUSH(b->bn.v[parent].kids, *id) < 0)
		return build_nomem(b);
	b->bn.v[*id].parent = parent;
	return 0;
}

/* Walks (and grows) the tree along a dotted path from the record root. */
static int
path_node(struct builder *b, const char *path, uint32_t *id)
{
	uint32_t at = 0;

	for (;;) {
		size_t len = strcspn(path, ".");
		if (child(b, at, path, len, &at) < 0)
			return -1;
		if (path[len] == '\0')
			break;
		path += len + 1;
	}
	*id = at;
	return 0;
}

/* ---- rules ---- */

/* Whether a Sigma pattern's record path ends with MATCH_JSON_KEY: then
 * *flen is the length of the field before it (0: none). */
static int
is_json_path(const char *path, size_t *flen)
{
	size_t n = strlen(path), k = strlen(MATCH_JSON_KEY);

	if (n < k || strcmp(path + n - k, MATCH_JSON_KEY) != 0 || (n > k && path[n - k - 1] != '.'))
		return 0;
	*flen = n > k ? n - k - 1 : 0;
	return 1;
}

/* The node the JSON text of the objects and arrays of field path[0..len)
 * is reported at: a node of its own, the twin of the field's node, which
 * no record key reaches. */
static int
json_node(struct builder *b, const char *path, size_t len, uint32_t *node)
{
	char *field = arena_strndup(&b->rs->arena, path, len);
	uint32_t at, twin;

	if (field == NULL)
		return build_nomem(b);
	if (path_node(b, field, &at) < 0)
		return -1;
	if (b->bn.v[at].twin == 0) {
		if (new_node(b, "", 0, &twin) < 0)
			return -1;
		b->bn.v[at].twin = twin;
		b->bn.v[twin].presence = 0.1; /* few fields hold objects */
	}
	*node = b->bn.v[at].twin;
	return 0;
}

/* Where a field a pattern names is: a node id, or UINT32_MAX when it never
 * has a value. */
static int
field_node(struct builder *b, const char *path, int envelope, uint32_t *node)
{
	const char *given = path;
	size_t flen;
	int vn = 0;

	if (b->sigma && strcmp(path, MATCH_TEXT_FIELD) == 0) {
		if (b->rs->vnode[VN_TEXT] == 0 && new_node(b, "", 0, &b->rs->vnode[VN_TEXT]) < 0)
			return -1;
		*node = b->rs->vnode[VN_TEXT];
		return 0;
	}
	if (envelope) {
		switch (envelope_map(given, &path, &vn)) {
		case ENV_DEAD:
			*node = UINT32_MAX;
			return 0;
		case ENV_VIRTUAL:
			if (b->rs->vnode[vn] == 0 && new_node(b, "", 0, &b->rs->vnode[vn]) < 0)
				return -1;
			*node = b->rs->vnode[vn];
			return 0;
		case ENV_RECORD:
			break;
		}
	}
	if (b->sigma && is_json_path(path, &flen)) {
		if (flen == 0) /* the record's own text is MATCH_TEXT_FIELD's */
			return *node = UINT32_MAX, 0;
		return json_node(b, path, flen, node);
	}
	if (path_node(b, path, node) < 0)
		return -1;
	b->bn.v[*node].presence = envelope_presence(path);
	return 0;
}

static int
fields_reserve(struct builder *b)
{
	struct ruleset *rs = b->rs;
	uint32_t need = b->bn.n;
	struct field *f;

	if (need <= rs->nfields)
		return 0;
	f = realloc(rs->fields, need * 2 * sizeof(*f));
	if (f == NULL)
		return build_nomem(b);
	memset(f + rs->nfields, 0, (need * 2 - rs->nfields) * sizeof(*f));
	rs->fields = f;
	rs->nfields = need * 2;
	return 0;
}

/* Whether a clause compares its field with another (A_FIELDREF). */
static int
has_fieldref(const struct pclause *pc)
{
	for (uint32_t j = 0; j < pc->n; j++)
		if (pc->atoms[j].kind == A_FIELDREF)
			return 1;
	return 0;
}

/* The field references of clause cid, about node: each is judged at the
 * end of the record over the values kept at both fields (fieldref.c). */
static int
add_fieldrefs(
    struct builder *b, const struct pclause *pc, uint32_t cid, uint32_t node, int envelope)
{
	for (uint32_t j = 0; j < pc->n; j++) {
		const struct patom *a = &pc->atoms[j];
		struct fieldref r = {cid, node, 0, a->ref_mode, a->ref_cased};
		if (a->kind != A_FIELDREF)
			continue;
		if (field_node(b, a->v[0].s, envelope, &r.other) < 0)
			return -1;
		if (r.other != UINT32_MAX && VEC_PUSH(b->refs, r) < 0)
			return build_nomem(b);
	}
	return fields_reserve(b);
}

static int
add_branch(struct builder *b, uint32_t rule, const struct pbranch *br, int envelope)
{
	uint32_t nodes[br->n > 0 ? br->n : 1], group[br->n > 0 ? br->n : 1];
	uint32_t plan[br->n > 0 ? br->n : 1];
	uint32_t first_group = b->groups.n;
	struct sub s = {.rule = rule, .first = b->cl.n, .anchor = UINT32_MAX};

	for (uint32_t i = 0; i < br->n; i++) {
		if (field_node(b, br->cl[i]->path, envelope, &nodes[i]) < 0)
			return -1;
		if (nodes[i] == UINT32_MAX && !br->cl[i]->optional)
			return 0; /* a field the envelope never has: the branch cannot match */
		/* a field reference is judged over the record, never per element */
		plan[i] = has_fieldref(br->cl[i]) ? UINT32_MAX : nodes[i];
	}
	if (needs_branch(b, br, nodes) < 0 || fields_reserve(b) < 0 ||
	    scopes_plan(b, b->subs.n, br->n, plan, group) < 0)
		return -1;
	for (uint32_t i = 0; i < br->n; i++) {
		if (nodes[i] == UINT32_MAX)
			continue; /* exists: false on a field the envelope never has */
		if (clause_add(b, b->subs.n, br->cl[i], nodes[i], group[i]) < 0 ||
		    add_fieldrefs(b, br->cl[i], b->cl.n - 1, nodes[i], envelope) < 0)
			return -1;
		s.n++;
	}
	if (scopes_fill(b, &s, first_group) < 0)
		return -1;
	return VEC_PUSH(b->subs, s) < 0 ? build_nomem(b) : 0;
}

/* Adds a unit of rule d: its own pattern, a part or an exception (part
 * names it in errors). Its branches' subs are about the unit. */
static int
add_unit(
    struct builder *b, const struct rule_def *d, uint32_t rule, const char *part, const char *json)
{
	uint32_t unit = b->unit_rule.n;
	struct ppattern p;
	int r = 0, envelope;

	/* The index refers to parsed atoms: they live in the ruleset's arena,
	 * and their regexes are the ruleset's to free. */
	if (pattern_parse_part(
	        d->name, part, d->origin, json, d->sigma, &b->rs->arena, &p, b->err) < 0)
		return -1;
	for (uint32_t i = 0; i < p.npreds; i++)
		if (VEC_PUSH(b->rs->preds, p.preds[i]) < 0) {
			for (; i < p.npreds; i++)
				pred_free(p.preds[i]);
			free(p.preds);
			return build_nomem(b);
		}
	free(p.preds);
	if (VEC_PUSH(b->unit_rule, rule) < 0)
		return build_nomem(b);
	envelope = b->env == MATCH_ENVELOPE_CLOUDTRAIL && pattern_is_envelope(&p);
	b->sigma = d->sigma;
	needs_unit_begin(b);
	for (uint32_t i = 0; i < p.nbr && r == 0; i++)
		r = add_branch(b, unit, &p.br[i], envelope);
	b->sigma = 0;
	return r < 0 ? r : needs_unit_end(b);
}

static int
rule_fail(struct builder *b, const struct rule_def *d, const char *what)
{
	return ct_error_set(b->err, CT_ERR_PATTERN, "rule \"%s\"%s%s%s: %s", d->name,
	    d->origin ? " (" : "", d->origin ? d->origin : "", d->origin ? ")" : "", what);
}

/* The program of a rule with parts, a condition or exceptions. */
static int
add_condition(struct builder *b, const struct rule_def *d, struct cond *c)
{
	uint32_t n = d->pattern != NULL ? 1 : (uint32_t)d->nparts;
	const char **names = calloc(n + 1, sizeof(*names));
	int r;

	if (names == NULL)
		return build_nomem(b);
	for (uint32_t i = 0; d->pattern == NULL && i < n; i++)
		names[i] = d->parts[i].name ? d->parts[i].name : "";
	r = cond_compile(&b->rs->arena, d->pattern != NULL ? NULL : d->condition, names, n,
	    (uint32_t)d->nexceptions, c, b->err);
	free(names);
	if (r < 0 && b->err != NULL && b->err->code == CT_ERR_CONFIG) {
		b->err->code = CT_ERR_PATTERN;
		ct_error_prefix(b->err, "rule \"%s\"%s%s%s", d->name, d->origin ? " (" : "",
		    d->origin ? d->origin : "", d->origin ? ")" : "");
	}
	return r;
}

static int
add_rule(struct builder *b, uint32_t rule, const struct rule_def *d)
{
	struct cond *c = b->rs->conds != NULL ? &b->rs->conds[rule] : NULL;
	uint32_t first = b->unit_rule.n;
	char part[128];
	int r = 0;

	if (d->derived) {
		if (c != NULL)
			c->first = first, c->nunits = 0; /* no units: nothing makes it hold */
		return needs_rule(b, d, NULL, first);
	}
	if (d->pattern != NULL && (d->nparts > 0 || d->condition != NULL))
		return rule_fail(b, d, "a pattern, or named patterns and a condition, not both");
	if (d->pattern == NULL && d->nparts == 0)
		return rule_fail(b, d, "no pattern given");
	if (d->pattern == NULL && d->nparts > 1 && d->condition == NULL)
		return rule_fail(b, d, "several patterns need a condition to combine them");
	if (d->pattern != NULL)
		r = add_unit(b, d, rule, NULL, d->pattern);
	for (size_t i = 0; d->pattern == NULL && i < d->nparts && r == 0; i++) {
		snprintf(
		    part, sizeof(part), "pattern \"%s\"", d->parts[i].name ? d->parts[i].name : "");
		r = add_unit(b, d, rule, part, d->parts[i].pattern);
	}
	for (size_t i = 0; i < d->nexceptions && r == 0; i++) {
		snprintf(part, sizeof(part), "exception %zu", i + 1);
		r = add_unit(b, d, rule, part, d->exceptions[i]);
	}
	if (r < 0 || c == NULL)
		return r < 0 ? r : needs_rule(b, d, NULL, first);
	c->first = first;
	c->nunits = b->unit_rule.n - first;
	if (d->pattern != NULL && d->nexceptions == 0)
		return needs_rule(b, d, NULL, first); /* its one unit is the rule: no program */
	if (add_condition(b, d, c) < 0)
		return -1;
	if (cond_holds_alone(c))
		b->rs->cond_always[b->rs->ncond_always++] = rule;
	return needs_rule(b, d, c, first);
}

/* ---- finishing: child tables, sorted lists, the node array ---- */

#define ALIAS_DEPTH 4 /* "a.b" keys of a record reach nodes this far down */

struct centry {
	const char *key;
	uint32_t len;
	uint32_t node;
};

typedef VEC(struct centry) cvec;

/* Children of n, and (as AWS flattens "a.b" keys of events) its descendants
 * under their dotted names. */
static int
collect(struct builder *b, uint32_t n, const char *prefix, size_t plen, int depth, cvec *out)
{
	const struct bnode *bn = &b->bn.v[n];

	for (uint32_t i = 0; i < bn->kids.n; i++) {
		const struct bnode *k = &b->bn.v[bn->kids.v[i]];
		size_t len = plen + (plen > 0) + k->len;
		char *key = arena_alloc(&b->rs->arena, len + 1);
		struct centry e = {key, (uint32_t)len, bn->kids.v[i]};

		if (key == NULL)
			return build_nomem(b);
		memcpy(key, prefix, plen);
		if (plen > 0)
			key[plen] = '.';
		memcpy(key + len - k->len, k->key, k->len);
		if (VEC_PUSH(*out, e) < 0)
			return build_nomem(b);
		if (depth + 1 < ALIAS_DEPTH && collect(b, e.node, key, len, depth + 1, out) < 0)
			return -1;
	}
	return 0;
}

static int
child_table(struct builder *b, uint32_t n)
{
	struct match_node *mn = &b->rs->nodes[n];
	cvec ents = {NULL, 0, 0};
	uint32_t size = 4;

	if (b->bn.v[n].kids.n == 0)
		return 0;
	if (collect(b, n, "", 0, 0, &ents) < 0) {
		free(ents.v);
		return -1;
	}
	while (size < ents.n * 4)
		size *= 2;
	mn->ctab = arena_alloc(&b->rs->arena, size * sizeof(*mn->ctab));
	mn->ctag = arena_alloc(&b->rs->arena, size);
	if (mn->ctab == NULL || mn->ctag == NULL) {
		free(ents.v);
		return build_nomem(b);
	}
	mn->cmask = size - 1;
	for (uint32_t i = 0; i < ents.n; i++) {
		struct child_ent e = {
		    0, 0, ents.v[i].key, ents.v[i].len, &b->rs->nodes[ents.v[i].node]};
		uint64_t h;
		uint32_t j;
		mh_words(e.key, e.len, &e.w0, &e.w1);
		h = child_hash(e.w0, e.w1, e.len);
		for (j = (uint32_t)h & mn->cmask; mn->ctag[j] != 0; j = (j + 1) & mn->cmask)
			;
		mn->ctag[j] = child_tag(h);
		mn->ctab[j] = e;
	}
	free(ents.v);
	return 0;
}

static int
cmp_range(const void *a, const void *b)
{
	const struct numrange *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int
build_field(struct builder *b, uint32_t node)
{
	struct ruleset *rs = b->rs;
	struct field *f = &rs->fields[node];

	if (wildcards_gate(&rs->arena, f, b->named_uses.v) < 0)
		return build_nomem(b);
	for (int k = 0; k < AFX__COUNT; k++) {
		if (affixset_build(f, (enum affix_kind)k) < 0)
			return build_nomem(b);
		if (is_suffix_kind((enum affix_kind)k) && f->afx[k].maxlen > rs->max_suffix)
			rs->max_suffix = f->afx[k].maxlen;
	}
	if (f->ip4.n > 1)
		qsort(f->ip4.v, f->ip4.n, sizeof(uint32_t), cmp_u32);
	if (f->ip6.n > 1)
		qsort(f->ip6.v, f->ip6.n, sizeof(uint32_t), cmp_u32);
	if (f->num.n > 1)
		qsort(f->num.v, f->num.n, sizeof(*f->num.v), cmp_range);
	f->steps = (f->has_exact ? FS_EXACT : 0) | (f->afx[AFX_PFX].n ? FS_PFX : 0) |
	           (f->afx[AFX_SFX].n ? FS_SFX : 0) | (f->fold ? FS_FOLD : 0) |
	           (f->has_eic ? FS_EIC : 0) | (f->afx[AFX_PFXI].n ? FS_PFXI : 0) |
	           (f->afx[AFX_SFXI].n ? FS_SFXI : 0) | (f->gbits ? FS_GRAMS : 0) |
	           (f->wild.n ? FS_WILD : 0) | (f->has_ip ? FS_IP : 0) | (f->num.n ? FS_NUM : 0) |
	           (f->ab.n ? FS_AB : 0) | (f->pred.n ? FS_PRED : 0);
	/* a value that is more than a lookup or two is worth remembering */
	if ((f->steps & ~(FS_EXACT | FS_NUM)) != 0)
		f->steps |= FS_MEMO;
	rs->nmemo += (f->steps & FS_MEMO) != 0;
	rs->nodes[node].steps = f->steps;
	return 0;
}

static int
add_captures(struct builder *b, uint32_t *src, uint32_t *type)
{
	*src = *type = UINT32_MAX;
	if (b->rs->vnode[VN_SOURCE] != 0 && path_node(b, "eventSource", src) < 0)
		return -1;
	if (b->rs->vnode[VN_DTYPE] != 0 && path_node(b, "eventType", type) < 0)
		return -1;
	return fields_reserve(b);
}

/* The twins of the nodes whose objects' and arrays' JSON text is looked
 * in, for matcher_json. */
static int
json_twins(struct builder *b)
{
	struct ruleset *rs = b->rs;

	for (uint32_t i = 0; i < b->bn.n; i++) {
		if (b->bn.v[i].twin == 0)
			continue;
		if (rs->json_twin == NULL &&
		    (rs->json_twin = calloc(b->bn.n, sizeof(*rs->json_twin))) == NULL)
			return build_nomem(b);
		rs->json_twin[i] = b->bn.v[i].twin;
		rs->nodes[i].json = 1;
	}
	return 0;
}

static int
finish(struct builder *b)
{
	struct ruleset *rs = b->rs;
	uint32_t src, type;

	if (add_captures(b, &src, &type) < 0)
		return -1;
	rs->nodes = aligned_alloc(64, (b->bn.n + 1) * sizeof(*rs->nodes));
	if (rs->nodes != NULL)
		memset(rs->nodes, 0, (b->bn.n + 1) * sizeof(*rs->nodes));
	rs->always = calloc(b->subs.n + 1, sizeof(*rs->always));
	if (rs->nodes == NULL || rs->always == NULL)
		return build_nomem(b);
	for (uint32_t i = 0; i < b->bn.n; i++)
		rs->nodes[i].id = i;
	for (uint32_t i = 0; i < b->cl.n; i++)
		rs->nodes[b->cl.v[i].node].wants = 1;
	for (uint32_t i = 0; i < b->refs.n; i++) { /* both fields' values are kept */
		rs->nodes[b->refs.v[i].node].keep = rs->nodes[b->refs.v[i].other].keep = 1;
		rs->nodes[b->refs.v[i].other].wants = 1;
	}
	if (src != UINT32_MAX)
		rs->nodes[src].capture = CAPT_SOURCE, rs->nodes[src].wants = 1;
	if (type != UINT32_MAX)
		rs->nodes[type].capture = CAPT_TYPE, rs->nodes[type].wants = 1;
	for (uint32_t i = 0; i < b->bn.n; i++) {
		if (rs->nodes[i].wants) {
			rs->nodes[i].f = &rs->fields[i];
			if (build_field(b, i) < 0)
				return -1;
		}
		if (child_table(b, i) < 0)
			return -1;
	}
	rs->nnodes = b->bn.n;
	if (json_twins(b) < 0)
		return -1;
	rs->refs = b->refs.v;
	rs->nrefs = b->refs.n;
	b->refs.v = NULL;
	if (anchors_choose(b) < 0)
		return -1;
	if (vindex_split(rs) < 0)
		return build_nomem(b);
	if (scopes_index(b) < 0 || needs_finish(b) < 0)
		return -1;
	for (uint32_t i = 0; i < b->subs.n; i++)
		if (b->subs.v[i].anchor == UINT32_MAX)
			rs->always[rs->nalways++] = i;
	rs->clauses = b->cl.v;
	rs->nclauses = b->cl.n;
	rs->subs = b->subs.v;
	rs->nsubs = b->subs.n;
	b->cl.v = NULL;
	b->subs.v = NULL;
	return 0;
}

static void
builder_free(struct builder *b)
{
	for (uint32_t i = 0; i < b->bn.n; i++)
		free(b->bn.v[i].kids.v);
	free(b->bn.v);
	free(b->cl.v);
	free(b->subs.v);
	free(b->groups.v);
	free(b->keys.v);
	free(b->xkeys.v);
	free(b->eager.v);
	free(b->named.v);
	free(b->named_uses.v);
	free(b->unit_rule.v);
	free(b->refs.v);
	needs_build_free(b);
}

static int
compile_rules(struct builder *b, const struct rule_def *defs, size_t n)
{
	struct ruleset *rs = b->rs;
	uint32_t root;

	rs->names = arena_alloc(&rs->arena, (n + 1) * sizeof(*rs->names));
	if (rs->names == NULL || new_node(b, "", 0, &root) < 0)
		return build_nomem(b);
	for (size_t i = 0; i < n && rs->conds == NULL; i++)
		if (defs[i].pattern == NULL || defs[i].nexceptions > 0)
			rs->conds = arena_alloc(&rs->arena, n * sizeof(*rs->conds));
	if (rs->conds != NULL &&
	    (rs->cond_always = arena_alloc(&rs->arena, n * sizeof(*rs->cond_always))) == NULL)
		return build_nomem(b);
	for (size_t i = 0; i < n; i++) {
		const char *name = defs[i].name ? defs[i].name : "";
		if ((rs->names[i] = arena_strndup(&rs->arena, name, strlen(name))) == NULL)
			return build_nomem(b);
		if (add_rule(b, (uint32_t)i, &defs[i]) < 0)
			return -1;
	}
	rs->nrules = n;
	rs->nunits = b->unit_rule.n;
	rs->unit_rule = b->unit_rule.v;
	b->unit_rule.v = NULL;
	if (fields_reserve(b) < 0)
		return -1;
	return finish(b);
}

struct ruleset *
ruleset_compile(
    const struct rule_def *defs, size_t n, enum match_envelope env, struct ct_error *err)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));
	struct builder b = {.rs = rs, .env = env, .err = err};

	if (err != NULL)
		ct_error_clear(err);
	if (rs == NULL) {
		ct_error_set(err, CT_ERR_NOMEM, "compiling rules: out of memory");
		return NULL;
	}
	arena_init(&rs->arena);
	if (n > UINT32_MAX / 2 || compile_rules(&b, defs, n) < 0) {
		if (n > UINT32_MAX / 2)
			ct_error_set(err, CT_ERR_LIMIT, "too many rules (%zu)", n);
		builder_free(&b);
		ruleset_free(rs);
		return NULL;
	}
	builder_free(&b);
	return rs;
}

static void
field_free(struct field *f)
{
	for (int k = 0; k < AFX__COUNT; k++) {
		affixset_free(&f->afx[k]);
		free(f->items[k].v);
	}
	free(f->ip4.v);
	free(f->ip6.v);
	free(f->num.v);
	free(f->wild.v);
	free(f->gwild.v);
	free(f->grams.v);
	free(f->gbits);
	free(f->ipr.v);
	free(f->ab.v);
	free(f->pred.v);
	free(f->presence.v);
}

void
ruleset_free(struct ruleset *rs)
{
	if (rs == NULL)
		return;
	for (uint32_t i = 0; rs->fields != NULL && i < rs->nfields; i++)
		field_free(&rs->fields[i]);
	free(rs->vents);
	free(rs->vslots);
	free(rs->fields);
	for (uint32_t i = 0; rs->nodes != NULL && i < rs->nnodes; i++)
		free(rs->nodes[i].kslots);
	free(rs->nodes);
	free(rs->posted);
	free(rs->clauses);
	free(rs->subs);
	free(rs->always);
	free(rs->unit_rule);
	for (uint32_t i = 0; i < rs->preds.n; i++)
		pred_free(rs->preds.v[i]);
	free(rs->preds.v);
	free(rs->groups);
	free(rs->scopes);
	free(rs->scope_list);
	free(rs->json_twin);
	free(rs->refs);
	arena_free(&rs->arena);
	free(rs);
}

size_t
ruleset_size(const struct ruleset *rs)
{
	return rs->nrules;
}

const char *
ruleset_rule_name(const struct ruleset *rs, size_t rule)
{
	return rule < rs->nrules ? rs->names[rule] : NULL;
}

int
match_pattern_validate(const char *name, const char *pattern, struct ct_error *err)
{
	struct arena a;
	struct ppattern p;
	int r;

	arena_init(&a);
	if ((r = pattern_parse(name, NULL, pattern, &a, &p, err)) == 0)
		ppattern_free(&p);
	arena_free(&a);
	return r;
}

int
match_sigma_pattern_validate(const char *name, const char *pattern, struct ct_error *err)
{
	struct arena a;
	struct ppattern p;
	int r;

	arena_init(&a);
	if ((r = pattern_parse_part(name, NULL, NULL, pattern, 1, &a, &p, err)) == 0)
		ppattern_free(&p);
	arena_free(&a);
	return r;
}

int
match_rule_validate(const struct rule_def *d, struct ct_error *err)
{
	struct ruleset *rs = ruleset_compile(d, 1, MATCH_ENVELOPE_NONE, err);

	ruleset_free(rs);
	return rs != NULL ? 0 : -1;
}
