/*
 * fields: the record fields a pattern reads, for people reading rules
 * (`ctalertd rules`): the paths of its clauses, mapped through the
 * CloudTrail envelope as the compiler maps them.
 */
#include <stdlib.h>
#include <string.h>

#include "match/envelope.h"
#include "match/match_int.h"

/* The record field a clause's path reads, or NULL when none does. */
static const char *
record_field(const char *path, int envelope)
{
	const char *rec = path;
	int vn = 0;

	if (strcmp(path, MATCH_TEXT_FIELD) == 0)
		return "(the record's text)";
	if (!envelope)
		return path;
	switch (envelope_map(path, &rec, &vn)) {
	case ENV_RECORD:
		return rec;
	case ENV_VIRTUAL: /* derived from a field of the record, or a constant */
		return vn == ENV_VN_SOURCE  ? "eventSource"
		       : vn == ENV_VN_DTYPE ? "eventType"
		                            : NULL;
	default:
		return NULL;
	}
}

/* The length of the field a record path names: a path to the JSON text of
 * a field's objects and arrays (MATCH_JSON_KEY) reads the field. */
static size_t
field_len(const char *path)
{
	size_t n = strlen(path), k = strlen(MATCH_JSON_KEY);

	return n > k && strcmp(path + n - k, MATCH_JSON_KEY) == 0 ? n - k - 1 : n;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
match_field_path(const char *path, int wildcards)
{
	size_t n = strlen(path);

	return n > 0 && path[0] != '.' && path[n - 1] != '.' && strstr(path, "..") == NULL &&
	       (wildcards || strpbrk(path, "*?") == NULL);
}

void
match_fields_free(char **fields, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(fields[i]);
	free(fields);
}

/* Adds the record field a path names, if any, to v[*k]. */
static int
add_field(const char *path, int envelope, char **v, size_t *k)
{
	const char *f = record_field(path, envelope);

	if (f != NULL && (v[*k] = strndup(f, field_len(f))) == NULL)
		return -1;
	*k += f != NULL;
	return 0;
}

/* The distinct fields of p (its clauses' and those its field references
 * name) into v[0..*n), sorted; v has room for all. */
static int
collect_fields(const struct ppattern *p, int envelope, char **v, size_t *n)
{
	size_t k = 0;

	for (uint32_t i = 0; i < p->nbr; i++)
		for (uint32_t j = 0; j < p->br[i].n; j++) {
			const struct pclause *cl = p->br[i].cl[j];
			int r = add_field(cl->path, envelope, v, &k);
			for (uint32_t a = 0; r == 0 && a < cl->n; a++)
				if (cl->atoms[a].kind == A_FIELDREF)
					r = add_field(cl->atoms[a].v[0].s, envelope, v, &k);
			if (r < 0) {
				while (k > 0)
					free(v[--k]);
				return -1;
			}
		}
	qsort(v, k, sizeof(*v), cmp_str);
	*n = 0;
	for (size_t i = 0; i < k; i++) {
		if (*n > 0 && strcmp(v[*n - 1], v[i]) == 0)
			free(v[i]);
		else
			v[(*n)++] = v[i];
	}
	return 0;
}

int
match_pattern_fields(const char *name, const char *pattern, enum match_envelope env, char ***fields,
    size_t *n, struct ct_error *err)
{
	struct arena a;
	struct ppattern p;
	size_t cap = 0;
	int r = -1;

	*fields = NULL;
	*n = 0;
	arena_init(&a);
	/* any rule's pattern: compiling the rules judged whether it may be written so */
	if (pattern_parse_part(name, NULL, NULL, pattern, 1, &a, &p, err) == 0) {
		for (uint32_t i = 0; i < p.nbr; i++)
			for (uint32_t j = 0; j < p.br[i].n; j++)
				cap += 1 + p.br[i].cl[j]->n;
		if ((*fields = calloc(cap + 1, sizeof(**fields))) == NULL ||
		    collect_fields(&p, env == MATCH_ENVELOPE_CLOUDTRAIL && pattern_is_envelope(&p),
		        *fields, n) < 0) {
			free(*fields);
			*fields = NULL;
			ct_error_set(err, CT_ERR_NOMEM, "rule \"%s\": out of memory", name);
		} else
			r = 0;
		ppattern_free(&p);
	}
	arena_free(&a);
	return r;
}
