/*
 * match_int: the inside of the matcher, shared by its source files.
 *
 * Three stages. pattern.c turns one rule's JSON into a parsed pattern: a
 * disjunction of branches (one per combination of $or alternatives), each a
 * conjunction of clauses (a field path and the values that satisfy it).
 * compile.c and clause.c index every clause of every rule under the node of
 * the field tree it is about: exact values, case-folded values and CIDR
 * blocks as keys of one hash table over (node, kind, bytes) (vindex.c);
 * prefixes and suffixes as keys too, found through per-field sorted sets
 * (affix.c) that also gate the wildcards by their literal start or end, or
 * behind a gram of their pieces (wildcard.c); the rest (numeric ranges,
 * ungated wildcards, some anything-but) in short per-node lists. Of each
 * branch ("sub") one required clause, the one least likely to hold, is its
 * anchor (anchor.c): only anchors are listed under their keys. value.c
 * stamps every key and listed clause a value satisfies; a satisfied anchor
 * makes its sub a candidate, and matcher_end (matcher.c) checks a candidate's other
 * clauses against the stamps. So a value shared by many rules costs one
 * stamp. Clauses that need only the field's presence (exists, an
 * anything-but of values) are judged in matcher_end from counts, not per
 * value.
 */
#ifndef CT_MATCH_MATCH_INT_H
#define CT_MATCH_MATCH_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "match/match.h"

/* A growable array: v[0..n), cap allocated. */
#define VEC(T)                                                                                     \
	struct {                                                                                   \
		T *v;                                                                              \
		uint32_t n;                                                                        \
		uint32_t cap;                                                                      \
	}

/* qsort comparison of uint32_t. */
int cmp_u32(const void *a, const void *b);

/* Makes room for one more element; 0 or -1 when out of memory. */
int vec_grow(void **v, uint32_t *cap, uint32_t n, size_t elsz);
#define VEC_PUSH(vec, x)                                                                           \
	(((vec).n < (vec).cap ||                                                                   \
	     vec_grow((void **)&(vec).v, &(vec).cap, (vec).n, sizeof(*(vec).v)) == 0)              \
	        ? ((vec).v[(vec).n++] = (x), 0)                                                    \
	        : -1)

/* Block allocator: everything allocated from it is freed at once. */
struct arena {
	struct arena_block *head; /* owned list of blocks, newest first */
};
void arena_init(struct arena *a);
void arena_free(struct arena *a);
void *arena_alloc(struct arena *a, size_t n); /* zeroed, 8-byte aligned; NULL on ENOMEM */
char *arena_strndup(struct arena *a, const char *s, size_t n); /* NUL-terminated copy */
char *arena_strrev(struct arena *a, const char *s, size_t n);  /* the same, written backwards */

/* ---- hashing (inline: it is on the path of every key and value) ---- */

static inline uint64_t
mh_mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t
mh_load64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t
mh_load32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

#define MH_K0    0xa0761d6478bd642full
#define MH_K1    0xe7037ed1a0b428dbull
#define MH_SHORT 16 /* keys up to this long are identified by (len, w0, w1) */

/* Two words that, with the length, identify a string of up to MH_SHORT
 * bytes (the loads overlap for lengths between 9 and 15); of a longer one,
 * its first and last 8 bytes. Hashes of keys are made from them alone with
 * one multiply: keys that differ only in between are told apart by their
 * bytes. */
static inline void
mh_words(const char *p, size_t n, uint64_t *w0, uint64_t *w1)
{
	const unsigned char *s = (const unsigned char *)p;

	if (n >= 8) {
		*w0 = mh_load64(s);
		*w1 = mh_load64(s + n - 8);
	} else if (n >= 4) {
		*w0 = mh_load32(s);
		*w1 = mh_load32(s + n - 4);
	} else if (n > 0) {
		*w0 = ((uint64_t)s[0] << 16) | ((uint64_t)s[n / 2] << 8) | s[n - 1];
		*w1 = 0;
	} else {
		*w0 = *w1 = 0;
	}
}

/* Whether two strings of len > MH_SHORT bytes that agree in their first and
 * last 8 (their mh_words) agree in between too: 8 bytes a compare. */
static inline int
mh_same_middle(const char *a, const char *b, size_t len)
{
	for (size_t i = 8; i < len - 8; i += 8)
		if (mh_load64((const unsigned char *)a + i) !=
		    mh_load64((const unsigned char *)b + i))
			return 0;
	return 1;
}

/* ---- parsed patterns (pattern.c) ---- */

enum atom_kind {
	A_STRING, /* exact string */
	A_NUMBER, /* exact number: literal text and, in range, its numeric value */
	A_TRUE,
	A_FALSE,
	A_NULL,
	A_PREFIX,
	A_SUFFIX,
	A_PREFIX_EIC, /* prefix, equals-ignore-case */
	A_SUFFIX_EIC,
	A_EIC, /* equals-ignore-case */
	A_WILDCARD,
	A_NUMERIC,    /* numeric range or = */
	A_CIDR,       /* IP range (cidr, or an exact string that is an IP address) */
	A_EXISTS,     /* exists: true */
	A_ABSENT,     /* exists: false */
	A_AB_STRINGS, /* anything-but a set of strings */
	A_AB_NUMBERS, /* anything-but a set of numbers */
	A_AB_PREFIX,
	A_AB_SUFFIX,
	A_AB_EIC,
	A_AB_WILDCARD,
	A_PRED,     /* a test of Sigma's tried on every string value (pred.c) */
	A_FIELDREF, /* Sigma's fieldref: compared with another field's values (fieldref.c) */
};

/* How a field reference compares a value of its field (a) with one of the
 * field it names (b). */
enum ref_mode {
	REF_EQUALS,   /* a is b */
	REF_PREFIX,   /* a begins with b */
	REF_SUFFIX,   /* a ends with b */
	REF_CONTAINS, /* b is in a */
};

/* ---- Sigma's value tests (pred.c) ---- */

enum pred_kind {
	PRED_GLOB,       /* '*' and '?' over the case-folded value */
	PRED_GLOB_CASED, /* the same over the value as it is */
	PRED_REGEX,      /* PCRE2 */
};

/* One glob token: a literal byte, '*' or '?'. Literals stay bytes; '?' is
 * one UTF-8 character. */
#define TOK_STAR 0x100
#define TOK_ONE  0x101

struct pred {
	enum pred_kind kind;
	uint16_t *tok; /* globs: bytes, TOK_STAR and TOK_ONE (arena) */
	uint32_t ntok;
	void *re; /* PRED_REGEX: the compiled pcre2_code, owned (pred_free) */
};

/* Compiles Sigma's glob syntax ('*', '?', '\' escapes) into p; -1 when
 * out of memory. */
int pred_glob_compile(struct arena *a, const char *s, int cased, struct pred *p);
/* Compiles a regular expression with flags of "ims"; why says what is wrong. */
int pred_re_compile(const char *flags, const char *re, struct pred *p, char *why, size_t whylen);
void pred_free(struct pred *p);
/* What pred_match needs of a thread: pred_scratch_new() per matcher. */
void *pred_scratch_new(void);
void pred_scratch_free(void *scratch);
/* Whether string value s (folded: its case-folded form) passes p. */
int pred_match(const struct pred *p, const char *s, size_t len, const char *folded, size_t flen,
    void *scratch);

struct pstr {
	char *s; /* arena; NUL-terminated; for *_EIC kinds already case-folded */
	size_t len;
};

/* A wildcard compiled to its literal pieces: "a*b\*c*" is "a", "b*c", "" with
 * stars between; the value must start with the first piece, end with the
 * last, and contain the middle ones in order. */
struct glob {
	struct pstr *seg; /* arena; nseg >= 1 pieces (unescaped) */
	uint32_t nseg;
};

struct patom {
	enum atom_kind kind;
	struct pstr *v; /* strings: one for simple kinds, a set for anything-but */
	uint32_t nv;
	struct glob *g; /* A_WILDCARD: one; A_AB_WILDCARD: nv of them */
	int64_t *q;     /* A_AB_NUMBERS: quantized numbers */
	uint32_t nq;
	int64_t lo, hi; /* A_NUMERIC: quantized bounds (-1 / INT64_MAX when open-ended) */
	uint8_t lo_incl, hi_incl;
	int64_t qnum; /* A_NUMBER: quantized value when qvalid */
	uint8_t qvalid;
	uint8_t ip_lo[16]; /* A_CIDR: first and last address of the range */
	uint8_t ip_hi[16];
	uint8_t ip6;       /* A_CIDR: 16-byte addresses, else 4 */
	int bits;          /* A_CIDR: prefix length when the range is a clean block, else -1 */
	struct pred *pred; /* A_PRED (arena; its regex is the pattern's to free) */
	uint8_t ref_mode;  /* A_FIELDREF: enum ref_mode; v[0] is the field it names */
	uint8_t ref_cased; /* A_FIELDREF: compare case-sensitively */
};

struct pclause {
	char *path;          /* dotted field path, arena */
	struct patom *atoms; /* arena */
	uint32_t n;
	uint8_t optional; /* has an exists:false atom: satisfied when the field is absent */
};

struct pbranch {
	struct pclause **cl; /* arena; clauses may be shared between branches */
	uint32_t n;
};

struct ppattern {
	struct pbranch *br; /* arena */
	uint32_t nbr;
	struct pred **preds; /* owned array: the tests with regexes to free (ppattern_free) */
	uint32_t npreds;
};

/* Frees what of p is not in its arena: its regexes, unless their ownership
 * went elsewhere (npreds set to 0). */
void ppattern_free(struct ppattern *p);

/* Parses and validates; everything lands in arena a. On error err names the
 * rule (name, origin) and what is wrong. */
int pattern_parse(const char *name, const char *origin, const char *json, struct arena *a,
    struct ppattern *out, struct ct_error *err);

/* The same for one of a rule's several patterns; part names it in errors
 * ("pattern \"root\"", "exception 2"); sigma lets it use the operators of
 * pred.c. */
int pattern_parse_part(const char *name, const char *part, const char *origin, const char *json,
    int sigma, struct arena *a, struct ppattern *out, struct ct_error *err);

/* Whether a field of the pattern is one of the CloudTrail envelope's: then
 * the pattern is read against the envelope (envelope.c). */
int pattern_is_envelope(const struct ppattern *p);

/* ---- wildcard complexity (complexity.c) ---- */

#define COMPLEXITY_LIMIT 10 /* EventBridge refuses a field whose wildcards count more */

/* The most prefixes of the n distinct wildcards g that one value matches at
 * once (see complexity.c); counting stops once it is over limit. */
uint32_t wildcard_complexity(const struct glob *const *g, size_t n, uint32_t limit);

/* ---- value helpers (text.c) ---- */

/* Simple case folding (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic); out
 * must hold 2 * len bytes. Returns the folded length. */
size_t fold_case(const char *in, size_t len, char *out);
int glob_match(const struct glob *g, const char *s, size_t len);
/* Parses an IPv4 or IPv6 literal the way AWS recognises them; 4, 16 or 0. */
int ip_parse(const char *s, size_t len, uint8_t out[16]);
/* EventBridge compares numbers in -5e9..5e9 with six decimals: 0 and *q set
 * when text is a number in range, -1 otherwise. */
int number_quantize(const char *text, size_t len, int64_t *q);
int quantize_double(double d, int64_t *q);

#define MATCH_NUM_LIMIT 5.0e9

/* ---- conditions (condition.c) ---- */

/* A rule's condition as a postfix program: an op below COND_NOT pushes
 * whether the rule's unit of that number matched; the others pop one
 * (COND_NOT) or two values and push the result. */
#define COND_NOT       (UINT32_MAX - 2)
#define COND_AND       (UINT32_MAX - 1)
#define COND_OR        UINT32_MAX
#define COND_STACK_MAX 64 /* values a program may have pending */

struct cond {
	uint32_t first; /* the rule's units: first .. first + nunits */
	uint32_t nunits;
	uint32_t *op; /* arena; NULL: the rule is its one unit, without exceptions */
	uint32_t nop;
};

/* The program of a rule whose n named units (names; the condition's NULL
 * when n is 1 or the rule has one unnamed pattern) are followed by nx
 * exceptions. err: "condition: ..." (CT_ERR_CONFIG). */
int cond_compile(struct arena *a, const char *condition, const char *const *names, uint32_t n,
    uint32_t nx, struct cond *out, struct ct_error *err);
/* Whether c holds when its units matched that were stamped since or later. */
int cond_eval(const struct cond *c, const uint32_t *unit_gen, uint32_t since);
/* Whether c holds when none of its units matched ("not a"). */
int cond_holds_alone(const struct cond *c);
/* The rules that matched, given the n units that did (unit_gen stamped since
 * or later): the rules of those units and of rs->cond_always whose
 * conditions hold, into out, ascending. rule_gen (per rule) is stamped with
 * since for the rules looked at. Returns how many. */
size_t cond_resolve(const struct ruleset *rs, const size_t *units, size_t n,
    const uint32_t *unit_gen, uint32_t since, uint32_t *rule_gen, size_t *out);

/* ---- compiled ruleset (compile.c) ---- */

/* Kinds of keys in the value index. */
enum vkey_tag {
	K_STR = 's',
	K_LIT = 'l',
	K_NUM = 'n',
	K_TRUE = 't',
	K_FALSE = 'f',
	K_NULL = 'z',
	K_EIC = 'i',
	K_PFX = 'p',
	K_SFX = 'x',
	K_PFXI = 'P',
	K_SFXI = 'X',
	K_IP4 = '4',
	K_IP6 = '6',
};

struct vent { /* one key of the value index; its index is its vid */
	uint64_t hash;
	uint64_t w0, w1; /* mh_words of the key */
	const char *key; /* arena */
	uint32_t len;
	uint32_t node;
	uint32_t tag;
	uint32_t uses; /* clauses with this key (how common it is) */
	uint32_t npost;
	uint32_t *postkey; /* per posting: the one key its sub's first check needs, which the
	                      candidate is sifted by; UINT32_MAX when none (arena) */
	uint32_t *post;    /* anchor clauses with this key (arena) */
};

struct vslot {          /* open addressing over vents while compiling */
	uint32_t check; /* the hash's upper half */
	uint32_t idx;   /* vid + 1; 0: empty */
};

#define KSLOT_VIDS (1u << 24) /* keys a ruleset may have */

struct kslot {           /* a key in its node's table: all a lookup compares, at hand */
	uint64_t w0, w1; /* mh_words of the key */
	uint32_t len;
	uint32_t tagvid; /* tag << 24 | (vid + 1); 0: empty */
};

struct numrange {
	int64_t lo, hi;
	uint32_t clause;
	uint8_t lo_incl, hi_incl;
};

struct wild {
	const struct glob *g;
	uint32_t clause;
};

#define AFFIX_NONE UINT32_MAX

/* A prefix (or, in a suffix set, a suffix written backwards) that clauses
 * look for at a field: a key of the value index, a gate of wildcards that
 * begin (end) with it, or both. */
struct affix {
	uint64_t head; /* 8 bytes after the set's common prefix, big-endian, zero-padded */
	const char *s; /* arena */
	uint32_t len;
	uint32_t parent; /* the longest other entry that begins this one, or AFFIX_NONE */
	uint32_t vid;    /* its key in the value index, or AFFIX_NONE */
	uint32_t wfirst; /* gated wildcards: the field's gwild.v[wfirst .. wfirst + nwild) */
	uint32_t nwild;
};

/* The affixes of one kind at one field, sorted by their bytes: the entries
 * that begin a value are the one found by a binary search and its parents. */
struct affixset {
	struct affix *v; /* owned */
	uint32_t n;
	uint32_t maxlen; /* longest entry */
	uint32_t common; /* bytes every entry begins with */
};

/* An affix entry while compiling. */
struct affix_item {
	const char *s; /* arena; already reversed for suffix sets */
	uint32_t len;
	uint32_t vid;  /* AFFIX_NONE for a wildcard gate */
	struct wild w; /* the gated wildcard when vid is AFFIX_NONE */
};

struct iprange { /* a CIDR whose base address has host bits set */
	uint8_t lo[16], hi[16];
	uint8_t ip6;
	uint32_t clause;
};

struct predref { /* a Sigma test at a field */
	const struct pred *p;
	uint32_t clause;
};

struct abut { /* an anything-but atom */
	const struct patom *a;
	uint32_t clause;
};

typedef VEC(uint32_t) u32vec;

enum affix_kind { AFX_PFX, AFX_SFX, AFX_PFXI, AFX_SFXI, AFX__COUNT };

#define GRAM_LEN  4  /* bytes of a gram */
#define GRAM_BITS 12 /* a field's gram filter has 1 << GRAM_BITS bits */

/* Wildcards whose literal pieces contain this gram (the rarest of theirs). */
struct gram {
	uint32_t gram;   /* GRAM_LEN bytes as loaded from memory */
	uint32_t wfirst; /* the field's gwild.v[wfirst .. wfirst + nwild) */
	uint32_t nwild;
};

static inline uint32_t
gram_hash(uint32_t g)
{
	return (g * 0x9e3779b1u) >> (32 - GRAM_BITS);
}

/* What a node of the field tree knows about values reported there. */
/* The steps a value at a field goes through (struct field's steps). */
enum field_step {
	FS_EXACT = 1 << 0,     /* look up K_STR, K_LIT, K_NUM, K_TRUE, ... keys */
	FS_PFX = 1 << 1,       /* afx[AFX_PFX] */
	FS_SFX = 1 << 2,       /* afx[AFX_SFX] */
	FS_FOLD = 1 << 3,      /* case-fold strings, then: */
	FS_EIC = 1 << 4,       /* look up K_EIC */
	FS_PFXI = 1 << 5,      /* afx[AFX_PFXI] */
	FS_SFXI = 1 << 6,      /* afx[AFX_SFXI] */
	FS_GRAMS = 1 << 7,     /* gram gates */
	FS_WILD = 1 << 8,      /* ungated wildcards */
	FS_IP = 1 << 9,        /* addresses */
	FS_NUM = 1 << 10,      /* numeric ranges */
	FS_AB = 1 << 11,       /* anything-but tried on every value */
	FS_PRESENCE = 1 << 12, /* subs anchored on the field's presence */
	FS_MEMO = 1 << 13,     /* more than plain lookups: remember string values */
	FS_PRED = 1 << 14      /* Sigma's value tests */
};

struct field {
	/* first, what every value needs: one cache line */
	uint32_t steps;       /* enum field_step */
	uint32_t vbshift;     /* a hash's bit in vbloom is hash >> vbshift */
	uint64_t *vbloom;     /* owned; a filter of the keys at this node, 8+ bits a key */
	struct vslot *vslots; /* owned; the keys at this node, vmask + 1 slots */
	uint32_t vmask;
	uint8_t memo;                    /* more than plain lookups: remember string values */
	uint8_t has_exact;               /* any K_STR/K_LIT/K_NUM/K_TRUE/... key */
	uint8_t has_eic;                 /* any K_EIC key */
	uint8_t fold;                    /* some clause compares the case-folded value */
	uint8_t has_ip;                  /* some clause compares the value as an IP address */
	struct affixset afx[AFX__COUNT]; /* prefixes, suffixes and their case-folded kinds */
	u32vec ip4, ip6;                 /* distinct prefix lengths of clean CIDR blocks */
	VEC(struct numrange) num;        /* sorted by lo */
	VEC(struct wild) wild;           /* wildcards without a gate, tried on every value */
	VEC(struct wild)
	gwild;                  /* wildcards behind gates, grouped by gate; equal
	                           patterns share one glob and stand together */
	VEC(struct gram) grams; /* gates inside wildcards, sorted by gram */
	uint64_t *gbits;        /* owned; the grams' filter, NULL when none */
	VEC(struct iprange) ipr;
	VEC(struct abut) ab;                      /* anything-but atoms tried on every value */
	VEC(struct predref) pred;                 /* Sigma's tests tried on every string value */
	u32vec presence;                          /* subs anchored on the field having any value */
	VEC(struct affix_item) items[AFX__COUNT]; /* while compiling: the affix entries */
	uint32_t uses; /* while compiling: keys and named values clauses give the field */
	uint32_t card; /* while compiling: distinct ones of them */
};

enum capture {
	CAPT_NONE,
	CAPT_SOURCE, /* eventSource: the envelope's "source" is derived from it */
	CAPT_TYPE,   /* eventType: the envelope's "detail-type" */
};

/* A child of a node: its key is identified by (len, w0, w1) up to MH_SHORT
 * bytes, longer ones also by the bytes between. */
struct child_ent {
	uint64_t w0, w1; /* mh_words of the key */
	const char *key; /* arena */
	uint32_t len;
	const struct match_node *node;
};

/* A node of the field tree: one cache line, all that a key or a plain value
 * needs. */
struct match_node {
	_Alignas(64) uint32_t id;
	uint32_t steps;       /* enum field_step of its field; 0 when none */
	uint64_t vbloom;      /* a bit per key at this node: hash >> 58 */
	struct kslot *kslots; /* owned; the keys at this node, vmask + 1 slots */
	uint32_t vmask;
	uint32_t cmask;         /* child table size - 1 */
	uint8_t *ctag;          /* per slot: a byte of the key's hash, 0 when empty */
	struct child_ent *ctab; /* parallel to ctag; NULL when the node has no children */
	struct field *f;        /* NULL when no clause is about this node */
	uint8_t capture;        /* enum capture */
	uint8_t wants;          /* report values here */
	uint8_t scope;          /* groups are about it: report its array elements */
	uint8_t keep;           /* its values are kept for field references (fieldref.c) */
	uint8_t json;           /* the JSON text of its objects and arrays is looked in:
	                           fed to the ruleset's json_twin of it */
};

/* The hash of a child key from its mh_words: one multiply for any length
 * (keys differing only inside share it, and are told apart by their bytes). */
static inline uint64_t
child_hash(uint64_t w0, uint64_t w1, size_t len)
{
	return mh_mix(w0 ^ MH_K0, w1 ^ MH_K1 ^ ((uint64_t)len << 32));
}

static inline uint8_t
child_tag(uint64_t h)
{
	uint8_t t = (uint8_t)(h >> 56);

	return t != 0 ? t : 1;
}

struct clause {
	uint32_t sub;
	uint32_t node;
	uint8_t optional; /* has exists:false: also satisfied when the field is absent */
	uint8_t exists;   /* has exists:true: satisfied when the field has any value */
	uint8_t anchor;   /* the clause of its sub whose hit makes the sub a candidate */
	uint8_t counted;  /* has one anything-but of values, judged by counting: satisfied
	                     when the field has more values than the ones it excludes */
	uint8_t keyonly;  /* nothing but keys: holds exactly when one of them was hit */
	uint32_t group;   /* the innermost group it is in, UINT32_MAX when none */
	uint32_t nkeys;
	uint32_t *keys; /* vids of its keys in the value index (arena) */
	uint32_t nxkeys;
	uint32_t *xkeys; /* counted: vids of the values it excludes, no two overlapping (arena) */
};

struct check {
	uint32_t clause;
	uint32_t node; /* the clause's, at hand: most candidates fail on an absent field */
	uint32_t key;  /* its first key, at hand too; UINT32_MAX when it has none */
};

/* One branch of one rule: clauses first..first+n-1. */
struct sub {
	uint32_t rule;
	uint32_t first;
	uint32_t n;
	uint32_t anchor; /* a required clause, UINT32_MAX when all are optional */
	uint32_t ncheck;
	struct check check0; /* check[0], in the same cache line: most candidates fail on it */
	struct check *check; /* the clauses to check for a candidate, the least likely to
	                        hold first; without the anchor when being a candidate
	                        proves it, nor the clauses of groups (arena) */
	uint32_t ngroups;
	uint32_t *groups; /* its top groups: they must hold too (arena) */
};

/* Clauses of one branch about fields inside the objects at one node: when
 * the node holds an array, they must all hold in one element of it, as
 * EventBridge's array consistency has it. A group nests in the group of the
 * nearest node above it that has one. */
struct group {
	uint32_t sub;
	uint32_t node;   /* where the elements are */
	uint32_t parent; /* the group it is in, UINT32_MAX when none */
	uint32_t ncheck;
	struct check *check; /* its own clauses, not its kids' (arena) */
	uint32_t nkids;
	uint32_t *kids; /* groups in it (arena) */
};

/* The groups at one node: the ruleset's scope_list[first .. first + n). */
struct scope {
	uint32_t first, n;
};

/* A Sigma field reference: its clause holds when a value of node compares
 * with a value of other as mode says (fieldref.c). */
struct fieldref {
	uint32_t clause;
	uint32_t node;  /* the clause's field */
	uint32_t other; /* the field it names */
	uint8_t mode;   /* enum ref_mode */
	uint8_t cased;  /* compare case-sensitively */
};

/* Virtual nodes of the CloudTrail envelope, fed in matcher_end, and the
 * record's whole text, which Sigma's keyword searches look in (fed by
 * matcher_record_text). */
enum vnode { VN_SOURCE, VN_DTYPE, VN_VERSION, VN_TEXT, VN__COUNT };

/* What records must hold for any rule to match them (needs.c): a record
 * can match only if, for some conjunction, each of its groups has one of
 * its literals in the record's text. */
struct match_needs {
	int ok;                     /* every rule needs something: a prefilter can run */
	struct match_literal *lits; /* arena; by id */
	uint32_t nlits;
	uint32_t nconj;
	uint32_t *conj;   /* arena; conjunction i's groups are group[conj[i] .. conj[i + 1]) */
	uint32_t *group;  /* arena; group g's literals are glit[group[g] .. group[g + 1]) */
	uint32_t *glit;   /* arena; literal ids */
	uint32_t *post;   /* arena; literal l is in conjunctions posted[post[l] .. post[l + 1]) */
	uint32_t *posted; /* arena */
};

struct ruleset {
	struct arena arena;
	char **names; /* arena; rule names */
	size_t nrules;
	uint32_t nunits;          /* patterns compiled: a sub's "rule" is one of them */
	uint32_t *unit_rule;      /* owned; per unit, its rule */
	struct cond *conds;       /* arena; per rule; NULL when no rule has a condition or
	                             exceptions: then units are rules */
	uint32_t *cond_always;    /* arena; rules whose condition holds with no unit matched */
	VEC(struct pred *) preds; /* owned array of the ruleset's tests, freed with it */
	uint32_t ncond_always;
	struct match_node *nodes; /* owned array; nodes[0] is the record root */
	uint32_t nnodes;
	struct field *fields; /* owned array, parallel to nodes */
	uint32_t nfields;     /* allocated entries of fields (>= nnodes) */
	struct vent *vents;   /* owned; the value index's keys, by vid */
	uint32_t nvent;
	uint32_t capvent;
	uint64_t *posted;     /* owned; a bit per key: it has postings */
	struct vslot *vslots; /* owned; vmask + 1 slots of all keys while compiling */
	uint32_t vmask;
	struct clause *clauses; /* owned */
	uint32_t nclauses;
	struct sub *subs; /* owned */
	uint32_t nsubs;
	uint32_t *always; /* owned; subs without a required clause */
	uint32_t nalways;
	struct group *groups; /* owned */
	uint32_t ngroups;
	struct scope *scopes;      /* owned; per node, NULL when there are no groups */
	uint32_t *scope_list;      /* owned; group ids by node */
	uint32_t vnode[VN__COUNT]; /* node ids, 0 when no rule refers to it */
	struct fieldref *refs;     /* owned; Sigma's field references */
	uint32_t nrefs;
	uint32_t *json_twin; /* owned; per node, the node its objects' and arrays' JSON
	                        text is reported at (MATCH_JSON_KEY), 0 when none; NULL
	                        when no rule looks in such text */
	size_t max_value;    /* longest string a pattern compares case-insensitively */
	size_t max_suffix;   /* longest entry of any suffix set */
	struct match_needs needs; /* for a prefilter; needs.ok 0 when none can run */
	uint32_t nmemo;      /* fields whose string values are remembered */
};

/* ---- affix sets (affix.c) ---- */

/* Adds an entry to f's affix set k while compiling: key vid, or (vid
 * AFFIX_NONE) a gate of wildcard w. s is written forwards. */
int affix_add(struct arena *a, struct field *f, enum affix_kind k, const char *s, size_t len,
    uint32_t vid, struct wild w);

/* Sorts f->items[kind] into f->afx[kind], one entry per distinct string,
 * appending the wildcards each gates to f->gwild; frees the items. 0, or -1
 * when out of memory. */
int affixset_build(struct field *f, enum affix_kind kind);
void affixset_free(struct affixset *set);
/* The last entry not after s[0..len) in byte order, or AFFIX_NONE; *shared is
 * how many bytes it has in common with s. The entries that begin s are it
 * and its parents no longer than *shared. */
uint32_t affix_find(const struct affixset *set, const char *s, size_t len, size_t *shared);

/* ---- wildcards (wildcard.c) ---- */

/* Puts each wildcard of f->wild behind a gate that a matching value must pass:
 * its first or last literal piece (an entry of the prefix or suffix set) or a
 * gram of its pieces that few of f's other wildcards share. Equal patterns
 * share one glob; for each, uses[clause] gains the number of others written
 * the same. Only wildcards with no usable literal stay in f->wild. Runs
 * before affixset_build. 0, or -1 when out of memory. */
int wildcards_gate(struct arena *a, struct field *f, uint32_t *uses);
/* The entry of gram g in f's gram gates, or NULL. */
const struct gram *gram_find(const struct field *f, uint32_t g);

/* ---- the value memo (memo.c) ---- */

#define MEMO_BYTES   160         /* longer values are not remembered */
#define MEMO_EFFECTS 7           /* nor ones that do more */
#define MEMO_CLAUSE  0x80000000u /* an effect that is a clause, not a key */
#define MEMO_NONE    0xff        /* n of a value that did more: not replayed */
#define MEMO_SETS    512         /* two entries each */

/* A string value at a node and what it did there. */
struct memo_entry {
	uint32_t node;
	uint16_t len;
	uint8_t n;                  /* effects, or MEMO_NONE */
	uint32_t eff[MEMO_EFFECTS]; /* keys it has (vids) and clauses it satisfied */
	char bytes[MEMO_BYTES];
};

struct memo {
	struct memo_entry *e; /* owned; 2 * (mask + 1), two ways a set */
	uint64_t *tag;        /* owned; e[i]'s hash of node and bytes, 0 when empty */
	uint8_t *older;       /* owned; per set: its first way was used less lately */
	uint32_t mask;
};

int memo_init(struct memo *c, uint32_t sets); /* sets: a power of two */
void memo_free(struct memo *c);
uint64_t memo_hash(uint32_t node, const char *s, size_t len); /* never 0 */
/* The entry of exactly these bytes at node, or NULL. */
struct memo_entry *memo_find(struct memo *c, uint64_t h, uint32_t node, const char *s, size_t len);
/* An entry for them, in place of the one of their set used less lately,
 * with no effects yet. len <= MEMO_BYTES. */
struct memo_entry *memo_claim(struct memo *c, uint64_t h, uint32_t node, const char *s, size_t len);

/* ---- the value index (vindex.c) ---- */

/* Finds or adds key (node, tag, bytes), counting one more use; *vid is its
 * id. 0, or -1 when out of memory. */
int vindex_insert(
    struct ruleset *rs, uint32_t node, uint32_t tag, const char *key, size_t len, uint32_t *vid);
/* Once every key is in: gives each node the slots of its own keys, marks
 * the keys with postings, and drops the table of all of them. 0, or -1 when
 * out of memory. */
int vindex_split(struct ruleset *rs);

static inline uint64_t
vindex_seed(uint32_t node, uint32_t tag)
{
	return (((uint64_t)node << 8) | tag) * 0x9e3779b97f4a7c15ull;
}

/* The hash of key (node, tag, bytes) from its mh_words. */
static inline uint64_t
vindex_hash(uint32_t node, uint32_t tag, uint64_t w0, uint64_t w1, size_t len)
{
	return mh_mix(w0 ^ MH_K0 ^ vindex_seed(node, tag), w1 ^ MH_K1 ^ ((uint64_t)len << 32));
}

/* The vid of (node, tag, key), or UINT32_MAX. The node's own slots stay in
 * cache when it has few keys, and its bloom lets most values that are none
 * of its keys leave without a probe. */
static inline uint32_t
vindex_find(
    const struct ruleset *rs, const struct match_node *n, uint32_t tag, const char *key, size_t len)
{
	uint64_t w0, w1, h;
	uint32_t i;

	mh_words(key, len, &w0, &w1);
	h = vindex_hash(n->id, tag, w0, w1, len);
	if ((n->vbloom & (1ull << (h >> 58))) == 0)
		return UINT32_MAX;
	for (i = (uint32_t)h & n->vmask; n->kslots[i].tagvid != 0; i = (i + 1) & n->vmask) {
		const struct kslot *k = &n->kslots[i];
		uint32_t vid = (k->tagvid & (KSLOT_VIDS - 1)) - 1;
		if (k->w0 == w0 && k->w1 == w1 && k->len == len && k->tagvid >> 24 == tag &&
		    (len <= MH_SHORT || mh_same_middle(key, rs->vents[vid].key, len)))
			return vid;
	}
	return UINT32_MAX;
}

#endif
