/*
 * units: durations, sizes and counts as people write them, the one grammar
 * of ctalertd.conf and of the command lines (`ctalertd scan --max-*`).
 *
 * Durations are whole seconds: an integer, or a string of one or more
 * <integer><unit> parts with units s, m, h, d ("90", "20s", "12h", "1h30m").
 * Sizes are bytes: an integer, or a string <integer>[<unit>] with B, KiB,
 * MiB, GiB, TiB or K, M, G, T (powers of 1024) or KB, MB, GB, TB (powers of
 * 1000); units are case-insensitive, a space before the unit is allowed
 * ("1MiB", "64 KiB", "2gb", "4G").
 * Counts are plain non-negative integers ("100").
 */
#ifndef CT_UTIL_UNITS_H
#define CT_UTIL_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* 0 and the value, or -1 with *why saying what is wrong ("unknown unit"). */
int units_duration(const char *s, uint64_t *seconds, const char **why);
int units_size(const char *s, uint64_t *bytes, const char **why);
int units_count(const char *s, uint64_t *n, const char **why);

/* The shortest exact spelling: "12h", "1h30m", "45s", "0s"; "1MiB", "64KiB",
 * "1000000" (bytes with no exact binary unit). */
void units_format_duration(uint64_t seconds, char *out, size_t outlen);
void units_format_size(uint64_t bytes, char *out, size_t outlen);

#endif
