/*
 * libFuzzer harness for lib/date.c and lib/period.c.  The input is read
 * two ways: as text for the parsers and converters (each verdict checked
 * against the others: a date that parses formats back to the same text,
 * a shape error is exactly what the text converters refuse), and as
 * numbers for the day arithmetic within the years the dataset can hold.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/date.h"
#include "ndx/period.h"
#include "fuzz.h"


/* Day numbers of 0001-01-01 and 9999-12-31. */
#define DAY_MIN (-719162)
#define DAY_MAX 2932896

static void
check_text(const char *s)
{
	enum ndx_date_status st;
	struct ndx_period p;
	char buf[11], conv[11];
	ndx_day d = 0, d2 = 0;

	st = ndx_date_parse_iso(s, &d);
	CHECK(st == NDX_DATE_OK || st == NDX_DATE_SHAPE ||
	    st == NDX_DATE_INVALID);
	CHECK((st == NDX_DATE_SHAPE) == (ndx_date_iso_to_dmy(s, conv) != 0));
	if (st == NDX_DATE_OK) {
		ndx_date_format_iso(d, buf);
		CHECK(strcmp(buf, s) == 0);
		CHECK(d >= ndx_date_from_ymd(1900, 1, 1) && d <= DAY_MAX);
	}
	if (st != NDX_DATE_SHAPE) {
		/* The DMY form of the same text gets the same verdict. */
		CHECK(ndx_date_parse_dmy(conv, &d2) == st);
		CHECK(st != NDX_DATE_OK || d2 == d);
		CHECK(ndx_date_dmy_to_iso(conv, buf) == 0);
		CHECK(strcmp(buf, s) == 0);
	}

	st = ndx_date_parse_dmy(s, &d);
	CHECK(st == NDX_DATE_OK || st == NDX_DATE_SHAPE ||
	    st == NDX_DATE_INVALID);
	CHECK((st == NDX_DATE_SHAPE) == (ndx_date_dmy_to_iso(s, conv) != 0));
	if (st == NDX_DATE_OK) {
		ndx_date_format_dmy(d, buf);
		CHECK(strcmp(buf, s) == 0);
	}

	if (ndx_period_month(s, &p) == 0) {
		CHECK(p.start <= p.end);
		CHECK(strcmp(p.label, s) == 0);
		CHECK(p.end - p.start < 366);
	}
	if (ndx_period_quarter(s, &p) == 0) {
		CHECK(p.end - p.start >= 89 && p.end - p.start <= 91);
		CHECK(strcmp(p.label, s) == 0);
	}
	/* Two dates separated by a space make a range. */
	if (strlen(s) == 21 && s[10] == ' ') {
		char from[11], to[11];

		memcpy(from, s, 10);
		from[10] = '\0';
		memcpy(to, s + 11, 10);
		to[10] = '\0';
		if (ndx_period_range(from, to, &p) == 0) {
			CHECK(p.start <= p.end);
			CHECK(ndx_period_has_episode(&p, p.start, 0, 0));
			CHECK(ndx_period_has_episode(&p, p.end, 1, p.start));
			CHECK(!ndx_period_has_episode(&p, p.end + 1, 0, 0));
			CHECK(!ndx_period_has_episode(&p, p.start - 9, 1,
			    p.start - 1));
		}
	}
}

static int32_t
get32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
	    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

/* Two day numbers and a year count from 12 bytes. */
static void
check_numbers(const uint8_t *data)
{
	uint32_t span = (uint32_t)(DAY_MAX - DAY_MIN) + 1;
	ndx_day a = DAY_MIN + (ndx_day)((uint32_t)get32(data) % span);
	ndx_day b = DAY_MIN + (ndx_day)((uint32_t)get32(data + 4) % span);
	int years = (int)((uint32_t)get32(data + 8) % 201) - 100;
	int y, m, d, age;
	struct ndx_period p;
	ndx_day c;

	ndx_date_to_ymd(a, &y, &m, &d);
	CHECK(y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= ndx_date_days_in_month(y, m));
	CHECK(ndx_date_from_ymd(y, m, d) == a);

	age = ndx_date_age(a, b);
	CHECK((b >= a) == (age >= 0));
	if (b >= a) {
		/* The next birthday is still to come. */
		if (y + age + 1 <= 9999) {
			c = ndx_date_from_ymd(y + age + 1, m, 1) + d - 1;
			CHECK(c > b);
		}
	}

	if (y + years >= 1 && y + years <= 9999) {
		c = ndx_date_add_years(a, years);
		ndx_date_to_ymd(c, &y, &m, &d);
		CHECK(m >= 1 && m <= 12);
		if (years >= 0)
			CHECK(c >= a && ndx_date_age(a, c) >= years - 1);
	}

	ndx_date_to_ymd(a, &y, &m, &d);
	if (y >= 1901 && y <= 9998) {
		ndx_period_previous_month(a, &p);
		CHECK(p.start <= p.end && p.end < a);
		CHECK(p.end + 31 >= a);
		ndx_period_previous_quarter(a, &p);
		CHECK(p.start <= p.end && p.end < a);
		CHECK(p.end + 92 >= a);
		CHECK(p.end - p.start >= 89 && p.end - p.start <= 91);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[64];
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;

	if (n > 0)
		memcpy(s, data, n);
	s[n] = '\0';
	check_text(s);
	if (size >= 12)
		check_numbers(data);
	return 0;
}
