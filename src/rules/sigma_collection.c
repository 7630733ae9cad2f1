/*
 * sigma_collection: the YAML documents of one Sigma file, as the rules they
 * stand for (see sigma.h).
 *
 * A file of one document is one rule. A file of several is a rule
 * collection: a document with "action: global" is merged into every rule
 * document after it, until one with "action: reset"; a document with
 * "action: repeat" is the rule before it with this document merged in.
 * Merging is deep for maps (a key of the later document replaces the
 * earlier one's value, except that two maps are merged key by key) and
 * replaces any other value whole, lists included.
 *
 * Each rule comes out as a document of its own, built node by node, with
 * every node keeping the line it was written on, so that errors point into
 * the file as they do for a single rule.
 */
#include "rules/sigma.h"

#include <stdlib.h>
#include <string.h>

#define DOCS_MAX  256    /* YAML documents in one file */
#define NODES_MAX 100000 /* nodes written out for one file's rules (the message says it) */
#define DEPTH_MAX 64     /* nesting of one node */

/* A document's node, with the document it belongs to. */
struct at {
	yaml_document_t *doc;
	yaml_node_t *node;
};

struct merge {
	yaml_document_t *out;
	size_t budget; /* nodes that may still be written */
	const char *path;
	struct ct_error *err;
};

static struct at
at_item(struct at a, int i)
{
	return (struct at){a.doc, yaml_document_get_node(a.doc, i)};
}

static const char *
key_text(struct at a, const yaml_node_pair_t *p)
{
	return sigma_scalar(yaml_document_get_node(a.doc, p->key));
}

/* The value of key in map a (a.node NULL when a is no map or lacks it). */
static struct at
at_member(struct at a, const char *key)
{
	if (a.node && a.node->type == YAML_MAPPING_NODE)
		for (yaml_node_pair_t *p = a.node->data.mapping.pairs.start;
		     p < a.node->data.mapping.pairs.top; p++) {
			const char *k = key_text(a, p);
			if (k && strcmp(k, key) == 0)
				return at_item(a, p->value);
		}
	return (struct at){a.doc, NULL};
}

static int
merge_fail(struct merge *m, const yaml_node_t *at, const char *what)
{
	return ct_error_set(m->err, CT_ERR_CONFIG, "%s:%lu: %s", m->path,
	    at ? (unsigned long)at->start_mark.line + 1 : 1ul, what);
}

/* Gives node id of m->out the marks of the node it was made from. */
static int
placed(struct merge *m, int id, const yaml_node_t *from)
{
	yaml_node_t *n;

	if (id == 0)
		return ct_error_set(m->err, CT_ERR_NOMEM, "%s: out of memory", m->path);
	n = yaml_document_get_node(m->out, id);
	n->start_mark = from->start_mark;
	n->end_mark = from->end_mark;
	return id;
}

static int merge_node(struct merge *m, struct at a, struct at b, int depth);

/* The pairs of map a, each merged with b's value of the same key, then
 * b's own keys, into map id; "action" at the top is left out. */
static int
merge_pairs(struct merge *m, int id, struct at a, struct at b, int depth)
{
	const struct at sides[2] = {a, b};

	for (int side = 0; side < 2; side++) {
		struct at x = sides[side];
		if (x.node == NULL || x.node->type != YAML_MAPPING_NODE)
			continue;
		for (yaml_node_pair_t *p = x.node->data.mapping.pairs.start;
		     p < x.node->data.mapping.pairs.top; p++) {
			const char *k = key_text(x, p);
			struct at ka = at_item(x, p->key), va = at_item(x, p->value), vb = {NULL};
			int kid, vid;

			if (k && depth == 0 && strcmp(k, "action") == 0)
				continue;
			if (side == 0 && k)
				vb = at_member(b, k);
			else if (side == 1 && k && at_member(a, k).node != NULL)
				continue; /* merged with a's */
			if ((kid = merge_node(m, ka, (struct at){NULL}, depth + 1)) <= 0 ||
			    (vid = merge_node(m, va, vb, depth + 1)) <= 0)
				return -1;
			if (!yaml_document_append_mapping_pair(m->out, id, kid, vid))
				return placed(m, 0, NULL);
		}
	}
	return id;
}

/* A copy of b into m->out, or of a when b is NULL, merged with a when both
 * are maps; the new node's id, -1 on error. */
static int
merge_node(struct merge *m, struct at a, struct at b, int depth)
{
	struct at x = b.node ? b : a;
	const yaml_node_t *n = x.node;
	int id;

	if (depth > DEPTH_MAX)
		return merge_fail(m, n, "YAML nested too deeply");
	if (m->budget-- == 0)
		return merge_fail(
		    m, n, "more than 100000 YAML nodes, counting each use of an alias");
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return placed(m,
		    yaml_document_add_scalar(m->out, n->tag, n->data.scalar.value,
		        (int)n->data.scalar.length, n->data.scalar.style),
		    n);
	case YAML_SEQUENCE_NODE:
		if ((id = placed(m,
		         yaml_document_add_sequence(m->out, n->tag, n->data.sequence.style), n)) <=
		    0)
			return -1;
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     i < n->data.sequence.items.top; i++) {
			int item = merge_node(m, at_item(x, *i), (struct at){NULL}, depth + 1);
			if (item <= 0)
				return -1;
			if (!yaml_document_append_sequence_item(m->out, id, item))
				return placed(m, 0, NULL);
		}
		return id;
	case YAML_MAPPING_NODE:
		if ((id = placed(m,
		         yaml_document_add_mapping(m->out, n->tag, n->data.mapping.style), n)) <= 0)
			return -1;
		if (b.node && a.node && a.node->type == YAML_MAPPING_NODE)
			return merge_pairs(m, id, a, b, depth);
		return merge_pairs(m, id, (struct at){x.doc, NULL}, x, depth);
	default:
		return merge_fail(m, n, "empty YAML node");
	}
}

static void
docs_free(yaml_document_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		yaml_document_delete(&v[i]);
	free(v);
}

/* Appends to d (which has room) a rule document: b merged onto a (a.node
 * may be NULL). */
static int
add_rule(struct sigma_docs *d, struct merge *m, struct at a, struct at b)
{
	if (!yaml_document_initialize(&d->v[d->n], NULL, NULL, NULL, 1, 1))
		return ct_error_set(m->err, CT_ERR_NOMEM, "%s: out of memory", m->path);
	m->out = &d->v[d->n++];
	return merge_node(m, a, b, 0) <= 0 ? -1 : 0;
}

/* The rules of the documents raw[0..n), by their actions, into d (room
 * for n). */
static int
collect(struct sigma_docs *d, struct merge *m, yaml_document_t *raw, size_t n)
{
	struct at global = {NULL}, none = {NULL};

	for (size_t i = 0; i < n; i++) {
		struct at x = {&raw[i], yaml_document_get_root_node(&raw[i])};
		const char *action = sigma_scalar(at_member(x, "action").node);
		int r;

		if (sigma_is_null(x.node))
			continue; /* an empty document, as after a final "---" */
		if (action == NULL) {
			r = add_rule(d, m, global, x);
		} else if (strcmp(action, "global") == 0) {
			global = x;
			continue;
		} else if (strcmp(action, "reset") == 0) {
			global = none;
			continue;
		} else if (strcmp(action, "repeat") == 0) {
			if (d->n == 0)
				return merge_fail(m, at_member(x, "action").node,
				    "action: repeat with no rule before it");
			r = add_rule(d, m,
			    (struct at){
			        &d->v[d->n - 1], yaml_document_get_root_node(&d->v[d->n - 1])},
			    x);
		} else {
			return merge_fail(m, at_member(x, "action").node,
			    "unknown action (expected global, reset or repeat)");
		}
		if (r == -1)
			return -1;
	}
	return 0;
}

static int
parse_error(const char *path, yaml_parser_t *p, struct ct_error *err)
{
	return ct_error_set(err, CT_ERR_CONFIG, "%s:%lu: invalid YAML: %s%s%s", path,
	    (unsigned long)p->problem_mark.line + 1, p->problem ? p->problem : "parse error",
	    p->context ? " " : "", p->context ? p->context : "");
}

/* Every document of text, into *raw (the caller frees them), until the
 * stream's end. */
static int
read_documents(const char *path, const struct buf *text, yaml_document_t **raw, size_t *n,
    struct ct_error *err)
{
	yaml_parser_t parser;
	int r = 0;

	*raw = NULL;
	*n = 0;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text->data, text->len);
	for (;;) {
		yaml_document_t doc;
		yaml_document_t *v;

		if (!yaml_parser_load(&parser, &doc)) {
			r = parse_error(path, &parser, err);
			break;
		}
		if (yaml_document_get_root_node(&doc) == NULL) { /* the stream's end */
			yaml_document_delete(&doc);
			break;
		}
		if (*n == DOCS_MAX || (v = realloc(*raw, (*n + 1) * sizeof(*v))) == NULL) {
			yaml_document_delete(&doc);
			r = *n == DOCS_MAX
			        ? ct_error_set(err, CT_ERR_CONFIG,
			              "%s: more than %d YAML documents", path, DOCS_MAX)
			        : ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", path);
			break;
		}
		*raw = v;
		v[(*n)++] = doc;
	}
	yaml_parser_delete(&parser);
	return r;
}

int
sigma_docs_read(
    const char *path, const struct buf *text, struct sigma_docs *d, struct ct_error *err)
{
	struct merge m = {.budget = NODES_MAX, .path = path, .err = err};
	yaml_document_t *raw;
	size_t n;
	int r;

	d->v = NULL;
	d->n = 0;
	if ((r = read_documents(path, text, &raw, &n, err)) == 0 &&
	    (d->v = calloc(n ? n : 1, sizeof(*d->v))) == NULL)
		r = ct_error_set(err, CT_ERR_NOMEM, "%s: out of memory", path);
	if (r == 0)
		r = collect(d, &m, raw, n);
	docs_free(raw, n);
	if (r == -1)
		sigma_docs_free(d);
	return r;
}

void
sigma_docs_free(struct sigma_docs *d)
{
	docs_free(d->v, d->n);
	d->v = NULL;
	d->n = 0;
}
