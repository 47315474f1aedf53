/*
 * libFuzzer harness for lib/csvrec.c.  Bytes are read as a CSV file until
 * the end or an error, and checked against what csvrec.h promises:
 * increasing line numbers, NUL-free fields within the limits, errors 65
 * or 74.  ndx_utf8_valid() is compared with a decoder written from the
 * Unicode standard's table of well-formed sequences, on the whole input
 * and on every field.  The records are then written back out and read
 * again: writing what was read must be stable.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/csvrec.h"
#include "ndx/ndx.h"
#include "fuzz.h"


/* Unicode 15 table 3-7, less the controls and nonchars XML refuses. */
static int
ref_utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xBF;
		size_t n;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
			    c == 0x7F)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3;
		else
			return 0;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
		else if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
		if (i + n >= len)
			return 0;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t k = 2; k <= n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xBF)
				return 0;
		if (c == 0xEF && s[i + 1] == 0xBF &&
		    (s[i + 2] == 0xBE || s[i + 2] == 0xBF))
			return 0;
		i += n + 1;
	}
	return 1;
}

static void
check_utf8(const char *s, size_t len)
{
	CHECK(ndx_utf8_valid(s, len) ==
	    ref_utf8_valid((const unsigned char *)s, len));
}

/*
 * Reads data as CSV and, when out is non-NULL, writes the records back
 * (quoting every field when quote_all).  A record of one empty field is
 * not written (it would be a blank line), and the first field of the
 * file is quoted when it starts like a byte-order mark.  Returns what
 * csvrec_next() last returned.
 */
static int
read_write(const void *data, size_t size, FILE *out, int quote_all)
{
	struct csvrec_reader *r;
	const struct csvrec *rec;
	struct ndx_error err;
	long prev = 0;
	int rc, first = 1;
	FILE *fp = fmemopen((void *)(uintptr_t)data, size, "r");

	if (fp == NULL)
		return 0;
	r = csvrec_open(fp, "fuzz.csv");
	CHECK(r != NULL);
	while ((rc = csvrec_next(r, &rec, &err)) == 1) {
		CHECK(rec->line > prev);
		prev = rec->line;
		CHECK(rec->nfields >= 1 && rec->nfields <= 1024);
		for (size_t i = 0; i < rec->nfields; i++) {
			CHECK(rec->len[i] <= CSVREC_FIELD_MAX);
			CHECK(strlen(rec->field[i]) == rec->len[i]);
			check_utf8(rec->field[i], rec->len[i]);
		}
		if (out == NULL ||
		    (rec->nfields == 1 && rec->len[0] == 0))
			continue;
		if (first && !quote_all && rec->len[0] >= 3 &&
		    memcmp(rec->field[0], "\xEF\xBB\xBF", 3) == 0) {
			CHECK(csvrec_write_field(out, rec->field[0], 1) == 0);
			CHECK(rec->nfields == 1 || putc(',', out) == ',');
			CHECK(csvrec_write_row(out,
			    (const char *const *)rec->field + 1,
			    rec->nfields - 1, 0) == 0);
		} else
			CHECK(csvrec_write_row(out,
			    (const char *const *)rec->field, rec->nfields,
			    quote_all) == 0);
		first = 0;
	}
	if (rc == -1) {
		CHECK(err.code == NDX_EX_DATAERR || err.code == NDX_EX_IOERR);
		CHECK(err.line >= 0);
		CHECK(err.line >= prev);
		CHECK(strcmp(err.file, "fuzz.csv") == 0);
		CHECK(err.msg[0] != '\0');
		/* The error sticks. */
		CHECK(csvrec_next(r, &rec, &err) == -1);
	} else
		CHECK(rc == 0 && csvrec_next(r, &rec, &err) == 0);
	csvrec_close(r);
	fclose(fp);
	return rc;
}

static void
roundtrip(const uint8_t *data, size_t size, int quote_all)
{
	char *out1 = NULL, *out2 = NULL;
	size_t n1 = 0, n2 = 0;
	FILE *m1 = open_memstream(&out1, &n1), *m2;

	CHECK(m1 != NULL);
	(void)read_write(data, size, m1, quote_all);
	CHECK(fclose(m1) == 0);
	if (n1 > 0) {
		m2 = open_memstream(&out2, &n2);
		CHECK(m2 != NULL);
		/* What the writer wrote always reads back. */
		CHECK(read_write(out1, n1, m2, quote_all) == 0);
		CHECK(fclose(m2) == 0);
		CHECK(n1 == n2 && memcmp(out1, out2, n1) == 0);
	}
	free(out1);
	free(out2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_utf8((const char *)data, size);
	if (size == 0)
		return 0;
	roundtrip(data, size, 0);
	roundtrip(data, size, 1);
	return 0;
}
