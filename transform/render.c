/*
 * Applying a layout stylesheet.  Stylesheets come from the data directory
 * only, and run with libxslt's security preferences forbidding every file
 * write and all network access: a layout has no business doing either.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "ndx/datadir.h"
#include "ndx/epxml.h"
#include "ndx/ndx.h"
#include "transform.h"

/* Stylesheet errors name the file; they must not go to stderr unasked. */
static void
collect_error(void *ctx, const char *fmt, ...)
{
	struct ndx_error *err = ctx;
	size_t n = strlen(err->msg);
	va_list ap;

	if (n + 1 >= sizeof(err->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
	va_end(ap);
}

/* libxslt's part of the policy of epxml_quiet(): it never prints. */
static void
drop_error(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

/* The parser's errors in a stylesheet come here, under the policy. */
static void
collect_structured(void *ctx, xmlErrorPtr e)
{
	if (e != NULL && e->level != XML_ERR_WARNING && e->message != NULL)
		collect_error(ctx, "%s", e->message);
}

int
render_xslt(const char *name, xmlDocPtr doc, const char **params, FILE *out,
    struct ndx_error *err)
{
	char rel[128];
	char *path = NULL;
	xsltStylesheetPtr style = NULL;
	xsltSecurityPrefsPtr prefs = NULL;
	xsltTransformContextPtr ctx = NULL;
	xmlDocPtr result = NULL;
	struct ndx_error xerr;
	int rc = -1;

	memset(&xerr, 0, sizeof(xerr));
	snprintf(rel, sizeof(rel), "xslt/%s", name);
	if ((path = ndx_datafile(rel)) == NULL) {
		ndx_error_set(err, NDX_EX_CONFIG, rel, 0,
		    "stylesheet not found (set NDX_DATADIR?)");
		goto out;
	}
	xsltSetGenericErrorFunc(&xerr, collect_error);
	xmlSetGenericErrorFunc(&xerr, collect_error);
	xmlSetStructuredErrorFunc(&xerr, collect_structured);
	style = xsltParseStylesheetFile((const xmlChar *)path);
	if (style == NULL) {
		ndx_error_set(err, NDX_EX_CONFIG, path, 0,
		    "broken stylesheet: %s", xerr.msg);
		goto out;
	}
	prefs = xsltNewSecurityPrefs();
	if (prefs == NULL ||
	    xsltSetSecurityPrefs(prefs, XSLT_SECPREF_WRITE_FILE,
	    xsltSecurityForbid) != 0 ||
	    xsltSetSecurityPrefs(prefs, XSLT_SECPREF_CREATE_DIRECTORY,
	    xsltSecurityForbid) != 0 ||
	    xsltSetSecurityPrefs(prefs, XSLT_SECPREF_WRITE_NETWORK,
	    xsltSecurityForbid) != 0 ||
	    xsltSetSecurityPrefs(prefs, XSLT_SECPREF_READ_NETWORK,
	    xsltSecurityForbid) != 0) {
		ndx_error_set(err, NDX_EX_OSERR, path, 0, "out of memory");
		goto out;
	}
	if ((ctx = xsltNewTransformContext(style, doc)) == NULL ||
	    xsltSetCtxtSecurityPrefs(prefs, ctx) != 0) {
		ndx_error_set(err, NDX_EX_OSERR, path, 0, "out of memory");
		goto out;
	}
	result = xsltApplyStylesheetUser(style, doc, params, NULL, NULL, ctx);
	if (result == NULL || ctx->state != XSLT_STATE_OK) {
		ndx_error_set(err, NDX_EX_CONFIG, path, 0,
		    "stylesheet failed: %s", xerr.msg);
		goto out;
	}
	if (xsltSaveResultToFile(out, result, style) < 0 || fflush(out) != 0 ||
	    ferror(out)) {
		ndx_error_set(err, NDX_EX_IOERR, "", 0, "write error");
		goto out;
	}
	rc = 0;
out:
	xsltSetGenericErrorFunc(NULL, drop_error);
	epxml_quiet();
	if (result != NULL)
		xmlFreeDoc(result);
	if (ctx != NULL)
		xsltFreeTransformContext(ctx);
	if (prefs != NULL)
		xsltFreeSecurityPrefs(prefs);
	if (style != NULL)
		xsltFreeStylesheet(style);
	free(path);
	return rc;
}
