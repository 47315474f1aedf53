/*
 * Reporting periods.  NDTMS submissions are cumulative through the
 * financial year (1 April to 31 March), so a month means "the financial
 * year to the end of that month".
 */
#include <stdio.h>
#include <string.h>

#include "ndx/period.h"

static void
set_month(int y, int m, struct ndx_period *p)
{
	int fy = m >= 4 ? y : y - 1;

	p->start = ndx_date_from_ymd(fy, 4, 1);
	p->end = ndx_date_from_ymd(y, m, ndx_date_days_in_month(y, m));
	snprintf(p->label, sizeof(p->label), "%04d-%02d", y, m);
}

int
ndx_period_month(const char *s, struct ndx_period *p)
{
	int y, m;

	if (s == NULL || strlen(s) != 7 || s[4] != '-' ||
	    ndx_date_digits(s, 4, &y) || ndx_date_digits(s + 5, 2, &m) ||
	    y < 1900 || m < 1 || m > 12)
		return -1;
	set_month(y, m, p);
	return 0;
}

static void
set_quarter(int fy, int q, struct ndx_period *p)
{
	int m = 4 + (q - 1) * 3;	/* 4, 7, 10, 13 */
	int y = fy + (m > 12);

	m = m > 12 ? m - 12 : m;
	p->start = ndx_date_from_ymd(y, m, 1);
	p->end = ndx_date_from_ymd(y, m + 2,
	    ndx_date_days_in_month(y, m + 2));
	snprintf(p->label, sizeof(p->label), "%04dQ%d", fy, q);
}

int
ndx_period_quarter(const char *s, struct ndx_period *p)
{
	int y, q;

	if (s == NULL || strlen(s) != 6 || s[4] != 'Q' ||
	    ndx_date_digits(s, 4, &y) || ndx_date_digits(s + 5, 1, &q) ||
	    y < 1900 || y > 9998 || q < 1 || q > 4)
		return -1;
	set_quarter(y, q, p);
	return 0;
}

int
ndx_period_range(const char *from, const char *to, struct ndx_period *p)
{
	ndx_day a, b;

	if (ndx_date_parse_iso(from, &a) != NDX_DATE_OK ||
	    ndx_date_parse_iso(to, &b) != NDX_DATE_OK || b < a)
		return -1;
	p->start = a;
	p->end = b;
	snprintf(p->label, sizeof(p->label), "%s..%s", from, to);
	return 0;
}

void
ndx_period_previous_month(ndx_day today, struct ndx_period *p)
{
	int y, m, d;

	ndx_date_to_ymd(today, &y, &m, &d);
	if (--m == 0) {
		m = 12;
		y--;
	}
	set_month(y, m, p);
}

void
ndx_period_previous_quarter(ndx_day today, struct ndx_period *p)
{
	int y, m, d, fy, q;

	ndx_date_to_ymd(today, &y, &m, &d);
	fy = m >= 4 ? y : y - 1;
	q = m >= 4 ? (m - 4) / 3 + 1 : 4;	/* the current quarter */
	if (--q == 0) {
		q = 4;
		fy--;
	}
	set_quarter(fy, q, p);
}

int
ndx_period_has_episode(const struct ndx_period *p, ndx_day refld,
    int has_disd, ndx_day disd)
{
	return refld <= p->end && (!has_disd || disd >= p->start);
}

int
ndx_period_args(const struct ndx_period_args *a, struct ndx_period *p,
    char *msg, size_t size)
{
	int kinds = (a->month != NULL) + (a->quarter != NULL) +
	    (a->from != NULL || a->to != NULL);

	if (kinds == 0)
		return 0;
	if (kinds > 1)
		snprintf(msg, size, "give one period: --month, --quarter or "
		    "--from/--to");
	else if (a->month != NULL && ndx_period_month(a->month, p) != 0)
		snprintf(msg, size, "--month %s: not a month (YYYY-MM)",
		    a->month);
	else if (a->quarter != NULL && ndx_period_quarter(a->quarter, p) != 0)
		snprintf(msg, size, "--quarter %s: not a quarter (YYYYQ1 to "
		    "YYYYQ4)", a->quarter);
	else if ((a->from != NULL) != (a->to != NULL))
		snprintf(msg, size, "--from and --to go together");
	else if (a->from != NULL && ndx_period_range(a->from, a->to, p) != 0)
		snprintf(msg, size, "--from %s --to %s: not a range of dates "
		    "(YYYY-MM-DD, from <= to)", a->from, a->to);
	else
		return 1;
	return -1;
}
