/*
 * CSV records with line numbers, over libcsv in strict mode.
 *
 * libcsv reports no positions, so the reader counts them: a record's line
 * is the physical line on which it starts (quoted fields may hold newlines).
 * Fields are kept byte for byte: no trimming, quotes removed per RFC 4180.
 * A byte-order mark at the start is skipped.  CRLF and LF both end records.
 *
 * Ownership: the record returned by csvrec_next() and its fields belong to
 * the reader and live until the next call; copy what you keep.
 */
#ifndef NDX_CSVREC_H
#define NDX_CSVREC_H

#include <stddef.h>
#include <stdio.h>

struct ndx_error;

/* Longest field accepted; a longer one is an error (exit 65). */
#define CSVREC_FIELD_MAX 4096

struct csvrec {
	long line;		/* physical line where the record starts */
	size_t nfields;
	char **field;		/* NUL-terminated */
	size_t *len;		/* field lengths (fields may not hold NUL) */
};

struct csvrec_reader;

/* name is used in messages; fp is borrowed and not closed. */
struct csvrec_reader *csvrec_open(FILE *fp, const char *name);
/*
 * 1: *rec is the next record; 0: end of input; -1: error in *err
 * (65 malformed CSV, field too long, NUL byte; 74 read error).
 * A completely empty line yields no record.
 */
int csvrec_next(struct csvrec_reader *, const struct csvrec **rec,
    struct ndx_error *err);
void csvrec_close(struct csvrec_reader *);

/*
 * Writing.  csvrec_write_field() quotes when needed (or always when
 * quote_all), doubling inner quotes.  Returns 0 or -1 (errno set).
 */
int csvrec_write_field(FILE *, const char *s, int quote_all);
/* Write fields separated by commas and end with LF. NULL = empty. */
int csvrec_write_row(FILE *, const char *const *fields, size_t n,
    int quote_all);
/*
 * The same for a file a person opens in a spreadsheet (the validation
 * report): a field that starts with = + - @, a tab or a CR, which Excel
 * would run as a formula, is written with a leading apostrophe (OWASP's
 * advice on CSV injection).  Files read by programs (rejects, the
 * submissions) are written with csvrec_write_row(), byte for byte.
 */
int csvrec_write_row_for_people(FILE *, const char *const *fields, size_t n);

/* 1 when s holds valid UTF-8 with no C0 control other than TAB/LF/CR. */
int ndx_utf8_valid(const char *s, size_t len);

#endif
