/*
 * libFuzzer harness for ndx-validate's rule engine (validate/rules.c,
 * cross.c, problem.c, report.c).  Random text would never get past the
 * first type check, so the bytes are decoded into one client group, in
 * which every byte picks an item's value from a small palette of values
 * the rules care about, and the group goes through what process_group()
 * in validate/validate.c does.  Checked:
 *
 *  - every problem names a record of the group, a rule of rules.csv and a
 *    field that exists at or above its record's level, with the record's
 *    line and value; no record has two problems of one rule and field;
 *  - each item's own checks agree with the dataset: a missing mandatory
 *    item, a raw date, a value ndx_dataset_check() refuses or a date after
 *    the data cut has its problem, and a good value has none;
 *  - marks: an element is rejected exactly when an error lies on it, on
 *    its client element, on any element of the same EPISODID, or the
 *    group has an R121; MARK_VALUE_ERR exactly when the record itself has
 *    an R001/R002/R003/R070 error; MARK_DUPLICATE (and R123) exactly on
 *    a row equal to an earlier row of its episode element;
 *  - the episode counts are the distinct EPISODIDs and the rejected ones;
 *  - the report writes every problem, in CSV or XML;
 *  - what ndx-validate would write as valid passes the rules again with
 *    no error.
 *
 * Byte layout (a byte past the end reads as 0):
 *
 *   ctl      bits 0-1: clients - 1 (3 reads as 0); bits 2-3: --area
 *            (none, Cleveland, Durham, none); bits 4-5: as-of date
 *            (asofs[] below); bit 6: no CSV line numbers (a hand-made
 *            XML file); bit 7: XML report, else CSV
 *   ndates   % 13: the number of dates in the table that follows
 *   date     3 bytes each: year - 1880, month % 14, day % 32 (so not
 *            always a real date)
 *   client   one byte per client item (NDX_NCLIENT, pseudonymised ones
 *            too), then a byte b giving (b + 1) % 4 episodes; the AGNCY
 *            and CLIENTID of later clients are the first one's (their
 *            bytes are read and ignored), which makes it a group
 *   episode  one byte per episode item (NDX_NEPISODE), then a byte b
 *            giving (b + 1) % 5 interventions
 *   interv.  one byte per intervention item (NDX_NINTERVENTION); the
 *            group is of dataset version 1: no TOP row (R200-R204 are
 *            tests/unit/test_cross.c's and tests/data/rules')
 *
 * An item byte b is: 0 after a record of the same level, that record's
 * value; else entry (b + first) % n of the item's palette of n.  Palettes:
 * for a date, dates around the as-of date (rel[] below), then absent and
 * odd forms (specials[]), then the input's date table; for an item with a
 * code list, its codes from the dataset, else the values of fixed[], then
 * as load_palettes() says.  first (first_pick[]) makes 0 a value that
 * fits the others: input of zeros is a valid client with one episode and
 * one intervention, and mutations start from there.
 *
 * Seeds: FUZZ_RULES_ENCODE=FILE.xml runs no fuzzing but writes the first
 * client group of an episodes file in this layout to standard output (as
 * --area Cleveland), and says on standard error what it could not encode
 * exactly; tests/fuzz/seeds.sh makes the seeds from the rule
 * fixtures of tests/data/rules.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/arena.h"
#include "ndx/dataset.h"
#include "ndx/date.h"
#include "ndx/epxml.h"
#include "ndx/model.h"
#include "ndx/ndx.h"
#include "fuzz.h"
#include "../../validate/validate.h"

int LLVMFuzzerInitialize(int *, char ***);

#define MAX_CLIENTS 3
#define MAX_EPISODES 3		/* per client */
#define MAX_IVS 4		/* per episode */
#define MAX_DATES 12
#define DATE_YEAR0 1880

static const char *const asofs[] = { "2026-11-01", "2024-02-29",
	"2025-03-01", "2000-01-01" };
static const char *const areas[] = { NULL, "Cleveland", "Durham", NULL };

/* Dates as offsets from the as-of date: so many years, then days. */
static const struct {
	int years, days;
} rel[] = {
	{ 0, -30 }, { 0, 0 }, { 0, 1 }, { 0, -1 }, { 0, -2 }, { 0, -7 },
	{ 0, -28 }, { 0, -29 }, { 0, -58 }, { 0, -90 }, { 0, -365 },
	{ 0, -366 }, { 0, -730 }, { -18, -30 }, { -18, -29 }, { -18, -31 },
	{ -17, -30 }, { -40, -30 }, { -100, -30 }, { -101, -30 },
	{ -101, -31 },
};
#define NREL (sizeof(rel) / sizeof(rel[0]))

struct pick {
	const char *v;		/* NULL: absent */
	int raw;
};

/* Date values other than plain dates near the as-of date. */
static const struct pick specials[] = {
	{ NULL, 0 }, { "3/7/2026", 1 }, { "2026-07-03", 1 },
	{ "03/07/2026", 0 }, { "2026-7-3", 0 }, { "2023-02-29", 0 },
	{ "1899-12-31", 0 }, { "2024-02-29", 0 }, { "2026-13-01", 0 },
};
#define NSPECIAL (sizeof(specials) / sizeof(specials[0]))

/* Values of the items with neither a code list nor a date type: the
 * fixtures' and a few that break the type. */
static const struct {
	enum ndx_item item;
	const char *v[12];
} fixed[] = {
	{ NDX_AGNCY, { "N0852", "N1234", "Z9999", "N852", "n0852" } },
	{ NDX_CLIENTID, { "C1", "C2", "abc-DEF-0123456789xy",
	    "abc-DEF-0123456789xyz", "C 1" } },
	{ NDX_FINITIAL, { "J", "A", "K", "Z", "j", "JO", "1", "\xc3\x89" } },
	{ NDX_SINITIAL, { "S", "B", "T", "L", "A", "s", "ST", "1" } },
	{ NDX_PSEUDO_CLIENT, { "0123456789abcdef0123456789abcdef" } },
	{ NDX_NATION, { "GBR", "IRL", "GB", "gbr" } },
	{ NDX_LA, { "E06000002", "E06000001", "E06000003", "E06000004",
	    "E06000005", "E06000047", "E08000021", "E05000002",
	    "E0600000" } },
	{ NDX_PC, { "TS1 3QY", "ZZ99 3VZ", "TS1 3QZ", "TS24 7QS", "TS18 2AB",
	    "M1 1AE", "GIR 0AA", "W1A 1HQ", "TS1 3Q", "ts1 3qy",
	    "TS13QY" } },
	{ NDX_PC_DISTRICT, { "TS1" } },
	{ NDX_EPISODID, { "EP-1", "EP-2", "EP-3", "EP-4", "E1",
	    "EPISODE-123456789012", "EP 1", "EPISODE-1234567890123" } },
	{ NDX_PSEUDO_EPISODE, { "0123456789abcdef0123456789abcdef" } },
	{ NDX_AGE_AT_TRIAGE, { "40" } },
	{ NDX_MODID, { "M1", "M2", "M3", "M_1",
	    "MOD-0123456789abcdef" } },
};

static struct ndx_dataset *ds;
static const struct ndx_rule *rules;
static size_t nrules;
static const struct ndx_rule *r001, *r003, *r101, *r121, *r122, *r123;
/* Palettes of items that are not dates. */
static struct pick *palette[NDX_NITEMS];
static size_t npalette[NDX_NITEMS];
/* The entry byte 0 picks: valid, or absent where optional. */
static size_t first_pick[NDX_NITEMS];

/* The index of v in a palette, or -1. */
static int
find_pick(const struct pick *pal, size_t n, const struct pick *v)
{
	for (size_t i = 0; i < n; i++)
		if (same_value(pal[i].v, v->v) && pal[i].raw == v->raw)
			return (int)i;
	return -1;
}

static void
add_pick(enum ndx_item item, const char *v, int raw)
{
	struct pick *p;

	p = reallocarray(palette[item], npalette[item] + 1, sizeof(*p));
	CHECK(p != NULL);
	p[npalette[item]].v = v;
	p[npalette[item]].raw = raw;
	palette[item] = p;
	npalette[item]++;
}

/*
 * Values, then absent, then the first value marked raw; a code list also
 * has "?" and its first code in lower case.
 */
static void
load_palettes(void)
{
	const char *const *codes;
	const char *const *v;
	size_t n;
	char *lower;

	for (int item = 0; item < NDX_NITEMS; item++) {
		/* Version 1's rows: the TOP's items have no palette. */
		if (ndx_items[item].is_date || ndx_items[item].v2)
			continue;
		if ((codes = ndx_dataset_codes(ds, (enum ndx_item)item,
		    &n)) == NULL) {
			for (n = 0; (int)fixed[n].item != item; n++)
				CHECK(n + 1 < sizeof(fixed) / sizeof(fixed[0]));
			v = fixed[n].v;
			for (n = 0; v[n] != NULL; n++)
				continue;
		} else
			v = codes;
		CHECK(n > 0 && n < 200);
		for (size_t i = 0; i < n; i++)
			add_pick((enum ndx_item)item, v[i], 0);
		add_pick((enum ndx_item)item, NULL, 0);
		add_pick((enum ndx_item)item, v[0], 1);
		if (codes == NULL)
			continue;
		add_pick((enum ndx_item)item, "?", 0);
		CHECK((lower = strdup(codes[0])) != NULL);
		for (char *s = lower; *s != '\0'; s++)
			if (*s >= 'A' && *s <= 'Z')
				*s = (char)(*s - 'A' + 'a');
		if (strcmp(lower, codes[0]) != 0)
			add_pick((enum ndx_item)item, lower, 0);
		else
			free(lower);
	}
}

static size_t
absent_pick(enum ndx_item item)
{
	const struct pick none = { NULL, 0 };
	int k = find_pick(palette[item], npalette[item], &none);

	CHECK(k >= 0);
	return (size_t)k;
}

/*
 * What byte 0 picks.  Items absent from a typical row: those of the
 * pseudonymised form, and what the first rows of spec/example.csv leave
 * empty, so that DRUG2 does not repeat DRUG1 and PREGNANT does not
 * contradict SEX.  DOB is forty years before REFLD and TRIAGED.
 */
static void
load_first_picks(void)
{
	static const enum ndx_item absent[] = { NDX_DRUG2, NDX_DRUG3,
		NDX_PREGNANT, NDX_PRISREL, NDX_DISD, NDX_DISRSN, NDX_MODEND,
		NDX_MODEXIT };
	size_t k;

	for (int item = 0; item < NDX_NITEMS; item++)
		if (ndx_items[item].pseudo)
			first_pick[item] = absent_pick((enum ndx_item)item);
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		first_pick[absent[i]] = ndx_items[absent[i]].is_date ?
		    NREL : absent_pick(absent[i]);	/* specials[0] */
	for (k = 0; rel[k].years != -40; k++)
		continue;
	first_pick[NDX_DOB] = k;
}

/* ------------------------------------------------------------ decoding */

struct decoder {
	const uint8_t *p;
	size_t n;
	struct ndx_arena *a;
	struct pick dates[NREL + NSPECIAL + MAX_DATES];
	size_t ndates;
	/* The last record decoded at each level, as values. */
	struct pick last[NDX_NITEMS];
	int have_last[3];
};

static unsigned
next(struct decoder *d)
{
	if (d->n == 0)
		return 0;
	d->n--;
	return *d->p++;
}

static void
date_palette(struct decoder *d, ndx_day asof)
{
	char buf[11];
	unsigned n = next(d) % (MAX_DATES + 1);

	d->ndates = 0;
	for (size_t i = 0; i < NREL; i++) {
		ndx_date_format_iso(ndx_date_add_years(asof, rel[i].years) +
		    rel[i].days, buf);
		d->dates[d->ndates].v = arena_strdup(d->a, buf);
		d->dates[d->ndates++].raw = 0;
	}
	for (size_t i = 0; i < NSPECIAL; i++)
		d->dates[d->ndates++] = specials[i];
	for (unsigned i = 0; i < n; i++) {
		unsigned y = next(d), m = next(d), day = next(d);

		snprintf(buf, sizeof(buf), "%04u-%02u-%02u", DATE_YEAR0 + y,
		    m % 14, day % 32);
		d->dates[d->ndates].v = arena_strdup(d->a, buf);
		d->dates[d->ndates++].raw = 0;
	}
}

static void
decode_items(struct decoder *d, struct ndx_client *c, struct ndx_episode *e,
    struct ndx_intervention *iv, int first, int last, int level)
{
	for (int item = first; item < last; item++) {
		unsigned b = next(d);
		struct pick v;

		if (b == 0 && d->have_last[level])
			v = d->last[item];
		else if (ndx_items[item].is_date)
			v = d->dates[(b + first_pick[item]) % d->ndates];
		else
			v = palette[item][(b + first_pick[item]) %
			    npalette[item]];
		/* The model holds values in the arena (ndx_row_put). */
		ndx_row_set(d->a, c, e, iv, (enum ndx_item)item, v.v, v.raw);
		d->last[item] = v;
	}
	d->have_last[level] = 1;
}

struct group {
	struct ndx_client *cl[MAX_CLIENTS];
	size_t n;
	const char *asof;
	const char *area;
	int no_lines, xml_report;
};

static void
decode(struct decoder *d, struct group *g)
{
	unsigned ctl = next(d);
	long line = 2, xml_line = 3;
	ndx_day asof;

	memset(g, 0, sizeof(*g));
	g->n = (ctl & 3) % 3 + 1;
	g->area = areas[ctl >> 2 & 3];
	g->asof = asofs[ctl >> 4 & 3];
	g->no_lines = ctl >> 6 & 1;
	g->xml_report = ctl >> 7 & 1;
	CHECK(ndx_date_parse_iso(g->asof, &asof) == NDX_DATE_OK);
	date_palette(d, asof);

	for (size_t k = 0; k < g->n; k++) {
		struct ndx_client *c = arena_alloc(d->a, sizeof(*c));
		unsigned nep;

		memset(c, 0, sizeof(*c));
		c->xml_line = xml_line++;
		decode_items(d, c, NULL, NULL, NDX_CLIENT_FIRST,
		    NDX_EPISODE_FIRST, NDX_LEVEL_CLIENT);
		if (k > 0) {
			NDX_C(c, NDX_AGNCY) = NDX_C(g->cl[0], NDX_AGNCY);
			NDX_C(c, NDX_CLIENTID) = NDX_C(g->cl[0], NDX_CLIENTID);
			c->raw = (c->raw & ~(uint64_t)3) | (g->cl[0]->raw & 3);
		}
		nep = (next(d) + 1) % (MAX_EPISODES + 1);
		for (unsigned i = 0; i < nep; i++) {
			struct ndx_episode *e = ndx_client_add_episode(d->a, c);
			unsigned niv;

			e->xml_line = xml_line++;
			decode_items(d, c, e, NULL, NDX_EPISODE_FIRST,
			    NDX_INTERVENTION_FIRST, NDX_LEVEL_EPISODE);
			niv = (next(d) + 1) % (MAX_IVS + 1);
			for (unsigned j = 0; j < niv; j++) {
				struct ndx_intervention *iv =
				    ndx_episode_add_intervention(d->a, e);

				iv->xml_line = xml_line++;
				iv->line = g->no_lines ? 0 : line++;
				decode_items(d, c, e, iv,
				    NDX_INTERVENTION_FIRST, NDX_TOP_FIRST,
				    NDX_LEVEL_INTERVENTION);
			}
		}
		g->cl[k] = c;
	}
}

/* ------------------------------------------------------------ checking */

static int
rule_error(const struct ndx_rule *r)
{
	return r->severity == NDX_SEV_ERROR;
}

static int
is_value_rule(const struct ndx_rule *r)
{
	return strcmp(r->id, "R001") == 0 || strcmp(r->id, "R002") == 0 ||
	    strcmp(r->id, "R003") == 0 || strcmp(r->id, "R070") == 0;
}

static const struct problem *
find(const struct problems *ps, const struct ndx_client *c,
    const struct ndx_episode *e, const struct ndx_intervention *iv,
    const struct ndx_rule *rule, int field)
{
	for (size_t k = 0; k < ps->n; k++) {
		const struct problem *p = &ps->p[k];

		if (p->c == c && p->e == e && p->iv == iv &&
		    (rule == NULL || p->rule == rule) && p->field == field)
			return p;
	}
	return NULL;
}

/* An error, or (value_rule) an R001-R003/R070 error, on this record. */
static int
has_error(const struct problems *ps, const struct ndx_client *c,
    const struct ndx_episode *e, const struct ndx_intervention *iv,
    int value_rule)
{
	for (size_t k = 0; k < ps->n; k++) {
		const struct problem *p = &ps->p[k];

		if (p->c == c && p->e == e && p->iv == iv &&
		    rule_error(p->rule) && (!value_rule ||
		    is_value_rule(p->rule)))
			return 1;
	}
	return 0;
}

static void
check_problem(const struct group *g, const struct problem *p)
{
	size_t k;
	int level;
	const char *v;

	for (k = 0; k < g->n && g->cl[k] != p->c; k++)
		continue;
	CHECK(k < g->n);
	CHECK(p->e == NULL || (p->e >= p->c->ep &&
	    p->e < p->c->ep + p->c->nep));
	CHECK(p->iv == NULL || (p->e != NULL && p->iv >= p->e->iv &&
	    p->iv < p->e->iv + p->e->niv));
	CHECK(p->rule >= rules && p->rule < rules + nrules);
	CHECK(ndx_dataset_rule(ds, p->rule->id) == p->rule);
	CHECK(p->msg[0] != '\0');

	level = p->iv ? NDX_LEVEL_INTERVENTION : p->e ? NDX_LEVEL_EPISODE :
	    NDX_LEVEL_CLIENT;
	if (p->field < 0) {
		CHECK(p->field == -1 && p->rule == r123 && p->iv != NULL);
		CHECK(p->value == NULL && strcmp(p->field_name, "") == 0);
	} else {
		/* Items of the pseudonymised form are the XSD's business,
		 * but rows may still disagree on them. */
		CHECK(p->field < NDX_NITEMS &&
		    (!ndx_items[p->field].pseudo || p->rule == r122));
		CHECK((int)ndx_items[p->field].level <= level);
		CHECK(strcmp(p->field_name, ndx_items[p->field].code) == 0);
		v = ndx_row_value(p->c, p->e, p->iv,
		    (enum ndx_item)p->field);
		CHECK((p->value == NULL) == (v == NULL));
	}
	if (p->iv != NULL)
		CHECK(p->line == p->iv->line && p->xml_line == p->iv->xml_line);
	else if (p->e != NULL)
		CHECK(p->line == episode_line(p->e) &&
		    p->xml_line == p->e->xml_line);
	else
		CHECK(p->line == client_line(p->c) &&
		    p->xml_line == p->c->xml_line);
}

/* check_items() of rules.c against the dataset, for one record. */
static void
check_own_items(const struct problems *ps, ndx_day asof,
    const struct ndx_client *c, const struct ndx_episode *e,
    const struct ndx_intervention *iv, int first, int last)
{
	struct ndx_check chk;
	const struct ndx_rule *want;
	ndx_day d;

	for (int item = first; item < last; item++) {
		const char *v = ndx_row_value(c, e, iv, (enum ndx_item)item);
		int raw = ndx_row_is_raw(c, e, iv, (enum ndx_item)item);

		if (ndx_items[item].pseudo)
			continue;
		want = NULL;
		if (v == NULL) {
			if (ndx_dataset_mandatory(ds, (enum ndx_item)item))
				want = r001;
		} else if (ndx_items[item].is_date && raw)
			want = r001;
		else if (ndx_dataset_check(ds, (enum ndx_item)item, v,
		    &chk) != 0)
			CHECK((want = ndx_dataset_rule(ds, chk.rule)) != NULL);
		else if (ndx_items[item].is_date &&
		    ndx_date_parse_iso(v, &d) == NDX_DATE_OK && d > asof)
			want = r003;
		if (want != NULL)
			CHECK(find(ps, c, e, iv, want, item) != NULL);
		else
			for (size_t k = 0; k < ps->n; k++) {
				const struct problem *p = &ps->p[k];

				CHECK(!(p->c == c && p->e == e &&
				    p->iv == iv && p->field == item &&
				    is_value_rule(p->rule)));
			}
		if ((item == NDX_FINITIAL || item == NDX_SINITIAL) &&
		    v != NULL && want == NULL && v[0] >= 'a' && v[0] <= 'z')
			CHECK(find(ps, c, e, iv, r101, item) != NULL);
	}
}

static int
same_items(const struct ndx_intervention *a, const struct ndx_intervention *b)
{
	for (int i = 0; i < NDX_NINTERVENTION; i++)
		if (!same_value(a->v[i], b->v[i]))
			return 0;
	return a->raw == b->raw;
}

/* Initials as upper case, one letter each; anything else as it is. */
static int
same_client_item(const char *a, const char *b, int item)
{
	if ((item == NDX_FINITIAL || item == NDX_SINITIAL) && a != NULL &&
	    b != NULL && strlen(a) == 1 && strlen(b) == 1)
		return toupper((unsigned char)a[0]) ==
		    toupper((unsigned char)b[0]);
	return same_value(a, b);
}

/*
 * Two episode elements are one episode for R123 when they share the
 * EPISODID and every client and episode item, initials as upper case.
 */
static int
one_episode(const struct ndx_client *ca, const struct ndx_episode *ea,
    const struct ndx_client *cb, const struct ndx_episode *eb)
{
	for (int i = NDX_CLIENT_FIRST; i < NDX_EPISODE_FIRST; i++)
		if (!same_client_item(NDX_C(ca, i), NDX_C(cb, i), i))
			return 0;
	for (int i = NDX_EPISODE_FIRST; i < NDX_INTERVENTION_FIRST; i++)
		if (!same_value(NDX_E(ea, i), NDX_E(eb, i)))
			return 0;
	return ea->raw == eb->raw;
}

/* Whether row j of element (a, i) repeats a row before it, in file order,
 * of one episode with it. */
static int
duplicate(const struct group *g, size_t a, size_t i, size_t j)
{
	const struct ndx_client *c = g->cl[a];
	const struct ndx_episode *e = &c->ep[i];
	const struct ndx_intervention *iv = &e->iv[j];

	for (size_t a2 = 0; a2 <= a; a2++) {
		const struct ndx_client *c2 = g->cl[a2];

		for (size_t i2 = 0; i2 < c2->nep; i2++) {
			const struct ndx_episode *e2 = &c2->ep[i2];
			size_t until = e2->niv;

			if (a2 == a && i2 > i)
				break;
			if (a2 == a && i2 == i)
				until = j;
			if (!one_episode(c, e, c2, e2))
				continue;
			for (size_t j2 = 0; j2 < until; j2++)
				if (same_items(&e2->iv[j2], iv))
					return 1;
		}
	}
	return 0;
}

static void
check_marks(const struct group *g, const struct rules_ctx *ctx)
{
	const struct problems *ps = ctx->out;
	const struct ndx_episode *ep[MAX_CLIENTS * MAX_EPISODES];
	int rej[MAX_CLIENTS * MAX_EPISODES], crej[MAX_CLIENTS];
	int any_r121 = 0;
	size_t n = 0;
	long distinct = 0, distinct_rejected = 0;

	for (size_t k = 0; k < ps->n; k++)
		any_r121 |= ps->p[k].rule == r121;
	for (size_t a = 0; a < g->n; a++) {
		const struct ndx_client *c = g->cl[a];

		crej[a] = any_r121 || has_error(ps, c, NULL, NULL, 0);
		CHECK(!!(c->mark & MARK_REJECTED) == crej[a]);
		CHECK(!!(c->mark & MARK_VALUE_ERR) ==
		    has_error(ps, c, NULL, NULL, 1));
		CHECK((c->mark & MARK_DUPLICATE) == 0);
		for (size_t i = 0; i < c->nep; i++) {
			const struct ndx_episode *e = &c->ep[i];

			ep[n] = e;
			rej[n++] = crej[a] || has_error(ps, c, e, NULL, 0);
			CHECK(!!(e->mark & MARK_VALUE_ERR) ==
			    has_error(ps, c, e, NULL, 1));
			CHECK((e->mark & MARK_DUPLICATE) == 0);
			for (size_t j = 0; j < e->niv; j++) {
				const struct ndx_intervention *iv = &e->iv[j];
				int dup = 0;

				if (has_error(ps, c, e, iv, 0))
					rej[n - 1] = 1;
				CHECK(!!(iv->mark & MARK_VALUE_ERR) ==
				    has_error(ps, c, e, iv, 1));
				CHECK((iv->mark & MARK_REJECTED) == 0);
				dup = duplicate(g, a, i, j);
				CHECK(!!(iv->mark & MARK_DUPLICATE) == dup);
				CHECK((find(ps, c, e, iv, r123, -1) != NULL) ==
				    dup);
			}
		}
	}
	/* Rejection is shared by every element of one EPISODID. */
	for (size_t i = 0; i < n; i++) {
		int any = 0, first = 1;

		for (size_t k = 0; k < n; k++)
			if (same_value(NDX_E(ep[k], NDX_EPISODID),
			    NDX_E(ep[i], NDX_EPISODID))) {
				any |= rej[k];
				if (k < i)
					first = 0;
			}
		CHECK(!!(ep[i]->mark & MARK_REJECTED) == any);
		distinct += first;
		distinct_rejected += first && any;
	}
	CHECK(ctx->episodes == distinct);
	CHECK(ctx->episodes_rejected == distinct_rejected);
}

static void
check_group(const struct group *g, const struct rules_ctx *ctx)
{
	const struct problems *ps = ctx->out;

	for (size_t k = 0; k < ps->n; k++) {
		check_problem(g, &ps->p[k]);
		/* One problem per record, rule and field. */
		for (size_t j = 0; j < k; j++)
			CHECK(!(ps->p[j].c == ps->p[k].c &&
			    ps->p[j].e == ps->p[k].e &&
			    ps->p[j].iv == ps->p[k].iv &&
			    ps->p[j].rule == ps->p[k].rule &&
			    ps->p[j].field == ps->p[k].field));
	}
	for (size_t a = 0; a < g->n; a++) {
		const struct ndx_client *c = g->cl[a];

		check_own_items(ps, ctx->asof, c, NULL, NULL,
		    NDX_CLIENT_FIRST, NDX_EPISODE_FIRST);
		for (size_t i = 0; i < c->nep; i++) {
			const struct ndx_episode *e = &c->ep[i];

			check_own_items(ps, ctx->asof, c, e, NULL,
			    NDX_EPISODE_FIRST, NDX_INTERVENTION_FIRST);
			for (size_t j = 0; j < e->niv; j++)
				check_own_items(ps, ctx->asof, c, e, &e->iv[j],
				    NDX_INTERVENTION_FIRST, NDX_TOP_FIRST);
		}
	}
	check_marks(g, ctx);
}

static void
check_report(const struct group *g, const struct rules_ctx *ctx)
{
	long *by_rule = calloc(nrules, sizeof(*by_rule));
	long counts[7] = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	struct report *r;
	struct agencies ag = { NULL, 0, 0, 0 };
	struct ndx_error err;

	CHECK(by_rule != NULL && fp != NULL);
	r = report_open(fp, g->xml_report, "fuzz.xml", g->asof, "", &err);
	CHECK(r != NULL);
	for (size_t k = 0; k < ctx->out->n; k++) {
		by_rule[ctx->out->p[k].rule - rules]++;
		CHECK(report_problem(r, &ctx->out->p[k]) == 0);
	}
	counts[0] = ctx->episodes;
	counts[2] = ctx->episodes_rejected;
	counts[1] = counts[0] - counts[2];
	CHECK(report_close(r, by_rule, rules, nrules, counts, &ag) == 0);
	CHECK(fclose(fp) == 0);
	CHECK(len > 0);
	free(buf);
	free(by_rule);
}

/* What process_group() in validate/validate.c does, bar the XSD. */
static void
run_rules(const struct group *g, struct rules_ctx *ctx)
{
	for (size_t a = 0; a < g->n; a++) {
		struct ndx_client *c = g->cl[a];

		rules_client(ctx, c);
		for (size_t i = 0; i < c->nep; i++) {
			rules_episode(ctx, c, &c->ep[i]);
			for (size_t j = 0; j < c->ep[i].niv; j++)
				rules_intervention(ctx, c, &c->ep[i],
				    &c->ep[i].iv[j]);
		}
	}
	rules_group(ctx, g->cl, g->n);
}

static void
setup_ctx(struct rules_ctx *ctx, const struct group *g, struct ndx_arena *a,
    struct problems *ps)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->ds = ds;
	ctx->arena = a;
	ctx->out = ps;
	CHECK(ndx_date_parse_iso(g->asof, &ctx->asof) == NDX_DATE_OK);
	if (g->area != NULL)
		CHECK((ctx->las = ndx_dataset_area(ds, g->area,
		    &ctx->nlas)) != NULL);
}

/*
 * What ndx-validate writes to -o (write_valid() in validate/validate.c):
 * the episodes not rejected, without duplicate rows, initials in upper
 * case, and no client element left without an episode.  Nothing in it
 * may be rejected when validated again.
 */
static void
check_valid_part(const struct group *g, struct ndx_arena *a)
{
	static const enum ndx_item initials[] = { NDX_FINITIAL, NDX_SINITIAL };
	struct group v = *g;
	struct problems ps = { 0 };
	struct rules_ctx ctx;

	v.n = 0;
	for (size_t k = 0; k < g->n; k++) {
		const struct ndx_client *c = g->cl[k];
		struct ndx_client *o = arena_alloc(a, sizeof(*o));

		*o = *c;
		o->mark = 0;
		o->ep = NULL;
		o->nep = o->epcap = 0;
		for (size_t i = 0; i < c->nep; i++) {
			const struct ndx_episode *e = &c->ep[i];
			struct ndx_episode *oe;

			if (e->mark & MARK_REJECTED)
				continue;
			oe = ndx_client_add_episode(a, o);
			*oe = *e;
			oe->mark = 0;
			oe->iv = NULL;
			oe->niv = oe->ivcap = 0;
			for (size_t j = 0; j < e->niv; j++)
				if (!(e->iv[j].mark & MARK_DUPLICATE)) {
					*ndx_episode_add_intervention(a, oe) =
					    e->iv[j];
					oe->iv[oe->niv - 1].mark = 0;
				}
		}
		if (o->nep == 0)
			continue;
		for (size_t i = 0; i < 2; i++) {
			const char *s = NDX_C(o, initials[i]);
			char *u;

			if (s != NULL && s[0] >= 'a' && s[0] <= 'z') {
				u = arena_strdup(a, s);
				u[0] = (char)(u[0] - 'a' + 'A');
				NDX_C(o, initials[i]) = u;
			}
		}
		v.cl[v.n++] = o;
	}
	if (v.n == 0)
		return;
	setup_ctx(&ctx, &v, a, &ps);
	run_rules(&v, &ctx);
	for (size_t k = 0; k < ps.n; k++)
		CHECK(!rule_error(ps.p[k].rule));
	CHECK(ctx.episodes_rejected == 0);
	free(ps.p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ndx_arena *a;
	struct decoder d;
	struct group g;
	struct problems ps = { 0 };
	struct rules_ctx ctx;

	if (a == NULL)
		a = arena_new();
	memset(&d, 0, sizeof(d));
	d.p = data;
	d.n = size;
	d.a = a;
	decode(&d, &g);
	setup_ctx(&ctx, &g, a, &ps);
	run_rules(&g, &ctx);
	check_group(&g, &ctx);
	check_report(&g, &ctx);
	check_valid_part(&g, a);
	free(ps.p);
	arena_reset(a);
	return 0;
}

/* ------------------------------------------------------------ encoding */

/* A present value of the palette the dataset judges as it judges v (any
 * raw value, for a raw date), or -1. */
static int
find_like(enum ndx_item item, const struct pick *pal, size_t n,
    const struct pick *v)
{
	struct ndx_check c1, c2;
	int r1, r2;

	if (v->v == NULL)
		return -1;
	r1 = ndx_dataset_check(ds, item, v->v, &c1);
	for (size_t i = 0; i < n; i++) {
		if (pal[i].v == NULL || pal[i].raw != v->raw)
			continue;
		if (v->raw && ndx_items[item].is_date)
			return (int)i;
		r2 = ndx_dataset_check(ds, item, pal[i].v, &c2);
		if (r1 == r2 && (r1 == 0 || strcmp(c1.rule, c2.rule) == 0))
			return (int)i;
	}
	return -1;
}

struct encoder {
	struct pick dates[NREL + NSPECIAL + MAX_DATES];
	size_t ndates;
	uint8_t table[MAX_DATES][3];
	struct pick last[NDX_NITEMS];
	int have_last[3];
};

/* Puts a date the palette lacks into the table, if it has the shape. */
static void
table_date(struct encoder *en, const struct pick *v)
{
	int y, m, d;
	size_t t = en->ndates - NREL - NSPECIAL;

	if (v->v == NULL || v->raw || find_pick(en->dates, en->ndates, v) >= 0)
		return;
	if (strlen(v->v) != 10 || v->v[4] != '-' || v->v[7] != '-' ||
	    ndx_date_digits(v->v, 4, &y) != 0 ||
	    ndx_date_digits(v->v + 5, 2, &m) != 0 ||
	    ndx_date_digits(v->v + 8, 2, &d) != 0 || y < DATE_YEAR0 ||
	    y > DATE_YEAR0 + 255 || m > 13 || d > 31)
		return;
	if (t == MAX_DATES) {
		fprintf(stderr, "encode: more than %d dates\n", MAX_DATES);
		return;
	}
	en->table[t][0] = (uint8_t)(y - DATE_YEAR0);
	en->table[t][1] = (uint8_t)m;
	en->table[t][2] = (uint8_t)d;
	en->dates[en->ndates++] = *v;
}

/* The items of one record; with fp NULL, only fills the date table. */
static void
encode_items(struct encoder *en, FILE *fp, const struct ndx_client *c,
    const struct ndx_episode *e, const struct ndx_intervention *iv,
    int first, int last, int level)
{
	static const struct pick absent;

	for (int item = first; item < last; item++) {
		struct pick v = { ndx_row_value(c, e, iv, (enum ndx_item)item),
		    ndx_row_is_raw(c, e, iv, (enum ndx_item)item) };
		const struct pick *pal = palette[item];
		size_t n = npalette[item];
		int i;

		if (ndx_items[item].is_date) {
			pal = en->dates;
			n = en->ndates;
			if (fp == NULL) {
				table_date(en, &v);
				continue;
			}
		}
		if (fp == NULL)
			continue;
		if (en->have_last[level] && same_value(en->last[item].v, v.v) &&
		    en->last[item].raw == v.raw) {
			putc(0, fp);
			continue;
		}
		if ((i = find_pick(pal, n, &v)) < 0 &&
		    (i = find_like((enum ndx_item)item, pal, n, &v)) >= 0)
			fprintf(stderr, "encode: %s '%s'%s is not in the "
			    "palette: '%s' instead\n", ndx_items[item].code,
			    v.v, v.raw ? " (raw)" : "", pal[i].v);
		if (i < 0) {
			fprintf(stderr, "encode: %s '%s'%s: absent instead\n",
			    ndx_items[item].code, v.v ? v.v : "",
			    v.raw ? " (raw)" : "");
			CHECK((i = find_pick(pal, n, &absent)) >= 0);
		}
		en->last[item] = pal[i];
		/* The byte b with (b + first) % n == i; n, not 0, after a
		 * record of this level. */
		CHECK(n < 256);
		i = (int)((i + n - first_pick[item] % n) % n);
		putc(i == 0 && en->have_last[level] ? (int)n : i, fp);
	}
	if (fp != NULL)
		en->have_last[level] = 1;
}

static size_t
clamp(size_t n, size_t max, const char *what, FILE *fp)
{
	if (n > max) {
		if (fp != NULL)
			fprintf(stderr, "encode: %zu %s, only %zu encoded\n",
			    n, what, max);
		return max;
	}
	return n;
}

/* The group's records: a first pass (fp NULL) for the date table, then
 * one writing the bytes. */
static void
encode_group(struct encoder *en, FILE *fp, struct ndx_client *const *cl,
    size_t ncl)
{
	for (size_t k = 0; k < ncl; k++) {
		size_t nep = clamp(cl[k]->nep, MAX_EPISODES, "episodes", fp);

		encode_items(en, fp, cl[k], NULL, NULL, NDX_CLIENT_FIRST,
		    NDX_EPISODE_FIRST, NDX_LEVEL_CLIENT);
		if (fp != NULL)
			putc((int)(nep + MAX_EPISODES) % (MAX_EPISODES + 1),
			    fp);
		for (size_t i = 0; i < nep; i++) {
			const struct ndx_episode *e = &cl[k]->ep[i];
			size_t niv = clamp(e->niv, MAX_IVS, "interventions",
			    fp);

			encode_items(en, fp, cl[k], e, NULL, NDX_EPISODE_FIRST,
			    NDX_INTERVENTION_FIRST, NDX_LEVEL_EPISODE);
			if (fp != NULL)
				putc((int)(niv + MAX_IVS) % (MAX_IVS + 1), fp);
			for (size_t j = 0; j < niv; j++)
				encode_items(en, fp, cl[k], e, &e->iv[j],
				    NDX_INTERVENTION_FIRST, NDX_TOP_FIRST,
				    NDX_LEVEL_INTERVENTION);
		}
	}
}

/* Items first..last of two records that differ. */
static size_t
differ(const struct ndx_client *ca, const struct ndx_episode *ea,
    const struct ndx_intervention *ia, const struct ndx_client *cb,
    const struct ndx_episode *eb, const struct ndx_intervention *ib,
    int first, int last)
{
	size_t n = 0;

	for (int i = first; i < last; i++)
		n += !same_value(ndx_row_value(ca, ea, ia, (enum ndx_item)i),
		    ndx_row_value(cb, eb, ib, (enum ndx_item)i)) ||
		    ndx_row_is_raw(ca, ea, ia, (enum ndx_item)i) !=
		    ndx_row_is_raw(cb, eb, ib, (enum ndx_item)i);
	return n;
}

/* Values of the decoded group g that differ from the original's. */
static size_t
differences(const struct group *g, struct ndx_client *const *cl, size_t ncl)
{
	size_t n = 0;

	CHECK(g->n == ncl);
	for (size_t k = 0; k < ncl; k++) {
		const struct ndx_client *a = cl[k], *b = g->cl[k];

		n += differ(a, NULL, NULL, b, NULL, NULL, NDX_CLIENT_FIRST,
		    NDX_EPISODE_FIRST);
		for (size_t i = 0; i < b->nep; i++) {
			const struct ndx_episode *ea = &a->ep[i],
			    *eb = &b->ep[i];

			n += differ(a, ea, NULL, b, eb, NULL,
			    NDX_EPISODE_FIRST, NDX_INTERVENTION_FIRST);
			for (size_t j = 0; j < eb->niv; j++)
				n += differ(a, ea, &ea->iv[j], b, eb,
				    &eb->iv[j], NDX_INTERVENTION_FIRST,
				    NDX_TOP_FIRST);
		}
	}
	return n;
}

/* Writes the first client group of an episodes file; see the top. */
static int
encode(const char *path)
{
	struct ndx_arena *a = arena_new();
	struct epxml_reader *r;
	struct ndx_client *c, *cl[MAX_CLIENTS];
	const struct epxml_problem *probs;
	struct ndx_error err;
	struct encoder en;
	struct decoder d;
	struct group g;
	char *out = NULL;
	size_t nprobs, ncl = 0, len = 0, asof = 0, diff;
	ndx_day day;
	FILE *fp;
	int rc;

	if ((r = epxml_reader_open(path, ds, 0, &err)) == NULL) {
		fprintf(stderr, "encode: %s: %s\n", err.file, err.msg);
		return 1;
	}
	while ((rc = epxml_reader_next(r, a, &c, &probs, &nprobs,
	    &err)) == 1) {
		if (ncl > 0 && (!same_value(NDX_C(c, NDX_AGNCY),
		    NDX_C(cl[0], NDX_AGNCY)) || !same_value(NDX_C(c,
		    NDX_CLIENTID), NDX_C(cl[0], NDX_CLIENTID))))
			break;
		if (ncl == MAX_CLIENTS) {
			fprintf(stderr, "encode: more than %d clients\n",
			    MAX_CLIENTS);
			break;
		}
		cl[ncl++] = c;
	}
	if (rc < 0 || ncl == 0) {
		fprintf(stderr, "encode: %s: %s\n", path,
		    rc < 0 ? err.msg : "no client");
		return 1;
	}
	while (asof < sizeof(asofs) / sizeof(asofs[0]) &&
	    strcmp(asofs[asof], epxml_reader_header(r)->asof) != 0)
		asof++;
	if (asof == sizeof(asofs) / sizeof(asofs[0])) {
		fprintf(stderr, "encode: as-of date %s: %s instead\n",
		    epxml_reader_header(r)->asof, asofs[0]);
		asof = 0;
	}

	/* The dates as the decoder makes them, then the file's own. */
	memset(&d, 0, sizeof(d));
	d.a = a;
	CHECK(ndx_date_parse_iso(asofs[asof], &day) == NDX_DATE_OK);
	date_palette(&d, day);
	memset(&en, 0, sizeof(en));
	memcpy(en.dates, d.dates, d.ndates * sizeof(d.dates[0]));
	en.ndates = d.ndates;
	encode_group(&en, NULL, cl, ncl);

	/* --area Cleveland, CSV line numbers, a CSV report. */
	CHECK((fp = open_memstream(&out, &len)) != NULL);
	putc((int)((ncl - 1) | 1 << 2 | asof << 4), fp);
	putc((int)(en.ndates - NREL - NSPECIAL), fp);
	fwrite(en.table, 3, en.ndates - NREL - NSPECIAL, fp);
	encode_group(&en, fp, cl, ncl);
	CHECK(fclose(fp) == 0);

	memset(&d, 0, sizeof(d));
	d.p = (const uint8_t *)out;
	d.n = len;
	d.a = a;
	decode(&d, &g);
	if ((diff = differences(&g, cl, ncl)) > 0)
		fprintf(stderr, "encode: %s: %zu values differ once decoded\n",
		    path, diff);
	rc = fwrite(out, 1, len, stdout) != len || fflush(stdout) != 0;
	free(out);
	epxml_reader_close(r);
	arena_free(a);
	return rc;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *enc = getenv("FUZZ_RULES_ENCODE");

	(void)argc;
	(void)argv;
	ds = fuzz_dataset("fuzz_rules");
	rules = ndx_dataset_rules(ds, &nrules);
	CHECK((r001 = ndx_dataset_rule(ds, "R001")) != NULL);
	CHECK((r003 = ndx_dataset_rule(ds, "R003")) != NULL);
	CHECK((r101 = ndx_dataset_rule(ds, "R101")) != NULL);
	CHECK((r121 = ndx_dataset_rule(ds, "R121")) != NULL);
	CHECK((r122 = ndx_dataset_rule(ds, "R122")) != NULL);
	CHECK((r123 = ndx_dataset_rule(ds, "R123")) != NULL);
	load_palettes();
	load_first_picks();
	if (enc != NULL)
		exit(encode(enc));
	return 0;
}
