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
	"key_file = /k\noutput_root = /out\n"

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
	assert_null(cfg.agency);
	assert_null(cfg.passphrase_file);
	assert_null(cfg.as_of);
	assert_int_equal(cfg.products, NDX_PRODUCT_ALL);
	ndx_config_free(&cfg);
}

static void
test_config_all_keys(void **state)
{
	struct ndx_config cfg;
	struct ndx_error err;

	(void)state;
	assert_int_equal(read_text(MINIMAL "agency = A1\n"
	    "passphrase_file=/p\nas_of = 2026-11-01\t\n"
	    "disclosure = round5\n"
	    "products = pcc-return , commissioner\n", &cfg, &err), 0);
	assert_string_equal(cfg.agency, "A1");
	assert_string_equal(cfg.passphrase_file, "/p");
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
	    "products = commissioner\n", &cfg, &err), 0);
	assert_string_equal(cfg.area, "Avon and Somerset");
	/* No public-health: no key file needed. */
	assert_null(cfg.key_file);
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
	refused(MINIMAL "colour = blue\n", NDX_EX_CONFIG, 5,
	    "unknown key 'colour'");
	refused(MINIMAL "agency =\n", NDX_EX_CONFIG, 5, "empty value");
	refused(MINIMAL "area = Kent\n", NDX_EX_CONFIG, 5, "given twice");
	refused("\n" MINIMAL "no equals\n", NDX_EX_CONFIG, 6,
	    "key = value");
	refused(MINIMAL "products = commissioner, frob\n", NDX_EX_CONFIG,
	    5, "'frob'");
	refused(MINIMAL "products = ,\n", NDX_EX_CONFIG, 5, "products");
	refused(MINIMAL "as_of = 01/11/2026\n", NDX_EX_CONFIG, 5,
	    "YYYY-MM-DD");
	refused("source = csv:/x\narea = Kent\n", NDX_EX_CONFIG, 0,
	    "'output_root'");
	refused("source = csv:/x\narea = Kent\noutput_root = /o\n",
	    NDX_EX_CONFIG, 0, "'key_file'");
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
		cmocka_unit_test(test_config_missing_file),
		cmocka_unit_test(test_config_example),
		cmocka_unit_test(test_config_scheme),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
