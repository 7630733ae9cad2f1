/*
 * sigma_detection: a Sigma rule's detection as units of the matcher:
 * search identifiers (maps of fields, lists of maps, keywords), each field
 * a unit, and the condition over the identifiers rewritten over the units.
 */
#include "rules/sigma.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		return sigma_fail(s, at, "more than %d fields in the detection", SIGMA_UNITS_MAX);
	if (match_sigma_pattern_validate(s->name, json->data, &why) == -1) {
		if (why.code == CT_ERR_NOMEM)
			return sigma_nomem(s);
		return ct_error_set(s->err, CT_ERR_PATTERN, "%s:%lu: %s", s->path,
		    (unsigned long)at->start_mark.line + 1, why.msg);
	}
	if (u->nparts == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct match_part *p = realloc(u->parts, cap * sizeof(*p));
		char(*names)[16];
		if (p == NULL)
			return sigma_nomem(s);
		u->parts = p;
		if ((names = realloc(s->unames, cap * sizeof(*names))) == NULL)
			return sigma_nomem(s);
		s->unames = names;
		for (size_t i = 0; i < u->nparts; i++)
			u->parts[i].name = s->unames[i];
		s->cap = cap;
	}
	snprintf(s->unames[u->nparts], sizeof(s->unames[0]), "u%zu", u->nparts);
	u->parts[u->nparts].name = s->unames[u->nparts];
	if ((u->parts[u->nparts].pattern = buf_detach(json)) == NULL)
		return sigma_nomem(s);
	if (expr->len > 0 && buf_printf(expr, " %s ", op) == -1)
		return sigma_nomem(s);
	if (buf_puts(expr, s->unames[u->nparts++]) == -1)
		return sigma_nomem(s);
	return 0;
}

/* The unit of a field's values (atoms), "and"ed into expr; when some of
 * them could hold of the JSON text of the field's objects and arrays
 * (jatoms), the "or" of it and a unit of those on that text. */
static int
add_values(struct sload *s, const yaml_node_t *at, const char *field, const struct buf *atoms,
    const struct buf *jatoms, struct buf *expr)
{
	struct buf json = BUF_INIT, pair = BUF_INIT, text = BUF_INIT;
	int r = 0, both = jatoms->len > 0;

	if (put_path(&json, field, atoms->data) == -1)
		r = sigma_nomem(s);
	else
		r = add_unit(s, at, &json, &pair, "or");
	buf_reset(&json);
	if (r == 0 && both &&
	    (buf_printf(&text, "%s.%s", field, MATCH_JSON_KEY) == -1 ||
	        put_path(&json, text.data, jatoms->data) == -1))
		r = sigma_nomem(s);
	else if (r == 0 && both)
		r = add_unit(s, at, &json, &pair, "or");
	if (r == 0 && buf_printf(expr, "%s%s%s%s", expr->len > 0 ? " and " : "", both ? "(" : "",
	                  pair.data, both ? ")" : "") == -1)
		r = sigma_nomem(s);
	buf_free(&json);
	buf_free(&pair);
	buf_free(&text);
	return r;
}

/* One "field|mods: values" of a selection map, as units "and"ed into expr. */
static int
add_field(struct sload *s, const yaml_node_t *key, const yaml_node_t *val, struct buf *expr)
{
	char *spec = strdup(sigma_scalar(key) ? sigma_scalar(key) : ""), *bar;
	const yaml_node_t *one[1] = {val};
	const yaml_node_t *const *vals = one;
	yaml_node_t *items[64];
	size_t n = 1;
	struct mods m;
	int r = 0;

	if (spec == NULL)
		return sigma_nomem(s);
	if ((bar = strchr(spec, '|')) != NULL)
		*bar++ = '\0';
	if (!match_field_path(spec, 1))
		r = sigma_fail(s, key, "invalid field name '%s'", spec);
	else if (bar != NULL)
		r = sigma_mods_parse(s, key, bar, &m);
	else
		memset(&m, 0, sizeof(m));
	if (r == 0 && val->type == YAML_MAPPING_NODE)
		r = sigma_fail(s, val,
		    "field '%s': a value must be a string, a number, a boolean, null or a list of "
		    "them",
		    spec);
	if (r == 0 && val->type == YAML_SEQUENCE_NODE) {
		n = (size_t)(val->data.sequence.items.top - val->data.sequence.items.start);
		if (n == 0)
			r = sigma_fail(s, val, "field '%s': an empty list of values", spec);
		else if (n > sizeof(items) / sizeof(items[0]))
			r = sigma_fail(s, val, "field '%s': more than %zu values", spec,
			    sizeof(items) / sizeof(items[0]));
		for (size_t i = 0; r == 0 && i < n; i++)
			items[i] = sigma_node(s, val->data.sequence.items.start[i]);
		vals = (const yaml_node_t *const *)items;
	}
	if (r == 0) {
		/* |all: one unit a value; else one unit, its values an "or" */
		struct buf atoms = BUF_INIT, jatoms = BUF_INIT, sub = BUF_INIT;
		for (size_t i = 0; r == 0 && i < n; i++) {
			if (atoms.len > 0 && !m.all && buf_puts(&atoms, ", ") == -1)
				r = sigma_nomem(s);
			if (r == 0)
				r = sigma_value_atoms(s, vals[i], &m, &atoms, &jatoms);
			if (r == 0 && (m.all || i + 1 == n)) {
				r = add_values(s, vals[i], spec, &atoms, &jatoms, &sub);
				buf_reset(&atoms);
				buf_reset(&jatoms);
			}
		}
		if (r == 0 && (expr->len > 0 && buf_puts(expr, " and ") == -1))
			r = sigma_nomem(s);
		if (r == 0 && sub.len > 0 && buf_printf(expr, "%s", sub.data) == -1)
			r = sigma_nomem(s);
		buf_free(&atoms);
		buf_free(&jatoms);
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
		return sigma_fail(s, map, "an empty selection");
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = sigma_node(s, p->key), *v = sigma_node(s, p->value);
		if (sigma_scalar(k) == NULL)
			return sigma_fail(s, k, "a field name must be a string");
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
		r = sigma_value_atoms(s, sel, &m, &atoms, NULL);
	} else {
		for (yaml_node_item_t *i = sel->data.sequence.items.start;
		     r == 0 && i < sel->data.sequence.items.top; i++) {
			const yaml_node_t *e = sigma_node(s, *i);
			if (e->type != YAML_SCALAR_NODE || sigma_is_null(e))
				r = sigma_fail(
				    s, e, "detection: '%s': a keyword must be a string", id);
			else if ((atoms.len > 0 && buf_puts(&atoms, ", ") == -1))
				r = sigma_nomem(s);
			else
				r = sigma_value_atoms(s, e, &m, &atoms, NULL);
		}
	}
	if (r == 0 && buf_reserve(&atoms, 1) == -1)
		r = sigma_nomem(s);
	if (r == 0) {
		atoms.data[atoms.len] = '\0';
		if (put_path(&json, MATCH_TEXT_FIELD, atoms.data) == -1)
			r = sigma_nomem(s);
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
	if (sel->type == YAML_SCALAR_NODE && !sigma_is_null(sel))
		return add_keywords(s, id, sel, expr);
	if (sel->type != YAML_SEQUENCE_NODE)
		return sigma_fail(
		    s, sel, "detection: '%s' must be a map of fields or a list of maps", id);
	if (sel->data.sequence.items.top == sel->data.sequence.items.start)
		return sigma_fail(s, sel, "detection: '%s' is an empty list", id);
	for (yaml_node_item_t *i = sel->data.sequence.items.start; i < sel->data.sequence.items.top;
	     i++) {
		const yaml_node_t *e = sigma_node(s, *i);
		struct buf one = BUF_INIT;
		int r;
		if (e->type == YAML_SCALAR_NODE && i == sel->data.sequence.items.start)
			return add_keywords(s, id, sel, expr);
		if (e->type != YAML_MAPPING_NODE)
			return sigma_fail(
			    s, e, "detection: '%s' mixes maps of fields and keywords", id);
		r = add_map(s, e, &one);
		if (r == 0 && buf_printf(expr, "%s(%s)", expr->len ? " or " : "", one.data) == -1)
			r = sigma_nomem(s);
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
		return sigma_fail(s, det, "detection: missing condition");
	if (sigma_scalar(c))
		return buf_puts(out, sigma_scalar(c)) == -1 ? sigma_nomem(s) : 0;
	if (c->type != YAML_SEQUENCE_NODE ||
	    c->data.sequence.items.top == c->data.sequence.items.start)
		return sigma_fail(
		    s, c, "detection: condition must be a string or a list of strings");
	for (yaml_node_item_t *i = c->data.sequence.items.start; i < c->data.sequence.items.top;
	     i++) {
		const char *t = sigma_scalar(sigma_node(s, *i));
		if (t == NULL)
			return sigma_fail(
			    s, c, "detection: condition must be a string or a list of strings");
		if (buf_printf(out, "%s(%s)", out->len ? " or " : "", t) == -1)
			return sigma_nomem(s);
	}
	return 0;
}

/* A condition's error (CT_ERR_CONFIG), placed: "FILE:LINE: rule 'NAME':
 * detection: ...". */
static int
sdetection(struct sload *s, const yaml_node_t *c)
{
	ct_error_prefix(s->err, "detection");
	return sigma_where(s, c);
}

/* The units of every selection the condition uses, and the condition over
 * them into cond. */
int
sigma_detection_read(struct sload *s, const yaml_node_t *det, char **cond)
{
	const yaml_node_t *c = sigma_member(s, det, "condition");
	size_t n = 0, k = 0;
	const char **ids;
	const yaml_node_t **sels;
	char **exprs;
	unsigned char *used;
	struct buf text = BUF_INIT;
	int r = 0;

	if (det == NULL || det->type != YAML_MAPPING_NODE)
		return sigma_fail(
		    s, det, "detection must be a map of search identifiers and a condition");
	if (sigma_member(s, det, "timeframe") != NULL)
		return sigma_fail(s, sigma_member(s, det, "timeframe"),
		    "detection: timeframe belongs to the old aggregation syntax; count matches "
		    "with a correlation rule (event_count, value_count, temporal)");
	n = (size_t)(det->data.mapping.pairs.top - det->data.mapping.pairs.start);
	ids = calloc(n + 1, sizeof(*ids));
	sels = calloc(n + 1, sizeof(*sels));
	exprs = calloc(n + 1, sizeof(*exprs));
	used = calloc(n + 1, 1);
	if (!ids || !sels || !exprs || !used)
		r = sigma_nomem(s);
	for (yaml_node_pair_t *p = det->data.mapping.pairs.start;
	     r == 0 && p < det->data.mapping.pairs.top; p++) {
		const char *id = sigma_scalar(sigma_node(s, p->key));
		if (id == NULL)
			r = sigma_fail(s, sigma_node(s, p->key),
			    "detection: a search identifier must be a string");
		else if (strcmp(id, "condition") != 0) {
			ids[k] = id;
			sels[k++] = sigma_node(s, p->value);
		}
	}
	if (r == 0 && k == 0)
		r = sigma_fail(s, det, "detection: no search identifier");
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
			r = sigma_nomem(s);
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
