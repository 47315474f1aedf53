/*
 * Disclosure control of metrics.md over one table of counts: rows are the
 * area's LAs in output order and then the TOTAL row (always the last);
 * columns are a measure's breakdowns in output order.  Each column is a
 * count, the row's `total` (at most one per table), or a rate computed
 * from two other columns of the same row.
 *
 * The caller supplies every count, the `total` column and the TOTAL row
 * included, computed from unrounded counts; rate cells of `count` are
 * ignored.  The result is what a reader may see, one string per cell:
 * an integer, "*", a rate with one decimal ("31.4"), or "" (a rate whose
 * denominator is zero).
 */
#ifndef NDX_SUPPRESS_H
#define NDX_SUPPRESS_H

#include <stddef.h>

#include "transform.h"

/* Longest shown value: 19 digits of a long long and the NUL. */
#define SUPPRESS_CELL 24

enum suppress_kind { SUPPRESS_COUNT, SUPPRESS_TOTAL, SUPPRESS_RATE };

/* SUPPRESS_RATE: 100 x count[num] / count[den] of the same row. */
struct suppress_col {
	enum suppress_kind kind;
	size_t num, den;
};

/* DISCLOSURE_SUPPRESS hides the counts 1 .. threshold - 1. */
struct suppress_rule {
	enum disclosure mode;
	int threshold;
};

/*
 * count and shown are nrows x ncols, row after row.  Counts must not be
 * negative.  Returns the number of cells hidden by secondary suppression
 * (for tests and diagnostics).
 */
size_t suppress_table(const struct suppress_rule *, size_t nrows,
    size_t ncols, const struct suppress_col *cols, const long long *count,
    char (*shown)[SUPPRESS_CELL]);

/* 100 x num / den to one decimal, half away from zero; "" when den is 0. */
void suppress_rate(long long num, long long den, char out[SUPPRESS_CELL]);

#endif
