/*
 * The data dictionary (exchange.md section 5): a Frictionless Tabular Data
 * Package descriptor for the CSV files of an archive.
 *
 * Every column is described from what the dataset states of it, never
 * from the data: an item's title, type, code list and patterns come from
 * episodes.xsd; the PCC return's long layout (metrics.md) is described
 * here, because no schema file states it.  Patterns are the XSD's, which
 * Table Schema takes as they are (XML Schema regular expressions, matched
 * whole); several become one alternation.
 *
 * The descriptor claims nothing it cannot stand behind: no "required"
 * constraint, because what a product leaves empty depends on the row
 * (R130 empties all but four items of an episode without consent; the
 * generalised extract empties others).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/csvrec.h"
#include "ndx/datapackage.h"
#include "ndx/dataset.h"
#include "ndx/diag.h"
#include "ndx/manifest.h"
#include "ndx/model.h"
#include "ndx/ndx.h"
#include "ndx/provenance.h"

#define DEPTH_MAX 8

/* A JSON writer that indents as it goes; errors are left in ferror(). */
struct jw {
	FILE *fp;
	int depth;
	int count[DEPTH_MAX];	/* members written at each depth */
};

static void
json_string(FILE *fp, const char *s)
{
	putc('"', fp);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", fp);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\u%04x", *p);
		else
			putc(*p, fp);
	}
	putc('"', fp);
}

/* Starts a member (key non-NULL, in an object) or element (in an array). */
static void
jw_member(struct jw *w, const char *key)
{
	if (w->depth > 0) {
		fputs(w->count[w->depth]++ > 0 ? ",\n" : "\n", w->fp);
		fprintf(w->fp, "%*s", 2 * w->depth, "");
	}
	if (key != NULL) {
		json_string(w->fp, key);
		fputs(": ", w->fp);
	}
}

static void
jw_open(struct jw *w, const char *key, int brace)
{
	jw_member(w, key);
	putc(brace, w->fp);
	w->count[++w->depth] = 0;
}

static void
jw_close(struct jw *w, int brace)
{
	if (w->count[w->depth--] > 0)
		fprintf(w->fp, "\n%*s", 2 * w->depth, "");
	putc(brace, w->fp);
}

static void
jw_str(struct jw *w, const char *key, const char *v)
{
	jw_member(w, key);
	json_string(w->fp, v);
}

static void
jw_num(struct jw *w, const char *key, long long v)
{
	jw_member(w, key);
	fprintf(w->fp, "%lld", v);
}

static void
jw_bool(struct jw *w, const char *key, int v)
{
	jw_member(w, key);
	fputs(v ? "true" : "false", w->fp);
}

/* A string member when the value is given (provenance: NULL, "" or "-"). */
static void
jw_given(struct jw *w, const char *key, const char *v)
{
	if (v != NULL && *v != '\0' && strcmp(v, "-") != 0)
		jw_str(w, key, v);
}

/* The columns of the PCC return's long layout, metrics.md "Output: CSV". */
static const struct {
	const char *name, *title, *description;
	const char *pattern;	/* NULL: none */
} pcc_columns[] = {
	{ "period", "period", "the period's label: 2026Q2, 2026-10 or "
	    "START..END", NULL },
	{ "area_code", "area code", "the local authority's ONS code, or "
	    "TOTAL for the police force area's total (the sum of its LA "
	    "rows)", "(E(0[6-9]|10)[0-9]{6}|TOTAL)" },
	{ "area_name", "area name", "the local authority's name, or the "
	    "police force area's on the TOTAL row", NULL },
	{ "measure", "measure", "the measure's name (ndx's metrics.md "
	    "defines each)", NULL },
	{ "breakdown", "breakdown", "the breakdown of the measure "
	    "(metrics.md)", NULL },
	{ "value", "value", "an integer count; * where disclosure control "
	    "hides it; a rate with one decimal place; empty for a rate with "
	    "no denominator", "(\\*|[0-9]+|[0-9]+\\.[0-9])" },
};

#define NPCC (sizeof(pcc_columns) / sizeof(pcc_columns[0]))

static int
pcc_column(const char *name)
{
	for (size_t i = 0; i < NPCC; i++)
		if (strcmp(pcc_columns[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The risk line of file (exchange.md section 8), or NULL. */
static const struct ndx_risk *
risk_of(const struct ndx_provenance *prov, const char *file)
{
	for (size_t i = 0; prov != NULL && i < prov->nrisk; i++)
		if (strcmp(prov->risk[i].file, file) == 0)
			return &prov->risk[i];
	return NULL;
}

/* A code's meaning; groups: ETHNIC's broad groups (EthnicGroup). */
static const char *
code_meaning(const struct ndx_dataset *ds, enum ndx_item item, int groups,
    const char *code)
{
	const char *m = groups ? ndx_dataset_ethnic_group_meaning(ds, code) :
	    ndx_dataset_meaning(ds, item, code);

	return m != NULL ? m : "";
}

/* A code list: enum constraint and categories, meanings in description. */
static void
codes_field(struct jw *w, const struct ndx_dataset *ds, enum ndx_item item,
    int groups, const char *title, const char *note)
{
	const char *const *codes;
	char *desc = NULL;
	size_t n, len = 0;
	FILE *d = open_memstream(&desc, &len);

	codes = groups ? ndx_dataset_ethnic_groups(ds, &n) :
	    ndx_dataset_codes(ds, item, &n);
	if (d != NULL) {
		fprintf(d, "%s%s. Codes:", title, note != NULL ? note : "");
		for (size_t i = 0; i < n; i++)
			fprintf(d, "%s %s = %s", i > 0 ? ";" : "", codes[i],
			    code_meaning(ds, item, groups, codes[i]));
		fputc('.', d);
		if (fclose(d) != 0) {
			free(desc);
			desc = NULL;
		}
	}
	jw_str(w, "type", "string");
	jw_str(w, "description", desc != NULL ? desc : title);
	free(desc);
	jw_open(w, "constraints", '{');
	jw_open(w, "enum", '[');
	for (size_t i = 0; i < n; i++)
		jw_str(w, NULL, codes[i]);
	jw_close(w, ']');
	jw_close(w, '}');
	/* Table Schema 2's form of the same list: what tools show as labels. */
	jw_open(w, "categories", '[');
	for (size_t i = 0; i < n; i++) {
		jw_open(w, NULL, '{');
		jw_str(w, "value", codes[i]);
		jw_str(w, "label", code_meaning(ds, item, groups, codes[i]));
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

/* One dataset item as a field of the CSV; generalised: min_k given. */
static void
item_field(struct jw *w, const struct ndx_dataset *ds, enum ndx_item item,
    int generalised)
{
	const char *title = ndx_dataset_title(ds, item);
	struct ndx_type_info ti;
	char desc[512];

	jw_open(w, NULL, '{');
	jw_str(w, "name", ndx_items[item].code);
	jw_str(w, "title", title);
	if (generalised && item == NDX_ETHNIC) {
		codes_field(w, ds, item, 1, title, ", as its broad group (this "
		    "extract is generalised, exchange.md section 8); empty "
		    "where suppressed");
		jw_close(w, '}');
		return;
	}
	if (ndx_dataset_codes(ds, item, NULL) != NULL) {
		codes_field(w, ds, item, 0, title,
		    generalised && item == NDX_AGE_BAND ?
		    "; empty where suppressed (exchange.md section 8)" : NULL);
		jw_close(w, '}');
		return;
	}
	if (generalised && (item == NDX_AGE_AT_TRIAGE ||
	    item == NDX_PC_DISTRICT)) {
		snprintf(desc, sizeof(desc), "%s; always empty in this "
		    "generalised extract (exchange.md section 8)", title);
		jw_str(w, "type", item == NDX_AGE_AT_TRIAGE ? "integer" :
		    "string");
		jw_str(w, "description", desc);
		jw_close(w, '}');
		return;
	}
	ndx_dataset_type(ds, item, &ti);
	if (ndx_items[item].is_date) {
		jw_str(w, "type", "date");
		jw_str(w, "format", "%d/%m/%Y");
		snprintf(desc, sizeof(desc), "%s, DD/MM/YYYY", title);
		jw_str(w, "description", desc);
	} else if (item == NDX_AGE_AT_TRIAGE) {
		jw_str(w, "type", "integer");
		jw_str(w, "description", title);
		jw_open(w, "constraints", '{');
		jw_num(w, "minimum", 0);
		jw_close(w, '}');
	} else {
		jw_str(w, "type", "string");
		if (ti.doc != NULL)
			snprintf(desc, sizeof(desc), "%s; must be %s", title,
			    ti.doc);
		jw_str(w, "description", ti.doc != NULL ? desc : title);
		if (ti.npattern > 0 || ti.maxlen >= 0 || ti.minlen >= 0) {
			jw_open(w, "constraints", '{');
			if (ti.npattern == 1)
				jw_str(w, "pattern", ti.pattern[0]);
			else if (ti.npattern > 1) {
				char *alt = NULL;
				size_t alen = 0;
				FILE *a = open_memstream(&alt, &alen);

				/* Matched whole: the alternation grouped. */
				if (a != NULL) {
					fputc('(', a);
					for (size_t i = 0; i < ti.npattern;
					    i++)
						fprintf(a, "%s(%s)", i > 0 ?
						    "|" : "", ti.pattern[i]);
					fputc(')', a);
					if (fclose(a) == 0)
						jw_str(w, "pattern", alt);
				}
				free(alt);
			}
			if (ti.minlen >= 0)
				jw_num(w, "minLength", ti.minlen);
			if (ti.maxlen >= 0)
				jw_num(w, "maxLength", ti.maxlen);
			jw_close(w, '}');
		}
	}
	jw_close(w, '}');
}

static void
pcc_field(struct jw *w, int col)
{
	jw_open(w, NULL, '{');
	jw_str(w, "name", pcc_columns[col].name);
	jw_str(w, "title", pcc_columns[col].title);
	jw_str(w, "type", "string");
	jw_str(w, "description", pcc_columns[col].description);
	if (pcc_columns[col].pattern != NULL) {
		jw_open(w, "constraints", '{');
		jw_str(w, "pattern", pcc_columns[col].pattern);
		jw_close(w, '}');
	}
	jw_close(w, '}');
}

/*
 * A resource name as Table Schema wants it (lower-case letters, digits,
 * '-', '_', '.'): the file's name without ".csv", other bytes as '-'.
 */
static void
resource_name(const char *file, char *out, size_t size)
{
	size_t n = strlen(file), i;

	if (n > 4 && strcmp(file + n - 4, ".csv") == 0)
		n -= 4;
	for (i = 0; i < n && i + 1 < size; i++) {
		unsigned char c = (unsigned char)file[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.'))
			c = '-';
		out[i] = (char)c;
	}
	out[i] = '\0';
}

/* The header of the CSV at path; a copy of its fields, or -1 in err. */
static int
read_header(const char *path, char ***names, size_t *n,
    struct ndx_error *err)
{
	struct csvrec_reader *r;
	const struct csvrec *rec;
	FILE *fp;
	int rc;

	if ((fp = fopen(path, "rb")) == NULL) {
		ndx_error_set(err, NDX_EX_NOINPUT, path, 0, "%s",
		    strerror(errno));
		return -1;
	}
	r = csvrec_open(fp, path);
	rc = csvrec_next(r, &rec, err);
	if (rc == 0)
		ndx_error_set(err, NDX_EX_DATAERR, path, 0, "empty: no header "
		    "line for the data dictionary to describe");
	if (rc == 1) {
		*n = rec->nfields;
		*names = xcalloc(rec->nfields, sizeof(**names));
		for (size_t i = 0; i < rec->nfields; i++)
			(*names)[i] = xstrdup(rec->field[i]);
	}
	csvrec_close(r);
	fclose(fp);
	return rc == 1 ? 0 : -1;
}

/* Checks every column is known, then writes the resource; -1 in err. */
/* What each method of metrics.md does, for a reader of the dictionary. */
static const char *
disclosure_text(const char *method)
{
	if (strcmp(method, "suppress") == 0)
		return "counts from 1 to the threshold less one (4, unless "
		    "ndx-transform was given --threshold) shown as *, and "
		    "secondary suppression so that no hidden count can be "
		    "worked out from a total; a rate is * when a count it "
		    "comes from is";
	if (strcmp(method, "round5") == 0)
		return "every count rounded to the nearest 5 (halves up); "
		    "rates from the unrounded counts, shown where the "
		    "denominator is 5 or more";
	if (strcmp(method, "nhs") == 0)
		return "NHS Digital's method: counts from 1 to 7 shown as *, "
		    "every other count rounded to the nearest 5; no secondary "
		    "suppression";
	return "none: not for publication";
}

static int
resource(struct jw *w, const struct ndx_dataset *ds,
    const struct ndx_provenance *prov, const char *path,
    const struct ndx_manifest_file *mf, struct ndx_error *err)
{
	const struct ndx_risk *risk = risk_of(prov, mf->name);
	char **col = NULL, name[256], hash[8 + NDX_SHA256_HEX + 1];
	size_t ncol = 0, i;
	int items = 0, pcc = 0, rc = -1;

	if (read_header(path, &col, &ncol, err) != 0)
		return -1;
	for (i = 0; i < ncol; i++) {
		if (ndx_item_lookup(col[i]) >= 0)
			items++;
		else if (pcc_column(col[i]) >= 0)
			pcc++;
		else {
			ndx_error_set(err, NDX_EX_DATAERR, path, 1, "column "
			    "%zu, '%s', is neither a dataset item nor a "
			    "column of the PCC return: the data dictionary "
			    "cannot describe it", i + 1, col[i]);
			goto out;
		}
	}
	if (items > 0 && pcc > 0) {
		ndx_error_set(err, NDX_EX_DATAERR, path, 1, "dataset items "
		    "and PCC return columns in one header: not a file ndx "
		    "writes");
		goto out;
	}
	resource_name(mf->name, name, sizeof(name));
	snprintf(hash, sizeof(hash), "sha256:%s", mf->sha256);
	jw_open(w, NULL, '{');
	jw_str(w, "name", name);
	jw_str(w, "path", mf->name);
	jw_str(w, "profile", "tabular-data-resource");
	jw_str(w, "format", "csv");
	jw_str(w, "mediatype", "text/csv");
	jw_str(w, "encoding", "utf-8");
	jw_num(w, "bytes", (long long)mf->bytes);
	jw_str(w, "hash", hash);
	if (mf->rows >= 0)
		jw_num(w, "rows", mf->rows);
	jw_open(w, "dialect", '{');
	jw_str(w, "delimiter", ",");
	jw_str(w, "quoteChar", "\"");
	jw_bool(w, "doubleQuote", 1);
	jw_bool(w, "header", 1);
	jw_str(w, "lineTerminator", "\n");
	jw_close(w, '}');
	jw_open(w, "schema", '{');
	jw_open(w, "fields", '[');
	for (i = 0; i < ncol; i++) {
		if (items > 0)
			item_field(w, ds, ndx_item_lookup(col[i]),
			    risk != NULL && risk->min_k > 0);
		else
			pcc_field(w, pcc_column(col[i]));
	}
	jw_close(w, ']');
	jw_open(w, "missingValues", '[');
	jw_str(w, NULL, "");
	jw_close(w, ']');
	jw_close(w, '}');
	/* The PCC return's figures are under disclosure control: which. */
	if (pcc > 0 && prov->disclosure != NULL) {
		jw_open(w, "disclosure_control", '{');
		jw_str(w, "method", prov->disclosure);
		jw_str(w, "description", disclosure_text(prov->disclosure));
		jw_close(w, '}');
	}
	if (risk != NULL) {
		jw_open(w, "disclosure_risk", '{');
		jw_num(w, "persons", risk->persons);
		jw_num(w, "k_min", risk->k_min);
		jw_num(w, "below_5", risk->below_5);
		if (risk->min_k > 0) {
			jw_num(w, "min_k", risk->min_k);
			jw_num(w, "after_k_min", risk->after_k_min);
			jw_num(w, "after_below_5", risk->after_below_5);
			jw_num(w, "suppressed", risk->suppressed);
		}
		jw_close(w, '}');
	}
	jw_close(w, '}');
	rc = 0;
out:
	for (i = 0; i < ncol; i++)
		free(col[i]);
	free(col);
	return rc;
}

/* The package's name: ndx-AGENCY-PERIOD-RECIPIENT, lower-cased. */
static void
package_name(const struct ndx_provenance *prov, char *out, size_t size)
{
	char raw[256], agency[16] = "";
	const char *a = prov->agency;
	size_t i;

	for (i = 0; a != NULL && a[i] != '\0' && a[i] != ',' &&
	    i + 1 < sizeof(agency); i++)
		agency[i] = a[i];
	agency[i] = '\0';
	snprintf(raw, sizeof(raw), "ndx%s%s%s%s%s%s", *agency ? "-" : "",
	    agency, prov->period != NULL ? "-" : "",
	    prov->period != NULL ? prov->period : "",
	    prov->recipient != NULL ? "-" : "",
	    prov->recipient != NULL ? prov->recipient : "");
	resource_name(raw, out, size);
}

int
ndx_datapackage_write(FILE *out, const struct ndx_dataset *ds,
    const struct ndx_provenance *prov, const char *const *paths,
    const struct ndx_manifest_file *files, size_t n, struct ndx_error *err)
{
	struct jw w = { out, 0, { 0 } };
	char name[256], list[256];
	const char *a, *comma;

	package_name(prov, name, sizeof(name));
	jw_open(&w, NULL, '{');
	jw_str(&w, "profile", "tabular-data-package");
	jw_str(&w, "name", name);
	jw_str(&w, "title", "ndx treatment data: the data dictionary of the "
	    "archive's CSV files");
	jw_str(&w, "description", "Built by ndx-pack from the dataset's XSD "
	    "(episodes.xsd): each column's type, and each code with its "
	    "meaning.  The provenance is the archive MANIFEST's.");
	jw_given(&w, "ndx_version", prov->ndx_version);
	jw_given(&w, "dataset_version", prov->dataset_version);
	jw_given(&w, "xsd_sha256", prov->xsd_sha256);
	jw_given(&w, "period", prov->period);
	jw_given(&w, "start", prov->start);
	jw_given(&w, "end", prov->end);
	jw_given(&w, "as_of", prov->as_of);
	if (prov->agency != NULL && *prov->agency != '\0' &&
	    strcmp(prov->agency, "-") != 0) {
		jw_open(&w, "agency", '[');
		for (a = prov->agency; *a != '\0'; a = *comma ? comma + 1 :
		    comma) {
			size_t len;

			comma = strchr(a, ',');
			if (comma == NULL)
				comma = a + strlen(a);
			while (*a == ' ')
				a++;
			len = comma > a ? (size_t)(comma - a) : 0;
			while (len > 0 && a[len - 1] == ' ')
				len--;
			snprintf(list, sizeof(list), "%.*s", (int)len, a);
			jw_str(&w, NULL, list);
		}
		jw_close(&w, ']');
	}
	jw_given(&w, "area", prov->area);
	jw_given(&w, "recipient", prov->recipient);
	jw_given(&w, "key_id", prov->key_id);
	if (prov->consent_excluded >= 0)
		jw_num(&w, "consent_excluded", prov->consent_excluded);
	jw_open(&w, "resources", '[');
	for (size_t i = 0; i < n; i++)
		if (resource(&w, ds, prov, paths[i], &files[i], err) != 0)
			return err->code;
	jw_close(&w, ']');
	jw_close(&w, '}');
	putc('\n', out);
	if (ferror(out)) {
		ndx_error_set(err, NDX_EX_IOERR, "datapackage.json", 0,
		    "write error");
		return NDX_EX_IOERR;
	}
	return 0;
}
