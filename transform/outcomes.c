/*
 * The outcome measures of outcomes.md §4: for one period and area, each
 * valid episode of dataset version 2 with a start TOP and a review or exit
 * TOP dated in the period is a pair, start against latest; per cohort
 * (all, hat, cj), item and local authority, how many pairs, how many used
 * at start, stopped, halved, improved, and the means at both ends.
 *
 * Aggregated in C as the PCC return is (pcc.c: its area and period, its
 * CJ episodes, suppress.c's disclosure control), into a small XML
 * document that xslt/outcomes-csv.xsl and xslt/outcomes-html.xsl lay out.
 * Memory is the table, a few hundred counts an LA: clients stream through.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "ndx/dataset.h"
#include "ndx/date.h"
#include "ndx/diag.h"
#include "ndx/epxml.h"
#include "ndx/filter.h"
#include "ndx/model.h"
#include "ndx/ndx.h"
#include "suppress.h"
#include "transform.h"

#define OUTCOMES_NS "urn:ndx:outcomes:1"
#define MODAL_HAT "97"

static const char *const cohort_name[NCOHORTS] = { "all", "hat", "cj" };

int
outcomes_cohort(const char *name)
{
	for (int c = 0; c < NCOHORTS; c++)
		if (strcmp(name, cohort_name[c]) == 0)
			return c;
	return -1;
}

/* The items measured, in outcomes.md §1's order: days, then ratings. */
static const enum ndx_item items[] = {
	NDX_ALCUSE, NDX_OPIUSE, NDX_CRAUSE, NDX_COCAUSE, NDX_AMPHUSE,
	NDX_CANNUSE, NDX_IVDRGUSE, NDX_SHOTHEFT, NDX_DRGSELL,
	NDX_PSYHSTAT, NDX_PHSTAT, NDX_QUALLIFE
};
#define NITEMS (sizeof(items) / sizeof(items[0]))
#define NDAYS 9			/* items[0 .. NDAYS - 1] count days */

/* The statistics, in output order: the counts, then the means. */
enum stat {
	ST_PAIRS, ST_USERS, ST_ABSTINENT, ST_REDUCED, ST_IMPROVED,
	ST_MEAN_START, ST_MEAN_LATEST, NSTATS
};

static const char *const stat_name[NSTATS] = {
	"pairs", "users_at_start", "abstinent", "reduced", "improved",
	"mean_start", "mean_latest"
};

/* Which statistics an item has: days all but improved, ratings pairs,
 * improved and the means. */
static int
has_stat(size_t item, enum stat s)
{
	if (item < NDAYS)
		return s != ST_IMPROVED;
	return s == ST_PAIRS || s == ST_IMPROVED || s == ST_MEAN_START ||
	    s == ST_MEAN_LATEST;
}

/* One cell's sums: the counts, and the values the means divide. */
struct acc {
	long long n[ST_IMPROVED + 1];
	long long sum_start, sum_latest;
};

struct outcomes {
	struct ndx_filter filter;	/* first: the product is one */
	struct transform *t;
	struct ndx_header h;
	FILE *out;
	struct scope sc;
	/* [cohort][item][la], the TOTAL row last */
	struct acc *acc;
	long pairs;			/* episodes paired, for the summary */
};

static struct acc *
acc_at(struct outcomes *o, int cohort, size_t item, size_t la)
{
	return &o->acc[((size_t)cohort * NITEMS + item) * (o->sc.nla + 1) +
	    la];
}

/* A valid date of the judged input; 0 when absent. */
static int
day_of(const char *v, ndx_day *d)
{
	return v != NULL && ndx_date_parse_iso(v, d) == NDX_DATE_OK;
}

/* The review or exit TOP b is later than a: TOPDATE, then TOPID in byte
 * order (outcomes.md §4). */
static int
later(const struct ndx_intervention *a, ndx_day da,
    const struct ndx_intervention *b, ndx_day db)
{
	const char *ia = NDX_T(a, NDX_TOPID), *ib = NDX_T(b, NDX_TOPID);

	if (db != da)
		return db > da;
	if (ia == NULL || ib == NULL)
		return ib != NULL;
	return strcmp(ib, ia) > 0;
}

/* A MODAL 97 intervention in treatment in [start, end] (metrics.md). */
static int
hat_in_treatment(const struct ndx_episode *e, ndx_day start, ndx_day end)
{
	for (size_t j = 0; j < e->niv; j++) {
		const struct ndx_intervention *iv = &e->iv[j];
		const char *modal = NDX_I(iv, NDX_MODAL);
		ndx_day st, en;

		if (modal == NULL || strcmp(modal, MODAL_HAT) != 0 ||
		    !day_of(NDX_I(iv, NDX_MODST), &st))
			continue;
		if (st <= end && (!day_of(NDX_I(iv, NDX_MODEND), &en) ||
		    en >= start))
			return 1;
	}
	return 0;
}

/* Adds one pair's items to a cohort's cells of LA la. */
static void
add_pair(struct outcomes *o, int cohort, size_t la,
    const struct ndx_intervention *start,
    const struct ndx_intervention *latest)
{
	for (size_t k = 0; k < NITEMS; k++) {
		const char *vs = NDX_T(start, items[k]);
		const char *vl = NDX_T(latest, items[k]);
		struct acc *a = acc_at(o, cohort, k, la);
		long s, l;

		if (vs == NULL || vl == NULL)
			continue;	/* not paired: one TOP lacks it */
		s = strtol(vs, NULL, 10);
		l = strtol(vl, NULL, 10);
		a->n[ST_PAIRS]++;
		a->sum_start += s;
		a->sum_latest += l;
		if (k >= NDAYS) {
			a->n[ST_IMPROVED] += l > s;
			continue;
		}
		if (s < 1)
			continue;
		a->n[ST_USERS]++;
		a->n[ST_ABSTINENT] += l == 0;
		a->n[ST_REDUCED] += 2 * l <= s;
	}
}

/*
 * Whether e is a pair of [start, end]: its start TOP in *s and its latest
 * review or exit TOP dated in the period in *l.
 */
static int
pair_of(const struct ndx_episode *e, ndx_day from, ndx_day to,
    const struct ndx_intervention **s, const struct ndx_intervention **l)
{
	const struct ndx_intervention *start = NULL, *latest = NULL;
	ndx_day dl = 0;

	for (size_t j = 0; j < e->niv; j++) {
		const struct ndx_intervention *iv = &e->iv[j];
		const char *stage;
		ndx_day d;

		if (iv->top == NULL ||
		    (stage = NDX_T(iv, NDX_TRSTAGE)) == NULL)
			continue;
		if (strcmp(stage, "S") == 0) {
			if (start == NULL)
				start = iv;
			continue;
		}
		if ((strcmp(stage, "R") != 0 && strcmp(stage, "E") != 0) ||
		    !day_of(NDX_T(iv, NDX_TOPDATE), &d) || d < from || d > to)
			continue;
		if (latest == NULL || later(latest, dl, iv, d)) {
			latest = iv;
			dl = d;
		}
	}
	*s = start;
	*l = latest;
	return start != NULL && latest != NULL;
}

int
outcomes_in_cohort(const struct ndx_dataset *ds, const struct ndx_episode *e,
    ndx_day start, ndx_day end, int cohort)
{
	const struct ndx_intervention *s, *l;

	if (!pair_of(e, start, end, &s, &l))
		return 0;
	return cohort == COH_ALL || (cohort == COH_HAT &&
	    hat_in_treatment(e, start, end)) || (cohort == COH_CJ &&
	    scope_is_cj(ds, e));
}

static void
count_episode(struct outcomes *o, const struct ndx_episode *e, size_t la)
{
	const struct ndx_intervention *start, *latest;

	if (!pair_of(e, o->sc.start, o->sc.end, &start, &latest))
		return;
	o->pairs++;
	add_pair(o, COH_ALL, la, start, latest);
	if (hat_in_treatment(e, o->sc.start, o->sc.end))
		add_pair(o, COH_HAT, la, start, latest);
	if (scope_is_cj(o->t->ds, e))
		add_pair(o, COH_CJ, la, start, latest);
}

static int
outcomes_client(struct ndx_filter *f, struct ndx_client *c,
    struct ndx_error *err)
{
	struct outcomes *o = (struct outcomes *)f;
	int la = scope_la(&o->sc, NDX_C(c, NDX_LA));

	(void)err;
	if (la < 0)
		return 0;	/* outside the area */
	for (size_t i = 0; i < c->nep; i++)
		count_episode(o, &c->ep[i], (size_t)la);
	return 0;
}

/* sum / n to one decimal, half away from zero (every value is >= 0). */
static void
mean_text(long long sum, long long n, char out[SUPPRESS_CELL])
{
	long long tenths = (20 * sum + n) / (2 * n);

	snprintf(out, SUPPRESS_CELL, "%lld.%lld", tenths / 10, tenths % 10);
}

/*
 * One cohort's item: its counts under disclosure control, one column per
 * count statistic over the LA rows and TOTAL (a line each, metrics.md),
 * and its means, "*" where the pairs are below the threshold or hidden.
 */
static void
add_item(struct outcomes *o, xmlNodePtr parent, xmlNsPtr ns, int cohort,
    size_t k)
{
	size_t nrows = o->sc.nla + 1, ncols = 0;
	struct suppress_col kind[ST_IMPROVED + 1];
	enum stat col_stat[ST_IMPROVED + 1];
	struct suppress_rule rule = { o->t->disclosure, o->t->threshold };
	long long *count;
	char (*shown)[SUPPRESS_CELL], mean[SUPPRESS_CELL];
	xmlNodePtr item = xmlNewChild(parent, ns, BAD_CAST "item", NULL);
	const char *title = ndx_dataset_title(o->t->ds, items[k]);

	xmlNewProp(item, BAD_CAST "code", BAD_CAST ndx_items[items[k]].code);
	xmlNewProp(item, BAD_CAST "kind", BAD_CAST (k < NDAYS ? "days" :
	    "rating"));
	if (title != NULL)
		xmlNewProp(item, BAD_CAST "title", BAD_CAST title);
	for (int s = 0; s <= ST_IMPROVED; s++)
		if (has_stat(k, (enum stat)s)) {
			kind[ncols].kind = SUPPRESS_COUNT;
			kind[ncols].num = kind[ncols].den = 0;
			col_stat[ncols++] = (enum stat)s;
		}
	count = xcalloc(nrows * ncols, sizeof(*count));
	shown = xcalloc(nrows * ncols, sizeof(*shown));
	for (size_t r = 0; r < nrows; r++)
		for (size_t j = 0; j < ncols; j++) {
			long long n = 0;

			if (r < o->sc.nla)
				n = acc_at(o, cohort, k, r)->n[col_stat[j]];
			else
				for (size_t la = 0; la < o->sc.nla; la++)
					n += acc_at(o, cohort, k, la)->
					    n[col_stat[j]];
			count[r * ncols + j] = n;
		}
	suppress_table(&rule, nrows, ncols, kind, count, shown);

	for (int s = 0; s < NSTATS; s++) {
		xmlNodePtr st;
		size_t j = 0;

		if (!has_stat(k, (enum stat)s))
			continue;
		st = xmlNewChild(item, ns, BAD_CAST "statistic", NULL);
		xmlNewProp(st, BAD_CAST "name", BAD_CAST stat_name[s]);
		while (j < ncols && col_stat[j] != (enum stat)s)
			j++;
		for (size_t r = 0; r < nrows; r++) {
			const char *v;
			xmlNodePtr val;
			long long pairs = count[r * ncols];	/* ST_PAIRS */

			if (s <= ST_IMPROVED)
				v = shown[r * ncols + j];
			else if (pairs == 0 && rule.mode == DISCLOSURE_NONE)
				v = "";
			else if (rule.mode != DISCLOSURE_NONE &&
			    (pairs < rule.threshold ||
			    strcmp(shown[r * ncols], "*") == 0))
				v = "*";
			else {
				long long sum = 0;

				for (size_t la = 0; la < o->sc.nla; la++)
					if (r == o->sc.nla || la == r) {
						const struct acc *a = acc_at(o,
						    cohort, k, la);

						sum += s == ST_MEAN_START ?
						    a->sum_start :
						    a->sum_latest;
					}
				mean_text(sum, pairs, mean);
				v = mean;
			}
			val = xmlNewChild(st, ns, BAD_CAST "value", BAD_CAST v);
			xmlNewProp(val, BAD_CAST "area_code", BAD_CAST
			    (r < o->sc.nla ? o->sc.la[r]->code : "TOTAL"));
			xmlNewProp(val, BAD_CAST "area_name", BAD_CAST
			    (r < o->sc.nla ? o->sc.la[r]->name : o->sc.area));
		}
	}
	free(count);
	free(shown);
}

static xmlDocPtr
build_doc(struct outcomes *o)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "outcomes");
	xmlNsPtr ns = xmlNewNs(root, BAD_CAST OUTCOMES_NS, NULL);
	char num[24];

	doc->encoding = xmlStrdup(BAD_CAST "UTF-8");
	xmlSetNs(root, ns);
	xmlDocSetRootElement(doc, root);
	xmlNewProp(root, BAD_CAST "period", BAD_CAST o->sc.label);
	xmlNewProp(root, BAD_CAST "start", BAD_CAST o->sc.start_iso);
	xmlNewProp(root, BAD_CAST "end", BAD_CAST o->sc.end_iso);
	if (o->h.asof[0] != '\0')
		xmlNewProp(root, BAD_CAST "asof", BAD_CAST o->h.asof);
	xmlNewProp(root, BAD_CAST "area", BAD_CAST o->sc.area);
	xmlNewProp(root, BAD_CAST "disclosure",
	    BAD_CAST transform_disclosure_name(o->t->disclosure));
	if (o->t->disclosure == DISCLOSURE_NONE)
		xmlNewProp(root, BAD_CAST "notice",
		    BAD_CAST TRANSFORM_NOTICE_OFF);
	snprintf(num, sizeof(num), "%d", o->t->threshold);
	xmlNewProp(root, BAD_CAST "threshold", BAD_CAST num);
	xmlNewProp(root, BAD_CAST "dataset", BAD_CAST "2");
	xmlNewProp(root, BAD_CAST "ndx", BAD_CAST NDX_VERSION);
	for (int c = 0; c < NCOHORTS; c++) {
		xmlNodePtr coh = xmlNewChild(root, ns, BAD_CAST "cohort",
		    NULL);

		xmlNewProp(coh, BAD_CAST "name", BAD_CAST cohort_name[c]);
		for (size_t k = 0; k < NITEMS; k++)
			add_item(o, coh, ns, c, k);
	}
	return doc;
}

xmlDocPtr
outcomes_doc(struct ndx_filter *f)
{
	return build_doc((struct outcomes *)f);
}

static int
outcomes_end(struct ndx_filter *f, struct ndx_error *err)
{
	struct outcomes *o = (struct outcomes *)f;
	xmlDocPtr doc = build_doc(o);
	int rc;

	switch (o->t->format) {
	case FORMAT_HTML:
		rc = render_xslt("outcomes-html.xsl", doc, NULL, o->out, err);
		break;
	case FORMAT_XML:
		rc = xmlDocFormatDump(o->out, doc, 1) < 0 ||
		    fflush(o->out) != 0 || ferror(o->out) ? -1 : 0;
		if (rc != 0)
			ndx_error_set(err, NDX_EX_IOERR, "", 0, "write error");
		break;
	default:
		rc = render_xslt("outcomes-csv.xsl", doc, NULL, o->out, err);
		break;
	}
	xmlFreeDoc(doc);
	return rc;
}

void
product_outcomes_free(struct ndx_filter *f)
{
	struct outcomes *o = (struct outcomes *)f;

	if (o == NULL)
		return;
	free(o->sc.la);
	free(o->acc);
	free(o);
}

struct ndx_filter *
product_outcomes(struct transform *t, const struct ndx_header *h, FILE *out,
    struct ndx_error *err)
{
	struct outcomes *o = xcalloc(1, sizeof(*o));

	o->filter.client = outcomes_client;
	o->filter.end = outcomes_end;
	o->t = t;
	o->h = *h;
	o->out = out;
	if (h->version < 2) {
		ndx_error_set(err, NDX_EX_DATAERR, t->input, 0, "dataset "
		    "version 1: the outcome measures are of the Treatment "
		    "Outcomes Profile, which version 2 brought (outcomes.md)");
		goto fail;
	}
	if (scope_setup(t, h, &o->sc, err) != 0)
		goto fail;
	o->acc = xcalloc(NCOHORTS * NITEMS * (o->sc.nla + 1),
	    sizeof(*o->acc));
	return &o->filter;
fail:
	product_outcomes_free(&o->filter);
	return NULL;
}
