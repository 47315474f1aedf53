/*
 * Grouping rows into clients, episodes and interventions.
 *
 * Rows arrive ordered by AGNCY, CLIENTID (a "group"), then EPISODID (a
 * "run"), then line, or from a database MODID and content (sort.c).  The
 * extract converts but never judges: rows of one AGNCY+CLIENTID that
 * disagree on a client item become separate adjacent <client> elements
 * (client variants), and rows sharing an EPISODID that disagree on an
 * episode item become separate <episode> elements, so that the validator
 * sees the conflict (R121, R122) instead of a silent choice of one value.
 *
 * The XML orders the client variants by their first row, each one's
 * episodes by EPISODID and then by first row, and their interventions by
 * row.  Runs come in EPISODID order and a run's rows in row order, so a
 * row goes straight into its place: what the group holds is its output
 * (the writer takes a whole <client>), one ndx_intervention a row, not
 * the rows.  An episode belongs to the period when any of its rows does,
 * which is known at the end of its run; a run outside the period is taken
 * back out by rewinding the arena to where the run began.  Variants are
 * found by hashing, so a pathological group (every row of a file under
 * one CLIENTID, each with its own DOB) stays linear.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/arena.h"
#include "ndx/diag.h"
#include "ndx/epxml.h"
#include "ndx/model.h"
#include "ndx/ndx.h"

#include "extract.h"

/* Values remembered per intervention item, shared by the rows repeating
 * them: dates and codes recur from row to row, MODIDs do not. */
#define RECENT 4

#define HASH_SEED 0xcbf29ce484222325u	/* FNV-1a's offset basis */
#define VTAB_MIN 64
#define VTAB_EMPTY SIZE_MAX
#define VTAB_GONE (SIZE_MAX - 1)

/* A hash table of variants: each slot holds a hash and an index. */
struct vtab {
	struct vslot {
		uint64_t hash;
		size_t idx;	/* VTAB_EMPTY, VTAB_GONE, or the variant */
	} *slot;
	size_t cap;		/* a power of two, or 0 */
	size_t used;		/* slots not empty, removed ones included */
};

/* A client variant: one <client> element of the group. */
struct cvar {
	uint64_t hash;
	struct ndx_client *c;
	long line;		/* its first row in the period (line, then */
	size_t seq;		/* arrival): the order of the <client>s */
	unsigned long run;	/* the last run with a row of it */
	size_t run_nep;		/* c->nep before that run */
	long run_line;		/* its first row in that run */
	size_t run_seq;
};

/* An episode variant of the current run: c->ep[ep] of client variant cv. */
struct evar {
	uint64_t hash;
	size_t cv, ep;
};

struct group {
	const struct ndx_period *period;	/* NULL: every episode */
	int (*emit)(void *, struct ndx_client *, struct ndx_error *);
	void *arg;
	struct extract_counts *counts;
	struct ndx_arena *arena;	/* the group's elements and values */
	struct ndx_arena *spare;	/* the next part's (emit_part) */
	int parted;		/* cv[0] has gone out in part (emit_part) */

	int open;		/* a group is under way */
	const char *agncy, *clientid;	/* its key */
	size_t seq;		/* its rows so far */
	unsigned long long kept;	/* its rows in the period */
	struct cvar *cv;
	size_t ncv, cvcap;
	struct vtab cvtab;
	size_t last_cv;		/* the previous row's, tried first */

	/* The current run. */
	unsigned long run;	/* runs so far */
	const char *episodid;
	int take;		/* its episode is in the period */
	unsigned long long run_rows;
	struct ndx_arena_mark mark;	/* the arena before it */
	size_t run_ncv;		/* client variants before it */
	size_t *touched;	/* client variants with rows in it */
	size_t ntouched, touchedcap;
	struct evar *ev;
	size_t nev, evcap;
	struct vtab evtab;
	size_t last_ev;

	const char *recent[NDX_NITEMS - NDX_INTERVENTION_FIRST][RECENT];
	unsigned nextrecent[NDX_NITEMS - NDX_INTERVENTION_FIRST];
};

struct group *
group_new(const struct ndx_period *period,
    int (*emit)(void *, struct ndx_client *, struct ndx_error *),
    void *arg, struct extract_counts *counts)
{
	struct group *g = xcalloc(1, sizeof(*g));

	g->period = period;
	g->emit = emit;
	g->arg = arg;
	g->counts = counts;
	g->arena = arena_new();
	g->spare = arena_new();
	return g;
}

void
group_free(struct group *g)
{
	if (g == NULL)
		return;
	arena_free(g->arena);
	arena_free(g->spare);
	free(g->cv);
	free(g->cvtab.slot);
	free(g->touched);
	free(g->ev);
	free(g->evtab.slot);
	free(g);
}

static int
str_cmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int
same_str(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* Whether the source gave item i of row as text that is not a date. */
static int
row_raw(const struct extract_row *row, int i)
{
	return (row->raw & ndx_item_bit((enum ndx_item)i)) != 0;
}

/* Whether items [first, last) of row equal v[] and raw of one level. */
static int
same_items(const struct extract_row *row, const char *const *v, uint64_t raw,
    int first, int last)
{
	for (int i = first; i < last; i++)
		if (!same_str(row->v[i], v[i - first]) ||
		    row_raw(row, i) != (int)(raw >> (i - first) & 1))
			return 0;
	return 1;
}

/* FNV-1a over items [first, last) of row, raw bits included. */
static uint64_t
items_hash(const struct extract_row *row, int first, int last, uint64_t h)
{
	for (int i = first; i < last; i++) {
		const unsigned char *s = (const unsigned char *)row->v[i];

		if (s != NULL)
			for (; *s != '\0'; s++)
				h = (h ^ *s) * 0x100000001b3u;
		h = (h ^ (s == NULL ? 1u : 2u + row_raw(row, i))) *
		    0x100000001b3u;
	}
	return h;
}

static void
vtab_clear(struct vtab *t)
{
	/* A table grown by one large group or run is not kept for all. */
	if (t->cap > VTAB_MIN) {
		free(t->slot);
		t->slot = NULL;
		t->cap = 0;
	}
	for (size_t i = 0; i < t->cap; i++)
		t->slot[i].idx = VTAB_EMPTY;
	t->used = 0;
}

static void vtab_add(struct vtab *, uint64_t, size_t);

static void
vtab_grow(struct vtab *t)
{
	struct vslot *old = t->slot;
	size_t oldcap = t->cap;

	t->cap = t->cap ? t->cap * 2 : VTAB_MIN;
	t->slot = xreallocarray(NULL, t->cap, sizeof(*t->slot));
	for (size_t i = 0; i < t->cap; i++)
		t->slot[i].idx = VTAB_EMPTY;
	t->used = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].idx != VTAB_EMPTY && old[i].idx != VTAB_GONE)
			vtab_add(t, old[i].hash, old[i].idx);
	free(old);
}

static void
vtab_add(struct vtab *t, uint64_t hash, size_t idx)
{
	size_t i;

	if (2 * (t->used + 1) > t->cap)
		vtab_grow(t);
	for (i = hash & (t->cap - 1); t->slot[i].idx != VTAB_EMPTY;
	    i = (i + 1) & (t->cap - 1))
		;
	t->slot[i].hash = hash;
	t->slot[i].idx = idx;
	t->used++;
}

/* The variant with this hash for which same(g, idx, row) holds, or
 * VTAB_EMPTY. */
static size_t
vtab_find(struct vtab *t, uint64_t hash,
    int (*same)(const struct group *, size_t, const struct extract_row *),
    const struct group *g, const struct extract_row *row)
{
	if (t->cap == 0)
		return VTAB_EMPTY;
	for (size_t i = hash & (t->cap - 1); t->slot[i].idx != VTAB_EMPTY;
	    i = (i + 1) & (t->cap - 1))
		if (t->slot[i].idx != VTAB_GONE && t->slot[i].hash == hash &&
		    same(g, t->slot[i].idx, row))
			return t->slot[i].idx;
	return VTAB_EMPTY;
}

static void
vtab_remove(struct vtab *t, uint64_t hash, size_t idx)
{
	for (size_t i = hash & (t->cap - 1); t->slot[i].idx != VTAB_EMPTY;
	    i = (i + 1) & (t->cap - 1))
		if (t->slot[i].idx == idx) {
			t->slot[i].idx = VTAB_GONE;
			return;
		}
}

static int
same_client(const struct group *g, size_t k, const struct extract_row *row)
{
	const struct ndx_client *c = g->cv[k].c;

	return same_items(row, c->v, c->raw, NDX_CLIENT_FIRST,
	    NDX_EPISODE_FIRST);
}

/* Episode variant k is row's: g->last_cv is already row's client variant. */
static int
same_episode(const struct group *g, size_t k, const struct extract_row *row)
{
	const struct evar *ev = &g->ev[k];
	const struct ndx_episode *e = &g->cv[ev->cv].c->ep[ev->ep];

	return ev->cv == g->last_cv && same_items(row, e->v, e->raw,
	    NDX_EPISODE_FIRST, NDX_INTERVENTION_FIRST);
}

static void
set_items(struct group *g, struct ndx_client *c, struct ndx_episode *e,
    const struct extract_row *row, int first, int last)
{
	for (int i = first; i < last; i++)
		if (row->v[i] != NULL)
			ndx_row_set(g->arena, c, e, NULL, i, row->v[i],
			    (int)row_raw(row, i));
}

/* The row's client variant, made if new; sets g->last_cv. */
static void
find_client(struct group *g, const struct extract_row *row)
{
	uint64_t h;
	size_t k = g->last_cv;
	struct cvar *cv;

	if (k < g->ncv && same_client(g, k, row))
		return;
	h = items_hash(row, NDX_CLIENT_FIRST, NDX_EPISODE_FIRST, HASH_SEED);
	if ((k = vtab_find(&g->cvtab, h, same_client, g, row)) ==
	    VTAB_EMPTY) {
		if (g->ncv == g->cvcap) {
			g->cvcap = g->cvcap ? g->cvcap * 2 : 4;
			g->cv = xreallocarray(g->cv, g->cvcap, sizeof(*g->cv));
		}
		k = g->ncv++;
		cv = &g->cv[k];
		memset(cv, 0, sizeof(*cv));
		cv->hash = h;
		cv->line = LONG_MAX;
		cv->seq = SIZE_MAX;
		cv->c = arena_alloc(g->arena, sizeof(*cv->c));
		memset(cv->c, 0, sizeof(*cv->c));
		set_items(g, cv->c, NULL, row, NDX_CLIENT_FIRST,
		    NDX_EPISODE_FIRST);
		vtab_add(&g->cvtab, h, k);
	}
	g->last_cv = k;
}

/* The row's episode variant in the current run, made if new. */
static struct ndx_episode *
find_episode(struct group *g, const struct extract_row *row)
{
	struct ndx_client *c = g->cv[g->last_cv].c;
	uint64_t h;
	size_t k = g->last_ev;
	struct evar *ev;

	if (k < g->nev && same_episode(g, k, row))
		return &c->ep[g->ev[k].ep];
	h = items_hash(row, NDX_EPISODE_FIRST, NDX_INTERVENTION_FIRST,
	    g->cv[g->last_cv].hash);
	if ((k = vtab_find(&g->evtab, h, same_episode, g, row)) ==
	    VTAB_EMPTY) {
		if (g->nev == g->evcap) {
			g->evcap = g->evcap ? g->evcap * 2 : 4;
			g->ev = xreallocarray(g->ev, g->evcap, sizeof(*g->ev));
		}
		k = g->nev++;
		ev = &g->ev[k];
		ev->hash = h;
		ev->cv = g->last_cv;
		ev->ep = c->nep;
		set_items(g, c, ndx_client_add_episode(g->arena, c), row,
		    NDX_EPISODE_FIRST, NDX_INTERVENTION_FIRST);
		vtab_add(&g->evtab, h, k);
	}
	g->last_ev = k;
	return &c->ep[g->ev[k].ep];
}

/* The arena's copy of intervention item i's value s. */
static const char *
recent_value(struct group *g, int i, const char *s)
{
	const char **r = g->recent[i];
	unsigned *next = &g->nextrecent[i];

	for (int k = 0; k < RECENT; k++)
		if (r[k] != NULL && strcmp(r[k], s) == 0)
			return r[k];
	r[*next] = arena_strdup(g->arena, s);
	s = r[*next];
	*next = (*next + 1) % RECENT;
	return s;
}

static void
forget_recent(struct group *g)
{
	memset(g->recent, 0, sizeof(g->recent));
}

/*
 * Whether this row puts its episode in the period.  A REFLD or DISD that
 * cannot be read as a date (absent REFLD included) takes the episode, so
 * the validator gets to report it rather than the extract dropping it.
 */
static int
row_in_period(const struct ndx_period *p, const struct extract_row *r)
{
	const char *refld = r->v[NDX_REFLD], *disd = r->v[NDX_DISD];
	ndx_day rd, dd;

	if (refld == NULL || (r->raw & ndx_item_bit(NDX_REFLD)) ||
	    ndx_date_parse_iso(refld, &rd) != NDX_DATE_OK)
		return 1;
	if (disd == NULL)
		return ndx_period_has_episode(p, rd, 0, 0);
	if ((r->raw & ndx_item_bit(NDX_DISD)) ||
	    ndx_date_parse_iso(disd, &dd) != NDX_DATE_OK)
		return 1;
	return ndx_period_has_episode(p, rd, 1, dd);
}

static void
run_begin(struct group *g, const struct extract_row *row)
{
	g->episodid = row->v[NDX_EPISODID] ?
	    arena_strdup(g->arena, row->v[NDX_EPISODID]) : NULL;
	g->mark = arena_mark(g->arena);
	g->run++;
	g->take = g->period == NULL;
	g->run_rows = 0;
	g->run_ncv = g->ncv;
	g->ntouched = 0;
	g->nev = 0;
	g->last_ev = SIZE_MAX;
}

/* Keeps the run's rows if its episode is in the period, else drops them. */
static void
run_end(struct group *g)
{
	if (g->take) {
		g->counts->episodes_written++;
		g->kept += g->run_rows;
		for (size_t i = 0; i < g->ntouched; i++) {
			struct cvar *cv = &g->cv[g->touched[i]];

			if (cv->run_line < cv->line || (cv->run_line ==
			    cv->line && cv->run_seq < cv->seq)) {
				cv->line = cv->run_line;
				cv->seq = cv->run_seq;
			}
		}
	} else {
		g->counts->episodes_outside++;
		for (size_t i = 0; i < g->ntouched; i++)
			g->cv[g->touched[i]].c->nep =
			    g->cv[g->touched[i]].run_nep;
		while (g->ncv > g->run_ncv) {
			g->ncv--;
			vtab_remove(&g->cvtab, g->cv[g->ncv].hash, g->ncv);
		}
		arena_rewind(g->arena, &g->mark);
		forget_recent(g);
	}
	vtab_clear(&g->evtab);
}

static void
add_row(struct group *g, const struct extract_row *row)
{
	struct cvar *cv;
	struct ndx_episode *e;
	struct ndx_intervention *iv;

	find_client(g, row);
	cv = &g->cv[g->last_cv];
	if (cv->run != g->run) {
		cv->run = g->run;
		cv->run_nep = cv->c->nep;
		cv->run_line = row->line;
		cv->run_seq = g->seq;
		if (g->ntouched == g->touchedcap) {
			g->touchedcap = g->touchedcap ? g->touchedcap * 2 : 4;
			g->touched = xreallocarray(g->touched, g->touchedcap,
			    sizeof(*g->touched));
		}
		g->touched[g->ntouched++] = g->last_cv;
	}
	e = find_episode(g, row);
	iv = ndx_episode_add_intervention(g->arena, e);
	iv->line = row->line;
	iv->trimmed = row->trimmed;
	iv->normalised = row->normalised;
	for (int i = NDX_TOP_FIRST; i < NDX_NITEMS; i++)
		if (row->v[i] != NULL) {
			ndx_row_make_top(g->arena, iv);
			break;
		}
	for (int i = NDX_INTERVENTION_FIRST; i < NDX_NITEMS; i++)
		if (row->v[i] != NULL)
			ndx_row_put(NULL, NULL, iv, i, recent_value(g,
			    i - NDX_INTERVENTION_FIRST, row->v[i]),
			    (int)row_raw(row, i));
	g->take = g->take || row_in_period(g->period, row);
	g->run_rows++;
	g->seq++;
}

static int
by_first_row(const void *pa, const void *pb)
{
	const struct cvar *a = pa, *b = pb;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

/*
 * A client whose rows agree on its items is written a part at a time
 * once it has EPXML_PART_EPISODES episodes (lib/epxml.h), so that one of
 * a million episodes is held a part at a time: the part goes out, and the
 * group goes on in the other arena with the client's items and key alone.
 * Called between runs.  0, or -1 with err set.
 */
static int
emit_part(struct group *g, struct ndx_error *err)
{
	struct ndx_client *c = g->cv[0].c;

	if (g->ncv != 1 || c->nep < EPXML_PART_EPISODES)
		return 0;
	c->part |= NDX_PART_MORE;
	if (g->emit(g->arg, c, err) != 0)
		return -1;
	/* The group's key goes on too, into the arena that goes on. */
	g->agncy = g->agncy ? arena_strdup(g->spare, g->agncy) : NULL;
	g->clientid = g->clientid ? arena_strdup(g->spare, g->clientid) :
	    NULL;
	g->cv[0].c = ndx_client_next_part(c, &g->arena, &g->spare);
	g->parted = 1;
	forget_recent(g);
	return 0;
}

/* Writes the current group and forgets it. */
static int
flush(struct group *g, struct ndx_error *err)
{
	int rc = 0;

	if (!g->open)
		return 0;
	run_end(g);
	if (g->kept > 0) {
		g->counts->clients_written++;
		g->counts->rows_written += g->kept;
	}
	/* A client gone out in part keeps its place: it is open. */
	qsort(g->cv + g->parted, g->ncv - (size_t)g->parted, sizeof(*g->cv),
	    by_first_row);
	for (size_t k = 0; k < g->ncv && rc == 0; k++)
		rc = g->emit(g->arg, g->cv[k].c, err);
	g->open = 0;
	g->parted = 0;
	g->ncv = 0;
	g->seq = 0;
	g->kept = 0;
	g->last_cv = SIZE_MAX;
	vtab_clear(&g->cvtab);
	forget_recent(g);
	arena_reset(g->arena);
	return rc;
}

int
group_row(struct group *g, const struct extract_row *row,
    struct ndx_error *err)
{
	int c = 1;

	if (g->open) {
		c = str_cmp(row->v[NDX_AGNCY], g->agncy);
		if (c == 0)
			c = str_cmp(row->v[NDX_CLIENTID], g->clientid);
		if (c < 0 || (c == 0 &&
		    str_cmp(row->v[NDX_EPISODID], g->episodid) < 0)) {
			ndx_error_set(err, NDX_EX_SOFTWARE, "", 0,
			    "rows reached the grouper out of AGNCY, CLIENTID, "
			    "EPISODID order (source line %ld)", row->line);
			return -1;
		}
		if (c > 0 && flush(g, err) != 0)
			return -1;
	}
	if (c > 0) {
		g->open = 1;
		g->agncy = row->v[NDX_AGNCY] ?
		    arena_strdup(g->arena, row->v[NDX_AGNCY]) : NULL;
		g->clientid = row->v[NDX_CLIENTID] ?
		    arena_strdup(g->arena, row->v[NDX_CLIENTID]) : NULL;
		g->last_cv = SIZE_MAX;
		run_begin(g, row);
	} else if (str_cmp(row->v[NDX_EPISODID], g->episodid) != 0) {
		run_end(g);
		if (emit_part(g, err) != 0)
			return -1;
		run_begin(g, row);
	}
	add_row(g, row);
	return 0;
}

int
group_end(struct group *g, struct ndx_error *err)
{
	return flush(g, err);
}
