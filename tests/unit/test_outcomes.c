/*
 * Unit tests for transform/outcomes.c: product_outcomes() driven
 * in-process on tiny episodes files of dataset version 2 written here,
 * its XML product read back with XPath.  Each case is one reading of
 * outcomes.md §4 worked out by hand: which TOP is the latest (the date,
 * then the greatest TOPID in byte order, and only in the period), when
 * an item is paired, the statistics of a day item and of a rating, the
 * rounding of a mean, the HAT cohort's "in treatment in P", the area, and
 * a mean under disclosure control.  The whole table of a fixture is in
 * tests/e2e/test_outcomes.sh, against a script written from the spec.
 */
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
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "ndx/dataset.h"
#include "ndx/epxml.h"
#include "ndx/ndx.h"
#include "ndx/period.h"
#include "../../transform/transform.h"

#define HARTLEPOOL "E06000001"
#define MIDDLESBROUGH "E06000002"
#define DARLINGTON "E06000005"	/* outside Cleveland */

struct fixture {
	struct ndx_dataset *ds;
	char path[64];
	FILE *fp;
	xmlDocPtr doc;
	struct ndx_error err;
	int n;			/* episodes written, for their ids */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ndx_error err;
	int fd;

	if (f == NULL || (f->ds = ndx_dataset_load(&err)) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "/tmp/ndx-test-outcomes.XXXXXX");
	if ((fd = mkstemp(f->path)) < 0)
		return -1;
	close(fd);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->fp != NULL)
		fclose(f->fp);
	xmlFreeDoc(f->doc);
	unlink(f->path);
	ndx_dataset_free(f->ds);
	free(f);
	xmlCleanupParser();
	return 0;
}

static int
reset(void **state)
{
	struct fixture *f = *state;

	if (f->fp != NULL)
		fclose(f->fp);
	xmlFreeDoc(f->doc);
	f->doc = NULL;
	f->n = 0;
	f->fp = fopen(f->path, "w");
	assert_non_null(f->fp);
	fprintf(f->fp, "<episodes xmlns=\"urn:ndx:episodes:1\" dataset=\"2\" "
	    "asof=\"2026-11-01\" start=\"2026-07-01\" end=\"2026-09-30\">\n");
	return 0;
}

/*
 * An open episode of its own client in la, triaged on 2026-06-01, with
 * one intervention of type modal from 2026-06-02 to modend (NULL: open);
 * then the TOP rows, each "TOPID DATE STAGE ITEM=N ITEM=N ...".
 */
static void
episode(struct fixture *f, const char *la, const char *modal,
    const char *modend, const char *const *tops)
{
	f->n++;
	fprintf(f->fp, "<client><AGNCY>N0852</AGNCY><CLIENTID>C%d</CLIENTID>"
	    "<FINITIAL>A</FINITIAL><SINITIAL>B</SINITIAL>"
	    "<DOB>1980-01-01</DOB><SEX>M</SEX><ETHNIC>A</ETHNIC>"
	    "<LA>%s</LA><CONSENT>Y</CONSENT>", f->n, la);
	fprintf(f->fp, "<episode><EPISODID>E%d</EPISODID>"
	    "<REFLD>2026-06-01</REFLD><TRIAGED>2026-06-01</TRIAGED>"
	    "<RFLS>4</RFLS><DRUG1>1011</DRUG1><ROUTE>1</ROUTE>"
	    "<INJSTAT>C</INJSTAT><ACCMNEED>3</ACCMNEED><EMPSTAT>1</EMPSTAT>"
	    "<PRNTSTAT>11</PRNTSTAT><CJORDER>9</CJORDER>", f->n);
	fprintf(f->fp, "<intervention><MODID>M1</MODID><MODAL>%s</MODAL>"
	    "<MODSET>1</MODSET><REFMODDT>2026-06-02</REFMODDT>"
	    "<MODST>2026-06-02</MODST>", modal);
	if (modend != NULL)
		fprintf(f->fp, "<MODEND>%s</MODEND><MODEXIT>A</MODEXIT>",
		    modend);
	fprintf(f->fp, "</intervention>\n");
	for (; *tops != NULL; tops++) {
		char buf[256], *save = NULL, *w;
		int k = 0;

		snprintf(buf, sizeof(buf), "%s", *tops);
		fprintf(f->fp, "<top>");
		for (w = strtok_r(buf, " ", &save); w != NULL;
		    w = strtok_r(NULL, " ", &save), k++) {
			char *eq = strchr(w, '=');
			static const char *const core[] = { "TOPID",
			    "TOPDATE", "TRSTAGE" };

			if (k < 3)
				fprintf(f->fp, "<%s>%s</%s>", core[k], w,
				    core[k]);
			else if (eq != NULL) {
				*eq = '\0';
				fprintf(f->fp, "<%s>%s</%s>", w, eq + 1, w);
			}
		}
		fprintf(f->fp, "</top>\n");
	}
	fprintf(f->fp, "</episode></client>\n");
}

/* The outcome measures of 2026Q2 in Cleveland: 0, or -1 with f->err. */
static int
run(struct fixture *f, enum disclosure d)
{
	struct transform t;
	struct epxml_reader *r;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	int rc;

	fprintf(f->fp, "</episodes>\n");
	fclose(f->fp);
	f->fp = NULL;
	memset(&t, 0, sizeof(t));
	t.product = "outcomes";
	t.format = FORMAT_XML;
	t.area = "Cleveland";
	t.disclosure = d;
	t.threshold = 5;
	t.input = f->path;
	t.ds = f->ds;
	t.has_period = 1;
	assert_int_equal(ndx_period_quarter("2026Q2", &t.period), 0);
	memset(&f->err, 0, sizeof(f->err));
	r = epxml_reader_open(f->path, f->ds, 0, &f->err);
	assert_non_null(r);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	rc = transform_episodes(&t, product_outcomes, product_outcomes_free,
	    r, out, &f->err);
	fclose(out);
	epxml_reader_close(r);
	if (rc == 0) {
		f->doc = xmlReadMemory(buf, (int)len, "outcomes.xml", NULL,
		    XML_PARSE_NONET);
		assert_non_null(f->doc);
	}
	free(buf);
	return rc;
}

/* One shown value: cohort, item, statistic, area row. */
static char *
value(struct fixture *f, const char *cohort, const char *item,
    const char *stat, const char *area)
{
	static char shown[32];
	char expr[320];
	xmlXPathContextPtr ctx = xmlXPathNewContext(f->doc);
	xmlXPathObjectPtr obj;

	xmlXPathRegisterNs(ctx, BAD_CAST "o", BAD_CAST "urn:ndx:outcomes:1");
	snprintf(expr, sizeof(expr), "string(/o:outcomes/o:cohort"
	    "[@name='%s']/o:item[@code='%s']/o:statistic[@name='%s']"
	    "/o:value[@area_code='%s'])", cohort, item, stat, area);
	obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	snprintf(shown, sizeof(shown), "%s", (const char *)obj->stringval);
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(ctx);
	return shown;
}

#define V(c, i, s, a) value(f, (c), (i), (s), (a))

/*
 * Two reviews on one day: the latest is the greater TOPID in byte order,
 * "T9" over "T10"; its OPIUSE 0 makes the user at start abstinent.
 */
static void
test_outcomes_latest_tie_by_topid(void **state)
{
	struct fixture *f = *state;
	static const char *const tops[] = {
		"T1 2026-06-02 S OPIUSE=20",
		"T10 2026-08-01 R OPIUSE=10",
		"T9 2026-08-01 R OPIUSE=0",
		NULL
	};

	episode(f, MIDDLESBROUGH, "94", NULL, tops);
	assert_int_equal(run(f, DISCLOSURE_NONE), 0);
	assert_string_equal(V("all", "OPIUSE", "pairs", "TOTAL"), "1");
	assert_string_equal(V("all", "OPIUSE", "abstinent", "TOTAL"), "1");
	assert_string_equal(V("all", "OPIUSE", "mean_latest", MIDDLESBROUGH),
	    "0.0");
}

/*
 * The latest TOP is dated in the period: an exit in October is not it.
 * The review's 10 is at most half of 20 (reduced), not 0 (abstinent).
 */
static void
test_outcomes_latest_in_period(void **state)
{
	struct fixture *f = *state;
	static const char *const tops[] = {
		"T1 2026-06-02 S OPIUSE=20 PSYHSTAT=8",
		"T2 2026-09-01 R OPIUSE=10 PSYHSTAT=8",
		"T3 2026-10-05 E OPIUSE=0 PSYHSTAT=15",
		NULL
	};

	episode(f, HARTLEPOOL, "94", NULL, tops);
	assert_int_equal(run(f, DISCLOSURE_NONE), 0);
	assert_string_equal(V("all", "OPIUSE", "users_at_start", "TOTAL"),
	    "1");
	assert_string_equal(V("all", "OPIUSE", "abstinent", "TOTAL"), "0");
	assert_string_equal(V("all", "OPIUSE", "reduced", "TOTAL"), "1");
	/* 8 to 8 is no improvement. */
	assert_string_equal(V("all", "PSYHSTAT", "improved", "TOTAL"), "0");
	assert_string_equal(V("all", "PSYHSTAT", "mean_latest", "TOTAL"),
	    "8.0");
}

/*
 * An item is paired only where both TOPs give it; 11 is more than half
 * of 20 (not reduced); a start TOP alone, or a review alone, is no pair.
 */
static void
test_outcomes_pairing(void **state)
{
	struct fixture *f = *state;
	static const char *const paired[] = {
		"T1 2026-06-02 S OPIUSE=20 CRAUSE=5 PSYHSTAT=8",
		"T2 2026-08-01 R OPIUSE=11 PSYHSTAT=12",
		NULL
	};
	static const char *const start_only[] = {
		"T1 2026-06-02 S OPIUSE=20", NULL
	};
	static const char *const review_only[] = {
		"T1 2026-08-02 R OPIUSE=20", NULL
	};

	episode(f, HARTLEPOOL, "94", NULL, paired);
	episode(f, HARTLEPOOL, "94", NULL, start_only);
	episode(f, HARTLEPOOL, "94", NULL, review_only);
	assert_int_equal(run(f, DISCLOSURE_NONE), 0);
	assert_string_equal(V("all", "OPIUSE", "pairs", HARTLEPOOL), "1");
	assert_string_equal(V("all", "OPIUSE", "reduced", HARTLEPOOL), "0");
	assert_string_equal(V("all", "CRAUSE", "pairs", HARTLEPOOL), "0");
	assert_string_equal(V("all", "CRAUSE", "mean_start", HARTLEPOOL), "");
	assert_string_equal(V("all", "PSYHSTAT", "improved", HARTLEPOOL), "1");
	assert_string_equal(V("all", "OPIUSE", "pairs", MIDDLESBROUGH), "0");
}

/*
 * Means over the pairs, one decimal, half away from zero: starts 1, 1, 1
 * and 2 are 5 / 4 = 1.25, shown 1.3; TOTAL is over every pair of the
 * area, not a mean of the LAs' means (1.0 and 1.5 make 1.3, not 1.25).
 */
static void
test_outcomes_mean_rounding(void **state)
{
	struct fixture *f = *state;
	static const char *const one[] = {
		"T1 2026-06-02 S OPIUSE=1", "T2 2026-08-01 R OPIUSE=0", NULL
	};
	static const char *const two[] = {
		"T1 2026-06-02 S OPIUSE=2", "T2 2026-08-01 R OPIUSE=1", NULL
	};

	episode(f, HARTLEPOOL, "94", NULL, one);
	episode(f, HARTLEPOOL, "94", NULL, one);
	episode(f, MIDDLESBROUGH, "94", NULL, one);
	episode(f, MIDDLESBROUGH, "94", NULL, two);
	assert_int_equal(run(f, DISCLOSURE_NONE), 0);
	assert_string_equal(V("all", "OPIUSE", "mean_start", HARTLEPOOL),
	    "1.0");
	assert_string_equal(V("all", "OPIUSE", "mean_start", MIDDLESBROUGH),
	    "1.5");
	assert_string_equal(V("all", "OPIUSE", "mean_start", "TOTAL"), "1.3");
	/* Latest 0, 0, 0, 1: 0.25, shown 0.3. */
	assert_string_equal(V("all", "OPIUSE", "mean_latest", "TOTAL"), "0.3");
	/* A start of 1 and a latest of 0 is abstinent and at most half. */
	assert_string_equal(V("all", "OPIUSE", "reduced", "TOTAL"), "4");
}

/*
 * The HAT cohort: a MODAL 97 intervention in treatment in the period.
 * One that ended in May is not; a client outside the area is nowhere.
 */
static void
test_outcomes_hat_cohort_and_area(void **state)
{
	struct fixture *f = *state;
	static const char *const tops[] = {
		"T1 2026-06-02 S OPIUSE=20", "T2 2026-08-01 R OPIUSE=5", NULL
	};

	episode(f, MIDDLESBROUGH, "97", NULL, tops);
	episode(f, MIDDLESBROUGH, "97", "2026-06-20", tops);
	episode(f, DARLINGTON, "97", NULL, tops);
	assert_int_equal(run(f, DISCLOSURE_NONE), 0);
	assert_string_equal(V("all", "OPIUSE", "pairs", "TOTAL"), "2");
	assert_string_equal(V("hat", "OPIUSE", "pairs", "TOTAL"), "1");
	assert_string_equal(V("cj", "OPIUSE", "pairs", "TOTAL"), "0");
}

/*
 * Under suppression a mean is * where its pairs are below the threshold
 * (here 2 of 5), even though the pairs are shown as * too; a zero count
 * stays 0.
 */
static void
test_outcomes_suppressed_mean(void **state)
{
	struct fixture *f = *state;
	static const char *const tops[] = {
		"T1 2026-06-02 S OPIUSE=20", "T2 2026-08-01 R OPIUSE=5", NULL
	};

	episode(f, HARTLEPOOL, "94", NULL, tops);
	episode(f, HARTLEPOOL, "94", NULL, tops);
	assert_int_equal(run(f, DISCLOSURE_SUPPRESS), 0);
	assert_string_equal(V("all", "OPIUSE", "pairs", HARTLEPOOL), "*");
	assert_string_equal(V("all", "OPIUSE", "mean_start", HARTLEPOOL), "*");
	assert_string_equal(V("all", "OPIUSE", "mean_start", "TOTAL"), "*");
	assert_string_equal(V("all", "OPIUSE", "abstinent", HARTLEPOOL), "0");
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup(fn, reset)
	const struct CMUnitTest tests[] = {
		T(test_outcomes_latest_tie_by_topid),
		T(test_outcomes_latest_in_period),
		T(test_outcomes_pairing),
		T(test_outcomes_mean_rounding),
		T(test_outcomes_hat_cohort_and_area),
		T(test_outcomes_suppressed_mean),
	};
#undef T

	return cmocka_run_group_tests(tests, setup, teardown);
}
