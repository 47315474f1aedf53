/*
 * The rules of dataset.md §5 that look at one record and the items of its
 * row.  Types and code lists come from the dataset (the XSD); only the
 * relations between items live here.  A rule comparing items stays silent
 * when one of them is missing or invalid: that is already reported, and a
 * second message about the same wrong value would only confuse.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/date.h"
#include "validate.h"

#define V(item) ndx_row_value(c, e, iv, (item))
/* A value that passed its own checks: rules relating items use only these,
 * so a wrong code is reported once, as R001, and not again as R041 etc. */
#define OK(item) valid_value(ctx, c, e, iv, (item))

static const char *
valid_value(const struct rules_ctx *ctx, const struct ndx_client *c,
    const struct ndx_episode *e, const struct ndx_intervention *iv,
    enum ndx_item item)
{
	const char *v = ndx_row_value(c, e, iv, item);
	struct ndx_check chk;

	if (v == NULL || ndx_row_is_raw(c, e, iv, item) ||
	    ndx_dataset_check(ctx->ds, item, v, &chk) != 0)
		return NULL;
	return v;
}

static int
is(const char *v, const char *code)
{
	return v != NULL && strcmp(v, code) == 0;
}

/* A date as the CSV layout writes it, for a message comparing two. */
static const char *
dmy(ndx_day d, char buf[11])
{
	ndx_date_format_dmy(d, buf);
	return buf;
}

/* A present, valid date of this row. */
static int
date_of(const struct ndx_client *c, const struct ndx_episode *e,
    const struct ndx_intervention *iv, enum ndx_item item, ndx_day *day)
{
	const char *v = ndx_row_value(c, e, iv, item);

	if (v == NULL || ndx_row_is_raw(c, e, iv, item))
		return 0;
	return ndx_date_parse_iso(v, day) == NDX_DATE_OK;
}

/* R001, R002, R003, R070 (type), R101 for the items of one level. */
static void
check_items(struct rules_ctx *ctx, struct ndx_client *c, struct ndx_episode *e,
    struct ndx_intervention *iv, int first, int last)
{
	struct ndx_check chk;
	char day[11];
	ndx_day d;

	for (int item = first; item < last; item++) {
		const char *v = ndx_row_value(c, e, iv, (enum ndx_item)item);

		if (ndx_items[item].pseudo)
			continue;
		if (v == NULL) {
			if (ndx_dataset_mandatory(ctx->ds, (enum ndx_item)item))
				problem_add(ctx, c, e, iv, item, "R001",
				    "%s is missing: it is mandatory",
				    ndx_items[item].code);
			continue;
		}
		if (ndx_items[item].is_date &&
		    ndx_row_is_raw(c, e, iv, (enum ndx_item)item)) {
			problem_add(ctx, c, e, iv, item, "R001",
			    "%s is not a date in the form DD/MM/YYYY",
			    ndx_items[item].code);
			continue;
		}
		if (ndx_dataset_check(ctx->ds, (enum ndx_item)item, v,
		    &chk) != 0) {
			problem_add(ctx, c, e, iv, item, chk.rule, "%s",
			    chk.msg);
			continue;
		}
		if (ndx_items[item].is_date &&
		    ndx_date_parse_iso(v, &d) == NDX_DATE_OK && d > ctx->asof) {
			ndx_date_format_dmy(ctx->asof, day);
			problem_add(ctx, c, e, iv, item, "R003",
			    "%s is after the data-cut date %s",
			    ndx_items[item].code, day);
		}
		if ((item == NDX_FINITIAL || item == NDX_SINITIAL) &&
		    islower((unsigned char)v[0]))
			problem_add(ctx, c, e, iv, item, "R101",
			    "%s was given in lower case; it is sent in upper "
			    "case", ndx_items[item].code);
	}
}

void
rules_client(struct rules_ctx *ctx, struct ndx_client *c)
{
	struct ndx_episode *e = NULL;
	struct ndx_intervention *iv = NULL;
	struct ndx_check chk;
	const char *la = V(NDX_LA);
	size_t i;

	check_items(ctx, c, NULL, NULL, NDX_CLIENT_FIRST, NDX_EPISODE_FIRST);
	if (ctx->las == NULL || la == NULL ||
	    ndx_dataset_check(ctx->ds, NDX_LA, la, &chk) != 0)
		return;
	for (i = 0; i < ctx->nlas; i++)
		if (strcmp(ctx->las[i].code, la) == 0)
			return;
	problem_add(ctx, c, NULL, NULL, NDX_LA, "R120",
	    "LA is outside the %s police force area", ctx->las[0].area);
}

static void
rules_substances(struct rules_ctx *ctx, struct ndx_client *c,
    struct ndx_episode *e)
{
	struct ndx_intervention *iv = NULL;
	const enum ndx_item drugs[] = { NDX_DRUG1, NDX_DRUG2, NDX_DRUG3 };
	const char *cj = OK(NDX_CJORDER);
	int any_alcohol = 0, all_alcohol = 1, n = 0;

	if (V(NDX_DRUG3) != NULL && V(NDX_DRUG2) == NULL)
		problem_add(ctx, c, e, NULL, NDX_DRUG2, "R040",
		    "DRUG3 is given but DRUG2 is not");
	for (int i = 1; i < 3; i++)
		for (int j = 0; j < i; j++)
			if (OK(drugs[i]) != NULL &&
			    is(OK(drugs[j]), OK(drugs[i]))) {
				problem_add(ctx, c, e, NULL, drugs[i], "R040",
				    "%s repeats %s: the substances must differ",
				    ndx_items[drugs[i]].code,
				    ndx_items[drugs[j]].code);
				break;
			}
	if (OK(NDX_DRUG1) != NULL && !is(OK(NDX_DRUG1), "7000") &&
	    V(NDX_ROUTE) == NULL)
		problem_add(ctx, c, e, NULL, NDX_ROUTE, "R041",
		    "ROUTE is missing: it is required unless DRUG1 is 7000 "
		    "(alcohol)");
	if (is(OK(NDX_ROUTE), "1") && OK(NDX_INJSTAT) != NULL &&
	    !is(OK(NDX_INJSTAT), "C"))
		problem_add(ctx, c, e, NULL, NDX_INJSTAT, "R042",
		    "ROUTE is 1 (inject) but INJSTAT is not C (currently "
		    "injecting)");
	for (int i = 0; i < 3; i++) {
		if (V(drugs[i]) == NULL)
			continue;
		if (OK(drugs[i]) == NULL)
			return;	/* a wrong code: R001 says so */
		n++;
		if (is(OK(drugs[i]), "7000"))
			any_alcohol = 1;
		else
			all_alcohol = 0;
	}
	if (is(cj, "2") && n > 0 && !any_alcohol)
		problem_add(ctx, c, e, NULL, NDX_CJORDER, "R061",
		    "CJORDER is 2 (ATR) but no substance is 7000 (alcohol)");
	if (is(cj, "1") && n > 0 && all_alcohol)
		problem_add(ctx, c, e, NULL, NDX_CJORDER, "R061",
		    "CJORDER is 1 (DRR) but every substance is 7000 "
		    "(alcohol)");
}

void
rules_episode(struct rules_ctx *ctx, struct ndx_client *c,
    struct ndx_episode *e)
{
	struct ndx_intervention *iv = NULL;
	ndx_day dob, refld, triaged, disd, prisrel;
	int has_dob, has_refld, has_triaged, age;
	char d1[11], d2[11];
	const char *rfls = OK(NDX_RFLS), *sex = OK(NDX_SEX);
	const char *cj = OK(NDX_CJORDER), *acc = OK(NDX_ACCMNEED);

	check_items(ctx, c, e, NULL, NDX_EPISODE_FIRST,
	    NDX_INTERVENTION_FIRST);
	has_dob = date_of(c, e, iv, NDX_DOB, &dob);
	has_refld = date_of(c, e, iv, NDX_REFLD, &refld);
	has_triaged = date_of(c, e, iv, NDX_TRIAGED, &triaged);

	if (has_dob && has_refld && dob >= refld)
		problem_add(ctx, c, e, NULL, NDX_DOB, "R010",
		    "DOB (masked) is not before REFLD (referral date) %s",
		    dmy(refld, d1));
	if (has_dob && has_triaged) {
		age = ndx_date_age(dob, triaged);
		if (age < 18)
			problem_add(ctx, c, e, NULL, NDX_DOB, "R010",
			    "client was %d at TRIAGED: under 18s belong to "
			    "the young people's dataset", age);
		else if (age > 100)
			problem_add(ctx, c, e, NULL, NDX_DOB, "R011",
			    "client was %d at TRIAGED: check the date of birth",
			    age);
	}
	if (has_refld && has_triaged && refld > triaged)
		problem_add(ctx, c, e, NULL, NDX_REFLD, "R020",
		    "REFLD (referral date) %s is after TRIAGED %s",
		    dmy(refld, d1), dmy(triaged, d2));

	if ((V(NDX_DISD) == NULL) != (V(NDX_DISRSN) == NULL))
		problem_add(ctx, c, e, NULL,
		    V(NDX_DISD) == NULL ? NDX_DISD : NDX_DISRSN, "R021",
		    V(NDX_DISD) == NULL ? "DISRSN is given but DISD is missing" :
		    "DISD is given but DISRSN is missing");
	if (has_triaged && date_of(c, e, iv, NDX_DISD, &disd) &&
	    disd < triaged)
		problem_add(ctx, c, e, NULL, NDX_DISD, "R021",
		    "DISD %s is before TRIAGED %s", dmy(disd, d1),
		    dmy(triaged, d2));

	rules_substances(ctx, c, e);

	if (is(OK(NDX_PREGNANT), "Y") && sex != NULL && !is(sex, "F"))
		problem_add(ctx, c, e, NULL, NDX_PREGNANT, "R050",
		    "PREGNANT is Y but SEX is not F");
	if (is(sex, "F") && V(NDX_PREGNANT) == NULL)
		problem_add(ctx, c, e, NULL, NDX_PREGNANT, "R051",
		    "PREGNANT is not recorded for a female client");

	if (rfls != NULL && (V(NDX_PRISREL) != NULL) != is(rfls, "13"))
		problem_add(ctx, c, e, NULL, NDX_PRISREL, "R060",
		    is(rfls, "13") ? "PRISREL is missing: it is required when "
		    "RFLS is 13 (prison)" : "PRISREL is given but RFLS is not "
		    "13 (prison)");
	if (date_of(c, e, iv, NDX_PRISREL, &prisrel)) {
		if (has_triaged && prisrel > triaged + 28)
			problem_add(ctx, c, e, NULL, NDX_PRISREL, "R060",
			    "PRISREL %s is more than 28 days after TRIAGED %s",
			    dmy(prisrel, d1), dmy(triaged, d2));
		if (has_dob && prisrel <= ndx_date_add_years(dob, 18))
			problem_add(ctx, c, e, NULL, NDX_PRISREL, "R060",
			    "PRISREL %s is not after the client's 18th birthday "
			    "(DOB masked)", dmy(prisrel, d1));
	}

	if (is(rfls, "6") && cj != NULL && !is(cj, "1"))
		problem_add(ctx, c, e, NULL, NDX_CJORDER, "R062",
		    "RFLS is 6 (court: DRR) but CJORDER is not 1 (DRR)");
	if (is(rfls, "30") && cj != NULL && !is(cj, "2"))
		problem_add(ctx, c, e, NULL, NDX_CJORDER, "R062",
		    "RFLS is 30 (court: ATR) but CJORDER is not 2 (ATR)");

	if (V(NDX_PC) == NULL && acc != NULL && !is(acc, "1"))
		problem_add(ctx, c, e, NULL, NDX_PC, "R070",
		    "PC is missing: it is required unless ACCMNEED is 1 "
		    "(no fixed abode)");
	if (is(OK(NDX_PC), "ZZ99 3VZ") && acc != NULL && !is(acc, "1"))
		problem_add(ctx, c, e, NULL, NDX_PC, "R071",
		    "PC is ZZ99 3VZ (no fixed abode) but ACCMNEED is not 1");

	/* The TOP rules of the episode's rows need its start TOP. */
	ctx->start_top = NULL;
	ctx->start_top_dated = 0;
	for (size_t j = 0; j < e->niv && ctx->start_top == NULL; j++)
		if (e->iv[j].top != NULL &&
		    is(NDX_T(&e->iv[j], NDX_TRSTAGE), "S")) {
			ctx->start_top = &e->iv[j];
			ctx->start_top_dated = date_of(c, e, &e->iv[j],
			    NDX_TOPDATE, &ctx->start_top_day);
		}
}

/* A count of days the TOP gives (0-28), or -1 when absent or invalid. */
static int
days_of(const struct rules_ctx *ctx, struct ndx_client *c,
    struct ndx_episode *e, struct ndx_intervention *iv, enum ndx_item item)
{
	const char *v = OK(item);

	return v != NULL ? (int)strtol(v, NULL, 10) : -1;
}

/* R200-R204 on one TOP row (outcomes.md §3); R202 is cross.c's. */
static void
rules_top(struct rules_ctx *ctx, struct ndx_client *c, struct ndx_episode *e,
    struct ndx_intervention *iv)
{
	static const enum ndx_item core[] = { NDX_TOPID, NDX_TOPDATE,
		NDX_TRSTAGE };
	const char *stage = OK(NDX_TRSTAGE);
	ndx_day topdate, triaged, disd;
	int has_date, has_disd, injecting, sharing;
	char d1[11], d2[11];

	if (!ndx_intervention_is_empty(iv))
		problem_add(ctx, c, e, iv, NDX_TOPID, "R200",
		    "this row gives both intervention items (MODID ...) and "
		    "TOP items (TOPID ...): a row is one or the other");
	for (size_t i = 0; i < sizeof(core) / sizeof(core[0]); i++)
		if (V(core[i]) == NULL)
			problem_add(ctx, c, e, iv, core[i], "R200",
			    "%s is missing: a TOP needs TOPID, TOPDATE and "
			    "TRSTAGE", ndx_items[core[i]].code);

	has_date = date_of(c, e, iv, NDX_TOPDATE, &topdate) &&
	    OK(NDX_TOPDATE) != NULL;
	has_disd = date_of(c, e, iv, NDX_DISD, &disd) && OK(NDX_DISD) != NULL;
	if (has_date && is(stage, "S") && date_of(c, e, iv, NDX_TRIAGED,
	    &triaged) && (topdate < triaged - 14 || topdate > triaged + 42))
		problem_add(ctx, c, e, iv, NDX_TOPDATE, "R201",
		    "a start TOP is dated %s, not from 14 days before to 42 "
		    "days after TRIAGED %s", dmy(topdate, d1),
		    dmy(triaged, d2));
	if (has_date && is(stage, "R")) {
		if (ctx->start_top != NULL && ctx->start_top_dated &&
		    topdate <= ctx->start_top_day)
			problem_add(ctx, c, e, iv, NDX_TOPDATE, "R201",
			    "a review TOP is dated %s, not after the "
			    "episode's start TOP (%s)", dmy(topdate, d1),
			    dmy(ctx->start_top_day, d2));
		if (has_disd && topdate > disd)
			problem_add(ctx, c, e, iv, NDX_TOPDATE, "R201",
			    "a review TOP is dated %s, after DISD %s",
			    dmy(topdate, d1), dmy(disd, d2));
	}
	if (is(stage, "E") || is(stage, "P")) {
		if (V(NDX_DISD) == NULL)
			problem_add(ctx, c, e, iv, NDX_TRSTAGE, "R201",
			    "%s TOP in an episode that is not discharged "
			    "(DISD is empty)", is(stage, "E") ? "an exit" :
			    "a post-treatment exit");
		else if (has_date && has_disd && is(stage, "E") &&
		    (topdate < disd - 14 || topdate > disd + 14))
			problem_add(ctx, c, e, iv, NDX_TOPDATE, "R201",
			    "an exit TOP is dated %s, more than 14 days from "
			    "DISD %s", dmy(topdate, d1), dmy(disd, d2));
		else if (has_date && has_disd && is(stage, "P") &&
		    topdate <= disd)
			problem_add(ctx, c, e, iv, NDX_TOPDATE, "R201",
			    "a post-treatment exit TOP is dated %s, not after "
			    "DISD %s", dmy(topdate, d1), dmy(disd, d2));
	}

	if ((is(stage, "R") || is(stage, "E")) && ctx->start_top == NULL)
		problem_add(ctx, c, e, iv, NDX_TRSTAGE, "R203",
		    "%s TOP in an episode with no start TOP", is(stage, "R") ?
		    "a review" : "an exit");

	injecting = days_of(ctx, c, e, iv, NDX_IVDRGUSE);
	sharing = is(OK(NDX_SHARING), "Y");
	if (iv == ctx->start_top && injecting >= 1 &&
	    OK(NDX_INJSTAT) != NULL && !is(OK(NDX_INJSTAT), "C"))
		problem_add(ctx, c, e, iv, NDX_IVDRGUSE, "R204",
		    "the start TOP reports injecting on %d day%s but INJSTAT "
		    "is not C (currently injecting)", injecting,
		    injecting == 1 ? "" : "s");
	if (sharing && injecting == 0)
		problem_add(ctx, c, e, iv, NDX_SHARING, "R204",
		    "SHARING is Y but IVDRGUSE is 0 (no days injected)");
}

/*
 * R102 and R103: what the extract tidied in this source row, any item of
 * it.  The value shown is the tidied one (masked where masking applies):
 * it is what goes on, and what the officer should find in the source.
 */
static void
tidied(struct rules_ctx *ctx, struct ndx_client *c, struct ndx_episode *e,
    struct ndx_intervention *iv)
{
	if ((iv->trimmed | iv->normalised) == 0)
		return;		/* nearly every row: no item to look up */
	for (int item = 0; item < NDX_NITEMS; item++) {
		if (iv->trimmed & ndx_item_bit((enum ndx_item)item))
			problem_add(ctx, c, e, iv, item, "R102",
			    "%s had spaces before or after it; they were "
			    "removed", ndx_items[item].code);
		if (iv->normalised & ndx_item_bit((enum ndx_item)item))
			problem_add(ctx, c, e, iv, item, "R103",
			    "%s was not in capitals with one space before its "
			    "last three characters; it is sent in that form",
			    ndx_items[item].code);
	}
}

void
rules_intervention(struct rules_ctx *ctx, struct ndx_client *c,
    struct ndx_episode *e, struct ndx_intervention *iv)
{
	static const enum ndx_item core[] = { NDX_MODID, NDX_MODAL,
		NDX_MODSET, NDX_REFMODDT, NDX_MODST };
	ndx_day refmoddt, modst, modend, triaged, disd;
	int has_modst, has_modend;
	char d1[11], d2[11];

	check_items(ctx, c, e, iv, NDX_INTERVENTION_FIRST, NDX_NITEMS);
	tidied(ctx, c, e, iv);
	if (iv->top != NULL) {
		rules_top(ctx, c, e, iv);
		return;
	}
	if (ndx_intervention_is_empty(iv))
		return;
	for (size_t i = 0; i < sizeof(core) / sizeof(core[0]); i++)
		if (V(core[i]) == NULL)
			problem_add(ctx, c, e, iv, core[i], "R030",
			    "%s is missing: an intervention needs MODID, MODAL, "
			    "MODSET, REFMODDT and MODST", ndx_items[core[i]].code);

	has_modst = date_of(c, e, iv, NDX_MODST, &modst);
	has_modend = date_of(c, e, iv, NDX_MODEND, &modend);
	if (has_modst && date_of(c, e, iv, NDX_REFMODDT, &refmoddt) &&
	    refmoddt > modst)
		problem_add(ctx, c, e, iv, NDX_REFMODDT, "R031",
		    "REFMODDT %s is after MODST %s", dmy(refmoddt, d1),
		    dmy(modst, d2));
	if (has_modst && date_of(c, e, iv, NDX_TRIAGED, &triaged) &&
	    modst < triaged)
		problem_add(ctx, c, e, iv, NDX_MODST, "R031",
		    "MODST %s is before TRIAGED %s", dmy(modst, d1),
		    dmy(triaged, d2));
	if ((V(NDX_MODEND) == NULL) != (V(NDX_MODEXIT) == NULL))
		problem_add(ctx, c, e, iv,
		    V(NDX_MODEND) == NULL ? NDX_MODEND : NDX_MODEXIT, "R031",
		    V(NDX_MODEND) == NULL ? "MODEXIT is given but MODEND is "
		    "missing" : "MODEND is given but MODEXIT is missing");
	if (has_modst && has_modend && modst > modend)
		problem_add(ctx, c, e, iv, NDX_MODST, "R031",
		    "MODST %s is after MODEND %s", dmy(modst, d1),
		    dmy(modend, d2));

	if (V(NDX_DISD) != NULL) {
		if (V(NDX_MODEND) == NULL)
			problem_add(ctx, c, e, iv, NDX_MODEND, "R032",
			    "the episode is discharged but this intervention "
			    "has not ended");
		else if (has_modend && date_of(c, e, iv, NDX_DISD, &disd) &&
		    modend > disd)
			problem_add(ctx, c, e, iv, NDX_MODEND, "R032",
			    "MODEND %s is after DISD (discharge date) %s",
			    dmy(modend, d1), dmy(disd, d2));
	}
}
