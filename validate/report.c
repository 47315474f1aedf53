/*
 * The validation report: one line per problem, as CSV (interfaces.md's
 * header) or XML (urn:ndx:report:1, rendered to HTML by ndx-transform).
 * Values of identifying items are masked: the report travels by email more
 * often than anyone admits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "ndx/csvrec.h"
#include "ndx/diag.h"
#include "ndx/ndx.h"
#include "validate.h"

#define NDX_NS_REPORT "urn:ndx:report:1"
#define MASK "***"

struct report {
	FILE *fp;
	xmlTextWriterPtr w;	/* XML form, else CSV */
	int failed;
	int aborted;		/* report_abort(): nothing more to fp */
};

static const char *const counts_names[] = { "episodes-read",
	"episodes-valid", "episodes-rejected", "rows-read", "rows-written",
	"rows-rejected", "duplicates-removed" };

/*
 * The XML writer's output, as xmlOutputBufferCreateFile() would write it
 * (fwrite on write, fflush on close), except once the report is aborted:
 * freeing the writer flushes what it holds, and a run that stopped must
 * not add to its outputs, above all on standard output.
 */
static int
xml_write(void *ctx, const char *buf, int len)
{
	struct report *r = ctx;
	size_t items;

	if (r->aborted)
		return len;
	items = fwrite(buf, (size_t)len, 1, r->fp);
	if (items == 0 && ferror(r->fp))
		return -1;
	return (int)items * len;
}

static int
xml_close(void *ctx)
{
	struct report *r = ctx;

	if (r->aborted)
		return 0;
	return fflush(r->fp) == EOF ? -1 : 0;
}

struct report *
report_open(FILE *fp, int xml, const char *input, const char *asof,
    const char *period, struct ndx_error *err)
{
	struct report *r = xcalloc(1, sizeof(*r));
	xmlOutputBufferPtr out;

	r->fp = fp;
	if (!xml) {
		if (fputs("line,agncy,clientid,episodid,modid,field,rule,"
		    "severity,value,message\n", fp) == EOF)
			r->failed = 1;
		return r;
	}
	if ((out = xmlOutputBufferCreateIO(xml_write, xml_close, r,
	    NULL)) == NULL || (r->w = xmlNewTextWriter(out)) == NULL) {
		r->aborted = 1;
		if (out != NULL)
			xmlOutputBufferClose(out);
		free(r);
		ndx_error_set(err, NDX_EX_OSERR, "", 0, "out of memory");
		return NULL;
	}
	xmlTextWriterSetIndent(r->w, 1);
	xmlTextWriterSetIndentString(r->w, BAD_CAST "  ");
	if (xmlTextWriterStartDocument(r->w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElementNS(r->w, NULL, BAD_CAST "report",
	    BAD_CAST NDX_NS_REPORT) < 0 ||
	    xmlTextWriterWriteAttribute(r->w, BAD_CAST "dataset",
	    BAD_CAST NDX_DATASET_VERSION) < 0 ||
	    xmlTextWriterWriteAttribute(r->w, BAD_CAST "input",
	    BAD_CAST input) < 0 ||
	    xmlTextWriterWriteAttribute(r->w, BAD_CAST "asof",
	    BAD_CAST asof) < 0 ||
	    (period[0] != '\0' && xmlTextWriterWriteAttribute(r->w,
	    BAD_CAST "period", BAD_CAST period) < 0))
		r->failed = 1;
	return r;
}

static const char *
shown_value(const struct problem *p, char shape[POSTCODE_SHAPE_MAX])
{
	const char *v;

	if (p->value == NULL)
		return "";
	v = shown_or_masked(p->field, p->value, shape);
	return v != NULL ? v : MASK;
}

static const char *
severity_name(enum ndx_severity s)
{
	return s == NDX_SEV_ERROR ? "error" : s == NDX_SEV_WARNING ?
	    "warning" : "note";
}

int
report_problem(struct report *r, const struct problem *p)
{
	char line[24] = "", shape[POSTCODE_SHAPE_MAX];
	const char *f[10];

	if (p->line > 0)
		snprintf(line, sizeof(line), "%ld", p->line);
	f[0] = line;
	/* A problem of the whole file (R104) has no record. */
	f[1] = p->c ? NDX_C(p->c, NDX_AGNCY) : NULL;
	f[2] = p->c ? NDX_C(p->c, NDX_CLIENTID) : NULL;
	f[3] = p->episodid;
	f[4] = p->modid;
	f[5] = p->field_name;
	f[6] = p->rule->id;
	f[7] = severity_name(p->rule->severity);
	f[8] = shown_value(p, shape);
	f[9] = p->msg;
	if (r->w == NULL) {
		if (csvrec_write_row_for_people(r->fp, f, 10) != 0)
			r->failed = 1;
		return r->failed ? -1 : 0;
	}
	if (xmlTextWriterStartElement(r->w, BAD_CAST "problem") < 0)
		r->failed = 1;
	static const char *const names[] = { "line", "agncy", "clientid",
		"episodid", "modid", "field", "rule", "severity", "value" };
	for (size_t i = 0; i < 9 && !r->failed; i++)
		if (f[i] != NULL && f[i][0] != '\0' &&
		    xmlTextWriterWriteAttribute(r->w, BAD_CAST names[i],
		    BAD_CAST f[i]) < 0)
			r->failed = 1;
	if (!r->failed && (xmlTextWriterWriteString(r->w, BAD_CAST p->msg) < 0 ||
	    xmlTextWriterEndElement(r->w) < 0))
		r->failed = 1;
	return r->failed ? -1 : 0;
}

/* Binary search and insertion: at most AGENCIES_MAX codes, one call per
 * client group. */
void
agencies_add(struct agencies *ag, const char *code, long episodes)
{
	size_t lo = 0, hi = ag->n;

	if (code == NULL || code[0] == '\0')
		return;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ag->a[mid].code, code);

		if (c == 0) {
			ag->a[mid].episodes += episodes;
			return;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (ag->n == AGENCIES_MAX) {
		ag->truncated = 1;
		return;
	}
	if (ag->n == ag->cap) {
		ag->cap = ag->cap ? ag->cap * 2 : 16;
		ag->a = xreallocarray(ag->a, ag->cap, sizeof(*ag->a));
	}
	memmove(ag->a + lo + 1, ag->a + lo, (ag->n - lo) * sizeof(*ag->a));
	ag->a[lo].code = xstrdup(code);
	ag->a[lo].episodes = episodes;
	ag->n++;
}

void
agencies_free(struct agencies *ag)
{
	for (size_t i = 0; i < ag->n; i++)
		free(ag->a[i].code);
	free(ag->a);
	memset(ag, 0, sizeof(*ag));
}

int
report_close(struct report *r, const long *by_rule, const struct ndx_rule *rules,
    size_t nrules, const long *counts, const struct agencies *ag)
{
	int rc;

	if (r->w != NULL) {
		char num[24];

		if (xmlTextWriterStartElement(r->w, BAD_CAST "summary") < 0)
			r->failed = 1;
		for (size_t i = 0; i < sizeof(counts_names) /
		    sizeof(counts_names[0]) && !r->failed; i++) {
			snprintf(num, sizeof(num), "%ld", counts[i]);
			if (xmlTextWriterWriteAttribute(r->w,
			    BAD_CAST counts_names[i], BAD_CAST num) < 0)
				r->failed = 1;
		}
		if (ag->truncated && !r->failed &&
		    xmlTextWriterWriteAttribute(r->w,
		    BAD_CAST "agencies-truncated", BAD_CAST "1") < 0)
			r->failed = 1;
		for (size_t i = 0; i < ag->n && !r->failed; i++) {
			snprintf(num, sizeof(num), "%ld", ag->a[i].episodes);
			if (xmlTextWriterStartElement(r->w,
			    BAD_CAST "agency") < 0 ||
			    xmlTextWriterWriteAttribute(r->w, BAD_CAST "code",
			    BAD_CAST ag->a[i].code) < 0 ||
			    xmlTextWriterWriteAttribute(r->w,
			    BAD_CAST "episodes", BAD_CAST num) < 0 ||
			    xmlTextWriterEndElement(r->w) < 0)
				r->failed = 1;
		}
		for (size_t i = 0; i < nrules && !r->failed; i++) {
			snprintf(num, sizeof(num), "%ld", by_rule[i]);
			if (xmlTextWriterStartElement(r->w, BAD_CAST "rule") < 0 ||
			    xmlTextWriterWriteAttribute(r->w, BAD_CAST "id",
			    BAD_CAST rules[i].id) < 0 ||
			    xmlTextWriterWriteAttribute(r->w,
			    BAD_CAST "severity",
			    BAD_CAST severity_name(rules[i].severity)) < 0 ||
			    xmlTextWriterWriteAttribute(r->w, BAD_CAST "count",
			    BAD_CAST num) < 0 ||
			    xmlTextWriterWriteAttribute(r->w, BAD_CAST "title",
			    BAD_CAST rules[i].title) < 0 ||
			    xmlTextWriterWriteAttribute(r->w, BAD_CAST "action",
			    BAD_CAST rules[i].action) < 0 ||
			    xmlTextWriterEndElement(r->w) < 0)
				r->failed = 1;
		}
		if (xmlTextWriterEndElement(r->w) < 0 ||
		    xmlTextWriterEndDocument(r->w) < 0 ||
		    xmlTextWriterFlush(r->w) < 0)
			r->failed = 1;
		xmlFreeTextWriter(r->w);
	}
	rc = r->failed ? -1 : 0;
	free(r);
	return rc;
}

void
report_abort(struct report *r)
{
	if (r == NULL)
		return;
	r->aborted = 1;
	if (r->w != NULL)
		xmlFreeTextWriter(r->w);
	free(r);
}
