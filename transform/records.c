/*
 * The record-level products: one CSV row per source row (an intervention,
 * or in dataset version 2 a TOP, whose columns follow), streamed one
 * <client> at a time (the arena is reset after each), so a million rows
 * take the memory of one client.  Their layouts are the dataset's own,
 * ndx_layout_csv and ndx_layout_public in lib/model.c, which the
 * validator's rejects file shares; see docs/design.md, "Transform", for
 * why these two are C and not stylesheets.
 *
 * The input is ndx's own output, read without the XSD.  Anything a row
 * needs and the XML lacks (a mandatory item, a derived item, a date in
 * another form) stops the run with exit 65 rather than leaving a column
 * silently empty in a file that goes to a commissioner or to Public
 * Health.
 *
 * The Public Health extract also measures its disclosure risk (risk.c):
 * in the same pass, or with --min-k in a first pass of its own, since
 * every row of a person may change with what the last row says.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/arena.h"
#include "ndx/csvrec.h"
#include "ndx/dataset.h"
#include "ndx/diag.h"
#include "ndx/date.h"
#include "ndx/epxml.h"
#include "ndx/filter.h"
#include "ndx/model.h"
#include "ndx/ndx.h"
#include "ndx/strmap.h"
#include "risk.h"
#include "transform.h"

/* What R130 makes of an episode with CONSENT = N. */
enum consent_n {
	CONSENT_N_REDUCE,	/* one row of AGNCY, CLIENTID, EPISODID,
				   CONSENT */
	CONSENT_N_OMIT		/* no row at all */
};

struct layout {
	const enum ndx_item *items;
	size_t (*len)(int version);	/* the columns of a version */
	int pseudonymised;		/* the form of episodes it reads */
	enum consent_n consent_n;
	const char *wrong_form;		/* when given the other form */
};

static const struct layout commissioner = {
	ndx_layout_csv, ndx_layout_csv_len, 0, CONSENT_N_REDUCE,
	"pseudonymised episodes: the commissioner file is made from the "
	"valid identifiable episodes (ndx-validate -o)"
};

static const struct layout public_health = {
	ndx_layout_public, ndx_layout_public_len, 1, CONSENT_N_OMIT,
	"identifiable episodes: the Public Health extract is made from "
	"pseudonymised episodes; run ndx-pseudonymise first"
};

/* The items R130 keeps for an episode without consent. */
static const enum ndx_item consent_n_items[] = { NDX_AGNCY, NDX_CLIENTID,
	NDX_EPISODID, NDX_CONSENT };

struct records {
	struct ndx_filter filter;	/* first: the records are one */
	struct transform *t;
	const struct ndx_dataset *ds;
	const struct layout *lay;
	size_t ncolumns;		/* of the input's dataset version */
	const char *name;		/* the input, for messages */
	FILE *out;
	unsigned char reduced[NDX_NITEMS];	/* in consent_n_items */
	const char *field[NDX_NITEMS];	/* the row being written */
	char dmy[NDX_NITEMS][11];	/* its dates, DD/MM/YYYY */
	struct risk *risk;		/* public-health: persons' Q */
	int generalise;			/* --min-k: write with over[] */
	unsigned char over[NDX_NITEMS];	/* items the client's rows publish */
	const char *over_val[NDX_NITEMS]; /* as this (NULL blank) */
	int collecting;			/* --min-k: the stream only measures;
					   the rows are written at the end,
					   from the input read again */
	long first;			/* the episodes the stream gave */
	long episodes, rows, consent_excluded;
	/* --cohort: the persons (PSEUDO_CLIENT) with an episode in it, from
	 * the first reading; the second writes their rows only. */
	struct ndx_strmap *cohort;
	ndx_day cohort_start, cohort_end;	/* the file's period */
	long cohort_excluded;		/* episodes of other persons */
};

/* The values risk.c takes, in the order of enum risk_value. */
static const enum ndx_item risk_items[RISK_NVALUES] = {
	[RISK_AGE_AT_TRIAGE] = NDX_AGE_AT_TRIAGE,
	[RISK_AGE_BAND] = NDX_AGE_BAND,
	[RISK_SEX] = NDX_SEX,
	[RISK_ETHNIC] = NDX_ETHNIC,
	[RISK_LA] = NDX_LA,
	[RISK_PC_DISTRICT] = NDX_PC_DISTRICT,
};

static int
write_failed(struct ndx_error *err)
{
	ndx_error_set(err, NDX_EX_IOERR, "", 0, "write error: %s",
	    strerror(errno));
	return -1;
}

static long
line_of(const struct ndx_client *c, const struct ndx_episode *e,
    const struct ndx_intervention *iv, enum ndx_item item)
{
	switch (ndx_items[item].level) {
	case NDX_LEVEL_CLIENT:
		return c->xml_line;
	case NDX_LEVEL_EPISODE:
		return e->xml_line;
	case NDX_LEVEL_INTERVENTION:
	case NDX_LEVEL_TOP:
		break;
	}
	return iv != NULL ? iv->xml_line : e->xml_line;
}

/*
 * One row; reduced keeps only the items R130 allows.  The client has
 * passed the judge (transform_judge): every item the form requires is
 * there and every date is a real one.
 */
static int
write_row(struct records *rec, const struct ndx_client *c,
    const struct ndx_episode *e, const struct ndx_intervention *iv,
    int reduced, struct ndx_error *err)
{
	size_t n = rec->ncolumns;

	for (size_t k = 0; k < n; k++) {
		enum ndx_item item = rec->lay->items[k];
		const char *v = ndx_row_value(c, e, iv, item);

		if (reduced && !rec->reduced[item])
			v = NULL;
		if (rec->over[item])
			v = rec->over_val[item];
		if (v != NULL && ndx_items[item].is_date &&
		    ndx_date_iso_to_dmy(v, rec->dmy[k]) != 0) {
			ndx_error_set(err, NDX_EX_SOFTWARE, rec->name,
			    line_of(c, e, iv, item), "internal error: %s "
			    "passed the judge but is not a date",
			    ndx_items[item].code);
			return -1;
		}
		rec->field[k] = v != NULL && ndx_items[item].is_date ?
		    rec->dmy[k] : v;
	}
	if (csvrec_write_row(rec->out, rec->field, n, 1) != 0)
		return write_failed(err);
	rec->rows++;
	return 0;
}

/* The client's consent, Y or N: mandatory, and a YesNo code. */
static int
consent_of(const struct ndx_client *c)
{
	return NDX_C(c, NDX_CONSENT)[0];
}

/*
 * Gives risk.c each episode of a client whose rows are in the extract:
 * every value of Q is the client's or the episode's, so an episode
 * stands for all its rows.  A client without PSEUDO_CLIENT has no row
 * either: write_row() stops the run on it.
 */
static void
collect_client(struct records *rec, const struct ndx_client *c)
{
	const char *pseudo = NDX_C(c, NDX_PSEUDO_CLIENT);
	const char *v[RISK_NVALUES];

	if (pseudo == NULL)
		return;
	for (size_t i = 0; i < c->nep; i++) {
		const struct ndx_episode *e = &c->ep[i];

		for (size_t k = 0; k < RISK_NVALUES; k++)
			v[k] = ndx_row_value(c, e, NULL, risk_items[k]);
		risk_row(rec->risk, pseudo, NDX_E(e, NDX_TRIAGED),
		    NDX_E(e, NDX_PSEUDO_EPISODE), v);
	}
}

/*
 * What the generalised extract publishes for this client's rows
 * (exchange.md §8): no AGE_AT_TRIAGE or PC_DISTRICT, ETHNIC's broad
 * group, and for a person still below --min-k no AGE_BAND or ETHNIC.
 */
static void
generalise_client(struct records *rec, const struct ndx_client *c)
{
	rec->over[NDX_AGE_AT_TRIAGE] = rec->over[NDX_PC_DISTRICT] = 1;
	rec->over_val[NDX_AGE_AT_TRIAGE] = rec->over_val[NDX_PC_DISTRICT] =
	    NULL;
	rec->over[NDX_ETHNIC] = 1;
	rec->over_val[NDX_ETHNIC] = risk_broad_ethnic(rec->ds,
	    NDX_C(c, NDX_ETHNIC));
	rec->over[NDX_AGE_BAND] = 0;
	if (risk_suppressed(rec->risk, NDX_C(c, NDX_PSEUDO_CLIENT))) {
		rec->over[NDX_AGE_BAND] = 1;
		rec->over_val[NDX_AGE_BAND] = rec->over_val[NDX_ETHNIC] = NULL;
	}
}

/*
 * --cohort's first reading: the client's person, if an episode of the
 * client is in the cohort (outcomes.md §5).  An episode without consent
 * makes no one a member: what the extract may not carry, it may not let
 * be inferred either.
 */
static void
cohort_collect(struct records *rec, const struct ndx_client *c)
{
	const char *pseudo = NDX_C(c, NDX_PSEUDO_CLIENT);

	if (consent_of(c) != 'Y')
		return;
	for (size_t i = 0; pseudo != NULL && i < c->nep; i++)
		if (outcomes_in_cohort(rec->ds, &c->ep[i], rec->cohort_start,
		    rec->cohort_end, rec->t->cohort - 1)) {
			ndx_strmap_put(rec->cohort, pseudo);
			return;
		}
}

static int
write_client(struct records *rec, const struct ndx_client *c,
    struct ndx_error *err)
{
	int consent = consent_of(c);
	const char *pseudo = NDX_C(c, NDX_PSEUDO_CLIENT);

	if (consent == 'N' && rec->lay->consent_n == CONSENT_N_OMIT) {
		rec->consent_excluded += (long)c->nep;
		return 0;
	}
	if (rec->cohort != NULL && (pseudo == NULL ||
	    ndx_strmap_get(rec->cohort, pseudo) == NULL)) {
		rec->cohort_excluded += (long)c->nep;
		return 0;
	}
	if (rec->risk != NULL && consent == 'Y') {
		if (rec->generalise)
			generalise_client(rec, c);
		else
			collect_client(rec, c);
	}
	rec->episodes += (long)c->nep;
	for (size_t i = 0; i < c->nep; i++) {
		const struct ndx_episode *e = &c->ep[i];

		if (consent == 'N') {
			if (rec->lay->consent_n == CONSENT_N_REDUCE &&
			    write_row(rec, c, e, NULL, 1, err) != 0)
				return -1;
			continue;
		}
		/* The XSD wants one <intervention> at least; a hand-made
		 * file without one still gets the episode's row. */
		if (e->niv == 0 && write_row(rec, c, e, NULL, 0, err) != 0)
			return -1;
		for (size_t j = 0; j < e->niv; j++)
			if (write_row(rec, c, e, &e->iv[j], 0, err) != 0)
				return -1;
	}
	return 0;
}

static int
records_client(struct ndx_filter *f, struct ndx_client *c,
    struct ndx_error *err)
{
	struct records *rec = (struct records *)f;

	if (!rec->collecting)
		return write_client(rec, c, err);
	if (rec->cohort != NULL)
		cohort_collect(rec, c);
	else if (consent_of(c) == 'Y')
		collect_client(rec, c);
	rec->first += (long)c->nep;
	return 0;
}

/*
 * --min-k: the persons are measured, so the rows can be written,
 * generalised, from a second reading of the input.  0, or -1 with err.
 */
static int
write_generalised(struct records *rec, struct ndx_error *err)
{
	struct ndx_arena *arena;
	struct epxml_reader *r;
	const struct epxml_problem *probs;
	struct ndx_client *c;
	size_t nprobs;
	int more;

	/* --cohort measures the persons it writes, as it writes them. */
	if (rec->cohort == NULL) {
		risk_measure(rec->risk, rec->t->min_k, &rec->t->risk);
		rec->generalise = 1;
	}
	rec->collecting = 0;
	if ((r = transform_reread(rec->t, err)) == NULL)
		return -1;
	arena = arena_new();
	while ((more = epxml_reader_next(r, arena, &c, &probs, &nprobs,
	    err)) == 1) {
		if (transform_judge(rec->t, c, probs, nprobs, err) != 0 ||
		    write_client(rec, c, err) != 0) {
			more = -1;
			break;
		}
		arena_reset(arena);
	}
	arena_free(arena);
	epxml_reader_close(r);
	if (more != 0)
		return -1;
	/* A file rewritten between the readings would publish persons the
	 * first never measured. */
	if (rec->episodes + rec->consent_excluded + rec->cohort_excluded !=
	    rec->first) {
		ndx_error_set(err, NDX_EX_IOERR, rec->name, 0, "changed while "
		    "it was read: %ld episodes, then %ld", rec->first,
		    rec->episodes + rec->consent_excluded +
		    rec->cohort_excluded);
		return -1;
	}
	return 0;
}

static int
records_end(struct ndx_filter *f, struct ndx_error *err)
{
	struct records *rec = (struct records *)f;

	if (rec->collecting && write_generalised(rec, err) != 0)
		return -1;
	if (rec->risk != NULL) {
		if (!rec->generalise)
			risk_measure(rec->risk, 0, &rec->t->risk);
		rec->t->measured = 1;
		rec->t->episodes = rec->episodes;
		rec->t->rows = rec->rows;
		rec->t->consent_excluded = rec->consent_excluded;
	}
	return 0;
}

static struct ndx_filter *
records_open(const struct layout *lay, struct transform *t,
    const struct ndx_header *h, FILE *out, struct ndx_error *err)
{
	struct records *rec = xcalloc(1, sizeof(*rec));

	rec->filter.client = records_client;
	rec->filter.end = records_end;
	rec->t = t;
	rec->ds = t->ds;
	rec->lay = lay;
	rec->name = strcmp(t->input, "-") == 0 ? "standard input" : t->input;
	rec->out = out;
	if (h->pseudonymised != lay->pseudonymised) {
		ndx_error_set(err, NDX_EX_DATAERR, rec->name, 0, "%s",
		    lay->wrong_form);
		free(rec);
		return NULL;
	}
	for (size_t k = 0; k < sizeof(consent_n_items) /
	    sizeof(consent_n_items[0]); k++)
		rec->reduced[consent_n_items[k]] = 1;
	if (lay == &public_health)
		rec->risk = risk_new(t->ds);
	/* A person's rows can only be generalised once all are known, and
	 * a cohort's persons once every client has been seen. */
	rec->collecting = rec->risk != NULL && (t->min_k > 0 ||
	    t->cohort > 0);
	if (rec->risk != NULL && t->cohort > 0) {
		if (ndx_date_parse_iso(h->start, &rec->cohort_start) !=
		    NDX_DATE_OK || ndx_date_parse_iso(h->end,
		    &rec->cohort_end) != NDX_DATE_OK) {
			ndx_error_set(err, NDX_EX_DATAERR, rec->name, 0, "the "
			    "episodes file records no period: --cohort takes "
			    "the cohort's pairs in the extract's period");
			risk_free(rec->risk);
			free(rec);
			return NULL;
		}
		if (h->version < 2) {
			ndx_error_set(err, NDX_EX_DATAERR, rec->name, 0,
			    "dataset version 1: a cohort is of TOP pairs, "
			    "which version 2 brought (outcomes.md)");
			risk_free(rec->risk);
			free(rec);
			return NULL;
		}
		rec->cohort = ndx_strmap_new();
	}
	rec->ncolumns = lay->len(h->version);
	for (size_t k = 0; k < rec->ncolumns; k++)
		rec->field[k] = ndx_items[lay->items[k]].code;
	if (csvrec_write_row(out, rec->field, rec->ncolumns, 0) != 0) {
		write_failed(err);
		risk_free(rec->risk);
		free(rec);
		return NULL;
	}
	return &rec->filter;
}

void
product_records_free(struct ndx_filter *f)
{
	struct records *rec = (struct records *)f;

	if (rec == NULL)
		return;
	risk_free(rec->risk);
	ndx_strmap_free(rec->cohort);
	free(rec);
}

struct ndx_filter *
product_commissioner(struct transform *t, const struct ndx_header *h,
    FILE *out, struct ndx_error *err)
{
	return records_open(&commissioner, t, h, out, err);
}

struct ndx_filter *
product_public_health(struct transform *t, const struct ndx_header *h,
    FILE *out, struct ndx_error *err)
{
	return records_open(&public_health, t, h, out, err);
}
