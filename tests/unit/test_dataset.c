/*
 * Unit tests for lib/dataset.c against the repository's schemas/: every
 * item's type (valid values and near misses), the rule each failure
 * belongs to, code lists, meanings and properties as dataset.md states
 * them, mandatory items, the rules table, areas, the hand-written XSD
 * documents of tests/data/xsd, and refusal of broken data files.
 *
 * The lists below repeat dataset.md on purpose: they check that the XSD
 * says what the contract says.
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/xmlmemory.h>
#include <libxml/xmlregexp.h>
#include <libxml/xmlschemas.h>

#include "ndx/dataset.h"
#include "ndx/model.h"
#include "ndx/ndx.h"

static char srcdir[1024];
static char datadir[1100];
static size_t xml_allocs;

/*
 * libxml2's allocator, counted: the checker must not allocate, and that
 * includes the regexp engine it calls.
 */
static void *
count_malloc(size_t n)
{
	xml_allocs++;
	return malloc(n);
}

static void *
count_realloc(void *p, size_t n)
{
	xml_allocs++;
	return realloc(p, n);
}

static char *
count_strdup(const char *s)
{
	xml_allocs++;
	return strdup(s);
}

static int
setup(void **state)
{
	struct ndx_error err = { 0 };
	const char *s = getenv("NDX_SRCDIR");

	xmlMemSetup(free, count_malloc, count_realloc, count_strdup);
	snprintf(srcdir, sizeof(srcdir), "%s", s != NULL ? s : ".");
	snprintf(datadir, sizeof(datadir), "%s/schemas", srcdir);
	setenv("NDX_DATADIR", datadir, 1);
	*state = ndx_dataset_load(&err);
	if (*state == NULL)
		fprintf(stderr, "%s:%ld: %s\n", err.file, err.line, err.msg);
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	ndx_dataset_free(*state);
	xmlCleanupParser();
	return 0;
}

static void
expect_valid(const struct ndx_dataset *ds, enum ndx_item item,
    const char *v)
{
	struct ndx_check chk;

	if (ndx_dataset_check(ds, item, v, &chk) != 0)
		fail_msg("%s '%s' refused: %s", ndx_items[item].code, v,
		    chk.msg);
}

static void
expect_invalid(const struct ndx_dataset *ds, enum ndx_item item,
    const char *v, const char *rule)
{
	struct ndx_check chk;

	if (ndx_dataset_check(ds, item, v, &chk) == 0)
		fail_msg("%s '%s' accepted", ndx_items[item].code, v);
	assert_string_equal(chk.rule, rule);
	/*
	 * The message names the item and never repeats the value (a code
	 * list's message lists the codes, which identify nobody).
	 */
	assert_true(strncmp(chk.msg, ndx_items[item].code,
	    strlen(ndx_items[item].code)) == 0);
	if (ndx_dataset_codes(ds, item, NULL) == NULL && strlen(v) > 2 &&
	    strstr(chk.msg, v) != NULL)
		fail_msg("%s: message quotes '%s': %s", ndx_items[item].code,
		    v, chk.msg);
}

/* Patterns are whole-string matches, as XSD patterns are. */
static void
test_dataset_regexp_anchored(void **state)
{
	xmlRegexpPtr re = xmlRegexpCompile(BAD_CAST "[A-Z][0-9]{4}");
	xmlRegexpPtr alt = xmlRegexpCompile(BAD_CAST "ab|c");

	(void)state;
	assert_non_null(re);
	assert_non_null(alt);
	assert_int_equal(xmlRegexpExec(re, BAD_CAST "N0852"), 1);
	assert_int_equal(xmlRegexpExec(re, BAD_CAST "xN0852"), 0);
	assert_int_equal(xmlRegexpExec(re, BAD_CAST "N08521"), 0);
	assert_int_equal(xmlRegexpExec(re, BAD_CAST "N085"), 0);
	assert_int_equal(xmlRegexpExec(re, BAD_CAST ""), 0);
	assert_int_equal(xmlRegexpExec(alt, BAD_CAST "ab"), 1);
	assert_int_equal(xmlRegexpExec(alt, BAD_CAST "c"), 1);
	assert_int_equal(xmlRegexpExec(alt, BAD_CAST "abc"), 0);
	assert_int_equal(xmlRegexpExec(alt, BAD_CAST "cc"), 0);
	xmlRegFreeRegexp(re);
	xmlRegFreeRegexp(alt);
}

struct typecase {
	enum ndx_item item;
	const char *rule;
	const char *valid[12];
	const char *invalid[16];
};

static const struct typecase typecases[] = {
	{ NDX_AGNCY, "R001", { "N0852", "A0000", "Z9999" },
	    { "", "Q085", "Q08521", "q0852", "0Q852", " Q0852", "Q0852 ",
	    "QQ852", "Q08A2" } },
	{ NDX_CLIENTID, "R001", { "C1", "1", "a-B-9",
	    "abcdefghij-123456789" },
	    { "", "abcdefghij-1234567890", "C_1", "C 1", " C1", "C1 ",
	    "C.1", "C\xc3\xa9" } },
	{ NDX_EPISODID, "R001", { "EP-1", "H-77", "-" },
	    { "", "EP 1", "EP/1", "aaaaaaaaaaaaaaaaaaaaa" } },
	{ NDX_MODID, "R001", { "M1", "M-2" }, { "", "M_1", "M1\n" } },
	{ NDX_FINITIAL, "R001", { "J", "j", "Z", "a" },
	    { "", "JO", "1", " J", "J ", "-", "\xc3\x89" } },
	{ NDX_SINITIAL, "R001", { "S", "s" }, { "", "ST", "." } },
	{ NDX_NATION, "R001", { "GBR", "IRL", "ZZZ" },
	    { "", "GB", "IRLL", "irl", "I1L", " IRL" } },
	{ NDX_LA, "R001", { "E06000001", "E07000001", "E08000001",
	    "E09000001", "E10000023", "E06000047" },
	    { "", "E05000001", "E11000001", "E0700000", "E060000011",
	    "e06000001", "W06000001", "E06 000001" } },
	{ NDX_PC, "R070", { "ZZ99 3VZ", "TS1 3QY", "TS18 2AB", "TS24 7QS",
	    "EC1A 1BB", "W1A 0AX", "M1 1AE", "GIR 0AA", "B33 8TH",
	    "CR2 6XH", "DN55 1PT" },
	    { "", "TS24AB", "ts2 4ab", "TS2  4AB", " TS2 4AB", "TS2 4AB ",
	    "1S1 3QY", "TSS1 3QY", "TS2 3Q", "TS1 3QYY", "TS1 Q3Y",
	    "GIR 0AB", "TS1-3QY" } },
	{ NDX_PSEUDO_CLIENT, "R001", { "0123456789abcdef0123456789abcdef" },
	    { "", "0123456789ABCDEF0123456789ABCDEF",
	    "0123456789abcdef0123456789abcde",
	    "0123456789abcdef0123456789abcdef0",
	    "g123456789abcdef0123456789abcdef" } },
	{ NDX_PSEUDO_EPISODE, "R001", { "ffffffffffffffffffffffffffffffff" },
	    { "", "fffffffffffffffffffffffffffffff " } },
	{ NDX_PC_DISTRICT, "R001", { "TS1", "TS18", "EC1A", "W1A", "M1",
	    "GIR" }, { "", "TS1 3QY", "ts1", "T", "TSS1", "1S1" } },
	{ NDX_AGE_AT_TRIAGE, "R001", { "0", "18", "46", "101" },
	    { "", "-1", "018", "4.5", "18 ", "eighteen" } },
};

static void
test_dataset_types(void **state)
{
	const struct ndx_dataset *ds = *state;

	for (size_t i = 0; i < sizeof(typecases) / sizeof(typecases[0]);
	    i++) {
		const struct typecase *tc = &typecases[i];

		for (size_t j = 0; tc->valid[j] != NULL; j++)
			expect_valid(ds, tc->item, tc->valid[j]);
		for (size_t j = 0; tc->invalid[j] != NULL; j++)
			expect_invalid(ds, tc->item, tc->invalid[j], tc->rule);
	}
}

struct codecase {
	enum ndx_item item;
	const char *codes;	/* as dataset.md lists them, space-separated */
};

static const struct codecase codecases[] = {
	{ NDX_SEX, "M F X Z" },
	{ NDX_ETHNIC, "A B C D E F G H J K L M N P R S Z" },
	{ NDX_CONSENT, "Y N" },
	{ NDX_AGE_BAND, "18-24 25-29 30-34 35-39 40-44 45-49 50-54 55-64 65+" },
	{ NDX_RFLS, "1 3 4 5 6 8 9 13 15 19 24 30 31 32 33" },
	{ NDX_DRUG1, "1000 1011 1105 2200 3100 3200 3201 3406 4000 5000 6000 "
	    "7000 8799 9005 9010" },
	{ NDX_DRUG2, "1000 1011 1105 2200 3100 3200 3201 3406 4000 5000 6000 "
	    "7000 8799 9005 9010" },
	{ NDX_DRUG3, "1000 1011 1105 2200 3100 3200 3201 3406 4000 5000 6000 "
	    "7000 8799 9005 9010" },
	{ NDX_SUBSTANCE_GROUP,
	    "opiate non_opiate_only alcohol_only non_opiate_and_alcohol" },
	{ NDX_ROUTE, "1 2 3 4 5" },
	{ NDX_INJSTAT, "C P N Z" },
	{ NDX_ACCMNEED, "1 2 3 Z" },
	{ NDX_EMPSTAT, "1 2 5 6 9 10 12 13 14 15 99" },
	{ NDX_PRNTSTAT, "11 12 13 14 15" },
	{ NDX_PREGNANT, "Y N" },
	{ NDX_CJORDER, "1 2 3 4 9" },
	{ NDX_DISRSN, "80 81 82 83 84 85 86 87 88 89" },
	{ NDX_MODAL, "1 6 94 95 96 97" },
	{ NDX_MODSET, "1 2 3 4 5" },
	{ NDX_MODEXIT, "A B C" },
};

static void
test_dataset_code_lists(void **state)
{
	const struct ndx_dataset *ds = *state;
	const char *const *codes;
	char joined[256], miss[64];
	size_t n;

	for (size_t i = 0; i < sizeof(codecases) / sizeof(codecases[0]);
	    i++) {
		const struct codecase *cc = &codecases[i];

		codes = ndx_dataset_codes(ds, cc->item, &n);
		assert_non_null(codes);
		joined[0] = '\0';
		for (size_t j = 0; j < n; j++) {
			snprintf(joined + strlen(joined),
			    sizeof(joined) - strlen(joined), "%s%s",
			    j > 0 ? " " : "", codes[j]);
			expect_valid(ds, cc->item, codes[j]);
			/* Near misses: whitespace is kept, so it counts. */
			snprintf(miss, sizeof(miss), " %s", codes[j]);
			expect_invalid(ds, cc->item, miss, "R001");
			snprintf(miss, sizeof(miss), "%s ", codes[j]);
			expect_invalid(ds, cc->item, miss, "R001");
			snprintf(miss, sizeof(miss), "0%s", codes[j]);
			expect_invalid(ds, cc->item, miss, "R001");
			snprintf(miss, sizeof(miss), "%sx", codes[j]);
			expect_invalid(ds, cc->item, miss, "R001");
		}
		assert_string_equal(joined, cc->codes);
		expect_invalid(ds, cc->item, "", "R001");
	}
	expect_invalid(ds, NDX_SEX, "m", "R001");
	expect_invalid(ds, NDX_CONSENT, "y", "R001");
	expect_invalid(ds, NDX_ETHNIC, "I", "R001");
	expect_invalid(ds, NDX_RFLS, "2", "R001");
	expect_invalid(ds, NDX_DRUG1, "1012", "R001");
	expect_invalid(ds, NDX_DISRSN, "90", "R001");
	assert_null(ndx_dataset_codes(ds, NDX_NATION, &n));
	assert_int_equal(n, 0);
	assert_null(ndx_dataset_codes(ds, NDX_DOB, NULL));
}

static void
test_dataset_messages(void **state)
{
	const struct ndx_dataset *ds = *state;
	struct ndx_check chk;

	assert_int_equal(ndx_dataset_check(ds, NDX_SEX, "Q", &chk), -1);
	assert_string_equal(chk.msg, "SEX must be one of M, F, X, Z");
	assert_int_equal(ndx_dataset_check(ds, NDX_CLIENTID, "a_b", &chk), -1);
	assert_string_equal(chk.msg,
	    "CLIENTID must be 1-20 letters, digits or hyphens");
	assert_int_equal(ndx_dataset_check(ds, NDX_DOB, "2025-02-29", &chk),
	    -1);
	assert_string_equal(chk.msg,
	    "DOB is not a real calendar date (or is before 1900-01-01)");
	assert_int_equal(ndx_dataset_check(ds, NDX_PC, "TS13QY", &chk), -1);
	assert_non_null(strstr(chk.msg, "PC must be a UK postcode"));
}

static void
test_dataset_dates(void **state)
{
	const struct ndx_dataset *ds = *state;
	static const enum ndx_item dates[] = { NDX_DOB, NDX_REFLD,
	    NDX_TRIAGED, NDX_PRISREL, NDX_DISD, NDX_REFMODDT, NDX_MODST,
	    NDX_MODEND };

	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		expect_valid(ds, dates[i], "2024-02-29");
		expect_valid(ds, dates[i], "2000-02-29");
		expect_valid(ds, dates[i], "1900-01-01");
		expect_valid(ds, dates[i], "2026-12-31");
		expect_invalid(ds, dates[i], "2025-02-29", "R002");
		expect_invalid(ds, dates[i], "1900-02-29", "R002");
		expect_invalid(ds, dates[i], "1899-12-31", "R002");
		expect_invalid(ds, dates[i], "2026-13-01", "R002");
		expect_invalid(ds, dates[i], "2026-04-31", "R002");
		expect_invalid(ds, dates[i], "2026-01-00", "R002");
		expect_invalid(ds, dates[i], "", "R001");
		expect_invalid(ds, dates[i], "07/03/1980", "R001");
		expect_invalid(ds, dates[i], "1980-3-7", "R001");
		expect_invalid(ds, dates[i], "2026-07-01Z", "R001");
		expect_invalid(ds, dates[i], " 2026-07-01", "R001");
		expect_invalid(ds, dates[i], "12026-07-01", "R001");
	}
}

static void
test_dataset_code_props(void **state)
{
	const struct ndx_dataset *ds = *state;
	static const char *const cj[][2] = {
		{ "5", "arrest_referral" }, { "6", "drr" },
		{ "8", "probation" }, { "13", "prison" }, { "30", "atr" },
		{ "31", "liaison_diversion" }, { "32", "iom" },
		{ "33", "police_diversion" },
	};
	static const char *const notcj[] = { "1", "3", "4", "9", "15", "19",
	    "24" };
	static const char *const drugs[][2] = {
		{ "1000", "opiate" }, { "1011", "opiate" },
		{ "1105", "opiate" }, { "7000", "alcohol" },
		{ "2200", "non_opiate" }, { "3201", "non_opiate" },
		{ "9010", "non_opiate" },
	};
	static const char *const disrsn[][2] = {
		{ "80", "completed" }, { "81", "completed" },
		{ "82", "completed" }, { "83", "transfer" },
		{ "84", "transfer" }, { "87", "transfer" },
		{ "85", "unplanned" }, { "86", "unplanned" },
		{ "88", "unplanned" }, { "89", "died" },
	};
	static const char *const cjorder[][2] = {
		{ "1", "drr" }, { "2", "atr" }, { "3", "licence" },
		{ "4", "diversion" },
	};
	size_t i;

	for (i = 0; i < sizeof(cj) / sizeof(cj[0]); i++) {
		assert_string_equal(ndx_dataset_code_prop(ds, NDX_RFLS,
		    cj[i][0], "cj"), "yes");
		assert_string_equal(ndx_dataset_code_prop(ds, NDX_RFLS,
		    cj[i][0], "breakdown"), cj[i][1]);
	}
	for (i = 0; i < sizeof(notcj) / sizeof(notcj[0]); i++) {
		assert_null(ndx_dataset_code_prop(ds, NDX_RFLS, notcj[i],
		    "cj"));
		assert_null(ndx_dataset_code_prop(ds, NDX_RFLS, notcj[i],
		    "breakdown"));
	}
	for (i = 0; i < sizeof(drugs) / sizeof(drugs[0]); i++) {
		assert_string_equal(ndx_dataset_code_prop(ds, NDX_DRUG1,
		    drugs[i][0], "group"), drugs[i][1]);
		assert_string_equal(ndx_dataset_code_prop(ds, NDX_DRUG3,
		    drugs[i][0], "group"), drugs[i][1]);
	}
	for (i = 0; i < sizeof(disrsn) / sizeof(disrsn[0]); i++)
		assert_string_equal(ndx_dataset_code_prop(ds, NDX_DISRSN,
		    disrsn[i][0], "class"), disrsn[i][1]);
	for (i = 0; i < sizeof(cjorder) / sizeof(cjorder[0]); i++)
		assert_string_equal(ndx_dataset_code_prop(ds, NDX_CJORDER,
		    cjorder[i][0], "breakdown"), cjorder[i][1]);
	assert_null(ndx_dataset_code_prop(ds, NDX_CJORDER, "9", "breakdown"));
	assert_null(ndx_dataset_code_prop(ds, NDX_RFLS, "13", "group"));
	assert_null(ndx_dataset_code_prop(ds, NDX_RFLS, "99", "cj"));
	assert_null(ndx_dataset_code_prop(ds, NDX_CLIENTID, "C1", "cj"));
}

static void
test_dataset_meanings(void **state)
{
	const struct ndx_dataset *ds = *state;

	assert_string_equal(ndx_dataset_meaning(ds, NDX_SEX, "M"), "male");
	assert_string_equal(ndx_dataset_meaning(ds, NDX_SEX, "Z"),
	    "not stated");
	assert_string_equal(ndx_dataset_meaning(ds, NDX_RFLS, "13"), "prison");
	assert_string_equal(ndx_dataset_meaning(ds, NDX_RFLS, "9"),
	    "hospital / A&E");
	assert_string_equal(ndx_dataset_meaning(ds, NDX_ETHNIC, "D"),
	    "White & Black Caribbean");
	assert_string_equal(ndx_dataset_meaning(ds, NDX_DRUG2, "1011"),
	    "heroin");
	assert_string_equal(ndx_dataset_meaning(ds, NDX_DISRSN, "89"), "died");
	assert_string_equal(ndx_dataset_meaning(ds, NDX_CJORDER, "1"),
	    "Drug Rehabilitation Requirement (DRR)");
	assert_non_null(strstr(ndx_dataset_meaning(ds, NDX_MODAL, "97"),
	    "heroin-assisted"));
	assert_null(ndx_dataset_meaning(ds, NDX_SEX, "m"));
	assert_null(ndx_dataset_meaning(ds, NDX_RFLS, ""));
	assert_null(ndx_dataset_meaning(ds, NDX_CLIENTID, "C1"));
	for (size_t i = 0; i < sizeof(codecases) / sizeof(codecases[0]);
	    i++) {
		size_t n;
		const char *const *codes = ndx_dataset_codes(ds,
		    codecases[i].item, &n);

		for (size_t j = 0; j < n; j++)
			assert_non_null(ndx_dataset_meaning(ds,
			    codecases[i].item, codes[j]));
	}
}

static void
test_dataset_mandatory(void **state)
{
	const struct ndx_dataset *ds = *state;
	static const enum ndx_item m[] = { NDX_AGNCY, NDX_CLIENTID,
	    NDX_FINITIAL, NDX_SINITIAL, NDX_DOB, NDX_SEX, NDX_ETHNIC, NDX_LA,
	    NDX_CONSENT, NDX_EPISODID, NDX_REFLD, NDX_TRIAGED, NDX_RFLS,
	    NDX_DRUG1, NDX_INJSTAT, NDX_ACCMNEED, NDX_EMPSTAT, NDX_PRNTSTAT,
	    NDX_CJORDER };
	int want[NDX_NITEMS] = { 0 };

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		want[m[i]] = 1;
	for (int i = 0; i < NDX_NITEMS; i++)
		if (ndx_dataset_mandatory(ds, i) != want[i])
			fail_msg("%s: mandatory is %d", ndx_items[i].code,
			    ndx_dataset_mandatory(ds, i));
}

static void
test_dataset_rules(void **state)
{
	const struct ndx_dataset *ds = *state;
	static const struct {
		const char *id;
		enum ndx_severity sev;
	} want[] = {
		{ "R001", NDX_SEV_ERROR }, { "R002", NDX_SEV_ERROR },
		{ "R003", NDX_SEV_ERROR }, { "R010", NDX_SEV_ERROR },
		{ "R011", NDX_SEV_WARNING }, { "R020", NDX_SEV_ERROR },
		{ "R021", NDX_SEV_ERROR }, { "R030", NDX_SEV_ERROR },
		{ "R031", NDX_SEV_ERROR }, { "R032", NDX_SEV_ERROR },
		{ "R040", NDX_SEV_ERROR }, { "R041", NDX_SEV_ERROR },
		{ "R042", NDX_SEV_WARNING }, { "R050", NDX_SEV_ERROR },
		{ "R051", NDX_SEV_WARNING }, { "R060", NDX_SEV_ERROR },
		{ "R061", NDX_SEV_WARNING }, { "R062", NDX_SEV_WARNING },
		{ "R070", NDX_SEV_ERROR }, { "R071", NDX_SEV_WARNING },
		{ "R101", NDX_SEV_WARNING }, { "R102", NDX_SEV_WARNING },
		{ "R103", NDX_SEV_WARNING }, { "R104", NDX_SEV_WARNING },
		{ "R120", NDX_SEV_WARNING },
		{ "R121", NDX_SEV_ERROR }, { "R122", NDX_SEV_ERROR },
		{ "R123", NDX_SEV_WARNING }, { "R124", NDX_SEV_ERROR },
		{ "R125", NDX_SEV_WARNING }, { "R126", NDX_SEV_ERROR },
		{ "R130", NDX_SEV_NONE },
		/* dataset version 2 (outcomes.md §3) */
		{ "R200", NDX_SEV_ERROR }, { "R201", NDX_SEV_ERROR },
		{ "R202", NDX_SEV_ERROR }, { "R203", NDX_SEV_WARNING },
		{ "R204", NDX_SEV_WARNING },
	};
	const struct ndx_rule *all, *r;
	size_t n;

	all = ndx_dataset_rules(ds, &n);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(all[i].id, want[i].id);
		assert_int_equal(all[i].severity, want[i].sev);
		assert_true(strlen(all[i].title) > 0);
		assert_true(strlen(all[i].action) > 0);
		r = ndx_dataset_rule(ds, want[i].id);
		assert_ptr_equal(r, &all[i]);
	}
	r = ndx_dataset_rule(ds, "R070");
	assert_string_equal(r->title, "PC a valid UK postcode when present; "
	    "PC required unless ACCMNEED = 1");
	assert_non_null(strstr(ndx_dataset_rule(ds, "R130")->title,
	    "CONSENT = N: not an error."));
	assert_null(ndx_dataset_rule(ds, "R999"));
	assert_null(ndx_dataset_rule(ds, ""));
}

static void
test_dataset_areas(void **state)
{
	const struct ndx_dataset *ds = *state;
	static const char *const cleveland[][2] = {
		{ "E06000001", "Hartlepool" }, { "E06000002", "Middlesbrough" },
		{ "E06000003", "Redcar and Cleveland" },
		{ "E06000004", "Stockton-on-Tees" },
	};
	const struct ndx_area_la *la;
	size_t n = 99;

	la = ndx_dataset_area(ds, "cleveland", &n);
	assert_non_null(la);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(la[i].code, cleveland[i][0]);
		assert_string_equal(la[i].name, cleveland[i][1]);
		assert_string_equal(la[i].area, "Cleveland");
	}
	assert_ptr_equal(ndx_dataset_area(ds, "CLEVELAND", &n), la);
	la = ndx_dataset_area(ds, "Durham", &n);
	assert_int_equal(n, 2);
	assert_string_equal(la[0].code, "E06000005");
	assert_string_equal(la[1].code, "E06000047");
	assert_non_null(ndx_dataset_area(ds, "humberside", &n));
	assert_int_equal(n, 4);
	assert_null(ndx_dataset_area(ds, "Nowhere", &n));
	assert_int_equal(n, 0);
	assert_null(ndx_dataset_area(ds, "Clevelan", &n));
	assert_string_equal(ndx_dataset_area_name(ds, "humBERside"),
	    "Humberside");
	assert_null(ndx_dataset_area_name(ds, "Nowhere"));
	la = ndx_dataset_la(ds, "E06000047");
	assert_non_null(la);
	assert_string_equal(la->name, "County Durham");
	assert_string_equal(la->area, "Durham");
	assert_null(ndx_dataset_la(ds, "E06000099"));
	assert_null(ndx_dataset_la(ds, "e06000001"));
}

static void
ignore_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

/* The compiled XSD on tests/data/xsd: valid-*.xml pass, invalid-*.xml fail. */
static void
test_dataset_xsd_documents(void **state)
{
	const struct ndx_dataset *ds = *state;
	xmlSchemaValidCtxtPtr v;
	char pattern[1200];
	glob_t g;
	size_t nvalid = 0, ninvalid = 0;
	int rc;

	v = xmlSchemaNewValidCtxt(ndx_dataset_xsd(ds, 1));
	assert_non_null(v);
	xmlSchemaSetValidStructuredErrors(v, ignore_error, NULL);
	snprintf(pattern, sizeof(pattern), "%s/tests/data/xsd/*.xml", srcdir);
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *base = strrchr(g.gl_pathv[i], '/') + 1;

		rc = xmlSchemaValidateFile(v, g.gl_pathv[i], 0);
		if (strncmp(base, "valid-", 6) == 0) {
			if (rc != 0)
				fail_msg("%s does not validate", base);
			nvalid++;
		} else {
			if (rc <= 0)
				fail_msg("%s validates", base);
			ninvalid++;
		}
	}
	globfree(&g);
	xmlSchemaFreeValidCtxt(v);
	assert_true(nvalid >= 3);
	assert_true(ninvalid >= 20);
}

/* The hot path allocates nothing, in libndx or in libxml2. */
static void
test_dataset_check_allocates_nothing(void **state)
{
	const struct ndx_dataset *ds = *state;
	struct ndx_check chk;
	size_t before = xml_allocs;

	assert_true(before > 0);	/* the counting allocator is in use */
	for (size_t i = 0; i < sizeof(typecases) / sizeof(typecases[0]);
	    i++) {
		const struct typecase *tc = &typecases[i];

		for (size_t j = 0; tc->valid[j] != NULL; j++)
			ndx_dataset_check(ds, tc->item, tc->valid[j], &chk);
		for (size_t j = 0; tc->invalid[j] != NULL; j++)
			ndx_dataset_check(ds, tc->item, tc->invalid[j], &chk);
	}
	ndx_dataset_check(ds, NDX_DOB, "1980-03-07", &chk);
	ndx_dataset_check(ds, NDX_RFLS, "13", &chk);
	assert_int_equal(xml_allocs, before);
}

/* Writes dir/name from the real file, with the first from made to. */
static void
copy_edited(const char *dir, const char *name, const char *from,
    const char *to)
{
	char src[1200], dst[1200], *buf, *hit;
	FILE *fp;
	long len;

	snprintf(src, sizeof(src), "%s/%s", datadir, name);
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	assert_non_null(fp = fopen(src, "rb"));
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	assert_non_null(fp = fopen(dst, "wb"));
	hit = from != NULL ? strstr(buf, from) : NULL;
	if (from != NULL)
		assert_non_null(hit);
	if (hit != NULL) {
		fwrite(buf, 1, (size_t)(hit - buf), fp);
		fputs(to, fp);
		fputs(hit + strlen(from), fp);
	} else
		fputs(buf, fp);
	assert_int_equal(fclose(fp), 0);
	free(buf);
}

/* Whether data file name holds text. */
static int
has_text(const char *name, const char *text)
{
	char path[1200], *buf;
	FILE *fp;
	long len;
	int found;

	snprintf(path, sizeof(path), "%s/%s", datadir, name);
	assert_non_null(fp = fopen(path, "rb"));
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	rewind(fp);
	assert_non_null(buf = calloc(1, (size_t)len + 1));
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	found = strstr(buf, text) != NULL;
	free(buf);
	return found;
}

/*
 * Loads from a copy of schemas/ in which file has from replaced by to
 * (to NULL: file missing); the load must fail with exit 78 and a
 * message holding want.
 */
static void
expect_load_failure(const char *file, const char *from, const char *to,
    const char *want)
{
	static const char *const names[] = { "episodes.xsd",
	    "episodes-2.xsd", "rules.csv", "areas.csv" };
	char dir[] = "/tmp/ndx-test-dataset-XXXXXX", path[1200];
	struct ndx_error err = { 0 };
	struct ndx_dataset *ds;

	assert_non_null(mkdtemp(dir));
	/* An edit of episodes.xsd is made to version 2's copy of it too,
	 * where the text is there: the loader reads both, and version 2
	 * must judge version 1's items alike. */
	for (size_t i = 0; i < 4; i++) {
		int edit = strcmp(names[i], file) == 0 ||
		    (strcmp(file, "episodes.xsd") == 0 && i == 1 &&
		    from != NULL && has_text(names[i], from));

		if (!edit)
			copy_edited(dir, names[i], NULL, NULL);
		else if (to != NULL)
			copy_edited(dir, names[i], from, to);
	}
	setenv("NDX_DATADIR", dir, 1);
	ds = ndx_dataset_load(&err);
	setenv("NDX_DATADIR", datadir, 1);
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	if (ds != NULL) {
		ndx_dataset_free(ds);
		fail_msg("%s: '%s' loaded", file, to != NULL ? to : "(none)");
	}
	assert_int_equal(err.code, NDX_EX_CONFIG);
	if (strstr(err.msg, want) == NULL)
		fail_msg("%s: message '%s' lacks '%s'", file, err.msg, want);
}

static void
test_dataset_load_failures(void **state)
{
	(void)state;
	expect_load_failure("episodes.xsd", NULL, NULL, "not found");
	expect_load_failure("episodes-2.xsd", NULL, NULL, "not found");
	/* Version 2 judges version 1's items as version 1 does. */
	expect_load_failure("episodes-2.xsd", "<xs:pattern value=\"[A-Z]{3}\"/>",
	    "<xs:pattern value=\"[A-Z]{2}\"/>",
	    "item NATION: type NationalityCode is not the one dataset "
	    "version 1 gives it");
	expect_load_failure("episodes-2.xsd",
	    "<xs:element name=\"NATION\" type=\"NationalityCode\" "
	    "minOccurs=\"0\">",
	    "<xs:element name=\"NATION\" type=\"NationalityCode\">",
	    "item NATION: mandatory in one dataset version and not in "
	    "another");
	expect_load_failure("episodes-2.xsd",
	    "<xs:element name=\"HRISK\" type=\"YesNo\" minOccurs=\"0\">\n"
	    "        <xs:annotation><xs:documentation>at risk of eviction"
	    "</xs:documentation></xs:annotation>\n      </xs:element>\n", "",
	    "item HRISK is not declared in episodes");
	expect_load_failure("episodes-2.xsd", "<xs:element name=\"top\" "
	    "type=\"Top\"", "<xs:element name=\"tops\" type=\"Top\"",
	    "element tops is neither an item nor a record of <episode>");
	/* A TOP item has no place in version 1. */
	expect_load_failure("episodes.xsd", "<xs:element name=\"MODEXIT\" "
	    "type=\"InterventionExit\" minOccurs=\"0\">",
	    "<xs:element name=\"TOPID\" type=\"Identifier\" "
	    "minOccurs=\"0\"/><xs:element name=\"MODEXIT\" "
	    "type=\"InterventionExit\" minOccurs=\"0\">",
	    "item TOPID does not belong in this record");
	expect_load_failure("rules.csv", NULL, NULL, "not found");
	expect_load_failure("areas.csv", NULL, NULL, "not found");
	expect_load_failure("episodes.xsd", "</xs:schema>", "",
	    "Premature end");
	expect_load_failure("episodes.xsd", "[A-Z]{3}", "[A-Z{3}",
	    "regular expression");
	expect_load_failure("episodes.xsd", "<xs:maxLength value=\"20\"/>",
	    "<xs:whiteSpace value=\"collapse\"/>", "unsupported facet");
	expect_load_failure("episodes.xsd", "ndx:breakdown=\"prison\"",
	    "breakdown=\"prison\"", "unexpected attribute 'breakdown'");
	expect_load_failure("episodes.xsd", "ndx:rule=\"R070\"",
	    "ndx:rule=\"R999\"", "rule that is not listed");
	expect_load_failure("episodes.xsd",
	    "<xs:element name=\"NATION\" type=\"NationalityCode\" "
	    "minOccurs=\"0\">\n        <xs:annotation><xs:documentation>"
	    "nationality (ISO 3166 alpha-3)</xs:documentation>"
	    "</xs:annotation>\n      </xs:element>", "",
	    "NATION is not declared");
	expect_load_failure("episodes.xsd",
	    "<xs:element name=\"DOB\" type=\"DateItem\"",
	    "<xs:element name=\"DOB\" type=\"Identifier\"",
	    "expects it to be a date");
	expect_load_failure("episodes.xsd",
	    "<xs:element name=\"DOB\" type=\"DateItem\" "
	    "ndx:identifying=\"yes\">",
	    "<xs:element name=\"DOB\" type=\"DateItem\">",
	    "item DOB: ndx:identifying must be \"yes\"");
	expect_load_failure("episodes.xsd",
	    "<xs:element name=\"SEX\" type=\"SexCode\">",
	    "<xs:element name=\"SEX\" type=\"SexCode\" "
	    "ndx:identifying=\"yes\">",
	    "item SEX: ndx:identifying must be absent");
	expect_load_failure("episodes.xsd",
	    "<xs:documentation>referral source</xs:documentation>", "",
	    "item RFLS: its first declaration in episodes has no "
	    "xs:documentation");
	expect_load_failure("episodes.xsd", "ndx:group=\"OT\"",
	    "ndx:group=\"XX\"", "ETHNIC code R: group 'XX' is not a code "
	    "of EthnicGroup");
	expect_load_failure("episodes.xsd", "name=\"EthnicGroup\"",
	    "name=\"EthnicGroups\"", "type EthnicGroup is not defined");
	expect_load_failure("episodes.xsd",
	    "<xs:minInclusive value=\"1900-01-01\"/>",
	    "<xs:minInclusive value=\"1850-01-01\"/>", "minInclusive");
	expect_load_failure("episodes.xsd", "[0-9]{4}-[0-9]{2}-[0-9]{2}",
	    "[0-9]{4}-[0-9]{2}-[0-9]{2}.*", "a date's pattern must be");
	expect_load_failure("episodes.xsd", "<xs:enumeration value=\"F\">",
	    "<xs:enumeration value=\"M\">", "listed twice");
	expect_load_failure("rules.csv", "R002,error", "R002,fatal",
	    "severity");
	expect_load_failure("rules.csv", "id,severity", "id,level", "header");
	expect_load_failure("rules.csv", "R002,", "R000,", "ascending");
	expect_load_failure("areas.csv", "E06000005", "E05000005",
	    "LA must be");
	expect_load_failure("areas.csv", "E06000002,", "E06000001,",
	    "ascending");
}

/* What the data dictionary is built from: titles, types, broad groups. */
static void
test_dataset_dictionary(void **state)
{
	const struct ndx_dataset *ds = *state;
	struct ndx_type_info ti;
	const char *const *g;
	size_t n;

	assert_string_equal(ndx_dataset_title(ds, NDX_RFLS),
	    "referral source");
	assert_string_equal(ndx_dataset_title(ds, NDX_DOB), "date of birth");
	assert_non_null(strstr(ndx_dataset_title(ds, NDX_AGE_AT_TRIAGE),
	    "whole years"));
	for (int i = 0; i < NDX_NITEMS; i++)
		assert_non_null(ndx_dataset_title(ds, i));

	ndx_dataset_type(ds, NDX_CLIENTID, &ti);
	assert_string_equal(ti.name, "Identifier");
	assert_int_equal(ti.npattern, 1);
	assert_string_equal(ti.pattern[0], "[A-Za-z0-9\\-]+");
	assert_int_equal(ti.maxlen, 20);
	assert_int_equal(ti.minlen, -1);
	ndx_dataset_type(ds, NDX_PC, &ti);
	assert_int_equal(ti.npattern, 2);
	assert_string_equal(ti.pattern[1], "GIR 0AA");
	assert_non_null(ti.doc);
	ndx_dataset_type(ds, NDX_RFLS, &ti);
	assert_int_equal(ti.npattern, 0);

	g = ndx_dataset_ethnic_groups(ds, &n);
	assert_int_equal(n, 6);
	assert_string_equal(g[0], "WH");
	assert_string_equal(g[5], "Z");
	assert_non_null(strstr(ndx_dataset_ethnic_group_meaning(ds, "MX"),
	    "mixed"));
	assert_null(ndx_dataset_ethnic_group_meaning(ds, "A"));
	assert_string_equal(ndx_dataset_code_prop(ds, NDX_ETHNIC, "K",
	    "group"), "AS");
	assert_null(ndx_dataset_code_prop(ds, NDX_ETHNIC, "Z", "group"));
}

/* XSD's collapse: runs of blanks one space, ends trimmed, bounded. */
static void
test_dataset_xsd_collapse(void **state)
{
	char buf[8], in[32];

	(void)state;
	assert_int_equal(ndx_xsd_collapse(" \t1\r\n 2  ", 9, buf,
	    sizeof(buf)), 3);
	assert_string_equal(buf, "1 2");
	assert_int_equal(ndx_xsd_collapse("   ", 3, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* Long padding collapses to what fits; a long value does not. */
	assert_int_equal(ndx_xsd_collapse("      true      ", 16, buf,
	    sizeof(buf)), 4);
	assert_int_equal(ndx_xsd_collapse("12345678", 8, buf, sizeof(buf)),
	    -1);
	/* In place: the result is never longer than the text. */
	snprintf(in, sizeof(in), "  2026-01-01\n");
	assert_int_equal(ndx_xsd_collapse(in, strlen(in), in, sizeof(in)), 10);
	assert_string_equal(in, "2026-01-01");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dataset_regexp_anchored),
		cmocka_unit_test(test_dataset_types),
		cmocka_unit_test(test_dataset_code_lists),
		cmocka_unit_test(test_dataset_messages),
		cmocka_unit_test(test_dataset_dates),
		cmocka_unit_test(test_dataset_code_props),
		cmocka_unit_test(test_dataset_meanings),
		cmocka_unit_test(test_dataset_dictionary),
		cmocka_unit_test(test_dataset_mandatory),
		cmocka_unit_test(test_dataset_rules),
		cmocka_unit_test(test_dataset_areas),
		cmocka_unit_test(test_dataset_xsd_documents),
		cmocka_unit_test(test_dataset_check_allocates_nothing),
		cmocka_unit_test(test_dataset_load_failures),
		cmocka_unit_test(test_dataset_xsd_collapse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
