/*
 * Unit tests for lib/period.c: months are the financial year to date,
 * quarters are those of the financial year (1 April to 31 March).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ndx/date.h"
#include "ndx/period.h"

static ndx_day
iso(const char *s)
{
	ndx_day d = 0;

	assert_int_equal(ndx_date_parse_iso(s, &d), NDX_DATE_OK);
	return d;
}

/* Checks a period's start, end (ISO) and label. */
static void
expect(const struct ndx_period *p, const char *start, const char *end,
    const char *label)
{
	char a[11], b[11];

	ndx_date_format_iso(p->start, a);
	ndx_date_format_iso(p->end, b);
	assert_string_equal(a, start);
	assert_string_equal(b, end);
	assert_string_equal(p->label, label);
}

static void
test_period_month_financial_year(void **state)
{
	struct ndx_period p;

	(void)state;
	assert_int_equal(ndx_period_month("2026-10", &p), 0);
	expect(&p, "2026-04-01", "2026-10-31", "2026-10");
	/* April starts a financial year: one month only. */
	assert_int_equal(ndx_period_month("2026-04", &p), 0);
	expect(&p, "2026-04-01", "2026-04-30", "2026-04");
	/* March ends it: the whole previous April to March. */
	assert_int_equal(ndx_period_month("2027-03", &p), 0);
	expect(&p, "2026-04-01", "2027-03-31", "2027-03");
	assert_int_equal(ndx_period_month("2027-01", &p), 0);
	expect(&p, "2026-04-01", "2027-01-31", "2027-01");
	assert_int_equal(ndx_period_month("2026-12", &p), 0);
	expect(&p, "2026-04-01", "2026-12-31", "2026-12");
	/* February's last day, leap and common. */
	assert_int_equal(ndx_period_month("2024-02", &p), 0);
	expect(&p, "2023-04-01", "2024-02-29", "2024-02");
	assert_int_equal(ndx_period_month("2026-02", &p), 0);
	expect(&p, "2025-04-01", "2026-02-28", "2026-02");
	assert_int_equal(ndx_period_month("2026-06", &p), 0);
	expect(&p, "2026-04-01", "2026-06-30", "2026-06");
}

static void
test_period_month_bad(void **state)
{
	static const char *const bad[] = {
		"", "2026", "2026-1", "2026-001", "2026-00", "2026-13",
		"2026-99", "26-10", "2026/10", "2026-10-01", " 2026-10",
		"2026-10 ", "2026-1a", "1899-12", "0000-01", "2026Q1",
		"previous",
	};
	struct ndx_period p;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ndx_period_month(bad[i], &p) != -1)
			fail_msg("month \"%s\" should be refused", bad[i]);
	assert_int_equal(ndx_period_month(NULL, &p), -1);
	assert_int_equal(ndx_period_month("1900-01", &p), 0);
	assert_int_equal(ndx_period_month("9999-12", &p), 0);
	expect(&p, "9999-04-01", "9999-12-31", "9999-12");
}

static void
test_period_quarters(void **state)
{
	struct ndx_period p;

	(void)state;
	assert_int_equal(ndx_period_quarter("2026Q1", &p), 0);
	expect(&p, "2026-04-01", "2026-06-30", "2026Q1");
	assert_int_equal(ndx_period_quarter("2026Q2", &p), 0);
	expect(&p, "2026-07-01", "2026-09-30", "2026Q2");
	assert_int_equal(ndx_period_quarter("2026Q3", &p), 0);
	expect(&p, "2026-10-01", "2026-12-31", "2026Q3");
	assert_int_equal(ndx_period_quarter("2026Q4", &p), 0);
	expect(&p, "2027-01-01", "2027-03-31", "2026Q4");
	/* Q4 never includes a 29 February wrongly, nor misses one. */
	assert_int_equal(ndx_period_quarter("2023Q4", &p), 0);
	expect(&p, "2024-01-01", "2024-03-31", "2023Q4");
	assert_int_equal(p.end - p.start + 1, 91);
	assert_int_equal(ndx_period_quarter("2024Q4", &p), 0);
	assert_int_equal(p.end - p.start + 1, 90);
	assert_int_equal(ndx_period_quarter("9998Q4", &p), 0);
	expect(&p, "9999-01-01", "9999-03-31", "9998Q4");
}

static void
test_period_quarter_bad(void **state)
{
	static const char *const bad[] = {
		"", "2026", "2026Q0", "2026Q5", "2026Q9", "2026q1",
		"2026-Q1", "2026Q12", "26Q1", "2026Q", "Q12026", "2026 Q1",
		"2026Q1 ", "1899Q4", "9999Q1", "2026-10", "previous",
	};
	struct ndx_period p;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ndx_period_quarter(bad[i], &p) != -1)
			fail_msg("quarter \"%s\" should be refused", bad[i]);
	assert_int_equal(ndx_period_quarter(NULL, &p), -1);
}

static void
test_period_range(void **state)
{
	struct ndx_period p;

	(void)state;
	assert_int_equal(ndx_period_range("2026-04-01", "2026-06-30", &p), 0);
	expect(&p, "2026-04-01", "2026-06-30", "2026-04-01..2026-06-30");
	/* One day is a range. */
	assert_int_equal(ndx_period_range("2024-02-29", "2024-02-29", &p), 0);
	expect(&p, "2024-02-29", "2024-02-29", "2024-02-29..2024-02-29");
	assert_int_equal(ndx_period_range("1900-01-01", "9999-12-31", &p), 0);
	expect(&p, "1900-01-01", "9999-12-31", "1900-01-01..9999-12-31");
}

static void
test_period_range_bad(void **state)
{
	struct ndx_period p;

	(void)state;
	/* Backwards. */
	assert_int_equal(ndx_period_range("2026-06-30", "2026-04-01", &p), -1);
	assert_int_equal(ndx_period_range("2026-04-02", "2026-04-01", &p), -1);
	/* Not real dates, or not ISO. */
	assert_int_equal(ndx_period_range("2025-02-29", "2025-03-01", &p), -1);
	assert_int_equal(ndx_period_range("2026-04-01", "2026-04-31", &p), -1);
	assert_int_equal(ndx_period_range("01/04/2026", "2026-06-30", &p), -1);
	assert_int_equal(ndx_period_range("2026-04-01", "30/06/2026", &p), -1);
	assert_int_equal(ndx_period_range("", "2026-06-30", &p), -1);
	assert_int_equal(ndx_period_range(NULL, "2026-06-30", &p), -1);
	assert_int_equal(ndx_period_range("2026-04-01", NULL, &p), -1);
	assert_int_equal(ndx_period_range("1899-12-31", "2026-06-30", &p), -1);
}

static void
test_period_previous_month(void **state)
{
	struct ndx_period p;

	(void)state;
	/* January: December of the year before, same financial year. */
	ndx_period_previous_month(iso("2027-01-15"), &p);
	expect(&p, "2026-04-01", "2026-12-31", "2026-12");
	ndx_period_previous_month(iso("2027-01-01"), &p);
	expect(&p, "2026-04-01", "2026-12-31", "2026-12");
	/* April: March, the last month of the year just ended. */
	ndx_period_previous_month(iso("2026-04-01"), &p);
	expect(&p, "2025-04-01", "2026-03-31", "2026-03");
	ndx_period_previous_month(iso("2026-04-30"), &p);
	expect(&p, "2025-04-01", "2026-03-31", "2026-03");
	/* May: April alone. */
	ndx_period_previous_month(iso("2026-05-01"), &p);
	expect(&p, "2026-04-01", "2026-04-30", "2026-04");
	/* December: November. */
	ndx_period_previous_month(iso("2026-12-31"), &p);
	expect(&p, "2026-04-01", "2026-11-30", "2026-11");
	/* March, in a leap year: February's 29 days. */
	ndx_period_previous_month(iso("2024-03-01"), &p);
	expect(&p, "2023-04-01", "2024-02-29", "2024-02");
}

static void
test_period_previous_quarter(void **state)
{
	struct ndx_period p;

	(void)state;
	/* January to March (Q4): the previous one is Q3, Oct-Dec. */
	ndx_period_previous_quarter(iso("2027-01-01"), &p);
	expect(&p, "2026-10-01", "2026-12-31", "2026Q3");
	ndx_period_previous_quarter(iso("2027-03-31"), &p);
	expect(&p, "2026-10-01", "2026-12-31", "2026Q3");
	/* April (Q1): Q4 of the year before, January-March. */
	ndx_period_previous_quarter(iso("2026-04-01"), &p);
	expect(&p, "2026-01-01", "2026-03-31", "2025Q4");
	ndx_period_previous_quarter(iso("2026-06-30"), &p);
	expect(&p, "2026-01-01", "2026-03-31", "2025Q4");
	/* July (Q2): Q1. */
	ndx_period_previous_quarter(iso("2026-07-01"), &p);
	expect(&p, "2026-04-01", "2026-06-30", "2026Q1");
	/* December (Q3): Q2. */
	ndx_period_previous_quarter(iso("2026-12-31"), &p);
	expect(&p, "2026-07-01", "2026-09-30", "2026Q2");
	ndx_period_previous_quarter(iso("2026-10-01"), &p);
	expect(&p, "2026-07-01", "2026-09-30", "2026Q2");
}

static void
test_period_has_episode(void **state)
{
	struct ndx_period p;
	ndx_day start, end;

	(void)state;
	assert_int_equal(ndx_period_quarter("2026Q2", &p), 0);
	start = p.start;
	end = p.end;
	/* Open episodes: REFLD up to and including the end. */
	assert_true(ndx_period_has_episode(&p, iso("2020-01-01"), 0, 0));
	assert_true(ndx_period_has_episode(&p, start, 0, 0));
	assert_true(ndx_period_has_episode(&p, end, 0, 0));
	assert_false(ndx_period_has_episode(&p, end + 1, 0, 0));
	/* The DISD argument is ignored when there is none. */
	assert_true(ndx_period_has_episode(&p, start, 0, start - 400));
	assert_true(ndx_period_has_episode(&p, start, 0, -1));
	/* Closed episodes: DISD on or after the start. */
	assert_true(ndx_period_has_episode(&p, start - 30, 1, start));
	assert_false(ndx_period_has_episode(&p, start - 30, 1, start - 1));
	assert_true(ndx_period_has_episode(&p, start - 30, 1, end + 30));
	assert_true(ndx_period_has_episode(&p, end, 1, end));
	assert_true(ndx_period_has_episode(&p, start, 1, start));
	assert_false(ndx_period_has_episode(&p, end + 1, 1, end + 2));
	/* A day before 1970 is a negative day number, not "absent". */
	assert_int_equal(ndx_period_range("1960-01-01", "1960-12-31", &p), 0);
	assert_true(ndx_period_has_episode(&p, iso("1959-01-01"), 1,
	    iso("1960-06-01")));
	assert_false(ndx_period_has_episode(&p, iso("1959-01-01"), 1,
	    iso("1959-12-31")));
}

/* The period options: one kind at most, each checked, messages exact. */
static void
test_period_args(void **state)
{
	static const struct {
		struct ndx_period_args a;
		int rc;
		const char *label_or_msg;
	} cases[] = {
		{ { NULL, NULL, NULL, NULL }, 0, "" },
		{ { "2026-10", NULL, NULL, NULL }, 1, "2026-10" },
		{ { NULL, "2026Q4", NULL, NULL }, 1, "2026Q4" },
		{ { NULL, NULL, "2026-04-01", "2026-06-30" }, 1,
		    "2026-04-01..2026-06-30" },
		{ { "2026-10", "2026Q2", NULL, NULL }, -1,
		    "give one period: --month, --quarter or --from/--to" },
		{ { "2026-10", NULL, NULL, "2026-06-30" }, -1,
		    "give one period: --month, --quarter or --from/--to" },
		{ { "2026-13", NULL, NULL, NULL }, -1,
		    "--month 2026-13: not a month (YYYY-MM)" },
		{ { NULL, "2026Q5", NULL, NULL }, -1,
		    "--quarter 2026Q5: not a quarter (YYYYQ1 to YYYYQ4)" },
		{ { NULL, NULL, "2026-04-01", NULL }, -1,
		    "--from and --to go together" },
		{ { NULL, NULL, NULL, "2026-04-01" }, -1,
		    "--from and --to go together" },
		{ { NULL, NULL, "2026-06-30", "2026-04-01" }, -1,
		    "--from 2026-06-30 --to 2026-04-01: not a range of dates "
		    "(YYYY-MM-DD, from <= to)" },
	};
	struct ndx_period p;
	char msg[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&p, 0, sizeof(p));
		msg[0] = '\0';
		assert_int_equal(ndx_period_args(&cases[i].a, &p, msg,
		    sizeof(msg)), cases[i].rc);
		assert_string_equal(cases[i].rc < 0 ? msg : p.label,
		    cases[i].label_or_msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_period_month_financial_year),
		cmocka_unit_test(test_period_month_bad),
		cmocka_unit_test(test_period_quarters),
		cmocka_unit_test(test_period_quarter_bad),
		cmocka_unit_test(test_period_range),
		cmocka_unit_test(test_period_range_bad),
		cmocka_unit_test(test_period_previous_month),
		cmocka_unit_test(test_period_previous_quarter),
		cmocka_unit_test(test_period_has_episode),
		cmocka_unit_test(test_period_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
