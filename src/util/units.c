/*
 * units: parsing and printing durations, sizes and counts. See units.h.
 */
#include "config.h"

#include "util/units.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct unit {
	const char *name;
	uint64_t factor;
};

static const struct unit time_units[] = {
    {"d", 86400},
    {"h", 3600},
    {"m", 60},
    {"s", 1},
};

static const struct unit size_units[] = {
    {"TiB", 1ULL << 40},
    {"GiB", 1ULL << 30},
    {"MiB", 1ULL << 20},
    {"KiB", 1ULL << 10},
    {"T", 1ULL << 40},
    {"G", 1ULL << 30},
    {"M", 1ULL << 20},
    {"K", 1ULL << 10},
    {"TB", 1000000000000ULL},
    {"GB", 1000000000ULL},
    {"MB", 1000000ULL},
    {"KB", 1000ULL},
    {"B", 1},
};

/* Reads the digits at *p into *v; -1 without digits or on overflow. */
static int
digits(const char **p, uint64_t *v, const char **why)
{
	const char *s = *p;

	*v = 0;
	if (!isdigit((unsigned char)*s)) {
		*why = "expected a number";
		return -1;
	}
	for (; isdigit((unsigned char)*s); s++) {
		if (*v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10) {
			*why = "number too large";
			return -1;
		}
		*v = *v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	return 0;
}

static int
scale(uint64_t v, uint64_t factor, uint64_t *out, const char **why)
{
	if (factor != 0 && v > UINT64_MAX / factor) {
		*why = "number too large";
		return -1;
	}
	*out = v * factor;
	return 0;
}

int
units_duration(const char *s, uint64_t *seconds, const char **why)
{
	uint64_t total = 0, v, part;
	size_t i;

	if (*s == '\0') {
		*why = "empty";
		return -1;
	}
	while (*s) {
		if (digits(&s, &v, why) == -1)
			return -1;
		if (*s == '\0' && total == 0) { /* a bare number is seconds */
			*seconds = v;
			return 0;
		}
		for (i = 0; i < sizeof(time_units) / sizeof(time_units[0]); i++)
			if (*s == time_units[i].name[0])
				break;
		if (i == sizeof(time_units) / sizeof(time_units[0])) {
			*why = "unknown unit (use s, m, h or d)";
			return -1;
		}
		s++;
		if (scale(v, time_units[i].factor, &part, why) == -1 || part > UINT64_MAX - total) {
			*why = "number too large";
			return -1;
		}
		total += part;
	}
	*seconds = total;
	return 0;
}

int
units_size(const char *s, uint64_t *bytes, const char **why)
{
	uint64_t v;

	if (digits(&s, &v, why) == -1)
		return -1;
	while (*s == ' ')
		s++;
	if (*s == '\0') {
		*bytes = v;
		return 0;
	}
	for (size_t i = 0; i < sizeof(size_units) / sizeof(size_units[0]); i++)
		if (strcasecmp(s, size_units[i].name) == 0)
			return scale(v, size_units[i].factor, bytes, why);
	*why = "unknown unit (use B, K, M, G, T, KiB, MiB, GiB, TiB, KB, MB, GB or TB)";
	return -1;
}

int
units_count(const char *s, uint64_t *n, const char **why)
{
	if (digits(&s, n, why) == -1)
		return -1;
	if (*s != '\0') {
		*why = "expected a whole number";
		return -1;
	}
	return 0;
}

void
units_format_duration(uint64_t seconds, char *out, size_t outlen)
{
	size_t used = 0;

	out[0] = '\0';
	if (seconds == 0) {
		snprintf(out, outlen, "0s");
		return;
	}
	for (size_t i = 0; i < sizeof(time_units) / sizeof(time_units[0]); i++) {
		uint64_t n = seconds / time_units[i].factor;

		if (n == 0 || used >= outlen)
			continue;
		used += (size_t)snprintf(
		    out + used, outlen - used, "%" PRIu64 "%s", n, time_units[i].name);
		seconds %= time_units[i].factor;
	}
}

/* Largest first, both families: the spelling is the largest exact unit. */
static const struct unit print_units[] = {
    {"TiB", 1ULL << 40},
    {"TB", 1000000000000ULL},
    {"GiB", 1ULL << 30},
    {"GB", 1000000000ULL},
    {"MiB", 1ULL << 20},
    {"MB", 1000000ULL},
    {"KiB", 1ULL << 10},
    {"KB", 1000ULL},
};

void
units_format_size(uint64_t bytes, char *out, size_t outlen)
{
	for (size_t i = 0; i < sizeof(print_units) / sizeof(print_units[0]) && bytes > 0; i++)
		if (bytes % print_units[i].factor == 0) {
			snprintf(out, outlen, "%" PRIu64 "%s", bytes / print_units[i].factor,
			    print_units[i].name);
			return;
		}
	snprintf(out, outlen, "%" PRIu64, bytes);
}
