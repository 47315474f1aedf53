/*
 * libFuzzer harness for ndx-run's configuration file (lib/config.c).
 * Bytes are read as a configuration file and checked against config.h:
 * the result is 0, or 66/78 set in the error with *cfg left zeroed; a
 * configuration read has every mandatory key, trimmed non-empty values,
 * a valid as_of and a non-empty set of known products.  What was read is
 * written back out as "key = value" lines and must read back the same.
 * ndx_config_scheme() is checked on the source and on the bytes as text,
 * with buffers of every small size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ndx/config.h"
#include "ndx/date.h"
#include "ndx/ndx.h"
#include "fuzz.h"


/* A value as config.h defines it: no blank at either end, one line. */
static void
check_value(const char *v)
{
	size_t n;

	if (v == NULL)
		return;
	n = strlen(v);
	CHECK(n > 0);
	CHECK(strchr(v, '\n') == NULL);
	CHECK(strchr(" \t\r\v\f", v[0]) == NULL);
	CHECK(strchr(" \t\r\v\f", v[n - 1]) == NULL);
}

static void
check_scheme(const char *source)
{
	char buf[32];
	const char *colon = strchr(source, ':');
	size_t n = colon ? (size_t)(colon - source) : 0;

	for (size_t len = 1; len <= sizeof(buf); len++) {
		const char *s = ndx_config_scheme(source, buf, len);

		CHECK(s == buf);
		CHECK(strlen(s) < len);
		if (colon == NULL || n + 1 > len) {
			CHECK(s[0] == '\0');
			continue;
		}
		/* The part before the first ':', postgres spelt in full. */
		if (n == 8 && strncmp(source, "postgres", 8) == 0)
			CHECK(strncmp(s, "postgresql", len - 1) == 0);
		else
			CHECK(strlen(s) == n && strncmp(s, source, n) == 0);
	}
}

static const struct {
	const char *name;
	unsigned bit;
} product_names[] = {
	{ "commissioner", NDX_PRODUCT_COMMISSIONER },
	{ "public-health", NDX_PRODUCT_PUBLIC_HEALTH },
	{ "pcc-return", NDX_PRODUCT_PCC_RETURN },
	{ "validation-report", NDX_PRODUCT_VALIDATION_REPORT },
};

/* cfg as a configuration file, every key that is set. */
static char *
write_back(const struct ndx_config *cfg, size_t *len)
{
	const struct {
		const char *key, *v;
	} kv[] = {
		{ "source", cfg->source }, { "agency", cfg->agency },
		{ "area", cfg->area }, { "key_file", cfg->key_file },
		{ "passphrase_file", cfg->passphrase_file },
		{ "output_root", cfg->output_root }, { "as_of", cfg->as_of },
		{ "disclosure", cfg->disclosure },
	};
	const char *sep = "";
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);

	CHECK(fp != NULL);
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		if (kv[i].v != NULL)
			fprintf(fp, "%s = %s\n", kv[i].key, kv[i].v);
	fputs("products =", fp);
	for (size_t i = 0; i < sizeof(product_names) /
	    sizeof(product_names[0]); i++)
		if (cfg->products & product_names[i].bit) {
			fprintf(fp, "%s %s", sep, product_names[i].name);
			sep = ",";
		}
	fputc('\n', fp);
	CHECK(fclose(fp) == 0);
	return buf;
}

static int
same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static void
check_config(const struct ndx_config *cfg)
{
	struct ndx_config again;
	struct ndx_error err;
	char path[64], *text;
	size_t len;
	ndx_day d;
	int fd;

	CHECK(cfg->source != NULL && cfg->area != NULL &&
	    cfg->output_root != NULL);
	CHECK(cfg->products != 0 &&
	    (cfg->products & ~(unsigned)NDX_PRODUCT_ALL) == 0);
	CHECK(cfg->sections || !(cfg->products & NDX_PRODUCT_PUBLIC_HEALTH) ||
	    cfg->key_file != NULL);
	CHECK(cfg->nagencies > 0 && cfg->nrecipients > 0);
	CHECK(cfg->as_of == NULL ||
	    ndx_date_parse_iso(cfg->as_of, &d) == NDX_DATE_OK);
	check_value(cfg->source);
	check_value(cfg->agency);
	check_value(cfg->area);
	check_value(cfg->key_file);
	check_value(cfg->passphrase_file);
	check_value(cfg->output_root);
	check_value(cfg->as_of);
	check_value(cfg->disclosure);
	check_scheme(cfg->source);
	/* The write-back below knows only top-level keys. */
	if (cfg->sections)
		return;

	text = write_back(cfg, &len);
	fd = fuzz_memfile(text, len, path, sizeof(path));
	CHECK(ndx_config_read(path, &again, &err) == 0);
	CHECK(same(cfg->source, again.source));
	CHECK(same(cfg->agency, again.agency));
	CHECK(same(cfg->area, again.area));
	CHECK(same(cfg->key_file, again.key_file));
	CHECK(same(cfg->passphrase_file, again.passphrase_file));
	CHECK(same(cfg->output_root, again.output_root));
	CHECK(same(cfg->as_of, again.as_of));
	CHECK(same(cfg->disclosure, again.disclosure));
	CHECK(cfg->products == again.products);
	ndx_config_free(&again);
	close(fd);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ndx_config zero;
	struct ndx_config cfg;
	struct ndx_error err;
	char path[64], *text;
	int fd, rc;

	fd = fuzz_memfile(data, size, path, sizeof(path));
	memset(&err, 0, sizeof(err));
	rc = ndx_config_read(path, &cfg, &err);
	if (rc == 0)
		check_config(&cfg);
	else {
		CHECK(rc == err.code);
		CHECK(rc == NDX_EX_CONFIG || rc == NDX_EX_NOINPUT);
		CHECK(err.line >= 0 && err.msg[0] != '\0');
		CHECK(strcmp(err.file, path) == 0);
		CHECK(memcmp(&cfg, &zero, sizeof(cfg)) == 0);
	}
	/* Freeing twice is harmless: free zeroes. */
	ndx_config_free(&cfg);
	ndx_config_free(&cfg);
	close(fd);

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_scheme(text);
	free(text);
	return 0;
}
