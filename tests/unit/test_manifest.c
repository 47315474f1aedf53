/*
 * Unit tests for lib/manifest.c, version 2: ndx_manifest_write() gives
 * the lines of exchange.md section 4 in order, "-" for what is not given,
 * and refuses values that would break a line; ndx_manifest_parse() reads
 * back what it writes and refuses a version 2 header out of order or
 * malformed, and more file lines than NDX_MANIFEST_FILES_MAX.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ndx/manifest.h"
#include "ndx/ndx.h"
#include "ndx/provenance.h"

#define D64 "b3d5dd9ecf596249d91752db1c4aa151b125ed24993aff0ab4fe001033494072"

/* The manifest of prov and files as text, malloc()ed; rc in *rc. */
static char *
write_text(const struct ndx_provenance *prov,
    const struct ndx_manifest_file *f, size_t n, int *rc)
{
	struct ndx_error err;
	char *text = NULL;
	size_t len;
	FILE *fp = open_memstream(&text, &len);

	assert_non_null(fp);
	*rc = ndx_manifest_write(fp, prov, f, n, &err);
	assert_int_equal(fclose(fp), 0);
	return text;
}

static void
test_manifest_write_full(void **state)
{
	static const struct ndx_risk risk[] = {
		{ "public-health.csv", 2466, 1, 2370, 0, 0, 0, 0 },
		{ "g.csv", 10, 2, 3, 5, 5, 0, 4 },
	};
	struct ndx_provenance v = {
		"0.1.0", "1", D64, "2026Q2", "2026-07-01", "2026-09-30",
		"2026-10-05", "N0852,N0853", "Greater Manchester",
		"public-health", "e59ed32368831696", 3, risk, 2, NULL
	};
	struct ndx_manifest_file f[] = {
		{ (char *)"public-health.csv", 16, 2, D64 },
		{ (char *)"datapackage.json", 5, -1, D64 },
	};
	struct ndx_error err;
	struct ndx_manifest *m;
	char *text;
	int rc;

	(void)state;
	text = write_text(&v, f, 2, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(text, "ndx-manifest 2\nndx-version 0.1.0\n"
	    "dataset-version 1\nxsd-sha256 " D64 "\nperiod 2026Q2\n"
	    "start 2026-07-01\nend 2026-09-30\nas-of 2026-10-05\n"
	    "agency N0852,N0853\narea Greater Manchester\n"
	    "recipient public-health\nkey-id e59ed32368831696\n"
	    "consent-excluded 3\n"
	    "risk public-health.csv persons=2466 k_min=1 below_5=2370\n"
	    "risk g.csv persons=10 k_min=2 below_5=3 min_k=5 after_k_min=5 "
	    "after_below_5=0 suppressed=4\n"
	    "file " D64 " 16 2 public-health.csv\n"
	    "file " D64 " 5 - datapackage.json\n");

	m = ndx_manifest_parse(text, strlen(text), "MANIFEST", &err);
	assert_non_null(m);
	assert_int_equal(m->version, 2);
	assert_string_equal(m->period, "2026Q2");
	assert_string_equal(m->start, "2026-07-01");
	assert_string_equal(m->end, "2026-09-30");
	assert_string_equal(m->as_of, "2026-10-05");
	assert_string_equal(m->agency, "N0852,N0853");
	assert_string_equal(m->area, "Greater Manchester");
	assert_string_equal(m->recipient, "public-health");
	assert_string_equal(m->key_id, "e59ed32368831696");
	assert_string_equal(m->consent_excluded, "3");
	assert_int_equal(m->nrisk, 2);
	assert_string_equal(m->risk[0],
	    "public-health.csv persons=2466 k_min=1 below_5=2370");
	assert_int_equal(m->nfile, 2);
	assert_int_equal(m->file[0].rows, 2);
	assert_int_equal(m->file[1].rows, -1);
	ndx_manifest_free(m);
	free(text);
}

static void
test_manifest_write_dashes(void **state)
{
	struct ndx_provenance v = { "0.1.0", "1", D64, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL, -1, NULL, 0, NULL };
	struct ndx_error err;
	struct ndx_manifest *m;
	char *text;
	int rc;

	(void)state;
	text = write_text(&v, NULL, 0, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(text, "ndx-manifest 2\nndx-version 0.1.0\n"
	    "dataset-version 1\nxsd-sha256 " D64 "\nperiod -\nstart -\n"
	    "end -\nas-of -\nagency -\narea -\nrecipient -\nkey-id -\n"
	    "consent-excluded -\n");
	m = ndx_manifest_parse(text, strlen(text), "MANIFEST", &err);
	assert_non_null(m);
	assert_int_equal(m->nfile, 0);
	assert_int_equal(m->nrisk, 0);
	assert_string_equal(m->agency, "-");
	ndx_manifest_free(m);
	free(text);
}

static void
test_manifest_write_refuses(void **state)
{
	struct ndx_provenance v = { "0.1.0", "1", D64, NULL, NULL, NULL,
	    NULL, NULL, "a\nfile x", NULL, NULL, -1, NULL, 0, NULL };
	struct ndx_manifest_file f = { (char *)"../x", 1, -1, D64 };
	char *text;
	int rc;

	(void)state;
	free(write_text(&v, NULL, 0, &rc));
	assert_int_equal(rc, NDX_EX_DATAERR);
	v.area = NULL;
	v.period = "2026 Q2";	/* a word holds no space */
	free(write_text(&v, NULL, 0, &rc));
	assert_int_equal(rc, NDX_EX_DATAERR);
	v.period = NULL;
	text = write_text(&v, &f, 1, &rc);
	assert_int_equal(rc, NDX_EX_DATAERR);
	free(text);
}

#define V2 "ndx-manifest 2\nndx-version 0.1.0\ndataset-version 1\n" \
	"xsd-sha256 " D64 "\nperiod 2026Q2\nstart 2026-07-01\n" \
	"end 2026-09-30\nas-of -\nagency N0852\narea -\nrecipient -\n" \
	"key-id -\nconsent-excluded -\n"

static void
test_manifest_parse_v2_refuses(void **state)
{
	static const char *const bad[] = {
		/* period before xsd-sha256 is version 1's order */
		"ndx-manifest 2\nndx-version 0.1.0\ndataset-version 1\n"
		    "period 2026Q2\nxsd-sha256 " D64 "\n",
		/* header cut short */
		"ndx-manifest 2\nndx-version 0.1.0\ndataset-version 1\n"
		    "xsd-sha256 " D64 "\nperiod 2026Q2\n",
		/* a start that is no date */
		"ndx-manifest 2\nndx-version 0.1.0\ndataset-version 1\n"
		    "xsd-sha256 " D64 "\nperiod 2026Q2\nstart 2026-7-1\n",
		/* a risk line after a file line */
		V2 "file " D64 " 1 - a.xml\nrisk a.csv persons=1\n",
		/* consent-excluded not a count */
		"ndx-manifest 2\nndx-version 0.1.0\ndataset-version 1\n"
		    "xsd-sha256 " D64 "\nperiod -\nstart -\nend -\nas-of -\n"
		    "agency -\narea -\nrecipient -\nkey-id -\n"
		    "consent-excluded -3\n",
		"ndx-manifest 3\n",
	};
	struct ndx_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(ndx_manifest_parse(bad[i], strlen(bad[i]),
		    "MANIFEST", &err));
		assert_int_equal(err.code, NDX_EX_DATAERR);
	}
}

static void
test_manifest_parse_files_max(void **state)
{
	size_t cap = strlen(V2) + (NDX_MANIFEST_FILES_MAX + 1) * 90;
	char *buf = malloc(cap), *p;
	struct ndx_error err;
	struct ndx_manifest *m;

	(void)state;
	assert_non_null(buf);
	p = buf + sprintf(buf, "%s", V2);
	for (int i = 0; i < NDX_MANIFEST_FILES_MAX; i++)
		p += sprintf(p, "file %s 0 - f%05d\n", D64, i);
	m = ndx_manifest_parse(buf, (size_t)(p - buf), "MANIFEST", &err);
	assert_non_null(m);
	assert_int_equal(m->nfile, NDX_MANIFEST_FILES_MAX);
	ndx_manifest_free(m);
	p += sprintf(p, "file %s 0 - g\n", D64);
	assert_null(ndx_manifest_parse(buf, (size_t)(p - buf), "MANIFEST",
	    &err));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest_write_full),
		cmocka_unit_test(test_manifest_write_dashes),
		cmocka_unit_test(test_manifest_write_refuses),
		cmocka_unit_test(test_manifest_parse_v2_refuses),
		cmocka_unit_test(test_manifest_parse_files_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
