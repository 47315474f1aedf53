/*
 * The programs' entry points called in-process, several times in one
 * process, as tests and fuzzers call them: validate_main(), pack_main()
 * and transform_main() return their exit code, whatever happens (a bad
 * option, --help, --version, input that is not there or stops halfway,
 * a real run), and a second call behaves as the first did.  Nothing
 * below a program's main exits (include/ndx/ndx.h): an exit would end
 * this test program with the first call.
 *
 * Each call's standard output and error go to files in a temporary
 * directory, made by the group setup with a tiny valid episodes file
 * and one cut short.
 */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ndx/ndx.h"
#include "../../pack/pack_main.h"
#include "../../transform/transform.h"
#include "../../validate/validate_main.h"

/* One client of tests/data/transform/episodes.xml: valid, 2 rows. */
static const char tiny_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<episodes dataset=\"1\" asof=\"2026-11-05\" period=\"2026-10\" "
    "start=\"2026-04-01\" end=\"2026-10-31\" source=\"csv\" "
    "xmlns=\"urn:ndx:episodes:1\">\n"
    "  <client>\n"
    "    <AGNCY>N0852</AGNCY>\n"
    "    <CLIENTID>C1</CLIENTID>\n"
    "    <FINITIAL>J</FINITIAL>\n"
    "    <SINITIAL>S</SINITIAL>\n"
    "    <DOB>1980-03-07</DOB>\n"
    "    <SEX>M</SEX>\n"
    "    <ETHNIC>A</ETHNIC>\n"
    "    <NATION>GBR</NATION>\n"
    "    <LA>E06000002</LA>\n"
    "    <PC>TS1 3QY</PC>\n"
    "    <CONSENT>Y</CONSENT>\n"
    "    <episode>\n"
    "      <EPISODID>EP-1</EPISODID>\n"
    "      <REFLD>2026-07-01</REFLD>\n"
    "      <TRIAGED>2026-07-03</TRIAGED>\n"
    "      <RFLS>4</RFLS>\n"
    "      <DRUG1>1011</DRUG1>\n"
    "      <DRUG2>3201</DRUG2>\n"
    "      <ROUTE>1</ROUTE>\n"
    "      <INJSTAT>C</INJSTAT>\n"
    "      <ACCMNEED>3</ACCMNEED>\n"
    "      <EMPSTAT>12</EMPSTAT>\n"
    "      <PRNTSTAT>14</PRNTSTAT>\n"
    "      <CJORDER>9</CJORDER>\n"
    "      <intervention line=\"2\">\n"
    "        <MODID>M1</MODID>\n"
    "        <MODAL>94</MODAL>\n"
    "        <MODSET>1</MODSET>\n"
    "        <REFMODDT>2026-07-03</REFMODDT>\n"
    "        <MODST>2026-07-05</MODST>\n"
    "      </intervention>\n"
    "      <intervention line=\"3\">\n"
    "        <MODID>M2</MODID>\n"
    "        <MODAL>95</MODAL>\n"
    "        <MODSET>1</MODSET>\n"
    "        <REFMODDT>2026-07-03</REFMODDT>\n"
    "        <MODST>2026-07-10</MODST>\n"
    "        <MODEND>2026-09-02</MODEND>\n"
    "        <MODEXIT>A</MODEXIT>\n"
    "      </intervention>\n"
    "    </episode>\n"
    "  </client>\n"
    "</episodes>\n";

/*
 * Stops inside the first client: the reader fails after ndx-validate has
 * opened its outputs and started the valid episodes' document.
 */
static const char cut_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<episodes dataset=\"1\" asof=\"2026-11-05\" "
    "xmlns=\"urn:ndx:episodes:1\">\n"
    "  <client>\n"
    "    <AGNCY>N08";

static char dir[PATH_MAX / 2];

/*
 * dir/name, in one of 16 buffers used in turn: enough for the arguments
 * of one call and the two names call_v() takes itself.
 */
static const char *
at(const char *name)
{
	static char buf[16][PATH_MAX];
	static int next;
	char *p = buf[next++ % 16];

	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	return p;
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* The whole file, malloc()ed, its size in *lenp; NULL when not there. */
static char *
slurp_n(const char *path, size_t *lenp)
{
	FILE *fp = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int c;

	if (fp == NULL)
		return NULL;
	mem = open_memstream(&text, &len);
	assert_non_null(mem);
	while ((c = getc(fp)) != EOF)
		putc(c, mem);
	fclose(fp);
	assert_int_equal(fclose(mem), 0);
	*lenp = len;
	return text;
}

static char *
slurp(const char *path)
{
	size_t len;

	return slurp_n(path, &len);
}

static int
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Points descriptor fd at path, created empty. */
static void
redirect(int fd, const char *path)
{
	int to = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(to >= 0);
	assert_true(dup2(to, fd) == fd);
	close(to);
}

/*
 * Calls prog_main on the NULL-terminated args, its standard output into
 * dir/out and its standard error into dir/err, and returns what it
 * returned.  The arguments are copied: getopt permutes argv, and
 * ndx-transform sets argv[0].
 */
static int
call_v(int (*prog_main)(int, char **), const char *const *args)
{
	char *argv[128];
	int argc = 0, rc, out, err;

	for (; args[argc] != NULL; argc++) {
		assert_true(argc < 127);
		argv[argc] = (char *)args[argc];
	}
	argv[argc] = NULL;

	fflush(stdout);
	fflush(stderr);
	out = dup(STDOUT_FILENO);
	err = dup(STDERR_FILENO);
	assert_true(out >= 0 && err >= 0);
	redirect(STDOUT_FILENO, at("out"));
	redirect(STDERR_FILENO, at("err"));
	rc = prog_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	assert_true(dup2(out, STDOUT_FILENO) == STDOUT_FILENO);
	assert_true(dup2(err, STDERR_FILENO) == STDERR_FILENO);
	close(out);
	close(err);
	return rc;
}

/* call_v() on the arguments, up to a NULL. */
static int
call(int (*prog_main)(int, char **), ...)
{
	const char *args[32];
	int n = 0;
	va_list ap;

	va_start(ap, prog_main);
	while ((args[n] = va_arg(ap, const char *)) != NULL) {
		assert_true(n < 31);
		n++;
	}
	va_end(ap);
	return call_v(prog_main, args);
}

/* The last call's standard output or error is exactly want. */
static void
assert_output(const char *name, const char *want)
{
	char *got = slurp(at(name));

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* The last call's standard output or error holds want. */
static void
assert_output_has(const char *name, const char *want)
{
	char *got = slurp(at(name));

	assert_non_null(got);
	if (strstr(got, want) == NULL)
		fail_msg("%s: no \"%s\" in \"%s\"", name, want, got);
	free(got);
}

static int
setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/ndx-inprocess.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	write_file(at("tiny.xml"), tiny_xml);
	write_file(at("cut.xml"), cut_xml);
	return 0;
}

static int
teardown(void **state)
{
	static const char *const names[] = { "tiny.xml", "cut.xml", "out",
	    "err", "valid.xml", "rejects.csv", "report.xml", "a.tar.gz",
	    "b.tar.gz", "r.tar.gz", "c.csv" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(at(names[i]));
	return rmdir(dir);
}

static void
test_inprocess_validate(void **state)
{
	(void)state;
	for (int round = 0; round < 2; round++) {
		assert_int_equal(call(validate_main, "ndx-validate", "--bogus",
		    NULL), NDX_EX_USAGE);
		assert_output("out", "");
		assert_output_has("err", "unrecognized option");
		assert_output_has("err", "usage: ndx-validate");
		assert_int_equal(call(validate_main, "ndx-validate", "a", "b",
		    NULL), NDX_EX_USAGE);
		assert_int_equal(call(validate_main, "ndx-validate",
		    "--report", "a.csv", "--report", "b.csv", "--report",
		    "c.csv", NULL), NDX_EX_USAGE);
		assert_output("err", "ndx-validate: --report may be given at "
		    "most twice\n");

		assert_int_equal(call(validate_main, "ndx-validate",
		    "--version", NULL), NDX_EX_OK);
		assert_output("out", "ndx-validate " NDX_VERSION "\n");
		assert_output("err", "");
		assert_int_equal(call(validate_main, "ndx-validate", "--help",
		    NULL), NDX_EX_OK);
		assert_output_has("out", "usage: ndx-validate");

		assert_int_equal(call(validate_main, "ndx-validate",
		    at("nonesuch.xml"), NULL), NDX_EX_NOINPUT);
		assert_int_equal(call(validate_main, "ndx-validate", "--area",
		    "Atlantis", at("tiny.xml"), NULL), NDX_EX_USAGE);
		assert_output("err", "ndx-validate: --area Atlantis: not a "
		    "police force area in areas.csv\n");

		/* Stopped with every output open: none is published, and
		 * nothing of the document cut short reaches standard
		 * output, where it could pass for a whole one. */
		assert_int_equal(call(validate_main, "ndx-validate", "-o",
		    at("valid.xml"), "--rejects", at("rejects.csv"),
		    "--report", at("report.xml"), at("cut.xml"), NULL),
		    NDX_EX_DATAERR);
		assert_false(exists(at("valid.xml")));
		assert_false(exists(at("rejects.csv")));
		assert_false(exists(at("report.xml")));
		assert_int_equal(call(validate_main, "ndx-validate",
		    at("cut.xml"), NULL), NDX_EX_DATAERR);
		assert_output("out", "");

		assert_int_equal(call(validate_main, "ndx-validate", "-o",
		    at("valid.xml"), "--report", at("report.xml"),
		    at("tiny.xml"), NULL), NDX_EX_OK);
		assert_output_has("err", "ndx-validate: episodes: 1 read, 1 "
		    "valid, 0 rejected\n");
		assert_true(exists(at("valid.xml")));
		assert_true(exists(at("report.xml")));
		assert_int_equal(unlink(at("valid.xml")), 0);
		assert_int_equal(unlink(at("report.xml")), 0);
	}
}

static void
test_inprocess_pack(void **state)
{
	char *a, *b;
	size_t alen, blen;

	(void)state;
	for (int round = 0; round < 2; round++) {
		assert_int_equal(call(pack_main, "ndx-pack", "--bogus", NULL),
		    NDX_EX_USAGE);
		assert_output_has("err", "usage: ndx-pack");
		assert_int_equal(call(pack_main, "ndx-pack", "verify", NULL),
		    NDX_EX_USAGE);
		assert_int_equal(call(pack_main, "ndx-pack", "--passphrase",
		    "x", NULL), NDX_EX_USAGE);
		assert_output("err", "ndx-pack: give --passphrase-file in "
		    "full; a passphrase is never an argument\n");
		assert_int_equal(call(pack_main, "ndx-pack", "-o",
		    at("a.zip.txt"), at("tiny.xml"), NULL), NDX_EX_USAGE);

		assert_int_equal(call(pack_main, "ndx-pack", "--version",
		    NULL), NDX_EX_OK);
		assert_output("out", "ndx-pack " NDX_VERSION "\n");
		assert_int_equal(call(pack_main, "ndx-pack", "-h", NULL),
		    NDX_EX_OK);
		assert_output_has("out", "usage: ndx-pack");

		assert_int_equal(call(pack_main, "ndx-pack", "-o",
		    at("b.tar.gz"), at("nonesuch.xml"), NULL),
		    NDX_EX_NOINPUT);
		assert_false(exists(at("b.tar.gz")));
		assert_int_equal(call(pack_main, "ndx-pack", "verify",
		    at("nonesuch.tar.gz"), NULL), NDX_EX_NOINPUT);

		/* Twice the same bytes: the archive is reproducible. */
		assert_int_equal(call(pack_main, "ndx-pack", "-o",
		    at("a.tar.gz"), at("tiny.xml"), NULL), NDX_EX_OK);
		assert_int_equal(call(pack_main, "ndx-pack", "-o",
		    at("b.tar.gz"), at("tiny.xml"), NULL), NDX_EX_OK);
		a = slurp_n(at("a.tar.gz"), &alen);
		b = slurp_n(at("b.tar.gz"), &blen);
		assert_non_null(a);
		assert_non_null(b);
		assert_int_equal(alen, blen);
		assert_memory_equal(a, b, alen);
		free(a);
		free(b);
		assert_int_equal(call(pack_main, "ndx-pack", "verify",
		    at("a.tar.gz"), NULL), NDX_EX_OK);
		assert_output_has("out", "verified 1 files");
		assert_int_equal(unlink(at("a.tar.gz")), 0);
		assert_int_equal(unlink(at("b.tar.gz")), 0);
	}
}

/*
 * --risk FILEs were kept in static storage that no call emptied: the
 * 65th of one process was refused, however spread over calls.  40 each
 * time, three times.
 */
static void
test_inprocess_pack_risk(void **state)
{
	const char *args[96];
	char out[PATH_MAX], in[PATH_MAX];
	int n = 0;

	(void)state;
	snprintf(out, sizeof(out), "%s", at("r.tar.gz"));
	snprintf(in, sizeof(in), "%s", at("tiny.xml"));
	args[n++] = "ndx-pack";
	args[n++] = "-o";
	args[n++] = out;
	for (int i = 0; i < 40; i++) {
		args[n++] = "--risk";
		args[n++] = "tiny.xml persons=1 k_min=1 below_5=1";
	}
	args[n++] = in;
	args[n] = NULL;
	for (int round = 0; round < 3; round++) {
		assert_int_equal(call_v(pack_main, args), NDX_EX_OK);
		assert_true(exists(out));
	}
}

static void
test_inprocess_transform(void **state)
{
	char *first, *again;

	(void)state;
	assert_int_equal(call(transform_main, "ndx-transform", "--bogus",
	    NULL), NDX_EX_USAGE);
	assert_output_has("err", "usage: ndx-transform");
	assert_int_equal(call(transform_main, "ndx-transform", "--product",
	    "nonesuch", NULL), NDX_EX_USAGE);
	assert_int_equal(call(transform_main, "ndx-transform", "--version",
	    NULL), NDX_EX_OK);
	assert_output("out", "ndx-transform " NDX_VERSION "\n");

	assert_int_equal(call(transform_main, "ndx-transform", "--product",
	    "commissioner", "-o", at("c.csv"), at("tiny.xml"), NULL),
	    NDX_EX_OK);
	first = slurp(at("c.csv"));
	assert_non_null(first);
	assert_int_equal(call(transform_main, "ndx-transform", "--product",
	    "commissioner", "--bogus", NULL), NDX_EX_USAGE);
	assert_int_equal(call(transform_main, "ndx-transform", "--product",
	    "commissioner", "-o", at("c.csv"), at("cut.xml"), NULL),
	    NDX_EX_DATAERR);
	assert_int_equal(call(transform_main, "ndx-transform", "--product",
	    "commissioner", "-o", at("c.csv"), at("tiny.xml"), NULL),
	    NDX_EX_OK);
	again = slurp(at("c.csv"));
	assert_non_null(again);
	assert_string_equal(first, again);
	free(first);
	free(again);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inprocess_validate),
		cmocka_unit_test(test_inprocess_pack),
		cmocka_unit_test(test_inprocess_pack_risk),
		cmocka_unit_test(test_inprocess_transform),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
