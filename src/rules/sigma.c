/*
 * sigma: a *.yml or *.yaml file holding one Sigma rule, read with libyaml:
 * the document, the rule's metadata, and whether it is for CloudTrail (see
 * sigma.h for how its detection is compiled).
 *
 * What cannot apply to CloudTrail records is refused (sigma_modifiers.c);
 * correlation rules become windows and thresholds (sigma_correlation.c).
 */
#include "rules/sigma.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"

int
sigma_where(struct sload *s, const yaml_node_t *at)
{
	ct_error_prefix(s->err, "%s:%lu: rule '%s'", s->path,
	    at ? (unsigned long)at->start_mark.line + 1 : 1ul, s->name);
	return -1;
}

int
sigma_fail(struct sload *s, const yaml_node_t *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct_error_vset(s->err, CT_ERR_CONFIG, fmt, ap);
	va_end(ap);
	return sigma_where(s, at);
}

int
sigma_nomem(struct sload *s)
{
	return ct_error_set(s->err, CT_ERR_NOMEM, "%s: out of memory", s->path);
}

/* ---- YAML helpers ---- */

yaml_node_t *
sigma_node(struct sload *s, int i)
{
	return yaml_document_get_node(s->doc, i);
}

const char *
sigma_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The value of key in mapping m, or NULL. */
yaml_node_t *
sigma_member(struct sload *s, const yaml_node_t *m, const char *key)
{
	if (m == NULL || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		const char *k = sigma_scalar(sigma_node(s, p->key));
		if (k && strcmp(k, key) == 0)
			return sigma_node(s, p->value);
	}
	return NULL;
}

const char *
sigma_member_scalar(struct sload *s, const yaml_node_t *m, const char *key)
{
	return sigma_scalar(sigma_member(s, m, key));
}

/* A plain (unquoted) scalar YAML reads as null, a boolean or a number. */
static int
is_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

int
sigma_is_null(const yaml_node_t *n)
{
	const char *v = sigma_scalar(n);

	return v && is_plain(n) &&
	       (*v == '\0' || strcmp(v, "~") == 0 || strcasecmp(v, "null") == 0);
}

/* A plain scalar that is a number as JSON writes them. */
int
sigma_is_number(const yaml_node_t *n)
{
	const char *v = sigma_scalar(n);
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

int
sigma_is_bool(const yaml_node_t *n, int *b)
{
	const char *v = sigma_scalar(n);

	if (v == NULL || !is_plain(n))
		return 0;
	if (strcasecmp(v, "true") == 0)
		return *b = 1, 1;
	if (strcasecmp(v, "false") == 0)
		return *b = 0, 1;
	return 0;
}

/* ---- the rule ---- */

/* A list of strings (or one string) of the rule's metadata, into *v. */
static int
read_strings(struct sload *s, const yaml_node_t *root, const char *key, char ***v, size_t *n)
{
	const yaml_node_t *x = sigma_member(s, root, key);

	*v = NULL;
	*n = 0;
	if (x == NULL)
		return 0;
	if (sigma_scalar(x)) {
		if ((*v = calloc(1, sizeof(**v))) == NULL ||
		    ((*v)[0] = strdup(sigma_scalar(x))) == NULL)
			return sigma_nomem(s);
		*n = 1;
		return 0;
	}
	if (x->type != YAML_SEQUENCE_NODE)
		return sigma_fail(s, x, "%s must be a list of strings", key);
	*v = calloc(
	    (size_t)(x->data.sequence.items.top - x->data.sequence.items.start) + 1, sizeof(**v));
	if (*v == NULL)
		return sigma_nomem(s);
	for (yaml_node_item_t *i = x->data.sequence.items.start; i < x->data.sequence.items.top;
	     i++) {
		const char *t = sigma_scalar(sigma_node(s, *i));
		if (t == NULL)
			return sigma_fail(
			    s, sigma_node(s, *i), "%s must be a list of strings", key);
		if (((*v)[(*n)++] = strdup(t)) == NULL)
			return sigma_nomem(s);
	}
	return 0;
}

/* Whether the rule is for CloudTrail (logsource product aws, service
 * cloudtrail). */
static int
for_cloudtrail(struct sload *s, const yaml_node_t *root)
{
	const yaml_node_t *ls = sigma_member(s, root, "logsource");
	const char *product = sigma_member_scalar(s, ls, "product"),
	           *service = sigma_member_scalar(s, ls, "service");

	return product && service && strcasecmp(product, "aws") == 0 &&
	       strcasecmp(service, "cloudtrail") == 0;
}

/* 1 when the rule is to be skipped (with a notice, or refused when named
 * directly), 0 to load it, -1 on error. */
static int
skip_rule(struct sload *s, const yaml_node_t *root, int in_dir)
{
	const yaml_node_t *ls = sigma_member(s, root, "logsource");
	const char *status = sigma_member_scalar(s, root, "status");

	if (!for_cloudtrail(s, root)) {
		if (!in_dir)
			return sigma_fail(s, ls ? ls : root,
			    "logsource is not product: aws, service: cloudtrail");
		log_notice("%s%s%s: skipped: its logsource is not product: aws, service: "
		           "cloudtrail",
		    s->path, s->in_collection ? ": rule " : "", s->in_collection ? s->name : "");
		return 1;
	}
	if (status && (strcmp(status, "deprecated") == 0 || strcmp(status, "unsupported") == 0)) {
		log_notice("%s%s%s: skipped: its status is %s", s->path,
		    s->in_collection ? ": rule " : "", s->in_collection ? s->name : "", status);
		return 1;
	}
	return 0;
}

/* id, name, tags, references and falsepositives into meta. */
static int
read_meta(struct sload *s, const yaml_node_t *root, struct rule_meta *meta)
{
	const char *id = sigma_member_scalar(s, root, "id");
	const char *name = sigma_member_scalar(s, root, "name");
	int r;

	if ((id && (meta->id = strdup(id)) == NULL) ||
	    (name && (meta->sigma_name = strdup(name)) == NULL))
		return sigma_nomem(s);
	r = read_strings(s, root, "tags", &meta->tags, &meta->ntags);
	if (r == 0)
		r = read_strings(s, root, "references", &meta->references, &meta->nreferences);
	if (r == 0)
		r = read_strings(
		    s, root, "falsepositives", &meta->falsepositives, &meta->nfalsepositives);
	return r;
}

static int
load_detection(
    struct rule_list *l, struct sload *s, const yaml_node_t *root, struct rule_meta *meta)
{
	struct rule_spec spec = {.kind = RULE_SIGMA, .origin = s->path};
	const yaml_node_t *lvl = sigma_member(s, root, "level");
	char *cond = NULL;
	int r = 0;

	if (lvl && sigma_scalar(lvl) == NULL)
		return sigma_fail(s, lvl, "level must be a string");
	if (sigma_detection_read(s, sigma_member(s, root, "detection"), &cond) == -1)
		return -1;
	spec.name = s->name;
	spec.description = sigma_member_scalar(s, root, "title");
	spec.severity = sigma_scalar(lvl);
	spec.condition = cond;
	spec.meta = meta;
	spec_texts_use(&s->units, &spec);
	if (rule_list_add(l, &spec, s->err) == -1) {
		/* a bad level has a line; a duplicate name is the file's */
		int sev = lvl && strncmp(s->err->msg, "invalid severity", 16) == 0;
		r = sigma_where(s, sev ? lvl : NULL);
	}
	free(cond);
	return r;
}

static int
load_rule(struct rule_list *l, struct sload *s, const yaml_node_t *root, int in_dir)
{
	struct rule_meta meta = {NULL};
	int corr, r;

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return sigma_fail(
		    s, root, "not a Sigma rule (a map with title, logsource, detection)");
	corr = sigma_member(s, root, "correlation") != NULL;
	/* A correlation reads no log source: it counts other rules' matches. */
	if (!corr && (r = skip_rule(s, root, in_dir)) != 0)
		return r < 0 ? -1 : 0;
	if (sigma_member(s, root, "title") && sigma_member_scalar(s, root, "title") == NULL)
		return sigma_fail(s, sigma_member(s, root, "title"), "title must be a string");
	if ((r = read_meta(s, root, &meta)) == 0)
		r = corr ? sigma_correlation_load(l, s, root, &meta)
		         : load_detection(l, s, root, &meta);
	rule_meta_free(&meta);
	return r;
}

/* Names rule i of n of the file: the file's stem for a file of one rule,
 * STEM-N (from 1) for each rule of a collection. */
static int
name_rule(struct sload *s, const char *stem, size_t i, size_t n, char *name, size_t size)
{
	if (n == 1)
		snprintf(name, size, "%s", stem);
	else
		snprintf(name, size, "%s-%zu", stem, i + 1);
	s->name = name;
	if (rule_name_check(name, s->err) == -1)
		return ct_error_prefix(s->err, "%s: rule named after the file", s->path), -1;
	return 0;
}

int
rules_load_sigma_file(struct rule_list *l, const char *path, int in_dir, struct ct_error *err)
{
	struct buf text = BUF_INIT;
	struct sigma_docs docs = {NULL};
	char *stem = NULL, *name = NULL;
	int r = -1;

	if (rules_read_file(path, &text, err) == -1)
		return -1;
	if ((stem = rules_file_stem(path)) == NULL || (name = malloc(strlen(stem) + 24)) == NULL)
		r = ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	else if ((r = sigma_docs_read(path, &text, &docs, err)) == 0 && docs.n == 0)
		r = ct_error_set(err, CT_ERR_CONFIG, "%s: no Sigma rule in the file", path);
	for (size_t i = 0; r == 0 && i < docs.n; i++) {
		struct sload s = {.path = path, .doc = &docs.v[i], .err = err};

		s.in_collection = docs.n > 1;
		if ((r = name_rule(&s, stem, i, docs.n, name, strlen(stem) + 24)) == 0)
			r = load_rule(l, &s, yaml_document_get_root_node(&docs.v[i]), in_dir);
		spec_texts_free(&s.units);
		free(s.unames);
	}
	sigma_docs_free(&docs);
	free(name);
	free(stem);
	buf_free(&text);
	return r;
}
