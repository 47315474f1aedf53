/*
 * The PCC quarterly return (metrics.md): every measure for one period and
 * one police force area, under disclosure control, as CSV, XML or HTML.
 *
 * The valid episodes stream through one <client> at a time.  Episode- and
 * intervention-level counts go straight into the tables by the episode's
 * LA.  Client-level measures need each person's episodes from every
 * agency, which are not adjacent in the file, so a hash table keyed by
 * the person's identity keeps, per measure, the substance codes seen and
 * the latest counted episode; it is folded into the tables at the end.
 * That table is the only state that grows, by one small record per
 * person in treatment.
 *
 * The figures then become a small XML document (namespace urn:ndx:pcc:1),
 * which is the XML product as it stands and which pcc-csv.xsl and
 * pcc-html.xsl lay out:
 *
 *   <pcc-return period= start= end= asof= area= disclosure= [threshold=]
 *       [notice=] dataset= ndx=>
 *     <measure name="cj_in_treatment">
 *       <breakdown name="opiate" kind="count|total|rate"/> ...
 *       <row code="E06000001" name="Hartlepool">
 *         <value breakdown="opiate">12</value> ...
 *       </row> ...
 *       <row code="TOTAL" name="Cleveland" total="true"> ... </row>
 *     </measure> ...
 *   </pcc-return>
 *
 * Readings of metrics.md where more than one was possible are noted
 * where they are implemented, and gathered with the hand-worked figures
 * of the tests in tests/data/pcc/NOTES.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "ndx/arena.h"
#include "ndx/dataset.h"
#include "ndx/date.h"
#include "ndx/derive.h"
#include "ndx/diag.h"
#include "ndx/epxml.h"
#include "ndx/filter.h"
#include "ndx/model.h"
#include "ndx/ndx.h"
#include "suppress.h"
#include "transform.h"

#define PCC_NS "urn:ndx:pcc:1"

/* Codes metrics.md names one by one rather than as a dataset property. */
#define RFLS_PRISON "13"
#define MODAL_HAT "97"
#define MODEXIT_PLANNED "A"
#define ENGAGED_DAYS 21		/* continuity_of_care: PRISREL + 21 */
#define EARLY_DAYS 84		/* cj_early_unplanned_exits: < 84 days */

/* AGNCY, then the episode's id zero-padded: compares as the pair does. */
#define AGNCY_LEN 5
#define EPID_MAX 20
#define TIE_LEN (AGNCY_LEN + EPID_MAX)
#define PSEUDO_LEN 32		/* hex digits of PSEUDO_EPISODE */
_Static_assert(PSEUDO_LEN / 2 <= EPID_MAX, "PSEUDO_EPISODE fits the tie");

enum measure {
	M_CJ_IN_TREATMENT,
	M_IN_TREATMENT,
	M_CJ_REFERRALS,
	M_CJ_REQUIREMENTS,
	M_CONTINUITY,
	M_CJ_COMPLETIONS,
	M_CJ_EARLY_EXITS,
	M_DEATHS,
	M_HAT,
	NMEASURES
};

static const char *const measure_name[NMEASURES] = {
	"cj_in_treatment", "in_treatment", "cj_referrals",
	"cj_requirements_started", "continuity_of_care",
	"cj_successful_completions", "cj_early_unplanned_exits",
	"deaths_in_treatment", "hat"
};

/* Columns of the measures whose breakdowns metrics.md fixes. */
enum { COC_RELEASED, COC_ENGAGED, COC_RATE, COC_N };
enum { EX_EXITS, EX_EARLY, EX_RATE, EX_N };
enum { DE_CJ, DE_NON_CJ, DE_TOTAL, DE_N };
enum {
	HAT_IN, HAT_NEW, HAT_ENDED, HAT_PLANNED, HAT_RETAINED, HAT_N
};

/* Every combination of ndx_substances_add()'s bits. */
#define SUBST_COMBOS \
	((NDX_SUBST_OPIATE | NDX_SUBST_ALCOHOL | NDX_SUBST_NON_OPIATE) + 1)

/* Client-level measures kept per person. */
enum { CL_CJ, CL_ALL, CL_N };		/* cj_in_treatment, in_treatment */
enum { CLH_IN, CLH_RETAINED, CLH_N };	/* hat in_treatment, retained */
enum { HM_NEW, HM_ENDED, HM_PLANNED, HM_N };	/* hat, by episode LA */

struct table {
	size_t ncols;
	const char **col;		/* breakdown names */
	struct suppress_col *kind;
	long long *count;		/* (nla + 1) x ncols; TOTAL last */
};

/* The latest counted episode of a person for one measure. */
struct latest {
	ndx_day triaged;
	uint16_t la;
	uint8_t set;
	unsigned char tie[TIE_LEN];
};

struct hat_state {
	struct latest latest[CLH_N];
	uint64_t mask[];	/* HM_N bit sets of LA rows */
};

struct person {
	struct person *next;	/* hash chain */
	struct hat_state *hat;	/* NULL until a HAT intervention counts */
	struct latest latest[CL_N];
	uint8_t subst[CL_N];
	uint8_t keylen;
	char key[];
};

struct pcc {
	const struct transform *t;
	const struct ndx_dataset *ds;
	ndx_day start, end;
	char label[32], start_iso[11], end_iso[11];
	const char *area;		/* canonical spelling */
	const struct ndx_area_la **la;	/* ascending code */
	size_t nla, words;		/* words: of an LA bit set */
	int pseudonymised;

	struct table tab[NMEASURES];
	size_t group_col[SUBST_COMBOS];	/* substance bits -> column */
	const char **rfls;		/* CJ referral sources by column */
	const char **cjorder;		/* CJ requirements by column */

	struct person **bucket;
	size_t nbucket, npeople;
	struct ndx_arena *people;
};

/* The facts of one episode the measures look at. */
struct episode {
	size_t la;
	int cj;
	unsigned subst;
	unsigned char tie[TIE_LEN];
	ndx_day refld, triaged, prisrel, disd, earliest;
	int has_prisrel, has_disd, has_earliest;
	int in_treatment, hat_in, hat_retained;
	int hat_mark[HM_N];
};

static int
bad_input(struct pcc *p, struct ndx_error *err, long line, const char *what)
{
	const char *in = p->t->input;

	if (in == NULL || strcmp(in, "-") == 0)
		in = "standard input";
	ndx_error_set(err, NDX_EX_DATAERR, in, line,
	    "%s: not a valid episodes file (run ndx-validate first)", what);
	return -1;
}

static int
in_period(const struct pcc *p, ndx_day d)
{
	return d >= p->start && d <= p->end;
}

static size_t
index_of(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; s != NULL && i < n; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return SIZE_MAX;
}

/* The row of LA code among las (ascending code), or -1. */
static int
la_index(const struct ndx_area_la *const *las, size_t nla, const char *code)
{
	size_t lo = 0, hi = nla;

	while (code != NULL && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(code, las[mid]->code);

		if (c == 0)
			return (int)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* Setup: the area, the period and the tables' columns. */

static int
la_cmp(const void *a, const void *b)
{
	const struct ndx_area_la *const *x = a, *const *y = b;

	return strcmp((*x)->code, (*y)->code);
}

static int
setup_area(struct pcc *p, struct ndx_error *err)
{
	const struct ndx_area_la *las;

	if (p->t->area == NULL) {
		ndx_error_set(err, NDX_EX_USAGE, "", 0,
		    "pcc-return needs --area NAME (a police force area)");
		return -1;
	}
	if ((las = ndx_dataset_area(p->ds, p->t->area, &p->nla)) == NULL ||
	    p->nla == 0) {
		ndx_error_set(err, NDX_EX_USAGE, "", 0,
		    "--area %s: not a police force area in areas.csv",
		    p->t->area);
		return -1;
	}
	if (p->nla > UINT16_MAX) {
		ndx_error_set(err, NDX_EX_CONFIG, "areas.csv", 0,
		    "%s: too many local authorities", p->t->area);
		return -1;
	}
	p->area = ndx_dataset_area_name(p->ds, p->t->area);
	p->la = xcalloc(p->nla, sizeof(*p->la));
	for (size_t i = 0; i < p->nla; i++)
		p->la[i] = &las[i];
	qsort(p->la, p->nla, sizeof(*p->la), la_cmp);
	p->words = (p->nla + 63) / 64;
	return 0;
}

/* The period given on the command line, else the one the file records. */
/*
 * A period the episodes file does not cover would be counted from the
 * part of it the extract happened to hold (metrics.md, Trend): exit 65
 * naming what it lacks.  A file that records no period (made by hand)
 * cannot be checked.
 */
static int
covers(struct pcc *p, const struct ndx_header *h, struct ndx_error *err)
{
	ndx_day hs, he;
	char a[11], b[11];
	const char *in = p->t->input;

	if (h->start[0] == '\0' || h->end[0] == '\0')
		return 0;
	if (ndx_date_parse_iso(h->start, &hs) != NDX_DATE_OK ||
	    ndx_date_parse_iso(h->end, &he) != NDX_DATE_OK)
		return bad_input(p, err, 0, "the header's start and end");
	if (hs <= p->start && he >= p->end)
		return 0;
	if (in == NULL || strcmp(in, "-") == 0)
		in = "standard input";
	/* The days asked for that the file lacks: before it, after it, or
	 * (a period disjoint from it) all of them. */
	if (p->end < hs || p->start > he) {
		ndx_date_format_iso(p->start, a);
		ndx_date_format_iso(p->end, b);
	} else if (p->start < hs) {
		ndx_date_format_iso(p->start, a);
		ndx_date_format_iso(hs - 1, b);
	} else {
		ndx_date_format_iso(he + 1, a);
		ndx_date_format_iso(p->end, b);
	}
	ndx_error_set(err, NDX_EX_DATAERR, in, 0, "covers %s to %s (%s), "
	    "not all of %s: it lacks %s to %s; extract that period",
	    h->start, h->end, h->period[0] != '\0' ? h->period : "no label",
	    p->label, a, b);
	return -1;
}

static int
setup_period(struct pcc *p, const struct ndx_header *h,
    const struct ndx_period *q, struct ndx_error *err)
{
	if (q != NULL) {
		/* A quarter of --trend: its coverage is checked for all. */
		p->start = q->start;
		p->end = q->end;
		snprintf(p->label, sizeof(p->label), "%s", q->label);
	} else if (p->t->has_period) {
		p->start = p->t->period.start;
		p->end = p->t->period.end;
		snprintf(p->label, sizeof(p->label), "%s",
		    p->t->period.label);
		if (covers(p, h, err) != 0)
			return -1;
	} else {
		if (ndx_date_parse_iso(h->start, &p->start) != NDX_DATE_OK ||
		    ndx_date_parse_iso(h->end, &p->end) != NDX_DATE_OK ||
		    p->start > p->end) {
			ndx_error_set(err, NDX_EX_USAGE, "", 0,
			    "no period: the episodes file records none; "
			    "give --quarter, --month or --from and --to");
			return -1;
		}
		if (h->period[0] != '\0')
			snprintf(p->label, sizeof(p->label), "%s", h->period);
		else
			snprintf(p->label, sizeof(p->label), "%s..%s",
			    h->start, h->end);
	}
	ndx_date_format_iso(p->start, p->start_iso);
	ndx_date_format_iso(p->end, p->end_iso);
	return 0;
}

static void
table_init(struct pcc *p, enum measure m, size_t ncols)
{
	struct table *t = &p->tab[m];

	t->ncols = ncols;
	t->col = xcalloc(ncols, sizeof(*t->col));
	t->kind = xcalloc(ncols, sizeof(*t->kind));
	t->count = xcalloc((p->nla + 1) * ncols, sizeof(*t->count));
}

/*
 * Columns: each code of item with property prop, named by its breakdown,
 * in the dataset's order, then `total`.  Returns the codes by column.
 */
static const char **
coded_columns(struct pcc *p, enum measure m, enum ndx_item item,
    const char *prop)
{
	size_t ncode, n = 0;
	const char *const *codes = ndx_dataset_codes(p->ds, item, &ncode);
	const char **which = xcalloc(ncode + 1, sizeof(*which));
	struct table *t;

	for (size_t i = 0; i < ncode; i++)
		if (ndx_dataset_code_prop(p->ds, item, codes[i], prop) !=
		    NULL && ndx_dataset_code_prop(p->ds, item, codes[i],
		    "breakdown") != NULL)
			which[n++] = codes[i];
	table_init(p, m, n + 1);
	t = &p->tab[m];
	for (size_t i = 0; i < n; i++)
		t->col[i] = ndx_dataset_code_prop(p->ds, item, which[i],
		    "breakdown");
	t->col[n] = "total";
	t->kind[n].kind = SUPPRESS_TOTAL;
	return which;
}

static int
group_columns(struct pcc *p, enum measure m, struct ndx_error *err)
{
	size_t n;
	const char *const *groups = ndx_dataset_codes(p->ds,
	    NDX_SUBSTANCE_GROUP, &n);
	struct table *t;

	table_init(p, m, n + 1);
	t = &p->tab[m];
	for (size_t i = 0; i < n; i++)
		t->col[i] = groups[i];
	t->col[n] = "total";
	t->kind[n].kind = SUPPRESS_TOTAL;
	/* Bits 0 (no substance) cannot happen: DRUG1 is checked first. */
	for (unsigned b = 1; b < SUBST_COMBOS; b++)
		if ((p->group_col[b] = index_of(groups, n,
		    ndx_substance_group(b))) == SIZE_MAX) {
			ndx_error_set(err, NDX_EX_CONFIG, "episodes.xsd", 0,
			    "SUBSTANCE_GROUP lacks the group %s",
			    ndx_substance_group(b));
			return -1;
		}
	return 0;
}

static void
fixed_columns(struct pcc *p, enum measure m, const char *const *names,
    size_t n)
{
	struct table *t;

	table_init(p, m, n);
	t = &p->tab[m];
	for (size_t i = 0; i < n; i++)
		t->col[i] = names[i];
}

static int
setup_tables(struct pcc *p, struct ndx_error *err)
{
	static const char *const coc[] = { "released", "engaged_21d", "rate" };
	static const char *const ex[] = { "exits", "early_unplanned", "rate" };
	static const char *const de[] = { "cj", "non_cj", "total" };
	static const char *const hat[] = {
		"in_treatment", "new_starts", "ended", "ended_planned",
		"retained_at_end"
	};

	if (group_columns(p, M_CJ_IN_TREATMENT, err) != 0 ||
	    group_columns(p, M_IN_TREATMENT, err) != 0)
		return -1;
	p->rfls = coded_columns(p, M_CJ_REFERRALS, NDX_RFLS, "cj");
	p->cjorder = coded_columns(p, M_CJ_REQUIREMENTS, NDX_CJORDER,
	    "breakdown");
	fixed_columns(p, M_CONTINUITY, coc, COC_N);
	p->tab[M_CONTINUITY].kind[COC_RATE] = (struct suppress_col){
		SUPPRESS_RATE, COC_ENGAGED, COC_RELEASED };
	if (group_columns(p, M_CJ_COMPLETIONS, err) != 0)
		return -1;
	fixed_columns(p, M_CJ_EARLY_EXITS, ex, EX_N);
	p->tab[M_CJ_EARLY_EXITS].kind[EX_RATE] = (struct suppress_col){
		SUPPRESS_RATE, EX_EARLY, EX_EXITS };
	fixed_columns(p, M_DEATHS, de, DE_N);
	p->tab[M_DEATHS].kind[DE_TOTAL].kind = SUPPRESS_TOTAL;
	fixed_columns(p, M_HAT, hat, HAT_N);
	return 0;
}

/* People */

static uint32_t
hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void
people_grow(struct pcc *p)
{
	size_t n = p->nbucket ? p->nbucket * 2 : 1024;
	struct person **b = xcalloc(n, sizeof(*b));

	for (size_t i = 0; i < p->nbucket; i++) {
		struct person *q, *next;

		for (q = p->bucket[i]; q != NULL; q = next) {
			size_t k = hash(q->key, q->keylen) & (n - 1);

			next = q->next;
			q->next = b[k];
			b[k] = q;
		}
	}
	free(p->bucket);
	p->bucket = b;
	p->nbucket = n;
}

static struct person *
person_get(struct pcc *p, const char *key, size_t n)
{
	struct person *q;
	size_t k;

	if (p->npeople >= p->nbucket)
		people_grow(p);
	k = hash(key, n) & (p->nbucket - 1);
	for (q = p->bucket[k]; q != NULL; q = q->next)
		if (q->keylen == n && memcmp(q->key, key, n) == 0)
			return q;
	q = arena_alloc(p->people, sizeof(*q) + n);
	memset(q, 0, sizeof(*q));
	q->keylen = (uint8_t)n;
	memcpy(q->key, key, n);
	q->next = p->bucket[k];
	p->bucket[k] = q;
	p->npeople++;
	return q;
}

static struct hat_state *
hat_of(struct pcc *p, struct person *q)
{
	if (q->hat == NULL) {
		size_t size = sizeof(*q->hat) +
		    HM_N * p->words * sizeof(uint64_t);

		q->hat = arena_alloc(p->people, size);
		memset(q->hat, 0, size);
	}
	return q->hat;
}

/*
 * A client's identity, metrics.md's FINITIAL ‖ SINITIAL ‖ DOB ‖ SEX
 * (initials upper-cased), or in the pseudonymised form PSEUDO_CLIENT,
 * the keyed hash of exactly that.
 */
static int
client_key(struct pcc *p, const struct ndx_client *c, char *key, size_t size,
    size_t *n, struct ndx_error *err)
{
	const char *fi = NDX_C(c, NDX_FINITIAL), *si = NDX_C(c, NDX_SINITIAL);
	const char *dob = NDX_C(c, NDX_DOB), *sex = NDX_C(c, NDX_SEX);
	const char *pseudo = NDX_C(c, NDX_PSEUDO_CLIENT);
	int len;

	if (p->pseudonymised) {
		if (pseudo == NULL || (*n = strlen(pseudo)) == 0 || *n >= size)
			return bad_input(p, err, c->xml_line,
			    "client without a valid PSEUDO_CLIENT");
		memcpy(key, pseudo, *n);
		return 0;
	}
	if (fi == NULL || si == NULL || dob == NULL || sex == NULL ||
	    strlen(fi) != 1 || strlen(si) != 1)
		return bad_input(p, err, c->xml_line,
		    "client without initials, DOB and SEX");
	len = snprintf(key, size, "%c%c%s%s",
	    fi[0] >= 'a' && fi[0] <= 'z' ? fi[0] - 'a' + 'A' : fi[0],
	    si[0] >= 'a' && si[0] <= 'z' ? si[0] - 'a' + 'A' : si[0], dob, sex);
	if (len < 0 || (size_t)len >= size)
		return bad_input(p, err, c->xml_line, "client identity");
	*n = (size_t)len;
	return 0;
}

static void
latest_update(struct latest *l, const struct episode *e)
{
	if (l->set && (e->triaged < l->triaged || (e->triaged == l->triaged &&
	    memcmp(e->tie, l->tie, TIE_LEN) <= 0)))
		return;
	l->set = 1;
	l->triaged = e->triaged;
	l->la = (uint16_t)e->la;
	memcpy(l->tie, e->tie, TIE_LEN);
}

/* Episodes */

static int
date_of(struct pcc *p, const char *v, ndx_day *d, int *has, long line,
    struct ndx_error *err)
{
	if (v == NULL) {
		if (has == NULL)
			return bad_input(p, err, line, "a mandatory date is "
			    "missing");
		*has = 0;
		return 0;
	}
	if (ndx_date_parse_iso(v, d) != NDX_DATE_OK)
		return bad_input(p, err, line, "not a date");
	if (has != NULL)
		*has = 1;
	return 0;
}

static int
is_cj(const struct pcc *p, const struct ndx_episode *ep)
{
	return scope_is_cj(p->ds, ep);
}

int
scope_is_cj(const struct ndx_dataset *ds, const struct ndx_episode *ep)
{
	const char *rfls = NDX_E(ep, NDX_RFLS);
	const char *cjo = NDX_E(ep, NDX_CJORDER);

	return (rfls != NULL && ndx_dataset_code_prop(ds, NDX_RFLS, rfls,
	    "cj") != NULL) || (cjo != NULL &&
	    ndx_dataset_code_prop(ds, NDX_CJORDER, cjo, "breakdown") !=
	    NULL);
}

/*
 * AGNCY then the episode's id, zero-padded, so memcmp orders as the pair
 * does byte by byte.  The pseudonymised form has no EPISODID: its
 * PSEUDO_EPISODE (32 hex digits) stands in, packed two digits a byte,
 * which keeps the order of the digits.
 */
static int
tie_key(struct pcc *p, const struct ndx_client *c,
    const struct ndx_episode *ep, unsigned char *tie, struct ndx_error *err)
{
	const char *ag = NDX_C(c, NDX_AGNCY);
	const char *id = NDX_E(ep, p->pseudonymised ? NDX_PSEUDO_EPISODE :
	    NDX_EPISODID);
	size_t n;

	memset(tie, 0, TIE_LEN);
	if (ag == NULL || strlen(ag) != AGNCY_LEN || id == NULL)
		return bad_input(p, err, ep->xml_line, "AGNCY or episode id");
	memcpy(tie, ag, AGNCY_LEN);
	n = strlen(id);
	if (!p->pseudonymised) {
		if (n == 0 || n > EPID_MAX)
			return bad_input(p, err, ep->xml_line, "EPISODID");
		memcpy(tie + AGNCY_LEN, id, n);
		return 0;
	}
	if (n != PSEUDO_LEN)
		return bad_input(p, err, ep->xml_line, "PSEUDO_EPISODE");
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (id[i] >= '0' && id[i] <= '9')
			v = (unsigned)(id[i] - '0');
		else if (id[i] >= 'a' && id[i] <= 'f')
			v = (unsigned)(id[i] - 'a' + 10);
		else
			return bad_input(p, err, ep->xml_line,
			    "PSEUDO_EPISODE");
		tie[AGNCY_LEN + i / 2] |= (unsigned char)(i % 2 ? v : v << 4);
	}
	return 0;
}

/*
 * The interventions: "in treatment in P" is one with MODST <= end and
 * (MODEND empty or MODEND >= start).  HAT (MODAL 97) starts, ends and
 * planned ends are counted per intervention and marked against the
 * episode's LA.
 */
static int
scan_interventions(struct pcc *p, const struct ndx_episode *ep,
    struct episode *e, struct ndx_error *err)
{
	for (size_t j = 0; j < ep->niv; j++) {
		const struct ndx_intervention *iv = &ep->iv[j];
		const char *modal = NDX_I(iv, NDX_MODAL);
		const char *mexit = NDX_I(iv, NDX_MODEXIT);
		ndx_day st, en = 0;
		int has_st, has_en, treated;

		if (date_of(p, NDX_I(iv, NDX_MODST), &st, &has_st,
		    iv->xml_line, err) != 0 ||
		    date_of(p, NDX_I(iv, NDX_MODEND), &en, &has_en,
		    iv->xml_line, err) != 0)
			return -1;
		if (!has_st)
			continue;
		treated = st <= p->end && (!has_en || en >= p->start);
		e->in_treatment |= treated;
		if (!e->has_earliest || st < e->earliest) {
			e->earliest = st;
			e->has_earliest = 1;
		}
		if (modal == NULL || strcmp(modal, MODAL_HAT) != 0)
			continue;
		e->hat_in |= treated;
		e->hat_retained |= st <= p->end && (!has_en || en > p->end);
		e->hat_mark[HM_NEW] |= in_period(p, st);
		if (has_en && in_period(p, en)) {
			e->hat_mark[HM_ENDED] = 1;
			e->hat_mark[HM_PLANNED] |= mexit != NULL &&
			    strcmp(mexit, MODEXIT_PLANNED) == 0;
		}
	}
	return 0;
}

static long long *
cell(struct pcc *p, enum measure m, size_t la, size_t col)
{
	return &p->tab[m].count[la * p->tab[m].ncols + col];
}

/* The episode- and intervention-level measures, by the episode's LA. */
static void
count_episode(struct pcc *p, const struct ndx_episode *ep,
    const struct episode *e)
{
	const char *rfls = NDX_E(ep, NDX_RFLS);
	const char *disrsn = NDX_E(ep, NDX_DISRSN);
	const char *class;
	size_t col, nrfls = p->tab[M_CJ_REFERRALS].ncols - 1;
	size_t ncjo = p->tab[M_CJ_REQUIREMENTS].ncols - 1;

	if (in_period(p, e->refld) &&
	    (col = index_of(p->rfls, nrfls, rfls)) != SIZE_MAX)
		(*cell(p, M_CJ_REFERRALS, e->la, col))++;
	if (in_period(p, e->triaged) && (col = index_of(p->cjorder, ncjo,
	    NDX_E(ep, NDX_CJORDER))) != SIZE_MAX)
		(*cell(p, M_CJ_REQUIREMENTS, e->la, col))++;
	/*
	 * Engaged: the episode's earliest MODST, over all its
	 * interventions, lies in [PRISREL, PRISREL + 21].  An earlier start
	 * outside that window is the earliest, so a later one inside it
	 * does not count.
	 */
	if (rfls != NULL && strcmp(rfls, RFLS_PRISON) == 0 &&
	    e->has_prisrel && in_period(p, e->prisrel)) {
		(*cell(p, M_CONTINUITY, e->la, COC_RELEASED))++;
		if (e->has_earliest && e->earliest >= e->prisrel &&
		    e->earliest <= e->prisrel + ENGAGED_DAYS)
			(*cell(p, M_CONTINUITY, e->la, COC_ENGAGED))++;
	}
	if (!e->has_disd || !in_period(p, e->disd))
		return;
	class = disrsn != NULL ? ndx_dataset_code_prop(p->ds, NDX_DISRSN,
	    disrsn, "class") : NULL;
	if (class == NULL)
		class = "";
	if (e->cj && strcmp(class, "completed") == 0)
		(*cell(p, M_CJ_COMPLETIONS, e->la,
		    p->group_col[e->subst]))++;
	if (e->cj) {
		(*cell(p, M_CJ_EARLY_EXITS, e->la, EX_EXITS))++;
		if (strcmp(class, "unplanned") == 0 &&
		    e->disd - e->triaged < EARLY_DAYS)
			(*cell(p, M_CJ_EARLY_EXITS, e->la, EX_EARLY))++;
	}
	if (strcmp(class, "died") == 0)
		(*cell(p, M_DEATHS, e->la, e->cj ? DE_CJ : DE_NON_CJ))++;
}

/* The person's share of client-level measures, folded in at the end. */
static void
count_person(struct pcc *p, struct person *q, const struct episode *e)
{
	struct hat_state *h;

	if (e->cj && e->in_treatment) {
		latest_update(&q->latest[CL_CJ], e);
		q->subst[CL_CJ] |= (uint8_t)e->subst;
	}
	if (e->in_treatment) {
		latest_update(&q->latest[CL_ALL], e);
		q->subst[CL_ALL] |= (uint8_t)e->subst;
	}
	if (!e->hat_in && !e->hat_retained && !e->hat_mark[HM_NEW] &&
	    !e->hat_mark[HM_ENDED])
		return;
	h = hat_of(p, q);
	if (e->hat_in)
		latest_update(&h->latest[CLH_IN], e);
	if (e->hat_retained)
		latest_update(&h->latest[CLH_RETAINED], e);
	for (size_t k = 0; k < HM_N; k++)
		if (e->hat_mark[k])
			h->mask[k * p->words + e->la / 64] |=
			    UINT64_C(1) << (e->la % 64);
}

static int
la_find(const struct pcc *p, const char *code)
{
	return la_index(p->la, p->nla, code);
}

/* One <client> element: its episodes, if its LA is in the area. */
static int
pcc_client(struct pcc *p, const struct ndx_client *c, struct ndx_error *err)
{
	int la = la_find(p, NDX_C(c, NDX_LA));
	char key[64];
	size_t keylen;
	struct person *q = NULL;

	if (la < 0)
		return 0;
	if (client_key(p, c, key, sizeof(key), &keylen, err) != 0)
		return -1;
	for (size_t i = 0; i < c->nep; i++) {
		const struct ndx_episode *ep = &c->ep[i];
		struct episode e;

		memset(&e, 0, sizeof(e));
		e.la = (size_t)la;
		if (date_of(p, NDX_E(ep, NDX_REFLD), &e.refld, NULL,
		    ep->xml_line, err) != 0 ||
		    date_of(p, NDX_E(ep, NDX_TRIAGED), &e.triaged, NULL,
		    ep->xml_line, err) != 0 ||
		    date_of(p, NDX_E(ep, NDX_PRISREL), &e.prisrel,
		    &e.has_prisrel, ep->xml_line, err) != 0 ||
		    date_of(p, NDX_E(ep, NDX_DISD), &e.disd, &e.has_disd,
		    ep->xml_line, err) != 0 ||
		    tie_key(p, c, ep, e.tie, err) != 0 ||
		    scan_interventions(p, ep, &e, err) != 0)
			return -1;
		e.cj = is_cj(p, ep);
		if (NDX_E(ep, NDX_DRUG1) == NULL ||
		    ndx_substances_add(p->ds, ep, &e.subst) != 0)
			return bad_input(p, err, ep->xml_line, "DRUG1-3");
		count_episode(p, ep, &e);
		if (!e.in_treatment && !e.hat_retained &&
		    !e.hat_mark[HM_NEW] && !e.hat_mark[HM_ENDED])
			continue;
		if (q == NULL)
			q = person_get(p, key, keylen);
		count_person(p, q, &e);
	}
	return 0;
}

/*
 * Each person once: in the row of their latest counted episode for each
 * client-level measure, and once in each LA row where a HAT start, end
 * or planned end of theirs was counted.
 */
static void
fold_people(struct pcc *p)
{
	for (size_t b = 0; b < p->nbucket; b++) {
		for (struct person *q = p->bucket[b]; q != NULL; q = q->next) {
			static const enum measure cl[CL_N] = {
				M_CJ_IN_TREATMENT, M_IN_TREATMENT
			};
			static const size_t hm_col[HM_N] = {
				HAT_NEW, HAT_ENDED, HAT_PLANNED
			};

			for (size_t k = 0; k < CL_N; k++)
				if (q->latest[k].set)
					(*cell(p, cl[k], q->latest[k].la,
					    p->group_col[q->subst[k]]))++;
			if (q->hat == NULL)
				continue;
			if (q->hat->latest[CLH_IN].set)
				(*cell(p, M_HAT, q->hat->latest[CLH_IN].la,
				    HAT_IN))++;
			if (q->hat->latest[CLH_RETAINED].set)
				(*cell(p, M_HAT,
				    q->hat->latest[CLH_RETAINED].la,
				    HAT_RETAINED))++;
			for (size_t k = 0; k < HM_N; k++)
				for (size_t la = 0; la < p->nla; la++)
					if (q->hat->mask[k * p->words +
					    la / 64] & UINT64_C(1) << (la % 64))
						(*cell(p, M_HAT, la,
						    hm_col[k]))++;
		}
	}
}

/* `total` is the sum of its row's counts; TOTAL the sum of the LA rows. */
static void
totals(struct pcc *p)
{
	for (size_t m = 0; m < NMEASURES; m++) {
		struct table *t = &p->tab[m];

		for (size_t c = 0; c < t->ncols; c++) {
			if (t->kind[c].kind != SUPPRESS_TOTAL)
				continue;
			for (size_t r = 0; r < p->nla; r++) {
				long long sum = 0;

				for (size_t k = 0; k < t->ncols; k++)
					if (t->kind[k].kind == SUPPRESS_COUNT)
						sum += t->count[r * t->ncols +
						    k];
				t->count[r * t->ncols + c] = sum;
			}
		}
		for (size_t c = 0; c < t->ncols; c++) {
			long long sum = 0;

			for (size_t r = 0; r < p->nla; r++)
				sum += t->count[r * t->ncols + c];
			t->count[p->nla * t->ncols + c] = sum;
		}
	}
}

/* The document */

static const char *
kind_name(enum suppress_kind k)
{
	return k == SUPPRESS_TOTAL ? "total" : k == SUPPRESS_RATE ? "rate" :
	    "count";
}

static void
add_measure(struct pcc *p, xmlNodePtr root, xmlNsPtr ns, enum measure m)
{
	const struct table *t = &p->tab[m];
	struct suppress_rule rule = { p->t->disclosure, p->t->threshold };
	size_t nrows = p->nla + 1;
	char (*shown)[SUPPRESS_CELL] = xcalloc(nrows * t->ncols,
	    sizeof(*shown));
	xmlNodePtr mn = xmlNewChild(root, ns, BAD_CAST "measure", NULL);

	suppress_table(&rule, nrows, t->ncols, t->kind, t->count, shown);
	xmlNewProp(mn, BAD_CAST "name", BAD_CAST measure_name[m]);
	for (size_t c = 0; c < t->ncols; c++) {
		xmlNodePtr b = xmlNewChild(mn, ns, BAD_CAST "breakdown", NULL);

		xmlNewProp(b, BAD_CAST "name", BAD_CAST t->col[c]);
		xmlNewProp(b, BAD_CAST "kind",
		    BAD_CAST kind_name(t->kind[c].kind));
	}
	for (size_t r = 0; r < nrows; r++) {
		xmlNodePtr row = xmlNewChild(mn, ns, BAD_CAST "row", NULL);

		if (r < p->nla) {
			xmlNewProp(row, BAD_CAST "code",
			    BAD_CAST p->la[r]->code);
			xmlNewProp(row, BAD_CAST "name",
			    BAD_CAST p->la[r]->name);
		} else {
			xmlNewProp(row, BAD_CAST "code", BAD_CAST "TOTAL");
			xmlNewProp(row, BAD_CAST "name", BAD_CAST p->area);
			xmlNewProp(row, BAD_CAST "total", BAD_CAST "true");
		}
		for (size_t c = 0; c < t->ncols; c++) {
			xmlNodePtr v = xmlNewTextChild(row, ns,
			    BAD_CAST "value", BAD_CAST shown[r * t->ncols + c]);

			xmlNewProp(v, BAD_CAST "breakdown", BAD_CAST t->col[c]);
		}
	}
	free(shown);
}

/*
 * An input of ndx-combine (exchange.md §7) says which providers it joins
 * and the episodes each left out for CONSENT = N:
 *   <provider agencies="D0412,H0227" consent-excluded="3"/> ...
 * before the measures.  "AGENCIES:N" words of the header's combined.
 */
static void
add_providers(xmlNodePtr root, xmlNsPtr ns, const struct ndx_header *h)
{
	char buf[sizeof(h->combined)], *save = NULL, *w, *colon;

	if (h->combined[0] == '\0')
		return;
	if (h->keyid[0] != '\0')
		xmlNewProp(root, BAD_CAST "keyid", BAD_CAST h->keyid);
	memcpy(buf, h->combined, sizeof(buf));
	for (w = strtok_r(buf, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save)) {
		xmlNodePtr pr = xmlNewChild(root, ns, BAD_CAST "provider",
		    NULL);

		if ((colon = strrchr(w, ':')) != NULL)
			*colon++ = '\0';
		xmlNewProp(pr, BAD_CAST "agencies", BAD_CAST w);
		xmlNewProp(pr, BAD_CAST "consent-excluded",
		    BAD_CAST (colon != NULL ? colon : "0"));
	}
}

/* The period's attributes of the root or of a <quarter>. */
static void
period_props(const struct pcc *p, xmlNodePtr n)
{
	xmlNewProp(n, BAD_CAST "period", BAD_CAST p->label);
	xmlNewProp(n, BAD_CAST "start", BAD_CAST p->start_iso);
	xmlNewProp(n, BAD_CAST "end", BAD_CAST p->end_iso);
}

/*
 * The document of q[n - 1], the period; with --trend the quarters before
 * it come first, each a <quarter period= start= end=> holding its own
 * measures, each under disclosure control on its own (metrics.md).
 */
static xmlDocPtr
build_doc(struct pcc *q, size_t n, const struct ndx_header *h)
{
	struct pcc *p = &q[n - 1];
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "pcc-return");
	xmlNsPtr ns = xmlNewNs(root, BAD_CAST PCC_NS, NULL);
	char num[24];

	/* Declared, so that a reader need not assume it. */
	doc->encoding = xmlStrdup(BAD_CAST "UTF-8");
	xmlSetNs(root, ns);
	xmlDocSetRootElement(doc, root);
	period_props(p, root);
	if (h->asof[0] != '\0')
		xmlNewProp(root, BAD_CAST "asof", BAD_CAST h->asof);
	xmlNewProp(root, BAD_CAST "area", BAD_CAST p->area);
	xmlNewProp(root, BAD_CAST "disclosure",
	    BAD_CAST transform_disclosure_name(p->t->disclosure));
	if (p->t->disclosure == DISCLOSURE_NONE)
		xmlNewProp(root, BAD_CAST "notice",
		    BAD_CAST TRANSFORM_NOTICE_OFF);
	if (p->t->disclosure == DISCLOSURE_SUPPRESS) {
		snprintf(num, sizeof(num), "%d", p->t->threshold);
		xmlNewProp(root, BAD_CAST "threshold", BAD_CAST num);
	}
	xmlNewProp(root, BAD_CAST "dataset", BAD_CAST (h->version >= 2 ? "2" :
	    "1"));
	xmlNewProp(root, BAD_CAST "ndx", BAD_CAST NDX_VERSION);
	if (n > 1) {
		snprintf(num, sizeof(num), "%zu", n);
		xmlNewProp(root, BAD_CAST "trend", BAD_CAST num);
	}
	add_providers(root, ns, h);
	for (size_t i = 0; i + 1 < n; i++) {
		xmlNodePtr qn = xmlNewChild(root, ns, BAD_CAST "quarter", NULL);

		period_props(&q[i], qn);
		for (size_t m = 0; m < NMEASURES; m++)
			add_measure(&q[i], qn, ns, (enum measure)m);
	}
	for (size_t m = 0; m < NMEASURES; m++)
		add_measure(p, root, ns, (enum measure)m);
	return doc;
}

/* The HTML stylesheet's parameters: the layout of its tables. */
static const char **
html_params(const struct transform *t)
{
	static const char *panel[] = { "layout", "'panel'", NULL };

	return t->layout == LAYOUT_PANEL ? panel : NULL;
}

static int
write_doc(struct pcc *p, xmlDocPtr doc, FILE *out, struct ndx_error *err)
{
	int failed;

	switch (p->t->format) {
	case FORMAT_CSV:
		return render_xslt("pcc-csv.xsl", doc, NULL, out, err);
	case FORMAT_CSV_WIDE: {
		const char *wide[] = { "layout", "'wide'", NULL };

		return render_xslt("pcc-csv.xsl", doc, wide, out, err);
	}
	case FORMAT_HTML:
		return render_xslt("pcc-html.xsl", doc, html_params(p->t),
		    out, err);
	case FORMAT_XLSX:
		return pcc_write_xlsx(doc, out, err);
	case FORMAT_XML:
		break;
	}
	failed = xmlDocFormatDump(out, doc, 1) < 0 || fflush(out) != 0 ||
	    ferror(out);
	if (failed) {
		ndx_error_set(err, NDX_EX_IOERR, "", 0, "write error");
		return -1;
	}
	return 0;
}

static void
pcc_free(struct pcc *p)
{
	for (size_t m = 0; m < NMEASURES; m++) {
		free(p->tab[m].col);
		free(p->tab[m].kind);
		free(p->tab[m].count);
	}
	free(p->rfls);
	free(p->cjorder);
	free(p->la);
	free(p->bucket);
	arena_free(p->people);
}

/* The return: one struct pcc a quarter of --trend, the period last. */
struct pcc_return {
	struct ndx_filter filter;	/* first: the return is one */
	struct transform *t;
	struct ndx_header h;		/* the episodes file's */
	FILE *out;
	struct pcc *q;
	size_t n;
	/* Dataset version 2: the outcome measures of the period, whose HAT
	 * cohort the HTML reports beside the hat measure (issue 14). */
	struct ndx_filter *outcomes;
};

static int
return_client(struct ndx_filter *f, struct ndx_client *c,
    struct ndx_error *err)
{
	struct pcc_return *r = (struct pcc_return *)f;

	for (size_t i = 0; i < r->n; i++)
		if (pcc_client(&r->q[i], c, err) != 0)
			return -1;
	return r->outcomes != NULL ?
	    r->outcomes->client(r->outcomes, c, err) : 0;
}

static int
return_end(struct ndx_filter *f, struct ndx_error *err)
{
	struct pcc_return *r = (struct pcc_return *)f;
	const struct transform *t = r->t;
	xmlDocPtr doc;
	int rc;

	/* The CSV header is fixed by metrics.md: say it here as well. */
	if (t->disclosure == DISCLOSURE_NONE)
		diag_warnx("%s", TRANSFORM_NOTICE_OFF);
	for (size_t i = 0; i < r->n; i++) {
		fold_people(&r->q[i]);
		totals(&r->q[i]);
	}
	doc = build_doc(r->q, r->n, &r->h);
	if (r->outcomes != NULL) {
		xmlDocPtr od = outcomes_doc(r->outcomes);

		xmlAddChild(xmlDocGetRootElement(doc), xmlDocCopyNode(
		    xmlDocGetRootElement(od), doc, 1));
		xmlFreeDoc(od);
	}
	rc = write_doc(&r->q[r->n - 1], doc, r->out, err);
	/* The same figures, rendered once more: one computation, two files. */
	if (rc == 0 && t->html_fp != NULL &&
	    (rc = render_xslt("pcc-html.xsl", doc, html_params(t),
	    t->html_fp, err)) != 0 && err->code == NDX_EX_IOERR &&
	    err->file[0] == '\0')
		snprintf(err->file, sizeof(err->file), "%s", t->html);
	xmlFreeDoc(doc);
	return rc;
}

void
product_pcc_free(struct ndx_filter *f)
{
	struct pcc_return *r = (struct pcc_return *)f;

	if (r == NULL)
		return;
	for (size_t i = 0; r->q != NULL && i < r->n; i++)
		pcc_free(&r->q[i]);
	free(r->q);
	product_outcomes_free(r->outcomes);
	free(r);
}

/*
 * --trend N: the period and the N - 1 quarters before it, oldest first;
 * the file must cover them all, or 65 naming the quarters it lacks.
 */
static int
trend_quarters(struct pcc_return *r, struct ndx_period *qs,
    struct ndx_error *err)
{
	const struct ndx_header *h = &r->h;
	size_t n = (size_t)r->t->trend, used = 0;
	char lacks[512] = "";
	ndx_day hs, he;
	const char *in = r->t->input;

	qs[n - 1] = r->t->period;
	for (size_t i = n - 1; i > 0; i--)
		ndx_period_previous_quarter(qs[i].start, &qs[i - 1]);
	if (h->start[0] == '\0' || h->end[0] == '\0')
		return 0;
	if (ndx_date_parse_iso(h->start, &hs) != NDX_DATE_OK ||
	    ndx_date_parse_iso(h->end, &he) != NDX_DATE_OK) {
		ndx_error_set(err, NDX_EX_DATAERR, in, 0, "the header's start "
		    "and end are not dates: not a valid episodes file");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int k;

		if (hs <= qs[i].start && he >= qs[i].end)
			continue;
		k = snprintf(lacks + used, sizeof(lacks) - used, "%s%s",
		    used > 0 ? ", " : "", qs[i].label);
		if (k > 0 && (size_t)k < sizeof(lacks) - used)
			used += (size_t)k;
	}
	if (used == 0)
		return 0;
	if (in == NULL || strcmp(in, "-") == 0)
		in = "standard input";
	ndx_error_set(err, NDX_EX_DATAERR, in, 0, "covers %s to %s (%s), "
	    "but --trend %ld needs %s to %s: it lacks %s; extract those "
	    "quarters (ndx-run: trend = %ld)", h->start, h->end,
	    h->period[0] != '\0' ? h->period : "no label", r->t->trend,
	    qs[0].label, qs[n - 1].label, lacks, r->t->trend);
	return -1;
}

int
scope_setup(const struct transform *t, const struct ndx_header *h,
    struct scope *sc, struct ndx_error *err)
{
	struct pcc p;

	memset(&p, 0, sizeof(p));
	memset(sc, 0, sizeof(*sc));
	p.t = t;
	p.ds = t->ds;
	if (setup_area(&p, err) != 0 || setup_period(&p, h, NULL, err) != 0) {
		free(p.la);
		return -1;
	}
	sc->start = p.start;
	sc->end = p.end;
	memcpy(sc->label, p.label, sizeof(sc->label));
	memcpy(sc->start_iso, p.start_iso, sizeof(sc->start_iso));
	memcpy(sc->end_iso, p.end_iso, sizeof(sc->end_iso));
	sc->area = p.area;
	sc->la = p.la;
	sc->nla = p.nla;
	return 0;
}

int
scope_la(const struct scope *sc, const char *code)
{
	return la_index(sc->la, sc->nla, code);
}

struct ndx_filter *
product_pcc_return(struct transform *t, const struct ndx_header *h,
    FILE *out, struct ndx_error *err)
{
	struct pcc_return *r = xcalloc(1, sizeof(*r));
	struct ndx_period *qs = NULL;

	r->filter.client = return_client;
	r->filter.end = return_end;
	r->t = t;
	r->h = *h;
	r->out = out;
	r->n = t->trend > 1 ? (size_t)t->trend : 1;
	if (r->n > 1) {
		qs = xcalloc(r->n, sizeof(*qs));
		if (trend_quarters(r, qs, err) != 0)
			goto fail;
	}
	r->q = xcalloc(r->n, sizeof(*r->q));
	for (size_t i = 0; i < r->n; i++) {
		struct pcc *p = &r->q[i];

		p->t = t;
		p->ds = t->ds;
		p->pseudonymised = h->pseudonymised;
		p->people = arena_new();
		if (setup_area(p, err) != 0 || setup_period(p, h,
		    qs != NULL ? &qs[i] : NULL, err) != 0 ||
		    setup_tables(p, err) != 0)
			goto fail;
	}
	if (h->version >= 2 &&
	    (r->outcomes = product_outcomes(t, h, NULL, err)) == NULL)
		goto fail;
	free(qs);
	return &r->filter;
fail:
	free(qs);
	product_pcc_free(&r->filter);
	return NULL;
}
