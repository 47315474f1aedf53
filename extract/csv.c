/*
 * The csv: source: an NDTMS-style CSV export (dataset.md §1).
 *
 * Columns may come in any order and are found by name.  Values are passed
 * on as they are but for three changes, each flagged on the row for the
 * validator to report against its line: blanks around a value are removed
 * (R102), a postcode in lower case or without its space is put right when
 * that makes it valid (R103), and DD/MM/YYYY dates become YYYY-MM-DD,
 * which moves digits without judging them.  A date that cannot be
 * converted is kept as the source text and flagged raw.  Only what stops
 * the file being read at all (layout, field counts, text that is not
 * UTF-8) is an error here.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ndx/csvrec.h"
#include "ndx/dataset.h"
#include "ndx/diag.h"
#include "ndx/ndx.h"

#include "extract.h"

/* The item of the CSV layout named name[0..len), or -1. */
static int
layout_item(const char *name, size_t len)
{
	for (size_t k = 0; k < ndx_layout_csv_len(NDX_DATASET_MAX); k++) {
		const char *code = ndx_items[ndx_layout_csv[k]].code;

		if (strlen(code) == len && strncasecmp(code, name, len) == 0)
			return (int)ndx_layout_csv[k];
	}
	return -1;
}

static void
append(char **list, size_t *len, const char *s, size_t n)
{
	size_t sep = *len > 0 ? 2 : 0;

	*list = xrealloc(*list, *len + sep + n + 1);
	if (sep)
		memcpy(*list + *len, ", ", 2);
	memcpy(*list + *len + sep, s, n);
	*len += sep + n;
	(*list)[*len] = '\0';
}

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

size_t
tidy_span(const char *s, size_t len, size_t *lead)
{
	size_t a = 0;

	while (a < len && is_blank(s[a]))
		a++;
	while (len > a && is_blank(s[len - 1]))
		len--;
	*lead = a;
	return len - a;
}

int
tidy_postcode(const struct ndx_dataset *ds, const char *s, char out[11])
{
	struct ndx_check chk;
	size_t n = 0;

	/* Spaces anywhere go: "TS13QY", "TS1  3QY" and "T S1 3QY" are one
	 * postcode typed three ways.  Only ASCII letters change case; any
	 * other byte stays, and the result is then not valid. */
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == ' ')
			continue;
		if (n == 7)	/* an outward code of 4 and an inward of 3 */
			return 0;
		out[n++] = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
	}
	if (n < 5)
		return 0;
	memmove(out + n - 2, out + n - 3, 3);
	out[n - 3] = ' ';
	out[n + 1] = '\0';
	return strcmp(out, s) != 0 &&
	    ndx_dataset_check(ds, NDX_PC, out, &chk) == 0;
}

/* A header of one field naming several columns, joined by sep. */
static int
joined_by(const struct csvrec *hdr, char sep)
{
	const char *s = hdr->field[0], *end;

	if (hdr->nfields != 1 || (end = strchr(s, sep)) == NULL)
		return 0;
	return layout_item(s, (size_t)(end - s)) >= 0;
}

int
csv_columns_map(struct csv_columns *cols, const struct csvrec *hdr,
    const unsigned char mandatory[NDX_NITEMS], const char *name,
    struct ndx_error *err)
{
	size_t seen[NDX_NITEMS] = { 0 };	/* 1-based column, 0 = none */
	char *missing = NULL;
	size_t ulen = 0, mlen = 0, nmissing = 0;

	memset(cols, 0, sizeof(*cols));
	if (joined_by(hdr, ';') || joined_by(hdr, '\t')) {
		ndx_error_set(err, NDX_EX_DATAERR, name, hdr->line,
		    "the header is one field of column names separated by "
		    "'%s': ndx reads comma-separated CSV (save or export the "
		    "file as \"CSV (comma delimited)\")",
		    strchr(hdr->field[0], ';') != NULL ? ";" : "\\t");
		return -1;
	}
	cols->n = hdr->nfields;
	cols->item = xcalloc(hdr->nfields, sizeof(*cols->item));
	for (size_t i = 0; i < hdr->nfields; i++) {
		const char *s = hdr->field[i];
		size_t len = hdr->len[i];
		int item;

		if (!ndx_utf8_valid(s, len)) {
			ndx_error_set(err, NDX_EX_DATAERR, name, hdr->line,
			    "column %zu: name is not valid UTF-8 text", i + 1);
			goto fail;
		}
		while (len > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			len--;
		}
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if ((item = layout_item(s, len)) < 0) {
			cols->item[i] = -1;
			cols->nunknown++;
			if (len == 0)
				append(&cols->unknown, &ulen, "(empty)", 7);
			else
				append(&cols->unknown, &ulen, s, len);
			continue;
		}
		if (seen[item] != 0) {
			ndx_error_set(err, NDX_EX_DATAERR, name, hdr->line,
			    "column %s appears twice (columns %zu and %zu)",
			    ndx_items[item].code, seen[item], i + 1);
			goto fail;
		}
		seen[item] = i + 1;
		cols->item[i] = item;
		if (ndx_items[item].v2)
			cols->version = 2;
	}
	/* outcomes.md §2: any TOP column makes the file version 2, whose
	 * TOP columns are then all there. */
	if (cols->version == 0)
		cols->version = 1;
	for (size_t k = ndx_layout_csv_n; cols->version == 2 &&
	    k < ndx_layout_csv_len(2); k++)
		if (seen[ndx_layout_csv[k]] == 0) {
			append(&missing, &mlen,
			    ndx_items[ndx_layout_csv[k]].code,
			    strlen(ndx_items[ndx_layout_csv[k]].code));
			nmissing++;
		}
	if (missing != NULL) {
		ndx_error_set(err, NDX_EX_DATAERR, name, hdr->line,
		    "the header has TOP columns (dataset version 2), but not "
		    "every one: column%s missing: %s", nmissing > 1 ? "s" : "",
		    missing);
		free(missing);
		goto fail;
	}
	for (size_t k = 0; k < ndx_layout_csv_n; k++) {
		enum ndx_item item = ndx_layout_csv[k];

		if (seen[item] != 0)
			continue;
		if (!mandatory[item]) {
			cols->absent |= ndx_item_bit((enum ndx_item)item);
			continue;
		}
		append(&missing, &mlen, ndx_items[item].code,
		    strlen(ndx_items[item].code));
		nmissing++;
	}
	if (missing != NULL) {
		ndx_error_set(err, NDX_EX_DATAERR, name, hdr->line,
		    "mandatory column%s missing: %s", nmissing > 1 ? "s" : "",
		    missing);
		free(missing);
		goto fail;
	}
	return 0;
fail:
	csv_columns_free(cols);
	return -1;
}

void
csv_columns_free(struct csv_columns *cols)
{
	free(cols->item);
	free(cols->unknown);
	memset(cols, 0, sizeof(*cols));
}

int
csv_row(const struct csv_columns *cols, const struct csvrec *rec,
    const struct ndx_dataset *ds, const char *name,
    char conv[NDX_NITEMS][11], struct extract_row *row, struct ndx_error *err)
{
	memset(row, 0, sizeof(*row));
	row->line = rec->line;
	if (rec->nfields != cols->n) {
		ndx_error_set(err, NDX_EX_DATAERR, name, rec->line,
		    "expected %zu fields, found %zu", cols->n, rec->nfields);
		return -1;
	}
	for (size_t i = 0; i < cols->n; i++) {
		int item = cols->item[i];
		char *s = rec->field[i];
		size_t lead, len;

		if (item < 0)
			continue;
		if (!ndx_utf8_valid(s, rec->len[i])) {
			ndx_error_set(err, NDX_EX_DATAERR, name, rec->line,
			    "%s: not valid UTF-8 text", ndx_items[item].code);
			return -1;
		}
		if ((len = tidy_span(s, rec->len[i], &lead)) != rec->len[i]) {
			row->trimmed |= ndx_item_bit((enum ndx_item)item);
			s += lead;
			s[len] = '\0';
		}
		if (*s == '\0')
			continue;
		if (item == NDX_PC && tidy_postcode(ds, s, conv[item])) {
			row->v[item] = conv[item];
			row->normalised |= ndx_item_bit((enum ndx_item)item);
		} else if (!ndx_items[item].is_date)
			row->v[item] = s;
		else if (ndx_date_dmy_to_iso(s, conv[item]) == 0)
			row->v[item] = conv[item];
		else {
			row->v[item] = s;
			row->raw |= ndx_item_bit((enum ndx_item)item);
		}
	}
	return 0;
}

int
csv_read(FILE *fp, const char *name, const struct ndx_dataset *ds,
    const unsigned char mandatory[NDX_NITEMS], struct sorter *sorter,
    unsigned long long *rows_read, uint64_t *absent, int *version,
    struct ndx_error *err)
{
	struct csvrec_reader *r;
	const struct csvrec *rec;
	struct csv_columns cols = { 0 };
	struct extract_row row;
	char conv[NDX_NITEMS][11];
	int rc = -1;

	if ((r = csvrec_open(fp, name)) == NULL) {
		ndx_error_set(err, NDX_EX_SOFTWARE, name, 0,
		    "cannot set up the CSV parser");
		return -1;
	}
	if ((rc = csvrec_next(r, &rec, err)) <= 0) {
		if (rc == 0)
			ndx_error_set(err, NDX_EX_DATAERR, name, 0,
			    "empty input: no header line");
		rc = -1;
		goto out;
	}
	if ((rc = csv_columns_map(&cols, rec, mandatory, name, err)) != 0)
		goto out;
	*absent = cols.absent;
	*version = cols.version;
	if (cols.unknown != NULL)
		diag_at(name, rec->line, "unknown column%s ignored: %s",
		    cols.nunknown > 1 ? "s" : "", cols.unknown);
	while (sorter != NULL && (rc = csvrec_next(r, &rec, err)) > 0) {
		if (csv_row(&cols, rec, ds, name, conv, &row, err) != 0 ||
		    sorter_add(sorter, &row, err) != 0) {
			rc = -1;
			goto out;
		}
		(*rows_read)++;
	}
out:
	csv_columns_free(&cols);
	csvrec_close(r);
	return rc < 0 ? -1 : 0;
}
