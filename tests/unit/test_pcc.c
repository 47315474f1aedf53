/*
 * Unit tests for transform/pcc.c: product_pcc_return() driven in-process
 * on tiny episodes files written here, its XML product read back with
 * XPath.  Each case is one reading of metrics.md that a whole-return
 * fixture would blur: which LA a client counts in, which start makes a
 * prison leaver engaged, how HAT clients are counted by LA, what is
 * dropped outside the area, the pseudonymised form, and the failures.
 * The end-to-end figures of every measure are in tests/e2e/test_pcc.sh.
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

struct fixture {
	struct ndx_dataset *ds;
	char path[64];
	FILE *fp;		/* the episodes file being written */
	const char *root;	/* its root element */
	xmlDocPtr doc;		/* the last product */
	struct ndx_error err;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ndx_error err;
	int fd;

	if (f == NULL || (f->ds = ndx_dataset_load(&err)) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "/tmp/ndx-test-pcc.XXXXXX");
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

/* Starts a new episodes file; pseudo selects the pseudonymised form. */
static void
begin(struct fixture *f, int pseudo)
{
	if (f->fp != NULL)
		fclose(f->fp);
	xmlFreeDoc(f->doc);
	f->doc = NULL;
	f->fp = fopen(f->path, "w");
	assert_non_null(f->fp);
	f->root = pseudo ? "pseudonymised-episodes" : "episodes";
	fprintf(f->fp, "<%s xmlns=\"urn:ndx:episodes:1\" dataset=\"1\" "
	    "asof=\"2026-11-01\">\n", f->root);
}

/*
 * A client element: who is "INITIALS DOB" (identifiable) or a 32-digit
 * pseudonym.  Then episode() and intervention() add to it; close_client()
 * ends it.
 */
static void
client(struct fixture *f, const char *agncy, const char *who, const char *la)
{
	fprintf(f->fp, "<client><AGNCY>%s</AGNCY>", agncy);
	if (strlen(who) == 32)
		fprintf(f->fp, "<PSEUDO_CLIENT>%s</PSEUDO_CLIENT>", who);
	else
		fprintf(f->fp, "<CLIENTID>c</CLIENTID><FINITIAL>%c</FINITIAL>"
		    "<SINITIAL>%c</SINITIAL><DOB>%s</DOB>", who[0], who[1],
		    who + 3);
	fprintf(f->fp, "<SEX>M</SEX><ETHNIC>A</ETHNIC><LA>%s</LA>"
	    "<CONSENT>Y</CONSENT>\n", la);
}

/*
 * The items every episode must have (products refuse input the validator
 * would reject); extra: the items after CJORDER, e.g. "<DISD>...</DISD>".
 */
static void
episode(struct fixture *f, const char *id, const char *triaged,
    const char *rfls, const char *drug1, const char *extra)
{
	int pseudo = strlen(id) == 32;

	if (pseudo)
		fprintf(f->fp, "<episode><PSEUDO_EPISODE>%s</PSEUDO_EPISODE>"
		    "<AGE_AT_TRIAGE>44</AGE_AT_TRIAGE><AGE_BAND>40-44"
		    "</AGE_BAND>", id);
	else
		fprintf(f->fp, "<episode><EPISODID>%s</EPISODID>", id);
	fprintf(f->fp, "<REFLD>%s</REFLD><TRIAGED>%s</TRIAGED><RFLS>%s</RFLS>"
	    "<DRUG1>%s</DRUG1>%s<INJSTAT>N</INJSTAT><ACCMNEED>3</ACCMNEED>"
	    "<EMPSTAT>1</EMPSTAT><PRNTSTAT>11</PRNTSTAT>"
	    "<CJORDER>9</CJORDER>%s\n", triaged, triaged, rfls, drug1,
	    pseudo ? "<SUBSTANCE_GROUP>opiate</SUBSTANCE_GROUP>" : "",
	    extra ? extra : "");
}

static void
intervention(struct fixture *f, const char *modal, const char *modst,
    const char *modend, const char *modexit)
{
	fprintf(f->fp, "<intervention><MODAL>%s</MODAL><MODST>%s</MODST>",
	    modal, modst);
	if (modend != NULL)
		fprintf(f->fp, "<MODEND>%s</MODEND><MODEXIT>%s</MODEXIT>",
		    modend, modexit);
	fprintf(f->fp, "</intervention>\n");
}

static void
end_episode(struct fixture *f)
{
	fprintf(f->fp, "</episode>\n");
}

static void
close_client(struct fixture *f)
{
	fprintf(f->fp, "</client>\n");
}

/*
 * Runs the product for 2026Q2 in Cleveland.  Suppression with threshold 1
 * hides nothing, so the figures come through exact (and without the
 * "not for publication" notice of --disclosure none).
 */
static int
run(struct fixture *f, const char *area, int has_period)
{
	struct transform t;
	struct epxml_reader *r;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	int rc;

	fprintf(f->fp, "</%s>\n", f->root);
	fclose(f->fp);
	f->fp = NULL;
	memset(&t, 0, sizeof(t));
	t.product = "pcc-return";
	t.format = FORMAT_XML;
	t.area = area;
	t.disclosure = DISCLOSURE_SUPPRESS;
	t.threshold = 1;
	t.input = f->path;
	t.ds = f->ds;
	t.has_period = has_period;
	assert_int_equal(ndx_period_quarter("2026Q2", &t.period), 0);
	memset(&f->err, 0, sizeof(f->err));
	r = epxml_reader_open(f->path, f->ds, 0, &f->err);
	assert_non_null(r);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	rc = transform_episodes(&t, product_pcc_return, product_pcc_free, r,
	    out, &f->err);
	fclose(out);
	epxml_reader_close(r);
	if (rc == 0) {
		f->doc = xmlReadMemory(buf, (int)len, "pcc.xml", NULL,
		    XML_PARSE_NONET);
		assert_non_null(f->doc);
	}
	free(buf);
	return rc;
}

/* The shown value of one cell of the product. */
static char *
value(struct fixture *f, const char *measure, const char *row,
    const char *breakdown)
{
	static char shown[32];
	char expr[256];
	xmlXPathContextPtr ctx = xmlXPathNewContext(f->doc);
	xmlXPathObjectPtr obj;

	xmlXPathRegisterNs(ctx, BAD_CAST "p", BAD_CAST "urn:ndx:pcc:1");
	snprintf(expr, sizeof(expr), "string(/p:pcc-return/p:measure"
	    "[@name='%s']/p:row[@code='%s']/p:value[@breakdown='%s'])",
	    measure, row, breakdown);
	obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	snprintf(shown, sizeof(shown), "%s", (const char *)obj->stringval);
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(ctx);
	return shown;
}

#define HARTLEPOOL "E06000001"
#define MIDDLESBROUGH "E06000002"
#define REDCAR "E06000003"
#define STOCKTON "E06000004"
#define DARLINGTON "E06000005"

/*
 * The client's LA is that of the latest counted episode: greatest
 * TRIAGED, then AGNCY, then EPISODID in byte order ("X9" > "X10").
 */
static void
test_pcc_client_la_tie_breaks(void **state)
{
	struct fixture *f = *state;

	begin(f, 0);
	/* Same TRIAGED at two agencies: N0002 wins (Redcar). */
	client(f, "N0001", "AA 1980-01-01", HARTLEPOOL);
	episode(f, "E1", "2026-07-01", "4", "5000", NULL);
	intervention(f, "95", "2026-07-01", NULL, NULL);
	end_episode(f);
	close_client(f);
	client(f, "N0002", "AA 1980-01-01", REDCAR);
	episode(f, "E1", "2026-07-01", "4", "7000", NULL);
	intervention(f, "95", "2026-07-02", NULL, NULL);
	end_episode(f);
	close_client(f);
	/* Same TRIAGED and AGNCY: "X9" beats "X10" (Hartlepool). */
	client(f, "N0003", "BB 1981-01-01", HARTLEPOOL);
	episode(f, "X9", "2026-08-01", "4", "3200", NULL);
	intervention(f, "95", "2026-08-02", NULL, NULL);
	end_episode(f);
	close_client(f);
	client(f, "N0003", "BB 1981-01-01", STOCKTON);
	episode(f, "X10", "2026-08-01", "4", "3200", NULL);
	intervention(f, "95", "2026-08-02", NULL, NULL);
	end_episode(f);
	close_client(f);
	/* A later TRIAGED wins over any agency (Middlesbrough). */
	client(f, "N0009", "CC 1982-01-01", STOCKTON);
	episode(f, "Z", "2026-07-01", "4", "1011", NULL);
	intervention(f, "94", "2026-07-01", NULL, NULL);
	end_episode(f);
	close_client(f);
	client(f, "N0001", "CC 1982-01-01", MIDDLESBROUGH);
	episode(f, "A", "2026-07-02", "4", "3200", NULL);
	intervention(f, "95", "2026-07-02", NULL, NULL);
	end_episode(f);
	close_client(f);
	assert_int_equal(run(f, "Cleveland", 1), 0);

	assert_string_equal(value(f, "in_treatment", REDCAR,
	    "non_opiate_and_alcohol"), "1");
	assert_string_equal(value(f, "in_treatment", HARTLEPOOL,
	    "non_opiate_only"), "1");
	assert_string_equal(value(f, "in_treatment", STOCKTON, "total"), "0");
	assert_string_equal(value(f, "in_treatment", MIDDLESBROUGH, "opiate"),
	    "1");
	assert_string_equal(value(f, "in_treatment", "TOTAL", "total"), "3");
}

/*
 * Engaged within 21 days: the earliest MODST of the episode must lie in
 * [PRISREL, PRISREL + 21].  An earlier start before release makes the
 * episode not engaged, even with a later start inside the window.
 */
static void
test_pcc_continuity_earliest_start(void **state)
{
	struct fixture *f = *state;

	begin(f, 0);
	client(f, "N0001", "AA 1980-01-01", HARTLEPOOL);
	/* + 21 days: engaged. */
	episode(f, "E1", "2026-07-05", "13", "1011",
	    "<PRISREL>2026-07-10</PRISREL>");
	intervention(f, "94", "2026-07-31", NULL, NULL);
	end_episode(f);
	/* + 22 days: not. */
	episode(f, "E2", "2026-07-05", "13", "1011",
	    "<PRISREL>2026-07-10</PRISREL>");
	intervention(f, "94", "2026-08-01", NULL, NULL);
	end_episode(f);
	/* Earliest start before release, a second inside: not. */
	episode(f, "E3", "2026-08-02", "13", "1011",
	    "<PRISREL>2026-08-15</PRISREL>");
	intervention(f, "94", "2026-08-05", "2026-08-10", "B");
	intervention(f, "95", "2026-08-20", NULL, NULL);
	end_episode(f);
	/* On the day of release, the later start listed first: engaged. */
	episode(f, "E4", "2026-09-01", "13", "1011",
	    "<PRISREL>2026-09-01</PRISREL>");
	intervention(f, "95", "2026-09-29", NULL, NULL);
	intervention(f, "94", "2026-09-01", NULL, NULL);
	end_episode(f);
	/* Released before the period: not counted at all. */
	episode(f, "E5", "2026-07-01", "13", "1011",
	    "<PRISREL>2026-06-30</PRISREL>");
	intervention(f, "94", "2026-07-01", NULL, NULL);
	end_episode(f);
	close_client(f);
	assert_int_equal(run(f, "Cleveland", 1), 0);

	assert_string_equal(value(f, "continuity_of_care", HARTLEPOOL,
	    "released"), "4");
	assert_string_equal(value(f, "continuity_of_care", HARTLEPOOL,
	    "engaged_21d"), "2");
	assert_string_equal(value(f, "continuity_of_care", HARTLEPOOL,
	    "rate"), "50.0");
	assert_string_equal(value(f, "continuity_of_care", REDCAR, "rate"),
	    "");
}

/*
 * HAT: in_treatment and retained_at_end count a client once, in the LA of
 * their latest qualifying episode; new_starts, ended and ended_planned
 * count each client once per LA of the episodes concerned, so a client
 * starting in two LAs is in both rows and twice in TOTAL.
 */
static void
test_pcc_hat_clients_by_la(void **state)
{
	struct fixture *f = *state;

	begin(f, 0);
	client(f, "N0002", "AM 1984-11-05", MIDDLESBROUGH);
	episode(f, "P1", "2026-07-01", "4", "1011", NULL);
	intervention(f, "97", "2026-07-02", "2026-09-30", "A");
	/* A second start in the same LA: still one client there. */
	intervention(f, "97", "2026-07-05", "2026-07-06", "B");
	end_episode(f);
	close_client(f);
	client(f, "N0003", "AM 1984-11-05", REDCAR);
	episode(f, "P2", "2026-08-01", "4", "1011", NULL);
	intervention(f, "97", "2026-08-02", NULL, NULL);
	end_episode(f);
	close_client(f);
	/* Not HAT: counts in no HAT breakdown. */
	client(f, "N0001", "ZZ 1990-01-01", HARTLEPOOL);
	episode(f, "Q", "2026-07-01", "4", "1011", NULL);
	intervention(f, "94", "2026-07-02", NULL, NULL);
	end_episode(f);
	close_client(f);
	assert_int_equal(run(f, "Cleveland", 1), 0);

	assert_string_equal(value(f, "hat", MIDDLESBROUGH, "in_treatment"),
	    "0");
	assert_string_equal(value(f, "hat", REDCAR, "in_treatment"), "1");
	assert_string_equal(value(f, "hat", MIDDLESBROUGH, "new_starts"), "1");
	assert_string_equal(value(f, "hat", REDCAR, "new_starts"), "1");
	assert_string_equal(value(f, "hat", "TOTAL", "new_starts"), "2");
	assert_string_equal(value(f, "hat", MIDDLESBROUGH, "ended"), "1");
	assert_string_equal(value(f, "hat", MIDDLESBROUGH, "ended_planned"),
	    "1");
	/* MODEND = end of the period: ended, not retained. */
	assert_string_equal(value(f, "hat", MIDDLESBROUGH, "retained_at_end"),
	    "0");
	assert_string_equal(value(f, "hat", REDCAR, "retained_at_end"), "1");
	assert_string_equal(value(f, "hat", "TOTAL", "in_treatment"), "1");
	assert_string_equal(value(f, "hat", HARTLEPOOL, "in_treatment"), "0");
}

/*
 * Episodes outside the area are dropped before anything: the later
 * out-of-area episode neither moves the client nor adds its opiate.
 * Every LA of the area has a row, in code order, even with no counts.
 */
static void
test_pcc_outside_area_dropped(void **state)
{
	struct fixture *f = *state;
	static const char *const order[] = { HARTLEPOOL, MIDDLESBROUGH,
		REDCAR, STOCKTON, "TOTAL" };
	xmlXPathContextPtr ctx;
	xmlXPathObjectPtr obj;

	begin(f, 0);
	client(f, "N0001", "AQ 1987-02-08", HARTLEPOOL);
	episode(f, "P1", "2026-05-01", "4", "7000", NULL);
	intervention(f, "95", "2026-05-02", NULL, NULL);
	end_episode(f);
	close_client(f);
	client(f, "N0005", "AQ 1987-02-08", DARLINGTON);
	episode(f, "P2", "2026-08-01", "5", "1011", NULL);
	intervention(f, "97", "2026-08-02", NULL, NULL);
	end_episode(f);
	close_client(f);
	assert_int_equal(run(f, "cleveland", 1), 0);

	assert_string_equal(value(f, "in_treatment", HARTLEPOOL,
	    "alcohol_only"), "1");
	assert_string_equal(value(f, "in_treatment", "TOTAL", "total"), "1");
	assert_string_equal(value(f, "cj_referrals", "TOTAL", "total"), "0");
	assert_string_equal(value(f, "hat", "TOTAL", "in_treatment"), "0");

	ctx = xmlXPathNewContext(f->doc);
	xmlXPathRegisterNs(ctx, BAD_CAST "p", BAD_CAST "urn:ndx:pcc:1");
	obj = xmlXPathEvalExpression(BAD_CAST "/p:pcc-return/p:measure"
	    "[@name='hat']/p:row/@code", ctx);
	assert_int_equal(obj->nodesetval->nodeNr, 5);
	for (int i = 0; i < 5; i++)
		assert_string_equal((const char *)
		    obj->nodesetval->nodeTab[i]->children->content, order[i]);
	xmlXPathFreeObject(obj);
	obj = xmlXPathEvalExpression(BAD_CAST
	    "string(/p:pcc-return/@area)", ctx);
	/* The canonical spelling, whatever --area said. */
	assert_string_equal((const char *)obj->stringval, "Cleveland");
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(ctx);
}

/*
 * The pseudonymised form: PSEUDO_CLIENT is the client, PSEUDO_EPISODE
 * breaks ties within an agency (byte order of the hex digits).
 */
static void
test_pcc_pseudonymised(void **state)
{
	struct fixture *f = *state;
	static const char who[] = "00112233445566778899aabbccddeeff";

	begin(f, 1);
	client(f, "N0001", who, HARTLEPOOL);
	episode(f, "a0000000000000000000000000000000", "2026-07-01", "8",
	    "7000", NULL);
	intervention(f, "95", "2026-07-01", NULL, NULL);
	end_episode(f);
	close_client(f);
	client(f, "N0001", who, STOCKTON);
	episode(f, "9fffffffffffffffffffffffffffffff", "2026-07-01", "8",
	    "5000", NULL);
	intervention(f, "95", "2026-07-01", NULL, NULL);
	end_episode(f);
	close_client(f);
	assert_int_equal(run(f, "Cleveland", 1), 0);

	assert_string_equal(value(f, "cj_in_treatment", HARTLEPOOL,
	    "non_opiate_and_alcohol"), "1");
	assert_string_equal(value(f, "cj_in_treatment", "TOTAL", "total"),
	    "1");
}

/* Failures: no area or an unknown one (64), no period (64), a date that
 * is not one (65: the file was not validated). */
static void
test_pcc_failures(void **state)
{
	struct fixture *f = *state;

	begin(f, 0);
	assert_int_equal(run(f, NULL, 1), -1);
	assert_int_equal(f->err.code, NDX_EX_USAGE);
	begin(f, 0);
	assert_int_equal(run(f, "Atlantis", 1), -1);
	assert_int_equal(f->err.code, NDX_EX_USAGE);
	begin(f, 0);
	assert_int_equal(run(f, "Cleveland", 0), -1);
	assert_int_equal(f->err.code, NDX_EX_USAGE);
	begin(f, 0);
	client(f, "N0001", "AA 1980-01-01", HARTLEPOOL);
	episode(f, "E1", "2026-02-31", "4", "1011", NULL);
	end_episode(f);
	close_client(f);
	assert_int_equal(run(f, "Cleveland", 1), -1);
	assert_int_equal(f->err.code, NDX_EX_DATAERR);
	assert_non_null(strstr(f->err.msg, "ndx-validate"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcc_client_la_tie_breaks),
		cmocka_unit_test(test_pcc_continuity_earliest_start),
		cmocka_unit_test(test_pcc_hat_clients_by_la),
		cmocka_unit_test(test_pcc_outside_area_dropped),
		cmocka_unit_test(test_pcc_pseudonymised),
		cmocka_unit_test(test_pcc_failures),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
