/*
 * orgnames: account names from ListAccounts, refreshed on a thread (see
 * orgnames.h).
 */
#include "daemon/orgnames.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/organizations.h"
#include "daemon/route.h"
#include "util/buf.h"
#include "util/log.h"

struct entry {
	char id[16];
	char name[ROUTE_ACCOUNT_NAME_MAX + 1];
};

struct table {
	struct entry *v;
	size_t n, cap;
};

struct orgnames {
	struct ctaws_client *client; /* borrowed */
	pthread_rwlock_t rw;         /* guards names */
	struct table names;          /* sorted by id */
	pthread_mutex_t lock;        /* guards stop, and wakes */
	pthread_cond_t wake;
	int stop;
	int warned; /* the failure was said */
	pthread_t thread;
};

static int
by_id(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->id, ((const struct entry *)b)->id);
}

static int
take_account(void *arg, const struct organizations_account *a)
{
	struct table *t = arg;
	struct entry *e;

	if (strlen(a->id) >= sizeof(e->id))
		return 0; /* not an account id: nothing to name */
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct entry *v = realloc(t->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	e = &t->v[t->n++];
	strcpy(e->id, a->id);
	/* Names are shown in subjects and attributes: printable, bounded. */
	snprintf(e->name, sizeof(e->name), "%s", a->name);
	for (char *p = e->name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return 0;
}

/* One listing: 0 when the table was swapped in. */
static int
refresh(struct orgnames *o)
{
	struct ctaws_conn *conn = ctaws_conn_new(o->client);
	struct table t = {NULL, 0, 0}, old;
	struct ctaws_error err;
	char why[768];
	int rc;

	if (conn == NULL)
		return -1;
	rc = organizations_list_accounts(conn, take_account, &t, &err);
	ctaws_conn_free(conn);
	if (rc == -1) {
		free(t.v);
		if (!o->warned)
			log_warnx("account names from AWS Organizations: %s; alerts name only the "
			          "accounts of alerts.accounts (the role needs "
			          "organizations:ListAccounts, in the management account or a "
			          "delegated administrator)",
			    ctaws_error_str(&err, why, sizeof(why)));
		o->warned = 1;
		return -1;
	}
	qsort(t.v, t.n, sizeof(*t.v), by_id);
	pthread_rwlock_wrlock(&o->rw);
	old = o->names;
	o->names = t;
	pthread_rwlock_unlock(&o->rw);
	free(old.v);
	if (o->warned)
		log_notice("account names from AWS Organizations: listed again");
	o->warned = 0;
	log_info("account names from AWS Organizations: %zu accounts", t.n);
	return 0;
}

static void *
run(void *arg)
{
	struct orgnames *o = arg;
	struct timespec until;
	int ok;

	pthread_mutex_lock(&o->lock);
	while (!o->stop) {
		pthread_mutex_unlock(&o->lock);
		ok = refresh(o) == 0;
		pthread_mutex_lock(&o->lock);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += ok ? ORGNAMES_REFRESH_S : ORGNAMES_RETRY_S;
		while (!o->stop && pthread_cond_timedwait(&o->wake, &o->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

struct orgnames *
orgnames_new(struct ctaws_client *client)
{
	struct orgnames *o = calloc(1, sizeof(*o));
	pthread_condattr_t ca;

	if (o == NULL)
		return NULL;
	o->client = client;
	pthread_rwlock_init(&o->rw, NULL);
	pthread_mutex_init(&o->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&o->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&o->thread, NULL, run, o) != 0) {
		pthread_cond_destroy(&o->wake);
		pthread_mutex_destroy(&o->lock);
		pthread_rwlock_destroy(&o->rw);
		free(o);
		return NULL;
	}
	return o;
}

void
orgnames_free(struct orgnames *o)
{
	if (o == NULL)
		return;
	pthread_mutex_lock(&o->lock);
	o->stop = 1;
	pthread_cond_broadcast(&o->wake);
	pthread_mutex_unlock(&o->lock);
	pthread_join(o->thread, NULL);
	free(o->names.v);
	pthread_cond_destroy(&o->wake);
	pthread_mutex_destroy(&o->lock);
	pthread_rwlock_destroy(&o->rw);
	free(o);
}

const char *
orgnames_copy(struct orgnames *o, const char *id, char *out, size_t outlen)
{
	struct entry key, *hit = NULL;

	if (o == NULL || id == NULL || strlen(id) >= sizeof(key.id) || outlen == 0)
		return NULL;
	strcpy(key.id, id);
	pthread_rwlock_rdlock(&o->rw);
	if (o->names.n > 0)
		hit = bsearch(&key, o->names.v, o->names.n, sizeof(key), by_id);
	if (hit)
		snprintf(out, outlen, "%s", hit->name);
	pthread_rwlock_unlock(&o->rw);
	return hit ? out : NULL;
}
