/*
 * facts: plain lookups in the record's tree (see facts.h).
 */
#include "config.h"

#include "stream/facts.h"

#include <string.h>

#include "util/json.h"

void
record_facts_read(yajl_val root, struct record_facts *f)
{
	yajl_val ui = json_member(root, "userIdentity");

	memset(f, 0, sizeof(*f));
	f->event_time = json_string(root, "eventTime");
	f->event_source = json_string(root, "eventSource");
	f->event_name = json_string(root, "eventName");
	f->region = json_string(root, "awsRegion");
	f->account = json_string(root, "recipientAccountId");
	f->source_ip = json_string(root, "sourceIPAddress");
	f->event_id = json_string(root, "eventID");
	f->identity_type = json_string(ui, "type");
	f->identity_arn = json_string(ui, "arn");
	if ((f->who = f->identity_arn) == NULL && (f->who = json_string(ui, "invokedBy")) == NULL &&
	    (f->who = json_string(ui, "principalId")) == NULL)
		f->who = f->identity_type;
}
