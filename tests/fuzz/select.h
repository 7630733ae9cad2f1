/*
 * select: which parser a fuzz input is for.
 *
 * A fuzz target that serves several parsers reads its input as a first line
 * naming one of them, then the bytes that parser gets:
 *
 *   sqs-receive-parse
 *   {"Messages": [...]}
 *
 * A first line that names no parser (the fuzzer mutates names too) picks
 * one by its first byte, so every input reaches some parser.
 */
#ifndef CT_TESTS_FUZZ_SELECT_H
#define CT_TESTS_FUZZ_SELECT_H

#include <stddef.h>
#include <stdint.h>

/* The index in names[0..n) the input is for, and in *payload / *len the
 * bytes after the first line (borrowed from data). */
size_t fuzz_select(const uint8_t *data, size_t size, const char *const *names, size_t n,
    const uint8_t **payload, size_t *len);

/* A malloc'd copy of the bytes with a NUL after them (never NULL: aborts). */
char *fuzz_strndup(const uint8_t *data, size_t len);

#endif
