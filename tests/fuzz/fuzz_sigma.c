/*
 * libFuzzer target for Sigma rules and conditions (src/rules/sigma.c,
 * src/match/condition.c, src/match/pred.c).
 *
 * Each input is, first, a Sigma rule file: loaded as found in a directory
 * and as named directly, compiled when it loads, and a few records run
 * through it, through the record stream as the one record of a log (so that
 * field references and the JSON text of objects and arrays are fed as in
 * the daemon). Then its first line is a condition over five pattern names,
 * and what the condition parser promises is checked:
 *
 * - a condition match_condition_check accepts is one the compiler accepts,
 *   and the other way round;
 * - the condition rewritten with each name replaced by "pN and qN"
 *   (match_condition_expand, as Sigma selections are) holds for exactly the
 *   records the condition does, for every one of the 32 ways the five
 *   names can hold.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "match/match.h"
#include "rules/rules.h"
#include "stream/records.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NNAMES 5

static const char *const names[NNAMES] = {"a", "b", "sel_1", "sel_2", "_f"};
static char path[64];

static void
enter_scratch(void)
{
	char dir[] = "/tmp/ctalertd-fuzz-sigma.XXXXXX";

	if (mkdtemp(dir) == NULL || chdir(dir) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/rule.yml", dir);
}

static int
on_match(void *arg, const struct record_ref *rec, const size_t *rules, size_t n,
    struct ct_error *err)
{
	for (size_t i = 0; i < n; i++)
		*(unsigned *)arg |= rules[i] < 32 ? 1u << rules[i] : 0;
	return 0;
}

/* The rules (of the first 32) that match record (JSON text), as a bit set. */
static unsigned
matches(const struct ruleset *rs, const char *record)
{
	static const struct records_opts o = {RECORDS_CLOUDTRAIL, 0, 0, NULL};
	unsigned set = 0;
	struct records_cb cb = {on_match, NULL, &set};
	struct matcher *m = matcher_new(rs);
	struct records *r = m ? records_new(&o, rs, m, &cb, NULL) : NULL;

	if (r == NULL || records_feed(r, "{\"Records\": [", 13, NULL) != 0 ||
	    records_feed(r, record, strlen(record), NULL) != 0 ||
	    records_feed(r, "]}", 2, NULL) != 0 || records_finish(r, NULL) != 0)
		abort();
	records_free(r);
	matcher_free(m);
	return set;
}

static void
sigma_file(const uint8_t *data, size_t size)
{
	static const char *const records[] = {
	    "{\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"CreateUser\"}",
	    "{\"eventName\":\"a\",\"userIdentity\":{\"type\":\"Root\",\"arn\":\"x\"},\"n\":5}",
	    "{\"requestParameters\":{\"items\":[{\"k\":\"v\"},{\"k\":\"AbC\"}]},\"errorCode\":"
	    "null}",
	    "{\"eventName\":\"AssumeRole\",\"recipientAccountId\":\"1\",\"userIdentity\":"
	    "{\"accountId\":\"1\",\"arn\":\"arn:aws:iam::1:user/Bob\"},\"requestParameters\":"
	    "{\"userName\":\"bob\",\"policy\": {\"Principal\": \"*\", \"n\": [1, 2.5, true]}},"
	    "\"resources\":[{\"ARN\":\"a\"},[{\"ARN\":\"B\"}]]}",
	};
	FILE *f;

	if ((f = fopen(path, "wb")) == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	for (int in_dir = 0; in_dir < 2; in_dir++) {
		struct rule_list l;
		struct ct_error err;
		struct ruleset *rs;

		rule_list_init(&l);
		if (rules_load_sigma_file(&l, path, in_dir, &err) == 0 && l.n > 0 &&
		    (rs = rules_compile(&l, MATCH_ENVELOPE_CLOUDTRAIL, &err)) != NULL) {
			for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++)
				(void)matches(rs, records[i]);
			ruleset_free(rs);
		}
		rule_list_free(&l);
	}
}

static void
condition(const char *text)
{
	struct match_part parts[NNAMES], pq[2 * NNAMES];
	char pat[NNAMES][32], pqpat[2 * NNAMES][32], pqname[2 * NNAMES][8], exprs[NNAMES][32];
	const char *ex[NNAMES];
	struct rule_def d[2];
	struct ct_error err;
	struct ruleset *rs;
	char *expanded = NULL;
	int ok = match_condition_check(text, names, NNAMES, NULL, &err) == 0;

	for (int i = 0; i < NNAMES; i++) {
		snprintf(pat[i], sizeof(pat[i]), "{\"f\":[\"n%d\"]}", i);
		parts[i] = (struct match_part){names[i], pat[i]};
		snprintf(pqname[2 * i], sizeof(pqname[0]), "p%d", i);
		snprintf(pqname[2 * i + 1], sizeof(pqname[0]), "q%d", i);
		snprintf(pqpat[2 * i], sizeof(pqpat[0]), "{\"f\":[\"p%d\"]}", i);
		snprintf(pqpat[2 * i + 1], sizeof(pqpat[0]), "{\"g\":[\"q%d\"]}", i);
		pq[2 * i] = (struct match_part){pqname[2 * i], pqpat[2 * i]};
		pq[2 * i + 1] = (struct match_part){pqname[2 * i + 1], pqpat[2 * i + 1]};
		snprintf(exprs[i], sizeof(exprs[i]), "p%d and q%d", i, i);
		ex[i] = exprs[i];
	}
	memset(d, 0, sizeof(d));
	d[0] =
	    (struct rule_def){.name = "plain", .parts = parts, .nparts = NNAMES, .condition = text};
	rs = ruleset_compile(d, 1, MATCH_ENVELOPE_NONE, &err);
	if ((rs != NULL) != ok) /* the check and the compiler disagree */
		abort();
	ruleset_free(rs);
	if (!ok)
		return;
	if (match_condition_expand(text, names, NNAMES, ex, NULL, &expanded, &err) != 0)
		abort();
	d[1] = (struct rule_def){
	    .name = "expanded", .parts = pq, .nparts = 2 * NNAMES, .condition = expanded};
	if ((rs = ruleset_compile(d, 2, MATCH_ENVELOPE_NONE, &err)) == NULL) {
		if (err.code == CT_ERR_NOMEM || strstr(err.msg, "deeper") ||
		    strstr(err.msg, "complex"))
			goto out; /* the rewriting nests one level more: a limit, not a bug */
		abort();
	}
	for (unsigned mask = 0; mask < 1u << NNAMES; mask++) {
		struct buf r = BUF_INIT;
		unsigned got;
		buf_puts(&r, "{\"f\":[\"none\"");
		for (int i = 0; i < NNAMES; i++)
			if (mask & (1u << i))
				buf_printf(&r, ",\"n%d\",\"p%d\"", i, i);
		buf_puts(&r, "],\"g\":[\"none\"");
		for (int i = 0; i < NNAMES; i++)
			if (mask & (1u << i))
				buf_printf(&r, ",\"q%d\"", i);
		buf_puts(&r, "]}");
		got = matches(rs, r.data);
		buf_free(&r);
		if ((got & 1) != ((got >> 1) & 1)) /* the rewritten condition disagrees */
			abort();
	}
	ruleset_free(rs);
out:
	free(expanded);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line;
	size_t n = 0;

	if (path[0] == '\0')
		enter_scratch();
	sigma_file(data, size);
	while (n < size && n < 512 && data[n] != '\n' && data[n] != '\0')
		n++;
	if ((line = strndup((const char *)data, n)) == NULL)
		abort();
	condition(line);
	free(line);
	return 0;
}
