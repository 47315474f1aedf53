/* Derived items: one definition each, shared by every program. */
#include <stdlib.h>
#include <string.h>

#include "ndx/dataset.h"
#include "ndx/date.h"
#include "ndx/derive.h"
#include "ndx/model.h"

/* A date item as a day, or -1 when absent, raw or not a date. */
static int
day_of(const struct ndx_client *c, const struct ndx_episode *e,
    enum ndx_item item, ndx_day *out)
{
	const char *v = ndx_row_value(c, e, NULL, item);

	/* A raw value came from the source unconverted: never a date, even
	 * when it happens to look like one. */
	if (v == NULL || ndx_row_is_raw(c, e, NULL, item) ||
	    ndx_date_parse_iso(v, out) != NDX_DATE_OK)
		return -1;
	return 0;
}

int
ndx_age_at_triage(const struct ndx_client *c, const struct ndx_episode *e,
    int *age)
{
	ndx_day dob, triaged;

	if (day_of(c, e, NDX_DOB, &dob) != 0 ||
	    day_of(c, e, NDX_TRIAGED, &triaged) != 0)
		return -1;
	*age = ndx_date_age(dob, triaged);
	return 0;
}

const char *
ndx_age_band(const struct ndx_dataset *ds, int age)
{
	const char *const *band;
	const char *found = NULL;
	size_t n;

	/* The bands are in ascending order in the XSD, each labelled by its
	 * lower bound first ("25-29", "65+"). */
	if ((band = ndx_dataset_codes(ds, NDX_AGE_BAND, &n)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strtol(band[i], NULL, 10) <= age)
			found = band[i];
	return found;
}

int
ndx_pc_district(const char *pc, char out[NDX_PC_DISTRICT_SIZE])
{
	const char *sp;
	size_t n;

	if (pc == NULL || strcmp(pc, NDX_PC_NO_FIXED_ABODE) == 0)
		return 0;
	if ((sp = strchr(pc, ' ')) == NULL || sp[1] == '\0')
		return -1;
	n = (size_t)(sp - pc);
	if (n < 2 || n >= NDX_PC_DISTRICT_SIZE)
		return -1;
	memcpy(out, pc, n);
	out[n] = '\0';
	return 1;
}

int
ndx_substances_add(const struct ndx_dataset *ds, const struct ndx_episode *e,
    unsigned *seen)
{
	static const enum ndx_item drugs[] = { NDX_DRUG1, NDX_DRUG2,
	    NDX_DRUG3 };
	const char *code, *group;

	for (size_t i = 0; i < sizeof(drugs) / sizeof(drugs[0]); i++) {
		if ((code = NDX_E(e, drugs[i])) == NULL)
			continue;
		if ((group = ndx_dataset_code_prop(ds, drugs[i], code,
		    "group")) == NULL)
			return -1;
		if (strcmp(group, "opiate") == 0)
			*seen |= NDX_SUBST_OPIATE;
		else if (strcmp(group, "alcohol") == 0)
			*seen |= NDX_SUBST_ALCOHOL;
		else if (strcmp(group, "non_opiate") == 0)
			*seen |= NDX_SUBST_NON_OPIATE;
		else
			return -1;
	}
	return 0;
}

const char *
ndx_substance_group(unsigned seen)
{
	/* metrics.md: opiate wins; alcohol with anything else is mixed. */
	if (seen & NDX_SUBST_OPIATE)
		return "opiate";
	if ((seen & NDX_SUBST_ALCOHOL) && (seen & NDX_SUBST_NON_OPIATE))
		return "non_opiate_and_alcohol";
	if (seen & NDX_SUBST_ALCOHOL)
		return "alcohol_only";
	if (seen & NDX_SUBST_NON_OPIATE)
		return "non_opiate_only";
	return NULL;
}
