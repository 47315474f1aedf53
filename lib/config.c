/* ndx-run's configuration file (see include/ndx/config.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ndx/config.h"
#include "ndx/date.h"
#include "ndx/ndx.h"
#include "ndx/openpgp.h"

static const struct {
	const char *name;
	unsigned bit;
} products[] = {
	{ "commissioner", NDX_PRODUCT_COMMISSIONER },
	{ "pcc-return", NDX_PRODUCT_PCC_RETURN },
	{ "public-health", NDX_PRODUCT_PUBLIC_HEALTH },
	{ "validation-report", NDX_PRODUCT_VALIDATION_REPORT },
};

#define NPRODUCTS (sizeof(products) / sizeof(products[0]))

/* Parse state: the section being read and what it has seen. */
struct state {
	const char *path;
	struct ndx_recipient *cur;	/* NULL at the top level */
	unsigned seen;			/* keys given in cur, as bits */
	long products_line;		/* top-level products, or 0 */
};

enum {
	SEEN_PRODUCTS = 1 << 0,
	SEEN_KEY = 1 << 1,
	SEEN_PASS = 1 << 2,
	SEEN_OPENPGP = 1 << 3,
	SEEN_MIN_K = 1 << 4,
	SEEN_FORMAT = 1 << 5,
	SEEN_COHORT = 1 << 6
};

/*
 * The top-level string slot of a key and the slot of its line, or NULL
 * for products (*found 1) and unknown keys (*found 0).
 */
static char **
slot(struct ndx_config *cfg, const char *key, long **line, int *found)
{
	static const char *const names[] = { "source", "agency", "area",
	    "key_file", "passphrase_file", "output_root", "as_of",
	    "disclosure", "signing_key", "signing_passphrase_file",
	    "group", "trend", "dataset" };
	char **slots[] = { &cfg->source, &cfg->agency, &cfg->area,
	    &cfg->key_file, &cfg->passphrase_file, &cfg->output_root,
	    &cfg->as_of, &cfg->disclosure, &cfg->signing_key,
	    &cfg->signing_passphrase_file, &cfg->group, &cfg->trend_text,
	    &cfg->dataset };
	long *lines[] = { &cfg->source_line, &cfg->agency_line,
	    &cfg->area_line, &cfg->key_file_line, &cfg->passphrase_file_line,
	    &cfg->output_root_line, NULL, &cfg->disclosure_line,
	    &cfg->signing_key_line, &cfg->signing_passphrase_file_line,
	    &cfg->group_line, &cfg->trend_line, NULL };
	size_t i;

	*found = 1;
	*line = NULL;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(key, names[i]) == 0) {
			*line = lines[i];
			return slots[i];
		}
	*found = strcmp(key, "products") == 0;
	return NULL;
}

/* Strips blanks around tok in place. */
static char *
trim(char *tok)
{
	char *end;

	while (isspace((unsigned char)*tok))
		tok++;
	end = tok + strlen(tok);
	while (end > tok && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return tok;
}

/* Parses "a, b, c" into product bits; -1 names the bad one in *bad. */
static int
parse_products(char *list, unsigned *bits, const char **bad)
{
	char *tok, *save = NULL;
	size_t i;

	*bits = 0;
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		tok = trim(tok);
		for (i = 0; i < NPRODUCTS; i++)
			if (strcmp(tok, products[i].name) == 0)
				break;
		if (i == NPRODUCTS) {
			*bad = tok;
			return -1;
		}
		*bits |= products[i].bit;
	}
	if (*bits == 0) {
		*bad = "";
		return -1;
	}
	return 0;
}

/*
 * Splits a comma list into *out (n in *np); empty items are refused.
 * Returns 0, -1 for an empty item, -2 out of memory.
 */
static int
split_list(const char *val, char ***out, size_t *np)
{
	char *copy, *tok, *save = NULL, **v = NULL, **nv;
	size_t n = 0;
	int rc = 0;

	if ((copy = strdup(val)) == NULL)
		return -2;
	if (val[strlen(val) - 1] == ',' || val[0] == ',' ||
	    strstr(val, ",,") != NULL)
		rc = -1;
	for (tok = strtok_r(copy, ",", &save); rc == 0 && tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		tok = trim(tok);
		if (*tok == '\0') {
			rc = -1;
			break;
		}
		if ((nv = realloc(v, (n + 1) * sizeof(*v))) == NULL ||
		    (nv[n] = strdup(tok)) == NULL) {
			if (nv != NULL)
				v = nv;
			rc = -2;
			break;
		}
		v = nv;
		n++;
	}
	free(copy);
	if (rc != 0) {
		while (n > 0)
			free(v[--n]);
		free(v);
		return rc;
	}
	*out = v;
	*np = n;
	return 0;
}

static void
free_list(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

static int
oom(struct ndx_error *err, const char *path, long n)
{
	ndx_error_set(err, NDX_EX_OSERR, path, n, "out of memory");
	return err->code;
}

/* "[recipient NAME]": opens a section; 0 or an exit code. */
static int
section_line(struct ndx_config *cfg, struct state *st, char *line, long n,
    struct ndx_error *err)
{
	struct ndx_recipient *nr;
	char *end, *name;
	size_t i;

	end = line + strlen(line);
	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (end[-1] != ']' || strncmp(line, "[recipient ", 11) != 0) {
		ndx_error_set(err, NDX_EX_CONFIG, st->path, n,
		    "not a section: want [recipient NAME]");
		return err->code;
	}
	end[-1] = '\0';
	name = trim(line + 11);
	if (!((*name >= 'a' && *name <= 'z') ||
	    (*name >= '0' && *name <= '9')) ||
	    name[strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-")] !=
	    '\0') {
		ndx_error_set(err, NDX_EX_CONFIG, st->path, n,
		    "recipient '%s': a name is [a-z0-9][a-z0-9-]*", name);
		return err->code;
	}
	/* provider/ holds what never leaves the provider. */
	if (strcmp(name, "provider") == 0) {
		ndx_error_set(err, NDX_EX_CONFIG, st->path, n,
		    "recipient 'provider': the name of the provider's own "
		    "folder; choose another");
		return err->code;
	}
	for (i = 0; i < cfg->nrecipients; i++)
		if (strcmp(cfg->recipients[i].name, name) == 0) {
			ndx_error_set(err, NDX_EX_CONFIG, st->path, n,
			    "recipient '%s' given twice (line %ld)", name,
			    cfg->recipients[i].line);
			return err->code;
		}
	if ((nr = realloc(cfg->recipients, (cfg->nrecipients + 1) *
	    sizeof(*nr))) == NULL)
		return oom(err, st->path, n);
	cfg->recipients = nr;
	nr = &cfg->recipients[cfg->nrecipients];
	memset(nr, 0, sizeof(*nr));
	if ((nr->name = strdup(name)) == NULL)
		return oom(err, st->path, n);
	nr->line = n;
	cfg->nrecipients++;
	cfg->sections = 1;
	st->cur = nr;
	st->seen = 0;
	return 0;
}

/* A key of a [recipient] section; 0 or an exit code. */
static int
recipient_key(struct state *st, const char *key, char *val, long n,
    struct ndx_error *err)
{
	static const struct {
		const char *name;
		unsigned bit;
	} keys[] = {
		{ "products", SEEN_PRODUCTS }, { "key_file", SEEN_KEY },
		{ "passphrase_file", SEEN_PASS }, { "openpgp", SEEN_OPENPGP },
		{ "min_k", SEEN_MIN_K }, { "format", SEEN_FORMAT },
		{ "cohort", SEEN_COHORT },
	};
	struct ndx_recipient *r = st->cur;
	const char *bad = NULL;
	char *end;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i].name) == 0)
			break;
	if (i == sizeof(keys) / sizeof(keys[0])) {
		ndx_error_set(err, NDX_EX_CONFIG, st->path, n,
		    "unknown key '%s' in [recipient %s]", key, r->name);
		return err->code;
	}
	if (st->seen & keys[i].bit) {
		ndx_error_set(err, NDX_EX_CONFIG, st->path, n,
		    "%s given twice in [recipient %s]", key, r->name);
		return err->code;
	}
	st->seen |= keys[i].bit;
	switch (keys[i].bit) {
	case SEEN_PRODUCTS:
		if (parse_products(val, &r->products, &bad) == -1) {
			ndx_error_set(err, NDX_EX_CONFIG, st->path, n,
			    "products: unknown product '%s' (commissioner, "
			    "public-health, pcc-return)", bad);
			return err->code;
		}
		if (r->products & NDX_PRODUCT_VALIDATION_REPORT) {
			ndx_error_set(err, NDX_EX_CONFIG, st->path, n,
			    "products: validation-report never leaves the "
			    "provider");
			return err->code;
		}
		if ((r->products & NDX_PRODUCT_COMMISSIONER) &&
		    (r->products & NDX_PRODUCT_PUBLIC_HEALTH)) {
			ndx_error_set(err, NDX_EX_CONFIG, st->path, n,
			    "products: one recipient cannot receive both "
			    "commissioner and public-health");
			return err->code;
		}
		return 0;
	case SEEN_KEY:
		r->key_file_line = n;
		return (r->key_file = strdup(val)) == NULL ?
		    oom(err, st->path, n) : 0;
	case SEEN_PASS:
		r->passphrase_file_line = n;
		return (r->passphrase_file = strdup(val)) == NULL ?
		    oom(err, st->path, n) : 0;
	case SEEN_OPENPGP:
		r->openpgp_line = n;
		if ((rc = split_list(val, &r->openpgp, &r->nopenpgp)) == -2)
			return oom(err, st->path, n);
		for (i = 0; rc == 0 && i < r->nopenpgp; i++)
			if (!ndx_openpgp_fpr_valid(r->openpgp[i]))
				break;
		if (rc == -1 || i < r->nopenpgp) {
			ndx_error_set(err, NDX_EX_CONFIG, st->path, n,
			    "openpgp: '%s' is not a full fingerprint (40 or "
			    "64 hexadecimal digits)", rc == -1 ? "" :
			    r->openpgp[i]);
			return err->code;
		}
		for (i = 1; i < r->nopenpgp; i++)
			if (strcasecmp(r->openpgp[i], r->openpgp[i - 1]) ==
			    0 || (i > 1 && strcasecmp(r->openpgp[i],
			    r->openpgp[0]) == 0)) {
				ndx_error_set(err, NDX_EX_CONFIG, st->path, n,
				    "openpgp: %s given twice", r->openpgp[i]);
				return err->code;
			}
		return 0;
	case SEEN_COHORT:
		if (strcmp(val, "all") != 0 && strcmp(val, "hat") != 0 &&
		    strcmp(val, "cj") != 0) {
			ndx_error_set(err, NDX_EX_CONFIG, st->path, n,
			    "cohort: '%s' is not all, hat or cj", val);
			return err->code;
		}
		return (r->cohort = strdup(val)) == NULL ?
		    oom(err, st->path, n) : 0;
	case SEEN_MIN_K:
		errno = 0;
		r->min_k = strtol(val, &end, 10);
		if (errno != 0 || *end != '\0' || r->min_k < 1 ||
		    r->min_k > 1000000 || !isdigit((unsigned char)*val)) {
			ndx_error_set(err, NDX_EX_CONFIG, st->path, n,
			    "min_k: '%s' is not an integer from 1", val);
			return err->code;
		}
		return 0;
	default:
		r->format_line = n;
		if (strcmp(val, "zip") == 0)
			r->format = NDX_FORMAT_ZIP;
		else if (strcmp(val, "tar.gz") == 0)
			r->format = NDX_FORMAT_TAR_GZ;
		else {
			ndx_error_set(err, NDX_EX_CONFIG, st->path, n,
			    "format: '%s' is not zip or tar.gz", val);
			return err->code;
		}
		return 0;
	}
}

static int source_has_password(const char *);

/* Handles one non-comment line; 0 or an exit code set in *err. */
static int
config_line(struct ndx_config *cfg, struct state *st, char *line, long n,
    struct ndx_error *err)
{
	static const char *const disclosures[] = { "suppress", "round5",
	    "nhs", "none" };
	char *eq, *key, *val, *end, **dst;
	const char *bad = NULL, *path = st->path;
	long *dline;
	size_t i;
	int found, rc;
	ndx_day d;

	if (*line == '[')
		return section_line(cfg, st, line, n, err);
	if ((eq = strchr(line, '=')) == NULL) {
		ndx_error_set(err, NDX_EX_CONFIG, path, n,
		    "not of the form key = value");
		return err->code;
	}
	*eq = '\0';
	key = line;
	end = eq;
	while (end > key && isspace((unsigned char)end[-1]))
		*--end = '\0';
	val = trim(eq + 1);
	if (*val == '\0') {
		ndx_error_set(err, NDX_EX_CONFIG, path, n, "%s: empty value",
		    key);
		return err->code;
	}
	if (st->cur != NULL)
		return recipient_key(st, key, val, n, err);

	dst = slot(cfg, key, &dline, &found);
	if (!found) {
		ndx_error_set(err, NDX_EX_CONFIG, path, n, "unknown key '%s'",
		    key);
		return err->code;
	}
	if ((dst != NULL && *dst != NULL) ||
	    (dst == NULL && st->products_line != 0)) {
		ndx_error_set(err, NDX_EX_CONFIG, path, n, "%s given twice",
		    key);
		return err->code;
	}
	if (dst == NULL) {
		if (parse_products(val, &cfg->products, &bad) == -1) {
			ndx_error_set(err, NDX_EX_CONFIG, path, n,
			    "products: unknown product '%s' (commissioner, "
			    "public-health, pcc-return, validation-report)",
			    bad);
			return err->code;
		}
		st->products_line = n;
		return 0;
	}
	if (dst == &cfg->as_of && ndx_date_parse_iso(val, &d) != NDX_DATE_OK) {
		ndx_error_set(err, NDX_EX_CONFIG, path, n,
		    "as_of: '%s' is not a YYYY-MM-DD date", val);
		return err->code;
	}
	if (dst == &cfg->disclosure) {
		for (i = 0; i < sizeof(disclosures) / sizeof(disclosures[0]);
		    i++)
			if (strcmp(val, disclosures[i]) == 0)
				break;
		if (i == sizeof(disclosures) / sizeof(disclosures[0])) {
			ndx_error_set(err, NDX_EX_CONFIG, path, n,
			    "disclosure: '%s' is not one of suppress, round5, "
			    "nhs, none", val);
			return err->code;
		}
	}
	if (dst == &cfg->dataset && strcmp(val, "1") != 0 &&
	    strcmp(val, "2") != 0) {
		ndx_error_set(err, NDX_EX_CONFIG, path, n,
		    "dataset: '%s' is not a dataset version, 1 or 2", val);
		return err->code;
	}
	if (dst == &cfg->trend_text) {
		errno = 0;
		cfg->trend = strtol(val, &end, 10);
		if (errno != 0 || *end != '\0' || cfg->trend < 1 ||
		    cfg->trend > NDX_TREND_MAX ||
		    !isdigit((unsigned char)*val)) {
			ndx_error_set(err, NDX_EX_CONFIG, path, n,
			    "trend: '%s' is not a number of quarters, 1 to "
			    "%d", val, NDX_TREND_MAX);
			return err->code;
		}
	}
	if (dst == &cfg->signing_key && !ndx_openpgp_fpr_valid(val)) {
		ndx_error_set(err, NDX_EX_CONFIG, path, n,
		    "signing_key: '%s' is not a full fingerprint (40 or 64 "
		    "hexadecimal digits)", val);
		return err->code;
	}
	if (dst == &cfg->agency) {
		if ((rc = split_list(val, &cfg->agencies,
		    &cfg->nagencies)) == -2)
			return oom(err, path, n);
		if (rc == -1) {
			ndx_error_set(err, NDX_EX_CONFIG, path, n,
			    "agency: an empty code in '%s'", val);
			return err->code;
		}
		for (i = 0; i < cfg->nagencies; i++)
			if (strspn(cfg->agencies[i], "ABCDEFGHIJKLMNOPQRSTUVW"
			    "XYZabcdefghijklmnopqrstuvwxyz0123456789") !=
			    strlen(cfg->agencies[i])) {
				ndx_error_set(err, NDX_EX_CONFIG, path, n,
				    "agency: '%s' is not an agency code",
				    cfg->agencies[i]);
				return err->code;
			}
	}
	if (dst == &cfg->source && source_has_password(val)) {
		ndx_error_set(err, NDX_EX_CONFIG, path, n,
		    "source: holds a password; use PGPASSWORD or ~/.pgpass "
		    "(odbc: odbc.ini or the driver's option file)");
		return err->code;
	}
	if (dline != NULL)
		*dline = n;
	if ((*dst = strdup(val)) == NULL)
		return oom(err, path, n);
	return 0;
}

/*
 * 1 when a source URI holds a password (password=, sslpassword=, a
 * ?password= query or user:pass@): it would sit in this file and in
 * ndx-extract's argv, so PGPASSWORD or ~/.pgpass must carry it instead.
 */
static int
source_has_password(const char *src)
{
	const char *p, *auth, *end;

	for (p = src; *p != '\0'; p++)
		if (strncasecmp(p, "password", 8) == 0 && p[8] == '=')
			return 1;
	/* ODBC's PWD= key, at the start of a key=value pair. */
	if (strncmp(src, "odbc:", 5) == 0)
		for (p = src + 5; *p != '\0'; p++)
			if ((p == src + 5 || p[-1] == ';' || p[-1] == ' ') &&
			    strncasecmp(p, "pwd", 3) == 0 &&
			    (p[3] == '=' || p[3] == ' '))
				return 1;
	if ((auth = strstr(src, "://")) == NULL)
		return 0;
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	for (p = auth; p < end && *p != '@'; p++)
		continue;
	if (p == end)
		return 0;
	return memchr(auth, ':', (size_t)(p - auth)) != NULL;
}

/* Adds a default recipient (no sections). */
static int
add_default(struct ndx_config *cfg, const char *name, unsigned bits,
    const char *path, long line, struct ndx_error *err)
{
	struct ndx_recipient *nr;

	if ((nr = realloc(cfg->recipients, (cfg->nrecipients + 1) *
	    sizeof(*nr))) == NULL)
		return oom(err, path, 0);
	cfg->recipients = nr;
	nr = &cfg->recipients[cfg->nrecipients];
	memset(nr, 0, sizeof(*nr));
	nr->products = bits;
	nr->line = line;
	if ((nr->name = strdup(name)) == NULL)
		return oom(err, path, 0);
	cfg->nrecipients++;
	nr->passphrase_file_line = cfg->passphrase_file_line;
	if (cfg->passphrase_file != NULL && (nr->passphrase_file =
	    strdup(cfg->passphrase_file)) == NULL)
		return oom(err, path, 0);
	if (bits & NDX_PRODUCT_PUBLIC_HEALTH) {
		nr->key_file_line = cfg->key_file_line;
		if ((nr->key_file = strdup(cfg->key_file)) == NULL)
			return oom(err, path, 0);
	}
	return 0;
}

/* Checks the file as a whole once read; 0 or an exit code. */
static int
config_finish(struct ndx_config *cfg, struct state *st,
    struct ndx_error *err)
{
	static const unsigned sensitive = NDX_PRODUCT_COMMISSIONER |
	    NDX_PRODUCT_PUBLIC_HEALTH;
	const char *path = st->path, *missing = NULL;
	struct ndx_recipient *r;
	unsigned all = 0;
	size_t i;
	int rc;

	if (cfg->sections && st->products_line != 0) {
		ndx_error_set(err, NDX_EX_CONFIG, path, st->products_line,
		    "products: with [recipient] sections each section names "
		    "its products (and validation-report is always made)");
		return err->code;
	}
	if (cfg->sections && (cfg->key_file != NULL ||
	    cfg->passphrase_file != NULL)) {
		ndx_error_set(err, NDX_EX_CONFIG, path, cfg->key_file != NULL ?
		    cfg->key_file_line : cfg->passphrase_file_line,
		    "%s: with [recipient] sections each section names its "
		    "own", cfg->key_file != NULL ? "key_file" :
		    "passphrase_file");
		return err->code;
	}
	if (!cfg->sections && st->products_line == 0)
		cfg->products = NDX_PRODUCT_ALL;
	if (cfg->source == NULL)
		missing = "source";
	else if (cfg->agency == NULL)
		missing = "agency";
	else if (cfg->area == NULL)
		missing = "area";
	else if (cfg->output_root == NULL)
		missing = "output_root";
	else if (!cfg->sections &&
	    (cfg->products & NDX_PRODUCT_PUBLIC_HEALTH) &&
	    cfg->key_file == NULL)
		missing = "key_file";
	if (missing != NULL) {
		ndx_error_set(err, NDX_EX_CONFIG, path, 0, "missing key '%s'",
		    missing);
		return err->code;
	}
	if (cfg->signing_passphrase_file != NULL && cfg->signing_key == NULL) {
		ndx_error_set(err, NDX_EX_CONFIG, path, 0,
		    "signing_passphrase_file without signing_key");
		return err->code;
	}
	if (!cfg->sections) {
		if ((cfg->products & sensitive) &&
		    cfg->passphrase_file == NULL) {
			ndx_error_set(err, NDX_EX_CONFIG, path,
			    st->products_line, "%s would leave unprotected: "
			    "add passphrase_file or [recipient] sections with "
			    "passphrase_file or openpgp",
			    (cfg->products & NDX_PRODUCT_COMMISSIONER) ?
			    "commissioner" : "public-health");
			return err->code;
		}
		if ((cfg->products & NDX_PRODUCT_COMMISSIONER) &&
		    (rc = add_default(cfg, "ndtms", NDX_PRODUCT_COMMISSIONER,
		    path, st->products_line, err)) != 0)
			return rc;
		if ((cfg->products & NDX_PRODUCT_PUBLIC_HEALTH) &&
		    (rc = add_default(cfg, "public-health",
		    NDX_PRODUCT_PUBLIC_HEALTH, path, st->products_line,
		    err)) != 0)
			return rc;
		if ((cfg->products & NDX_PRODUCT_PCC_RETURN) &&
		    (rc = add_default(cfg, "pcc", NDX_PRODUCT_PCC_RETURN,
		    path, st->products_line, err)) != 0)
			return rc;
		return 0;
	}
	for (i = 0; i < cfg->nrecipients; i++) {
		r = &cfg->recipients[i];
		if (r->products == 0) {
			ndx_error_set(err, NDX_EX_CONFIG, path, r->line,
			    "[recipient %s]: missing key 'products'",
			    r->name);
			return err->code;
		}
		if ((r->products & NDX_PRODUCT_PUBLIC_HEALTH) &&
		    r->key_file == NULL) {
			ndx_error_set(err, NDX_EX_CONFIG, path, r->line,
			    "[recipient %s]: public-health needs key_file",
			    r->name);
			return err->code;
		}
		if (!(r->products & NDX_PRODUCT_PUBLIC_HEALTH) &&
		    (r->key_file != NULL || r->min_k != 0 ||
		    r->cohort != NULL)) {
			ndx_error_set(err, NDX_EX_CONFIG, path, r->line,
			    "[recipient %s]: %s only with public-health",
			    r->name, r->key_file != NULL ? "key_file" :
			    r->min_k != 0 ? "min_k" : "cohort");
			return err->code;
		}
		if (r->cohort != NULL && r->min_k != 0) {
			ndx_error_set(err, NDX_EX_CONFIG, path, r->line,
			    "[recipient %s]: cohort and min_k together (an "
			    "evaluators' extract is not generalised)",
			    r->name);
			return err->code;
		}
		if (r->passphrase_file != NULL && r->nopenpgp > 0) {
			ndx_error_set(err, NDX_EX_CONFIG, path, r->line,
			    "[recipient %s]: passphrase_file and openpgp "
			    "together (choose one)", r->name);
			return err->code;
		}
		/* ndx-pack's passphrase is the zip's AES: tar has none. */
		if (r->passphrase_file != NULL &&
		    r->format == NDX_FORMAT_TAR_GZ) {
			ndx_error_set(err, NDX_EX_CONFIG, path, r->format_line,
			    "format: a passphrase encrypts only zip archives; "
			    "use zip, or openpgp for tar.gz");
			return err->code;
		}
		if ((r->products & sensitive) && r->passphrase_file == NULL &&
		    r->nopenpgp == 0) {
			ndx_error_set(err, NDX_EX_CONFIG, path, r->line,
			    "[recipient %s]: %s needs passphrase_file or "
			    "openpgp", r->name,
			    (r->products & NDX_PRODUCT_COMMISSIONER) ?
			    "commissioner" : "public-health");
			return err->code;
		}
		all |= r->products;
	}
	cfg->products = all | NDX_PRODUCT_VALIDATION_REPORT;
	return 0;
}

int
ndx_config_read(const char *path, struct ndx_config *cfg,
    struct ndx_error *err)
{
	struct state st;
	FILE *fp;
	char *line = NULL, *p;
	size_t cap = 0;
	ssize_t len;
	long n = 0;
	int rc = 0;

	memset(cfg, 0, sizeof(*cfg));
	memset(&st, 0, sizeof(st));
	st.path = path;
	if ((fp = fopen(path, "r")) == NULL) {
		ndx_error_set(err, NDX_EX_NOINPUT, path, 0, "%s",
		    strerror(errno));
		return err->code;
	}
	while ((len = getline(&line, &cap, fp)) != -1) {
		n++;
		if ((size_t)len != strlen(line)) {
			ndx_error_set(err, NDX_EX_CONFIG, path, n,
			    "NUL byte in line");
			rc = err->code;
			goto out;
		}
		for (p = line; isspace((unsigned char)*p); p++)
			continue;
		if (*p == '\0' || *p == '#')
			continue;
		if ((rc = config_line(cfg, &st, p, n, err)) != 0)
			goto out;
	}
	if (ferror(fp)) {
		ndx_error_set(err, NDX_EX_NOINPUT, path, 0, "%s",
		    strerror(errno));
		rc = err->code;
		goto out;
	}
	rc = config_finish(cfg, &st, err);
out:
	free(line);
	fclose(fp);
	if (rc != 0)
		ndx_config_free(cfg);
	return rc;
}

void
ndx_config_free(struct ndx_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	free(cfg->source);
	free(cfg->agency);
	free(cfg->area);
	free(cfg->key_file);
	free(cfg->passphrase_file);
	free(cfg->output_root);
	free(cfg->as_of);
	free(cfg->disclosure);
	free(cfg->trend_text);
	free(cfg->dataset);
	free(cfg->signing_key);
	free(cfg->signing_passphrase_file);
	free(cfg->group);
	free_list(cfg->agencies, cfg->nagencies);
	for (i = 0; i < cfg->nrecipients; i++) {
		free(cfg->recipients[i].name);
		free(cfg->recipients[i].key_file);
		free(cfg->recipients[i].passphrase_file);
		free(cfg->recipients[i].cohort);
		free_list(cfg->recipients[i].openpgp,
		    cfg->recipients[i].nopenpgp);
	}
	free(cfg->recipients);
	memset(cfg, 0, sizeof(*cfg));
}

const char *
ndx_config_scheme(const char *source, char *buf, size_t len)
{
	size_t n = strcspn(source, ":");

	if (source[n] != ':' || n + 1 > len)
		n = 0;
	memcpy(buf, source, n);
	buf[n] = '\0';
	if (strcmp(buf, "postgres") == 0)
		snprintf(buf, len, "postgresql");
	return buf;
}
