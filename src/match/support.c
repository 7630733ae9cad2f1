/*
 * support: the matcher's small building blocks: growable arrays, a block
 * allocator for everything a ruleset keeps, and the hash function of its
 * tables.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_int.h"

#define ARENA_BLOCK 16384

struct arena_block {
	struct arena_block *next;
	size_t used;
	size_t size;
	unsigned char data[]; /* 8-aligned: follows three pointer-sized fields */
};

int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
vec_grow(void **v, uint32_t *cap, uint32_t n, size_t elsz)
{
	uint32_t ncap = *cap ? *cap * 2 : 8;
	void *p;

	if (n < *cap)
		return 0;
	if (ncap <= *cap || (size_t)ncap > SIZE_MAX / elsz)
		return -1;
	p = realloc(*v, (size_t)ncap * elsz);
	if (p == NULL)
		return -1;
	*v = p;
	*cap = ncap;
	return 0;
}

void
arena_init(struct arena *a)
{
	a->head = NULL;
}

void
arena_free(struct arena *a)
{
	struct arena_block *b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	size_t need = (n + 7) & ~(size_t)7;
	void *p;

	if (need < n)
		return NULL;
	if (b == NULL || b->size - b->used < need) {
		size_t size = need > ARENA_BLOCK ? need : ARENA_BLOCK;
		b = malloc(sizeof(*b) + size);
		if (b == NULL)
			return NULL;
		b->used = 0;
		b->size = size;
		/* A block bigger than usual goes behind the current one, which
		 * may still have room. */
		if (a->head != NULL && need > ARENA_BLOCK) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	p = b->data + b->used;
	b->used += need;
	memset(p, 0, n);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (p != NULL && n > 0)
		memcpy(p, s, n);
	return p;
}

char *
arena_strrev(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	for (size_t i = 0; p != NULL && i < n; i++)
		p[i] = s[n - 1 - i];
	return p;
}
