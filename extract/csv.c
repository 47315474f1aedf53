/*
 * The csv: source: an NDTMS-style CSV export (dataset.md §1).
 *
 * Columns may come in any order and are found by name.  Values are passed
 * on as they are: the only change is DD/MM/YYYY dates becoming YYYY-MM-DD,
 * and even that moves digits without judging them.  What cannot be
 * converted is kept as the source text and flagged raw, so the validator
 * reports it against its line.  Only what stops the file being read at
 * all (layout, field counts, text that is not UTF-8) is an error here.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ndx/csvrec.h"
#include "ndx/diag.h"
#include "ndx/ndx.h"

#include "extract.h"

/* The item of the CSV layout named name[0..len), or -1. */
static int
layout_item(const char *name, size_t len)
{
	for (size_t k = 0; k < ndx_layout_csv_n; k++) {
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

int
csv_columns_map(struct csv_columns *cols, const struct csvrec *hdr,
    const unsigned char mandatory[NDX_NITEMS], const char *name,
    struct ndx_error *err)
{
	size_t seen[NDX_NITEMS] = { 0 };	/* 1-based column, 0 = none */
	char *missing = NULL;
	size_t ulen = 0, mlen = 0, nmissing = 0;

	memset(cols, 0, sizeof(*cols));
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
	}
	for (size_t k = 0; k < ndx_layout_csv_n; k++) {
		enum ndx_item item = ndx_layout_csv[k];

		if (mandatory[item] && seen[item] == 0) {
			append(&missing, &mlen, ndx_items[item].code,
			    strlen(ndx_items[item].code));
			nmissing++;
		}
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
    const char *name, char conv[NDX_NITEMS][11], struct extract_row *row,
    struct ndx_error *err)
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
		const char *s = rec->field[i];

		if (item < 0)
			continue;
		if (!ndx_utf8_valid(s, rec->len[i])) {
			ndx_error_set(err, NDX_EX_DATAERR, name, rec->line,
			    "%s: not valid UTF-8 text", ndx_items[item].code);
			return -1;
		}
		if (*s == '\0')
			continue;
		if (!ndx_items[item].is_date)
			row->v[item] = s;
		else if (ndx_date_dmy_to_iso(s, conv[item]) == 0)
			row->v[item] = conv[item];
		else {
			row->v[item] = s;
			row->raw |= (uint64_t)1 << item;
		}
	}
	return 0;
}

int
csv_read(FILE *fp, const char *name, const unsigned char mandatory[NDX_NITEMS],
    struct sorter *sorter, unsigned long long *rows_read,
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
	if (cols.unknown != NULL)
		diag_at(name, rec->line, "unknown column%s ignored: %s",
		    cols.nunknown > 1 ? "s" : "", cols.unknown);
	while (sorter != NULL && (rc = csvrec_next(r, &rec, err)) > 0) {
		if (csv_row(&cols, rec, name, conv, &row, err) != 0 ||
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
