/*
 * Month on month: provider/changes.csv, what this run submits against the
 * previous run of the same financial year (issue 13).
 *
 * The previous run is the latest earlier period of the same kind (months
 * with months, quarters with quarters) under the output root whose end
 * falls in the same financial year (1 April to 31 March): its directory
 * exists only when it was complete.  Its provider/valid.xml is read into
 * a map by episode (AGNCY + EPISODID) holding a 32-bit hash of each client
 * and episode item and one of the episode's rows as a set; this run's
 * valid.xml then streams past it.  An episode is:
 *   added    submitted now, not then;
 *   changed  submitted both times with other items (named, values not:
 *            initials, DOB and postcode are among them), "interventions"
 *            when its rows differ;
 *   gone     submitted then, neither submitted nor rejected now;
 *   rejected in this run's rejects, with first_rejected the period it was
 *            first rejected in: the previous changes.csv's, when it was
 *            rejected then too, else this one.
 * Memory is the previous run's episodes at about 200 bytes each, and the
 * changes (sorted before they are written, so a run gives one file).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ndx/arena.h"
#include "ndx/csvrec.h"
#include "ndx/dataset.h"
#include "ndx/diag.h"
#include "ndx/epxml.h"
#include "ndx/model.h"
#include "ndx/ndx.h"
#include "ndx/outfile.h"
#include "ndx/strmap.h"
#include "changes.h"

#define NHASHED (NDX_INTERVENTION_FIRST - NDX_CLIENT_FIRST)

/* An episode as the previous run submitted it. */
struct was {
	char *clientid;
	uint32_t item[NHASHED];
	uint64_t rows;		/* its rows, a sum of hashes: a multiset */
	int seen;		/* submitted or rejected now */
};

enum change { ADDED, CHANGED, GONE, REJECTED };
static const char *const change_names[] = { "added", "changed", "gone",
	"rejected" };

struct row {
	enum change change;
	char *agncy, *clientid, *episodid, *items, *first;
};

struct changes {
	struct ndx_strmap *was;		/* key -> struct was */
	struct ndx_strmap *rejected;	/* key -> first_rejected, or NULL */
	struct ndx_strmap *before;	/* previous changes.csv: key ->
					   first_rejected */
	struct row *row;
	size_t nrow, rowcap;
	const char *label;		/* this run's period */
	char key[512];
};

static uint64_t
fnv64(const char *s, uint64_t h)
{
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return (h ^ 0x1f) * 1099511628211u;
}

#define FNV_BASIS 14695981039346656037u

static const char *
key_of(struct changes *ch, const char *agncy, const char *episodid)
{
	snprintf(ch->key, sizeof(ch->key), "%s\x1f%s", agncy ? agncy : "",
	    episodid ? episodid : "");
	return ch->key;
}

static void
add_row(struct changes *ch, enum change c, const char *agncy,
    const char *clientid, const char *episodid, const char *items,
    const char *first)
{
	struct row *r;

	if (ch->nrow == ch->rowcap) {
		ch->rowcap = ch->rowcap ? 2 * ch->rowcap : 64;
		ch->row = xreallocarray(ch->row, ch->rowcap, sizeof(*ch->row));
	}
	r = &ch->row[ch->nrow++];
	r->change = c;
	r->agncy = xstrdup(agncy ? agncy : "");
	r->clientid = xstrdup(clientid ? clientid : "");
	r->episodid = xstrdup(episodid ? episodid : "");
	r->items = xstrdup(items ? items : "");
	r->first = xstrdup(first ? first : "");
}

/* The hashes of one episode, as struct was holds them. */
static void
digest(const struct ndx_client *c, const struct ndx_episode *e,
    uint32_t item[NHASHED], uint64_t *rows)
{
	for (int i = NDX_CLIENT_FIRST; i < NDX_INTERVENTION_FIRST; i++) {
		const char *v = ndx_row_value(c, e, NULL, (enum ndx_item)i);

		item[i - NDX_CLIENT_FIRST] = v == NULL ? 0 :
		    (uint32_t)(fnv64(v, FNV_BASIS) | 1);
	}
	*rows = 0;
	for (size_t j = 0; j < e->niv; j++) {
		uint64_t h = FNV_BASIS;

		for (int i = NDX_INTERVENTION_FIRST; i < NDX_NITEMS; i++) {
			const char *v = ndx_row_value(c, e, &e->iv[j],
			    (enum ndx_item)i);

			h = fnv64(v != NULL ? v : "", h);
		}
		*rows += h;
	}
}

/* Reads a run's valid episodes, calling fn for each. */
static int
each_episode(const char *path, const struct ndx_dataset *ds,
    void (*fn)(struct changes *, const struct ndx_client *,
    const struct ndx_episode *), struct changes *ch, struct ndx_error *err)
{
	struct epxml_reader *rd = epxml_reader_open(path, ds,
	    EPXML_PARTS, err);
	struct ndx_arena *a = arena_new();
	const struct epxml_problem *probs;
	struct ndx_client *c;
	size_t nprobs;
	int more;

	if (rd == NULL) {
		arena_free(a);
		return -1;
	}
	while ((more = epxml_reader_next(rd, a, &c, &probs, &nprobs,
	    err)) == 1) {
		for (size_t i = 0; i < c->nep; i++)
			fn(ch, c, &c->ep[i]);
		arena_reset(a);
	}
	epxml_reader_close(rd);
	arena_free(a);
	return more < 0 ? -1 : 0;
}

static void
remember(struct changes *ch, const struct ndx_client *c,
    const struct ndx_episode *e)
{
	void **v = ndx_strmap_put(ch->was, key_of(ch, NDX_C(c, NDX_AGNCY),
	    NDX_E(e, NDX_EPISODID)));
	struct was *w;

	if (*v != NULL)		/* one episode, one element in valid.xml */
		return;
	w = xcalloc(1, sizeof(*w));
	w->clientid = xstrdup(NDX_C(c, NDX_CLIENTID) ?
	    NDX_C(c, NDX_CLIENTID) : "");
	digest(c, e, w->item, &w->rows);
	*v = w;
}

static void
compare(struct changes *ch, const struct ndx_client *c,
    const struct ndx_episode *e)
{
	const char *agncy = NDX_C(c, NDX_AGNCY);
	const char *epid = NDX_E(e, NDX_EPISODID);
	void **v = ch->was ? ndx_strmap_get(ch->was, key_of(ch, agncy, epid)) :
	    NULL;
	uint32_t item[NHASHED];
	uint64_t rows;
	struct was *w;
	char items[512];
	size_t n = 0;

	if (v == NULL) {
		add_row(ch, ADDED, agncy, NDX_C(c, NDX_CLIENTID), epid, NULL,
		    NULL);
		return;
	}
	w = *v;
	w->seen = 1;
	digest(c, e, item, &rows);
	items[0] = '\0';
	for (int i = 0; i < NHASHED; i++)
		if (item[i] != w->item[i] && n < sizeof(items))
			n += (size_t)snprintf(items + n, sizeof(items) - n,
			    "%s%s", n ? " " : "",
			    ndx_items[NDX_CLIENT_FIRST + i].code);
	if (rows != w->rows && n < sizeof(items))
		n += (size_t)snprintf(items + n, sizeof(items) - n, "%s%s",
		    n ? " " : "", "interventions");
	if (n > 0)
		add_row(ch, CHANGED, agncy, NDX_C(c, NDX_CLIENTID), epid,
		    items, NULL);
}

/*
 * Each rejected episode once; rows of rejects.csv with their AGNCY,
 * CLIENTID and EPISODID columns found by name.  fn is given each.
 */
static int
each_csv(const char *path, int (*fn)(struct changes *, const char *const *,
    const int *), const char *const *cols, int ncols, struct changes *ch,
    struct ndx_error *err)
{
	FILE *fp = fopen(path, "r");
	struct csvrec_reader *rd;
	const struct csvrec *rec;
	int at[8], rc;

	if (fp == NULL) {
		ndx_error_set(err, NDX_EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(errno));
		return -1;
	}
	rd = csvrec_open(fp, path);
	if ((rc = csvrec_next(rd, &rec, err)) > 0) {
		for (int k = 0; k < ncols; k++) {
			at[k] = -1;
			for (size_t i = 0; i < rec->nfields; i++)
				if (strcmp(rec->field[i], cols[k]) == 0)
					at[k] = (int)i;
			if (at[k] < 0) {
				ndx_error_set(err, NDX_EX_DATAERR, path, 1,
				    "no %s column", cols[k]);
				rc = -1;
			}
		}
		while (rc > 0 && (rc = csvrec_next(rd, &rec, err)) > 0) {
			const char *v[8];

			for (int k = 0; k < ncols; k++)
				v[k] = (size_t)at[k] < rec->nfields ?
				    rec->field[at[k]] : "";
			if (fn(ch, v, at) != 0)
				rc = -1;
		}
	}
	csvrec_close(rd);
	fclose(fp);
	return rc < 0 ? -1 : 0;
}

/* A value of a CSV written for people, as it was before the apostrophe
 * that keeps a spreadsheet from running it. */
static const char *
unneutral(const char *v)
{
	return v[0] == '\'' && strchr("=+-@\t\r", v[1]) != NULL &&
	    v[1] != '\0' ? v + 1 : v;
}

/* A previous changes.csv row: rejected then, since first_rejected. */
static int
before_row(struct changes *ch, const char *const *v, const int *at)
{
	(void)at;
	if (strcmp(v[0], "rejected") == 0)
		*ndx_strmap_put(ch->before, key_of(ch, unneutral(v[1]),
		    unneutral(v[2]))) = xstrdup(v[3]);
	return 0;
}

static int
rejects_row(struct changes *ch, const char *const *v, const int *at)
{
	void **w, **b, **seen;

	(void)at;
	if ((seen = ndx_strmap_get(ch->rejected, key_of(ch, v[0], v[2]))) !=
	    NULL)
		return 0;
	*ndx_strmap_put(ch->rejected, ch->key) = NULL;
	if (ch->was != NULL && (w = ndx_strmap_get(ch->was, ch->key)) != NULL)
		((struct was *)*w)->seen = 1;
	b = ch->before ? ndx_strmap_get(ch->before, ch->key) : NULL;
	add_row(ch, REJECTED, v[0], v[1], v[2], NULL,
	    b != NULL && *b != NULL && **(char **)b != '\0' ? *b : ch->label);
	return 0;
}

/* Financial year of a day: the year of the April it starts in. */
static int
fy_of(ndx_day d)
{
	int y, m, dd;

	ndx_date_to_ymd(d, &y, &m, &dd);
	return m >= 4 ? y : y - 1;
}

/* The previous run's label into since, or "" for none. */
static void
previous(const char *root, const struct ndx_period *p, int quarterly,
    char since[32])
{
	DIR *d = opendir(root);
	struct dirent *de;
	ndx_day best = 0;

	since[0] = '\0';
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct ndx_period q;

		if ((quarterly ? ndx_period_quarter(de->d_name, &q) :
		    ndx_period_month(de->d_name, &q)) != 0 ||
		    strcmp(q.label, de->d_name) != 0 || q.end >= p->end ||
		    fy_of(q.end) != fy_of(p->end) || q.end <= best)
			continue;
		best = q.end;
		memcpy(since, q.label, sizeof(q.label));
	}
	closedir(d);
}

static int
row_order(const void *x, const void *y)
{
	const struct row *a = x, *b = y;
	int c;

	if (a->change != b->change)
		return a->change < b->change ? -1 : 1;
	if ((c = strcmp(a->agncy, b->agncy)) != 0)
		return c;
	if ((c = strcmp(a->episodid, b->episodid)) != 0)
		return c;
	return strcmp(a->clientid, b->clientid);
}

static void
free_map(struct ndx_strmap *m, int was)
{
	const char *key;
	void *v;
	size_t it = 0;

	if (m == NULL)
		return;
	while (ndx_strmap_next(m, &it, &key, &v)) {
		if (was && v != NULL)
			free(((struct was *)v)->clientid);
		free(v);
	}
	ndx_strmap_free(m);
}

int
changes_write(const char *root, const struct ndx_period *period,
    int quarterly, const char *valid_xml, const char *rejects_csv,
    const char *out, struct changes_counts *counts, struct ndx_error *err)
{
	static const char *const rej_cols[] = { "AGNCY", "CLIENTID",
		"EPISODID" };
	static const char *const before_cols[] = { "change", "agncy",
		"episodid", "first_rejected" };
	static const char *const header[] = { "change", "since", "agncy",
		"clientid", "episodid", "items", "first_rejected" };
	struct changes ch;
	struct ndx_dataset *ds;
	struct ndx_outfile *of = NULL;
	char path[PATH_MAX];
	const char *key;
	void *v;
	size_t it = 0;
	int rc = -1;

	memset(&ch, 0, sizeof(ch));
	memset(counts, 0, sizeof(*counts));
	ch.label = period->label;
	if ((ds = ndx_dataset_load(err)) == NULL)
		return -1;
	previous(root, period, quarterly, counts->since);
	ch.rejected = ndx_strmap_new();
	if (counts->since[0] != '\0') {
		ch.was = ndx_strmap_new();
		ch.before = ndx_strmap_new();
		snprintf(path, sizeof(path), "%s/%s/provider/valid.xml", root,
		    counts->since);
		if ((rc = each_episode(path, ds, remember, &ch, err)) != 0)
			goto out;
		snprintf(path, sizeof(path), "%s/%s/provider/changes.csv",
		    root, counts->since);
		/* A run from before changes.csv has none: nothing carried. */
		if ((rc = access(path, F_OK) == 0 ? each_csv(path, before_row,
		    before_cols, 4, &ch, err) : 0) != 0)
			goto out;
	}
	if ((rc = each_csv(rejects_csv, rejects_row, rej_cols, 3, &ch,
	    err)) != 0 || (rc = each_episode(valid_xml, ds, compare, &ch,
	    err)) != 0)
		goto out;
	while (ch.was != NULL && ndx_strmap_next(ch.was, &it, &key, &v)) {
		const struct was *w = v;
		const char *us = strchr(key, 0x1f);
		char agncy[64];

		if (w->seen || us == NULL)
			continue;
		snprintf(agncy, sizeof(agncy), "%.*s", (int)(us - key), key);
		add_row(&ch, GONE, agncy, w->clientid, us + 1, NULL, NULL);
	}
	if (ch.nrow > 1)
		qsort(ch.row, ch.nrow, sizeof(*ch.row), row_order);
	rc = -1;
	if ((of = ndx_outfile_open(out, err)) == NULL)
		goto out;
	if (csvrec_write_row(ndx_outfile_fp(of), header, 7, 0) != 0)
		goto write_error;
	for (size_t i = 0; i < ch.nrow; i++) {
		const struct row *r = &ch.row[i];
		const char *f[7] = { change_names[r->change], counts->since,
			r->agncy, r->clientid, r->episodid, r->items, r->first };

		if (csvrec_write_row_for_people(ndx_outfile_fp(of), f, 7) != 0)
			goto write_error;
		if (r->change == ADDED)
			counts->added++;
		else if (r->change == CHANGED)
			counts->changed++;
		else if (r->change == GONE)
			counts->gone++;
		else {
			counts->rejected++;
			counts->still_rejected +=
			    strcmp(r->first, period->label) != 0;
		}
	}
	rc = ndx_outfile_commit(of, err);
	of = NULL;
	goto out;
write_error:
	ndx_error_set(err, NDX_EX_IOERR, out, 0, "write error");
out:
	ndx_outfile_abort(of);
	for (size_t i = 0; i < ch.nrow; i++) {
		free(ch.row[i].agncy);
		free(ch.row[i].clientid);
		free(ch.row[i].episodid);
		free(ch.row[i].items);
		free(ch.row[i].first);
	}
	free(ch.row);
	free_map(ch.was, 1);
	free_map(ch.before, 0);
	free_map(ch.rejected, 0);
	ndx_dataset_free(ds);
	return rc;
}
