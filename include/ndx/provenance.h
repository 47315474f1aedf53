/*
 * Where an archive's data came from (exchange.md §4): what ndx-pack writes
 * at the head of a version 2 MANIFEST and what lib/datapackage.c writes as
 * the properties of datapackage.json.  NULL strings are "not given" and
 * written as "-" in a MANIFEST, left out of datapackage.json.
 *
 * Ownership: every pointer is borrowed from the caller.
 */
#ifndef NDX_PROVENANCE_H
#define NDX_PROVENANCE_H

#include <stddef.h>

/* One disclosure-risk line (exchange.md §8) for one pseudonymised CSV. */
struct ndx_risk {
	const char *file;	/* "public-health.csv" */
	long persons, k_min, below_5;
	/* With min_k > 0, the figures after generalisation as well. */
	long min_k, after_k_min, after_below_5, suppressed;
};

struct ndx_provenance {
	const char *ndx_version;	/* NDX_VERSION */
	const char *dataset_version;	/* "1" */
	const char *xsd_sha256;		/* 64 lower-case hex digits */
	const char *period;		/* label: "2026Q2", "2026-10" */
	const char *start, *end;	/* YYYY-MM-DD, the period's range */
	const char *as_of;		/* YYYY-MM-DD, the data-cut date */
	const char *agency;		/* "N0852,N0853": every AGNCY in data */
	const char *area;		/* police force area */
	const char *recipient;		/* "public-health" */
	const char *key_id;		/* 16 hex digits, or NULL */
	long consent_excluded;		/* episodes left out, -1 not given */
	const struct ndx_risk *risk;	/* nrisk lines */
	size_t nrisk;
	const char *disclosure;		/* the PCC return's disclosure
					   control (metrics.md), or NULL */
};

#endif
