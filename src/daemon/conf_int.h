/*
 * conf_int: the option table shared by conf.c (loading, checking) and
 * conf_schema.c (the table, reading one value, printing).
 */
#ifndef CT_DAEMON_CONF_INT_H
#define CT_DAEMON_CONF_INT_H

#include <stddef.h>

#include <libconfig.h>

#include "daemon/conf.h"

enum opt_kind {
	K_GROUP,    /* a { ... } of further options */
	K_STRING,   /* char * */
	K_INT,      /* int */
	K_BOOL,     /* int, 0 or 1 */
	K_DURATION, /* uint64_t seconds: an integer or "1h30m" */
	K_SIZE,     /* uint64_t bytes: an integer or "64MiB" */
	K_STRINGS,  /* char ** and a size_t count: a list, array or one string */
	K_ENUM,     /* int: one of choices, stored as the matching value */
	K_RULES,    /* read by the rules loader (rules, rules_dir) */
	K_TABLE,    /* a list of groups, read, printed and freed by its owner's functions */
};

struct buf;

/* The functions of a K_TABLE option, over its field in struct ct_config. */
struct opt_table {
	int (*read)(void *field, const config_setting_t *list, char *why, size_t whylen);
	void (*free)(void *field);
	void (*print)(const void *field, struct buf *out); /* as libconfig writes it */
	size_t (*count)(const void *field);                /* entries; 0: not set */
};

/* A check of a string value beyond its type: NULL if fine, else why not. */
typedef const char *(*opt_check)(const char *value);

struct conf_opt {
	const char *name; /* full path: "receive.heartbeat" */
	enum opt_kind kind;
	size_t off;                    /* where in struct ct_config */
	size_t count_off;              /* K_STRINGS: where the count is */
	long long min, max;            /* K_INT, K_DURATION, K_SIZE: the range */
	const char *const *choices;    /* K_ENUM: the accepted words, NULL-terminated */
	const int *values;             /* K_ENUM: the value of each word */
	const char *def;               /* the default as text, NULL: none */
	const char *env;               /* the overriding environment variable, or NULL */
	opt_check check;               /* K_STRING, K_STRINGS: each value; may be NULL */
	const struct opt_table *table; /* K_TABLE */
};

extern const struct conf_opt conf_opts[];
extern const size_t conf_nopts;

/* Checks shared with the rules' own settings: NULL if fine, else why not. */
const char *conf_check_topic_arn(const char *arn);
const char *conf_check_group_id(const char *id);

/* The option called name, or NULL. */
const struct conf_opt *conf_opt_find(const char *name);

/* Sets the option from text (a default or an environment value). -1 with
 * why (a static string or one in whybuf) when the text is not acceptable. */
int conf_opt_set_text(
    struct ct_config *c, const struct conf_opt *o, const char *text, char *whybuf, size_t whylen);

/* Sets the option from a libconfig setting; -1 with why on a wrong type or
 * value. Groups and rules are not set this way. */
int conf_opt_set_setting(struct ct_config *c, const struct conf_opt *o, const config_setting_t *s,
    char *whybuf, size_t whylen);

/* Frees whatever the option owns in c. */
void conf_opt_clear(struct ct_config *c, const struct conf_opt *o);

/* The option's value as ctalertd.conf text ("\"x\"", "12h", "[\"a\"]"),
 * or nothing when it has none; returns 1 when it has a value. */
int conf_opt_format(const struct ct_config *c, const struct conf_opt *o, struct buf *out);

#endif
