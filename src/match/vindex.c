/*
 * vindex: the value index of a ruleset, one open-addressed hash table of
 * every key a clause looks for or excludes: (node, kind, bytes), where kind
 * says how a value is compared (exact string, number, case-folded, prefix,
 * ...). Lookups are inline in match_int.h; this is the building side.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_int.h"

static int
vindex_grow(struct ruleset *rs)
{
	uint32_t size = rs->vslots ? (rs->vmask + 1) * 2 : 64;
	struct vslot *t = calloc(size, sizeof(*t));

	if (t == NULL)
		return -1;
	for (uint32_t v = 0; v < rs->nvent; v++) {
		uint32_t j = (uint32_t)rs->vents[v].hash & (size - 1);
		while (t[j].idx != 0)
			j = (j + 1) & (size - 1);
		t[j].check = (uint32_t)(rs->vents[v].hash >> 32);
		t[j].idx = v + 1;
	}
	free(rs->vslots);
	rs->vslots = t;
	rs->vmask = size - 1;
	return 0;
}

static struct vent *
vindex_new(struct ruleset *rs, uint32_t slot, uint64_t h, uint32_t node, uint32_t tag,
    const char *key, size_t len)
{
	struct vent *e;

	if (rs->nvent == rs->capvent &&
	    vec_grow((void **)&rs->vents, &rs->capvent, rs->nvent, sizeof(*rs->vents)) < 0)
		return NULL;
	e = &rs->vents[rs->nvent];
	memset(e, 0, sizeof(*e));
	if ((e->key = arena_strndup(&rs->arena, key, len)) == NULL)
		return NULL;
	e->hash = h;
	mh_words(key, len, &e->w0, &e->w1);
	e->node = node;
	e->tag = tag;
	e->len = (uint32_t)len;
	rs->vslots[slot].check = (uint32_t)(h >> 32);
	rs->vslots[slot].idx = ++rs->nvent;
	return e;
}

int
vindex_insert(
    struct ruleset *rs, uint32_t node, uint32_t tag, const char *key, size_t len, uint32_t *vid)
{
	uint64_t h, w0, w1;
	uint32_t i;
	struct vent *e = NULL;

	if ((rs->vslots == NULL || (rs->nvent + 1) * 2 > rs->vmask + 1) && vindex_grow(rs) < 0)
		return -1;
	if (rs->nvent + 1 >= KSLOT_VIDS)
		return -1; /* sixteen million keys */
	mh_words(key, len, &w0, &w1);
	h = vindex_hash(node, tag, w0, w1, len);
	for (i = (uint32_t)h & rs->vmask; rs->vslots[i].idx != 0; i = (i + 1) & rs->vmask) {
		e = &rs->vents[rs->vslots[i].idx - 1];
		if (e->hash == h && e->node == node && e->tag == tag && e->len == len &&
		    memcmp(e->key, key, len) == 0)
			break;
		e = NULL;
	}
	if (e == NULL && (e = vindex_new(rs, i, h, node, tag, key, len)) == NULL)
		return -1;
	e->uses++;
	*vid = (uint32_t)(e - rs->vents);
	return 0;
}

int
vindex_split(struct ruleset *rs)
{
	uint32_t *count = calloc(rs->nnodes + 1, sizeof(*count));

	rs->posted = calloc(rs->nvent / 64 + 1, sizeof(uint64_t));
	if (count == NULL || rs->posted == NULL) {
		free(count);
		return -1;
	}
	for (uint32_t v = 0; v < rs->nvent; v++) {
		count[rs->vents[v].node]++;
		if (rs->vents[v].npost > 0)
			rs->posted[v / 64] |= 1ull << (v % 64);
	}
	for (uint32_t n = 0; n < rs->nnodes; n++) {
		struct match_node *mn = &rs->nodes[n];
		uint32_t size = 4;
		if (count[n] == 0)
			continue;
		while (size < 2 * count[n])
			size *= 2;
		if ((mn->kslots = calloc(size, sizeof(*mn->kslots))) == NULL) {
			free(count);
			return -1;
		}
		mn->vmask = size - 1;
	}
	for (uint32_t v = 0; v < rs->nvent; v++) {
		const struct vent *e = &rs->vents[v];
		struct match_node *mn = &rs->nodes[e->node];
		uint32_t j = (uint32_t)e->hash & mn->vmask;
		while (mn->kslots[j].tagvid != 0)
			j = (j + 1) & mn->vmask;
		mn->kslots[j] = (struct kslot){e->w0, e->w1, e->len, e->tag << 24 | (v + 1)};
		mn->vbloom |= 1ull << (e->hash >> 58);
	}
	free(count);
	free(rs->vslots);
	rs->vslots = NULL;
	rs->vmask = 0;
	return 0;
}
