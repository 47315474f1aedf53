/*
 * Unit tests for lib/config.c: ndx-run's key = value file, its defaults,
 * and every way a file is refused (78 with the line).
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

#include "ndx/config.h"
#include "ndx/ndx.h"

static char path[] = "/tmp/ndx-test-config.XXXXXX";

static int
setup(void **state)
{
	int fd = mkstemp(path);

	(void)state;
	if (fd == -1)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* Writes text to the test file and reads it back as a configuration. */
static int
read_text(const char *text, struct ndx_config *cfg, struct ndx_error *err)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	memset(err, 0, sizeof(*err));
	return ndx_config_read(path, cfg, err);
}

#define MINIMAL "source = csv:/x.csv\narea = Cleveland\n" \
	"key_file = /k\noutput_root = /out\nagency = A1, B2\n" \
	"passphrase_file = /p\n"

static void
test_config_minimal(void **state)
{
	struct ndx_config cfg;
	struct ndx_error err;

	(void)state;
	assert_int_equal(read_text("# a comment\n\n  " MINIMAL, &cfg, &err),
	    0);
	assert_string_equal(cfg.source, "csv:/x.csv");
	assert_string_equal(cfg.area, "Cleveland");
	assert_string_equal(cfg.key_file, "/k");
	assert_string_equal(cfg.output_root, "/out");
	assert_string_equal(cfg.agency, "A1, B2");
	assert_int_equal(cfg.nagencies, 2);
	assert_string_equal(cfg.agencies[0], "A1");
	assert_string_equal(cfg.agencies[1], "B2");
	assert_string_equal(cfg.passphrase_file, "/p");
	assert_null(cfg.as_of);
	assert_int_equal(cfg.products, NDX_PRODUCT_ALL);
	/* The three default recipients, each under the passphrase. */
	assert_int_equal(cfg.sections, 0);
	assert_int_equal(cfg.nrecipients, 3);
	assert_string_equal(cfg.recipients[0].name, "ndtms");
	assert_int_equal(cfg.recipients[0].products,
	    NDX_PRODUCT_COMMISSIONER);
	assert_null(cfg.recipients[0].key_file);
	assert_string_equal(cfg.recipients[1].name, "public-health");
	assert_int_equal(cfg.recipients[1].products,
	    NDX_PRODUCT_PUBLIC_HEALTH);
	assert_string_equal(cfg.recipients[1].key_file, "/k");
	assert_string_equal(cfg.recipients[2].name, "pcc");
	assert_int_equal(cfg.recipients[2].products, NDX_PRODUCT_PCC_RETURN);
	assert_string_equal(cfg.recipients[2].passphrase_file, "/p");
	/* A default recipient's lines are the top level's. */
	assert_int_equal(cfg.recipients[1].key_file_line, 5);
	assert_int_equal(cfg.recipients[2].passphrase_file_line, 8);
	ndx_config_free(&cfg);
	/* A user without a password is no secret. */
	assert_int_equal(read_text("source = postgresql://ndx@h:5432/db\n"
	    "area = Kent\noutput_root = /o\nagency = A\n"
	    "products = pcc-return\n", &cfg, &err), 0);
	ndx_config_free(&cfg);
}

static void
test_config_all_keys(void **state)
{
	struct ndx_config cfg;
	struct ndx_error err;

	(void)state;
	assert_int_equal(read_text(MINIMAL "signing_key = "
	    "0123456789ABCDEF0123456789ABCDEF01234567\ngroup = ndx\n"
	    "as_of = 2026-11-01\t\n"
	    "disclosure = round5\n"
	    "products = pcc-return , commissioner\n", &cfg, &err), 0);
	assert_string_equal(cfg.group, "ndx");
	assert_string_equal(cfg.signing_key,
	    "0123456789ABCDEF0123456789ABCDEF01234567");
	assert_int_equal(cfg.nrecipients, 2);
	assert_string_equal(cfg.recipients[0].name, "ndtms");
	assert_string_equal(cfg.recipients[1].name, "pcc");
	assert_string_equal(cfg.as_of, "2026-11-01");
	assert_string_equal(cfg.disclosure, "round5");
	assert_int_equal(cfg.products,
	    NDX_PRODUCT_PCC_RETURN | NDX_PRODUCT_COMMISSIONER);
	ndx_config_free(&cfg);
}

static void
test_config_value_keeps_inner_blanks(void **state)
{
	struct ndx_config cfg;
	struct ndx_error err;

	(void)state;
	assert_int_equal(read_text("source = csv:/x.csv\n"
	    "area = Avon and Somerset  \noutput_root = /out\n"
	    "agency = A1\nproducts = pcc-return\n", &cfg, &err), 0);
	assert_string_equal(cfg.area, "Avon and Somerset");
	/* No public-health: no key file; aggregates: no passphrase. */
	assert_null(cfg.key_file);
	assert_int_equal(cfg.nrecipients, 1);
	assert_null(cfg.recipients[0].passphrase_file);
	ndx_config_free(&cfg);
}

/* Each text is refused with code at line. */
static void
refused(const char *text, int code, long line, const char *msg)
{
	struct ndx_config cfg;
	struct ndx_error err;

	assert_int_equal(read_text(text, &cfg, &err), code);
	assert_int_equal(err.code, code);
	assert_int_equal(err.line, line);
	assert_non_null(strstr(err.msg, msg));
	assert_null(cfg.source);
}

static void
test_config_refused(void **state)
{
	(void)state;
	refused(MINIMAL "colour = blue\n", NDX_EX_CONFIG, 7,
	    "unknown key 'colour'");
	refused(MINIMAL "disclosure =\n", NDX_EX_CONFIG, 7, "empty value");
	refused(MINIMAL "area = Kent\n", NDX_EX_CONFIG, 7, "given twice");
	refused("\n" MINIMAL "no equals\n", NDX_EX_CONFIG, 8,
	    "key = value");
	refused(MINIMAL "products = commissioner, frob\n", NDX_EX_CONFIG,
	    7, "'frob'");
	refused(MINIMAL "products = ,\n", NDX_EX_CONFIG, 7, "products");
	refused(MINIMAL "as_of = 01/11/2026\n", NDX_EX_CONFIG, 7,
	    "YYYY-MM-DD");
	refused(MINIMAL "signing_key = ABCD\n", NDX_EX_CONFIG, 7,
	    "full fingerprint");
	refused(MINIMAL "disclosure = some\n", NDX_EX_CONFIG, 7,
	    "not one of suppress, round5, nhs, none");
	refused("source = csv:/x\narea = Kent\nagency = A\n",
	    NDX_EX_CONFIG, 0, "'output_root'");
	refused("source = csv:/x\narea = Kent\noutput_root = /o\n",
	    NDX_EX_CONFIG, 0, "'agency'");
	refused("source = csv:/x\narea = Kent\noutput_root = /o\n"
	    "agency = A,,B\n", NDX_EX_CONFIG, 4, "empty code");
	refused("source = csv:/x\narea = Kent\noutput_root = /o\n"
	    "agency = A\n", NDX_EX_CONFIG, 0, "'key_file'");
	refused("source = postgresql://u:secret@h/db\n", NDX_EX_CONFIG, 1,
	    "holds a password");
	refused("\nsource = postgresql://h/db?sslmode=require&password=x\n",
	    NDX_EX_CONFIG, 2, "holds a password");
	refused("source = host=h dbname=d sslpassword=x\n", NDX_EX_CONFIG, 1,
	    "holds a password");
	/* Identifiable data for a default recipient needs a passphrase. */
	refused("source = csv:/x\narea = Kent\noutput_root = /o\n"
	    "agency = A\nproducts = commissioner\n", NDX_EX_CONFIG, 5,
	    "add passphrase_file or [recipient] sections");
}

#define TOP "source = csv:/x.csv\narea = Cleveland\n" \
	"output_root = /out\nagency = A1\n"
#define FPR1 "0123456789ABCDEF0123456789ABCDEF01234567"
#define FPR2 "89ABCDEF0123456789ABCDEF0123456789ABCDEF"

static void
test_config_sections(void **state)
{
	struct ndx_config cfg;
	struct ndx_error err;

	(void)state;
	assert_int_equal(read_text(TOP "[recipient ph-1]\n"
	    "products = public-health\nkey_file = /k1\nmin_k = 5\n"
	    "openpgp = " FPR1 ", " FPR2 "\nformat = tar.gz\n"
	    "[recipient ndtms]\nproducts = commissioner, pcc-return\n"
	    "passphrase_file = /p\n"
	    "[recipient pcc]\nproducts = pcc-return\n", &cfg, &err), 0);
	assert_int_equal(cfg.sections, 1);
	assert_int_equal(cfg.nrecipients, 3);
	assert_string_equal(cfg.recipients[0].name, "ph-1");
	assert_int_equal(cfg.recipients[0].line, 5);
	/* The lines --check names. */
	assert_int_equal(cfg.recipients[0].key_file_line, 7);
	assert_int_equal(cfg.recipients[0].openpgp_line, 9);
	assert_int_equal(cfg.recipients[0].format_line, 10);
	assert_int_equal(cfg.recipients[1].passphrase_file_line, 13);
	assert_int_equal(cfg.area_line, 2);
	assert_int_equal(cfg.output_root_line, 3);
	assert_int_equal(cfg.agency_line, 4);
	assert_int_equal(cfg.source_line, 1);
	assert_string_equal(cfg.recipients[0].key_file, "/k1");
	assert_int_equal(cfg.recipients[0].min_k, 5);
	assert_int_equal(cfg.recipients[0].nopenpgp, 2);
	assert_string_equal(cfg.recipients[0].openpgp[1], FPR2);
	assert_int_equal(cfg.recipients[0].format, NDX_FORMAT_TAR_GZ);
	assert_null(cfg.recipients[0].passphrase_file);
	assert_int_equal(cfg.recipients[1].products,
	    NDX_PRODUCT_COMMISSIONER | NDX_PRODUCT_PCC_RETURN);
	assert_int_equal(cfg.recipients[1].format, NDX_FORMAT_ZIP);
	assert_string_equal(cfg.recipients[1].passphrase_file, "/p");
	/* An aggregate-only recipient may go unprotected. */
	assert_int_equal(cfg.recipients[2].products, NDX_PRODUCT_PCC_RETURN);
	assert_int_equal(cfg.recipients[2].nopenpgp, 0);
	/* The provider's validation report is always made. */
	assert_int_equal(cfg.products, NDX_PRODUCT_ALL);
	ndx_config_free(&cfg);
}

static void
test_config_sections_refused(void **state)
{
	(void)state;
	refused(TOP "[recipient a]\nproducts = pcc-return\ncolour = x\n",
	    NDX_EX_CONFIG, 7, "unknown key 'colour' in [recipient a]");
	refused(TOP "[recipient a]\nproducts = commissioner, "
	    "public-health\n", NDX_EX_CONFIG, 6, "both");
	refused(TOP "[recipient a]\nproducts = validation-report\n",
	    NDX_EX_CONFIG, 6, "never leaves");
	refused(TOP "[recipient a]\nproducts = public-health\n"
	    "passphrase_file = /p\n", NDX_EX_CONFIG, 5, "needs key_file");
	refused(TOP "[recipient a]\nproducts = commissioner\n"
	    "passphrase_file = /p\nopenpgp = " FPR1 "\n", NDX_EX_CONFIG,
	    5, "passphrase_file and openpgp");
	refused(TOP "[recipient a]\nproducts = commissioner\n",
	    NDX_EX_CONFIG, 5, "needs passphrase_file or openpgp");
	refused(TOP "[recipient a]\nproducts = commissioner\n"
	    "openpgp = 0123\n", NDX_EX_CONFIG, 7, "'0123'");
	refused(TOP "[recipient a]\nproducts = commissioner\n"
	    "openpgp = " FPR1 "," FPR1 "\n", NDX_EX_CONFIG, 7,
	    "given twice");
	refused(TOP "[recipient a]\nproducts = pcc-return\n"
	    "[recipient a]\nproducts = pcc-return\n", NDX_EX_CONFIG, 7,
	    "recipient 'a' given twice");
	refused(TOP "[recipient a]\nproducts = pcc-return\n"
	    "products = pcc-return\n", NDX_EX_CONFIG, 7, "given twice");
	refused(TOP "[recipient A]\n", NDX_EX_CONFIG, 5, "[a-z0-9]");
	refused(TOP "[recipient -a]\n", NDX_EX_CONFIG, 5, "[a-z0-9]");
	refused(TOP "[group x]\n", NDX_EX_CONFIG, 5, "[recipient NAME]");
	refused(TOP "[recipient a]\n", NDX_EX_CONFIG, 5,
	    "missing key 'products'");
	refused(TOP "[recipient a]\nproducts = pcc-return\nmin_k = 3\n",
	    NDX_EX_CONFIG, 5, "min_k only with public-health");
	refused(TOP "[recipient a]\nproducts = public-health\n"
	    "key_file = /k\npassphrase_file = /p\nmin_k = 0\n",
	    NDX_EX_CONFIG, 9, "integer from 1");
	refused(TOP "[recipient a]\nproducts = pcc-return\n"
	    "format = rar\n", NDX_EX_CONFIG, 7, "zip or tar.gz");
	refused(TOP "[recipient provider]\nproducts = pcc-return\n",
	    NDX_EX_CONFIG, 5, "the provider's own folder");
	refused(TOP "[recipient a]\nproducts = commissioner\n"
	    "passphrase_file = /p\nformat = tar.gz\n", NDX_EX_CONFIG, 8,
	    "a passphrase encrypts only zip archives");
	refused(TOP "key_file = /k\n[recipient a]\nproducts = pcc-return\n",
	    NDX_EX_CONFIG, 5, "each section names its own");
	refused(TOP "passphrase_file = /p\n[recipient a]\n"
	    "products = pcc-return\n", NDX_EX_CONFIG, 5,
	    "passphrase_file: with [recipient] sections");
	/* A top-level products line with sections is refused at its line. */
	refused(TOP "products = pcc-return\n[recipient a]\n"
	    "products = pcc-return\n", NDX_EX_CONFIG, 5,
	    "each section names its products");
}

static void
test_config_missing_file(void **state)
{
	struct ndx_config cfg;
	struct ndx_error err;

	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(ndx_config_read("/nonexistent/ndx.conf", &cfg,
	    &err), NDX_EX_NOINPUT);
}

/* The shipped example is a valid configuration. */
static void
test_config_example(void **state)
{
	struct ndx_config cfg;
	struct ndx_error err;
	const char *src = getenv("NDX_SRCDIR");
	char file[4096];

	(void)state;
	if (src == NULL)
		skip();
	snprintf(file, sizeof(file), "%s/examples/ndx.conf", src);
	memset(&err, 0, sizeof(err));
	assert_int_equal(ndx_config_read(file, &cfg, &err), 0);
	assert_string_equal(cfg.area, "Cleveland");
	assert_int_equal(cfg.products, NDX_PRODUCT_ALL);
	ndx_config_free(&cfg);
}

static void
test_config_scheme(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(ndx_config_scheme("csv:/a.csv", buf,
	    sizeof(buf)), "csv");
	assert_string_equal(ndx_config_scheme(
	    "postgres://u:secret@h/db", buf, sizeof(buf)), "postgresql");
	assert_string_equal(ndx_config_scheme("noscheme", buf, sizeof(buf)),
	    "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_minimal),
		cmocka_unit_test(test_config_all_keys),
		cmocka_unit_test(test_config_value_keeps_inner_blanks),
		cmocka_unit_test(test_config_refused),
		cmocka_unit_test(test_config_sections),
		cmocka_unit_test(test_config_sections_refused),
		cmocka_unit_test(test_config_missing_file),
		cmocka_unit_test(test_config_example),
		cmocka_unit_test(test_config_scheme),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
