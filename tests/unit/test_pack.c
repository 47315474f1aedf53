/*
 * Unit tests for lib/manifest.c: the MANIFEST parser takes what ndx-pack
 * writes and refuses anything else (order, digests, numbers, names), and
 * ndx_entry_refusal() refuses every entry that could leave the directory
 * it is unpacked into or is not a plain regular file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "ndx/manifest.h"
#include "ndx/ndx.h"

#define D64 "b3d5dd9ecf596249d91752db1c4aa151b125ed24993aff0ab4fe001033494072"
#define HEAD "ndx-manifest 1\nndx-version 0.1.0\ndataset-version 1\n" \
	"period 2026-10\nxsd-sha256 " D64 "\n"

static struct ndx_manifest *
parse(const char *s, struct ndx_error *err)
{
	return ndx_manifest_parse(s, strlen(s), "MANIFEST", err);
}

static void
test_pack_manifest_ok(void **state)
{
	struct ndx_error err;
	struct ndx_manifest *m;

	(void)state;
	m = parse(HEAD "file " D64 " 16 2 data.csv\n"
	    "file " D64 " 0 - a b.xml\n", &err);
	assert_non_null(m);
	assert_string_equal(m->period, "2026-10");
	assert_string_equal(m->dataset_version, "1");
	assert_int_equal(m->nfile, 2);
	assert_string_equal(m->file[0].name, "data.csv");
	assert_int_equal(m->file[0].bytes, 16);
	assert_int_equal(m->file[0].rows, 2);
	assert_string_equal(m->file[1].name, "a b.xml");
	assert_int_equal(m->file[1].rows, -1);
	assert_ptr_equal(ndx_manifest_find(m, "a b.xml"), &m->file[1]);
	assert_null(ndx_manifest_find(m, "nonesuch"));
	ndx_manifest_free(m);

	m = parse(HEAD, &err);		/* no files: allowed */
	assert_non_null(m);
	assert_int_equal(m->nfile, 0);
	ndx_manifest_free(m);
	ndx_manifest_free(NULL);
}

static void
test_pack_manifest_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"ndx-manifest 1\n",
		"ndx-manifest 2\nndx-version 0.1.0\n",
		HEAD "file " D64 " 16 2 data.csv",		/* no LF */
		HEAD "file " D64 " 16 2 ../x\n",
		HEAD "file " D64 " 16 2 a/b\n",
		HEAD "file " D64 " 16 2 MANIFEST\n",
		HEAD "file " D64 " 16 2 x\nfile " D64 " 1 - x\n",
		HEAD "file " D64 " 016 2 x\n",
		HEAD "file " D64 " -1 2 x\n",
		HEAD "file " D64 " 16 two x\n",
		HEAD "file " D64 " 16 2 \n",
		HEAD "file B3D5DD9ECF596249D91752DB1C4AA151B125ED24993AFF0AB4"
		    "FE001033494072 16 2 x\n",
		HEAD "file " D64 "0 16 2 x\n",
		HEAD "period 2026-11\n",
		HEAD "File " D64 " 16 2 x\n",
		"ndx-version 0.1.0\nndx-manifest 1\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ndx_error err;
		struct ndx_manifest *m = parse(bad[i], &err);

		if (m != NULL)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(err.code, NDX_EX_DATAERR);
	}
}

static void
test_pack_manifest_nul(void **state)
{
	static const char s[] = HEAD "file " D64 " 16 2 a\0b\n";
	struct ndx_error err;

	(void)state;
	assert_null(ndx_manifest_parse(s, sizeof(s) - 1, "MANIFEST", &err));
}

static void
test_pack_entry_refusal(void **state)
{
	(void)state;
	assert_null(ndx_entry_refusal("data.csv", S_IFREG, 0));
	assert_null(ndx_entry_refusal("MANIFEST", S_IFREG, 0));
	assert_string_equal(ndx_entry_refusal("/etc/passwd", S_IFREG, 0),
	    "an absolute path");
	assert_string_equal(ndx_entry_refusal("../evil", S_IFREG, 0),
	    "a '..' component");
	assert_string_equal(ndx_entry_refusal("a/../../b", S_IFREG, 0),
	    "a '..' component");
	assert_string_equal(ndx_entry_refusal("a\\..\\b", S_IFREG, 0),
	    "a '..' component");
	assert_string_equal(ndx_entry_refusal("l", S_IFLNK, 0), "a link");
	assert_string_equal(ndx_entry_refusal("h", S_IFREG, 1), "a link");
	assert_string_equal(ndx_entry_refusal("d", S_IFCHR, 0), "a device");
	assert_string_equal(ndx_entry_refusal("d", S_IFBLK, 0), "a device");
	assert_string_equal(ndx_entry_refusal("f", S_IFIFO, 0), "a FIFO");
	assert_string_equal(ndx_entry_refusal("d", S_IFDIR, 0),
	    "not a regular file");
	assert_string_equal(ndx_entry_refusal("a/b", S_IFREG, 0),
	    "not a plain file name");
	assert_string_equal(ndx_entry_refusal("a\nb", S_IFREG, 0),
	    "not a plain file name");
	assert_string_equal(ndx_entry_refusal(".", S_IFREG, 0),
	    "not a plain file name");
	assert_non_null(ndx_entry_refusal("", S_IFREG, 0));
	assert_non_null(ndx_entry_refusal(NULL, S_IFREG, 0));
	assert_true(ndx_entry_name_safe("..x"));
	assert_false(ndx_entry_name_safe(".."));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_manifest_ok),
		cmocka_unit_test(test_pack_manifest_bad),
		cmocka_unit_test(test_pack_manifest_nul),
		cmocka_unit_test(test_pack_entry_refusal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
