/*
 * state_driver: one call of the state store's dynamodb backend, for the
 * tests that inject faults from Node (tests/state/dynamodb.mjs).
 *
 *   state_driver TABLE OP [ARGS]
 *     claim KEY UNTIL | put KEY UNTIL | has KEY | add KEY DELTA UNTIL |
 *     take PREFIX MAX | prune | count | open
 *
 * The store talks through a client made from the environment (endpoint,
 * region, keys); CT_STATE_NOW fixes its clock. Prints "ok RESULT" (take:
 * "ok KEY=VALUE@UNTIL ...") and exits 0, or "error MESSAGE" and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/creds_provider.h"
#include "state/state.h"
#include "util/buf.h"

static int64_t fixed;

static int64_t
fixed_now(void)
{
	return fixed;
}

static void
collect(void *arg, const char *key, int64_t value, int64_t until)
{
	buf_printf(arg, " %s=%lld@%lld", key, (long long)value, (long long)until);
}

static long
run(struct state *s, int argc, char **argv, struct buf *out, struct ct_error *err)
{
	const char *op = argv[2];
	int64_t v = 0;
	long r;

	if (strcmp(op, "open") == 0)
		return 0;
	if (strcmp(op, "claim") == 0 && argc == 5)
		return state_claim(s, argv[3], atoll(argv[4]), err);
	if (strcmp(op, "put") == 0 && argc == 5)
		return state_put(s, argv[3], atoll(argv[4]), err);
	if (strcmp(op, "has") == 0 && argc == 4)
		return state_has(s, argv[3], err);
	if (strcmp(op, "add") == 0 && argc == 6) {
		r = state_add(s, argv[3], atoll(argv[4]), atoll(argv[5]), &v, err);
		return r == 0 ? (long)v : -1;
	}
	if (strcmp(op, "take") == 0 && argc == 5) {
		r = state_take_expired(s, argv[3], (size_t)atol(argv[4]), collect, out, err);
		return r;
	}
	if (strcmp(op, "prune") == 0 && argc == 3)
		return state_prune(s, err);
	if (strcmp(op, "count") == 0 && argc == 3)
		return state_count(s, err);
	fprintf(stderr, "state_driver: unknown call or wrong arguments: %s\n", op);
	exit(2);
}

int
main(int argc, char **argv)
{
	struct state_options o = {STATE_DYNAMODB, NULL, 0, NULL, NULL, NULL, NULL};
	struct buf out = BUF_INIT;
	struct ctaws_error aerr;
	struct ct_error err;
	struct state *s;
	char why[1024];
	long r;

	if (argc < 3) {
		fprintf(stderr, "usage: state_driver TABLE OP [ARGS]\n");
		return 2;
	}
	if (getenv("CT_STATE_NOW")) {
		fixed = atoll(getenv("CT_STATE_NOW"));
		o.now = fixed_now;
	}
	if ((o.aws = ctaws_client_new(NULL, ctaws_creds_env_new(), &aerr)) == NULL) {
		printf("error AWS client: %s\n", ctaws_error_str(&aerr, why, sizeof(why)));
		return 1;
	}
	o.table = argv[1];
	if ((s = state_open(&o, &err)) == NULL)
		r = -1;
	else
		r = run(s, argc, argv, &out, &err);
	if (r < 0)
		printf("error %s\n", err.msg);
	else
		printf("ok %ld%s\n", r, out.data ? out.data : "");
	buf_free(&out);
	state_close(s);
	ctaws_client_free(o.aws);
	return r < 0 ? 1 : 0;
}
