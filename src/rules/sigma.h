/*
 * sigma: Sigma rules, unchanged (SigmaHQ sigma-specification v2), shared
 * by the files that read them: sigma.c (the file, its rules, their
 * metadata and log source), sigma_collection.c (a file's YAML documents as
 * the rules they stand for), sigma_detection.c (search identifiers,
 * selections and the condition, as units of the matcher) and
 * sigma_modifiers.c (a field's modifiers, and each value as the atoms of a
 * pattern).
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
 * what a native rule with a condition costs. Keywords look in the record's
 * whole text (MATCH_TEXT_FIELD).
 *
 * Errors name the file, the line and the construct.
 */
#ifndef CT_RULES_SIGMA_H
#define CT_RULES_SIGMA_H

#include <yaml.h>

#include "rules/internal.h"

#define SIGMA_UNITS_MAX 1024 /* one-field patterns of one rule */

/* A rule while it is read. */
struct sload {
	const char *path;
	const char *name;  /* the rule's: the file's stem, STEM-N in a collection */
	int in_collection; /* the file holds several rules */
	yaml_document_t *doc;
	struct spec_texts units; /* grown as fields are read; names point into unames */
	char (*unames)[16];
	size_t cap;
	struct ct_error *err;
};

/* ---- errors and YAML (sigma.c) ---- */

/* Puts "FILE:LINE: rule 'NAME': " before the message already in s->err,
 * LINE the node's (1 without one); returns -1. */
int sigma_where(struct sload *s, const yaml_node_t *at);
/* Sets s->err (CT_ERR_CONFIG) and places it at node at; returns -1. */
int sigma_fail(struct sload *s, const yaml_node_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sigma_nomem(struct sload *s);

/* Node i of the document. */
yaml_node_t *sigma_node(struct sload *s, int i);
/* The text of a scalar node, NULL for another node or none. */
const char *sigma_scalar(const yaml_node_t *n);
/* The value of key in mapping m, or NULL; and that value's text. */
yaml_node_t *sigma_member(struct sload *s, const yaml_node_t *m, const char *key);
const char *sigma_member_scalar(struct sload *s, const yaml_node_t *m, const char *key);
/* What a plain (unquoted) scalar reads as: null, a number as JSON writes
 * them, a boolean (*b). */
int sigma_is_null(const yaml_node_t *n);
int sigma_is_number(const yaml_node_t *n);
int sigma_is_bool(const yaml_node_t *n, int *b);

/* ---- correlation rules (sigma_correlation.c) ---- */

/* Adds the correlation rule root (a map with correlation) to l, with meta
 * (borrowed; copied). */
int sigma_correlation_load(
    struct rule_list *l, struct sload *s, const yaml_node_t *root, struct rule_meta *meta);

/* ---- the documents of a file (sigma_collection.c) ---- */

/* The rules of one file: a document each, the file's own when it holds
 * one rule, merged by the collection's actions (global, reset, repeat)
 * when it holds several. Nodes keep the lines they were written on. */
struct sigma_docs {
	yaml_document_t *v; /* owned */
	size_t n;
};

/* Reads text (path names it in errors) into d; on error d is empty. */
int sigma_docs_read(
    const char *path, const struct buf *text, struct sigma_docs *d, struct ct_error *err);
void sigma_docs_free(struct sigma_docs *d);

/* ---- modifiers and values (sigma_modifiers.c) ---- */

/* The modifiers of one field, as "field|m1|m2" names them. */
struct mods {
	int contains, startswith, endswith, all, re, re_i, re_m, re_s, cidr, exists, cased;
	int base64, base64offset, cmp; /* cmp: '<', 'l' (<=), '>', 'g' (>=), 0 */
	int fieldref;                  /* values name another field of the record */
};

/* Reads "m1|m2|..." (list, cut up in place) into m, refusing what cannot
 * apply to CloudTrail records and what does not go together. */
int sigma_mods_parse(struct sload *s, const yaml_node_t *at, char *list, struct mods *m);
/* The atoms value v stands for under m, comma-separated, appended to b;
 * and, when json is not NULL, those of them that could hold of the JSON
 * text of an object or array (a string test that may match a text
 * beginning with '{' or '['), appended to json. */
int sigma_value_atoms(
    struct sload *s, const yaml_node_t *v, const struct mods *m, struct buf *b, struct buf *json);

/* ---- the detection (sigma_detection.c) ---- */

/* The units of every selection the detection's condition uses, into
 * s->units, and the condition over them into *cond (the caller's). */
int sigma_detection_read(struct sload *s, const yaml_node_t *det, char **cond);

#endif
