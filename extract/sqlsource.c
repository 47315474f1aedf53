/*
 * The database sources: what sqlite: and postgresql: have in common.
 *
 * The mapping from a case-management schema to the dataset is a query in
 * a readable SQL file (extract/sql/episodes.sql, installed as
 * sql/episodes.sql), so a data officer adapting ndx edits SQL, not C.
 * Its result columns are matched to the dataset's short codes by name,
 * exactly as a CSV header is, and each result row becomes one source row
 * with line 0.  The sorter then puts rows in byte order, so neither the
 * query's ORDER BY nor the server's collation can change the XML.
 *
 * Values are passed on as the database gives them but for the CSV
 * source's tidying (blanks around a value removed, R102; a postcode put
 * right, R103), flagged for the validator to report: NULL and "" are
 * absent, a date that is not YYYY-MM-DD text is kept verbatim and flagged
 * raw.  Only text that cannot go into XML at all stops the extract.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ndx/csvrec.h"
#include "ndx/datadir.h"
#include "ndx/diag.h"
#include "ndx/ndx.h"

#include "extract.h"

#define SQL_NAME "sql/episodes.sql"
#define SQL_NAME_2 "sql/episodes-2.sql"	/* --dataset 2 */
/* A mapping is a page or two of SQL; anything far larger is a mistake. */
#define SQL_MAX (1024 * 1024)

struct sql_sink {
	const char *source;		/* the database, for messages */
	const char *sqlname;		/* the mapping, for messages */
	const struct ndx_dataset *ds;	/* for postcodes */
	const unsigned char *mandatory;	/* per item: a column must exist */
	struct csv_columns cols;	/* result column -> item */
	char *tidy;			/* the row's trimmed values */
	size_t tidycap;
	int mapped;			/* cols is set */
	struct sorter *sorter;
	unsigned long long *rows_read;
};

/*
 * The result's column names through the CSV header's mapping, so both
 * sources accept the same names.  A mismatch is the mapping's fault, not
 * the data's: 78, naming the SQL file.
 */
int
sql_sink_columns(struct sql_sink *k, size_t n, const char *const *names,
    struct ndx_error *err)
{
	struct csvrec hdr = { 0 };
	int rc;

	hdr.nfields = n;
	hdr.field = xcalloc(n + 1, sizeof(*hdr.field));
	hdr.len = xcalloc(n + 1, sizeof(*hdr.len));
	for (size_t i = 0; i < n; i++) {
		hdr.field[i] = xstrdup(names[i] != NULL ? names[i] : "");
		hdr.len[i] = strlen(hdr.field[i]);
	}
	rc = csv_columns_map(&k->cols, &hdr, k->mandatory, k->sqlname, err);
	if (rc != 0)
		err->code = NDX_EX_CONFIG;
	else {
		k->mapped = 1;
		if (k->cols.unknown != NULL)
			diag_at(k->sqlname, 0, "unknown column%s ignored: %s",
			    k->cols.nunknown > 1 ? "s" : "", k->cols.unknown);
	}
	for (size_t i = 0; i < n; i++)
		free(hdr.field[i]);
	free(hdr.field);
	free(hdr.len);
	return rc;
}

int
sql_sink_row(struct sql_sink *k, const char *const *values,
    const size_t *lens, struct ndx_error *err)
{
	struct extract_row row;
	char pc[11];
	size_t need = 0, used = 0;
	ndx_day day;

	memset(&row, 0, sizeof(row));
	/* Driver text is not ours to cut: trimmed values are copied, and
	 * never need more than the row's own bytes. */
	for (size_t i = 0; i < k->cols.n; i++)
		need += (values[i] != NULL ? lens[i] : 0) + 1;
	if (need > k->tidycap) {
		k->tidycap = need;
		k->tidy = xrealloc(k->tidy, need);
	}
	for (size_t i = 0; i < k->cols.n; i++) {
		int item = k->cols.item[i];
		const char *v = values[i];
		size_t lead, len;

		if (item < 0 || v == NULL || lens[i] == 0)
			continue;
		/* SQLite text may hold NUL or any byte; XML cannot. */
		if (memchr(v, '\0', lens[i]) != NULL ||
		    !ndx_utf8_valid(v, lens[i])) {
			ndx_error_set(err, NDX_EX_DATAERR, k->source, 0,
			    "row %llu: %s: not valid UTF-8 text",
			    *k->rows_read + 1, ndx_items[item].code);
			return -1;
		}
		if ((len = tidy_span(v, lens[i], &lead)) != lens[i]) {
			row.trimmed |= ndx_item_bit((enum ndx_item)item);
			if (len == 0)
				continue;
			memcpy(k->tidy + used, v + lead, len);
			k->tidy[used + len] = '\0';
			v = k->tidy + used;
			used += len + 1;
		}
		if (item == NDX_PC && tidy_postcode(k->ds, v, pc)) {
			row.v[item] = pc;
			row.normalised |= ndx_item_bit((enum ndx_item)item);
			continue;
		}
		row.v[item] = v;
		if (ndx_items[item].is_date &&
		    ndx_date_parse_iso(v, &day) == NDX_DATE_SHAPE)
			row.raw |= ndx_item_bit((enum ndx_item)item);
	}
	if (sorter_add(k->sorter, &row, err) != 0)
		return -1;
	(*k->rows_read)++;
	return 0;
}

/* A driver's messages span lines; ours are one line each. */
void
sql_flatten(const char *msg, char *buf, size_t size)
{
	size_t n = 0;
	int blank = 0;

	for (; *msg != '\0' && n + 1 < size; msg++) {
		if (*msg == '\n' || *msg == '\r' || *msg == '\t' ||
		    *msg == ' ') {
			blank = n > 0;
			continue;
		}
		if (blank && n + 2 < size)
			buf[n++] = ' ';
		blank = 0;
		buf[n++] = *msg;
	}
	buf[n] = '\0';
}

unsigned long long
sql_sink_rows(const struct sql_sink *k)
{
	return *k->rows_read;
}

/* Reads the mapping whole: it is small, and both backends want a string. */
static char *
read_mapping(const char *path, struct ndx_error *err)
{
	struct stat st;
	FILE *fp;
	char *buf = NULL;
	size_t n;

	if ((fp = fopen(path, "r")) == NULL) {
		ndx_error_set(err, NDX_EX_CONFIG, path, 0, "cannot open: %s",
		    strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > SQL_MAX) {
		ndx_error_set(err, NDX_EX_CONFIG, path, 0,
		    "not an SQL file of at most %d bytes", SQL_MAX);
		goto out;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	n = fread(buf, 1, (size_t)st.st_size, fp);
	if (ferror(fp)) {
		ndx_error_set(err, NDX_EX_IOERR, path, 0, "read error: %s",
		    strerror(errno));
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
	if (strlen(buf) != n || !ndx_utf8_valid(buf, n)) {
		ndx_error_set(err, NDX_EX_CONFIG, path, 0,
		    "not SQL text (a NUL byte or invalid UTF-8)");
		free(buf);
		buf = NULL;
	}
out:
	fclose(fp);
	return buf;
}

int
sql_read(const struct extract *x, const struct ndx_dataset *ds,
    const unsigned char mandatory[NDX_NITEMS], struct sorter *sorter,
    unsigned long long *rows_read, int *version, struct ndx_error *err)
{
	struct sql_sink k = { 0 };
	char *found = NULL, *query = NULL;
	const char *path = x->sql;
	int rc = -1;

	if (path == NULL && (path = found = ndx_datafile(x->want_version ==
	    2 ? SQL_NAME_2 : SQL_NAME)) == NULL) {
		ndx_error_set(err, NDX_EX_CONFIG, x->want_version == 2 ?
		    SQL_NAME_2 : SQL_NAME, 0,
		    "not found in the data directory (set NDX_DATADIR, or "
		    "give --sql FILE)");
		goto out;
	}
	if ((query = read_mapping(path, err)) == NULL)
		goto out;
	if (x->check) {
		size_t n = strlen(query), m;
		char *q;

		/* A final ";" would end the query inside the parentheses. */
		while (n > 0 && strchr(" \t\r\n;", query[n - 1]) != NULL)
			n--;
		m = n + 64;
		q = xmalloc(m);
		snprintf(q, m, "SELECT * FROM (\n%.*s\n) AS q LIMIT 0",
		    (int)n, query);
		free(query);
		query = q;
	}
	/* Never the connection string: it may name more than it should. */
	k.source = x->kind == EXTRACT_SQLITE ? x->input :
	    x->kind == EXTRACT_ODBC ? "ODBC" : "PostgreSQL";
	k.sqlname = path;
	k.ds = ds;
	k.mandatory = mandatory;
	k.sorter = sorter;
	k.rows_read = rows_read;
	if (x->kind == EXTRACT_SQLITE)
		rc = sqlite_run(x->input, query, path, &k, err);
	else if (x->kind == EXTRACT_ODBC)
		rc = odbc_run(x->input, query, path, &k, err);
	else
		rc = postgresql_run(x->input, query, path, &k, err);
out:
	*version = k.mapped ? k.cols.version : 1;
	if (k.mapped)
		csv_columns_free(&k.cols);
	free(k.tidy);
	free(query);
	free(found);
	return rc;
}
