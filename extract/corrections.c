/*
 * --corrections FILE: the episodes a data officer sends again.
 *
 * Every row of the file goes into the sort, and its episode's key (AGNCY
 * and EPISODID, as tidied) into a set; then every source row of an
 * episode in the set is dropped, so the file's rows replace the source's
 * whole, and an episode the source lacks is added.  The set holds the
 * file's episodes, never the source's: memory grows with the corrections,
 * not with the case-management system.  Keys are kept whole (strmap.h):
 * a collision would drop an episode nobody corrected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/diag.h"
#include "ndx/ndx.h"
#include "ndx/strmap.h"

#include "extract.h"

/* A set entry's value: whether a source row had the episode. */
static char in_source;

struct corrections {
	const char *name;	/* the file, for messages */
	struct ndx_strmap *set;
	unsigned long long rows_dropped;
	char *key;		/* the row's key, grown as needed */
	size_t keycap;
};

struct corrections *
corrections_new(const char *name)
{
	struct corrections *c = xcalloc(1, sizeof(*c));

	c->name = name;
	c->set = ndx_strmap_new();
	return c;
}

void
corrections_free(struct corrections *c)
{
	if (c == NULL)
		return;
	ndx_strmap_free(c->set);
	free(c->key);
	free(c);
}

/* AGNCY, US (0x1f), EPISODID: no two pairs give one key. */
static const char *
key_of(struct corrections *c, const char *agncy, const char *episodid)
{
	size_t n = strlen(agncy) + strlen(episodid) + 2;

	if (n > c->keycap) {
		c->keycap = n;
		c->key = xrealloc(c->key, n);
	}
	snprintf(c->key, n, "%s\x1f%s", agncy, episodid);
	return c->key;
}

int
corrections_collect(void *arg, const struct extract_row *row,
    struct ndx_error *err)
{
	struct corrections *c = arg;
	const char *agncy = row->v[NDX_AGNCY], *episodid = row->v[NDX_EPISODID];

	if (agncy == NULL || episodid == NULL) {
		ndx_error_set(err, NDX_EX_DATAERR, c->name, row->line,
		    "a correction needs AGNCY and EPISODID: they say which "
		    "episode it replaces");
		return -1;
	}
	ndx_strmap_put(c->set, key_of(c, agncy, episodid));
	return 1;
}

int
corrections_drop(void *arg, const struct extract_row *row,
    struct ndx_error *err)
{
	struct corrections *c = arg;
	const char *agncy = row->v[NDX_AGNCY], *episodid = row->v[NDX_EPISODID];
	void **seen;

	(void)err;
	if (agncy == NULL || episodid == NULL ||
	    (seen = ndx_strmap_get(c->set, key_of(c, agncy, episodid))) ==
	    NULL)
		return 1;
	*seen = &in_source;
	c->rows_dropped++;
	return 0;
}

void
corrections_counts(const struct corrections *c, unsigned long long *replaced,
    unsigned long long *added, unsigned long long *rows_dropped)
{
	const char *key;
	void *seen;
	size_t it = 0;

	*replaced = *added = 0;
	while (ndx_strmap_next(c->set, &it, &key, &seen))
		++*(seen != NULL ? replaced : added);
	*rows_dropped = c->rows_dropped;
}
