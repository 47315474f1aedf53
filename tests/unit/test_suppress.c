/*
 * Unit tests for transform/suppress.c, on tables worked out by hand.  Each
 * table is written as it would be printed: LA rows, then the TOTAL row
 * last; the expected cells follow the same layout.  The comment above
 * each case walks through the passes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../transform/suppress.h"

#define C { SUPPRESS_COUNT, 0, 0 }
#define T { SUPPRESS_TOTAL, 0, 0 }
#define MAXCELLS 64

static const struct suppress_rule suppress5 = { DISCLOSURE_SUPPRESS, 5 };
static const struct suppress_rule round5 = { DISCLOSURE_ROUND5, 5 };
static const struct suppress_rule nhs = { DISCLOSURE_NHS, 5 };
static const struct suppress_rule none = { DISCLOSURE_NONE, 5 };

/* Runs the table and compares every cell; returns the secondary count. */
static size_t
check(const struct suppress_rule *rule, size_t nrows, size_t ncols,
    const struct suppress_col *cols, const long long *count,
    const char *const *want)
{
	char shown[MAXCELLS][SUPPRESS_CELL];
	size_t added;

	assert_true(nrows * ncols <= MAXCELLS);
	added = suppress_table(rule, nrows, ncols, cols, count, shown);
	for (size_t k = 0; k < nrows * ncols; k++) {
		if (strcmp(shown[k], want[k]) != 0)
			print_error("cell row %zu column %zu: '%s', want "
			    "'%s'\n", k / ncols, k % ncols, shown[k],
			    want[k]);
		assert_string_equal(shown[k], want[k]);
	}
	return added;
}

/*
 * A lone primary cell in a row: 3 and 4 are hidden; each row then holds
 * one * and gives up its smallest other cell (10, 30); the first column
 * holds two and so does the second.  The TOTAL row shows 7: it is the sum
 * of two hidden cells, which tells nothing about either.
 */
static void
test_suppress_lone_in_row(void **state)
{
	static const struct suppress_col cols[] = { C, C, C, T };
	static const long long count[] = {
		3, 10, 20, 33,
		4, 30, 40, 74,
		7, 40, 60, 107
	};
	static const char *const want[] = {
		"*", "*", "20", "33",
		"*", "*", "40", "74",
		"7", "40", "60", "107"
	};

	(void)state;
	assert_int_equal(check(&suppress5, 3, 4, cols, count, want), 2);
}

/*
 * A lone primary cell in a column, in a table without a `total` (no row
 * lines): the 2 is hidden; its column gives up its smallest other LA
 * cell, the first of the two 10s.
 */
static void
test_suppress_lone_in_column(void **state)
{
	static const struct suppress_col cols[] = { C, C };
	static const long long count[] = {
		2, 20,
		10, 30,
		10, 40,
		22, 90
	};
	static const char *const want[] = {
		"*", "20",
		"*", "30",
		"10", "40",
		"22", "90"
	};

	(void)state;
	assert_int_equal(check(&suppress5, 4, 2, cols, count, want), 1);
}

/*
 * A chain that needs a second pass.  Pass 1, rows: row 1 hides its 10.
 * Columns: the first (2*, 20, 6) hides 6, the second (10*, 30, 50)
 * hides 30.  Pass 2, rows: row 2 (20, 30*) hides 20, row 3 (6*, 50)
 * hides 50.  Pass 3 changes nothing.
 */
static void
test_suppress_chain(void **state)
{
	static const struct suppress_col cols[] = { C, C, T };
	static const long long count[] = {
		2, 10, 12,
		20, 30, 50,
		6, 50, 56,
		28, 90, 118
	};
	static const char *const want[] = {
		"*", "*", "12",
		"*", "*", "50",
		"*", "*", "56",
		"28", "90", "118"
	};

	(void)state;
	assert_int_equal(check(&suppress5, 4, 3, cols, count, want), 5);
}

/*
 * A row whose other cells are all zero: its total is hidden.  Pass 1,
 * rows: row 2 (3*, 20) hides 20.  Columns: the first (6, 3*) hides 6;
 * the second (0, 20*) has no non-zero LA cell left, so its TOTAL 20
 * goes.  Pass 2, rows: row 1 (6*, 0) has nothing to give but its total
 * 6; the TOTAL row (9, 20*) hides 9.  Columns: `total` (6*, 23) hides
 * 23.  Pass 3 changes nothing.
 */
static void
test_suppress_zero_row_hides_total(void **state)
{
	static const struct suppress_col cols[] = { C, C, T };
	static const long long count[] = {
		6, 0, 6,
		3, 20, 23,
		9, 20, 29
	};
	static const char *const want[] = {
		"*", "0", "*",
		"*", "*", "*",
		"*", "*", "29"
	};

	(void)state;
	assert_int_equal(check(&suppress5, 3, 3, cols, count, want), 6);
}

/* Nothing small, nothing hidden; zeros are shown. */
static void
test_suppress_nothing_small(void **state)
{
	static const struct suppress_col cols[] = { C, C, T };
	static const long long count[] = {
		0, 5, 5,
		0, 0, 0,
		0, 5, 5
	};
	static const char *const want[] = {
		"0", "5", "5",
		"0", "0", "0",
		"0", "5", "5"
	};

	(void)state;
	assert_int_equal(check(&suppress5, 3, 3, cols, count, want), 0);
}

/*
 * The threshold is configurable: with 3, only 1 and 2 are primary.  The
 * lone 2 takes the 3 of its row; columns then hold two each.
 */
static void
test_suppress_threshold(void **state)
{
	static const struct suppress_rule rule = { DISCLOSURE_SUPPRESS, 3 };
	static const struct suppress_col cols[] = { C, C, T };
	static const long long count[] = {
		2, 3, 5,
		1, 4, 5,
		3, 7, 10
	};
	static const char *const want[] = {
		"*", "*", "5",
		"*", "*", "5",
		"3", "7", "10"
	};

	(void)state;
	assert_int_equal(check(&rule, 3, 3, cols, count, want), 2);
}

/*
 * Rates over suppressed counts (continuity_of_care's shape): the 3
 * engaged is hidden, its column gives up the 6; both rates go.  A zero
 * denominator gives an empty rate.
 */
static void
test_suppress_rates(void **state)
{
	static const struct suppress_col cols[] = {
		C, C, { SUPPRESS_RATE, 1, 0 }
	};
	static const long long count[] = {
		10, 3, 0,
		8, 6, 0,
		0, 0, 0,
		18, 9, 0
	};
	static const char *const want[] = {
		"10", "*", "*",
		"8", "*", "*",
		"0", "0", "",
		"18", "9", "50.0"
	};

	(void)state;
	assert_int_equal(check(&suppress5, 4, 3, cols, count, want), 1);
}

/* One decimal, half away from zero, in integers. */
static void
test_suppress_rate_rounding(void **state)
{
	static const struct {
		long long num, den;
		const char *want;
	} cases[] = {
		{ 1, 3, "33.3" }, { 2, 3, "66.7" }, { 1, 8, "12.5" },
		{ 1, 16, "6.3" }, { 1, 6, "16.7" }, { 1, 80, "1.3" },
		{ 1, 400, "0.3" }, { 1, 2001, "0.0" }, { 7, 7, "100.0" },
		{ 0, 5, "0.0" }, { 0, 0, "" }, { 157, 500, "31.4" },
		{ 2, 2000, "0.1" }
	};
	char out[SUPPRESS_CELL];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		suppress_rate(cases[i].num, cases[i].den, out);
		assert_string_equal(out, cases[i].want);
	}
}

/*
 * round5: nearest 5, halves up (counts are whole, so 2 goes down and 3
 * up); the row total is the unrounded 23 rounded.  Rates come from the
 * unrounded counts, shown only where the denominator is at least 5;
 * below it they are hidden, and a zero denominator stays empty.
 */
static void
test_suppress_round5(void **state)
{
	static const struct suppress_col cols[] = { C, C, C, C, T };
	static const long long count[] = {
		0, 1, 2, 3, 6,
		7, 8, 12, 13, 40,
		22, 23, 27, 28, 100,
		29, 32, 41, 44, 146
	};
	static const char *const want[] = {
		"0", "0", "0", "5", "5",
		"5", "10", "10", "15", "40",
		"20", "25", "25", "30", "100",
		"30", "30", "40", "45", "145"
	};
	static const struct suppress_col rcols[] = {
		C, C, { SUPPRESS_RATE, 1, 0 }
	};
	static const long long rcount[] = {
		4, 2, 0,
		5, 3, 0,
		0, 0, 0,
		9, 5, 0
	};
	static const char *const rwant[] = {
		"5", "0", "*",
		"5", "5", "60.0",
		"0", "0", "",
		"10", "5", "55.6"
	};

	(void)state;
	assert_int_equal(check(&round5, 4, 5, cols, count, want), 0);
	assert_int_equal(check(&round5, 4, 3, rcols, rcount, rwant), 0);
}

/*
 * NHS: 1 to 7 hidden, 8 and up rounded to 5, zeros kept, no secondary;
 * totals from unrounded counts (4 + 4 = 8 shows as 10).  A rate shows
 * only when neither of its counts is hidden.
 */
static void
test_suppress_nhs(void **state)
{
	static const struct suppress_col cols[] = { C, C, T };
	static const long long count[] = {
		4, 4, 8,
		7, 0, 7,
		12, 13, 25,
		23, 17, 40
	};
	static const char *const want[] = {
		"*", "*", "10",
		"*", "0", "*",
		"10", "15", "25",
		"25", "15", "40"
	};
	static const struct suppress_col rcols[] = {
		C, C, { SUPPRESS_RATE, 1, 0 }
	};
	static const long long rcount[] = {
		8, 8, 0,
		20, 7, 0,
		0, 0, 0,
		28, 15, 0
	};
	static const char *const rwant[] = {
		"10", "10", "100.0",
		"20", "*", "*",
		"0", "0", "",
		"30", "15", "53.6"
	};

	(void)state;
	assert_int_equal(check(&nhs, 4, 3, cols, count, want), 0);
	assert_int_equal(check(&nhs, 4, 3, rcols, rcount, rwant), 0);
}

/* none: the counts as they are. */
static void
test_suppress_none(void **state)
{
	static const struct suppress_col cols[] = {
		C, C, { SUPPRESS_RATE, 1, 0 }
	};
	static const long long count[] = {
		1, 1, 0,
		2, 0, 0,
		3, 1, 0
	};
	static const char *const want[] = {
		"1", "1", "100.0",
		"2", "0", "0.0",
		"3", "1", "33.3"
	};

	(void)state;
	assert_int_equal(check(&none, 3, 3, cols, count, want), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suppress_lone_in_row),
		cmocka_unit_test(test_suppress_lone_in_column),
		cmocka_unit_test(test_suppress_chain),
		cmocka_unit_test(test_suppress_zero_row_hides_total),
		cmocka_unit_test(test_suppress_nothing_small),
		cmocka_unit_test(test_suppress_threshold),
		cmocka_unit_test(test_suppress_rates),
		cmocka_unit_test(test_suppress_rate_rounding),
		cmocka_unit_test(test_suppress_round5),
		cmocka_unit_test(test_suppress_nhs),
		cmocka_unit_test(test_suppress_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
