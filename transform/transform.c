/*
 * ndx-transform: renders one output product per run.
 *
 * The record-level products (commissioner, public-health) stream an
 * episodes file in C; pcc-return aggregates one in C and lays the result
 * out with a stylesheet; validation-report lays out the validator's XML
 * report with a stylesheet.  The input is ndx's own output, already
 * checked by ndx-validate, so it is read without the XSD: what a product
 * needs and does not find stops the run instead.  The output is an atomic
 * lib/outfile: it appears whole, or not at all.
 *
 * public-health also measures its disclosure risk (risk.c), says it on
 * standard error and, with --summary, in a file ndx-run reads; --min-k
 * generalises it, which takes two readings of the input (records.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxslt/xslt.h>

#include "ndx/arena.h"
#include "ndx/config.h"
#include "ndx/dataset.h"
#include "ndx/diag.h"
#include "ndx/epxml.h"
#include "ndx/filter.h"
#include "ndx/ndx.h"
#include "ndx/outfile.h"
#include "transform.h"

#define FMT(f) (1u << (f))

struct product {
	const char *name;
	unsigned formats;	/* FMT() of each; the lowest is the default */
	int aggregate;		/* takes --area, --disclosure, --threshold and
				   a period */
	/* Exactly one of open and report: episodes products are filters
	 * over an episodes file (open, and free for what open made). */
	product_open_fn *open;
	void (*free)(struct ndx_filter *);
	int (*report)(struct transform *, FILE *, struct ndx_error *);
};

/* Sorted by name, as --help lists them. */
static const struct product products[] = {
	{ "commissioner", FMT(FORMAT_CSV), 0, product_commissioner,
	    product_records_free, NULL },
	{ "outcomes", FMT(FORMAT_CSV) | FMT(FORMAT_XML) | FMT(FORMAT_HTML), 1,
	    product_outcomes, product_outcomes_free, NULL },
	{ "pcc-return", FMT(FORMAT_CSV) | FMT(FORMAT_XML) | FMT(FORMAT_HTML) |
	    FMT(FORMAT_CSV_WIDE) | FMT(FORMAT_XLSX), 1, product_pcc_return,
	    product_pcc_free,
	    NULL },
	{ "public-health", FMT(FORMAT_CSV), 0, product_public_health,
	    product_records_free, NULL },
	{ "validation-report", FMT(FORMAT_HTML) | FMT(FORMAT_XLSX), 0, NULL,
	    NULL, product_validation_report },
};
#define NPRODUCTS (sizeof(products) / sizeof(products[0]))

/* Indexed by enum format and enum disclosure. */
static const char *const format_names[] = { "csv", "xml", "html",
	"csv-wide", "xlsx" };
static const char *const disclosure_names[] = { "suppress", "round5",
	"nhs", "none" };

#define THRESHOLD_MAX 1000
#define MIN_K_MAX 1000000

static const char usage_text[] =
    "usage: ndx-transform --product NAME "
    "[--format csv|xml|html|csv-wide|xlsx]\n"
    "                     [--area NAME] "
    "[--disclosure suppress|round5|nhs|none]\n"
    "                     [--threshold N] [--month YYYY-MM | "
    "--quarter YYYYQn |\n"
    "                      --from DATE --to DATE] [--trend N]\n"
    "                     [--layout report|panel] [--min-k N] "
    "[--cohort C]\n"
    "                     [--summary FILE] [--html FILE] [--rejects FILE]\n"
    "                     [--changes FILE] [-o FILE] [FILE | -]\n";

static const char products_text[] =
    "products:\n"
    "  commissioner       valid episodes -> the NDTMS-style submission "
    "CSV\n"
    "  outcomes           valid episodes of dataset version 2 -> the "
    "outcome measures\n"
    "                     of the TOP (csv, xml, html)\n"
    "  pcc-return         valid episodes -> the PCC quarterly return "
    "(csv, xml, html)\n"
    "  public-health      pseudonymised episodes -> the Public Health "
    "extract CSV\n"
    "  validation-report  ndx-validate's XML report -> HTML for the data "
    "officer\n"
    "\n"
    "  --product NAME     the product (above); required\n"
    "  --format FORMAT    csv (the default), xml, html, csv-wide or xlsx "
    "(pcc-return);\n"
    "                     html (the default) or xlsx "
    "(validation-report)\n"
    "  --area NAME        the police force area (schemas/areas.csv); "
    "pcc-return and\n"
    "                     outcomes need it\n"
    "  --disclosure M     the small-number control of pcc-return and "
    "outcomes:\n"
    "                     suppress (the default: counts below --threshold "
    "hidden, then\n"
    "                     secondary suppression),\n"
    "                     round5, nhs, or none (internal use; the output "
    "says so)\n"
    "  --threshold N      the smallest count shown under suppress (default "
    "5)\n"
    "  --month YYYY-MM, --quarter YYYYQn, --from DATE --to DATE\n"
    "                     pcc-return's and outcomes' period (default: the "
    "episodes\n"
    "                     file's own)\n"
    "  --trend N          with --quarter: that quarter and the N - 1 "
    "before it\n"
    "  --layout L         pcc-return HTML: report (LAs down) or panel "
    "(LAs across)\n"
    "  --min-k N          generalise the public-health extract so no "
    "person has fewer\n"
    "                     than N alike\n"
    "  --cohort C         public-health of dataset version 2: only the "
    "persons with an\n"
    "                     episode of cohort all, hat or cj "
    "(outcomes.md), every row\n"
    "                     of their episodes (the evaluators' "
    "extract)\n"
    "  --html FILE        pcc-return as csv or xml: the HTML too, from the "
    "same reading\n"
    "  --summary FILE     public-health: the extract's counts and "
    "disclosure risk\n"
    "  --rejects FILE     validation-report as xlsx: ndx-validate's "
    "rejects, each row\n"
    "                     with its problems beside it\n"
    "  --changes FILE     validation-report as html: ndx-run's changes.csv, "
    "its counts\n"
    "                     at the top\n"
    "  -o, --output FILE  write to FILE (default: standard output)\n"
    "  -h, --help         print this help\n"
    "  --version          print the version\n"
    "\n"
    "Exit status: 0; 64 usage; 65 input not valid for the product (or a "
    "period it\ndoes not cover); 66 no input; 73, 74 output; 78 a "
    "stylesheet. See ndx-transform(1).\n";

static int
usage(void)
{
	fputs(usage_text, stderr);
	return NDX_EX_USAGE;
}

static int bad_usage(const char *, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * A usage error about one option's value: say which, then the usage.
 * Returns the exit code, 64.
 */
static int
bad_usage(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_warnx("%s", msg);
	return usage();
}

/* The index of name in names[n], or -1. */
static int
lookup(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

static const struct product *
product_lookup(const char *name)
{
	for (size_t i = 0; i < NPRODUCTS; i++)
		if (strcmp(products[i].name, name) == 0)
			return &products[i];
	return NULL;
}

/* 0, or the exit code (64) once said. */
static int
set_period(struct transform *t, const struct ndx_period_args *pa)
{
	char msg[256];
	int rc = ndx_period_args(pa, &t->period, msg, sizeof(msg));

	if (rc < 0)
		return bad_usage("%s", msg);
	t->has_period = rc == 1;
	return 0;
}

/*
 * The product asked for into *pp; returns -1 to go on, or the exit code
 * (0 for --help and --version).
 */
static int
parse_options(struct transform *t, int argc, char **argv,
    const struct product **pp)
{
	enum { OPT_AREA = 256, OPT_DISCLOSURE, OPT_FORMAT, OPT_FROM,
		OPT_HTML, OPT_LAYOUT, OPT_MIN_K, OPT_MONTH, OPT_PRODUCT,
		OPT_QUARTER, OPT_REJECTS, OPT_SUMMARY, OPT_THRESHOLD, OPT_TO,
		OPT_TREND, OPT_VERSION, OPT_CHANGES, OPT_COHORT };
	static const struct option longopts[] = {
		{ "area", required_argument, NULL, OPT_AREA },
		{ "changes", required_argument, NULL, OPT_CHANGES },
		{ "cohort", required_argument, NULL, OPT_COHORT },
		{ "disclosure", required_argument, NULL, OPT_DISCLOSURE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "help", no_argument, NULL, 'h' },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "layout", required_argument, NULL, OPT_LAYOUT },
		{ "min-k", required_argument, NULL, OPT_MIN_K },
		{ "month", required_argument, NULL, OPT_MONTH },
		{ "output", required_argument, NULL, 'o' },
		{ "product", required_argument, NULL, OPT_PRODUCT },
		{ "quarter", required_argument, NULL, OPT_QUARTER },
		{ "rejects", required_argument, NULL, OPT_REJECTS },
		{ "summary", required_argument, NULL, OPT_SUMMARY },
		{ "threshold", required_argument, NULL, OPT_THRESHOLD },
		{ "to", required_argument, NULL, OPT_TO },
		{ "trend", required_argument, NULL, OPT_TREND },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct ndx_period_args po = { NULL, NULL, NULL, NULL };
	const struct product *p;
	const char *format = NULL, *errstr;
	static char progname[] = "ndx-transform";
	int ch, k, rc, aggregate_opt = 0;

	/* getopt's own messages start with argv[0]: make it the name every
	 * other diagnostic starts with, wherever the binary lives. */
	argv[0] = progname;
	t->threshold = TRANSFORM_THRESHOLD_DEFAULT;
	t->disclosure = DISCLOSURE_SUPPRESS;
	optind = 0;	/* glibc: start afresh when run in-process again */
	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			fputs(usage_text, stdout);
			fputs(products_text, stdout);
			return NDX_EX_OK;
		case 'o':
			t->output = optarg;
			break;
		case OPT_AREA:
			t->area = optarg;
			aggregate_opt = 1;
			break;
		case OPT_DISCLOSURE:
			if ((k = transform_disclosure(optarg)) < 0)
				return bad_usage("--disclosure %s: not one of "
				    "suppress, round5, nhs, none", optarg);
			t->disclosure = (enum disclosure)k;
			aggregate_opt = 1;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_FROM:
			po.from = optarg;
			break;
		case OPT_HTML:
			t->html = optarg;
			break;
		case OPT_LAYOUT:
			if (strcmp(optarg, "panel") == 0)
				t->layout = LAYOUT_PANEL;
			else if (strcmp(optarg, "report") == 0)
				t->layout = LAYOUT_REPORT;
			else
				return bad_usage("--layout %s: not report or "
				    "panel", optarg);
			aggregate_opt = 1;
			break;
		case OPT_TREND:
			t->trend = (long)ndx_strtonum(optarg, 1, NDX_TREND_MAX,
			    &errstr);
			if (errstr != NULL)
				return bad_usage("--trend %s: %s (1 to %d)",
				    optarg, errstr, NDX_TREND_MAX);
			aggregate_opt = 1;
			break;
		case OPT_COHORT:
			if ((k = outcomes_cohort(optarg)) < 0)
				return bad_usage("--cohort %s: not a cohort "
				    "(all, hat, cj)", optarg);
			t->cohort = k + 1;
			break;
		case OPT_MIN_K:
			t->min_k = (long)ndx_strtonum(optarg, 1, MIN_K_MAX,
			    &errstr);
			if (errstr != NULL)
				return bad_usage("--min-k %s: %s (1 to %d)",
				    optarg, errstr, MIN_K_MAX);
			break;
		case OPT_MONTH:
			po.month = optarg;
			break;
		case OPT_PRODUCT:
			t->product = optarg;
			break;
		case OPT_REJECTS:
			t->rejects = optarg;
			break;
		case OPT_CHANGES:
			t->changes = optarg;
			break;
		case OPT_QUARTER:
			po.quarter = optarg;
			break;
		case OPT_SUMMARY:
			t->summary = optarg;
			break;
		case OPT_THRESHOLD:
			t->threshold = (int)ndx_strtonum(optarg, 1,
			    THRESHOLD_MAX, &errstr);
			if (errstr != NULL)
				return bad_usage("--threshold %s: %s (1 to %d)",
				    optarg, errstr, THRESHOLD_MAX);
			aggregate_opt = 1;
			break;
		case OPT_TO:
			po.to = optarg;
			break;
		case OPT_VERSION:
			printf("ndx-transform %s\n", NDX_VERSION);
			return NDX_EX_OK;
		default:
			return usage();
		}
	}
	if (argc - optind > 1) {
		diag_one_input(argc - optind, argv + optind);
		return usage();
	}
	t->input = argc - optind == 1 ? argv[optind] : "-";

	if (t->product == NULL)
		return bad_usage("--product is required");
	if ((p = product_lookup(t->product)) == NULL)
		return bad_usage("--product %s: not a product (commissioner, "
		    "outcomes, pcc-return, public-health, validation-report)",
		    t->product);
	if (format == NULL)
		t->format = (enum format)(ffs((int)p->formats) - 1);
	else if ((k = lookup(format, format_names, sizeof(format_names) /
	    sizeof(format_names[0]))) < 0 || !(p->formats & FMT(k)))
		return bad_usage("--format %s: not a format of --product %s",
		    format, p->name);
	else
		t->format = (enum format)k;
	if ((rc = set_period(t, &po)) != 0)
		return rc;
	if (t->trend > 1 && po.quarter == NULL)
		return bad_usage("--trend is of quarters: give --quarter");
	if (!p->aggregate && (aggregate_opt || t->has_period))
		return bad_usage("--area, --disclosure, --threshold and "
		    "periods are for --product pcc-return or outcomes, not %s",
		    p->name);
	if (p->open == product_outcomes && (t->trend > 0 ||
	    t->layout != LAYOUT_REPORT || t->html != NULL))
		return bad_usage("--trend, --layout and --html are for "
		    "--product pcc-return, not outcomes");
	if (t->html != NULL && (!p->aggregate || t->format == FORMAT_HTML))
		return bad_usage("--html is for --product pcc-return with "
		    "--format csv or xml");
	if (t->changes != NULL && (p->report == NULL ||
	    t->format != FORMAT_HTML))
		return bad_usage("--changes is for --product validation-report "
		    "as HTML");
	if (t->rejects != NULL && (p->report == NULL ||
	    t->format != FORMAT_XLSX))
		return bad_usage("--rejects is for --product validation-report "
		    "--format xlsx");
	if ((t->min_k > 0 || t->summary != NULL || t->cohort > 0) &&
	    p->open != product_public_health)
		return bad_usage("--min-k, --summary and --cohort are for "
		    "--product public-health, not %s", p->name);
	if (t->min_k > 0 && t->cohort > 0)
		return bad_usage("--min-k and --cohort: an evaluators' "
		    "extract is not generalised (outcomes.md §5)");
	if (t->summary != NULL && strcmp(t->summary, "-") == 0 &&
	    (t->output == NULL || strcmp(t->output, "-") == 0))
		return bad_usage("--summary - and the extract cannot both go "
		    "to standard output");
	*pp = p;
	return -1;
}

/*
 * Without a period option, an aggregate covers the episodes file's own
 * period, as ndx-extract recorded it.
 */
static int
period_of_file(struct transform *t, const struct epxml_reader *r,
    struct ndx_error *err)
{
	const struct ndx_header *h = epxml_reader_header(r);
	const char *name = strcmp(t->input, "-") == 0 ? "standard input" :
	    t->input;

	/* No period anywhere is a missing option (64); a broken one in the
	 * file is bad input (65). */
	if (h->start[0] == '\0' && h->end[0] == '\0') {
		ndx_error_set(err, NDX_EX_USAGE, name, 0, "the episodes file "
		    "records no period: give --month, --quarter or --from "
		    "and --to");
		return -1;
	}
	if (ndx_date_parse_iso(h->start, &t->period.start) != NDX_DATE_OK ||
	    ndx_date_parse_iso(h->end, &t->period.end) != NDX_DATE_OK) {
		ndx_error_set(err, NDX_EX_DATAERR, name, 0, "the episodes "
		    "file's period (start, end) is not a pair of dates");
		return -1;
	}
	snprintf(t->period.label, sizeof(t->period.label), "%s", h->period);
	return 0;
}

/*
 * Copies the input to an unnamed temporary file, mode 0600, and puts it
 * on standard input: a pipe can be read only once.  O_TMPFILE leaves no
 * name behind for anyone to open, even if the run is killed.
 */
static int
spool(struct transform *t, int in, const char *name, struct ndx_error *err)
{
	char buf[65536];
	ssize_t n, w;
	int fd;

	if ((fd = ndx_tmpfd("--min-k's second reading", err)) < 0)
		return -1;
	for (;;) {
		if ((n = read(in, buf, sizeof(buf))) < 0) {
			if (errno == EINTR)
				continue;
			ndx_error_set(err, NDX_EX_IOERR, name, 0,
			    "read error: %s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n; off += w)
			if ((w = write(fd, buf + off, (size_t)(n - off))) < 0) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				ndx_error_set(err, NDX_EX_IOERR, "", 0,
				    "cannot write the temporary file for "
				    "--min-k: %s", strerror(errno));
				goto fail;
			}
	}
	if (dup2(fd, STDIN_FILENO) < 0) {
		ndx_error_set(err, NDX_EX_OSERR, name, 0, "dup2: %s",
		    strerror(errno));
		goto fail;
	}
	close(fd);
	t->reread_stdin = 1;
	t->stdin_offset = 0;
	if (lseek(STDIN_FILENO, 0, SEEK_SET) < 0) {
		ndx_error_set(err, NDX_EX_IOERR, name, 0, "cannot rewind the "
		    "temporary file for --min-k: %s", strerror(errno));
		return -1;
	}
	return 0;
fail:
	close(fd);
	return -1;
}

/*
 * --min-k reads the input twice: a regular file is read again (standard
 * input from where it started), anything else is spooled first.  A
 * named input that is not a regular file is then read from the spool,
 * and the XML reader's messages call it standard input.
 */
static int
prepare_rereading(struct transform *t, struct ndx_error *err)
{
	struct stat st;
	off_t at;
	int fd, rc;

	if (strcmp(t->input, "-") == 0) {
		if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode) &&
		    (at = lseek(STDIN_FILENO, 0, SEEK_CUR)) >= 0) {
			t->reread_stdin = 1;
			t->stdin_offset = (long)at;
			return 0;
		}
		return spool(t, STDIN_FILENO, "standard input", err);
	}
	if (stat(t->input, &st) != 0 || S_ISREG(st.st_mode))
		return 0;	/* the reader says what is wrong */
	if ((fd = open(t->input, O_RDONLY | O_CLOEXEC)) < 0) {
		ndx_error_set(err, NDX_EX_NOINPUT, t->input, 0,
		    "cannot open: %s", strerror(errno));
		return -1;
	}
	rc = spool(t, fd, t->input, err);
	close(fd);
	return rc;
}

int
transform_judge(const struct transform *t, const struct ndx_client *c,
    const struct epxml_problem *probs, size_t nprobs, struct ndx_error *err)
{
	struct epxml_problem bad;

	if (nprobs == 0 && epxml_check_values(t->ds, c, &bad) == 0)
		return 0;
	if (nprobs > 0)
		bad = probs[0];
	ndx_error_set(err, NDX_EX_DATAERR, strcmp(t->input, "-") == 0 ?
	    "standard input" : t->input, bad.xml_line, "not valid episodes "
	    "(%s); ndx-transform reads ndx-validate's or ndx-pseudonymise's "
	    "output", bad.message);
	return -1;
}

struct epxml_reader *
transform_reread(struct transform *t, struct ndx_error *err)
{
	if (t->reread_stdin) {
		if (lseek(STDIN_FILENO, (off_t)t->stdin_offset,
		    SEEK_SET) < 0) {
			ndx_error_set(err, NDX_EX_IOERR, "standard input", 0,
			    "cannot read it again: %s", strerror(errno));
			return NULL;
		}
		return epxml_reader_open("-", t->ds, EPXML_PARTS, err);
	}
	return epxml_reader_open(t->input, t->ds, EPXML_PARTS, err);
}

int
transform_disclosure(const char *name)
{
	return lookup(name, disclosure_names, sizeof(disclosure_names) /
	    sizeof(disclosure_names[0]));
}

const char *
transform_disclosure_name(enum disclosure d)
{
	return disclosure_names[d];
}

int
transform_write_summary(const struct transform *t, FILE *fp, struct ndx_error *err)
{
	char line[256];

	risk_format(&t->risk, line, sizeof(line));
	if (fprintf(fp, "episodes %ld\nrows %ld\npersons %ld\n"
	    "consent-excluded %ld\nrisk %s\n", t->episodes, t->rows,
	    t->risk.before.persons, t->consent_excluded, line) < 0) {
		ndx_error_set(err, NDX_EX_IOERR, "", 0, "write error: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
transform_episodes(struct transform *t, product_open_fn *open,
    void (*free_fn)(struct ndx_filter *), struct epxml_reader *reader,
    FILE *out, struct ndx_error *err)
{
	struct ndx_filter *f;
	struct ndx_arena *arena;
	const struct epxml_problem *probs;
	struct ndx_client *c;
	size_t nprobs;
	int more;

	if ((f = open(t, epxml_reader_header(reader), out, err)) == NULL)
		return -1;
	arena = arena_new();
	while ((more = epxml_reader_next(reader, arena, &c, &probs, &nprobs,
	    err)) == 1) {
		if (transform_judge(t, c, probs, nprobs, err) != 0 ||
		    f->client(f, c, err) != 0) {
			more = -1;
			break;
		}
		arena_reset(arena);
	}
	if (more == 0 && f->end(f, err) != 0)
		more = -1;
	arena_free(arena);
	free_fn(f);
	return more;
}

int
transform_main(int argc, char **argv)
{
	struct transform t;
	struct ndx_error err;
	const struct product *p = NULL;
	struct epxml_reader *reader = NULL;
	struct ndx_outfile *out = NULL, *summary = NULL, *html = NULL;
	char line[256];
	const char *area;
	int rc = NDX_EX_OK, failed;

	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	diag_setprogname("ndx-transform");
	epxml_quiet();
	/* A closed pipe is a write error (74), not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	if ((rc = parse_options(&t, argc, argv, &p)) >= 0)
		return rc;
	rc = NDX_EX_OK;

	if ((t.ds = ndx_dataset_load(&err)) == NULL)
		goto fail;
	if (t.area != NULL) {
		if ((area = ndx_dataset_area_name(t.ds, t.area)) == NULL) {
			diag_warnx("--area %s: not a police force area in "
			    "areas.csv", t.area);
			fputs(usage_text, stderr);
			rc = NDX_EX_USAGE;
			goto out;
		}
		t.area = area;
	}
	/* The input is opened first: a missing or wrong one touches no
	 * output. */
	if (p->open != NULL) {
		if ((t.min_k > 0 || t.cohort > 0) &&
		    prepare_rereading(&t, &err) != 0)
			goto fail;
		if ((reader = epxml_reader_open(t.reread_stdin &&
		    strcmp(t.input, "-") != 0 ? "-" : t.input, t.ds,
		    EPXML_PARTS, &err)) == NULL)
			goto fail;
		if (p->aggregate && !t.has_period &&
		    period_of_file(&t, reader, &err) != 0)
			goto fail;
	}
	{
		const char *outs[] = { t.output, t.summary, t.html };

		if (ndx_outputs_distinct(t.input, outs, 3, &err) != 0)
			goto fail;
	}
	if ((out = ndx_outfile_open(t.output, &err)) == NULL)
		goto fail;
	if (t.summary != NULL &&
	    (summary = ndx_outfile_open(t.summary, &err)) == NULL)
		goto fail;
	if (t.html != NULL) {
		if ((html = ndx_outfile_open(t.html, &err)) == NULL)
			goto fail;
		t.html_fp = ndx_outfile_fp(html);
	}
	if (p->open != NULL)
		failed = transform_episodes(&t, p->open, p->free, reader,
		    ndx_outfile_fp(out), &err);
	else
		failed = p->report(&t, ndx_outfile_fp(out), &err);
	if (failed)
		goto fail;
	/* All written out before any is published: a full disk leaves
	 * none. */
	if (html != NULL && (ndx_outfile_flush(out, &err) != 0 ||
	    ndx_outfile_flush(html, &err) != 0))
		goto fail;
	if (summary != NULL) {
		if (transform_write_summary(&t, ndx_outfile_fp(summary), &err) != 0) {
			snprintf(err.file, sizeof(err.file), "%s",
			    ndx_outfile_name(summary));
			goto fail;
		}
		if (ndx_outfile_flush(out, &err) != 0 ||
		    ndx_outfile_flush(summary, &err) != 0)
			goto fail;
	}
	failed = ndx_outfile_commit(out, &err);
	out = NULL;
	if (failed)
		goto fail;
	if (summary != NULL) {
		failed = ndx_outfile_commit(summary, &err);
		summary = NULL;
		if (failed)
			goto fail;
	}
	if (html != NULL) {
		failed = ndx_outfile_commit(html, &err);
		html = NULL;
		if (failed)
			goto fail;
	}
	/* Figures only, no identifier: fit for a log. */
	if (t.measured) {
		risk_format(&t.risk, line, sizeof(line));
		diag_warnx("risk: %s", line);
	}
	goto out;
fail:
	/* Products report write errors without knowing the output's name. */
	if (err.code == NDX_EX_IOERR && err.file[0] == '\0' && out != NULL)
		snprintf(err.file, sizeof(err.file), "%s",
		    ndx_outfile_name(out));
	rc = diag_error(&err);
out:
	ndx_outfile_abort(out);
	ndx_outfile_abort(summary);
	ndx_outfile_abort(html);
	epxml_reader_close(reader);
	ndx_dataset_free(t.ds);
	xsltCleanupGlobals();
	xmlCleanupParser();
	return rc;
}
