/*
 * Unit tests for transform/risk.c: ETHNIC's broad groups, which row is a
 * person's, k over the quasi-identifiers with blanks as values, and the
 * generalisation with --min-k, on persons whose figures are worked out by
 * hand in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ndx/dataset.h"
#include "ndx/ndx.h"
#include "../../transform/risk.h"

/* The dataset, for ETHNIC's groups; loaded once for every test. */
static struct ndx_dataset *ds;

/* One row: AGE_AT_TRIAGE, AGE_BAND, SEX, ETHNIC, LA, PC_DISTRICT. */
static void
row(struct risk *r, const char *who, const char *triaged, const char *ep,
    const char *age, const char *band, const char *sex, const char *ethnic,
    const char *la, const char *pc)
{
	const char *v[RISK_NVALUES];

	v[RISK_AGE_AT_TRIAGE] = age;
	v[RISK_AGE_BAND] = band;
	v[RISK_SEX] = sex;
	v[RISK_ETHNIC] = ethnic;
	v[RISK_LA] = la;
	v[RISK_PC_DISTRICT] = pc;
	risk_row(r, who, triaged, ep, v);
}

static void
test_risk_broad_ethnic(void **state)
{
	static const char *const want[][2] = {
		{ "A", "WH" }, { "B", "WH" }, { "C", "WH" },
		{ "D", "MX" }, { "E", "MX" }, { "F", "MX" }, { "G", "MX" },
		{ "H", "AS" }, { "J", "AS" }, { "K", "AS" }, { "L", "AS" },
		{ "M", "BL" }, { "N", "BL" }, { "P", "BL" },
		{ "R", "OT" }, { "S", "OT" },
		{ "Z", "Z" },
		/* Not codes of the XSD: they stay as they are. */
		{ "I", "I" }, { "O", "O" }, { "Q", "Q" }, { "X", "X" },
		{ "a", "a" }, { "AB", "AB" }, { "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(risk_broad_ethnic(ds, want[i][0]),
		    want[i][1]);
	assert_null(risk_broad_ethnic(ds, NULL));
}

static void
test_risk_row_order(void **state)
{
	(void)state;
	/* Earlier date first, whatever the episodes. */
	assert_true(risk_row_before("2026-04-01", "f", "2026-05-01", "a"));
	assert_false(risk_row_before("2026-05-01", "a", "2026-04-01", "f"));
	/* Ties: the smaller PSEUDO_EPISODE in byte order ("B" < "a"). */
	assert_true(risk_row_before("2026-04-01", "a", "2026-04-01", "b"));
	assert_true(risk_row_before("2026-04-01", "B", "2026-04-01", "a"));
	assert_false(risk_row_before("2026-04-01", "b", "2026-04-01", "a"));
	assert_false(risk_row_before("2026-04-01", "a", "2026-04-01", "a"));
	/* A date beats none, blank or absent, even with a larger episode. */
	assert_true(risk_row_before("2026-12-31", "z", "", "a"));
	assert_true(risk_row_before("2026-12-31", "z", NULL, "a"));
	assert_false(risk_row_before("", "a", "2026-12-31", "z"));
	assert_false(risk_row_before(NULL, "a", "2026-12-31", "z"));
	/* Between rows without: the smaller episode. */
	assert_true(risk_row_before(NULL, "a", "", "b"));
	assert_false(risk_row_before("", "b", NULL, "a"));
	assert_true(risk_row_before(NULL, NULL, NULL, "a"));
}

static void
test_risk_none(void **state)
{
	struct risk *r = risk_new(ds);
	struct risk_result res;
	char line[256];

	(void)state;
	risk_measure(r, 5, &res);
	assert_int_equal(res.before.persons, 0);
	assert_int_equal(res.before.k_min, 0);
	assert_int_equal(res.before.below_5, 0);
	assert_int_equal(res.after.persons, 0);
	assert_int_equal(res.after.k_min, 0);
	assert_int_equal(res.suppressed, 0);
	risk_format(&res, line, sizeof(line));
	assert_string_equal(line, "persons=0 k_min=0 below_5=0 min_k=5 "
	    "after_k_min=0 after_below_5=0 suppressed=0");
	assert_false(risk_suppressed(r, "p1"));
	risk_free(r);
	risk_free(NULL);
}

/*
 * Persons p1..p5 share Q (40, M, A, E1, TS1): k = 5 each; p6 differs by
 * PC_DISTRICT only: k = 1; p7 and p8 have no PC_DISTRICT, absent and
 * blank, one value: k = 2.  8 persons, k_min 1, below 5: p6, p7, p8.
 */
static void
test_risk_k(void **state)
{
	struct risk *r = risk_new(ds);
	struct risk_result res;
	char who[16], line[256];

	(void)state;
	for (int i = 1; i <= 5; i++) {
		snprintf(who, sizeof(who), "p%d", i);
		row(r, who, "2026-04-01", "e", "40", "40-44", "M", "A", "E1",
		    "TS1");
		/* Later rows of the same person change nothing. */
		row(r, who, "2026-09-01", "e2", "41", "40-44", "M", "A", "E1",
		    "TS9");
	}
	row(r, "p6", "2026-04-01", "e", "40", "40-44", "M", "A", "E1", "TS2");
	row(r, "p7", "2026-04-01", "e", "40", "40-44", "M", "A", "E1", NULL);
	row(r, "p8", "2026-04-01", "e", "40", "40-44", "M", "A", "E1", "");
	risk_measure(r, 0, &res);
	assert_int_equal(res.before.persons, 8);
	assert_int_equal(res.before.k_min, 1);
	assert_int_equal(res.before.below_5, 3);
	assert_int_equal(res.min_k, 0);
	risk_format(&res, line, sizeof(line));
	assert_string_equal(line, "persons=8 k_min=1 below_5=3");
	risk_free(r);
}

/*
 * The row that counts is the earliest, however the rows arrive: q1 is
 * (30, F, D, E2, TS5) by its earliest row, the same as q2; by its later
 * row it would be (31, ...).  q3's two rows tie on TRIAGED: episode "a"
 * gives (27, M, C, E1, TS3), as q4; "f" would give (26, M, B, E1, TS2).
 * Right, all four have k = 2.
 */
static void
test_risk_earliest(void **state)
{
	struct risk *r = risk_new(ds);
	struct risk_result res;

	(void)state;
	row(r, "q1", "2026-06-01", "a", "31", "30-34", "F", "D", "E2", "TS5");
	row(r, "q1", "2026-04-01", "b", "30", "30-34", "F", "D", "E2", "TS5");
	row(r, "q1", NULL, "0", "99", "30-34", "F", "D", "E2", "TS5");
	row(r, "q2", "2026-04-02", "c", "30", "30-34", "F", "D", "E2", "TS5");
	row(r, "q3", "2026-05-01", "f", "26", "25-29", "M", "B", "E1", "TS2");
	row(r, "q3", "2026-05-01", "a", "27", "25-29", "M", "C", "E1", "TS3");
	row(r, "q3", "2026-05-01", "g", "28", "25-29", "M", "B", "E1", "TS2");
	row(r, "q4", "2026-05-02", "c", "27", "25-29", "M", "C", "E1", "TS3");
	/* Without any date: the smallest episode. */
	row(r, "q5", NULL, "m", "50", "50-54", "F", "Z", "E1", "TS1");
	row(r, "q5", "", "k", "51", "50-54", "F", "Z", "E1", "TS1");
	row(r, "q6", NULL, "x", "51", "50-54", "F", "Z", "E1", "TS1");
	risk_measure(r, 0, &res);
	assert_int_equal(res.before.persons, 6);
	assert_int_equal(res.before.k_min, 2);
	assert_int_equal(res.before.below_5, 6);
	risk_free(r);
}

/*
 * --min-k 3.  Generalised Q (AGE_BAND, SEX, broad ETHNIC, LA):
 *   g1 g2 g3  (25-29, M, WH, E1) from A, B, C: k 3, kept
 *   h1 h2     (40-44, M, AS, E1) from H, L: k 2, suppressed
 *   h3        (40-44, M, AS, E2): k 1, suppressed
 *   z1        (35-39, F, Z, E1): k 1, suppressed
 *   x1        (35-39, F, X, E1), an unknown code kept: k 1, suppressed
 * Before: every raw Q differs (ages differ), so 8 persons, k_min 1, all
 * below 5.  Published: g1-g3 k 3; ("", M, "", E1) h1 h2: k 2;
 * ("", M, "", E2) h3: k 1; ("", F, "", E1) z1 x1: k 2.  after_k_min 1,
 * after_below_5 8, suppressed 5.
 */
static void
test_risk_generalise(void **state)
{
	struct risk *r = risk_new(ds);
	struct risk_result res;
	char line[256];

	(void)state;
	row(r, "g1", "2026-04-01", "e", "25", "25-29", "M", "A", "E1", "T1");
	row(r, "g2", "2026-04-01", "e", "26", "25-29", "M", "B", "E1", "T2");
	row(r, "g3", "2026-04-01", "e", "27", "25-29", "M", "C", "E1", "T3");
	row(r, "h1", "2026-04-01", "e", "40", "40-44", "M", "H", "E1", "T4");
	row(r, "h2", "2026-04-01", "e", "41", "40-44", "M", "L", "E1", "T5");
	row(r, "h3", "2026-04-01", "e", "42", "40-44", "M", "H", "E2", "T6");
	row(r, "z1", "2026-04-01", "e", "35", "35-39", "F", "Z", "E1", "T7");
	row(r, "x1", "2026-04-01", "e", "36", "35-39", "F", "X", "E1", "T8");
	risk_measure(r, 3, &res);
	assert_int_equal(res.before.persons, 8);
	assert_int_equal(res.before.k_min, 1);
	assert_int_equal(res.before.below_5, 8);
	assert_int_equal(res.min_k, 3);
	assert_int_equal(res.after.persons, 8);
	assert_int_equal(res.after.k_min, 1);
	assert_int_equal(res.after.below_5, 8);
	assert_int_equal(res.suppressed, 5);
	assert_false(risk_suppressed(r, "g1"));
	assert_false(risk_suppressed(r, "g3"));
	assert_true(risk_suppressed(r, "h1"));
	assert_true(risk_suppressed(r, "h3"));
	assert_true(risk_suppressed(r, "x1"));
	assert_false(risk_suppressed(r, "nobody"));
	assert_false(risk_suppressed(r, NULL));
	risk_format(&res, line, sizeof(line));
	assert_string_equal(line, "persons=8 k_min=1 below_5=8 min_k=3 "
	    "after_k_min=1 after_below_5=8 suppressed=5");

	/* --min-k 2 on the same persons: h1 h2 stay (k 2); h3, z1, x1 go.
	 * Published: g 3, h1 h2 2, h3 ("", M, "", E2) 1, z1 x1 2. */
	risk_measure(r, 2, &res);
	assert_int_equal(res.suppressed, 3);
	assert_false(risk_suppressed(r, "h1"));
	assert_true(risk_suppressed(r, "h3"));
	assert_int_equal(res.after.k_min, 1);
	assert_int_equal(res.after.below_5, 8);
	risk_free(r);
}

/* Many persons: the tables grow, and k stays right. */
static void
test_risk_many(void **state)
{
	struct risk *r = risk_new(ds);
	struct risk_result res;
	char who[16], age[16];

	(void)state;
	/* 10000 persons in 2000 groups of 5 (age 0..1999): k 5 each. */
	for (int i = 0; i < 10000; i++) {
		snprintf(who, sizeof(who), "%08d", i);
		snprintf(age, sizeof(age), "%d", i % 2000);
		row(r, who, "2026-04-01", who, age, "40-44", "F", "A", "E1",
		    "TS1");
	}
	/* One more, alone. */
	row(r, "alone", "2026-04-01", "e", "x", "40-44", "F", "A", "E1",
	    "TS1");
	risk_measure(r, 0, &res);
	assert_int_equal(res.before.persons, 10001);
	assert_int_equal(res.before.k_min, 1);
	assert_int_equal(res.before.below_5, 1);
	/* Generalised, everyone is (40-44, F, WH, E1): k 10001. */
	risk_measure(r, 10001, &res);
	assert_int_equal(res.suppressed, 0);
	assert_int_equal(res.after.k_min, 10001);
	assert_int_equal(res.after.below_5, 0);
	/* One more than that: everyone suppressed, still all alike. */
	risk_measure(r, 10002, &res);
	assert_int_equal(res.suppressed, 10001);
	assert_true(risk_suppressed(r, "alone"));
	assert_int_equal(res.after.k_min, 10001);
	risk_free(r);
}

static int
setup(void **state)
{
	struct ndx_error err;

	(void)state;
	return (ds = ndx_dataset_load(&err)) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	ndx_dataset_free(ds);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_risk_broad_ethnic),
		cmocka_unit_test(test_risk_row_order),
		cmocka_unit_test(test_risk_none),
		cmocka_unit_test(test_risk_k),
		cmocka_unit_test(test_risk_earliest),
		cmocka_unit_test(test_risk_generalise),
		cmocka_unit_test(test_risk_many),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
