/*
 * Items derived from others, one place for each derivation so that the
 * Public Health extract (ndx-pseudonymise) and the PCC return
 * (ndx-transform) cannot disagree: AGE_AT_TRIAGE, AGE_BAND, PC_DISTRICT
 * (dataset.md §6) and SUBSTANCE_GROUP (metrics.md, "Substance group").
 * Code lists and substance groups come from the dataset, never from C.
 */
#ifndef NDX_DERIVE_H
#define NDX_DERIVE_H

#include "ndx/model.h"

struct ndx_dataset;

/* PC of a client of no fixed abode (dataset.md §2). */
#define NDX_PC_NO_FIXED_ABODE "ZZ99 3VZ"
/* The longest outward code ("EC1A") and its NUL. */
#define NDX_PC_DISTRICT_SIZE 5

/*
 * AGE_AT_TRIAGE: whole years from DOB to TRIAGED into *age (negative when
 * TRIAGED is before DOB); -1 when either is absent, raw, or not a date.
 */
int ndx_age_at_triage(const struct ndx_client *, const struct ndx_episode *,
    int *age);

/*
 * The AGE_BAND holding age: the last band of the dataset's AgeBand code
 * list ("18-24" ... "65+") whose lower bound is at most age.  NULL below
 * the first band: no adult band exists (rule R010).
 */
const char *ndx_age_band(const struct ndx_dataset *, int age);

/*
 * PC_DISTRICT, the outward code of a postcode ("TS1" of "TS1 3QY"):
 * 1 with it in out; 0 when there is none (no PC, or ZZ99 3VZ); -1 when pc
 * is not an outward code, a space and an inward code.
 */
int ndx_pc_district(const char *pc, char out[NDX_PC_DISTRICT_SIZE]);

/*
 * SUBSTANCE_GROUP over any set of episodes: add each episode's DRUG1-3 to
 * seen (start from 0), then name the group.  ndx_substances_add() returns
 * -1 when a code has no group in the dataset (input not valid).
 */
enum {
	NDX_SUBST_OPIATE = 1,
	NDX_SUBST_ALCOHOL = 2,
	NDX_SUBST_NON_OPIATE = 4
};
int ndx_substances_add(const struct ndx_dataset *, const struct ndx_episode *,
    unsigned *seen);
/* "opiate" ... "non_opiate_only", or NULL when seen is 0. */
const char *ndx_substance_group(unsigned seen);

#endif
