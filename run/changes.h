/*
 * Month on month (changes.c): what this run submits against the previous
 * run of the same financial year, for the provider's data officer.
 */
#ifndef NDX_RUN_CHANGES_H
#define NDX_RUN_CHANGES_H

#include "ndx/period.h"

struct ndx_error;

struct changes_counts {
	char since[32];		/* the previous run's label; "" for none */
	long added, changed, gone, rejected, still_rejected;
};

/*
 * Writes out (changes.csv) from this run's valid episodes and rejects and
 * the previous run of the same financial year under root (the latest
 * earlier period of the same kind whose directory is complete): one row
 * per episode (AGNCY + EPISODID) added, changed (naming the items that
 * differ), gone, and one per episode rejected now, with the period it
 * was first rejected in (carried from the previous run's changes.csv).
 * 0, or -1 with err set.
 */
int changes_write(const char *root, const struct ndx_period *period,
    int quarterly, const char *valid_xml, const char *rejects_csv,
    const char *out, struct changes_counts *counts, struct ndx_error *err);

#endif
