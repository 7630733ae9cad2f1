/*
 * rules/correlation: which rules a Sigma correlation counts, resolved once
 * the whole list is loaded (a correlation may name rules of other files).
 */
#include <stdlib.h>
#include <string.h>

#include "rules/internal.h"

/* The rule that name refers to: its rule name, Sigma name or Sigma id. */
static long
find_counted(const struct rule_list *l, const char *name)
{
	const struct rule *r = rule_list_find(l, name);

	if (r != NULL)
		return (long)(r - l->v);
	for (size_t i = 0; i < l->n; i++)
		if ((l->v[i].meta.sigma_name && strcmp(l->v[i].meta.sigma_name, name) == 0) ||
		    (l->v[i].meta.id && strcmp(l->v[i].meta.id, name) == 0))
			return (long)i;
	return -1;
}

static int
add_feed(struct rule_links *k, size_t base, size_t corr)
{
	size_t *v = realloc(k->feeds[base], (k->nfeeds[base] + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	for (size_t i = 0; i < k->nfeeds[base]; i++)
		if (v[i] == corr) {
			k->feeds[base] = v;
			return 0; /* named twice: counted once */
		}
	v[k->nfeeds[base]++] = corr;
	k->feeds[base] = v;
	return 0;
}

static int
link_one(const struct rule_list *l, size_t c, struct rule_links *k, struct ct_error *err)
{
	const struct rule *corr = &l->v[c];

	for (size_t j = 0; j < corr->corr.nof; j++) {
		long b = find_counted(l, corr->corr.of[j]);

		if (b < 0)
			return ct_error_set(err, CT_ERR_CONFIG,
			    "%s: rule '%s': the correlation counts rule '%s', which no rule loaded "
			    "is called (by its name, Sigma name or id)",
			    corr->origin, corr->name, corr->corr.of[j]);
		if (l->v[b].corr.nof > 0)
			return ct_error_set(err, CT_ERR_CONFIG,
			    "%s: rule '%s': the correlation counts '%s', another correlation; "
			    "ctalertd counts only rules that match records",
			    corr->origin, corr->name, corr->corr.of[j]);
		if (add_feed(k, (size_t)b, c) == -1)
			return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
		if (!corr->corr.generate)
			k->quiet[b] = 1;
	}
	return 0;
}

int
rules_link(const struct rule_list *l, struct rule_links *out, struct ct_error *err)
{
	size_t n = l->n ? l->n : 1;

	memset(out, 0, sizeof(*out));
	out->n = l->n;
	if ((out->feeds = calloc(n, sizeof(*out->feeds))) == NULL ||
	    (out->nfeeds = calloc(n, sizeof(*out->nfeeds))) == NULL ||
	    (out->quiet = calloc(n, sizeof(*out->quiet))) == NULL) {
		rule_links_free(out);
		return ct_error_set(err, CT_ERR_NOMEM, "out of memory");
	}
	for (size_t c = 0; c < l->n; c++)
		if (l->v[c].corr.nof > 0 && link_one(l, c, out, err) == -1) {
			rule_links_free(out);
			return -1;
		}
	return 0;
}

void
rule_links_free(struct rule_links *k)
{
	for (size_t i = 0; k->feeds && i < k->n; i++)
		free(k->feeds[i]);
	free(k->feeds);
	free(k->nfeeds);
	free(k->quiet);
	memset(k, 0, sizeof(*k));
}
