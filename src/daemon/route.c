/*
 * route: the declaration of a rule's topic_arn and group_id, with the
 * checks the configuration applies to alerts.topic_arn and alerts.group_id.
 * See route.h.
 */
#include "daemon/route.h"

#include "daemon/conf_int.h"

static int
routed_check(const char *setting, const char *value, const char *why, struct ct_error *err)
{
	if (why == NULL)
		return 0;
	return ct_error_set(err, CT_ERR_CONFIG, "%s '%s' %s", setting, value, why);
}

static int
check_topic(const char *value, struct ct_error *err)
{
	return routed_check("topic_arn", value, conf_check_topic_arn(value), err);
}

static int
check_group(const char *value, struct ct_error *err)
{
	return routed_check("group_id", value, conf_check_group_id(value), err);
}

static const struct rule_extra settings[ROUTE__COUNT] = {
    [ROUTE_TOPIC_ARN] = {"topic_arn", check_topic},
    [ROUTE_GROUP_ID] = {"group_id", check_group},
};

void
route_declare(struct rule_list *l)
{
	rule_list_declare(l, settings, ROUTE__COUNT);
}

const char *
route_topic(const struct rule *r)
{
	return r->extra[ROUTE_TOPIC_ARN];
}

const char *
route_group(const struct rule *r)
{
	return r->extra[ROUTE_GROUP_ID];
}
