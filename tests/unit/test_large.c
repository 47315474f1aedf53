/*
 * A large client group (validate.c, "large groups"): a client element of
 * more than EPXML_PART_EPISODES episodes is read in parts, spooled, and
 * judged a chunk at a time.  Its every output must be what judging the
 * group whole gives, byte for byte: here the same validator runs over
 * the same file read whole (the reader without EPXML_PARTS) and in parts,
 * on clients made to break every rule across rows (R121-R126, with
 * duplicates, variants and overlaps at and around the parts' edges) and
 * many within one, and on a client whose EPISODIDs are apart (the way
 * back to judging it whole).
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

#include "ndx/arena.h"
#include "ndx/dataset.h"
#include "ndx/epxml.h"
#include "ndx/model.h"
#include "ndx/ndx.h"
#include "../../validate/validate.h"

struct fixture {
	struct ndx_dataset *ds;
	char dir[64];
	char in[128];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ndx_error err;

	if (f == NULL || (f->ds = ndx_dataset_load(&err)) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s", "/tmp/ndx-large.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->in, sizeof(f->in), "%s/in.xml", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	ndx_dataset_free(f->ds);
	free(f);
	xmlCleanupParser();
	return 0;
}

/* xorshift64*: the same clients on every run. */
static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned
pick(unsigned n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned)((rng * 0x2545f4914f6cdd1du) >> 33) % n;
}

static void
client_start(FILE *fp, const char *id, const char *sex, int bad)
{
	fprintf(fp, "<client><AGNCY>N0852</AGNCY><CLIENTID>%s</CLIENTID>"
	    "<FINITIAL>J</FINITIAL><SINITIAL>S</SINITIAL>"
	    "<DOB>1980-03-07</DOB><SEX>%s</SEX>%s<ETHNIC>A</ETHNIC>"
	    "<NATION>GBR</NATION><LA>E06000002</LA><PC>TS1 3QY</PC>"
	    "<CONSENT>Y</CONSENT>\n", id, sex, bad ? "<BOGUS/>" : "");
}

/* A day in 2020-2025 as YYYY-MM-DD. */
static void
day(char out[11], unsigned base, unsigned plus)
{
	unsigned d = base + plus, y = 2020 + d / 336, m = d % 336 / 28 + 1;

	snprintf(out, 11, "%04u-%02u-%02u", y > 2025 ? 2025 : y, m,
	    d % 28 + 1);
}

/*
 * Episode id, with a few rows; now and then a variant of it follows (R122),
 * a row repeats (R123) or a MODID comes twice with other items (R124), an
 * episode overlaps the last (R125), is shared (R126), or has a bad value
 * or element.
 */
static void
episode(FILE *fp, const char *id, unsigned *line, int variant)
{
	char refld[11], triaged[11], disd[11], mod[11];
	unsigned base = pick(2000), len = pick(200);
	unsigned nrows = 1 + pick(3), kind = pick(40);

	day(refld, base, 0);
	day(triaged, base, 2);
	day(disd, base, 2 + len);
	fprintf(fp, "<episode%s><EPISODID>%s</EPISODID><REFLD>%s</REFLD>"
	    "%s%s%s<RFLS>%s</RFLS><DRUG1>%s</DRUG1><ROUTE>1</ROUTE>"
	    "<INJSTAT>C</INJSTAT><ACCMNEED>3</ACCMNEED><EMPSTAT>12</EMPSTAT>"
	    "<PRNTSTAT>14</PRNTSTAT><CJORDER>9</CJORDER>%s%s%s%s\n",
	    kind == 1 ? " shared=\"true\" sharedline=\"7\"" : "", id, refld,
	    kind == 2 ? "" : "<TRIAGED>", kind == 2 ? "" : triaged,
	    kind == 2 ? "" : "</TRIAGED>", variant ? "5" : "4",
	    kind == 3 ? "9999" : "1011", kind < 30 ? "<DISD>" : "",
	    kind < 30 ? disd : "", kind < 30 ? "</DISD>" : "",
	    kind < 30 ? "<DISRSN>80</DISRSN>" : "");
	for (unsigned j = 0; j < nrows; j++) {
		unsigned again = j > 0 && pick(12) == 0 ? 2 : 1;
		char end[11];

		day(mod, base, 3 + j);
		day(end, base, 3 + j + len / 2);
		for (unsigned r = 0; r < again; r++)
			fprintf(fp, "<intervention line=\"%u\">"
			    "<MODID>M%u</MODID><MODAL>%s</MODAL>"
			    "<MODSET>1</MODSET>%s<REFMODDT>%s</REFMODDT>"
			    "<MODST>%s</MODST>%s%s%s</intervention>\n",
			    (*line)--, kind == 5 && j == 1 ? 1 : j + 1,
			    kind == 6 && r == 1 ? "95" : "94", kind == 7 ?
			    "<MODST>x</MODST>" : "", mod, mod, kind < 30 ?
			    "<MODEND>" : "", kind < 30 ? end : "", kind < 30 ?
			    "</MODEND><MODEXIT>A</MODEXIT>" : "");
	}
	fputs("</episode>\n", fp);
}

/*
 * n episodes of client id (sex given), their EPISODIDs (prefix, then a
 * number) in order, or with apart set some of them again far from the
 * first.
 */
static void
client(FILE *fp, const char *id, const char *sex, const char *prefix,
    unsigned n, unsigned *line, int apart, int bad)
{
	char eid[32];
	unsigned pos = 0;

	client_start(fp, id, sex, bad);
	for (unsigned k = 0; k < n; k++) {
		snprintf(eid, sizeof(eid), "%s%06u", prefix, apart &&
		    k % 500 == 499 ? k / 3 : k);
		episode(fp, eid, line, 0);
		/* A variant across the edge of each part, and others. */
		if (++pos % EPXML_PART_EPISODES == 0 || pick(25) == 0) {
			episode(fp, eid, line, 1);
			pos++;
		}
	}
	fputs("</client>\n", fp);
}

static void
write_input(const struct fixture *f, int which)
{
	FILE *fp = fopen(f->in, "w");
	/* Lines count down: an element's first line is in its last part. */
	unsigned line = 100000, P = EPXML_PART_EPISODES;

	assert_non_null(fp);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<episodes "
	    "xmlns=\"urn:ndx:episodes:1\" dataset=\"1\" asof=\"2026-11-01\" "
	    "period=\"2020-01-01..2026-10-31\" start=\"2020-01-01\" "
	    "end=\"2026-10-31\" source=\"csv\">\n", fp);
	switch (which) {
	case 0:
		/* A small client, a large one of three parts and a bit,
		 * another element of it that disagrees (R121), a small one. */
		client(fp, "A1", "M", "E", 40, &line, 0, 1);
		client(fp, "B1", "M", "E", 3 * P + 17, &line, 0, 0);
		client(fp, "B1", "F", "F", 30, &line, 0, 0);
		client(fp, "C1", "M", "E", 5, &line, 0, 0);
		break;
	case 1:
		/* Small elements first, then the large one, then small. */
		client(fp, "B1", "M", "A", 12, &line, 0, 0);
		client(fp, "B1", "M", "B", 2 * P + 1, &line, 0, 1);
		client(fp, "B1", "M", "C", 3, &line, 0, 0);
		client(fp, "D1", "F", "E", P, &line, 0, 0);
		break;
	case 2:
		/* EPISODIDs apart, in one element and across two: judged
		 * whole. */
		client(fp, "E1", "M", "E", 2 * P + 300, &line, 1, 0);
		client(fp, "F1", "M", "E", 2 * P, &line, 0, 0);
		client(fp, "F1", "F", "E", 20, &line, 0, 0);
		break;
	}
	fputs("</episodes>\n", fp);
	assert_int_equal(fclose(fp), 0);
}

/* Validates f->in, its outputs named by tag; returns the rows read. */
static long
run(const struct fixture *f, int flags, const char *tag)
{
	char out[160], rej[160], csv[160], xml[160];
	struct validate_options o = { 0 };
	struct ndx_error err;
	struct validate *v;
	struct epxml_reader *r;
	const struct epxml_problem *probs;
	struct ndx_client *c;
	size_t nprobs;
	long parts = 0;
	int rc;

	snprintf(out, sizeof(out), "%s/%s.xml", f->dir, tag);
	snprintf(rej, sizeof(rej), "%s/%s-rejects.csv", f->dir, tag);
	snprintf(csv, sizeof(csv), "%s/%s-report.csv", f->dir, tag);
	snprintf(xml, sizeof(xml), "%s/%s-report.xml", f->dir, tag);
	o.area = "Cleveland";
	o.input = f->in;
	o.out_path = out;
	o.rejects_path = rej;
	o.report_path[0] = csv;
	o.report_path[1] = xml;
	o.nreports = 2;
	v = validate_new(&o, f->ds, &err);
	assert_non_null(v);
	r = epxml_reader_open(f->in, f->ds, flags, &err);
	assert_non_null(r);
	assert_int_equal(validate_begin(v, epxml_reader_header(r), NULL,
	    &err), 0);
	while ((rc = epxml_reader_next(r, validate_arena(v), &c, &probs,
	    &nprobs, &err)) == 1) {
		parts += (c->part & NDX_PART_CONT) != 0;
		if (validate_client(v, c, probs, nprobs, &err) != 0)
			fail_msg("%s", err.msg);
	}
	assert_int_equal(rc, 0);
	if (validate_end(v, &err) != 0)
		fail_msg("%s", err.msg);
	validate_free(v);
	epxml_reader_close(r);
	return parts;
}

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* The outputs of the two runs, byte for byte; the report's text. */
static char *
same_outputs(const struct fixture *f)
{
	static const char *const names[] = { "%s.xml", "%s-rejects.csv",
		"%s-report.csv", "%s-report.xml" };
	char *report = NULL;

	for (size_t k = 0; k < 4; k++) {
		char a[160], b[160], name[32];
		char *x, *y;

		snprintf(name, sizeof(name), names[k], "whole");
		snprintf(a, sizeof(a), "%s/%s", f->dir, name);
		snprintf(name, sizeof(name), names[k], "parts");
		snprintf(b, sizeof(b), "%s/%s", f->dir, name);
		x = slurp(a);
		y = slurp(b);
		if (strcmp(x, y) != 0)
			fail_msg("%s and %s differ", a, b);
		free(y);
		if (k == 2)
			report = x;
		else
			free(x);
	}
	return report;
}

static void
want_rules(const char *report, const char *const *rules, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		char needle[16];

		snprintf(needle, sizeof(needle), ",%s,", rules[k]);
		if (strstr(report, needle) == NULL)
			fail_msg("no %s in the report", rules[k]);
	}
}

static void
test_rules_across(void **state)
{
	static const char *const rules[] = { "R001", "R021", "R121", "R122",
		"R123", "R124", "R125", "R126" };
	struct fixture *f = *state;
	char *report;

	write_input(f, 0);
	assert_int_equal(run(f, 0, "whole"), 0);
	assert_true(run(f, EPXML_PARTS, "parts") >= 3);
	report = same_outputs(f);
	want_rules(report, rules, sizeof(rules) / sizeof(rules[0]));
	free(report);
}

static void
test_elements(void **state)
{
	static const char *const rules[] = { "R122", "R123", "R125" };
	struct fixture *f = *state;
	char *report;

	write_input(f, 1);
	assert_true(run(f, EPXML_PARTS, "parts") >= 3);
	run(f, 0, "whole");
	report = same_outputs(f);
	want_rules(report, rules, sizeof(rules) / sizeof(rules[0]));
	free(report);
}

static void
test_apart(void **state)
{
	static const char *const rules[] = { "R122", "R125" };
	struct fixture *f = *state;
	char *report;

	write_input(f, 2);
	run(f, 0, "whole");
	assert_true(run(f, EPXML_PARTS, "parts") >= 2);
	report = same_outputs(f);
	want_rules(report, rules, sizeof(rules) / sizeof(rules[0]));
	free(report);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_across),
		cmocka_unit_test(test_elements),
		cmocka_unit_test(test_apart),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
