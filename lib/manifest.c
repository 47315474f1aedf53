/*
 * The MANIFEST of an ndx-pack archive: parsing, and the rules an entry
 * must meet before anything is unpacked.  Both see bytes from whoever sent
 * the archive, so both are strict and fuzzed (tests/fuzz/fuzz_unpack.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "ndx/manifest.h"
#include "ndx/ndx.h"
#include "ndx/provenance.h"

int
ndx_entry_name_safe(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 255 || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
			return 0;
	return 1;
}

static int
has_dotdot(const char *name)
{
	const char *p = name;

	for (;;) {
		size_t n = strcspn(p, "/\\");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 1;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

const char *
ndx_entry_refusal(const char *name, unsigned type, int linked)
{
	if (name == NULL || name[0] == '\0')
		return "an entry without a name";
	if (name[0] == '/' || name[0] == '\\')
		return "an absolute path";
	if (has_dotdot(name))
		return "a '..' component";
	if (linked || (type & S_IFMT) == S_IFLNK)
		return "a link";
	if ((type & S_IFMT) == S_IFCHR || (type & S_IFMT) == S_IFBLK)
		return "a device";
	if ((type & S_IFMT) == S_IFIFO)
		return "a FIFO";
	if ((type & S_IFMT) != S_IFREG)
		return "not a regular file";
	if (!ndx_entry_name_safe(name))
		return "not a plain file name";
	return NULL;
}

void
ndx_manifest_free(struct ndx_manifest *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nfile; i++)
		free(m->file[i].name);
	free(m->file);
	free(m->ndx_version);
	free(m->dataset_version);
	free(m->period);
	free(m->start);
	free(m->end);
	free(m->as_of);
	free(m->agency);
	free(m->area);
	free(m->recipient);
	free(m->key_id);
	free(m->consent_excluded);
	for (size_t i = 0; i < m->nrisk; i++)
		free(m->risk[i]);
	free(m->risk);
	free(m);
}

const struct ndx_manifest_file *
ndx_manifest_find(const struct ndx_manifest *m, const char *name)
{
	for (size_t i = 0; i < m->nfile; i++)
		if (strcmp(m->file[i].name, name) == 0)
			return &m->file[i];
	return NULL;
}

/* 1 when s is exactly NDX_SHA256_HEX lower-case hex digits. */
static int
is_digest(const char *s, size_t len)
{
	if (len != NDX_SHA256_HEX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}

/* A decimal number without sign or leading zero; -1 when not one. */
static long long
number(const char *s, size_t len)
{
	long long v = 0;

	if (len == 0 || len > 18 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* A printable word: no space, control character or DEL. */
static char *
word(const char *s, size_t len)
{
	char *w;

	if (len == 0 || len > 64)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return NULL;
	if ((w = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(w, s, len);
	w[len] = '\0';
	return w;
}

/* Printable text that may hold spaces (an area's name, a risk line). */
static char *
text(const char *s, size_t len, size_t max)
{
	char *w;

	if (len == 0 || len > max || s[0] == ' ' || s[len - 1] == ' ')
		return NULL;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return NULL;
	if ((w = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(w, s, len);
	w[len] = '\0';
	return w;
}

/* One "file" line's value: "<sha256> <bytes> <rows|-> <name>". */
static int
file_line(struct ndx_manifest *m, const char *s, size_t len)
{
	struct ndx_manifest_file *f, *grown;
	const char *sp;
	long long v;

	if (m->nfile >= NDX_MANIFEST_FILES_MAX)
		return -1;
	grown = realloc(m->file, (m->nfile + 1) * sizeof(*m->file));
	if (grown == NULL)
		return -ENOMEM;
	m->file = grown;
	f = &m->file[m->nfile];
	memset(f, 0, sizeof(*f));
	if (len < NDX_SHA256_HEX + 1 || !is_digest(s, NDX_SHA256_HEX) ||
	    s[NDX_SHA256_HEX] != ' ')
		return -1;
	memcpy(f->sha256, s, NDX_SHA256_HEX);
	s += NDX_SHA256_HEX + 1;
	len -= NDX_SHA256_HEX + 1;
	if ((sp = memchr(s, ' ', len)) == NULL ||
	    (v = number(s, (size_t)(sp - s))) < 0)
		return -1;
	f->bytes = (unsigned long long)v;
	len -= (size_t)(sp - s) + 1;
	s = sp + 1;
	if ((sp = memchr(s, ' ', len)) == NULL)
		return -1;
	if (sp - s == 1 && s[0] == '-')
		f->rows = -1;
	else if ((f->rows = number(s, (size_t)(sp - s))) < 0)
		return -1;
	len -= (size_t)(sp - s) + 1;
	s = sp + 1;
	if (len == 0 || memchr(s, '\0', len) != NULL)
		return -1;
	if ((f->name = malloc(len + 1)) == NULL)
		return -ENOMEM;
	memcpy(f->name, s, len);
	f->name[len] = '\0';
	m->nfile++;
	if (!ndx_entry_name_safe(f->name) ||
	    strcmp(f->name, NDX_MANIFEST_NAME) == 0)
		return -1;
	for (size_t i = 0; i + 1 < m->nfile; i++)
		if (strcmp(m->file[i].name, f->name) == 0)
			return -1;
	return 0;
}

/*
 * The header lines of each version, in order; "risk" (version 2) may come
 * any number of times, then "file" ends the header.
 */
enum { K_MAGIC, K_NDX, K_DATASET, K_PERIOD, K_XSD, K_START, K_END, K_ASOF,
	K_AGENCY, K_AREA, K_RECIPIENT, K_KEYID, K_CONSENT, K_RISK, K_FILE };
static const char *const key_name[] = {
	"ndx-manifest", "ndx-version", "dataset-version", "period",
	"xsd-sha256", "start", "end", "as-of", "agency", "area", "recipient",
	"key-id", "consent-excluded", "risk", "file"
};
static const int order1[] = { K_MAGIC, K_NDX, K_DATASET, K_PERIOD, K_XSD,
	K_FILE };
static const int order2[] = { K_MAGIC, K_NDX, K_DATASET, K_XSD, K_PERIOD,
	K_START, K_END, K_ASOF, K_AGENCY, K_AREA, K_RECIPIENT, K_KEYID,
	K_CONSENT, K_RISK, K_FILE };

/* 1 when v is "-" or a YYYY-MM-DD shape. */
static int
date_shape(const char *v)
{
	if (strcmp(v, "-") == 0)
		return 1;
	if (strlen(v) != 10 || v[4] != '-' || v[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (v[i] < '0' || v[i] > '9'))
			return 0;
	return 1;
}

/* Sets one version 2 value; -1 when malformed, -ENOMEM. */
static int
v2_value(struct ndx_manifest *m, int k, const char *v, size_t vlen)
{
	char *w, **grown;

	if (k == K_AREA || k == K_RECIPIENT || k == K_RISK)
		w = text(v, vlen, k == K_RISK ? 512 : 128);
	else
		w = word(v, vlen);
	if (w == NULL)
		return -1;
	switch (k) {
	case K_START:
	case K_END:
	case K_ASOF:
		if (!date_shape(w))
			goto bad;
		*(k == K_START ? &m->start : k == K_END ? &m->end :
		    &m->as_of) = w;
		return 0;
	case K_AGENCY:
		m->agency = w;
		return 0;
	case K_AREA:
		m->area = w;
		return 0;
	case K_RECIPIENT:
		m->recipient = w;
		return 0;
	case K_KEYID:
		m->key_id = w;
		return 0;
	case K_CONSENT:
		if (strcmp(w, "-") != 0 && number(w, strlen(w)) < 0)
			goto bad;
		m->consent_excluded = w;
		return 0;
	default:
		if (m->nrisk >= NDX_MANIFEST_FILES_MAX)
			goto bad;
		grown = realloc(m->risk, (m->nrisk + 1) * sizeof(*m->risk));
		if (grown == NULL) {
			free(w);
			return -ENOMEM;
		}
		m->risk = grown;
		m->risk[m->nrisk++] = w;
		return 0;
	}
bad:
	free(w);
	return -1;
}

struct ndx_manifest *
ndx_manifest_parse(const char *buf, size_t len, const char *name,
    struct ndx_error *err)
{
	struct ndx_manifest *m;
	const char *p = buf, *end = buf + len;
	const int *order = order1;
	size_t state = 0;
	long line = 0;
	int rc = 0, k = K_MAGIC;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto nomem;
	if (len == 0 || buf[len - 1] != '\n') {
		ndx_error_set(err, NDX_EX_DATAERR, name, 0,
		    "not an ndx manifest: no final newline");
		goto fail;
	}
	/* The header lines come once each, in order; then files. */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *sp = memchr(p, ' ', (size_t)(nl - p));
		size_t klen, vlen;
		const char *v;

		line++;
		k = order[state];
		if (sp == NULL)
			goto bad;
		klen = (size_t)(sp - p);
		v = sp + 1;
		vlen = (size_t)(nl - v);
		/* A risk line is optional: the next key may follow it. */
		if (k == K_RISK && (klen != strlen(key_name[k]) ||
		    memcmp(p, key_name[k], klen) != 0))
			k = order[++state];
		if (klen != strlen(key_name[k]) ||
		    memcmp(p, key_name[k], klen) != 0)
			goto bad;
		switch (k) {
		case K_MAGIC:
			if (vlen != 1 || (v[0] != '1' && v[0] != '2'))
				goto bad;
			m->version = v[0] - '0';
			if (m->version == 2) {
				order = order2;
			}
			break;
		case K_NDX:
			if ((m->ndx_version = word(v, vlen)) == NULL)
				goto bad;
			break;
		case K_DATASET:
			if ((m->dataset_version = word(v, vlen)) == NULL)
				goto bad;
			break;
		case K_PERIOD:
			if ((m->period = word(v, vlen)) == NULL)
				goto bad;
			break;
		case K_XSD:
			if (!is_digest(v, vlen))
				goto bad;
			memcpy(m->xsd_sha256, v, vlen);
			break;
		case K_FILE:
			if ((rc = file_line(m, v, vlen)) == -ENOMEM)
				goto nomem;
			if (rc != 0)
				goto bad;
			break;
		default:
			if ((rc = v2_value(m, k, v, vlen)) == -ENOMEM)
				goto nomem;
			if (rc != 0)
				goto bad;
			break;
		}
		if (k != K_FILE && k != K_RISK)
			state++;
		p = nl + 1;
	}
	if (order[state] != K_FILE && order[state] != K_RISK) {
		ndx_error_set(err, NDX_EX_DATAERR, name, line,
		    "not an ndx manifest: header incomplete");
		goto fail;
	}
	return m;
bad:
	ndx_error_set(err, NDX_EX_DATAERR, name, line,
	    "not an ndx manifest line (want '%s ...')", key_name[k]);
	goto fail;
nomem:
	ndx_error_set(err, NDX_EX_OSERR, name, 0, "out of memory");
fail:
	ndx_manifest_free(m);
	return NULL;
}

/* 1 when s may be a manifest value: a word, or printable text. */
static int
value_ok(const char *s, int spaces)
{
	if (s == NULL)
		return 1;
	if (*s == '\0' || strlen(s) > (spaces ? 128u : 64u) || s[0] == ' ')
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p >= 0x7f || (*p == ' ' && !spaces))
			return 0;
	return s[strlen(s) - 1] != ' ';
}

int
ndx_manifest_write(FILE *out, const struct ndx_provenance *v,
    const struct ndx_manifest_file *files, size_t n, struct ndx_error *err)
{
	const char *const words[] = { v->ndx_version, v->dataset_version,
	    v->xsd_sha256, v->period, v->start, v->end, v->as_of, v->agency,
	    v->key_id };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!value_ok(words[i], 0))
			goto bad;
	if (!value_ok(v->area, 1) || !value_ok(v->recipient, 1))
		goto bad;
	for (size_t i = 0; i < v->nrisk; i++)
		if (!value_ok(v->risk[i].file, 0))
			goto bad;
#define DASH(s) ((s) != NULL ? (s) : "-")
	fprintf(out, "ndx-manifest 2\nndx-version %s\ndataset-version %s\n"
	    "xsd-sha256 %s\nperiod %s\nstart %s\nend %s\nas-of %s\n"
	    "agency %s\narea %s\nrecipient %s\nkey-id %s\n",
	    DASH(v->ndx_version), DASH(v->dataset_version),
	    DASH(v->xsd_sha256), DASH(v->period), DASH(v->start),
	    DASH(v->end), DASH(v->as_of), DASH(v->agency), DASH(v->area),
	    DASH(v->recipient), DASH(v->key_id));
#undef DASH
	if (v->consent_excluded < 0)
		fputs("consent-excluded -\n", out);
	else
		fprintf(out, "consent-excluded %ld\n", v->consent_excluded);
	for (size_t i = 0; i < v->nrisk; i++) {
		const struct ndx_risk *r = &v->risk[i];

		fprintf(out, "risk %s persons=%ld k_min=%ld below_5=%ld",
		    r->file, r->persons, r->k_min, r->below_5);
		if (r->min_k > 0)
			fprintf(out, " min_k=%ld after_k_min=%ld "
			    "after_below_5=%ld suppressed=%ld", r->min_k,
			    r->after_k_min, r->after_below_5, r->suppressed);
		fputc('\n', out);
	}
	for (size_t i = 0; i < n; i++) {
		const struct ndx_manifest_file *f = &files[i];

		if (!ndx_entry_name_safe(f->name))
			goto bad;
		fprintf(out, "file %s %llu ", f->sha256, f->bytes);
		if (f->rows < 0)
			fputs("-", out);
		else
			fprintf(out, "%lld", f->rows);
		fprintf(out, " %s\n", f->name);
	}
	if (ferror(out)) {
		ndx_error_set(err, NDX_EX_IOERR, NDX_MANIFEST_NAME, 0,
		    "write error");
		return NDX_EX_IOERR;
	}
	return 0;
bad:
	ndx_error_set(err, NDX_EX_DATAERR, NDX_MANIFEST_NAME, 0,
	    "a value cannot be written on a manifest line");
	return NDX_EX_DATAERR;
}

int
ndx_sha256_stream(FILE *fp, unsigned long long *bytes,
    char hex[NDX_SHA256_HEX + 1])
{
	crypto_hash_sha256_state st;
	unsigned char md[crypto_hash_sha256_BYTES], buf[65536];
	size_t n;

	*bytes = 0;
	crypto_hash_sha256_init(&st);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		crypto_hash_sha256_update(&st, buf, n);
		*bytes += n;
	}
	if (ferror(fp))
		return -1;
	crypto_hash_sha256_final(&st, md);
	sodium_bin2hex(hex, NDX_SHA256_HEX + 1, md, sizeof(md));
	return 0;
}
