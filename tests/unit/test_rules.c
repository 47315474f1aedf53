/*
 * Unit tests for validate/rules.c: rules_client, rules_episode and
 * rules_intervention on one hand-built row.  The base row is
 * spec/example.csv's first row (one intervention M1, dates in ISO form as
 * the model holds them); each test changes an item or two.
 *
 * For every rule of dataset.md §5 that looks at one row (R001-R071, R101,
 * R120) there is a row that trips it, checked for the exact rule, field,
 * severity and record level (client, episode or intervention), and a near
 * miss that passes with no problem at all.  Multi-clause rules have a row
 * per clause.  Also: comparisons stay silent when an input is invalid, one
 * report row per record, rule and field, date boundaries, and the marks
 * the rules leave for rejection.
 *
 * The field each rule names follows tests/data/rules/expected.txt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ndx/arena.h"
#include "ndx/dataset.h"
#include "ndx/date.h"
#include "ndx/model.h"
#include "ndx/ndx.h"
#include "../../validate/validate.h"

#define ASOF "2026-11-01"

struct fixture {
	struct ndx_dataset *ds;
	struct ndx_arena *arena;
	struct problems out;
	const struct ndx_area_la *las;	/* NULL: no --area */
	size_t nlas;
};

/* One row: a client, its episode and its intervention. */
struct row {
	struct ndx_client *c;
	struct ndx_episode *e;
	struct ndx_intervention *iv;
};

/* spec/example.csv, first row. */
static const struct {
	enum ndx_item item;
	const char *v;
} base[] = {
	{ NDX_AGNCY, "N0852" },		{ NDX_CLIENTID, "C1" },
	{ NDX_FINITIAL, "J" },		{ NDX_SINITIAL, "S" },
	{ NDX_DOB, "1980-03-07" },	{ NDX_SEX, "M" },
	{ NDX_ETHNIC, "A" },		{ NDX_NATION, "GBR" },
	{ NDX_LA, "E06000002" },	{ NDX_PC, "TS1 3QY" },
	{ NDX_CONSENT, "Y" },		{ NDX_EPISODID, "EP-1" },
	{ NDX_REFLD, "2026-07-01" },	{ NDX_TRIAGED, "2026-07-03" },
	{ NDX_RFLS, "4" },		{ NDX_DRUG1, "1011" },
	{ NDX_DRUG2, "3201" },		{ NDX_ROUTE, "1" },
	{ NDX_INJSTAT, "C" },		{ NDX_ACCMNEED, "3" },
	{ NDX_EMPSTAT, "12" },		{ NDX_PRNTSTAT, "14" },
	{ NDX_CJORDER, "9" },		{ NDX_MODID, "M1" },
	{ NDX_MODAL, "94" },		{ NDX_MODSET, "1" },
	{ NDX_REFMODDT, "2026-07-03" },	{ NDX_MODST, "2026-07-05" },
};

static int
setup(void **state)
{
	static struct fixture fx;
	struct ndx_error err = { 0 };
	const char *src = getenv("NDX_SRCDIR");
	char dir[1100];

	if (getenv("NDX_DATADIR") == NULL) {
		snprintf(dir, sizeof(dir), "%s/schemas",
		    src != NULL ? src : ".");
		setenv("NDX_DATADIR", dir, 1);
	}
	memset(&fx, 0, sizeof(fx));
	if ((fx.ds = ndx_dataset_load(&err)) == NULL) {
		fprintf(stderr, "%s:%ld: %s\n", err.file, err.line, err.msg);
		return -1;
	}
	fx.arena = arena_new();
	*state = &fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	free(fx->out.p);
	arena_free(fx->arena);
	ndx_dataset_free(fx->ds);
	return 0;
}

/* Before each test: an empty arena, no area. */
static int
reset(void **state)
{
	struct fixture *fx = *state;

	arena_reset(fx->arena);
	fx->out.n = 0;
	fx->las = NULL;
	fx->nlas = 0;
	return 0;
}

static void
with_area(struct fixture *fx, const char *name)
{
	fx->las = ndx_dataset_area(fx->ds, name, &fx->nlas);
	assert_non_null(fx->las);
}

/* The base row, in the arena; its intervention is on CSV line 2. */
static struct row
row_new(struct fixture *fx)
{
	struct row r;

	r.c = arena_alloc(fx->arena, sizeof(*r.c));
	memset(r.c, 0, sizeof(*r.c));
	r.e = ndx_client_add_episode(fx->arena, r.c);
	r.iv = ndx_episode_add_intervention(fx->arena, r.e);
	r.iv->line = 2;
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		ndx_row_set(fx->arena, r.c, r.e, r.iv, base[i].item, base[i].v,
		    0);
	return r;
}

/* Changes one item: NULL or "" makes it absent; dates are YYYY-MM-DD. */
static void
set(struct fixture *fx, struct row *r, enum ndx_item item, const char *v)
{
	ndx_row_set(fx->arena, r->c, r->e, r->iv, item, v, 0);
}

/* A date as the source gave it when it was not DD/MM/YYYY at all. */
static void
set_raw(struct fixture *fx, struct row *r, enum ndx_item item, const char *v)
{
	ndx_row_set(fx->arena, r->c, r->e, r->iv, item, v, 1);
}

/* An episode with no intervention yet: one row with no items. */
static void
no_intervention(struct fixture *fx, struct row *r)
{
	for (int i = NDX_INTERVENTION_FIRST; i < NDX_NITEMS; i++)
		set(fx, r, (enum ndx_item)i, NULL);
}

static struct rules_ctx
ctx_of(struct fixture *fx)
{
	struct rules_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.ds = fx->ds;
	assert_int_equal(ndx_date_parse_iso(ASOF, &ctx.asof), NDX_DATE_OK);
	ctx.las = fx->las;
	ctx.nlas = fx->nlas;
	ctx.arena = fx->arena;
	ctx.out = &fx->out;
	return ctx;
}

enum level { CLIENT, EPISODE, INTERVENTION, ALL };

/*
 * Runs the rules function of one level (or all three, in ndx-validate's
 * order) on the row, into an empty problem list, with fresh marks.
 */
static const struct problems *
run(struct fixture *fx, struct row *r, enum level lv)
{
	struct rules_ctx ctx = ctx_of(fx);

	fx->out.n = 0;
	r->c->mark = r->e->mark = r->iv->mark = 0;
	if (lv == CLIENT || lv == ALL)
		rules_client(&ctx, r->c);
	if (lv == EPISODE || lv == ALL)
		rules_episode(&ctx, r->c, r->e);
	if (lv == INTERVENTION || lv == ALL)
		rules_intervention(&ctx, r->c, r->e, r->iv);
	return &fx->out;
}

static const char *
describe(const struct problems *ps, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < ps->n && off < len; k++)
		off += (size_t)snprintf(buf + off, len - off, " [%s %s: %s]",
		    ps->p[k].rule->id, ps->p[k].field_name, ps->p[k].msg);
	return buf;
}

static void
expect_none(struct fixture *fx, struct row *r)
{
	const struct problems *ps = run(fx, r, ALL);
	char buf[2048];

	if (ps->n != 0)
		fail_msg("%zu problem(s):%s", ps->n, describe(ps, buf,
		    sizeof(buf)));
	assert_int_equal(r->c->mark | r->e->mark | r->iv->mark, 0);
}

/* The problem with this rule and field, or a failure. */
static const struct problem *
find(const struct problems *ps, const char *rule, int field)
{
	char buf[2048];

	for (size_t k = 0; k < ps->n; k++)
		if (strcmp(ps->p[k].rule->id, rule) == 0 &&
		    ps->p[k].field == field)
			return &ps->p[k];
	fail_msg("no %s on %s among%s", rule,
	    field >= 0 ? ndx_items[field].code : "-",
	    describe(ps, buf, sizeof(buf)));
	return NULL;
}

/* The record a problem is reported against. */
static void
assert_level(const struct problem *p, const struct row *r, enum level lv)
{
	assert_ptr_equal(p->c, r->c);
	switch (lv) {
	case CLIENT:
		assert_null(p->e);
		assert_null(p->iv);
		break;
	case EPISODE:
		assert_ptr_equal(p->e, r->e);
		assert_null(p->iv);
		break;
	case INTERVENTION:
	case ALL:
		assert_ptr_equal(p->e, r->e);
		assert_ptr_equal(p->iv, r->iv);
		break;
	}
}

/*
 * The row breaks exactly one rule, once: that rule on that field, at that
 * record level, with that severity.  The level's own function finds it,
 * and all three together find nothing else.
 */
static const struct problem *
expect_one(struct fixture *fx, struct row *r, enum level lv,
    const char *rule, int field, enum ndx_severity sev)
{
	const struct problems *ps = run(fx, r, lv);
	const struct problem *p;
	char buf[2048];

	if (ps->n != 1 || strcmp(ps->p[0].rule->id, rule) != 0 ||
	    ps->p[0].field != field)
		fail_msg("%s level: want only %s %s, got%s",
		    lv == CLIENT ? "client" : lv == EPISODE ? "episode" :
		    "intervention", rule,
		    field >= 0 ? ndx_items[field].code : "-",
		    describe(ps, buf, sizeof(buf)));
	ps = run(fx, r, ALL);
	if (ps->n != 1)
		fail_msg("all levels: want only %s, got%s", rule,
		    describe(ps, buf, sizeof(buf)));
	p = find(ps, rule, field);
	assert_int_equal(p->rule->severity, sev);
	assert_string_equal(p->field_name,
	    field >= 0 ? ndx_items[field].code : "");
	assert_level(p, r, lv);
	assert_int_equal(p->line, 2);
	return p;
}

#define ERR NDX_SEV_ERROR
#define WARN NDX_SEV_WARNING

/* ---------------------------------------------------------------- base */

static void
test_rules_base_row_passes(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	expect_none(fx, &r);
	with_area(fx, "Cleveland");
	expect_none(fx, &r);
}

/*
 * A wrong code is reported once, as R001, and rules relating it to other
 * items stay silent: each case sets items so that a relational rule would
 * fire on the raw text, and only the R001 may appear.
 */
static void
test_rules_invalid_code_silences_relations(void **state)
{
	static const struct {
		enum ndx_item item[2];
		const char *value[2];
		enum ndx_item bad;	/* the one R001 */
	} cases[] = {
		{ { NDX_RFLS, NDX_PRISREL }, { "99", "2026-07-01" }, NDX_RFLS },
		{ { NDX_RFLS, NDX_CJORDER }, { "6", "7" }, NDX_CJORDER },
		{ { NDX_RFLS, NDX_CJORDER }, { "30", "7" }, NDX_CJORDER },
		{ { NDX_ROUTE, NDX_INJSTAT }, { "1", "Q" }, NDX_INJSTAT },
		{ { NDX_SEX, NDX_PREGNANT }, { "Q", "Y" }, NDX_SEX },
		{ { NDX_ACCMNEED, NDX_PC }, { "7", NULL }, NDX_ACCMNEED },
		{ { NDX_ACCMNEED, NDX_PC }, { "7", "ZZ99 3VZ" }, NDX_ACCMNEED },
		{ { NDX_DRUG1, NDX_ROUTE }, { "9999", NULL }, NDX_DRUG1 },
		{ { NDX_DRUG1, NDX_CJORDER }, { "9999", "2" }, NDX_DRUG1 },
	};
	struct fixture *fx = *state;
	char buf[2048];

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct row r = row_new(fx);
		const struct problems *ps;

		for (int i = 0; i < 2; i++)
			set(fx, &r, cases[k].item[i], cases[k].value[i]);
		ps = run(fx, &r, ALL);
		if (ps->n != 1 || strcmp(ps->p[0].rule->id, "R001") != 0 ||
		    ps->p[0].field != (int)cases[k].bad)
			fail_msg("case %zu: want only R001 on %s, got%s", k,
			    ndx_items[cases[k].bad].code,
			    describe(ps, buf, sizeof(buf)));
	}
}

/* Both substances wrong and equal: two R001s, and no R040. */
static void
test_rules_invalid_equal_substances_no_r040(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);
	const struct problems *ps;

	set(fx, &r, NDX_DRUG1, "9999");
	set(fx, &r, NDX_DRUG2, "9999");
	ps = run(fx, &r, ALL);
	assert_int_equal(ps->n, 2);
	for (size_t k = 0; k < ps->n; k++)
		assert_string_equal(ps->p[k].rule->id, "R001");
}

/* ---------------------------------------------------------------- R001 */

static void
test_rules_r001_mandatory_client_item_missing(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_SEX, NULL);
	expect_one(fx, &r, CLIENT, "R001", NDX_SEX, ERR);
}

static void
test_rules_r001_mandatory_episode_item_missing(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_RFLS, NULL);
	expect_one(fx, &r, EPISODE, "R001", NDX_RFLS, ERR);
}

static void
test_rules_r001_code_not_in_list(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_SEX, "Q");
	expect_one(fx, &r, CLIENT, "R001", NDX_SEX, ERR);
	r = row_new(fx);
	set(fx, &r, NDX_DRUG1, "9999");
	set(fx, &r, NDX_ROUTE, "3");	/* keeps R041 out of it */
	expect_one(fx, &r, EPISODE, "R001", NDX_DRUG1, ERR);
	r = row_new(fx);
	set(fx, &r, NDX_CONSENT, "y");	/* only initials are upper-cased */
	expect_one(fx, &r, CLIENT, "R001", NDX_CONSENT, ERR);
}

static void
test_rules_r001_intervention_item(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_MODAL, "93");
	expect_one(fx, &r, INTERVENTION, "R001", NDX_MODAL, ERR);
	r = row_new(fx);
	set(fx, &r, NDX_MODID, "M_1");
	expect_one(fx, &r, INTERVENTION, "R001", NDX_MODID, ERR);
}

/* An optional item is checked when present. */
static void
test_rules_r001_optional_item_malformed(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_NATION, "GB");
	expect_one(fx, &r, CLIENT, "R001", NDX_NATION, ERR);
	r = row_new(fx);
	set(fx, &r, NDX_NATION, NULL);
	set(fx, &r, NDX_DRUG2, NULL);
	expect_none(fx, &r);
}

static void
test_rules_r001_length_limits(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_CLIENTID, "ABCDEFGHIJ-123456789");	/* 20 */
	set(fx, &r, NDX_EPISODID, "ABCDEFGHIJ-123456789");
	set(fx, &r, NDX_MODID, "ABCDEFGHIJ-123456789");
	expect_none(fx, &r);
	set(fx, &r, NDX_CLIENTID, "ABCDEFGHIJ-1234567890");	/* 21 */
	expect_one(fx, &r, CLIENT, "R001", NDX_CLIENTID, ERR);
	r = row_new(fx);
	set(fx, &r, NDX_FINITIAL, "JO");
	expect_one(fx, &r, CLIENT, "R001", NDX_FINITIAL, ERR);
}

/*
 * A date that was not DD/MM/YYYY at all is kept as the source text with
 * its raw bit set: R001, and no rule compares it.
 */
static void
test_rules_r001_raw_date(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);
	const struct problem *p;

	set_raw(fx, &r, NDX_REFLD, "2026-07-01");
	p = expect_one(fx, &r, EPISODE, "R001", NDX_REFLD, ERR);
	assert_string_equal(p->value, "2026-07-01");
	/* The raw text would be a valid ISO date: still no R020. */
	r = row_new(fx);
	set_raw(fx, &r, NDX_REFLD, "2026-07-09");
	expect_one(fx, &r, EPISODE, "R001", NDX_REFLD, ERR);
	r = row_new(fx);
	set_raw(fx, &r, NDX_DOB, "7 March 2026");	/* no R010 */
	expect_one(fx, &r, CLIENT, "R001", NDX_DOB, ERR);
	r = row_new(fx);
	set_raw(fx, &r, NDX_MODST, "2026-07-01");	/* no R031 */
	expect_one(fx, &r, INTERVENTION, "R001", NDX_MODST, ERR);
}

/* ---------------------------------------------------------------- R002 */

static void
test_rules_r002_not_a_real_date(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);
	const struct problem *p;

	set(fx, &r, NDX_DOB, "1983-02-29");
	p = expect_one(fx, &r, CLIENT, "R002", NDX_DOB, ERR);
	assert_string_equal(p->value, "29/02/1983");	/* CSV form */
	r = row_new(fx);
	set(fx, &r, NDX_REFLD, "2026-13-01");
	expect_one(fx, &r, EPISODE, "R002", NDX_REFLD, ERR);
	r = row_new(fx);
	set(fx, &r, NDX_MODST, "2026-06-31");
	expect_one(fx, &r, INTERVENTION, "R002", NDX_MODST, ERR);
}

/* 31/12/1899: R002 alone; the DOB is not used for R011 once invalid. */
static void
test_rules_r002_year_before_1900(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_DOB, "1899-12-31");
	expect_one(fx, &r, CLIENT, "R002", NDX_DOB, ERR);
	set(fx, &r, NDX_DOB, "1900-01-01");
	expect_one(fx, &r, EPISODE, "R011", NDX_DOB, WARN);
}

static void
test_rules_r002_feb29_leap_year(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_DOB, "1984-02-29");
	expect_none(fx, &r);
	set(fx, &r, NDX_DOB, "2000-02-29");	/* divisible by 400 */
	expect_none(fx, &r);
	set(fx, &r, NDX_DOB, "1900-02-29");	/* divisible by 100 */
	expect_one(fx, &r, CLIENT, "R002", NDX_DOB, ERR);
}

/* ---------------------------------------------------------------- R003 */

static void
test_rules_r003_after_data_cut(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_MODEND, "2026-11-02");
	set(fx, &r, NDX_MODEXIT, "A");
	expect_one(fx, &r, INTERVENTION, "R003", NDX_MODEND, ERR);
	r = row_new(fx);
	set(fx, &r, NDX_MODEND, "2026-10-01");
	set(fx, &r, NDX_MODEXIT, "A");
	set(fx, &r, NDX_DISD, "2026-11-02");
	set(fx, &r, NDX_DISRSN, "80");
	expect_one(fx, &r, EPISODE, "R003", NDX_DISD, ERR);
}

static void
test_rules_r003_on_the_data_cut(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_MODEND, ASOF);
	set(fx, &r, NDX_MODEXIT, "A");
	set(fx, &r, NDX_DISD, ASOF);
	set(fx, &r, NDX_DISRSN, "80");
	expect_none(fx, &r);
}

/* ---------------------------------------------------------------- R010 */

/* Clause "age at TRIAGED >= 18": the 18th birthday the day after. */
static void
test_rules_r010_age_17(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_DOB, "2008-07-04");
	expect_one(fx, &r, EPISODE, "R010", NDX_DOB, ERR);
}

/* The 18th birthday on the triage date counts. */
static void
test_rules_r010_age_18_on_triage_date(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_DOB, "2008-07-03");
	expect_none(fx, &r);
}

/* Born 29 February: the 18th birthday is 1 March in a common year. */
static void
test_rules_r010_feb29_birthday(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_DOB, "2008-02-29");
	set(fx, &r, NDX_REFLD, "2026-02-20");
	set(fx, &r, NDX_TRIAGED, "2026-02-28");
	expect_one(fx, &r, EPISODE, "R010", NDX_DOB, ERR);
	set(fx, &r, NDX_TRIAGED, "2026-03-01");
	expect_none(fx, &r);
}

/*
 * Clause "DOB < REFLD" alone: with TRIAGED missing there is no age to
 * check, so only this clause can fail (besides R001 on TRIAGED).
 */
static void
test_rules_r010_dob_not_before_refld(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);
	const struct problems *ps;

	set(fx, &r, NDX_TRIAGED, NULL);
	set(fx, &r, NDX_DOB, "2026-07-01");
	ps = run(fx, &r, EPISODE);
	assert_int_equal(ps->n, 2);
	find(ps, "R001", NDX_TRIAGED);
	assert_int_equal(find(ps, "R010", NDX_DOB)->rule->severity, ERR);
	/* DOB the day before REFLD: the clause holds, and with no TRIAGED
	 * there is no age to find under 18 */
	set(fx, &r, NDX_DOB, "2026-06-30");
	ps = run(fx, &r, EPISODE);
	assert_int_equal(ps->n, 1);
	find(ps, "R001", NDX_TRIAGED);
}

/* DOB = REFLD breaks both clauses: one report row. */
static void
test_rules_r010_both_clauses_once(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_DOB, "2026-07-01");
	expect_one(fx, &r, EPISODE, "R010", NDX_DOB, ERR);
}

/* ---------------------------------------------------------------- R011 */

static void
test_rules_r011_age_101(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_DOB, "1925-07-03");	/* 101 on the triage date */
	expect_one(fx, &r, EPISODE, "R011", NDX_DOB, WARN);
}

static void
test_rules_r011_age_100(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_DOB, "1925-07-04");
	expect_none(fx, &r);
}

/* ---------------------------------------------------------------- R020 */

static void
test_rules_r020_refld_after_triaged(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);
	const struct problem *p;

	set(fx, &r, NDX_REFLD, "2026-07-04");
	p = expect_one(fx, &r, EPISODE, "R020", NDX_REFLD, ERR);
	assert_string_equal(p->value, "04/07/2026");
}

static void
test_rules_r020_same_day(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_REFLD, "2026-07-03");
	expect_none(fx, &r);
}

/* An invalid REFLD is R001/R002's business: no R020, no R010. */
static void
test_rules_r020_silent_when_invalid(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_REFLD, "2026-07-32");
	expect_one(fx, &r, EPISODE, "R002", NDX_REFLD, ERR);
	set_raw(fx, &r, NDX_REFLD, "04/07/26");
	expect_one(fx, &r, EPISODE, "R001", NDX_REFLD, ERR);
	set(fx, &r, NDX_REFLD, NULL);
	expect_one(fx, &r, EPISODE, "R001", NDX_REFLD, ERR);
	/* and an invalid TRIAGED, however late REFLD is */
	r = row_new(fx);
	set(fx, &r, NDX_REFLD, "2026-07-04");
	set(fx, &r, NDX_TRIAGED, "2026-02-30");
	expect_one(fx, &r, EPISODE, "R002", NDX_TRIAGED, ERR);
}

/* ---------------------------------------------------------------- R021 */

static void
test_rules_r021_disrsn_missing(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	no_intervention(fx, &r);
	set(fx, &r, NDX_DISD, "2026-09-01");
	expect_one(fx, &r, EPISODE, "R021", NDX_DISRSN, ERR);
}

static void
test_rules_r021_disd_missing(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_DISRSN, "80");
	expect_one(fx, &r, EPISODE, "R021", NDX_DISD, ERR);
}

static void
test_rules_r021_disd_before_triaged(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	no_intervention(fx, &r);
	set(fx, &r, NDX_DISD, "2026-07-02");
	set(fx, &r, NDX_DISRSN, "80");
	expect_one(fx, &r, EPISODE, "R021", NDX_DISD, ERR);
}

/* Both clauses, different fields: two rows. */
static void
test_rules_r021_both_clauses(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);
	const struct problems *ps;

	no_intervention(fx, &r);
	set(fx, &r, NDX_DISD, "2026-07-02");
	ps = run(fx, &r, ALL);
	assert_int_equal(ps->n, 2);
	find(ps, "R021", NDX_DISRSN);
	find(ps, "R021", NDX_DISD);
}

static void
test_rules_r021_same_day(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	no_intervention(fx, &r);
	set(fx, &r, NDX_DISD, "2026-07-03");
	set(fx, &r, NDX_DISRSN, "80");
	expect_none(fx, &r);
}

/* ---------------------------------------------------------------- R030 */

static void
test_rules_r030_one_missing(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_MODAL, NULL);
	expect_one(fx, &r, INTERVENTION, "R030", NDX_MODAL, ERR);
}

/* Only MODEND and MODEXIT: each of the five others, once. */
static void
test_rules_r030_only_end(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);
	static const enum ndx_item core[] = { NDX_MODID, NDX_MODAL,
		NDX_MODSET, NDX_REFMODDT, NDX_MODST };
	const struct problems *ps;

	no_intervention(fx, &r);
	set(fx, &r, NDX_MODEND, "2026-08-01");
	set(fx, &r, NDX_MODEXIT, "A");
	ps = run(fx, &r, ALL);
	assert_int_equal(ps->n, 5);
	for (size_t i = 0; i < 5; i++) {
		const struct problem *p = find(ps, "R030", core[i]);

		assert_int_equal(p->rule->severity, ERR);
		assert_level(p, &r, INTERVENTION);
	}
}

static void
test_rules_r030_no_intervention(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	no_intervention(fx, &r);
	expect_none(fx, &r);
}

/* ---------------------------------------------------------------- R031 */

static void
test_rules_r031_refmoddt_after_modst(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_REFMODDT, "2026-07-06");
	expect_one(fx, &r, INTERVENTION, "R031", NDX_REFMODDT, ERR);
}

static void
test_rules_r031_modst_before_triaged(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_REFMODDT, "2026-07-01");
	set(fx, &r, NDX_MODST, "2026-07-02");
	expect_one(fx, &r, INTERVENTION, "R031", NDX_MODST, ERR);
}

static void
test_rules_r031_modexit_missing(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_MODEND, "2026-08-01");
	expect_one(fx, &r, INTERVENTION, "R031", NDX_MODEXIT, ERR);
}

static void
test_rules_r031_modend_missing(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_MODEXIT, "A");
	expect_one(fx, &r, INTERVENTION, "R031", NDX_MODEND, ERR);
}

static void
test_rules_r031_modst_after_modend(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_MODEND, "2026-07-04");
	set(fx, &r, NDX_MODEXIT, "A");
	expect_one(fx, &r, INTERVENTION, "R031", NDX_MODST, ERR);
}

/* MODST before TRIAGED and after MODEND: one row on MODST. */
static void
test_rules_r031_modst_twice_once(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_REFMODDT, "2026-06-01");
	set(fx, &r, NDX_MODST, "2026-07-02");
	set(fx, &r, NDX_MODEND, "2026-07-01");
	set(fx, &r, NDX_MODEXIT, "A");
	expect_one(fx, &r, INTERVENTION, "R031", NDX_MODST, ERR);
}

static void
test_rules_r031_all_equal(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_REFMODDT, "2026-07-03");
	set(fx, &r, NDX_MODST, "2026-07-03");
	set(fx, &r, NDX_MODEND, "2026-07-03");
	set(fx, &r, NDX_MODEXIT, "A");
	expect_none(fx, &r);
}

static void
test_rules_r031_silent_when_invalid(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_REFMODDT, "2026-07-06");
	set(fx, &r, NDX_MODST, "2026-02-30");
	expect_one(fx, &r, INTERVENTION, "R002", NDX_MODST, ERR);
	r = row_new(fx);
	set(fx, &r, NDX_MODEND, "2026-07-04");
	set_raw(fx, &r, NDX_MODEND, "4.7.2026");
	set(fx, &r, NDX_MODEXIT, "A");
	expect_one(fx, &r, INTERVENTION, "R001", NDX_MODEND, ERR);
}

/* ---------------------------------------------------------------- R032 */

static void
test_rules_r032_open_at_discharge(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_DISD, "2026-09-01");
	set(fx, &r, NDX_DISRSN, "80");
	expect_one(fx, &r, INTERVENTION, "R032", NDX_MODEND, ERR);
}

static void
test_rules_r032_modend_after_disd(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_DISD, "2026-09-01");
	set(fx, &r, NDX_DISRSN, "80");
	set(fx, &r, NDX_MODEND, "2026-09-02");
	set(fx, &r, NDX_MODEXIT, "A");
	expect_one(fx, &r, INTERVENTION, "R032", NDX_MODEND, ERR);
}

static void
test_rules_r032_modend_on_disd(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_DISD, "2026-09-01");
	set(fx, &r, NDX_DISRSN, "80");
	set(fx, &r, NDX_MODEND, "2026-09-01");
	set(fx, &r, NDX_MODEXIT, "A");
	expect_none(fx, &r);
}

/* ---------------------------------------------------------------- R040 */

static void
test_rules_r040_drug3_without_drug2(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_DRUG2, NULL);
	set(fx, &r, NDX_DRUG3, "5000");
	expect_one(fx, &r, EPISODE, "R040", NDX_DRUG2, ERR);
}

static void
test_rules_r040_repeated_substance(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_DRUG2, "1011");		/* = DRUG1 */
	expect_one(fx, &r, EPISODE, "R040", NDX_DRUG2, ERR);
	r = row_new(fx);
	set(fx, &r, NDX_DRUG3, "1011");		/* = DRUG1 */
	expect_one(fx, &r, EPISODE, "R040", NDX_DRUG3, ERR);
	r = row_new(fx);
	set(fx, &r, NDX_DRUG3, "3201");		/* = DRUG2 */
	expect_one(fx, &r, EPISODE, "R040", NDX_DRUG3, ERR);
}

/* Every pair equal: DRUG2 and DRUG3 once each. */
static void
test_rules_r040_all_equal(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);
	const struct problems *ps;

	set(fx, &r, NDX_DRUG2, "1011");
	set(fx, &r, NDX_DRUG3, "1011");
	ps = run(fx, &r, ALL);
	assert_int_equal(ps->n, 2);
	find(ps, "R040", NDX_DRUG2);
	find(ps, "R040", NDX_DRUG3);
}

/* Both clauses: DRUG3 = DRUG1 without DRUG2. */
static void
test_rules_r040_both_clauses(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);
	const struct problems *ps;

	set(fx, &r, NDX_DRUG2, NULL);
	set(fx, &r, NDX_DRUG3, "1011");
	ps = run(fx, &r, ALL);
	assert_int_equal(ps->n, 2);
	find(ps, "R040", NDX_DRUG2);
	find(ps, "R040", NDX_DRUG3);
}

static void
test_rules_r040_three_different(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_DRUG3, "7000");
	expect_none(fx, &r);
}

/* ---------------------------------------------------------------- R041 */

static void
test_rules_r041_route_missing(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_ROUTE, NULL);
	expect_one(fx, &r, EPISODE, "R041", NDX_ROUTE, ERR);
	/* alcohol as DRUG2 does not excuse it */
	set(fx, &r, NDX_DRUG2, "7000");
	expect_one(fx, &r, EPISODE, "R041", NDX_ROUTE, ERR);
}

static void
test_rules_r041_alcohol(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_DRUG1, "7000");
	set(fx, &r, NDX_ROUTE, NULL);
	expect_none(fx, &r);
}

/* ---------------------------------------------------------------- R042 */

static void
test_rules_r042_inject_not_current(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_INJSTAT, "P");
	expect_one(fx, &r, EPISODE, "R042", NDX_INJSTAT, WARN);
}

static void
test_rules_r042_smoke(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_ROUTE, "3");
	set(fx, &r, NDX_INJSTAT, "P");
	expect_none(fx, &r);
}

/* ---------------------------------------------------------------- R050 */

static void
test_rules_r050_pregnant_not_female(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_PREGNANT, "Y");
	expect_one(fx, &r, EPISODE, "R050", NDX_PREGNANT, ERR);
	set(fx, &r, NDX_SEX, "X");
	expect_one(fx, &r, EPISODE, "R050", NDX_PREGNANT, ERR);
}

static void
test_rules_r050_pregnant_female(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_SEX, "F");
	set(fx, &r, NDX_PREGNANT, "Y");
	expect_none(fx, &r);
	set(fx, &r, NDX_SEX, "M");
	set(fx, &r, NDX_PREGNANT, "N");
	expect_none(fx, &r);
}

/* ---------------------------------------------------------------- R051 */

static void
test_rules_r051_female_not_recorded(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_SEX, "F");
	expect_one(fx, &r, EPISODE, "R051", NDX_PREGNANT, WARN);
}

static void
test_rules_r051_recorded_or_not_female(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_SEX, "F");
	set(fx, &r, NDX_PREGNANT, "N");
	expect_none(fx, &r);
	set(fx, &r, NDX_SEX, "X");
	set(fx, &r, NDX_PREGNANT, NULL);
	expect_none(fx, &r);
}

/* ---------------------------------------------------------------- R060 */

static struct row
prison_leaver(struct fixture *fx, const char *prisrel)
{
	struct row r = row_new(fx);

	set(fx, &r, NDX_RFLS, "13");
	set(fx, &r, NDX_PRISREL, prisrel);
	return r;
}

static void
test_rules_r060_prisrel_missing(void **state)
{
	struct fixture *fx = *state;
	struct row r = prison_leaver(fx, NULL);

	expect_one(fx, &r, EPISODE, "R060", NDX_PRISREL, ERR);
}

static void
test_rules_r060_prisrel_not_prison(void **state)
{
	struct fixture *fx = *state;
	struct row r = prison_leaver(fx, "2026-07-01");

	set(fx, &r, NDX_RFLS, "4");
	expect_one(fx, &r, EPISODE, "R060", NDX_PRISREL, ERR);
}

/* TRIAGED 03/07/2026 + 28 days = 31/07/2026. */
static void
test_rules_r060_prisrel_28_days(void **state)
{
	struct fixture *fx = *state;
	struct row r = prison_leaver(fx, "2026-07-31");

	expect_none(fx, &r);
	set(fx, &r, NDX_PRISREL, "2026-08-01");
	expect_one(fx, &r, EPISODE, "R060", NDX_PRISREL, ERR);
}

/* Released on the 18th birthday is not after it. */
static void
test_rules_r060_prisrel_18th_birthday(void **state)
{
	struct fixture *fx = *state;
	struct row r = prison_leaver(fx, "2026-06-01");

	set(fx, &r, NDX_DOB, "2008-06-01");
	expect_one(fx, &r, EPISODE, "R060", NDX_PRISREL, ERR);
	set(fx, &r, NDX_PRISREL, "2026-06-02");
	expect_none(fx, &r);
}

/* Born 29/02/2008: 18 on 01/03/2026, so released that day is too young. */
static void
test_rules_r060_prisrel_feb29_birthday(void **state)
{
	struct fixture *fx = *state;
	struct row r = prison_leaver(fx, "2026-02-28");

	set(fx, &r, NDX_DOB, "2008-02-29");
	expect_one(fx, &r, EPISODE, "R060", NDX_PRISREL, ERR);
	set(fx, &r, NDX_PRISREL, "2026-03-01");
	expect_one(fx, &r, EPISODE, "R060", NDX_PRISREL, ERR);
	set(fx, &r, NDX_PRISREL, "2026-03-02");
	expect_none(fx, &r);
}

/* Given without RFLS 13 and late: one row. */
static void
test_rules_r060_two_clauses_once(void **state)
{
	struct fixture *fx = *state;
	struct row r = prison_leaver(fx, "2026-08-01");

	set(fx, &r, NDX_RFLS, "4");
	expect_one(fx, &r, EPISODE, "R060", NDX_PRISREL, ERR);
}

/* An invalid PRISREL is present (RFLS 13 is satisfied) but not compared. */
static void
test_rules_r060_silent_when_invalid(void **state)
{
	struct fixture *fx = *state;
	struct row r = prison_leaver(fx, "2026-09-31");

	expect_one(fx, &r, EPISODE, "R002", NDX_PRISREL, ERR);
	set_raw(fx, &r, NDX_PRISREL, "31/09/26");
	expect_one(fx, &r, EPISODE, "R001", NDX_PRISREL, ERR);
	/* DOB invalid: no "after the 18th birthday" comparison */
	r = prison_leaver(fx, "2026-07-01");
	set(fx, &r, NDX_DOB, "2026-02-29");
	expect_one(fx, &r, CLIENT, "R002", NDX_DOB, ERR);
	/* RFLS missing: R001 only, whether PRISREL is given or not */
	r = prison_leaver(fx, "2026-07-01");
	set(fx, &r, NDX_RFLS, NULL);
	expect_one(fx, &r, EPISODE, "R001", NDX_RFLS, ERR);
}

/* ---------------------------------------------------------------- R061 */

static void
test_rules_r061_atr_without_alcohol(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_CJORDER, "2");
	expect_one(fx, &r, EPISODE, "R061", NDX_CJORDER, WARN);
}

static void
test_rules_r061_drr_alcohol_only(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_CJORDER, "1");
	set(fx, &r, NDX_DRUG1, "7000");
	set(fx, &r, NDX_DRUG2, NULL);
	set(fx, &r, NDX_ROUTE, NULL);
	expect_one(fx, &r, EPISODE, "R061", NDX_CJORDER, WARN);
}

static void
test_rules_r061_near_misses(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_CJORDER, "2");
	set(fx, &r, NDX_DRUG3, "7000");		/* alcohol as DRUG3 */
	expect_none(fx, &r);
	set(fx, &r, NDX_CJORDER, "1");		/* DRR, not only alcohol */
	expect_none(fx, &r);
}

/* ---------------------------------------------------------------- R062 */

static void
test_rules_r062_drr_referral(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_RFLS, "6");
	expect_one(fx, &r, EPISODE, "R062", NDX_CJORDER, WARN);
	set(fx, &r, NDX_CJORDER, "1");
	expect_none(fx, &r);
}

static void
test_rules_r062_atr_referral(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_RFLS, "30");
	set(fx, &r, NDX_DRUG2, "7000");
	expect_one(fx, &r, EPISODE, "R062", NDX_CJORDER, WARN);
	set(fx, &r, NDX_CJORDER, "2");
	expect_none(fx, &r);
}

/* ---------------------------------------------------------------- R070 */

/* A malformed postcode is a client item's value error. */
static void
test_rules_r070_pc_invalid(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_PC, "TS1");
	expect_one(fx, &r, CLIENT, "R070", NDX_PC, ERR);
	assert_true(r.c->mark & MARK_VALUE_ERR);
}

/* "Required unless ACCMNEED = 1" relates it to the episode. */
static void
test_rules_r070_pc_missing(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_PC, NULL);
	expect_one(fx, &r, EPISODE, "R070", NDX_PC, ERR);
	set(fx, &r, NDX_ACCMNEED, "Z");
	expect_one(fx, &r, EPISODE, "R070", NDX_PC, ERR);
}

static void
test_rules_r070_near_misses(void **state)
{
	struct fixture *fx = *state;
	static const char *const forms[] = { "M1 1AE", "B33 8TH", "CR2 6XH",
		"DN55 1PT", "W1A 0AX", "EC1A 1BB", "ZZ99 3VZ" };
	struct row r = row_new(fx);

	set(fx, &r, NDX_PC, NULL);
	set(fx, &r, NDX_ACCMNEED, "1");
	expect_none(fx, &r);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		set(fx, &r, NDX_PC, forms[i]);
		expect_none(fx, &r);
	}
}

/* ---------------------------------------------------------------- R071 */

static void
test_rules_r071_nfa_postcode(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_PC, "ZZ99 3VZ");
	expect_one(fx, &r, EPISODE, "R071", NDX_PC, WARN);
	set(fx, &r, NDX_ACCMNEED, "1");
	expect_none(fx, &r);
}

/* ---------------------------------------------------------------- R101 */

static void
test_rules_r101_lower_case_initial(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);
	const struct problems *ps;

	set(fx, &r, NDX_FINITIAL, "j");
	expect_one(fx, &r, CLIENT, "R101", NDX_FINITIAL, WARN);
	set(fx, &r, NDX_SINITIAL, "s");
	ps = run(fx, &r, ALL);
	assert_int_equal(ps->n, 2);
	assert_int_equal(find(ps, "R101", NDX_SINITIAL)->rule->severity,
	    WARN);
	find(ps, "R101", NDX_FINITIAL);
}

static void
test_rules_r101_near_misses(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_FINITIAL, "Z");
	expect_none(fx, &r);
	set(fx, &r, NDX_FINITIAL, "jo");	/* invalid: R001, no R101 */
	expect_one(fx, &r, CLIENT, "R001", NDX_FINITIAL, ERR);
}

/* ---------------------------------------------------------------- R120 */

static void
test_rules_r120_outside_area(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	with_area(fx, "Cleveland");
	set(fx, &r, NDX_LA, "E06000005");	/* Darlington: Durham */
	expect_one(fx, &r, CLIENT, "R120", NDX_LA, WARN);
	set(fx, &r, NDX_LA, "E06000099");	/* well-formed, unlisted */
	expect_one(fx, &r, CLIENT, "R120", NDX_LA, WARN);
}

static void
test_rules_r120_near_misses(void **state)
{
	struct fixture *fx = *state;
	static const char *const cleveland[] = { "E06000001", "E06000002",
		"E06000003", "E06000004" };
	struct row r = row_new(fx);

	set(fx, &r, NDX_LA, "E06000005");	/* no --area: no R120 */
	expect_none(fx, &r);
	with_area(fx, "cleveland");		/* case-insensitive name */
	for (size_t i = 0; i < 4; i++) {
		set(fx, &r, NDX_LA, cleveland[i]);
		expect_none(fx, &r);
	}
	set(fx, &r, NDX_LA, "E05000001");	/* malformed: R001 only */
	expect_one(fx, &r, CLIENT, "R001", NDX_LA, ERR);
}

/* ------------------------------------------------------ rejection marks */

static void
test_rules_mark_episode_error(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_REFLD, "2026-07-04");	/* R020 */
	run(fx, &r, ALL);
	assert_int_equal(r.e->mark, MARK_REJECTED);
	assert_int_equal(r.c->mark, 0);
	assert_int_equal(r.iv->mark, 0);
	set(fx, &r, NDX_REFLD, "2026-07-32");	/* R002: a value error */
	run(fx, &r, ALL);
	assert_int_equal(r.e->mark, MARK_REJECTED | MARK_VALUE_ERR);
	assert_int_equal(r.c->mark, 0);
}

static void
test_rules_mark_client_error(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_ETHNIC, "Q");
	run(fx, &r, ALL);
	assert_int_equal(r.c->mark, MARK_REJECTED | MARK_VALUE_ERR);
	assert_int_equal(r.e->mark, 0);	/* rules_group spreads it */
	assert_int_equal(r.iv->mark, 0);
}

/* An intervention error rejects its episode; a value error marks the row. */
static void
test_rules_mark_intervention_error(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	set(fx, &r, NDX_REFMODDT, "2026-07-06");	/* R031 */
	run(fx, &r, ALL);
	assert_int_equal(r.e->mark, MARK_REJECTED);
	assert_int_equal(r.iv->mark, 0);
	assert_int_equal(r.c->mark, 0);
	set(fx, &r, NDX_MODSET, "9");			/* R001 too */
	run(fx, &r, ALL);
	assert_int_equal(r.e->mark, MARK_REJECTED);
	assert_int_equal(r.iv->mark, MARK_VALUE_ERR);
}

static void
test_rules_mark_none_for_warning(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);

	with_area(fx, "Durham");		/* R120 */
	set(fx, &r, NDX_FINITIAL, "j");		/* R101 */
	set(fx, &r, NDX_INJSTAT, "P");		/* R042 */
	set(fx, &r, NDX_DOB, "1925-07-03");	/* R011 */
	set(fx, &r, NDX_PC, "ZZ99 3VZ");	/* R071 */
	set(fx, &r, NDX_CJORDER, "2");		/* R061 */
	assert_int_equal(run(fx, &r, ALL)->n, 6);
	for (size_t k = 0; k < fx->out.n; k++)
		assert_int_equal(fx->out.p[k].rule->severity, WARN);
	assert_int_equal(r.c->mark | r.e->mark | r.iv->mark, 0);
}

/* ------------------------------------------------ one row per rule/field */

/*
 * The dedupe is per record: the same rule and field on the client, the
 * episode and the intervention are three rows.
 */
static void
test_rules_dedupe_is_per_record(void **state)
{
	struct fixture *fx = *state;
	struct row r = row_new(fx);
	const struct problems *ps;

	set(fx, &r, NDX_AGNCY, NULL);
	set(fx, &r, NDX_EPISODID, NULL);
	set(fx, &r, NDX_MODID, "M 1");
	ps = run(fx, &r, ALL);
	assert_int_equal(ps->n, 3);
	assert_level(find(ps, "R001", NDX_AGNCY), &r, CLIENT);
	assert_level(find(ps, "R001", NDX_EPISODID), &r, EPISODE);
	assert_level(find(ps, "R001", NDX_MODID), &r, INTERVENTION);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup(f, reset)
	const struct CMUnitTest tests[] = {
		T(test_rules_base_row_passes),
		T(test_rules_invalid_code_silences_relations),
		T(test_rules_invalid_equal_substances_no_r040),
		T(test_rules_r001_mandatory_client_item_missing),
		T(test_rules_r001_mandatory_episode_item_missing),
		T(test_rules_r001_code_not_in_list),
		T(test_rules_r001_intervention_item),
		T(test_rules_r001_optional_item_malformed),
		T(test_rules_r001_length_limits),
		T(test_rules_r001_raw_date),
		T(test_rules_r002_not_a_real_date),
		T(test_rules_r002_year_before_1900),
		T(test_rules_r002_feb29_leap_year),
		T(test_rules_r003_after_data_cut),
		T(test_rules_r003_on_the_data_cut),
		T(test_rules_r010_age_17),
		T(test_rules_r010_age_18_on_triage_date),
		T(test_rules_r010_feb29_birthday),
		T(test_rules_r010_dob_not_before_refld),
		T(test_rules_r010_both_clauses_once),
		T(test_rules_r011_age_101),
		T(test_rules_r011_age_100),
		T(test_rules_r020_refld_after_triaged),
		T(test_rules_r020_same_day),
		T(test_rules_r020_silent_when_invalid),
		T(test_rules_r021_disrsn_missing),
		T(test_rules_r021_disd_missing),
		T(test_rules_r021_disd_before_triaged),
		T(test_rules_r021_both_clauses),
		T(test_rules_r021_same_day),
		T(test_rules_r030_one_missing),
		T(test_rules_r030_only_end),
		T(test_rules_r030_no_intervention),
		T(test_rules_r031_refmoddt_after_modst),
		T(test_rules_r031_modst_before_triaged),
		T(test_rules_r031_modexit_missing),
		T(test_rules_r031_modend_missing),
		T(test_rules_r031_modst_after_modend),
		T(test_rules_r031_modst_twice_once),
		T(test_rules_r031_all_equal),
		T(test_rules_r031_silent_when_invalid),
		T(test_rules_r032_open_at_discharge),
		T(test_rules_r032_modend_after_disd),
		T(test_rules_r032_modend_on_disd),
		T(test_rules_r040_drug3_without_drug2),
		T(test_rules_r040_repeated_substance),
		T(test_rules_r040_all_equal),
		T(test_rules_r040_both_clauses),
		T(test_rules_r040_three_different),
		T(test_rules_r041_route_missing),
		T(test_rules_r041_alcohol),
		T(test_rules_r042_inject_not_current),
		T(test_rules_r042_smoke),
		T(test_rules_r050_pregnant_not_female),
		T(test_rules_r050_pregnant_female),
		T(test_rules_r051_female_not_recorded),
		T(test_rules_r051_recorded_or_not_female),
		T(test_rules_r060_prisrel_missing),
		T(test_rules_r060_prisrel_not_prison),
		T(test_rules_r060_prisrel_28_days),
		T(test_rules_r060_prisrel_18th_birthday),
		T(test_rules_r060_prisrel_feb29_birthday),
		T(test_rules_r060_two_clauses_once),
		T(test_rules_r060_silent_when_invalid),
		T(test_rules_r061_atr_without_alcohol),
		T(test_rules_r061_drr_alcohol_only),
		T(test_rules_r061_near_misses),
		T(test_rules_r062_drr_referral),
		T(test_rules_r062_atr_referral),
		T(test_rules_r070_pc_invalid),
		T(test_rules_r070_pc_missing),
		T(test_rules_r070_near_misses),
		T(test_rules_r071_nfa_postcode),
		T(test_rules_r101_lower_case_initial),
		T(test_rules_r101_near_misses),
		T(test_rules_r120_outside_area),
		T(test_rules_r120_near_misses),
		T(test_rules_mark_episode_error),
		T(test_rules_mark_client_error),
		T(test_rules_mark_intervention_error),
		T(test_rules_mark_none_for_warning),
		T(test_rules_dedupe_is_per_record),
	};
#undef T

	return cmocka_run_group_tests(tests, setup, teardown);
}
