/*
 * The episodes XML: a streaming reader on xmlTextReader (optionally
 * validating against the dataset's XSD as it goes) and a writer.
 *
 * The reader returns one <client> at a time.  libxml2 validates ahead of
 * the node the reader returns, so XSD problems are collected as they come
 * and handed out by line: after reading a client, the reader peeks at the
 * start of the next one, and every problem on a line before that start
 * belongs to the client just read.  The writer puts each element on its
 * own line so that this attribution is exact for files ndx wrote.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>

#include "ndx/arena.h"
#include "ndx/dataset.h"
#include "ndx/diag.h"
#include "ndx/epxml.h"
#include "ndx/model.h"
#include "ndx/ndx.h"

#define ROOT_IDENTIFIABLE "episodes"
#define ROOT_PSEUDONYMISED "pseudonymised-episodes"
/*
 * No element of the dataset has more attributes than the root's seven;
 * libxml2 2.9 checks a start tag's attributes for duplicates in time
 * quadratic in their number (100,000 took 11 s), so a tag with more than
 * this is refused as the bytes arrive, before libxml2 parses it.
 */
#define ATTRIBUTES_MAX 32

/* Where the byte scan is (see scan()). */
enum scan_state {
	S_TEXT, S_LT, S_TAG, S_DQUOTE, S_SQUOTE, S_BANG, S_COMMENT, S_CDATA,
	S_DECL, S_PI
};

struct epxml_reader {
	xmlTextReaderPtr xr;
	int fd, own_fd;
	char *name;
	struct ndx_header header;
	/* Interned element names, compared by pointer. */
	const xmlChar *item_name[NDX_NITEMS];
	const xmlChar *n_client, *n_episode, *n_intervention, *n_line,
	    *n_raw, *ns;
	/* Problems reported by libxml2, not yet handed out. */
	struct epxml_problem *prob;
	size_t nprob, probcap;
	size_t handed;		/* problems handed out by the last call */
	long dropped;		/* over the cap, since the last hand-out */
	long last_dropped;	/* of the client last handed out */
	/* A parse (well-formedness or I/O) error seen by the handler. */
	int fatal;
	struct ndx_error fatal_err;
	long line;		/* line of the node last read (see track_line) */
	enum scan_state scan;	/* the byte scan of the input */
	int scan_run;		/* '-', ']' or '?' just seen, in a row */
	int scan_attrs;		/* '=' in the tag being scanned */
	long scan_line;
	int peeked;		/* positioned on the next client's start */
	long peek_line;
	int done;
};

/*
 * The reader often passes no node with a schema error; its message names
 * the element as "Element '{namespace}NAME': ...".
 */
static void
element_of_message(const char *msg, char *out, size_t size)
{
	const char *p = strstr(msg, "Element '"), *end;

	if (p == NULL)
		return;
	p += strlen("Element '");
	if (*p == '{' && (p = strchr(p, '}')) != NULL)
		p++;
	if (p == NULL || (end = strchr(p, '\'')) == NULL ||
	    (size_t)(end - p) >= size)
		return;
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
}

static void
on_error(void *ctx, xmlErrorPtr e)
{
	struct epxml_reader *r = ctx;
	struct epxml_problem *p;
	const char *msg;
	size_t n;

	if (e == NULL || e->level == XML_ERR_WARNING)
		return;
	msg = e->message ? e->message : "error";
	if (e->domain != XML_FROM_SCHEMASV) {
		if (!r->fatal) {
			r->fatal = 1;
			ndx_error_set(&r->fatal_err,
			    e->domain == XML_FROM_IO ? NDX_EX_IOERR :
			    NDX_EX_DATAERR, r->name, e->line, "%s", msg);
			n = strlen(r->fatal_err.msg);
			while (n > 0 && r->fatal_err.msg[n - 1] == '\n')
				r->fatal_err.msg[--n] = '\0';
		}
		return;
	}
	if (r->nprob - r->handed >= EPXML_PROBLEMS_MAX) {
		r->dropped++;
		return;
	}
	if (r->nprob == r->probcap) {
		r->probcap = r->probcap ? r->probcap * 2 : 16;
		r->prob = xreallocarray(r->prob, r->probcap, sizeof(*r->prob));
	}
	p = &r->prob[r->nprob++];
	p->xml_line = e->line;
	p->element[0] = '\0';
	if (e->node != NULL && ((xmlNodePtr)e->node)->name != NULL)
		snprintf(p->element, sizeof(p->element), "%s",
		    (const char *)((xmlNodePtr)e->node)->name);
	else
		element_of_message(msg, p->element, sizeof(p->element));
	snprintf(p->message, sizeof(p->message), "%s", msg);
	n = strlen(p->message);
	while (n > 0 && p->message[n - 1] == '\n')
		p->message[--n] = '\0';
}

/*
 * A root attribute too long for its field is refused, not cut: a cut
 * value could end inside a UTF-8 sequence and be written out as a file
 * no XML parser reads, or pass for a shorter value it never was.
 */
static int
copy_attr(struct epxml_reader *r, const char *name, char *dst, size_t size,
    struct ndx_error *err)
{
	xmlChar *v = xmlTextReaderGetAttribute(r->xr, (const xmlChar *)name);
	size_t len = v != NULL ? strlen((const char *)v) : 0;

	if (len >= size) {
		ndx_error_set(err, NDX_EX_DATAERR, r->name,
		    xmlGetLineNo(xmlTextReaderCurrentNode(r->xr)),
		    "root attribute %s is %zu bytes long; at most %zu "
		    "expected", name, len, size - 1);
		xmlFree(v);
		return -1;
	}
	memcpy(dst, v != NULL ? (const char *)v : "", len + 1);
	xmlFree(v);
	return 0;
}

/*
 * libxml2 keeps an element's line in 16 bits: past line 65,535 every
 * element reads 65,535, while schema errors carry the true line.  Text
 * nodes keep the true line (XML_PARSE_BIG_LINES).  So the line is taken
 * from libxml2 where it is exact, from each value's text, and in between
 * counted the way ndx writes the file: every start tag, and every end tag
 * of a record, on a line of its own.  The count is re-synchronised by the
 * next value, so a file laid out otherwise drifts by a few lines at most.
 */
static void
track_line(struct epxml_reader *r, int type)
{
	xmlNodePtr n = xmlTextReaderCurrentNode(r->xr);
	long l;

	if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA) {
		if ((l = xmlGetLineNo(n)) > 0)
			r->line = l;
	} else if (type == XML_READER_TYPE_ELEMENT) {
		if (n != NULL && n->line > 0 && n->line < 65535)
			r->line = n->line;
		else
			r->line++;
	}
}

/* Reads the next node, skipping whitespace and comments. */
static int
advance(struct epxml_reader *r)
{
	int rc, type;

	for (;;) {
		rc = xmlTextReaderRead(r->xr);
		if (rc != 1)
			return rc;
		type = xmlTextReaderNodeType(r->xr);
		if (type == XML_READER_TYPE_WHITESPACE ||
		    type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
		    type == XML_READER_TYPE_COMMENT ||
		    type == XML_READER_TYPE_PROCESSING_INSTRUCTION)
			continue;
		track_line(r, type);
		return 1;
	}
}

/* The end tag of a record (not of a value) stands on a line of its own. */
static void
record_end(struct epxml_reader *r)
{
	r->line++;
}

/*
 * With a schema attached, libxml2 2.9 stops passing parse errors to the
 * reader's handler (and attaching the handler afterwards crashes on a
 * truncated file), so the last error recorded by libxml2 is used instead.
 */
static int
read_failed(struct epxml_reader *r, struct ndx_error *err)
{
	xmlErrorPtr last = xmlGetLastError();
	size_t n;

	if (r->fatal) {
		*err = r->fatal_err;
		return -1;
	}
	if (last != NULL && last->message != NULL &&
	    last->domain != XML_FROM_SCHEMASV) {
		ndx_error_set(err, last->domain == XML_FROM_IO ?
		    NDX_EX_IOERR : NDX_EX_DATAERR, r->name, last->line,
		    "not well-formed XML: %s", last->message);
		n = strlen(err->msg);
		while (n > 0 && err->msg[n - 1] == '\n')
			err->msg[--n] = '\0';
	} else
		ndx_error_set(err, NDX_EX_DATAERR, r->name,
		    xmlTextReaderGetParserLineNumber(r->xr),
		    "not well-formed XML");
	return -1;
}

static int
unexpected(struct epxml_reader *r, struct ndx_error *err)
{
	const xmlChar *name = xmlTextReaderConstLocalName(r->xr);

	ndx_error_set(err, NDX_EX_DATAERR, r->name,
	    xmlGetLineNo(xmlTextReaderCurrentNode(r->xr)),
	    "unexpected %s <%s>: not an ndx episodes file",
	    xmlTextReaderNodeType(r->xr) == XML_READER_TYPE_TEXT ? "text in" :
	    "element", name ? (const char *)name : "?");
	return -1;
}

/*
 * Follows the markup byte by byte, enough to count a start tag's
 * attributes ('=' outside quotes): comments, CDATA, declarations and
 * processing instructions are skipped, whatever they hold.  -1 when a
 * tag has too many.
 */
static int
scan(struct epxml_reader *r, const unsigned char *p, size_t n)
{
	const unsigned char *lt, *nl;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		/* Most bytes are text: skipped to the next '<' at once. */
		if (r->scan == S_TEXT) {
			lt = memchr(p + i, '<', n - i);
			for (nl = p + i; (nl = memchr(nl, '\n', (size_t)((lt ?
			    lt : p + n) - nl))) != NULL; nl++)
				r->scan_line++;
			if (lt == NULL)
				break;
			i = (size_t)(lt - p);
			r->scan = S_LT;
			continue;
		}
		if (c == '\n')
			r->scan_line++;
		switch (r->scan) {
		case S_TEXT:
			break;
		case S_LT:
			r->scan = c == '!' ? S_BANG : c == '?' ? S_PI : S_TAG;
			r->scan_attrs = 0;
			r->scan_run = 0;
			if (c == '>')
				r->scan = S_TEXT;
			break;
		case S_BANG:
			r->scan = c == '-' ? S_COMMENT : c == '[' ? S_CDATA :
			    S_DECL;
			r->scan_run = 0;
			break;
		case S_TAG:
			if (c == '"')
				r->scan = S_DQUOTE;
			else if (c == '\'')
				r->scan = S_SQUOTE;
			else if (c == '>')
				r->scan = S_TEXT;
			else if (c == '=' && ++r->scan_attrs > ATTRIBUTES_MAX)
				return -1;
			break;
		case S_DQUOTE:
			if (c == '"')
				r->scan = S_TAG;
			break;
		case S_SQUOTE:
			if (c == '\'')
				r->scan = S_TAG;
			break;
		case S_COMMENT:
		case S_CDATA:
		case S_PI:
			/* "-->", "]]>", "?>" */
			if (c == '>' && r->scan_run >= (r->scan == S_PI ? 1 : 2))
				r->scan = S_TEXT;
			else if (c == (r->scan == S_COMMENT ? '-' :
			    r->scan == S_CDATA ? ']' : '?'))
				r->scan_run++;
			else
				r->scan_run = 0;
			break;
		case S_DECL:
			if (c == '>')
				r->scan = S_TEXT;
			break;
		}
	}
	return 0;
}

static int
read_input(void *ctx, char *buf, int len)
{
	struct epxml_reader *r = ctx;
	struct ndx_error err;
	ssize_t n;

	while ((n = read(r->fd, buf, (size_t)len)) < 0 && errno == EINTR)
		continue;
	if (n < 0)
		ndx_error_set(&err, NDX_EX_IOERR, r->name, 0,
		    "read error: %s", strerror(errno));
	else if (scan(r, (const unsigned char *)buf, (size_t)n) != 0)
		ndx_error_set(&err, NDX_EX_DATAERR, r->name, r->scan_line + 1,
		    "an element with more than %d attributes: not an ndx "
		    "episodes file", ATTRIBUTES_MAX);
	else
		return (int)n;
	/* The first error stops the run; libxml2's about it comes later. */
	if (!r->fatal) {
		r->fatal = 1;
		r->fatal_err = err;
	}
	return -1;
}

/* The descriptor is the reader's to close (epxml_reader_close). */
static int
close_input(void *ctx)
{
	(void)ctx;
	return 0;
}

struct epxml_reader *
epxml_reader_open(const char *path, const struct ndx_dataset *ds,
    struct ndx_error *err)
{
	struct epxml_reader *r = xcalloc(1, sizeof(*r));
	const xmlChar *root;
	int rc;

	if (path == NULL || strcmp(path, "-") == 0) {
		r->fd = STDIN_FILENO;
		r->name = xstrdup("standard input");
	} else {
		r->name = xstrdup(path);
		if ((r->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			ndx_error_set(err, NDX_EX_NOINPUT, path, 0,
			    "cannot open: %s", strerror(errno));
			goto fail;
		}
		r->own_fd = 1;
	}
	r->xr = xmlReaderForIO(read_input, close_input, r,
	    r->own_fd ? path : NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA);
	if (r->xr == NULL) {
		ndx_error_set(err, NDX_EX_OSERR, r->name, 0,
		    "cannot start the XML reader");
		goto fail;
	}
	xmlTextReaderSetStructuredErrorHandler(r->xr, on_error, r);
	if (ds != NULL &&
	    xmlTextReaderSetSchema(r->xr, ndx_dataset_xsd(ds)) != 0) {
		ndx_error_set(err, NDX_EX_CONFIG, r->name, 0,
		    "cannot validate against the dataset schema");
		goto fail;
	}
	for (int i = 0; i < NDX_NITEMS; i++)
		r->item_name[i] = xmlTextReaderConstString(r->xr,
		    (const xmlChar *)ndx_items[i].code);
	r->n_client = xmlTextReaderConstString(r->xr, BAD_CAST "client");
	r->n_episode = xmlTextReaderConstString(r->xr, BAD_CAST "episode");
	r->n_intervention = xmlTextReaderConstString(r->xr,
	    BAD_CAST "intervention");
	r->n_line = xmlTextReaderConstString(r->xr, BAD_CAST "line");
	r->n_raw = xmlTextReaderConstString(r->xr, BAD_CAST "raw");
	r->ns = xmlTextReaderConstString(r->xr, BAD_CAST NDX_NS_EPISODES);

	if ((rc = advance(r)) != 1) {
		if (rc == 0 && !r->fatal)
			ndx_error_set(err, NDX_EX_DATAERR, r->name, 0,
			    "empty input: not an ndx episodes file");
		else
			read_failed(r, err);
		goto fail;
	}
	root = xmlTextReaderConstLocalName(r->xr);
	if (xmlTextReaderNodeType(r->xr) != XML_READER_TYPE_ELEMENT ||
	    xmlTextReaderConstNamespaceUri(r->xr) != r->ns ||
	    (!xmlStrEqual(root, BAD_CAST ROOT_IDENTIFIABLE) &&
	    !xmlStrEqual(root, BAD_CAST ROOT_PSEUDONYMISED))) {
		ndx_error_set(err, NDX_EX_DATAERR, r->name,
		    xmlGetLineNo(xmlTextReaderCurrentNode(r->xr)),
		    "not an ndx episodes file (root element <%s> in "
		    "namespace %s expected)", ROOT_IDENTIFIABLE,
		    NDX_NS_EPISODES);
		goto fail;
	}
	r->header.pseudonymised = xmlStrEqual(root,
	    BAD_CAST ROOT_PSEUDONYMISED);
	if (copy_attr(r, "asof", r->header.asof, sizeof(r->header.asof),
	    err) != 0 ||
	    copy_attr(r, "period", r->header.period,
	    sizeof(r->header.period), err) != 0 ||
	    copy_attr(r, "start", r->header.start, sizeof(r->header.start),
	    err) != 0 ||
	    copy_attr(r, "end", r->header.end, sizeof(r->header.end),
	    err) != 0 ||
	    copy_attr(r, "source", r->header.source,
	    sizeof(r->header.source), err) != 0)
		goto fail;
	if (xmlTextReaderIsEmptyElement(r->xr))
		r->done = 1;
	return r;
fail:
	epxml_reader_close(r);
	return NULL;
}

const struct ndx_header *
epxml_reader_header(const struct epxml_reader *r)
{
	return &r->header;
}

void
epxml_reader_close(struct epxml_reader *r)
{
	if (r == NULL)
		return;
	if (r->xr != NULL)
		xmlFreeTextReader(r->xr);
	if (r->own_fd)
		close(r->fd);
	free(r->prob);
	free(r->name);
	free(r);
}

static int
item_of(const struct epxml_reader *r, const xmlChar *name, int first,
    int last)
{
	for (int i = first; i < last; i++)
		if (r->item_name[i] == name)
			return i;
	return -1;
}

/*
 * On an item's start tag: reads its text up to the end tag and stores it.
 */
static int
read_item(struct epxml_reader *r, struct ndx_arena *a, struct ndx_client *c,
    struct ndx_episode *e, struct ndx_intervention *iv, int item,
    struct ndx_error *err)
{
	int raw = 0, type;
	const char *value = NULL, *more;

	if (xmlTextReaderHasAttributes(r->xr) &&
	    xmlTextReaderMoveToAttribute(r->xr, BAD_CAST "raw") == 1) {
		const xmlChar *v = xmlTextReaderConstValue(r->xr);

		raw = v && (xmlStrEqual(v, BAD_CAST "true") ||
		    xmlStrEqual(v, BAD_CAST "1"));
		xmlTextReaderMoveToElement(r->xr);
	}
	if (!xmlTextReaderIsEmptyElement(r->xr)) {
		for (;;) {
			if (advance(r) != 1)
				return read_failed(r, err);
			type = xmlTextReaderNodeType(r->xr);
			if (type == XML_READER_TYPE_END_ELEMENT)
				break;
			if (type != XML_READER_TYPE_TEXT &&
			    type != XML_READER_TYPE_CDATA)
				return unexpected(r, err);
			more = (const char *)xmlTextReaderConstValue(r->xr);
			/* Entities may split a value into several nodes. */
			if (value == NULL)
				value = arena_strdup(a, more);
			else {
				size_t n1 = strlen(value), n2 = strlen(more);
				char *j = arena_alloc(a, n1 + n2 + 1);

				memcpy(j, value, n1);
				memcpy(j + n1, more, n2 + 1);
				value = j;
			}
		}
	}
	ndx_row_put(c, e, iv, (enum ndx_item)item, value, raw);
	return 0;
}

static long
line_attr(struct epxml_reader *r)
{
	long line = 0;

	if (xmlTextReaderHasAttributes(r->xr) &&
	    xmlTextReaderMoveToAttribute(r->xr, BAD_CAST "line") == 1) {
		const char *v = (const char *)xmlTextReaderConstValue(r->xr);
		char *end;

		line = v ? strtol(v, &end, 10) : 0;
		if (v == NULL || *end != '\0' || line < 0)
			line = 0;
		xmlTextReaderMoveToElement(r->xr);
	}
	return line;
}

static long
node_line(struct epxml_reader *r)
{
	return r->line;
}

/*
 * Reads the children of an element at depth `depth` until its end tag:
 * items of [first, last) and, when child != NULL, child elements of that
 * name handled by the caller's level below.
 */
static int read_intervention(struct epxml_reader *, struct ndx_arena *,
    struct ndx_client *, struct ndx_episode *, struct ndx_error *);
static int read_episode(struct epxml_reader *, struct ndx_arena *,
    struct ndx_client *, struct ndx_error *);

static int
read_intervention(struct epxml_reader *r, struct ndx_arena *a,
    struct ndx_client *c, struct ndx_episode *e, struct ndx_error *err)
{
	struct ndx_intervention *iv = ndx_episode_add_intervention(a, e);
	int item;

	iv->xml_line = node_line(r);
	iv->line = line_attr(r);
	if (xmlTextReaderIsEmptyElement(r->xr))
		return 0;
	for (;;) {
		if (advance(r) != 1)
			return read_failed(r, err);
		if (xmlTextReaderNodeType(r->xr) ==
		    XML_READER_TYPE_END_ELEMENT) {
			record_end(r);
			return 0;
		}
		if (xmlTextReaderNodeType(r->xr) != XML_READER_TYPE_ELEMENT)
			return unexpected(r, err);
		item = item_of(r, xmlTextReaderConstLocalName(r->xr),
		    NDX_INTERVENTION_FIRST, NDX_NITEMS);
		if (item < 0)
			return unexpected(r, err);
		if (read_item(r, a, c, e, iv, item, err) != 0)
			return -1;
	}
}

static int
read_episode(struct epxml_reader *r, struct ndx_arena *a,
    struct ndx_client *c, struct ndx_error *err)
{
	struct ndx_episode *e = ndx_client_add_episode(a, c);
	const xmlChar *name;
	int item;

	e->xml_line = node_line(r);
	if (xmlTextReaderIsEmptyElement(r->xr))
		return 0;
	for (;;) {
		if (advance(r) != 1)
			return read_failed(r, err);
		if (xmlTextReaderNodeType(r->xr) ==
		    XML_READER_TYPE_END_ELEMENT) {
			record_end(r);
			return 0;
		}
		if (xmlTextReaderNodeType(r->xr) != XML_READER_TYPE_ELEMENT)
			return unexpected(r, err);
		name = xmlTextReaderConstLocalName(r->xr);
		if (name == r->n_intervention) {
			if (read_intervention(r, a, c, e, err) != 0)
				return -1;
			continue;
		}
		item = item_of(r, name, NDX_EPISODE_FIRST,
		    NDX_INTERVENTION_FIRST);
		if (item < 0)
			return unexpected(r, err);
		if (read_item(r, a, c, e, NULL, item, err) != 0)
			return -1;
	}
}

static int
read_client(struct epxml_reader *r, struct ndx_arena *a,
    struct ndx_client *c, struct ndx_error *err)
{
	const xmlChar *name;
	int item;

	c->xml_line = node_line(r);
	if (xmlTextReaderIsEmptyElement(r->xr))
		return 0;
	for (;;) {
		if (advance(r) != 1)
			return read_failed(r, err);
		if (xmlTextReaderNodeType(r->xr) ==
		    XML_READER_TYPE_END_ELEMENT) {
			record_end(r);
			return 0;
		}
		if (xmlTextReaderNodeType(r->xr) != XML_READER_TYPE_ELEMENT)
			return unexpected(r, err);
		name = xmlTextReaderConstLocalName(r->xr);
		if (name == r->n_episode) {
			if (read_episode(r, a, c, err) != 0)
				return -1;
			continue;
		}
		item = item_of(r, name, NDX_CLIENT_FIRST, NDX_EPISODE_FIRST);
		if (item < 0)
			return unexpected(r, err);
		if (read_item(r, a, c, NULL, NULL, item, err) != 0)
			return -1;
	}
}

/*
 * Moves to the next <client> start tag (peek) or the end of the document.
 * Returns 1 positioned on a client, 0 at the end, -1 on error.
 */
static int
seek_client(struct epxml_reader *r, struct ndx_error *err)
{
	int rc, type;

	if (r->done)
		return 0;
	for (;;) {
		rc = advance(r);
		if (rc == 0 || (rc == 1 && xmlTextReaderNodeType(r->xr) ==
		    XML_READER_TYPE_END_ELEMENT &&
		    xmlTextReaderDepth(r->xr) == 0)) {
			/* Drain to the end so trailing errors surface. */
			while (rc == 1)
				rc = advance(r);
			if (rc < 0 || r->fatal)
				return read_failed(r, err);
			r->done = 1;
			return 0;
		}
		if (rc < 0 || r->fatal)
			return read_failed(r, err);
		type = xmlTextReaderNodeType(r->xr);
		if (type == XML_READER_TYPE_ELEMENT &&
		    xmlTextReaderDepth(r->xr) == 1 &&
		    xmlTextReaderConstLocalName(r->xr) == r->n_client &&
		    xmlTextReaderConstNamespaceUri(r->xr) == r->ns) {
			r->peek_line = node_line(r);
			return 1;
		}
		return unexpected(r, err);
	}
}

/* Problems on lines before `limit` (or all, limit < 0) are handed out. */
static void
take_problems(struct epxml_reader *r, long limit,
    const struct epxml_problem **probs, size_t *nprobs)
{
	size_t n = 0;

	/* Problems arrive in document order, so a prefix belongs here. */
	while (n < r->nprob && (limit < 0 || r->prob[n].xml_line < limit))
		n++;
	*probs = r->prob;
	*nprobs = n;
	r->handed = n;
	/* Problems past the cap were the client being read's: counted, as
	 * were those kept, from the first problem not handed out. */
	r->last_dropped = r->dropped;
	r->dropped = 0;
}

long
epxml_reader_dropped(const struct epxml_reader *r)
{
	return r->last_dropped;
}

/* Drops the problems handed out by the previous call. */
static void
forget_handed(struct epxml_reader *r)
{
	if (r->handed == 0)
		return;
	memmove(r->prob, r->prob + r->handed,
	    (r->nprob - r->handed) * sizeof(*r->prob));
	r->nprob -= r->handed;
	r->handed = 0;
}

int
epxml_reader_next(struct epxml_reader *r, struct ndx_arena *a,
    struct ndx_client **out, const struct epxml_problem **probs,
    size_t *nprobs, struct ndx_error *err)
{
	struct ndx_client *c;
	int rc;

	*out = NULL;
	*probs = NULL;
	*nprobs = 0;
	forget_handed(r);
	if (!r->peeked) {
		if ((rc = seek_client(r, err)) <= 0)
			goto end;
		r->peeked = 1;
	}
	/* Problems before the first client concern the file as a whole. */
	if (r->nprob > 0 && r->prob[0].xml_line < r->peek_line)
		goto whole_file;
	c = arena_alloc(a, sizeof(*c));
	memset(c, 0, sizeof(*c));
	if (read_client(r, a, c, err) != 0)
		return -1;
	r->peeked = 0;
	if ((rc = seek_client(r, err)) < 0)
		return -1;
	r->peeked = rc == 1;
	take_problems(r, rc == 1 ? r->peek_line : -1, probs, nprobs);
	*out = c;
	return 1;
end:
	if (rc < 0)
		return -1;
	if (r->nprob > 0)
		goto whole_file;
	return 0;
whole_file:
	ndx_error_set(err, NDX_EX_DATAERR, r->name, r->prob[0].xml_line,
	    "not a valid episodes file: %s", r->prob[0].message);
	return -1;
}

static void
drop_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

void
epxml_quiet(void)
{
	xmlSetStructuredErrorFunc(NULL, drop_error);
}

/*
 * Writer.  The output is exactly what xmlTextWriter with two-space
 * indentation produced (the goldens hold it), written straight into a
 * buffer: the writer is on the hot path of every program that passes
 * episodes on, and xmlTextWriter's per-call state machine and output
 * buffer layers cost more than the rest of ndx-validate's own work.
 */

#define WRITER_BUFSIZE (64 * 1024)

struct epxml_writer {
	FILE *fp;
	int pseudonymised;
	int failed;
	int nonempty;	/* a client written: the root's start tag is closed */
	size_t n;
	char buf[WRITER_BUFSIZE];
};

static int
writer_failed(struct ndx_error *err)
{
	ndx_error_set(err, NDX_EX_IOERR, "", 0, "write error: %s",
	    errno ? strerror(errno) : "short write");
	return -1;
}

static void
flush_buf(struct epxml_writer *ew)
{
	if (ew->n > 0 && !ew->failed &&
	    fwrite(ew->buf, 1, ew->n, ew->fp) != ew->n)
		ew->failed = 1;
	ew->n = 0;
}

static void
put(struct epxml_writer *ew, const char *s, size_t len)
{
	if (len > sizeof(ew->buf) - ew->n) {
		flush_buf(ew);
		if (len > sizeof(ew->buf)) {
			if (!ew->failed && fwrite(s, 1, len, ew->fp) != len)
				ew->failed = 1;
			return;
		}
	}
	memcpy(ew->buf + ew->n, s, len);
	ew->n += len;
}

static void
puts_(struct epxml_writer *ew, const char *s)
{
	put(ew, s, strlen(s));
}

/* Text content, escaped as xmlEncodeSpecialChars does. */
static void
put_text(struct epxml_writer *ew, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *esc;

		switch (*s) {
		case '&': esc = "&amp;"; break;
		case '<': esc = "&lt;"; break;
		case '>': esc = "&gt;"; break;
		case '"': esc = "&quot;"; break;
		case '\r': esc = "&#13;"; break;
		default: continue;
		}
		put(ew, run, (size_t)(s - run));
		puts_(ew, esc);
		run = s + 1;
	}
	put(ew, run, (size_t)(s - run));
}

/*
 * An attribute value, escaped as libxml2 serialises attributes of a
 * document with no declared encoding: markup and white space other than
 * the space as references, and non-ASCII characters as &#xHEX;.
 */
static void
put_attr(struct epxml_writer *ew, const char *name, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;
	char ref[16];

	put(ew, " ", 1);
	puts_(ew, name);
	put(ew, "=\"", 2);
	while (*s != '\0') {
		unsigned cp = *s, extra = 0;

		switch (*s) {
		case '&': puts_(ew, "&amp;"); s++; continue;
		case '<': puts_(ew, "&lt;"); s++; continue;
		case '>': puts_(ew, "&gt;"); s++; continue;
		case '"': puts_(ew, "&quot;"); s++; continue;
		case '\n': puts_(ew, "&#10;"); s++; continue;
		case '\r': puts_(ew, "&#13;"); s++; continue;
		case '\t': puts_(ew, "&#9;"); s++; continue;
		default: break;
		}
		if (cp < 0x80) {
			put(ew, (const char *)s++, 1);
			continue;
		}
		if ((cp & 0xe0) == 0xc0)
			cp &= 0x1f, extra = 1;
		else if ((cp & 0xf0) == 0xe0)
			cp &= 0x0f, extra = 2;
		else if ((cp & 0xf8) == 0xf0)
			cp &= 0x07, extra = 3;
		s++;
		for (; extra > 0 && (*s & 0xc0) == 0x80; extra--)
			cp = cp << 6 | (*s++ & 0x3f);
		if (extra > 0) {
			/* Not UTF-8: libxml2 refuses it too. */
			ew->failed = 1;
			errno = EILSEQ;
			return;
		}
		snprintf(ref, sizeof(ref), "&#x%X;", cp);
		puts_(ew, ref);
	}
	put(ew, "\"", 1);
}

static const char indent[] = "          ";	/* depth 5 at most */

struct epxml_writer *
epxml_writer_open(FILE *fp, const struct ndx_header *h, struct ndx_error *err)
{
	struct epxml_writer *ew = xcalloc(1, sizeof(*ew));

	ew->fp = fp;
	ew->pseudonymised = h->pseudonymised;
	puts_(ew, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<");
	puts_(ew, h->pseudonymised ? ROOT_PSEUDONYMISED : ROOT_IDENTIFIABLE);
	put_attr(ew, "dataset", NDX_DATASET_VERSION);
	put_attr(ew, "asof", h->asof);
	if (h->period[0] != '\0') {
		put_attr(ew, "period", h->period);
		put_attr(ew, "start", h->start);
		put_attr(ew, "end", h->end);
	}
	if (h->source[0] != '\0')
		put_attr(ew, "source", h->source);
	put_attr(ew, "xmlns", NDX_NS_EPISODES);
	if (ew->failed) {
		free(ew);
		writer_failed(err);
		return NULL;
	}
	return ew;
}

/* Whether an item belongs in the form being written. */
static int
in_form(const struct epxml_writer *ew, int item)
{
	if (ew->pseudonymised)
		return !ndx_items[item].identifying && item != NDX_EPISODID;
	return !ndx_items[item].pseudo;
}

/* A start tag on its own line at this depth, left open for attributes. */
static void
open_tag(struct epxml_writer *ew, int depth, const char *name)
{
	put(ew, "\n", 1);
	put(ew, indent, 2 * (size_t)depth);
	put(ew, "<", 1);
	puts_(ew, name);
}

static void
close_tag(struct epxml_writer *ew, int depth, const char *name)
{
	put(ew, "\n", 1);
	put(ew, indent, 2 * (size_t)depth);
	put(ew, "</", 2);
	puts_(ew, name);
	put(ew, ">", 1);
}

/* Items of one level; returns whether any was written. */
static int
write_items(struct epxml_writer *ew, int depth, const char *const *v,
    uint64_t raw, int first, int last)
{
	int any = 0;

	for (int i = first; i < last; i++) {
		const char *code = ndx_items[i].code;

		if (v[i - first] == NULL || !in_form(ew, i))
			continue;
		if (!any)
			put(ew, ">", 1);
		any = 1;
		open_tag(ew, depth, code);
		if (raw >> (i - first) & 1)
			put_attr(ew, "raw", "true");
		put(ew, ">", 1);
		put_text(ew, v[i - first]);
		put(ew, "</", 2);
		puts_(ew, code);
		put(ew, ">", 1);
	}
	return any;
}

int
epxml_write_client(struct epxml_writer *ew, const struct ndx_client *c,
    struct ndx_error *err)
{
	int content;

	if (!ew->nonempty)
		put(ew, ">", 1);
	ew->nonempty = 1;
	open_tag(ew, 1, "client");
	content = write_items(ew, 2, c->v, c->raw, NDX_CLIENT_FIRST,
	    NDX_EPISODE_FIRST);
	for (size_t i = 0; i < c->nep; i++) {
		const struct ndx_episode *e = &c->ep[i];
		int econtent;

		if (!content)
			put(ew, ">", 1);
		content = 1;
		open_tag(ew, 2, "episode");
		econtent = write_items(ew, 3, e->v, e->raw, NDX_EPISODE_FIRST,
		    NDX_INTERVENTION_FIRST);
		for (size_t j = 0; j < e->niv; j++) {
			const struct ndx_intervention *iv = &e->iv[j];
			char line[32];

			if (!econtent)
				put(ew, ">", 1);
			econtent = 1;
			open_tag(ew, 3, "intervention");
			if (iv->line > 0) {
				snprintf(line, sizeof(line), "%ld", iv->line);
				put_attr(ew, "line", line);
			}
			if (write_items(ew, 4, iv->v, iv->raw,
			    NDX_INTERVENTION_FIRST, NDX_NITEMS))
				close_tag(ew, 3, "intervention");
			else
				put(ew, "/>", 2);
		}
		if (econtent)
			close_tag(ew, 2, "episode");
		else
			put(ew, "/>", 2);
	}
	if (content)
		close_tag(ew, 1, "client");
	else
		put(ew, "/>", 2);
	if (ew->n > sizeof(ew->buf) / 2)
		flush_buf(ew);
	return ew->failed || ferror(ew->fp) ? writer_failed(err) : 0;
}

int
epxml_writer_close(struct epxml_writer *ew, struct ndx_error *err)
{
	int rc = 0;

	errno = 0;
	if (ew->nonempty)
		close_tag(ew, 0, ew->pseudonymised ? ROOT_PSEUDONYMISED :
		    ROOT_IDENTIFIABLE);
	else
		put(ew, "/>", 2);
	put(ew, "\n", 1);
	flush_buf(ew);
	if (ew->failed || fflush(ew->fp) != 0 || ferror(ew->fp))
		rc = writer_failed(err);
	free(ew);
	return rc;
}
