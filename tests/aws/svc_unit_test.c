/*
 * Runs every case file of tests/aws/svc_cases/ (see svc_case.h): SQS, S3,
 * SNS and DynamoDB request building and response parsing, one Check test per file.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_case.h"
#include "tests/lib/check_main.h"

static svc_op_fn
find_op(const char *name)
{
	const struct svc_op *lists[] = {sqs_ops, sns_ops, s3_ops, dynamodb_ops, cloudtrail_ops};
	size_t i;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		for (const struct svc_op *op = lists[i]; op->name; op++)
			if (strcmp(op->name, name) == 0)
				return op->fn;
	return NULL;
}

START_TEST(run_case)
{
	struct ct_case c;
	struct svc_ctx ctx;
	const char *opname, *expect, *message;
	char why[4200];
	svc_op_fn fn;

	ck_assert_msg(
	    ct_case_read(ct_case_path(_i), SVC_CASE, &c, why, sizeof(why)) == 0, "%s", why);
	opname = svc_case_get(&c, "op");
	expect = svc_case_get(&c, "expect");
	ck_assert_msg(opname && expect, "%s: needs an op and an expect section", c.path);
	fn = find_op(opname);
	ck_assert_msg(fn != NULL, "%s: unknown op \"%s\"", c.path, opname);
	memset(&ctx, 0, sizeof(ctx));
	ctx.c = &c;
	buf_init(&ctx.out);
	fn(&ctx);
	while (ctx.out.len > 0 && ctx.out.data[ctx.out.len - 1] == '\n')
		ctx.out.data[--ctx.out.len] = '\0';
	ck_assert_msg(strcmp(ctx.out.data ? ctx.out.data : "", expect) == 0,
	    "%s:\n--- expected\n%s\n--- got\n%s", c.path, expect, ctx.out.data);
	if ((message = svc_case_get(&c, "message")) != NULL)
		ck_assert_msg(strstr(ctx.message, message) != NULL,
		    "%s: error message \"%s\" lacks \"%s\"", c.path, ctx.message, message);
	buf_free(&ctx.out);
	ct_case_free(&c);
}
END_TEST

START_TEST(cases_exist)
{
	ck_assert_msg(ct_case_count() > 0, "no case files found (is top_srcdir set?)");
}
END_TEST

static int
clear_env(void)
{
	static const char *const vars[] = {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE",
	    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_S3",
	    "AWS_ENDPOINT_URL_SNS", "AWS_USE_FIPS_ENDPOINT", "AWS_CONFIG_FILE", NULL};

	for (const char *const *v = vars; *v; v++)
		unsetenv(*v);
	return setenv("AWS_CONFIG_FILE", "/dev/null", 1);
}

CT_CHECK_PROGRAM(.name = "aws services: cases", .cases = "tests/aws/svc_cases", .setup = clear_env,
    .each_case = CT_TESTS(run_case), .once = CT_TESTS(cases_exist))
