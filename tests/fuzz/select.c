/*
 * select: reading which parser a fuzz input is for (see select.h).
 */
#include "select.h"

#include <stdlib.h>
#include <string.h>

size_t
fuzz_select(const uint8_t *data, size_t size, const char *const *names, size_t n,
    const uint8_t **payload, size_t *len)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t head = nl ? (size_t)(nl - data) : size;

	*payload = nl ? nl + 1 : data + size;
	*len = nl ? size - head - 1 : 0;
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) == head && memcmp(names[i], data, head) == 0)
			return i;
	return size ? data[0] % n : 0;
}

char *
fuzz_strndup(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}
