/*
 * The validation report as an Excel workbook (--product validation-report
 * --format xlsx, interfaces.md): for the data officer who works through
 * the month's problems in a spreadsheet.
 *
 * "summary": the run's counts and every rule found, with what to do;
 * "problems": every problem of the report, as report.csv has them;
 * "rejected rows", given --rejects: every row of ndx-validate's rejects
 * file with its problems beside it, so each row can be corrected where it
 * stands and the file sent back (ndx-extract --corrections).  Every cell
 * is text but the line: ids, codes and dates never turn into numbers.
 * Header rows are frozen and filtered.
 *
 * The report is read once with libxml2's reader and written row by row
 * (libxlsxwriter's constant-memory mode), so memory does not grow with
 * it, but for what --rejects needs: the problems of each record, by AGNCY,
 * CLIENTID, EPISODID and MODID, to put beside the rows.  A sheet stops at
 * Excel's 1,048,576 rows, and the summary then says how many were left
 * out (report.csv has them all).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlreader.h>
#include <xlsxwriter.h>

#include "ndx/csvrec.h"
#include "ndx/diag.h"
#include "ndx/ndx.h"
#include "ndx/strmap.h"
#include "transform.h"

#define NS_REPORT "urn:ndx:report:1"
#define SHEET_ROWS 1048575u	/* Excel's rows, less the header */

static const char *const problem_cols[] = { "line", "agncy", "clientid",
	"episodid", "modid", "field", "rule", "severity", "value",
	"message" };
#define NPROBLEM_COLS (sizeof(problem_cols) / sizeof(problem_cols[0]))

/*
 * Problems of one record, by record_key(), joined: "R031 REFMODDT:
 * message; ..." (strmap.h; the values are malloc'd strings).
 */
static void
index_add(struct ndx_strmap *x, const char *key, const char *text)
{
	void **v = ndx_strmap_put(x, key);
	size_t a, n = strlen(text);

	if (*v == NULL) {
		*v = xstrdup(text);
		return;
	}
	a = strlen(*v);
	*v = xrealloc(*v, a + n + 3);
	memcpy((char *)*v + a, "; ", 2);
	memcpy((char *)*v + a + 2, text, n + 1);
}

static const char *
index_get(const struct ndx_strmap *x, const char *key)
{
	void **v = ndx_strmap_get(x, key);

	return v != NULL ? *v : NULL;
}

static void
index_free(struct ndx_strmap *x)
{
	const char *key;
	void *v;
	size_t it = 0;

	while (ndx_strmap_next(x, &it, &key, &v))
		free(v);
	ndx_strmap_free(x);
}

static char *
record_key(const char *agncy, const char *clientid, const char *episodid,
    const char *modid)
{
	size_t n = strlen(agncy) + strlen(clientid) + strlen(episodid) +
	    strlen(modid) + 4;
	char *k = xmalloc(n);

	snprintf(k, n, "%s\x1f%s\x1f%s\x1f%s", agncy, clientid, episodid,
	    modid);
	return k;
}

static char *
get(xmlTextReaderPtr rd, const char *name)
{
	xmlChar *v = xmlTextReaderGetAttribute(rd, BAD_CAST name);

	return v != NULL ? (char *)v : (char *)xmlStrdup(BAD_CAST "");
}

static void
header(lxw_worksheet *ws, const char *const *cols, size_t n, lxw_format *bold)
{
	for (size_t c = 0; c < n; c++)
		worksheet_write_string(ws, 0, (lxw_col_t)c, cols[c], bold);
	worksheet_freeze_panes(ws, 1, 0);
}

struct book {
	lxw_workbook *wb;
	lxw_worksheet *problems;
	lxw_format *text, *bold;
	struct ndx_strmap *idx;
	int want_index;
	unsigned long rows, left_out;
	char *summary_attr[7];
	xmlDocPtr rules;	/* the summary's <rule> elements */
};

static const char *const summary_names[] = { "episodes-read",
	"episodes-valid", "episodes-rejected", "rows-read", "rows-written",
	"rows-rejected", "duplicates-removed" };

/* One <problem>: a row of the problems sheet, and into the index. */
static void
problem_row(struct book *b, xmlTextReaderPtr rd)
{
	char *f[NPROBLEM_COLS];
	xmlChar *msg = xmlTextReaderReadString(rd);

	for (size_t i = 0; i + 1 < NPROBLEM_COLS; i++)
		f[i] = get(rd, problem_cols[i]);
	f[NPROBLEM_COLS - 1] = msg != NULL ? (char *)msg :
	    (char *)xmlStrdup(BAD_CAST "");
	if (b->rows < SHEET_ROWS) {
		lxw_row_t r = (lxw_row_t)++b->rows;

		if (f[0][0] != '\0')
			worksheet_write_number(b->problems, r, 0,
			    strtod(f[0], NULL), NULL);
		for (size_t c = 1; c < NPROBLEM_COLS; c++)
			if (f[c][0] != '\0')
				worksheet_write_string(b->problems, r,
				    (lxw_col_t)c, f[c], b->text);
	} else
		b->left_out++;
	if (b->want_index && f[1][0] != '\0') {
		char *k = record_key(f[1], f[2], f[3], f[4]);
		size_t n = strlen(f[6]) + strlen(f[5]) + strlen(f[9]) + 4;
		char *t = xmalloc(n);

		snprintf(t, n, "%s%s%s: %s", f[6], f[5][0] ? " " : "", f[5],
		    f[9]);
		index_add(b->idx, k, t);
		free(t);
		free(k);
	}
	for (size_t i = 0; i < NPROBLEM_COLS; i++)
		xmlFree(f[i]);
}

static void
not_a_report(struct ndx_error *err, const char *name)
{
	ndx_error_set(err, NDX_EX_DATAERR, name, 0, "not a validation report "
	    "(ndx-validate --report FILE.xml writes one)");
}

/*
 * The rest of the report, the reader on its root element, whose asof
 * dated the workbook.
 */
static int
read_report_stream(struct book *b, xmlTextReaderPtr rd, const char *name,
    struct ndx_error *err)
{
	int ret, summary = 0;

	b->rules = xmlNewDoc(BAD_CAST "1.0");
	xmlDocSetRootElement(b->rules, xmlNewDocNode(b->rules, NULL,
	    BAD_CAST "rules", NULL));
	while ((ret = xmlTextReaderRead(rd)) == 1) {
		const xmlChar *local, *ns;

		if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT)
			continue;
		local = xmlTextReaderConstLocalName(rd);
		ns = xmlTextReaderConstNamespaceUri(rd);
		if (ns == NULL || !xmlStrEqual(ns, BAD_CAST NS_REPORT)) {
			ret = -2;
			break;
		}
		if (xmlStrEqual(local, BAD_CAST "problem"))
			problem_row(b, rd);
		else if (xmlStrEqual(local, BAD_CAST "summary")) {
			summary = 1;
			for (size_t i = 0; i < 7; i++)
				b->summary_attr[i] = get(rd, summary_names[i]);
		} else if (xmlStrEqual(local, BAD_CAST "rule")) {
			xmlNodePtr n = xmlTextReaderExpand(rd);

			if (n != NULL)
				xmlAddChild(xmlDocGetRootElement(b->rules),
				    xmlDocCopyNode(n, b->rules, 1));
		}
	}
	if (ret == -2 || (ret == 0 && !summary)) {
		not_a_report(err, name);
		return -1;
	}
	if (ret < 0) {
		ndx_error_set(err, NDX_EX_DATAERR, name, 0,
		    "not well-formed XML");
		return -1;
	}
	return 0;
}

static void
summary_sheet(struct book *b, lxw_worksheet *ws, const char *name)
{
	static const char *const labels[] = { "episodes read",
		"episodes valid", "episodes rejected", "rows read",
		"rows written", "rows rejected", "exact duplicates removed" };
	static const char *const cols[] = { "rule", "severity", "count",
		"rule says", "what to do" };
	lxw_row_t r = 0;

	worksheet_write_string(ws, r, 0, "validation report of", b->bold);
	worksheet_write_string(ws, r++, 1, name, b->text);
	for (size_t i = 0; i < 7; i++) {
		worksheet_write_string(ws, r, 0, labels[i], b->text);
		worksheet_write_number(ws, r++, 1,
		    strtod(b->summary_attr[i] ? b->summary_attr[i] : "0", NULL),
		    NULL);
	}
	if (b->left_out > 0) {
		char msg[160];

		snprintf(msg, sizeof(msg), "%lu problems are past Excel's "
		    "last row and not in this workbook: report.csv has them "
		    "all", b->left_out);
		worksheet_write_string(ws, r++, 0, msg, b->text);
	}
	r++;
	for (size_t c = 0; c < 5; c++)
		worksheet_write_string(ws, r, (lxw_col_t)c, cols[c], b->bold);
	r++;
	for (xmlNodePtr n = xmlDocGetRootElement(b->rules)->children;
	    n != NULL; n = n->next) {
		xmlChar *v[5];
		static const char *const attrs[] = { "id", "severity", "count",
			"title", "action" };

		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (size_t i = 0; i < 5; i++)
			v[i] = xmlGetProp(n, BAD_CAST attrs[i]);
		if (v[2] != NULL && strcmp((char *)v[2], "0") != 0) {
			for (size_t c = 0; c < 5; c++)
				if (c == 2)
					worksheet_write_number(ws, r, 2,
					    strtod((char *)v[2], NULL), NULL);
				else if (v[c] != NULL)
					worksheet_write_string(ws, r,
					    (lxw_col_t)c, (char *)v[c],
					    b->text);
			r++;
		}
		for (size_t i = 0; i < 5; i++)
			xmlFree(v[i]);
	}
	worksheet_set_column(ws, 0, 0, 26, NULL);
	worksheet_set_column(ws, 1, 2, 12, NULL);
	worksheet_set_column(ws, 3, 4, 70, NULL);
}

/* The rejects, each row with the problems of its client, its episode and
 * itself. */
static int
rejects_sheet(struct book *b, const char *path, struct ndx_error *err)
{
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, "rejected rows");
	struct csvrec_reader *rd;
	const struct csvrec *rec;
	FILE *fp;
	int ia = -1, ic = -1, ie = -1, im = -1, rc;
	lxw_row_t r = 0;
	size_t ncols = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		ndx_error_set(err, NDX_EX_NOINPUT, path, 0, "cannot open");
		return -1;
	}
	rd = csvrec_open(fp, path);
	while ((rc = csvrec_next(rd, &rec, err)) > 0) {
		if (r == 0) {
			ncols = rec->nfields;
			worksheet_write_string(ws, 0, 0, "problems", b->bold);
			for (size_t i = 0; i < rec->nfields; i++) {
				const char *h = rec->field[i];

				worksheet_write_string(ws, 0, (lxw_col_t)i + 1,
				    h, b->bold);
				if (strcmp(h, "AGNCY") == 0)
					ia = (int)i;
				else if (strcmp(h, "CLIENTID") == 0)
					ic = (int)i;
				else if (strcmp(h, "EPISODID") == 0)
					ie = (int)i;
				else if (strcmp(h, "MODID") == 0)
					im = (int)i;
			}
			if (ia < 0 || ic < 0 || ie < 0 || im < 0) {
				ndx_error_set(err, NDX_EX_DATAERR, path, 1,
				    "not ndx-validate's rejects (no AGNCY, "
				    "CLIENTID, EPISODID and MODID columns)");
				rc = -1;
				break;
			}
			worksheet_freeze_panes(ws, 1, 1);
			r = 1;
			continue;
		}
		if (rec->nfields != ncols) {
			ndx_error_set(err, NDX_EX_DATAERR, path, rec->line,
			    "expected %zu fields, found %zu", ncols,
			    rec->nfields);
			rc = -1;
			break;
		}
		if (r > SHEET_ROWS) {
			b->left_out++;
			continue;
		}
		{
			const char *a = rec->field[ia], *c = rec->field[ic];
			const char *e = rec->field[ie], *m = rec->field[im];
			char *keys[3] = { record_key(a, c, "", ""),
				record_key(a, c, e, ""), record_key(a, c, e, m) };
			char joined[4096];
			size_t n = 0;

			joined[0] = '\0';
			for (size_t k = 0; k < 3; k++) {
				const char *t = (k == 2 && m[0] == '\0') ? NULL :
				    index_get(b->idx, keys[k]);

				if (t != NULL && n < sizeof(joined))
					n += (size_t)snprintf(joined + n,
					    sizeof(joined) - n, "%s%s",
					    n ? "; " : "", t);
				free(keys[k]);
			}
			/* A row rejected for another row's error. */
			worksheet_write_string(ws, r, 0, joined[0] ? joined :
			    "(rejected with its episode)", b->text);
			for (size_t i = 0; i < rec->nfields; i++)
				if (rec->field[i][0] != '\0')
					worksheet_write_string(ws, r,
					    (lxw_col_t)i + 1, rec->field[i],
					    b->text);
			r++;
		}
	}
	csvrec_close(rd);
	fclose(fp);
	if (rc < 0)
		return -1;
	if (r > 1)
		worksheet_autofilter(ws, 0, 0, r - 1, (lxw_col_t)ncols);
	worksheet_set_column(ws, 0, 0, 60, NULL);
	return 0;
}

/*
 * Reads up to the report's root element; its asof (or NULL) in *asof.
 * 0, or -1 with err set when the input is not a report.
 */
static int
read_root(xmlTextReaderPtr rd, const char *name, char **asof,
    struct ndx_error *err)
{
	int ret;

	*asof = NULL;
	while ((ret = xmlTextReaderRead(rd)) == 1 &&
	    xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT)
		continue;
	if (ret != 1 || !xmlStrEqual(xmlTextReaderConstLocalName(rd),
	    BAD_CAST "report") || xmlTextReaderConstNamespaceUri(rd) == NULL ||
	    !xmlStrEqual(xmlTextReaderConstNamespaceUri(rd),
	    BAD_CAST NS_REPORT)) {
		not_a_report(err, name);
		return -1;
	}
	*asof = (char *)xmlTextReaderGetAttribute(rd, BAD_CAST "asof");
	return 0;
}

int
report_write_xlsx(int fd, const char *name, const char *rejects, FILE *out,
    struct ndx_error *err)
{
	struct book b;
	lxw_worksheet *summary;
	xmlTextReaderPtr rd;
	char *asof;
	int wfd, rc = -1;

	memset(&b, 0, sizeof(b));
	if ((rd = xmlReaderForFd(fd, NULL, NULL, XML_PARSE_NONET)) == NULL) {
		ndx_error_set(err, NDX_EX_SOFTWARE, name, 0,
		    "cannot start the XML reader");
		return -1;
	}
	/* The workbook is dated by the data cut, never the clock: one
	 * report, one file. */
	if (read_root(rd, name, &asof, err) != 0) {
		xmlFreeTextReader(rd);
		return -1;
	}
	rc = xlsx_open(&b.wb, &wfd, 1, "Validation report", asof, err);
	xmlFree(asof);
	if (rc != 0) {
		xmlFreeTextReader(rd);
		return -1;
	}
	rc = -1;
	b.want_index = rejects != NULL;
	b.idx = ndx_strmap_new();
	b.text = workbook_add_format(b.wb);
	format_set_num_format(b.text, "@");
	b.bold = workbook_add_format(b.wb);
	format_set_bold(b.bold);
	format_set_num_format(b.bold, "@");
	/* Sheets in the order a person reads them; each is written row by
	 * row on its own, so the summary can be filled in last. */
	summary = workbook_add_worksheet(b.wb, "summary");
	b.problems = workbook_add_worksheet(b.wb, "problems");
	header(b.problems, problem_cols, NPROBLEM_COLS, b.bold);
	if (read_report_stream(&b, rd, name, err) != 0)
		goto fail;
	if (b.rows > 0)
		worksheet_autofilter(b.problems, 0, 0, (lxw_row_t)b.rows,
		    NPROBLEM_COLS - 1);
	worksheet_set_column(b.problems, 9, 9, 80, NULL);
	if (rejects != NULL && rejects_sheet(&b, rejects, err) != 0)
		goto fail;
	summary_sheet(&b, summary, name);
	rc = xlsx_close(b.wb, wfd, out, err);
	b.wb = NULL;
	goto out;
fail:
	workbook_close(b.wb);
	close(wfd);
out:
	xmlFreeTextReader(rd);
	index_free(b.idx);
	for (size_t i = 0; i < 7; i++)
		xmlFree(b.summary_attr[i]);
	xmlFreeDoc(b.rules);
	return rc;
}
