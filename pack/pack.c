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
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>

#include "ndx/csvrec.h"
#include "ndx/datadir.h"
#include "ndx/datapackage.h"
#include "ndx/dataset.h"
#include "ndx/date.h"
#include "ndx/diag.h"
#include "ndx/manifest.h"
#include "ndx/ndx.h"
#include "ndx/outfile.h"
#include "ndx/period.h"
#include "ndx/secret.h"
#include "pack.h"
#include "pack_main.h"

#define PASSPHRASE_MAX 1024

enum {
	OPT_ENCRYPT = 256, OPT_FORCE, OPT_PASSPHRASE_FILE, OPT_PERIOD,
	OPT_VERSION, OPT_AS_OF, OPT_AGENCY, OPT_AREA, OPT_RECIPIENT,
	OPT_DATASET,
	OPT_KEY_ID, OPT_CONSENT, OPT_RISK, OPT_MANIFEST_DIR, OPT_OPENPGP,
	OPT_SIGN, OPT_SIGN_PASS, OPT_SIGNER, OPT_DATAPACKAGE, OPT_DISCLOSURE
};

static const char usage_text[] =
    "usage: ndx-pack -o OUT [--encrypt] [--passphrase-file F] "
    "[--openpgp FPR] ...\n"
    "                [--sign FPR] [--signing-passphrase-file F] "
    "[--period LABEL]\n"
    "                [--as-of YYYY-MM-DD] [--agency LIST] [--area NAME]\n"
    "                [--dataset 1|2]\n"
    "                [--disclosure METHOD] [--recipient NAME] "
    "[--key-id HEX16] "
    "[--consent-excluded N]\n"
    "                [--risk LINE] ... [--manifest-dir DIR] "
    "[--datapackage] FILE ...\n"
    "       ndx-pack verify [--passphrase-file F] [--signer FPR] ... "
    "ARCHIVE\n"
    "       ndx-pack unpack [--force] [--passphrase-file F] "
    "[--signer FPR] ...\n"
    "                ARCHIVE DIR\n";

static const char help_text[] =
    "\nBundles files into one archive with a MANIFEST (SHA-256 of every "
    "file and\nwhat the data is), optionally encrypted; verify checks an "
    "archive, unpack\nverifies then extracts it.\n\n"
    "  -o, --output OUT      the archive: .zip or .tar.gz (then .gpg with "
    "--openpgp)\n"
    "  --encrypt             AES-256 zip encryption with the passphrase\n"
    "  --passphrase-file F   the passphrase (or NDX_PASSPHRASE), never an "
    "argument\n"
    "  --openpgp FPR         encrypt to this OpenPGP key (repeatable)\n"
    "  --sign FPR            sign the MANIFEST with this secret key\n"
    "  --signing-passphrase-file F  the signing key's passphrase\n"
    "  --signer FPR          verify, unpack: the MANIFEST must be signed by "
    "this key\n"
    "                        (repeatable)\n"
    "  --period LABEL        the period (2026-10, 2026Q2), with its dates\n"
    "  --as-of YYYY-MM-DD    the data-cut date\n"
    "  --agency LIST         the data's agency codes, comma-separated\n"
    "  --dataset 1|2         the data's dataset version (default 1)\n"
    "  --area NAME           the police force area\n"
    "  --recipient NAME      who the archive is for\n"
    "  --disclosure METHOD   a PCC return's disclosure control, for the "
    "data dictionary\n"
    "  --key-id HEX16        the pseudonymisation key's id\n"
    "  --consent-excluded N  episodes left out for CONSENT = N\n"
    "  --risk LINE           a disclosure-risk line (repeatable)\n"
    "  --manifest-dir DIR    also write MANIFEST, SHA256SUMS (and the "
    "descriptor) there\n"
    "  --datapackage         pack a data dictionary (datapackage.json) "
    "with the CSVs\n"
    "  --force               unpack: into a directory that exists\n"
    "  -h, --help            print this help\n"
    "  --version             print the version\n\n"
    "Exit status: 0; 1 the archive does not verify (checksum, tampering, "
    "wrong\npassphrase or signature); 64 usage; 65 a file that cannot be "
    "described; 66 no\ninput; 73, 74 output; 77 a passphrase file others "
    "can read. See ndx-pack(1).\n";

static int
usage(void)
{
	fputs(usage_text, stderr);
	return NDX_EX_USAGE;
}

void
pack_hex(const unsigned char *md, char out[NDX_SHA256_HEX + 1])
{
	sodium_bin2hex(out, NDX_SHA256_HEX + 1, md,
	    crypto_hash_sha256_BYTES);
}

int
pack_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcasecmp(s + n - m, suffix) == 0;
}
#define has_suffix pack_has_suffix

/* 1 when s is a comma list of agency codes: a capital and four digits. */
static int
agency_list_ok(const char *s)
{
	for (;;) {
		if (!(s[0] >= 'A' && s[0] <= 'Z'))
			return 0;
		for (int i = 1; i <= 4; i++)
			if (s[i] < '0' || s[i] > '9')
				return 0;
		if (s[5] == '\0')
			return 1;
		if (s[5] != ',')
			return 0;
		s += 6;
	}
}

/* 1 when s is exactly n lower-case hex digits. */
static int
lower_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL)
			return 0;
	return 1;
}

/* A count: decimal digits only, no sign; -1 when not one. */
static long
count_arg(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : v;
}

/*
 * --risk "FILE persons=P k_min=K below_5=B" optionally followed by
 * " min_k=N after_k_min=K2 after_below_5=B2 suppressed=S"
 * (exchange.md section 8), its FILE copied into file.  0, or -1 when not
 * that shape.
 */
static int
parse_risk(const char *s, struct ndx_risk *r, char file[PACK_RISK_FILE])
{
	const char *sp = strchr(s, ' ');
	int n = -1;

	memset(r, 0, sizeof(*r));
	if (sp == NULL || (size_t)(sp - s) >= PACK_RISK_FILE)
		return -1;
	memcpy(file, s, (size_t)(sp - s));
	file[sp - s] = '\0';
	if (!ndx_entry_name_safe(file))
		return -1;
	r->file = file;
	if (sscanf(sp, " persons=%ld k_min=%ld below_5=%ld%n", &r->persons,
	    &r->k_min, &r->below_5, &n) != 3 || n < 0)
		return -1;
	sp += n;
	if (*sp == '\0')
		return r->persons < 0 || r->k_min < 0 || r->below_5 < 0 ? -1 : 0;
	n = -1;
	if (sscanf(sp, " min_k=%ld after_k_min=%ld after_below_5=%ld "
	    "suppressed=%ld%n", &r->min_k, &r->after_k_min,
	    &r->after_below_5, &r->suppressed, &n) != 4 || n < 0 ||
	    sp[n] != '\0' || r->min_k <= 0)
		return -1;
	return 0;
}

/*
 * getopt_long() takes any unambiguous prefix, so "--passphrase SECRET"
 * would read SECRET as a file name and show it in a message.  Only the
 * option in full is accepted, and nothing after it is ever shown.  0, or
 * the exit code, told.
 */
static int
refuse_abbreviation(int argc, char **argv)
{
	static const char full[] = "--passphrase-file";

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		size_t n = strcspn(argv[i], "=");

		if (n >= 4 && n < sizeof(full) - 1 &&
		    strncmp(argv[i], full, n) == 0) {
			diag_warnx("give --passphrase-file in full; a "
			    "passphrase is never an argument");
			return NDX_EX_USAGE;
		}
	}
	return 0;
}

/* Returns -1 to go on, or the exit code (0 for --help and --version). */
static int
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
		{ "as-of", required_argument, NULL, OPT_AS_OF },
		{ "agency", required_argument, NULL, OPT_AGENCY },
		{ "dataset", required_argument, NULL, OPT_DATASET },
		{ "area", required_argument, NULL, OPT_AREA },
		{ "disclosure", required_argument, NULL, OPT_DISCLOSURE },
		{ "recipient", required_argument, NULL, OPT_RECIPIENT },
		{ "key-id", required_argument, NULL, OPT_KEY_ID },
		{ "consent-excluded", required_argument, NULL, OPT_CONSENT },
		{ "datapackage", no_argument, NULL, OPT_DATAPACKAGE },
		{ "risk", required_argument, NULL, OPT_RISK },
		{ "manifest-dir", required_argument, NULL, OPT_MANIFEST_DIR },
		{ "openpgp", required_argument, NULL, OPT_OPENPGP },
		{ "sign", required_argument, NULL, OPT_SIGN },
		{ "signing-passphrase-file", required_argument, NULL,
		    OPT_SIGN_PASS },
		{ "signer", required_argument, NULL, OPT_SIGNER },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct ndx_provenance *v = &p->prov;
	int ch, rc, want, provenance = 0;
	ndx_day day;

	p->dataset = "1";
	if (argc > 1 && strcmp(argv[1], "verify") == 0)
		p->mode = MODE_VERIFY;
	else if (argc > 1 && strcmp(argv[1], "unpack") == 0)
		p->mode = MODE_UNPACK;
	if (p->mode != MODE_PACK) {
		argc--;
		argv++;
	}
	if ((rc = refuse_abbreviation(argc, argv)) != 0)
		return rc;
	optind = 0;	/* glibc: start afresh when run in-process again */
	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			return NDX_EX_OK;
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
		case OPT_AS_OF:
			if (ndx_date_parse_iso(optarg, &day) != NDX_DATE_OK) {
				diag_warnx("--as-of %s: not a YYYY-MM-DD date",
				    optarg);
				return NDX_EX_USAGE;
			}
			v->as_of = optarg;
			provenance = 1;
			break;
		case OPT_DATASET:
			if (strcmp(optarg, "1") != 0 &&
			    strcmp(optarg, "2") != 0) {
				diag_warnx("--dataset %s: 1 or 2", optarg);
				return NDX_EX_USAGE;
			}
			p->dataset = optarg;
			break;
		case OPT_AGENCY:
			if (!agency_list_ok(optarg)) {
				diag_warnx("--agency %s: not a comma list of "
				    "agency codes (N0852)", optarg);
				return NDX_EX_USAGE;
			}
			v->agency = optarg;
			provenance = 1;
			break;
		case OPT_DISCLOSURE:
			if (strcmp(optarg, "suppress") != 0 &&
			    strcmp(optarg, "round5") != 0 &&
			    strcmp(optarg, "nhs") != 0 &&
			    strcmp(optarg, "none") != 0) {
				diag_warnx("--disclosure %s: not one of "
				    "suppress, round5, nhs, none", optarg);
				return NDX_EX_USAGE;
			}
			v->disclosure = optarg;
			provenance = 1;
			break;
		case OPT_AREA:
		case OPT_RECIPIENT:
			for (const char *c = optarg; *c; c++)
				if ((unsigned char)*c < 0x20 ||
				    (unsigned char)*c >= 0x7f) {
					diag_warnx("--%s: not printable text",
					    ch == OPT_AREA ? "area" :
					    "recipient");
					return NDX_EX_USAGE;
				}
			if (*optarg == '\0' || strlen(optarg) > 128 ||
			    optarg[0] == ' ' ||
			    optarg[strlen(optarg) - 1] == ' ') {
				diag_warnx("--%s: empty, too long or padded",
				    ch == OPT_AREA ? "area" : "recipient");
				return NDX_EX_USAGE;
			}
			*(ch == OPT_AREA ? &v->area : &v->recipient) = optarg;
			provenance = 1;
			break;
		case OPT_KEY_ID:
			if (!lower_hex(optarg, 16)) {
				diag_warnx("--key-id %s: not 16 lower-case hex "
				    "digits", optarg);
				return NDX_EX_USAGE;
			}
			v->key_id = optarg;
			provenance = 1;
			break;
		case OPT_CONSENT:
			if ((v->consent_excluded = count_arg(optarg)) < 0) {
				diag_warnx("--consent-excluded %s: not a count",
				    optarg);
				return NDX_EX_USAGE;
			}
			provenance = 1;
			break;
		case OPT_RISK:
			if (v->nrisk >= PACK_MAX_RISKS) {
				diag_warnx("too many --risk");
				return NDX_EX_USAGE;
			}
			p->risk = xreallocarray(p->risk, v->nrisk + 1,
			    sizeof(*p->risk));
			if (parse_risk(optarg, &p->risk[v->nrisk],
			    p->risk_file[v->nrisk]) != 0) {
				diag_warnx("--risk %s: not 'FILE persons=P "
				    "k_min=K below_5=B[ min_k=N after_k_min=K "
				    "after_below_5=B suppressed=S]'", optarg);
				return NDX_EX_USAGE;
			}
			v->risk = p->risk;
			v->nrisk++;
			provenance = 1;
			break;
		case OPT_MANIFEST_DIR:
			p->manifest_dir = optarg;
			provenance = 1;
			break;
		case OPT_DATAPACKAGE:
			p->datapackage = 1;
			provenance = 1;
			break;
		case OPT_OPENPGP:
			if (!ndx_openpgp_fpr_valid(optarg)) {
				diag_warnx("--openpgp %s: not a full "
				    "fingerprint", optarg);
				return NDX_EX_USAGE;
			}
			if (p->nopenpgp >= PACK_MAX_SIGNERS) {
				diag_warnx("too many --openpgp");
				return NDX_EX_USAGE;
			}
			p->openpgp[p->nopenpgp++] = optarg;
			provenance = 1;
			break;
		case OPT_SIGN:
			if (!ndx_openpgp_fpr_valid(optarg)) {
				diag_warnx("--sign %s: not a full fingerprint",
				    optarg);
				return NDX_EX_USAGE;
			}
			p->sign = optarg;
			provenance = 1;
			break;
		case OPT_SIGN_PASS:
			p->sign_pass_path = optarg;
			provenance = 1;
			break;
		case OPT_SIGNER:
			if (!ndx_openpgp_fpr_valid(optarg)) {
				diag_warnx("--signer %s: not a full fingerprint",
				    optarg);
				return NDX_EX_USAGE;
			}
			if (p->nsigner >= PACK_MAX_SIGNERS) {
				diag_warnx("too many --signer");
				return NDX_EX_USAGE;
			}
			p->signer[p->nsigner++] = optarg;
			break;
		case OPT_VERSION:
			printf("ndx-pack %s\n", NDX_VERSION);
			return NDX_EX_OK;
		default:
			return usage();
		}
	}
	p->operands = argv + optind;
	p->noperands = argc - optind;
	switch (p->mode) {
	case MODE_PACK:
		if (p->out_path == NULL || p->noperands < 1 || p->force ||
		    p->nsigner > 0)
			return usage();
		if (p->nopenpgp > 0 ? !has_suffix(p->out_path, ".zip.gpg") &&
		    !has_suffix(p->out_path, ".tar.gz.gpg") :
		    !has_suffix(p->out_path, ".zip") &&
		    !has_suffix(p->out_path, ".tar.gz") &&
		    !has_suffix(p->out_path, ".tgz")) {
			diag_warnx("%s: the archive's name must end in %s",
			    p->out_path, p->nopenpgp > 0 ?
			    ".zip.gpg or .tar.gz.gpg with --openpgp" :
			    ".zip or .tar.gz");
			return NDX_EX_USAGE;
		}
		if (p->encrypt && !has_suffix(p->out_path, ".zip") &&
		    !has_suffix(p->out_path, ".zip.gpg")) {
			diag_warnx("--encrypt needs a .zip archive");
			return NDX_EX_USAGE;
		}
		if (p->sign_pass_path != NULL && p->sign == NULL) {
			diag_warnx("--signing-passphrase-file needs --sign");
			return NDX_EX_USAGE;
		}
		if (p->period != NULL) {
			struct ndx_period per;

			if (ndx_period_month(p->period, &per) == 0 ||
			    ndx_period_quarter(p->period, &per) == 0) {
				ndx_date_format_iso(per.start, p->start);
				ndx_date_format_iso(per.end, p->end);
				v->start = p->start;
				v->end = p->end;
			}
		}
		/* The manifest's reader takes a word of at most 64. */
		if (p->period != NULL && (!ndx_entry_name_safe(p->period) ||
		    strlen(p->period) > 64 || strchr(p->period, ' ') != NULL)) {
			diag_warnx("--period %s: not a label", p->period);
			return NDX_EX_USAGE;
		}
		return -1;
	case MODE_VERIFY:
	case MODE_UNPACK:
		want = p->mode == MODE_VERIFY ? 1 : 2;
		if (p->noperands != want || p->out_path != NULL ||
		    p->encrypt || p->period != NULL || provenance ||
		    (p->mode == MODE_VERIFY && p->force))
			return usage();
		return -1;
	}
	return -1;
}

/*
 * The passphrase, from --passphrase-file (its first line; the file held
 * to the 077 rule) or NDX_PASSPHRASE, into locked memory.  Returns 0, or
 * the exit code, told.  None at all is fine unless required.
 */
int
pack_load_passphrase(struct pack *p, int required)
{
	struct ndx_error err;
	struct ndx_secret *s = NULL;
	const char *src, *nl;
	size_t len;

	if (p->pass_path != NULL) {
		if (ndx_secret_nodump(&err) != 0)
			return diag_error(&err);
		if ((s = ndx_secret_read(p->pass_path, "passphrase",
		    PASSPHRASE_MAX, &err)) == NULL)
			return diag_error(&err);
		src = (const char *)ndx_secret_bytes(s, &len);
	} else if ((src = getenv("NDX_PASSPHRASE")) != NULL) {
		len = strlen(src);
	} else {
		if (!required)
			return 0;
		diag_warnx("a passphrase is needed: give --passphrase-file "
		    "or set NDX_PASSPHRASE");
		return NDX_EX_USAGE;
	}
	/*
	 * The secret's bytes end where the file does, with no NUL after
	 * them (and a guard page soon after): only len bytes are looked at.
	 * A NUL byte anywhere is refused, as in no passphrase a person
	 * types: a C string would silently cut the passphrase there.
	 */
	if (memchr(src, '\0', len) != NULL) {
		ndx_secret_free(s);
		diag_warnx("%s: the passphrase holds a NUL byte",
		    p->pass_path ? p->pass_path : "NDX_PASSPHRASE");
		return NDX_EX_CONFIG;
	}
	if ((nl = memchr(src, '\n', len)) != NULL)
		len = (size_t)(nl - src);
	if (len > 0 && src[len - 1] == '\r')
		len--;
	if (len == 0) {
		ndx_secret_free(s);
		diag_warnx("%s: the passphrase is empty",
		    p->pass_path ? p->pass_path : "NDX_PASSPHRASE");
		return NDX_EX_USAGE;
	}
	if ((p->passphrase = sodium_malloc(len + 1)) == NULL) {
		ndx_secret_free(s);
		diag_warnx("out of memory for the passphrase");
		return NDX_EX_OSERR;
	}
	memcpy(p->passphrase, src, len);
	p->passphrase[len] = '\0';
	ndx_secret_free(s);
	return 0;
}

/* Data rows of a CSV file (records after the header), via csvrec so that
 * quoted newlines count as the one row they are. */
long long
pack_csv_rows(FILE *fp, const char *path, struct ndx_error *err)
{
	struct csvrec_reader *r = csvrec_open(fp, path);
	const struct csvrec *rec;
	long long n = 0;
	int rc;

	while ((rc = csvrec_next(r, &rec, err)) == 1)
		n++;
	csvrec_close(r);
	if (rc < 0)
		return -1;
	return n > 0 ? n - 1 : 0;
}

int
pack_xsd_sha256(const char *version, char out[NDX_SHA256_HEX + 1])
{
	unsigned long long bytes;
	const char *name = strcmp(version, "1") == 0 ? "episodes.xsd" :
	    strcmp(version, "2") == 0 ? "episodes-2.xsd" : NULL;
	char *xsd;
	FILE *fp;
	int rc = 0;

	if (name == NULL) {
		diag_warnx("dataset version %s: ndx has versions 1 and 2",
		    version);
		return NDX_EX_DATAERR;
	}
	if ((xsd = ndx_datafile(name)) == NULL) {
		diag_warnx("%s not found (set NDX_DATADIR)", name);
		return NDX_EX_CONFIG;
	}
	if ((fp = fopen(xsd, "rb")) == NULL) {
		diag_warn("%s", xsd);
		rc = NDX_EX_CONFIG;
	} else {
		if (ndx_sha256_stream(fp, &bytes, out) != 0) {
			diag_warn("%s", xsd);
			rc = NDX_EX_IOERR;
		}
		fclose(fp);
	}
	free(xsd);
	return rc;
}

static int
item_order(const void *x, const void *y)
{
	const struct pack_item *a = x, *b = y;

	return strcmp(a->name, b->name);
}

/*
 * Opens and hashes every file to pack, sorted by name; 0, or the exit
 * code, told.  The files opened are in p->item, for pack_main to close.
 */
static int
read_inputs(struct pack *p)
{
	struct ndx_error err;
	struct stat st;

	if (p->noperands > PACK_MAX_ENTRIES - 4) {
		diag_warnx("more than %d files", PACK_MAX_ENTRIES - 4);
		return NDX_EX_USAGE;
	}
	/* One more for datapackage.json. */
	p->item = xcalloc((size_t)p->noperands + 1, sizeof(*p->item));
	for (int i = 0; i < p->noperands; i++) {
		struct pack_item *it = &p->item[p->nitem++];
		const char *slash;

		it->path = p->operands[i];
		slash = strrchr(it->path, '/');
		it->name = slash ? slash + 1 : it->path;
		it->mf.name = (char *)it->name;
		if (!ndx_entry_name_safe(it->name) ||
		    strcmp(it->name, NDX_MANIFEST_NAME) == 0 ||
		    strcmp(it->name, NDX_SHA256SUMS_NAME) == 0 ||
		    strcmp(it->name, NDX_SIGNATURE_NAME) == 0 ||
		    (p->datapackage &&
		    strcmp(it->name, NDX_DATAPACKAGE_NAME) == 0)) {
			diag_warnx("%s: cannot be packed under this name",
			    it->path);
			return NDX_EX_USAGE;
		}
		if ((it->fp = fopen(it->path, "rb")) == NULL) {
			diag_warn("%s", it->path);
			return NDX_EX_NOINPUT;
		}
		if (fstat(fileno(it->fp), &st) != 0 || !S_ISREG(st.st_mode)) {
			diag_warnx("%s: not a regular file", it->path);
			return NDX_EX_NOINPUT;
		}
		if (ndx_sha256_stream(it->fp, &it->mf.bytes, it->mf.sha256) !=
		    0) {
			diag_warn("%s", it->path);
			return NDX_EX_IOERR;
		}
		it->mf.rows = -1;
		if (has_suffix(it->name, ".csv")) {
			rewind(it->fp);
			if ((it->mf.rows = pack_csv_rows(it->fp, it->path,
			    &err)) < 0)
				return diag_error(&err);
		}
	}
	qsort(p->item, p->nitem, sizeof(*p->item), item_order);
	for (size_t i = 1; i < p->nitem; i++)
		if (strcmp(p->item[i - 1].name, p->item[i].name) == 0) {
			diag_warnx("%s and %s: two files named %s",
			    p->item[i - 1].path, p->item[i].path,
			    p->item[i].name);
			return NDX_EX_USAGE;
		}
	return 0;
}

/*
 * What the MANIFEST and datapackage.json say of where the data is from;
 * 0, or the exit code, told.
 */
static int
set_provenance(struct pack *p)
{
	int rc;

	if ((rc = pack_xsd_sha256(p->dataset, p->xsd_sha256)) != 0)
		return rc;
	p->prov.ndx_version = NDX_VERSION;
	p->prov.dataset_version = p->dataset;
	p->prov.xsd_sha256 = p->xsd_sha256;
	p->prov.period = p->period;
	return 0;
}

/*
 * datapackage.json, the data dictionary of the CSV files (exchange.md
 * section 5), made in memory and packed as one more file.  0, or the exit
 * code, told.
 */
static int
add_datapackage(struct pack *p)
{
	struct ndx_manifest_file *files;
	struct ndx_dataset *ds;
	struct ndx_error err;
	struct pack_item *it;
	const char **paths;
	size_t ncsv = 0;
	FILE *fp;
	int rc;

	if ((ds = ndx_dataset_load(&err)) == NULL)
		return diag_error(&err);
	paths = xcalloc(p->nitem + 1, sizeof(*paths));
	files = xcalloc(p->nitem + 1, sizeof(*files));
	for (size_t i = 0; i < p->nitem; i++) {
		if (p->item[i].mf.rows < 0)
			continue;
		paths[ncsv] = p->item[i].path;
		files[ncsv++] = p->item[i].mf;
	}
	if ((fp = open_memstream(&p->dp_text, &p->dp_len)) == NULL) {
		diag_warn("%s", NDX_DATAPACKAGE_NAME);
		rc = NDX_EX_OSERR;
	} else {
		rc = ndx_datapackage_write(fp, ds, &p->prov, paths, files,
		    ncsv, &err);
		if (fclose(fp) != 0) {
			diag_warn("%s", NDX_DATAPACKAGE_NAME);
			rc = NDX_EX_OSERR;
		} else if (rc != 0)
			rc = diag_error(&err);
	}
	free(paths);
	free(files);
	ndx_dataset_free(ds);
	if (rc != 0)
		return rc;
	if ((fp = fmemopen(p->dp_text, p->dp_len, "rb")) == NULL) {
		diag_warn("%s", NDX_DATAPACKAGE_NAME);
		return NDX_EX_OSERR;
	}
	it = &p->item[p->nitem++];
	it->path = it->name = NDX_DATAPACKAGE_NAME;
	it->mf.name = (char *)it->name;
	it->fp = fp;
	if (ndx_sha256_stream(fp, &it->mf.bytes, it->mf.sha256) != 0) {
		diag_warn("%s", NDX_DATAPACKAGE_NAME);
		return NDX_EX_OSERR;
	}
	it->mf.rows = -1;
	qsort(p->item, p->nitem, sizeof(*p->item), item_order);
	return 0;
}

/*
 * The MANIFEST's text, malloc()ed, into *text (the caller frees it, made
 * or not); 0, or the exit code, told.
 */
static int
make_manifest(struct pack *p, char **text, size_t *len)
{
	struct ndx_manifest_file *files;
	struct ndx_error err;
	FILE *mf;
	int rc;

	*text = NULL;
	files = xcalloc(p->nitem + 1, sizeof(*files));
	for (size_t i = 0; i < p->nitem; i++)
		files[i] = p->item[i].mf;
	if ((mf = open_memstream(text, len)) == NULL) {
		diag_warn("manifest");
		free(files);
		return NDX_EX_OSERR;
	}
	rc = ndx_manifest_write(mf, &p->prov, files, p->nitem, &err);
	free(files);
	if (fclose(mf) != 0) {
		diag_warn("manifest");
		return NDX_EX_OSERR;
	}
	return rc != 0 ? diag_error(&err) : 0;
}

/* One line of SHA256SUMS, in the format of sha256sum(1). */
static void
sums_line(FILE *fp, const void *data, size_t len, const char *sha256,
    const char *name)
{
	unsigned char md[crypto_hash_sha256_BYTES];
	char hex[NDX_SHA256_HEX + 1];

	if (sha256 == NULL) {
		crypto_hash_sha256(md, data, len);
		pack_hex(md, hex);
		sha256 = hex;
	}
	fprintf(fp, "%s  %s\n", sha256, name);
}

/*
 * SHA256SUMS: every other entry, in archive order; malloc()ed into *text
 * (the caller frees it, made or not).  0, or the exit code, told.
 */
static int
make_sums(struct pack *p, const char *manifest, size_t mlen,
    const char *sig, size_t siglen, char **text, size_t *len)
{
	FILE *fp;

	*text = NULL;
	if ((fp = open_memstream(text, len)) == NULL) {
		diag_warn("SHA256SUMS");
		return NDX_EX_OSERR;
	}
	sums_line(fp, manifest, mlen, NULL, NDX_MANIFEST_NAME);
	if (sig != NULL)
		sums_line(fp, sig, siglen, NULL, NDX_SIGNATURE_NAME);
	for (size_t i = 0; i < p->nitem; i++)
		sums_line(fp, NULL, 0, p->item[i].mf.sha256, p->item[i].name);
	if (fclose(fp) != 0) {
		diag_warn("SHA256SUMS");
		return NDX_EX_OSERR;
	}
	return 0;
}

/* Writes len bytes as DIR/name, atomically, mode 0600; an exit code. */
static int
dir_file(const char *dir, const char *name, const void *data, size_t len)
{
	struct ndx_outfile *out;
	struct ndx_error err;
	char *path = xmalloc(strlen(dir) + strlen(name) + 2);
	int rc = 0;

	sprintf(path, "%s/%s", dir, name);
	if ((out = ndx_outfile_open(path, &err)) == NULL) {
		rc = diag_error(&err);
		goto out;
	}
	/* Provenance of health data: its owner's only. */
	(void)fchmod(fileno(ndx_outfile_fp(out)), 0600);
	(void)fwrite(data, 1, len, ndx_outfile_fp(out));
	if (ndx_outfile_commit(out, &err) != 0)
		rc = diag_error(&err);
out:
	free(path);
	return rc;
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

/* NULL when out of memory, told. */
static struct archive_entry *
new_entry(const char *name, unsigned long long size)
{
	struct archive_entry *e = archive_entry_new();

	if (e == NULL) {
		diag_warnx("out of memory");
		return NULL;
	}
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_mtime(e, PACK_MTIME, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	return e;
}

/*
 * 0, -1 with the archive's error set (for the caller to tell), or the
 * exit code of a failure told here.
 */
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

	if (e == NULL)
		return NDX_EX_OSERR;
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
	if (ferror(it->fp)) {
		diag_warn("%s", it->path);
		rc = NDX_EX_IOERR;
		goto out;
	}
	crypto_hash_sha256_final(&st, md);
	pack_hex(md, hex);
	*changed = total != it->mf.bytes || fgetc(it->fp) != EOF ||
	    strcmp(hex, it->mf.sha256) != 0;
	rc = 0;
out:
	archive_entry_free(e);
	return rc;
}

/* The archive writer for p into *ap; 0, or the exit code, told. */
static int
writer_new(struct pack *p, struct archive **ap)
{
	struct archive *a = archive_write_new();

	*ap = NULL;
	if (a == NULL) {
		diag_warnx("out of memory");
		return NDX_EX_OSERR;
	}
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
	if (has_suffix(p->out_path, ".zip") ||
	    has_suffix(p->out_path, ".zip.gpg")) {
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
	*ap = a;
	return 0;
fail:
	diag_warnx("libarchive: %s", archive_error_string(a));
	archive_write_free(a);
	return NDX_EX_SOFTWARE;
}

/*
 * Writes one whole in-memory entry; 0, -1 with the archive's error, or
 * the exit code of a failure told here.
 */
static int
write_blob(struct archive *a, const char *name, const void *data,
    size_t len)
{
	struct archive_entry *e = new_entry(name, len);
	int rc = 0;

	if (e == NULL)
		return NDX_EX_OSERR;
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    archive_write_data(a, data, len) != (la_ssize_t)len)
		rc = -1;
	archive_entry_free(e);
	return rc;
}

/*
 * Writes the archive to fp (named name in messages): MANIFEST, its
 * signature, SHA256SUMS, then the files by name.  An exit code; fp is
 * left for the caller to commit or discard.
 */
static int
write_archive(struct pack *p, FILE *fp, const char *name,
    const char *manifest, size_t mlen, const char *sig, size_t siglen,
    const char *sums, size_t slen)
{
	struct archive *a = NULL;
	int rc, r, changed = 0;

	if ((rc = writer_new(p, &a)) != 0)
		return rc;
	rc = NDX_EX_IOERR;
	if (archive_write_open(a, fp, NULL, write_cb, NULL) != ARCHIVE_OK)
		goto failed;
	if ((r = write_blob(a, NDX_MANIFEST_NAME, manifest, mlen)) != 0 ||
	    (sig != NULL && (r = write_blob(a, NDX_SIGNATURE_NAME, sig,
	    siglen)) != 0) ||
	    (r = write_blob(a, NDX_SHA256SUMS_NAME, sums, slen)) != 0) {
		if (r < 0)
			goto failed;
		rc = r;
		goto out;
	}
	for (size_t i = 0; i < p->nitem; i++) {
		if ((r = write_item(a, &p->item[i], &changed)) < 0)
			goto failed;
		if (r > 0) {
			rc = r;
			goto out;
		}
		if (changed) {
			diag_warnx("%s: changed while being packed",
			    p->item[i].path);
			goto out;
		}
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		goto failed;
	rc = NDX_EX_OK;
	goto out;
failed:
	diag_warnx("%s: %s", name, archive_error_string(a) ?
	    archive_error_string(a) : "write error");
out:
	if (a != NULL)
		archive_write_free(a);
	return rc;
}

int
pack_tmpfile(const char *what)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	/* Unnamed: no plaintext archive ever has a name to be found by. */
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) < 0)
		diag_warn("%s: an unnamed file for %s", dir, what);
	return fd;
}

/*
 * The archive for OpenPGP recipients: written plain to an unnamed file,
 * verified there (nobody here can decrypt what follows), then encrypted
 * into out.  An exit code.
 */
static int
pack_openpgp(struct pack *p, struct ndx_outfile *out, const char *manifest,
    size_t mlen, const char *sig, size_t siglen, const char *sums,
    size_t slen)
{
	struct ndx_error err;
	char proc[64];
	FILE *fp;
	int fd, wfd, rc, fatal;

	if ((fd = pack_tmpfile("the archive")) < 0)
		return NDX_EX_CANTCREAT;
	if ((fp = fdopen(wfd = dup(fd), "w")) == NULL) {
		diag_warn("fdopen");
		if (wfd >= 0)
			close(wfd);
		rc = NDX_EX_OSERR;
		goto out;
	}
	rc = write_archive(p, fp, p->out_path, manifest, mlen, sig, siglen,
	    sums, slen);
	if (fflush(fp) != 0 || ferror(fp)) {
		diag_warn("%s", p->out_path);
		rc = NDX_EX_IOERR;
	}
	fclose(fp);
	if (rc != 0)
		goto out;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	p->open_path = proc;
	rc = pack_verify(p, p->out_path, &fatal);
	p->open_path = NULL;
	if (rc != 0 && fatal)
		goto out;	/* told, and not about the archive */
	if (rc != 0) {
		diag_warnx("%s: the archive does not verify; not encrypted",
		    p->out_path);
		rc = NDX_EX_SOFTWARE;
		goto out;
	}
	if (lseek(fd, 0, SEEK_SET) != 0 || fflush(ndx_outfile_fp(out)) != 0) {
		diag_warn("%s", p->out_path);
		rc = NDX_EX_IOERR;
		goto out;
	}
	if (ndx_openpgp_encrypt(fd, fileno(ndx_outfile_fp(out)), p->openpgp,
	    p->nopenpgp, &err) != 0)
		rc = diag_error(&err);
out:
	close(fd);
	return rc;
}

/* Writes the archive, and --manifest-dir; 0, or the exit code, told. */
static int
pack_archive(struct pack *p)
{
	struct ndx_outfile *out = NULL;
	struct ndx_error err;
	char *manifest = NULL, *sums = NULL, *sig = NULL;
	size_t mlen = 0, slen = 0, siglen = 0;
	int rc;

	/* Made (0700) before anything is written, so it cannot fail after. */
	if (p->manifest_dir != NULL && mkdir(p->manifest_dir, 0700) != 0 &&
	    errno != EEXIST) {
		diag_warn("%s", p->manifest_dir);
		return NDX_EX_CANTCREAT;
	}
	for (size_t i = 0; i < p->nopenpgp; i++)
		if (ndx_openpgp_check_key(p->openpgp[i], NDX_OPENPGP_ENCRYPT,
		    &err) != 0)
			return diag_error(&err);
	if ((rc = set_provenance(p)) != 0 ||
	    (p->datapackage && (rc = add_datapackage(p)) != 0) ||
	    (rc = make_manifest(p, &manifest, &mlen)) != 0)
		goto out;
	if (p->sign != NULL && ndx_openpgp_sign(manifest, mlen, p->sign,
	    p->sign_pass_path, &sig, &siglen, &err) != 0) {
		rc = diag_error(&err);
		goto out;
	}
	if ((rc = make_sums(p, manifest, mlen, sig, siglen, &sums,
	    &slen)) != 0)
		goto out;
	if ((out = ndx_outfile_open(p->out_path, &err)) == NULL) {
		rc = diag_error(&err);
		goto out;
	}
	if (p->nopenpgp > 0)
		rc = pack_openpgp(p, out, manifest, mlen, sig, siglen, sums,
		    slen);
	else
		rc = write_archive(p, ndx_outfile_fp(out), p->out_path,
		    manifest, mlen, sig, siglen, sums, slen);
	if (rc == 0) {
		rc = ndx_outfile_commit(out, &err) != 0 ? diag_error(&err) : 0;
		out = NULL;
	}
	if (rc == 0 && p->manifest_dir != NULL) {
		rc = dir_file(p->manifest_dir, NDX_MANIFEST_NAME, manifest,
		    mlen);
		if (rc == 0 && sig != NULL)
			rc = dir_file(p->manifest_dir, NDX_SIGNATURE_NAME,
			    sig, siglen);
		if (rc == 0)
			rc = dir_file(p->manifest_dir, NDX_SHA256SUMS_NAME,
			    sums, slen);
		if (rc == 0 && p->dp_text != NULL)
			rc = dir_file(p->manifest_dir, NDX_DATAPACKAGE_NAME,
			    p->dp_text, p->dp_len);
	}
out:
	ndx_outfile_abort(out);
	free(manifest);
	free(sums);
	free(sig);
	return rc;
}

int
pack_main(int argc, char **argv)
{
	struct pack p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.prov.consent_excluded = -1;
	p.gpg_fd = -1;
	diag_setprogname("ndx-pack");
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		diag_warnx("libsodium cannot start");
		return NDX_EX_SOFTWARE;
	}
	if ((rc = parse_options(&p, argc, argv)) >= 0)
		goto out;

	switch (p.mode) {
	case MODE_PACK:
		if (p.encrypt)
			rc = pack_load_passphrase(&p, 1);
		else if (p.pass_path != NULL) {
			diag_warnx("--passphrase-file needs --encrypt");
			rc = NDX_EX_USAGE;
		} else
			rc = 0;
		if (rc == 0 && (rc = read_inputs(&p)) == 0)
			rc = pack_archive(&p);
		break;
	case MODE_VERIFY:
		if ((rc = pack_load_passphrase(&p, 0)) == 0)
			rc = pack_verify(&p, p.operands[0], NULL);
		break;
	default:
		if ((rc = pack_load_passphrase(&p, 0)) == 0)
			rc = pack_unpack(&p, p.operands[0], p.operands[1]);
		break;
	}
out:
	/* A file that did not open is the last item, its fp NULL. */
	for (size_t i = 0; i < p.nitem; i++)
		if (p.item[i].fp != NULL)
			fclose(p.item[i].fp);
	free(p.item);
	free(p.dp_text);
	free(p.risk);
	if (p.gpg_fd >= 0)
		close(p.gpg_fd);
	pack_verify_free(&p);
	sodium_free(p.passphrase);
	return rc;
}
