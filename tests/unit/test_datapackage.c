/*
 * Unit tests for lib/datapackage.c: the descriptor of a small CSV is
 * exactly the expected JSON (types, date format, code lists with their
 * meanings from the XSD, provenance, escaping); a generalised extract's
 * ETHNIC is described by its broad groups; a column ndx does not know, a
 * missing or empty file and a write error are refused with their exit
 * codes.
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

#include "ndx/datapackage.h"
#include "ndx/dataset.h"
#include "ndx/manifest.h"
#include "ndx/ndx.h"
#include "ndx/provenance.h"

#define D64 "b3d5dd9ecf596249d91752db1c4aa151b125ed24993aff0ab4fe001033494072"

static struct ndx_dataset *ds;
static char csv[] = "/tmp/test_datapackage.XXXXXX";

static void
put_csv(const char *text)
{
	FILE *fp = fopen(csv, "w");

	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

/* The descriptor of csv (as entry name) as text, malloc()ed; rc in *rc. */
static char *
describe(const struct ndx_provenance *prov, const char *name,
    struct ndx_error *err, int *rc)
{
	struct ndx_manifest_file mf = { (char *)name, 12, 2, D64 };
	const char *paths[] = { csv };
	char *text = NULL;
	size_t len;
	FILE *fp = open_memstream(&text, &len);

	assert_non_null(fp);
	memset(err, 0, sizeof(*err));
	*rc = ndx_datapackage_write(fp, ds, prov, paths, &mf, 1, err);
	assert_int_equal(fclose(fp), 0);
	return text;
}

static void
test_datapackage_exact(void **state)
{
	static const char want[] =
	    "{\n"
	    "  \"profile\": \"tabular-data-package\",\n"
	    "  \"name\": \"ndx-n0852-2026q2-ph-x\",\n"
	    "  \"title\": \"ndx treatment data: the data dictionary of the "
	    "archive's CSV files\",\n"
	    "  \"description\": \"Built by ndx-pack from the dataset's XSD "
	    "(episodes.xsd): each column's type, and each code with its "
	    "meaning.  The provenance is the archive MANIFEST's.\",\n"
	    "  \"ndx_version\": \"0.1.0\",\n"
	    "  \"dataset_version\": \"1\",\n"
	    "  \"xsd_sha256\": \"" D64 "\",\n"
	    "  \"period\": \"2026Q2\",\n"
	    "  \"start\": \"2026-07-01\",\n"
	    "  \"end\": \"2026-09-30\",\n"
	    "  \"agency\": [\n"
	    "    \"N0852\",\n"
	    "    \"N0853\"\n"
	    "  ],\n"
	    "  \"area\": \"Say \\\"Hi\\\" \\\\ there\",\n"
	    "  \"recipient\": \"ph x\",\n"
	    "  \"consent_excluded\": 0,\n"
	    "  \"resources\": [\n"
	    "    {\n"
	    "      \"name\": \"x\",\n"
	    "      \"path\": \"X.csv\",\n"
	    "      \"profile\": \"tabular-data-resource\",\n"
	    "      \"format\": \"csv\",\n"
	    "      \"mediatype\": \"text/csv\",\n"
	    "      \"encoding\": \"utf-8\",\n"
	    "      \"bytes\": 12,\n"
	    "      \"hash\": \"sha256:" D64 "\",\n"
	    "      \"rows\": 2,\n"
	    "      \"dialect\": {\n"
	    "        \"delimiter\": \",\",\n"
	    "        \"quoteChar\": \"\\\"\",\n"
	    "        \"doubleQuote\": true,\n"
	    "        \"header\": true,\n"
	    "        \"lineTerminator\": \"\\n\"\n"
	    "      },\n"
	    "      \"schema\": {\n"
	    "        \"fields\": [\n"
	    "          {\n"
	    "            \"name\": \"SEX\",\n"
	    "            \"title\": \"sex\",\n"
	    "            \"type\": \"string\",\n"
	    "            \"description\": \"sex. Codes: M = male; F = female; "
	    "X = indeterminate; Z = not stated.\",\n"
	    "            \"constraints\": {\n"
	    "              \"enum\": [\n"
	    "                \"M\",\n"
	    "                \"F\",\n"
	    "                \"X\",\n"
	    "                \"Z\"\n"
	    "              ]\n"
	    "            },\n"
	    "            \"categories\": [\n"
	    "              {\n"
	    "                \"value\": \"M\",\n"
	    "                \"label\": \"male\"\n"
	    "              },\n"
	    "              {\n"
	    "                \"value\": \"F\",\n"
	    "                \"label\": \"female\"\n"
	    "              },\n"
	    "              {\n"
	    "                \"value\": \"X\",\n"
	    "                \"label\": \"indeterminate\"\n"
	    "              },\n"
	    "              {\n"
	    "                \"value\": \"Z\",\n"
	    "                \"label\": \"not stated\"\n"
	    "              }\n"
	    "            ]\n"
	    "          },\n"
	    "          {\n"
	    "            \"name\": \"DISD\",\n"
	    "            \"title\": \"discharge date\",\n"
	    "            \"type\": \"date\",\n"
	    "            \"format\": \"%d/%m/%Y\",\n"
	    "            \"description\": \"discharge date, DD/MM/YYYY\"\n"
	    "          },\n"
	    "          {\n"
	    "            \"name\": \"PC\",\n"
	    "            \"title\": \"postcode (ZZ99 3VZ: no fixed abode)\",\n"
	    "            \"type\": \"string\",\n"
	    "            \"description\": \"postcode (ZZ99 3VZ: no fixed "
	    "abode); must be a UK postcode in capitals with one space, "
	    "such as TS1 3QY (ZZ99 3VZ for no fixed abode)\",\n"
	    "            \"constraints\": {\n"
	    "              \"pattern\": \"(([A-Z][A-Z]?[0-9][A-Z0-9]? "
	    "[0-9][A-Z][A-Z])|(GIR 0AA))\"\n"
	    "            }\n"
	    "          }\n"
	    "        ],\n"
	    "        \"missingValues\": [\n"
	    "          \"\"\n"
	    "        ]\n"
	    "      }\n"
	    "    }\n"
	    "  ]\n"
	    "}\n";
	struct ndx_provenance prov = {
		"0.1.0", "1", D64, "2026Q2", "2026-07-01", "2026-09-30",
		NULL, "N0852, N0853", "Say \"Hi\" \\ there", "ph x", "-", 0,
		NULL, 0, NULL
	};
	struct ndx_error err;
	char *text;
	int rc;

	(void)state;
	put_csv("SEX,DISD,PC\n\"M\",\"\",\"\"\n");
	text = describe(&prov, "X.csv", &err, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(text, want);
	free(text);
}

/* With min_k, ETHNIC is its broad group and the blanked items say so. */
static void
test_datapackage_generalised(void **state)
{
	static const struct ndx_risk risk[] = {
		{ "public-health.csv", 10, 1, 9, 5, 5, 0, 2 },
	};
	struct ndx_provenance prov = { .consent_excluded = -1, .risk = risk,
	    .nrisk = 1 };
	struct ndx_error err;
	char *text;
	int rc;

	(void)state;
	put_csv("ETHNIC,AGE_AT_TRIAGE,AGE_BAND\n");
	text = describe(&prov, "public-health.csv", &err, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(text, "\"name\": \"ndx\""));
	assert_non_null(strstr(text, "WH = White (A, B, C)"));
	assert_non_null(strstr(text, "\"value\": \"OT\""));
	assert_null(strstr(text, "White British"));
	assert_non_null(strstr(text, "always empty in this generalised"));
	assert_non_null(strstr(text, "\"min_k\": 5"));
	assert_non_null(strstr(text, "\"suppressed\": 2"));
	assert_null(strstr(text, "consent_excluded"));
	free(text);

	/* The same file under another name is not the generalised one. */
	text = describe(&prov, "other.csv", &err, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(text, "A = White British"));
	assert_null(strstr(text, "disclosure_risk"));
	free(text);
}

static void
test_datapackage_pcc(void **state)
{
	struct ndx_provenance prov = { .consent_excluded = -1 };
	struct ndx_error err;
	char *text;
	int rc;

	(void)state;
	put_csv("period,area_code,area_name,measure,breakdown,value\n");
	text = describe(&prov, "pcc-return.csv", &err, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(text, "\"name\": \"pcc-return\""));
	assert_non_null(strstr(text,
	    "\"pattern\": \"(E(0[6-9]|10)[0-9]{6}|TOTAL)\""));
	free(text);
}

static void
test_datapackage_refusals(void **state)
{
	struct ndx_provenance prov = { .consent_excluded = -1 };
	struct ndx_manifest_file mf = { (char *)"X.csv", 1, 0, D64 };
	const char *paths[] = { csv };
	struct ndx_error err;
	char *text;
	FILE *full;
	int rc;

	(void)state;
	put_csv("SEX,NOTE\n");
	free(describe(&prov, "X.csv", &err, &rc));
	assert_int_equal(rc, NDX_EX_DATAERR);
	assert_int_equal(err.line, 1);
	assert_non_null(strstr(err.msg, "column 2, 'NOTE', is neither"));

	put_csv("SEX,value\n");
	free(describe(&prov, "X.csv", &err, &rc));
	assert_int_equal(rc, NDX_EX_DATAERR);
	assert_non_null(strstr(err.msg, "in one header"));

	put_csv("");
	free(describe(&prov, "X.csv", &err, &rc));
	assert_int_equal(rc, NDX_EX_DATAERR);
	assert_non_null(strstr(err.msg, "no header"));

	put_csv("SEX\n");
	assert_non_null(full = fopen("/dev/full", "w"));
	/* Unbuffered, so that the first write fails. */
	assert_int_equal(setvbuf(full, NULL, _IONBF, 0), 0);
	rc = ndx_datapackage_write(full, ds, &prov, paths, &mf, 1, &err);
	fclose(full);
	assert_int_equal(rc, NDX_EX_IOERR);

	unlink(csv);
	text = describe(&prov, "X.csv", &err, &rc);
	free(text);
	assert_int_equal(rc, NDX_EX_NOINPUT);
	assert_string_equal(err.file, csv);
}

static int
setup(void **state)
{
	struct ndx_error err;
	int fd;

	(void)state;
	if ((fd = mkstemp(csv)) < 0)
		return -1;
	close(fd);
	return (ds = ndx_dataset_load(&err)) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(csv);
	ndx_dataset_free(ds);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_datapackage_exact),
		cmocka_unit_test(test_datapackage_generalised),
		cmocka_unit_test(test_datapackage_pcc),
		cmocka_unit_test(test_datapackage_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
