/*
 * Disclosure control (metrics.md, "Disclosure control"): suppression with
 * a secondary pass, rounding to 5, the NHS Digital method, or none.
 *
 * Secondary suppression works on lines: every row when the table has a
 * `total` column (the row's counts and its total), and every column of
 * counts, `total` included (its LA cells and its TOTAL cell).  A pass
 * takes the rows in output order, then the columns in output order, each
 * looked at as it stands when its turn comes; passes repeat until one
 * changes nothing.  A line with exactly one hidden cell would give that
 * cell away by subtraction, so a second one is hidden: the smallest
 * non-zero shown cell other than the line's total (the first in output
 * order on ties), or the total when there is none.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/diag.h"
#include "suppress.h"

/* NHS Digital hides 1 to 7 whatever --threshold says. */
#define NHS_HIDDEN_MAX 7

void
suppress_rate(long long num, long long den, char out[SUPPRESS_CELL])
{
	long long tenths;

	if (den == 0) {
		out[0] = '\0';
		return;
	}
	/* 1000 x num / den rounded half away from zero, both non-negative. */
	tenths = (2000 * num + den) / (2 * den);
	snprintf(out, SUPPRESS_CELL, "%lld.%lld", tenths / 10, tenths % 10);
}

/* Nearest multiple of 5, halves up. */
static long long
round5(long long n)
{
	return (n + 2) / 5 * 5;
}

static int
is_count(const struct suppress_col *col)
{
	return col->kind == SUPPRESS_COUNT || col->kind == SUPPRESS_TOTAL;
}

/*
 * One line: cells[0..n) are its cells other than the total, in output
 * order.  Returns 1 when it hid a cell.
 */
static int
line_fix(const long long *count, unsigned char *hidden, const size_t *cells,
    size_t n, size_t total)
{
	size_t stars = hidden[total], best = SIZE_MAX;

	for (size_t i = 0; i < n; i++)
		stars += hidden[cells[i]];
	if (stars != 1)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t c = cells[i];

		if (!hidden[c] && count[c] != 0 &&
		    (best == SIZE_MAX || count[c] < count[best]))
			best = c;
	}
	if (best == SIZE_MAX) {
		/* Only when the lone hidden cell is not the total itself. */
		if (hidden[total])
			return 0;
		best = total;
	}
	hidden[best] = 1;
	return 1;
}

static size_t
secondary(size_t nrows, size_t ncols, const struct suppress_col *cols,
    const long long *count, unsigned char *hidden)
{
	size_t *cells = xcalloc(nrows > ncols ? nrows : ncols, sizeof(*cells));
	size_t totcol = SIZE_MAX, added = 0, n;
	int changed;

	for (size_t c = 0; c < ncols; c++)
		if (cols[c].kind == SUPPRESS_TOTAL)
			totcol = c;
	do {
		changed = 0;
		for (size_t r = 0; totcol != SIZE_MAX && r < nrows; r++) {
			n = 0;
			for (size_t c = 0; c < ncols; c++)
				if (cols[c].kind == SUPPRESS_COUNT)
					cells[n++] = r * ncols + c;
			if (line_fix(count, hidden, cells, n,
			    r * ncols + totcol)) {
				changed = 1;
				added++;
			}
		}
		for (size_t c = 0; c < ncols; c++) {
			if (!is_count(&cols[c]))
				continue;
			n = 0;
			for (size_t r = 0; r + 1 < nrows; r++)
				cells[n++] = r * ncols + c;
			if (line_fix(count, hidden, cells, n,
			    (nrows - 1) * ncols + c)) {
				changed = 1;
				added++;
			}
		}
	} while (changed);
	free(cells);
	return added;
}

size_t
suppress_table(const struct suppress_rule *rule, size_t nrows, size_t ncols,
    const struct suppress_col *cols, const long long *count,
    char (*shown)[SUPPRESS_CELL])
{
	unsigned char *hidden = xcalloc(nrows * ncols + 1, 1);
	size_t added = 0;

	for (size_t r = 0; r < nrows; r++)
		for (size_t c = 0; c < ncols; c++) {
			size_t k = r * ncols + c;
			long long v = count[k];

			if (!is_count(&cols[c]))
				continue;
			if (rule->mode == DISCLOSURE_SUPPRESS)
				hidden[k] = v >= 1 && v < rule->threshold;
			else if (rule->mode == DISCLOSURE_NHS)
				hidden[k] = v >= 1 && v <= NHS_HIDDEN_MAX;
		}
	if (rule->mode == DISCLOSURE_SUPPRESS)
		added = secondary(nrows, ncols, cols, count, hidden);

	for (size_t r = 0; r < nrows; r++)
		for (size_t c = 0; c < ncols; c++) {
			size_t k = r * ncols + c;
			size_t num = r * ncols + cols[c].num;
			size_t den = r * ncols + cols[c].den;

			if (is_count(&cols[c])) {
				if (hidden[k])
					strcpy(shown[k], "*");
				else
					snprintf(shown[k], SUPPRESS_CELL,
					    "%lld", rule->mode ==
					    DISCLOSURE_ROUND5 ||
					    rule->mode == DISCLOSURE_NHS ?
					    round5(count[k]) : count[k]);
			} else if (hidden[num] || hidden[den])
				strcpy(shown[k], "*");
			else if (rule->mode == DISCLOSURE_ROUND5 &&
			    count[den] > 0 && count[den] < 5)
				strcpy(shown[k], "*");
			else
				suppress_rate(count[num], count[den],
				    shown[k]);
		}
	free(hidden);
	return added;
}
