/* ndx-run's configuration file (see include/ndx/config.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndx/config.h"
#include "ndx/date.h"
#include "ndx/ndx.h"

static const struct {
	const char *name;
	unsigned bit;
} products[] = {
	{ "commissioner", NDX_PRODUCT_COMMISSIONER },
	{ "pcc-return", NDX_PRODUCT_PCC_RETURN },
	{ "public-health", NDX_PRODUCT_PUBLIC_HEALTH },
	{ "validation-report", NDX_PRODUCT_VALIDATION_REPORT },
};

/* The string slot of a key, or NULL for products (parsed apart). */
static char **
slot(struct ndx_config *cfg, const char *key, int *found)
{
	static const char *const names[] = { "source", "agency", "area",
	    "key_file", "passphrase_file", "output_root", "as_of",
	    "disclosure" };
	char **slots[] = { &cfg->source, &cfg->agency, &cfg->area,
	    &cfg->key_file, &cfg->passphrase_file, &cfg->output_root,
	    &cfg->as_of, &cfg->disclosure };
	size_t i;

	*found = 1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(key, names[i]) == 0)
			return slots[i];
	*found = strcmp(key, "products") == 0;
	return NULL;
}

/* Parses "a, b, c" into product bits; -1 names the bad one in *bad. */
static int
parse_products(char *list, unsigned *bits, const char **bad)
{
	char *tok, *save = NULL, *end;
	size_t i;

	*bits = 0;
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		end = tok + strlen(tok);
		while (end > tok && isspace((unsigned char)end[-1]))
			*--end = '\0';
		for (i = 0; i < sizeof(products) / sizeof(products[0]); i++)
			if (strcmp(tok, products[i].name) == 0)
				break;
		if (i == sizeof(products) / sizeof(products[0])) {
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

/* Handles one non-comment line; 0 or an exit code set in *err. */
static int
config_line(struct ndx_config *cfg, char *line, const char *path, long n,
    int *have_products, struct ndx_error *err)
{
	char *eq, *key, *val, *end, **dst;
	const char *bad = NULL;
	int found;
	ndx_day d;

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
	val = eq + 1;
	while (isspace((unsigned char)*val))
		val++;
	end = val + strlen(val);
	while (end > val && isspace((unsigned char)end[-1]))
		*--end = '\0';

	dst = slot(cfg, key, &found);
	if (!found) {
		ndx_error_set(err, NDX_EX_CONFIG, path, n, "unknown key '%s'",
		    key);
		return err->code;
	}
	if (*val == '\0') {
		ndx_error_set(err, NDX_EX_CONFIG, path, n, "%s: empty value",
		    key);
		return err->code;
	}
	if ((dst != NULL && *dst != NULL) || (dst == NULL && *have_products)) {
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
		*have_products = 1;
		return 0;
	}
	if (dst == &cfg->as_of && ndx_date_parse_iso(val, &d) != NDX_DATE_OK) {
		ndx_error_set(err, NDX_EX_CONFIG, path, n,
		    "as_of: '%s' is not a YYYY-MM-DD date", val);
		return err->code;
	}
	if ((*dst = strdup(val)) == NULL) {
		ndx_error_set(err, NDX_EX_OSERR, path, n, "out of memory");
		return err->code;
	}
	return 0;
}

int
ndx_config_read(const char *path, struct ndx_config *cfg,
    struct ndx_error *err)
{
	FILE *fp;
	char *line = NULL, *p;
	size_t cap = 0;
	ssize_t len;
	long n = 0;
	int have_products = 0, rc = 0;

	memset(cfg, 0, sizeof(*cfg));
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
		if ((rc = config_line(cfg, p, path, n, &have_products,
		    err)) != 0)
			goto out;
	}
	if (ferror(fp)) {
		ndx_error_set(err, NDX_EX_NOINPUT, path, 0, "%s",
		    strerror(errno));
		rc = err->code;
		goto out;
	}
	if (!have_products)
		cfg->products = NDX_PRODUCT_ALL;
	if (cfg->source == NULL || cfg->area == NULL ||
	    cfg->output_root == NULL ||
	    ((cfg->products & NDX_PRODUCT_PUBLIC_HEALTH) &&
	    cfg->key_file == NULL)) {
		ndx_error_set(err, NDX_EX_CONFIG, path, 0, "missing key '%s'",
		    cfg->source == NULL ? "source" : cfg->area == NULL ?
		    "area" : cfg->output_root == NULL ? "output_root" :
		    "key_file");
		rc = err->code;
	}
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
