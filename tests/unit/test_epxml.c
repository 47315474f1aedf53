/*
 * The episodes reader in parts (EPXML_PARTS): a <client> of many episodes
 * comes a part of EPXML_PART_EPISODES at a time, each part with the
 * client's items, and the writer given the parts writes what it writes
 * given the whole element, byte for byte.
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

struct fixture {
	struct ndx_dataset *ds;
	char path[64];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ndx_error err;
	int fd;

	if (f == NULL || (f->ds = ndx_dataset_load(&err)) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s", "/tmp/ndx-epxml.XXXXXX");
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

	unlink(f->path);
	ndx_dataset_free(f->ds);
	free(f);
	xmlCleanupParser();
	return 0;
}

static void
client_start(FILE *fp, const char *clientid)
{
	fprintf(fp, "<client><AGNCY>N0852</AGNCY><CLIENTID>%s</CLIENTID>"
	    "<FINITIAL>J</FINITIAL><SINITIAL>S</SINITIAL>"
	    "<DOB>1980-03-07</DOB><SEX>M</SEX><ETHNIC>A</ETHNIC>"
	    "<NATION>GBR</NATION><LA>E06000002</LA><PC>TS1 3QY</PC>"
	    "<CONSENT>Y</CONSENT>\n", clientid);
}

/* Episode k, with k % 3 + 1 interventions; bad gives it an unknown
 * element, a form problem. */
static void
episode(FILE *fp, unsigned k, int bad)
{
	fprintf(fp, "<episode><EPISODID>EP-%u</EPISODID>"
	    "<REFLD>2026-01-01</REFLD><TRIAGED>2026-01-02</TRIAGED>"
	    "<RFLS>4</RFLS><DRUG1>1011</DRUG1>%s<ROUTE>1</ROUTE>"
	    "<INJSTAT>C</INJSTAT><ACCMNEED>3</ACCMNEED><EMPSTAT>12</EMPSTAT>"
	    "<PRNTSTAT>14</PRNTSTAT><CJORDER>9</CJORDER>\n", k,
	    bad ? "<BOGUS>1</BOGUS>" : "");
	for (unsigned j = 0; j < k % 3 + 1; j++)
		fprintf(fp, "<intervention line=\"%u\"><MODID>M%u</MODID>"
		    "<MODAL>94</MODAL><MODSET>1</MODSET>"
		    "<REFMODDT>2026-01-02</REFMODDT></intervention>\n",
		    k * 3 + j + 2, j + 1);
	fputs("</episode>\n", fp);
}

/*
 * The file: client C1 of n1 episodes (episode bad_at with a form
 * problem, none when it is n1 or more), then C2 of 2 episodes with
 * three unknown elements among its children.
 */
static void
make_file(const struct fixture *f, unsigned n1, unsigned bad_at)
{
	FILE *fp = fopen(f->path, "w");

	assert_non_null(fp);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<episodes "
	    "xmlns=\"urn:ndx:episodes:1\" dataset=\"1\" asof=\"2026-11-01\" "
	    "period=\"2026-10\" start=\"2026-10-01\" end=\"2026-10-31\" "
	    "source=\"csv\">\n", fp);
	client_start(fp, "C1");
	for (unsigned k = 0; k < n1; k++)
		episode(fp, k, k == bad_at);
	fputs("</client>\n", fp);
	client_start(fp, "C2");
	fputs("<X/><Y></Y>", fp);
	episode(fp, 0, 0);
	fputs("<Z/>", fp);
	episode(fp, 1, 0);
	fputs("</client>\n</episodes>\n", fp);
	assert_int_equal(fclose(fp), 0);
}

struct part {
	const char *clientid;
	size_t nep;
	unsigned part;
	long problem_episode;	/* of the part's first problem, or -2 */
};

/*
 * Reads the file with flags, writing every client it returns; the
 * output is returned (malloc'd), the parts in parts[] (at most max).
 */
static char *
read_file(const struct fixture *f, int flags, struct part *parts,
    size_t max, size_t *nparts)
{
	struct ndx_error err;
	struct epxml_reader *r = epxml_reader_open(f->path, f->ds, flags,
	    &err);
	struct ndx_arena *a = arena_new();
	const struct epxml_problem *probs;
	struct ndx_client *c;
	struct epxml_writer *w;
	size_t nprobs, size = 0;
	char *buf = NULL;
	FILE *out = open_memstream(&buf, &size);
	int rc;

	assert_non_null(r);
	assert_non_null(out);
	w = epxml_writer_open(out, epxml_reader_header(r), &err);
	assert_non_null(w);
	*nparts = 0;
	while ((rc = epxml_reader_next(r, a, &c, &probs, &nprobs, &err)) ==
	    1) {
		assert_true(*nparts < max);
		parts[*nparts].clientid = NULL;
		if (NDX_C(c, NDX_CLIENTID) != NULL)
			parts[*nparts].clientid =
			    strcmp(NDX_C(c, NDX_CLIENTID), "C1") == 0 ? "C1" :
			    "C2";
		parts[*nparts].nep = c->nep;
		parts[*nparts].part = c->part;
		parts[*nparts].problem_episode = nprobs > 0 ?
		    probs[0].episode : -2;
		(*nparts)++;
		/* Every part is whole in itself: its items, and episodes
		 * with their interventions. */
		assert_string_equal(NDX_C(c, NDX_DOB), "1980-03-07");
		for (size_t i = 0; i < c->nep; i++)
			assert_true(c->ep[i].niv >= 1);
		assert_int_equal(epxml_write_client(w, c, &err), 0);
		arena_reset(a);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(epxml_writer_close(w, &err), 0);
	assert_int_equal(fclose(out), 0);
	epxml_reader_close(r);
	arena_free(a);
	return buf;
}

static void
check_same_output(const struct fixture *f)
{
	struct part parts[16];
	size_t n;
	char *whole = read_file(f, 0, parts, 16, &n);
	char *inparts = read_file(f, EPXML_PARTS, parts, 16, &n);

	assert_string_equal(whole, inparts);
	free(whole);
	free(inparts);
}

static void
test_parts(void **state)
{
	struct fixture *f = *state;
	const unsigned P = EPXML_PART_EPISODES;
	struct part parts[16];
	size_t n;
	char *out;

	make_file(f, 2 * P + 5, P + 7);
	out = read_file(f, EPXML_PARTS, parts, 16, &n);
	free(out);
	assert_int_equal(n, 4);
	assert_string_equal(parts[0].clientid, "C1");
	assert_int_equal(parts[0].nep, P);
	assert_int_equal(parts[0].part, NDX_PART_MORE);
	assert_int_equal(parts[0].problem_episode, -2);
	assert_string_equal(parts[1].clientid, "C1");
	assert_int_equal(parts[1].nep, P);
	assert_int_equal(parts[1].part, NDX_PART_CONT | NDX_PART_MORE);
	/* A record's problem names it within its part. */
	assert_int_equal(parts[1].problem_episode, 7);
	assert_string_equal(parts[2].clientid, "C1");
	assert_int_equal(parts[2].nep, 5);
	assert_int_equal(parts[2].part, NDX_PART_CONT);
	/* The next client is whole again. */
	assert_string_equal(parts[3].clientid, "C2");
	assert_int_equal(parts[3].nep, 2);
	assert_int_equal(parts[3].part, 0);
	check_same_output(f);
}

/* Without EPXML_PARTS every client is whole, however large. */
static void
test_whole(void **state)
{
	struct fixture *f = *state;
	struct part parts[4];
	size_t n;
	char *out;

	make_file(f, 2 * EPXML_PART_EPISODES + 5, (unsigned)-1);
	out = read_file(f, 0, parts, 4, &n);
	free(out);
	assert_int_equal(n, 2);
	assert_int_equal(parts[0].nep, 2 * EPXML_PART_EPISODES + 5);
	assert_int_equal(parts[0].part, 0);
}

/* A client of exactly one part's episodes ends with a part of none. */
static void
test_exact(void **state)
{
	struct fixture *f = *state;
	struct part parts[8];
	size_t n;
	char *out;

	make_file(f, EPXML_PART_EPISODES, (unsigned)-1);
	out = read_file(f, EPXML_PARTS, parts, 8, &n);
	free(out);
	assert_int_equal(n, 3);
	assert_int_equal(parts[0].nep, EPXML_PART_EPISODES);
	assert_int_equal(parts[0].part, NDX_PART_MORE);
	assert_int_equal(parts[1].nep, 0);
	assert_int_equal(parts[1].part, NDX_PART_CONT);
	check_same_output(f);
}

/* One short of a part: whole. */
static void
test_short(void **state)
{
	struct fixture *f = *state;
	struct part parts[8];
	size_t n;
	char *out;

	make_file(f, EPXML_PART_EPISODES - 1, 3);
	out = read_file(f, EPXML_PARTS, parts, 8, &n);
	free(out);
	assert_int_equal(n, 2);
	assert_int_equal(parts[0].nep, EPXML_PART_EPISODES - 1);
	assert_int_equal(parts[0].part, 0);
	assert_int_equal(parts[0].problem_episode, 3);
	check_same_output(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_short),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
