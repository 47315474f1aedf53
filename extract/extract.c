/*
 * ndx-extract: pulls the episodes of a period from a source and writes
 * them as the episodes XML, grouped by client and episode.
 *
 * It converts but never judges: a bad date or code reaches the validator
 * unchanged, with the line it came from.  It fails only when the input
 * cannot be read as the dataset's layout at all.  The output appears
 * whole or not at all (lib/outfile.c).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "ndx/clock.h"
#include "ndx/dataset.h"
#include "ndx/date.h"
#include "ndx/diag.h"
#include "ndx/epxml.h"
#include "ndx/ndx.h"
#include "ndx/outfile.h"
#include "ndx/period.h"

#include "extract.h"

#define STDIN_NAME "standard input"

enum {
	OPT_AS_OF = 256,
	OPT_CHECK,
	OPT_CORRECTIONS,
	OPT_DATASET,
	OPT_FROM,
	OPT_MONTH,
	OPT_PROGRESS,
	OPT_QUARTER,
	OPT_SOURCE,
	OPT_SQL,
	OPT_TO,
	OPT_VERSION
};

static const char optstring[] = ":ho:v";

static const struct option longopts[] = {
	{ "as-of", required_argument, NULL, OPT_AS_OF },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "corrections", required_argument, NULL, OPT_CORRECTIONS },
	{ "dataset", required_argument, NULL, OPT_DATASET },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "help", no_argument, NULL, 'h' },
	{ "month", required_argument, NULL, OPT_MONTH },
	{ "output", required_argument, NULL, 'o' },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "quarter", required_argument, NULL, OPT_QUARTER },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "sql", required_argument, NULL, OPT_SQL },
	{ "to", required_argument, NULL, OPT_TO },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: ndx-extract [-hv] [--progress] [-o FILE] [--as-of DATE]\n"
	    "           [--month YYYY-MM | --quarter YYYYQn | "
	    "--from DATE --to DATE]\n"
	    "           [--source URI [--sql FILE] | FILE] "
	    "[--corrections FILE]\n"
	    "           [--dataset 1|2]\n"
	    "       ndx-extract --check --source URI [--sql FILE]\n"
	    "       ndx-extract --version\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "Writes the episodes of a period, taken from a source, as the "
	    "episodes XML.\n\n"
	    "  --source URI       csv:PATH (csv:- is standard input); "
	    "FILE means csv:FILE,\n"
	    "                     and no source reads CSV from standard "
	    "input;\n"
	    "                     sqlite:PATH; postgresql://... or "
	    "postgres://... (a libpq\n"
	    "                     URI), or postgresql:KEY=VALUE... (a libpq "
	    "connection\n"
	    "                     string); passwords come from PGPASSFILE, "
	    "~/.pgpass,\n"
	    "                     a service file or PGPASSWORD, never from "
	    "the URI;\n"
	    "                     odbc:DSN=NAME or odbc:CONNECTION-STRING "
	    "(unixODBC; the\n"
	    "                     password in odbc.ini, never in the "
	    "string)\n"
	    "  --sql FILE         the mapping query for sqlite:, "
	    "postgresql: and odbc:\n"
	    "                     (default: sql/episodes.sql in the data "
	    "directory)\n"
	    "  --dataset 1|2      the dataset version the source must give "
	    "(a CSV's\n"
	    "                     header says it: TOP columns make it 2); "
	    "2 takes\n"
	    "                     sql/episodes-2.sql as the default mapping\n"
	    "  --month YYYY-MM    the financial year to the end of that "
	    "month\n"
	    "  --quarter YYYYQn   a quarter of financial year YYYY/YY+1\n"
	    "  --from DATE --to DATE\n"
	    "                     an inclusive range of YYYY-MM-DD dates\n"
	    "  --as-of DATE       the data-cut date (default: today)\n"
	    "  --corrections FILE a CSV in the input layout (a corrected "
	    "rejects.csv):\n"
	    "                     its rows replace every source row of each "
	    "episode\n"
	    "                     (AGNCY + EPISODID) it holds, and add "
	    "episodes the\n"
	    "                     source lacks\n"
	    "  --check            open the source and check its header or "
	    "mapping query;\n"
	    "                     read no rows, write nothing\n"
	    "  -o, --output FILE  write to FILE, not standard output\n"
	    "  -v, --verbose      print a one-line summary on standard "
	    "error\n"
	    "  --progress         every half second, a line \"progress: N rows "
	    "read, R rows/s\"\n"
	    "                     on standard error (ndx-run shows it on a "
	    "terminal)\n"
	    "  -h, --help         print this help\n"
	    "  --version          print the version\n");
}

static int
usage_error(const char *fmt, const char *arg)
{
	diag_warnx(fmt, arg);
	usage(stderr);
	return NDX_EX_USAGE;
}

/*
 * An option as the user typed it, for a message: only its name, since the
 * value of a mistyped --source could hold a password.
 */
static const char *
option_name(char *arg)
{
	char *eq = strchr(arg, '=');

	if (eq != NULL)
		*eq = '\0';
	return arg;
}

static int
set_period(struct extract *x, const struct ndx_period_args *pa)
{
	char msg[256];
	int rc = ndx_period_args(pa, &x->period, msg, sizeof(msg));

	if (rc < 0)
		return usage_error("%s", msg);
	x->has_period = rc == 1;
	return NDX_EX_OK;
}

/* Returns -1 to go on, or the exit code. */
static int
parse_options(struct extract *x, int argc, char **argv)
{
	struct ndx_period_args pa = { 0 };
	const char *asof = NULL;
	char shortopt[3] = "-?";
	int ch, rc;

	opterr = 0;
	optind = 0;	/* glibc: start afresh when run in-process again */
	while ((ch = getopt_long(argc, argv, optstring, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_AS_OF:
			asof = optarg;
			break;
		case OPT_FROM:
			pa.from = optarg;
			break;
		case 'h':
			help();
			return NDX_EX_OK;
		case OPT_MONTH:
			pa.month = optarg;
			break;
		case 'o':
			x->output = optarg;
			break;
		case OPT_QUARTER:
			pa.quarter = optarg;
			break;
		case OPT_CHECK:
			x->check = 1;
			break;
		case OPT_CORRECTIONS:
			x->corrections = optarg;
			break;
		case OPT_DATASET:
			if (strcmp(optarg, "1") != 0 &&
			    strcmp(optarg, "2") != 0)
				return usage_error("--dataset %s: 1 or 2",
				    optarg);
			x->want_version = optarg[0] - '0';
			break;
		case OPT_SOURCE:
			x->source = optarg;
			break;
		case OPT_SQL:
			x->sql = optarg;
			break;
		case OPT_TO:
			pa.to = optarg;
			break;
		case 'v':
			x->verbose = 1;
			break;
		case OPT_PROGRESS:
			x->progress = 1;
			break;
		case OPT_VERSION:
			printf("ndx-extract %s\n", NDX_VERSION);
			return NDX_EX_OK;
		case ':':
			if (optopt != 0) {
				shortopt[1] = (char)optopt;
				return usage_error("option %s needs an argument",
				    shortopt);
			}
			return usage_error("option %s needs an argument",
			    option_name(argv[optind - 1]));
		default:
			if (optopt != 0) {
				shortopt[1] = (char)optopt;
				return usage_error("unknown option %s",
				    shortopt);
			}
			return usage_error("unknown option %s",
			    option_name(argv[optind - 1]));
		}
	}
	if (argc - optind > 1)
		return usage_error("%s", "more than one input file");
	if (argc - optind == 1) {
		if (x->source != NULL)
			return usage_error("%s", "give --source or FILE, not "
			    "both");
		x->input = argv[optind];
	}
	if (x->check && x->source == NULL)
		return usage_error("%s", "--check needs --source");
	if ((rc = set_period(x, &pa)) != NDX_EX_OK)
		return rc;
	if (asof == NULL)
		x->asof = ndx_date_today();
	else if (ndx_date_parse_iso(asof, &x->asof) != NDX_DATE_OK)
		return usage_error("--as-of %s: expected a YYYY-MM-DD date",
		    asof);
	return -1;
}

/*
 * Finds the source type and its path or connection string in --source.
 * Messages name only the scheme: the rest of a URI may carry a password.
 */
static int
parse_source(struct extract *x)
{
	struct ndx_error err = { 0 };
	const char *s = x->source;
	size_t n;

	if (s == NULL) {
		if (x->input == NULL)
			x->input = "-";
		return NDX_EX_OK;
	}
	if (strncmp(s, "csv:", 4) == 0) {
		x->input = s + 4;
		if (*x->input == '\0')
			return usage_error("%s", "--source csv: needs a path "
			    "(csv:- is standard input)");
		return NDX_EX_OK;
	}
	if (strncmp(s, "sqlite:", 7) == 0) {
		x->kind = EXTRACT_SQLITE;
		x->input = s + 7;
		if (*x->input == '\0')
			return usage_error("%s", "--source sqlite: needs a "
			    "path");
		return NDX_EX_OK;
	}
	if (strncmp(s, "postgresql:", 11) == 0 ||
	    strncmp(s, "postgres://", 11) == 0) {
		x->kind = EXTRACT_POSTGRESQL;
		/* A URI goes whole to libpq, else what follows the colon. */
		if (strncmp(s, "postgresql://", 13) == 0 ||
		    strncmp(s, "postgres://", 11) == 0)
			x->input = s;
		else
			x->input = s + 11;
		if (postgresql_check(x->input, &err) != 0)
			return diag_error(&err);
		return NDX_EX_OK;
	}
	if (strncmp(s, "odbc:", 5) == 0) {
		x->kind = EXTRACT_ODBC;
		x->input = s + 5;
		if (*x->input == '\0')
			return usage_error("%s", "--source odbc: needs "
			    "DSN=NAME or a connection string");
		if (odbc_check(x->input, &err) != 0)
			return diag_error(&err);
		return NDX_EX_OK;
	}
	n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
	if (n > 0 && n <= 32 && s[n] == ':')
		diag_warnx("unknown source type %.*s: expected csv:, sqlite:, "
		    "postgresql:// or odbc:", (int)n, s);
	else
		diag_warnx("--source: expected csv:PATH, sqlite:PATH, "
		    "postgresql://... or odbc:DSN=NAME");
	return NDX_EX_USAGE;
}

static int
open_input(const char *path, FILE **fp, struct ndx_error *err)
{
	struct stat st;

	if (strcmp(path, "-") == 0) {
		*fp = stdin;
		return 0;
	}
	if ((*fp = fopen(path, "r")) == NULL) {
		ndx_error_set(err, NDX_EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(errno));
		return -1;
	}
	if (fstat(fileno(*fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		ndx_error_set(err, NDX_EX_NOINPUT, path, 0,
		    "is a directory");
		fclose(*fp);
		*fp = NULL;
		return -1;
	}
	return 0;
}

static void
make_header(const struct extract *x, struct ndx_header *h)
{
	memset(h, 0, sizeof(*h));
	ndx_date_format_iso(x->asof, h->asof);
	if (x->has_period) {
		snprintf(h->period, sizeof(h->period), "%s",
		    x->period.label);
		ndx_date_format_iso(x->period.start, h->start);
		ndx_date_format_iso(x->period.end, h->end);
	}
	snprintf(h->source, sizeof(h->source), "%s",
	    x->kind == EXTRACT_SQLITE ? "sqlite" :
	    x->kind == EXTRACT_POSTGRESQL ? "postgresql" :
	    x->kind == EXTRACT_ODBC ? "odbc" : "csv");
	h->absent = x->absent;
	h->version = x->version;
}

/* The source is of the version --dataset asks for: 0, or -1 with err
 * set (65). */
static int
wanted_version(const struct extract *x, const char *name,
    struct ndx_error *err)
{
	if (x->want_version == 0 || x->want_version == x->version)
		return 0;
	ndx_error_set(err, NDX_EX_DATAERR, name, 0, "dataset version %d "
	    "(%s), but --dataset %d was asked for", x->version,
	    x->version == 2 ? "it has the TOP columns" : "it has no TOP "
	    "column", x->want_version);
	return -1;
}

/*
 * A corrections file is of its source's dataset version: rows of another
 * would go out without items the rest have, or with items they lack.
 * 0, or -1 with err set (65).
 */
static int
same_version(const struct extract *x, FILE *cin, int cversion,
    struct ndx_error *err)
{
	if (cin == NULL || cversion == x->version)
		return 0;
	ndx_error_set(err, NDX_EX_DATAERR, x->corrections, 1, "dataset "
	    "version %d (TOP columns %s), but the source is version %d: the "
	    "corrections need the source's columns", cversion, cversion == 2 ?
	    "present" : "absent", x->version);
	return -1;
}

/* Where clients go: the writer, each episode marked when its EPISODID is
 * one the agency uses under another CLIENTID too (R126). */
struct emit {
	struct epxml_writer *w;
	const struct epindex *idx;
};

static int
emit_client(void *arg, struct ndx_client *c, struct ndx_error *err)
{
	struct emit *em = arg;

	for (size_t i = 0; i < c->nep; i++)
		c->ep[i].shared = epindex_shared(em->idx, NDX_C(c, NDX_AGNCY),
		    NDX_E(&c->ep[i], NDX_EPISODID), NDX_C(c, NDX_CLIENTID),
		    &c->ep[i].shared_line);
	return epxml_write_client(em->w, c, err);
}

/* What sees every row going into the sort: R126's index, and progress. */
struct watch {
	struct epindex *idx;
	int progress;
	unsigned long long rows;
	double t0, shown;
};

static void
watch_row(void *arg, const struct extract_row *row)
{
	struct watch *w = arg;
	double now;

	epindex_add(w->idx, row);
	if (!w->progress || (++w->rows & 4095) != 0)
		return;
	if ((now = ndx_seconds()) - w->shown < 0.5)
		return;
	w->shown = now;
	diag_warnx("progress: %llu rows read, %.0f rows/s", w->rows,
	    w->rows / (now - w->t0));
}

/* Sorted rows through the grouper into the XML writer. */
static int
write_episodes(struct extract *x, struct sorter *s, const struct epindex *idx,
    FILE *fp, struct ndx_error *err)
{
	struct ndx_header h;
	struct epxml_writer *w;
	struct group *g;
	struct extract_row row;
	struct emit em;
	int rc = -1;

	make_header(x, &h);
	if ((w = epxml_writer_open(fp, &h, err)) == NULL)
		goto out;
	em.w = w;
	em.idx = idx;
	g = group_new(x->has_period ? &x->period : NULL, emit_client, &em,
	    &x->counts);
	while ((rc = sorter_next(s, &row, err)) > 0)
		if ((rc = group_row(g, &row, err)) != 0)
			break;
	if (rc == 0)
		rc = group_end(g, err);
	group_free(g);
	/* Cut short, the document is not ended: it must not look whole. */
	if (rc != 0)
		epxml_writer_abort(w);
	else if (epxml_writer_close(w, err) != 0)
		rc = -1;
out:
	return rc;
}

static int
run(struct extract *x)
{
	struct ndx_error err = { 0 };
	struct ndx_dataset *ds = NULL;
	unsigned char mandatory[NDX_NITEMS];
	struct ndx_outfile *out = NULL;
	struct sorter *sorter = NULL;
	struct epindex *idx = NULL;
	struct corrections *corr = NULL;
	struct watch watch;
	unsigned long long crows = 0;
	uint64_t cabsent = 0;
	int cversion = 0;
	const char *name;
	FILE *in = NULL, *cin = NULL;
	int rc;

	if ((rc = parse_source(x)) != NDX_EX_OK)
		return rc;
	if (x->sql != NULL && x->kind == EXTRACT_CSV)
		return usage_error("%s", "--sql goes with --source sqlite:, "
		    "postgresql: or odbc:");
	if (x->kind == EXTRACT_POSTGRESQL)
		name = "PostgreSQL";	/* never the connection string */
	else if (x->kind == EXTRACT_ODBC)
		name = "ODBC";
	else
		name = strcmp(x->input, "-") == 0 ? STDIN_NAME : x->input;
	if ((x->kind == EXTRACT_CSV && open_input(x->input, &in, &err) != 0) ||
	    (ds = ndx_dataset_load(&err)) == NULL)
		goto fail;
	/* The XSD says which items are mandatory; C code never repeats it. */
	for (int i = 0; i < NDX_NITEMS; i++)
		mandatory[i] = ndx_dataset_mandatory(ds, (enum ndx_item)i) != 0;
	if (x->corrections != NULL &&
	    (strcmp(x->corrections, "-") == 0 ||
	    (x->kind == EXTRACT_CSV && strcmp(x->corrections, x->input) == 0))) {
		rc = usage_error("%s", "--corrections needs a file of its "
		    "own, not standard input or the source");
		goto out;
	}
	if (x->corrections != NULL &&
	    open_input(x->corrections, &cin, &err) != 0)
		goto fail;
	if (x->check) {
		/* The same code paths as an extract, stopped before any row. */
		if (x->kind == EXTRACT_CSV)
			rc = csv_read(in, name, ds, mandatory, NULL,
			    &x->counts.rows_read, &x->absent, &x->version,
			    &err);
		else
			rc = sql_read(x, ds, mandatory, NULL,
			    &x->counts.rows_read, &x->version, &err);
		if (rc == 0 && cin != NULL)
			rc = csv_read(cin, x->corrections, ds, mandatory, NULL,
			    &crows, &cabsent, &cversion, &err);
		if (rc != 0 || same_version(x, cin, cversion, &err) != 0 ||
		    wanted_version(x, name, &err) != 0)
			goto fail;
		rc = NDX_EX_OK;
		goto out;
	}
	if (x->kind != EXTRACT_POSTGRESQL && x->kind != EXTRACT_ODBC &&
	    ndx_outputs_distinct(x->input, &x->output, 1, &err) != 0)
		goto fail;
	if (x->corrections != NULL &&
	    ndx_outputs_distinct(x->corrections, &x->output, 1, &err) != 0)
		goto fail;
	if ((out = ndx_outfile_open(x->output, &err)) == NULL)
		goto fail;
	sorter = sorter_new(SORTER_RUNMAX);
	idx = epindex_new();
	memset(&watch, 0, sizeof(watch));
	watch.idx = idx;
	watch.progress = x->progress;
	watch.t0 = watch.shown = ndx_seconds();
	sorter_watch(sorter, watch_row, &watch);
	if (cin != NULL) {
		corr = corrections_new(x->corrections);
		sorter_filter(sorter, corrections_collect, corr);
		if (csv_read(cin, x->corrections, ds, mandatory, sorter,
		    &crows, &cabsent, &cversion, &err) != 0)
			goto fail;
		sorter_filter(sorter, corrections_drop, corr);
	}
	if (x->kind == EXTRACT_CSV)
		rc = csv_read(in, name, ds, mandatory, sorter,
		    &x->counts.rows_read, &x->absent, &x->version, &err);
	else
		rc = sql_read(x, ds, mandatory, sorter, &x->counts.rows_read,
		    &x->version, &err);
	if (rc != 0 || same_version(x, cin, cversion, &err) != 0 ||
	    wanted_version(x, name, &err) != 0)
		goto fail;
	/* The last word on reading, however quick it was. */
	if (x->progress)
		diag_warnx("progress: %llu rows read, %.0f rows/s", watch.rows,
		    watch.rows / (ndx_seconds() - watch.t0 + 1e-9));
	if (sorter_finish(sorter, &err) != 0)
		goto fail;
	/* A column either file lacks is empty for some rows. */
	x->absent |= cabsent;
	if (write_episodes(x, sorter, idx, ndx_outfile_fp(out), &err) != 0) {
		if (err.file[0] == '\0' && err.code == NDX_EX_IOERR)
			snprintf(err.file, sizeof(err.file), "%s",
			    ndx_outfile_name(out));
		goto fail;
	}
	rc = ndx_outfile_commit(out, &err);
	out = NULL;
	if (rc != 0)
		goto fail;
	if (corr != NULL) {
		unsigned long long replaced, added, dropped;

		corrections_counts(corr, &replaced, &added, &dropped);
		diag_at(x->corrections, 0, "%llu episode%s replaced, %llu "
		    "added (%llu rows in place of %llu)", replaced,
		    replaced == 1 ? "" : "s", added, crows, dropped);
	}
	if (x->verbose)
		diag_at(name, 0, "%llu rows read; %llu rows, %llu episodes "
		    "and %llu clients written; %llu episodes outside the "
		    "period", x->counts.rows_read, x->counts.rows_written,
		    x->counts.episodes_written, x->counts.clients_written,
		    x->counts.episodes_outside);
	rc = NDX_EX_OK;
	goto out;
fail:
	rc = diag_error(&err);
	ndx_outfile_abort(out);
out:
	sorter_free(sorter);
	epindex_free(idx);
	corrections_free(corr);
	ndx_dataset_free(ds);
	if (in != NULL && in != stdin)
		fclose(in);
	if (cin != NULL)
		fclose(cin);
	return rc;
}

int
extract_main(int argc, char **argv)
{
	struct extract x;
	int rc;

	memset(&x, 0, sizeof(x));
	diag_setprogname("ndx-extract");
	epxml_quiet();
	/* A closed pipe must be a write error (74), not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	if ((rc = parse_options(&x, argc, argv)) < 0)
		rc = run(&x);
	xmlCleanupParser();
	return rc;
}
