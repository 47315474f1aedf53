/*
 * Calendar dates as day numbers since 1970-01-01 (proleptic Gregorian),
 * using Howard Hinnant's days_from_civil/civil_from_days, so that every
 * comparison and "+ 28 days" in the rules is integer arithmetic.
 */
#include <string.h>
#include <time.h>

#include "ndx/date.h"

int
ndx_date_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
ndx_date_days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m < 1 || m > 12)
		return 0;
	return m == 2 && ndx_date_is_leap(y) ? 29 : days[m - 1];
}

ndx_day
ndx_date_from_ymd(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
ndx_date_to_ymd(ndx_day z, int *y, int *m, int *d)
{
	int era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

int
ndx_date_digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (out != NULL)
		*out = v;
	return 0;
}

static enum ndx_date_status
check_ymd(int y, int m, int d, ndx_day *out)
{
	if (y < 1900 || m < 1 || m > 12 || d < 1 ||
	    d > ndx_date_days_in_month(y, m))
		return NDX_DATE_INVALID;
	*out = ndx_date_from_ymd(y, m, d);
	return NDX_DATE_OK;
}

enum ndx_date_status
ndx_date_parse_iso(const char *s, ndx_day *out)
{
	int y, m, d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    ndx_date_digits(s, 4, &y) || ndx_date_digits(s + 5, 2, &m) ||
	    ndx_date_digits(s + 8, 2, &d))
		return NDX_DATE_SHAPE;
	return check_ymd(y, m, d, out);
}

enum ndx_date_status
ndx_date_parse_dmy(const char *s, ndx_day *out)
{
	int y, m, d;

	if (s == NULL || strlen(s) != 10 || s[2] != '/' || s[5] != '/' ||
	    ndx_date_digits(s, 2, &d) || ndx_date_digits(s + 3, 2, &m) ||
	    ndx_date_digits(s + 6, 4, &y))
		return NDX_DATE_SHAPE;
	return check_ymd(y, m, d, out);
}

/* Formats for years 0..9999, the only ones that parse. */
static void
put(char *p, int v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
ndx_date_format_iso(ndx_day z, char buf[11])
{
	int y, m, d;

	ndx_date_to_ymd(z, &y, &m, &d);
	put(buf, y, 4);
	buf[4] = '-';
	put(buf + 5, m, 2);
	buf[7] = '-';
	put(buf + 8, d, 2);
	buf[10] = '\0';
}

void
ndx_date_format_dmy(ndx_day z, char buf[11])
{
	int y, m, d;

	ndx_date_to_ymd(z, &y, &m, &d);
	put(buf, d, 2);
	buf[2] = '/';
	put(buf + 3, m, 2);
	buf[5] = '/';
	put(buf + 6, y, 4);
	buf[10] = '\0';
}

int
ndx_date_age(ndx_day birth, ndx_day at)
{
	int by, bm, bd, y, m, d, age;

	ndx_date_to_ymd(birth, &by, &bm, &bd);
	ndx_date_to_ymd(at, &y, &m, &d);
	age = y - by;
	if (m < bm || (m == bm && d < bd))
		age--;
	return age;
}

/*
 * 29 February moves to 1 March in a common year: the day someone born on
 * 29 February comes of age in English law, and the day ndx_date_age()
 * counts the birthday, so "DOB + 18 years" and "age 18" always agree.
 */
ndx_day
ndx_date_add_years(ndx_day z, int years)
{
	int y, m, d;

	ndx_date_to_ymd(z, &y, &m, &d);
	y += years;
	if (m == 2 && d == 29 && !ndx_date_is_leap(y)) {
		m = 3;
		d = 1;
	}
	return ndx_date_from_ymd(y, m, d);
}

ndx_day
ndx_date_today(void)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	return ndx_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday);
}

int
ndx_date_dmy_to_iso(const char *s, char out[11])
{
	if (strlen(s) != 10 || s[2] != '/' || s[5] != '/' ||
	    ndx_date_digits(s, 2, NULL) || ndx_date_digits(s + 3, 2, NULL) ||
	    ndx_date_digits(s + 6, 4, NULL))
		return -1;
	memcpy(out, s + 6, 4);
	out[4] = '-';
	memcpy(out + 5, s + 3, 2);
	out[7] = '-';
	memcpy(out + 8, s, 2);
	out[10] = '\0';
	return 0;
}

int
ndx_date_iso_to_dmy(const char *s, char out[11])
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    ndx_date_digits(s, 4, NULL) || ndx_date_digits(s + 5, 2, NULL) ||
	    ndx_date_digits(s + 8, 2, NULL))
		return -1;
	memcpy(out, s + 8, 2);
	out[2] = '/';
	memcpy(out + 3, s + 5, 2);
	out[5] = '/';
	memcpy(out + 6, s, 4);
	out[10] = '\0';
	return 0;
}
