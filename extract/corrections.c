/*
 * --corrections FILE: the episodes a data officer sends again.
 *
 * Every row of the file goes into the sort, and its episode's key (AGNCY
 * and EPISODID, as tidied) into a set; then every source row of an
 * episode in the set is dropped, so the file's rows replace the source's
 * whole, and an episode the source lacks is added.  The set holds the
 * file's episodes, never the source's: memory grows with the corrections,
 * not with the case-management system.  Keys are kept whole, not hashed:
 * a collision would drop an episode nobody corrected.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/diag.h"
#include "ndx/ndx.h"

#include "extract.h"

struct key {
	char *s;		/* AGNCY, US (0x1f), EPISODID; NULL: empty */
	uint64_t hash;
	int in_source;		/* a source row had this episode */
};

struct corrections {
	const char *name;	/* the file, for messages */
	struct key *slot;
	size_t cap, used;	/* cap a power of two, at most half full */
	unsigned long long rows_dropped;
};

/* FNV-1a: the keys are the officer's own file, not an attacker's. */
static uint64_t
hash_key(const char *agncy, const char *episodid)
{
	uint64_t h = 14695981039346656037u;

	for (const char *p = agncy; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	h = (h ^ 0x1f) * 1099511628211u;
	for (const char *p = episodid; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	return h;
}

static int
key_is(const struct key *k, const char *agncy, const char *episodid)
{
	size_t n = strlen(agncy);

	return strncmp(k->s, agncy, n) == 0 && k->s[n] == 0x1f &&
	    strcmp(k->s + n + 1, episodid) == 0;
}

/* The slot of the key, or the empty one where it would go. */
static struct key *
find(const struct corrections *c, const char *agncy, const char *episodid,
    uint64_t h)
{
	size_t i = (size_t)h & (c->cap - 1);

	while (c->slot[i].s != NULL && (c->slot[i].hash != h ||
	    !key_is(&c->slot[i], agncy, episodid)))
		i = (i + 1) & (c->cap - 1);
	return &c->slot[i];
}

static void
grow(struct corrections *c)
{
	struct key *old = c->slot;
	size_t oldcap = c->cap;

	c->cap = oldcap ? oldcap * 2 : 64;
	c->slot = xcalloc(c->cap, sizeof(*c->slot));
	for (size_t i = 0; i < oldcap; i++) {
		size_t j;

		if (old[i].s == NULL)
			continue;
		for (j = (size_t)old[i].hash & (c->cap - 1);
		    c->slot[j].s != NULL; j = (j + 1) & (c->cap - 1))
			;
		c->slot[j] = old[i];
	}
	free(old);
}

struct corrections *
corrections_new(const char *name)
{
	struct corrections *c = xcalloc(1, sizeof(*c));

	c->name = name;
	grow(c);
	return c;
}

void
corrections_free(struct corrections *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->cap; i++)
		free(c->slot[i].s);
	free(c->slot);
	free(c);
}

int
corrections_collect(void *arg, const struct extract_row *row,
    struct ndx_error *err)
{
	struct corrections *c = arg;
	const char *agncy = row->v[NDX_AGNCY], *episodid = row->v[NDX_EPISODID];
	struct key *k;
	uint64_t h;

	if (agncy == NULL || episodid == NULL) {
		ndx_error_set(err, NDX_EX_DATAERR, c->name, row->line,
		    "a correction needs AGNCY and EPISODID: they say which "
		    "episode it replaces");
		return -1;
	}
	h = hash_key(agncy, episodid);
	if ((k = find(c, agncy, episodid, h))->s != NULL)
		return 1;
	if (2 * (c->used + 1) > c->cap) {
		grow(c);
		k = find(c, agncy, episodid, h);
	}
	{
		size_t na = strlen(agncy), ne = strlen(episodid);

		k->s = xmalloc(na + ne + 2);
		memcpy(k->s, agncy, na);
		k->s[na] = 0x1f;
		memcpy(k->s + na + 1, episodid, ne + 1);
	}
	k->hash = h;
	c->used++;
	return 1;
}

int
corrections_drop(void *arg, const struct extract_row *row,
    struct ndx_error *err)
{
	struct corrections *c = arg;
	const char *agncy = row->v[NDX_AGNCY], *episodid = row->v[NDX_EPISODID];
	struct key *k;

	(void)err;
	if (agncy == NULL || episodid == NULL)
		return 1;
	if ((k = find(c, agncy, episodid, hash_key(agncy, episodid)))->s ==
	    NULL)
		return 1;
	k->in_source = 1;
	c->rows_dropped++;
	return 0;
}

void
corrections_counts(const struct corrections *c, unsigned long long *replaced,
    unsigned long long *added, unsigned long long *rows_dropped)
{
	*replaced = *added = 0;
	for (size_t i = 0; i < c->cap; i++)
		if (c->slot[i].s != NULL)
			++*(c->slot[i].in_source ? replaced : added);
	*rows_dropped = c->rows_dropped;
}
