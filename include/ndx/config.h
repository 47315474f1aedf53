/*
 * ndx-run's configuration file: one "key = value" a line, '#' starts a
 * comment line, blank lines are ignored; no includes, no quoting (a value
 * runs from the first non-blank after '=' to the last non-blank of the
 * line).  Unknown or repeated keys, empty values and missing mandatory
 * keys are errors (78, with file:line).  The file holds no secret: only
 * the names of the key and passphrase files.
 *
 * A line "[recipient NAME]" (NAME: [a-z0-9][a-z0-9-]*, unique, not
 * "provider": it names a folder of the run directory) opens a section;
 * the keys after it (products, key_file, passphrase_file, openpgp, min_k,
 * format) belong to that recipient.  Without sections there are default
 * recipients (ndtms: commissioner; public-health: public-health; pcc:
 * pcc-return), the ones whose product the top-level products line names
 * (all by default), protected by the top-level passphrase_file and
 * pseudonymised with the top-level key_file.  With sections, the
 * top-level products, key_file and passphrase_file are refused: each
 * section says its own, and the validation report is always made.
 *
 * Only what can be judged from the text is checked here (names, numbers,
 * fingerprints, the classes of output of §1 of exchange.md); whether the
 * files, keys, area and source exist is ndx-run --check's business, and
 * the lines kept below let it name the line.
 *
 * Ownership: the strings of a struct ndx_config belong to it and are
 * freed by ndx_config_free().
 */
#ifndef NDX_CONFIG_H
#define NDX_CONFIG_H

#include <stddef.h>

struct ndx_error;

/* Products of ndx-transform, as bits of struct ndx_config.products. */
enum ndx_product {
	NDX_PRODUCT_COMMISSIONER = 1 << 0,
	NDX_PRODUCT_PUBLIC_HEALTH = 1 << 1,
	NDX_PRODUCT_PCC_RETURN = 1 << 2,
	NDX_PRODUCT_VALIDATION_REPORT = 1 << 3,
	NDX_PRODUCT_ALL = (1 << 4) - 1
};

enum ndx_format {
	NDX_FORMAT_ZIP,
	NDX_FORMAT_TAR_GZ
};

struct ndx_recipient {
	char *name;
	unsigned products;	/* enum ndx_product bits, never validation */
	char *key_file;		/* key for public-health, or NULL */
	char *passphrase_file;	/* archive encrypted under it, or NULL */
	char **openpgp;		/* full fingerprints to encrypt to */
	size_t nopenpgp;
	long min_k;		/* --min-k for public-health, or 0 */
	char *cohort;		/* --cohort for public-health (all, hat,
				   cj: outcomes.md §5), or NULL */
	enum ndx_format format;
	long line;		/* where the section (or products) is */
	long key_file_line;	/* lines of those keys (0: not given; a */
	long passphrase_file_line; /* default recipient has the top */
	long openpgp_line;	/* level's) */
	long format_line;
};

struct ndx_config {
	char *source;		/* source: an ndx-extract URI */
	char *agency;		/* agency: the list as written */
	char **agencies;	/* agency split on commas, at least one */
	size_t nagencies;
	char *signing_key;	/* signing_key: fingerprint, or NULL */
	char *signing_passphrase_file;
	char *group;		/* group: chgrp the run tree, or NULL */
	struct ndx_recipient *recipients;
	size_t nrecipients;
	int sections;		/* recipients came from [recipient] */
	long source_line;	/* line of source, for messages */
	char *area;		/* area: police force area */
	char *key_file;		/* key_file: needed for public-health */
	char *passphrase_file;	/* passphrase_file: encrypt when set */
	char *output_root;	/* output_root: where run directories go */
	char *as_of;		/* as_of: YYYY-MM-DD, or NULL for today */
	char *disclosure;	/* disclosure: for pcc-return, or NULL */
	char *trend_text;	/* trend: as written, or NULL */
	char *dataset;		/* dataset: "1" or "2" (ndx-extract
				   --dataset), or NULL */
	long trend;		/* trend: quarters in the PCC return's trend
				   (metrics.md), 0 when not given */
	unsigned products;	/* products: enum ndx_product bits (union of
				 * the recipients' and validation-report) */
	/* The line of each top-level key, 0 when not given. */
	long agency_line, area_line, key_file_line, passphrase_file_line;
	long output_root_line, disclosure_line, signing_key_line;
	long signing_passphrase_file_line, group_line, trend_line;
};

/* trend = N at most: ten years of quarters (as ndx-transform --trend). */
#define NDX_TREND_MAX 40

/*
 * Reads path into *cfg (zeroed first).  Returns 0, or the exit code set in
 * *err: 66 unreadable, 78 not a valid configuration.  On failure *cfg is
 * already freed.
 */
int ndx_config_read(const char *path, struct ndx_config *cfg,
    struct ndx_error *err);
void ndx_config_free(struct ndx_config *);
/* The scheme of a source URI ("csv", "sqlite", "postgresql"): the only
 * part ever logged, as a connection string may hold a password. */
const char *ndx_config_scheme(const char *source, char *buf, size_t len);

#endif
