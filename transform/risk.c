/*
 * Disclosure risk: k over the quasi-identifiers, and the generalisation
 * of exchange.md §8.  A few tables of interned keys, open addressing:
 * values (strings) and value tuples are interned once, so a person costs
 * one table slot and one small record however many rows they have, and
 * two tuples are equal exactly when their pointers are.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/arena.h"
#include "ndx/dataset.h"
#include "ndx/diag.h"
#include "risk.h"

/* 24 bytes: at a million persons the slots are most of the memory. */
struct slot {
	const void *key;	/* NULL: empty; else in an arena */
	uint32_t len;
	uint32_t hash;
	union {
		void *val;	/* persons: the struct person */
		long n;		/* counts: persons with this Q */
	} u;
};

struct table {
	struct slot *s;
	size_t cap;		/* a power of two, or 0 */
	size_t used;
	int aligned;		/* keys are arrays of pointers, not strings */
};

struct person {
	const char *const *row;	/* interned tuple of RISK_NVALUES values */
	const char *triaged;	/* interned; "" when the row has none */
	char *episode;		/* PSEUDO_EPISODE, in the arena */
	uint32_t episode_cap;	/* its room, so a later row reuses it */
	unsigned char suppressed;
};

struct risk {
	const struct ndx_dataset *ds;
	struct ndx_arena *arena;	/* keys, values, tuples, persons */
	struct ndx_arena *scratch;	/* one count's keys */
	struct table values;		/* string -> itself, interned */
	struct table tuples;		/* RISK_NVALUES pointers -> tuple */
	struct table persons;		/* PSEUDO_CLIENT -> struct person */
	const char *blank;		/* the interned "" */
};

/* FNV-1a. */
static uint32_t
hash_of(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 16777619u;
	}
	return h;
}

static void
table_grow(struct table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	struct slot *s = xcalloc(cap, sizeof(*s));

	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (t->s[i].key == NULL)
			continue;
		for (j = t->s[i].hash & (cap - 1); s[j].key != NULL;
		    j = (j + 1) & (cap - 1))
			;
		s[j] = t->s[i];
	}
	free(t->s);
	t->s = s;
	t->cap = cap;
}

/*
 * The slot of key (len bytes), made with a copy of key in arena when it is
 * not there yet (*made set).  The table stays at most half full, so a
 * probe is short.
 */
static struct slot *
table_get(struct table *t, struct ndx_arena *arena, const void *key,
    size_t len, int *made)
{
	uint32_t h = hash_of(key, len);
	struct slot *s;
	size_t j;
	void *copy;

	if ((t->used + 1) * 2 > t->cap)
		table_grow(t);
	for (j = h & (t->cap - 1); (s = &t->s[j])->key != NULL;
	    j = (j + 1) & (t->cap - 1))
		if (s->hash == h && s->len == len &&
		    memcmp(s->key, key, len) == 0) {
			*made = 0;
			return s;
		}
	/* Strings packed: 33 bytes of a pseudonym are not rounded to 48. */
	if (t->aligned) {
		copy = arena_alloc(arena, len);
		memcpy(copy, key, len);
	} else
		copy = arena_strndup(arena, key, len);
	s->key = copy;
	s->len = (uint32_t)len;
	s->hash = h;
	s->u.n = 0;
	t->used++;
	*made = 1;
	return s;
}

/* The slot of key, or NULL; never changes the table. */
static const struct slot *
table_find(const struct table *t, const void *key, size_t len)
{
	uint32_t h;
	size_t j;

	if (t->cap == 0)
		return NULL;
	h = hash_of(key, len);
	for (j = h & (t->cap - 1); t->s[j].key != NULL;
	    j = (j + 1) & (t->cap - 1))
		if (t->s[j].hash == h && t->s[j].len == len &&
		    memcmp(t->s[j].key, key, len) == 0)
			return &t->s[j];
	return NULL;
}

static void
table_clear(struct table *t)
{
	free(t->s);
	t->s = NULL;
	t->cap = t->used = 0;
}

/* The interned copy of v; NULL is blank. */
static const char *
intern(struct risk *r, const char *v)
{
	struct slot *s;
	int made;

	if (v == NULL)
		v = "";
	s = table_get(&r->values, r->arena, v, strlen(v), &made);
	return s->key;
}

static const char *const *
intern_tuple(struct risk *r, const char *const v[RISK_NVALUES])
{
	const char *key[RISK_NVALUES];
	struct slot *s;
	int made;

	for (size_t i = 0; i < RISK_NVALUES; i++)
		key[i] = intern(r, v[i]);
	s = table_get(&r->tuples, r->arena, key, sizeof(key), &made);
	return s->key;
}

struct risk *
risk_new(const struct ndx_dataset *ds)
{
	struct risk *r = xcalloc(1, sizeof(*r));

	r->ds = ds;
	r->arena = arena_new();
	r->tuples.aligned = 1;
	r->scratch = arena_new();
	r->blank = intern(r, "");
	return r;
}

/* A later, better row's episode reuses the room of the earlier one
 * (ndx's are all 32 digits), so the arena grows per person, not per row. */
static void
set_episode(struct risk *r, struct person *p, const char *e)
{
	size_t n = strlen(e);

	if (p->episode == NULL || n >= p->episode_cap) {
		p->episode = arena_strndup(r->arena, e, n);
		p->episode_cap = (uint32_t)(n + 1);
	}
	memcpy(p->episode, e, n + 1);
}

void
risk_free(struct risk *r)
{
	if (r == NULL)
		return;
	table_clear(&r->values);
	table_clear(&r->tuples);
	table_clear(&r->persons);
	arena_free(r->arena);
	arena_free(r->scratch);
	free(r);
}

int
risk_row_before(const char *a, const char *ea, const char *b,
    const char *eb)
{
	int c;

	a = a != NULL ? a : "";
	b = b != NULL ? b : "";
	/* A row with a date comes before a row without one. */
	if ((*a == '\0') != (*b == '\0'))
		return *a != '\0';
	if ((c = strcmp(a, b)) != 0)
		return c < 0;
	return strcmp(ea != NULL ? ea : "", eb != NULL ? eb : "") < 0;
}

void
risk_row(struct risk *r, const char *pseudo_client, const char *triaged,
    const char *pseudo_episode, const char *const v[RISK_NVALUES])
{
	struct person *p;
	struct slot *s;
	int made;

	if (pseudo_episode == NULL)
		pseudo_episode = "";
	s = table_get(&r->persons, r->arena, pseudo_client,
	    strlen(pseudo_client), &made);
	if (made) {
		p = arena_alloc(r->arena, sizeof(*p));
		memset(p, 0, sizeof(*p));
		s->u.val = p;
	} else {
		p = s->u.val;
		if (!risk_row_before(triaged, pseudo_episode, p->triaged,
		    p->episode))
			return;
	}
	p->triaged = intern(r, triaged);
	set_episode(r, p, pseudo_episode);
	p->row = intern_tuple(r, v);
}

const char *
risk_broad_ethnic(const struct ndx_dataset *ds, const char *code)
{
	const char *group;

	if (code == NULL)
		return NULL;
	group = ndx_dataset_code_prop(ds, NDX_ETHNIC, code, "group");
	return group != NULL ? group : code;
}

/* Which Q a count is over. */
enum q_kind {
	Q_RAW,		/* AGE_AT_TRIAGE, SEX, ETHNIC, LA, PC_DISTRICT */
	Q_GENERAL,	/* AGE_BAND, SEX, broad ETHNIC, LA */
	Q_PUBLISHED	/* Q_GENERAL as published: blanks if suppressed */
};

#define Q_MAX 5

/* Person p's Q of kind q in key (interned values); their number. */
static size_t
q_of(struct risk *r, const struct person *p, enum q_kind q,
    const char *key[Q_MAX])
{
	const char *const *v = p->row;

	switch (q) {
	case Q_RAW:
		key[0] = v[RISK_AGE_AT_TRIAGE];
		key[1] = v[RISK_SEX];
		key[2] = v[RISK_ETHNIC];
		key[3] = v[RISK_LA];
		key[4] = v[RISK_PC_DISTRICT];
		return 5;
	case Q_GENERAL:
	case Q_PUBLISHED:
		break;
	}
	key[0] = v[RISK_AGE_BAND];
	key[1] = v[RISK_SEX];
	/* Interned again: a broad code equal to a stray raw value is one
	 * value. */
	key[2] = intern(r, risk_broad_ethnic(r->ds, v[RISK_ETHNIC]));
	key[3] = v[RISK_LA];
	if (q == Q_PUBLISHED && p->suppressed)
		key[0] = key[2] = r->blank;
	return 4;
}

/*
 * Counts persons per Q of kind q, then gives the figures; with min_k > 0,
 * marks as suppressed each person whose k is below it.
 */
static void
count(struct risk *r, enum q_kind q, long min_k, struct risk_figures *f)
{
	struct table t = { NULL, 0, 0, 1 };
	const char *key[Q_MAX];
	struct slot *s;
	size_t n;
	int made;

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < r->persons.cap; i++) {
		if (r->persons.s[i].key == NULL)
			continue;
		n = q_of(r, r->persons.s[i].u.val, q, key);
		s = table_get(&t, r->scratch, key, n * sizeof(key[0]), &made);
		s->u.n++;
	}
	for (size_t i = 0; i < r->persons.cap; i++) {
		struct person *p = r->persons.s[i].u.val;
		long k;

		if (r->persons.s[i].key == NULL)
			continue;
		n = q_of(r, p, q, key);
		k = table_find(&t, key, n * sizeof(key[0]))->u.n;
		if (f->persons++ == 0 || k < f->k_min)
			f->k_min = k;
		if (k < 5)
			f->below_5++;
		if (min_k > 0)
			p->suppressed = k < min_k;
	}
	table_clear(&t);
	arena_reset(r->scratch);
}

void
risk_measure(struct risk *r, long min_k, struct risk_result *res)
{
	struct risk_figures general;

	memset(res, 0, sizeof(*res));
	count(r, Q_RAW, 0, &res->before);
	if (min_k <= 0)
		return;
	res->min_k = min_k;
	count(r, Q_GENERAL, min_k, &general);
	for (size_t i = 0; i < r->persons.cap; i++)
		if (r->persons.s[i].key != NULL &&
		    ((struct person *)r->persons.s[i].u.val)->suppressed)
			res->suppressed++;
	count(r, Q_PUBLISHED, 0, &res->after);
}

int
risk_suppressed(const struct risk *r, const char *pseudo_client)
{
	const struct slot *s;

	if (pseudo_client == NULL)
		return 0;
	s = table_find(&r->persons, pseudo_client, strlen(pseudo_client));
	return s != NULL && ((const struct person *)s->u.val)->suppressed;
}

int
risk_format(const struct risk_result *res, char *buf, size_t size)
{
	if (res->min_k <= 0)
		return snprintf(buf, size, "persons=%ld k_min=%ld below_5=%ld",
		    res->before.persons, res->before.k_min,
		    res->before.below_5);
	return snprintf(buf, size, "persons=%ld k_min=%ld below_5=%ld "
	    "min_k=%ld after_k_min=%ld after_below_5=%ld suppressed=%ld",
	    res->before.persons, res->before.k_min, res->before.below_5,
	    res->min_k, res->after.k_min, res->after.below_5,
	    res->suppressed);
}
