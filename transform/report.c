/*
 * The validation report for a data officer: the validator's XML report
 * (urn:ndx:report:1) laid out as HTML by xslt/validation-report.xsl.
 * A report is small beside the episodes it describes (one element per
 * problem), so it is read whole: the stylesheet groups problems by rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "ndx/ndx.h"
#include "transform.h"

#define NDX_NS_REPORT "urn:ndx:report:1"

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

int
product_validation_report(struct transform *t, FILE *out,
    struct ndx_error *err)
{
	const char *name = t->input;
	struct parse_error pe;
	xmlDocPtr doc = NULL;
	xmlNodePtr root, n;
	int fd = STDIN_FILENO, rc = -1;

	memset(&pe, 0, sizeof(pe));
	if (strcmp(t->input, "-") == 0)
		name = "standard input";
	else if ((fd = open(t->input, O_RDONLY | O_CLOEXEC)) < 0) {
		ndx_error_set(err, NDX_EX_NOINPUT, name, 0, "cannot open: %s",
		    strerror(errno));
		return -1;
	}
	/* No network, no entity substitution: a report is data, and a
	 * hostile one must not fetch or expand anything. */
	xmlSetStructuredErrorFunc(&pe, on_parse_error);
	doc = xmlReadFd(fd, fd == STDIN_FILENO ? NULL : t->input, NULL,
	    XML_PARSE_NONET);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (doc == NULL) {
		ndx_error_set(err, NDX_EX_DATAERR, name, pe.line,
		    "not well-formed XML: %s", pe.seen ? pe.msg : "empty");
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	for (n = root != NULL ? root->children : NULL; n != NULL; n = n->next)
		if (is_report_element(n, "summary"))
			break;
	if (!is_report_element(root, "report") || n == NULL) {
		ndx_error_set(err, NDX_EX_DATAERR, name,
		    root != NULL ? xmlGetLineNo(root) : 0,
		    "not a validation report (ndx-validate --report FILE.xml "
		    "writes one: <report> in namespace %s, with its "
		    "<summary>)", NDX_NS_REPORT);
		goto out;
	}
	rc = render_xslt("validation-report.xsl", doc, NULL, out, err);
out:
	if (doc != NULL)
		xmlFreeDoc(doc);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}
