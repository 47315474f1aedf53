/*
 * ndx-pack: bundles files with a MANIFEST of their checksums into a zip or
 * tar.gz, optionally encrypted (AES-256 zip); on receipt, verifies and
 * unpacks one (verify.c).
 *
 * Unencrypted archives are reproducible: the same files give the same
 * bytes, because entries are sorted, MANIFEST comes first, and times,
 * owners and modes are fixed (pax restricted tar, gzip without a time
 * or name).  Encrypted ones are not: AES zip draws a random salt.  Each
 * file is hashed, then hashed again as it is written, so a file that
 * changes in between fails the run rather than the receiver's verify.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>

#include "ndx/csvrec.h"
#include "ndx/datadir.h"
#include "ndx/diag.h"
#include "ndx/manifest.h"
#include "ndx/ndx.h"
#include "ndx/outfile.h"
#include "ndx/secret.h"
#include "pack.h"
#include "pack_main.h"

#define PASSPHRASE_MAX 1024

enum {
	OPT_ENCRYPT = 256, OPT_FORCE, OPT_PASSPHRASE_FILE, OPT_PERIOD,
	OPT_VERSION
};

static const char usage_text[] =
    "usage: ndx-pack -o OUT.zip|OUT.tar.gz [--encrypt] "
    "[--passphrase-file F]\n"
    "                [--period LABEL] FILE ...\n"
    "       ndx-pack verify [--passphrase-file F] ARCHIVE\n"
    "       ndx-pack unpack [--force] [--passphrase-file F] ARCHIVE DIR\n";

static _Noreturn void
usage(void)
{
	fputs(usage_text, stderr);
	exit(NDX_EX_USAGE);
}

static _Noreturn void
fatal(const struct ndx_error *err)
{
	exit(diag_error(err));
}

void
pack_hex(const unsigned char *md, char out[NDX_SHA256_HEX + 1])
{
	sodium_bin2hex(out, NDX_SHA256_HEX + 1, md,
	    crypto_hash_sha256_BYTES);
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcasecmp(s + n - m, suffix) == 0;
}

/*
 * getopt_long() takes any unambiguous prefix, so "--passphrase SECRET"
 * would read SECRET as a file name and show it in a message.  Only the
 * option in full is accepted, and nothing after it is ever shown.
 */
static void
refuse_abbreviation(int argc, char **argv)
{
	static const char full[] = "--passphrase-file";

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		size_t n = strcspn(argv[i], "=");

		if (n >= 4 && n < sizeof(full) - 1 &&
		    strncmp(argv[i], full, n) == 0)
			diag_errx(NDX_EX_USAGE, "give --passphrase-file in "
			    "full; a passphrase is never an argument");
	}
}

static void
parse_options(struct pack *p, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "encrypt", no_argument, NULL, OPT_ENCRYPT },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "passphrase-file", required_argument, NULL,
		    OPT_PASSPHRASE_FILE },
		{ "period", required_argument, NULL, OPT_PERIOD },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	int ch, want;

	if (argc > 1 && strcmp(argv[1], "verify") == 0)
		p->mode = MODE_VERIFY;
	else if (argc > 1 && strcmp(argv[1], "unpack") == 0)
		p->mode = MODE_UNPACK;
	if (p->mode != MODE_PACK) {
		argc--;
		argv++;
	}
	refuse_abbreviation(argc, argv);
	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			fputs(usage_text, stdout);
			exit(NDX_EX_OK);
		case 'o':
			p->out_path = optarg;
			break;
		case OPT_ENCRYPT:
			p->encrypt = 1;
			break;
		case OPT_FORCE:
			p->force = 1;
			break;
		case OPT_PASSPHRASE_FILE:
			p->pass_path = optarg;
			break;
		case OPT_PERIOD:
			p->period = optarg;
			break;
		case OPT_VERSION:
			printf("ndx-pack %s\n", NDX_VERSION);
			exit(NDX_EX_OK);
		default:
			usage();
		}
	}
	p->operands = argv + optind;
	p->noperands = argc - optind;
	switch (p->mode) {
	case MODE_PACK:
		if (p->out_path == NULL || p->noperands < 1 || p->force)
			usage();
		if (!has_suffix(p->out_path, ".zip") &&
		    !has_suffix(p->out_path, ".tar.gz") &&
		    !has_suffix(p->out_path, ".tgz"))
			diag_errx(NDX_EX_USAGE, "%s: the archive's name must "
			    "end in .zip or .tar.gz", p->out_path);
		if (p->encrypt && !has_suffix(p->out_path, ".zip"))
			diag_errx(NDX_EX_USAGE, "--encrypt needs a .zip "
			    "archive");
		/* The manifest's reader takes a word of at most 64. */
		if (p->period != NULL && (!ndx_entry_name_safe(p->period) ||
		    strlen(p->period) > 64 || strchr(p->period, ' ') != NULL))
			diag_errx(NDX_EX_USAGE, "--period %s: not a label",
			    p->period);
		return;
	case MODE_VERIFY:
	case MODE_UNPACK:
		want = p->mode == MODE_VERIFY ? 1 : 2;
		if (p->noperands != want || p->out_path != NULL ||
		    p->encrypt || p->period != NULL ||
		    (p->mode == MODE_VERIFY && p->force))
			usage();
		return;
	}
}

/*
 * The passphrase, from --passphrase-file (its first line; the file held
 * to the 077 rule) or NDX_PASSPHRASE, into locked memory.  Returns 0, or
 * exits.  None at all is fine unless required.
 */
static void
load_passphrase(struct pack *p, int required)
{
	struct ndx_error err;
	struct ndx_secret *s = NULL;
	const char *src;
	size_t len;

	if (p->pass_path != NULL) {
		if (ndx_secret_nodump(&err) != 0)
			fatal(&err);
		if ((s = ndx_secret_read(p->pass_path, "passphrase",
		    PASSPHRASE_MAX, &err)) == NULL)
			fatal(&err);
		src = (const char *)ndx_secret_bytes(s, &len);
	} else if ((src = getenv("NDX_PASSPHRASE")) != NULL) {
		len = strlen(src);
	} else {
		if (required)
			diag_errx(NDX_EX_USAGE, "a passphrase is needed: give "
			    "--passphrase-file or set NDX_PASSPHRASE");
		return;
	}
	len = strcspn(src, "\n") < len ? strcspn(src, "\n") : len;
	if (len > 0 && src[len - 1] == '\r')
		len--;
	if (len == 0 || memchr(src, '\0', len) != NULL) {
		ndx_secret_free(s);
		diag_errx(NDX_EX_USAGE, "%s: the passphrase is empty or holds "
		    "a NUL byte", p->pass_path ? p->pass_path :
		    "NDX_PASSPHRASE");
	}
	if ((p->passphrase = sodium_malloc(len + 1)) == NULL)
		diag_errx(NDX_EX_OSERR, "out of memory for the passphrase");
	memcpy(p->passphrase, src, len);
	p->passphrase[len] = '\0';
	ndx_secret_free(s);
}

/* Hashes fp from the start; its size in *bytes. */
static int
hash_stream(FILE *fp, unsigned long long *bytes, char hex[NDX_SHA256_HEX + 1])
{
	crypto_hash_sha256_state st;
	unsigned char md[crypto_hash_sha256_BYTES];
	static char buf[PACK_BUFSIZE];
	size_t n;

	*bytes = 0;
	crypto_hash_sha256_init(&st);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		crypto_hash_sha256_update(&st, (unsigned char *)buf, n);
		*bytes += n;
	}
	if (ferror(fp))
		return -1;
	crypto_hash_sha256_final(&st, md);
	pack_hex(md, hex);
	return 0;
}

/* Data rows of a CSV file (records after the header), via csvrec so that
 * quoted newlines count as the one row they are. */
static long long
csv_rows(FILE *fp, const char *path)
{
	struct csvrec_reader *r = csvrec_open(fp, path);
	const struct csvrec *rec;
	struct ndx_error err;
	long long n = 0;
	int rc;

	while ((rc = csvrec_next(r, &rec, &err)) == 1)
		n++;
	csvrec_close(r);
	if (rc < 0)
		fatal(&err);
	return n > 0 ? n - 1 : 0;
}

static int
item_order(const void *x, const void *y)
{
	const struct pack_item *a = x, *b = y;

	return strcmp(a->name, b->name);
}

static void
read_inputs(struct pack *p)
{
	struct stat st;

	p->item = xcalloc((size_t)p->noperands, sizeof(*p->item));
	for (int i = 0; i < p->noperands; i++) {
		struct pack_item *it = &p->item[p->nitem++];
		const char *slash;

		it->path = p->operands[i];
		slash = strrchr(it->path, '/');
		it->name = slash ? slash + 1 : it->path;
		if (!ndx_entry_name_safe(it->name) ||
		    strcmp(it->name, NDX_MANIFEST_NAME) == 0)
			diag_errx(NDX_EX_USAGE, "%s: cannot be packed under "
			    "this name", it->path);
		if ((it->fp = fopen(it->path, "rb")) == NULL)
			diag_err(NDX_EX_NOINPUT, "%s", it->path);
		if (fstat(fileno(it->fp), &st) != 0 || !S_ISREG(st.st_mode))
			diag_errx(NDX_EX_NOINPUT, "%s: not a regular file",
			    it->path);
		if (hash_stream(it->fp, &it->mf.bytes, it->mf.sha256) != 0)
			diag_err(NDX_EX_IOERR, "%s", it->path);
		it->mf.rows = -1;
		if (has_suffix(it->name, ".csv")) {
			rewind(it->fp);
			it->mf.rows = csv_rows(it->fp, it->path);
		}
	}
	qsort(p->item, p->nitem, sizeof(*p->item), item_order);
	for (size_t i = 1; i < p->nitem; i++)
		if (strcmp(p->item[i - 1].name, p->item[i].name) == 0)
			diag_errx(NDX_EX_USAGE, "%s and %s: two files named %s",
			    p->item[i - 1].path, p->item[i].path,
			    p->item[i].name);
}

/* The MANIFEST's text, malloc()ed. */
static char *
make_manifest(struct pack *p, size_t *len)
{
	char *xsd, *text = NULL;
	char xsd_hex[NDX_SHA256_HEX + 1];
	unsigned long long xsd_bytes;
	FILE *fp, *mf;

	if ((xsd = ndx_datafile("episodes.xsd")) == NULL)
		diag_errx(NDX_EX_CONFIG, "episodes.xsd not found (set "
		    "NDX_DATADIR)");
	if ((fp = fopen(xsd, "rb")) == NULL)
		diag_err(NDX_EX_CONFIG, "%s", xsd);
	if (hash_stream(fp, &xsd_bytes, xsd_hex) != 0)
		diag_err(NDX_EX_IOERR, "%s", xsd);
	fclose(fp);
	free(xsd);

	if ((mf = open_memstream(&text, len)) == NULL)
		diag_err(NDX_EX_OSERR, "manifest");
	fprintf(mf, "ndx-manifest 1\nndx-version %s\ndataset-version %s\n"
	    "period %s\nxsd-sha256 %s\n", NDX_VERSION, NDX_DATASET_VERSION,
	    p->period ? p->period : "-", xsd_hex);
	for (size_t i = 0; i < p->nitem; i++) {
		const struct pack_item *it = &p->item[i];

		fprintf(mf, "file %s %llu ", it->mf.sha256, it->mf.bytes);
		if (it->mf.rows < 0)
			fputs("-", mf);
		else
			fprintf(mf, "%lld", it->mf.rows);
		fprintf(mf, " %s\n", it->name);
	}
	if (fclose(mf) != 0)
		diag_err(NDX_EX_OSERR, "manifest");
	return text;
}

static la_ssize_t
write_cb(struct archive *a, void *client, const void *buf, size_t n)
{
	FILE *fp = client;

	/*
	 * A failed write is left in ferror() for ndx_outfile_commit() to
	 * report (74): failing here would stop libarchive's zip writer in
	 * mid-entry, which then leaks its deflate stream.
	 */
	(void)a;
	if (!ferror(fp))
		(void)fwrite(buf, 1, n, fp);
	return (la_ssize_t)n;
}

static struct archive_entry *
new_entry(const char *name, unsigned long long size)
{
	struct archive_entry *e = archive_entry_new();

	if (e == NULL)
		diag_errx(NDX_EX_OSERR, "out of memory");
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_mtime(e, PACK_MTIME, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	return e;
}

/* 0, or -1 with the archive's error set. */
static int
write_item(struct archive *a, struct pack_item *it, int *changed)
{
	crypto_hash_sha256_state st;
	unsigned char md[crypto_hash_sha256_BYTES];
	char hex[NDX_SHA256_HEX + 1];
	static char buf[PACK_BUFSIZE];
	struct archive_entry *e = new_entry(it->name, it->mf.bytes);
	unsigned long long total = 0;
	size_t n;
	int rc = -1;

	if (archive_write_header(a, e) != ARCHIVE_OK)
		goto out;
	rewind(it->fp);
	crypto_hash_sha256_init(&st);
	/* Never more than the header announced, whatever the file does. */
	while (total < it->mf.bytes && (n = fread(buf, 1,
	    it->mf.bytes - total < sizeof(buf) ?
	    (size_t)(it->mf.bytes - total) : sizeof(buf), it->fp)) > 0) {
		crypto_hash_sha256_update(&st, (unsigned char *)buf, n);
		if (archive_write_data(a, buf, n) != (la_ssize_t)n)
			goto out;
		total += n;
	}
	if (ferror(it->fp))
		diag_err(NDX_EX_IOERR, "%s", it->path);
	crypto_hash_sha256_final(&st, md);
	pack_hex(md, hex);
	*changed = total != it->mf.bytes || fgetc(it->fp) != EOF ||
	    strcmp(hex, it->mf.sha256) != 0;
	rc = 0;
out:
	archive_entry_free(e);
	return rc;
}

static struct archive *
writer_new(struct pack *p)
{
	struct archive *a = archive_write_new();

	if (a == NULL)
		diag_errx(NDX_EX_OSERR, "out of memory");
	/* No padding to tape blocks after the end: gzip would call it
	 * trailing garbage. */
	if (archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK)
		goto fail;
	/*
	 * Deflate level 1: on the products' CSV it is four times as fast
	 * as the default 6 for an archive about a third larger (136 MiB of
	 * a 1M-row quarter: 21 MiB in 2.6 s against 15 MiB in 12 s), and
	 * packing was the longest stage of a run.
	 */
	if (has_suffix(p->out_path, ".zip")) {
		if (archive_write_set_format_zip(a) != ARCHIVE_OK ||
		    archive_write_set_format_option(a, "zip",
		    "compression-level", "1") != ARCHIVE_OK)
			goto fail;
		if (p->encrypt &&
		    (archive_write_set_options(a, "zip:encryption=aes256") !=
		    ARCHIVE_OK ||
		    archive_write_set_passphrase(a, p->passphrase) !=
		    ARCHIVE_OK))
			goto fail;
	} else if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    /* No time in the gzip header: same bytes on every run. */
	    archive_write_set_filter_option(a, "gzip", "timestamp", NULL) !=
	    ARCHIVE_OK ||
	    archive_write_set_filter_option(a, "gzip", "compression-level",
	    "1") != ARCHIVE_OK)
		goto fail;
	return a;
fail:
	diag_errx(NDX_EX_SOFTWARE, "libarchive: %s", archive_error_string(a));
}

static int
write_archive(struct pack *p)
{
	struct ndx_outfile *out = NULL;
	struct archive *a = NULL;
	struct archive_entry *e = NULL;
	struct ndx_error err;
	char *manifest = NULL;
	size_t mlen;
	int rc = NDX_EX_IOERR, changed = 0;

	manifest = make_manifest(p, &mlen);
	if ((out = ndx_outfile_open(p->out_path, &err)) == NULL)
		fatal(&err);
	a = writer_new(p);
	if (archive_write_open(a, ndx_outfile_fp(out), NULL, write_cb,
	    NULL) != ARCHIVE_OK)
		goto failed;
	e = new_entry(NDX_MANIFEST_NAME, mlen);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    archive_write_data(a, manifest, mlen) != (la_ssize_t)mlen)
		goto failed;
	for (size_t i = 0; i < p->nitem; i++) {
		if (write_item(a, &p->item[i], &changed) != 0)
			goto failed;
		if (changed) {
			diag_warnx("%s: changed while being packed",
			    p->item[i].path);
			goto out;
		}
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		goto failed;
	if (ndx_outfile_commit(out, &err) != 0) {
		out = NULL;
		rc = diag_error(&err);
		goto out;
	}
	out = NULL;
	rc = NDX_EX_OK;
	goto out;
failed:
	diag_warnx("%s: %s", p->out_path, archive_error_string(a) ?
	    archive_error_string(a) : "write error");
out:
	archive_entry_free(e);
	if (a != NULL)
		archive_write_free(a);
	ndx_outfile_abort(out);
	free(manifest);
	return rc;
}

int
pack_main(int argc, char **argv)
{
	struct pack p;
	int rc;

	memset(&p, 0, sizeof(p));
	diag_setprogname("ndx-pack");
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0)
		diag_errx(NDX_EX_SOFTWARE, "libsodium cannot start");
	parse_options(&p, argc, argv);

	switch (p.mode) {
	case MODE_PACK:
		if (p.encrypt)
			load_passphrase(&p, 1);
		else if (p.pass_path != NULL)
			diag_errx(NDX_EX_USAGE, "--passphrase-file needs "
			    "--encrypt");
		read_inputs(&p);
		rc = write_archive(&p);
		break;
	case MODE_VERIFY:
		load_passphrase(&p, 0);
		rc = pack_verify(&p, p.operands[0]);
		break;
	default:
		load_passphrase(&p, 0);
		rc = pack_unpack(&p, p.operands[0], p.operands[1]);
		break;
	}

	for (size_t i = 0; i < p.nitem; i++)
		fclose(p.item[i].fp);
	free(p.item);
	pack_verify_free(&p);
	sodium_free(p.passphrase);
	return rc;
}
