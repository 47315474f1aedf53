/*
 * Unit tests for lib/date.c: parsing (shape, rule R001, versus validity,
 * rule R002), the day-number conversions, ages and text conversion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ndx/date.h"

/* Parses an ISO date that must be valid and returns its day number. */
static ndx_day
iso(const char *s)
{
	ndx_day d = -1;

	assert_int_equal(ndx_date_parse_iso(s, &d), NDX_DATE_OK);
	return d;
}

static void
test_date_iso_valid(void **state)
{
	ndx_day d = 12345;

	(void)state;
	assert_int_equal(ndx_date_parse_iso("1970-01-01", &d), NDX_DATE_OK);
	assert_int_equal(d, 0);
	assert_int_equal(ndx_date_parse_iso("1970-01-02", &d), NDX_DATE_OK);
	assert_int_equal(d, 1);
	assert_int_equal(ndx_date_parse_iso("1969-12-31", &d), NDX_DATE_OK);
	assert_int_equal(d, -1);
	assert_int_equal(ndx_date_parse_iso("2000-03-01", &d), NDX_DATE_OK);
	assert_int_equal(d, 11017);
	assert_int_equal(ndx_date_parse_iso("1900-01-01", &d), NDX_DATE_OK);
	assert_int_equal(d, -25567);
	assert_int_equal(ndx_date_parse_iso("9999-12-31", &d), NDX_DATE_OK);
	assert_int_equal(d, 2932896);
}

static void
test_date_iso_shape(void **state)
{
	static const char *const bad[] = {
		"", "2026", "2026-1-01", "2026-01-1", "26-01-01",
		"2026-01-010", " 2026-01-01", "2026-01-01 ", "2026/01/01",
		"01/02/2026", "2026-0a-01", "2026-01-0x", "+026-01-01",
		"2026--1-01", "2026-01- 1", "20260101", "２026-01-01",
		"2026-01-01\n", "abcd-ef-gh",
	};
	ndx_day d = 77;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ndx_date_parse_iso(bad[i], &d) != NDX_DATE_SHAPE)
			fail_msg("\"%s\" should be a shape error", bad[i]);
	}
	assert_int_equal(ndx_date_parse_iso(NULL, &d), NDX_DATE_SHAPE);
	assert_int_equal(d, 77);	/* untouched on failure */
}

static void
test_date_iso_invalid(void **state)
{
	static const char *const bad[] = {
		"2026-00-10", "2026-13-01", "2026-99-01", "2026-01-00",
		"2026-01-32", "2026-04-31", "2026-06-31", "2026-09-31",
		"2026-11-31", "2025-02-29", "1900-02-29", "2100-02-29",
		"2026-02-30", "1899-12-31", "0000-01-01", "1066-10-14",
	};
	ndx_day d = 77;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ndx_date_parse_iso(bad[i], &d) != NDX_DATE_INVALID)
			fail_msg("\"%s\" should be an invalid date", bad[i]);
	}
	assert_int_equal(d, 77);
}

static void
test_date_leap_days(void **state)
{
	ndx_day d;

	(void)state;
	assert_int_equal(ndx_date_parse_iso("2024-02-29", &d), NDX_DATE_OK);
	assert_int_equal(ndx_date_parse_iso("2025-02-29", &d),
	    NDX_DATE_INVALID);
	assert_int_equal(ndx_date_parse_iso("1900-02-29", &d),
	    NDX_DATE_INVALID);
	assert_int_equal(ndx_date_parse_iso("2000-02-29", &d), NDX_DATE_OK);
	assert_int_equal(ndx_date_parse_dmy("29/02/2024", &d), NDX_DATE_OK);
	assert_int_equal(ndx_date_parse_dmy("29/02/2025", &d),
	    NDX_DATE_INVALID);
	assert_int_equal(ndx_date_parse_dmy("29/02/1900", &d),
	    NDX_DATE_INVALID);
	assert_int_equal(ndx_date_parse_dmy("29/02/2000", &d), NDX_DATE_OK);

	assert_true(ndx_date_is_leap(2024));
	assert_false(ndx_date_is_leap(2025));
	assert_false(ndx_date_is_leap(1900));
	assert_true(ndx_date_is_leap(2000));
	assert_false(ndx_date_is_leap(2100));
	assert_int_equal(ndx_date_days_in_month(2024, 2), 29);
	assert_int_equal(ndx_date_days_in_month(2025, 2), 28);
	assert_int_equal(ndx_date_days_in_month(2025, 4), 30);
	assert_int_equal(ndx_date_days_in_month(2025, 12), 31);
	assert_int_equal(ndx_date_days_in_month(2025, 0), 0);
	assert_int_equal(ndx_date_days_in_month(2025, 13), 0);
}

static void
test_date_dmy_valid(void **state)
{
	ndx_day d = 0;

	(void)state;
	assert_int_equal(ndx_date_parse_dmy("07/03/1980", &d), NDX_DATE_OK);
	assert_int_equal(d, iso("1980-03-07"));
	assert_int_equal(ndx_date_parse_dmy("31/12/2100", &d), NDX_DATE_OK);
	assert_int_equal(d, iso("2100-12-31"));
	assert_int_equal(ndx_date_parse_dmy("01/01/1900", &d), NDX_DATE_OK);
	assert_int_equal(d, iso("1900-01-01"));
}

static void
test_date_dmy_shape(void **state)
{
	static const char *const bad[] = {
		"", "7/3/1980", "07/3/1980", "07/03/80", "07-03-1980",
		"1980-03-07", "07/03/1980 ", " 07/03/1980", "07.03.1980",
		"0a/03/1980", "07/03/198x", "07/03/19800", "07//3/1980",
		"-7/03/1980",
	};
	ndx_day d = 77;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ndx_date_parse_dmy(bad[i], &d) != NDX_DATE_SHAPE)
			fail_msg("\"%s\" should be a shape error", bad[i]);
	}
	assert_int_equal(ndx_date_parse_dmy(NULL, &d), NDX_DATE_SHAPE);
	assert_int_equal(d, 77);
}

static void
test_date_dmy_invalid(void **state)
{
	static const char *const bad[] = {
		"00/01/2026", "32/01/2026", "31/04/2026", "01/00/2026",
		"01/13/2026", "30/02/2024", "31/12/1899", "01/01/0001",
	};
	ndx_day d = 77;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ndx_date_parse_dmy(bad[i], &d) != NDX_DATE_INVALID)
			fail_msg("\"%s\" should be an invalid date", bad[i]);
	}
	assert_int_equal(d, 77);
}

/*
 * Every day of 1900..2100 maps to the next day number, back to itself,
 * and through both text forms and both parsers.
 */
static void
test_date_roundtrip_every_day(void **state)
{
	ndx_day expect = ndx_date_from_ymd(1900, 1, 1);
	char buf[11], want[48];
	long n = 0;

	(void)state;
	assert_int_equal(expect, -25567);
	for (int y = 1900; y <= 2100; y++) {
		for (int m = 1; m <= 12; m++) {
			int dim = ndx_date_days_in_month(y, m);

			for (int d = 1; d <= dim; d++, expect++, n++) {
				ndx_day z = ndx_date_from_ymd(y, m, d), p;
				int yy, mm, dd;

				if (z != expect)
					fail_msg("%04d-%02d-%02d: %ld != %ld",
					    y, m, d, (long)z, (long)expect);
				ndx_date_to_ymd(z, &yy, &mm, &dd);
				if (yy != y || mm != m || dd != d)
					fail_msg("%ld -> %04d-%02d-%02d",
					    (long)z, yy, mm, dd);
				ndx_date_format_iso(z, buf);
				snprintf(want, sizeof(want), "%04d-%02d-%02d",
				    y, m, d);
				assert_string_equal(buf, want);
				assert_int_equal(ndx_date_parse_iso(buf, &p),
				    NDX_DATE_OK);
				assert_int_equal(p, z);
				ndx_date_format_dmy(z, buf);
				snprintf(want, sizeof(want), "%02d/%02d/%04d",
				    d, m, y);
				assert_string_equal(buf, want);
				assert_int_equal(ndx_date_parse_dmy(buf, &p),
				    NDX_DATE_OK);
				assert_int_equal(p, z);
			}
		}
	}
	assert_int_equal(n, 73414);	/* 201 years, 49 of them leap */
	assert_int_equal(expect - 1, ndx_date_from_ymd(2100, 12, 31));
}

static void
test_date_age_birthday(void **state)
{
	ndx_day dob = iso("2008-06-15");

	(void)state;
	assert_int_equal(ndx_date_age(dob, dob), 0);
	assert_int_equal(ndx_date_age(dob, iso("2026-06-14")), 17);
	assert_int_equal(ndx_date_age(dob, iso("2026-06-15")), 18);
	assert_int_equal(ndx_date_age(dob, iso("2026-06-16")), 18);
	assert_int_equal(ndx_date_age(dob, iso("2026-05-31")), 17);
	assert_int_equal(ndx_date_age(dob, iso("2027-01-01")), 18);
	assert_int_equal(ndx_date_age(dob, iso("2027-06-14")), 18);
	assert_int_equal(ndx_date_age(dob, iso("2027-06-15")), 19);
	/* Before birth: negative, so "age < 0" checks can see it. */
	assert_int_equal(ndx_date_age(dob, iso("2008-06-14")), -1);
	/* Year boundary birthdays. */
	assert_int_equal(ndx_date_age(iso("2000-12-31"), iso("2018-12-30")),
	    17);
	assert_int_equal(ndx_date_age(iso("2000-12-31"), iso("2018-12-31")),
	    18);
	assert_int_equal(ndx_date_age(iso("2001-01-01"), iso("2018-12-31")),
	    17);
	assert_int_equal(ndx_date_age(iso("2001-01-01"), iso("2019-01-01")),
	    18);
}

/* Born on 29 February: a year is complete on 1 March in common years. */
static void
test_date_age_leap_birthday(void **state)
{
	ndx_day dob = iso("2008-02-29");

	(void)state;
	assert_int_equal(ndx_date_age(dob, iso("2026-02-28")), 17);
	assert_int_equal(ndx_date_age(dob, iso("2026-03-01")), 18);
	assert_int_equal(ndx_date_age(dob, iso("2028-02-28")), 19);
	assert_int_equal(ndx_date_age(dob, iso("2028-02-29")), 20);
	assert_int_equal(ndx_date_age(dob, iso("2009-02-28")), 0);
	assert_int_equal(ndx_date_age(dob, iso("2009-03-01")), 1);
}

static void
test_date_add_years(void **state)
{
	(void)state;
	assert_int_equal(ndx_date_add_years(iso("2008-06-15"), 18),
	    iso("2026-06-15"));
	assert_int_equal(ndx_date_add_years(iso("2026-06-15"), -18),
	    iso("2008-06-15"));
	assert_int_equal(ndx_date_add_years(iso("2024-02-29"), 1),
	    iso("2025-03-01"));
	assert_int_equal(ndx_date_add_years(iso("2024-02-29"), 4),
	    iso("2028-02-29"));
	assert_int_equal(ndx_date_add_years(iso("2024-02-29"), -100),
	    iso("1924-02-29"));
	assert_int_equal(ndx_date_add_years(iso("2000-02-29"), 100),
	    iso("2100-03-01"));
	/* The 18th birthday by add_years is the day age first reads 18. */
	assert_int_equal(ndx_date_age(iso("2008-02-29"),
	    ndx_date_add_years(iso("2008-02-29"), 18)), 18);
	assert_int_equal(ndx_date_age(iso("2008-02-29"),
	    ndx_date_add_years(iso("2008-02-29"), 18) - 1), 17);
	assert_int_equal(ndx_date_add_years(iso("2024-02-28"), 1),
	    iso("2025-02-28"));
	assert_int_equal(ndx_date_add_years(iso("2024-03-01"), 1),
	    iso("2025-03-01"));
	assert_int_equal(ndx_date_add_years(iso("2024-12-31"), 0),
	    iso("2024-12-31"));
}

static void
test_date_today_is_plausible(void **state)
{
	ndx_day t = ndx_date_today();

	(void)state;
	assert_true(t > iso("2024-01-01"));
	assert_true(t < iso("2200-01-01"));
}

static void
test_date_dmy_to_iso_text(void **state)
{
	char out[11];

	(void)state;
	assert_int_equal(ndx_date_dmy_to_iso("07/03/1980", out), 0);
	assert_string_equal(out, "1980-03-07");
	/* Digits move even when the date is not real: judging is R002's. */
	assert_int_equal(ndx_date_dmy_to_iso("31/02/2025", out), 0);
	assert_string_equal(out, "2025-02-31");
	assert_int_equal(ndx_date_dmy_to_iso("00/13/0000", out), 0);
	assert_string_equal(out, "0000-13-00");
	assert_int_equal(ndx_date_dmy_to_iso("99/99/1800", out), 0);
	assert_string_equal(out, "1800-99-99");

	strcpy(out, "untouched");
	assert_int_equal(ndx_date_dmy_to_iso("7/3/1980", out), -1);
	assert_int_equal(ndx_date_dmy_to_iso("1980-03-07", out), -1);
	assert_int_equal(ndx_date_dmy_to_iso("07/03/1980 ", out), -1);
	assert_int_equal(ndx_date_dmy_to_iso("07-03-1980", out), -1);
	assert_int_equal(ndx_date_dmy_to_iso("", out), -1);
	assert_int_equal(ndx_date_dmy_to_iso("ab/cd/efgh", out), -1);
	assert_string_equal(out, "untouched");
}

static void
test_date_iso_to_dmy_text(void **state)
{
	char out[11], back[11];

	(void)state;
	assert_int_equal(ndx_date_iso_to_dmy("1980-03-07", out), 0);
	assert_string_equal(out, "07/03/1980");
	assert_int_equal(ndx_date_iso_to_dmy("2025-02-31", out), 0);
	assert_string_equal(out, "31/02/2025");
	assert_int_equal(ndx_date_iso_to_dmy("0000-00-00", out), 0);
	assert_string_equal(out, "00/00/0000");

	strcpy(out, "untouched");
	assert_int_equal(ndx_date_iso_to_dmy("07/03/1980", out), -1);
	assert_int_equal(ndx_date_iso_to_dmy("1980-3-07", out), -1);
	assert_int_equal(ndx_date_iso_to_dmy("1980-03-07T00", out), -1);
	assert_int_equal(ndx_date_iso_to_dmy("", out), -1);
	assert_string_equal(out, "untouched");

	/* The two conversions are inverse. */
	assert_int_equal(ndx_date_iso_to_dmy("2026-10-31", out), 0);
	assert_int_equal(ndx_date_dmy_to_iso(out, back), 0);
	assert_string_equal(back, "2026-10-31");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_iso_valid),
		cmocka_unit_test(test_date_iso_shape),
		cmocka_unit_test(test_date_iso_invalid),
		cmocka_unit_test(test_date_leap_days),
		cmocka_unit_test(test_date_dmy_valid),
		cmocka_unit_test(test_date_dmy_shape),
		cmocka_unit_test(test_date_dmy_invalid),
		cmocka_unit_test(test_date_roundtrip_every_day),
		cmocka_unit_test(test_date_age_birthday),
		cmocka_unit_test(test_date_age_leap_birthday),
		cmocka_unit_test(test_date_add_years),
		cmocka_unit_test(test_date_today_is_plausible),
		cmocka_unit_test(test_date_dmy_to_iso_text),
		cmocka_unit_test(test_date_iso_to_dmy_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
