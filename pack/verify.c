/*
 * ndx-pack verify and unpack.  verify reads the whole archive once,
 * hashing each entry as it streams by, then compares what it saw with the
 * MANIFEST, one line on standard error per difference.  unpack verifies
 * first and writes nothing unless that passes; then it reads the archive
 * again, checking each entry once more against the manifest as it is
 * written, in case the archive changed in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>

#include "ndx/diag.h"
#include "ndx/manifest.h"
#include "ndx/ndx.h"
#include "ndx/outfile.h"
#include "pack.h"

/* libarchive's reason, which it does not always give. */
static const char *
reason(struct archive *a)
{
	const char *s = archive_error_string(a);

	return s != NULL ? s : "cut short";
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

/* Opens path for reading, or exits 66 (missing), 1 or 65 (unreadable). */
static struct archive *
reader_open(struct pack *p, const char *path, int *fdp)
{
	struct archive *a;
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		diag_err(NDX_EX_NOINPUT, "%s", path);
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		close(fd);
		diag_errx(NDX_EX_NOINPUT, "%s: not a file", path);
	}
	if ((a = archive_read_new()) == NULL)
		diag_errx(NDX_EX_OSERR, "out of memory");
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_zip(a);
	if (p->passphrase != NULL &&
	    archive_read_add_passphrase(a, p->passphrase) != ARCHIVE_OK)
		diag_errx(NDX_EX_OSERR, "out of memory");
	if (archive_read_open_fd(a, fd, PACK_BUFSIZE) != ARCHIVE_OK) {
		int rc = unreadable(a, fd, path);

		archive_read_free(a);
		close(fd);
		exit(rc);
	}
	*fdp = fd;
	return a;
}

/* archive_read_open_fd() leaves the descriptor to its caller. */
static void
reader_close(struct archive *a, int fd)
{
	archive_read_free(a);
	close(fd);
}

/*
 * Streams the current entry's data into the hash and, when out is not
 * NULL, into out.  0, or -1 when the data cannot be read (a wrong
 * passphrase, damage) or written (errno set, *write_failed).
 */
static int
hash_entry(struct archive *a, FILE *out, unsigned long long *bytes,
    char hex[NDX_SHA256_HEX + 1], int *write_failed)
{
	crypto_hash_sha256_state st;
	unsigned char md[crypto_hash_sha256_BYTES];
	static char buf[PACK_BUFSIZE];
	la_ssize_t n;

	*bytes = 0;
	crypto_hash_sha256_init(&st);
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		crypto_hash_sha256_update(&st, (unsigned char *)buf,
		    (size_t)n);
		*bytes += (unsigned long long)n;
		if (out != NULL && fwrite(buf, 1, (size_t)n, out) !=
		    (size_t)n) {
			*write_failed = 1;
			return -1;
		}
	}
	if (n < 0)
		return -1;
	crypto_hash_sha256_final(&st, md);
	pack_hex(md, hex);
	return 0;
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

/* Reads every entry; returns the number of problems reported. */
static int
scan(struct pack *p, const char *path, struct archive *a, int *truncated)
{
	struct archive_entry *e;
	struct ndx_error err;
	int problems = 0, r, w = 0, headers = 0;

	*truncated = 0;
	while ((r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		const char *name, *why;
		struct pack_seen *s;

		if (r < ARCHIVE_WARN) {
			if (headers == 0)
				exit(unreadable(a, -1, path));
			diag_warnx("%s: damaged archive: %s", path,
			    reason(a));
			*truncated = 1;
			return problems + 1;
		}
		headers++;
		name = archive_entry_pathname(e);
		why = ndx_entry_refusal(name, archive_entry_filetype(e),
		    archive_entry_hardlink(e) != NULL);
		if (why != NULL) {
			diag_warnx("%s: %s: refused: %s", path,
			    name ? name : "", why);
			problems++;
			continue;
		}
		if (archive_entry_is_encrypted(e) && p->passphrase == NULL)
			diag_errx(NDX_EX_USAGE, "%s: encrypted: give "
			    "--passphrase-file or set NDX_PASSPHRASE", path);
		if (find_seen(p, name) != NULL ||
		    (p->manifest != NULL &&
		    strcmp(name, NDX_MANIFEST_NAME) == 0)) {
			diag_warnx("%s: %s: appears twice", path, name);
			problems++;
			continue;
		}
		if (strcmp(name, NDX_MANIFEST_NAME) == 0) {
			unsigned char md[crypto_hash_sha256_BYTES];
			char *text;
			size_t len;

			if ((text = read_manifest(a, &len)) == NULL) {
				diag_warnx("%s: %s: wrong passphrase or "
				    "damaged archive", path, name);
				problems++;
				continue;
			}
			crypto_hash_sha256(md, (unsigned char *)text, len);
			pack_hex(md, p->manifest_sha256);
			p->manifest = ndx_manifest_parse(text, len,
			    NDX_MANIFEST_NAME, &err);
			if (p->manifest == NULL) {
				diag_warnx("%s: %s:%ld: %s", path, name,
				    err.line, err.msg);
				problems++;
			}
			free(text);
			continue;
		}
		p->seen = xreallocarray(p->seen, p->nseen + 1,
		    sizeof(*p->seen));
		s = &p->seen[p->nseen++];
		memset(s, 0, sizeof(*s));
		s->name = xstrdup(name);
		if (hash_entry(a, NULL, &s->bytes, s->sha256, &w) != 0) {
			diag_warnx("%s: %s: wrong passphrase or damaged "
			    "archive", path, name);
			s->damaged = 1;
			problems++;
		}
	}
	return problems;
}

/*
 * Whether a zip ends with its end of central directory record, after its
 * comment, and the central directory ends where that record begins.
 * libarchive reads a zip as a stream of entries and stops at the central
 * directory unread, so a zip cut short there (a copy interrupted) would
 * otherwise verify, and other tools (7-Zip, unzip) could not open it.
 */
static int
zip_end_ok(int fd)
{
	enum { EOCD = 22, LOC64 = 20 };
	static unsigned char buf[EOCD + 65535 + LOC64];
	struct stat st;
	off_t start;
	size_t n, i;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 1;	/* not seekable: nothing more to check */
	start = st.st_size > (off_t)sizeof(buf) ?
	    st.st_size - (off_t)sizeof(buf) : 0;
	n = (size_t)(st.st_size - start);
	if (n < EOCD || pread(fd, buf, n, start) != (ssize_t)n)
		return 0;
	for (i = n - EOCD + 1; i-- > 0;) {
		const unsigned char *e = buf + i;
		unsigned long size, off;

		if (memcmp(e, "PK\5\6", 4) != 0 ||
		    i + EOCD + (e[20] | (size_t)e[21] << 8) != n)
			continue;
		size = e[12] | e[13] << 8 | (unsigned long)e[14] << 16 |
		    (unsigned long)e[15] << 24;
		off = e[16] | e[17] << 8 | (unsigned long)e[18] << 16 |
		    (unsigned long)e[19] << 24;
		/* Zip64 keeps the real numbers in a record of its own. */
		if (off == 0xffffffffUL || size == 0xffffffffUL ||
		    (i >= LOC64 && memcmp(e - LOC64, "PK\6\7", 4) == 0))
			return 1;
		return (off_t)(off + size) == start + (off_t)i;
	}
	return 0;
}

int
pack_verify(struct pack *p, const char *path)
{
	int fd, problems, truncated;
	struct archive *a = reader_open(p, path, &fd);

	problems = scan(p, path, a, &truncated);
	if (!truncated && (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) ==
	    ARCHIVE_FORMAT_ZIP && !zip_end_ok(fd)) {
		diag_warnx("%s: damaged archive: its central directory is "
		    "missing or cut short", path);
		problems++;
	}
	reader_close(a, fd);
	if (p->manifest == NULL) {
		/* Said already when it was there but unreadable. */
		if (problems == 0)
			diag_warnx("%s: %s: missing", path, NDX_MANIFEST_NAME);
		return NDX_EX_REJECTED;
	}
	for (size_t i = 0; i < p->manifest->nfile; i++) {
		const struct ndx_manifest_file *f = &p->manifest->file[i];
		const struct pack_seen *s = find_seen(p, f->name);

		if (s == NULL) {
			if (!truncated) {
				diag_warnx("%s: %s: missing", path, f->name);
				problems++;
			}
		} else if (!s->damaged && (s->bytes != f->bytes ||
		    strcmp(s->sha256, f->sha256) != 0)) {
			diag_warnx("%s: %s: checksum differs", path, f->name);
			problems++;
		}
	}
	for (size_t i = 0; i < p->nseen; i++)
		if (ndx_manifest_find(p->manifest, p->seen[i].name) == NULL) {
			diag_warnx("%s: %s: not in the manifest", path,
			    p->seen[i].name);
			problems++;
		}
	return problems > 0 ? NDX_EX_REJECTED : NDX_EX_OK;
}

void
pack_verify_free(struct pack *p)
{
	for (size_t i = 0; i < p->nseen; i++)
		free(p->seen[i].name);
	free(p->seen);
	ndx_manifest_free(p->manifest);
}

/*
 * Makes dir if needed; refuses to replace any file unless --force.
 * Returns whether it made dir.
 */
static int
prepare_dir(struct pack *p, const char *dir)
{
	struct stat st;
	int made = 1;

	if (mkdir(dir, 0700) != 0) {
		if (errno != EEXIST)
			diag_err(NDX_EX_CANTCREAT, "%s", dir);
		made = 0;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		diag_errx(NDX_EX_CANTCREAT, "%s: not a directory", dir);
	if (p->force)
		return made;
	for (size_t i = 0; i <= p->manifest->nfile; i++) {
		const char *name = i < p->manifest->nfile ?
		    p->manifest->file[i].name : NDX_MANIFEST_NAME;
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			diag_err(NDX_EX_CANTCREAT, "%s", dir);
		if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			diag_errx(NDX_EX_CANTCREAT, "%s/%s: exists; --force "
			    "replaces it", dir, name);
		close(fd);
	}
	return made;
}

/*
 * Removes what a failed unpack wrote (the first n entries), and dir when
 * it made it, so a full disk or an archive changed since verify leaves
 * nothing behind.
 */
static void
unpack_undo(const char *dir, char **written, size_t n, int made)
{
	for (size_t i = 0; i < n; i++) {
		char *path = xmalloc(strlen(dir) + strlen(written[i]) + 2);

		sprintf(path, "%s/%s", dir, written[i]);
		(void)unlink(path);
		free(path);
	}
	if (made)
		(void)rmdir(dir);
}

/* Writes one entry as dir/name; returns an exit code. */
static int
unpack_entry(struct pack *p, struct archive *a, const char *archive,
    const char *dir, const char *name)
{
	const struct ndx_manifest_file *f = NULL;
	struct ndx_outfile *out;
	struct ndx_error err;
	unsigned long long bytes;
	char hex[NDX_SHA256_HEX + 1];
	char *path;
	int wfail = 0, rc;

	if (strcmp(name, NDX_MANIFEST_NAME) != 0 &&
	    (f = ndx_manifest_find(p->manifest, name)) == NULL) {
		diag_warnx("%s: %s: not in the manifest", archive, name);
		return NDX_EX_REJECTED;
	}
	path = xmalloc(strlen(dir) + strlen(name) + 2);
	sprintf(path, "%s/%s", dir, name);
	if ((out = ndx_outfile_open(path, &err)) == NULL) {
		free(path);
		return diag_error(&err);
	}
	/* Episode-level health data: readable by its owner only. */
	(void)fchmod(fileno(ndx_outfile_fp(out)), 0600);
	if (hash_entry(a, ndx_outfile_fp(out), &bytes, hex, &wfail) != 0) {
		if (wfail)
			diag_warn("%s", path);
		else
			diag_warnx("%s: %s: wrong passphrase or damaged "
			    "archive", archive, name);
		ndx_outfile_abort(out);
		free(path);
		return wfail ? NDX_EX_IOERR : NDX_EX_REJECTED;
	}
	if (strcmp(name, NDX_MANIFEST_NAME) == 0 ?
	    strcmp(hex, p->manifest_sha256) != 0 :
	    bytes != f->bytes || strcmp(hex, f->sha256) != 0) {
		diag_warnx("%s: %s: checksum differs", archive, name);
		ndx_outfile_abort(out);
		free(path);
		return NDX_EX_REJECTED;
	}
	rc = ndx_outfile_commit(out, &err) != 0 ? diag_error(&err) : 0;
	free(path);
	return rc;
}

int
pack_unpack(struct pack *p, const char *archive, const char *dir)
{
	struct archive *a;
	struct archive_entry *e;
	char **written = NULL;
	size_t nwritten = 0;
	int fd, rc, r, made;

	if ((rc = pack_verify(p, archive)) != NDX_EX_OK)
		return rc;
	made = prepare_dir(p, dir);
	a = reader_open(p, archive, &fd);
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
		    archive_entry_hardlink(e) != NULL) != NULL) {
			diag_warnx("%s: %s: refused", archive, name);
			rc = NDX_EX_REJECTED;
			break;
		}
		if ((rc = unpack_entry(p, a, archive, dir, name)) != 0)
			break;
		written = xreallocarray(written, nwritten + 1,
		    sizeof(*written));
		written[nwritten++] = xstrdup(name);
	}
	reader_close(a, fd);
	if (rc != 0)
		unpack_undo(dir, written, nwritten, made);
	for (size_t i = 0; i < nwritten; i++)
		free(written[i]);
	free(written);
	return rc;
}
