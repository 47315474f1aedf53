/*
 * The MANIFEST of an ndx-pack archive: parsing, and the rules an entry
 * must meet before anything is unpacked.  Both see bytes from whoever sent
 * the archive, so both are strict and fuzzed (tests/fuzz/fuzz_unpack.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ndx/manifest.h"
#include "ndx/ndx.h"

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

/* One "file" line's value: "<sha256> <bytes> <rows|-> <name>". */
static int
file_line(struct ndx_manifest *m, const char *s, size_t len)
{
	struct ndx_manifest_file *f, *grown;
	const char *sp;
	long long v;

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

enum { H_MAGIC, H_NDX, H_DATASET, H_PERIOD, H_XSD, H_FILES };

struct ndx_manifest *
ndx_manifest_parse(const char *buf, size_t len, const char *name,
    struct ndx_error *err)
{
	static const char *const key[] = {
		"ndx-manifest", "ndx-version", "dataset-version", "period",
		"xsd-sha256", "file"
	};
	struct ndx_manifest *m;
	const char *p = buf, *end = buf + len;
	long line = 0;
	int state = H_MAGIC, rc = 0;

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
		if (sp == NULL)
			goto bad;
		klen = (size_t)(sp - p);
		v = sp + 1;
		vlen = (size_t)(nl - v);
		if (klen != strlen(key[state]) ||
		    memcmp(p, key[state], klen) != 0)
			goto bad;
		switch (state) {
		case H_MAGIC:
			if (vlen != 1 || v[0] != '1')
				goto bad;
			break;
		case H_NDX:
			if ((m->ndx_version = word(v, vlen)) == NULL)
				goto bad;
			break;
		case H_DATASET:
			if ((m->dataset_version = word(v, vlen)) == NULL)
				goto bad;
			break;
		case H_PERIOD:
			if ((m->period = word(v, vlen)) == NULL)
				goto bad;
			break;
		case H_XSD:
			if (!is_digest(v, vlen))
				goto bad;
			memcpy(m->xsd_sha256, v, vlen);
			break;
		default:
			if ((rc = file_line(m, v, vlen)) == -ENOMEM)
				goto nomem;
			if (rc != 0)
				goto bad;
			break;
		}
		if (state != H_FILES)
			state++;
		p = nl + 1;
	}
	if (state != H_FILES) {
		ndx_error_set(err, NDX_EX_DATAERR, name, line,
		    "not an ndx manifest: header incomplete");
		goto fail;
	}
	return m;
bad:
	ndx_error_set(err, NDX_EX_DATAERR, name, line,
	    "not an ndx manifest line (want '%s ...')", key[state]);
	goto fail;
nomem:
	ndx_error_set(err, NDX_EX_OSERR, name, 0, "out of memory");
fail:
	ndx_manifest_free(m);
	return NULL;
}
