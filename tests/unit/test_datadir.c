/*
 * Unit tests for lib/datadir.c: NDX_DATADIR is a search path, the first
 * directory holding the file wins, empty entries are skipped, and a file
 * in none of them is not found (the program's own directories are not
 * looked at once NDX_DATADIR is set).
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

#include "ndx/datadir.h"

static void
test_datadir_search_path(void **state)
{
	char dir[] = "/tmp/test_datadir.XXXXXX", env[4096], file[256];
	const char *src = getenv("NDX_SRCDIR");
	char *p;
	FILE *fp;

	(void)state;
	assert_non_null(src);
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/rules.csv", dir);
	assert_non_null(fp = fopen(file, "w"));
	fclose(fp);

	snprintf(env, sizeof(env), "/nonexistent::%s/schemas:%s", src, dir);
	setenv("NDX_DATADIR", env, 1);
	/* Found in the second directory listed. */
	assert_non_null(p = ndx_datafile("episodes.xsd"));
	assert_non_null(strstr(p, "/schemas/episodes.xsd"));
	free(p);
	/* In both: the first listed wins. */
	assert_non_null(p = ndx_datafile("rules.csv"));
	assert_non_null(strstr(p, "/schemas/rules.csv"));
	free(p);
	snprintf(env, sizeof(env), "%s:%s/schemas", dir, src);
	setenv("NDX_DATADIR", env, 1);
	assert_non_null(p = ndx_datafile("rules.csv"));
	assert_string_equal(p, file);
	free(p);
	/* In none, not even beside the program. */
	assert_null(ndx_datafile("no-such-file.xsd"));
	setenv("NDX_DATADIR", dir, 1);
	assert_null(ndx_datafile("episodes.xsd"));

	unlink(file);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_datadir_search_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
