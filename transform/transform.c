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
 */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxslt/xslt.h>

#include "ndx/dataset.h"
#include "ndx/diag.h"
#include "ndx/epxml.h"
#include "ndx/ndx.h"
#include "ndx/outfile.h"
#include "transform.h"

#define FMT(f) (1u << (f))

struct product {
	const char *name;
	unsigned formats;	/* FMT() of each; the lowest is the default */
	int aggregate;		/* takes --area, --disclosure, --threshold and
				   a period */
	/* Exactly one of these: episodes products read an episodes file. */
	int (*episodes)(struct transform *, struct epxml_reader *, FILE *,
	    struct ndx_error *);
	int (*report)(struct transform *, FILE *, struct ndx_error *);
};

/* Sorted by name, as --help lists them. */
static const struct product products[] = {
	{ "commissioner", FMT(FORMAT_CSV), 0, product_commissioner, NULL },
	{ "pcc-return", FMT(FORMAT_CSV) | FMT(FORMAT_XML) | FMT(FORMAT_HTML),
	    1, product_pcc_return, NULL },
	{ "public-health", FMT(FORMAT_CSV), 0, product_public_health, NULL },
	{ "validation-report", FMT(FORMAT_HTML), 0, NULL,
	    product_validation_report },
};
#define NPRODUCTS (sizeof(products) / sizeof(products[0]))

/* Indexed by enum format and enum disclosure. */
static const char *const format_names[] = { "csv", "xml", "html" };
static const char *const disclosure_names[] = { "suppress", "round5",
	"nhs", "none" };

#define THRESHOLD_DEFAULT 5
#define THRESHOLD_MAX 1000

static const char usage_text[] =
    "usage: ndx-transform --product NAME [--format csv|xml|html] "
    "[--area NAME]\n"
    "                     [--disclosure suppress|round5|nhs|none] "
    "[--threshold N]\n"
    "                     [--month YYYY-MM | --quarter YYYYQn |\n"
    "                      --from DATE --to DATE] [-o FILE] [FILE | -]\n";

static const char products_text[] =
    "products:\n"
    "  commissioner       valid episodes -> the NDTMS-style submission "
    "CSV\n"
    "  pcc-return         valid episodes -> the PCC quarterly return "
    "(csv, xml, html)\n"
    "  public-health      pseudonymised episodes -> the Public Health "
    "extract CSV\n"
    "  validation-report  ndx-validate's XML report -> HTML for the data "
    "officer\n";

static _Noreturn void
usage(void)
{
	fputs(usage_text, stderr);
	exit(NDX_EX_USAGE);
}

static _Noreturn void bad_usage(const char *, ...)
    __attribute__((format(printf, 1, 2)));

/* A usage error about one option's value: say which, then the usage. */
static _Noreturn void
bad_usage(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_warnx("%s", msg);
	usage();
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

/* What the period options gave, resolved once they have all been seen. */
struct period_opts {
	const char *month, *quarter, *from, *to;
};

static void
set_period(struct transform *t, const struct period_opts *po)
{
	int kinds = (po->month != NULL) + (po->quarter != NULL) +
	    (po->from != NULL || po->to != NULL);

	if (kinds == 0)
		return;
	if (kinds > 1)
		bad_usage("give one period: --month, --quarter or "
		    "--from/--to");
	if (po->month != NULL && ndx_period_month(po->month, &t->period) != 0)
		bad_usage("--month %s: not a month (YYYY-MM)", po->month);
	if (po->quarter != NULL &&
	    ndx_period_quarter(po->quarter, &t->period) != 0)
		bad_usage("--quarter %s: not a quarter (YYYYQ1 to YYYYQ4)",
		    po->quarter);
	if (po->from != NULL || po->to != NULL) {
		if (po->from == NULL || po->to == NULL)
			bad_usage("--from and --to go together");
		if (ndx_period_range(po->from, po->to, &t->period) != 0)
			bad_usage("--from %s --to %s: not a range of dates "
			    "(YYYY-MM-DD, from <= to)", po->from, po->to);
	}
	t->has_period = 1;
}

static const struct product *
parse_options(struct transform *t, int argc, char **argv)
{
	enum { OPT_AREA = 256, OPT_DISCLOSURE, OPT_FORMAT, OPT_FROM,
		OPT_MONTH, OPT_PRODUCT, OPT_QUARTER, OPT_THRESHOLD, OPT_TO,
		OPT_VERSION };
	static const struct option longopts[] = {
		{ "area", required_argument, NULL, OPT_AREA },
		{ "disclosure", required_argument, NULL, OPT_DISCLOSURE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "help", no_argument, NULL, 'h' },
		{ "month", required_argument, NULL, OPT_MONTH },
		{ "output", required_argument, NULL, 'o' },
		{ "product", required_argument, NULL, OPT_PRODUCT },
		{ "quarter", required_argument, NULL, OPT_QUARTER },
		{ "threshold", required_argument, NULL, OPT_THRESHOLD },
		{ "to", required_argument, NULL, OPT_TO },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct period_opts po = { NULL, NULL, NULL, NULL };
	const struct product *p;
	const char *format = NULL, *errstr;
	static char progname[] = "ndx-transform";
	int ch, k, aggregate_opt = 0;

	/* getopt's own messages start with argv[0]: make it the name every
	 * other diagnostic starts with, wherever the binary lives. */
	argv[0] = progname;
	t->threshold = THRESHOLD_DEFAULT;
	t->disclosure = DISCLOSURE_SUPPRESS;
	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			fputs(usage_text, stdout);
			fputs(products_text, stdout);
			exit(NDX_EX_OK);
		case 'o':
			t->output = optarg;
			break;
		case OPT_AREA:
			t->area = optarg;
			aggregate_opt = 1;
			break;
		case OPT_DISCLOSURE:
			if ((k = lookup(optarg, disclosure_names,
			    sizeof(disclosure_names) /
			    sizeof(disclosure_names[0]))) < 0)
				bad_usage("--disclosure %s: not one of "
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
		case OPT_MONTH:
			po.month = optarg;
			break;
		case OPT_PRODUCT:
			t->product = optarg;
			break;
		case OPT_QUARTER:
			po.quarter = optarg;
			break;
		case OPT_THRESHOLD:
			t->threshold = (int)ndx_strtonum(optarg, 1,
			    THRESHOLD_MAX, &errstr);
			if (errstr != NULL)
				bad_usage("--threshold %s: %s (1 to %d)",
				    optarg, errstr, THRESHOLD_MAX);
			aggregate_opt = 1;
			break;
		case OPT_TO:
			po.to = optarg;
			break;
		case OPT_VERSION:
			printf("ndx-transform %s\n", NDX_VERSION);
			exit(NDX_EX_OK);
		default:
			usage();
		}
	}
	if (argc - optind > 1)
		bad_usage("one input at most: %s", argv[optind + 1]);
	t->input = argc - optind == 1 ? argv[optind] : "-";

	if (t->product == NULL)
		bad_usage("--product is required");
	if ((p = product_lookup(t->product)) == NULL)
		bad_usage("--product %s: not a product (commissioner, "
		    "pcc-return, public-health, validation-report)",
		    t->product);
	if (format == NULL)
		t->format = (enum format)(ffs((int)p->formats) - 1);
	else if ((k = lookup(format, format_names, sizeof(format_names) /
	    sizeof(format_names[0]))) < 0 || !(p->formats & FMT(k)))
		bad_usage("--format %s: not a format of --product %s", format,
		    p->name);
	else
		t->format = (enum format)k;
	set_period(t, &po);
	if (!p->aggregate && (aggregate_opt || t->has_period))
		bad_usage("--area, --disclosure, --threshold and periods are "
		    "for --product pcc-return, not %s", p->name);
	return p;
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

int
transform_main(int argc, char **argv)
{
	struct transform t;
	struct ndx_error err;
	const struct product *p;
	struct epxml_reader *reader = NULL;
	struct ndx_outfile *out = NULL;
	const char *area;
	int rc = NDX_EX_OK, failed;

	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	diag_setprogname("ndx-transform");
	/* A closed pipe is a write error (74), not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	p = parse_options(&t, argc, argv);

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
	if (p->episodes != NULL) {
		if ((reader = epxml_reader_open(t.input, NULL, &err)) == NULL)
			goto fail;
		if (p->aggregate && !t.has_period &&
		    period_of_file(&t, reader, &err) != 0)
			goto fail;
	}
	if ((out = ndx_outfile_open(t.output, &err)) == NULL)
		goto fail;
	if (p->episodes != NULL)
		failed = p->episodes(&t, reader, ndx_outfile_fp(out), &err);
	else
		failed = p->report(&t, ndx_outfile_fp(out), &err);
	if (failed)
		goto fail;
	failed = ndx_outfile_commit(out, &err);
	out = NULL;
	if (failed)
		goto fail;
	goto out;
fail:
	/* Products report write errors without knowing the output's name. */
	if (err.code == NDX_EX_IOERR && err.file[0] == '\0' && out != NULL)
		snprintf(err.file, sizeof(err.file), "%s",
		    ndx_outfile_name(out));
	rc = diag_error(&err);
out:
	ndx_outfile_abort(out);
	epxml_reader_close(reader);
	ndx_dataset_free(t.ds);
	xsltCleanupGlobals();
	xmlCleanupParser();
	return rc;
}
