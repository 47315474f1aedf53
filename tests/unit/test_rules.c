/*
 * Unit tests for validate/rules.c: rules_client, rules_episode and
 * rules_intervention on one hand-built row.  The base row is
 * spec/example.csv's first row (one intervention M1, dates in ISO form as
 * the model holds them); each case changes an item or two.
 *
 * For every rule of dataset.md §5 that looks at one row (R001-R071, R101,
 * R120) there is a row that trips it, checked for the exact rule, field,
 * severity and record level (client, episode or intervention), and a near
 * miss that passes with no problem at all.  Multi-clause rules have a row
 * per clause.
 *
 * Those rows are the table cases[], grouped by rule.  A case is a name,
 * up to NCHANGE changes to the base row (SET, RAW for a date that was not
 * DD/MM/YYYY, ABSENT), an --area, whether the intervention is removed, and
 * what it must give: PASS, no problem at all and no mark, or TRIP, exactly
 * one problem (that rule on that field, at that level, with that
 * severity, at the row's line, and optionally that value shown).  main()
 * makes each case a cmocka test of its own, named by the case, so a
 * failure says which; test_rules_case() runs it.  A new case is a row of
 * the table.
 *
 * The tests not of that shape are ordinary functions after the table:
 * comparisons stay silent when an input is invalid, several problems from
 * one row, one report row per record, rule and field, and the marks the
 * rules leave for rejection.
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

/*
 * The one fixture.  cmocka hands every test the group's state when the
 * group setup sets one, in place of the test's own: so setup() leaves it
 * NULL, and each test gets its own initial state, this fixture or (for
 * the table) its case.
 */
static struct fixture fixture;

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
	struct ndx_error err = { 0 };
	const char *src = getenv("NDX_SRCDIR");
	char dir[1100];

	(void)state;
	if (getenv("NDX_DATADIR") == NULL) {
		snprintf(dir, sizeof(dir), "%s/schemas",
		    src != NULL ? src : ".");
		setenv("NDX_DATADIR", dir, 1);
	}
	memset(&fixture, 0, sizeof(fixture));
	if ((fixture.ds = ndx_dataset_load(&err)) == NULL) {
		fprintf(stderr, "%s:%ld: %s\n", err.file, err.line, err.msg);
		return -1;
	}
	fixture.arena = arena_new();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(fixture.out.p);
	arena_free(fixture.arena);
	ndx_dataset_free(fixture.ds);
	return 0;
}

/* Before each test: an empty arena, no area.  *state may be a case. */
static int
reset(void **state)
{
	struct fixture *fx = &fixture;

	(void)state;
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

static const char *
level_name(int lv)
{
	static const char *const names[] = { "client", "episode",
		"intervention", "every" };

	return lv >= CLIENT && lv <= ALL ? names[lv] : "another";
}

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

/* A field as the failure messages name it. */
static const char *
code_of(int field)
{
	return field >= 0 ? ndx_items[field].code : "-";
}

/* ps holds n problems, or a failure that lists them. */
static void
expect_n(const struct problems *ps, size_t n)
{
	char buf[2048];

	if (ps->n != n)
		fail_msg("want %zu problem(s), got %zu:%s", n, ps->n,
		    describe(ps, buf, sizeof(buf)));
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
	fail_msg("no %s on %s among%s", rule, code_of(field),
	    describe(ps, buf, sizeof(buf)));
	return NULL;
}

/* The record of the row a problem is reported against, or -1. */
static int
record_of(const struct problem *p, const struct row *r)
{
	if (p->c != r->c)
		return -1;
	if (p->e == NULL && p->iv == NULL)
		return CLIENT;
	if (p->e == r->e && p->iv == NULL)
		return EPISODE;
	if (p->e == r->e && p->iv == r->iv)
		return INTERVENTION;
	return -1;
}

static void
assert_level(const struct problem *p, const struct row *r, enum level lv)
{
	if (record_of(p, r) != (int)lv)
		fail_msg("%s on %s: on the %s record, want the %s",
		    p->rule->id, p->field_name, level_name(record_of(p, r)),
		    level_name(lv));
}

#define ERR NDX_SEV_ERROR
#define WARN NDX_SEV_WARNING

/* ---------------------------------------------------------- the table */

/* One item of the base row changed: write it SET, RAW or ABSENT. */
struct change {
	enum ndx_item item;
	const char *value;	/* "" is absent; NULL ends the list */
	int raw;		/* the source text of a date not DD/MM/YYYY */
};

#define NCHANGE 6
#define SET(item, v) { (item), (v), 0 }	/* dates are YYYY-MM-DD */
#define RAW(item, v) { (item), (v), 1 }
#define ABSENT(item) { (item), "", 0 }

struct rule_case {
	const char *name;		/* also the cmocka test's */
	struct change change[NCHANGE];	/* made in order */
	const char *area;		/* --area, or NULL */
	int no_intervention;		/* no intervention items (first) */
	/* What it must give: rule NULL (PASS), no problem at all; else
	 * (TRIP) exactly this one. */
	enum level level;
	const char *rule;
	int field;
	enum ndx_severity sev;
	const char *value_shown;	/* p->value, when not NULL */
};

#define TRIP(lv, id, item, s) \
	.level = (lv), .rule = (id), .field = (item), .sev = (s)
#define PASS .rule = NULL

/* Makes the changes, up to NCHANGE or the first NULL value, in order. */
static void
apply(struct fixture *fx, struct row *r, const struct change *ch)
{
	for (size_t i = 0; i < NCHANGE && ch[i].value != NULL; i++)
		ndx_row_set(fx->arena, r->c, r->e, r->iv, ch[i].item,
		    ch[i].value, ch[i].raw);
}

/* The base row with these changes (NCHANGE of them, or NULL-ended). */
static struct row
row_of(struct fixture *fx, const struct change *ch)
{
	struct row r = row_new(fx);

	apply(fx, &r, ch);
	return r;
}

/* A case's row, and its --area. */
static struct row
case_row(struct fixture *fx, const struct rule_case *rc)
{
	struct row r = row_new(fx);

	if (rc->no_intervention)
		no_intervention(fx, &r);
	apply(fx, &r, rc->change);
	if (rc->area != NULL)
		with_area(fx, rc->area);
	return r;
}

/* Identifiers at and just past R001's limit of 20 characters. */
#define ID20 "ABCDEFGHIJ-123456789"
#define ID21 "ABCDEFGHIJ-1234567890"

static const struct rule_case cases[] = {
	/* ------------------------------------------------------------ base */
	{ "base row", PASS },
	{ "base row, --area Cleveland", PASS, .area = "Cleveland" },

	/* ------------------------------------------------------------ R001 */
	{ "R001 SEX missing", { ABSENT(NDX_SEX) },
	    TRIP(CLIENT, "R001", NDX_SEX, ERR) },
	{ "R001 RFLS missing", { ABSENT(NDX_RFLS) },
	    TRIP(EPISODE, "R001", NDX_RFLS, ERR) },
	{ "R001 SEX Q not in its list", { SET(NDX_SEX, "Q") },
	    TRIP(CLIENT, "R001", NDX_SEX, ERR) },
	/* ROUTE 3 keeps R041 out of it */
	{ "R001 DRUG1 9999 not in its list",
	    { SET(NDX_DRUG1, "9999"), SET(NDX_ROUTE, "3") },
	    TRIP(EPISODE, "R001", NDX_DRUG1, ERR) },
	/* only initials are upper-cased */
	{ "R001 CONSENT y, lower case", { SET(NDX_CONSENT, "y") },
	    TRIP(CLIENT, "R001", NDX_CONSENT, ERR) },
	{ "R001 MODAL 93 not in its list", { SET(NDX_MODAL, "93") },
	    TRIP(INTERVENTION, "R001", NDX_MODAL, ERR) },
	{ "R001 MODID M_1 malformed", { SET(NDX_MODID, "M_1") },
	    TRIP(INTERVENTION, "R001", NDX_MODID, ERR) },
	/* An optional item is checked when present. */
	{ "R001 optional NATION GB malformed", { SET(NDX_NATION, "GB") },
	    TRIP(CLIENT, "R001", NDX_NATION, ERR) },
	{ "R001 optional NATION and DRUG2 absent",
	    { ABSENT(NDX_NATION), ABSENT(NDX_DRUG2) }, PASS },
	/* 20 characters is the limit of the three identifiers */
	{ "R001 identifiers of 20 characters",
	    { SET(NDX_CLIENTID, ID20), SET(NDX_EPISODID, ID20),
	    SET(NDX_MODID, ID20) }, PASS },
	{ "R001 CLIENTID of 21 characters",
	    { SET(NDX_CLIENTID, ID21), SET(NDX_EPISODID, ID20),
	    SET(NDX_MODID, ID20) },
	    TRIP(CLIENT, "R001", NDX_CLIENTID, ERR) },
	{ "R001 FINITIAL JO too long", { SET(NDX_FINITIAL, "JO") },
	    TRIP(CLIENT, "R001", NDX_FINITIAL, ERR) },
	/*
	 * A date that was not DD/MM/YYYY at all is kept as the source text
	 * with its raw bit set: R001, shown as given, and no rule compares
	 * it, even when the raw text would be a valid ISO date.
	 */
	{ "R001 raw REFLD shown as given",
	    { RAW(NDX_REFLD, "2026-07-01") },
	    TRIP(EPISODE, "R001", NDX_REFLD, ERR),
	    .value_shown = "2026-07-01" },
	{ "R001 raw REFLD after TRIAGED, no R020",
	    { RAW(NDX_REFLD, "2026-07-09") },
	    TRIP(EPISODE, "R001", NDX_REFLD, ERR) },
	{ "R001 raw DOB, no R010", { RAW(NDX_DOB, "7 March 2026") },
	    TRIP(CLIENT, "R001", NDX_DOB, ERR) },
	{ "R001 raw MODST before TRIAGED, no R031",
	    { RAW(NDX_MODST, "2026-07-01") },
	    TRIP(INTERVENTION, "R001", NDX_MODST, ERR) },

	/* ------------------------------------------------------------ R002 */
	/* The value is shown in the CSV form. */
	{ "R002 DOB 29/02/1983", { SET(NDX_DOB, "1983-02-29") },
	    TRIP(CLIENT, "R002", NDX_DOB, ERR),
	    .value_shown = "29/02/1983" },
	{ "R002 REFLD month 13", { SET(NDX_REFLD, "2026-13-01") },
	    TRIP(EPISODE, "R002", NDX_REFLD, ERR) },
	{ "R002 MODST 31/06/2026", { SET(NDX_MODST, "2026-06-31") },
	    TRIP(INTERVENTION, "R002", NDX_MODST, ERR) },
	/* 31/12/1899: R002 alone; the DOB is not used for R011 once
	 * invalid.  A day later it is valid, and the client is 126. */
	{ "R002 DOB 31/12/1899, no R011", { SET(NDX_DOB, "1899-12-31") },
	    TRIP(CLIENT, "R002", NDX_DOB, ERR) },
	{ "R002 DOB 01/01/1900 valid, R011 only",
	    { SET(NDX_DOB, "1900-01-01") },
	    TRIP(EPISODE, "R011", NDX_DOB, WARN) },
	{ "R002 DOB 29/02/1984, a leap year",
	    { SET(NDX_DOB, "1984-02-29") }, PASS },
	/* divisible by 400 */
	{ "R002 DOB 29/02/2000, a leap year",
	    { SET(NDX_DOB, "2000-02-29") }, PASS },
	/* divisible by 100 */
	{ "R002 DOB 29/02/1900, not a leap year",
	    { SET(NDX_DOB, "1900-02-29") },
	    TRIP(CLIENT, "R002", NDX_DOB, ERR) },

	/* ------------------------------------------------------------ R003 */
	{ "R003 MODEND after the data cut",
	    { SET(NDX_MODEND, "2026-11-02"), SET(NDX_MODEXIT, "A") },
	    TRIP(INTERVENTION, "R003", NDX_MODEND, ERR) },
	{ "R003 DISD after the data cut",
	    { SET(NDX_MODEND, "2026-10-01"), SET(NDX_MODEXIT, "A"),
	    SET(NDX_DISD, "2026-11-02"), SET(NDX_DISRSN, "80") },
	    TRIP(EPISODE, "R003", NDX_DISD, ERR) },
	{ "R003 MODEND and DISD on the data cut",
	    { SET(NDX_MODEND, ASOF), SET(NDX_MODEXIT, "A"),
	    SET(NDX_DISD, ASOF), SET(NDX_DISRSN, "80") }, PASS },

	/* ------------------------------------------------------------ R010 */
	/* Clause "age at TRIAGED >= 18": the 18th birthday the day after. */
	{ "R010 age 17 at TRIAGED", { SET(NDX_DOB, "2008-07-04") },
	    TRIP(EPISODE, "R010", NDX_DOB, ERR) },
	/* The 18th birthday on the triage date counts. */
	{ "R010 18th birthday on TRIAGED", { SET(NDX_DOB, "2008-07-03") },
	    PASS },
	/* Born 29 February: the 18th birthday is 1 March in a common
	 * year. */
	{ "R010 born 29/02, TRIAGED 28/02 at 17",
	    { SET(NDX_DOB, "2008-02-29"), SET(NDX_REFLD, "2026-02-20"),
	    SET(NDX_TRIAGED, "2026-02-28") },
	    TRIP(EPISODE, "R010", NDX_DOB, ERR) },
	{ "R010 born 29/02, TRIAGED 01/03 at 18",
	    { SET(NDX_DOB, "2008-02-29"), SET(NDX_REFLD, "2026-02-20"),
	    SET(NDX_TRIAGED, "2026-03-01") }, PASS },
	/* DOB = REFLD breaks both clauses: one report row. */
	{ "R010 DOB on REFLD, both clauses once",
	    { SET(NDX_DOB, "2026-07-01") },
	    TRIP(EPISODE, "R010", NDX_DOB, ERR) },

	/* ------------------------------------------------------------ R011 */
	{ "R011 age 101 at TRIAGED", { SET(NDX_DOB, "1925-07-03") },
	    TRIP(EPISODE, "R011", NDX_DOB, WARN) },
	{ "R011 age 100 at TRIAGED", { SET(NDX_DOB, "1925-07-04") },
	    PASS },

	/* ------------------------------------------------------------ R020 */
	{ "R020 REFLD after TRIAGED", { SET(NDX_REFLD, "2026-07-04") },
	    TRIP(EPISODE, "R020", NDX_REFLD, ERR),
	    .value_shown = "04/07/2026" },
	{ "R020 REFLD on TRIAGED", { SET(NDX_REFLD, "2026-07-03") },
	    PASS },
	/* An invalid REFLD is R001/R002's business: no R020, no R010. */
	{ "R020 REFLD 32/07/2026, R002 only",
	    { SET(NDX_REFLD, "2026-07-32") },
	    TRIP(EPISODE, "R002", NDX_REFLD, ERR) },
	{ "R020 raw REFLD, R001 only", { RAW(NDX_REFLD, "04/07/26") },
	    TRIP(EPISODE, "R001", NDX_REFLD, ERR) },
	{ "R020 REFLD missing, R001 only", { ABSENT(NDX_REFLD) },
	    TRIP(EPISODE, "R001", NDX_REFLD, ERR) },
	/* and an invalid TRIAGED, however late REFLD is */
	{ "R020 TRIAGED 30/02/2026, R002 only",
	    { SET(NDX_REFLD, "2026-07-04"), SET(NDX_TRIAGED, "2026-02-30") },
	    TRIP(EPISODE, "R002", NDX_TRIAGED, ERR) },

	/* ------------------------------------------------------------ R021 */
	/* No intervention, so that R032 does not ask for a MODEND. */
	{ "R021 DISD without DISRSN", { SET(NDX_DISD, "2026-09-01") },
	    TRIP(EPISODE, "R021", NDX_DISRSN, ERR), .no_intervention = 1 },
	{ "R021 DISRSN without DISD", { SET(NDX_DISRSN, "80") },
	    TRIP(EPISODE, "R021", NDX_DISD, ERR) },
	{ "R021 DISD before TRIAGED",
	    { SET(NDX_DISD, "2026-07-02"), SET(NDX_DISRSN, "80") },
	    TRIP(EPISODE, "R021", NDX_DISD, ERR), .no_intervention = 1 },
	{ "R021 DISD on TRIAGED",
	    { SET(NDX_DISD, "2026-07-03"), SET(NDX_DISRSN, "80") },
	    PASS, .no_intervention = 1 },

	/* ------------------------------------------------------------ R030 */
	{ "R030 MODAL missing", { ABSENT(NDX_MODAL) },
	    TRIP(INTERVENTION, "R030", NDX_MODAL, ERR) },
	{ "R030 no intervention at all", PASS, .no_intervention = 1 },

	/* ------------------------------------------------------------ R031 */
	{ "R031 REFMODDT after MODST", { SET(NDX_REFMODDT, "2026-07-06") },
	    TRIP(INTERVENTION, "R031", NDX_REFMODDT, ERR) },
	{ "R031 MODST before TRIAGED",
	    { SET(NDX_REFMODDT, "2026-07-01"), SET(NDX_MODST, "2026-07-02") },
	    TRIP(INTERVENTION, "R031", NDX_MODST, ERR) },
	{ "R031 MODEND without MODEXIT", { SET(NDX_MODEND, "2026-08-01") },
	    TRIP(INTERVENTION, "R031", NDX_MODEXIT, ERR) },
	{ "R031 MODEXIT without MODEND", { SET(NDX_MODEXIT, "A") },
	    TRIP(INTERVENTION, "R031", NDX_MODEND, ERR) },
	{ "R031 MODST after MODEND",
	    { SET(NDX_MODEND, "2026-07-04"), SET(NDX_MODEXIT, "A") },
	    TRIP(INTERVENTION, "R031", NDX_MODST, ERR) },
	/* MODST before TRIAGED and after MODEND: one row on MODST. */
	{ "R031 MODST wrong twice, once",
	    { SET(NDX_REFMODDT, "2026-06-01"), SET(NDX_MODST, "2026-07-02"),
	    SET(NDX_MODEND, "2026-07-01"), SET(NDX_MODEXIT, "A") },
	    TRIP(INTERVENTION, "R031", NDX_MODST, ERR) },
	{ "R031 all dates equal",
	    { SET(NDX_REFMODDT, "2026-07-03"), SET(NDX_MODST, "2026-07-03"),
	    SET(NDX_MODEND, "2026-07-03"), SET(NDX_MODEXIT, "A") }, PASS },
	/* An invalid date is not compared: no R031 on REFMODDT or MODST. */
	{ "R031 MODST 30/02/2026, R002 only",
	    { SET(NDX_REFMODDT, "2026-07-06"), SET(NDX_MODST, "2026-02-30") },
	    TRIP(INTERVENTION, "R002", NDX_MODST, ERR) },
	/* 4.7.2026 would be before MODST, were it DD/MM/YYYY */
	{ "R031 raw MODEND, R001 only",
	    { RAW(NDX_MODEND, "4.7.2026"), SET(NDX_MODEXIT, "A") },
	    TRIP(INTERVENTION, "R001", NDX_MODEND, ERR) },

	/* ------------------------------------------------------------ R032 */
	{ "R032 open at discharge",
	    { SET(NDX_DISD, "2026-09-01"), SET(NDX_DISRSN, "80") },
	    TRIP(INTERVENTION, "R032", NDX_MODEND, ERR) },
	{ "R032 MODEND after DISD",
	    { SET(NDX_DISD, "2026-09-01"), SET(NDX_DISRSN, "80"),
	    SET(NDX_MODEND, "2026-09-02"), SET(NDX_MODEXIT, "A") },
	    TRIP(INTERVENTION, "R032", NDX_MODEND, ERR) },
	{ "R032 MODEND on DISD",
	    { SET(NDX_DISD, "2026-09-01"), SET(NDX_DISRSN, "80"),
	    SET(NDX_MODEND, "2026-09-01"), SET(NDX_MODEXIT, "A") }, PASS },

	/* ------------------------------------------------------------ R040 */
	{ "R040 DRUG3 without DRUG2",
	    { ABSENT(NDX_DRUG2), SET(NDX_DRUG3, "5000") },
	    TRIP(EPISODE, "R040", NDX_DRUG2, ERR) },
	{ "R040 DRUG2 = DRUG1", { SET(NDX_DRUG2, "1011") },
	    TRIP(EPISODE, "R040", NDX_DRUG2, ERR) },
	{ "R040 DRUG3 = DRUG1", { SET(NDX_DRUG3, "1011") },
	    TRIP(EPISODE, "R040", NDX_DRUG3, ERR) },
	{ "R040 DRUG3 = DRUG2", { SET(NDX_DRUG3, "3201") },
	    TRIP(EPISODE, "R040", NDX_DRUG3, ERR) },
	{ "R040 three different substances", { SET(NDX_DRUG3, "7000") },
	    PASS },

	/* ------------------------------------------------------------ R041 */
	{ "R041 ROUTE missing", { ABSENT(NDX_ROUTE) },
	    TRIP(EPISODE, "R041", NDX_ROUTE, ERR) },
	/* alcohol as DRUG2 does not excuse it */
	{ "R041 ROUTE missing, DRUG2 alcohol",
	    { ABSENT(NDX_ROUTE), SET(NDX_DRUG2, "7000") },
	    TRIP(EPISODE, "R041", NDX_ROUTE, ERR) },
	{ "R041 ROUTE missing, DRUG1 alcohol",
	    { SET(NDX_DRUG1, "7000"), ABSENT(NDX_ROUTE) }, PASS },

	/* ------------------------------------------------------------ R042 */
	{ "R042 injecting, INJSTAT P", { SET(NDX_INJSTAT, "P") },
	    TRIP(EPISODE, "R042", NDX_INJSTAT, WARN) },
	{ "R042 smoking, INJSTAT P",
	    { SET(NDX_ROUTE, "3"), SET(NDX_INJSTAT, "P") }, PASS },

	/* ------------------------------------------------------------ R050 */
	{ "R050 pregnant, SEX M", { SET(NDX_PREGNANT, "Y") },
	    TRIP(EPISODE, "R050", NDX_PREGNANT, ERR) },
	{ "R050 pregnant, SEX X",
	    { SET(NDX_PREGNANT, "Y"), SET(NDX_SEX, "X") },
	    TRIP(EPISODE, "R050", NDX_PREGNANT, ERR) },
	{ "R050 pregnant, SEX F",
	    { SET(NDX_SEX, "F"), SET(NDX_PREGNANT, "Y") }, PASS },
	{ "R050 not pregnant, SEX M",
	    { SET(NDX_SEX, "M"), SET(NDX_PREGNANT, "N") }, PASS },

	/* ------------------------------------------------------------ R051 */
	{ "R051 SEX F, PREGNANT missing", { SET(NDX_SEX, "F") },
	    TRIP(EPISODE, "R051", NDX_PREGNANT, WARN) },
	{ "R051 SEX F, PREGNANT N",
	    { SET(NDX_SEX, "F"), SET(NDX_PREGNANT, "N") }, PASS },
	{ "R051 SEX X, PREGNANT missing",
	    { SET(NDX_SEX, "X"), ABSENT(NDX_PREGNANT) }, PASS },

	/* ------------------------------------------------------------ R060 */
	/* A prison leaver is RFLS 13 with a PRISREL. */
	{ "R060 RFLS 13, PRISREL missing",
	    { SET(NDX_RFLS, "13"), ABSENT(NDX_PRISREL) },
	    TRIP(EPISODE, "R060", NDX_PRISREL, ERR) },
	{ "R060 PRISREL, RFLS 4",
	    { SET(NDX_RFLS, "4"), SET(NDX_PRISREL, "2026-07-01") },
	    TRIP(EPISODE, "R060", NDX_PRISREL, ERR) },
	/* TRIAGED 03/07/2026 + 28 days = 31/07/2026. */
	{ "R060 PRISREL 28 days after TRIAGED",
	    { SET(NDX_RFLS, "13"), SET(NDX_PRISREL, "2026-07-31") }, PASS },
	{ "R060 PRISREL 29 days after TRIAGED",
	    { SET(NDX_RFLS, "13"), SET(NDX_PRISREL, "2026-08-01") },
	    TRIP(EPISODE, "R060", NDX_PRISREL, ERR) },
	/* Released on the 18th birthday is not after it. */
	{ "R060 PRISREL on the 18th birthday",
	    { SET(NDX_RFLS, "13"), SET(NDX_PRISREL, "2026-06-01"),
	    SET(NDX_DOB, "2008-06-01") },
	    TRIP(EPISODE, "R060", NDX_PRISREL, ERR) },
	{ "R060 PRISREL the day after the 18th birthday",
	    { SET(NDX_RFLS, "13"), SET(NDX_PRISREL, "2026-06-02"),
	    SET(NDX_DOB, "2008-06-01") }, PASS },
	/* Born 29/02/2008: 18 on 01/03/2026, so released that day is too
	 * young. */
	{ "R060 born 29/02, PRISREL 28/02 at 17",
	    { SET(NDX_RFLS, "13"), SET(NDX_PRISREL, "2026-02-28"),
	    SET(NDX_DOB, "2008-02-29") },
	    TRIP(EPISODE, "R060", NDX_PRISREL, ERR) },
	{ "R060 born 29/02, PRISREL 01/03 on the 18th birthday",
	    { SET(NDX_RFLS, "13"), SET(NDX_PRISREL, "2026-03-01"),
	    SET(NDX_DOB, "2008-02-29") },
	    TRIP(EPISODE, "R060", NDX_PRISREL, ERR) },
	{ "R060 born 29/02, PRISREL 02/03 at 18",
	    { SET(NDX_RFLS, "13"), SET(NDX_PRISREL, "2026-03-02"),
	    SET(NDX_DOB, "2008-02-29") }, PASS },
	/* Given without RFLS 13 and late: one row. */
	{ "R060 PRISREL, RFLS 4 and late, once",
	    { SET(NDX_RFLS, "4"), SET(NDX_PRISREL, "2026-08-01") },
	    TRIP(EPISODE, "R060", NDX_PRISREL, ERR) },
	/* An invalid PRISREL is present (RFLS 13 is satisfied) but not
	 * compared. */
	{ "R060 PRISREL 31/09/2026, R002 only",
	    { SET(NDX_RFLS, "13"), SET(NDX_PRISREL, "2026-09-31") },
	    TRIP(EPISODE, "R002", NDX_PRISREL, ERR) },
	{ "R060 raw PRISREL, R001 only",
	    { SET(NDX_RFLS, "13"), RAW(NDX_PRISREL, "31/09/26") },
	    TRIP(EPISODE, "R001", NDX_PRISREL, ERR) },
	/* DOB invalid: no "after the 18th birthday" comparison */
	{ "R060 DOB 29/02/2026, R002 only",
	    { SET(NDX_RFLS, "13"), SET(NDX_PRISREL, "2026-07-01"),
	    SET(NDX_DOB, "2026-02-29") },
	    TRIP(CLIENT, "R002", NDX_DOB, ERR) },
	/* RFLS missing: R001 only, whether PRISREL is given or not */
	{ "R060 RFLS missing, R001 only",
	    { ABSENT(NDX_RFLS), SET(NDX_PRISREL, "2026-07-01") },
	    TRIP(EPISODE, "R001", NDX_RFLS, ERR) },

	/* ------------------------------------------------------------ R061 */
	{ "R061 ATR, no alcohol", { SET(NDX_CJORDER, "2") },
	    TRIP(EPISODE, "R061", NDX_CJORDER, WARN) },
	{ "R061 DRR, alcohol only",
	    { SET(NDX_CJORDER, "1"), SET(NDX_DRUG1, "7000"),
	    ABSENT(NDX_DRUG2), ABSENT(NDX_ROUTE) },
	    TRIP(EPISODE, "R061", NDX_CJORDER, WARN) },
	/* alcohol as DRUG3 */
	{ "R061 ATR, DRUG3 alcohol",
	    { SET(NDX_CJORDER, "2"), SET(NDX_DRUG3, "7000") }, PASS },
	/* DRR, not only alcohol */
	{ "R061 DRR, DRUG3 alcohol",
	    { SET(NDX_CJORDER, "1"), SET(NDX_DRUG3, "7000") }, PASS },

	/* ------------------------------------------------------------ R062 */
	{ "R062 DRR referral, CJORDER 9", { SET(NDX_RFLS, "6") },
	    TRIP(EPISODE, "R062", NDX_CJORDER, WARN) },
	{ "R062 DRR referral, CJORDER 1",
	    { SET(NDX_RFLS, "6"), SET(NDX_CJORDER, "1") }, PASS },
	{ "R062 ATR referral, CJORDER 9",
	    { SET(NDX_RFLS, "30"), SET(NDX_DRUG2, "7000") },
	    TRIP(EPISODE, "R062", NDX_CJORDER, WARN) },
	{ "R062 ATR referral, CJORDER 2",
	    { SET(NDX_RFLS, "30"), SET(NDX_DRUG2, "7000"),
	    SET(NDX_CJORDER, "2") }, PASS },

	/* ------------------------------------------------------------ R070 */
	/* A malformed postcode is a client item's value error. */
	{ "R070 PC TS1 malformed", { SET(NDX_PC, "TS1") },
	    TRIP(CLIENT, "R070", NDX_PC, ERR) },
	/* "Required unless ACCMNEED = 1" relates it to the episode. */
	{ "R070 PC missing", { ABSENT(NDX_PC) },
	    TRIP(EPISODE, "R070", NDX_PC, ERR) },
	{ "R070 PC missing, ACCMNEED Z",
	    { ABSENT(NDX_PC), SET(NDX_ACCMNEED, "Z") },
	    TRIP(EPISODE, "R070", NDX_PC, ERR) },
	{ "R070 PC missing, ACCMNEED 1",
	    { ABSENT(NDX_PC), SET(NDX_ACCMNEED, "1") }, PASS },
	/* Each form of postcode, with ACCMNEED 1 so that ZZ99 3VZ is no
	 * R071. */
	{ "R070 PC M1 1AE",
	    { SET(NDX_ACCMNEED, "1"), SET(NDX_PC, "M1 1AE") }, PASS },
	{ "R070 PC B33 8TH",
	    { SET(NDX_ACCMNEED, "1"), SET(NDX_PC, "B33 8TH") }, PASS },
	{ "R070 PC CR2 6XH",
	    { SET(NDX_ACCMNEED, "1"), SET(NDX_PC, "CR2 6XH") }, PASS },
	{ "R070 PC DN55 1PT",
	    { SET(NDX_ACCMNEED, "1"), SET(NDX_PC, "DN55 1PT") }, PASS },
	{ "R070 PC W1A 0AX",
	    { SET(NDX_ACCMNEED, "1"), SET(NDX_PC, "W1A 0AX") }, PASS },
	{ "R070 PC EC1A 1BB",
	    { SET(NDX_ACCMNEED, "1"), SET(NDX_PC, "EC1A 1BB") }, PASS },
	{ "R070 PC ZZ99 3VZ",
	    { SET(NDX_ACCMNEED, "1"), SET(NDX_PC, "ZZ99 3VZ") }, PASS },

	/* ------------------------------------------------------------ R071 */
	{ "R071 PC ZZ99 3VZ, ACCMNEED 3", { SET(NDX_PC, "ZZ99 3VZ") },
	    TRIP(EPISODE, "R071", NDX_PC, WARN) },
	{ "R071 PC ZZ99 3VZ, ACCMNEED 1",
	    { SET(NDX_PC, "ZZ99 3VZ"), SET(NDX_ACCMNEED, "1") }, PASS },

	/* ------------------------------------------------------------ R101 */
	{ "R101 FINITIAL j", { SET(NDX_FINITIAL, "j") },
	    TRIP(CLIENT, "R101", NDX_FINITIAL, WARN) },
	{ "R101 FINITIAL Z", { SET(NDX_FINITIAL, "Z") }, PASS },
	/* invalid: R001, no R101 */
	{ "R101 FINITIAL jo, R001 only", { SET(NDX_FINITIAL, "jo") },
	    TRIP(CLIENT, "R001", NDX_FINITIAL, ERR) },

	/* ------------------------------------------------------------ R120 */
	/* Darlington: Durham */
	{ "R120 LA E06000005 outside Cleveland",
	    { SET(NDX_LA, "E06000005") },
	    TRIP(CLIENT, "R120", NDX_LA, WARN), .area = "Cleveland" },
	/* well-formed, unlisted */
	{ "R120 LA E06000099 outside Cleveland",
	    { SET(NDX_LA, "E06000099") },
	    TRIP(CLIENT, "R120", NDX_LA, WARN), .area = "Cleveland" },
	{ "R120 LA E06000005 without --area",
	    { SET(NDX_LA, "E06000005") }, PASS },
	/* Cleveland's four, and the area's name is case-insensitive */
	{ "R120 LA E06000001 in cleveland", { SET(NDX_LA, "E06000001") },
	    PASS, .area = "cleveland" },
	{ "R120 LA E06000002 in cleveland", { SET(NDX_LA, "E06000002") },
	    PASS, .area = "cleveland" },
	{ "R120 LA E06000003 in cleveland", { SET(NDX_LA, "E06000003") },
	    PASS, .area = "cleveland" },
	{ "R120 LA E06000004 in cleveland", { SET(NDX_LA, "E06000004") },
	    PASS, .area = "cleveland" },
	/* malformed: R001 only */
	{ "R120 LA E05000001, R001 only", { SET(NDX_LA, "E05000001") },
	    TRIP(CLIENT, "R001", NDX_LA, ERR), .area = "cleveland" },
};

/*
 * A case's test.  PASS: no problem at all, and no mark.  TRIP: the level's
 * own function finds only that problem, and so do all three together, on
 * the level's record, with the rule's severity, at the row's CSV line.
 */
static void
test_rules_case(void **state)
{
	const struct rule_case *rc = *state;
	struct fixture *fx = &fixture;
	struct row r = case_row(fx, rc);
	const struct problems *ps;
	const struct problem *p;
	char buf[2048];

	if (rc->rule == NULL) {
		ps = run(fx, &r, ALL);
		if (ps->n != 0)
			fail_msg("%s: want no problem, got%s", rc->name,
			    describe(ps, buf, sizeof(buf)));
		if ((r.c->mark | r.e->mark | r.iv->mark) != 0)
			fail_msg("%s: no problem, yet marks %u %u %u",
			    rc->name, r.c->mark, r.e->mark, r.iv->mark);
		return;
	}
	ps = run(fx, &r, rc->level);
	if (ps->n != 1 || strcmp(ps->p[0].rule->id, rc->rule) != 0 ||
	    ps->p[0].field != rc->field)
		fail_msg("%s: %s level: want only %s %s, got%s", rc->name,
		    level_name(rc->level), rc->rule, code_of(rc->field),
		    describe(ps, buf, sizeof(buf)));
	ps = run(fx, &r, ALL);
	if (ps->n != 1 || strcmp(ps->p[0].rule->id, rc->rule) != 0 ||
	    ps->p[0].field != rc->field)
		fail_msg("%s: all levels: want only %s %s, got%s", rc->name,
		    rc->rule, code_of(rc->field),
		    describe(ps, buf, sizeof(buf)));
	p = &ps->p[0];
	if (p->rule->severity != rc->sev)
		fail_msg("%s: %s is a %s, want a %s", rc->name, rc->rule,
		    p->rule->severity == ERR ? "error" : "warning",
		    rc->sev == ERR ? "error" : "warning");
	if (strcmp(p->field_name, rc->field >= 0 ?
	    ndx_items[rc->field].code : "") != 0)
		fail_msg("%s: field named \"%s\", want %s", rc->name,
		    p->field_name, code_of(rc->field));
	if (record_of(p, &r) != (int)rc->level)
		fail_msg("%s: on the %s record, want the %s", rc->name,
		    level_name(record_of(p, &r)), level_name(rc->level));
	if (p->line != 2)
		fail_msg("%s: at line %ld, want 2", rc->name, p->line);
	if (rc->value_shown != NULL && (p->value == NULL ||
	    strcmp(p->value, rc->value_shown) != 0))
		fail_msg("%s: value shown \"%s\", want \"%s\"", rc->name,
		    p->value != NULL ? p->value : "", rc->value_shown);
}

/* ------------------------------------------- silent when input invalid */

/*
 * A wrong code is reported once, as R001, and rules relating it to other
 * items stay silent: each case sets items so that a relational rule would
 * fire on the raw text, and only the R001 may appear.
 */
static void
test_rules_invalid_code_silences_relations(void **state)
{
	static const struct {
		struct change change[NCHANGE];
		enum ndx_item bad;	/* the one R001 */
	} rows[] = {
		{ { SET(NDX_RFLS, "99"), SET(NDX_PRISREL, "2026-07-01") },
		    NDX_RFLS },
		{ { SET(NDX_RFLS, "6"), SET(NDX_CJORDER, "7") }, NDX_CJORDER },
		{ { SET(NDX_RFLS, "30"), SET(NDX_CJORDER, "7") },
		    NDX_CJORDER },
		{ { SET(NDX_ROUTE, "1"), SET(NDX_INJSTAT, "Q") },
		    NDX_INJSTAT },
		{ { SET(NDX_SEX, "Q"), SET(NDX_PREGNANT, "Y") }, NDX_SEX },
		{ { SET(NDX_ACCMNEED, "7"), ABSENT(NDX_PC) }, NDX_ACCMNEED },
		{ { SET(NDX_ACCMNEED, "7"), SET(NDX_PC, "ZZ99 3VZ") },
		    NDX_ACCMNEED },
		{ { SET(NDX_DRUG1, "9999"), ABSENT(NDX_ROUTE) }, NDX_DRUG1 },
		{ { SET(NDX_DRUG1, "9999"), SET(NDX_CJORDER, "2") },
		    NDX_DRUG1 },
	};
	struct fixture *fx = *state;
	char buf[2048];

	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		struct row r = row_of(fx, rows[k].change);
		const struct problems *ps = run(fx, &r, ALL);

		if (ps->n != 1 || strcmp(ps->p[0].rule->id, "R001") != 0 ||
		    ps->p[0].field != (int)rows[k].bad)
			fail_msg("case %zu: want only R001 on %s, got%s", k,
			    ndx_items[rows[k].bad].code,
			    describe(ps, buf, sizeof(buf)));
	}
}

/* Both substances wrong and equal: two R001s, and no R040. */
static void
test_rules_invalid_equal_substances_no_r040(void **state)
{
	static const struct change ch[NCHANGE] = {
		SET(NDX_DRUG1, "9999"), SET(NDX_DRUG2, "9999") };
	struct fixture *fx = *state;
	struct row r = row_of(fx, ch);
	const struct problems *ps = run(fx, &r, ALL);

	expect_n(ps, 2);
	find(ps, "R001", NDX_DRUG1);
	find(ps, "R001", NDX_DRUG2);
}

/* ---------------------------------------------------------------- R010 */

/*
 * Clause "DOB < REFLD" alone: with TRIAGED missing there is no age to
 * check, so only this clause can fail (besides R001 on TRIAGED).
 */
static void
test_rules_r010_dob_not_before_refld(void **state)
{
	static const struct change ch[NCHANGE] = {
		ABSENT(NDX_TRIAGED), SET(NDX_DOB, "2026-07-01") };
	struct fixture *fx = *state;
	struct row r = row_of(fx, ch);
	const struct problems *ps;

	ps = run(fx, &r, EPISODE);
	expect_n(ps, 2);
	find(ps, "R001", NDX_TRIAGED);
	assert_int_equal(find(ps, "R010", NDX_DOB)->rule->severity, ERR);
	/* DOB the day before REFLD: the clause holds, and with no TRIAGED
	 * there is no age to find under 18 */
	set(fx, &r, NDX_DOB, "2026-06-30");
	ps = run(fx, &r, EPISODE);
	expect_n(ps, 1);
	find(ps, "R001", NDX_TRIAGED);
}

/* ---------------------------------------------------------------- R021 */

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
	expect_n(ps, 2);
	find(ps, "R021", NDX_DISRSN);
	find(ps, "R021", NDX_DISD);
}

/* ---------------------------------------------------------------- R030 */

/* Only MODEND and MODEXIT: each of the five others, once. */
static void
test_rules_r030_only_end(void **state)
{
	static const enum ndx_item core[] = { NDX_MODID, NDX_MODAL,
		NDX_MODSET, NDX_REFMODDT, NDX_MODST };
	struct fixture *fx = *state;
	struct row r = row_new(fx);
	const struct problems *ps;

	no_intervention(fx, &r);
	set(fx, &r, NDX_MODEND, "2026-08-01");
	set(fx, &r, NDX_MODEXIT, "A");
	ps = run(fx, &r, ALL);
	expect_n(ps, 5);
	for (size_t i = 0; i < 5; i++) {
		const struct problem *p = find(ps, "R030", core[i]);

		assert_int_equal(p->rule->severity, ERR);
		assert_level(p, &r, INTERVENTION);
	}
}

/* ---------------------------------------------------------------- R040 */

/* Every pair equal: DRUG2 and DRUG3 once each. */
static void
test_rules_r040_all_equal(void **state)
{
	static const struct change ch[NCHANGE] = {
		SET(NDX_DRUG2, "1011"), SET(NDX_DRUG3, "1011") };
	struct fixture *fx = *state;
	struct row r = row_of(fx, ch);
	const struct problems *ps = run(fx, &r, ALL);

	expect_n(ps, 2);
	find(ps, "R040", NDX_DRUG2);
	find(ps, "R040", NDX_DRUG3);
}

/* Both clauses: DRUG3 = DRUG1 without DRUG2. */
static void
test_rules_r040_both_clauses(void **state)
{
	static const struct change ch[NCHANGE] = {
		ABSENT(NDX_DRUG2), SET(NDX_DRUG3, "1011") };
	struct fixture *fx = *state;
	struct row r = row_of(fx, ch);
	const struct problems *ps = run(fx, &r, ALL);

	expect_n(ps, 2);
	find(ps, "R040", NDX_DRUG2);
	find(ps, "R040", NDX_DRUG3);
}

/* ---------------------------------------------------------------- R101 */

/* Both initials in lower case: a row for each. */
static void
test_rules_r101_both_initials(void **state)
{
	static const struct change ch[NCHANGE] = {
		SET(NDX_FINITIAL, "j"), SET(NDX_SINITIAL, "s") };
	struct fixture *fx = *state;
	struct row r = row_of(fx, ch);
	const struct problems *ps = run(fx, &r, ALL);

	expect_n(ps, 2);
	assert_int_equal(find(ps, "R101", NDX_SINITIAL)->rule->severity,
	    WARN);
	find(ps, "R101", NDX_FINITIAL);
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

/* A malformed postcode (R070) is a client item's value error too. */
static void
test_rules_mark_pc_value_error(void **state)
{
	static const struct change ch[NCHANGE] = { SET(NDX_PC, "TS1") };
	struct fixture *fx = *state;
	struct row r = row_of(fx, ch);

	find(run(fx, &r, ALL), "R070", NDX_PC);
	assert_true(r.c->mark & MARK_VALUE_ERR);
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
	static const struct change ch[NCHANGE] = {
		SET(NDX_FINITIAL, "j"),		/* R101 */
		SET(NDX_INJSTAT, "P"),		/* R042 */
		SET(NDX_DOB, "1925-07-03"),	/* R011 */
		SET(NDX_PC, "ZZ99 3VZ"),	/* R071 */
		SET(NDX_CJORDER, "2"),		/* R061 */
	};
	struct fixture *fx = *state;
	struct row r = row_of(fx, ch);

	with_area(fx, "Durham");		/* R120 */
	expect_n(run(fx, &r, ALL), 6);
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
	static const struct change ch[NCHANGE] = { ABSENT(NDX_AGNCY),
		ABSENT(NDX_EPISODID), SET(NDX_MODID, "M 1") };
	struct fixture *fx = *state;
	struct row r = row_of(fx, ch);
	const struct problems *ps = run(fx, &r, ALL);

	expect_n(ps, 3);
	assert_level(find(ps, "R001", NDX_AGNCY), &r, CLIENT);
	assert_level(find(ps, "R001", NDX_EPISODID), &r, EPISODE);
	assert_level(find(ps, "R001", NDX_MODID), &r, INTERVENTION);
}

int
main(void)
{
	/* The tests not of the table's shape: their state is the fixture. */
#define T(f) cmocka_unit_test_prestate_setup_teardown(f, reset, NULL, \
	&fixture)
	const struct CMUnitTest fns[] = {
		T(test_rules_invalid_code_silences_relations),
		T(test_rules_invalid_equal_substances_no_r040),
		T(test_rules_r010_dob_not_before_refld),
		T(test_rules_r021_both_clauses),
		T(test_rules_r030_only_end),
		T(test_rules_r040_all_equal),
		T(test_rules_r040_both_clauses),
		T(test_rules_r101_both_initials),
		T(test_rules_mark_episode_error),
		T(test_rules_mark_client_error),
		T(test_rules_mark_pc_value_error),
		T(test_rules_mark_intervention_error),
		T(test_rules_mark_none_for_warning),
		T(test_rules_dedupe_is_per_record),
	};
#undef T
	const size_t ncases = sizeof(cases) / sizeof(cases[0]);
	const size_t nfns = sizeof(fns) / sizeof(fns[0]);
	struct CMUnitTest *tests;
	size_t n = 0;
	int rc;

	if ((tests = calloc(ncases + nfns, sizeof(*tests))) == NULL) {
		perror("calloc");
		return 1;
	}
	/* A test per case, named by it, with the case as its state (which
	 * cmocka has as void *: test_rules_case only reads it). */
	for (size_t i = 0; i < ncases; i++) {
		struct CMUnitTest t = { cases[i].name, test_rules_case, reset,
			NULL, (void *)&cases[i] };

		tests[n++] = t;
	}
	for (size_t i = 0; i < nfns; i++)
		tests[n++] = fns[i];
	rc = _cmocka_run_group_tests("test_rules", tests, n, setup, teardown);
	free(tests);
	return rc;
}
