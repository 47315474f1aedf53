/*
 * ndx-extract's internals: the CSV header and rows, the external sort,
 * grouping into client and episode variants, and period selection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ndx/csvrec.h"
#include "ndx/dataset.h"
#include "ndx/model.h"
#include "ndx/ndx.h"
#include "ndx/period.h"

#include "../../extract/extract.h"

/* A record built by hand, as csvrec_next() would hand it out. */
struct rec {
	struct csvrec r;
	char *field[64];
	size_t len[64];
};

static void
rec_make(struct rec *rec, long line, const char *csv)
{
	char *copy = strdup(csv), *p = copy, *comma;
	size_t n = 0;

	memset(rec, 0, sizeof(*rec));
	for (;;) {
		comma = strchr(p, ',');
		rec->field[n] = strndup(p, comma ? (size_t)(comma - p) :
		    strlen(p));
		rec->len[n] = strlen(rec->field[n]);
		n++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	free(copy);
	rec->r.line = line;
	rec->r.nfields = n;
	rec->r.field = rec->field;
	rec->r.len = rec->len;
}

static void
rec_free(struct rec *rec)
{
	for (size_t i = 0; i < rec->r.nfields; i++)
		free(rec->field[i]);
}

/* The dataset, for the postcodes R103 normalises (group setup). */
static struct ndx_dataset *ds;

static int
load_dataset(void **state)
{
	struct ndx_error err = { 0 };

	(void)state;
	return (ds = ndx_dataset_load(&err)) != NULL ? 0 : -1;
}

static int
free_dataset(void **state)
{
	(void)state;
	ndx_dataset_free(ds);
	return 0;
}

/* Every item of the layout mandatory but NATION and the optional ones. */
static void
mandatory_few(unsigned char m[NDX_NITEMS])
{
	memset(m, 0, NDX_NITEMS);
	m[NDX_AGNCY] = m[NDX_CLIENTID] = m[NDX_DOB] = m[NDX_REFLD] = 1;
}

static void
test_extract_header_maps_any_order_and_case(void **state)
{
	unsigned char m[NDX_NITEMS];
	struct csv_columns cols;
	struct ndx_error err = { 0 };
	struct rec h;

	(void)state;
	mandatory_few(m);
	rec_make(&h, 1, " refld,Foo,dob ,\tClientId,AGNCY,,PSEUDO_CLIENT");
	assert_int_equal(csv_columns_map(&cols, &h.r, m, "in.csv", &err), 0);
	assert_int_equal(cols.n, 7);
	assert_int_equal(cols.item[0], NDX_REFLD);
	assert_int_equal(cols.item[1], -1);
	assert_int_equal(cols.item[2], NDX_DOB);
	assert_int_equal(cols.item[3], NDX_CLIENTID);
	assert_int_equal(cols.item[4], NDX_AGNCY);
	assert_int_equal(cols.item[5], -1);
	/* Pseudonymised items are not columns of the CSV layout. */
	assert_int_equal(cols.item[6], -1);
	assert_int_equal(cols.nunknown, 3);
	assert_string_equal(cols.unknown, "Foo, (empty), PSEUDO_CLIENT");
	csv_columns_free(&cols);
	rec_free(&h);
}

static void
test_extract_header_duplicate_is_fatal(void **state)
{
	unsigned char m[NDX_NITEMS];
	struct csv_columns cols;
	struct ndx_error err = { 0 };
	struct rec h;

	(void)state;
	mandatory_few(m);
	rec_make(&h, 3, "AGNCY,CLIENTID,DOB,REFLD,agncy");
	assert_int_equal(csv_columns_map(&cols, &h.r, m, "in.csv", &err), -1);
	assert_int_equal(err.code, NDX_EX_DATAERR);
	assert_string_equal(err.file, "in.csv");
	assert_int_equal(err.line, 3);
	assert_string_equal(err.msg,
	    "column AGNCY appears twice (columns 1 and 5)");
	assert_null(cols.item);
	rec_free(&h);
}

static void
test_extract_header_missing_mandatory(void **state)
{
	unsigned char m[NDX_NITEMS];
	struct csv_columns cols;
	struct ndx_error err = { 0 };
	struct rec h;

	(void)state;
	mandatory_few(m);
	rec_make(&h, 1, "AGNCY,CLIENTID,REFLD,NATION");
	assert_int_equal(csv_columns_map(&cols, &h.r, m, "in.csv", &err), -1);
	assert_int_equal(err.code, NDX_EX_DATAERR);
	assert_string_equal(err.msg, "mandatory column missing: DOB");
	rec_free(&h);

	/* A missing optional column only means absent values, and R104. */
	rec_make(&h, 1, "AGNCY,CLIENTID,REFLD,DOB");
	assert_int_equal(csv_columns_map(&cols, &h.r, m, "in.csv", &err), 0);
	assert_null(cols.unknown);
	assert_true((cols.absent & ndx_item_bit(NDX_NATION)));
	assert_true((cols.absent & ndx_item_bit(NDX_MODEXIT)));
	assert_false((cols.absent & ndx_item_bit(NDX_DOB)));
	assert_false((cols.absent & ndx_item_bit(NDX_PSEUDO_CLIENT)));
	csv_columns_free(&cols);
	rec_free(&h);
}

/* A file saved with ';' or tabs between fields is said to be so. */
static void
test_extract_header_other_separator(void **state)
{
	unsigned char m[NDX_NITEMS];
	struct csv_columns cols;
	struct ndx_error err = { 0 };
	struct rec h;

	(void)state;
	mandatory_few(m);
	rec_make(&h, 1, "AGNCY;CLIENTID;DOB;REFLD");
	assert_int_equal(csv_columns_map(&cols, &h.r, m, "in.csv", &err), -1);
	assert_int_equal(err.code, NDX_EX_DATAERR);
	assert_non_null(strstr(err.msg, "separated by ';'"));
	assert_non_null(strstr(err.msg, "comma-separated"));
	rec_free(&h);

	rec_make(&h, 1, "agncy\tclientid\tdob");
	assert_int_equal(csv_columns_map(&cols, &h.r, m, "in.csv", &err), -1);
	assert_non_null(strstr(err.msg, "separated by '\\t'"));
	rec_free(&h);

	/* One unknown column holding a ';' is only unknown. */
	rec_make(&h, 1, "x;y");
	assert_int_equal(csv_columns_map(&cols, &h.r, m, "in.csv", &err), -1);
	assert_string_equal(err.msg, "mandatory columns missing: AGNCY, "
	    "CLIENTID, DOB, REFLD");
	rec_free(&h);
}

/* R102 and R103: what is tidied, what is flagged, what is left alone. */
static void
test_extract_row_tidied(void **state)
{
	unsigned char m[NDX_NITEMS];
	struct csv_columns cols;
	struct ndx_error err = { 0 };
	struct extract_row row;
	char conv[NDX_NITEMS][11];
	struct rec h, r;
	static const struct {
		const char *in, *out;
		int trimmed, normalised;
	} pc[] = {
		{ "TS1 3QY", "TS1 3QY", 0, 0 },
		{ "ts13qy", "TS1 3QY", 0, 1 },
		{ " TS13QY ", "TS1 3QY", 1, 1 },
		{ "ts1 3qy", "TS1 3QY", 0, 1 },
		{ "TS1  3QY", "TS1 3QY", 0, 1 },
		{ "ec1a1bb", "EC1A 1BB", 0, 1 },
		{ "zz993vz", "ZZ99 3VZ", 0, 1 },
		/* Not a postcode however spaced: left for R070. */
		{ "ts1 3q", "ts1 3q", 0, 0 },
		{ "TS1 3QYX", "TS1 3QYX", 0, 0 },
		{ "1S1 3QY", "1S1 3QY", 0, 0 },
		{ "\xc3\xa9s13qy", "\xc3\xa9s13qy", 0, 0 },
		{ "  ", NULL, 1, 0 },
	};

	(void)state;
	mandatory_few(m);
	rec_make(&h, 1, "AGNCY,CLIENTID,DOB,REFLD,PC,FINITIAL");
	assert_int_equal(csv_columns_map(&cols, &h.r, m, "in.csv", &err), 0);
	rec_make(&r, 2, "N0852, C1 ,\t07/03/1980,01/02/2026,TS1 3QY,J K");
	assert_int_equal(csv_row(&cols, &r.r, ds, "in.csv", conv, &row, &err),
	    0);
	assert_string_equal(row.v[NDX_CLIENTID], "C1");
	assert_string_equal(row.v[NDX_DOB], "1980-03-07");
	/* A blank inside a value is not R102's. */
	assert_string_equal(row.v[NDX_FINITIAL], "J K");
	assert_int_equal(row.trimmed, ndx_item_bit(NDX_CLIENTID) |
	    ndx_item_bit(NDX_DOB));
	assert_int_equal(row.normalised, 0);
	assert_int_equal(row.raw, 0);
	rec_free(&r);

	for (size_t i = 0; i < sizeof(pc) / sizeof(pc[0]); i++) {
		char line[80];

		snprintf(line, sizeof(line), "N0852,C1,07/03/1980,01/02/2026,"
		    "%s,J", pc[i].in);
		rec_make(&r, 3, line);
		assert_int_equal(csv_row(&cols, &r.r, ds, "in.csv", conv, &row,
		    &err), 0);
		if (pc[i].out == NULL)
			assert_null(row.v[NDX_PC]);
		else
			assert_string_equal(row.v[NDX_PC], pc[i].out);
		assert_int_equal(row.trimmed,
		    pc[i].trimmed ? ndx_item_bit(NDX_PC) : 0);
		assert_int_equal(row.normalised,
		    pc[i].normalised ? ndx_item_bit(NDX_PC) : 0);
		rec_free(&r);
	}
	csv_columns_free(&cols);
	rec_free(&h);
}

static void
test_extract_row_dates_converted_not_judged(void **state)
{
	unsigned char m[NDX_NITEMS];
	struct csv_columns cols;
	struct ndx_error err = { 0 };
	struct extract_row row;
	char conv[NDX_NITEMS][11];
	struct rec h, r;

	(void)state;
	mandatory_few(m);
	rec_make(&h, 1, "AGNCY,CLIENTID,DOB,REFLD,DISD,MODST,SEX,X");
	assert_int_equal(csv_columns_map(&cols, &h.r, m, "in.csv", &err), 0);
	rec_make(&r, 7, "N0852, C1 ,07/03/1980,31/02/2026,2026-08-01,"
	    "1/2/2026,m,ignored");
	assert_int_equal(csv_row(&cols, &r.r, ds, "in.csv", conv, &row, &err),
	    0);
	assert_int_equal(row.line, 7);
	assert_string_equal(row.v[NDX_AGNCY], "N0852");
	/* Blanks go (R102); case is the validator's business. */
	assert_string_equal(row.v[NDX_CLIENTID], "C1");
	assert_int_equal(row.trimmed, ndx_item_bit(NDX_CLIENTID));
	assert_string_equal(row.v[NDX_SEX], "m");
	assert_string_equal(row.v[NDX_DOB], "1980-03-07");
	/* Digits move even when the date is not real. */
	assert_string_equal(row.v[NDX_REFLD], "2026-02-31");
	/* Any other shape is kept as it came, flagged raw. */
	assert_string_equal(row.v[NDX_DISD], "2026-08-01");
	assert_string_equal(row.v[NDX_MODST], "1/2/2026");
	assert_int_equal(row.raw, ndx_item_bit(NDX_DISD) |
	    ndx_item_bit(NDX_MODST));
	assert_null(row.v[NDX_FINITIAL]);
	rec_free(&r);

	rec_make(&r, 8, "N0852,C1,,,,,,");
	assert_int_equal(csv_row(&cols, &r.r, ds, "in.csv", conv, &row, &err), 0);
	assert_null(row.v[NDX_DOB]);
	assert_int_equal(row.raw, 0);
	rec_free(&r);
	csv_columns_free(&cols);
	rec_free(&h);
}

static void
test_extract_row_errors(void **state)
{
	unsigned char m[NDX_NITEMS];
	struct csv_columns cols;
	struct ndx_error err = { 0 };
	struct extract_row row;
	char conv[NDX_NITEMS][11];
	struct rec h, r;

	(void)state;
	mandatory_few(m);
	rec_make(&h, 1, "AGNCY,CLIENTID,DOB,REFLD");
	assert_int_equal(csv_columns_map(&cols, &h.r, m, "in.csv", &err), 0);
	rec_make(&r, 12, "N0852,C1,01/01/1980");
	assert_int_equal(csv_row(&cols, &r.r, ds, "in.csv", conv, &row, &err), -1);
	assert_int_equal(err.code, NDX_EX_DATAERR);
	assert_int_equal(err.line, 12);
	assert_string_equal(err.msg, "expected 4 fields, found 3");
	rec_free(&r);

	rec_make(&r, 13, "N0852,C\xc3(,01/01/1980,");
	assert_int_equal(csv_row(&cols, &r.r, ds, "in.csv", conv, &row, &err), -1);
	assert_int_equal(err.line, 13);
	assert_string_equal(err.msg, "CLIENTID: not valid UTF-8 text");
	rec_free(&r);

	rec_make(&r, 14, "N0852,C1,\x01,");
	assert_int_equal(csv_row(&cols, &r.r, ds, "in.csv", conv, &row, &err), -1);
	assert_string_equal(err.msg, "DOB: not valid UTF-8 text");
	rec_free(&r);
	csv_columns_free(&cols);
	rec_free(&h);
}

/*
 * The grouper's output, one line per client variant:
 * "AGNCY/CLIENTID FINITIAL [EPISODID REFLD: line line] [...]", where an
 * "e" marks an empty intervention.
 */
struct capture {
	char text[4096];
	size_t len;
	int fail_after;		/* emit fails at this call when > 0 */
	int calls;
};

static int
capture_emit(void *arg, struct ndx_client *c, struct ndx_error *err)
{
	struct capture *cap = arg;
	char *p = cap->text + cap->len;
	size_t left = sizeof(cap->text) - cap->len;
	int n;

	if (++cap->calls == cap->fail_after) {
		ndx_error_set(err, NDX_EX_IOERR, "", 0, "write error");
		return -1;
	}
	n = snprintf(p, left, "%s/%s %s", NDX_C(c, NDX_AGNCY),
	    NDX_C(c, NDX_CLIENTID), NDX_C(c, NDX_FINITIAL) ?
	    NDX_C(c, NDX_FINITIAL) : "-");
	for (size_t i = 0; i < c->nep; i++) {
		const struct ndx_episode *e = &c->ep[i];

		n += snprintf(p + n, left - n, " [%s %s%s:",
		    NDX_E(e, NDX_EPISODID) ? NDX_E(e, NDX_EPISODID) : "-",
		    NDX_E(e, NDX_REFLD) ? NDX_E(e, NDX_REFLD) : "-",
		    e->raw >> (NDX_REFLD - NDX_EPISODE_FIRST) & 1 ? "(raw)" :
		    "");
		for (size_t j = 0; j < e->niv; j++)
			n += snprintf(p + n, left - n, " %ld%s",
			    e->iv[j].line,
			    ndx_intervention_is_empty(&e->iv[j]) ? "e" : "");
		n += snprintf(p + n, left - n, "]");
	}
	n += snprintf(p + n, left - n, "\n");
	cap->len += (size_t)n;
	return 0;
}

/* One row: agncy, clientid, finitial, episodid, refld, disd, modid. */
static struct extract_row
row_of(long line, const char *agncy, const char *clientid,
    const char *finitial, const char *episodid, const char *refld,
    const char *disd, const char *modid)
{
	struct extract_row r;

	memset(&r, 0, sizeof(r));
	r.line = line;
	r.v[NDX_AGNCY] = agncy;
	r.v[NDX_CLIENTID] = clientid;
	r.v[NDX_FINITIAL] = finitial;
	r.v[NDX_EPISODID] = episodid;
	r.v[NDX_REFLD] = refld;
	r.v[NDX_DISD] = disd;
	r.v[NDX_MODID] = modid;
	return r;
}

static int
feed(struct group *g, const struct extract_row *rows, size_t n)
{
	struct ndx_error err = { 0 };

	for (size_t i = 0; i < n; i++)
		if (group_row(g, &rows[i], &err) != 0)
			return err.code;
	return group_end(g, &err) != 0 ? err.code : 0;
}

static void
test_extract_group_variants(void **state)
{
	/* In the sorter's order: AGNCY, CLIENTID, EPISODID, line. */
	struct extract_row rows[] = {
		/* Client A/1: two variants, J first seen (line 2). */
		row_of(3, "A", "1", "K", "E1", "2026-05-01", NULL, "M1"),
		row_of(4, "A", "1", "J", "E1", "2026-04-01", NULL, "M1"),
		/* Same EPISODID, another REFLD: a second episode. */
		row_of(5, "A", "1", "J", "E1", "2026-04-02", NULL, "M2"),
		row_of(6, "A", "1", "J", "E1", "2026-04-01", NULL, NULL),
		row_of(2, "A", "1", "J", "E2", "2026-05-01", NULL, "M1"),
		row_of(7, "A", "1", "J", "E2", "2026-05-01", NULL, "M2"),
		row_of(8, "A", "2", "J", "E1", "2026-04-01", NULL, "M1"),
	};
	struct extract_counts counts = { 0 };
	struct capture cap = { 0 };
	struct group *g = group_new(NULL, capture_emit, &cap, &counts);

	(void)state;
	assert_int_equal(feed(g, rows, 7), 0);
	assert_string_equal(cap.text,
	    "A/1 J [E1 2026-04-01: 4 6e] [E1 2026-04-02: 5] [E2 2026-05-01: 2 7]\n"
	    "A/1 K [E1 2026-05-01: 3]\n"
	    "A/2 J [E1 2026-04-01: 8]\n");
	assert_int_equal(counts.rows_written, 7);
	assert_int_equal(counts.clients_written, 2);
	assert_int_equal(counts.episodes_written, 3);
	assert_int_equal(counts.episodes_outside, 0);
	group_free(g);
}

static void
test_extract_group_raw_is_a_difference(void **state)
{
	struct extract_row rows[] = {
		row_of(2, "A", "1", "J", "E1", "2026-04-01", NULL, "M1"),
		row_of(3, "A", "1", "J", "E1", "2026-04-01", NULL, "M2"),
	};
	struct extract_counts counts = { 0 };
	struct capture cap = { 0 };
	struct group *g = group_new(NULL, capture_emit, &cap, &counts);

	(void)state;
	rows[1].raw = ndx_item_bit(NDX_REFLD);
	assert_int_equal(feed(g, rows, 2), 0);
	assert_string_equal(cap.text,
	    "A/1 J [E1 2026-04-01: 2] [E1 2026-04-01(raw): 3]\n");
	group_free(g);
}

static void
test_extract_group_order_and_errors(void **state)
{
	struct extract_row rows[] = {
		row_of(2, "B", "1", "J", "E1", "2026-04-01", NULL, "M1"),
		row_of(3, "A", "9", "J", "E1", "2026-04-01", NULL, "M1"),
	};
	struct extract_counts counts = { 0 };
	struct capture cap = { 0 };
	struct group *g = group_new(NULL, capture_emit, &cap, &counts);

	(void)state;
	/* A source that does not sort as promised is a bug, not data. */
	assert_int_equal(feed(g, rows, 2), NDX_EX_SOFTWARE);
	group_free(g);
	g = group_new(NULL, capture_emit, &cap, &counts);
	rows[1] = row_of(3, "B", "1", "J", "E0", "2026-04-01", NULL, "M1");
	assert_int_equal(feed(g, rows, 2), NDX_EX_SOFTWARE);
	group_free(g);

	memset(&cap, 0, sizeof(cap));
	cap.fail_after = 1;
	g = group_new(NULL, capture_emit, &cap, &counts);
	assert_int_equal(feed(g, rows, 1), NDX_EX_IOERR);
	group_free(g);
}

/* Episodes of the financial year 2026/27 to the end of March 2027. */
static void
test_extract_period_financial_year(void **state)
{
	struct extract_row rows[] = {
		/* Discharged the day before the year starts: out. */
		row_of(2, "A", "1", "J", "E1", "2025-06-01", "2026-03-31", NULL),
		/* Discharged on the first day: in. */
		row_of(3, "A", "1", "J", "E2", "2025-06-01", "2026-04-01", NULL),
		/* Referred on the last day: in; the day after: out. */
		row_of(4, "A", "1", "J", "E3", "2027-03-31", NULL, NULL),
		row_of(5, "A", "1", "J", "E4", "2027-04-01", NULL, NULL),
		/* Open since before the year: in. */
		row_of(6, "A", "1", "J", "E5", "2020-01-01", NULL, NULL),
		/* Dates that cannot be read: in, for the validator. */
		row_of(7, "A", "1", "J", "E6", "2027-02-30", NULL, NULL),
		row_of(8, "A", "1", "J", "E7", "2025-01-01", "soon", NULL),
		row_of(9, "A", "1", "J", "E8", NULL, "2025-01-01", NULL),
		/* One row in the period takes every row of the episode. */
		row_of(10, "A", "1", "J", "E9", "2025-01-01", "2025-02-01", "M1"),
		row_of(11, "A", "1", "J", "E9", "2025-01-01", "2026-05-01", "M2"),
		/* A client with nothing in the period is not written. */
		row_of(12, "A", "2", "J", "E1", "2028-01-01", NULL, NULL),
	};
	struct extract_counts counts = { 0 };
	struct capture cap = { 0 };
	struct ndx_period p;
	struct group *g;

	(void)state;
	rows[6].raw = ndx_item_bit(NDX_DISD);
	assert_int_equal(ndx_period_month("2027-03", &p), 0);
	g = group_new(&p, capture_emit, &cap, &counts);
	assert_int_equal(feed(g, rows, 11), 0);
	assert_string_equal(cap.text,
	    "A/1 J [E2 2025-06-01: 3e] [E3 2027-03-31: 4e]"
	    " [E5 2020-01-01: 6e] [E6 2027-02-30: 7e] [E7 2025-01-01: 8e]"
	    " [E8 -: 9e] [E9 2025-01-01: 10] [E9 2025-01-01: 11]\n");
	assert_int_equal(counts.episodes_written, 7);
	assert_int_equal(counts.episodes_outside, 3);
	assert_int_equal(counts.rows_written, 8);
	assert_int_equal(counts.clients_written, 1);
	group_free(g);
}

/* The first day of a quarter: a DISD exactly on it counts. */
static void
test_extract_period_disd_on_start(void **state)
{
	struct extract_row rows[] = {
		row_of(2, "A", "1", "J", "E1", "2026-01-01", "2026-06-30", NULL),
		row_of(3, "A", "1", "J", "E2", "2026-01-01", "2026-07-01", NULL),
		row_of(4, "A", "1", "J", "E3", "2026-09-30", NULL, NULL),
		row_of(5, "A", "1", "J", "E4", "2026-10-01", NULL, NULL),
	};
	struct extract_counts counts = { 0 };
	struct capture cap = { 0 };
	struct ndx_period p;
	struct group *g;

	(void)state;
	assert_int_equal(ndx_period_quarter("2026Q2", &p), 0);
	g = group_new(&p, capture_emit, &cap, &counts);
	assert_int_equal(feed(g, rows, 4), 0);
	assert_string_equal(cap.text,
	    "A/1 J [E2 2026-01-01: 3e] [E3 2026-09-30: 4e]\n");
	group_free(g);
}

/*
 * An episode outside the period is taken back out whole: the client
 * variants it made are gone, those it added to keep their other episodes,
 * and a variant's place among the <client>s is that of its first row in
 * the period (K's first row, line 2, is outside).
 */
static void
test_extract_group_period_takes_back(void **state)
{
	struct extract_row rows[] = {
		row_of(2, "A", "1", "K", "E1", "2020-01-01", "2020-02-01", "M1"),
		row_of(7, "A", "1", "J", "E1", "2020-01-01", "2020-02-01", "M2"),
		row_of(4, "A", "1", "J", "E2", "2026-07-01", NULL, "M1"),
		row_of(6, "A", "1", "K", "E2", "2026-07-01", NULL, "M2"),
		row_of(3, "A", "1", "J", "E3", "2020-01-01", "2020-02-01", "M1"),
		row_of(9, "A", "1", "L", "E3", "2020-01-01", "2020-02-01", "M2"),
		row_of(8, "A", "1", "K", "E4", "2026-07-02", NULL, "M1"),
	};
	struct extract_counts counts = { 0 };
	struct capture cap = { 0 };
	struct ndx_period p;
	struct group *g;

	(void)state;
	assert_int_equal(ndx_period_month("2026-07", &p), 0);
	g = group_new(&p, capture_emit, &cap, &counts);
	assert_int_equal(feed(g, rows, 7), 0);
	assert_string_equal(cap.text,
	    "A/1 J [E2 2026-07-01: 4]\n"
	    "A/1 K [E2 2026-07-01: 6] [E4 2026-07-02: 8]\n");
	assert_int_equal(counts.episodes_written, 2);
	assert_int_equal(counts.episodes_outside, 2);
	assert_int_equal(counts.rows_written, 3);
	assert_int_equal(counts.clients_written, 1);
	group_free(g);
}

/* One line per client variant: "DOB EPISODID..." */
static int
dob_emit(void *arg, struct ndx_client *c, struct ndx_error *err)
{
	struct capture *cap = arg;
	char *p = cap->text + cap->len;
	size_t left = sizeof(cap->text) - cap->len;
	int n = snprintf(p, left, "%s", NDX_C(c, NDX_DOB));

	(void)err;
	for (size_t i = 0; i < c->nep; i++)
		n += snprintf(p + n, left - n, " %s",
		    NDX_E(&c->ep[i], NDX_EPISODID));
	n += snprintf(p + n, left - n, "\n");
	cap->len += (size_t)n;
	return 0;
}

/*
 * More variants than the grouper's tables start with, some made by an
 * episode outside the period and so taken back, then made again.
 */
static void
test_extract_group_many_variants(void **state)
{
	struct extract_row rows[300];
	char dob[300][8];
	struct extract_counts counts = { 0 };
	struct capture cap = { 0 }, want = { 0 };
	struct ndx_period p;
	struct group *g;
	size_t n = 0;

	(void)state;
	/* E1, in the period: D000..D099.  E2, outside (and on earlier
	 * lines): D050..D149.  E3, in: D100..D149, and D000 again. */
	for (int i = 0; i < 100; i++)
		rows[n++] = row_of(1000 + i, "A", "1", "J", "E1", "2026-07-01",
		    NULL, "M1");
	for (int i = 0; i < 100; i++)
		rows[n++] = row_of(10 + i, "A", "1", "J", "E2", "2020-01-01",
		    "2020-02-01", "M1");
	for (int i = 0; i < 51; i++)
		rows[n++] = row_of(2000 + i, "A", "1", "J", "E3", "2026-07-01",
		    NULL, "M1");
	for (size_t k = 0; k < n; k++) {
		int d = k < 100 ? (int)k : k < 200 ? (int)k - 50 :
		    k < 250 ? (int)k - 100 : 0;

		snprintf(dob[k], sizeof(dob[k]), "D%03d", d);
		rows[k].v[NDX_DOB] = dob[k];
	}
	assert_int_equal(ndx_period_month("2026-07", &p), 0);
	g = group_new(&p, dob_emit, &cap, &counts);
	assert_int_equal(feed(g, rows, n), 0);
	for (int d = 0; d < 150; d++)
		want.len += (size_t)snprintf(want.text + want.len,
		    sizeof(want.text) - want.len, "D%03d%s\n", d,
		    d == 0 ? " E1 E3" : d < 100 ? " E1" : " E3");
	assert_string_equal(cap.text, want.text);
	assert_int_equal(counts.episodes_written, 2);
	assert_int_equal(counts.episodes_outside, 1);
	assert_int_equal(counts.rows_written, 151);
	group_free(g);
}

/* Rows in a scrambled order, keyed so the sorted order is known. */
static void
sorter_check(size_t runmax, size_t n, size_t min_runs)
{
	struct sorter *s = sorter_new(runmax);
	struct ndx_error err = { 0 };
	struct extract_row row;
	char agncy[32], client[32], prev[80] = "", key[80];
	long prev_line = 0;
	size_t got = 0;
	int rc;

	for (size_t i = 0; i < n; i++) {
		size_t k = (i * 7919) % n;

		snprintf(agncy, sizeof(agncy), "N%zu", k % 3);
		snprintf(client, sizeof(client), "C%zu", k / 7);
		memset(&row, 0, sizeof(row));
		row.line = (long)(n - i + 1);
		row.raw = k;
		row.v[NDX_AGNCY] = agncy;
		row.v[NDX_CLIENTID] = client;
		row.v[NDX_MODEXIT] = k % 2 ? "A" : NULL;
		assert_int_equal(sorter_add(s, &row, &err), 0);
	}
	assert_int_equal(sorter_finish(s, &err), 0);
	while ((rc = sorter_next(s, &row, &err)) > 0) {
		size_t k = (size_t)row.raw;

		snprintf(key, sizeof(key), "%s%c%s", row.v[NDX_AGNCY], 1,
		    row.v[NDX_CLIENTID]);
		assert_true(strcmp(prev, key) < 0 ||
		    (strcmp(prev, key) == 0 && prev_line < row.line));
		snprintf(agncy, sizeof(agncy), "N%zu", k % 3);
		assert_string_equal(row.v[NDX_AGNCY], agncy);
		if (k % 2)
			assert_string_equal(row.v[NDX_MODEXIT], "A");
		else
			assert_null(row.v[NDX_MODEXIT]);
		assert_null(row.v[NDX_DOB]);
		strcpy(prev, key);
		prev_line = row.line;
		got++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(got, n);
	assert_true(sorter_runs(s) >= min_runs);
	if (min_runs == 0)
		assert_int_equal(sorter_runs(s), 0);
	sorter_free(s);
}

static void
test_extract_sort_in_memory(void **state)
{
	(void)state;
	sorter_check(SORTER_RUNMAX, 1000, 0);
	sorter_check(SORTER_RUNMAX, 0, 0);
}

static void
test_extract_sort_external(void **state)
{
	(void)state;
	/* About 25 rows a run. */
	sorter_check(2048, 1000, 30);
	/* One row a run: more runs than are merged at once. */
	sorter_check(1, 400, 400);
}

/* Runs ndx-extract in-process on a space-separated command line. */
static int
run_extract(const char *cmdline)
{
	char buf[512], *argv[16], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "ndx-extract %s", cmdline);
	for (char *t = strtok_r(buf, " ", &save); t != NULL && argc < 15;
	    t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	return extract_main(argc, argv);
}

static void
test_extract_main_usage(void **state)
{
	(void)state;
	assert_int_equal(run_extract("--quarter 2026Q5"), NDX_EX_USAGE);
	assert_int_equal(run_extract("--month 2026-05 --quarter 2026Q1"),
	    NDX_EX_USAGE);
	assert_int_equal(run_extract("--from 2026-01-01"), NDX_EX_USAGE);
	assert_int_equal(run_extract("--from 2026-02-01 --to 2026-01-01"),
	    NDX_EX_USAGE);
	assert_int_equal(run_extract("--as-of 2026-02-30"), NDX_EX_USAGE);
	assert_int_equal(run_extract("--source csv:a b"), NDX_EX_USAGE);
	assert_int_equal(run_extract("a b"), NDX_EX_USAGE);
	assert_int_equal(run_extract("--source csv:"), NDX_EX_USAGE);
	assert_int_equal(run_extract("--bogus"), NDX_EX_USAGE);
	/* Database sources: refused before anything is opened. */
	assert_int_equal(run_extract("--source sqlite:"), NDX_EX_USAGE);
	assert_int_equal(run_extract("--source postgresql://u:pw@h/db"),
	    NDX_EX_USAGE);
	assert_int_equal(run_extract("--source postgres://h/db?a=%zz"),
	    NDX_EX_USAGE);
	assert_int_equal(run_extract("--source csv:x.csv --sql x.sql"),
	    NDX_EX_USAGE);
	assert_int_equal(run_extract("--source ftp://h/x"), NDX_EX_USAGE);
	assert_int_equal(run_extract("--version"), NDX_EX_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extract_header_maps_any_order_and_case),
		cmocka_unit_test(test_extract_header_duplicate_is_fatal),
		cmocka_unit_test(test_extract_header_missing_mandatory),
		cmocka_unit_test(test_extract_header_other_separator),
		cmocka_unit_test(test_extract_row_tidied),
		cmocka_unit_test(test_extract_row_dates_converted_not_judged),
		cmocka_unit_test(test_extract_row_errors),
		cmocka_unit_test(test_extract_group_variants),
		cmocka_unit_test(test_extract_group_raw_is_a_difference),
		cmocka_unit_test(test_extract_group_order_and_errors),
		cmocka_unit_test(test_extract_period_financial_year),
		cmocka_unit_test(test_extract_period_disd_on_start),
		cmocka_unit_test(test_extract_group_period_takes_back),
		cmocka_unit_test(test_extract_group_many_variants),
		cmocka_unit_test(test_extract_sort_in_memory),
		cmocka_unit_test(test_extract_sort_external),
		cmocka_unit_test(test_extract_main_usage),
	};

	return cmocka_run_group_tests(tests, load_dataset, free_dataset);
}
