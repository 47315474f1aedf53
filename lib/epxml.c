/*
 * The episodes XML: a streaming reader on libxml2's SAX2 push parser, which
 * also judges each record's form, and a writer.
 *
 * The judge is the dataset's: the content models and attribute lists
 * lib/dataset.c compiled from episodes.xsd (item order, cardinality,
 * allowed attributes and their types).  A problem is attached to the record
 * it concerns as the events arrive, so it needs no line numbers to find its
 * record and nothing is dropped: a record keeps its first problem, and
 * there are never more problems than records.  The values themselves are
 * judged by ndx_dataset_check() (epxml_check_values(), or ndx-validate's
 * rules).  With EPXML_XSD, libxml2's XSD validator also runs in the same
 * event stream and its problems are attached the same way, marked as its.
 *
 * The caller pulls one <client> at a time into an arena of its own.  The
 * push parser would run on through the whole buffer it is given, so the
 * input is fed only up to the end of the next tag that closes a child of
 * the root (a byte scan finds it): each chunk completes one client at most,
 * and everything a client holds is allocated in the arena of the call that
 * returns it.  With EPXML_PARTS, once a client has had EPXML_PART_EPISODES
 * children the scan stops at the end of each child as well, and the parser
 * ends a part at the end of an episode: the part is the chunk's last
 * event, so the next part starts with the next chunk.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/xmlschemas.h>

#include "ndx/arena.h"
#include "ndx/dataset.h"
#include "ndx/diag.h"
#include "ndx/epxml.h"
#include "ndx/model.h"
#include "ndx/ndx.h"

#define ROOT_IDENTIFIABLE "episodes"
#define ROOT_PSEUDONYMISED "pseudonymised-episodes"
#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
/*
 * No element of the dataset has more attributes than the root's six;
 * libxml2 2.9 checks a start tag's attributes for duplicates in time
 * quadratic in their number (100,000 took 11 s), so a tag with more than
 * this is refused as the bytes arrive, before libxml2 parses it.
 */
#define ATTRIBUTES_MAX 32
/* Far longer than any item's type allows; the text beyond is not kept. */
#define VALUE_MAX (64 * 1024)
#define READ_SIZE (64 * 1024)

/* Where the byte scan is (see scan()). */
enum scan_state {
	S_TEXT, S_LT, S_TAG, S_DQUOTE, S_SQUOTE, S_BANG, S_COMMENT, S_CDATA,
	S_PI
};

/* What an open element is to the reader. */
enum open_kind { O_RECORD, O_ITEM, O_SKIP };

struct epxml_reader {
	xmlParserCtxtPtr px;
	const struct ndx_dataset *ds;
	int fd, own_fd;
	char *name;
	struct ndx_header header;
	int have_root;		/* the root's start tag has been read */
	const xmlChar *root_ns;	/* its namespace URI, as SAX2 gave it */
	int finished;		/* the last chunk has been parsed */
	int begun;		/* a byte other than blanks or a BOM seen */
	const struct ndx_form *form[NDX_NRECORDS];
	/* Their particles' names in the parser's dictionary, where SAX2's
	 * names come from: compared by pointer. */
	const xmlChar **pname[NDX_NRECORDS];

	/* The parse. */
	int depth;		/* open elements */
	int skip;		/* depth of the subtree being skipped, or 0 */
	enum ndx_record rec;	/* innermost open record */
	size_t pos[NDX_NRECORDS];	/* particle reached, per open record */
	unsigned count[NDX_NRECORDS];	/* elements matched at that particle */
	int item;		/* item being read, or -1 */
	int item_raw;
	int item_flawed;	/* a problem already told about this item */
	char *text;
	size_t ntext, textcap;
	int text_cut;

	/* The client being built, in the arena of the current call. */
	struct ndx_arena *arena;
	struct ndx_client *client;
	int client_done;
	/* EPXML_PARTS: the client's children closed (items, episodes, any
	 * other element), as the parser and the scan count them, and the
	 * parser's count when the last part ended: from then on, once there
	 * have been a part's worth, the scan stops at every child's end.
	 * part_more: the client returned last goes on. */
	int parts;
	unsigned long children, scan_children, cut_children;
	int part_more;
	/* The client items of a part returned, for the next part, in an
	 * arena of the reader's: the caller's may be reset in between. */
	struct ndx_arena *cont_arena;
	struct ndx_client *cont;
	unsigned flawed[NDX_NRECORDS];	/* open record has a problem */
	struct epxml_problem *prob;
	size_t nprob, probcap;

	/* libxml2's XSD validator, with EPXML_XSD. */
	int want_xsd;		/* EPXML_XSD: vx starts at the root */
	xmlSchemaValidCtxtPtr vx;
	xmlSchemaSAXPlugPtr plug;
	xmlSAXHandlerPtr vsax;
	void *vdata;
	int vx_record_start;	/* inside a record's start-tag event */
	unsigned vx_flawed[NDX_NRECORDS];

	/* The first error that stops the run. */
	int fatal;
	struct ndx_error fatal_err;

	/* The byte scan of the input. */
	enum scan_state scan;
	int scan_run;		/* '-', ']' or '?' just seen, in a row */
	int scan_attrs;		/* '=' in the tag being scanned */
	int scan_end_tag;	/* the tag being scanned is an end tag */
	unsigned char scan_prev;	/* last byte of the tag, outside quotes */
	long scan_depth;
	unsigned char buf[READ_SIZE];
	size_t bufpos, buflen;
	int eof;
};

static const char *const record_name[NDX_NRECORDS] = {
	"the root", "client", "episode", "intervention", "top"
};

/* The record that holds rec. */
static enum ndx_record
parent(enum ndx_record rec)
{
	return rec == NDX_REC_TOP ? NDX_REC_EPISODE : rec - 1;
}

static long
line_now(const struct epxml_reader *r)
{
	return r->px != NULL ? xmlSAX2GetLineNumber(r->px) : 0;
}

static void
set_fatal(struct epxml_reader *r, int code, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
set_fatal(struct epxml_reader *r, int code, long line, const char *fmt, ...)
{
	va_list ap;
	char msg[sizeof(r->fatal_err.msg)];

	if (r->fatal)
		return;
	r->fatal = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ndx_error_set(&r->fatal_err, code, r->name, line, "%s", msg);
	/*
	 * Not xmlStopParser(): it frees the input buffer, which the event
	 * being handled may still be reading.  Every handler returns at once
	 * from now on, and feed() stops after this chunk.
	 */
}

/* The client element, or NULL before the first. */
static struct ndx_episode *
cur_episode(const struct epxml_reader *r)
{
	return r->client != NULL && r->client->nep > 0 ?
	    &r->client->ep[r->client->nep - 1] : NULL;
}

static struct ndx_intervention *
cur_intervention(const struct epxml_reader *r)
{
	struct ndx_episode *e = cur_episode(r);

	return e != NULL && e->niv > 0 ? &e->iv[e->niv - 1] : NULL;
}

/*
 * Attaches a problem to record rec (the open record at that level); a
 * problem of the root stops the run, since it concerns every client.
 */
static void
problem(struct epxml_reader *r, enum ndx_record rec, int xsd, int item,
    const char *element, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
problem(struct epxml_reader *r, enum ndx_record rec, int xsd, int item,
    const char *element, const char *fmt, ...)
{
	unsigned *flawed = xsd ? r->vx_flawed : r->flawed;
	struct epxml_problem *p;
	char msg[sizeof(p->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rec == NDX_REC_ROOT || r->client == NULL) {
		set_fatal(r, NDX_EX_DATAERR, line_now(r), "not a valid "
		    "episodes file: %s", msg);
		return;
	}
	if (flawed[rec]++ > 0)
		return;
	if (r->nprob == r->probcap) {
		r->probcap = r->probcap ? r->probcap * 2 : 16;
		r->prob = xreallocarray(r->prob, r->probcap, sizeof(*r->prob));
	}
	p = &r->prob[r->nprob++];
	memset(p, 0, sizeof(*p));
	p->episode = rec >= NDX_REC_EPISODE ? (long)r->client->nep - 1 : -1;
	p->intervention = rec >= NDX_REC_INTERVENTION ?	/* or TOP */
	    (long)cur_episode(r)->niv - 1 : -1;
	p->item = item;
	p->xsd = xsd;
	p->xml_line = line_now(r);
	snprintf(p->element, sizeof(p->element), "%s", element ? element : "");
	memcpy(p->message, msg, sizeof(msg));
}

/*
 * libxml2's validator quotes values in its messages (a postcode, a date of
 * birth); every quoted string that is not a name of the dataset is masked.
 */
static void
mask_values(char *msg, size_t size)
{
	char out[512];
	size_t n = 0;
	const char *p = msg, *q, *end;

	while ((q = strchr(p, '\'')) != NULL && (end = strchr(q + 1, '\'')) !=
	    NULL) {
		size_t len = (size_t)(end - q - 1);
		char name[64];
		const char *local = name;
		int known = 0;

		if (len < sizeof(name)) {
			memcpy(name, q + 1, len);
			name[len] = '\0';
			if (name[0] == '{' && strchr(name, '}') != NULL)
				local = strchr(name, '}') + 1;
			known = ndx_item_lookup(local) >= 0 ||
			    strcmp(local, "client") == 0 ||
			    strcmp(local, "episode") == 0 ||
			    strcmp(local, "intervention") == 0 ||
			    strcmp(local, "line") == 0 ||
			    strcmp(local, "raw") == 0 ||
			    strcmp(local, "trimmed") == 0 ||
			    strcmp(local, "normalised") == 0 ||
			    strcmp(local, "absent") == 0 ||
			    strcmp(local, "sharedline") == 0 ||
			    strncmp(local, "xs:", 3) == 0;
		}
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%.*s'%.*s'",
		    (int)(q - p), p, known ? (int)len : 3, known ? q + 1 :
		    "***");
		if (n >= sizeof(out))
			break;
		p = end + 1;
	}
	if (n < sizeof(out))
		snprintf(out + n, sizeof(out) - n, "%s", p);
	n = strlen(out) < size ? strlen(out) : size - 1;
	memcpy(msg, out, n);
	msg[n] = '\0';
}

/*
 * A problem libxml2's validator reports: it belongs to the innermost open
 * record, except that an element out of place (XML_SCHEMAV_ELEMENT_CONTENT
 * raised by a record's own start tag) is its parent's content problem, as
 * the dataset's judge reports it.
 */
static void
on_xsd_error(void *ctx, xmlErrorPtr e)
{
	struct epxml_reader *r = ctx;
	enum ndx_record rec = r->rec;
	char msg[sizeof(r->prob[0].message)];
	size_t n;

	if (e == NULL || e->level == XML_ERR_WARNING)
		return;
	if (r->vx_record_start && e->code == XML_SCHEMAV_ELEMENT_CONTENT &&
	    rec > NDX_REC_ROOT)
		rec--;
	snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "error");
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	mask_values(msg, sizeof(msg));
	problem(r, rec, 1, -1, "", "libxml2: %s", msg);
}

/* Parse errors (not well-formed, a read error) stop the run. */
static void
on_parse_error(void *ctx, xmlErrorPtr e)
{
	struct epxml_reader *r = ctx;
	size_t n;
	char msg[512];

	if (e == NULL || e->level == XML_ERR_WARNING || r->fatal)
		return;
	/*
	 * libxml2's first line says what is wrong; a second quotes the bytes
	 * ("Bytes: 0x.. ..."), and quoted names (an entity's) may be data:
	 * neither is shown.
	 */
	snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "error");
	msg[strcspn(msg, "\n")] = '\0';
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == ' ')
		msg[--n] = '\0';
	mask_values(msg, sizeof(msg));
	set_fatal(r, e->domain == XML_FROM_IO ? NDX_EX_IOERR : NDX_EX_DATAERR,
	    e->line > 0 ? e->line : line_now(r), "not well-formed XML: %s",
	    msg);
}

/*
 * The root's namespace URI stays where it is while the root is open, that
 * is, for the whole document: an element in it is known by the pointer.
 */
static int
in_ns(struct epxml_reader *r, const xmlChar *uri)
{
	return uri != NULL && (uri == r->root_ns ||
	    strcmp((const char *)uri, NDX_NS_EPISODES) == 0);
}

/*
 * Attributes as SAX2 gives them: name, prefix, URI, value start, value
 * end.  The value is copied out (it is not terminated).
 */
struct attr_view {
	const char *name;
	const char *uri;
	char value[256];
	size_t len;		/* the value's full length */
};

static void
attr_at(const xmlChar **attrs, int i, struct attr_view *v)
{
	const char *b = (const char *)attrs[5 * i + 3];
	const char *e = (const char *)attrs[5 * i + 4];

	v->name = (const char *)attrs[5 * i];
	v->uri = (const char *)attrs[5 * i + 2];
	v->len = (size_t)(e - b);
	snprintf(v->value, sizeof(v->value), "%.*s",
	    (int)(v->len < sizeof(v->value) ? v->len : sizeof(v->value) - 1),
	    b);
}

/*
 * Checks a start tag's attributes against a form: declared, valid, the
 * required ones present.  Calls found(ctx, decl, value) for each valid
 * declared one.
 */
static void
check_attrs(struct epxml_reader *r, const struct ndx_form *f,
    enum ndx_record rec, int item, const char *element, int nattrs,
    const xmlChar **attrs,
    void (*found)(struct epxml_reader *, const struct ndx_attr_decl *,
    const struct attr_view *))
{
	uint32_t seen = 0;	/* bit k: f->attr[k] (NDX_FORM_ATTRS_MAX) */
	struct attr_view v;

	for (int i = 0; i < nattrs; i++) {
		const struct ndx_attr_decl *d = NULL;

		attr_at(attrs, i, &v);
		if (v.uri != NULL && strcmp(v.uri, XSI_NS) == 0) {
			/* They steer libxml2's validator, not ndx's. */
			set_fatal(r, NDX_EX_DATAERR, line_now(r), "<%s> "
			    "carries an xsi: attribute (%s): not an ndx "
			    "episodes file", element, v.name);
			return;
		}
		for (size_t k = 0; v.uri == NULL && k < f->nattr; k++)
			if (strcmp(f->attr[k].name, v.name) == 0) {
				d = &f->attr[k];
				seen |= UINT32_C(1) << k;
			}
		if (d == NULL)
			problem(r, rec, 0, item, element, "<%s> has an "
			    "attribute %s%s the dataset does not declare",
			    element, v.uri ? "in another namespace, " : "",
			    v.name);
		else if (v.len >= sizeof(v.value) ||
		    ndx_dataset_check_attr(r->ds, d, v.value) != 0)
			problem(r, rec, 0, item, element, "<%s>'s attribute "
			    "%s is not valid", element, d->name);
		else if (found != NULL)
			found(r, d, &v);
	}
	for (size_t k = 0; k < f->nattr; k++)
		if (f->attr[k].required && !(seen & (UINT32_C(1) << k)))
			problem(r, rec, 0, item, element, "<%s> lacks its "
			    "attribute %s", element, f->attr[k].name);
}

/*
 * The items named by a list of short codes separated by blanks, as bits
 * (1 << item); -1 when a name is not an item of the CSV layout.
 */
static int
item_set(const char *s, int version, uint64_t *bits)
{
	*bits = 0;
	for (;;) {
		char code[16];
		size_t n, k;
		int item;

		s += strspn(s, " \t\r\n");
		if (*s == '\0')
			return 0;
		if ((n = strcspn(s, " \t\r\n")) >= sizeof(code))
			return -1;
		memcpy(code, s, n);
		code[n] = '\0';
		if ((item = ndx_item_lookup(code)) < 0)
			return -1;
		for (k = 0; k < ndx_layout_csv_len(version); k++)
			if (ndx_layout_csv[k] == (enum ndx_item)item)
				break;
		if (k == ndx_layout_csv_len(version))
			return -1;
		*bits |= ndx_item_bit((enum ndx_item)item);
		s += n;
	}
}

static void
root_attr(struct epxml_reader *r, const struct ndx_attr_decl *d,
    const struct attr_view *v)
{
	static const struct {
		const char *name;
		size_t off, size;
	} field[] = {
		{ "asof", offsetof(struct ndx_header, asof),
		    sizeof(((struct ndx_header *)0)->asof) },
		{ "period", offsetof(struct ndx_header, period),
		    sizeof(((struct ndx_header *)0)->period) },
		{ "start", offsetof(struct ndx_header, start),
		    sizeof(((struct ndx_header *)0)->start) },
		{ "end", offsetof(struct ndx_header, end),
		    sizeof(((struct ndx_header *)0)->end) },
		{ "source", offsetof(struct ndx_header, source),
		    sizeof(((struct ndx_header *)0)->source) },
		{ "keyid", offsetof(struct ndx_header, keyid),
		    sizeof(((struct ndx_header *)0)->keyid) },
		{ "combined", offsetof(struct ndx_header, combined),
		    sizeof(((struct ndx_header *)0)->combined) },
	};

	if (strcmp(d->name, "absent") == 0) {
		if (item_set(v->value, r->header.version, &r->header.absent) !=
		    0)
			set_fatal(r, NDX_EX_DATAERR, line_now(r), "root "
			    "attribute absent names something that is not an "
			    "item of the CSV layout");
		return;
	}
	for (size_t i = 0; i < sizeof(field) / sizeof(field[0]); i++) {
		if (strcmp(d->name, field[i].name) != 0)
			continue;
		/*
		 * Refused, not cut: a cut value could end inside a UTF-8
		 * sequence, or pass for a shorter value it never was.
		 */
		if (v->len >= field[i].size) {
			set_fatal(r, NDX_EX_DATAERR, line_now(r), "root "
			    "attribute %s is %zu bytes long; at most %zu "
			    "expected", d->name, v->len, field[i].size - 1);
			return;
		}
		memcpy((char *)&r->header + field[i].off, v->value,
		    v->len + 1);
	}
}

static void
item_raw_attr(struct epxml_reader *r, const struct ndx_attr_decl *d,
    const struct attr_view *v)
{
	const char *p = v->value;

	/* Valid already: "true", "false", "1" or "0", blanks around. */
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (strcmp(d->name, "raw") == 0)
		r->item_raw = *p == 't' || *p == '1';
}

static void
episode_attr(struct epxml_reader *r, const struct ndx_attr_decl *d,
    const struct attr_view *v)
{
	const char *p = v->value;

	/* Valid already: "true", "false", "1" or "0", blanks around. */
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (strcmp(d->name, "shared") == 0)
		cur_episode(r)->shared = *p == 't' || *p == '1';
	else if (strcmp(d->name, "sharedline") == 0)
		cur_episode(r)->shared_line = strtol(p, NULL, 10);
}

static void
intervention_attr(struct epxml_reader *r, const struct ndx_attr_decl *d,
    const struct attr_view *v)
{
	struct ndx_intervention *iv = cur_intervention(r);
	uint64_t *bits = NULL;
	long line;

	if (strcmp(d->name, "trimmed") == 0)
		bits = &iv->trimmed;
	else if (strcmp(d->name, "normalised") == 0)
		bits = &iv->normalised;
	if (bits != NULL) {
		if (item_set(v->value, r->header.version, bits) != 0)
			problem(r, r->rec, 0, -1, record_name[r->rec],
			    "<%s>'s attribute %s names something that is not "
			    "an item of the CSV layout", record_name[r->rec],
			    d->name);
		return;
	}
	if (strcmp(d->name, "line") != 0)
		return;
	line = strtol(v->value, NULL, 10);
	iv->line = line > 0 ? line : 0;
}

/*
 * Steps record rec's content model to the element named name, telling any
 * problem: unknown, repeated, out of order, a mandatory one skipped.
 * Returns the particle when the element is to be read (an item out of
 * order is read all the same, so that the rules do not call it missing),
 * NULL when it is to be skipped.
 */
static const struct ndx_particle *
step(struct epxml_reader *r, enum ndx_record rec, const xmlChar *localname)
{
	const struct ndx_form *f = r->form[rec];
	const char *name = (const char *)localname;
	size_t k, tries;

	/* Elements mostly come in order: the search starts where we are. */
	for (k = r->pos[rec], tries = 0; tries < f->nparticle; tries++,
	    k = (k + 1) % f->nparticle)
		if (r->pname[rec][k] == localname)
			break;
	if (tries == f->nparticle) {
		problem(r, rec, 0, -1, name, "<%s> is not an element of %s%s",
		    name, rec == NDX_REC_ROOT ? "" : "a <", rec ==
		    NDX_REC_ROOT ? "the episodes file" : record_name[rec]);
		return NULL;
	}
	if (k == r->pos[rec] && r->count[rec] > 0 &&
	    !f->particle[k].unbounded) {
		problem(r, rec, 0, f->particle[k].item, name, "<%s> appears "
		    "twice", name);
		return NULL;
	}
	if (k < r->pos[rec]) {
		problem(r, rec, 0, f->particle[k].item, name, "<%s> is out of "
		    "the dataset's order (it comes before <%s>)", name,
		    f->particle[r->pos[rec]].name);
		/* Read all the same: a record skipped would be rows lost. */
		return &f->particle[k];
	}
	for (size_t j = r->pos[rec]; j < k; j++)
		if (f->particle[j].min > 0 &&
		    (j > r->pos[rec] || r->count[rec] == 0)) {
			problem(r, rec, 0, f->particle[j].item,
			    f->particle[j].name, "<%s> is missing (before "
			    "<%s>)", f->particle[j].name, name);
			break;
		}
	if (k > r->pos[rec])
		r->count[rec] = 0;
	r->pos[rec] = k;
	r->count[rec]++;
	return &f->particle[k];
}

/* At a record's end tag: every mandatory particle after pos was seen. */
static void
finish(struct epxml_reader *r, enum ndx_record rec)
{
	const struct ndx_form *f = r->form[rec];

	for (size_t j = r->pos[rec]; j < f->nparticle; j++)
		if (f->particle[j].min > 0 &&
		    (j > r->pos[rec] || r->count[rec] == 0)) {
			problem(r, rec, 0, f->particle[j].item,
			    f->particle[j].name, "<%s> is missing",
			    f->particle[j].name);
			return;
		}
}

static void
open_record(struct epxml_reader *r, enum ndx_record rec)
{
	struct ndx_episode *e;
	struct ndx_intervention *iv;

	switch (rec) {
	case NDX_REC_CLIENT:
		r->client = arena_alloc(r->arena, sizeof(*r->client));
		memset(r->client, 0, sizeof(*r->client));
		r->client->xml_line = line_now(r);
		break;
	case NDX_REC_EPISODE:
		e = ndx_client_add_episode(r->arena, r->client);
		e->xml_line = line_now(r);
		break;
	case NDX_REC_INTERVENTION:
		ndx_episode_add_intervention(r->arena,
		    cur_episode(r))->xml_line = line_now(r);
		break;
	case NDX_REC_TOP:
		iv = ndx_episode_add_intervention(r->arena, cur_episode(r));
		iv->xml_line = line_now(r);
		ndx_row_make_top(r->arena, iv);
		break;
	case NDX_REC_ROOT:
	case NDX_NRECORDS:
		break;
	}
	r->rec = rec;
	r->pos[rec] = 0;
	r->count[rec] = 0;
	r->flawed[rec] = 0;
	r->vx_flawed[rec] = 0;
}

/* The open record has a value for item (one read out of order, say). */
static int
present(const struct epxml_reader *r, int item)
{
	return ndx_row_value(r->client, cur_episode(r), cur_intervention(r),
	    (enum ndx_item)item) != NULL;
}

/*
 * The dataset version the root says it is, which decides the form the
 * rest is judged by.  A value that is no version is judged by version 1's
 * form, whose fixed dataset="1" then refuses it.
 */
static int
root_version(int nattrs, const xmlChar **attrs)
{
	for (int i = 0; i < nattrs; i++) {
		const xmlChar **a = attrs + 5 * i;

		if (a[2] == NULL && xmlStrEqual(a[0], BAD_CAST "dataset") &&
		    a[4] - a[3] == 1 && a[3][0] >= '1' &&
		    a[3][0] <= '0' + NDX_DATASET_MAX)
			return a[3][0] - '0';
	}
	return 1;
}

/* libxml2's validator, for --xsd, with the schema of the file's version;
 * it sees every event from the root's start tag on. */
static int
start_xsd(struct epxml_reader *r)
{
	if ((r->vx = xmlSchemaNewValidCtxt(ndx_dataset_xsd(r->ds,
	    r->header.version))) == NULL || (r->plug = xmlSchemaSAXPlug(r->vx,
	    &r->vsax, &r->vdata)) == NULL) {
		set_fatal(r, NDX_EX_CONFIG, 0, "cannot validate against the "
		    "dataset schema");
		return -1;
	}
	xmlSchemaSetValidStructuredErrors(r->vx, on_xsd_error, r);
	return 0;
}

static void
start_root(struct epxml_reader *r, const xmlChar *localname,
    const xmlChar *uri, int nattrs, const xmlChar **attrs)
{
	int pseudo;

	if (!in_ns(r, uri) ||
	    (strcmp((const char *)localname, ROOT_IDENTIFIABLE) != 0 &&
	    strcmp((const char *)localname, ROOT_PSEUDONYMISED) != 0)) {
		set_fatal(r, NDX_EX_DATAERR, line_now(r), "not an ndx episodes "
		    "file (root element <%s> in namespace %s expected)",
		    ROOT_IDENTIFIABLE, NDX_NS_EPISODES);
		return;
	}
	/*
	 * The byte scan that cuts the input into chunks reads markup as
	 * ASCII; a converted encoding (UTF-16, UTF-7, Latin-1 ...) could hide
	 * a tag from it.  ndx writes UTF-8, and so must anyone else.
	 */
	if (r->px->input != NULL && r->px->input->buf != NULL &&
	    r->px->input->buf->encoder != NULL) {
		set_fatal(r, NDX_EX_DATAERR, line_now(r), "encoded as %s: an "
		    "ndx episodes file is UTF-8", r->px->encoding ?
		    (const char *)r->px->encoding : "other than UTF-8");
		return;
	}
	pseudo = strcmp((const char *)localname, ROOT_PSEUDONYMISED) == 0;
	r->header.pseudonymised = pseudo;
	r->header.version = root_version(nattrs, attrs);
	if (r->want_xsd && start_xsd(r) != 0)
		return;
	for (int k = 0; k < NDX_NRECORDS; k++) {
		const struct ndx_form *f = ndx_dataset_form(r->ds,
		    r->header.version, pseudo, (enum ndx_record)k);

		r->form[k] = f;
		r->pname[k] = xreallocarray(NULL, f->nparticle + 1,
		    sizeof(*r->pname[k]));
		for (size_t j = 0; j < f->nparticle; j++)
			r->pname[k][j] = xmlDictLookup(r->px->dict,
			    BAD_CAST f->particle[j].name, -1);
	}
	r->have_root = 1;
	r->root_ns = uri;
	r->rec = NDX_REC_ROOT;
	r->pos[NDX_REC_ROOT] = 0;
	r->count[NDX_REC_ROOT] = 0;
	check_attrs(r, r->form[NDX_REC_ROOT], NDX_REC_ROOT, -1,
	    (const char *)localname, nattrs, attrs, root_attr);
}

static void
on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **ns, int nattrs,
    int ndefaulted, const xmlChar **attrs)
{
	struct epxml_reader *r = ctx;
	const char *name = (const char *)localname;
	const struct ndx_particle *pt;
	int depth = r->depth++;
	int opened = 0;

	if (r->fatal)
		return;
	if (depth == 0)
		start_root(r, localname, uri, nattrs, attrs);
	else if (r->skip > 0)
		;
	else if (r->item >= 0) {
		if (!r->item_flawed++)
			problem(r, r->rec, 0, r->item,
			    ndx_items[r->item].code, "<%s> holds an element; "
			    "an item holds text only",
			    ndx_items[r->item].code);
		r->skip = r->depth;
	} else if (!in_ns(r, uri)) {
		problem(r, r->rec, 0, -1, name, "<%s> is not in the "
		    "dataset's namespace", name);
		r->skip = r->depth;
	} else if ((pt = step(r, r->rec, localname)) == NULL ||
	    (pt->item >= 0 && present(r, pt->item)))
		r->skip = r->depth;
	else if (pt->item >= 0) {
		r->item = pt->item;
		r->item_raw = 0;
		r->item_flawed = 0;
		r->ntext = 0;
		r->text_cut = 0;
		check_attrs(r, ndx_dataset_item_form(r->ds, pt->item), r->rec,
		    pt->item, name, nattrs, attrs, item_raw_attr);
	} else {
		if (r->rec == NDX_REC_ROOT && r->client != NULL) {
			set_fatal(r, NDX_EX_SOFTWARE, line_now(r), "two "
			    "clients in one chunk of input (a bug in the "
			    "reader's byte scan)");
			return;
		}
		open_record(r, (enum ndx_record)pt->record);
		opened = 1;
		check_attrs(r, r->form[r->rec], r->rec, -1, name, nattrs,
		    attrs, r->rec >= NDX_REC_INTERVENTION ?
		    intervention_attr : r->rec == NDX_REC_EPISODE ?
		    episode_attr : NULL);
	}
	if (r->vsax != NULL && !r->fatal) {
		r->vx_record_start = opened;
		r->vsax->startElementNs(r->vdata, localname, prefix, uri, nns,
		    ns, nattrs, ndefaulted, attrs);
		r->vx_record_start = 0;
	}
}

static void
end_item(struct epxml_reader *r)
{
	enum ndx_item item = (enum ndx_item)r->item;
	struct ndx_check chk;
	char *value = NULL;
	size_t n = r->ntext;

	r->item = -1;
	if (r->text_cut) {
		problem(r, r->rec, 0, item, ndx_items[item].code, "<%s> is "
		    "longer than any value of the dataset", ndx_items[item].code);
		return;
	}
	/* A date's value is its text with white space collapsed, as XSD
	 * says; the text buffer has room for the terminator. */
	if (ndx_items[item].is_date && n > 0)
		n = (size_t)ndx_xsd_collapse(r->text, n, r->text, n + 1);
	if (n > 0)
		value = arena_strndup(r->arena, r->text, n);
	else if (!r->item_raw &&
	    ndx_dataset_check(r->ds, item, "", &chk) != 0) {
		/* An absent item has no element; an empty one is a value. */
		problem(r, r->rec, 0, item, ndx_items[item].code, "<%s> is "
		    "empty (an absent item has no element)",
		    ndx_items[item].code);
		return;
	}
	ndx_row_put(r->client, r->rec >= NDX_REC_EPISODE ? cur_episode(r) :
	    NULL, r->rec >= NDX_REC_INTERVENTION ? cur_intervention(r) : NULL,
	    item, value, r->item_raw);
}

static void
on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri)
{
	struct epxml_reader *r = ctx;
	int depth = --r->depth;
	int closing = 0;

	if (r->fatal)
		return;
	if (depth == 2)
		r->children++;
	if (r->skip > 0) {
		if (depth + 1 == r->skip)
			r->skip = 0;
	} else if (r->item >= 0)
		end_item(r);
	else if (depth > 0) {
		finish(r, r->rec);
		closing = 1;
	} else
		finish(r, NDX_REC_ROOT);
	/* Before the record closes: a missing item is the record's. */
	if (r->vsax != NULL && !r->fatal)
		r->vsax->endElementNs(r->vdata, localname, prefix, uri);
	if (closing) {
		if (r->rec == NDX_REC_CLIENT) {
			r->client_done = 1;
			r->children = r->cut_children = 0;
		} else if (r->rec == NDX_REC_EPISODE && r->parts &&
		    r->client->nep >= EPXML_PART_EPISODES) {
			/* A part's episodes are among the children since the
			 * last cut, so the scan stopped the chunk here. */
			r->client_done = 1;
			r->client->part |= NDX_PART_MORE;
			r->part_more = 1;
			r->cut_children = r->children;
			if (r->cont_arena == NULL)
				r->cont_arena = arena_new();
			arena_reset(r->cont_arena);
			r->cont = ndx_client_items(r->cont_arena, r->client);
		}
		r->rec = parent(r->rec);
	}
}

static void
on_text(void *ctx, const xmlChar *ch, int len)
{
	struct epxml_reader *r = ctx;
	size_t n = (size_t)len;

	if (r->fatal)
		return;
	if (r->vsax != NULL)
		r->vsax->characters(r->vdata, ch, len);
	if (r->skip > 0 || r->fatal)
		return;
	if (r->item < 0) {
		for (int i = 0; i < len; i++)
			if (ch[i] != ' ' && ch[i] != '\t' && ch[i] != '\n' &&
			    ch[i] != '\r') {
				problem(r, r->rec, 0, -1, "", "text between "
				    "the elements of %s%s", r->rec ==
				    NDX_REC_ROOT ? "" : "a <", r->rec ==
				    NDX_REC_ROOT ? "the episodes file" :
				    record_name[r->rec]);
				break;
			}
		return;
	}
	if (r->ntext + n > VALUE_MAX) {
		r->text_cut = 1;
		return;
	}
	if (r->ntext + n > r->textcap) {
		r->textcap = r->ntext + n > 2 * r->textcap ? r->ntext + n :
		    2 * r->textcap;
		r->text = xrealloc(r->text, r->textcap + 1);
	}
	memcpy(r->text + r->ntext, ch, n);
	r->ntext += n;
}

/* The line of byte i of p, the unparsed input: the parser's, and on. */
static long
scan_line(const struct epxml_reader *r, const unsigned char *p, size_t i)
{
	long line = line_now(r) > 0 ? line_now(r) : 1;

	for (const unsigned char *nl = p; (nl = memchr(nl, '\n', (size_t)(p +
	    i - nl))) != NULL; nl++)
		line++;
	return line;
}

/* The bytes that end a stretch of a start or end tag. */
static const unsigned char tag_stop[256] = {
	['"'] = 1, ['\''] = 1, ['>'] = 1, ['='] = 1
};

/*
 * Follows the markup, enough to count a start tag's
 * attributes ('=' outside quotes) and the depth of elements: comments,
 * CDATA and processing instructions are skipped, whatever they hold; a
 * DOCTYPE (or any other declaration) is refused, since an ndx file has
 * none and its entities are where XML's expansion attacks live.  Returns
 * how many bytes of p to feed: up to the end of the first tag that leaves
 * the depth at 1 (the root's start tag, or a client's end), else all n;
 * (size_t)-1 when the input is refused.
 */
static size_t
scan(struct epxml_reader *r, const unsigned char *p, size_t n)
{
	const unsigned char *q;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		switch (r->scan) {
		case S_TEXT:
			/* Most bytes are text: skipped to the next '<'. */
			if ((q = memchr(p + i, '<', n - i)) == NULL)
				return n;
			i = (size_t)(q - p);
			r->scan = S_LT;
			break;
		case S_LT:
			r->scan = c == '!' ? S_BANG : c == '?' ? S_PI : S_TAG;
			r->scan_attrs = 0;
			r->scan_run = 0;
			r->scan_end_tag = c == '/';
			r->scan_prev = c;
			if (c == '>')
				r->scan = S_TEXT;
			break;
		case S_BANG:
			if (c != '-' && c != '[') {
				set_fatal(r, NDX_EX_DATAERR, scan_line(r, p, i),
				    "a DOCTYPE or other declaration: not an "
				    "ndx episodes file");
				return (size_t)-1;
			}
			r->scan = c == '-' ? S_COMMENT : S_CDATA;
			r->scan_run = 0;
			break;
		case S_TAG:
			if (!tag_stop[c]) {
				size_t j = i;

				while (j + 1 < n && !tag_stop[p[j + 1]])
					j++;
				r->scan_prev = p[j];
				i = j;
				break;
			}
			if (c == '"')
				r->scan = S_DQUOTE;
			else if (c == '\'')
				r->scan = S_SQUOTE;
			else if (c == '>') {
				int closed = r->scan_end_tag ||
				    r->scan_prev == '/';

				r->scan = S_TEXT;
				if (r->scan_end_tag)
					r->scan_depth--;
				else if (r->scan_prev != '/')
					r->scan_depth++;
				if (r->scan_depth == 1) {
					r->scan_children = 0;
					return i + 1;
				}
				if (closed && r->scan_depth == 2 &&
				    ++r->scan_children - r->cut_children >=
				    EPXML_PART_EPISODES && r->parts)
					return i + 1;
				break;
			} else if (++r->scan_attrs > ATTRIBUTES_MAX) {
				set_fatal(r, NDX_EX_DATAERR, scan_line(r, p, i),
				    "an element with more than %d "
				    "attributes: not an ndx episodes file",
				    ATTRIBUTES_MAX);
				return (size_t)-1;
			}
			r->scan_prev = c;
			break;
		case S_DQUOTE:
		case S_SQUOTE:
			q = memchr(p + i, r->scan == S_DQUOTE ? '"' : '\'',
			    n - i);
			if (q == NULL)
				return n;
			i = (size_t)(q - p);
			r->scan_prev = *q;
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
		}
	}
	return n;
}

/*
 * The input's first bytes, before libxml2 sees them: what people give a
 * program that wants the episodes XML by mistake (nothing at all, a CSV
 * export) is said in words, not as libxml2's "Document is empty" or
 * "Start tag expected".  Returns -1 when it stopped the run.
 */
static int
check_start(struct epxml_reader *r, const unsigned char *p, size_t n,
    int eof)
{
	size_t i = 0;

	if (r->begun)
		return 0;
	if (eof) {
		set_fatal(r, NDX_EX_DATAERR, 0, "empty input: no episodes XML "
		    "(ndx-extract makes one from a source)");
		return -1;
	}
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	if (i == n)
		return 0;
	r->begun = 1;
	if (p[i] == '<')
		return 0;
	set_fatal(r, NDX_EX_DATAERR, 1, "this is not an episodes XML file: it "
	    "starts with text, not a tag%s", memchr(p + i, ',', n - i) != NULL &&
	    (memchr(p + i, '\n', n - i) == NULL ||
	    memchr(p + i, ',', n - i) < memchr(p + i, '\n', n - i)) ?
	    "; it looks like a CSV export, which ndx-extract reads" : "");
	return -1;
}

/*
 * Feeds the parser the next piece of input: up to the next boundary the
 * scan finds, reading when the buffer is spent.  At the end of the input
 * the parser is told so (and reports what is unfinished).
 */
static void
feed(struct epxml_reader *r)
{
	ssize_t got;
	size_t len;

	if (r->bufpos == r->buflen) {
		while ((got = read(r->fd, r->buf, sizeof(r->buf))) < 0 &&
		    errno == EINTR)
			continue;
		if (got < 0) {
			set_fatal(r, NDX_EX_IOERR, 0, "read error: %s",
			    strerror(errno));
			return;
		}
		if (got == 0) {
			r->eof = 1;
			if (check_start(r, NULL, 0, 1) != 0)
				return;
			xmlParseChunk(r->px, NULL, 0, 1);
			r->finished = 1;
			return;
		}
		r->bufpos = 0;
		r->buflen = (size_t)got;
		if (check_start(r, r->buf, r->buflen, 0) != 0)
			return;
	}
	len = scan(r, r->buf + r->bufpos, r->buflen - r->bufpos);
	if (len == (size_t)-1)
		return;
	xmlParseChunk(r->px, (const char *)r->buf + r->bufpos, (int)len, 0);
	r->bufpos += len;
}

struct epxml_reader *
epxml_reader_open(const char *path, const struct ndx_dataset *ds, int flags,
    struct ndx_error *err)
{
	struct epxml_reader *r = xcalloc(1, sizeof(*r));
	xmlSAXHandler sax;

	r->ds = ds;
	r->item = -1;
	r->parts = (flags & EPXML_PARTS) != 0;
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
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_text;
	sax.cdataBlock = on_text;
	sax.serror = on_parse_error;
	r->px = xmlCreatePushParserCtxt(&sax, r, NULL, 0, r->own_fd ? path :
	    NULL);
	if (r->px == NULL) {
		ndx_error_set(err, NDX_EX_OSERR, r->name, 0,
		    "cannot start the XML parser");
		goto fail;
	}
	xmlCtxtUseOptions(r->px, XML_PARSE_NONET);
	r->want_xsd = (flags & EPXML_XSD) != 0;
	while (!r->have_root && !r->fatal && !r->finished)
		feed(r);
	if (r->fatal) {
		*err = r->fatal_err;
		goto fail;
	}
	if (!r->have_root) {
		ndx_error_set(err, NDX_EX_DATAERR, r->name, 0,
		    "empty input: not an ndx episodes file");
		goto fail;
	}
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
	if (r->plug != NULL)
		xmlSchemaSAXUnplug(r->plug);
	xmlSchemaFreeValidCtxt(r->vx);
	if (r->px != NULL) {
		xmlFreeParserCtxt(r->px);
	}
	if (r->own_fd)
		close(r->fd);
	for (int k = 0; k < NDX_NRECORDS; k++)
		free(r->pname[k]);
	arena_free(r->cont_arena);
	free(r->prob);
	free(r->text);
	free(r->name);
	free(r);
}

/* The next part of the client kept, in arena a: its items, none of its
 * episodes yet. */
static struct ndx_client *
continue_client(struct epxml_reader *r, struct ndx_arena *a)
{
	struct ndx_client *next = ndx_client_items(a, r->cont);

	next->part = NDX_PART_CONT;
	return next;
}

int
epxml_reader_next(struct epxml_reader *r, struct ndx_arena *a,
    struct ndx_client **out, const struct epxml_problem **probs,
    size_t *nprobs, struct ndx_error *err)
{
	*out = NULL;
	*probs = NULL;
	*nprobs = 0;
	r->nprob = 0;
	r->client = r->part_more ? continue_client(r, a) : NULL;
	r->part_more = 0;
	r->client_done = 0;
	r->arena = a;
	while (!r->client_done && !r->fatal && !r->finished)
		feed(r);
	if (r->fatal) {
		*err = r->fatal_err;
		return -1;
	}
	if (!r->client_done)
		return 0;
	*out = r->client;
	*probs = r->prob;
	*nprobs = r->nprob;
	return 1;
}

int
epxml_check_values(const struct ndx_dataset *ds, const struct ndx_client *c,
    struct epxml_problem *first)
{
	const struct ndx_episode *e;
	const struct ndx_intervention *iv;
	struct ndx_check chk;
	const char *v;
	int bad = 0;

	for (int item = 0; item < NDX_NITEMS; item++) {
		for (size_t i = 0; i < (ndx_items[item].level ==
		    NDX_LEVEL_CLIENT ? 1 : c->nep); i++) {
			e = ndx_items[item].level == NDX_LEVEL_CLIENT ? NULL :
			    &c->ep[i];
			int row = ndx_items[item].level >=
			    NDX_LEVEL_INTERVENTION;	/* or TOP */

			for (size_t j = 0; j < (row ? e->niv : 1); j++) {
				iv = row ? &e->iv[j] : NULL;
				v = ndx_row_value(c, e, iv, item);
				if (v == NULL)
					continue;
				/* A date the source gave unconverted. */
				if (ndx_row_is_raw(c, e, iv, item))
					snprintf(chk.msg, sizeof(chk.msg),
					    "%s is not a date", ndx_items[item]
					    .code);
				else if (ndx_dataset_check(ds, item, v,
				    &chk) == 0)
					continue;
				if (bad++ > 0)
					continue;
				memset(first, 0, sizeof(*first));
				first->episode = e ? (long)i : -1;
				first->intervention = iv ? (long)j : -1;
				first->item = item;
				first->xml_line = iv ? iv->xml_line : e ?
				    e->xml_line : c->xml_line;
				snprintf(first->element,
				    sizeof(first->element), "%s",
				    ndx_items[item].code);
				snprintf(first->message,
				    sizeof(first->message), "%s", chk.msg);
			}
		}
	}
	return bad;
}

static void
drop_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

static void
drop_generic(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

void
epxml_quiet(void)
{
	xmlSetStructuredErrorFunc(NULL, drop_error);
	xmlSetGenericErrorFunc(NULL, drop_generic);
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
	int part_content;	/* a client in parts: its start tag closed */
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

/* name="CODE CODE ...", the items of bits in the dataset's order. */
static void
put_items_attr(struct epxml_writer *ew, const char *name, uint64_t bits)
{
	char list[8 * NDX_NITEMS];
	size_t n = 0;

	for (int i = 0; i < NDX_NITEMS; i++)
		if (bits & ndx_item_bit((enum ndx_item)i))
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
			    n > 0 ? " " : "", ndx_items[i].code);
	put_attr(ew, name, list);
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
	put_attr(ew, "dataset", h->version >= 2 ? "2" : "1");
	put_attr(ew, "asof", h->asof);
	/* What the header lacks is not written: start="" is not a date. */
	if (h->period[0] != '\0')
		put_attr(ew, "period", h->period);
	if (h->start[0] != '\0')
		put_attr(ew, "start", h->start);
	if (h->end[0] != '\0')
		put_attr(ew, "end", h->end);
	if (h->source[0] != '\0')
		put_attr(ew, "source", h->source);
	if (h->pseudonymised && h->keyid[0] != '\0')
		put_attr(ew, "keyid", h->keyid);
	if (h->pseudonymised && h->combined[0] != '\0')
		put_attr(ew, "combined", h->combined);
	if (!h->pseudonymised && h->absent != 0)
		put_items_attr(ew, "absent", h->absent);
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

/* Items of one level; *any says whether the open tag has content yet. */
static int
write_items(struct epxml_writer *ew, int depth, const char *const *v,
    uint64_t raw, int first, int last, int *any)
{
	for (int i = first; i < last; i++) {
		const char *code = ndx_items[i].code;

		if (v[i - first] == NULL || !in_form(ew, i))
			continue;
		if (!*any)
			put(ew, ">", 1);
		*any = 1;
		open_tag(ew, depth, code);
		if (raw >> (i - first) & 1)
			put_attr(ew, "raw", "true");
		put(ew, ">", 1);
		put_text(ew, v[i - first]);
		put(ew, "</", 2);
		puts_(ew, code);
		put(ew, ">", 1);
	}
	return *any;
}

int
epxml_write_client(struct epxml_writer *ew, const struct ndx_client *c,
    struct ndx_error *err)
{
	int content;

	if (c->part & NDX_PART_CONT)
		content = ew->part_content;
	else {
		if (!ew->nonempty)
			put(ew, ">", 1);
		ew->nonempty = 1;
		open_tag(ew, 1, "client");
		content = 0;
		write_items(ew, 2, c->v, c->raw, NDX_CLIENT_FIRST,
		    NDX_EPISODE_FIRST, &content);
	}
	for (size_t i = 0; i < c->nep; i++) {
		const struct ndx_episode *e = &c->ep[i];
		int econtent;

		if (!content)
			put(ew, ">", 1);
		content = 1;
		open_tag(ew, 2, "episode");
		if (e->shared && !ew->pseudonymised) {
			put_attr(ew, "shared", "true");
			if (e->shared_line > 0) {
				char line[32];

				snprintf(line, sizeof(line), "%ld",
				    e->shared_line);
				put_attr(ew, "sharedline", line);
			}
		}
		econtent = 0;
		write_items(ew, 3, e->v, e->raw, NDX_EPISODE_FIRST,
		    NDX_INTERVENTION_FIRST, &econtent);
		/* The interventions, then the TOP rows, as the XSD orders
		 * them. */
		for (size_t k = 0; k < 2 * e->niv; k++) {
			const struct ndx_intervention *iv = &e->iv[k % e->niv];
			int is_top = k >= e->niv;
			const char *tag = is_top ? "top" : "intervention";
			char line[32];
			int rcontent;

			if ((iv->top != NULL) != is_top)
				continue;
			if (!econtent)
				put(ew, ">", 1);
			econtent = 1;
			open_tag(ew, 3, tag);
			if (iv->line > 0) {
				snprintf(line, sizeof(line), "%ld", iv->line);
				put_attr(ew, "line", line);
			}
			if (!ew->pseudonymised && iv->trimmed != 0)
				put_items_attr(ew, "trimmed", iv->trimmed);
			if (!ew->pseudonymised && iv->normalised != 0)
				put_items_attr(ew, "normalised", iv->normalised);
			rcontent = 0;
			/* A TOP row's intervention items too, if any: R200's. */
			write_items(ew, 4, iv->v, iv->raw,
			    NDX_INTERVENTION_FIRST, NDX_TOP_FIRST, &rcontent);
			if (is_top)
				write_items(ew, 4, iv->top->v, iv->top->raw,
				    NDX_TOP_FIRST, NDX_NITEMS, &rcontent);
			if (rcontent)
				close_tag(ew, 3, tag);
			else
				put(ew, "/>", 2);
		}
		if (econtent)
			close_tag(ew, 2, "episode");
		else
			put(ew, "/>", 2);
	}
	if (c->part & NDX_PART_MORE)
		ew->part_content = content;
	else if (content)
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

void
epxml_writer_abort(struct epxml_writer *ew)
{
	free(ew);
}
