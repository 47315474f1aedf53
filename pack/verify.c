/*
 * ndx-pack verify and unpack.  verify reads the whole archive once,
 * hashing each entry as it streams by, then compares what it saw with the
 * MANIFEST, one line on standard error per difference.  unpack verifies
 * first and writes nothing unless that passes; then it reads the archive
 * again, checking each entry once more against the manifest as it is
 * written, in case the archive changed in between.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>

#include "ndx/csvrec.h"
#include "ndx/diag.h"
#include "ndx/manifest.h"
#include "ndx/ndx.h"
#include "ndx/openpgp.h"
#include "ndx/outfile.h"
#include "pack.h"

/* What reading one entry's data gives. */
struct entry_reader {
	struct pack *p;
	struct archive *a;
	FILE *out;			/* a copy goes here when not NULL */
	crypto_hash_sha256_state st;
	unsigned long long bytes;
	int failed;			/* the data could not be read */
	int write_failed;		/* out could not be written */
	int bomb;			/* it expands too much */
};

/*
 * Reads up to n bytes of the entry into buf, hashing (and copying) them,
 * and holding the whole archive's expansion to PACK_MAX_RATIO.
 */
static la_ssize_t
entry_read(struct entry_reader *r, char *buf, size_t n)
{
	la_ssize_t got;

	if (r->failed || r->bomb || r->write_failed)
		return -1;
	if ((got = archive_read_data(r->a, buf, n)) < 0) {
		r->failed = 1;
		return -1;
	}
	r->p->expanded += (unsigned long long)got;
	if (r->p->expanded > PACK_EXPAND_SLACK +
	    PACK_MAX_RATIO * r->p->archive_bytes) {
		r->bomb = 1;
		return -1;
	}
	crypto_hash_sha256_update(&r->st, (unsigned char *)buf, (size_t)got);
	r->bytes += (unsigned long long)got;
	if (r->out != NULL && got > 0 &&
	    fwrite(buf, 1, (size_t)got, r->out) != (size_t)got) {
		r->write_failed = 1;
		return -1;
	}
	return got;
}

static ssize_t
cookie_read(void *c, char *buf, size_t n)
{
	la_ssize_t got = entry_read(c, buf, n);

	if (got < 0) {
		errno = EIO;
		return -1;
	}
	return (ssize_t)got;
}

/* libarchive's reason, which it does not always give. */
static const char *
reason(struct archive *a)
{
	const char *s = archive_error_string(a);

	return s != NULL ? s : "cut short";
}

/*
 * Fills why (256 bytes).  A message cut short at a long entry name is
 * still a refusal, so truncation is fine: vsnprintf, not snprintf, keeps
 * -Wformat-truncation quiet at every optimisation level.
 */
static void why_printf(char *why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
why_printf(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, 256, fmt, ap);
	va_end(ap);
}

/*
 * Says why an archive cannot be read from its start, and returns the exit
 * code: 1 when it is a gzip, tar or zip (libarchive knew its format, or
 * fd starts with a gzip or zip signature: cut short or damaged, it does
 * not verify), 65 when it is none of them (an empty file, something else).
 */
static int
unreadable(struct archive *a, int fd, const char *path)
{
	unsigned char m[4];

	if (archive_format(a) != 0 || (fd >= 0 &&
	    pread(fd, m, sizeof(m), 0) == (ssize_t)sizeof(m) &&
	    ((m[0] == 0x1f && m[1] == 0x8b) || memcmp(m, "PK\3\4", 4) == 0 ||
	    memcmp(m, "PK\5\6", 4) == 0))) {
		diag_warnx("%s: damaged archive: %s", path, reason(a));
		return NDX_EX_REJECTED;
	}
	diag_warnx("%s: not an archive: %s", path, reason(a));
	return NDX_EX_DATAERR;
}

/* archive_read_open_fd() leaves the descriptor to its caller. */
static void
reader_close(struct archive *a, int fd)
{
	archive_read_free(a);
	close(fd);
}

/*
 * Opens path for reading into *ap and *fdp: 0, or the exit code, told:
 * 66 (missing), 1 or 65 (unreadable), 71.
 */
static int
reader_open(struct pack *p, const char *path, struct archive **ap, int *fdp)
{
	struct archive *a;
	struct stat st;
	int fd, rc;

	if ((fd = open(p->open_path != NULL ? p->open_path : path,
	    O_RDONLY | O_CLOEXEC)) < 0) {
		diag_warn("%s", path);
		return NDX_EX_NOINPUT;
	}
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		close(fd);
		diag_warnx("%s: not a file", path);
		return NDX_EX_NOINPUT;
	}
	p->archive_bytes = S_ISREG(st.st_mode) ? (unsigned long long)st.st_size
	    : 0;
	if ((a = archive_read_new()) == NULL) {
		close(fd);
		diag_warnx("out of memory");
		return NDX_EX_OSERR;
	}
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_zip(a);
	if (p->passphrase != NULL &&
	    archive_read_add_passphrase(a, p->passphrase) != ARCHIVE_OK) {
		reader_close(a, fd);
		diag_warnx("out of memory");
		return NDX_EX_OSERR;
	}
	if (archive_read_open_fd(a, fd, PACK_BUFSIZE) != ARCHIVE_OK) {
		rc = unreadable(a, fd, path);
		reader_close(a, fd);
		return rc;
	}
	*ap = a;
	*fdp = fd;
	return 0;
}

/*
 * Streams the current entry's data into the hash and, when out is not
 * NULL, into out; with rows not NULL, counts its CSV records as pack does
 * (*rows -2 when it is not CSV).  0, or -1 when the data cannot be read
 * (a wrong passphrase, damage), expands too much (*bomb) or cannot be
 * written (errno set, *write_failed), or 71 when out of memory (told).
 */
static int
hash_entry_rows(struct pack *p, struct archive *a, FILE *out,
    unsigned long long *bytes, char hex[NDX_SHA256_HEX + 1],
    int *write_failed, int *bomb, long long *rows)
{
	static const cookie_io_functions_t io = { cookie_read, NULL, NULL,
	    NULL };
	struct entry_reader r;
	unsigned char md[crypto_hash_sha256_BYTES];
	static char buf[PACK_BUFSIZE];
	struct ndx_error err;
	FILE *fp;

	memset(&r, 0, sizeof(r));
	r.p = p;
	r.a = a;
	r.out = out;
	crypto_hash_sha256_init(&r.st);
	if (rows != NULL) {
		if ((fp = fopencookie(&r, "r", io)) == NULL) {
			diag_warn("fopencookie");
			return NDX_EX_OSERR;
		}
		*rows = pack_csv_rows(fp, "entry", &err);
		fclose(fp);
		if (*rows < 0)
			*rows = -2;
	}
	/* The rest, after the last record or an error. */
	while (entry_read(&r, buf, sizeof(buf)) > 0)
		;
	*bytes = r.bytes;
	*write_failed = r.write_failed;
	if (bomb != NULL)
		*bomb = r.bomb;
	if (r.failed || r.bomb || r.write_failed)
		return -1;
	crypto_hash_sha256_final(&r.st, md);
	pack_hex(md, hex);
	return 0;
}

static int
hash_entry(struct pack *p, struct archive *a, FILE *out,
    unsigned long long *bytes, char hex[NDX_SHA256_HEX + 1],
    int *write_failed)
{
	return hash_entry_rows(p, a, out, bytes, hex, write_failed, NULL,
	    NULL);
}

/* Reads the MANIFEST entry into memory (it is small by construction). */
static char *
read_manifest(struct archive *a, size_t *len)
{
	char *buf = xmalloc(NDX_MANIFEST_MAX + 1);
	la_ssize_t n;

	*len = 0;
	while ((n = archive_read_data(a, buf + *len,
	    NDX_MANIFEST_MAX + 1 - *len)) > 0)
		if ((*len += (size_t)n) > NDX_MANIFEST_MAX)
			break;
	if (n < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static struct pack_seen *
find_seen(struct pack *p, const char *name)
{
	for (size_t i = 0; i < p->nseen; i++)
		if (strcmp(p->seen[i].name, name) == 0)
			return &p->seen[i];
	return NULL;
}

/* Where a MANIFEST, SHA256SUMS or MANIFEST.sig entry's bytes go. */
static char **
special(struct pack *p, const char *name, size_t **len)
{
	if (strcmp(name, NDX_MANIFEST_NAME) == 0) {
		*len = &p->manifest_len;
		return &p->manifest_text;
	}
	if (strcmp(name, NDX_SHA256SUMS_NAME) == 0) {
		*len = &p->sums_len;
		return &p->sums_text;
	}
	if (strcmp(name, NDX_SIGNATURE_NAME) == 0) {
		*len = &p->sig_len;
		return &p->sig_text;
	}
	return NULL;
}

/* The manifest's bytes, parsed; a problem when it does not parse. */
static void
parse_manifest(struct pack *p, const char *path, int *problems)
{
	unsigned char md[crypto_hash_sha256_BYTES];
	struct ndx_error err;

	if (p->manifest_text == NULL)
		return;
	crypto_hash_sha256(md, (unsigned char *)p->manifest_text,
	    p->manifest_len);
	pack_hex(md, p->manifest_sha256);
	p->manifest = ndx_manifest_parse(p->manifest_text, p->manifest_len,
	    NDX_MANIFEST_NAME, &err);
	if (p->manifest == NULL) {
		diag_warnx("%s: %s:%ld: %s", path, NDX_MANIFEST_NAME, err.line,
		    err.msg);
		++*problems;
	}
}

/*
 * Reads every entry, adding the problems reported to *problems: 0, or the
 * exit code of a failure that stops the run, told.
 */
static int
scan(struct pack *p, const char *path, struct archive *a, int *truncated,
    int *problems)
{
	struct archive_entry *e;
	int r, rc, w = 0, bomb = 0, headers = 0;

	*truncated = 0;
	while ((r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		const char *name, *why;
		struct pack_seen *s;
		char **text;
		size_t *tlen;

		if (r < ARCHIVE_WARN) {
			if (headers == 0)
				return unreadable(a, -1, path);
			diag_warnx("%s: damaged archive: %s", path,
			    reason(a));
			*truncated = 1;
			++*problems;
			return 0;
		}
		/* Before any per-entry work, so a flood is refused fast. */
		if (++headers > PACK_MAX_ENTRIES) {
			diag_warnx("%s: refused: more than %d entries", path,
			    PACK_MAX_ENTRIES);
			*truncated = 1;
			++*problems;
			return 0;
		}
		name = archive_entry_pathname(e);
		why = ndx_entry_refusal(name, archive_entry_filetype(e),
		    archive_entry_hardlink(e) != NULL);
		if (why != NULL) {
			diag_warnx("%s: %s: refused: %s", path,
			    name ? name : "", why);
			++*problems;
			continue;
		}
		if (archive_entry_is_encrypted(e) && p->passphrase == NULL) {
			diag_warnx("%s: encrypted: give --passphrase-file or "
			    "set NDX_PASSPHRASE", path);
			return NDX_EX_USAGE;
		}
		/*
		 * Under a passphrase every entry must be encrypted: one that
		 * is not was added by someone who did not know it.
		 */
		if (p->passphrase != NULL && !archive_entry_is_encrypted(e) &&
		    (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) ==
		    ARCHIVE_FORMAT_ZIP) {
			diag_warnx("%s: %s: refused: not encrypted in an "
			    "encrypted archive", path, name);
			++*problems;
			continue;
		}
		text = special(p, name, &tlen);
		if (find_seen(p, name) != NULL ||
		    (text != NULL && *text != NULL)) {
			diag_warnx("%s: %s: appears twice", path, name);
			++*problems;
			continue;
		}
		if (text != NULL) {
			if ((*text = read_manifest(a, tlen)) == NULL) {
				diag_warnx("%s: %s: wrong passphrase or "
				    "damaged archive", path, name);
				++*problems;
				continue;
			}
			if (*tlen > NDX_MANIFEST_MAX) {
				diag_warnx("%s: %s: too large", path, name);
				++*problems;
				continue;
			}
			p->expanded += *tlen;
			continue;
		}
		p->seen = xreallocarray(p->seen, p->nseen + 1,
		    sizeof(*p->seen));
		s = &p->seen[p->nseen++];
		memset(s, 0, sizeof(*s));
		s->name = xstrdup(name);
		s->rows = -1;
		rc = hash_entry_rows(p, a, NULL, &s->bytes, s->sha256, &w,
		    &bomb, pack_has_suffix(name, ".csv") ? &s->rows : NULL);
		if (rc > 0)
			return rc;
		if (rc != 0) {
			if (bomb) {
				diag_warnx("%s: %s: refused: the archive "
				    "expands more than %d times its size",
				    path, name, PACK_MAX_RATIO);
				*truncated = 1;
				++*problems;
				return 0;
			}
			diag_warnx("%s: %s: wrong passphrase or damaged "
			    "archive", path, name);
			s->damaged = 1;
			++*problems;
		}
	}
	parse_manifest(p, path, problems);
	return 0;
}

/* The hash of an entry verify saw, or NULL. */
static const char *
seen_sha256(struct pack *p, const char *name, char buf[NDX_SHA256_HEX + 1])
{
	const struct pack_seen *s;
	unsigned char md[crypto_hash_sha256_BYTES];
	char **text;
	size_t *len;

	if ((text = special(p, name, &len)) != NULL) {
		if (*text == NULL || text == &p->sums_text)
			return NULL;
		crypto_hash_sha256(md, (unsigned char *)*text, *len);
		pack_hex(md, buf);
		return buf;
	}
	if ((s = find_seen(p, name)) == NULL || s->damaged)
		return NULL;
	return s->sha256;
}

/*
 * SHA256SUMS: every line "HEX  NAME" of an entry, matching, each once;
 * every entry but itself listed.  Returns the problems reported.
 */
static int
check_sums(struct pack *p, const char *path)
{
	const char *t = p->sums_text, *end = t + p->sums_len;
	char buf[NDX_SHA256_HEX + 1], name[256];
	size_t listed = 0, want;
	unsigned char *seen_mark;
	int problems = 0;

	seen_mark = xcalloc(p->nseen + 3, 1);
	while (t < end) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		const char *h;
		size_t n;
		long idx = -1;

		if (nl == NULL || nl - t < NDX_SHA256_HEX + 3 ||
		    t[NDX_SHA256_HEX] != ' ' || t[NDX_SHA256_HEX + 1] != ' ' ||
		    (n = (size_t)(nl - t) - NDX_SHA256_HEX - 2) >=
		    sizeof(name)) {
			diag_warnx("%s: %s: not in the format of sha256sum",
			    path, NDX_SHA256SUMS_NAME);
			problems++;
			break;
		}
		memcpy(name, t + NDX_SHA256_HEX + 2, n);
		name[n] = '\0';
		if (strcmp(name, NDX_MANIFEST_NAME) == 0)
			idx = (long)p->nseen;
		else if (strcmp(name, NDX_SIGNATURE_NAME) == 0)
			idx = (long)p->nseen + 1;
		else
			for (size_t i = 0; i < p->nseen; i++)
				if (strcmp(p->seen[i].name, name) == 0)
					idx = (long)i;
		h = idx < 0 ? NULL : seen_sha256(p, name, buf);
		if (idx >= 0 && seen_mark[idx]) {
			diag_warnx("%s: %s: %s listed twice", path,
			    NDX_SHA256SUMS_NAME, name);
			problems++;
		} else if (h == NULL) {
			diag_warnx("%s: %s: %s: no such entry", path,
			    NDX_SHA256SUMS_NAME, name);
			problems++;
		} else if (memcmp(h, t, NDX_SHA256_HEX) != 0) {
			diag_warnx("%s: %s: %s: checksum differs", path,
			    NDX_SHA256SUMS_NAME, name);
			problems++;
		} else {
			seen_mark[idx] = 1;
			listed++;
		}
		t = nl + 1;
	}
	want = p->nseen + 1 + (p->sig_text != NULL);
	if (problems == 0 && listed != want) {
		diag_warnx("%s: %s: does not list every entry", path,
		    NDX_SHA256SUMS_NAME);
		problems++;
	}
	free(seen_mark);
	return problems;
}

/*
 * The MANIFEST's signature, if any: with --signer it must be there and
 * good by one of them; without, one by a key not in the keyring is
 * reported as not checked, any other failure counts.  Returns problems.
 */
static int
check_signature(struct pack *p, const char *path)
{
	struct ndx_error err;

	p->signed_by[0] = '\0';
	if (p->sig_text == NULL) {
		if (p->nsigner == 0)
			return 0;
		diag_warnx("%s: %s: missing, and --signer needs it", path,
		    NDX_SIGNATURE_NAME);
		return 1;
	}
	if (ndx_openpgp_verify(p->manifest_text, p->manifest_len,
	    p->sig_text, p->sig_len, p->signer, p->nsigner, p->signed_by,
	    &err) == 0)
		return 0;
	p->signed_by[0] = '\0';
	if (p->nsigner == 0 && err.code == NDX_EX_REJECTED &&
	    strncmp(err.msg, "signed by a key not in the keyring", 34) == 0) {
		diag_warnx("%s: signature not checked: %s", path, err.msg);
		return 0;
	}
	diag_warnx("%s: %s: %s", path, NDX_SIGNATURE_NAME, err.msg);
	return err.code == NDX_EX_REJECTED ? 1 : -err.code;
}

static unsigned
le16(const unsigned char *b)
{
	return b[0] | (unsigned)b[1] << 8;
}

static unsigned long long
le32(const unsigned char *b)
{
	return b[0] | (unsigned long long)b[1] << 8 |
	    (unsigned long long)b[2] << 16 | (unsigned long long)b[3] << 24;
}

static unsigned long long
le64(const unsigned char *b)
{
	return le32(b) | le32(b + 4) << 32;
}

/*
 * The zip64 extra field (0x0001) gives, in this order, the values of
 * usize, csize and offset that were 0xffffffff; -1 when it is missing or
 * short.
 */
static int
zip64_values(const unsigned char *x, size_t n, unsigned long long *v[3])
{
	while (n >= 4) {
		unsigned id = le16(x), len = le16(x + 2);
		size_t at = 4;

		if (len > n - 4)
			return -1;
		if (id == 1) {
			for (int k = 0; k < 3; k++) {
				if (v[k] == NULL || *v[k] != 0xffffffffULL)
					continue;
				if (at + 8 > 4 + (size_t)len)
					return -1;
				*v[k] = le64(x + at);
				at += 8;
			}
			return 0;
		}
		x += 4 + len;
		n -= 4 + len;
	}
	for (int k = 0; k < 3; k++)
		if (v[k] != NULL && *v[k] == 0xffffffffULL)
			return -1;
	return 0;
}

/*
 * Checks a zip's structure: its end of central directory record after
 * its comment, and every central directory entry against its local
 * header.  libarchive reads a zip as a stream of local headers, where
 * 7-Zip and unzip read the central directory: an archive whose two
 * disagree (another name, size, CRC, flags, an offset pointing elsewhere,
 * entries hidden between records) would show the receiver's tools other
 * files than those verify checked.  So the local records must follow
 * each other from offset 0 with nothing between them, up to the central
 * directory, and say the same.  NULL when it holds, else why not (in
 * why, of size 256).  Also refuses too many entries, before anything is
 * decompressed, and under a passphrase an entry not AES-encrypted.
 */
static const char *
zip_forged(struct pack *p, int fd, char *why)
{
	enum { EOCD = 22, LOC64 = 20, CDH = 46, LFH = 30 };
	static unsigned char buf[EOCD + 65535 + LOC64];
	unsigned char *cd = NULL, lh[LFH + 255 + 1], dd[24];
	unsigned long long cdsize, cdoff, count, pos = 0;
	struct stat st;
	off_t start;
	size_t n, i, at;
	const char *r = NULL;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;	/* not seekable: nothing more to check */
	start = st.st_size > (off_t)sizeof(buf) ?
	    st.st_size - (off_t)sizeof(buf) : 0;
	n = (size_t)(st.st_size - start);
	if (n < EOCD || pread(fd, buf, n, start) != (ssize_t)n)
		return "its central directory is missing or cut short";
	for (i = n - EOCD + 1; i-- > 0;)
		if (memcmp(buf + i, "PK\5\6", 4) == 0 &&
		    i + EOCD + le16(buf + i + 20) == n)
			break;
	if (i == (size_t)-1)
		return "its central directory is missing or cut short";
	count = le16(buf + i + 10);
	cdsize = le32(buf + i + 12);
	cdoff = le32(buf + i + 16);
	if (i >= LOC64 && memcmp(buf + i - LOC64, "PK\6\7", 4) == 0) {
		unsigned char z[56];
		unsigned long long zoff = le64(buf + i - LOC64 + 8);

		if (zoff > (unsigned long long)st.st_size - sizeof(z) ||
		    pread(fd, z, sizeof(z), (off_t)zoff) != (ssize_t)sizeof(z) ||
		    memcmp(z, "PK\6\6", 4) != 0)
			return "its zip64 end record is damaged";
		count = le64(z + 32);
		cdsize = le64(z + 40);
		cdoff = le64(z + 48);
	}
	if (count > PACK_MAX_ENTRIES) {
		why_printf(why, "refused: more than %d entries",
		    PACK_MAX_ENTRIES);
		return why;
	}
	if (cdoff > (unsigned long long)st.st_size ||
	    cdsize > (unsigned long long)st.st_size - cdoff ||
	    cdsize > count * (CDH + 3 * 65535ULL))
		return "its central directory is missing or cut short";
	cd = xmalloc(cdsize + 1);
	if (pread(fd, cd, cdsize, (off_t)cdoff) != (ssize_t)cdsize) {
		r = "its central directory cannot be read";
		goto out;
	}
	at = 0;
	for (unsigned long long k = 0; k < count; k++) {
		const unsigned char *c = cd + at;
		unsigned long long crc, csize, usize, off, lcsize, lusize, lcrc;
		unsigned long long *v[3];
		unsigned nlen, xlen, clen, flags, method, lnlen, lxlen;
		char name[256];

		if (at + CDH > cdsize || memcmp(c, "PK\1\2", 4) != 0) {
			r = "its central directory is damaged";
			goto out;
		}
		flags = le16(c + 8);
		method = le16(c + 10);
		crc = le32(c + 16);
		csize = le32(c + 20);
		usize = le32(c + 24);
		nlen = le16(c + 28);
		xlen = le16(c + 30);
		clen = le16(c + 32);
		off = le32(c + 42);
		if (at + CDH + nlen + xlen + clen > cdsize || nlen == 0 ||
		    nlen > 255) {
			r = "its central directory is damaged";
			goto out;
		}
		memcpy(name, c + CDH, nlen);
		name[nlen] = '\0';
		if (strlen(name) != nlen)
			snprintf(name, sizeof(name), "entry %llu", k + 1);
		v[0] = &usize;
		v[1] = &csize;
		v[2] = &off;
		if (zip64_values(c + CDH + nlen, xlen, v) != 0) {
			why_printf(why, "%s: a damaged zip64 field", name);
			r = why;
			goto out;
		}
		at += CDH + nlen + xlen + clen;
		if (off != pos) {
			why_printf(why, "%s: the central directory puts "
			    "it at offset %llu, its local header is at %llu",
			    name, off, pos);
			r = why;
			goto out;
		}
		if (p->passphrase != NULL && (!(flags & 1) || method != 99)) {
			why_printf(why, "%s: refused: not AES-encrypted "
			    "in an encrypted archive", name);
			r = why;
			goto out;
		}
		if (usize > PACK_EXPAND_SLACK + PACK_MAX_RATIO * csize) {
			why_printf(why, "%s: refused: it expands more than "
			    "%d times", name, PACK_MAX_RATIO);
			r = why;
			goto out;
		}
		if (pos + LFH + nlen > cdoff ||
		    pread(fd, lh, LFH + nlen, (off_t)pos) !=
		    (ssize_t)(LFH + nlen) || memcmp(lh, "PK\3\4", 4) != 0) {
			why_printf(why, "%s: no local header where the "
			    "central directory says", name);
			r = why;
			goto out;
		}
		lnlen = le16(lh + 26);
		lxlen = le16(lh + 28);
		if (lnlen != nlen || memcmp(lh + LFH, c + CDH, nlen) != 0) {
			why_printf(why, "%s: the local header names "
			    "another file", name);
			r = why;
			goto out;
		}
		if (le16(lh + 6) != flags || le16(lh + 8) != method) {
			why_printf(why, "%s: flags or method differ between "
			    "the local header and the central directory",
			    name);
			r = why;
			goto out;
		}
		lcrc = le32(lh + 14);
		lcsize = le32(lh + 18);
		lusize = le32(lh + 22);
		if (lcsize == 0xffffffffULL || lusize == 0xffffffffULL) {
			unsigned char lx[65535];

			v[0] = &lusize;
			v[1] = &lcsize;
			v[2] = NULL;
			if (pread(fd, lx, lxlen, (off_t)(pos + LFH + nlen)) !=
			    (ssize_t)lxlen || zip64_values(lx, lxlen, v) != 0) {
				why_printf(why, "%s: a damaged zip64 field",
				    name);
				r = why;
				goto out;
			}
		}
		/* With a data descriptor (bit 3) the header may say 0. */
		if (!(flags & 8) ? lcrc != crc || lcsize != csize ||
		    lusize != usize : (lcrc != 0 && lcrc != crc) ||
		    (lcsize != 0 && lcsize != csize) ||
		    (lusize != 0 && lusize != usize)) {
			why_printf(why, "%s: sizes or CRC differ between "
			    "the local header and the central directory",
			    name);
			r = why;
			goto out;
		}
		pos += LFH + nlen + lxlen + csize;
		if (flags & 8) {
			/* Signed or not, 32- or 64-bit sizes: the one that
			 * says what the central directory says. */
			static const size_t form[4][2] = {
				{ 16, 1 }, { 24, 1 }, { 12, 0 }, { 20, 0 }
			};
			size_t got, f;

			got = pos + sizeof(dd) <= cdoff ? sizeof(dd) :
			    pos <= cdoff ? (size_t)(cdoff - pos) : 0;
			if (pread(fd, dd, got, (off_t)pos) != (ssize_t)got)
				got = 0;
			for (f = 0; f < 4; f++) {
				const unsigned char *d = dd;
				size_t len = form[f][0];
				int big = len == 24 || len == 20;

				if (len > got)
					continue;
				if (form[f][1]) {
					if (memcmp(d, "PK\7\10", 4) != 0)
						continue;
					d += 4;
				}
				if (le32(d) == crc && (big ?
				    le64(d + 4) == csize &&
				    le64(d + 12) == usize :
				    le32(d + 4) == csize &&
				    le32(d + 8) == usize))
					break;
			}
			if (f == 4) {
				why_printf(why, "%s: its data descriptor "
				    "differs from the central directory", name);
				r = why;
				goto out;
			}
			pos += form[f][0];
		}
		if (pos > cdoff) {
			why_printf(why, "%s: its data runs into the central "
			    "directory", name);
			r = why;
			goto out;
		}
	}
	if (at != cdsize)
		r = "its central directory holds more than its entries";
	else if (pos != cdoff)
		r = "data between the entries and the central directory";
	else if (cdoff + cdsize != (unsigned long long)start + i &&
	    !(i >= LOC64 && memcmp(buf + i - LOC64, "PK\6\7", 4) == 0))
		r = "its central directory does not end where its end "
		    "record begins";
out:
	free(cd);
	return r;
}

/* Whether fd starts like a zip. */
static int
zip_magic(int fd)
{
	unsigned char m[4];

	return pread(fd, m, sizeof(m), 0) == (ssize_t)sizeof(m) &&
	    (memcmp(m, "PK\3\4", 4) == 0 || memcmp(m, "PK\5\6", 4) == 0);
}

/*
 * The manifest's claims about the installed schema, each problem added to
 * *problems: 0, or the exit code of a failure to read the schema, told.
 */
static int
check_schema(struct pack *p, const char *path, int *problems)
{
	char hex[NDX_SHA256_HEX + 1];
	int rc;

	const char *v = p->manifest->dataset_version;

	if (strcmp(v, "1") != 0 && strcmp(v, "2") != 0) {
		diag_warnx("%s: %s: dataset version %s, but versions 1 and 2 "
		    "are installed", path, NDX_MANIFEST_NAME, v);
		++*problems;
		return 0;
	}
	if ((rc = pack_xsd_sha256(v, hex)) != 0)
		return rc;
	if (strcmp(p->manifest->xsd_sha256, hex) != 0) {
		diag_warnx("%s: %s: xsd-sha256 %s, but the installed "
		    "%s has %s", path, NDX_MANIFEST_NAME,
		    p->manifest->xsd_sha256, strcmp(v, "1") == 0 ?
		    "episodes.xsd" : "episodes-2.xsd", hex);
		++*problems;
	}
	return 0;
}

/* The one line verify prints on success. */
static void
summary(struct pack *p, const char *path)
{
	const struct ndx_manifest *m = p->manifest;

	printf("%s: verified %zu files", path, m->nfile);
	if (strcmp(m->period, "-") != 0)
		printf("; period %s", m->period);
	if (m->agency != NULL && strcmp(m->agency, "-") != 0)
		printf("; agency %s", m->agency);
	if (m->recipient != NULL && strcmp(m->recipient, "-") != 0)
		printf("; recipient %s", m->recipient);
	if (m->key_id != NULL && strcmp(m->key_id, "-") != 0)
		printf("; key id %s", m->key_id);
	if (p->signed_by[0] != '\0')
		printf("; signed by %s", p->signed_by);
	putchar('\n');
}

/*
 * What was seen against what the MANIFEST, SHA256SUMS and the signature
 * say, problems so far included: the verdict, or (*fatal 1) the code of a
 * failure that stops the run.
 */
static int
judge(struct pack *p, const char *path, int problems, int *fatal)
{
	int rc;

	if (p->manifest == NULL) {
		/* Said already when it was there but unreadable. */
		if (p->manifest_text == NULL)
			diag_warnx("%s: %s: missing", path, NDX_MANIFEST_NAME);
		return NDX_EX_REJECTED;
	}
	if ((rc = check_schema(p, path, &problems)) != 0) {
		*fatal = 1;
		return rc;
	}
	for (size_t i = 0; i < p->manifest->nfile; i++) {
		const struct ndx_manifest_file *f = &p->manifest->file[i];
		const struct pack_seen *s = find_seen(p, f->name);

		if (s == NULL) {
			diag_warnx("%s: %s: missing", path, f->name);
			problems++;
		} else if (!s->damaged && (s->bytes != f->bytes ||
		    strcmp(s->sha256, f->sha256) != 0)) {
			diag_warnx("%s: %s: checksum differs", path, f->name);
			problems++;
		} else if (!s->damaged && s->rows != f->rows) {
			diag_warnx("%s: %s: %lld rows, but the manifest says "
			    "%lld", path, f->name, s->rows, f->rows);
			problems++;
		}
	}
	for (size_t i = 0; i < p->nseen; i++)
		if (ndx_manifest_find(p->manifest, p->seen[i].name) == NULL) {
			diag_warnx("%s: %s: not in the manifest", path,
			    p->seen[i].name);
			problems++;
		}
	if (p->sums_text != NULL)
		problems += check_sums(p, path);
	else if (p->manifest->version >= 2) {
		diag_warnx("%s: %s: missing", path, NDX_SHA256SUMS_NAME);
		problems++;
	}
	if ((rc = check_signature(p, path)) < 0) {
		*fatal = 1;
		return -rc;
	}
	problems += rc;
	return problems > 0 ? NDX_EX_REJECTED : NDX_EX_OK;
}

/* The verdict, or the code of a failure that stops the run (*fatal 1). */
static int
verify_quiet(struct pack *p, const char *path, int *fatal)
{
	struct archive *a;
	int fd, problems = 0, truncated, rc;

	*fatal = 1;
	if ((rc = reader_open(p, path, &a, &fd)) != 0)
		return rc;
	*fatal = 0;

	/* The zip's structure first: a flood is refused before it is read. */
	if ((archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) ==
	    ARCHIVE_FORMAT_ZIP || zip_magic(fd)) {
		char why[256];
		const char *r = zip_forged(p, fd, why);

		if (r != NULL) {
			diag_warnx("%s: %s%s", path, strstr(r, "refused") ?
			    "" : "damaged archive: ", r);
			reader_close(a, fd);
			return NDX_EX_REJECTED;
		}
	}
	rc = scan(p, path, a, &truncated, &problems);
	reader_close(a, fd);
	if (rc != 0) {
		*fatal = 1;
		return rc;
	}
	if (truncated)
		return NDX_EX_REJECTED;
	return judge(p, path, problems, fatal);
}

/*
 * A .gpg archive is decrypted into an unnamed file, which is what verify
 * and unpack then read (p->open_path); its descriptor goes to *fdp, -1
 * when the archive is not one.  0, or the exit code, told.
 */
static int
decrypt_archive(struct pack *p, const char *path, int *fdp)
{
	static char proc[64];
	struct ndx_error err;
	int in, fd;

	*fdp = -1;
	if (p->open_path != NULL || !pack_has_suffix(path, ".gpg"))
		return 0;
	if ((in = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		diag_warn("%s", path);
		return NDX_EX_NOINPUT;
	}
	if ((fd = pack_tmpfile("the decrypted archive")) < 0) {
		close(in);
		return NDX_EX_CANTCREAT;
	}
	if (ndx_openpgp_decrypt(in, fd, &err) != 0) {
		close(in);
		close(fd);
		if (err.code == NDX_EX_REJECTED)
			diag_warnx("%s: %s", path, err.msg);
		else
			(void)diag_error(&err);
		return err.code;
	}
	close(in);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	p->open_path = proc;
	*fdp = fd;
	return 0;
}

/*
 * An unpacked directory: its files judged as an archive's entries are
 * (the same MANIFEST, SHA256SUMS and signature checks), so what a
 * recipient unpacked can be checked again, and combined, later.  Only
 * plain files may be there.
 */
static int
verify_dir(struct pack *p, const char *path, int *fatal)
{
	DIR *d;
	struct dirent *de;
	int problems = 0, dfd;

	*fatal = 1;
	if ((d = opendir(path)) == NULL) {
		diag_warn("%s", path);
		return NDX_EX_NOINPUT;
	}
	*fatal = 0;
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name, *why;
		struct pack_seen *se;
		struct stat st;
		char **text;
		size_t *tlen;
		FILE *fp;
		int fd;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			diag_warn("%s/%s", path, name);
			problems++;
			continue;
		}
		if ((why = ndx_entry_refusal(name, st.st_mode & S_IFMT,
		    0)) != NULL) {
			diag_warnx("%s: %s: refused: %s", path, name, why);
			problems++;
			continue;
		}
		if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC)) < 0 || (fp = fdopen(fd, "r")) == NULL) {
			diag_warn("%s/%s", path, name);
			if (fd >= 0)
				close(fd);
			problems++;
			continue;
		}
		if ((text = special(p, name, &tlen)) != NULL) {
			*text = xmalloc(NDX_MANIFEST_MAX + 1);
			*tlen = fread(*text, 1, NDX_MANIFEST_MAX + 1, fp);
			if (ferror(fp) || *tlen > NDX_MANIFEST_MAX) {
				diag_warnx("%s: %s: unreadable or too large",
				    path, name);
				problems++;
			}
			fclose(fp);
			continue;
		}
		p->seen = xreallocarray(p->seen, p->nseen + 1,
		    sizeof(*p->seen));
		se = &p->seen[p->nseen++];
		memset(se, 0, sizeof(*se));
		se->name = xstrdup(name);
		se->rows = -1;
		if (ndx_sha256_stream(fp, &se->bytes, se->sha256) != 0) {
			diag_warn("%s/%s", path, name);
			se->damaged = 1;
			problems++;
		} else if (pack_has_suffix(name, ".csv")) {
			struct ndx_error err;

			rewind(fp);
			if ((se->rows = pack_csv_rows(fp, name, &err)) < 0)
				se->rows = -2;
		}
		fclose(fp);
	}
	closedir(d);
	parse_manifest(p, path, &problems);
	return judge(p, path, problems, fatal);
}

int
pack_verify(struct pack *p, const char *path, int *fatal)
{
	struct stat st;
	int rc, stop = 1;

	if (p->mode != MODE_PACK && stat(path, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		rc = verify_dir(p, path, &stop);
	else if (p->mode == MODE_PACK ||
	    (rc = decrypt_archive(p, path, &p->gpg_fd)) == 0)
		rc = verify_quiet(p, path, &stop);
	if (rc == NDX_EX_OK && p->mode == MODE_VERIFY)
		summary(p, path);
	if (fatal != NULL)
		*fatal = stop;
	return rc;
}

void
pack_verify_free(struct pack *p)
{
	for (size_t i = 0; i < p->nseen; i++)
		free(p->seen[i].name);
	free(p->seen);
	ndx_manifest_free(p->manifest);
	free(p->manifest_text);
	free(p->sums_text);
	free(p->sig_text);
}

/*
 * Makes dir if needed (0700 whatever the umask); refuses to replace any
 * file unless --force.  A descriptor of dir goes to *dirfd, and *made
 * says whether it made it.  0, or the exit code (73), told; a directory
 * made is left, as when the run stops later in its checks.
 */
static int
prepare_dir(struct pack *p, const char *dir, int *made, int *dirfd)
{
	struct stat st;
	int fd;

	*made = 1;
	if (mkdir(dir, 0700) != 0) {
		if (errno != EEXIST) {
			diag_warn("%s", dir);
			return NDX_EX_CANTCREAT;
		}
		*made = 0;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		diag_warn("%s", dir);
		return NDX_EX_CANTCREAT;
	}
	if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
		diag_warnx("%s: not a directory", dir);
		goto fail;
	}
	/* Health records: the directory made for them is its owner's. */
	if (*made && fchmod(fd, 0700) != 0) {
		diag_warn("%s", dir);
		goto fail;
	}
	for (size_t i = 0; !p->force && i < p->manifest->nfile + 3; i++) {
		const char *const extra[] = { NDX_MANIFEST_NAME,
		    NDX_SHA256SUMS_NAME, NDX_SIGNATURE_NAME };
		const char *name = i < p->manifest->nfile ?
		    p->manifest->file[i].name : extra[i - p->manifest->nfile];

		if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			diag_warnx("%s/%s: exists; --force replaces it", dir,
			    name);
			goto fail;
		}
	}
	*dirfd = fd;
	return 0;
fail:
	close(fd);
	return NDX_EX_CANTCREAT;
}

/* One entry written: its name, and the temporary and backup names. */
struct unpacked {
	char *name;
	char tmp[32];			/* ".ndx-unpack-" 16 hex */
	char old[32];			/* what it replaced, moved aside */
	int placed, replaced;
};

static void
temp_name(char out[32])
{
	unsigned char r[8];
	char hex[17];

	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
	snprintf(out, 32, ".ndx-unpack-%s", hex);
}

/*
 * Writes the current entry to a new temporary name in dirfd (O_EXCL and
 * O_NOFOLLOW: never through a link already there; mode 0600 whatever the
 * umask), checking it against the manifest.  Returns an exit code.
 */
static int
unpack_entry(struct pack *p, struct archive *a, const char *archive,
    const char *dir, int dirfd, struct unpacked *u)
{
	const struct ndx_manifest_file *f = NULL;
	unsigned long long bytes;
	char hex[NDX_SHA256_HEX + 1], want[NDX_SHA256_HEX + 1];
	const char *name = u->name;
	char **text;
	size_t *tlen;
	FILE *fp;
	int fd, wfail = 0, rc;

	/* MANIFEST, SHA256SUMS, MANIFEST.sig: the bytes verify saw. */
	if ((text = special(p, name, &tlen)) != NULL) {
		unsigned char md[crypto_hash_sha256_BYTES];

		if (*text == NULL) {
			diag_warnx("%s: %s: appeared since verify", archive,
			    name);
			return NDX_EX_REJECTED;
		}
		crypto_hash_sha256(md, (unsigned char *)*text, *tlen);
		pack_hex(md, want);
	} else if ((f = ndx_manifest_find(p->manifest, name)) == NULL) {
		diag_warnx("%s: %s: not in the manifest", archive, name);
		return NDX_EX_REJECTED;
	}
	temp_name(u->tmp);
	if ((fd = openat(dirfd, u->tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		diag_warn("%s/%s", dir, name);
		u->tmp[0] = '\0';
		return NDX_EX_CANTCREAT;
	}
	/* Episode-level health data: readable by its owner only. */
	if (fchmod(fd, 0600) != 0 || (fp = fdopen(fd, "w")) == NULL) {
		diag_warn("%s/%s", dir, name);
		close(fd);
		return NDX_EX_CANTCREAT;
	}
	rc = 0;
	if (hash_entry(p, a, fp, &bytes, hex, &wfail) != 0) {
		if (wfail)
			diag_warn("%s/%s", dir, name);
		else
			diag_warnx("%s: %s: wrong passphrase or damaged "
			    "archive", archive, name);
		rc = wfail ? NDX_EX_IOERR : NDX_EX_REJECTED;
	} else if (text != NULL ? strcmp(hex, want) != 0 || bytes != *tlen :
	    bytes != f->bytes || strcmp(hex, f->sha256) != 0) {
		diag_warnx("%s: %s: checksum differs", archive, name);
		rc = NDX_EX_REJECTED;
	}
	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
		if (rc == 0)
			diag_warn("%s/%s", dir, name);
		rc = rc ? rc : NDX_EX_IOERR;
	}
	if (fclose(fp) != 0 && rc == 0) {
		diag_warn("%s/%s", dir, name);
		rc = NDX_EX_IOERR;
	}
	return rc;
}

/*
 * Puts every written entry in place: what each replaces is first moved
 * aside, so that a failure puts it all back.  An exit code.
 */
static int
unpack_place(const char *dir, int dirfd, struct unpacked *u, size_t n)
{
	struct stat st;
	size_t i;

	for (i = 0; i < n; i++) {
		if (fstatat(dirfd, u[i].name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			temp_name(u[i].old);
			if (renameat(dirfd, u[i].name, dirfd, u[i].old) != 0)
				goto fail;
			u[i].replaced = 1;
		}
		if (renameat(dirfd, u[i].tmp, dirfd, u[i].name) != 0)
			goto fail;
		u[i].placed = 1;
	}
	for (i = 0; i < n; i++)
		if (u[i].replaced)
			(void)unlinkat(dirfd, u[i].old, 0);
	(void)fsync(dirfd);
	return 0;
fail:
	diag_warn("%s/%s", dir, u[i].name);
	return NDX_EX_CANTCREAT;
}

/*
 * Undoes a failed unpack: removes what it wrote, puts back what it moved
 * aside, and removes dir when it made it.
 */
static void
unpack_undo(const char *dir, int dirfd, struct unpacked *u, size_t n,
    int made)
{
	for (size_t i = 0; i < n; i++) {
		if (u[i].placed)
			(void)unlinkat(dirfd, u[i].name, 0);
		else if (u[i].tmp[0] != '\0')
			(void)unlinkat(dirfd, u[i].tmp, 0);
		if (u[i].replaced)
			(void)renameat(dirfd, u[i].old, dirfd, u[i].name);
	}
	if (made)
		(void)rmdir(dir);
}

int
pack_unpack(struct pack *p, const char *archive, const char *dir)
{
	struct archive *a;
	struct archive_entry *e;
	struct unpacked *u = NULL;
	size_t n = 0;
	int fd, dirfd, rc, r, made;

	struct stat st;

	if (stat(archive, &st) == 0 && S_ISDIR(st.st_mode)) {
		diag_warnx("%s: a directory, not an archive: unpack takes an "
		    "archive (verify checks a directory)", archive);
		return NDX_EX_USAGE;
	}
	if ((rc = pack_verify(p, archive, NULL)) != NDX_EX_OK ||
	    (rc = prepare_dir(p, dir, &made, &dirfd)) != 0)
		return rc;
	p->expanded = 0;
	if ((rc = reader_open(p, archive, &a, &fd)) != 0) {
		close(dirfd);
		return rc;
	}
	while ((r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		const char *name = archive_entry_pathname(e);

		if (r < ARCHIVE_WARN) {
			diag_warnx("%s: damaged archive: %s", archive,
			    reason(a));
			rc = NDX_EX_REJECTED;
			break;
		}
		/* Verified, but the archive may have changed since. */
		if (ndx_entry_refusal(name, archive_entry_filetype(e),
		    archive_entry_hardlink(e) != NULL) != NULL ||
		    n >= PACK_MAX_ENTRIES) {
			diag_warnx("%s: %s: refused", archive, name);
			rc = NDX_EX_REJECTED;
			break;
		}
		for (size_t i = 0; i < n; i++)
			if (strcmp(u[i].name, name) == 0) {
				diag_warnx("%s: %s: appears twice", archive,
				    name);
				rc = NDX_EX_REJECTED;
			}
		if (rc != 0)
			break;
		u = xreallocarray(u, n + 1, sizeof(*u));
		memset(&u[n], 0, sizeof(*u));
		u[n].name = xstrdup(name);
		rc = unpack_entry(p, a, archive, dir, dirfd, &u[n++]);
		if (rc != 0)
			break;
	}
	reader_close(a, fd);
	if (rc == 0)
		rc = unpack_place(dir, dirfd, u, n);
	if (rc != 0)
		unpack_undo(dir, dirfd, u, n, made);
	close(dirfd);
	for (size_t i = 0; i < n; i++)
		free(u[i].name);
	free(u);
	return rc;
}
