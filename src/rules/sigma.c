/*
 * sigma: a *.yml or *.yaml file holding one Sigma rule, read with libyaml:
 * the document, the rule's metadata, and whether it is for CloudTrail (see
 * sigma.h for how its detection is compiled).
 *
 * What cannot apply to CloudTrail records is refused (sigma_modifiers.c),
 * and so are correlation rules, which need alert thresholds.
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
sigma_needs_thresholds(struct sload *s, const yaml_node_t *at, const char *what)
{
	return sigma_fail(
	    s, at, "%s needs alert thresholds, which ctalertd does not have yet", what);
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
	const yaml_node_t *lvl = sigma_member(s, root, "level");
	char *cond = NULL;
	int r;

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return sigma_fail(
		    s, root, "not a Sigma rule (a map with title, logsource, detection)");
	if (sigma_member(s, root, "correlation") != NULL)
		return sigma_needs_thresholds(s, sigma_member(s, root, "correlation"),
		    "a correlation rule (event_count, value_count, temporal)");
	if ((r = skip_rule(s, root, in_dir)) != 0)
		return r < 0 ? -1 : 0;
	if (sigma_member(s, root, "title") && sigma_member_scalar(s, root, "title") == NULL)
		return sigma_fail(s, sigma_member(s, root, "title"), "title must be a string");
	if (lvl && sigma_scalar(lvl) == NULL)
		return sigma_fail(s, lvl, "level must be a string");
	if (sigma_detection_read(s, sigma_member(s, root, "detection"), &cond) == -1)
		return -1;
	meta.id =
	    sigma_member_scalar(s, root, "id") ? strdup(sigma_member_scalar(s, root, "id")) : NULL;
	r = read_strings(s, root, "tags", &meta.tags, &meta.ntags);
	if (r == 0)
		r = read_strings(s, root, "references", &meta.references, &meta.nreferences);
	if (r == 0)
		r = read_strings(
		    s, root, "falsepositives", &meta.falsepositives, &meta.nfalsepositives);
	spec.name = s->name;
	spec.description = sigma_member_scalar(s, root, "title");
	spec.severity = sigma_scalar(lvl);
	spec.condition = cond;
	spec.meta = &meta;
	spec_texts_use(&s->units, &spec);
	if (r == 0 && rule_list_add(l, &spec, s->err) == -1) {
		/* a bad level has a line; a duplicate name is the file's */
		int sev = lvl && strncmp(s->err->msg, "invalid severity", 16) == 0;
		r = sigma_where(s, sev ? lvl : NULL);
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
				r = sigma_fail(&s, yaml_document_get_root_node(&more),
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
