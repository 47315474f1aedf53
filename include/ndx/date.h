/*
 * Calendar dates as day numbers (days since 1970-01-01, proleptic
 * Gregorian), so that comparisons and "+ 28 days" are plain arithmetic.
 */
#ifndef NDX_DATE_H
#define NDX_DATE_H

#include <stdint.h>

typedef int32_t ndx_day;

enum ndx_date_status {
	NDX_DATE_OK = 0,
	NDX_DATE_SHAPE,		/* not of the form at all: rule R001 */
	NDX_DATE_INVALID	/* right form, not a real date or year < 1900: R002 */
};

/* "YYYY-MM-DD" (exactly). */
enum ndx_date_status ndx_date_parse_iso(const char *, ndx_day *);
/* "DD/MM/YYYY" (exactly). */
enum ndx_date_status ndx_date_parse_dmy(const char *, ndx_day *);

/* Exactly n decimal digits at s: 0 and their value in *out (when out is
 * not NULL), or -1. */
int ndx_date_digits(const char *s, int n, int *out);

int ndx_date_is_leap(int year);
int ndx_date_days_in_month(int year, int month);
ndx_day ndx_date_from_ymd(int y, int m, int d);	/* no validation */
void ndx_date_to_ymd(ndx_day, int *y, int *m, int *d);

/* buf must hold 11 bytes. */
void ndx_date_format_iso(ndx_day, char buf[11]);
void ndx_date_format_dmy(ndx_day, char buf[11]);

/* Whole years from birth to at (the birthday counts on its own day). */
int ndx_date_age(ndx_day birth, ndx_day at);
/* Same day n years later; 29 February becomes 1 March in a common year,
 * in step with ndx_date_age(). */
ndx_day ndx_date_add_years(ndx_day, int years);

/* Today in local time. */
ndx_day ndx_date_today(void);

/*
 * Converting one textual form into the other without judging: a value
 * whose shape is DD/MM/YYYY becomes YYYY-MM-DD (digits moved, even when
 * not a real date) and vice versa.  Returns 0 and fills out (11 bytes), or
 * -1 when the value does not have the source shape.
 */
int ndx_date_dmy_to_iso(const char *dmy, char out[11]);
int ndx_date_iso_to_dmy(const char *iso, char out[11]);

#endif
