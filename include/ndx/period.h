/* Reporting periods of interfaces.md: months (financial year to date),
 * quarters of the financial year, explicit ranges. */
#ifndef NDX_PERIOD_H
#define NDX_PERIOD_H

#include <stddef.h>

#include "ndx/date.h"

struct ndx_period {
	ndx_day start, end;	/* inclusive */
	char label[32];		/* "2026-10", "2026Q2", "2026-04-01..2026-06-30" */
};

/* Each returns 0, or -1 when the text is not a valid period. */
int ndx_period_month(const char *yyyy_mm, struct ndx_period *);
int ndx_period_quarter(const char *yyyyqn, struct ndx_period *);
int ndx_period_range(const char *from, const char *to, struct ndx_period *);
/* The last complete month / quarter before today ("previous"). */
void ndx_period_previous_month(ndx_day today, struct ndx_period *);
void ndx_period_previous_quarter(ndx_day today, struct ndx_period *);
/*
 * The period options of interfaces.md, as a program saw them (NULL when
 * not given): at most one of --month, --quarter and --from with --to.
 * Returns 1 with *p set, 0 when none was given, or -1 with the usage
 * message (without the program's name) in msg.  Every program that takes
 * them reads them here, so they mean and say the same everywhere.
 */
struct ndx_period_args {
	const char *month, *quarter, *from, *to;
};
int ndx_period_args(const struct ndx_period_args *, struct ndx_period *p,
    char *msg, size_t size);
/* Whether an episode (REFLD, DISD; DISD < 0 when absent) belongs. */
int ndx_period_has_episode(const struct ndx_period *, ndx_day refld,
    int has_disd, ndx_day disd);

#endif
