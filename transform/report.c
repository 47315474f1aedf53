/*
 * The validation report for a data officer: the validator's XML report
 * (urn:ndx:report:1) laid out as HTML by xslt/validation-report.xsl.
 * The report grows with the data (one element per problem) and the
 * stylesheet needs a tree, so the report is streamed into one holding
 * its summary and at most REPORT_PER_RULE problems of each rule: memory
 * stays flat, and a page listing more than that of one rule would not be
 * read anyway.  The page gives every rule's full count and points to the
 * CSV report, which lists them all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

#include "ndx/csvrec.h"
#include "ndx/ndx.h"
#include "transform.h"

#define NDX_NS_REPORT "urn:ndx:report:1"
#define REPORT_PER_RULE 500
#define REPORT_MAX_RULES 256	/* distinct rule ids counted */

/* The first error libxml2 reports while parsing, with its line. */
struct parse_error {
	int seen;
	long line;
	char msg[256];
};

static void
on_parse_error(void *ctx, xmlErrorPtr e)
{
	struct parse_error *pe = ctx;
	size_t n;

	if (pe->seen || e == NULL || e->level < XML_ERR_ERROR)
		return;
	pe->seen = 1;
	pe->line = e->line;
	snprintf(pe->msg, sizeof(pe->msg), "%s",
	    e->message ? e->message : "not well-formed");
	n = strlen(pe->msg);
	if (n > 0 && pe->msg[n - 1] == '\n')
		pe->msg[n - 1] = '\0';
}

static int
is_report_element(xmlNodePtr n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    xmlStrEqual(n->ns->href, BAD_CAST NDX_NS_REPORT) &&
	    xmlStrEqual(n->name, BAD_CAST name);
}

static void
not_a_report(struct ndx_error *err, const char *name, long line)
{
	ndx_error_set(err, NDX_EX_DATAERR, name, line, "not a validation "
	    "report (ndx-validate --report FILE.xml writes one: <report> in "
	    "namespace %s, with its <summary>)", NDX_NS_REPORT);
}

/* Problems seen so far of each rule, to cap those kept. */
struct rule_counts {
	xmlChar *id[REPORT_MAX_RULES];
	long n[REPORT_MAX_RULES];
	size_t len;
};

/* Whether the problem under the reader is within its rule's cap. */
static int
keep_problem(xmlTextReaderPtr reader, struct rule_counts *rc)
{
	xmlChar *rule = xmlTextReaderGetAttribute(reader, BAD_CAST "rule");
	size_t i;

	if (rule == NULL)
		return 1;
	for (i = 0; i < rc->len && !xmlStrEqual(rc->id[i], rule); i++)
		continue;
	if (i == rc->len) {
		/* More distinct rules than any dataset has: keep them all
		 * rather than guess. */
		if (rc->len == REPORT_MAX_RULES) {
			xmlFree(rule);
			return 1;
		}
		rc->id[rc->len] = rule;
		rc->n[rc->len++] = 0;
	} else
		xmlFree(rule);
	return ++rc->n[i] <= REPORT_PER_RULE;
}

/*
 * Reads the report from fd into a tree: the root, its summary and the
 * capped problems.  Returns the tree, or NULL with err set.
 */
static xmlDocPtr
read_report(int fd, const char *url, const char *name, struct ndx_error *err)
{
	struct parse_error pe;
	struct rule_counts counts;
	xmlTextReaderPtr reader;
	xmlDocPtr doc = NULL;
	xmlNodePtr root = NULL, n;
	int ret, summary = 0;

	memset(&pe, 0, sizeof(pe));
	memset(&counts, 0, sizeof(counts));
	/* No network, no entity substitution: a report is data, and a
	 * hostile one must not fetch or expand anything. */
	if ((reader = xmlReaderForFd(fd, url, NULL, XML_PARSE_NONET)) ==
	    NULL) {
		ndx_error_set(err, NDX_EX_SOFTWARE, name, 0,
		    "cannot start the XML reader");
		return NULL;
	}
	xmlTextReaderSetStructuredErrorHandler(reader, on_parse_error, &pe);
	doc = xmlNewDoc(BAD_CAST "1.0");
	ret = xmlTextReaderRead(reader);
	while (ret == 1) {
		int depth = xmlTextReaderDepth(reader);

		if (xmlTextReaderNodeType(reader) != XML_READER_TYPE_ELEMENT ||
		    depth > 1) {
			ret = xmlTextReaderRead(reader);
			continue;
		}
		if (depth == 0) {
			n = xmlTextReaderCurrentNode(reader);
			if (!is_report_element(n, "report")) {
				not_a_report(err, name, xmlGetLineNo(n));
				goto fail;
			}
			root = xmlDocCopyNode(n, doc, 2);
			xmlDocSetRootElement(doc, root);
			ret = xmlTextReaderRead(reader);
			continue;
		}
		n = xmlTextReaderCurrentNode(reader);
		if (is_report_element(n, "summary"))
			summary = 1;
		if (!is_report_element(n, "problem") ||
		    keep_problem(reader, &counts)) {
			if ((n = xmlTextReaderExpand(reader)) == NULL) {
				ret = -1;
				break;
			}
			xmlAddChild(root, xmlDocCopyNode(n, doc, 1));
		}
		ret = xmlTextReaderNext(reader);
	}
	if (ret == -1 || pe.seen || root == NULL) {
		ndx_error_set(err, NDX_EX_DATAERR, name, pe.line,
		    "not well-formed XML: %s", pe.seen ? pe.msg : "empty");
		goto fail;
	}
	if (!summary) {
		not_a_report(err, name, xmlGetLineNo(root));
		goto fail;
	}
	goto out;
fail:
	xmlFreeDoc(doc);
	doc = NULL;
out:
	for (size_t i = 0; i < counts.len; i++)
		xmlFree(counts.id[i]);
	xmlFreeTextReader(reader);
	return doc;
}

/*
 * --changes: the counts of ndx-run's changes.csv, as <changes> in the
 * report's tree, for the page to say what moved since the last
 * submission before anything else.  "Outstanding" are the episodes
 * rejected now that were first rejected in an earlier period.
 */
static int
add_changes(xmlDocPtr doc, const char *path, struct ndx_error *err)
{
	static const char *const names[] = { "added", "changed", "gone",
		"rejected" };
	long n[4] = { 0 }, outstanding = 0;
	xmlNodePtr root = xmlDocGetRootElement(doc), ch;
	xmlChar *period = xmlGetProp(root, BAD_CAST "period");
	struct csvrec_reader *rd;
	const struct csvrec *rec;
	char since[32] = "", num[24];
	FILE *fp;
	int rc;

	if ((fp = fopen(path, "r")) == NULL) {
		ndx_error_set(err, NDX_EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(errno));
		xmlFree(period);
		return -1;
	}
	rd = csvrec_open(fp, path);
	if ((rc = csvrec_next(rd, &rec, err)) > 0 && (rec->nfields != 7 ||
	    strcmp(rec->field[0], "change") != 0)) {
		ndx_error_set(err, NDX_EX_DATAERR, path, 1, "not ndx-run's "
		    "changes.csv");
		rc = -1;
	}
	while (rc > 0 && (rc = csvrec_next(rd, &rec, err)) > 0) {
		if (rec->nfields != 7)
			continue;
		snprintf(since, sizeof(since), "%s", rec->field[1]);
		for (int k = 0; k < 4; k++)
			if (strcmp(rec->field[0], names[k]) == 0)
				n[k]++;
		if (strcmp(rec->field[0], "rejected") == 0 &&
		    (period == NULL || strcmp(rec->field[6],
		    (const char *)period) != 0))
			outstanding++;
	}
	csvrec_close(rd);
	fclose(fp);
	xmlFree(period);
	if (rc < 0)
		return -1;
	ch = xmlNewChild(root, root->ns, BAD_CAST "changes", NULL);
	if (since[0] != '\0')
		xmlNewProp(ch, BAD_CAST "since", BAD_CAST since);
	for (int k = 0; k < 4; k++) {
		snprintf(num, sizeof(num), "%ld", n[k]);
		xmlNewProp(ch, BAD_CAST names[k], BAD_CAST num);
	}
	snprintf(num, sizeof(num), "%ld", outstanding);
	xmlNewProp(ch, BAD_CAST "outstanding", BAD_CAST num);
	return 0;
}

int
product_validation_report(struct transform *t, FILE *out,
    struct ndx_error *err)
{
	const char *name = t->input;
	xmlDocPtr doc;
	int fd = STDIN_FILENO, rc = -1;

	if (strcmp(t->input, "-") == 0)
		name = "standard input";
	else if ((fd = open(t->input, O_RDONLY | O_CLOEXEC)) < 0) {
		ndx_error_set(err, NDX_EX_NOINPUT, name, 0, "cannot open: %s",
		    strerror(errno));
		return -1;
	}
	if (t->format == FORMAT_XLSX) {
		rc = report_write_xlsx(fd, name, t->rejects, out, err);
		if (fd != STDIN_FILENO)
			close(fd);
		return rc;
	}
	doc = read_report(fd, fd == STDIN_FILENO ? NULL : t->input, name,
	    err);
	if (doc != NULL && t->changes != NULL &&
	    add_changes(doc, t->changes, err) != 0) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	if (doc != NULL) {
		rc = render_xslt("validation-report.xsl", doc, NULL, out, err);
		xmlFreeDoc(doc);
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}
