/*
 * Grouping rows into clients, episodes and interventions.
 *
 * Rows arrive ordered by AGNCY, CLIENTID; all rows of one such pair (a
 * "group") are kept in an arena until the pair changes, then written and
 * the arena reset, so memory follows the largest client, not the input.
 *
 * The extract converts but never judges: rows of one AGNCY+CLIENTID that
 * disagree on a client item become separate adjacent <client> elements,
 * and rows sharing an EPISODID that disagree on an episode item become
 * separate <episode> elements, so that the validator sees the conflict
 * (R121, R122) instead of a silent choice of one value.  Variants are
 * found by sorting rather than hashing: a group is usually a few rows,
 * and sorting keeps a pathological one (every row of a file under one
 * empty CLIENTID) at n log n.
 */
#include <stdlib.h>
#include <string.h>

#include "ndx/arena.h"
#include "ndx/diag.h"
#include "ndx/model.h"
#include "ndx/ndx.h"

#include "extract.h"

/* A row of the current group, its strings in the arena. */
struct grow {
	long line;
	uint64_t raw;
	const char *v[NDX_NITEMS];
	size_t seq;		/* arrival order within the group */
	size_t cv;		/* seq of the first row of its client variant */
	size_t ev;		/* seq of the first row of its episode variant */
	int keep;		/* its episode is in the period */
};

struct group {
	const struct ndx_period *period;	/* NULL: every episode */
	int (*emit)(void *, const struct ndx_client *, struct ndx_error *);
	void *arg;
	struct extract_counts *counts;
	struct ndx_arena *arena;
	struct grow *row;	/* the group's rows, reused between groups */
	size_t nrow, rowcap;
	struct grow **p;	/* the same, for sorting; rowcap long */
};

struct group *
group_new(const struct ndx_period *period,
    int (*emit)(void *, const struct ndx_client *, struct ndx_error *),
    void *arg, struct extract_counts *counts)
{
	struct group *g = xcalloc(1, sizeof(*g));

	g->period = period;
	g->emit = emit;
	g->arg = arg;
	g->counts = counts;
	g->arena = arena_new();
	return g;
}

void
group_free(struct group *g)
{
	if (g == NULL)
		return;
	arena_free(g->arena);
	free(g->row);
	free(g->p);
	free(g);
}

static int
str_cmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* Compares items [first, last) of two rows, the raw bit included. */
static int
items_cmp(const struct grow *a, const struct grow *b, int first, int last)
{
	int c;

	for (int i = first; i < last; i++) {
		if ((c = str_cmp(a->v[i], b->v[i])) != 0)
			return c;
		if ((c = (int)(a->raw >> i & 1) - (int)(b->raw >> i & 1)) != 0)
			return c;
	}
	return 0;
}

static int
size_cmp(size_t a, size_t b)
{
	return (a > b) - (a < b);
}

/* By EPISODID, then arrival. */
static int
by_episodid(const void *pa, const void *pb)
{
	const struct grow *a = *(struct grow *const *)pa;
	const struct grow *b = *(struct grow *const *)pb;
	int c = str_cmp(a->v[NDX_EPISODID], b->v[NDX_EPISODID]);

	return c ? c : size_cmp(a->seq, b->seq);
}

/* By client items, then arrival. */
static int
by_client(const void *pa, const void *pb)
{
	const struct grow *a = *(struct grow *const *)pa;
	const struct grow *b = *(struct grow *const *)pb;
	int c = items_cmp(a, b, NDX_CLIENT_FIRST, NDX_EPISODE_FIRST);

	return c ? c : size_cmp(a->seq, b->seq);
}

/* By client variant, episode items, then arrival. */
static int
by_episode(const void *pa, const void *pb)
{
	const struct grow *a = *(struct grow *const *)pa;
	const struct grow *b = *(struct grow *const *)pb;
	int c = size_cmp(a->cv, b->cv);

	if (c == 0)
		c = items_cmp(a, b, NDX_EPISODE_FIRST, NDX_INTERVENTION_FIRST);
	return c ? c : size_cmp(a->seq, b->seq);
}

/* The order of the XML: client variant, EPISODID, episode variant, row. */
static int
by_output(const void *pa, const void *pb)
{
	const struct grow *a = *(struct grow *const *)pa;
	const struct grow *b = *(struct grow *const *)pb;
	int c = size_cmp(a->cv, b->cv);

	if (c == 0)
		c = str_cmp(a->v[NDX_EPISODID], b->v[NDX_EPISODID]);
	if (c == 0)
		c = size_cmp(a->ev, b->ev);
	return c ? c : size_cmp(a->seq, b->seq);
}

/*
 * Whether this row puts its episode in the period.  A REFLD or DISD that
 * cannot be read as a date (absent REFLD included) takes the episode, so
 * the validator gets to report it rather than the extract dropping it.
 */
static int
row_in_period(const struct ndx_period *p, const struct grow *r)
{
	const char *refld = r->v[NDX_REFLD], *disd = r->v[NDX_DISD];
	ndx_day rd, dd;

	if (refld == NULL || (r->raw >> NDX_REFLD & 1) ||
	    ndx_date_parse_iso(refld, &rd) != NDX_DATE_OK)
		return 1;
	if (disd == NULL)
		return ndx_period_has_episode(p, rd, 0, 0);
	if ((r->raw >> NDX_DISD & 1) ||
	    ndx_date_parse_iso(disd, &dd) != NDX_DATE_OK)
		return 1;
	return ndx_period_has_episode(p, rd, 1, dd);
}

/*
 * Marks the rows of the episodes in the period, counts episodes, and
 * leaves those rows in g->p in arrival order; returns how many.
 */
static size_t
select_rows(struct group *g)
{
	size_t i, j, k, n = 0;
	int take;

	for (i = 0; i < g->nrow; i++)
		g->p[i] = &g->row[i];
	qsort(g->p, g->nrow, sizeof(*g->p), by_episodid);
	for (i = 0; i < g->nrow; i = j) {
		take = g->period == NULL;
		for (j = i; j < g->nrow && str_cmp(g->p[i]->v[NDX_EPISODID],
		    g->p[j]->v[NDX_EPISODID]) == 0; j++)
			take = take || row_in_period(g->period, g->p[j]);
		if (!take) {
			g->counts->episodes_outside++;
			continue;
		}
		g->counts->episodes_written++;
		for (k = i; k < j; k++)
			g->p[k]->keep = 1;
	}
	for (i = 0; i < g->nrow; i++)
		if (g->row[i].keep)
			g->p[n++] = &g->row[i];
	return n;
}

/* Sets each row's cv to the first row with the same client items. */
static void
find_client_variants(struct grow **p, size_t n)
{
	qsort(p, n, sizeof(*p), by_client);
	for (size_t i = 0, first = 0; i < n; i++) {
		if (items_cmp(p[i], p[first], NDX_CLIENT_FIRST,
		    NDX_EPISODE_FIRST) != 0)
			first = i;
		p[i]->cv = p[first]->seq;
	}
}

/* Sets ev to the first row of the client variant with the same episode. */
static void
find_episode_variants(struct grow **p, size_t n)
{
	qsort(p, n, sizeof(*p), by_episode);
	for (size_t i = 0, first = 0; i < n; i++) {
		if (p[i]->cv != p[first]->cv || items_cmp(p[i], p[first],
		    NDX_EPISODE_FIRST, NDX_INTERVENTION_FIRST) != 0)
			first = i;
		p[i]->ev = p[first]->seq;
	}
}

static void
set_items(struct group *g, struct ndx_client *c, struct ndx_episode *e,
    struct ndx_intervention *iv, const struct grow *r, int first, int last)
{
	for (int i = first; i < last; i++)
		if (r->v[i] != NULL)
			ndx_row_set(g->arena, c, e, iv, i, r->v[i],
			    (int)(r->raw >> i & 1));
}

/* Builds each client variant of the n kept rows and hands it to emit. */
static int
write_clients(struct group *g, size_t n, struct ndx_error *err)
{
	struct ndx_client *c = NULL;
	struct ndx_episode *e = NULL;
	struct ndx_intervention *iv;
	const struct grow *r, *prev = NULL;

	qsort(g->p, n, sizeof(*g->p), by_output);
	for (size_t i = 0; i < n; prev = r, i++) {
		r = g->p[i];
		if (c == NULL || r->cv != prev->cv) {
			if (c != NULL && g->emit(g->arg, c, err) != 0)
				return -1;
			c = arena_alloc(g->arena, sizeof(*c));
			memset(c, 0, sizeof(*c));
			set_items(g, c, NULL, NULL, r, NDX_CLIENT_FIRST,
			    NDX_EPISODE_FIRST);
			e = NULL;
		}
		if (e == NULL || r->ev != prev->ev) {
			e = ndx_client_add_episode(g->arena, c);
			set_items(g, c, e, NULL, r, NDX_EPISODE_FIRST,
			    NDX_INTERVENTION_FIRST);
		}
		iv = ndx_episode_add_intervention(g->arena, e);
		iv->line = r->line;
		set_items(g, c, e, iv, r, NDX_INTERVENTION_FIRST, NDX_NITEMS);
	}
	return c != NULL ? g->emit(g->arg, c, err) : 0;
}

/* Writes the current group and forgets it. */
static int
flush(struct group *g, struct ndx_error *err)
{
	size_t n;
	int rc = 0;

	if (g->nrow == 0)
		return 0;
	if ((n = select_rows(g)) > 0) {
		g->counts->clients_written++;
		g->counts->rows_written += n;
		find_client_variants(g->p, n);
		find_episode_variants(g->p, n);
		rc = write_clients(g, n, err);
	}
	g->nrow = 0;
	arena_reset(g->arena);
	return rc;
}

int
group_row(struct group *g, const struct extract_row *row,
    struct ndx_error *err)
{
	struct grow *r;
	int c;

	if (g->nrow > 0) {
		c = str_cmp(row->v[NDX_AGNCY], g->row[0].v[NDX_AGNCY]);
		if (c == 0)
			c = str_cmp(row->v[NDX_CLIENTID],
			    g->row[0].v[NDX_CLIENTID]);
		if (c < 0) {
			ndx_error_set(err, NDX_EX_SOFTWARE, "", 0,
			    "rows reached the grouper out of AGNCY, CLIENTID "
			    "order (source line %ld)", row->line);
			return -1;
		}
		if (c > 0 && flush(g, err) != 0)
			return -1;
	}
	if (g->nrow == g->rowcap) {
		g->rowcap = g->rowcap ? g->rowcap * 2 : 64;
		g->row = xreallocarray(g->row, g->rowcap, sizeof(*g->row));
		g->p = xreallocarray(g->p, g->rowcap, sizeof(*g->p));
	}
	r = &g->row[g->nrow];
	memset(r, 0, sizeof(*r));
	r->line = row->line;
	r->raw = row->raw;
	r->seq = g->nrow++;
	for (int i = 0; i < NDX_NITEMS; i++)
		if (row->v[i] != NULL && *row->v[i] != '\0')
			r->v[i] = arena_strdup(g->arena, row->v[i]);
	return 0;
}

int
group_end(struct group *g, struct ndx_error *err)
{
	return flush(g, err);
}
