/*
 * The PCC return as an Excel workbook (--format xlsx, interfaces.md), from
 * the same document the CSV and HTML are laid out from, so the three
 * agree by construction.
 *
 * A sheet "about" (period, area, disclosure rule, data cut, dataset and
 * ndx versions, the providers combined), then one sheet per measure in
 * the panel layout (metrics.md): the breakdowns down, the local
 * authorities across, the force area's total last; the header row frozen
 * and filtered.  Counts and rates are numbers; a hidden count (*) and
 * every code and label are text cells, so Excel never turns a code into a
 * number or strips a leading zero.  With --trend each sheet also holds
 * the force area's total over the quarters, below the table.
 *
 * libxlsxwriter writes to a named file: it gets the unnamed temporary file
 * (O_TMPFILE, mode 0600) through /proc/self/fd, and the bytes are then
 * copied to the product's atomic output.  The workbook's dates are the
 * data cut's, not the clock's, so one input gives one file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/tree.h>
#include <xlsxwriter.h>

#include "ndx/date.h"
#include "ndx/ndx.h"
#include "ndx/outfile.h"
#include "transform.h"

#define NS_PCC "urn:ndx:pcc:1"

static int
is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    strcmp((const char *)n->ns->href, NS_PCC) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

/* An attribute's value, "" when absent; freed by the caller. */
static char *
attr(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);

	return v != NULL ? (char *)v : (char *)xmlStrdup(BAD_CAST "");
}

/* A count or rate as a number; anything else ("*", "") stays text. */
static int
number(const char *s, double *d)
{
	char *end;

	if (*s == '\0' || *s == '*')
		return 0;
	errno = 0;
	*d = strtod(s, &end);
	return errno == 0 && *end == '\0';
}

static void
cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *v,
    lxw_format *text)
{
	double d;

	if (number(v, &d))
		worksheet_write_number(ws, r, c, d, NULL);
	else if (*v != '\0')
		worksheet_write_string(ws, r, c, v, text);
}

/* The measure's value for breakdown b in row. */
static char *
value_of(const xmlNode *row, const char *b)
{
	for (const xmlNode *v = row->children; v != NULL; v = v->next) {
		char *name;

		if (!is(v, "value"))
			continue;
		name = attr(v, "breakdown");
		if (strcmp(name, b) == 0) {
			xmlFree(name);
			return (char *)xmlNodeGetContent(v);
		}
		xmlFree(name);
	}
	return (char *)xmlStrdup(BAD_CAST "");
}

/* The force area's row of a measure of quarter q. */
static const xmlNode *
total_row(const xmlNode *q, const char *measure)
{
	for (const xmlNode *m = q->children; m != NULL; m = m->next) {
		char *name;
		int same;

		if (!is(m, "measure"))
			continue;
		name = attr(m, "name");
		same = strcmp(name, measure) == 0;
		xmlFree(name);
		if (!same)
			continue;
		for (const xmlNode *r = m->children; r != NULL; r = r->next)
			if (is(r, "row") && xmlHasProp(r, BAD_CAST "total"))
				return r;
	}
	return NULL;
}

static void
measure_sheet(lxw_workbook *wb, const xmlNode *root, const xmlNode *m,
    lxw_format *text, lxw_format *bold)
{
	char *name = attr(m, "name");
	lxw_worksheet *ws = workbook_add_worksheet(wb, name);
	lxw_row_t r = 0;
	lxw_col_t c = 1, ncols;

	worksheet_write_string(ws, 0, 0, "breakdown", bold);
	for (const xmlNode *row = m->children; row != NULL; row = row->next) {
		char *la, *code, head[256];

		if (!is(row, "row"))
			continue;
		la = attr(row, "name");
		code = attr(row, "code");
		snprintf(head, sizeof(head), "%s (%s)", la, code);
		worksheet_write_string(ws, 0, c++, head, bold);
		xmlFree(la);
		xmlFree(code);
	}
	ncols = c;
	for (const xmlNode *b = m->children; b != NULL; b = b->next) {
		char *bn;

		if (!is(b, "breakdown"))
			continue;
		bn = attr(b, "name");
		worksheet_write_string(ws, ++r, 0, bn, text);
		c = 1;
		for (const xmlNode *row = m->children; row != NULL;
		    row = row->next) {
			char *v;

			if (!is(row, "row"))
				continue;
			v = value_of(row, bn);
			cell(ws, r, c++, v, text);
			xmlFree(v);
		}
		xmlFree(bn);
	}
	worksheet_freeze_panes(ws, 1, 1);
	worksheet_autofilter(ws, 0, 0, r, (lxw_col_t)(ncols - 1));
	worksheet_set_column(ws, 0, 0, 26, NULL);
	worksheet_set_column(ws, 1, (lxw_col_t)(ncols - 1), 22, NULL);

	/* --trend: the force area's total, quarter by quarter. */
	if (xmlHasProp(root, BAD_CAST "trend")) {
		const xmlNode *qs[64];
		size_t nq = 0;

		for (const xmlNode *q = root->children; q != NULL &&
		    nq < 63; q = q->next)
			if (is(q, "quarter"))
				qs[nq++] = q;
		qs[nq++] = root;
		r += 2;
		worksheet_write_string(ws, r, 0, "force area total by quarter",
		    bold);
		worksheet_write_string(ws, ++r, 0, "quarter", bold);
		c = 1;
		for (const xmlNode *b = m->children; b != NULL; b = b->next) {
			char *bn;

			if (!is(b, "breakdown"))
				continue;
			bn = attr(b, "name");
			worksheet_write_string(ws, r, c++, bn, bold);
			xmlFree(bn);
		}
		for (size_t i = 0; i < nq; i++) {
			const xmlNode *tr = total_row(qs[i], name);
			char *label = attr(qs[i], "period");

			worksheet_write_string(ws, ++r, 0, label, text);
			xmlFree(label);
			c = 1;
			for (const xmlNode *b = m->children; tr != NULL &&
			    b != NULL; b = b->next) {
				char *bn, *v;

				if (!is(b, "breakdown"))
					continue;
				bn = attr(b, "name");
				v = value_of(tr, bn);
				cell(ws, r, c++, v, text);
				xmlFree(v);
				xmlFree(bn);
			}
		}
	}
	xmlFree(name);
}

static void
about_sheet(lxw_workbook *wb, const xmlNode *root, lxw_format *text,
    lxw_format *bold)
{
	static const char *const keys[][2] = {
		{ "period", "period" }, { "start", "start" }, { "end", "end" },
		{ "asof", "data cut" }, { "area", "police force area" },
		{ "disclosure", "disclosure control" },
		{ "threshold", "suppression threshold" },
		{ "notice", "notice" }, { "trend", "quarters in the trend" },
		{ "keyid", "pseudonymisation key id" },
		{ "dataset", "dataset version" }, { "ndx", "ndx version" },
	};
	lxw_worksheet *ws = workbook_add_worksheet(wb, "about");
	lxw_row_t r = 0;

	worksheet_write_string(ws, r, 0, "item", bold);
	worksheet_write_string(ws, r, 1, "value", bold);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *v;

		if (!xmlHasProp(root, BAD_CAST keys[i][0]))
			continue;
		v = attr(root, keys[i][0]);
		worksheet_write_string(ws, ++r, 0, keys[i][1], text);
		worksheet_write_string(ws, r, 1, v, text);
		xmlFree(v);
	}
	for (const xmlNode *p = root->children; p != NULL; p = p->next) {
		char *ag, *ce, line[512];

		if (!is(p, "provider"))
			continue;
		ag = attr(p, "agencies");
		ce = attr(p, "consent-excluded");
		snprintf(line, sizeof(line), "%s (%s episodes left out for "
		    "CONSENT = N)", ag, ce);
		worksheet_write_string(ws, ++r, 0, "provider combined", text);
		worksheet_write_string(ws, r, 1, line, text);
		xmlFree(ag);
		xmlFree(ce);
	}
	worksheet_set_column(ws, 0, 0, 28, NULL);
	worksheet_set_column(ws, 1, 1, 60, NULL);
}

static int
copy_out(int fd, FILE *out, struct ndx_error *err)
{
	char buf[65536];
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		goto fail;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, out) != (size_t)n) {
			ndx_error_set(err, NDX_EX_IOERR, "", 0, "write error");
			return -1;
		}
	if (n == 0)
		return 0;
fail:
	ndx_error_set(err, NDX_EX_IOERR, "", 0, "the workbook's temporary "
	    "file: %s", strerror(errno));
	return -1;
}

int
xlsx_open(lxw_workbook **wbp, int *fdp, int constant_memory,
    const char *title, const char *asof, struct ndx_error *err)
{
	const char *dir = getenv("TMPDIR");
	lxw_workbook_options opt = { 0 };
	lxw_doc_properties props = { 0 };
	char path[64];
	ndx_day d;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if ((fd = ndx_tmpfd("the workbook", err)) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	opt.tmpdir = (char *)dir;
	opt.constant_memory = constant_memory ? LXW_TRUE : LXW_FALSE;
	if ((*wbp = workbook_new_opt(path, &opt)) == NULL) {
		close(fd);
		ndx_error_set(err, NDX_EX_CANTCREAT, dir, 0, "libxlsxwriter "
		    "cannot start a workbook");
		return -1;
	}
	props.title = (char *)title;
	props.author = (char *)"ndx";
	/* libxlsxwriter dates a workbook by the clock unless told: by the
	 * data cut, or a fixed day, so one input gives one file. */
	if (asof != NULL && ndx_date_parse_iso(asof, &d) == NDX_DATE_OK)
		props.created = (time_t)d * 86400;
	else
		props.created = 86400;
	workbook_set_properties(*wbp, &props);
	*fdp = fd;
	return 0;
}

int
xlsx_close(lxw_workbook *wb, int fd, FILE *out, struct ndx_error *err)
{
	lxw_error e = workbook_close(wb);
	int rc;

	if (e != LXW_NO_ERROR) {
		close(fd);
		ndx_error_set(err, NDX_EX_IOERR, "", 0, "the workbook: %s",
		    lxw_strerror(e));
		return -1;
	}
	rc = copy_out(fd, out, err);
	close(fd);
	return rc;
}

int
pcc_write_xlsx(xmlDocPtr doc, FILE *out, struct ndx_error *err)
{
	const xmlNode *root = xmlDocGetRootElement(doc);
	lxw_workbook *wb;
	lxw_format *text, *bold;
	char *asof = attr(root, "asof");
	int fd, rc;

	rc = xlsx_open(&wb, &fd, 0, "PCC quarterly return", asof, err);
	xmlFree(asof);
	if (rc != 0)
		return -1;
	text = workbook_add_format(wb);
	format_set_num_format(text, "@");
	bold = workbook_add_format(wb);
	format_set_bold(bold);
	format_set_num_format(bold, "@");
	about_sheet(wb, root, text, bold);
	for (const xmlNode *m = root->children; m != NULL; m = m->next)
		if (is(m, "measure"))
			measure_sheet(wb, root, m, text, bold);
	return xlsx_close(wb, fd, out, err);
}
