/*
 * Unit tests for validate/cross.c: rules_group() over hand-built client
 * groups.  A group is every <client> element of one AGNCY + CLIENTID; the
 * extract makes a second element (a "variant") when rows disagree on a
 * client item, and a second <episode> element when rows of one EPISODID
 * disagree on an episode item.  Covered: R121 (identity), R122 (one
 * episode's rows disagree), R123 (exact duplicates), R124 (one MODID, two
 * different rows), R125 (overlapping episodes), the spread of rejection
 * and the episode counts, and a group of 100,000 rows.
 *
 * Most tests run the whole of ndx-validate's per-group pass (the rules of
 * rules.c on every record, then rules_group) so that "no problem" means
 * the hand-built group is valid throughout.
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
#define MAXCL 8

struct fixture {
	struct ndx_dataset *ds;
	struct ndx_arena *arena;
	struct problems out;
	struct rules_ctx ctx;	/* of the last run */
	long line;		/* CSV line of the next row */
	struct ndx_client *cl[MAXCL];
	size_t ncl;
};

/* spec/example.csv, first row. */
struct item_value {
	enum ndx_item item;
	const char *v;
};

static const struct item_value base_client[] = {
	{ NDX_AGNCY, "N0852" },		{ NDX_CLIENTID, "C1" },
	{ NDX_FINITIAL, "J" },		{ NDX_SINITIAL, "S" },
	{ NDX_DOB, "1980-03-07" },	{ NDX_SEX, "M" },
	{ NDX_ETHNIC, "A" },		{ NDX_NATION, "GBR" },
	{ NDX_LA, "E06000002" },	{ NDX_PC, "TS1 3QY" },
	{ NDX_CONSENT, "Y" },
};

static const struct item_value base_episode[] = {
	{ NDX_RFLS, "4" },		{ NDX_DRUG1, "1011" },
	{ NDX_DRUG2, "3201" },		{ NDX_ROUTE, "1" },
	{ NDX_INJSTAT, "C" },		{ NDX_ACCMNEED, "3" },
	{ NDX_EMPSTAT, "12" },		{ NDX_PRNTSTAT, "14" },
	{ NDX_CJORDER, "9" },
};

static const struct item_value base_intervention[] = {
	{ NDX_MODAL, "94" },		{ NDX_MODSET, "1" },
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

/* Before each test: an empty arena and group; rows start at line 2. */
static int
reset(void **state)
{
	struct fixture *fx = *state;

	arena_reset(fx->arena);
	fx->out.n = 0;
	fx->line = 2;
	fx->ncl = 0;
	return 0;
}

/* ------------------------------------------------------------ builders */

static void
put(struct fixture *fx, struct ndx_client *c, struct ndx_episode *e,
    struct ndx_intervention *iv, enum ndx_item item, const char *v)
{
	ndx_row_set(fx->arena, c, e, iv, item, v, 0);
}

static void
setc(struct fixture *fx, struct ndx_client *c, enum ndx_item item,
    const char *v)
{
	put(fx, c, NULL, NULL, item, v);
}

static void
sete(struct fixture *fx, struct ndx_episode *e, enum ndx_item item,
    const char *v)
{
	put(fx, NULL, e, NULL, item, v);
}

static void
seti(struct fixture *fx, struct ndx_intervention *iv, enum ndx_item item,
    const char *v)
{
	put(fx, NULL, NULL, iv, item, v);
}

/* A client element of the group with the base client items. */
static struct ndx_client *
client_new(struct fixture *fx)
{
	struct ndx_client *c = arena_alloc(fx->arena, sizeof(*c));

	assert_true(fx->ncl < MAXCL);
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < sizeof(base_client) / sizeof(base_client[0]);
	    i++)
		setc(fx, c, base_client[i].item, base_client[i].v);
	fx->cl[fx->ncl++] = c;
	return c;
}

/*
 * A row of episode e: intervention modid referred to and started on the
 * triage date, ended on the discharge date if there is one.  The pointer
 * lasts until the next row of e.
 */
static struct ndx_intervention *
row_add(struct fixture *fx, struct ndx_episode *e, const char *modid)
{
	struct ndx_intervention *iv = ndx_episode_add_intervention(fx->arena,
	    e);
	const char *triaged = NDX_E(e, NDX_TRIAGED);
	const char *disd = NDX_E(e, NDX_DISD);

	iv->line = fx->line++;
	seti(fx, iv, NDX_MODID, modid);
	for (size_t i = 0; i < sizeof(base_intervention) /
	    sizeof(base_intervention[0]); i++)
		seti(fx, iv, base_intervention[i].item,
		    base_intervention[i].v);
	seti(fx, iv, NDX_REFMODDT, triaged);
	seti(fx, iv, NDX_MODST, triaged);
	if (disd != NULL) {
		seti(fx, iv, NDX_MODEND, disd);
		seti(fx, iv, NDX_MODEXIT, "A");
	}
	return iv;
}

/*
 * An episode element of c, referred and triaged on one day and discharged
 * on disd (NULL: open), with no rows yet.  The pointer lasts until the
 * next episode of c.
 */
static struct ndx_episode *
episode_add(struct fixture *fx, struct ndx_client *c, const char *epid,
    const char *triaged, const char *disd)
{
	struct ndx_episode *e = ndx_client_add_episode(fx->arena, c);

	sete(fx, e, NDX_EPISODID, epid);
	sete(fx, e, NDX_REFLD, triaged);
	sete(fx, e, NDX_TRIAGED, triaged);
	for (size_t i = 0; i < sizeof(base_episode) / sizeof(base_episode[0]);
	    i++)
		sete(fx, e, base_episode[i].item, base_episode[i].v);
	if (disd != NULL) {
		sete(fx, e, NDX_DISD, disd);
		sete(fx, e, NDX_DISRSN, "80");
	}
	return e;
}

/* An episode with one row, M1. */
static struct ndx_episode *
episode1(struct fixture *fx, struct ndx_client *c, const char *epid,
    const char *triaged, const char *disd)
{
	struct ndx_episode *e = episode_add(fx, c, epid, triaged, disd);

	row_add(fx, e, "M1");
	return e;
}

/* --------------------------------------------------------------- runs */

enum pass { GROUP_ONLY, FULL };

/*
 * ndx-validate's pass over the group (FULL: every record's own rules,
 * then the group's), into an empty problem list, marks cleared first.
 */
static const struct problems *
run(struct fixture *fx, enum pass pass)
{
	struct rules_ctx *ctx = &fx->ctx;

	memset(ctx, 0, sizeof(*ctx));
	ctx->ds = fx->ds;
	assert_int_equal(ndx_date_parse_iso(ASOF, &ctx->asof), NDX_DATE_OK);
	ctx->arena = fx->arena;
	ctx->out = &fx->out;
	ctx->episodes = ctx->episodes_rejected = -1;
	fx->out.n = 0;
	for (size_t a = 0; a < fx->ncl; a++) {
		struct ndx_client *c = fx->cl[a];

		c->mark = 0;
		for (size_t i = 0; i < c->nep; i++) {
			c->ep[i].mark = 0;
			for (size_t j = 0; j < c->ep[i].niv; j++)
				c->ep[i].iv[j].mark = 0;
		}
	}
	if (pass == FULL)
		for (size_t a = 0; a < fx->ncl; a++) {
			struct ndx_client *c = fx->cl[a];

			rules_client(ctx, c);
			for (size_t i = 0; i < c->nep; i++) {
				rules_episode(ctx, c, &c->ep[i]);
				for (size_t j = 0; j < c->ep[i].niv; j++)
					rules_intervention(ctx, c, &c->ep[i],
					    &c->ep[i].iv[j]);
			}
		}
	rules_group(ctx, fx->cl, fx->ncl);
	return &fx->out;
}

static const char *
describe(const struct problems *ps, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < ps->n && off < len; k++)
		off += (size_t)snprintf(buf + off, len - off,
		    " [line %ld %s %s: %s]", ps->p[k].line, ps->p[k].rule->id,
		    ps->p[k].field_name, ps->p[k].msg);
	return buf;
}

static void
expect_count(const struct problems *ps, size_t n)
{
	char buf[4096];

	if (ps->n != n)
		fail_msg("want %zu problem(s), got %zu:%s", n, ps->n,
		    describe(ps, buf, sizeof(buf)));
}

/* The one problem with rule, field and record, or a failure. */
static const struct problem *
find(const struct problems *ps, const char *rule, int field,
    const struct ndx_client *c, const struct ndx_episode *e,
    const struct ndx_intervention *iv)
{
	const struct problem *found = NULL;
	char buf[4096];

	for (size_t k = 0; k < ps->n; k++) {
		const struct problem *p = &ps->p[k];

		if (strcmp(p->rule->id, rule) != 0 || p->field != field ||
		    p->c != c || p->e != e || p->iv != iv)
			continue;
		if (found != NULL)
			fail_msg("%s twice on one record", rule);
		found = p;
	}
	if (found == NULL)
		fail_msg("no %s on %s for that record among%s", rule,
		    field >= 0 ? ndx_items[field].code : "-",
		    describe(ps, buf, sizeof(buf)));
	return found;
}

static size_t
count_rule(const struct problems *ps, const char *rule)
{
	size_t n = 0;

	for (size_t k = 0; k < ps->n; k++)
		n += strcmp(ps->p[k].rule->id, rule) == 0;
	return n;
}

static int
rejected(const struct ndx_episode *e)
{
	return (e->mark & MARK_REJECTED) != 0;
}

static void
expect_episodes(const struct fixture *fx, long n, long nrejected)
{
	assert_int_equal(fx->ctx.episodes, n);
	assert_int_equal(fx->ctx.episodes_rejected, nrejected);
}

#define ERR NDX_SEV_ERROR
#define WARN NDX_SEV_WARNING

/* ---------------------------------------------------------------- base */

/* Two discharged episodes and an open one, three variants of a move. */
static void
test_cross_valid_group(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c1 = client_new(fx), *c2, *c3;

	episode1(fx, c1, "EP-1", "2025-01-05", "2025-03-01");
	episode1(fx, c1, "EP-2", "2025-03-01", "2025-06-01");
	c2 = client_new(fx);
	setc(fx, c2, NDX_LA, "E06000001");
	setc(fx, c2, NDX_PC, "TS24 7AA");
	episode1(fx, c2, "EP-3", "2026-07-03", NULL);
	c3 = client_new(fx);
	setc(fx, c3, NDX_PC, "TS1 2AA");
	episode1(fx, c3, "EP-4", "2024-01-05", "2024-02-01");
	expect_count(run(fx, FULL), 0);
	expect_episodes(fx, 4, 0);
	for (size_t a = 0; a < fx->ncl; a++) {
		assert_int_equal(fx->cl[a]->mark, 0);
		for (size_t i = 0; i < fx->cl[a]->nep; i++)
			assert_int_equal(fx->cl[a]->ep[i].mark, 0);
	}
}

/* No client, and a client with no episode element. */
static void
test_cross_empty(void **state)
{
	struct fixture *fx = *state;

	expect_count(run(fx, GROUP_ONLY), 0);
	expect_episodes(fx, 0, 0);
	client_new(fx);
	expect_count(run(fx, GROUP_ONLY), 0);
	expect_episodes(fx, 0, 0);
}

/* Initials differing only in case are one person and one episode: R101
 * warns, nothing is rejected (R121 and R122 alike ignore case). */
static void
test_cross_initial_case_is_not_a_conflict(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c1 = client_new(fx), *c2;
	struct ndx_episode *e1, *e2;
	const struct problems *ps;

	e1 = episode1(fx, c1, "EP-1", "2026-07-03", NULL);
	c2 = client_new(fx);
	setc(fx, c2, NDX_FINITIAL, "j");
	e2 = episode_add(fx, c2, "EP-1", "2026-07-03", NULL);
	row_add(fx, e2, "M2");
	ps = run(fx, FULL);
	expect_count(ps, 1);
	find(ps, "R101", NDX_FINITIAL, c2, NULL, NULL);
	assert_false(rejected(e1));
	assert_false(rejected(e2));
	expect_episodes(fx, 1, 0);
}

/* Many episodes, none overlapping: one pass after the sort, so 100,000
 * finish at once (comparing pairs would take minutes). */
static void
test_cross_r125_many_episodes(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	char id[16], from[11], to[11];

	for (int k = 0; k < 100000; k++) {
		/* Two-day episodes, one a week, from 1930 on. */
		ndx_day d = ndx_date_from_ymd(1930, 1, 1) + 7 * k;

		snprintf(id, sizeof(id), "E%d", k);
		ndx_date_format_iso(d, from);
		ndx_date_format_iso(d + 2, to);
		episode_add(fx, c, id, from, to);
	}
	expect_count(run(fx, GROUP_ONLY), 0);
	expect_episodes(fx, 100000, 0);
}

/* ---------------------------------------------------------------- R121 */

static void
test_cross_r121_dob_differs(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c1 = client_new(fx), *c2;
	const struct problems *ps;
	const struct problem *p;

	episode1(fx, c1, "EP-1", "2025-01-05", "2025-03-01");
	c2 = client_new(fx);
	setc(fx, c2, NDX_DOB, "1980-03-08");
	episode1(fx, c2, "EP-2", "2026-07-03", NULL);
	ps = run(fx, FULL);
	expect_count(ps, 1);
	p = find(ps, "R121", NDX_DOB, c2, NULL, NULL);
	assert_int_equal(p->rule->severity, ERR);
	assert_int_equal(p->line, 3);	/* the first row that differs */
	assert_string_equal(p->value, "08/03/1980");
	/* Both sides, the dates masked. */
	assert_string_equal(p->msg, "rows of this client disagree: DOB "
	    "differs (masked) between line 2 and line 3. Every episode of "
	    "the client is rejected");
	/* every client element and every episode rejected */
	assert_true(c1->mark & MARK_REJECTED);
	assert_true(c2->mark & MARK_REJECTED);
	assert_true(rejected(&c1->ep[0]));
	assert_true(rejected(&c2->ep[0]));
	expect_episodes(fx, 2, 2);
}

/* Once per differing item, each on the first element that differs. */
static void
test_cross_r121_once_per_item(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c1 = client_new(fx), *c2, *c3, *c4;
	const struct problems *ps;

	episode1(fx, c1, "EP-1", "2024-01-05", "2024-02-01");
	c2 = client_new(fx);
	setc(fx, c2, NDX_SEX, "F");
	setc(fx, c2, NDX_ETHNIC, "B");		/* not identity */
	sete(fx, episode1(fx, c2, "EP-2", "2024-03-01", "2024-04-01"),
	    NDX_PREGNANT, "N");
	c3 = client_new(fx);
	setc(fx, c3, NDX_SEX, "F");
	setc(fx, c3, NDX_SINITIAL, "T");
	sete(fx, episode1(fx, c3, "EP-3", "2024-05-01", "2024-06-01"),
	    NDX_PREGNANT, "N");
	c4 = client_new(fx);
	setc(fx, c4, NDX_SINITIAL, "U");
	episode1(fx, c4, "EP-4", "2026-07-03", NULL);
	ps = run(fx, FULL);
	expect_count(ps, 2);
	find(ps, "R121", NDX_SEX, c2, NULL, NULL);
	find(ps, "R121", NDX_SINITIAL, c3, NULL, NULL);
	for (size_t a = 0; a < fx->ncl; a++)
		assert_true(fx->cl[a]->mark & MARK_REJECTED);
	expect_episodes(fx, 4, 4);
}

/* Initials differing only in case are one person (R101's business). */
static void
test_cross_r121_initial_case(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c1 = client_new(fx), *c2;
	const struct problems *ps;

	episode1(fx, c1, "EP-1", "2025-01-05", "2025-03-01");
	c2 = client_new(fx);
	setc(fx, c2, NDX_FINITIAL, "j");
	setc(fx, c2, NDX_SINITIAL, "s");
	episode1(fx, c2, "EP-2", "2026-07-03", NULL);
	expect_count(run(fx, GROUP_ONLY), 0);
	expect_episodes(fx, 2, 0);
	ps = run(fx, FULL);
	expect_count(ps, 2);
	find(ps, "R101", NDX_FINITIAL, c2, NULL, NULL);
	find(ps, "R101", NDX_SINITIAL, c2, NULL, NULL);
	assert_int_equal(c1->mark | c2->mark, 0);
	expect_episodes(fx, 2, 0);
}

/* A missing identity item differs from a present one. */
static void
test_cross_r121_item_absent(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c1 = client_new(fx), *c2;
	const struct problems *ps;

	episode1(fx, c1, "EP-1", "2025-01-05", "2025-03-01");
	c2 = client_new(fx);
	setc(fx, c2, NDX_SEX, NULL);
	episode1(fx, c2, "EP-2", "2026-07-03", NULL);
	ps = run(fx, GROUP_ONLY);
	expect_count(ps, 1);
	find(ps, "R121", NDX_SEX, c2, NULL, NULL);
	expect_episodes(fx, 2, 2);
}

/* ---------------------------------------------------------------- R122 */

/* EP-1's rows in two client variants differing in ETHNIC. */
static void
test_cross_r122_client_item(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c1 = client_new(fx), *c2;
	struct ndx_episode *e;
	const struct problems *ps;
	const struct problem *p;

	e = episode_add(fx, c1, "EP-1", "2026-07-03", NULL);
	row_add(fx, e, "M1");				/* line 2 */
	episode1(fx, c1, "EP-2", "2025-01-05", "2025-03-01");	/* line 3 */
	c2 = client_new(fx);
	setc(fx, c2, NDX_ETHNIC, "B");
	e = episode_add(fx, c2, "EP-1", "2026-07-03", NULL);
	row_add(fx, e, "M2");				/* line 4 */
	ps = run(fx, FULL);
	expect_count(ps, 1);
	p = find(ps, "R122", NDX_ETHNIC, c2, &c2->ep[0], NULL);
	assert_int_equal(p->rule->severity, ERR);
	assert_int_equal(p->line, 4);
	assert_string_equal(p->value, "B");
	assert_string_equal(p->msg, "rows of this episode disagree: ETHNIC "
	    "differs: A on line 2; B on line 4");
	/* EP-1 rejected in both variants, EP-2 untouched */
	assert_true(rejected(&c1->ep[0]));
	assert_true(rejected(&c2->ep[0]));
	assert_false(rejected(&c1->ep[1]));
	assert_int_equal(c1->mark | c2->mark, 0);
	/* EP-1 counts once, rejected once */
	expect_episodes(fx, 2, 1);
}

/* Two episode elements of one EPISODID in one client: DRUG2 differs. */
static void
test_cross_r122_episode_item(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e;
	const struct problems *ps;

	episode1(fx, c, "EP-1", "2026-07-03", NULL);
	e = episode_add(fx, c, "EP-1", "2026-07-03", NULL);
	sete(fx, e, NDX_DRUG2, "5000");
	row_add(fx, e, "M2");
	ps = run(fx, FULL);
	expect_count(ps, 1);
	find(ps, "R122", NDX_DRUG2, c, &c->ep[1], NULL);
	assert_true(rejected(&c->ep[0]));
	assert_true(rejected(&c->ep[1]));
	expect_episodes(fx, 1, 1);
}

/* Each later element against the first: PC on one, TRIAGED on another. */
static void
test_cross_r122_each_element(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c1 = client_new(fx), *c2;
	struct ndx_episode *e;
	const struct problems *ps;

	episode1(fx, c1, "EP-1", "2026-07-03", NULL);		/* line 2 */
	e = episode_add(fx, c1, "EP-1", "2026-07-03", NULL);
	sete(fx, e, NDX_TRIAGED, "2026-07-04");
	sete(fx, e, NDX_REFLD, "2026-07-03");
	row_add(fx, e, "M2");					/* line 3 */
	c2 = client_new(fx);
	setc(fx, c2, NDX_PC, "TS1 3QZ");
	episode1(fx, c2, "EP-1", "2026-07-03", NULL);		/* line 4 */
	ps = run(fx, GROUP_ONLY);
	expect_count(ps, 2);
	assert_int_equal(find(ps, "R122", NDX_TRIAGED, c1, &c1->ep[1],
	    NULL)->line, 3);
	assert_int_equal(find(ps, "R122", NDX_PC, c2, &c2->ep[0],
	    NULL)->line, 4);
	assert_true(rejected(&c1->ep[0]));
	assert_true(rejected(&c1->ep[1]));
	assert_true(rejected(&c2->ep[0]));
	expect_episodes(fx, 1, 1);
}

/*
 * Identical interventions in two elements of one EPISODID are neither
 * duplicates (R123 is within an element) nor a conflict (R124).
 */
static void
test_cross_r122_same_rows_in_two_elements(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e;
	const struct problems *ps;

	episode1(fx, c, "EP-1", "2026-07-03", NULL);
	e = episode_add(fx, c, "EP-1", "2026-07-03", NULL);
	sete(fx, e, NDX_DRUG2, NULL);
	row_add(fx, e, "M1");
	ps = run(fx, GROUP_ONLY);
	expect_count(ps, 1);
	find(ps, "R122", NDX_DRUG2, c, &c->ep[1], NULL);
	assert_int_equal(c->ep[1].iv[0].mark & MARK_DUPLICATE, 0);
}

/* ---------------------------------------------------------------- R123 */

/* M1 three times, then M2: the first M1 kept, the two others dropped. */
static void
test_cross_r123_three_identical(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e = episode_add(fx, c, "EP-1", "2026-07-03", NULL);
	const struct problems *ps;
	const struct problem *p;

	row_add(fx, e, "M1");
	row_add(fx, e, "M1");
	row_add(fx, e, "M1");
	row_add(fx, e, "M2");
	ps = run(fx, FULL);
	expect_count(ps, 2);
	for (size_t j = 1; j <= 2; j++) {
		p = find(ps, "R123", -1, c, e, &e->iv[j]);
		assert_int_equal(p->rule->severity, WARN);
		assert_string_equal(p->field_name, "");
		assert_null(p->value);
		assert_int_equal(p->line, 2 + (long)j);
	}
	assert_int_equal(e->iv[0].mark, 0);
	assert_int_equal(e->iv[1].mark, MARK_DUPLICATE);
	assert_int_equal(e->iv[2].mark, MARK_DUPLICATE);
	assert_int_equal(e->iv[3].mark, 0);
	/* a warning: nothing rejected; the duplicates are counted from the
	 * marks by ndx-validate, the ctx counts episodes only */
	assert_int_equal(e->mark, 0);
	expect_episodes(fx, 1, 0);
}

/* Later duplicates are found wherever they are. */
static void
test_cross_r123_apart(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e = episode_add(fx, c, "EP-1", "2026-07-03", NULL);
	const struct problems *ps;

	row_add(fx, e, "M2");
	row_add(fx, e, "M1");
	row_add(fx, e, "M3");
	row_add(fx, e, "M2");
	row_add(fx, e, "M1");
	ps = run(fx, GROUP_ONLY);
	expect_count(ps, 2);
	find(ps, "R123", -1, c, e, &e->iv[3]);
	find(ps, "R123", -1, c, e, &e->iv[4]);
	/* reported in file order */
	assert_ptr_equal(ps->p[0].iv, &e->iv[3]);
}

static void
test_cross_r123_differ_in_modid_only(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e = episode_add(fx, c, "EP-1", "2026-07-03", NULL);

	row_add(fx, e, "M1");
	row_add(fx, e, "M2");
	expect_count(run(fx, FULL), 0);
	assert_int_equal(e->iv[0].mark | e->iv[1].mark, 0);
}

/* Two rows of an episode with no intervention yet are duplicates too. */
static void
test_cross_r123_empty_rows(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e = episode_add(fx, c, "EP-1", "2026-07-03", NULL);
	const struct problems *ps;

	ndx_episode_add_intervention(fx->arena, e)->line = fx->line++;
	ndx_episode_add_intervention(fx->arena, e)->line = fx->line++;
	ps = run(fx, FULL);
	expect_count(ps, 1);
	find(ps, "R123", -1, c, e, &e->iv[1]);
}

/* In a rejected episode duplicates are still marked and reported. */
static void
test_cross_r123_in_rejected_episode(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e = episode_add(fx, c, "EP-1", "2026-07-03", NULL);
	const struct problems *ps;

	sete(fx, e, NDX_REFLD, "2026-07-04");		/* R020 */
	row_add(fx, e, "M1");
	row_add(fx, e, "M1");
	ps = run(fx, FULL);
	expect_count(ps, 2);
	find(ps, "R020", NDX_REFLD, c, e, NULL);
	find(ps, "R123", -1, c, e, &e->iv[1]);
	assert_int_equal(e->iv[1].mark, MARK_DUPLICATE);
	assert_true(rejected(e));
	expect_episodes(fx, 1, 1);
}

/* ---------------------------------------------------------------- R124 */

static void
test_cross_r124_modal_differs(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e = episode_add(fx, c, "EP-1", "2026-07-03", NULL);
	const struct problems *ps;
	const struct problem *p;

	row_add(fx, e, "M1");
	seti(fx, row_add(fx, e, "M1"), NDX_MODAL, "95");
	ps = run(fx, FULL);
	expect_count(ps, 1);
	p = find(ps, "R124", NDX_MODID, c, e, &e->iv[1]);
	assert_int_equal(p->rule->severity, ERR);
	assert_int_equal(p->line, 3);
	assert_string_equal(p->value, "M1");
	assert_string_equal(p->msg, "another row of this episode (line 2) "
	    "has MODID M1 with other intervention items: MODAL 95 here, "
	    "94 there");
	assert_true(rejected(e));
	assert_int_equal(e->iv[0].mark | e->iv[1].mark, 0);
	expect_episodes(fx, 1, 1);
}

/* M1 on the first and third rows, M2 between them. */
static void
test_cross_r124_apart(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e = episode_add(fx, c, "EP-1", "2026-07-03", NULL);
	const struct problems *ps;

	row_add(fx, e, "M1");
	row_add(fx, e, "M2");
	seti(fx, row_add(fx, e, "M1"), NDX_MODEXIT, "A");
	seti(fx, &e->iv[2], NDX_MODEND, "2026-08-01");
	ps = run(fx, FULL);
	expect_count(ps, 1);
	find(ps, "R124", NDX_MODID, c, e, &e->iv[2]);
}

/*
 * A, A, B and A, B, A in one element: the repeated A is a duplicate
 * (R123, skipped by R124); B conflicts with the first A.
 */
static void
test_cross_r124_with_duplicates(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e = episode_add(fx, c, "EP-1", "2026-07-03", NULL);
	const struct problems *ps;

	row_add(fx, e, "M1");
	row_add(fx, e, "M1");
	seti(fx, row_add(fx, e, "M1"), NDX_MODSET, "4");
	ps = run(fx, GROUP_ONLY);
	expect_count(ps, 2);
	find(ps, "R123", -1, c, e, &e->iv[1]);
	find(ps, "R124", NDX_MODID, c, e, &e->iv[2]);

	reset(state);
	c = client_new(fx);
	e = episode_add(fx, c, "EP-1", "2026-07-03", NULL);
	row_add(fx, e, "M1");
	seti(fx, row_add(fx, e, "M1"), NDX_MODSET, "4");
	row_add(fx, e, "M1");
	ps = run(fx, GROUP_ONLY);
	expect_count(ps, 2);
	find(ps, "R124", NDX_MODID, c, e, &e->iv[1]);
	find(ps, "R123", -1, c, e, &e->iv[2]);
}

/*
 * "Once a row with a MODID differs from an earlier row with that MODID,
 * it and every later one conflict": a later row identical to the first,
 * in another element of the EPISODID (so not a duplicate), is flagged
 * after a conflict, and not before one.
 */
static void
test_cross_r124_identical_after_conflict(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c1 = client_new(fx), *c2;
	struct ndx_episode *e1, *e2;
	const struct problems *ps;

	e1 = episode_add(fx, c1, "EP-1", "2026-07-03", NULL);
	row_add(fx, e1, "M1");				/* A */
	seti(fx, row_add(fx, e1, "M1"), NDX_MODAL, "95");	/* B */
	c2 = client_new(fx);
	setc(fx, c2, NDX_ETHNIC, "B");
	e2 = episode_add(fx, c2, "EP-1", "2026-07-03", NULL);
	row_add(fx, e2, "M1");				/* A again */
	ps = run(fx, GROUP_ONLY);
	expect_count(ps, 3);
	find(ps, "R122", NDX_ETHNIC, c2, e2, NULL);
	find(ps, "R124", NDX_MODID, c1, e1, &e1->iv[1]);
	find(ps, "R124", NDX_MODID, c2, e2, &e2->iv[0]);

	/* A, then A in the other element, then B: only B conflicts */
	reset(state);
	c1 = client_new(fx);
	e1 = episode_add(fx, c1, "EP-1", "2026-07-03", NULL);
	row_add(fx, e1, "M1");
	c2 = client_new(fx);
	setc(fx, c2, NDX_ETHNIC, "B");
	e2 = episode_add(fx, c2, "EP-1", "2026-07-03", NULL);
	row_add(fx, e2, "M1");
	seti(fx, row_add(fx, e2, "M1"), NDX_MODAL, "95");
	ps = run(fx, GROUP_ONLY);
	expect_count(ps, 2);
	find(ps, "R122", NDX_ETHNIC, c2, e2, NULL);
	find(ps, "R124", NDX_MODID, c2, e2, &e2->iv[1]);
}

static void
test_cross_r124_other_episode(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e;

	episode1(fx, c, "EP-1", "2025-01-05", "2025-03-01");
	e = episode1(fx, c, "EP-2", "2026-07-03", NULL);
	seti(fx, &e->iv[0], NDX_MODAL, "95");
	expect_count(run(fx, FULL), 0);
}

/* Rows without a MODID are R030's business, not R124's. */
static void
test_cross_r124_no_modid(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e = episode_add(fx, c, "EP-1", "2026-07-03", NULL);

	seti(fx, row_add(fx, e, NULL), NDX_MODAL, "94");
	seti(fx, row_add(fx, e, NULL), NDX_MODAL, "95");
	expect_count(run(fx, GROUP_ONLY), 0);
}

/* The raw bit is part of a row: same text, one raw, is not a duplicate. */
static void
test_cross_r124_raw_differs(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e = episode_add(fx, c, "EP-1", "2026-07-03", NULL);
	const struct problems *ps;

	row_add(fx, e, "M1");
	row_add(fx, e, "M1");
	ndx_row_set(fx->arena, NULL, NULL, &e->iv[1], NDX_MODST, "2026-07-03",
	    1);
	ps = run(fx, GROUP_ONLY);
	expect_count(ps, 1);
	find(ps, "R124", NDX_MODID, c, e, &e->iv[1]);
	assert_int_equal(e->iv[1].mark & MARK_DUPLICATE, 0);
}

/* ---------------------------------------------------------------- R125 */

/* EP-1 still open when EP-2 starts. */
static void
test_cross_r125_open(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	const struct problems *ps;
	const struct problem *p;

	episode1(fx, c, "EP-1", "2026-01-05", NULL);	/* line 2 */
	episode1(fx, c, "EP-2", "2026-07-03", NULL);	/* line 3 */
	ps = run(fx, FULL);
	expect_count(ps, 1);
	p = find(ps, "R125", NDX_TRIAGED, c, &c->ep[1], NULL);
	assert_int_equal(p->rule->severity, WARN);
	assert_int_equal(p->line, 3);
	assert_string_equal(p->value, "03/07/2026");
	assert_string_equal(p->msg, "this episode, TRIAGED 03/07/2026, "
	    "overlaps episode EP-1 of the same client at this agency (line 2, "
	    "TRIAGED 05/01/2026, still open)");
	assert_int_equal(c->mark | c->ep[0].mark | c->ep[1].mark, 0);
	expect_episodes(fx, 2, 0);
}

/* The later-starting episode first in the file: reported on it still. */
static void
test_cross_r125_unsorted(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	const struct problems *ps;

	episode1(fx, c, "EP-2", "2026-07-03", NULL);
	episode1(fx, c, "EP-1", "2026-01-05", NULL);
	ps = run(fx, FULL);
	expect_count(ps, 1);
	find(ps, "R125", NDX_TRIAGED, c, &c->ep[0], NULL);
}

/* EP-2 triaged before EP-1's discharge. */
static void
test_cross_r125_discharged(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	const struct problems *ps;

	episode1(fx, c, "EP-1", "2026-01-05", "2026-07-04");
	episode1(fx, c, "EP-2", "2026-07-03", NULL);
	ps = run(fx, FULL);
	expect_count(ps, 1);
	find(ps, "R125", NDX_TRIAGED, c, &c->ep[1], NULL);
}

/* Sharing only a boundary day is ordinary practice; so is the next day. */
static void
test_cross_r125_boundary_day(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);

	episode1(fx, c, "EP-1", "2026-01-05", "2026-07-03");
	episode1(fx, c, "EP-2", "2026-07-03", NULL);
	expect_count(run(fx, FULL), 0);
	sete(fx, &c->ep[1], NDX_TRIAGED, "2026-07-04");
	sete(fx, &c->ep[1], NDX_REFLD, "2026-07-04");
	seti(fx, &c->ep[1].iv[0], NDX_REFMODDT, "2026-07-04");
	seti(fx, &c->ep[1].iv[0], NDX_MODST, "2026-07-04");
	expect_count(run(fx, FULL), 0);
	/* a one-day episode on the day another starts */
	reset(state);
	c = client_new(fx);
	episode1(fx, c, "EP-1", "2026-07-03", "2026-07-03");
	episode1(fx, c, "EP-2", "2026-07-03", NULL);
	expect_count(run(fx, FULL), 0);
}

/* Starting on the same day: the greater EPISODID counts as later. */
static void
test_cross_r125_same_start(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	const struct problems *ps;

	episode1(fx, c, "EP-B", "2026-07-03", NULL);
	episode1(fx, c, "EP-A", "2026-07-03", "2026-08-01");
	ps = run(fx, FULL);
	expect_count(ps, 1);
	find(ps, "R125", NDX_TRIAGED, c, &c->ep[0], NULL);
}

/*
 * One problem per overlapping pair, on the later start: EP-1 (open)
 * overlaps EP-2 and EP-3, which do not overlap each other.
 */
static void
test_cross_r125_per_pair(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	const struct problems *ps;

	episode1(fx, c, "EP-1", "2026-01-05", NULL);
	episode1(fx, c, "EP-2", "2026-03-01", "2026-03-10");
	episode1(fx, c, "EP-3", "2026-07-03", NULL);
	ps = run(fx, FULL);
	expect_count(ps, 2);
	assert_non_null(strstr(find(ps, "R125", NDX_TRIAGED, c, &c->ep[1],
	    NULL)->msg, "EP-1"));
	assert_non_null(strstr(find(ps, "R125", NDX_TRIAGED, c, &c->ep[2],
	    NULL)->msg, "EP-1"));
}

/*
 * Three open episodes: three overlapping pairs, but EP-3 is one record
 * and R125 one field, so the one-row-per-record-rule-field rule of
 * problem_add() reports EP-3 once (naming the earliest, EP-1).
 */
static void
test_cross_r125_three_open(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	const struct problems *ps;

	episode1(fx, c, "EP-1", "2026-01-05", NULL);
	episode1(fx, c, "EP-2", "2026-03-01", NULL);
	episode1(fx, c, "EP-3", "2026-07-03", NULL);
	ps = run(fx, FULL);
	expect_count(ps, 2);
	find(ps, "R125", NDX_TRIAGED, c, &c->ep[1], NULL);
	assert_non_null(strstr(find(ps, "R125", NDX_TRIAGED, c, &c->ep[2],
	    NULL)->msg, "EP-1"));
}

/*
 * The second look: EP-4 has no length and starts on the day EP-3, the
 * furthest-reaching, starts, so EP-3 does not count; its hit is the first
 * episode that started earlier and is open on that day: EP-2, as EP-1
 * ended before it.  EP-5, of no length on a day nothing earlier covers,
 * overlaps nothing.
 */
static void
test_cross_r125_no_length(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	const struct problems *ps;

	episode1(fx, c, "EP-1", "2026-01-05", "2026-02-01");
	episode1(fx, c, "EP-2", "2026-02-10", "2026-03-06");
	episode1(fx, c, "EP-3", "2026-03-05", "2026-06-01");
	episode1(fx, c, "EP-4", "2026-03-05", "2026-03-05");
	episode1(fx, c, "EP-5", "2026-06-01", "2026-06-01");
	ps = run(fx, FULL);
	expect_count(ps, 2);
	assert_non_null(strstr(find(ps, "R125", NDX_TRIAGED, c, &c->ep[2],
	    NULL)->msg, "EP-2"));
	assert_non_null(strstr(find(ps, "R125", NDX_TRIAGED, c, &c->ep[3],
	    NULL)->msg, "episode EP-2 "));
}

/* Episodes in two client variants (a move) are one client's. */
static void
test_cross_r125_across_variants(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c1 = client_new(fx), *c2;
	const struct problems *ps;

	episode1(fx, c1, "EP-1", "2026-01-05", NULL);
	c2 = client_new(fx);
	setc(fx, c2, NDX_LA, "E06000003");
	episode1(fx, c2, "EP-2", "2026-07-03", NULL);
	ps = run(fx, FULL);
	expect_count(ps, 1);
	find(ps, "R125", NDX_TRIAGED, c2, &c2->ep[0], NULL);
}

/* An episode without a valid TRIAGED or DISD has no span. */
static void
test_cross_r125_invalid_dates(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);

	episode1(fx, c, "EP-1", "2026-01-05", NULL);
	episode1(fx, c, "EP-2", "2026-07-03", NULL);
	ndx_row_set(fx->arena, NULL, &c->ep[1], NULL, NDX_TRIAGED,
	    "2026-07-03", 1);
	expect_count(run(fx, GROUP_ONLY), 0);
	sete(fx, &c->ep[1], NDX_TRIAGED, "2026-02-30");
	expect_count(run(fx, GROUP_ONLY), 0);
	sete(fx, &c->ep[1], NDX_TRIAGED, "2026-07-03");
	sete(fx, &c->ep[1], NDX_DISD, "2026-09-31");
	expect_count(run(fx, GROUP_ONLY), 0);
}

/* --------------------------------------------------- rejection, counts */

/*
 * An error in one element of an EPISODID rejects all of its elements.
 * (Two elements with equal items do not come out of the extract, which
 * makes a second element only when items differ; R122 would then reject
 * them all anyway.  Built by hand, they show the spread on its own.)
 */
static void
test_cross_reject_spreads_by_episodid(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	const struct problems *ps;

	episode1(fx, c, "EP-1", "2026-07-03", NULL);
	row_add(fx, episode_add(fx, c, "EP-1", "2026-07-03", NULL), "M2");
	episode1(fx, c, "EP-2", "2025-01-05", "2025-02-01");
	seti(fx, &c->ep[1].iv[0], NDX_MODAL, "93");
	ps = run(fx, FULL);
	expect_count(ps, 1);
	find(ps, "R001", NDX_MODAL, c, &c->ep[1], &c->ep[1].iv[0]);
	assert_true(rejected(&c->ep[0]));
	assert_true(rejected(&c->ep[1]));
	assert_false(rejected(&c->ep[2]));
	expect_episodes(fx, 2, 1);
}

/*
 * A client item's error rejects every episode of that client element,
 * not those of another variant.
 */
static void
test_cross_reject_client_element(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c1 = client_new(fx), *c2;
	const struct problems *ps;

	setc(fx, c1, NDX_NATION, "GB");
	episode1(fx, c1, "EP-1", "2024-01-05", "2024-02-01");
	episode1(fx, c1, "EP-2", "2024-03-01", "2024-04-01");
	c2 = client_new(fx);
	setc(fx, c2, NDX_NATION, NULL);
	episode1(fx, c2, "EP-3", "2026-07-03", NULL);
	ps = run(fx, FULL);
	expect_count(ps, 1);
	find(ps, "R001", NDX_NATION, c1, NULL, NULL);
	assert_true(c1->mark & MARK_REJECTED);
	assert_true(rejected(&c1->ep[0]));
	assert_true(rejected(&c1->ep[1]));
	assert_int_equal(c2->mark, 0);
	assert_false(rejected(&c2->ep[0]));
	expect_episodes(fx, 3, 2);
}

/* Warnings reject nothing. */
static void
test_cross_warnings_reject_nothing(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e;

	e = episode1(fx, c, "EP-1", "2026-01-05", NULL);
	row_add(fx, e, "M1");					/* R123 */
	episode1(fx, c, "EP-2", "2026-07-03", NULL);		/* R125 */
	assert_int_equal(run(fx, FULL)->n, 2);
	assert_int_equal(c->mark | c->ep[0].mark | c->ep[1].mark, 0);
	expect_episodes(fx, 2, 0);
}

/* ------------------------------------------------------------- scale */

#define BIG 100000

/*
 * One episode of 100,000 rows.  rules_group sorts rather than compares
 * pairs; were it quadratic these would take minutes (5e9 comparisons),
 * not a fraction of a second.
 */
static struct ndx_episode *
big_episode(struct fixture *fx, struct ndx_client *c, int distinct)
{
	struct ndx_episode *e = episode_add(fx, c, "EP-1", "2026-07-03", NULL);
	char modid[16];

	for (int j = 0; j < BIG; j++) {
		snprintf(modid, sizeof(modid), "M%d", distinct ? j : 1);
		row_add(fx, e, modid);
	}
	return e;
}

static void
test_cross_scale_distinct_rows(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e = big_episode(fx, c, 1);

	assert_int_equal(e->niv, BIG);
	expect_count(run(fx, GROUP_ONLY), 0);
	expect_episodes(fx, 1, 0);
}

static void
test_cross_scale_duplicate_rows(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e = big_episode(fx, c, 0);
	const struct problems *ps = run(fx, GROUP_ONLY);

	assert_int_equal(ps->n, BIG - 1);
	assert_int_equal(count_rule(ps, "R123"), BIG - 1);
	assert_int_equal(e->iv[0].mark, 0);
	for (size_t j = 1; j < BIG; j++)
		assert_int_equal(e->iv[j].mark, MARK_DUPLICATE);
	/* in file order */
	assert_ptr_equal(ps->p[0].iv, &e->iv[1]);
	assert_ptr_equal(ps->p[BIG - 2].iv, &e->iv[BIG - 1]);
}

/* One MODID, every row different: every row but the first conflicts. */
static void
test_cross_scale_conflicting_rows(void **state)
{
	struct fixture *fx = *state;
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e = big_episode(fx, c, 0);
	char line[16];
	const struct problems *ps;

	for (size_t j = 0; j < BIG; j++) {
		snprintf(line, sizeof(line), "%zu", j);
		seti(fx, &e->iv[j], NDX_MODSET, line);	/* invalid: fine */
	}
	ps = run(fx, GROUP_ONLY);
	assert_int_equal(ps->n, BIG - 1);
	assert_int_equal(count_rule(ps, "R124"), BIG - 1);
	expect_episodes(fx, 1, 1);
}

/* ------------------------------------------------------ TOP (v2) */

/*
 * Dataset version 2's rules R200-R204 (outcomes.md §3), over one episode
 * of TOP rows, the whole per-group pass run.  The episode is triaged on
 * 2026-07-03 (the base row's date), discharged on disd or open, with one
 * intervention, M1; each TOP row below is added after it, on the next
 * CSV line.  Every bound was worked out by hand from the rule: a start
 * TOP from 2026-06-19 (TRIAGED - 14) to 2026-08-14 (TRIAGED + 42), an
 * exit from 14 days before DISD to 14 after.
 */
struct top_row {
	const char *topid, *date, *stage;
	const char *ivdrguse, *sharing;	/* NULL: absent */
	int with_modid;			/* the row gives MODID too */
};

#define NTOPS 4
struct top_case {
	const char *name;
	const char *disd;		/* NULL: open */
	const char *injstat;		/* NULL: the base row's C */
	struct top_row top[NTOPS];	/* up to a NULL stage and topid */
	const char *rule;		/* NULL: no problem at all */
	int field;
	int on;				/* the TOP row it is on, 0-based */
	enum ndx_severity severity;
	int rejected;
};

static const struct top_case top_cases[] = {
	{ "valid: S, R, E and P within every bound", "2026-10-01", NULL,
	    { { "T1", "2026-06-19", "S", "2", "N", 0 },
	      { "T2", "2026-06-20", "R", "0", "N", 0 },
	      { "T3", "2026-10-15", "E", NULL, NULL, 0 },
	      { "T4", "2026-10-02", "P", NULL, NULL, 0 } },
	    NULL, -1, 0, 0, 0 },
	{ "valid: a start TOP 42 days after TRIAGED", NULL, NULL,
	    { { "T1", "2026-08-14", "S", NULL, NULL, 0 } },
	    NULL, -1, 0, 0, 0 },
	{ "valid: an exit 14 days before DISD", "2026-10-01", NULL,
	    { { "T1", "2026-07-03", "S", NULL, NULL, 0 },
	      { "T2", "2026-09-17", "E", NULL, NULL, 0 } },
	    NULL, -1, 0, 0, 0 },
	{ "valid: a review on DISD", "2026-10-01", NULL,
	    { { "T1", "2026-07-03", "S", NULL, NULL, 0 },
	      { "T2", "2026-10-01", "R", NULL, NULL, 0 } },
	    NULL, -1, 0, 0, 0 },
	{ "R200 TRSTAGE missing", NULL, NULL,
	    { { "T1", "2026-07-03", "", NULL, NULL, 0 } },
	    "R200", NDX_TRSTAGE, 0, NDX_SEV_ERROR, 1 },
	{ "R200 TOPID missing", NULL, NULL,
	    { { "", "2026-07-03", "S", NULL, NULL, 0 } },
	    "R200", NDX_TOPID, 0, NDX_SEV_ERROR, 1 },
	{ "R200 a row with MODID too", NULL, NULL,
	    { { "T1", "2026-07-03", "S", NULL, NULL, 1 } },
	    "R200", NDX_TOPID, 0, NDX_SEV_ERROR, 1 },
	{ "R201 start 15 days before TRIAGED", NULL, NULL,
	    { { "T1", "2026-06-18", "S", NULL, NULL, 0 } },
	    "R201", NDX_TOPDATE, 0, NDX_SEV_ERROR, 1 },
	{ "R201 start 43 days after TRIAGED", NULL, NULL,
	    { { "T1", "2026-08-15", "S", NULL, NULL, 0 } },
	    "R201", NDX_TOPDATE, 0, NDX_SEV_ERROR, 1 },
	{ "R201 review on the start TOP's day", NULL, NULL,
	    { { "T1", "2026-07-10", "S", NULL, NULL, 0 },
	      { "T2", "2026-07-10", "R", NULL, NULL, 0 } },
	    "R201", NDX_TOPDATE, 1, NDX_SEV_ERROR, 1 },
	{ "R201 review the day after DISD", "2026-10-01", NULL,
	    { { "T1", "2026-07-03", "S", NULL, NULL, 0 },
	      { "T2", "2026-10-02", "R", NULL, NULL, 0 } },
	    "R201", NDX_TOPDATE, 1, NDX_SEV_ERROR, 1 },
	{ "R201 exit 15 days after DISD", "2026-10-01", NULL,
	    { { "T1", "2026-07-03", "S", NULL, NULL, 0 },
	      { "T2", "2026-10-16", "E", NULL, NULL, 0 } },
	    "R201", NDX_TOPDATE, 1, NDX_SEV_ERROR, 1 },
	{ "R201 exit in an open episode", NULL, NULL,
	    { { "T1", "2026-07-03", "S", NULL, NULL, 0 },
	      { "T2", "2026-10-16", "E", NULL, NULL, 0 } },
	    "R201", NDX_TRSTAGE, 1, NDX_SEV_ERROR, 1 },
	{ "R201 post-treatment exit on DISD", "2026-10-01", NULL,
	    { { "T1", "2026-07-03", "S", NULL, NULL, 0 },
	      { "T2", "2026-10-01", "P", NULL, NULL, 0 } },
	    "R201", NDX_TOPDATE, 1, NDX_SEV_ERROR, 1 },
	{ "R202 two start TOPs", NULL, NULL,
	    { { "T1", "2026-07-03", "S", NULL, NULL, 0 },
	      { "T2", "2026-07-04", "S", NULL, NULL, 0 } },
	    "R202", NDX_TRSTAGE, 1, NDX_SEV_ERROR, 1 },
	{ "R202 one TOPID, two TOPs", NULL, NULL,
	    { { "T1", "2026-07-03", "S", NULL, NULL, 0 },
	      { "T1", "2026-10-03", "R", NULL, NULL, 0 } },
	    "R202", NDX_TOPID, 1, NDX_SEV_ERROR, 1 },
	{ "R123, not R202: one TOP twice", NULL, NULL,
	    { { "T1", "2026-07-03", "S", NULL, NULL, 0 },
	      { "T1", "2026-07-03", "S", NULL, NULL, 0 } },
	    "R123", -1, 1, NDX_SEV_WARNING, 0 },
	{ "R203 a review and no start TOP", NULL, NULL,
	    { { "T2", "2026-10-03", "R", NULL, NULL, 0 } },
	    "R203", NDX_TRSTAGE, 0, NDX_SEV_WARNING, 0 },
	{ "R203 an exit and no start TOP", "2026-10-01", NULL,
	    { { "T2", "2026-10-03", "E", NULL, NULL, 0 } },
	    "R203", NDX_TRSTAGE, 0, NDX_SEV_WARNING, 0 },
	{ "no R203: a post-treatment exit alone", "2026-10-01", NULL,
	    { { "T2", "2026-10-03", "P", NULL, NULL, 0 } },
	    NULL, -1, 0, 0, 0 },
	{ "R204 injecting at start, INJSTAT P", NULL, "P",
	    { { "T1", "2026-07-03", "S", "1", NULL, 0 } },
	    "R204", NDX_IVDRGUSE, 0, NDX_SEV_WARNING, 0 },
	{ "no R204: injecting at a review, INJSTAT P", NULL, "P",
	    { { "T1", "2026-07-03", "S", "0", NULL, 0 },
	      { "T2", "2026-10-03", "R", "5", NULL, 0 } },
	    NULL, -1, 0, 0, 0 },
	{ "R204 sharing, no days injected", NULL, NULL,
	    { { "T1", "2026-07-03", "S", "0", "Y", 0 } },
	    "R204", NDX_SHARING, 0, NDX_SEV_WARNING, 0 },
	{ "no R204: sharing, injecting not asked", NULL, NULL,
	    { { "T1", "2026-07-03", "S", NULL, "Y", 0 } },
	    NULL, -1, 0, 0, 0 },
};

static void
top_case(struct fixture *fx, const struct top_case *tc)
{
	struct ndx_client *c = client_new(fx);
	struct ndx_episode *e = episode_add(fx, c, "EP-1", "2026-07-03",
	    tc->disd);
	struct ndx_intervention *rows[NTOPS];
	const struct problems *ps;
	size_t n = 0;

	if (tc->injstat != NULL) {
		sete(fx, e, NDX_INJSTAT, tc->injstat);
		sete(fx, e, NDX_ROUTE, "3");	/* smoked: no R042 */
	}
	row_add(fx, e, "M1");
	for (; n < NTOPS && tc->top[n].stage != NULL; n++) {
		const struct top_row *t = &tc->top[n];
		struct ndx_intervention *iv =
		    ndx_episode_add_intervention(fx->arena, e);

		iv->line = fx->line++;
		ndx_row_make_top(fx->arena, iv);
		if (t->with_modid)
			seti(fx, iv, NDX_MODID, "M9");
		seti(fx, iv, NDX_TOPID, t->topid);
		seti(fx, iv, NDX_TOPDATE, t->date);
		seti(fx, iv, NDX_TRSTAGE, t->stage);
		seti(fx, iv, NDX_OPIUSE, "10");
		seti(fx, iv, NDX_PSYHSTAT, "8");
		seti(fx, iv, NDX_IVDRGUSE, t->ivdrguse);
		seti(fx, iv, NDX_SHARING, t->sharing);
	}
	for (size_t k = 0; k < n; k++)
		rows[k] = &e->iv[1 + k];
	ps = run(fx, FULL);
	if (tc->rule == NULL) {
		expect_count(ps, 0);
		expect_episodes(fx, 1, 0);
		return;
	}
	expect_count(ps, 1);
	assert_int_equal(find(ps, tc->rule, tc->field, c, e,
	    rows[tc->on])->rule->severity, tc->severity);
	expect_episodes(fx, 1, tc->rejected);
}

/* Each case on a fresh group; its name is printed first, so a failure
 * says which. */
static void
test_cross_top_rules(void **state)
{
	for (size_t k = 0; k < sizeof(top_cases) / sizeof(top_cases[0]);
	    k++) {
		print_message("  TOP case: %s\n", top_cases[k].name);
		reset(state);
		top_case(*state, &top_cases[k]);
	}
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup(f, reset)
	const struct CMUnitTest tests[] = {
		T(test_cross_valid_group),
		T(test_cross_empty),
		T(test_cross_initial_case_is_not_a_conflict),
		T(test_cross_r125_many_episodes),
		T(test_cross_r121_dob_differs),
		T(test_cross_r121_once_per_item),
		T(test_cross_r121_initial_case),
		T(test_cross_r121_item_absent),
		T(test_cross_r122_client_item),
		T(test_cross_r122_episode_item),
		T(test_cross_r122_each_element),
		T(test_cross_r122_same_rows_in_two_elements),
		T(test_cross_r123_three_identical),
		T(test_cross_r123_apart),
		T(test_cross_r123_differ_in_modid_only),
		T(test_cross_r123_empty_rows),
		T(test_cross_r123_in_rejected_episode),
		T(test_cross_r124_modal_differs),
		T(test_cross_r124_apart),
		T(test_cross_r124_with_duplicates),
		T(test_cross_r124_identical_after_conflict),
		T(test_cross_r124_other_episode),
		T(test_cross_r124_no_modid),
		T(test_cross_r124_raw_differs),
		T(test_cross_r125_open),
		T(test_cross_r125_unsorted),
		T(test_cross_r125_discharged),
		T(test_cross_r125_boundary_day),
		T(test_cross_r125_same_start),
		T(test_cross_r125_per_pair),
		T(test_cross_r125_three_open),
		T(test_cross_r125_no_length),
		T(test_cross_r125_across_variants),
		T(test_cross_r125_invalid_dates),
		T(test_cross_reject_spreads_by_episodid),
		T(test_cross_reject_client_element),
		T(test_cross_warnings_reject_nothing),
		T(test_cross_scale_distinct_rows),
		T(test_cross_scale_duplicate_rows),
		T(test_cross_scale_conflicting_rows),
		T(test_cross_top_rules),
	};
#undef T

	return cmocka_run_group_tests(tests, setup, teardown);
}
