/*
 * The dataset's machine-readable form.  episodes.xsd is compiled once for
 * streaming validation, and also read as a plain document: each item's
 * named type becomes a checker that gives the XSD's verdict but also names
 * the rule broken and says what is wrong without quoting the value.  The
 * checker sits on the validator's hot path (every value of every row), so
 * all the work is done here at load: codes go into a hash table, patterns
 * are compiled with libxml2's own XSD regexp engine, and every message is
 * written out in advance.
 *
 * The loader accepts only the XSD constructs it implements and refuses the
 * rest (exit 78): a facet it skipped would let C and the XSD disagree.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlregexp.h>
#include <libxml/xmlschemas.h>

#include "ndx/csvrec.h"
#include "ndx/datadir.h"
#include "ndx/dataset.h"
#include "ndx/date.h"
#include "ndx/diag.h"
#include "ndx/model.h"
#include "ndx/ndx.h"

#define XS_NS "http://www.w3.org/2001/XMLSchema"
#define APPINFO_NS "urn:ndx:appinfo:1"
#define DATE_PATTERN "[0-9]{4}-[0-9]{2}-[0-9]{2}"

#define MSG_MAX sizeof(((struct ndx_check *)0)->msg)

struct code {
	char *value;
	char *meaning;		/* NULL when undocumented */
	char **prop;		/* name, value, name, value ... */
	size_t nprop;		/* pairs */
};

struct type {
	char *name;
	char *rule;		/* rule of a failure, other than R002 */
	char *doc;		/* completes "ITEM must be ..." */
	int is_date;
	int has_min;
	ndx_day min;		/* minInclusive, dates only */
	char min_text[11];
	long minlen, maxlen;	/* in characters; -1 when unset */
	struct code *code;
	char **codev;		/* code values in XSD order */
	size_t ncode;
	uint32_t *slot;		/* hash of code: index + 1, 0 = free */
	size_t nslot;		/* a power of two, > ncode */
	xmlRegexpPtr *re;	/* alternatives, as XSD patterns are */
	char **pattern;		/* their texts, for the data dictionary */
	size_t nre;
	struct ndx_form attrs;	/* a complex item type's attributes */
};

struct item {
	const struct type *type;
	int version;		/* of the file that declared it first */
	unsigned declared;	/* bit 2 (version - 1) + pseudonymised: the
				   forms that declare it */
	char *title;		/* the first declaration's documentation */
	int mandatory;
	char msg[MSG_MAX];	/* type failure */
	char msg_date[MSG_MAX];	/* R002 */
};

struct ndx_dataset {
	xmlSchemaPtr xsd[NDX_DATASET_MAX];	/* [version - 1] */
	/* [version - 1][pseudonymised][record] */
	struct ndx_form form[NDX_DATASET_MAX][2][NDX_NRECORDS];
	struct type **type;
	size_t ntype;
	struct item item[NDX_NITEMS];
	const struct type *ethnic_group;	/* EthnicGroup */
	struct ndx_rule *rule;	/* sorted by id */
	size_t nrule;
	struct ndx_area_la *la;	/* sorted by code; owns the strings */
	struct ndx_area_la *byarea;	/* sorted by area, then code */
	size_t nla;
};

/* The state of reading episodes.xsd as a document. */
struct loader {
	struct ndx_dataset *ds;
	const char *path;
	xmlNodePtr schema;
	char *tns;		/* targetNamespace */
	struct ndx_error *err;
	int version;		/* the dataset version the file describes */
	size_t type_base;	/* ds->type[type_base...] are this file's */
};

enum ns_kind { NS_OTHER, NS_XS, NS_TARGET };

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static const struct code *
code_find(const struct type *t, const char *v)
{
	size_t mask = t->nslot - 1, i;

	if (t->nslot == 0)
		return NULL;
	for (i = hash(v) & mask; t->slot[i] != 0; i = (i + 1) & mask)
		if (strcmp(t->code[t->slot[i] - 1].value, v) == 0)
			return &t->code[t->slot[i] - 1];
	return NULL;
}

/* Characters, not bytes, as XSD length facets count them. */
static long
utf8_len(const char *s)
{
	long n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static int
check_fail(struct ndx_check *out, const char *rule, const char *msg)
{
	out->rule = rule;
	memcpy(out->msg, msg, MSG_MAX);
	return -1;
}

int
ndx_dataset_check(const struct ndx_dataset *ds, enum ndx_item item,
    const char *value, struct ndx_check *out)
{
	const struct item *it = &ds->item[item];
	const struct type *t = it->type;
	ndx_day day;
	long len;
	size_t i;

	if (t->is_date) {
		switch (ndx_date_parse_iso(value, &day)) {
		case NDX_DATE_SHAPE:
			return check_fail(out, t->rule, it->msg);
		case NDX_DATE_INVALID:
			return check_fail(out, "R002", it->msg_date);
		case NDX_DATE_OK:
			break;
		}
		if (t->has_min && day < t->min)
			return check_fail(out, "R002", it->msg_date);
	}
	if (t->ncode > 0 && code_find(t, value) == NULL)
		return check_fail(out, t->rule, it->msg);
	if (t->minlen >= 0 || t->maxlen >= 0) {
		len = utf8_len(value);
		if ((t->minlen >= 0 && len < t->minlen) ||
		    (t->maxlen >= 0 && len > t->maxlen))
			return check_fail(out, t->rule, it->msg);
	}
	if (t->nre == 0)
		return 0;
	for (i = 0; i < t->nre; i++)
		if (xmlRegexpExec(t->re[i], (const xmlChar *)value) == 1)
			return 0;
	return check_fail(out, t->rule, it->msg);
}

int
ndx_dataset_mandatory(const struct ndx_dataset *ds, enum ndx_item item)
{
	return ds->item[item].mandatory;
}

const char *
ndx_dataset_meaning(const struct ndx_dataset *ds, enum ndx_item item,
    const char *code)
{
	const struct code *c = code_find(ds->item[item].type, code);

	return c != NULL ? c->meaning : NULL;
}

const char *
ndx_dataset_code_prop(const struct ndx_dataset *ds, enum ndx_item item,
    const char *code, const char *prop)
{
	const struct code *c = code_find(ds->item[item].type, code);

	if (c == NULL)
		return NULL;
	for (size_t i = 0; i < c->nprop; i++)
		if (strcmp(c->prop[2 * i], prop) == 0)
			return c->prop[2 * i + 1];
	return NULL;
}

const char *const *
ndx_dataset_codes(const struct ndx_dataset *ds, enum ndx_item item,
    size_t *n)
{
	const struct type *t = ds->item[item].type;

	if (n != NULL)
		*n = t->ncode;
	return t->ncode > 0 ? (const char *const *)t->codev : NULL;
}

const char *
ndx_dataset_title(const struct ndx_dataset *ds, enum ndx_item item)
{
	return ds->item[item].title;
}

void
ndx_dataset_type(const struct ndx_dataset *ds, enum ndx_item item,
    struct ndx_type_info *out)
{
	const struct type *t = ds->item[item].type;

	out->name = t->name;
	out->doc = t->doc;
	out->pattern = (const char *const *)t->pattern;
	out->npattern = t->nre;
	out->minlen = t->minlen;
	out->maxlen = t->maxlen;
}

const char *const *
ndx_dataset_ethnic_groups(const struct ndx_dataset *ds, size_t *n)
{
	*n = ds->ethnic_group->ncode;
	return (const char *const *)ds->ethnic_group->codev;
}

const char *
ndx_dataset_ethnic_group_meaning(const struct ndx_dataset *ds,
    const char *group)
{
	const struct code *c = code_find(ds->ethnic_group, group);

	return c != NULL ? c->meaning : NULL;
}

void *
ndx_dataset_xsd(const struct ndx_dataset *ds, int version)
{
	return ds->xsd[version - 1];
}

const struct ndx_form *
ndx_dataset_form(const struct ndx_dataset *ds, int version,
    int pseudonymised, enum ndx_record rec)
{
	return &ds->form[version - 1][pseudonymised != 0][rec];
}

const struct ndx_form *
ndx_dataset_item_form(const struct ndx_dataset *ds, enum ndx_item item)
{
	return &ds->item[item].type->attrs;
}

long
ndx_xsd_collapse(const char *in, size_t n, char *out, size_t size)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		int space = c == ' ' || c == '\t' || c == '\r' || c == '\n';

		if (space && (len == 0 || out[len - 1] == ' '))
			continue;
		if (len + 1 >= size)
			return -1;
		out[len++] = space ? ' ' : c;
	}
	if (len > 0 && out[len - 1] == ' ')
		len--;
	out[len] = '\0';
	return (long)len;
}

static int
date_valid(const struct type *t, const char *v)
{
	ndx_day day;

	return ndx_date_parse_iso(v, &day) == NDX_DATE_OK &&
	    (!t->has_min || day >= t->min);
}

int
ndx_dataset_check_attr(const struct ndx_dataset *ds,
    const struct ndx_attr_decl *a, const char *value)
{
	const struct type *date = a->date_type;
	char buf[64];
	const char *p;
	int nonzero = 0;

	(void)ds;
	if (a->type == NDX_ATTR_STRING)
		return a->fixed == NULL || strcmp(value, a->fixed) == 0 ? 0 :
		    -1;
	/* No value of these types is anywhere near this long; the loader
	 * allows fixed on xs:string only. */
	if (ndx_xsd_collapse(value, strlen(value), buf, sizeof(buf)) < 0)
		return -1;
	switch (a->type) {
	case NDX_ATTR_BOOLEAN:
		return strcmp(buf, "true") == 0 || strcmp(buf, "false") == 0 ||
		    strcmp(buf, "1") == 0 || strcmp(buf, "0") == 0 ? 0 : -1;
	case NDX_ATTR_POSITIVE_INTEGER:
		p = buf[0] == '+' ? buf + 1 : buf;
		if (*p == '\0')
			return -1;
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '9')
				return -1;
			nonzero |= *p != '0';
		}
		return nonzero ? 0 : -1;
	case NDX_ATTR_DATE:
		return date_valid(date, buf) ? 0 : -1;
	case NDX_ATTR_STRING:
		break;
	}
	return -1;
}

static int
rule_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct ndx_rule *)elem)->id);
}

const struct ndx_rule *
ndx_dataset_rule(const struct ndx_dataset *ds, const char *id)
{
	return bsearch(id, ds->rule, ds->nrule, sizeof(*ds->rule), rule_cmp);
}

const struct ndx_rule *
ndx_dataset_rules(const struct ndx_dataset *ds, size_t *n)
{
	*n = ds->nrule;
	return ds->rule;
}

const struct ndx_area_la *
ndx_dataset_area(const struct ndx_dataset *ds, const char *name, size_t *n)
{
	size_t i, j;

	*n = 0;
	for (i = 0; i < ds->nla; i++)
		if (strcasecmp(ds->byarea[i].area, name) == 0)
			break;
	if (i == ds->nla)
		return NULL;
	for (j = i; j < ds->nla && strcasecmp(ds->byarea[j].area, name) == 0;
	    j++)
		;
	*n = j - i;
	return &ds->byarea[i];
}

static int
la_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct ndx_area_la *)elem)->code);
}

const struct ndx_area_la *
ndx_dataset_la(const struct ndx_dataset *ds, const char *code)
{
	return bsearch(code, ds->la, ds->nla, sizeof(*ds->la), la_cmp);
}

const char *
ndx_dataset_area_name(const struct ndx_dataset *ds, const char *name)
{
	size_t n;
	const struct ndx_area_la *la = ndx_dataset_area(ds, name, &n);

	return la != NULL ? la->area : NULL;
}

static void
form_free(struct ndx_form *f)
{
	for (size_t i = 0; i < f->nparticle; i++)
		free(f->particle[i].name);
	for (size_t i = 0; i < f->nattr; i++) {
		free(f->attr[i].name);
		free(f->attr[i].fixed);
	}
	free(f->particle);
	free(f->attr);
}

static void
type_free(struct type *t)
{
	size_t i, j;

	if (t == NULL)
		return;
	form_free(&t->attrs);
	for (i = 0; i < t->ncode; i++) {
		free(t->code[i].value);
		free(t->code[i].meaning);
		for (j = 0; j < 2 * t->code[i].nprop; j++)
			free(t->code[i].prop[j]);
		free(t->code[i].prop);
	}
	for (i = 0; i < t->nre; i++) {
		xmlRegFreeRegexp(t->re[i]);
		free(t->pattern[i]);
	}
	free(t->pattern);
	free(t->code);
	free(t->codev);
	free(t->slot);
	free(t->re);
	free(t->name);
	free(t->rule);
	free(t->doc);
	free(t);
}

void
ndx_dataset_free(struct ndx_dataset *ds)
{
	size_t i;

	if (ds == NULL)
		return;
	for (int v = 0; v < NDX_DATASET_MAX; v++) {
		xmlSchemaFree(ds->xsd[v]);
		for (i = 0; i < 2 * NDX_NRECORDS; i++)
			form_free(&ds->form[v][i / NDX_NRECORDS]
			    [i % NDX_NRECORDS]);
	}
	for (i = 0; i < ds->ntype; i++)
		type_free(ds->type[i]);
	free(ds->type);
	for (i = 0; i < ds->nrule; i++) {
		free((char *)ds->rule[i].id);
		free((char *)ds->rule[i].title);
		free((char *)ds->rule[i].action);
	}
	free(ds->rule);
	for (i = 0; i < ds->nla; i++) {
		free((char *)ds->la[i].code);
		free((char *)ds->la[i].name);
		free((char *)ds->la[i].area);
	}
	free(ds->la);
	free(ds->byarea);
	for (i = 0; i < NDX_NITEMS; i++)
		free(ds->item[i].title);
	free(ds);
}

/* Reading episodes.xsd as a document. */

static int
is_xs(xmlNodePtr n, const char *local)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    xmlStrEqual(n->ns->href, BAD_CAST XS_NS) &&
	    xmlStrEqual(n->name, BAD_CAST local);
}

static int fail_at(struct loader *, xmlNodePtr, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Always -1, so that callers can return it. */
static int
fail_at(struct loader *ld, xmlNodePtr n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ndx_error_set(ld->err, NDX_EX_CONFIG, ld->path,
	    n != NULL ? xmlGetLineNo(n) : 0, "%s", msg);
	return -1;
}

/* An attribute without namespace, copied; NULL when absent. */
static char *
attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
	char *s = v != NULL ? xstrdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

/* Text with runs of white space made one space, as a reader sees it. */
static char *
text_collapse(xmlNodePtr n)
{
	xmlChar *v = xmlNodeGetContent(n);
	char *s = xstrdup(v != NULL ? (const char *)v : "");

	(void)ndx_xsd_collapse(s, strlen(s), s, strlen(s) + 1);
	xmlFree(v);
	return s;
}

/* The xs:documentation of a component's xs:annotation, or NULL. */
static char *
documentation(xmlNodePtr n)
{
	xmlNodePtr a, d;

	for (a = n->children; a != NULL; a = a->next)
		if (is_xs(a, "annotation"))
			for (d = a->children; d != NULL; d = d->next)
				if (is_xs(d, "documentation"))
					return text_collapse(d);
	return NULL;
}

/*
 * The QName in attribute name of n, resolved against n's namespaces (an
 * unprefixed name takes the default namespace, as XSD says).  *local is
 * allocated; NS_OTHER also covers an undeclared prefix.
 */
static enum ns_kind
qname(struct loader *ld, xmlNodePtr n, const char *name, char **local)
{
	char *v = attr(n, name), *colon;
	xmlNsPtr ns;
	enum ns_kind kind = NS_OTHER;

	*local = NULL;
	if (v == NULL)
		return NS_OTHER;
	if ((colon = strchr(v, ':')) != NULL)
		*colon = '\0';
	ns = xmlSearchNs(n->doc, n, colon != NULL ? BAD_CAST v : NULL);
	if (ns != NULL && xmlStrEqual(ns->href, BAD_CAST XS_NS))
		kind = NS_XS;
	else if (ns != NULL && xmlStrEqual(ns->href, BAD_CAST ld->tns))
		kind = NS_TARGET;
	*local = xstrdup(colon != NULL ? colon + 1 : v);
	free(v);
	return kind;
}

/* The schema's top-level component of that kind and name, or NULL. */
static xmlNodePtr
top(struct loader *ld, const char *kind, const char *name)
{
	xmlNodePtr n;
	char *v;
	int found;

	for (n = ld->schema->children; n != NULL; n = n->next) {
		if (!is_xs(n, kind))
			continue;
		v = attr(n, "name");
		found = v != NULL && strcmp(v, name) == 0;
		free(v);
		if (found)
			return n;
	}
	return NULL;
}

static long
facet_length(struct loader *ld, struct type *t, xmlNodePtr f)
{
	char *v = attr(f, "value");
	const char *errstr = "missing";
	long long len = 0;

	if (v != NULL)
		len = ndx_strtonum(v, 0, 1000000, &errstr);
	free(v);
	if (errstr != NULL)
		return fail_at(ld, f, "type %s: bad length facet (%s)",
		    t->name, errstr);
	return (long)len;
}

/*
 * A date's pattern must be the shape ndx_date_parse_iso() checks, so it
 * is not run again: at some 80 ns a match, it would double the cost of
 * checking a date.
 */
static int
add_pattern(struct loader *ld, struct type *t, xmlNodePtr f)
{
	char *v = attr(f, "value");
	xmlRegexpPtr re;
	int rc = 0;

	if (t->is_date) {
		if (v == NULL || strcmp(v, DATE_PATTERN) != 0)
			rc = fail_at(ld, f, "type %s: a date's pattern must "
			    "be %s", t->name, DATE_PATTERN);
	} else if (v == NULL || (re = xmlRegexpCompile(BAD_CAST v)) == NULL)
		rc = fail_at(ld, f, "type %s: pattern '%s' does not compile",
		    t->name, v != NULL ? v : "");
	else {
		t->re = xreallocarray(t->re, t->nre + 1, sizeof(*t->re));
		t->pattern = xreallocarray(t->pattern, t->nre + 1,
		    sizeof(*t->pattern));
		t->re[t->nre] = re;
		t->pattern[t->nre++] = v;
		v = NULL;
	}
	free(v);
	return rc;
}

static int
add_min(struct loader *ld, struct type *t, xmlNodePtr f)
{
	char *v = attr(f, "value");
	int rc = 0;

	/*
	 * A bound the date parser itself would refuse could never be
	 * reached, and the R002 message would lie about it.
	 */
	if (!t->is_date || v == NULL ||
	    ndx_date_parse_iso(v, &t->min) != NDX_DATE_OK)
		rc = fail_at(ld, f, "type %s: minInclusive must be a date "
		    "from 1900-01-01 on", t->name);
	else {
		t->has_min = 1;
		snprintf(t->min_text, sizeof(t->min_text), "%s", v);
	}
	free(v);
	return rc;
}

/*
 * libxml2 does not look at the attributes of xs:enumeration, so a
 * misspelt property would pass silently; only value, id and attributes in
 * the appinfo namespace are taken.
 */
static int
add_code(struct loader *ld, struct type *t, xmlNodePtr f)
{
	struct code *c;
	xmlAttrPtr a;
	xmlChar *v;

	t->code = xreallocarray(t->code, t->ncode + 1, sizeof(*t->code));
	c = &t->code[t->ncode];
	memset(c, 0, sizeof(*c));
	if ((c->value = attr(f, "value")) == NULL)
		return fail_at(ld, f, "type %s: enumeration without value",
		    t->name);
	t->ncode++;
	c->meaning = documentation(f);
	for (a = f->properties; a != NULL; a = a->next) {
		if (a->ns == NULL && (xmlStrEqual(a->name, BAD_CAST "value") ||
		    xmlStrEqual(a->name, BAD_CAST "id")))
			continue;
		if (a->ns == NULL ||
		    !xmlStrEqual(a->ns->href, BAD_CAST APPINFO_NS))
			return fail_at(ld, f, "type %s: unexpected attribute "
			    "'%s' on a code", t->name, (const char *)a->name);
		v = xmlNodeListGetString(f->doc, a->children, 1);
		c->prop = xreallocarray(c->prop, 2 * (c->nprop + 1),
		    sizeof(*c->prop));
		c->prop[2 * c->nprop] = xstrdup((const char *)a->name);
		c->prop[2 * c->nprop + 1] = xstrdup(v != NULL ?
		    (const char *)v : "");
		c->nprop++;
		xmlFree(v);
	}
	return 0;
}

static int
index_codes(struct loader *ld, struct type *t, xmlNodePtr n)
{
	size_t i, j;
	uint32_t h;

	t->codev = xreallocarray(NULL, t->ncode, sizeof(*t->codev));
	for (t->nslot = 1; t->nslot < 2 * t->ncode; t->nslot *= 2)
		;
	t->slot = xcalloc(t->nslot, sizeof(*t->slot));
	for (i = 0; i < t->ncode; i++) {
		t->codev[i] = t->code[i].value;
		if (code_find(t, t->code[i].value) != NULL)
			return fail_at(ld, n, "type %s: code '%s' listed twice",
			    t->name, t->code[i].value);
		h = hash(t->code[i].value);
		for (j = h & (t->nslot - 1); t->slot[j] != 0;
		    j = (j + 1) & (t->nslot - 1))
			;
		t->slot[j] = (uint32_t)(i + 1);
	}
	return 0;
}

/* The facets of one xs:restriction of xs:string or xs:date. */
static int
parse_restriction(struct loader *ld, struct type *t, xmlNodePtr r)
{
	xmlNodePtr f;
	char *base = NULL;
	long len;
	int rc = -1;

	if (qname(ld, r, "base", &base) != NS_XS ||
	    (strcmp(base, "string") != 0 && strcmp(base, "date") != 0)) {
		fail_at(ld, r, "type %s: base must be xs:string or xs:date, "
		    "not '%s'", t->name, base != NULL ? base : "");
		goto out;
	}
	t->is_date = strcmp(base, "date") == 0;
	for (f = r->children; f != NULL; f = f->next) {
		if (f->type != XML_ELEMENT_NODE || is_xs(f, "annotation"))
			continue;
		if (is_xs(f, "enumeration")) {
			if (add_code(ld, t, f) != 0)
				goto out;
		} else if (is_xs(f, "pattern")) {
			if (add_pattern(ld, t, f) != 0)
				goto out;
		} else if (is_xs(f, "minInclusive")) {
			if (add_min(ld, t, f) != 0)
				goto out;
		} else if (is_xs(f, "length") || is_xs(f, "minLength") ||
		    is_xs(f, "maxLength")) {
			if ((len = facet_length(ld, t, f)) < 0)
				goto out;
			if (!xmlStrEqual(f->name, BAD_CAST "maxLength"))
				t->minlen = len;
			if (!xmlStrEqual(f->name, BAD_CAST "minLength"))
				t->maxlen = len;
		} else {
			fail_at(ld, f, "type %s: unsupported facet '%s'",
			    t->name, (const char *)f->name);
			goto out;
		}
	}
	if (t->is_date && !t->has_min) {
		fail_at(ld, r, "type %s: a date type needs minInclusive",
		    t->name);
		goto out;
	}
	rc = t->ncode > 0 ? index_codes(ld, t, r) : 0;
out:
	free(base);
	return rc;
}

/* A named xs:simpleType: one restriction step from a built-in type. */
static int
parse_simple(struct loader *ld, struct type *t, xmlNodePtr st)
{
	xmlNodePtr r;
	xmlChar *rule = xmlGetNsProp(st, BAD_CAST "rule",
	    BAD_CAST APPINFO_NS);

	t->rule = xstrdup(rule != NULL ? (const char *)rule : "R001");
	xmlFree(rule);
	t->doc = documentation(st);
	for (r = st->children; r != NULL; r = r->next)
		if (is_xs(r, "restriction"))
			break;
	if (r == NULL)
		return fail_at(ld, st, "type %s: only xs:restriction is "
		    "supported", t->name);
	if (parse_restriction(ld, t, r) != 0)
		return -1;
	if (t->ncode == 0 && t->doc == NULL)
		return fail_at(ld, st, "type %s needs xs:documentation to "
		    "complete \"ITEM must be ...\"", t->name);
	return 0;
}

/*
 * A schema component may carry only the attributes the loader reads (and
 * any in the appinfo namespace, which libxml2 ignores): another, such as
 * nillable or mixed, would change what the XSD accepts behind the judge's
 * back.
 */
static int
only_attrs(struct loader *ld, xmlNodePtr n, const char *const *allowed)
{
	for (xmlAttrPtr a = n->properties; a != NULL; a = a->next) {
		size_t i;

		if (a->ns != NULL &&
		    xmlStrEqual(a->ns->href, BAD_CAST APPINFO_NS))
			continue;
		for (i = 0; a->ns == NULL && allowed[i] != NULL; i++)
			if (xmlStrEqual(a->name, BAD_CAST allowed[i]))
				break;
		if (a->ns != NULL || allowed[i] == NULL)
			return fail_at(ld, n, "xs:%s: attribute '%s' is not "
			    "supported", (const char *)n->name,
			    (const char *)a->name);
	}
	return 0;
}

/* Elements under n other than xs:annotation and those named. */
static int
only_children(struct loader *ld, xmlNodePtr n, const char *const *allowed)
{
	for (xmlNodePtr c = n->children; c != NULL; c = c->next) {
		size_t i;

		if (c->type != XML_ELEMENT_NODE || is_xs(c, "annotation"))
			continue;
		for (i = 0; allowed[i] != NULL; i++)
			if (is_xs(c, allowed[i]))
				break;
		if (allowed[i] == NULL)
			return fail_at(ld, c, "xs:%s: <%s> is not supported "
			    "here", (const char *)n->name,
			    (const char *)c->name);
	}
	return 0;
}

static const char *const none[] = { NULL };

static const struct type *type_get(struct loader *, xmlNodePtr,
    const char *);

/* One xs:attribute of a record or item type. */
static int
add_attr(struct loader *ld, struct ndx_form *f, xmlNodePtr a)
{
	static const char *const allowed[] = { "name", "type", "use",
	    "fixed", NULL };
	struct ndx_attr_decl *d;
	const struct type *t = NULL;
	char *tname = NULL, *use = NULL;
	enum ns_kind kind;
	int rc = -1;

	if (only_attrs(ld, a, allowed) != 0 || only_children(ld, a, none) != 0)
		return -1;
	if (f->nattr == NDX_FORM_ATTRS_MAX)
		return fail_at(ld, a, "more than %d attributes on one element",
		    NDX_FORM_ATTRS_MAX);
	f->attr = xreallocarray(f->attr, f->nattr + 1, sizeof(*f->attr));
	d = &f->attr[f->nattr];
	memset(d, 0, sizeof(*d));
	if ((d->name = attr(a, "name")) == NULL)
		return fail_at(ld, a, "xs:attribute without a name");
	f->nattr++;
	for (size_t i = 0; i + 1 < f->nattr; i++)
		if (strcmp(f->attr[i].name, d->name) == 0)
			return fail_at(ld, a, "attribute %s declared twice",
			    d->name);
	d->fixed = attr(a, "fixed");
	use = attr(a, "use");
	if (use != NULL && strcmp(use, "required") != 0 &&
	    strcmp(use, "optional") != 0) {
		fail_at(ld, a, "attribute %s: use='%s' is not supported",
		    d->name, use);
		goto out;
	}
	d->required = use != NULL && strcmp(use, "required") == 0;
	kind = qname(ld, a, "type", &tname);
	if (kind == NS_XS && strcmp(tname, "string") == 0)
		d->type = NDX_ATTR_STRING;
	else if (kind == NS_XS && strcmp(tname, "boolean") == 0)
		d->type = NDX_ATTR_BOOLEAN;
	else if (kind == NS_XS && strcmp(tname, "positiveInteger") == 0)
		d->type = NDX_ATTR_POSITIVE_INTEGER;
	else if (kind == NS_TARGET && (t = type_get(ld, a, tname)) == NULL)
		goto out;
	else if (t != NULL && t->is_date && t->attrs.nattr == 0) {
		d->type = NDX_ATTR_DATE;
		d->date_type = t;
	} else {
		fail_at(ld, a, "attribute %s: its type must be xs:string, "
		    "xs:boolean, xs:positiveInteger or a date type of the "
		    "dataset", d->name);
		goto out;
	}
	/* A fixed value compares as a value, not as text, but for strings. */
	if (d->fixed != NULL && d->type != NDX_ATTR_STRING) {
		fail_at(ld, a, "attribute %s: fixed is supported on xs:string "
		    "only", d->name);
		goto out;
	}
	rc = 0;
out:
	free(tname);
	free(use);
	return rc;
}

/* The xs:attribute and xs:attributeGroup ref= children of n. */
static int
add_attrs(struct loader *ld, struct ndx_form *f, xmlNodePtr n, int depth)
{
	static const char *const ref[] = { "ref", NULL };
	xmlNodePtr c, g;
	char *name = NULL;

	for (c = n->children; c != NULL; c = c->next) {
		if (is_xs(c, "attribute")) {
			if (add_attr(ld, f, c) != 0)
				return -1;
			continue;
		}
		if (!is_xs(c, "attributeGroup"))
			continue;
		if (depth > 0)
			return fail_at(ld, c, "attribute groups do not nest");
		if (only_attrs(ld, c, ref) != 0 ||
		    only_children(ld, c, none) != 0)
			return -1;
		g = NULL;
		if (qname(ld, c, "ref", &name) == NS_TARGET)
			g = top(ld, "attributeGroup", name);
		free(name);
		if (g == NULL)
			return fail_at(ld, c, "attributeGroup ref= names no "
			    "attribute group of the dataset");
		if (only_children(ld, g, (const char *const[]){ "attribute",
		    NULL }) != 0 || add_attrs(ld, f, g, depth + 1) != 0)
			return -1;
	}
	return 0;
}

/*
 * A complex type with simple content (DateItem): the item's value is its
 * base simple type's; its attributes (raw) go into attrs.
 */
static xmlNodePtr
simple_content_base(struct loader *ld, xmlNodePtr ct, struct ndx_form *attrs)
{
	static const char *const ct_attrs[] = { "name", NULL };
	static const char *const sc_children[] = { "simpleContent", NULL };
	static const char *const ext_children[] = { "attribute", NULL };
	static const char *const ext_attrs[] = { "base", NULL };
	xmlNodePtr sc, ext, st = NULL;
	char *base = NULL;

	if (only_attrs(ld, ct, ct_attrs) != 0 ||
	    only_children(ld, ct, sc_children) != 0)
		return NULL;
	for (sc = ct->children; sc != NULL; sc = sc->next)
		if (is_xs(sc, "simpleContent"))
			break;
	if (sc != NULL && (only_attrs(ld, sc, none) != 0 ||
	    only_children(ld, sc, (const char *const[]){ "extension",
	    NULL }) != 0))
		return NULL;
	for (ext = sc != NULL ? sc->children : NULL; ext != NULL;
	    ext = ext->next)
		if (is_xs(ext, "extension"))
			break;
	if (ext != NULL && (only_attrs(ld, ext, ext_attrs) != 0 ||
	    only_children(ld, ext, ext_children) != 0))
		return NULL;
	if (ext != NULL && qname(ld, ext, "base", &base) == NS_TARGET)
		st = top(ld, "simpleType", base);
	free(base);
	if (st == NULL) {
		fail_at(ld, ct, "a complex item type must extend a named "
		    "simple type");
		return NULL;
	}
	return add_attrs(ld, attrs, ext, 1) == 0 ? st : NULL;
}

/* The type named name, read once and shared by its items. */
static const struct type *
type_get(struct loader *ld, xmlNodePtr at, const char *name)
{
	struct ndx_dataset *ds = ld->ds;
	struct ndx_form attrs = { NULL, 0, NULL, 0 };
	struct type *t;
	xmlNodePtr st, ct;

	for (size_t i = ld->type_base; i < ds->ntype; i++)
		if (strcmp(ds->type[i]->name, name) == 0)
			return ds->type[i];
	st = top(ld, "simpleType", name);
	if (st == NULL && (ct = top(ld, "complexType", name)) != NULL &&
	    (st = simple_content_base(ld, ct, &attrs)) == NULL) {
		form_free(&attrs);
		return NULL;
	}
	if (st == NULL) {
		fail_at(ld, at, "type %s is not defined", name);
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	t->minlen = t->maxlen = -1;
	t->attrs = attrs;
	ds->type = xreallocarray(ds->type, ds->ntype + 1, sizeof(*ds->type));
	ds->type[ds->ntype++] = t;
	return parse_simple(ld, t, st) == 0 ? t : NULL;
}

/* NULL equals NULL only. */
static int
same_text(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/*
 * Two versions' types for one item say the same: a version 2 file must
 * judge a version 1 item as version 1 does, and the checker is one.
 */
static int
type_equal(const struct type *a, const struct type *b)
{
	if (!same_text(a->name, b->name) || !same_text(a->rule, b->rule) ||
	    !same_text(a->doc, b->doc) || a->is_date != b->is_date ||
	    a->has_min != b->has_min || (a->has_min && a->min != b->min) ||
	    a->minlen != b->minlen || a->maxlen != b->maxlen ||
	    a->ncode != b->ncode || a->nre != b->nre ||
	    a->attrs.nattr != b->attrs.nattr)
		return 0;
	for (size_t i = 0; i < a->ncode; i++) {
		const struct code *x = &a->code[i], *y = &b->code[i];

		if (!same_text(x->value, y->value) ||
		    !same_text(x->meaning, y->meaning) || x->nprop != y->nprop)
			return 0;
		for (size_t k = 0; k < 2 * x->nprop; k++)
			if (!same_text(x->prop[k], y->prop[k]))
				return 0;
	}
	for (size_t i = 0; i < a->nre; i++)
		if (!same_text(a->pattern[i], b->pattern[i]))
			return 0;
	for (size_t i = 0; i < a->attrs.nattr; i++) {
		const struct ndx_attr_decl *x = &a->attrs.attr[i],
		    *y = &b->attrs.attr[i];

		if (!same_text(x->name, y->name) || x->type != y->type ||
		    x->required != y->required ||
		    !same_text(x->fixed, y->fixed))
			return 0;
	}
	return 1;
}

static int
declare_item(struct loader *ld, xmlNodePtr el, enum ndx_item item,
    int identifiable)
{
	struct item *it = &ld->ds->item[item];
	const struct type *t;
	char *tname = NULL, *min = NULL;
	int rc = -1;

	if (identifiable && ndx_items[item].pseudo) {
		fail_at(ld, el, "%s belongs to the pseudonymised form only",
		    ndx_items[item].code);
		goto out;
	}
	if (qname(ld, el, "type", &tname) != NS_TARGET) {
		fail_at(ld, el, "item %s needs a named type of the dataset",
		    ndx_items[item].code);
		goto out;
	}
	if ((t = type_get(ld, el, tname)) == NULL)
		goto out;
	it->declared |= 1u << (2 * (ld->version - 1) + !identifiable);
	if (it->type != NULL && it->type != t &&
	    !(it->version < ld->version && type_equal(it->type, t))) {
		fail_at(ld, el, it->version < ld->version ? "item %s: type "
		    "%s is not the one dataset version %d gives it" :
		    "item %s has two types (%s and another)",
		    ndx_items[item].code, tname, it->version);
		goto out;
	}
	if (it->type != NULL && it->version < ld->version) {
		/* The earlier version's declaration stands; this one must
		 * say the same of the item. */
		if (identifiable) {
			min = attr(el, "minOccurs");
			if (it->mandatory != (min == NULL ||
			    strcmp(min, "0") != 0)) {
				fail_at(ld, el, "item %s: mandatory in one "
				    "dataset version and not in another",
				    ndx_items[item].code);
				goto out;
			}
		}
		rc = 0;
		goto out;
	}
	it->version = ld->version;
	if (t->is_date != (int)ndx_items[item].is_date) {
		fail_at(ld, el, "item %s: the program %s it to be a date",
		    ndx_items[item].code, t->is_date ? "does not expect" :
		    "expects");
		goto out;
	}
	it->type = t;
	if (it->title == NULL) {
		xmlChar *ident = xmlGetNsProp(el, BAD_CAST "identifying",
		    BAD_CAST APPINFO_NS);
		int marked = ident != NULL && xmlStrEqual(ident, BAD_CAST "yes");

		xmlFree(ident);
		/* The page and the dictionary say what the program does. */
		if (marked != (int)ndx_items[item].identifying) {
			fail_at(ld, el, "item %s: ndx:identifying must be %s",
			    ndx_items[item].code, ndx_items[item].identifying ?
			    "\"yes\"" : "absent");
			goto out;
		}
		it->title = documentation(el);
	}
	/* Pseudonymised-only items are derived, never keyed in. */
	if (identifiable) {
		min = attr(el, "minOccurs");
		it->mandatory = min == NULL || strcmp(min, "0") != 0;
	}
	rc = 0;
out:
	free(tname);
	free(min);
	return rc;
}

static const char *const record_name[NDX_NRECORDS] = {
	NULL, "client", "episode", "intervention", "top"
};

/* The records one record holds, by name (the nesting is the model's). */
static int
record_below(int version, enum ndx_record rec, const char *name)
{
	switch (rec) {
	case NDX_REC_ROOT:
		return strcmp(name, "client") == 0 ? NDX_REC_CLIENT : -1;
	case NDX_REC_CLIENT:
		return strcmp(name, "episode") == 0 ? NDX_REC_EPISODE : -1;
	case NDX_REC_EPISODE:
		if (strcmp(name, "intervention") == 0)
			return NDX_REC_INTERVENTION;
		return version >= 2 && strcmp(name, "top") == 0 ?
		    NDX_REC_TOP : -1;
	case NDX_REC_INTERVENTION:
	case NDX_REC_TOP:
	case NDX_NRECORDS:
		break;
	}
	return -1;
}

/* The level of a record's items. */
static int
record_level(enum ndx_record rec)
{
	return rec == NDX_REC_CLIENT ? NDX_LEVEL_CLIENT :
	    rec == NDX_REC_EPISODE ? NDX_LEVEL_EPISODE :
	    rec == NDX_REC_INTERVENTION ? NDX_LEVEL_INTERVENTION :
	    rec == NDX_REC_TOP ? NDX_LEVEL_TOP : -1;
}

/* "1" or "0" (minOccurs), "1" or "unbounded" (maxOccurs); absent is 1. */
static int
occurs(struct loader *ld, xmlNodePtr el, const char *name, const char *alt,
    int *out)
{
	char *v = attr(el, name);
	int rc = 0;

	*out = 1;
	if (v != NULL && strcmp(v, alt) == 0)
		*out = 0;
	else if (v != NULL && strcmp(v, "1") != 0)
		rc = fail_at(ld, el, "%s='%s' is not supported (1 or %s)",
		    name, v, alt);
	free(v);
	return rc;
}

/*
 * Walks a record type: its attributes and its sequence, where item
 * elements are declared and the other elements lead to the records
 * below.  rec is the record the type describes; the nesting is fixed
 * (root, client, episode, then intervention and in version 2 top)
 * because the program's model is.
 */
static int
walk(struct loader *ld, xmlNodePtr ct, int identifiable, enum ndx_record rec)
{
	static const char *const ct_attrs[] = { "name", NULL };
	static const char *const ct_children[] = { "sequence", "attribute",
	    "attributeGroup", NULL };
	static const char *const el_attrs[] = { "name", "type", "minOccurs",
	    "maxOccurs", NULL };
	static const char *const seq_children[] = { "element", NULL };
	struct ndx_form *f = &ld->ds->form[ld->version - 1][!identifiable][rec];
	struct ndx_particle *pt;
	xmlNodePtr seq, el, sub;
	char *tname = NULL;
	int item, below, records = 0, rc = -1;

	if (only_attrs(ld, ct, ct_attrs) != 0 ||
	    only_children(ld, ct, ct_children) != 0 ||
	    add_attrs(ld, f, ct, 0) != 0)
		return -1;
	for (seq = ct->children; seq != NULL; seq = seq->next)
		if (is_xs(seq, "sequence"))
			break;
	if (seq == NULL)
		return fail_at(ld, ct, "a record type must hold an "
		    "xs:sequence");
	if (only_attrs(ld, seq, none) != 0 ||
	    only_children(ld, seq, seq_children) != 0)
		return -1;
	for (el = seq->children; el != NULL; el = el->next) {
		if (!is_xs(el, "element"))
			continue;
		if (only_attrs(ld, el, el_attrs) != 0 ||
		    only_children(ld, el, none) != 0)
			return -1;
		f->particle = xreallocarray(f->particle, f->nparticle + 1,
		    sizeof(*f->particle));
		pt = &f->particle[f->nparticle];
		memset(pt, 0, sizeof(*pt));
		if ((pt->name = attr(el, "name")) == NULL)
			return fail_at(ld, el, "xs:element without a name");
		f->nparticle++;
		for (size_t i = 0; i + 1 < f->nparticle; i++)
			if (strcmp(f->particle[i].name, pt->name) == 0)
				return fail_at(ld, el, "element %s appears "
				    "twice in one sequence", pt->name);
		if (occurs(ld, el, "minOccurs", "0", &pt->min) != 0 ||
		    occurs(ld, el, "maxOccurs", "unbounded",
		    &pt->unbounded) != 0)
			return -1;
		pt->unbounded = !pt->unbounded;
		if ((item = ndx_item_lookup(pt->name)) >= 0) {
			pt->item = item;
			pt->record = -1;
			/* A TOP row may carry intervention items, for R200
			 * to reject: the model's row holds both. */
			if (((int)ndx_items[item].level != record_level(rec) &&
			    !(rec == NDX_REC_TOP && ndx_items[item].level ==
			    NDX_LEVEL_INTERVENTION)) ||
			    (ndx_items[item].v2 && ld->version < 2))
				return fail_at(ld, el, "item %s does not "
				    "belong in this record", pt->name);
			if (records > 0)
				return fail_at(ld, el, "item %s comes after "
				    "a record", pt->name);
			if (pt->unbounded)
				return fail_at(ld, el, "item %s may appear "
				    "once at most", pt->name);
			if (declare_item(ld, el, item, identifiable) != 0)
				return -1;
			continue;
		}
		pt->item = -1;
		if ((below = record_below(ld->version, rec, pt->name)) < 0)
			return fail_at(ld, el, "element %s is neither an item "
			    "nor a record of <%s>", pt->name,
			    rec == NDX_REC_ROOT ? "the root" :
			    record_name[rec]);
		pt->record = below;
		records++;
		if (qname(ld, el, "type", &tname) != NS_TARGET ||
		    (sub = top(ld, "complexType", tname)) == NULL) {
			fail_at(ld, el, "record %s needs a named complex type",
			    pt->name);
			goto out;
		}
		free(tname);
		tname = NULL;
		if (walk(ld, sub, identifiable, (enum ndx_record)below) != 0)
			goto out;
	}
	if (rec < NDX_REC_INTERVENTION && records == 0)
		return fail_at(ld, ct, "a record type must hold a record");
	rc = 0;
out:
	free(tname);
	return rc;
}

static int
walk_root(struct loader *ld, const char *root, int identifiable)
{
	static const char *const el_attrs[] = { "name", "type", NULL };
	xmlNodePtr el = top(ld, "element", root), ct = NULL;
	char *tname = NULL;

	if (el != NULL && (only_attrs(ld, el, el_attrs) != 0 ||
	    only_children(ld, el, none) != 0))
		return -1;
	if (el != NULL && qname(ld, el, "type", &tname) == NS_TARGET)
		ct = top(ld, "complexType", tname);
	free(tname);
	if (ct == NULL)
		return fail_at(ld, el, "no element %s of a named complex "
		    "type", root);
	return walk(ld, ct, identifiable, NDX_REC_ROOT);
}

/*
 * What the schema element itself may say: an include, an import or a
 * default that changes how names are qualified would make documents the
 * loader never saw valid.
 */
static int
schema_supported(struct loader *ld)
{
	static const char *const attrs[] = { "targetNamespace",
	    "elementFormDefault", "attributeFormDefault", "version", NULL };
	static const char *const children[] = { "element", "complexType",
	    "simpleType", "attributeGroup", NULL };
	char *efd = attr(ld->schema, "elementFormDefault");
	char *afd = attr(ld->schema, "attributeFormDefault");
	int ok = efd != NULL && strcmp(efd, "qualified") == 0 &&
	    (afd == NULL || strcmp(afd, "unqualified") == 0);

	free(efd);
	free(afd);
	if (only_attrs(ld, ld->schema, attrs) != 0 ||
	    only_children(ld, ld->schema, children) != 0)
		return -1;
	if (!ok)
		return fail_at(ld, ld->schema, "the schema must say "
		    "elementFormDefault=\"qualified\" and leave attributes "
		    "unqualified");
	return 0;
}

static int
append(char *buf, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + n >= MSG_MAX)
		return -1;
	memcpy(buf + *len, s, n + 1);
	*len += n;
	return 0;
}

/* The data officer's messages, written once per item. */
static int
item_messages(struct loader *ld, enum ndx_item item)
{
	struct item *it = &ld->ds->item[item];
	const struct type *t = it->type;
	const char *code = ndx_items[item].code;
	size_t i, len = 0;
	int ok;

	if (t->ncode > 0) {
		ok = append(it->msg, &len, code) == 0 &&
		    append(it->msg, &len, " must be one of ") == 0;
		for (i = 0; ok && i < t->ncode; i++)
			ok = (i == 0 || append(it->msg, &len, ", ") == 0) &&
			    append(it->msg, &len, t->codev[i]) == 0;
		/* A long list is better named than cut short. */
		if (!ok)
			snprintf(it->msg, MSG_MAX, "%s is not one of the codes "
			    "dataset.md lists for it", code);
	} else if (append(it->msg, &len, code) != 0 ||
	    append(it->msg, &len, " must be ") != 0 ||
	    append(it->msg, &len, t->doc) != 0)
		return fail_at(ld, NULL, "type %s: documentation too long "
		    "for a message", t->name);
	if (t->is_date)
		snprintf(it->msg_date, MSG_MAX, "%s is not a real calendar "
		    "date (or is before %s)", code, t->min_text);
	return 0;
}

/* Items the program knows that the form just walked lacks. */
static int
undeclared(struct loader *ld, const char *form, int pseudo)
{
	for (int i = 0; i < NDX_NITEMS; i++) {
		if ((int)ndx_items[i].v2 >= ld->version)
			continue;
		/* Either form of this version, so far, as the walks go. */
		if (!(ld->ds->item[i].declared >> (2 * (ld->version - 1)) &
		    (pseudo ? 3u : 1u)) && (int)ndx_items[i].pseudo <= pseudo)
			return fail_at(ld, NULL, "item %s is not declared in "
			    "%s", ndx_items[i].code, form);
		/* The data dictionary has a title for every column. */
		if (ld->ds->item[i].type != NULL &&
		    ld->ds->item[i].title == NULL)
			return fail_at(ld, NULL, "item %s: its first "
			    "declaration in %s has no xs:documentation",
			    ndx_items[i].code, form);
	}
	return 0;
}

/*
 * EthnicGroup, the broad groups of the generalised extract: every
 * ETHNIC code's ndx:group must be one of its codes.
 */
static int
load_ethnic_group(struct loader *ld)
{
	const struct type *eth = ld->ds->item[NDX_ETHNIC].type, *t;
	const char *g;

	if ((t = type_get(ld, ld->schema, "EthnicGroup")) == NULL)
		return -1;
	if (ld->ds->ethnic_group != NULL) {
		if (!type_equal(ld->ds->ethnic_group, t))
			return fail_at(ld, NULL, "type EthnicGroup is not "
			    "the one dataset version 1 gives");
		return 0;
	}
	ld->ds->ethnic_group = t;
	if (ld->ds->ethnic_group->ncode == 0)
		return fail_at(ld, NULL, "type EthnicGroup needs a code list");
	for (size_t i = 0; i < eth->ncode; i++) {
		g = ndx_dataset_code_prop(ld->ds, NDX_ETHNIC,
		    eth->codev[i], "group");
		if (g != NULL && code_find(ld->ds->ethnic_group, g) == NULL)
			return fail_at(ld, NULL, "ETHNIC code %s: group '%s' "
			    "is not a code of EthnicGroup", eth->codev[i], g);
	}
	return 0;
}

static int
load_xsd_doc(struct ndx_dataset *ds, xmlDocPtr doc, const char *path,
    int version, struct ndx_error *err)
{
	struct loader ld = { ds, path, xmlDocGetRootElement(doc), NULL, err,
	    version, ds->ntype };
	int rc = -1;

	if (ld.schema == NULL || !is_xs(ld.schema, "schema") ||
	    (ld.tns = attr(ld.schema, "targetNamespace")) == NULL) {
		fail_at(&ld, ld.schema, "not an XML schema with a target "
		    "namespace");
		goto out;
	}
	if (schema_supported(&ld) != 0 ||
	    walk_root(&ld, "episodes", 1) != 0 ||
	    undeclared(&ld, "episodes", 0) != 0 ||
	    walk_root(&ld, "pseudonymised-episodes", 0) != 0 ||
	    undeclared(&ld, "pseudonymised-episodes", 1) != 0 ||
	    load_ethnic_group(&ld) != 0)
		goto out;
	for (int i = 0; i < NDX_NITEMS; i++)
		if (ds->item[i].version == version &&
		    item_messages(&ld, i) != 0)
			goto out;
	rc = 0;
out:
	free(ld.tns);
	return rc;
}

static void
error_from_xml(struct ndx_error *err, const char *path, const xmlError *e)
{
	size_t len = e != NULL && e->message != NULL ? strlen(e->message) : 0;

	while (len > 0 && e->message[len - 1] == '\n')
		len--;
	ndx_error_set(err, NDX_EX_CONFIG, e != NULL && e->file != NULL ?
	    e->file : path, e != NULL ? e->line : 0, "%.*s", (int)len,
	    len > 0 ? e->message : "cannot read the schema");
}

struct schema_errors {
	struct ndx_error *err;
	const char *path;
	int seen;
};

/* Keeps the first error of the schema compiler; nothing is printed. */
static void
schema_error(void *ctx, xmlErrorPtr e)
{
	struct schema_errors *se = ctx;

	if (se->seen || e == NULL || e->level < XML_ERR_ERROR)
		return;
	se->seen = 1;
	error_from_xml(se->err, se->path, e);
}

static void
discard_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

static int
load_xsd(struct ndx_dataset *ds, const char *path, int version,
    struct ndx_error *err)
{
	struct schema_errors se = { err, path, 0 };
	xmlSchemaParserCtxtPtr pctxt = NULL;
	xmlDocPtr doc = NULL;
	xmlStructuredErrorFunc saved = xmlStructuredError;
	void *saved_ctx = xmlStructuredErrorContext;
	int rc = -1;

	/*
	 * The regexp compiler reports to the thread's global handler, which
	 * prints by default; the schema compiler's own report of the same
	 * fault comes to schema_error() with a line number.
	 */
	xmlSetStructuredErrorFunc(NULL, discard_error);

	/* The document first: the schema compiler prints parse errors. */
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
	    XML_PARSE_NOWARNING);
	if (doc == NULL) {
		error_from_xml(err, path, xmlGetLastError());
		goto out;
	}
	if ((pctxt = xmlSchemaNewParserCtxt(path)) == NULL) {
		ndx_error_set(err, NDX_EX_CONFIG, path, 0,
		    "cannot compile the schema");
		goto out;
	}
	xmlSchemaSetParserStructuredErrors(pctxt, schema_error, &se);
	if ((ds->xsd[version - 1] = xmlSchemaParse(pctxt)) == NULL) {
		if (!se.seen)
			ndx_error_set(err, NDX_EX_CONFIG, path, 0,
			    "cannot compile the schema");
		goto out;
	}
	rc = load_xsd_doc(ds, doc, path, version, err);
out:
	xmlSetStructuredErrorFunc(saved_ctx, saved);
	xmlSchemaFreeParserCtxt(pctxt);
	xmlFreeDoc(doc);
	return rc;
}

/* Reading the two CSV tables. */

static int
header_is(const struct csvrec *rec, const char *hdr)
{
	const char *p = hdr;

	for (size_t i = 0; i < rec->nfields; i++) {
		if (i > 0 && *p != ',')
			return 0;
		p += i > 0;
		if (strncmp(p, rec->field[i], rec->len[i]) != 0 ||
		    (p[rec->len[i]] != ',' && p[rec->len[i]] != '\0'))
			return 0;
		p += rec->len[i];
	}
	return *p == '\0';
}

/*
 * Calls row() for every record after a header that must be exactly hdr
 * (comma-separated).
 */
static int
read_table(struct ndx_dataset *ds, const char *path, const char *hdr,
    int (*row)(struct ndx_dataset *, const struct csvrec *, const char *,
    struct ndx_error *), struct ndx_error *err)
{
	FILE *fp = NULL;
	struct csvrec_reader *r = NULL;
	const struct csvrec *rec;
	size_t i;
	int rc = -1, more;

	if ((fp = fopen(path, "r")) == NULL ||
	    (r = csvrec_open(fp, path)) == NULL) {
		ndx_error_set(err, NDX_EX_CONFIG, path, 0, "cannot read");
		goto out;
	}
	for (i = 0; (more = csvrec_next(r, &rec, err)) == 1; i++) {
		if (i == 0 && !header_is(rec, hdr)) {
			ndx_error_set(err, NDX_EX_CONFIG, path, rec->line,
			    "the header must be %s", hdr);
			goto out;
		}
		if (i > 0 && row(ds, rec, path, err) != 0)
			goto out;
	}
	if (more < 0) {
		err->code = NDX_EX_CONFIG;
		goto out;
	}
	rc = 0;
out:
	csvrec_close(r);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

static int
fields_ok(const struct csvrec *rec, size_t n, const char *path,
    struct ndx_error *err)
{
	size_t i;

	if (rec->nfields != n) {
		ndx_error_set(err, NDX_EX_CONFIG, path, rec->line,
		    "%zu fields, not %zu", rec->nfields, n);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (rec->field[i][0] == '\0') {
			ndx_error_set(err, NDX_EX_CONFIG, path, rec->line,
			    "field %zu is empty", i + 1);
			return -1;
		}
	return 0;
}

static int
rule_row(struct ndx_dataset *ds, const struct csvrec *rec, const char *path,
    struct ndx_error *err)
{
	static const char *const sev[] = { "none", "warning", "error" };
	struct ndx_rule *ru;
	size_t s;

	if (fields_ok(rec, 4, path, err) != 0)
		return -1;
	for (s = 0; s < sizeof(sev) / sizeof(sev[0]); s++)
		if (strcmp(rec->field[1], sev[s]) == 0)
			break;
	if (s == sizeof(sev) / sizeof(sev[0])) {
		ndx_error_set(err, NDX_EX_CONFIG, path, rec->line,
		    "severity must be error, warning or none");
		return -1;
	}
	/* Sorted and unique, so that lookups can bisect. */
	if (ds->nrule > 0 &&
	    strcmp(ds->rule[ds->nrule - 1].id, rec->field[0]) >= 0) {
		ndx_error_set(err, NDX_EX_CONFIG, path, rec->line,
		    "rule ids must be unique and in ascending order");
		return -1;
	}
	ds->rule = xreallocarray(ds->rule, ds->nrule + 1, sizeof(*ds->rule));
	ru = &ds->rule[ds->nrule++];
	ru->id = xstrdup(rec->field[0]);
	ru->severity = (enum ndx_severity)s;
	ru->title = xstrdup(rec->field[2]);
	ru->action = xstrdup(rec->field[3]);
	return 0;
}

static int
area_row(struct ndx_dataset *ds, const struct csvrec *rec, const char *path,
    struct ndx_error *err)
{
	struct ndx_area_la *la;
	struct ndx_check chk;

	if (fields_ok(rec, 3, path, err) != 0)
		return -1;
	if (ndx_dataset_check(ds, NDX_LA, rec->field[0], &chk) != 0) {
		ndx_error_set(err, NDX_EX_CONFIG, path, rec->line, "%s",
		    chk.msg);
		return -1;
	}
	if (ds->nla > 0 &&
	    strcmp(ds->la[ds->nla - 1].code, rec->field[0]) >= 0) {
		ndx_error_set(err, NDX_EX_CONFIG, path, rec->line,
		    "LA codes must be unique and in ascending order");
		return -1;
	}
	ds->la = xreallocarray(ds->la, ds->nla + 1, sizeof(*ds->la));
	la = &ds->la[ds->nla++];
	la->code = xstrdup(rec->field[0]);
	la->name = xstrdup(rec->field[1]);
	la->area = xstrdup(rec->field[2]);
	return 0;
}

static int
byarea_cmp(const void *a, const void *b)
{
	const struct ndx_area_la *x = a, *y = b;
	int c = strcasecmp(x->area, y->area);

	return c != 0 ? c : strcmp(x->code, y->code);
}

/* Every rule a type may name exists, so the report can cite it. */
static int
check_rule_refs(struct ndx_dataset *ds, const char *path,
    struct ndx_error *err)
{
	for (size_t i = 0; i < ds->ntype; i++)
		if (ndx_dataset_rule(ds, ds->type[i]->rule) == NULL ||
		    (ds->type[i]->is_date && ndx_dataset_rule(ds, "R002") ==
		    NULL)) {
			ndx_error_set(err, NDX_EX_CONFIG, path, 0,
			    "type %s breaks a rule that is not listed",
			    ds->type[i]->name);
			return -1;
		}
	return 0;
}

static char *
datafile(const char *name, struct ndx_error *err)
{
	char *path = ndx_datafile(name);

	if (path == NULL)
		ndx_error_set(err, NDX_EX_CONFIG, name, 0, "not found; set "
		    "NDX_DATADIR to the directory that holds it");
	return path;
}

struct ndx_dataset *
ndx_dataset_load(struct ndx_error *err)
{
	struct ndx_dataset *ds = xcalloc(1, sizeof(*ds)), *ret = NULL;
	char *xsd = NULL, *xsd2 = NULL, *rules = NULL, *areas = NULL;

	if ((xsd = datafile("episodes.xsd", err)) == NULL ||
	    (xsd2 = datafile("episodes-2.xsd", err)) == NULL ||
	    (rules = datafile("rules.csv", err)) == NULL ||
	    (areas = datafile("areas.csv", err)) == NULL)
		goto out;
	if (load_xsd(ds, xsd, 1, err) != 0 ||
	    load_xsd(ds, xsd2, 2, err) != 0 ||
	    read_table(ds, rules, "id,severity,title,action", rule_row,
	    err) != 0 ||
	    check_rule_refs(ds, rules, err) != 0 ||
	    read_table(ds, areas, "la,name,area", area_row, err) != 0)
		goto out;
	ds->byarea = xreallocarray(NULL, ds->nla, sizeof(*ds->byarea));
	if (ds->nla > 0)
		memcpy(ds->byarea, ds->la, ds->nla * sizeof(*ds->la));
	qsort(ds->byarea, ds->nla, sizeof(*ds->byarea), byarea_cmp);
	ret = ds;
	ds = NULL;
out:
	free(xsd);
	free(xsd2);
	free(rules);
	free(areas);
	ndx_dataset_free(ds);
	return ret;
}
